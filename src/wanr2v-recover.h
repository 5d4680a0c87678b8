/* wanr2v-recover.h: finding a task whose create reply never came.
 *
 * A create whose reply was lost (timeout, reset after sending), or that an
 * earlier process sent before it died (its intent record, wanr2v-intent.h),
 * may have made a task that is billed.  It is looked for in the task list,
 * never made again.  Adopting someone else's task would be as bad as
 * paying twice (their video would be kept under this request's key), so a
 * task is adopted only when it matches: same model, created within a
 * window around the send (a task whose time neither the list nor its query
 * shows is never adopted blindly), not followed by another job of this
 * process, and the same prompt when its query shows one.
 */
#pragma once

#include "wanr2v-client.h"

G_BEGIN_DECLS

typedef enum
{
  WANR2V_RECOVER_FOUND,         /* exactly one task matches: adopt it */
  WANR2V_RECOVER_NONE,          /* none: the create made no task */
  WANR2V_RECOVER_AMBIGUOUS,     /* several, or one of unknown age */
} WanR2vRecoverResult;

/* How far from the send a matching task may have been created. */
#define WANR2V_RECOVER_WINDOW_MS (30 * 1000)

typedef gboolean (*WanR2vRecoverExcludeFunc) (const char *task_id);

typedef struct
{
  const char *model;
  const char *prompt;
  gint64 sent_ms;               /* epoch ms when the create was sent */
  guint tries;                  /* list queries while nothing matches */
  guint first_delay_ms;         /* before the first */
  guint retry_delay_ms;         /* between the others */
  WanR2vRecoverExcludeFunc exclude;     /* tasks not to adopt; may be NULL */
} WanR2vRecoverSpec;

/* Must be called on the HTTP thread; completes there.  Not cancellable:
 * a search started before a stop still finds (and lets the caller cancel)
 * the task, and it ends after @tries lists at most. */
void wanr2v_recover_async (WanR2vClient * client,
    const WanR2vRecoverSpec * spec, GAsyncReadyCallback callback,
    gpointer user_data);

/* FALSE with @error when no list could be read.  Otherwise *@result, and
 * for FOUND *@task_id; for AMBIGUOUS *@candidates (a NULL-terminated list
 * of the task ids that may be this request's). */
gboolean wanr2v_recover_finish (GAsyncResult * res,
    WanR2vRecoverResult * result, char **task_id, char ***candidates,
    GError ** error);

/* ---- the rules, on their own (for tests) ---- */

typedef struct
{
  char *task_id;
  gint64 created_ms;            /* 0: unknown */
  char *prompt;                 /* NULL: unknown */
} WanR2vRecoverCandidate;

void wanr2v_recover_candidate_free (WanR2vRecoverCandidate * candidate);

/* Drops from @candidates (of WanR2vRecoverCandidate*) those that cannot be
 * this request's (another prompt, created outside @window_ms around
 * @sent_ms) and tells what is left. */
WanR2vRecoverResult wanr2v_recover_decide (GPtrArray * candidates,
    const char *prompt, gint64 sent_ms, gint64 window_ms);

/* "YYYY-MM-DD HH:mm:ss.SSS" in the service's zone (UTC+8) to epoch ms;
 * 0 when it cannot be read. */
gint64 wanr2v_recover_parse_service_time (const char *text);

G_END_DECLS
