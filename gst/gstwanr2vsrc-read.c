/* gstwanr2vsrc-read.c: how wanr2vsrc serves the video as GstBaseSrc:
 * waiting for the bytes a read needs, reading them from the file on disk
 * into the buffer GstBaseSrc hands over (fill), the size, unlocking a
 * wait, and the tags sent downstream in push mode.
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-private.h"

#include <errno.h>
#include <unistd.h>

#define GST_CAT_DEFAULT gst_wanr2v_src_debug

/* Cheap and idempotent: GstBaseSrc calls it once more as a probe. */
static gboolean
gst_wanr2v_src_start (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  self->fd = -1;
  self->whole_size = -1;
  return TRUE;
}

static gboolean
gst_wanr2v_src_stop (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  if (self->fd >= 0) {
    close (self->fd);
    self->fd = -1;
  }
  self->whole_size = -1;
  return TRUE;
}

static gboolean
gst_wanr2v_src_is_seekable (GstBaseSrc * src)
{
  /* The video is a file on disk: any offset can be read once it is there. */
  return TRUE;
}

static gboolean
gst_wanr2v_src_get_size (GstBaseSrc * src, guint64 * size)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);
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

static gboolean
gst_wanr2v_src_unlock (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  GST_DEBUG_OBJECT (self, "unlock");
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cancellable_cancel (self->wait_cancellable);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_wanr2v_src_unlock_stop (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  g_object_unref (self->wait_cancellable);
  self->wait_cancellable = g_cancellable_new ();
  g_mutex_unlock (&self->lock);
  return TRUE;
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

GstTagList *
gst_wanr2v_src_update_tags (GstWanR2vSrc * self, GstTagList * tags,
    gboolean replace)
{
  GstTagList *merged;

  g_mutex_lock (&self->lock);
  merged = replace || self->tags == NULL ? gst_tag_list_ref (tags) :
      gst_tag_list_merge (self->tags, tags, GST_TAG_MERGE_REPLACE);
  if (replace || self->tags == NULL
      || !gst_tag_list_is_equal (self->tags, merged)) {
    gst_clear_tag_list (&self->tags);
    self->tags = gst_tag_list_ref (merged);
    self->tags_pending = TRUE;
  }
  g_mutex_unlock (&self->lock);
  gst_tag_list_unref (tags);
  return merged;
}

/* In push mode, sends the run's tags downstream as a TAG event when they
 * changed since they were last sent: before the first buffer (the model
 * and prompt of the request, and the task), and again when the finished
 * video adds to them.  Streaming thread only, as souphttpsrc does from
 * its create().  In pull mode a source pushes no events: the bus message
 * (gstwanr2vsrc-job.c) carries the tags instead. */
static void
push_pending_tags (GstWanR2vSrc * self)
{
  GstPad *pad = GST_BASE_SRC_PAD (self);
  GstTagList *tags = NULL;
  gboolean push_mode;

  GST_OBJECT_LOCK (pad);
  push_mode = GST_PAD_MODE (pad) == GST_PAD_MODE_PUSH;
  GST_OBJECT_UNLOCK (pad);
  if (!push_mode)
    return;

  g_mutex_lock (&self->lock);
  if (self->tags_pending && self->tags)
    tags = gst_tag_list_ref (self->tags);
  self->tags_pending = FALSE;
  g_mutex_unlock (&self->lock);

  if (tags) {
    GST_DEBUG_OBJECT (self, "sending tags %" GST_PTR_FORMAT, tags);
    gst_pad_push_event (pad, gst_event_new_tag (tags));
  }
}

/* Reads [@offset, @offset + @length) of the open video into @buf, which
 * GstBaseSrc took from the allocator or pool downstream proposed, or which
 * downstream itself provided (pull mode): filled in place, no copy.  The
 * bytes are on disk.  @job (NULL once the video is whole) is asked why a
 * read came up short. */
static GstFlowReturn
read_into (GstWanR2vSrc * self, WanR2vJob * job, GCancellable * cancellable,
    guint64 offset, guint length, GstBuffer * buf)
{
  GstMapInfo map;
  gsize done = 0, buf_offset, buf_maxsize;

  /* A pool's buffer may be smaller than asked: a shorter buffer is fine
   * in push mode, the next read starts where it ends. */
  gst_buffer_get_sizes (buf, &buf_offset, &buf_maxsize);
  length = MIN (length, buf_maxsize - buf_offset);

  gst_buffer_set_size (buf, length);
  if (!gst_buffer_map (buf, &map, GST_MAP_WRITE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not map the buffer to "
            "fill"), (NULL));
    return GST_FLOW_ERROR;
  }
  while (done < length) {
    gssize n = pread (self->fd, map.data + done, length - done, offset + done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = errno;
      g_autoptr (GError) job_error = NULL;
      guint64 ignored_available = 0;
      gboolean ignored_complete = FALSE;

      gst_buffer_unmap (buf, &map);
      /* The download empties a video it finds bad (a checksum mismatch)
       * just before the job fails with the reason: wait for the job's
       * outcome (its end, or its error), so that the error says why, not
       * the short read it caused. */
      if (job && !wanr2v_job_wait_for_data (job, 0, G_MAXUINT64,
              &ignored_available, &ignored_complete, cancellable,
              &job_error)) {
        if (g_error_matches (job_error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED))
          return GST_FLOW_FLUSHING;
        return gst_wanr2v_src_post_job_error (self, job, job_error);
      }
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("Could not read the downloaded video at offset %" G_GUINT64_FORMAT
              ": %s", offset + done, n == 0 ? "file too short" :
              g_strerror (err)), (NULL));
      return GST_FLOW_ERROR;
    }
    done += n;
  }
  gst_buffer_unmap (buf, &map);

  GST_BUFFER_OFFSET (buf) = offset;
  GST_BUFFER_OFFSET_END (buf) = offset + length;

  /* Our caps are fixed and we have no buffer pool of our own, so a
   * RECONFIGURE (sent when a demuxer links its pads) has nothing to
   * change.  Renegotiating would send a serialized ALLOCATION query that
   * a queue in between can hold for ever in GStreamer 1.22 (filesrc !
   * queue ! qtdemux shows it too): drop the request here. */
  gst_pad_check_reconfigure (GST_BASE_SRC_PAD (self));
  return GST_FLOW_OK;
}

/* Fills @buf with [@offset, @offset + @length), waiting until those bytes
 * are on disk. */
static GstFlowReturn
gst_wanr2v_src_fill (GstBaseSrc * src, guint64 offset, guint length,
    GstBuffer * buf)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);
  g_autoptr (GCancellable) cancellable = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WanR2vJob) job = NULL;
  guint64 available = 0, end;
  gboolean complete = FALSE;
  gint64 total;

  /* The whole video is on disk and its messages are out: a plain read,
   * as filesrc's (a 200 MB kept video is 3200 of them). */
  if (self->whole_size >= 0) {
    if (offset >= (guint64) self->whole_size)
      return GST_FLOW_EOS;
    return read_into (self, NULL, NULL, offset,
        MIN (length, (guint64) self->whole_size - offset), buf);
  }

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
  push_pending_tags (self);

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

void
gst_wanr2v_src_read_class_init (GstBaseSrcClass * basesrc_class)
{
  basesrc_class->start = gst_wanr2v_src_start;
  basesrc_class->stop = gst_wanr2v_src_stop;
  basesrc_class->is_seekable = gst_wanr2v_src_is_seekable;
  basesrc_class->get_size = gst_wanr2v_src_get_size;
  basesrc_class->unlock = gst_wanr2v_src_unlock;
  basesrc_class->unlock_stop = gst_wanr2v_src_unlock_stop;
  basesrc_class->fill = gst_wanr2v_src_fill;
}
