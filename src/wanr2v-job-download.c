/* wanr2v-job-download.c: DOWNLOADING and SERVING, the video on disk.
 *
 * The video is written to a .part file named after the task and locked
 * for the job's life, resumed from where a fault (or an earlier run) left
 * it, and renamed to its final name once whole and checked.  A kept video
 * is served as it is.
 *
 * The download goes in order, from the start.  A reader that needs bytes
 * far ahead of it (a demuxer reading a moov at the end, a seek) gets them
 * at once: a piece, a ranged request of its own next to the download, is
 * written into the same file at its offset, and the ranges on disk are
 * recorded (job->on_disk) so that the reader waits for its own bytes
 * only.  The download never fetches a byte twice: a request in flight
 * that would reach the piece is cut (keeping what arrived), and the next
 * one is bounded by the piece's start and goes on after its end.  Passing
 * over a piece, the download reads it back from disk for the CRC-64, so
 * the whole file is still checked against the server's checksum.
 */
#include "wanr2v-job-private.h"
#include "wanr2v-download.h"
#include "wanr2v-retry.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* A reader's bytes this close to the download (or closer) come with it;
 * farther ones are fetched at once. */
#define NEAR_BYTES (1024 * 1024)
/* A piece is at most this long, unless it reaches the end anyway: then it
 * takes the whole tail (a moov is a few kB per minute of video). */
#define PIECE_BYTES (4 * 1024 * 1024)
#define TAIL_BYTES (4 * 1024 * 1024)

static void download_from (WanR2vJob * job, guint64 offset, guint64 end);
static void continue_download (WanR2vJob * job);

static void
on_download_progress (guint64 written, gint64 total, gpointer data)
{
  WanR2vJob *job = data;
  guint step = 0;

  g_mutex_lock (&job->lock);
  if (written < job->seq_written) {
    /* The download emptied the file (bytes it could not trust, or a
     * server that ignored a Range): nothing else on disk holds. */
    wanr2v_ranges_clear (job->on_disk);
    job->generation++;
    job->seq_crc_known = FALSE;
  }
  job->seq_written = written;
  wanr2v_ranges_add (job->on_disk, 0, written);
  job->written = wanr2v_ranges_extent (job->on_disk, 0);
  written = job->written;
  job->total = total;
  job->download_started = TRUE;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);

  if (total > 0)
    step = (guint) (written * 20 / total);
  if (step != job->last_progress_step) {
    job->last_progress_step = step;
    wanr2v_job_emit (job, WANR2V_JOB_EVENT_DOWNLOAD_PROGRESS, NULL, NULL);
  }
}

/* ---- pieces ahead of the download ---- */

static void consider_piece (WanR2vJob * job);

static void
on_piece_progress (guint64 written, gint64 total, gpointer data)
{
  WanR2vJob *job = data;

  g_mutex_lock (&job->lock);
  if (job->piece_generation == job->generation) {
    wanr2v_ranges_add (job->on_disk, job->piece_start, written);
    job->written = wanr2v_ranges_extent (job->on_disk, 0);
    g_cond_broadcast (&job->cond);
  }
  g_mutex_unlock (&job->lock);
}

static void
on_piece_done (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  WanR2vDownloadResult out;
  gboolean ok = wanr2v_download_span_finish (res, &out, &details, &error);
  gboolean again = !ok && wanr2v_retry_classify (WANR2V_CALL_DOWNLOAD, error,
      details) == WANR2V_RETRY_RESUME;

  gboolean retrying = FALSE;

  wanr2v_error_info_free (details);
  job->piece_running = FALSE;
  if (ok)
    job->piece_attempts = 0;
  if (job->piece_generation == job->generation && again
      && job->piece_attempts < job->max_retries) {
    /* A connection lost, a server error: the bytes it brought are on
     * disk, and the piece goes on from there after a backoff, beside the
     * download (which keeps its own timetable). */
    g_info ("task %s: fetching bytes %" G_GUINT64_FORMAT "..%"
        G_GUINT64_FORMAT " ahead of the download failed (%s); trying again",
        job->task_id, job->piece_start, job->piece_end, error->message);
    wanr2v_job_schedule_in (job, &job->piece_timer,
        wanr2v_job_backoff_after_ms (job, job->piece_attempts),
        consider_piece);
    job->piece_attempts++;
    retrying = TRUE;
  } else if (job->piece_generation == job->generation
      && (!ok || out.total != job->total)) {
    /* The server cannot serve ranges after all (or the video changed):
     * readers wait for the download, which brings every byte anyway. */
    g_info ("task %s: fetching bytes %" G_GUINT64_FORMAT "..%"
        G_GUINT64_FORMAT " ahead of the download failed (%s); readers now "
        "wait for the download", job->task_id, job->piece_start,
        job->piece_end, error ? error->message : "another size");
    job->pieces_off = TRUE;
  }
  if (job->state != WANR2V_JOB_STATE_DOWNLOADING)
    return;
  if (job->seq_waiting) {
    job->seq_waiting = FALSE;
    continue_download (job);
  }
  if (!retrying)
    consider_piece (job);
}

/* HTTP thread: fetches what a reader waits for, if the download is far
 * from it and no piece is in flight (the next one starts when this one
 * ends). */
static void
consider_piece (WanR2vJob * job)
{
  WanR2vDownloadSpan span = { 0, };
  guint64 start, end, next;
  gint64 total;

  if (job->piece_running || job->pieces_off
      || job->state != WANR2V_JOB_STATE_DOWNLOADING)
    return;
  g_mutex_lock (&job->lock);
  total = job->total;
  /* Only once the start was checked to be a video. */
  if (!job->download_started || job->written == 0 || total <= 0
      || job->wanted == G_MAXUINT64) {
    g_mutex_unlock (&job->lock);
    return;
  }
  start = wanr2v_ranges_extent (job->on_disk, job->wanted);
  if (start >= (guint64) total || start < job->written + NEAR_BYTES) {
    g_mutex_unlock (&job->lock);
    return;
  }
  next = wanr2v_ranges_next_start (job->on_disk, start);
  end = MIN (next, (guint64) total);
  if ((guint64) total - start > TAIL_BYTES)
    end = MIN (end, start + PIECE_BYTES);
  job->piece_generation = job->generation;
  g_mutex_unlock (&job->lock);

  g_debug ("job %p: fetching bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
      " ahead of the download", job, start, end);
  job->piece_running = TRUE;
  job->piece_start = start;
  job->piece_end = end;
  span.offset = start;
  span.end = end;
  span.piece = TRUE;
  wanr2v_download_span_async (job->last_info->video_url, job->part_path,
      &span, job->request_timeout_s, on_piece_progress, job,
      job->cancellable, wanr2v_job_on_reply, wanr2v_job_reply_new (job,
          on_piece_done, FALSE));

  /* The download's request in flight would fetch the piece again: cut it
   * now; the next one stops at the piece. */
  if (job->seq_running && (job->seq_end == 0 || job->seq_end > start))
    g_cancellable_cancel (job->seq_cut);
}

void
wanr2v_job_fetch_ahead (WanR2vJob * job)
{
  wanr2v_job_invoke (job, consider_piece);
}

/* ---- the download in order ---- */

/* The next request of the download: from the end of what is on disk from
 * the start, up to the next range on disk (or the piece in flight). */
static void
continue_download (WanR2vJob * job)
{
  guint64 pos, end;
  gint64 total;

  if (job->state != WANR2V_JOB_STATE_DOWNLOADING)
    return;
  g_mutex_lock (&job->lock);
  pos = wanr2v_ranges_extent (job->on_disk, 0);
  job->written = pos;
  total = job->total;
  end = wanr2v_ranges_next_start (job->on_disk, pos);
  g_mutex_unlock (&job->lock);

  if (job->piece_running && pos >= job->piece_start && pos < job->piece_end) {
    job->seq_waiting = TRUE;
    return;
  }
  if (job->piece_running && job->piece_start > pos)
    end = MIN (end, job->piece_start);
  if (total < 0 || end >= (guint64) total)
    end = 0;
  download_from (job, pos, end);
}

static void
resume_download (WanR2vJob * job)
{
  continue_download (job);
}

static void
on_downloaded (WanR2vJob * job, GAsyncResult * res)
{
  g_autoptr (GError) error = NULL;
  WanR2vErrorInfo *details = NULL;
  WanR2vDownloadResult out;
  guint64 size;

  job->seq_running = FALSE;
  if (!wanr2v_download_span_finish (res, &out, &details, &error)) {
    if (wanr2v_retry_classify (WANR2V_CALL_DOWNLOAD, error, details)
        == WANR2V_RETRY_RESUME && job->attempts < job->max_retries) {
      wanr2v_job_emit (job, WANR2V_JOB_EVENT_RETRY, error, details);
      wanr2v_error_info_free (details);
      wanr2v_job_schedule (job, wanr2v_job_backoff_ms (job),
          resume_download);
      job->attempts++;
    } else {
      wanr2v_job_fail (job, g_steal_pointer (&error), details);
    }
    return;
  }
  if (!out.complete) {
    /* Stopped at a piece, or cut for one: go on after it. */
    if (out.crc_valid) {
      job->seq_crc_known = TRUE;
      job->seq_crc = out.crc;
      job->seq_crc_end = out.end;
    }
    if (out.want_crc_known) {
      job->seq_want_crc_known = TRUE;
      job->seq_want_crc = out.want_crc;
    }
    continue_download (job);
    return;
  }
  size = out.end;

  /* Renamed under the lock: a reader opens the .part file until complete
   * is set, and the final name after. */
  g_mutex_lock (&job->lock);
  if (g_rename (job->part_path, job->video_path) != 0) {
    int err = errno;

    g_mutex_unlock (&job->lock);
    wanr2v_job_fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not move the finished video to %s: %s", job->video_path,
            g_strerror (err)), NULL);
    return;
  }
  job->renamed = TRUE;
  job->written = size;
  job->total = size;
  g_mutex_unlock (&job->lock);

  /* The video is kept: the journal becomes the record of its task. */
  if (job->key)
    wanr2v_journal_keep (job->output_dir, job->key, job->task_id,
        job->wire ? job->wire->model : NULL);

  g_debug ("job %p: video complete, %" G_GUINT64_FORMAT " bytes", job, size);
  wanr2v_job_check_billing (job);
  wanr2v_job_finish (job);
}

static void
download_from (WanR2vJob * job, guint64 offset, guint64 end)
{
  WanR2vDownloadSpan span = { 0, };

  span.offset = offset;
  span.end = end;
  /* What the download hashed so far is not read back. */
  if (job->seq_crc_known && job->seq_crc_end <= offset) {
    span.crc_known = TRUE;
    span.crc = job->seq_crc;
    span.crc_end = job->seq_crc_end;
  }
  span.want_crc_known = job->seq_want_crc_known;
  span.want_crc = job->seq_want_crc;
  g_mutex_lock (&job->lock);
  span.total = job->total > 0 ? (guint64) job->total : 0;
  g_mutex_unlock (&job->lock);
  g_clear_object (&job->seq_cut);
  job->seq_cut = g_cancellable_new ();
  span.cut = job->seq_cut;
  job->seq_running = TRUE;
  job->seq_end = end;
  g_mutex_lock (&job->lock);
  job->seq_written = offset;
  g_mutex_unlock (&job->lock);
  wanr2v_download_span_async (job->last_info->video_url, job->part_path,
      &span, job->request_timeout_s, on_download_progress, job,
      job->cancellable, wanr2v_job_on_reply, wanr2v_job_reply_new (job,
          on_downloaded, FALSE));
}

/* Most downloads of one task at once (runs of one request in one or more
 * processes) before one gives up. */
#define MAX_PART_FILES 16

/* The partial file this job downloads into, locked (flock) for as long as
 * the job lives.  It is named after the task, so that a run resuming the
 * task from the journal finds what an earlier run left; a second download
 * of the same task at the same time (another run of the same request, in
 * this process or another) finds it locked and takes the next name. */
static char *
claim_part_file (WanR2vJob * job, const char *video_path, GError ** error)
{
  g_autofree char *task = g_strdup (job->task_id);
  guint i;

  g_strcanon (task, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-_", '_');
  if (job->part_lock_fd >= 0) {
    close (job->part_lock_fd);
    job->part_lock_fd = -1;
  }
  for (i = 0; i < MAX_PART_FILES; i++) {
    g_autofree char *path = i == 0 ? g_strdup_printf ("%s.%s.part",
        video_path, task) : g_strdup_printf ("%s.%s.%u.part", video_path,
        task, i);
    /* O_NOFOLLOW: a link planted under this name is refused, not written
     * through; 0600 (and fchmod, for a file an older version left): a
     * paid video is the user's only. */
    int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd >= 0 && fchmod (fd, 0600) != 0) {
      close (fd);
      fd = -1;
    }
    if (fd < 0) {
      int err = errno;

      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_IO,
          "Could not open %s for writing: %s", path, g_strerror (err));
      return NULL;
    }
    if (flock (fd, LOCK_EX | LOCK_NB) == 0) {
      job->part_lock_fd = fd;
      return g_steal_pointer (&path);
    }
    close (fd);
  }
  g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_IO,
      "Task %s is being downloaded into %s %u times at once already",
      job->task_id, job->output_dir, MAX_PART_FILES);
  return NULL;
}

void
wanr2v_job_enter_downloading (WanR2vJob * job)
{
  g_autofree char *name = NULL, *video_path = NULL, *part_path = NULL;
  GError *error = NULL;
  struct stat st;
  guint64 offset = 0;

  if (job->last_info->video_url == NULL || *job->last_info->video_url == 0) {
    wanr2v_job_fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
            "Task %s SUCCEEDED but the service gave no video_url",
            job->task_id), NULL);
    return;
  }
  if (g_mkdir_with_parents (job->output_dir, 0700) != 0) {
    int err = errno;

    wanr2v_job_fail (job, g_error_new (WANR2V_ERROR, WANR2V_ERROR_IO,
            "Could not create the directory %s for the video: %s",
            job->output_dir, g_strerror (err)), NULL);
    return;
  }

  /* Kept under the request's key, or else the task id (a UUID from the
   * service: keep only safe characters). */
  name = g_strdup (job->key ? job->key : job->task_id);
  g_strcanon (name, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-_", '_');

  video_path = wanr2v_cache_video_path (job->output_dir, name);
  part_path = claim_part_file (job, video_path, &error);
  if (part_path == NULL) {
    wanr2v_job_fail (job, error, NULL);
    return;
  }
  g_mutex_lock (&job->lock);
  job->video_path = g_steal_pointer (&video_path);
  job->part_path = g_steal_pointer (&part_path);
  g_mutex_unlock (&job->lock);

  job->attempts = 0;
  wanr2v_job_set_phase (job, WANR2V_JOB_PHASE_DOWNLOADING);
  /* An earlier run stopped mid-download (the journal brought us back to
   * this task): go on from what it left on disk. */
  if (job->key && fstat (job->part_lock_fd, &st) == 0 && st.st_size > 0)
    offset = st.st_size;
  if (offset > 0)
    g_info ("resuming the download of task %s at byte %" G_GUINT64_FORMAT,
        job->task_id, offset);
  download_from (job, offset, 0);
}

/* A kept video: done at once, no task. */
void
wanr2v_job_enter_serving (WanR2vJob * job)
{
  g_mutex_lock (&job->lock);
  job->video_path = g_strdup (job->cached_path);
  job->task_id = g_strdup (job->cached_task_id);
  job->renamed = TRUE;
  job->written = job->cached_size;
  job->total = job->cached_size;
  g_mutex_unlock (&job->lock);

  g_debug ("job %p: serving the kept video %s", job, job->cached_path);
  wanr2v_job_finish (job);
}
