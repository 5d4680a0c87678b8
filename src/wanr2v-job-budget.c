/* wanr2v-job-budget.c: SLOT_WAIT (a slot of the account's tasks in
 * progress), what a job will cost, the cap on it, and the dry run's body
 * that shows the create without sending it. */
#include "wanr2v-job-private.h"

#include <string.h>

/* ---- slots: the account's tasks in progress ------------------------------ */

void
wanr2v_job_release_slot (WanR2vJob * job)
{
  if (job->slot == NULL)
    return;
  g_debug ("job %p: slot %u given back", job, wanr2v_slot_index (job->slot));
  wanr2v_slot_release (g_steal_pointer (&job->slot));
}

/* How often a waiting job looks at the slots: a few non-blocking opens
 * and flocks, nothing next to a task's minutes. */
#define SLOT_TICK_MS 100

/* On the HTTP thread, a timer tick: the slot if it is this job's turn,
 * else how many wait ahead (told when it changes).  Nothing here blocks,
 * and no thread waits per job. */
static void
try_slot (WanR2vJob * job)
{
  g_autoptr (GError) error = NULL;
  guint ahead = 0;

  job->slot = wanr2v_slot_ticket_try (job->slot_ticket, &ahead, &error);
  if (job->slot != NULL) {
    g_debug ("job %p: took slot %u", job, wanr2v_slot_index (job->slot));
    g_clear_pointer (&job->slot_ticket, wanr2v_slot_ticket_free);
    wanr2v_job_goto (job, WANR2V_JOB_STATE_UPLOADING);
  } else if (error != NULL) {
    g_clear_pointer (&job->slot_ticket, wanr2v_slot_ticket_free);
    wanr2v_job_fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not take a slot of max_tasks_in_progress: %s",
            error->message), NULL);
  } else {
    if (ahead != job->slot_ahead || !job->slot_announced) {
      job->slot_ahead = ahead;
      job->slot_announced = TRUE;
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_QUEUED_LOCALLY, NULL, NULL);
    }
    wanr2v_job_schedule (job, SLOT_TICK_MS, try_slot);
  }
}

/* A slot of the account's tasks in progress before anything is uploaded:
 * waiting costs nothing yet. */
void
wanr2v_job_enter_slot_wait (WanR2vJob * job)
{
  g_autoptr (GError) error = NULL;

  if (job->max_tasks_in_progress == 0 || job->slot != NULL) {
    wanr2v_job_goto (job, WANR2V_JOB_STATE_UPLOADING);
    return;
  }
  job->slot_ticket = wanr2v_slot_ticket_new (job->output_dir,
      job->max_tasks_in_progress, &error);
  if (job->slot_ticket == NULL) {
    wanr2v_job_fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not queue for a slot of max_tasks_in_progress: %s",
            error->message), NULL);
    return;
  }
  try_slot (job);
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
        "%.2f s of %u reference video%s), over max_billed_seconds=%u: "
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
