/* test-inspect.c: checking local media against the service's limits.
 *
 * Calls gst_wanr2v_src_inspect_request() directly, as a job's worker would.  The
 * samples of tests/data must pass; media beyond the limits is made here at
 * run time, small: short GStreamer pipelines, and sparse files for the
 * byte-size limits. */
#include <gst/check/gstcheck.h>
#include <gst/pbutils/pbutils.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "wanr2v-error.h"
#include "wanr2v-request.h"
#include "gstwanr2vsrc-inspect.h"
#include "emulator-fixture.h"

static char *tmp_dir;

/* In slow runs (valgrind: WANR2V_TEST_TIME_SCALE > 1), loading and
 * initialising the decoders (libav most) for a process's first inspection
 * alone can take longer than the element's own bound on one inspection
 * (GST_WANR2V_SRC_INSPECT_TIMEOUT, 10 s), and the element then rightly reports
 * "could not be inspected".  Each case runs in a new process: there, pay
 * that one-time cost first, outside the element's clock, by discovering
 * the sample media once.  What the element finds is unchanged. */
static char *sample (const char *name);

static void
warm_up_decoders (void)
{
  const char *names[] = { "character.mp4", "voice-boy.mp3",
    "voice-girl.wav", "red.png"
  };
  g_autoptr (GstDiscoverer) discoverer = NULL;
  guint i;

  if (emu_fixture_time_scale () <= 1.0)
    return;
  discoverer = gst_discoverer_new (emu_fixture_scaled_ns (10), NULL);
  for (i = 0; discoverer && i < G_N_ELEMENTS (names); i++) {
    g_autofree char *path = sample (names[i]);
    g_autofree char *uri = gst_filename_to_uri (path, NULL);
    g_autoptr (GstDiscovererInfo) info =
        gst_discoverer_discover_uri (discoverer, uri, NULL);
  }
}

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("wanr2v-inspect-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
  warm_up_decoders ();
}

static void
teardown (void)
{
  GDir *dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *child = g_build_filename (tmp_dir, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR))
      g_rmdir (child);
    else
      g_unlink (child);
  }
  if (dir)
    g_dir_close (dir);
  g_rmdir (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

static char *
sample (const char *name)
{
  return g_build_filename (g_getenv ("WANR2V_TEST_DATA"), name, NULL);
}

static char *
temp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* Runs "@pipeline ! filesink location=<tmp>/@name" to the end; returns
 * the file's path. */
static char *
make_media (const char *name, const char *pipeline)
{
  char *path = temp_path (name);
  g_autofree char *description = g_strdup_printf ("%s ! filesink "
      "location=\"%s\"", pipeline, path);
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_launch (description, &error);
  GstBus *bus;
  GstMessage *msg;

  fail_unless (bin != NULL, "%s: %s", description,
      error ? error->message : "?");
  fail_unless (error == NULL, "%s: %s", description, error->message);
  bus = gst_element_get_bus (bin);
  gst_element_set_state (bin, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "%s did not finish", description);
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "%s failed",
      description);
  gst_message_unref (msg);
  gst_element_set_state (bin, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (bin);
  return path;
}

static char *
make_image (const char *name, guint width, guint height)
{
  g_autofree char *pipeline = g_strdup_printf ("videotestsrc num-buffers=1 "
      "pattern=solid-color ! video/x-raw,format=GRAY8,width=%u,height=%u ! "
      "pngenc compression-level=1", width, height);

  return make_media (name, pipeline);
}

/* @frames frames at @fps of @width x @height, H.264 in @mux.  Long clips
 * are made of few long frames, so that they are quick to encode. */
static char *
make_video (const char *name, guint width, guint height, guint frames,
    const char *fps, const char *mux)
{
  g_autofree char *pipeline = g_strdup_printf ("videotestsrc num-buffers=%u "
      "pattern=solid-color ! video/x-raw,format=I420,width=%u,height=%u,"
      "framerate=%s ! x264enc speed-preset=ultrafast bitrate=64 ! %s",
      frames, width, height, fps, mux);

  return make_media (name, pipeline);
}

/* @tenths tenths of a second of 8 kHz mono tone, through @encoder. */
static char *
make_voice (const char *name, guint tenths, const char *encoder)
{
  g_autofree char *pipeline = g_strdup_printf ("audiotestsrc num-buffers=%u "
      "samplesperbuffer=800 ! audio/x-raw,rate=8000,channels=1 ! "
      "audioconvert ! %s", tenths, encoder);

  return make_media (name, pipeline);
}

/* A copy of @from at @name, then grown to @size with a hole (which reads
 * as zeros and takes no disk space). */
static char *
copy_sparse (const char *from, const char *name, const guint8 * insert,
    gsize insert_len, goffset size)
{
  char *path = temp_path (name);
  g_autofree char *contents = NULL;
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  gsize length;

  fail_unless (g_file_get_contents (from, &contents, &length, NULL));
  g_byte_array_append (bytes, (const guint8 *) contents, length);
  if (insert)
    g_byte_array_append (bytes, insert, insert_len);
  fail_unless (g_file_set_contents (path, (const char *) bytes->data,
          bytes->len, NULL));
  fail_unless (truncate (path, size) == 0);
  return path;
}

static void
put_le (GByteArray * a, guint32 value, guint bytes)
{
  guint i;

  for (i = 0; i < bytes; i++) {
    guint8 b = value >> (8 * i);

    g_byte_array_append (a, &b, 1);
  }
}

static void
put_tag (GByteArray * a, const char *tag)
{
  g_byte_array_append (a, (const guint8 *) tag, 4);
}

/* A valid 2 s WAV of @size bytes: a sparse JUNK chunk before the sound
 * pads it, where a WAV reader skips it.  (Padding after the sound makes
 * wavparse crawl through it: GstDiscoverer then times out.) */
static char *
make_big_wav (const char *name, guint32 size)
{
  char *path = temp_path (name);
  const guint32 rate = 8000, data_size = 2 * rate * 2;
  const guint32 junk_size = size - 12 - (8 + 16) - 8 - (8 + data_size);
  g_autoptr (GByteArray) head = g_byte_array_new ();
  g_autoptr (GByteArray) data = g_byte_array_new ();
  FILE *f;

  put_tag (head, "RIFF");
  put_le (head, size - 8, 4);
  put_tag (head, "WAVE");
  put_tag (head, "fmt ");
  put_le (head, 16, 4);
  put_le (head, 1, 2);          /* PCM */
  put_le (head, 1, 2);          /* mono */
  put_le (head, rate, 4);
  put_le (head, rate * 2, 4);   /* bytes per second */
  put_le (head, 2, 2);          /* bytes per frame */
  put_le (head, 16, 2);         /* bits per sample */
  put_tag (head, "JUNK");
  put_le (head, junk_size, 4);

  put_tag (data, "data");
  put_le (data, data_size, 4);
  g_byte_array_set_size (data, 8 + data_size);
  memset (data->data + 8, 0, data_size);

  f = g_fopen (path, "wb");
  fail_unless (f != NULL);
  fail_unless (fwrite (head->data, 1, head->len, f) == head->len);
  fail_unless (fseek (f, junk_size, SEEK_CUR) == 0);
  fail_unless (fwrite (data->data, 1, data->len, f) == data->len);
  fail_unless (fclose (f) == 0);
  return path;
}

/* ---- requests ----------------------------------------------------------- */

static WanR2vRequest *
new_request (const char *model)
{
  WanR2vRequest *req = wanr2v_request_new ();

  req->model = g_strdup (model ? model : "wan2.7-r2v");
  req->prompt = g_strdup ("Image 1 walks into Video 1");
  return req;
}

static void
assert_passes (const WanR2vRequest * req)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = gst_wanr2v_src_inspect_request (req, NULL, NULL, NULL, &error);

  fail_unless (ok && error == NULL, "refused: %s",
      error ? error->message : "(no error)");
}

static void
assert_fails (const WanR2vRequest * req, const char *expected)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = gst_wanr2v_src_inspect_request (req, NULL, NULL, NULL, &error);

  fail_if (ok, "accepted, expected: %s", expected);
  fail_unless (error != NULL);
  fail_unless (g_error_matches (error, WANR2V_ERROR,
          WANR2V_ERROR_BAD_REQUEST), "wrong error %s %d",
      g_quark_to_string (error->domain), error->code);
  fail_unless_equals_string (error->message, expected);
}

/* One entry of @type (a voice of a red image when @type is -1). */
static void
expect_one (gint type, const char *path, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static void
expect_one (gint type, const char *path, const char *format, ...)
{
  g_autoptr (WanR2vRequest) req = new_request (NULL);
  g_autofree char *red = sample ("red.png");
  g_autofree char *expected = NULL;
  va_list args;

  if (type < 0)
    wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE, red, path);
  else
    wanr2v_request_add_media (req, type, path, NULL);
  va_start (args, format);
  expected = g_strdup_vprintf (format, args);
  va_end (args);
  assert_fails (req, expected);
}

#define IMAGE WANR2V_MEDIA_REFERENCE_IMAGE
#define VIDEO WANR2V_MEDIA_REFERENCE_VIDEO
#define FIRST WANR2V_MEDIA_FIRST_FRAME
#define VOICE (-1)

/* ---- what must pass ----------------------------------------------------- */

GST_START_TEST (test_samples_pass)
{
  g_autoptr (WanR2vRequest) req = new_request (NULL);
  const char *images[] = { "red.png", "green.jpg", "blue.bmp",
    "yellow.webp", "storyboard.png", "magenta.png"
  };
  g_autofree char *girl = sample ("voice-girl.wav");
  g_autofree char *boy = sample ("voice-boy.mp3");
  g_autofree char *video = sample ("character.mp4");
  g_autofree char *silent = sample ("character-silent.mp4");
  g_autofree char *first = sample ("first-frame.png");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (images); i++) {
    g_autofree char *path = sample (images[i]);

    wanr2v_request_add_media (req, IMAGE, path, i == 0 ? girl :
        i == 1 ? boy : NULL);
  }
  wanr2v_request_add_media (req, VIDEO, video, boy);
  wanr2v_request_add_media (req, VIDEO, silent, girl);
  wanr2v_request_add_media (req, FIRST, first, NULL);
  assert_passes (req);
}

GST_END_TEST;

/* Remote media is not fetched (these hosts do not exist) and data: URIs
 * were checked with the request; an empty request passes. */
GST_START_TEST (test_remote_skipped)
{
  g_autoptr (WanR2vRequest) req = new_request (NULL);
  g_autoptr (WanR2vRequest) empty = new_request (NULL);

  wanr2v_request_add_media (req, IMAGE, "https://nowhere.invalid/a.png",
      "https://nowhere.invalid/a.wav");
  wanr2v_request_add_media (req, VIDEO, "oss://dashscope-instant/x/v.mp4",
      "oss://dashscope-instant/x/v.mp3");
  wanr2v_request_add_media (req, IMAGE, "data:image/png;base64,AAAA", NULL);
  assert_passes (req);
  assert_passes (empty);
}

GST_END_TEST;

/* Edges that are inside the limits, the container MOV, MP3 with an ID3
 * tag, an image judged by content whatever its name, file:// URIs. */
GST_START_TEST (test_edges_pass)
{
  g_autoptr (WanR2vRequest) req = new_request (NULL);
  g_autofree char *eight = make_image ("eight.png", 8000, 1000);
  g_autofree char *tall = make_image ("tall.png", 240, 1920);
  g_autofree char *mov = make_video ("clip.mov", 240, 1920, 1, "1/2",
      "qtmux");
  g_autofree char *mp4 = make_video ("wide.mp4", 4096, 512, 1, "1/30",
      "mp4mux");
  g_autofree char *id3 = make_voice ("tagged.mp3", 95,
      "lamemp3enc ! id3v2mux");
  g_autofree char *second = make_voice ("second.wav", 10, "wavenc");
  g_autofree char *renamed = temp_path ("photo.jpg");
  g_autofree char *uri = NULL;
  g_autofree char *red = sample ("red.png");
  g_autofree char *contents = NULL;
  gsize length;

  fail_unless (g_file_get_contents (red, &contents, &length, NULL));
  fail_unless (g_file_set_contents (renamed, contents, length, NULL));
  uri = g_filename_to_uri (eight, NULL, NULL);

  wanr2v_request_add_media (req, IMAGE, uri, id3);
  wanr2v_request_add_media (req, IMAGE, tall, second);
  wanr2v_request_add_media (req, IMAGE, renamed, NULL);
  wanr2v_request_add_media (req, VIDEO, mov, NULL);
  wanr2v_request_add_media (req, VIDEO, mp4, NULL);
  assert_passes (req);
}

GST_END_TEST;

/* ---- images ------------------------------------------------------------- */

GST_START_TEST (test_image_pixels)
{
  g_autofree char *tiny = sample ("tiny.png");
  g_autofree char *wide = make_image ("wide.png", 2160, 240);
  g_autofree char *tall = make_image ("tall.png", 240, 2000);
  g_autofree char *huge = make_image ("huge.png", 8001, 240);
  g_autofree char *thin = make_image ("thin.png", 239, 400);

  expect_one (IMAGE, tiny, "images[0] (Image 1): %s is 100x100 pixels; "
      "each side must be 240..8000", tiny);
  expect_one (FIRST, tiny, "first-frame: %s is 100x100 pixels; each side "
      "must be 240..8000", tiny);
  expect_one (IMAGE, wide, "images[0] (Image 1): %s is 2160x240 pixels, an "
      "aspect ratio of 9.0:1; it must be between 1:8 and 8:1", wide);
  expect_one (IMAGE, tall, "images[0] (Image 1): %s is 240x2000 pixels, an "
      "aspect ratio of 1:8.3; it must be between 1:8 and 8:1", tall);
  expect_one (IMAGE, huge, "images[0] (Image 1): %s is 8001x240 pixels; "
      "each side must be 240..8000", huge);
  expect_one (IMAGE, thin, "images[0] (Image 1): %s is 239x400 pixels; "
      "each side must be 240..8000", thin);
}

GST_END_TEST;

GST_START_TEST (test_image_alpha)
{
  g_autofree char *alpha = sample ("alpha.png");
  g_autofree char *red = sample ("red.png");
  g_autofree char *trns = temp_path ("trns.png");
  g_autofree char *contents = NULL;
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  /* a tRNS chunk for an RGB image (colour key); the CRC is not checked */
  static const guint8 chunk[] = { 0, 0, 0, 6, 't', 'R', 'N', 'S',
    0, 0, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78
  };
  gsize length;

  fail_unless (g_file_get_contents (red, &contents, &length, NULL));
  /* after the signature and IHDR */
  g_byte_array_append (bytes, (const guint8 *) contents, 33);
  g_byte_array_append (bytes, chunk, sizeof (chunk));
  g_byte_array_append (bytes, (const guint8 *) contents + 33, length - 33);
  fail_unless (g_file_set_contents (trns, (const char *) bytes->data,
          bytes->len, NULL));

  expect_one (IMAGE, alpha, "images[0] (Image 1): %s is a PNG with an alpha "
      "channel; the service refuses PNG images with alpha: save it without "
      "transparency, or as JPEG", alpha);
  expect_one (FIRST, trns, "first-frame: %s is a PNG with transparency (a "
      "tRNS chunk); the service refuses PNG images with alpha: save it "
      "without transparency, or as JPEG", trns);
}

GST_END_TEST;

GST_START_TEST (test_image_format)
{
  g_autofree char *video = sample ("character.mp4");
  g_autofree char *readme = sample ("README.md");
  g_autofree char *red = sample ("red.png");
  g_autofree char *cut = temp_path ("cut.png");
  g_autofree char *contents = NULL;
  gsize length;

  fail_unless (g_file_get_contents (red, &contents, &length, NULL));
  fail_unless (g_file_set_contents (cut, contents, 20, NULL));

  expect_one (IMAGE, video, "images[0] (Image 1): %s is not a JPEG, PNG, "
      "BMP or WEBP image: its content is video/mp4", video);
  expect_one (IMAGE, readme, "images[0] (Image 1): %s is not a JPEG, PNG, "
      "BMP or WEBP image", readme);
  expect_one (IMAGE, cut, "images[0] (Image 1): %s is not a valid image: "
      "the PNG header is cut short (the data ends at byte 20)", cut);
}

GST_END_TEST;

GST_START_TEST (test_image_bytes)
{
  g_autofree char *green = sample ("green.jpg");
  g_autofree char *big = copy_sparse (green, "big.jpg", NULL, 0,
      21 * 1024 * 1024);
  g_autofree char *just = copy_sparse (green, "just.jpg", NULL, 0,
      20 * 1024 * 1024 + 1);
  g_autofree char *fits = copy_sparse (green, "fits.jpg", NULL, 0,
      20 * 1024 * 1024);
  g_autoptr (WanR2vRequest) req = new_request (NULL);

  /* a JPEG with trailing bytes is still a JPEG */
  expect_one (IMAGE, big, "images[0] (Image 1): %s is 21.0 MB; an image "
      "must be at most 20 MB", big);
  expect_one (FIRST, just, "first-frame: %s is 20971521 bytes; an image "
      "must be at most 20 MB (20971520 bytes)", just);
  wanr2v_request_add_media (req, IMAGE, fits, NULL);
  assert_passes (req);
}

GST_END_TEST;

/* ---- files -------------------------------------------------------------- */

GST_START_TEST (test_files)
{
  g_autofree char *missing = temp_path ("missing.png");
  g_autofree char *dir = temp_path ("folder.mp4");
  g_autofree char *uri = NULL;

  fail_unless (g_mkdir (dir, 0700) == 0);
  uri = g_filename_to_uri (missing, NULL, NULL);

  expect_one (IMAGE, missing, "images[0] (Image 1): %s does not exist",
      missing);
  expect_one (IMAGE, uri, "images[0] (Image 1): %s does not exist",
      missing);
  expect_one (VIDEO, dir, "videos[0] (Video 1): %s is a directory, not a "
      "file", dir);
  expect_one (VOICE, missing, "image-voices[0] (voice of Image 1): %s does "
      "not exist", missing);
  expect_one (VOICE, "/dev/null", "image-voices[0] (voice of Image 1): "
      "/dev/null is not a regular file");
}

GST_END_TEST;

/* ---- videos ------------------------------------------------------------- */

GST_START_TEST (test_video_duration)
{
  g_autofree char *long_clip = make_video ("long.mp4", 240, 240, 7, "1/5",
      "mp4mux");
  g_autofree char *short_clip = make_video ("short.mp4", 240, 240, 1,
      "2/1", "mp4mux");

  expect_one (VIDEO, long_clip, "videos[0] (Video 1): %s lasts 35.0 s; a "
      "reference video must last 1..30 s", long_clip);
  expect_one (VIDEO, short_clip, "videos[0] (Video 1): %s lasts 0.5 s; a "
      "reference video must last 1..30 s", short_clip);
}

GST_END_TEST;

GST_START_TEST (test_video_pixels)
{
  g_autofree char *small = make_video ("small.mp4", 160, 120, 1, "1/2",
      "mp4mux");
  g_autofree char *big = make_video ("big.mp4", 4104, 600, 1, "1/2",
      "mp4mux");
  g_autofree char *wide = make_video ("wide.mp4", 1944, 240, 1, "1/2",
      "mp4mux");

  expect_one (VIDEO, small, "videos[0] (Video 1): %s is 160x120 pixels; "
      "each side must be 240..4096", small);
  expect_one (VIDEO, big, "videos[0] (Video 1): %s is 4104x600 pixels; "
      "each side must be 240..4096", big);
  expect_one (VIDEO, wide, "videos[0] (Video 1): %s is 1944x240 pixels, an "
      "aspect ratio of 8.1:1; it must be between 1:8 and 8:1", wide);
}

GST_END_TEST;

GST_START_TEST (test_video_format)
{
  g_autofree char *mkv = make_video ("clip.mkv", 240, 240, 1, "1/2",
      "matroskamux");
  g_autofree char *audio = make_media ("audio.mp4", "audiotestsrc "
      "num-buffers=20 ! audioconvert ! avenc_aac ! mp4mux");
  g_autofree char *image = sample ("red.png");
  g_autofree char *readme = sample ("README.md");

  expect_one (VIDEO, mkv, "videos[0] (Video 1): %s is not an MP4 or MOV "
      "video: its format is Matroska", mkv);
  expect_one (VIDEO, audio, "videos[0] (Video 1): %s has no video stream",
      audio);
  expect_one (VIDEO, image, "videos[0] (Video 1): %s is not an MP4 or MOV "
      "video: its format is PNG", image);
  expect_one (VIDEO, readme, "videos[0] (Video 1): %s is not an MP4 or MOV "
      "video: its type is not recognised", readme);
}

GST_END_TEST;

GST_START_TEST (test_video_bytes)
{
  g_autofree char *clip = sample ("character.mp4");
  /* the padding is a 'free' box, so that the file stays a valid MP4 */
  guint64 size = 101 * 1024 * 1024, clip_size;
  g_autofree char *big = NULL;
  guint8 free_box[8] = { 0, 0, 0, 0, 'f', 'r', 'e', 'e' };
  GStatBuf st;

  fail_unless (g_stat (clip, &st) == 0);
  clip_size = st.st_size;
  GST_WRITE_UINT32_BE (free_box, size - clip_size);
  big = copy_sparse (clip, "big.mp4", free_box, 8, size);

  expect_one (VIDEO, big, "videos[0] (Video 1): %s is 101.0 MB; a reference "
      "video must be at most 100 MB", big);
}

GST_END_TEST;

/* ---- voices ------------------------------------------------------------- */

GST_START_TEST (test_voices)
{
  g_autofree char *long_voice = make_voice ("long.wav", 124, "wavenc");
  g_autofree char *short_voice = make_voice ("short.mp3", 5,
      "lamemp3enc");
  g_autofree char *flac = make_voice ("voice.flac", 20, "flacenc");
  g_autofree char *big = make_big_wav ("big.wav", 16 * 1024 * 1024);
  g_autofree char *video = sample ("character.mp4");
  g_autofree char *clip = sample ("character-silent.mp4");
  g_autoptr (WanR2vRequest) req = new_request (NULL);
  g_autofree char *expected = NULL;

  expect_one (VOICE, long_voice, "image-voices[0] (voice of Image 1): %s "
      "lasts 12.4 s; a reference voice must last 1..10 s", long_voice);
  /* 0.5 s of sound, in 0.144 s MP3 frames */
  expect_one (VOICE, short_voice, "image-voices[0] (voice of Image 1): %s "
      "lasts 0.6 s; a reference voice must last 1..10 s", short_voice);
  expect_one (VOICE, flac, "image-voices[0] (voice of Image 1): %s is not a "
      "WAV or MP3 audio file: its format is Free Lossless Audio Codec "
      "(FLAC)", flac);
  expect_one (VOICE, video, "image-voices[0] (voice of Image 1): %s is not "
      "a WAV or MP3 audio file: its format is ISO MP4/M4A", video);
  expect_one (VOICE, big, "image-voices[0] (voice of Image 1): %s is 16.0 "
      "MB; a reference voice must be at most 15 MB", big);

  /* the voice of a video, as the brief's example */
  wanr2v_request_add_media (req, VIDEO, clip, long_voice);
  expected = g_strdup_printf ("video-voices[0] (voice of Video 1): %s lasts "
      "12.4 s; a reference voice must last 1..10 s", long_voice);
  assert_fails (req, expected);
}

GST_END_TEST;

/* The fallback for files whose duration GstDiscoverer may not know. */
GST_START_TEST (test_measure_duration)
{
  g_autofree char *mp3 = sample ("voice-boy.mp3");
  g_autofree char *wav = sample ("voice-girl.wav");
  g_autofree char *clip = sample ("character.mp4");
  g_autofree char *readme = sample ("README.md");
  g_autofree char *long_voice = make_voice ("long.mp3", 124, "lamemp3enc");
  GstClockTime d;

  /* whole MP3 frames (26 ms at 44.1 kHz, 72 ms at 8 kHz), plus the
   * encoder's delay */
  d = gst_wanr2v_src_inspect_measure_duration (mp3);
  fail_unless (d >= 2 * GST_SECOND && d <= 2100 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (d));
  d = gst_wanr2v_src_inspect_measure_duration (long_voice);
  fail_unless (d >= 12400 * GST_MSECOND && d <= 12800 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (d));
  fail_unless_equals_uint64 (gst_wanr2v_src_inspect_measure_duration (wav),
      2 * GST_SECOND);
  d = gst_wanr2v_src_inspect_measure_duration (clip);
  fail_unless (d >= 1900 * GST_MSECOND && d <= 2100 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (d));
  fail_unless_equals_uint64 (gst_wanr2v_src_inspect_measure_duration (readme),
      GST_CLOCK_TIME_NONE);
}

GST_END_TEST;

/* ---- whole requests ----------------------------------------------------- */

/* Every problem, in media order, one per line; good entries say nothing. */
GST_START_TEST (test_all_problems)
{
  g_autoptr (WanR2vRequest) req = new_request (NULL);
  g_autofree char *red = sample ("red.png");
  g_autofree char *tiny = sample ("tiny.png");
  g_autofree char *alpha = sample ("alpha.png");
  g_autofree char *clip = sample ("character.mp4");
  g_autofree char *girl = sample ("voice-girl.wav");
  g_autofree char *missing = temp_path ("gone.wav");
  g_autofree char *expected = NULL;

  wanr2v_request_add_media (req, IMAGE, red, girl);
  wanr2v_request_add_media (req, VIDEO, clip, missing);
  wanr2v_request_add_media (req, IMAGE, tiny, NULL);
  wanr2v_request_add_media (req, FIRST, alpha, NULL);
  expected = g_strdup_printf ("video-voices[0] (voice of Video 1): %s does "
      "not exist\n"
      "images[1] (Image 2): %s is 100x100 pixels; each side must be "
      "240..8000\n"
      "first-frame: %s is a PNG with an alpha channel; the service refuses "
      "PNG images with alpha: save it without transparency, or as JPEG",
      missing, tiny, alpha);
  assert_fails (req, expected);
}

GST_END_TEST;

/* wan2.6 names references characterN across images and videos. */
GST_START_TEST (test_wan26_labels)
{
  g_autoptr (WanR2vRequest) req = new_request ("wan2.6-r2v");
  g_autofree char *clip = sample ("character.mp4");
  g_autofree char *tiny = sample ("tiny.png");
  g_autofree char *expected = NULL;

  wanr2v_request_add_media (req, VIDEO, clip, NULL);
  wanr2v_request_add_media (req, IMAGE, tiny, NULL);
  expected = g_strdup_printf ("images[0] (character2): %s is 100x100 "
      "pixels; each side must be 240..8000", tiny);
  assert_fails (req, expected);
}

GST_END_TEST;

static Suite *
inspect_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-inspect");
  TCase *tc = tcase_create ("inspect");

  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_samples_pass);
  tcase_add_test (tc, test_remote_skipped);
  tcase_add_test (tc, test_edges_pass);
  tcase_add_test (tc, test_image_pixels);
  tcase_add_test (tc, test_image_alpha);
  tcase_add_test (tc, test_image_format);
  tcase_add_test (tc, test_image_bytes);
  tcase_add_test (tc, test_files);
  tcase_add_test (tc, test_video_duration);
  tcase_add_test (tc, test_video_pixels);
  tcase_add_test (tc, test_video_format);
  tcase_add_test (tc, test_video_bytes);
  tcase_add_test (tc, test_voices);
  tcase_add_test (tc, test_measure_duration);
  tcase_add_test (tc, test_all_problems);
  tcase_add_test (tc, test_wan26_labels);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  /* The inspect code is built into this test, with the core library.  If
   * the registry needs a scan, let the plugin scanner helper load the
   * plugins: the plugin holds another copy of both (two definitions of
   * each global, which ASan rightly reports), and loading every plugin
   * here would make this process pay for all of them. */
  g_setenv ("GST_REGISTRY_FORK", "yes", TRUE);

  gst_check_init (&argc, &argv);
  return gst_check_run_suite (inspect_suite (), "inspect", __FILE__);
}
