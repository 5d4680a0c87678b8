/* wanr2v-media.c: turning local media into what the service can fetch. */
#include "wanr2v-media.h"
#include "wanr2v-localfile.h"

#include <gio/gio.h>
#include <string.h>

const char *
wanr2v_media_sniff_image_mime (const guint8 * data, gsize size)
{
  static const guint8 png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
    '\n'
  };

  if (size >= sizeof (png_magic)
      && memcmp (data, png_magic, sizeof (png_magic)) == 0)
    return "image/png";
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return "image/jpeg";
  if (size >= 2 && data[0] == 'B' && data[1] == 'M')
    return "image/bmp";
  if (size >= 12 && memcmp (data, "RIFF", 4) == 0
      && memcmp (data + 8, "WEBP", 4) == 0)
    return "image/webp";
  return NULL;
}

typedef struct
{
  const char *formats;
  const char *mimes[5];
} KindFormats;

/* The protocol notes' media table. */
static const KindFormats kind_formats[] = {
  [WANR2V_MEDIA_KIND_IMAGE] = {"a JPEG, PNG, BMP or WEBP image",
      {"image/jpeg", "image/png", "image/bmp", "image/webp", NULL}},
  [WANR2V_MEDIA_KIND_VIDEO] = {"an MP4 or MOV video",
      {"video/mp4", "video/quicktime", NULL}},
  [WANR2V_MEDIA_KIND_VOICE] = {"a WAV or MP3 audio file",
      {"audio/wav", "audio/mpeg", NULL}},
};

const char *
wanr2v_media_kind_formats (WanR2vMediaKind kind)
{
  return kind_formats[kind].formats;
}

gboolean
wanr2v_media_kind_accepts (WanR2vMediaKind kind, const char *mime)
{
  const char *const *m;

  if (mime == NULL)
    return FALSE;
  for (m = kind_formats[kind].mimes; *m; m++)
    if (strcmp (*m, mime) == 0)
      return TRUE;
  return FALSE;
}

gboolean
wanr2v_media_is_movie_start (const guint8 * data, gsize size)
{
  static const char *const boxes[] = { "ftyp", "moov", "mdat", "free",
    "skip", "wide", NULL
  };
  guint i;

  if (size < 8)
    return FALSE;
  for (i = 0; boxes[i]; i++)
    if (memcmp (data + 4, boxes[i], 4) == 0)
      return TRUE;
  return FALSE;
}

const char *
wanr2v_media_sniff_mime (const guint8 * data, gsize size)
{
  const char *image = wanr2v_media_sniff_image_mime (data, size);

  if (image)
    return image;
  /* ISO base media: a box "ftyp" first; QuickTime's brand is "qt  ". */
  if (size >= 12 && memcmp (data + 4, "ftyp", 4) == 0)
    return memcmp (data + 8, "qt  ", 4) == 0 ? "video/quicktime" :
        "video/mp4";
  /* Old QuickTime files may start with other atoms. */
  if (wanr2v_media_is_movie_start (data, size))
    return "video/quicktime";
  if (size >= 12 && memcmp (data, "RIFF", 4) == 0
      && memcmp (data + 8, "WAVE", 4) == 0)
    return "audio/wav";
  if (size >= 3 && memcmp (data, "ID3", 3) == 0)
    return "audio/mpeg";
  if (size >= 2 && data[0] == 0xff && (data[1] & 0xe0) == 0xe0)
    return "audio/mpeg";
  return NULL;
}

const char *
wanr2v_media_sniff_file (const char *path, GError ** error)
{
  g_autoptr (GInputStream) stream = NULL;
  guint8 head[64];
  gsize got = 0;

  stream = wanr2v_local_file_open_stream (path, "reference", 0, NULL, error);
  if (stream == NULL)
    return NULL;
  if (!g_input_stream_read_all (stream, head, sizeof (head), &got, NULL,
          error))
    return NULL;
  return wanr2v_media_sniff_mime (head, got);
}

char *
wanr2v_media_image_to_data_uri (const char *path, gsize max_size,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *encoded = NULL;
  const guint8 *data;
  const char *mime;
  gsize size;

  /* Read, not mapped: a mapping of a file that someone truncates meanwhile
   * kills the process with SIGBUS. */
  bytes = wanr2v_local_file_read (path, "reference", max_size, cancellable,
      error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);

  mime = wanr2v_media_sniff_image_mime (data, size);
  if (mime == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "%s is not a JPEG, PNG, BMP or WEBP image", path);
    return NULL;
  }
  encoded = g_base64_encode (data, size);
  return g_strconcat ("data:", mime, ";base64,", encoded, NULL);
}
