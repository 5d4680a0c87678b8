/* gstwanr2vsrc-pbutils.c: GStreamer's pbutils, loaded on first use (see
 * gstwanr2vsrc-pbutils.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-pbutils.h"
#include "wanr2v-error.h"
#include "wanr2v-library.h"

/* Every pbutils function the element calls.  The table's pointers take
 * their types from pbutils' own declarations, so a wrapper that does not
 * match its function does not compile. */
#define PBUTILS_FUNCTIONS(F) \
  F (gst_pb_utils_init) \
  F (gst_pb_utils_get_codec_description) \
  F (gst_discoverer_new) \
  F (gst_discoverer_start) \
  F (gst_discoverer_stop) \
  F (gst_discoverer_discover_uri_async) \
  F (gst_discoverer_info_get_result) \
  F (gst_discoverer_info_get_stream_info) \
  F (gst_discoverer_info_get_tags) \
  F (gst_discoverer_info_get_duration) \
  F (gst_discoverer_info_get_video_streams) \
  F (gst_discoverer_info_get_audio_streams) \
  F (gst_discoverer_stream_info_get_caps) \
  F (gst_discoverer_stream_info_list_free) \
  F (gst_discoverer_video_info_is_image) \
  F (gst_discoverer_video_info_get_width) \
  F (gst_discoverer_video_info_get_height)

typedef struct
{
#define DECLARE_POINTER(name) __typeof__ (name) *name;
  PBUTILS_FUNCTIONS (DECLARE_POINTER)
#undef DECLARE_POINTER
} PbutilsTable;

/* Filled once, when the library is opened. */
static PbutilsTable table;

#define SYMBOL(function) { #function, (gpointer *) &table.function },
static const WanR2vSymbol symbols[] = { PBUTILS_FUNCTIONS (SYMBOL) };
#undef SYMBOL

/* Its debug categories and missing-plugin helpers, as when linked. */
static void
init_pbutils (void)
{
  table.gst_pb_utils_init ();
}

static WanR2vLibrary library = {
  "WANR2V_PBUTILS_LIBRARY", WANR2V_PBUTILS_SONAME, "Inspecting local media",
  symbols, G_N_ELEMENTS (symbols), init_pbutils, G_ONCE_INIT
};

gboolean
gst_wanr2v_src_pbutils_load (GError ** error)
{
  return wanr2v_library_load (&library, error);
}

#define CALL(name, fallback, ...) \
  WANR2V_LIBRARY_CALL (&library, table, name, fallback, __VA_ARGS__)
#define CALL_VOID(name, ...) \
  WANR2V_LIBRARY_CALL_VOID (&library, table, name, __VA_ARGS__)

GstDiscoverer *
gst_wanr2v_src_pb_discoverer_new (GstClockTime timeout, GError ** error)
{
  CALL (gst_discoverer_new, NULL, timeout, error);
}

void
gst_wanr2v_src_pb_discoverer_start (GstDiscoverer * discoverer)
{
  CALL_VOID (gst_discoverer_start, discoverer);
}

void
gst_wanr2v_src_pb_discoverer_stop (GstDiscoverer * discoverer)
{
  CALL_VOID (gst_discoverer_stop, discoverer);
}

gboolean
gst_wanr2v_src_pb_discoverer_discover_uri_async (GstDiscoverer * discoverer,
    const gchar * uri)
{
  CALL (gst_discoverer_discover_uri_async, FALSE, discoverer, uri);
}

GstDiscovererResult
gst_wanr2v_src_pb_discoverer_info_get_result (const GstDiscovererInfo * info)
{
  CALL (gst_discoverer_info_get_result, GST_DISCOVERER_ERROR, info);
}

GstDiscovererStreamInfo *
gst_wanr2v_src_pb_discoverer_info_get_stream_info (GstDiscovererInfo * info)
{
  CALL (gst_discoverer_info_get_stream_info, NULL, info);
}

const GstTagList *
gst_wanr2v_src_pb_discoverer_info_get_tags (const GstDiscovererInfo * info)
{
  CALL (gst_discoverer_info_get_tags, NULL, info);
}

GstClockTime
gst_wanr2v_src_pb_discoverer_info_get_duration (const GstDiscovererInfo *
    info)
{
  CALL (gst_discoverer_info_get_duration, GST_CLOCK_TIME_NONE, info);
}

GList *
gst_wanr2v_src_pb_discoverer_info_get_video_streams (GstDiscovererInfo * info)
{
  CALL (gst_discoverer_info_get_video_streams, NULL, info);
}

GList *
gst_wanr2v_src_pb_discoverer_info_get_audio_streams (GstDiscovererInfo * info)
{
  CALL (gst_discoverer_info_get_audio_streams, NULL, info);
}

GstCaps *
gst_wanr2v_src_pb_discoverer_stream_info_get_caps (GstDiscovererStreamInfo *
    info)
{
  CALL (gst_discoverer_stream_info_get_caps, NULL, info);
}

void
gst_wanr2v_src_pb_discoverer_stream_info_list_free (GList * infos)
{
  CALL_VOID (gst_discoverer_stream_info_list_free, infos);
}

gboolean
gst_wanr2v_src_pb_discoverer_video_info_is_image (const GstDiscovererVideoInfo
    * info)
{
  CALL (gst_discoverer_video_info_is_image, FALSE, info);
}

guint
gst_wanr2v_src_pb_discoverer_video_info_get_width (const
    GstDiscovererVideoInfo * info)
{
  CALL (gst_discoverer_video_info_get_width, 0, info);
}

guint
gst_wanr2v_src_pb_discoverer_video_info_get_height (const
    GstDiscovererVideoInfo * info)
{
  CALL (gst_discoverer_video_info_get_height, 0, info);
}

gchar *
gst_wanr2v_src_pb_pb_utils_get_codec_description (const GstCaps * caps)
{
  CALL (gst_pb_utils_get_codec_description, NULL, caps);
}
