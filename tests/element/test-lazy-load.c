/* test-lazy-load.c: a cache hit loads neither libsoup, pbutils nor a TLS
 * backend, and runs no HTTP thread.
 *
 * The plugin opens libsoup when it first sends a request, GStreamer's
 * pbutils when it first inspects a local video or voice, and GIO's TLS
 * backend when a request needs it (issue 15: loading their dependency
 * trees was most of a cache hit's start-up).  Each case
 * plays a pipeline in a fresh process (lazy-load-run, which links
 * GStreamer core only) and reads what that process ended up mapping: this
 * test itself links libsoup for its emulator client.  A missing library
 * must end the pipeline with an error that names it, not a crash. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "emulator-fixture.h"

#define SOUP "libsoup-3.0.so"
#define PBUTILS "libgstpbutils-1.0.so"
#define GIO "libgio-2.0.so"
#define JSON "libjson-glib-1.0.so"
#define ENGINE "libgstwanr2v-engine.so"
/* GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT: "the library could not be
 * opened" (this test links no GStreamer to name them). */
#define LIBRARY_INIT "gst-library-error-quark 3"
#define CREATE_PATH "/api/v1/services/aigc/video-generation/video-synthesis"

typedef struct
{
  EmuFixture *emu;
  char *tmp_dir;
  char *cache_dir;
} Fixture;

/* What lazy-load-run said: its first line ("eos" or "error ...") and the
 * libraries mapped at the end. */
typedef struct
{
  char *end;
  GPtrArray *mapped;
  GPtrArray *threads;           /* names */
  char *domain;                 /* "QUARK CODE" of an error */
} Outcome;

static void
outcome_free (Outcome * o)
{
  g_free (o->end);
  g_ptr_array_unref (o->mapped);
  g_ptr_array_unref (o->threads);
  g_free (o->domain);
  g_free (o);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Outcome, outcome_free);

static gboolean
has_prefixed (GPtrArray * names, const char *prefix)
{
  guint i;

  for (i = 0; i < names->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (names, i), prefix))
      return TRUE;
  return FALSE;
}

static gboolean
mapped (const Outcome * o, const char *prefix)
{
  return has_prefixed (o->mapped, prefix);
}

/* Whether the process had a thread of that name at the end (the HTTP
 * thread lingers a while after its last job). */
static gboolean
had_thread (const Outcome * o, const char *name)
{
  return has_prefixed (o->threads, name);
}

static void
fixture_set_up (Fixture * f, gconstpointer data)
{
  /* A ready-made result: the emulator need not render one. */
  g_autofree char *video = emu_fixture_data_path ("character.mp4");
  const char *args[] = { "--pending-ms", "0", "--running-ms", "0",
    "--result-file", video, NULL
  };

  f->emu = emu_fixture_start (args);
  f->tmp_dir = g_dir_make_tmp ("wanr2v-lazy-XXXXXX", NULL);
  g_assert_nonnull (f->tmp_dir);
  f->cache_dir = g_build_filename (f->tmp_dir, "cache", NULL);
}

static void
fixture_tear_down (Fixture * f, gconstpointer data)
{
  emu_fixture_stop (f->emu);
  emu_fixture_remove_tree (f->tmp_dir);
  g_free (f->tmp_dir);
  g_free (f->cache_dir);
}

/* wanr2vsrc with @base_url, the emulator's key, a 2 s request with
 * @image and @extra properties, into a filesink at @out. */
static char *
description_full (Fixture * f, const char *base_url, const char *image,
    const char *extra, const char *out)
{
  return g_strdup_printf ("wanr2vsrc base-url=%s api-key=%s "
      "prompt=\"Image 1 waves\" images=\"<%s>\" resolution=720P duration=2 "
      "poll-interval=50 cache-dir=\"%s\" %s ! filesink location=\"%s\"",
      base_url, emu_fixture_api_key (f->emu), image, f->cache_dir,
      extra ? extra : "", out);
}

static char *
description_at (Fixture * f, const char *base_url, const char *extra,
    const char *out)
{
  g_autofree char *image = emu_fixture_data_path ("red.png");

  return description_full (f, base_url, image, extra, out);
}

static char *
description (Fixture * f, const char *extra, const char *out)
{
  return description_at (f, emu_fixture_base_url (f->emu), extra, out);
}

/* Runs @desc in a fresh lazy-load-run, with @env_name=@env_value when
 * @env_name is not NULL. */
static Outcome *
run (const char *desc, const char *env_name, const char *env_value)
{
  const char *argv[] = { LAZY_LOAD_RUN, desc, NULL };
  g_auto (GStrv) env = g_get_environ ();
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  Outcome *o = g_new0 (Outcome, 1);
  int status;
  guint i;

  if (env_name)
    env = g_environ_setenv (env, env_name, env_value, TRUE);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT,
          NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  /* Not a crash, whatever the pipeline did. */
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  o->mapped = g_ptr_array_new_with_free_func (g_free);
  o->threads = g_ptr_array_new_with_free_func (g_free);
  lines = g_strsplit (out, "\n", -1);
  for (i = 0; lines[i]; i++) {
    if (g_str_has_prefix (lines[i], "mapped "))
      g_ptr_array_add (o->mapped, g_strdup (lines[i] + strlen ("mapped ")));
    else if (g_str_has_prefix (lines[i], "thread "))
      g_ptr_array_add (o->threads, g_strdup (lines[i] + strlen ("thread ")));
    else if (g_str_has_prefix (lines[i], "domain "))
      o->domain = g_strdup (lines[i] + strlen ("domain "));
    else if (o->end == NULL && *lines[i])
      o->end = g_strdup (lines[i]);
  }
  g_assert_nonnull (o->end);
  g_test_message ("%s; %u libraries mapped", o->end, o->mapped->len);
  return o;
}

/* The one video kept in the cache directory. */
static char *
kept_video (Fixture * f)
{
  g_autoptr (GDir) dir = g_dir_open (f->cache_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_suffix (name, ".mp4"))
      return g_build_filename (f->cache_dir, name, NULL);
  return NULL;
}

static void
assert_same_file (const char *a, const char *b)
{
  g_autofree char *a_data = NULL, *b_data = NULL;
  gsize a_len, b_len;

  g_assert_true (g_file_get_contents (a, &a_data, &a_len, NULL));
  g_assert_true (g_file_get_contents (b, &b_data, &b_len, NULL));
  g_assert_cmpuint (a_len, ==, b_len);
  g_assert_true (memcmp (a_data, b_data, a_len) == 0);
}

/* A generation maps libsoup (an image reference needs no pbutils); the
 * same request again, a cache hit, plays the kept video without either. */
static void
test_cache_hit (Fixture * f, gconstpointer data)
{
  g_autofree char *first_out = g_build_filename (f->tmp_dir, "1.mp4", NULL);
  g_autofree char *second_out = g_build_filename (f->tmp_dir, "2.mp4", NULL);
  g_autofree char *third_out = g_build_filename (f->tmp_dir, "3.mp4", NULL);
  g_autofree char *first = description (f, NULL, first_out);
  g_autofree char *second = description (f, NULL, second_out);
  g_autofree char *third = description (f, NULL, third_out);
  g_autofree char *kept = NULL;
  g_autoptr (Outcome) generated = NULL;
  g_autoptr (Outcome) hit = NULL;
  g_autoptr (Outcome) no_engine = NULL;

  generated = run (first, NULL, NULL);
  g_assert_cmpstr (generated->end, ==, "eos");
  g_assert_true (mapped (generated, SOUP));
  g_assert_false (mapped (generated, PBUTILS));
  kept = kept_video (f);
  g_assert_nonnull (kept);
  g_assert_cmpuint (emu_fixture_count_requests (f->emu, "POST", CREATE_PATH), ==, 1);

  g_assert_true (had_thread (generated, "wanr2v-http"));

  hit = run (second, NULL, NULL);
  g_assert_cmpstr (hit->end, ==, "eos");
  g_assert_false (mapped (hit, SOUP));
  g_assert_false (mapped (hit, PBUTILS));
  /* Served by the plugin itself: its engine, and GIO and json-glib with
   * it, were never opened. */
  g_assert_true (mapped (generated, ENGINE));
  g_assert_false (mapped (hit, ENGINE));
  g_assert_false (mapped (hit, GIO));
  g_assert_false (mapped (hit, JSON));
  /* Served when the element started: the HTTP thread never ran. */
  g_assert_false (had_thread (hit, "wanr2v-http"));
  /* Served from the cache: no new task, and the kept video itself. */
  g_assert_cmpuint (emu_fixture_count_requests (f->emu, "POST", CREATE_PATH), ==, 1);
  assert_same_file (second_out, kept);

  /* So it plays even where the engine cannot be opened. */
  no_engine = run (third, "WANR2V_ENGINE_LIBRARY", "/nonexistent/engine.so.0");
  g_assert_cmpstr (no_engine->end, ==, "eos");
  assert_same_file (third_out, kept);
}

/* The service's address is https, as it is for every real user.  A cache
 * hit sends nothing, so it loads no TLS backend (GnuTLS and its libraries
 * were most of a hit's start-up), and it plays even where there is none.
 * The kept video's key names the API host, not the scheme: the https
 * URL of the emulator's host finds what its http URL kept. */
static void
test_cache_hit_https (Fixture * f, gconstpointer data)
{
  g_autofree char *first_out = g_build_filename (f->tmp_dir, "1.mp4", NULL);
  g_autofree char *second_out = g_build_filename (f->tmp_dir, "2.mp4", NULL);
  g_autofree char *third_out = g_build_filename (f->tmp_dir, "3.mp4", NULL);
  g_autofree char *https = NULL;
  g_autofree char *first = description (f, NULL, first_out);
  g_autofree char *second = NULL, *third = NULL, *kept = NULL;
  g_autoptr (Outcome) generated = NULL;
  g_autoptr (Outcome) hit = NULL;
  g_autoptr (Outcome) no_tls = NULL;

  g_assert_true (g_str_has_prefix (emu_fixture_base_url (f->emu), "http:"));
  https = g_strconcat ("https:", emu_fixture_base_url (f->emu) +
      strlen ("http:"), NULL);
  second = description_at (f, https, NULL, second_out);
  third = description_at (f, https, NULL, third_out);

  generated = run (first, NULL, NULL);
  g_assert_cmpstr (generated->end, ==, "eos");
  kept = kept_video (f);
  g_assert_nonnull (kept);

  /* Another base-url is another fingerprint: the engine finds the video
   * by its key. */
  hit = run (second, NULL, NULL);
  g_assert_cmpstr (hit->end, ==, "eos");
  g_assert_true (mapped (hit, ENGINE));
  g_assert_false (mapped (hit, "libgiognutls"));
  g_assert_false (mapped (hit, "libgnutls"));
  g_assert_false (mapped (hit, SOUP));
  assert_same_file (second_out, kept);

  /* No TLS backend at all: the kept video still plays. */
  no_tls = run (third, "GIO_MODULE_DIR", "/nonexistent");
  g_assert_cmpstr (no_tls->end, ==, "eos");
  /* ...and then the plugin by the fingerprint, with no GIO at all. */
  g_assert_false (mapped (no_tls, GIO));
  assert_same_file (third_out, kept);
  g_assert_cmpuint (emu_fixture_count_requests (f->emu, "POST", CREATE_PATH), ==, 1);
}

static guint
count_creates (Fixture * f)
{
  return emu_fixture_count_requests (f->emu, "POST", CREATE_PATH);
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (to, data, len, NULL));
}

/* Plays @desc into @out; whether the plugin served a kept video by itself
 * (its engine never opened) or the engine ran. */
static gboolean
served_by_plugin (const char *desc)
{
  g_autoptr (Outcome) o = run (desc, NULL, NULL);

  g_assert_cmpstr (o->end, ==, "eos");
  return !mapped (o, ENGINE) && !mapped (o, GIO);
}

/* The plugin finds kept videos by a fingerprint of its settings and of
 * the contents of the files they name: same settings and same contents
 * are served without the engine; an edited reference, another setting,
 * a kept video gone or an index that is not one, never. */
static void
test_kept_index (Fixture * f, gconstpointer data)
{
  g_autofree char *image = g_build_filename (f->tmp_dir, "ref.png", NULL);
  g_autofree char *red = emu_fixture_data_path ("red.png");
  g_autofree char *magenta = emu_fixture_data_path ("magenta.png");
  g_autofree char *out = g_build_filename (f->tmp_dir, "out.mp4", NULL);
  const char *base_url = emu_fixture_base_url (f->emu);
  g_autofree char *desc = NULL, *seeded = NULL, *no_key = NULL;
  g_autofree char *kept = NULL, *first = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;
  g_autoptr (Outcome) refused = NULL;

  copy_file (red, image);
  desc = description_full (f, base_url, image, NULL, out);
  seeded = description_full (f, base_url, image, "seed=7", out);

  g_assert_false (served_by_plugin (desc));
  g_assert_cmpuint (count_creates (f), ==, 1);
  kept = kept_video (f);
  first = g_strdup (kept);
  g_assert_true (served_by_plugin (desc));
  g_assert_cmpuint (count_creates (f), ==, 1);
  assert_same_file (out, kept);

  /* Another setting: another request. */
  g_assert_false (served_by_plugin (seeded));
  g_assert_cmpuint (count_creates (f), ==, 2);

  /* The same path with other contents: another request, never the video
   * of the old contents. */
  copy_file (magenta, image);
  g_assert_false (served_by_plugin (desc));
  g_assert_cmpuint (count_creates (f), ==, 3);
  /* ...whose video the plugin then serves. */
  g_assert_true (served_by_plugin (desc));
  g_assert_cmpuint (count_creates (f), ==, 3);

  /* No API key: refused as before, kept video or not. */
  no_key = g_strdup (desc);
  memcpy (strstr (no_key, "api-key=") + strlen ("api-key="), "\x01", 1);
  refused = run (no_key, NULL, NULL);
  g_assert_true (g_str_has_prefix (refused->end, "error "));
  g_assert_nonnull (strstr (refused->end, "control character"));

  /* Every index made unreadable (garbage, or a link to a real one): the
   * engine looks the video up itself, and serves it without a task. */
  dir = g_dir_open (f->cache_dir, 0, NULL);
  while ((name = g_dir_read_name (dir))) {
    g_autofree char *path = g_build_filename (f->cache_dir, name, NULL);
    g_autofree char *moved = g_strconcat (path, ".real", NULL);

    if (!g_str_has_suffix (name, ".index"))
      continue;
    g_assert_cmpint (g_rename (path, moved), ==, 0);
    g_assert_cmpint (symlink (moved, path), ==, 0);
  }
  g_assert_false (served_by_plugin (desc));
  g_assert_cmpuint (count_creates (f), ==, 3);

  /* The kept video of the first contents removed: the index that names
   * it finds nothing, and the engine makes it again. */
  copy_file (red, image);
  g_assert_cmpint (g_unlink (first), ==, 0);
  g_assert_false (served_by_plugin (desc));
  g_assert_cmpuint (count_creates (f), ==, 4);
}

/* A local reference video is inspected before anything is sent: that
 * loads pbutils, and the generation works as before. */
static void
test_reference_video (Fixture * f, gconstpointer data)
{
  g_autofree char *video = emu_fixture_data_path ("character.mp4");
  g_autofree char *extra = g_strdup_printf ("videos=\"<%s>\"", video);
  g_autofree char *out = g_build_filename (f->tmp_dir, "out.mp4", NULL);
  g_autofree char *desc = description (f, extra, out);
  g_autoptr (Outcome) o = run (desc, NULL, NULL);

  g_assert_cmpstr (o->end, ==, "eos");
  g_assert_true (mapped (o, PBUTILS));
  g_assert_true (mapped (o, SOUP));
}

/* Runs @desc with a libsoup that cannot be opened: the run ends with
 * LIBRARY/INIT, naming the file. */
static Outcome *
run_without_soup (const char *desc)
{
  Outcome *o = run (desc, "WANR2V_SOUP_LIBRARY",
      "/nonexistent/libsoup-3.0.so.0");

  g_assert_true (g_str_has_prefix (o->end, "error "));
  g_assert_nonnull (strstr (o->end, "/nonexistent/libsoup-3.0.so.0"));
  g_assert_cmpstr (o->domain, ==, LIBRARY_INIT);
  return o;
}

/* Without libsoup a generation fails with an error naming it. */
static void
test_no_soup (Fixture * f, gconstpointer data)
{
  g_autofree char *out = g_build_filename (f->tmp_dir, "out.mp4", NULL);
  g_autofree char *desc = description (f, NULL, out);
  g_autoptr (Outcome) o = run_without_soup (desc);

  g_assert_false (mapped (o, SOUP));
  g_assert_cmpuint (emu_fixture_count_requests (f->emu, NULL, "/api/"), ==, 0);
}

/* Without libsoup, following an existing task fails at its first query
 * (no query is retried: nothing mends a missing library). */
static void
test_no_soup_attach (Fixture * f, gconstpointer data)
{
  g_autofree char *out = g_build_filename (f->tmp_dir, "out.mp4", NULL);
  g_autofree char *desc = description (f, "task-id=0000-some-task", out);
  gint64 start = g_get_monotonic_time ();
  g_autoptr (Outcome) o = run_without_soup (desc);

  /* Not polled until the overall timeout (minutes). */
  g_assert_cmpint (g_get_monotonic_time () - start, <,
      emu_fixture_scaled_us (30));
}

/* Without pbutils a local reference video cannot be inspected: the
 * request is refused, naming the library, before anything is sent. */
static void
test_no_pbutils (Fixture * f, gconstpointer data)
{
  g_autofree char *video = emu_fixture_data_path ("character.mp4");
  g_autofree char *extra = g_strdup_printf ("videos=\"<%s>\"", video);
  g_autofree char *out = g_build_filename (f->tmp_dir, "out.mp4", NULL);
  g_autofree char *desc = description (f, extra, out);
  g_autoptr (Outcome) o = run (desc, "WANR2V_PBUTILS_LIBRARY",
      "/nonexistent/libgstpbutils-1.0.so.0");

  g_assert_true (g_str_has_prefix (o->end, "error "));
  g_assert_nonnull (strstr (o->end, "/nonexistent/libgstpbutils-1.0.so.0"));
  g_assert_false (mapped (o, PBUTILS));
  g_assert_cmpuint (emu_fixture_count_requests (f->emu, NULL, "/api/"), ==, 0);
}

/* Without its engine the plugin still loads, and a run fails at READY to
 * PAUSED with LIBRARY/INIT naming the file: nothing is sent, and GIO,
 * which only the engine links, is never mapped. */
static void
test_no_engine (Fixture * f, gconstpointer data)
{
  g_autofree char *out = g_build_filename (f->tmp_dir, "out.mp4", NULL);
  g_autofree char *desc = description (f, NULL, out);
  g_autoptr (Outcome) o = run (desc, "WANR2V_ENGINE_LIBRARY",
      "/nonexistent/libgstwanr2v-engine.so.0");

  g_assert_true (g_str_has_prefix (o->end, "error "));
  g_assert_nonnull (strstr (o->end, "/nonexistent/libgstwanr2v-engine.so.0"));
  g_assert_cmpstr (o->domain, ==, LIBRARY_INIT);
  g_assert_false (mapped (o, GIO));
  g_assert_cmpuint (emu_fixture_count_requests (f->emu, NULL, "/api/"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/lazy-load/cache-hit", Fixture, NULL, fixture_set_up,
      test_cache_hit, fixture_tear_down);
  g_test_add ("/lazy-load/cache-hit-https", Fixture, NULL, fixture_set_up,
      test_cache_hit_https, fixture_tear_down);
  g_test_add ("/lazy-load/reference-video", Fixture, NULL, fixture_set_up,
      test_reference_video, fixture_tear_down);
  g_test_add ("/lazy-load/no-soup", Fixture, NULL, fixture_set_up,
      test_no_soup, fixture_tear_down);
  g_test_add ("/lazy-load/no-soup-attach", Fixture, NULL, fixture_set_up,
      test_no_soup_attach, fixture_tear_down);
  g_test_add ("/lazy-load/no-pbutils", Fixture, NULL, fixture_set_up,
      test_no_pbutils, fixture_tear_down);
  g_test_add ("/lazy-load/no-engine", Fixture, NULL, fixture_set_up,
      test_no_engine, fixture_tear_down);
  g_test_add ("/lazy-load/kept-index", Fixture, NULL, fixture_set_up,
      test_kept_index, fixture_tear_down);
  return g_test_run ();
}
