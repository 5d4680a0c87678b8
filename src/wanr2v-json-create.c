/* wanr2v-json-create.c: the create-task body we send, in the protocol of the
 * request's model family (wan2.7 `media`, wan2.6 `reference_urls` + `size`).
 *
 * Built with JsonBuilder in a fixed key order, so that the same request
 * always gives the same bytes (the result cache hashes them).
 */
#include "wanr2v-json.h"
#include "wanr2v-field.h"
#include "wanr2v-sizes.h"

#include <json-glib/json-glib.h>

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
    wanr2v_set_error_about (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_UNSUPPORTED,
        WANR2V_FIELD_REF (req->shot_type != NULL ? WANR2V_FIELD_SHOT_TYPE :
            req->audio != WANR2V_UNSET ? WANR2V_FIELD_AUDIO :
            WANR2V_FIELD_SIZE), " is not a parameter of %s", req->model);
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
      wanr2v_set_error_about (error, WANR2V_REQUEST_ERROR,
          WANR2V_REQUEST_ERROR_UNSUPPORTED,
          WANR2V_FIELD_REF (WANR2V_FIELD_FIRST_FRAME),
          " is not supported by %s", req->model);
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
    wanr2v_set_error_about (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_UNSUPPORTED, WANR2V_FIELD_REF (WANR2V_FIELD_AUDIO),
        " is not supported by %s", req->model);
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
    wanr2v_set_error_about (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_MISSING, WANR2V_FIELD_REF (WANR2V_FIELD_MODEL),
        " is not set");
    return NULL;
  }
  if (family == WANR2V_FAMILY_UNKNOWN) {
    wanr2v_set_error_about (error, WANR2V_REQUEST_ERROR,
        WANR2V_REQUEST_ERROR_UNSUPPORTED, WANR2V_FIELD_REF (WANR2V_FIELD_MODEL),
        " \"%s\" is not a known reference-to-video model", req->model);
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
