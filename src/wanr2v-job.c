/* wanr2v-job.c: one generation, from request to video file on disk.
 *
 * The job is a state machine.  The table below is its whole life: each
 * state's entry starts the work of that phase (in the file named), and
 * that work ends by naming the next state through wanr2v_job_goto(), the
 * one transition, which also handles a stop and the ends.  Errors go to
 * FAILED through wanr2v_job_fail().  Threading: see wanr2v-job-private.h.
 *
 *   NEW -> PREPARING -+-> SERVING -----------------------------> DONE
 *                     +-> DRY_RUN -----------------------------> DONE
 *                     +-> LOCKING -+-> SERVING
 *                     |            +-> WAITING (a journaled task)
 *                     |            +-> RECOVERING -+-> WAITING
 *                     |            |               +-> SLOT_WAIT
 *                     +------------+-> SLOT_WAIT -> UPLOADING -> CREATING
 *   CREATING -+-> WAITING -> DOWNLOADING -> DONE
 *             +-> RECOVERING (the reply was lost)
 *   WAITING -> LOCKING (a journaled task ended badly: make a new one)
 *   NEW -> WAITING (task-id given)
 *   NEW -> SERVING (a kept video found by wanr2v_job_start() itself)
 *   any -> FAILED; any -> STOPPED (at the next transition after a stop)
 */
#include "wanr2v-job-private.h"
#include "wanr2v-keylock.h"

#include <errno.h>
#include <unistd.h>

static void enter_stopped (WanR2vJob * job);

static const struct
{
  const char *name;
  WanR2vJobStepFunc enter;
  /* Entered after a stop too: what a create set going is seen through. */
  gboolean even_when_stopped;
  /* Run when the state is left, for any next one: what the state holds
   * beyond the job's timer and requests. */
  WanR2vJobStepFunc leave;
} states[WANR2V_JOB_N_STATES] = {
  [WANR2V_JOB_STATE_NEW] = {"new", NULL, FALSE},
  /* wanr2v-job-prepare.c */
  [WANR2V_JOB_STATE_PREPARING] = {"preparing", wanr2v_job_enter_preparing,
      FALSE},
  [WANR2V_JOB_STATE_DRY_RUN] = {"dry-run", wanr2v_job_enter_dry_run, FALSE},
  /* wanr2v-job-create.c */
  [WANR2V_JOB_STATE_LOCKING] = {"locking", wanr2v_job_enter_locking, FALSE},
  [WANR2V_JOB_STATE_RECOVERING] = {"recovering",
      wanr2v_job_enter_recovering, TRUE},
  /* wanr2v-job-budget.c */
  [WANR2V_JOB_STATE_SLOT_WAIT] = {"slot-wait", wanr2v_job_enter_slot_wait,
      FALSE},
  /* wanr2v-job-upload.c */
  [WANR2V_JOB_STATE_UPLOADING] = {"uploading", wanr2v_job_enter_uploading,
      FALSE, wanr2v_job_leave_uploading},
  /* wanr2v-job-create.c */
  [WANR2V_JOB_STATE_CREATING] = {"creating", wanr2v_job_enter_creating,
      FALSE},
  /* wanr2v-job-wait.c */
  [WANR2V_JOB_STATE_WAITING] = {"waiting", wanr2v_job_enter_waiting, FALSE,
      wanr2v_job_leave_waiting},
  /* wanr2v-job-download.c */
  [WANR2V_JOB_STATE_DOWNLOADING] = {"downloading",
      wanr2v_job_enter_downloading, FALSE},
  [WANR2V_JOB_STATE_SERVING] = {"serving", wanr2v_job_enter_serving, FALSE},
  /* the ends: entered by wanr2v_job_finish(), wanr2v_job_fail() and a stop */
  [WANR2V_JOB_STATE_DONE] = {"done", NULL, FALSE},
  [WANR2V_JOB_STATE_FAILED] = {"failed", NULL, FALSE},
  [WANR2V_JOB_STATE_STOPPED] = {"stopped", enter_stopped, TRUE},
};

static gboolean
state_is_end (WanR2vJobState state)
{
  return state == WANR2V_JOB_STATE_DONE || state == WANR2V_JOB_STATE_FAILED
      || state == WANR2V_JOB_STATE_STOPPED;
}

gboolean
wanr2v_job_has_ended (WanR2vJob * job)
{
  return state_is_end (job->state);
}

/* Every change of state goes through here: the state left lets go of
 * what it holds. */
static void
set_state (WanR2vJob * job, WanR2vJobState next)
{
  WanR2vJobState left = job->state;

  job->state = next;
  if (left != next && states[left].leave)
    states[left].leave (job);
}

void
wanr2v_job_goto (WanR2vJob * job, WanR2vJobState next)
{
  g_return_if_fail ((guint) next < WANR2V_JOB_N_STATES);

  if (state_is_end (job->state))
    return;
  if (wanr2v_job_is_stopped (job) && !states[next].even_when_stopped)
    next = WANR2V_JOB_STATE_STOPPED;
  g_debug ("job %p: %s -> %s", job, states[job->state].name,
      states[next].name);
  set_state (job, next);
  if (states[next].enter)
    states[next].enter (job);
}

/* ---- life ---------------------------------------------------------------- */

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
        "attach_task_id is not a DashScope task id: task ids are up to %u letters, "
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
    g_propagate_error (error, g_steal_pointer (&local_error));
    wanr2v_client_unref (client);
    return NULL;
  }
  if (config->request_timeout_s > 0)
    wanr2v_client_set_request_timeout (client, config->request_timeout_s);

  job = g_new0 (WanR2vJob, 1);
  job->refcount = 1;
  job->state = WANR2V_JOB_STATE_NEW;
  job->part_lock_fd = -1;
  job->key_lock_fd = -1;
  job->http = config->http ? wanr2v_http_ref (config->http) :
      wanr2v_http_dup_default ();
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
      wanr2v_pending_upload_free);
  job->total = -1;
  job->on_disk = wanr2v_ranges_new ();
  job->wanted = G_MAXUINT64;
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
  g_warn_if_fail (job->timer == NULL && job->deadline == NULL
      && job->piece_timer == NULL);
  if (job->task_id)
    wanr2v_job_own_task (job->task_id, FALSE);
  wanr2v_client_unref (job->client);
  g_clear_pointer (&job->request, wanr2v_request_free);
  g_free (job->attach_task_id);
  g_free (job->output_dir);
  g_free (job->key);
  g_free (job->cached_path);
  g_free (job->cached_task_id);
  g_free (job->recover_prompt);
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
  if (job->part_lock_fd >= 0) {
    /* A .part file left for a later run holds only what it can trust:
     * the bytes in order from the start, not pieces fetched ahead. */
    if (!job->renamed && wanr2v_ranges_bytes (job->on_disk) > job->written
        && ftruncate (job->part_lock_fd, job->written) != 0)
      g_warning ("could not cut %s back to %" G_GUINT64_FORMAT " bytes: %s",
          job->part_path, job->written, g_strerror (errno));
    close (job->part_lock_fd);
  }
  g_free (job->part_path);
  wanr2v_ranges_free (job->on_disk);
  g_clear_object (&job->seq_cut);
  g_clear_error (&job->error);
  g_clear_pointer (&job->details, wanr2v_error_info_free);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->cond);
  /* Last: this may stop the HTTP thread (the one running this, even). */
  wanr2v_http_unref (job->http);
  g_free (job);
}

/* ---- events ------------------------------------------------------------- */

void
wanr2v_job_emit (WanR2vJob * job, WanR2vJobEventType type,
    const GError * error, const WanR2vErrorInfo * details)
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

void
wanr2v_job_set_phase (WanR2vJob * job, WanR2vJobPhase phase)
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
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_PHASE, NULL, NULL);
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

/* Enters DONE.  Tells the application first, then lets the reader see
 * the end: the messages about the finished video come before the
 * stream's EOS. */
void
wanr2v_job_finish (WanR2vJob * job)
{
  clear_source (&job->deadline);
  clear_source (&job->piece_timer);
  g_debug ("job %p: %s -> done", job, states[job->state].name);
  set_state (job, WANR2V_JOB_STATE_DONE);
  g_mutex_lock (&job->lock);
  job->download_started = TRUE;
  job->phase = WANR2V_JOB_PHASE_DONE;
  g_mutex_unlock (&job->lock);

  wanr2v_job_emit (job, WANR2V_JOB_EVENT_PHASE, NULL, NULL);
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_DONE, NULL, NULL);

  g_mutex_lock (&job->lock);
  job->complete = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

void
wanr2v_job_fail (WanR2vJob * job, GError * error, WanR2vErrorInfo * details)
{
  clear_source (&job->timer);
  clear_source (&job->piece_timer);
  clear_source (&job->deadline);

  g_mutex_lock (&job->lock);
  if (job->stopped || job->error || job->complete) {
    g_mutex_unlock (&job->lock);
    g_error_free (error);
    wanr2v_error_info_free (details);
    return;
  }
  g_debug ("job %p: %s -> failed", job, states[job->state].name);
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

  set_state (job, WANR2V_JOB_STATE_FAILED);
  wanr2v_job_release_slot (job);
  g_debug ("job %p failed: %s", job, error->message);
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_ERROR, error, details);
}

gboolean
wanr2v_job_is_stopped (WanR2vJob * job)
{
  gboolean stopped;

  g_mutex_lock (&job->lock);
  stopped = job->stopped;
  g_mutex_unlock (&job->lock);
  return stopped;
}

void
wanr2v_job_set_create_busy (WanR2vJob * job, gboolean busy)
{
  g_mutex_lock (&job->lock);
  job->create_busy = busy;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

/* Tells the user that a promise is off for this run (a WARNING message);
 * takes @error. */
void
wanr2v_job_warn (WanR2vJob * job, GError * error)
{
  /* Not g_warning: the WARNING message is how the user hears of it. */
  g_info ("%s", error->message);
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_WARNING, error, NULL);
  g_error_free (error);
}

void
wanr2v_job_release_key_lock (WanR2vJob * job)
{
  wanr2v_key_lock_release (job->key_lock_fd);
  job->key_lock_fd = -1;
}

/* ---- start / stop ------------------------------------------------------- */

/* Another run of the request may go ahead.  (No create is in flight: a
 * stop during one enters STOPPED when the create has been seen through.) */
static void
enter_stopped (WanR2vJob * job)
{
  wanr2v_job_release_key_lock (job);
}

static gboolean
start_on_http_thread (gpointer data)
{
  WanR2vJob *job = data;

  if (wanr2v_job_is_stopped (job))
    return G_SOURCE_REMOVE;

  job->start_us = g_get_monotonic_time ();
  /* The job starts in PREPARING: announce it. */
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_PHASE, NULL, NULL);
  if (job->timeout_s > 0)
    job->deadline = wanr2v_http_timeout_source_new_s (job->http,
        job->timeout_s, wanr2v_job_on_deadline, wanr2v_job_ref (job),
        (GDestroyNotify) wanr2v_job_unref);

  if (job->attach_task_id) {
    g_mutex_lock (&job->lock);
    job->task_id = g_strdup (job->attach_task_id);
    g_mutex_unlock (&job->lock);
    wanr2v_job_own_task (job->task_id, TRUE);
    job->last_status = WANR2V_TASK_STATUS_UNRECOGNISED;
    wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_QUEUED);
    job->poll_start_us = g_get_monotonic_time ();
    wanr2v_job_goto (job, WANR2V_JOB_STATE_WAITING);
  } else {
    wanr2v_job_goto (job, WANR2V_JOB_STATE_PREPARING);
  }
  return G_SOURCE_REMOVE;
}

void
wanr2v_job_start (WanR2vJob * job)
{
  if (wanr2v_job_serve_kept_at_once (job))
    return;
  wanr2v_http_invoke (job->http, start_on_http_thread, wanr2v_job_ref (job),
      (GDestroyNotify) wanr2v_job_unref);
}

/* On the HTTP thread, or on the stopping thread for a job that never
 * reached it (served_at_start). */
static void
stop_here (WanR2vJob * job)
{
  gboolean create_busy;

  clear_source (&job->timer);
  clear_source (&job->piece_timer);
  clear_source (&job->deadline);
  g_cancellable_cancel (job->cancellable);
  g_mutex_lock (&job->lock);
  create_busy = job->create_busy;
  g_mutex_unlock (&job->lock);
  /* A create in flight finishes on its own, and its task is cancelled
   * when it is known (it enters STOPPED then). */
  if (!create_busy) {
    if (!job->complete && job->error == NULL)
      wanr2v_job_cancel_task (job);
    wanr2v_job_goto (job, WANR2V_JOB_STATE_STOPPED);
  }
  g_mutex_lock (&job->lock);
  job->stop_seen = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

static gboolean
stop_on_http_thread (gpointer data)
{
  stop_here (data);
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

  /* A kept video served at the start left nothing on the HTTP thread: the
   * stop is done here, and that thread need not even exist. */
  if (job->served_at_start) {
    stop_here (job);
    return;
  }
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
  while (!(settled = job->stop_seen && !job->create_busy
          && job->cancels_busy == 0 && job->workers_busy == 0))
    if (!g_cond_wait_until (&job->cond, &job->lock, deadline))
      break;
  g_mutex_unlock (&job->lock);
  return settled;
}
