/* gstwanr2vsrc-inspect.c: checking local media against the service's limits
 * before anything is sent.
 *
 * Every local file is checked on its own and every problem is collected,
 * so that a user fixes them all at once instead of one upload at a time.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-inspect.h"
#include "gstwanr2vsrc-discover.h"
#include "gstwanr2vsrc-names.h"

#include <gio/gio.h>
#include "gstwanr2vsrc-pbutils.h"
#include <string.h>

#include "wanr2v-error.h"
#include "wanr2v-imageinfo.h"
#include "wanr2v-media.h"

GST_DEBUG_CATEGORY_STATIC (gst_wanr2v_src_inspect_debug);
#define GST_CAT_DEFAULT gst_wanr2v_src_inspect_debug

#define MB (1024 * 1024)

typedef enum
{
  KIND_IMAGE,                   /* reference image or first frame */
  KIND_VIDEO,
  KIND_VOICE,
} Kind;

typedef struct
{
  const char *noun;             /* for "... must be at most N MB" */
  guint64 max_mb;
  gdouble min_seconds, max_seconds;
} KindLimits;

#define DEFAULT_INSPECT_TIMEOUT_S 10

/* How long GstDiscoverer may take on one file: 10 s, or
 * $WANR2V_INSPECT_TIMEOUT seconds (for very slow machines, valgrind, or
 * GST_DEBUG=*:9). */
static GstClockTime
inspect_timeout (void)
{
  const char *env = g_getenv ("WANR2V_INSPECT_TIMEOUT");
  guint64 seconds = env ? g_ascii_strtoull (env, NULL, 10) : 0;

  if (seconds == 0 || seconds > 3600)
    seconds = DEFAULT_INSPECT_TIMEOUT_S;
  return seconds * GST_SECOND;
}

static const KindLimits limits[] = {
  [KIND_IMAGE] = {"an image", WANR2V_IMAGE_MAX_MB, 0, 0},
  [KIND_VIDEO] = {"a reference video", WANR2V_VIDEO_MAX_MB,
      WANR2V_VIDEO_MIN_SECONDS, WANR2V_VIDEO_MAX_SECONDS},
  [KIND_VOICE] = {"a reference voice", WANR2V_VOICE_MAX_MB,
      WANR2V_VOICE_MIN_SECONDS, WANR2V_VOICE_MAX_SECONDS},
};

/* What the service takes, from the core's one list (wanr2v-media). */
static const char *
formats_of (Kind kind)
{
  return wanr2v_media_kind_formats (kind == KIND_IMAGE ?
      WANR2V_MEDIA_KIND_IMAGE : kind == KIND_VIDEO ? WANR2V_MEDIA_KIND_VIDEO
      : WANR2V_MEDIA_KIND_VOICE);
}

static void
ensure_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (gst_wanr2v_src_inspect_debug, "wanr2vsrc-inspect", 0,
        "checks of local media");
    g_once_init_leave (&initialized, 1);
  }
}

typedef struct
{
  GString *problems;            /* one line each */
  GstDiscoverer *discoverer;    /* made when first needed */
  GCancellable *cancellable;    /* the job's: a stop ends a discovery */
  /* the file being checked, for problem lines */
  const char *label;
  const char *path;
  Kind kind;
  GstClockTime length;          /* of the video just inspected, if known */
} Inspection;

static void
add_problem (Inspection * in, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Adds "<label>: <path> <what>" as a line. */
static void
add_problem (Inspection * in, const char *format, ...)
{
  g_autofree char *display = g_filename_display_name (in->path);
  gsize start;
  va_list args;

  if (in->problems->len > 0)
    g_string_append_c (in->problems, '\n');
  start = in->problems->len;
  g_string_append_printf (in->problems, "%s: %s ", in->label, display);
  va_start (args, format);
  g_string_append_vprintf (in->problems, format, args);
  va_end (args);
  GST_INFO ("%s", in->problems->str + start);
}

/* @value with one decimal, or three when one would make a value outside
 * the limits look equal to @limit ("lasts 10.0 s; ... 1..10 s"). */
static char *
format_decimal (gdouble value, gdouble limit)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE], limit_buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof (buf), "%.1f", value);
  g_ascii_formatd (limit_buf, sizeof (limit_buf), "%.1f", limit);
  if (strcmp (buf, limit_buf) == 0)
    g_ascii_formatd (buf, sizeof (buf), "%.3f", value);
  return g_strdup (buf);
}

/* ---- the file itself ---------------------------------------------------- */

/* It exists, is a readable regular file, and is small enough.  Returns
 * FALSE when there is no point looking inside. */
static gboolean
check_file (Inspection * in)
{
  const KindLimits *l = &limits[in->kind];
  g_autoptr (GFile) file = g_file_new_for_path (in->path);
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  guint64 size;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE ","
      G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_ACCESS_CAN_READ,
      G_FILE_QUERY_INFO_NONE, NULL, &error);
  if (info == NULL) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
      add_problem (in, "does not exist");
    else
      add_problem (in, "cannot be read: %s", error->message);
    return FALSE;
  }

  switch (g_file_info_get_file_type (info)) {
    case G_FILE_TYPE_REGULAR:
      break;
    case G_FILE_TYPE_DIRECTORY:
      add_problem (in, "is a directory, not a file");
      return FALSE;
    default:
      add_problem (in, "is not a regular file");
      return FALSE;
  }
  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_ACCESS_CAN_READ)
      && !g_file_info_get_attribute_boolean (info,
          G_FILE_ATTRIBUTE_ACCESS_CAN_READ)) {
    add_problem (in, "cannot be read: permission denied");
    return FALSE;
  }

  size = g_file_info_get_size (info);
  if (size > l->max_mb * MB) {
    char shown[G_ASCII_DTOSTR_BUF_SIZE];

    /* in bytes when "20.0 MB" would not show what is too much */
    g_ascii_formatd (shown, sizeof (shown), "%.1f", (gdouble) size / MB);
    if (g_ascii_strtod (shown, NULL) > l->max_mb)
      add_problem (in, "is %s MB; %s must be at most %" G_GUINT64_FORMAT
          " MB", shown, l->noun, l->max_mb);
    else
      add_problem (in, "is %" G_GUINT64_FORMAT " bytes; %s must be at most "
          "%" G_GUINT64_FORMAT " MB (%" G_GUINT64_FORMAT " bytes)", size,
          l->noun, l->max_mb, l->max_mb * MB);
  }
  return TRUE;
}

/* Each side within @min..@max, and neither more than 8 times the other. */
static void
check_pixels (Inspection * in, guint width, guint height, guint min,
    guint max)
{
  guint64 lo = MIN (width, height), hi = MAX (width, height);

  if (lo < min || hi > max) {
    add_problem (in, "is %ux%u pixels; each side must be %u..%u", width,
        height, min, max);
  } else if (hi > WANR2V_MAX_ASPECT * lo) {
    g_autofree char *ratio = format_decimal ((gdouble) hi / lo,
        WANR2V_MAX_ASPECT);

    add_problem (in, "is %ux%u pixels, an aspect ratio of %s%s%s; it must "
        "be between 1:%d and %d:1", width, height,
        width >= height ? ratio : "1:", width >= height ? ":1" : "",
        width >= height ? "" : ratio, WANR2V_MAX_ASPECT, WANR2V_MAX_ASPECT);
  }
}

static void
check_duration (Inspection * in, GstClockTime duration)
{
  const KindLimits *l = &limits[in->kind];
  gdouble seconds;
  g_autofree char *shown = NULL;

  if (!GST_CLOCK_TIME_IS_VALID (duration) || duration == 0) {
    add_problem (in, "has no known duration; %s must last %g..%g s",
        l->noun, l->min_seconds, l->max_seconds);
    return;
  }
  seconds = (gdouble) duration / GST_SECOND;
  if (seconds >= l->min_seconds && seconds <= l->max_seconds)
    return;
  shown = format_decimal (seconds, seconds < l->min_seconds ?
      l->min_seconds : l->max_seconds);
  add_problem (in, "lasts %s s; %s must last %g..%g s", shown, l->noun,
      l->min_seconds, l->max_seconds);
}

/* ---- images: headers only ----------------------------------------------- */

static void
inspect_image (Inspection * in)
{
  g_autoptr (GError) error = NULL;
  WanR2vImageInfo info;

  if (!wanr2v_image_info_read_file (in->path, &info, &error)) {
    const char *sniffed;

    if (!g_error_matches (error, WANR2V_IMAGE_INFO_ERROR,
            WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT)) {
      add_problem (in, "is not a valid image: %s", error->message);
      return;
    }
    /* Say what it is instead, when we can tell: a video among the images
     * is a likely mix-up. */
    sniffed = wanr2v_media_sniff_file (in->path, NULL);
    if (sniffed)
      add_problem (in, "is not %s: its content is %s",
          formats_of (KIND_IMAGE), sniffed);
    else
      add_problem (in, "is not %s", formats_of (KIND_IMAGE));
    return;
  }

  GST_DEBUG ("%s: %s %s %ux%u alpha %d", in->path,
      wanr2v_image_format_to_string (info.format), info.variant, info.width,
      info.height, info.has_alpha);

  /* The service refuses PNG with transparency; other formats with alpha
   * are not documented as refused. */
  if (info.format == WANR2V_IMAGE_FORMAT_PNG && info.has_alpha)
    add_problem (in, "is a PNG with %s; the service refuses PNG images with "
        "alpha: save it without transparency, or as JPEG",
        strcmp (info.variant, "RGBA") == 0
        || strcmp (info.variant, "grey+alpha") == 0 ?
        "an alpha channel" : "transparency (a tRNS chunk)");

  check_pixels (in, info.width, info.height, WANR2V_IMAGE_MIN_SIDE,
      WANR2V_IMAGE_MAX_SIDE);
}

/* ---- videos and voices: GstDiscoverer ----------------------------------- */

/* What the file is, for people: the demuxer's name for the container
 * ("ISO MP4/M4A", "Matroska"), else that of the caps ("PNG"). */
static char *
describe (GstDiscovererInfo * info, const GstCaps * caps)
{
  const GstTagList *tags =
      gst_wanr2v_src_pb_discoverer_info_get_tags (info);
  char *description = NULL;

  if (tags && gst_tag_list_get_string (tags, GST_TAG_CONTAINER_FORMAT,
          &description))
    return description;
  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return g_strdup ("unknown");
  description = gst_wanr2v_src_pb_pb_utils_get_codec_description (caps);
  if (description == NULL)
    description = g_strdup (gst_structure_get_name (gst_caps_get_structure
            (caps, 0)));
  return description;
}

static GstDiscovererInfo *
discover (Inspection * in)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = NULL;
  GstDiscovererInfo *info;
  GstDiscovererResult result;

  uri = gst_filename_to_uri (in->path, &error);
  if (uri == NULL) {
    add_problem (in, "cannot be read: %s", error->message);
    return NULL;
  }
  if (in->discoverer == NULL) {
    /* pbutils is opened here, by the first file that needs it. */
    if (gst_wanr2v_src_pbutils_load (&error))
      in->discoverer = gst_wanr2v_src_pb_discoverer_new (inspect_timeout (),
          &error);
    if (in->discoverer == NULL) {
      add_problem (in, "cannot be inspected: %s", error->message);
      return NULL;
    }
  }

  info = gst_wanr2v_src_discover (in->discoverer, uri, in->cancellable,
      &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;                /* stopped: the caller says so */
  result = info ? gst_wanr2v_src_pb_discoverer_info_get_result (info) :
      GST_DISCOVERER_ERROR;
  switch (result) {
    case GST_DISCOVERER_OK:
      return info;
    case GST_DISCOVERER_MISSING_PLUGINS:
      /* What the container says is enough for the limits: a codec this
       * machine cannot decode is no reason to refuse the file. */
      if (gst_wanr2v_src_pb_discoverer_info_get_stream_info (info)) {
        GST_INFO ("%s: missing plugins, checking what is known", in->path);
        return info;
      }
      add_problem (in, "cannot be inspected: GStreamer lacks a plugin for "
          "it%s%s", error ? ": " : "", error ? error->message : "");
      break;
    case GST_DISCOVERER_TIMEOUT:
      add_problem (in, "could not be inspected within %u s (raise "
          "WANR2V_INSPECT_TIMEOUT on a very slow machine)",
          (guint) (inspect_timeout () / GST_SECOND));
      break;
    default:
      if (g_error_matches (error, GST_STREAM_ERROR,
              GST_STREAM_ERROR_TYPE_NOT_FOUND)
          || g_error_matches (error, GST_STREAM_ERROR,
              GST_STREAM_ERROR_WRONG_TYPE))
        add_problem (in, "is not %s: its type is not recognised",
            formats_of (in->kind));
      else
        add_problem (in, "cannot be read as media: %s",
            error ? error->message : "unknown error");
      break;
  }
  g_clear_object (&info);
  return NULL;
}

/* ---- durations that need the whole file --------------------------------- */

typedef struct
{
  GstElement *sink;
  GstClockTime start, end;      /* of the buffers seen */
} Measure;

static GstPadProbeReturn
on_parsed_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Measure *m = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime duration = GST_BUFFER_DURATION (buffer);

    m->start = MIN (m->start, pts);
    m->end = MAX (m->end, pts + (GST_CLOCK_TIME_IS_VALID (duration) ?
            duration : 0));
  }
  return GST_PAD_PROBE_OK;
}

/* The first stream parsebin finds is enough to time the file. */
static void
on_parsebin_pad (GstElement * parsebin, GstPad * pad, Measure * m)
{
  GstPad *sinkpad = gst_element_get_static_pad (m->sink, "sink");

  if (!gst_pad_is_linked (sinkpad))
    gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
}

/* An MP3 without a Xing header, for one, has no duration until its frames
 * were counted, and GstDiscoverer only reads the start: it answers or not
 * depending on how far its parser got. */
GstClockTime
gst_wanr2v_src_inspect_measure_duration (const char *path)
{
  GstElement *pipeline = gst_pipeline_new ("wanr2v-measure");
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *parsebin = gst_element_factory_make ("parsebin", NULL);
  Measure m = { NULL, GST_CLOCK_TIME_NONE, 0 };
  GstClockTime result = GST_CLOCK_TIME_NONE;
  GstMessage *msg = NULL;
  GstBus *bus;
  GstPad *pad;

  ensure_init ();
  m.sink = gst_element_factory_make ("fakesink", NULL);
  if (src == NULL || parsebin == NULL || m.sink == NULL) {
    gst_clear_object (&src);
    gst_clear_object (&parsebin);
    gst_clear_object (&m.sink);
    gst_object_unref (pipeline);
    return GST_CLOCK_TIME_NONE;
  }
  g_object_set (src, "location", path, NULL);
  g_object_set (m.sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, parsebin, m.sink, NULL);
  gst_element_link (src, parsebin);
  g_signal_connect (parsebin, "pad-added", G_CALLBACK (on_parsebin_pad), &m);
  pad = gst_element_get_static_pad (m.sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_parsed_buffer, &m,
      NULL);
  gst_object_unref (pad);

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE)
    msg = gst_bus_timed_pop_filtered (bus, inspect_timeout (),
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  /* stopping joins the streaming threads: m is ours again after this */
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS
      && GST_CLOCK_TIME_IS_VALID (m.start) && m.end > m.start)
    result = m.end - m.start;
  GST_DEBUG ("%s: measured %" GST_TIME_FORMAT, path, GST_TIME_ARGS (result));

  g_clear_pointer (&msg, gst_message_unref);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return result;
}

static GstClockTime
media_duration (Inspection * in, GstDiscovererInfo * info)
{
  GstClockTime duration =
      gst_wanr2v_src_pb_discoverer_info_get_duration (info);

  if (GST_CLOCK_TIME_IS_VALID (duration) && duration > 0)
    return duration;
  GST_INFO ("%s: no duration from GstDiscoverer, measuring", in->path);
  return gst_wanr2v_src_inspect_measure_duration (in->path);
}

static const char *
top_caps_name (GstDiscovererInfo * info, char **description)
{
  g_autoptr (GstDiscovererStreamInfo) top =
      gst_wanr2v_src_pb_discoverer_info_get_stream_info (info);
  g_autoptr (GstCaps) caps = top ?
      gst_wanr2v_src_pb_discoverer_stream_info_get_caps (top) : NULL;

  *description = describe (info, caps);
  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return "";
  /* structure names are interned: they outlive the caps */
  return g_intern_string (gst_structure_get_name (gst_caps_get_structure
          (caps, 0)));
}

static void
inspect_video (Inspection * in)
{
  GstDiscovererInfo *info = discover (in);
  g_autofree char *description = NULL;
  GList *streams, *l;
  GstDiscovererVideoInfo *video = NULL;

  if (info == NULL)
    return;

  /* qtdemux's caps: MP4 (variant iso) and MOV (variant apple) alike;
   * typefind gives 3GP, M4A and others caps of their own. */
  if (strcmp (top_caps_name (info, &description), "video/quicktime") != 0) {
    add_problem (in, "is not %s: its format is %s",
        formats_of (KIND_VIDEO), description);
    gst_discoverer_info_unref (info);
    return;
  }

  streams = gst_wanr2v_src_pb_discoverer_info_get_video_streams (info);
  for (l = streams; l && video == NULL; l = l->next)
    if (!gst_wanr2v_src_pb_discoverer_video_info_is_image (l->data))
      video = l->data;

  if (video == NULL) {
    add_problem (in, "has no video stream");
  } else {
    guint width =
        gst_wanr2v_src_pb_discoverer_video_info_get_width (video);
    guint height =
        gst_wanr2v_src_pb_discoverer_video_info_get_height (video);

    if (width > 0 && height > 0)
      check_pixels (in, width, height, WANR2V_VIDEO_MIN_SIDE,
          WANR2V_VIDEO_MAX_SIDE);
    else
      GST_WARNING ("%s: the video's size is unknown", in->path);
    in->length = media_duration (in, info);
    check_duration (in, in->length);
  }
  gst_wanr2v_src_pb_discoverer_stream_info_list_free (streams);
  gst_discoverer_info_unref (info);
}

static gboolean
is_mp3 (GstDiscovererStreamInfo * stream)
{
  g_autoptr (GstCaps) caps =
      gst_wanr2v_src_pb_discoverer_stream_info_get_caps (stream);
  const GstStructure *s;
  gint version = 0, layer = 0;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return FALSE;
  s = gst_caps_get_structure (caps, 0);
  return gst_structure_has_name (s, "audio/mpeg")
      && gst_structure_get_int (s, "mpegversion", &version) && version == 1
      && gst_structure_get_int (s, "layer", &layer) && layer == 3;
}

static void
inspect_voice (Inspection * in)
{
  GstDiscovererInfo *info = discover (in);
  g_autofree char *description = NULL;
  const char *top;
  GList *streams;
  gboolean accepted;

  if (info == NULL)
    return;

  top = top_caps_name (info, &description);
  streams = gst_wanr2v_src_pb_discoverer_info_get_audio_streams (info);
  /* WAV is its own top level whatever it holds; MP3 is a bare MPEG audio
   * stream, possibly inside ID3 or APE tags. */
  accepted = strcmp (top, "audio/x-wav") == 0
      || (streams != NULL && is_mp3 (streams->data)
      && (strcmp (top, "audio/mpeg") == 0
          || strcmp (top, "application/x-id3") == 0
          || strcmp (top, "application/x-apetag") == 0));

  if (!accepted)
    add_problem (in, "is not %s: its format is %s",
        formats_of (KIND_VOICE), description);
  else if (streams == NULL)
    add_problem (in, "has no audio stream");
  else
    check_duration (in, media_duration (in, info));

  gst_wanr2v_src_pb_discoverer_stream_info_list_free (streams);
  gst_discoverer_info_unref (info);
}

/* ---- the request -------------------------------------------------------- */

static void
inspect_one (Inspection * in, const WanR2vRequest * request, guint index,
    gboolean voice)
{
  const WanR2vMedia *media = g_ptr_array_index (request->media, index);
  const char *url = voice ? media->voice : media->url;
  g_autofree char *label = NULL;
  g_autofree char *path = NULL;

  if (url == NULL || *url == '\0')
    return;
  /* Remote media is the service's to fetch and check; data: URIs were
   * checked with the request. */
  if (wanr2v_url_classify (url) != WANR2V_URL_LOCAL)
    return;
  path = wanr2v_url_to_local_path (url);
  if (path == NULL)
    return;

  label = gst_wanr2v_src_names_media (request, index, voice);
  in->label = label;
  in->path = path;
  if (voice)
    in->kind = KIND_VOICE;
  else if (media->type == WANR2V_MEDIA_REFERENCE_VIDEO)
    in->kind = KIND_VIDEO;
  else
    in->kind = KIND_IMAGE;

  GST_DEBUG ("inspecting %s: %s", label, path);
  if (check_file (in)) {
    switch (in->kind) {
      case KIND_IMAGE:
        inspect_image (in);
        break;
      case KIND_VIDEO:
        inspect_video (in);
        break;
      case KIND_VOICE:
        inspect_voice (in);
        break;
    }
  }
  in->label = NULL;
  in->path = NULL;
}

/* The length of the remote video at @uri, for the billing prediction:
 * GstDiscoverer reads little more than an MP4's moov (with ranged requests
 * when the moov is at the end).  Plain GETs to the reference's own host:
 * the API key is never involved.  -1 when it cannot be told in time (the
 * prediction is then an upper bound). */
static gdouble
probe_remote_length (const char *uri, GCancellable * cancellable)
{
  g_autoptr (GstDiscoverer) discoverer = NULL;
  g_autoptr (GstDiscovererInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  GstClockTime duration;

  if (gst_wanr2v_src_pbutils_load (&error))
    discoverer = gst_wanr2v_src_pb_discoverer_new (inspect_timeout (),
        &error);
  if (discoverer != NULL)
    info = gst_wanr2v_src_discover (discoverer, uri, cancellable, &error);
  if (info == NULL
      || gst_wanr2v_src_pb_discoverer_info_get_result (info) !=
      GST_DISCOVERER_OK) {
    GST_INFO ("cannot probe %s: %s", uri, error ? error->message :
        "no result");
    return -1;
  }
  duration = gst_wanr2v_src_pb_discoverer_info_get_duration (info);
  if (!GST_CLOCK_TIME_IS_VALID (duration) || duration == 0)
    return -1;
  GST_DEBUG ("%s lasts %" GST_TIME_FORMAT, uri, GST_TIME_ARGS (duration));
  return (gdouble) duration / GST_SECOND;
}

/* The length of reference video @index for the billing prediction: what
 * its inspection found, or for a remote one what a probe finds. */
static gdouble
video_length (Inspection * in, const WanR2vRequest * request, guint index,
    gboolean probe_remote)
{
  const WanR2vMedia *media = g_ptr_array_index (request->media, index);

  if (media->type != WANR2V_MEDIA_REFERENCE_VIDEO)
    return -1;
  switch (wanr2v_url_classify (media->url)) {
    case WANR2V_URL_LOCAL:
      return GST_CLOCK_TIME_IS_VALID (in->length) ?
          (gdouble) in->length / GST_SECOND : -1;
    case WANR2V_URL_HTTP:
      return probe_remote ? probe_remote_length (media->url,
          in->cancellable) : -1;
    default:
      return -1;                /* oss://: only the service can read it */
  }
}

gboolean
gst_wanr2v_src_inspect_request (const WanR2vRequest * request,
    gdouble * video_seconds, GCancellable * cancellable, gpointer user_data,
    GError ** error)
{
  Inspection in = { 0, };
  guint i;

  g_return_val_if_fail (request != NULL, FALSE);

  ensure_init ();

  if (request->media == NULL)
    return TRUE;

  in.problems = g_string_new (NULL);
  in.cancellable = cancellable;
  for (i = 0; i < request->media->len; i++) {
    /* Stopped: the next file is not opened. */
    if (g_cancellable_is_cancelled (cancellable)) {
      g_clear_object (&in.discoverer);
      g_string_free (in.problems, TRUE);
      g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
          "Stopped while inspecting the local files");
      return FALSE;
    }
    in.length = GST_CLOCK_TIME_NONE;
    inspect_one (&in, request, i, FALSE);
    if (video_seconds != NULL)
      video_seconds[i] = video_length (&in, request, i,
          GPOINTER_TO_INT (user_data));
    inspect_one (&in, request, i, TRUE);
  }
  g_clear_object (&in.discoverer);
  /* Stopped during the last file's discovery. */
  if (g_cancellable_is_cancelled (cancellable)) {
    g_string_free (in.problems, TRUE);
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED,
        "Stopped while inspecting the local files");
    return FALSE;
  }

  if (in.problems->len == 0) {
    g_string_free (in.problems, TRUE);
    return TRUE;
  }
  g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_BAD_REQUEST,
      in.problems->str);
  g_string_free (in.problems, TRUE);
  return FALSE;
}
