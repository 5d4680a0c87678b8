/* wanr2v-request.c: the request model of a reference-to-video task and its
 * validation against the documented limits (protocol notes, section 2).
 *
 * Validation runs before anything is uploaded or submitted: the service
 * silently truncates long prompts and bills them, and a bad reference found
 * by the service only after an upload wastes the user's time.  Every message
 * names the element property as the user wrote it, and the limit.
 */
#include "wanr2v-request.h"

#include "wanr2v-media.h"
#include "wanr2v-sizes.h"

#include <gio/gio.h>
#include <string.h>

G_DEFINE_QUARK (wanr2v-request-error-quark, wanr2v_request_error);

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
  if (req->size == NULL || !wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model)))
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

gboolean
wanr2v_request_get_output_size (const WanR2vRequest * req, guint * width,
    guint * height)
{
  WanR2vModelFamily family = wanr2v_model_family (req->model);
  const char *resolution, *ratio;

  if (family == WANR2V_FAMILY_UNKNOWN)
    return FALSE;

  if (wanr2v_model_family_is_wan26 (family) && req->size != NULL) {
    /* An explicit size wins over resolution and ratio. */
    if (!wanr2v_size_parse_legacy (req->size, &resolution, &ratio))
      return FALSE;
  } else {
    resolution = wanr2v_request_get_resolution (req);
    ratio = wanr2v_request_get_ratio (req);
  }
  return wanr2v_size_lookup (resolution, ratio, wanr2v_model_family_is_wan26 (family),
      width, height);
}

/* ---- URL forms ---------------------------------------------------------- */

static gboolean
is_http_url (const char *url)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme, *host, *p;

  /* g_uri_parse lets spaces through, but the service answers such a URL
   * with "url error" only after the upload of everything else. */
  for (p = url; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      return FALSE;

  /* ENCODED: signed OSS URLs carry %-escapes that must stay as they are. */
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  return (g_ascii_strcasecmp (scheme, "http") == 0
      || g_ascii_strcasecmp (scheme, "https") == 0)
      && host != NULL && *host != '\0';
}

/* file:// URIs name local files only: a remote host cannot be read. */
static char *
local_path_from_file_uri (const char *url)
{
  g_autofree char *hostname = NULL;
  char *path;

  path = g_filename_from_uri (url, &hostname, NULL);
  if (path == NULL)
    return NULL;
  if (hostname != NULL && g_ascii_strcasecmp (hostname, "localhost") != 0) {
    g_free (path);
    return NULL;
  }
  return path;
}

WanR2vUrlKind
wanr2v_url_classify (const char *url)
{
  g_autofree char *scheme = NULL;

  if (url == NULL || *url == '\0')
    return WANR2V_URL_INVALID;

  scheme = g_uri_parse_scheme (url);
  if (scheme == NULL)
    return WANR2V_URL_LOCAL;    /* a plain path, absolute or relative */

  if (g_ascii_strcasecmp (scheme, "data") == 0)
    return WANR2V_URL_DATA;
  if (g_ascii_strcasecmp (scheme, "http") == 0
      || g_ascii_strcasecmp (scheme, "https") == 0)
    return is_http_url (url) ? WANR2V_URL_HTTP : WANR2V_URL_INVALID;
  if (g_ascii_strcasecmp (scheme, "oss") == 0) {
    const char *rest = url + strlen ("oss:");

    if (!g_str_has_prefix (rest, "//"))
      return WANR2V_URL_INVALID;
    rest += 2;
    while (*rest == '/')
      rest++;
    return *rest != '\0' ? WANR2V_URL_OSS : WANR2V_URL_INVALID;
  }
  if (g_ascii_strcasecmp (scheme, "file") == 0) {
    g_autofree char *path = local_path_from_file_uri (url);

    return path != NULL ? WANR2V_URL_LOCAL : WANR2V_URL_INVALID;
  }
  return WANR2V_URL_INVALID;
}

char *
wanr2v_url_to_local_path (const char *url)
{
  if (wanr2v_url_classify (url) != WANR2V_URL_LOCAL)
    return NULL;
  if (g_uri_peek_scheme (url) != NULL)
    return local_path_from_file_uri (url);
  return g_strdup (url);
}

/* ---- naming, for messages ----------------------------------------------- */

/* What the user calls media entry @index: its property, its index within
 * that property and the name the prompt uses for it. */
char *
wanr2v_request_media_label (const WanR2vRequest * req, guint index,
    gboolean voice)
{
  const WanR2vMedia *target;
  gboolean wan26 = wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model));
  guint i, same_type = 0, references = 0;
  const char *property, *noun;

  g_return_val_if_fail (req->media != NULL && index < req->media->len, NULL);

  target = g_ptr_array_index (req->media, index);
  for (i = 0; i < index; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);

    if (m->type == target->type)
      same_type++;
    if (m->type != WANR2V_MEDIA_FIRST_FRAME)
      references++;
  }

  switch (target->type) {
    case WANR2V_MEDIA_REFERENCE_IMAGE:
      property = voice ? "image-voices" : "images";
      noun = "Image";
      break;
    case WANR2V_MEDIA_REFERENCE_VIDEO:
      property = voice ? "video-voices" : "videos";
      noun = "Video";
      break;
    case WANR2V_MEDIA_FIRST_FRAME:
    default:
      return g_strdup (voice ? "voice of first-frame" : "first-frame");
  }

  if (wan26)
    return g_strdup_printf ("%s[%u] (%scharacter%u)", property, same_type,
        voice ? "voice of " : "", references + 1);
  return g_strdup_printf ("%s[%u] (%s%s %u)", property, same_type,
      voice ? "voice of " : "", noun, same_type + 1);
}

/* A URL as it may appear in a message: valid UTF-8 and not megabytes long
 * (a data: URI holds a whole image). */
static char *
quote_for_message (const char *url)
{
  const gsize max_chars = 80;
  g_autofree char *valid = g_utf8_make_valid (url ? url : "", -1);

  if (g_utf8_strlen (valid, -1) > (glong) max_chars) {
    g_autofree char *head = g_utf8_substring (valid, 0, max_chars);

    return g_strdup_printf ("\"%s...\"", head);
  }
  return g_strdup_printf ("\"%s\"", valid);
}

/* ---- validation --------------------------------------------------------- */

static gboolean
fail (GError ** error, WanR2vRequestError code, const char *format, ...)
G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError ** error, WanR2vRequestError code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (WANR2V_REQUEST_ERROR, code,
          format, args));
  va_end (args);
  return FALSE;
}

static gboolean
is_base64 (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '+' && *s != '/' && *s != '=')
      return FALSE;
  return TRUE;
}

/* data:{mime};base64,{data} with one of the four image types. */
static gboolean
check_data_uri (const char *label, const char *url, GError ** error)
{
  const char *header = url + strlen ("data:");
  const char *comma = strchr (header, ',');
  const char *semicolon;
  g_autofree char *mime = NULL;

  if (comma == NULL)
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "%s: data: URI has no ',' before its data", label);

  semicolon = memchr (header, ';', comma - header);
  if (semicolon == NULL
      || (gsize) (comma - semicolon) != strlen (";base64")
      || g_ascii_strncasecmp (semicolon, ";base64", strlen (";base64")) != 0)
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "%s: data: URI must be base64-encoded as "
        "data:<mime type>;base64,<data>", label);

  mime = g_ascii_strdown (header, semicolon - header);
  if (!wanr2v_media_kind_accepts (WANR2V_MEDIA_KIND_IMAGE, mime)) {
    g_autofree char *quoted = quote_for_message (mime);

    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "%s: data: URI has MIME type %s; accepted are image/jpeg, "
        "image/png, image/bmp and image/webp", label, quoted);
  }

  if (!is_base64 (comma + 1))
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "%s: data: URI holds no valid base64 data", label);
  return TRUE;
}

/* @image_like: images and the first frame may also be data: URIs. */
static gboolean
check_url (const WanR2vRequest * req, const char *label, const char *url,
    gboolean image_like, GError ** error)
{
  WanR2vModelFamily family = wanr2v_model_family (req->model);
  g_autofree char *quoted = NULL;

  switch (wanr2v_url_classify (url)) {
    case WANR2V_URL_LOCAL:
    case WANR2V_URL_HTTP:
    case WANR2V_URL_OSS:
      return TRUE;
    case WANR2V_URL_DATA:
      if (!image_like)
        return fail (error, WANR2V_REQUEST_ERROR_INVALID,
            "%s: data: URIs are accepted only for images; give a file path, "
            "file:// URI, http(s):// URL or oss:// URL", label);
      if (wanr2v_model_family_is_wan26 (family))
        return fail (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
            "%s: %s accepts no data: URIs; give a file path, file:// URI, "
            "http(s):// URL or oss:// URL", label, req->model);
      return check_data_uri (label, url, error);
    case WANR2V_URL_INVALID:
    default:
      quoted = quote_for_message (url);
      if (image_like && !wanr2v_model_family_is_wan26 (family))
        return fail (error, WANR2V_REQUEST_ERROR_INVALID,
            "%s: %s is not a file path, file:// URI, http(s):// URL, "
            "oss:// URL or data: URI", label, quoted);
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "%s: %s is not a file path, file:// URI, http(s):// URL or "
          "oss:// URL", label, quoted);
  }
}

/* Counts characters as the service does (one per code point). */
static gboolean
check_text (const char *property, const char *text, glong max_chars,
    const char *model, GError ** error)
{
  glong chars;

  if (!g_utf8_validate (text, -1, NULL))
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "%s is not valid UTF-8 text", property);
  chars = g_utf8_strlen (text, -1);
  if (chars > max_chars)
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "%s is %ld characters long; %s accepts at most %ld", property, chars,
        model, max_chars);
  return TRUE;
}

static gboolean
is_blank (const char *s)
{
  if (s == NULL)
    return TRUE;
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

static gboolean
check_tristate (const char *property, gint value, GError ** error)
{
  if (value != WANR2V_UNSET && value != 0 && value != 1)
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "%s is %d; it must be true or false", property, value);
  return TRUE;
}

static gboolean
validate_model (const WanR2vRequest * req, GError ** error)
{
  g_autofree char *quoted = NULL;

  if (req->model == NULL || *req->model == '\0')
    return fail (error, WANR2V_REQUEST_ERROR_MISSING,
        "model is not set; known models are wan2.7-r2v, "
        "wan2.7-r2v-YYYY-MM-DD, wan2.6-r2v and wan2.6-r2v-flash");
  if (wanr2v_model_family (req->model) != WANR2V_FAMILY_UNKNOWN)
    return TRUE;
  quoted = quote_for_message (req->model);
  return fail (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
      "model %s is not a reference-to-video model; known models are "
      "wan2.7-r2v, wan2.7-r2v-YYYY-MM-DD, wan2.6-r2v and wan2.6-r2v-flash",
      quoted);
}

static gboolean
validate_prompts (const WanR2vRequest * req, GError ** error)
{
  gboolean wan26 = wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model));

  if (is_blank (req->prompt))
    return fail (error, WANR2V_REQUEST_ERROR_MISSING,
        "prompt is empty; %s needs a prompt that describes the video",
        req->model);
  if (!check_text ("prompt", req->prompt,
          wan26 ? WANR2V_MAX_PROMPT_CHARS_WAN26 : WANR2V_MAX_PROMPT_CHARS_WAN27,
          req->model, error))
    return FALSE;
  if (req->negative_prompt != NULL
      && !check_text ("negative-prompt", req->negative_prompt,
          WANR2V_MAX_NEGATIVE_PROMPT_CHARS, req->model, error))
    return FALSE;
  return TRUE;
}

static gboolean
validate_counts (const WanR2vRequest * req, GError ** error)
{
  gboolean wan26 = wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model));
  guint images = wanr2v_request_count_media (req,
      WANR2V_MEDIA_REFERENCE_IMAGE);
  guint videos = wanr2v_request_count_media (req,
      WANR2V_MEDIA_REFERENCE_VIDEO);
  guint first_frames = wanr2v_request_count_media (req,
      WANR2V_MEDIA_FIRST_FRAME);

  if (images + videos == 0)
    return fail (error, WANR2V_REQUEST_ERROR_MISSING,
        "images and videos are both empty; %s needs at least one reference "
        "image or video", req->model);
  if (images + videos > WANR2V_MAX_REFERENCES)
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "images and videos hold %u references (%u image%s, %u video%s); "
        "%s accepts at most %d", images + videos, images,
        images == 1 ? "" : "s", videos, videos == 1 ? "" : "s", req->model,
        WANR2V_MAX_REFERENCES);

  if (wan26) {
    if (videos > 3)
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "videos holds %u reference videos; %s accepts at most 3", videos,
          req->model);
    if (first_frames > 0)
      return fail (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
          "first-frame is not supported by %s (only by wan2.7-r2v)",
          req->model);
  } else if (first_frames > 1) {
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "first-frame: %u first frames given; %s accepts at most one",
        first_frames, req->model);
  }
  return TRUE;
}

static gboolean
validate_media (const WanR2vRequest * req, GError ** error)
{
  gboolean wan26 = wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model));
  guint i;

  for (i = 0; i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);
    g_autofree char *label = wanr2v_request_media_label (req, i, FALSE);
    g_autofree char *voice_label = NULL;

    if (!check_url (req, label, m->url,
            m->type != WANR2V_MEDIA_REFERENCE_VIDEO, error))
      return FALSE;

    if (m->voice == NULL || *m->voice == '\0')
      continue;

    if (m->type == WANR2V_MEDIA_FIRST_FRAME)
      return fail (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
          "first-frame cannot have a reference voice: voices belong to "
          "images and videos");
    voice_label = wanr2v_request_media_label (req, i, TRUE);
    if (wan26)
      return fail (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
          "%s: reference voices are not supported by %s (only by "
          "wan2.7-r2v)", voice_label, req->model);
    if (!check_url (req, voice_label, m->voice, FALSE, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
validate_parameters (const WanR2vRequest * req, GError ** error)
{
  WanR2vModelFamily family = wanr2v_model_family (req->model);
  gboolean wan26 = wanr2v_model_family_is_wan26 (family);
  gboolean has_video =
      wanr2v_request_count_media (req, WANR2V_MEDIA_REFERENCE_VIDEO) > 0;
  g_autofree char *quoted = NULL;

  if (req->resolution != NULL && !wanr2v_is_resolution (req->resolution)) {
    quoted = quote_for_message (req->resolution);
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "resolution %s is not one of 720P, 1080P", quoted);
  }
  /* With a first frame wan2.7 follows the frame's aspect and ignores the
   * ratio, but a ratio the service does not know is still a mistake. */
  if (req->ratio != NULL && !wanr2v_is_ratio (req->ratio)) {
    quoted = quote_for_message (req->ratio);
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "ratio %s is not one of 16:9, 9:16, 1:1, 4:3, 3:4", quoted);
  }

  if (req->duration != WANR2V_UNSET) {
    if (wan26 && (req->duration < 2 || req->duration > 10))
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "duration %d is out of range: %s accepts 2..10 seconds",
          req->duration, req->model);
    if (!wan26 && has_video && (req->duration < 2 || req->duration > 10))
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "duration %d is out of range: 2..10 seconds when a reference "
          "video is given", req->duration);
    if (!wan26 && (req->duration < 2 || req->duration > 15))
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "duration %d is out of range: 2..15 seconds", req->duration);
  }

  if (!check_tristate ("prompt-extend", req->prompt_extend, error)
      || !check_tristate ("watermark", req->watermark, error)
      || !check_tristate ("audio", req->audio, error))
    return FALSE;

  if (req->seed != WANR2V_UNSET && (req->seed < 0
          || req->seed > WANR2V_MAX_SEED))
    return fail (error, WANR2V_REQUEST_ERROR_INVALID,
        "seed %" G_GINT64_FORMAT " is out of range: 0..%" G_GINT64_FORMAT,
        req->seed, WANR2V_MAX_SEED);

  if (req->shot_type != NULL) {
    if (!wan26)
      return fail (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
          "shot-type is not supported by %s (only by wan2.6-r2v and "
          "wan2.6-r2v-flash)", req->model);
    if (strcmp (req->shot_type, "single") != 0
        && strcmp (req->shot_type, "multi") != 0) {
      quoted = quote_for_message (req->shot_type);
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "shot-type %s is not one of single, multi", quoted);
    }
  }

  if (req->audio != WANR2V_UNSET && family != WANR2V_FAMILY_WAN26_FLASH)
    return fail (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
        "audio is not supported by %s (only by wan2.6-r2v-flash%s)",
        req->model, wan26 ? "" : "; wan2.7 always makes audio");

  if (req->size != NULL) {
    const char *size_resolution = NULL, *size_ratio = NULL;

    quoted = quote_for_message (req->size);
    if (!wan26)
      return fail (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
          "size is not supported by %s (only by wan2.6-r2v); use resolution "
          "and ratio", req->model);
    if (!wanr2v_size_parse_legacy (req->size, &size_resolution, &size_ratio))
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "size %s is not one of %s's sizes: 1280*720, 720*1280, 960*960, "
          "1088*832, 832*1088, 1920*1080, 1080*1920, 1440*1440, 1632*1248, "
          "1248*1632", quoted, req->model);
    if (req->resolution != NULL && strcmp (req->resolution,
            size_resolution) != 0)
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "size %s contradicts resolution %s", quoted, req->resolution);
    if (req->ratio != NULL && strcmp (req->ratio, size_ratio) != 0)
      return fail (error, WANR2V_REQUEST_ERROR_INVALID,
          "size %s contradicts ratio %s", quoted, req->ratio);
  }
  return TRUE;
}

gboolean
wanr2v_request_validate (const WanR2vRequest * req, GError ** error)
{
  g_return_val_if_fail (req != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (req->media == NULL)
    return fail (error, WANR2V_REQUEST_ERROR_MISSING,
        "images and videos are both empty; at least one reference image or "
        "video is needed");

  return validate_model (req, error)
      && validate_prompts (req, error)
      && validate_counts (req, error)
      && validate_media (req, error)
      && validate_parameters (req, error);
}
