/* wanr2v-localfile.c: reading the user's local files safely. */
#include "wanr2v-localfile.h"
#include "wanr2v-blocks.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular one is, for people. */
static const char *
kind_of (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISFIFO (mode))
    return "a FIFO (named pipe)";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  return "not a regular file";
}

static gboolean
check_mode (const char *path, const char *what, mode_t mode, GError ** error)
{
  if (S_ISREG (mode))
    return TRUE;
  g_set_error (error, G_IO_ERROR, S_ISDIR (mode) ? G_IO_ERROR_IS_DIRECTORY :
      G_IO_ERROR_NOT_REGULAR_FILE, "%s: %s is %s, not a regular file: only "
      "regular files are read", what, path, kind_of (mode));
  return FALSE;
}

gboolean
wanr2v_local_file_check (const char *path, const char *what, GError ** error)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return TRUE;
  return check_mode (path, what, st.st_mode, error);
}

int
wanr2v_local_file_open (const char *path, const char *what,
    guint64 max_size, guint64 * size, GError ** error)
{
  struct stat st;
  int fd, flags;

  /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer.  No
   * O_NOFOLLOW: a user's reference may well be a symbolic link. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0) {
    int err = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
        "%s: cannot open %s: %s", what, path, g_strerror (err));
    return -1;
  }
  if (fstat (fd, &st) != 0) {
    int err = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
        "%s: cannot read %s: %s", what, path, g_strerror (err));
    close (fd);
    return -1;
  }
  if (!check_mode (path, what, st.st_mode, error)) {
    close (fd);
    return -1;
  }
  if (max_size > 0 && (guint64) st.st_size > max_size) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
        "%s: %s is %" G_GUINT64_FORMAT " bytes; at most %" G_GUINT64_FORMAT
        " are read", what, path, (guint64) st.st_size, max_size);
    close (fd);
    return -1;
  }
  /* A regular file: reads never wait for a writer; back to blocking. */
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  if (size)
    *size = st.st_size;
  return fd;
}

GInputStream *
wanr2v_local_file_open_stream (const char *path, const char *what,
    guint64 max_size, guint64 * size, GError ** error)
{
  int fd = wanr2v_local_file_open (path, what, max_size, size, error);

  return fd < 0 ? NULL : g_unix_input_stream_new (fd, TRUE);
}

static gboolean
is_cancelled (gpointer cancellable)
{
  return g_cancellable_is_cancelled (cancellable);
}

/* Reads @fd to its end in blocks, checking @cancellable between them, and
 * hands each block to @func.  With @max_size > 0, a file that grows past
 * it while it is read is refused.  Closes @fd. */
static gboolean
read_blocks (int fd, const char *path, const char *what, guint64 max_size,
    GCancellable * cancellable, WanR2vBlockFunc func, gpointer data,
    GError ** error)
{
  int err = 0;
  WanR2vBlocksResult result = wanr2v_blocks_read (fd, max_size,
      cancellable ? is_cancelled : NULL, cancellable, func, data, &err);

  close (fd);
  switch (result) {
    case WANR2V_BLOCKS_DONE:
      return TRUE;
    case WANR2V_BLOCKS_STOPPED:
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return FALSE;
    case WANR2V_BLOCKS_FAILED:
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
          "%s: cannot read %s: %s", what, path, g_strerror (err));
      return FALSE;
    case WANR2V_BLOCKS_TOO_LARGE:
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
          "%s: %s grew past %" G_GUINT64_FORMAT " bytes while it was read",
          what, path, max_size);
      return FALSE;
  }
}

static void
append_block (const guint8 * block, gsize len, gpointer data)
{
  g_byte_array_append (data, block, len);
}

GBytes *
wanr2v_local_file_read (const char *path, const char *what, gsize max_size,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (GByteArray) data = NULL;
  guint64 size = 0;
  int fd;

  g_return_val_if_fail (max_size > 0, NULL);

  fd = wanr2v_local_file_open (path, what, max_size, &size, error);
  if (fd < 0)
    return NULL;
  data = g_byte_array_sized_new (MIN (size, max_size));
  if (!read_blocks (fd, path, what, max_size, cancellable, append_block,
          data, error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

char *
wanr2v_local_file_sha256 (const char *path, const char *what,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  int fd = wanr2v_local_file_open (path, what, 0, NULL, error);

  if (fd < 0 || !read_blocks (fd, path, what, 0, cancellable,
          wanr2v_blocks_checksum, checksum, error))
    return NULL;
  return g_strdup (g_checksum_get_string (checksum));
}
