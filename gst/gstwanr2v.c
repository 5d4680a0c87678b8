/* gstwanr2v.c: the wanr2v plugin. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include "gstwanr2vsrc-private.h"
#include "gstwanr2vsrc-report.h"

GST_DEBUG_CATEGORY_STATIC (wanr2v_core_debug);

/* The core library logs with g_log in domain "wanr2v"; in a pipeline those
 * lines belong in GStreamer's debug log (GST_DEBUG=wanr2v:6), not on
 * stderr. */
static void
forward_core_log (const gchar * domain, GLogLevelFlags flags,
    const gchar * message, gpointer data)
{
  GstDebugLevel level;

  if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    level = GST_LEVEL_ERROR;
  else if (flags & G_LOG_LEVEL_WARNING)
    level = GST_LEVEL_WARNING;
  else if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    level = GST_LEVEL_INFO;
  else
    level = GST_LEVEL_DEBUG;
  GST_CAT_LEVEL_LOG (wanr2v_core_debug, level, NULL, "%s", message);
}

/* The tags of gstwanr2vsrc-report.h. */
static void
register_tags (void)
{
  gst_tag_register_static (WANR2V_TAG_MODEL, GST_TAG_FLAG_META,
      G_TYPE_STRING, "wanr2v model", "The Wan model that made the video",
      gst_tag_merge_use_first);
  gst_tag_register_static (WANR2V_TAG_TASK_ID, GST_TAG_FLAG_META,
      G_TYPE_STRING, "wanr2v task id", "The DashScope task that made the "
      "video", gst_tag_merge_use_first);
}

static gboolean
plugin_init (GstPlugin * plugin)
{
  GST_DEBUG_CATEGORY_INIT (wanr2v_core_debug, "wanr2v", 0,
      "wanr2v core: DashScope client and task jobs");
  g_log_set_handler ("wanr2v", G_LOG_LEVEL_MASK & ~(G_LOG_LEVEL_ERROR |
          G_LOG_LEVEL_CRITICAL), forward_core_log, NULL);
  register_tags ();
  gst_wanr2v_src_front_set_plugin_file (gst_plugin_get_filename (plugin));
  return GST_ELEMENT_REGISTER (wanr2vsrc, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, wanr2v,
    "Alibaba DashScope Wan reference-to-video generation as a source",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
