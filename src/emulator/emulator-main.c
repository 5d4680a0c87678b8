/* emulator-main.c: wanr2v-emulator, a local DashScope Wan
 * reference-to-video service for tests and offline development.
 *
 * Parses the options, starts the two listeners, tells the caller where
 * they are (stdout and --port-file), and runs until SIGINT or SIGTERM.
 */
#include "emu-elements.h"
#include "emu-faults.h"
#include "emu-server.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

static gboolean
quit_on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Written beside the target and renamed, so that a reader polling for the
 * file never sees it half-written. */
static gboolean
write_port_file (const char *path, guint port, GError ** error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp.%d", path, (int) getpid ());
  g_autofree char *text = g_strdup_printf ("%u\n", port);

  if (!g_file_set_contents (tmp, text, -1, error))
    return FALSE;
  if (g_rename (tmp, path) != 0) {
    int saved = errno;

    g_unlink (tmp);
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "cannot rename %s to %s: %s", tmp, path, g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

/* Refuses to start without an element the emulator needs: the failure
 * belongs here, once, naming the package to install, not in every task
 * as an InternalError.Algo. */
static gboolean
check_elements (void)
{
  g_autoptr (GPtrArray) missing = emu_elements_missing ();
  g_autoptr (GString) packages = g_string_new (NULL);
  guint i;

  if (missing == NULL)
    return TRUE;
  for (i = 0; i < missing->len; i++) {
    const EmuElement *e = g_ptr_array_index (missing, i);
    g_autofree char *word = g_strdup_printf (" %s ", e->package);
    g_autofree char *have = g_strdup_printf (" %s ", packages->str);

    g_printerr ("wanr2v-emulator: GStreamer element '%s' is not installed "
        "(Debian package %s; the emulator %s with it)\n", e->name,
        e->package, e->purpose);
    if (strstr (have, word) == NULL)
      g_string_append_printf (packages, "%s%s", packages->len ? " " : "",
          e->package);
  }
  g_printerr ("wanr2v-emulator: cannot start; install: apt-get install "
      "%s\n", packages->str);
  return FALSE;
}

static void
list_elements (void)
{
  const EmuElement *e;

  for (e = emu_elements_table (); e->name != NULL; e++)
    g_print ("%s %s\n", e->name, e->package);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR)
          && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  }
  g_rmdir (path);
}

/* What the option callbacks fill in (the option group's user data). */
typedef struct
{
  gboolean moov_first;
  guint64 download_rate;
  guint64 upload_rate;
  guint64 result_size;
  gboolean queue_over_limit;
} ParsedOptions;

static gboolean
parse_over_limit (const char *name, const char *value, gpointer data,
    GError ** error)
{
  gboolean *queue = &((ParsedOptions *) data)->queue_over_limit;

  if (g_strcmp0 (value, "queue") == 0) {
    *queue = TRUE;
  } else if (g_strcmp0 (value, "refuse") == 0) {
    *queue = FALSE;
  } else {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--over-limit must be 'refuse' or 'queue', not '%s'", value);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_moov (const char *name, const char *value, gpointer data,
    GError ** error)
{
  gboolean *moov_first = &((ParsedOptions *) data)->moov_first;

  if (g_strcmp0 (value, "first") == 0) {
    *moov_first = TRUE;
  } else if (g_strcmp0 (value, "last") == 0) {
    *moov_first = FALSE;
  } else {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--moov must be 'first' or 'last', not '%s'", value);
    return FALSE;
  }
  return TRUE;
}

/* "1048576", "200M", "1G", "512k": binary multiples. */
static gboolean
parse_size (const char *text, guint64 * out)
{
  char *end = NULL;
  guint64 v, unit = 1;

  if (text == NULL || !g_ascii_isdigit (*text))
    return FALSE;
  v = g_ascii_strtoull (text, &end, 10);
  switch (g_ascii_tolower (*end)) {
    case '\0':
      break;
    case 'k':
      unit = 1024;
      break;
    case 'm':
      unit = 1024 * 1024;
      break;
    case 'g':
      unit = 1024 * 1024 * 1024;
      break;
    default:
      return FALSE;
  }
  if (*end != '\0' && end[1] != '\0' && g_ascii_strcasecmp (end + 1, "b")
      != 0 && g_ascii_strcasecmp (end + 1, "ib") != 0)
    return FALSE;
  if (v > G_MAXUINT64 / unit)
    return FALSE;
  *out = v * unit;
  return TRUE;
}

static gboolean
parse_size_option (const char *name, const char *value, gpointer data,
    GError ** error)
{
  ParsedOptions *parsed = data;
  guint64 *dest = strcmp (name, "--download-rate") == 0 ?
      &parsed->download_rate : strcmp (name, "--upload-rate") == 0 ?
      &parsed->upload_rate : &parsed->result_size;

  if (!parse_size (value, dest)) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "%s needs a number of bytes (suffixes k, M, G), not '%s'", name,
        value);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *host = NULL;
  g_autofree char *api_key = NULL;
  g_autofree char *storage_dir = NULL;
  g_autofree char *port_file = NULL;
  gint port = 8765, oss_port = 0, pending_ms = 1000, running_ms = 3000;
  gint url_ttl = 86400, task_ttl = 86400, policy_ttl = 300;
  gint max_in_progress = 0;
  gboolean verbose = FALSE, reject_long = FALSE, show_elements = FALSE;
  gboolean strict_references = FALSE;
  ParsedOptions parsed = { 0, };
  g_auto (GStrv) faults = NULL;
  g_autofree char *pending_dist_text = NULL;
  g_autofree char *running_dist_text = NULL;
  g_autofree char *result_file = NULL;
  g_autoptr (EmuDist) pending_dist = NULL;
  g_autoptr (EmuDist) running_dist = NULL;
  gint64 seed = -1;
  guint i;
  gboolean temp_storage = FALSE;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  EmuServer *server;
  EmuConfig config = { 0, };
  GOptionGroup *group;
  GOptionEntry entries[] = {
    {"host", 0, 0, G_OPTION_ARG_STRING, &host,
        "Address to listen on, for both listeners (default 127.0.0.1)", "ADDR"},
    {"port", 0, 0, G_OPTION_ARG_INT, &port,
        "Port of the API listener; 0 picks a free one (default 8765)", "N"},
    {"port-file", 0, 0, G_OPTION_ARG_FILENAME, &port_file,
        "Once listening, write the API port and a newline to PATH "
          "(atomically)", "PATH"},
    {"oss-port", 0, 0, G_OPTION_ARG_INT, &oss_port,
          "Port of the OSS listener (result downloads, uploads); "
          "0 picks a free one (default 0)", "N"},
    {"api-key", 0, 0, G_OPTION_ARG_STRING, &api_key,
          "The API key clients must send (default: $WANR2V_EMULATOR_API_KEY, "
          "else sk-emulator)", "KEY"},
    {"pending-ms", 0, 0, G_OPTION_ARG_INT, &pending_ms,
        "How long a task stays PENDING (default 1000)", "MS"},
    {"running-ms", 0, 0, G_OPTION_ARG_INT, &running_ms,
          "How long a task stays RUNNING at least; it ends only once its "
          "video is rendered too (default 3000)", "MS"},
    {"pending-dist", 0, 0, G_OPTION_ARG_STRING, &pending_dist_text,
          "Draw each task's PENDING time from DIST instead: MS, "
          "uniform:min=MS,max=MS or lognormal:median=MS,sigma=S[,min=MS]"
          "[,max=MS]", "DIST"},
    {"running-dist", 0, 0, G_OPTION_ARG_STRING, &running_dist_text,
        "Draw each task's RUNNING time from DIST instead (same forms)",
        "DIST"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &seed,
          "Seed of the duration draws (default: random), for reproducible "
          "runs", "N"},
    {"fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &faults,
          "Inject a fault, e.g. create:status=429,code=Throttling.RateQuota,"
          "count=2 (repeatable; see docs/emulator.md)", "SPEC"},
    {"download-rate", 0, 0, G_OPTION_ARG_CALLBACK, parse_size_option,
          "Pace result downloads to BYTES per second (suffixes k, M, G; "
          "default 0: no limit)", "BYTES"},
    {"upload-rate", 0, 0, G_OPTION_ARG_CALLBACK, parse_size_option,
          "Read each upload at most BYTES per second, per connection, as "
          "over a WAN (suffixes k, M, G; default 0: no limit)", "BYTES"},
    {"result-size", 0, 0, G_OPTION_ARG_CALLBACK, parse_size_option,
          "Pad each result MP4 (sparsely) to at least BYTES, still playable "
          "(suffixes k, M, G)", "BYTES"},
    {"result-file", 0, 0, G_OPTION_ARG_FILENAME, &result_file,
          "Serve this MP4 for every task instead of rendering one",
        "PATH"},
    {"max-in-progress", 0, 0, G_OPTION_ARG_INT, &max_in_progress,
          "Tasks in progress (PENDING or RUNNING) allowed at once, as the "
          "account limit of the service (5); 0: no limit (default)", "N"},
    {"over-limit", 0, 0, G_OPTION_ARG_CALLBACK, parse_over_limit,
          "Past --max-in-progress: refuse the create with 429 Throttling, "
          "or queue the task PENDING until a slot frees (default refuse)",
        "refuse|queue"},
    {"moov", 0, 0, G_OPTION_ARG_CALLBACK, parse_moov,
        "Where the MP4 'moov' atom goes: first or last (default last)",
        "first|last"},
    {"url-ttl", 0, 0, G_OPTION_ARG_INT, &url_ttl,
        "Validity of signed result URLs (default 86400)", "SECONDS"},
    {"task-ttl", 0, 0, G_OPTION_ARG_INT, &task_ttl,
        "Age after which a task queries as UNKNOWN (default 86400)",
        "SECONDS"},
    {"policy-ttl", 0, 0, G_OPTION_ARG_INT, &policy_ttl,
        "Validity of upload policies (default 300)", "SECONDS"},
    {"storage-dir", 0, 0, G_OPTION_ARG_FILENAME, &storage_dir,
          "Where results, fetched references and uploads are kept (default: "
          "a fresh temporary directory, removed at exit)", "DIR"},
    {"reject-long-prompts", 0, 0, G_OPTION_ARG_NONE, &reject_long,
          "Refuse over-long prompts with 400 InvalidParameter instead of "
          "cutting them silently as the service does", NULL},
    {"strict-references", 0, 0, G_OPTION_ARG_NONE, &strict_references,
          "Fail a task whose http(s) reference is not on a loopback host, "
          "as the service would fail one it cannot download, instead of "
          "drawing a labelled placeholder for it", NULL},
    {"list-elements", 0, 0, G_OPTION_ARG_NONE, &show_elements,
          "Print the GStreamer elements the emulator needs, each with its "
          "Debian package, and exit", NULL},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
        "Log every request and task to stderr", NULL},
    {NULL}
  };

  setlocale (LC_ALL, "");

  context = g_option_context_new ("- local DashScope reference-to-video "
      "service");
  g_option_context_set_summary (context,
      "Speaks the DashScope Wan reference-to-video protocol (wan2.7-r2v, "
      "wan2.6-r2v, wan2.6-r2v-flash)\non 127.0.0.1 and renders real MP4 "
      "videos from the references.  The API is under\nhttp://HOST:PORT/api/v1; "
      "results and uploads are on a second (OSS) port.\n\nControl endpoints "
      "on the API port: GET /__emulator/requests (request log),\n"
      "GET /__emulator/tasks, POST /__emulator/reset, GET|POST|DELETE "
      "/__emulator/faults,\nGET|POST /__emulator/config.");
  group = g_option_group_new ("emulator", "Emulator options",
      "Emulator options", &parsed, NULL);
  g_option_group_add_entries (group, entries);
  g_option_context_set_main_group (context, group);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("wanr2v-emulator: %s\n", error->message);
    return 2;
  }
  if (port < 0 || port > 65535 || oss_port < 0 || oss_port > 65535
      || pending_ms < 0 || running_ms < 0 || url_ttl < 0 || task_ttl < 0
      || policy_ttl < 0 || max_in_progress < 0) {
    g_printerr ("wanr2v-emulator: ports must be 0..65535 and times "
        "positive\n");
    return 2;
  }
  if (seed > G_MAXUINT32) {
    g_printerr ("wanr2v-emulator: --seed must be 0..4294967295\n");
    return 2;
  }
  if (pending_dist_text != NULL
      && !(pending_dist = emu_dist_parse (pending_dist_text, &error))) {
    g_printerr ("wanr2v-emulator: --pending-dist: %s\n", error->message);
    return 2;
  }
  if (running_dist_text != NULL
      && !(running_dist = emu_dist_parse (running_dist_text, &error))) {
    g_printerr ("wanr2v-emulator: --running-dist: %s\n", error->message);
    return 2;
  }
  for (i = 0; faults && faults[i]; i++) {
    g_autoptr (EmuFaults) check = emu_faults_new ();

    if (!emu_faults_add_spec (check, faults[i], &error)) {
      g_printerr ("wanr2v-emulator: --fault %s: %s\n", faults[i],
          error->message);
      return 2;
    }
  }
  if (show_elements) {
    list_elements ();
    return 0;
  }
  gst_init (NULL, NULL);
  if (!check_elements ())
    return 3;

  if (api_key == NULL) {
    const char *env = g_getenv ("WANR2V_EMULATOR_API_KEY");

    api_key = g_strdup (env && *env ? env : "sk-emulator");
  }
  if (storage_dir == NULL) {
    storage_dir = g_dir_make_tmp ("wanr2v-emulator-XXXXXX", &error);
    if (storage_dir == NULL) {
      g_printerr ("wanr2v-emulator: %s\n", error->message);
      return 1;
    }
    temp_storage = TRUE;
  } else if (g_mkdir_with_parents (storage_dir, 0700) != 0) {
    g_printerr ("wanr2v-emulator: cannot create %s: %s\n", storage_dir,
        g_strerror (errno));
    return 1;
  }

  config.host = host ? host : (char *) "127.0.0.1";
  config.port = port;
  config.oss_port = oss_port;
  config.api_key = api_key;
  config.pending_ms = pending_ms;
  config.running_ms = running_ms;
  config.moov_first = parsed.moov_first;
  config.pending_dist = pending_dist;
  config.running_dist = running_dist;
  config.seed = seed >= 0 ? (guint32) seed : g_random_int ();
  config.download_rate = parsed.download_rate;
  config.upload_rate = parsed.upload_rate;
  config.result_size = parsed.result_size;
  config.result_file = result_file;
  config.faults = faults;
  config.url_ttl_s = url_ttl;
  config.task_ttl_s = task_ttl;
  config.policy_ttl_s = policy_ttl;
  config.storage_dir = storage_dir;
  config.reject_long_prompts = reject_long;
  config.strict_references = strict_references;
  config.max_in_progress = max_in_progress;
  config.queue_over_limit = parsed.queue_over_limit;
  config.verbose = verbose;

  /* Before anyone can learn where we listen: a SIGTERM sent as soon as the
   * port is known must find the handler in place. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_on_signal, loop);
  g_unix_signal_add (SIGTERM, quit_on_signal, loop);

  server = emu_server_new (&config, &error);
  if (server == NULL) {
    g_printerr ("wanr2v-emulator: cannot start: %s\n", error->message);
    if (temp_storage)
      remove_tree (storage_dir);
    return 1;
  }

  if (port_file != NULL
      && !write_port_file (port_file, emu_server_get_api_port (server),
          &error)) {
    g_printerr ("wanr2v-emulator: %s\n", error->message);
    emu_server_free (server);
    if (temp_storage)
      remove_tree (storage_dir);
    return 1;
  }
  g_print ("wanr2v-emulator: API at %s\n", emu_server_get_api_base (server));
  g_print ("wanr2v-emulator: OSS at %s\n", emu_server_get_oss_base (server));
  if (verbose)
    g_print ("wanr2v-emulator: storage in %s\n", storage_dir);
  fflush (stdout);

  g_main_loop_run (loop);

  /* Let workers notice the cancellation before their files go away. */
  emu_server_shutdown (server, NULL, 3000);
  emu_server_free (server);
  if (temp_storage)
    remove_tree (storage_dir);
  return 0;
}
