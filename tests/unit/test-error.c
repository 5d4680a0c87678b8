/* test-error.c: mapping of HTTP replies to error codes, and retry policy. */
#include "wanr2v-error.h"

static void
test_quark (void)
{
  g_autoptr (GError) error = g_error_new_literal (WANR2V_ERROR,
      WANR2V_ERROR_AUTH, "x");

  g_assert_true (WANR2V_ERROR != 0);
  g_assert_cmpstr (g_quark_to_string (WANR2V_ERROR), ==, "wanr2v-error-quark");
  g_assert_error (error, WANR2V_ERROR, WANR2V_ERROR_AUTH);
}

static void
test_info (void)
{
  g_autoptr (WanR2vErrorInfo) info = wanr2v_error_info_new ();
  g_autoptr (WanR2vErrorInfo) copy = NULL;
  g_autoptr (WanR2vErrorInfo) empty_copy = NULL;

  g_assert_cmpuint (info->http_status, ==, 0);
  g_assert_null (info->code);
  empty_copy = wanr2v_error_info_copy (info);
  g_assert_null (empty_copy->message);

  info->http_status = 429;
  info->code = g_strdup ("Throttling");
  info->message = g_strdup ("Requests rate limit exceeded");
  info->request_id = g_strdup ("r-1");
  info->task_id = g_strdup ("t-1");
  copy = wanr2v_error_info_copy (info);
  g_assert_cmpuint (copy->http_status, ==, 429);
  g_assert_cmpstr (copy->code, ==, "Throttling");
  g_assert_true (copy->code != info->code);
  g_assert_cmpstr (copy->message, ==, "Requests rate limit exceeded");
  g_assert_cmpstr (copy->request_id, ==, "r-1");
  g_assert_cmpstr (copy->task_id, ==, "t-1");

  g_assert_null (wanr2v_error_info_copy (NULL));
  wanr2v_error_info_free (NULL);
}

/* The error table of the protocol notes, section 6. */
static const struct
{
  guint status;
  const char *code;
  WanR2vErrorCode expected;
  gboolean retryable;
} reply_table[] = {
  {400, "InvalidParameter", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {400, "InvalidParameter.DataInspection", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {400, "DataInspectionFailed", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {400, "IPInfringementSuspect", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {400, "InvalidURL", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {400, "BadRequest.EmptyInput", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {400, "UnsupportedOperation", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {400, "Arrearage", WANR2V_ERROR_QUOTA, FALSE},
  {400, NULL, WANR2V_ERROR_BAD_REQUEST, FALSE},
  {401, "InvalidApiKey", WANR2V_ERROR_AUTH, FALSE},
  {401, NULL, WANR2V_ERROR_AUTH, FALSE},
  {403, "AccessDenied", WANR2V_ERROR_AUTH, FALSE},
  {403, "Model.AccessDenied", WANR2V_ERROR_AUTH, FALSE},
  {403, "AccessDenied.Unpurchased", WANR2V_ERROR_AUTH, FALSE},
  {403, "AllocationQuota.FreeTierOnly", WANR2V_ERROR_AUTH, FALSE},
  {404, "ModelNotFound", WANR2V_ERROR_NOT_FOUND, FALSE},
  {404, "WorkSpaceNotFound", WANR2V_ERROR_NOT_FOUND, FALSE},
  {408, "RequestTimeOut", WANR2V_ERROR_SERVER, TRUE},
  {408, NULL, WANR2V_ERROR_SERVER, TRUE},
  {413, "BadRequest.TooLarge", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {415, "BadRequest.InputDownloadFailed", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {415, "BadRequest.UnsupportedFileFormat", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {429, "Throttling", WANR2V_ERROR_THROTTLED, TRUE},
  {429, "Throttling.RateQuota", WANR2V_ERROR_THROTTLED, TRUE},
  {429, "LimitRequests", WANR2V_ERROR_THROTTLED, TRUE},
  /* A per-minute allocation window, not a bill: retried. */
  {429, "Throttling.AllocationQuota", WANR2V_ERROR_THROTTLED, TRUE},
  {429, "PrepaidBillOverdue", WANR2V_ERROR_QUOTA, FALSE},
  {429, "PostpaidBillOverdue", WANR2V_ERROR_QUOTA, FALSE},
  {429, "CommodityNotPurchased", WANR2V_ERROR_QUOTA, FALSE},
  {429, "SomethingNew", WANR2V_ERROR_THROTTLED, TRUE},
  {429, NULL, WANR2V_ERROR_THROTTLED, TRUE},
  {500, "InternalError", WANR2V_ERROR_SERVER, TRUE},
  {500, "InternalError.Algo", WANR2V_ERROR_SERVER, TRUE},
  {500, "InternalError.Timeout", WANR2V_ERROR_SERVER, TRUE},
  {500, "SystemError", WANR2V_ERROR_SERVER, TRUE},
  {500, NULL, WANR2V_ERROR_SERVER, TRUE},
  {502, NULL, WANR2V_ERROR_SERVER, TRUE},
  {503, "ModelUnavailable", WANR2V_ERROR_SERVER, TRUE},
  {504, NULL, WANR2V_ERROR_SERVER, TRUE},
  {501, NULL, WANR2V_ERROR_SERVER, FALSE},
  {505, NULL, WANR2V_ERROR_SERVER, FALSE},
  {500, "Arrearage", WANR2V_ERROR_QUOTA, FALSE},
  {405, NULL, WANR2V_ERROR_BAD_REQUEST, FALSE},
  {409, "Conflict", WANR2V_ERROR_BAD_REQUEST, FALSE},
  {302, NULL, WANR2V_ERROR_FAILED, FALSE},
  {0, NULL, WANR2V_ERROR_FAILED, FALSE},
};

static void
test_reply_mapping (void)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (reply_table); i++) {
    g_test_message ("%u %s", reply_table[i].status,
        reply_table[i].code ? reply_table[i].code : "(none)");
    g_assert_cmpint (wanr2v_error_code_for_reply (reply_table[i].status,
            reply_table[i].code), ==, reply_table[i].expected);
    g_assert_cmpint (wanr2v_error_is_retryable (reply_table[i].status,
            reply_table[i].code), ==, reply_table[i].retryable);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/error/quark", test_quark);
  g_test_add_func ("/error/info", test_info);
  g_test_add_func ("/error/reply-mapping", test_reply_mapping);

  return g_test_run ();
}
