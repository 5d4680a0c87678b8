/* wanr2v-concat-stream.h: one input stream that reads several in turn, so
 * that a multipart body can stream a file between two small headers
 * without holding the file in memory. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WANR2V_TYPE_CONCAT_STREAM (wanr2v_concat_stream_get_type ())
G_DECLARE_FINAL_TYPE (WanR2vConcatStream, wanr2v_concat_stream, WANR2V,
    CONCAT_STREAM, GInputStream)

/* Takes a reference to each of the @n @streams. */
GInputStream *wanr2v_concat_stream_new (GInputStream ** streams, guint n);

G_END_DECLS
