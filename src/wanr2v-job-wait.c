/* wanr2v-job-wait.c: WAITING, the task's status until it ends.
 *
 * Queries follow the timetable of wanr2v-poll.h; a task that SUCCEEDED
 * goes on to DOWNLOADING, one that FAILED, was CANCELED or is UNKNOWN ends
 * the job, unless it was an earlier run's journaled task: then this run
 * makes its own (back to LOCKING).  The overall timeout is here too.
 */
#include "wanr2v-job-private.h"
#include "wanr2v-poll.h"
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

static void
on_queried (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  WanR2vTaskInfo *info;

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
  if (info->status != job->last_status || job->last_info == NULL) {
    job->last_status = info->status;
    g_clear_pointer (&job->last_info, wanr2v_task_info_free);
    job->last_info = info;
    if (info->status == WANR2V_TASK_STATUS_PENDING)
      wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_QUEUED);
    else if (info->status == WANR2V_TASK_STATUS_RUNNING)
      wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_GENERATING);
    wanr2v_job_emit (job, WANR2V_JOB_EVENT_TASK_STATUS, NULL, NULL);
  } else {
    wanr2v_task_info_free (info);
  }

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
  job->query_sent_us = g_get_monotonic_time ();
  wanr2v_client_query_task_async (job->client, job->task_id,
      job->cancellable, wanr2v_job_on_reply,
      wanr2v_job_reply_new (job, on_queried, FALSE));
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
          G_MAXUINT) : 0, query);
}

/* The timetable starts at poll_start_us with query number poll_count
 * (set by whoever found the task). */
void
wanr2v_job_enter_waiting (WanR2vJob * job)
{
  poll_later (job);
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
