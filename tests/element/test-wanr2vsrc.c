/* test-wanr2vsrc.c: the element end to end against the emulator.
 *
 * Each test starts its own wanr2v-emulator on 127.0.0.1 and checks what a
 * user would check: decoded frames, pixel size, duration, audio, that the
 * picture shows the references, errors with their details, and what the
 * emulator received. */
#include <gst/check/gstcheck.h>
#include <gst/pbutils/pbutils.h>
#include <glib/gstdio.h>
#include <string.h>

#include "emulator-fixture.h"
#include "emu-render.h"
#include "pipeline-run.h"

#define VIDEO_DECODE "videoconvert ! video/x-raw,format=RGB ! " \
    "appsink name=vsink sync=false"

static char *cache_dir;

static void
setup (void)
{
  cache_dir = g_dir_make_tmp ("wanr2v-test-XXXXXX", NULL);
}

static void
teardown (void)
{
  emu_fixture_remove_tree (cache_dir);
  g_clear_pointer (&cache_dir, g_free);
}

static void
set_images (GstElement * src, const char *first, ...)
{
  GValue array = G_VALUE_INIT;
  const char *name;
  va_list args;

  gst_value_array_init (&array, 4);
  va_start (args, first);
  for (name = first; name; name = va_arg (args, const char *)) {
    GValue item = G_VALUE_INIT;
    g_autofree char *path = emu_fixture_data_path (name);

    g_value_init (&item, G_TYPE_STRING);
    g_value_set_string (&item, path);
    gst_value_array_append_and_take_value (&array, &item);
  }
  va_end (args);
  g_object_set_property (G_OBJECT (src), "images", &array);
  g_value_unset (&array);
}

/* Points the source at the emulator with fast polling and short videos. */
static void
configure (GstElement * src, EmuFixture * emu)
{
  g_object_set (src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "poll-interval", 50,
      "cache-dir", cache_dir, "duration", 2, "prompt",
      "Image 1 waves at Image 2", NULL);
  gst_util_set_object_arg (G_OBJECT (src), "resolution", "720P");
  set_images (src, "red.png", "green.jpg", NULL);
}

static PipelineRun *
run_with (EmuFixture * emu, const char *description)
{
  PipelineRun *run = pipeline_run_new (description);

  configure (run->src, emu);
  return run;
}

static const GstStructure *
last_task_message (PipelineRun * run)
{
  fail_unless (run->task_messages->len > 0, "no wanr2v/task message");
  return g_ptr_array_index (run->task_messages, run->task_messages->len - 1);
}

/* The references must be in the picture, each in its tile. */
static void
assert_references_shown (PipelineRun * run, const char *const *names,
    guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    g_autofree char *path = emu_fixture_data_path (names[i]);
    guint8 want[3], got[3];
    guint x, y, w, h;

    decode_image_centre (path, want);
    emu_render_tile_rect (run->width, run->height, i, n, &x, &y, &w, &h);
    pipeline_run_pixel (run, x + w / 2, y + h / 2, got);
    fail_unless (colour_close (want, got, 40),
        "tile %u shows %u,%u,%u where %s has %u,%u,%u", i, got[0], got[1],
        got[2], names[i], want[0], want[1], want[2]);
  }
}

static void
assert_generated_video (PipelineRun * run, guint width, guint height,
    guint seconds)
{
  fail_unless (run->error == NULL, "error: %s (%s)",
      run->error ? run->error->message : "", run->error_debug);
  fail_unless (run->eos);
  fail_unless_equals_int (run->video_frames, seconds * 30);
  fail_unless_equals_int (run->width, width);
  fail_unless_equals_int (run->height, height);
  fail_unless (run->first_pts == 0);
  fail_unless (run->last_pts + GST_SECOND / 30 + GST_MSECOND >=
      (GstClockTime) seconds * GST_SECOND
      && run->last_pts < (GstClockTime) seconds * GST_SECOND,
      "last frame at %" GST_TIME_FORMAT, GST_TIME_ARGS (run->last_pts));
}

static const char *const two_refs[] = { "red.png", "green.jpg" };

static void
check_pipeline (const char *moov, const char *description,
    GstPadMode expected_mode)
{
  const char *args[] = { "--moov", moov, NULL };
  EmuFixture *emu = emu_fixture_start (args);
  PipelineRun *run;
  const GstStructure *task;
  g_autofree char *task_id = NULL;
  GstPad *pad;

  run = pipeline_run_new (description);
  configure (run->src, emu);
  run->keep_frame_index = 10;
  pipeline_run_play (run, 60);

  assert_generated_video (run, 1280, 720, 2);
  fail_unless (run->audio_buffers > 0, "no audio");
  assert_references_shown (run, two_refs, 2);

  pad = gst_element_get_static_pad (run->src, "src");
  fail_unless_equals_int (GST_PAD_MODE (pad), expected_mode);
  gst_object_unref (pad);

  task = last_task_message (run);
  fail_unless_equals_string (gst_structure_get_string (task, "status"),
      "SUCCEEDED");
  g_object_get (run->src, "task-id", &task_id, NULL);
  fail_unless (task_id != NULL);
  fail_unless_equals_string (gst_structure_get_string (task, "task-id"),
      task_id);

  /* One task, and the download carried no key. */
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/services/aigc/video-generation/video-synthesis"), 1);
  {
    JsonArray *log = emu_fixture_get_requests (emu);
    guint i, downloads = 0;

    for (i = 0; i < json_array_get_length (log); i++) {
      JsonObject *r = json_array_get_object_element (log, i);
      JsonObject *headers = json_object_get_object_member (r, "headers");

      if (g_str_has_prefix (json_object_get_string_member (r, "path"),
              "/results/")) {
        GList *names = json_object_get_members (headers), *l;

        downloads++;
        for (l = names; l; l = l->next)
          fail_if (g_ascii_strcasecmp (l->data, "authorization") == 0,
              "the download was sent the API key");
        g_list_free (names);
      }
    }
    fail_unless (downloads >= 1);
    json_array_unref (log);
  }

  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

#define PULL_DEMUX "wanr2vsrc name=src ! qtdemux name=demux " \
    "demux.video_0 ! queue ! avdec_h264 ! " VIDEO_DECODE " " \
    "demux.audio_0 ! queue ! fakesink name=asink sync=false"
/* queue2 makes qtdemux run in push mode, as urisourcebin does.  A plain
 * queue works too, but GStreamer 1.22's queue can hold a serialized
 * ALLOCATION query for ever (filesrc ! queue ! qtdemux hangs now and then
 * as well); see gst_wanr2v_src_fill for what the element does about it. */
#define PUSH_DEMUX "wanr2vsrc name=src ! queue2 ! qtdemux name=demux " \
    "demux.video_0 ! queue ! avdec_h264 ! " VIDEO_DECODE " " \
    "demux.audio_0 ! queue ! fakesink name=asink sync=false"
#define DECODEBIN "wanr2vsrc name=src ! decodebin name=dec " \
    "dec. ! queue ! " VIDEO_DECODE " " \
    "dec. ! queue ! audioconvert ! fakesink name=asink sync=false"

GST_START_TEST (test_pull_qtdemux_moov_last)
{
  check_pipeline ("last", PULL_DEMUX, GST_PAD_MODE_PULL);
}

GST_END_TEST;

GST_START_TEST (test_pull_qtdemux_moov_first)
{
  check_pipeline ("first", PULL_DEMUX, GST_PAD_MODE_PULL);
}

GST_END_TEST;

GST_START_TEST (test_push_qtdemux_moov_last)
{
  check_pipeline ("last", PUSH_DEMUX, GST_PAD_MODE_PUSH);
}

GST_END_TEST;

GST_START_TEST (test_push_qtdemux_moov_first)
{
  check_pipeline ("first", PUSH_DEMUX, GST_PAD_MODE_PUSH);
}

GST_END_TEST;

GST_START_TEST (test_decodebin)
{
  check_pipeline ("last", DECODEBIN, GST_PAD_MODE_PULL);
}

GST_END_TEST;

/* ---- sizes, through filesink and GstDiscoverer -------------------------- */

static void
discover (const char *path, guint * width, guint * height,
    GstClockTime * duration, gboolean * has_audio)
{
  g_autoptr (GstDiscoverer) discoverer = gst_discoverer_new
      (emu_fixture_scaled_ns (10), NULL);
  g_autofree char *uri = gst_filename_to_uri (path, NULL);
  g_autoptr (GstDiscovererInfo) info = NULL;
  GList *videos, *audios;

  info = gst_discoverer_discover_uri (discoverer, uri, NULL);
  fail_unless (info != NULL);
  fail_unless_equals_int (gst_discoverer_info_get_result (info),
      GST_DISCOVERER_OK);
  videos = gst_discoverer_info_get_video_streams (info);
  audios = gst_discoverer_info_get_audio_streams (info);
  fail_unless (videos != NULL);
  *width = gst_discoverer_video_info_get_width (videos->data);
  *height = gst_discoverer_video_info_get_height (videos->data);
  *duration = gst_discoverer_info_get_duration (info);
  *has_audio = audios != NULL;
  gst_discoverer_stream_info_list_free (videos);
  gst_discoverer_stream_info_list_free (audios);
}

GST_START_TEST (test_every_size)
{
  static const char *const resolutions[] = { "720P", "1080P" };
  static const char *const ratios[] = { "16:9", "9:16", "1:1", "4:3", "3:4" };
  static const guint sizes[2][5][2] = {
    {{1280, 720}, {720, 1280}, {960, 960}, {1104, 832}, {832, 1104}},
    {{1920, 1080}, {1080, 1920}, {1440, 1440}, {1648, 1248}, {1248, 1648}},
  };
  EmuFixture *emu = emu_fixture_start (NULL);
  guint r, q;

  for (r = 0; r < 2; r++) {
    for (q = 0; q < 5; q++) {
      g_autofree char *out = g_build_filename (cache_dir, "out.mp4", NULL);
      g_autofree char *desc = g_strdup_printf ("wanr2vsrc name=src ! "
          "filesink location=\"%s\"", out);
      PipelineRun *run = run_with (emu, desc);
      guint width, height;
      GstClockTime duration;
      gboolean has_audio;

      gst_util_set_object_arg (G_OBJECT (run->src), "resolution",
          resolutions[r]);
      gst_util_set_object_arg (G_OBJECT (run->src), "ratio", ratios[q]);
      pipeline_run_play (run, 60);
      fail_unless (run->error == NULL, "%s %s: %s", resolutions[r],
          ratios[q], run->error ? run->error->message : "");
      pipeline_run_free (run);

      discover (out, &width, &height, &duration, &has_audio);
      fail_unless (width == sizes[r][q][0] && height == sizes[r][q][1],
          "%s %s gave %ux%u", resolutions[r], ratios[q], width, height);
      fail_unless (duration >= 2 * GST_SECOND - 50 * GST_MSECOND
          && duration <= 2 * GST_SECOND + 50 * GST_MSECOND,
          "duration %" GST_TIME_FORMAT, GST_TIME_ARGS (duration));
      fail_unless (has_audio);
      g_unlink (out);
    }
  }
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* The one finished video in the cache directory, or NULL. */
static char *
kept_video (void)
{
  GDir *dir = g_dir_open (cache_dir, 0, NULL);
  const char *name;
  char *found = NULL;

  while (dir && (name = g_dir_read_name (dir))) {
    if (g_str_has_suffix (name, ".mp4")) {
      fail_unless (found == NULL, "more than one video kept");
      found = g_build_filename (cache_dir, name, NULL);
    }
  }
  if (dir)
    g_dir_close (dir);
  return found;
}

/* filesink gets exactly the bytes the service served. */
GST_START_TEST (test_filesink_bytes)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  /* Beside the cache directory, not in it: only kept videos go there. */
  g_autofree char *out = g_strconcat (cache_dir, "-copy.mp4", NULL);
  g_autofree char *desc = g_strdup_printf ("wanr2vsrc name=src ! "
      "filesink location=\"%s\"", out);
  g_autofree char *task_id = NULL, *kept = NULL, *a = NULL, *b = NULL;
  gsize a_len, b_len;
  PipelineRun *run = run_with (emu, desc);

  pipeline_run_play (run, 60);
  fail_unless (run->error == NULL);
  g_object_get (run->src, "task-id", &task_id, NULL);
  pipeline_run_free (run);

  kept = kept_video ();
  fail_unless (kept != NULL, "no video kept in %s", cache_dir);
  fail_unless (g_file_get_contents (kept, &a, &a_len, NULL));
  fail_unless (g_file_get_contents (out, &b, &b_len, NULL));
  fail_unless (a_len > 10000);
  fail_unless_equals_uint64 (a_len, b_len);
  fail_unless (memcmp (a, b, a_len) == 0);
  fail_unless (memcmp (b + 4, "ftyp", 4) == 0);
  g_unlink (out);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- seeking ------------------------------------------------------------ */

static gboolean
is_async_done (PipelineRun * run, GstMessage * msg, gpointer data)
{
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE
      || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
}

GST_START_TEST (test_seek)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! qtdemux name=d "
      "d.video_0 ! avdec_h264 ! " VIDEO_DECODE);

  gst_element_set_state (run->pipeline, GST_STATE_PAUSED);
  fail_unless (pipeline_run_wait_for (run, is_async_done, NULL, 60));
  fail_unless (run->error == NULL);
  fail_unless (gst_element_seek_simple (run->pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, GST_SECOND));
  fail_unless (pipeline_run_wait_for (run, is_async_done, NULL, 30));
  /* Count only what comes after the seek. */
  run->video_frames = 0;
  pipeline_run_play (run, 30);
  fail_unless (run->error == NULL);
  fail_unless (run->eos);
  fail_unless (run->first_pts >= GST_SECOND - GST_MSECOND
      && run->first_pts < GST_SECOND + GST_SECOND / 30,
      "first frame after the seek at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (run->first_pts));
  fail_unless (run->video_frames >= 29 && run->video_frames <= 31,
      "%u frames after seeking to 1 s of 2 s", run->video_frames);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- NULL at any moment ------------------------------------------------- */

typedef struct
{
  const char *progress_prefix;
} WaitProgress;

static gboolean
has_progress (PipelineRun * run, GstMessage * msg, gpointer data)
{
  const char *prefix = data;

  return run->progress->len > 0
      && strstr (g_ptr_array_index (run->progress, run->progress->len - 1),
      prefix) != NULL;
}

static void
assert_prompt_null (PipelineRun * run)
{
  gint64 start = g_get_monotonic_time ();

  fail_unless (gst_element_set_state (run->pipeline, GST_STATE_NULL) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - start < G_USEC_PER_SEC,
      "going to NULL took %" G_GINT64_FORMAT " ms",
      (g_get_monotonic_time () - start) / 1000);
}

GST_START_TEST (test_null_while_submitting)
{
  const char *args[] = { "--pending-ms", "3000", NULL };
  EmuFixture *emu = emu_fixture_start (args);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! qtdemux ! "
      "fakesink");

  fail_unless (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_ASYNC);
  assert_prompt_null (run);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_null_while_queued_cancels)
{
  const char *args[] = { "--pending-ms", "5000", NULL };
  EmuFixture *emu = emu_fixture_start (args);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! qtdemux ! "
      "fakesink");
  gint64 deadline;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, (gpointer)
          ", PENDING", 10));
  assert_prompt_null (run);
  /* The PENDING task is cancelled on the service, so it is not billed. */
  deadline = g_get_monotonic_time () + emu_fixture_scaled_us (5);
  while (emu_fixture_count_requests (emu, "POST", "/api/v1/tasks/") == 0
      && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/tasks/"), 1);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_null_while_generating)
{
  const char *args[] = { "--running-ms", "5000", NULL };
  EmuFixture *emu = emu_fixture_start (args);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! qtdemux ! "
      "fakesink");

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, (gpointer)
          "is RUNNING", 10));
  assert_prompt_null (run);
  /* A RUNNING task cannot be cancelled: none was attempted. */
  g_usleep (200000);
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/tasks/"), 0);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_null_while_downloading)
{
  /* A slow download host: the video takes seconds to arrive. */
  const char *args[] = { "--download-rate", "40k", NULL };
  EmuFixture *emu = emu_fixture_start (args);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! qtdemux ! "
      "fakesink");

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, (gpointer)
          "Downloaded", 20));
  assert_prompt_null (run);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static gboolean
is_playing (PipelineRun * run, GstMessage * msg, gpointer data)
{
  GstState state;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_STATE_CHANGED
      || GST_MESSAGE_SRC (msg) != GST_OBJECT (run->pipeline))
    return FALSE;
  gst_message_parse_state_changed (msg, NULL, &state, NULL);
  return state == GST_STATE_PLAYING;
}

GST_START_TEST (test_null_while_streaming)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  /* A real-time sink: the stream is still flowing when we stop it. */
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! qtdemux ! "
      "avdec_h264 ! fakesink sync=true");

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, is_playing, NULL, 60));
  g_usleep (300000);
  fail_if (run->eos);
  assert_prompt_null (run);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- errors ------------------------------------------------------------- */

static void
assert_no_key_in (PipelineRun * run, const char *key)
{
  fail_if (strstr (run->error->message, key) != NULL);
  fail_if (run->error_debug && strstr (run->error_debug, key) != NULL);
}

GST_START_TEST (test_bad_key)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! fakesink");
  guint status = 0;

  g_object_set (run->src, "api-key", "sk-wrong-key-0123456789", NULL);
  pipeline_run_play (run, 30);
  fail_unless (run->error != NULL);
  fail_unless_equals_string (run->error_source, "src");
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", run->error->message);
  fail_unless (strstr (run->error->message, "InvalidApiKey") != NULL,
      "%s", run->error->message);
  fail_unless (strstr (run->error->message, "401") != NULL);
  fail_unless (run->error_details != NULL);
  fail_unless (gst_structure_get_uint (run->error_details, "http-status",
          &status));
  fail_unless_equals_int (status, 401);
  fail_unless_equals_string (gst_structure_get_string (run->error_details,
          "service-code"), "InvalidApiKey");
  fail_unless (gst_structure_get_string (run->error_details,
          "request-id") != NULL);
  assert_no_key_in (run, "sk-wrong-key-0123456789");
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_task_failed)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! fakesink");
  GValue array = G_VALUE_INIT, item = G_VALUE_INIT;

  /* Well-formed for the client, but not an image: the service fails it. */
  gst_value_array_init (&array, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, "data:image/png;base64,bm90IGFuIGltYWdl");
  gst_value_array_append_and_take_value (&array, &item);
  g_object_set_property (G_OBJECT (run->src), "images", &array);
  g_value_unset (&array);

  pipeline_run_play (run, 30);
  fail_unless (run->error != NULL);
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_FAILED), "%s", run->error->message);
  fail_unless (strstr (run->error->message, "FAILED") != NULL, "%s",
      run->error->message);
  fail_unless (gst_structure_get_string (run->error_details,
          "service-code") != NULL);
  fail_unless (gst_structure_get_string (run->error_details,
          "task-id") != NULL);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_unreachable)
{
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  g_autofree char *path = emu_fixture_data_path ("red.png");
  const char *images[] = { path, NULL };
  GValue array = G_VALUE_INIT;
  guint i;

  gst_value_array_init (&array, 1);
  for (i = 0; images[i]; i++) {
    GValue item = G_VALUE_INIT;

    g_value_init (&item, G_TYPE_STRING);
    g_value_set_string (&item, images[i]);
    gst_value_array_append_and_take_value (&array, &item);
  }
  g_object_set_property (G_OBJECT (run->src), "images", &array);
  g_value_unset (&array);
  /* Port 9 (discard) has no listener here: the connection is refused. */
  g_object_set (run->src, "base-url", "http://127.0.0.1:9/api/v1",
      "api-key", "k", "prompt", "Image 1", "retries", 1, "retry-delay", 10,
      "cache-dir", cache_dir, NULL);
  pipeline_run_play (run, 30);
  fail_unless (run->error != NULL);
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ), "%s", run->error->message);
  fail_unless (strstr (run->error->message, "Could not reach") != NULL,
      "%s", run->error->message);
  fail_unless (strstr (run->error->message, "127.0.0.1") != NULL);
  pipeline_run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_bad_request_sends_nothing)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! fakesink");

  g_object_set (run->src, "prompt", NULL, NULL);
  pipeline_run_play (run, 10);
  fail_unless (run->error != NULL);
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "%s", run->error->message);
  fail_unless (strstr (run->error->message, "prompt") != NULL, "%s",
      run->error->message);
  fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, "/api/"),
      0);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_no_key_sends_nothing)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  PipelineRun *run = run_with (emu, "wanr2vsrc name=src ! fakesink");

  g_object_set (run->src, "api-key", "", NULL);
  pipeline_run_play (run, 10);
  fail_unless (run->error != NULL);
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", run->error->message);
  fail_unless (strstr (run->error->message, "DASHSCOPE_API_KEY") != NULL);
  fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, "/api/"),
      0);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- properties --------------------------------------------------------- */

GST_START_TEST (test_api_key_unreadable)
{
  GstElement *src = gst_element_factory_make ("wanr2vsrc", NULL);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (src),
      "api-key");

  fail_unless (pspec != NULL);
  fail_if (pspec->flags & G_PARAM_READABLE);
  gst_object_unref (src);
}

GST_END_TEST;

GST_START_TEST (test_images_from_launch_syntax)
{
  GstElement *pipeline = gst_parse_launch ("wanr2vsrc name=src "
      "images=\"<file:///a.png, https://h/b.jpg>\" ! fakesink", NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GValue value = G_VALUE_INIT;

  g_value_init (&value, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (src), "images", &value);
  fail_unless_equals_int (gst_value_array_get_size (&value), 2);
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (&value, 0)), "file:///a.png");
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (&value, 1)), "https://h/b.jpg");
  g_value_unset (&value);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
wanr2vsrc_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc");
  TCase *tc;

  tc = tcase_create ("properties");
  tcase_add_test (tc, test_api_key_unreadable);
  tcase_add_test (tc, test_images_from_launch_syntax);
  suite_add_tcase (s, tc);

  tc = tcase_create ("generate");
  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_pull_qtdemux_moov_last);
  tcase_add_test (tc, test_pull_qtdemux_moov_first);
  tcase_add_test (tc, test_push_qtdemux_moov_last);
  tcase_add_test (tc, test_push_qtdemux_moov_first);
  tcase_add_test (tc, test_decodebin);
  tcase_add_test (tc, test_filesink_bytes);
  tcase_add_test (tc, test_seek);
  tcase_add_test (tc, test_every_size);
  suite_add_tcase (s, tc);

  tc = tcase_create ("state");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_null_while_submitting);
  tcase_add_test (tc, test_null_while_queued_cancels);
  tcase_add_test (tc, test_null_while_generating);
  tcase_add_test (tc, test_null_while_downloading);
  tcase_add_test (tc, test_null_while_streaming);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_bad_key);
  tcase_add_test (tc, test_task_failed);
  tcase_add_test (tc, test_unreachable);
  tcase_add_test (tc, test_bad_request_sends_nothing);
  tcase_add_test (tc, test_no_key_sends_nothing);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (wanr2vsrc);
