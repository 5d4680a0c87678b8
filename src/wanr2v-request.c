/* wanr2v-request.c: the request model of a reference-to-video task and its
 * validation against the documented limits (protocol notes, section 2).
 *
 * Its validation is in wanr2v-request-validate.c, the forms a reference
 * may take in wanr2v-request-url.c.
 */
#include "wanr2v-request.h"

#include "wanr2v-sizes.h"

#include <string.h>

/* ---- model families ----------------------------------------------------- */

/* "YYYY-MM-DD" naming a real calendar day. */
static gboolean
is_snapshot_date (const char *s)
{
  guint i;
  guint64 year, month, day;

  if (strlen (s) != 10 || s[4] != '-' || s[7] != '-')
    return FALSE;
  for (i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (s[i]))
      return FALSE;

  year = g_ascii_strtoull (s, NULL, 10);
  month = g_ascii_strtoull (s + 5, NULL, 10);
  day = g_ascii_strtoull (s + 8, NULL, 10);
  return g_date_valid_dmy ((GDateDay) day, (GDateMonth) month,
      (GDateYear) year);
}

WanR2vModelFamily
wanr2v_model_family (const char *model)
{
  if (model == NULL)
    return WANR2V_FAMILY_UNKNOWN;
  if (strcmp (model, "wan2.7-r2v") == 0)
    return WANR2V_FAMILY_WAN27;
  if (g_str_has_prefix (model, "wan2.7-r2v-")
      && is_snapshot_date (model + strlen ("wan2.7-r2v-")))
    return WANR2V_FAMILY_WAN27;
  if (strcmp (model, "wan2.6-r2v") == 0)
    return WANR2V_FAMILY_WAN26;
  if (strcmp (model, "wan2.6-r2v-flash") == 0)
    return WANR2V_FAMILY_WAN26_FLASH;
  return WANR2V_FAMILY_UNKNOWN;
}

gboolean
wanr2v_model_family_is_wan26 (WanR2vModelFamily family)
{
  return family == WANR2V_FAMILY_WAN26 || family == WANR2V_FAMILY_WAN26_FLASH;
}

gboolean
wanr2v_task_id_is_valid (const char *id)
{
  const char *c;

  if (id == NULL || *id == '\0' || strlen (id) > WANR2V_MAX_TASK_ID_LENGTH)
    return FALSE;
  for (c = id; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
      return FALSE;
  return TRUE;
}

/* ---- media types -------------------------------------------------------- */

const char *
wanr2v_media_type_to_string (WanR2vMediaType type)
{
  switch (type) {
    case WANR2V_MEDIA_REFERENCE_IMAGE:
      return "reference_image";
    case WANR2V_MEDIA_REFERENCE_VIDEO:
      return "reference_video";
    case WANR2V_MEDIA_FIRST_FRAME:
      return "first_frame";
  }
  return NULL;
}

gboolean
wanr2v_media_type_from_string (const char *s, WanR2vMediaType * type)
{
  static const WanR2vMediaType all[] = {
    WANR2V_MEDIA_REFERENCE_IMAGE, WANR2V_MEDIA_REFERENCE_VIDEO,
    WANR2V_MEDIA_FIRST_FRAME,
  };
  gsize i;

  if (s == NULL)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (all); i++) {
    if (strcmp (s, wanr2v_media_type_to_string (all[i])) == 0) {
      if (type)
        *type = all[i];
      return TRUE;
    }
  }
  return FALSE;
}

/* ---- life cycle --------------------------------------------------------- */

static WanR2vMedia *
media_new (WanR2vMediaType type, const char *url, const char *voice)
{
  WanR2vMedia *media = g_new0 (WanR2vMedia, 1);

  media->type = type;
  media->url = g_strdup (url);
  /* "" is how a property says "no voice for this one". */
  media->voice = (voice != NULL && *voice != '\0') ? g_strdup (voice) : NULL;
  return media;
}

static void
media_free (gpointer data)
{
  WanR2vMedia *media = data;

  g_free (media->url);
  g_free (media->voice);
  g_free (media);
}

WanR2vRequest *
wanr2v_request_new (void)
{
  WanR2vRequest *req = g_new0 (WanR2vRequest, 1);

  req->media = g_ptr_array_new_with_free_func (media_free);
  req->duration = WANR2V_UNSET;
  req->prompt_extend = WANR2V_UNSET;
  req->watermark = WANR2V_UNSET;
  req->seed = WANR2V_UNSET;
  req->audio = WANR2V_UNSET;
  return req;
}

WanR2vRequest *
wanr2v_request_copy (const WanR2vRequest * req)
{
  WanR2vRequest *copy;
  guint i;

  if (req == NULL)
    return NULL;

  copy = wanr2v_request_new ();
  copy->model = g_strdup (req->model);
  copy->prompt = g_strdup (req->prompt);
  copy->negative_prompt = g_strdup (req->negative_prompt);
  for (i = 0; req->media && i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);
    WanR2vMedia *c = g_new0 (WanR2vMedia, 1);

    /* A verbatim copy: even an odd voice of "" set directly is kept. */
    c->type = m->type;
    c->url = g_strdup (m->url);
    c->voice = g_strdup (m->voice);
    g_ptr_array_add (copy->media, c);
  }
  copy->resolution = g_strdup (req->resolution);
  copy->ratio = g_strdup (req->ratio);
  copy->duration = req->duration;
  copy->prompt_extend = req->prompt_extend;
  copy->watermark = req->watermark;
  copy->seed = req->seed;
  copy->shot_type = g_strdup (req->shot_type);
  copy->audio = req->audio;
  copy->size = g_strdup (req->size);
  return copy;
}

void
wanr2v_request_free (WanR2vRequest * req)
{
  if (req == NULL)
    return;
  g_free (req->model);
  g_free (req->prompt);
  g_free (req->negative_prompt);
  g_clear_pointer (&req->media, g_ptr_array_unref);
  g_free (req->resolution);
  g_free (req->ratio);
  g_free (req->shot_type);
  g_free (req->size);
  g_free (req);
}

void
wanr2v_request_add_media (WanR2vRequest * req, WanR2vMediaType type,
    const char *url, const char *voice)
{
  g_return_if_fail (req != NULL);

  if (req->media == NULL)
    req->media = g_ptr_array_new_with_free_func (media_free);
  g_ptr_array_add (req->media, media_new (type, url, voice));
}

guint
wanr2v_request_count_media (const WanR2vRequest * req, WanR2vMediaType type)
{
  guint i, n = 0;

  if (req == NULL || req->media == NULL)
    return 0;
  for (i = 0; i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);

    if (m->type == type)
      n++;
  }
  return n;
}

/* ---- effective values --------------------------------------------------- */

/* The resolution and ratio a valid explicit wan2.6 size stands for. */
static gboolean
legacy_size_parts (const WanR2vRequest * req, const char **resolution,
    const char **ratio)
{
  if (req->size == NULL
      || !wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model)))
    return FALSE;
  return wanr2v_size_parse_legacy (req->size, resolution, ratio);
}

const char *
wanr2v_request_get_resolution (const WanR2vRequest * req)
{
  const char *resolution = NULL;

  if (req->resolution != NULL)
    return req->resolution;
  if (legacy_size_parts (req, &resolution, NULL))
    return resolution;
  return "1080P";
}

const char *
wanr2v_request_get_ratio (const WanR2vRequest * req)
{
  const char *ratio = NULL;

  if (req->ratio != NULL)
    return req->ratio;
  if (legacy_size_parts (req, NULL, &ratio))
    return ratio;
  return "16:9";
}

gint
wanr2v_request_get_duration (const WanR2vRequest * req)
{
  return req->duration == WANR2V_UNSET ? 5 : req->duration;
}
