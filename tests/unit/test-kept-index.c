/* test-kept-index.c: kept videos found by the element's settings
 * (wanr2v-kept-index): what the index finds, and what it never trusts. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "wanr2v-kept-index.h"

#define PRINT "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define KEY "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define TASK "0385dc79-5ff8-4d82-bcb6-0123456789ab"

typedef struct
{
  char *dir;
  char *video;
  char *index;
} Fixture;

static void
fixture_set_up (Fixture * f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("wanr2v-index-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->video = g_build_filename (f->dir, KEY ".mp4", NULL);
  f->index = g_build_filename (f->dir, PRINT ".index", NULL);
  g_assert_true (g_file_set_contents (f->video, "video bytes", -1, NULL));
}

static void
fixture_tear_down (Fixture * f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *path = g_build_filename (f->dir, name, NULL);

    g_unlink (path);
  }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->video);
  g_free (f->index);
}

/* What lookup finds, or NULL; *@task_id and *@tags with it. */
static char *
lookup (Fixture * f, const char *print, guint64 * size, char **task_id,
    char **tags)
{
  char *path = NULL;

  if (!wanr2v_kept_index_lookup (f->dir, print, &path, size, task_id, tags))
    return NULL;
  return path;
}

static void
test_round_trip (Fixture * f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL, *task_id = NULL, *tags = NULL;
  guint64 size = 0;

  g_assert_null (lookup (f, PRINT, &size, &task_id, &tags));
  g_assert_true (wanr2v_kept_index_write (f->dir, PRINT, KEY, TASK,
          "taglist, title=(string)\"a\\ \\\"b\\\"\";", &error));
  g_assert_no_error (error);
  path = lookup (f, PRINT, &size, &task_id, &tags);
  g_assert_cmpstr (path, ==, f->video);
  g_assert_cmpuint (size, ==, strlen ("video bytes"));
  g_assert_cmpstr (task_id, ==, TASK);
  g_assert_cmpstr (tags, ==, "taglist, title=(string)\"a\\ \\\"b\\\"\";");
}

static void
test_without_task_or_tags (Fixture * f, gconstpointer data)
{
  g_autofree char *path = NULL, *task_id = NULL, *tags = NULL;
  guint64 size = 0;

  g_assert_true (wanr2v_kept_index_write (f->dir, PRINT, KEY, NULL, NULL,
          NULL));
  path = lookup (f, PRINT, &size, &task_id, &tags);
  g_assert_cmpstr (path, ==, f->video);
  g_assert_null (task_id);
  g_assert_null (tags);
}

/* The video itself decides: gone, empty or not a regular file, the index
 * finds nothing. */
static void
test_video_gone (Fixture * f, gconstpointer data)
{
  g_autofree char *elsewhere = g_build_filename (f->dir, "elsewhere", NULL);
  g_autofree char *task_id = NULL, *tags = NULL;
  guint64 size = 0;

  g_assert_true (wanr2v_kept_index_write (f->dir, PRINT, KEY, TASK, NULL,
          NULL));
  g_assert_true (g_file_set_contents (f->video, "", 0, NULL));
  g_assert_null (lookup (f, PRINT, &size, &task_id, &tags));
  g_assert_cmpint (g_rename (f->video, elsewhere), ==, 0);
  g_assert_true (g_file_set_contents (elsewhere, "video", -1, NULL));
  g_assert_cmpint (symlink (elsewhere, f->video), ==, 0);
  g_assert_null (lookup (f, PRINT, &size, &task_id, &tags));
  g_assert_cmpint (g_unlink (f->video), ==, 0);
  g_assert_null (lookup (f, PRINT, &size, &task_id, &tags));
}

/* What is in the index is checked: a key that is not 64 lowercase hex
 * digits (it becomes a file name), a task id that is not one, a file that
 * is not a key file, a symbolic link, a huge file. */
static void
test_hostile_index (Fixture * f, gconstpointer data)
{
  const char *bad[] = {
    "[kept]\nkey=../../etc/passwd\n",
    "[kept]\nkey=" KEY "/../x\n",
    "[kept]\nkey=FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210\n",
    "[kept]\nkey=fedcba98\n",
    "[other]\nkey=" KEY "\n",
    "not a key file at all\n\x01\x02",
    "",
  };
  g_autofree char *real = g_build_filename (f->dir, "real.index", NULL);
  g_autofree char *huge = NULL;
  g_autofree char *path = NULL, *task_id = NULL, *tags = NULL;
  guint64 size = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_true (g_file_set_contents (f->index, bad[i], -1, NULL));
    g_assert_null (lookup (f, PRINT, &size, &task_id, &tags));
  }

  /* A task id with a control character or a slash is dropped; the video
   * is still found. */
  g_assert_true (g_file_set_contents (f->index, "[kept]\nkey=" KEY
          "\ntask-id=a/b\n", -1, NULL));
  path = lookup (f, PRINT, &size, &task_id, &tags);
  g_assert_cmpstr (path, ==, f->video);
  g_assert_null (task_id);

  g_assert_true (g_file_set_contents (real, "[kept]\nkey=" KEY "\n", -1,
          NULL));
  g_assert_cmpint (g_unlink (f->index), ==, 0);
  g_assert_cmpint (symlink (real, f->index), ==, 0);
  g_assert_null (lookup (f, PRINT, &size, &task_id, &tags));
  g_assert_cmpint (g_unlink (f->index), ==, 0);

  huge = g_strnfill (100 * 1024, '#');
  memcpy (huge, "[kept]\nkey=" KEY "\n#", strlen ("[kept]\nkey=" KEY "\n#"));
  g_assert_true (g_file_set_contents (f->index, huge, -1, NULL));
  g_assert_null (lookup (f, PRINT, &size, &task_id, &tags));
}

/* A fingerprint is a file name too: only 64 lowercase hex digits. */
static void
test_bad_fingerprint (Fixture * f, gconstpointer data)
{
  g_autofree char *task_id = NULL, *tags = NULL;
  guint64 size = 0;

  g_assert_true (wanr2v_kept_index_write (f->dir, PRINT, KEY, NULL, NULL,
          NULL));
  g_assert_null (lookup (f, "../" PRINT, &size, &task_id, &tags));
  g_assert_null (lookup (f, "", &size, &task_id, &tags));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/kept-index/round-trip", Fixture, NULL, fixture_set_up,
      test_round_trip, fixture_tear_down);
  g_test_add ("/kept-index/without-task-or-tags", Fixture, NULL,
      fixture_set_up, test_without_task_or_tags, fixture_tear_down);
  g_test_add ("/kept-index/video-gone", Fixture, NULL, fixture_set_up,
      test_video_gone, fixture_tear_down);
  g_test_add ("/kept-index/hostile-index", Fixture, NULL, fixture_set_up,
      test_hostile_index, fixture_tear_down);
  g_test_add ("/kept-index/bad-fingerprint", Fixture, NULL, fixture_set_up,
      test_bad_fingerprint, fixture_tear_down);
  return g_test_run ();
}
