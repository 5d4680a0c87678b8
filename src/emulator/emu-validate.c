/* emu-validate.c: checks a create-task request the way the service does.
 *
 * The order of the checks follows what a caller is most likely to trip over
 * first (model, then input, then media, then parameters), so a request with
 * several faults gets one stable answer.
 */
#include "emu-validate.h"

#include "wanr2v-sizes.h"

#include <gio/gio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define URL_ERROR "url error, please check url!"
#define DATA_INSPECTION_MESSAGE \
  "The media format is not supported or incorrect for the data inspection."

void
emu_media_item_free (EmuMediaItem * item)
{
  if (item == NULL)
    return;
  g_free (item->url);
  g_free (item->voice_url);
  g_free (item);
}

void
emu_task_spec_free (EmuTaskSpec * spec)
{
  if (spec == NULL)
    return;
  g_free (spec->model);
  g_free (spec->prompt);
  g_free (spec->negative_prompt);
  g_clear_pointer (&spec->media, g_ptr_array_unref);
  g_free (spec->resolution);
  g_free (spec->ratio);
  g_free (spec->size);
  g_free (spec->shot_type);
  g_free (spec);
}

const char *
emu_media_kind_name (EmuMediaKind kind)
{
  switch (kind) {
    case EMU_MEDIA_REFERENCE_IMAGE:
      return "reference_image";
    case EMU_MEDIA_REFERENCE_VIDEO:
      return "reference_video";
    case EMU_MEDIA_FIRST_FRAME:
      return "first_frame";
  }
  return "unknown";
}

gboolean
emu_model_family (const char *model, EmuModelFamily * family)
{
  EmuModelFamily f;

  if (model == NULL)
    return FALSE;

  if (strcmp (model, "wan2.7-r2v") == 0) {
    f = EMU_FAMILY_WAN27;
  } else if (g_str_has_prefix (model, "wan2.7-r2v-")) {
    /* Dated snapshots: wan2.7-r2v-YYYY-MM-DD. */
    const char *date = model + strlen ("wan2.7-r2v-");

    if (!g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", date, 0, 0))
      return FALSE;
    f = EMU_FAMILY_WAN27;
  } else if (strcmp (model, "wan2.6-r2v") == 0) {
    f = EMU_FAMILY_WAN26;
  } else if (strcmp (model, "wan2.6-r2v-flash") == 0) {
    f = EMU_FAMILY_WAN26_FLASH;
  } else {
    return FALSE;
  }
  if (family)
    *family = f;
  return TRUE;
}

/* ---- liberal readers: a real server coerces "5" to 5 and "true" to true */

static gboolean
read_int (JsonObject * obj, const char *name, gint64 * value,
    gboolean * present, EmuServiceError ** error)
{
  JsonNode *node = json_object_get_member (obj, name);

  *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (JSON_NODE_HOLDS_VALUE (node)) {
    GType type = json_node_get_value_type (node);

    if (type == G_TYPE_INT64) {
      *value = json_node_get_int (node);
      *present = TRUE;
      return TRUE;
    }
    if (type == G_TYPE_DOUBLE) {
      double d = json_node_get_double (node);

      if (d == (double) (gint64) d) {
        *value = (gint64) d;
        *present = TRUE;
        return TRUE;
      }
    }
    if (type == G_TYPE_STRING) {
      const char *s = json_node_get_string (node);
      char *end = NULL;
      gint64 v;

      errno = 0;
      v = g_ascii_strtoll (s, &end, 10);
      if (*s != '\0' && end != NULL && *end == '\0' && errno == 0) {
        *value = v;
        *present = TRUE;
        return TRUE;
      }
    }
  }
  emu_set_service_error (error, 400, "InvalidParameter",
      "The parameter %s must be an integer.", name);
  return FALSE;
}

static gboolean
read_bool (JsonObject * obj, const char *name, gboolean * value,
    EmuServiceError ** error)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (JSON_NODE_HOLDS_VALUE (node)) {
    GType type = json_node_get_value_type (node);

    if (type == G_TYPE_BOOLEAN) {
      *value = json_node_get_boolean (node);
      return TRUE;
    }
    if (type == G_TYPE_STRING) {
      const char *s = json_node_get_string (node);

      if (g_ascii_strcasecmp (s, "true") == 0) {
        *value = TRUE;
        return TRUE;
      }
      if (g_ascii_strcasecmp (s, "false") == 0) {
        *value = FALSE;
        return TRUE;
      }
    }
  }
  emu_set_service_error (error, 400, "InvalidParameter",
      "The parameter %s must be a boolean.", name);
  return FALSE;
}

/* Returns the string member, NULL when absent; fails on a non-string. */
static gboolean
read_string (JsonObject * obj, const char *name, const char **value,
    EmuServiceError ** error)
{
  JsonNode *node = json_object_get_member (obj, name);

  *value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING) {
    *value = json_node_get_string (node);
    return TRUE;
  }
  emu_set_service_error (error, 400, "InvalidParameter",
      "The parameter %s must be a string.", name);
  return FALSE;
}

/* ---- prompts */

static gboolean
check_text (const char *text, const char *name, glong max,
    const EmuValidateOptions * options, char **out, EmuServiceError ** error)
{
  glong length = g_utf8_strlen (text, -1);

  if (length <= max) {
    *out = g_strdup (text);
    return TRUE;
  }
  if (options->reject_long_prompts) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "The length of %s must not exceed %ld characters, got %ld.", name,
        max, length);
    return FALSE;
  }
  /* The service cuts silently (and still bills the task). */
  *out = g_utf8_substring (text, 0, max);
  return TRUE;
}

/* ---- URLs */

typedef enum
{
  URL_HTTP,
  URL_OSS,
  URL_DATA,
} UrlKind;

static const char *const image_mime_types[] = {
  "image/jpeg", "image/png", "image/bmp", "image/webp", NULL
};

static gboolean
check_url (const char *url, gboolean data_allowed,
    const EmuValidateOptions * options, const char *what,
    EmuServiceError ** error)
{
  g_autofree char *scheme = NULL;

  if (url == NULL || *url == '\0') {
    emu_set_service_error (error, 400, "InvalidParameter", URL_ERROR);
    return FALSE;
  }

  scheme = g_uri_parse_scheme (url);
  if (scheme == NULL) {
    emu_set_service_error (error, 400, "InvalidParameter", URL_ERROR);
    return FALSE;
  }

  if (g_ascii_strcasecmp (scheme, "http") == 0
      || g_ascii_strcasecmp (scheme, "https") == 0) {
    g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

    if (uri == NULL || g_uri_get_host (uri) == NULL
        || *g_uri_get_host (uri) == '\0') {
      emu_set_service_error (error, 400, "InvalidParameter", URL_ERROR);
      return FALSE;
    }
    return TRUE;
  }

  if (g_ascii_strcasecmp (scheme, "oss") == 0) {
    if (!options->oss_resolve) {
      /* Without the header the service does not resolve oss:// at all, and
       * its media check refuses the URL. */
      emu_set_service_error (error, 400, "InvalidParameter.DataInspection",
          DATA_INSPECTION_MESSAGE
          " (oss:// URL without X-DashScope-OssResourceResolve: enable)");
      return FALSE;
    }
    if (strlen (url) <= strlen ("oss://")) {
      emu_set_service_error (error, 400, "InvalidParameter", URL_ERROR);
      return FALSE;
    }
    return TRUE;
  }

  if (g_ascii_strcasecmp (scheme, "data") == 0) {
    const char *comma = strchr (url, ',');
    g_autofree char *header = NULL;
    g_auto (GStrv) parts = NULL;
    gboolean base64 = FALSE;
    gsize i;

    if (!data_allowed) {
      emu_set_service_error (error, 400, "InvalidParameter",
          "%s must be an http(s) or oss:// URL; base64 data is only "
          "accepted for images.", what);
      return FALSE;
    }
    if (comma == NULL) {
      emu_set_service_error (error, 400, "InvalidParameter", URL_ERROR);
      return FALSE;
    }
    header = g_strndup (url + 5, comma - (url + 5));
    parts = g_strsplit (header, ";", -1);
    for (i = 1; parts[i]; i++)
      if (g_ascii_strcasecmp (g_strstrip (parts[i]), "base64") == 0)
        base64 = TRUE;
    if (!base64) {
      emu_set_service_error (error, 400, "InvalidParameter", URL_ERROR);
      return FALSE;
    }
    for (i = 0; image_mime_types[i]; i++)
      if (g_ascii_strcasecmp (g_strstrip (parts[0]), image_mime_types[i]) == 0)
        return TRUE;
    emu_set_service_error (error, 400, "InvalidParameter.DataInspection",
        DATA_INSPECTION_MESSAGE " (data URI of type '%s'; expected "
        "image/jpeg, image/png, image/bmp or image/webp)", parts[0]);
    return FALSE;
  }

  emu_set_service_error (error, 400, "InvalidParameter", URL_ERROR);
  return FALSE;
}

/* ---- wan2.7: the media array */

static gboolean
parse_media (JsonObject * input, const EmuValidateOptions * options,
    EmuTaskSpec * spec, EmuServiceError ** error)
{
  JsonNode *node = json_object_get_member (input, "media");
  JsonArray *array;
  guint i, n_images = 0, n_videos = 0, n_first = 0;

  if (json_object_has_member (input, "reference_urls")) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "input.reference_urls is not supported by model %s, use input.media.",
        spec->model);
    return FALSE;
  }
  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "Field required: input.media");
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "input.media must be an array.");
    return FALSE;
  }

  array = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (array); i++) {
    JsonNode *item_node = json_array_get_element (array, i);
    JsonObject *item;
    const char *type = NULL, *url = NULL, *voice = NULL;
    EmuMediaItem *media;

    if (!JSON_NODE_HOLDS_OBJECT (item_node)) {
      emu_set_service_error (error, 400, "InvalidParameter",
          "input.media[%u] must be an object.", i);
      return FALSE;
    }
    item = json_node_get_object (item_node);
    if (!read_string (item, "type", &type, error)
        || !read_string (item, "url", &url, error))
      return FALSE;
    /* The Java SDK sends the camelCase spelling. */
    if (!read_string (item, "reference_voice", &voice, error))
      return FALSE;
    if (voice == NULL && !read_string (item, "referenceVoice", &voice, error))
      return FALSE;
    if (voice != NULL && *voice == '\0')
      voice = NULL;

    media = g_new0 (EmuMediaItem, 1);
    g_ptr_array_add (spec->media, media);
    if (g_strcmp0 (type, "reference_image") == 0) {
      media->kind = EMU_MEDIA_REFERENCE_IMAGE;
      n_images++;
    } else if (g_strcmp0 (type, "reference_video") == 0) {
      media->kind = EMU_MEDIA_REFERENCE_VIDEO;
      n_videos++;
    } else if (g_strcmp0 (type, "first_frame") == 0) {
      media->kind = EMU_MEDIA_FIRST_FRAME;
      n_first++;
    } else {
      emu_set_service_error (error, 400, "InvalidParameter",
          "input.media[%u].type '%s' is invalid, expected one of "
          "reference_image, reference_video, first_frame.", i,
          type ? type : "");
      return FALSE;
    }

    if (!check_url (url, media->kind != EMU_MEDIA_REFERENCE_VIDEO, options,
            "A reference_video url", error))
      return FALSE;
    media->url = g_strdup (url);

    if (voice != NULL) {
      if (media->kind == EMU_MEDIA_FIRST_FRAME) {
        emu_set_service_error (error, 400, "InvalidParameter",
            "reference_voice is only supported on reference_image and "
            "reference_video, not on first_frame.");
        return FALSE;
      }
      if (!check_url (voice, FALSE, options, "A reference_voice url", error))
        return FALSE;
      media->voice_url = g_strdup (voice);
    }
  }

  if (n_images + n_videos == 0) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "input.media must contain at least one reference_image or "
        "reference_video.");
    return FALSE;
  }
  if (n_images + n_videos > 5) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "The total number of reference_image and reference_video in "
        "input.media must not exceed 5, got %u.", n_images + n_videos);
    return FALSE;
  }
  if (n_first > 1) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "input.media may contain at most one first_frame, got %u.", n_first);
    return FALSE;
  }
  return TRUE;
}

/* ---- wan2.6: the reference_urls array */

static gboolean
url_looks_like_video (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *path = uri ? g_uri_get_path (uri) : url;
  g_autofree char *lower = g_ascii_strdown (path ? path : "", -1);

  return g_str_has_suffix (lower, ".mp4") || g_str_has_suffix (lower, ".mov")
      || g_str_has_suffix (lower, ".m4v");
}

static gboolean
parse_reference_urls (JsonObject * input, const EmuValidateOptions * options,
    EmuTaskSpec * spec, EmuServiceError ** error)
{
  JsonNode *node = json_object_get_member (input, "reference_urls");
  JsonArray *array;
  guint i, n, n_videos = 0;

  if (json_object_has_member (input, "media")) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "input.media is not supported by model %s, use "
        "input.reference_urls.", spec->model);
    return FALSE;
  }
  if (node == NULL || JSON_NODE_HOLDS_NULL (node)) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "Field required: input.reference_urls");
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "input.reference_urls must be an array.");
    return FALSE;
  }

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n < 1 || n > 5) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "input.reference_urls must hold 1 to 5 URLs, got %u.", n);
    return FALSE;
  }
  for (i = 0; i < n; i++) {
    JsonNode *item = json_array_get_element (array, i);
    const char *url = NULL;
    EmuMediaItem *media;

    if (JSON_NODE_HOLDS_VALUE (item)
        && json_node_get_value_type (item) == G_TYPE_STRING)
      url = json_node_get_string (item);
    /* The legacy protocol takes URLs only, no base64. */
    if (!check_url (url, FALSE, options, "A reference_urls item", error))
      return FALSE;

    media = g_new0 (EmuMediaItem, 1);
    media->url = g_strdup (url);
    media->kind = url_looks_like_video (url) ?
        EMU_MEDIA_REFERENCE_VIDEO : EMU_MEDIA_REFERENCE_IMAGE;
    if (media->kind == EMU_MEDIA_REFERENCE_VIDEO)
      n_videos++;
    g_ptr_array_add (spec->media, media);
  }
  if (n_videos > 3) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "input.reference_urls may hold at most 3 videos, got %u.", n_videos);
    return FALSE;
  }
  return TRUE;
}

/* ---- parameters */

static gboolean
parse_common_parameters (JsonObject * params, EmuTaskSpec * spec,
    guint max_duration, EmuServiceError ** error)
{
  gint64 value = 0;
  gboolean present;

  if (!read_int (params, "duration", &value, &present, error))
    return FALSE;
  if (present) {
    if (value < 2 || value > max_duration) {
      emu_set_service_error (error, 400, "InvalidParameter",
          "The parameter duration must be an integer between 2 and %u, "
          "got %" G_GINT64_FORMAT ".", max_duration, value);
      return FALSE;
    }
    spec->duration = (guint) value;
  }

  if (!read_int (params, "seed", &value, &present, error))
    return FALSE;
  if (present) {
    if (value < 0 || value > G_MAXINT32) {
      emu_set_service_error (error, 400, "InvalidParameter",
          "The parameter seed must be between 0 and 2147483647, got %"
          G_GINT64_FORMAT ".", value);
      return FALSE;
    }
    spec->has_seed = TRUE;
    spec->seed = value;
  }

  return read_bool (params, "prompt_extend", &spec->prompt_extend, error)
      && read_bool (params, "watermark", &spec->watermark, error);
}

static gboolean
parse_wan27_parameters (JsonObject * params, EmuTaskSpec * spec,
    EmuServiceError ** error)
{
  const char *resolution = NULL, *ratio = NULL;
  gboolean any_video = FALSE;
  guint i;

  for (i = 0; i < spec->media->len; i++) {
    EmuMediaItem *item = g_ptr_array_index (spec->media, i);

    if (item->kind == EMU_MEDIA_REFERENCE_VIDEO)
      any_video = TRUE;
  }

  spec->resolution = g_strdup ("1080P");
  spec->ratio = g_strdup ("16:9");
  spec->audio = TRUE;           /* wan2.7 always has sound */
  if (params == NULL)
    goto size;

  if (!read_string (params, "resolution", &resolution, error)
      || !read_string (params, "ratio", &ratio, error))
    return FALSE;
  if (resolution != NULL) {
    g_autofree char *upper = g_ascii_strup (resolution, -1);

    if (!wanr2v_is_resolution (upper)) {
      emu_set_service_error (error, 400, "InvalidParameter",
          "The parameter resolution must be one of 720P, 1080P, got '%s'.",
          resolution);
      return FALSE;
    }
    g_free (spec->resolution);
    spec->resolution = g_steal_pointer (&upper);
  }
  if (ratio != NULL) {
    if (!wanr2v_is_ratio (ratio)) {
      emu_set_service_error (error, 400, "InvalidParameter",
          "The parameter ratio must be one of 16:9, 9:16, 1:1, 4:3, 3:4, "
          "got '%s'.", ratio);
      return FALSE;
    }
    g_free (spec->ratio);
    spec->ratio = g_strdup (ratio);
  }
  if (!parse_common_parameters (params, spec, any_video ? 10 : 15, error))
    return FALSE;

size:
  wanr2v_size_lookup (spec->resolution, spec->ratio, FALSE, &spec->width,
      &spec->height);
  return TRUE;
}

static gboolean
parse_wan26_parameters (JsonObject * params, EmuTaskSpec * spec,
    EmuServiceError ** error)
{
  const char *size = NULL, *shot_type = NULL, *resolution = NULL,
      *ratio = NULL;

  spec->size = g_strdup ("1920*1080");
  spec->shot_type = g_strdup ("single");
  spec->audio = TRUE;
  if (params != NULL) {
    if (!read_string (params, "size", &size, error)
        || !read_string (params, "shot_type", &shot_type, error))
      return FALSE;
    if (size != NULL) {
      if (!wanr2v_size_parse_legacy (size, NULL, NULL)) {
        emu_set_service_error (error, 400, "InvalidParameter",
            "The parameter size '%s' is not supported by model %s.", size,
            spec->model);
        return FALSE;
      }
      g_free (spec->size);
      spec->size = g_strdup (size);
    }
    if (shot_type != NULL) {
      if (strcmp (shot_type, "single") != 0
          && strcmp (shot_type, "multi") != 0) {
        emu_set_service_error (error, 400, "InvalidParameter",
            "The parameter shot_type must be single or multi, got '%s'.",
            shot_type);
        return FALSE;
      }
      g_free (spec->shot_type);
      spec->shot_type = g_strdup (shot_type);
    }
    /* Only the flash model can be asked to stay silent. */
    if (spec->family == EMU_FAMILY_WAN26_FLASH
        && !read_bool (params, "audio", &spec->audio, error))
      return FALSE;
    if (!parse_common_parameters (params, spec, 10, error))
      return FALSE;
  }

  wanr2v_size_parse_legacy (spec->size, &resolution, &ratio);
  spec->resolution = g_strdup (resolution);
  spec->ratio = g_strdup (ratio);
  wanr2v_size_lookup (resolution, ratio, TRUE, &spec->width, &spec->height);
  return TRUE;
}

EmuTaskSpec *
emu_validate_create (const char *body, gsize body_len,
    const EmuValidateOptions * options, EmuServiceError ** error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (EmuTaskSpec) spec = NULL;
  JsonNode *root, *input_node, *params_node;
  JsonObject *request, *input, *params = NULL;
  const char *model = NULL, *prompt = NULL, *negative = NULL;
  gboolean is_wan27;

  if (body == NULL || body_len == 0
      || !json_parser_load_from_data (parser, body, body_len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    emu_set_service_error (error, 400, "InvalidParameter",
        "The request body is not valid JSON.");
    return NULL;
  }
  root = json_parser_get_root (parser);
  request = json_node_get_object (root);

  spec = g_new0 (EmuTaskSpec, 1);
  spec->media = g_ptr_array_new_with_free_func ((GDestroyNotify)
      emu_media_item_free);
  spec->duration = 5;
  spec->prompt_extend = TRUE;

  if (!read_string (request, "model", &model, error))
    return NULL;
  if (model == NULL || *model == '\0') {
    emu_set_service_error (error, 400, "BadRequest.EmptyModel",
        "Required parameter \"model\" missing from request.");
    return NULL;
  }
  if (!emu_model_family (model, &spec->family)) {
    emu_set_service_error (error, 400, "InvalidParameter", "Model not exist.");
    return NULL;
  }
  spec->model = g_strdup (model);
  is_wan27 = spec->family == EMU_FAMILY_WAN27;

  input_node = json_object_get_member (request, "input");
  if (input_node == NULL || !JSON_NODE_HOLDS_OBJECT (input_node)
      || json_object_get_size (json_node_get_object (input_node)) == 0) {
    emu_set_service_error (error, 400, "BadRequest.EmptyInput",
        "Required parameter \"input\" missing from request.");
    return NULL;
  }
  input = json_node_get_object (input_node);

  if (!read_string (input, "prompt", &prompt, error)
      || !read_string (input, "negative_prompt", &negative, error))
    return NULL;
  if (prompt == NULL || *prompt == '\0') {
    emu_set_service_error (error, 400, "InvalidParameter",
        "Field required: input.prompt");
    return NULL;
  }
  if (!check_text (prompt, "input.prompt",
          is_wan27 ? EMU_WAN27_PROMPT_MAX : EMU_WAN26_PROMPT_MAX, options,
          &spec->prompt, error))
    return NULL;
  if (negative != NULL && *negative != '\0'
      && !check_text (negative, "input.negative_prompt",
          EMU_NEGATIVE_PROMPT_MAX, options, &spec->negative_prompt, error))
    return NULL;

  if (is_wan27 ? !parse_media (input, options, spec, error)
      : !parse_reference_urls (input, options, spec, error))
    return NULL;

  params_node = json_object_get_member (request, "parameters");
  if (params_node != NULL && !JSON_NODE_HOLDS_NULL (params_node)) {
    if (!JSON_NODE_HOLDS_OBJECT (params_node)) {
      emu_set_service_error (error, 400, "InvalidParameter",
          "parameters must be an object.");
      return NULL;
    }
    params = json_node_get_object (params_node);
  }

  if (is_wan27 ? !parse_wan27_parameters (params, spec, error)
      : !parse_wan26_parameters (params, spec, error))
    return NULL;

  return g_steal_pointer (&spec);
}
