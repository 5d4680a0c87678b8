/* wanr2v-json-task.c: replies about tasks: a create or query reply, an
 * error reply, and the task list (GET /tasks/).
 *
 * Lenient: numbers that arrive as strings, unknown fields and missing
 * optional fields are all tolerated.
 */
#include "wanr2v-json.h"
#include "wanr2v-json-read.h"
#include "wanr2v-error.h"

static const struct
{
  WanR2vTaskStatus status;
  const char *name;
} status_names[] = {
  {WANR2V_TASK_STATUS_PENDING, "PENDING"},
  {WANR2V_TASK_STATUS_RUNNING, "RUNNING"},
  {WANR2V_TASK_STATUS_SUCCEEDED, "SUCCEEDED"},
  {WANR2V_TASK_STATUS_FAILED, "FAILED"},
  {WANR2V_TASK_STATUS_CANCELED, "CANCELED"},
  {WANR2V_TASK_STATUS_UNKNOWN, "UNKNOWN"},
};

WanR2vTaskStatus
wanr2v_task_status_from_string (const char *s)
{
  gsize i;

  if (s == NULL)
    return WANR2V_TASK_STATUS_UNRECOGNISED;
  for (i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (s, status_names[i].name) == 0)
      return status_names[i].status;
  /* British spelling, in case a proxy or a future version uses it. */
  if (g_ascii_strcasecmp (s, "CANCELLED") == 0)
    return WANR2V_TASK_STATUS_CANCELED;
  return WANR2V_TASK_STATUS_UNRECOGNISED;
}

const char *
wanr2v_task_status_to_string (WanR2vTaskStatus status)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (status_names[i].status == status)
      return status_names[i].name;
  return "UNRECOGNISED";
}

gboolean
wanr2v_task_status_is_final (WanR2vTaskStatus status)
{
  return status == WANR2V_TASK_STATUS_SUCCEEDED
      || status == WANR2V_TASK_STATUS_FAILED
      || status == WANR2V_TASK_STATUS_CANCELED
      || status == WANR2V_TASK_STATUS_UNKNOWN;
}

/* ---- replies ------------------------------------------------------------ */

void
wanr2v_task_info_free (WanR2vTaskInfo * info)
{
  if (info == NULL)
    return;
  g_free (info->request_id);
  g_free (info->task_id);
  g_free (info->status_string);
  g_free (info->submit_time);
  g_free (info->scheduled_time);
  g_free (info->end_time);
  g_free (info->video_url);
  g_free (info->orig_prompt);
  g_free (info->actual_prompt);
  g_free (info->code);
  g_free (info->message);
  g_free (info->usage_ratio);
  g_free (info->usage_size);
  g_free (info);
}

/* A service code may come as a number from some gateways. */
static char *
dup_code (JsonObject * object, const char *name)
{
  JsonNode *node = wanr2v_json_member (object, name);
  gint64 number;

  if (wanr2v_json_node_is_string (node))
    return g_strdup (json_node_get_string (node));
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64
      && wanr2v_json_node_int64 (node, &number))
    return g_strdup_printf ("%" G_GINT64_FORMAT, number);
  return NULL;
}

static void
parse_usage (WanR2vTaskInfo * info, JsonObject * usage)
{
  gint64 sr;

  info->has_usage = TRUE;
  info->usage_duration = wanr2v_json_get_double (usage, "duration", 0);
  info->usage_input_video_duration =
      wanr2v_json_get_double (usage, "input_video_duration", 0);
  info->usage_output_video_duration =
      wanr2v_json_get_double (usage, "output_video_duration", 0);
  info->usage_video_count =
      (gint) CLAMP (wanr2v_json_get_int64 (usage, "video_count", 0), 0,
      G_MAXINT);

  /* SR is a number (720); tolerate "720P" as well. */
  sr = wanr2v_json_get_int64 (usage, "SR", 0);
  if (sr == 0) {
    const char *s = wanr2v_json_get_string (usage, "SR");

    if (s != NULL)
      sr = (gint64) g_ascii_strtoull (s, NULL, 10);
  }
  info->usage_sr = (gint) CLAMP (sr, 0, G_MAXINT);
  info->usage_ratio = g_strdup (wanr2v_json_get_string (usage, "ratio"));
  info->usage_size = g_strdup (wanr2v_json_get_string (usage, "size"));
}

WanR2vTaskInfo *
wanr2v_json_parse_task (const char *body, gssize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *why = NULL;
  WanR2vTaskInfo *info;
  JsonObject *root, *output, *usage;
  const char *task_id;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = wanr2v_json_load (body, length, &why);
  if (parser == NULL) {
    g_autofree char *excerpt = wanr2v_json_excerpt (body, length);

    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "task reply is not JSON (%s): \"%s\"", why, excerpt);
    return NULL;
  }
  root = wanr2v_json_root_object (parser);
  if (root == NULL) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "task reply is %s, not a JSON object",
        wanr2v_json_describe (json_parser_get_root (parser)));
    return NULL;
  }

  output = wanr2v_json_get_object (root, "output");
  if (output == NULL) {
    const char *code = wanr2v_json_get_string (root, "code");
    const char *message = wanr2v_json_get_string (root, "message");

    if (code != NULL || message != NULL)
      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
          "task reply has no output object (the service said %s: %s)",
          code ? code : "(no code)", message ? message : "");
    else
      g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
          "task reply has no output object");
    return NULL;
  }
  task_id = wanr2v_json_get_string (output, "task_id");
  if (task_id == NULL || *task_id == '\0') {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "task reply has no output.task_id");
    return NULL;
  }

  info = g_new0 (WanR2vTaskInfo, 1);
  info->request_id = g_strdup (wanr2v_json_get_string (root, "request_id"));
  info->task_id = g_strdup (task_id);
  info->status_string =
      g_strdup (wanr2v_json_get_string (output, "task_status"));
  info->status = wanr2v_task_status_from_string (info->status_string);
  info->submit_time = g_strdup (wanr2v_json_get_string (output, "submit_time"));
  info->scheduled_time =
      g_strdup (wanr2v_json_get_string (output, "scheduled_time"));
  info->end_time = g_strdup (wanr2v_json_get_string (output, "end_time"));
  info->video_url = g_strdup (wanr2v_json_get_string (output, "video_url"));
  info->orig_prompt = g_strdup (wanr2v_json_get_string (output, "orig_prompt"));
  info->actual_prompt =
      g_strdup (wanr2v_json_get_string (output, "actual_prompt"));

  /* A FAILED task says why in output; some replies put it at the top. */
  info->code = dup_code (output, "code");
  if (info->code == NULL)
    info->code = dup_code (root, "code");
  info->message = g_strdup (wanr2v_json_get_string (output, "message"));
  if (info->message == NULL)
    info->message = g_strdup (wanr2v_json_get_string (root, "message"));

  usage = wanr2v_json_get_object (root, "usage");
  if (usage != NULL)
    parse_usage (info, usage);
  return info;
}

void
wanr2v_json_parse_error (const char *body, gssize length, char **code,
    char **message, char **request_id)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *why = NULL;
  JsonObject *root, *nested;
  char *c = NULL, *m = NULL, *r = NULL;

  parser = wanr2v_json_load (body, length, &why);
  root = parser != NULL ? wanr2v_json_root_object (parser) : NULL;
  if (root != NULL) {
    c = dup_code (root, "code");
    m = g_strdup (wanr2v_json_get_string (root, "message"));
    r = g_strdup (wanr2v_json_get_string (root, "request_id"));

    /* Some gateways wrap it: {"error": {"code", "message"}}. */
    nested = wanr2v_json_get_object (root, "error");
    if (nested == NULL)
      nested = wanr2v_json_get_object (root, "output");
    if (c == NULL)
      c = dup_code (nested, "code");
    if (m == NULL)
      m = g_strdup (wanr2v_json_get_string (nested, "message"));
  }

  if (code)
    *code = c;
  else
    g_free (c);
  if (message)
    *message = m;
  else
    g_free (m);
  if (request_id)
    *request_id = r;
  else
    g_free (r);
}

/* ---- task list ---------------------------------------------------------- */

static void
task_summary_free (WanR2vTaskSummary * summary)
{
  if (summary == NULL)
    return;
  g_free (summary->task_id);
  g_free (summary->status);
  g_free (summary->model_name);
  g_free (summary);
}

GPtrArray *
wanr2v_json_parse_task_list (const char *body, gssize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *why = NULL;
  GPtrArray *list;
  JsonObject *root;
  JsonNode *data;
  guint i;

  parser = wanr2v_json_load (body, length, &why);
  root = parser ? wanr2v_json_root_object (parser) : NULL;
  data = wanr2v_json_member (root, "data");
  if (data == NULL || !JSON_NODE_HOLDS_ARRAY (data)) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "The task list reply has no data array%s%s", why ? ": " : "",
        why ? why : "");
    return NULL;
  }

  list = g_ptr_array_new_with_free_func ((GDestroyNotify)
      task_summary_free);
  for (i = 0; i < json_array_get_length (json_node_get_array (data)); i++) {
    JsonNode *item = json_array_get_element (json_node_get_array (data), i);
    JsonObject *obj;
    WanR2vTaskSummary *summary;

    if (!JSON_NODE_HOLDS_OBJECT (item))
      continue;
    obj = json_node_get_object (item);
    if (wanr2v_json_get_string (obj, "task_id") == NULL)
      continue;
    summary = g_new0 (WanR2vTaskSummary, 1);
    summary->task_id = g_strdup (wanr2v_json_get_string (obj, "task_id"));
    summary->status = g_strdup (wanr2v_json_get_string (obj, "status"));
    summary->model_name = g_strdup (wanr2v_json_get_string (obj, "model_name"));
    summary->gmt_create_ms = wanr2v_json_get_int64 (obj, "gmt_create", 0);
    g_ptr_array_add (list, summary);
  }
  return list;
}