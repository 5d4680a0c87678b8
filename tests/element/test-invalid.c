/* test-invalid.c: requests the element must refuse before sending anything.
 *
 * Each entry of the table is set through properties (gst-launch syntax),
 * a request file or both.  For each the element must post a
 * RESOURCE/SETTINGS error (NOT_AUTHORIZED without a key) whose text names
 * the property or entry and the limit, the pipeline must never preroll, and
 * the emulator must receive nothing at all: no getPolicy, no upload, no
 * task.  One emulator serves the whole table (started in the parent
 * process); each entry runs in its own forked child and resets its log.
 *
 * Runs from the source root (meson's workdir): paths are tests/data/...
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emulator-fixture.h"
#include "pipeline-run.h"

#define RED "tests/data/red.png"
#define GREEN "tests/data/green.jpg"
#define BLUE "tests/data/blue.bmp"
#define YELLOW "tests/data/yellow.webp"
#define MAGENTA "tests/data/magenta.png"
#define CLIP "tests/data/character.mp4"
#define VOICE "tests/data/voice-girl.wav"

/* An array entry quoted inside a quoted property value, as gst-launch
 * needs for entries with ',', ';', '=' or spaces (data: URIs...). */
#define Q(entry) "\\\"" entry "\\\""

/* A valid request to spoil. */
#define PROMPT "prompt=\"Image 1 waves\" "
#define ONE_IMAGE PROMPT "images=\"<" RED ">\" "

/* A request file with one local image and @params. */
#define BODY(model, params) "{\"model\": \"" model "\", \"input\": " \
    "{\"prompt\": \"Image 1 waves\", \"media\": [{\"type\": " \
    "\"reference_image\", \"url\": \"" RED "\"}]}, \"parameters\": {" \
    params "}}"
#define BODY_MEDIA(media) "{\"model\": \"wan2.7-r2v\", \"input\": " \
    "{\"prompt\": \"Image 1 waves\", \"media\": [" media "]}}"

typedef void (*SetupFunc) (GstElement * src);

typedef struct
{
  const char *props;            /* gst-launch syntax, after the defaults */
  const char *request;          /* a request file's content, or NULL */
  SetupFunc setup;              /* what gst-launch syntax cannot say */
  GstResourceError code;
  const char *what;             /* the message names this... */
  const char *limit;            /* ...and this */
} Invalid;

#define BAD(props, what, limit) \
  { props, NULL, NULL, GST_RESOURCE_ERROR_SETTINGS, what, limit }
#define BAD_FILE(request, props, what, limit) \
  { props, request, NULL, GST_RESOURCE_ERROR_SETTINGS, what, limit }
#define BAD_SETUP(props, setup, what, limit) \
  { props, NULL, setup, GST_RESOURCE_ERROR_SETTINGS, what, limit }

/* "文" is one character and three bytes: limits count characters. */
static char *
cjk_text (guint chars)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < chars; i++)
    g_string_append (s, "\xe6\x96\x87");
  return g_string_free (s, FALSE);
}

static void
prompt_5001 (GstElement * src)
{
  g_autofree char *text = cjk_text (5001);

  g_object_set (src, "prompt", text, NULL);
}

static void
prompt_1501 (GstElement * src)
{
  g_autofree char *text = cjk_text (1501);

  g_object_set (src, "prompt", text, NULL);
}

static void
negative_prompt_501 (GstElement * src)
{
  g_autofree char *text = cjk_text (501);

  g_object_set (src, "negative-prompt", text, NULL);
}

static void
no_images (GstElement * src)
{
  GValue empty = G_VALUE_INIT;

  gst_value_array_init (&empty, 0);
  g_object_set_property (G_OBJECT (src), "images", &empty);
  g_value_unset (&empty);
}

/* A FIFO in a directory of its own, removed with the element.  Reading it
 * would block for ever: it must be refused without being read. */
static void
remove_tree (gpointer dir, GObject * gone)
{
  emu_fixture_remove_tree (dir);
  g_free (dir);
}

static char *
make_fifo (GstElement * src)
{
  char *dir = g_dir_make_tmp ("wanr2v-fifo-XXXXXX", NULL);
  char *fifo = g_build_filename (dir, "pipe.png", NULL);

  fail_unless (mkfifo (fifo, 0600) == 0);
  g_object_weak_ref (G_OBJECT (src), remove_tree, dir);
  return fifo;
}

static void
fifo_image (GstElement * src)
{
  g_autofree char *fifo = make_fifo (src);
  GValue images = G_VALUE_INIT, item = G_VALUE_INIT;

  gst_value_array_init (&images, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, fifo);
  gst_value_array_append_and_take_value (&images, &item);
  g_object_set_property (G_OBJECT (src), "images", &images);
  g_value_unset (&images);
}

static void
fifo_request (GstElement * src)
{
  g_autofree char *fifo = make_fifo (src);

  g_object_set (src, "request", fifo, NULL);
}

/* A sparse file past the request file's size limit. */
static void
huge_request (GstElement * src)
{
  char *dir = g_dir_make_tmp ("wanr2v-huge-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "request.json", NULL);
  FILE *f = g_fopen (path, "w");

  fail_unless (f != NULL);
  fail_unless (ftruncate (fileno (f), 33 * 1024 * 1024) == 0);
  fclose (f);
  g_object_weak_ref (G_OBJECT (src), remove_tree, dir);
  g_object_set (src, "request", path, NULL);
}

static const Invalid table[] = {
  /* prompts, counted in characters */
  BAD ("prompt=\"\" images=\"<" RED ">\"", "prompt is empty",
      "needs a prompt"),
  BAD ("prompt=\"   \" images=\"<" RED ">\"", "prompt is empty",
      "needs a prompt"),
  BAD_SETUP (ONE_IMAGE, prompt_5001, "prompt is 5001 characters long",
      "wan2.7-r2v accepts at most 5000"),
  BAD_SETUP (ONE_IMAGE "model=wan2.6-r2v", prompt_1501,
      "prompt is 1501 characters long", "wan2.6-r2v accepts at most 1500"),
  BAD_SETUP (ONE_IMAGE, negative_prompt_501,
      "negative-prompt is 501 characters long", "at most 500"),

  /* references: how many, and voices */
  BAD (PROMPT, "images and videos are both empty", "at least one reference"),
  BAD_SETUP (PROMPT, no_images, "images and videos are both empty",
      "at least one reference"),
  BAD (PROMPT "images=\"<" RED ", " GREEN ", " BLUE ", " YELLOW ", " MAGENTA
      ">\" videos=\"<" CLIP ">\"", "hold 6 references (5 images, 1 video)",
      "accepts at most 5"),
  BAD (PROMPT "images=\"<" RED ", " GREEN ", " BLUE ", " YELLOW ", " MAGENTA
      ", " RED ">\"", "hold 6 references (6 images, 0 videos)",
      "accepts at most 5"),
  BAD (ONE_IMAGE "image-voices=\"<" VOICE ", " VOICE ">\"",
      "image-voices has 2 entries but images only 1",
      "a voice belongs to the reference at the same position"),
  BAD (ONE_IMAGE "video-voices=\"<" VOICE ">\"",
      "video-voices has 1 entry but videos only 0",
      "a voice belongs to the reference at the same position"),
  BAD (PROMPT "first-frame=" RED, "images and videos are both empty",
      "at least one reference"),

  /* durations */
  BAD (ONE_IMAGE "videos=\"<" CLIP ">\" duration=11", "duration 11",
      "2..10 seconds when a reference video is given"),
  BAD (ONE_IMAGE "model=wan2.6-r2v duration=11", "duration 11",
      "wan2.6-r2v accepts 2..10 seconds"),

  /* models */
  BAD (ONE_IMAGE "model=wan2.5-i2v-preview", "model \"wan2.5-i2v-preview\"",
      "known models are wan2.7-r2v"),
  BAD (ONE_IMAGE "model=\"\"", "model is not set",
      "known models are wan2.7-r2v"),

  /* URL forms */
  BAD (PROMPT "images=\"<http://>\"", "images[0] (Image 1): \"http://\"",
      "is not a file path, file:// URI, http(s):// URL, oss:// URL or data:"),
  BAD (PROMPT "images=\"<" RED ", " GREEN ", ftp://example.com/c.png>\"",
      "images[2] (Image 3): \"ftp://example.com/c.png\"",
      "is not a file path, file:// URI, http(s):// URL, oss:// URL or data:"),
  BAD (PROMPT "images=\"<" Q ("https://example.com/a b.png") ">\"",
      "images[0] (Image 1)", "is not a file path"),
  BAD (PROMPT "images=\"<file://otherhost/tmp/a.png>\"",
      "images[0] (Image 1): \"file://otherhost/tmp/a.png\"",
      "is not a file path"),
  BAD (PROMPT "images=\"<oss://>\"", "images[0] (Image 1): \"oss://\"",
      "is not a file path"),
  BAD (ONE_IMAGE "videos=\"<" Q ("data:video/mp4;base64,AAAAIGZ0eXA=") ">\"",
      "videos[0] (Video 1)", "data: URIs are accepted only for images"),
  BAD (PROMPT "images=\"<" Q ("data:image/gif;base64,R0lGODlh") ">\"",
      "images[0] (Image 1): data: URI has MIME type \"image/gif\"",
      "accepted are image/jpeg, image/png, image/bmp and image/webp"),
  BAD (PROMPT "images=\"<" Q ("data:image/png,abc") ">\"",
      "images[0] (Image 1)",
      "must be base64-encoded as data:<mime type>;base64,<data>"),
  BAD (PROMPT "images=\"<" Q ("data:image/png;base64,@@@@") ">\"",
      "images[0] (Image 1)", "holds no valid base64 data"),
  BAD (PROMPT "model=wan2.6-r2v images=\"<"
      Q ("data:image/png;base64,iVBORw0K") ">\"",
      "images[0] (character1)", "wan2.6-r2v accepts no data: URIs"),
  BAD (ONE_IMAGE "image-voices=\"<" Q ("data:audio/wav;base64,UklGRg==")
      ">\"",
      "image-voices[0] (voice of Image 1)",
      "data: URIs are accepted only for images"),
  BAD (ONE_IMAGE "videos=\"<" CLIP ">\" video-voices=\"<ftp://h/v.mp3>\"",
      "video-voices[0] (voice of Video 1): \"ftp://h/v.mp3\"",
      "is not a file path, file:// URI, http(s):// URL or oss:// URL"),
  BAD (ONE_IMAGE "first-frame=ftp://h/f.png", "first-frame: \"ftp://h/f.png\"",
      "is not a file path"),

  /* settings of the other model family */
  BAD (ONE_IMAGE "shot-type=multi", "shot-type is not supported by wan2.7-r2v",
      "only by wan2.6-r2v and wan2.6-r2v-flash"),
  BAD (ONE_IMAGE "audio=false", "audio is not supported by wan2.7-r2v",
      "wan2.7 always makes audio"),
  BAD (ONE_IMAGE "model=wan2.6-r2v audio=true",
      "audio is not supported by wan2.6-r2v", "only by wan2.6-r2v-flash"),
  BAD (ONE_IMAGE "model=wan2.6-r2v-flash first-frame=" GREEN,
      "first-frame is not supported by wan2.6-r2v-flash",
      "only by wan2.7-r2v"),
  BAD (ONE_IMAGE "model=wan2.6-r2v image-voices=\"<" VOICE ">\"",
      "image-voices[0] (voice of character1)",
      "reference voices are not supported by wan2.6-r2v"),
  BAD (PROMPT "model=wan2.6-r2v videos=\"<" CLIP ", " CLIP ", " CLIP ", "
      CLIP ">\"", "videos holds 4 reference videos",
      "wan2.6-r2v accepts at most 3"),

  /* the service's address and key */
  BAD (ONE_IMAGE "base-url=http://192.0.2.1/api/v1", "http://192.0.2.1/api/v1",
      "allow-insecure"),
  BAD (ONE_IMAGE "base-url=\"not a url\"", "base-url", "not a url"),
  {ONE_IMAGE "api-key=\"\"", NULL, NULL, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
      "No API key", "DASHSCOPE_API_KEY"},

  /* local files: read before anything is uploaded */
  BAD (PROMPT "images=\"<" RED ", " GREEN ", tests/data/missing.png>\"",
      "images[2] (Image 3): tests/data/missing.png",
      "does not exist"),
  BAD (PROMPT "images=\"<file:///nonexistent/a.png>\"",
      "images[0] (Image 1): /nonexistent/a.png", "does not exist"),
  BAD (PROMPT "images=\"<tests/data>\"", "images[0] (Image 1)", "directory"),
  /* Only regular files: refused at once, not read (a FIFO would block,
   * a device never end). */
  BAD (PROMPT "images=\"</dev/zero>\"",
      "images[0] (Image 1): /dev/zero is a character device",
      "only regular files are read"),
  BAD (ONE_IMAGE "image-voices=\"<file:///dev/urandom>\"",
      "image-voices[0] (voice of Image 1): /dev/urandom is a character device",
      "only regular files are read"),
  BAD (ONE_IMAGE "first-frame=/dev/zero", "first-frame: /dev/zero",
      "not a regular file"),
  BAD_SETUP (PROMPT, fifo_image, "is a FIFO (named pipe)",
      "only regular files are read"),
  BAD ("request=/dev/zero", "request: /dev/zero is a character device",
      "only regular files are read"),
  BAD ("request=tests/data", "request: tests/data is a directory",
      "only regular files are read"),
  BAD_SETUP ("", fifo_request, "request", "is a FIFO (named pipe)"),
  BAD_SETUP ("", huge_request, "is 34603008 bytes",
      "the request property takes files of at most 32 MiB"),
  BAD (PROMPT "images=\"<" RED ", tests/data/README.md>\"",
      "images[1] (Image 2): tests/data/README.md",
      "is not a JPEG, PNG, BMP or WEBP image"),
  BAD (PROMPT "images=\"<" CLIP ">\"", "images[0] (Image 1)",
      "is not a JPEG, PNG, BMP or WEBP image"),
  BAD (ONE_IMAGE "videos=\"<" RED ">\"", "videos[0] (Video 1)",
      "is not an MP4 or MOV video"),
  BAD (ONE_IMAGE "image-voices=\"<" RED ">\"",
      "image-voices[0] (voice of Image 1)", "is not a WAV or MP3 audio file"),
  BAD (PROMPT "images=\"<" RED ", " GREEN ">\" "
      "image-voices=\"<" Q ("") ", tests/data/missing.wav>\"",
      "image-voices[1] (voice of Image 2)", "does not exist"),
  BAD (ONE_IMAGE "first-frame=" CLIP, "first-frame",
      "is not a JPEG, PNG, BMP or WEBP image"),
  /* A bad file after good ones that would be uploaded: nothing goes. */
  BAD (ONE_IMAGE "image-voices=\"<" VOICE ">\" videos=\"<" CLIP ", "
      "tests/data/README.md>\"", "videos[1] (Video 2)",
      "is not an MP4 or MOV video"),

  /* local media against the service's limits (checked before upload) */
  BAD ("prompt=\"Image 1\" images=\"<tests/data/tiny.png>\"",
      "images[0] (Image 1)", "each side must be 240..8000"),
  BAD ("prompt=\"Image 1\" images=\"<tests/data/red.png, "
      "tests/data/alpha.png>\"", "images[1] (Image 2)",
      "refuses PNG images with alpha"),

  /* request files */
  BAD_FILE (BODY ("wan2.7-r2v", "\"seed\": 2147483648"), "",
      "seed: 2147483648", "0..2147483647"),
  BAD_FILE (BODY ("wan2.7-r2v", "\"seed\": -5"), "", "parameters.seed: -5",
      "0..2147483647"),
  BAD_FILE (BODY ("wan2.7-r2v", "\"duration\": 16"), "", "duration 16",
      "2..15 seconds"),
  BAD_FILE (BODY ("wan2.7-r2v", "\"size\": \"1280*720\""), "",
      "size is not supported by wan2.7-r2v", "use resolution and ratio"),
  BAD_FILE (BODY ("wan2.6-r2v", "\"size\": \"1280*721\""), "",
      "size \"1280*721\"", "1280*720, 720*1280"),
  BAD_FILE (BODY ("wan2.7-r2v", "\"resolution\": \"4K\""), "",
      "resolution \"4K\"", "720P, 1080P"),
  BAD_FILE (BODY ("wan2.7-r2v", "\"ratio\": \"21:9\""), "",
      "ratio \"21:9\"", "16:9, 9:16, 1:1, 4:3, 3:4"),
  BAD_FILE (BODY ("wan2.6-r2v", "\"shot_type\": \"panorama\""), "",
      "shot-type \"panorama\"", "single, multi"),
  BAD_FILE (BODY ("wan2.7-r2v", "\"prompt_extend\": \"maybe\""), "",
      "parameters.prompt_extend", "expected true or false"),
  BAD_FILE (BODY_MEDIA ("{\"type\": \"reference_image\", \"url\": \"" RED
          "\"}, {\"type\": \"first_frame\", \"url\": \"" GREEN "\", "
          "\"reference_voice\": \"" VOICE "\"}"), "",
      "first-frame cannot have a reference voice",
      "voices belong to images and videos"),
  BAD_FILE (BODY_MEDIA ("{\"type\": \"reference_image\", \"url\": \"" RED
          "\"}, {\"type\": \"first_frame\", \"url\": \"" GREEN "\"}, "
          "{\"type\": \"first_frame\", \"url\": \"" BLUE "\"}"), "",
      "first-frame: 2 first frames given", "accepts at most one"),
  BAD_FILE (BODY_MEDIA ("{\"type\": \"reference_audio\", \"url\": \"" VOICE
          "\"}"), "", "input.media[0].type",
      "reference_image, reference_video or first_frame"),
  BAD_FILE (BODY_MEDIA ("{\"type\": \"reference_image\", \"url\": "
          "\"tests/data/missing.png\"}"), "", "images[0] (Image 1)",
      "does not exist"),
  BAD_FILE ("{\"model\": \"wan2.7-r2v\", \"input\": {\"prompt\": \"x\", "
      "\"media\": [], \"reference_urls\": []}}", "", "input: has both media",
      "give one of them"),
  BAD_FILE ("{\"model\": \"wan2.7-r2v\", \"input\": ", "", "request",
      "not valid JSON"),
  /* A property that overrides the file does not hide the file's faults. */
  BAD_FILE (BODY ("wan2.7-r2v", "\"duration\": 16"), "watermark=true",
      "duration 16", "2..15 seconds"),
  /* ...and the file does not hide the properties'. */
  BAD_FILE (BODY ("wan2.7-r2v", "\"duration\": 5"), "model=wan2.6-r2v "
      "audio=true", "audio is not supported by wan2.6-r2v",
      "only by wan2.6-r2v-flash"),
  BAD ("request=tests/data/missing.json", "request",
      "No such file or directory"),
  /* Not a task id: it would make the query URL another path. */
  BAD ("task-id=../uploads", "task-id is not a DashScope task id",
      "up to 128 letters, digits"),
  BAD ("task-id=\"0385dc79 5ff8\"", "task-id is not a DashScope task id",
      "'-' and '_'"),
};

static EmuFixture *emu;

static void
start_emulator (void)
{
  GstElement *pipeline;

  emu = emu_fixture_start (NULL);
  /* Load the plugins once, before any child is forked (CK_FORK=yes). */
  pipeline = gst_parse_launch ("wanr2vsrc ! fakesink", NULL);
  fail_unless (pipeline != NULL);
  gst_object_unref (pipeline);
}

static void
stop_emulator (void)
{
  g_clear_pointer (&emu, emu_fixture_stop);
}

static char *
describe (const Invalid * bad)
{
  return g_strdup_printf ("[%s%s%s%s]", bad->props,
      bad->request ? " request: " : "", bad->request ? bad->request : "",
      bad->setup ? " +setup" : "");
}

static void
check_invalid (const Invalid * bad)
{
  g_autofree char *what = describe (bad);
  g_autofree char *cache = g_dir_make_tmp ("wanr2v-invalid-XXXXXX", NULL);
  g_autofree char *request_path = NULL;
  g_autofree char *desc = NULL;
  PipelineRun *run;
  GstState state = GST_STATE_VOID_PENDING;

  emu_fixture_reset (emu);
  if (bad->request) {
    request_path = g_build_filename (cache, "request.json", NULL);
    fail_unless (g_file_set_contents (request_path, bad->request, -1, NULL));
  }
  /* The defaults first: the entry's properties come later and win. */
  desc = g_strdup_printf ("wanr2vsrc name=src base-url=%s api-key=%s "
      "cache-dir=%s retries=0 %s%s %s ! fakesink name=asink",
      emu_fixture_base_url (emu), emu_fixture_api_key (emu), cache,
      request_path ? "request=" : "", request_path ? request_path : "",
      bad->props);
  run = pipeline_run_new (desc);
  if (bad->setup)
    bad->setup (run->src);

  pipeline_run_play (run, 10);
  fail_unless (run->error != NULL, "%s: no error", what);
  GST_INFO ("%s: %s", what, run->error->message);
  fail_unless_equals_string (run->error_source, "src");
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR, bad->code),
      "%s: %s error %d: %s", what, g_quark_to_string (run->error->domain),
      run->error->code, run->error->message);
  fail_unless (strstr (run->error->message, bad->what) != NULL,
      "%s: message \"%s\" does not name \"%s\"", what, run->error->message,
      bad->what);
  fail_unless (strstr (run->error->message, bad->limit) != NULL,
      "%s: message \"%s\" does not say \"%s\"", what, run->error->message,
      bad->limit);

  /* Never prerolled: nothing reached the sink, no PAUSED. */
  fail_unless_equals_int (run->audio_buffers, 0);
  gst_element_get_state (run->pipeline, &state, NULL, 0);
  fail_unless (state <= GST_STATE_READY, "%s: the pipeline reached %s", what,
      gst_element_state_get_name (state));
  pipeline_run_free (run);

  /* Not a byte went out, not even for an upload policy. */
  fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, NULL), 0);
  g_unlink (request_path ? request_path : "");
  g_rmdir (cache);
}

GST_START_TEST (test_invalid_request)
{
  check_invalid (&table[__i__]);
}

GST_END_TEST;


/* The limits themselves are fine, counted in characters: 5000 CJK
 * characters (15000 bytes) of prompt and 500 of negative prompt go out. */
GST_START_TEST (test_limits_accepted)
{
  g_autofree char *cache = g_dir_make_tmp ("wanr2v-invalid-XXXXXX", NULL);
  g_autofree char *prompt = cjk_text (5000);
  g_autofree char *negative = cjk_text (500);
  g_autofree char *desc = g_strdup_printf ("wanr2vsrc name=src base-url=%s "
      "api-key=%s cache-dir=%s images=\"<" RED ">\" ! fakesink",
      emu_fixture_base_url (emu), emu_fixture_api_key (emu), cache);
  PipelineRun *run = pipeline_run_new (desc);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *log;
  JsonObject *input;
  gint64 deadline;
  guint i;

  emu_fixture_reset (emu);
  g_object_set (run->src, "prompt", prompt, "negative-prompt", negative,
      NULL);
  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  deadline = g_get_monotonic_time () + emu_fixture_scaled_us (10);
  while (emu_fixture_count_requests (emu, "POST", "/api/v1/services/") == 0
      && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  pipeline_run_free (run);

  log = emu_fixture_get_requests (emu);
  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);

    if (strcmp (json_object_get_string_member (r, "path"),
            "/api/v1/services/aigc/video-generation/video-synthesis") == 0)
      fail_unless (json_parser_load_from_data (parser,
              json_object_get_string_member (r, "body"), -1, NULL));
  }
  json_array_unref (log);
  fail_unless (json_parser_get_root (parser) != NULL, "no create was sent");
  input = json_object_get_object_member (json_node_get_object
      (json_parser_get_root (parser)), "input");
  fail_unless_equals_string (json_object_get_string_member (input, "prompt"),
      prompt);
  fail_unless_equals_int (strlen (prompt), 15000);
  fail_unless_equals_string (json_object_get_string_member (input,
          "negative_prompt"), negative);
  g_rmdir (cache);
}

GST_END_TEST;

static Suite *
invalid_suite (void)
{
  Suite *s = suite_create ("invalid");
  TCase *tc = tcase_create ("invalid");

  tcase_set_timeout (tc, 30);
  tcase_add_unchecked_fixture (tc, start_emulator, stop_emulator);
  tcase_add_loop_test (tc, test_invalid_request, 0, G_N_ELEMENTS (table));
  tcase_add_test (tc, test_limits_accepted);
  suite_add_tcase (s, tc);

  return s;
}

int
main (int argc, char **argv)
{
  /* Each entry runs in its own forked child (check's default): a failed
   * entry then cannot leave a pipeline behind that hangs the rest. */
  SRunner *runner;
  int failed;

  gst_check_init (&argc, &argv);
  runner = srunner_create (invalid_suite ());
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
