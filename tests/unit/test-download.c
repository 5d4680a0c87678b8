/* test-download.c: what the download checks before it trusts a reply,
 * against a local server whose every header the test chooses (the
 * emulator's faults cover the rest, in tests/element/test-faults.c). */
#include "wanr2v-crc64.h"
#include "wanr2v-download.h"
#include "wanr2v-http.h"

#include <glib/gstdio.h>
#include <string.h>

static char *base_url;
static GBytes *video;           /* an "MP4": an ftyp box, then filler */
static char *tmp_dir;

/* Paths select the reply: its content type, and which checksums come
 * with it, right or wrong. */
static void
handler (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  SoupMessageHeaders *headers =
      soup_server_message_get_response_headers (msg);
  gsize size;
  const guint8 *bytes = g_bytes_get_data (video, &size);
  guint64 crc = wanr2v_crc64_update (WANR2V_CRC64_INIT, bytes, size);
  g_autofree char *crc_text = g_strdup_printf ("%" G_GUINT64_FORMAT,
      g_str_has_suffix (path, "/crc-bad") ? crc ^ 1 : crc);
  g_autoptr (GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  guint8 digest[16];
  gsize digest_len = sizeof (digest);
  g_autofree char *md5_text = NULL;
  const char *type = strstr (path, "/octet/") ? "application/octet-stream"
      : strstr (path, "/json/") ? "application/json" : "video/mp4";

  g_checksum_update (md5, bytes, size);
  g_checksum_get_digest (md5, digest, &digest_len);
  if (g_str_has_suffix (path, "/md5-bad"))
    digest[3] ^= 1;
  md5_text = g_base64_encode (digest, digest_len);

  if (!g_str_has_suffix (path, "/no-crc"))
    soup_message_headers_replace (headers, "x-oss-hash-crc64ecma", crc_text);
  if (strstr (path, "/md5-") != NULL)
    soup_message_headers_replace (headers, "Content-MD5", md5_text);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY,
      (const char *) bytes, size);
}

typedef struct
{
  const char *url;
  char *path;
  gboolean done;
  gboolean ok;
  guint64 size;
  GError *error;
} Fetch;

static void
on_done (GObject * source, GAsyncResult * res, gpointer data)
{
  Fetch *f = data;

  f->ok = wanr2v_download_finish (res, &f->size, NULL, &f->error);
  g_atomic_int_set (&f->done, TRUE);
  g_main_context_wakeup (NULL);
}

static gboolean
start_fetch (gpointer data)
{
  Fetch *f = data;

  wanr2v_download_async (f->url, f->path, 0, 10, NULL, NULL, NULL, on_done,
      f);
  return G_SOURCE_REMOVE;
}

/* Downloads @path of the server into a fresh file; the main context runs
 * the server meanwhile. */
static void
fetch (Fetch * f, const char *path)
{
  g_autofree char *url = g_strconcat (base_url, path, NULL);
  g_autoptr (WanR2vHttp) http = wanr2v_http_dup_default ();

  memset (f, 0, sizeof (*f));
  f->url = url;
  f->path = g_build_filename (tmp_dir, "video.part", NULL);
  g_unlink (f->path);
  wanr2v_http_invoke (http, start_fetch, f, NULL);
  while (!g_atomic_int_get (&f->done))
    g_main_context_iteration (NULL, TRUE);
  f->url = NULL;
}

static void
fetch_clear (Fetch * f)
{
  g_clear_error (&f->error);
  g_free (f->path);
}

static goffset
size_on_disk (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? st.st_size : -1;
}

static void
assert_kept (Fetch * f)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_no_error (f->error);
  g_assert_true (f->ok);
  g_assert_cmpuint (f->size, ==, g_bytes_get_size (video));
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (video, NULL),
      g_bytes_get_size (video));
}

static void
test_checksums_match (void)
{
  Fetch f;

  fetch (&f, "/v/md5-good");
  assert_kept (&f);
  fetch_clear (&f);
  fetch (&f, "/v/no-crc");
  assert_kept (&f);
  fetch_clear (&f);
}

/* An object stored without a type comes as octet-stream: still a video,
 * by its bytes and checksum.  JSON is not. */
static void
test_content_types (void)
{
  Fetch f;

  fetch (&f, "/octet/ok");
  assert_kept (&f);
  fetch_clear (&f);

  fetch (&f, "/json/ok");
  g_assert_false (f.ok);
  g_assert_error (f.error, WANR2V_ERROR, WANR2V_ERROR_NOT_VIDEO);
  g_assert_nonnull (strstr (f.error->message, "application/json"));
  g_assert_cmpint (size_on_disk (f.path), <=, 0);
  fetch_clear (&f);
}

static void
test_crc_mismatch (void)
{
  Fetch f;

  fetch (&f, "/v/crc-bad");
  g_assert_error (f.error, WANR2V_ERROR, WANR2V_ERROR_CORRUPT);
  g_assert_nonnull (strstr (f.error->message, "x-oss-hash-crc64ecma"));
  g_assert_cmpint (size_on_disk (f.path), ==, 0);
  fetch_clear (&f);
}

static void
test_md5_mismatch (void)
{
  Fetch f;

  fetch (&f, "/v/md5-bad");
  g_assert_error (f.error, WANR2V_ERROR, WANR2V_ERROR_CORRUPT);
  g_assert_nonnull (strstr (f.error->message, "Content-MD5"));
  g_assert_cmpint (size_on_disk (f.path), ==, 0);
  fetch_clear (&f);
}

/* ---- a download in parts (wanr2v-job-download.c's reading ahead) ---- */

typedef struct
{
  const char *url;
  const char *path;
  WanR2vDownloadSpan span;
  gboolean done;
  gboolean ok;
  WanR2vDownloadResult out;
  GError *error;
} Part;

static void
on_part_done (GObject * source, GAsyncResult * res, gpointer data)
{
  Part *p = data;

  p->ok = wanr2v_download_span_finish (res, &p->out, NULL, &p->error);
  g_atomic_int_set (&p->done, TRUE);
  g_main_context_wakeup (NULL);
}

static gboolean
start_part (gpointer data)
{
  Part *p = data;

  wanr2v_download_span_async (p->url, p->path, &p->span, 10, NULL, NULL,
      NULL, on_part_done, p);
  return G_SOURCE_REMOVE;
}

static void
fetch_part (Part * p)
{
  g_autoptr (WanR2vHttp) http = wanr2v_http_dup_default ();

  wanr2v_http_invoke (http, start_part, p, NULL);
  while (!g_atomic_int_get (&p->done))
    g_main_context_iteration (NULL, TRUE);
}

/* The start, then the tail as a piece, then the middle bounded by it with
 * the CRC so far, then the end: the video is whole, and checked against
 * the server's CRC-64 over every byte, the piece's read back from disk. */
static void
download_in_parts (const char *server_path, GError ** error)
{
  g_autofree char *url = g_strconcat (base_url, server_path, NULL);
  g_autofree char *path = g_build_filename (tmp_dir, "video.part", NULL);
  guint64 size = g_bytes_get_size (video), tail = size - 1000;
  Part first = { url, path }, piece = { url, path }, middle = { url, path },
      last = { url, path };

  g_unlink (path);
  first.span.end = 4096;
  fetch_part (&first);
  g_assert_no_error (first.error);
  g_assert_false (first.out.complete);
  g_assert_cmpuint (first.out.end, ==, 4096);
  g_assert_true (first.out.crc_valid);
  g_assert_cmpint (first.out.total, ==, size);

  piece.span.offset = tail;
  piece.span.end = size;
  piece.span.piece = TRUE;
  fetch_part (&piece);
  g_assert_no_error (piece.error);
  g_assert_false (piece.out.complete);
  g_assert_cmpuint (piece.out.end, ==, size);
  g_assert_false (piece.out.crc_valid);

  middle.span.offset = 4096;
  middle.span.end = tail;
  middle.span.crc_known = TRUE;
  middle.span.crc = first.out.crc;
  middle.span.crc_end = first.out.end;
  fetch_part (&middle);
  g_assert_no_error (middle.error);
  g_assert_false (middle.out.complete);
  g_assert_cmpuint (middle.out.end, ==, tail);
  g_assert_true (middle.out.crc_valid);

  last.span.offset = size;
  last.span.crc_known = TRUE;
  last.span.crc = middle.out.crc;
  last.span.crc_end = middle.out.end;
  last.span.want_crc_known = middle.out.want_crc_known;
  last.span.want_crc = middle.out.want_crc;
  last.span.total = middle.out.total;
  fetch_part (&last);
  g_clear_error (&first.error);
  g_clear_error (&piece.error);
  g_clear_error (&middle.error);
  if (!last.ok) {
    g_propagate_error (error, last.error);
    return;
  }
  g_assert_true (last.out.complete);
  g_assert_cmpuint (last.out.end, ==, size);
  {
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
    g_assert_cmpmem (contents, len, g_bytes_get_data (video, NULL), size);
  }
}

static void
test_in_parts (void)
{
  g_autoptr (GError) error = NULL;

  download_in_parts ("/v/ok", &error);
  g_assert_no_error (error);
}

/* The same with a server whose CRC-64 is not the bytes': found at the end,
 * though no request carried the whole video. */
static void
test_in_parts_crc_mismatch (void)
{
  g_autoptr (GError) error = NULL;

  download_in_parts ("/v/crc-bad", &error);
  g_assert_error (error, WANR2V_ERROR, WANR2V_ERROR_CORRUPT);
}

int
main (int argc, char **argv)
{
  g_autoptr (SoupServer) server = NULL;
  g_autoptr (GError) error = NULL;
  GSList *uris;
  GByteArray *data = g_byte_array_new ();
  static const guint8 ftyp[] = { 0, 0, 0, 20, 'f', 't', 'y', 'p', 'i', 's',
    'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm'
  };
  guint i;
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_byte_array_append (data, ftyp, sizeof (ftyp));
  for (i = 0; i < 300000; i++) {
    guint8 b = (guint8) (i * 13 + (i >> 7));

    g_byte_array_append (data, &b, 1);
  }
  video = g_byte_array_free_to_bytes (data);
  tmp_dir = g_dir_make_tmp ("wanr2v-download-XXXXXX", NULL);

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, handler, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0,
          SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  if (g_str_has_suffix (base_url, "/"))
    base_url[strlen (base_url) - 1] = '\0';

  g_test_add_func ("/download/checksums-match", test_checksums_match);
  g_test_add_func ("/download/content-types", test_content_types);
  g_test_add_func ("/download/crc-mismatch", test_crc_mismatch);
  g_test_add_func ("/download/md5-mismatch", test_md5_mismatch);
  g_test_add_func ("/download/in-parts", test_in_parts);
  g_test_add_func ("/download/in-parts-crc-mismatch",
      test_in_parts_crc_mismatch);
  ret = g_test_run ();

  {
    g_autofree char *part = g_build_filename (tmp_dir, "video.part", NULL);

    g_unlink (part);
    g_rmdir (tmp_dir);
  }
  g_free (tmp_dir);
  g_free (base_url);
  g_bytes_unref (video);
  /* Closes the listener and the connections the downloads left idle
   * (libsoup 3.2 leaks those of a server merely unreferenced). */
  soup_server_disconnect (server);
  return ret;
}
