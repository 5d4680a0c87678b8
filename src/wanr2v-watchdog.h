/* wanr2v-watchdog.h: a cancellable that follows the caller's and cancels
 * itself when a transfer makes no progress for a while.
 *
 * Every request (an API call, a download, an upload) runs under its own
 * GCancellable: the caller's cancels it, and so does the watchdog when
 * nothing was touched for @idle_timeout_s seconds.  A request that never
 * touches it gets a plain deadline.
 *
 * touch() only stores the time: it is meant to be called for every chunk
 * that moves.  The watchdog's timer wakes at most once per idle period and,
 * if there was progress in between, sleeps again for what is left.  Moving
 * a timer on every chunk would wake the main context (an eventfd write and
 * read) each time, which on the 8 KiB chunks of a 100 MB upload costs more
 * than the chunks themselves.
 *
 * The timer runs on @context (for the core: the HTTP thread); touch() and
 * fired() may be called from any thread (an upload writes on its own).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _WanR2vWatchdog WanR2vWatchdog;

/* @parent (may be NULL) cancels the watchdog's cancellable; so does
 * @idle_timeout_s seconds without a touch() (0 = never), counted from now.
 * The timer runs on @context. */
WanR2vWatchdog *wanr2v_watchdog_new (GCancellable * parent,
    guint idle_timeout_s, GMainContext * context);

/* The cancellable to give the request. */
GCancellable *wanr2v_watchdog_get_cancellable (WanR2vWatchdog * watchdog);

/* Progress: the idle period starts again from now.  Thread-safe: one
 * atomic store. */
void wanr2v_watchdog_touch (WanR2vWatchdog * watchdog);

/* Whether the idle timeout cancelled the request (and not the parent): the
 * caller then says "nothing moved for N s" rather than "cancelled". */
gboolean wanr2v_watchdog_fired (WanR2vWatchdog * watchdog);

guint wanr2v_watchdog_get_idle_timeout (WanR2vWatchdog * watchdog);

/* Stops the timer and the forwarding; callable from any thread. */
void wanr2v_watchdog_free (WanR2vWatchdog * watchdog);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vWatchdog, wanr2v_watchdog_free)

G_END_DECLS
