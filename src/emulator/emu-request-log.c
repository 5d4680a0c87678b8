/* emu-request-log.c: every request either listener received, in order. */
#include "emu-request-log.h"

#include <string.h>

#define MAX_LOGGED_BODY (1024 * 1024)
#define RECORD_KEY "emu-request-log-record"

struct _EmuRequestLog
{
  GPtrArray *records;           /* of JsonNode* (objects) */
  gint64 next_seq;
};

EmuRequestLog *
emu_request_log_new (void)
{
  EmuRequestLog *log = g_new0 (EmuRequestLog, 1);

  log->records = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_node_unref);
  log->next_seq = 1;
  return log;
}

void
emu_request_log_free (EmuRequestLog * log)
{
  if (log == NULL)
    return;
  g_ptr_array_unref (log->records);
  g_free (log);
}

void
emu_request_log_clear (EmuRequestLog * log)
{
  g_ptr_array_set_size (log->records, 0);
  log->next_seq = 1;
}

static void
free_string (GString * string)
{
  g_string_free (string, TRUE);
}

static gboolean
is_text_type (const char *content_type)
{
  if (content_type == NULL)
    return TRUE;                /* decided by the UTF-8 check alone */
  return g_str_has_prefix (content_type, "text/")
      || strstr (content_type, "json") != NULL
      || strstr (content_type, "xml") != NULL
      || strcmp (content_type, "application/x-www-form-urlencoded") == 0;
}

void
emu_request_log_add (EmuRequestLog * log, const char *listener,
    SoupServerMessage * msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GHashTable) joined = NULL;
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  SoupMessageHeadersIter iter;
  const char *name, *value, *content_type;
  JsonNode *node;
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, log->next_seq++);
  json_builder_set_member_name (b, "listener");
  json_builder_add_string_value (b, listener);
  {
    /* When the whole request was in (UTC, microseconds): lets a test or a
     * user line the log up with what the client saw. */
    g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
    g_autofree char *time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");

    json_builder_set_member_name (b, "time");
    json_builder_add_string_value (b, time);
  }
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, soup_server_message_get_method (msg));
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, g_uri_get_path (uri));
  json_builder_set_member_name (b, "query");
  if (g_uri_get_query (uri))
    json_builder_add_string_value (b, g_uri_get_query (uri));
  else
    json_builder_add_null_value (b);

  /* Header names in lower case; repeated headers joined as HTTP allows. */
  joined = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) free_string);
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value)) {
    char *lower = g_ascii_strdown (name, -1);
    GString *text = g_hash_table_lookup (joined, lower);

    if (text != NULL) {
      g_string_append_printf (text, ", %s", value);
      g_free (lower);
    } else {
      g_hash_table_insert (joined, lower, g_string_new (value));
      g_ptr_array_add (order, lower);
    }
  }
  json_builder_set_member_name (b, "headers");
  json_builder_begin_object (b);
  for (i = 0; i < order->len; i++) {
    GString *text = g_hash_table_lookup (joined, order->pdata[i]);

    json_builder_set_member_name (b, order->pdata[i]);
    json_builder_add_string_value (b, text->str);
  }
  json_builder_end_object (b);

  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (body->length > 0 && body->length < MAX_LOGGED_BODY
      && is_text_type (content_type)) {
    g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
    gsize len;
    const char *data = g_bytes_get_data (bytes, &len);

    if (g_utf8_validate_len (data, len, NULL)) {
      g_autofree char *text = g_strndup (data, len);

      json_builder_set_member_name (b, "body");
      json_builder_add_string_value (b, text);
    }
  }
  json_builder_set_member_name (b, "body_size");
  json_builder_add_int_value (b, body->length);
  json_builder_end_object (b);

  node = json_builder_get_root (b);
  /* Kept on the message too, for what its handler notes later. */
  g_object_set_data_full (G_OBJECT (msg), RECORD_KEY, json_node_ref (node),
      (GDestroyNotify) json_node_unref);
  g_ptr_array_add (log->records, node);
}

void
emu_request_log_note (SoupServerMessage * msg, const char *member,
    const char *value)
{
  JsonNode *node = g_object_get_data (G_OBJECT (msg), RECORD_KEY);

  if (node != NULL)
    json_object_set_string_member (json_node_get_object (node), member,
        value);
}

void
emu_request_log_note_int (SoupServerMessage * msg, const char *member,
    gint64 value)
{
  JsonNode *node = g_object_get_data (G_OBJECT (msg), RECORD_KEY);

  if (node != NULL)
    json_object_set_int_member (json_node_get_object (node), member, value);
}

JsonNode *
emu_request_log_to_json (EmuRequestLog * log)
{
  JsonArray *array = json_array_sized_new (log->records->len);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  guint i;

  for (i = 0; i < log->records->len; i++)
    json_array_add_element (array, json_node_copy (log->records->pdata[i]));
  json_node_take_array (node, array);
  return node;
}
