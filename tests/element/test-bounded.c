#define _GNU_SOURCE             /* strcasestr */
/* test-bounded.c: input from the network is bounded, and so are the
 * element's own numbers (docs/failure-model.md, "Bounds").
 *
 * A raw HTTP server on loopback answers the create with a reply that never
 * ends, or announces a gigabyte: the element must refuse it while it
 * streams (or before reading it), with an error naming the limit, and stop
 * reading.  A timeout whose milliseconds do not fit 32 bits must not wrap
 * around to a short one. */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emulator-fixture.h"

/* ---- a hostile server ---------------------------------------------------- */

typedef struct
{
  int listen_fd;
  guint port;
  gboolean announce_huge;       /* Content-Length: 1 GiB, then silence */
  GThread *thread;
  gint connections;
  guint64 sent;                 /* body bytes written */
} Hostile;

/* Reads a request's headers and its Content-Length bytes of body. */
static void
read_request (int fd)
{
  GString *in = g_string_new (NULL);
  char buf[4096];
  const char *end, *cl;
  gsize body = 0;
  gssize n;

  while ((end = strstr (in->str, "\r\n\r\n")) == NULL) {
    n = recv (fd, buf, sizeof (buf), 0);
    if (n <= 0)
      goto out;
    g_string_append_len (in, buf, n);
  }
  cl = strcasestr (in->str, "content-length:");
  if (cl)
    body = g_ascii_strtoull (cl + strlen ("content-length:"), NULL, 10);
  body -= MIN (body, in->len - (end + 4 - in->str));
  while (body > 0 && (n = recv (fd, buf, MIN (sizeof (buf), body), 0)) > 0)
    body -= n;
out:
  g_string_free (in, TRUE);
}

static gpointer
serve (gpointer data)
{
  Hostile *h = data;
  int fd;

  while ((fd = accept (h->listen_fd, NULL, NULL)) >= 0) {
    static const char chunk_head[] = "10000\r\n";
    char *chunk = g_malloc (0x10000);

    g_atomic_int_inc (&h->connections);
    read_request (fd);
    memset (chunk, ' ', 0x10000);
    chunk[0] = '{';
    if (h->announce_huge) {
      const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json"
          "\r\nContent-Length: 1073741824\r\n\r\n{";

      send (fd, head, strlen (head), MSG_NOSIGNAL);
      /* Nothing more: a client that waits for the body hangs. */
      while (recv (fd, chunk, 0x10000, 0) > 0);
    } else {
      const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json"
          "\r\nTransfer-Encoding: chunked\r\n\r\n";

      send (fd, head, strlen (head), MSG_NOSIGNAL);
      /* Until the client hangs up. */
      while (send (fd, chunk_head, strlen (chunk_head), MSG_NOSIGNAL) > 0
          && send (fd, chunk, 0x10000, MSG_NOSIGNAL) == 0x10000
          && send (fd, "\r\n", 2, MSG_NOSIGNAL) == 2)
        h->sent += 0x10000;
    }
    g_free (chunk);
    close (fd);
  }
  return NULL;
}

static Hostile *
hostile_start (gboolean announce_huge)
{
  Hostile *h = g_new0 (Hostile, 1);
  struct sockaddr_in addr = { 0, };
  socklen_t len = sizeof (addr);

  h->announce_huge = announce_huge;
  h->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  fail_unless (h->listen_fd >= 0);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  fail_unless (bind (h->listen_fd, (struct sockaddr *) &addr,
          sizeof (addr)) == 0);
  fail_unless (listen (h->listen_fd, 8) == 0);
  fail_unless (getsockname (h->listen_fd, (struct sockaddr *) &addr,
          &len) == 0);
  h->port = ntohs (addr.sin_port);
  h->thread = g_thread_new ("hostile", serve, h);
  return h;
}

/* Stops the server and frees it; returns how many bytes it sent. */
static guint64
hostile_stop (Hostile * h)
{
  guint64 sent;

  shutdown (h->listen_fd, SHUT_RDWR);
  g_thread_join (h->thread);
  close (h->listen_fd);
  sent = h->sent;
  g_free (h);
  return sent;
}

/* ---- running the element ------------------------------------------------ */

static GstElement *
new_pipeline (const char *base_url, GstElement ** src)
{
  GstElement *pipeline = gst_parse_launch ("wanr2vsrc name=src ! fakesink",
      NULL);
  g_autofree char *red = emu_fixture_data_path ("red.png");
  GValue images = G_VALUE_INIT, item = G_VALUE_INIT;

  fail_unless (pipeline != NULL);
  *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  gst_value_array_init (&images, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, red);
  gst_value_array_append_and_take_value (&images, &item);
  g_object_set_property (G_OBJECT (*src), "images", &images);
  g_value_unset (&images);
  g_object_set (*src, "base-url", base_url, "api-key", "test-key", "prompt",
      "Image 1 waves", "duration", 2, "retries", 0, "request-timeout", 30,
      "cache-policy", 2 /* off */ , "poll-interval", 50, NULL);
  return pipeline;
}

/* Plays until an error or @timeout_s; returns the error (NULL if none). */
static GError *
run_until_error (GstElement * pipeline, double timeout_s, GstClockTime * took)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstClockTime start = gst_util_get_timestamp ();
  GstMessage *msg;
  GError *error = NULL;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, emu_fixture_scaled_ns (timeout_s),
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  if (took)
    *took = gst_util_get_timestamp () - start;
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &error, NULL);
  else if (msg)
    error = g_error_new_literal (GST_CORE_ERROR, 0, "EOS");
  g_clear_pointer (&msg, gst_message_unref);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return error;
}

GST_START_TEST (test_endless_reply)
{
  Hostile *h = hostile_start (FALSE);
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u/api/v1",
      h->port);
  GstElement *src, *pipeline = new_pipeline (base, &src);
  g_autoptr (GError) error = NULL;
  GstClockTime took;
  guint64 sent;

  error = run_until_error (pipeline, 30, &took);
  fail_unless (error != NULL, "no error from an endless reply");
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ), "%s", error->message);
  fail_unless (strstr (error->message, "creating the task") != NULL
      && strstr (error->message, "larger than 4194304 bytes") != NULL, "%s",
      error->message);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  sent = hostile_stop (h);
  /* Read while it streamed: the element stopped after its 4 MiB, leaving
   * what the sockets' buffers hold, not gigabytes. */
  fail_unless (sent < 64 * 1024 * 1024);
  GST_INFO ("the server got to send %" G_GUINT64_FORMAT " bytes in %"
      GST_TIME_FORMAT, sent, GST_TIME_ARGS (took));
}

GST_END_TEST;

GST_START_TEST (test_huge_announced_reply)
{
  Hostile *h = hostile_start (TRUE);
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u/api/v1",
      h->port);
  GstElement *src, *pipeline = new_pipeline (base, &src);
  g_autoptr (GError) error = NULL;
  GstClockTime took;

  error = run_until_error (pipeline, 30, &took);
  fail_unless (error != NULL);
  fail_unless (strstr (error->message, "larger than 4194304 bytes") != NULL,
      "%s", error->message);
  /* Refused on the announcement: not after the 30 s request timeout. */
  fail_unless (took < emu_fixture_scaled_ns (10));
  gst_object_unref (src);
  gst_object_unref (pipeline);
  hostile_stop (h);
}

GST_END_TEST;

/* 4294968 s is 4294968000 ms, which wraps to 704 ms in 32 bits: a task that
 * runs for ever must not time out within seconds. */
GST_START_TEST (test_huge_timeout)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  GstElement *src, *pipeline = new_pipeline (emu_fixture_base_url (emu),
      &src);
  g_autoptr (GError) error = NULL;

  emu_fixture_add_fault (emu, "task:hang");
  g_object_set (src, "timeout", 4294968u, NULL);
  error = run_until_error (pipeline, 3, NULL);
  fail_unless (error == NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          "/api/v1/services"), 1);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static Suite *
bounded_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-bounded");
  TCase *tc = tcase_create ("bounded");

  tcase_set_timeout (tc, 90);
  tcase_add_test (tc, test_endless_reply);
  tcase_add_test (tc, test_huge_announced_reply);
  tcase_add_test (tc, test_huge_timeout);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (bounded);
