/* wanr2v-job-reader.c: the reader's side of a job (any thread): waits
 * for the bytes it needs, opens the video, and reads the job's state.
 * Everything here is under the job's lock; the HTTP thread signals
 * @cond when something a reader waits for changes.
 */
#include "wanr2v-job-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>

static void
wake_waiters (GCancellable * cancellable, gpointer data)
{
  WanR2vJob *job = data;

  g_mutex_lock (&job->lock);
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

gboolean
wanr2v_job_wait_for_data (WanR2vJob * job, guint64 offset, guint64 end,
    guint64 * available, gboolean * complete, GCancellable * cancellable,
    GError ** error)
{
  gulong handler = 0;
  gboolean ret = FALSE, listening = FALSE;
  guint64 asked = G_MAXUINT64;

  g_mutex_lock (&job->lock);
  for (;;) {
    guint64 extent;

    if (job->error) {
      g_propagate_error (error, g_error_copy (job->error));
      break;
    }
    /* [offset, extent) is on disk, whether the download got there or a
     * piece fetched for a reader. */
    extent = wanr2v_ranges_extent (job->on_disk, offset);
    if (job->download_started && (job->complete || extent >= end)) {
      *available = job->complete ? job->written : extent;
      *complete = job->complete;
      ret = TRUE;
      break;
    }
    if (job->stopped || g_cancellable_is_cancelled (cancellable)) {
      g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
          "Stopped while waiting for the video");
      break;
    }
    /* Only a read that has to wait listens for @cancellable: a connection
     * costs a closure, and most reads (all of a cache hit's) find their
     * bytes on disk.  Connected without the lock, since a cancellable
     * that fires meanwhile calls wake_waiters at once; then everything
     * is checked again. */
    if (cancellable && !listening) {
      g_mutex_unlock (&job->lock);
      handler = g_cancellable_connect (cancellable,
          G_CALLBACK (wake_waiters), job, NULL);
      listening = TRUE;
      g_mutex_lock (&job->lock);
      continue;
    }
    /* Asks for the first missing byte, again whenever a piece brought
     * some of what this read needs but not all. */
    if (job->download_started && job->total > 0 && extent != asked
        && extent < (guint64) job->total) {
      asked = extent;
      job->wanted = extent;
      wanr2v_job_fetch_ahead (job);
    }
    g_cond_wait (&job->cond, &job->lock);
  }
  if (asked != G_MAXUINT64 && job->wanted == asked)
    job->wanted = G_MAXUINT64;
  g_mutex_unlock (&job->lock);

  if (handler)
    g_cancellable_disconnect (cancellable, handler);
  return ret;
}

int
wanr2v_job_open_video (WanR2vJob * job, GError ** error)
{
  int fd = -1;

  g_mutex_lock (&job->lock);
  /* Under the lock: the .part file is renamed when the download completes. */
  if (job->video_path) {
    const char *path = job->renamed ? job->video_path : job->part_path;

    fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    if (fd < 0) {
      int err = errno;

      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_IO,
          "Could not open the downloaded video %s: %s", path,
          g_strerror (err));
    }
  } else {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_IO,
        "The video has no file yet");
  }
  g_mutex_unlock (&job->lock);
  return fd;
}

WanR2vErrorInfo *
wanr2v_job_dup_error_details (WanR2vJob * job)
{
  WanR2vErrorInfo *details;

  g_mutex_lock (&job->lock);
  details = job->details ? wanr2v_error_info_copy (job->details) : NULL;
  g_mutex_unlock (&job->lock);
  return details;
}

const WanR2vRequest *
wanr2v_job_get_request (WanR2vJob * job)
{
  return job->request;
}

char *
wanr2v_job_dup_task_id (WanR2vJob * job)
{
  char *id;

  g_mutex_lock (&job->lock);
  id = g_strdup (job->task_id);
  g_mutex_unlock (&job->lock);
  return id;
}

char *
wanr2v_job_dup_key (WanR2vJob * job)
{
  /* Set once, in PREPARING or at the start, before anything is served. */
  return g_strdup (job->key);
}


WanR2vJobPhase
wanr2v_job_get_phase (WanR2vJob * job)
{
  WanR2vJobPhase phase;

  g_mutex_lock (&job->lock);
  phase = job->phase;
  g_mutex_unlock (&job->lock);
  return phase;
}

guint64
wanr2v_job_get_available (WanR2vJob * job)
{
  guint64 written;

  g_mutex_lock (&job->lock);
  written = job->download_started ? job->written : 0;
  g_mutex_unlock (&job->lock);
  return written;
}


gint64
wanr2v_job_get_size (WanR2vJob * job)
{
  gint64 size;

  g_mutex_lock (&job->lock);
  size = job->total;
  g_mutex_unlock (&job->lock);
  return size;
}
