/* test-recover.c: which task found in the list is a lost create's own. */
#include "wanr2v-recover.h"

#define SENT_MS G_GINT64_CONSTANT (1764072238000)
#define WINDOW_MS WANR2V_RECOVER_WINDOW_MS
#define PROMPT "Image 1 waves at the camera"

static GPtrArray *
candidates_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)
      wanr2v_recover_candidate_free);
}

static void
add (GPtrArray * list, const char *id, gint64 created_ms, const char *prompt)
{
  WanR2vRecoverCandidate *c = g_new0 (WanR2vRecoverCandidate, 1);

  c->task_id = g_strdup (id);
  c->created_ms = created_ms;
  c->prompt = g_strdup (prompt);
  g_ptr_array_add (list, c);
}

static WanR2vRecoverResult
decide (GPtrArray * list)
{
  return wanr2v_recover_decide (list, PROMPT, SENT_MS, WINDOW_MS);
}

static void
test_one_match_is_found (void)
{
  g_autoptr (GPtrArray) list = candidates_new ();

  add (list, "a", SENT_MS + 300, NULL);
  g_assert_cmpint (decide (list), ==, WANR2V_RECOVER_FOUND);
  g_assert_cmpstr (((WanR2vRecoverCandidate *) list->pdata[0])->task_id,
      ==, "a");
}

/* A task whose time nobody shows may be anyone's: not adopted blindly. */
static void
test_no_timestamp_is_ambiguous (void)
{
  g_autoptr (GPtrArray) list = candidates_new ();

  add (list, "a", 0, NULL);
  g_assert_cmpint (decide (list), ==, WANR2V_RECOVER_AMBIGUOUS);
  g_assert_cmpuint (list->len, ==, 1);
}

static void
test_no_timestamp_beside_a_match_is_ambiguous (void)
{
  g_autoptr (GPtrArray) list = candidates_new ();

  add (list, "a", SENT_MS, PROMPT);
  add (list, "b", 0, NULL);
  g_assert_cmpint (decide (list), ==, WANR2V_RECOVER_AMBIGUOUS);
  g_assert_cmpuint (list->len, ==, 2);
}

static void
test_other_prompt_is_not_ours (void)
{
  g_autoptr (GPtrArray) list = candidates_new ();

  add (list, "a", SENT_MS + 100, "A cat sleeps");
  g_assert_cmpint (decide (list), ==, WANR2V_RECOVER_NONE);
  add (list, "b", SENT_MS + 200, PROMPT);
  add (list, "c", SENT_MS + 200, "A dog barks");
  g_assert_cmpint (decide (list), ==, WANR2V_RECOVER_FOUND);
  g_assert_cmpstr (((WanR2vRecoverCandidate *) list->pdata[0])->task_id,
      ==, "b");
}

static void
test_outside_the_window_is_not_ours (void)
{
  g_autoptr (GPtrArray) list = candidates_new ();

  add (list, "early", SENT_MS - WINDOW_MS - 1, PROMPT);
  add (list, "late", SENT_MS + WINDOW_MS + 1, PROMPT);
  g_assert_cmpint (decide (list), ==, WANR2V_RECOVER_NONE);
  g_assert_cmpuint (list->len, ==, 0);
}

static void
test_two_matches_are_ambiguous (void)
{
  g_autoptr (GPtrArray) list = candidates_new ();

  add (list, "a", SENT_MS + 10, PROMPT);
  add (list, "b", SENT_MS - 10, NULL);
  g_assert_cmpint (decide (list), ==, WANR2V_RECOVER_AMBIGUOUS);
  g_assert_cmpuint (list->len, ==, 2);
}

/* The service's times are UTC+8 without a zone. */
static void
test_service_time (void)
{
  g_assert_cmpint (wanr2v_recover_parse_service_time
      ("2025-11-25 20:03:58.362"), ==, G_GINT64_CONSTANT (1764072238362));
  g_assert_cmpint (wanr2v_recover_parse_service_time ("yesterday"), ==, 0);
  g_assert_cmpint (wanr2v_recover_parse_service_time (NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recover/one-match", test_one_match_is_found);
  g_test_add_func ("/recover/no-timestamp", test_no_timestamp_is_ambiguous);
  g_test_add_func ("/recover/no-timestamp-beside-match",
      test_no_timestamp_beside_a_match_is_ambiguous);
  g_test_add_func ("/recover/other-prompt", test_other_prompt_is_not_ours);
  g_test_add_func ("/recover/outside-window",
      test_outside_the_window_is_not_ours);
  g_test_add_func ("/recover/two-matches", test_two_matches_are_ambiguous);
  g_test_add_func ("/recover/service-time", test_service_time);
  return g_test_run ();
}
