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

typedef struct
{
  PbutilsTable table;
  /* Why the library could not be used, or NULL. */
  char *failure;
} Loaded;

static gpointer
open_library (gpointer unused)
{
  Loaded *loaded = g_new0 (Loaded, 1);
  const char *name = g_getenv ("WANR2V_PBUTILS_LIBRARY");
#define SYMBOL(function) { #function, (gpointer *) &loaded->table.function },
  const WanR2vSymbol symbols[] = { PBUTILS_FUNCTIONS (SYMBOL) };
#undef SYMBOL

  loaded->failure = wanr2v_library_open (name && *name ? name :
      WANR2V_PBUTILS_SONAME, "Inspecting local media", symbols,
      G_N_ELEMENTS (symbols));
  /* Its debug categories and missing-plugin helpers, as when linked. */
  if (loaded->failure == NULL)
    loaded->table.gst_pb_utils_init ();
  return loaded;
}

static const Loaded *
get_loaded (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, open_library, NULL);
}

gboolean
gst_wanr2v_src_pbutils_load (GError ** error)
{
  const Loaded *loaded = get_loaded ();

  if (loaded->failure != NULL) {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_FAILED,
        loaded->failure);
    return FALSE;
  }
  return TRUE;
}

/* The table, once gst_wanr2v_src_pbutils_load() has succeeded; a wrapper
 * called without it is a programming error, reported and not followed. */
static const PbutilsTable *
table (void)
{
  const Loaded *loaded = get_loaded ();

  g_return_val_if_fail (loaded->failure == NULL, NULL);
  return &loaded->table;
}

#define CALL(name, fallback, ...) \
  G_STMT_START { \
    const PbutilsTable *t = table (); \
    if (t == NULL) \
      return fallback; \
    return t->name (__VA_ARGS__); \
  } G_STMT_END

#define CALL_VOID(name, ...) \
  G_STMT_START { \
    const PbutilsTable *t = table (); \
    if (t != NULL) \
      t->name (__VA_ARGS__); \
  } G_STMT_END

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
