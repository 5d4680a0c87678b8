/* gstwanr2vsrc-pbutils.h: GStreamer's pbutils, loaded on first use.
 *
 * Only the inspection of local reference videos and voices (and the
 * length of remote ones) needs GstDiscoverer.  Linking libgstpbutils made
 * every process that loads the plugin map it and its dependencies
 * (gstvideo, gstaudio, gsttag, orc) at start-up, which a cache hit paid
 * for nothing; so the element is compiled against its headers only and
 * opens it when the first discoverer is made: gst_wanr2v_src_pbutils_load()
 * first, then these wrappers, which have the signatures of the pbutils
 * functions they are named after (gst_wanr2v_src_pb_X wraps gst_X).
 *
 * The library is WANR2V_PBUTILS_SONAME (config.h:
 * libgstpbutils-1.0.so.0 on Linux), or the file named by the environment
 * variable WANR2V_PBUTILS_LIBRARY (meant for tests of a missing library).
 */
#pragma once

#include <gst/pbutils/pbutils.h>

G_BEGIN_DECLS

/* Opens pbutils, resolves every function below and calls
 * gst_pb_utils_init(), once per process (thread-safe).  FALSE with a
 * WANR2V_ERROR_FAILED naming the library when it or one of its
 * functions is missing; every later call gives the same answer.  Must
 * have returned TRUE before any wrapper is called. */
gboolean gst_wanr2v_src_pbutils_load (GError ** error);

GstDiscoverer *gst_wanr2v_src_pb_discoverer_new (GstClockTime timeout,
    GError ** error);
void gst_wanr2v_src_pb_discoverer_start (GstDiscoverer * discoverer);
void gst_wanr2v_src_pb_discoverer_stop (GstDiscoverer * discoverer);
gboolean gst_wanr2v_src_pb_discoverer_discover_uri_async (GstDiscoverer *
    discoverer, const gchar * uri);

GstDiscovererResult gst_wanr2v_src_pb_discoverer_info_get_result (const
    GstDiscovererInfo * info);
GstDiscovererStreamInfo
    * gst_wanr2v_src_pb_discoverer_info_get_stream_info (GstDiscovererInfo *
    info);
const GstTagList *gst_wanr2v_src_pb_discoverer_info_get_tags (const
    GstDiscovererInfo * info);
GstClockTime gst_wanr2v_src_pb_discoverer_info_get_duration (const
    GstDiscovererInfo * info);
GList *gst_wanr2v_src_pb_discoverer_info_get_video_streams (GstDiscovererInfo
    * info);
GList *gst_wanr2v_src_pb_discoverer_info_get_audio_streams (GstDiscovererInfo
    * info);

GstCaps *gst_wanr2v_src_pb_discoverer_stream_info_get_caps
    (GstDiscovererStreamInfo * info);
void gst_wanr2v_src_pb_discoverer_stream_info_list_free (GList * infos);

gboolean gst_wanr2v_src_pb_discoverer_video_info_is_image (const
    GstDiscovererVideoInfo * info);
guint gst_wanr2v_src_pb_discoverer_video_info_get_width (const
    GstDiscovererVideoInfo * info);
guint gst_wanr2v_src_pb_discoverer_video_info_get_height (const
    GstDiscovererVideoInfo * info);

gchar *gst_wanr2v_src_pb_pb_utils_get_codec_description (const GstCaps *
    caps);

G_END_DECLS
