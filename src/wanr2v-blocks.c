/* wanr2v-blocks.c: reading a file descriptor to its end, in blocks. */
#include "wanr2v-blocks.h"

#include <errno.h>
#include <unistd.h>

#define READ_BLOCK (64 * 1024)

WanR2vBlocksResult
wanr2v_blocks_read (int fd, guint64 max_size, WanR2vStopFunc stop,
    gpointer stop_data, WanR2vBlockFunc func, gpointer data, int *err)
{
  guint64 done = 0;

  for (;;) {
    guint8 block[READ_BLOCK];
    gssize n;

    if (stop && stop (stop_data))
      return WANR2V_BLOCKS_STOPPED;
    n = read (fd, block, sizeof (block));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      *err = errno;
      return WANR2V_BLOCKS_FAILED;
    }
    if (n == 0)
      return WANR2V_BLOCKS_DONE;
    if (max_size > 0 && done + (guint64) n > max_size)
      return WANR2V_BLOCKS_TOO_LARGE;
    done += n;
    func (block, n, data);
  }
}

void
wanr2v_blocks_checksum (const guint8 * block, gsize len, gpointer data)
{
  g_checksum_update (data, block, len);
}
