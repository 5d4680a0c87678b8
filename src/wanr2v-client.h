/* wanr2v-client.h: the DashScope task API (create, query, cancel, list).
 *
 * One call is one HTTP request: retry policy, schedules and timeouts belong
 * to the caller (wanr2v-job).  Every function here must be called on the
 * shared HTTP thread (wanr2v-http), and completes there.
 *
 * The API key is only ever sent to the base URL's host, in the Authorization
 * header, and never appears in a message or log line made here.
 */
#pragma once

#include <gio/gio.h>
#include "wanr2v-error.h"
#include "wanr2v-json.h"

G_BEGIN_DECLS

#define WANR2V_DEFAULT_BASE_URL "https://dashscope.aliyuncs.com/api/v1"

typedef struct _WanR2vClient WanR2vClient;

/* Where the first CR, LF or other control character of @api_key is
 * (0-based), or -1 when it has none.  Such a key would break or inject
 * HTTP headers; messages say where it is, never what the key is. */
gssize wanr2v_client_key_bad_char (const char *api_key);

/* Fails (WANR2V_ERROR_FAILED / TLS) when @base_url is not an http(s) URL,
 * or when it is plain http to a host other than loopback and
 * @allow_insecure is FALSE.  Whether https can work is asked later, by
 * wanr2v_client_check_transport(): a client made only to serve a kept
 * video never loads the TLS backend. */
WanR2vClient *wanr2v_client_new (const char *base_url, const char *api_key,
    gboolean allow_insecure, GError ** error);
/* FALSE with WANR2V_ERROR_TLS when the base URL is https and this process
 * has no TLS backend (glib-networking).  Every request of the client asks
 * it first; a caller may ask it earlier, to fail before a long wait.  The
 * first call loads GIO's TLS backend (GnuTLS and its libraries: about
 * 10 ms), which is why wanr2v_client_new() does not. */
gboolean wanr2v_client_check_transport (WanR2vClient * client,
    GError ** error);
WanR2vClient *wanr2v_client_ref (WanR2vClient * client);
void wanr2v_client_unref (WanR2vClient * client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vClient, wanr2v_client_unref)

const char *wanr2v_client_get_base_url (WanR2vClient * client);

/* Per-request timeout in seconds (no reply within it: the request fails). */
void wanr2v_client_set_request_timeout (WanR2vClient * client, guint seconds);

void wanr2v_client_create_task_async (WanR2vClient * client,
    const char *body, gboolean oss_resolve, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data);
/* On failure, *@details (if not NULL) receives what the service said. */
WanR2vTaskInfo *wanr2v_client_create_task_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error);

void wanr2v_client_query_task_async (WanR2vClient * client,
    const char *task_id, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data);
WanR2vTaskInfo *wanr2v_client_query_task_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error);

void wanr2v_client_cancel_task_async (WanR2vClient * client,
    const char *task_id, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data);
gboolean wanr2v_client_cancel_task_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error);

/* GET /uploads?action=getPolicy&model=@model: a temporary upload policy. */
void wanr2v_client_get_upload_policy_async (WanR2vClient * client,
    const char *model, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data);
WanR2vUploadPolicy *wanr2v_client_get_upload_policy_finish (WanR2vClient *
    client, GAsyncResult * result, WanR2vErrorInfo ** details,
    GError ** error);

/* GET /tasks/?model_name=@model&start_time=..&end_time=.. (times in seconds
 * since the epoch, sent in the service's zone): an array of
 * WanR2vTaskSummary*, newest pages first as the service orders them. */
void wanr2v_client_list_tasks_async (WanR2vClient * client,
    const char *model, gint64 start_s, gint64 end_s,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data);
GPtrArray *wanr2v_client_list_tasks_finish (WanR2vClient * client,
    GAsyncResult * result, WanR2vErrorInfo ** details, GError ** error);

/* The most tasks one list page may hold (the service's page_size limit). */
#define WANR2V_CLIENT_LIST_MAX_PAGE_SIZE 100

/* The same for page @page_no (from 1) of @page_size tasks, of any model
 * when @model is NULL; finished by wanr2v_client_list_tasks_finish(). */
void wanr2v_client_list_tasks_page_async (WanR2vClient * client,
    const char *model, gint64 start_s, gint64 end_s, guint page_no,
    guint page_size, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data);

/* Whether @a and @b speak for the same account: the same base URL and key
 * (only then may one request answer for the tasks of both). */
gboolean wanr2v_client_same_account (WanR2vClient * a, WanR2vClient * b);

/* Whether a failed request certainly never reached the server (connection
 * refused, name not resolved...): only then may a create be sent again. */
gboolean wanr2v_client_error_is_not_sent (const GError * error);

G_END_DECLS
