/* wanr2v-retry.h: what to do when a request fails, in one place.
 *
 * Every failed request of a job (create, query, cancel, upload policy,
 * upload, download) and of the shared poller (list) is classified here, by its error's domain and code and
 * by the service's reply, into one action.  docs/failure-model.md's table
 * "Retry policy" lists the same rules, and tests/unit/test-retry.c walks
 * that table against this function, so that the two cannot drift apart.
 */
#pragma once

#include "wanr2v-error.h"

G_BEGIN_DECLS

typedef enum
{
  WANR2V_CALL_CREATE,
  WANR2V_CALL_QUERY,
  WANR2V_CALL_CANCEL,
  WANR2V_CALL_POLICY,
  WANR2V_CALL_UPLOAD,
  WANR2V_CALL_DOWNLOAD,
  WANR2V_CALL_LIST,             /* the shared poller's task list */
} WanR2vCall;

typedef enum
{
  WANR2V_RETRY_FAIL,            /* end the run with the error (a list:
                                 * stop listing, the tasks are queried
                                 * one by one) */
  WANR2V_RETRY_AGAIN,           /* send again after a backoff, up to
                                 * `retries` times */
  WANR2V_RETRY_WAIT,            /* a throttle: wait it out, backing off, for
                                 * a bounded window, whatever `retries` says */
  WANR2V_RETRY_POLL,            /* a query: ask again at the next instant of
                                 * the schedule, within the overall timeout
                                 * (a list: at the next tick, the tasks
                                 * being queried one by one meanwhile) */
  WANR2V_RETRY_RESUME,          /* a download: resume from the bytes on disk
                                 * (or from 0 when they were not the video),
                                 * up to `retries` times */
  WANR2V_RETRY_RECOVER,         /* a create whose reply was lost: look the
                                 * task up in the task list, never send the
                                 * create again */
} WanR2vRetryAction;

/* The action for a failed @call: @error as the client reported it, and
 * @details (may be NULL) with the reply's HTTP status and service code. */
WanR2vRetryAction wanr2v_retry_classify (WanR2vCall call,
    const GError * error, const WanR2vErrorInfo * details);

G_END_DECLS
