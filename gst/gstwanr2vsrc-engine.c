/* gstwanr2vsrc-engine.c: the engine's entry point (see
 * gstwanr2vsrc-engine.h).
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The engine's files call the plugin's functions by their usual names;
 * here those names answer with what the plugin handed over, so that the
 * GTypes stay the plugin's (a second registration would fail).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-engine.h"
#include "gstwanr2vsrc-context.h"

#include <gmodule.h>
#include <string.h>

GstDebugCategory *gst_wanr2v_src_debug;
GParamSpec *gst_wanr2v_src_properties[N_PROPS];

static GstWanR2vSrcFront front;

GType
gst_wanr2v_src_get_type (void)
{
  return front.src_type;
}

GType
gst_wanr2v_resolution_get_type (void)
{
  return front.resolution_type;
}

GType
gst_wanr2v_ratio_get_type (void)
{
  return front.ratio_type;
}

GType
gst_wanr2v_shot_type_get_type (void)
{
  return front.shot_type_type;
}

const char *
gst_wanr2v_enum_nick (GType type, gint value)
{
  return front.enum_nick (type, value);
}

void
gst_wanr2v_src_settings_copy (GstWanR2vSrcSettings * dest,
    const GstWanR2vSrcSettings * src)
{
  front.settings_copy (dest, src);
}

void
gst_wanr2v_src_settings_clear (GstWanR2vSrcSettings * s)
{
  front.settings_clear (s);
}

static void
engine_finalize (GstWanR2vSrc * self)
{
  gst_wanr2v_src_stop_job (self);
  g_clear_object (&self->wait_cancellable);
}

static const GstWanR2vSrcEngine engine = {
  .start = gst_wanr2v_src_start_job,
  .stop = gst_wanr2v_src_stop_job,
  .get_size = gst_wanr2v_src_engine_get_size,
  .unlock = gst_wanr2v_src_engine_unlock,
  .unlock_stop = gst_wanr2v_src_engine_unlock_stop,
  .fill = gst_wanr2v_src_engine_fill,
  .set_context = gst_wanr2v_src_context_set_context,
  .finalize = engine_finalize,
};

/* Called once per process, by the plugin that opened this file. */
G_MODULE_EXPORT const GstWanR2vSrcEngine *
gst_wanr2v_src_engine_open (const GstWanR2vSrcFront * plugin)
{
  if (plugin->abi != GST_WANR2V_SRC_ENGINE_ABI
      || plugin->instance_size != sizeof (GstWanR2vSrc))
    return NULL;
  front = *plugin;
  gst_wanr2v_src_debug = plugin->debug;
  memcpy (gst_wanr2v_src_properties, plugin->properties,
      sizeof (gst_wanr2v_src_properties));
  return &engine;
}
