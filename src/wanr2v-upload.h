/* wanr2v-upload.h: the temporary upload of a local file to DashScope's
 * object storage (an `oss://` URL usable by one model for 48 hours).
 *
 * The file is streamed from disk into a multipart/form-data POST to the
 * policy's upload host, with the fields in the documented order and without
 * the API key.  Must be called on the shared HTTP thread, where the result
 * comes back; the body is sent from a thread of the upload's own, with
 * blocking I/O (see wanr2v-upload.c).
 */
#pragma once

#include <gio/gio.h>
#include "wanr2v-error.h"
#include "wanr2v-json.h"

G_BEGIN_DECLS

/* Uploads @path (of MIME type @mime).  An expired policy fails with
 * WANR2V_ERROR_EXPIRED: get a fresh one and try again. */
/* An upload during which nothing moves for @idle_timeout_s seconds (0 =
 * never) fails with WANR2V_ERROR_CONNECTION_LOST, to be tried again. */
void wanr2v_upload_file_async (const WanR2vUploadPolicy * policy,
    const char *path, const char *mime, guint idle_timeout_s,
    GCancellable * cancellable,
    GAsyncReadyCallback callback, gpointer user_data);

/* Returns the "oss://..." URL of the uploaded file. */
char *wanr2v_upload_file_finish (GAsyncResult * result,
    WanR2vErrorInfo ** details, GError ** error);

/* The path @result is the upload of: tells apart uploads that run at
 * once. */
const char *wanr2v_upload_file_get_path (GAsyncResult * result);

G_END_DECLS
