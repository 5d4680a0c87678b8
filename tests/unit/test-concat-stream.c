/* test-concat-stream.c: the multipart body's stream, read blocking and
 * without blocking, across its parts, to its end. */
#include "wanr2v-concat-stream.h"

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static GInputStream *
memory_part (const char *text)
{
  return g_memory_input_stream_new_from_data (g_strdup (text), strlen (text),
      g_free);
}

/* Concat of @n memory parts given as strings. */
static GInputStream *
concat_of_strings (const char *const *texts, guint n)
{
  GInputStream *parts[8];
  GInputStream *concat;
  guint i;

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (parts));
  for (i = 0; i < n; i++)
    parts[i] = memory_part (texts[i]);
  concat = wanr2v_concat_stream_new (parts, n);
  for (i = 0; i < n; i++)
    g_object_unref (parts[i]);
  return concat;
}

static GPollableInputStream *
pollable (GInputStream * stream)
{
  return G_POLLABLE_INPUT_STREAM (stream);
}

/* A file of @size bytes of a pattern that shows misplaced bytes. */
static char *
make_file (gsize size, GBytes ** contents)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  guint8 *data = g_malloc (size);
  gsize i;
  int fd;

  for (i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + i / 251);
  fd = g_file_open_tmp ("concat-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);
  *contents = g_bytes_new_take (data, size);
  return path;
}

static GInputStream *
open_file (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  GFileInputStream *stream = g_file_read (file, NULL, &error);

  g_assert_no_error (error);
  return G_INPUT_STREAM (stream);
}

/* Reads everything with blocking reads of @chunk bytes; each read stays
 * within one part, so the sizes tell where the boundaries are. */
static GString *
read_all_blocking (GInputStream * stream, gsize chunk, GArray * sizes)
{
  GString *out = g_string_new (NULL);
  g_autofree char *buffer = g_malloc (chunk);

  for (;;) {
    g_autoptr (GError) error = NULL;
    gssize n = g_input_stream_read (stream, buffer, chunk, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (n, >=, 0);
    if (n == 0)
      break;
    if (sizes)
      g_array_append_val (sizes, n);
    g_string_append_len (out, buffer, n);
  }
  return out;
}

static void
test_blocking_across_parts (void)
{
  const char *texts[] = { "abc", "", "defgh", "ij" };
  g_autoptr (GInputStream) concat = concat_of_strings (texts, 4);
  g_autoptr (GArray) sizes = g_array_new (FALSE, FALSE, sizeof (gssize));
  g_autoptr (GError) error = NULL;
  GString *all;
  char c;

  /* Asking for nothing is not the end of a part. */
  g_assert_cmpint (g_input_stream_read (concat, &c, 0, NULL, &error), ==, 0);
  g_assert_no_error (error);

  all = read_all_blocking (concat, 4, sizes);
  g_assert_cmpstr (all->str, ==, "abcdefghij");
  g_string_free (all, TRUE);
  g_assert_cmpuint (sizes->len, ==, 4);
  g_assert_cmpint (g_array_index (sizes, gssize, 0), ==, 3);
  g_assert_cmpint (g_array_index (sizes, gssize, 1), ==, 4);
  g_assert_cmpint (g_array_index (sizes, gssize, 2), ==, 1);
  g_assert_cmpint (g_array_index (sizes, gssize, 3), ==, 2);

  /* The end stays the end. */
  g_assert_cmpint (g_input_stream_read (concat, &c, 1, NULL, &error), ==, 0);
  g_assert_no_error (error);
}

static void
test_empty (void)
{
  g_autoptr (GInputStream) none = wanr2v_concat_stream_new (NULL, 0);
  g_autoptr (GError) error = NULL;
  char c;

  g_assert_true (g_pollable_input_stream_can_poll (pollable (none)));
  g_assert_true (g_pollable_input_stream_is_readable (pollable (none)));
  g_assert_cmpint (g_pollable_input_stream_read_nonblocking (pollable (none),
          &c, 1, NULL, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (none, &c, 1, NULL, &error), ==, 0);
  g_assert_no_error (error);
}

/* Head, file, tail: the upload's body.  Read without blocking, in odd-sized
 * pieces, it comes out whole and then ends. */
static void
test_nonblocking_file_body (void)
{
  g_autoptr (GBytes) contents = NULL;
  g_autofree char *path = make_file (100003, &contents);
  g_autoptr (GInputStream) file = open_file (path);
  g_autoptr (GInputStream) part = wanr2v_concat_stream_file_part_new (file);
  GInputStream *parts[3];
  g_autoptr (GInputStream) body = NULL;
  g_autoptr (GString) expected = g_string_new ("head\r\n");
  g_autoptr (GString) got = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  char buffer[1000];
  gssize n;

  g_string_append_len (expected, g_bytes_get_data (contents, NULL),
      g_bytes_get_size (contents));
  g_string_append (expected, "\r\n--tail--\r\n");

  g_assert_true (g_pollable_input_stream_can_poll (pollable (part)));
  parts[0] = memory_part ("head\r\n");
  parts[1] = part;
  parts[2] = memory_part ("\r\n--tail--\r\n");
  body = wanr2v_concat_stream_new (parts, 3);
  g_object_unref (parts[0]);
  g_object_unref (parts[2]);

  g_assert_true (g_pollable_input_stream_can_poll (pollable (body)));
  do {
    g_assert_true (g_pollable_input_stream_is_readable (pollable (body)));
    n = g_pollable_input_stream_read_nonblocking (pollable (body), buffer,
        sizeof buffer - 7, NULL, &error);
    g_assert_no_error (error);
    g_string_append_len (got, buffer, n);
  } while (n > 0);
  g_assert_cmpuint (got->len, ==, expected->len);
  g_assert_true (memcmp (got->str, expected->str, got->len) == 0);

  /* Still the end, readable at once. */
  g_assert_true (g_pollable_input_stream_is_readable (pollable (body)));
  g_assert_cmpint (g_pollable_input_stream_read_nonblocking (pollable (body),
          buffer, 1, NULL, &error), ==, 0);
  g_assert_no_error (error);

  /* Closing the body closes every part, down to the file. */
  g_assert_true (g_input_stream_close (body, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_input_stream_is_closed (part));
  g_assert_true (g_input_stream_is_closed (file));
  g_unlink (path);
}

/* A part that cannot poll makes the whole stream blocking-only, which still
 * reads right. */
static void
test_not_pollable_part (void)
{
  g_autoptr (GBytes) contents = NULL;
  g_autofree char *path = make_file (5000, &contents);
  g_autoptr (GInputStream) file = open_file (path);
  GInputStream *parts[2];
  g_autoptr (GInputStream) body = NULL;
  GString *all;

  g_assert_false (G_IS_POLLABLE_INPUT_STREAM (file)
      && g_pollable_input_stream_can_poll (pollable (file)));
  parts[0] = memory_part ("x");
  parts[1] = file;
  body = wanr2v_concat_stream_new (parts, 2);
  g_object_unref (parts[0]);

  g_assert_false (g_pollable_input_stream_can_poll (pollable (body)));
  all = read_all_blocking (body, 4096, NULL);
  g_assert_cmpuint (all->len, ==, 5001);
  g_assert_true (memcmp (all->str + 1, g_bytes_get_data (contents, NULL),
          5000) == 0);
  g_string_free (all, TRUE);
  g_unlink (path);
}

typedef struct
{
  guint fired;
} Fired;

static gboolean
on_readable (GObject * stream, gpointer data)
{
  Fired *f = data;

  f->fired++;
  return G_SOURCE_CONTINUE;
}

/* Dispatches what is ready now, without waiting; returns how often the
 * source fired. */
static guint
fire_count (GSource * source, GMainContext * context)
{
  Fired f = { 0 };

  g_source_set_callback (source, G_SOURCE_FUNC (on_readable), &f, NULL);
  g_source_attach (source, context);
  /* Twice: a source made ready by its child dispatches an iteration later. */
  g_main_context_iteration (context, FALSE);
  g_main_context_iteration (context, FALSE);
  g_source_destroy (source);
  return f.fired;
}

static guint
source_fires (GInputStream * stream, GCancellable * cancellable)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GSource) source =
      g_pollable_input_stream_create_source (pollable (stream), cancellable);

  return fire_count (source, context);
}

static void
write_text (int fd, const char *text)
{
  g_assert_cmpint (write (fd, text, strlen (text)), ==, strlen (text));
}

static gssize
read_text (GInputStream * stream, char *buffer, gsize size, GError ** error)
{
  gssize n = g_pollable_input_stream_read_nonblocking (pollable (stream),
      buffer, size - 1, NULL, error);

  buffer[MAX (n, 0)] = '\0';
  return n;
}

/* A pipe between two memory parts: the concat stream would block exactly
 * when the pipe would, its source fires when the pipe has data or ends,
 * and the end of the pipe moves it on to the tail. */
static void
test_pipe_part (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) pipe_in = NULL;
  g_autoptr (GInputStream) body = NULL;
  GInputStream *parts[3];
  int fds[2];
  char buffer[64];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
  pipe_in = g_unix_input_stream_new (fds[0], TRUE);
  g_assert_true (g_pollable_input_stream_can_poll (pollable (pipe_in)));

  parts[0] = memory_part ("head|");
  parts[1] = pipe_in;
  parts[2] = memory_part ("|tail");
  body = wanr2v_concat_stream_new (parts, 3);
  g_object_unref (parts[0]);
  g_object_unref (parts[2]);
  g_assert_true (g_pollable_input_stream_can_poll (pollable (body)));

  /* The head is there at once. */
  g_assert_true (g_pollable_input_stream_is_readable (pollable (body)));
  g_assert_cmpuint (source_fires (body, NULL), >, 0);
  g_assert_cmpint (read_text (body, buffer, sizeof buffer, &error), ==, 5);
  g_assert_no_error (error);
  g_assert_cmpstr (buffer, ==, "head|");

  /* The head's end is still readable; reading it moves on to the empty
   * pipe, which would block. */
  g_assert_cmpint (read_text (body, buffer, sizeof buffer, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_false (g_pollable_input_stream_is_readable (pollable (body)));
  g_assert_cmpuint (source_fires (body, NULL), ==, 0);

  /* Data in the pipe: readable, and the source fires. */
  write_text (fds[1], "middle");
  g_assert_true (g_pollable_input_stream_is_readable (pollable (body)));
  g_assert_cmpuint (source_fires (body, NULL), >, 0);
  g_assert_cmpint (read_text (body, buffer, sizeof buffer, &error), ==, 6);
  g_assert_no_error (error);
  g_assert_cmpstr (buffer, ==, "middle");
  g_assert_cmpint (read_text (body, buffer, sizeof buffer, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  /* The pipe's end is readable too; the read goes on into the tail. */
  close (fds[1]);
  g_assert_true (g_pollable_input_stream_is_readable (pollable (body)));
  g_assert_cmpuint (source_fires (body, NULL), >, 0);
  g_assert_cmpint (read_text (body, buffer, sizeof buffer, &error), ==, 5);
  g_assert_no_error (error);
  g_assert_cmpstr (buffer, ==, "|tail");

  /* The end: readable, its source fires, reads give 0. */
  g_assert_cmpint (read_text (body, buffer, sizeof buffer, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_true (g_pollable_input_stream_is_readable (pollable (body)));
  g_assert_cmpuint (source_fires (body, NULL), >, 0);
  g_assert_cmpint (read_text (body, buffer, sizeof buffer, &error), ==, 0);

  g_assert_true (g_input_stream_close (body, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_input_stream_is_closed (pipe_in));
}

/* A source waiting on an empty pipe fires when its cancellable is
 * cancelled, so that a cancelled upload does not wait for data. */
static void
test_source_cancelled (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) pipe_in = NULL;
  g_autoptr (GInputStream) body = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  int fds[2];

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
  pipe_in = g_unix_input_stream_new (fds[0], TRUE);
  body = wanr2v_concat_stream_new (&pipe_in, 1);

  g_assert_cmpuint (source_fires (body, cancellable), ==, 0);
  g_cancellable_cancel (cancellable);
  g_assert_cmpuint (source_fires (body, cancellable), >, 0);
  close (fds[1]);
}

/* A memory stream that notes whether any read ran off the thread that made
 * it, as GIO's reads through worker threads would. */
#define TYPE_THREAD_CHECK_STREAM (thread_check_stream_get_type ())
G_DECLARE_FINAL_TYPE (ThreadCheckStream, thread_check_stream, THREAD,
    CHECK_STREAM, GMemoryInputStream)

struct _ThreadCheckStream
{
  GMemoryInputStream parent;
  GThread *owner;
  gint reads_elsewhere;
};

G_DEFINE_FINAL_TYPE (ThreadCheckStream, thread_check_stream,
    G_TYPE_MEMORY_INPUT_STREAM);

static gssize
thread_check_read (GInputStream * stream, void *buffer, gsize count,
    GCancellable * cancellable, GError ** error)
{
  ThreadCheckStream *self = THREAD_CHECK_STREAM (stream);

  if (g_thread_self () != self->owner)
    g_atomic_int_inc (&self->reads_elsewhere);
  return G_INPUT_STREAM_CLASS (thread_check_stream_parent_class)->read_fn
      (stream, buffer, count, cancellable, error);
}

static void
thread_check_stream_class_init (ThreadCheckStreamClass * klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = thread_check_read;
}

static void
thread_check_stream_init (ThreadCheckStream * self)
{
  self->owner = g_thread_self ();
}

typedef struct
{
  GMainLoop *loop;
  gssize spliced;
  GError *error;
} Splice;

static void
on_spliced (GObject * source, GAsyncResult * res, gpointer data)
{
  Splice *s = data;

  s->spliced = g_output_stream_splice_finish (G_OUTPUT_STREAM (source), res,
      &s->error);
  g_main_loop_quit (s->loop);
}

/* What libsoup does with a request body: an asynchronous splice into a
 * pollable output stream, which goes through read_async, here without a
 * worker thread since the body can poll.  The whole body arrives. */
static void
test_async_splice (void)
{
  g_autoptr (GBytes) contents = NULL;
  g_autofree char *path = make_file (300001, &contents);
  g_autoptr (GInputStream) file = open_file (path);
  g_autoptr (GInputStream) buffered =
      g_buffered_input_stream_new_sized (file, 65536);
  g_autoptr (GInputStream) part =
      wanr2v_concat_stream_file_part_new (buffered);
  g_autoptr (GInputStream) body = NULL;
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GMainContext) context = g_main_context_new ();
  GInputStream *parts[3];
  Splice s = { 0 };
  const guint8 *data;

  ThreadCheckStream *head = g_object_new (TYPE_THREAD_CHECK_STREAM, NULL);

  g_memory_input_stream_add_data (G_MEMORY_INPUT_STREAM (head), "<", 1,
      NULL);
  parts[0] = G_INPUT_STREAM (head);
  parts[1] = part;
  parts[2] = memory_part (">");
  body = wanr2v_concat_stream_new (parts, 3);
  g_object_unref (parts[2]);

  g_main_context_push_thread_default (context);
  s.loop = g_main_loop_new (context, FALSE);
  g_output_stream_splice_async (out, body,
      G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
      G_PRIORITY_DEFAULT, NULL, on_spliced, &s);
  g_main_loop_run (s.loop);
  g_main_loop_unref (s.loop);
  g_main_context_pop_thread_default (context);

  g_assert_no_error (s.error);
  g_assert_cmpint (s.spliced, ==, 300003);
  data = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_cmpint (data[0], ==, '<');
  g_assert_true (memcmp (data + 1, g_bytes_get_data (contents, NULL),
          300001) == 0);
  g_assert_cmpint (data[300002], ==, '>');
  /* The head was read on this thread: GIO took the pollable path. */
  g_assert_cmpint (head->reads_elsewhere, ==, 0);
  g_object_unref (head);
  g_assert_true (g_input_stream_is_closed (body));
  g_assert_true (g_input_stream_is_closed (file));
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/concat-stream/blocking-across-parts",
      test_blocking_across_parts);
  g_test_add_func ("/concat-stream/empty", test_empty);
  g_test_add_func ("/concat-stream/nonblocking-file-body",
      test_nonblocking_file_body);
  g_test_add_func ("/concat-stream/not-pollable-part",
      test_not_pollable_part);
  g_test_add_func ("/concat-stream/pipe-part", test_pipe_part);
  g_test_add_func ("/concat-stream/source-cancelled", test_source_cancelled);
  g_test_add_func ("/concat-stream/async-splice", test_async_splice);
  return g_test_run ();
}
