/* wanr2v-error.c: errors of the DashScope client and of a task.
 *
 * The mapping from HTTP status and service code follows the error table of
 * the protocol notes (section 6).  The service code refines the status where
 * one status means several things: 429 is either a rate limit (back off and
 * retry) or a billing/quota problem (retrying only bills the user's patience).
 */
#include "wanr2v-error.h"

#include <glib-object.h>
#include <string.h>

/* Both error domains of the core carry what they are about.  Registered
 * by hand rather than with G_DEFINE_EXTENDED_ERROR, which would rename
 * the domains' quarks. */
typedef struct
{
  WanR2vFieldRef field;
} ErrorPrivate;

/* Where GLib keeps an extended error's private data: just before the
 * GError, aligned as G_DEFINE_EXTENDED_ERROR computes it. */
static ErrorPrivate *
error_private (const GError * error)
{
  const gsize alignment = 2 * sizeof (gsize);
  const gsize size = (sizeof (ErrorPrivate) + (alignment - 1)) & -alignment;

  return (ErrorPrivate *) (((guint8 *) error) - size);
}

static void
private_init (GError * error)
{
  memset (error_private (error), 0, sizeof (ErrorPrivate));
}

static void
private_copy (const GError * src, GError * dest)
{
  *error_private (dest) = *error_private (src);
}

static void
private_clear (GError * error)
{
}

/* The plugin and its engine (gst/gstwanr2vsrc-engine.h) each link this
 * file, and a domain can be registered once per process: the copy that
 * comes second finds the domains registered, by a marker type registered
 * with them (a type name, unlike a quark, exists only once registered).
 * The plugin registers them before it opens its engine, so the two never
 * race.  The layout of the private data is the same in both copies. */
#define REGISTERED_MARKER "WanR2vErrorDomainsRegistered"

static GQuark error_domain, request_error_domain;

static gpointer
register_domains (gpointer data)
{
  const char *names[] = { "wanr2v-error-quark", "wanr2v-request-error-quark" };
  GQuark *quarks[] = { &error_domain, &request_error_domain };
  gboolean registered = g_type_from_name (REGISTERED_MARKER) != 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    *quarks[i] = registered ? g_quark_from_static_string (names[i]) :
        g_error_domain_register_static (names[i], sizeof (ErrorPrivate),
        private_init, private_copy, private_clear);
  if (!registered)
    g_pointer_type_register_static (REGISTERED_MARKER);
  return NULL;
}

void
wanr2v_error_register_domains (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, register_domains, NULL);
}

GQuark
wanr2v_error_quark (void)
{
  wanr2v_error_register_domains ();
  return error_domain;
}

GQuark
wanr2v_request_error_quark (void)
{
  wanr2v_error_register_domains ();
  return request_error_domain;
}

static ErrorPrivate *
get_private (const GError * error)
{
  if (error == NULL || (error->domain != WANR2V_ERROR
          && error->domain != WANR2V_REQUEST_ERROR))
    return NULL;
  return error_private (error);
}

void
wanr2v_error_set_field_ref (GError * error, const WanR2vFieldRef * ref)
{
  ErrorPrivate *priv = get_private (error);

  if (priv != NULL)
    priv->field = *ref;
}

const WanR2vFieldRef *
wanr2v_error_get_field_ref (const GError * error)
{
  ErrorPrivate *priv = get_private (error);

  return priv != NULL ? &priv->field : NULL;
}

WanR2vErrorInfo *
wanr2v_error_info_new (void)
{
  return g_new0 (WanR2vErrorInfo, 1);
}

WanR2vErrorInfo *
wanr2v_error_info_copy (const WanR2vErrorInfo * info)
{
  WanR2vErrorInfo *copy;

  if (info == NULL)
    return NULL;

  copy = wanr2v_error_info_new ();
  copy->http_status = info->http_status;
  copy->code = g_strdup (info->code);
  copy->message = g_strdup (info->message);
  copy->request_id = g_strdup (info->request_id);
  copy->task_id = g_strdup (info->task_id);
  return copy;
}

void
wanr2v_error_info_free (WanR2vErrorInfo * info)
{
  if (info == NULL)
    return;
  g_free (info->code);
  g_free (info->message);
  g_free (info->request_id);
  g_free (info->task_id);
  g_free (info);
}

static gboolean
code_in (const char *code, const char *const *list)
{
  if (code == NULL)
    return FALSE;
  for (; *list; list++)
    if (strcmp (code, *list) == 0)
      return TRUE;
  return FALSE;
}

/* Billing problems need a person: the account must be fixed.
 * Throttling.AllocationQuota is not one, whatever its wording ("You
 * exceeded your current quota, please check your plan and billing
 * details"): the service's error-code page calls it a per-minute
 * allocation throttle that recovers within the minute, and clients that
 * gave up on it failed for nothing.  It is a 429 like the others. */
static const char *const quota_codes[] = {
  "PrepaidBillOverdue", "PostpaidBillOverdue", "CommodityNotPurchased",
  "Arrearage", NULL
};

WanR2vErrorCode
wanr2v_error_code_for_reply (guint http_status, const char *service_code)
{
  /* Arrearage comes as a 400 but is about the account, not the request. */
  if (code_in (service_code, quota_codes))
    return WANR2V_ERROR_QUOTA;

  switch (http_status) {
    case 401:
    case 403:
      return WANR2V_ERROR_AUTH;
    case 404:
      return WANR2V_ERROR_NOT_FOUND;
    case 400:
    case 413:
    case 415:
      return WANR2V_ERROR_BAD_REQUEST;
    case 408:
      /* The server gave up waiting for us: nothing was done, try again. */
      return WANR2V_ERROR_SERVER;
    case 429:
      /* Throttling, Throttling.RateQuota and LimitRequests are rate limits
       * that clear within about a minute; a 429 with an unfamiliar code (or
       * none) is most likely one too.  The quota codes were handled above. */
      return WANR2V_ERROR_THROTTLED;
    default:
      break;
  }

  if (http_status >= 500 && http_status <= 599)
    return WANR2V_ERROR_SERVER;
  if (http_status >= 400 && http_status <= 499)
    return WANR2V_ERROR_BAD_REQUEST;
  return WANR2V_ERROR_FAILED;
}

gboolean
wanr2v_error_is_retryable (guint http_status, const char *service_code)
{
  if (code_in (service_code, quota_codes))
    return FALSE;

  switch (http_status) {
    case 408:
    case 500:
    case 502:
    case 503:
    case 504:
      return TRUE;
    case 429:
      return wanr2v_error_code_for_reply (http_status, service_code) ==
          WANR2V_ERROR_THROTTLED;
    default:
      return FALSE;
  }
}
