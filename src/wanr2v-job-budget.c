/* wanr2v-job-budget.c: what a job will cost, the cap on it, and the dry
 * run that shows the create without sending it. */
#include "wanr2v-job-private.h"

#include <string.h>

/* ---- slots: the account's tasks in progress ------------------------------ */

gboolean
wanr2v_job_needs_slot (WanR2vJob * job)
{
  return job->max_tasks_in_progress > 0 && job->slot == NULL
      && !job->slot_waiting;
}

void
wanr2v_job_release_slot (WanR2vJob * job)
{
  if (job->slot == NULL)
    return;
  g_debug ("job %p: slot %u given back", job, wanr2v_slot_index (job->slot));
  wanr2v_slot_release (g_steal_pointer (&job->slot));
}

/* The waiting thread tells the HTTP thread how many wait ahead. */
typedef struct
{
  WanR2vJob *job;
  guint ahead;
} Ahead;

static gboolean
report_ahead (gpointer data)
{
  Ahead *a = data;

  if (!wanr2v_job_is_stopped (a->job) && a->job->slot == NULL) {
    a->job->slot_ahead = a->ahead;
    wanr2v_job_emit (a->job, WANR2V_JOB_EVENT_QUEUED_LOCALLY, NULL, NULL);
  }
  return G_SOURCE_REMOVE;
}

static void
ahead_free (gpointer data)
{
  Ahead *a = data;

  wanr2v_job_unref (a->job);
  g_free (a);
}

typedef struct
{
  GTask *task;                  /* returns to the HTTP thread */
  WanR2vJob *job;
  GMainContext *context;        /* the HTTP thread's */
} SlotWait;

static void
on_ahead (guint ahead, gpointer data)
{
  SlotWait *w = data;
  Ahead *a = g_new0 (Ahead, 1);

  a->job = wanr2v_job_ref (w->job);
  a->ahead = ahead;
  g_main_context_invoke_full (w->context, G_PRIORITY_DEFAULT, report_ahead,
      a, ahead_free);
}

/* A thread of its own, not GLib's worker pool: the wait may last as long
 * as a task, and a pool full of waiters would stall every other job. */
static gpointer
slot_thread (gpointer data)
{
  SlotWait *w = data;
  GError *error = NULL;
  WanR2vSlot *slot = wanr2v_slot_acquire (w->job->output_dir,
      w->job->max_tasks_in_progress, on_ahead, w, w->job->cancellable,
      &error);

  if (slot != NULL)
    g_task_return_pointer (w->task, slot, (GDestroyNotify)
        wanr2v_slot_release);
  else
    g_task_return_error (w->task, error);
  g_object_unref (w->task);
  g_main_context_unref (w->context);
  g_free (w);
  return NULL;
}

static void
on_slot (GObject * source, GAsyncResult * res, gpointer data)
{
  WanR2vJob *job = data;
  GError *error = NULL;
  WanR2vSlot *slot = g_task_propagate_pointer (G_TASK (res), &error);

  job->slot_waiting = FALSE;
  if (wanr2v_job_is_stopped (job)) {
    wanr2v_slot_release (slot);
    g_clear_error (&error);
  } else if (slot == NULL) {
    wanr2v_job_release_key_lock (job);
    wanr2v_job_fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not take a slot of max-tasks-in-progress: %s",
            error->message), NULL);
    g_error_free (error);
  } else {
    g_debug ("job %p: took slot %u", job, wanr2v_slot_index (slot));
    job->slot = slot;
    wanr2v_job_upload_next (job);
  }
  wanr2v_job_unref (job);
}

void
wanr2v_job_wait_for_slot (WanR2vJob * job)
{
  SlotWait *w = g_new0 (SlotWait, 1);

  job->slot_waiting = TRUE;
  /* Created here, on the HTTP thread: on_slot runs here too. */
  w->task = g_task_new (NULL, NULL, on_slot, wanr2v_job_ref (job));
  w->job = job;                 /* the task's callback holds the ref */
  w->context = g_main_context_ref_thread_default ();
  g_task_set_task_data (w->task, wanr2v_job_ref (job), (GDestroyNotify)
      wanr2v_job_unref);
  g_thread_unref (g_thread_new ("wanr2v-slot", slot_thread, w));
}

gboolean
wanr2v_job_predict_cost (WanR2vJob * job, const gdouble * video_seconds,
    GError ** error)
{
  wanr2v_cost_predict (job->request, video_seconds, &job->cost);
  job->has_cost = TRUE;
  g_debug ("job %p: predicted %.2f billed seconds (%u output + %.2f of %u "
      "reference videos)%s", job, job->cost.billed_seconds,
      job->cost.output_seconds, job->cost.input_video_seconds,
      job->cost.reference_videos, job->cost.exact ? "" : ", at most");

  /* An upper bound over the cap is refused too: the cap is a promise. */
  if (job->max_billed_seconds > 0
      && job->cost.billed_seconds > job->max_billed_seconds) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        "The request would bill %s%.2f seconds (%u s of output video + "
        "%.2f s of %u reference video%s), over max-billed-seconds=%u: "
        "nothing was uploaded or created",
        job->cost.exact ? "" : "up to ", job->cost.billed_seconds,
        job->cost.output_seconds, job->cost.input_video_seconds,
        job->cost.reference_videos,
        job->cost.reference_videos == 1 ? "" : "s", job->max_billed_seconds);
    return FALSE;
  }
  return TRUE;
}

void
wanr2v_job_check_billing (WanR2vJob * job)
{
  const WanR2vTaskInfo *info = job->last_info;

  if (!job->has_cost || info == NULL || !info->has_usage
      || wanr2v_cost_agrees (job->request, &job->cost, info->usage_duration))
    return;
  wanr2v_job_warn (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_FAILED,
          "Task %s was billed %.2f seconds, but %.2f%s were predicted "
          "(%u s of output video + %.2f s of %u reference video%s): the "
          "service's billing differs from its documented formula",
          job->task_id ? job->task_id : "?", info->usage_duration,
          job->cost.billed_seconds, job->cost.exact ? "" : " at most",
          job->cost.output_seconds, job->cost.input_video_seconds,
          job->cost.reference_videos,
          job->cost.reference_videos == 1 ? "" : "s"));
}

/* What stands in a dry run's body for @wire_url, the URL the create would
 * carry, made from the user's @given one. */
static char *
shown_url (const char *wire_url, const char *given)
{
  g_autofree char *path = NULL;

  if (wire_url == NULL)
    return NULL;
  switch (wanr2v_url_classify (wire_url)) {
    case WANR2V_URL_LOCAL:
      /* Still local: a temporary upload would make it an oss:// URL. */
      path = wanr2v_url_to_local_path (wire_url);
      return g_strdup_printf ("oss://<upload of %s>", path ? path : wire_url);
    case WANR2V_URL_DATA:
      if (given != NULL && wanr2v_url_classify (given) == WANR2V_URL_LOCAL) {
        /* Inlined from a local file: its bytes are not worth showing. */
        const char *comma = strchr (wire_url, ',');

        path = wanr2v_url_to_local_path (given);
        return g_strdup_printf ("%.*s<%" G_GSIZE_FORMAT " base64 characters "
            "of %s>", comma ? (int) (comma + 1 - wire_url) : 0, wire_url,
            comma ? strlen (comma + 1) : strlen (wire_url),
            path ? path : given);
      }
      return g_strdup (wire_url);
    default:
      return g_strdup (wire_url);
  }
}

char *
wanr2v_job_dry_run_body (WanR2vJob * job, GError ** error)
{
  g_autoptr (WanR2vRequest) shown = wanr2v_request_copy (job->wire);
  guint i;

  for (i = 0; i < shown->media->len; i++) {
    WanR2vMedia *m = g_ptr_array_index (shown->media, i);
    const WanR2vMedia *given = g_ptr_array_index (job->request->media, i);
    char *url = shown_url (m->url, given->url);
    char *voice = shown_url (m->voice, given->voice);

    g_free (m->url);
    m->url = url;
    g_free (m->voice);
    m->voice = voice;
  }
  return wanr2v_json_build_create_body (shown, error);
}
