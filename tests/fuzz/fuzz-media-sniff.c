/* fuzz-media-sniff.c: the MIME sniffer that looks at the first bytes of
 * local media before they are uploaded or inlined. */
#include "fuzz-common.h"
#include "wanr2v-media.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* An exact-size copy, so that ASan catches any read past the end (the
   * buffer libFuzzer passes may be followed by readable memory). */
  g_autofree guint8 *copy = g_memdup2 (data, size);
  const char *image, *mime;

  image = wanr2v_media_sniff_image_mime (copy, size);
  mime = wanr2v_media_sniff_mime (copy, size);

  /* An image is an image for both sniffers. */
  if (image != NULL && g_strcmp0 (image, mime) != 0)
    fuzz_fail ("image sniffer says %s, media sniffer %s", image, mime);
  if (mime != NULL && !g_str_has_prefix (mime, "image/")
      && !g_str_has_prefix (mime, "video/")
      && !g_str_has_prefix (mime, "audio/"))
    fuzz_fail ("unexpected MIME type %s", mime);
  return 0;
}
