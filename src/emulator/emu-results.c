/* emu-results.c: the "OSS" side of results: signed URLs and file serving. */
/* For SEEK_DATA and SEEK_HOLE. */
#define _GNU_SOURCE
#include "emu-results.h"

#include "emu-body.h"
#include "emu-common.h"
#include "wanr2v-crc64.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Looks like an Alibaba Cloud AccessKey id; only the emulator checks it. */
#define ACCESS_KEY_ID "LTAI5tEmuLat0rKeyId"

struct _EmuResults
{
  char *dir;
  guint url_ttl_s;
  guint8 secret[32];
};

EmuResults *
emu_results_new (const char *results_dir, guint url_ttl_s)
{
  EmuResults *results = g_new0 (EmuResults, 1);
  guint i;

  results->dir = g_strdup (results_dir);
  results->url_ttl_s = url_ttl_s;
  for (i = 0; i < G_N_ELEMENTS (results->secret); i += 4) {
    guint32 r = g_random_int ();

    memcpy (results->secret + i, &r, 4);
  }
  return results;
}

void
emu_results_free (EmuResults * results)
{
  if (results == NULL)
    return;
  g_free (results->dir);
  g_free (results);
}

/* Base64 of HMAC-SHA256("<expires>\n<path>"), not yet URL-escaped. */
static char *
signature_for (EmuResults * results, const char *expires, const char *path)
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, results->secret,
      sizeof (results->secret));
  guint8 digest[32];
  gsize digest_len = sizeof (digest);

  g_hmac_update (hmac, (const guchar *) expires, -1);
  g_hmac_update (hmac, (const guchar *) "\n", 1);
  g_hmac_update (hmac, (const guchar *) path, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

char *
emu_results_sign_url (EmuResults * results, const char *oss_base,
    const char *path)
{
  g_autofree char *expires = g_strdup_printf ("%" G_GINT64_FORMAT,
      g_get_real_time () / G_USEC_PER_SEC + results->url_ttl_s);
  g_autofree char *signature = signature_for (results, expires, path);
  g_autofree char *escaped = g_uri_escape_string (signature, NULL, FALSE);

  return g_strdup_printf ("%s%s?Expires=%s&OSSAccessKeyId=%s&Signature=%s",
      oss_base, path, expires, ACCESS_KEY_ID, escaped);
}

void
emu_oss_reply_error (SoupServerMessage * msg, guint status,
    const char *code, const char *message, const char *extra_xml)
{
  g_autofree char *request_id = g_uuid_string_random ();
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char *body;

  body = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Error>\n"
      "  <Code>%s</Code>\n"
      "  <Message>%s</Message>\n"
      "  <RequestId>%s</RequestId>\n"
      "  <HostId>127.0.0.1</HostId>\n"
      "%s"
      "</Error>\n", code, escaped, request_id, extra_xml ? extra_xml : "");
  soup_message_headers_replace (headers, "x-oss-request-id", request_id);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/xml",
      SOUP_MEMORY_TAKE, body, strlen (body));
}

/* ---- checksums */

/* Computed checksums by file identity, so that a --result-file linked for
 * every task is hashed once. */
static GMutex checksum_lock;
static GHashTable *checksum_cache;      /* "dev:ino:size:mtime" -> guint64* */

static char *
checksum_path (const char *results_dir, const char *name)
{
  g_autofree char *hidden = g_strdup_printf (".%s.crc64", name);

  /* A leading dot: never served (see emu_results_serve). */
  return g_build_filename (results_dir, hidden, NULL);
}

/* Reads the data and skips the holes of a sparse file (--result-size
 * pads with a hole): a 1 GB padded result is hashed in the time of its
 * few MB of data. */
static gboolean
crc64_of_file (const char *path, guint64 * crc, GError ** error)
{
  g_autofree guint8 *buffer = g_malloc (1024 * 1024);
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  GStatBuf st;
  goffset pos = 0;

  if (fd < 0 || fstat (fd, &st) != 0) {
    int err = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "%s: %s", path, g_strerror (err));
    if (fd >= 0)
      close (fd);
    return FALSE;
  }
  *crc = WANR2V_CRC64_INIT;
  while (pos < st.st_size) {
    off_t data = lseek (fd, pos, SEEK_DATA);
    off_t hole;

    if (data < 0 && errno == ENXIO)
      data = st.st_size;        /* a hole to the end */
    else if (data < 0)
      data = pos;               /* no hole support: all data */
    if (data > pos) {
      *crc = wanr2v_crc64_zeros (*crc, data - pos);
      pos = data;
      continue;
    }
    hole = lseek (fd, pos, SEEK_HOLE);
    if (hole <= pos)
      hole = st.st_size;
    while (pos < hole) {
      gssize n = pread (fd, buffer, MIN (1024 * 1024, hole - pos), pos);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        int err = n < 0 ? errno : EIO;

        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
            "%s: %s", path, g_strerror (err));
        close (fd);
        return FALSE;
      }
      *crc = wanr2v_crc64_update (*crc, buffer, n);
      pos += n;
    }
  }
  close (fd);
  return TRUE;
}

gboolean
emu_results_store_checksum (const char *results_dir, const char *name,
    GError ** error)
{
  g_autofree char *path = g_build_filename (results_dir, name, NULL);
  g_autofree char *sidecar = checksum_path (results_dir, name);
  g_autofree char *id = NULL;
  g_autofree char *text = NULL;
  guint64 *cached, crc;
  GStatBuf st;

  if (g_stat (path, &st) != 0) {
    int err = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "%s: %s", path, g_strerror (err));
    return FALSE;
  }
  id = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%"
      G_GINT64_FORMAT ":%" G_GINT64_FORMAT, (guint64) st.st_dev,
      (guint64) st.st_ino, (gint64) st.st_size, (gint64) st.st_mtime);
  g_mutex_lock (&checksum_lock);
  if (checksum_cache == NULL)
    checksum_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        g_free);
  cached = g_hash_table_lookup (checksum_cache, id);
  if (cached)
    crc = *cached;
  g_mutex_unlock (&checksum_lock);

  if (cached == NULL) {
    if (!crc64_of_file (path, &crc, error))
      return FALSE;
    g_mutex_lock (&checksum_lock);
    g_hash_table_replace (checksum_cache, g_steal_pointer (&id),
        g_memdup2 (&crc, sizeof (crc)));
    g_mutex_unlock (&checksum_lock);
  }
  text = g_strdup_printf ("%" G_GUINT64_FORMAT, crc);
  return g_file_set_contents (sidecar, text, -1, error);
}

/* The object's x-oss-hash-crc64ecma, or NULL when none was stored. */
static char *
stored_checksum (const char *results_dir, const char *name)
{
  g_autofree char *sidecar = checksum_path (results_dir, name);
  char *text = NULL;

  if (!g_file_get_contents (sidecar, &text, NULL, NULL))
    return NULL;
  return text;
}

void
emu_results_reply_html (SoupServerMessage * msg, gsize size)
{
  static const char head[] = "<!DOCTYPE html>\n<html><head><title>Network "
      "login</title></head>\n<body><h1>Sign in to continue</h1>\n"
      "<p>Your network requires you to sign in before you can reach "
      "the internet.</p>\n<!-- ";
  static const char tail[] = " -->\n</body></html>\n";
  GString *page = g_string_sized_new (size);

  g_string_append_len (page, head, MIN (size, sizeof (head) - 1));
  while (page->len + sizeof (tail) - 1 < size)
    g_string_append_c (page, 'x');
  if (page->len < size)
    g_string_append_len (page, tail, size - page->len);
  /* A portal ignores Range; so must libsoup's own range handling. */
  soup_message_headers_remove (soup_server_message_get_request_headers (msg),
      "Range");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8",
      SOUP_MEMORY_TAKE, g_string_free (page, FALSE), size);
}

/* ---- serving */

typedef enum
{
  RANGE_NONE,                   /* no usable Range: the whole file */
  RANGE_OK,
  RANGE_UNSATISFIABLE,
} RangeResult;

static gboolean
parse_offset (const char *text, goffset * value)
{
  char *end = NULL;
  guint64 v;

  if (!g_ascii_isdigit (*text))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoull (text, &end, 10);
  if (errno != 0 || *end != '\0' || v > G_MAXINT64)
    return FALSE;
  *value = (goffset) v;
  return TRUE;
}

/* Like OSS: one range only; a malformed or multi-range header is ignored
 * and the whole object is served. */
static RangeResult
parse_range (const char *header, goffset size, goffset * start,
    goffset * end)
{
  g_autofree char *spec = NULL;
  g_autofree char *first = NULL;
  const char *dash;
  goffset a, b;

  if (header == NULL || g_ascii_strncasecmp (header, "bytes=", 6) != 0)
    return RANGE_NONE;
  spec = g_strstrip (g_strdup (header + 6));
  if (strchr (spec, ',') != NULL)
    return RANGE_NONE;
  dash = strchr (spec, '-');
  if (dash == NULL)
    return RANGE_NONE;
  first = g_strstrip (g_strndup (spec, dash - spec));

  if (*first == '\0') {
    /* bytes=-N: the last N bytes. */
    if (!parse_offset (g_strstrip ((char *) dash + 1), &b))
      return RANGE_NONE;
    if (b == 0 || size == 0)
      return RANGE_UNSATISFIABLE;
    *start = size > b ? size - b : 0;
    *end = size - 1;
    return RANGE_OK;
  }

  if (!parse_offset (first, &a))
    return RANGE_NONE;
  if (dash[1] == '\0') {
    b = G_MAXINT64;
  } else if (!parse_offset (g_strstrip ((char *) dash + 1), &b) || b < a) {
    return RANGE_NONE;
  }
  if (a >= size)
    return RANGE_UNSATISFIABLE;
  *start = a;
  *end = MIN (b, size - 1);
  return RANGE_OK;
}

/* Compares without leaking where the first difference is. */
static int
constant_time_compare (const char *a, const char *b)
{
  gsize i, n = strlen (a);
  guint8 diff = 0;

  for (i = 0; i < n; i++)
    diff |= (guint8) a[i] ^ (guint8) b[i];
  return diff;
}

void
emu_results_reply_expired (SoupServerMessage * msg, const char *expires)
{
  g_autofree char *server_time = NULL;
  g_autofree char *expires_time = NULL;
  g_autofree char *extra = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = NULL;
  gint64 expires_s;

  if (expires != NULL && g_ascii_string_to_signed (expires, 10, 0,
          G_MAXINT64, &expires_s, NULL))
    then = g_date_time_new_from_unix_utc (expires_s);
  server_time = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  expires_time = then ? g_date_time_format (then, "%Y-%m-%dT%H:%M:%SZ")
      : g_strdup (expires ? expires : "");
  extra = g_strdup_printf ("  <Expires>%s</Expires>\n"
      "  <ServerTime>%s</ServerTime>\n", expires_time, server_time);
  emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied",
      "Request has expired.", extra);
}

static gboolean
check_signature (EmuResults * results, SoupServerMessage * msg,
    const char *path, GHashTable * query)
{
  const char *expires = query ? g_hash_table_lookup (query, "Expires") : NULL;
  const char *key_id = query ?
      g_hash_table_lookup (query, "OSSAccessKeyId") : NULL;
  const char *signature = query ?
      g_hash_table_lookup (query, "Signature") : NULL;
  g_autofree char *expected = NULL;
  gint64 expires_s = 0, now_s = g_get_real_time () / G_USEC_PER_SEC;

  if (expires == NULL || key_id == NULL || signature == NULL) {
    /* An unsigned request to a private bucket. */
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied",
        "You have no right to access this object because of bucket acl.",
        NULL);
    return FALSE;
  }
  if (!g_ascii_string_to_signed (expires, 10, 0, G_MAXINT64, &expires_s,
          NULL) || expires_s < now_s) {
    emu_results_reply_expired (msg, expires);
    return FALSE;
  }
  if (strcmp (key_id, ACCESS_KEY_ID) != 0) {
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "InvalidAccessKeyId",
        "The OSS Access Key Id you provided does not exist in our records.",
        NULL);
    return FALSE;
  }
  /* The query table holds the decoded value, i.e. the base64 text. */
  expected = signature_for (results, expires, path);
  if (strlen (expected) != strlen (signature)
      || constant_time_compare (expected, signature) != 0) {
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature "
        "you provided. Check your key and signing method.", NULL);
    return FALSE;
  }
  return TRUE;
}

void
emu_results_serve (EmuResults * results, SoupServerMessage * msg,
    const char *path, GHashTable * query, const EmuServeOptions * options)
{
  const char *method = soup_server_message_get_method (msg);
  const char *name = path + strlen ("/results/");
  SoupMessageHeaders *req_headers =
      soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *headers =
      soup_server_message_get_response_headers (msg);
  g_autofree char *file_path = NULL;
  g_autofree char *request_id = g_uuid_string_random ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) mtime = NULL;
  g_autofree char *last_modified = NULL;
  g_autofree char *crc64 = NULL;
  GStatBuf st;
  goffset size, start = 0, end = 0;
  RangeResult range;

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    emu_oss_reply_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
        "MethodNotAllowed", "The specified method is not allowed against "
        "this resource.", NULL);
    return;
  }
  if (!check_signature (results, msg, path, query))
    return;

  if (*name == '\0' || strchr (name, '/') != NULL || name[0] == '.') {
    emu_oss_reply_error (msg, SOUP_STATUS_NOT_FOUND, "NoSuchKey",
        "The specified key does not exist.", NULL);
    return;
  }
  file_path = g_build_filename (results->dir, name, NULL);
  if (g_stat (file_path, &st) != 0 || !S_ISREG (st.st_mode)) {
    emu_oss_reply_error (msg, SOUP_STATUS_NOT_FOUND, "NoSuchKey",
        "The specified key does not exist.", NULL);
    return;
  }
  size = st.st_size;

  soup_message_headers_replace (headers, "x-oss-request-id", request_id);
  soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  soup_message_headers_replace (headers, "Content-Type", "video/mp4");
  mtime = g_date_time_new_from_unix_utc (st.st_mtime);
  last_modified = soup_date_time_to_string (mtime, SOUP_DATE_HTTP);
  soup_message_headers_replace (headers, "Last-Modified", last_modified);
  /* OSS sends the whole object's CRC-64 with every reply, ranges too. */
  crc64 = stored_checksum (results->dir, name);
  if (crc64)
    soup_message_headers_replace (headers, "x-oss-hash-crc64ecma", crc64);

  range = parse_range (soup_message_headers_get_one (req_headers, "Range"),
      size, &start, &end);
  if (options->ignore_range)
    range = RANGE_NONE;
  if (options->wrong_range && range == RANGE_OK) {
    start = 0;
    end = size - 1;
  }
  if (range == RANGE_UNSATISFIABLE) {
    g_autofree char *content_range = g_strdup_printf ("bytes */%"
        G_GOFFSET_FORMAT, size);

    emu_oss_reply_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
        "InvalidRange", "The requested range is not satisfiable", NULL);
    soup_message_headers_replace (headers, "Content-Range", content_range);
    return;
  }
  if (range == RANGE_NONE) {
    start = 0;
    end = size - 1;
    /* Keep libsoup's own Range handling (which would answer multi-range
     * requests with multipart/byteranges) out of the way. */
    soup_message_headers_remove (req_headers, "Range");
    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  } else {
    soup_message_headers_set_content_range (headers, start, end, size);
    soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
  }

  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CONTENT_LENGTH);
  soup_message_headers_set_content_length (headers,
      size == 0 ? 0 : end - start + 1);
  if (method == SOUP_METHOD_HEAD || size == 0)
    return;

  if (!emu_body_send_file (msg, file_path, start, end, &options->body,
          &error)) {
    soup_message_headers_remove (headers, "Content-Range");
    soup_message_headers_remove (headers, "Content-Length");
    emu_oss_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
        "InternalError", "The object cannot be read.", NULL);
  }
}
