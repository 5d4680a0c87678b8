/* test-job-states.c: the job's life, as its state machine walks it.
 *
 * Each case runs one job of the core (no GStreamer) against the emulator
 * and compares the states it went through, read from the transitions the
 * job logs ("job 0x..: a -> b", wanr2v_job_goto), with the path the table
 * in src/wanr2v-job.c and docs/design.md promise, and checks what the
 * emulator saw (uploads, creates, cancels).
 */
#include "emulator-fixture.h"
#include "wanr2v-job.h"

#include <glib/gstdio.h>
#include <string.h>

static GMutex path_lock;
static GString *path;           /* "new preparing ... done" */

static void
on_log (const gchar * domain, GLogLevelFlags level, const gchar * message,
    gpointer data)
{
  const char *arrow = strstr (message, " -> ");

  if (!g_str_has_prefix (message, "job ") || arrow == NULL)
    return;
  g_mutex_lock (&path_lock);
  if (path->len == 0) {
    const char *from = strstr (message, ": ");

    if (from)
      g_string_append_len (path, from + 2, arrow - from - 2);
  }
  g_string_append_printf (path, " %s", arrow + 4);
  g_mutex_unlock (&path_lock);
}

typedef struct
{
  GMutex lock;
  GCond cond;
  WanR2vJobPhase phase;
} Watch;

static void
on_event (WanR2vJob * job, const WanR2vJobEvent * event, gpointer data)
{
  Watch *w = data;

  g_mutex_lock (&w->lock);
  w->phase = event->phase;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

static WanR2vJobConfig
config_for (EmuFixture * f, const WanR2vRequest * req, const char *dir)
{
  WanR2vJobConfig config = {
    .base_url = emu_fixture_base_url (f),
    .api_key = emu_fixture_api_key (f),
    .allow_insecure = TRUE,
    .request = req,
    .output_dir = dir,
    .cache_policy = WANR2V_CACHE_REUSE,
    .timeout_s = 60,
    .max_retries = 3,
    .retry_delay_ms = 50,
    .request_timeout_s = 10,
    .cancel_on_stop = TRUE,
  };

  return config;
}

static WanR2vRequest *
request_with_local_image (const char *model)
{
  WanR2vRequest *req = wanr2v_request_new ();
  g_autofree char *image = emu_fixture_data_path ("red.png");

  req->model = g_strdup (model);
  req->prompt = g_strdup ("character1 waves at the camera");
  req->duration = 2;
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE, image, NULL);
  return req;
}

/* Runs the job to its end (or, with @stop_when_queried, stops it once
 * the emulator has answered a query of its task) and returns the states it
 * went through. */
static char *
run (EmuFixture * f, const WanR2vJobConfig * config,
    gboolean stop_when_queried, gboolean * ok,
    char **task_id)
{
  Watch w = { 0, };
  g_autoptr (GError) error = NULL;
  g_autoptr (WanR2vJob) job = NULL;
  guint64 available = 0;
  gboolean complete = FALSE;

  g_mutex_lock (&path_lock);
  g_string_truncate (path, 0);
  g_mutex_unlock (&path_lock);

  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  job = wanr2v_job_new (config, on_event, &w, &error);
  g_assert_no_error (error);
  wanr2v_job_start (job);
  if (stop_when_queried) {
    gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (20);

    while (emu_fixture_count_requests (f, "GET", "/api/v1/tasks/") == 0) {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
    wanr2v_job_stop (job);
    g_assert_true (wanr2v_job_wait_settled (job, 5000));
    *ok = FALSE;
  } else {
    *ok = wanr2v_job_wait_for_data (job, 0, G_MAXUINT64, &available,
        &complete, NULL, &error);
    if (*ok)
      g_assert_true (complete);
    wanr2v_job_stop (job);
    wanr2v_job_wait_settled (job, 5000);
  }
  if (task_id)
    *task_id = wanr2v_job_dup_task_id (job);
  g_clear_pointer (&job, wanr2v_job_unref);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);

  g_mutex_lock (&path_lock);
  {
    char *walked = g_strdup (path->str);

    g_mutex_unlock (&path_lock);
    return walked;
  }
}

static char *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("job-states-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

/* A new task: every phase once, in order; then the same request again is
 * served from the cache, and its task followed by id. */
static void
test_whole_life (void)
{
  g_autoptr (EmuFixture) f = emu_fixture_start (NULL);
  g_autoptr (WanR2vRequest) req = request_with_local_image ("wan2.6-r2v");
  g_autofree char *dir = make_dir ();
  WanR2vJobConfig config = config_for (f, req, dir);
  g_autofree char *walked = NULL, *again = NULL, *followed = NULL;
  g_autofree char *task_id = NULL;
  gboolean ok;

  walked = run (f, &config, FALSE, &ok, &task_id);
  g_assert_true (ok);
  g_assert_cmpstr (walked, ==, "new preparing locking slot-wait uploading "
      "creating waiting downloading done");
  g_assert_cmpuint (emu_fixture_count_requests (f, "POST", "/api/v1/services"),
      ==, 1);

  /* Its one small file is hashed as the job starts: the kept video is
   * served there, with no PREPARING (no worker, no HTTP thread). */
  again = run (f, &config, FALSE, &ok, NULL);
  g_assert_true (ok);
  g_assert_cmpstr (again, ==, "new serving done");
  g_assert_cmpuint (emu_fixture_count_requests (f, "POST", "/api/v1/services"),
      ==, 1);

  config.request = NULL;
  config.attach_task_id = task_id;
  config.cache_policy = WANR2V_CACHE_OFF;
  followed = run (f, &config, FALSE, &ok, NULL);
  g_assert_true (ok);
  g_assert_cmpstr (followed, ==, "new waiting downloading done");
  emu_fixture_remove_tree (dir);
}

/* Local files of over 512 KiB in all are hashed in PREPARING's worker, not
 * on the thread that starts the job: the kept video is found there. */
static void
test_large_files_hit_in_preparing (void)
{
  g_autoptr (EmuFixture) f = emu_fixture_start (NULL);
  g_autoptr (WanR2vRequest) req = wanr2v_request_new ();
  const char *names[] = { "blue.bmp", "storyboard.png", "character.mp4" };
  g_autofree char *dir = make_dir ();
  WanR2vJobConfig config = config_for (f, req, dir);
  g_autofree char *walked = NULL, *again = NULL;
  guint64 total = 0;
  gboolean ok;
  guint i;

  req->model = g_strdup ("wan2.6-r2v");
  req->prompt = g_strdup ("character1 and character2 wave at character3");
  req->duration = 2;
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree char *path = emu_fixture_data_path (names[i]);
    GStatBuf st;

    g_assert_cmpint (g_stat (path, &st), ==, 0);
    total += st.st_size;
    wanr2v_request_add_media (req, g_str_has_suffix (names[i], ".mp4") ?
        WANR2V_MEDIA_REFERENCE_VIDEO : WANR2V_MEDIA_REFERENCE_IMAGE, path,
        NULL);
  }
  g_assert_cmpuint (total, >, 512 * 1024);

  walked = run (f, &config, FALSE, &ok, NULL);
  g_assert_true (ok);
  g_assert_true (g_str_has_suffix (walked, "downloading done"));
  again = run (f, &config, FALSE, &ok, NULL);
  g_assert_true (ok);
  g_assert_cmpstr (again, ==, "new preparing serving done");
  g_assert_cmpuint (emu_fixture_count_requests (f, "POST", "/api/v1/services"),
      ==, 1);
  emu_fixture_remove_tree (dir);
}

/* One path of the table: a job of @model against an emulator started with
 * @args; what it walked, how it ended, and how many requests of one kind
 * the emulator saw. */
typedef struct
{
  const char *name;
  const char *args[4];
  const char *model;
  gboolean dry_run;
  gboolean cache_off;
  gboolean stop_when_queried;
  gboolean ok;
  const char *walked;
  const char *method, *path_prefix;     /* NULL, NULL: every request */
  guint requests;
} Walk;

static const Walk walks[] = {
  /* A dry run shows the create and stops before anything is sent. */
  {"dry-run", {NULL}, "wan2.6-r2v", TRUE, FALSE, FALSE, TRUE,
      "new preparing dry-run done", NULL, NULL, 0},
  /* A lost create reply: the task is found in the list, never created
   * twice.  (wan2.7 inlines a small image: nothing to upload.) */
  {"lost-create", {"--fault", "create:drop", NULL}, "wan2.7-r2v", FALSE,
        TRUE, FALSE, TRUE, "new preparing slot-wait uploading creating "
        "recovering waiting downloading done", "POST", "/api/v1/services",
      1},
  /* A task that FAILED ends the job in FAILED. */
  {"task-failed", {"--fault", "task:fail,code=InternalError", NULL},
        "wan2.7-r2v", FALSE, FALSE, FALSE, FALSE, "new preparing locking "
        "slot-wait uploading creating waiting failed", "POST",
      "/api/v1/services", 1},
  /* A stop while the task is PENDING cancels it (the one POST under
   * /tasks/), and the job ends in STOPPED. */
  {"stop-while-waiting", {"--pending-ms", "20000", NULL}, "wan2.7-r2v",
        FALSE, FALSE, TRUE, FALSE, "new preparing locking slot-wait "
        "uploading creating waiting stopped", "POST", "/api/v1/tasks/", 1},
};

static void
test_walk (gconstpointer data)
{
  const Walk *w = data;
  g_autoptr (EmuFixture) f = emu_fixture_start (w->args);
  g_autoptr (WanR2vRequest) req = request_with_local_image (w->model);
  g_autofree char *dir = make_dir ();
  WanR2vJobConfig config = config_for (f, req, dir);
  g_autofree char *walked = NULL;
  gboolean ok;

  config.dry_run = w->dry_run;
  if (w->cache_off)
    config.cache_policy = WANR2V_CACHE_OFF;
  walked = run (f, &config, w->stop_when_queried, &ok, NULL);
  g_assert_cmpint (ok, ==, w->ok);
  g_assert_cmpstr (walked, ==, w->walked);
  g_assert_cmpuint (emu_fixture_count_requests (f, w->method,
          w->path_prefix), ==, w->requests);
  emu_fixture_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  path = g_string_new (NULL);
  g_log_set_handler ("wanr2v", G_LOG_LEVEL_DEBUG, on_log, NULL);

  g_test_add_func ("/job-states/whole-life", test_whole_life);
  g_test_add_func ("/job-states/large-files-hit-in-preparing",
      test_large_files_hit_in_preparing);
  for (guint i = 0; i < G_N_ELEMENTS (walks); i++) {
    g_autofree char *name = g_strconcat ("/job-states/", walks[i].name,
        NULL);

    g_test_add_data_func (name, &walks[i], test_walk);
  }
  return g_test_run ();
}
