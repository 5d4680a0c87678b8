/* emu-api.c: the DashScope API under /api/v1: create, query, cancel and
 * list tasks, and the upload policy. */
#include "emu-server-private.h"

#include "emu-common.h"
#include "emu-generate.h"
#include "emu-validate.h"
#include "emu-wire.h"

#include <glib/gstdio.h>
#include <string.h>

#define CREATE_PATH "/services/aigc/video-generation/video-synthesis"
#define URL_ERROR "url error, please check url!"
#define CANCEL_REFUSED "Failed to cancel the task, please confirm if the " \
  "task is in PENDING status."

static gboolean
header_is (SoupServerMessage * msg, const char *name, const char *value)
{
  const char *v = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), name);
  g_autofree char *trimmed = NULL;

  if (v == NULL)
    return FALSE;
  trimmed = g_strstrip (g_strdup (v));
  return g_ascii_strcasecmp (trimmed, value) == 0;
}

/* ---- create */

typedef struct
{
  EmuServer *server;
  EmuTask *task;
} JobContext;

static void
generate_done (GObject * source, GAsyncResult * result, gpointer user_data)
{
  JobContext *ctx = user_data;
  EmuTask *task = ctx->task;
  g_autoptr (EmuServiceError) error = NULL;
  g_autoptr (EmuGenerateResult) out = emu_generate_finish (result, &error);

  ctx->server->jobs_in_flight--;
  if (out != NULL) {
    emu_task_succeed (task, out->video_name, out->width, out->height,
        out->input_video_s);
    task->placeholders = g_steal_pointer (&out->placeholders);
    /* A task cancelled while it rendered never shows its video. */
    if (task->canceled) {
      g_autofree char *dir =
          emu_generate_results_dir (ctx->server->config.storage_dir);
      g_autofree char *path = g_build_filename (dir, out->video_name, NULL);

      g_unlink (path);
    }
  } else {
    emu_task_fail (task, error ? error->code : "InternalError",
        error ? error->message : "An internal error occurred.");
  }
  if (ctx->server->config.verbose)
    g_printerr ("wanr2v-emulator: task %s work done: %s\n", task->id,
        out ? "video ready" : task->fail_code);
  emu_task_unref (task);
  g_free (ctx);
}

/* A `task` fault decides the outcome of a task before any work starts:
 * such a task does none. */
static gboolean
force_task_fault (EmuServer * server, SoupServerMessage * msg, EmuTask * task)
{
  const EmuFault *fault = emu_faults_take (server->faults,
      EMU_FAULT_TARGET_TASK, FALSE);
  g_autofree char *name = NULL;
  EmuTaskOutcome outcome;

  if (fault == NULL)
    return FALSE;
  if (fault->kind == EMU_FAULT_AGED) {
    /* Not an outcome: the task works as any other, only older. */
    task->age_us = fault->value * G_USEC_PER_SEC;
    name = emu_fault_name (fault);
    emu_request_log_note (msg, "task_fault", name);
    emu_request_log_note_int (msg, "task_fault_id", fault->id);
    return FALSE;
  }
  switch (fault->kind) {
    case EMU_FAULT_FAIL:
      outcome = EMU_TASK_OUTCOME_FAIL;
      break;
    case EMU_FAULT_CANCEL:
      outcome = EMU_TASK_OUTCOME_CANCEL;
      break;
    case EMU_FAULT_UNKNOWN:
      outcome = EMU_TASK_OUTCOME_UNKNOWN;
      break;
    case EMU_FAULT_HANG:
      outcome = EMU_TASK_OUTCOME_HANG;
      break;
    default:
      g_assert_not_reached ();
  }
  name = emu_fault_name (fault);
  emu_task_force_outcome (task, outcome, name, fault->code, fault->message);
  emu_request_log_note (msg, "task_fault", name);
  emu_request_log_note_int (msg, "task_fault_id", fault->id);
  if (server->config.verbose)
    g_printerr ("wanr2v-emulator: task %s: fault %u fires: %s\n", task->id,
        fault->id, name);
  return TRUE;
}

static void
create_task (EmuServer * server, SoupServerMessage * msg,
    const char *request_id)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (EmuServiceError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *body_text = NULL;
  EmuValidateOptions options = { 0, };
  EmuTaskSpec *spec;
  EmuTask *task;
  JobContext *ctx;
  gsize len;
  const char *data;

  if (!header_is (msg, "X-DashScope-Async", "enable")) {
    emu_server_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied",
        "current user api does not support synchronous calls", request_id);
    return;
  }

  body = soup_message_body_flatten (soup_server_message_get_request_body
      (msg));
  data = g_bytes_get_data (body, &len);
  options.reject_long_prompts = server->config.reject_long_prompts;
  options.oss_resolve = header_is (msg, "X-DashScope-OssResourceResolve",
      "enable");
  spec = emu_validate_create (data, len, &options, &error);
  if (spec == NULL) {
    emu_server_reply_error (msg, error->status, error->code, error->message,
        request_id);
    return;
  }
  /* --max-in-progress: the account's limit, checked once the request is
   * known to be good.  (Whether the service refuses or queues a sixth
   * task is not documented: --over-limit queue is the other form.) */
  if (emu_task_store_at_limit (server->tasks, g_get_real_time ())) {
    emu_task_spec_free (spec);
    emu_server_reply_error (msg, 429, "Throttling",
        "Requests throttling triggered: too many tasks in progress for this "
        "account, try again once one has finished.", request_id);
    return;
  }

  body_text = g_strndup (data, len);
  task = emu_task_store_add (server->tasks, spec, body_text, request_id);
  task->extra_billed_s = server->config.extra_billed_s;
  emu_request_log_note (msg, "task_id", task->id);
  if (server->config.verbose)
    g_printerr ("wanr2v-emulator: task %s created (%s, %ux%u, %u s)\n",
        task->id, spec->model, spec->width, spec->height, spec->duration);

  if (!force_task_fault (server, msg, task)) {
    EmuGenerateOptions options = {
      .storage_dir = server->config.storage_dir,
      .moov_first = server->config.moov_first,
      .result_size = server->config.result_size,
      .result_file = server->result_file,
      .strict_references = server->config.strict_references,
    };

    ctx = g_new0 (JobContext, 1);
    ctx->server = server;
    ctx->task = emu_task_ref (task);
    server->jobs_in_flight++;
    emu_generate_async (task, &options, generate_done, ctx);
  }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "output");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "task_status");
  json_builder_add_string_value (b, "PENDING");
  json_builder_set_member_name (b, "task_id");
  json_builder_add_string_value (b, task->id);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "request_id");
  json_builder_add_string_value (b, request_id);
  json_builder_end_object (b);
  emu_server_reply_json (msg, SOUP_STATUS_OK, json_builder_get_root (b),
      request_id);
}

static void
handle_create (EmuServer * server, SoupServerMessage * msg,
    const char *request_id)
{
  const EmuFault *fault = emu_server_take_fault (server, msg,
      EMU_FAULT_TARGET_CREATE, FALSE);

  /* A status or reset comes before any task exists; a drop or a delay
   * after the task was made. */
  if (emu_server_fault_preempts (msg, fault, request_id))
    return;
  create_task (server, msg, request_id);
  emu_server_fault_finish (msg, fault);
}

/* ---- query and cancel */

static void reply_query (EmuServer * server, SoupServerMessage * msg,
    const char *task_id, const char *request_id);

/* What a proxy in the way might answer: not JSON, though labelled so. */
#define MALFORMED_BODY "<html>\r\n<head><title>502 Bad Gateway</title>" \
  "</head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" \
  "</body>\r\n</html>\r\n"

static void
handle_query (EmuServer * server, SoupServerMessage * msg,
    const char *task_id, const char *request_id)
{
  const EmuFault *fault = emu_server_take_fault (server, msg,
      EMU_FAULT_TARGET_QUERY, FALSE);

  if (emu_server_fault_preempts (msg, fault, request_id))
    return;
  reply_query (server, msg, task_id, request_id);
  if (fault != NULL && fault->kind == EMU_FAULT_MALFORMED) {
    soup_message_body_truncate (soup_server_message_get_response_body (msg));
    soup_server_message_set_response (msg, "application/json",
        SOUP_MEMORY_STATIC, MALFORMED_BODY, strlen (MALFORMED_BODY));
  } else if (fault != NULL && fault->kind == EMU_FAULT_TRUNCATED) {
    SoupMessageBody *body = soup_server_message_get_response_body (msg);
    g_autoptr (GBytes) whole = soup_message_body_flatten (body);
    gsize len;
    const char *data = g_bytes_get_data (whole, &len);

    /* A complete HTTP reply whose JSON stops half-way. */
    soup_message_body_truncate (body);
    soup_server_message_set_response (msg, "application/json",
        SOUP_MEMORY_COPY, data, len / 2);
  }
  emu_server_fault_finish (msg, fault);
}

static void
reply_query (EmuServer * server, SoupServerMessage * msg,
    const char *task_id, const char *request_id)
{
  EmuTask *task = emu_task_store_lookup (server->tasks, task_id);
  gint64 now = g_get_real_time ();

  if (task != NULL && task->video_url == NULL
      && emu_task_store_status (server->tasks, task, now) ==
      EMU_TASK_SUCCEEDED) {
    g_autofree char *path = g_strdup_printf ("/results/%s", task->video_name);

    /* Signed once, when first seen done: its expiry then counts from
     * there, as a URL stored by the service would. */
    task->video_url = emu_results_sign_url (server->results,
        server->oss_base, path);
  }
  emu_server_reply_json (msg, SOUP_STATUS_OK,
      emu_task_build_query_reply (server->tasks, task, task_id, request_id,
          task ? task->video_url : NULL, now), request_id);
}

static void
reply_cancel (EmuServer * server, SoupServerMessage * msg,
    const char *task_id, const char *request_id)
{
  EmuTask *task = emu_task_store_lookup (server->tasks, task_id);
  g_autoptr (JsonBuilder) b = json_builder_new ();

  if (task == NULL
      || !emu_task_store_cancel (server->tasks, task, g_get_real_time ())) {
    emu_server_reply_error (msg, SOUP_STATUS_BAD_REQUEST,
        "UnsupportedOperation", CANCEL_REFUSED, request_id);
    return;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "request_id");
  json_builder_add_string_value (b, request_id);
  json_builder_end_object (b);
  emu_server_reply_json (msg, SOUP_STATUS_OK, json_builder_get_root (b),
      request_id);
}

/* A delayed cancel takes effect on arrival, like a delayed create: only
 * its reply is held back. */
static void
handle_cancel (EmuServer * server, SoupServerMessage * msg,
    const char *task_id, const char *request_id)
{
  const EmuFault *fault = emu_server_take_fault (server, msg,
      EMU_FAULT_TARGET_CANCEL, FALSE);

  if (emu_server_fault_preempts (msg, fault, request_id))
    return;
  reply_cancel (server, msg, task_id, request_id);
  emu_server_fault_finish (msg, fault);
}

/* ---- list */

/* "YYYYMMDDhhmmss" in the service's zone (UTC+8) to real-time us: exactly
 * 14 digits of a real date and time (sscanf alone would let signs and
 * spaces through). */
static gboolean
parse_list_time (const char *text, gint64 * us)
{
  g_autoptr (GTimeZone) beijing = g_time_zone_new_offset (8 * 3600);
  g_autoptr (GDateTime) dt = NULL;
  int y, mo, d, h, mi, s, i;

  if (text == NULL || strlen (text) != 14)
    return FALSE;
  for (i = 0; i < 14; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  if (sscanf (text, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &s) != 6)
    return FALSE;
  dt = g_date_time_new (beijing, y, mo, d, h, mi, s);
  if (dt == NULL)
    return FALSE;
  *us = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
  return TRUE;
}

static gboolean
parse_positive (const char *text, gint64 max, gint64 * value)
{
  return g_ascii_string_to_signed (text, 10, 1, max, value, NULL);
}

static void
reply_list (EmuServer * server, SoupServerMessage * msg, GHashTable * query,
    const char *request_id)
{
  const char *task_id = NULL, *model = NULL, *status_text = NULL,
      *start_text = NULL, *end_text = NULL, *page_text = NULL,
      *size_text = NULL;
  gint64 now = g_get_real_time (), start_us, end_us, page_no = 1,
      page_size = 10, total, i, first;
  EmuTaskStatus status_filter = EMU_TASK_UNKNOWN;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GPtrArray) matches = g_ptr_array_new ();
  g_autoptr (JsonBuilder) b = json_builder_new ();

  if (query != NULL) {
    task_id = g_hash_table_lookup (query, "task_id");
    model = g_hash_table_lookup (query, "model_name");
    status_text = g_hash_table_lookup (query, "status");
    start_text = g_hash_table_lookup (query, "start_time");
    end_text = g_hash_table_lookup (query, "end_time");
    page_text = g_hash_table_lookup (query, "page_no");
    size_text = g_hash_table_lookup (query, "page_size");
  }
#define EMPTY_TO_NULL(s) if (s != NULL && *s == '\0') s = NULL
  EMPTY_TO_NULL (task_id);
  EMPTY_TO_NULL (model);
  EMPTY_TO_NULL (status_text);
  EMPTY_TO_NULL (start_text);
  EMPTY_TO_NULL (end_text);
  EMPTY_TO_NULL (page_text);
  EMPTY_TO_NULL (size_text);
#undef EMPTY_TO_NULL

  if ((start_text && !parse_list_time (start_text, &start_us))
      || (end_text && !parse_list_time (end_text, &end_us))) {
    emu_server_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidParameter",
        "start_time and end_time must be formatted as YYYYMMDDhhmmss.",
        request_id);
    return;
  }
  /* The window is at most 24 h; a missing end defaults from the other. */
  if (!end_text)
    end_us = start_text ? start_us + G_TIME_SPAN_DAY : now;
  if (!start_text)
    start_us = end_us - G_TIME_SPAN_DAY;
  /* end_time names a whole second: include all of it. */
  if (end_text)
    end_us += G_USEC_PER_SEC - 1;
  if (end_us < start_us || end_us - start_us > G_TIME_SPAN_DAY) {
    emu_server_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidParameter",
        "The time range between start_time and end_time must not exceed "
        "24 hours.", request_id);
    return;
  }
  if (status_text && !emu_task_status_from_name (status_text, &status_filter)) {
    emu_server_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidParameter",
        "Invalid status.", request_id);
    return;
  }
  if ((page_text && !parse_positive (page_text, G_MAXINT32, &page_no))
      || (size_text && !parse_positive (size_text, 100, &page_size))) {
    emu_server_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidParameter",
        "page_no must be a positive integer and page_size 1 to 100.",
        request_id);
    return;
  }

  /* Newest first. */
  tasks = emu_task_store_list (server->tasks);
  for (i = (gint64) tasks->len - 1; i >= 0; i--) {
    EmuTask *task = g_ptr_array_index (tasks, i);

    if (emu_task_told_submit_us (task) < start_us
        || emu_task_told_submit_us (task) > end_us)
      continue;
    if (task->outcome == EMU_TASK_OUTCOME_UNKNOWN)
      continue;                 /* forgotten, as an expired task */
    if (task_id && strcmp (task->id, task_id) != 0)
      continue;
    if (model && strcmp (task->spec->model, model) != 0)
      continue;
    if (status_text && emu_task_store_status (server->tasks, task, now)
        != status_filter)
      continue;
    g_ptr_array_add (matches, task);
  }

  total = matches->len;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "request_id");
  json_builder_add_string_value (b, request_id);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, total);
  json_builder_set_member_name (b, "total_page");
  json_builder_add_int_value (b, (total + page_size - 1) / page_size);
  json_builder_set_member_name (b, "page_no");
  json_builder_add_int_value (b, page_no);
  json_builder_set_member_name (b, "page_size");
  json_builder_add_int_value (b, page_size);
  json_builder_set_member_name (b, "data");
  json_builder_begin_array (b);
  first = (page_no - 1) * page_size;
  for (i = first; i < total && i < first + page_size; i++)
    json_builder_add_value (b, emu_task_build_list_item (server->tasks,
            g_ptr_array_index (matches, i), now));
  json_builder_end_array (b);
  json_builder_end_object (b);
  emu_server_reply_json (msg, SOUP_STATUS_OK, json_builder_get_root (b),
      request_id);
}

/* A list fault acts before the parameters are looked at, as a proxy's
 * would. */
static void
handle_list (EmuServer * server, SoupServerMessage * msg, GHashTable * query,
    const char *request_id)
{
  const EmuFault *fault = emu_server_take_fault (server, msg,
      EMU_FAULT_TARGET_LIST, FALSE);

  if (emu_server_fault_preempts (msg, fault, request_id))
    return;
  reply_list (server, msg, query, request_id);
  emu_server_fault_finish (msg, fault);
}

/* ---- uploads */

static void
handle_get_policy (EmuServer * server, SoupServerMessage * msg,
    GHashTable * query, const char *request_id)
{
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  char *reply;
  guint status = 0;
  const EmuFault *fault = emu_server_take_fault (server, msg,
      EMU_FAULT_TARGET_POLICY, FALSE);

  if (emu_server_fault_preempts (msg, fault, request_id))
    return;
  reply = emu_uploads_get_policy (server->uploads, query, server->oss_base,
      request_id, fault != NULL && fault->kind == EMU_FAULT_EXPIRED,
      &status, &code, &message);
  if (reply == NULL) {
    emu_server_reply_error (msg, status, code, message, request_id);
    emu_server_fault_finish (msg, fault);
    return;
  }
  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "x-request-id", request_id);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_TAKE, reply, strlen (reply));
  emu_server_fault_finish (msg, fault);
}

/* ---- routing */

void
emu_api_handle (EmuServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, const char *request_id)
{
  const char *method = soup_server_message_get_method (msg);
  g_auto (GStrv) parts = NULL;

  if (strcmp (path, CREATE_PATH) == 0 && method == SOUP_METHOD_POST) {
    handle_create (server, msg, request_id);
    return;
  }
  if ((strcmp (path, "/tasks") == 0 || strcmp (path, "/tasks/") == 0)
      && method == SOUP_METHOD_GET) {
    handle_list (server, msg, query, request_id);
    return;
  }
  if (strcmp (path, "/uploads") == 0 && method == SOUP_METHOD_GET) {
    handle_get_policy (server, msg, query, request_id);
    return;
  }
  if (g_str_has_prefix (path, "/tasks/")) {
    parts = g_strsplit (path + strlen ("/tasks/"), "/", -1);
    if (g_strv_length (parts) == 1 && *parts[0] != '\0'
        && method == SOUP_METHOD_GET) {
      handle_query (server, msg, parts[0], request_id);
      return;
    }
    if (g_strv_length (parts) == 2 && *parts[0] != '\0'
        && strcmp (parts[1], "cancel") == 0 && method == SOUP_METHOD_POST) {
      handle_cancel (server, msg, parts[0], request_id);
      return;
    }
  }
  emu_server_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidParameter",
      URL_ERROR, request_id);
}

/* ---- GET /__emulator/tasks */

JsonNode *
emu_api_tasks_to_json (EmuServer * server)
{
  g_autoptr (GPtrArray) tasks = emu_task_store_list (server->tasks);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  gint64 now = g_get_real_time ();
  guint i;

  json_builder_begin_array (b);
  for (i = 0; i < tasks->len; i++) {
    EmuTask *task = g_ptr_array_index (tasks, i);
    g_autofree char *submit =
        emu_format_task_time (emu_task_told_submit_us (task));

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "task_id");
    json_builder_add_string_value (b, task->id);
    json_builder_set_member_name (b, "request_id");
    json_builder_add_string_value (b, task->request_id);
    json_builder_set_member_name (b, "model");
    json_builder_add_string_value (b, task->spec->model);
    json_builder_set_member_name (b, "status");
    json_builder_add_string_value (b, emu_task_status_name
        (emu_task_store_status (server->tasks, task, now)));
    json_builder_set_member_name (b, "submit_time");
    json_builder_add_string_value (b, submit);
    json_builder_set_member_name (b, "work_done");
    json_builder_add_boolean_value (b, task->done);
    json_builder_set_member_name (b, "pending_ms");
    json_builder_add_int_value (b, task->pending_us / 1000);
    json_builder_set_member_name (b, "running_ms");
    json_builder_add_int_value (b, task->running_us / 1000);
    if (task->fault != NULL) {
      json_builder_set_member_name (b, "fault");
      json_builder_add_string_value (b, task->fault);
    }
    if (task->done && !task->failed) {
      json_builder_set_member_name (b, "video_width");
      json_builder_add_int_value (b, task->video_width);
      json_builder_set_member_name (b, "video_height");
      json_builder_add_int_value (b, task->video_height);
      json_builder_set_member_name (b, "input_video_duration");
      json_builder_add_double_value (b, task->input_video_s);
    }
    if (task->placeholders != NULL) {
      char **url;

      json_builder_set_member_name (b, "placeholders");
      json_builder_begin_array (b);
      for (url = task->placeholders; *url != NULL; url++)
        json_builder_add_string_value (b, *url);
      json_builder_end_array (b);
    }
    if (task->fail_code != NULL) {
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, task->fail_code);
    }
    if (task->fail_message != NULL) {
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, task->fail_message);
    }
    json_builder_set_member_name (b, "body");
    json_builder_add_string_value (b, task->body);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  return json_builder_get_root (b);
}
