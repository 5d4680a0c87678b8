/* wanr2v-job-create.c: LOCKING, RECOVERING and CREATING: whether a job
 * creates a task, and creating it once.
 *
 * Under the request's key lock (wanr2v-keylock.h): follow the task an
 * earlier or concurrent run journaled, or find the task of an earlier run
 * that died after sending its create (its intent record, wanr2v-intent.h),
 * or create one: an intent record first, then the create, sent once and
 * never again after an ambiguous failure; a lost reply is answered by the
 * task-list search (wanr2v-recover.h), after a stop too.  A task this job
 * created is cancelled on stop while it may be PENDING.
 */
#include "wanr2v-job-private.h"
#include "wanr2v-retry.h"
#include "wanr2v-intent.h"
#include "wanr2v-keylock.h"
#include "wanr2v-recover.h"

static void submit (WanR2vJob * job);

static void
cancel_done (WanR2vJob * job)
{
  g_mutex_lock (&job->lock);
  job->cancels_busy--;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

static void
on_cancel_sent (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;

  if (wanr2v_client_cancel_task_finish (job->client, res, NULL, &error)) {
    g_info ("task %s cancelled on the service", job->task_id);
    if (job->key)
      wanr2v_journal_remove (job->output_dir, job->key, job->task_id);
  } else {
    g_info ("task %s could not be cancelled: %s", job->task_id,
        error->message);
  }
  cancel_done (job);
}

/* After a stop: a PENDING task is cancelled so that it is not billed; one
 * that already runs cannot be, and is left to finish on the service.  Only
 * the job whose create made the task cancels it: a task followed from the
 * journal or by task-id may be another run's, which still waits for it. */
void
wanr2v_job_cancel_task (WanR2vJob * job)
{
  if (job->task_id == NULL || job->cached_path != NULL || job->cancel_sent)
    return;                     /* no task, one that made a kept video, or
                                 * cancelled already */
  if (!job->created_here) {
    g_info ("task %s left as it is: another run created it", job->task_id);
    return;
  }
  if (!job->cancel_on_stop) {
    g_info ("task %s left %s on the service (cancel_on_stop is off)",
        job->task_id, wanr2v_task_status_to_string (job->last_status));
    return;
  }
  /* Unrecognised: found in the list, status not queried yet. */
  if (job->last_status != WANR2V_TASK_STATUS_PENDING
      && job->last_status != WANR2V_TASK_STATUS_UNRECOGNISED) {
    g_info ("task %s is %s: the service only cancels PENDING tasks, so it "
        "will finish and be billed; its id lets a later run fetch the video",
        job->task_id, wanr2v_task_status_to_string (job->last_status));
    return;
  }
  job->cancel_sent = TRUE;
  g_mutex_lock (&job->lock);
  job->cancels_busy++;
  g_mutex_unlock (&job->lock);
  wanr2v_client_cancel_task_async (job->client, job->task_id, NULL,
      wanr2v_job_on_reply, wanr2v_job_reply_new (job, on_cancel_sent, TRUE));
}

/* A task of this request exists: journal it (unless it came from the
 * journal), then follow it.  @created_here: this job's create made it
 * (else an earlier run's: the messages then say it is followed). */
static void
adopt_task_info (WanR2vJob * job, WanR2vTaskInfo * info,
    gboolean created_here, gboolean write_journal)
{
  g_mutex_lock (&job->lock);
  job->task_id = g_strdup (info->task_id);
  g_mutex_unlock (&job->lock);
  wanr2v_job_own_task (info->task_id, TRUE);
  job->created_here = created_here;
  job->from_journal = !created_here;
  job->last_status = info->status;
  g_clear_pointer (&job->last_info, wanr2v_task_info_free);
  if (created_here)
    job->last_info = info;
  else
    wanr2v_task_info_free (info);
  info = NULL;
  job->attempts = 0;

  /* Before anything else: a process that dies from here on finds this
   * task again instead of paying for another. */
  if (job->key && write_journal) {
    g_autoptr (GError) journal_error = NULL;

    if (wanr2v_journal_write (job->output_dir, job->key, job->task_id,
            job->wire ? job->wire->model : NULL, &journal_error))
      wanr2v_intent_remove (job->output_dir, job->key);
    else
      wanr2v_job_warn (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
              "Could not journal task %s in %s: %s. The never-pay-twice "
              "protection is off for this run: if it ends before the video "
              "is kept, running the same request again pays for a new task "
              "(set attach_task_id=%s to fetch this one's video instead)",
              job->task_id, job->output_dir, journal_error->message,
              job->task_id));
  }
  wanr2v_job_release_key_lock (job);
  if (wanr2v_job_is_stopped (job)) {
    /* Stopped while the create was in flight: the task exists now.  The
     * cancel counts as busy before the create stops being so, so that a
     * stop waiting for both never sees a gap. */
    wanr2v_job_cancel_task (job);
    wanr2v_job_set_create_busy (job, FALSE);
    wanr2v_job_goto (job, WANR2V_JOB_STATE_STOPPED);
    return;
  }
  wanr2v_job_set_create_busy (job, FALSE);

  g_debug ("job %p: task %s %s", job, job->task_id, created_here ?
      "created" : "of an earlier run");
  wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_QUEUED);
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_TASK_CREATED, NULL, NULL);
  /* Skip the immediate query the SDKs make: the task was PENDING a moment
   * ago and cannot have finished yet.  The timetable counts from the send:
   * the task cannot have started before it. */
  if (created_here)
    wanr2v_job_start_polling (job, 1, job->create_sent_us);
  else
    wanr2v_job_start_polling (job, 0, g_get_monotonic_time ());
}

/* A task found in the list after a lost create reply. */
static void
adopt_task (WanR2vJob * job, const char *task_id, gboolean created_here)
{
  WanR2vTaskInfo *info = g_new0 (WanR2vTaskInfo, 1);

  info->task_id = g_strdup (task_id);
  /* Its real state comes with the first query. */
  info->status = WANR2V_TASK_STATUS_UNRECOGNISED;
  info->status_string = g_strdup ("PENDING");
  adopt_task_info (job, info, created_here, TRUE);
}

/* How a lost create is looked for: a few list queries over some seconds
 * (the service may list a task a moment after creating it). */
#define RECOVERY_TRIES 4
#define RECOVERY_DELAY_MS 1500

/* Fails the job (a stopped one just stops). */
static void
recovery_failed (WanR2vJob * job, GError * error)
{
  wanr2v_job_release_key_lock (job);
  wanr2v_job_set_create_busy (job, FALSE);
  if (wanr2v_job_is_stopped (job)) {
    g_error_free (error);
    wanr2v_job_goto (job, WANR2V_JOB_STATE_STOPPED);
  } else {
    wanr2v_job_fail (job, error, NULL);
  }
}

/* Seen through after a stop too: a task found is cancelled. */
static void
on_recovered (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *task_id = NULL;
  g_auto (GStrv) candidates = NULL;
  WanR2vRecoverResult result;
  /* A create of this job, or one an earlier run's intent recorded. */
  gboolean ours = !job->recovering_earlier;
  const char *lost = ours ? "The reply to the create was lost" :
      "An earlier run of this request sent a create and ended before "
      "journaling its task";

  job->recovering_earlier = FALSE;
  if (!wanr2v_recover_finish (res, &result, &task_id, &candidates, &error)) {
    /* Unknown: the intent stays, and the next run looks again. */
    recovery_failed (job, g_error_new (WANR2V_ERROR,
            WANR2V_ERROR_CONNECTION_LOST, "%s, and listing tasks failed "
            "(%s); to avoid paying twice nothing was sent again: run again "
            "to look for the task once more", lost, error->message));
  } else if (result == WANR2V_RECOVER_FOUND) {
    g_info ("the create's reply was lost; found its task %s in the task "
        "list", task_id);
    adopt_task (job, task_id, ours);
  } else if (result == WANR2V_RECOVER_AMBIGUOUS) {
    g_autofree char *ids = g_strjoinv (", ", candidates);

    /* Nothing is adopted, so nothing is kept under this request's key;
     * the intent stays so that no later run pays again unasked. */
    recovery_failed (job, g_error_new (WANR2V_ERROR,
            WANR2V_ERROR_CONNECTION_LOST, "%s, and %u tasks of %s could "
            "be its task (%s); to avoid paying twice nothing was sent again: "
            "set attach_task_id to the one of this request, or "
            "cache_policy=refresh to make a new one", lost,
            g_strv_length (candidates), job->wire->model, ids));
  } else if (ours) {
    if (job->key)
      wanr2v_intent_remove (job->output_dir, job->key);
    recovery_failed (job, g_error_new (WANR2V_ERROR,
            WANR2V_ERROR_CONNECTION_LOST, "The reply to the create was lost, "
            "and no new task of %s shows in the task list, so it was "
            "probably not created; to avoid paying twice nothing was sent "
            "again: run again", job->wire->model));
  } else {
    /* The earlier run's create made no task: this run makes its own. */
    g_info ("an earlier run's create made no task: creating one");
    wanr2v_intent_remove (job->output_dir, job->key);
    wanr2v_job_set_create_busy (job, FALSE);
    wanr2v_job_goto (job, WANR2V_JOB_STATE_SLOT_WAIT);
  }
}

/* A create older than this is listed by now if it made a task. */
#define RECOVERY_LISTED_AFTER_MS (10 * 1000)

/* Looks for the task of the create sent at recover_sent_ms (epoch) with
 * recover_prompt: this job's (its reply was lost), or an earlier run's
 * (recovering_earlier).  The first look waits a moment unless the job is
 * stopped (then the task is only wanted to cancel it) or the create is an
 * earlier run's. */
void
wanr2v_job_enter_recovering (WanR2vJob * job)
{
  gboolean old = g_get_real_time () / 1000 - job->recover_sent_ms >
      RECOVERY_LISTED_AFTER_MS;
  WanR2vRecoverSpec spec = {
    .model = job->wire->model,
    .prompt = job->recover_prompt,
    .sent_ms = job->recover_sent_ms,
    .tries = old ? 1 : RECOVERY_TRIES,
    .first_delay_ms = job->recovering_earlier
        || wanr2v_job_is_stopped (job) ? 0 : RECOVERY_DELAY_MS,
    .retry_delay_ms = RECOVERY_DELAY_MS,
    .exclude = wanr2v_job_task_is_owned,
  };

  /* Only this job's own create is worth a stop's wait: an earlier run's
   * task is not cancelled by it anyway. */
  if (!job->recovering_earlier)
    wanr2v_job_set_create_busy (job, TRUE);
  wanr2v_recover_async (job->client, &spec, wanr2v_job_on_reply,
      wanr2v_job_reply_new (job, on_recovered, TRUE));
}

static void
recover (WanR2vJob * job, gint64 sent_ms, const char *prompt)
{
  job->recover_sent_ms = sent_ms;
  g_free (job->recover_prompt);
  job->recover_prompt = g_strdup (prompt);
  wanr2v_job_goto (job, WANR2V_JOB_STATE_RECOVERING);
}

/* A throttled create (429: the account's rate, its per-minute allocation
 * window, or its tasks in progress) is waited out for up to
 * THROTTLE_WINDOW_S, whatever `retries` says: those clear within about a
 * minute, and a run left unattended should not fail on them.  The backoff
 * grows to at most 15 s.  FALSE when this is not such an error or the
 * window is spent. */
#define THROTTLE_WINDOW_S 180
#define THROTTLE_MAX_DELAY_MS 15000

static gboolean
retry_throttled (WanR2vJob * job, const GError * error,
    const WanR2vErrorInfo * details)
{
  gint64 now = g_get_monotonic_time ();
  guint delay;

  if (job->throttled_since_us == 0)
    job->throttled_since_us = now;
  if (now - job->throttled_since_us > THROTTLE_WINDOW_S * G_USEC_PER_SEC)
    return FALSE;
  delay = MIN (wanr2v_job_backoff_ms (job), THROTTLE_MAX_DELAY_MS);
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
  wanr2v_job_schedule (job, delay, submit);
  job->attempts++;
  return TRUE;
}

/* Seen through after a stop too: a task made is cancelled. */
static void
on_created (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  WanR2vTaskInfo *info;

  info = wanr2v_client_create_task_finish (job->client, res, &details,
      &error);
  if (info == NULL) {
    WanR2vRetryAction action = wanr2v_retry_classify (WANR2V_CALL_CREATE,
        error, details);

    if (action == WANR2V_RETRY_RECOVER) {
      /* The task may exist and be billed: find it, never send again; after
       * a stop too, so that it is cancelled. */
      g_info ("create reply lost (%s): looking for the task", error->message);
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      recover (job, job->create_sent_real_us / 1000, job->wire->prompt);
      if (job->state != WANR2V_JOB_STATE_RECOVERING) {
        /* The job timed out meanwhile: the intent record stays, and the
         * next run of the request looks for the task. */
        wanr2v_job_release_key_lock (job);
        wanr2v_job_set_create_busy (job, FALSE);
      }
      return;
    }
    /* The service answered with an error, or nothing was sent: no task. */
    if (job->key)
      wanr2v_intent_remove (job->output_dir, job->key);
    if (wanr2v_job_is_stopped (job)) {
      wanr2v_error_info_free (details);
      wanr2v_job_release_key_lock (job);
      wanr2v_job_set_create_busy (job, FALSE);
      wanr2v_job_goto (job, WANR2V_JOB_STATE_STOPPED);
      return;
    } else if (action == WANR2V_RETRY_WAIT
        && retry_throttled (job, error, details)) {
      wanr2v_error_info_free (details);
    } else if (action == WANR2V_RETRY_AGAIN
        && job->attempts < job->max_retries) {
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      wanr2v_job_schedule (job, wanr2v_job_backoff_ms (job), submit);
      job->attempts++;
    } else {
      wanr2v_job_release_key_lock (job);
      wanr2v_job_fail (job, g_steal_pointer (&error), details);
    }
    wanr2v_job_set_create_busy (job, FALSE);
    return;
  }

  adopt_task_info (job, info, TRUE, TRUE);
}

/* Sends the create, once: an intent record first. */
static void
submit (WanR2vJob * job)
{
  wanr2v_job_set_create_busy (job, TRUE);
  job->create_sent_real_us = g_get_real_time ();
  job->create_sent_us = g_get_monotonic_time ();
  /* Before the create leaves: a process that dies before its reply is
   * journaled lets the next run find the task (or prove there is none). */
  if (job->key) {
    g_autoptr (GError) error = NULL;

    if (!wanr2v_intent_write (job->output_dir, job->key, job->wire->model,
            job->wire->prompt, job->create_sent_real_us / 1000, &error))
      wanr2v_job_warn (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
              "Could not record the create in %s before sending it: %s. The "
              "never-pay-twice protection is off for this run: if it ends "
              "before the task is journaled, running the same request "
              "again may pay for a second task", job->output_dir,
              error->message));
  }
  /* Not job->cancellable: a create once sent must be seen through, or the
   * task it makes would be orphaned. */
  wanr2v_client_create_task_async (job->client, job->body, job->oss_resolve,
      NULL, wanr2v_job_on_reply, wanr2v_job_reply_new (job, on_created,
          TRUE));
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
on_body_built (WanR2vJob * job, GAsyncResult * res)
{
  GError *error = NULL;

  job->body = g_task_propagate_pointer (G_TASK (res), &error);
  if (job->body == NULL) {
    wanr2v_job_fail (job, error, NULL);
    return;
  }
  job->oss_resolve = wanr2v_request_uses_oss (job->wire);
  submit (job);
}

/* The body is built in a worker: inlined images make it megabytes. */
void
wanr2v_job_enter_creating (WanR2vJob * job)
{
  wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_SUBMITTING);
  wanr2v_job_run_in_worker (job, build_body_thread, on_body_built);
}

/* With the request's key locked: what earlier or concurrent runs of the
 * same request left decides whether this run creates a task. */
static void
decide_with_key_locked (WanR2vJob * job)
{
  g_autofree char *journaled = NULL;
  g_autoptr (WanR2vIntent) intent = NULL;

  job->attempts = 0;
  if (job->cache_policy != WANR2V_CACHE_REUSE) {
    wanr2v_job_goto (job, WANR2V_JOB_STATE_SLOT_WAIT);
    return;
  }
  /* A run that held the lock before may have kept the video since. */
  if (wanr2v_cache_lookup (job->output_dir, job->key, &job->cached_path,
          &job->cached_size)) {
    wanr2v_job_release_key_lock (job);
    job->cached_task_id = wanr2v_cache_kept_task (job->output_dir, job->key);
    wanr2v_job_goto (job, WANR2V_JOB_STATE_SERVING);
    return;
  }
  journaled = wanr2v_journal_read (job->output_dir, job->key,
      WANR2V_JOURNAL_MAX_AGE_S);
  if (journaled) {
    WanR2vTaskInfo *info = g_new0 (WanR2vTaskInfo, 1);

    g_info ("resuming task %s of an earlier run", journaled);
    /* The journal is newer than any intent: that create was answered. */
    wanr2v_intent_remove (job->output_dir, job->key);
    info->task_id = g_steal_pointer (&journaled);
    info->status = WANR2V_TASK_STATUS_UNRECOGNISED;
    adopt_task_info (job, info, FALSE, FALSE);
    return;
  }
  intent = wanr2v_intent_read (job->output_dir, job->key,
      WANR2V_JOURNAL_MAX_AGE_S);
  if (intent) {
    /* An earlier run sent a create and ended before its task was
     * journaled: find that task, or prove there is none. */
    g_info ("an earlier run sent a create and ended before journaling its "
        "task: looking for it");
    job->recovering_earlier = TRUE;
    recover (job, intent->sent_ms, intent->prompt);
    return;
  }
  wanr2v_job_goto (job, WANR2V_JOB_STATE_SLOT_WAIT);
}

#define KEY_LOCK_POLL_MS 50

/* Waits (without blocking the HTTP thread) while another run of this
 * request holds its key, i.e. may be creating its task right now. */
void
wanr2v_job_enter_locking (WanR2vJob * job)
{
  g_autoptr (GError) error = NULL;

  job->key_lock_fd = wanr2v_key_lock_try (job->output_dir, job->key, &error);
  if (job->key_lock_fd < 0 && error == NULL) {
    wanr2v_job_schedule (job, KEY_LOCK_POLL_MS, wanr2v_job_enter_locking);
    return;
  }
  if (error)
    wanr2v_job_warn (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not lock this request in %s: %s. The never-pay-twice "
            "protection is off for this run: another run of the same "
            "request started now may pay for a task of its own",
            job->output_dir, error->message));
  decide_with_key_locked (job);
}

/* A journaled task of an earlier run ended without a video: forget it, so
 * that this run makes its own. */
void
wanr2v_job_forget_task (WanR2vJob * job)
{
  job->from_journal = FALSE;
  wanr2v_job_own_task (job->task_id, FALSE);
  g_mutex_lock (&job->lock);
  g_clear_pointer (&job->task_id, g_free);
  g_mutex_unlock (&job->lock);
  g_clear_pointer (&job->last_info, wanr2v_task_info_free);
  job->last_status = WANR2V_TASK_STATUS_UNRECOGNISED;
  job->poll_count = 0;
  job->attempts = 0;
}
