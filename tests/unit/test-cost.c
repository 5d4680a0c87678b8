/* test-cost.c: the billed seconds predicted before the create, against the
 * guide's "Billing formula" and its worked example. */
#include "wanr2v-cost.h"

typedef struct
{
  const char *model;
  const char *kinds;            /* one letter per media entry: i, v, f */
  double lengths[6];            /* per entry; -1: unknown */
  gint duration;                /* WANR2V_UNSET: the default, 5 */
  double billed;
  double input;
  gboolean exact;
} CostCase;

static const CostCase cases[] = {
  /* The guide's example: 2 reference videos + 1 image on wan2.7, the
   * image excluded: 2.5 s per video. */
  {"wan2.7-r2v", "vvi", {4, 1.5, -1}, 10, 14.0, 4.0, TRUE},
  {"wan2.7-r2v", "v", {12}, 10, 15.0, 5.0, TRUE},
  {"wan2.7-r2v", "v", {3.2}, 5, 8.2, 3.2, TRUE},
  /* 5/3 is 1.65 in the guide's table. */
  {"wan2.7-r2v", "vvv", {2, 2, 2}, 5, 9.95, 4.95, TRUE},
  {"wan2.7-r2v", "vvvv", {2, 1, 2, 2}, 5, 9.75, 4.75, TRUE},
  {"wan2.7-r2v", "vvvvv", {3, 3, 3, 0.5, 3}, 5, 9.5, 4.5, TRUE},
  /* Images and the first frame are free. */
  {"wan2.7-r2v", "iiif", {-1, -1, -1, -1}, 15, 15.0, 0, TRUE},
  {"wan2.7-r2v-2026-06-12", "fvi", {-1, 8, -1}, WANR2V_UNSET, 10.0, 5.0,
      TRUE},
  /* A remote video whose length is unknown: the limit, as a bound. */
  {"wan2.7-r2v", "vv", {-1, 1}, 5, 8.5, 3.5, FALSE},
  /* wan2.6 shares the 5 s among every reference. */
  {"wan2.6-r2v", "vviii", {3, 3, -1, -1, -1}, 10, 12.0, 2.0, TRUE},
  {"wan2.6-r2v-flash", "vvi", {3, 3, -1}, 5, 8.3, 3.3, TRUE},
  {"wan2.6-r2v", "iv", {-1, 1.2}, 10, 11.2, 1.2, TRUE},
};

static WanR2vRequest *
request_for (const CostCase * c)
{
  WanR2vRequest *req = wanr2v_request_new ();
  const char *k;

  g_free (req->model);
  req->model = g_strdup (c->model);
  req->duration = c->duration;
  for (k = c->kinds; *k; k++)
    wanr2v_request_add_media (req, *k == 'v' ? WANR2V_MEDIA_REFERENCE_VIDEO
        : *k == 'f' ? WANR2V_MEDIA_FIRST_FRAME : WANR2V_MEDIA_REFERENCE_IMAGE,
        "https://h/x", NULL);
  return req;
}

static void
test_formula (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    const CostCase *c = &cases[i];
    g_autoptr (WanR2vRequest) req = request_for (c);
    WanR2vCost cost;

    wanr2v_cost_predict (req, c->lengths, &cost);
    g_test_message ("case %u: %s %s -> %.2f s", i, c->model, c->kinds,
        cost.billed_seconds);
    g_assert_cmpfloat_with_epsilon (cost.billed_seconds, c->billed, 1e-9);
    g_assert_cmpfloat_with_epsilon (cost.input_video_seconds, c->input,
        1e-9);
    g_assert_cmpint (cost.exact, ==, c->exact);
  }
}

static void
test_limits (void)
{
  g_assert_cmpfloat (wanr2v_cost_truncation_limit (1), ==, 5.0);
  g_assert_cmpfloat (wanr2v_cost_truncation_limit (2), ==, 2.5);
  g_assert_cmpfloat (wanr2v_cost_truncation_limit (3), ==, 1.65);
  g_assert_cmpfloat (wanr2v_cost_truncation_limit (4), ==, 1.25);
  g_assert_cmpfloat (wanr2v_cost_truncation_limit (5), ==, 1.0);
}

/* Without lengths every video is unknown: a bound. */
static void
test_no_lengths (void)
{
  g_autoptr (WanR2vRequest) req = request_for (&cases[0]);
  WanR2vCost cost;

  wanr2v_cost_predict (req, NULL, &cost);
  g_assert_false (cost.exact);
  g_assert_cmpfloat_with_epsilon (cost.billed_seconds, 15.0, 1e-9);
}

static void
test_agrees (void)
{
  g_autoptr (WanR2vRequest) wan27 = request_for (&cases[3]);    /* 9.95 */
  g_autoptr (WanR2vRequest) wan26 = request_for (&cases[10]);   /* 8.3 */
  g_autoptr (WanR2vRequest) bound = request_for (&cases[8]);    /* <= 8.5 */
  WanR2vCost cost;

  wanr2v_cost_predict (wan27, cases[3].lengths, &cost);
  g_assert_true (wanr2v_cost_agrees (wan27, &cost, 10));
  g_assert_true (wanr2v_cost_agrees (wan27, &cost, 9));
  g_assert_false (wanr2v_cost_agrees (wan27, &cost, 11));
  g_assert_false (wanr2v_cost_agrees (wan27, &cost, 8));

  wanr2v_cost_predict (wan26, cases[10].lengths, &cost);
  g_assert_true (wanr2v_cost_agrees (wan26, &cost, 8.3));
  g_assert_false (wanr2v_cost_agrees (wan26, &cost, 8.0));
  g_assert_false (wanr2v_cost_agrees (wan26, &cost, 10.0));

  wanr2v_cost_predict (bound, cases[8].lengths, &cost);
  g_assert_true (wanr2v_cost_agrees (bound, &cost, 7));
  g_assert_true (wanr2v_cost_agrees (bound, &cost, 9));
  g_assert_false (wanr2v_cost_agrees (bound, &cost, 10));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cost/limits", test_limits);
  g_test_add_func ("/cost/formula", test_formula);
  g_test_add_func ("/cost/no-lengths", test_no_lengths);
  g_test_add_func ("/cost/agrees", test_agrees);
  return g_test_run ();
}
