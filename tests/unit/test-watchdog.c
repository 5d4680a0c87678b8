/* test-watchdog.c: the forwarded cancellable with an inactivity timeout
 * that the client, the download and the upload share. */
#include "wanr2v-watchdog.h"

/* Runs @context until @cancellable is cancelled or @max_ms have passed;
 * returns the milliseconds it took. */
static gint64
run_until_cancelled (GMainContext * context, GCancellable * cancellable,
    guint max_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 until = start + (gint64) max_ms * 1000;

  while (!g_cancellable_is_cancelled (cancellable)
      && g_get_monotonic_time () < until) {
    if (!g_main_context_iteration (context, FALSE))
      g_usleep (1000);
  }
  return (g_get_monotonic_time () - start) / 1000;
}

/* Counts the timer's wake-ups: how often the context dispatched. */
static guint
iterate_for (GMainContext * context, guint ms, WanR2vWatchdog * touch_this,
    guint touch_every_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 next_touch = start;
  guint dispatched = 0;

  while (g_get_monotonic_time () < start + (gint64) ms * 1000) {
    if (touch_this && g_get_monotonic_time () >= next_touch) {
      wanr2v_watchdog_touch (touch_this);
      next_touch += (gint64) touch_every_ms * 1000;
    }
    if (g_main_context_iteration (context, FALSE))
      dispatched++;
    else
      g_usleep (1000);
  }
  return dispatched;
}

/* Never touched: a deadline, reported as fired. */
static void
test_deadline (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (WanR2vWatchdog) wd = wanr2v_watchdog_new (NULL, 1, context);
  gint64 ms;

  ms = run_until_cancelled (context,
      wanr2v_watchdog_get_cancellable (wd), 5000);
  g_assert_true (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (wd)));
  g_assert_true (wanr2v_watchdog_fired (wd));
  g_assert_cmpint (ms, >=, 990);
  g_assert_cmpint (ms, <, 2500);
  g_assert_cmpuint (wanr2v_watchdog_get_idle_timeout (wd), ==, 1);
}

/* Touched every 50 ms for 2.5 s with a 1 s timeout: not cancelled, and
 * the timer woke about once per second, not once per touch. */
static void
test_touch_keeps_alive_cheaply (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (WanR2vWatchdog) wd = wanr2v_watchdog_new (NULL, 1, context);
  GCancellable *cancellable = wanr2v_watchdog_get_cancellable (wd);
  guint wakeups;
  gint64 stopped, ms;

  wakeups = iterate_for (context, 2500, wd, 50);
  g_assert_false (g_cancellable_is_cancelled (cancellable));
  g_assert_false (wanr2v_watchdog_fired (wd));
  g_assert_cmpuint (wakeups, >=, 1);
  g_assert_cmpuint (wakeups, <=, 4);

  /* Then silence: it fires one timeout after the last touch. */
  stopped = g_get_monotonic_time ();
  ms = run_until_cancelled (context, cancellable, 5000);
  g_assert_true (wanr2v_watchdog_fired (wd));
  g_assert_cmpint (ms, <, 1500);
  g_assert_cmpint (g_get_monotonic_time () - stopped, >=, 900 * 1000);
}

/* Touched from another thread (an upload writes on its own), as often as
 * a 100 MB transfer would, while the timer runs here. */
typedef struct
{
  WanR2vWatchdog *wd;
  gint stop;
} Toucher;

static gpointer
touch_thread (gpointer data)
{
  Toucher *t = data;

  while (!g_atomic_int_get (&t->stop)) {
    wanr2v_watchdog_touch (t->wd);
    g_usleep (1000);
  }
  return NULL;
}

static void
test_touch_from_another_thread (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (WanR2vWatchdog) wd = wanr2v_watchdog_new (NULL, 1, context);
  GCancellable *cancellable = wanr2v_watchdog_get_cancellable (wd);
  Toucher t = { wd, 0 };
  GThread *thread = g_thread_new ("toucher", touch_thread, &t);
  gint64 ms;

  iterate_for (context, 2500, NULL, 0);
  g_atomic_int_set (&t.stop, 1);
  g_thread_join (thread);
  g_assert_false (g_cancellable_is_cancelled (cancellable));
  ms = run_until_cancelled (context, cancellable, 5000);
  g_assert_true (wanr2v_watchdog_fired (wd));
  g_assert_cmpint (ms, >=, 900);
  g_assert_cmpint (ms, <, 1500);
}

/* The parent cancels it at once, and that is not a stall. */
static void
test_parent_cancels (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) parent = g_cancellable_new ();
  g_autoptr (WanR2vWatchdog) wd = wanr2v_watchdog_new (parent, 1, context);

  g_assert_false (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (wd)));
  g_cancellable_cancel (parent);
  g_assert_true (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (wd)));
  /* The timer, due later, must not turn the cancellation into a stall. */
  iterate_for (context, 1500, NULL, 0);
  g_assert_false (wanr2v_watchdog_fired (wd));
}

/* A parent cancelled before the request starts cancels it from the start. */
static void
test_parent_already_cancelled (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) parent = g_cancellable_new ();
  g_autoptr (WanR2vWatchdog) wd = NULL;

  g_cancellable_cancel (parent);
  wd = wanr2v_watchdog_new (parent, 0, context);
  g_assert_true (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (wd)));
  g_assert_false (wanr2v_watchdog_fired (wd));
}

/* Timeout 0: forwarding only; no timer is attached at all. */
static void
test_no_timeout (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) parent = g_cancellable_new ();
  g_autoptr (WanR2vWatchdog) wd = wanr2v_watchdog_new (parent, 0, context);

  g_assert_cmpuint (iterate_for (context, 200, NULL, 0), ==, 0);
  g_assert_false (g_main_context_pending (context));
  g_assert_false (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (wd)));
  g_cancellable_cancel (parent);
  g_assert_true (g_cancellable_is_cancelled (wanr2v_watchdog_get_cancellable
          (wd)));
}

/* Freed early: the timer is gone from the context and the parent no longer
 * reaches it. */
static void
test_free_detaches (void)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) parent = g_cancellable_new ();
  WanR2vWatchdog *wd = wanr2v_watchdog_new (parent, 1, context);
  GCancellable *mine =
      g_object_ref (wanr2v_watchdog_get_cancellable (wd));

  wanr2v_watchdog_free (wd);
  g_cancellable_cancel (parent);
  g_assert_false (g_cancellable_is_cancelled (mine));
  g_assert_cmpuint (iterate_for (context, 1300, NULL, 0), ==, 0);
  g_object_unref (mine);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/watchdog/deadline", test_deadline);
  g_test_add_func ("/watchdog/touch-keeps-alive-cheaply",
      test_touch_keeps_alive_cheaply);
  g_test_add_func ("/watchdog/touch-from-another-thread",
      test_touch_from_another_thread);
  g_test_add_func ("/watchdog/parent-cancels", test_parent_cancels);
  g_test_add_func ("/watchdog/parent-already-cancelled",
      test_parent_already_cancelled);
  g_test_add_func ("/watchdog/no-timeout", test_no_timeout);
  g_test_add_func ("/watchdog/free-detaches", test_free_detaches);
  return g_test_run ();
}
