/* test-emu-faults-api.c: faults on the API listener (create, query,
 * getPolicy) and the upload host, their `count` and `after`, and the
 * /__emulator/faults endpoints, checked on the wire. */
#include "emu-test-util.h"

#include <string.h>

#define CREATE_PATH "/services/aigc/video-generation/video-synthesis"

static EmuFixture *fixture;

static void
setup (void)
{
  emu_fixture_reset (fixture);
}

static char *
create_url (void)
{
  return g_strconcat (emu_fixture_base_url (fixture), CREATE_PATH, NULL);
}

static char *
simple_body (void)
{
  return emu_simple_body ("wan2.7-r2v", "{\"resolution\":\"720P\","
      "\"duration\":2}");
}

static EmuReply *
create (void)
{
  g_autofree char *body = simple_body ();

  return emu_api (fixture, "POST", CREATE_PATH, body);
}

static void
assert_error_reply (EmuReply * reply, guint status, const char *code,
    const char *message)
{
  g_assert_cmpuint (reply->status, ==, status);
  g_assert_cmpstr (emu_reply_string (reply, "code"), ==, code);
  if (message)
    g_assert_cmpstr (emu_reply_string (reply, "message"), ==, message);
  g_assert_cmpstr (emu_reply_string (reply, "request_id"), ==,
      soup_message_headers_get_one (reply->headers, "x-request-id"));
}

static guint
n_tasks (void)
{
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (fixture);

  return json_array_get_length (tasks);
}

static JsonObject *
fault_n (guint index)
{
  g_autoptr (JsonArray) faults = emu_fixture_get_faults (fixture);

  g_assert_cmpuint (json_array_get_length (faults), >, index);
  return json_object_ref (json_array_get_object_element (faults, index));
}

/* The "fault" member of each logged request to @path_prefix, in order
 * ("-" for none), joined with spaces. */
static char *
logged_faults (const char *path_prefix)
{
  g_autoptr (JsonArray) log = emu_fixture_get_requests (fixture);
  g_autoptr (GString) out = g_string_new (NULL);
  guint i;

  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);

    if (!g_str_has_prefix (json_object_get_string_member (r, "path"),
            path_prefix))
      continue;
    if (out->len)
      g_string_append_c (out, ' ');
    g_string_append (out, json_object_get_string_member_with_default (r,
            "fault", "-"));
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- create */

static void
test_create_status_count (void)
{
  g_autoptr (EmuReply) first = NULL;
  g_autoptr (EmuReply) second = NULL;
  g_autoptr (EmuReply) third = NULL;
  g_autoptr (JsonObject) fault = NULL;
  g_autofree char *log = NULL;

  setup ();
  emu_fixture_add_fault (fixture,
      "create:status=429,code=Throttling.RateQuota,count=2");
  first = create ();
  second = create ();
  third = create ();
  assert_error_reply (first, 429, "Throttling.RateQuota",
      "Requests rate limit exceeded, please try again later.");
  assert_error_reply (second, 429, "Throttling.RateQuota", NULL);
  g_assert_cmpuint (third->status, ==, 200);
  /* Refused creates make no task. */
  g_assert_cmpuint (n_tasks (), ==, 1);

  log = logged_faults ("/api/v1/services");
  g_assert_cmpstr (log, ==, "create:status create:status -");
  fault = fault_n (0);
  g_assert_cmpint (json_object_get_int_member (fault, "fired"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (fault, "seen"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (fault, "status"), ==, 429);
}

static void
test_create_status_texts (void)
{
  g_autoptr (EmuReply) custom = NULL;
  g_autoptr (EmuReply) unavailable = NULL;

  setup ();
  /* The message takes the rest of the SPEC, commas and all. */
  emu_fixture_add_fault (fixture,
      "create:status=500,message=Busy, try again, later");
  emu_fixture_add_fault (fixture, "create:status=503");
  custom = create ();
  unavailable = create ();
  assert_error_reply (custom, 500, "InternalError",
      "Busy, try again, later");
  assert_error_reply (unavailable, 503, "ModelUnavailable", NULL);
  g_assert_cmpuint (n_tasks (), ==, 0);
}

static void
test_create_after_and_order (void)
{
  guint statuses[5];
  guint i;
  g_autoptr (JsonObject) later = NULL;

  setup ();
  /* Lets one create through, then fires once; the 429 queued behind it
   * sees only what the first fault did not take. */
  emu_fixture_add_fault (fixture, "create:status=503,after=1");
  emu_fixture_add_fault (fixture, "create:status=429,after=1");
  for (i = 0; i < G_N_ELEMENTS (statuses); i++) {
    g_autoptr (EmuReply) reply = create ();

    statuses[i] = reply->status;
  }
  /* 1: both let it through (each counts it); 2: the 503 fires; 3: the 429
   * (its second); then nothing is left. */
  g_assert_cmpuint (statuses[0], ==, 200);
  g_assert_cmpuint (statuses[1], ==, 503);
  g_assert_cmpuint (statuses[2], ==, 429);
  g_assert_cmpuint (statuses[3], ==, 200);
  g_assert_cmpuint (statuses[4], ==, 200);
  later = fault_n (1);
  g_assert_cmpint (json_object_get_int_member (later, "seen"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (later, "fired"), ==, 1);
}

static void
test_create_drop (void)
{
  g_autofree char *url = create_url ();
  g_autofree char *body = simple_body ();
  g_auto (GStrv) headers = emu_api_headers (fixture);
  g_autoptr (EmuRawReply) raw = NULL;
  g_autoptr (JsonArray) tasks = NULL;
  g_autoptr (JsonObject) logged = NULL;
  g_autoptr (EmuReply) done = NULL;
  JsonObject *task;

  setup ();
  emu_fixture_add_fault (fixture, "create:drop");
  raw = emu_raw_request ("POST", url, (const char *const *) headers, body);
  /* Not a byte of reply, a clean close. */
  g_assert_false (raw->got_headers);
  g_assert_cmpuint (g_bytes_get_size (raw->body), ==, 0);
  g_assert_cmpint (raw->end, ==, EMU_RAW_EOF);

  /* But the task exists, and runs: a second create would pay twice. */
  tasks = emu_fixture_get_tasks (fixture);
  g_assert_cmpuint (json_array_get_length (tasks), ==, 1);
  task = json_array_get_object_element (tasks, 0);
  logged = emu_last_request (fixture, "POST", "/api/v1/services");
  g_assert_cmpstr (json_object_get_string_member (logged, "fault"), ==,
      "create:drop");
  g_assert_cmpstr (json_object_get_string_member (logged, "task_id"), ==,
      json_object_get_string_member (task, "task_id"));
  done = emu_wait_status (fixture, json_object_get_string_member (task,
          "task_id"), "SUCCEEDED");
}

static void
test_create_reset (void)
{
  g_autofree char *url = create_url ();
  g_autofree char *body = simple_body ();
  g_auto (GStrv) headers = emu_api_headers (fixture);
  g_autoptr (EmuRawReply) raw = NULL;
  g_autoptr (JsonObject) logged = NULL;

  setup ();
  emu_fixture_add_fault (fixture, "create:reset");
  raw = emu_raw_request ("POST", url, (const char *const *) headers, body);
  g_assert_false (raw->got_headers);
  g_assert_cmpint (raw->end, ==, EMU_RAW_RESET);
  /* A reset comes before the task is made. */
  g_assert_cmpuint (n_tasks (), ==, 0);
  logged = emu_last_request (fixture, "POST", "/api/v1/services");
  g_assert_cmpstr (json_object_get_string_member (logged, "fault"), ==,
      "create:reset");
  g_assert_false (json_object_has_member (logged, "task_id"));
}

static void
test_create_delay (void)
{
  g_autoptr (EmuReply) reply = NULL;
  gint64 start;

  setup ();
  emu_fixture_add_fault (fixture, "create:delay=700");
  start = g_get_monotonic_time ();
  reply = create ();
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 700 * 1000);
  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpuint (n_tasks (), ==, 1);
}

/* ---- query */

static char *
query_url (const char *task_id)
{
  return g_strdup_printf ("%s/tasks/%s", emu_fixture_base_url (fixture),
      task_id);
}

static void
test_query_status (void)
{
  g_autoptr (EmuReply) failed = NULL;
  g_autoptr (EmuReply) fine = NULL;

  setup ();
  emu_fixture_add_fault (fixture, "query:status=500,code=SystemError");
  failed = emu_api (fixture, "GET", "/tasks/no-such-task", NULL);
  fine = emu_api (fixture, "GET", "/tasks/no-such-task", NULL);
  assert_error_reply (failed, 500, "SystemError", NULL);
  g_assert_cmpuint (fine->status, ==, 200);
}

static void
test_query_reset (void)
{
  g_autofree char *url = query_url ("no-such-task");
  g_auto (GStrv) headers = emu_api_headers (fixture);
  g_autoptr (EmuRawReply) raw = NULL;
  g_autoptr (JsonObject) logged = NULL;

  setup ();
  emu_fixture_add_fault (fixture, "query:reset");
  raw = emu_raw_request ("GET", url, (const char *const *) headers, NULL);
  g_assert_false (raw->got_headers);
  g_assert_cmpuint (g_bytes_get_size (raw->body), ==, 0);
  g_assert_cmpint (raw->end, ==, EMU_RAW_RESET);
  logged = emu_last_request (fixture, "GET", "/api/v1/tasks/");
  g_assert_cmpstr (json_object_get_string_member (logged, "fault"), ==,
      "query:reset");
}

static void
test_query_delay (void)
{
  g_autoptr (EmuReply) slow = NULL;
  g_autoptr (EmuReply) fast = NULL;
  gint64 start, slow_us;

  setup ();
  emu_fixture_add_fault (fixture, "query:delay=600");
  start = g_get_monotonic_time ();
  slow = emu_api (fixture, "GET", "/tasks/no-such-task", NULL);
  slow_us = g_get_monotonic_time () - start;
  start = g_get_monotonic_time ();
  fast = emu_api (fixture, "GET", "/tasks/no-such-task", NULL);
  g_assert_cmpuint (slow->status, ==, 200);
  g_assert_cmpint (slow_us, >=, 600 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 500 * 1000);
}

static void
test_query_malformed (void)
{
  g_autoptr (EmuReply) reply = NULL;

  setup ();
  emu_fixture_add_fault (fixture, "query:malformed");
  reply = emu_api (fixture, "GET", "/tasks/no-such-task", NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  /* Labelled JSON, but not JSON. */
  g_assert_cmpstr (soup_message_headers_get_content_type (reply->headers,
          NULL), ==, "application/json");
  g_assert_null (reply->json);
  g_assert_cmpuint (g_bytes_get_size (reply->body), >, 0);
}

static void
test_query_truncated (void)
{
  g_autoptr (EmuReply) cut = NULL;
  g_autoptr (EmuReply) whole = NULL;
  g_autofree char *cut_text = NULL;

  setup ();
  emu_fixture_add_fault (fixture, "query:truncated");
  cut = emu_api (fixture, "GET", "/tasks/no-such-task", NULL);
  whole = emu_api (fixture, "GET", "/tasks/no-such-task", NULL);
  g_assert_cmpuint (cut->status, ==, 200);
  g_assert_null (cut->json);
  g_assert_nonnull (whole->json);
  /* The same reply (request ids have the same length), cut in half. */
  g_assert_cmpuint (g_bytes_get_size (cut->body), ==,
      g_bytes_get_size (whole->body) / 2);
  cut_text = g_strndup (g_bytes_get_data (cut->body, NULL),
      g_bytes_get_size (cut->body));
  g_assert_true (g_str_has_prefix (cut_text, "{\"request_id\":\""));
}

/* ---- getPolicy and upload */

static EmuReply *
get_policy (void)
{
  return emu_api (fixture, "GET",
      "/uploads?action=getPolicy&model=wan2.7-r2v", NULL);
}

/* Uploads a few bytes with the policy in @reply (a getPolicy reply). */
static EmuReply *
upload_with (EmuReply * policy_reply)
{
  JsonObject *data = json_object_get_object_member (emu_reply_object
      (policy_reply), "data");
  g_autofree char *key = g_strdup_printf ("%s/note.png",
      json_object_get_string_member (data, "upload_dir"));
  g_autoptr (GBytes) bytes = g_bytes_new_static ("not really a png", 16);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  SoupMultipart *form = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  EmuReply *reply;

  soup_multipart_append_form_string (form, "OSSAccessKeyId",
      json_object_get_string_member (data, "oss_access_key_id"));
  soup_multipart_append_form_string (form, "Signature",
      json_object_get_string_member (data, "signature"));
  soup_multipart_append_form_string (form, "policy",
      json_object_get_string_member (data, "policy"));
  soup_multipart_append_form_string (form, "key", key);
  /* The policy's conditions: without them OSS refuses the form. */
  soup_multipart_append_form_string (form, "x-oss-object-acl", "private");
  soup_multipart_append_form_string (form, "x-oss-forbid-overwrite", "true");
  soup_multipart_append_form_string (form, "success_action_status", "200");
  soup_multipart_append_form_file (form, "file", "note.png", "image/png",
      bytes);
  msg = soup_message_new_from_multipart (json_object_get_string_member
      (data, "upload_host"), form);
  soup_multipart_free (form);

  reply = g_new0 (EmuReply, 1);
  reply->body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (msg);
  reply->headers =
      soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

static gboolean
body_contains (EmuReply * reply, const char *text)
{
  g_autofree char *body = g_strndup (g_bytes_get_data (reply->body, NULL),
      g_bytes_get_size (reply->body));

  return strstr (body, text) != NULL;
}

static void
test_policy_status (void)
{
  g_autoptr (EmuReply) refused = NULL;
  g_autoptr (EmuReply) fine = NULL;

  setup ();
  emu_fixture_add_fault (fixture, "policy:status=429");
  refused = get_policy ();
  fine = get_policy ();
  assert_error_reply (refused, 429, "Throttling.RateQuota", NULL);
  g_assert_cmpuint (fine->status, ==, 200);
}

static void
test_policy_expired (void)
{
  g_autoptr (EmuReply) policy = NULL;
  g_autoptr (EmuReply) refused = NULL;
  g_autoptr (EmuReply) good_policy = NULL;
  g_autoptr (EmuReply) stored = NULL;
  JsonObject *data;

  setup ();
  emu_fixture_add_fault (fixture, "policy:expired");
  policy = get_policy ();
  /* The reply itself looks as usual... */
  g_assert_cmpuint (policy->status, ==, 200);
  data = json_object_get_object_member (emu_reply_object (policy), "data");
  g_assert_cmpint (json_object_get_int_member (data, "expire_in_seconds"), >,
      0);
  /* ...but the upload host refuses it. */
  refused = upload_with (policy);
  g_assert_cmpuint (refused->status, ==, 403);
  g_assert_true (body_contains (refused, "<Code>AccessDenied</Code>"));
  g_assert_true (body_contains (refused, "Policy expired."));

  good_policy = get_policy ();
  stored = upload_with (good_policy);
  g_assert_cmpuint (stored->status, ==, 200);
}

static void
test_upload_status (void)
{
  g_autoptr (EmuReply) policy = NULL;
  g_autoptr (EmuReply) refused = NULL;
  g_autoptr (EmuReply) stored = NULL;
  g_autoptr (JsonObject) logged = NULL;

  setup ();
  emu_fixture_add_fault (fixture, "upload:status=503");
  policy = get_policy ();
  refused = upload_with (policy);
  g_assert_cmpuint (refused->status, ==, 503);
  g_assert_cmpstr (soup_message_headers_get_content_type (refused->headers,
          NULL), ==, "application/xml");
  g_assert_true (body_contains (refused, "<Code>ServiceUnavailable</Code>"));
  g_assert_nonnull (soup_message_headers_get_one (refused->headers,
          "x-oss-request-id"));
  logged = emu_last_request (fixture, "POST", "/");
  g_assert_cmpstr (json_object_get_string_member (logged, "fault"), ==,
      "upload:status");
  /* The same form again: nothing was stored the first time. */
  stored = upload_with (policy);
  g_assert_cmpuint (stored->status, ==, 200);
}

/* ---- the control endpoints */

static void
test_control_endpoints (void)
{
  g_autoptr (JsonArray) listed = NULL;
  g_autoptr (JsonArray) cleared = NULL;
  JsonObject *a, *b;
  guint i;

  setup ();
  /* An object and a SPEC string, in one array. */
  g_assert_cmpuint (emu_fixture_post_faults (fixture,
          "[{\"target\": \"query\", \"status\": 503, \"count\": -1},"
          " \"create:delay=10,after=3,count=2\"]"), ==, 200);
  /* All or nothing: the good first fault is not added either. */
  g_assert_cmpuint (emu_fixture_post_faults (fixture,
          "[\"create:drop\", \"create:nonsense\"]"), ==, 400);
  g_assert_cmpuint (emu_fixture_post_faults (fixture,
          "{\"target\": \"task\", \"status\": 500}"), ==, 400);
  g_assert_cmpuint (emu_fixture_post_faults (fixture,
          "\"download:truncate\""), ==, 400);
  g_assert_cmpuint (emu_fixture_post_faults (fixture, "not json"), ==, 400);

  /* count -1: always. */
  for (i = 0; i < 3; i++) {
    g_autoptr (EmuReply) reply = emu_api (fixture, "GET", "/tasks/x", NULL);

    g_assert_cmpuint (reply->status, ==, 503);
  }

  listed = emu_fixture_get_faults (fixture);
  g_assert_cmpuint (json_array_get_length (listed), ==, 2);
  a = json_array_get_object_element (listed, 0);
  b = json_array_get_object_element (listed, 1);
  g_assert_cmpstr (json_object_get_string_member (a, "target"), ==, "query");
  g_assert_cmpstr (json_object_get_string_member (a, "kind"), ==, "status");
  g_assert_cmpint (json_object_get_int_member (a, "count"), ==, -1);
  g_assert_cmpint (json_object_get_int_member (a, "fired"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (a, "spec"), ==,
      "query:status=503,count=-1,after=0");
  g_assert_cmpstr (json_object_get_string_member (b, "spec"), ==,
      "create:delay=10,count=2,after=3");
  g_assert_cmpint (json_object_get_int_member (b, "delay"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (b, "fired"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (b, "id"), >,
      json_object_get_int_member (a, "id"));

  emu_fixture_clear_faults (fixture);
  cleared = emu_fixture_get_faults (fixture);
  g_assert_cmpuint (json_array_get_length (cleared), ==, 0);
  {
    g_autoptr (EmuReply) reply = emu_api (fixture, "GET", "/tasks/x", NULL);

    g_assert_cmpuint (reply->status, ==, 200);
  }
}

static void
test_command_line (void)
{
  const char *args[] = { "--fault", "create:status=429,count=3",
    "--fault", "task:hang", NULL
  };
  const char *bad[] = { g_getenv ("WANR2V_EMULATOR"), "--port", "0",
    "--fault", "create:explode", NULL
  };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autoptr (JsonArray) faults = emu_fixture_get_faults (f);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (json_array_get_length (faults), ==, 2);
  g_assert_cmpstr (json_object_get_string_member
      (json_array_get_object_element (faults, 0), "spec"), ==,
      "create:status=429,count=3,after=0");
  g_assert_cmpstr (json_object_get_string_member
      (json_array_get_object_element (faults, 1), "spec"), ==,
      "task:hang,count=1,after=0");

  /* A SPEC that does not parse is a usage error. */
  process = g_subprocess_newv (bad, G_SUBPROCESS_FLAGS_STDOUT_SILENCE
      | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  g_test_add_func ("/emulator/faults/create/status-count",
      test_create_status_count);
  g_test_add_func ("/emulator/faults/create/status-texts",
      test_create_status_texts);
  g_test_add_func ("/emulator/faults/create/after-and-order",
      test_create_after_and_order);
  g_test_add_func ("/emulator/faults/create/drop", test_create_drop);
  g_test_add_func ("/emulator/faults/create/reset", test_create_reset);
  g_test_add_func ("/emulator/faults/create/delay", test_create_delay);
  g_test_add_func ("/emulator/faults/query/status", test_query_status);
  g_test_add_func ("/emulator/faults/query/reset", test_query_reset);
  g_test_add_func ("/emulator/faults/query/delay", test_query_delay);
  g_test_add_func ("/emulator/faults/query/malformed", test_query_malformed);
  g_test_add_func ("/emulator/faults/query/truncated", test_query_truncated);
  g_test_add_func ("/emulator/faults/policy/status", test_policy_status);
  g_test_add_func ("/emulator/faults/policy/expired", test_policy_expired);
  g_test_add_func ("/emulator/faults/upload/status", test_upload_status);
  g_test_add_func ("/emulator/faults/control", test_control_endpoints);
  g_test_add_func ("/emulator/faults/command-line", test_command_line);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  return ret;
}
