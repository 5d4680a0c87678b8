/* fuzz-uri.c: wanr2v:// URIs, which playbin, uridecodebin and gst-play-1.0
 * hand to wanr2vsrc as they got them from the user (or from a playlist, or
 * a web page). */
#include "fuzz-common.h"
#include "gstwanr2vsrc.h"
#include "gstwanr2vsrc-uri.h"

#include <gst/gst.h>
#include <string.h>

#include "wanr2v-request.h"

/* The plugin is linked in (tests/fuzz/meson.build builds its sources as a
 * static library), so nothing is loaded from disk. */
GST_PLUGIN_STATIC_DECLARE (wanr2v);

/* Two elements for the whole run: applying a URI resets every URI property
 * first, so nothing carries over from one input to the next. */
static GstElement *first;
static GstElement *second;

/* Set when api-key is written on either element. */
static gboolean api_key_written;

static void
on_api_key_notify (GObject * element, GParamSpec * pspec, gpointer data)
{
  api_key_written = TRUE;
}

static GstElement *
make_src (void)
{
  GstElement *src = gst_element_factory_make ("wanr2vsrc", NULL);

  if (src == NULL)
    fuzz_fail ("wanr2vsrc is not registered");
  gst_object_ref_sink (src);
  g_signal_connect (src, "notify::api-key", G_CALLBACK (on_api_key_notify),
      NULL);
  return src;
}

/* The trust rule, written out independently of the element's code: what a
 * URI may set (docs/element.md, "What a URI can do"). */
static const char *const what_to_generate[] = {
  "model", "prompt", "negative-prompt", "images", "videos", "image-voices",
  "video-voices", "first-frame", "resolution", "ratio", "duration",
  "prompt-extend", "watermark", "seed", "shot-type", "audio", "task-id",
  NULL
};

static const char *const reference_properties[] = {
  "images", "videos", "image-voices", "video-voices", NULL
};

#define TRUSTED_BASE_URL "https://trusted.example/api/v1"
#define TRUSTED_CACHE_DIR "/trusted/cache"

/* The application's own settings on @src, which no URI may change. */
static void
set_app_settings (GstElement * src)
{
  g_object_set (src, "base-url", TRUSTED_BASE_URL, "cache-dir",
      TRUSTED_CACHE_DIR, "allow-insecure", FALSE, "allow-local-files", FALSE,
      "request", NULL, "timeout", 77, "poll-interval", 0, "retries", 3,
      "cancel-on-stop", TRUE, NULL);
}

static void
check_app_settings (const char *uri, GstElement * src)
{
  g_autofree char *base_url = NULL, *cache_dir = NULL, *request = NULL;
  gboolean insecure, local, cancel;
  guint timeout, poll, retries;

  g_object_get (src, "base-url", &base_url, "cache-dir", &cache_dir,
      "allow-insecure", &insecure, "allow-local-files", &local, "request",
      &request, "timeout", &timeout, "poll-interval", &poll, "retries",
      &retries, "cancel-on-stop", &cancel, NULL);
  if (g_strcmp0 (base_url, TRUSTED_BASE_URL) != 0
      || g_strcmp0 (cache_dir, TRUSTED_CACHE_DIR) != 0 || insecure || local
      || request != NULL || timeout != 77 || poll != 0 || retries != 3
      || !cancel)
    fuzz_fail ("%s changed an application setting (base-url %s, cache-dir "
        "%s, request %s, allow-insecure %d, allow-local-files %d, timeout %u, "
        "poll-interval %u, retries %u, cancel-on-stop %d)", uri, base_url,
        cache_dir, request ? request : "(null)", insecure, local, timeout,
        poll, retries, cancel);
}

/* The first query parameter of @uri that is not what to generate, or
 * NULL. */
static char *
first_app_only_parameter (const char *uri)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY |
      G_URI_FLAGS_ENCODED_PATH, NULL);
  const char *query = parsed ? g_uri_get_query (parsed) : NULL;
  GUriParamsIter iter;
  char *key, *value;

  if (query == NULL)
    return NULL;
  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_WWW_FORM);
  while (g_uri_params_iter_next (&iter, &key, &value, NULL)) {
    g_free (value);
    /* GObject's canonical form: negative_prompt is negative-prompt. */
    g_strdelimit (key, "_", '-');
    if (!g_strv_contains (what_to_generate, key))
      return key;
    g_free (key);
  }
  return NULL;
}

static gboolean
has_local_reference (GstElement * src)
{
  g_autofree char *first_frame = NULL;
  guint i, j;

  for (i = 0; reference_properties[i]; i++) {
    GValue v = G_VALUE_INIT;
    gboolean local = FALSE;

    g_value_init (&v, GST_TYPE_ARRAY);
    g_object_get_property (G_OBJECT (src), reference_properties[i], &v);
    for (j = 0; j < gst_value_array_get_size (&v); j++) {
      const char *url = g_value_get_string (gst_value_array_get_value (&v,
              j));

      local |= url && *url && wanr2v_url_classify (url) == WANR2V_URL_LOCAL;
    }
    g_value_unset (&v);
    if (local)
      return TRUE;
  }
  g_object_get (src, "first-frame", &first_frame, NULL);
  return first_frame && *first_frame
      && wanr2v_url_classify (first_frame) == WANR2V_URL_LOCAL;
}

/* After @uri was accepted by set_uri: the check the element makes when the
 * job starts refuses exactly what the rule says, naming the parameter, and
 * nothing the URI said changed the application's own settings. */
static void
check_trust_rule (const char *uri, GstElement * src)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *app_only = first_app_only_parameter (uri);
  gboolean local = has_local_reference (src);
  gboolean ok = gst_wanr2v_src_check_uri_trust (GST_WANR2V_SRC (src),
      &error);

  check_app_settings (uri, src);
  if (ok && (app_only || local))
    fuzz_fail ("%s passed the trust check with %s%s", uri,
        app_only ? "application-only parameter " : "a local reference",
        app_only ? app_only : "");
  if (!ok && !app_only && !local)
    fuzz_fail ("%s was refused for nothing: %s", uri,
        error ? error->message : "no error");
  if (!ok && (error == NULL || !g_error_matches (error, GST_RESOURCE_ERROR,
              GST_RESOURCE_ERROR_SETTINGS)))
    fuzz_fail ("%s refused at start with %s", uri,
        error ? error->message : "no error");
  if (!ok && app_only && strstr (error->message, app_only) == NULL)
    fuzz_fail ("%s refused without naming %s: %s", uri, app_only,
        error->message);
}

void
fuzz_target_init (int *argc, char ***argv)
{
  /* No registry and no plugins from disk: only the one linked in.  The
   * key and endpoint of whoever runs this have no business here. */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  g_unsetenv ("DASHSCOPE_API_KEY");
  g_unsetenv ("DASHSCOPE_HTTP_BASE_URL");
  /* Not argc/argv: those are libFuzzer's options. */
  gst_init (NULL, NULL);
  GST_PLUGIN_STATIC_REGISTER (wanr2v);

  first = make_src ();
  second = make_src ();
  set_app_settings (first);
}

static gboolean
every_property (GObject * element, GParamSpec * pspec)
{
  return TRUE;
}

/* Every URI property reads back the same on @b as on @a. */
static void
check_same_properties (const char *what, const char *uri, GstElement * a,
    GstElement * b)
{
  GParamSpec **pspecs;
  guint i, n;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (a), &n);
  for (i = 0; i < n; i++) {
    GValue va = G_VALUE_INIT, vb = G_VALUE_INIT;

    if (!gst_wanr2v_src_uri_property_allowed (pspecs[i]))
      continue;
    g_value_init (&va, pspecs[i]->value_type);
    g_value_init (&vb, pspecs[i]->value_type);
    g_object_get_property (G_OBJECT (a), pspecs[i]->name, &va);
    g_object_get_property (G_OBJECT (b), pspecs[i]->name, &vb);
    if (g_param_values_cmp (pspecs[i], &va, &vb) != 0
        || (pspecs[i]->value_type == GST_TYPE_ARRAY
            && gst_value_compare (&va, &vb) != GST_VALUE_EQUAL)) {
      g_autofree char *sa = gst_value_serialize (&va);
      g_autofree char *sb = gst_value_serialize (&vb);

      fuzz_fail ("%s %s: property %s was %s, became %s", what, uri,
          pspecs[i]->name, sa ? sa : "(null)", sb ? sb : "(null)");
    }
    g_value_unset (&va);
    g_value_unset (&vb);
  }
  g_free (pspecs);
}

/* A URI we built: it must be one, and the other element must take it. */
static void
apply_built (const char *what, const char *input, const char *built)
{
  g_autoptr (GError) error = NULL;

  if (!g_str_has_prefix (built, WANR2V_URI_SCHEME "://")
      || !gst_uri_is_valid (built))
    fuzz_fail ("%s from %s is not a wanr2v:// URI: %s", what, input, built);
  if (!gst_wanr2v_src_uri_apply (G_OBJECT (second), built, &error))
    fuzz_fail ("%s %s (from %s) is refused: %s", what, built, input,
        error ? error->message : "no error");
  if (api_key_written)
    fuzz_fail ("%s %s set api-key", what, built);
  check_same_properties (what, built, first, second);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree char *uri = NULL;
  g_autofree char *built = NULL;
  g_autofree char *rebuilt = NULL;
  g_autofree char *full = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  /* A URI is a C string: with a NUL inside it is not one. */
  if (memchr (data, '\0', size) != NULL)
    return -1;
  uri = fuzz_dup_string (data, size);

  api_key_written = FALSE;
  ok = gst_wanr2v_src_uri_apply (G_OBJECT (first), uri, &error);
  /* Refused or not, the key never comes from a URI. */
  if (api_key_written)
    fuzz_fail ("%s set api-key", uri);
  /* Refused or not, the application's own settings stay as they were. */
  check_app_settings (uri, first);
  if (!ok) {
    g_autoptr (GError) trust_error = NULL;

    if (error == NULL || !g_error_matches (error, GST_URI_ERROR,
            GST_URI_ERROR_BAD_URI))
      fuzz_fail ("%s refused with %s", uri,
          error ? error->message : "no error");
    /* What it set before it was refused still counts as the URI's. */
    if (has_local_reference (first)
        && gst_wanr2v_src_check_uri_trust (GST_WANR2V_SRC (first),
            &trust_error))
      fuzz_fail ("%s was refused, but the local reference it set passes "
          "the trust check", uri);
    return 0;
  }
  if (error != NULL)
    fuzz_fail ("%s accepted with an error: %s", uri, error->message);
  check_trust_rule (uri, first);

  /* What get_uri gives back (the properties the URI set) makes the same
   * element, and building again gives the same URI. */
  built = gst_uri_handler_get_uri (GST_URI_HANDLER (first));
  apply_built ("get_uri", uri, built);
  rebuilt = gst_uri_handler_get_uri (GST_URI_HANDLER (second));
  if (g_strcmp0 (built, rebuilt) != 0)
    fuzz_fail ("%s gave %s, which gave %s", uri, built, rebuilt);

  /* The same with every property written out, defaults included. */
  full = gst_wanr2v_src_uri_build (G_OBJECT (first), every_property);
  apply_built ("the full URI", uri, full);
  return 0;
}
