/* test-emu-faults-download.c: faults on result downloads, checked byte for
 * byte on the wire, and download pacing (--download-rate, the `rate` fault
 * and /__emulator/config). */
#include "emu-test-util.h"
#include "wanr2v-crc64.h"

#include <string.h>

static EmuFixture *fixture;
static char *video_url;
static GBytes *video;           /* the whole file, fetched without faults */

static EmuRawReply *
raw_get (const char *range)
{
  const char *headers[] = { "Range", range, NULL };

  return emu_raw_request ("GET", video_url, range ? headers : NULL, NULL);
}

static void
assert_body_is (GBytes * body, goffset start, gsize length)
{
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
      (const guint8 *) g_bytes_get_data (video, NULL) + start, length);
}

static const char *
last_download_fault (void)
{
  static char name[64];
  g_autoptr (JsonObject) r = emu_last_request (fixture, "GET", "/results/");

  g_strlcpy (name, json_object_get_string_member_with_default (r, "fault",
          "-"), sizeof (name));
  return name;
}

static void
test_reset_after_bytes (void)
{
  g_autoptr (EmuRawReply) raw = NULL;
  gsize size = g_bytes_get_size (video);

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:reset=30000");
  raw = raw_get (NULL);
  /* The full length is promised, 30000 bytes come, then a reset. */
  g_assert_true (raw->got_headers);
  g_assert_cmpuint (raw->status, ==, 200);
  g_assert_cmpint (emu_raw_content_length (raw), ==, size);
  g_assert_cmpuint (g_bytes_get_size (raw->body), ==, 30000);
  assert_body_is (raw->body, 0, 30000);
  g_assert_cmpint (raw->end, ==, EMU_RAW_RESET);
  g_assert_cmpstr (last_download_fault (), ==, "download:reset");
}

static void
test_reset_at_once (void)
{
  g_autoptr (EmuRawReply) raw = NULL;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:reset");
  raw = raw_get (NULL);
  g_assert_true (raw->got_headers);
  g_assert_cmpuint (g_bytes_get_size (raw->body), ==, 0);
  g_assert_cmpint (raw->end, ==, EMU_RAW_RESET);
}

static void
test_reset_in_range (void)
{
  g_autoptr (EmuRawReply) raw = NULL;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:reset=500");
  /* The count is of body bytes of this reply: from the range's start. */
  raw = raw_get ("bytes=1000-");
  g_assert_cmpuint (raw->status, ==, 206);
  g_assert_cmpint (emu_raw_content_length (raw), ==,
      g_bytes_get_size (video) - 1000);
  g_assert_cmpuint (g_bytes_get_size (raw->body), ==, 500);
  assert_body_is (raw->body, 1000, 500);
  g_assert_cmpint (raw->end, ==, EMU_RAW_RESET);
}

static void
test_truncate (void)
{
  g_autoptr (EmuRawReply) raw = NULL;
  g_autoptr (EmuRawReply) whole = NULL;
  gsize size = g_bytes_get_size (video);

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:truncate=20000");
  raw = raw_get (NULL);
  g_assert_cmpuint (raw->status, ==, 200);
  g_assert_cmpint (emu_raw_content_length (raw), ==, size);
  g_assert_cmpuint (g_bytes_get_size (raw->body), ==, 20000);
  assert_body_is (raw->body, 0, 20000);
  /* A clean end of stream, short of the Content-Length. */
  g_assert_cmpint (raw->end, ==, EMU_RAW_EOF);
  g_assert_cmpstr (last_download_fault (), ==, "download:truncate");

  /* count=1: the next download is whole. */
  whole = raw_get (NULL);
  g_assert_cmpuint (g_bytes_get_size (whole->body), ==, size);
  g_assert_cmpint (whole->end, ==, EMU_RAW_EOF);
}

static gboolean
body_contains (GBytes * body, const char *text)
{
  g_autofree char *s = g_strndup (g_bytes_get_data (body, NULL),
      g_bytes_get_size (body));

  return strstr (s, text) != NULL;
}

static void
test_status (void)
{
  g_autoptr (EmuReply) head = NULL;
  g_autoptr (EmuReply) e500 = NULL;
  g_autoptr (EmuReply) e503 = NULL;
  g_autoptr (EmuReply) fine = NULL;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:status=500");
  emu_fixture_add_fault (fixture, "download:status=503");
  /* HEAD is not a download: the faults wait for the GETs. */
  head = emu_http ("HEAD", video_url, NULL, NULL, NULL);
  g_assert_cmpuint (head->status, ==, 200);
  e500 = emu_http ("GET", video_url, NULL, NULL, NULL);
  e503 = emu_http ("GET", video_url, NULL, NULL, NULL);
  fine = emu_http ("GET", video_url, NULL, NULL, NULL);
  g_assert_cmpuint (e500->status, ==, 500);
  g_assert_true (body_contains (e500->body, "<Code>InternalError</Code>"));
  g_assert_cmpuint (e503->status, ==, 503);
  g_assert_true (body_contains (e503->body,
          "<Code>ServiceUnavailable</Code>"));
  g_assert_cmpstr (soup_message_headers_get_content_type (e503->headers,
          NULL), ==, "application/xml");
  g_assert_cmpuint (fine->status, ==, 200);
  g_assert_true (g_bytes_equal (fine->body, video));
}

static void
test_expired (void)
{
  g_autoptr (EmuReply) expired = NULL;
  g_autoptr (EmuReply) fine = NULL;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:expired");
  expired = emu_http ("GET", video_url, NULL, NULL, NULL);
  fine = emu_http ("GET", video_url, NULL, NULL, NULL);
  g_assert_cmpuint (expired->status, ==, 403);
  g_assert_true (body_contains (expired->body, "<Code>AccessDenied</Code>"));
  g_assert_true (body_contains (expired->body,
          "<Message>Request has expired.</Message>"));
  g_assert_true (body_contains (expired->body, "<ServerTime>"));
  g_assert_cmpuint (fine->status, ==, 200);
}

static void
test_ignore_range (void)
{
  g_autoptr (EmuRawReply) plain = NULL;
  g_autoptr (EmuRawReply) ignored = NULL;
  g_autoptr (EmuRawReply) honoured = NULL;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:ignore-range");
  /* A GET without Range does not use the fault up. */
  plain = raw_get (NULL);
  g_assert_cmpuint (plain->status, ==, 200);
  ignored = raw_get ("bytes=1000-1999");
  g_assert_cmpuint (ignored->status, ==, 200);
  g_assert_null (soup_message_headers_get_one (ignored->headers,
          "Content-Range"));
  g_assert_true (g_bytes_equal (ignored->body, video));
  honoured = raw_get ("bytes=1000-1999");
  g_assert_cmpuint (honoured->status, ==, 206);
  assert_body_is (honoured->body, 1000, 1000);
}

static void
test_delay (void)
{
  g_autoptr (EmuRawReply) raw = NULL;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:delay=500");
  raw = raw_get (NULL);
  g_assert_cmpint (raw->elapsed_us, >=, 500 * 1000);
  g_assert_true (g_bytes_equal (raw->body, video));
}

/* ---- pacing */

static gint64
timed_range (const char *range, gsize expect)
{
  g_autoptr (EmuRawReply) raw = raw_get (range);

  g_assert_cmpuint (raw->status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (raw->body), ==, expect);
  assert_body_is (raw->body, 0, expect);
  return raw->elapsed_us;
}

static void
test_rate_fault (void)
{
  gint64 us;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:rate=100000");
  /* 50 000 bytes at 100 000 B/s: about half a second (the first 1/20 s
   * worth goes at once). */
  us = timed_range ("bytes=0-49999", 50000);
  g_assert_cmpint (us, >=, 300 * 1000);
  g_assert_cmpint (us, <=, emu_fixture_scaled_us (2));
  /* count=1: then full speed. */
  us = timed_range ("bytes=0-49999", 50000);
  g_assert_cmpint (us, <, 300 * 1000);
}

static void
test_rate_config (void)
{
  g_autoptr (JsonObject) config = NULL;
  g_autoptr (JsonObject) off = NULL;
  gint64 us;

  emu_fixture_clear_faults (fixture);
  config = emu_fixture_set_config (fixture, "{\"download_rate\": 200000}");
  g_assert_cmpint (json_object_get_int_member (config, "download_rate"), ==,
      200000);
  us = timed_range ("bytes=0-79999", 80000);
  g_assert_cmpint (us, >=, 250 * 1000);
  g_assert_cmpint (us, <=, emu_fixture_scaled_us (2));
  off = emu_fixture_set_config (fixture, "{\"download_rate\": 0}");
  us = timed_range ("bytes=0-79999", 80000);
  g_assert_cmpint (us, <, 250 * 1000);
}

static void
test_rate_command_line (void)
{
  const char *args[] = { "--download-rate", "100k", NULL };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autofree char *url = emu_render_one (f);
  const char *headers[] = { "Range", "bytes=0-59999", NULL };
  g_autoptr (EmuRawReply) raw = emu_raw_request ("GET", url, headers, NULL);

  /* 60 000 bytes at 102 400 B/s. */
  g_assert_cmpuint (g_bytes_get_size (raw->body), ==, 60000);
  g_assert_cmpint (raw->elapsed_us, >=, 350 * 1000);
  g_assert_cmpint (raw->elapsed_us, <=, emu_fixture_scaled_us (2.5));
}

/* The whole object's CRC-64, as OSS sends it: decimal. */
static char *
video_crc64 (void)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT,
      wanr2v_crc64_update (WANR2V_CRC64_INIT, g_bytes_get_data (video, NULL),
          g_bytes_get_size (video)));
}

/* Every reply of a result carries x-oss-hash-crc64ecma, of the whole
 * object, ranges and HEAD included. */
static void
test_crc64_header (void)
{
  g_autofree char *want = video_crc64 ();
  g_autoptr (EmuReply) head = NULL;
  g_autoptr (EmuRawReply) whole = NULL;
  g_autoptr (EmuRawReply) range = NULL;

  emu_fixture_clear_faults (fixture);
  whole = raw_get (NULL);
  range = raw_get ("bytes=1000-1999");
  head = emu_http ("HEAD", video_url, NULL, NULL, NULL);
  g_assert_cmpuint (whole->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (whole->headers,
          "x-oss-hash-crc64ecma"), ==, want);
  g_assert_cmpuint (range->status, ==, 206);
  g_assert_cmpstr (soup_message_headers_get_one (range->headers,
          "x-oss-hash-crc64ecma"), ==, want);
  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (head->headers,
          "x-oss-hash-crc64ecma"), ==, want);
}

/* A captive portal's page in place of the video: 200, text/html, none of
 * OSS's headers. */
static void
test_html (void)
{
  g_autoptr (EmuRawReply) page = NULL;
  g_autoptr (EmuRawReply) small = NULL;
  g_autoptr (EmuRawReply) whole = NULL;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:html");
  emu_fixture_add_fault (fixture, "download:html=1000");
  page = raw_get (NULL);
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one
          (page->headers, "Content-Type"), "text/html"));
  g_assert_cmpint (emu_raw_content_length (page), ==, 200 * 1024);
  g_assert_cmpuint (g_bytes_get_size (page->body), ==, 200 * 1024);
  g_assert_true (g_str_has_prefix (g_bytes_get_data (page->body, NULL),
          "<!DOCTYPE html>"));
  g_assert_null (soup_message_headers_get_one (page->headers,
          "x-oss-hash-crc64ecma"));
  g_assert_cmpstr (last_download_fault (), ==, "download:html");
  small = raw_get ("bytes=100-");
  g_assert_cmpuint (small->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (small->body), ==, 1000);
  whole = raw_get (NULL);
  g_assert_cmpuint (g_bytes_get_size (whole->body), ==,
      g_bytes_get_size (video));
}

/* One byte of the body inverted, every header (the CRC-64 too) as for the
 * real object: only a checksum can tell. */
static void
test_corrupt (void)
{
  g_autofree char *want = video_crc64 ();
  g_autoptr (EmuRawReply) bad = NULL;
  g_autoptr (EmuRawReply) bad_range = NULL;
  const guint8 *got, *orig = g_bytes_get_data (video, NULL);
  gsize size = g_bytes_get_size (video);

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:corrupt=5000,count=2");
  bad = raw_get (NULL);
  g_assert_cmpuint (bad->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_one (bad->headers,
          "Content-Type"), ==, "video/mp4");
  g_assert_cmpstr (soup_message_headers_get_one (bad->headers,
          "x-oss-hash-crc64ecma"), ==, want);
  g_assert_cmpuint (g_bytes_get_size (bad->body), ==, size);
  got = g_bytes_get_data (bad->body, NULL);
  g_assert_cmpmem (got, 5000, orig, 5000);
  g_assert_cmpuint (got[5000], ==, orig[5000] ^ 0xff);
  g_assert_cmpmem (got + 5001, size - 5001, orig + 5001, size - 5001);
  g_assert_cmpstr (last_download_fault (), ==, "download:corrupt");
  /* The offset is the object's: in a range it moves with the start. */
  bad_range = raw_get ("bytes=4000-5999");
  g_assert_cmpuint (bad_range->status, ==, 206);
  got = g_bytes_get_data (bad_range->body, NULL);
  g_assert_cmpuint (got[1000], ==, orig[5000] ^ 0xff);
  g_assert_cmpmem (got, 1000, orig + 4000, 1000);
}

/* A Range answered from the first byte, with a Content-Range that says
 * so. */
static void
test_wrong_range (void)
{
  g_autoptr (EmuRawReply) plain = NULL;
  g_autoptr (EmuRawReply) wrong = NULL;
  g_autofree char *content_range = g_strdup_printf ("bytes 0-%"
      G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT, g_bytes_get_size (video) - 1,
      g_bytes_get_size (video));
  g_autoptr (JsonArray) faults = NULL;

  emu_fixture_clear_faults (fixture);
  emu_fixture_add_fault (fixture, "download:wrong-range");
  /* Without a Range it neither fires nor is used up. */
  plain = raw_get (NULL);
  g_assert_cmpuint (plain->status, ==, 200);
  wrong = raw_get ("bytes=3000-");
  g_assert_cmpuint (wrong->status, ==, 206);
  g_assert_cmpstr (soup_message_headers_get_one (wrong->headers,
          "Content-Range"), ==, content_range);
  assert_body_is (wrong->body, 0, g_bytes_get_size (video));
  faults = emu_fixture_get_faults (fixture);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element
          (faults, 0), "seen"), ==, 1);
}

int
main (int argc, char **argv)
{
  g_autoptr (EmuReply) whole = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  video_url = emu_render_one (fixture);
  whole = emu_http ("GET", video_url, NULL, NULL, NULL);
  g_assert_cmpuint (whole->status, ==, 200);
  video = g_bytes_ref (whole->body);
  g_assert_cmpuint (g_bytes_get_size (video), >, 50000);

  g_test_add_func ("/emulator/faults/download/reset-after-bytes",
      test_reset_after_bytes);
  g_test_add_func ("/emulator/faults/download/reset-at-once",
      test_reset_at_once);
  g_test_add_func ("/emulator/faults/download/reset-in-range",
      test_reset_in_range);
  g_test_add_func ("/emulator/faults/download/truncate", test_truncate);
  g_test_add_func ("/emulator/faults/download/status", test_status);
  g_test_add_func ("/emulator/faults/download/expired", test_expired);
  g_test_add_func ("/emulator/faults/download/ignore-range",
      test_ignore_range);
  g_test_add_func ("/emulator/faults/download/delay", test_delay);
  g_test_add_func ("/emulator/results/crc64", test_crc64_header);
  g_test_add_func ("/emulator/faults/download/html", test_html);
  g_test_add_func ("/emulator/faults/download/corrupt", test_corrupt);
  g_test_add_func ("/emulator/faults/download/wrong-range",
      test_wrong_range);
  g_test_add_func ("/emulator/download-rate/fault", test_rate_fault);
  g_test_add_func ("/emulator/download-rate/config", test_rate_config);
  g_test_add_func ("/emulator/download-rate/command-line",
      test_rate_command_line);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  g_free (video_url);
  g_bytes_unref (video);
  return ret;
}
