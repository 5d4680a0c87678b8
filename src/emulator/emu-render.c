/* emu-render.c: the emulator's video generator.
 *
 * Two phases, both plain GStreamer pipelines driven from the calling thread
 * (no GMainLoop: the bus is polled with gst_bus_timed_pop_filtered):
 *
 *  1. decode: every reference (and the optional first frame) is decoded
 *     once, straight to RGBx at the size it is drawn at;
 *  2. encode: the static part of the picture (background, tiles) is composed
 *     once in RGBx and converted once to I420; every frame is then a copy of
 *     it plus a moving marker, produced on demand in appsrc's need-data
 *     callback.  textoverlay draws the labels and the prompt, x264enc and
 *     voaacenc encode, mp4mux writes the file.
 *
 * Everything lives in per-call structures, so several renders may run at
 * once in different threads.
 */
#include "emu-render.h"

#include "emu-elements.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

/* Application messages posted on a pipeline's bus to wake the polling
 * thread: the caller cancelled, or decodebin found no video stream. */
#define MSG_CANCELLED "emu-render/cancelled"
#define MSG_NO_VIDEO "emu-render/no-video"

/* A reference that takes longer than this to give its first frame is
 * treated as undecodable rather than stalling the task forever. */
#define DECODE_TIMEOUT (30 * GST_SECOND)

/* Audio: 48 kHz in buffers of 1/30 s, so a whole number of buffers makes
 * exactly the requested duration. */
#define AUDIO_RATE 48000
#define AUDIO_SAMPLES_PER_BUFFER (AUDIO_RATE / EMU_RENDER_FPS)

static inline guint
round_even (guint v)
{
  return v & ~1u;
}

/* ---------------------------------------------------------------------- */
/* Layout                                                                 */
/* ---------------------------------------------------------------------- */

/* The frame is split in horizontal bands, top to bottom:
 *   [0, 6%)     marker band: a bar sweeping once a second + a progress line
 *   [6%, 20%)   labels ("Image 1" ...), just above their tiles
 *   [20%, 66%)  tiles, side by side, centred, separated by gaps
 *   [70%, 100%) the prompt's text, wrapped; whatever does not fit is cut */
#define TILE_BAND_TOP_PCT 20
#define TILE_BAND_HEIGHT_PCT 46
#define PROMPT_BAND_TOP_PCT 70
#define MARKER_BAND_PCT 6

void
emu_render_tile_rect (guint width, guint height, guint index,
    guint n_references, guint * x, guint * y, guint * w, guint * h)
{
  guint margin, gap, band_top, band_h, avail, tw, th, total, x0;

  *x = *y = *w = *h = 0;
  if (n_references == 0 || index >= n_references)
    return;

  margin = round_even (width / 25);
  gap = MAX (2, round_even (width / 50));
  band_top = round_even (height * TILE_BAND_TOP_PCT / 100);
  band_h = round_even (height * TILE_BAND_HEIGHT_PCT / 100);

  avail = width - 2 * margin - (n_references - 1) * gap;
  tw = round_even (avail / n_references);
  /* A lone reference in a wide frame would become a flat strip: keep tiles
   * no wider than 3:2 and no taller than 1:2, which still fills the band
   * with up to five references at every output size. */
  tw = MIN (tw, round_even (band_h * 3 / 2));
  tw = MAX (tw, 2);
  th = MIN (band_h, round_even (tw * 2));

  total = n_references * tw + (n_references - 1) * gap;
  x0 = round_even ((width - MIN (total, width)) / 2);

  *x = x0 + index * (tw + gap);
  *y = band_top + round_even ((band_h - th) / 2);
  *w = tw;
  *h = th;
}

void
emu_render_reference_free (EmuRenderReference * ref)
{
  if (ref == NULL)
    return;
  g_clear_pointer (&ref->data, g_bytes_unref);
  g_free (ref->label);
  g_free (ref->note);
  g_free (ref);
}

/* ---------------------------------------------------------------------- */
/* Bus polling with cancellation                                          */
/* ---------------------------------------------------------------------- */

static void
post_cancelled (GCancellable * cancellable, gpointer user_data)
{
  GstBus *bus = user_data;

  gst_bus_post (bus, gst_message_new_application (NULL,
          gst_structure_new_empty (MSG_CANCELLED)));
}

/* Makes @cancellable wake whoever waits on @bus.  Returns the handler id for
 * g_cancellable_disconnect (0 without a cancellable). */
static gulong
connect_cancellable (GCancellable * cancellable, GstBus * bus)
{
  if (cancellable == NULL)
    return 0;
  return g_cancellable_connect (cancellable, G_CALLBACK (post_cancelled),
      gst_object_ref (bus), gst_object_unref);
}

static gboolean
message_is (GstMessage * msg, const char *name)
{
  const GstStructure *s;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_APPLICATION)
    return FALSE;
  s = gst_message_get_structure (msg);
  return s != NULL && gst_structure_has_name (s, name);
}

/* "message (debug)" of an ERROR message, for GError texts. */
static char *
describe_error_message (GstMessage * msg)
{
  g_autoptr (GError) err = NULL;
  g_autofree char *debug = NULL;

  gst_message_parse_error (msg, &err, &debug);
  if (debug != NULL)
    return g_strdup_printf ("%s (%s)", err->message, debug);
  return g_strdup (err->message);
}

/* ---------------------------------------------------------------------- */
/* Decoding one frame of a reference                                      */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GstElement *pipeline;
  GstElement *convert;          /* head of the video branch */
  gint video_linked;            /* atomic */
} DecodeJob;

static void
on_decoded_pad (GstElement * decodebin, GstPad * pad, DecodeJob * job)
{
  g_autoptr (GstCaps) caps = gst_pad_query_caps (pad, NULL);
  const GstStructure *s = gst_caps_get_structure (caps, 0);

  if (g_str_has_prefix (gst_structure_get_name (s), "video/")
      && g_atomic_int_compare_and_exchange (&job->video_linked, 0, 1)) {
    g_autoptr (GstPad) sinkpad =
        gst_element_get_static_pad (job->convert, "sink");
    gst_pad_link (pad, sinkpad);
  } else {
    /* Other streams (a video's audio, a second video) must flow somewhere,
     * or the demuxer may give up with not-linked. */
    GstElement *fakesink = gst_element_factory_make ("fakesink", NULL);
    g_autoptr (GstPad) sinkpad = NULL;

    g_object_set (fakesink, "async", FALSE, "sync", FALSE, NULL);
    gst_bin_add (GST_BIN (job->pipeline), fakesink);
    sinkpad = gst_element_get_static_pad (fakesink, "sink");
    gst_pad_link (pad, sinkpad);
    gst_element_sync_state_with_parent (fakesink);
  }
}

static void
on_no_more_pads (GstElement * decodebin, DecodeJob * job)
{
  if (!g_atomic_int_get (&job->video_linked))
    gst_element_post_message (job->pipeline,
        gst_message_new_application (GST_OBJECT (decodebin),
            gst_structure_new_empty (MSG_NO_VIDEO)));
}

/* Every element comes from emu-elements.c's table, which the emulator
 * checks at start-up: one it does not declare is a bug in the emulator,
 * caught by the first test that renders. */
static GstElement *
make_element (const char *factory, GError ** error)
{
  GstElement *e;

  if (!emu_elements_is_declared (factory)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "GStreamer element '%s' is not in the emulator's table of "
        "required elements (emu-elements.c)", factory);
    return NULL;
  }
  e = gst_element_factory_make (factory, NULL);
  if (e == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
        "GStreamer element '%s' is not installed", factory);
  return e;
}

/* Decodes the first picture of @data, scaled (aspect not kept) to
 * @width x @height RGBx.  @what names the input in error messages.
 *
 * How the bytes enter matters.  A video is read through a seekable
 * giostreamsrc, so that qtdemux works in pull mode and finds a trailing
 * moov at once.  An image is pushed as one buffer by appsrc: in pull mode
 * typefind would hand it on in 4 KiB pieces, which decoders without a
 * parser (avdec_bmp) cannot use. */
static GstSample *
decode_first_frame (GBytes * data, gboolean is_video, guint width,
    guint height, const char *what, GCancellable * cancellable,
    GError ** error)
{
  const char *names[] = { is_video ? "giostreamsrc" : "appsrc",
    "decodebin", "videoconvert", "videoscale", "capsfilter", "appsink"
  };
  GstElement *e[G_N_ELEMENTS (names)];
  DecodeJob job = { NULL, };
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstSample *sample = NULL;
  gulong cancel_id;
  gint64 deadline;
  guint i;

  if (data == NULL || g_bytes_get_size (data) == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "%s could not be decoded: it is empty", what);
    return NULL;
  }

  job.pipeline = gst_pipeline_new (NULL);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    e[i] = make_element (names[i], error);
    if (e[i] == NULL) {
      gst_object_unref (job.pipeline);
      return NULL;
    }
    gst_bin_add (GST_BIN (job.pipeline), e[i]);
  }
  job.convert = e[2];

  if (is_video) {
    stream = g_memory_input_stream_new_from_bytes (data);
    g_object_set (e[0], "stream", stream, NULL);
  }
  g_object_set (e[3], "add-borders", FALSE, NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBx",
      "width", G_TYPE_INT, (gint) width, "height", G_TYPE_INT, (gint) height,
      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  g_object_set (e[4], "caps", caps, NULL);
  g_object_set (e[5], "sync", FALSE, "max-buffers", 1, NULL);

  gst_element_link (e[0], e[1]);
  gst_element_link_many (e[2], e[3], e[4], e[5], NULL);
  g_signal_connect (e[1], "pad-added", G_CALLBACK (on_decoded_pad), &job);
  g_signal_connect (e[1], "no-more-pads", G_CALLBACK (on_no_more_pads), &job);

  bus = gst_element_get_bus (job.pipeline);
  cancel_id = connect_cancellable (cancellable, bus);
  deadline = g_get_monotonic_time () + DECODE_TIMEOUT / GST_USECOND;

  gst_element_set_state (job.pipeline, GST_STATE_PAUSED);
  if (!is_video) {
    /* appsrc only takes buffers once started. */
    gst_app_src_push_buffer (GST_APP_SRC (e[0]),
        gst_buffer_new_wrapped_bytes (data));
    gst_app_src_end_of_stream (GST_APP_SRC (e[0]));
  }
  for (;;) {
    gint64 left = deadline - g_get_monotonic_time ();
    g_autoptr (GstMessage) msg = NULL;

    if (left <= 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
          "%s could not be decoded: no picture after %u s", what,
          (guint) (DECODE_TIMEOUT / GST_SECOND));
      break;
    }
    msg = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_APPLICATION);
    if (msg == NULL)
      continue;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      g_autofree char *text = describe_error_message (msg);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "%s could not be decoded: %s", what, text);
      break;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE) {
      sample = gst_app_sink_try_pull_preroll (GST_APP_SINK (e[5]), 0);
      if (sample == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
            "%s could not be decoded: it holds no picture", what);
      break;
    } else if (message_is (msg, MSG_NO_VIDEO)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "%s could not be decoded: it holds no picture", what);
      break;
    } else if (message_is (msg, MSG_CANCELLED)) {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
          "Rendering was cancelled");
      break;
    }
  }

  if (cancel_id != 0)
    g_cancellable_disconnect (cancellable, cancel_id);
  gst_element_set_state (job.pipeline, GST_STATE_NULL);
  gst_object_unref (job.pipeline);
  return sample;
}

/* ---------------------------------------------------------------------- */
/* Composing the static picture                                           */
/* ---------------------------------------------------------------------- */

/* Copies a decoded RGBx @sample into @dest at (@x, @y); the sample has
 * exactly the size of the destination rectangle. */
static void
blit_sample (GstVideoFrame * dest, GstSample * sample, guint x, guint y)
{
  GstVideoInfo info;
  GstVideoFrame src;
  guint8 *d = GST_VIDEO_FRAME_PLANE_DATA (dest, 0);
  gint dstride = GST_VIDEO_FRAME_PLANE_STRIDE (dest, 0);
  guint row, w, h;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
      || !gst_video_frame_map (&src, &info, gst_sample_get_buffer (sample),
          GST_MAP_READ))
    return;

  w = MIN ((guint) GST_VIDEO_FRAME_WIDTH (&src),
      GST_VIDEO_FRAME_WIDTH (dest) - x);
  h = MIN ((guint) GST_VIDEO_FRAME_HEIGHT (&src),
      GST_VIDEO_FRAME_HEIGHT (dest) - y);
  for (row = 0; row < h; row++)
    memcpy (d + (gsize) (y + row) * dstride + x * 4,
        (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&src, 0)
        + (gsize) row * GST_VIDEO_FRAME_PLANE_STRIDE (&src, 0), w * 4);
  gst_video_frame_unmap (&src);
}

/* A dark blue-to-purple vertical gradient: the background when no first
 * frame is given. */
static void
fill_gradient (GstVideoFrame * frame)
{
  guint8 *d = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  guint w = GST_VIDEO_FRAME_WIDTH (frame), h = GST_VIDEO_FRAME_HEIGHT (frame);
  guint row, col;

  for (row = 0; row < h; row++) {
    guint8 *p = d + (gsize) row * stride;
    guint8 r = 16 + 40 * row / h, g = 20, b = 48 - 16 * row / h;

    for (col = 0; col < w; col++, p += 4) {
      p[0] = r;
      p[1] = g;
      p[2] = b;
      p[3] = 0xff;
    }
  }
}

/* A reference the emulator could not fetch: mid-grey with darker diagonal
 * stripes, so that it reads as "something stands here" and never as the
 * colour of a real reference. */
static void
fill_placeholder (GstVideoFrame * frame, guint x, guint y, guint w, guint h)
{
  guint8 *d = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  guint row, col;

  w = MIN (w, GST_VIDEO_FRAME_WIDTH (frame) - x);
  h = MIN (h, GST_VIDEO_FRAME_HEIGHT (frame) - y);
  for (row = 0; row < h; row++) {
    guint8 *p = d + (gsize) (y + row) * stride + (gsize) x * 4;

    for (col = 0; col < w; col++, p += 4) {
      guint8 v = ((row + col) / 12) % 2 ? 96 : 128;

      p[0] = p[1] = p[2] = v;
      p[3] = 0xff;
    }
  }
}

/* Builds the part of the picture that never changes, as an I420 buffer
 * described by @info. */
static GstBuffer *
compose_static_picture (const EmuRenderSpec * spec, GstVideoInfo * info,
    GstSample * background, GstSample ** tiles, GError ** error)
{
  GstVideoInfo rgb_info;
  GstVideoFrame rgb_frame, out_frame;
  g_autoptr (GstBuffer) rgb = NULL;
  GstBuffer *out;
  GstVideoConverter *convert;
  guint i, n = spec->references->len;

  gst_video_info_set_format (&rgb_info, GST_VIDEO_FORMAT_RGBx,
      spec->width, spec->height);
  /* The converter insists on identical frame rates. */
  GST_VIDEO_INFO_FPS_N (&rgb_info) = GST_VIDEO_INFO_FPS_N (info);
  GST_VIDEO_INFO_FPS_D (&rgb_info) = GST_VIDEO_INFO_FPS_D (info);
  rgb = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&rgb_info), NULL);
  out = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  if (!gst_video_frame_map (&rgb_frame, &rgb_info, rgb, GST_MAP_READWRITE)) {
    gst_buffer_unref (out);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "Could not map a frame");
    return NULL;
  }

  if (background != NULL)
    blit_sample (&rgb_frame, background, 0, 0);
  else if (spec->first_frame_placeholder)
    fill_placeholder (&rgb_frame, 0, 0, spec->width, spec->height);
  else
    fill_gradient (&rgb_frame);

  for (i = 0; i < n; i++) {
    guint x, y, w, h;

    emu_render_tile_rect (spec->width, spec->height, i, n, &x, &y, &w, &h);
    if (tiles[i] != NULL)
      blit_sample (&rgb_frame, tiles[i], x, y);
    else
      fill_placeholder (&rgb_frame, x, y, w, h);
  }

  gst_video_frame_map (&out_frame, info, out, GST_MAP_WRITE);
  convert = gst_video_converter_new (&rgb_info, info, NULL);
  gst_video_converter_frame (convert, &rgb_frame, &out_frame);
  gst_video_converter_free (convert);
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&rgb_frame);
  return out;
}

/* ---------------------------------------------------------------------- */
/* Producing frames                                                       */
/* ---------------------------------------------------------------------- */

typedef struct
{
  GstVideoInfo info;            /* I420, output size */
  GstBuffer *picture;           /* the static part, I420 */
  guint n_frames;
  guint next_frame;             /* only touched by appsrc's streaming thread */
} FrameSource;

/* Fills a rectangle of an I420 frame; x, y, w, h are even. */
static void
fill_rect_i420 (GstVideoFrame * f, guint x, guint y, guint w, guint h,
    guint8 yv, guint8 uv, guint8 vv)
{
  const guint8 values[3] = { yv, uv, vv };
  guint c, row;

  for (c = 0; c < 3; c++) {
    guint shift = c == 0 ? 0 : 1;
    guint8 *d = GST_VIDEO_FRAME_COMP_DATA (f, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (f, c);

    for (row = y >> shift; row < (y + h) >> shift; row++)
      memset (d + (gsize) row * stride + (x >> shift), values[c], w >> shift);
  }
}

/* The moving part: an orange bar sweeping left to right once a second, and
 * a thin white line growing with the video's progress. */
static void
draw_motion (GstVideoFrame * f, guint n, guint n_frames)
{
  guint width = GST_VIDEO_FRAME_WIDTH (f);
  guint height = GST_VIDEO_FRAME_HEIGHT (f);
  guint bar_w = MAX (2, round_even (width / 10));
  guint bar_h = MAX (2, round_even (height / 40));
  guint bar_y = MAX (2, round_even (height / 100));
  guint phase = n % EMU_RENDER_FPS;
  guint bar_x = round_even (phase * (width - bar_w) / (EMU_RENDER_FPS - 1));
  guint line_y = bar_y + bar_h + MAX (2, round_even (height / 100));
  guint line_h = MAX (2, round_even (height / 200));
  guint line_w = round_even ((guint64) width * (n + 1) / n_frames);

  fill_rect_i420 (f, bar_x, bar_y, bar_w, bar_h, 164, 44, 190);
  if (line_w > 0)
    fill_rect_i420 (f, 0, line_y, line_w, line_h, 235, 128, 128);
}

static void
on_need_data (GstAppSrc * src, guint length, gpointer user_data)
{
  FrameSource *fs = user_data;
  GstVideoFrame frame;
  GstBuffer *buf;
  GstClockTime pts;
  guint n = fs->next_frame;

  if (n >= fs->n_frames) {
    gst_app_src_end_of_stream (src);
    return;
  }

  buf = gst_buffer_copy_deep (fs->picture);
  if (gst_video_frame_map (&frame, &fs->info, buf, GST_MAP_WRITE)) {
    draw_motion (&frame, n, fs->n_frames);
    gst_video_frame_unmap (&frame);
  }
  pts = gst_util_uint64_scale_int (n, GST_SECOND, EMU_RENDER_FPS);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) =
      gst_util_uint64_scale_int (n + 1, GST_SECOND, EMU_RENDER_FPS) - pts;
  fs->next_frame = n + 1;
  gst_app_src_push_buffer (src, buf);
}

/* A little melody instead of a constant tone: the next note every half
 * second. */
static GstPadProbeReturn
on_audio_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  static const double notes[] = { 440.0, 494.0, 523.3, 587.3, 659.3, 587.3,
    523.3, 494.0
  };
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 half_seconds;

  if (!GST_BUFFER_PTS_IS_VALID (buf))
    return GST_PAD_PROBE_OK;
  half_seconds = (GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf))
      / (GST_SECOND / 2);
  g_object_set (user_data, "freq", notes[half_seconds % G_N_ELEMENTS (notes)],
      NULL);
  return GST_PAD_PROBE_OK;
}

/* ---------------------------------------------------------------------- */
/* Text                                                                   */
/* ---------------------------------------------------------------------- */

static guint
clamp_px (guint v, guint lo, guint hi)
{
  return CLAMP (v, lo, hi);
}

/* textoverlay takes Pango markup: escape, and cut a prompt that could not
 * fit in @lines lines of @chars_per_line. */
static char *
prompt_markup (const char *prompt, guint chars_per_line, guint lines)
{
  g_autofree char *cut = NULL;
  glong budget = (glong) chars_per_line * lines;

  if (prompt == NULL || *prompt == '\0')
    return NULL;
  if (!g_utf8_validate (prompt, -1, NULL))
    prompt = "(prompt is not valid UTF-8)";
  if (g_utf8_strlen (prompt, -1) > budget && budget > 1) {
    g_autofree char *head = g_utf8_substring (prompt, 0, budget - 1);
    cut = g_strconcat (head, "…", NULL);
  } else {
    cut = g_strdup (prompt);
  }
  return g_markup_escape_text (cut, -1);
}

/* ---------------------------------------------------------------------- */
/* Encoding                                                               */
/* ---------------------------------------------------------------------- */

/* Creates a @factory element inside @bin, which then owns it. */
static GstElement *
add_element (GstBin * bin, const char *factory, GError ** error)
{
  GstElement *e = make_element (factory, error);

  if (e != NULL)
    gst_bin_add (bin, e);
  return e;
}

static gboolean
link_chain (GPtrArray * chain, GError ** error)
{
  guint i;

  for (i = 0; i + 1 < chain->len; i++) {
    GstElement *a = g_ptr_array_index (chain, i);
    GstElement *b = g_ptr_array_index (chain, i + 1);

    if (!gst_element_link (a, b)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
          "Could not link %s to %s", GST_OBJECT_NAME (a), GST_OBJECT_NAME (b));
      return FALSE;
    }
  }
  return TRUE;
}

static GstElement *
add_text_overlay (GstBin * bin, const char *markup, guint px, gint x, gint y,
    gboolean wrap, GError ** error)
{
  GstElement *overlay = add_element (bin, "textoverlay", error);
  g_autofree char *font = g_strdup_printf ("Sans Bold %upx", px);

  if (overlay == NULL)
    return NULL;
  /* Placed in pixels from the top-left corner.  Wrapped text is indented
   * with xpad rather than deltax: textoverlay wraps at the frame's width
   * minus twice xpad, which leaves the same margin on the right. */
  g_object_set (overlay, "text", markup, "font-desc", font,
      "auto-resize", FALSE, "shaded-background", TRUE,
      "xpad", wrap ? x : 0, "deltax", wrap ? 0 : x,
      "ypad", 0, "deltay", y, NULL);
  gst_util_set_object_arg (G_OBJECT (overlay), "halignment", "left");
  gst_util_set_object_arg (G_OBJECT (overlay), "valignment", "top");
  gst_util_set_object_arg (G_OBJECT (overlay), "line-alignment", "left");
  gst_util_set_object_arg (G_OBJECT (overlay), "wrap-mode",
      wrap ? "wordchar" : "none");
  return overlay;
}

#define ADD_OR_FAIL(chain, expr) G_STMT_START {                         \
    GstElement *e_ = (expr);                                            \
    if (e_ == NULL)                                                     \
      return NULL;                                                      \
    g_ptr_array_add ((chain), e_);                                      \
  } G_STMT_END

/* appsrc ! textoverlay (prompt) ! textoverlay (labels)... ! x264enc, in
 * @bin; returns the encoder. */
static GstElement *
add_video_branch (GstBin * bin, const EmuRenderSpec * spec, FrameSource * fs,
    GError ** error)
{
  g_autoptr (GPtrArray) chain = g_ptr_array_new ();
  guint width = spec->width, height = spec->height;
  guint margin = round_even (width / 25);
  guint label_px = clamp_px (height / 28, 10, 56);
  guint prompt_px = clamp_px (MIN (width, height) / 30, 10, 44);
  guint prompt_top = round_even (height * PROMPT_BAND_TOP_PCT / 100);
  guint chars_per_line, lines, kbps, i;
  g_autofree char *markup = NULL;
  GstElement *src, *enc;
  GstCaps *caps;
  GstAppSrcCallbacks callbacks = { on_need_data, NULL, NULL, };

  ADD_OR_FAIL (chain, src = add_element (bin, "appsrc", error));
  caps = gst_video_info_to_caps (&fs->info);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME,
      "is-live", FALSE, "max-buffers", (guint64) 4, NULL);
  gst_caps_unref (caps);
  gst_app_src_set_callbacks (GST_APP_SRC (src), &callbacks, fs, NULL);

  /* Pango glyphs average about 0.6 em wide and lines are about 1.25 em
   * apart; cutting to that budget keeps the text inside its band, and the
   * frame's bottom edge clips whatever an unlucky estimate lets through. */
  chars_per_line = MAX (1, (width - 2 * margin) * 10 / (prompt_px * 6));
  lines = MAX (1, (height - prompt_top - margin / 2) * 4 / (prompt_px * 5));
  markup = prompt_markup (spec->prompt, chars_per_line, lines);
  if (markup != NULL)
    ADD_OR_FAIL (chain, add_text_overlay (bin, markup, prompt_px, margin,
            prompt_top, TRUE, error));

  for (i = 0; i < spec->references->len; i++) {
    EmuRenderReference *ref = g_ptr_array_index (spec->references, i);
    g_autofree char *label = NULL;
    guint x, y, w, h, px;

    if (ref->label == NULL || *ref->label == '\0')
      continue;
    emu_render_tile_rect (width, height, i, spec->references->len,
        &x, &y, &w, &h);
    /* Narrow tiles get smaller labels, so that neighbours never overlap:
     * bold glyphs are at most about 0.7 em wide. */
    px = MIN (label_px, w * 10 / (7 * MAX (1, g_utf8_strlen (ref->label,
                    -1))));
    px = MAX (px, 8);
    label = g_markup_escape_text (ref->label, -1);
    ADD_OR_FAIL (chain, add_text_overlay (bin, label, px, x,
            (gint) y - (gint) (px * 3 / 2), FALSE, error));
  }

  /* Notes go inside their tiles, small enough that the longest line
   * fits the tile's width. */
  for (i = 0; i < spec->references->len; i++) {
    EmuRenderReference *ref = g_ptr_array_index (spec->references, i);
    g_autofree char *note = NULL;
    g_auto (GStrv) lines = NULL;
    guint x, y, w, h, px, longest = 1, j;

    if (ref->note == NULL || *ref->note == '\0')
      continue;
    emu_render_tile_rect (width, height, i, spec->references->len,
        &x, &y, &w, &h);
    lines = g_strsplit (ref->note, "\n", -1);
    for (j = 0; lines[j] != NULL; j++)
      longest = MAX (longest, (guint) g_utf8_strlen (lines[j], -1));
    px = CLAMP ((w - 8) * 10 / (6 * longest), 8, label_px * 2 / 3);
    note = g_markup_escape_text (ref->note, -1);
    ADD_OR_FAIL (chain, add_text_overlay (bin, note, px, x + 4, y + 4,
            FALSE, error));
  }

  ADD_OR_FAIL (chain, enc = add_element (bin, "x264enc", error));
  /* Mostly static pictures: a modest bitrate is plenty.  ultrafast has no
   * B-frames, so timestamps stay simple and encoding stays fast. */
  kbps = CLAMP ((guint64) width * height / 600, 500, 6000);
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
  g_object_set (enc, "key-int-max", EMU_RENDER_FPS, "bitrate", kbps, NULL);

  return link_chain (chain, error) ? enc : NULL;
}

/* audiotestsrc ! capsfilter ! audioconvert ! voaacenc, in @bin; returns the
 * encoder. */
static GstElement *
add_audio_branch (GstBin * bin, const EmuRenderSpec * spec, GError ** error)
{
  g_autoptr (GPtrArray) chain = g_ptr_array_new ();
  GstElement *tone, *filter, *aac;
  g_autoptr (GstPad) pad = NULL;
  GstCaps *caps;

  ADD_OR_FAIL (chain, tone = add_element (bin, "audiotestsrc", error));
  g_object_set (tone, "is-live", FALSE, "volume", 0.25,
      "samplesperbuffer", AUDIO_SAMPLES_PER_BUFFER,
      "num-buffers", (gint) (spec->duration_s * EMU_RENDER_FPS), NULL);
  pad = gst_element_get_static_pad (tone, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_audio_buffer,
      tone, NULL);

  ADD_OR_FAIL (chain, filter = add_element (bin, "capsfilter", error));
  caps = gst_caps_new_simple ("audio/x-raw", "rate", G_TYPE_INT, AUDIO_RATE,
      "channels", G_TYPE_INT, 2, NULL);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);

  ADD_OR_FAIL (chain, add_element (bin, "audioconvert", error));
  ADD_OR_FAIL (chain, aac = add_element (bin, "voaacenc", error));

  return link_chain (chain, error) ? aac : NULL;
}

static gboolean
build_encoder (GstBin * bin, const EmuRenderSpec * spec, FrameSource * fs,
    const char *path, GError ** error)
{
  GstElement *venc, *aenc = NULL, *mux, *sink;

  if ((venc = add_video_branch (bin, spec, fs, error)) == NULL)
    return FALSE;
  if (spec->with_audio
      && (aenc = add_audio_branch (bin, spec, error)) == NULL)
    return FALSE;
  if ((mux = add_element (bin, "mp4mux", error)) == NULL
      || (sink = add_element (bin, "filesink", error)) == NULL)
    return FALSE;
  g_object_set (mux, "faststart", spec->moov_first, NULL);
  g_object_set (sink, "location", path, "sync", FALSE, "async", FALSE, NULL);

  if (!gst_element_link_many (venc, mux, sink, NULL)
      || (aenc != NULL && !gst_element_link (aenc, mux))) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "Could not link the encoders to mp4mux");
    return FALSE;
  }
  return TRUE;
}

/* Runs the encoding pipeline until EOS; writes @path. */
static gboolean
encode (const EmuRenderSpec * spec, FrameSource * fs, const char *path,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstBus) bus = NULL;
  gboolean ok = FALSE;
  gulong cancel_id;

  if (!build_encoder (GST_BIN (pipeline), spec, fs, path, error))
    return FALSE;

  bus = gst_element_get_bus (pipeline);
  cancel_id = connect_cancellable (cancellable, bus);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_autoptr (GstMessage) msg =
        gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    g_autofree char *text = msg ? describe_error_message (msg) : NULL;

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "Encoding failed to start: %s", text ? text : "unknown error");
  } else {
    for (;;) {
      g_autoptr (GstMessage) msg = gst_bus_timed_pop_filtered (bus,
          GST_CLOCK_TIME_NONE, GST_MESSAGE_ERROR | GST_MESSAGE_EOS |
          GST_MESSAGE_APPLICATION);

      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
        ok = TRUE;
        break;
      } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
        g_autofree char *text = describe_error_message (msg);

        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
            "Encoding failed: %s", text);
        break;
      } else if (message_is (msg, MSG_CANCELLED)) {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
            "Rendering was cancelled");
        break;
      }
    }
  }

  if (cancel_id != 0)
    g_cancellable_disconnect (cancellable, cancel_id);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */
/* ---------------------------------------------------------------------- */

static void
free_samples (GstSample ** samples, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    g_clear_pointer (&samples[i], gst_sample_unref);
  g_free (samples);
}

gboolean
emu_render_video (const EmuRenderSpec * spec, const char *out_path,
    GCancellable * cancellable, GError ** error)
{
  GstSample **tiles = NULL;
  g_autoptr (GstSample) background = NULL;
  g_autofree char *part_path = NULL;
  FrameSource fs = { 0, };
  guint i, n;
  gboolean ok = FALSE;

  g_return_val_if_fail (spec != NULL && out_path != NULL, FALSE);

  if (spec->width < 2 || spec->height < 2 || spec->width % 2 != 0
      || spec->height % 2 != 0 || spec->duration_s == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Cannot render %ux%u for %u s: sizes must be even and the "
        "duration positive", spec->width, spec->height, spec->duration_s);
    return FALSE;
  }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  n = spec->references ? spec->references->len : 0;
  tiles = g_new0 (GstSample *, MAX (n, 1));
  for (i = 0; i < n; i++) {
    EmuRenderReference *ref = g_ptr_array_index (spec->references, i);
    const char *what = ref->label && *ref->label ? ref->label : "A reference";
    guint x, y, w, h;

    if (ref->data == NULL)
      continue;                 /* a placeholder: drawn, not decoded */
    emu_render_tile_rect (spec->width, spec->height, i, n, &x, &y, &w, &h);
    tiles[i] = decode_first_frame (ref->data, ref->is_video, w, h, what,
        cancellable, error);
    if (tiles[i] == NULL)
      goto out;
  }
  if (spec->first_frame != NULL) {
    background = decode_first_frame (spec->first_frame, FALSE, spec->width,
        spec->height, "The first frame", cancellable, error);
    if (background == NULL)
      goto out;
  }

  gst_video_info_set_format (&fs.info, GST_VIDEO_FORMAT_I420,
      spec->width, spec->height);
  GST_VIDEO_INFO_FPS_N (&fs.info) = EMU_RENDER_FPS;
  GST_VIDEO_INFO_FPS_D (&fs.info) = 1;
  fs.n_frames = spec->duration_s * EMU_RENDER_FPS;
  {
    EmuRenderSpec layout = *spec;
    g_autoptr (GPtrArray) none = g_ptr_array_new ();

    if (layout.references == NULL)
      layout.references = none;
    fs.picture = compose_static_picture (&layout, &fs.info, background,
        tiles, error);
    if (fs.picture == NULL)
      goto out;

    /* Written next to the target and renamed at the end, so that nobody
     * ever sees a half-written video under the final name. */
    part_path = g_strconcat (out_path, ".part", NULL);
    ok = encode (&layout, &fs, part_path, cancellable, error);
  }

  if (ok && g_rename (part_path, out_path) != 0) {
    int errsv = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
        "Could not rename %s to %s: %s", part_path, out_path,
        g_strerror (errsv));
    ok = FALSE;
  }
  if (!ok)
    g_unlink (part_path);

out:
  gst_clear_buffer (&fs.picture);
  free_samples (tiles, n);
  return ok;
}
