/* fuzz-imageinfo.c: the image header parser that checks local references
 * (format, pixel size, alpha) before they are uploaded or inlined. */
#define _GNU_SOURCE             /* memfd_create */
#include "fuzz-common.h"
#include "wanr2v-imageinfo.h"
#include "wanr2v-media.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Bytes appended for the "more data changes nothing" check. */
#define TAIL_SIZE 32

/* The file the same bytes are written to for wanr2v_image_info_read_file:
 * one in memory for the whole run (a file on disk made ftruncate the
 * slowest part of every execution), rewritten for every input and opened
 * by the parser through /proc. */
static int file_fd = -1;
static char *file_path;

static const char *
write_file (const guint8 * data, size_t size)
{
  size_t done = 0;

  if (file_fd < 0) {
    file_fd = memfd_create ("fuzz-imageinfo", MFD_CLOEXEC);
    if (file_fd < 0)
      fuzz_fail ("memfd_create: %s", g_strerror (errno));
    file_path = g_strdup_printf ("/proc/self/fd/%d", file_fd);
  }
  while (done < size) {
    ssize_t n = pwrite (file_fd, data + done, size - done, done);

    if (n <= 0)
      fuzz_fail ("write %s: %s", file_path, g_strerror (errno));
    done += n;
  }
  if (ftruncate (file_fd, size) != 0)
    fuzz_fail ("ftruncate %s: %s", file_path, g_strerror (errno));
  return file_path;
}

static const char *
format_mime (WanR2vImageFormat format)
{
  switch (format) {
    case WANR2V_IMAGE_FORMAT_PNG:
      return "image/png";
    case WANR2V_IMAGE_FORMAT_JPEG:
      return "image/jpeg";
    case WANR2V_IMAGE_FORMAT_BMP:
      return "image/bmp";
    case WANR2V_IMAGE_FORMAT_WEBP:
      return "image/webp";
    default:
      return NULL;
  }
}

static gboolean
is_one_of (const char *s, const char *const *list)
{
  for (; *list; list++)
    if (strcmp (s, *list) == 0)
      return TRUE;
  return FALSE;
}

/* What the header's fields allow for a parsed image of this format. */
static void
check_info (const WanR2vImageInfo * info)
{
  static const char *const jpeg_variants[] = { "baseline", "extended",
    "progressive", "lossless", "hierarchical", NULL
  };
  static const char *const webp_variants[] = { "VP8", "VP8L", "VP8X", NULL };
  static const char *const bmp_variants[] = { "core", "info", NULL };
  const char *v = info->variant;
  guint max_width = G_MAXINT32, max_height = G_MAXINT32;

  if (info->width == 0 || info->height == 0)
    fuzz_fail ("%s of %ux%u pixels",
        wanr2v_image_format_to_string (info->format), info->width,
        info->height);
  if (v == NULL)
    fuzz_fail ("%s without a variant",
        wanr2v_image_format_to_string (info->format));

  switch (info->format) {
    case WANR2V_IMAGE_FORMAT_PNG:
      /* The colour type decides the channels; tRNS adds one to grey,
       * RGB and palette images, and only there is alpha optional. */
      if (strcmp (v, "grey") == 0) {
        if (info->components != (info->has_alpha ? 2u : 1u))
          fuzz_fail ("grey PNG: %u components, alpha %d", info->components,
              info->has_alpha);
      } else if (strcmp (v, "RGB") == 0 || strcmp (v, "palette") == 0) {
        if (info->components != (info->has_alpha ? 4u : 3u))
          fuzz_fail ("%s PNG: %u components, alpha %d", v, info->components,
              info->has_alpha);
      } else if (strcmp (v, "grey+alpha") == 0) {
        if (info->components != 2 || !info->has_alpha)
          fuzz_fail ("grey+alpha PNG: %u components, alpha %d",
              info->components, info->has_alpha);
      } else if (strcmp (v, "RGBA") == 0) {
        if (info->components != 4 || !info->has_alpha)
          fuzz_fail ("RGBA PNG: %u components, alpha %d", info->components,
              info->has_alpha);
      } else {
        fuzz_fail ("PNG variant %s", v);
      }
      break;
    case WANR2V_IMAGE_FORMAT_JPEG:
      /* 16-bit sizes, an 8-bit component count, no alpha channel. */
      max_width = max_height = G_MAXUINT16;
      if (!is_one_of (v, jpeg_variants))
        fuzz_fail ("JPEG variant %s", v);
      if (info->components < 1 || info->components > 255 || info->has_alpha)
        fuzz_fail ("JPEG: %u components, alpha %d", info->components,
            info->has_alpha);
      break;
    case WANR2V_IMAGE_FORMAT_BMP:
      if (!is_one_of (v, bmp_variants))
        fuzz_fail ("BMP variant %s", v);
      if (strcmp (v, "core") == 0)
        max_width = max_height = G_MAXUINT16;
      if (info->components != (info->has_alpha ? 4u : 3u))
        fuzz_fail ("BMP: %u components, alpha %d", info->components,
            info->has_alpha);
      break;
    case WANR2V_IMAGE_FORMAT_WEBP:
      /* VP8: 14 bits; VP8L: 14 bits + 1; VP8X: 24 bits + 1. */
      if (!is_one_of (v, webp_variants))
        fuzz_fail ("WEBP variant %s", v);
      if (strcmp (v, "VP8") == 0)
        max_width = max_height = 0x3fff;
      else if (strcmp (v, "VP8L") == 0)
        max_width = max_height = 0x4000;
      else
        max_width = max_height = 0x1000000;
      if (info->components != (info->has_alpha ? 4u : 3u))
        fuzz_fail ("WEBP: %u components, alpha %d", info->components,
            info->has_alpha);
      if (strcmp (v, "VP8") == 0 && info->has_alpha)
        fuzz_fail ("a VP8 WEBP with alpha");
      break;
    default:
      fuzz_fail ("success with format %d", info->format);
  }
  if (info->width > max_width || info->height > max_height)
    fuzz_fail ("%s %s of %ux%u pixels, more than its header can say",
        wanr2v_image_format_to_string (info->format), v, info->width,
        info->height);
}

static void
check_error (const GError * error)
{
  if (error == NULL)
    fuzz_fail ("failed without an error");
  if (error->domain != WANR2V_IMAGE_INFO_ERROR
      || error->code < WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT
      || error->code > WANR2V_IMAGE_INFO_ERROR_INVALID)
    fuzz_fail ("error %s %d: %s", g_quark_to_string (error->domain),
        error->code, error->message);
  /* Messages quote fourccs and numbers from the data: they must stay
   * printable text. */
  if (error->message == NULL || *error->message == '\0'
      || !g_utf8_validate (error->message, -1, NULL))
    fuzz_fail ("error %d with an empty or non-UTF-8 message", error->code);
}

static gboolean
same_info (const WanR2vImageInfo * a, const WanR2vImageInfo * b)
{
  return a->format == b->format && a->width == b->width
      && a->height == b->height && a->has_alpha == b->has_alpha
      && g_strcmp0 (a->variant, b->variant) == 0
      && a->components == b->components;
}

/* @a and @b describe the same outcome (result and info, or error). */
static void
check_same (const char *what, gboolean ok_a, const WanR2vImageInfo * a,
    const GError * error_a, gboolean ok_b, const WanR2vImageInfo * b,
    const GError * error_b, gboolean compare_messages)
{
  if (ok_a != ok_b)
    fuzz_fail ("%s: %s there, %s here", what,
        ok_a ? "parsed" : error_a->message,
        ok_b ? "parsed" : error_b->message);
  if (ok_a && !same_info (a, b))
    fuzz_fail ("%s: %s %ux%u %s/%u/%d there, %s %ux%u %s/%u/%d here", what,
        wanr2v_image_format_to_string (a->format), a->width, a->height,
        a->variant, a->components, a->has_alpha,
        wanr2v_image_format_to_string (b->format), b->width, b->height,
        b->variant, b->components, b->has_alpha);
  if (!ok_a && (error_a->code != error_b->code || (compare_messages
              && strcmp (error_a->message, error_b->message) != 0)))
    fuzz_fail ("%s: error %d \"%s\" there, %d \"%s\" here", what,
        error_a->code, error_a->message, error_b->code, error_b->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  /* Exact-size copies, so that ASan catches any read past the end (the
   * buffer libFuzzer passes may be followed by readable memory). */
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autofree guint8 *longer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) file_error = NULL;
  g_autoptr (GError) longer_error = NULL;
  WanR2vImageInfo info, untouched, file_info, longer_info;
  const char *sniffed;
  gboolean ok, file_ok, longer_ok;

  /* @info is only written on success: fill it with a pattern to see. */
  memset (&info, 0xa5, sizeof (info));
  untouched = info;
  ok = wanr2v_image_info_parse (copy, size, &info, &error);

  if (ok) {
    if (error != NULL)
      fuzz_fail ("success with an error: %s", error->message);
    check_info (&info);
  } else {
    check_error (error);
    if (memcmp (&info, &untouched, sizeof (info)) != 0)
      fuzz_fail ("failed (%s) but wrote the info", error->message);
  }

  /* The media sniffer, which names the type when the reference is inlined
   * or uploaded, looks at the same magic numbers: it must see an image
   * exactly where the parser sees one of its formats. */
  sniffed = wanr2v_media_sniff_image_mime (copy, size);
  if (ok && g_strcmp0 (sniffed, format_mime (info.format)) != 0)
    fuzz_fail ("parsed as %s, sniffed as %s",
        wanr2v_image_format_to_string (info.format), sniffed);
  if (!ok && (sniffed == NULL)
      != (error->code == WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT))
    fuzz_fail ("sniffed as %s, but the parser says: %s",
        sniffed ? sniffed : "nothing", error->message);

  /* Reading the file with seeks must give what reading the buffer
   * gives: one parser serves both. */
  file_ok = wanr2v_image_info_read_file (write_file (copy, size), &file_info,
      &file_error);
  if (!file_ok && file_error != NULL
      && file_error->domain != WANR2V_IMAGE_INFO_ERROR)
    fuzz_fail ("reading the file: %s", file_error->message);
  check_same ("file", ok, &info, error, file_ok, &file_info, file_error,
      TRUE);

  /* Only the headers count: bytes after them change nothing.  Below 12
   * bytes the magic itself may still be incomplete, and a TRUNCATED
   * header is exactly one that more bytes could complete. */
  if (size >= 12 && (ok || error->code != WANR2V_IMAGE_INFO_ERROR_TRUNCATED)) {
    longer = g_malloc (size + TAIL_SIZE);
    memcpy (longer, copy, size);
    memset (longer + size, 0xff, TAIL_SIZE);
    longer_ok = wanr2v_image_info_parse (longer, size + TAIL_SIZE,
        &longer_info, &longer_error);
    check_same ("with bytes appended", ok, &info, error, longer_ok,
        &longer_info, longer_error, FALSE);
  }
  return 0;
}
