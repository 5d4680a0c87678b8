/* test-emu-uploads.c: temporary uploads (getPolicy, the OSS form POST) and
 * oss:// references that use them. */
#include "emu-test-util.h"

#include <string.h>

static EmuFixture *fixture;

typedef struct
{
  char *policy, *signature, *upload_dir, *upload_host, *access_key_id;
} Policy;

static void
policy_clear (Policy * p)
{
  g_free (p->policy);
  g_free (p->signature);
  g_free (p->upload_dir);
  g_free (p->upload_host);
  g_free (p->access_key_id);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Policy, policy_clear)

static void
get_policy (EmuFixture * f, const char *model, Policy * p)
{
  g_autofree char *path = g_strdup_printf ("/uploads?action=getPolicy"
      "&model=%s", model);
  g_autoptr (EmuReply) reply = emu_api (f, "GET", path, NULL);
  JsonObject *data;

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_false (json_object_has_member (emu_reply_object (reply),
          "output"));
  data = json_object_get_object_member (emu_reply_object (reply), "data");
  p->policy = g_strdup (json_object_get_string_member (data, "policy"));
  p->signature = g_strdup (json_object_get_string_member (data, "signature"));
  p->upload_dir = g_strdup (json_object_get_string_member (data,
          "upload_dir"));
  p->upload_host = g_strdup (json_object_get_string_member (data,
          "upload_host"));
  p->access_key_id = g_strdup (json_object_get_string_member (data,
          "oss_access_key_id"));
  g_assert_cmpint (json_object_get_int_member (data, "expire_in_seconds"), >=,
      0);
  g_assert_cmpint (json_object_get_int_member (data, "max_file_size_mb"), ==,
      100);
  g_assert_cmpstr (json_object_get_string_member (data, "x_oss_object_acl"),
      ==, "private");
  g_assert_cmpstr (json_object_get_string_member (data,
          "x_oss_forbid_overwrite"), ==, "true");
}

/* Posts the form in the documented field order, with @bytes as the file
 * @file_name; @auth adds an Authorization header (a client bug). */
static EmuReply *
upload_bytes (const Policy * p, const char *key, const char *file_name,
    GBytes * bytes, const char *success_status, gboolean auth)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  SoupMultipart *form;
  EmuReply *reply;

  form = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  soup_multipart_append_form_string (form, "OSSAccessKeyId",
      p->access_key_id);
  soup_multipart_append_form_string (form, "Signature", p->signature);
  soup_multipart_append_form_string (form, "policy", p->policy);
  soup_multipart_append_form_string (form, "key", key);
  soup_multipart_append_form_string (form, "x-oss-object-acl", "private");
  soup_multipart_append_form_string (form, "x-oss-forbid-overwrite", "true");
  if (success_status)
    soup_multipart_append_form_string (form, "success_action_status",
        success_status);
  soup_multipart_append_form_string (form, "x-oss-content-type", "image/png");
  soup_multipart_append_form_file (form, "file", file_name, "image/png",
      bytes);
  msg = soup_message_new_from_multipart (p->upload_host, form);
  soup_multipart_free (form);
  if (auth)
    soup_message_headers_append (soup_message_get_request_headers (msg),
        "Authorization", "Bearer test-key");

  reply = g_new0 (EmuReply, 1);
  reply->body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (msg);
  reply->headers =
      soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

/* The same with @file_name's bytes from $WANR2V_TEST_DATA. */
static EmuReply *
upload (const Policy * p, const char *key, const char *file_name,
    const char *success_status, gboolean auth)
{
  g_autofree char *path = g_build_filename (g_getenv ("WANR2V_TEST_DATA"),
      file_name, NULL);
  g_autofree char *data = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  return upload_bytes (p, key, file_name, bytes, success_status, auth);
}

static gboolean
body_contains (EmuReply * reply, const char *text)
{
  g_autofree char *body = g_strndup (g_bytes_get_data (reply->body, NULL),
      g_bytes_get_size (reply->body));

  return strstr (body, text) != NULL;
}

static void
test_policy_errors (void)
{
  g_autoptr (EmuReply) no_model = emu_api (fixture, "GET",
      "/uploads?action=getPolicy", NULL);
  g_autoptr (EmuReply) bad_model = emu_api (fixture, "GET",
      "/uploads?action=getPolicy&model=qwen-max", NULL);
  g_autofree char *url = g_strconcat (emu_fixture_base_url (fixture),
      "/uploads?action=getPolicy&model=wan2.7-r2v", NULL);
  g_autoptr (EmuReply) no_auth = emu_http ("GET", url, NULL, NULL, NULL);

  g_assert_cmpuint (no_model->status, ==, 400);
  g_assert_cmpuint (bad_model->status, ==, 400);
  g_assert_cmpstr (emu_reply_string (bad_model, "message"), ==,
      "Model not exist.");
  g_assert_cmpuint (no_auth->status, ==, 401);
}

static void
test_upload_and_use (void)
{
  g_auto (Policy) p = { 0, };
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  g_autofree char *read_back = NULL;
  g_autoptr (EmuReply) first = NULL;
  g_autoptr (EmuReply) again = NULL;
  g_autoptr (EmuReply) with_204 = NULL;
  g_autoptr (EmuReply) created = NULL;
  g_autoptr (EmuReply) done = NULL;
  g_autoptr (EmuReply) refused = NULL;
  g_autoptr (EmuReply) no_header = NULL;
  g_autofree char *key2 = NULL;
  const char *headers[] = { "Authorization", "Bearer test-key",
    "X-DashScope-Async", "enable", "X-DashScope-OssResourceResolve",
    "enable", NULL
  };
  g_autofree char *create_url = g_strconcat (emu_fixture_base_url (fixture),
      "/services/aigc/video-generation/video-synthesis", NULL);

  get_policy (fixture, "wan2.7-r2v", &p);
  /* A different host (port) than the API. */
  g_assert_false (g_str_has_prefix (emu_fixture_base_url (fixture),
          p.upload_host));

  key = g_strdup_printf ("%s/red.png", p.upload_dir);
  first = upload (&p, key, "red.png", "200", FALSE);
  g_assert_cmpuint (first->status, ==, 200);

  /* x-oss-forbid-overwrite: the same key again is refused. */
  again = upload (&p, key, "red.png", "200", FALSE);
  g_assert_cmpuint (again->status, ==, 409);
  g_assert_true (body_contains (again, "<Code>FileAlreadyExists</Code>"));
  g_assert_nonnull (soup_message_headers_get_one (again->headers,
          "x-oss-request-id"));
  {
    g_autoptr (JsonObject) rec = emu_last_request (fixture, "POST", "/");

    g_assert_cmpstr (json_object_get_string_member (rec, "key"), ==, key);
    g_assert_cmpstr (json_object_get_string_member (rec, "form_fields"), ==,
        "OSSAccessKeyId,Signature,policy,key,x-oss-object-acl,"
        "x-oss-forbid-overwrite,success_action_status,x-oss-content-type,"
        "file");
  }

  /* Without success_action_status OSS answers 204. */
  key2 = g_strdup_printf ("%s/green.png", p.upload_dir);
  with_204 = upload (&p, key2, "magenta.png", NULL, FALSE);
  g_assert_cmpuint (with_204->status, ==, 204);

  /* Files cannot be read back. */
  read_back = g_strdup_printf ("%s/%s", p.upload_host, key);
  refused = emu_http ("GET", read_back, NULL, NULL, NULL);
  g_assert_cmpuint (refused->status, ==, 403);

  body = g_strdup_printf ("{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":"
      "\"Image 1 and Image 2\",\"media\":[{\"type\":\"reference_image\","
      "\"url\":\"oss://%s\"},{\"type\":\"reference_image\",\"url\":"
      "\"oss://%s\"}]},\"parameters\":{\"resolution\":\"720P\","
      "\"duration\":2}}", key, key2);
  no_header = emu_api (fixture, "POST",
      "/services/aigc/video-generation/video-synthesis", body);
  g_assert_cmpuint (no_header->status, ==, 400);
  g_assert_cmpstr (emu_reply_string (no_header, "code"), ==,
      "InvalidParameter.DataInspection");

  created = emu_http ("POST", create_url, headers, body, NULL);
  g_assert_cmpuint (created->status, ==, 200);
  id = g_strdup (json_object_get_string_member
      (json_object_get_object_member (emu_reply_object (created), "output"),
          "task_id"));
  done = emu_wait_status (fixture, id, "SUCCEEDED");
}

static void
test_upload_refusals (void)
{
  g_auto (Policy) p = { 0, };
  g_autofree char *key = NULL;
  g_autofree char *outside = g_strdup ("dashscope-instant/elsewhere/a.png");
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  g_autoptr (EmuReply) with_auth = NULL;
  g_autoptr (EmuReply) wrong_dir = NULL;
  g_autoptr (EmuReply) ok = NULL;
  g_autoptr (EmuReply) failed = NULL;
  g_autoptr (EmuReply) created = NULL;
  const char *headers[] = { "Authorization", "Bearer test-key",
    "X-DashScope-Async", "enable", "X-DashScope-OssResourceResolve",
    "enable", NULL
  };
  g_autofree char *create_url = g_strconcat (emu_fixture_base_url (fixture),
      "/services/aigc/video-generation/video-synthesis", NULL);
  JsonObject *out;

  get_policy (fixture, "wan2.6-r2v", &p);
  key = g_strdup_printf ("%s/red.png", p.upload_dir);

  with_auth = upload (&p, key, "red.png", "200", TRUE);
  g_assert_cmpuint (with_auth->status, ==, 400);

  wrong_dir = upload (&p, outside, "red.png", "200", FALSE);
  g_assert_cmpuint (wrong_dir->status, ==, 403);
  g_assert_true (body_contains (wrong_dir, "Invalid according to Policy"));

  /* Uploaded for wan2.6-r2v: a wan2.7-r2v task cannot use it. */
  ok = upload (&p, key, "red.png", "200", FALSE);
  g_assert_cmpuint (ok->status, ==, 200);
  body = g_strdup_printf ("{\"model\":\"wan2.7-r2v\",\"input\":{\"prompt\":"
      "\"x\",\"media\":[{\"type\":\"reference_image\",\"url\":\"oss://%s\"}]},"
      "\"parameters\":{\"resolution\":\"720P\",\"duration\":2}}", key);
  created = emu_http ("POST", create_url, headers, body, NULL);
  g_assert_cmpuint (created->status, ==, 200);
  id = g_strdup (json_object_get_string_member
      (json_object_get_object_member (emu_reply_object (created), "output"),
          "task_id"));
  failed = emu_wait_status (fixture, id, "FAILED");
  out = json_object_get_object_member (emu_reply_object (failed), "output");
  g_assert_cmpstr (json_object_get_string_member (out, "code"), ==,
      "InvalidFile.DownloadFailed");
}

static void
test_policy_expired (void)
{
  const char *args[] = { "--policy-ttl", "0", NULL };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_auto (Policy) p = { 0, };
  g_autofree char *key = NULL;
  g_autoptr (EmuReply) reply = NULL;

  get_policy (f, "wan2.7-r2v", &p);
  key = g_strdup_printf ("%s/red.png", p.upload_dir);
  g_usleep (1100 * 1000);
  reply = upload (&p, key, "red.png", "200", FALSE);
  g_assert_cmpuint (reply->status, ==, 403);
  g_assert_true (body_contains (reply, "<Code>AccessDenied</Code>"));
  g_assert_true (body_contains (reply,
          "<Message>Invalid according to Policy: Policy expired.</Message>"));
}

/* Posts a form of exactly @fields (name, value, ... NULL) with red.png as
 * "file" after the field named @file_after (NULL: last). */
static EmuReply *
upload_fields (const Policy * p, const char *const *fields,
    const char *file_after)
{
  g_autofree char *path = emu_fixture_data_path ("red.png");
  g_autofree char *data = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  SoupMultipart *form;
  gboolean file_sent = FALSE;
  gsize len;
  EmuReply *reply;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  form = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  for (; *fields; fields += 2) {
    soup_multipart_append_form_string (form, fields[0], fields[1]);
    if (g_strcmp0 (fields[0], file_after) == 0) {
      soup_multipart_append_form_file (form, "file", "red.png", "image/png",
          bytes);
      file_sent = TRUE;
    }
  }
  if (!file_sent)
    soup_multipart_append_form_file (form, "file", "red.png", "image/png",
        bytes);
  msg = soup_message_new_from_multipart (p->upload_host, form);
  soup_multipart_free (form);

  reply = g_new0 (EmuReply, 1);
  reply->body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (msg);
  reply->headers =
      soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

/* OSS checks every condition of the policy: the form must repeat
 * x-oss-object-acl and x-oss-forbid-overwrite as the policy has them, so a
 * client cannot drop the protection against overwriting an object. */
static void
test_policy_conditions (void)
{
  g_auto (Policy) p = { 0, };
  g_autofree char *key = NULL;
  g_autofree char *json = NULL;
  g_autoptr (EmuReply) no_forbid = NULL;
  g_autoptr (EmuReply) allow_overwrite = NULL;
  g_autoptr (EmuReply) public_acl = NULL;
  g_autoptr (EmuReply) ok = NULL;
  gsize len;

  get_policy (fixture, "wan2.7-r2v", &p);
  json = (char *) g_base64_decode (p.policy, &len);
  g_assert_nonnull (strstr (json, "\"x-oss-forbid-overwrite\":\"true\""));
  g_assert_nonnull (strstr (json, "\"x-oss-object-acl\":\"private\""));
  key = g_strdup_printf ("%s/conditions/red.png", p.upload_dir);
  {
    const char *fields[] = { "OSSAccessKeyId", p.access_key_id, "Signature",
      p.signature, "policy", p.policy, "key", key, "x-oss-object-acl",
      "private", "success_action_status", "200", NULL
    };

    no_forbid = upload_fields (&p, fields, NULL);
  }
  g_assert_cmpuint (no_forbid->status, ==, 403);
  g_assert_true (body_contains (no_forbid, "<Code>AccessDenied</Code>"));
  g_assert_true (body_contains (no_forbid, "Policy Condition failed: "
          "[&quot;eq&quot;, &quot;$x-oss-forbid-overwrite&quot;, "
          "&quot;true&quot;]"));
  {
    const char *fields[] = { "OSSAccessKeyId", p.access_key_id, "Signature",
      p.signature, "policy", p.policy, "key", key, "x-oss-object-acl",
      "private", "x-oss-forbid-overwrite", "false", NULL
    };

    allow_overwrite = upload_fields (&p, fields, NULL);
  }
  g_assert_cmpuint (allow_overwrite->status, ==, 403);
  {
    const char *fields[] = { "OSSAccessKeyId", p.access_key_id, "Signature",
      p.signature, "policy", p.policy, "key", key, "x-oss-object-acl",
      "public-read", "x-oss-forbid-overwrite", "true", NULL
    };

    public_acl = upload_fields (&p, fields, NULL);
  }
  g_assert_cmpuint (public_acl->status, ==, 403);
  g_assert_true (body_contains (public_acl, "x-oss-object-acl"));
  {
    const char *fields[] = { "OSSAccessKeyId", p.access_key_id, "Signature",
      p.signature, "policy", p.policy, "key", key, "x-oss-object-acl",
      "private", "x-oss-forbid-overwrite", "true", "success_action_status",
      "201", NULL
    };

    ok = upload_fields (&p, fields, NULL);
  }
  /* 201 answers with OSS's PostResponse document. */
  g_assert_cmpuint (ok->status, ==, 201);
  g_assert_true (body_contains (ok, "<Key>"));
}

/* Fields after `file` are ignored, as by OSS: a key sent after the file
 * is no key.  The request log shows the fields in the order sent, and the
 * key, so that client tests can check them. */
static void
test_form_order (void)
{
  g_auto (Policy) p = { 0, };
  g_autofree char *key = NULL;
  g_autoptr (EmuReply) late_key = NULL;
  g_autoptr (JsonObject) rec = NULL;
  const char *fields[] = { "OSSAccessKeyId", NULL, "Signature", NULL,
    "policy", NULL, "x-oss-object-acl", "private", "x-oss-forbid-overwrite",
    "true", "key", NULL, NULL
  };

  get_policy (fixture, "wan2.7-r2v", &p);
  key = g_strdup_printf ("%s/order/red.png", p.upload_dir);
  fields[1] = p.access_key_id;
  fields[3] = p.signature;
  fields[5] = p.policy;
  fields[11] = key;
  late_key = upload_fields (&p, fields, "x-oss-forbid-overwrite");
  g_assert_cmpuint (late_key->status, ==, 400);
  g_assert_true (body_contains (late_key, "<Code>InvalidArgument</Code>"));
  g_assert_true (body_contains (late_key, "must contain a field named"));
  rec = emu_last_request (fixture, "POST", "/");
  g_assert_cmpstr (json_object_get_string_member (rec, "form_fields"), ==,
      "OSSAccessKeyId,Signature,policy,x-oss-object-acl,"
      "x-oss-forbid-overwrite,file");
  g_assert_false (json_object_has_member (rec, "key"));
}

/* ---- --upload-rate: the upload host reads bodies as over a WAN */

/* @size bytes of a pattern (the emulator stores, never decodes, them). */
static GBytes *
pattern_bytes (gsize size)
{
  guint8 *data = g_malloc (size);
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = (guint8) (i * 7);
  return g_bytes_new_take (data, size);
}

typedef struct
{
  const Policy *policy;
  char *key;
  GBytes *bytes;
  gint64 elapsed_us;
  guint status;
} TimedUpload;

/* Uploads @up's bytes and measures, on the client, how long the whole
 * exchange took. */
static gpointer
timed_upload (gpointer data)
{
  TimedUpload *up = data;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (EmuReply) reply = upload_bytes (up->policy, up->key, "big.bin",
      up->bytes, "200", FALSE);

  up->elapsed_us = g_get_monotonic_time () - start;
  up->status = reply->status;
  return NULL;
}

/* The body_us the request log has for the upload of @key. */
static gint64
logged_body_us (EmuFixture * f, const char *key)
{
  g_autoptr (JsonArray) log = emu_fixture_get_requests (f);
  guint i;

  for (i = 0; i < json_array_get_length (log); i++) {
    JsonObject *rec = json_array_get_object_element (log, i);

    if (g_strcmp0 (json_object_get_string_member_with_default (rec, "key",
                NULL), key) == 0)
      return json_object_get_int_member_with_default (rec, "body_us", -1);
  }
  g_assert_not_reached ();
  return -1;
}

/* 2 MiB at --upload-rate 1M take at least 2 s (1.8 s allowing for the
 * first burst), on the client's clock and in the emulator's log. */
static void
test_upload_rate_command_line (void)
{
  const char *args[] = { "--upload-rate", "1M", NULL };
  g_autoptr (EmuFixture) f = emu_fixture_start (args);
  g_auto (Policy) p = { 0, };
  g_autoptr (GBytes) bytes = pattern_bytes (2 * 1024 * 1024);
  TimedUpload up = { &p, NULL, bytes, 0, 0 };
  gint64 body_us;

  get_policy (f, "wan2.7-r2v", &p);
  up.key = g_strdup_printf ("%s/big.bin", p.upload_dir);
  timed_upload (&up);
  g_assert_cmpuint (up.status, ==, 200);
  g_assert_cmpint (up.elapsed_us, >=, 1800 * 1000);
  g_assert_cmpint (up.elapsed_us, <=, emu_fixture_scaled_us (4));
  body_us = logged_body_us (f, up.key);
  g_test_message ("2 MiB at 1M: %.3f s on the client, body %.3f s",
      up.elapsed_us / 1e6, body_us / 1e6);
  g_assert_cmpint (body_us, >=, 1800 * 1000);
  g_assert_cmpint (body_us, <=, up.elapsed_us);
  g_free (up.key);
}

/* Through the config endpoint: per connection, so two uploads at once
 * each get the whole rate; 0 lifts the limit. */
static void
test_upload_rate_config (void)
{
  g_autoptr (JsonObject) config = NULL;
  g_autoptr (JsonObject) off = NULL;
  g_auto (Policy) p = { 0, };
  g_autoptr (GBytes) bytes = pattern_bytes (1024 * 1024);
  TimedUpload a = { &p, NULL, bytes, 0, 0 };
  TimedUpload b = { &p, NULL, bytes, 0, 0 };
  TimedUpload fast = { &p, NULL, bytes, 0, 0 };
  GThread *ta, *tb;
  gint64 start, both_us;

  config = emu_fixture_set_config (fixture, "{\"upload_rate\": 1048576}");
  g_assert_cmpint (json_object_get_int_member (config, "upload_rate"), ==,
      1048576);
  get_policy (fixture, "wan2.7-r2v", &p);
  a.key = g_strdup_printf ("%s/a.bin", p.upload_dir);
  b.key = g_strdup_printf ("%s/b.bin", p.upload_dir);
  start = g_get_monotonic_time ();
  ta = g_thread_new ("upload-a", timed_upload, &a);
  tb = g_thread_new ("upload-b", timed_upload, &b);
  g_thread_join (ta);
  g_thread_join (tb);
  both_us = g_get_monotonic_time () - start;
  g_test_message ("1 MiB each at 1M: %.3f s and %.3f s, both %.3f s",
      a.elapsed_us / 1e6, b.elapsed_us / 1e6, both_us / 1e6);
  g_assert_cmpuint (a.status, ==, 200);
  g_assert_cmpuint (b.status, ==, 200);
  /* Each 1 MiB took about 1 s, and the two together not 2 s. */
  g_assert_cmpint (a.elapsed_us, >=, 900 * 1000);
  g_assert_cmpint (b.elapsed_us, >=, 900 * 1000);
  g_assert_cmpint (both_us, <, emu_fixture_scaled_us (1.8));

  off = emu_fixture_set_config (fixture, "{\"upload_rate\": 0}");
  g_assert_cmpint (json_object_get_int_member (off, "upload_rate"), ==, 0);
  fast.key = g_strdup_printf ("%s/fast.bin", p.upload_dir);
  timed_upload (&fast);
  g_assert_cmpuint (fast.status, ==, 200);
  g_assert_cmpint (fast.elapsed_us, <, 500 * 1000);
  g_free (a.key);
  g_free (b.key);
  g_free (fast.key);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  fixture = emu_fixture_start (NULL);
  g_test_add_func ("/emulator/uploads/policy-errors", test_policy_errors);
  g_test_add_func ("/emulator/uploads/upload-and-use", test_upload_and_use);
  g_test_add_func ("/emulator/uploads/refusals", test_upload_refusals);
  g_test_add_func ("/emulator/uploads/policy-expired", test_policy_expired);
  g_test_add_func ("/emulator/uploads/policy-conditions",
      test_policy_conditions);
  g_test_add_func ("/emulator/uploads/form-order", test_form_order);
  g_test_add_func ("/emulator/uploads/upload-rate/command-line",
      test_upload_rate_command_line);
  g_test_add_func ("/emulator/uploads/upload-rate/config",
      test_upload_rate_config);
  ret = g_test_run ();
  emu_fixture_stop (fixture);
  return ret;
}
