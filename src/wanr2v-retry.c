/* wanr2v-retry.c: what to do when a request fails. */
#include "wanr2v-retry.h"

#include "wanr2v-client.h"

static gboolean
is (const GError * error, WanR2vErrorCode code)
{
  return g_error_matches (error, WANR2V_ERROR, code);
}

/* The service answered with a status worth sending again (408, 5xx, a
 * rate limit), or the request never left (refused connection, no such
 * host; a refused certificate is final). */
static gboolean
worth_again (const GError * error, const WanR2vErrorInfo * details)
{
  if (details != NULL && details->http_status != 0)
    return wanr2v_error_is_retryable (details->http_status, details->code);
  return wanr2v_client_error_is_not_sent (error) && !is (error,
      WANR2V_ERROR_TLS);
}

WanR2vRetryAction
wanr2v_retry_classify (WanR2vCall call, const GError * error,
    const WanR2vErrorInfo * details)
{
  /* UNAVAILABLE, for every call: no request could be built (libsoup
   * could not be loaded), and no later try mends that. */
  if (error == NULL || is (error, WANR2V_ERROR_UNAVAILABLE))
    return WANR2V_RETRY_FAIL;

  switch (call) {
    case WANR2V_CALL_CREATE:
      /* Sent, and no answer: the task may exist and be billed. */
      if (is (error, WANR2V_ERROR_CONNECTION_LOST))
        return WANR2V_RETRY_RECOVER;
      if (is (error, WANR2V_ERROR_THROTTLED))
        return WANR2V_RETRY_WAIT;
      return worth_again (error, details) ? WANR2V_RETRY_AGAIN :
          WANR2V_RETRY_FAIL;

    case WANR2V_CALL_QUERY:
      /* A query changes nothing: anything transient is asked again; only
       * what no later query can mend ends the wait. */
      if (is (error, WANR2V_ERROR_AUTH) || is (error, WANR2V_ERROR_NOT_FOUND)
          || is (error, WANR2V_ERROR_BAD_REQUEST)
          || is (error, WANR2V_ERROR_QUOTA) || is (error, WANR2V_ERROR_TLS))
        return WANR2V_RETRY_FAIL;
      return WANR2V_RETRY_POLL;

    case WANR2V_CALL_CANCEL:
      /* Sent once: a task that cannot be cancelled any more runs on. */
      return WANR2V_RETRY_FAIL;

    case WANR2V_CALL_POLICY:
      if (is (error, WANR2V_ERROR_CONNECTION_LOST))
        return WANR2V_RETRY_AGAIN;      /* nothing is created by it */
      return worth_again (error, details) ? WANR2V_RETRY_AGAIN :
          WANR2V_RETRY_FAIL;

    case WANR2V_CALL_UPLOAD:
      /* Each try uses a fresh policy: an expired one is what failed. */
      if (is (error, WANR2V_ERROR_POLICY_EXPIRED)
          || is (error, WANR2V_ERROR_SERVER)
          || is (error, WANR2V_ERROR_CONNECTION_LOST))
        return WANR2V_RETRY_AGAIN;
      return WANR2V_RETRY_FAIL;

    case WANR2V_CALL_LIST:
      /* Only a way to save queries: what will not mend stops the listing
       * (each task is queried on its own, and tells its own error);
       * anything transient is listed again at the next tick. */
      if (is (error, WANR2V_ERROR_AUTH) || is (error, WANR2V_ERROR_NOT_FOUND)
          || is (error, WANR2V_ERROR_BAD_REQUEST)
          || is (error, WANR2V_ERROR_QUOTA) || is (error, WANR2V_ERROR_TLS)
          || is (error, WANR2V_ERROR_PROTOCOL))
        return WANR2V_RETRY_FAIL;
      return WANR2V_RETRY_POLL;

    case WANR2V_CALL_DOWNLOAD:
      /* NOT_VIDEO (a proxy's page) was discarded before a reader saw it;
       * CORRUPT was not: a reader may have its bytes, so it ends the run
       * and the next run downloads afresh. */
      if (is (error, WANR2V_ERROR_CONNECTION_LOST)
          || is (error, WANR2V_ERROR_SERVER)
          || is (error, WANR2V_ERROR_NOT_VIDEO))
        return WANR2V_RETRY_RESUME;
      return WANR2V_RETRY_FAIL;
  }
  return WANR2V_RETRY_FAIL;
}
