/* wanr2v-field.c: what an error about a request is about, and the core's
 * names for the inputs of a request (see wanr2v-field.h).
 */
#include "wanr2v-field.h"
#include "wanr2v-error.h"

#include <string.h>

void
wanr2v_request_media_field (const WanR2vRequest * req, guint index,
    gboolean voice, WanR2vFieldRef * ref)
{
  const WanR2vMedia *target;
  gboolean wan26 =
      wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model));
  guint i, references = 0;

  g_return_if_fail (req->media != NULL && index < req->media->len);

  memset (ref, 0, sizeof (*ref));
  target = g_ptr_array_index (req->media, index);
  ref->field = WANR2V_FIELD_MEDIA;
  ref->media_index = index;
  ref->media_type = target->type;
  ref->voice = voice;
  for (i = 0; i < index; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);

    if (m->type == target->type)
      ref->type_index++;
    if (m->type != WANR2V_MEDIA_FIRST_FRAME)
      references++;
  }

  /* wan2.6 names its references character1, character2... in list order,
   * whatever their kind; wan2.7 counts images and videos apart. */
  if (target->type == WANR2V_MEDIA_FIRST_FRAME)
    g_strlcpy (ref->prompt_name, "first frame", sizeof (ref->prompt_name));
  else if (wan26)
    g_snprintf (ref->prompt_name, sizeof (ref->prompt_name), "character%u",
        references + 1);
  else
    g_snprintf (ref->prompt_name, sizeof (ref->prompt_name), "%s %u",
        target->type == WANR2V_MEDIA_REFERENCE_IMAGE ? "Image" : "Video",
        ref->type_index + 1);
}

/* Named after WanR2vRequest's members, which are the wire's names. */
static const char *const field_names[] = {
  [WANR2V_FIELD_NONE] = "the request",
  [WANR2V_FIELD_MODEL] = "model",
  [WANR2V_FIELD_PROMPT] = "prompt",
  [WANR2V_FIELD_NEGATIVE_PROMPT] = "negative_prompt",
  [WANR2V_FIELD_REFERENCES] = "the lists of reference images and videos",
  [WANR2V_FIELD_REFERENCE_VIDEOS] = "the list of reference videos",
  [WANR2V_FIELD_FIRST_FRAME] = "first_frame",
  [WANR2V_FIELD_MEDIA] = "media",
  [WANR2V_FIELD_RESOLUTION] = "resolution",
  [WANR2V_FIELD_RATIO] = "ratio",
  [WANR2V_FIELD_DURATION] = "duration",
  [WANR2V_FIELD_PROMPT_EXTEND] = "prompt_extend",
  [WANR2V_FIELD_WATERMARK] = "watermark",
  [WANR2V_FIELD_SEED] = "seed",
  [WANR2V_FIELD_SHOT_TYPE] = "shot_type",
  [WANR2V_FIELD_AUDIO] = "audio",
  [WANR2V_FIELD_SIZE] = "size",
  [WANR2V_FIELD_OUTPUT_DIR] = "output_dir",
};

char *
wanr2v_field_name (const WanR2vFieldRef * ref)
{
  g_return_val_if_fail (ref->field < G_N_ELEMENTS (field_names), NULL);

  if (ref->field != WANR2V_FIELD_MEDIA)
    return g_strdup (field_names[ref->field]);
  return g_strdup_printf ("media[%u]%s (%s%s)", ref->media_index,
      ref->voice ? ".voice" : "", ref->voice ? "voice of " : "",
      ref->prompt_name);
}

void
wanr2v_set_error_about (GError ** error, GQuark domain, gint code,
    const WanR2vFieldRef * ref, const char *format, ...)
{
  g_autofree char *name = wanr2v_field_name (ref);
  g_autofree char *rest = NULL;
  GError *new_error;
  va_list args;

  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);

  new_error = g_error_new (domain, code, "%s%s", name, rest);
  wanr2v_error_set_field_ref (new_error, ref);
  g_propagate_error (error, new_error);
}

void
wanr2v_prefix_error_about (GError ** error, const WanR2vFieldRef * ref)
{
  g_autofree char *name = NULL;

  if (error == NULL || *error == NULL)
    return;
  name = wanr2v_field_name (ref);
  g_prefix_error (error, "%s: ", name);
  wanr2v_error_set_field_ref (*error, ref);
}

const WanR2vFieldRef *
wanr2v_error_get_field (const GError * error, gsize * name_length)
{
  const WanR2vFieldRef *ref = wanr2v_error_get_field_ref (error);
  g_autofree char *name = NULL;

  if (ref == NULL || ref->field == WANR2V_FIELD_NONE)
    return NULL;
  /* A prefix added since (g_prefix_error) hides the name: the message no
   * longer says it first. */
  name = wanr2v_field_name (ref);
  if (!g_str_has_prefix (error->message, name))
    return NULL;
  if (name_length)
    *name_length = strlen (name);
  return ref;
}
