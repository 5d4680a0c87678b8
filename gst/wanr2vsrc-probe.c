/* wanr2vsrc-probe.c: the length of a remote reference video. */
#include "wanr2vsrc-probe.h"

#include <gst/pbutils/pbutils.h>

GST_DEBUG_CATEGORY_EXTERN (gst_wanr2v_src_debug);
#define GST_CAT_DEFAULT gst_wanr2v_src_debug

gdouble
wanr2vsrc_probe_remote_length (const char *uri, GstClockTime timeout)
{
  g_autoptr (GstDiscoverer) discoverer = NULL;
  g_autoptr (GstDiscovererInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  GstClockTime duration;

  if (!g_str_has_prefix (uri, "https://") && !g_str_has_prefix (uri,
          "http://"))
    return -1;
  discoverer = gst_discoverer_new (timeout, &error);
  if (discoverer == NULL) {
    GST_INFO ("cannot probe %s: %s", uri, error->message);
    return -1;
  }
  info = gst_discoverer_discover_uri (discoverer, uri, &error);
  if (info == NULL
      || gst_discoverer_info_get_result (info) != GST_DISCOVERER_OK) {
    GST_INFO ("cannot probe %s: %s", uri, error ? error->message :
        "no result");
    return -1;
  }
  duration = gst_discoverer_info_get_duration (info);
  if (!GST_CLOCK_TIME_IS_VALID (duration) || duration == 0)
    return -1;
  GST_DEBUG ("%s lasts %" GST_TIME_FORMAT, uri, GST_TIME_ARGS (duration));
  return (gdouble) duration / GST_SECOND;
}
