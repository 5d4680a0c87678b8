/* wanr2v-poller.h: one task-list request per tick for the tasks of one
 * account that wait at once.
 *
 * Each waiting job queries its own task on the SDKs' timetable
 * (wanr2v-poll.h): at 100 tasks that is 20 queries a second, the service's
 * limit.  The poller asks instead with GET /tasks/, which reports the
 * status of every task of the account in a time window, once per tick for
 * all the tasks it watches: one request (a page of up to 100 tasks) per
 * tick, whatever their number.
 *
 * There is one poller per account, that is per base URL and key (a list
 * only shows the tasks of the key's account); the process keeps it while
 * it watches a task.  It lists only while it can answer for two tasks or
 * more: a single task is cheaper to query on its own timetable, which also
 * brings its video URL at once.
 *
 * The list shows a task's status, not its video URL, usage or error code:
 * a task the list shows ended is queried once on its own (the watcher is
 * told to, WANR2V_POLLER_QUERY).  A task the list cannot answer for goes
 * back to its own timetable: one older than the list's 24-hour window can
 * cover together with the newest, one the list did not show (unknown to
 * the service, or lost among more tasks than MAX_PAGES pages), one whose
 * creation time is not known yet, and all of them while the list fails
 * (classified as WANR2V_CALL_LIST by wanr2v-retry.h: a transient failure
 * is listed again at the next tick, any other stops the listing for that
 * account for good).
 *
 * Everything here runs on the shared HTTP thread (wanr2v-http.h).
 */
#pragma once

#include "wanr2v-client.h"

G_BEGIN_DECLS

typedef struct _WanR2vPollerWatch WanR2vPollerWatch;

typedef enum
{
  /* The list shows another status, not a final one (PENDING to RUNNING). */
  WANR2V_POLLER_STATUS,
  /* Query the task on its own now: the list shows it ended (its video URL
   * or error code is only in its own query), or does not show it. */
  WANR2V_POLLER_QUERY,
} WanR2vPollerNews;

/* @status and @status_string: what the list says (WANR2V_POLLER_QUERY of a
 * task the list does not show: UNRECOGNISED and NULL). */
typedef void (*WanR2vPollerFunc) (WanR2vPollerNews news,
    WanR2vTaskStatus status, const char *status_string, gpointer user_data);

/* Watches @task_id of @client's account, created at @created_ms (epoch
 * milliseconds, our clock; 0 when not known yet).  @func is called on the
 * HTTP thread after a list, never from within this call, until
 * wanr2v_poller_unwatch(); then @notify (@user_data). */
WanR2vPollerWatch *wanr2v_poller_watch (WanR2vClient * client,
    const char *task_id, gint64 created_ms, WanR2vTaskStatus status,
    WanR2vPollerFunc func, gpointer user_data, GDestroyNotify notify);

/* Ends the watch (NULL is ignored): no call of its func after this. */
void wanr2v_poller_unwatch (WanR2vPollerWatch * watch);

/* What the task's own query said (the list then reports only a change
 * from it), and its creation time when it was not known (0: still not). */
void wanr2v_poller_watch_update (WanR2vPollerWatch * watch,
    WanR2vTaskStatus status, gint64 created_ms);

/* Whether the list answers for the task now (a list has shown it, and
 * the lists answer): its own timetable's queries may be skipped. */
gboolean wanr2v_poller_covers (WanR2vPollerWatch * watch);

/* The tick: how often the list is asked while it covers @n tasks. */
guint wanr2v_poller_tick_ms (guint n);

G_END_DECLS
