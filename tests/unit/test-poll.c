/* test-poll.c: the task query timetable. */
#include "wanr2v-poll.h"

/* The SDKs' timetable, counted from their immediate first query. */
static void
test_sdk_instants (void)
{
  static const guint64 expected_s[] = { 0, 1, 2, 4, 6, 8, 12, 16, 20, 25,
    30, 35
  };
  guint n;

  for (n = 0; n < G_N_ELEMENTS (expected_s); n++)
    g_assert_cmpuint (wanr2v_poll_due_ms (n, 0), ==, expected_s[n] * 1000);
  /* Far out, every 5 s: the 100th query is 4 min 20 s after the create. */
  g_assert_cmpuint (wanr2v_poll_due_ms (60, 0), ==, (35 + 5 * 49) * 1000);
}

static void
test_delays_sum_to_instants (void)
{
  guint64 sum = 0;
  guint n;

  for (n = 0; n < 200; n++) {
    sum += wanr2v_poll_delay_ms (n, 0);
    g_assert_cmpuint (wanr2v_poll_due_ms (n, 0), ==, sum);
  }
}

static void
test_fixed_interval (void)
{
  g_assert_cmpuint (wanr2v_poll_delay_ms (0, 250), ==, 0);
  g_assert_cmpuint (wanr2v_poll_delay_ms (7, 250), ==, 250);
  g_assert_cmpuint (wanr2v_poll_due_ms (0, 250), ==, 0);
  g_assert_cmpuint (wanr2v_poll_due_ms (1, 250), ==, 250);
  g_assert_cmpuint (wanr2v_poll_due_ms (40, 250), ==, 40 * 250);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/poll/sdk-instants", test_sdk_instants);
  g_test_add_func ("/poll/delays-sum-to-instants",
      test_delays_sum_to_instants);
  g_test_add_func ("/poll/fixed-interval", test_fixed_interval);
  return g_test_run ();
}
