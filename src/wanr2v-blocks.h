/* wanr2v-blocks.h: reading a file descriptor to its end, in blocks.
 *
 * GLib only: the plugin hashes the references of a kept video with it
 * before it has opened its engine (gst/gstwanr2vsrc-engine.h), and
 * wanr2v-localfile reads and hashes the user's files with it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*WanR2vBlockFunc) (const guint8 * block, gsize len,
    gpointer data);
/* Asked before each block: TRUE to stop reading (a cancelled run). */
typedef gboolean (*WanR2vStopFunc) (gpointer data);

typedef enum
{
  WANR2V_BLOCKS_DONE,           /* read to its end */
  WANR2V_BLOCKS_STOPPED,        /* @stop said so */
  WANR2V_BLOCKS_FAILED,         /* read(2) failed: errno in *@err */
  WANR2V_BLOCKS_TOO_LARGE,      /* grew past @max_size while it was read */
} WanR2vBlocksResult;

/* Reads @fd from where it is to its end in 64 KiB blocks and hands each to
 * @func.  @stop (may be NULL) is asked before each block.  With @max_size
 * > 0, a file that grows past it is refused.  Does not close @fd. */
WanR2vBlocksResult wanr2v_blocks_read (int fd, guint64 max_size,
    WanR2vStopFunc stop, gpointer stop_data, WanR2vBlockFunc func,
    gpointer data, int *err);

/* A WanR2vBlockFunc that feeds a GChecksum (@data). */
void wanr2v_blocks_checksum (const guint8 * block, gsize len, gpointer data);

G_END_DECLS
