/* wanr2v-download.h: fetching a result video to a file on disk.
 *
 * The bytes go straight from the socket to the file in fixed-size chunks, so
 * memory does not grow with the video; a reader may follow the file as it
 * grows (see wanr2v-job).  No Authorization header is ever sent: result URLs
 * are pre-signed and live on another host than the API.
 * Must be called on the shared HTTP thread.
 */
#pragma once

#include <gio/gio.h>
#include "wanr2v-error.h"

G_BEGIN_DECLS

/* Called on the HTTP thread after each chunk is on disk.  @total is -1 while
 * the size is unknown. */
typedef void (*WanR2vDownloadProgressFunc) (guint64 written, gint64 total,
    gpointer user_data);

/* Downloads @url into @path from byte @offset on (a resumed download asks
 * for a Range; a server that ignores it makes the file start over, which
 * @progress sees as @written going back). */
/* A download that receives nothing for @idle_timeout_s seconds (0 = never)
 * fails with WANR2V_ERROR_CONNECTION_LOST, so that it can be resumed. */
void wanr2v_download_async (const char *url, const char *path,
    guint64 offset, guint idle_timeout_s, WanR2vDownloadProgressFunc progress,
    gpointer progress_data, GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data);

/* Returns the file's final size in *@size. */
gboolean wanr2v_download_finish (GAsyncResult * result, guint64 * size,
    WanR2vErrorInfo ** details, GError ** error);

/* One request of a download that a job splits in parts, so that a reader
 * far ahead of it is served at once (see wanr2v-job-download.c). */
typedef struct
{
  guint64 offset;               /* from this byte on */
  guint64 end;                  /* 0: to the video's end; else stop before
                                 * this byte (a bounded Range) */
  /* A piece stands on its own, ahead of the download: its bytes are
   * written at @offset and nothing else of the file is read, truncated or
   * hashed; the server must answer the Range exactly (206), and no
   * checksum is checked (the download that passes over it checks them). */
  gboolean piece;
  /* The CRC-64 of bytes [0, @crc_end) when the caller knows it: a
   * download from @offset then reads back only [@crc_end, @offset). */
  gboolean crc_known;
  guint64 crc;
  guint64 crc_end;
  /* The server's x-oss-hash-crc64ecma from an earlier reply, for a reply
   * that carries none (the HTTP 416 that ends a download whose last bytes
   * a piece fetched). */
  gboolean want_crc_known;
  guint64 want_crc;
  /* The video's size, when an earlier reply told it (else 0).  A download
   * from there sends no request: it checks the file on disk (CRC-64
   * against @want_crc) and makes it durable.  Asking OSS for a range
   * past the end would bring the whole object again (it ignores an
   * invalid Range unless told otherwise). */
  guint64 total;
  /* Cancelled: the request ends as a success that is not complete,
   * after taking what the server sent already (the read in flight and
   * what the connection holds, at most 512 KiB more).  How a download
   * makes way for a piece: the piece must start beyond that. */
  GCancellable *cut;
} WanR2vDownloadSpan;

typedef struct
{
  guint64 end;                  /* the bytes written stop here */
  gboolean complete;            /* the whole video, checked and durable */
  gint64 total;                 /* the video's size, -1 if unknown */
  gboolean crc_valid;           /* @crc is the CRC-64 of [0, @end) */
  guint64 crc;
  gboolean want_crc_known;      /* the server's CRC-64 of the video */
  guint64 want_crc;
} WanR2vDownloadResult;

void wanr2v_download_span_async (const char *url, const char *path,
    const WanR2vDownloadSpan * span, guint idle_timeout_s,
    WanR2vDownloadProgressFunc progress, gpointer progress_data,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data);

gboolean wanr2v_download_span_finish (GAsyncResult * result,
    WanR2vDownloadResult * out, WanR2vErrorInfo ** details, GError ** error);

G_END_DECLS
