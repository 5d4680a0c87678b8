/* emu-media.c: getting a task's reference media, as the service would. */
#include "emu-media.h"

#include "emu-uploads.h"

#include <gst/pbutils/pbutils.h>
#include <string.h>

#define DOWNLOAD_FAILED "InvalidFile.DownloadFailed"

/* ---- data: URIs */

static gboolean
is_base64_text (const char *text)
{
  for (; *text; text++) {
    if (g_ascii_isalnum (*text) || *text == '+' || *text == '/'
        || *text == '=' || g_ascii_isspace (*text))
      continue;
    return FALSE;
  }
  return TRUE;
}

static GBytes *
decode_data_uri (const char *url, gsize max_size, EmuServiceError ** error)
{
  const char *comma = strchr (url, ',');
  g_autofree char *payload = NULL;
  guchar *data;
  gsize len = 0;

  /* Validation already checked the header: only the payload can be bad.
   * g_base64_decode skips junk silently, so look first. */
  if (comma != NULL)
    payload = g_uri_unescape_string (comma + 1, NULL);
  if (payload == NULL || !is_base64_text (payload)) {
    emu_set_service_error (error, 200, "InvalidParameter.DataInspection",
        "The media format is not supported or incorrect for the data "
        "inspection: the base64 data cannot be decoded.");
    return NULL;
  }
  data = g_base64_decode (payload, &len);
  if (len == 0) {
    g_free (data);
    emu_set_service_error (error, 200, "InvalidParameter.DataInspection",
        "The media format is not supported or incorrect for the data "
        "inspection: the base64 data is empty.");
    return NULL;
  }
  if (len > max_size) {
    g_free (data);
    emu_set_service_error (error, 200, "InvalidParameter",
        "The media file is too large: %" G_GSIZE_FORMAT " bytes, at most %"
        G_GSIZE_FORMAT ".", len, max_size);
    return NULL;
  }
  return g_bytes_new_take (data, len);
}

/* ---- http(s) */

static GBytes *
download (const EmuFetchContext * ctx, const char *url, gsize max_size,
    EmuServiceError ** error)
{
  g_autofree char *shown = emu_url_for_message (url);
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GByteArray) buffer = NULL;
  g_autoptr (GError) gerror = NULL;
  guint status;

  /* The machine has no internet: going there would only hang on DNS. */
  if (uri == NULL || !emu_host_is_loopback (g_uri_get_host (uri))) {
    emu_set_service_error (error, 200, DOWNLOAD_FAILED,
        "Failed to download the file %s: the emulator only downloads from "
        "loopback hosts.", shown);
    return NULL;
  }

  msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  stream = soup_session_send (ctx->session, msg, ctx->cancellable, &gerror);
  if (stream == NULL) {
    emu_set_service_error (error, 200, DOWNLOAD_FAILED,
        "Failed to download the file %s: %s", shown, gerror->message);
    return NULL;
  }
  status = soup_message_get_status (msg);
  if (status != SOUP_STATUS_OK) {
    emu_set_service_error (error, 200, DOWNLOAD_FAILED,
        "Failed to download the file %s: HTTP %u.", shown, status);
    return NULL;
  }

  buffer = g_byte_array_new ();
  for (;;) {
    guint8 chunk[64 * 1024];
    gssize n = g_input_stream_read (stream, chunk, sizeof (chunk),
        ctx->cancellable, &gerror);

    if (n < 0) {
      emu_set_service_error (error, 200, DOWNLOAD_FAILED,
          "Failed to download the file %s: %s", shown, gerror->message);
      return NULL;
    }
    if (n == 0)
      break;
    if (buffer->len + (gsize) n > max_size) {
      emu_set_service_error (error, 200, "InvalidParameter",
          "The media file %s is too large: more than %" G_GSIZE_FORMAT
          " bytes.", shown, max_size);
      return NULL;
    }
    g_byte_array_append (buffer, chunk, n);
  }
  g_input_stream_close (stream, NULL, NULL);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

gboolean
emu_media_is_unreachable (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0
      && g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;
  return !emu_host_is_loopback (g_uri_get_host (uri));
}

char *
emu_media_url_file_name (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *name = NULL;
  const char *path, *slash;

  path = uri ? g_uri_get_path (uri) : "";
  slash = strrchr (path, '/');
  name = g_uri_unescape_string (slash ? slash + 1 : path, NULL);
  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL))
    return g_strdup ("(no file name)");
  if (g_utf8_strlen (name, -1) > 48) {
    g_autofree char *head = g_utf8_substring (name, 0, 47);

    return g_strconcat (head, "…", NULL);
  }
  return g_steal_pointer (&name);
}

/* ---- oss:// */

static GBytes *
read_upload (const EmuFetchContext * ctx, const char *url, gsize max_size,
    EmuServiceError ** error)
{
  g_autofree char *shown = emu_url_for_message (url);
  const char *key = url + strlen ("oss://");
  g_autofree char *path = NULL;
  g_autofree char *model = NULL;
  g_autoptr (GMappedFile) file = NULL;

  path = emu_uploads_object_path (ctx->storage_dir, key);
  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    emu_set_service_error (error, 200, DOWNLOAD_FAILED,
        "Failed to download the file %s: the object does not exist.", shown);
    return NULL;
  }
  /* An uploaded file may only be used with the model named at upload. */
  model = emu_uploads_object_model (ctx->storage_dir, key);
  if (model != NULL && g_strcmp0 (model, ctx->model) != 0) {
    emu_set_service_error (error, 200, DOWNLOAD_FAILED,
        "Failed to download the file %s: it was uploaded for model %s, "
        "not %s.", shown, model, ctx->model);
    return NULL;
  }
  file = g_mapped_file_new (path, FALSE, NULL);
  if (file == NULL) {
    emu_set_service_error (error, 200, DOWNLOAD_FAILED,
        "Failed to download the file %s: it cannot be read.", shown);
    return NULL;
  }
  if (g_mapped_file_get_length (file) > max_size) {
    emu_set_service_error (error, 200, "InvalidParameter",
        "The media file %s is too large: more than %" G_GSIZE_FORMAT
        " bytes.", shown, max_size);
    return NULL;
  }
  return g_mapped_file_get_bytes (file);
}

GBytes *
emu_media_fetch (const EmuFetchContext * ctx, const char *url,
    gsize max_size, EmuServiceError ** error)
{
  g_autofree char *scheme = g_uri_parse_scheme (url);

  if (scheme == NULL) {
    emu_set_service_error (error, 200, DOWNLOAD_FAILED,
        "Failed to download the file: not a URL.");
    return NULL;
  }
  if (g_ascii_strcasecmp (scheme, "data") == 0)
    return decode_data_uri (url, max_size, error);
  if (g_ascii_strcasecmp (scheme, "oss") == 0)
    return read_upload (ctx, url, max_size, error);
  return download (ctx, url, max_size, error);
}

/* ---- content */

EmuContentClass
emu_media_sniff (GBytes * data, const char **format)
{
  gsize len = 0;
  const guint8 *b = g_bytes_get_data (data, &len);
  const char *name = NULL;
  EmuContentClass klass = EMU_CONTENT_UNKNOWN;

  if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
    name = "JPEG";
    klass = EMU_CONTENT_IMAGE;
  } else if (len >= 8 && memcmp (b, "\x89PNG\r\n\x1a\n", 8) == 0) {
    name = "PNG";
    klass = EMU_CONTENT_IMAGE;
  } else if (len >= 12 && memcmp (b, "RIFF", 4) == 0
      && memcmp (b + 8, "WEBP", 4) == 0) {
    name = "WEBP";
    klass = EMU_CONTENT_IMAGE;
  } else if (len >= 12 && memcmp (b, "RIFF", 4) == 0
      && memcmp (b + 8, "WAVE", 4) == 0) {
    name = "WAV";
    klass = EMU_CONTENT_AUDIO;
  } else if (len >= 14 && b[0] == 'B' && b[1] == 'M') {
    name = "BMP";
    klass = EMU_CONTENT_IMAGE;
  } else if (len >= 8 && (memcmp (b + 4, "ftyp", 4) == 0
          || memcmp (b + 4, "moov", 4) == 0 || memcmp (b + 4, "mdat", 4) == 0
          || memcmp (b + 4, "wide", 4) == 0 || memcmp (b + 4, "free", 4) == 0
          || memcmp (b + 4, "skip", 4) == 0)) {
    name = "MP4";
    klass = EMU_CONTENT_VIDEO;
  } else if ((len >= 3 && memcmp (b, "ID3", 3) == 0)
      || (len >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)) {
    name = "MP3";
    klass = EMU_CONTENT_AUDIO;
  }
  if (format)
    *format = name;
  return klass;
}

/* Each stream uridecodebin finds goes to a fakesink that takes buffers as
 * fast as they come. */
static void
sink_new_pad (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  GstBin *pipeline = GST_BIN (user_data);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr (GstPad) sinkpad = NULL;

  if (sink == NULL)
    return;
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add (pipeline, sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
  gst_element_sync_state_with_parent (sink);
}

/* GstDiscoverer queries the duration once the file has prerolled and, when
 * the parser has no estimate yet (mpegaudioparse estimates an MP3 without a
 * Xing header only after a number of frames), plays on for just 2 x 50 ms
 * and asks again.  A busy machine (parallel tests, a sanitizer build)
 * misses that window and the duration comes back unknown, which would read
 * as a 0 s voice.  Here the file plays, as fast as it decodes, until the
 * duration is known or the stream ends (then the position at the end is
 * its duration). */
static GstClockTime
patient_duration (const char *uri, GError ** error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("duration");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  GstElement *decodebin = gst_element_factory_make ("uridecodebin", NULL);
  GstClockTime duration = GST_CLOCK_TIME_NONE;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gboolean ended = FALSE;

  if (decodebin == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "has no known duration (uridecodebin is missing)");
    return GST_CLOCK_TIME_NONE;
  }
  g_object_set (decodebin, "uri", uri, NULL);
  g_signal_connect (decodebin, "pad-added", G_CALLBACK (sink_new_pad),
      pipeline);
  gst_bin_add (GST_BIN (pipeline), decodebin);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE)
    ended = TRUE;

  while (!ended && g_get_monotonic_time () < deadline) {
    g_autoptr (GstMessage) msg = gst_bus_timed_pop_filtered (bus,
        20 * GST_MSECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    gint64 value;

    if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, error, NULL);
      break;
    }
    ended = msg != NULL;
    if (gst_element_query_duration (pipeline, GST_FORMAT_TIME, &value)
        && value > 0) {
      duration = value;
      break;
    }
    if (ended && gst_element_query_position (pipeline, GST_FORMAT_TIME,
            &value) && value > 0)
      duration = value;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (!GST_CLOCK_TIME_IS_VALID (duration) && error != NULL && *error == NULL)
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "has no known duration");
  return duration;
}

gboolean
emu_media_probe (const char *path, EmuMediaInfo * info, GError ** error)
{
  g_autoptr (GstDiscoverer) discoverer = NULL;
  g_autoptr (GstDiscovererInfo) result = NULL;
  g_autofree char *uri = NULL;
  GList *streams;
  GstClockTime duration;

  memset (info, 0, sizeof (*info));
  discoverer = gst_discoverer_new (10 * GST_SECOND, error);
  if (discoverer == NULL)
    return FALSE;
  uri = gst_filename_to_uri (path, error);
  if (uri == NULL)
    return FALSE;
  result = gst_discoverer_discover_uri (discoverer, uri, error);
  if (result == NULL || (error != NULL && *error != NULL))
    return FALSE;
  if (gst_discoverer_info_get_result (result) != GST_DISCOVERER_OK) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "cannot be decoded (discoverer result %d)",
        gst_discoverer_info_get_result (result));
    return FALSE;
  }

  streams = gst_discoverer_info_get_video_streams (result);
  if (streams != NULL) {
    GstDiscovererVideoInfo *video = streams->data;

    info->has_video = TRUE;
    info->width = gst_discoverer_video_info_get_width (video);
    info->height = gst_discoverer_video_info_get_height (video);
  }
  gst_discoverer_stream_info_list_free (streams);

  streams = gst_discoverer_info_get_audio_streams (result);
  info->has_audio = streams != NULL;
  gst_discoverer_stream_info_list_free (streams);

  duration = gst_discoverer_info_get_duration (result);
  if ((info->has_audio || info->has_video)
      && (!GST_CLOCK_TIME_IS_VALID (duration) || duration == 0)) {
    duration = patient_duration (uri, error);
    if (!GST_CLOCK_TIME_IS_VALID (duration))
      return FALSE;
  }
  if (GST_CLOCK_TIME_IS_VALID (duration))
    info->duration_s = (double) duration / GST_SECOND;
  return TRUE;
}

/* ---- image headers */

static guint32
be16 (const guint8 * p)
{
  return (p[0] << 8) | p[1];
}

static guint32
be32 (const guint8 * p)
{
  return ((guint32) p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

static guint32
le16 (const guint8 * p)
{
  return p[0] | (p[1] << 8);
}

static guint32
le24 (const guint8 * p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16);
}

static guint32
le32 (const guint8 * p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static gboolean
jpeg_size (const guint8 * d, gsize len, guint * w, guint * h)
{
  gsize pos = 2;

  while (pos + 9 < len) {
    guint8 marker;
    guint32 seg;

    if (d[pos] != 0xFF) {
      pos++;
      continue;
    }
    marker = d[pos + 1];
    if (marker == 0xFF) {
      pos++;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)
        || marker == 0x01) {
      pos += 2;
      continue;
    }
    seg = be16 (d + pos + 2);
    /* SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC). */
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8
        && marker != 0xCC) {
      *h = be16 (d + pos + 5);
      *w = be16 (d + pos + 7);
      return TRUE;
    }
    pos += 2 + seg;
  }
  return FALSE;
}

gboolean
emu_media_image_size (GBytes * data, guint * width, guint * height)
{
  gsize len = 0;
  const guint8 *d = g_bytes_get_data (data, &len);
  const char *format = NULL;

  *width = *height = 0;
  if (emu_media_sniff (data, &format) != EMU_CONTENT_IMAGE)
    return FALSE;

  if (strcmp (format, "PNG") == 0 && len >= 24
      && memcmp (d + 12, "IHDR", 4) == 0) {
    *width = be32 (d + 16);
    *height = be32 (d + 20);
  } else if (strcmp (format, "BMP") == 0 && len >= 26) {
    gint32 h = (gint32) le32 (d + 22);

    *width = le32 (d + 18);
    *height = ABS (h);          /* negative: stored top-down */
  } else if (strcmp (format, "JPEG") == 0) {
    jpeg_size (d, len, width, height);
  } else if (strcmp (format, "WEBP") == 0 && len >= 30) {
    if (memcmp (d + 12, "VP8 ", 4) == 0 && d[23] == 0x9d && d[24] == 0x01
        && d[25] == 0x2a) {
      *width = le16 (d + 26) & 0x3FFF;
      *height = le16 (d + 28) & 0x3FFF;
    } else if (memcmp (d + 12, "VP8L", 4) == 0 && d[20] == 0x2f) {
      guint32 bits = le32 (d + 21);

      *width = (bits & 0x3FFF) + 1;
      *height = ((bits >> 14) & 0x3FFF) + 1;
    } else if (memcmp (d + 12, "VP8X", 4) == 0) {
      *width = le24 (d + 24) + 1;
      *height = le24 (d + 27) + 1;
    }
  }
  return *width > 0 && *height > 0;
}
