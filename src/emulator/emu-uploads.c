/* emu-uploads.c: temporary-file uploads: getPolicy, the OSS form upload and
 * oss:// resolution. */
#include "emu-uploads.h"

#include "emu-common.h"
#include "emu-request-log.h"
#include "emu-results.h"
#include "emu-validate.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define UPLOAD_ACCESS_KEY_ID "LTAI5tEmuUpl0adKeyId"
#define MAX_FILE_SIZE_MB 100
#define BUCKET "dashscope-instant"

struct _EmuUploads
{
  char *storage_dir;
  guint policy_ttl_s;
  guint8 secret[32];
  GHashTable *dir_models;       /* upload_dir -> model */
};

EmuUploads *
emu_uploads_new (const char *storage_dir, guint policy_ttl_s)
{
  EmuUploads *uploads = g_new0 (EmuUploads, 1);
  guint i;

  uploads->storage_dir = g_strdup (storage_dir);
  uploads->policy_ttl_s = policy_ttl_s;
  for (i = 0; i < G_N_ELEMENTS (uploads->secret); i += 4) {
    guint32 r = g_random_int ();

    memcpy (uploads->secret + i, &r, 4);
  }
  uploads->dir_models = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  return uploads;
}

void
emu_uploads_free (EmuUploads * uploads)
{
  if (uploads == NULL)
    return;
  g_free (uploads->storage_dir);
  g_hash_table_unref (uploads->dir_models);
  g_free (uploads);
}

void
emu_uploads_reset (EmuUploads * uploads)
{
  g_hash_table_remove_all (uploads->dir_models);
}

/* ---- object paths */

static gboolean
key_is_safe (const char *key)
{
  g_auto (GStrv) parts = NULL;
  guint i;

  if (key == NULL || *key == '\0' || key[0] == '/')
    return FALSE;
  parts = g_strsplit (key, "/", -1);
  for (i = 0; parts[i]; i++)
    if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0
        || strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

char *
emu_uploads_object_path (const char *storage_dir, const char *key)
{
  if (!key_is_safe (key))
    return NULL;
  return g_build_filename (storage_dir, "uploads", key, NULL);
}

static char *
object_meta_path (const char *storage_dir, const char *key)
{
  if (!key_is_safe (key))
    return NULL;
  return g_build_filename (storage_dir, "uploads-meta", key, NULL);
}

char *
emu_uploads_object_model (const char *storage_dir, const char *key)
{
  g_autofree char *path = object_meta_path (storage_dir, key);
  char *model = NULL;

  if (path == NULL || !g_file_get_contents (path, &model, NULL, NULL))
    return NULL;
  return model;
}

/* ---- getPolicy */

static char *
sign_policy (EmuUploads * uploads, const char *policy_b64)
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, uploads->secret,
      sizeof (uploads->secret));
  guint8 digest[20];
  gsize len = sizeof (digest);

  g_hmac_update (hmac, (const guchar *) policy_b64, -1);
  g_hmac_get_digest (hmac, digest, &len);
  return g_base64_encode (digest, len);
}

char *
emu_uploads_get_policy (EmuUploads * uploads, GHashTable * query,
    const char *upload_host, const char *request_id, gboolean expired,
    guint * status, char **code, char **message)
{
  const char *action = query ? g_hash_table_lookup (query, "action") : NULL;
  const char *model = query ? g_hash_table_lookup (query, "model") : NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonBuilder) p = json_builder_new ();
  g_autoptr (JsonNode) policy_node = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) expires = NULL;
  g_autofree char *expiration = NULL;
  g_autofree char *upload_dir = NULL;
  g_autofree char *policy_json = NULL;
  g_autofree char *policy_b64 = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *day = NULL;
  g_autofree char *uuid = g_uuid_string_random ();

  if (g_strcmp0 (action, "getPolicy") != 0) {
    *status = 400;
    *code = g_strdup ("InvalidParameter");
    *message = g_strdup ("url error, please check url!");
    return NULL;
  }
  if (model == NULL || *model == '\0') {
    *status = 400;
    *code = g_strdup ("BadRequest.EmptyModel");
    *message = g_strdup ("Required parameter \"model\" missing from request.");
    return NULL;
  }
  if (!emu_model_family (model, NULL)) {
    *status = 400;
    *code = g_strdup ("InvalidParameter");
    *message = g_strdup ("Model not exist.");
    return NULL;
  }

  expires = g_date_time_add_seconds (now,
      expired ? -1.0 : (double) uploads->policy_ttl_s);
  expiration = g_date_time_format (expires, "%Y-%m-%dT%H:%M:%S.000Z");
  day = g_date_time_format (now, "%Y-%m-%d");
  upload_dir = g_strdup_printf (BUCKET "/emulator/%s/%s", day, uuid);
  g_hash_table_replace (uploads->dir_models, g_strdup (upload_dir),
      g_strdup (model));

  /* An OSS POST policy, as the service hands out. */
  json_builder_begin_object (p);
  json_builder_set_member_name (p, "expiration");
  json_builder_add_string_value (p, expiration);
  json_builder_set_member_name (p, "conditions");
  json_builder_begin_array (p);
  json_builder_begin_array (p);
  json_builder_add_string_value (p, "content-length-range");
  json_builder_add_int_value (p, 0);
  json_builder_add_int_value (p, (gint64) MAX_FILE_SIZE_MB * 1024 * 1024);
  json_builder_end_array (p);
  json_builder_begin_array (p);
  json_builder_add_string_value (p, "starts-with");
  json_builder_add_string_value (p, "$key");
  json_builder_add_string_value (p, upload_dir);
  json_builder_end_array (p);
  json_builder_begin_object (p);
  json_builder_set_member_name (p, "bucket");
  json_builder_add_string_value (p, BUCKET);
  json_builder_end_object (p);
  /* The form must repeat these, so a client cannot drop the protection
   * against overwriting (OSS checks every condition of a policy). */
  json_builder_begin_object (p);
  json_builder_set_member_name (p, "x-oss-object-acl");
  json_builder_add_string_value (p, "private");
  json_builder_end_object (p);
  json_builder_begin_object (p);
  json_builder_set_member_name (p, "x-oss-forbid-overwrite");
  json_builder_add_string_value (p, "true");
  json_builder_end_object (p);
  json_builder_end_array (p);
  json_builder_end_object (p);
  policy_node = json_builder_get_root (p);
  policy_json = emu_json_to_string (policy_node);
  policy_b64 = g_base64_encode ((const guchar *) policy_json,
      strlen (policy_json));
  signature = sign_policy (uploads, policy_b64);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "request_id");
  json_builder_add_string_value (b, request_id);
  json_builder_set_member_name (b, "data");
  json_builder_begin_object (b);
#define ADD_STRING(name, value) \
  json_builder_set_member_name (b, name); \
  json_builder_add_string_value (b, value)
#define ADD_INT(name, value) \
  json_builder_set_member_name (b, name); \
  json_builder_add_int_value (b, value)
  ADD_STRING ("policy", policy_b64);
  ADD_STRING ("signature", signature);
  ADD_STRING ("upload_dir", upload_dir);
  ADD_STRING ("upload_host", upload_host);
  ADD_INT ("expire_in_seconds", uploads->policy_ttl_s);
  ADD_INT ("max_file_size_mb", MAX_FILE_SIZE_MB);
  ADD_INT ("capacity_limit_mb", 999999999);
  ADD_STRING ("oss_access_key_id", UPLOAD_ACCESS_KEY_ID);
  ADD_STRING ("x_oss_object_acl", "private");
  ADD_STRING ("x_oss_forbid_overwrite", "true");
#undef ADD_STRING
#undef ADD_INT
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  *status = 200;
  return emu_json_to_string (root);
}

/* ---- the form upload */

typedef struct
{
  const char *access_key_id, *signature, *policy, *key, *acl,
      *forbid_overwrite, *success_status, *content_type;
  GBytes *file;
  GHashTable *fields;           /* every field before file, by lower-case
                                 * name: what policy conditions look at */
  GString *names;               /* every field name as sent, in order */
} UploadForm;

static const char *
bytes_as_string (GBytes * bytes, GPtrArray * keep)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  char *s = g_strndup (data, len);

  g_ptr_array_add (keep, s);
  return s;
}

/* OSS reads the form fields up to `file` and ignores what follows. */
static gboolean
read_form (SoupMultipart * multipart, UploadForm * form, GPtrArray * keep)
{
  int i;

  for (i = 0; i < soup_multipart_get_length (multipart); i++) {
    SoupMessageHeaders *headers;
    GBytes *body;
    g_autofree char *disposition = NULL;
    g_autoptr (GHashTable) params = NULL;
    const char *name;

    if (!soup_multipart_get_part (multipart, i, &headers, &body))
      continue;
    if (!soup_message_headers_get_content_disposition (headers,
            &disposition, &params))
      continue;
    name = g_hash_table_lookup (params, "name");
    if (name == NULL)
      continue;
    g_string_append_printf (form->names, "%s%s", form->names->len ? "," : "",
        name);
    if (g_ascii_strcasecmp (name, "file") == 0) {
      form->file = body;
      return TRUE;
    }
    g_hash_table_replace (form->fields, g_ascii_strdown (name, -1),
        (char *) bytes_as_string (body, keep));
#define FIELD(field, member) \
    if (g_ascii_strcasecmp (name, field) == 0) \
      form->member = bytes_as_string (body, keep)
    FIELD ("OSSAccessKeyId", access_key_id);
    FIELD ("Signature", signature);
    FIELD ("policy", policy);
    FIELD ("key", key);
    FIELD ("x-oss-object-acl", acl);
    FIELD ("x-oss-forbid-overwrite", forbid_overwrite);
    FIELD ("success_action_status", success_status);
    FIELD ("x-oss-content-type", content_type);
#undef FIELD
  }
  return FALSE;
}

/* A condition {"name": "value"}: the form field must be there, equal
 * (OSS's exact match; "bucket" is the host's own, not a field). */
static gboolean
check_exact_conditions (SoupServerMessage * msg, const UploadForm * form,
    JsonObject * cond)
{
  g_autoptr (GList) members = json_object_get_members (cond);
  GList *l;

  for (l = members; l; l = l->next) {
    const char *name = l->data;
    g_autofree char *lower = g_ascii_strdown (name, -1);
    const char *want = json_object_get_string_member_with_default (cond,
        name, "");
    const char *got = g_hash_table_lookup (form->fields, lower);

    if (strcmp (lower, "bucket") == 0)
      continue;
    if (g_strcmp0 (got, want) != 0) {
      g_autofree char *text = g_strdup_printf ("Invalid according to "
          "Policy: Policy Condition failed: [\"eq\", \"$%s\", \"%s\"]",
          name, want);

      emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied", text,
          NULL);
      return FALSE;
    }
  }
  return TRUE;
}

/* Checks the policy's expiration and conditions against the form. */
static gboolean
check_policy (EmuUploads * uploads, SoupServerMessage * msg,
    const UploadForm * form, char **upload_dir)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree guchar *json = NULL;
  g_autoptr (GDateTime) expiration = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  JsonObject *policy;
  JsonArray *conditions;
  gsize json_len = 0;
  guint i;

  json = g_base64_decode (form->policy, &json_len);
  if (json_len == 0 || !json_parser_load_from_data (parser,
          (const char *) json, json_len, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    emu_oss_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidPolicyDocument",
        "Invalid Policy: Invalid JSON.", NULL);
    return FALSE;
  }
  policy = json_node_get_object (json_parser_get_root (parser));
  expiration = g_date_time_new_from_iso8601
      (json_object_get_string_member_with_default (policy, "expiration", ""),
      NULL);
  if (expiration == NULL || g_date_time_compare (expiration, now) < 0) {
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied",
        "Invalid according to Policy: Policy expired.", NULL);
    return FALSE;
  }

  conditions = json_object_get_array_member (policy, "conditions");
  for (i = 0; conditions && i < json_array_get_length (conditions); i++) {
    JsonNode *node = json_array_get_element (conditions, i);
    JsonArray *cond;

    if (JSON_NODE_HOLDS_OBJECT (node)) {
      if (!check_exact_conditions (msg, form, json_node_get_object (node)))
        return FALSE;
      continue;
    }
    if (!JSON_NODE_HOLDS_ARRAY (node))
      continue;
    cond = json_node_get_array (node);
    if (json_array_get_length (cond) != 3)
      continue;
    if (g_strcmp0 (json_array_get_string_element (cond, 0), "starts-with")
        == 0 && g_strcmp0 (json_array_get_string_element (cond, 1),
            "$key") == 0) {
      const char *prefix = json_array_get_string_element (cond, 2);

      if (!g_str_has_prefix (form->key, prefix)) {
        g_autofree char *text = g_strdup_printf ("Invalid according to "
            "Policy: Policy Condition failed: [\"starts-with\", \"$key\", "
            "\"%s\"]", prefix);

        emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied", text,
            NULL);
        return FALSE;
      }
      *upload_dir = g_strdup (prefix);
    } else if (g_strcmp0 (json_array_get_string_element (cond, 0),
            "content-length-range") == 0) {
      gint64 min = json_array_get_int_element (cond, 1);
      gint64 max = json_array_get_int_element (cond, 2);
      gint64 size = (gint64) g_bytes_get_size (form->file);

      if (size < min) {
        emu_oss_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size.",
            NULL);
        return FALSE;
      }
      if (size > max) {
        emu_oss_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size.", NULL);
        return FALSE;
      }
    }
  }
  if (*upload_dir == NULL) {
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied",
        "Invalid according to Policy: no key condition.", NULL);
    return FALSE;
  }
  return TRUE;
}

static gboolean
store_object (EmuUploads * uploads, SoupServerMessage * msg,
    const UploadForm * form, const char *model)
{
  g_autofree char *path = emu_uploads_object_path (uploads->storage_dir,
      form->key);
  g_autofree char *meta = object_meta_path (uploads->storage_dir, form->key);
  g_autofree char *dir = NULL;
  g_autofree char *meta_dir = NULL;
  g_autoptr (GError) error = NULL;

  if (path == NULL) {
    emu_oss_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidObjectName",
        "The specified object is not valid.", NULL);
    return FALSE;
  }
  if (g_file_test (path, G_FILE_TEST_EXISTS)
      && g_ascii_strcasecmp (form->forbid_overwrite ?
          form->forbid_overwrite : "false", "true") == 0) {
    emu_oss_reply_error (msg, SOUP_STATUS_CONFLICT, "FileAlreadyExists",
        "The object you specified already exists and can not be "
        "overwritten.", NULL);
    return FALSE;
  }
  dir = g_path_get_dirname (path);
  meta_dir = g_path_get_dirname (meta);
  g_mkdir_with_parents (dir, 0700);
  g_mkdir_with_parents (meta_dir, 0700);
  if (!g_file_set_contents (path, g_bytes_get_data (form->file, NULL),
          g_bytes_get_size (form->file), &error)
      || !g_file_set_contents (meta, model ? model : "", -1, &error)) {
    emu_oss_reply_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
        "InternalError", error->message, NULL);
    return FALSE;
  }
  return TRUE;
}

void
emu_uploads_handle_post (EmuUploads * uploads, SoupServerMessage * msg)
{
  SoupMessageHeaders *req_headers =
      soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *headers =
      soup_server_message_get_response_headers (msg);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *expected = NULL;
  g_autofree char *upload_dir = NULL;
  g_autofree char *request_id = g_uuid_string_random ();
  SoupMultipart *multipart;
  UploadForm form = { 0, };
  g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, NULL);
  g_autoptr (GString) names = g_string_new (NULL);
  const char *model;
  guint status;

  /* The OSS host knows nothing of DashScope keys: a Bearer key there is a
   * malformed OSS signature. */
  if (soup_message_headers_get_one (req_headers, "Authorization") != NULL) {
    emu_oss_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidArgument",
        "Authorization header is invalid.", NULL);
    return;
  }

  body = soup_message_body_flatten (soup_server_message_get_request_body
      (msg));
  multipart = soup_multipart_new_from_message (req_headers, body);
  if (multipart == NULL) {
    emu_oss_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidArgument",
        "The body of your POST request is not well-formed "
        "multipart/form-data.", NULL);
    return;
  }
  form.fields = fields;
  form.names = names;
  if (!read_form (multipart, &form, keep)) {
    emu_request_log_note (msg, "form_fields", names->str);
    soup_multipart_free (multipart);
    emu_oss_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidArgument",
        "The file field must be the last field of the form, and is "
        "missing.", NULL);
    return;
  }

  /* For tests of clients: which fields, in which order (OSS itself only
   * needs file last), and the key. */
  emu_request_log_note (msg, "form_fields", names->str);
  if (form.key)
    emu_request_log_note (msg, "key", form.key);
  if (form.key == NULL || *form.key == '\0') {
    emu_oss_reply_error (msg, SOUP_STATUS_BAD_REQUEST, "InvalidArgument",
        "Bucket POST must contain a field named 'key'.", NULL);
    goto out;
  }
  if (form.policy == NULL || form.signature == NULL
      || form.access_key_id == NULL) {
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "AccessDenied",
        "Bucket POST must contain the fields 'OSSAccessKeyId', 'policy' and "
        "'Signature'.", NULL);
    goto out;
  }
  if (strcmp (form.access_key_id, UPLOAD_ACCESS_KEY_ID) != 0) {
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "InvalidAccessKeyId",
        "The OSS Access Key Id you provided does not exist in our records.",
        NULL);
    goto out;
  }
  expected = sign_policy (uploads, form.policy);
  if (strcmp (expected, form.signature) != 0) {
    emu_oss_reply_error (msg, SOUP_STATUS_FORBIDDEN, "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature "
        "you provided. Check your key and signing method.", NULL);
    goto out;
  }
  if (!check_policy (uploads, msg, &form, &upload_dir))
    goto out;

  model = g_hash_table_lookup (uploads->dir_models, upload_dir);
  if (!store_object (uploads, msg, &form, model))
    goto out;

  soup_message_headers_replace (headers, "x-oss-request-id", request_id);
  status = 204;
  if (form.success_status != NULL) {
    if (strcmp (form.success_status, "200") == 0)
      status = 200;
    else if (strcmp (form.success_status, "201") == 0)
      status = 201;
  }
  soup_server_message_set_status (msg, status, NULL);
  if (status == 201) {
    g_autofree char *xml = g_strdup_printf ("<?xml version=\"1.0\" "
        "encoding=\"UTF-8\"?>\n<PostResponse>\n  <Bucket>" BUCKET
        "</Bucket>\n  <Key>%s</Key>\n</PostResponse>\n", form.key);

    soup_server_message_set_response (msg, "application/xml",
        SOUP_MEMORY_COPY, xml, strlen (xml));
  }

out:
  soup_multipart_free (multipart);
}
