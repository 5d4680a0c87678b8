/* wanr2v-error.h: errors of the DashScope client and of a task.
 *
 * The GError carries a message meant for people; WanR2vErrorInfo carries the
 * machine-readable details (HTTP status, service code, request and task id)
 * that the element puts into the GStreamer error's details structure.
 */
#pragma once

#include <glib.h>
#include "wanr2v-field.h"

G_BEGIN_DECLS

#define WANR2V_ERROR (wanr2v_error_quark ())
GQuark wanr2v_error_quark (void);

typedef enum
{
  WANR2V_ERROR_FAILED,          /* anything else */
  WANR2V_ERROR_NETWORK,         /* could not reach the server: nothing was sent */
  WANR2V_ERROR_TLS,             /* TLS unavailable or certificate refused */
  WANR2V_ERROR_PROTOCOL,        /* reply not understood */
  WANR2V_ERROR_AUTH,            /* 401 / 403 */
  WANR2V_ERROR_NOT_FOUND,       /* 404 */
  WANR2V_ERROR_BAD_REQUEST,     /* 400, 413, 415: the request itself */
  WANR2V_ERROR_THROTTLED,       /* 429 rate limit (retryable) */
  WANR2V_ERROR_QUOTA,           /* 429 quota / billing (not retryable) */
  WANR2V_ERROR_SERVER,          /* 5xx */
  WANR2V_ERROR_TASK_FAILED,     /* task ended FAILED */
  WANR2V_ERROR_TASK_CANCELED,   /* task ended CANCELED */
  WANR2V_ERROR_TASK_UNKNOWN,    /* task UNKNOWN: no such task or expired */
  WANR2V_ERROR_TIMEOUT,         /* the overall timeout ran out */
  WANR2V_ERROR_EXPIRED,         /* the result URL has expired */
  WANR2V_ERROR_IO,              /* local disk */
  WANR2V_ERROR_CANCELLED,       /* stopped by the user (state change) */
  WANR2V_ERROR_CONNECTION_LOST, /* the connection failed after the request
                                 * may have reached the server */
  WANR2V_ERROR_POLICY_EXPIRED,  /* the upload host refused an expired policy */
  WANR2V_ERROR_NOT_VIDEO,       /* a download reply that is not the video
                                 * (an HTML page, a wrong range): nothing of
                                 * it was kept, it may be tried again */
  WANR2V_ERROR_CORRUPT,         /* a downloaded video whose checksum does not
                                 * match the server's: it was discarded */
  WANR2V_ERROR_UNAVAILABLE,     /* a library this needs could not be loaded
                                 * (libsoup, pbutils): no later try mends it */
} WanR2vErrorCode;

typedef struct
{
  guint http_status;            /* 0 when there was no HTTP reply */
  char *code;                   /* service code, e.g. "InvalidApiKey" */
  char *message;                /* service message */
  char *request_id;
  char *task_id;
} WanR2vErrorInfo;

WanR2vErrorInfo *wanr2v_error_info_new (void);
WanR2vErrorInfo *wanr2v_error_info_copy (const WanR2vErrorInfo * info);
void wanr2v_error_info_free (WanR2vErrorInfo * info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vErrorInfo, wanr2v_error_info_free)

/* The input of the request an error of WANR2V_ERROR or WANR2V_REQUEST_ERROR
 * is about (see wanr2v-field.h, whose functions are the way to set it);
 * setting it on an error of another domain does nothing, and getting it
 * there gives NULL. */
void wanr2v_error_set_field_ref (GError * error, const WanR2vFieldRef * ref);
const WanR2vFieldRef *wanr2v_error_get_field_ref (const GError * error);

/* Maps an HTTP status and service code of a non-200 reply to an error code. */
WanR2vErrorCode wanr2v_error_code_for_reply (guint http_status,
    const char *service_code);

/* Whether a request answered with this status/code may be sent again. */
gboolean wanr2v_error_is_retryable (guint http_status,
    const char *service_code);

/* Registers both domains now, in a module that links another copy of this
 * file later (the plugin, before it opens its engine). */
void wanr2v_error_register_domains (void);

G_END_DECLS
