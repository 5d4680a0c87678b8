/* test-emu-poller.c: many jobs of one process waiting at once, against the
 * emulator: the shared poller's task lists answer for all of them (about
 * one list per tick, one query per task at its end), each job still sees
 * every status change and gets its video, and a task the list cannot
 * answer for is queried on its own. */
#include "emu-test-util.h"
#include "wanr2v-job.h"
#include "wanr2v-poller.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Ten tasks: a list every 2 s (see wanr2v_poller_tick_ms), less than
 * their RUNNING time, so that every status shows in some list. */
#define N_JOBS 10

typedef struct
{
  GMutex lock;
  GCond cond;
  guint ended;
} Run;

typedef struct
{
  Run *run;
  WanR2vJob *job;
  GPtrArray *statuses;          /* of char*, TASK_STATUS as they came */
  gboolean done;
  GError *error;
  char *task_id;
} Watcher;

static void
on_event (WanR2vJob * job, const WanR2vJobEvent * event, gpointer data)
{
  Watcher *w = data;

  g_mutex_lock (&w->run->lock);
  if (event->type == WANR2V_JOB_EVENT_TASK_CREATED)
    w->task_id = g_strdup (event->task_id);
  if (event->type == WANR2V_JOB_EVENT_TASK_STATUS && event->info)
    g_ptr_array_add (w->statuses, g_strdup (event->info->status_string));
  if (event->type == WANR2V_JOB_EVENT_DONE || event->type ==
      WANR2V_JOB_EVENT_ERROR) {
    w->done = event->type == WANR2V_JOB_EVENT_DONE;
    if (event->error)
      w->error = g_error_copy (event->error);
    w->run->ended++;
    g_cond_broadcast (&w->run->cond);
  }
  g_mutex_unlock (&w->run->lock);
}

/* Runs @n jobs at once against @f until each has ended; @watchers[i] says
 * how job i went.  With @attach, job 0 follows that task instead of
 * making one. */
static void
run_jobs (EmuFixture * f, guint n, Watcher * watchers, const char *dir,
    const char *attach)
{
  g_autofree char *image = emu_data_uri ("red.png", "image/png");
  g_autoptr (WanR2vRequest) request = wanr2v_request_new ();
  Run run = { 0, };
  gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (60);
  guint i;

  g_mutex_init (&run.lock);
  g_cond_init (&run.cond);
  request->model = g_strdup ("wan2.7-r2v");
  request->resolution = g_strdup ("720P");
  request->duration = 2;
  wanr2v_request_add_media (request, WANR2V_MEDIA_REFERENCE_IMAGE, image,
      NULL);

  for (i = 0; i < n; i++) {
    WanR2vJobConfig config = { 0, };
    g_autoptr (GError) error = NULL;

    /* Different prompts: different tasks. */
    g_free (request->prompt);
    request->prompt = g_strdup_printf ("Image 1 waves, take %u", i);
    config.base_url = emu_fixture_base_url (f);
    config.api_key = emu_fixture_api_key (f);
    config.request = request;
    if (i == 0)
      config.attach_task_id = attach;
    config.output_dir = dir;
    config.cache_policy = WANR2V_CACHE_OFF;
    config.timeout_s = emu_fixture_scaled_s (60);
    config.max_retries = 3;
    config.retry_delay_ms = 100;
    config.request_timeout_s = 10;
    watchers[i].run = &run;
    watchers[i].statuses = g_ptr_array_new_with_free_func (g_free);
    watchers[i].job = wanr2v_job_new (&config, on_event, &watchers[i],
        &error);
    g_assert_no_error (error);
  }
  for (i = 0; i < n; i++)
    wanr2v_job_start (watchers[i].job);

  g_mutex_lock (&run.lock);
  while (run.ended < n)
    if (!g_cond_wait_until (&run.cond, &run.lock, deadline))
      g_error ("only %u of %u jobs ended in time", run.ended, n);
  g_mutex_unlock (&run.lock);

  for (i = 0; i < n; i++) {
    wanr2v_job_stop (watchers[i].job);
    wanr2v_job_wait_settled (watchers[i].job, 2000);
  }
  g_mutex_clear (&run.lock);
  g_cond_clear (&run.cond);
}

static void
watcher_clear (Watcher * w)
{
  wanr2v_job_unref (w->job);
  g_ptr_array_unref (w->statuses);
  g_clear_error (&w->error);
  g_free (w->task_id);
}

/* The job got its video: on disk, whole, an MP4. */
static void
assert_video (Watcher * w)
{
  g_autoptr (GError) error = NULL;
  struct stat st;
  char head[8];
  int fd;

  if (!w->done)
    g_error ("job of task %s failed: %s", w->task_id,
        w->error ? w->error->message : "?");
  fd = wanr2v_job_open_video (w->job, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fstat (fd, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 1000);
  g_assert_cmpint (read (fd, head, sizeof (head)), ==, sizeof (head));
  g_assert_cmpint (memcmp (head + 4, "ftyp", 4), ==, 0);
  close (fd);
}

/* The job heard of every status its task went through, in order. */
static void
assert_statuses (Watcher * w)
{
  g_autofree char *seen = NULL;

  g_ptr_array_add (w->statuses, NULL);
  seen = g_strjoinv (",", (char **) w->statuses->pdata);
  g_ptr_array_set_size (w->statuses, w->statuses->len - 1);
  g_assert_cmpstr (seen, ==, "RUNNING,SUCCEEDED");
}

static double
request_time (JsonObject * rec)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601
      (json_object_get_string_member (rec, "time"), NULL);

  return g_date_time_to_unix (t) + g_date_time_get_microsecond (t) / 1e6;
}

/* GET requests of the log that list tasks (@lists) or query one (their
 * path is longer), logged after @after (s, 0: all); their times (s) into
 * @times when not NULL. */
static guint
count_gets (JsonArray * log, gboolean lists, double after, GArray * times)
{
  guint i, n = 0;

  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *rec = json_array_get_object_element (log, i);
    const char *path = json_object_get_string_member (rec, "path");
    gboolean is_list = strcmp (path, "/api/v1/tasks/") == 0
        || strcmp (path, "/api/v1/tasks") == 0;
    gboolean is_query = !is_list && g_str_has_prefix (path, "/api/v1/tasks/")
        && !g_str_has_suffix (path, "/cancel");

    double t = request_time (rec);

    if (strcmp (json_object_get_string_member (rec, "method"), "GET") != 0
        || !(lists ? is_list : is_query) || t <= after)
      continue;
    n++;
    if (times)
      g_array_append_val (times, t);
  }
  return n;
}

static char *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("wanr2v-poller-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static EmuFixture *
start (void)
{
  g_autofree char *pending = g_strdup_printf ("%" G_GINT64_FORMAT,
      emu_fixture_scaled_us (1) / 1000);
  g_autofree char *running = g_strdup_printf ("%" G_GINT64_FORMAT,
      emu_fixture_scaled_us (5) / 1000);
  g_autofree char *video = emu_fixture_data_path ("character.mp4");
  const char *args[] = { "--pending-ms", pending, "--running-ms", running,
    "--result-file", video, NULL
  };

  return emu_fixture_start (args);
}

/* N tasks at once: one list a tick, and once the lists answer for them,
 * one query each, at its end. */
static void
test_many (void)
{
  g_autoptr (EmuFixture) f = start ();
  g_autofree char *dir = make_dir ();
  g_autoptr (JsonArray) log = NULL;
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  Watcher w[N_JOBS] = { 0, };
  guint i, lists, queries;
  double span;

  run_jobs (f, N_JOBS, w, dir, NULL);
  log = emu_fixture_get_requests (f);
  for (i = 0; i < N_JOBS; i++) {
    assert_video (&w[i]);
    assert_statuses (&w[i]);
    watcher_clear (&w[i]);
  }
  lists = count_gets (log, TRUE, 0, times);
  g_assert_cmpuint (lists, >=, 2);
  span = g_array_index (times, double, times->len - 1)
      - g_array_index (times, double, 0);
  /* Until a list has shown a task, its own timetable goes on (1 s, 2 s);
   * from the first list on, each task is queried once, at its end. */
  queries = count_gets (log, FALSE, g_array_index (times, double, 0), NULL);
  g_test_message ("%u lists over %.2f s, then %u single queries (%u in "
      "all)", lists, span, queries, count_gets (log, FALSE, 0, NULL));
  g_assert_cmpuint (queries, <=, N_JOBS + 2);
  /* One list per tick: paced, never a burst (the lists' own latency does
   * not make the next one come sooner), and no more than the tick of
   * N_JOBS tasks allows over the time they waited together. */
  for (i = 1; i < times->len; i++) {
    double gap = g_array_index (times, double, i)
        - g_array_index (times, double, i - 1);

    if (gap < wanr2v_poller_tick_ms (N_JOBS) / 1000.0 - 0.1)
      g_error ("lists %u and %u only %.3f s apart", i, i + 1, gap);
  }
  /* With the same 0.1 s of slack per gap as above: the log's times are
   * when each list was answered, and one answered 10 ms sooner than the
   * one before it would otherwise fail a count that the pacing met. */
  g_assert_cmpuint (lists, <=, span * 1000 /
      (wanr2v_poller_tick_ms (N_JOBS) - 100) + 1);
  emu_fixture_remove_tree (dir);
}

/* A task the list does not show (the service forgot it) is queried on its
 * own, and its job ends with the service's answer; the others are not
 * disturbed. */
static void
test_not_listed (void)
{
  g_autoptr (EmuFixture) f = start ();
  g_autofree char *dir = make_dir ();
  Watcher w[4] = { 0, };
  guint i, failed = 0;

  emu_fixture_add_fault (f, "task:unknown,after=1");
  run_jobs (f, G_N_ELEMENTS (w), w, dir, NULL);
  for (i = 0; i < G_N_ELEMENTS (w); i++) {
    if (w[i].done) {
      assert_video (&w[i]);
    } else {
      g_assert_error (w[i].error, WANR2V_ERROR, WANR2V_ERROR_TASK_UNKNOWN);
      failed++;
    }
    watcher_clear (&w[i]);
  }
  g_assert_cmpuint (failed, ==, 1);
  emu_fixture_remove_tree (dir);
}

/* While the list fails, every task is queried on its own timetable (and
 * the list tried again each tick); a list that can never answer (400) is
 * not asked again. */
static void
test_list_fails (void)
{
  const char *faults[] = { "list:status=500,count=1000",
    "list:status=400,code=InvalidParameter,count=1000"
  };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (faults); k++) {
    g_autoptr (EmuFixture) f = start ();
    g_autofree char *dir = make_dir ();
    g_autoptr (JsonArray) log = NULL;
    Watcher w[4] = { 0, };
    guint i, lists, queries;

    emu_fixture_add_fault (f, faults[k]);
    run_jobs (f, G_N_ELEMENTS (w), w, dir, NULL);
    log = emu_fixture_get_requests (f);
    for (i = 0; i < G_N_ELEMENTS (w); i++) {
      assert_video (&w[i]);
      assert_statuses (&w[i]);
      watcher_clear (&w[i]);
    }
    lists = count_gets (log, TRUE, 0, NULL);
    queries = count_gets (log, FALSE, 0, NULL);
    g_test_message ("%s: %u lists, %u single queries", faults[k], lists,
        queries);
    /* No list answered: each task's own timetable saw it RUNNING, then
     * SUCCEEDED. */
    g_assert_cmpuint (queries, >=, 2 * G_N_ELEMENTS (w));
    if (k == 1)
      g_assert_cmpuint (lists, ==, 1);
    else
      g_assert_cmpuint (lists, >=, 2);
    emu_fixture_remove_tree (dir);
  }
}

/* The span in seconds of a list's window (start_time to end_time, both
 * YYYYMMDDhhmmss in the same zone), from its query string; -1 if it has
 * none. */
static gint64
window_span_s (const char *query)
{
  g_autoptr (GHashTable) params = query ? g_uri_parse_params (query, -1, "&",
      G_URI_PARAMS_NONE, NULL) : NULL;
  const char *names[] = { "start_time", "end_time" };
  gint64 t[2];
  guint k;

  for (k = 0; k < 2; k++) {
    const char *v = params ? g_hash_table_lookup (params, names[k]) : NULL;
    g_autoptr (GDateTime) d = NULL;

    if (v == NULL || strlen (v) != 14)
      return -1;
    {
      g_autofree char *y = g_strndup (v, 4), *mo = g_strndup (v + 4, 2);
      g_autofree char *dd = g_strndup (v + 6, 2), *h = g_strndup (v + 8, 2);
      g_autofree char *mi = g_strndup (v + 10, 2), *se = g_strndup (v + 12, 2);

      d = g_date_time_new_utc (atoi (y), atoi (mo), atoi (dd), atoi (h),
          atoi (mi), atoi (se));
    }
    g_assert_nonnull (d);
    t[k] = g_date_time_to_unix (d);
  }
  return t[1] - t[0];
}

/* A task made almost a day ago (followed by task-id, as a process that
 * restarts would) is older than any list window that also holds the new
 * tasks (a window spans at most 24 h): it is queried on its own, while
 * the lists go on answering for the others.  A window stretched to reach
 * it would be refused (400), and the lists would stop. */
static void
test_older_than_window (void)
{
  g_autoptr (EmuFixture) f = start ();
  g_autofree char *dir = make_dir ();
  g_autofree char *body = emu_simple_body ("wan2.7-r2v", NULL);
  g_autofree char *aged = NULL, *aged_path = NULL;
  g_autoptr (JsonArray) log = NULL;
  Watcher w[4] = { 0, };
  guint i, lists, aged_queries = 0;

  /* 23 h 57 min 30 s: still queryable (a day), out of the new tasks'
   * window by more than the poller's slack for clocks. */
  emu_fixture_add_fault (f, "task:aged=86250");
  aged = emu_create_task (f, body);
  aged_path = g_strconcat ("/api/v1/tasks/", aged, NULL);
  run_jobs (f, G_N_ELEMENTS (w), w, dir, aged);
  log = emu_fixture_get_requests (f);
  for (i = 0; i < G_N_ELEMENTS (w); i++) {
    assert_video (&w[i]);
    watcher_clear (&w[i]);
  }
  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *rec = json_array_get_object_element (log, i);

    if (strcmp (json_object_get_string_member (rec, "path"), aged_path) == 0)
      aged_queries++;
  }
  lists = count_gets (log, TRUE, 0, NULL);
  g_test_message ("%u lists; the old task queried %u times on its own",
      lists, aged_queries);
  /* Never a window reaching back to the old task: at most the 24 h the
   * list takes (the emulator would refuse more, and the lists stop). */
  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *rec = json_array_get_object_element (log, i);
    const char *path = json_object_get_string_member (rec, "path");

    if (strcmp (path, "/api/v1/tasks/") != 0
        && strcmp (path, "/api/v1/tasks") != 0)
      continue;
    g_test_message ("list %s: window %" G_GINT64_FORMAT " s",
        json_object_get_string_member (rec, "time"), window_span_s
        (json_object_get_string_member_with_default (rec, "query", NULL)));
    g_assert_cmpint (window_span_s (json_object_get_string_member_with_default
            (rec, "query", NULL)), <=, 24 * 3600);
    g_assert_cmpint (window_span_s (json_object_get_string_member_with_default
            (rec, "query", NULL)), >=, 0);
  }
  /* Its own timetable: more than the one query at its end that a listed
   * task gets. */
  g_assert_cmpuint (aged_queries, >=, 2);
  g_assert_cmpuint (lists, >=, 2);
  emu_fixture_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/poller/many", test_many);
  g_test_add_func ("/poller/not-listed", test_not_listed);
  g_test_add_func ("/poller/list-fails", test_list_fails);
  g_test_add_func ("/poller/older-than-window", test_older_than_window);
  return g_test_run ();
}
