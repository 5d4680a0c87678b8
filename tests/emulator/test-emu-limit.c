/* test-emu-limit.c: the account's limit of tasks in progress
 * (--max-in-progress), in its two forms, and billing by the guide's
 * truncation limits. */
#include "emu-test-util.h"

#include <string.h>

static EmuFixture *fixture;

/* The states of @ids as of one instant: the control endpoint answers for
 * every task at the same "now" (separate queries could see one task end
 * and the next start, and count both as running). */
static void
statuses_of (char **ids, guint n, const char **out)
{
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (fixture);
  guint i, j;

  for (i = 0; i < n; i++) {
    out[i] = NULL;
    for (j = 0; j < json_array_get_length (tasks); j++) {
      JsonObject *t = json_array_get_object_element (tasks, j);

      if (g_strcmp0 (json_object_get_string_member (t, "task_id"),
              ids[i]) == 0)
        out[i] = g_intern_string (json_object_get_string_member (t,
                "status"));
    }
    g_assert_nonnull (out[i]);
  }
}

static char *
simple_body (void)
{
  return emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
}

/* Refuse: past the limit a create is 429 Throttling, and it succeeds
 * again once a task has ended. */
static void
test_refuse (void)
{
  g_autofree char *body = simple_body ();
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  g_autoptr (EmuReply) refused = NULL;
  g_autoptr (EmuReply) done = NULL;
  g_autoptr (JsonArray) tasks = NULL;

  json_object_unref (emu_fixture_set_config (fixture,
          "{\"max_in_progress\": 2, \"over_limit\": \"refuse\"}"));
  a = emu_create_task (fixture, body);
  b = emu_create_task (fixture, body);
  refused = emu_api (fixture, "POST",
      "/services/aigc/video-generation/video-synthesis", body);
  g_assert_cmpuint (refused->status, ==, 429);
  g_assert_cmpstr (emu_reply_string (refused, "code"), ==, "Throttling");
  g_assert_nonnull (strstr (emu_reply_string (refused, "message"),
          "too many tasks in progress"));

  done = emu_wait_status (fixture, a, "SUCCEEDED");
  c = emu_create_task (fixture, body);
  g_assert_nonnull (c);
  tasks = emu_fixture_get_tasks (fixture);
  g_assert_cmpuint (json_array_get_length (tasks), ==, 3);
  emu_fixture_reset (fixture);
}

/* Queue: every create is taken, but at most the limit run at once, in
 * submission order; the others stay PENDING. */
static void
test_queue (void)
{
  g_autofree char *body = simple_body ();
  char *ids[3];
  gboolean seen_waiting = FALSE, all_done = FALSE;
  guint i, max_running = 0;
  gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (60);

  json_object_unref (emu_fixture_set_config (fixture,
          "{\"max_in_progress\": 1, \"over_limit\": \"queue\"}"));
  for (i = 0; i < 3; i++)
    ids[i] = emu_create_task (fixture, body);

  while (!all_done && g_get_monotonic_time () < deadline) {
    const char *s[3];
    guint running = 0;

    all_done = TRUE;
    statuses_of (ids, 3, s);
    for (i = 0; i < 3; i++) {
      running += strcmp (s[i], "RUNNING") == 0;
      all_done &= strcmp (s[i], "SUCCEEDED") == 0;
      g_assert_true (strcmp (s[i], "FAILED") != 0);
    }
    /* Oldest first: a later task never runs before an earlier one. */
    if (strcmp (s[0], "PENDING") == 0)
      g_assert_cmpstr (s[1], ==, "PENDING");
    if (strcmp (s[0], "RUNNING") == 0 && strcmp (s[1], "PENDING") == 0)
      seen_waiting = TRUE;
    max_running = MAX (max_running, running);
    g_usleep (20000);
  }
  g_assert_true (all_done);
  g_assert_cmpuint (max_running, ==, 1);
  g_assert_true (seen_waiting);
  for (i = 0; i < 3; i++)
    g_free (ids[i]);
  json_object_unref (emu_fixture_set_config (fixture,
          "{\"max_in_progress\": 0}"));
  emu_fixture_reset (fixture);
}

/* Three 2 s reference videos on wan2.6: each counts the guide's 1.65 s
 * (5 s over three references, as the guide tabulates it), 4.95 s in all. */
static void
test_billing_table (void)
{
  const char *base = emu_test_file_server ();
  g_autofree char *body = g_strdup_printf ("{\"model\":\"wan2.6-r2v\","
      "\"input\":{\"prompt\":\"character1 character2 character3\","
      "\"reference_urls\":[\"%1$scharacter.mp4\",\"%1$scharacter.mp4\","
      "\"%1$scharacter-silent.mp4\"]},\"parameters\":{\"size\":\"1280*720\","
      "\"duration\":2}}", base);
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) done = emu_wait_status (fixture, id, "SUCCEEDED");
  JsonObject *usage = json_object_get_object_member (emu_reply_object (done),
      "usage");

  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (usage,
          "input_video_duration"), 4.95, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (usage,
          "duration"), 6.95, 1e-9);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  g_test_add_func ("/emulator/limit/refuse", test_refuse);
  g_test_add_func ("/emulator/limit/queue", test_queue);
  g_test_add_func ("/emulator/limit/billing-table", test_billing_table);
  status = g_test_run ();
  emu_fixture_stop (fixture);
  return status;
}
