/* gstwanr2vsrc-front.c: the element's state changes and its GstBaseSrc
 * functions, on the plugin's side (see gstwanr2vsrc-engine.h): the engine
 * is opened when a run needs it, and does the rest.
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-engine.h"
#include "gstwanr2vsrc-context.h"

#include "wanr2v-error.h"
#include "wanr2v-library.h"

#include <unistd.h>

#define GST_CAT_DEFAULT gst_wanr2v_src_debug

static GstWanR2vSrcEngineOpen engine_open;

static const WanR2vSymbol engine_symbols[] = {
  {GST_WANR2V_SRC_ENGINE_SYMBOL, (gpointer *) & engine_open},
};

static WanR2vLibrary engine_library = {
  /* Tests name another file to see what a missing engine does. */
  .env = "WANR2V_ENGINE_LIBRARY",
  .file = GST_WANR2V_SRC_ENGINE_DIR "/" GST_WANR2V_SRC_ENGINE_FILE,
  .purpose = "Generating a video",
  .symbols = engine_symbols,
  .n_symbols = G_N_ELEMENTS (engine_symbols),
};

void
gst_wanr2v_src_front_set_plugin_file (const char *filename)
{
  /* Before any element exists, so before any load.  A plugin linked
   * statically into an application has no file: the engine is then
   * looked for where it is installed. */
  if (filename) {
    g_autofree char *dir = g_path_get_dirname (filename);

    engine_library.file = g_build_filename (dir, GST_WANR2V_SRC_ENGINE_FILE,
        NULL);
  }
}

static gpointer
open_engine (gpointer data)
{
  const GstWanR2vSrcFront front = {
    .abi = GST_WANR2V_SRC_ENGINE_ABI,
    .instance_size = sizeof (GstWanR2vSrc),
    .src_type = GST_TYPE_WANR2V_SRC,
    .resolution_type = GST_TYPE_WANR2V_RESOLUTION,
    .ratio_type = GST_TYPE_WANR2V_RATIO,
    .shot_type_type = GST_TYPE_WANR2V_SHOT_TYPE,
    .debug = gst_wanr2v_src_debug,
    .properties = gst_wanr2v_src_properties,
    .settings_copy = gst_wanr2v_src_settings_copy,
    .settings_clear = gst_wanr2v_src_settings_clear,
    .enum_nick = gst_wanr2v_enum_nick,
  };

  /* The engine's copy of the core finds the error domains registered. */
  wanr2v_error_register_domains ();
  return (gpointer) engine_open (&front);
}

/* The engine, opened the first time; NULL with @error when it cannot be. */
static const GstWanR2vSrcEngine *
get_engine (GError ** error)
{
  static GOnce once = G_ONCE_INIT;
  const GstWanR2vSrcEngine *engine;

  if (!wanr2v_library_load (&engine_library, error))
    return NULL;
  engine = g_once (&once, open_engine, NULL);
  if (engine == NULL)
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT,
        "%s is from another build of wanr2vsrc than the plugin: reinstall "
        "them together", engine_library.file);
  return engine;
}

/* The engine, once some run of the process opened it: then an instance
 * may have state in it. */
static const GstWanR2vSrcEngine *
peek_engine (void)
{
  return engine_open ? get_engine (NULL) : NULL;
}

static gboolean
start_run (GstWanR2vSrc * self)
{
  g_autoptr (GError) error = NULL;
  const GstWanR2vSrcEngine *engine;

  if (gst_wanr2v_src_serve_kept (self))
    return TRUE;
  engine = get_engine (&error);
  if (engine == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, ("%s", error->message),
        ("nothing was sent"));
    return FALSE;
  }
  g_mutex_lock (&self->lock);
  self->run = GST_WANR2V_SRC_RUN_ENGINE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return engine->start (self);
}

/* The kept video's descriptor, if fill() did not take it. */
static void
close_kept (GstWanR2vSrc * self)
{
  int fd;

  g_mutex_lock (&self->lock);
  fd = self->kept_fd;
  self->kept_fd = -1;
  g_mutex_unlock (&self->lock);
  if (fd >= 0)
    close (fd);
}

static void
stop_run (GstWanR2vSrc * self)
{
  GstWanR2vSrcRun run;

  g_mutex_lock (&self->lock);
  run = self->run;
  self->run = GST_WANR2V_SRC_RUN_NONE;
  g_mutex_unlock (&self->lock);
  if (run == GST_WANR2V_SRC_RUN_ENGINE)
    peek_engine ()->stop (self);
  close_kept (self);
}

GstStateChangeReturn
gst_wanr2v_src_change_state (GstElement * element, GstStateChange transition)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (element);
  /* The type is final: the parent of an instance's class is GstBaseSrc's. */
  GstElementClass *parent_class =
      GST_ELEMENT_CLASS (g_type_class_peek_parent (G_OBJECT_GET_CLASS
          (element)));
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start_run (self)) {
        stop_run (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* Stop the job first: whatever waits on it wakes up at once. */
      stop_run (self);
      break;
    default:
      break;
  }

  ret = parent_class->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED
      && ret == GST_STATE_CHANGE_FAILURE)
    stop_run (self);
  return ret;
}

void
gst_wanr2v_src_set_context (GstElement * element, GstContext * context)
{
  if (g_strcmp0 (gst_context_get_context_type (context),
          GST_WANR2V_SRC_HTTP_CONTEXT_TYPE) == 0) {
    g_autoptr (GError) error = NULL;
    const GstWanR2vSrcEngine *engine = get_engine (&error);

    /* An HTTP thread handed over: the engine keeps it for the run. */
    if (engine) {
      engine->set_context (element, context);
      return;
    }
    GST_WARNING_OBJECT (element, "HTTP context ignored: %s", error->message);
  }
  GST_ELEMENT_CLASS (g_type_class_peek (GST_TYPE_BASE_SRC))->set_context
      (element, context);
}

void
gst_wanr2v_src_front_finalize (GstWanR2vSrc * self)
{
  const GstWanR2vSrcEngine *engine = peek_engine ();

  if (engine)
    engine->finalize (self);
  close_kept (self);
  g_free (self->kept_fingerprint);
  g_free (self->kept_dir);
}

/* Cheap and idempotent: GstBaseSrc calls it once more as a probe. */
static gboolean
gst_wanr2v_src_start (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  self->fd = -1;
  self->whole_size = -1;
  return TRUE;
}

static gboolean
gst_wanr2v_src_stop (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  if (self->fd >= 0) {
    close (self->fd);
    self->fd = -1;
  }
  self->whole_size = -1;
  return TRUE;
}

static gboolean
gst_wanr2v_src_is_seekable (GstBaseSrc * src)
{
  /* The video is a file on disk: any offset can be read once it is there. */
  return TRUE;
}

/* Who serves the run, once that is decided; NONE when flushing. */
static GstWanR2vSrcRun
wait_for_run (GstWanR2vSrc * self)
{
  GstWanR2vSrcRun run;

  g_mutex_lock (&self->lock);
  while (self->run == GST_WANR2V_SRC_RUN_NONE && !self->flushing)
    g_cond_wait (&self->cond, &self->lock);
  run = self->flushing ? GST_WANR2V_SRC_RUN_NONE : self->run;
  g_mutex_unlock (&self->lock);
  return run;
}

static gboolean
gst_wanr2v_src_get_size (GstBaseSrc * src, guint64 * size)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);
  GstWanR2vSrcRun run;

  g_mutex_lock (&self->lock);
  run = self->run;
  *size = self->kept_size;
  g_mutex_unlock (&self->lock);
  if (run == GST_WANR2V_SRC_RUN_ENGINE)
    return peek_engine ()->get_size (self, size);
  return run == GST_WANR2V_SRC_RUN_KEPT;
}

static gboolean
gst_wanr2v_src_unlock (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);
  const GstWanR2vSrcEngine *engine = peek_engine ();

  GST_DEBUG_OBJECT (self, "unlock");
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  if (engine)
    engine->unlock (self);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_wanr2v_src_unlock_stop (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);
  const GstWanR2vSrcEngine *engine = peek_engine ();

  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  if (engine)
    engine->unlock_stop (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* Streaming thread: the plugin's kept video becomes the whole video that
 * fill() reads directly. */
static void
take_kept (GstWanR2vSrc * self)
{
  g_mutex_lock (&self->lock);
  if (self->fd < 0) {
    self->fd = self->kept_fd;
    self->kept_fd = -1;
  }
  self->whole_size = self->kept_size;
  g_mutex_unlock (&self->lock);
}

static GstFlowReturn
gst_wanr2v_src_fill (GstBaseSrc * src, guint64 offset, guint length,
    GstBuffer * buf)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);
  GstWanR2vSrcShortRead short_read;
  GstFlowReturn ret;

  /* The whole video is on disk and its messages are out: a plain read,
   * as filesrc's (a 200 MB kept video is 3200 of them). */
  if (self->whole_size >= 0) {
    if (offset >= (guint64) self->whole_size)
      return GST_FLOW_EOS;
    ret = gst_wanr2v_src_read_file (self, offset,
        MIN (length, (guint64) self->whole_size - offset), buf, &short_read);
    if (ret == GST_WANR2V_SRC_FLOW_SHORT_READ)
      return gst_wanr2v_src_read_failed (self, &short_read);
    return ret;
  }

  switch (wait_for_run (self)) {
    case GST_WANR2V_SRC_RUN_ENGINE:
      return peek_engine ()->fill (self, offset, length, buf);
    case GST_WANR2V_SRC_RUN_KEPT:
      take_kept (self);
      gst_wanr2v_src_push_pending_tags (self);
      return gst_wanr2v_src_fill (src, offset, length, buf);
    default:
      return GST_FLOW_FLUSHING;
  }
}

void
gst_wanr2v_src_read_class_init (GstBaseSrcClass * basesrc_class)
{
  basesrc_class->start = gst_wanr2v_src_start;
  basesrc_class->stop = gst_wanr2v_src_stop;
  basesrc_class->is_seekable = gst_wanr2v_src_is_seekable;
  basesrc_class->get_size = gst_wanr2v_src_get_size;
  basesrc_class->unlock = gst_wanr2v_src_unlock;
  basesrc_class->unlock_stop = gst_wanr2v_src_unlock_stop;
  basesrc_class->fill = gst_wanr2v_src_fill;
}
