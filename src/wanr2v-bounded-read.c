/* wanr2v-bounded-read.c: reading a reply body with a size limit. */
#include "wanr2v-bounded-read.h"

#define READ_BLOCK (16 * 1024)

typedef struct
{
  GInputStream *stream;
  GByteArray *data;
  gsize max_size;
  guint8 block[READ_BLOCK];
} BoundedRead;

static void
bounded_read_free (BoundedRead * br)
{
  g_object_unref (br->stream);
  g_byte_array_unref (br->data);
  g_free (br);
}

static void read_block (GTask * task);

static void
on_block (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  BoundedRead *br = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (br->stream, res, &error);

  if (n < 0) {
    g_task_return_error (task, error);
  } else if (n == 0) {
    GBytes *bytes = g_byte_array_free_to_bytes (g_steal_pointer (&br->data));

    br->data = g_byte_array_new ();
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
  } else if (br->data->len + (gsize) n > br->max_size) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
        "the reply is larger than %" G_GSIZE_FORMAT " bytes", br->max_size);
  } else {
    g_byte_array_append (br->data, br->block, n);
    read_block (task);
    return;
  }
  g_object_unref (task);
}

static void
read_block (GTask * task)
{
  BoundedRead *br = g_task_get_task_data (task);

  g_input_stream_read_async (br->stream, br->block, sizeof (br->block),
      G_PRIORITY_DEFAULT, g_task_get_cancellable (task), on_block, task);
}

void
wanr2v_bounded_read_async (GInputStream * stream, gsize max_size,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  BoundedRead *br = g_new0 (BoundedRead, 1);

  br->stream = g_object_ref (stream);
  br->data = g_byte_array_new ();
  br->max_size = max_size;
  g_task_set_source_tag (task, wanr2v_bounded_read_async);
  g_task_set_task_data (task, br, (GDestroyNotify) bounded_read_free);
  read_block (task);
}

GBytes *
wanr2v_bounded_read_finish (GAsyncResult * result, GError ** error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
