/* test-emu-request-log.c: the control endpoints (request log, tasks,
 * reset), and the emulator's start-up contract (port file, stdout line,
 * clean exit on SIGTERM). */
#include "emu-test-util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static EmuFixture *fixture;

static JsonObject *
log_entry (JsonArray * log, guint i)
{
  return json_array_get_object_element (log, i);
}

static void
test_log_records_requests (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = NULL;
  g_autofree char *query_path = NULL;
  g_autoptr (EmuReply) query = NULL;
  g_autoptr (EmuReply) done = NULL;
  g_autoptr (EmuReply) download = NULL;
  g_autoptr (JsonArray) log = NULL;
  JsonObject *e, *headers;
  const char *url;
  guint n;

  emu_fixture_reset (fixture);
  id = emu_create_task (fixture, body);
  query_path = g_strdup_printf ("/tasks/%s?probe=1", id);
  query = emu_api (fixture, "GET", query_path, NULL);
  done = emu_wait_status (fixture, id, "SUCCEEDED");
  url = json_object_get_string_member (json_object_get_object_member
      (emu_reply_object (done), "output"), "video_url");
  download = emu_http ("HEAD", url, NULL, NULL, NULL);

  log = emu_fixture_get_requests (fixture);
  n = json_array_get_length (log);
  g_assert_cmpuint (n, >=, 4);

  e = log_entry (log, 0);
  g_assert_cmpint (json_object_get_int_member (e, "seq"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (e, "listener"), ==, "api");
  g_assert_cmpstr (json_object_get_string_member (e, "method"), ==, "POST");
  g_assert_cmpstr (json_object_get_string_member (e, "path"), ==,
      "/api/v1/services/aigc/video-generation/video-synthesis");
  g_assert_true (json_object_get_null_member (e, "query"));
  headers = json_object_get_object_member (e, "headers");
  g_assert_cmpstr (json_object_get_string_member (headers, "authorization"),
      ==, "Bearer test-key");
  g_assert_cmpstr (json_object_get_string_member (headers,
          "x-dashscope-async"), ==, "enable");
  g_assert_cmpstr (json_object_get_string_member (e, "body"), ==, body);
  g_assert_cmpint (json_object_get_int_member (e, "body_size"), ==,
      strlen (body));

  e = log_entry (log, 1);
  g_assert_cmpint (json_object_get_int_member (e, "seq"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (e, "method"), ==, "GET");
  g_assert_cmpstr (json_object_get_string_member (e, "query"), ==, "probe=1");
  g_assert_false (json_object_has_member (e, "body"));
  g_assert_cmpint (json_object_get_int_member (e, "body_size"), ==, 0);

  /* The download went to the OSS listener, with no Authorization. */
  e = log_entry (log, n - 1);
  g_assert_cmpstr (json_object_get_string_member (e, "listener"), ==, "oss");
  g_assert_cmpstr (json_object_get_string_member (e, "method"), ==, "HEAD");
  g_assert_false (json_object_has_member (json_object_get_object_member (e,
              "headers"), "authorization"));

  g_assert_cmpuint (emu_fixture_count_requests (fixture, "POST",
          "/api/v1/services/"), ==, 1);
  g_assert_cmpuint (emu_fixture_count_requests (fixture, "HEAD",
          "/results/"), ==, 1);
  g_assert_cmpuint (emu_fixture_count_requests (fixture, NULL,
          "/api/v1/tasks/"), ==, n - 2);
  /* Reading the log is not itself logged. */
  g_assert_cmpuint (emu_fixture_count_requests (fixture, NULL, "/__emulator"),
      ==, 0);
}

static void
test_tasks_and_reset (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"ratio\":\"9:16\",\"duration\":2}");
  g_autofree char *id = NULL;
  g_autoptr (EmuReply) done = NULL;
  g_autoptr (JsonArray) tasks = NULL;
  g_autoptr (JsonArray) after = NULL;
  g_autoptr (JsonArray) log = NULL;
  g_autofree char *path = NULL;
  g_autoptr (EmuReply) gone = NULL;
  JsonObject *t;

  emu_fixture_reset (fixture);
  id = emu_create_task (fixture, body);
  done = emu_wait_status (fixture, id, "SUCCEEDED");
  tasks = emu_fixture_get_tasks (fixture);
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  t = json_array_get_object_element (tasks, 0);
  g_assert_cmpstr (json_object_get_string_member (t, "task_id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (t, "status"), ==,
      "SUCCEEDED");
  g_assert_cmpstr (json_object_get_string_member (t, "body"), ==, body);
  /* 720P 9:16 */
  g_assert_cmpint (json_object_get_int_member (t, "video_width"), ==, 720);
  g_assert_cmpint (json_object_get_int_member (t, "video_height"), ==, 1280);

  emu_fixture_reset (fixture);
  after = emu_fixture_get_tasks (fixture);
  log = emu_fixture_get_requests (fixture);
  g_assert_cmpuint (json_array_get_length (after), ==, 0);
  g_assert_cmpuint (json_array_get_length (log), ==, 0);
  path = g_strdup_printf ("/tasks/%s", id);
  gone = emu_api (fixture, "GET", path, NULL);
  g_assert_cmpstr (json_object_get_string_member
      (json_object_get_object_member (emu_reply_object (gone), "output"),
          "task_status"), ==, "UNKNOWN");
}

/* Start-up without the fixture: port file, stdout line, SIGTERM. */
static void
test_startup_contract (void)
{
  g_autofree char *dir = g_dir_make_tmp ("emu-start-XXXXXX", NULL);
  g_autofree char *port_file = g_build_filename (dir, "port", NULL);
  const char *argv[] = { g_getenv ("WANR2V_EMULATOR"), "--port", "0",
    "--port-file", port_file, "--verbose", NULL
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *api_line = NULL;
  g_autofree char *oss_line = NULL;
  g_autofree char *storage_line = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *expected = NULL;
  const char *storage;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  api_line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  oss_line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  storage_line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);

  /* The stdout line comes after the port file is in place. */
  g_assert_true (g_file_get_contents (port_file, &port_text, NULL, NULL));
  g_assert_true (g_regex_match_simple ("^[0-9]+\n$", port_text, 0, 0));
  port_text[strlen (port_text) - 1] = '\0';
  expected = g_strdup_printf ("wanr2v-emulator: API at "
      "http://127.0.0.1:%s/api/v1", port_text);
  g_assert_cmpstr (api_line, ==, expected);
  g_assert_true (g_str_has_prefix (oss_line, "wanr2v-emulator: OSS at "
          "http://127.0.0.1:"));
  g_assert_true (g_str_has_prefix (storage_line, "wanr2v-emulator: storage "
          "in "));
  storage = storage_line + strlen ("wanr2v-emulator: storage in ");
  g_assert_true (g_file_test (storage, G_FILE_TEST_IS_DIR));

  g_subprocess_send_signal (proc, SIGTERM);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  /* The temporary storage went with it. */
  g_assert_false (g_file_test (storage, G_FILE_TEST_EXISTS));

  g_unlink (port_file);
  g_rmdir (dir);
}

static void
test_bad_option (void)
{
  const char *argv[] = { g_getenv ("WANR2V_EMULATOR"), "--moov", "middle",
    NULL
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_newv (argv,
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
      &error);

  g_assert_no_error (error);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  g_test_add_func ("/emulator/control/request-log",
      test_log_records_requests);
  g_test_add_func ("/emulator/control/tasks-and-reset", test_tasks_and_reset);
  g_test_add_func ("/emulator/startup/contract", test_startup_contract);
  g_test_add_func ("/emulator/startup/bad-option", test_bad_option);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  return ret;
}
