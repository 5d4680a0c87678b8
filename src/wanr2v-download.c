/* wanr2v-download.c: fetching a result video to a file on disk. */
#define _GNU_SOURCE             /* sync_file_range */
#include "config.h"
#include "wanr2v-download.h"

#include "wanr2v-media.h"
#include "wanr2v-crc64.h"
#include "wanr2v-http.h"
#include "wanr2v-watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

/* Big enough that a 200 MB video is a few hundred writes, small enough that
 * a reader following the file sees progress often. */
#define CHUNK_SIZE (256 * 1024)

/* Write-behind: every this many bytes, the kernel is asked to start writing
 * the new part to disk.  The download is made durable with fsync at the end;
 * without write-behind that fsync would wait for the whole video (seconds
 * for hundreds of MB), with it only for the last window. */
#define WRITE_BEHIND_SIZE (2 * 1024 * 1024)

/* A result is at most 15 s of 1080p video: tens of MB.  A host that
 * announces or sends more than this is not serving one, and must not fill
 * the disk. */
#define MAX_VIDEO_BYTES (G_GUINT64_CONSTANT (4) * 1024 * 1024 * 1024)

typedef struct
{
  char *url;
  char *path;
  guint64 offset;               /* where this request starts */
  guint64 written;              /* bytes of the file on disk */
  guint64 written_back;         /* bytes whose writeback was started */
  gint64 total;
  int fd;
  SoupMessage *msg;
  GInputStream *stream;
  guint8 *buffer;
  WanR2vDownloadProgressFunc progress;
  gpointer progress_data;
  WanR2vErrorInfo *details;

  /* What the bytes are checked against before they are trusted. */
  gboolean head_checked;        /* the file starts with an MP4 box */
  guint8 head[8];               /* its first bytes, while not checked */
  guint64 crc;                  /* CRC-64 of the file's bytes so far */
  gboolean want_crc_set;
  guint64 want_crc;             /* x-oss-hash-crc64ecma */
  GChecksum *md5;               /* only when the reply has Content-MD5 */
  char *want_md5;               /* its value, base64 */

  /* No data for the idle timeout cancels the download, and so does the
   * caller's cancellable. */
  WanR2vWatchdog *watchdog;
} Download;

static void
download_free (Download * dl)
{
  g_clear_pointer (&dl->watchdog, wanr2v_watchdog_free);
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

static const char *
url_host (const char *url, char *buf, gsize buf_size)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  g_strlcpy (buf, uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : "?",
      buf_size);
  return buf;
}

static void
return_error (GTask * task, GError * error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
write_all (int fd, const guint8 * data, gsize size, GError ** error)
{
  while (size > 0) {
    gssize n = write (fd, data, size);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int err = errno;

      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_IO,
          "Could not write the video to disk: %s", g_strerror (err));
      return FALSE;
    }
    data += n;
    size -= n;
  }
  return TRUE;
}

/* Asks the kernel to start writing what was written since the last call,
 * once a window is full.  It does not wait for the disk; errors are left to
 * the final fsync, which reports them. */
static void
start_write_behind (Download * dl)
{
#ifdef HAVE_SYNC_FILE_RANGE
  if (dl->written - dl->written_back < WRITE_BEHIND_SIZE)
    return;
  (void) sync_file_range (dl->fd, dl->written_back,
      dl->written - dl->written_back, SYNC_FILE_RANGE_WRITE);
  dl->written_back = dl->written;
#endif
}

/* The first bytes, printable, for an error message. */
static char *
describe_head (const guint8 * head, gsize size)
{
  g_autofree char *text = g_strndup ((const char *) head, size);

  g_strcanon (text, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS " <>!/-_.:",
      '.');
  return g_steal_pointer (&text);
}

/* Throws away what is on disk: bytes that cannot be trusted must not be
 * resumed from, by a retry or by the next run. */
static void
discard (Download * dl)
{
  if (dl->fd < 0)
    dl->fd = g_open (dl->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (dl->fd >= 0 && ftruncate (dl->fd, 0) != 0)
    g_warning ("could not empty %s: %s", dl->path, g_strerror (errno));
  dl->written = dl->written_back = 0;
  dl->crc = WANR2V_CRC64_INIT;
  if (dl->progress)
    dl->progress (0, -1, dl->progress_data);
}

static void
return_not_video (GTask * task, GError * error)
{
  discard (g_task_get_task_data (task));
  return_error (task, error);
}

/* Every byte is on disk: checks the size and the server's checksums, and
 * makes the file durable. */
static void
finish_complete (GTask * task)
{
  Download *dl = g_task_get_task_data (task);
  char host[256];

  url_host (dl->url, host, sizeof (host));
  if (dl->total >= 0 && dl->written != (guint64) dl->total) {
    return_error (task, g_error_new (WANR2V_ERROR,
            WANR2V_ERROR_CONNECTION_LOST,
            "The download ended after %" G_GUINT64_FORMAT " of %"
            G_GINT64_FORMAT " bytes", dl->written, dl->total));
    return;
  }
  if (!dl->head_checked) {
    g_autofree char *head = describe_head (dl->head, dl->written);

    return_not_video (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_NOT_VIDEO,
            "The download from %s is not an MP4 video: %" G_GUINT64_FORMAT
            " bytes (\"%s\"); it was discarded", host, dl->written, head));
    return;
  }
  if (dl->want_crc_set && dl->crc != dl->want_crc) {
    guint64 size = dl->written;

    discard (dl);
    return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_CORRUPT,
            "The video downloaded from %s is corrupt: the CRC-64 of its %"
            G_GUINT64_FORMAT " bytes is %" G_GUINT64_FORMAT ", the server's "
            "x-oss-hash-crc64ecma says %" G_GUINT64_FORMAT "; it was "
            "discarded, and the next run downloads it again", host, size,
            dl->crc, dl->want_crc));
    return;
  }
  if (dl->md5) {
    guint8 digest[16];
    gsize digest_len = sizeof (digest);
    g_autofree char *got = NULL;

    g_checksum_get_digest (dl->md5, digest, &digest_len);
    got = g_base64_encode (digest, digest_len);
    if (strcmp (got, dl->want_md5) != 0) {
      guint64 size = dl->written;

      discard (dl);
      return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_CORRUPT,
              "The video downloaded from %s is corrupt: the MD5 of its %"
              G_GUINT64_FORMAT " bytes is %s, the server's Content-MD5 says "
              "%s; it was discarded, and the next run downloads it again",
              host, size, got, dl->want_md5));
      return;
    }
  }
  if (fdatasync (dl->fd) != 0 && errno != EINVAL) {
    int err = errno;

    return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not flush the video to disk: %s", g_strerror (err)));
    return;
  }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void read_next (GTask * task);

static void
on_read (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Download *dl = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (n < 0) {
    if (wanr2v_watchdog_fired (dl->watchdog)) {
      g_clear_error (&error);
      error = g_error_new (WANR2V_ERROR, WANR2V_ERROR_CONNECTION_LOST,
          "The download stalled: no data for %u s after %" G_GUINT64_FORMAT
          " bytes", wanr2v_watchdog_get_idle_timeout (dl->watchdog),
          dl->written);
    } else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_clear_error (&error);
      error = g_error_new (WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
          "Download cancelled");
    } else {
      char host[256];
      GError *wrapped = g_error_new (WANR2V_ERROR,
          WANR2V_ERROR_CONNECTION_LOST,
          "The download from %s broke off after %" G_GUINT64_FORMAT
          " bytes: %s", url_host (dl->url, host, sizeof (host)), dl->written,
          error->message);
      g_clear_error (&error);
      error = wrapped;
    }
    return_error (task, error);
    return;
  }

  if (n == 0) {
    finish_complete (task);
    return;
  }

  if (dl->written + n > MAX_VIDEO_BYTES) {
    char host[256];

    return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "%s sent more than %" G_GUINT64_FORMAT " bytes: not a result "
            "video", url_host (dl->url, host, sizeof (host)),
            MAX_VIDEO_BYTES));
    return;
  }
  if (!dl->head_checked) {
    gsize take = MIN ((gsize) n, sizeof (dl->head) - dl->written);

    memcpy (dl->head + dl->written, dl->buffer, take);
    if (dl->written + take == sizeof (dl->head)) {
      char host[256];

      if (!wanr2v_media_is_movie_start (dl->head, sizeof (dl->head))) {
        g_autofree char *head = describe_head (dl->head, sizeof (dl->head));

        /* Before a byte of it is written, let alone shown to a reader. */
        return_not_video (task, g_error_new (WANR2V_ERROR,
                WANR2V_ERROR_NOT_VIDEO, "The download from %s is not an MP4 "
                "video: it starts with \"%s\"; nothing of it was kept",
                url_host (dl->url, host, sizeof (host)), head));
        return;
      }
      dl->head_checked = TRUE;
    }
  }
  if (!write_all (dl->fd, dl->buffer, n, &error)) {
    return_error (task, error);
    return;
  }
  dl->crc = wanr2v_crc64_update (dl->crc, dl->buffer, n);
  if (dl->md5)
    g_checksum_update (dl->md5, dl->buffer, n);
  dl->written += n;
  start_write_behind (dl);
  wanr2v_watchdog_touch (dl->watchdog);
  /* Readers follow the file through progress: nothing before the start
   * is known to be a video. */
  if (dl->progress && dl->head_checked)
    dl->progress (dl->written, dl->total, dl->progress_data);
  read_next (task);
}

static void
read_next (GTask * task)
{
  Download *dl = g_task_get_task_data (task);

  g_input_stream_read_async (dl->stream, dl->buffer, CHUNK_SIZE,
      G_PRIORITY_DEFAULT, wanr2v_watchdog_get_cancellable (dl->watchdog),
      on_read, task);
}

static gboolean
open_file (Download * dl, guint64 at, GError ** error)
{
  if (dl->fd < 0)
    /* O_NOFOLLOW and 0600: see claim_part_file in wanr2v-job.c. */
    dl->fd = g_open (dl->path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
        0600);
  if (dl->fd < 0 || ftruncate (dl->fd, at) != 0
      || lseek (dl->fd, at, SEEK_SET) < 0) {
    int err = errno;

    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_IO,
        "Could not open %s for writing: %s", dl->path, g_strerror (err));
    return FALSE;
  }
  dl->written = at;
  dl->written_back = at;
  return TRUE;
}

/* The size in a 416 reply's "Content-Range: bytes * /SIZE" (RFC 9110
 * 14.4), which libsoup's parser does not take; -1 if there is none. */
static goffset
unsatisfied_range_size (SoupMessageHeaders * headers)
{
  const char *value = soup_message_headers_get_one (headers, "Content-Range");
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
  const char *crc = soup_message_headers_get_one (headers,
      "x-oss-hash-crc64ecma");
  const char *md5 = soup_message_headers_get_one (headers, "Content-MD5");

  dl->want_crc_set = crc && wanr2v_crc64_parse (crc, &dl->want_crc);
  if (crc && !dl->want_crc_set)
    g_warning ("ignoring a malformed x-oss-hash-crc64ecma: %s", crc);
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

  dl->stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  url_host (dl->url, host, sizeof (host));
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
    return_error (task, wrapped);
    return;
  }

  status = soup_message_get_status (dl->msg);
  headers = soup_message_get_response_headers (dl->msg);
  length = soup_message_headers_get_content_length (headers);

  if (status == SOUP_STATUS_PARTIAL_CONTENT && dl->offset > 0) {
    goffset start, end, total;

    if (!soup_message_headers_get_content_range (headers, &start, &end,
            &total) || (guint64) start != dl->offset || end < start
        || (total >= 0 && end >= total)
        || (soup_message_headers_get_encoding (headers) ==
            SOUP_ENCODING_CONTENT_LENGTH && length != end - start + 1)) {
      const char *range = soup_message_headers_get_one (headers,
          "Content-Range");

      return_not_video (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_NOT_VIDEO, "%s answered a download resumed at "
              "byte %" G_GUINT64_FORMAT " with the wrong range (Content-Range "
              "%s, Content-Length %" G_GOFFSET_FORMAT "); the partial video "
              "was discarded", host, dl->offset, range ? range : "missing",
              length));
      return;
    }
    dl->total = total;
  } else if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE
      && dl->offset > 0) {
    total_size = unsatisfied_range_size (headers);
    if (total_size < 0 || (guint64) total_size != dl->offset) {
      /* More on disk than the video holds: not a prefix of it (an earlier
       * run kept a proxy's page, say).  Start over. */
      return_not_video (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_NOT_VIDEO, "The partial video on disk (%"
              G_GUINT64_FORMAT " bytes) is not a part of the video on %s "
              "(HTTP 416, %s bytes); it was discarded", dl->offset, host,
              soup_message_headers_get_one (headers, "Content-Range") ?
              soup_message_headers_get_one (headers, "Content-Range") :
              "size unknown"));
      return;
    }
    /* Resumed at the very end: an earlier run had every byte on disk but
     * stopped before the video was kept.  Nothing is left to fetch. */
    dl->total = total_size;
    take_checksums (dl, headers, status);
    if (!open_file (dl, dl->offset, &error)) {
      return_error (task, error);
      return;
    }
    finish_complete (task);
    return;
  } else if (status == SOUP_STATUS_OK) {
    /* A fresh download, or a server that ignored our Range: start over. */
    dl->offset = 0;
    dl->crc = WANR2V_CRC64_INIT;
    dl->head_checked = FALSE;
    dl->total = length > 0
        || soup_message_headers_get_encoding (headers) ==
        SOUP_ENCODING_CONTENT_LENGTH ? length : -1;
  } else {
    WanR2vErrorInfo *details = wanr2v_error_info_new ();
    gboolean expired = status == SOUP_STATUS_FORBIDDEN;

    details->http_status = status;
    dl->details = details;
    return_error (task, g_error_new (WANR2V_ERROR,
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
    return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "%s announced a video of %" G_GINT64_FORMAT " bytes (from byte %"
            G_GUINT64_FORMAT "): a result video is at most %" G_GUINT64_FORMAT
            " bytes", host, dl->total, dl->offset, MAX_VIDEO_BYTES));
    return;
  }
  {
    const char *type = soup_message_headers_get_content_type (headers, NULL);

    if (!is_video_type (type)) {
      g_autofree char *size = dl->total >= 0 ? g_strdup_printf ("%"
          G_GINT64_FORMAT " bytes", dl->total) : g_strdup ("unknown size");

      return_not_video (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_NOT_VIDEO, "%s answered the video's URL with %s "
              "(%s), not a video: a proxy's or captive portal's page? "
              "Nothing of it was kept", host, type, size));
      return;
    }
  }
  take_checksums (dl, headers, status);

  if (!open_file (dl, dl->offset, &error)) {
    return_error (task, error);
    return;
  }
  if (dl->progress)
    dl->progress (dl->written, dl->total, dl->progress_data);
  dl->buffer = g_malloc (CHUNK_SIZE);
  wanr2v_watchdog_touch (dl->watchdog);
  read_next (task);
}

static void
send_request (GTask * task)
{
  Download *dl = g_task_get_task_data (task);

  if (dl->offset > 0)
    soup_message_headers_set_range (soup_message_get_request_headers
        (dl->msg), dl->offset, -1);
  wanr2v_watchdog_touch (dl->watchdog);
  soup_session_send_async (wanr2v_http_get_session (wanr2v_http_get_current
          ()), dl->msg, G_PRIORITY_DEFAULT,
      wanr2v_watchdog_get_cancellable (dl->watchdog), on_sent, task);
}

/* In a worker: the bytes an earlier try or run left on disk are resumed
 * from only if they start like a video; their CRC-64 starts the one that
 * the whole file is checked with.  Otherwise the download starts over. */
static void
check_prefix_thread (GTask * check, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  Download *dl = data;
  g_autofree guint8 *buffer = g_malloc (CHUNK_SIZE);
  guint64 done = 0, crc = WANR2V_CRC64_INIT;
  int fd = g_open (dl->path, O_RDONLY | O_CLOEXEC, 0);

  while (fd >= 0 && done < dl->offset
      && !g_cancellable_is_cancelled (cancellable)) {
    gssize n = read (fd, buffer, MIN (CHUNK_SIZE, dl->offset - done));

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (done == 0 && !wanr2v_media_is_movie_start (buffer, n))
      break;
    crc = wanr2v_crc64_update (crc, buffer, n);
    done += n;
  }
  if (fd >= 0)
    close (fd);
  if (done == dl->offset) {
    dl->crc = crc;
    dl->head_checked = TRUE;
  } else if (!g_cancellable_is_cancelled (cancellable)) {
    g_info ("the %" G_GUINT64_FORMAT " bytes of %s are not the start of a "
        "video: downloading it from the start", dl->offset, dl->path);
    dl->offset = 0;
  }
  g_task_return_boolean (check, TRUE);
}

static void
on_prefix_checked (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Download *dl = g_task_get_task_data (task);

  if (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (dl->watchdog))) {
    return_error (task, wanr2v_watchdog_fired (dl->watchdog) ?
        g_error_new (WANR2V_ERROR, WANR2V_ERROR_CONNECTION_LOST,
            "Checking the partial video took more than %u s",
            wanr2v_watchdog_get_idle_timeout (dl->watchdog)) :
        g_error_new (WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
            "Download cancelled"));
    return;
  }
  if (dl->offset == 0)
    discard (dl);
  send_request (task);
}

void
wanr2v_download_async (const char *url, const char *path, guint64 offset,
    guint idle_timeout_s, WanR2vDownloadProgressFunc progress,
    gpointer progress_data,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  WanR2vHttp *http = wanr2v_http_get_current ();
  Download *dl = g_new0 (Download, 1);
  GTask *task;

  g_return_if_fail (wanr2v_http_is_http_thread (http));

  dl->url = g_strdup (url);
  dl->path = g_strdup (path);
  dl->offset = offset;
  dl->total = -1;
  dl->fd = -1;
  dl->crc = WANR2V_CRC64_INIT;
  dl->progress = progress;
  dl->progress_data = progress_data;
  /* Checking a partial file counts against the idle timeout too. */
  dl->watchdog = wanr2v_watchdog_new (cancellable, idle_timeout_s,
      g_main_context_get_thread_default ());

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, dl, (GDestroyNotify) download_free);

  dl->msg = soup_message_new ("GET", url);
  if (dl->msg == NULL) {
    return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "The service gave an invalid video URL"));
    return;
  }
  if (offset > 0) {
    GTask *check = g_task_new (NULL,
        wanr2v_watchdog_get_cancellable (dl->watchdog), on_prefix_checked,
        task);

    g_task_set_task_data (check, dl, NULL);
    g_task_set_check_cancellable (check, FALSE);
    g_task_run_in_thread (check, check_prefix_thread);
    g_object_unref (check);
    return;
  }
  send_request (task);
}

gboolean
wanr2v_download_finish (GAsyncResult * result, guint64 * size,
    WanR2vErrorInfo ** details, GError ** error)
{
  GTask *task = G_TASK (result);
  Download *dl = g_task_get_task_data (task);

  if (details)
    *details = NULL;
  if (!g_task_propagate_boolean (task, error)) {
    if (details && dl->details)
      *details = wanr2v_error_info_copy (dl->details);
    return FALSE;
  }
  if (size)
    *size = dl->written;
  return TRUE;
}
