/* wanr2v-crc64.c: CRC-64/XZ (OSS's x-oss-hash-crc64ecma), slicing-by-8. */
#include "wanr2v-crc64.h"

#include <string.h>

/* ECMA-182, bit-reflected. */
#define POLY G_GUINT64_CONSTANT (0xC96C5795D7870F42)

static guint64 table[8][256];

static gpointer
init_tables (gpointer data)
{
  guint i, k;

  for (i = 0; i < 256; i++) {
    guint64 crc = i;

    for (k = 0; k < 8; k++)
      crc = crc & 1 ? (crc >> 1) ^ POLY : crc >> 1;
    table[0][i] = crc;
  }
  /* table[k][i]: the CRC of byte i followed by k zero bytes. */
  for (i = 0; i < 256; i++)
    for (k = 1; k < 8; k++)
      table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
  return NULL;
}

guint64
wanr2v_crc64_update (guint64 crc, const void *data, gsize size)
{
  static GOnce once = G_ONCE_INIT;
  const guint8 *p = data;

  g_once (&once, init_tables, NULL);
  crc = ~crc;
  while (size >= 8) {
    guint64 v;

    /* Little-endian order of the bytes, whatever the host's. */
    memcpy (&v, p, 8);
    v = GUINT64_FROM_LE (v) ^ crc;
    crc = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff]
        ^ table[5][(v >> 16) & 0xff] ^ table[4][(v >> 24) & 0xff]
        ^ table[3][(v >> 32) & 0xff] ^ table[2][(v >> 40) & 0xff]
        ^ table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
    p += 8;
    size -= 8;
  }
  while (size-- > 0)
    crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

/* Appending zero bits is linear over GF(2) on the (inverted) register:
 * operators are 64x64 bit matrices, one guint64 column per bit, squared
 * to go from 1 bit to 2, 4, 8... (zlib's crc32_combine does the same). */
static guint64
matrix_times (const guint64 * m, guint64 v)
{
  guint64 sum = 0;

  for (; v; v >>= 1, m++)
    if (v & 1)
      sum ^= *m;
  return sum;
}

static void
matrix_square (guint64 * square, const guint64 * m)
{
  guint i;

  for (i = 0; i < 64; i++)
    square[i] = matrix_times (m, m[i]);
}

guint64
wanr2v_crc64_zeros (guint64 crc, guint64 count)
{
  guint64 a[64], b[64];
  guint64 *op = a, *next = b, *tmp;
  guint64 r = ~crc;
  guint i;

  if (count == 0)
    return crc;
  /* One zero bit: shift right, folding the polynomial in. */
  op[0] = POLY;
  for (i = 1; i < 64; i++)
    op[i] = G_GUINT64_CONSTANT (1) << (i - 1);
  /* 2, 4, then 8 bits: one zero byte. */
  for (i = 0; i < 3; i++) {
    matrix_square (next, op);
    tmp = op, op = next, next = tmp;
  }
  /* r times op^count, op squared for each bit of count. */
  for (;;) {
    if (count & 1)
      r = matrix_times (op, r);
    count >>= 1;
    if (count == 0)
      break;
    matrix_square (next, op);
    tmp = op, op = next, next = tmp;
  }
  return ~r;
}

gboolean
wanr2v_crc64_parse (const char *text, guint64 * crc)
{
  g_autofree char *copy = NULL;

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  return g_ascii_string_to_unsigned (copy, 10, 0, G_MAXUINT64, crc, NULL);
}
