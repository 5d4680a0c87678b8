/* wanr2v-imageinfo.c: format, pixel size and alpha of an encoded image.
 *
 * Every parser reads through a Reader that copies small ranges at given
 * offsets, so one parser serves both a buffer and a file: on a file, the
 * segments and chunks that do not matter are skipped with seeks.  Nothing
 * is trusted: every length is checked against what is left, every loop
 * advances and is bounded.
 */
#include "wanr2v-imageinfo.h"
#include "wanr2v-localfile.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK (wanr2v-image-info-error-quark, wanr2v_image_info_error)

/* Real images have a few dozen chunks or segments before the picture; a
 * file with more is hostile or broken, and walking it would take long. */
#define MAX_STEPS 65536

/* Reads are at most this long; a file source keeps a window of it. */
#define WINDOW_SIZE 4096

typedef struct _Reader Reader;

struct _Reader
{
  /* Copies up to @len bytes at @offset to @buf; returns how many were
   * copied (fewer at the end of the data), or -1 with @error set. */
  gssize (*read_at) (Reader * reader, guint64 offset, guint8 * buf,
      gsize len, GError ** error);

  /* a buffer */
  const guint8 *data;
  gsize size;

  /* a file: a descriptor and the window last read from it */
  int fd;
  guint8 window[WINDOW_SIZE];
  guint64 window_offset;
  gsize window_len;
};

static gssize
buffer_read_at (Reader * reader, guint64 offset, guint8 * buf, gsize len,
    GError ** error)
{
  gsize n;

  if (offset >= reader->size)
    return 0;
  n = MIN (len, reader->size - offset);
  memcpy (buf, reader->data + offset, n);
  return n;
}

static gssize
stream_read_at (Reader * reader, guint64 offset, guint8 * buf, gsize len,
    GError ** error)
{
  gsize n;

  g_assert (len <= WINDOW_SIZE);

  if (offset < reader->window_offset
      || offset + len > reader->window_offset + reader->window_len) {
    /* A read past the end of a file is not an error: it reads nothing. */
    reader->window_offset = offset;
    reader->window_len = 0;
    while (reader->window_len < WINDOW_SIZE) {
      gssize got = pread (reader->fd, reader->window + reader->window_len,
          WINDOW_SIZE - reader->window_len, offset + reader->window_len);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0) {
        int err = errno;

        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
            "%s", g_strerror (err));
        return -1;
      }
      if (got == 0)
        break;
      reader->window_len += got;
    }
  }

  if (offset >= reader->window_offset + reader->window_len)
    return 0;
  n = MIN (len, reader->window_offset + reader->window_len - offset);
  memcpy (buf, reader->window + (offset - reader->window_offset), n);
  return n;
}

static gboolean
fail (GError ** error, WanR2vImageInfoError code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError ** error, WanR2vImageInfoError code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, WANR2V_IMAGE_INFO_ERROR, code, message);
  return FALSE;
}

/* Reads exactly @len bytes at @offset or fails: a header of @what that
 * ends early is TRUNCATED. */
static gboolean
need (Reader * reader, guint64 offset, guint8 * buf, gsize len,
    const char *what, GError ** error)
{
  gssize got = reader->read_at (reader, offset, buf, len, error);

  if (got < 0)
    return FALSE;
  if ((gsize) got < len)
    return fail (error, WANR2V_IMAGE_INFO_ERROR_TRUNCATED,
        "the %s header is cut short (the data ends at byte %" G_GUINT64_FORMAT
        ")", what, offset + got);
  return TRUE;
}

static guint32
be32 (const guint8 * p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16)
      | ((guint32) p[2] << 8) | p[3];
}

static guint16
be16 (const guint8 * p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
le32 (const guint8 * p)
{
  return ((guint32) p[3] << 24) | ((guint32) p[2] << 16)
      | ((guint32) p[1] << 8) | p[0];
}

static guint32
le24 (const guint8 * p)
{
  return ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

static guint16
le16 (const guint8 * p)
{
  return (guint16) ((p[1] << 8) | p[0]);
}

/* ---- PNG ---------------------------------------------------------------- */

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
  0x1a, '\n'
};

static gboolean
is_chunk_type (const guint8 * type)
{
  guint i;

  for (i = 0; i < 4; i++)
    if (!g_ascii_isalpha (type[i]))
      return FALSE;
  return TRUE;
}

static gboolean
png_depth_is_valid (guint colour_type, guint depth)
{
  switch (colour_type) {
    case 0:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8
          || depth == 16;
    case 3:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
      return depth == 8 || depth == 16;
    default:
      return FALSE;
  }
}

/* The IHDR must come first; transparency is either in the colour type or a
 * tRNS chunk, which must come before the first IDAT, so the walk stops
 * there. */
static gboolean
parse_png (Reader * reader, WanR2vImageInfo * info, GError ** error)
{
  guint8 head[8], ihdr[13];
  guint64 offset;
  guint32 width, height;
  guint colour_type, steps;
  gboolean trns = FALSE;

  if (!need (reader, 8, head, sizeof (head), "PNG", error))
    return FALSE;
  if (memcmp (head + 4, "IHDR", 4) != 0 || be32 (head) != 13)
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid PNG: the first chunk is not a 13-byte IHDR");
  if (!need (reader, 16, ihdr, sizeof (ihdr), "PNG", error))
    return FALSE;

  width = be32 (ihdr);
  height = be32 (ihdr + 4);
  colour_type = ihdr[9];
  if (width == 0 || height == 0 || width > G_MAXINT32 || height > G_MAXINT32)
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid PNG: its size is %ux%u pixels", width, height);
  if (!png_depth_is_valid (colour_type, ihdr[8]))
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid PNG: colour type %u with bit depth %u", colour_type,
        ihdr[8]);

  /* signature, IHDR length + type + data + CRC */
  offset = 8 + 8 + 13 + 4;
  for (steps = 0;; steps++) {
    guint32 length;

    if (steps >= MAX_STEPS)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid PNG: more than %u chunks before the image data",
          MAX_STEPS);
    if (!need (reader, offset, head, sizeof (head), "PNG", error))
      return FALSE;
    length = be32 (head);
    if (length > G_MAXINT32 || !is_chunk_type (head + 4))
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid PNG: a broken chunk at byte %" G_GUINT64_FORMAT, offset);
    if (memcmp (head + 4, "IDAT", 4) == 0)
      break;
    if (memcmp (head + 4, "IEND", 4) == 0)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid PNG: it ends without image data");
    if (memcmp (head + 4, "tRNS", 4) == 0)
      trns = TRUE;
    offset += 12 + (guint64) length;
  }

  info->format = WANR2V_IMAGE_FORMAT_PNG;
  info->width = width;
  info->height = height;
  switch (colour_type) {
    case 0:
      info->variant = "grey";
      info->components = 1 + trns;
      break;
    case 2:
      info->variant = "RGB";
      info->components = 3 + trns;
      break;
    case 3:
      info->variant = "palette";
      info->components = 3 + trns;
      break;
    case 4:
      info->variant = "grey+alpha";
      info->components = 2;
      break;
    case 6:
    default:
      info->variant = "RGBA";
      info->components = 4;
      break;
  }
  info->has_alpha = colour_type == 4 || colour_type == 6 || trns;
  return TRUE;
}

/* ---- JPEG --------------------------------------------------------------- */

/* The kind of frame a SOFn marker starts, or NULL for other markers
 * (DHT 0xc4, JPG 0xc8 and DAC 0xcc share the range). */
static const char *
jpeg_frame_kind (guint8 marker)
{
  switch (marker) {
    case 0xc0:
      return "baseline";
    case 0xc1:
    case 0xc9:
      return "extended";
    case 0xc2:
    case 0xca:
      return "progressive";
    case 0xc3:
    case 0xcb:
      return "lossless";
    case 0xc5:
    case 0xc6:
    case 0xc7:
    case 0xcd:
    case 0xce:
    case 0xcf:
      return "hierarchical";
    default:
      return NULL;
  }
}

/* Walks the marker segments after SOI up to the frame header (SOFn).  Like
 * common decoders, it skips stray bytes between segments. */
static gboolean
parse_jpeg (Reader * reader, WanR2vImageInfo * info, GError ** error)
{
  guint64 offset = 2;
  guint steps;

  for (steps = 0;; steps++) {
    guint8 byte, seg[8];
    const char *kind;
    guint length;

    if (steps >= MAX_STEPS)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid JPEG: no frame header within %u markers or bytes",
          MAX_STEPS);
    if (!need (reader, offset, &byte, 1, "JPEG", error))
      return FALSE;
    offset++;
    if (byte != 0xff)
      continue;                 /* a stray byte */
    if (!need (reader, offset, &byte, 1, "JPEG", error))
      return FALSE;
    if (byte == 0xff)
      continue;                 /* a fill byte; the marker comes later */
    offset++;

    if (byte == 0x00 || byte == 0x01 || (byte >= 0xd0 && byte <= 0xd7))
      continue;                 /* no segment: stuffing, TEM, RSTn */
    if (byte == 0xd8 || byte == 0xd9 || byte == 0xda)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid JPEG: marker 0x%02x comes before the frame header", byte);

    if (!need (reader, offset, seg, 2, "JPEG", error))
      return FALSE;
    length = be16 (seg);
    if (length < 2)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid JPEG: a segment of length %u at byte %" G_GUINT64_FORMAT,
          length, offset);

    kind = jpeg_frame_kind (byte);
    if (kind != NULL) {
      guint width, height;

      /* length, precision, height, width, component count */
      if (length < 8)
        return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
            "invalid JPEG: a frame header of %u bytes", length);
      if (!need (reader, offset, seg, 8, "JPEG", error))
        return FALSE;
      height = be16 (seg + 3);
      width = be16 (seg + 5);
      /* A height of 0 is only defined by a DNL marker after the first
       * scan: legal but practically unused, and not worth the scan. */
      if (width == 0 || height == 0 || seg[7] == 0)
        return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
            "invalid JPEG: a frame of %ux%u pixels with %u components",
            width, height, seg[7]);
      info->format = WANR2V_IMAGE_FORMAT_JPEG;
      info->width = width;
      info->height = height;
      info->has_alpha = FALSE;
      info->variant = kind;
      info->components = seg[7];
      return TRUE;
    }
    offset += length;
  }
}

/* ---- BMP ---------------------------------------------------------------- */

#define BMP_FILE_HEADER 14
#define BI_BITFIELDS 3
#define BI_JPEG 4
#define BI_PNG 5
#define BI_ALPHABITFIELDS 6

static gboolean
parse_bmp (Reader * reader, WanR2vImageInfo * info, GError ** error)
{
  guint8 h[40];
  guint32 header_size, compression = 0, alpha_mask = 0;
  gint64 width, height;
  guint planes, bpp;

  if (!need (reader, BMP_FILE_HEADER, h, 4, "BMP", error))
    return FALSE;
  header_size = le32 (h);

  if (header_size == 12) {
    /* OS/2 1.x BITMAPCOREHEADER: unsigned 16-bit sizes */
    if (!need (reader, BMP_FILE_HEADER, h, 12, "BMP", error))
      return FALSE;
    width = le16 (h + 4);
    height = le16 (h + 6);
    planes = le16 (h + 8);
    bpp = le16 (h + 10);
    info->variant = "core";
  } else if (header_size >= 40 && header_size <= 1024) {
    /* BITMAPINFOHEADER and its extensions (OS/2 2.x, V2..V5) */
    if (!need (reader, BMP_FILE_HEADER, h, 40, "BMP", error))
      return FALSE;
    width = (gint32) le32 (h + 4);
    /* negative: the rows are stored top-down */
    height = (gint32) le32 (h + 8);
    height = ABS (height);
    planes = le16 (h + 12);
    bpp = le16 (h + 14);
    compression = le32 (h + 16);
    info->variant = "info";
  } else {
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid BMP: a header of %u bytes", header_size);
  }

  if (width <= 0 || height <= 0 || width > G_MAXINT32 || height > G_MAXINT32)
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid BMP: its size is %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
        " pixels", width, height);
  if (planes != 1)
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid BMP: %u planes", planes);
  if (!(bpp == 1 || bpp == 4 || bpp == 8 || bpp == 16 || bpp == 24
          || bpp == 32 || (bpp == 0 && (compression == BI_JPEG
                  || compression == BI_PNG))))
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid BMP: %u bits per pixel", bpp);

  /* Alpha only counts when the pixels are described by masks and one of
   * them is an alpha mask (a 32-bit BI_RGB's fourth byte is padding).  The
   * masks are in the header from V3 (56 bytes) on, else they follow a
   * 40-byte header, and only BI_ALPHABITFIELDS has a fourth one there. */
  if ((bpp == 16 || bpp == 32)
      && (compression == BI_BITFIELDS || compression == BI_ALPHABITFIELDS)) {
    guint8 mask[4];
    guint64 at = 0;

    if (header_size >= 56)
      at = BMP_FILE_HEADER + 52;
    else if (header_size == 40 && compression == BI_ALPHABITFIELDS)
      at = BMP_FILE_HEADER + 40 + 12;
    if (at != 0) {
      if (!need (reader, at, mask, 4, "BMP", error))
        return FALSE;
      alpha_mask = le32 (mask);
    }
  }

  info->format = WANR2V_IMAGE_FORMAT_BMP;
  info->width = width;
  info->height = height;
  info->has_alpha = alpha_mask != 0;
  info->components = info->has_alpha ? 4 : 3;
  return TRUE;
}

/* ---- WEBP --------------------------------------------------------------- */

/* The first chunk after "RIFF" size "WEBP" says which kind it is; each kind
 * keeps the size in its first bytes. */
static gboolean
parse_webp (Reader * reader, WanR2vImageInfo * info, GError ** error)
{
  guint8 chunk[8], d[10];
  guint32 width, height;
  gboolean alpha;

  if (!need (reader, 12, chunk, sizeof (chunk), "WEBP", error))
    return FALSE;

  if (memcmp (chunk, "VP8 ", 4) == 0) {
    /* frame tag (3 bytes, bit 0 clear on a key frame), start code, then
     * 14-bit width and height each with 2 bits of scaling */
    if (le32 (chunk + 4) < 10)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid WEBP: a VP8 chunk of %u bytes", le32 (chunk + 4));
    if (!need (reader, 20, d, 10, "WEBP", error))
      return FALSE;
    if ((d[0] & 1) != 0 || d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid WEBP: the VP8 data is not a key frame");
    width = le16 (d + 6) & 0x3fff;
    height = le16 (d + 8) & 0x3fff;
    alpha = FALSE;
    info->variant = "VP8";
  } else if (memcmp (chunk, "VP8L", 4) == 0) {
    /* signature 0x2f, then 14 bits width - 1, 14 bits height - 1, one
     * bit "alpha is used", 3 bits version (0) */
    guint32 bits;

    if (le32 (chunk + 4) < 5)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid WEBP: a VP8L chunk of %u bytes", le32 (chunk + 4));
    if (!need (reader, 20, d, 5, "WEBP", error))
      return FALSE;
    bits = le32 (d + 1);
    if (d[0] != 0x2f || (bits >> 29) != 0)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid WEBP: a VP8L header with signature 0x%02x, version %u",
          d[0], bits >> 29);
    width = (bits & 0x3fff) + 1;
    height = ((bits >> 14) & 0x3fff) + 1;
    alpha = (bits >> 28) & 1;
    info->variant = "VP8L";
  } else if (memcmp (chunk, "VP8X", 4) == 0) {
    /* flags (alpha is 0x10), 3 reserved bytes, 24 bits canvas width - 1,
     * 24 bits canvas height - 1 */
    if (le32 (chunk + 4) < 10)
      return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
          "invalid WEBP: a VP8X chunk of %u bytes", le32 (chunk + 4));
    if (!need (reader, 20, d, 10, "WEBP", error))
      return FALSE;
    width = le24 (d + 4) + 1;
    height = le24 (d + 7) + 1;
    alpha = (d[0] & 0x10) != 0;
    info->variant = "VP8X";
  } else {
    char fourcc[5];
    guint i;

    for (i = 0; i < 4; i++)
      fourcc[i] = g_ascii_isprint (chunk[i]) ? chunk[i] : '?';
    fourcc[4] = '\0';
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid WEBP: the first chunk is \"%s\", not VP8, VP8L or VP8X",
        fourcc);
  }

  if (width == 0 || height == 0)
    return fail (error, WANR2V_IMAGE_INFO_ERROR_INVALID,
        "invalid WEBP: its size is %ux%u pixels", width, height);
  info->format = WANR2V_IMAGE_FORMAT_WEBP;
  info->width = width;
  info->height = height;
  info->has_alpha = alpha;
  info->components = alpha ? 4 : 3;
  return TRUE;
}

/* ---- entry points ------------------------------------------------------- */

const char *
wanr2v_image_format_to_string (WanR2vImageFormat format)
{
  switch (format) {
    case WANR2V_IMAGE_FORMAT_PNG:
      return "PNG";
    case WANR2V_IMAGE_FORMAT_JPEG:
      return "JPEG";
    case WANR2V_IMAGE_FORMAT_BMP:
      return "BMP";
    case WANR2V_IMAGE_FORMAT_WEBP:
      return "WEBP";
    case WANR2V_IMAGE_FORMAT_UNKNOWN:
    default:
      return "unknown";
  }
}

static gboolean
parse (Reader * reader, WanR2vImageInfo * info, GError ** error)
{
  guint8 magic[12];
  gssize got;
  WanR2vImageInfo parsed = { 0, };
  gboolean ok;

  got = reader->read_at (reader, 0, magic, sizeof (magic), error);
  if (got < 0)
    return FALSE;

  if (got >= 8 && memcmp (magic, png_signature, 8) == 0)
    ok = parse_png (reader, &parsed, error);
  else if (got >= 3 && magic[0] == 0xff && magic[1] == 0xd8
      && magic[2] == 0xff)
    ok = parse_jpeg (reader, &parsed, error);
  else if (got >= 2 && magic[0] == 'B' && magic[1] == 'M')
    ok = parse_bmp (reader, &parsed, error);
  else if (got >= 12 && memcmp (magic, "RIFF", 4) == 0
      && memcmp (magic + 8, "WEBP", 4) == 0)
    ok = parse_webp (reader, &parsed, error);
  else
    return fail (error, WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT,
        "not a PNG, JPEG, BMP or WEBP image");

  if (ok)
    *info = parsed;
  return ok;
}

gboolean
wanr2v_image_info_parse (const guint8 * data, gsize size,
    WanR2vImageInfo * info, GError ** error)
{
  Reader reader = { 0, };

  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  reader.read_at = buffer_read_at;
  reader.data = data;
  reader.size = size;
  return parse (&reader, info, error);
}

gboolean
wanr2v_image_info_read_file (const char *path, WanR2vImageInfo * info,
    GError ** error)
{
  g_autofree Reader *reader = NULL;
  gboolean ok;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);

  /* Regular files only: a FIFO or a device is refused before any read. */
  fd = wanr2v_local_file_open (path, "image", 0, NULL, error);
  if (fd < 0)
    return FALSE;

  reader = g_new0 (Reader, 1);
  reader->read_at = stream_read_at;
  reader->fd = fd;
  ok = parse (reader, info, error);
  close (fd);
  return ok;
}
