/* test-uri.c: wanr2vsrc as a GstURIHandler.
 *
 * wanr2v://generate?... must round-trip every kind of property exactly,
 * refuse what it cannot take with a clear GST_URI_ERROR_BAD_URI, and play
 * through everything that takes a URI: playbin, uridecodebin,
 * uridecodebin3, urisourcebin and gst-play-1.0, against the emulator. */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "emulator-fixture.h"

#define CREATE_PATH "/api/v1/services/aigc/video-generation/video-synthesis"

static char *tmp_dir;           /* per test; holds the cache-dir */
static char *cache_dir;

static void
setup (void)
{
  tmp_dir = g_dir_make_tmp ("wanr2v-uri-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
  /* A space in the path: the URI must carry it. */
  cache_dir = g_build_filename (tmp_dir, "cache dir", NULL);
}

static void
teardown (void)
{
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
  g_clear_pointer (&cache_dir, g_free);
}

static GstElement *
new_src (void)
{
  GstElement *src = gst_element_factory_make ("wanr2vsrc", NULL);

  fail_unless (src != NULL, "wanr2vsrc is not available");
  return gst_object_ref_sink (src);
}

static void
set_strv (GstElement * src, const char *property, const char *const *items)
{
  GValue array = G_VALUE_INIT;

  gst_value_array_init (&array, 4);
  for (; *items; items++) {
    GValue item = G_VALUE_INIT;

    g_value_init (&item, G_TYPE_STRING);
    g_value_set_string (&item, *items);
    gst_value_array_append_and_take_value (&array, &item);
  }
  g_object_set_property (G_OBJECT (src), property, &array);
  g_value_unset (&array);
}

static char *
get_uri (GstElement * src)
{
  char *uri = gst_uri_handler_get_uri (GST_URI_HANDLER (src));

  fail_unless (uri != NULL, "get_uri returned NULL");
  return uri;
}

/* ---- discovery ---------------------------------------------------------- */

GST_START_TEST (test_protocol_registered)
{
  g_autoptr (GError) error = NULL;
  GstElement *src;
  g_autofree char *prompt = NULL;
  GstElementFactory *factory;

  fail_unless (gst_uri_protocol_is_supported (GST_URI_SRC, "wanr2v"));
  fail_if (gst_uri_protocol_is_supported (GST_URI_SINK, "wanr2v"));

  src = gst_element_make_from_uri (GST_URI_SRC,
      "wanr2v://generate?prompt=Image%201%20waves", "made", &error);
  fail_unless (src != NULL, "make_from_uri: %s",
      error ? error->message : "NULL without an error");
  factory = gst_element_get_factory (src);
  fail_unless_equals_string (gst_plugin_feature_get_name (factory),
      "wanr2vsrc");
  g_object_get (src, "prompt", &prompt, NULL);
  fail_unless_equals_string (prompt, "Image 1 waves");
  gst_object_unref (src);

  /* A URI it refuses makes no element, and says why. */
  src = gst_element_make_from_uri (GST_URI_SRC,
      "wanr2v://generate?duration=99", NULL, &error);
  fail_unless (src == NULL);
  fail_unless (error != NULL);
}

GST_END_TEST;

/* ---- round trip --------------------------------------------------------- */

/* What a URI sets (docs/element.md): what to generate, nothing else. */
static const char *const uri_properties[] = {
  "model", "prompt", "negative-prompt", "images", "videos", "image-voices",
  "video-voices", "first-frame", "resolution", "ratio", "duration",
  "prompt-extend", "watermark", "seed", "shot-type", "audio", "task-id",
  NULL
};

/* Every readable property wanr2vsrc itself declares (with @uri_only, every
 * one a URI sets) must read back the same on @b as on @a. */
static void
assert_same_properties_full (GstElement * a, GstElement * b,
    gboolean uri_only)
{
  GParamSpec **pspecs;
  guint i, n;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (a), &n);
  for (i = 0; i < n; i++) {
    GValue va = G_VALUE_INIT, vb = G_VALUE_INIT;
    g_autofree char *sa = NULL, *sb = NULL;

    if (pspecs[i]->owner_type != G_OBJECT_TYPE (a)
        || !(pspecs[i]->flags & G_PARAM_READABLE))
      continue;
    if (uri_only && !g_strv_contains (uri_properties, pspecs[i]->name))
      continue;
    g_value_init (&va, pspecs[i]->value_type);
    g_value_init (&vb, pspecs[i]->value_type);
    g_object_get_property (G_OBJECT (a), pspecs[i]->name, &va);
    g_object_get_property (G_OBJECT (b), pspecs[i]->name, &vb);
    sa = gst_value_serialize (&va);
    sb = gst_value_serialize (&vb);
    fail_unless (g_param_values_cmp (pspecs[i], &va, &vb) == 0
        && (pspecs[i]->value_type != GST_TYPE_ARRAY
            || gst_value_compare (&va, &vb) == GST_VALUE_EQUAL),
        "property %s: %s became %s", pspecs[i]->name, sa, sb);
    g_value_unset (&va);
    g_value_unset (&vb);
  }
  g_free (pspecs);
}

static void
assert_same_properties (GstElement * a, GstElement * b)
{
  assert_same_properties_full (a, b, FALSE);
}

/* Sets @uri on a fresh element and checks it reads back as @a did (what
 * a URI carries: what to generate). */
static void
assert_round_trip (GstElement * a)
{
  g_autofree char *uri = get_uri (a);
  g_autofree char *again = NULL;
  g_autoptr (GError) error = NULL;
  GstElement *b = new_src ();

  fail_unless (gst_uri_is_valid (uri), "not a valid URI: %s", uri);
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (b), uri, &error),
      "set_uri (%s): %s", uri, error ? error->message : "?");
  assert_same_properties_full (a, b, TRUE);
  again = get_uri (b);
  fail_unless_equals_string (again, uri);
  gst_object_unref (b);
}

static const char *const tricky_prompt =
    "Image 1 & Image 2 = friends + 100% happy #1?/\\ "
    "\"quoted\" 'single' <tag> 图1在海边挥手, 视频1 跳舞 ✓";

GST_START_TEST (test_round_trip_every_kind)
{
  GstElement *a = new_src ();
  const char *images[] = { "/tmp/a b,c.png", "https://h/x.jpg?a=1&b=2",
    "data:image/png;base64,iVBOR+/=", "file:///tmp/%E5%9B%BE.png",
    "/tmp/图 1#frag.png", NULL
  };
  const char *videos[] = { "oss://bucket/v 1.mp4", "C:\\v,2.mov", NULL };
  const char *image_voices[] = { "", "/tmp/v o,i&ce.wav", "", NULL };

  g_object_set (a, "prompt", tricky_prompt,
      "negative-prompt", "  leading and trailing spaces  ",
      "base-url", "http://127.0.0.1:1234/api/v1",
      "model", "wan2.7-r2v-2026-06-12",
      "first-frame", "/tmp/first frame=1.png",
      "duration", 7, "prompt-extend", FALSE, "watermark", TRUE,
      "seed", (gint64) 2147483647, "timeout", 0, "poll-interval", 250,
      "retries", 0, "retry-delay", 1, "request-timeout", 3600,
      "cancel-on-stop", FALSE, "allow-insecure", TRUE,
      "cache-dir", "/tmp/my cache/视频", "audio", FALSE,
      "request", "/tmp/req&uest.json", NULL);
  gst_util_set_object_arg (G_OBJECT (a), "resolution", "720P");
  gst_util_set_object_arg (G_OBJECT (a), "ratio", "9:16");
  gst_util_set_object_arg (G_OBJECT (a), "shot-type", "multi");
  gst_util_set_object_arg (G_OBJECT (a), "cache-policy", "refresh");
  set_strv (a, "images", images);
  set_strv (a, "videos", videos);
  set_strv (a, "image-voices", image_voices);
  assert_round_trip (a);
  {
    g_autofree char *uri = get_uri (a);

    /* The application's own settings never go into a URI. */
    fail_if (strstr (uri, "base-url") || strstr (uri, "cache-dir")
        || strstr (uri, "request=") || strstr (uri, "allow-insecure")
        || strstr (uri, "timeout") || strstr (uri, "retries"), "%s", uri);
  }

  /* Values equal to the defaults, set explicitly, survive as well. */
  g_object_set (a, "seed", (gint64) - 1, "duration", 5, "prompt-extend",
      TRUE, "watermark", FALSE, "timeout", 3600, NULL);
  gst_util_set_object_arg (G_OBJECT (a), "resolution", "1080P");
  assert_round_trip (a);
  gst_object_unref (a);
}

GST_END_TEST;

GST_START_TEST (test_round_trip_minimal)
{
  GstElement *a = new_src ();
  g_autofree char *uri = NULL;

  /* Nothing set: nothing in the URI. */
  uri = get_uri (a);
  fail_unless_equals_string (uri, "wanr2v://generate");
  assert_round_trip (a);

  g_object_set (a, "prompt", "x", NULL);
  g_free (uri);
  uri = get_uri (a);
  fail_unless_equals_string (uri, "wanr2v://generate?prompt=x");
  assert_round_trip (a);
  gst_object_unref (a);
}

GST_END_TEST;

/* Written by hand, the way a user would: '+' is a space in a query
 * (form encoding), %2B a plus. */
GST_START_TEST (test_hand_written_uri)
{
  GstElement *src = new_src ();
  g_autoptr (GError) error = NULL;
  g_autofree char *prompt = NULL, *cache = NULL, *uri = NULL;
  GValue images = G_VALUE_INIT;
  gint duration;
  gint64 seed;
  gboolean extend;

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "wanr2v://generate?prompt=Image+1+%2B+Image+2%20%26%20%E5%9B%BE1"
          "&images=a.png&images=b%2Cc.png&duration=3&seed=42"
          "&prompt-extend=false&cache-dir=%2Ftmp%2Fx%20y", &error),
      "%s", error ? error->message : "?");
  g_object_get (src, "prompt", &prompt, "duration", &duration, "seed", &seed,
      "prompt-extend", &extend, "cache-dir", &cache, NULL);
  fail_unless_equals_string (prompt, "Image 1 + Image 2 & 图1");
  fail_unless_equals_int (duration, 3);
  fail_unless (seed == 42);
  fail_if (extend);
  /* cache-dir is the application's: taken note of (and refused when the
   * job starts, see test-uri-trust.c), never set. */
  fail_unless (cache == NULL, "cache-dir became %s", cache);
  uri = get_uri (src);
  fail_if (strstr (uri, "cache-dir") != NULL, "%s", uri);
  g_value_init (&images, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (src), "images", &images);
  fail_unless_equals_int (gst_value_array_get_size (&images), 2);
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (&images, 0)), "a.png");
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
          (&images, 1)), "b,c.png");
  g_value_unset (&images);
  gst_object_unref (src);
}

GST_END_TEST;

/* ---- wanr2v://task/ID ----------------------------------------------------- */

GST_START_TEST (test_task_uri)
{
  GstElement *src = new_src ();
  g_autoptr (GError) error = NULL;
  g_autofree char *task_id = NULL, *uri = NULL, *base_url = NULL;
  g_autofree char *base_url_before = NULL;

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "wanr2v://task/0385dc79-5ff8-4d82-bcb6-xxxxxx", &error),
      "%s", error ? error->message : "?");
  g_object_get (src, "task-id", &task_id, NULL);
  fail_unless_equals_string (task_id, "0385dc79-5ff8-4d82-bcb6-xxxxxx");
  uri = get_uri (src);
  fail_unless_equals_string (uri,
      "wanr2v://task/0385dc79-5ff8-4d82-bcb6-xxxxxx");

  /* What to generate rides along in the query; the application's settings
   * (base-url here) do not change, and never go back into a URI. */
  g_object_get (src, "base-url", &base_url_before, NULL);
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "wanr2v://task/abc?base-url=http%3A%2F%2F127.0.0.1%3A9%2Fapi%2Fv1"
          "&resolution=720P", &error), "%s", error ? error->message : "?");
  g_free (task_id);
  g_object_get (src, "task-id", &task_id, "base-url", &base_url, NULL);
  fail_unless_equals_string (task_id, "abc");
  fail_unless_equals_string (base_url, base_url_before);
  g_free (uri);
  uri = get_uri (src);
  fail_unless_equals_string (uri, "wanr2v://task/abc?resolution=720P");
  assert_round_trip (src);
  gst_object_unref (src);
}

GST_END_TEST;

/* ---- refusals ----------------------------------------------------------- */

static void
assert_refused_with (const char *uri, gint code,
    const char *const *must_mention)
{
  GstElement *src = new_src ();
  g_autoptr (GError) error = NULL;

  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), uri, &error),
      "%s was accepted", uri);
  fail_unless (error != NULL, "%s: refused without an error", uri);
  fail_unless (g_error_matches (error, GST_URI_ERROR, code),
      "%s: %s (%d) instead of GST_URI_ERROR %d", uri,
      g_quark_to_string (error->domain), error->code, code);
  for (; *must_mention; must_mention++)
    fail_unless (strstr (error->message, *must_mention) != NULL,
        "%s: the message \"%s\" does not mention \"%s\"", uri,
        error->message, *must_mention);
  gst_object_unref (src);
}

static void
assert_refused (const char *uri, const char *const *must_mention)
{
  assert_refused_with (uri, GST_URI_ERROR_BAD_URI, must_mention);
}

GST_START_TEST (test_refused_uris)
{
  const char *key[] = { "API key", "DASHSCOPE_API_KEY", NULL };
  const char *unknown[] = { "\"colour\"", "property", NULL };
  const char *name[] = { "\"name\"", NULL };
  const char *duration[] = { "duration", "99", NULL };
  const char *resolution[] = { "resolution", "8K", NULL };
  const char *boolean[] = { "prompt-extend", "maybe", NULL };
  const char *seed[] = { "seed", NULL };
  const char *scheme[] = { "http", NULL };
  const char *other[] = { "other", "wanr2v://generate", "wanr2v://task/",
    NULL
  };
  const char *no_id[] = { "task id", NULL };
  GstElement *src;
  g_autoptr (GError) error = NULL;

  assert_refused ("wanr2v://generate?prompt=x&api-key=sk-123", key);
  assert_refused ("wanr2v://generate?api-key=", key);
  assert_refused ("wanr2v://generate?prompt=x&colour=red", unknown);
  /* GstObject's and GstBaseSrc's properties are not URI parameters. */
  assert_refused ("wanr2v://generate?name=foo", name);
  assert_refused ("wanr2v://generate?prompt=x&duration=99", duration);
  assert_refused ("wanr2v://generate?prompt=x&resolution=8K", resolution);
  assert_refused ("wanr2v://generate?prompt-extend=maybe", boolean);
  assert_refused ("wanr2v://generate?seed=2147483648", seed);
  /* GstURIHandler itself refuses another scheme before the element sees
   * it, with UNSUPPORTED_PROTOCOL. */
  assert_refused_with ("http://generate?prompt=x",
      GST_URI_ERROR_UNSUPPORTED_PROTOCOL, scheme);
  assert_refused ("wanr2v://other?prompt=x", other);
  assert_refused ("wanr2v://task/", no_id);
  assert_refused ("wanr2v://task", no_id);

  /* The key never shows in the error either. */
  src = new_src ();
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "wanr2v://generate?api-key=sk-secret-42", &error));
  fail_if (strstr (error->message, "sk-secret-42") != NULL, "%s",
      error->message);
  gst_object_unref (src);
}

GST_END_TEST;

/* ---- set_uri replaces what the previous URI said ------------------------ */

GST_START_TEST (test_set_uri_resets)
{
  GstElement *src = new_src ();
  GstElement *fresh = new_src ();
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = NULL, *task_id = NULL;

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "wanr2v://generate?prompt=a&negative-prompt=n&duration=7"
          "&images=x.png&images=y.png&resolution=720P&seed=9"
          "&cache-policy=off&watermark=true", &error), "%s",
      error ? error->message : "?");
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "wanr2v://generate?prompt=b", &error), "%s",
      error ? error->message : "?");
  uri = get_uri (src);
  fail_unless_equals_string (uri, "wanr2v://generate?prompt=b");
  g_object_set (fresh, "prompt", "b", NULL);
  assert_same_properties (fresh, src);

  /* From a task to generating: the task id is gone. */
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "wanr2v://task/t-1?duration=3", &error));
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "wanr2v://generate?prompt=b", &error));
  g_object_get (src, "task-id", &task_id, NULL);
  fail_unless (task_id == NULL, "task-id %s survived", task_id);
  assert_same_properties (fresh, src);
  g_free (uri);
  uri = get_uri (src);
  fail_unless_equals_string (uri, "wanr2v://generate?prompt=b");

  gst_object_unref (src);
  gst_object_unref (fresh);
}

GST_END_TEST;

/* ---- playing URIs ------------------------------------------------------- */

/* What to generate.  With @local the reference is a local path, which
 * the application must allow (allow-local-files); else the same image as
 * a data: URI, which any URI may carry. */
static char *
generate_uri (gboolean local)
{
  g_autofree char *image = emu_fixture_data_path ("red.png");
  g_autofree char *reference = NULL, *escaped = NULL;

  if (local) {
    reference = g_strdup (image);
  } else {
    g_autofree char *contents = NULL, *encoded = NULL;
    gsize length;

    fail_unless (g_file_get_contents (image, &contents, &length, NULL));
    encoded = g_base64_encode ((const guchar *) contents, length);
    reference = g_strconcat ("data:image/png;base64,", encoded, NULL);
  }
  escaped = g_uri_escape_string (reference, NULL, FALSE);
  return g_strdup_printf ("wanr2v://generate?prompt=Image%%201%%20waves"
      "&images=%s&duration=2&resolution=720P", escaped);
}

typedef struct
{
  EmuFixture *emu;
  guint video_frames;
  guint source_setups;
  gboolean eos;
  GError *error;
  char *error_debug;
} Playback;

static void
count_video_buffer (GstElement * sink, GstBuffer * buf, GstPad * pad,
    gpointer data)
{
  Playback *p = data;
  GstCaps *caps = gst_pad_get_current_caps (pad);

  /* Decoded frames, or H.264 samples straight from qtdemux. */
  if (caps && g_str_has_prefix (gst_structure_get_name
          (gst_caps_get_structure (caps, 0)), "video/"))
    g_atomic_int_inc (&p->video_frames);
  if (caps)
    gst_caps_unref (caps);
}

static GstElement *
counting_sink (Playback * p)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);

  g_object_set (sink, "sync", FALSE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (count_video_buffer), p);
  return sink;
}

/* The application's own settings, which a URI cannot make. */
static void
set_app_settings (Playback * p, GstElement * source)
{
  g_object_set (source, "base-url", emu_fixture_base_url (p->emu),
      "cache-dir", cache_dir, "poll-interval", 50, NULL);
}


/* source-setup of playbin, uridecodebin(3) and urisourcebin: the way an
 * application hands the key (and its own settings) to a source it did not
 * make. */
static void
on_source_setup (GstElement * bin, GstElement * source, gpointer data)
{
  Playback *p = data;
  GstElementFactory *factory = gst_element_get_factory (source);

  fail_unless_equals_string (gst_plugin_feature_get_name (factory),
      "wanr2vsrc");
  g_object_set (source, "api-key", "test-key", NULL);
  set_app_settings (p, source);
  p->source_setups++;
}

/* An application that trusts its URIs, and lets them name local files. */
static void
on_source_setup_trusting (GstElement * bin, GstElement * source,
    gpointer data)
{
  on_source_setup (bin, source, data);
  g_object_set (source, "allow-local-files", TRUE, NULL);
}

/* The same without the key, which comes from the environment. */
static void
on_source_setup_no_key (GstElement * bin, GstElement * source, gpointer data)
{
  Playback *p = data;

  set_app_settings (p, source);
  p->source_setups++;
}

/* Decoded (or demuxed) pads each get a queue and a counting fakesink. */
static void
on_pad_added (GstElement * element, GstPad * pad, gpointer data)
{
  Playback *p = data;
  GstBin *bin = GST_BIN (gst_element_get_parent (element));
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *sink = counting_sink (p);
  GstPad *sinkpad;

  gst_bin_add_many (bin, queue, sink, NULL);
  fail_unless (gst_element_link (queue, sink));
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (queue);
  sinkpad = gst_element_get_static_pad (queue, "sink");
  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
  gst_object_unref (bin);
}

/* urisourcebin's pad goes to a qtdemux whose pads are counted. */
static void
on_source_pad_added (GstElement * element, GstPad * pad, gpointer data)
{
  GstElement *demux = data;
  GstPad *sinkpad = gst_element_get_static_pad (demux, "sink");

  fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

static void
play (GstElement * pipeline, Playback * p, guint timeout_s)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus,
      emu_fixture_scaled_ns (timeout_s),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS or error within %u s",
      emu_fixture_scaled_s (timeout_s));
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &p->error, &p->error_debug);
  else
    p->eos = TRUE;
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
}

/* The video was made once and the service saw the key we meant. */
static void
assert_played (Playback * p, EmuFixture * emu)
{
  g_autoptr (JsonArray) log = NULL;
  guint i, creates = 0;

  fail_unless (p->error == NULL, "error: %s (%s)",
      p->error ? p->error->message : "", p->error_debug);
  fail_unless (p->eos);
  fail_unless_equals_int (p->video_frames, 60);

  log = emu_fixture_get_requests (emu);
  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *r = json_array_get_object_element (log, i);
    JsonObject *headers = json_object_get_object_member (r, "headers");

    if (g_strcmp0 (json_object_get_string_member (r, "path"),
            CREATE_PATH) != 0)
      continue;
    creates++;
    fail_unless_equals_string (json_object_get_string_member (headers,
            "authorization"), "Bearer test-key");
  }
  fail_unless_equals_int (creates, 1);
}

static void
playback_clear (Playback * p)
{
  g_clear_error (&p->error);
  g_clear_pointer (&p->error_debug, g_free);
}

/* The opt-in: a URI with a local reference plays when the application
 * allows local files from its source-setup handler (without it, the same
 * URI is refused: test-uri-trust.c). */
GST_START_TEST (test_playbin)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *uri = generate_uri (TRUE);
  GstElement *playbin = gst_element_factory_make ("playbin", NULL);
  Playback p = { emu, };
  GstElement *asink = gst_element_factory_make ("fakesink", NULL);

  g_object_set (asink, "sync", FALSE, NULL);
  g_object_set (playbin, "uri", uri, "video-sink", counting_sink (&p),
      "audio-sink", asink, NULL);
  g_signal_connect (playbin, "source-setup",
      G_CALLBACK (on_source_setup_trusting), &p);
  play (playbin, &p, 60);
  assert_played (&p, emu);
  fail_unless_equals_int (p.source_setups, 1);
  gst_object_unref (playbin);
  playback_clear (&p);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* The key from DASHSCOPE_API_KEY, read when the element is made. */
GST_START_TEST (test_uridecodebin_env_key)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *uri = generate_uri (FALSE);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *dec;
  Playback p = { emu, };

  g_setenv ("DASHSCOPE_API_KEY", "test-key", TRUE);
  dec = gst_element_factory_make ("uridecodebin", NULL);
  g_object_set (dec, "uri", uri, NULL);
  gst_bin_add (GST_BIN (pipeline), dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), &p);
  g_signal_connect (dec, "source-setup",
      G_CALLBACK (on_source_setup_no_key), &p);
  play (pipeline, &p, 60);
  g_unsetenv ("DASHSCOPE_API_KEY");
  fail_unless_equals_int (p.source_setups, 1);
  assert_played (&p, emu);
  gst_object_unref (pipeline);
  playback_clear (&p);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_uridecodebin3)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *uri = generate_uri (FALSE);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *dec = gst_element_factory_make ("uridecodebin3", NULL);
  Playback p = { emu, };

  fail_unless (dec != NULL);
  g_object_set (dec, "uri", uri, NULL);
  gst_bin_add (GST_BIN (pipeline), dec);
  g_signal_connect (dec, "pad-added", G_CALLBACK (on_pad_added), &p);
  g_signal_connect (dec, "source-setup", G_CALLBACK (on_source_setup), &p);
  play (pipeline, &p, 60);
  assert_played (&p, emu);
  fail_unless_equals_int (p.source_setups, 1);
  gst_object_unref (pipeline);
  playback_clear (&p);
  emu_fixture_stop (emu);
}

GST_END_TEST;

GST_START_TEST (test_urisourcebin_qtdemux)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *uri = generate_uri (FALSE);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *usrc = gst_element_factory_make ("urisourcebin", NULL);
  GstElement *demux = gst_element_factory_make ("qtdemux", NULL);
  Playback p = { emu, };

  g_object_set (usrc, "uri", uri, NULL);
  gst_bin_add_many (GST_BIN (pipeline), usrc, demux, NULL);
  g_signal_connect (usrc, "source-setup", G_CALLBACK (on_source_setup), &p);
  g_signal_connect (usrc, "pad-added", G_CALLBACK (on_source_pad_added),
      demux);
  /* Counted as H.264 samples: one per frame. */
  g_signal_connect (demux, "pad-added", G_CALLBACK (on_pad_added), &p);
  play (pipeline, &p, 60);
  assert_played (&p, emu);
  fail_unless_equals_int (p.source_setups, 1);
  gst_object_unref (pipeline);
  playback_clear (&p);
  emu_fixture_stop (emu);
}

GST_END_TEST;

/* gst-play-1.0, a separate process that knows nothing of wanr2v: the
 * plugin comes from GST_PLUGIN_PATH, the key and the endpoint from the
 * environment, as the user set them. */
GST_START_TEST (test_gst_play)
{
  EmuFixture *emu = emu_fixture_start (NULL);
  g_autofree char *uri = generate_uri (FALSE);
  g_autofree char *xdg_cache = g_build_filename (tmp_dir, "xdg", NULL);
  g_autofree char *frames_dir = g_build_filename (tmp_dir, "frames", NULL);
  g_autofree char *videosink = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  GDir *dir;
  guint frames = 0;
  Playback p = { 0, };

  fail_unless (g_mkdir (frames_dir, 0700) == 0);
  /* A fake sink that leaves evidence: one tiny file per frame. */
  videosink = g_strdup_printf ("videoscale ! video/x-raw,width=8,height=8 ! "
      "multifilesink location=%s/f-%%05d", frames_dir);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_setenv (launcher, "DASHSCOPE_API_KEY", "test-key",
      TRUE);
  g_subprocess_launcher_setenv (launcher, "DASHSCOPE_HTTP_BASE_URL",
      emu_fixture_base_url (emu), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", xdg_cache, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, "gst-play-1.0",
      "--no-interactive", "--videosink", videosink, "--audiosink",
      "fakesink", uri, NULL);
  fail_unless (proc != NULL, "gst-play-1.0: %s",
      error ? error->message : "?");
  fail_unless (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err,
          &error), "%s", error ? error->message : "?");
  fail_unless (g_subprocess_get_if_exited (proc));
  fail_unless_equals_int (g_subprocess_get_exit_status (proc), 0);
  fail_if (strstr (out, "ERROR") || strstr (err, "ERROR"),
      "gst-play-1.0 reported an error:\n%s\n%s", out, err);
  fail_unless (strstr (out, "Reached end of play list") != NULL,
      "no end of play list:\n%s\n%s", out, err);

  dir = g_dir_open (frames_dir, 0, NULL);
  while (dir && g_dir_read_name (dir))
    frames++;
  if (dir)
    g_dir_close (dir);
  p.video_frames = frames;
  p.eos = TRUE;
  assert_played (&p, emu);
  emu_fixture_stop (emu);
}

GST_END_TEST;

static Suite *
uri_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-uri");
  TCase *tc;

  tc = tcase_create ("handler");
  tcase_add_test (tc, test_protocol_registered);
  tcase_add_test (tc, test_round_trip_every_kind);
  tcase_add_test (tc, test_round_trip_minimal);
  tcase_add_test (tc, test_hand_written_uri);
  tcase_add_test (tc, test_task_uri);
  tcase_add_test (tc, test_refused_uris);
  tcase_add_test (tc, test_set_uri_resets);
  suite_add_tcase (s, tc);

  tc = tcase_create ("play");
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_playbin);
  tcase_add_test (tc, test_uridecodebin_env_key);
  tcase_add_test (tc, test_uridecodebin3);
  tcase_add_test (tc, test_urisourcebin_qtdemux);
  tcase_add_test (tc, test_gst_play);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (uri);
