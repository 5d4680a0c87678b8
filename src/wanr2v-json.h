/* wanr2v-json.h: the DashScope wire format (JSON bodies both ways).
 *
 * Strict in what we send, liberal in what we accept: numbers that arrive as
 * strings, booleans as "true", unknown fields and missing optional fields are
 * all tolerated by the parsers here.
 */
#pragma once

#include <glib.h>
#include "wanr2v-request.h"

G_BEGIN_DECLS

/* ---- create body -------------------------------------------------------- */

/* Builds the create-task body for @req, in the protocol of its model family
 * (wan2.7 `media`, wan2.6 `reference_urls` + `size`).  URLs are written as
 * they are in @req: resolve local files first.  Unset optional parameters
 * are left out.  Returns NULL and sets @error (WANR2V_REQUEST_ERROR) when the
 * request cannot be expressed in that protocol. */
char *wanr2v_json_build_create_body (const WanR2vRequest * req,
    GError ** error);

/* Parses a create body as in the service's curl examples (model, input,
 * parameters) into a request.  Both protocols are understood; `referenceVoice`
 * is accepted for `reference_voice`.  Unknown fields are ignored. */
WanR2vRequest *wanr2v_json_parse_request (const char *json, gssize length,
    GError ** error);

/* ---- replies ------------------------------------------------------------ */

typedef enum
{
  WANR2V_TASK_STATUS_UNRECOGNISED = 0,  /* e.g. SUSPENDED: not finished */
  WANR2V_TASK_STATUS_PENDING,
  WANR2V_TASK_STATUS_RUNNING,
  WANR2V_TASK_STATUS_SUCCEEDED,
  WANR2V_TASK_STATUS_FAILED,
  WANR2V_TASK_STATUS_CANCELED,
  WANR2V_TASK_STATUS_UNKNOWN,
} WanR2vTaskStatus;

WanR2vTaskStatus wanr2v_task_status_from_string (const char *s);
const char *wanr2v_task_status_to_string (WanR2vTaskStatus status);
/* SUCCEEDED, FAILED, CANCELED, UNKNOWN: nothing follows (the shared
 * poller's list and the job's queries both need to know). */
gboolean wanr2v_task_status_is_final (WanR2vTaskStatus status);

typedef struct
{
  char *request_id;
  char *task_id;
  WanR2vTaskStatus status;
  char *status_string;          /* as received, e.g. "SUSPENDED" */
  char *submit_time;            /* "YYYY-MM-DD HH:mm:ss.SSS" as received */
  char *scheduled_time;
  char *end_time;
  char *video_url;
  char *orig_prompt;
  char *actual_prompt;
  char *code;                   /* FAILED tasks; may be NULL */
  char *message;

  gboolean has_usage;
  double usage_duration;        /* billed seconds */
  double usage_input_video_duration;
  double usage_output_video_duration;
  gint usage_video_count;
  gint usage_sr;
  char *usage_ratio;            /* wan2.7 */
  char *usage_size;             /* wan2.6 */
} WanR2vTaskInfo;

void wanr2v_task_info_free (WanR2vTaskInfo * info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vTaskInfo, wanr2v_task_info_free)

/* Parses a create or query reply (HTTP 200).  Fails (WANR2V_ERROR_PROTOCOL)
 * when the body is not JSON or has no output.task_id. */
WanR2vTaskInfo *wanr2v_json_parse_task (const char *body, gssize length,
    GError ** error);

/* Parses an error reply {request_id, code, message}.  Never fails: fields
 * that cannot be read are left NULL (proxies answer with HTML). */
void wanr2v_json_parse_error (const char *body, gssize length,
    char **code, char **message, char **request_id);

/* ---- task list (GET /tasks/) ------------------------------------------ */

typedef struct
{
  char *task_id;
  char *status;
  char *model_name;
  gint64 gmt_create_ms;         /* epoch milliseconds; 0 when absent */
} WanR2vTaskSummary;

/* Parses a list reply into an array of WanR2vTaskSummary* (entries without
 * a task_id are skipped).  Fails (WANR2V_ERROR_PROTOCOL) when the body is
 * not a JSON object with a `data` array. */
GPtrArray *wanr2v_json_parse_task_list (const char *body, gssize length,
    GError ** error);

/* ---- temporary upload policy (GET /uploads?action=getPolicy) ------------ */

/* Upload policy numbers are clamped to these when parsed. */
#define WANR2V_POLICY_MAX_EXPIRE_S (24 * 3600)
#define WANR2V_POLICY_MAX_MB (1024 * 1024)
/* The service says 999999999 (no limit); in bytes this still fits. */
#define WANR2V_POLICY_MAX_CAPACITY_MB (G_GINT64_CONSTANT (1) << 40)

typedef struct
{
  char *request_id;
  char *policy;
  char *signature;
  char *upload_dir;
  char *upload_host;
  char *oss_access_key_id;
  char *x_oss_object_acl;
  char *x_oss_forbid_overwrite; /* "true"/"false", normalised from a bool */
  gint64 expire_in_seconds;
  gint64 max_file_size_mb;
  gint64 capacity_limit_mb;
} WanR2vUploadPolicy;

void wanr2v_upload_policy_free (WanR2vUploadPolicy * policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vUploadPolicy, wanr2v_upload_policy_free)

WanR2vUploadPolicy *wanr2v_json_parse_upload_policy (const char *body,
    gssize length, GError ** error);

G_END_DECLS
