/* wanr2v-watchdog.c: a forwarded cancellable with an inactivity timeout. */
#include "wanr2v-watchdog.h"

struct _WanR2vWatchdog
{
  /* The owner's reference and, while it lives, the timer's: the last
   * reference may go on another thread (an upload's) while the timer is
   * being dispatched on its own, which then keeps what it reads. */
  gint refcount;
  GCancellable *cancellable;
  GCancellable *parent;
  gulong parent_handler;

  guint idle_timeout_s;
  gint64 idle_us;
  gint64 start_us;
  /* Milliseconds from start_us to the last progress: an int, so that
   * another thread can store it atomically.  It saturates after 24 days
   * of transfer, beyond any request's life. */
  gint last_progress_ms;
  GSource *timer;               /* NULL without a timeout */
  gint fired;                   /* atomic */
};

static gint64
last_progress_us (WanR2vWatchdog * wd)
{
  return wd->start_us
      + (gint64) g_atomic_int_get (&wd->last_progress_ms) * 1000;
}

/* A source that is only a ready time: unlike a GTimeoutSource, its
 * dispatch does not reset the time the callback has just set. */
static gboolean
timer_dispatch (GSource * source, GSourceFunc callback, gpointer data)
{
  return callback (data);
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
};

static WanR2vWatchdog *
watchdog_ref (WanR2vWatchdog * wd)
{
  g_atomic_int_inc (&wd->refcount);
  return wd;
}

static void
watchdog_unref (gpointer data)
{
  WanR2vWatchdog *wd = data;

  if (!g_atomic_int_dec_and_test (&wd->refcount))
    return;
  g_object_unref (wd->cancellable);
  g_free (wd);
}

static gboolean
on_timer (gpointer data)
{
  WanR2vWatchdog *wd = data;
  gint64 due = last_progress_us (wd) + wd->idle_us;

  /* Already cancelled by the parent: that is the request's outcome. */
  if (g_cancellable_is_cancelled (wd->cancellable))
    return G_SOURCE_REMOVE;
  if (g_get_monotonic_time () < due) {
    /* Set from its own dispatch, the time wakes nobody.  (The source being
     * dispatched: the owner may be dropping wd->timer on another thread.) */
    g_source_set_ready_time (g_main_current_source (), due);
    return G_SOURCE_CONTINUE;
  }
  g_atomic_int_set (&wd->fired, TRUE);
  g_cancellable_cancel (wd->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_parent_cancelled (GCancellable * parent, gpointer data)
{
  WanR2vWatchdog *wd = data;

  g_cancellable_cancel (wd->cancellable);
}

WanR2vWatchdog *
wanr2v_watchdog_new (GCancellable * parent, guint idle_timeout_s,
    GMainContext * context)
{
  WanR2vWatchdog *wd = g_new0 (WanR2vWatchdog, 1);

  wd->refcount = 1;
  wd->cancellable = g_cancellable_new ();
  wd->idle_timeout_s = idle_timeout_s;
  /* In microseconds any guint of seconds fits (136 years < 2^63 us). */
  wd->idle_us = (gint64) idle_timeout_s * G_USEC_PER_SEC;
  wd->start_us = g_get_monotonic_time ();
  if (idle_timeout_s > 0) {
    wd->timer = g_source_new (&timer_funcs, sizeof (GSource));
    g_source_set_callback (wd->timer, on_timer, watchdog_ref (wd),
        watchdog_unref);
    g_source_set_static_name (wd->timer, "wanr2v-watchdog");
    g_source_set_ready_time (wd->timer, wd->start_us + wd->idle_us);
    g_source_attach (wd->timer, context);
  }
  /* Connected last: a parent already cancelled cancels us at once. */
  if (parent) {
    wd->parent = g_object_ref (parent);
    wd->parent_handler = g_cancellable_connect (parent,
        G_CALLBACK (on_parent_cancelled), wd, NULL);
  }
  return wd;
}

GCancellable *
wanr2v_watchdog_get_cancellable (WanR2vWatchdog * watchdog)
{
  return watchdog->cancellable;
}

void
wanr2v_watchdog_touch (WanR2vWatchdog * watchdog)
{
  gint64 ms = (g_get_monotonic_time () - watchdog->start_us) / 1000;

  g_atomic_int_set (&watchdog->last_progress_ms, (gint) MIN (ms, G_MAXINT));
}

gboolean
wanr2v_watchdog_fired (WanR2vWatchdog * watchdog)
{
  return g_atomic_int_get (&watchdog->fired);
}

guint
wanr2v_watchdog_get_idle_timeout (WanR2vWatchdog * watchdog)
{
  return watchdog->idle_timeout_s;
}

void
wanr2v_watchdog_free (WanR2vWatchdog * watchdog)
{
  if (watchdog == NULL)
    return;
  if (watchdog->timer) {
    /* Harmless if it already removed itself.  A dispatch under way keeps
     * its reference until it returns. */
    g_source_destroy (watchdog->timer);
    g_source_unref (watchdog->timer);
  }
  /* Waits for a cancellation running in another thread to return. */
  if (watchdog->parent) {
    g_cancellable_disconnect (watchdog->parent, watchdog->parent_handler);
    g_object_unref (watchdog->parent);
  }
  watchdog_unref (watchdog);
}
