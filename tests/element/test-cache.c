/* test-cache.c: a paid video is never lost, never paid twice.
 *
 * The result cache (same request, no new task), the task journal (a killed
 * process's task is picked up, not created again), attaching to an existing
 * task, cancel-on-stop, and the errors that end a task without a video. */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "emulator-fixture.h"
#include "emu-test-util.h"
#include "pipeline-run.h"
#include "wanr2v-error.h"

#define PROMPT "Image 1 waves at the camera"
#define CREATE_PATH "/api/v1/services/aigc/video-generation/video-synthesis"
#define VIDEO_DECODE "qtdemux name=d d.video_0 ! avdec_h264 ! videoconvert ! " \
    "video/x-raw,format=RGB ! appsink name=vsink sync=false"

static char *tmp_dir;           /* per test */
static char *cache_dir;         /* tmp_dir/cache */
static char *refs_dir;          /* tmp_dir/refs: reference files */

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("wanr2v-cache-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
  cache_dir = g_build_filename (tmp_dir, "cache", NULL);
  refs_dir = g_build_filename (tmp_dir, "refs", NULL);
  fail_unless (g_mkdir (refs_dir, 0700) == 0);
}

static void
teardown (void)
{
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
  g_clear_pointer (&cache_dir, g_free);
  g_clear_pointer (&refs_dir, g_free);
}

/* The emulator's --help, to see which options this build has. */
static gboolean
emulator_has_option (const char *option)
{
  const char *argv[] = { g_getenv ("WANR2V_EMULATOR"), "--help", NULL };
  g_autofree char *out = NULL;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL,
          NULL, NULL, &out, NULL, NULL, NULL))
    return FALSE;
  return strstr (out, option) != NULL;
}

/* These tests are about tasks, not pictures: where the emulator can serve
 * a ready-made MP4 (2 s, 30 fps, like the videos asked for) instead of
 * rendering one, it does, so that the file runs well within its minute. */
static EmuFixture *
start_emulator (const char *const *extra)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; extra && extra[i]; i++)
    g_ptr_array_add (args, g_strdup (extra[i]));
  if (emulator_has_option ("--result-file")) {
    g_ptr_array_add (args, g_strdup ("--result-file"));
    g_ptr_array_add (args, emu_fixture_data_path ("character.mp4"));
  }
  g_ptr_array_add (args, NULL);
  return emu_fixture_start ((const char *const *) args->pdata);
}

static char *
copy_reference (const char *data_name, const char *as)
{
  g_autofree char *from = emu_fixture_data_path (data_name);
  char *to = g_build_filename (refs_dir, as, NULL);
  g_autofree char *contents = NULL;
  gsize len;

  fail_unless (g_file_get_contents (from, &contents, &len, NULL));
  fail_unless (g_file_set_contents (to, contents, len, NULL));
  return to;
}

static void
set_images (GstElement * src, const char *uri)
{
  GValue array = G_VALUE_INIT, item = G_VALUE_INIT;

  gst_value_array_init (&array, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, uri);
  gst_value_array_append_and_take_value (&array, &item);
  g_object_set_property (G_OBJECT (src), "images", &array);
  g_value_unset (&array);
}

/* The request every test makes (the journal test makes it from
 * gst-launch-1.0 as well, with the same values). */
static void
configure (GstElement * src, EmuFixture * emu, const char *image)
{
  g_autofree char *red = emu_fixture_data_path ("red.png");

  g_object_set (src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "poll-interval", 50,
      "cache-dir", cache_dir, "duration", 2, "prompt", PROMPT, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "resolution", "720P");
  set_images (src, image ? image : red);
}

static PipelineRun *
new_run (EmuFixture * emu, const char *description, const char *image)
{
  PipelineRun *run = pipeline_run_new (description);

  configure (run->src, emu, image);
  return run;
}

static char *
filesink_description (const char *out)
{
  return g_strdup_printf ("wanr2vsrc name=src ! filesink location=\"%s\"",
      out);
}

static void
assert_ok (PipelineRun * run)
{
  fail_unless (run->error == NULL, "error: %s (%s)",
      run->error ? run->error->message : "", run->error_debug);
  fail_unless (run->eos);
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

/* Runs the standard request into @out (relative to tmp_dir). */
static void
run_to_file (EmuFixture * emu, const char *out_name, const char *image,
    const char *cache_policy, char **progress_text)
{
  g_autofree char *out = g_build_filename (tmp_dir, out_name, NULL);
  g_autofree char *desc = filesink_description (out);
  PipelineRun *run = new_run (emu, desc, image);
  guint i;

  if (cache_policy)
    gst_util_set_object_arg (G_OBJECT (run->src), "cache-policy",
        cache_policy);
  pipeline_run_play (run, 60);
  assert_ok (run);
  /* The last progress comes before EOS (test-messages.c checks it); wait
   * a little in case it does not, so that the assertion below says so. */
  if (!has_progress (run, NULL, "COMPLETE request"))
    pipeline_run_wait_for (run, has_progress, "COMPLETE request", 3);
  if (progress_text) {
    GString *all = g_string_new (NULL);

    for (i = 0; i < run->progress->len; i++)
      g_string_append_printf (all, "%s\n",
          (char *) g_ptr_array_index (run->progress, i));
    *progress_text = g_string_free (all, FALSE);
  }
  pipeline_run_free (run);
}

static guint
count_creates (EmuFixture * emu)
{
  return emu_fixture_count_requests (emu, "POST", CREATE_PATH);
}

static GBytes *
read_bytes (const char *name)
{
  g_autofree char *path = g_path_is_absolute (name) ? g_strdup (name) :
      g_build_filename (tmp_dir, name, NULL);
  char *contents = NULL;
  gsize len;

  fail_unless (g_file_get_contents (path, &contents, &len, NULL),
      "cannot read %s", path);
  return g_bytes_new_take (contents, len);
}

/* Names in cache_dir ending in @suffix. */
static GPtrArray *
cache_files (const char *suffix)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (cache_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (names, g_strdup (name));
  if (dir)
    g_dir_close (dir);
  return names;
}

static guint
count_cache_files (const char *suffix)
{
  g_autoptr (GPtrArray) names = cache_files (suffix);

  return names->len;
}

static char *
task_id_at (EmuFixture * emu, guint index)
{
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (emu);

  fail_unless (json_array_get_length (tasks) > index, "no task %u", index);
  return g_strdup (json_object_get_string_member
      (json_array_get_object_element (tasks, index), "task_id"));
}

static char *
task_status (EmuFixture * emu, const char *task_id)
{
  g_autofree char *path = g_strdup_printf ("/tasks/%s", task_id);
  g_autoptr (EmuReply) reply = emu_api (emu, "GET", path, NULL);
  JsonObject *output;

  fail_unless_equals_int (reply->status, 200);
  output = json_object_get_object_member (emu_reply_object (reply), "output");
  return g_strdup (json_object_get_string_member (output, "task_status"));
}

/* @timeout_ms is stretched under the sanitizers and valgrind. */
static gboolean
wait_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time ()
      + emu_fixture_scaled_us (timeout_ms / 1000.0);

  while (!cond (data)) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_usleep (20 * 1000);
  }
  return TRUE;
}

static gboolean
no_journal (gpointer data)
{
  return count_cache_files (".task") == 0;
}

/* ---- the result cache ---------------------------------------------------- */

GST_START_TEST (test_second_run_is_free)
{
  EmuFixture *emu = start_emulator (NULL);
  g_autoptr (GBytes) first = NULL, second = NULL, kept = NULL;
  g_autoptr (GPtrArray) videos = NULL, records = NULL;
  g_autofree char *text = NULL, *kept_path = NULL, *task_id = NULL;

  run_to_file (emu, "one.mp4", NULL, NULL, NULL);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_cache_files (".task"), 0);
  videos = cache_files (".mp4");
  fail_unless_equals_int (videos->len, 1);
  /* The journal became the record of the task that made the video. */
  records = cache_files (".kept");
  fail_unless_equals_int (records->len, 1);
  {
    g_autofree char *path = g_build_filename (cache_dir, records->pdata[0],
        NULL);
    g_autofree char *record = NULL;
    g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (emu);

    fail_unless (g_file_get_contents (path, &record, NULL, NULL));
    fail_unless_equals_int (json_array_get_length (tasks), 1);
    task_id = g_strdup (json_object_get_string_member
        (json_array_get_object_element (tasks, 0), "task_id"));
    fail_unless (strstr (record, task_id) != NULL, "%s", record);
  }

  emu_fixture_reset (emu);
  run_to_file (emu, "two.mp4", NULL, NULL, &text);
  /* Not a single request to either listener. */
  fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, NULL), 0);
  first = read_bytes ("one.mp4");
  second = read_bytes ("two.mp4");
  kept_path = g_build_filename (cache_dir, videos->pdata[0], NULL);
  kept = read_bytes (kept_path);
  fail_unless (g_bytes_get_size (first) > 10000);
  fail_unless (g_bytes_equal (first, second), "the kept video differs");
  fail_unless (g_bytes_equal (first, kept));
  fail_unless (strstr (text, "kept video") && strstr (text, "no new task"),
      "the progress does not say the video was kept:\n%s", text);
  /* ...and names the task that made it. */
  fail_unless (strstr (text, task_id) != NULL, "no task id %s in:\n%s",
      task_id, text);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* References count by content: a renamed file is the same request, an
 * edited one is not. */
GST_START_TEST (test_reference_renamed_or_edited)
{
  EmuFixture *emu = start_emulator (NULL);
  g_autofree char *a = copy_reference ("red.png", "a.png");
  g_autofree char *b = g_build_filename (refs_dir, "b c.png", NULL);
  g_autofree char *text = NULL, *magenta = NULL, *b_uri = NULL;
  gsize len;

  run_to_file (emu, "a.mp4", a, NULL, NULL);
  fail_unless_equals_int (count_creates (emu), 1);

  emu_fixture_reset (emu);
  fail_unless (g_rename (a, b) == 0);
  /* As a file:// URI this time: still the same file. */
  b_uri = g_filename_to_uri (b, NULL, NULL);
  run_to_file (emu, "b.mp4", b_uri, NULL, &text);
  fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, NULL), 0);
  fail_unless (strstr (text, "kept video") != NULL, "%s", text);

  g_free (text);
  text = NULL;
  {
    g_autofree char *path = emu_fixture_data_path ("magenta.png");

    fail_unless (g_file_get_contents (path, &magenta, &len, NULL));
    fail_unless (g_file_set_contents (b, magenta, len, NULL));
  }
  run_to_file (emu, "c.mp4", b, NULL, &text);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_if (strstr (text, "kept video") != NULL, "%s", text);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_cache_policies)
{
  EmuFixture *emu = start_emulator (NULL);
  g_autofree char *t4 = NULL, *t5 = NULL, *v4 = NULL, *v5 = NULL;
  g_autoptr (GBytes) refreshed = NULL, reused = NULL;

  run_to_file (emu, "1.mp4", NULL, NULL, NULL);
  fail_unless_equals_int (count_creates (emu), 1);

  /* refresh: a new task, and its video replaces the kept one. */
  emu_fixture_reset (emu);
  run_to_file (emu, "2.mp4", NULL, "refresh", NULL);
  fail_unless_equals_int (count_creates (emu), 1);
  emu_fixture_reset (emu);
  run_to_file (emu, "3.mp4", NULL, "reuse", NULL);
  fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, NULL), 0);
  refreshed = read_bytes ("2.mp4");
  reused = read_bytes ("3.mp4");
  fail_unless (g_bytes_equal (refreshed, reused));

  /* off: a task every time, each video still kept (by task id). */
  emu_fixture_reset (emu);
  run_to_file (emu, "4.mp4", NULL, "off", NULL);
  run_to_file (emu, "5.mp4", NULL, "off", NULL);
  fail_unless_equals_int (count_creates (emu), 2);
  t4 = task_id_at (emu, 0);
  t5 = task_id_at (emu, 1);
  fail_if (g_strcmp0 (t4, t5) == 0);
  v4 = g_strdup_printf ("%s/%s.mp4", cache_dir, t4);
  v5 = g_strdup_printf ("%s/%s.mp4", cache_dir, t5);
  {
    g_autoptr (GBytes) kept4 = read_bytes (v4);
    g_autoptr (GBytes) kept5 = read_bytes (v5);
    g_autoptr (GBytes) out4 = read_bytes ("4.mp4");
    g_autoptr (GBytes) out5 = read_bytes ("5.mp4");

    fail_unless (g_bytes_equal (kept4, out4));
    fail_unless (g_bytes_equal (kept5, out5));
  }
  fail_unless_equals_int (count_cache_files (".task"), 0);
  fail_unless_equals_int (count_cache_files (".part"), 0);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- the journal: kill -9 in the middle ---------------------------------- */

static void
die_with_parent (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

typedef struct
{
  EmuFixture *emu;
} KillWait;

static gboolean
task_and_journal_exist (gpointer data)
{
  KillWait *k = data;
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (k->emu);

  return json_array_get_length (tasks) == 1
      && count_cache_files (".task") == 1;
}

GST_START_TEST (test_kill9_then_resume)
{
  const char *args[] = { "--pending-ms", "2000", NULL };
  EmuFixture *emu = start_emulator (args);
  g_autofree char *image = emu_fixture_data_path ("red.png");
  g_autofree char *out = g_build_filename (tmp_dir, "out.mp4", NULL);
  g_autofree char *a_base = NULL, *a_images = NULL, *a_cache = NULL;
  g_autofree char *a_prompt = NULL, *task_id = NULL, *status = NULL;
  g_autofree char *resumed = NULL, *desc = NULL, *following = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) journal = NULL, videos = NULL;
  KillWait k = { emu };
  PipelineRun *run;
  guint i;

  a_base = g_strdup_printf ("base-url=%s", emu_fixture_base_url (emu));
  a_images = g_strdup_printf ("images=<\"%s\">", image);
  a_cache = g_strdup_printf ("cache-dir=%s", cache_dir);
  a_prompt = g_strdup_printf ("prompt=%s", PROMPT);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL,
      NULL);
  proc = g_subprocess_launcher_spawn (launcher, &error, "gst-launch-1.0",
      "-q", "wanr2vsrc", a_base, "api-key=test-key", a_prompt, a_images,
      "duration=2", "resolution=720P", "poll-interval=50", a_cache, "!",
      "fakesink", NULL);
  fail_unless (proc != NULL, "gst-launch-1.0: %s", error ? error->message :
      "?");
  fail_unless (wait_until (task_and_journal_exist, &k, 10000),
      "gst-launch-1.0 did not create a journaled task within %u s",
      emu_fixture_scaled_s (10));
  g_subprocess_force_exit (proc);       /* SIGKILL */
  fail_unless (g_subprocess_wait (proc, NULL, NULL));
  fail_unless (g_subprocess_get_if_signaled (proc));
  fail_unless_equals_int (g_subprocess_get_term_sig (proc), SIGKILL);

  task_id = task_id_at (emu, 0);
  /* Killed mid-flight: the task is still queued and its video unfetched. */
  status = task_status (emu, task_id);
  fail_unless_equals_string (status, "PENDING");
  fail_unless_equals_int (count_cache_files (".mp4"), 0);
  journal = cache_files (".task");
  {
    g_autofree char *path = g_build_filename (cache_dir, journal->pdata[0],
        NULL);
    g_autofree char *text = NULL;

    fail_unless (g_file_get_contents (path, &text, NULL, NULL));
    fail_unless (strstr (text, task_id) != NULL, "journal: %s", text);
    fail_if (strstr (text, "test-key") != NULL, "the key is in the journal");
  }

  /* The same pipeline again, in this process. */
  desc = filesink_description (out);
  run = new_run (emu, desc, image);
  pipeline_run_play (run, 60);
  assert_ok (run);
  g_object_get (run->src, "task-id", &resumed, NULL);
  fail_unless_equals_string (resumed, task_id);
  following = g_strdup_printf ("Following task %s", task_id);
  for (i = 0; i < run->progress->len; i++)
    if (strstr (g_ptr_array_index (run->progress, i), following))
      break;
  fail_unless (i < run->progress->len, "no progress says it follows %s",
      task_id);
  pipeline_run_free (run);

  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_cache_files (".task"), 0);
  videos = cache_files (".mp4");
  fail_unless_equals_int (videos->len, 1);
  {
    g_autofree char *kept = g_build_filename (cache_dir, videos->pdata[0],
        NULL);
    g_autoptr (GBytes) a = read_bytes (kept);
    g_autoptr (GBytes) b = read_bytes (out);

    fail_unless (g_bytes_get_size (a) > 10000);
    fail_unless (g_bytes_equal (a, b));
  }
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- attaching to a task ----------------------------------------------- */

GST_START_TEST (test_attach)
{
  EmuFixture *emu = start_emulator (NULL);
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *task_id = emu_create_task (emu, body);
  g_autofree char *read_back = NULL, *uri = NULL;
  g_autofree char *other_cache = NULL;
  PipelineRun *run;

  /* By property. */
  run = pipeline_run_new ("wanr2vsrc name=src ! " VIDEO_DECODE);
  g_object_set (run->src, "task-id", task_id, "base-url",
      emu_fixture_base_url (emu), "api-key", "test-key", "poll-interval", 50,
      "cache-dir", cache_dir, NULL);
  pipeline_run_play (run, 60);
  assert_ok (run);
  fail_unless_equals_int (run->video_frames, 60);
  g_object_get (run->src, "task-id", &read_back, NULL);
  fail_unless_equals_string (read_back, task_id);
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (emu), 1);      /* ours */

  /* By URI, into another cache directory. */
  other_cache = g_build_filename (tmp_dir, "other cache", NULL);
  uri = g_strdup_printf ("wanr2v://task/%s", task_id);
  run = pipeline_run_new ("wanr2vsrc name=src ! " VIDEO_DECODE);
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (run->src), uri,
          NULL));
  /* The application's settings, which a URI cannot make. */
  g_object_set (run->src, "api-key", "test-key", "base-url",
      emu_fixture_base_url (emu), "cache-dir", other_cache, "poll-interval",
      50, NULL);
  pipeline_run_play (run, 60);
  assert_ok (run);
  fail_unless_equals_int (run->video_frames, 60);
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (emu), 1);
  {
    g_autofree char *name = g_strdup_printf ("%s.mp4", task_id);
    g_autofree char *kept = g_build_filename (other_cache, name, NULL);

    fail_unless (g_file_test (kept, G_FILE_TEST_IS_REGULAR),
        "%s was not kept", kept);
  }
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- cancel-on-stop ---------------------------------------------------- */

static gboolean
one_cancel_sent (gpointer data)
{
  return emu_fixture_count_requests (data, "POST", "/api/v1/tasks/") >= 1;
}

GST_START_TEST (test_cancel_on_stop)
{
  const char *args[] = { "--pending-ms", "5000", NULL };
  EmuFixture *emu = start_emulator (args);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink", NULL);
  g_autofree char *task_id = NULL, *status = NULL, *cancel_path = NULL;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "created", 10));
  task_id = task_id_at (emu, 0);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  fail_unless (wait_until (one_cancel_sent, emu, 5000), "no cancel sent");
  g_usleep (300 * 1000);
  cancel_path = g_strdup_printf ("/api/v1/tasks/%s/cancel", task_id);
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/tasks/"), 1);
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          cancel_path), 1);
  status = task_status (emu, task_id);
  fail_unless_equals_string (status, "CANCELED");
  /* Nothing left to resume. */
  fail_unless (wait_until (no_journal, NULL, 2000), "journal left behind");
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_no_cancel_on_stop_then_resume)
{
  const char *args[] = { "--pending-ms", "2000", NULL };
  EmuFixture *emu = start_emulator (args);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink", NULL);
  g_autofree char *task_id = NULL, *status = NULL, *resumed = NULL;

  g_object_set (run->src, "cancel-on-stop", FALSE, NULL);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "created", 10));
  task_id = task_id_at (emu, 0);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  g_usleep (500 * 1000);
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/tasks/"), 0);
  status = task_status (emu, task_id);
  fail_unless_equals_string (status, "PENDING");
  fail_unless_equals_int (count_cache_files (".task"), 1);
  pipeline_run_free (run);

  /* A later run picks the task up instead of paying for another. */
  run = new_run (emu, "wanr2vsrc name=src ! " VIDEO_DECODE, NULL);
  pipeline_run_play (run, 60);
  assert_ok (run);
  fail_unless_equals_int (run->video_frames, 60);
  g_object_get (run->src, "task-id", &resumed, NULL);
  fail_unless_equals_string (resumed, task_id);
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_cache_files (".task"), 0);
  fail_unless_equals_int (count_cache_files (".mp4"), 1);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* The run after one stopped mid-download: it finishes the same task's
 * video (all 60 frames), with no new task, and leaves no journal or
 * partial file behind. */
static void
play_resumed_run (EmuFixture * emu)
{
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! " VIDEO_DECODE,
      NULL);

  pipeline_run_play (run, 60);
  assert_ok (run);
  fail_unless_equals_int (run->video_frames, 60);
  pipeline_run_free (run);

  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_cache_files (".task"), 0);
  fail_unless_equals_int (count_cache_files (".part"), 0);
}

/* Stopped mid-download: the task stays journaled and the next run goes on
 * from the bytes already on disk (a Range request), with no second task. */
GST_START_TEST (test_stop_while_downloading_then_resume)
{
  const char *args[] = { "--download-rate", "20k", NULL };
  EmuFixture *emu = start_emulator (args);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink", NULL);
  g_autoptr (JsonObject) config = NULL;
  JsonArray *log;
  guint i, ranged = 0;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "Downloaded", 20));
  g_usleep (300 * 1000);
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  pipeline_run_free (run);
  fail_unless_equals_int (count_cache_files (".task"), 1);
  fail_unless_equals_int (count_cache_files (".part"), 1);

  config = emu_fixture_set_config (emu, "{\"download_rate\": 0}");
  play_resumed_run (emu);
  fail_unless_equals_int (count_cache_files (".mp4"), 1);
  log = emu_fixture_get_requests (emu);
  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);
    JsonObject *headers = json_object_get_object_member (r, "headers");
    const char *range = json_object_has_member (headers, "range") ?
        json_object_get_string_member (headers, "range") : NULL;

    if (range && g_str_has_prefix (range, "bytes=")
        && g_ascii_strtoull (range + 6, NULL, 10) > 0)
      ranged++;
  }
  json_array_unref (log);
  fail_unless (ranged >= 1, "the second run did not resume with a Range");
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* Stopped after the last byte but before the video was kept (the process
 * died between the two): the next run finds nothing left to fetch (the
 * server answers its Range with 416) and keeps the file as it is. */
GST_START_TEST (test_resume_with_every_byte_on_disk)
{
  const char *args[] = { "--download-rate", "20k", NULL };
  EmuFixture *emu = start_emulator (args);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink", NULL);
  g_autoptr (JsonObject) config = NULL;
  g_autoptr (GPtrArray) parts = NULL;
  g_autoptr (JsonArray) log = NULL;
  g_autofree char *video = NULL, *part = NULL, *expected_range = NULL;
  g_autoptr (GBytes) result = NULL, kept = NULL;
  g_autoptr (GPtrArray) videos = NULL;
  guint i, ranged = 0, first_run_requests;

  if (!emulator_has_option ("--result-file")) {
    g_printerr ("SKIPPED: the emulator cannot serve a known result\n");
    emu_fixture_stop (emu);
    return;
  }
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "Downloaded", 20));
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  pipeline_run_free (run);
  parts = cache_files (".part");
  fail_unless_equals_int (parts->len, 1);

  /* The emulator serves tests/data/character.mp4 as every result: finish
   * the partial file by hand, as the download would have. */
  video = emu_fixture_data_path ("character.mp4");
  result = read_bytes (video);
  part = g_build_filename (cache_dir, parts->pdata[0], NULL);
  fail_unless (g_file_set_contents (part, g_bytes_get_data (result, NULL),
          g_bytes_get_size (result), NULL));

  config = emu_fixture_set_config (emu, "{\"download_rate\": 0}");
  log = emu_fixture_get_requests (emu);
  first_run_requests = json_array_get_length (log);
  g_clear_pointer (&log, json_array_unref);
  play_resumed_run (emu);
  videos = cache_files (".mp4");
  fail_unless_equals_int (videos->len, 1);
  {
    g_autofree char *path = g_build_filename (cache_dir, videos->pdata[0],
        NULL);

    kept = read_bytes (path);
  }
  fail_unless (g_bytes_equal (kept, result), "the kept video differs");

  /* The second run asked for the video once, from its very end. */
  expected_range = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-",
      g_bytes_get_size (result));
  log = emu_fixture_get_requests (emu);
  for (i = first_run_requests; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);
    JsonObject *headers = json_object_get_object_member (r, "headers");

    if (g_strcmp0 (json_object_get_string_member (r, "listener"), "oss"))
      continue;
    fail_unless (json_object_has_member (headers, "range"));
    fail_unless_equals_string (json_object_get_string_member (headers,
            "range"), expected_range);
    ranged++;
  }
  fail_unless_equals_int (ranged, 1);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static gpointer
play_in_thread (gpointer data)
{
  pipeline_run_play (data, 60);
  return NULL;
}

/* Two runs of one request at the same moment, into one cache-dir: the
 * second waits while the first holds the request's key (until its task is
 * journaled; the service takes a second to answer the create here), then
 * follows the first's task: one task.  Each downloads into a partial file
 * of its own (a second download of one task finds the first's locked),
 * both succeed, one video is kept with the record of the task that made
 * it, and no journal or partial file is left behind. */
GST_START_TEST (test_same_request_twice_at_once)
{
  const char *args[] = { "--fault", "create:delay=1000", NULL };
  EmuFixture *emu = start_emulator (args);
  PipelineRun *a = new_run (emu, "wanr2vsrc name=src ! " VIDEO_DECODE, NULL);
  PipelineRun *b = new_run (emu, "wanr2vsrc name=src ! " VIDEO_DECODE, NULL);
  GThread *ta = g_thread_new ("run-a", play_in_thread, a);
  GThread *tb = g_thread_new ("run-b", play_in_thread, b);
  g_autoptr (JsonArray) log = NULL;
  guint i;

  g_thread_join (ta);
  g_thread_join (tb);
  assert_ok (a);
  assert_ok (b);
  fail_unless_equals_int (a->video_frames, 60);
  fail_unless_equals_int (b->video_frames, 60);
  pipeline_run_free (a);
  pipeline_run_free (b);

  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_cache_files (".part"), 0);
  fail_unless_equals_int (count_cache_files (".task"), 0);
  fail_unless_equals_int (count_cache_files (".mp4"), 1);
  fail_unless_equals_int (count_cache_files (".kept"), 1);
  /* Each download read its own file from the start: no Range at all. */
  log = emu_fixture_get_requests (emu);
  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *headers = json_object_get_object_member
        (json_array_get_object_element (log, i), "headers");

    fail_if (json_object_has_member (headers, "range"), "%s",
        json_object_get_string_member (headers, "range"));
  }
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* A task the element only attached to (set task-id, or wanr2v://task/ID)
 * belongs to whoever created it, who may still be waiting for it:
 * stopping the pipeline must not cancel it. */
GST_START_TEST (test_stop_does_not_cancel_attached_task)
{
  const char *args[] = { "--pending-ms", "5000", NULL };
  EmuFixture *emu = start_emulator (args);
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *task_id = emu_create_task (emu, body);
  g_autofree char *status = NULL;
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");

  g_object_set (run->src, "task-id", task_id, "base-url",
      emu_fixture_base_url (emu), "api-key", "test-key", "poll-interval", 50,
      "cache-dir", cache_dir, NULL);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "is PENDING", 10));
  gst_element_set_state (run->pipeline, GST_STATE_NULL);
  g_usleep (500 * 1000);
  status = task_status (emu, task_id);
  fail_unless_equals_string (status, "PENDING");
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/tasks/"), 0);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- errors that end a task without a video ------------------------------ */

static const char *const task_error_words[] = { "FAILED", "CANCELED",
  "UNKNOWN", "No video after"
};

/* RESOURCE/FAILED with the task id in the text, the debug string and the
 * details; its own word and none of the others'; every details field. */
static void
assert_task_error (PipelineRun * run, WanR2vErrorCode code,
    const char *task_id, guint word, const char *hint)
{
  const GstStructure *d = run->error_details;
  static const char *const fields[] = { "http-status", "service-code",
    "service-message", "request-id", "task-id", "wanr2v-error"
  };
  const char *message;
  gint wanr2v_error = -1;
  guint i;

  fail_unless (run->error != NULL, "no error");
  message = run->error->message;
  fail_unless_equals_string (run->error_source, "src");
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_FAILED), "%s: %s %d", message,
      g_quark_to_string (run->error->domain), run->error->code);
  fail_unless (strstr (message, task_id) != NULL,
      "the message does not name task %s: %s", task_id, message);
  fail_unless (run->error_debug && strstr (run->error_debug, task_id),
      "debug: %s", run->error_debug);
  for (i = 0; i < G_N_ELEMENTS (task_error_words); i++) {
    if (i == word)
      fail_unless (strstr (message, task_error_words[i]) != NULL, "%s",
          message);
    else
      fail_if (strstr (message, task_error_words[i]) != NULL, "%s",
          message);
  }
  fail_unless (strstr (message, hint) != NULL, "no hint \"%s\" in: %s",
      hint, message);
  fail_unless (d != NULL, "no details");
  fail_unless_equals_string (gst_structure_get_name (d), "details");
  for (i = 0; i < G_N_ELEMENTS (fields); i++)
    fail_unless (gst_structure_has_field (d, fields[i]),
        "details lack %s: %" GST_PTR_FORMAT, fields[i], d);
  fail_unless_equals_string (gst_structure_get_string (d, "task-id"),
      task_id);
  fail_unless (gst_structure_get_int (d, "wanr2v-error", &wanr2v_error));
  fail_unless_equals_int (wanr2v_error, code);
}

GST_START_TEST (test_error_failed)
{
  EmuFixture *emu = start_emulator (NULL);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink",
      /* Well-formed, but not an image: the service fails the task. */
      "data:image/png;base64,bm90IGFuIGltYWdl");
  g_autofree char *task_id = NULL;
  g_autoptr (JsonArray) tasks = NULL;
  JsonObject *task;
  guint status = 0;

  pipeline_run_play (run, 30);
  task_id = task_id_at (emu, 0);
  assert_task_error (run, WANR2V_ERROR_TASK_FAILED, task_id, 0,
      "change the request");
  tasks = emu_fixture_get_tasks (emu);
  task = json_array_get_object_element (tasks, 0);
  fail_unless_equals_string (json_object_get_string_member (task, "status"),
      "FAILED");
  /* The service's code and message travel in the text and the details. */
  fail_unless_equals_string (gst_structure_get_string (run->error_details,
          "service-code"), json_object_get_string_member (task, "code"));
  fail_unless_equals_string (gst_structure_get_string (run->error_details,
          "service-message"), json_object_get_string_member (task,
          "message"));
  fail_unless (strstr (run->error->message, json_object_get_string_member
          (task, "code")) != NULL, "%s", run->error->message);
  fail_unless (gst_structure_get_uint (run->error_details, "http-status",
          &status));
  fail_unless_equals_int (status, 200);
  /* Nothing to resume: the journal is gone. */
  fail_unless_equals_int (count_cache_files (".task"), 0);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* FAILED without a code or message: the text still says what to do. */
GST_START_TEST (test_error_failed_without_code)
{
  const char *args[] = { "--fault", "task:fail", NULL };
  EmuFixture *emu;
  PipelineRun *run;
  g_autofree char *task_id = NULL;

  if (!emulator_has_option ("--fault")) {
    g_printerr ("SKIPPED test_error_failed_without_code: this emulator has "
        "no --fault option\n");
    return;
  }
  emu = start_emulator (args);
  run = new_run (emu, "wanr2vsrc name=src ! fakesink", NULL);
  pipeline_run_play (run, 30);
  task_id = task_id_at (emu, 0);
  assert_task_error (run, WANR2V_ERROR_TASK_FAILED, task_id, 0,
      "change the request");
  fail_unless (strstr (run->error->message, "no error code") != NULL, "%s",
      run->error->message);
  fail_unless (gst_structure_get_string (run->error_details,
          "service-code") == NULL);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static gboolean
is_end (PipelineRun * run, GstMessage * msg, gpointer data)
{
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
}

/* Someone else cancels the task while the element waits for it. */
GST_START_TEST (test_error_canceled)
{
  const char *args[] = { "--pending-ms", "5000", NULL };
  EmuFixture *emu = start_emulator (args);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink", NULL);
  g_autofree char *task_id = NULL, *path = NULL;
  g_autoptr (EmuReply) reply = NULL;

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_progress, "created", 10));
  task_id = task_id_at (emu, 0);
  path = g_strdup_printf ("/tasks/%s/cancel", task_id);
  reply = emu_api (emu, "POST", path, NULL);
  fail_unless_equals_int (reply->status, 200);
  fail_unless (pipeline_run_wait_for (run, is_end, NULL, 10));
  assert_task_error (run, WANR2V_ERROR_TASK_CANCELED, task_id, 1,
      "run again");
  fail_unless_equals_int (count_cache_files (".task"), 0);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_error_unknown)
{
  EmuFixture *emu = start_emulator (NULL);
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  const char *task_id = "0385dc79-0000-4000-8000-000000000000";

  g_object_set (run->src, "task-id", task_id, "base-url",
      emu_fixture_base_url (emu), "api-key", "test-key", "poll-interval", 50,
      "cache-dir", cache_dir, NULL);
  pipeline_run_play (run, 30);
  assert_task_error (run, WANR2V_ERROR_TASK_UNKNOWN, task_id, 2, "region");
  fail_unless_equals_int (count_creates (emu), 0);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* The overall timeout: the task goes on, and its video is not lost. */
GST_START_TEST (test_error_timeout_then_resume)
{
  /* The timeout (1 s) must come after the create and before the end of the
   * task (2.5 s RUNNING): both stretched alike in slow runs, where the
   * create alone may take longer than a second. */
  g_autofree char *running_ms = g_strdup_printf ("%" G_GINT64_FORMAT,
      emu_fixture_scaled_us (2.5) / 1000);
  const char *args[] = { "--running-ms", running_ms, NULL };
  EmuFixture *emu = start_emulator (args);
  PipelineRun *run = new_run (emu, "wanr2vsrc name=src ! fakesink", NULL);
  g_autofree char *task_id = NULL, *resumed = NULL, *hint = NULL;
  g_autofree char *timeout_text = NULL;
  guint status = 1;

  g_object_set (run->src, "timeout", emu_fixture_scaled_s (1), NULL);
  timeout_text = g_strdup_printf ("after %u s", emu_fixture_scaled_s (1));
  pipeline_run_play (run, 30);
  fail_unless (run->elapsed < emu_fixture_scaled_ns (5),
      "the timeout took %" GST_TIME_FORMAT, GST_TIME_ARGS (run->elapsed));
  task_id = task_id_at (emu, 0);
  hint = g_strdup_printf ("task-id=%s", task_id);
  assert_task_error (run, WANR2V_ERROR_TIMEOUT, task_id, 3, hint);
  fail_unless (strstr (run->error->message, timeout_text) != NULL, "%s",
      run->error->message);
  fail_unless (strstr (run->error->message, "RUNNING") != NULL, "%s",
      run->error->message);
  fail_unless (gst_structure_get_uint (run->error_details, "http-status",
          &status));
  fail_unless_equals_int (status, 0);
  /* A RUNNING task cannot be cancelled: none was tried. */
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/tasks/"), 0);
  /* The task is journaled still: the same pipeline picks it up. */
  fail_unless_equals_int (count_cache_files (".task"), 1);
  pipeline_run_free (run);

  run = new_run (emu, "wanr2vsrc name=src ! fakesink", NULL);
  pipeline_run_play (run, 30);
  assert_ok (run);
  g_object_get (run->src, "task-id", &resumed, NULL);
  fail_unless_equals_string (resumed, task_id);
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_cache_files (".task"), 0);
  fail_unless_equals_int (count_cache_files (".mp4"), 1);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static Suite *
cache_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-cache");
  TCase *tc;

  tc = tcase_create ("cache");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_second_run_is_free);
  tcase_add_test (tc, test_reference_renamed_or_edited);
  tcase_add_test (tc, test_cache_policies);
  suite_add_tcase (s, tc);

  tc = tcase_create ("journal");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_kill9_then_resume);
  tcase_add_test (tc, test_attach);
  tcase_add_test (tc, test_cancel_on_stop);
  tcase_add_test (tc, test_no_cancel_on_stop_then_resume);
  tcase_add_test (tc, test_stop_while_downloading_then_resume);
  tcase_add_test (tc, test_resume_with_every_byte_on_disk);
  tcase_add_test (tc, test_same_request_twice_at_once);
  tcase_add_test (tc, test_stop_does_not_cancel_attached_task);
  suite_add_tcase (s, tc);

  tc = tcase_create ("errors");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_error_failed);
  tcase_add_test (tc, test_error_failed_without_code);
  tcase_add_test (tc, test_error_canceled);
  tcase_add_test (tc, test_error_unknown);
  tcase_add_test (tc, test_error_timeout_then_resume);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (cache);
