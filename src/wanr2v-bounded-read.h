/* wanr2v-bounded-read.h: reading a reply body with a size limit.
 *
 * A reply comes from the network: a broken proxy or a hostile host can send
 * gigabytes.  The limit applies while the body streams in, so that no more
 * than @max_size bytes (plus one read block) are ever held, instead of
 * cutting a body that is already all in memory.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Reads @stream to its end on the thread-default main context.  More than
 * @max_size bytes fail with G_IO_ERROR_MESSAGE_TOO_LARGE as soon as they
 * arrive (the rest is not read). */
void wanr2v_bounded_read_async (GInputStream * stream, gsize max_size,
    GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data);

GBytes *wanr2v_bounded_read_finish (GAsyncResult * result, GError ** error);

G_END_DECLS
