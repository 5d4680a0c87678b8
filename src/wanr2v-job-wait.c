/* wanr2v-job-wait.c: WAITING, the task's status until it ends.
 *
 * Queries follow the timetable of wanr2v-poll.h; a task that SUCCEEDED
 * goes on to DOWNLOADING, one that FAILED, was CANCELED or is UNKNOWN ends
 * the job, unless it was an earlier run's journaled task: then this run
 * makes its own (back to LOCKING).  The overall timeout is here too.
 *
 * The task is also watched by the process's poller (wanr2v-poller.h):
 * while its task list answers for the task, the timetable's queries are
 * skipped, the list's news of a new status is taken as a query's would
 * be, and a task the list shows ended (or does not show) is queried at
 * once.
 */
#include "wanr2v-job-private.h"
#include "wanr2v-poll.h"
#include "wanr2v-poller.h"
#include "wanr2v-recover.h"
#include "wanr2v-retry.h"

static void poll_later (WanR2vJob * job);

/* The task ended without a video: the error that says so. */
static GError *
task_end_error (const WanR2vTaskInfo * info)
{
  switch (info->status) {
    case WANR2V_TASK_STATUS_FAILED:
      return g_error_new (WANR2V_ERROR, WANR2V_ERROR_TASK_FAILED,
          "Task %s FAILED on the service: %s%s%s (failed tasks are not "
          "billed; change the request and run again)", info->task_id,
          info->code && *info->code ? info->code : "no error code given",
          info->message && *info->message ? ": " : "",
          info->message && *info->message ? info->message : "");
    case WANR2V_TASK_STATUS_CANCELED:
      return g_error_new (WANR2V_ERROR, WANR2V_ERROR_TASK_CANCELED,
          "Task %s was CANCELED on the service (cancelled while it was "
          "queued, by this or another client); run again to make a new one",
          info->task_id);
    default:
      return g_error_new (WANR2V_ERROR, WANR2V_ERROR_TASK_UNKNOWN,
          "Task %s is UNKNOWN to the service: no such task in this region "
          "and account, or it is older than 24 hours and its result is gone",
          info->task_id);
  }
}

/* The task ended without a video. */
static void
task_ended_badly (WanR2vJob * job, const WanR2vTaskInfo * info)
{
  WanR2vErrorInfo *details;

  /* Nothing left to resume. */
  if (job->key)
    wanr2v_journal_remove (job->output_dir, job->key, job->task_id);
  if (job->from_journal) {
    /* An earlier run's task that ended badly: this run makes its own. */
    g_info ("task %s of an earlier run is %s: creating a new one",
        job->task_id, info->status_string);
    wanr2v_job_forget_task (job);
    /* Another run may be creating one right now: take the key first. */
    wanr2v_job_goto (job, WANR2V_JOB_STATE_LOCKING);
    return;
  }

  details = wanr2v_error_info_new ();
  details->http_status = 200;
  details->code = g_strdup (info->code);
  details->message = g_strdup (info->message);
  details->request_id = g_strdup (info->request_id);
  wanr2v_job_fail (job, task_end_error (info), details);
}

/* A new status: the phase follows it, and the application hears of it.
 * Takes @info. */
static void
take_status (WanR2vJob * job, WanR2vTaskInfo * info)
{
  gboolean changed = info->status != job->last_status
      || job->last_info == NULL;

  /* A final status's info is the one the next state reads (video URL,
   * usage, error code): always the query's. */
  if (!changed && !wanr2v_task_status_is_final (info->status)) {
    wanr2v_task_info_free (info);
    return;
  }
  job->last_status = info->status;
  g_clear_pointer (&job->last_info, wanr2v_task_info_free);
  job->last_info = info;
  if (!changed)
    return;
  if (info->status == WANR2V_TASK_STATUS_PENDING)
    wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_QUEUED);
  else if (info->status == WANR2V_TASK_STATUS_RUNNING)
    wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_GENERATING);
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_TASK_STATUS, NULL, NULL);
}

static void
on_queried (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  WanR2vTaskInfo *info;

  job->query_busy = FALSE;
  info = wanr2v_client_query_task_finish (job->client, res, &details,
      &error);
  if (info == NULL) {
    if (wanr2v_retry_classify (WANR2V_CALL_QUERY, error, details)
        == WANR2V_RETRY_FAIL) {
      wanr2v_job_fail (job, g_steal_pointer (&error), details);
      return;
    }
    /* Anything transient: the overall timeout bounds the retries. */
    g_debug ("job %p: query failed, will poll again: %s", job,
        error->message);
    wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
    wanr2v_error_info_free (details);
    poll_later (job);
    return;
  }

  {
    gint64 latency = g_get_monotonic_time () - job->query_sent_us;

    job->query_latency_us = job->query_latency_us == 0 ? latency
        : (3 * job->query_latency_us + latency) / 4;
  }
  /* The poller learns what the query said, and when the task was made
   * when it did not know (a journaled task, a task-id). */
  wanr2v_poller_watch_update (job->watch, info->status,
      wanr2v_recover_parse_service_time (info->submit_time));
  take_status (job, info);

  switch (job->last_status) {
    case WANR2V_TASK_STATUS_SUCCEEDED:
      wanr2v_job_goto (job, WANR2V_JOB_STATE_DOWNLOADING);
      break;
    case WANR2V_TASK_STATUS_FAILED:
    case WANR2V_TASK_STATUS_CANCELED:
    case WANR2V_TASK_STATUS_UNKNOWN:
      task_ended_badly (job, job->last_info);
      break;
    default:
      poll_later (job);
      break;
  }
}

static void
query (WanR2vJob * job)
{
  job->query_busy = TRUE;
  job->query_sent_us = g_get_monotonic_time ();
  wanr2v_client_query_task_async (job->client, job->task_id,
      job->cancellable, wanr2v_job_on_reply,
      wanr2v_job_reply_new (job, on_queried, FALSE));
}

/* An instant of the timetable: the task's own query, unless the poller's
 * list answers for it now. */
static void
poll_step (WanR2vJob * job)
{
  if (wanr2v_poller_covers (job->watch))
    poll_later (job);
  else
    query (job);
}

/* The poller's news (HTTP thread, never within a call of ours). */
static void
on_poller_news (WanR2vPollerNews news, WanR2vTaskStatus status,
    const char *status_string, gpointer data)
{
  WanR2vJob *job = data;
  WanR2vTaskInfo *info;

  if (wanr2v_job_is_stopped (job) || job->state != WANR2V_JOB_STATE_WAITING)
    return;
  if (news == WANR2V_POLLER_QUERY) {
    /* In place of the timetable's next instant, which follows its reply. */
    if (!job->query_busy)
      wanr2v_job_schedule (job, 0, query);
    return;
  }
  info = g_new0 (WanR2vTaskInfo, 1);
  info->task_id = g_strdup (job->task_id);
  info->status = status;
  info->status_string = g_strdup (status_string);
  take_status (job, info);
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

  wanr2v_job_schedule (job, due > now ? (guint) MIN ((due - now) / 1000,
          G_MAXUINT) : 0, poll_step);
}

/* The timetable starts at poll_start_us with query number poll_count
 * (set by whoever found the task). */
void
wanr2v_job_enter_waiting (WanR2vJob * job)
{
  /* A task this job created was made after its create was sent; another
   * one's time comes with its first query. */
  gint64 created_ms = job->created_here ? job->create_sent_real_us / 1000
      : 0;

  /* A fixed poll-interval is the user's own choice of schedule. */
  if (job->poll_interval_ms == 0)
    job->watch = wanr2v_poller_watch (job->client, job->task_id, created_ms,
        job->last_status, on_poller_news, wanr2v_job_ref (job),
        (GDestroyNotify) wanr2v_job_unref);
  poll_later (job);
}

void
wanr2v_job_leave_waiting (WanR2vJob * job)
{
  wanr2v_poller_unwatch (g_steal_pointer (&job->watch));
  job->query_busy = FALSE;
}

void
wanr2v_job_start_polling (WanR2vJob * job, guint first, gint64 start_us)
{
  job->poll_count = first;
  job->poll_start_us = start_us;
  wanr2v_job_goto (job, WANR2V_JOB_STATE_WAITING);
}

gboolean
wanr2v_job_on_deadline (gpointer data)
{
  WanR2vJob *job = data;

  g_clear_pointer (&job->deadline, g_source_unref);
  wanr2v_job_fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_TIMEOUT,
          "No video after %u s (the timeout): task %s was last %s. It goes "
          "on on the service; set attach_task_id=%s to pick up its result within "
          "24 hours", job->timeout_s, job->task_id ? job->task_id : "(none)",
          wanr2v_task_status_to_string (job->last_status),
          job->task_id ? job->task_id : "..."), NULL);
  return G_SOURCE_REMOVE;
}
