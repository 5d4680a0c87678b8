/* gstwanr2vsrc-trust.c: what a wanr2v:// URI may make wanr2vsrc do. */
#include "gstwanr2vsrc-trust.h"
#include "gstwanr2vsrc-private.h"

#include "wanr2v-request.h"

#include <string.h>

/* How the application makes setting @name itself. */
static const char *
how_to_set (const char *name)
{
  if (strcmp (name, "base-url") == 0)
    return "set the base-url property (e.g. in playbin's source-setup "
        "handler) or DASHSCOPE_HTTP_BASE_URL: the API key goes only to a "
        "host the application or the user chose";
  if (strcmp (name, "cache-dir") == 0)
    return "set the cache-dir property (e.g. in playbin's source-setup "
        "handler); its default is $XDG_CACHE_HOME/wanr2v/videos";
  if (strcmp (name, "allow-local-files") == 0)
    return "an application that trusts its URIs sets allow-local-files=true "
        "on the source itself (e.g. in playbin's source-setup handler)";
  return "the application sets it as a property of the source (e.g. in "
      "playbin's source-setup handler)";
}

gboolean
gst_wanr2v_src_trust_check_app_only (const char *const *names, GError ** error)
{
  if (names == NULL || names[0] == NULL)
    return TRUE;
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "%s cannot come from a wanr2v:// URI: a URI only says what to "
      "generate (prompt, references, model, resolution...); %s",
      names[0], how_to_set (names[0]));
  return FALSE;
}

/* A local path as it may appear in a message: valid UTF-8, not long. */
static char *
quote_path (const char *url)
{
  g_autofree char *valid = g_utf8_make_valid (url, -1);

  if (g_utf8_strlen (valid, -1) > 80) {
    g_autofree char *head = g_utf8_substring (valid, 0, 80);

    return g_strdup_printf ("\"%s...\"", head);
  }
  return g_strdup_printf ("\"%s\"", valid);
}

static const char *
index_text (guint i, char buf[16])
{
  g_snprintf (buf, 16, "[%u]", i);
  return buf;
}

gboolean
gst_wanr2v_src_trust_check_references (const char *property, gboolean array,
    const char *const *urls, gboolean allow_local_files, GError ** error)
{
  char index[16];
  guint i;

  if (allow_local_files || urls == NULL)
    return TRUE;
  for (i = 0; urls[i]; i++) {
    g_autofree char *quoted = NULL;

    /* Only local files are refused: remote references (https://, oss://,
     * data:) are fetched by the service, not read from this machine.  An
     * invalid entry is left to the request's own checks. */
    if (*urls[i] == '\0' || wanr2v_url_classify (urls[i]) != WANR2V_URL_LOCAL)
      continue;
    quoted = quote_path (urls[i]);
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "%s%s from a wanr2v:// URI is a local file (%s): a URI may not "
        "send files of this machine to the service. An application that "
        "trusts its URIs sets allow-local-files=true on the source (e.g. in "
        "playbin's source-setup handler)", property,
        array ? index_text (i, index) : "", quoted);
    return FALSE;
  }
  return TRUE;
}

/* The trust rule (see gstwanr2vsrc-trust.h): what a URI set is only what to
 * generate.  Checked before anything is opened; no I/O. */
gboolean
gst_wanr2v_src_settings_check_uri_trust (const GstWanR2vSrcSettings * s,
    GError ** error)
{
  const char *first_frame[] = { s->first_frame, NULL };

  if (!gst_wanr2v_src_trust_check_app_only ((const char *const *) s->uri_app_only,
          error))
    return FALSE;
  return (!FROM_URI (s, PROP_IMAGES)
      || gst_wanr2v_src_trust_check_references ("images", TRUE,
          (const char *const *) s->images, s->allow_local_files, error))
      && (!FROM_URI (s, PROP_VIDEOS)
      || gst_wanr2v_src_trust_check_references ("videos", TRUE,
          (const char *const *) s->videos, s->allow_local_files, error))
      && (!FROM_URI (s, PROP_IMAGE_VOICES)
      || gst_wanr2v_src_trust_check_references ("image-voices", TRUE,
          (const char *const *) s->image_voices, s->allow_local_files, error))
      && (!FROM_URI (s, PROP_VIDEO_VOICES)
      || gst_wanr2v_src_trust_check_references ("video-voices", TRUE,
          (const char *const *) s->video_voices, s->allow_local_files, error))
      && (!FROM_URI (s, PROP_FIRST_FRAME) || s->first_frame == NULL
      || gst_wanr2v_src_trust_check_references ("first-frame", FALSE, first_frame,
          s->allow_local_files, error));
}
