/* emu-mp4-pad.h: making an MP4 as big as a benchmark needs, without an
 * encoder and without writing the bytes.
 *
 * A top-level `free` box of padding is added where no sample moves, so
 * the chunk offsets in `moov` stay right and the file plays as before:
 *   moov last  (ftyp mdat moov):  ftyp mdat [free] moov   (moov stays last,
 *                                  for clients that read the tail first)
 *   moov first (ftyp moov mdat):  ftyp moov mdat [free]
 * The padding is a hole of a sparse file (ftruncate): a 1 GB result costs
 * no time and no disk.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pads the MP4 at @path in place to at least @min_size bytes (nothing to
 * do when it is that big already).  Fails on a file whose top-level boxes
 * do not add up. */
gboolean emu_mp4_pad (const char *path, guint64 min_size, GError ** error);

G_END_DECLS
