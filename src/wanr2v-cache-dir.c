/* wanr2v-cache-dir.c: the cache directory and the videos kept in it (see
 * wanr2v-cache-dir.h). */
#include "wanr2v-cache-dir.h"
#include "wanr2v-error.h"
#include "wanr2v-field.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

char *
wanr2v_cache_default_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "wanr2v", "videos", NULL);
}

#define OUTPUT_DIR WANR2V_FIELD_REF (WANR2V_FIELD_OUTPUT_DIR)

static gboolean
refuse_dir (GError ** error, const char *dir, const char *why)
{
  wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
      OUTPUT_DIR, " %s %s: a shared or foreign cache directory could feed "
      "us videos, task journals or symbolic links planted by someone else. "
      "Use a directory of your own that only you can write to", dir, why);
  return FALSE;
}

/* @st of a directory the user may keep files in. */
static gboolean
check_private_enough (const char *dir, const GStatBuf * st, GError ** error)
{
  if (!S_ISDIR (st->st_mode))
    return refuse_dir (error, dir, "is not a directory");
  if (st->st_uid != geteuid ()) {
    g_autofree char *why = g_strdup_printf ("belongs to user id %u, not to "
        "you (%u)", (guint) st->st_uid, (guint) geteuid ());

    return refuse_dir (error, dir, why);
  }
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    return refuse_dir (error, dir, "can be written by other users (chmod "
        "go-w would fix it)");
  return TRUE;
}

char *
wanr2v_cache_dir_prepare (const char *dir, GError ** error)
{
  g_autofree char *private_name = NULL, *private_dir = NULL;
  GStatBuf st;

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_stat (dir, &st) != 0) {
    int err = errno;

    wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
        OUTPUT_DIR, " %s cannot be created: %s", dir, g_strerror (err));
    return NULL;
  }
  if (!S_ISDIR (st.st_mode)) {
    refuse_dir (error, dir, "is not a directory");
    return NULL;
  }
  /* A shared directory done right (sticky: nobody removes or renames what
   * is not theirs): keep to a folder of our own inside it. */
  if ((st.st_mode & S_ISVTX) && (st.st_mode & (S_IWGRP | S_IWOTH))) {
    private_name = g_strdup_printf ("wanr2v-%u", (guint) geteuid ());
    private_dir = g_build_filename (dir, private_name, NULL);
    if (g_mkdir (private_dir, 0700) != 0 && errno != EEXIST) {
      int err = errno;

      wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
          OUTPUT_DIR, " %s cannot be created: %s", private_dir,
          g_strerror (err));
      return NULL;
    }
    /* lstat: a link planted there by someone else is not our folder. */
    if (g_lstat (private_dir, &st) != 0) {
      int err = errno;

      wanr2v_set_error_about (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
          OUTPUT_DIR, " %s: %s", private_dir, g_strerror (err));
      return NULL;
    }
    if (!check_private_enough (private_dir, &st, error))
      return NULL;
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
      refuse_dir (error, private_dir, "is the private folder in a shared "
          "directory, but others can enter it (chmod 700 would fix it)");
      return NULL;
    }
    return g_steal_pointer (&private_dir);
  }
  if (!check_private_enough (dir, &st, error))
    return NULL;
  return g_strdup (dir);
}

char *
wanr2v_cache_video_path (const char *dir, const char *key)
{
  g_autofree char *name = g_strconcat (key, ".mp4", NULL);

  return g_build_filename (dir, name, NULL);
}

gboolean
wanr2v_cache_lookup (const char *dir, const char *key, char **path,
    guint64 * size)
{
  g_autofree char *video = wanr2v_cache_video_path (dir, key);
  GStatBuf st;

  /* Only finished downloads have this name (they are renamed from .part);
   * lstat: a symbolic link is nothing this element kept. */
  if (g_lstat (video, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size == 0)
    return FALSE;
  *path = g_steal_pointer (&video);
  *size = st.st_size;
  return TRUE;
}

/* A record is some 100 bytes (an intent also holds a prompt of at most a
 * few thousand characters): anything much larger is not one. */
#define MAX_JOURNAL_BYTES (64 * 1024)

char *
wanr2v_cache_read_small_file (const char *path, gsize * length)
{
  GString *text;
  char buf[4096];
  gssize n;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0);
  struct stat st;

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)
      || st.st_size > MAX_JOURNAL_BYTES) {
    close (fd);
    return NULL;
  }
  text = g_string_new (NULL);
  while ((n = read (fd, buf, sizeof (buf))) > 0
      && text->len + n <= MAX_JOURNAL_BYTES)
    g_string_append_len (text, buf, n);
  close (fd);
  if (n != 0) {
    g_string_free (text, TRUE);
    return NULL;
  }
  *length = text->len;
  return g_string_free (text, FALSE);
}
