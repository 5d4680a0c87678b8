/* wanr2v-job-prepare.c: PREPARING and DRY_RUN.
 *
 * In a worker thread: a kept video is looked up first; otherwise the
 * references are inspected, the cost predicted and capped, small local
 * images inlined as data: URIs and the other local files queued for
 * upload (one upload per content), and the request's cache key computed.
 * Nothing is sent before this has passed.
 */
#include "wanr2v-job-private.h"
#include "wanr2v-field.h"
#include "wanr2v-localfile.h"
#include "wanr2v-media.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/* Images up to this size travel inline as data: URIs (the body stays well
 * under the service's limits); larger ones, videos and voices are uploaded. */
#define MAX_INLINE_IMAGE_BYTES (7 * 1024 * 1024)

/* Local files up to this many bytes in all are hashed for the cache key
 * on the thread that starts the job (a state change): about 2 ms of
 * SHA-256 at most.  A kept video is then served with no thread of its
 * own, as fast as filesrc reads a file; larger requests look it up in
 * PREPARING's worker. */
#define MAX_KEY_BYTES_AT_START (512 * 1024)

void
wanr2v_pending_upload_free (WanR2vPendingUpload * up)
{
  g_free (up->path);
  g_free (up->sha256);
  g_array_unref (up->same_content);
  g_free (up);
}

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
queue_upload (WanR2vJob * job, WanR2vPendingUpload * up, GError ** error)
{
  guint i;

  for (i = 0; i < job->uploads->len; i++) {
    WanR2vPendingUpload *other = g_ptr_array_index (job->uploads, i);
    WanR2vUploadTarget target = { up->media_index, up->voice };

    if (other->size != up->size)
      continue;
    if (other->sha256 == NULL
        && !(other->sha256 = wanr2v_local_file_sha256 (other->path,
                "reference", job->cancellable, error)))
      return FALSE;
    if (up->sha256 == NULL
        && !(up->sha256 = wanr2v_local_file_sha256 (up->path, "reference",
                job->cancellable, error)))
      return FALSE;
    if (strcmp (other->sha256, up->sha256) != 0)
      continue;
    g_array_append_val (other->same_content, target);
    wanr2v_pending_upload_free (up);
    return TRUE;
  }
  g_ptr_array_add (job->uploads, up);
  return TRUE;
}

/* Reads what must be read of a local file, and either inlines it or queues
 * it for upload.  FALSE with @error on a bad file. */
static gboolean
prepare_local (WanR2vJob * job, WanR2vRequest * wire, guint index,
    gboolean voice, GError ** error)
{
  WanR2vMedia *media = g_ptr_array_index (wire->media, index);
  char **url = voice ? &media->voice : &media->url;
  WanR2vFieldRef about;
  g_autofree char *path = wanr2v_url_to_local_path (*url);
  g_autoptr (GError) local_error = NULL;
  GStatBuf st;
  const char *mime;
  WanR2vPendingUpload *up;

  wanr2v_request_media_field (wire, index, voice, &about);
  if (path == NULL || g_stat (path, &st) != 0) {
    wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        &about, ": %s: %s", path ? path : *url, g_strerror (errno));
    return FALSE;
  }
  mime = wanr2v_media_sniff_file (path, &local_error);
  if (local_error) {
    wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        &about, ": cannot read %s: %s", path, local_error->message);
    return FALSE;
  }
  if (!wanr2v_media_kind_accepts (media_kind (media->type, voice), mime)) {
    wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        &about, ": %s is not %s", path, wanr2v_media_kind_formats
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
      wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
          &about, ": %s", local_error->message);
      return FALSE;
    }
    g_free (*url);
    *url = data_uri;
    return TRUE;
  }

  up = g_new0 (WanR2vPendingUpload, 1);
  up->media_index = index;
  up->voice = voice;
  up->path = g_steal_pointer (&path);
  up->mime = mime;
  up->size = st.st_size;
  up->same_content = g_array_new (FALSE, FALSE, sizeof (WanR2vUploadTarget));
  if (!queue_upload (job, up, &local_error)) {
    wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        &about, ": cannot read %s: %s", up->path, local_error->message);
    wanr2v_pending_upload_free (up);
    return FALSE;
  }
  return TRUE;
}

/* A kept video, if the cache has one: it was made from these very files
 * (the key hashes their contents), which passed every check then, and
 * serving it sends and bills nothing, so the checks and the encoding would
 * only delay its first frame.  Any trouble computing the key is left to
 * those checks, which name the file and the problem. */
static gboolean
find_kept_video (WanR2vJob * job)
{
  if (job->cache_policy != WANR2V_CACHE_REUSE || job->dry_run)
    return FALSE;
  /* The start may have computed it already (and found no video then). */
  if (job->key == NULL)
    job->key = wanr2v_cache_key (job->request,
        wanr2v_client_get_base_url (job->client), job->cancellable, NULL);
  if (job->key == NULL || !wanr2v_cache_lookup (job->output_dir, job->key,
          &job->cached_path, &job->cached_size))
    return FALSE;
  job->cached_task_id = wanr2v_cache_kept_task (job->output_dir, job->key);
  return TRUE;
}

/* Whether the local files of @req, each a regular file, add up to at most
 * @limit bytes.  A file that cannot be looked at is left to PREPARING,
 * which names it. */
static gboolean
local_files_within (const WanR2vRequest * req, guint64 limit)
{
  guint64 total = 0;
  guint i, j;

  for (i = 0; i < req->media->len; i++) {
    WanR2vMedia *media = g_ptr_array_index (req->media, i);
    const char *urls[] = { media->url, media->voice };

    for (j = 0; j < G_N_ELEMENTS (urls); j++) {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (urls[j] == NULL || wanr2v_url_classify (urls[j]) !=
          WANR2V_URL_LOCAL)
        continue;
      path = wanr2v_url_to_local_path (urls[j]);
      if (path == NULL || g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        return FALSE;
      total += st.st_size;
      if (total > limit)
        return FALSE;
    }
  }
  return TRUE;
}

gboolean
wanr2v_job_serve_kept_at_once (WanR2vJob * job)
{
  if (job->request == NULL
      || !local_files_within (job->request, MAX_KEY_BYTES_AT_START)
      || !find_kept_video (job))
    return FALSE;

  job->served_at_start = TRUE;
  job->start_us = g_get_monotonic_time ();
  /* The same events as a kept video found by PREPARING: its start, then
   * the end. */
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_PHASE, NULL, NULL);
  wanr2v_job_goto (job, WANR2V_JOB_STATE_SERVING);
  return TRUE;
}

static void
prepare_thread (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  WanR2vJob *job = data;
  g_autoptr (WanR2vRequest) wire = wanr2v_request_copy (job->request);
  g_autofree gdouble *video_seconds = NULL;
  GError *error = NULL;
  guint i;

  if (find_kept_video (job)) {
    g_task_return_pointer (task, g_steal_pointer (&wire),
        (GDestroyNotify) wanr2v_request_free);
    return;
  }
  /* Requests will be needed: https without a TLS backend fails now, not
   * after a wait for a slot. */
  if (!job->dry_run && !wanr2v_client_check_transport (job->client, &error)) {
    g_task_return_error (task, error);
    return;
  }

  video_seconds = g_new (gdouble, MAX (wire->media->len, 1));
  for (i = 0; i < wire->media->len; i++)
    video_seconds[i] = -1;
  if ((job->inspect && !job->inspect (job->request, video_seconds,
              job->cancellable, job->inspect_data, &error))
      || !wanr2v_job_predict_cost (job, video_seconds, &error)) {
    g_task_return_error (task, error);
    return;
  }

  for (i = 0; i < wire->media->len && error == NULL; i++) {
    WanR2vMedia *media = g_ptr_array_index (wire->media, i);

    if (wanr2v_url_classify (media->url) == WANR2V_URL_LOCAL)
      prepare_local (job, wire, i, FALSE, &error);
    if (error == NULL && media->voice && *media->voice
        && wanr2v_url_classify (media->voice) == WANR2V_URL_LOCAL)
      prepare_local (job, wire, i, TRUE, &error);
  }
  if (error == NULL && job->cache_policy != WANR2V_CACHE_OFF
      && job->key == NULL)
    job->key = wanr2v_cache_key (job->request,
        wanr2v_client_get_base_url (job->client), job->cancellable, &error);
  if (error) {
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, g_steal_pointer (&wire),
      (GDestroyNotify) wanr2v_request_free);
}

static void
on_prepared (WanR2vJob * job, GAsyncResult * res)
{
  GError *error = NULL;

  job->wire = g_task_propagate_pointer (G_TASK (res), &error);
  if (job->wire == NULL) {
    wanr2v_job_fail (job, error, NULL);
    return;
  }
  if (job->cached_path) {
    wanr2v_job_goto (job, WANR2V_JOB_STATE_SERVING);
    return;
  }
  /* The prediction first, before anything is uploaded or created. */
  if (job->has_cost)
    wanr2v_job_emit (job, WANR2V_JOB_EVENT_PREDICTED, NULL, NULL);
  job->attempts = 0;
  if (job->dry_run)
    wanr2v_job_goto (job, WANR2V_JOB_STATE_DRY_RUN);
  else if (job->key)
    wanr2v_job_goto (job, WANR2V_JOB_STATE_LOCKING);
  else
    wanr2v_job_goto (job, WANR2V_JOB_STATE_SLOT_WAIT);
}

void
wanr2v_job_enter_preparing (WanR2vJob * job)
{
  wanr2v_job_run_in_worker (job, prepare_thread, on_prepared);
}

/* A dry run ends here: nothing uploaded, nothing created; the reader sees
 * an empty stream. */
void
wanr2v_job_enter_dry_run (WanR2vJob * job)
{
  GError *error = NULL;

  job->body = wanr2v_job_dry_run_body (job, &error);
  if (job->body == NULL) {
    wanr2v_job_fail (job, error, NULL);
    return;
  }
  wanr2v_job_emit (job, WANR2V_JOB_EVENT_DRY_RUN, NULL, NULL);
  g_mutex_lock (&job->lock);
  job->total = 0;               /* of nothing: the reader sees the end */
  g_mutex_unlock (&job->lock);
  wanr2v_job_finish (job);
}
