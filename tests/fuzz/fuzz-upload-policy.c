/* fuzz-upload-policy.c: the getPolicy reply of the temporary upload. */
#include "fuzz-common.h"
#include "wanr2v-json.h"
#include "wanr2v-request.h"

#include <string.h>

/* Policy fields go into a multipart form and into messages: UTF-8. */
static void
check_text (const char *what, const char *text)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    fuzz_fail ("%s is not UTF-8", what);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WanR2vUploadPolicy) policy = NULL;

  policy = wanr2v_json_parse_upload_policy ((const char *) data, size, &error);
  if ((policy == NULL) == (error == NULL))
    fuzz_fail ("parse_upload_policy returned %p with error %p", policy,
        error);
  if (policy == NULL) {
    check_text ("the error message", error->message);
    return 0;
  }

  /* What the uploader relies on: the required fields, and a host it may
   * send the file to. */
  if (policy->policy == NULL || policy->signature == NULL
      || policy->upload_dir == NULL || policy->oss_access_key_id == NULL)
    fuzz_fail ("a required policy field is missing");
  if (wanr2v_url_classify (policy->upload_host) != WANR2V_URL_HTTP)
    fuzz_fail ("upload_host \"%s\" is not http(s)", policy->upload_host);
  check_text ("request_id", policy->request_id);
  check_text ("policy", policy->policy);
  check_text ("signature", policy->signature);
  check_text ("upload_dir", policy->upload_dir);
  check_text ("upload_host", policy->upload_host);
  check_text ("oss_access_key_id", policy->oss_access_key_id);
  check_text ("x_oss_object_acl", policy->x_oss_object_acl);
  check_text ("x_oss_forbid_overwrite", policy->x_oss_forbid_overwrite);
  return 0;
}
