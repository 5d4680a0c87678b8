/* wanr2v-job-upload.c: UPLOADING, the local files to temporary storage.
 *
 * The files queued by PREPARING go one after another under an upload
 * policy shared while it is valid; each upload's oss:// URL replaces its
 * entries' local paths in the wire request.  Then CREATING.
 */
#include "wanr2v-job-private.h"
#include "wanr2v-field.h"
#include "wanr2v-retry.h"
#include "wanr2v-upload.h"

/* Policies are good for expire_in_seconds; stop using one a little early. */
#define POLICY_MARGIN_US (10 * G_USEC_PER_SEC)

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
on_file_uploaded (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  g_autofree char *oss_url = wanr2v_upload_file_finish (res, &details,
      &error);
  WanR2vPendingUpload *up = g_ptr_array_index (job->uploads, 0);
  guint i;

  if (oss_url == NULL) {
    if (wanr2v_retry_classify (WANR2V_CALL_UPLOAD, error, details)
        == WANR2V_RETRY_AGAIN && job->attempts < job->max_retries) {
      /* A fresh policy: the old one may be what failed. */
      g_clear_pointer (&job->policy, wanr2v_upload_policy_free);
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      job->attempts++;
      upload_next (job);
    } else {
      WanR2vFieldRef about;

      wanr2v_request_media_field (job->wire, up->media_index, up->voice,
          &about);
      wanr2v_prefix_error_about (&error, &about);
      wanr2v_job_fail (job, g_steal_pointer (&error), details);
    }
    return;
  }

  g_debug ("job %p: uploaded %s as %s", job, up->path, oss_url);
  set_wire_url (job, up->media_index, up->voice, oss_url);
  for (i = 0; i < up->same_content->len; i++) {
    WanR2vUploadTarget *t = &g_array_index (up->same_content,
        WanR2vUploadTarget, i);

    set_wire_url (job, t->media_index, t->voice, oss_url);
  }
  g_ptr_array_remove_index (job->uploads, 0);
  job->uploaded++;
  job->attempts = 0;
  upload_next (job);
}

static void
upload_with_policy (WanR2vJob * job)
{
  WanR2vPendingUpload *up = g_ptr_array_index (job->uploads, 0);

  wanr2v_upload_file_async (job->policy, up->path, up->mime,
      job->request_timeout_s, job->cancellable, wanr2v_job_on_reply,
      wanr2v_job_reply_new (job, on_file_uploaded, FALSE));
}

static void
on_policy (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;

  job->policy = wanr2v_client_get_upload_policy_finish (job->client, res,
      &details, &error);
  if (job->policy == NULL) {
    if (wanr2v_retry_classify (WANR2V_CALL_POLICY, error, details) ==
        WANR2V_RETRY_AGAIN && job->attempts < job->max_retries) {
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      job->attempts++;
      upload_next (job);
    } else {
      wanr2v_job_fail (job, g_steal_pointer (&error), details);
    }
    return;
  }
  /* expire_in_seconds is clamped to a day when parsed. */
  job->policy_deadline_us = g_get_monotonic_time ()
      + job->policy->expire_in_seconds * G_USEC_PER_SEC - POLICY_MARGIN_US;
  upload_with_policy (job);
}

/* The next file, under a policy that is still good; CREATING when none is
 * left. */
static void
upload_next (WanR2vJob * job)
{
  if (job->uploads->len == 0) {
    if (job->uploaded > 0) {
      g_mutex_lock (&job->lock);
      job->written = job->uploaded;
      g_mutex_unlock (&job->lock);
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_UPLOADED, NULL, NULL);
      g_mutex_lock (&job->lock);
      job->written = 0;
      g_mutex_unlock (&job->lock);
    }
    wanr2v_job_goto (job, WANR2V_JOB_STATE_CREATING);
    return;
  }
  if (job->policy && g_get_monotonic_time () < job->policy_deadline_us) {
    upload_with_policy (job);
    return;
  }
  g_clear_pointer (&job->policy, wanr2v_upload_policy_free);
  wanr2v_client_get_upload_policy_async (job->client, job->wire->model,
      job->cancellable, wanr2v_job_on_reply,
      wanr2v_job_reply_new (job, on_policy, FALSE));
}

void
wanr2v_job_enter_uploading (WanR2vJob * job)
{
  if (job->uploads->len > 0)
    wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_UPLOADING);
  upload_next (job);
}
