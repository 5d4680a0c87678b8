/* test-journal.c: never paying twice across crashes and concurrent runs.
 *
 * docs/failure-model.md, "Crash and stop points": the intent record written
 * before every create (a process killed between the create and the journal
 * is followed by a run that adopts its task, or proves none was made), the
 * rules for adopting a task found in the list (never someone else's; an
 * ambiguous match is an error and nothing is kept under the request's
 * key), the lock on the request key (two runs at once make one task), and
 * the WARNING when the journal cannot be written. */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "emulator-fixture.h"
#include "emu-test-util.h"
#include "pipeline-run.h"
#include "wanr2v-error.h"

#define PROMPT "Image 1 waves at the camera"
#define CREATE_PATH "/api/v1/services/aigc/video-generation/video-synthesis"

static char *tmp_dir;           /* per test */
static char *cache_dir;         /* tmp_dir/cache */

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("wanr2v-journal-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
  cache_dir = g_build_filename (tmp_dir, "cache", NULL);
}

static void
teardown (void)
{
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
  g_clear_pointer (&cache_dir, g_free);
}

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

/* The standard request (the same as pipeline_run_spawn_gst_launch's) into @cache. */
static PipelineRun *
new_run (EmuFixture * emu, const char *cache)
{
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  g_autofree char *red = emu_fixture_data_path ("red.png");

  g_object_set (run->src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "poll-interval", 50,
      "retry-delay", 20, "cache-dir", cache, "duration", 2, "prompt",
      PROMPT, NULL);
  gst_util_set_object_arg (G_OBJECT (run->src), "resolution", "720P");
  set_images (run->src, red);
  return run;
}

static void
assert_ok (PipelineRun * run)
{
  fail_unless (run->error == NULL, "error: %s (%s)",
      run->error ? run->error->message : "", run->error_debug);
  fail_unless (run->eos);
}

static guint
count_creates (EmuFixture * emu)
{
  return emu_fixture_count_requests (emu, "POST", CREATE_PATH);
}

static guint
count_lists (EmuFixture * emu)
{
  g_autoptr (JsonArray) log = emu_fixture_get_requests (emu);
  guint i, n = 0;

  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);
    const char *path = json_object_get_string_member (r, "path");

    n += g_strcmp0 (path, "/api/v1/tasks/") == 0
        || g_strcmp0 (path, "/api/v1/tasks") == 0;
  }
  return n;
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

/* The cache key of the standard request: the name of the video a first
 * run keeps (in a directory of its own). */
static char *
request_key (EmuFixture * emu)
{
  g_autofree char *dir_path = g_build_filename (tmp_dir, "key-run", NULL);
  PipelineRun *run = new_run (emu, dir_path);
  g_autoptr (GDir) dir = NULL;
  const char *name;

  pipeline_run_play (run, 30);
  assert_ok (run);
  pipeline_run_free (run);
  dir = g_dir_open (dir_path, 0, NULL);
  while ((name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".mp4"))
      return g_strndup (name, strlen (name) - 4);
  fail ("no video kept in %s", dir_path);
  return NULL;
}

/* What an earlier run leaves in cache_dir when it dies right after sending
 * a create at @sent_ms (wanr2v-intent.c's format). */
static void
write_intent (const char *key, gint64 sent_ms)
{
  g_autofree char *name = g_strconcat (key, ".intent", NULL);
  g_autofree char *path = g_build_filename (cache_dir, name, NULL);
  g_autofree char *text = g_strdup_printf ("{\"model\":\"wan2.7-r2v\","
      "\"prompt\":\"%s\",\"sent_ms\":%" G_GINT64_FORMAT "}", PROMPT, sent_ms);

  fail_unless (g_mkdir_with_parents (cache_dir, 0700) == 0);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
}

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* A task of wan2.7-r2v created by another client, with @prompt. */
static char *
other_client_task (EmuFixture * emu, const char *prompt)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_auto (GStrv) parts = g_strsplit (body, PROMPT, 2);
  g_autofree char *changed = g_strjoin (prompt, parts[0], parts[1], NULL);

  return emu_create_task (emu, changed);
}

/* ---- kill -9 between the create and the journal -------------------------- */

/* The create is on the service (the emulator made the task on arrival and
 * holds its reply back) when the process is killed: nothing but the
 * intent record knows of the task.  The next run adopts it: one task, and
 * the video. */
GST_START_TEST (test_kill9_between_create_and_journal)
{
  EmuFixture *emu = start_emulator (1000);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (JsonArray) tasks = NULL;
  g_autofree char *task_id = NULL, *followed = NULL;
  gint64 deadline;
  PipelineRun *run;

  emu_fixture_add_fault (emu, "create:delay=5000");
  proc = pipeline_run_spawn_gst_launch (emu, PROMPT, cache_dir);
  deadline = g_get_monotonic_time () + emu_fixture_scaled_us (10);
  while (count_creates (emu) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  fail_unless_equals_int (count_creates (emu), 1);
  g_subprocess_force_exit (proc);       /* SIGKILL */
  fail_unless (g_subprocess_wait (proc, NULL, NULL));
  fail_unless (g_subprocess_get_if_signaled (proc));

  fail_unless_equals_int (count_files (cache_dir, ".intent"), 1);
  fail_unless_equals_int (count_files (cache_dir, ".task"), 0);
  tasks = emu_fixture_get_tasks (emu);
  fail_unless_equals_int (json_array_get_length (tasks), 1);
  task_id = g_strdup (json_object_get_string_member
      (json_array_get_object_element (tasks, 0), "task_id"));

  run = new_run (emu, cache_dir);
  pipeline_run_play (run, 30);
  assert_ok (run);
  g_object_get (run->src, "task-id", &followed, NULL);
  fail_unless_equals_string (followed, task_id);
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless (count_lists (emu) >= 1);
  fail_unless_equals_int (count_files (cache_dir, ".intent"), 0);
  fail_unless_equals_int (count_files (cache_dir, ".task"), 0);
  fail_unless_equals_int (count_files (cache_dir, ".mp4"), 1);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- an intent whose create made no task --------------------------------- */

/* The earlier run died before its create reached the service: the list
 * shows no task of it, which proves none was made, and this run makes
 * its own (once). */
GST_START_TEST (test_intent_without_task_creates_once)
{
  EmuFixture *emu = start_emulator (100);
  g_autofree char *key = request_key (emu);
  PipelineRun *run;
  guint lists_before = count_lists (emu);

  /* Sent five minutes ago: the key run's task is not of that moment. */
  write_intent (key, now_ms () - 5 * 60 * 1000);
  run = new_run (emu, cache_dir);
  pipeline_run_play (run, 30);
  assert_ok (run);
  pipeline_run_free (run);
  fail_unless (count_lists (emu) > lists_before, "the list was not read");
  fail_unless_equals_int (count_creates (emu), 2);      /* key run + this */
  fail_unless_equals_int (count_files (cache_dir, ".intent"), 0);
  fail_unless_equals_int (count_files (cache_dir, ".mp4"), 1);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- adopting only a matching task --------------------------------------- */

/* Two tasks of the model with the same prompt were made at that moment
 * (another client): either may be the lost one.  The run fails naming
 * both, pays for nothing, and keeps nothing under the request's key. */
GST_START_TEST (test_intent_ambiguous_is_an_error_not_cached)
{
  EmuFixture *emu = start_emulator (100);
  g_autofree char *key = request_key (emu);
  g_autofree char *a = other_client_task (emu, PROMPT);
  g_autofree char *b = other_client_task (emu, PROMPT);
  guint creates = count_creates (emu);
  PipelineRun *run;

  write_intent (key, now_ms ());
  run = new_run (emu, cache_dir);
  pipeline_run_play (run, 30);
  fail_unless (run->error != NULL, "no error");
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ), "%s", run->error->message);
  fail_unless (strstr (run->error->message, a) != NULL, "%s",
      run->error->message);
  fail_unless (strstr (run->error->message, b) != NULL, "%s",
      run->error->message);
  fail_unless (strstr (run->error->message, "task-id") != NULL, "%s",
      run->error->message);
  {
    gint code = -1;

    fail_unless (gst_structure_get_int (run->error_details, "wanr2v-error",
            &code));
    fail_unless_equals_int (code, WANR2V_ERROR_CONNECTION_LOST);
  }
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (emu), creates);
  fail_unless_equals_int (count_files (cache_dir, ".mp4"), 0);
  fail_unless_equals_int (count_files (cache_dir, ".kept"), 0);
  fail_unless_equals_int (count_files (cache_dir, ".task"), 0);
  /* Kept: a later run must not pay again unasked. */
  fail_unless_equals_int (count_files (cache_dir, ".intent"), 1);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* A task of the model made at that moment by another client, whose query
 * shows another prompt, is not this request's: it is not adopted (its
 * video is not kept under this key), and a new task is made. */
GST_START_TEST (test_intent_other_prompt_not_adopted)
{
  EmuFixture *emu = start_emulator (100);
  g_autofree char *key = request_key (emu);
  g_autofree char *other = other_client_task (emu, "A cat sleeps on Image 1");
  g_autofree char *followed = NULL;
  g_autoptr (EmuReply) done = emu_wait_status (emu, other, "SUCCEEDED");
  PipelineRun *run;

  write_intent (key, now_ms ());
  run = new_run (emu, cache_dir);
  pipeline_run_play (run, 30);
  assert_ok (run);
  g_object_get (run->src, "task-id", &followed, NULL);
  fail_if (g_strcmp0 (followed, other) == 0, "adopted another client's task");
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (emu), 3);      /* key, other, new */
  fail_unless_equals_int (count_files (cache_dir, ".intent"), 0);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- two runs of one request at once ------------------------------------- */

/* One in this process, one in gst-launch-1.0, started together into one
 * cache-dir: one task, and both get the video.  The service takes a second
 * to answer the first create, so that the second run is ready to create
 * before the first's task is journaled. */
GST_START_TEST (test_two_processes_at_once_one_task)
{
  EmuFixture *emu = start_emulator (300);
  g_autoptr (GSubprocess) proc = NULL;
  PipelineRun *run = new_run (emu, cache_dir);

  emu_fixture_add_fault (emu, "create:delay=1500");
  proc = pipeline_run_spawn_gst_launch (emu, PROMPT, cache_dir);
  pipeline_run_play (run, 30);
  assert_ok (run);
  pipeline_run_free (run);
  fail_unless (g_subprocess_wait (proc, NULL, NULL));
  fail_unless (g_subprocess_get_if_exited (proc));
  fail_unless_equals_int (g_subprocess_get_exit_status (proc), 0);
  fail_unless_equals_int (count_creates (emu), 1);
  fail_unless_equals_int (count_files (cache_dir, ".mp4"), 1);
  fail_unless_equals_int (count_files (cache_dir, ".intent"), 0);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- a journal that cannot be written ------------------------------------ */

static gboolean
collect_until_end (PipelineRun * run, GstMessage * msg, gpointer data)
{
  GPtrArray *warnings = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    GError *error = NULL;

    gst_message_parse_warning (msg, &error, NULL);
    fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_WRITE), "%s", error->message);
    g_ptr_array_add (warnings, g_strdup (error->message));
    g_error_free (error);
  }
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
}

/* Where the intent and the journal go, directories are in the way: the
 * run still makes its video, and says (WARNING messages) that the
 * never-pay-twice protection is off. */
GST_START_TEST (test_unwritable_journal_warns)
{
  EmuFixture *emu = start_emulator (100);
  g_autofree char *key = request_key (emu);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  const char *suffixes[] = { ".intent", ".task" };
  PipelineRun *run;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree char *name = g_strconcat (key, suffixes[i], NULL);
    g_autofree char *blocker = g_build_filename (cache_dir, name, "x", NULL);

    fail_unless (g_mkdir_with_parents (blocker, 0700) == 0);
  }
  run = new_run (emu, cache_dir);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, collect_until_end, warnings, 30));
  assert_ok (run);
  pipeline_run_free (run);
  fail_unless_equals_int (warnings->len, 2);
  for (i = 0; i < warnings->len; i++)
    fail_unless (strstr (g_ptr_array_index (warnings, i),
            "never-pay-twice protection is off for this run") != NULL,
        "%s", (char *) g_ptr_array_index (warnings, i));
  fail_unless (strstr (g_ptr_array_index (warnings, 1), "journal") != NULL,
      "%s", (char *) g_ptr_array_index (warnings, 1));
  fail_unless_equals_int (count_creates (emu), 2);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static Suite *
journal_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-journal");
  TCase *tc;

  tc = tcase_create ("journal");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_kill9_between_create_and_journal);
  tcase_add_test (tc, test_intent_without_task_creates_once);
  tcase_add_test (tc, test_intent_ambiguous_is_an_error_not_cached);
  tcase_add_test (tc, test_intent_other_prompt_not_adopted);
  tcase_add_test (tc, test_two_processes_at_once_one_task);
  tcase_add_test (tc, test_unwritable_journal_warns);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (journal);
