/* test-emu-cancel-list.c: cancelling, UNKNOWN tasks, and the task list. */
#include "emu-test-util.h"

#include <string.h>

#define CANCEL_REFUSED "Failed to cancel the task, please confirm if the " \
  "task is in PENDING status."

/* Slow enough that a test can act while a task is PENDING or RUNNING. */
static EmuFixture *slow;

static JsonObject *
output_of (EmuReply * reply)
{
  return json_object_get_object_member (emu_reply_object (reply), "output");
}

static EmuReply *
cancel (EmuFixture * f, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/tasks/%s/cancel", id);

  return emu_api (f, "POST", path, NULL);
}

static void
assert_cancel_refused (EmuReply * reply)
{
  g_assert_cmpuint (reply->status, ==, 400);
  g_assert_cmpstr (emu_reply_string (reply, "code"), ==,
      "UnsupportedOperation");
  g_assert_cmpstr (emu_reply_string (reply, "message"), ==, CANCEL_REFUSED);
}

static void
test_cancel_pending (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (slow, body);
  g_autofree char *path = g_strdup_printf ("/tasks/%s", id);
  g_autoptr (EmuReply) reply = cancel (slow, id);
  g_autoptr (EmuReply) again = NULL;
  g_autoptr (EmuReply) query = NULL;
  g_autoptr (GList) members = NULL;
  JsonObject *out;

  g_assert_cmpuint (reply->status, ==, 200);
  members = json_object_get_members (emu_reply_object (reply));
  g_assert_cmpuint (g_list_length (members), ==, 1);
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers,
          "x-request-id"), ==, emu_reply_string (reply, "request_id"));

  query = emu_api (slow, "GET", path, NULL);
  out = output_of (query);
  g_assert_cmpstr (json_object_get_string_member (out, "task_status"), ==,
      "CANCELED");
  g_assert_false (json_object_has_member (out, "video_url"));

  /* CANCELED is final: a second cancel is refused. */
  again = cancel (slow, id);
  assert_cancel_refused (again);
}

static void
test_cancel_running_refused (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (slow, body);
  g_autoptr (EmuReply) running = emu_wait_status (slow, id, "RUNNING");
  g_autoptr (EmuReply) reply = cancel (slow, id);
  g_autoptr (EmuReply) after = NULL;
  g_autofree char *path = g_strdup_printf ("/tasks/%s", id);

  assert_cancel_refused (reply);
  after = emu_api (slow, "GET", path, NULL);
  g_assert_cmpstr (json_object_get_string_member (output_of (after),
          "task_status"), !=, "CANCELED");
}

static void
test_cancel_unknown (void)
{
  g_autoptr (EmuReply) reply = cancel (slow, "no-such-task");

  assert_cancel_refused (reply);
}

static void
test_unknown_id (void)
{
  g_autoptr (EmuReply) reply = emu_api (slow, "GET",
      "/tasks/0385dc79-0000-0000-0000-000000000000", NULL);
  JsonObject *out;
  g_autoptr (GList) members = NULL;

  g_assert_cmpuint (reply->status, ==, 200);
  out = output_of (reply);
  members = json_object_get_members (out);
  g_assert_cmpuint (g_list_length (members), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (out, "task_status"), ==,
      "UNKNOWN");
  g_assert_cmpstr (json_object_get_string_member (out, "task_id"), ==,
      "0385dc79-0000-0000-0000-000000000000");
}

static void
test_task_ttl (void)
{
  const char *args[] = { "--task-ttl", "1", NULL };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (f, body);
  g_autofree char *path = g_strdup_printf ("/tasks/%s", id);
  g_autoptr (EmuReply) first = emu_api (f, "GET", path, NULL);
  g_autoptr (EmuReply) later = NULL;
  gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (3);

  /* Right after submission it is known; a second later, never again. */
  g_assert_cmpstr (json_object_get_string_member (output_of (first),
          "task_status"), !=, "UNKNOWN");
  while (g_get_monotonic_time () < deadline) {
    g_clear_pointer (&later, emu_reply_free);
    later = emu_api (f, "GET", path, NULL);
    if (g_strcmp0 (json_object_get_string_member (output_of (later),
                "task_status"), "UNKNOWN") == 0)
      break;
    g_usleep (50 * 1000);
  }
  g_assert_cmpstr (json_object_get_string_member (output_of (later),
          "task_status"), ==, "UNKNOWN");
}

/* ---- list */

static char *
beijing_stamp (gint64 offset_s)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_offset (8 * 3600);
  g_autoptr (GDateTime) now = g_date_time_new_now (tz);
  g_autoptr (GDateTime) then = g_date_time_add_seconds (now, offset_s);

  return g_date_time_format (then, "%Y%m%d%H%M%S");
}

static JsonObject *
list_ok (EmuReply * reply)
{
  JsonObject *obj;

  if (reply->status != 200)
    g_error ("list: HTTP %u", reply->status);
  obj = emu_reply_object (reply);
  g_assert_true (json_object_has_member (obj, "request_id"));
  g_assert_true (json_object_has_member (obj, "total"));
  g_assert_true (json_object_has_member (obj, "total_page"));
  g_assert_true (json_object_has_member (obj, "page_no"));
  g_assert_true (json_object_has_member (obj, "page_size"));
  g_assert_true (json_object_has_member (obj, "data"));
  return obj;
}

static void
test_list (void)
{
  g_autofree char *b27 = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *b26 = g_strdup ("{\"model\":\"wan2.6-r2v-flash\","
      "\"input\":{\"prompt\":\"x\",\"reference_urls\":"
      "[\"http://127.0.0.1:9/a.png\"]}}");
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;
  g_autofree char *id3 = NULL;
  g_autofree char *start = beijing_stamp (-60);
  g_autofree char *end = beijing_stamp (60);
  g_autofree char *q = NULL;
  g_autoptr (EmuReply) all = NULL;
  g_autoptr (EmuReply) by_model = NULL;
  g_autoptr (EmuReply) paged = NULL;
  g_autoptr (EmuReply) by_id = NULL;
  g_autoptr (EmuReply) past = NULL;
  g_autoptr (EmuReply) too_wide = NULL;
  g_autoptr (EmuReply) pending = NULL;
  JsonObject *obj, *item;
  JsonArray *data;
  gint64 now_ms = g_get_real_time () / 1000;

  emu_fixture_reset (slow);
  id1 = emu_create_task (slow, b27);
  id2 = emu_create_task (slow, b26);
  id3 = emu_create_task (slow, b27);

  all = emu_api (slow, "GET", "/tasks", NULL);
  obj = list_ok (all);
  g_assert_cmpint (json_object_get_int_member (obj, "total"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (obj, "page_no"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (obj, "page_size"), ==, 10);
  data = json_object_get_array_member (obj, "data");
  g_assert_cmpuint (json_array_get_length (data), ==, 3);
  /* Newest first, with epoch-millisecond times. */
  item = json_array_get_object_element (data, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "task_id"), ==, id3);
  g_assert_cmpstr (json_object_get_string_member (item, "status"), ==,
      "PENDING");
  g_assert_cmpstr (json_object_get_string_member (item, "model_name"), ==,
      "wan2.7-r2v");
  g_assert_cmpint (ABS (json_object_get_int_member (item, "gmt_create") -
          now_ms), <, 10000);

  /* How a client finds a task whose create reply was lost. */
  q = g_strdup_printf ("/tasks/?model_name=wan2.7-r2v&start_time=%s"
      "&end_time=%s", start, end);
  by_model = emu_api (slow, "GET", q, NULL);
  obj = list_ok (by_model);
  g_assert_cmpint (json_object_get_int_member (obj, "total"), ==, 2);
  data = json_object_get_array_member (obj, "data");
  g_assert_cmpstr (json_object_get_string_member
      (json_array_get_object_element (data, 1), "task_id"), ==, id1);
  g_free (q);

  paged = emu_api (slow, "GET", "/tasks/?page_size=2&page_no=2", NULL);
  obj = list_ok (paged);
  g_assert_cmpint (json_object_get_int_member (obj, "total"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (obj, "total_page"), ==, 2);
  data = json_object_get_array_member (obj, "data");
  g_assert_cmpuint (json_array_get_length (data), ==, 1);
  g_assert_cmpstr (json_object_get_string_member
      (json_array_get_object_element (data, 0), "task_id"), ==, id1);

  q = g_strdup_printf ("/tasks/?task_id=%s", id2);
  by_id = emu_api (slow, "GET", q, NULL);
  obj = list_ok (by_id);
  g_assert_cmpint (json_object_get_int_member (obj, "total"), ==, 1);
  g_free (q);

  pending = emu_api (slow, "GET", "/tasks/?status=SUCCEEDED", NULL);
  obj = list_ok (pending);
  g_assert_cmpint (json_object_get_int_member (obj, "total"), ==, 0);

  g_free (start);
  g_free (end);
  start = beijing_stamp (-7200);
  end = beijing_stamp (-3600);
  q = g_strdup_printf ("/tasks/?start_time=%s&end_time=%s", start, end);
  past = emu_api (slow, "GET", q, NULL);
  obj = list_ok (past);
  g_assert_cmpint (json_object_get_int_member (obj, "total"), ==, 0);
  g_free (q);

  g_free (start);
  start = beijing_stamp (-2 * 86400);
  q = g_strdup_printf ("/tasks/?start_time=%s&end_time=%s", start, end);
  too_wide = emu_api (slow, "GET", q, NULL);
  g_assert_cmpuint (too_wide->status, ==, 400);
  g_assert_cmpstr (emu_reply_string (too_wide, "code"), ==,
      "InvalidParameter");
}

/* The list takes what the protocol notes say and nothing looser: times
 * of exactly 14 digits, a window of at most 24 h (its end second
 * included), page_size 1..100, page_no from 1.  A client tested here
 * cannot come to rely on more. */
static void
test_list_strict (void)
{
  g_autofree char *end = beijing_stamp (0);
  g_autofree char *day = beijing_stamp (-86399);
  g_autofree char *over = beijing_stamp (-86400);
  const char *refused[] = {
    "/tasks/?page_size=101", "/tasks/?page_size=0", "/tasks/?page_size=x",
    "/tasks/?page_no=0", "/tasks/?page_no=-1",
    "/tasks/?start_time=2026-12-01%2000:00",
    "/tasks/?start_time=20261301000000",
    "/tasks/?start_time=2026120100000",
    "/tasks/?start_time=202612010000000",
    "/tasks/?start_time=%2B0261201000000",
    "/tasks/?start_time=2026120%20000000",
    "/tasks/?start_time=1764547200",
    "/tasks/?start_time=20261202000000&end_time=20261201000000",
    "/tasks/?status=DONE",
  };
  g_autofree char *whole_day = g_strdup_printf ("/tasks/?start_time=%s"
      "&end_time=%s&page_size=100", day, end);
  g_autofree char *too_long = g_strdup_printf ("/tasks/?start_time=%s"
      "&end_time=%s", over, end);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (refused); i++) {
    g_autoptr (EmuReply) reply = emu_api (slow, "GET", refused[i], NULL);

    if (reply->status != 400)
      g_error ("GET %s: HTTP %u, not 400", refused[i], reply->status);
    g_assert_cmpstr (emu_reply_string (reply, "code"), ==,
        "InvalidParameter");
  }
  {
    g_autoptr (EmuReply) ok = emu_api (slow, "GET", whole_day, NULL);
    g_autoptr (EmuReply) no = emu_api (slow, "GET", too_long, NULL);

    g_assert_cmpint (json_object_get_int_member (list_ok (ok), "page_size"),
        ==, 100);
    g_assert_cmpuint (no->status, ==, 400);
  }
}

/* cancel faults: a status refuses it (the task stays PENDING); a delay
 * cancels on arrival and holds only the reply back. */
static void
test_cancel_faults (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (slow, body);
  g_autofree char *path = g_strdup_printf ("/tasks/%s", id);
  g_autoptr (EmuReply) refused = NULL, delayed = NULL, query = NULL;
  gint64 start;

  emu_fixture_add_fault (slow, "cancel:status=503");
  refused = cancel (slow, id);
  g_assert_cmpuint (refused->status, ==, 503);
  g_assert_cmpstr (emu_reply_string (refused, "code"), ==,
      "ModelUnavailable");
  query = emu_api (slow, "GET", path, NULL);
  g_assert_cmpstr (json_object_get_string_member (output_of (query),
          "task_status"), ==, "PENDING");
  g_clear_pointer (&query, emu_reply_free);

  emu_fixture_add_fault (slow, "cancel:delay=400");
  start = g_get_monotonic_time ();
  delayed = cancel (slow, id);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 400 * 1000);
  g_assert_cmpuint (delayed->status, ==, 200);
  query = emu_api (slow, "GET", path, NULL);
  g_assert_cmpstr (json_object_get_string_member (output_of (query),
          "task_status"), ==, "CANCELED");
  emu_fixture_clear_faults (slow);
}

int
main (int argc, char **argv)
{
  const char *args[] = { "--pending-ms", "1500", "--running-ms", "3000",
    NULL
  };
  int ret;

  g_test_init (&argc, &argv, NULL);
  slow = emu_fixture_start (args);
  g_test_add_func ("/emulator/cancel/pending", test_cancel_pending);
  g_test_add_func ("/emulator/cancel/running-refused",
      test_cancel_running_refused);
  g_test_add_func ("/emulator/cancel/unknown", test_cancel_unknown);
  g_test_add_func ("/emulator/unknown/bad-id", test_unknown_id);
  g_test_add_func ("/emulator/unknown/task-ttl", test_task_ttl);
  g_test_add_func ("/emulator/list/filters", test_list);
  g_test_add_func ("/emulator/list/strict", test_list_strict);
  g_test_add_func ("/emulator/cancel/faults", test_cancel_faults);
  ret = g_test_run ();
  emu_fixture_stop (slow);
  return ret;
}
