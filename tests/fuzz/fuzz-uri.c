/* fuzz-uri.c: wanr2v:// URIs, which playbin, uridecodebin and gst-play-1.0
 * hand to wanr2vsrc as they got them from the user (or from a playlist, or
 * a web page). */
#include "fuzz-common.h"
#include "gstwanr2vsrc.h"
#include "wanr2vsrc-uri.h"

#include <gst/gst.h>
#include <string.h>

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

    if (!wanr2vsrc_uri_property_allowed (pspecs[i]))
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
  if (!wanr2vsrc_uri_apply (G_OBJECT (second), built, &error))
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
  ok = wanr2vsrc_uri_apply (G_OBJECT (first), uri, &error);
  /* Refused or not, the key never comes from a URI. */
  if (api_key_written)
    fuzz_fail ("%s set api-key", uri);
  if (!ok) {
    if (error == NULL || !g_error_matches (error, GST_URI_ERROR,
            GST_URI_ERROR_BAD_URI))
      fuzz_fail ("%s refused with %s", uri,
          error ? error->message : "no error");
    return 0;
  }
  if (error != NULL)
    fuzz_fail ("%s accepted with an error: %s", uri, error->message);

  /* What get_uri gives back (the properties the URI set) makes the same
   * element, and building again gives the same URI. */
  built = gst_uri_handler_get_uri (GST_URI_HANDLER (first));
  apply_built ("get_uri", uri, built);
  rebuilt = gst_uri_handler_get_uri (GST_URI_HANDLER (second));
  if (g_strcmp0 (built, rebuilt) != 0)
    fuzz_fail ("%s gave %s, which gave %s", uri, built, rebuilt);

  /* The same with every property written out, defaults included. */
  full = wanr2vsrc_uri_build (G_OBJECT (first), every_property);
  apply_built ("the full URI", uri, full);
  return 0;
}
