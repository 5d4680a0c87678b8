/* test-json.c: create bodies both ways, replies, upload policies. */
#include "wanr2v-json.h"
#include "wanr2v-error.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Re-serialises @json compactly: the canonical form to compare bodies with,
 * key order included (json-glib keeps members in insertion order). */
static char *
canonical (const char *json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (GError) error = NULL;

  if (!json_parser_load_from_data (parser, json, -1, &error))
    g_error ("test JSON does not parse: %s\n%s", error->message, json);
  json_generator_set_root (generator, json_parser_get_root (parser));
  return json_generator_to_data (generator, NULL);
}

static void
assert_json_equal (const char *actual, const char *expected)
{
  g_autofree char *a = canonical (actual);
  g_autofree char *e = canonical (expected);

  g_assert_cmpstr (a, ==, e);
}

static char *
read_test_data (const char *name)
{
  g_autofree char *path = g_build_filename (UNIT_DATA_DIR, name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    g_error ("%s", error->message);
  return contents;
}

/* ---- building create bodies --------------------------------------------- */

static void
test_build_wan27_full (void)
{
  g_autoptr (WanR2vRequest) req = wanr2v_request_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *body = NULL;

  req->model = g_strdup ("wan2.7-r2v");
  req->prompt = g_strdup ("Video 1 holds Image 2 \"quoted\" \xe5\x9b\xbe");
  req->negative_prompt = g_strdup ("blurry");
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
      "https://e.com/girl.jpg", "https://e.com/girl.mp3");
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_VIDEO,
      "oss://dashscope-instant/x/role2.mp4", "oss://dashscope-instant/x/b.mp3");
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
      "data:image/png;base64,iVBOR", "");
  wanr2v_request_add_media (req, WANR2V_MEDIA_FIRST_FRAME,
      "oss://dashscope-instant/x/scene.webp", NULL);
  req->resolution = g_strdup ("720P");
  req->ratio = g_strdup ("16:9");
  req->duration = 10;
  req->prompt_extend = 0;
  req->watermark = 1;
  req->seed = 12345;

  body = wanr2v_json_build_create_body (req, &error);
  g_assert_no_error (error);
  assert_json_equal (body,
      "{\"model\": \"wan2.7-r2v\","
      " \"input\": {\"prompt\": \"Video 1 holds Image 2 \\\"quoted\\\" "
      "\xe5\x9b\xbe\","
      "   \"negative_prompt\": \"blurry\","
      "   \"media\": ["
      "     {\"type\": \"reference_image\", \"url\": \"https://e.com/girl.jpg\","
      "      \"reference_voice\": \"https://e.com/girl.mp3\"},"
      "     {\"type\": \"reference_video\","
      "      \"url\": \"oss://dashscope-instant/x/role2.mp4\","
      "      \"reference_voice\": \"oss://dashscope-instant/x/b.mp3\"},"
      "     {\"type\": \"reference_image\","
      "      \"url\": \"data:image/png;base64,iVBOR\"},"
      "     {\"type\": \"first_frame\","
      "      \"url\": \"oss://dashscope-instant/x/scene.webp\"}]},"
      " \"parameters\": {\"resolution\": \"720P\", \"ratio\": \"16:9\","
      "   \"duration\": 10, \"prompt_extend\": false, \"watermark\": true,"
      "   \"seed\": 12345}}");
  g_assert_true (wanr2v_request_uses_oss (req));
}

static void
test_build_wan27_minimal (void)
{
  g_autoptr (WanR2vRequest) req = wanr2v_request_new ();
  g_autofree char *body = NULL;
  g_autofree char *again = NULL;

  req->model = g_strdup ("wan2.7-r2v-2026-06-12");
  req->prompt = g_strdup ("reference image dances");
  req->negative_prompt = g_strdup ("");
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
      "https://e.com/a.png", NULL);

  /* Unset parameters stay out; the service defaults apply. */
  body = wanr2v_json_build_create_body (req, NULL);
  assert_json_equal (body,
      "{\"model\": \"wan2.7-r2v-2026-06-12\","
      " \"input\": {\"prompt\": \"reference image dances\","
      "   \"media\": [{\"type\": \"reference_image\","
      "     \"url\": \"https://e.com/a.png\"}]},"
      " \"parameters\": {}}");
  g_assert_false (wanr2v_request_uses_oss (req));

  /* The same request gives the same bytes (it is hashed for the cache). */
  again = wanr2v_json_build_create_body (req, NULL);
  g_assert_cmpstr (body, ==, again);
}

static void
test_build_wan26 (void)
{
  const struct
  {
    const char *model;
    const char *resolution, *ratio, *size;
    gint audio;
    const char *expected_parameters;
  } rows[] = {
    {"wan2.6-r2v", NULL, NULL, NULL, WANR2V_UNSET,
        "{\"size\": \"1920*1080\"}"},
    {"wan2.6-r2v", "720P", NULL, NULL, WANR2V_UNSET,
        "{\"size\": \"1280*720\"}"},
    {"wan2.6-r2v", "720P", "4:3", NULL, WANR2V_UNSET,
        "{\"size\": \"1088*832\"}"},
    {"wan2.6-r2v", NULL, "3:4", NULL, WANR2V_UNSET,
        "{\"size\": \"1248*1632\"}"},
    {"wan2.6-r2v", NULL, "1:1", NULL, WANR2V_UNSET,
        "{\"size\": \"1440*1440\"}"},
    {"wan2.6-r2v", "1080P", "9:16", "1080*1920", WANR2V_UNSET,
        "{\"size\": \"1080*1920\"}"},
    {"wan2.6-r2v-flash", NULL, NULL, "832*1088", 1,
        "{\"size\": \"832*1088\", \"audio\": true}"},
    {"wan2.6-r2v-flash", "720P", "16:9", NULL, 0,
        "{\"size\": \"1280*720\", \"audio\": false}"},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (WanR2vRequest) req = wanr2v_request_new ();
    g_autoptr (GError) error = NULL;
    g_autofree char *body = NULL;
    g_autofree char *expected = NULL;

    req->model = g_strdup (rows[i].model);
    req->prompt = g_strdup ("character1 waves");
    req->resolution = g_strdup (rows[i].resolution);
    req->ratio = g_strdup (rows[i].ratio);
    req->size = g_strdup (rows[i].size);
    req->audio = rows[i].audio;
    wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
        "https://e.com/a.png", NULL);

    body = wanr2v_json_build_create_body (req, &error);
    g_assert_no_error (error);
    expected = g_strdup_printf ("{\"model\": \"%s\", \"input\": {\"prompt\":"
        " \"character1 waves\", \"reference_urls\": [\"https://e.com/a.png\"]},"
        " \"parameters\": %s}", rows[i].model, rows[i].expected_parameters);
    assert_json_equal (body, expected);
  }
}

static void
test_build_wan26_full (void)
{
  g_autoptr (WanR2vRequest) req = wanr2v_request_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *body = NULL;

  req->model = g_strdup ("wan2.6-r2v-flash");
  req->prompt = g_strdup ("character2 sits by the window holding character3");
  req->negative_prompt = g_strdup ("text");
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_VIDEO,
      "https://e.com/role1.mp4", NULL);
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_VIDEO,
      "https://e.com/role2.mp4", NULL);
  wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
      "oss://b/object4.png", NULL);
  req->resolution = g_strdup ("720P");
  req->duration = 10;
  req->shot_type = g_strdup ("multi");
  req->audio = 1;
  req->watermark = 1;
  req->seed = 7;
  req->prompt_extend = 1;

  g_assert_true (wanr2v_request_validate (req, NULL));
  body = wanr2v_json_build_create_body (req, &error);
  g_assert_no_error (error);
  assert_json_equal (body,
      "{\"model\": \"wan2.6-r2v-flash\","
      " \"input\": {\"prompt\": \"character2 sits by the window holding "
      "character3\", \"negative_prompt\": \"text\","
      "   \"reference_urls\": [\"https://e.com/role1.mp4\","
      "     \"https://e.com/role2.mp4\", \"oss://b/object4.png\"]},"
      " \"parameters\": {\"size\": \"1280*720\", \"duration\": 10,"
      "   \"shot_type\": \"multi\", \"audio\": true, \"watermark\": true,"
      "   \"seed\": 7, \"prompt_extend\": true}}");
  g_assert_true (wanr2v_request_uses_oss (req));
}

static void
test_build_errors (void)
{
  const struct
  {
    const char *model;
    WanR2vMediaType type;
    const char *voice;
    const char *shot_type, *size;
    gint audio;
    const char *ratio;
    const char *expect;
  } rows[] = {
    {"wan2.5-r2v", WANR2V_MEDIA_REFERENCE_IMAGE, NULL, NULL, NULL,
        WANR2V_UNSET, NULL, "wan2.5-r2v"},
    {NULL, WANR2V_MEDIA_REFERENCE_IMAGE, NULL, NULL, NULL, WANR2V_UNSET,
        NULL, "model"},
    {"wan2.7-r2v", WANR2V_MEDIA_REFERENCE_IMAGE, NULL, "multi", NULL,
        WANR2V_UNSET, NULL, "shot_type is not a parameter of wan2.7-r2v"},
    {"wan2.7-r2v", WANR2V_MEDIA_REFERENCE_IMAGE, NULL, NULL, "1280*720",
        WANR2V_UNSET, NULL, "size"},
    {"wan2.7-r2v", WANR2V_MEDIA_REFERENCE_IMAGE, NULL, NULL, NULL, 1, NULL,
        "audio"},
    {"wan2.6-r2v", WANR2V_MEDIA_FIRST_FRAME, NULL, NULL, NULL, WANR2V_UNSET,
        NULL, "first_frame is not supported by wan2.6-r2v"},
    {"wan2.6-r2v", WANR2V_MEDIA_REFERENCE_IMAGE, "v.mp3", NULL, NULL,
        WANR2V_UNSET, NULL, "voices"},
    {"wan2.6-r2v", WANR2V_MEDIA_REFERENCE_IMAGE, NULL, NULL, NULL, 1, NULL,
        "audio"},
    {"wan2.6-r2v", WANR2V_MEDIA_REFERENCE_IMAGE, NULL, NULL, NULL,
        WANR2V_UNSET, "2:1", "ratio 2:1"},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (WanR2vRequest) req = wanr2v_request_new ();
    g_autoptr (GError) error = NULL;
    g_autofree char *body = NULL;

    req->model = g_strdup (rows[i].model);
    req->prompt = g_strdup ("p");
    req->shot_type = g_strdup (rows[i].shot_type);
    req->size = g_strdup (rows[i].size);
    req->audio = rows[i].audio;
    req->ratio = g_strdup (rows[i].ratio);
    wanr2v_request_add_media (req, rows[i].type, "https://e.com/a.png",
        rows[i].voice);

    body = wanr2v_json_build_create_body (req, &error);
    g_assert_null (body);
    g_assert_error (error, WANR2V_REQUEST_ERROR, error->code);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, rows[i].expect));
  }
}

/* ---- reading create bodies ---------------------------------------------- */

/* Requests that must survive build -> parse -> build unchanged. */
static WanR2vRequest *
make_round_trip_request (guint which)
{
  WanR2vRequest *req = wanr2v_request_new ();

  req->prompt = g_strdup ("Image 1 \xe5\x9b\xbe\x31 says \"hi\"\n");
  switch (which) {
    case 0:
      req->model = g_strdup ("wan2.7-r2v");
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
          "https://e.com/a.png", NULL);
      break;
    case 1:
      req->model = g_strdup ("wan2.7-r2v");
      req->negative_prompt = g_strdup ("blurry");
      wanr2v_request_add_media (req, WANR2V_MEDIA_FIRST_FRAME,
          "oss://b/f.webp", NULL);
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_VIDEO,
          "oss://b/v.mp4", "oss://b/v.wav");
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
          "data:image/jpeg;base64,/9j/4A==", "https://e.com/a.mp3");
      req->resolution = g_strdup ("1080P");
      req->ratio = g_strdup ("4:3");
      req->duration = 8;
      req->prompt_extend = 1;
      req->watermark = 0;
      req->seed = 0;
      break;
    case 2:
      req->model = g_strdup ("wan2.7-r2v-2026-06-12");
      req->seed = WANR2V_MAX_SEED;
      req->duration = 15;
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
          "https://e.com/1.png", NULL);
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
          "https://e.com/2.png", NULL);
      break;
    case 3:
      req->model = g_strdup ("wan2.6-r2v");
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_VIDEO,
          "https://e.com/1.mp4?Expires=1&Signature=x", NULL);
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
          "https://e.com/2.png", NULL);
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_VIDEO,
          "oss://b/3.MOV", NULL);
      req->resolution = g_strdup ("720P");
      req->ratio = g_strdup ("3:4");
      req->shot_type = g_strdup ("single");
      req->duration = 2;
      break;
    case 4:
    default:
      req->model = g_strdup ("wan2.6-r2v-flash");
      wanr2v_request_add_media (req, WANR2V_MEDIA_REFERENCE_IMAGE,
          "https://e.com/a.png", NULL);
      req->size = g_strdup ("960*960");
      req->audio = 0;
      req->watermark = 1;
      req->seed = 1;
      req->prompt_extend = 0;
      break;
  }
  return req;
}

static void
test_round_trip (void)
{
  guint which;

  for (which = 0; which < 5; which++) {
    g_autoptr (WanR2vRequest) req = make_round_trip_request (which);
    g_autoptr (WanR2vRequest) back = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree char *body = NULL;
    g_autofree char *body2 = NULL;
    guint i;

    g_assert_true (wanr2v_request_validate (req, NULL));
    body = wanr2v_json_build_create_body (req, &error);
    g_assert_no_error (error);
    back = wanr2v_json_parse_request (body, -1, &error);
    g_assert_no_error (error);
    g_assert_true (wanr2v_request_validate (back, NULL));
    body2 = wanr2v_json_build_create_body (back, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (body, ==, body2);

    /* The media list comes back in order, with the right types even from
     * wan2.6's untyped reference_urls. */
    g_assert_cmpuint (back->media->len, ==, req->media->len);
    for (i = 0; i < req->media->len; i++) {
      const WanR2vMedia *a = g_ptr_array_index (req->media, i);
      const WanR2vMedia *b = g_ptr_array_index (back->media, i);

      g_assert_cmpint (a->type, ==, b->type);
      g_assert_cmpstr (a->url, ==, b->url);
      g_assert_cmpstr (a->voice, ==, b->voice);
    }
    g_assert_cmpstr (back->prompt, ==, req->prompt);
    g_assert_cmpint (back->seed, ==, req->seed);
  }
}

static void
test_parse_seed_bodies (void)
{
  const struct
  {
    const char *file;
    guint images, videos, first_frames, voices;
  } rows[] = {
    {"seed-multi-entity-voices.json", 4, 1, 0, 2},
    {"seed-multi-entity-voices-2.json", 4, 1, 0, 2},
    {"seed-storyboard.json", 1, 0, 0, 0},
    {"seed-first-frame.json", 2, 0, 1, 0},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autofree char *json = read_test_data (rows[i].file);
    g_autoptr (WanR2vRequest) req = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree char *body = NULL;
    guint k, voices = 0;

    g_test_message ("%s", rows[i].file);
    req = wanr2v_json_parse_request (json, -1, &error);
    g_assert_no_error (error);
    g_assert_true (wanr2v_request_validate (req, &error));
    g_assert_no_error (error);

    g_assert_cmpstr (req->model, ==, "wan2.7-r2v");
    g_assert_cmpstr (req->resolution, ==, "720P");
    g_assert_cmpint (req->duration, ==, 10);
    g_assert_cmpint (req->prompt_extend, ==, 0);
    g_assert_cmpint (req->watermark, ==, 1);
    g_assert_cmpint (req->seed, ==, WANR2V_UNSET);
    g_assert_cmpuint (wanr2v_request_count_media (req,
            WANR2V_MEDIA_REFERENCE_IMAGE), ==, rows[i].images);
    g_assert_cmpuint (wanr2v_request_count_media (req,
            WANR2V_MEDIA_REFERENCE_VIDEO), ==, rows[i].videos);
    g_assert_cmpuint (wanr2v_request_count_media (req,
            WANR2V_MEDIA_FIRST_FRAME), ==, rows[i].first_frames);
    for (k = 0; k < req->media->len; k++)
      if (((WanR2vMedia *) g_ptr_array_index (req->media, k))->voice)
        voices++;
    g_assert_cmpuint (voices, ==, rows[i].voices);

    /* Our body for it is the guide's body: same fields, same order. */
    body = wanr2v_json_build_create_body (req, &error);
    g_assert_no_error (error);
    assert_json_equal (body, json);
  }
}

static void
test_parse_notes_examples (void)
{
  /* The two examples of the protocol notes, section 2. */
  const char *wan27 =
      "{\"model\": \"wan2.7-r2v\","
      " \"input\": {\"prompt\": \"Video 1 holds Image 2 ...\","
      "  \"negative_prompt\": \"blurry\","
      "  \"media\": ["
      "   {\"type\": \"reference_image\", \"url\": \"https://e.com/girl.jpg\","
      "    \"reference_voice\": \"https://e.com/girl.mp3\"},"
      "   {\"type\": \"reference_video\", \"url\": \"https://e.com/role2.mp4\","
      "    \"reference_voice\": \"https://e.com/boy.mp3\"},"
      "   {\"type\": \"reference_image\", \"url\": \"data:image/png;base64,iVBOR\"},"
      "   {\"type\": \"first_frame\", \"url\": \"oss://dashscope-instant/s.webp\"}]},"
      " \"parameters\": {\"resolution\": \"720P\", \"ratio\": \"16:9\","
      "  \"duration\": 10, \"prompt_extend\": false, \"watermark\": true,"
      "  \"seed\": 12345}}";
  const char *wan26 =
      "{\"model\": \"wan2.6-r2v-flash\","
      " \"input\": {\"prompt\": \"character2 sits by the window holding "
      "character3 ...\","
      "  \"reference_urls\": [\"https://e.com/role1.mp4\","
      "   \"https://e.com/role2.mp4\", \"https://e.com/object4.png\"]},"
      " \"parameters\": {\"size\": \"1280*720\", \"duration\": 10,"
      "  \"shot_type\": \"multi\", \"audio\": true, \"watermark\": true}}";
  g_autoptr (WanR2vRequest) a = NULL;
  g_autoptr (WanR2vRequest) b = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *body_a = NULL;
  g_autofree char *body_b = NULL;
  const WanR2vMedia *m;

  a = wanr2v_json_parse_request (wan27, -1, &error);
  g_assert_no_error (error);
  g_assert_true (wanr2v_request_validate (a, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (a->negative_prompt, ==, "blurry");
  g_assert_cmpint (a->seed, ==, 12345);
  m = g_ptr_array_index (a->media, 3);
  g_assert_cmpint (m->type, ==, WANR2V_MEDIA_FIRST_FRAME);
  g_assert_true (wanr2v_request_uses_oss (a));
  body_a = wanr2v_json_build_create_body (a, NULL);
  assert_json_equal (body_a, wan27);

  b = wanr2v_json_parse_request (wan26, -1, &error);
  g_assert_no_error (error);
  g_assert_true (wanr2v_request_validate (b, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wanr2v_request_count_media (b,
          WANR2V_MEDIA_REFERENCE_VIDEO), ==, 2);
  g_assert_cmpuint (wanr2v_request_count_media (b,
          WANR2V_MEDIA_REFERENCE_IMAGE), ==, 1);
  g_assert_cmpstr (b->size, ==, "1280*720");
  g_assert_cmpstr (b->shot_type, ==, "multi");
  g_assert_cmpint (b->audio, ==, 1);
  g_assert_false (wanr2v_request_uses_oss (b));
  body_b = wanr2v_json_build_create_body (b, NULL);
  assert_json_equal (body_b, wan26);
}

/* What clients in the wild send, and what users write by hand. */
static void
test_parse_request_liberal (void)
{
  const char *json =
      "{\"model\": \"wan2.7-r2v\", \"unknown\": [1, {\"x\": null}],"
      " \"input\": {\"prompt\": \"Image 1\", \"extend_prompt\": true,"
      "  \"function\": \"video-synthesis\", \"negative_prompt\": null,"
      "  \"media\": [{\"type\": \"reference_image\", \"url\": \"a.png\","
      "    \"referenceVoice\": \"v.mp3\", \"extra\": 5},"
      "   {\"type\": \"reference_video\", \"url\": \"b.mp4\","
      "    \"reference_voice\": null}]},"
      " \"parameters\": {\"duration\": \"7\", \"seed\": \"42\","
      "  \"watermark\": \"true\", \"prompt_extend\": 0, \"ratio\": null,"
      "  \"resolution\": \"720P\", \"n\": 3, \"duration_extra\": \"x\"}}";
  g_autoptr (WanR2vRequest) req = NULL;
  g_autoptr (GError) error = NULL;
  const WanR2vMedia *m;

  req = wanr2v_json_parse_request (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (req->prompt, ==, "Image 1");
  g_assert_null (req->negative_prompt);
  g_assert_null (req->ratio);
  g_assert_cmpstr (req->resolution, ==, "720P");
  g_assert_cmpint (req->duration, ==, 7);
  g_assert_cmpint (req->seed, ==, 42);
  g_assert_cmpint (req->watermark, ==, 1);
  g_assert_cmpint (req->prompt_extend, ==, 0);
  m = g_ptr_array_index (req->media, 0);
  g_assert_cmpstr (m->voice, ==, "v.mp3");
  m = g_ptr_array_index (req->media, 1);
  g_assert_null (m->voice);
  g_assert_true (wanr2v_request_validate (req, NULL));
}

/* A request file may leave the model to the element. */
static void
test_parse_request_no_model (void)
{
  g_autoptr (WanR2vRequest) req = NULL;
  g_autoptr (GError) error = NULL;

  req = wanr2v_json_parse_request ("{\"input\": {\"prompt\": \"p\","
      " \"media\": [{\"type\": \"reference_image\", \"url\": \"a.png\"}]}}",
      -1, &error);
  g_assert_no_error (error);
  g_assert_null (req->model);
  g_assert_false (wanr2v_request_validate (req, &error));
  g_assert_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_MISSING);
}

static void
test_parse_request_errors (void)
{
  const struct
  {
    const char *json;
    const char *expect;
  } rows[] = {
    {"{\"model\": \"wan2.7-r2v\", \"input\": {\"prompt\": \"p\", \"media\": ["
          "{\"type\": \"reference_image\", \"url\": \"a.png\"},"
          "{\"type\": \"reference_audio\", \"url\": \"b.wav\"}]}}",
        "input.media[1].type: unknown type \"reference_audio\""},
    {"{\"input\": {\"media\": [{\"url\": \"a.png\"}]}}",
        "input.media[0].type: missing"},
    {"{\"input\": {\"media\": [{\"type\": 3, \"url\": \"a.png\"}]}}",
        "input.media[0].type: expected a string, got a number"},
    {"{\"input\": {\"media\": [{\"type\": \"first_frame\"}]}}",
        "input.media[0].url: missing"},
    {"{\"input\": {\"media\": [{\"type\": \"first_frame\", \"url\": [1]}]}}",
        "input.media[0].url: expected a string, got an array"},
    {"{\"input\": {\"media\": [{\"type\": \"reference_image\", \"url\": \"a\","
          " \"reference_voice\": false}]}}",
        "input.media[0].reference_voice: expected a string, got a boolean"},
    {"{\"input\": {\"media\": [\"a.png\"]}}",
        "input.media[0]: expected an object, got a string"},
    {"{\"input\": {\"media\": {\"type\": \"reference_image\"}}}",
        "input.media: expected an array, got an object"},
    {"{\"input\": {\"reference_urls\": \"a.png\"}}",
        "input.reference_urls: expected an array, got a string"},
    {"{\"input\": {\"reference_urls\": [\"a.png\", 5]}}",
        "input.reference_urls[1]: expected a string, got a number"},
    {"{\"input\": {\"reference_urls\": [\"a.png\"], \"media\": []}}",
        "input: has both media (wan2.7) and reference_urls (wan2.6)"},
    {"{\"input\": {\"prompt\": 5}}", "input.prompt: expected a string"},
    {"{\"input\": {\"negative_prompt\": {}}}",
        "input.negative_prompt: expected a string, got an object"},
    {"{\"input\": []}", "input: expected an object, got an array"},
    {"{\"model\": \"wan2.7-r2v\"}", "input: missing"},
    {"{\"model\": 2.7, \"input\": {}}", "model: expected a string"},
    {"{\"input\": {}, \"parameters\": []}",
        "parameters: expected an object, got an array"},
    {"{\"input\": {}, \"parameters\": {\"duration\": \"ten\"}}",
        "parameters.duration: expected an integer, got a string"},
    {"{\"input\": {}, \"parameters\": {\"duration\": 5.5}}",
        "parameters.duration: expected an integer, got a number"},
    {"{\"input\": {}, \"parameters\": {\"duration\": 99999999999}}",
        "parameters.duration: 99999999999 is out of range"},
    {"{\"input\": {}, \"parameters\": {\"seed\": -3}}",
        "parameters.seed: -3 is out of range"},
    {"{\"input\": {}, \"parameters\": {\"watermark\": \"yes\"}}",
        "parameters.watermark: expected true or false, got a string"},
    {"{\"input\": {}, \"parameters\": {\"prompt_extend\": 2}}",
        "parameters.prompt_extend: expected true or false, got a number"},
    {"{\"input\": {}, \"parameters\": {\"audio\": []}}",
        "parameters.audio: expected true or false, got an array"},
    {"{\"input\": {}, \"parameters\": {\"resolution\": 720}}",
        "parameters.resolution: expected a string, got a number"},
    {"{\"input\": {}, \"parameters\": {\"size\": true}}",
        "parameters.size: expected a string, got a boolean"},
    {"{\"input\": {}, \"parameters\": {\"shot_type\": [\"multi\"]}}",
        "parameters.shot_type: expected a string, got an array"},
    {"[1, 2]", "request: expected a JSON object, got an array"},
    {"\"text\"", "request: expected a JSON object, got a string"},
    {"{\"model\": \"wan2.7-r2v\",\n \"input\": {,}}",
        "request is not valid JSON: line 2, column 12"},
    {"{\"model\": \"wan2.7-r2v\"", "request is not valid JSON"},
    {"", "request is not valid JSON"},
    {"{\"a\": \"\xff\"}", "request is not valid JSON"},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (WanR2vRequest) req = NULL;
    g_autoptr (GError) error = NULL;

    req = wanr2v_json_parse_request (rows[i].json, -1, &error);
    g_assert_null (req);
    g_assert_nonnull (error);
    g_assert_true (error->domain == WANR2V_REQUEST_ERROR);
    g_test_message ("%s", error->message);
    if (strstr (error->message, rows[i].expect) == NULL)
      g_error ("message \"%s\" lacks \"%s\"", error->message, rows[i].expect);
  }
}

/* The parser recurses per level: deep nesting must be refused before. */
static void
test_parse_deep_nesting (void)
{
  GString *deep = g_string_new ("{\"input\": ");
  g_autofree char *json = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WanR2vRequest) req = NULL;
  g_autoptr (WanR2vTaskInfo) info = NULL;
  char *code = NULL, *message = NULL, *request_id = NULL;
  guint i;

  for (i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  json = g_string_free (deep, FALSE);

  req = wanr2v_json_parse_request (json, -1, &error);
  g_assert_null (req);
  g_assert_nonnull (strstr (error->message, "nested deeper"));
  g_clear_error (&error);

  info = wanr2v_json_parse_task (json, -1, &error);
  g_assert_null (info);
  g_assert_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL);

  wanr2v_json_parse_error (json, -1, &code, &message, &request_id);
  g_assert_null (code);
  g_assert_null (message);
  g_assert_null (request_id);

  /* Brackets inside strings do not count. */
  {
    GString *s = g_string_new ("{\"request_id\": \"");
    g_autofree char *ok = NULL;

    for (i = 0; i < 1000; i++)
      g_string_append (s, "[{\\\"");
    g_string_append (s, "\", \"code\": \"X\"}");
    ok = g_string_free (s, FALSE);
    wanr2v_json_parse_error (ok, -1, &code, NULL, NULL);
    g_assert_cmpstr (code, ==, "X");
    g_free (code);
  }
}

/* ---- task replies ------------------------------------------------------- */

static void
test_parse_task_create_reply (void)
{
  const char *body = "{\"output\": {\"task_status\": \"PENDING\","
      " \"task_id\": \"0385dc79-5ff8-4d82-bcb6-xxxxxx\"},"
      " \"request_id\": \"4909100c-7b5a-9f92-bfe5-xxxxxx\"}";
  g_autoptr (WanR2vTaskInfo) info = NULL;
  g_autoptr (GError) error = NULL;

  info = wanr2v_json_parse_task (body, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->task_id, ==, "0385dc79-5ff8-4d82-bcb6-xxxxxx");
  g_assert_cmpstr (info->request_id, ==, "4909100c-7b5a-9f92-bfe5-xxxxxx");
  g_assert_cmpint (info->status, ==, WANR2V_TASK_STATUS_PENDING);
  g_assert_cmpstr (info->status_string, ==, "PENDING");
  g_assert_false (info->has_usage);
  g_assert_null (info->video_url);
  g_assert_null (info->code);
}

static void
test_parse_task_succeeded (void)
{
  const char *body =
      "{\"request_id\": \"52cade0d\","
      " \"output\": {\"task_id\": \"18814247\", \"task_status\": \"SUCCEEDED\","
      "  \"submit_time\": \"2026-04-02 22:53:19.537\","
      "  \"scheduled_time\": \"2026-04-02 22:53:30.427\","
      "  \"end_time\": \"2026-04-02 23:00:39.287\", \"orig_prompt\": \"op\","
      "  \"actual_prompt\": \"ap\","
      "  \"video_url\": \"https://dashscope-a717.oss-accelerate.aliyuncs.com/"
      "xxx.mp4?Expires=1&OSSAccessKeyId=k&Signature=s\"},"
      " \"usage\": {\"duration\": 15, \"input_video_duration\": 5,"
      "  \"output_video_duration\": 10, \"video_count\": 1, \"SR\": 720,"
      "  \"ratio\": \"16:9\"}}";
  g_autoptr (WanR2vTaskInfo) info = NULL;
  g_autoptr (GError) error = NULL;

  info = wanr2v_json_parse_task (body, strlen (body), &error);
  g_assert_no_error (error);
  g_assert_cmpint (info->status, ==, WANR2V_TASK_STATUS_SUCCEEDED);
  g_assert_cmpstr (info->submit_time, ==, "2026-04-02 22:53:19.537");
  g_assert_cmpstr (info->scheduled_time, ==, "2026-04-02 22:53:30.427");
  g_assert_cmpstr (info->end_time, ==, "2026-04-02 23:00:39.287");
  g_assert_cmpstr (info->orig_prompt, ==, "op");
  g_assert_cmpstr (info->actual_prompt, ==, "ap");
  g_assert_true (g_str_has_prefix (info->video_url, "https://dashscope-a717"));
  g_assert_true (info->has_usage);
  g_assert_cmpfloat (info->usage_duration, ==, 15.0);
  g_assert_cmpfloat (info->usage_input_video_duration, ==, 5.0);
  g_assert_cmpfloat (info->usage_output_video_duration, ==, 10.0);
  g_assert_cmpint (info->usage_video_count, ==, 1);
  g_assert_cmpint (info->usage_sr, ==, 720);
  g_assert_cmpstr (info->usage_ratio, ==, "16:9");
  g_assert_null (info->usage_size);
}

/* wan2.6 bills in floats and names the size; some proxies stringify. */
static void
test_parse_task_usage_variants (void)
{
  const struct
  {
    const char *usage;
    double duration, input, output;
    gint count, sr;
    const char *size;
  } rows[] = {
    {"{\"duration\": 10.0, \"input_video_duration\": 2.5,"
          " \"output_video_duration\": 7.5, \"video_count\": 1, \"SR\": 1080,"
          " \"size\": \"1920*1080\"}", 10.0, 2.5, 7.5, 1, 1080, "1920*1080"},
    {"{\"duration\": \"12.5\", \"input_video_duration\": \"2.5\","
          " \"output_video_duration\": \"10\", \"video_count\": \"1\","
          " \"SR\": \"720\"}", 12.5, 2.5, 10.0, 1, 720, NULL},
    {"{\"duration\": \" 4 \", \"video_count\": 1.0, \"SR\": \"720P\"}",
        4.0, 0, 0, 1, 720, NULL},
    {"{}", 0, 0, 0, 0, 0, NULL},
    {"{\"duration\": [], \"input_video_duration\": {},"
          " \"output_video_duration\": true, \"video_count\": \"many\","
          " \"SR\": null, \"ratio\": 5, \"size\": false}", 0, 0, 0, 0, 0, NULL},
    {"{\"duration\": \"nan\", \"output_video_duration\": \"inf\","
          " \"video_count\": 1e300, \"SR\": -5}", 0, 0, 0, 0, 0, NULL},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autofree char *body = g_strdup_printf ("{\"output\": {\"task_id\": "
        "\"t\", \"task_status\": \"SUCCEEDED\"}, \"usage\": %s}",
        rows[i].usage);
    g_autoptr (WanR2vTaskInfo) info = NULL;
    g_autoptr (GError) error = NULL;

    g_test_message ("%s", rows[i].usage);
    info = wanr2v_json_parse_task (body, -1, &error);
    g_assert_no_error (error);
    g_assert_true (info->has_usage);
    g_assert_cmpfloat (info->usage_duration, ==, rows[i].duration);
    g_assert_cmpfloat (info->usage_input_video_duration, ==, rows[i].input);
    g_assert_cmpfloat (info->usage_output_video_duration, ==, rows[i].output);
    g_assert_cmpint (info->usage_video_count, ==, rows[i].count);
    g_assert_cmpint (info->usage_sr, ==, rows[i].sr);
    g_assert_cmpstr (info->usage_size, ==, rows[i].size);
  }
}

static void
test_parse_task_statuses (void)
{
  const struct
  {
    const char *output;
    WanR2vTaskStatus status;
    const char *code, *message;
  } rows[] = {
    {"\"task_status\": \"RUNNING\", \"submit_time\": \"t\","
          " \"scheduled_time\": \"s\"", WANR2V_TASK_STATUS_RUNNING},
    {"\"task_status\": \"FAILED\", \"code\": \"DataInspectionFailed\","
          " \"message\": \"Input data may contain inappropriate content.\"",
          WANR2V_TASK_STATUS_FAILED, "DataInspectionFailed",
        "Input data may contain inappropriate content."},
    {"\"task_status\": \"FAILED\"", WANR2V_TASK_STATUS_FAILED},
    {"\"task_status\": \"FAILED\", \"code\": \"\", \"message\": \"\"",
        WANR2V_TASK_STATUS_FAILED, "", ""},
    {"\"task_status\": \"FAILED\", \"code\": 500, \"message\": 3",
        WANR2V_TASK_STATUS_FAILED, "500", NULL},
    {"\"task_status\": \"CANCELED\"", WANR2V_TASK_STATUS_CANCELED},
    {"\"task_status\": \"UNKNOWN\"", WANR2V_TASK_STATUS_UNKNOWN},
    {"\"task_status\": \"SUSPENDED\"", WANR2V_TASK_STATUS_UNRECOGNISED},
    {"\"task_status\": \"pending\"", WANR2V_TASK_STATUS_PENDING},
    {"\"task_status\": 3", WANR2V_TASK_STATUS_UNRECOGNISED},
    {"\"task_status\": null", WANR2V_TASK_STATUS_UNRECOGNISED},
    {"\"submit_time\": 5, \"video_url\": {}, \"end_time\": []",
        WANR2V_TASK_STATUS_UNRECOGNISED},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autofree char *body = g_strdup_printf ("{\"request_id\": \"r\","
        " \"output\": {\"task_id\": \"t-1\", %s}}", rows[i].output);
    g_autoptr (WanR2vTaskInfo) info = NULL;
    g_autoptr (GError) error = NULL;

    g_test_message ("%s", body);
    info = wanr2v_json_parse_task (body, -1, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (info->task_id, ==, "t-1");
    g_assert_cmpint (info->status, ==, rows[i].status);
    g_assert_cmpstr (info->code, ==, rows[i].code);
    g_assert_cmpstr (info->message, ==, rows[i].message);
    g_assert_false (info->has_usage);
  }

  /* The status as received is kept, for messages. */
  {
    g_autoptr (WanR2vTaskInfo) info = wanr2v_json_parse_task ("{\"output\":"
        " {\"task_id\": \"x\", \"task_status\": \"SUSPENDED\"}}", -1, NULL);

    g_assert_cmpstr (info->status_string, ==, "SUSPENDED");
  }
  /* A code at the top level (some gateways) is found too. */
  {
    g_autoptr (WanR2vTaskInfo) info = wanr2v_json_parse_task ("{\"output\":"
        " {\"task_id\": \"x\", \"task_status\": \"FAILED\"},"
        " \"code\": \"InternalError\", \"message\": \"boom\"}", -1, NULL);

    g_assert_cmpstr (info->code, ==, "InternalError");
    g_assert_cmpstr (info->message, ==, "boom");
  }
}

static void
test_parse_task_bad (void)
{
  const struct
  {
    const char *body;
    gssize length;
    const char *expect;
  } rows[] = {
    {"<html><body><h1>502 Bad Gateway</h1></body></html>", -1,
        "not JSON"},
    {"<html>\n<body>", -1, "\"<html> <body>\""},
    {"{\"output\": {\"task_id\": \"abc\", \"task_st", -1, "not JSON"},
    {"{\"output\": {\"task_id\": \"abc\"}}", 10, "not JSON"},
    {"", -1, "not JSON"},
    {NULL, 0, "not JSON"},
    {"   ", -1, "not JSON"},
    {"null", -1, "not a JSON object"},
    {"[]", -1, "an array, not a JSON object"},
    {"42", -1, "not a JSON object"},
    {"{}", -1, "no output object"},
    {"{\"output\": null}", -1, "no output object"},
    {"{\"output\": \"PENDING\"}", -1, "no output object"},
    {"{\"output\": [{\"task_id\": \"x\"}]}", -1, "no output object"},
    {"{\"code\": \"InvalidApiKey\", \"message\": \"Invalid API-key.\"}", -1,
        "InvalidApiKey: Invalid API-key."},
    {"{\"output\": {}}", -1, "no output.task_id"},
    {"{\"output\": {\"task_id\": \"\"}}", -1, "no output.task_id"},
    {"{\"output\": {\"task_id\": 12345}}", -1, "no output.task_id"},
    {"{\"output\": {\"task_id\": null, \"task_status\": \"PENDING\"}}", -1,
        "no output.task_id"},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (WanR2vTaskInfo) info = NULL;
    g_autoptr (GError) error = NULL;

    info = wanr2v_json_parse_task (rows[i].body, rows[i].length, &error);
    g_assert_null (info);
    g_assert_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL);
    g_test_message ("%s", error->message);
    if (strstr (error->message, rows[i].expect) == NULL)
      g_error ("message \"%s\" lacks \"%s\"", error->message, rows[i].expect);
  }
}

static void
test_status_helpers (void)
{
  const struct
  {
    const char *s;
    WanR2vTaskStatus status;
  } rows[] = {
    {"PENDING", WANR2V_TASK_STATUS_PENDING},
    {"RUNNING", WANR2V_TASK_STATUS_RUNNING},
    {"SUCCEEDED", WANR2V_TASK_STATUS_SUCCEEDED},
    {"FAILED", WANR2V_TASK_STATUS_FAILED},
    {"CANCELED", WANR2V_TASK_STATUS_CANCELED},
    {"UNKNOWN", WANR2V_TASK_STATUS_UNKNOWN},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_assert_cmpint (wanr2v_task_status_from_string (rows[i].s), ==,
        rows[i].status);
    g_assert_cmpstr (wanr2v_task_status_to_string (rows[i].status), ==,
        rows[i].s);
  }
  g_assert_cmpint (wanr2v_task_status_from_string ("CANCELLED"), ==,
      WANR2V_TASK_STATUS_CANCELED);
  g_assert_cmpint (wanr2v_task_status_from_string ("SUSPENDED"), ==,
      WANR2V_TASK_STATUS_UNRECOGNISED);
  g_assert_cmpint (wanr2v_task_status_from_string (NULL), ==,
      WANR2V_TASK_STATUS_UNRECOGNISED);
  g_assert_cmpstr (wanr2v_task_status_to_string
      (WANR2V_TASK_STATUS_UNRECOGNISED), ==, "UNRECOGNISED");
}

/* ---- error replies ------------------------------------------------------ */

static void
test_parse_error_reply (void)
{
  const struct
  {
    const char *body;
    const char *code, *message, *request_id;
  } rows[] = {
    {"{\"request_id\": \"r1\", \"code\": \"InvalidApiKey\","
          " \"message\": \"Invalid API-key provided.\"}", "InvalidApiKey",
        "Invalid API-key provided.", "r1"},
    {"{\"code\": \"Throttling.RateQuota\", \"message\": \"Requests rate limit "
          "exceeded\"}", "Throttling.RateQuota", "Requests rate limit exceeded",
        NULL},
    {"{\"error\": {\"code\": \"BadRequest\", \"message\": \"m\"},"
          " \"request_id\": \"r\"}", "BadRequest", "m", "r"},
    {"{\"code\": 429, \"message\": null}", "429", NULL, NULL},
    {"{\"code\": [], \"message\": {}, \"request_id\": 5}", NULL, NULL, NULL},
    {"{\"output\": {\"code\": \"X\", \"message\": \"Y\"}}", "X", "Y", NULL},
    {"<html><body>502 Bad Gateway</body></html>", NULL, NULL, NULL},
    {"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>",
        NULL, NULL, NULL},
    {"{\"code\": \"Trunc", NULL, NULL, NULL},
    {"[\"code\"]", NULL, NULL, NULL},
    {"", NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    /* Sentinels: every output must be written, found or not. */
    char *code = (char *) "unset", *message = (char *) "unset";
    char *request_id = (char *) "unset";

    wanr2v_json_parse_error (rows[i].body, -1, &code, &message, &request_id);
    g_assert_cmpstr (code, ==, rows[i].code);
    g_assert_cmpstr (message, ==, rows[i].message);
    g_assert_cmpstr (request_id, ==, rows[i].request_id);
    g_free (code);
    g_free (message);
    g_free (request_id);
  }

  /* Callers may ask for only some of the fields. */
  {
    g_autofree char *message = NULL;

    wanr2v_json_parse_error ("{\"code\": \"A\", \"message\": \"B\"}", -1,
        NULL, &message, NULL);
    g_assert_cmpstr (message, ==, "B");
  }
}

/* ---- upload policy ------------------------------------------------------ */

static void
test_parse_upload_policy (void)
{
  const char *notes =
      "{\"request_id\": \"rq\","
      " \"data\": {\"policy\": \"eyJl\", \"signature\": \"eWy\","
      "  \"upload_dir\": \"dashscope-instant/xxx/2024-07-18/xxx\","
      "  \"upload_host\": \"https://dashscope-file-xxx.oss-cn-beijing."
      "aliyuncs.com\","
      "  \"expire_in_seconds\": 300, \"max_file_size_mb\": 100,"
      "  \"capacity_limit_mb\": 999999999, \"oss_access_key_id\": \"LTA\","
      "  \"x_oss_object_acl\": \"private\","
      "  \"x_oss_forbid_overwrite\": \"true\"}}";
  const char *stringly =
      "{\"data\": {\"policy\": \"p\", \"signature\": \"s\","
      "  \"upload_dir\": \"d\", \"upload_host\": \"http://127.0.0.1:8080/up\","
      "  \"expire_in_seconds\": \"300\", \"max_file_size_mb\": \"100.0\","
      "  \"capacity_limit_mb\": \"x\", \"oss_access_key_id\": \"k\","
      "  \"x_oss_forbid_overwrite\": false, \"x_oss_object_acl\": 3}}";
  g_autoptr (WanR2vUploadPolicy) a = NULL;
  g_autoptr (WanR2vUploadPolicy) b = NULL;
  g_autoptr (GError) error = NULL;

  a = wanr2v_json_parse_upload_policy (notes, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->request_id, ==, "rq");
  g_assert_cmpstr (a->policy, ==, "eyJl");
  g_assert_cmpstr (a->signature, ==, "eWy");
  g_assert_cmpstr (a->upload_dir, ==, "dashscope-instant/xxx/2024-07-18/xxx");
  g_assert_cmpstr (a->upload_host, ==,
      "https://dashscope-file-xxx.oss-cn-beijing.aliyuncs.com");
  g_assert_cmpstr (a->oss_access_key_id, ==, "LTA");
  g_assert_cmpstr (a->x_oss_object_acl, ==, "private");
  g_assert_cmpstr (a->x_oss_forbid_overwrite, ==, "true");
  g_assert_cmpint (a->expire_in_seconds, ==, 300);
  g_assert_cmpint (a->max_file_size_mb, ==, 100);
  g_assert_cmpint (a->capacity_limit_mb, ==, 999999999);

  b = wanr2v_json_parse_upload_policy (stringly, -1, &error);
  g_assert_no_error (error);
  g_assert_null (b->request_id);
  g_assert_cmpstr (b->x_oss_forbid_overwrite, ==, "false");
  g_assert_null (b->x_oss_object_acl);
  g_assert_cmpint (b->expire_in_seconds, ==, 300);
  g_assert_cmpint (b->max_file_size_mb, ==, 100);
  g_assert_cmpint (b->capacity_limit_mb, ==, 0);
}

/* Numbers from the network are clamped before anyone multiplies them
 * (seconds to microseconds, MB to bytes). */
static void
test_parse_upload_policy_clamped (void)
{
  const char *huge =
      "{\"data\": {\"policy\": \"p\", \"signature\": \"s\","
      "  \"upload_dir\": \"d\", \"upload_host\": \"http://127.0.0.1:8/u\","
      "  \"oss_access_key_id\": \"k\","
      "  \"expire_in_seconds\": 9223372036854775807,"
      "  \"max_file_size_mb\": \"9e18\","
      "  \"capacity_limit_mb\": 9223372036854775807}}";
  const char *negative =
      "{\"data\": {\"policy\": \"p\", \"signature\": \"s\","
      "  \"upload_dir\": \"d\", \"upload_host\": \"http://127.0.0.1:8/u\","
      "  \"oss_access_key_id\": \"k\","
      "  \"expire_in_seconds\": -9223372036854775807,"
      "  \"max_file_size_mb\": -1, \"capacity_limit_mb\": -5}}";
  g_autoptr (WanR2vUploadPolicy) a = NULL;
  g_autoptr (WanR2vUploadPolicy) b = NULL;
  g_autoptr (GError) error = NULL;

  a = wanr2v_json_parse_upload_policy (huge, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->expire_in_seconds, ==, 24 * 3600);
  g_assert_cmpint (a->max_file_size_mb, ==, 1024 * 1024);
  g_assert_cmpint (a->capacity_limit_mb, ==, G_GINT64_CONSTANT (1) << 40);
  /* ...so that these products fit. */
  g_assert_cmpint (a->expire_in_seconds * G_USEC_PER_SEC, >, 0);
  g_assert_cmpint (a->capacity_limit_mb * 1024 * 1024, >, 0);

  b = wanr2v_json_parse_upload_policy (negative, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->expire_in_seconds, ==, 0);
  g_assert_cmpint (b->max_file_size_mb, ==, 0);
  g_assert_cmpint (b->capacity_limit_mb, ==, 0);
}

static void
test_parse_upload_policy_bad (void)
{
  const struct
  {
    const char *body;
    const char *expect;
  } rows[] = {
    {"<html>403</html>", "not JSON"},
    {"{\"data\": {\"policy\": \"p\"", "not JSON"},
    {"{\"output\": {\"policy\": \"p\"}}", "no data object"},
    {"{\"data\": []}", "no data object"},
    {"[]", "no data object"},
    {"{\"data\": {\"signature\": \"s\", \"upload_dir\": \"d\","
          " \"upload_host\": \"https://h\", \"oss_access_key_id\": \"k\"}}",
        "no data.policy"},
    {"{\"data\": {\"policy\": \"p\", \"signature\": 5, \"upload_dir\": \"d\","
          " \"upload_host\": \"https://h\", \"oss_access_key_id\": \"k\"}}",
        "no data.signature"},
    {"{\"data\": {\"policy\": \"p\", \"signature\": \"s\", \"upload_dir\": \"\","
          " \"upload_host\": \"https://h\", \"oss_access_key_id\": \"k\"}}",
        "no data.upload_dir"},
    {"{\"data\": {\"policy\": \"p\", \"signature\": \"s\", \"upload_dir\": \"d\","
          " \"oss_access_key_id\": \"k\"}}", "no data.upload_host"},
    {"{\"data\": {\"policy\": \"p\", \"signature\": \"s\", \"upload_dir\": \"d\","
          " \"upload_host\": \"https://h\"}}", "no data.oss_access_key_id"},
    {"{\"data\": {\"policy\": \"p\", \"signature\": \"s\", \"upload_dir\": \"d\","
          " \"upload_host\": \"file:///etc\", \"oss_access_key_id\": \"k\"}}",
        "not an http(s) URL"},
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autoptr (WanR2vUploadPolicy) policy = NULL;
    g_autoptr (GError) error = NULL;

    policy = wanr2v_json_parse_upload_policy (rows[i].body, -1, &error);
    g_assert_null (policy);
    g_assert_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL);
    g_test_message ("%s", error->message);
    if (strstr (error->message, rows[i].expect) == NULL)
      g_error ("message \"%s\" lacks \"%s\"", error->message, rows[i].expect);
  }
}

/* ---- robustness: every parser on every prefix and on mangled bytes ------ */

static void
run_all_parsers (const char *data, gsize length)
{
  g_autoptr (WanR2vTaskInfo) info = NULL;
  g_autoptr (WanR2vUploadPolicy) policy = NULL;
  g_autoptr (WanR2vRequest) req = NULL;
  char *code = NULL, *message = NULL, *request_id = NULL;

  info = wanr2v_json_parse_task (data, length, NULL);
  policy = wanr2v_json_parse_upload_policy (data, length, NULL);
  req = wanr2v_json_parse_request (data, length, NULL);
  if (req != NULL) {
    g_autofree char *body = NULL;

    /* Whatever parsed must validate or build without crashing. */
    wanr2v_request_validate (req, NULL);
    body = wanr2v_json_build_create_body (req, NULL);
  }
  wanr2v_json_parse_error (data, length, &code, &message, &request_id);
  g_free (code);
  g_free (message);
  g_free (request_id);
}

static void
test_parsers_robust (void)
{
  const char *samples[] = {
    "{\"request_id\": \"52cade0d\", \"output\": {\"task_id\": \"1881\","
        " \"task_status\": \"SUCCEEDED\", \"video_url\": \"https://x/y.mp4\","
        " \"code\": \"c\"}, \"usage\": {\"duration\": 15, \"SR\": 720,"
        " \"video_count\": \"1\", \"ratio\": \"16:9\"}}",
    "{\"data\": {\"policy\": \"p\", \"signature\": \"s\", \"upload_dir\": \"d\","
        " \"upload_host\": \"https://h\", \"oss_access_key_id\": \"k\","
        " \"expire_in_seconds\": \"300\", \"x_oss_forbid_overwrite\": true}}",
    "{\"model\": \"wan2.7-r2v\", \"input\": {\"prompt\": \"p\", \"media\": ["
        "{\"type\": \"reference_image\", \"url\": \"a.png\","
        " \"reference_voice\": \"v\"}, {\"type\": \"first_frame\","
        " \"url\": \"data:image/png;base64,AA==\"}]}, \"parameters\": {"
        "\"duration\": 5, \"seed\": \"1\", \"watermark\": true}}",
    "{\"model\": \"wan2.6-r2v\", \"input\": {\"prompt\": \"p\","
        " \"reference_urls\": [\"a.mp4\", \"b.png\"]}, \"parameters\": {"
        "\"size\": \"1280*720\", \"audio\": \"false\"}}",
    "{\"code\": \"InvalidApiKey\", \"message\": \"m\", \"request_id\": \"r\"}",
  };
  const char junk[] = { '"', '{', '}', '[', ']', ',', ':', '\\', '0', 'x',
    '\0', '\xff', ' ', 'e', '-', 't'
  };
  gsize i, cut, pos;
  guint j;

  for (i = 0; i < G_N_ELEMENTS (samples); i++) {
    gsize len = strlen (samples[i]);
    g_autofree char *copy = g_strdup (samples[i]);

    /* Every truncation. */
    for (cut = 0; cut <= len; cut++)
      run_all_parsers (samples[i], cut);

    /* Every position replaced by each junk byte. */
    for (pos = 0; pos < len; pos++) {
      char saved = copy[pos];

      for (j = 0; j < G_N_ELEMENTS (junk); j++) {
        copy[pos] = junk[j];
        run_all_parsers (copy, len);
      }
      copy[pos] = saved;
    }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/build/wan27-full", test_build_wan27_full);
  g_test_add_func ("/json/build/wan27-minimal", test_build_wan27_minimal);
  g_test_add_func ("/json/build/wan26", test_build_wan26);
  g_test_add_func ("/json/build/wan26-full", test_build_wan26_full);
  g_test_add_func ("/json/build/errors", test_build_errors);
  g_test_add_func ("/json/request/round-trip", test_round_trip);
  g_test_add_func ("/json/request/seed-bodies", test_parse_seed_bodies);
  g_test_add_func ("/json/request/notes-examples", test_parse_notes_examples);
  g_test_add_func ("/json/request/liberal", test_parse_request_liberal);
  g_test_add_func ("/json/request/no-model", test_parse_request_no_model);
  g_test_add_func ("/json/request/errors", test_parse_request_errors);
  g_test_add_func ("/json/deep-nesting", test_parse_deep_nesting);
  g_test_add_func ("/json/task/create-reply", test_parse_task_create_reply);
  g_test_add_func ("/json/task/succeeded", test_parse_task_succeeded);
  g_test_add_func ("/json/task/usage-variants", test_parse_task_usage_variants);
  g_test_add_func ("/json/task/statuses", test_parse_task_statuses);
  g_test_add_func ("/json/task/bad", test_parse_task_bad);
  g_test_add_func ("/json/task/status-helpers", test_status_helpers);
  g_test_add_func ("/json/error-reply", test_parse_error_reply);
  g_test_add_func ("/json/upload-policy/good", test_parse_upload_policy);
  g_test_add_func ("/json/upload-policy/bad", test_parse_upload_policy_bad);
  g_test_add_func ("/json/upload-policy/clamped",
      test_parse_upload_policy_clamped);
  g_test_add_func ("/json/robust", test_parsers_robust);

  return g_test_run ();
}
