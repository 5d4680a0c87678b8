/* test-secrets.c: the API key stays secret.
 *
 * docs/failure-model.md, "The key": write-only, never logged, never in an
 * error, URI, dot file, cache entry or journal; sent only to base-url's
 * host in the Authorization header, never to the upload or download hosts;
 * https required except to loopback unless allow-insecure; certificates
 * verified; a missing TLS backend named.
 *
 * The key is distinctive so that any trace of it can be searched for: the
 * whole key, every 8-character piece of it, and its base64 forms. */
#define _GNU_SOURCE             /* memmem: logs and videos are not strings */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "emulator-fixture.h"
#include "emu-test-util.h"
#include "pipeline-run.h"

/* Every 8-character piece of the key is looked for in logs: none may be
 * something a log holds by chance (a run of digits would match a
 * timestamp's nanoseconds now and then). */
#define KEY "sk-test-SECRET-0a1b2c3d4e"
#define PROMPT "Image 1 waves at the camera"
#define CREATE_PATH "/api/v1/services/aigc/video-generation/video-synthesis"

static EmuFixture *emu;         /* per test, expecting KEY */
static char *tmp_dir;           /* per test */

/* ---- fixtures ------------------------------------------------------------ */

static void
start_emulator (void)
{
  g_autofree char *result = emu_fixture_data_path ("character.mp4");
  const char *args[] = { "--api-key", KEY, "--result-file", result, NULL };

  emu = emu_fixture_start (args);
}

static void
stop_emulator (void)
{
  g_clear_pointer (&emu, emu_fixture_stop);
}

/* An emulator per test, started in the test's own process: several tests
 * run subprocesses, and GLib's child watches do not work in a process
 * forked from one that had already spawned one (its worker thread is not
 * inherited). */
static void
setup (void)
{
  start_emulator ();
  tmp_dir = g_dir_make_tmp ("wanr2v-secrets-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
}

static void
teardown (void)
{
  stop_emulator ();
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

/* ---- looking for the key ------------------------------------------------- */

/* Every form of the key a leak could take: the key, each 8-character
 * piece of it (a key split over two log lines, or cut short), and its
 * base64 encodings at the three alignments it can have inside a longer
 * encoded text (such as "Bearer KEY"), without their last group. */
static GPtrArray *
key_traces (void)
{
  static GPtrArray *traces;
  const char *key = KEY;
  gsize len = strlen (key), i;

  if (traces)
    return traces;
  traces = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (traces, g_strdup (key));
  for (i = 0; i + 8 <= len; i++)
    g_ptr_array_add (traces, g_strndup (key + i, 8));
  for (i = 0; i < 3; i++) {
    char *b64 = g_base64_encode ((const guchar *) key + i, len - i);

    b64[strlen (b64) - 4] = '\0';
    g_ptr_array_add (traces, b64);
  }
  return traces;
}

/* NULL, or the first trace of the key in @data. */
static const char *
find_key (const void *data, gsize len)
{
  GPtrArray *traces = key_traces ();
  guint i;

  for (i = 0; i < traces->len; i++) {
    const char *t = g_ptr_array_index (traces, i);

    if (memmem (data, len, t, strlen (t)) != NULL)
      return t;
  }
  return NULL;
}

static void
assert_no_key (const char *what, const char *text)
{
  const char *found;

  fail_unless (text != NULL, "%s: nothing to search", what);
  found = find_key (text, strlen (text));
  fail_unless (found == NULL, "%s contains \"%s\", a trace of the key:\n%s",
      what, found, text);
}

static void
assert_file_has_no_key (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;
  const char *found;

  fail_unless (g_file_get_contents (path, &contents, &len, NULL),
      "cannot read %s", path);
  found = find_key (contents, len);
  fail_unless (found == NULL, "%s contains \"%s\", a trace of the key",
      path, found);
}

/* Searches every file under @dir; returns how many there were. */
static guint
assert_tree_has_no_key (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint files = 0;

  fail_unless (d != NULL, "no directory %s", dir);
  while ((name = g_dir_read_name (d))) {
    g_autofree char *child = g_build_filename (dir, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR))
      files += assert_tree_has_no_key (child);
    else {
      assert_file_has_no_key (child);
      files++;
    }
  }
  g_dir_close (d);
  return files;
}

/* The search itself finds what it should. */
GST_START_TEST (test_search_finds_traces)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) "Bearer " KEY,
      strlen ("Bearer " KEY));

  fail_unless (find_key ("x " KEY " y", strlen (KEY) + 4) != NULL);
  fail_unless (find_key ("...SECRET-0a1b...", 18) != NULL);
  fail_unless (find_key ("key: sk-test-SEC\nRET-0a1b2c3d4e", 31) != NULL);
  fail_unless (find_key (b64, strlen (b64)) != NULL);
  fail_unless (find_key ("sk-emulator test-key", 20) == NULL);
}

GST_END_TEST;

/* ---- running the element ------------------------------------------------- */

static void
set_uri_array (GstElement * src, const char *property, const char *uri)
{
  GValue array = G_VALUE_INIT, item = G_VALUE_INIT;

  gst_value_array_init (&array, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, uri);
  gst_value_array_append_and_take_value (&array, &item);
  g_object_set_property (G_OBJECT (src), property, &array);
  g_value_unset (&array);
}

/* @key NULL: the one from DASHSCOPE_API_KEY. */
static void
configure_with_key (GstElement * src, const char *base_url,
    const char *cache_name, const char *key)
{
  g_autofree char *red = emu_fixture_data_path ("red.png");
  g_autofree char *cache = g_build_filename (tmp_dir, cache_name, NULL);

  g_object_set (src, "base-url", base_url, "poll-interval", 50,
      "retry-delay", 20, "cache-dir", cache, "duration", 2, "prompt", PROMPT,
      NULL);
  if (key)
    g_object_set (src, "api-key", key, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "resolution", "720P");
  set_uri_array (src, "images", red);
}

static void
configure (GstElement * src, const char *base_url, const char *cache_name)
{
  configure_with_key (src, base_url, cache_name, KEY);
}

/* Everything the element says on the bus, as text: every message's
 * structure, and errors' and warnings' text and debug string. */
typedef struct
{
  GString *text;
  GError *error;
  char *debug;
  gboolean eos;
} BusLog;

static void
bus_log_clear (BusLog * log)
{
  g_string_free (log->text, TRUE);
  g_clear_error (&log->error);
  g_free (log->debug);
}

static void
bus_log_message (BusLog * log, GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);

  g_string_append_printf (log->text, "%s: ", GST_MESSAGE_TYPE_NAME (msg));
  if (s) {
    g_autofree char *str = gst_structure_to_string (s);

    g_string_append (log->text, str);
  }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR
      || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    GError *error = NULL;
    char *debug = NULL;
    const GstStructure *details = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &error, &debug);
      gst_message_parse_error_details (msg, &details);
    } else {
      gst_message_parse_warning (msg, &error, &debug);
    }
    g_string_append_printf (log->text, " [%s] [%s]", error->message,
        debug ? debug : "");
    if (details) {
      g_autofree char *str = gst_structure_to_string (details);

      g_string_append_printf (log->text, " [%s]", str);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR && log->error == NULL) {
      log->error = error;
      log->debug = debug;
    } else {
      g_error_free (error);
      g_free (debug);
    }
  }
  g_string_append_c (log->text, '\n');
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    log->eos = TRUE;
}

/* Plays @pipeline until EOS or an error (at most 30 s), logging the bus. */
static void
play_logged (GstElement * pipeline, BusLog * log)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (30);

  log->text = g_string_new (NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!log->eos && log->error == NULL) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg;

    fail_unless (left > 0, "no EOS or error within 30 s");
    msg = gst_bus_timed_pop (bus, left * GST_USECOND);
    if (msg) {
      bus_log_message (log, msg);
      gst_message_unref (msg);
    }
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* What came with the stop. */
  {
    GstMessage *msg;

    while ((msg = gst_bus_pop (bus))) {
      bus_log_message (log, msg);
      gst_message_unref (msg);
    }
  }
  gst_object_unref (bus);
}

/* The in-process debug log, searched as it is written, at every level of
 * every category. */
static GMutex debug_lock;
static GString *debug_leaks;    /* the lines with a trace */
static guint debug_lines;
static guint debug_wanr2v_lines; /* of the element and the core */

static void
search_debug_line (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer data)
{
  const char *text = gst_debug_message_get (message);
  const char *name = gst_debug_category_get_name (category);

  if (text == NULL)
    return;
  g_mutex_lock (&debug_lock);
  debug_lines++;
  if (g_str_has_prefix (name, "wanr2v"))
    debug_wanr2v_lines++;
  if (find_key (text, strlen (text)))
    g_string_append_printf (debug_leaks, "%s %s:%d: %s\n", name, file, line,
        text);
  g_mutex_unlock (&debug_lock);
}

static void
start_debug_search (void)
{
  debug_leaks = g_string_new (NULL);
  debug_lines = debug_wanr2v_lines = 0;
  gst_debug_set_active (TRUE);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (search_debug_line, NULL, NULL);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);
}

static void
end_debug_search (void)
{
  gst_debug_set_default_threshold (GST_LEVEL_NONE);
  gst_debug_remove_log_function (search_debug_line);
  g_mutex_lock (&debug_lock);
  fail_unless (debug_wanr2v_lines >= 3, "the element logged only %u lines",
      debug_wanr2v_lines);
  fail_unless (debug_leaks->len == 0, "the debug log shows the key:\n%s",
      debug_leaks->str);
  g_string_free (debug_leaks, TRUE);
  debug_leaks = NULL;
  g_mutex_unlock (&debug_lock);
}

/* ---- gst-launch-1.0 in a subprocess -------------------------------------- */

static void
die_with_parent (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

/* gst-launch-1.0 with @argv (NULL-terminated, after the program name),
 * the key in DASHSCOPE_API_KEY only, and @env (NAME, VALUE, ..., NULL)
 * added; its stdout and stderr together in @output. */
static GSubprocess *
spawn_launch (const char *const *argv, const char *const *env,
    gboolean capture)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;

  launcher = g_subprocess_launcher_new (capture ? G_SUBPROCESS_FLAGS_STDOUT_PIPE
      | G_SUBPROCESS_FLAGS_STDERR_MERGE : G_SUBPROCESS_FLAGS_STDOUT_SILENCE
      | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL,
      NULL);
  g_subprocess_launcher_setenv (launcher, "DASHSCOPE_API_KEY", KEY, TRUE);
  for (; env && env[0]; env += 2)
    g_subprocess_launcher_setenv (launcher, env[0], env[1], TRUE);
  g_ptr_array_add (args, "gst-launch-1.0");
  for (; *argv; argv++)
    g_ptr_array_add (args, (char *) *argv);
  g_ptr_array_add (args, NULL);
  proc = g_subprocess_launcher_spawnv (launcher,
      (const char *const *) args->pdata, &error);
  fail_unless (proc != NULL, "gst-launch-1.0: %s", error ? error->message :
      "?");
  return proc;
}

static char *
run_launch (const char *const *argv, const char *const *env, gint * status)
{
  g_autoptr (GSubprocess) proc = spawn_launch (argv, env, TRUE);
  g_autoptr (GError) error = NULL;
  char *output = NULL;

  fail_unless (g_subprocess_communicate_utf8 (proc, NULL, NULL, &output,
          NULL, &error), "gst-launch-1.0: %s", error ? error->message : "?");
  *status = g_subprocess_get_if_exited (proc) ?
      g_subprocess_get_exit_status (proc) : -1;
  return output;
}

/* ---- the debug log ------------------------------------------------------- */

/* A whole generation with uploads (a local video and a local voice), at
 * GST_DEBUG=*:9, with -v (every property change printed) and GLib's debug
 * messages on: not a trace of the key anywhere. */
GST_START_TEST (test_debug_log)
{
  g_autofree char *log_path = g_build_filename (tmp_dir, "gst.log", NULL);
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  g_autofree char *red = emu_fixture_data_path ("red.png");
  g_autofree char *video = emu_fixture_data_path ("character.mp4");
  g_autofree char *voice = emu_fixture_data_path ("voice-girl.wav");
  g_autofree char *a_base = g_strdup_printf ("base-url=%s",
      emu_fixture_base_url (emu));
  g_autofree char *a_images = g_strdup_printf ("images=<\"%s\">", red);
  g_autofree char *a_videos = g_strdup_printf ("videos=<\"%s\">", video);
  g_autofree char *a_voices = g_strdup_printf ("image-voices=<\"%s\">",
      voice);
  g_autofree char *a_cache = g_strdup_printf ("cache-dir=%s", cache);
  g_autofree char *output = NULL, *log = NULL;
  const char *argv[] = { "-v", "wanr2vsrc", a_base,
    "prompt=Image 1 meets Video 1", a_images, a_videos, a_voices,
    "duration=2", "resolution=720P", "poll-interval=50", a_cache, "!",
    "fakesink", NULL
  };
  const char *env[] = { "GST_DEBUG", "*:9", "GST_DEBUG_FILE", log_path,
    "GST_DEBUG_NO_COLOR", "1", "G_MESSAGES_DEBUG", "all", NULL
  };
  gsize len;
  gint status = -1;
  const char *found;
  g_autoptr (JsonObject) create = NULL;

  output = run_launch (argv, env, &status);
  /* Its last lines say why (the whole of it is a property dump). */
  fail_unless (status == 0, "gst-launch-1.0 exited with %d: ...%s", status,
      output + MAX (0, (gssize) strlen (output) - 2000));
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          CREATE_PATH), 1);
  /* It really went through the uploads and the key really was sent. */
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST", "/"), 3);
  create = emu_last_request (emu, "POST", CREATE_PATH);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (create, "headers"), "authorization"),
      "Bearer " KEY);

  fail_unless (g_file_get_contents (log_path, &log, &len, NULL));
  /* The log is the real thing: big, with the element's and the core's
   * lines, and the base URL. */
  fail_unless (len > 1000000, "only %" G_GSIZE_FORMAT " bytes of log", len);
  fail_unless (strstr (log, " wanr2vsrc ") != NULL);
  fail_unless (strstr (log, "forward_core_log") != NULL);
  fail_unless (strstr (log, emu_fixture_base_url (emu)) != NULL);
  found = find_key (log, len);
  fail_unless (found == NULL, "the debug log contains \"%s\"", found);
  assert_no_key ("gst-launch-1.0's output", output);
}

GST_END_TEST;

/* ---- errors -------------------------------------------------------------- */

static void
assert_error_has_no_key (BusLog * log)
{
  fail_unless (log->error != NULL, "no error");
  assert_no_key ("the error", log->error->message);
  assert_no_key ("the error's debug string", log->debug);
  assert_no_key ("the bus messages", log->text->str);
}

/* The service refuses the key (a genuine 401 from an emulator that
 * expects another one). */
GST_START_TEST (test_auth_error)
{
  EmuFixture *other = emu_fixture_start (NULL);
  GstElement *pipeline = gst_parse_launch ("wanr2vsrc name=src ! fakesink",
      NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  BusLog log = { 0, };

  configure (src, emu_fixture_base_url (other), "cache");
  start_debug_search ();
  play_logged (pipeline, &log);
  end_debug_search ();
  fail_unless (g_error_matches (log.error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", log.error->message);
  fail_unless (strstr (log.error->message, "InvalidApiKey") != NULL, "%s",
      log.error->message);
  assert_error_has_no_key (&log);
  bus_log_clear (&log);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  emu_fixture_stop (other);
}

GST_END_TEST;

/* A key with a line break (a copy and paste with its newline, or someone
 * trying to add a header) is refused before anything is sent, and the
 * error says where the bad character is, never what the key is. */
GST_START_TEST (test_key_with_control_chars)
{
  static const struct
  {
    const char *key;
    gboolean from_env;
    const char *names;
  } cases[] = {
    {"sk-abc\r\nX-Injected: yes", FALSE, "carriage return (CR) at "
          "character 7"},
    {"sk-abc-from-copy\n", TRUE, "line feed (LF) at character 17"},
    {"sk-abc\tdef", FALSE, "control character at character 7"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *pipeline, *src;
    BusLog log = { 0, };

    if (cases[i].from_env)
      g_setenv ("DASHSCOPE_API_KEY", cases[i].key, TRUE);
    pipeline = gst_parse_launch ("wanr2vsrc name=src ! fakesink", NULL);
    src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    configure_with_key (src, emu_fixture_base_url (emu), "cache",
        cases[i].from_env ? NULL : cases[i].key);
    play_logged (pipeline, &log);
    g_unsetenv ("DASHSCOPE_API_KEY");
    fail_unless (g_error_matches (log.error, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s",
        log.error ? log.error->message : "no error");
    fail_unless (strstr (log.error->message, "api-key") != NULL
        && strstr (log.error->message, cases[i].names) != NULL, "%s",
        log.error->message);
    fail_if (strstr (log.error->message, "sk-abc") != NULL
        || strstr (log.text->str, "sk-abc") != NULL
        || strstr (log.error->message, "Injected") != NULL, "%s",
        log.error->message);
    bus_log_clear (&log);
    gst_object_unref (src);
    gst_object_unref (pipeline);
  }
  fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, NULL), 0);
}

GST_END_TEST;

GST_START_TEST (test_task_failure_error)
{
  GstElement *pipeline = gst_parse_launch ("wanr2vsrc name=src ! fakesink",
      NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  BusLog log = { 0, };

  emu_fixture_add_fault (emu, "task:fail,code=InternalError.Algo,"
      "message=The renderer gave up.");
  configure (src, emu_fixture_base_url (emu), "cache");
  start_debug_search ();
  play_logged (pipeline, &log);
  end_debug_search ();
  fail_unless (g_error_matches (log.error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_FAILED), "%s", log.error->message);
  fail_unless (strstr (log.error->message, "InternalError.Algo") != NULL);
  assert_error_has_no_key (&log);
  bus_log_clear (&log);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* ---- the element's surface ----------------------------------------------- */

static gboolean
has_created (PipelineRun * run, GstMessage * msg, gpointer data)
{
  guint i;

  for (i = 0; i < run->progress->len; i++)
    if (strstr (g_ptr_array_index (run->progress, i), "created"))
      return TRUE;
  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR;
}

/* A dot file of a running pipeline, with every parameter. */
GST_START_TEST (test_dot_file)
{
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  g_autofree char *running = NULL, *done = NULL;

  configure (run->src, emu_fixture_base_url (emu), "cache");
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  fail_unless (pipeline_run_wait_for (run, has_created, NULL, 20));
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  running = gst_debug_bin_to_dot_data (GST_BIN (run->pipeline),
      GST_DEBUG_GRAPH_SHOW_VERBOSE);
  /* The parameters are there (so a key would be too). */
  fail_unless (strstr (running, "base-url") != NULL, "%s", running);
  fail_unless (strstr (running, "Image 1 waves") != NULL, "%s", running);
  assert_no_key ("the dot file of the running pipeline", running);

  pipeline_run_play (run, 30);
  fail_unless (run->eos);
  done = gst_debug_bin_to_dot_data (GST_BIN (run->pipeline),
      GST_DEBUG_GRAPH_SHOW_VERBOSE);
  assert_no_key ("the dot file after EOS", done);
  pipeline_run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_key_not_readable)
{
  GstElement *src = gst_element_factory_make ("wanr2vsrc", NULL);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (src),
      "api-key");
  char *value = NULL;
  g_autofree char *uri = NULL;
  GValue v = G_VALUE_INIT;

  fail_unless (pspec != NULL);
  fail_unless (pspec->flags & G_PARAM_WRITABLE);
  fail_if (pspec->flags & G_PARAM_READABLE, "api-key is readable");
  /* Its default (the environment's key) is not shown either. */
  fail_unless (g_value_get_string (g_param_spec_get_default_value (pspec))
      == NULL);

  configure (src, emu_fixture_base_url (emu), "cache");
  ASSERT_WARNING (g_object_get (src, "api-key", &value, NULL));
  fail_unless (value == NULL);
  g_value_init (&v, G_TYPE_STRING);
  ASSERT_WARNING (g_object_get_property (G_OBJECT (src), "api-key", &v));
  fail_unless (g_value_get_string (&v) == NULL);
  g_value_unset (&v);

  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (src));
  fail_unless (uri != NULL);
  fail_unless (strstr (uri, "prompt=") != NULL, "%s", uri);
  assert_no_key ("the element's URI", uri);
  gst_object_unref (src);
}

GST_END_TEST;

/* ---- the cache directory ------------------------------------------------- */

static gboolean
journal_written (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  gboolean found = FALSE;

  while (d && !found && (name = g_dir_read_name (d)))
    found = g_str_has_suffix (name, ".task");
  if (d)
    g_dir_close (d);
  return found;
}

GST_START_TEST (test_cache_dir)
{
  g_autofree char *done_dir = g_build_filename (tmp_dir, "done", NULL);
  g_autofree char *killed_dir = g_build_filename (tmp_dir, "killed", NULL);
  g_autofree char *red = emu_fixture_data_path ("red.png");
  g_autofree char *a_base = g_strdup_printf ("base-url=%s",
      emu_fixture_base_url (emu));
  g_autofree char *a_images = g_strdup_printf ("images=<\"%s\">", red);
  g_autofree char *a_cache = g_strdup_printf ("cache-dir=%s", killed_dir);
  const char *argv[] = { "wanr2vsrc", a_base, "prompt=" PROMPT, a_images,
    "duration=2", "resolution=720P", "poll-interval=50", a_cache, "!",
    "fakesink", NULL
  };
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (JsonObject) config = NULL;
  PipelineRun *run;
  gint64 deadline;
  guint files;

  /* A finished run: its video is kept. */
  run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  configure (run->src, emu_fixture_base_url (emu), "done");
  pipeline_run_play (run, 30);
  fail_unless (run->eos && run->error == NULL);
  pipeline_run_free (run);
  files = assert_tree_has_no_key (done_dir);
  fail_unless (files >= 1);

  /* A process killed while its task is queued: its journal is left. */
  config = emu_fixture_set_config (emu, "{\"pending_dist\": \"5000\"}");
  proc = spawn_launch (argv, NULL, FALSE);
  deadline = g_get_monotonic_time () + emu_fixture_scaled_us (15);
  while (!journal_written (killed_dir)) {
    fail_unless (g_get_monotonic_time () < deadline,
        "no journal within %u s", emu_fixture_scaled_s (15));
    g_usleep (20 * 1000);
  }
  g_subprocess_force_exit (proc);       /* SIGKILL */
  fail_unless (g_subprocess_wait (proc, NULL, NULL));
  fail_unless (g_subprocess_get_if_signaled (proc));
  files = assert_tree_has_no_key (killed_dir);
  fail_unless (files >= 1);
  /* And the first directory did not change meanwhile. */
  assert_tree_has_no_key (tmp_dir);
}

GST_END_TEST;

/* ---- where the key goes -------------------------------------------------- */

/* A job with uploads (a local video and a local voice) and a download: the
 * Authorization header on every API request, and on no OSS one; no header,
 * query or body of any OSS request holds the key, no API body either. */
GST_START_TEST (test_key_only_to_api)
{
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  g_autofree char *video = emu_fixture_data_path ("character.mp4");
  g_autofree char *voice = emu_fixture_data_path ("voice-girl.wav");
  g_autoptr (JsonArray) requests = NULL;
  guint i, api = 0, uploads = 0, downloads = 0;

  configure (run->src, emu_fixture_base_url (emu), "cache");
  g_object_set (run->src, "prompt", "Image 1 meets Video 1", NULL);
  set_uri_array (run->src, "videos", video);
  set_uri_array (run->src, "image-voices", voice);
  pipeline_run_play (run, 30);
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  fail_unless (run->eos);
  pipeline_run_free (run);

  requests = emu_fixture_get_requests (emu);
  for (i = 0; i < json_array_get_length (requests); i++) {
    JsonObject *rec = json_array_get_object_element (requests, i);
    JsonObject *headers = json_object_get_object_member (rec, "headers");
    const char *listener = json_object_get_string_member (rec, "listener");
    const char *method = json_object_get_string_member (rec, "method");
    const char *path = json_object_get_string_member (rec, "path");
    g_autoptr (JsonGenerator) gen = json_generator_new ();
    g_autoptr (JsonNode) node = json_node_alloc ();
    g_autofree char *record = NULL;

    if (g_strcmp0 (listener, "api") == 0) {
      api++;
      fail_unless (json_object_has_member (headers, "authorization"),
          "%s %s without the key", method, path);
      fail_unless_equals_string (json_object_get_string_member (headers,
              "authorization"), "Bearer " KEY);
      json_object_remove_member (headers, "authorization");
    } else {
      fail_unless_equals_string (listener, "oss");
      fail_if (json_object_has_member (headers, "authorization"),
          "%s %s on the OSS host has an Authorization header: %s", method,
          path, json_object_get_string_member (headers, "authorization"));
      if (g_strcmp0 (method, "POST") == 0)
        uploads++;
      else if (g_str_has_prefix (path, "/results/"))
        downloads++;
    }
    /* Anything else in the record: headers, query, body. */
    json_node_init_object (node, rec);
    json_generator_set_root (gen, node);
    record = json_generator_to_data (gen, NULL);
    assert_no_key ("a request record without its Authorization", record);
  }
  fail_unless (api >= 4, "only %u API requests", api);
  fail_unless_equals_int (uploads, 2);
  fail_unless (downloads >= 1);
}

GST_END_TEST;

/* ---- plain http and TLS -------------------------------------------------- */

/* A non-loopback IPv4 address of this machine, or NULL. */
static char *
local_non_loopback_address (void)
{
  struct ifaddrs *list = NULL, *it;
  char *found = NULL;

  if (getifaddrs (&list) != 0)
    return NULL;
  for (it = list; it && !found; it = it->ifa_next) {
    g_autoptr (GInetAddress) addr = NULL;

    if (it->ifa_addr == NULL || it->ifa_addr->sa_family != AF_INET)
      continue;
    addr = g_inet_address_new_from_bytes ((const guint8 *)
        &((struct sockaddr_in *) it->ifa_addr)->sin_addr,
        G_SOCKET_FAMILY_IPV4);
    if (!g_inet_address_get_is_loopback (addr)
        && !g_inet_address_get_is_any (addr))
      found = g_inet_address_to_string (addr);
  }
  freeifaddrs (list);
  return found;
}

/* A small HTTP server on this machine: records what it is sent and answers
 * @reply (by default a 503). */
typedef struct
{
  char *reply;
  GSocketListener *listener;
  GCancellable *cancellable;
  GThread *thread;
  guint port;
  GMutex lock;
  GString *received;
  guint connections;
  /* TLS: with a certificate, the connection is a TLS server's */
  GTlsCertificate *certificate;
  guint handshakes_ok, handshakes_failed;
  char *handshake_error;
} TestServer;

static gpointer
server_thread (gpointer data)
{
  TestServer *s = data;

  for (;;) {
    g_autoptr (GSocketConnection) conn = NULL;
    g_autoptr (GIOStream) tls = NULL;
    g_autoptr (GError) error = NULL;
    GIOStream *stream;
    char buf[4096];
    gssize n;

    conn = g_socket_listener_accept (s->listener, NULL, s->cancellable,
        &error);
    if (conn == NULL)
      break;
    g_socket_set_timeout (g_socket_connection_get_socket (conn),
        emu_fixture_scaled_s (5));
    g_mutex_lock (&s->lock);
    s->connections++;
    g_mutex_unlock (&s->lock);
    stream = G_IO_STREAM (conn);
    if (s->certificate) {
      tls = g_tls_server_connection_new (stream, s->certificate, &error);
      /* Not check's fail_unless: this is not the test's thread. */
      g_assert_no_error (error);
      if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls),
              s->cancellable, &error)) {
        g_mutex_lock (&s->lock);
        s->handshakes_failed++;
        g_free (s->handshake_error);
        s->handshake_error = g_strdup (error->message);
        g_mutex_unlock (&s->lock);
        continue;
      }
      g_mutex_lock (&s->lock);
      s->handshakes_ok++;
      g_mutex_unlock (&s->lock);
      stream = tls;
    }
    /* The request head (a create has a body too: whatever came). */
    n = g_input_stream_read (g_io_stream_get_input_stream (stream), buf,
        sizeof (buf), s->cancellable, NULL);
    if (n > 0) {
      const char *reply = s->reply;

      g_mutex_lock (&s->lock);
      g_string_append_len (s->received, buf, n);
      g_mutex_unlock (&s->lock);
      g_output_stream_write_all (g_io_stream_get_output_stream (stream),
          reply, strlen (reply), NULL, NULL, NULL);
    }
    g_io_stream_close (stream, NULL, NULL);
  }
  return NULL;
}

static TestServer *
test_server_start (const char *address, GTlsCertificate * certificate)
{
  TestServer *s = g_new0 (TestServer, 1);
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (inet, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  s->reply = g_strdup ("HTTP/1.1 503 Service Unavailable\r\n"
      "Content-Length: 0\r\nConnection: close\r\n\r\n");
  s->listener = g_socket_listener_new ();
  s->cancellable = g_cancellable_new ();
  s->received = g_string_new (NULL);
  s->certificate = certificate ? g_object_ref (certificate) : NULL;
  g_mutex_init (&s->lock);
  fail_unless (g_socket_listener_add_address (s->listener, addr,
          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error),
      "cannot listen on %s: %s", address, error ? error->message : "");
  s->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  s->thread = g_thread_new ("test-server", server_thread, s);
  return s;
}

static void
test_server_stop (TestServer * s)
{
  g_cancellable_cancel (s->cancellable);
  g_socket_listener_close (s->listener);
  g_thread_join (s->thread);
  g_object_unref (s->listener);
  g_object_unref (s->cancellable);
  g_clear_object (&s->certificate);
  g_string_free (s->received, TRUE);
  g_free (s->handshake_error);
  g_free (s->reply);
  g_mutex_clear (&s->lock);
  g_free (s);
}

/* http to another host: refused before any connection, at once.  (Not a
 * test of the network: 10.255.255.1 is never contacted.  Where a test
 * environment intercepts traffic, it would answer.) */
GST_START_TEST (test_plain_http_refused)
{
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  const char *message;

  configure (run->src, "http://10.255.255.1/api/v1", "cache");
  pipeline_run_play (run, 10);
  fail_unless (run->error != NULL);
  message = run->error->message;
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "%s", message);
  fail_unless (strstr (message, "https") && strstr (message,
          "allow-insecure"), "%s", message);
  fail_unless (run->elapsed < emu_fixture_scaled_ns (2),
      "the refusal took %"
      GST_TIME_FORMAT, GST_TIME_ARGS (run->elapsed));
  assert_no_key ("the error", message);
  /* Not a request anywhere: refused in the state change. */
  fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, NULL), 0);
  pipeline_run_free (run);
}

GST_END_TEST;

/* allow-insecure=true: the element does send to a plain-http host that is
 * not loopback (a listener on this machine's own non-loopback address, so
 * that nothing leaves the machine). */
GST_START_TEST (test_plain_http_allowed)
{
  g_autofree char *address = local_non_loopback_address ();
  g_autofree char *base = NULL;
  PipelineRun *run;
  TestServer *server;

  if (address == NULL) {
    g_printerr ("SKIPPED test_plain_http_allowed: this machine has no "
        "non-loopback IPv4 address\n");
    return;
  }
  server = test_server_start (address, NULL);
  base = g_strdup_printf ("http://%s:%u/api/v1", address, server->port);
  run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  configure (run->src, base, "cache");
  g_object_set (run->src, "allow-insecure", TRUE, "retries", 0,
      "request-timeout", emu_fixture_scaled_s (1), NULL);
  pipeline_run_play (run, 10);
  fail_unless (run->error != NULL);
  fail_unless (run->error->domain == GST_RESOURCE_ERROR);
  fail_if (run->error->code == GST_RESOURCE_ERROR_SETTINGS, "%s",
      run->error->message);
  fail_if (strstr (run->error->message, "allow-insecure") != NULL);
  fail_unless (run->elapsed < emu_fixture_scaled_ns (5));
  g_mutex_lock (&server->lock);
  fail_unless_equals_int (server->connections, 1);
  fail_unless (g_str_has_prefix (server->received->str, "POST /api/v1/"
          "services/aigc/video-generation/video-synthesis "), "%s",
      server->received->str);
  g_mutex_unlock (&server->lock);
  pipeline_run_free (run);
  test_server_stop (server);
}

GST_END_TEST;

/* The API host redirects the create elsewhere (307 keeps the method and
 * body, and a client that follows it would send the key along): the
 * element follows no redirect of an API call. */
GST_START_TEST (test_no_redirect)
{
  TestServer *api = test_server_start ("127.0.0.1", NULL);
  TestServer *elsewhere = test_server_start ("127.0.0.1", NULL);
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u/api/v1",
      api->port);
  PipelineRun *run;

  g_mutex_lock (&api->lock);
  g_free (api->reply);
  api->reply = g_strdup_printf ("HTTP/1.1 307 Temporary Redirect\r\n"
      "Location: http://127.0.0.1:%u" CREATE_PATH "\r\n"
      "Content-Length: 0\r\nConnection: close\r\n\r\n",
      elsewhere->port);
  g_mutex_unlock (&api->lock);

  run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  configure (run->src, base, "cache");
  g_object_set (run->src, "retries", 0, NULL);
  pipeline_run_play (run, 20);
  fail_unless (run->error != NULL);
  fail_unless (strstr (run->error->message, "307") != NULL, "%s",
      run->error->message);
  pipeline_run_free (run);

  g_mutex_lock (&api->lock);
  fail_unless (strstr (api->received->str, "Bearer " KEY) != NULL, "%s",
      api->received->str);
  g_mutex_unlock (&api->lock);
  g_mutex_lock (&elsewhere->lock);
  fail_unless_equals_int (elsewhere->connections, 0);
  fail_unless_equals_int (elsewhere->received->len, 0);
  g_mutex_unlock (&elsewhere->lock);
  test_server_stop (api);
  test_server_stop (elsewhere);
}

GST_END_TEST;

/* A self-signed certificate for 127.0.0.1 (right name, unknown issuer),
 * made with openssl; NULL when openssl is not installed. */
static GTlsCertificate *
self_signed_certificate (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *cert = g_build_filename (tmp_dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (tmp_dir, "key.pem", NULL);
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  gint status = -1;
  GTlsCertificate *certificate;
  const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec",
    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
    "subjectAltName=IP:127.0.0.1", NULL
  };

  if (openssl == NULL)
    return NULL;
  fail_unless (g_spawn_sync (NULL, (char **) argv, NULL,
          G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status,
          &error), "openssl: %s", error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "openssl: %s", err);
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  fail_unless (certificate != NULL, "%s", error ? error->message : "");
  return certificate;
}

GST_START_TEST (test_tls_certificate_verified)
{
  g_autoptr (GTlsCertificate) certificate = self_signed_certificate ();
  g_autofree char *base = NULL;
  PipelineRun *run;
  TestServer *server;
  const char *message;

  if (certificate == NULL) {
    g_printerr ("SKIPPED test_tls_certificate_verified: no openssl\n");
    return;
  }
  server = test_server_start ("127.0.0.1", certificate);
  base = g_strdup_printf ("https://127.0.0.1:%u/api/v1", server->port);
  run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  configure (run->src, base, "cache");
  /* Retries allowed, but a refused certificate is not worth one. */
  g_object_set (run->src, "retries", 3, "retry-delay", 100,
      "request-timeout", emu_fixture_scaled_s (5), NULL);
  pipeline_run_play (run, 20);
  fail_unless (run->error != NULL);
  message = run->error->message;
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ), "%s %d: %s",
      g_quark_to_string (run->error->domain), run->error->code, message);
  fail_unless (strstr (message, "certificate") || strstr (message, "TLS"),
      "%s", message);
  assert_no_key ("the error", message);
  pipeline_run_free (run);

  /* The server's side of the handshake may end a moment after the
   * element's. */
  {
    gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (5);
    gboolean settled = FALSE;

    while (!settled && g_get_monotonic_time () < deadline) {
      g_mutex_lock (&server->lock);
      settled = server->connections > 0 && server->handshakes_ok
          + server->handshakes_failed == server->connections;
      g_mutex_unlock (&server->lock);
      if (!settled)
        g_usleep (10 * 1000);
    }
  }
  g_mutex_lock (&server->lock);
  fail_unless_equals_int (server->connections, 1);
  fail_unless_equals_int (server->handshakes_ok, 0);
  fail_unless_equals_int (server->handshakes_failed, server->connections);
  /* Not a byte of HTTP, so no Authorization header. */
  fail_unless_equals_int (server->received->len, 0);
  g_mutex_unlock (&server->lock);
  test_server_stop (server);
}

GST_END_TEST;

/* Without GIO's TLS backend (glib-networking), an https base-url says what
 * to install. */
GST_START_TEST (test_no_tls_backend)
{
  g_autofree char *red = emu_fixture_data_path ("red.png");
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  g_autofree char *a_images = g_strdup_printf ("images=<\"%s\">", red);
  g_autofree char *a_cache = g_strdup_printf ("cache-dir=%s", cache);
  g_autofree char *output = NULL;
  const char *argv[] = { "wanr2vsrc", "base-url=https://127.0.0.1:9/api/v1",
    "prompt=" PROMPT, a_images, a_cache, "!", "fakesink", NULL
  };
  const char *env[] = { "GIO_MODULE_DIR", "/nonexistent",
    "GIO_EXTRA_MODULES", "", NULL
  };
  gint status = 0;

  output = run_launch (argv, env, &status);
  fail_unless (status != 0, "gst-launch-1.0 succeeded:\n%s", output);
  fail_unless (strstr (output, "glib-networking") != NULL, "%s", output);
  fail_unless (strstr (output, "TLS") != NULL, "%s", output);
  assert_no_key ("gst-launch-1.0's output", output);
}

GST_END_TEST;

static Suite *
secrets_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-secrets");
  TCase *tc = tcase_create ("secrets");

  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_search_finds_traces);
  tcase_add_test (tc, test_debug_log);
  tcase_add_test (tc, test_auth_error);
  tcase_add_test (tc, test_key_with_control_chars);
  tcase_add_test (tc, test_task_failure_error);
  tcase_add_test (tc, test_dot_file);
  tcase_add_test (tc, test_key_not_readable);
  tcase_add_test (tc, test_cache_dir);
  tcase_add_test (tc, test_key_only_to_api);
  tcase_add_test (tc, test_plain_http_refused);
  tcase_add_test (tc, test_plain_http_allowed);
  tcase_add_test (tc, test_no_redirect);
  tcase_add_test (tc, test_tls_certificate_verified);
  tcase_add_test (tc, test_no_tls_backend);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (secrets);
