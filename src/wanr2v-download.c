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
#include "wanr2v-soup.h"
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

/* A cut request still takes what arrives next, up to this much: the server
 * has sent it already (a paced server, a slice; the socket's buffers).
 * Whoever cuts must not need those bytes from elsewhere. */
#define CUT_TAKES_BYTES (512 * 1024)

/* A result is at most 15 s of 1080p video: tens of MB.  A host that
 * announces or sends more than this is not serving one, and must not fill
 * the disk. */
#define MAX_VIDEO_BYTES (G_GUINT64_CONSTANT (4) * 1024 * 1024 * 1024)

typedef struct
{
  char *url;
  char *path;
  guint64 offset;               /* where this request starts */
  guint64 end;                  /* where it stops; 0: the video's end */
  gboolean piece;               /* see WanR2vDownloadSpan */
  gboolean complete;            /* checked and durable */
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
  gboolean crc_valid;           /* ... and it covers [0, written) */
  guint64 crc_from;             /* a resume reads back from here */
  gboolean want_crc_set;
  guint64 want_crc;             /* x-oss-hash-crc64ecma */
  gboolean known_crc_set;       /* the caller's, from an earlier reply */
  guint64 known_crc;
  guint64 known_total;          /* the caller's; 0: unknown */
  GChecksum *md5;               /* only when the reply has Content-MD5 */
  char *want_md5;               /* its value, base64 */

  /* No data for the idle timeout cancels the download, and so does the
   * caller's cancellable (kept to tell a stop from a cut). */
  WanR2vWatchdog *watchdog;
  GCancellable *caller_cancellable;

  /* The caller's cut (WanR2vDownloadSpan): ends the request, keeping
   * what arrived. */
  GCancellable *cut;
  gulong cut_id;
  gboolean cutting;
  guint64 cut_limit;            /* a cut request takes no byte from here */
  gboolean checking;            /* the prefix check runs: nothing sent */
  gboolean body_read;           /* the reply's body was read to its end */
} Download;

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
  /* A piece is no file of its own: the download it serves decides. */
  if (dl->piece)
    return;
  if (dl->fd < 0)
    dl->fd = g_open (dl->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (dl->fd >= 0 && ftruncate (dl->fd, 0) != 0)
    g_warning ("could not empty %s: %s", dl->path, g_strerror (errno));
  dl->written = dl->written_back = 0;
  dl->crc = WANR2V_CRC64_INIT;
  dl->crc_valid = TRUE;
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
  dl->complete = TRUE;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The request ended where it was asked to, or was cut: the bytes on disk
 * are good, and the video is not whole yet. */
static void
finish_partial (GTask * task)
{
  Download *dl = g_task_get_task_data (task);

  /* A cut reply ends here, its connection closed (see download_free),
   * before the server sends more. */
  if (dl->stream && !dl->body_read)
    g_cancellable_cancel (wanr2v_watchdog_get_cancellable (dl->watchdog));
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* Whether the request was ended by the caller's cut, not by a stop, a
 * stall or a failure. */
static gboolean
was_cut (Download * dl)
{
  return dl->cutting && !wanr2v_watchdog_fired (dl->watchdog)
      && !(dl->caller_cancellable
      && g_cancellable_is_cancelled (dl->caller_cancellable));
}

static void read_next (GTask * task);
static gboolean take_bytes (GTask * task, gsize n);

/* After a cut: what the connection already holds is taken too, so that
 * the server's bytes are not thrown away (and fetched again).  FALSE when
 * the task was ended with an error. */
static gboolean
drain (GTask * task)
{
  Download *dl = g_task_get_task_data (task);
  GPollableInputStream *stream;

  if (!G_IS_POLLABLE_INPUT_STREAM (dl->stream))
    return TRUE;
  stream = G_POLLABLE_INPUT_STREAM (dl->stream);
  if (!g_pollable_input_stream_can_poll (stream))
    return TRUE;
  for (;;) {
    gsize want = CHUNK_SIZE;
    gssize n;

    if (dl->end > 0)
      want = MIN (want, dl->end - dl->written);
    if (dl->cut_limit > dl->written)
      want = MIN (want, dl->cut_limit - dl->written);
    else
      want = 0;
    if (want == 0)
      return TRUE;
    n = g_pollable_input_stream_read_nonblocking (stream, dl->buffer, want,
        NULL, NULL);
    if (n <= 0)
      return TRUE;
    if (!take_bytes (task, n))
      return FALSE;
  }
}

/* @n bytes of dl->buffer arrived: checked, written, hashed, shown.  FALSE
 * when the task was ended with an error. */
static gboolean
take_bytes (GTask * task, gsize n)
{
  Download *dl = g_task_get_task_data (task);
  GError *error = NULL;

  if (dl->written + n > MAX_VIDEO_BYTES) {
    char host[256];

    return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "%s sent more than %" G_GUINT64_FORMAT " bytes: not a result "
            "video", url_host (dl->url, host, sizeof (host)),
            MAX_VIDEO_BYTES));
    return FALSE;
  }
  if (!dl->head_checked) {
    gsize take = MIN (n, sizeof (dl->head) - dl->written);

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
        return FALSE;
      }
      dl->head_checked = TRUE;
    }
  }
  if (!write_all (dl->fd, dl->buffer, n, &error)) {
    return_error (task, error);
    return FALSE;
  }
  if (!dl->piece) {
    dl->crc = wanr2v_crc64_update (dl->crc, dl->buffer, n);
    if (dl->md5)
      g_checksum_update (dl->md5, dl->buffer, n);
  }
  dl->written += n;
  start_write_behind (dl);
  wanr2v_watchdog_touch (dl->watchdog);
  /* Readers follow the file through progress: nothing before the start
   * is known to be a video. */
  if (dl->progress && dl->head_checked)
    dl->progress (dl->written, dl->total, dl->progress_data);
  return TRUE;
}

/* The body ended: the video's end, or the end of the range asked for. */
static void
finish_body (GTask * task)
{
  Download *dl = g_task_get_task_data (task);

  if (dl->piece || (dl->end > 0 && (dl->total < 0
              || dl->end < (guint64) dl->total))) {
    if (dl->written != dl->end) {
      return_error (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_CONNECTION_LOST, "The download of bytes %"
              G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT " ended at %"
              G_GUINT64_FORMAT, dl->offset, dl->end, dl->written));
      return;
    }
    finish_partial (task);
    return;
  }
  finish_complete (task);
}

static void
on_read (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Download *dl = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (n < 0 && was_cut (dl)) {
    g_clear_error (&error);
    if (drain (task))
      finish_partial (task);
    return;
  }
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
    dl->body_read = TRUE;
    finish_body (task);
    return;
  }
  if (!take_bytes (task, n))
    return;
  if (dl->cutting) {
    /* Cut: what the connection holds already is taken, then it ends. */
    if (drain (task))
      finish_partial (task);
    return;
  }
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
  /* Emptied for a download from the start; otherwise what lies beyond
   * @at stays: pieces fetched ahead of the download (a resumed file holds
   * nothing beyond @at, see wanr2v-job-download.c). */
  if (dl->fd < 0 || (at == 0 && !dl->piece && ftruncate (dl->fd, 0) != 0)
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
  url_host (dl->url, host, sizeof (host));
  if (dl->stream == NULL && was_cut (dl)) {
    /* Cut before a byte came: nothing of this request is on disk. */
    g_clear_error (&error);
    dl->written = dl->offset;
    finish_partial (task);
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
    return_error (task, wrapped);
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

      return_not_video (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_NOT_VIDEO, "%s answered a download resumed at "
              "byte %" G_GUINT64_FORMAT " with the wrong range (Content-Range "
              "%s, Content-Length %" G_GOFFSET_FORMAT "); the partial video "
              "was discarded", host, dl->offset, range ? range : "missing",
              length));
      return;
    }
    dl->total = total;
  } else if (dl->piece) {
    /* A piece is a range or nothing: a server that ignores Range would
     * send the whole video again. */
    WanR2vErrorInfo *details = wanr2v_error_info_new ();

    details->http_status = status;
    dl->details = details;
    return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "%s answered the request for bytes %" G_GUINT64_FORMAT "..%"
            G_GUINT64_FORMAT " with HTTP %u", host, dl->offset, dl->end,
            status));
    return;
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
              wanr2v_soup_message_headers_get_one (headers, "Content-Range") ?
              wanr2v_soup_message_headers_get_one (headers, "Content-Range") :
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
    const char *type = wanr2v_soup_message_headers_get_content_type (headers,
        NULL);

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

  /* The caller knows the CRC of a first part: only the rest is read. */
  if (dl->crc_from > 0 && dl->crc_from <= dl->offset) {
    done = dl->crc_from;
    crc = dl->crc;
  }
  while (fd >= 0 && done < dl->offset
      && !g_cancellable_is_cancelled (cancellable)) {
    gssize n = pread (fd, buffer, MIN (CHUNK_SIZE, dl->offset - done), done);

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
    dl->crc_valid = TRUE;
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

  dl->checking = FALSE;
  if (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (dl->watchdog)) && was_cut (dl)) {
    dl->written = dl->offset;
    finish_partial (task);
    return;
  }
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
  if (dl->offset > 0 && dl->offset == dl->known_total) {
    GError *error = NULL;

    /* Every byte is on disk: nothing to ask for, only the checks. */
    dl->total = dl->known_total;
    dl->want_crc_set = dl->known_crc_set;
    dl->want_crc = dl->known_crc;
    if (!open_file (dl, dl->offset, &error)) {
      return_error (task, error);
      return;
    }
    finish_complete (task);
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
    return_error (task, error);
    return;
  }
  dl->msg = wanr2v_soup_message_new ("GET", url);
  if (dl->msg == NULL) {
    return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
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
    g_task_run_in_thread (check, check_prefix_thread);
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
