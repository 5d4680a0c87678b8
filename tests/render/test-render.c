/* test-render.c: checks emu_render_video() by decoding what it writes.
 *
 * Everything is verified independently of the renderer's own code paths:
 * the output is demuxed with qtdemux and decoded with avdec_h264, its
 * metadata read with GstDiscoverer, its top-level atoms parsed by hand, and
 * the expected colours come from decoding the sample media with
 * uridecodebin.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>

#include "emu-render.h"
#include "emulator-fixture.h"

#define FRAME_NS (GST_SECOND / EMU_RENDER_FPS)
/* Per-channel difference allowed between a reference's colour and the
 * same colour after I420 conversion and H.264 compression. */
#define COLOUR_TOLERANCE 40
/* Waits for a decoder, stretched under the sanitizers and valgrind. */
#define DECODE_WAIT (emu_fixture_scaled_ns (10))

typedef struct
{
  guint8 r, g, b;
} Rgb;

/* ---------------------------------------------------------------------- */
/* Inputs                                                                 */
/* ---------------------------------------------------------------------- */

static char *
data_path (const char *name)
{
  const char *dir = g_getenv ("WANR2V_TEST_DATA");

  if (dir == NULL || *dir == '\0')
    dir = TEST_DATA_DIR;
  return g_build_filename (dir, name, NULL);
}

static GBytes *
load_data (const char *name)
{
  g_autofree char *path = data_path (name);
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, &error);

  g_assert_no_error (error);
  return g_mapped_file_get_bytes (file);
}

static EmuRenderReference *
make_reference (const char *name, gboolean is_video, const char *label)
{
  EmuRenderReference *ref = g_new0 (EmuRenderReference, 1);

  ref->data = load_data (name);
  ref->is_video = is_video;
  ref->label = g_strdup (label);
  return ref;
}

static GPtrArray *
make_references (const char *first, ...)
{
  GPtrArray *refs =
      g_ptr_array_new_with_free_func ((GDestroyNotify)
      emu_render_reference_free);
  guint images = 0, videos = 0;
  const char *name;
  va_list args;

  va_start (args, first);
  for (name = first; name != NULL; name = va_arg (args, const char *)) {
    gboolean is_video = g_str_has_suffix (name, ".mp4");
    g_autofree char *label = is_video ?
        g_strdup_printf ("Video %u", ++videos) :
        g_strdup_printf ("Image %u", ++images);

    g_ptr_array_add (refs, make_reference (name, is_video, label));
  }
  va_end (args);
  return refs;
}

static char *
make_output_path (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("render-test-XXXXXX", &error);

  g_assert_no_error (error);
  return g_build_filename (dir, name, NULL);
}

static void
remove_output (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *part = g_strconcat (path, ".part", NULL);

  g_unlink (path);
  g_unlink (part);
  g_rmdir (dir);
}

/* ---------------------------------------------------------------------- */
/* Pixels                                                                 */
/* ---------------------------------------------------------------------- */

/* Average colour of the 5x5 pixels around (x, y) of an RGBx sample. */
static Rgb
sample_colour (GstSample * sample, guint x, guint y)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  guint sum[3] = { 0, }, n = 0;
  gint dx, dy;
  Rgb rgb;

  g_assert_true (gst_video_info_from_caps (&info,
          gst_sample_get_caps (sample)));
  g_assert_true (gst_video_frame_map (&frame, &info,
          gst_sample_get_buffer (sample), GST_MAP_READ));
  for (dy = -2; dy <= 2; dy++) {
    for (dx = -2; dx <= 2; dx++) {
      gint px = CLAMP ((gint) x + dx, 0, GST_VIDEO_INFO_WIDTH (&info) - 1);
      gint py = CLAMP ((gint) y + dy, 0, GST_VIDEO_INFO_HEIGHT (&info) - 1);
      const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
          + py * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + px * 4;

      sum[0] += p[0];
      sum[1] += p[1];
      sum[2] += p[2];
      n++;
    }
  }
  gst_video_frame_unmap (&frame);
  rgb.r = sum[0] / n;
  rgb.g = sum[1] / n;
  rgb.b = sum[2] / n;
  return rgb;
}

static void
assert_colour_near (Rgb got, Rgb want, const char *what)
{
  if (ABS (got.r - want.r) > COLOUR_TOLERANCE
      || ABS (got.g - want.g) > COLOUR_TOLERANCE
      || ABS (got.b - want.b) > COLOUR_TOLERANCE)
    g_error ("%s: got colour (%u,%u,%u), expected about (%u,%u,%u)", what,
        got.r, got.g, got.b, want.r, want.g, want.b);
}

/* Number of pixels inside the rectangle whose colour differs by more than
 * 48 in some channel between @a and @b (same size). */
static guint
count_changed_pixels (GstSample * a, GstSample * b, guint x0, guint y0,
    guint w, guint h)
{
  GstVideoInfo info;
  GstVideoFrame fa, fb;
  guint x, y, changed = 0;

  g_assert_true (gst_video_info_from_caps (&info, gst_sample_get_caps (a)));
  g_assert_true (gst_video_frame_map (&fa, &info, gst_sample_get_buffer (a),
          GST_MAP_READ));
  g_assert_true (gst_video_frame_map (&fb, &info, gst_sample_get_buffer (b),
          GST_MAP_READ));
  for (y = y0; y < y0 + h; y++) {
    const guint8 *pa = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fa, 0)
        + y * GST_VIDEO_FRAME_PLANE_STRIDE (&fa, 0) + x0 * 4;
    const guint8 *pb = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&fb, 0)
        + y * GST_VIDEO_FRAME_PLANE_STRIDE (&fb, 0) + x0 * 4;

    for (x = 0; x < w; x++, pa += 4, pb += 4)
      if (ABS (pa[0] - pb[0]) > 48 || ABS (pa[1] - pb[1]) > 48
          || ABS (pa[2] - pb[2]) > 48)
        changed++;
  }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  return changed;
}

/* The first picture of a sample file, as RGBx at its own size, decoded by
 * decodebin (not by the code under test).  The file is pushed in one
 * buffer: BMP has no parser, so its decoder needs the whole picture. */
static GstSample *
decode_sample_media (const char *name)
{
  g_autofree char *path = data_path (name);
  g_autofree char *desc = g_strdup_printf ("filesrc location=\"%s\" "
      "blocksize=67108864 ! queue ! decodebin ! videoconvert "
      "! video/x-raw,format=RGBx ! appsink name=sink", path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstElement) sink = NULL;
  GstSample *sample;

  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  sample = gst_app_sink_try_pull_preroll (GST_APP_SINK (sink), DECODE_WAIT);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_nonnull (sample);
  return sample;
}

/* Colour of sample file @name at relative position (@fx, @fy). */
static Rgb
media_colour_at (const char *name, double fx, double fy)
{
  g_autoptr (GstSample) sample = decode_sample_media (name);
  GstVideoInfo info;

  gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
  return sample_colour (sample, fx * GST_VIDEO_INFO_WIDTH (&info),
      fy * GST_VIDEO_INFO_HEIGHT (&info));
}

/* ---------------------------------------------------------------------- */
/* Inspecting an output                                                   */
/* ---------------------------------------------------------------------- */

typedef struct
{
  guint n_frames;
  guint width, height;
  GstClockTime last_pts;
  GstSample *first;             /* frames 0 and 1 */
  GstSample *second;
} DecodedVideo;

static void
decoded_video_clear (DecodedVideo * v)
{
  g_clear_pointer (&v->first, gst_sample_unref);
  g_clear_pointer (&v->second, gst_sample_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DecodedVideo, decoded_video_clear);

/* Decodes every frame of the H.264 track of @path to RGBx. */
static void
decode_output (const char *path, DecodedVideo * v)
{
  g_autofree char *desc = g_strdup_printf ("filesrc location=\"%s\" "
      "! qtdemux name=demux demux.video_0 ! h264parse ! avdec_h264 "
      "! videoconvert ! video/x-raw,format=RGBx ! appsink name=sink "
      "sync=false", path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstBus) bus = NULL;

  g_assert_no_error (error);
  memset (v, 0, sizeof (*v));
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  for (;;) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), DECODE_WAIT);
    g_autoptr (GstMessage) msg = NULL;
    GstVideoInfo info;

    if (sample == NULL) {
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      g_assert_null (msg);
      g_assert_true (gst_app_sink_is_eos (GST_APP_SINK (sink)));
      break;
    }
    gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
    v->width = GST_VIDEO_INFO_WIDTH (&info);
    v->height = GST_VIDEO_INFO_HEIGHT (&info);
    v->last_pts = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
    if (v->n_frames == 0)
      v->first = g_steal_pointer (&sample);
    else if (v->n_frames == 1)
      v->second = g_steal_pointer (&sample);
    v->n_frames++;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

typedef struct
{
  GstClockTime duration;
  gboolean has_h264;
  gboolean has_aac;
  guint n_audio;
} Discovered;

static void
discover_output (const char *path, Discovered * d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstDiscoverer) discoverer =
      gst_discoverer_new (DECODE_WAIT, &error);
  g_autofree char *uri = gst_filename_to_uri (path, NULL);
  g_autoptr (GstDiscovererInfo) info = NULL;
  GList *streams, *l;

  g_assert_no_error (error);
  info = gst_discoverer_discover_uri (discoverer, uri, &error);
  g_assert_no_error (error);
  memset (d, 0, sizeof (*d));
  d->duration = gst_discoverer_info_get_duration (info);

  streams = gst_discoverer_info_get_stream_list (info);
  for (l = streams; l != NULL; l = l->next) {
    g_autoptr (GstCaps) caps = gst_discoverer_stream_info_get_caps (l->data);
    const GstStructure *s = gst_caps_get_structure (caps, 0);
    gint mpegversion = 0;

    if (gst_structure_has_name (s, "video/x-h264"))
      d->has_h264 = TRUE;
    if (GST_IS_DISCOVERER_AUDIO_INFO (l->data)) {
      d->n_audio++;
      if (gst_structure_has_name (s, "audio/mpeg")
          && gst_structure_get_int (s, "mpegversion", &mpegversion)
          && mpegversion == 4)
        d->has_aac = TRUE;
    }
  }
  gst_discoverer_stream_info_list_free (streams);
}

/* Index among the top-level atoms of @path of @type, or -1. */
static gint
top_level_atom_index (const char *path, const char *type)
{
  g_autofree char *contents = NULL;
  gsize len, offset = 0;
  gint index = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  while (offset + 8 <= len) {
    const guint8 *p = (const guint8 *) contents + offset;
    guint64 size = GST_READ_UINT32_BE (p);

    if (size == 1) {
      g_assert_cmpuint (offset + 16, <=, len);
      size = GST_READ_UINT64_BE (p + 8);
    } else if (size == 0) {
      size = len - offset;
    }
    g_assert_cmpuint (size, >=, 8);
    if (memcmp (p + 4, type, 4) == 0)
      return index;
    offset += size;
    index++;
  }
  g_assert_cmpuint (offset, ==, len);
  return -1;
}

/* ---------------------------------------------------------------------- */
/* Rendering                                                              */
/* ---------------------------------------------------------------------- */

typedef struct
{
  guint width, height, duration_s;
  gboolean moov_first, with_audio;
  const char *prompt;
  const char *first_frame;
} Settings;

static gdouble
render (const Settings * s, GPtrArray * refs, const char *out,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (GBytes) first_frame =
      s->first_frame ? load_data (s->first_frame) : NULL;
  EmuRenderSpec spec = {
    .width = s->width,
    .height = s->height,
    .duration_s = s->duration_s,
    .moov_first = s->moov_first,
    .with_audio = s->with_audio,
    .prompt = s->prompt,
    .references = refs,
    .first_frame = first_frame,
  };
  gint64 start = g_get_monotonic_time ();
  gboolean ok = emu_render_video (&spec, out, cancellable, error);
  gdouble seconds = (g_get_monotonic_time () - start) / 1e6;

  g_test_message ("rendered %ux%u %u s in %.2f s", s->width, s->height,
      s->duration_s, seconds);
  g_assert_true (ok == (error == NULL || *error == NULL));
  return ok ? seconds : -1;
}

/* Every check on one output: stream types, size, frame count, duration,
 * audio, moov position, each reference's colour in its tile, motion. */
static void
check_output (const Settings * s, const char *out, const char *const *names)
{
  g_auto (DecodedVideo) v = { 0, };
  Discovered d;
  guint n, i;
  gint moov, mdat;

  discover_output (out, &d);
  g_assert_true (d.has_h264);
  g_assert_cmpuint (d.n_audio, ==, s->with_audio ? 1 : 0);
  g_assert_true (d.has_aac == s->with_audio);
  g_assert_cmpuint (d.duration, >=, s->duration_s * GST_SECOND - FRAME_NS);
  g_assert_cmpuint (d.duration, <=, s->duration_s * GST_SECOND + FRAME_NS);

  moov = top_level_atom_index (out, "moov");
  mdat = top_level_atom_index (out, "mdat");
  g_assert_cmpint (moov, >=, 0);
  g_assert_cmpint (mdat, >=, 0);
  if (s->moov_first)
    g_assert_cmpint (moov, <, mdat);
  else
    g_assert_cmpint (moov, >, mdat);

  decode_output (out, &v);
  g_assert_cmpuint (v.n_frames, ==, s->duration_s * EMU_RENDER_FPS);
  g_assert_cmpuint (v.width, ==, s->width);
  g_assert_cmpuint (v.height, ==, s->height);
  g_assert_cmpuint (v.last_pts, ==, gst_util_uint64_scale_int (v.n_frames - 1,
          GST_SECOND, EMU_RENDER_FPS));

  n = g_strv_length ((char **) names);
  for (i = 0; i < n; i++) {
    guint x, y, w, h;
    g_autofree char *what = g_strdup_printf ("tile %u (%s)", i, names[i]);

    emu_render_tile_rect (s->width, s->height, i, n, &x, &y, &w, &h);
    assert_colour_near (sample_colour (v.first, x + w / 2, y + h / 2),
        media_colour_at (names[i], 0.5, 0.5), what);
  }

  /* Something moves from one frame to the next. */
  g_assert_cmpuint (count_changed_pixels (v.first, v.second, 0, 0, s->width,
          s->height), >=, 100);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

static const guint output_sizes[][2] = {
  {1280, 720}, {720, 1280}, {960, 960}, {1104, 832}, {832, 1104},
  {1920, 1080}, {1080, 1920}, {1440, 1440}, {1648, 1248}, {1248, 1648},
  {1088, 832}, {832, 1088}, {1632, 1248}, {1248, 1632},
};

/* Tiles lie inside the frame, in the middle band, left to right with gaps,
 * on even coordinates, and are big enough to be seen. */
static void
test_layout (void)
{
  guint s, n, i;

  for (s = 0; s < G_N_ELEMENTS (output_sizes); s++) {
    guint width = output_sizes[s][0], height = output_sizes[s][1];

    for (n = 1; n <= 5; n++) {
      guint prev_right = 0;

      for (i = 0; i < n; i++) {
        guint x, y, w, h;

        emu_render_tile_rect (width, height, i, n, &x, &y, &w, &h);
        g_assert_cmpuint (x % 2 + y % 2 + w % 2 + h % 2, ==, 0);
        g_assert_cmpuint (x + w, <=, width);
        g_assert_cmpuint (w, >=, width / 10);
        g_assert_cmpuint (h, >=, height / 10);
        g_assert_cmpuint (y, >=, height / 6);   /* room for the labels */
        g_assert_cmpuint (y + h, <=, height * 2 / 3);   /* and the prompt */
        if (i > 0)
          g_assert_cmpuint (x, >, prev_right);  /* a gap, no overlap */
        prev_right = x + w;
      }
    }
  }
  /* Out of range: an empty rectangle. */
  {
    guint x = 1, y = 1, w = 1, h = 1;

    emu_render_tile_rect (1280, 720, 3, 3, &x, &y, &w, &h);
    g_assert_cmpuint (w + h, ==, 0);
  }
}

static void
test_720p_with_audio_moov_first (void)
{
  const char *names[] = { "red.png", "green.jpg", "character.mp4", NULL };
  Settings s = { 1280, 720, 2, TRUE, TRUE,
    "Image 1 and Image 2 walk past Video 1 in a sunny street.", NULL
  };
  g_autoptr (GPtrArray) refs =
      make_references (names[0], names[1], names[2], NULL);
  g_autofree char *out = make_output_path ("out.mp4");
  g_autoptr (GError) error = NULL;

  render (&s, refs, out, NULL, &error);
  g_assert_no_error (error);
  check_output (&s, out, names);
  remove_output (out);
}

/* 4:3 without audio, moov at the end, with a first frame as background. */
static void
test_4x3_silent_moov_last (void)
{
  const char *names[] = { "blue.bmp", "yellow.webp", "magenta.png",
    "character-silent.mp4", NULL
  };
  Settings s = { 1104, 832, 2, FALSE, FALSE, "A quiet scene.",
    "first-frame.png"
  };
  g_autoptr (GPtrArray) refs =
      make_references (names[0], names[1], names[2], names[3], NULL);
  g_autofree char *out = make_output_path ("out.mp4");
  g_autoptr (GError) error = NULL;
  g_auto (DecodedVideo) v = { 0, };
  guint x, y, w, h;

  render (&s, refs, out, NULL, &error);
  g_assert_no_error (error);
  check_output (&s, out, names);

  /* Left of the first tile, the first frame shows through, scaled to the
   * whole frame. */
  emu_render_tile_rect (s.width, s.height, 0, 4, &x, &y, &w, &h);
  g_assert_cmpuint (x, >=, 20);
  decode_output (out, &v);
  assert_colour_near (sample_colour (v.first, x / 2, s.height / 2),
      media_colour_at ("first-frame.png", (x / 2.0) / s.width, 0.5),
      "background");
  remove_output (out);
}

/* The biggest square size, with five references including a storyboard. */
static void
test_1440_square (void)
{
  const char *names[] = { "magenta.png", "storyboard.png", "green.jpg",
    "character.mp4", "yellow.webp", NULL
  };
  Settings s = { 1440, 1440, 2, TRUE, TRUE, "Five things on a square.",
    NULL
  };
  g_autoptr (GPtrArray) refs = make_references (names[0], names[1], names[2],
      names[3], names[4], NULL);
  g_autofree char *out = make_output_path ("out.mp4");
  g_autoptr (GError) error = NULL;

  render (&s, refs, out, NULL, &error);
  g_assert_no_error (error);
  check_output (&s, out, names);
  remove_output (out);
}

/* 1080P, 5 s: the speed a busy emulator needs (in a normal build; a
 * sanitizer build's WANR2V_TEST_TIME_SCALE stretches the bound). */
static void
test_1080p_5s (void)
{
  const char *names[] = { "red.png", "character.mp4", NULL };
  Settings s = { 1920, 1080, 5, TRUE, TRUE, "Speed test.", NULL };
  g_autoptr (GPtrArray) refs = make_references (names[0], names[1], NULL);
  g_autofree char *out = make_output_path ("out.mp4");
  g_autoptr (GError) error = NULL;
  gdouble seconds;

  seconds = render (&s, refs, out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (seconds, <, 15.0 * emu_fixture_time_scale ());
  check_output (&s, out, names);
  remove_output (out);
}

/* The prompt is drawn below the tiles: a long prompt full of markup
 * characters changes the prompt band but leaves every tile untouched. */
static void
test_prompt (void)
{
  const char *names[] = { "red.png", "green.jpg", NULL };
  Settings with = { 1280, 720, 2, TRUE, FALSE, NULL, NULL };
  Settings without = with;
  g_autoptr (GString) prompt = g_string_new (NULL);
  g_autoptr (GPtrArray) refs = make_references (names[0], names[1], NULL);
  g_autofree char *out_with = make_output_path ("with.mp4");
  g_autofree char *out_without = make_output_path ("without.mp4");
  g_autoptr (GError) error = NULL;
  g_auto (DecodedVideo) a = { 0, };
  g_auto (DecodedVideo) b = { 0, };
  guint i, x, y, w, h;

  while (prompt->len < 5000)
    g_string_append (prompt, "<b>Image 1</b> & Image 2 dance \"wildly\" "
        "under a 中文 sky; ");
  with.prompt = prompt->str;

  render (&with, refs, out_with, NULL, &error);
  g_assert_no_error (error);
  render (&without, refs, out_without, NULL, &error);
  g_assert_no_error (error);
  decode_output (out_with, &a);
  decode_output (out_without, &b);

  /* Text in the bottom third... */
  g_assert_cmpuint (count_changed_pixels (a.first, b.first, 0,
          with.height * 2 / 3, with.width, with.height / 3), >=, 1000);
  /* ...and none over the tiles (a line of text there would change
   * thousands of pixels; allow a few for the encoder's rate control). */
  for (i = 0; i < 2; i++) {
    emu_render_tile_rect (with.width, with.height, i, 2, &x, &y, &w, &h);
    g_assert_cmpuint (count_changed_pixels (a.first, b.first, x, y, w, h),
        <, w * h / 1000);
  }
  remove_output (out_with);
  remove_output (out_without);
}

static void
expect_decode_error (GPtrArray * refs, const char *first_frame,
    const char *message_start)
{
  Settings s = { 960, 960, 2, TRUE, TRUE, "x", first_frame };
  g_autofree char *out = make_output_path ("out.mp4");
  g_autofree char *part = g_strconcat (out, ".part", NULL);
  g_autoptr (GError) error = NULL;

  render (&s, refs, out, NULL, &error);
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  if (!g_str_has_prefix (error->message, message_start))
    g_error ("expected an error starting with '%s', got '%s'",
        message_start, error->message);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  remove_output (out);
}

static void
test_undecodable_reference (void)
{
  g_autoptr (GPtrArray) garbage = make_references ("red.png", NULL);
  g_autoptr (GPtrArray) audio_only = make_references ("green.jpg", NULL);
  g_autoptr (GPtrArray) truncated = make_references ("red.png", NULL);
  g_autoptr (GPtrArray) fine = make_references ("red.png", NULL);
  static const char not_media[] = "this is not an image at all, "
      "just some text that no decoder will take";
  EmuRenderReference *ref;

  ref = g_new0 (EmuRenderReference, 1);
  ref->data = g_bytes_new_static (not_media, sizeof (not_media) - 1);
  ref->label = g_strdup ("Image 2");
  g_ptr_array_add (garbage, ref);
  expect_decode_error (garbage, NULL, "Image 2 could not be decoded: ");

  /* A video reference that holds only sound. */
  g_ptr_array_add (audio_only, make_reference ("voice-girl.wav", TRUE,
          "Video 1"));
  expect_decode_error (audio_only, NULL, "Video 1 could not be decoded: ");

  /* The first half of a PNG. */
  {
    g_autoptr (GBytes) whole = load_data ("magenta.png");

    ref = g_new0 (EmuRenderReference, 1);
    ref->data = g_bytes_new_from_bytes (whole, 0,
        g_bytes_get_size (whole) / 2);
    ref->label = g_strdup ("Image 2");
    g_ptr_array_add (truncated, ref);
    expect_decode_error (truncated, NULL, "Image 2 could not be decoded: ");
  }

  expect_decode_error (fine, "voice-boy.mp3",
      "The first frame could not be decoded: ");
}

typedef struct
{
  Settings settings;
  GPtrArray *refs;
  char *out;
  GCancellable *cancellable;
  GError *error;
  gboolean ok;
} Job;

static gpointer
run_job (gpointer data)
{
  Job *job = data;

  job->ok = render (&job->settings, job->refs, job->out, job->cancellable,
      &job->error) >= 0;
  return NULL;
}

static void
test_cancel (void)
{
  Job job = { {1920, 1080, 10, TRUE, TRUE, "Cancel me.", NULL}, };
  g_autofree char *part = NULL;
  g_autoptr (GThread) thread = NULL;
  gint64 cancelled_at, returned_at;

  job.refs = make_references ("red.png", "character.mp4", NULL);
  job.out = make_output_path ("out.mp4");
  job.cancellable = g_cancellable_new ();
  part = g_strconcat (job.out, ".part", NULL);

  thread = g_thread_new ("render", run_job, &job);
  g_usleep (G_USEC_PER_SEC / 2);
  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (job.cancellable);
  g_thread_join (g_steal_pointer (&thread));
  returned_at = g_get_monotonic_time ();

  g_test_message ("returned %.3f s after cancel",
      (returned_at - cancelled_at) / 1e6);
  g_assert_false (job.ok);
  g_assert_error (job.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (returned_at - cancelled_at, <, emu_fixture_scaled_us (1));
  g_assert_false (g_file_test (job.out, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_clear_error (&job.error);

  /* Already cancelled: nothing starts. */
  g_assert_false (render (&job.settings, job.refs, job.out, job.cancellable,
          &job.error) >= 0);
  g_assert_error (job.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&job.error);

  remove_output (job.out);
  g_free (job.out);
  g_object_unref (job.cancellable);
  g_ptr_array_unref (job.refs);
}

/* Two renders at once, from two threads, give two good videos. */
static void
test_concurrent (void)
{
  const char *names[] = { "green.jpg", "character.mp4", NULL };
  Job jobs[2] = {
    {{960, 960, 2, TRUE, TRUE, "First.", NULL},},
    {{832, 1104, 3, FALSE, FALSE, "Second.", "first-frame.png"},},
  };
  GThread *threads[2];
  guint i;

  for (i = 0; i < 2; i++) {
    jobs[i].refs = make_references (names[0], names[1], NULL);
    jobs[i].out = make_output_path ("out.mp4");
    threads[i] = g_thread_new ("render", run_job, &jobs[i]);
  }
  for (i = 0; i < 2; i++) {
    g_thread_join (threads[i]);
    g_assert_no_error (jobs[i].error);
    g_assert_true (jobs[i].ok);
    check_output (&jobs[i].settings, jobs[i].out, names);
    remove_output (jobs[i].out);
    g_free (jobs[i].out);
    g_ptr_array_unref (jobs[i].refs);
  }
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/render/layout", test_layout);
  g_test_add_func ("/render/720p-audio-moov-first",
      test_720p_with_audio_moov_first);
  g_test_add_func ("/render/4x3-silent-moov-last", test_4x3_silent_moov_last);
  g_test_add_func ("/render/1440-square", test_1440_square);
  g_test_add_func ("/render/1080p-5s", test_1080p_5s);
  g_test_add_func ("/render/prompt", test_prompt);
  g_test_add_func ("/render/undecodable-reference",
      test_undecodable_reference);
  g_test_add_func ("/render/cancel", test_cancel);
  g_test_add_func ("/render/concurrent", test_concurrent);

  ret = g_test_run ();
  /* Lets GST_TRACERS=leaks report any GStreamer object left behind. */
  gst_deinit ();
  return ret;
}
