/* test-imageinfo.c: image format, size and alpha from headers.
 *
 * The sample images of tests/data, then hand-made headers for the cases the
 * samples do not cover, then hostile input: every prefix of every sample,
 * random mutations, and a 20 MB JPEG whose frame header is at its end,
 * which must be found without reading the file. */
#include "wanr2v-imageinfo.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

static char *
data_path (const char *name)
{
  const char *dir = g_getenv ("WANR2V_TEST_DATA");

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static GBytes *
load_sample (const char *name)
{
  g_autofree char *path = data_path (name);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize size = 0;

  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, size);
}

/* Parses exactly @size bytes from a copy of their own, so that a read past
 * the end is caught by valgrind or ASan. */
static gboolean
parse_exact (const guint8 * data, gsize size, WanR2vImageInfo * info,
    GError ** error)
{
  g_autofree guint8 *copy = g_memdup2 (data, size);

  return wanr2v_image_info_parse (copy, size, info, error);
}

/* ---- the samples -------------------------------------------------------- */

typedef struct
{
  const char *file;
  WanR2vImageFormat format;
  guint width, height;
  gboolean alpha;
  const char *variant;
  guint components;
} Sample;

static const Sample samples[] = {
  {"red.png", WANR2V_IMAGE_FORMAT_PNG, 320, 320, FALSE, "RGB", 3},
  {"magenta.png", WANR2V_IMAGE_FORMAT_PNG, 320, 320, FALSE, "RGB", 3},
  {"storyboard.png", WANR2V_IMAGE_FORMAT_PNG, 960, 960, FALSE, "RGB", 3},
  {"first-frame.png", WANR2V_IMAGE_FORMAT_PNG, 640, 360, FALSE, NULL, 0},
  {"tiny.png", WANR2V_IMAGE_FORMAT_PNG, 100, 100, FALSE, NULL, 0},
  {"alpha.png", WANR2V_IMAGE_FORMAT_PNG, 320, 320, TRUE, "RGBA", 4},
  {"green.jpg", WANR2V_IMAGE_FORMAT_JPEG, 320, 320, FALSE, "baseline", 3},
  {"blue.bmp", WANR2V_IMAGE_FORMAT_BMP, 320, 320, FALSE, "info", 3},
  {"yellow.webp", WANR2V_IMAGE_FORMAT_WEBP, 320, 320, FALSE, "VP8", 3},
};

static void
assert_sample (const Sample * s, const WanR2vImageInfo * info)
{
  g_assert_cmpint (info->format, ==, s->format);
  g_assert_cmpuint (info->width, ==, s->width);
  g_assert_cmpuint (info->height, ==, s->height);
  g_assert_cmpint (info->has_alpha, ==, s->alpha);
  if (s->variant)
    g_assert_cmpstr (info->variant, ==, s->variant);
  if (s->components)
    g_assert_cmpuint (info->components, ==, s->components);
}

static void
test_samples (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (samples); i++) {
    const Sample *s = &samples[i];
    g_autoptr (GBytes) bytes = load_sample (s->file);
    g_autofree char *path = data_path (s->file);
    g_autoptr (GError) error = NULL;
    WanR2vImageInfo info = { 0, };
    gsize size;
    const guint8 *data = g_bytes_get_data (bytes, &size);

    g_test_message ("%s", s->file);
    g_assert_true (parse_exact (data, size, &info, &error));
    g_assert_no_error (error);
    assert_sample (s, &info);

    memset (&info, 0, sizeof (info));
    g_assert_true (wanr2v_image_info_read_file (path, &info, &error));
    g_assert_no_error (error);
    assert_sample (s, &info);
  }
}

static void
test_not_images (void)
{
  const char *files[] = { "character.mp4", "character-silent.mp4",
    "voice-girl.wav", "voice-boy.mp3", "README.md"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *path = data_path (files[i]);
    g_autoptr (GError) error = NULL;
    WanR2vImageInfo info = { 0, };

    g_assert_false (wanr2v_image_info_read_file (path, &info, &error));
    g_assert_error (error, WANR2V_IMAGE_INFO_ERROR,
        WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);
    g_assert_cmpint (info.format, ==, WANR2V_IMAGE_FORMAT_UNKNOWN);
  }
}

static void
test_file_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("imageinfo-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.png", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.png", NULL);
  WanR2vImageInfo info = { 0, };

  g_assert_false (wanr2v_image_info_read_file (missing, &info, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (wanr2v_image_info_read_file (dir, &info, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_false (wanr2v_image_info_read_file (empty, &info, &error));
  g_assert_error (error, WANR2V_IMAGE_INFO_ERROR,
      WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);

  g_unlink (empty);
  g_rmdir (dir);
}

/* ---- hand-made headers -------------------------------------------------- */

static void
put_be32 (GByteArray * a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (a, b, 4);
}

static void
put_be16 (GByteArray * a, guint16 v)
{
  guint8 b[2] = { v >> 8, v };

  g_byte_array_append (a, b, 2);
}

static void
put_le32 (GByteArray * a, guint32 v)
{
  guint8 b[4] = { v, v >> 8, v >> 16, v >> 24 };

  g_byte_array_append (a, b, 4);
}

static void
put_le16 (GByteArray * a, guint16 v)
{
  guint8 b[2] = { v, v >> 8 };

  g_byte_array_append (a, b, 2);
}

static void
put_bytes (GByteArray * a, const char *s, gsize n)
{
  g_byte_array_append (a, (const guint8 *) s, n);
}

static void
put_zeros (GByteArray * a, gsize n)
{
  gsize old = a->len;

  g_byte_array_set_size (a, old + n);
  memset (a->data + old, 0, n);
}

/* A PNG chunk; the CRC is left zero (the parser does not check it). */
static void
png_chunk (GByteArray * a, const char *type, guint32 length)
{
  put_be32 (a, length);
  put_bytes (a, type, 4);
  put_zeros (a, length + 4);
}

static GByteArray *
png_start (guint32 width, guint32 height, guint8 depth, guint8 colour)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
    0x1a, '\n'
  };
  GByteArray *a = g_byte_array_new ();
  guint8 rest[5] = { depth, colour, 0, 0, 0 };

  g_byte_array_append (a, signature, sizeof (signature));
  put_be32 (a, 13);
  put_bytes (a, "IHDR", 4);
  put_be32 (a, width);
  put_be32 (a, height);
  g_byte_array_append (a, rest, sizeof (rest));
  put_zeros (a, 4);
  return a;
}

static GByteArray *
png_simple (guint32 width, guint32 height, guint8 depth, guint8 colour)
{
  GByteArray *a = png_start (width, height, depth, colour);

  png_chunk (a, "IDAT", 10);
  png_chunk (a, "IEND", 0);
  return a;
}

static GByteArray *
jpeg_start (void)
{
  GByteArray *a = g_byte_array_new ();

  put_bytes (a, "\xff\xd8", 2);
  /* APP0 JFIF */
  put_bytes (a, "\xff\xe0", 2);
  put_be16 (a, 16);
  put_bytes (a, "JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14);
  return a;
}

static void
jpeg_segment (GByteArray * a, guint8 marker, guint16 payload)
{
  guint8 m[2] = { 0xff, marker };

  g_byte_array_append (a, m, 2);
  put_be16 (a, payload + 2);
  put_zeros (a, payload);
}

static void
jpeg_sof (GByteArray * a, guint8 marker, guint16 width, guint16 height,
    guint8 components)
{
  guint8 m[2] = { 0xff, marker };
  guint i;

  g_byte_array_append (a, m, 2);
  put_be16 (a, 8 + 3 * components);
  put_bytes (a, "\x08", 1);
  put_be16 (a, height);
  put_be16 (a, width);
  g_byte_array_append (a, &components, 1);
  for (i = 0; i < components; i++) {
    guint8 c[3] = { i + 1, 0x11, 0 };

    g_byte_array_append (a, c, 3);
  }
}

static void
jpeg_end (GByteArray * a)
{
  /* SOS with one component, a few bytes of scan, EOI */
  put_bytes (a, "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", 10);
  put_bytes (a, "\x12\x34\xff\x00\x56", 5);
  put_bytes (a, "\xff\xd9", 2);
}

static GByteArray *
bmp_make (guint32 header_size, gint32 width, gint32 height, guint16 bpp,
    guint32 compression, guint32 alpha_mask)
{
  GByteArray *a = g_byte_array_new ();

  put_bytes (a, "BM", 2);
  put_le32 (a, 0);              /* file size: not checked */
  put_le32 (a, 0);
  put_le32 (a, 14 + header_size);
  put_le32 (a, header_size);
  if (header_size == 12) {
    put_le16 (a, width);
    put_le16 (a, height);
    put_le16 (a, 1);
    put_le16 (a, bpp);
  } else {
    put_le32 (a, width);
    put_le32 (a, height);
    put_le16 (a, 1);
    put_le16 (a, bpp);
    put_le32 (a, compression);
    put_zeros (a, 20);          /* image size, resolution, colours */
    if (header_size >= 56) {
      put_le32 (a, 0x00ff0000);
      put_le32 (a, 0x0000ff00);
      put_le32 (a, 0x000000ff);
      put_le32 (a, alpha_mask);
      put_zeros (a, header_size - 56);
    } else if (header_size == 40 && compression == 6) {
      put_le32 (a, 0x00ff0000);
      put_le32 (a, 0x0000ff00);
      put_le32 (a, 0x000000ff);
      put_le32 (a, alpha_mask);
    } else {
      put_zeros (a, header_size - 40);
    }
  }
  put_zeros (a, 16);            /* some pixels */
  return a;
}

static GByteArray *
webp_start (const char *fourcc, guint32 chunk_size)
{
  GByteArray *a = g_byte_array_new ();

  put_bytes (a, "RIFF", 4);
  put_le32 (a, 4 + 8 + chunk_size);
  put_bytes (a, "WEBP", 4);
  put_bytes (a, fourcc, 4);
  put_le32 (a, chunk_size);
  return a;
}

static GByteArray *
webp_vp8 (guint16 width, guint16 height, gboolean key_frame)
{
  GByteArray *a = webp_start ("VP8 ", 20);

  put_bytes (a, key_frame ? "\x50\x02\x00" : "\x51\x02\x00", 3);
  put_bytes (a, "\x9d\x01\x2a", 3);
  /* the upper 2 bits scale the picture; they are not part of the size */
  put_le16 (a, width | 0x4000);
  put_le16 (a, height | 0x8000);
  put_zeros (a, 10);
  return a;
}

static GByteArray *
webp_vp8l (guint32 width, guint32 height, gboolean alpha, guint version)
{
  GByteArray *a = webp_start ("VP8L", 10);

  put_bytes (a, "\x2f", 1);
  put_le32 (a, (width - 1) | ((height - 1) << 14) | ((guint32) alpha << 28)
      | (version << 29));
  put_zeros (a, 5);
  return a;
}

static GByteArray *
webp_vp8x (guint32 width, guint32 height, guint8 flags)
{
  GByteArray *a = webp_start ("VP8X", 10);
  guint8 w[3] = { width - 1, (width - 1) >> 8, (width - 1) >> 16 };
  guint8 h[3] = { height - 1, (height - 1) >> 8, (height - 1) >> 16 };

  g_byte_array_append (a, &flags, 1);
  put_zeros (a, 3);
  g_byte_array_append (a, w, 3);
  g_byte_array_append (a, h, 3);
  /* then, in a real file, ALPH and VP8 chunks */
  put_bytes (a, "ALPH", 4);
  put_le32 (a, 0);
  return a;
}

static void
expect_ok (GByteArray * a, WanR2vImageFormat format, guint width,
    guint height, gboolean alpha, const char *variant)
{
  g_autoptr (GError) error = NULL;
  WanR2vImageInfo info = { 0, };

  g_assert_true (parse_exact (a->data, a->len, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.format, ==, format);
  g_assert_cmpuint (info.width, ==, width);
  g_assert_cmpuint (info.height, ==, height);
  g_assert_cmpint (info.has_alpha, ==, alpha);
  if (variant)
    g_assert_cmpstr (info.variant, ==, variant);
  g_byte_array_unref (a);
}

static void
expect_error (GByteArray * a, gint code)
{
  g_autoptr (GError) error = NULL;
  WanR2vImageInfo info = { 0, };

  g_assert_false (parse_exact (a->data, a->len, &info, &error));
  g_assert_error (error, WANR2V_IMAGE_INFO_ERROR, code);
  g_test_message ("expected error: %s", error->message);
  /* nothing is written on failure */
  g_assert_cmpint (info.format, ==, WANR2V_IMAGE_FORMAT_UNKNOWN);
  g_assert_cmpuint (info.width, ==, 0);
  g_byte_array_unref (a);
}

static GByteArray *
bytes_of (const char *s, gsize n)
{
  GByteArray *a = g_byte_array_new ();

  put_bytes (a, s, n);
  return a;
}

static void
test_png (void)
{
  GByteArray *a;

  expect_ok (png_simple (8000, 240, 8, 2), WANR2V_IMAGE_FORMAT_PNG,
      8000, 240, FALSE, "RGB");
  expect_ok (png_simple (1, 1, 1, 0), WANR2V_IMAGE_FORMAT_PNG, 1, 1,
      FALSE, "grey");
  expect_ok (png_simple (300, 400, 8, 4), WANR2V_IMAGE_FORMAT_PNG, 300,
      400, TRUE, "grey+alpha");
  expect_ok (png_simple (300, 400, 16, 6), WANR2V_IMAGE_FORMAT_PNG, 300,
      400, TRUE, "RGBA");
  expect_ok (png_simple (G_MAXINT32, 2, 8, 2), WANR2V_IMAGE_FORMAT_PNG,
      G_MAXINT32, 2, FALSE, "RGB");

  /* tRNS makes RGB, grey and palette images transparent */
  a = png_start (640, 480, 8, 2);
  png_chunk (a, "gAMA", 4);
  png_chunk (a, "tRNS", 6);
  png_chunk (a, "IDAT", 10);
  expect_ok (a, WANR2V_IMAGE_FORMAT_PNG, 640, 480, TRUE, "RGB");
  a = png_start (640, 480, 4, 3);
  png_chunk (a, "PLTE", 48);
  png_chunk (a, "tRNS", 3);
  png_chunk (a, "IDAT", 10);
  expect_ok (a, WANR2V_IMAGE_FORMAT_PNG, 640, 480, TRUE, "palette");
  a = png_start (640, 480, 4, 3);
  png_chunk (a, "PLTE", 48);
  png_chunk (a, "IDAT", 10);
  expect_ok (a, WANR2V_IMAGE_FORMAT_PNG, 640, 480, FALSE, "palette");
  /* ...but only before the image data, where it belongs */
  a = png_start (640, 480, 8, 0);
  png_chunk (a, "IDAT", 10);
  png_chunk (a, "tRNS", 2);
  expect_ok (a, WANR2V_IMAGE_FORMAT_PNG, 640, 480, FALSE, "grey");
  /* a large metadata chunk is skipped, not read */
  a = png_start (640, 480, 8, 2);
  png_chunk (a, "iCCP", 100000);
  png_chunk (a, "IDAT", 10);
  expect_ok (a, WANR2V_IMAGE_FORMAT_PNG, 640, 480, FALSE, "RGB");

  /* broken headers */
  expect_error (png_simple (0, 100, 8, 2), WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (png_simple (100, 0x80000000, 8, 2),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (png_simple (100, 100, 8, 5), WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (png_simple (100, 100, 4, 2), WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (png_simple (100, 100, 16, 3),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = png_start (100, 100, 8, 2);
  png_chunk (a, "IEND", 0);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = png_start (100, 100, 8, 2);
  png_chunk (a, "t\x01NS", 2);
  png_chunk (a, "IDAT", 2);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = png_start (100, 100, 8, 2);
  put_be32 (a, 0x80000000);
  put_bytes (a, "tEXt", 4);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  /* IHDR not first, or of the wrong length */
  a = png_start (100, 100, 8, 2);
  a->data[15] = 'X';
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = png_start (100, 100, 8, 2);
  a->data[11] = 14;
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);

  /* cut short: before the size, and before the image data */
  expect_error (bytes_of ("\x89PNG\r\n\x1a\n", 8),
      WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
  expect_error (png_start (100, 100, 8, 2),
      WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
  a = png_start (100, 100, 8, 2);
  png_chunk (a, "zTXt", 50);
  g_byte_array_set_size (a, a->len - 20);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
}

static void
test_jpeg (void)
{
  GByteArray *a;

  /* baseline, with the usual tables first: DHT (0xc4) lies among the SOF
   * markers but is not one */
  a = jpeg_start ();
  jpeg_segment (a, 0xdb, 65);
  jpeg_segment (a, 0xc4, 30);
  jpeg_sof (a, 0xc0, 1920, 1080, 3);
  jpeg_end (a);
  expect_ok (a, WANR2V_IMAGE_FORMAT_JPEG, 1920, 1080, FALSE, "baseline");

  /* progressive */
  a = jpeg_start ();
  jpeg_segment (a, 0xdb, 65);
  jpeg_sof (a, 0xc2, 800, 600, 3);
  jpeg_end (a);
  expect_ok (a, WANR2V_IMAGE_FORMAT_JPEG, 800, 600, FALSE, "progressive");

  /* CMYK (Adobe APP14, four components) */
  {
    g_autoptr (GError) error = NULL;
    WanR2vImageInfo info = { 0, };

    a = g_byte_array_new ();
    put_bytes (a, "\xff\xd8", 2);
    put_bytes (a, "\xff\xee\x00\x0e" "Adobe\x00\x64\x00\x00\x00\x00\x00", 16);
    jpeg_sof (a, 0xc0, 500, 700, 4);
    jpeg_end (a);
    g_assert_true (parse_exact (a->data, a->len, &info, &error));
    g_assert_cmpuint (info.components, ==, 4);
    g_assert_cmpuint (info.width, ==, 500);
    g_assert_cmpuint (info.height, ==, 700);
    g_assert_false (info.has_alpha);
    g_byte_array_unref (a);
  }

  /* the other frame kinds */
  a = jpeg_start ();
  jpeg_sof (a, 0xc1, 300, 301, 1);
  expect_ok (a, WANR2V_IMAGE_FORMAT_JPEG, 300, 301, FALSE, "extended");
  a = jpeg_start ();
  jpeg_sof (a, 0xca, 300, 302, 3);
  expect_ok (a, WANR2V_IMAGE_FORMAT_JPEG, 300, 302, FALSE, "progressive");
  a = jpeg_start ();
  jpeg_sof (a, 0xc3, 300, 303, 3);
  expect_ok (a, WANR2V_IMAGE_FORMAT_JPEG, 300, 303, FALSE, "lossless");
  a = jpeg_start ();
  jpeg_segment (a, 0xde, 6);    /* DHP */
  jpeg_sof (a, 0xc5, 300, 304, 3);
  expect_ok (a, WANR2V_IMAGE_FORMAT_JPEG, 300, 304, FALSE, "hierarchical");

  /* EXIF, comments, fill bytes, stray bytes and restart markers in
   * between are all tolerated */
  a = jpeg_start ();
  jpeg_segment (a, 0xe1, 65533);
  jpeg_segment (a, 0xfe, 0);
  put_bytes (a, "\xff\xff\xff", 3);
  jpeg_segment (a, 0xdb, 65);
  put_bytes (a, "\x00\x12\xff\xd3", 4);
  jpeg_sof (a, 0xc0, 65535, 65535, 3);
  expect_ok (a, WANR2V_IMAGE_FORMAT_JPEG, 65535, 65535, FALSE, "baseline");

  /* no frame header before the scan or the end */
  a = jpeg_start ();
  jpeg_end (a);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = jpeg_start ();
  put_bytes (a, "\xff\xd9", 2);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  /* height given later by DNL, empty frames, silly lengths */
  a = jpeg_start ();
  jpeg_sof (a, 0xc0, 640, 0, 3);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = jpeg_start ();
  jpeg_sof (a, 0xc0, 0, 480, 3);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = jpeg_start ();
  jpeg_sof (a, 0xc0, 640, 480, 0);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = jpeg_start ();
  put_bytes (a, "\xff\xc0\x00\x06\x08\x01\xe0\x02", 8);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = jpeg_start ();
  put_bytes (a, "\xff\xe1\x00\x01", 4);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  /* endless fill bytes are given up on */
  a = g_byte_array_new ();
  put_bytes (a, "\xff\xd8", 2);
  g_byte_array_set_size (a, 200000);
  memset (a->data + 2, 0xff, a->len - 2);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);

  /* cut short: in an APP1, in the SOF, right after SOI */
  a = jpeg_start ();
  jpeg_segment (a, 0xe1, 1000);
  g_byte_array_set_size (a, a->len - 10);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
  a = jpeg_start ();
  jpeg_sof (a, 0xc0, 640, 480, 3);
  g_byte_array_set_size (a, a->len - 10);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
  expect_error (bytes_of ("\xff\xd8\xff", 3),
      WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
}

static void
test_bmp (void)
{
  expect_ok (bmp_make (40, 640, 480, 24, 0, 0), WANR2V_IMAGE_FORMAT_BMP,
      640, 480, FALSE, "info");
  /* negative height: rows stored top-down */
  expect_ok (bmp_make (40, 640, -480, 24, 0, 0), WANR2V_IMAGE_FORMAT_BMP,
      640, 480, FALSE, "info");
  expect_ok (bmp_make (12, 300, 250, 24, 0, 0), WANR2V_IMAGE_FORMAT_BMP,
      300, 250, FALSE, "core");
  expect_ok (bmp_make (40, 300, 250, 8, 1, 0), WANR2V_IMAGE_FORMAT_BMP,
      300, 250, FALSE, "info");
  /* 32-bit BI_RGB: the fourth byte is padding, not alpha */
  expect_ok (bmp_make (40, 300, 250, 32, 0, 0), WANR2V_IMAGE_FORMAT_BMP,
      300, 250, FALSE, NULL);
  expect_ok (bmp_make (124, 300, 250, 32, 0, 0xff000000),
      WANR2V_IMAGE_FORMAT_BMP, 300, 250, FALSE, NULL);
  /* an alpha mask with bit fields: V3, V4, V5 headers and
   * BI_ALPHABITFIELDS after a 40-byte header */
  expect_ok (bmp_make (56, 300, 250, 32, 3, 0xff000000),
      WANR2V_IMAGE_FORMAT_BMP, 300, 250, TRUE, NULL);
  expect_ok (bmp_make (108, 300, -250, 32, 3, 0xff000000),
      WANR2V_IMAGE_FORMAT_BMP, 300, 250, TRUE, NULL);
  expect_ok (bmp_make (124, 300, 250, 32, 3, 0xff000000),
      WANR2V_IMAGE_FORMAT_BMP, 300, 250, TRUE, NULL);
  expect_ok (bmp_make (124, 300, 250, 16, 3, 0x8000),
      WANR2V_IMAGE_FORMAT_BMP, 300, 250, TRUE, NULL);
  expect_ok (bmp_make (124, 300, 250, 32, 3, 0), WANR2V_IMAGE_FORMAT_BMP,
      300, 250, FALSE, NULL);
  expect_ok (bmp_make (40, 300, 250, 32, 6, 0xff000000),
      WANR2V_IMAGE_FORMAT_BMP, 300, 250, TRUE, NULL);

  expect_error (bmp_make (40, 0, 480, 24, 0, 0),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (bmp_make (40, -640, 480, 24, 0, 0),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (bmp_make (40, 640, 0, 24, 0, 0),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (bmp_make (40, 640, G_MININT32, 24, 0, 0),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (bmp_make (40, 640, 480, 7, 0, 0),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (bmp_make (40, 640, 480, 0, 0, 0),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  {
    GByteArray *a = bmp_make (40, 640, 480, 24, 0, 0);

    a->data[26] = 2;            /* planes */
    expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
    a = bmp_make (40, 640, 480, 24, 0, 0);
    a->data[14] = 20;           /* header size */
    expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
    a = bmp_make (40, 640, 480, 24, 0, 0);
    g_byte_array_set_size (a, 30);
    expect_error (a, WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
    /* the alpha mask of a V5 header is missing */
    a = bmp_make (124, 300, 250, 32, 3, 0xff000000);
    g_byte_array_set_size (a, 14 + 50);
    expect_error (a, WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
  }
  expect_error (bytes_of ("BM", 2), WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
}

static void
test_webp (void)
{
  GByteArray *a;

  expect_ok (webp_vp8 (1024, 768, TRUE), WANR2V_IMAGE_FORMAT_WEBP, 1024,
      768, FALSE, "VP8");
  expect_ok (webp_vp8l (16384, 1, TRUE, 0), WANR2V_IMAGE_FORMAT_WEBP,
      16384, 1, TRUE, "VP8L");
  expect_ok (webp_vp8l (333, 444, FALSE, 0), WANR2V_IMAGE_FORMAT_WEBP,
      333, 444, FALSE, "VP8L");
  expect_ok (webp_vp8x (16777216, 300, 0x10), WANR2V_IMAGE_FORMAT_WEBP,
      16777216, 300, TRUE, "VP8X");
  expect_ok (webp_vp8x (500, 300, 0x08 | 0x04), WANR2V_IMAGE_FORMAT_WEBP,
      500, 300, FALSE, "VP8X");

  expect_error (webp_vp8 (1024, 768, FALSE), WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (webp_vp8 (0, 768, TRUE), WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = webp_vp8 (1024, 768, TRUE);
  a->data[24] = 0x9e;           /* start code */
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  expect_error (webp_vp8l (100, 100, FALSE, 1),
      WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = webp_vp8l (100, 100, FALSE, 0);
  a->data[20] = 0x2e;           /* signature */
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = webp_start ("VP8X", 4);
  put_zeros (a, 10);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);
  a = webp_start ("ALPH", 4);
  put_zeros (a, 10);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_INVALID);

  a = webp_vp8x (500, 300, 0);
  g_byte_array_set_size (a, 25);
  expect_error (a, WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
  expect_error (bytes_of ("RIFF\0\0\0\0WEBP", 12),
      WANR2V_IMAGE_INFO_ERROR_TRUNCATED);
}

static void
test_garbage (void)
{
  guint8 noise[512];
  guint i;

  expect_error (bytes_of ("", 0), WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);
  expect_error (bytes_of ("B", 1), WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);
  expect_error (bytes_of ("\x89PNG\r\n\x1a", 7),
      WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);
  expect_error (bytes_of ("\xff\xd8", 2),
      WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);
  expect_error (bytes_of ("RIFF\0\0\0\0WAVEfmt ", 16),
      WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);
  expect_error (bytes_of ("GIF89a\x01\x00\x01\x00", 10),
      WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);

  for (i = 0; i < sizeof (noise); i++)
    noise[i] = g_test_rand_int_range (0, 256);
  noise[0] = 'x';
  expect_error (bytes_of ((const char *) noise, sizeof (noise)),
      WANR2V_IMAGE_INFO_ERROR_UNKNOWN_FORMAT);
}

/* ---- hostile input ------------------------------------------------------ */

/* Every prefix of every sample either fails with an image-info error or
 * gives exactly what the whole file gives; once it succeeds, longer
 * prefixes do too.  Short prefixes get their own exact-size copy. */
static void
test_every_prefix (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (samples); i++) {
    g_autoptr (GBytes) bytes = load_sample (samples[i].file);
    gsize size, n, first_ok = G_MAXSIZE;
    const guint8 *data = g_bytes_get_data (bytes, &size);

    for (n = 0; n <= size; n++) {
      g_autoptr (GError) error = NULL;
      WanR2vImageInfo info = { 0, };
      gboolean ok;

      if (n <= 8192)
        ok = parse_exact (data, n, &info, &error);
      else
        ok = wanr2v_image_info_parse (data, n, &info, &error);

      if (ok) {
        g_assert_no_error (error);
        assert_sample (&samples[i], &info);
        first_ok = MIN (first_ok, n);
      } else {
        g_assert_true (error != NULL
            && error->domain == WANR2V_IMAGE_INFO_ERROR);
        g_assert_cmpuint (first_ok, ==, G_MAXSIZE);
      }
    }
    g_test_message ("%s: headers end within the first %" G_GSIZE_FORMAT
        " of %" G_GSIZE_FORMAT " bytes", samples[i].file, first_ok, size);
    /* only the headers are needed */
    g_assert_cmpuint (first_ok, <=, 1024);
  }
}

/* Random byte changes in the headers of the samples: whatever the result,
 * no crash, no read out of bounds, and a sane result on success. */
static void
test_mutations (void)
{
  guint i, round;

  for (i = 0; i < G_N_ELEMENTS (samples); i++) {
    g_autoptr (GBytes) bytes = load_sample (samples[i].file);
    gsize size;
    const guint8 *data = g_bytes_get_data (bytes, &size);
    gsize head = MIN (size, 256);

    for (round = 0; round < 3000; round++) {
      g_autofree guint8 *copy = g_memdup2 (data, head);
      g_autoptr (GError) error = NULL;
      WanR2vImageInfo info = { 0, };
      guint changes = g_test_rand_int_range (1, 5), c;
      gsize len = g_test_rand_int_range (0, head + 1);

      for (c = 0; c < changes; c++)
        copy[g_test_rand_int_range (0, head)] =
            g_test_rand_int_range (0, 256);
      if (wanr2v_image_info_parse (copy, len, &info, &error)) {
        g_assert_cmpint (info.format, !=, WANR2V_IMAGE_FORMAT_UNKNOWN);
        g_assert_cmpuint (info.width, >, 0);
        g_assert_cmpuint (info.height, >, 0);
        g_assert_nonnull (info.variant);
      } else {
        g_assert_nonnull (error);
      }
    }
  }
}

static guint64
bytes_read_by_process (void)
{
  g_autofree char *io = NULL;
  const char *rchar;

  if (!g_file_get_contents ("/proc/self/io", &io, NULL, NULL))
    return G_MAXUINT64;
  rchar = strstr (io, "rchar:");
  return rchar ? g_ascii_strtoull (rchar + 6, NULL, 10) : G_MAXUINT64;
}

/* A 20 MB JPEG whose frame header comes after 320 big EXIF-like segments
 * (a sparse file: only the segment headers are written).  read_file must
 * hop from segment header to segment header. */
static void
test_read_file_skips (void)
{
  g_autofree char *dir = g_dir_make_tmp ("imageinfo-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "big.jpg", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out = NULL;
  g_autoptr (GByteArray) tail = jpeg_start ();
  WanR2vImageInfo info = { 0, };
  guint64 offset = tail->len, before, used;
  guint i;

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (G_OUTPUT_STREAM (out), tail->data, tail->len,
      NULL, NULL, &error);
  g_assert_no_error (error);
  for (i = 0; i < 320; i++) {
    static const guint8 app1[4] = { 0xff, 0xe1, 0xff, 0xff };

    g_seekable_seek (G_SEEKABLE (out), offset, G_SEEK_SET, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write_all (G_OUTPUT_STREAM (out), app1, 4, NULL, NULL,
        &error);
    g_assert_no_error (error);
    offset += 2 + 0xffff;
  }
  g_seekable_seek (G_SEEKABLE (out), offset, G_SEEK_SET, NULL, &error);
  g_byte_array_set_size (tail, 0);
  jpeg_sof (tail, 0xc2, 4000, 3000, 3);
  jpeg_end (tail);
  g_output_stream_write_all (G_OUTPUT_STREAM (out), tail->data, tail->len,
      NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (G_OUTPUT_STREAM (out), NULL, &error);
  g_assert_no_error (error);

  before = bytes_read_by_process ();
  g_assert_true (wanr2v_image_info_read_file (path, &info, &error));
  used = bytes_read_by_process () - before;
  g_assert_no_error (error);
  g_assert_cmpuint (info.width, ==, 4000);
  g_assert_cmpuint (info.height, ==, 3000);
  g_assert_cmpstr (info.variant, ==, "progressive");
  if (before != G_MAXUINT64) {
    g_test_message ("read %" G_GUINT64_FORMAT " bytes of a %"
        G_GUINT64_FORMAT "-byte file", used, offset + tail->len);
    g_assert_cmpuint (used, <, (offset + tail->len) / 10);
  }

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/imageinfo/samples", test_samples);
  g_test_add_func ("/imageinfo/not-images", test_not_images);
  g_test_add_func ("/imageinfo/file-errors", test_file_errors);
  g_test_add_func ("/imageinfo/png", test_png);
  g_test_add_func ("/imageinfo/jpeg", test_jpeg);
  g_test_add_func ("/imageinfo/bmp", test_bmp);
  g_test_add_func ("/imageinfo/webp", test_webp);
  g_test_add_func ("/imageinfo/garbage", test_garbage);
  g_test_add_func ("/imageinfo/every-prefix", test_every_prefix);
  g_test_add_func ("/imageinfo/mutations", test_mutations);
  g_test_add_func ("/imageinfo/read-file-skips", test_read_file_skips);
  return g_test_run ();
}
