/* wanr2v-imageinfo.h: format, pixel size and alpha of an encoded image.
 *
 * The service takes JPEG, PNG, BMP and WEBP images within pixel-size limits
 * and refuses PNG with alpha.  Checking that before an upload needs only the
 * headers, not a decoder: this module reads them from untrusted bytes
 * (never more than the headers, and never past the data it is given).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  WANR2V_IMAGE_FORMAT_UNKNOWN = 0,
  WANR2V_IMAGE_FORMAT_PNG,
  WANR2V_IMAGE_FORMAT_JPEG,
  WANR2V_IMAGE_FORMAT_BMP,
  WANR2V_IMAGE_FORMAT_WEBP,
} WanR2vImageFormat;

/* "PNG", "JPEG", "BMP", "WEBP" (or "unknown"). */
const char *wanr2v_image_format_to_string (WanR2vImageFormat format);

typedef struct
{
  WanR2vImageFormat format;
  guint width;                  /* pixels, > 0 */
  guint height;                 /* pixels, > 0 (BMP: also when top-down) */
  gboolean has_alpha;           /* an alpha channel or transparency */
  /* Which flavour was parsed, a static string: JPEG "baseline",
   * "extended", "progressive", "lossless" or "hierarchical" (its frame
   * type); WEBP "VP8", "VP8L" or "VP8X"; BMP "core" (12-byte header) or
   * "info" (40 bytes and up); PNG "grey", "RGB", "palette", "grey+alpha"
   * or "RGBA" (its colour type). */
  const char *variant;
  guint components;             /* channels, alpha or tRNS included;
                                 * JPEG: as coded (1 grey, 3 YCbCr,
                                 * 4 CMYK/YCCK) */
} WanR2vImageInfo;

#define WANR2V_IMAGE_INFO_ERROR (wanr2v_image_info_error_quark ())
GQuark wanr2v_image_info_error_quark (void);

typedef enum
{
  WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT,       /* not PNG/JPEG/BMP/WEBP */
  WANR2V_IMAGE_INFO_ERROR_TRUNCATED,    /* the header ends early */
  WANR2V_IMAGE_INFO_ERROR_INVALID,      /* a header that makes no sense */
} WanR2vImageInfoError;

/* Parses the image whose bytes start at @data (the first @size bytes of
 * the file, or all of it).  For a PNG the chunks up to the first IDAT are
 * needed (to see a tRNS chunk); for a JPEG the markers up to the frame
 * header.  Fails in WANR2V_IMAGE_INFO_ERROR; @info is only written on
 * success. */
gboolean wanr2v_image_info_parse (const guint8 * data, gsize size,
    WanR2vImageInfo * info, GError ** error);

/* The same for the file at @path, reading only its headers: segments and
 * chunks in between are skipped with seeks, so the cost does not grow with
 * the file's size.  File errors are G_IO_ERROR. */
gboolean wanr2v_image_info_read_file (const char *path,
    WanR2vImageInfo * info, GError ** error);

G_END_DECLS
