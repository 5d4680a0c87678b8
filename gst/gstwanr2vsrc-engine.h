/* gstwanr2vsrc-engine.h: the plugin and its engine.
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plugin (libgstwanr2v.so) holds the element's class: its properties,
 * its URI handler, its state changes, and the serving of a kept video.  It
 * links GStreamer and GLib only.  Everything that talks to the service,
 * uploads, downloads, inspects references or reads JSON is the engine
 * (libgstwanr2v-engine.so.0, next to the plugin), which links GIO and
 * json-glib and is opened the first time a run needs it.  So a process
 * that serves a kept video never maps GIO, libmount, libblkid,
 * libselinux or json-glib: some 2.5 ms of dynamic loading, a tenth of a
 * whole gst-launch-1.0 run.
 *
 * The engine's file does not end in ".so", so GStreamer's registry does
 * not take it for a plugin of its own.  Both sides share the instance
 * struct (gstwanr2vsrc-private.h); what the engine needs of the plugin
 * (its GTypes, settings helpers, debug category) it is handed when it is
 * opened, and what the plugin needs of the engine is the table below.
 */
#pragma once

#include "gstwanr2vsrc-private.h"

G_BEGIN_DECLS

/* Bumped whenever either struct below, or GstWanR2vSrc, changes: a plugin
 * and an engine from different builds refuse each other. */
#define GST_WANR2V_SRC_ENGINE_ABI 1

/* The engine's file name, next to the plugin's. */
#define GST_WANR2V_SRC_ENGINE_FILE "libgstwanr2v-engine.so.0"

/* The function the engine exports. */
#define GST_WANR2V_SRC_ENGINE_SYMBOL "gst_wanr2v_src_engine_open"

/* What the plugin hands the engine. */
typedef struct
{
  guint abi;
  gsize instance_size;
  GType src_type;
  GType resolution_type;
  GType ratio_type;
  GType shot_type_type;
  GstDebugCategory *debug;
  GParamSpec **properties;      /* N_PROPS of them */
  void (*settings_copy) (GstWanR2vSrcSettings * dest,
      const GstWanR2vSrcSettings * src);
  void (*settings_clear) (GstWanR2vSrcSettings * s);
  const char *(*enum_nick) (GType type, gint value);
} GstWanR2vSrcFront;

/* What the engine does for the plugin: a run's job, and the reads of a
 * video that is not yet whole on disk. */
typedef struct
{
  /* READY -> PAUSED: checks the request and starts its job; FALSE (an
   * error posted) when it must not run. */
  gboolean (*start) (GstWanR2vSrc * self);
  /* PAUSED -> READY, and finalize: stops the run's job, if any. */
  void (*stop) (GstWanR2vSrc * self);
  /* GstBaseSrc's, for a run that has a job. */
  gboolean (*get_size) (GstWanR2vSrc * self, guint64 * size);
  void (*unlock) (GstWanR2vSrc * self);
  void (*unlock_stop) (GstWanR2vSrc * self);
  GstFlowReturn (*fill) (GstWanR2vSrc * self, guint64 offset, guint length,
      GstBuffer * buf);
  /* GstElement's, for a context of type GST_WANR2V_SRC_HTTP_CONTEXT_TYPE
   * (chains up itself). */
  void (*set_context) (GstElement * element, GstContext * context);
  /* finalize: frees what the engine keeps on the instance. */
  void (*finalize) (GstWanR2vSrc * self);
} GstWanR2vSrcEngine;

typedef const GstWanR2vSrcEngine *(*GstWanR2vSrcEngineOpen)
  (const GstWanR2vSrcFront * front);

G_END_DECLS
