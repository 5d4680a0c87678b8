/* emu-server.c: the emulator's two HTTP listeners: routing, authentication,
 * the request log and the control endpoints. */
#include "emu-server-private.h"

#include "emu-common.h"
#include "emu-generate.h"
#include "emu-mp4-pad.h"
#include "emu-read-pace.h"
#include "emu-wire.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#define API_PREFIX "/api/v1"
#define CONTROL_PREFIX "/__emulator/"

void
emu_server_reply_json (SoupServerMessage * msg, guint status,
    JsonNode * body, const char *request_id)
{
  char *text = emu_json_to_string (body);

  json_node_unref (body);
  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "x-request-id", request_id);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_TAKE, text, strlen (text));
}

void
emu_server_reply_error (SoupServerMessage * msg, guint status,
    const char *code, const char *message, const char *request_id)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "request_id");
  json_builder_add_string_value (b, request_id);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  emu_server_reply_json (msg, status, json_builder_get_root (b), request_id);
}

/* ---- faults */

const EmuFault *
emu_server_take_fault (EmuServer * server, SoupServerMessage * msg,
    EmuFaultTarget target, gboolean has_range)
{
  const EmuFault *fault = emu_faults_take (server->faults, target,
      has_range);
  g_autofree char *name = NULL;

  if (fault == NULL)
    return NULL;
  name = emu_fault_name (fault);
  emu_request_log_note (msg, "fault", name);
  emu_request_log_note_int (msg, "fault_id", fault->id);
  if (server->config.verbose)
    g_printerr ("wanr2v-emulator: fault %u fires: %s\n", fault->id, name);
  return fault;
}

gboolean
emu_server_fault_preempts (SoupServerMessage * msg, const EmuFault * fault,
    const char *request_id)
{
  const char *code, *message;

  if (fault == NULL)
    return FALSE;
  switch (fault->kind) {
    case EMU_FAULT_STATUS:
      emu_fault_error_text (fault, request_id == NULL, &code, &message);
      if (request_id != NULL)
        emu_server_reply_error (msg, fault->status, code, message,
            request_id);
      else
        emu_oss_reply_error (msg, fault->status, code, message, NULL);
      return TRUE;
    case EMU_FAULT_RESET:
      emu_wire_drop (msg, EMU_WIRE_RESET);
      return TRUE;
    default:
      return FALSE;
  }
}

void
emu_server_fault_finish (SoupServerMessage * msg, const EmuFault * fault)
{
  if (fault == NULL)
    return;
  if (fault->kind == EMU_FAULT_DELAY)
    emu_wire_hold (msg, fault->value);
  else if (fault->kind == EMU_FAULT_DROP)
    emu_wire_drop (msg, EMU_WIRE_CLOSE);
}

/* ---- authentication */

static gboolean
check_api_key (EmuServer * server, SoupServerMessage * msg,
    const char *request_id)
{
  const char *auth = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Authorization");
  const char *key;

  if (auth == NULL || *auth == '\0') {
    emu_server_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "InvalidApiKey",
        "No API-key provided.", request_id);
    return FALSE;
  }
  key = auth;
  if (g_ascii_strncasecmp (auth, "Bearer", 6) == 0
      && (auth[6] == ' ' || auth[6] == '\0'))
    key = auth + 6;
  while (*key == ' ')
    key++;
  if (*key == '\0') {
    emu_server_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "InvalidApiKey",
        "No API-key provided.", request_id);
    return FALSE;
  }
  if (strcmp (key, server->config.api_key) != 0) {
    emu_server_reply_error (msg, SOUP_STATUS_UNAUTHORIZED, "InvalidApiKey",
        "Invalid API-key provided.", request_id);
    return FALSE;
  }
  return TRUE;
}

/* ---- the API listener */

static JsonNode *
parse_body (SoupServerMessage * msg, GError ** error)
{
  g_autoptr (GBytes) body = soup_message_body_flatten
      (soup_server_message_get_request_body (msg));
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  if (!json_parser_load_from_data (parser, data ? data : "", len, error))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

static JsonNode *
config_to_json (EmuServer * server)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *pending = emu_task_store_describe_timing (server->tasks,
      FALSE);
  g_autofree char *running = emu_task_store_describe_timing (server->tasks,
      TRUE);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "download_rate");
  json_builder_add_int_value (b, server->download_rate);
  json_builder_set_member_name (b, "upload_rate");
  json_builder_add_int_value (b, server->upload_rate);
  json_builder_set_member_name (b, "pending_dist");
  json_builder_add_string_value (b, pending);
  json_builder_set_member_name (b, "running_dist");
  json_builder_add_string_value (b, running);
  json_builder_set_member_name (b, "strict_references");
  json_builder_add_boolean_value (b, server->config.strict_references);
  json_builder_set_member_name (b, "extra_billed_seconds");
  json_builder_add_int_value (b, server->config.extra_billed_s);
  json_builder_set_member_name (b, "max_in_progress");
  json_builder_add_int_value (b, server->config.max_in_progress);
  json_builder_set_member_name (b, "over_limit");
  json_builder_add_string_value (b, server->config.queue_over_limit ?
      "queue" : "refuse");
  json_builder_set_member_name (b, "result_size");
  json_builder_add_int_value (b, server->config.result_size);
  json_builder_set_member_name (b, "result_file");
  if (server->result_file)
    json_builder_add_string_value (b, server->result_file);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* {"download_rate": N, "upload_rate": N, "pending_dist": "...",
 * "running_dist": "...", "seed": N, "strict_references": B,
 * "max_in_progress": N, "over_limit": "refuse"|"queue"}, every member
 * optional; all or nothing. */
static gboolean
update_config (EmuServer * server, JsonNode * root, GError ** error)
{
  JsonObject *o;
  g_autoptr (EmuDist) pending = NULL;
  g_autoptr (EmuDist) running = NULL;
  JsonNode *node;
  gint64 rate = -1, upload_rate = -1, seed = -1;
  gint strict = -1, queue = -1;
  gint64 max = -1, extra = -1;

  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "the config is a JSON object");
    return FALSE;
  }
  o = json_node_get_object (root);
  if ((node = json_object_get_member (o, "download_rate")) != NULL) {
    if (json_node_get_value_type (node) != G_TYPE_INT64
        || (rate = json_node_get_int (node)) < 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "download_rate is a number of bytes per second, 0 for no limit");
      return FALSE;
    }
  }
  if ((node = json_object_get_member (o, "upload_rate")) != NULL) {
    if (json_node_get_value_type (node) != G_TYPE_INT64
        || (upload_rate = json_node_get_int (node)) < 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "upload_rate is a number of bytes per second, 0 for no limit");
      return FALSE;
    }
  }
  if ((node = json_object_get_member (o, "strict_references")) != NULL) {
    if (json_node_get_value_type (node) != G_TYPE_BOOLEAN) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "strict_references is true or false");
      return FALSE;
    }
    strict = json_node_get_boolean (node);
  }
  /* A service that bills beyond its documented formula: what a client's
   * billing check must notice. */
  if ((node = json_object_get_member (o, "extra_billed_seconds")) != NULL) {
    if (json_node_get_value_type (node) != G_TYPE_INT64
        || (extra = json_node_get_int (node)) < 0 || extra > 3600) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "extra_billed_seconds is a number from 0 to 3600");
      return FALSE;
    }
  }
  if ((node = json_object_get_member (o, "max_in_progress")) != NULL) {
    if (json_node_get_value_type (node) != G_TYPE_INT64
        || (max = json_node_get_int (node)) < 0 || max > 1000) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "max_in_progress is a number from 0 (no limit) to 1000");
      return FALSE;
    }
  }
  if ((node = json_object_get_member (o, "over_limit")) != NULL) {
    const char *mode = json_node_get_value_type (node) == G_TYPE_STRING ?
        json_node_get_string (node) : NULL;

    if (g_strcmp0 (mode, "queue") != 0 && g_strcmp0 (mode, "refuse") != 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "over_limit is \"refuse\" or \"queue\"");
      return FALSE;
    }
    queue = g_strcmp0 (mode, "queue") == 0;
  }
  if ((node = json_object_get_member (o, "seed")) != NULL) {
    if (json_node_get_value_type (node) != G_TYPE_INT64
        || (seed = json_node_get_int (node)) < 0 || seed > G_MAXUINT32) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "seed is a number from 0 to 4294967295");
      return FALSE;
    }
  }
  if ((node = json_object_get_member (o, "pending_dist")) != NULL
      && (json_node_get_value_type (node) != G_TYPE_STRING
          || !(pending = emu_dist_parse (json_node_get_string (node),
                  error)))) {
    if (error && !*error)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "pending_dist is a string");
    return FALSE;
  }
  if ((node = json_object_get_member (o, "running_dist")) != NULL
      && (json_node_get_value_type (node) != G_TYPE_STRING
          || !(running = emu_dist_parse (json_node_get_string (node),
                  error)))) {
    if (error && !*error)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "running_dist is a string");
    return FALSE;
  }

  if (rate >= 0)
    server->download_rate = rate;
  if (upload_rate >= 0)
    server->upload_rate = upload_rate;
  if (strict >= 0)
    server->config.strict_references = strict;
  if (max >= 0)
    server->config.max_in_progress = max;
  if (extra >= 0)
    server->config.extra_billed_s = extra;
  if (queue >= 0)
    server->config.queue_over_limit = queue;
  if (max >= 0 || queue >= 0)
    emu_task_store_set_limit (server->tasks, server->config.max_in_progress,
        server->config.queue_over_limit);
  emu_task_store_set_timing (server->tasks, pending, running, seed >= 0,
      (guint32) seed);
  return TRUE;
}

static void
handle_control (EmuServer * server, SoupServerMessage * msg,
    const char *path, const char *request_id)
{
  const char *method = soup_server_message_get_method (msg);
  const char *what = path + strlen (CONTROL_PREFIX);
  g_autoptr (GError) error = NULL;

  if (strcmp (what, "faults") == 0 && method == SOUP_METHOD_GET) {
    emu_server_reply_json (msg, SOUP_STATUS_OK,
        emu_faults_to_json (server->faults), request_id);
  } else if (strcmp (what, "faults") == 0 && method == SOUP_METHOD_POST) {
    g_autoptr (JsonNode) body = parse_body (msg, &error);

    if (body == NULL || emu_faults_add_json (server->faults, body,
            &error) < 0) {
      emu_server_reply_error (msg, SOUP_STATUS_BAD_REQUEST,
          "InvalidParameter", error->message, request_id);
      return;
    }
    emu_server_reply_json (msg, SOUP_STATUS_OK,
        emu_faults_to_json (server->faults), request_id);
  } else if (strcmp (what, "faults") == 0 && method == SOUP_METHOD_DELETE) {
    emu_faults_clear (server->faults);
    emu_server_reply_json (msg, SOUP_STATUS_OK,
        emu_faults_to_json (server->faults), request_id);
  } else if (strcmp (what, "config") == 0 && method == SOUP_METHOD_GET) {
    emu_server_reply_json (msg, SOUP_STATUS_OK, config_to_json (server),
        request_id);
  } else if (strcmp (what, "config") == 0 && method == SOUP_METHOD_POST) {
    g_autoptr (JsonNode) body = parse_body (msg, &error);

    if (body == NULL || !update_config (server, body, &error)) {
      emu_server_reply_error (msg, SOUP_STATUS_BAD_REQUEST,
          "InvalidParameter", error->message, request_id);
      return;
    }
    emu_server_reply_json (msg, SOUP_STATUS_OK, config_to_json (server),
        request_id);
  } else if (strcmp (what, "requests") == 0 && method == SOUP_METHOD_GET) {
    emu_server_reply_json (msg, SOUP_STATUS_OK,
        emu_request_log_to_json (server->log), request_id);
  } else if (strcmp (what, "tasks") == 0 && method == SOUP_METHOD_GET) {
    emu_server_reply_json (msg, SOUP_STATUS_OK,
        emu_api_tasks_to_json (server), request_id);
  } else if (strcmp (what, "reset") == 0 && method == SOUP_METHOD_POST) {
    JsonNode *empty = json_node_new (JSON_NODE_OBJECT);

    emu_request_log_clear (server->log);
    emu_task_store_clear (server->tasks);
    emu_uploads_reset (server->uploads);
    emu_faults_clear (server->faults);
    json_node_take_object (empty, json_object_new ());
    emu_server_reply_json (msg, SOUP_STATUS_OK, empty, request_id);
  } else {
    emu_server_reply_error (msg, SOUP_STATUS_NOT_FOUND, "NotFound",
        "No such control endpoint.", request_id);
  }
}

static void
api_handler (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  EmuServer *server = user_data;
  g_autofree char *request_id = g_uuid_string_random ();

  if (server->config.verbose)
    g_printerr ("wanr2v-emulator: api %s %s\n",
        soup_server_message_get_method (msg), path);

  if (g_str_has_prefix (path, CONTROL_PREFIX)) {
    handle_control (server, msg, path, request_id);
    return;
  }
  if (strcmp (path, API_PREFIX) != 0
      && !g_str_has_prefix (path, API_PREFIX "/")) {
    emu_server_reply_error (msg, SOUP_STATUS_NOT_FOUND, "NotFound",
        "The requested resource does not exist.", request_id);
    return;
  }
  if (!check_api_key (server, msg, request_id))
    return;
  emu_api_handle (server, msg, path + strlen (API_PREFIX), query, request_id);
}

/* ---- the OSS listener */

static void
serve_result (EmuServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query)
{
  EmuServeOptions options = { {server->download_rate, -1, EMU_WIRE_CLOSE,
      -1}, FALSE, FALSE
  };
  const EmuFault *fault = NULL;

  /* HEAD is the client looking, not downloading: no faults. */
  if (soup_server_message_get_method (msg) == SOUP_METHOD_GET)
    fault = emu_server_take_fault (server, msg, EMU_FAULT_TARGET_DOWNLOAD,
        soup_message_headers_get_one (soup_server_message_get_request_headers
            (msg), "Range") != NULL);
  if (fault != NULL) {
    switch (fault->kind) {
      case EMU_FAULT_STATUS:
        emu_server_fault_preempts (msg, fault, NULL);
        return;
      case EMU_FAULT_EXPIRED:
        emu_results_reply_expired (msg, query ? g_hash_table_lookup (query,
                "Expires") : NULL);
        return;
      case EMU_FAULT_RESET:
        /* A download's reset comes after some of the body. */
        options.body.cut_at = fault->value;
        options.body.cut_how = EMU_WIRE_RESET;
        break;
      case EMU_FAULT_TRUNCATE:
        options.body.cut_at = fault->value;
        options.body.cut_how = EMU_WIRE_CLOSE;
        break;
      case EMU_FAULT_IGNORE_RANGE:
        options.ignore_range = TRUE;
        break;
      case EMU_FAULT_RATE:
        options.body.rate = fault->value;
        break;
      case EMU_FAULT_HTML:
        emu_results_reply_html (msg, fault->value);
        return;
      case EMU_FAULT_CORRUPT:
        options.body.flip_at = fault->value;
        break;
      case EMU_FAULT_WRONG_RANGE:
        options.wrong_range = TRUE;
        break;
      default:
        break;
    }
  }
  emu_results_serve (server->results, msg, path, query, &options);
  emu_server_fault_finish (msg, fault);
}

static void
oss_handler (SoupServer * soup, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  EmuServer *server = user_data;
  const char *method = soup_server_message_get_method (msg);

  if (server->config.verbose)
    g_printerr ("wanr2v-emulator: oss %s %s\n", method, path);

  if (g_str_has_prefix (path, "/results/")) {
    serve_result (server, msg, path, query);
  } else if (strcmp (path, "/") == 0 && method == SOUP_METHOD_POST) {
    const EmuFault *fault = emu_server_take_fault (server, msg,
        EMU_FAULT_TARGET_UPLOAD, FALSE);

    if (emu_server_fault_preempts (msg, fault, NULL))
      return;
    emu_uploads_handle_post (server->uploads, msg);
    emu_server_fault_finish (msg, fault);
  } else if (method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD) {
    /* Uploaded objects cannot be read back, as on the service. */
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied",
        "You have no right to access this object because of bucket acl.",
        NULL);
  } else {
    emu_oss_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        "MethodNotAllowed", "The specified method is not allowed against "
        "this resource.", NULL);
  }
}

/* ---- the log: one hook per listener, fired once the body is in */

static void
api_request_read (SoupServer * soup, SoupServerMessage * msg,
    gpointer user_data)
{
  EmuServer *server = user_data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  /* The control endpoints are the tests' own reads: not client traffic. */
  if (!g_str_has_prefix (path, CONTROL_PREFIX))
    emu_request_log_add (server->log, "api", msg);
}

/* Every request on the upload host is read at the rate in force when it
 * starts. */
static void
oss_request_started (SoupServer * soup, SoupServerMessage * msg,
    gpointer user_data)
{
  EmuServer *server = user_data;

  emu_read_pace_attach (msg, server->upload_rate);
}

static void
oss_request_read (SoupServer * soup, SoupServerMessage * msg,
    gpointer user_data)
{
  EmuServer *server = user_data;
  gint64 body_us = emu_read_pace_elapsed_us (msg);

  emu_request_log_add (server->log, "oss", msg);
  /* How long an upload took to come in: its start is `time` minus this. */
  if (body_us >= 0 && soup_server_message_get_method (msg) == SOUP_METHOD_POST)
    emu_request_log_note_int (msg, "body_us", body_us);
}

/* ---- set-up */

#define LISTEN_BACKLOG 256

static gboolean
listen_on (SoupServer * soup, const char *host, guint port, guint * bound,
    GError ** error)
{
  g_autoptr (GInetAddress) addr = NULL;
  g_autoptr (GSocketAddress) sockaddr = NULL;
  g_autoptr (GSocket) socket = NULL;
  GSList *listeners;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    addr = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    addr = g_inet_address_new_from_string (host);
  if (addr == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "--host must be an IP address or localhost, not '%s'", host);
    return FALSE;
  }
  sockaddr = g_inet_socket_address_new (addr, port);
  /* Our own socket for a deeper accept queue than the default of 10: a
   * client starting dozens of generations at once connects faster than
   * the main loop accepts, and the kernel would drop the rest. */
  socket = g_socket_new (g_inet_address_get_family (addr),
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  if (!g_socket_bind (socket, sockaddr, TRUE, error)
      || !g_socket_listen (socket, error)
      || !soup_server_listen_socket (soup, socket, 0, error))
    return FALSE;

  listeners = soup_server_get_listeners (soup);
  if (listeners != NULL) {
    g_autoptr (GSocketAddress) local =
        g_socket_get_local_address (listeners->data, error);

    if (local == NULL)
      return FALSE;
    *bound = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  }
  g_slist_free (listeners);
  return TRUE;
}

/* The host clients should use: a wildcard address is not one. */
static char *
url_host (const char *host)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (host);

  if (addr == NULL)
    return g_strdup (host);
  if (g_inet_address_get_is_any (addr))
    return g_strdup ("127.0.0.1");
  if (g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]", host);
  return g_strdup (host);
}

/* Tasks link to the --result-file; when it is smaller than --result-size,
 * to a padded copy of it in the storage. */
static gboolean
prepare_result_file (EmuServer * server, const char *path, GError ** error)
{
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  g_autofree char *copy = NULL;
  g_autoptr (GFile) from = NULL;
  g_autoptr (GFile) to = NULL;
  GStatBuf st;

  if (g_stat (absolute, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "--result-file %s is not a readable file", path);
    return FALSE;
  }
  if (server->config.result_size <= (guint64) st.st_size) {
    server->result_file = g_steal_pointer (&absolute);
    return TRUE;
  }
  copy = g_build_filename (server->config.storage_dir, "result-file.mp4",
      NULL);
  from = g_file_new_for_path (absolute);
  to = g_file_new_for_path (copy);
  if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error)
      || !emu_mp4_pad (copy, server->config.result_size, error))
    return FALSE;
  server->result_file = g_steal_pointer (&copy);
  return TRUE;
}

EmuServer *
emu_server_new (const EmuConfig * config, GError ** error)
{
  EmuServer *server = g_new0 (EmuServer, 1);
  EmuTaskTiming timing;
  g_autoptr (EmuDist) pending = emu_dist_new_fixed (config->pending_ms);
  g_autoptr (EmuDist) running = emu_dist_new_fixed (config->running_ms);
  g_autofree char *results_dir = NULL;
  g_autofree char *host = NULL;
  guint i;

  server->config = *config;
  server->config.host = g_strdup (config->host);
  server->config.api_key = g_strdup (config->api_key);
  server->config.storage_dir = g_strdup (config->storage_dir);
  /* Borrowed from the caller: used here only. */
  server->config.pending_dist = server->config.running_dist = NULL;
  server->config.result_file = NULL;
  server->config.faults = NULL;

  server->faults = emu_faults_new ();
  for (i = 0; config->faults && config->faults[i]; i++) {
    if (!emu_faults_add_spec (server->faults, config->faults[i], error)) {
      emu_server_free (server);
      return NULL;
    }
  }
  server->download_rate = config->download_rate;
  server->upload_rate = config->upload_rate;
  if (config->result_file != NULL
      && !prepare_result_file (server, config->result_file, error)) {
    emu_server_free (server);
    return NULL;
  }

  timing.pending_ms = config->pending_dist ? config->pending_dist : pending;
  timing.running_ms = config->running_dist ? config->running_dist : running;
  timing.seed = config->seed;
  timing.ttl_us = (gint64) config->task_ttl_s * G_USEC_PER_SEC;
  server->tasks = emu_task_store_new (&timing);
  emu_task_store_set_limit (server->tasks, config->max_in_progress,
      config->queue_over_limit);
  server->log = emu_request_log_new ();
  results_dir = emu_generate_results_dir (config->storage_dir);
  server->results = emu_results_new (results_dir, config->url_ttl_s);
  server->uploads = emu_uploads_new (config->storage_dir,
      config->policy_ttl_s);

  server->api = soup_server_new ("server-header", "wanr2v-emulator ", NULL);
  server->oss = soup_server_new ("server-header", "AliyunOSS", NULL);
  soup_server_add_handler (server->api, NULL, api_handler, server, NULL);
  soup_server_add_handler (server->oss, NULL, oss_handler, server, NULL);
  g_signal_connect (server->api, "request-read",
      G_CALLBACK (api_request_read), server);
  g_signal_connect (server->oss, "request-started",
      G_CALLBACK (oss_request_started), server);
  g_signal_connect (server->oss, "request-read",
      G_CALLBACK (oss_request_read), server);

  if (!listen_on (server->api, config->host, config->port, &server->api_port,
          error)
      || !listen_on (server->oss, config->host, config->oss_port,
          &server->oss_port, error)) {
    emu_server_free (server);
    return NULL;
  }

  host = url_host (config->host);
  server->api_base = g_strdup_printf ("http://%s:%u" API_PREFIX, host,
      server->api_port);
  server->oss_base = g_strdup_printf ("http://%s:%u", host,
      server->oss_port);
  return server;
}

guint
emu_server_get_api_port (EmuServer * server)
{
  return server->api_port;
}

guint
emu_server_get_oss_port (EmuServer * server)
{
  return server->oss_port;
}

const char *
emu_server_get_api_base (EmuServer * server)
{
  return server->api_base;
}

const char *
emu_server_get_oss_base (EmuServer * server)
{
  return server->oss_base;
}

void
emu_server_shutdown (EmuServer * server, GMainContext * context,
    guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  soup_server_disconnect (server->api);
  soup_server_disconnect (server->oss);
  emu_task_store_clear (server->tasks);
  while (server->jobs_in_flight > 0 && g_get_monotonic_time () < deadline) {
    if (!g_main_context_iteration (context, FALSE))
      g_usleep (10 * 1000);
  }
}

void
emu_server_free (EmuServer * server)
{
  if (server == NULL)
    return;
  if (server->api)
    soup_server_disconnect (server->api);
  if (server->oss)
    soup_server_disconnect (server->oss);
  g_clear_object (&server->api);
  g_clear_object (&server->oss);
  emu_task_store_free (server->tasks);
  emu_request_log_free (server->log);
  emu_results_free (server->results);
  emu_uploads_free (server->uploads);
  emu_faults_free (server->faults);
  g_free (server->result_file);
  g_free (server->api_base);
  g_free (server->oss_base);
  g_free (server->config.host);
  g_free (server->config.api_key);
  g_free (server->config.storage_dir);
  g_free (server);
}
