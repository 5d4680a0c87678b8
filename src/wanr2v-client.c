/* wanr2v-client.c: the DashScope task API (create, query, cancel). */
#include "wanr2v-client.h"
#include "wanr2v-bounded-read.h"
#include "wanr2v-http.h"
#include "wanr2v-watchdog.h"

#include "wanr2v-soup.h"

#include <string.h>

#define CREATE_PATH "/services/aigc/video-generation/video-synthesis"

/* Replies larger than this are not DashScope JSON (a list of 100 tasks is
 * some 30 KB): they are refused while they stream in. */
#define MAX_REPLY_SIZE (4 * 1024 * 1024)

struct _WanR2vClient
{
  gint refcount;
  char *base_url;               /* without trailing slash */
  char *api_key;
  guint request_timeout_s;
  gboolean https;               /* needs the TLS backend */
};

typedef enum
{
  CALL_CREATE,
  CALL_QUERY,
  CALL_CANCEL,
  CALL_POLICY,
  CALL_LIST,
} CallKind;

typedef struct
{
  WanR2vClient *client;
  SoupMessage *msg;
  CallKind kind;
  char *task_id;
  /* The caller's cancellable and the request timeout cancel the call.  It
   * is never touched: the timeout bounds the whole call. */
  WanR2vWatchdog *watchdog;
  WanR2vErrorInfo *details;
} Call;

static void
call_free (Call * call)
{
  g_clear_pointer (&call->watchdog, wanr2v_watchdog_free);
  g_clear_object (&call->msg);
  g_free (call->task_id);
  g_clear_pointer (&call->details, wanr2v_error_info_free);
  wanr2v_client_unref (call->client);
  g_free (call);
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr (GInetAddress) addr = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  addr = g_inet_address_new_from_string (host);
  return addr != NULL && g_inet_address_get_is_loopback (addr);
}

WanR2vClient *
wanr2v_client_new (const char *base_url, const char *api_key,
    gboolean allow_insecure, GError ** error)
{
  g_autoptr (GUri) uri = NULL;
  WanR2vClient *client;
  const char *scheme;
  gsize len;

  uri = g_uri_parse (base_url ? base_url : "", G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || scheme == NULL || g_uri_get_host (uri) == NULL
      || (g_ascii_strcasecmp (scheme, "http") != 0
          && g_ascii_strcasecmp (scheme, "https") != 0)) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_FAILED,
        "base_url \"%s\" is not an http(s) URL such as %s",
        base_url ? base_url : "", WANR2V_DEFAULT_BASE_URL);
    return NULL;
  }
  if (g_ascii_strcasecmp (scheme, "http") == 0 && !allow_insecure
      && !host_is_loopback (g_uri_get_host (uri))) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_TLS,
        "base_url \"%s\" is plain http to a host other than this machine: "
        "the API key would travel unencrypted. Use https, or set "
        "allow_insecure=true if you really mean it", base_url);
    return NULL;
  }
  /* The element refuses such a key first, with its own words; this keeps
   * every other user of the client from sending one. */
  if (wanr2v_client_key_bad_char (api_key) >= 0) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_AUTH,
        "The API key contains a control character (at position %"
        G_GSSIZE_FORMAT "): it cannot go into an HTTP header",
        wanr2v_client_key_bad_char (api_key) + 1);
    return NULL;
  }
  client = g_new0 (WanR2vClient, 1);
  client->refcount = 1;
  client->base_url = g_strdup (base_url);
  len = strlen (client->base_url);
  while (len > 0 && client->base_url[len - 1] == '/')
    client->base_url[--len] = '\0';
  client->api_key = g_strdup (api_key ? api_key : "");
  client->request_timeout_s = 60;
  client->https = g_ascii_strcasecmp (scheme, "https") == 0;
  return client;
}

gboolean
wanr2v_client_check_transport (WanR2vClient * client, GError ** error)
{
  if (client->https && !wanr2v_http_tls_available ()) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_TLS,
        "https needs GIO's TLS backend, which is not installed: "
        "install glib-networking (apt-get install glib-networking)");
    return FALSE;
  }
  return TRUE;
}

WanR2vClient *
wanr2v_client_ref (WanR2vClient * client)
{
  g_atomic_int_inc (&client->refcount);
  return client;
}

void
wanr2v_client_unref (WanR2vClient * client)
{
  if (client == NULL || !g_atomic_int_dec_and_test (&client->refcount))
    return;
  g_free (client->base_url);
  /* Overwrite the key before freeing it: it must not linger in freed heap
   * memory that a later allocation or a core dump could show. */
  memset (client->api_key, 0, strlen (client->api_key));
  g_free (client->api_key);
  g_free (client);
}

const char *
wanr2v_client_get_base_url (WanR2vClient * client)
{
  return client->base_url;
}

void
wanr2v_client_set_request_timeout (WanR2vClient * client, guint seconds)
{
  client->request_timeout_s = seconds;
}

gboolean
wanr2v_client_error_is_not_sent (const GError * error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;
  if (error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_CONNECTION_REFUSED
        || error->code == G_IO_ERROR_HOST_UNREACHABLE
        || error->code == G_IO_ERROR_NETWORK_UNREACHABLE
        || error->code == G_IO_ERROR_HOST_NOT_FOUND;
  if (error->domain == WANR2V_ERROR)
    return error->code == WANR2V_ERROR_NETWORK
        || error->code == WANR2V_ERROR_TLS;
  return FALSE;
}

static const char *
call_description (Call * call)
{
  switch (call->kind) {
    case CALL_CREATE:
      return "creating the task";
    case CALL_QUERY:
      return "querying the task";
    case CALL_CANCEL:
      return "cancelling the task";
    case CALL_POLICY:
      return "asking for an upload policy";
    case CALL_LIST:
      return "listing tasks";
  }
  return "calling DashScope";
}

/* Turns a transport failure (no HTTP reply) into our error. */
static void
return_transport_error (GTask * task, Call * call, GError * soup_error)
{
  g_autofree char *host = NULL;
  g_autoptr (GUri) uri = g_uri_parse (call->client->base_url,
      G_URI_FLAGS_NONE, NULL);
  GCancellable *caller_cancellable = g_task_get_cancellable (task);
  WanR2vErrorCode code;

  host = g_strdup (uri ? g_uri_get_host (uri) : call->client->base_url);

  if (caller_cancellable && g_cancellable_is_cancelled (caller_cancellable)) {
    g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
        "Cancelled while %s", call_description (call));
    return;
  }
  if (wanr2v_watchdog_fired (call->watchdog)) {
    g_task_return_new_error (task, WANR2V_ERROR,
        WANR2V_ERROR_CONNECTION_LOST,
        "No reply from %s within %u s while %s", host,
        call->client->request_timeout_s, call_description (call));
    return;
  }

  /* A handshake cut short is a network fault (and nothing was sent); a
   * certificate refused or a peer that does not speak TLS will be the
   * same on every try. */
  if (soup_error->domain == G_TLS_ERROR && soup_error->code != G_TLS_ERROR_EOF
      && soup_error->code != G_TLS_ERROR_MISC)
    code = WANR2V_ERROR_TLS;
  else if (soup_error->domain == G_TLS_ERROR)
    code = WANR2V_ERROR_NETWORK;
  else if (wanr2v_client_error_is_not_sent (soup_error))
    code = WANR2V_ERROR_NETWORK;
  else
    code = WANR2V_ERROR_CONNECTION_LOST;

  g_task_return_new_error (task, WANR2V_ERROR, code,
      "Could not reach DashScope at %s while %s: %s", host,
      call_description (call), soup_error->message);
}

/* The whole reply is in: its status and (bounded) body. */
static void
handle_reply (GTask * task, Call * call, GBytes * body)
{
  g_autoptr (GError) error = NULL;
  const char *body_data;
  gsize body_size = 0;
  guint status;

  status = wanr2v_soup_message_get_status (call->msg);
  body_data = body ? g_bytes_get_data (body, &body_size) : "";

  if (status != SOUP_STATUS_OK) {
    WanR2vErrorInfo *details = wanr2v_error_info_new ();
    const char *header_request_id;

    details->http_status = status;
    details->task_id = g_strdup (call->task_id);
    wanr2v_json_parse_error (body_data, body_size, &details->code,
        &details->message, &details->request_id);
    header_request_id = wanr2v_soup_message_headers_get_one
        (wanr2v_soup_message_get_response_headers (call->msg),
        "x-request-id");
    if (details->request_id == NULL && header_request_id)
      details->request_id = g_strdup (header_request_id);
    call->details = details;

    g_task_return_new_error (task, WANR2V_ERROR,
        wanr2v_error_code_for_reply (status, details->code),
        "DashScope refused %s: HTTP %u %s%s%s", call_description (call),
        status, details->code ? details->code :
        wanr2v_soup_status_get_phrase (status),
        details->message ? ": " : "", details->message ? details->message : "");
    g_object_unref (task);
    return;
  }

  if (call->kind == CALL_CANCEL) {
    g_task_return_boolean (task, TRUE);
  } else if (call->kind == CALL_LIST) {
    GPtrArray *list = wanr2v_json_parse_task_list (body_data, body_size,
        &error);

    if (list == NULL)
      g_task_return_error (task, g_steal_pointer (&error));
    else
      g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
  } else if (call->kind == CALL_POLICY) {
    WanR2vUploadPolicy *policy = wanr2v_json_parse_upload_policy (body_data,
        body_size, &error);

    if (policy == NULL) {
      g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
          "DashScope's reply to %s was not understood: %s",
          call_description (call), error->message);
    } else {
      g_task_return_pointer (task, policy,
          (GDestroyNotify) wanr2v_upload_policy_free);
    }
  } else {
    WanR2vTaskInfo *info = wanr2v_json_parse_task (body_data, body_size,
        &error);

    if (info == NULL) {
      g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
          "DashScope's reply to %s was not understood: %s",
          call_description (call), error->message);
    } else {
      g_task_return_pointer (task, info,
          (GDestroyNotify) wanr2v_task_info_free);
    }
  }
  g_object_unref (task);
}

static void
refuse_too_large (GTask * task, Call * call)
{
  g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
      "DashScope's reply to %s was larger than %u bytes: it is not a "
      "DashScope reply", call_description (call), MAX_REPLY_SIZE);
}

static void
on_body (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Call *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = wanr2v_bounded_read_finish (res, &error);

  if (body == NULL && g_error_matches (error, G_IO_ERROR,
          G_IO_ERROR_MESSAGE_TOO_LARGE)) {
    /* An error status still says what went wrong, without its body. */
    if (wanr2v_soup_message_get_status (call->msg) == SOUP_STATUS_OK) {
      refuse_too_large (task, call);
      g_object_unref (task);
    } else {
      handle_reply (task, call, NULL);
    }
    return;
  }
  if (body == NULL) {
    return_transport_error (task, call, error);
    g_object_unref (task);
    return;
  }
  handle_reply (task, call, body);
}

static void
on_sent (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Call *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) stream = NULL;
  goffset length;

  stream = wanr2v_soup_session_send_finish ((SoupSession *) source, res,
      &error);
  if (stream == NULL) {
    return_transport_error (task, call, error);
    g_object_unref (task);
    return;
  }
  /* Announced too large: not worth reading at all. */
  length = wanr2v_soup_message_headers_get_content_length
      (wanr2v_soup_message_get_response_headers (call->msg));
  if (length > MAX_REPLY_SIZE) {
    if (wanr2v_soup_message_get_status (call->msg) == SOUP_STATUS_OK) {
      refuse_too_large (task, call);
      g_object_unref (task);
    } else {
      handle_reply (task, call, NULL);
    }
    return;
  }
  wanr2v_bounded_read_async (stream, MAX_REPLY_SIZE,
      wanr2v_watchdog_get_cancellable (call->watchdog), on_body, task);
}

static void
start_call (WanR2vClient * client, CallKind kind, const char *method,
    const char *path, const char *task_id, const char *body,
    gboolean oss_resolve, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  WanR2vHttp *http = wanr2v_http_get_current ();
  g_autofree char *url = g_strconcat (client->base_url, path, NULL);
  g_autofree char *auth = NULL;
  SoupMessageHeaders *headers;
  GError *error = NULL;
  GTask *task;
  Call *call;

  g_return_if_fail (wanr2v_http_is_http_thread (http));

  call = g_new0 (Call, 1);
  call->client = wanr2v_client_ref (client);
  call->kind = kind;
  call->task_id = g_strdup (task_id);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, start_call);
  /* Report our own WANR2V_ERROR_CANCELLED, not GIO's generic one. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  if (!wanr2v_soup_load (&error)
      || !wanr2v_client_check_transport (client, &error)) {
    g_task_return_error (task, error);
    g_object_unref (task);
    return;
  }
  call->msg = wanr2v_soup_message_new (method, url);
  if (call->msg == NULL) {
    g_task_return_new_error (task, WANR2V_ERROR, WANR2V_ERROR_FAILED,
        "Invalid request URL built from base_url %s", client->base_url);
    g_object_unref (task);
    return;
  }
  /* HTTP/1.1 keep-alive is libsoup's default; the headers are the
   * documented ones, nothing more. */
  /* A redirect could carry the key to another host: API calls follow
   * none (the service does not redirect). */
  wanr2v_soup_message_add_flags (call->msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = wanr2v_soup_message_get_request_headers (call->msg);
  auth = g_strconcat ("Bearer ", client->api_key, NULL);
  wanr2v_soup_message_headers_replace (headers, "Authorization", auth);
  memset (auth, 0, strlen (auth));
  if (kind == CALL_CREATE) {
    g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

    wanr2v_soup_message_headers_replace (headers, "X-DashScope-Async",
        "enable");
    if (oss_resolve)
      wanr2v_soup_message_headers_replace (headers,
          "X-DashScope-OssResourceResolve", "enable");
    wanr2v_soup_message_set_request_body_from_bytes (call->msg,
        "application/json", bytes);
  }

  call->watchdog = wanr2v_watchdog_new (cancellable,
      client->request_timeout_s, g_main_context_get_thread_default ());
  wanr2v_soup_session_send_async (wanr2v_http_get_session (http), call->msg,
      G_PRIORITY_DEFAULT, wanr2v_watchdog_get_cancellable (call->watchdog),
      on_sent, task);
}

static gpointer
finish_call (GAsyncResult * result, WanR2vErrorInfo ** details,
    GError ** error)
{
  GTask *task = G_TASK (result);
  Call *call = g_task_get_task_data (task);
  gpointer ret;

  if (details)
    *details = NULL;
  ret = g_task_propagate_pointer (task, error);
  if (ret == NULL && details && call->details)
    *details = wanr2v_error_info_copy (call->details);
  return ret;
}

void
wanr2v_client_create_task_async (WanR2vClient * client, const char *body,
    gboolean oss_resolve, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  start_call (client, CALL_CREATE, "POST", CREATE_PATH, NULL, body,
      oss_resolve, cancellable, callback, user_data);
}

WanR2vTaskInfo *
wanr2v_client_create_task_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error)
{
  return finish_call (result, details, error);
}

void
wanr2v_client_query_task_async (WanR2vClient * client, const char *task_id,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  g_autofree char *escaped = g_uri_escape_string (task_id, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/tasks/", escaped, NULL);

  start_call (client, CALL_QUERY, "GET", path, task_id, NULL, FALSE,
      cancellable, callback, user_data);
}

WanR2vTaskInfo *
wanr2v_client_query_task_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error)
{
  return finish_call (result, details, error);
}

void
wanr2v_client_cancel_task_async (WanR2vClient * client, const char *task_id,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  g_autofree char *escaped = g_uri_escape_string (task_id, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/tasks/", escaped, "/cancel", NULL);

  start_call (client, CALL_CANCEL, "POST", path, task_id, NULL, FALSE,
      cancellable, callback, user_data);
}

gboolean
wanr2v_client_cancel_task_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error)
{
  GTask *task = G_TASK (result);
  Call *call = g_task_get_task_data (task);

  if (details)
    *details = NULL;
  if (g_task_propagate_boolean (task, error))
    return TRUE;
  if (details && call->details)
    *details = wanr2v_error_info_copy (call->details);
  return FALSE;
}

void
wanr2v_client_get_upload_policy_async (WanR2vClient * client,
    const char *model, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *escaped = g_uri_escape_string (model, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/uploads?action=getPolicy&model=",
      escaped, NULL);

  start_call (client, CALL_POLICY, "GET", path, NULL, NULL, FALSE,
      cancellable, callback, user_data);
}

WanR2vUploadPolicy *
wanr2v_client_get_upload_policy_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error)
{
  return finish_call (result, details, error);
}

/* "YYYYMMDDhhmmss" in the service's zone (UTC+8, as its times are). */
static char *
list_time (gint64 unix_s)
{
  g_autoptr (GTimeZone) zone = g_time_zone_new_offset (8 * 3600);
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (unix_s);
  g_autoptr (GDateTime) local = g_date_time_to_timezone (utc, zone);

  return g_date_time_format (local, "%Y%m%d%H%M%S");
}

void
wanr2v_client_list_tasks_async (WanR2vClient * client, const char *model,
    gint64 start_s, gint64 end_s, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  wanr2v_client_list_tasks_page_async (client, model, start_s, end_s, 1,
      WANR2V_CLIENT_LIST_MAX_PAGE_SIZE, cancellable, callback, user_data);
}

void
wanr2v_client_list_tasks_page_async (WanR2vClient * client,
    const char *model, gint64 start_s, gint64 end_s, guint page_no,
    guint page_size, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autofree char *escaped = model ? g_uri_escape_string (model, NULL,
      FALSE) : NULL;
  g_autofree char *start = list_time (start_s);
  g_autofree char *end = list_time (end_s);
  g_autofree char *path = g_strdup_printf ("/tasks/?%s%s%sstart_time=%s"
      "&end_time=%s&page_no=%u&page_size=%u", escaped ? "model_name=" : "",
      escaped ? escaped : "", escaped ? "&" : "", start, end, MAX (page_no,
          1), CLAMP (page_size, 1, WANR2V_CLIENT_LIST_MAX_PAGE_SIZE));

  start_call (client, CALL_LIST, "GET", path, NULL, NULL, FALSE, cancellable,
      callback, user_data);
}

GPtrArray *
wanr2v_client_list_tasks_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error)
{
  return finish_call (result, details, error);
}

gboolean
wanr2v_client_same_account (WanR2vClient * a, WanR2vClient * b)
{
  return a == b || (strcmp (a->base_url, b->base_url) == 0
      && strcmp (a->api_key, b->api_key) == 0);
}
