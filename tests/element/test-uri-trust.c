/* test-uri-trust.c: what a wanr2v:// URI from someone else can make
 * wanr2vsrc do (docs/element.md, "What a URI can do").
 *
 * The user's key is in the environment and DASHSCOPE_HTTP_BASE_URL names
 * the (emulated) service, as on a real desktop.  playbin then opens hostile
 * URIs, each of which tries to send the key elsewhere or to read or write
 * local files.  Each must end in its documented RESOURCE/SETTINGS error,
 * with no connection to the listener on another loopback port, no request
 * to the service, and no file of the probe directory opened (watched with
 * inotify, which sees every open(2), whatever the mount's atime options). */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emulator-fixture.h"

static EmuFixture *emu;
static char *tmp_dir;
static char *probe_dir;         /* watched: nothing in it may be opened */
static char *probe_image;       /* a real PNG, so a leak would succeed */
static int inotify_fd = -1;
static int listener_fd = -1;    /* the attacker's port */
static guint listener_port;

static void
setup (void)
{
  g_autofree char *red = emu_fixture_data_path ("red.png");
  g_autofree char *contents = NULL;
  g_autofree char *request = NULL;
  struct sockaddr_in addr = { 0, };
  socklen_t len = sizeof (addr);
  gsize length;

  emu = emu_fixture_start (NULL);
  g_setenv ("DASHSCOPE_API_KEY", "test-key", TRUE);
  g_setenv ("DASHSCOPE_HTTP_BASE_URL", emu_fixture_base_url (emu), TRUE);

  tmp_dir = g_dir_make_tmp ("wanr2v-trust-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
  probe_dir = g_build_filename (tmp_dir, "probe", NULL);
  fail_unless (g_mkdir (probe_dir, 0700) == 0);
  probe_image = g_build_filename (probe_dir, "girl.png", NULL);
  fail_unless (g_file_get_contents (red, &contents, &length, NULL));
  fail_unless (g_file_set_contents (probe_image, contents, length, NULL));
  request = g_build_filename (probe_dir, "request.json", NULL);
  fail_unless (g_file_set_contents (request, "{\"model\":\"wan2.7-r2v\","
          "\"input\":{\"prompt\":\"x\",\"media\":[{\"type\":"
          "\"reference_image\",\"url\":\"https://example.com/a.png\"}]}}",
          -1, NULL));

  /* Watching the directory reports every open of it and of any file in it,
   * and every file made in it. */
  inotify_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  fail_unless (inotify_fd >= 0);
  fail_unless (inotify_add_watch (inotify_fd, probe_dir, IN_OPEN | IN_ACCESS
          | IN_CREATE | IN_MODIFY) >= 0);

  /* Connections complete in the kernel's backlog without accept(), so
   * counting them afterwards misses none. */
  listener_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
      0);
  fail_unless (listener_fd >= 0);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (listener_fd, (struct sockaddr *) &addr,
          sizeof (addr)) == 0);
  fail_unless (listen (listener_fd, 64) == 0);
  fail_unless (getsockname (listener_fd, (struct sockaddr *) &addr,
          &len) == 0);
  listener_port = ntohs (addr.sin_port);
}

static void
teardown (void)
{
  g_unsetenv ("DASHSCOPE_API_KEY");
  g_unsetenv ("DASHSCOPE_HTTP_BASE_URL");
  close (inotify_fd);
  close (listener_fd);
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
  g_clear_pointer (&probe_dir, g_free);
  g_clear_pointer (&probe_image, g_free);
  g_clear_pointer (&emu, emu_fixture_stop);
}

/* Connections the listener received since the last call. */
static guint
take_connections (void)
{
  guint n = 0;
  int fd;

  while ((fd = accept (listener_fd, NULL, NULL)) >= 0) {
    close (fd);
    n++;
  }
  fail_unless (errno == EAGAIN || errno == EWOULDBLOCK, "accept: %s",
      g_strerror (errno));
  return n;
}

/* inotify events on the probe directory since the last call. */
static guint
take_file_events (void)
{
  char buf[4096] __attribute__((aligned (__alignof__ (struct inotify_event))));
  guint n = 0;
  ssize_t len;

  while ((len = read (inotify_fd, buf, sizeof (buf))) > 0) {
    char *p;

    for (p = buf; p < buf + len;) {
      struct inotify_event *ev = (struct inotify_event *) p;

      GST_INFO ("probe directory: mask 0x%x on %s", ev->mask,
          ev->len ? ev->name : "(the directory)");
      n++;
      p += sizeof (struct inotify_event) + ev->len;
    }
  }
  return n;
}

static char *
escape (const char *s)
{
  return g_uri_escape_string (s, NULL, FALSE);
}

/* Plays @uri with playbin (after @setup_cb ran as its source-setup
 * handler, when given) and returns its error, or NULL after EOS. */
static GError *
play_uri (const char *uri, GCallback setup_cb, gpointer data)
{
  GstElement *playbin = gst_element_factory_make ("playbin", NULL);
  GstElement *vsink = gst_element_factory_make ("fakesink", NULL);
  GstElement *asink = gst_element_factory_make ("fakesink", NULL);
  GstBus *bus;
  GstMessage *msg;
  GError *error = NULL;
  char *debug = NULL;

  fail_unless (playbin != NULL);
  g_object_set (vsink, "sync", FALSE, NULL);
  g_object_set (asink, "sync", FALSE, NULL);
  g_object_set (playbin, "uri", uri, "video-sink", vsink, "audio-sink",
      asink, NULL);
  if (setup_cb)
    g_signal_connect (playbin, "source-setup", setup_cb, data);
  bus = gst_element_get_bus (playbin);
  gst_element_set_state (playbin, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, emu_fixture_scaled_ns (60),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "%s: no error or EOS", uri);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (msg, &error, &debug);
    fail_unless (g_str_has_prefix (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
            "source"), "%s: the error came from %s: %s", uri,
        GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), error->message);
  }
  gst_message_unref (msg);
  gst_element_set_state (playbin, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (playbin);
  g_free (debug);
  return error;
}

typedef struct
{
  const char *what;
  char *uri;
  const char *mention;          /* the parameter the error names */
  const char *how;              /* and how the application can allow it */
} Hostile;

GST_START_TEST (test_hostile_uris)
{
  g_autofree char *e_probe = escape (probe_image);
  g_autofree char *file_uri = g_filename_to_uri (probe_image, NULL, NULL);
  g_autofree char *e_file = escape (file_uri);
  g_autofree char *cache = g_build_filename (probe_dir, "cache", NULL);
  g_autofree char *e_cache = escape (cache);
  g_autofree char *request = g_build_filename (probe_dir, "request.json",
      NULL);
  g_autofree char *e_request = escape (request);
  g_autofree char *evil = g_strdup_printf ("http://127.0.0.1:%u/api/v1",
      listener_port);
  g_autofree char *e_evil = escape (evil);
  const char *remote = "images=https%3A%2F%2Fexample.com%2Fa.png";
  Hostile table[] = {
    {"base-url", g_strdup_printf ("wanr2v://generate?prompt=x&%s"
              "&base-url=%s", remote, e_evil), "base-url",
        "DASHSCOPE_HTTP_BASE_URL"},
    {"base_url, GObject's other spelling",
          g_strdup_printf ("wanr2v://generate?prompt=x&%s&base_url=%s",
              remote, e_evil), "base-url", "DASHSCOPE_HTTP_BASE_URL"},
    {"base-url on a task URI", g_strdup_printf ("wanr2v://task/abc"
              "?base-url=%s", e_evil), "base-url", "source-setup"},
    {"allow-insecure", g_strdup_printf ("wanr2v://generate?prompt=x&%s"
              "&allow-insecure=true", remote), "allow-insecure",
        "source-setup"},
    {"local image", g_strdup_printf ("wanr2v://generate?prompt=x"
              "&images=%s", e_probe), "images[0]", "allow-local-files=true"},
    {"local image, second entry", g_strdup_printf ("wanr2v://generate"
              "?prompt=x&%s&images=%s", remote, e_probe), "images[1]",
        "allow-local-files=true"},
    {"file:// voice", g_strdup_printf ("wanr2v://generate?prompt=x&%s"
              "&image-voices=%s", remote, e_file), "image-voices[0]",
        "allow-local-files=true"},
    {"file:// video", g_strdup_printf ("wanr2v://generate?prompt=x"
              "&videos=%s", e_file), "videos[0]", "allow-local-files=true"},
    {"local first frame", g_strdup_printf ("wanr2v://generate?prompt=x&%s"
              "&first-frame=%s", remote, e_probe), "first-frame from",
        "allow-local-files=true"},
    {"the URI opting itself in", g_strdup_printf ("wanr2v://generate"
              "?prompt=x&images=%s&allow-local-files=true", e_probe),
        "allow-local-files", "source-setup"},
    {"cache-dir", g_strdup_printf ("wanr2v://generate?prompt=x&%s"
              "&cache-dir=%s", remote, e_cache), "cache-dir", "source-setup"},
    {"request", g_strdup_printf ("wanr2v://generate?request=%s",
              e_request), "request", "source-setup"},
    {"timeout", g_strdup_printf ("wanr2v://generate?prompt=x&%s&timeout=0",
              remote), "timeout", "source-setup"},
  };
  g_autoptr (JsonArray) log = NULL;
  guint i;

  take_file_events ();
  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    g_autoptr (GError) error = play_uri (table[i].uri, NULL, NULL);

    fail_unless (error != NULL, "%s: %s played", table[i].what,
        table[i].uri);
    fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_SETTINGS), "%s: %s %d: %s", table[i].what,
        g_quark_to_string (error->domain), error->code, error->message);
    fail_unless (strstr (error->message, table[i].mention) != NULL
        && strstr (error->message, table[i].how) != NULL
        && strstr (error->message, "wanr2v:// URI") != NULL,
        "%s: the error does not name %s and say %s: %s", table[i].what,
        table[i].mention, table[i].how, error->message);
    fail_if (strstr (error->message, "test-key") != NULL);
    fail_unless_equals_int (take_connections (), 0);
    fail_unless_equals_int (take_file_events (), 0);
    g_free (table[i].uri);
  }
  fail_if (g_file_test (cache, G_FILE_TEST_EXISTS));

  /* Nothing reached the service either. */
  log = emu_fixture_get_requests (emu);
  fail_unless_equals_int (json_array_get_length (log), 0);

  /* The watch does see an open: it would have caught one above. */
  {
    int fd = g_open (probe_image, O_RDONLY, 0);

    fail_unless (fd >= 0);
    close (fd);
    fail_unless (take_file_events () > 0, "inotify saw no open");
  }
}

GST_END_TEST;

/* An application that calls set_uri itself and goes on after it failed:
 * what the URI set before its bad parameter is still the URI's. */
GST_START_TEST (test_refused_uri_half_applied)
{
  g_autofree char *e_probe = escape (probe_image);
  g_autofree char *uri = g_strdup_printf ("wanr2v://generate?prompt=x"
      "&images=https%%3A%%2F%%2Fexample.com%%2Fa.png&first-frame=%s"
      "&duration=99", e_probe);
  GstElement *pipeline = gst_parse_launch ("wanr2vsrc name=src ! fakesink",
      NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_autoptr (GError) error = NULL;
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), uri, &error));
  g_clear_error (&error);
  g_object_set (src, "duration", 5, NULL);
  take_file_events ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, emu_fixture_scaled_ns (30),
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "%s", error->message);
  fail_unless (strstr (error->message, "first-frame from a wanr2v:// URI")
      != NULL, "%s", error->message);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (take_file_events (), 0);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* ---- what the application allows from source-setup ---------------------- */

static void
allow_local_files (GstElement * bin, GstElement * source, gpointer data)
{
  g_object_set (source, "allow-local-files", TRUE, "poll-interval", 50,
      "cache-dir", tmp_dir, NULL);
}

static void
set_base_url (GstElement * bin, GstElement * source, gpointer data)
{
  g_object_set (source, "base-url", emu_fixture_base_url (emu),
      "poll-interval", 50, "cache-dir", tmp_dir, NULL);
}

static guint
count_creates_with_key (void)
{
  g_autoptr (JsonArray) log = emu_fixture_get_requests (emu);
  guint i, n = 0;

  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);
    JsonObject *headers = json_object_get_object_member (r, "headers");

    if (g_str_has_suffix (json_object_get_string_member (r, "path"),
            "/video-synthesis")) {
      fail_unless_equals_string (json_object_get_string_member (headers,
              "authorization"), "Bearer test-key");
      n++;
    }
  }
  return n;
}

GST_START_TEST (test_source_setup_opt_in)
{
  g_autofree char *e_probe = escape (probe_image);
  g_autofree char *local = g_strdup_printf ("wanr2v://generate"
      "?prompt=Image%%201%%20waves&images=%s&duration=2&resolution=720P",
      e_probe);
  g_autofree char *evil = g_strdup_printf ("http://127.0.0.1:%u/api/v1",
      listener_port);
  g_autofree char *e_evil = escape (evil);
  g_autofree char *with_base = g_strdup_printf ("%s&base-url=%s", local,
      e_evil);
  GError *error;

  /* Local files: refused, then allowed by the application. */
  error = play_uri (local, NULL, NULL);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  g_clear_error (&error);
  fail_unless_equals_int (take_file_events (), 0);
  error = play_uri (local, G_CALLBACK (allow_local_files), NULL);
  fail_unless (error == NULL, "%s", error ? error->message : "");
  fail_unless (take_file_events () > 0, "the allowed file was not read");
  fail_unless_equals_int (count_creates_with_key (), 1);

  /* base-url: the application's own choice wins over the URI's (which is
   * then forgotten), and the key goes there only. */
  error = play_uri (with_base, G_CALLBACK (allow_local_files), NULL);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (error->message, "base-url") != NULL, "%s",
      error->message);
  g_clear_error (&error);
  error = play_uri (with_base, G_CALLBACK (set_base_url), NULL);
  /* The local image is still not allowed: base-url was the only opt-in. */
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (error->message, "images[0]") != NULL, "%s",
      error->message);
  g_clear_error (&error);
  fail_unless_equals_int (take_connections (), 0);
  fail_unless_equals_int (count_creates_with_key (), 1);
}

GST_END_TEST;

static Suite *
uri_trust_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-uri-trust");
  TCase *tc = tcase_create ("trust");

  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_hostile_uris);
  tcase_add_test (tc, test_refused_uri_half_applied);
  tcase_add_test (tc, test_source_setup_opt_in);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (uri_trust);
