/* pipeline-run.c: runs a pipeline around wanr2vsrc and records what a user
 * would look at. */
#include "pipeline-run.h"
#include "emulator-fixture.h"

#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <stdlib.h>

static GstFlowReturn
on_new_sample (GstAppSink * sink, gpointer data)
{
  PipelineRun *run = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf;
  GstCaps *caps;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buf = gst_sample_get_buffer (sample);
  caps = gst_sample_get_caps (sample);
  if (run->video_frames == 0) {
    GstVideoInfo info;

    if (caps && gst_video_info_from_caps (&info, caps)) {
      run->width = GST_VIDEO_INFO_WIDTH (&info);
      run->height = GST_VIDEO_INFO_HEIGHT (&info);
    }
    run->first_pts = GST_BUFFER_PTS (buf);
  }
  run->last_pts = GST_BUFFER_PTS (buf);
  if (run->video_frames == run->keep_frame_index) {
    if (run->kept_frame)
      gst_sample_unref (run->kept_frame);
    run->kept_frame = gst_sample_ref (sample);
  }
  run->video_frames++;
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static void
on_audio_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad,
    gpointer data)
{
  PipelineRun *run = data;

  g_atomic_int_inc (&run->audio_buffers);
}

PipelineRun *
pipeline_run_new (const char *description)
{
  PipelineRun *run = g_new0 (PipelineRun, 1);
  GError *error = NULL;
  GstElement *vsink, *asink;

  run->pipeline = gst_parse_launch (description, &error);
  fail_unless (run->pipeline != NULL, "could not parse %s: %s", description,
      error ? error->message : "?");
  g_clear_error (&error);
  run->src = gst_bin_get_by_name (GST_BIN (run->pipeline), "src");
  fail_unless (run->src != NULL, "pipeline has no element named src");
  run->other_messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  run->warnings = g_ptr_array_new_with_free_func (g_free);
  run->task_messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  run->progress = g_ptr_array_new_with_free_func (g_free);
  run->first_pts = run->last_pts = GST_CLOCK_TIME_NONE;

  vsink = gst_bin_get_by_name (GST_BIN (run->pipeline), "vsink");
  if (vsink) {
    GstAppSinkCallbacks callbacks = { 0, };

    callbacks.new_sample = on_new_sample;
    gst_app_sink_set_callbacks (GST_APP_SINK (vsink), &callbacks, run, NULL);
    gst_object_unref (vsink);
  }
  asink = gst_bin_get_by_name (GST_BIN (run->pipeline), "asink");
  if (asink) {
    g_object_set (asink, "signal-handoffs", TRUE, NULL);
    g_signal_connect (asink, "handoff", G_CALLBACK (on_audio_handoff), run);
    gst_object_unref (asink);
  }
  return run;
}

static void
record_message (PipelineRun * run, GstMessage * msg)
{
  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      if (run->error == NULL) {
        const GstStructure *details = NULL;

        gst_message_parse_error (msg, &run->error, &run->error_debug);
        gst_message_parse_error_details (msg, &details);
        if (details)
          run->error_details = gst_structure_copy (details);
        run->error_source = gst_object_get_name (GST_MESSAGE_SRC (msg));
      }
      break;
    case GST_MESSAGE_EOS:
      run->eos = TRUE;
      break;
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (msg);

      if (gst_structure_has_name (s, "wanr2v/task"))
        g_ptr_array_add (run->task_messages, gst_structure_copy (s));
      else if (g_str_has_prefix (gst_structure_get_name (s), "wanr2v/"))
        g_ptr_array_add (run->other_messages, gst_structure_copy (s));
      break;
    }
    case GST_MESSAGE_WARNING:{
      GError *warning = NULL;

      gst_message_parse_warning (msg, &warning, NULL);
      g_ptr_array_add (run->warnings, g_strdup_printf ("%s:%d %s",
              g_quark_to_string (warning->domain), warning->code,
              warning->message));
      g_error_free (warning);
      break;
    }
    case GST_MESSAGE_PROGRESS:{
      GstProgressType type;
      char *code = NULL, *text = NULL;

      gst_message_parse_progress (msg, &type, &code, &text);
      g_ptr_array_add (run->progress, g_strdup_printf ("%s %s %s",
              type == GST_PROGRESS_TYPE_START ? "START" :
              type == GST_PROGRESS_TYPE_CONTINUE ? "CONTINUE" :
              type == GST_PROGRESS_TYPE_COMPLETE ? "COMPLETE" :
              type == GST_PROGRESS_TYPE_CANCELED ? "CANCELED" : "ERROR",
              code, text));
      g_free (code);
      g_free (text);
      break;
    }
    default:
      break;
  }
}

gboolean
pipeline_run_wait_for (PipelineRun * run, PipelineRunPredicate pred,
    gpointer data, guint timeout_s)
{
  GstBus *bus = gst_element_get_bus (run->pipeline);
  /* Stretched under the sanitizers and valgrind, which slow the element
   * and the emulator alike. */
  gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (timeout_s);
  gboolean found = FALSE;

  while (!found) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg;

    if (left <= 0)
      break;
    msg = gst_bus_timed_pop (bus, left * GST_USECOND);
    if (msg == NULL)
      break;
    record_message (run, msg);
    found = pred (run, msg, data);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return found;
}

static gboolean
is_end (PipelineRun * run, GstMessage * msg, gpointer data)
{
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
}

void
pipeline_run_play (PipelineRun * run, guint timeout_s)
{
  gint64 start = g_get_monotonic_time ();

  fail_if (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE && run->error == NULL
      && !pipeline_run_wait_for (run, is_end, NULL, 1),
      "state change to PLAYING failed without an error message");
  if (run->error == NULL && !run->eos)
    fail_unless (pipeline_run_wait_for (run, is_end, NULL, timeout_s),
        "no EOS or error within %u s", timeout_s);
  run->elapsed = (g_get_monotonic_time () - start) * GST_USECOND;
}

/* gst-launch-1.0's progress rule: START and CONTINUE mean work in
 * progress, COMPLETE, CANCELED and ERROR its end. */
static gboolean
progress_ends (PipelineRun * run, GstMessage * msg, gpointer data)
{
  gboolean *in_progress = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_PROGRESS) {
    GstProgressType type;

    gst_message_parse_progress (msg, &type, NULL, NULL);
    *in_progress = type == GST_PROGRESS_TYPE_START
        || type == GST_PROGRESS_TYPE_CONTINUE;
  }
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR || !*in_progress;
}

static gboolean
is_prerolled (PipelineRun * run, GstMessage * msg, gpointer data)
{
  progress_ends (run, msg, data);
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR
      || (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE
      && GST_MESSAGE_SRC (msg) == GST_OBJECT (run->pipeline));
}

void
pipeline_run_play_like_launch (PipelineRun * run, guint timeout_s)
{
  gint64 start = g_get_monotonic_time ();
  gboolean in_progress = FALSE;

  if (gst_element_set_state (run->pipeline, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE) {
    pipeline_run_wait_for (run, is_end, NULL, 1);
    fail_unless (run->error != NULL, "PAUSED failed without an error");
    return;
  }
  fail_unless (pipeline_run_wait_for (run, is_prerolled, &in_progress,
          timeout_s), "no preroll or error within %u s", timeout_s);
  /* "Prerolled, waiting for progress to finish..." */
  if (run->error == NULL && in_progress)
    fail_unless (pipeline_run_wait_for (run, progress_ends, &in_progress,
            timeout_s), "the progress never ended within %u s: the pipeline "
        "hangs in PAUSED", timeout_s);
  if (run->error == NULL) {
    gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
    fail_unless (pipeline_run_wait_for (run, is_end, NULL, timeout_s),
        "no EOS or error within %u s", timeout_s);
  }
  run->elapsed = (g_get_monotonic_time () - start) * GST_USECOND;
}

void
pipeline_run_free (PipelineRun * run)
{
  if (run == NULL)
    return;
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  gst_object_unref (run->src);
  gst_object_unref (run->pipeline);
  g_clear_error (&run->error);
  g_free (run->error_debug);
  g_free (run->error_source);
  if (run->error_details)
    gst_structure_free (run->error_details);
  g_ptr_array_unref (run->task_messages);
  g_ptr_array_unref (run->other_messages);
  g_ptr_array_unref (run->warnings);
  g_ptr_array_unref (run->progress);
  if (run->kept_frame)
      gst_sample_unref (run->kept_frame);
    run->kept_frame = NULL;
  g_free (run);
}

void
pipeline_run_pixel (PipelineRun * run, guint x, guint y, guint8 rgb[3])
{
  GstVideoInfo info;
  GstVideoFrame frame;
  const guint8 *p;

  fail_unless (run->kept_frame != NULL, "no frame was kept");
  fail_unless (gst_video_info_from_caps (&info,
          gst_sample_get_caps (run->kept_frame)));
  fail_unless (GST_VIDEO_INFO_FORMAT (&info) == GST_VIDEO_FORMAT_RGB);
  fail_unless (gst_video_frame_map (&frame, &info,
          gst_sample_get_buffer (run->kept_frame), GST_MAP_READ));
  p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
      + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x * 3;
  rgb[0] = p[0];
  rgb[1] = p[1];
  rgb[2] = p[2];
  gst_video_frame_unmap (&frame);
}

void
decode_image_centre (const char *path, guint8 rgb[3])
{
  g_autofree char *desc = g_strdup_printf ("filesrc location=\"%s\" ! "
      "decodebin ! videoconvert ! video/x-raw,format=RGB ! "
      "appsink name=vsink", path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "vsink");
  GstSample *sample;
  GstVideoInfo info;
  GstVideoFrame frame;
  const guint8 *p;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
      emu_fixture_scaled_ns (10));
  fail_unless (sample != NULL, "could not decode %s", path);
  gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
  gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
      GST_MAP_READ);
  p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
      + (info.height / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0)
      + (info.width / 2) * 3;
  rgb[0] = p[0];
  rgb[1] = p[1];
  rgb[2] = p[2];
  gst_video_frame_unmap (&frame);
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

gboolean
colour_close (const guint8 a[3], const guint8 b[3], guint tolerance)
{
  return (guint) abs (a[0] - b[0]) <= tolerance
      && (guint) abs (a[1] - b[1]) <= tolerance
      && (guint) abs (a[2] - b[2]) <= tolerance;
}

#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <signal.h>

static void
die_with_parent (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

GSubprocess *
pipeline_run_spawn_gst_launch (EmuFixture * emu, const char *prompt,
    const char *cache)
{
  g_autofree char *image = emu_fixture_data_path ("red.png");
  g_autofree char *a_base = g_strdup_printf ("base-url=%s",
      emu_fixture_base_url (emu));
  g_autofree char *a_images = g_strdup_printf ("images=<\"%s\">", image);
  g_autofree char *a_prompt = g_strdup_printf ("prompt=%s", prompt);
  g_autofree char *a_cache = g_strdup_printf ("cache-dir=%s", cache);
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL,
      NULL);
  proc = g_subprocess_launcher_spawn (launcher, &error, "gst-launch-1.0",
      "-q", "wanr2vsrc", a_base, "api-key=test-key", a_prompt, a_images,
      "duration=2", "resolution=720P", "poll-interval=50", a_cache,
      "retry-delay=20", "!", "fakesink", NULL);
  fail_unless (proc != NULL, "gst-launch-1.0: %s", error ? error->message :
      "?");
  return proc;
}
