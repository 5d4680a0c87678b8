/* gstwanr2vsrc-names.c: the element's names for the inputs of a request (see
 * gstwanr2vsrc-names.h).
 */
#include "gstwanr2vsrc-names.h"
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

/* The job's settings (WanR2vJobConfig's members) that the core's messages
 * name, usually in advice ("set attach_task_id=... to pick up its
 * result"), and the properties that set them. */
static const struct
{
  const char *core;
  const char *property;
} setting_names[] = {
  {"attach_task_id", "task-id"},
  {"base_url", "base-url"},
  {"allow_insecure", "allow-insecure"},
  {"cache_policy", "cache-policy"},
  {"cancel_on_stop", "cancel-on-stop"},
  {"max_billed_seconds", "max-billed-seconds"},
  {"max_tasks_in_progress", "max-tasks-in-progress"},
  {"output_dir", "cache-dir"},
};

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

/* @text with every setting named as a whole word given its property's
 * name instead. */
static char *
names_settings (const char *text)
{
  GString *out = g_string_new (NULL);
  const char *p = text;

  while (*p) {
    guint i;
    gboolean replaced = FALSE;

    if (p == text || !is_name_char (p[-1])) {
      for (i = 0; i < G_N_ELEMENTS (setting_names); i++) {
        gsize len = strlen (setting_names[i].core);

        if (strncmp (p, setting_names[i].core, len) == 0
            && !is_name_char (p[len])) {
          g_string_append (out, setting_names[i].property);
          p += len;
          replaced = TRUE;
          break;
        }
      }
    }
    if (!replaced)
      g_string_append_c (out, *p++);
  }
  return g_string_free (out, FALSE);
}

char *
gst_wanr2v_src_names_message (const GError * error)
{
  gsize core_name_length = 0;
  const WanR2vFieldRef *ref = wanr2v_error_get_field (error,
      &core_name_length);
  g_autofree char *name = NULL, *text = NULL;

  if (ref == NULL)
    return names_settings (error->message);
  name = names_field (ref);
  text = g_strconcat (name, error->message + core_name_length, NULL);
  return names_settings (text);
}
