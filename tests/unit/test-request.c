/* test-request.c: the request model, URL classification and validation. */
#include "wanr2v-request.h"
#include "wanr2v-error.h"
#include "wanr2v-field.h"
#include "wanr2v-sizes.h"

#include <string.h>

/* The pixel size the service will produce (first frame aside): the size
 * table as a request reaches it. */
static gboolean
output_size (const WanR2vRequest * req, guint * width, guint * height)
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
  return wanr2v_size_lookup (resolution, ratio,
      wanr2v_model_family_is_wan26 (family), width, height);
}

/* ---- a tiny request language for the tables ----------------------------- *
 *
 * A request is written as "key=value" items separated by " | ", applied to a
 * base request (wan2.7-r2v, a short prompt, no media):
 *   model, prompt, negative, resolution, ratio, shot-type, size: strings
 *   prompt-chars=N / negative-chars=N: N letters; prompt-cjk=N: N CJK chars
 *   no-prompt: prompt NULL
 *   image=URL, video=URL, first=URL: append a media entry
 *   voice=URL: give the last media entry a voice
 *   duration, seed, prompt-extend, watermark, audio: integers
 */
static WanR2vRequest *
request_from_spec (const char *spec)
{
  WanR2vRequest *req = wanr2v_request_new ();
  g_auto (GStrv) items = NULL;
  guint i;

  req->model = g_strdup ("wan2.7-r2v");
  req->prompt = g_strdup ("Image 1 waves at the camera");
  if (spec == NULL || *spec == '\0')
    return req;

  items = g_strsplit (spec, " | ", -1);
  for (i = 0; items[i]; i++) {
    const char *eq = strchr (items[i], '=');
    g_autofree char *key = eq ? g_strndup (items[i], eq - items[i]) :
        g_strdup (items[i]);
    const char *value = eq ? eq + 1 : "";

#define SET_STR(name, field) \
    if (strcmp (key, name) == 0) { g_free (req->field); \
      req->field = g_strdup (value); continue; }
#define SET_INT(name, field) \
    if (strcmp (key, name) == 0) { \
      req->field = g_ascii_strtoll (value, NULL, 10); continue; }

    SET_STR ("model", model);
    SET_STR ("prompt", prompt);
    SET_STR ("negative", negative_prompt);
    SET_STR ("resolution", resolution);
    SET_STR ("ratio", ratio);
    SET_STR ("shot-type", shot_type);
    SET_STR ("size", size);
    SET_INT ("duration", duration);
    SET_INT ("seed", seed);
    SET_INT ("prompt-extend", prompt_extend);
    SET_INT ("watermark", watermark);
    SET_INT ("audio", audio);
#undef SET_STR
#undef SET_INT

    if (strcmp (key, "no-prompt") == 0) {
      g_clear_pointer (&req->prompt, g_free);
    } else if (strcmp (key, "prompt-chars") == 0
        || strcmp (key, "negative-chars") == 0
        || strcmp (key, "prompt-cjk") == 0) {
      guint n = atoi (value), k;
      GString *s = g_string_new (NULL);

      for (k = 0; k < n; k++)
        g_string_append (s, strcmp (key, "prompt-cjk") == 0 ? "\xe5\xad\x97"
            : "a");
      if (strcmp (key, "negative-chars") == 0) {
        g_free (req->negative_prompt);
        req->negative_prompt = g_string_free (s, FALSE);
      } else {
        g_free (req->prompt);
        req->prompt = g_string_free (s, FALSE);
      }
    } else if (strcmp (key, "image") == 0) {
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE, value,
          NULL);
    } else if (strcmp (key, "video") == 0) {
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_VIDEO, value,
          NULL);
    } else if (strcmp (key, "first") == 0) {
      wanr2v_request_add_media (req, WANR2V_MEDIA_FIRST_FRAME, value, NULL);
    } else if (strcmp (key, "voice") == 0) {
      WanR2vMedia *last;

      g_assert_cmpuint (req->media->len, >, 0);
      last = g_ptr_array_index (req->media, req->media->len - 1);
      g_free (last->voice);
      last->voice = g_strdup (value);
    } else {
      g_error ("unknown key in test spec: %s", key);
    }
  }
  return req;
}

/* ---- validation: invalid requests --------------------------------------- */

typedef struct
{
  const char *spec;
  WanR2vRequestError code;
  const char *expect[3];        /* substrings of the message */
} InvalidCase;

#define INV WANR2V_REQUEST_ERROR_INVALID
#define MIS WANR2V_REQUEST_ERROR_MISSING
#define UNS WANR2V_REQUEST_ERROR_UNSUPPORTED

static const InvalidCase invalid_cases[] = {
  /* model */
  {"model=wan2.5-r2v | image=a.png", UNS, {"model \"wan2.5-r2v\"",
          "wan2.7-r2v"}},
  {"model=wan2.7-r2v-2026-13-01 | image=a.png", UNS, {"model", "not"}},
  {"model=wan2.7-r2v-latest | image=a.png", UNS, {"model"}},
  {"model= | image=a.png", MIS, {"model is not set"}},
  {"model=wan2.6-r2v-turbo | image=a.png", UNS, {"model"}},
  /* prompt */
  {"no-prompt | image=a.png", MIS, {"prompt is empty"}},
  {"prompt= | image=a.png", MIS, {"prompt is empty"}},
  {"prompt=   | image=a.png", MIS, {"prompt is empty"}},
  {"prompt-chars=5012 | image=a.png", INV,
      {"prompt is 5012 characters long; wan2.7-r2v accepts at most 5000"}},
  {"prompt-cjk=5001 | image=a.png", INV,
      {"prompt is 5001 characters long", "at most 5000"}},
  {"model=wan2.7-r2v-2026-06-12 | prompt-chars=5001 | image=a.png", INV,
      {"wan2.7-r2v-2026-06-12 accepts at most 5000"}},
  {"model=wan2.6-r2v | prompt-chars=1501 | image=a.png", INV,
      {"prompt is 1501 characters long; wan2.6-r2v accepts at most 1500"}},
  {"model=wan2.6-r2v-flash | prompt-cjk=1501 | image=a.png", INV,
      {"prompt is 1501", "at most 1500"}},
  {"prompt=bad \xff\xfe utf8 | image=a.png", INV,
      {"prompt is not valid UTF-8"}},
  /* negative prompt */
  {"negative-chars=501 | image=a.png", INV,
      {"negative_prompt is 501 characters long", "at most 500"}},
  {"negative=\xc3\x28 | image=a.png", INV,
      {"negative_prompt is not valid UTF-8"}},
  /* references */
  {"", MIS, {"the lists of reference images and videos are both empty"}},
  {"first=f.png", MIS, {"reference images and videos are both empty"}},
  {"image=1.png | image=2.png | image=3.png | image=4.png | video=5.mp4"
        " | image=6.png", INV, {"the lists of reference images and videos "
            "hold 6 references", "at most 5"}},
  {"image=1.png | image=2.png | image=3.png | image=4.png | image=5.png"
        " | image=6.png", INV, {"6 references (6 images, 0 videos)"}},
  {"model=wan2.6-r2v | video=1.mp4 | video=2.mp4 | video=3.mp4"
        " | video=4.mp4", INV, {"the list of reference videos holds 4 "
            "reference videos", "wan2.6-r2v accepts at most 3"}},
  {"first=f.png | first=g.png | image=a.png", INV,
      {"first_frame: 2 first frames given", "at most one"}},
  {"model=wan2.6-r2v | image=a.png | first=f.png", UNS,
      {"first_frame is not supported by wan2.6-r2v"}},
  /* URL forms */
  {"image=a.png | image=b.png | image=ftp://x/y.png", INV,
      {"media[2] (Image 3): \"ftp://x/y.png\" is not a file path, "
            "file:// URI, http(s):// URL, oss:// URL or data: URI"}},
  {"image=", INV, {"media[0] (Image 1): \"\" is not"}},
  {"video=a.mp4 | video=http://", INV, {"media[1] (Video 2)",
          "is not a file path"}},
  {"image=a.png | video=https:///nohost.mp4", INV, {"media[1] (Video 1)"}},
  {"image=oss://", INV, {"media[0] (Image 1): \"oss://\""}},
  {"image=oss:bucket/x.png", INV, {"media[0] (Image 1)"}},
  {"image=file://remote.example/x.png", INV, {"media[0] (Image 1)"}},
  {"image=file:relative.png", INV, {"media[0] (Image 1)"}},
  {"image=a.png | first=rtsp://cam/1", INV,
      {"media[1] (first frame): \"rtsp://cam/1\""}},
  {"video=data:video/mp4;base64,AAAA", INV,
      {"media[0] (Video 1): data: URIs are accepted only for images"}},
  {"image=data:image/gif;base64,R0lGOD", INV,
      {"media[0] (Image 1): data: URI has MIME type \"image/gif\"",
          "image/webp"}},
  {"image=data:image/png,rawbytes", INV,
      {"media[0] (Image 1): data: URI must be base64-encoded"}},
  {"image=data:image/png;base64", INV, {"media[0] (Image 1): data: URI",
          "no ','"}},
  {"image=data:image/png;base64,", INV, {"no valid base64 data"}},
  {"image=data:image/png;base64,@@@@", INV, {"no valid base64 data"}},
  {"image=a.png | image=b.png | first=data:text/plain;base64,aGk=", INV,
      {"media[2] (first frame): data: URI has MIME type \"text/plain\""}},
  {"model=wan2.6-r2v | image=data:image/png;base64,iVBOR", UNS,
      {"media[0] (character1)", "wan2.6-r2v accepts no data: URIs"}},
  {"model=wan2.6-r2v | video=a.mp4 | image=ftp://x/b.png", INV,
      {"media[1] (character2)", "is not a file path, file:// URI, "
            "http(s):// URL or oss:// URL"}},
  /* voices */
  {"image=a.png | voice=data:audio/mp3;base64,AAAA", INV,
      {"media[0].voice (voice of Image 1): data: URIs are accepted only "
            "for images"}},
  {"image=a.png | video=b.mp4 | video=c.mp4 | voice=ftp://v.mp3", INV,
      {"media[2].voice (voice of Video 2): \"ftp://v.mp3\""}},
  {"image=a.png | first=f.png | voice=v.mp3", UNS,
      {"first_frame cannot have a reference voice"}},
  {"model=wan2.6-r2v | image=a.png | voice=v.mp3", UNS,
      {"media[0].voice (voice of character1)", "not supported by "
            "wan2.6-r2v"}},
  {"model=wan2.6-r2v-flash | image=a.png | video=b.mp4 | voice=v.mp3", UNS,
      {"media[1].voice (voice of character2)"}},
  /* resolution and ratio */
  {"image=a.png | resolution=480P", INV,
      {"resolution \"480P\" is not one of 720P, 1080P"}},
  {"image=a.png | resolution=1080p", INV, {"resolution \"1080p\""}},
  {"image=a.png | ratio=2:1", INV,
      {"ratio \"2:1\" is not one of 16:9, 9:16, 1:1, 4:3, 3:4"}},
  {"image=a.png | first=f.png | ratio=21:9", INV, {"ratio \"21:9\""}},
  {"model=wan2.6-r2v | image=a.png | ratio=16:10", INV, {"ratio \"16:10\""}},
  /* duration */
  {"image=a.png | video=b.mp4 | duration=12", INV,
      {"duration 12 is out of range: 2..10 seconds when a reference video "
            "is given"}},
  {"image=a.png | duration=16", INV,
      {"duration 16 is out of range: 2..15 seconds"}},
  {"image=a.png | duration=1", INV, {"duration 1 is out of range"}},
  {"image=a.png | duration=0", INV, {"duration 0 is out of range"}},
  {"image=a.png | duration=-5", INV, {"duration -5 is out of range"}},
  {"model=wan2.6-r2v | image=a.png | duration=11", INV,
      {"duration 11 is out of range: wan2.6-r2v accepts 2..10 seconds"}},
  /* booleans and seed */
  {"image=a.png | prompt-extend=2", INV, {"prompt_extend is 2",
          "true or false"}},
  {"image=a.png | watermark=7", INV, {"watermark is 7"}},
  {"image=a.png | seed=2147483648", INV,
      {"seed 2147483648 is out of range: 0..2147483647"}},
  {"image=a.png | seed=-2", INV, {"seed -2 is out of range"}},
  /* wan2.6-only and flash-only settings */
  {"image=a.png | shot-type=multi", UNS,
      {"shot_type is not supported by wan2.7-r2v"}},
  {"model=wan2.6-r2v | image=a.png | shot-type=triple", INV,
      {"shot_type \"triple\" is not one of single, multi"}},
  {"image=a.png | audio=1", UNS, {"audio is not supported by wan2.7-r2v"}},
  {"model=wan2.6-r2v | image=a.png | audio=0", UNS,
      {"audio is not supported by wan2.6-r2v (only by wan2.6-r2v-flash)"}},
  {"model=wan2.6-r2v-flash | image=a.png | audio=3", INV, {"audio is 3"}},
  {"image=a.png | size=1280*720", UNS, {"size is not supported by "
            "wan2.7-r2v"}},
  {"model=wan2.6-r2v | image=a.png | size=1104*832", INV,
      {"size \"1104*832\" is not one of wan2.6-r2v's sizes", "1088*832"}},
  {"model=wan2.6-r2v | image=a.png | size=1280x720", INV,
      {"size \"1280x720\""}},
  {"model=wan2.6-r2v | image=a.png | size=1280*720 | resolution=1080P", INV,
      {"size \"1280*720\" contradicts resolution 1080P"}},
  {"model=wan2.6-r2v | image=a.png | size=1280*720 | ratio=1:1", INV,
      {"size \"1280*720\" contradicts ratio 1:1"}},
};

static void
test_validate_invalid (void)
{
  gsize i;

  g_assert_cmpuint (G_N_ELEMENTS (invalid_cases), >=, 40);
  for (i = 0; i < G_N_ELEMENTS (invalid_cases); i++) {
    const InvalidCase *c = &invalid_cases[i];
    g_autoptr (WanR2vRequest) req = request_from_spec (c->spec);
    g_autoptr (GError) error = NULL;
    guint k;

    {
      g_autofree char *escaped = g_strescape (c->spec, NULL);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, escaped);
    }
    g_assert_false (wanr2v_request_validate (req, &error));
    g_assert_nonnull (error);
    g_assert_true (error->domain == WANR2V_REQUEST_ERROR);
    g_test_message ("  -> %s", error->message);
    /* Every message begins with the name of what it is about, so that
     * the element can say it with its property names. */
    g_assert_nonnull (wanr2v_error_get_field (error, NULL));
    for (k = 0; k < G_N_ELEMENTS (c->expect) && c->expect[k]; k++) {
      if (strstr (error->message, c->expect[k]) == NULL)
        g_error ("case %s: message \"%s\" lacks \"%s\"", c->spec,
            error->message, c->expect[k]);
    }
    g_assert_cmpint (error->code, ==, c->code);
  }
}

/* A data: URI of a whole image must not end up whole in a message. */
static void
test_validate_long_url_in_message (void)
{
  g_autoptr (WanR2vRequest) req = request_from_spec (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  GString *s = g_string_new ("ftp://example.com/");

  while (s->len < 100000)
    g_string_append (s, "abcdefgh");
  url = g_string_free (s, FALSE);
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE, url, NULL);
  g_assert_false (wanr2v_request_validate (req, &error));
  g_assert_cmpuint (strlen (error->message), <, 400);
  g_assert_nonnull (strstr (error->message, "media[0] (Image 1)"));
  g_assert_nonnull (strstr (error->message, "...\""));
}

/* ---- validation: valid requests ----------------------------------------- */

static const char *const valid_cases[] = {
  "image=a.png",
  "video=https://example.com/v.mp4",
  "image=/abs/a.png | image=rel/b.jpg | image=file:///tmp/c.webp"
      " | video=oss://dashscope-instant/x/d.mp4 | video=e.mov",
  "image=data:image/png;base64,iVBORw0KGgo= | voice=https://e.com/v.mp3",
  "image=data:IMAGE/JPEG;BASE64,/9j/4AAQ | first=data:image/webp;base64,UklG",
  "first=https://e.com/f.webp | image=a.png | image=b.png | image=c.png"
      " | image=d.png | video=e.mp4",
  "image=a.png | first=f.png | ratio=9:16",
  "image=a.png | voice= | video=b.mp4 | voice=oss://bucket/v.wav",
  "image=a.png | voice=file:///tmp/v.wav | video=b.mp4 | voice=voice.mp3",
  "image=a.png | duration=15 | resolution=720P | ratio=3:4 | seed=0"
      " | prompt-extend=0 | watermark=1",
  "video=a.mp4 | duration=10 | seed=2147483647 | resolution=1080P",
  "image=a.png | duration=2 | negative=blurry, low quality",
  "prompt-chars=5000 | negative-chars=500 | image=a.png",
  "prompt-cjk=5000 | image=a.png",
  "model=wan2.7-r2v-2026-06-12 | image=a.png",
  "model=wan2.6-r2v | prompt-chars=1500 | image=a.png | video=b.mp4"
      " | video=c.mp4 | video=d.mp4 | image=e.png | shot-type=multi"
      " | duration=10",
  "model=wan2.6-r2v | image=a.png | resolution=720P | ratio=4:3",
  "model=wan2.6-r2v | image=https://e.com/a.png | size=1088*832"
      " | resolution=720P | ratio=4:3 | negative=no text",
  "model=wan2.6-r2v-flash | video=oss://b/a.mp4 | audio=0 | shot-type=single"
      " | watermark=1 | seed=42",
  "model=wan2.6-r2v-flash | image=a.png | size=1248*1632",
};

static void
test_validate_valid (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (valid_cases); i++) {
    g_autoptr (WanR2vRequest) req = request_from_spec (valid_cases[i]);
    g_autoptr (GError) error = NULL;

    g_test_message ("valid case: %s", valid_cases[i]);
    if (!wanr2v_request_validate (req, &error))
      g_error ("valid case \"%s\" refused: %s", valid_cases[i],
          error->message);
  }
}

/* The duration limit depends on whether any reference is a video. */
static void
test_validate_duration_boundaries (void)
{
  const struct
  {
    const char *spec;
    gint min, max;
  } rows[] = {
    {"image=a.png", 2, 15},
    {"image=a.png | first=f.png", 2, 15},
    {"image=a.png | video=b.mp4", 2, 10},
    {"model=wan2.6-r2v | image=a.png", 2, 10},
    {"model=wan2.6-r2v-flash | video=a.mp4", 2, 10},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    gint d;

    for (d = -1; d <= 20; d++) {
      g_autoptr (WanR2vRequest) req = request_from_spec (rows[i].spec);
      gboolean expected = d == WANR2V_UNSET || (d >= rows[i].min
          && d <= rows[i].max);

      req->duration = d;
      g_assert_cmpint (wanr2v_request_validate (req, NULL), ==, expected);
    }
  }
}

/* ---- model families and defaults ---------------------------------------- */

static void
test_model_family (void)
{
  const struct
  {
    const char *model;
    WanR2vModelFamily family;
  } rows[] = {
    {"wan2.7-r2v", WANR2V_FAMILY_WAN27},
    {"wan2.7-r2v-2026-06-12", WANR2V_FAMILY_WAN27},
    {"wan2.7-r2v-2024-02-29", WANR2V_FAMILY_WAN27},
    {"wan2.7-r2v-2025-02-29", WANR2V_FAMILY_UNKNOWN},
    {"wan2.7-r2v-2026-6-12", WANR2V_FAMILY_UNKNOWN},
    {"wan2.7-r2v-", WANR2V_FAMILY_UNKNOWN},
    {"wan2.7-r2v-2026-06-12x", WANR2V_FAMILY_UNKNOWN},
    {"wan2.6-r2v", WANR2V_FAMILY_WAN26},
    {"wan2.6-r2v-flash", WANR2V_FAMILY_WAN26_FLASH},
    {"wan2.6-r2v-flash-2026-01-01", WANR2V_FAMILY_UNKNOWN},
    {"WAN2.7-R2V", WANR2V_FAMILY_UNKNOWN},
    {"wan2.7-i2v", WANR2V_FAMILY_UNKNOWN},
    {"", WANR2V_FAMILY_UNKNOWN},
    {NULL, WANR2V_FAMILY_UNKNOWN},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    g_assert_cmpint (wanr2v_model_family (rows[i].model), ==, rows[i].family);
}

static void
test_defaults (void)
{
  g_autoptr (WanR2vRequest) req = wanr2v_request_new ();
  guint w = 0, h = 0;

  g_assert_null (req->model);
  g_assert_nonnull (req->media);
  g_assert_cmpuint (req->media->len, ==, 0);
  g_assert_cmpint (req->duration, ==, WANR2V_UNSET);
  g_assert_cmpint (req->prompt_extend, ==, WANR2V_UNSET);
  g_assert_cmpint (req->watermark, ==, WANR2V_UNSET);
  g_assert_cmpint (req->seed, ==, WANR2V_UNSET);
  g_assert_cmpint (req->audio, ==, WANR2V_UNSET);

  g_assert_cmpstr (wanr2v_request_get_resolution (req), ==, "1080P");
  g_assert_cmpstr (wanr2v_request_get_ratio (req), ==, "16:9");
  g_assert_cmpint (wanr2v_request_get_duration (req), ==, 5);
  /* No model, no size. */
  g_assert_false (output_size (req, &w, &h));

  req->model = g_strdup ("wan2.7-r2v");
  g_assert_true (output_size (req, &w, &h));
  g_assert_cmpuint (w, ==, 1920);
  g_assert_cmpuint (h, ==, 1080);

  req->duration = 9;
  g_assert_cmpint (wanr2v_request_get_duration (req), ==, 9);
}

static void
test_output_size (void)
{
  const struct
  {
    const char *spec;
    guint width, height;
  } rows[] = {
    {"", 1920, 1080},
    {"resolution=720P", 1280, 720},
    {"resolution=720P | ratio=4:3", 1104, 832},
    {"resolution=1080P | ratio=3:4", 1248, 1648},
    {"ratio=1:1", 1440, 1440},
    {"ratio=9:16 | resolution=720P", 720, 1280},
    {"model=wan2.7-r2v-2026-06-12 | ratio=4:3", 1648, 1248},
    {"model=wan2.6-r2v", 1920, 1080},
    {"model=wan2.6-r2v | resolution=720P | ratio=4:3", 1088, 832},
    {"model=wan2.6-r2v-flash | ratio=3:4", 1248, 1632},
    {"model=wan2.6-r2v | size=832*1088", 832, 1088},
    {"model=wan2.6-r2v | size=1440*1440 | resolution=720P", 1440, 1440},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (WanR2vRequest) req = request_from_spec (rows[i].spec);
    guint w = 0, h = 0;

    g_test_message ("%s", rows[i].spec);
    g_assert_true (output_size (req, &w, &h));
    g_assert_cmpuint (w, ==, rows[i].width);
    g_assert_cmpuint (h, ==, rows[i].height);
  }
}

/* An explicit wan2.6 size also answers "which resolution and ratio". */
static void
test_effective_from_size (void)
{
  g_autoptr (WanR2vRequest) req =
      request_from_spec ("model=wan2.6-r2v | size=832*1088");
  g_autoptr (WanR2vRequest) bad =
      request_from_spec ("model=wan2.6-r2v | size=7*7");
  guint w, h;

  g_assert_cmpstr (wanr2v_request_get_resolution (req), ==, "720P");
  g_assert_cmpstr (wanr2v_request_get_ratio (req), ==, "3:4");
  g_assert_false (output_size (bad, &w, &h));
  g_assert_cmpstr (wanr2v_request_get_resolution (bad), ==, "1080P");
}

/* ---- media helpers ------------------------------------------------------ */

static void
test_media_helpers (void)
{
  g_autoptr (WanR2vRequest) req = wanr2v_request_new ();
  g_autoptr (WanR2vRequest) copy = NULL;
  WanR2vMediaType type;
  const WanR2vMedia *m;
  guint i;

  wanr2v_request_add_media (req, WANR2V_MEDIA_FIRST_FRAME, "f.png", NULL);
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE, "a.png", "");
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_VIDEO, "b.mp4",
      "b.wav");
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE, "c.png",
      "c.mp3");

  g_assert_cmpuint (wanr2v_request_count_media (req,
          WANR2V_MEDIA_REFERENCE_IMAGE), ==, 2);
  g_assert_cmpuint (wanr2v_request_count_media (req,
          WANR2V_MEDIA_REFERENCE_VIDEO), ==, 1);
  g_assert_cmpuint (wanr2v_request_count_media (req,
          WANR2V_MEDIA_FIRST_FRAME), ==, 1);

  /* "" means no voice. */
  m = g_ptr_array_index (req->media, 1);
  g_assert_null (m->voice);
  m = g_ptr_array_index (req->media, 2);
  g_assert_cmpstr (m->voice, ==, "b.wav");

  req->model = g_strdup ("wan2.7-r2v");
  req->prompt = g_strdup ("p");
  req->negative_prompt = g_strdup ("n");
  req->resolution = g_strdup ("720P");
  req->ratio = g_strdup ("1:1");
  req->duration = 7;
  req->prompt_extend = 0;
  req->watermark = 1;
  req->seed = 99;
  req->shot_type = g_strdup ("multi");
  req->audio = 1;
  req->size = g_strdup ("960*960");

  copy = wanr2v_request_copy (req);
  g_assert_true (copy != req);
  g_assert_cmpstr (copy->model, ==, "wan2.7-r2v");
  g_assert_true (copy->model != req->model);
  g_assert_cmpstr (copy->prompt, ==, "p");
  g_assert_cmpstr (copy->negative_prompt, ==, "n");
  g_assert_cmpstr (copy->resolution, ==, "720P");
  g_assert_cmpstr (copy->ratio, ==, "1:1");
  g_assert_cmpint (copy->duration, ==, 7);
  g_assert_cmpint (copy->prompt_extend, ==, 0);
  g_assert_cmpint (copy->watermark, ==, 1);
  g_assert_cmpint (copy->seed, ==, 99);
  g_assert_cmpstr (copy->shot_type, ==, "multi");
  g_assert_cmpint (copy->audio, ==, 1);
  g_assert_cmpstr (copy->size, ==, "960*960");
  g_assert_cmpuint (copy->media->len, ==, 4);
  for (i = 0; i < 4; i++) {
    const WanR2vMedia *a = g_ptr_array_index (req->media, i);
    const WanR2vMedia *b = g_ptr_array_index (copy->media, i);

    g_assert_true (a != b);
    g_assert_cmpint (a->type, ==, b->type);
    g_assert_cmpstr (a->url, ==, b->url);
    g_assert_cmpstr (a->voice, ==, b->voice);
  }
  g_assert_null (wanr2v_request_copy (NULL));
  wanr2v_request_free (NULL);

  g_assert_cmpstr (wanr2v_media_type_to_string (WANR2V_MEDIA_REFERENCE_IMAGE),
      ==, "reference_image");
  g_assert_cmpstr (wanr2v_media_type_to_string (WANR2V_MEDIA_REFERENCE_VIDEO),
      ==, "reference_video");
  g_assert_cmpstr (wanr2v_media_type_to_string (WANR2V_MEDIA_FIRST_FRAME),
      ==, "first_frame");
  g_assert_true (wanr2v_media_type_from_string ("first_frame", &type));
  g_assert_cmpint (type, ==, WANR2V_MEDIA_FIRST_FRAME);
  g_assert_true (wanr2v_media_type_from_string ("reference_video", &type));
  g_assert_cmpint (type, ==, WANR2V_MEDIA_REFERENCE_VIDEO);
  g_assert_false (wanr2v_media_type_from_string ("reference_audio", &type));
  g_assert_false (wanr2v_media_type_from_string (NULL, &type));
}

static void
test_media_field (void)
{
  g_autoptr (WanR2vRequest) req =
      request_from_spec ("first=f.png | video=a.mp4 | image=b.png"
      " | image=c.png | video=d.mp4");
  WanR2vFieldRef ref;
  g_autofree char *l0 = NULL, *l1 = NULL, *l3 = NULL, *v3 = NULL;
  g_autofree char *v4 = NULL, *c4 = NULL;

  wanr2v_request_media_field (req, 0, FALSE, &ref);
  l0 = wanr2v_field_name (&ref);
  g_assert_cmpstr (l0, ==, "media[0] (first frame)");
  g_assert_cmpint (ref.media_type, ==, WANR2V_MEDIA_FIRST_FRAME);

  wanr2v_request_media_field (req, 1, FALSE, &ref);
  l1 = wanr2v_field_name (&ref);
  g_assert_cmpstr (l1, ==, "media[1] (Video 1)");
  g_assert_cmpuint (ref.type_index, ==, 0);

  /* The second image: images are counted apart from videos. */
  wanr2v_request_media_field (req, 3, FALSE, &ref);
  l3 = wanr2v_field_name (&ref);
  g_assert_cmpstr (l3, ==, "media[3] (Image 2)");
  g_assert_cmpint (ref.field, ==, WANR2V_FIELD_MEDIA);
  g_assert_cmpint (ref.media_type, ==, WANR2V_MEDIA_REFERENCE_IMAGE);
  g_assert_cmpuint (ref.media_index, ==, 3);
  g_assert_cmpuint (ref.type_index, ==, 1);
  g_assert_false (ref.voice);

  wanr2v_request_media_field (req, 3, TRUE, &ref);
  v3 = wanr2v_field_name (&ref);
  g_assert_cmpstr (v3, ==, "media[3].voice (voice of Image 2)");
  g_assert_true (ref.voice);
  wanr2v_request_media_field (req, 4, TRUE, &ref);
  v4 = wanr2v_field_name (&ref);
  g_assert_cmpstr (v4, ==, "media[4].voice (voice of Video 2)");

  /* wan2.6 numbers all references together (the first frame is refused
   * there, but must not shift the count). */
  g_free (req->model);
  req->model = g_strdup ("wan2.6-r2v");
  wanr2v_request_media_field (req, 4, FALSE, &ref);
  c4 = wanr2v_field_name (&ref);
  g_assert_cmpstr (c4, ==, "media[4] (character4)");
  g_assert_cmpuint (ref.type_index, ==, 1);
}

/* What an error is about survives a copy, but not a prefix that hides the
 * name; errors of other domains are prefixed only. */
static void
test_error_field (void)
{
  g_autoptr (WanR2vRequest) req = request_from_spec ("image=a.png");
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) copy = NULL;
  g_autoptr (GError) io_error = NULL;
  const WanR2vFieldRef *ref;
  WanR2vFieldRef media;
  gsize length = 0;

  wanr2v_set_error_about (&error, WANR2V_REQUEST_ERROR,
      WANR2V_REQUEST_ERROR_INVALID,
      WANR2V_FIELD_REF (WANR2V_FIELD_PROMPT_EXTEND), " is %d", 3);
  g_assert_cmpstr (error->message, ==, "prompt_extend is 3");
  ref = wanr2v_error_get_field (error, &length);
  g_assert_nonnull (ref);
  g_assert_cmpint (ref->field, ==, WANR2V_FIELD_PROMPT_EXTEND);
  g_assert_cmpuint (length, ==, strlen ("prompt_extend"));

  copy = g_error_copy (error);
  ref = wanr2v_error_get_field (copy, NULL);
  g_assert_nonnull (ref);
  g_assert_cmpint (ref->field, ==, WANR2V_FIELD_PROMPT_EXTEND);

  g_prefix_error (&copy, "request: ");
  g_assert_null (wanr2v_error_get_field (copy, NULL));

  /* The job's way: a failed upload of one entry. */
  g_clear_error (&error);
  g_set_error_literal (&error, WANR2V_ERROR, WANR2V_ERROR_AUTH, "HTTP 403");
  wanr2v_request_media_field (req, 0, FALSE, &media);
  wanr2v_prefix_error_about (&error, &media);
  g_assert_cmpstr (error->message, ==, "media[0] (Image 1): HTTP 403");
  g_assert_true (g_error_matches (error, WANR2V_ERROR, WANR2V_ERROR_AUTH));
  ref = wanr2v_error_get_field (error, &length);
  g_assert_nonnull (ref);
  g_assert_cmpint (ref->field, ==, WANR2V_FIELD_MEDIA);
  g_assert_cmpuint (length, ==, strlen ("media[0] (Image 1)"));

  g_set_error_literal (&io_error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "gone");
  wanr2v_prefix_error_about (&io_error, &media);
  g_assert_cmpstr (io_error->message, ==, "media[0] (Image 1): gone");
  g_assert_null (wanr2v_error_get_field (io_error, NULL));
}

/* ---- URLs --------------------------------------------------------------- */

static void
test_url_classify (void)
{
  const struct
  {
    const char *url;
    WanR2vUrlKind kind;
  } rows[] = {
    {"/tmp/a.png", WANR2V_URL_LOCAL},
    {"a.png", WANR2V_URL_LOCAL},
    {"./dir/a b.png", WANR2V_URL_LOCAL},
    {"../x.mp4", WANR2V_URL_LOCAL},
    {"file:///tmp/a.png", WANR2V_URL_LOCAL},
    {"file://localhost/tmp/a.png", WANR2V_URL_LOCAL},
    {"file:///tmp/a%20b.png", WANR2V_URL_LOCAL},
    {"file://otherhost/tmp/a.png", WANR2V_URL_INVALID},
    {"file:a.png", WANR2V_URL_INVALID},
    {"file:///tmp/bad%zz.png", WANR2V_URL_INVALID},
    {"http://example.com/a.png", WANR2V_URL_HTTP},
    {"https://example.com", WANR2V_URL_HTTP},
    {"HTTPS://EXAMPLE.COM/A.PNG", WANR2V_URL_HTTP},
    {"https://127.0.0.1:8080/x.mp4?Expires=1&Signature=a%2Fb", WANR2V_URL_HTTP},
    {"https://[::1]:8443/x.mp4", WANR2V_URL_HTTP},
    {"http://", WANR2V_URL_INVALID},
    {"https:///path-only.png", WANR2V_URL_INVALID},
    {"http:example.com/a.png", WANR2V_URL_INVALID},
    {"https://exa mple.com/a.png", WANR2V_URL_INVALID},
    {"oss://dashscope-instant/abc/x.png", WANR2V_URL_OSS},
    {"oss://", WANR2V_URL_INVALID},
    {"oss:///", WANR2V_URL_INVALID},
    {"oss:x", WANR2V_URL_INVALID},
    {"data:image/png;base64,iVBOR", WANR2V_URL_DATA},
    {"DATA:image/png;base64,iVBOR", WANR2V_URL_DATA},
    {"data:", WANR2V_URL_DATA},
    {"ftp://x/y.png", WANR2V_URL_INVALID},
    {"rtsp://cam/stream", WANR2V_URL_INVALID},
    {"s3://bucket/key", WANR2V_URL_INVALID},
    {"", WANR2V_URL_INVALID},
    {NULL, WANR2V_URL_INVALID},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_test_message ("%s", rows[i].url ? rows[i].url : "(null)");
    g_assert_cmpint (wanr2v_url_classify (rows[i].url), ==, rows[i].kind);
  }
}

static void
test_url_to_local_path (void)
{
  const struct
  {
    const char *url;
    const char *path;
  } rows[] = {
    {"/tmp/a.png", "/tmp/a.png"},
    {"rel/a.png", "rel/a.png"},
    {"file:///tmp/a%20b.png", "/tmp/a b.png"},
    {"file://localhost/tmp/x.mp4", "/tmp/x.mp4"},
    {"https://example.com/a.png", NULL},
    {"oss://bucket/a.png", NULL},
    {"data:image/png;base64,AAAA", NULL},
    {"ftp://x/y", NULL},
    {"", NULL},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autofree char *path = wanr2v_url_to_local_path (rows[i].url);

    g_assert_cmpstr (path, ==, rows[i].path);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/request/validate/invalid", test_validate_invalid);
  g_test_add_func ("/request/validate/long-url-in-message",
      test_validate_long_url_in_message);
  g_test_add_func ("/request/validate/valid", test_validate_valid);
  g_test_add_func ("/request/validate/duration-boundaries",
      test_validate_duration_boundaries);
  g_test_add_func ("/request/model-family", test_model_family);
  g_test_add_func ("/request/defaults", test_defaults);
  g_test_add_func ("/request/output-size", test_output_size);
  g_test_add_func ("/request/effective-from-size", test_effective_from_size);
  g_test_add_func ("/request/media-helpers", test_media_helpers);
  g_test_add_func ("/request/media-field", test_media_field);
  g_test_add_func ("/request/error-field", test_error_field);
  g_test_add_func ("/request/url/classify", test_url_classify);
  g_test_add_func ("/request/url/to-local-path", test_url_to_local_path);

  return g_test_run ();
}
