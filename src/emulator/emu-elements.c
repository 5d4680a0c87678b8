/* emu-elements.c: the GStreamer elements the emulator needs. */
#include "emu-elements.h"

#include <gst/gst.h>
#include <string.h>

/* Created by name (emu-render.c, emu-media.c), then the decoders and
 * demuxers that decodebin picks for the formats the service accepts:
 * JPEG, PNG, BMP and WEBP images; MP4/MOV (H.264) videos; WAV and MP3
 * voices.  A missing decoder would make a valid reference fail its task. */
static const EmuElement elements[] = {
  {"appsrc", "gstreamer1.0-plugins-base", "feeds images and frames"},
  {"appsink", "gstreamer1.0-plugins-base", "takes decoded references"},
  {"giostreamsrc", "gstreamer1.0-plugins-base", "reads reference videos"},
  {"decodebin", "gstreamer1.0-plugins-base", "decodes references"},
  {"uridecodebin", "gstreamer1.0-plugins-base", "measures durations"},
  {"videoconvert", "gstreamer1.0-plugins-base", "converts references"},
  {"videoscale", "gstreamer1.0-plugins-base", "scales references to tiles"},
  {"audiotestsrc", "gstreamer1.0-plugins-base", "the video's sound"},
  {"audioconvert", "gstreamer1.0-plugins-base", "the video's sound"},
  {"capsfilter", "libgstreamer1.0-0", "fixes formats"},
  {"fakesink", "libgstreamer1.0-0", "drains streams it does not use"},
  {"filesink", "libgstreamer1.0-0", "writes the video"},
  {"textoverlay", "gstreamer1.0-x", "draws the labels and the prompt"},
  {"x264enc", "gstreamer1.0-plugins-ugly", "encodes the video (H.264)"},
  {"voaacenc", "gstreamer1.0-plugins-bad", "encodes the sound (AAC)"},
  {"mp4mux", "gstreamer1.0-plugins-good", "writes the MP4"},
  {"pngdec", "gstreamer1.0-plugins-good", "decodes PNG references"},
  {"jpegdec", "gstreamer1.0-plugins-good", "decodes JPEG references"},
  {"avdec_bmp", "gstreamer1.0-libav", "decodes BMP references"},
  {"webpdec", "gstreamer1.0-plugins-bad", "decodes WEBP references"},
  {"qtdemux", "gstreamer1.0-plugins-good", "reads MP4/MOV references"},
  {"h264parse", "gstreamer1.0-plugins-bad", "parses H.264 references"},
  {"avdec_h264", "gstreamer1.0-libav", "decodes H.264 references"},
  {"aacparse", "gstreamer1.0-plugins-good", "reads reference videos' sound"},
  {"avdec_aac", "gstreamer1.0-libav", "decodes reference videos' sound"},
  {"wavparse", "gstreamer1.0-plugins-good", "reads WAV voices"},
  {"id3demux", "gstreamer1.0-plugins-good", "reads tagged MP3 voices"},
  {"mpegaudioparse", "gstreamer1.0-plugins-good", "reads MP3 voices"},
  {"avdec_mp3", "gstreamer1.0-libav", "decodes MP3 voices"},
  {NULL, NULL, NULL}
};

const EmuElement *
emu_elements_table (void)
{
  return elements;
}

gboolean
emu_elements_is_declared (const char *name)
{
  const EmuElement *e;

  for (e = elements; e->name != NULL; e++)
    if (strcmp (e->name, name) == 0)
      return TRUE;
  return FALSE;
}

GPtrArray *
emu_elements_missing (void)
{
  GPtrArray *missing = NULL;
  const EmuElement *e;

  for (e = elements; e->name != NULL; e++) {
    GstElementFactory *factory = gst_element_factory_find (e->name);

    if (factory != NULL) {
      gst_object_unref (factory);
      continue;
    }
    if (missing == NULL)
      missing = g_ptr_array_new ();
    g_ptr_array_add (missing, (gpointer) e);
  }
  return missing;
}
