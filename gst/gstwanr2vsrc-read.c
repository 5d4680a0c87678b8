/* gstwanr2vsrc-read.c: how the engine serves a video that has a job:
 * waiting for the bytes a read needs, reading them from the file on disk
 * into the buffer GstBaseSrc hands over (fill), the size, unlocking a
 * wait.  (The plugin's GstBaseSrc functions, gstwanr2vsrc-front.c, call
 * these while a run has a job; gstwanr2vsrc-file.c does the reading.)
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-private.h"


#define GST_CAT_DEFAULT gst_wanr2v_src_debug

gboolean
gst_wanr2v_src_engine_get_size (GstWanR2vSrc * self, guint64 * size)
{
  gint64 total = -1;

  g_mutex_lock (&self->lock);
  if (self->job)
    total = wanr2v_job_get_size (self->job);
  g_mutex_unlock (&self->lock);

  if (total < 0)
    return FALSE;
  *size = total;
  return TRUE;
}

/* With the lock held (the plugin set flushing). */
void
gst_wanr2v_src_engine_unlock (GstWanR2vSrc * self)
{
  if (self->wait_cancellable)
    g_cancellable_cancel (self->wait_cancellable);
}

/* With the lock held (the plugin cleared flushing). */
void
gst_wanr2v_src_engine_unlock_stop (GstWanR2vSrc * self)
{
  g_clear_object (&self->wait_cancellable);
  self->wait_cancellable = g_cancellable_new ();
}

/* Waits until this run's job exists (pull mode may ask for data before the
 * element itself reached PAUSED).  Returns a reference, or NULL when
 * flushing. */
static WanR2vJob *
wait_for_job (GstWanR2vSrc * self, GCancellable ** cancellable)
{
  WanR2vJob *job = NULL;

  g_mutex_lock (&self->lock);
  while (self->job == NULL && !self->flushing)
    g_cond_wait (&self->cond, &self->lock);
  if (!self->flushing) {
    job = wanr2v_job_ref (self->job);
    *cancellable = g_object_ref (self->wait_cancellable);
  }
  g_mutex_unlock (&self->lock);
  return job;
}

/* Reads [@offset, @offset + @length) of the open video into @buf (see
 * gst_wanr2v_src_read_file()).  The bytes are on disk; @job is asked why a
 * read came up short. */
static GstFlowReturn
read_into (GstWanR2vSrc * self, WanR2vJob * job, GCancellable * cancellable,
    guint64 offset, guint length, GstBuffer * buf)
{
  GstWanR2vSrcShortRead short_read;
  g_autoptr (GError) job_error = NULL;
  guint64 ignored_available = 0;
  gboolean ignored_complete = FALSE;
  GstFlowReturn ret;

  ret = gst_wanr2v_src_read_file (self, offset, length, buf, &short_read);
  if (ret != GST_WANR2V_SRC_FLOW_SHORT_READ)
    return ret;
  /* The download empties a video it finds bad (a checksum mismatch) just
   * before the job fails with the reason: wait for the job's outcome (its
   * end, or its error), so that the error says why, not the short read it
   * caused. */
  if (!wanr2v_job_wait_for_data (job, 0, G_MAXUINT64, &ignored_available,
          &ignored_complete, cancellable, &job_error)) {
    if (g_error_matches (job_error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED))
      return GST_FLOW_FLUSHING;
    return gst_wanr2v_src_post_job_error (self, job, job_error);
  }
  return gst_wanr2v_src_read_failed (self, &short_read);
}

/* Fills @buf with [@offset, @offset + @length), waiting until those bytes
 * are on disk. */
GstFlowReturn
gst_wanr2v_src_engine_fill (GstWanR2vSrc * self, guint64 offset,
    guint length, GstBuffer * buf)
{
  g_autoptr (GCancellable) cancellable = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WanR2vJob) job = NULL;
  guint64 available = 0, end;
  gboolean complete = FALSE;
  gint64 total;

  job = wait_for_job (self, &cancellable);
  if (job == NULL)
    return GST_FLOW_FLUSHING;

  /* Once the size is known, a read past the end while the download still
   * runs is EOS at once (qtdemux probes for an atom header at exactly the
   * file size, and a faststart video must not wait for its whole download
   * because of that); a read that crosses the end waits only for the bytes
   * that exist.  With every byte on disk, the wait below is for the
   * announcement of the finished video, so that its messages come before
   * the stream's EOS. */
  total = wanr2v_job_get_size (job);
  if (total >= 0 && offset >= (guint64) total
      && wanr2v_job_get_available (job) < (guint64) total)
    return GST_FLOW_EOS;
  end = offset + length;
  if (total >= 0 && offset < (guint64) total)
    end = MIN (end, (guint64) total);

  if (!wanr2v_job_wait_for_data (job, offset, end, &available, &complete,
          cancellable, &error)) {
    if (g_error_matches (error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED))
      return GST_FLOW_FLUSHING;
    return gst_wanr2v_src_post_job_error (self, job, error);
  }
  /* The task exists once there are bytes: the tags name it. */
  gst_wanr2v_src_push_pending_tags (self);

  if (offset >= available) {
    GST_DEBUG_OBJECT (self, "EOS at %" G_GUINT64_FORMAT, offset);
    return GST_FLOW_EOS;
  }
  if (self->fd < 0) {
    self->fd = wanr2v_job_open_video (job, &error);
    if (self->fd < 0) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error->message),
          (NULL));
      return GST_FLOW_ERROR;
    }
  }
  /* Complete: the file has its final size (the descriptor was opened on
   * it, or on the .part file that was renamed to it), and the finished
   * video's tags went out just above. */
  if (complete && self->whole_size < 0) {
    GST_DEBUG_OBJECT (self, "the whole video (%" G_GUINT64_FORMAT " bytes) "
        "is on disk: reading it directly from now on", available);
    self->whole_size = available;
  }
  return read_into (self, job, cancellable, offset,
      MIN (length, available - offset), buf);
}
