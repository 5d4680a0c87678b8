/* gstwanr2v.c: the wanr2v plugin. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include "gstwanr2vsrc.h"
#include "wanr2vsrc-report.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  wanr2vsrc_register_tags ();
  return GST_ELEMENT_REGISTER (wanr2vsrc, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, wanr2v,
    "Alibaba DashScope Wan reference-to-video generation as a source",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
