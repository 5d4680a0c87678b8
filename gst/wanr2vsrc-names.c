/* wanr2vsrc-names.c: the element's names for the inputs of a request (see
 * wanr2vsrc-names.h).
 */
#include "wanr2vsrc-names.h"
#include "wanr2v-error.h"

#include <string.h>

/* The properties, for the inputs the core names otherwise. */
static const char *const property_names[] = {
  [WANR2V_FIELD_NONE] = "the request",
  [WANR2V_FIELD_MODEL] = "model",
  [WANR2V_FIELD_PROMPT] = "prompt",
  [WANR2V_FIELD_NEGATIVE_PROMPT] = "negative-prompt",
  [WANR2V_FIELD_REFERENCES] = "images and videos",
  [WANR2V_FIELD_REFERENCE_VIDEOS] = "videos",
  [WANR2V_FIELD_FIRST_FRAME] = "first-frame",
  [WANR2V_FIELD_MEDIA] = "media",
  [WANR2V_FIELD_RESOLUTION] = "resolution",
  [WANR2V_FIELD_RATIO] = "ratio",
  [WANR2V_FIELD_DURATION] = "duration",
  [WANR2V_FIELD_PROMPT_EXTEND] = "prompt-extend",
  [WANR2V_FIELD_WATERMARK] = "watermark",
  [WANR2V_FIELD_SEED] = "seed",
  [WANR2V_FIELD_SHOT_TYPE] = "shot-type",
  [WANR2V_FIELD_AUDIO] = "audio",
  [WANR2V_FIELD_SIZE] = "size",
  [WANR2V_FIELD_OUTPUT_DIR] = "cache-dir",
};

/* The element's name for @ref: a property ("prompt-extend"), or what
 * gst_wanr2v_src_names_media() says for a media entry. */
static char *
names_field (const WanR2vFieldRef * ref)
{
  const char *property;

  g_return_val_if_fail (ref->field < G_N_ELEMENTS (property_names), NULL);

  if (ref->field != WANR2V_FIELD_MEDIA)
    return g_strdup (property_names[ref->field]);

  /* Each kind has a property of its own, indexed from 0; the prompt
   * counts from 1. */
  switch (ref->media_type) {
    case WANR2V_MEDIA_REFERENCE_IMAGE:
      property = ref->voice ? "image-voices" : "images";
      break;
    case WANR2V_MEDIA_REFERENCE_VIDEO:
      property = ref->voice ? "video-voices" : "videos";
      break;
    case WANR2V_MEDIA_FIRST_FRAME:
    default:
      return g_strdup (ref->voice ? "voice of first-frame" : "first-frame");
  }
  return g_strdup_printf ("%s[%u] (%s%s)", property, ref->type_index,
      ref->voice ? "voice of " : "", ref->prompt_name);
}

char *
gst_wanr2v_src_names_media (const WanR2vRequest * req, guint index,
    gboolean voice)
{
  WanR2vFieldRef ref;

  wanr2v_request_media_field (req, index, voice, &ref);
  return names_field (&ref);
}

char *
gst_wanr2v_src_names_message (const GError * error)
{
  gsize core_name_length = 0;
  const WanR2vFieldRef *ref = wanr2v_error_get_field (error,
      &core_name_length);
  g_autofree char *name = NULL;

  if (ref == NULL)
    return g_strdup (error->message);
  name = names_field (ref);
  return g_strconcat (name, error->message + core_name_length, NULL);
}
