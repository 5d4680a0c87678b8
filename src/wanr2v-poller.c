/* wanr2v-poller.c: one task-list request per tick for the tasks of one
 * account that wait at once (see wanr2v-poller.h). */
#include "wanr2v-poller.h"
#include "wanr2v-http.h"
#include "wanr2v-retry.h"

/* How often to list.  A task on its own timetable (wanr2v-poll.h) costs a
 * query every 5 s once it is 25 s old; the list gives each waiting task a
 * quarter of that, spent together: with n tasks, one list every 20/n s,
 * so that the lists cost at most a quarter of the tasks' own queries
 * while many wait (when most tasks end, and a list notices them soonest:
 * 0.5 s at 40 tasks, 1 s at 20), and no more than their own timetables
 * when few do (5 s at 4 or fewer).  Between 2 lists a second (the service
 * takes 20) and one every 5 s. */
#define TASK_SHARE_MS 20000
#define TICK_MIN_MS 500
#define TICK_MAX_MS 5000

/* Pages of WANR2V_CLIENT_LIST_MAX_PAGE_SIZE tasks read per tick, at most:
 * with the account's other tasks in the window, up to 500 tasks, and at
 * most 5 list requests a second (the service allows 20). */
#define MAX_PAGES 5

/* Our clock against the service's: a task's creation time is ours (when
 * its create was sent), the list's window is the service's. */
#define CLOCK_SLACK_MS (120 * 1000)

/* The longest window the list takes. */
#define LIST_WINDOW_MS (G_GINT64_CONSTANT (24) * 3600 * 1000)

/* A task created this recently and not in the list may not have reached
 * it yet: it is not given up on. */
#define FRESH_MS (5 * 1000)

typedef struct _WanR2vPoller WanR2vPoller;

struct _WanR2vPollerWatch
{
  gint refcount;
  WanR2vPoller *poller;
  char *task_id;
  gint64 created_ms;            /* 0: not known */
  WanR2vTaskStatus status;      /* the last known */
  WanR2vTaskStatus asked;       /* the final status it was told to query */
  gboolean unlisted;            /* the list did not show it: on its own */
  gboolean answered;            /* a list has shown it */
  gboolean active;              /* until unwatched */
  WanR2vPollerFunc func;
  gpointer user_data;
  GDestroyNotify notify;
};

struct _WanR2vPoller
{
  WanR2vHttp *http;             /* the thread its jobs and lists run on */
  WanR2vClient *client;         /* the account: its base URL and key */
  GPtrArray *watches;           /* of WanR2vPollerWatch*, the active ones */
  GSource *timer;
  gint64 timer_due_us;          /* monotonic, when @timer fires */
  gboolean batching;            /* listing for two tasks or more */
  gint64 last_tick_us;          /* monotonic, when the last list began (or
                                 * the batching did) */
  gboolean broken;              /* the list failed for good */
  gboolean failing;             /* the last list failed */

  /* the list in flight */
  gboolean listing;
  GPtrArray *round;             /* of WanR2vPollerWatch*: whom it answers */
  GHashTable *listed;           /* task_id -> status string, as listed */
  guint page_no;
  gint64 start_s, end_s;
  gint64 sent_ms;               /* wall clock, when it began */
};

/* HTTP thread only. */
static GPtrArray *pollers;

static void schedule_tick (WanR2vPoller * poller);

static WanR2vPollerWatch *
watch_ref (WanR2vPollerWatch * watch)
{
  watch->refcount++;
  return watch;
}

static void
watch_unref (WanR2vPollerWatch * watch)
{
  if (--watch->refcount > 0)
    return;
  g_free (watch->task_id);
  g_free (watch);
}

/* The HTTP thread this runs on (NULL: not on one). */
static WanR2vHttp *
current_http (void)
{
  return wanr2v_http_get_current ();
}

guint
wanr2v_poller_tick_ms (guint n)
{
  return CLAMP (TASK_SHARE_MS / MAX (n, 1), TICK_MIN_MS, TICK_MAX_MS);
}

/* ---- which tasks the list answers for ----------------------------------- */

/* The window of the next list: it ends after the newest task's creation
 * and reaches back to the oldest's, within the 24 hours the list allows.
 * FALSE when no task has a known creation time. */
static gboolean
window_ms (WanR2vPoller * poller, gint64 * start_ms, gint64 * end_ms)
{
  gint64 oldest = G_MAXINT64, newest = 0;
  guint i;

  for (i = 0; i < poller->watches->len; i++) {
    WanR2vPollerWatch *w = g_ptr_array_index (poller->watches, i);

    if (w->created_ms == 0 || w->unlisted)
      continue;
    oldest = MIN (oldest, w->created_ms);
    newest = MAX (newest, w->created_ms);
  }
  if (newest == 0)
    return FALSE;
  *end_ms = newest + CLOCK_SLACK_MS;
  /* Room for the rounding to whole seconds (see on_tick). */
  *start_ms = MAX (oldest - CLOCK_SLACK_MS, *end_ms - LIST_WINDOW_MS + 2000);
  return TRUE;
}

/* In the window with room for the clocks' difference. */
static gboolean
is_listable (WanR2vPollerWatch * watch, gint64 start_ms)
{
  return watch->active && !watch->unlisted && watch->created_ms != 0
      && watch->created_ms - CLOCK_SLACK_MS >= start_ms;
}

static guint
count_listable (WanR2vPoller * poller, gint64 * start_ms, gint64 * end_ms)
{
  guint i, n = 0;

  if (!window_ms (poller, start_ms, end_ms))
    return 0;
  for (i = 0; i < poller->watches->len; i++)
    n += is_listable (g_ptr_array_index (poller->watches, i), *start_ms);
  return n;
}

/* The list is worth a request while it answers for two tasks or more. */
static gboolean
is_batching (WanR2vPoller * poller, guint * n)
{
  gint64 start_ms, end_ms;

  *n = poller->broken ? 0 : count_listable (poller, &start_ms, &end_ms);
  return *n >= 2;
}

gboolean
wanr2v_poller_covers (WanR2vPollerWatch * watch)
{
  WanR2vPoller *poller;
  gint64 start_ms, end_ms;

  if (watch == NULL || !watch->active)
    return FALSE;
  poller = watch->poller;
  /* Until a list has shown the task, its own timetable goes on: a list
   * that fails or comes late must not leave it unasked. */
  if (!watch->answered || poller->broken || poller->failing
      || count_listable (poller, &start_ms, &end_ms) < 2)
    return FALSE;
  return is_listable (watch, start_ms);
}

/* ---- the pollers -------------------------------------------------------- */

static WanR2vPoller *
poller_for (WanR2vClient * client)
{
  WanR2vPoller *poller;
  guint i;

  if (pollers == NULL)
    pollers = g_ptr_array_new ();
  /* An application may give a pipeline an HTTP thread of its own: a
   * poller serves the jobs of one thread. */
  for (i = 0; i < pollers->len; i++) {
    poller = g_ptr_array_index (pollers, i);
    if (poller->http == current_http ()
        && wanr2v_client_same_account (poller->client, client))
      return poller;
  }
  poller = g_new0 (WanR2vPoller, 1);
  poller->http = wanr2v_http_ref (current_http ());
  poller->client = wanr2v_client_ref (client);
  poller->watches = g_ptr_array_new_with_free_func ((GDestroyNotify)
      watch_unref);
  g_ptr_array_add (pollers, poller);
  return poller;
}

static void
clear_timer (WanR2vPoller * poller)
{
  if (poller->timer) {
    g_source_destroy (poller->timer);
    g_source_unref (poller->timer);
    poller->timer = NULL;
  }
}

/* A poller that watches nothing goes (and lets go of the key). */
static void
free_if_idle (WanR2vPoller * poller)
{
  if (poller->watches->len > 0 || poller->listing)
    return;
  clear_timer (poller);
  g_ptr_array_remove_fast (pollers, poller);
  g_ptr_array_unref (poller->watches);
  wanr2v_client_unref (poller->client);
  /* Last: this may be the thread's last reference. */
  wanr2v_http_unref (poller->http);
  g_free (poller);
}

/* ---- a list ------------------------------------------------------------- */

static void list_page (WanR2vPoller * poller);

static void
tell (WanR2vPollerWatch * watch, WanR2vPollerNews news,
    WanR2vTaskStatus status, const char *status_string)
{
  if (watch->active)
    watch->func (news, status, status_string, watch->user_data);
}

/* What the list said, to each task it answers for. */
static void
answer (WanR2vPoller * poller)
{
  guint i;

  for (i = 0; i < poller->round->len; i++) {
    WanR2vPollerWatch *w = g_ptr_array_index (poller->round, i);
    const char *listed = g_hash_table_lookup (poller->listed, w->task_id);
    WanR2vTaskStatus status = wanr2v_task_status_from_string (listed);

    if (!w->active)
      continue;
    w->answered = g_hash_table_contains (poller->listed, w->task_id);
    if (!w->answered) {
      if (w->created_ms > poller->sent_ms - FRESH_MS)
        continue;
      /* Unknown to the service, or among more tasks than we read: its own
       * query will tell. */
      g_debug ("poller: task %s is not in the list; querying it on its own",
          w->task_id);
      w->unlisted = TRUE;
      tell (w, WANR2V_POLLER_QUERY, WANR2V_TASK_STATUS_UNRECOGNISED, NULL);
    } else if (wanr2v_task_status_is_final (status)) {
      /* Once: the query's answer comes back through watch_update(). */
      if (w->asked != status) {
        w->asked = status;
        tell (w, WANR2V_POLLER_QUERY, status, listed);
      }
    } else if (status == WANR2V_TASK_STATUS_PENDING
        && w->status == WANR2V_TASK_STATUS_RUNNING) {
      /* A list a moment behind the task's own query: not news. */
    } else if (status != w->status) {
      w->status = status;
      tell (w, WANR2V_POLLER_STATUS, status, listed);
    }
  }
}

static void
end_list (WanR2vPoller * poller, gboolean answered)
{
  if (answered)
    answer (poller);
  g_clear_pointer (&poller->round, g_ptr_array_unref);
  g_clear_pointer (&poller->listed, g_hash_table_unref);
  poller->listing = FALSE;
  if (poller->watches->len == 0)
    free_if_idle (poller);
  else
    schedule_tick (poller);
}

/* Whether every task the list answers for has been seen. */
static gboolean
all_listed (WanR2vPoller * poller)
{
  guint i;

  for (i = 0; i < poller->round->len; i++) {
    WanR2vPollerWatch *w = g_ptr_array_index (poller->round, i);

    if (w->active && !g_hash_table_contains (poller->listed, w->task_id))
      return FALSE;
  }
  return TRUE;
}

static void
on_listed (GObject * source, GAsyncResult * res, gpointer data)
{
  WanR2vPoller *poller = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) page = NULL;
  WanR2vErrorInfo *details = NULL;
  guint i;

  page = wanr2v_client_list_tasks_finish (poller->client, res, &details,
      &error);
  if (page == NULL) {
    if (wanr2v_retry_classify (WANR2V_CALL_LIST, error, details)
        == WANR2V_RETRY_FAIL) {
      g_info ("The task list cannot answer for the waiting tasks (%s): "
          "each is queried on its own from now on", error->message);
      poller->broken = TRUE;
    } else {
      g_debug ("poller: the list failed, tasks are queried on their own "
          "until it answers again: %s", error->message);
      poller->failing = TRUE;
    }
    wanr2v_error_info_free (details);
    end_list (poller, FALSE);
    return;
  }
  poller->failing = FALSE;

  for (i = 0; i < page->len; i++) {
    WanR2vTaskSummary *t = g_ptr_array_index (page, i);

    g_hash_table_replace (poller->listed, g_strdup (t->task_id),
        g_strdup (t->status));
  }
  /* A full page may have a next one; stop as soon as all are seen. */
  if (page->len >= WANR2V_CLIENT_LIST_MAX_PAGE_SIZE
      && poller->page_no < MAX_PAGES && !all_listed (poller)) {
    poller->page_no++;
    list_page (poller);
    return;
  }
  end_list (poller, TRUE);
}

static void
list_page (WanR2vPoller * poller)
{
  wanr2v_client_list_tasks_page_async (poller->client, NULL,
      poller->start_s, poller->end_s, poller->page_no,
      WANR2V_CLIENT_LIST_MAX_PAGE_SIZE, NULL, on_listed, poller);
}

static gboolean
on_tick (gpointer data)
{
  WanR2vPoller *poller = data;
  gint64 start_ms, end_ms;
  guint i, n;

  g_clear_pointer (&poller->timer, g_source_unref);
  n = poller->broken ? 0 : count_listable (poller, &start_ms, &end_ms);
  if (n < 2)
    return G_SOURCE_REMOVE;

  poller->listing = TRUE;
  poller->last_tick_us = g_get_monotonic_time ();
  poller->sent_ms = g_get_real_time () / 1000;
  poller->round = g_ptr_array_new_with_free_func ((GDestroyNotify)
      watch_unref);
  for (i = 0; i < poller->watches->len; i++) {
    WanR2vPollerWatch *w = g_ptr_array_index (poller->watches, i);

    if (is_listable (w, start_ms))
      g_ptr_array_add (poller->round, watch_ref (w));
  }
  poller->listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  /* Whole seconds that contain the window; the service counts the end
   * second whole, so end - start stays under a day. */
  poller->end_s = (end_ms + 999) / 1000;
  poller->start_s = MAX (start_ms / 1000, poller->end_s
      - LIST_WINDOW_MS / 1000 + 1);
  poller->page_no = 1;
  g_debug ("poller: listing for %u tasks", n);
  list_page (poller);
  return G_SOURCE_REMOVE;
}

/* The next tick, a tick after the last list began (a fixed timetable:
 * the lists' own latency does not push it back), sooner when more tasks
 * have come to wait meanwhile. */
static void
schedule_tick (WanR2vPoller * poller)
{
  gint64 now = g_get_monotonic_time ();
  gint64 due;
  guint n;

  if (poller->listing)
    return;                     /* its end schedules the next */
  if (!is_batching (poller, &n)) {
    poller->batching = FALSE;
    clear_timer (poller);
    return;
  }
  if (!poller->batching) {
    /* The tasks were asked about a moment ago (created, or queried on
     * their own): the first list can wait a tick. */
    poller->batching = TRUE;
    poller->last_tick_us = now;
  }
  due = MAX (now, poller->last_tick_us + (gint64) wanr2v_poller_tick_ms (n)
      * 1000);
  if (poller->timer && poller->timer_due_us <= due)
    return;
  clear_timer (poller);
  poller->timer_due_us = due;
  poller->timer = wanr2v_http_timeout_source_new (poller->http,
      (guint) ((due - now) / 1000), on_tick, poller, NULL);
}

/* ---- watches ------------------------------------------------------------ */

WanR2vPollerWatch *
wanr2v_poller_watch (WanR2vClient * client, const char *task_id,
    gint64 created_ms, WanR2vTaskStatus status, WanR2vPollerFunc func,
    gpointer user_data, GDestroyNotify notify)
{
  WanR2vPollerWatch *watch;

  g_return_val_if_fail (current_http () != NULL, NULL);

  watch = g_new0 (WanR2vPollerWatch, 1);
  watch->refcount = 1;
  watch->poller = poller_for (client);
  watch->task_id = g_strdup (task_id);
  watch->created_ms = MAX (created_ms, 0);
  watch->status = status;
  watch->asked = WANR2V_TASK_STATUS_UNRECOGNISED;
  watch->active = TRUE;
  watch->func = func;
  watch->user_data = user_data;
  watch->notify = notify;
  g_ptr_array_add (watch->poller->watches, watch_ref (watch));
  schedule_tick (watch->poller);
  return watch;
}

void
wanr2v_poller_unwatch (WanR2vPollerWatch * watch)
{
  WanR2vPoller *poller;

  if (watch == NULL)
    return;
  g_return_if_fail (current_http () != NULL);

  poller = watch->poller;
  watch->active = FALSE;
  if (watch->notify)
    watch->notify (watch->user_data);
  watch->notify = NULL;
  g_ptr_array_remove_fast (poller->watches, watch);
  watch_unref (watch);
  if (poller->watches->len == 0)
    free_if_idle (poller);
  else
    schedule_tick (poller);
}

void
wanr2v_poller_watch_update (WanR2vPollerWatch * watch,
    WanR2vTaskStatus status, gint64 created_ms)
{
  g_return_if_fail (current_http () != NULL);

  if (watch == NULL || !watch->active)
    return;
  watch->status = status;
  if (!wanr2v_task_status_is_final (status))
    watch->asked = WANR2V_TASK_STATUS_UNRECOGNISED;
  if (watch->created_ms == 0 && created_ms > 0) {
    watch->created_ms = created_ms;
    schedule_tick (watch->poller);
  }
}
