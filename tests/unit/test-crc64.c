/* test-crc64.c: CRC-64/XZ against published vectors and OSS's values. */
#include "wanr2v-crc64.h"

#include <string.h>

static void
test_vectors (void)
{
  /* The catalogue's check value (reveng CRC-64/XZ). */
  g_assert_cmphex (wanr2v_crc64_update (WANR2V_CRC64_INIT, "123456789", 9),
      ==, G_GUINT64_CONSTANT (0x995DC9BBDF1939FA));
  g_assert_cmphex (wanr2v_crc64_update (WANR2V_CRC64_INIT, "", 0), ==, 0);
  /* From a bit-at-a-time reference implementation (reflected
   * 0xC96C5795D7870F42, init and xorout all ones). */
  g_assert_cmphex (wanr2v_crc64_update (WANR2V_CRC64_INIT, "a", 1), ==,
      G_GUINT64_CONSTANT (0x330284772E652B05));
  g_assert_cmphex (wanr2v_crc64_update (WANR2V_CRC64_INIT,
          "The quick brown fox jumps over the lazy dog", 43), ==,
      G_GUINT64_CONSTANT (0x5B5EB8C2E54AA1C4));
}

/* Any split of the data gives the CRC of the whole: the download hashes
 * chunks as they come, and a resumed one the part on disk first. */
static void
test_incremental (void)
{
  guint8 data[4099];
  guint64 whole, crc;
  gsize i, cut;

  for (i = 0; i < sizeof (data); i++)
    data[i] = (guint8) (i * 7 + (i >> 5));
  whole = wanr2v_crc64_update (WANR2V_CRC64_INIT, data, sizeof (data));
  for (cut = 0; cut <= sizeof (data); cut += 13) {
    crc = wanr2v_crc64_update (WANR2V_CRC64_INIT, data, cut);
    crc = wanr2v_crc64_update (crc, data + cut, sizeof (data) - cut);
    g_assert_cmphex (crc, ==, whole);
  }
  /* Byte by byte, through the unaligned tail loop only. */
  crc = WANR2V_CRC64_INIT;
  for (i = 0; i < sizeof (data); i++)
    crc = wanr2v_crc64_update (crc, data + i, 1);
  g_assert_cmphex (crc, ==, whole);
}

/* Zeros by the matrix shortcut equal zeros hashed byte by byte. */
static void
test_zeros (void)
{
  g_autofree guint8 *zeros = g_malloc0 (70000);
  guint64 start = wanr2v_crc64_update (WANR2V_CRC64_INIT, "abc", 3);
  static const guint64 counts[] = { 0, 1, 2, 7, 8, 9, 255, 4096, 65537,
    70000
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (counts); i++) {
    g_assert_cmphex (wanr2v_crc64_zeros (start, counts[i]), ==,
        wanr2v_crc64_update (start, zeros, counts[i]));
    g_assert_cmphex (wanr2v_crc64_zeros (WANR2V_CRC64_INIT, counts[i]), ==,
        wanr2v_crc64_update (WANR2V_CRC64_INIT, zeros, counts[i]));
  }
}

static void
test_parse (void)
{
  guint64 crc = 0;

  /* x-oss-hash-crc64ecma is decimal, up to 2^64 - 1. */
  g_assert_true (wanr2v_crc64_parse ("11051210869376104954", &crc));
  g_assert_cmphex (crc, ==, G_GUINT64_CONSTANT (0x995DC9BBDF1939FA));
  g_assert_true (wanr2v_crc64_parse (" 0 ", &crc));
  g_assert_cmphex (crc, ==, 0);
  g_assert_true (wanr2v_crc64_parse ("18446744073709551615", &crc));
  g_assert_false (wanr2v_crc64_parse ("18446744073709551616", &crc));
  g_assert_false (wanr2v_crc64_parse ("-1", &crc));
  g_assert_false (wanr2v_crc64_parse ("0x12", &crc));
  g_assert_false (wanr2v_crc64_parse ("", &crc));
  g_assert_false (wanr2v_crc64_parse (NULL, &crc));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crc64/vectors", test_vectors);
  g_test_add_func ("/crc64/incremental", test_incremental);
  g_test_add_func ("/crc64/zeros", test_zeros);
  g_test_add_func ("/crc64/parse", test_parse);
  return g_test_run ();
}
