/* test-cache-dir.c: a shared or hostile cache directory is refused, and
 * what the element keeps is the user's only (docs/element.md, "Kept videos").
 *
 * A cache directory someone else can write to could hand the element a
 * video, a journal naming their task, or a symbolic link to write through.
 * The element refuses such a directory when the job starts, before any
 * request, unless it is a sticky shared directory (like /tmp), where it
 * keeps to a private folder of its own. */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emulator-fixture.h"
#include "pipeline-run.h"

#define CREATE_PATH "/api/v1/services/aigc/video-generation/video-synthesis"

static EmuFixture *emu;
static char *tmp_dir;

static void
setup (void)
{
  emu = emu_fixture_start (NULL);
  tmp_dir = g_dir_make_tmp ("wanr2v-cachedir-XXXXXX", NULL);
  fail_unless (tmp_dir != NULL);
}

static void
teardown (void)
{
  emu_fixture_remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
  g_clear_pointer (&emu, emu_fixture_stop);
}

static guint
count_creates (void)
{
  return emu_fixture_count_requests (emu, "POST", CREATE_PATH);
}

static PipelineRun *
run_into (const char *cache_dir)
{
  PipelineRun *run = pipeline_run_new ("wanr2vsrc name=src ! fakesink");
  g_autofree char *red = emu_fixture_data_path ("red.png");
  GValue images = G_VALUE_INIT, item = G_VALUE_INIT;

  gst_value_array_init (&images, 1);
  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, red);
  gst_value_array_append_and_take_value (&images, &item);
  g_object_set_property (G_OBJECT (run->src), "images", &images);
  g_value_unset (&images);
  g_object_set (run->src, "base-url", emu_fixture_base_url (emu), "api-key",
      emu_fixture_api_key (emu), "poll-interval", 50, "cache-dir", cache_dir,
      "duration", 2, "prompt", "Image 1 waves", NULL);
  pipeline_run_play (run, 60);
  return run;
}

static void
assert_refused (const char *cache_dir, const char *why)
{
  guint creates = count_creates ();
  PipelineRun *run = run_into (cache_dir);

  fail_unless (run->error != NULL, "%s was used", cache_dir);
  fail_unless (g_error_matches (run->error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "%s", run->error->message);
  fail_unless (strstr (run->error->message, "cache-dir") != NULL
      && strstr (run->error->message, why) != NULL, "%s (wanted \"%s\")",
      run->error->message, why);
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (), creates);
}

/* Every file under @dir: mode 0600, directories 0700. */
static guint
assert_private_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint files = 0;

  fail_unless (d != NULL);
  while ((name = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, name, NULL);
    GStatBuf st;

    fail_unless (g_lstat (path, &st) == 0);
    if (S_ISDIR (st.st_mode)) {
      fail_unless_equals_int (st.st_mode & 07777, 0700);
      files += assert_private_tree (path);
    } else {
      fail_unless (S_ISREG (st.st_mode), "%s", path);
      fail_unless ((st.st_mode & 07777) == 0600, "%s has mode %o", path,
          st.st_mode & 07777);
      files++;
    }
  }
  g_dir_close (d);
  return files;
}

GST_START_TEST (test_others_can_write)
{
  g_autofree char *open_dir = g_build_filename (tmp_dir, "open", NULL);
  g_autofree char *group_dir = g_build_filename (tmp_dir, "group", NULL);

  fail_unless (g_mkdir (open_dir, 0700) == 0 && chmod (open_dir, 0777) == 0);
  assert_refused (open_dir, "can be written by other users");
  fail_unless (g_mkdir (group_dir, 0700) == 0
      && chmod (group_dir, 0770) == 0);
  assert_refused (group_dir, "can be written by other users");
}

GST_END_TEST;

GST_START_TEST (test_not_owned)
{
  g_autofree char *theirs = g_build_filename (tmp_dir, "theirs", NULL);

  if (geteuid () != 0) {
    GST_INFO ("not root: cannot make a directory of another user");
    return;
  }
  fail_unless (g_mkdir (theirs, 0755) == 0
      && chown (theirs, 65534, 65534) == 0);
  assert_refused (theirs, "belongs to user id 65534");
}

GST_END_TEST;

/* A sticky shared directory: a private folder of the user's inside it,
 * and every file kept there private too. */
GST_START_TEST (test_sticky_shared)
{
  g_autofree char *shared = g_build_filename (tmp_dir, "shared", NULL);
  g_autofree char *name = g_strdup_printf ("wanr2v-%u", (guint) geteuid ());
  g_autofree char *mine = g_build_filename (shared, name, NULL);
  PipelineRun *run;
  GStatBuf st;

  fail_unless (g_mkdir (shared, 0700) == 0 && chmod (shared, 01777) == 0);
  run = run_into (shared);
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  pipeline_run_free (run);
  fail_unless (g_lstat (mine, &st) == 0 && S_ISDIR (st.st_mode));
  /* the video and the record of its task */
  fail_unless (assert_private_tree (mine) >= 2);
  fail_unless_equals_int (count_creates (), 1);

  /* Its private folder planted by someone else, as a link or open to
   * others: refused. */
  emu_fixture_remove_tree (mine);
  fail_unless (symlink (tmp_dir, mine) == 0);
  assert_refused (shared, "is not a directory");
}

GST_END_TEST;

GST_START_TEST (test_sticky_private_folder_open)
{
  g_autofree char *shared = g_build_filename (tmp_dir, "shared", NULL);
  g_autofree char *name = g_strdup_printf ("wanr2v-%u", (guint) geteuid ());
  g_autofree char *mine = g_build_filename (shared, name, NULL);

  fail_unless (g_mkdir (shared, 0700) == 0 && chmod (shared, 01777) == 0);
  fail_unless (g_mkdir (mine, 0700) == 0 && chmod (mine, 0755) == 0);
  assert_refused (shared, "others can enter it");
}

GST_END_TEST;

/* A symbolic link where the kept video is: not served, not followed. */
GST_START_TEST (test_kept_video_link_ignored)
{
  g_autofree char *cache = g_build_filename (tmp_dir, "cache", NULL);
  g_autofree char *decoy = emu_fixture_data_path ("character.mp4");
  PipelineRun *run;
  GDir *d;
  const char *entry;
  guint links = 0;

  run = run_into (cache);
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  pipeline_run_free (run);
  fail_unless (assert_private_tree (cache) >= 2);

  /* Someone replaces the kept video by a link to a file of their own. */
  d = g_dir_open (cache, 0, NULL);
  while ((entry = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (cache, entry, NULL);

    if (g_str_has_suffix (entry, ".mp4")) {
      fail_unless (g_unlink (path) == 0 && symlink (decoy, path) == 0);
      links++;
    }
  }
  g_dir_close (d);
  fail_unless_equals_int (links, 1);

  /* The same request again: the link is no kept video; a new one is made
   * (and kept in its place). */
  run = run_into (cache);
  fail_unless (run->error == NULL, "%s", run->error ? run->error->message :
      "");
  pipeline_run_free (run);
  fail_unless_equals_int (count_creates (), 2);
  fail_unless (assert_private_tree (cache) >= 2);
}

GST_END_TEST;

static Suite *
cache_dir_suite (void)
{
  Suite *s = suite_create ("wanr2vsrc-cache-dir");
  TCase *tc = tcase_create ("cache-dir");

  tcase_set_timeout (tc, 90);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_others_can_write);
  tcase_add_test (tc, test_not_owned);
  tcase_add_test (tc, test_sticky_shared);
  tcase_add_test (tc, test_sticky_private_folder_open);
  tcase_add_test (tc, test_kept_video_link_ignored);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (cache_dir);
