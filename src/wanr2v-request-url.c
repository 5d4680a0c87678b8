/* wanr2v-request-url.c: the forms a reference given by a user may take
 * (file path, file://, http(s)://, oss://, data:).
 */
#include "wanr2v-request.h"

#include <string.h>

/* ---- URL forms ---------------------------------------------------------- */

static gboolean
is_http_url (const char *url)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme, *host, *p;

  /* g_uri_parse lets spaces through, but the service answers such a URL
   * with "url error" only after the upload of everything else. */
  for (p = url; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      return FALSE;

  /* ENCODED: signed OSS URLs carry %-escapes that must stay as they are. */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  return (g_ascii_strcasecmp (scheme, "http") == 0
      || g_ascii_strcasecmp (scheme, "https") == 0)
      && host != NULL && *host != '\0';
}

/* file:// URIs name local files only: a remote host cannot be read. */
static char *
local_path_from_file_uri (const char *url)
{
  g_autofree char *hostname = NULL;
  char *path;

  path = g_filename_from_uri (url, &hostname, NULL);
  if (path == NULL)
    return NULL;
  if (hostname != NULL && g_ascii_strcasecmp (hostname, "localhost") != 0) {
    g_free (path);
    return NULL;
  }
  return path;
}

WanR2vUrlKind
wanr2v_url_classify (const char *url)
{
  g_autofree char *scheme = NULL;

  if (url == NULL || *url == '\0')
    return WANR2V_URL_INVALID;

  scheme = g_uri_parse_scheme (url);
  if (scheme == NULL)
    return WANR2V_URL_LOCAL;    /* a plain path, absolute or relative */

  if (g_ascii_strcasecmp (scheme, "data") == 0)
    return WANR2V_URL_DATA;
  if (g_ascii_strcasecmp (scheme, "http") == 0
      || g_ascii_strcasecmp (scheme, "https") == 0)
    return is_http_url (url) ? WANR2V_URL_HTTP : WANR2V_URL_INVALID;
  if (g_ascii_strcasecmp (scheme, "oss") == 0) {
    const char *rest = url + strlen ("oss:");

    if (!g_str_has_prefix (rest, "//"))
      return WANR2V_URL_INVALID;
    rest += 2;
    while (*rest == '/')
      rest++;
    return *rest != '\0' ? WANR2V_URL_OSS : WANR2V_URL_INVALID;
  }
  if (g_ascii_strcasecmp (scheme, "file") == 0) {
    g_autofree char *path = local_path_from_file_uri (url);

    return path != NULL ? WANR2V_URL_LOCAL : WANR2V_URL_INVALID;
  }
  return WANR2V_URL_INVALID;
}

char *
wanr2v_url_to_local_path (const char *url)
{
  if (wanr2v_url_classify (url) != WANR2V_URL_LOCAL)
    return NULL;
  if (g_uri_peek_scheme (url) != NULL)
    return local_path_from_file_uri (url);
  return g_strdup (url);
}
gboolean
wanr2v_request_uses_oss (const WanR2vRequest * req)
{
  guint i;

  if (req == NULL || req->media == NULL)
    return FALSE;
  for (i = 0; i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);

    if (wanr2v_url_classify (m->url) == WANR2V_URL_OSS)
      return TRUE;
    if (m->voice != NULL && wanr2v_url_classify (m->voice) == WANR2V_URL_OSS)
      return TRUE;
  }
  return FALSE;
}
