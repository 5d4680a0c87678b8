/* wanr2v-job-upload.c: UPLOADING, the local files to temporary storage.
 *
 * The files queued by PREPARING go up at once, at most
 * MAX_PARALLEL_UPLOADS of them and never more bytes on the wire than the
 * policy's capacity_limit_mb (one file at least), under an upload policy
 * shared while it is valid.  Each file has its own retries.  Each upload's
 * oss:// URL replaces its entries' local paths in the wire request.  Then
 * CREATING.
 *
 * Memory stays flat: an upload streams its file through a 256 KiB buffer
 * on a thread of its own (wanr2v-upload.c).
 */
#include "wanr2v-job-private.h"
#include "wanr2v-field.h"
#include "wanr2v-retry.h"
#include "wanr2v-upload.h"

#include <string.h>

/* Policies are good for expire_in_seconds; stop using one a little early. */
#define POLICY_MARGIN_US (10 * G_USEC_PER_SEC)

/* Uploads of one request on the wire at once.  Over a WAN one TCP
 * connection rarely fills the link; a few more do, without making the
 * upload host throttle a client that opens dozens. */
#define MAX_PARALLEL_UPLOADS 4

static void upload_pump (WanR2vJob * job);

static void
set_wire_url (WanR2vJob * job, guint media_index, gboolean voice,
    const char *url)
{
  WanR2vMedia *media = g_ptr_array_index (job->wire->media, media_index);
  char **field = voice ? &media->voice : &media->url;

  g_free (*field);
  *field = g_strdup (url);
}

/* The upload of @path among those being sent. */
static WanR2vPendingUpload *
find_sending (WanR2vJob * job, const char *path, guint * index)
{
  guint i;

  for (i = 0; i < job->uploads->len; i++) {
    WanR2vPendingUpload *up = g_ptr_array_index (job->uploads, i);

    if (up->sending && strcmp (up->path, path) == 0) {
      *index = i;
      return up;
    }
  }
  g_return_val_if_reached (NULL);
}

static void
on_file_uploaded (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  g_autofree char *oss_url = wanr2v_upload_file_finish (res, &details,
      &error);
  guint index = 0, i;
  WanR2vPendingUpload *up = find_sending (job,
      wanr2v_upload_file_get_path (res), &index);

  if (up == NULL) {
    wanr2v_error_info_free (details);
    return;
  }
  up->sending = FALSE;
  if (oss_url == NULL) {
    if (wanr2v_retry_classify (WANR2V_CALL_UPLOAD, error, details)
        == WANR2V_RETRY_AGAIN && up->attempts < job->max_retries) {
      /* A fresh policy for what starts next: the old one may be what
       * failed.  (Uploads on the wire keep theirs: they copied it.) */
      g_clear_pointer (&job->policy, wanr2v_upload_policy_free);
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      up->attempts++;
      upload_pump (job);
    } else {
      WanR2vFieldRef about;

      /* Leaving UPLOADING cuts the others; their replies are dropped. */
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
  g_ptr_array_remove_index (job->uploads, index);
  job->uploaded++;
  upload_pump (job);
}

static void
on_policy (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;

  job->policy_busy = FALSE;
  g_clear_pointer (&job->policy, wanr2v_upload_policy_free);
  job->policy = wanr2v_client_get_upload_policy_finish (job->client, res,
      &details, &error);
  if (job->policy == NULL) {
    if (wanr2v_retry_classify (WANR2V_CALL_POLICY, error, details) ==
        WANR2V_RETRY_AGAIN && job->attempts < job->max_retries) {
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      job->attempts++;
      upload_pump (job);
    } else {
      wanr2v_job_fail (job, g_steal_pointer (&error), details);
    }
    return;
  }
  job->attempts = 0;
  /* expire_in_seconds is clamped to a day when parsed. */
  job->policy_deadline_us = g_get_monotonic_time ()
      + job->policy->expire_in_seconds * G_USEC_PER_SEC - POLICY_MARGIN_US;
  upload_pump (job);
}

/* All files are up: CREATING. */
static void
uploads_done (WanR2vJob * job)
{
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
}

/* Starts what may start: files not on the wire, in order, while fewer than
 * MAX_PARALLEL_UPLOADS are and the policy's capacity holds them, under a
 * policy that is still good (fetched first when there is none).  CREATING
 * once every file is up. */
static void
upload_pump (WanR2vJob * job)
{
  guint64 capacity, on_wire = 0;
  guint sending = 0, i;

  if (job->uploads->len == 0) {
    uploads_done (job);
    return;
  }
  for (i = 0; i < job->uploads->len; i++) {
    WanR2vPendingUpload *up = g_ptr_array_index (job->uploads, i);

    if (up->sending) {
      sending++;
      on_wire += up->size;
    }
  }
  if (sending == job->uploads->len || sending >= MAX_PARALLEL_UPLOADS
      || job->policy_busy)
    return;
  if (job->policy == NULL
      || g_get_monotonic_time () >= job->policy_deadline_us) {
    g_clear_pointer (&job->policy, wanr2v_upload_policy_free);
    job->policy_busy = TRUE;
    wanr2v_client_get_upload_policy_async (job->client, job->wire->model,
        job->cancellable, wanr2v_job_on_reply,
        wanr2v_job_reply_new (job, on_policy, FALSE));
    return;
  }

  /* capacity_limit_mb is clamped when parsed; 0 or less: no limit. */
  capacity = job->policy->capacity_limit_mb > 0 ?
      (guint64) job->policy->capacity_limit_mb * 1024 * 1024 : G_MAXUINT64;
  for (i = 0; i < job->uploads->len && sending < MAX_PARALLEL_UPLOADS; i++) {
    WanR2vPendingUpload *up = g_ptr_array_index (job->uploads, i);

    if (up->sending)
      continue;
    if (sending > 0 && on_wire + (guint64) up->size > capacity)
      break;
    up->sending = TRUE;
    sending++;
    on_wire += up->size;
    wanr2v_upload_file_async (job->policy, up->path, up->mime,
        job->request_timeout_s, job->cancellable, wanr2v_job_on_reply,
        wanr2v_job_reply_new (job, on_file_uploaded, FALSE));
  }
}

/* UPLOADING is left for CREATING once every file is up, and for FAILED
 * (a file refused for good) or STOPPED with others maybe still on the
 * wire: those are of no use any more, so they are cut now rather than
 * left to run to their end.  Nothing in UPLOADING costs money. */
void
wanr2v_job_leave_uploading (WanR2vJob * job)
{
  gboolean on_wire = job->policy_busy;
  guint i;

  for (i = 0; i < job->uploads->len && !on_wire; i++)
    on_wire = ((WanR2vPendingUpload *) g_ptr_array_index (job->uploads,
            i))->sending;
  if (on_wire) {
    g_debug ("job %p: cutting the uploads still on the wire", job);
    g_cancellable_cancel (job->cancellable);
  }
}

void
wanr2v_job_enter_uploading (WanR2vJob * job)
{
  if (job->uploads->len > 0)
    wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_UPLOADING);
  job->attempts = 0;
  upload_pump (job);
}
