/* test-emu-results.c: the signed result URL on the OSS listener: HEAD,
 * GET, ranges, expiry, signatures, and the MP4 layout (--moov). */
#include "emu-test-util.h"

#include <string.h>

static EmuFixture *fixture;     /* --moov last (the default) */
static char *video_url;
static GBytes *video;           /* the whole file, fetched once */

static JsonObject *
output_of (EmuReply * reply)
{
  return json_object_get_object_member (emu_reply_object (reply), "output");
}

static char *
render_one (EmuFixture * f)
{
  g_autofree char *body = emu_simple_body ("wan2.7-r2v",
      "{\"resolution\":\"720P\",\"duration\":2}");
  g_autofree char *id = emu_create_task (f, body);
  g_autoptr (EmuReply) done = emu_wait_status (f, id, "SUCCEEDED");

  return g_strdup (json_object_get_string_member (output_of (done),
          "video_url"));
}

static EmuReply *
fetch (const char *method, const char *url, const char *range)
{
  const char *headers[] = { "Range", range, NULL };

  return emu_http (method, url, range ? headers : NULL, NULL, NULL);
}

static gsize
video_size (void)
{
  return g_bytes_get_size (video);
}

/* Top-level MP4 box offsets of @type, or -1. */
static gssize
box_offset (GBytes * bytes, const char *type)
{
  gsize len, pos = 0;
  const guint8 *d = g_bytes_get_data (bytes, &len);

  while (pos + 8 <= len) {
    guint64 size = read_be32 (d + pos);

    if (memcmp (d + pos + 4, type, 4) == 0)
      return pos;
    if (size == 1 && pos + 16 <= len)
      size = read_be64 (d + pos + 8);
    else if (size == 0)
      break;
    if (size < 8)
      break;
    pos += size;
  }
  return -1;
}

static void
test_url_shape (void)
{
  g_autofree char *api_host = g_strdup_printf ("127.0.0.1:%u/",
      emu_fixture_port (fixture));
  g_autoptr (GUri) uri = g_uri_parse (video_url, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (GHashTable) params = NULL;

  g_assert_nonnull (uri);
  /* Not the API host: a client must not send its key there. */
  g_assert_cmpint (g_uri_get_port (uri), !=, (gint) emu_fixture_port (fixture));
  g_assert_true (g_str_has_prefix (g_uri_get_path (uri), "/results/"));
  g_assert_true (g_str_has_suffix (g_uri_get_path (uri), ".mp4"));
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&",
      G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (g_hash_table_lookup (params, "Expires"));
  g_assert_nonnull (g_hash_table_lookup (params, "OSSAccessKeyId"));
  g_assert_nonnull (g_hash_table_lookup (params, "Signature"));
}

static void
test_head (void)
{
  g_autoptr (EmuReply) reply = fetch ("HEAD", video_url, NULL);
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT,
      video_size ());

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (reply->body), ==, 0);
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers,
          "Content-Length"), ==, length);
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers,
          "Accept-Ranges"), ==, "bytes");
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers,
          "Content-Type"), ==, "video/mp4");
}

static void
test_get_is_mp4_moov_last (void)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (video, &len);

  g_assert_cmpuint (len, >, 1000);
  g_assert_cmpmem (d + 4, 4, "ftyp", 4);
  g_assert_cmpint (box_offset (video, "moov"), >, 0);
  g_assert_cmpint (box_offset (video, "mdat"), >, 0);
  g_assert_cmpint (box_offset (video, "moov"), >, box_offset (video, "mdat"));
}

static void
check_range (const char *range, gsize start, gsize end)
{
  g_autoptr (EmuReply) reply = fetch ("GET", video_url, range);
  g_autofree char *content_range = g_strdup_printf ("bytes %" G_GSIZE_FORMAT
      "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT, start, end, video_size ());
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT,
      end - start + 1);
  const guint8 *all = g_bytes_get_data (video, NULL);

  g_assert_cmpuint (reply->status, ==, 206);
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers,
          "Content-Range"), ==, content_range);
  g_assert_cmpstr (soup_message_headers_get_one (reply->headers,
          "Content-Length"), ==, length);
  g_assert_cmpmem (g_bytes_get_data (reply->body, NULL),
      g_bytes_get_size (reply->body), all + start, end - start + 1);
}

static void
test_ranges (void)
{
  gsize size = video_size ();
  g_autofree char *past_end = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-",
      size);
  g_autofree char *beyond = g_strdup_printf ("bytes=10-%" G_GSIZE_FORMAT,
      size + 1000);
  g_autofree char *unsatisfiable_range = g_strdup_printf ("bytes */%"
      G_GSIZE_FORMAT, size);
  g_autoptr (EmuReply) r416 = NULL;
  g_autoptr (EmuReply) multi = NULL;
  g_autoptr (EmuReply) head = NULL;

  check_range ("bytes=0-99", 0, 99);
  check_range ("bytes=100-", 100, size - 1);
  check_range ("bytes=-50", size - 50, size - 1);
  check_range (beyond, 10, size - 1);
  check_range ("bytes=5-5", 5, 5);

  r416 = fetch ("GET", video_url, past_end);
  g_assert_cmpuint (r416->status, ==, 416);
  g_assert_cmpstr (soup_message_headers_get_one (r416->headers,
          "Content-Range"), ==, unsatisfiable_range);

  /* Like OSS, several ranges at once get the whole object. */
  multi = fetch ("GET", video_url, "bytes=0-1,5-6");
  g_assert_cmpuint (multi->status, ==, 200);
  g_assert_cmpuint (g_bytes_get_size (multi->body), ==, size);

  head = fetch ("HEAD", video_url, "bytes=0-9");
  g_assert_cmpuint (head->status, ==, 206);
  g_assert_cmpstr (soup_message_headers_get_one (head->headers,
          "Content-Length"), ==, "10");
}

static char *
with_param (const char *url, const char *name, const char *value)
{
  g_autofree char *prefix = g_strdup_printf ("%s=", name);
  const char *at = strstr (url, prefix);
  const char *end;

  g_assert_nonnull (at);
  end = strchr (at, '&');
  return g_strdup_printf ("%.*s%s%s%s", (int) (at - url), url, prefix, value,
      end ? end : "");
}

static void
assert_oss_error (EmuReply * reply, guint status, const char *code,
    const char *message)
{
  g_autofree char *body = g_strndup (g_bytes_get_data (reply->body, NULL),
      g_bytes_get_size (reply->body));
  g_autofree char *code_xml = g_strdup_printf ("<Code>%s</Code>", code);
  g_autofree char *message_xml = g_strdup_printf ("<Message>%s</Message>",
      message);

  g_assert_cmpuint (reply->status, ==, status);
  g_assert_true (g_str_has_prefix (body, "<?xml"));
  g_assert_nonnull (strstr (body, code_xml));
  g_assert_nonnull (strstr (body, message_xml));
  g_assert_cmpstr (soup_message_headers_get_content_type (reply->headers,
          NULL), ==, "application/xml");
}

static void
test_bad_signature (void)
{
  g_autofree char *bad = with_param (video_url, "Signature", "AAAA");
  g_autofree char *later = NULL;
  g_autoptr (GUri) uri = g_uri_parse (video_url, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (EmuReply) r1 = fetch ("GET", bad, NULL);
  g_autoptr (EmuReply) r2 = NULL;
  g_autoptr (EmuReply) r3 = NULL;
  g_autofree char *unsigned_url = NULL;

  assert_oss_error (r1, 403, "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature "
      "you provided. Check your key and signing method.");

  /* Moving Expires forward breaks the signature too. */
  later = with_param (video_url, "Expires", "4102444800");
  r2 = fetch ("GET", later, NULL);
  assert_oss_error (r2, 403, "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature "
      "you provided. Check your key and signing method.");

  unsigned_url = g_strdup_printf ("http://127.0.0.1:%d%s",
      g_uri_get_port (uri), g_uri_get_path (uri));
  r3 = fetch ("GET", unsigned_url, NULL);
  g_assert_cmpuint (r3->status, ==, 403);
}

static void
test_expired (void)
{
  const char *args[] = { "--url-ttl", "1", "--moov", "first", NULL };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_autofree char *url = render_one (f);
  g_autoptr (EmuReply) fresh = fetch ("GET", url, NULL);
  g_autoptr (EmuReply) stale = NULL;

  /* Fetched at once it works, and this emulator writes moov first. */
  g_assert_cmpuint (fresh->status, ==, 200);
  g_assert_cmpint (box_offset (fresh->body, "moov"), >, 0);
  g_assert_cmpint (box_offset (fresh->body, "moov"), <,
      box_offset (fresh->body, "mdat"));

  g_usleep (2100 * 1000);
  stale = fetch ("GET", url, NULL);
  assert_oss_error (stale, 403, "AccessDenied", "Request has expired.");
}

int
main (int argc, char **argv)
{
  g_autoptr (EmuReply) full = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  video_url = render_one (fixture);
  full = fetch ("GET", video_url, NULL);
  g_assert_cmpuint (full->status, ==, 200);
  video = g_bytes_ref (full->body);

  g_test_add_func ("/emulator/results/url-shape", test_url_shape);
  g_test_add_func ("/emulator/results/head", test_head);
  g_test_add_func ("/emulator/results/mp4-moov-last",
      test_get_is_mp4_moov_last);
  g_test_add_func ("/emulator/results/ranges", test_ranges);
  g_test_add_func ("/emulator/results/bad-signature", test_bad_signature);
  g_test_add_func ("/emulator/results/expired-moov-first", test_expired);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  g_bytes_unref (video);
  g_free (video_url);
  return ret;
}
