/* test-cookbook.c: every example of docs/cookbook.md, run against the
 * emulator, and what the emulator received.
 *
 * The command lines are read from the cookbook itself (so the document and
 * the test cannot drift apart), run with the duration cut to 2 s and 720P,
 * and then the test checks the create request as the emulator logged it:
 * the media in order and their numbering, local images inlined as data:
 * URIs with the right MIME type and bytes, videos and voices uploaded (to
 * the upload host, without the API key) and sent as oss:// URLs with the
 * resolve header, exactly the parameters that were set, wan2.6's
 * reference_urls and size, a request file's body; and that each run gave a
 * playable video.
 *
 * Runs from the source root (meson's workdir), where the cookbook's relative
 * paths (tests/data/..., docs/examples/...) are valid.  Argument "examples"
 * (the default) runs the gst-launch examples, "python" runs
 * docs/examples/generate.py (exit status 77, "skipped", without PyGObject).
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "emulator-fixture.h"
#include "pipeline-run.h"

#define COOKBOOK "docs/cookbook.md"
#define PYTHON "/usr/bin/python3"
#define EMULATOR_BASE_URL "http://127.0.0.1:8765/api/v1"
#define EMULATOR_KEY "sk-emulator"
#define CREATE_PATH "/api/v1/services/aigc/video-generation/video-synthesis"

static char *tmp_dir;

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("wanr2v-cookbook-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
}

static void
teardown (void)
{
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

/* ---- reading the cookbook ----------------------------------------------- */

typedef struct
{
  char *name;                   /* the output file without ".mp4" */
  GStrv argv;                   /* as the shell would pass it */
  gboolean emulator;            /* talks to 127.0.0.1:8765 */
} DocCommand;

static void
doc_command_free (DocCommand * c)
{
  g_free (c->name);
  g_strfreev (c->argv);
  g_free (c);
}

/* The shell's "$(cat FILE)": the file without its trailing newlines. */
static char *
expand_cat (const char *token)
{
  const char *start = strstr (token, "$(cat ");
  const char *end;
  g_autofree char *path = NULL, *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;

  if (start == NULL)
    return g_strdup (token);
  end = strchr (start, ')');
  fail_unless (end != NULL, "unterminated $(cat in %s", token);
  path = g_strndup (start + strlen ("$(cat "), end - start - strlen ("$(cat "));
  fail_unless (g_file_get_contents (path, &contents, &len, &error),
      "%s: %s", path, error ? error->message : "");
  while (len > 0 && contents[len - 1] == '\n')
    contents[--len] = '\0';
  return g_strdup_printf ("%.*s%s%s", (int) (start - token), token, contents,
      end + 1);
}

static char *
output_name (GStrv argv)
{
  guint i;

  for (i = 0; argv[i]; i++) {
    const char *file = NULL;

    if (g_str_has_prefix (argv[i], "location="))
      file = argv[i] + strlen ("location=");
    else if (strcmp (argv[i], "-o") == 0 && argv[i + 1])
      file = argv[i + 1];
    if (file && g_str_has_suffix (file, ".mp4"))
      return g_strndup (file, strlen (file) - strlen (".mp4"));
  }
  return NULL;
}

/* Every command in the cookbook's ```sh blocks that starts with @program,
 * with backslash-newline continuations joined. */
static GPtrArray *
read_commands (const char *program)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) logical = g_string_new (NULL);
  GPtrArray *commands = g_ptr_array_new_with_free_func ((GDestroyNotify)
      doc_command_free);
  gboolean in_sh = FALSE;
  guint i;

  fail_unless (g_file_get_contents (COOKBOOK, &text, NULL, &error),
      "%s (run from the source root): %s", COOKBOOK,
      error ? error->message : "");
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++) {
    const char *line = lines[i];
    gsize len = strlen (line);
    g_auto (GStrv) argv = NULL;
    DocCommand *c;
    guint j;

    if (g_str_has_prefix (line, "```")) {
      in_sh = strcmp (line, "```sh") == 0;
      g_string_truncate (logical, 0);
      continue;
    }
    if (!in_sh)
      continue;
    if (len > 0 && line[len - 1] == '\\') {
      g_string_append_len (logical, line, len - 1);
      g_string_append_c (logical, ' ');
      continue;
    }
    g_string_append (logical, line);
    g_strstrip (logical->str);
    logical->len = strlen (logical->str);
    if (!g_str_has_prefix (logical->str, program)) {
      g_string_truncate (logical, 0);
      continue;
    }
    fail_unless (g_shell_parse_argv (logical->str, NULL, &argv, &error),
        "cannot parse \"%s\": %s", logical->str, error ? error->message : "");
    g_string_truncate (logical, 0);

    c = g_new0 (DocCommand, 1);
    c->argv = g_new0 (char *, g_strv_length (argv) + 1);
    for (j = 0; argv[j]; j++) {
      c->argv[j] = expand_cat (argv[j]);
      if (strstr (c->argv[j], "127.0.0.1:8765"))
        c->emulator = TRUE;
    }
    c->name = output_name (c->argv);
    fail_unless (c->name != NULL, "no output .mp4 in: %s", line);
    g_ptr_array_add (commands, c);
  }
  return commands;
}

static DocCommand *
find_command (GPtrArray * commands, const char *name, gboolean emulator)
{
  guint i;

  for (i = 0; i < commands->len; i++) {
    DocCommand *c = g_ptr_array_index (commands, i);

    if (c->emulator == emulator && strcmp (c->name, name) == 0)
      return c;
  }
  return NULL;
}

/* The value of "key=value" in the wanr2vsrc part of a gst-launch line. */
static const char *
property_value (DocCommand * c, const char *key)
{
  gsize n = strlen (key);
  guint i;

  for (i = 0; c->argv[i] && strcmp (c->argv[i], "!") != 0; i++)
    if (strncmp (c->argv[i], key, n) == 0 && c->argv[i][n] == '=')
      return c->argv[i] + n + 1;
  return NULL;
}

/* What gst_parse_launchv() does with an argument: escape its spaces outside
 * double quotes, so that it stays one token. */
static void
append_launch_arg (GString * desc, const char *arg)
{
  gboolean in_quotes = FALSE;
  const char *p;

  if (desc->len > 0)
    g_string_append_c (desc, ' ');
  for (p = arg; *p; p++) {
    if (*p == '"' && (!in_quotes || p[-1] != '\\'))
      in_quotes = !in_quotes;
    if (*p == ' ' && !in_quotes)
      g_string_append_c (desc, '\\');
    g_string_append_c (desc, *p);
  }
}

/* ---- running an example ------------------------------------------------- */

/* The cookbook's gst-launch-1.0 line @name, as gst-launch-1.0 would build
 * it, pointed at @emu, 2 s and 720P, writing into the temp dir; played to
 * the end.  The path of the video goes to @out. */
static PipelineRun *
run_example (EmuFixture * emu, const char *name, char **out)
{
  g_autoptr (GPtrArray) commands = read_commands ("gst-launch-1.0");
  g_autoptr (GString) desc = g_string_new (NULL);
  DocCommand *c = find_command (commands, name, TRUE);
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  PipelineRun *run;
  guint i;

  fail_unless (c != NULL, "the cookbook has no emulator example writing "
      "%s.mp4", name);
  *out = g_strdup_printf ("%s/%s.mp4", tmp_dir, name);
  /* argv[0] is gst-launch-1.0; its options (-m) are not the pipeline's:
   * the run collects every message anyway. */
  for (i = 1; c->argv[i]; i++) {
    if (c->argv[i][0] == '-')
      continue;
    if (g_str_has_prefix (c->argv[i], "location=")) {
      g_autofree char *location = g_strdup_printf ("location=%s", *out);

      append_launch_arg (desc, location);
    } else {
      append_launch_arg (desc, c->argv[i]);
    }
    if (strcmp (c->argv[i], "wanr2vsrc") == 0)
      append_launch_arg (desc, "name=src");
  }

  run = pipeline_run_new (desc->str);
  /* probe-remote off: the guide's video is on the internet, which a test
   * never reaches. */
  g_object_set (run->src, "base-url", emu_fixture_base_url (emu),
      "api-key", emu_fixture_api_key (emu), "cache-dir", cache,
      "poll-interval", 50, "duration", 2, "probe-remote", FALSE, NULL);
  gst_util_set_object_arg (G_OBJECT (run->src), "resolution", "720P");
  pipeline_run_play (run, 60);
  fail_unless (run->error == NULL, "%s: %s (%s)", name,
      run->error ? run->error->message : "", run->error_debug);
  fail_unless (run->eos);
  return run;
}

/* The file is an MP4 of 2 s at 30 fps, 1280x720, with sound. */
static void
assert_playable (const char *path)
{
  g_autofree char *desc = g_strdup_printf ("filesrc name=src location=\"%s\" "
      "! qtdemux name=d d.video_0 ! queue ! avdec_h264 ! videoconvert ! "
      "video/x-raw,format=RGB ! appsink name=vsink sync=false "
      "d.audio_0 ! queue ! fakesink name=asink sync=false", path);
  PipelineRun *run = pipeline_run_new (desc);

  pipeline_run_play (run, 30);
  fail_unless (run->error == NULL, "%s does not play: %s", path,
      run->error ? run->error->message : "");
  fail_unless (run->eos);
  fail_unless_equals_int (run->video_frames, 60);
  fail_unless_equals_int (run->width, 1280);
  fail_unless_equals_int (run->height, 720);
  fail_unless (run->audio_buffers > 0, "%s has no sound", path);
  pipeline_run_free (run);
}

/* ---- what the emulator received ----------------------------------------- */

typedef struct
{
  JsonArray *log;               /* every request */
  JsonObject *create;           /* the one create */
  JsonObject *body;             /* its body */
  JsonParser *parser;
  guint uploads;                /* POSTs to the upload host */
} Received;

static void
received_clear (Received * r)
{
  g_clear_pointer (&r->log, json_array_unref);
  g_clear_object (&r->parser);
}

static const char *
header (JsonObject * request, const char *name)
{
  JsonObject *headers = json_object_get_object_member (request, "headers");

  return json_object_has_member (headers, name) ?
      json_object_get_string_member (headers, name) : NULL;
}

static void
received_get (EmuFixture * emu, Received * r)
{
  g_autoptr (GError) error = NULL;
  guint i, creates = 0;

  memset (r, 0, sizeof (*r));
  r->log = emu_fixture_get_requests (emu);
  for (i = 0; i < json_array_get_length (r->log); i++) {
    JsonObject *req = json_array_get_object_element (r->log, i);
    const char *listener = json_object_get_string_member (req, "listener");
    const char *method = json_object_get_string_member (req, "method");
    const char *path = json_object_get_string_member (req, "path");

    if (strcmp (listener, "oss") == 0) {
      /* Uploads and downloads: never the DashScope key. */
      fail_if (header (req, "authorization") != NULL,
          "%s %s on the upload host carried an Authorization header",
          method, path);
      if (strcmp (method, "POST") == 0)
        r->uploads++;
      continue;
    }
    fail_unless_equals_string (header (req, "authorization"),
        "Bearer test-key");
    if (strcmp (method, "POST") == 0 && strcmp (path, CREATE_PATH) == 0) {
      r->create = req;
      creates++;
    }
  }
  fail_unless_equals_int (creates, 1);
  fail_unless_equals_string (header (r->create, "x-dashscope-async"),
      "enable");
  r->parser = json_parser_new ();
  fail_unless (json_parser_load_from_data (r->parser,
          json_object_get_string_member (r->create, "body"), -1, &error),
      "create body: %s", error ? error->message : "");
  r->body = json_node_get_object (json_parser_get_root (r->parser));
}

static const char *
mime_of (const char *path)
{
  if (g_str_has_suffix (path, ".png"))
    return "image/png";
  if (g_str_has_suffix (path, ".jpg"))
    return "image/jpeg";
  if (g_str_has_suffix (path, ".bmp"))
    return "image/bmp";
  if (g_str_has_suffix (path, ".webp"))
    return "image/webp";
  fail ("no image MIME type for %s", path);
  return NULL;
}

/* A local image sent inline: its very bytes, with its MIME type. */
static void
assert_data_uri (const char *what, const char *url, const char *path)
{
  g_autofree char *contents = NULL, *encoded = NULL, *want = NULL;
  gsize len;

  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  encoded = g_base64_encode ((const guchar *) contents, len);
  want = g_strdup_printf ("data:%s;base64,%s", mime_of (path), encoded);
  fail_unless (url != NULL && strcmp (url, want) == 0,
      "%s: expected %s as a data:%s URI, got %.60s...", what, path,
      mime_of (path), url ? url : "(none)");
}

/* A local file sent through the temporary upload: oss://<dir>/<its name>. */
static void
assert_oss_url (const char *what, const char *url, const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *suffix = g_strconcat ("/", base, NULL);

  fail_unless (url != NULL && g_str_has_prefix (url, "oss://")
      && g_str_has_suffix (url, suffix), "%s: expected %s uploaded as an "
      "oss:// URL, got %s", what, path, url ? url : "(none)");
}

/* The OSS POSTs carry @paths, one each, in any order (the files of a
 * request go up at once): each POST's key ends with the name of a file it
 * matches in size (multipart: the file plus a kilobyte or two of form
 * fields). */
static void
assert_uploads (Received * r, const char *const *paths)
{
  guint n = g_strv_length ((char **) paths), i, k, found = 0;
  g_autofree gboolean *matched = g_new0 (gboolean, n + 1);

  for (i = 0; i < json_array_get_length (r->log); i++) {
    JsonObject *req = json_array_get_object_element (r->log, i);
    const char *key;
    gint64 size;

    if (strcmp (json_object_get_string_member (req, "listener"), "oss") != 0
        || strcmp (json_object_get_string_member (req, "method"), "POST"))
      continue;
    size = json_object_get_int_member (req, "body_size");
    key = json_object_get_string_member (req, "key");
    fail_unless (g_str_has_prefix (header (req, "content-type"),
            "multipart/form-data"));
    for (k = 0; k < n; k++) {
      g_autofree char *suffix = NULL, *base = NULL;
      GStatBuf st;

      fail_unless (g_stat (paths[k], &st) == 0);
      base = g_path_get_basename (paths[k]);
      suffix = g_strconcat ("/", base, NULL);
      if (!matched[k] && size > st.st_size && size < st.st_size + 4096
          && key != NULL && g_str_has_suffix (key, suffix))
        break;
    }
    fail_unless (k < n, "upload %u (%s, %" G_GINT64_FORMAT " bytes) is none "
        "of the local files", found, key ? key : "no key", size);
    matched[k] = TRUE;
    found++;
  }
  for (k = 0; k < n; k++)
    fail_unless (matched[k], "%s was not uploaded", paths[k]);
  fail_unless_equals_int (r->uploads, found);
}

static gboolean
body_has_oss (JsonNode * node)
{
  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:{
      JsonObject *o = json_node_get_object (node);
      g_autoptr (GList) members = json_object_get_members (o);
      GList *l;

      for (l = members; l; l = l->next)
        if (body_has_oss (json_object_get_member (o, l->data)))
          return TRUE;
      return FALSE;
    }
    case JSON_NODE_ARRAY:{
      JsonArray *a = json_node_get_array (node);
      guint i;

      for (i = 0; i < json_array_get_length (a); i++)
        if (body_has_oss (json_array_get_element (a, i)))
          return TRUE;
      return FALSE;
    }
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) == G_TYPE_STRING
          && g_str_has_prefix (json_node_get_string (node), "oss://");
    default:
      return FALSE;
  }
}

/* X-DashScope-OssResourceResolve exactly when the body has an oss:// URL. */
static void
assert_resolve_header (Received * r)
{
  gboolean has_oss = body_has_oss (json_parser_get_root (r->parser));
  const char *resolve = header (r->create, "x-dashscope-ossresourceresolve");

  if (has_oss)
    fail_unless (g_strcmp0 (resolve, "enable") == 0,
        "oss:// URLs without X-DashScope-OssResourceResolve: enable");
  else
    fail_unless (resolve == NULL, "X-DashScope-OssResourceResolve sent "
        "without any oss:// URL");
}

/* parameters is exactly @json: what was set, nothing else. */
static void
assert_parameters (Received * r, const char *json)
{
  g_autoptr (JsonNode) want = json_from_string (json, NULL);
  JsonNode *got = json_object_get_member (r->body, "parameters");
  g_autofree char *got_text = got ? json_to_string (got, FALSE) : NULL;

  fail_unless (want != NULL);
  fail_unless (got != NULL && json_node_equal (want, got),
      "parameters: expected %s, got %s", json, got_text);
}

typedef struct
{
  const char *type;             /* wire type */
  const char *file;             /* local file of the reference */
  const char *voice;            /* local file of its voice, or NULL */
} WantMedia;

/* input.media is @want, in order: images inline, videos and voices
 * uploaded; and the uploads went to the upload host in that order. */
static void
assert_media (Received * r, const WantMedia * want, guint n)
{
  JsonObject *input = json_object_get_object_member (r->body, "input");
  JsonArray *media = json_object_get_array_member (input, "media");
  const char *uploaded[12] = { NULL, };
  guint i, k = 0;

  fail_if (json_object_has_member (input, "reference_urls"));
  fail_unless_equals_int (json_array_get_length (media), n);
  for (i = 0; i < n; i++) {
    JsonObject *m = json_array_get_object_element (media, i);
    const char *url = json_object_get_string_member (m, "url");
    g_autofree char *what = g_strdup_printf ("media[%u] (%s)", i,
        want[i].type);

    fail_unless_equals_string (json_object_get_string_member (m, "type"),
        want[i].type);
    if (strcmp (want[i].type, "reference_video") == 0) {
      assert_oss_url (what, url, want[i].file);
      uploaded[k++] = want[i].file;
    } else {
      assert_data_uri (what, url, want[i].file);
    }
    if (want[i].voice) {
      fail_unless (json_object_has_member (m, "reference_voice"),
          "%s has no reference_voice", what);
      assert_oss_url (what, json_object_get_string_member (m,
              "reference_voice"), want[i].voice);
      uploaded[k++] = want[i].voice;
    } else {
      fail_if (json_object_has_member (m, "reference_voice"),
          "%s has a reference_voice", what);
    }
  }
  assert_uploads (r, uploaded);
  assert_resolve_header (r);
}

static void
assert_prompt (Received * r, const char *prompt)
{
  JsonObject *input = json_object_get_object_member (r->body, "input");

  fail_unless (prompt != NULL);
  fail_unless_equals_string (json_object_get_string_member (input, "prompt"),
      prompt);
  fail_if (json_object_has_member (input, "negative_prompt"));
}

/* The emulator made one task of it, done, with the expected size. */
static void
assert_task (EmuFixture * emu, const char *model, guint width, guint height)
{
  JsonArray *tasks = emu_fixture_get_tasks (emu);
  JsonObject *task;

  fail_unless_equals_int (json_array_get_length (tasks), 1);
  task = json_array_get_object_element (tasks, 0);
  fail_unless_equals_string (json_object_get_string_member (task, "model"),
      model);
  fail_unless_equals_string (json_object_get_string_member (task, "status"),
      "SUCCEEDED");
  fail_unless_equals_int (json_object_get_int_member (task, "video_width"),
      width);
  fail_unless_equals_int (json_object_get_int_member (task, "video_height"),
      height);
  json_array_unref (tasks);
}

/* Runs example @name and checks the video; the caller checks the rest. */
static EmuFixture *
run_checked (const char *name, DocCommand ** command, GPtrArray ** commands)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *out = NULL;
  PipelineRun *run = run_example (emu, name, &out);

  pipeline_run_free (run);
  assert_playable (out);
  *commands = read_commands ("gst-launch-1.0");
  *command = find_command (*commands, name, TRUE);
  return emu;
}

#define WAN27_PARAMS(ratio) "{\"resolution\": \"720P\", " ratio \
    "\"duration\": 2, \"prompt_extend\": false, \"watermark\": true}"

/* ---- the examples ------------------------------------------------------- */

GST_START_TEST (test_scene)
{
  /* Images are numbered first, then videos: the body lists them so. */
  static const WantMedia want[] = {
    {"reference_image", "tests/data/red.png", "tests/data/voice-girl.wav"},
    {"reference_image", "tests/data/green.jpg", NULL},
    {"reference_image", "tests/data/blue.bmp", NULL},
    {"reference_image", "tests/data/yellow.webp", NULL},
    {"reference_video", "tests/data/character.mp4",
        "tests/data/voice-boy.mp3"},
  };
  g_autoptr (GPtrArray) commands = NULL;
  DocCommand *c;
  EmuFixture *emu = run_checked ("scene", &c, &commands);
  Received r;

  received_get (emu, &r);
  fail_unless_equals_string (json_object_get_string_member (r.body, "model"),
      "wan2.7-r2v");
  assert_prompt (&r, property_value (c, "prompt"));
  assert_media (&r, want, G_N_ELEMENTS (want));
  assert_parameters (&r, WAN27_PARAMS ("\"ratio\": \"16:9\","));
  assert_task (emu, "wan2.7-r2v", 1280, 720);
  received_clear (&r);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static void
check_storyboard (const char *name, const char *prompt_file)
{
  static const WantMedia want[] = {
    {"reference_image", "tests/data/storyboard.png", NULL},
  };
  g_autoptr (GPtrArray) commands = NULL;
  g_autofree char *prompt = NULL;
  DocCommand *c;
  EmuFixture *emu = run_checked (name, &c, &commands);
  Received r;

  received_get (emu, &r);
  fail_unless (g_file_get_contents (prompt_file, &prompt, NULL, NULL));
  g_strchomp (prompt);
  fail_unless (g_utf8_strlen (prompt, -1) > 1000, "not the long prompt");
  assert_prompt (&r, prompt);
  assert_media (&r, want, G_N_ELEMENTS (want));
  /* No voice and no video: nothing is uploaded, no oss:// at all. */
  fail_unless_equals_int (r.uploads, 0);
  fail_unless_equals_int (emu_fixture_count_requests (emu, "GET",
          "/api/v1/uploads"), 0);
  assert_parameters (&r, WAN27_PARAMS ("\"ratio\": \"16:9\","));
  assert_task (emu, "wan2.7-r2v", 1280, 720);
  received_clear (&r);
  emu_fixture_stop (emu);
}

GST_START_TEST (test_storyboard_forest)
{
  check_storyboard ("storyboard-forest", "docs/examples/storyboard-forest.txt");
}

GST_END_TEST;

GST_START_TEST (test_storyboard_store)
{
  check_storyboard ("storyboard-store", "docs/examples/storyboard-store.txt");
}

GST_END_TEST;

GST_START_TEST (test_first_frame)
{
  /* The first frame comes after the references; it has no number. */
  static const WantMedia want[] = {
    {"reference_image", "tests/data/green.jpg", NULL},
    {"reference_image", "tests/data/magenta.png", NULL},
    {"first_frame", "tests/data/first-frame.png", NULL},
  };
  g_autoptr (GPtrArray) commands = NULL;
  DocCommand *c;
  EmuFixture *emu = run_checked ("first-frame", &c, &commands);
  Received r;

  fail_unless (property_value (c, "ratio") == NULL);
  received_get (emu, &r);
  assert_prompt (&r, property_value (c, "prompt"));
  assert_media (&r, want, G_N_ELEMENTS (want));
  /* No ratio was set, so none is sent. */
  assert_parameters (&r, WAN27_PARAMS (""));
  /* first-frame.png is 640x360: the video takes its 16:9 aspect. */
  assert_task (emu, "wan2.7-r2v", 1280, 720);
  received_clear (&r);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static const WantMedia dialogue_media[] = {
  {"reference_image", "tests/data/red.png", "tests/data/voice-girl.wav"},
  {"reference_image", "tests/data/magenta.png", "tests/data/voice-boy.mp3"},
  {"reference_image", "tests/data/blue.bmp", NULL},
};

GST_START_TEST (test_dialogue)
{
  g_autoptr (GPtrArray) commands = NULL;
  DocCommand *c;
  EmuFixture *emu = run_checked ("dialogue", &c, &commands);
  Received r;

  received_get (emu, &r);
  assert_prompt (&r, property_value (c, "prompt"));
  assert_media (&r, dialogue_media, G_N_ELEMENTS (dialogue_media));
  /* One policy for both voices. */
  fail_unless_equals_int (emu_fixture_count_requests (emu, "GET",
          "/api/v1/uploads"), 1);
  assert_parameters (&r, WAN27_PARAMS ("\"ratio\": \"16:9\","));
  assert_task (emu, "wan2.7-r2v", 1280, 720);
  received_clear (&r);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_flash)
{
  /* wan2.6: one list, images first; everything uploaded (no data:). */
  static const char *const files[] = { "tests/data/red.png",
    "tests/data/character.mp4", "tests/data/character-silent.mp4", NULL
  };
  g_autoptr (GPtrArray) commands = NULL;
  DocCommand *c;
  EmuFixture *emu = run_checked ("flash", &c, &commands);
  JsonObject *input;
  JsonArray *urls;
  Received r;
  guint i;

  received_get (emu, &r);
  fail_unless_equals_string (json_object_get_string_member (r.body, "model"),
      "wan2.6-r2v-flash");
  assert_prompt (&r, property_value (c, "prompt"));
  input = json_object_get_object_member (r.body, "input");
  fail_if (json_object_has_member (input, "media"));
  urls = json_object_get_array_member (input, "reference_urls");
  fail_unless_equals_int (json_array_get_length (urls), 3);
  for (i = 0; files[i]; i++) {
    g_autofree char *what = g_strdup_printf ("reference_urls[%u]", i);

    assert_oss_url (what, json_array_get_string_element (urls, i), files[i]);
  }
  assert_uploads (&r, files);
  assert_resolve_header (&r);
  /* resolution + ratio become size; shot_type and audio as set. */
  assert_parameters (&r, "{\"size\": \"1280*720\", \"duration\": 2, "
      "\"shot_type\": \"multi\", \"audio\": true}");
  assert_task (emu, "wan2.6-r2v-flash", 1280, 720);
  received_clear (&r);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* The body sent is the file's, with its local paths replaced by what the
 * service can fetch, and the properties set on top (watermark from the
 * cookbook, duration and resolution from this test). */
GST_START_TEST (test_request_file)
{
  g_autoptr (GPtrArray) commands = NULL;
  g_autoptr (JsonParser) file_parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *sent = NULL, *want_text = NULL;
  const char *request;
  g_autoptr (GPtrArray) uploaded = g_ptr_array_new_with_free_func (g_free);
  JsonObject *want, *params;
  JsonArray *want_media, *got_media;
  DocCommand *c;
  EmuFixture *emu = run_checked ("request", &c, &commands);
  Received r;
  guint i;

  request = property_value (c, "request");
  fail_unless_equals_string (request, "docs/examples/scene-request.json");
  fail_unless_equals_string (property_value (c, "watermark"), "false");
  fail_unless (json_parser_load_from_file (file_parser, request, &error));
  want = json_node_get_object (json_parser_get_root (file_parser));

  received_get (emu, &r);
  want_media = json_object_get_array_member (json_object_get_object_member
      (want, "input"), "media");
  got_media = json_object_get_array_member (json_object_get_object_member
      (r.body, "input"), "media");
  fail_unless_equals_int (json_array_get_length (got_media),
      json_array_get_length (want_media));
  /* The file's order (image, video, image...) is kept. */
  for (i = 0; i < json_array_get_length (want_media); i++) {
    JsonObject *w = json_array_get_object_element (want_media, i);
    JsonObject *g = json_array_get_object_element (got_media, i);
    const char *path = json_object_get_string_member (w, "url");
    const char *url = json_object_get_string_member (g, "url");
    g_autofree char *what = g_strdup_printf ("media[%u]", i);

    if (strcmp (json_object_get_string_member (w, "type"),
            "reference_video") == 0) {
      assert_oss_url (what, url, path);
      g_ptr_array_add (uploaded, g_strdup (path));
    } else {
      assert_data_uri (what, url, path);
    }
    json_object_set_string_member (w, "url", url);
    if (json_object_has_member (w, "reference_voice")) {
      const char *voice = json_object_get_string_member (w,
          "reference_voice");

      assert_oss_url (what, json_object_get_string_member (g,
              "reference_voice"), voice);
      g_ptr_array_add (uploaded, g_strdup (voice));
      json_object_set_string_member (w, "reference_voice",
          json_object_get_string_member (g, "reference_voice"));
    }
  }
  g_ptr_array_add (uploaded, NULL);
  assert_uploads (&r, (const char *const *) uploaded->pdata);
  assert_resolve_header (&r);

  params = json_object_get_object_member (want, "parameters");
  fail_unless_equals_int (json_object_get_int_member (params, "duration"),
      10);
  json_object_set_int_member (params, "duration", 2);
  fail_unless (json_object_get_boolean_member (params, "watermark"));
  json_object_set_boolean_member (params, "watermark", FALSE);

  sent = json_to_string (json_parser_get_root (r.parser), FALSE);
  want_text = json_to_string (json_parser_get_root (file_parser), FALSE);
  fail_unless (json_node_equal (json_parser_get_root (file_parser),
          json_parser_get_root (r.parser)), "sent %.2000s\nwanted %.2000s",
      sent, want_text);
  assert_task (emu, "wan2.7-r2v", 1280, 720);
  received_clear (&r);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* ---- the document itself ------------------------------------------------ */

static const char *const example_names[] = { "scene", "storyboard-forest",
  "storyboard-store", "first-frame", "dialogue", "flash", "request",
  "guide-scene", "guide-storyboard", "guide-first-frame", "dry-run", NULL
};

/* Drops base-url= and api-key= (and a leading program name). */
static char *
without_service (DocCommand * c)
{
  g_autoptr (GString) s = g_string_new (NULL);
  guint i;

  for (i = 0; c->argv[i]; i++) {
    if (g_str_has_prefix (c->argv[i], "base-url=")
        || g_str_has_prefix (c->argv[i], "api-key="))
      continue;
    g_string_append_printf (s, "[%s]", c->argv[i]);
  }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gint
sort_strings (const char **a, const char **b)
{
  return strcmp (*a, *b);
}

/* The guide's URLs in a gst-launch line, sorted. */
static GPtrArray *
guide_urls (DocCommand * c)
{
  g_autoptr (GRegex) regex = g_regex_new ("https://help-static-aliyun-doc"
      "[^\"',<> ]+", 0, 0, NULL);
  GPtrArray *urls = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; c->argv[i]; i++) {
    g_autoptr (GMatchInfo) match = NULL;

    g_regex_match (regex, c->argv[i], 0, &match);
    for (; g_match_info_matches (match); g_match_info_next (match, NULL))
      g_ptr_array_add (urls, g_match_info_fetch (match, 0));
  }
  g_ptr_array_sort (urls, (GCompareFunc) sort_strings);
  return urls;
}

/* The guide's own examples, with its internet URLs, against the offline
 * emulator: the URLs reach the service untouched, nothing is uploaded,
 * every one is drawn as a placeholder, and the video plays. */
static void
check_guide_example (const char *name, guint n_urls)
{
  g_autoptr (GPtrArray) commands = NULL;
  g_autoptr (GPtrArray) sent = g_ptr_array_new ();
  g_autoptr (GPtrArray) given = NULL;
  DocCommand *c;
  EmuFixture *emu = run_checked (name, &c, &commands);
  g_autoptr (JsonArray) tasks = NULL;
  JsonArray *media, *placeholders;
  Received r;
  guint i;

  given = guide_urls (c);
  received_get (emu, &r);
  assert_prompt (&r, property_value (c, "prompt"));
  media = json_object_get_array_member (json_object_get_object_member
      (r.body, "input"), "media");
  for (i = 0; i < json_array_get_length (media); i++) {
    JsonObject *m = json_array_get_object_element (media, i);

    g_ptr_array_add (sent, (gpointer) json_object_get_string_member (m,
            "url"));
    if (json_object_has_member (m, "reference_voice"))
      g_ptr_array_add (sent, (gpointer) json_object_get_string_member (m,
              "reference_voice"));
  }
  /* Sent as given, no more, no less. */
  fail_unless_equals_int (sent->len, n_urls);
  fail_unless_equals_int (given->len, n_urls);
  g_ptr_array_sort (sent, (GCompareFunc) sort_strings);
  for (i = 0; i < n_urls; i++)
    fail_unless_equals_string (g_ptr_array_index (sent, i),
        g_ptr_array_index (given, i));
  fail_unless_equals_int (r.uploads, 0);

  tasks = emu_fixture_get_tasks (emu);
  fail_unless_equals_int (json_array_get_length (tasks), 1);
  placeholders = json_object_get_array_member (json_array_get_object_element
      (tasks, 0), "placeholders");
  fail_unless (placeholders != NULL, "%s: no placeholders listed", name);
  fail_unless_equals_int (json_array_get_length (placeholders), n_urls);
  for (i = 0; i < n_urls; i++)
    fail_unless (g_ptr_array_find_with_equal_func (sent,
            json_array_get_string_element (placeholders, i), g_str_equal,
            NULL), "%s: placeholder %u is not a URL that was sent", name, i);
  assert_task (emu, "wan2.7-r2v", 1280, 720);
  received_clear (&r);
  emu_fixture_stop (emu);
}

/* Five references, two voices. */
GST_START_TEST (test_guide_scene)
{
  check_guide_example ("guide-scene", 7);
}

GST_END_TEST;

GST_START_TEST (test_guide_storyboard)
{
  check_guide_example ("guide-storyboard", 1);
}

GST_END_TEST;

/* The first frame is a placeholder too: the video keeps the default
 * 16:9. */
GST_START_TEST (test_guide_first_frame)
{
  check_guide_example ("guide-first-frame", 3);
}

GST_END_TEST;

/* The dry run: the body it would send, with the video and the voice shown
 * as uploads, and the prediction; an empty file; nothing sent. */
GST_START_TEST (test_dry_run)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *out = NULL;
  g_autoptr (JsonArray) log = NULL;
  PipelineRun *run = run_example (emu, "dry-run", &out);
  const GstStructure *s;
  const char *body;
  gdouble predicted = 0;
  GStatBuf st;

  fail_unless_equals_int (run->other_messages->len, 1);
  s = g_ptr_array_index (run->other_messages, 0);
  fail_unless (gst_structure_has_name (s, "wanr2v/dry-run"));
  body = gst_structure_get_string (s, "body");
  fail_unless (strstr (body, "oss://<upload of ") != NULL, "%s", body);
  fail_unless (strstr (body, "tests/data/character.mp4>") != NULL, "%s",
      body);
  fail_unless (strstr (body, "tests/data/voice-boy.mp3>") != NULL, "%s",
      body);
  /* 2 s of output here (the examples run cut to 2 s) + the 2 s video. */
  fail_unless (gst_structure_get_double (s, "predicted-billed-seconds",
          &predicted));
  fail_unless (predicted > 3.9 && predicted < 4.1, "predicted %.2f",
      predicted);
  fail_unless (g_stat (out, &st) == 0);
  fail_unless_equals_int (st.st_size, 0);
  log = emu_fixture_get_requests (emu);
  fail_unless_equals_int (json_array_get_length (log), 0);
  pipeline_run_free (run);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* docs/examples/budget-batch.sh, as the cookbook shows it: two videos
 * within a 12 s budget at 5 s each, then a stop; two creates in all. */
GST_START_TEST (test_budget_batch)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *prompts = g_build_filename (tmp_dir, "prompts.txt", NULL);
  g_autofree char *out_dir = g_build_filename (tmp_dir, "batch", NULL);
  g_autofree char *cache = g_build_filename (tmp_dir, "batch-cache", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *v1 = g_build_filename (out_dir, "video-1.mp4", NULL);
  g_autofree char *v2 = g_build_filename (out_dir, "video-2.mp4", NULL);
  g_autofree char *v3 = g_build_filename (out_dir, "video-3.mp4", NULL);
  const char *argv[] = { "/bin/sh", "docs/examples/budget-batch.sh", prompts,
    out_dir, NULL
  };
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GError) error = NULL;
  gint status;

  fail_unless (g_file_set_contents (prompts, "Image 1 waves\nImage 1 "
          "dances\nImage 1 sleeps\n", -1, NULL));
  env = g_environ_setenv (env, "BASE_URL", emu_fixture_base_url (emu), TRUE);
  env = g_environ_setenv (env, "API_KEY", emu_fixture_api_key (emu), TRUE);
  env = g_environ_setenv (env, "BUDGET", "12", TRUE);
  env = g_environ_setenv (env, "MAX_SECONDS", "6", TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  fail_unless (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT,
          NULL, NULL, &out, &err, &status, &error), "%s",
      error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s\n%s", out, err);
  fail_unless (strstr (out, "video 2: ") != NULL, "%s", out);
  fail_unless (strstr (out, "video 3 (5 s) would take the batch over 12 s: "
          "stopping") != NULL, "%s", out);
  fail_unless (g_file_test (v1, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (v2, G_FILE_TEST_EXISTS));
  fail_if (g_file_test (v3, G_FILE_TEST_EXISTS));
  fail_unless_equals_int (emu_fixture_count_requests (emu, "POST",
          CREATE_PATH), 2);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* Every example is there for the emulator and for the real service, and
 * the two differ only in base-url and api-key; the emulator is started as
 * the examples expect it. */
GST_START_TEST (test_document)
{
  g_autoptr (GPtrArray) gst = read_commands ("gst-launch-1.0");
  g_autoptr (GPtrArray) python = read_commands (PYTHON
      " docs/examples/generate.py");
  g_autofree char *text = NULL;
  guint i;

  fail_unless (g_file_get_contents (COOKBOOK, &text, NULL, NULL));
  fail_unless (strstr (text, "build/src/emulator/wanr2v-emulator --port 8765 "
          "--api-key " EMULATOR_KEY " &") != NULL);
  fail_unless_equals_int (gst->len, 2 * (G_N_ELEMENTS (example_names) - 1));
  for (i = 0; example_names[i]; i++) {
    DocCommand *emu = find_command (gst, example_names[i], TRUE);
    DocCommand *real = find_command (gst, example_names[i], FALSE);
    g_autofree char *a = NULL, *b = NULL;

    fail_unless (emu != NULL, "no emulator line for %s", example_names[i]);
    fail_unless (real != NULL, "no real-service line for %s",
        example_names[i]);
    fail_unless_equals_string (property_value (emu, "base-url"),
        EMULATOR_BASE_URL);
    fail_unless_equals_string (property_value (emu, "api-key"), EMULATOR_KEY);
    fail_unless_equals_string (property_value (real, "base-url"),
        "https://dashscope.aliyuncs.com/api/v1");
    fail_unless_equals_string (property_value (real, "api-key"),
        "$DASHSCOPE_API_KEY");
    a = without_service (emu);
    b = without_service (real);
    fail_unless_equals_string (a, b);
  }
  /* The Python examples, all against the emulator. */
  fail_unless (python->len >= 5);
  for (i = 0; i < python->len; i++) {
    DocCommand *c = g_ptr_array_index (python, i);

    fail_unless (c->emulator, "%s: not against the emulator", c->name);
    fail_unless (g_strv_contains ((const char *const *) example_names,
            c->name), "unknown Python example %s", c->name);
  }
}

GST_END_TEST;

/* ---- Python ------------------------------------------------------------- */

static gboolean
python_has_gst (char **why)
{
  const char *argv[] = { PYTHON, "-c", "import gi; "
        "gi.require_version('Gst', '1.0'); from gi.repository import Gst; "
        "Gst.init(None); Gst.ValueArray(['a'])", NULL
  };
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  gint status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
          NULL, NULL, NULL, &err, &status, &error)) {
    *why = g_strdup_printf ("cannot run %s: %s", PYTHON, error->message);
    return FALSE;
  }
  if (!g_spawn_check_wait_status (status, NULL)) {
    *why = g_strdup_printf ("%s has no PyGObject with GStreamer (install "
        "python3-gi gir1.2-gstreamer-1.0 python3-gst-1.0): %s", PYTHON,
        err ? g_strstrip (err) : "");
    return FALSE;
  }
  return TRUE;
}

static gboolean
run_python (GStrv argv, char **out, char **err)
{
  g_autoptr (GError) error = NULL;
  gint status;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          out, err, &status, &error), "%s", error ? error->message : "");
  return g_spawn_check_wait_status (status, NULL);
}

/* The cookbook's generate.py line for the dialogue, pointed at the
 * emulator (later options win in argparse). */
GST_START_TEST (test_python_generate)
{
  g_autoptr (GPtrArray) python = read_commands (PYTHON
      " docs/examples/generate.py");
  DocCommand *c = find_command (python, "dialogue", TRUE);
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *output = g_build_filename (tmp_dir, "dialogue.mp4", NULL);
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  Received r;
  guint i;

  fail_unless (c != NULL, "no Python dialogue example in the cookbook");
  for (i = 0; c->argv[i]; i++)
    g_strv_builder_add (builder, c->argv[i]);
  g_strv_builder_add_many (builder, "--base-url", emu_fixture_base_url (emu),
      "--api-key", emu_fixture_api_key (emu), "--duration", "2",
      "--resolution", "720P", "--poll-interval", "50", "--cache-dir", cache,
      "-o", output, NULL);
  argv = g_strv_builder_end (builder);

  fail_unless (run_python (argv, &out, &err), "generate.py failed:\n%s%s",
      out, err);
  fail_unless (strstr (out, "video of task") != NULL, "stdout: %s", out);
  fail_unless (strstr (err, "[request] Task ") != NULL, "stderr: %s", err);
  fail_unless (strstr (err, ": SUCCEEDED") != NULL, "stderr: %s", err);
  assert_playable (output);

  /* The same request as from gst-launch-1.0: arrays in order, voices
   * paired by position. */
  received_get (emu, &r);
  for (i = 0; c->argv[i] && strcmp (c->argv[i], "--prompt") != 0; i++);
  fail_unless (c->argv[i] && c->argv[i + 1]);
  assert_prompt (&r, c->argv[i + 1]);
  fail_unless (strstr (c->argv[i + 1], "\"Let's talk.\"") != NULL);
  assert_media (&r, dialogue_media, G_N_ELEMENTS (dialogue_media));
  assert_parameters (&r, WAN27_PARAMS ("\"ratio\": \"16:9\","));
  received_clear (&r);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A bad request: the element's error, exit status 1, nothing sent. */
  emu_fixture_reset (emu);
  {
    const char *bad[] = { PYTHON, "docs/examples/generate.py",
      "--base-url", emu_fixture_base_url (emu), "--api-key",
      emu_fixture_api_key (emu), "--prompt", "Image 1 waves", "--image",
      "tests/data/red.png", "--image-voice", "tests/data/voice-girl.wav",
      "--image-voice", "tests/data/voice-boy.mp3", "-o", output, NULL
    };
    gint status;

    fail_unless (g_spawn_sync (NULL, (char **) bad, NULL, G_SPAWN_DEFAULT,
            NULL, NULL, &out, &err, &status, NULL));
    fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 1,
        "exit status %d, stderr: %s", status, err);
    fail_unless (strstr (err, "error from src: image-voices has 2 entries")
        != NULL, "stderr: %s", err);
    fail_unless_equals_int (emu_fixture_count_requests (emu, NULL, NULL), 0);
  }
  emu_fixture_stop (emu);
}

GST_END_TEST;

static Suite *
cookbook_suite (void)
{
  Suite *s = suite_create ("cookbook");
  TCase *tc;

  tc = tcase_create ("examples");
  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_document);
  tcase_add_test (tc, test_scene);
  tcase_add_test (tc, test_storyboard_forest);
  tcase_add_test (tc, test_storyboard_store);
  tcase_add_test (tc, test_first_frame);
  tcase_add_test (tc, test_dialogue);
  tcase_add_test (tc, test_flash);
  tcase_add_test (tc, test_request_file);
  tcase_add_test (tc, test_guide_scene);
  tcase_add_test (tc, test_guide_storyboard);
  tcase_add_test (tc, test_guide_first_frame);
  tcase_add_test (tc, test_dry_run);
  tcase_add_test (tc, test_budget_batch);
  suite_add_tcase (s, tc);

  tc = tcase_create ("python");
  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_python_generate);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  const char *which;
  SRunner *runner;
  int failed;

  gst_check_init (&argc, &argv);
  which = argc > 1 ? argv[1] : "examples";
  if (strcmp (which, "python") == 0) {
    g_autofree char *why = NULL;

    if (!python_has_gst (&why)) {
      g_print ("SKIP: %s\n", why);
      return 77;
    }
  }
  runner = srunner_create (cookbook_suite ());
  srunner_run (runner, NULL, which, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? 0 : 1;
}
