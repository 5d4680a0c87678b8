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

G_END_DECLS
