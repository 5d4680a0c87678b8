/* wanr2v-job.c: one generation, from request to video file on disk.
 *
 * Prepare, upload, poll, download, stop, and the reader side; whether and
 * how the task is created is in wanr2v-job-create.c.  Threading: see
 * wanr2v-job-private.h.
 */
#include "wanr2v-job-private.h"
#include "wanr2v-retry.h"
#include "wanr2v-download.h"
#include "wanr2v-keylock.h"
#include "wanr2v-media.h"
#include "wanr2v-poll.h"
#include "wanr2v-upload.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>


typedef struct
{
  guint media_index;
  gboolean voice;               /* the entry's reference_voice, not its url */
} UploadTarget;

typedef struct
{
  guint media_index;
  gboolean voice;               /* the entry's reference_voice, not its url */
  char *path;
  const char *mime;
  goffset size;
  char *sha256;                 /* computed once another file has its size */
  GArray *same_content;         /* of UploadTarget: more entries it serves */
} PendingUpload;

static void
pending_upload_free (PendingUpload * up)
{
  g_free (up->path);
  g_free (up->sha256);
  g_array_unref (up->same_content);
  g_free (up);
}

/* ---- tasks this process follows ------------------------------------------ */

/* Task ids of every job of the process, live or ended within the last
 * RECENT_TASK_S, so that recovering a lost create never adopts a sibling's
 * task, nor the task of an earlier run of this process.  The value is when
 * the job let go of it (0 while it is followed). */
#define RECENT_TASK_S (10 * 60)

static GMutex owned_lock;
static GHashTable *owned_tasks;

static void
own_task (const char *task_id, gboolean own)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key, value;

  g_mutex_lock (&owned_lock);
  if (owned_tasks == NULL)
    owned_tasks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        g_free);
  /* Forget what was let go of long ago. */
  g_hash_table_iter_init (&iter, owned_tasks);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    gint64 released = *(gint64 *) value;

    if (released != 0 && now - released > RECENT_TASK_S * G_USEC_PER_SEC)
      g_hash_table_iter_remove (&iter);
  }
  g_hash_table_replace (owned_tasks, g_strdup (task_id),
      g_memdup2 (own ? &(gint64) { 0 } : &now, sizeof (gint64)));
  g_mutex_unlock (&owned_lock);
}

static gboolean
task_is_owned (const char *task_id)
{
  gboolean owned;

  g_mutex_lock (&owned_lock);
  owned = owned_tasks && g_hash_table_contains (owned_tasks, task_id);
  g_mutex_unlock (&owned_lock);
  return owned;
}

static const char *phase_names[] = {
  "preparing", "uploading", "submitting", "queued", "generating", "downloading", "done",
  "failed"
};

const char *
wanr2v_job_phase_to_string (WanR2vJobPhase phase)
{
  if ((guint) phase < G_N_ELEMENTS (phase_names))
    return phase_names[phase];
  return "?";
}

WanR2vJob *
wanr2v_job_new (const WanR2vJobConfig * config, WanR2vJobEventFunc func,
    gpointer user_data, GError ** error)
{
  g_autoptr (GError) local_error = NULL;
  WanR2vClient *client;
  char *output_dir;
  WanR2vJob *job;

  g_return_val_if_fail (config->request != NULL
      || config->attach_task_id != NULL, NULL);

  if (config->attach_task_id
      && !wanr2v_task_id_is_valid (config->attach_task_id)) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        "task-id is not a DashScope task id: task ids are up to %u letters, "
        "digits, '-' and '_' (e.g. 0385dc79-5ff8-4d82-bcb6-xxxxxxxxxxxx)",
        WANR2V_MAX_TASK_ID_LENGTH);
    return NULL;
  }

  client = wanr2v_client_new (config->base_url, config->api_key,
      config->allow_insecure, error);
  if (client == NULL)
    return NULL;
  /* Before anything is read from it or written to it: a cache directory
   * someone else controls could feed us their video or journal. */
  output_dir = wanr2v_cache_dir_prepare (config->output_dir, &local_error);
  if (output_dir == NULL) {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        local_error->message);
    wanr2v_client_unref (client);
    return NULL;
  }
  if (config->request_timeout_s > 0)
    wanr2v_client_set_request_timeout (client, config->request_timeout_s);

  job = g_new0 (WanR2vJob, 1);
  job->refcount = 1;
  job->part_lock_fd = -1;
  job->key_lock_fd = -1;
  job->http = wanr2v_http_get_default ();
  job->client = client;
  job->request = config->request ? wanr2v_request_copy (config->request) :
      NULL;
  job->attach_task_id = g_strdup (config->attach_task_id);
  job->output_dir = output_dir;
  job->cache_policy = config->cache_policy;
  job->timeout_s = config->timeout_s;
  job->poll_interval_ms = config->poll_interval_ms;
  job->max_retries = config->max_retries;
  job->retry_delay_ms = MAX (config->retry_delay_ms, 1);
  job->request_timeout_s = config->request_timeout_s;
  job->cancel_on_stop = config->cancel_on_stop;
  job->func = func;
  job->user_data = user_data;
  job->inspect = config->inspect;
  job->inspect_data = config->inspect_data;
  job->max_billed_seconds = config->max_billed_seconds;
  job->dry_run = config->dry_run;
  job->max_tasks_in_progress = config->max_tasks_in_progress;
  job->cancellable = g_cancellable_new ();
  job->uploads = g_ptr_array_new_with_free_func ((GDestroyNotify)
      pending_upload_free);
  job->total = -1;
  g_mutex_init (&job->lock);
  g_cond_init (&job->cond);
  return job;
}

WanR2vJob *
wanr2v_job_ref (WanR2vJob * job)
{
  g_atomic_int_inc (&job->refcount);
  return job;
}

void
wanr2v_job_unref (WanR2vJob * job)
{
  if (job == NULL || !g_atomic_int_dec_and_test (&job->refcount))
    return;

  /* Timers and requests hold references, so none is pending here. */
  g_warn_if_fail (job->timer == NULL && job->deadline == NULL);
  if (job->task_id)
    own_task (job->task_id, FALSE);
  wanr2v_client_unref (job->client);
  g_clear_pointer (&job->request, wanr2v_request_free);
  g_free (job->attach_task_id);
  g_free (job->output_dir);
  g_free (job->key);
  g_free (job->cached_path);
  g_free (job->cached_task_id);
  wanr2v_key_lock_release (job->key_lock_fd);
  wanr2v_slot_release (g_steal_pointer (&job->slot));
  wanr2v_slot_ticket_free (g_steal_pointer (&job->slot_ticket));
  g_clear_object (&job->cancellable);
  g_free (job->body);
  g_clear_pointer (&job->wire, wanr2v_request_free);
  g_ptr_array_unref (job->uploads);
  g_clear_pointer (&job->policy, wanr2v_upload_policy_free);
  g_clear_pointer (&job->last_info, wanr2v_task_info_free);
  g_free (job->task_id);
  g_free (job->video_path);
  g_free (job->part_path);
  if (job->part_lock_fd >= 0)
    close (job->part_lock_fd);
  g_clear_error (&job->error);
  g_clear_pointer (&job->details, wanr2v_error_info_free);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  g_free (job);
}

/* ---- events ------------------------------------------------------------- */

static void
emit (WanR2vJob * job, WanR2vJobEventType type, const GError * error,
    const WanR2vErrorInfo * details)
{
  WanR2vJobEvent event = { 0, };
  g_autofree char *task_id = NULL;

  g_mutex_lock (&job->lock);
  if (job->stopped || job->func == NULL) {
    g_mutex_unlock (&job->lock);
    return;
  }
  job->in_callback++;
  event.phase = job->phase;
  event.bytes = job->written;
  event.total = job->total;
  task_id = g_strdup (job->task_id);
  g_mutex_unlock (&job->lock);

  event.type = type;
  event.task_id = task_id;
  event.cached = job->cached_path != NULL;
  event.info = job->last_info;
  event.error = error;
  event.details = details;
  event.elapsed_us = g_get_monotonic_time () - job->start_us;
  event.cost = job->has_cost ? &job->cost : NULL;
  event.body = type == WANR2V_JOB_EVENT_DRY_RUN ? job->body : NULL;
  event.ahead = job->slot_ahead;
  event.slots = job->max_tasks_in_progress;
  job->func (job, &event, job->user_data);

  g_mutex_lock (&job->lock);
  job->in_callback--;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

static void
set_phase (WanR2vJob * job, WanR2vJobPhase phase)
{
  g_mutex_lock (&job->lock);
  if (job->phase == phase) {
    g_mutex_unlock (&job->lock);
    return;
  }
  job->phase = phase;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
  /* The task is no longer in progress: another may start. */
  if (phase >= WANR2V_JOB_PHASE_DOWNLOADING)
    wanr2v_job_release_slot (job);
  g_debug ("job %p: %s", job, wanr2v_job_phase_to_string (phase));
  emit (job, WANR2V_JOB_EVENT_PHASE, NULL, NULL);
}

/* Tells the application first, then lets the reader see the end: the
 * messages about the finished video come before the stream's EOS. */
static void
announce_complete (WanR2vJob * job)
{
  emit (job, WANR2V_JOB_EVENT_PHASE, NULL, NULL);
  emit (job, WANR2V_JOB_EVENT_DONE, NULL, NULL);

  g_mutex_lock (&job->lock);
  job->complete = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

static void
clear_source (GSource ** source)
{
  if (*source) {
    g_source_destroy (*source);
    g_source_unref (*source);
    *source = NULL;
  }
}

/* Takes @error. */
static void
fail (WanR2vJob * job, GError * error, WanR2vErrorInfo * details)
{
  clear_source (&job->timer);
  clear_source (&job->deadline);

  g_mutex_lock (&job->lock);
  if (job->error || job->complete) {
    g_mutex_unlock (&job->lock);
    g_error_free (error);
    wanr2v_error_info_free (details);
    return;
  }
  if (details == NULL)
    details = wanr2v_error_info_new ();
  if (details->task_id == NULL)
    details->task_id = g_strdup (job->task_id);
  job->error = error;
  job->details = details;
  job->phase = WANR2V_JOB_PHASE_FAILED;
  g_cond_broadcast (&job->cond);
  /* Another run of the request may go ahead, unless this job's create is
   * still unanswered (its end lets go of the key). */
  if (!job->create_busy) {
    wanr2v_key_lock_release (job->key_lock_fd);
    job->key_lock_fd = -1;
  }
  g_mutex_unlock (&job->lock);

  wanr2v_job_release_slot (job);
  g_debug ("job %p failed: %s", job, error->message);
  emit (job, WANR2V_JOB_EVENT_ERROR, error, details);
}

static gboolean
is_stopped (WanR2vJob * job)
{
  gboolean stopped;

  g_mutex_lock (&job->lock);
  stopped = job->stopped;
  g_mutex_unlock (&job->lock);
  return stopped;
}

static void
set_create_busy (WanR2vJob * job, gboolean busy)
{
  g_mutex_lock (&job->lock);
  job->create_busy = busy;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

static gboolean
is_create_busy (WanR2vJob * job)
{
  gboolean busy;

  g_mutex_lock (&job->lock);
  busy = job->create_busy;
  g_mutex_unlock (&job->lock);
  return busy;
}

/* Tells the user that a promise is off for this run (a WARNING message);
 * takes @error. */
static void
warn (WanR2vJob * job, GError * error)
{
  /* Not g_warning: the WARNING message is how the user hears of it. */
  g_info ("%s", error->message);
  emit (job, WANR2V_JOB_EVENT_WARNING, error, NULL);
  g_error_free (error);
}

static void
release_key_lock (WanR2vJob * job)
{
  wanr2v_key_lock_release (job->key_lock_fd);
  job->key_lock_fd = -1;
}

/* Schedules @func on the HTTP thread after @ms, holding a job reference. */
static void
schedule (WanR2vJob * job, guint ms, GSourceFunc func)
{
  clear_source (&job->timer);
  job->timer = wanr2v_http_timeout_source_new (job->http, ms, func,
      wanr2v_job_ref (job), (GDestroyNotify) wanr2v_job_unref);
}

/* Exponential backoff with +-25 % jitter, so that many clients that failed
 * together do not come back together. */
static guint
backoff_ms (WanR2vJob * job)
{
  guint64 delay = (guint64) job->retry_delay_ms << MIN (job->attempts, 10);
  double jitter = g_random_double_range (0.75, 1.25);

  delay = MIN (delay, 60000);
  return (guint) (delay * jitter);
}

/* ---- polling ------------------------------------------------------------ */

static void poll_later (WanR2vJob * job);
static void start_download (WanR2vJob * job);

static void upload_next (WanR2vJob * job);

static gboolean
task_status_error (WanR2vJob * job, const WanR2vTaskInfo * info)
{
  WanR2vErrorInfo *details;
  GError *error;

  if (info->status != WANR2V_TASK_STATUS_FAILED
      && info->status != WANR2V_TASK_STATUS_CANCELED
      && info->status != WANR2V_TASK_STATUS_UNKNOWN)
    return FALSE;

  /* The task has ended without a video: nothing left to resume. */
  if (job->key)
    wanr2v_journal_remove (job->output_dir, job->key, job->task_id);
  if (job->from_journal) {
    /* An earlier run's task that ended badly: this run makes its own. */
    g_info ("task %s of an earlier run is %s: creating a new one",
        job->task_id, info->status_string);
    job->from_journal = FALSE;
    own_task (job->task_id, FALSE);
    g_mutex_lock (&job->lock);
    g_clear_pointer (&job->task_id, g_free);
    g_mutex_unlock (&job->lock);
    g_clear_pointer (&job->last_info, wanr2v_task_info_free);
    job->last_status = WANR2V_TASK_STATUS_UNRECOGNISED;
    job->poll_count = 0;
    job->attempts = 0;
    job->from_journal = FALSE;
    /* Another run may be creating one right now: take the key first. */
    wanr2v_job_take_key_lock (job);
    return TRUE;
  }

  details = wanr2v_error_info_new ();

  details->http_status = 200;
  details->code = g_strdup (info->code);
  details->message = g_strdup (info->message);
  details->request_id = g_strdup (info->request_id);

  switch (info->status) {
    case WANR2V_TASK_STATUS_FAILED:
      error = g_error_new (WANR2V_ERROR, WANR2V_ERROR_TASK_FAILED,
          "Task %s FAILED on the service: %s%s%s (failed tasks are not "
          "billed; change the request and run again)", info->task_id,
          info->code && *info->code ? info->code : "no error code given",
          info->message && *info->message ? ": " : "",
          info->message && *info->message ? info->message : "");
      break;
    case WANR2V_TASK_STATUS_CANCELED:
      error = g_error_new (WANR2V_ERROR, WANR2V_ERROR_TASK_CANCELED,
          "Task %s was CANCELED on the service (cancelled while it was "
          "queued, by this or another client); run again to make a new one",
          info->task_id);
      break;
    case WANR2V_TASK_STATUS_UNKNOWN:
      error = g_error_new (WANR2V_ERROR, WANR2V_ERROR_TASK_UNKNOWN,
          "Task %s is UNKNOWN to the service: no such task in this region "
          "and account, or it is older than 24 hours and its result is gone",
          info->task_id);
      break;
    default:
      g_assert_not_reached ();
  }
  fail (job, error, details);
  return TRUE;
}

static void
on_queried (GObject * source, GAsyncResult * res, gpointer data)
{
  WanR2vJob *job = data;
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  WanR2vTaskInfo *info;

  info = wanr2v_client_query_task_finish (job->client, res, &details,
      &error);
  if (info) {
    gint64 latency = g_get_monotonic_time () - job->query_sent_us;

    job->query_latency_us = job->query_latency_us == 0 ? latency
        : (3 * job->query_latency_us + latency) / 4;
  }
  if (info == NULL) {
    if (is_stopped (job) || job->error) {
      wanr2v_error_info_free (details);
    } else if (wanr2v_retry_classify (WANR2V_CALL_QUERY, error,
            details) == WANR2V_RETRY_FAIL) {
      fail (job, g_steal_pointer (&error), details);
    } else {
      /* Anything transient: the overall timeout bounds the retries. */
      g_debug ("job %p: query failed, will poll again: %s", job,
          error->message);
      emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      poll_later (job);
    }
    wanr2v_job_unref (job);
    return;
  }

  if (is_stopped (job)) {
    wanr2v_task_info_free (info);
    wanr2v_job_unref (job);
    return;
  }

  if (info->status != job->last_status || job->last_info == NULL) {
    job->last_status = info->status;
    g_clear_pointer (&job->last_info, wanr2v_task_info_free);
    job->last_info = info;
    if (info->status == WANR2V_TASK_STATUS_PENDING)
      set_phase (job, WANR2V_JOB_PHASE_QUEUED);
    else if (info->status == WANR2V_TASK_STATUS_RUNNING)
      set_phase (job, WANR2V_JOB_PHASE_GENERATING);
    emit (job, WANR2V_JOB_EVENT_TASK_STATUS, NULL, NULL);
  } else {
    wanr2v_task_info_free (info);
  }

  if (job->last_status == WANR2V_TASK_STATUS_SUCCEEDED) {
    start_download (job);
  } else if (!task_status_error (job, job->last_info)) {
    poll_later (job);
  }
  wanr2v_job_unref (job);
}

static gboolean
do_query (gpointer data)
{
  WanR2vJob *job = data;

  g_clear_pointer (&job->timer, g_source_unref);
  job->query_sent_us = g_get_monotonic_time ();
  wanr2v_client_query_task_async (job->client, job->task_id,
      job->cancellable, on_queried, wanr2v_job_ref (job));
  return G_SOURCE_REMOVE;
}

/* Longest reply latency the schedule makes up for: a slow reply is a sign
 * of trouble, not a reason to query earlier and earlier. */
#define MAX_LATENCY_COMPENSATION_US (500 * 1000)

/* The next query of the timetable that starts at poll_start_us (see
 * wanr2v-poll.h).  It is sent early by the usual reply latency, so that its
 * answer tells the task's state at the scheduled instant.  Instants that
 * passed while a reply was slow are skipped, not made up in a burst. */
static void
poll_later (WanR2vJob * job)
{
  gint64 now = g_get_monotonic_time ();
  gint64 lead = MIN (job->query_latency_us, MAX_LATENCY_COMPENSATION_US);
  gint64 due;

  do {
    /* Saturated: a timetable centuries long must not wrap around. */
    guint64 due_ms = MIN (wanr2v_poll_due_ms (job->poll_count++,
            job->poll_interval_ms), (guint64) G_MAXINT64 / 2000);

    due = job->poll_start_us + (gint64) due_ms * 1000 - lead;
  } while (due < now && job->poll_count > 1);

  schedule (job, due > now ? (guint) MIN ((due - now) / 1000, G_MAXUINT) : 0,
      do_query);
}

/* A new timetable: query number @first is the next, counted from @start_us
 * (monotonic). */
static void
start_polling (WanR2vJob * job, guint first, gint64 start_us)
{
  job->poll_count = first;
  job->poll_start_us = start_us;
  poll_later (job);
}

/* ---- download ----------------------------------------------------------- */

static void
on_download_progress (guint64 written, gint64 total, gpointer data)
{
  WanR2vJob *job = data;
  guint step = 0;

  g_mutex_lock (&job->lock);
  job->written = written;
  job->total = total;
  job->download_started = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);

  if (total > 0)
    step = (guint) (written * 20 / total);
  if (step != job->last_progress_step) {
    job->last_progress_step = step;
    emit (job, WANR2V_JOB_EVENT_DOWNLOAD_PROGRESS, NULL, NULL);
  }
}

static void download_from (WanR2vJob * job, guint64 offset);

static gboolean
resume_download (gpointer data)
{
  WanR2vJob *job = data;
  guint64 offset;

  g_clear_pointer (&job->timer, g_source_unref);
  g_mutex_lock (&job->lock);
  offset = job->written;
  g_mutex_unlock (&job->lock);
  download_from (job, offset);
  return G_SOURCE_REMOVE;
}

static void
on_downloaded (GObject * source, GAsyncResult * res, gpointer data)
{
  WanR2vJob *job = data;
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  guint64 size = 0;

  if (!wanr2v_download_finish (res, &size, &details, &error)) {
    if (is_stopped (job)) {
      wanr2v_error_info_free (details);
    } else if (wanr2v_retry_classify (WANR2V_CALL_DOWNLOAD, error,
            details) == WANR2V_RETRY_RESUME
        && job->attempts < job->max_retries) {
      emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      schedule (job, backoff_ms (job), resume_download);
      job->attempts++;
    } else {
      fail (job, g_steal_pointer (&error), details);
    }
    wanr2v_job_unref (job);
    return;
  }

  clear_source (&job->deadline);

  /* Renamed under the lock: a reader opens the .part file until complete
   * is set, and the final name after. */
  g_mutex_lock (&job->lock);
  if (g_rename (job->part_path, job->video_path) != 0) {
    int err = errno;

    g_mutex_unlock (&job->lock);
    fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not move the finished video to %s: %s", job->video_path,
            g_strerror (err)), NULL);
    wanr2v_job_unref (job);
    return;
  }
  job->renamed = TRUE;
  job->written = size;
  job->total = size;
  job->download_started = TRUE;
  job->phase = WANR2V_JOB_PHASE_DONE;
  g_mutex_unlock (&job->lock);

  /* The video is kept: the journal becomes the record of its task. */
  if (job->key)
    wanr2v_journal_keep (job->output_dir, job->key, job->task_id,
        job->wire ? job->wire->model : NULL);

  g_debug ("job %p: video complete, %" G_GUINT64_FORMAT " bytes", job, size);
  wanr2v_job_check_billing (job);
  announce_complete (job);
  wanr2v_job_unref (job);
}

static void
download_from (WanR2vJob * job, guint64 offset)
{
  wanr2v_download_async (job->last_info->video_url, job->part_path, offset,
      job->request_timeout_s, on_download_progress, job, job->cancellable,
      on_downloaded,
      wanr2v_job_ref (job));
}

/* Most downloads of one task at once (runs of one request in one or more
 * processes) before one gives up. */
#define MAX_PART_FILES 16

/* The partial file this job downloads into, locked (flock) for as long as
 * the job lives.  It is named after the task, so that a run resuming the
 * task from the journal finds what an earlier run left; a second download
 * of the same task at the same time (another run of the same request, in
 * this process or another) finds it locked and takes the next name. */
static char *
claim_part_file (WanR2vJob * job, const char *video_path, GError ** error)
{
  g_autofree char *task = g_strdup (job->task_id);
  guint i;

  g_strcanon (task, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-_", '_');
  if (job->part_lock_fd >= 0) {
    close (job->part_lock_fd);
    job->part_lock_fd = -1;
  }
  for (i = 0; i < MAX_PART_FILES; i++) {
    g_autofree char *path = i == 0 ? g_strdup_printf ("%s.%s.part",
        video_path, task) : g_strdup_printf ("%s.%s.%u.part", video_path,
        task, i);
    /* O_NOFOLLOW: a link planted under this name is refused, not written
     * through; 0600 (and fchmod, for a file an older version left): a
     * paid video is the user's only. */
    int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd >= 0 && fchmod (fd, 0600) != 0) {
      close (fd);
      fd = -1;
    }
    if (fd < 0) {
      int err = errno;

      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_IO,
          "Could not open %s for writing: %s", path, g_strerror (err));
      return NULL;
    }
    if (flock (fd, LOCK_EX | LOCK_NB) == 0) {
      job->part_lock_fd = fd;
      return g_steal_pointer (&path);
    }
    close (fd);
  }
  g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_IO,
      "Task %s is being downloaded into %s %u times at once already",
      job->task_id, job->output_dir, MAX_PART_FILES);
  return NULL;
}

static void
start_download (WanR2vJob * job)
{
  g_autofree char *name = NULL, *video_path = NULL, *part_path = NULL;
  GError *error = NULL;

  if (job->last_info->video_url == NULL || *job->last_info->video_url == 0) {
    fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "Task %s SUCCEEDED but the service gave no video_url",
            job->task_id), NULL);
    return;
  }
  if (g_mkdir_with_parents (job->output_dir, 0700) != 0) {
    int err = errno;

    fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not create the directory %s for the video: %s",
            job->output_dir, g_strerror (err)), NULL);
    return;
  }

  /* Kept under the request's key, or else the task id (a UUID from the
   * service: keep only safe characters). */
  name = g_strdup (job->key ? job->key : job->task_id);
  g_strcanon (name, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-_", '_');

  video_path = wanr2v_cache_video_path (job->output_dir, name);
  part_path = claim_part_file (job, video_path, &error);
  if (part_path == NULL) {
    fail (job, error, NULL);
    return;
  }
  g_mutex_lock (&job->lock);
  job->video_path = g_steal_pointer (&video_path);
  job->part_path = g_steal_pointer (&part_path);
  g_mutex_unlock (&job->lock);

  job->attempts = 0;
  set_phase (job, WANR2V_JOB_PHASE_DOWNLOADING);
  /* An earlier run stopped mid-download (the journal brought us back to
   * this task): go on from what it left on disk. */
  {
    struct stat st;
    guint64 offset = 0;

    if (job->key && fstat (job->part_lock_fd, &st) == 0 && st.st_size > 0)
      offset = st.st_size;
    if (offset > 0)
      g_info ("resuming the download of task %s at byte %" G_GUINT64_FORMAT,
          job->task_id, offset);
    download_from (job, offset);
  }
}

/* ---- prepare ------------------------------------------------------------ */

/* Images up to this size travel inline as data: URIs (the body stays well
 * under the service's limits); larger ones, videos and voices are uploaded. */
#define MAX_INLINE_IMAGE_BYTES (7 * 1024 * 1024)

/* Policies are good for expire_in_seconds; stop using one a little early. */
#define POLICY_MARGIN_US (10 * G_USEC_PER_SEC)

static WanR2vMediaKind
media_kind (WanR2vMediaType type, gboolean voice)
{
  return voice ? WANR2V_MEDIA_KIND_VOICE
      : type == WANR2V_MEDIA_REFERENCE_VIDEO ? WANR2V_MEDIA_KIND_VIDEO
      : WANR2V_MEDIA_KIND_IMAGE;
}

/* Queues @up (taking it), unless a file of the same content (SHA-256) is
 * queued already: then that upload serves @up's entry too, so that one
 * file given twice is sent once.  Contents are hashed only when sizes
 * match.  FALSE with @error when a file cannot be read. */
static gboolean
queue_upload (WanR2vJob * job, PendingUpload * up, GError ** error)
{
  guint i;

  for (i = 0; i < job->uploads->len; i++) {
    PendingUpload *other = g_ptr_array_index (job->uploads, i);
    UploadTarget target = { up->media_index, up->voice };

    if (other->size != up->size)
      continue;
    if (other->sha256 == NULL
        && !(other->sha256 = wanr2v_media_hash_file (other->path, error)))
      return FALSE;
    if (up->sha256 == NULL
        && !(up->sha256 = wanr2v_media_hash_file (up->path, error)))
      return FALSE;
    if (strcmp (other->sha256, up->sha256) != 0)
      continue;
    g_array_append_val (other->same_content, target);
    pending_upload_free (up);
    return TRUE;
  }
  g_ptr_array_add (job->uploads, up);
  return TRUE;
}

/* In a worker thread: reads what must be read of a local file, and either
 * inlines it or queues it for upload.  FALSE with @error on a bad file. */
static gboolean
prepare_local (WanR2vJob * job, WanR2vRequest * wire, guint index,
    gboolean voice, GError ** error)
{
  WanR2vMedia *media = g_ptr_array_index (wire->media, index);
  char **url = voice ? &media->voice : &media->url;
  g_autofree char *label = wanr2v_request_media_label (wire, index, voice);
  g_autofree char *path = wanr2v_url_to_local_path (*url);
  g_autoptr (GError) local_error = NULL;
  GStatBuf st;
  const char *mime;
  PendingUpload *up;

  if (path == NULL || g_stat (path, &st) != 0) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        "%s: %s: %s", label, path ? path : *url, g_strerror (errno));
    return FALSE;
  }
  mime = wanr2v_media_sniff_file (path, &local_error);
  if (local_error) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        "%s: cannot read %s: %s", label, path, local_error->message);
    return FALSE;
  }
  if (!wanr2v_media_kind_accepts (media_kind (media->type, voice), mime)) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        "%s: %s is not %s", label, path, wanr2v_media_kind_formats
        (media_kind (media->type, voice)));
    return FALSE;
  }

  /* wan2.6's reference_urls take no data: URIs: everything is uploaded. */
  if (!voice && media->type != WANR2V_MEDIA_REFERENCE_VIDEO
      && st.st_size <= MAX_INLINE_IMAGE_BYTES
      && wanr2v_model_family (wire->model) == WANR2V_FAMILY_WAN27) {
    char *data_uri = wanr2v_media_image_to_data_uri (path,
        MAX_INLINE_IMAGE_BYTES, job->cancellable, &local_error);

    if (data_uri == NULL) {
      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST, "%s: %s",
          label, local_error->message);
      return FALSE;
    }
    g_free (*url);
    *url = data_uri;
    return TRUE;
  }

  up = g_new0 (PendingUpload, 1);
  up->media_index = index;
  up->voice = voice;
  up->path = g_steal_pointer (&path);
  up->mime = mime;
  up->size = st.st_size;
  up->same_content = g_array_new (FALSE, FALSE, sizeof (UploadTarget));
  if (!queue_upload (job, up, &local_error)) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        "%s: cannot read %s: %s", label, up->path, local_error->message);
    pending_upload_free (up);
    return FALSE;
  }
  return TRUE;
}

static void
prepare_thread (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  WanR2vJob *job = data;
  WanR2vRequest *wire = wanr2v_request_copy (job->request);
  g_autofree gdouble *video_seconds = NULL;
  GError *error = NULL;
  guint i;

  /* A kept video first: it was made from these very files (the key hashes
   * their contents), which passed every check then, and serving it sends
   * and bills nothing, so the checks and the encoding below would only
   * delay its first frame.  Any trouble computing the key is left to those
   * checks, which name the file and the problem. */
  if (job->cache_policy == WANR2V_CACHE_REUSE && !job->dry_run) {
    job->key = wanr2v_cache_key (job->request,
        wanr2v_client_get_base_url (job->client), job->cancellable, NULL);
    if (job->key && wanr2v_cache_lookup (job->output_dir, job->key,
            &job->cached_path, &job->cached_size)) {
      job->cached_task_id = wanr2v_cache_kept_task (job->output_dir,
          job->key);
      g_task_return_pointer (task, wire, (GDestroyNotify) wanr2v_request_free);
      return;
    }
  }

  video_seconds = g_new (gdouble, MAX (wire->media->len, 1));
  for (i = 0; i < wire->media->len; i++)
    video_seconds[i] = -1;
  if ((job->inspect && !job->inspect (job->request, video_seconds,
              job->cancellable, job->inspect_data, &error))
      || !wanr2v_job_predict_cost (job, video_seconds, &error)) {
    wanr2v_request_free (wire);
    g_task_return_error (task, error);
    return;
  }

  for (i = 0; i < wire->media->len; i++) {
    WanR2vMedia *media = g_ptr_array_index (wire->media, i);

    if (wanr2v_url_classify (media->url) == WANR2V_URL_LOCAL
        && !prepare_local (job, wire, i, FALSE, &error))
      break;
    if (media->voice && *media->voice
        && wanr2v_url_classify (media->voice) == WANR2V_URL_LOCAL
        && !prepare_local (job, wire, i, TRUE, &error))
      break;
  }
  if (error == NULL && job->cache_policy != WANR2V_CACHE_OFF
      && job->key == NULL)
    job->key = wanr2v_cache_key (job->request,
        wanr2v_client_get_base_url (job->client), job->cancellable, &error);
  if (error) {
    wanr2v_request_free (wire);
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, wire, (GDestroyNotify) wanr2v_request_free);
}

static void
build_body_thread (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  WanR2vJob *job = data;
  GError *error = NULL;
  char *body = wanr2v_json_build_create_body (job->wire, &error);

  if (body == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, body, g_free);
}

static void
on_body_built (GObject * source, GAsyncResult * res, gpointer data)
{
  WanR2vJob *job = data;
  GError *error = NULL;

  job->body = g_task_propagate_pointer (G_TASK (res), &error);
  if (job->body == NULL) {
    if (!is_stopped (job))
      fail (job, error, NULL);
    else
      g_error_free (error);
  } else if (!is_stopped (job)) {
    job->oss_resolve = wanr2v_request_uses_oss (job->wire);
    wanr2v_job_submit (job);
  }
  wanr2v_job_unref (job);
}

static void
run_in_worker (WanR2vJob * job, GTaskThreadFunc func,
    GAsyncReadyCallback done)
{
  GTask *task = g_task_new (NULL, NULL, done, wanr2v_job_ref (job));

  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, func);
  g_object_unref (task);
}

static void upload_next (WanR2vJob * job);

static void
set_wire_url (WanR2vJob * job, guint media_index, gboolean voice,
    const char *url)
{
  WanR2vMedia *media = g_ptr_array_index (job->wire->media, media_index);
  char **field = voice ? &media->voice : &media->url;

  g_free (*field);
  *field = g_strdup (url);
}

static void
on_file_uploaded (GObject * source, GAsyncResult * res, gpointer data)
{
  WanR2vJob *job = data;
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  char *oss_url = wanr2v_upload_file_finish (res, &details, &error);
  PendingUpload *up = g_ptr_array_index (job->uploads, 0);

  if (is_stopped (job)) {
    g_free (oss_url);
    wanr2v_error_info_free (details);
  } else if (oss_url == NULL) {
    gboolean retry = wanr2v_retry_classify (WANR2V_CALL_UPLOAD, error,
        details) == WANR2V_RETRY_AGAIN && job->attempts < job->max_retries;

    if (retry) {
      /* A fresh policy: the old one may be what failed. */
      g_clear_pointer (&job->policy, wanr2v_upload_policy_free);
      emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      job->attempts++;
      upload_next (job);
    } else {
      g_autofree char *label = wanr2v_request_media_label (job->wire,
          up->media_index, up->voice);

      g_prefix_error (&error, "%s: ", label);
      fail (job, g_steal_pointer (&error), details);
    }
  } else {
    guint i;

    g_debug ("job %p: uploaded %s as %s", job, up->path, oss_url);
    set_wire_url (job, up->media_index, up->voice, oss_url);
    for (i = 0; i < up->same_content->len; i++) {
      UploadTarget *t = &g_array_index (up->same_content, UploadTarget, i);

      set_wire_url (job, t->media_index, t->voice, oss_url);
    }
    g_free (oss_url);
    g_ptr_array_remove_index (job->uploads, 0);
    job->uploaded++;
    job->attempts = 0;
    upload_next (job);
  }
  wanr2v_job_unref (job);
}

static void
upload_with_policy (WanR2vJob * job)
{
  PendingUpload *up = g_ptr_array_index (job->uploads, 0);

  wanr2v_upload_file_async (job->policy, up->path, up->mime,
      job->request_timeout_s, job->cancellable, on_file_uploaded,
      wanr2v_job_ref (job));
}

static void
on_policy (GObject * source, GAsyncResult * res, gpointer data)
{
  WanR2vJob *job = data;
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;

  job->policy = wanr2v_client_get_upload_policy_finish (job->client, res,
      &details, &error);
  if (is_stopped (job)) {
    wanr2v_error_info_free (details);
  } else if (job->policy == NULL) {
    if (wanr2v_retry_classify (WANR2V_CALL_POLICY, error, details) ==
        WANR2V_RETRY_AGAIN && job->attempts < job->max_retries) {
      emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      job->attempts++;
      upload_next (job);
    } else {
      fail (job, g_steal_pointer (&error), details);
    }
  } else {
    /* expire_in_seconds is clamped to a day when parsed. */
    job->policy_deadline_us = g_get_monotonic_time ()
        + job->policy->expire_in_seconds * G_USEC_PER_SEC - POLICY_MARGIN_US;
    upload_with_policy (job);
  }
  wanr2v_job_unref (job);
}

/* Uploads the local files one after another, sharing a policy while it is
 * valid, then builds the create body. */
static void
upload_next (WanR2vJob * job)
{
  /* A slot of the account's tasks in progress first: nothing has been
   * uploaded yet, so waiting costs nothing. */
  if (wanr2v_job_needs_slot (job)) {
    wanr2v_job_wait_for_slot (job);
    return;
  }
  if (job->uploads->len == 0) {
    if (job->uploaded > 0) {
      g_mutex_lock (&job->lock);
      job->written = job->uploaded;
      g_mutex_unlock (&job->lock);
      emit (job, WANR2V_JOB_EVENT_UPLOADED, NULL, NULL);
      g_mutex_lock (&job->lock);
      job->written = 0;
      g_mutex_unlock (&job->lock);
    }
    run_in_worker (job, build_body_thread, on_body_built);
    return;
  }
  set_phase (job, WANR2V_JOB_PHASE_UPLOADING);
  if (job->policy && g_get_monotonic_time () < job->policy_deadline_us) {
    upload_with_policy (job);
    return;
  }
  g_clear_pointer (&job->policy, wanr2v_upload_policy_free);
  wanr2v_client_get_upload_policy_async (job->client, job->wire->model,
      job->cancellable, on_policy, wanr2v_job_ref (job));
}

/* A kept video: done at once, no task. */
static void
serve_cached (WanR2vJob * job)
{
  clear_source (&job->deadline);
  g_mutex_lock (&job->lock);
  job->video_path = g_strdup (job->cached_path);
  job->task_id = g_strdup (job->cached_task_id);
  job->renamed = TRUE;
  job->written = job->cached_size;
  job->total = job->cached_size;
  job->download_started = TRUE;
  job->phase = WANR2V_JOB_PHASE_DONE;
  g_mutex_unlock (&job->lock);

  g_debug ("job %p: serving the kept video %s", job, job->cached_path);
  announce_complete (job);
}

/* A dry run ends here: nothing uploaded, nothing created; the reader sees
 * an empty stream. */
static void
finish_dry_run (WanR2vJob * job)
{
  GError *error = NULL;

  job->body = wanr2v_job_dry_run_body (job, &error);
  if (job->body == NULL) {
    fail (job, error, NULL);
    return;
  }
  clear_source (&job->deadline);
  emit (job, WANR2V_JOB_EVENT_DRY_RUN, NULL, NULL);
  g_mutex_lock (&job->lock);
  job->total = 0;
  job->download_started = TRUE; /* of nothing: the reader sees the end */
  job->phase = WANR2V_JOB_PHASE_DONE;
  g_mutex_unlock (&job->lock);
  announce_complete (job);
}

static void
on_prepared (GObject * source, GAsyncResult * res, gpointer data)
{
  WanR2vJob *job = data;
  GError *error = NULL;

  job->wire = g_task_propagate_pointer (G_TASK (res), &error);
  if (job->wire == NULL) {
    if (!is_stopped (job))
      fail (job, error, NULL);
    else
      g_error_free (error);
  } else if (is_stopped (job)) {
    /* nothing */
  } else if (job->cached_path) {
    serve_cached (job);
  } else {
    /* The prediction first, before anything is uploaded or created. */
    if (job->has_cost)
      emit (job, WANR2V_JOB_EVENT_PREDICTED, NULL, NULL);
    if (is_stopped (job)) {
      /* nothing */
    } else if (job->dry_run) {
      finish_dry_run (job);
    } else if (job->key) {
      wanr2v_job_take_key_lock (job);
    } else {
      job->attempts = 0;
      upload_next (job);
    }
  }
  wanr2v_job_unref (job);
}

/* ---- start / stop ------------------------------------------------------- */

static gboolean
on_deadline (gpointer data)
{
  WanR2vJob *job = data;

  g_clear_pointer (&job->deadline, g_source_unref);
  fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_TIMEOUT,
          "No video after %u s (the timeout): task %s was last %s. It goes "
          "on on the service; set task-id=%s to pick up its result within "
          "24 hours", job->timeout_s, job->task_id ? job->task_id : "(none)",
          wanr2v_task_status_to_string (job->last_status),
          job->task_id ? job->task_id : "..."), NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
start_on_http_thread (gpointer data)
{
  WanR2vJob *job = data;

  if (is_stopped (job))
    return G_SOURCE_REMOVE;

  job->start_us = g_get_monotonic_time ();
  /* The job starts in PREPARING: announce it. */
  emit (job, WANR2V_JOB_EVENT_PHASE, NULL, NULL);
  if (job->timeout_s > 0)
    job->deadline = wanr2v_http_timeout_source_new_s (job->http,
        job->timeout_s, on_deadline, wanr2v_job_ref (job),
        (GDestroyNotify) wanr2v_job_unref);

  if (job->attach_task_id) {
    g_mutex_lock (&job->lock);
    job->task_id = g_strdup (job->attach_task_id);
    g_mutex_unlock (&job->lock);
    own_task (job->task_id, TRUE);
    job->last_status = WANR2V_TASK_STATUS_UNRECOGNISED;
    set_phase (job, WANR2V_JOB_PHASE_QUEUED);
    start_polling (job, 0, g_get_monotonic_time ());
  } else {
    run_in_worker (job, prepare_thread, on_prepared);
  }
  return G_SOURCE_REMOVE;
}

void
wanr2v_job_start (WanR2vJob * job)
{
  wanr2v_http_invoke (job->http, start_on_http_thread, wanr2v_job_ref (job),
      (GDestroyNotify) wanr2v_job_unref);
}

static gboolean
stop_on_http_thread (gpointer data)
{
  WanR2vJob *job = data;

  gboolean create_busy;

  clear_source (&job->timer);
  clear_source (&job->deadline);
  g_cancellable_cancel (job->cancellable);
  create_busy = is_create_busy (job);
  /* A create in flight finishes on its own, and its task is cancelled
   * when it is known (adopt_task_info). */
  if (!create_busy) {
    release_key_lock (job);
    if (!job->complete && job->error == NULL)
      wanr2v_job_cancel_task (job);
  }
  g_mutex_lock (&job->lock);
  job->stop_seen = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
  return G_SOURCE_REMOVE;
}

void
wanr2v_job_stop (WanR2vJob * job)
{
  g_mutex_lock (&job->lock);
  if (job->stopped) {
    g_mutex_unlock (&job->lock);
    return;
  }
  job->stopped = TRUE;
  g_cond_broadcast (&job->cond);
  if (!wanr2v_http_is_http_thread (job->http)) {
    while (job->in_callback > 0)
      g_cond_wait (&job->cond, &job->lock);
  }
  g_mutex_unlock (&job->lock);

  wanr2v_http_invoke (job->http, stop_on_http_thread, wanr2v_job_ref (job),
      (GDestroyNotify) wanr2v_job_unref);
}

gboolean
wanr2v_job_wait_settled (WanR2vJob * job, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time ()
      + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean settled;

  /* The HTTP thread answers: it cannot wait for itself. */
  if (wanr2v_http_is_http_thread (job->http))
    return FALSE;
  g_mutex_lock (&job->lock);
  while (!(job->stop_seen && !job->create_busy && job->cancels_busy == 0))
    if (!g_cond_wait_until (&job->cond, &job->lock, deadline))
      break;
  settled = job->stop_seen && !job->create_busy && job->cancels_busy == 0;
  g_mutex_unlock (&job->lock);
  return settled;
}

/* ---- reader side -------------------------------------------------------- */

static void
wake_waiters (GCancellable * cancellable, gpointer data)
{
  WanR2vJob *job = data;

  g_mutex_lock (&job->lock);
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

gboolean
wanr2v_job_wait_for_data (WanR2vJob * job, guint64 end, guint64 * available,
    gboolean * complete, GCancellable * cancellable, GError ** error)
{
  gulong handler = 0;
  gboolean ret = FALSE;

  if (cancellable)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_waiters),
        job, NULL);

  g_mutex_lock (&job->lock);
  for (;;) {
    if (job->error) {
      g_propagate_error (error, g_error_copy (job->error));
      break;
    }
    if (job->download_started && (job->complete || job->written >= end)) {
      *available = job->written;
      *complete = job->complete;
      ret = TRUE;
      break;
    }
    if (job->stopped || g_cancellable_is_cancelled (cancellable)) {
      g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
          "Stopped while waiting for the video");
      break;
    }
    g_cond_wait (&job->cond, &job->lock);
  }
  g_mutex_unlock (&job->lock);

  if (cancellable)
    g_cancellable_disconnect (cancellable, handler);
  return ret;
}

int
wanr2v_job_open_video (WanR2vJob * job, GError ** error)
{
  int fd = -1;

  g_mutex_lock (&job->lock);
  /* Under the lock: the .part file is renamed when the download completes. */
  if (job->video_path) {
    const char *path = job->renamed ? job->video_path : job->part_path;

    fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    if (fd < 0) {
      int err = errno;

      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_IO,
          "Could not open the downloaded video %s: %s", path,
          g_strerror (err));
    }
  } else {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_IO,
        "The video has no file yet");
  }
  g_mutex_unlock (&job->lock);
  return fd;
}

WanR2vErrorInfo *
wanr2v_job_dup_error_details (WanR2vJob * job)
{
  WanR2vErrorInfo *details;

  g_mutex_lock (&job->lock);
  details = job->details ? wanr2v_error_info_copy (job->details) : NULL;
  g_mutex_unlock (&job->lock);
  return details;
}

const WanR2vRequest *
wanr2v_job_get_request (WanR2vJob * job)
{
  return job->request;
}

char *
wanr2v_job_dup_task_id (WanR2vJob * job)
{
  char *id;

  g_mutex_lock (&job->lock);
  id = g_strdup (job->task_id);
  g_mutex_unlock (&job->lock);
  return id;
}


WanR2vJobPhase
wanr2v_job_get_phase (WanR2vJob * job)
{
  WanR2vJobPhase phase;

  g_mutex_lock (&job->lock);
  phase = job->phase;
  g_mutex_unlock (&job->lock);
  return phase;
}

guint64
wanr2v_job_get_available (WanR2vJob * job)
{
  guint64 written;

  g_mutex_lock (&job->lock);
  written = job->download_started ? job->written : 0;
  g_mutex_unlock (&job->lock);
  return written;
}


gint64
wanr2v_job_get_size (WanR2vJob * job)
{
  gint64 size;

  g_mutex_lock (&job->lock);
  size = job->total;
  g_mutex_unlock (&job->lock);
  return size;
}

/* ---- for wanr2v-job-create.c ------------------------------------------- */

void
wanr2v_job_own_task (const char *task_id, gboolean own)
{
  own_task (task_id, own);
}

gboolean
wanr2v_job_task_is_owned (const char *task_id)
{
  return task_is_owned (task_id);
}

void
wanr2v_job_emit (WanR2vJob * job, WanR2vJobEventType type, const GError * error,
    const WanR2vErrorInfo * details)
{
  emit (job, type, error, details);
}

void
wanr2v_job_set_phase (WanR2vJob * job, WanR2vJobPhase phase)
{
  set_phase (job, phase);
}

void
wanr2v_job_fail (WanR2vJob * job, GError * error, WanR2vErrorInfo * details)
{
  fail (job, error, details);
}

void
wanr2v_job_warn (WanR2vJob * job, GError * error)
{
  warn (job, error);
}

gboolean
wanr2v_job_is_stopped (WanR2vJob * job)
{
  return is_stopped (job);
}

void
wanr2v_job_set_create_busy (WanR2vJob * job, gboolean busy)
{
  set_create_busy (job, busy);
}

void
wanr2v_job_release_key_lock (WanR2vJob * job)
{
  release_key_lock (job);
}

void
wanr2v_job_schedule (WanR2vJob * job, guint ms, GSourceFunc func)
{
  schedule (job, ms, func);
}

guint
wanr2v_job_backoff_ms (WanR2vJob * job)
{
  return backoff_ms (job);
}

void
wanr2v_job_start_polling (WanR2vJob * job, guint first, gint64 start_us)
{
  start_polling (job, first, start_us);
}

void
wanr2v_job_upload_next (WanR2vJob * job)
{
  upload_next (job);
}

void
wanr2v_job_serve_cached (WanR2vJob * job)
{
  serve_cached (job);
}
