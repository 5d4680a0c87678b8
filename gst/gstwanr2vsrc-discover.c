/* gstwanr2vsrc-discover.c: GstDiscoverer, interruptible.
 *
 * The synchronous gst_discoverer_discover_uri() cannot be stopped once it
 * runs.  Its asynchronous mode can (gst_discoverer_stop()), so this runs
 * that mode on a main context of the calling (worker) thread and stops it
 * when the cancellable fires.
 */
#include "gstwanr2vsrc-discover.h"

typedef struct
{
  GstDiscovererInfo *info;
  GError *error;
  gboolean done;
} Discovery;

static void
on_discovered (GstDiscoverer * discoverer, GstDiscovererInfo * info,
    GError * error, gpointer data)
{
  Discovery *d = data;

  if (d->info == NULL) {
    d->info = g_object_ref (info);
    d->error = error ? g_error_copy (error) : NULL;
  }
}

static void
on_finished (GstDiscoverer * discoverer, gpointer data)
{
  Discovery *d = data;

  d->done = TRUE;
}

static gboolean
on_cancelled (GCancellable * cancellable, gpointer data)
{
  Discovery *d = data;

  d->done = TRUE;
  return G_SOURCE_REMOVE;
}

GstDiscovererInfo *
gst_wanr2v_src_discover (GstDiscoverer * discoverer, const char *uri,
    GCancellable * cancellable, GError ** error)
{
  GMainContext *context = g_main_context_new ();
  Discovery d = { 0, };
  GSource *cancel_source = NULL;
  gulong discovered_id, finished_id;

  g_main_context_push_thread_default (context);
  discovered_id = g_signal_connect (discoverer, "discovered",
      G_CALLBACK (on_discovered), &d);
  finished_id = g_signal_connect (discoverer, "finished",
      G_CALLBACK (on_finished), &d);
  if (cancellable) {
    cancel_source = g_cancellable_source_new (cancellable);
    g_source_set_callback (cancel_source, G_SOURCE_FUNC (on_cancelled), &d,
        NULL);
    g_source_attach (cancel_source, context);
  }

  /* start() takes the thread-default context for its signals. */
  gst_wanr2v_src_pb_discoverer_start (discoverer);
  if (!gst_wanr2v_src_pb_discoverer_discover_uri_async (discoverer, uri))
    d.done = TRUE;
  while (!d.done)
    g_main_context_iteration (context, TRUE);
  gst_wanr2v_src_pb_discoverer_stop (discoverer);

  if (cancel_source) {
    g_source_destroy (cancel_source);
    g_source_unref (cancel_source);
  }
  g_signal_handler_disconnect (discoverer, discovered_id);
  g_signal_handler_disconnect (discoverer, finished_id);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  if (g_cancellable_is_cancelled (cancellable)) {
    g_clear_object (&d.info);
    g_clear_error (&d.error);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
        "Stopped while inspecting");
    return NULL;
  }
  if (d.error)
    g_propagate_error (error, d.error);
  return d.info;
}
