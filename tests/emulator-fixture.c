/* emulator-fixture.c: runs wanr2v-emulator for a test. */
#include "emulator-fixture.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define API_KEY "test-key"
#define START_TIMEOUT_S 10

struct _EmuFixture
{
  GPid pid;                     /* 0 once reaped */
  char *tmp_dir;
  char *port_file;
  guint port;
  char *base_url;
  char *control_url;            /* "http://127.0.0.1:PORT/__emulator/" */
};

/* A test that aborts must not leave its emulator behind (holding the
 * test's stderr open, which makes meson wait for it). */
static void
die_with_parent (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif
}

/* Reaps the emulator if it has exited. */
static gboolean
emulator_running (EmuFixture * f)
{
  if (f->pid != 0 && waitpid (f->pid, NULL, WNOHANG) == f->pid)
    f->pid = 0;
  return f->pid != 0;
}

EmuFixture *
emu_fixture_start (const char *const *extra_args)
{
  const char *binary = g_getenv ("WANR2V_EMULATOR");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  EmuFixture *f;
  gint64 deadline;
  guint i;

  if (binary == NULL || *binary == '\0')
    g_error ("emulator fixture: WANR2V_EMULATOR is not set; run the tests "
        "with 'meson test'");

  f = g_new0 (EmuFixture, 1);
  f->tmp_dir = g_dir_make_tmp ("emu-fixture-XXXXXX", &error);
  if (f->tmp_dir == NULL)
    g_error ("emulator fixture: cannot make a temp dir: %s", error->message);
  f->port_file = g_build_filename (f->tmp_dir, "port", NULL);

  g_ptr_array_add (argv, (char *) binary);
  g_ptr_array_add (argv, "--port");
  g_ptr_array_add (argv, "0");
  g_ptr_array_add (argv, "--port-file");
  g_ptr_array_add (argv, f->port_file);
  g_ptr_array_add (argv, "--api-key");
  g_ptr_array_add (argv, API_KEY);
  g_ptr_array_add (argv, "--pending-ms");
  g_ptr_array_add (argv, "100");
  g_ptr_array_add (argv, "--running-ms");
  g_ptr_array_add (argv, "300");
  for (i = 0; extra_args && extra_args[i]; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  /* The emulator's stdout would mix with the test's TAP output.
   * g_spawn rather than GSubprocess: GSubprocess watches its child from
   * GLib's worker thread, and gst-check tests start the emulator in their
   * main process and then fork a child per test.  What that thread keeps
   * in thread-local storage (allocated once it has dispatched the child's
   * exit) is seen as leaked in every later child, where the thread does not
   * exist (LeakSanitizer in tools/test-asan.sh).  Reaped with waitpid(). */
  if (!g_spawn_async (NULL, (char **) argv->pdata, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
          die_with_parent, NULL, &f->pid, &error))
    g_error ("emulator fixture: cannot run %s: %s", binary, error->message);

  deadline = g_get_monotonic_time () + emu_fixture_scaled_us (START_TIMEOUT_S);
  for (;;) {
    g_autofree char *text = NULL;

    if (g_file_get_contents (f->port_file, &text, NULL, NULL)) {
      guint64 port = g_ascii_strtoull (text, NULL, 10);

      if (port == 0 || port > 65535)
        g_error ("emulator fixture: bad port file content '%s'", text);
      f->port = port;
      break;
    }
    if (!emulator_running (f))
      g_error ("emulator fixture: %s exited before listening (see its "
          "stderr above)", binary);
    if (g_get_monotonic_time () > deadline)
      g_error ("emulator fixture: %s did not write its port file within "
          "%u s", binary, emu_fixture_scaled_s (START_TIMEOUT_S));
    g_usleep (20 * 1000);
  }

  f->base_url = g_strdup_printf ("http://127.0.0.1:%u/api/v1", f->port);
  f->control_url = g_strdup_printf ("http://127.0.0.1:%u/__emulator/",
      f->port);
  return f;
}

double
emu_fixture_time_scale (void)
{
  const char *text = g_getenv ("WANR2V_TEST_TIME_SCALE");
  double scale = text ? g_ascii_strtod (text, NULL) : 1.0;

  /* Never shorter than normal: a scale only ever gives slow runs room. */
  return scale >= 1.0 && scale <= 1000.0 ? scale : 1.0;
}

gint64
emu_fixture_scaled_us (double seconds)
{
  return (gint64) (seconds * emu_fixture_time_scale () * G_USEC_PER_SEC);
}

guint64
emu_fixture_scaled_ns (double seconds)
{
  return (guint64) emu_fixture_scaled_us (seconds) * 1000;
}

guint
emu_fixture_scaled_s (double seconds)
{
  double scaled = seconds * emu_fixture_time_scale ();
  guint whole = (guint) scaled;

  return whole < scaled ? whole + 1 : whole;
}

const char *
emu_fixture_base_url (EmuFixture * f)
{
  return f->base_url;
}

const char *
emu_fixture_api_key (EmuFixture * f)
{
  return API_KEY;
}

guint
emu_fixture_port (EmuFixture * f)
{
  return f->port;
}

/* A session per call: callers may use the fixture from any thread.
 * @status: where to put the HTTP status (NULL: anything but 200 aborts). */
static JsonNode *
control_call_full (EmuFixture * f, const char *method, const char *what,
    const char *request_json, guint * status)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (f->control_url, what, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data;

  if (request_json != NULL) {
    g_autoptr (GBytes) bytes = g_bytes_new (request_json,
        strlen (request_json));

    soup_message_set_request_body_from_bytes (msg, "application/json",
        bytes);
  }
  body = soup_session_send_and_read (session, msg, NULL, &error);
  if (body == NULL)
    g_error ("emulator fixture: %s %s failed: %s", method, url,
        error->message);
  if (status != NULL)
    *status = soup_message_get_status (msg);
  else if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    g_error ("emulator fixture: %s %s answered HTTP %u: %.*s", method, url,
        soup_message_get_status (msg), (int) g_bytes_get_size (body),
        (const char *) g_bytes_get_data (body, NULL));
  data = g_bytes_get_data (body, &len);
  if (!json_parser_load_from_data (parser, data, len, &error))
    g_error ("emulator fixture: %s %s: bad JSON: %s", method, url,
        error->message);
  return json_node_ref (json_parser_get_root (parser));
}

static JsonNode *
control_call (EmuFixture * f, const char *method, const char *what)
{
  return control_call_full (f, method, what, NULL, NULL);
}

static JsonArray *
control_array (EmuFixture * f, const char *what)
{
  g_autoptr (JsonNode) root = control_call (f, SOUP_METHOD_GET, what);

  if (!JSON_NODE_HOLDS_ARRAY (root))
    g_error ("emulator fixture: /__emulator/%s is not an array", what);
  return json_array_ref (json_node_get_array (root));
}

JsonArray *
emu_fixture_get_requests (EmuFixture * f)
{
  return control_array (f, "requests");
}

JsonArray *
emu_fixture_get_tasks (EmuFixture * f)
{
  return control_array (f, "tasks");
}

guint
emu_fixture_count_requests (EmuFixture * f, const char *method,
    const char *path_prefix)
{
  g_autoptr (JsonArray) log = emu_fixture_get_requests (f);
  guint i, count = 0;

  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);

    if (method
        && g_strcmp0 (json_object_get_string_member (r, "method"), method))
      continue;
    if (path_prefix && !g_str_has_prefix (json_object_get_string_member (r,
                "path"), path_prefix))
      continue;
    count++;
  }
  return count;
}

void
emu_fixture_add_fault (EmuFixture * f, const char *spec)
{
  g_autoptr (JsonNode) node = json_node_init_string (json_node_alloc (),
      spec);
  g_autofree char *json = json_to_string (node, FALSE);
  g_autoptr (JsonNode) reply = control_call_full (f, SOUP_METHOD_POST,
      "faults", json, NULL);
}

guint
emu_fixture_post_faults (EmuFixture * f, const char *json)
{
  guint status = 0;
  g_autoptr (JsonNode) reply = control_call_full (f, SOUP_METHOD_POST,
      "faults", json, &status);

  return status;
}

JsonArray *
emu_fixture_get_faults (EmuFixture * f)
{
  return control_array (f, "faults");
}

void
emu_fixture_clear_faults (EmuFixture * f)
{
  g_autoptr (JsonNode) reply = control_call (f, SOUP_METHOD_DELETE,
      "faults");
}

JsonObject *
emu_fixture_set_config (EmuFixture * f, const char *json)
{
  g_autoptr (JsonNode) reply = control_call_full (f, SOUP_METHOD_POST,
      "config", json, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (reply))
    g_error ("emulator fixture: /__emulator/config is not an object");
  return json_object_ref (json_node_get_object (reply));
}

void
emu_fixture_reset (EmuFixture * f)
{
  g_autoptr (JsonNode) reply = control_call (f, SOUP_METHOD_POST, "reset");
}

void
emu_fixture_stop (EmuFixture * f)
{
  if (f == NULL)
    return;

  if (emulator_running (f)) {
    gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (5);

    kill (f->pid, SIGTERM);
    while (emulator_running (f) && g_get_monotonic_time () < deadline)
      g_usleep (10 * 1000);
    if (emulator_running (f)) {
      g_printerr ("emulator fixture: emulator ignored SIGTERM; killing it\n");
      kill (f->pid, SIGKILL);
      waitpid (f->pid, NULL, 0);
    }
    g_spawn_close_pid (f->pid);
  }
  if (f->port_file)
    g_unlink (f->port_file);
  if (f->tmp_dir)
    g_rmdir (f->tmp_dir);
  g_free (f->tmp_dir);
  g_free (f->port_file);
  g_free (f->base_url);
  g_free (f->control_url);
  g_free (f);
}

char *
emu_fixture_data_path (const char *name)
{
  return g_build_filename (g_getenv ("WANR2V_TEST_DATA"), name, NULL);
}

void
emu_fixture_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR)
        && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      emu_fixture_remove_tree (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}
