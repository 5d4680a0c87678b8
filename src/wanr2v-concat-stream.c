/* wanr2v-concat-stream.c: one input stream that reads several in turn. */
#include "wanr2v-concat-stream.h"

struct _WanR2vConcatStream
{
  GInputStream parent;
  GPtrArray *streams;
  guint current;
};

G_DEFINE_FINAL_TYPE (WanR2vConcatStream, wanr2v_concat_stream,
    G_TYPE_INPUT_STREAM);

static gssize
concat_read (GInputStream * stream, void *buffer, gsize count,
    GCancellable * cancellable, GError ** error)
{
  WanR2vConcatStream *self = WANR2V_CONCAT_STREAM (stream);

  while (self->current < self->streams->len) {
    GInputStream *part = g_ptr_array_index (self->streams, self->current);
    gssize n = g_input_stream_read (part, buffer, count, cancellable, error);

    if (n != 0)
      return n;                 /* data, or -1 with error set */
    self->current++;
  }
  return 0;
}

static gboolean
concat_close (GInputStream * stream, GCancellable * cancellable,
    GError ** error)
{
  WanR2vConcatStream *self = WANR2V_CONCAT_STREAM (stream);
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < self->streams->len; i++) {
    GInputStream *part = g_ptr_array_index (self->streams, i);

    if (!g_input_stream_close (part, cancellable, ok ? error : NULL))
      ok = FALSE;
  }
  return ok;
}

static void
wanr2v_concat_stream_finalize (GObject * object)
{
  WanR2vConcatStream *self = WANR2V_CONCAT_STREAM (object);

  g_ptr_array_unref (self->streams);
  G_OBJECT_CLASS (wanr2v_concat_stream_parent_class)->finalize (object);
}

static void
wanr2v_concat_stream_class_init (WanR2vConcatStreamClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = wanr2v_concat_stream_finalize;
  stream_class->read_fn = concat_read;
  stream_class->close_fn = concat_close;
}

static void
wanr2v_concat_stream_init (WanR2vConcatStream * self)
{
  self->streams = g_ptr_array_new_with_free_func (g_object_unref);
}

GInputStream *
wanr2v_concat_stream_new (GInputStream ** streams, guint n)
{
  WanR2vConcatStream *self = g_object_new (WANR2V_TYPE_CONCAT_STREAM, NULL);
  guint i;

  for (i = 0; i < n; i++)
    g_ptr_array_add (self->streams, g_object_ref (streams[i]));
  return G_INPUT_STREAM (self);
}
