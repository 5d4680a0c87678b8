/* test-budget.c: the billed seconds predicted before the create, checked
 * against what the emulator bills; the cap (max-billed-seconds) and the
 * dry run, neither of which uploads or creates anything. */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "emu-test-util.h"
#include "emulator-fixture.h"
#include "wanr2v-slots.h"
#include "pipeline-run.h"

static EmuFixture *emu;
static char *tmp_dir;

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("wanr2v-budget-XXXXXX", NULL);
  emu = emu_fixture_start (NULL);
}

static void
teardown (void)
{
  emu_fixture_stop (emu);
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

static guint
requests_received (void)
{
  g_autoptr (JsonArray) log = emu_fixture_get_requests (emu);

  return json_array_get_length (log);
}

/* A reference video of @tenths tenths of a second, made once per test. */
static char *
make_video (guint tenths)
{
  g_autofree char *name = g_strdup_printf ("video-%u.mp4", tenths);
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autofree char *desc = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  desc = g_strdup_printf ("videotestsrc num-buffers=%u ! video/x-raw,"
      "width=320,height=240,framerate=10/1 ! x264enc speed-preset=ultrafast "
      "bitrate=64 ! mp4mux ! filesink location=\"%s\"", tenths, path);
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "could not make %s", path);
  return path;
}

/* "<a, b>" of @paths. */
static char *
array_of (GPtrArray * paths)
{
  GString *s = g_string_new ("<");
  guint i;

  for (i = 0; i < paths->len; i++)
    g_string_append_printf (s, "%s\"%s\"", i ? ", " : "",
        (char *) g_ptr_array_index (paths, i));
  g_string_append_c (s, '>');
  return g_string_free (s, FALSE);
}

static PipelineRun *
run_with (const char *model, GPtrArray * videos, guint n_images,
    const char *extra)
{
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  g_autofree char *v = array_of (videos);
  g_autofree char *im = NULL;
  g_autofree char *desc = NULL;
  PipelineRun *run;
  guint i;

  for (i = 0; i < n_images; i++)
    g_ptr_array_add (images, emu_fixture_data_path ("red.png"));
  im = array_of (images);
  desc = g_strdup_printf ("wanr2vsrc name=src model=%s prompt=\"Video 1 "
      "sings\" resolution=720P duration=2 cache-policy=off %s ! fakesink",
      model, extra ? extra : "");
  run = pipeline_run_new (desc);
  gst_util_set_object_arg (G_OBJECT (run->src), "videos", v);
  gst_util_set_object_arg (G_OBJECT (run->src), "images", im);
  g_object_set (run->src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "cache-dir", cache,
      "poll-interval", 50, NULL);
  pipeline_run_play (run, 120);
  return run;
}

/* The last value of @field in the run's wanr2v/task messages. */
static gboolean
last_double (PipelineRun * run, const char *field, gdouble * value)
{
  guint i = run->task_messages->len;

  while (i-- > 0)
    if (gst_structure_get_double (g_ptr_array_index (run->task_messages, i),
            field, value))
      return TRUE;
  return FALSE;
}

static gboolean
has_progress (PipelineRun * run, const char *part)
{
  guint i;

  for (i = 0; i < run->progress->len; i++)
    if (strstr (g_ptr_array_index (run->progress, i), part))
      return TRUE;
  return FALSE;
}

typedef struct
{
  const char *model;
  guint tenths[5];              /* reference video lengths, 0-terminated */
  guint images;
  gdouble billed;               /* by the guide's formula, 2 s of output */
} Case;

static const Case cases[] = {
  {"wan2.7-r2v", {30}, 0, 5.0},
  {"wan2.7-r2v", {30, 15}, 1, 6.0},     /* 2.5 + 1.5 */
  {"wan2.7-r2v", {20, 20, 20}, 0, 6.95},        /* 1.65 each */
  {"wan2.7-r2v", {20, 10, 20, 20}, 1, 6.75},    /* 1.25 x 3 + 1 */
  {"wan2.7-r2v", {20, 15, 30, 10, 20}, 0, 7.0}, /* 1 each */
  {"wan2.6-r2v", {30}, 0, 5.0},
  {"wan2.6-r2v", {30, 30}, 1, 5.3},     /* 3 references: 1.65 each */
  {"wan2.6-r2v-flash", {12}, 1, 3.2},   /* 2 references: 2.5 */
};

/* The prediction, posted before the create, agrees with the emulator's
 * usage, for 1 to 5 reference videos of different lengths, with and
 * without images, on wan2.7 and wan2.6; no WARNING says otherwise. */
GST_START_TEST (test_prediction_table)
{
  const Case *c = &cases[__i__];
  g_autoptr (GPtrArray) videos = g_ptr_array_new_with_free_func (g_free);
  PipelineRun *run;
  gdouble predicted = -1, usage = -1;
  gboolean exact = FALSE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (c->tenths) && c->tenths[i]; i++)
    g_ptr_array_add (videos, make_video (c->tenths[i]));
  run = run_with (c->model, videos, c->images, NULL);
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  fail_unless (run->eos);

  fail_unless (last_double (run, "predicted-billed-seconds", &predicted));
  fail_unless (gst_structure_get_boolean (g_ptr_array_index
          (run->task_messages, 0), "predicted-exact", &exact));
  fail_unless (exact);
  /* Within a frame of the lengths asked for (10 fps). */
  fail_unless (fabs (predicted - c->billed) < 0.06, "case %d: predicted "
      "%.2f, the guide's formula gives %.2f", __i__, predicted, c->billed);
  fail_unless (has_progress (run, "Predicted cost: "));
  fail_unless (last_double (run, "usage-duration", &usage));
  /* wan2.7 bills whole seconds; wan2.6 hundredths. */
  if (g_str_has_prefix (c->model, "wan2.7"))
    fail_unless (fabs (usage - predicted) <= 0.5, "case %d: billed %.2f, "
        "predicted %.2f", __i__, usage, predicted);
  else
    fail_unless (fabs (usage - predicted) < 0.006, "case %d: billed %.2f, "
        "predicted %.2f", __i__, usage, predicted);
  fail_unless_equals_int (run->warnings->len, 0);
  pipeline_run_free (run);
}

GST_END_TEST;

/* A remote reference video (on a loopback file server) is probed for its
 * length: the prediction is exact.  With probe-remote=false it is the
 * upper bound, and says so; the service's bill is within it. */
GST_START_TEST (test_remote_video_probed)
{
  g_autofree char *url = g_strdup_printf ("%scharacter.mp4",
      emu_test_file_server ());
  g_autoptr (GPtrArray) videos = g_ptr_array_new_with_free_func (g_free);
  const char *settings[] = { NULL, "probe-remote=false" };
  guint i;

  g_ptr_array_add (videos, g_strdup (url));
  for (i = 0; i < G_N_ELEMENTS (settings); i++) {
    PipelineRun *run = run_with ("wan2.7-r2v", videos, 1, settings[i]);
    gdouble predicted = 0, usage = 0;
    gboolean exact = FALSE;

    fail_unless (run->error == NULL, "%s", run->error ?
        run->error->message : "");
    fail_unless (last_double (run, "predicted-billed-seconds", &predicted));
    fail_unless (last_double (run, "usage-duration", &usage));
    fail_unless (gst_structure_get_boolean (g_ptr_array_index
            (run->task_messages, 0), "predicted-exact", &exact));
    if (i == 0) {
      /* 2 s of output + the 2 s video. */
      fail_unless (exact);
      fail_unless (fabs (predicted - 4.0) < 0.06, "predicted %.2f",
          predicted);
      fail_unless (has_progress (run, "Predicted cost: 4.00 billed"));
    } else {
      /* 2 s + the whole 5 s limit of one video, at most. */
      fail_unless (!exact);
      fail_unless (fabs (predicted - 7.0) < 1e-6, "predicted %.2f",
          predicted);
      fail_unless (has_progress (run, "Predicted cost: at most 7.00"));
      fail_unless (usage <= predicted);
    }
    fail_unless_equals_int (run->warnings->len, 0);
    pipeline_run_free (run);
  }
}

GST_END_TEST;

/* Over the cap: a SETTINGS error with the figures, and the emulator heard
 * nothing at all (no upload policy, no upload, no create). */
GST_START_TEST (test_cap_refuses)
{
  g_autoptr (GPtrArray) videos = g_ptr_array_new_with_free_func (g_free);
  PipelineRun *run;

  g_ptr_array_add (videos, make_video (30));
  run = run_with ("wan2.7-r2v", videos, 1, "max-billed-seconds=4");
  fail_unless (run->error != NULL);
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "%s", run->error->message);
  fail_unless (strstr (run->error->message, "would bill 5.00 seconds"),
      "%s", run->error->message);
  fail_unless (strstr (run->error->message, "max-billed-seconds=4"), "%s",
      run->error->message);
  fail_unless (strstr (run->error->message, "nothing was uploaded or "
          "created"), "%s", run->error->message);
  fail_unless_equals_int (requests_received (), 0);
  pipeline_run_free (run);

  /* At the cap is within it. */
  run = run_with ("wan2.7-r2v", videos, 1, "max-billed-seconds=5");
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  pipeline_run_free (run);
}

GST_END_TEST;

/* A dry run: the body it would send and the prediction, then an empty
 * stream; nothing sent anywhere. */
GST_START_TEST (test_dry_run)
{
  g_autoptr (GPtrArray) videos = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *red = emu_fixture_data_path ("red.png");
  PipelineRun *run;
  const GstStructure *s;
  const char *body;
  gdouble predicted = 0;

  g_ptr_array_add (videos, make_video (30));
  run = run_with ("wan2.7-r2v", videos, 1, "dry-run=true");
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  fail_unless (run->eos);
  fail_unless_equals_int (run->other_messages->len, 1);
  s = g_ptr_array_index (run->other_messages, 0);
  fail_unless (gst_structure_has_name (s, "wanr2v/dry-run"));
  body = gst_structure_get_string (s, "body");
  fail_unless (body != NULL);
  fail_unless (strstr (body, "\"model\":\"wan2.7-r2v\"") != NULL, "%s", body);
  /* The video would be uploaded; the image would be inlined. */
  fail_unless (strstr (body, "oss://<upload of ") != NULL, "%s", body);
  fail_unless (strstr (body, "video-30.mp4>") != NULL, "%s", body);
  fail_unless (strstr (body, "data:image/png;base64,<") != NULL, "%s", body);
  fail_unless (strstr (body, red) != NULL, "%s", body);
  fail_unless (gst_structure_get_double (s, "predicted-billed-seconds",
          &predicted));
  fail_unless (fabs (predicted - 5.0) < 1e-6);
  fail_unless (has_progress (run, "Dry run: the task would bill 5.00"));
  /* ...and no word of a video that does not exist. */
  fail_if (has_progress (run, "ready"));
  fail_unless_equals_int (requests_received (), 0);
  pipeline_run_free (run);
}

GST_END_TEST;

/* A service that bills other than its formula: the run still delivers the
 * video, with a RESOURCE/FAILED WARNING that gives both figures. */
GST_START_TEST (test_billing_differs_warns)
{
  g_autoptr (GPtrArray) videos = g_ptr_array_new_with_free_func (g_free);
  PipelineRun *run;
  const char *warning;

  json_object_unref (emu_fixture_set_config (emu, "{\"extra_billed_seconds\""
          ": 3}"));
  g_ptr_array_add (videos, make_video (30));
  run = run_with ("wan2.7-r2v", videos, 0, NULL);
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  fail_unless (run->eos);
  fail_unless_equals_int (run->warnings->len, 1);
  warning = g_ptr_array_index (run->warnings, 0);
  fail_unless (g_str_has_prefix (warning, "gst-resource-error-quark:1 "),
      "%s", warning);
  fail_unless (strstr (warning, "was billed 8.00 seconds, but 5.00 were "
          "predicted") != NULL, "%s", warning);
  pipeline_run_free (run);
}

GST_END_TEST;

/* ---- the account's throttles -------------------------------------------- */

static PipelineRun *
simple_run (const char *prompt, guint retries)
{
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  g_autofree char *red = emu_fixture_data_path ("red.png");
  g_autofree char *images = g_strdup_printf ("<\"%s\">", red);
  g_autofree char *desc = g_strdup_printf ("wanr2vsrc name=src prompt=\"%s\" "
      "resolution=720P duration=2 cache-policy=off ! fakesink", prompt);
  PipelineRun *run = pipeline_run_new (desc);

  gst_util_set_object_arg (G_OBJECT (run->src), "images", images);
  g_object_set (run->src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "cache-dir", cache,
      "poll-interval", 50, "retries", retries, "retry-delay", 100, NULL);
  return run;
}

/* Throttling.AllocationQuota reads like a bill but is a per-minute window:
 * waited out, beyond `retries`, with a progress line that says so. */
GST_START_TEST (test_allocation_quota_waited)
{
  PipelineRun *run = simple_run ("Image 1 waits its turn", 0);

  emu_fixture_add_fault (emu, "create:status=429,code=Throttling."
      "AllocationQuota,count=3,message=You exceeded your current quota, "
      "please check your plan and billing details.");
  pipeline_run_play (run, 60);
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  fail_unless (run->eos);
  fail_unless (has_progress (run, "The service is throttling (HTTP 429 "
          "Throttling.AllocationQuota): waiting for its quota window"));
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/services/aigc/video-generation/video-synthesis"), 4);
  pipeline_run_free (run);
}

GST_END_TEST;

static gpointer
play_thread (gpointer data)
{
  pipeline_run_play (data, 120);
  return NULL;
}

static gboolean
has_queued_message (PipelineRun * run)
{
  guint i;

  for (i = 0; i < run->other_messages->len; i++)
    if (gst_structure_has_name (g_ptr_array_index (run->other_messages, i),
            "wanr2v/queued"))
      return TRUE;
  return FALSE;
}

/* Three pipelines at once, with the emulator configured by @config and
 * each with max-tasks-in-progress @max_tasks; all must succeed.  Returns
 * how many waited for a slot (said so in a wanr2v/queued message and a
 * progress line). */
static guint
play_three (const char *config, guint max_tasks)
{
  PipelineRun *runs[3];
  GThread *threads[3];
  guint i, queued = 0;

  json_object_unref (emu_fixture_set_config (emu, config));
  for (i = 0; i < 3; i++) {
    g_autofree char *prompt = g_strdup_printf ("Image 1, take %u", i);

    runs[i] = simple_run (prompt, 0);
    g_object_set (runs[i]->src, "max-tasks-in-progress", max_tasks, NULL);
    threads[i] = g_thread_new ("run", play_thread, runs[i]);
  }
  for (i = 0; i < 3; i++) {
    g_thread_join (threads[i]);
    fail_unless (runs[i]->error == NULL, "run %u: %s", i,
        runs[i]->error ? runs[i]->error->message : "");
    fail_unless (runs[i]->eos);
    if (has_queued_message (runs[i])) {
      fail_unless (has_progress (runs[i], "Queued locally, "));
      queued++;
    }
    pipeline_run_free (runs[i]);
  }
  return queued;
}

/* Three pipelines at once on an account that admits one task in progress,
 * in both forms the service may take: refusing the create (429), or
 * queueing the task.  None fails, whatever `retries` says. */
static void
check_account_limit (const char *config)
{
  g_autoptr (JsonArray) tasks = NULL;
  guint i;

  /* No local slots: the service's own limit is what they meet. */
  play_three (config, 0);
  tasks = emu_fixture_get_tasks (emu);
  fail_unless_equals_int (json_array_get_length (tasks), 3);
  for (i = 0; i < 3; i++)
    fail_unless_equals_string (json_object_get_string_member
        (json_array_get_object_element (tasks, i), "status"), "SUCCEEDED");
}

GST_START_TEST (test_account_limit_refused)
{
  check_account_limit ("{\"max_in_progress\": 1, \"over_limit\": "
      "\"refuse\"}");
  /* The limit was met: creates were refused on the way. */
  fail_unless (emu_fixture_count_requests (emu, "POST",
          "/api/v1/services/aigc/video-generation/video-synthesis") > 3);
}

GST_END_TEST;

GST_START_TEST (test_account_limit_queued)
{
  check_account_limit ("{\"max_in_progress\": 1, \"over_limit\": "
      "\"queue\"}");
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/services/aigc/video-generation/video-synthesis"), 3);
}

GST_END_TEST;

/* ---- slots: the account's tasks in progress, kept locally --------------- */

/* Three pipelines sharing a cache directory with max-tasks-in-progress=1,
 * against an account that refuses a second task in progress: they take
 * turns, so the service never refuses one, and the waiting ones say so. */
GST_START_TEST (test_slots_take_turns)
{
  guint queued = play_three ("{\"max_in_progress\": 1, \"over_limit\": "
      "\"refuse\"}", 1);

  /* Exactly three creates: none was refused. */
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/services/aigc/video-generation/video-synthesis"), 3);
  fail_unless (queued >= 1, "no pipeline waited for a slot");
}

GST_END_TEST;

static gboolean
is_queued (PipelineRun * run, GstMessage * msg, gpointer data)
{
  const GstStructure *s = gst_message_get_structure (msg);

  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
      && gst_structure_has_name (s, "wanr2v/queued");
}

/* A pipeline waiting for a slot goes to NULL at once, having sent
 * nothing. */
GST_START_TEST (test_slot_wait_stops_promptly)
{
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  g_autoptr (WanR2vSlot) held = NULL;
  g_autoptr (GError) error = NULL;
  WanR2vSlotTicket *ticket;
  PipelineRun *run = simple_run ("Image 1 waits for nothing", 0);
  gint64 start;

  /* Another process's pipeline holds the only slot. */
  g_mkdir_with_parents (cache, 0700);
  ticket = wanr2v_slot_ticket_new (cache, 1, &error);
  held = ticket ? wanr2v_slot_ticket_try (ticket, NULL, &error) : NULL;
  wanr2v_slot_ticket_free (ticket);
  fail_unless (held != NULL, "%s", error ? error->message : "all held");
  g_object_set (run->src, "max-tasks-in-progress", 1, NULL);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, is_queued, NULL, 30));

  start = g_get_monotonic_time ();
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  fail_unless (g_get_monotonic_time () - start < G_USEC_PER_SEC / 2);
  fail_unless_equals_int (requests_received (), 0);
  pipeline_run_free (run);
}

GST_END_TEST;

static Suite *
budget_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-budget");
  TCase *tc = tcase_create ("budget");

  tcase_set_timeout (tc, 240);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_loop_test (tc, test_prediction_table, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_remote_video_probed);
  tcase_add_test (tc, test_cap_refuses);
  tcase_add_test (tc, test_dry_run);
  tcase_add_test (tc, test_billing_differs_warns);
  tcase_add_test (tc, test_allocation_quota_waited);
  tcase_add_test (tc, test_account_limit_refused);
  tcase_add_test (tc, test_account_limit_queued);
  tcase_add_test (tc, test_slots_take_turns);
  tcase_add_test (tc, test_slot_wait_stops_promptly);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (budget);
