/* test-stop.c: a stop never leaves a PENDING task to be billed.
 *
 * docs/failure-model.md, "Crash and stop points": a stop while the task is
 * PENDING cancels it on the service before the state change to NULL
 * returns (so a process that exits right then, as gst-launch-1.0 does on
 * Ctrl-C, has its task cancelled), whatever is in flight at that moment: a
 * query, the create or an upload.  The wait is bounded
 * (WANR2V_JOB_SETTLE_TIMEOUT_MS); a create the service answers later than
 * that is found again by the next run through its intent record.  Only the
 * run that created a task cancels it. */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "emulator-fixture.h"
#include "emu-test-util.h"
#include "pipeline-run.h"
#include "wanr2v-job.h"

#define PROMPT "Image 1 waves at the camera"
#define VIDEO_PROMPT "Video 1 waves at the camera"
#define CREATE_PATH "/api/v1/services/aigc/video-generation/video-synthesis"
#define TRIALS 50

static char *tmp_dir;           /* per test */
static guint serial;            /* a fresh cache-dir per run */

/* The job's worker threads started and returned, as the core logs them
 * (wanr2v-job-steps.c; the plugin forwards the core's log to GStreamer's,
 * category "wanr2v"). */
static gint workers_started, workers_returned;

static void
count_workers (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer data)
{
  const char *text;

  if (strcmp (gst_debug_category_get_name (category), "wanr2v") != 0)
    return;
  text = gst_debug_message_get (message);
  if (g_str_has_suffix (text, ": worker started"))
    g_atomic_int_inc (&workers_started);
  else if (g_str_has_suffix (text, ": worker returned"))
    g_atomic_int_inc (&workers_returned);
}

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("wanr2v-stop-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
  gst_debug_set_active (TRUE);
  g_atomic_int_set (&workers_started, 0);
  g_atomic_int_set (&workers_returned, 0);
  gst_debug_set_threshold_for_name ("wanr2v", GST_LEVEL_DEBUG);
  gst_debug_add_log_function (count_workers, NULL, NULL);
  /* Those lines are for the count, not for stderr (unless asked for). */
  if (g_getenv ("GST_DEBUG") == NULL)
    gst_debug_remove_log_function (gst_debug_log_default);
}

static void
teardown (void)
{
  gst_debug_remove_log_function (count_workers);
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

/* Tasks stay PENDING for @pending_ms; every result is a ready-made MP4. */
static EmuFixture *
start_emulator (guint pending_ms)
{
  g_autofree char *result = emu_fixture_data_path ("character.mp4");
  g_autofree char *pending = g_strdup_printf ("%u", pending_ms);
  const char *args[] = { "--result-file", result, "--pending-ms", pending,
    NULL
  };

  return emu_fixture_start (args);
}

static void
set_uri_array (GstElement * src, const char *property, const char *uri)
{
  GValue array = G_VALUE_INIT, item = G_VALUE_INIT;

  gst_value_array_init (&array, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, uri);
  gst_value_array_append_and_take_value (&array, &item);
  g_object_set_property (G_OBJECT (src), property, &array);
  g_value_unset (&array);
}

/* A 2 s 720P request into fakesink, with a local image (sent inline) or,
 * with @video, a local reference video (uploaded first), caching in
 * @cache (NULL: a fresh directory). */
static PipelineRun *
new_run (EmuFixture * emu, gboolean video, const char *cache)
{
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  g_autofree char *fresh = g_strdup_printf ("%s/cache-%u", tmp_dir,
      ++serial);
  g_autofree char *ref = emu_fixture_data_path (video ? "character.mp4" :
      "red.png");

  g_object_set (run->src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "poll-interval", 50,
      "retry-delay", 20, "cache-dir", cache ? cache : fresh, "duration", 2,
      "prompt", video ? VIDEO_PROMPT : PROMPT, NULL);
  gst_util_set_object_arg (G_OBJECT (run->src), "resolution", "720P");
  set_uri_array (run->src, video ? "videos" : "images", ref);
  return run;
}

static gboolean
has_progress (PipelineRun * run, GstMessage * msg, gpointer data)
{
  guint i;

  for (i = 0; i < run->progress->len; i++)
    if (strstr (g_ptr_array_index (run->progress, i), data))
      return TRUE;
  return FALSE;
}

static guint
count_creates (EmuFixture * emu)
{
  return emu_fixture_count_requests (emu, "POST", CREATE_PATH);
}

static guint
count_cancels (EmuFixture * emu)
{
  g_autoptr (JsonArray) log = emu_fixture_get_requests (emu);
  guint i, n = 0;

  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);

    if (g_str_has_suffix (json_object_get_string_member (r, "path"),
            "/cancel"))
      n++;
  }
  return n;
}

/* How many tasks the emulator holds, and how many are in @status. */
static guint
count_tasks (EmuFixture * emu, const char *status, guint * in_status)
{
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (emu);
  guint i;

  *in_status = 0;
  for (i = 0; i < json_array_get_length (tasks); i++)
    if (g_strcmp0 (json_object_get_string_member
            (json_array_get_object_element (tasks, i), "status"),
            status) == 0)
      (*in_status)++;
  return json_array_get_length (tasks);
}

/* Sets @run to NULL and returns how long that took (ns). */
static GstClockTime
stop_run (PipelineRun * run)
{
  gint64 start = g_get_monotonic_time ();

  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  return (g_get_monotonic_time () - start) * GST_USECOND;
}

/* The longest a state change to NULL may take: the documented bound on
 * waiting for the service, and a second for everything else. */
#define NULL_BOUND (WANR2V_JOB_SETTLE_TIMEOUT_MS * GST_MSECOND \
    + emu_fixture_scaled_ns (1))

/* ---- a stop at random moments -------------------------------------------- */

typedef struct
{
  const char *name;
  const char *fault;            /* NULL: none */
  gboolean video;               /* a reference video, uploaded */
  guint max_wait_ms;            /* the stop comes within this */
} Phase;

/* What is most likely in flight when the stop lands. */
static const Phase phases[] = {
  {"any moment", NULL, FALSE, 600},
  {"the create", "create:delay=300", FALSE, 700},
  {"a query", "query:delay=150,count=-1", FALSE, 900},
  {"an upload", "upload:delay=200", TRUE, 900},
};

/* 50 stops at random moments, from just after PLAYING to a few queries
 * after the create, a quarter of them with each of the create, the
 * queries and an upload slowed down so that the stop likely lands while
 * one is in flight.  Right when set_state (NULL) returns (the moment a
 * process like gst-launch-1.0 exits), every task made is CANCELED on the
 * service, with one cancel each. */
GST_START_TEST (test_stop_at_random_moments)
{
  EmuFixture *emu = start_emulator (emu_fixture_scaled_s (5) * 1000);
  guint32 seed = g_random_int ();
  guint trial, with_task = 0;
  GRand *rand = g_rand_new_with_seed (seed);

  /* Printed, so that a failing run can be told apart and replayed. */
  g_printerr ("test_stop_at_random_moments: seed %u\n", seed);
  for (trial = 0; trial < TRIALS; trial++) {
    const Phase *phase = &phases[trial % G_N_ELEMENTS (phases)];
    /* Stretched with slow runs, so that the stops still spread over the
     * same phases. */
    guint wait_ms = g_rand_int_range (rand, 0,
        phase->max_wait_ms * emu_fixture_time_scale ());
    PipelineRun *run;
    GstClockTime took;
    guint tasks, canceled;

    emu_fixture_reset (emu);
    if (phase->fault)
      emu_fixture_add_fault (emu, phase->fault);
    run = new_run (emu, phase->video, NULL);
    gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
    g_usleep (wait_ms * 1000);
    took = stop_run (run);

    /* Nothing waits any longer: this is what the service has now. */
    tasks = count_tasks (emu, "CANCELED", &canceled);
    fail_unless (tasks <= 1, "trial %u: %u tasks", trial, tasks);
    fail_unless_equals_int (count_creates (emu), tasks);
    fail_unless (canceled == tasks, "trial %u (%s, stop after %u ms): the "
        "task was not cancelled when set_state (NULL) returned", trial,
        phase->name, wait_ms);
    fail_unless (count_cancels (emu) == tasks, "trial %u (%s): %u cancels "
        "for %u tasks", trial, phase->name, count_cancels (emu), tasks);
    fail_unless (took < NULL_BOUND, "trial %u: NULL took %" GST_TIME_FORMAT,
        trial, GST_TIME_ARGS (took));
    with_task += tasks;
    pipeline_run_free (run);
  }
  /* The stops did land after the create, not all before it. */
  fail_unless (with_task >= TRIALS / 4, "only %u of %u trials made a task",
      with_task, TRIALS);
  g_rand_free (rand);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- a stop in each phase ------------------------------------------------ */

typedef struct
{
  const char *name;
  const char *fault;            /* slows the phase down */
  gboolean video;               /* a reference video, uploaded */
  const char *progress;         /* the stop comes right after this */
  guint tasks;                  /* made by then */
} StopPoint;

static const StopPoint stop_points[] = {
  /* Nothing costs money yet: no create is sent, and NULL does not wait.
   * (Preparing is quick: the upload policy that follows is held back.) */
  {"preparing", "policy:delay=3000", TRUE, "Preparing", 0},
  {"uploading", "upload:delay=3000", TRUE, "Uploading", 0},
  /* The create is on the wire: seen through, then its task cancelled. */
  {"creating", "create:delay=500", FALSE, "Submitting", 1},
  /* PENDING, a query on the wire. */
  {"querying", "query:delay=1000,count=-1", FALSE, "created", 1},
};

/* The same as the random stops, one phase at a time, deterministically:
 * when set_state (NULL) returns, a task made is CANCELED and no create is
 * sent after the stop; a stop before the create does not wait; and no
 * thread of the job is still at work (a stop during PREPARING cancels the
 * inspection of the reference video, whose discoverer pipeline must be
 * gone: gst-check's gst_task_cleanup_all() after the test, as an
 * application's gst_deinit(), deadlocks with a GStreamer pipeline still
 * stopping). */
GST_START_TEST (test_stop_in_each_phase)
{
  const StopPoint *p = &stop_points[__i__];
  EmuFixture *emu = start_emulator (emu_fixture_scaled_s (6) * 1000);
  PipelineRun *run = new_run (emu, p->video, NULL);
  GstClockTime took;
  guint canceled;

  if (p->fault)
    emu_fixture_add_fault (emu, p->fault);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress,
          (gpointer) p->progress, 10), "%s: no \"%s\" progress", p->name,
      p->progress);
  g_usleep (100 * 1000);
  took = stop_run (run);
  fail_unless (g_atomic_int_get (&workers_started) > 0, "%s: no worker",
      p->name);
  fail_unless_equals_int (g_atomic_int_get (&workers_returned),
      g_atomic_int_get (&workers_started));
  fail_unless_equals_int (count_tasks (emu, "CANCELED", &canceled),
      p->tasks);
  fail_unless_equals_int (canceled, p->tasks);
  fail_unless_equals_int (count_cancels (emu), p->tasks);
  fail_unless (took < (p->tasks ? NULL_BOUND : emu_fixture_scaled_ns (1)),
      "%s: NULL took %" GST_TIME_FORMAT, p->name, GST_TIME_ARGS (took));
  pipeline_run_free (run);
  /* Nothing is sent later either. */
  g_usleep (300 * 1000);
  fail_unless_equals_int (count_creates (emu), p->tasks);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- the bound ----------------------------------------------------------- */

static void
wait_for_create (EmuFixture * emu)
{
  gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (10);

  while (count_creates (emu) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  fail_unless_equals_int (count_creates (emu), 1);
}

static guint
count_files (const char *dir_path, const char *suffix)
{
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir && (name = g_dir_read_name (dir)))
    n += g_str_has_suffix (name, suffix);
  return n;
}

/* The service takes longer than the bound to answer the create, and the
 * process exits (Ctrl-C on gst-launch-1.0): NULL returned after the bound
 * (the documented worst case), the task made is left PENDING with the
 * intent record of its create, and the next run of the request adopts it
 * instead of paying for another, and gets the video. */
GST_START_TEST (test_null_bound_then_next_run_adopts)
{
  EmuFixture *emu = start_emulator (emu_fixture_scaled_s (4) * 1000);
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  g_autofree char *delay = g_strdup_printf ("create:delay=%u",
      emu_fixture_scaled_s (5) * 1000);
  g_autofree char *followed = NULL, *task_id = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (JsonArray) tasks = NULL;
  PipelineRun *run;
  gint64 start;
  GstClockTime took;
  guint pending;

  emu_fixture_add_fault (emu, delay);
  proc = pipeline_run_spawn_gst_launch (emu, PROMPT, cache);
  wait_for_create (emu);
  g_usleep (200 * 1000);
  start = g_get_monotonic_time ();
  g_subprocess_send_signal (proc, SIGINT);
  fail_unless (g_subprocess_wait (proc, NULL, NULL));
  took = (g_get_monotonic_time () - start) * GST_USECOND;
  fail_unless (took >= WANR2V_JOB_SETTLE_TIMEOUT_MS * GST_MSECOND * 9 / 10,
      "NULL did not wait for the create: %" GST_TIME_FORMAT,
      GST_TIME_ARGS (took));
  /* A second more for gst-launch-1.0 to exit. */
  fail_unless (took < NULL_BOUND + emu_fixture_scaled_ns (1),
      "exiting took %" GST_TIME_FORMAT, GST_TIME_ARGS (took));
  fail_unless_equals_int (count_tasks (emu, "PENDING", &pending), 1);
  fail_unless_equals_int (pending, 1);
  fail_unless_equals_int (count_cancels (emu), 0);
  fail_unless_equals_int (count_files (cache, ".intent"), 1);
  fail_unless_equals_int (count_files (cache, ".task"), 0);
  tasks = emu_fixture_get_tasks (emu);
  task_id = g_strdup (json_object_get_string_member
      (json_array_get_object_element (tasks, 0), "task_id"));

  run = new_run (emu, FALSE, cache);
  pipeline_run_play (run, 30);
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  fail_unless (run->eos);
  g_object_get (run->src, "task-id", &followed, NULL);
  fail_unless_equals_string (followed, task_id);
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_files (cache, ".intent"), 0);
  fail_unless_equals_int (count_files (cache, ".mp4"), 1);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* The service takes longer than the bound to answer the cancel: NULL
 * returns after the bound, not after the service. */
GST_START_TEST (test_null_bound_with_slow_cancel)
{
  EmuFixture *emu = start_emulator (emu_fixture_scaled_s (8) * 1000);
  g_autofree char *delay = g_strdup_printf ("cancel:delay=%u",
      emu_fixture_scaled_s (5) * 1000);
  PipelineRun *run = new_run (emu, FALSE, NULL);
  GstClockTime took;
  guint canceled;

  emu_fixture_add_fault (emu, delay);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "created", 10));
  took = stop_run (run);
  fail_unless (took >= WANR2V_JOB_SETTLE_TIMEOUT_MS * GST_MSECOND * 9 / 10,
      "NULL did not wait for the cancel: %" GST_TIME_FORMAT,
      GST_TIME_ARGS (took));
  fail_unless (took < NULL_BOUND, "NULL took %" GST_TIME_FORMAT,
      GST_TIME_ARGS (took));
  /* The emulator cancels on arrival and holds back only the reply. */
  fail_unless_equals_int (count_tasks (emu, "CANCELED", &canceled), 1);
  fail_unless_equals_int (canceled, 1);
  fail_unless_equals_int (count_cancels (emu), 1);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- ownership ----------------------------------------------------------- */

/* Run B follows run A's journaled task (the same request, a moment later).
 * Stopping B while the task is PENDING must not cancel it: A is still
 * waiting for it, and gets its video. */
GST_START_TEST (test_follower_stop_does_not_cancel)
{
  EmuFixture *emu = start_emulator (emu_fixture_scaled_s (3) * 1000);
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  PipelineRun *a = new_run (emu, FALSE, cache);
  PipelineRun *b = new_run (emu, FALSE, cache);
  guint pending;

  gst_element_set_state (a->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (a, has_progress, "created", 10));
  gst_element_set_state (b->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (b, has_progress, "Following task",
          10));
  stop_run (b);
  fail_unless_equals_int (count_cancels (emu), 0);
  fail_unless_equals_int (count_tasks (emu, "PENDING", &pending), 1);
  fail_unless_equals_int (pending, 1);
  pipeline_run_free (b);

  pipeline_run_play (a, 30);
  fail_unless (a->error == NULL, "%s", a->error ? a->error->message : "");
  fail_unless (a->eos);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_cancels (emu), 0);
  pipeline_run_free (a);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- a lost create reply after the stop ---------------------------------- */

/* The create's reply times out after the stop: the task-list search still
 * runs, finds the task and cancels it, all before NULL returns. */
GST_START_TEST (test_create_timeout_after_stop_is_searched)
{
  EmuFixture *emu = start_emulator (emu_fixture_scaled_s (6) * 1000);
  PipelineRun *run = new_run (emu, FALSE, NULL);
  GstClockTime took;
  guint canceled;

  g_object_set (run->src, "request-timeout", 1, NULL);
  emu_fixture_add_fault (emu, "create:delay=2500");
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "Submitting", 10));
  g_usleep (200 * 1000);
  took = stop_run (run);
  fail_unless (took < NULL_BOUND, "NULL took %" GST_TIME_FORMAT,
      GST_TIME_ARGS (took));
  fail_unless_equals_int (count_tasks (emu, "CANCELED", &canceled), 1);
  fail_unless_equals_int (canceled, 1);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless (emu_fixture_count_requests (emu, "GET", "/api/v1/tasks/") >=
      1, "no task-list search");
  fail_unless_equals_int (count_cancels (emu), 1);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- Ctrl-C on gst-launch-1.0 ------------------------------------------- */

/* gst-launch-1.0 sets the pipeline to NULL on SIGINT and exits at once:
 * the moment of the report.  A few stops at random moments while
 * the task is PENDING and queries are in flight; after each exit the task
 * is CANCELED. */
GST_START_TEST (test_ctrl_c_on_gst_launch)
{
  EmuFixture *emu = start_emulator (emu_fixture_scaled_s (8) * 1000);
  GRand *rand = g_rand_new ();
  guint trial;

  for (trial = 0; trial < 4; trial++) {
    g_autofree char *cache = g_strdup_printf ("%s/cache-%u", tmp_dir,
        ++serial);
    g_autoptr (GSubprocess) proc = NULL;
    guint canceled;

    emu_fixture_reset (emu);
    emu_fixture_add_fault (emu, "query:delay=150,count=-1");
    proc = pipeline_run_spawn_gst_launch (emu, PROMPT, cache);
    wait_for_create (emu);
    g_usleep (g_rand_int_range (rand, 0, 1000) * 1000);
    g_subprocess_send_signal (proc, SIGINT);
    fail_unless (g_subprocess_wait (proc, NULL, NULL));
    fail_unless_equals_int (count_tasks (emu, "CANCELED", &canceled), 1);
    fail_unless (canceled == 1, "trial %u: the task was not cancelled when "
        "gst-launch-1.0 exited", trial);
  }
  g_rand_free (rand);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static Suite *
stop_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-stop");
  TCase *tc;

  tc = tcase_create ("stop");
  tcase_set_timeout (tc, 180 * emu_fixture_time_scale ());
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_stop_at_random_moments);
  tcase_add_loop_test (tc, test_stop_in_each_phase, 0,
      G_N_ELEMENTS (stop_points));
  tcase_add_test (tc, test_null_bound_then_next_run_adopts);
  tcase_add_test (tc, test_null_bound_with_slow_cancel);
  tcase_add_test (tc, test_follower_stop_does_not_cancel);
  tcase_add_test (tc, test_create_timeout_after_stop_is_searched);
  tcase_add_test (tc, test_ctrl_c_on_gst_launch);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (stop);
