/* wanr2v-concat-stream.c: one input stream that reads several in turn. */
#include "wanr2v-concat-stream.h"

struct _WanR2vConcatStream
{
  GInputStream parent;
  GPtrArray *streams;
  guint current;                /* the part being read; len at the end */
};

static void concat_pollable_init (GPollableInputStreamInterface * iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WanR2vConcatStream, wanr2v_concat_stream,
    G_TYPE_INPUT_STREAM, G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
        concat_pollable_init));

static GInputStream *
current_part (WanR2vConcatStream * self)
{
  if (self->current >= self->streams->len)
    return NULL;
  return g_ptr_array_index (self->streams, self->current);
}

static gboolean
part_can_poll (GInputStream * part)
{
  return G_IS_POLLABLE_INPUT_STREAM (part)
      && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (part));
}

static gssize
concat_read (GInputStream * stream, void *buffer, gsize count,
    GCancellable * cancellable, GError ** error)
{
  WanR2vConcatStream *self = WANR2V_CONCAT_STREAM (stream);
  GInputStream *part;

  /* A part's 0 means its end only when something was asked of it. */
  if (count == 0)
    return 0;

  while ((part = current_part (self)) != NULL) {
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

/* Constant for the life of the stream, as GIO expects: the parts are fixed
 * at construction. */
static gboolean
concat_can_poll (GPollableInputStream * stream)
{
  WanR2vConcatStream *self = WANR2V_CONCAT_STREAM (stream);
  guint i;

  for (i = 0; i < self->streams->len; i++)
    if (!part_can_poll (g_ptr_array_index (self->streams, i)))
      return FALSE;
  return TRUE;
}

/* A part at its end is readable (its read returns 0 at once), so the
 * current part alone decides; past the last part, the end is readable. */
static gboolean
concat_is_readable (GPollableInputStream * stream)
{
  GInputStream *part = current_part (WANR2V_CONCAT_STREAM (stream));

  if (part == NULL)
    return TRUE;
  g_return_val_if_fail (part_can_poll (part), FALSE);
  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (part));
}

/* The source watches the current part.  When that part turns out to be at
 * its end, the read that follows moves on to the next part and either gets
 * data or would block on it; in the latter case the caller makes a new
 * source, which then watches the new part. */
static GSource *
concat_create_source (GPollableInputStream * stream,
    GCancellable * cancellable)
{
  GInputStream *part = current_part (WANR2V_CONCAT_STREAM (stream));
  GSource *child = NULL, *source;

  if (part != NULL && part_can_poll (part))
    child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM
        (part), NULL);
  source = g_pollable_source_new_full (stream, child, cancellable);
  if (child == NULL)
    g_source_set_ready_time (source, 0);        /* the end: readable now */
  g_clear_pointer (&child, g_source_unref);
  return source;
}

static gssize
concat_read_nonblocking (GPollableInputStream * stream, void *buffer,
    gsize count, GError ** error)
{
  WanR2vConcatStream *self = WANR2V_CONCAT_STREAM (stream);
  GInputStream *part;

  if (count == 0)
    return 0;

  while ((part = current_part (self)) != NULL) {
    gssize n;

    if (!part_can_poll (part)) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
          "Part %u of the stream cannot be polled", self->current);
      return -1;
    }
    n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM
        (part), buffer, count, NULL, error);
    if (n != 0)
      return n;                 /* data, or -1 (maybe G_IO_ERROR_WOULD_BLOCK) */
    self->current++;
  }
  return 0;
}

static void
concat_pollable_init (GPollableInputStreamInterface * iface)
{
  iface->can_poll = concat_can_poll;
  iface->is_readable = concat_is_readable;
  iface->create_source = concat_create_source;
  iface->read_nonblocking = concat_read_nonblocking;
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
  /* read_async stays GIO's own: it uses read_nonblocking and a source when
   * the stream can poll, and a worker thread otherwise. */
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

/* ---- a regular file as a pollable part ---------------------------------- */

/* GLocalFileInputStream cannot poll, nor can GUnixInputStream on a regular
 * file (GIO keeps polling for pipes and sockets).  Yet a regular file never
 * makes a reader wait for anyone but the disk, and poll(2) always calls it
 * readable, so this part says so: always readable, reads as the file. */
#define WANR2V_TYPE_FILE_PART (wanr2v_file_part_get_type ())
G_DECLARE_FINAL_TYPE (WanR2vFilePart, wanr2v_file_part, WANR2V, FILE_PART,
    GFilterInputStream)

struct _WanR2vFilePart
{
  GFilterInputStream parent;
};

static void file_part_pollable_init (GPollableInputStreamInterface * iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WanR2vFilePart, wanr2v_file_part,
    G_TYPE_FILTER_INPUT_STREAM,
    G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
        file_part_pollable_init));

static gboolean
file_part_can_poll (GPollableInputStream * stream)
{
  return TRUE;
}

static gboolean
file_part_is_readable (GPollableInputStream * stream)
{
  return TRUE;
}

static GSource *
file_part_create_source (GPollableInputStream * stream,
    GCancellable * cancellable)
{
  GSource *source = g_pollable_source_new_full (stream, NULL, cancellable);

  g_source_set_ready_time (source, 0);
  return source;
}

static gssize
file_part_read_nonblocking (GPollableInputStream * stream, void *buffer,
    gsize count, GError ** error)
{
  GInputStream *file =
      g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));

  return g_input_stream_read (file, buffer, count, NULL, error);
}

static void
file_part_pollable_init (GPollableInputStreamInterface * iface)
{
  iface->can_poll = file_part_can_poll;
  iface->is_readable = file_part_is_readable;
  iface->create_source = file_part_create_source;
  iface->read_nonblocking = file_part_read_nonblocking;
}

static void
wanr2v_file_part_class_init (WanR2vFilePartClass * klass)
{
}

static void
wanr2v_file_part_init (WanR2vFilePart * self)
{
}

GInputStream *
wanr2v_concat_stream_file_part_new (GInputStream * file_stream)
{
  g_return_val_if_fail (G_IS_INPUT_STREAM (file_stream), NULL);

  return g_object_new (WANR2V_TYPE_FILE_PART, "base-stream", file_stream,
      NULL);
}
