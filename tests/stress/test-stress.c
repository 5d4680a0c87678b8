/* test-stress.c: wanr2vsrc under state-change storms and in numbers.
 *
 * random_walk: a seeded random walk of state changes (NULL, READY, PAUSED,
 * PLAYING, 0..50 ms apart) over pull-mode and push-mode pipelines, so that
 * the element is stopped and restarted in every phase of its job.  Every
 * set_state must return at once, every get_state must settle, and no
 * pipeline may post an error.  The walk goes on past its minimum length
 * until every phase was seen (with a cap), so a run that could not reach
 * some phase fails instead of passing without having tested it.
 * Set WANR2V_STRESS_SEED to replay a walk.
 *
 * sixteen_at_once: 16 pipelines in one process all generate their video at
 * the same time; each gets its own task and a valid video, and the process
 * does not grow threads per pipeline beyond its one streaming thread. */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator-fixture.h"

#define MIN_STEPS 200
#define MAX_STEPS 500
#define MAX_WAIT_MS 50
/* set_state returns at once: the element never waits for the network.
 * Bounds in seconds, stretched by emu_fixture_time_scale () under the
 * sanitizers and valgrind. */
#define SET_STATE_BOUND_S 1
/* get_state may wait for preroll, i.e. for a whole generation. */
#define GET_STATE_BOUND_S 20

/* Phases of a run, as seen from outside the element. */
enum
{
  SEEN_PREPARING = 1 << 0,
  SEEN_SUBMITTING = 1 << 1,
  SEEN_QUEUED = 1 << 2,
  SEEN_GENERATING = 1 << 3,
  SEEN_DOWNLOADING = 1 << 4,
  SEEN_STREAMING = 1 << 5,
  SEEN_EOS = 1 << 6,
  SEEN_ALL = (1 << 7) - 1
};

static const char *const seen_names[] = {
  "preparing", "submitting", "queued", "generating", "downloading",
  "streaming", "EOS"
};

/* qtdemux is linked by on_pad_added rather than by gst_parse_launch, whose
 * delayed link is made once: after READY and back, qtdemux exposes new
 * pads that must be linked again. */
static const char *const walk_pipelines[] = {
  /* pull mode: qtdemux drives */
  "wanr2vsrc name=src ! qtdemux name=demux  fakesink name=sink",
  /* push mode, through a demuxer */
  "wanr2vsrc name=src ! queue2 ! qtdemux name=demux  fakesink name=sink",
  /* push mode, raw bytes */
  "wanr2vsrc name=src ! fakesink name=sink",
};

typedef struct
{
  GstElement *pipeline;
  GstElement *src;
  guint kind;

  GMutex lock;
  GCond cond;
  gint seen;                    /* SEEN_*, atomic */
  gboolean eos;                 /* under lock */
  GPtrArray *errors;            /* char*, under lock */
  char *task_id;                /* from the DONE message, under lock */
  guint64 size;                 /* from the DONE message, under lock */
  gint sink_buffers;            /* atomic */
} Run;

static char *cache_dir;
static EmuFixture *emu;

static void
setup (void)
{
  cache_dir = g_dir_make_tmp ("wanr2v-stress-XXXXXX", NULL);
  fail_unless (cache_dir != NULL);
}

static void
teardown (void)
{
  g_clear_pointer (&emu, emu_fixture_stop);
  emu_fixture_remove_tree (cache_dir);
  g_clear_pointer (&cache_dir, g_free);
}

static guint
count_threads (void)
{
  GDir *dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  fail_unless (dir != NULL, "no /proc/self/task");
  while (g_dir_read_name (dir))
    n++;
  g_dir_close (dir);
  return n;
}

/* ---- one pipeline and what its bus says --------------------------------- */

static void
run_note_phase (Run * run, const char *phase)
{
  if (g_strcmp0 (phase, "queued") == 0)
    g_atomic_int_or (&run->seen, SEEN_QUEUED);
  else if (g_strcmp0 (phase, "generating") == 0)
    g_atomic_int_or (&run->seen, SEEN_GENERATING);
  else if (g_strcmp0 (phase, "downloading") == 0)
    g_atomic_int_or (&run->seen, SEEN_DOWNLOADING);
}

/* Runs in whatever thread posts: the HTTP thread, streaming threads, ours. */
static GstBusSyncReply
on_message (GstBus * bus, GstMessage * msg, gpointer data)
{
  Run *run = data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_PROGRESS:{
      GstProgressType type;
      char *code = NULL, *text = NULL;

      gst_message_parse_progress (msg, &type, &code, &text);
      if (g_str_has_prefix (text, "Preparing"))
        g_atomic_int_or (&run->seen, SEEN_PREPARING);
      else if (g_str_has_prefix (text, "Submitting"))
        g_atomic_int_or (&run->seen, SEEN_SUBMITTING);
      else if (g_strcmp0 (code, "download") == 0
          && type == GST_PROGRESS_TYPE_START)
        g_atomic_int_or (&run->seen, SEEN_DOWNLOADING);
      g_free (code);
      g_free (text);
      break;
    }
    case GST_MESSAGE_ELEMENT:{
      const GstStructure *s = gst_message_get_structure (msg);
      guint64 size;

      if (!gst_structure_has_name (s, "wanr2v/task"))
        break;
      run_note_phase (run, gst_structure_get_string (s, "phase"));
      if (gst_structure_get_uint64 (s, "size", &size)) {
        g_mutex_lock (&run->lock);
        run->size = size;
        g_free (run->task_id);
        run->task_id = g_strdup (gst_structure_get_string (s, "task-id"));
        g_mutex_unlock (&run->lock);
      }
      break;
    }
    case GST_MESSAGE_EOS:
      g_atomic_int_or (&run->seen, SEEN_EOS);
      g_mutex_lock (&run->lock);
      run->eos = TRUE;
      g_cond_broadcast (&run->cond);
      g_mutex_unlock (&run->lock);
      break;
    case GST_MESSAGE_ERROR:{
      GError *error = NULL;
      char *debug = NULL;

      gst_message_parse_error (msg, &error, &debug);
      g_mutex_lock (&run->lock);
      g_ptr_array_add (run->errors, g_strdup_printf ("%s: %s (%s)",
              GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), error->message,
              debug ? debug : "no details"));
      g_cond_broadcast (&run->cond);
      g_mutex_unlock (&run->lock);
      g_error_free (error);
      g_free (debug);
      break;
    }
    default:
      break;
  }
  /* Nobody pops this bus: keep it from filling up.  A sync handler that
   * drops a message owns it. */
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static GstPadProbeReturn
on_src_data (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Run *run = data;

  if (GST_IS_BUFFER (GST_PAD_PROBE_INFO_DATA (info)))
    g_atomic_int_or (&run->seen, SEEN_STREAMING);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_sink_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Run *run = data;

  g_atomic_int_inc (&run->sink_buffers);
  return GST_PAD_PROBE_OK;
}

/* The first stream qtdemux exposes goes to the sink, as with
 * "qtdemux ! fakesink"; the other one stays unlinked. */
static void
on_pad_added (GstElement * demux, GstPad * pad, gpointer data)
{
  GstElement *sink = data;
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");

  if (!gst_pad_is_linked (sinkpad))
    fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

static void
set_images (GstElement * src, const char *const *names)
{
  GValue array = G_VALUE_INIT;

  gst_value_array_init (&array, 2);
  for (; *names; names++) {
    GValue item = G_VALUE_INIT;

    g_value_init (&item, G_TYPE_STRING);
    g_value_take_string (&item, emu_fixture_data_path (*names));
    gst_value_array_append_and_take_value (&array, &item);
  }
  g_object_set_property (G_OBJECT (src), "images", &array);
  g_value_unset (&array);
}

static Run *
run_new (const char *description, guint kind)
{
  static const char *const images[] = { "red.png", "green.jpg", NULL };
  Run *run = g_new0 (Run, 1);
  GError *error = NULL;
  GstElement *sink, *demux;
  GstBus *bus;
  GstPad *pad;

  g_mutex_init (&run->lock);
  g_cond_init (&run->cond);
  run->errors = g_ptr_array_new_with_free_func (g_free);
  run->kind = kind;
  run->pipeline = gst_parse_launch (description, &error);
  fail_unless (run->pipeline != NULL, "%s: %s", description,
      error ? error->message : "?");
  g_clear_error (&error);
  run->src = gst_bin_get_by_name (GST_BIN (run->pipeline), "src");

  g_object_set (run->src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "poll-interval", 50,
      "cache-dir", cache_dir, "duration", 2,
      "prompt", "Image 1 waves at Image 2", NULL);
  gst_util_set_object_arg (G_OBJECT (run->src), "resolution", "720P");
  set_images (run->src, images);

  bus = gst_pipeline_get_bus (GST_PIPELINE (run->pipeline));
  gst_bus_set_sync_handler (bus, on_message, run, NULL);
  gst_object_unref (bus);

  pad = gst_element_get_static_pad (run->src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_PUSH
      | GST_PAD_PROBE_TYPE_PULL, on_src_data, run, NULL);
  gst_object_unref (pad);

  sink = gst_bin_get_by_name (GST_BIN (run->pipeline), "sink");
  demux = gst_bin_get_by_name (GST_BIN (run->pipeline), "demux");
  if (demux) {
    g_signal_connect_object (demux, "pad-added", G_CALLBACK (on_pad_added),
        sink, 0);
    gst_object_unref (demux);
  }
  if (sink) {
    pad = gst_element_get_static_pad (sink, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer, run,
        NULL);
    gst_object_unref (pad);
    gst_object_unref (sink);
  }
  return run;
}

static void
assert_no_errors (Run * run)
{
  g_mutex_lock (&run->lock);
  fail_unless (run->errors->len == 0, "%s: %u error(s), first: %s",
      walk_pipelines[run->kind % G_N_ELEMENTS (walk_pipelines)],
      run->errors->len,
      run->errors->len ? (char *) g_ptr_array_index (run->errors, 0) : "");
  g_mutex_unlock (&run->lock);
}

/* NULL, then every reference dropped: the pipeline must really go away. */
static void
run_free (Run * run)
{
  GstBus *bus;

  fail_unless_equals_int (gst_element_set_state (run->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  bus = gst_pipeline_get_bus (GST_PIPELINE (run->pipeline));
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (run->src);
  ASSERT_OBJECT_REFCOUNT (run->pipeline, "pipeline", 1);
  gst_object_unref (run->pipeline);
  g_ptr_array_unref (run->errors);
  g_free (run->task_id);
  g_mutex_clear (&run->lock);
  g_cond_clear (&run->cond);
  g_free (run);
}

/* ---- the random walk ---------------------------------------------------- */

static const char *
seen_to_string (gint seen, GString * out)
{
  guint i;

  g_string_truncate (out, 0);
  for (i = 0; i < G_N_ELEMENTS (seen_names); i++)
    if (!(seen & (1 << i)))
      g_string_append_printf (out, "%s%s", out->len ? ", " : "",
          seen_names[i]);
  return out->len ? out->str : "(none)";
}

static gint
run_seen_or_zero (Run * run)
{
  return run ? g_atomic_int_get (&run->seen) : 0;
}

/* Upward moves are likelier than downward ones, so that a run often lives
 * long enough to reach its later phases, the more so once the walk is past
 * its minimum length and still misses some (@hurry); after EOS, going down
 * is likelier, so that a new run starts. */
static GstState
pick_state (GRand * rand, GstState current, gboolean eos, gboolean hurry)
{
  static const guint normal[] = { 5, 10, 35, 50 };
  static const guint hurried[] = { 2, 3, 25, 70 };
  static const guint after_eos[] = { 30, 40, 10, 20 };
  const guint *weights = eos ? after_eos : hurry ? hurried : normal;

  for (;;) {
    guint r = g_rand_int_range (rand, 0, 100), acc = 0, i;

    for (i = 0; i < 4; i++) {
      acc += weights[i];
      if (r < acc)
        break;
    }
    if ((GstState) (i + GST_STATE_NULL) != current)
      return i + GST_STATE_NULL;
  }
}

static void
set_state_promptly (Run * run, GstState state)
{
  gint64 start = g_get_monotonic_time (), took;
  GstStateChangeReturn ret;

  ret = gst_element_set_state (run->pipeline, state);
  took = g_get_monotonic_time () - start;
  fail_unless (took < emu_fixture_scaled_us (SET_STATE_BOUND_S),
      "%s: set_state(%s) took %" G_GINT64_FORMAT " ms",
      walk_pipelines[run->kind], gst_element_state_get_name (state),
      took / 1000);
  /* Going down never waits; going up waits for preroll, asynchronously. */
  fail_unless (ret == GST_STATE_CHANGE_SUCCESS || (state > GST_STATE_READY
          && ret == GST_STATE_CHANGE_ASYNC), "%s: set_state(%s) returned %s",
      walk_pipelines[run->kind], gst_element_state_get_name (state),
      gst_element_state_change_return_get_name (ret));
}

static void
assert_state_settles (Run * run, GstState target)
{
  GstState state = GST_STATE_VOID_PENDING, pending;
  GstStateChangeReturn ret;
  gint64 start = g_get_monotonic_time ();

  ret = gst_element_get_state (run->pipeline, &state, &pending,
      emu_fixture_scaled_ns (GET_STATE_BOUND_S));
  if (ret == GST_STATE_CHANGE_FAILURE) {
    /* A bin aborts its state change before it forwards the ERROR message
     * that made it fail: give the message a moment to arrive. */
    g_usleep (200000);
  }
  assert_no_errors (run);
  fail_unless (ret == GST_STATE_CHANGE_SUCCESS, "%s: get_state towards %s "
      "gave %s after %" G_GINT64_FORMAT " ms (at %s, pending %s)",
      walk_pipelines[run->kind], gst_element_state_get_name (target),
      gst_element_state_change_return_get_name (ret),
      (g_get_monotonic_time () - start) / 1000,
      gst_element_state_get_name (state),
      gst_element_state_get_name (pending));
  fail_unless_equals_int (state, target);
}

GST_START_TEST (test_random_walk)
{
  const char *args[] = { "--pending-ms", "100", "--running-ms", "200",
    NULL
  };
  const char *seed_env = g_getenv ("WANR2V_STRESS_SEED");
  guint32 seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) :
      20260501;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GString) missing = g_string_new (NULL);
  gint seen = 0, eos_kinds = 0, seen_now;
  guint steps = 0, pipelines = 0, settles = 0, requests = 0;
  gint64 start = g_get_monotonic_time ();
  GstState target = GST_STATE_NULL, previous;
  Run *run = NULL;

  g_printerr ("stress: random walk with WANR2V_STRESS_SEED=%u\n", seed);
  emu = emu_fixture_start (args);

  while (steps < MIN_STEPS || (seen | run_seen_or_zero (run)) != SEEN_ALL
      || eos_kinds != (1 << G_N_ELEMENTS (walk_pipelines)) - 1) {
    gboolean eos, hurry;

    fail_unless (steps < MAX_STEPS, "after %u state changes, never saw: %s",
        steps, seen_to_string (seen | run_seen_or_zero (run), missing));
    if (run == NULL) {
      guint kind = pipelines++ % G_N_ELEMENTS (walk_pipelines);

      run = run_new (walk_pipelines[kind], kind);
      target = GST_STATE_NULL;
    }

    g_mutex_lock (&run->lock);
    eos = run->eos;
    g_mutex_unlock (&run->lock);
    previous = target;
    hurry = steps >= MIN_STEPS;
    target = pick_state (rand, target, eos, hurry);
    /* A new run starts from READY: forget the last one's EOS. */
    if (target <= GST_STATE_READY) {
      g_mutex_lock (&run->lock);
      run->eos = FALSE;
      g_mutex_unlock (&run->lock);
    }
    /* Each run from READY up is a new request, so that it makes a new
     * task rather than being served the video kept from an earlier one. */
    if (previous <= GST_STATE_READY && target >= GST_STATE_PAUSED)
      g_object_set (run->src, "seed", (gint64) ++requests, NULL);
    set_state_promptly (run, target);
    steps++;

    /* Now and then let the pipeline settle: it must, in bounded time. */
    if (g_rand_int_range (rand, 0, 100) < (hurry ? 40 : 6)) {
      assert_state_settles (run, target);
      settles++;
    }

    seen_now = g_atomic_int_get (&run->seen);
    if (seen_now & SEEN_EOS)
      eos_kinds |= 1 << run->kind;

    if (target == GST_STATE_NULL && g_rand_int_range (rand, 0, 100) < 40) {
      assert_no_errors (run);
      seen |= g_atomic_int_get (&run->seen);
      run_free (run);
      run = NULL;
    }
    g_usleep (g_rand_int_range (rand, 0, MAX_WAIT_MS + 1) * 1000);
  }
  if (run) {
    assert_no_errors (run);
    seen |= g_atomic_int_get (&run->seen);
    run_free (run);
  }
  g_printerr ("stress: %u state changes over %u pipelines, %u requests "
      "(%u settled) in %.1f s\n", steps, pipelines, requests, settles,
      (g_get_monotonic_time () - start) / 1e6);
}

GST_END_TEST;

/* ---- many at once ------------------------------------------------------- */

#define N_PIPELINES 16
/* Threads a process may have beyond one streaming thread per pipeline:
 * the job's HTTP thread, GLib's GTask pool (up to ~10 workers reading the
 * references), GLib's worker thread, and what GStreamer keeps (clock,
 * idle task-pool threads).  A thread per job or per request would exceed
 * it. */
#define THREAD_ALLOWANCE 16

GST_START_TEST (test_sixteen_at_once)
{
  Run *runs[N_PIPELINES];
  g_autoptr (GHashTable) task_ids = g_hash_table_new (g_str_hash,
      g_str_equal);
  guint i, baseline, peak, done = 0;
  gint64 deadline;

  emu = emu_fixture_start (NULL);
  baseline = count_threads ();
  peak = baseline;

  for (i = 0; i < N_PIPELINES; i++) {
    runs[i] = run_new (walk_pipelines[0], 0);
    /* Sixteen different requests: none may be served another's video. */
    g_object_set (runs[i]->src, "seed", (gint64) i + 1, NULL);
  }
  for (i = 0; i < N_PIPELINES; i++)
    set_state_promptly (runs[i], GST_STATE_PLAYING);

  deadline = g_get_monotonic_time () + emu_fixture_scaled_us (60);
  while (done < N_PIPELINES) {
    done = 0;
    for (i = 0; i < N_PIPELINES; i++) {
      g_mutex_lock (&runs[i]->lock);
      if (runs[i]->eos)
        done++;
      fail_unless (runs[i]->errors->len == 0, "pipeline %u: %s", i,
          runs[i]->errors->len ?
          (char *) g_ptr_array_index (runs[i]->errors, 0) : "");
      g_mutex_unlock (&runs[i]->lock);
    }
    peak = MAX (peak, count_threads ());
    fail_unless (g_get_monotonic_time () < deadline, "only %u of %u "
        "pipelines reached EOS", done, N_PIPELINES);
    g_usleep (20000);
  }
  g_printerr ("stress: %u threads before, at most %u with %u pipelines\n",
      baseline, peak, N_PIPELINES);
  fail_unless (peak <= baseline + N_PIPELINES + THREAD_ALLOWANCE,
      "%u threads with %u pipelines (%u before)", peak, N_PIPELINES,
      baseline);

  for (i = 0; i < N_PIPELINES; i++) {
    g_autofree char *task_id = NULL;

    g_object_get (runs[i]->src, "task-id", &task_id, NULL);
    fail_unless (task_id != NULL, "pipeline %u has no task id", i);
    fail_unless_equals_string (task_id, runs[i]->task_id);
    fail_if (g_hash_table_contains (task_ids, runs[i]->task_id),
        "task %s served two pipelines", task_id);
    g_hash_table_add (task_ids, runs[i]->task_id);

    /* A valid video: qtdemux parsed it and gave samples. */
    fail_unless (runs[i]->size > 10000, "pipeline %u: video of %"
        G_GUINT64_FORMAT " bytes", i, runs[i]->size);
    fail_unless (g_atomic_int_get (&runs[i]->sink_buffers) > 0,
        "pipeline %u: qtdemux gave no samples", i);
  }
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/services/aigc/video-generation/video-synthesis"),
      N_PIPELINES);

  for (i = 0; i < N_PIPELINES; i++) {
    /* The hash table points into the runs. */
    g_hash_table_remove (task_ids, runs[i]->task_id);
    run_free (runs[i]);
  }
}

GST_END_TEST;

static Suite *
stress_suite (void)
{
  Suite *s = suite_create ("stress");
  TCase *tc = tcase_create ("stress");

  tcase_set_timeout (tc, 80);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_random_walk);
  tcase_add_test (tc, test_sixteen_at_once);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (stress);
