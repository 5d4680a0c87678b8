/* test-emu-media.c: how references are fetched and checked, and what a
 * task that cannot use them reports. */
#include "emu-test-util.h"

#include <string.h>

static EmuFixture *fixture;

static JsonObject *
output_of (EmuReply * reply)
{
  return json_object_get_object_member (emu_reply_object (reply), "output");
}

static char *
body_with_media (const char *media_json, const char *params)
{
  return g_strdup_printf ("{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":"
      "\"Image 1 stands still\",\"media\":[%s]},\"parameters\":%s}",
      media_json, params ? params : "{\"resolution\":\"720P\",\"duration\":2}");
}

/* Runs a task that must fail; checks the FAILED shape and returns it. */
static EmuReply *
expect_failure (const char *media_json, const char *code,
    const char *message_part)
{
  g_autofree char *body = body_with_media (media_json, NULL);
  g_autofree char *id = emu_create_task (fixture, body);
  EmuReply *reply = emu_wait_status (fixture, id, "FAILED");
  JsonObject *out = output_of (reply);
  const char *keys[] = { "task_id", "task_status", "submit_time",
    "scheduled_time", "end_time", "code", "message", NULL
  };
  g_autoptr (GList) members = json_object_get_members (out);
  guint i;

  for (i = 0; keys[i]; i++)
    g_assert_true (json_object_has_member (out, keys[i]));
  g_assert_cmpuint (g_list_length (members), ==, g_strv_length ((GStrv)
          keys));
  g_assert_cmpstr (json_object_get_string_member (out, "code"), ==, code);
  if (strstr (json_object_get_string_member (out, "message"),
          message_part) == NULL)
    g_error ("message '%s' lacks '%s'", json_object_get_string_member (out,
            "message"), message_part);
  g_assert_false (json_object_has_member (emu_reply_object (reply), "usage"));
  return reply;
}

static void
test_http_404 (void)
{
  g_autofree char *media = g_strdup_printf ("{\"type\":\"reference_image\","
      "\"url\":\"%smissing.png\"}", emu_test_file_server ());
  g_autoptr (EmuReply) r = expect_failure (media,
      "InvalidFile.DownloadFailed", "HTTP 404");
}

/* --strict-references: what the service does with a URL it cannot
 * download. */
static void
test_not_loopback_strict (void)
{
  g_autoptr (JsonObject) config = emu_fixture_set_config (fixture,
      "{\"strict_references\":true}");
  g_autoptr (EmuReply) r = NULL;

  g_assert_true (json_object_get_boolean_member (config,
          "strict_references"));
  r = expect_failure ("{\"type\":\"reference_image\","
      "\"url\":\"https://example.invalid/a.png\"}",
      "InvalidFile.DownloadFailed", "loopback");
  json_object_unref (emu_fixture_set_config (fixture,
          "{\"strict_references\":false}"));
}

/* Offline (the default), a reference on the internet is a labelled
 * placeholder: the task succeeds, its video is the size asked for, and
 * the emulator lists what it stood in for. */
static void
test_not_loopback_placeholder (void)
{
  const char *image = "https://example.invalid/files/girl%20one.png";
  const char *voice = "https://example.invalid/voice.mp3";
  const char *video = "https://example.invalid/role2.mp4?Expires=1";
  g_autofree char *media = g_strdup_printf ("{\"type\":\"reference_image\","
      "\"url\":\"%s\",\"reference_voice\":\"%s\"},"
      "{\"type\":\"reference_video\",\"url\":\"%s\"}", image, voice, video);
  g_autofree char *body = body_with_media (media, NULL);
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) reply = emu_wait_status (fixture, id, "SUCCEEDED");
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (fixture);
  JsonObject *task = NULL;
  JsonArray *placeholders;
  JsonObject *usage;
  guint i;

  for (i = 0; i < json_array_get_length (tasks); i++) {
    JsonObject *t = json_array_get_object_element (tasks, i);

    if (g_strcmp0 (json_object_get_string_member (t, "task_id"), id) == 0)
      task = t;
  }
  g_assert_nonnull (task);
  g_assert_cmpint (json_object_get_int_member (task, "video_width"), ==,
      1280);
  g_assert_cmpint (json_object_get_int_member (task, "video_height"), ==,
      720);
  placeholders = json_object_get_array_member (task, "placeholders");
  g_assert_cmpuint (json_array_get_length (placeholders), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (placeholders, 0), ==, image);
  g_assert_cmpstr (json_array_get_string_element (placeholders, 1), ==, voice);
  g_assert_cmpstr (json_array_get_string_element (placeholders, 2), ==, video);
  /* A placeholder video counts as 5 s: the cap of one reference video. */
  usage = json_object_get_object_member (emu_reply_object (reply), "usage");
  g_assert_cmpint (json_object_get_int_member (usage,
          "input_video_duration"), ==, 5);
}

static void
test_undecodable (void)
{
  /* "hello, this is not a picture" */
  g_autoptr (EmuReply) r = expect_failure ("{\"type\":\"reference_image\","
      "\"url\":\"data:image/png;base64,"
      "aGVsbG8sIHRoaXMgaXMgbm90IGEgcGljdHVyZQ==\"}",
      "InvalidParameter.DataInspection", "not supported");
}

static void
test_image_too_small (void)
{
  g_autofree char *tiny = emu_data_uri ("tiny.png", "image/png");
  g_autofree char *media = g_strdup_printf ("{\"type\":\"reference_image\","
      "\"url\":\"%s\"}", tiny);
  g_autoptr (EmuReply) r = expect_failure (media, "InvalidParameter",
      "240 to 8000");
}

static void
test_video_given_as_image (void)
{
  g_autofree char *media = g_strdup_printf ("{\"type\":\"reference_image\","
      "\"url\":\"%scharacter.mp4\"}", emu_test_file_server ());
  g_autoptr (EmuReply) r = expect_failure (media,
      "InvalidParameter.DataInspection", "MP4");
}

static void
test_voice_not_audio (void)
{
  g_autofree char *image = emu_data_uri ("red.png", "image/png");
  g_autofree char *media = g_strdup_printf ("{\"type\":\"reference_image\","
      "\"url\":\"%s\",\"reference_voice\":\"%sgreen.jpg\"}", image,
      emu_test_file_server ());
  g_autoptr (EmuReply) r = expect_failure (media,
      "InvalidParameter.DataInspection", "WAV or MP3");
}

/* Every kind of reference at once, from data: and http. */
static void
test_all_kinds (void)
{
  const char *base = emu_test_file_server ();
  g_autofree char *jpeg = emu_data_uri ("green.jpg", "image/jpeg");
  g_autofree char *bmp = emu_data_uri ("blue.bmp", "image/bmp");
  g_autofree char *webp = emu_data_uri ("yellow.webp", "image/webp");
  g_autofree char *media = g_strdup_printf (
      "{\"type\":\"reference_image\",\"url\":\"%1$s\",\"reference_voice\":"
      "\"%4$svoice-girl.wav\"},"
      "{\"type\":\"reference_video\",\"url\":\"%4$scharacter.mp4\","
      "\"referenceVoice\":\"%4$svoice-boy.mp3\"},"
      "{\"type\":\"reference_image\",\"url\":\"%2$s\"},"
      "{\"type\":\"reference_image\",\"url\":\"%3$s\"},"
      "{\"type\":\"reference_video\",\"url\":\"%4$scharacter-silent.mp4\"}",
      jpeg, bmp, webp, base);
  g_autofree char *body = body_with_media (media, NULL);
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) done = emu_wait_status (fixture, id, "SUCCEEDED");
  JsonObject *usage = json_object_get_object_member (emu_reply_object (done),
      "usage");

  /* Two 2 s videos, each capped at 5 s / 2 = 2.5 s: 4 s billed. */
  g_assert_cmpint (json_object_get_int_member (usage,
          "input_video_duration"), ==, 4);
}

/* With a first frame the output follows its aspect, not the ratio. */
static void
test_first_frame_size (void)
{
  g_autofree char *image = emu_data_uri ("red.png", "image/png");
  g_autofree char *frame = emu_data_uri ("first-frame.png", "image/png");
  g_autofree char *media = g_strdup_printf ("{\"type\":\"reference_image\","
      "\"url\":\"%s\"},{\"type\":\"first_frame\",\"url\":\"%s\"}", image,
      frame);
  g_autofree char *body = body_with_media (media,
      "{\"resolution\":\"720P\",\"ratio\":\"1:1\",\"duration\":2}");
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) done = emu_wait_status (fixture, id, "SUCCEEDED");
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (fixture);
  guint i;

  for (i = 0; i < json_array_get_length (tasks); i++) {
    JsonObject *t = json_array_get_object_element (tasks, i);

    if (g_strcmp0 (json_object_get_string_member (t, "task_id"), id) != 0)
      continue;
    /* first-frame.png is 640x360: 16:9 at the 720P pixel count. */
    g_assert_cmpint (json_object_get_int_member (t, "video_width"), ==, 1280);
    g_assert_cmpint (json_object_get_int_member (t, "video_height"), ==, 720);
    return;
  }
  g_assert_not_reached ();
}

/* wan2.6 sizes come from its own table (4:3 differs from 2.7). */
static void
test_wan26_size (void)
{
  g_autofree char *body = g_strdup_printf ("{\"model\":\"wan2.6-r2v\","
      "\"input\":{\"prompt\":\"character1 smiles\",\"reference_urls\":"
      "[\"%sred.png\"]},\"parameters\":{\"size\":\"1088*832\","
      "\"duration\":2}}", emu_test_file_server ());
  g_autofree char *id = emu_create_task (fixture, body);
  g_autoptr (EmuReply) done = emu_wait_status (fixture, id, "SUCCEEDED");
  g_autoptr (JsonArray) tasks = emu_fixture_get_tasks (fixture);
  JsonObject *t = json_array_get_object_element (tasks,
      json_array_get_length (tasks) - 1);

  g_assert_cmpstr (json_object_get_string_member (t, "task_id"), ==, id);
  g_assert_cmpint (json_object_get_int_member (t, "video_width"), ==, 1088);
  g_assert_cmpint (json_object_get_int_member (t, "video_height"), ==, 832);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  g_test_add_func ("/emulator/media/http-404", test_http_404);
  g_test_add_func ("/emulator/media/not-loopback-strict",
      test_not_loopback_strict);
  g_test_add_func ("/emulator/media/not-loopback-placeholder",
      test_not_loopback_placeholder);
  g_test_add_func ("/emulator/media/undecodable", test_undecodable);
  g_test_add_func ("/emulator/media/image-too-small", test_image_too_small);
  g_test_add_func ("/emulator/media/video-given-as-image",
      test_video_given_as_image);
  g_test_add_func ("/emulator/media/voice-not-audio", test_voice_not_audio);
  g_test_add_func ("/emulator/media/all-kinds", test_all_kinds);
  g_test_add_func ("/emulator/media/first-frame-size", test_first_frame_size);
  g_test_add_func ("/emulator/media/wan26-size", test_wan26_size);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  return ret;
}
