/* test-emu-lifecycle.c: a task from create to SUCCEEDED: reply shapes, the
 * time format, and the usage figures of both protocol families. */
#include "emu-test-util.h"

#include <string.h>

static EmuFixture *fixture;

/* Asserts that @obj has exactly the members in @names. */
static void
assert_members (JsonObject * obj, const char *const *names)
{
  g_autoptr (GList) members = json_object_get_members (obj);
  guint i;

  for (i = 0; names[i]; i++)
    if (!json_object_has_member (obj, names[i]))
      g_error ("member %s missing", names[i]);
  g_assert_cmpuint (g_list_length (members), ==, g_strv_length ((GStrv)
          names));
}

static JsonObject *
output_of (EmuReply * reply)
{
  return json_object_get_object_member (emu_reply_object (reply), "output");
}

static GType
member_type (JsonObject * obj, const char *name)
{
  return json_node_get_value_type (json_object_get_member (obj, name));
}

static void
test_wan27_states (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (fixture, body);
  g_autofree char *path = g_strdup_printf ("/tasks/%s", id);
  g_autoptr (EmuReply) pending = emu_api (fixture, "GET", path, NULL);
  g_autoptr (EmuReply) running = NULL;
  g_autoptr (EmuReply) done = NULL;
  const char *pending_keys[] = { "task_id", "task_status", "submit_time",
    NULL
  };
  const char *running_keys[] = { "task_id", "task_status", "submit_time",
    "scheduled_time", NULL
  };
  const char *done_keys[] = { "task_id", "task_status", "submit_time",
    "scheduled_time", "end_time", "orig_prompt", "actual_prompt",
    "video_url", NULL
  };
  const char *usage_keys[] = { "duration", "input_video_duration",
    "output_video_duration", "video_count", "SR", "ratio", NULL
  };
  JsonObject *out, *usage;

  /* PENDING lasts 100 ms (times the time scale): the first query sees
   * it. */
  g_assert_cmpuint (pending->status, ==, 200);
  out = output_of (pending);
  g_assert_cmpstr (json_object_get_string_member (out, "task_status"), ==,
      "PENDING");
  g_assert_cmpstr (json_object_get_string_member (out, "task_id"), ==, id);
  assert_members (out, pending_keys);
  g_assert_true (emu_is_task_time (json_object_get_string_member (out,
              "submit_time")));
  /* The x-request-id header matches the body's request_id. */
  g_assert_cmpstr (soup_message_headers_get_one (pending->headers,
          "x-request-id"), ==, emu_reply_string (pending, "request_id"));
  g_assert_false (json_object_has_member (emu_reply_object (pending),
          "usage"));

  running = emu_wait_status (fixture, id, "RUNNING");
  out = output_of (running);
  assert_members (out, running_keys);
  g_assert_true (emu_is_task_time (json_object_get_string_member (out,
              "scheduled_time")));
  g_assert_cmpstr (json_object_get_string_member (out, "submit_time"), <,
      json_object_get_string_member (out, "scheduled_time"));

  done = emu_wait_status (fixture, id, "SUCCEEDED");
  out = output_of (done);
  assert_members (out, done_keys);
  g_assert_true (emu_is_task_time (json_object_get_string_member (out,
              "end_time")));
  g_assert_cmpstr (json_object_get_string_member (out, "scheduled_time"), <,
      json_object_get_string_member (out, "end_time"));
  g_assert_cmpstr (json_object_get_string_member (out, "orig_prompt"), ==,
      "Image 1 waves at the camera");
  /* The rewritten prompt extends the original. */
  g_assert_true (g_str_has_prefix (json_object_get_string_member (out,
              "actual_prompt"), "Image 1 waves at the camera"));
  g_assert_cmpstr (json_object_get_string_member (out, "actual_prompt"), !=,
      "Image 1 waves at the camera");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (out,
              "video_url"), "http://127.0.0.1:"));
  g_assert_nonnull (strstr (json_object_get_string_member (out, "video_url"),
          "?Expires="));

  usage = json_object_get_object_member (emu_reply_object (done), "usage");
  assert_members (usage, usage_keys);
  g_assert_true (member_type (usage, "duration") == G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (usage, "duration"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (usage,
          "input_video_duration"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (usage,
          "output_video_duration"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (usage, "video_count"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (usage, "SR"), ==, 720);
  g_assert_cmpstr (json_object_get_string_member (usage, "ratio"), ==,
      "16:9");
}

/* Times are UTC+8: the submit time is within seconds of now in Beijing. */
static void
test_time_zone (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) reply = emu_wait_status (fixture, id, "SUCCEEDED");
  const char *submit = json_object_get_string_member (output_of (reply),
      "submit_time");
  g_autoptr (GTimeZone) beijing = g_time_zone_new_offset (8 * 3600);
  g_autofree char *iso = g_strdup_printf ("%.10sT%s", submit, submit + 11);
  g_autoptr (GDateTime) parsed = g_date_time_new_from_iso8601 (iso, beijing);
  gint64 delta;

  g_assert_nonnull (parsed);
  delta = g_get_real_time () / G_USEC_PER_SEC - g_date_time_to_unix (parsed);
  g_assert_cmpint (delta, >=, 0);
  g_assert_cmpint (delta, <, 30);
}

static void
test_no_prompt_extend (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v-2026-06-12",
      "{\"resolution\":\"720P\",\"duration\":2,\"prompt_extend\":false,"
      "\"ratio\":\"1:1\",\"seed\":42,\"watermark\":true}");
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) done = emu_wait_status (fixture, id, "SUCCEEDED");
  JsonObject *usage;

  g_assert_false (json_object_has_member (output_of (done), "actual_prompt"));
  usage = json_object_get_object_member (emu_reply_object (done), "usage");
  g_assert_cmpstr (json_object_get_string_member (usage, "ratio"), ==, "1:1");
}

/* 2.7: each reference video bills min(length, 5 s / number of videos). */
static void
test_wan27_video_usage (void)
{
  g_autofree char *image = emu_data_uri ("red.png", "image/png");
  g_autofree char *body = g_strdup_printf ("{\"model\":\"wan2.7-r2v\","
      "\"input\":{\"prompt\":\"Video 1 meets Image 1\",\"media\":["
      "{\"type\":\"reference_video\",\"url\":\"%scharacter.mp4\"},"
      "{\"type\":\"reference_image\",\"url\":\"%s\"}]},"
      "\"parameters\":{\"resolution\":\"720P\",\"duration\":3}}",
      emu_test_file_server (), image);
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) done = emu_wait_status (fixture, id, "SUCCEEDED");
  JsonObject *usage =
      json_object_get_object_member (emu_reply_object (done), "usage");

  /* character.mp4 lasts 2 s, under the 5 s cap. */
  g_assert_cmpint (json_object_get_int_member (usage,
          "input_video_duration"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (usage,
          "output_video_duration"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (usage, "duration"), ==, 5);
}

/* 2.6: floats, `size` instead of `ratio`, cap 5 s / all references. */
static void
test_wan26_usage (void)
{
  const char *base = emu_test_file_server ();
  g_autofree char *body = g_strdup_printf ("{\"model\":\"wan2.6-r2v-flash\","
      "\"input\":{\"prompt\":\"character1 greets character2 and character3\","
      "\"reference_urls\":[\"%scharacter.mp4\",\"%sred.png\",\"%sgreen.jpg\"]},"
      "\"parameters\":{\"size\":\"1280*720\",\"duration\":2,"
      "\"audio\":false,\"shot_type\":\"multi\"}}", base, base, base);
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) done = emu_wait_status (fixture, id, "SUCCEEDED");
  JsonObject *usage =
      json_object_get_object_member (emu_reply_object (done), "usage");
  double input;

  g_assert_false (json_object_has_member (usage, "ratio"));
  g_assert_cmpstr (json_object_get_string_member (usage, "size"), ==,
      "1280*720");
  g_assert_true (member_type (usage, "duration") == G_TYPE_DOUBLE);
  g_assert_true (member_type (usage, "output_video_duration") ==
      G_TYPE_DOUBLE);
  /* The 2 s video is capped at 5 s / 3 references, which the guide's
   * billing table writes 1.65 s. */
  input = json_object_get_double_member (usage, "input_video_duration");
  g_assert_cmpfloat_with_epsilon (input, 1.65, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (usage,
          "duration"), 2 + input, 0.001);
  g_assert_cmpint (json_object_get_int_member (usage, "SR"), ==, 720);
}

int
main (int argc, char **argv)
{
  /* The fixture's 100 ms of PENDING (test_wan27_states queries it right
   * after the create), stretched for slow runs. */
  g_autofree char *pending_ms = g_strdup_printf ("%" G_GINT64_FORMAT,
      emu_fixture_scaled_us (0.1) / 1000);
  const char *args[] = { "--pending-ms", pending_ms, NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (args);
  g_test_add_func ("/emulator/lifecycle/wan27-states", test_wan27_states);
  g_test_add_func ("/emulator/lifecycle/time-zone", test_time_zone);
  g_test_add_func ("/emulator/lifecycle/no-prompt-extend",
      test_no_prompt_extend);
  g_test_add_func ("/emulator/lifecycle/wan27-video-usage",
      test_wan27_video_usage);
  g_test_add_func ("/emulator/lifecycle/wan26-usage", test_wan26_usage);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  return ret;
}
