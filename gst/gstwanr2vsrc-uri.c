/* gstwanr2vsrc-uri.c: wanr2v:// URIs. */
#include "gstwanr2vsrc-uri.h"

#include "wanr2v-request.h"
#include "gstwanr2vsrc.h"

#include <string.h>

#define TASK_PATH_PREFIX "task/"

/* What to generate: the only settings a URI takes.  Anyone can hand an
 * application a URI (a playlist, a web page, a chat link), so a URI must
 * not choose where the key goes (base-url, allow-insecure), which local
 * files are read and sent (request, local references), where files are
 * written (cache-dir), or how much money and quota a run may burn
 * (timeouts, retries, polling, cache and cancel policies). */
static const char *const what_to_generate[] = {
  "model", "prompt", "negative-prompt", "images", "videos", "image-voices",
  "video-voices", "first-frame", "resolution", "ratio", "duration",
  "prompt-extend", "watermark", "seed", "shot-type", "audio", "task-id",
  NULL
};

static gboolean
is_own_setting (GParamSpec * pspec)
{
  /* Only our own settings: not GstObject's name or GstBaseSrc's knobs. */
  return pspec->owner_type == GST_TYPE_WANR2V_SRC
      && (pspec->flags & G_PARAM_WRITABLE);
}

gboolean
gst_wanr2v_src_uri_property_allowed (GParamSpec * pspec)
{
  return is_own_setting (pspec)
      && g_strv_contains (what_to_generate, pspec->name);
}

/* Whether @pspec is a setting of wanr2vsrc that only the application may
 * make (as a property or through the environment), never a URI. */
static gboolean
property_app_only (GParamSpec * pspec)
{
  /* api-key is write-only and refused outright by the parser. */
  return is_own_setting (pspec) && (pspec->flags & G_PARAM_READABLE)
      && !g_strv_contains (what_to_generate, pspec->name);
}

static gboolean
set_from_string (GObject * element, GParamSpec * pspec, const char *value,
    GHashTable * arrays, GError ** error)
{
  if (G_PARAM_SPEC_VALUE_TYPE (pspec) == GST_TYPE_ARRAY) {
    GValue *array = g_hash_table_lookup (arrays, pspec);
    GValue item = G_VALUE_INIT;

    if (array == NULL) {
      array = g_new0 (GValue, 1);
      gst_value_array_init (array, 4);
      g_hash_table_insert (arrays, pspec, array);
    }
    g_value_init (&item, G_TYPE_STRING);
    g_value_set_string (&item, value);
    gst_value_array_append_and_take_value (array, &item);
    return TRUE;
  }

  if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_STRING) {
    g_object_set (element, pspec->name, value, NULL);
    return TRUE;
  } else {
    GValue v = G_VALUE_INIT;
    gboolean ok;

    g_value_init (&v, G_PARAM_SPEC_VALUE_TYPE (pspec));
    ok = gst_value_deserialize (&v, value)
        && !g_param_value_validate (pspec, &v);
    if (ok)
      g_object_set_property (element, pspec->name, &v);
    g_value_unset (&v);
    if (!ok)
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "%s=%s in the URI is not a valid value for property %s",
          pspec->name, value, pspec->name);
    return ok;
  }
}

static void
free_array (gpointer data)
{
  g_value_unset (data);
  g_free (data);
}

gboolean
gst_wanr2v_src_uri_apply (GObject * element, const char *uri, GError ** error)
{
  g_autoptr (GUri) parsed = NULL;
  g_autoptr (GHashTable) arrays = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) app_only = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) from_uri = g_ptr_array_new ();
  GObjectClass *klass = G_OBJECT_GET_CLASS (element);
  GParamSpec **pspecs;
  GUriParamsIter iter;
  const char *query, *host, *path;
  char *key, *value;
  guint i, n;

  /* Path and query stay escaped here and are unescaped once below:
   * GLib's own decoding of the path would be a second one (a task id
   * "a%2541" would become "aA"). */
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY |
      G_URI_FLAGS_ENCODED_PATH, &local_error);
  if (parsed == NULL || g_strcmp0 (g_uri_get_scheme (parsed),
          WANR2V_URI_SCHEME) != 0) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "Not a wanr2v:// URI: %s", local_error ? local_error->message : uri);
    return FALSE;
  }
  host = g_uri_get_host (parsed);
  path = g_uri_get_path (parsed);
  if (host && *host && strcmp (host, "generate") != 0
      && strcmp (host, "task") != 0) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "wanr2v:// URIs are wanr2v://generate?... or wanr2v://task/ID, "
        "not wanr2v://%s", host);
    return FALSE;
  }

  /* The URI says everything about what to generate: start from the
   * defaults.  The application's own settings (base-url, cache-dir...)
   * are not the URI's to reset. */
  pspecs = g_object_class_list_properties (klass, &n);
  for (i = 0; i < n; i++) {
    if (gst_wanr2v_src_uri_property_allowed (pspecs[i])) {
      GValue v = G_VALUE_INIT;

      g_value_init (&v, G_PARAM_SPEC_VALUE_TYPE (pspecs[i]));
      g_param_value_set_default (pspecs[i], &v);
      g_object_set_property (element, pspecs[i]->name, &v);
      g_value_unset (&v);
    }
  }
  g_free (pspecs);
  gst_wanr2v_src_forget_settings (GST_WANR2V_SRC (element));

  if (g_strcmp0 (host, "task") == 0) {
    const char *id = path && *path == '/' ? path + 1 : path;
    g_autofree char *unescaped = id ? g_uri_unescape_string (id, NULL) : NULL;

    if (unescaped == NULL || *unescaped == '\0'
        || !g_utf8_validate (unescaped, -1, NULL)) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "wanr2v://task/ needs a task id, e.g. wanr2v://task/0385dc79-...");
      goto refused;
    }
    g_object_set (element, "task-id", unescaped, NULL);
    g_ptr_array_add (from_uri, g_object_class_find_property (klass,
            "task-id"));
  }

  arrays = g_hash_table_new_full (NULL, NULL, NULL, free_array);
  query = g_uri_get_query (parsed);
  g_uri_params_iter_init (&iter, query ? query : "", -1, "&",
      G_URI_PARAMS_WWW_FORM);
  while (g_uri_params_iter_next (&iter, &key, &value, &local_error)) {
    g_autofree char *k = key, *v = value;
    GParamSpec *pspec = g_object_class_find_property (klass, k);

    /* Escapes can spell any bytes; names and values are text. */
    if (!g_utf8_validate (k, -1, NULL)) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "A parameter name in the URI is not UTF-8 text");
      goto refused;
    }
    if (!g_utf8_validate (v, -1, NULL)) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "The value of %s in the URI is not UTF-8 text", k);
      goto refused;
    }
    if (g_strcmp0 (k, "api-key") == 0) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "The API key cannot be given in a URI (it would show in logs and "
          "dot files): use DASHSCOPE_API_KEY or set api-key from playbin's "
          "source-setup signal");
      goto refused;
    }
    /* Known, but the application's to set: remembered without its value,
     * and refused when the job starts, after playbin's source-setup had
     * its chance to set it.  Refused there, not here, so that the
     * application gets a RESOURCE/SETTINGS error naming it (a set_uri
     * failure only makes playbin say it found no source). */
    if (pspec && property_app_only (pspec)) {
      /* By its canonical name (GObject takes base_url for base-url), so
       * that the application setting base-url replaces it. */
      if (!g_ptr_array_find_with_equal_func (app_only, pspec->name,
              g_str_equal, NULL))
        g_ptr_array_add (app_only, g_strdup (pspec->name));
      continue;
    }
    if (pspec == NULL || !gst_wanr2v_src_uri_property_allowed (pspec)) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "Unknown parameter \"%s\" in the URI: parameters are wanr2vsrc's "
          "property names, such as prompt, images, resolution", k);
      goto refused;
    }
    if (!set_from_string (element, pspec, v, arrays, error))
      goto refused;
    g_ptr_array_add (from_uri, pspec);
  }
  if (local_error) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "Malformed URI query: %s", local_error->message);
    goto refused;
  }

  {
    GHashTableIter it;
    gpointer pspec, array;

    g_hash_table_iter_init (&it, arrays);
    while (g_hash_table_iter_next (&it, &pspec, &array))
      g_object_set_property (element, ((GParamSpec *) pspec)->name, array);
  }

  /* Last: setting a property clears its "from a URI" mark. */
  g_ptr_array_add (app_only, NULL);
  gst_wanr2v_src_set_uri_origin (GST_WANR2V_SRC (element),
      (GParamSpec **) from_uri->pdata, from_uri->len,
      (const char *const *) app_only->pdata);
  return TRUE;

refused:
  /* What was set before the refusal still came from this URI: an
   * application that goes on regardless must not take it for its own. */
  g_ptr_array_add (app_only, NULL);
  gst_wanr2v_src_set_uri_origin (GST_WANR2V_SRC (element),
      (GParamSpec **) from_uri->pdata, from_uri->len,
      (const char *const *) app_only->pdata);
  return FALSE;
}

static void
append_param (GString * out, const char *name, const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_c (out, out->len > 0 ? '&' : '?');
  g_string_append (out, name);
  g_string_append_c (out, '=');
  g_string_append (out, escaped);
}

static char *
value_to_string (const GValue * v)
{
  if (G_VALUE_HOLDS_STRING (v))
    return g_value_dup_string (v);
  if (G_VALUE_HOLDS_ENUM (v)) {
    GEnumClass *klass = g_type_class_ref (G_VALUE_TYPE (v));
    GEnumValue *ev = g_enum_get_value (klass, g_value_get_enum (v));
    char *nick = g_strdup (ev ? ev->value_nick : "");

    g_type_class_unref (klass);
    return nick;
  }
  return gst_value_serialize (v);
}

char *
gst_wanr2v_src_uri_build (GObject * element,
    gboolean (*is_set) (GObject * element, GParamSpec * pspec))
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (element);
  GString *query = g_string_new (NULL);
  g_autofree char *task_id = NULL;
  GParamSpec **pspecs;
  guint i, n;
  char *uri;

  pspecs = g_object_class_list_properties (klass, &n);
  for (i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    if (!gst_wanr2v_src_uri_property_allowed (pspecs[i])
        || !is_set (element, pspecs[i]))
      continue;
    g_value_init (&v, G_PARAM_SPEC_VALUE_TYPE (pspecs[i]));
    g_object_get_property (element, pspecs[i]->name, &v);
    if (strcmp (pspecs[i]->name, "task-id") == 0) {
      task_id = g_value_dup_string (&v);
    } else if (G_VALUE_TYPE (&v) == GST_TYPE_ARRAY) {
      guint j;

      for (j = 0; j < gst_value_array_get_size (&v); j++) {
        const GValue *item = gst_value_array_get_value (&v, j);

        append_param (query, pspecs[i]->name, g_value_get_string (item));
      }
    } else {
      g_autofree char *s = value_to_string (&v);

      if (s)
        append_param (query, pspecs[i]->name, s);
    }
    g_value_unset (&v);
  }
  g_free (pspecs);

  /* A valid task id is unreserved characters only (RFC 3986 2.3) and no
   * dot segment: it can be the URI's path as it is. */
  if (task_id && wanr2v_task_id_is_valid (task_id)) {
    uri = g_strdup_printf (WANR2V_URI_SCHEME "://task/%s%s", task_id,
        query->str);
  } else {
    /* Any other id (empty, "..", with a slash...) travels as a parameter,
     * which no URI parser normalises. */
    if (task_id)
      append_param (query, "task-id", task_id);
    uri = g_strdup_printf (WANR2V_URI_SCHEME "://generate%s", query->str);
  }
  g_string_free (query, TRUE);
  return uri;
}
