/* wanr2v-download.c: fetching a result video to a file on disk: the
 * request (a resume, a span, a piece), its reply judged (status, range,
 * type, sizes, checksums) before a byte is written, a cut, the API.  The
 * bytes themselves and the end: wanr2v-download-body.c.
 */
#include "config.h"
#include "wanr2v-download-private.h"

#include "wanr2v-crc64.h"
#include "wanr2v-http.h"

#include <string.h>

static void
download_free (Download * dl)
{
  /* A reply not read to its end (an error, a cut): closing its stream
   * would make libsoup read the rest to reuse the connection, fetching
   * what was given up on.  Cancelled, the connection is closed instead. */
  if (dl->stream && !dl->body_read)
    g_cancellable_cancel (wanr2v_watchdog_get_cancellable (dl->watchdog));
  g_clear_pointer (&dl->watchdog, wanr2v_watchdog_free);
  g_clear_object (&dl->caller_cancellable);
  if (dl->cut) {
    g_cancellable_disconnect (dl->cut, dl->cut_id);
    g_object_unref (dl->cut);
  }
  if (dl->fd >= 0)
    close (dl->fd);
  g_free (dl->url);
  g_free (dl->path);
  g_clear_object (&dl->msg);
  g_clear_object (&dl->stream);
  g_free (dl->buffer);
  g_clear_pointer (&dl->md5, g_checksum_free);
  g_free (dl->want_md5);
  g_clear_pointer (&dl->details, wanr2v_error_info_free);
  g_free (dl);
}

const char *
wanr2v_download_host (const char *url, char *buf, gsize buf_size)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  g_strlcpy (buf, uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : "?",
      buf_size);
  return buf;
}

void
wanr2v_download_return_error (GTask * task, GError * error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}


/* The size in a 416 reply's "Content-Range: bytes * /SIZE" (RFC 9110
 * 14.4), which libsoup's parser does not take; -1 if there is none. */
static goffset
unsatisfied_range_size (SoupMessageHeaders * headers)
{
  const char *value = wanr2v_soup_message_headers_get_one (headers,
      "Content-Range");
  const char *digits;
  char *end;
  guint64 size;

  if (value == NULL || !g_str_has_prefix (value, "bytes */"))
    return -1;
  digits = value + strlen ("bytes */");
  if (!g_ascii_isdigit (*digits))
    return -1;
  size = g_ascii_strtoull (digits, &end, 10);
  if (*end != '\0' || size > G_MAXINT64)
    return -1;
  return (goffset) size;
}

/* Content types a result may come with.  OSS serves what the object was
 * stored with: video/mp4 for the service's results; octet-stream for an
 * object stored without a type is accepted too (the MP4 box and the
 * checksum still decide), or a paid video could never be fetched. */
static gboolean
is_video_type (const char *type)
{
  return type == NULL || g_str_has_prefix (type, "video/")
      || g_ascii_strcasecmp (type, "application/mp4") == 0
      || g_ascii_strcasecmp (type, "application/octet-stream") == 0
      || g_ascii_strcasecmp (type, "binary/octet-stream") == 0;
}

/* Notes the checksums the reply carries.  x-oss-hash-crc64ecma covers the
 * whole object, in every reply (ranges too); Content-MD5 only a body that
 * is the whole object. */
static void
take_checksums (Download * dl, SoupMessageHeaders * headers, guint status)
{
  const char *crc = wanr2v_soup_message_headers_get_one (headers,
      "x-oss-hash-crc64ecma");
  const char *md5 = wanr2v_soup_message_headers_get_one (headers,
      "Content-MD5");

  dl->want_crc_set = crc && wanr2v_crc64_parse (crc, &dl->want_crc);
  if (crc && !dl->want_crc_set)
    g_warning ("ignoring a malformed x-oss-hash-crc64ecma: %s", crc);
  if (!dl->want_crc_set && dl->known_crc_set) {
    dl->want_crc_set = TRUE;
    dl->want_crc = dl->known_crc;
  }
  g_clear_pointer (&dl->md5, g_checksum_free);
  g_clear_pointer (&dl->want_md5, g_free);
  if (md5 && status == SOUP_STATUS_OK) {
    dl->md5 = g_checksum_new (G_CHECKSUM_MD5);
    dl->want_md5 = g_strstrip (g_strdup (md5));
  }
}

static void
on_sent (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Download *dl = g_task_get_task_data (task);
  GError *error = NULL;
  SoupMessageHeaders *headers;
  guint status;
  goffset length, total_size;
  char host[256];

  dl->stream = wanr2v_soup_session_send_finish ((SoupSession *) source, res,
      &error);
  wanr2v_download_host (dl->url, host, sizeof (host));
  if (dl->stream == NULL && wanr2v_download_was_cut (dl)) {
    /* Cut before a byte came: nothing of this request is on disk. */
    g_clear_error (&error);
    dl->written = dl->offset;
    wanr2v_download_finish_partial (task);
    return;
  }
  if (dl->stream == NULL) {
    GError *wrapped;

    if (wanr2v_watchdog_fired (dl->watchdog))
      wrapped = g_error_new (WANR2V_ERROR, WANR2V_ERROR_CONNECTION_LOST,
          "%s sent no reply for %u s", host,
          wanr2v_watchdog_get_idle_timeout (dl->watchdog));
    else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      wrapped = g_error_new (WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
          "Download cancelled");
    else
      wrapped = g_error_new (WANR2V_ERROR,
          error->domain == G_TLS_ERROR ? WANR2V_ERROR_TLS :
          WANR2V_ERROR_CONNECTION_LOST,
          "Could not download the video from %s: %s", host, error->message);
    g_clear_error (&error);
    wanr2v_download_return_error (task, wrapped);
    return;
  }

  status = wanr2v_soup_message_get_status (dl->msg);
  headers = wanr2v_soup_message_get_response_headers (dl->msg);
  length = wanr2v_soup_message_headers_get_content_length (headers);

  if (status == SOUP_STATUS_PARTIAL_CONTENT && (dl->offset > 0
          || dl->end > 0)) {
    goffset start, end, total;

    if (!wanr2v_soup_message_headers_get_content_range (headers, &start, &end,
            &total) || (guint64) start != dl->offset || end < start
        || (total >= 0 && end >= total)
        || (dl->end > 0 && (guint64) end + 1 != dl->end)
        || (wanr2v_soup_message_headers_get_encoding (headers) ==
            SOUP_ENCODING_CONTENT_LENGTH && length != end - start + 1)) {
      const char *range = wanr2v_soup_message_headers_get_one (headers,
          "Content-Range");

      wanr2v_download_return_not_video (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_NOT_VIDEO, "%s answered a download resumed at "
              "byte %" G_GUINT64_FORMAT " with the wrong range (Content-Range "
              "%s, Content-Length %" G_GOFFSET_FORMAT "); the partial video "
              "was discarded", host, dl->offset, range ? range : "missing",
              length));
      return;
    }
    dl->total = total;
  } else if (dl->piece && status >= 200 && status < 300) {
    /* A piece is a range or nothing: a server that ignores Range would
     * send the whole video again.  (An error status is judged below, as
     * any download's: a server error may be tried again.) */
    WanR2vErrorInfo *details = wanr2v_error_info_new ();

    details->http_status = status;
    dl->details = details;
    wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "%s answered the request for bytes %" G_GUINT64_FORMAT "..%"
            G_GUINT64_FORMAT " with HTTP %u", host, dl->offset, dl->end,
            status));
    return;
  } else if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE
      && dl->offset > 0 && !dl->piece) {
    total_size = unsatisfied_range_size (headers);
    if (total_size < 0 || (guint64) total_size != dl->offset) {
      /* More on disk than the video holds: not a prefix of it (an earlier
       * run kept a proxy's page, say).  Start over. */
      wanr2v_download_return_not_video (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_NOT_VIDEO, "The partial video on disk (%"
              G_GUINT64_FORMAT " bytes) is not a part of the video on %s "
              "(HTTP 416, %s bytes); it was discarded", dl->offset, host,
              wanr2v_soup_message_headers_get_one (headers, "Content-Range") ?
              wanr2v_soup_message_headers_get_one (headers, "Content-Range") :
              "size unknown"));
      return;
    }
    /* Resumed at the very end: an earlier run had every byte on disk but
     * stopped before the video was kept.  Nothing is left to fetch. */
    dl->total = total_size;
    take_checksums (dl, headers, status);
    if (!wanr2v_download_open_file (dl, dl->offset, &error)) {
      wanr2v_download_return_error (task, error);
      return;
    }
    wanr2v_download_finish_complete (task);
    return;
  } else if (status == SOUP_STATUS_OK) {
    /* A fresh download, or a server that ignored our Range: start over,
     * to the end (the server sends it all anyway). */
    dl->offset = 0;
    dl->end = 0;
    dl->crc = WANR2V_CRC64_INIT;
    dl->crc_valid = TRUE;
    dl->head_checked = FALSE;
    dl->total = length > 0
        || wanr2v_soup_message_headers_get_encoding (headers) ==
        SOUP_ENCODING_CONTENT_LENGTH ? length : -1;
  } else {
    WanR2vErrorInfo *details = wanr2v_error_info_new ();
    gboolean expired = status == SOUP_STATUS_FORBIDDEN;

    details->http_status = status;
    dl->details = details;
    wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR,
            expired ? WANR2V_ERROR_EXPIRED : status == SOUP_STATUS_NOT_FOUND
            ? WANR2V_ERROR_NOT_FOUND : status >= 500 ? WANR2V_ERROR_SERVER :
            WANR2V_ERROR_FAILED,
            expired ? "The result video at %s is no longer available "
            "(HTTP %u): its signed URL has expired (they last 24 hours), so "
            "the video is gone" : "Downloading the video from %s failed: "
            "HTTP %u", host, status));
    return;
  }

  /* Sizes and ranges from the reply, checked before anything is computed
   * or written with them. */
  if (dl->total > (gint64) MAX_VIDEO_BYTES
      || (dl->total >= 0 && (guint64) dl->total < dl->offset)) {
    wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "%s announced a video of %" G_GINT64_FORMAT " bytes (from byte %"
            G_GUINT64_FORMAT "): a result video is at most %" G_GUINT64_FORMAT
            " bytes", host, dl->total, dl->offset, MAX_VIDEO_BYTES));
    return;
  }
  {
    const char *type = wanr2v_soup_message_headers_get_content_type (headers,
        NULL);

    if (!is_video_type (type)) {
      g_autofree char *size = dl->total >= 0 ? g_strdup_printf ("%"
          G_GINT64_FORMAT " bytes", dl->total) : g_strdup ("unknown size");

      wanr2v_download_return_not_video (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_NOT_VIDEO, "%s answered the video's URL with %s "
              "(%s), not a video: a proxy's or captive portal's page? "
              "Nothing of it was kept", host, type, size));
      return;
    }
  }
  take_checksums (dl, headers, status);

  if (!wanr2v_download_open_file (dl, dl->offset, &error)) {
    wanr2v_download_return_error (task, error);
    return;
  }
  if (dl->progress)
    dl->progress (dl->written, dl->total, dl->progress_data);
  dl->buffer = g_malloc (CHUNK_SIZE);
  wanr2v_watchdog_touch (dl->watchdog);
  wanr2v_download_read_next (task);
}

static void
send_request (GTask * task)
{
  Download *dl = g_task_get_task_data (task);
  SoupMessageHeaders *headers =
      wanr2v_soup_message_get_request_headers (dl->msg);
  SoupSession *session =
      wanr2v_http_get_session (wanr2v_http_get_current ());

  if (dl->end > 0)
    wanr2v_soup_message_headers_set_range (headers, dl->offset, dl->end - 1);
  else if (dl->offset > 0)
    wanr2v_soup_message_headers_set_range (headers, dl->offset, -1);
  wanr2v_watchdog_touch (dl->watchdog);
  wanr2v_soup_session_send_async (session, dl->msg, G_PRIORITY_DEFAULT,
      wanr2v_watchdog_get_cancellable (dl->watchdog), on_sent, task);
}

static void
on_prefix_checked (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Download *dl = g_task_get_task_data (task);

  dl->checking = FALSE;
  if (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (dl->watchdog)) && wanr2v_download_was_cut (dl)) {
    dl->written = dl->offset;
    wanr2v_download_finish_partial (task);
    return;
  }
  if (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (dl->watchdog))) {
    wanr2v_download_return_error (task, wanr2v_watchdog_fired (dl->watchdog) ?
        g_error_new (WANR2V_ERROR, WANR2V_ERROR_CONNECTION_LOST,
            "Checking the partial video took more than %u s",
            wanr2v_watchdog_get_idle_timeout (dl->watchdog)) :
        g_error_new (WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
            "Download cancelled"));
    return;
  }
  if (dl->offset == 0)
    wanr2v_download_discard (dl);
  if (dl->offset > 0 && dl->offset == dl->known_total) {
    GError *error = NULL;

    /* Every byte is on disk: nothing to ask for, only the checks. */
    dl->total = dl->known_total;
    dl->want_crc_set = dl->known_crc_set;
    dl->want_crc = dl->known_crc;
    if (!wanr2v_download_open_file (dl, dl->offset, &error)) {
      wanr2v_download_return_error (task, error);
      return;
    }
    wanr2v_download_finish_complete (task);
    return;
  }
  send_request (task);
}

/* A cut does not cancel the read in flight: it brings what the server
 * sent already, which would be lost (and fetched again) otherwise.  The
 * request ends after it.  Before anything was sent, it ends at once. */
static void
on_cut (GCancellable * cut, gpointer data)
{
  Download *dl = data;

  dl->cutting = TRUE;
  dl->cut_limit = dl->written + CUT_TAKES_BYTES;
  if (dl->checking)
    g_cancellable_cancel (wanr2v_watchdog_get_cancellable (dl->watchdog));
}

void
wanr2v_download_span_async (const char *url, const char *path,
    const WanR2vDownloadSpan * span, guint idle_timeout_s,
    WanR2vDownloadProgressFunc progress, gpointer progress_data,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  WanR2vHttp *http = wanr2v_http_get_current ();
  Download *dl = g_new0 (Download, 1);
  guint64 offset = span->offset;
  GError *error = NULL;
  GTask *task;

  g_return_if_fail (wanr2v_http_is_http_thread (http));
  g_return_if_fail (span->end == 0 || span->end > offset);

  dl->url = g_strdup (url);
  dl->path = g_strdup (path);
  dl->offset = offset;
  dl->end = span->end;
  dl->piece = span->piece;
  dl->written = offset;
  dl->total = -1;
  dl->fd = -1;
  dl->crc = WANR2V_CRC64_INIT;
  dl->crc_valid = offset == 0;
  dl->known_crc_set = span->want_crc_known;
  dl->known_crc = span->want_crc;
  dl->known_total = span->piece ? 0 : span->total;
  if (span->crc_known && !span->piece) {
    dl->crc = span->crc;
    dl->crc_from = span->crc_end;
  }
  /* A piece starts in the middle: the download checked the start. */
  dl->head_checked = span->piece;
  dl->progress = progress;
  dl->progress_data = progress_data;
  /* Checking a partial file counts against the idle timeout too. */
  dl->watchdog = wanr2v_watchdog_new (cancellable, idle_timeout_s,
      g_main_context_get_thread_default ());
  if (cancellable)
    dl->caller_cancellable = g_object_ref (cancellable);
  if (span->cut) {
    dl->cut = g_object_ref (span->cut);
    dl->cut_id = g_cancellable_connect (span->cut, G_CALLBACK (on_cut), dl,
        NULL);
  }

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, dl, (GDestroyNotify) download_free);

  if (!wanr2v_soup_load (&error)) {
    wanr2v_download_return_error (task, error);
    return;
  }
  dl->msg = wanr2v_soup_message_new ("GET", url);
  if (dl->msg == NULL) {
    wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "The service gave an invalid video URL"));
    return;
  }
  if (offset > 0 && !dl->piece) {
    GTask *check = g_task_new (NULL,
        wanr2v_watchdog_get_cancellable (dl->watchdog), on_prefix_checked,
        task);

    dl->checking = TRUE;
    if (dl->cutting)
      g_cancellable_cancel (wanr2v_watchdog_get_cancellable (dl->watchdog));
    g_task_set_task_data (check, dl, NULL);
    g_task_set_check_cancellable (check, FALSE);
    g_task_run_in_thread (check, wanr2v_download_check_prefix_thread);
    g_object_unref (check);
    return;
  }
  send_request (task);
}

void
wanr2v_download_async (const char *url, const char *path, guint64 offset,
    guint idle_timeout_s, WanR2vDownloadProgressFunc progress,
    gpointer progress_data,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  WanR2vDownloadSpan span = { 0, };

  span.offset = offset;
  wanr2v_download_span_async (url, path, &span, idle_timeout_s, progress,
      progress_data, cancellable, callback, user_data);
}

gboolean
wanr2v_download_span_finish (GAsyncResult * result,
    WanR2vDownloadResult * out, WanR2vErrorInfo ** details, GError ** error)
{
  GTask *task = G_TASK (result);
  Download *dl = g_task_get_task_data (task);

  if (details)
    *details = NULL;
  memset (out, 0, sizeof (*out));
  if (!g_task_propagate_boolean (task, error)) {
    if (details && dl->details)
      *details = wanr2v_error_info_copy (dl->details);
    return FALSE;
  }
  out->end = dl->written;
  out->complete = dl->complete;
  out->total = dl->total;
  out->crc_valid = !dl->piece && dl->crc_valid;
  out->crc = dl->crc;
  out->want_crc_known = dl->want_crc_set;
  out->want_crc = dl->want_crc;
  return TRUE;
}

gboolean
wanr2v_download_finish (GAsyncResult * result, guint64 * size,
    WanR2vErrorInfo ** details, GError ** error)
{
  WanR2vDownloadResult out;

  if (!wanr2v_download_span_finish (result, &out, details, error))
    return FALSE;
  if (size)
    *size = out.end;
  return TRUE;
}
