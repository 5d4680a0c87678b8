/* wanr2v-json.c: the DashScope wire format (JSON bodies both ways).
 *
 * Bodies we send are built with JsonBuilder in a fixed key order, so that the
 * same request always gives the same bytes (the result cache hashes them).
 *
 * Replies come from the network and may be anything: every reader below
 * checks the type of a node before it reads it, because json-glib's
 * convenience getters warn (or abort under G_DEBUG=fatal-criticals) on a
 * member of the wrong type.  Nesting is bounded before json-glib sees the
 * data, since its parser recurses once per level.
 */
#include "wanr2v-json.h"
#include "wanr2v-json-check.h"
#include "wanr2v-error.h"
#include "wanr2v-sizes.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* Our bodies nest four levels deep; nothing sane needs more than this. */
#define MAX_JSON_DEPTH 64

/* ---- reading JSON safely ------------------------------------------------ */

/* Parses @data; on failure returns NULL and a reason for people in @why. */
static JsonParser *
load_json (const char *data, gssize length, char **why)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;

  if (data == NULL) {
    *why = g_strdup ("the body is empty");
    return NULL;
  }
  len = length < 0 ? strlen (data) : (gsize) length;
  /* json-glib is too lenient for data from the network (see
   * wanr2v-json-check.h): only strict JSON reaches it. */
  if (!wanr2v_json_check_strict (data, len, MAX_JSON_DEPTH, why))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, &error)) {
    /* json-glib may quote the bytes it choked on: keep the text valid. */
    *why = g_utf8_make_valid (error->message, -1);
    return NULL;
  }
  if (json_parser_get_root (parser) == NULL) {
    *why = g_strdup ("the body is empty");
    return NULL;
  }
  return g_steal_pointer (&parser);
}

/* The start of a body that is not what we expected, fit for a message:
 * valid UTF-8, one line, short.  Proxies answer with HTML pages. */
static char *
body_excerpt (const char *body, gssize length)
{
  const gsize max_bytes = 60;
  gsize len;
  char *text, *p;

  if (body == NULL)
    return g_strdup ("");
  len = length < 0 ? strlen (body) : (gsize) length;
  text = g_utf8_make_valid (body, MIN (len, max_bytes));
  for (p = text; *p; p++)
    if ((guchar) * p < 0x20)
      *p = ' ';
  if (len > max_bytes) {
    char *longer = g_strconcat (text, "...", NULL);

    g_free (text);
    text = longer;
  }
  return text;
}

static const char *
describe_node (JsonNode * node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  switch (json_node_get_value_type (node)) {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    default:
      return "a number";
  }
}

/* A member, or NULL when absent or JSON null (null means "not given"). */
static JsonNode *
member (JsonObject * object, const char *name)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, name);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
node_is_string (JsonNode * node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING;
}

static const char *
node_string (JsonNode * node)
{
  return node_is_string (node) ? json_node_get_string (node) : NULL;
}

static const char *
get_string (JsonObject * object, const char *name)
{
  return node_string (member (object, name));
}

static JsonObject *
get_object (JsonObject * object, const char *name)
{
  JsonNode *node = member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

static JsonObject *
root_object (JsonParser * parser)
{
  JsonNode *root = json_parser_get_root (parser);

  return root != NULL && JSON_NODE_HOLDS_OBJECT (root) ?
      json_node_get_object (root) : NULL;
}

/* Integers may come as numbers, integral floats or decimal strings. */
static gboolean
node_int64 (JsonNode * node, gint64 * out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      *out = json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:{
      double d = json_node_get_double (node);

      if (!isfinite (d) || d != floor (d) || d < -9.0e18 || d > 9.0e18)
        return FALSE;
      *out = (gint64) d;
      return TRUE;
    }
    case G_TYPE_STRING:{
      g_autofree char *s = g_strstrip (g_strdup (json_node_get_string (node)));

      return g_ascii_string_to_signed (s, 10, G_MININT64, G_MAXINT64, out,
          NULL);
    }
    default:
      return FALSE;
  }
}

static gboolean
node_double (JsonNode * node, double *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      *out = (double) json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      *out = json_node_get_double (node);
      return isfinite (*out);
    case G_TYPE_STRING:{
      g_autofree char *s = g_strstrip (g_strdup (json_node_get_string (node)));
      char *end = NULL;

      if (*s == '\0')
        return FALSE;
      *out = g_ascii_strtod (s, &end);
      return end != NULL && *end == '\0' && isfinite (*out);
    }
    default:
      return FALSE;
  }
}

/* Booleans may come as true/false, "true"/"false" or 0/1. */
static gboolean
node_boolean (JsonNode * node, gboolean * out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node)) {
    case G_TYPE_BOOLEAN:
      *out = json_node_get_boolean (node);
      return TRUE;
    case G_TYPE_INT64:{
      gint64 v = json_node_get_int (node);

      if (v != 0 && v != 1)
        return FALSE;
      *out = v == 1;
      return TRUE;
    }
    case G_TYPE_STRING:{
      const char *s = json_node_get_string (node);

      if (g_ascii_strcasecmp (s, "true") == 0)
        *out = TRUE;
      else if (g_ascii_strcasecmp (s, "false") == 0)
        *out = FALSE;
      else
        return FALSE;
      return TRUE;
    }
    default:
      return FALSE;
  }
}

static double
get_double (JsonObject * object, const char *name, double fallback)
{
  double value;

  return node_double (member (object, name), &value) ? value : fallback;
}

static gint64
get_int64 (JsonObject * object, const char *name, gint64 fallback)
{
  JsonNode *node = member (object, name);
  gint64 value;
  double d;

  if (node_int64 (node, &value))
    return value;
  /* A count that arrives as 1.0 or "1.0" is still a count. */
  if (node_double (node, &d) && d >= -9.0e18 && d <= 9.0e18)
    return (gint64) d;
  return fallback;
}

/* ---- create body -------------------------------------------------------- */

static void
add_string_member (JsonBuilder * builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int_member (JsonBuilder * builder, const char *name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_tristate_member (JsonBuilder * builder, const char *name, gint value)
{
  if (value == WANR2V_UNSET)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value != 0);
}

static gboolean
build_wan27 (const WanR2vRequest * req, JsonBuilder * builder,
    GError ** error)
{
  guint i;

  if (req->shot_type != NULL || req->audio != WANR2V_UNSET
      || req->size != NULL) {
    g_set_error (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_UNSUPPORTED,
        "%s has no %s parameter", req->model,
        req->shot_type != NULL ? "shot-type" :
        req->audio != WANR2V_UNSET ? "audio" : "size");
    return FALSE;
  }

  json_builder_set_member_name (builder, "media");
  json_builder_begin_array (builder);
  for (i = 0; i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);

    json_builder_begin_object (builder);
    add_string_member (builder, "type", wanr2v_media_type_to_string (m->type));
    add_string_member (builder, "url", m->url ? m->url : "");
    if (m->voice != NULL && *m->voice != '\0')
      add_string_member (builder, "reference_voice", m->voice);
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  json_builder_end_object (builder);    /* input */

  json_builder_set_member_name (builder, "parameters");
  json_builder_begin_object (builder);
  if (req->resolution != NULL)
    add_string_member (builder, "resolution", req->resolution);
  if (req->ratio != NULL)
    add_string_member (builder, "ratio", req->ratio);
  if (req->duration != WANR2V_UNSET)
    add_int_member (builder, "duration", req->duration);
  add_tristate_member (builder, "prompt_extend", req->prompt_extend);
  add_tristate_member (builder, "watermark", req->watermark);
  if (req->seed != WANR2V_UNSET)
    add_int_member (builder, "seed", req->seed);
  json_builder_end_object (builder);
  return TRUE;
}

static gboolean
build_wan26 (const WanR2vRequest * req, WanR2vModelFamily family,
    JsonBuilder * builder, GError ** error)
{
  g_autofree char *derived_size = NULL;
  const char *size = req->size;
  guint i;

  for (i = 0; i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);

    if (m->type == WANR2V_MEDIA_FIRST_FRAME) {
      g_set_error (error, WANR2V_REQUEST_ERROR,
          WANR2V_REQUEST_ERROR_UNSUPPORTED,
          "first-frame is not supported by %s", req->model);
      return FALSE;
    }
    if (m->voice != NULL && *m->voice != '\0') {
      g_set_error (error, WANR2V_REQUEST_ERROR,
          WANR2V_REQUEST_ERROR_UNSUPPORTED,
          "reference voices are not supported by %s", req->model);
      return FALSE;
    }
  }
  if (req->audio != WANR2V_UNSET && family != WANR2V_FAMILY_WAN26_FLASH) {
    g_set_error (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_UNSUPPORTED,
        "audio is not supported by %s", req->model);
    return FALSE;
  }
  if (size == NULL) {
    guint width, height;

    if (!wanr2v_size_lookup (wanr2v_request_get_resolution (req),
            wanr2v_request_get_ratio (req), TRUE, &width, &height)) {
      g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
          "resolution %s and ratio %s give no %s size",
          wanr2v_request_get_resolution (req), wanr2v_request_get_ratio (req),
          req->model);
      return FALSE;
    }
    derived_size = g_strdup_printf ("%u*%u", width, height);
    size = derived_size;
  }

  /* References are named character1, character2... in list order. */
  json_builder_set_member_name (builder, "reference_urls");
  json_builder_begin_array (builder);
  for (i = 0; i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);

    json_builder_add_string_value (builder, m->url ? m->url : "");
  }
  json_builder_end_array (builder);
  json_builder_end_object (builder);    /* input */

  json_builder_set_member_name (builder, "parameters");
  json_builder_begin_object (builder);
  add_string_member (builder, "size", size);
  if (req->duration != WANR2V_UNSET)
    add_int_member (builder, "duration", req->duration);
  if (req->shot_type != NULL)
    add_string_member (builder, "shot_type", req->shot_type);
  add_tristate_member (builder, "audio", req->audio);
  add_tristate_member (builder, "watermark", req->watermark);
  if (req->seed != WANR2V_UNSET)
    add_int_member (builder, "seed", req->seed);
  add_tristate_member (builder, "prompt_extend", req->prompt_extend);
  json_builder_end_object (builder);
  return TRUE;
}

char *
wanr2v_json_build_create_body (const WanR2vRequest * req, GError ** error)
{
  g_autoptr (JsonBuilder) builder = NULL;
  g_autoptr (JsonGenerator) generator = NULL;
  g_autoptr (JsonNode) root = NULL;
  WanR2vModelFamily family;
  gboolean ok;

  g_return_val_if_fail (req != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  family = wanr2v_model_family (req->model);
  if (req->model == NULL || *req->model == '\0') {
    g_set_error_literal (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_MISSING, "model is not set");
    return NULL;
  }
  if (family == WANR2V_FAMILY_UNKNOWN) {
    g_set_error (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_UNSUPPORTED,
        "model \"%s\" is not a known reference-to-video model", req->model);
    return NULL;
  }
  if (req->media == NULL) {
    g_set_error_literal (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_MISSING, "the request has no media list");
    return NULL;
  }

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  add_string_member (builder, "model", req->model);
  json_builder_set_member_name (builder, "input");
  json_builder_begin_object (builder);
  add_string_member (builder, "prompt", req->prompt ? req->prompt : "");
  if (req->negative_prompt != NULL && *req->negative_prompt != '\0')
    add_string_member (builder, "negative_prompt", req->negative_prompt);

  /* Each of these closes "input" and writes "parameters". */
  if (wanr2v_model_family_is_wan26 (family))
    ok = build_wan26 (req, family, builder, error);
  else
    ok = build_wan27 (req, builder, error);
  if (!ok)
    return NULL;
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
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

/* ---- create body, read back --------------------------------------------- */

static gboolean
bad_type (GError ** error, const char *where, const char *expected,
    JsonNode * node)
{
  g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
      "%s: expected %s, got %s", where, expected, describe_node (node));
  return FALSE;
}

/* An optional string member; absent or null leaves @out alone. */
static gboolean
read_string (JsonObject * object, const char *name, const char *where,
    char **out, GError ** error)
{
  JsonNode *node = member (object, name);

  if (node == NULL)
    return TRUE;
  if (!node_is_string (node))
    return bad_type (error, where, "a string", node);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_int (JsonObject * object, const char *name, const char *where,
    gint64 min, gint64 max, gint64 * out, GError ** error)
{
  JsonNode *node = member (object, name);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!node_int64 (node, &value))
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
  JsonNode *node = member (object, name);
  gboolean value;

  if (node == NULL)
    return TRUE;
  if (!node_boolean (node, &value))
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

    type_node = member (entry, "type");
    if (!node_is_string (type_node)) {
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

    url_node = member (entry, "url");
    if (!node_is_string (url_node)) {
      where = g_strdup_printf ("input.media[%u].url", i);
      if (url_node == NULL) {
        g_set_error (error, WANR2V_REQUEST_ERROR,
            WANR2V_REQUEST_ERROR_MISSING, "%s: missing", where);
        return FALSE;
      }
      return bad_type (error, where, "a string", url_node);
    }

    /* The Java SDK writes referenceVoice. */
    voice_node = member (entry, "reference_voice");
    if (voice_node == NULL)
      voice_node = member (entry, "referenceVoice");
    if (voice_node != NULL && !node_is_string (voice_node)) {
      where = g_strdup_printf ("input.media[%u].reference_voice", i);
      return bad_type (error, where, "a string", voice_node);
    }

    wanr2v_request_add_media (req, type, json_node_get_string (url_node),
        node_string (voice_node));
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
    const char *url = node_string (node);

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
  JsonNode *media = member (input, "media");
  JsonNode *urls = member (input, "reference_urls");

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

  parser = load_json (json, length, &why);
  if (parser == NULL) {
    g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
        "request is not valid JSON: %s", why);
    return NULL;
  }
  root = root_object (parser);
  if (root == NULL) {
    bad_type (error, "request", "a JSON object",
        json_parser_get_root (parser));
    return NULL;
  }

  req = wanr2v_request_new ();
  /* A missing model is left NULL: the caller may supply its own. */
  if (!read_string (root, "model", "model", &req->model, error))
    return NULL;

  input = member (root, "input");
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

  params = member (root, "parameters");
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

/* ---- task status -------------------------------------------------------- */

static const struct
{
  WanR2vTaskStatus status;
  const char *name;
} status_names[] = {
  {WANR2V_TASK_STATUS_PENDING, "PENDING"},
  {WANR2V_TASK_STATUS_RUNNING, "RUNNING"},
  {WANR2V_TASK_STATUS_SUCCEEDED, "SUCCEEDED"},
  {WANR2V_TASK_STATUS_FAILED, "FAILED"},
  {WANR2V_TASK_STATUS_CANCELED, "CANCELED"},
  {WANR2V_TASK_STATUS_UNKNOWN, "UNKNOWN"},
};

WanR2vTaskStatus
wanr2v_task_status_from_string (const char *s)
{
  gsize i;

  if (s == NULL)
    return WANR2V_TASK_STATUS_UNRECOGNISED;
  for (i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_ascii_strcasecmp (s, status_names[i].name) == 0)
      return status_names[i].status;
  /* British spelling, in case a proxy or a future version uses it. */
  if (g_ascii_strcasecmp (s, "CANCELLED") == 0)
    return WANR2V_TASK_STATUS_CANCELED;
  return WANR2V_TASK_STATUS_UNRECOGNISED;
}

const char *
wanr2v_task_status_to_string (WanR2vTaskStatus status)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (status_names[i].status == status)
      return status_names[i].name;
  return "UNRECOGNISED";
}

gboolean
wanr2v_task_status_is_final (WanR2vTaskStatus status)
{
  /* Anything unrecognised (SUSPENDED...) is taken as "not finished yet". */
  return status == WANR2V_TASK_STATUS_SUCCEEDED
      || status == WANR2V_TASK_STATUS_FAILED
      || status == WANR2V_TASK_STATUS_CANCELED
      || status == WANR2V_TASK_STATUS_UNKNOWN;
}

/* ---- replies ------------------------------------------------------------ */

void
wanr2v_task_info_free (WanR2vTaskInfo * info)
{
  if (info == NULL)
    return;
  g_free (info->request_id);
  g_free (info->task_id);
  g_free (info->status_string);
  g_free (info->submit_time);
  g_free (info->scheduled_time);
  g_free (info->end_time);
  g_free (info->video_url);
  g_free (info->orig_prompt);
  g_free (info->actual_prompt);
  g_free (info->code);
  g_free (info->message);
  g_free (info->usage_ratio);
  g_free (info->usage_size);
  g_free (info);
}

/* A service code may come as a number from some gateways. */
static char *
dup_code (JsonObject * object, const char *name)
{
  JsonNode *node = member (object, name);
  gint64 number;

  if (node_is_string (node))
    return g_strdup (json_node_get_string (node));
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64
      && node_int64 (node, &number))
    return g_strdup_printf ("%" G_GINT64_FORMAT, number);
  return NULL;
}

static void
parse_usage (WanR2vTaskInfo * info, JsonObject * usage)
{
  gint64 sr;

  info->has_usage = TRUE;
  info->usage_duration = get_double (usage, "duration", 0);
  info->usage_input_video_duration =
      get_double (usage, "input_video_duration", 0);
  info->usage_output_video_duration =
      get_double (usage, "output_video_duration", 0);
  info->usage_video_count =
      (gint) CLAMP (get_int64 (usage, "video_count", 0), 0, G_MAXINT);

  /* SR is a number (720); tolerate "720P" as well. */
  sr = get_int64 (usage, "SR", 0);
  if (sr == 0) {
    const char *s = get_string (usage, "SR");

    if (s != NULL)
      sr = (gint64) g_ascii_strtoull (s, NULL, 10);
  }
  info->usage_sr = (gint) CLAMP (sr, 0, G_MAXINT);
  info->usage_ratio = g_strdup (get_string (usage, "ratio"));
  info->usage_size = g_strdup (get_string (usage, "size"));
}

WanR2vTaskInfo *
wanr2v_json_parse_task (const char *body, gssize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *why = NULL;
  WanR2vTaskInfo *info;
  JsonObject *root, *output, *usage;
  const char *task_id;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = load_json (body, length, &why);
  if (parser == NULL) {
    g_autofree char *excerpt = body_excerpt (body, length);

    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "task reply is not JSON (%s): \"%s\"", why, excerpt);
    return NULL;
  }
  root = root_object (parser);
  if (root == NULL) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "task reply is %s, not a JSON object",
        describe_node (json_parser_get_root (parser)));
    return NULL;
  }

  output = get_object (root, "output");
  if (output == NULL) {
    const char *code = get_string (root, "code");
    const char *message = get_string (root, "message");

    if (code != NULL || message != NULL)
      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
          "task reply has no output object (the service said %s: %s)",
          code ? code : "(no code)", message ? message : "");
    else
      g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
          "task reply has no output object");
    return NULL;
  }
  task_id = get_string (output, "task_id");
  if (task_id == NULL || *task_id == '\0') {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "task reply has no output.task_id");
    return NULL;
  }

  info = g_new0 (WanR2vTaskInfo, 1);
  info->request_id = g_strdup (get_string (root, "request_id"));
  info->task_id = g_strdup (task_id);
  info->status_string = g_strdup (get_string (output, "task_status"));
  info->status = wanr2v_task_status_from_string (info->status_string);
  info->submit_time = g_strdup (get_string (output, "submit_time"));
  info->scheduled_time = g_strdup (get_string (output, "scheduled_time"));
  info->end_time = g_strdup (get_string (output, "end_time"));
  info->video_url = g_strdup (get_string (output, "video_url"));
  info->orig_prompt = g_strdup (get_string (output, "orig_prompt"));
  info->actual_prompt = g_strdup (get_string (output, "actual_prompt"));

  /* A FAILED task says why in output; some replies put it at the top. */
  info->code = dup_code (output, "code");
  if (info->code == NULL)
    info->code = dup_code (root, "code");
  info->message = g_strdup (get_string (output, "message"));
  if (info->message == NULL)
    info->message = g_strdup (get_string (root, "message"));

  usage = get_object (root, "usage");
  if (usage != NULL)
    parse_usage (info, usage);
  return info;
}

void
wanr2v_json_parse_error (const char *body, gssize length, char **code,
    char **message, char **request_id)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *why = NULL;
  JsonObject *root, *nested;
  char *c = NULL, *m = NULL, *r = NULL;

  parser = load_json (body, length, &why);
  root = parser != NULL ? root_object (parser) : NULL;
  if (root != NULL) {
    c = dup_code (root, "code");
    m = g_strdup (get_string (root, "message"));
    r = g_strdup (get_string (root, "request_id"));

    /* Some gateways wrap it: {"error": {"code", "message"}}. */
    nested = get_object (root, "error");
    if (nested == NULL)
      nested = get_object (root, "output");
    if (c == NULL)
      c = dup_code (nested, "code");
    if (m == NULL)
      m = g_strdup (get_string (nested, "message"));
  }

  if (code)
    *code = c;
  else
    g_free (c);
  if (message)
    *message = m;
  else
    g_free (m);
  if (request_id)
    *request_id = r;
  else
    g_free (r);
}

/* ---- upload policy ------------------------------------------------------ */

void
wanr2v_upload_policy_free (WanR2vUploadPolicy * policy)
{
  if (policy == NULL)
    return;
  g_free (policy->request_id);
  g_free (policy->policy);
  g_free (policy->signature);
  g_free (policy->upload_dir);
  g_free (policy->upload_host);
  g_free (policy->oss_access_key_id);
  g_free (policy->x_oss_object_acl);
  g_free (policy->x_oss_forbid_overwrite);
  g_free (policy);
}

static char *
dup_flag (JsonObject * object, const char *name)
{
  JsonNode *node = member (object, name);
  gboolean value;

  if (node_boolean (node, &value))
    return g_strdup (value ? "true" : "false");
  return g_strdup (node_string (node));
}

WanR2vUploadPolicy *
wanr2v_json_parse_upload_policy (const char *body, gssize length,
    GError ** error)
{
  static const char *const required[] = {
    "policy", "signature", "upload_dir", "upload_host", "oss_access_key_id",
  };
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (WanR2vUploadPolicy) policy = NULL;
  g_autofree char *why = NULL;
  JsonObject *root, *data;
  gsize i;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = load_json (body, length, &why);
  if (parser == NULL) {
    g_autofree char *excerpt = body_excerpt (body, length);

    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "upload policy reply is not JSON (%s): \"%s\"", why, excerpt);
    return NULL;
  }
  root = root_object (parser);
  data = get_object (root, "data");
  if (data == NULL) {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "upload policy reply has no data object");
    return NULL;
  }
  for (i = 0; i < G_N_ELEMENTS (required); i++) {
    const char *value = get_string (data, required[i]);

    if (value == NULL || *value == '\0') {
      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
          "upload policy reply has no data.%s", required[i]);
      return NULL;
    }
  }
  /* We are about to send the file there: it must be a web address. */
  if (wanr2v_url_classify (get_string (data, "upload_host")) !=
      WANR2V_URL_HTTP) {
    g_autofree char *host =
        g_utf8_make_valid (get_string (data, "upload_host"), -1);

    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "upload policy reply has upload_host \"%s\", not an http(s) URL",
        host);
    return NULL;
  }

  policy = g_new0 (WanR2vUploadPolicy, 1);
  policy->request_id = g_strdup (get_string (root, "request_id"));
  policy->policy = g_strdup (get_string (data, "policy"));
  policy->signature = g_strdup (get_string (data, "signature"));
  policy->upload_dir = g_strdup (get_string (data, "upload_dir"));
  policy->upload_host = g_strdup (get_string (data, "upload_host"));
  policy->oss_access_key_id = g_strdup (get_string (data,
          "oss_access_key_id"));
  policy->x_oss_object_acl = g_strdup (get_string (data, "x_oss_object_acl"));
  policy->x_oss_forbid_overwrite = dup_flag (data, "x_oss_forbid_overwrite");
  /* Numbers from the network, clamped before anyone computes with them
   * (seconds to microseconds, MB to bytes): a policy lives minutes, a
   * file is never a terabyte. */
  policy->expire_in_seconds = CLAMP (get_int64 (data, "expire_in_seconds",
          0), 0, WANR2V_POLICY_MAX_EXPIRE_S);
  policy->max_file_size_mb = CLAMP (get_int64 (data, "max_file_size_mb", 0),
      0, WANR2V_POLICY_MAX_MB);
  policy->capacity_limit_mb = CLAMP (get_int64 (data, "capacity_limit_mb",
          0), 0, WANR2V_POLICY_MAX_CAPACITY_MB);
  return g_steal_pointer (&policy);
}

/* ---- task list ---------------------------------------------------------- */

void
wanr2v_task_summary_free (WanR2vTaskSummary * summary)
{
  if (summary == NULL)
    return;
  g_free (summary->task_id);
  g_free (summary->status);
  g_free (summary->model_name);
  g_free (summary);
}

GPtrArray *
wanr2v_json_parse_task_list (const char *body, gssize length, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *why = NULL;
  GPtrArray *list;
  JsonObject *root;
  JsonNode *data;
  guint i;

  parser = load_json (body, length, &why);
  root = parser ? root_object (parser) : NULL;
  data = member (root, "data");
  if (data == NULL || !JSON_NODE_HOLDS_ARRAY (data)) {
    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "The task list reply has no data array%s%s", why ? ": " : "",
        why ? why : "");
    return NULL;
  }

  list = g_ptr_array_new_with_free_func ((GDestroyNotify)
      wanr2v_task_summary_free);
  for (i = 0; i < json_array_get_length (json_node_get_array (data)); i++) {
    JsonNode *item = json_array_get_element (json_node_get_array (data), i);
    JsonObject *obj;
    WanR2vTaskSummary *summary;

    if (!JSON_NODE_HOLDS_OBJECT (item))
      continue;
    obj = json_node_get_object (item);
    if (get_string (obj, "task_id") == NULL)
      continue;
    summary = g_new0 (WanR2vTaskSummary, 1);
    summary->task_id = g_strdup (get_string (obj, "task_id"));
    summary->status = g_strdup (get_string (obj, "status"));
    summary->model_name = g_strdup (get_string (obj, "model_name"));
    summary->gmt_create_ms = get_int64 (obj, "gmt_create", 0);
    g_ptr_array_add (list, summary);
  }
  return list;
}
