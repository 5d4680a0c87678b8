/* wanr2v-crc64.h: CRC-64/XZ, the checksum OSS sends as
 * `x-oss-hash-crc64ecma` (decimal) for every object.
 *
 * OSS calls it CRC-64/ECMA: the ECMA-182 polynomial 0x42F0E1EBA9EA3693,
 * bit-reflected, with initial value and final XOR all ones (the variant
 * catalogued as CRC-64/XZ or CRC-64/GO-ECMA; check value of "123456789":
 * 0x995DC9BBDF1939FA).  Slicing-by-8, so that hashing a video as it
 * arrives costs far less than receiving it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The CRC of nothing, to start with. */
#define WANR2V_CRC64_INIT ((guint64) 0)

/* The CRC of the bytes @crc covered followed by @data. */
guint64 wanr2v_crc64_update (guint64 crc, const void *data, gsize size);

/* The CRC of the bytes @crc covered followed by @count zero bytes, in
 * O(log @count) time: for the holes of sparse files. */
guint64 wanr2v_crc64_zeros (guint64 crc, guint64 count);

/* Parses a decimal x-oss-hash-crc64ecma value; FALSE when it is not one. */
gboolean wanr2v_crc64_parse (const char *text, guint64 * crc);

G_END_DECLS
