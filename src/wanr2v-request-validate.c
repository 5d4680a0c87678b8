/* wanr2v-request-validate.c: a request checked against the documented
 * limits (protocol notes, section 2).
 *
 * Validation runs before anything is uploaded or submitted: the service
 * silently truncates long prompts and bills them, and a bad reference found
 * by the service only after an upload wastes the user's time.  Every message
 * begins with the name of the input it is about, and says the limit.
 */
#include "wanr2v-request.h"

#include "wanr2v-error.h"
#include "wanr2v-field.h"
#include "wanr2v-media.h"
#include "wanr2v-sizes.h"

#include <string.h>

/* A value as it may appear in a message: valid UTF-8 and not megabytes
 * long (a data: URI holds a whole image). */
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

/* Sets @error to "<name of @ref><format...>" carrying @ref. */
static gboolean
fail_about (GError ** error, WanR2vRequestError code,
    const WanR2vFieldRef * ref, const char *format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail_about (GError ** error, WanR2vRequestError code,
    const WanR2vFieldRef * ref, const char *format, ...)
{
  g_autofree char *rest = NULL;
  va_list args;

  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);
  wanr2v_set_error_about (error, WANR2V_REQUEST_ERROR, code, ref, "%s", rest);
  return FALSE;
}

#define FIELD WANR2V_FIELD_REF

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
check_data_uri (const WanR2vFieldRef * ref, const char *url, GError ** error)
{
  const char *header = url + strlen ("data:");
  const char *comma = strchr (header, ',');
  const char *semicolon;
  g_autofree char *mime = NULL;

  if (comma == NULL)
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, ref,
        ": data: URI has no ',' before its data");

  semicolon = memchr (header, ';', comma - header);
  if (semicolon == NULL
      || (gsize) (comma - semicolon) != strlen (";base64")
      || g_ascii_strncasecmp (semicolon, ";base64", strlen (";base64")) != 0)
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, ref,
        ": data: URI must be base64-encoded as "
        "data:<mime type>;base64,<data>");

  mime = g_ascii_strdown (header, semicolon - header);
  if (!wanr2v_media_kind_accepts (WANR2V_MEDIA_KIND_IMAGE, mime)) {
    g_autofree char *quoted = quote_for_message (mime);

    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, ref,
        ": data: URI has MIME type %s; accepted are image/jpeg, "
        "image/png, image/bmp and image/webp", quoted);
  }

  if (!is_base64 (comma + 1))
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, ref,
        ": data: URI holds no valid base64 data");
  return TRUE;
}

/* @image_like: images and the first frame may also be data: URIs. */
static gboolean
check_url (const WanR2vRequest * req, const WanR2vFieldRef * ref,
    const char *url, gboolean image_like, GError ** error)
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
        return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, ref,
            ": data: URIs are accepted only for images; give a file path, "
            "file:// URI, http(s):// URL or oss:// URL");
      if (wanr2v_model_family_is_wan26 (family))
        return fail_about (error, WANR2V_REQUEST_ERROR_UNSUPPORTED, ref,
            ": %s accepts no data: URIs; give a file path, file:// URI, "
            "http(s):// URL or oss:// URL", req->model);
      return check_data_uri (ref, url, error);
    case WANR2V_URL_INVALID:
    default:
      quoted = quote_for_message (url);
      if (image_like && !wanr2v_model_family_is_wan26 (family))
        return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, ref,
            ": %s is not a file path, file:// URI, http(s):// URL, "
            "oss:// URL or data: URI", quoted);
      return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, ref,
          ": %s is not a file path, file:// URI, http(s):// URL or "
          "oss:// URL", quoted);
  }
}

/* Counts characters as the service does (one per code point). */
static gboolean
check_text (WanR2vField field, const char *text, glong max_chars,
    const char *model, GError ** error)
{
  glong chars;

  if (!g_utf8_validate (text, -1, NULL))
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, FIELD (field),
        " is not valid UTF-8 text");
  chars = g_utf8_strlen (text, -1);
  if (chars > max_chars)
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, FIELD (field),
        " is %ld characters long; %s accepts at most %ld", chars, model,
        max_chars);
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
check_tristate (WanR2vField field, gint value, GError ** error)
{
  if (value != WANR2V_UNSET && value != 0 && value != 1)
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID, FIELD (field),
        " is %d; it must be true or false", value);
  return TRUE;
}

static gboolean
validate_model (const WanR2vRequest * req, GError ** error)
{
  g_autofree char *quoted = NULL;

  if (req->model == NULL || *req->model == '\0')
    return fail_about (error, WANR2V_REQUEST_ERROR_MISSING,
        FIELD (WANR2V_FIELD_MODEL), " is not set; known models are "
        "wan2.7-r2v, wan2.7-r2v-YYYY-MM-DD, wan2.6-r2v and wan2.6-r2v-flash");
  if (wanr2v_model_family (req->model) != WANR2V_FAMILY_UNKNOWN)
    return TRUE;
  quoted = quote_for_message (req->model);
  return fail_about (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
      FIELD (WANR2V_FIELD_MODEL), " %s is not a reference-to-video model; "
      "known models are wan2.7-r2v, wan2.7-r2v-YYYY-MM-DD, wan2.6-r2v and "
      "wan2.6-r2v-flash", quoted);
}

static gboolean
validate_prompts (const WanR2vRequest * req, GError ** error)
{
  gboolean wan26 =
      wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model));

  if (is_blank (req->prompt))
    return fail_about (error, WANR2V_REQUEST_ERROR_MISSING,
        FIELD (WANR2V_FIELD_PROMPT), " is empty; %s needs a prompt that "
        "describes the video", req->model);
  if (!check_text (WANR2V_FIELD_PROMPT, req->prompt,
          wan26 ? WANR2V_MAX_PROMPT_CHARS_WAN26 : WANR2V_MAX_PROMPT_CHARS_WAN27,
          req->model, error))
    return FALSE;
  if (req->negative_prompt != NULL
      && !check_text (WANR2V_FIELD_NEGATIVE_PROMPT, req->negative_prompt,
          WANR2V_MAX_NEGATIVE_PROMPT_CHARS, req->model, error))
    return FALSE;
  return TRUE;
}

static gboolean
validate_counts (const WanR2vRequest * req, GError ** error)
{
  gboolean wan26 =
      wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model));
  guint images = wanr2v_request_count_media (req,
      WANR2V_MEDIA_REFERENCE_IMAGE);
  guint videos = wanr2v_request_count_media (req,
      WANR2V_MEDIA_REFERENCE_VIDEO);
  guint first_frames = wanr2v_request_count_media (req,
      WANR2V_MEDIA_FIRST_FRAME);

  if (images + videos == 0)
    return fail_about (error, WANR2V_REQUEST_ERROR_MISSING,
        FIELD (WANR2V_FIELD_REFERENCES), " are both empty; %s needs at "
        "least one reference image or video", req->model);
  if (images + videos > WANR2V_MAX_REFERENCES)
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_REFERENCES), " hold %u references (%u image%s, "
        "%u video%s); %s accepts at most %d", images + videos, images,
        images == 1 ? "" : "s", videos, videos == 1 ? "" : "s", req->model,
        WANR2V_MAX_REFERENCES);

  if (wan26) {
    if (videos > 3)
      return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
          FIELD (WANR2V_FIELD_REFERENCE_VIDEOS), " holds %u reference "
          "videos; %s accepts at most 3", videos, req->model);
    if (first_frames > 0)
      return fail_about (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
          FIELD (WANR2V_FIELD_FIRST_FRAME), " is not supported by %s "
          "(only by wan2.7-r2v)", req->model);
  } else if (first_frames > 1) {
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_FIRST_FRAME), ": %u first frames given; %s "
        "accepts at most one", first_frames, req->model);
  }
  return TRUE;
}

static gboolean
validate_media (const WanR2vRequest * req, GError ** error)
{
  gboolean wan26 =
      wanr2v_model_family_is_wan26 (wanr2v_model_family (req->model));
  guint i;

  for (i = 0; i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);
    WanR2vFieldRef ref;

    wanr2v_request_media_field (req, i, FALSE, &ref);
    if (!check_url (req, &ref, m->url,
            m->type != WANR2V_MEDIA_REFERENCE_VIDEO, error))
      return FALSE;

    if (m->voice == NULL || *m->voice == '\0')
      continue;

    if (m->type == WANR2V_MEDIA_FIRST_FRAME)
      return fail_about (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
          FIELD (WANR2V_FIELD_FIRST_FRAME), " cannot have a reference "
          "voice: voices belong to images and videos");
    wanr2v_request_media_field (req, i, TRUE, &ref);
    if (wan26)
      return fail_about (error, WANR2V_REQUEST_ERROR_UNSUPPORTED, &ref,
          ": reference voices are not supported by %s (only by "
          "wan2.7-r2v)", req->model);
    if (!check_url (req, &ref, m->voice, FALSE, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
validate_duration (const WanR2vRequest * req, gboolean wan26,
    GError ** error)
{
  gboolean has_video =
      wanr2v_request_count_media (req, WANR2V_MEDIA_REFERENCE_VIDEO) > 0;

  if (req->duration == WANR2V_UNSET)
    return TRUE;
  if (wan26 && (req->duration < 2 || req->duration > 10))
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_DURATION), " %d is out of range: %s accepts "
        "2..10 seconds", req->duration, req->model);
  if (!wan26 && has_video && (req->duration < 2 || req->duration > 10))
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_DURATION), " %d is out of range: 2..10 seconds "
        "when a reference video is given", req->duration);
  if (!wan26 && (req->duration < 2 || req->duration > 15))
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_DURATION), " %d is out of range: 2..15 seconds",
        req->duration);
  return TRUE;
}

/* wan2.6's explicit "W*H", which must agree with resolution and ratio. */
static gboolean
validate_size (const WanR2vRequest * req, gboolean wan26, GError ** error)
{
  const char *size_resolution = NULL, *size_ratio = NULL;
  g_autofree char *quoted = NULL;

  if (req->size == NULL)
    return TRUE;
  quoted = quote_for_message (req->size);
  if (!wan26)
    return fail_about (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
        FIELD (WANR2V_FIELD_SIZE), " is not supported by %s (only by "
        "wan2.6-r2v); use resolution and ratio", req->model);
  if (!wanr2v_size_parse_legacy (req->size, &size_resolution, &size_ratio))
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_SIZE), " %s is not one of %s's sizes: 1280*720, "
        "720*1280, 960*960, 1088*832, 832*1088, 1920*1080, 1080*1920, "
        "1440*1440, 1632*1248, 1248*1632", quoted, req->model);
  if (req->resolution != NULL && strcmp (req->resolution,
          size_resolution) != 0)
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_SIZE), " %s contradicts resolution %s", quoted,
        req->resolution);
  if (req->ratio != NULL && strcmp (req->ratio, size_ratio) != 0)
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_SIZE), " %s contradicts ratio %s", quoted,
        req->ratio);
  return TRUE;
}

static gboolean
validate_parameters (const WanR2vRequest * req, GError ** error)
{
  WanR2vModelFamily family = wanr2v_model_family (req->model);
  gboolean wan26 = wanr2v_model_family_is_wan26 (family);
  g_autofree char *quoted = NULL;

  if (req->resolution != NULL && !wanr2v_is_resolution (req->resolution)) {
    quoted = quote_for_message (req->resolution);
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_RESOLUTION), " %s is not one of 720P, 1080P",
        quoted);
  }
  /* With a first frame wan2.7 follows the frame's aspect and ignores the
   * ratio, but a ratio the service does not know is still a mistake. */
  if (req->ratio != NULL && !wanr2v_is_ratio (req->ratio)) {
    quoted = quote_for_message (req->ratio);
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_RATIO), " %s is not one of 16:9, 9:16, 1:1, "
        "4:3, 3:4", quoted);
  }

  if (!validate_duration (req, wan26, error)
      || !check_tristate (WANR2V_FIELD_PROMPT_EXTEND, req->prompt_extend,
          error)
      || !check_tristate (WANR2V_FIELD_WATERMARK, req->watermark, error)
      || !check_tristate (WANR2V_FIELD_AUDIO, req->audio, error))
    return FALSE;

  if (req->seed != WANR2V_UNSET && (req->seed < 0
          || req->seed > WANR2V_MAX_SEED))
    return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
        FIELD (WANR2V_FIELD_SEED), " %" G_GINT64_FORMAT " is out of range: "
        "0..%" G_GINT64_FORMAT, req->seed, WANR2V_MAX_SEED);

  if (req->shot_type != NULL) {
    if (!wan26)
      return fail_about (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
          FIELD (WANR2V_FIELD_SHOT_TYPE), " is not supported by %s (only "
          "by wan2.6-r2v and wan2.6-r2v-flash)", req->model);
    if (strcmp (req->shot_type, "single") != 0
        && strcmp (req->shot_type, "multi") != 0) {
      quoted = quote_for_message (req->shot_type);
      return fail_about (error, WANR2V_REQUEST_ERROR_INVALID,
          FIELD (WANR2V_FIELD_SHOT_TYPE), " %s is not one of single, multi",
          quoted);
    }
  }

  if (req->audio != WANR2V_UNSET && family != WANR2V_FAMILY_WAN26_FLASH)
    return fail_about (error, WANR2V_REQUEST_ERROR_UNSUPPORTED,
        FIELD (WANR2V_FIELD_AUDIO), " is not supported by %s (only by "
        "wan2.6-r2v-flash%s)", req->model,
        wan26 ? "" : "; wan2.7 always makes audio");

  return validate_size (req, wan26, error);
}

gboolean
wanr2v_request_validate (const WanR2vRequest * req, GError ** error)
{
  g_return_val_if_fail (req != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (req->media == NULL)
    return fail_about (error, WANR2V_REQUEST_ERROR_MISSING,
        FIELD (WANR2V_FIELD_REFERENCES), " are both empty; at least one "
        "reference image or video is needed");

  return validate_model (req, error)
      && validate_prompts (req, error)
      && validate_counts (req, error)
      && validate_media (req, error)
      && validate_parameters (req, error);
}
