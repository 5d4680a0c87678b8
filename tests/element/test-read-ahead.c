/* test-read-ahead.c: bytes a reader needs far ahead of the download (the
 * moov at the end of a moov-last video, a seek) come at once, with a ranged
 * request of their own, and no byte is fetched twice.
 *
 * The emulator serves a padded result slowly (--result-size,
 * --download-rate), so that the whole download takes seconds and what
 * comes before it is easy to tell apart.
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "emulator-fixture.h"
#include "wanr2v-crc64.h"

#define RESULT_MIB 24
#define RATE_MIB 4              /* so the download takes 6 s */
#define RESULT_SIZE ((guint64) RESULT_MIB * 1024 * 1024)

static char *cache_dir;
static char *storage_dir;

static void
setup (void)
{
  cache_dir = g_dir_make_tmp ("wanr2v-test-XXXXXX", NULL);
  storage_dir = g_dir_make_tmp ("wanr2v-emu-XXXXXX", NULL);
}

static void
teardown (void)
{
  emu_fixture_remove_tree (cache_dir);
  emu_fixture_remove_tree (storage_dir);
  g_clear_pointer (&cache_dir, g_free);
  g_clear_pointer (&storage_dir, g_free);
}

static EmuFixture *
start_slow_emulator (const char *moov)
{
  g_autofree char *size = g_strdup_printf ("%uM", RESULT_MIB);
  g_autofree char *rate = g_strdup_printf ("%uM", RATE_MIB);
  const char *args[] = { "--moov", moov, "--result-size", size,
    "--download-rate", rate, "--storage-dir", storage_dir, NULL
  };

  return emu_fixture_start (args);
}

static void
configure (GstElement * src, EmuFixture * emu)
{
  GValue array = G_VALUE_INIT, item = G_VALUE_INIT;
  g_autofree char *image = emu_fixture_data_path ("red.png");

  g_object_set (src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "poll-interval", 50,
      "cache-dir", cache_dir, "duration", 2, "prompt",
      "Image 1 waves", NULL);
  gst_util_set_object_arg (G_OBJECT (src), "resolution", "720P");
  gst_value_array_init (&array, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, image);
  gst_value_array_append_and_take_value (&array, &item);
  g_object_set_property (G_OBJECT (src), "images", &array);
  g_value_unset (&array);
}

/* The kept video in the cache directory, NULL while there is none. */
static char *
kept_video (void)
{
  g_autoptr (GDir) dir = g_dir_open (cache_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".mp4"))
      return g_build_filename (cache_dir, name, NULL);
  return NULL;
}

static guint64
file_crc64 (const char *path)
{
  g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, NULL);

  fail_unless (map != NULL, "cannot read %s", path);
  return wanr2v_crc64_update (WANR2V_CRC64_INIT,
      g_mapped_file_get_contents (map), g_mapped_file_get_length (map));
}

typedef struct
{
  guint64 start;                /* of the range asked for */
  guint64 sent;                 /* body bytes the emulator wrote */
  char *range;                  /* the Range header, "" for none */
} Download;

static void
download_free (Download * d)
{
  g_free (d->range);
  g_free (d);
}

/* The result GETs, once the emulator has ended every one of them (a cut
 * connection is seen at its next write). */
static GPtrArray *
downloads (EmuFixture * emu, char **result_path)
{
  gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (5);

  for (;;) {
    g_autoptr (JsonArray) log = emu_fixture_get_requests (emu);
    GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify)
        download_free);
    guint i;
    guint64 sum = 0;

    for (i = 0; i < json_array_get_length (log); i++) {
      JsonObject *r = json_array_get_object_element (log, i);
      JsonObject *headers = json_object_get_object_member (r, "headers");
      const char *path = json_object_get_string_member (r, "path");
      const char *range;
      Download *d;

      if (!g_str_has_prefix (path, "/results/"))
        continue;
      range = json_object_get_string_member_with_default (headers, "range",
          "");
      d = g_new0 (Download, 1);
      d->range = g_strdup (range);
      if (g_str_has_prefix (range, "bytes="))
        d->start = g_ascii_strtoull (range + 6, NULL, 10);
      d->sent = json_object_get_int_member_with_default (r, "sent_bytes", 0);
      sum += d->sent;
      g_ptr_array_add (list, d);
      if (result_path && *result_path == NULL)
        *result_path = g_build_filename (storage_dir, "results",
            path + strlen ("/results/"), NULL);
    }
    if (sum >= RESULT_SIZE || g_get_monotonic_time () > deadline)
      return list;
    g_ptr_array_unref (list);
    g_usleep (100 * 1000);
  }
}

/* What a connection the client cut can still have taken from the emulator
 * without the client reading it: the socket buffers of both ends (the
 * emulator logs a byte as sent once the kernel takes it). */
#define IN_FLIGHT_SLACK (1024 * 1024)

/* Every byte of the video was fetched once: the emulator's bodies add up
 * to the file, and they overlap by no more than what a cut connection had
 * in flight (a byte fetched twice by the client would show as a whole
 * piece, megabytes, of overlap). */
static void
assert_each_byte_once (GPtrArray * list)
{
  guint64 sum = 0, overlap = 0;
  guint i, j;

  for (i = 0; i < list->len; i++) {
    Download *a = g_ptr_array_index (list, i);

    sum += a->sent;
    for (j = i + 1; j < list->len; j++) {
      Download *b = g_ptr_array_index (list, j);
      guint64 lo = MAX (a->start, b->start);
      guint64 hi = MIN (a->start + a->sent, b->start + b->sent);

      if (hi > lo)
        overlap += hi - lo;
    }
  }
  fail_unless (overlap <= IN_FLIGHT_SLACK, "the GETs overlap by %"
      G_GUINT64_FORMAT " bytes", overlap);
  fail_unless (sum >= RESULT_SIZE && sum <= RESULT_SIZE + IN_FLIGHT_SLACK,
      "the emulator sent %" G_GUINT64_FORMAT " bytes for a %"
      G_GUINT64_FORMAT "-byte video", sum, (guint64) RESULT_SIZE);
}

/* The first GET is the download from the start; one of the others asks
 * for @at onwards (the piece a reader waited for). */
static void
assert_piece_at (GPtrArray * list, guint64 at_least, guint64 below)
{
  Download *sequential = g_ptr_array_index (list, 0);
  guint i;

  fail_unless_equals_string (sequential->range, "");
  for (i = 1; i < list->len; i++) {
    Download *d = g_ptr_array_index (list, i);

    if (d->start >= at_least && d->start < below && d->sent > 0)
      return;
  }
  fail ("no ranged request for a piece in %" G_GUINT64_FORMAT "..%"
      G_GUINT64_FORMAT " (%u GETs)", at_least, below, list->len);
}

static void
assert_kept_equals_result (const char *result_path)
{
  g_autofree char *kept = kept_video ();

  fail_unless (kept != NULL, "no kept video");
  fail_unless (result_path != NULL);
  fail_unless (file_crc64 (kept) == file_crc64 (result_path),
      "the kept video differs from the emulator's %s", result_path);
}

/* ---- the first frame ---------------------------------------------------- */

typedef struct
{
  gint64 start_us;
  gint64 first_us;              /* the first decoded frame, or 0 */
  gboolean kept_at_first;       /* the download was complete by then */
} FirstFrame;

static GstPadProbeReturn
on_decoded (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  FirstFrame *ff = data;
  g_autofree char *kept = NULL;

  if (ff->first_us == 0) {
    ff->first_us = g_get_monotonic_time ();
    kept = kept_video ();
    ff->kept_at_first = kept != NULL;
  }
  return GST_PAD_PROBE_OK;
}

/* Waits for the "download" COMPLETE progress (the video is kept), EOS or
 * an error; FALSE on an error or timeout. */
static gboolean
wait_for_download (GstElement * pipeline, guint timeout_s)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () +
      emu_fixture_scaled_us (timeout_s);
  gboolean complete = FALSE, eos = FALSE;

  while (!(complete && eos)) {
    gint64 left = deadline - g_get_monotonic_time ();
    g_autoptr (GstMessage) msg = NULL;

    if (left <= 0)
      return FALSE;
    msg = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_PROGRESS);
    if (msg == NULL)
      return FALSE;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      g_autoptr (GError) error = NULL;

      gst_message_parse_error (msg, &error, NULL);
      g_printerr ("error: %s\n", error->message);
      return FALSE;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
      eos = TRUE;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_PROGRESS) {
      GstProgressType type;
      g_autofree char *code = NULL, *text = NULL;

      gst_message_parse_progress (msg, &type, &code, &text);
      if (type == GST_PROGRESS_TYPE_COMPLETE && strcmp (code, "download") == 0)
        complete = TRUE;
    }
  }
  return TRUE;
}

/* A moov-last video decodes its first frame long before the download is
 * complete: qtdemux (pull mode) reads the moov at the end, which the
 * element fetches at once with a ranged request; the download skips what
 * that request brought, and the kept video is the emulator's, byte for
 * byte. */
/* Plays the moov-last result with qtdemux in pull mode until the video is
 * kept; returns the time from the first decoded frame to the download's
 * end, in s, and whether the video was kept before that frame. */
static double
play_moov_last (EmuFixture * emu, gboolean * kept_at_first)
{
  GstElement *pipeline = gst_parse_launch ("wanr2vsrc name=src ! qtdemux "
      "name=demux demux.video_0 ! queue ! avdec_h264 ! fakesink name=vsink "
      "sync=false", NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "vsink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  FirstFrame ff = { 0, };
  gint64 done_us;

  configure (src, emu);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_decoded, &ff, NULL);
  ff.start_us = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (wait_for_download (pipeline, 60), "no complete download");
  done_us = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_NULL);

  fail_unless (ff.first_us > 0, "no decoded frame");
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  *kept_at_first = ff.kept_at_first;
  return (done_us - ff.first_us) / 1e6;
}

GST_START_TEST (test_moov_last_first_frame_at_once)
{
  g_autoptr (EmuFixture) emu = start_slow_emulator ("last");
  g_autoptr (GPtrArray) list = NULL;
  g_autofree char *result_path = NULL;
  gboolean kept_at_first;
  double ahead = play_moov_last (emu, &kept_at_first);

  fail_if (kept_at_first, "the first frame came after the download");
  /* The download alone takes RESULT_MIB / RATE_MIB = 6 s; the frame comes
   * within the task's life and a moment. */
  fail_unless (ahead > 3, "the first frame came %.2f s before the "
      "download's end", ahead);

  list = downloads (emu, &result_path);
  /* The tail: within the last MiB. */
  assert_piece_at (list, RESULT_SIZE - 1024 * 1024, RESULT_SIZE);
  assert_each_byte_once (list);
  assert_kept_equals_result (result_path);
}

GST_END_TEST;

/* Plays the moov-last result with @fault in force: the first frame must
 * come more than @min_ahead_s before the download's end, and the tail's
 * piece must have been fetched.  Returns the result's downloads, and its
 * path in *@result_path. */
static GPtrArray *
play_moov_last_with_fault (EmuFixture * emu, const char *fault,
    double min_ahead_s, char **result_path)
{
  GPtrArray *list;
  gboolean kept_at_first;
  double ahead;

  emu_fixture_add_fault (emu, fault);
  ahead = play_moov_last (emu, &kept_at_first);
  fail_if (kept_at_first, "the first frame came after the download");
  fail_unless (ahead > min_ahead_s, "the first frame came %.2f s before "
      "the end", ahead);
  list = downloads (emu, result_path);
  assert_piece_at (list, RESULT_SIZE - 1024 * 1024, RESULT_SIZE);
  return list;
}

/* The download breaks off after the piece was fetched: it resumes where
 * it was, still skips the piece, and the kept video is right. */
GST_START_TEST (test_moov_last_download_resumed)
{
  g_autoptr (EmuFixture) emu = start_slow_emulator ("last");
  g_autofree char *result_path = NULL;
  /* The third GET is the download's bounded one (after the cut). */
  g_autoptr (GPtrArray) list = play_moov_last_with_fault (emu,
      "download:reset=3000000,after=2", 2, &result_path);
  guint i, resumed = 0;

  for (i = 0; i < list->len; i++) {
    Download *d = g_ptr_array_index (list, i);

    /* Resumed after the reset, and bounded by the piece. */
    if (d->start > 3000000 && g_str_has_suffix (d->range, "-") == FALSE
        && d->start < RESULT_SIZE - 1024 * 1024)
      resumed++;
  }
  fail_unless (resumed >= 1, "no resumed, bounded download");
  assert_kept_equals_result (result_path);
}

GST_END_TEST;

/* The piece fails once (a 503): it is fetched again after a backoff, and
 * the first frame still comes long before the download's end. */
GST_START_TEST (test_moov_last_piece_retried)
{
  g_autoptr (EmuFixture) emu = start_slow_emulator ("last");
  g_autofree char *result_path = NULL;
  /* The first GET is the download's; the second, the tail's piece. */
  g_autoptr (GPtrArray) list = play_moov_last_with_fault (emu,
      "download:status=503,after=1", 2, &result_path);

  assert_kept_equals_result (result_path);
}

GST_END_TEST;

/* A server that ignores Range: the piece fails, the reader waits for the
 * download after all, which starts over, and the kept video is right. */
GST_START_TEST (test_moov_last_server_ignores_range)
{
  g_autoptr (EmuFixture) emu = start_slow_emulator ("last");
  g_autoptr (GPtrArray) list = NULL;
  g_autofree char *result_path = NULL;
  gboolean kept_at_first;

  emu_fixture_add_fault (emu, "download:ignore-range,count=-1");
  play_moov_last (emu, &kept_at_first);
  list = downloads (emu, &result_path);
  assert_kept_equals_result (result_path);
}

GST_END_TEST;

/* ---- a seek ------------------------------------------------------------- */

typedef struct
{
  guint64 target;
  gint64 seek_us;
  gint64 reached_us;            /* the first buffer at target */
} SeekWatch;

static GstPadProbeReturn
on_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  SeekWatch *w = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  if (w->seek_us && !w->reached_us && GST_BUFFER_OFFSET (buf) == w->target)
    w->reached_us = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

static gboolean
has_download_bytes (guint64 at_least)
{
  g_autoptr (GDir) dir = g_dir_open (cache_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *path = g_build_filename (cache_dir, name, NULL);
    GStatBuf st;

    if (g_str_has_suffix (name, ".part") && g_stat (path, &st) == 0
        && (guint64) st.st_size >= at_least)
      return TRUE;
  }
  return FALSE;
}

/* A seek in a video that is still downloading, to a part not fetched yet,
 * is served at once the same way, and the download still fetches each
 * byte once. */
GST_START_TEST (test_seek_ahead_of_download)
{
  g_autoptr (EmuFixture) emu = start_slow_emulator ("first");
  GstElement *pipeline = gst_parse_launch ("wanr2vsrc name=src ! "
      "fakesink name=sink sync=false", NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  SeekWatch w = { 0, };
  g_autoptr (GPtrArray) list = NULL;
  g_autofree char *result_path = NULL;
  gint64 deadline;

  /* Half-way: 3 s of download ahead of the first bytes. */
  w.target = RESULT_SIZE / 2;
  configure (src, emu);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, &w, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL,
          emu_fixture_scaled_ns (30)) == GST_STATE_CHANGE_SUCCESS);
  deadline = g_get_monotonic_time () + emu_fixture_scaled_us (30);
  while (!has_download_bytes (256 * 1024)
      && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  fail_unless (has_download_bytes (256 * 1024), "the download did not start");

  w.seek_us = g_get_monotonic_time ();
  fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_BYTES,
          GST_SEEK_FLAG_FLUSH, w.target));
  fail_unless (wait_for_download (pipeline, 60), "no complete download");
  gst_element_set_state (pipeline, GST_STATE_NULL);

  fail_unless (w.reached_us > 0, "no buffer at the seek's offset");
  /* The download would get there in about 3 s. */
  fail_unless (w.reached_us - w.seek_us < 1500 * 1000 *
      emu_fixture_time_scale (), "the seek took %.2f s",
      (w.reached_us - w.seek_us) / 1e6);

  list = downloads (emu, &result_path);
  assert_piece_at (list, w.target, w.target + 1);
  assert_each_byte_once (list);
  assert_kept_equals_result (result_path);

  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
read_ahead_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-read-ahead");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_moov_last_first_frame_at_once);
  tcase_add_test (tc, test_moov_last_download_resumed);
  tcase_add_test (tc, test_moov_last_piece_retried);
  tcase_add_test (tc, test_moov_last_server_ignores_range);
  tcase_add_test (tc, test_seek_ahead_of_download);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (read_ahead);
