/* wanr2v-json-policy.c: the temporary upload policy reply
 * (GET /uploads?action=getPolicy).
 */
#include "wanr2v-json.h"
#include "wanr2v-json-read.h"
#include "wanr2v-error.h"

void
wanr2v_upload_policy_free (WanR2vUploadPolicy * policy)
{
  if (policy == NULL)
    return;
  g_free (policy->request_id);
  g_free (policy->policy);
  g_free (policy->signature);
  g_free (policy->upload_dir);
  g_free (policy->upload_host);
  g_free (policy->oss_access_key_id);
  g_free (policy->x_oss_object_acl);
  g_free (policy->x_oss_forbid_overwrite);
  g_free (policy);
}

static char *
dup_flag (JsonObject * object, const char *name)
{
  JsonNode *node = wanr2v_json_member (object, name);
  gboolean value;

  if (wanr2v_json_node_boolean (node, &value))
    return g_strdup (value ? "true" : "false");
  return g_strdup (wanr2v_json_node_string (node));
}

WanR2vUploadPolicy *
wanr2v_json_parse_upload_policy (const char *body, gssize length,
    GError ** error)
{
  static const char *const required[] = {
    "policy", "signature", "upload_dir", "upload_host", "oss_access_key_id",
  };
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (WanR2vUploadPolicy) policy = NULL;
  g_autofree char *why = NULL;
  JsonObject *root, *data;
  gsize i;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = wanr2v_json_load (body, length, &why);
  if (parser == NULL) {
    g_autofree char *excerpt = wanr2v_json_excerpt (body, length);

    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "upload policy reply is not JSON (%s): \"%s\"", why, excerpt);
    return NULL;
  }
  root = wanr2v_json_root_object (parser);
  data = wanr2v_json_get_object (root, "data");
  if (data == NULL) {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "upload policy reply has no data object");
    return NULL;
  }
  for (i = 0; i < G_N_ELEMENTS (required); i++) {
    const char *value = wanr2v_json_get_string (data, required[i]);

    if (value == NULL || *value == '\0') {
      g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
          "upload policy reply has no data.%s", required[i]);
      return NULL;
    }
  }
  /* We are about to send the file there: it must be a web address. */
  if (wanr2v_url_classify (wanr2v_json_get_string (data, "upload_host")) !=
      WANR2V_URL_HTTP) {
    g_autofree char *host =
        g_utf8_make_valid (wanr2v_json_get_string (data, "upload_host"), -1);

    g_set_error (error, WANR2V_ERROR, WANR2V_ERROR_PROTOCOL,
        "upload policy reply has upload_host \"%s\", not an http(s) URL",
        host);
    return NULL;
  }

  policy = g_new0 (WanR2vUploadPolicy, 1);
  policy->request_id = g_strdup (wanr2v_json_get_string (root, "request_id"));
  policy->policy = g_strdup (wanr2v_json_get_string (data, "policy"));
  policy->signature = g_strdup (wanr2v_json_get_string (data, "signature"));
  policy->upload_dir = g_strdup (wanr2v_json_get_string (data, "upload_dir"));
  policy->upload_host = g_strdup (wanr2v_json_get_string (data, "upload_host"));
  policy->oss_access_key_id = g_strdup (wanr2v_json_get_string (data,
          "oss_access_key_id"));
  policy->x_oss_object_acl =
      g_strdup (wanr2v_json_get_string (data, "x_oss_object_acl"));
  policy->x_oss_forbid_overwrite = dup_flag (data, "x_oss_forbid_overwrite");
  /* Numbers from the network, clamped before anyone computes with them
   * (seconds to microseconds, MB to bytes): a policy lives minutes, a
   * file is never a terabyte. */
  policy->expire_in_seconds =
      CLAMP (wanr2v_json_get_int64 (data, "expire_in_seconds", 0), 0,
      WANR2V_POLICY_MAX_EXPIRE_S);
  policy->max_file_size_mb =
      CLAMP (wanr2v_json_get_int64 (data, "max_file_size_mb", 0), 0,
      WANR2V_POLICY_MAX_MB);
  policy->capacity_limit_mb =
      CLAMP (wanr2v_json_get_int64 (data, "capacity_limit_mb", 0), 0,
      WANR2V_POLICY_MAX_CAPACITY_MB);
  return g_steal_pointer (&policy);
}