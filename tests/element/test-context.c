/* test-context.c: the HTTP thread through a GstContext, and its life.
 *
 * An application answers the element's NEED_CONTEXT ("wanr2v.http") with a
 * user agent of its own: the requests on the wire carry it, and the element
 * posts the thread it made for it (HAVE_CONTEXT, field "http") so that
 * other elements can share it.  Without a context the element uses the
 * process's shared thread, which is gone a little after the last pipeline
 * (WANR2V_HTTP_LINGER_MS). */
#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>
#include <string.h>

#include "emulator-fixture.h"

#define LINGER_MS 2000          /* WANR2V_HTTP_LINGER_MS */

/* ---- a server that records the User-Agent and refuses everything -------- */

static GMutex seen_lock;
static char *seen_user_agent;
static guint seen_requests;
static guint server_port;
static GMainLoop *server_loop;

static void
on_request (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  const char *body = "{\"code\":\"InvalidParameter\","
      "\"message\":\"refused by the test\",\"request_id\":\"test\"}";
  const char *agent =
      soup_message_headers_get_one (soup_server_message_get_request_headers
      (msg), "User-Agent");

  g_mutex_lock (&seen_lock);
  g_free (seen_user_agent);
  seen_user_agent = g_strdup (agent);
  seen_requests++;
  g_mutex_unlock (&seen_lock);
  soup_server_message_set_status (msg, 400, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
      body, strlen (body));
}

static gpointer
serve (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  SoupServer *server;
  GSList *uris;

  g_main_context_push_thread_default (context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, on_request, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0,
          SOUP_SERVER_LISTEN_IPV4_ONLY, NULL));
  uris = soup_server_get_uris (server);
  g_atomic_int_set (&server_port, g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  server_loop = g_main_loop_new (context, FALSE);
  g_main_loop_run (server_loop);
  return NULL;
}

static void
start_server (void)
{
  g_atomic_int_set (&server_port, 0);
  g_thread_new ("test-server", serve, NULL);
  while (g_atomic_int_get (&server_port) == 0)
    g_usleep (1000);
}

/* ---- helpers ------------------------------------------------------------- */

/* Threads of this process named wanr2v-http. */
static guint
count_http_threads (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  guint n = 0;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/comm", name);
    g_autofree char *comm = NULL;

    if (g_file_get_contents (path, &comm, NULL, NULL)
        && g_str_has_prefix (comm, "wanr2v-http"))
      n++;
  }
  return n;
}

static gboolean
wait_no_http_thread (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (count_http_threads () > 0 && g_get_monotonic_time () < end)
    g_usleep (20000);
  return count_http_threads () == 0;
}

static const char *app_user_agent;
static gboolean have_context_with_http;

static GstBusSyncReply
answer_context (GstBus * bus, GstMessage * msg, gpointer data)
{
  const char *type = NULL;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_NEED_CONTEXT
      && gst_message_parse_context_type (msg, &type)
      && strcmp (type, "wanr2v.http") == 0 && app_user_agent) {
    GstContext *context = gst_context_new ("wanr2v.http", TRUE);

    gst_structure_set (gst_context_writable_structure (context),
        "user-agent", G_TYPE_STRING, app_user_agent, NULL);
    gst_element_set_context (GST_ELEMENT (GST_MESSAGE_SRC (msg)), context);
    gst_context_unref (context);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_HAVE_CONTEXT) {
    GstContext *context = NULL;

    gst_message_parse_have_context (msg, &context);
    if (strcmp (gst_context_get_context_type (context), "wanr2v.http") == 0
        && gst_structure_has_field (gst_context_get_structure (context),
            "http"))
      have_context_with_http = TRUE;
    gst_context_unref (context);
  }
  return GST_BUS_PASS;
}

/* Runs a request the server refuses; returns the User-Agent it saw. */
static char *
run_refused (void)
{
  g_autofree char *red = emu_fixture_data_path ("red.png");
  g_autofree char *cache = g_dir_make_tmp ("wanr2v-context-XXXXXX", NULL);
  g_autofree char *desc = g_strdup_printf ("wanr2vsrc "
      "base-url=http://127.0.0.1:%u/api/v1 api-key=sk-test prompt=context "
      "images=\"<%s>\" cache-dir=%s retries=0 ! fakesink", server_port, red,
      cache);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  char *agent;

  g_mutex_lock (&seen_lock);
  g_clear_pointer (&seen_user_agent, g_free);
  g_mutex_unlock (&seen_lock);
  have_context_with_http = FALSE;
  gst_bus_set_sync_handler (bus, answer_context, NULL, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    GST_INFO ("error: %s", err->message);
    g_error_free (err);
  }
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
      "the refused create did not end in an error");
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);

  g_mutex_lock (&seen_lock);
  agent = g_strdup (seen_user_agent);
  g_mutex_unlock (&seen_lock);
  return agent;
}

/* ---- tests --------------------------------------------------------------- */

GST_START_TEST (test_application_user_agent)
{
  g_autofree char *agent = NULL;

  app_user_agent = "context-test/1.0";
  agent = run_refused ();
  app_user_agent = NULL;
  fail_unless (agent != NULL, "no request reached the server");
  fail_unless_equals_string (agent, "context-test/1.0");
  fail_unless (have_context_with_http,
      "the element did not share the thread it made (HAVE_CONTEXT)");
  /* A thread of the pipeline's own does not linger. */
  fail_unless (wait_no_http_thread (1000),
      "the pipeline's own HTTP thread outlived it");
}

GST_END_TEST;

GST_START_TEST (test_default_thread_lifetime)
{
  g_autofree char *agent = run_refused ();

  fail_unless (agent != NULL && g_str_has_prefix (agent, "wanr2vsrc/"),
      "without a context, the User-Agent is %s", GST_STR_NULL (agent));
  fail_if (have_context_with_http, "the shared thread was posted");
  /* The shared thread waits for another pipeline a little, then goes. */
  fail_unless (wait_no_http_thread (LINGER_MS + 3000),
      "the shared HTTP thread still runs with no pipeline");
}

GST_END_TEST;

static Suite *
context_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-context");
  TCase *tc = tcase_create ("context");

  tcase_set_timeout (tc, 60);
  /* Checked: each test runs in a child process, and so must its server. */
  tcase_add_checked_fixture (tc, start_server, NULL);
  tcase_add_test (tc, test_application_user_agent);
  tcase_add_test (tc, test_default_thread_lifetime);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (context);
