/* emu-body.h: sending (part of) a result file as a reply body.
 *
 * The file is memory-mapped and sent a slice at a time, without copies;
 * the holes of a sparse file (the padding of --result-size) are sent from
 * a static page of zeros, so that a 1 GB result costs neither disk reads
 * nor page cache.  A body may be paced (bytes per second, with timers:
 * no busy loop) and cut short (the connection ends after N bytes).
 */
#pragma once

#include "emu-wire.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 rate;                 /* bytes per second; 0: as fast as taken */
  gint64 cut_at;                /* -1: all; else end the connection after
                                 * this many body bytes */
  EmuWireEnd cut_how;
  gint64 flip_at;               /* -1: none; else this byte of the file is
                                 * sent inverted (a corrupted body) */
} EmuBodyOptions;

/* Sends bytes @start..@end (inclusive) of the file at @path as @msg's
 * body.  The caller has set the status and headers (Content-Length: the
 * whole range, even when @options cuts it).  FALSE when the file cannot
 * be read; then nothing was sent. */
gboolean emu_body_send_file (SoupServerMessage * msg, const char *path,
    goffset start, goffset end, const EmuBodyOptions * options,
    GError ** error);

G_END_DECLS
