/* wanr2v-json-request.c: a create body read back into a request: the
 * request file a user gives, written as in the service's curl examples.
 *
 * A user's file, so every message says where in it the problem is, as a
 * JSON path ("parameters.seed", "input.media[2].url").
 */
#include "wanr2v-json.h"
#include "wanr2v-json-read.h"

#include <string.h>

static gboolean
bad_type (GError ** error, const char *where, const char *expected,
    JsonNode * node)
{
  g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
      "%s: expected %s, got %s", where, expected, wanr2v_json_describe (node));
  return FALSE;
}

/* An optional string member; absent or null leaves @out alone. */
static gboolean
read_string (JsonObject * object, const char *name, const char *where,
    char **out, GError ** error)
{
  JsonNode *node = wanr2v_json_member (object, name);

  if (node == NULL)
    return TRUE;
  if (!wanr2v_json_node_is_string (node))
    return bad_type (error, where, "a string", node);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_int (JsonObject * object, const char *name, const char *where,
    gint64 min, gint64 max, gint64 * out, GError ** error)
{
  JsonNode *node = wanr2v_json_member (object, name);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!wanr2v_json_node_int64 (node, &value))
    return bad_type (error, where, "an integer", node);
  if (value < min || value > max) {
    g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
        "%s: %" G_GINT64_FORMAT " is out of range %" G_GINT64_FORMAT
        "..%" G_GINT64_FORMAT, where, value, min, max);
    return FALSE;
  }
  *out = value;
  return TRUE;
}

static gboolean
read_boolean (JsonObject * object, const char *name, const char *where,
    gint * out, GError ** error)
{
  JsonNode *node = wanr2v_json_member (object, name);
  gboolean value;

  if (node == NULL)
    return TRUE;
  if (!wanr2v_json_node_boolean (node, &value))
    return bad_type (error, where, "true or false", node);
  *out = value ? 1 : 0;
  return TRUE;
}

static gboolean
parse_media (WanR2vRequest * req, JsonArray * media, GError ** error)
{
  guint i, n = json_array_get_length (media);

  for (i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (media, i);
    JsonObject *entry;
    JsonNode *type_node, *url_node, *voice_node;
    WanR2vMediaType type;
    g_autofree char *where = NULL;

    if (!JSON_NODE_HOLDS_OBJECT (node)) {
      where = g_strdup_printf ("input.media[%u]", i);
      return bad_type (error, where, "an object", node);
    }
    entry = json_node_get_object (node);

    type_node = wanr2v_json_member (entry, "type");
    if (!wanr2v_json_node_is_string (type_node)) {
      where = g_strdup_printf ("input.media[%u].type", i);
      if (type_node == NULL) {
        g_set_error (error, WANR2V_REQUEST_ERROR,
            WANR2V_REQUEST_ERROR_MISSING, "%s: missing (one of "
            "reference_image, reference_video, first_frame)", where);
        return FALSE;
      }
      return bad_type (error, where, "a string", type_node);
    }
    if (!wanr2v_media_type_from_string (json_node_get_string (type_node),
            &type)) {
      g_autofree char *quoted =
          g_utf8_make_valid (json_node_get_string (type_node), -1);

      g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
          "input.media[%u].type: unknown type \"%s\" (expected "
          "reference_image, reference_video or first_frame)", i, quoted);
      return FALSE;
    }

    url_node = wanr2v_json_member (entry, "url");
    if (!wanr2v_json_node_is_string (url_node)) {
      where = g_strdup_printf ("input.media[%u].url", i);
      if (url_node == NULL) {
        g_set_error (error, WANR2V_REQUEST_ERROR,
            WANR2V_REQUEST_ERROR_MISSING, "%s: missing", where);
        return FALSE;
      }
      return bad_type (error, where, "a string", url_node);
    }

    /* The Java SDK writes referenceVoice. */
    voice_node = wanr2v_json_member (entry, "reference_voice");
    if (voice_node == NULL)
      voice_node = wanr2v_json_member (entry, "referenceVoice");
    if (voice_node != NULL && !wanr2v_json_node_is_string (voice_node)) {
      where = g_strdup_printf ("input.media[%u].reference_voice", i);
      return bad_type (error, where, "a string", voice_node);
    }

    wanr2v_request_add_media (req, type, json_node_get_string (url_node),
        wanr2v_json_node_string (voice_node));
  }
  return TRUE;
}

/* wan2.6 lists bare URLs; whether one is a video shows in its name. */
static WanR2vMediaType
guess_reference_type (const char *url)
{
  static const char *const video_suffixes[] = { ".mp4", ".mov", ".m4v",
    NULL
  };
  g_autofree char *path = NULL;
  g_autofree char *lower = NULL;
  gsize i;

  if (g_ascii_strncasecmp (url, "data:", 5) == 0)
    return g_ascii_strncasecmp (url + 5, "video/", 6) == 0 ?
        WANR2V_MEDIA_REFERENCE_VIDEO : WANR2V_MEDIA_REFERENCE_IMAGE;

  /* Signed URLs end in a query string: look at the path only. */
  path = g_strndup (url, strcspn (url, "?#"));
  lower = g_ascii_strdown (path, -1);
  for (i = 0; video_suffixes[i]; i++)
    if (g_str_has_suffix (lower, video_suffixes[i]))
      return WANR2V_MEDIA_REFERENCE_VIDEO;
  return WANR2V_MEDIA_REFERENCE_IMAGE;
}

static gboolean
parse_reference_urls (WanR2vRequest * req, JsonArray * urls, GError ** error)
{
  guint i, n = json_array_get_length (urls);

  for (i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (urls, i);
    const char *url = wanr2v_json_node_string (node);

    if (url == NULL) {
      g_autofree char *where = g_strdup_printf ("input.reference_urls[%u]", i);

      return bad_type (error, where, "a string", node);
    }
    wanr2v_request_add_media (req, guess_reference_type (url), url, NULL);
  }
  return TRUE;
}

static gboolean
parse_input (WanR2vRequest * req, JsonObject * input, GError ** error)
{
  JsonNode *media = wanr2v_json_member (input, "media");
  JsonNode *urls = wanr2v_json_member (input, "reference_urls");

  if (!read_string (input, "prompt", "input.prompt", &req->prompt, error)
      || !read_string (input, "negative_prompt", "input.negative_prompt",
          &req->negative_prompt, error))
    return FALSE;

  if (media != NULL && urls != NULL) {
    g_set_error_literal (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_INVALID, "input: has both media (wan2.7) and "
        "reference_urls (wan2.6); give one of them");
    return FALSE;
  }
  if (media != NULL) {
    if (!JSON_NODE_HOLDS_ARRAY (media))
      return bad_type (error, "input.media", "an array", media);
    return parse_media (req, json_node_get_array (media), error);
  }
  if (urls != NULL) {
    if (!JSON_NODE_HOLDS_ARRAY (urls))
      return bad_type (error, "input.reference_urls", "an array", urls);
    return parse_reference_urls (req, json_node_get_array (urls), error);
  }
  return TRUE;
}

static gboolean
parse_parameters (WanR2vRequest * req, JsonObject * params, GError ** error)
{
  gint64 duration = WANR2V_UNSET, seed = WANR2V_UNSET;

  if (!read_string (params, "resolution", "parameters.resolution",
          &req->resolution, error)
      || !read_string (params, "ratio", "parameters.ratio", &req->ratio, error)
      || !read_string (params, "shot_type", "parameters.shot_type",
          &req->shot_type, error)
      || !read_string (params, "size", "parameters.size", &req->size, error)
      || !read_int (params, "duration", "parameters.duration", 0, G_MAXINT,
          &duration, error)
      || !read_int (params, "seed", "parameters.seed", 0, WANR2V_MAX_SEED,
          &seed,
          error)
      || !read_boolean (params, "prompt_extend", "parameters.prompt_extend",
          &req->prompt_extend, error)
      || !read_boolean (params, "watermark", "parameters.watermark",
          &req->watermark, error)
      || !read_boolean (params, "audio", "parameters.audio", &req->audio,
          error))
    return FALSE;

  req->duration = (gint) duration;
  req->seed = seed;
  return TRUE;
}

WanR2vRequest *
wanr2v_json_parse_request (const char *json, gssize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (WanR2vRequest) req = NULL;
  g_autofree char *why = NULL;
  JsonObject *root;
  JsonNode *input, *params;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = wanr2v_json_load (json, length, &why);
  if (parser == NULL) {
    g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
        "request is not valid JSON: %s", why);
    return NULL;
  }
  root = wanr2v_json_root_object (parser);
  if (root == NULL) {
    bad_type (error, "request", "a JSON object",
        json_parser_get_root (parser));
    return NULL;
  }

  req = wanr2v_request_new ();
  /* A missing model is left NULL: the caller may supply its own. */
  if (!read_string (root, "model", "model", &req->model, error))
    return NULL;

  input = wanr2v_json_member (root, "input");
  if (input == NULL) {
    g_set_error_literal (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_MISSING, "input: missing (it holds the prompt "
        "and the references)");
    return NULL;
  }
  if (!JSON_NODE_HOLDS_OBJECT (input)) {
    bad_type (error, "input", "an object", input);
    return NULL;
  }
  if (!parse_input (req, json_node_get_object (input), error))
    return NULL;

  params = wanr2v_json_member (root, "parameters");
  if (params != NULL) {
    if (!JSON_NODE_HOLDS_OBJECT (params)) {
      bad_type (error, "parameters", "an object", params);
      return NULL;
    }
    if (!parse_parameters (req, json_node_get_object (params), error))
      return NULL;
  }
  return g_steal_pointer (&req);
}