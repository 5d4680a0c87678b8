/* wanr2v-download-body.c: a download's bytes, from the reply's body to
 * the file: checked (an MP4's start, the size bound), written with
 * write-behind, hashed, shown to readers; a cut's last bytes taken; and
 * the end: the checksums and durability of a whole video, or a span that
 * ended where it was asked to.  Also the check of the bytes a resumed
 * download starts from.  The request and its reply: wanr2v-download.c.
 */
#define _GNU_SOURCE             /* sync_file_range */
#include "config.h"
#include "wanr2v-download-private.h"

#include "wanr2v-media.h"
#include "wanr2v-crc64.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static gboolean take_bytes (GTask * task, gsize n);

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
void
wanr2v_download_discard (Download * dl)
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

void
wanr2v_download_return_not_video (GTask * task, GError * error)
{
  wanr2v_download_discard (g_task_get_task_data (task));
  wanr2v_download_return_error (task, error);
}

/* Every byte is on disk: checks the size and the server's checksums, and
 * makes the file durable. */
void
wanr2v_download_finish_complete (GTask * task)
{
  Download *dl = g_task_get_task_data (task);
  char host[256];

  wanr2v_download_host (dl->url, host, sizeof (host));
  if (dl->total >= 0 && dl->written != (guint64) dl->total) {
    wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR,
            WANR2V_ERROR_CONNECTION_LOST,
            "The download ended after %" G_GUINT64_FORMAT " of %"
            G_GINT64_FORMAT " bytes", dl->written, dl->total));
    return;
  }
  if (!dl->head_checked) {
    g_autofree char *head = describe_head (dl->head, dl->written);

    wanr2v_download_return_not_video (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_NOT_VIDEO,
            "The download from %s is not an MP4 video: %" G_GUINT64_FORMAT
            " bytes (\"%s\"); it was discarded", host, dl->written, head));
    return;
  }
  if (dl->want_crc_set && dl->crc != dl->want_crc) {
    guint64 size = dl->written;

    wanr2v_download_discard (dl);
    wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_CORRUPT,
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

      wanr2v_download_discard (dl);
      wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_CORRUPT,
              "The video downloaded from %s is corrupt: the MD5 of its %"
              G_GUINT64_FORMAT " bytes is %s, the server's Content-MD5 says "
              "%s; it was discarded, and the next run downloads it again",
              host, size, got, dl->want_md5));
      return;
    }
  }
  if (fdatasync (dl->fd) != 0 && errno != EINVAL) {
    int err = errno;

    wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not flush the video to disk: %s", g_strerror (err)));
    return;
  }
  dl->complete = TRUE;
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The request ended where it was asked to, or was cut: the bytes on disk
 * are good, and the video is not whole yet. */
void
wanr2v_download_finish_partial (GTask * task)
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
gboolean
wanr2v_download_was_cut (Download * dl)
{
  return dl->cutting && !wanr2v_watchdog_fired (dl->watchdog)
      && !(dl->caller_cancellable
      && g_cancellable_is_cancelled (dl->caller_cancellable));
}

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

    wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "%s sent more than %" G_GUINT64_FORMAT " bytes: not a result "
            "video", wanr2v_download_host (dl->url, host, sizeof (host)),
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
        wanr2v_download_return_not_video (task, g_error_new (WANR2V_ERROR,
                WANR2V_ERROR_NOT_VIDEO, "The download from %s is not an MP4 "
                "video: it starts with \"%s\"; nothing of it was kept",
                wanr2v_download_host (dl->url, host, sizeof (host)), head));
        return FALSE;
      }
      dl->head_checked = TRUE;
    }
  }
  if (!write_all (dl->fd, dl->buffer, n, &error)) {
    wanr2v_download_return_error (task, error);
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
      wanr2v_download_return_error (task, g_error_new (WANR2V_ERROR,
              WANR2V_ERROR_CONNECTION_LOST, "The download of bytes %"
              G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT " ended at %"
              G_GUINT64_FORMAT, dl->offset, dl->end, dl->written));
      return;
    }
    wanr2v_download_finish_partial (task);
    return;
  }
  wanr2v_download_finish_complete (task);
}

static void
on_read (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Download *dl = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, &error);
  if (n < 0 && wanr2v_download_was_cut (dl)) {
    g_clear_error (&error);
    if (drain (task))
      wanr2v_download_finish_partial (task);
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
          " bytes: %s", wanr2v_download_host (dl->url, host, sizeof (host)), dl->written,
          error->message);
      g_clear_error (&error);
      error = wrapped;
    }
    wanr2v_download_return_error (task, error);
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
      wanr2v_download_finish_partial (task);
    return;
  }
  wanr2v_download_read_next (task);
}

void
wanr2v_download_read_next (GTask * task)
{
  Download *dl = g_task_get_task_data (task);

  g_input_stream_read_async (dl->stream, dl->buffer, CHUNK_SIZE,
      G_PRIORITY_DEFAULT, wanr2v_watchdog_get_cancellable (dl->watchdog),
      on_read, task);
}

gboolean
wanr2v_download_open_file (Download * dl, guint64 at, GError ** error)
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

/* In a worker: the bytes an earlier try or run left on disk are resumed
 * from only if they start like a video; their CRC-64 starts the one that
 * the whole file is checked with.  Otherwise the download starts over. */
void
wanr2v_download_check_prefix_thread (GTask * check, gpointer source, gpointer data,
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
