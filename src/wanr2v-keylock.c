/* wanr2v-keylock.c: one create at a time per request key. */
#include "wanr2v-keylock.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

int
wanr2v_key_lock_try (const char *dir, const char *key, GError ** error)
{
  g_autofree char *name = g_strconcat (key, ".lock", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd, err;

  if (g_mkdir_with_parents (dir, 0700) != 0) {
    err = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "Cannot create %s: %s", dir, g_strerror (err));
    return -1;
  }
  /* The file stays: removing it would let a third run lock a new file
   * while the second still waits on the old one. */
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    err = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "Cannot open %s: %s", path, g_strerror (err));
    return -1;
  }
  if (flock (fd, LOCK_EX | LOCK_NB) == 0)
    return fd;
  err = errno;
  close (fd);
  if (err != EWOULDBLOCK)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "Cannot lock %s: %s", path, g_strerror (err));
  return -1;
}

void
wanr2v_key_lock_release (int fd)
{
  if (fd >= 0)
    close (fd);
}
