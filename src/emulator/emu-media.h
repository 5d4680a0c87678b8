/* emu-media.h: getting a task's reference media, as the service would.
 *
 * References come as data: URIs (decoded), http(s) URLs (downloaded with
 * libsoup, from loopback hosts only: the emulator never goes to the
 * internet) or oss:// URLs (read from the emulator's own upload storage).
 * Everything here blocks and runs in a task's worker thread.
 */
#pragma once

#include "emu-common.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  SoupSession *session;         /* created in, and used from, the worker */
  const char *storage_dir;      /* where oss:// uploads live */
  const char *model;            /* the task's model: uploads are bound to one */
  GCancellable *cancellable;
  gboolean strict;              /* no placeholders: fail as the service does */
  const char *task_id;          /* for the log */
} EmuFetchContext;

/* TRUE for an http(s) URL whose host is not a loopback address: the
 * emulator cannot fetch it (the machine is offline), and unless
 * --strict-references is given it draws a labelled placeholder instead, so
 * that the service guide's own examples, whose references are all on the
 * internet, run offline. */
gboolean emu_media_is_unreachable (const char *url);

/* The file name at the end of @url's path (unescaped, at most 48
 * characters), for a placeholder's label. */
char *emu_media_url_file_name (const char *url);

/* Fetches @url, refusing more than @max_size bytes.  On failure sets a
 * task-failure @error (status 200: it is reported by the task query). */
GBytes *emu_media_fetch (const EmuFetchContext * ctx, const char *url,
    gsize max_size, EmuServiceError ** error);

typedef enum
{
  EMU_CONTENT_UNKNOWN,
  EMU_CONTENT_IMAGE,            /* JPEG, PNG, BMP, WEBP */
  EMU_CONTENT_VIDEO,            /* MP4, MOV */
  EMU_CONTENT_AUDIO,            /* WAV, MP3 */
} EmuContentClass;

/* Recognises the container from its first bytes (the service's formats
 * only); sets *@format to e.g. "PNG" when not NULL. */
EmuContentClass emu_media_sniff (GBytes * data, const char **format);

/* Reads the pixel size from an image's header (the decoders' job is
 * left to the renderer); FALSE when it cannot be found. */
gboolean emu_media_image_size (GBytes * data, guint * width,
    guint * height);

typedef struct
{
  guint width, height;          /* 0 without a picture */
  double duration_s;            /* 0 for a still image */
  gboolean has_video;           /* a picture stream (an image counts) */
  gboolean has_audio;
} EmuMediaInfo;

/* Decodes enough of the file at @path (with GstDiscoverer) to tell its
 * pixel size, duration and streams. */
gboolean emu_media_probe (const char *path, EmuMediaInfo * info,
    GError ** error);

G_END_DECLS
