/* test-emu-errors.c: refusals: authentication, the async header, and the
 * service's validation error codes for both protocol families. */
#include "emu-test-util.h"

#include <string.h>

#define CREATE "/services/aigc/video-generation/video-synthesis"

static EmuFixture *fixture;
static char *image_uri;         /* a valid data: image */

static void
assert_error (EmuReply * reply, guint status, const char *code,
    const char *message_part)
{
  const char *message;

  if (reply->status != status)
    g_error ("expected HTTP %u, got %u: %.*s", status, reply->status,
        (int) g_bytes_get_size (reply->body),
        (const char *) g_bytes_get_data (reply->body, NULL));
  g_assert_cmpstr (emu_reply_string (reply, "code"), ==, code);
  message = emu_reply_string (reply, "message");
  if (message_part && strstr (message, message_part) == NULL)
    g_error ("message '%s' lacks '%s'", message, message_part);
  /* Every error has a request id, echoed in the header. */
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers,
          "x-request-id"), ==, emu_reply_string (reply, "request_id"));
  g_assert_cmpuint (strlen (emu_reply_string (reply, "request_id")), ==, 36);
}

static EmuReply *
create_with_headers (const char *const *headers, const char *body)
{
  g_autofree char *url = g_strconcat (emu_fixture_base_url (fixture), CREATE,
      NULL);

  return emu_http ("POST", url, headers, body, NULL);
}

static void
test_auth (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v", NULL);
  const char *none[] = { "X-DashScope-Async", "enable", NULL };
  const char *wrong[] = { "Authorization", "Bearer sk-wrong",
    "X-DashScope-Async", "enable", NULL
  };
  const char *empty[] = { "Authorization", "Bearer ",
    "X-DashScope-Async", "enable", NULL
  };
  g_autoptr (EmuReply) r1 = create_with_headers (none, body);
  g_autoptr (EmuReply) r2 = create_with_headers (wrong, body);
  g_autoptr (EmuReply) r3 = create_with_headers (empty, body);
  g_autofree char *url = g_strconcat (emu_fixture_base_url (fixture),
      "/tasks/whatever", NULL);
  g_autoptr (EmuReply) r4 = emu_http ("GET", url, NULL, NULL, NULL);

  assert_error (r1, 401, "InvalidApiKey", "No API-key provided.");
  assert_error (r2, 401, "InvalidApiKey", "Invalid API-key provided.");
  assert_error (r3, 401, "InvalidApiKey", "No API-key provided.");
  assert_error (r4, 401, "InvalidApiKey", "No API-key provided.");
}

static void
test_sync_refused (void)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v", NULL);
  const char *headers[] = { "Authorization", "Bearer test-key", NULL };
  g_autoptr (EmuReply) reply = create_with_headers (headers, body);

  assert_error (reply, 403, "AccessDenied",
      "current user api does not support synchronous calls");
}

static void
test_unknown_path (void)
{
  g_autoptr (EmuReply) reply = emu_api (fixture, "GET", "/nothing/here",
      NULL);

  assert_error (reply, 400, "InvalidParameter",
      "url error, please check url!");
}

/* A table of bodies the service refuses, with the code expected. */
typedef struct
{
  const char *name;
  const char *body;             /* @IMG@: a valid data: image URI */
  guint status;
  const char *code;
  const char *message_part;
} BadRequest;

static const BadRequest bad_requests[] = {
  {"not-json", "{\"model\":", 400, "InvalidParameter", "JSON"},
  {"empty-model", "{\"model\":\"\",\"input\":{\"prompt\":\"x\"}}", 400,
      "BadRequest.EmptyModel", NULL},
  {"no-model", "{\"input\":{\"prompt\":\"x\"}}", 400,
      "BadRequest.EmptyModel", NULL},
  {"unknown-model", "{\"model\":\"wan2.5-i2v\",\"input\":{\"prompt\":\"x\"}}",
      400, "InvalidParameter", "Model not exist."},
  {"bad-snapshot", "{\"model\":\"wan2.7-r2v-latest\",\"input\":{}}",
      400, "InvalidParameter", "Model not exist."},
  {"empty-input", "{\"model\":\"wan2.7-r2v\",\"input\":{}}", 400,
      "BadRequest.EmptyInput", NULL},
  {"no-input", "{\"model\":\"wan2.7-r2v\"}", 400, "BadRequest.EmptyInput",
      NULL},
  {"no-prompt", "{\"model\":\"wan2.7-r2v\",\"input\":{\"media\":[{\"type\":"
        "\"reference_image\",\"url\":\"@IMG@\"}]}}", 400, "InvalidParameter",
      "prompt"},
  {"no-media", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\"}}", 400,
      "InvalidParameter", "media"},
  {"only-first-frame", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"first_frame\",\"url\":\"@IMG@\"}]}}", 400,
      "InvalidParameter", "at least one"},
  {"six-references", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"},"
        "{\"type\":\"reference_image\",\"url\":\"@IMG@\"},"
        "{\"type\":\"reference_image\",\"url\":\"@IMG@\"},"
        "{\"type\":\"reference_image\",\"url\":\"@IMG@\"},"
        "{\"type\":\"reference_image\",\"url\":\"@IMG@\"},"
        "{\"type\":\"reference_video\",\"url\":\"http://127.0.0.1/v.mp4\"}]}}",
      400, "InvalidParameter", "5"},
  {"two-first-frames", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"},"
        "{\"type\":\"first_frame\",\"url\":\"@IMG@\"},"
        "{\"type\":\"first_frame\",\"url\":\"@IMG@\"}]}}", 400,
      "InvalidParameter", "first_frame"},
  {"bad-media-type", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_audio\",\"url\":\"@IMG@\"}]}}", 400,
      "InvalidParameter", "reference_audio"},
  {"reference-urls-on-27", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":"
        "\"x\",\"reference_urls\":[\"http://127.0.0.1/a.png\"]}}", 400,
      "InvalidParameter", "reference_urls"},
  {"media-on-26", "{\"model\":\"wan2.6-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"}]}}", 400,
      "InvalidParameter", "media"},
  {"voice-on-first-frame", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":"
        "\"x\",\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"},"
        "{\"type\":\"first_frame\",\"url\":\"@IMG@\",\"reference_voice\":"
        "\"http://127.0.0.1/v.mp3\"}]}}", 400, "InvalidParameter",
      "reference_voice"},
  {"camel-voice-on-first-frame", "{\"model\":\"wan2.7-r2v\",\"input\":"
        "{\"prompt\":\"x\",\"media\":[{\"type\":\"reference_image\",\"url\":"
        "\"@IMG@\"},{\"type\":\"first_frame\",\"url\":\"@IMG@\","
        "\"referenceVoice\":\"http://127.0.0.1/v.mp3\"}]}}", 400,
      "InvalidParameter", "reference_voice"},
  {"data-voice", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\","
        "\"reference_voice\":\"data:audio/wav;base64,UklGRg==\"}]}}", 400,
      "InvalidParameter", "base64"},
  {"data-video", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_video\",\"url\":"
        "\"data:video/mp4;base64,AAAA\"}]}}", 400, "InvalidParameter",
      "base64"},
  {"data-gif", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":"
        "\"data:image/gif;base64,R0lGOD\"}]}}", 400,
      "InvalidParameter.DataInspection", "image/gif"},
  {"ftp-url", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":"
        "\"ftp://127.0.0.1/a.png\"}]}}", 400, "InvalidParameter",
      "url error"},
  {"oss-without-header", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":"
        "\"x\",\"media\":[{\"type\":\"reference_image\",\"url\":"
        "\"oss://dashscope-instant/a/b.png\"}]}}", 400,
      "InvalidParameter.DataInspection", NULL},
  {"resolution", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"}]},"
        "\"parameters\":{\"resolution\":\"480P\"}}", 400, "InvalidParameter",
      "resolution"},
  {"ratio", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"}]},"
        "\"parameters\":{\"ratio\":\"21:9\"}}", 400, "InvalidParameter",
      "ratio"},
  {"duration-16", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"}]},"
        "\"parameters\":{\"duration\":16}}", 400, "InvalidParameter",
      "duration"},
  {"duration-1", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"}]},"
        "\"parameters\":{\"duration\":1}}", 400, "InvalidParameter",
      "duration"},
  {"duration-11-with-video", "{\"model\":\"wan2.7-r2v\",\"input\":"
        "{\"prompt\":\"x\",\"media\":[{\"type\":\"reference_video\","
        "\"url\":\"http://127.0.0.1/v.mp4\"}]},\"parameters\":"
        "{\"duration\":11}}", 400, "InvalidParameter", "between 2 and 10"},
  {"duration-fraction", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":"
        "\"x\",\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"}]},"
        "\"parameters\":{\"duration\":5.5}}", 400, "InvalidParameter",
      "duration"},
  {"seed", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"}]},"
        "\"parameters\":{\"seed\":2147483648}}", 400, "InvalidParameter",
      "seed"},
  {"negative-seed", "{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":\"x\","
        "\"media\":[{\"type\":\"reference_image\",\"url\":\"@IMG@\"}]},"
        "\"parameters\":{\"seed\":-1}}", 400, "InvalidParameter", "seed"},
  {"26-no-urls", "{\"model\":\"wan2.6-r2v\",\"input\":{\"prompt\":\"x\","
        "\"reference_urls\":[]}}", 400, "InvalidParameter", "1 to 5"},
  {"26-four-videos", "{\"model\":\"wan2.6-r2v\",\"input\":{\"prompt\":\"x\","
        "\"reference_urls\":[\"http://127.0.0.1/1.mp4\","
        "\"http://127.0.0.1/2.mp4\",\"http://127.0.0.1/3.mov\","
        "\"http://127.0.0.1/4.mp4\"]}}", 400, "InvalidParameter", "3 videos"},
  {"26-data-uri", "{\"model\":\"wan2.6-r2v\",\"input\":{\"prompt\":\"x\","
        "\"reference_urls\":[\"@IMG@\"]}}", 400, "InvalidParameter", "base64"},
  {"26-size", "{\"model\":\"wan2.6-r2v-flash\",\"input\":{\"prompt\":\"x\","
        "\"reference_urls\":[\"http://127.0.0.1/a.png\"]},\"parameters\":"
        "{\"size\":\"1104*832\"}}", 400, "InvalidParameter", "size"},
  {"26-duration", "{\"model\":\"wan2.6-r2v\",\"input\":{\"prompt\":\"x\","
        "\"reference_urls\":[\"http://127.0.0.1/a.png\"]},\"parameters\":"
        "{\"duration\":15}}", 400, "InvalidParameter", "between 2 and 10"},
  {"26-shot-type", "{\"model\":\"wan2.6-r2v\",\"input\":{\"prompt\":\"x\","
        "\"reference_urls\":[\"http://127.0.0.1/a.png\"]},\"parameters\":"
        "{\"shot_type\":\"triple\"}}", 400, "InvalidParameter", "shot_type"},
};

static void
test_bad_request (gconstpointer data)
{
  const BadRequest *bad = data;
  g_autoptr (GString) body = g_string_new (bad->body);
  g_autoptr (EmuReply) reply = NULL;

  g_string_replace (body, "@IMG@", image_uri, 0);
  reply = emu_api (fixture, "POST", CREATE, body->str);
  assert_error (reply, bad->status, bad->code, bad->message_part);
}

/* Nothing refused above may have created a task. */
static void
test_no_tasks_created (void)
{
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (fixture);

  g_assert_cmpuint (json_array_get_length (tasks), ==, 0);
}

static char *
repeat (const char *unit, guint n)
{
  GString *s = g_string_new (NULL);

  while (n--)
    g_string_append (s, unit);
  return g_string_free (s, FALSE);
}

/* Prompt limits count characters, not bytes; the service cuts silently. */
static void
test_long_prompt_cut (void)
{
  g_autofree char *prompt = repeat ("\xe5\x9b\xbe", 5001);      /* 图 */
  g_autofree char *body = g_strdup_printf ("{\"model\":\"wan2.7-r2v\","
      "\"input\":{\"prompt\":\"%s\",\"media\":[{\"type\":\"reference_image\","
      "\"url\":\"%s\"}]},\"parameters\":{\"resolution\":\"720P\","
      "\"duration\":2,\"prompt_extend\":false}}", prompt, image_uri);
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) done = emu_wait_status (fixture, id, "SUCCEEDED");
  JsonObject *out =
      json_object_get_object_member (emu_reply_object (done), "output");

  g_assert_cmpint (g_utf8_strlen (json_object_get_string_member (out,
              "orig_prompt"), -1), ==, 5000);
  emu_fixture_reset (fixture);
}

static void
test_long_prompt_rejected (void)
{
  const char *args[] = { "--reject-long-prompts", NULL };
  g_autoptr (EmuFixture) strict = emu_fixture_start (args);
  g_autofree char *ok_prompt = repeat ("\xe5\x9b\xbe", 5000);
  g_autofree char *long_prompt = repeat ("a", 5001);
  g_autofree char *long_negative = repeat ("b", 501);
  g_autofree char *long_26 = repeat ("c", 1501);
  g_autofree char *b1 = g_strdup_printf ("{\"model\":\"wan2.7-r2v\","
      "\"input\":{\"prompt\":\"%s\",\"media\":[{\"type\":\"reference_image\","
      "\"url\":\"%s\"}]},\"parameters\":{\"resolution\":\"720P\","
      "\"duration\":2}}", long_prompt, image_uri);
  g_autofree char *b2 = g_strdup_printf ("{\"model\":\"wan2.7-r2v\","
      "\"input\":{\"prompt\":\"x\",\"negative_prompt\":\"%s\",\"media\":"
      "[{\"type\":\"reference_image\",\"url\":\"%s\"}]}}", long_negative,
      image_uri);
  g_autofree char *b3 = g_strdup_printf ("{\"model\":\"wan2.6-r2v\","
      "\"input\":{\"prompt\":\"%s\",\"reference_urls\":"
      "[\"http://127.0.0.1/a.png\"]}}", long_26);
  g_autofree char *b4 = g_strdup_printf ("{\"model\":\"wan2.7-r2v\","
      "\"input\":{\"prompt\":\"%s\",\"media\":[{\"type\":\"reference_image\","
      "\"url\":\"%s\"}]},\"parameters\":{\"resolution\":\"720P\","
      "\"duration\":2}}", ok_prompt, image_uri);
  EmuFixture *saved = fixture;
  g_autoptr (EmuReply) r1 = NULL;
  g_autoptr (EmuReply) r2 = NULL;
  g_autoptr (EmuReply) r3 = NULL;
  g_autoptr (EmuReply) r4 = NULL;

  r1 = emu_api (strict, "POST", CREATE, b1);
  r2 = emu_api (strict, "POST", CREATE, b2);
  r3 = emu_api (strict, "POST", CREATE, b3);
  r4 = emu_api (strict, "POST", CREATE, b4);
  fixture = strict;
  assert_error (r1, 400, "InvalidParameter", "5000");
  assert_error (r2, 400, "InvalidParameter", "500");
  assert_error (r3, 400, "InvalidParameter", "1500");
  fixture = saved;
  /* 5000 CJK characters are within the limit. */
  g_assert_cmpuint (r4->status, ==, 200);
}

/* Liberal like a server: unknown fields ignored, numbers as strings. */
static void
test_liberal (void)
{
  g_autofree char *body = g_strdup_printf ("{\"model\":\"wan2.7-r2v\","
      "\"input\":{\"prompt\":\"x\",\"extend_prompt\":true,\"function\":"
      "\"video-synthesis\",\"media\":[{\"type\":\"reference_image\","
      "\"url\":\"%s\",\"referenceVoice\":\"http://127.0.0.1:9/v.mp3\"}]},"
      "\"parameters\":{\"resolution\":\"720P\",\"duration\":\"2\","
      "\"something_new\":[1,2]}}", image_uri);
  g_autoptr (EmuReply) reply = emu_api (fixture, "POST", CREATE, body);

  g_assert_cmpuint (reply->status, ==, 200);
  emu_fixture_reset (fixture);
}

int
main (int argc, char **argv)
{
  int ret;
  guint i;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  image_uri = emu_data_uri ("red.png", "image/png");

  g_test_add_func ("/emulator/errors/auth", test_auth);
  g_test_add_func ("/emulator/errors/sync-refused", test_sync_refused);
  g_test_add_func ("/emulator/errors/unknown-path", test_unknown_path);
  for (i = 0; i < G_N_ELEMENTS (bad_requests); i++) {
    g_autofree char *path = g_strdup_printf ("/emulator/errors/validate/%s",
        bad_requests[i].name);

    g_test_add_data_func (path, &bad_requests[i], test_bad_request);
  }
  g_test_add_func ("/emulator/errors/validate/no-tasks-created",
      test_no_tasks_created);
  g_test_add_func ("/emulator/errors/long-prompt-cut", test_long_prompt_cut);
  g_test_add_func ("/emulator/errors/long-prompt-rejected",
      test_long_prompt_rejected);
  g_test_add_func ("/emulator/errors/liberal", test_liberal);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  g_free (image_uri);
  return ret;
}
