/* emu-test-util.c: helpers for the emulator's protocol tests. */
#include "emu-test-util.h"

#include <gio/gio.h>
#include <string.h>

void
emu_reply_free (EmuReply * reply)
{
  if (reply == NULL)
    return;
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->json, json_node_unref);
  g_free (reply);
}

EmuReply *
emu_http (const char *method, const char *url, const char *const *headers,
    const char *body, const char *content_type)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  EmuReply *reply;
  gsize len;
  const char *data;
  guint i;

  g_assert_nonnull (msg);
  for (i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_append (soup_message_get_request_headers (msg),
        headers[i], headers[i + 1]);
  if (body != NULL) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg,
        content_type ? content_type : "application/json", bytes);
  }

  reply = g_new0 (EmuReply, 1);
  reply->body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (msg);
  reply->headers =
      soup_message_headers_ref (soup_message_get_response_headers (msg));
  data = g_bytes_get_data (reply->body, &len);
  if (len > 0 && json_parser_load_from_data (parser, data, len, NULL))
    reply->json = json_node_ref (json_parser_get_root (parser));
  return reply;
}

void
emu_raw_reply_free (EmuRawReply * reply)
{
  if (reply == NULL)
    return;
  g_clear_pointer (&reply->headers, soup_message_headers_unref);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}

EmuRawReply *
emu_raw_request (const char *method, const char *url,
    const char *const *headers, const char *body)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) request = g_string_new (NULL);
  g_autoptr (GByteArray) received = g_byte_array_new ();
  EmuRawReply *reply = g_new0 (EmuRawReply, 1);
  GInputStream *in;
  gint64 start;
  guint8 buf[65536];
  guint i;
  const guint8 *end_of_headers = NULL;

  g_assert_nonnull (uri);
  g_socket_client_set_timeout (client, 30);
  conn = g_socket_client_connect_to_host (client, g_uri_get_host (uri),
      g_uri_get_port (uri), NULL, &error);
  g_assert_no_error (error);

  g_string_append_printf (request, "%s %s%s%s HTTP/1.1\r\nHost: %s:%d\r\n"
      "Connection: close\r\n", method, g_uri_get_path (uri),
      g_uri_get_query (uri) ? "?" : "",
      g_uri_get_query (uri) ? g_uri_get_query (uri) : "",
      g_uri_get_host (uri), g_uri_get_port (uri));
  for (i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    g_string_append_printf (request, "%s: %s\r\n", headers[i],
        headers[i + 1]);
  if (body != NULL)
    g_string_append_printf (request, "Content-Type: application/json\r\n"
        "Content-Length: %" G_GSIZE_FORMAT "\r\n", strlen (body));
  g_string_append (request, "\r\n");
  if (body != NULL)
    g_string_append (request, body);

  start = g_get_monotonic_time ();
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM
          (conn)), request->str, request->len, NULL, NULL, &error);
  g_assert_no_error (error);

  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  for (;;) {
    gssize n = g_input_stream_read (in, buf, sizeof (buf), NULL, &error);

    if (n == 0) {
      reply->end = EMU_RAW_EOF;
      break;
    }
    if (n < 0) {
      /* ECONNRESET; anything else is the test's problem. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        g_error ("reading %s: %s", url, error->message);
      reply->end = EMU_RAW_RESET;
      break;
    }
    g_byte_array_append (received, buf, n);
  }
  reply->elapsed_us = g_get_monotonic_time () - start;

  /* Headers hold no NUL: the search may stop at one in the body. */
  if (received->len >= 4)
    end_of_headers = (const guint8 *) g_strstr_len ((const char *)
        received->data, received->len, "\r\n\r\n");
  if (end_of_headers != NULL) {
    gsize header_len = end_of_headers + 4 - received->data;

    reply->headers = soup_message_headers_new
        (SOUP_MESSAGE_HEADERS_RESPONSE);
    reply->got_headers = soup_headers_parse_response ((const char *)
        received->data, header_len, reply->headers, NULL, &reply->status,
        NULL);
    reply->body = g_bytes_new (received->data + header_len,
        received->len - header_len);
  } else {
    reply->body = g_bytes_new (received->data, received->len);
  }
  return reply;
}

gint64
emu_raw_content_length (EmuRawReply * reply)
{
  if (reply->headers == NULL
      || soup_message_headers_get_encoding (reply->headers) !=
      SOUP_ENCODING_CONTENT_LENGTH)
    return -1;
  return soup_message_headers_get_content_length (reply->headers);
}

char **
emu_api_headers (EmuFixture * f)
{
  char **headers = g_new0 (char *, 5);

  headers[0] = g_strdup ("Authorization");
  headers[1] = g_strdup_printf ("Bearer %s", emu_fixture_api_key (f));
  headers[2] = g_strdup ("X-DashScope-Async");
  headers[3] = g_strdup ("enable");
  return headers;
}

char *
emu_render_one (EmuFixture * f)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (f, body);
  g_autoptr (EmuReply) done = emu_wait_status (f, id, "SUCCEEDED");
  JsonObject *output = json_object_get_object_member (emu_reply_object
      (done), "output");

  return g_strdup (json_object_get_string_member (output, "video_url"));
}

JsonObject *
emu_last_request (EmuFixture * f, const char *method, const char *path_prefix)
{
  g_autoptr (JsonArray) log = emu_fixture_get_requests (f);
  guint i = json_array_get_length (log);

  while (i-- > 0) {
    JsonObject *r = json_array_get_object_element (log, i);

    if (method && g_strcmp0 (json_object_get_string_member (r, "method"),
            method) != 0)
      continue;
    if (g_str_has_prefix (json_object_get_string_member (r, "path"),
            path_prefix))
      return json_object_ref (r);
  }
  g_error ("no %s %s* request in the log", method ? method : "",
      path_prefix);
}

JsonObject *
emu_reply_object (EmuReply * reply)
{
  g_assert_nonnull (reply->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->json));
  return json_node_get_object (reply->json);
}

const char *
emu_reply_string (EmuReply * reply, const char *member)
{
  JsonObject *obj = emu_reply_object (reply);

  g_assert_true (json_object_has_member (obj, member));
  return json_object_get_string_member (obj, member);
}

EmuReply *
emu_api (EmuFixture * f, const char *method, const char *path,
    const char *body)
{
  g_autofree char *url = g_strconcat (emu_fixture_base_url (f), path, NULL);
  g_autofree char *auth = g_strdup_printf ("Bearer %s",
      emu_fixture_api_key (f));
  const char *headers[] = {
    "Authorization", auth, "X-DashScope-Async", "enable", NULL
  };

  return emu_http (method, url, headers, body, NULL);
}

char *
emu_create_task (EmuFixture * f, const char *body)
{
  g_autoptr (EmuReply) reply = emu_api (f, "POST",
      "/services/aigc/video-generation/video-synthesis", body);
  JsonObject *output;

  if (reply->status != 200)
    g_error ("create failed: HTTP %u: %.*s", reply->status,
        (int) g_bytes_get_size (reply->body),
        (const char *) g_bytes_get_data (reply->body, NULL));
  output = json_object_get_object_member (emu_reply_object (reply), "output");
  g_assert_cmpstr (json_object_get_string_member (output, "task_status"), ==,
      "PENDING");
  return g_strdup (json_object_get_string_member (output, "task_id"));
}

EmuReply *
emu_wait_status (EmuFixture * f, const char *task_id, const char *status)
{
  g_autofree char *path = g_strdup_printf ("/tasks/%s", task_id);
  gint64 deadline = g_get_monotonic_time () + emu_fixture_scaled_us (8);

  for (;;) {
    EmuReply *reply = emu_api (f, "GET", path, NULL);
    JsonObject *output;
    const char *now;

    g_assert_cmpuint (reply->status, ==, 200);
    output = json_object_get_object_member (emu_reply_object (reply),
        "output");
    now = json_object_get_string_member (output, "task_status");
    if (g_strcmp0 (now, status) == 0)
      return reply;
    if (g_get_monotonic_time () > deadline) {
      g_autofree char *text = json_to_string (reply->json, FALSE);

      g_error ("task %s never reached %s; last reply: %s", task_id, status,
          text);
    }
    emu_reply_free (reply);
    g_usleep (20 * 1000);
  }
}

char *
emu_data_uri (const char *name, const char *mime)
{
  g_autofree char *path = g_build_filename (g_getenv ("WANR2V_TEST_DATA"),
      name, NULL);
  g_autofree char *data = NULL;
  g_autofree char *b64 = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  b64 = g_base64_encode ((const guchar *) data, len);
  return g_strdup_printf ("data:%s;base64,%s", mime, b64);
}

char *
emu_simple_body (const char *model, const char *params_json)
{
  g_autofree char *image = emu_data_uri ("red.png", "image/png");

  return g_strdup_printf ("{\"model\":\"%s\",\"input\":{\"prompt\":"
      "\"Image 1 waves at the camera\",\"media\":[{\"type\":"
      "\"reference_image\",\"url\":\"%s\"}]},\"parameters\":%s}", model,
      image, params_json ? params_json : "{}");
}

gboolean
emu_is_task_time (const char *text)
{
  return text != NULL && g_regex_match_simple
      ("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}$",
      text, 0, 0);
}

/* ---- a loopback file server in its own thread */

static void
serve_file (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  g_autofree char *file = NULL;
  char *data = NULL;
  gsize len;

  if (strstr (path, "..") != NULL) {
    soup_server_message_set_status (msg, 404, NULL);
    return;
  }
  file = g_build_filename (g_getenv ("WANR2V_TEST_DATA"), path, NULL);
  if (!g_file_get_contents (file, &data, &len, NULL)) {
    soup_server_message_set_status (msg, 404, NULL);
    return;
  }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/octet-stream",
      SOUP_MEMORY_TAKE, data, len);
}

static char *file_server_url;
static GMutex file_server_lock;
static GCond file_server_cond;

static gpointer
file_server_thread (gpointer data)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (SoupServer) server = NULL;
  g_autoptr (GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, serve_file, NULL, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);

  g_mutex_lock (&file_server_lock);
  file_server_url = g_uri_to_string (uris->data);
  g_cond_signal (&file_server_cond);
  g_mutex_unlock (&file_server_lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  loop = g_main_loop_new (context, FALSE);
  g_main_loop_run (loop);       /* until the test process exits */
  return NULL;
}

const char *
emu_test_file_server (void)
{
  g_mutex_lock (&file_server_lock);
  if (file_server_url == NULL) {
    g_thread_unref (g_thread_new ("file-server", file_server_thread, NULL));
    while (file_server_url == NULL)
      g_cond_wait (&file_server_cond, &file_server_lock);
  }
  g_mutex_unlock (&file_server_lock);
  return file_server_url;
}

guint32
read_be32 (const void *p)
{
  guint32 v;

  memcpy (&v, p, sizeof (v));
  return GUINT32_FROM_BE (v);
}

guint64
read_be64 (const void *p)
{
  guint64 v;

  memcpy (&v, p, sizeof (v));
  return GUINT64_FROM_BE (v);
}
