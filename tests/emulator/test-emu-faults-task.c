/* test-emu-faults-task.c: `task` faults, which decide how the next created
 * tasks end: FAILED (with or without a code), CANCELED, UNKNOWN, or RUNNING
 * for ever. */
#include "emu-test-util.h"

#include <string.h>

static EmuFixture *fixture;

static char *
create (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");

  return emu_create_task (fixture, body);
}

static JsonObject *
output_of (EmuReply * reply)
{
  return json_object_get_object_member (emu_reply_object (reply), "output");
}

static JsonObject *
emulator_task (const char *task_id)
{
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (fixture);
  guint i;

  for (i = 0; i < json_array_get_length (tasks); i++) {
    JsonObject *t = json_array_get_object_element (tasks, i);

    if (strcmp (json_object_get_string_member (t, "task_id"), task_id) == 0)
      return json_object_ref (t);
  }
  g_error ("task %s is not in /__emulator/tasks", task_id);
}

static void
test_fail_with_code (void)
{
  g_autofree char *id = NULL;
  g_autofree char *plain = NULL;
  g_autoptr (EmuReply) failed = NULL;
  g_autoptr (EmuReply) running = NULL;
  g_autoptr (EmuReply) ok = NULL;
  g_autoptr (JsonObject) logged = NULL;
  g_autoptr (JsonObject) task = NULL;
  JsonObject *out;

  emu_fixture_reset (fixture);
  emu_fixture_add_fault (fixture, "task:fail,code=InternalError.Algo,"
      "message=The algorithm failed, sorry.");
  id = create ();
  plain = create ();
  /* It goes through RUNNING like any task, then fails. */
  running = emu_wait_status (fixture, id, "RUNNING");
  failed = emu_wait_status (fixture, id, "FAILED");
  out = output_of (failed);
  g_assert_cmpstr (json_object_get_string_member (out, "code"), ==,
      "InternalError.Algo");
  g_assert_cmpstr (json_object_get_string_member (out, "message"), ==,
      "The algorithm failed, sorry.");
  g_assert_true (emu_is_task_time (json_object_get_string_member (out,
              "end_time")));
  g_assert_false (json_object_has_member (out, "video_url"));
  g_assert_false (json_object_has_member (emu_reply_object (failed),
          "usage"));

  logged = emu_last_request (fixture, "POST", "/api/v1/services");
  g_assert_false (json_object_has_member (logged, "task_fault"));
  task = emulator_task (id);
  g_assert_cmpstr (json_object_get_string_member (task, "fault"), ==,
      "task:fail");

  /* count=1: the next task is left alone. */
  ok = emu_wait_status (fixture, plain, "SUCCEEDED");
}

static void
test_fail_silent (void)
{
  g_autofree char *id = NULL;
  g_autoptr (EmuReply) failed = NULL;
  JsonObject *out;

  emu_fixture_reset (fixture);
  emu_fixture_add_fault (fixture, "task:fail");
  id = create ();
  failed = emu_wait_status (fixture, id, "FAILED");
  out = output_of (failed);
  /* A failure that says nothing: a client must cope. */
  g_assert_false (json_object_has_member (out, "code"));
  g_assert_false (json_object_has_member (out, "message"));
  g_assert_cmpstr (json_object_get_string_member (out, "task_id"), ==, id);
}

static void
test_cancel (void)
{
  g_autofree char *id = NULL;
  g_autoptr (EmuReply) pending = NULL;
  g_autoptr (EmuReply) canceled = NULL;
  g_autoptr (EmuReply) again = NULL;

  emu_fixture_reset (fixture);
  emu_fixture_add_fault (fixture, "task:cancel");
  id = create ();
  pending = emu_wait_status (fixture, id, "PENDING");
  canceled = emu_wait_status (fixture, id, "CANCELED");
  g_assert_false (json_object_has_member (output_of (canceled),
          "scheduled_time"));
  /* It stays so: never RUNNING, never a video. */
  g_usleep (500 * 1000);
  again = emu_wait_status (fixture, id, "CANCELED");
}

static void
test_unknown (void)
{
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autoptr (EmuReply) reply = NULL;
  g_autoptr (EmuReply) list = NULL;
  g_autoptr (EmuReply) cancel = NULL;
  g_autoptr (JsonObject) task = NULL;
  JsonObject *out;

  emu_fixture_reset (fixture);
  emu_fixture_add_fault (fixture, "task:unknown");
  id = create ();
  path = g_strdup_printf ("/tasks/%s", id);
  reply = emu_api (fixture, "GET", path, NULL);
  g_assert_cmpuint (reply->status, ==, 200);
  out = output_of (reply);
  g_assert_cmpstr (json_object_get_string_member (out, "task_status"), ==,
      "UNKNOWN");
  g_assert_false (json_object_has_member (out, "submit_time"));
  /* Forgotten by the list too, as an expired task. */
  list = emu_api (fixture, "GET", "/tasks/", NULL);
  g_assert_cmpint (json_object_get_int_member (emu_reply_object (list),
          "total"), ==, 0);
  g_free (path);
  path = g_strdup_printf ("/tasks/%s/cancel", id);
  cancel = emu_api (fixture, "POST", path, NULL);
  g_assert_cmpuint (cancel->status, ==, 400);
  /* The emulator's own view still shows it. */
  task = emulator_task (id);
  g_assert_cmpstr (json_object_get_string_member (task, "status"), ==,
      "UNKNOWN");
}

static void
test_hang (void)
{
  g_autofree char *id = NULL;
  g_autoptr (EmuReply) running = NULL;
  g_autoptr (EmuReply) still = NULL;
  g_autoptr (JsonObject) task = NULL;

  emu_fixture_reset (fixture);
  emu_fixture_add_fault (fixture, "task:hang");
  id = create ();
  running = emu_wait_status (fixture, id, "RUNNING");
  /* Well past pending (100 ms) + running (300 ms). */
  g_usleep (1200 * 1000);
  still = emu_wait_status (fixture, id, "RUNNING");
  g_assert_false (json_object_has_member (output_of (still), "end_time"));
  task = emulator_task (id);
  g_assert_false (json_object_get_boolean_member (task, "work_done"));
}

/* Seconds since the epoch of a service time ("2026-12-05 17:06:06.184",
 * Beijing time). */
static gint64
service_time_s (const char *text)
{
  g_autofree char *iso = g_strdup (text);
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (8 * 3600);
  g_autoptr (GDateTime) t = NULL;

  g_assert_cmpuint (strlen (iso), >=, 19);
  iso[10] = 'T';
  t = g_date_time_new_from_iso8601 (iso, zone);
  g_assert_nonnull (t);
  return g_date_time_to_unix (t);
}

/* A task made "almost a day ago": its times, its place in the list and
 * its expiry say so, while its work runs as any other's. */
static void
test_aged (void)
{
  g_autofree char *id = NULL;
  g_autoptr (EmuReply) done = NULL;
  g_autoptr (EmuReply) list = NULL;
  JsonArray *data;
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;

  emu_fixture_reset (fixture);
  emu_fixture_add_fault (fixture, "task:aged=86250");
  id = create ();
  done = emu_wait_status (fixture, id, "SUCCEEDED");
  g_assert_cmpint (ABS (service_time_s (json_object_get_string_member
              (output_of (done), "submit_time")) - (now_s - 86250)), <, 60);
  /* The list's default window (the last day) still holds it, made then. */
  list = emu_api (fixture, "GET", "/tasks/", NULL);
  g_assert_cmpuint (list->status, ==, 200);
  data = json_object_get_array_member (emu_reply_object (list), "data");
  g_assert_cmpuint (json_array_get_length (data), ==, 1);
  g_assert_cmpint (ABS (json_object_get_int_member
          (json_array_get_object_element (data, 0), "gmt_create") / 1000
          - (now_s - 86250)), <, 60);
}

static void
test_after (void)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr (EmuReply) ok = NULL;
  g_autoptr (EmuReply) failed = NULL;

  emu_fixture_reset (fixture);
  /* A refused create makes no task, so it does not count for `after`. */
  emu_fixture_add_fault (fixture, "create:status=500");
  emu_fixture_add_fault (fixture, "task:fail,after=1");
  {
    g_autofree char *body = emu_simple_body ("wan2.7-r2v", NULL);
    g_autoptr (EmuReply) refused = emu_api (fixture, "POST",
        "/services/aigc/video-generation/video-synthesis", body);

    g_assert_cmpuint (refused->status, ==, 500);
  }
  first = create ();
  second = create ();
  ok = emu_wait_status (fixture, first, "SUCCEEDED");
  failed = emu_wait_status (fixture, second, "FAILED");
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  g_test_add_func ("/emulator/faults/task/fail-with-code",
      test_fail_with_code);
  g_test_add_func ("/emulator/faults/task/fail-silent", test_fail_silent);
  g_test_add_func ("/emulator/faults/task/cancel", test_cancel);
  g_test_add_func ("/emulator/faults/task/unknown", test_unknown);
  g_test_add_func ("/emulator/faults/task/hang", test_hang);
  g_test_add_func ("/emulator/faults/task/after", test_after);
  g_test_add_func ("/emulator/faults/task/aged", test_aged);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  return ret;
}
