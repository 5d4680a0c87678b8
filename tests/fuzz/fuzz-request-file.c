/* fuzz-request-file.c: request files (create bodies as in the service's
 * curl examples), which users write by hand.
 *
 * Besides memory errors this checks two properties:
 *  - a request that wanr2v_request_validate() accepts can be written as a
 *    create body (validation covers everything the builder refuses);
 *  - a body we build reads back into a request that builds the very same
 *    body (parse and build agree on every field), and that is valid when
 *    the first one was.
 */
#include "fuzz-common.h"
#include "wanr2v-error.h"
#include "wanr2v-field.h"
#include "wanr2v-json.h"
#include "wanr2v-request.h"

static void
check_round_trip (const char *body, gboolean valid)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WanR2vRequest) again = NULL;
  g_autofree char *body_again = NULL;

  again = wanr2v_json_parse_request (body, -1, &error);
  if (again == NULL)
    fuzz_fail ("our own body does not parse (%s):\n%s", error->message,
        body);
  body_again = wanr2v_json_build_create_body (again, &error);
  if (body_again == NULL)
    fuzz_fail ("our own body parses but does not build (%s):\n%s",
        error->message, body);
  if (g_strcmp0 (body, body_again) != 0)
    fuzz_fail ("round trip changed the body:\n%s\n%s", body, body_again);
  if (valid && !wanr2v_request_validate (again, &error))
    fuzz_fail ("a valid request reads back invalid (%s):\n%s",
        error->message, body);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) invalid = NULL;
  g_autoptr (WanR2vRequest) req = NULL;
  g_autoptr (WanR2vRequest) copy = NULL;
  g_autofree char *body = NULL;
  g_autofree char *copy_body = NULL;
  gboolean valid;
  guint i;

  req = wanr2v_json_parse_request ((const char *) data, size, &error);
  if ((req == NULL) == (error == NULL))
    fuzz_fail ("parse_request returned %p with error %p", req, error);
  if (req == NULL)
    return 0;

  valid = wanr2v_request_validate (req, &invalid);
  if (!valid && (invalid == NULL
          || !g_utf8_validate (invalid->message, -1, NULL)))
    fuzz_fail ("validation failed without a readable message");
  if (!valid && wanr2v_error_get_field (invalid, NULL) == NULL)
    fuzz_fail ("validation failed without saying about what: %s",
        invalid->message);

  /* The helpers messages use must cope with whatever parsed. */
  for (i = 0; i < req->media->len; i++) {
    WanR2vFieldRef ref;

    wanr2v_request_media_field (req, i, FALSE, &ref);
    g_free (wanr2v_field_name (&ref));
    wanr2v_request_media_field (req, i, TRUE, &ref);
    g_free (wanr2v_field_name (&ref));
  }
  (void) wanr2v_request_uses_oss (req);

  body = wanr2v_json_build_create_body (req, &error);
  if (body == NULL) {
    if (valid)
      fuzz_fail ("a valid request does not build: %s", error->message);
    return 0;
  }

  /* A copy must build to the same bytes (the result cache hashes them). */
  copy = wanr2v_request_copy (req);
  copy_body = wanr2v_json_build_create_body (copy, NULL);
  if (g_strcmp0 (body, copy_body) != 0)
    fuzz_fail ("a copy builds another body:\n%s\n%s", body, copy_body);

  check_round_trip (body, valid);
  return 0;
}
