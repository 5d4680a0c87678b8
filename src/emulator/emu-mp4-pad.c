/* emu-mp4-pad.c: padding an MP4 with a sparse `free` box. */
#include "emu-mp4-pad.h"

#include <errno.h>
#include <gst/gst.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A moov is a few kB per minute of video; more means a broken file. */
#define MAX_MOOV_SIZE (256 * 1024 * 1024)

static gboolean
io_error (GError ** error, const char *what, const char *path)
{
  int saved = errno;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
      "cannot %s %s: %s", what, path, g_strerror (saved));
  return FALSE;
}

static gboolean
bad_layout (GError ** error, const char *path, const char *why)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
      "%s is not an MP4 that can be padded: %s", path, why);
  return FALSE;
}

static gboolean
pread_all (int fd, void *buf, gsize len, goffset at)
{
  gsize done = 0;

  while (done < len) {
    ssize_t n = pread (fd, (char *) buf + done, len - done, at + done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    done += n;
  }
  return TRUE;
}

static gboolean
pwrite_all (int fd, const void *buf, gsize len, goffset at)
{
  gsize done = 0;

  while (done < len) {
    ssize_t n = pwrite (fd, (const char *) buf + done, len - done, at + done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    done += n;
  }
  return TRUE;
}

/* The header of a `free` box of @size bytes in @header; its length. */
static gsize
free_box_header (guint64 size, guint8 header[16])
{
  if (size <= G_MAXUINT32) {
    guint32 be = GUINT32_TO_BE ((guint32) size);

    memcpy (header, &be, 4);
    memcpy (header + 4, "free", 4);
    return 8;
  } else {
    guint32 one = GUINT32_TO_BE (1);
    guint64 be = GUINT64_TO_BE (size);

    memcpy (header, &one, 4);
    memcpy (header + 4, "free", 4);
    memcpy (header + 8, &be, 8);
    return 16;
  }
}

gboolean
emu_mp4_pad (const char *path, guint64 min_size, GError ** error)
{
  int fd;
  struct stat st;
  guint64 size, pos = 0, last_pos = 0, last_size = 0, pad;
  char last_type[5] = "";
  guint8 header[16];
  gsize header_len;
  gboolean ok = FALSE;
  g_autofree guint8 *moov = NULL;

  fd = g_open (path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    return io_error (error, "open", path);
  if (fstat (fd, &st) != 0) {
    io_error (error, "stat", path);
    goto out;
  }
  size = st.st_size;
  if (size >= min_size) {
    ok = TRUE;
    goto out;
  }

  /* The top-level boxes must cover the file exactly. */
  while (pos < size) {
    guint8 h[16];
    guint64 box_size;

    if (size - pos < 8 || !pread_all (fd, h, 8, pos)) {
      bad_layout (error, path, "a box header is cut");
      goto out;
    }
    box_size = GST_READ_UINT32_BE (h);
    if (box_size == 1) {
      if (size - pos < 16 || !pread_all (fd, h + 8, 8, pos + 8)) {
        bad_layout (error, path, "a box header is cut");
        goto out;
      }
      box_size = GST_READ_UINT64_BE (h + 8);
    } else if (box_size == 0) {
      box_size = size - pos;
    }
    if (box_size < 8 || box_size > size - pos) {
      bad_layout (error, path, "a box size does not fit the file");
      goto out;
    }
    memcpy (last_type, h + 4, 4);
    last_pos = pos;
    last_size = box_size;
    pos += box_size;
  }

  pad = MAX (min_size - size, 8);
  header_len = free_box_header (pad, header);
  if (header_len == 16) {
    pad = MAX (pad, 16);
    free_box_header (pad, header);
  }

  if (strcmp (last_type, "moov") == 0) {
    /* ftyp mdat moov -> ftyp mdat free moov: the samples do not move. */
    if (last_size > MAX_MOOV_SIZE) {
      bad_layout (error, path, "its moov is implausibly large");
      goto out;
    }
    moov = g_malloc (last_size);
    if (!pread_all (fd, moov, last_size, last_pos)) {
      io_error (error, "read", path);
      goto out;
    }
    /* Cut first, so that the padding becomes a hole, not old bytes. */
    if (ftruncate (fd, last_pos) != 0
        || !pwrite_all (fd, header, header_len, last_pos)
        || !pwrite_all (fd, moov, last_size, last_pos + pad)) {
      io_error (error, "write", path);
      goto out;
    }
  } else {
    /* ftyp moov mdat -> ftyp moov mdat free. */
    if (!pwrite_all (fd, header, header_len, size)
        || ftruncate (fd, size + pad) != 0) {
      io_error (error, "write", path);
      goto out;
    }
  }
  ok = TRUE;

out:
  close (fd);
  return ok;
}
