/* test-localfile.c: only regular files are read, at once refused
 * otherwise, within their size limit, and a reading stops when cancelled. */
#include "wanr2v-localfile.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp_dir;

static char *
make_file (const char *name, gsize size)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autofree char *data = g_malloc0 (size);

  g_assert_true (g_file_set_contents (path, data, size, NULL));
  return path;
}

static void
test_regular (void)
{
  g_autofree char *path = make_file ("a.png", 1000);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  guint64 size = 0;
  int fd;

  fd = wanr2v_local_file_open (path, "images[0]", 0, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpuint (size, ==, 1000);
  close (fd);
  bytes = wanr2v_local_file_read (path, "images[0]", 1000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 1000);
  g_assert_true (wanr2v_local_file_check (path, "images[0]", &error));
}

/* Each refused on the descriptor, at once: a FIFO is opened without
 * waiting for a writer, a device is not read. */
static void
test_not_regular (void)
{
  g_autofree char *fifo = g_build_filename (tmp_dir, "pipe.png", NULL);
  const struct
  {
    const char *path;
    GIOErrorEnum code;
    const char *kind;
  } cases[] = {
    {fifo, G_IO_ERROR_NOT_REGULAR_FILE, "is a FIFO (named pipe)"},
    {"/dev/zero", G_IO_ERROR_NOT_REGULAR_FILE, "is a character device"},
    {"/dev/urandom", G_IO_ERROR_NOT_REGULAR_FILE, "is a character device"},
    {tmp_dir, G_IO_ERROR_IS_DIRECTORY, "is a directory"},
  };
  guint i;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (GError) check_error = NULL;
    g_autoptr (GBytes) bytes = NULL;

    bytes = wanr2v_local_file_read (cases[i].path, "images[0] (Image 1)",
        1024, NULL, &error);
    g_assert_null (bytes);
    g_assert_error (error, G_IO_ERROR, (gint) cases[i].code);
    g_assert_nonnull (strstr (error->message, "images[0] (Image 1)"));
    g_assert_nonnull (strstr (error->message, cases[i].kind));
    g_assert_false (wanr2v_local_file_check (cases[i].path, "request",
            &check_error));
    g_assert_error (check_error, G_IO_ERROR, (gint) cases[i].code);
  }
}

static void
test_size_limit (void)
{
  g_autofree char *path = make_file ("big.json", 2048);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;

  bytes = wanr2v_local_file_read (path, "request", 2047, NULL, &error);
  g_assert_null (bytes);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "2047"));
}

static void
test_cancelled (void)
{
  g_autofree char *path = make_file ("c.png", 300000);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_cancellable_cancel (cancellable);
  bytes = wanr2v_local_file_read (path, "images[0]", 1 << 20, cancellable,
      &error);
  g_assert_null (bytes);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A missing file passes the stat-only check: the reader names it. */
static void
test_missing (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "missing.png", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (wanr2v_local_file_check (path, "images[0]", &error));
  g_assert_cmpint (wanr2v_local_file_open (path, "images[0]", 0, NULL,
          &error), <, 0);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("wanr2v-localfile-XXXXXX", NULL);
  g_test_add_func ("/localfile/regular", test_regular);
  g_test_add_func ("/localfile/not-regular", test_not_regular);
  g_test_add_func ("/localfile/size-limit", test_size_limit);
  g_test_add_func ("/localfile/cancelled", test_cancelled);
  g_test_add_func ("/localfile/missing", test_missing);
  ret = g_test_run ();
  {
    GDir *d = g_dir_open (tmp_dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name (d))) {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);

      g_unlink (path);
    }
    if (d)
      g_dir_close (d);
    g_rmdir (tmp_dir);
  }
  g_free (tmp_dir);
  return ret;
}
