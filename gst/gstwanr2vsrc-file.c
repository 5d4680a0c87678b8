/* gstwanr2vsrc-file.c: reading the video file into GstBaseSrc's buffers,
 * and the stream's tags.
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built into the plugin and into its engine (see gstwanr2vsrc-engine.h):
 * the plugin serves a kept video with these alone, the engine a video
 * that is still downloading.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-private.h"

#include <errno.h>
#include <unistd.h>

#define GST_CAT_DEFAULT gst_wanr2v_src_debug

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

/* Streaming thread only, as souphttpsrc does from its create().  In pull
 * mode a source pushes no events: the bus message carries the tags
 * instead. */
void
gst_wanr2v_src_push_pending_tags (GstWanR2vSrc * self)
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

GstFlowReturn
gst_wanr2v_src_read_file (GstWanR2vSrc * self, guint64 offset, guint length,
    GstBuffer * buf, GstWanR2vSrcShortRead * short_read)
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
      short_read->err = n == 0 ? 0 : errno;
      short_read->offset = offset + done;
      gst_buffer_unmap (buf, &map);
      return GST_WANR2V_SRC_FLOW_SHORT_READ;
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

GstFlowReturn
gst_wanr2v_src_read_failed (GstWanR2vSrc * self,
    const GstWanR2vSrcShortRead * short_read)
{
  GST_ELEMENT_ERROR (self, RESOURCE, READ,
      ("Could not read the downloaded video at offset %" G_GUINT64_FORMAT
          ": %s", short_read->offset, short_read->err == 0 ?
          "file too short" : g_strerror (short_read->err)), (NULL));
  return GST_FLOW_ERROR;
}
