/* wanr2v-concat-stream.h: one input stream that reads several in turn, so
 * that a multipart body can stream a file between two small headers
 * without holding the file in memory.
 *
 * The stream is a GPollableInputStream that can poll when every part can
 * (memory streams can; so can a regular file wrapped by
 * wanr2v_concat_stream_file_part_new()).  That matters to libsoup's
 * asynchronous sends: they read a request body that can poll on their own
 * thread, without a worker thread per 8 KiB read.  (The upload itself now
 * sends with blocking I/O from a thread of its own, where the plain read
 * is used.)
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WANR2V_TYPE_CONCAT_STREAM (wanr2v_concat_stream_get_type ())
G_DECLARE_FINAL_TYPE (WanR2vConcatStream, wanr2v_concat_stream, WANR2V,
    CONCAT_STREAM, GInputStream)

/* Takes a reference to each of the @n @streams.  Closing the concat stream
 * closes them all. */
GInputStream *wanr2v_concat_stream_new (GInputStream ** streams, guint n);

/* A pollable part reading @file_stream, which must be of a regular file:
 * a regular file is always readable (poll(2) says so too), its reads wait
 * for the disk only.  Closing the part closes @file_stream. */
GInputStream *wanr2v_concat_stream_file_part_new (GInputStream * file_stream);

G_END_DECLS
