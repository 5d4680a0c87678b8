/* wanr2v-media.h: turning local media into what the service can fetch. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The formats the service takes, one list for every check of them. */
typedef enum
{
  WANR2V_MEDIA_KIND_IMAGE,      /* reference image, first frame */
  WANR2V_MEDIA_KIND_VIDEO,      /* reference video */
  WANR2V_MEDIA_KIND_VOICE,      /* reference voice */
} WanR2vMediaKind;

/* "a JPEG, PNG, BMP or WEBP image", "an MP4 or MOV video", "a WAV or MP3
 * audio file": for messages. */
const char *wanr2v_media_kind_formats (WanR2vMediaKind kind);

/* Whether the service takes media of MIME type @mime (as the sniffers
 * below name them) for @kind. */
gboolean wanr2v_media_kind_accepts (WanR2vMediaKind kind, const char *mime);

/* The MIME type of an encoded image, sniffed from its first bytes:
 * "image/png", "image/jpeg", "image/bmp", "image/webp", or NULL. */
const char *wanr2v_media_sniff_image_mime (const guint8 * data, gsize size);

/* The MIME type of any media the service takes, sniffed from its first
 * bytes: the image types above, "video/mp4", "video/quicktime",
 * "audio/wav", "audio/mpeg"; NULL when unknown. */
const char *wanr2v_media_sniff_mime (const guint8 * data, gsize size);

/* Whether @data starts like an ISO/QuickTime movie: a box "ftyp", "moov",
 * "mdat", "free", "skip" or "wide".  A proxy's HTML page, an XML error or
 * a JSON body starts with none of them. */
gboolean wanr2v_media_is_movie_start (const guint8 * data, gsize size);

/* Sniffs the file at @path (reads its first bytes).  Fails when it cannot
 * be read or is not a regular file; returns NULL without an error when its
 * type is unknown. */
const char *wanr2v_media_sniff_file (const char *path, GError ** error);

/* Reads the image at @path (a regular file of at most @max_size bytes;
 * @cancellable stops the reading) and returns it as a data: URI
 * ("data:image/png;base64,...").  Fails (G_IO_ERROR) when the file cannot
 * be read or is not a PNG, JPEG, BMP or WEBP image. */
char *wanr2v_media_image_to_data_uri (const char *path, gsize max_size,
    GCancellable * cancellable, GError ** error);

G_END_DECLS
