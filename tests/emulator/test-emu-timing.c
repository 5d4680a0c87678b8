/* test-emu-timing.c: task durations drawn from distributions
 * (--pending-dist, --running-dist, --seed, /__emulator/config). */
#include "emu-test-util.h"

#include <stdio.h>
#include <string.h>

#define N_TASKS 8

/* Tasks that hang do no work: drawing their times costs nothing. */
static const char *const seeded_args[] = {
  "--seed", "42",
  "--pending-dist", "uniform:min=50,max=150",
  "--running-dist", "lognormal:median=300,sigma=0.7,min=200,max=600",
  "--fault", "task:hang,count=-1",
  NULL
};

/* Creates N_TASKS tasks; returns their drawn times as
 * "pending/running pending/running ...". */
static char *
draw_times (EmuFixture * f)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v", NULL);
  g_autoptr (JsonArray) tasks = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  guint i;

  for (i = 0; i < N_TASKS; i++)
    g_free (emu_create_task (f, body));
  tasks = emu_fixture_get_tasks (f);
  g_assert_cmpuint (json_array_get_length (tasks), ==, N_TASKS);
  for (i = 0; i < N_TASKS; i++) {
    JsonObject *t = json_array_get_object_element (tasks, i);

    g_string_append_printf (out, "%s%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
        i ? " " : "", json_object_get_int_member (t, "pending_ms"),
        json_object_get_int_member (t, "running_ms"));
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_within (const char *times, gint64 pmin, gint64 pmax, gint64 rmin,
    gint64 rmax)
{
  g_auto (GStrv) pairs = g_strsplit (times, " ", -1);
  guint i, distinct = 0;

  for (i = 0; pairs[i]; i++) {
    gint64 pending, running;

    g_assert_cmpint (sscanf (pairs[i], "%" G_GINT64_FORMAT "/%"
            G_GINT64_FORMAT, &pending, &running), ==, 2);
    g_assert_cmpint (pending, >=, pmin);
    g_assert_cmpint (pending, <=, pmax);
    g_assert_cmpint (running, >=, rmin);
    g_assert_cmpint (running, <=, rmax);
    if (i > 0 && strcmp (pairs[i], pairs[i - 1]) != 0)
      distinct++;
  }
  /* Drawn, not constant. */
  g_assert_cmpuint (distinct, >=, 3);
}

static void
test_seeded_draws (void)
{
  g_autoptr (EmuFixture) a = emu_fixture_start (seeded_args);
  g_autoptr (EmuFixture) b = emu_fixture_start (seeded_args);
  g_autofree char *times_a = draw_times (a);
  g_autofree char *times_b = draw_times (b);
  const char *other_args[] = {
    "--seed", "43",
    "--pending-dist", "uniform:min=50,max=150",
    "--running-dist", "lognormal:median=300,sigma=0.7,min=200,max=600",
    "--fault", "task:hang,count=-1",
    NULL
  };
  g_autoptr (EmuFixture) c = emu_fixture_start (other_args);
  g_autofree char *times_c = draw_times (c);

  g_test_message ("seed 42: %s; seed 43: %s", times_a, times_c);
  g_assert_cmpstr (times_a, ==, times_b);
  g_assert_cmpstr (times_a, !=, times_c);
  assert_within (times_a, 50, 150, 200, 600);
  assert_within (times_c, 50, 150, 200, 600);
}

/* "YYYY-MM-DD HH:mm:ss.SSS" to milliseconds since the day began (the
 * tasks of a test do not straddle midnight by more than this allows). */
static gint64
time_ms (const char *text)
{
  int h, m, s, ms;

  g_assert_true (emu_is_task_time (text));
  g_assert_cmpint (sscanf (text + 11, "%d:%d:%d.%d", &h, &m, &s, &ms), ==, 4);
  return ((h * 60 + m) * 60 + s) * 1000 + ms;
}

static void
test_times_follow_draws (void)
{
  const char *args[] = {
    "--seed", "7",
    "--pending-dist", "uniform:min=100,max=400",
    "--running-dist", "uniform:min=300,max=800",
    NULL
  };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (f, body);
  g_autoptr (EmuReply) done = emu_wait_status (f, id, "SUCCEEDED");
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (f);
  JsonObject *task = json_array_get_object_element (tasks, 0);
  JsonObject *out = json_object_get_object_member (emu_reply_object (done),
      "output");
  gint64 pending = json_object_get_int_member (task, "pending_ms");
  gint64 running = json_object_get_int_member (task, "running_ms");
  gint64 submit = time_ms (json_object_get_string_member (out,
          "submit_time"));
  gint64 scheduled = time_ms (json_object_get_string_member (out,
          "scheduled_time"));
  gint64 end = time_ms (json_object_get_string_member (out, "end_time"));

  /* Times are printed in whole ms: one of slack. */
  g_assert_cmpint (ABS (scheduled - submit - pending), <=, 1);
  g_assert_cmpint (end - scheduled, >=, running - 1);
}

static void
test_config_endpoint (void)
{
  const char *args[] = { "--fault", "task:hang,count=-1", NULL };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autoptr (JsonObject) config = NULL;
  g_autofree char *body = emu_simple_body ("wan2.7-r2v", NULL);
  g_autoptr (JsonArray) tasks = NULL;
  JsonObject *t;

  config = emu_fixture_set_config (f, "{\"pending_dist\": \"1234\", "
      "\"running_dist\": \"uniform:min=5000,max=5000\", \"seed\": 1}");
  g_assert_cmpstr (json_object_get_string_member (config, "pending_dist"),
      ==, "1234");
  g_assert_cmpstr (json_object_get_string_member (config, "running_dist"),
      ==, "uniform:min=5000,max=5000");
  g_free (emu_create_task (f, body));
  tasks = emu_fixture_get_tasks (f);
  t = json_array_get_object_element (tasks, 0);
  g_assert_cmpint (json_object_get_int_member (t, "pending_ms"), ==, 1234);
  g_assert_cmpint (json_object_get_int_member (t, "running_ms"), ==, 5000);
}

static void
test_bad_distribution (void)
{
  const char *bad[][7] = {
    {"--running-dist", "lognormal:median=100", NULL},
    {"--pending-dist", "uniform:min=5,max=1", NULL},
    {"--running-dist", "gamma:k=2", NULL},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    const char *argv[] = { g_getenv ("WANR2V_EMULATOR"), "--port", "0",
      bad[i][0], bad[i][1], NULL
    };
    g_autoptr (GSubprocess) process = NULL;
    g_autoptr (GError) error = NULL;

    process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE
        | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
    g_assert_no_error (error);
    g_subprocess_wait (process, NULL, &error);
    g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/emulator/timing/seeded-draws", test_seeded_draws);
  g_test_add_func ("/emulator/timing/times-follow-draws",
      test_times_follow_draws);
  g_test_add_func ("/emulator/timing/config-endpoint", test_config_endpoint);
  g_test_add_func ("/emulator/timing/bad-distribution",
      test_bad_distribution);
  return g_test_run ();
}
