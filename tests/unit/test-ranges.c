/* test-ranges.c: the set of byte ranges on disk that readers wait on. */
#include "wanr2v-ranges.h"

/* The moov-last case: the start arrives, the tail is fetched on its own,
 * then the download reaches the tail and the two runs become one. */
static void
test_tail_then_prefix (void)
{
  g_autoptr (WanR2vRanges) r = wanr2v_ranges_new ();

  g_assert_cmpuint (wanr2v_ranges_extent (r, 0), ==, 0);
  g_assert_cmpuint (wanr2v_ranges_next_start (r, 0), ==, G_MAXUINT64);

  wanr2v_ranges_add (r, 0, 1000);
  wanr2v_ranges_add (r, 9000, 10000);
  g_assert_cmpuint (wanr2v_ranges_count (r), ==, 2);
  g_assert_cmpuint (wanr2v_ranges_extent (r, 0), ==, 1000);
  g_assert_cmpuint (wanr2v_ranges_extent (r, 999), ==, 1000);
  /* A missing byte is its own extent: the reader must wait for it. */
  g_assert_cmpuint (wanr2v_ranges_extent (r, 1000), ==, 1000);
  g_assert_cmpuint (wanr2v_ranges_extent (r, 9500), ==, 10000);
  g_assert_cmpuint (wanr2v_ranges_extent (r, 10000), ==, 10000);
  /* The download from 1000 must stop before 9000. */
  g_assert_cmpuint (wanr2v_ranges_next_start (r, 1000), ==, 9000);
  g_assert_cmpuint (wanr2v_ranges_next_start (r, 9000), ==, G_MAXUINT64);

  /* Growing up to the tail (adjacent) merges. */
  wanr2v_ranges_add (r, 0, 5000);
  g_assert_cmpuint (wanr2v_ranges_count (r), ==, 2);
  wanr2v_ranges_add (r, 0, 9000);
  g_assert_cmpuint (wanr2v_ranges_count (r), ==, 1);
  g_assert_cmpuint (wanr2v_ranges_extent (r, 0), ==, 10000);
  g_assert_cmpuint (wanr2v_ranges_bytes (r), ==, 10000);

  wanr2v_ranges_clear (r);
  g_assert_cmpuint (wanr2v_ranges_count (r), ==, 0);
  g_assert_cmpuint (wanr2v_ranges_extent (r, 0), ==, 0);
}

/* Overlaps, ranges swallowed whole, empty adds, out-of-order adds. */
static void
test_merges (void)
{
  g_autoptr (WanR2vRanges) r = wanr2v_ranges_new ();

  wanr2v_ranges_add (r, 500, 600);
  wanr2v_ranges_add (r, 100, 200);
  wanr2v_ranges_add (r, 300, 400);
  wanr2v_ranges_add (r, 50, 50);
  g_assert_cmpuint (wanr2v_ranges_count (r), ==, 3);
  g_assert_cmpuint (wanr2v_ranges_bytes (r), ==, 300);
  g_assert_cmpuint (wanr2v_ranges_next_start (r, 0), ==, 100);
  g_assert_cmpuint (wanr2v_ranges_next_start (r, 100), ==, 300);
  g_assert_cmpuint (wanr2v_ranges_next_start (r, 250), ==, 300);

  /* Overlapping two, touching none else. */
  wanr2v_ranges_add (r, 150, 350);
  g_assert_cmpuint (wanr2v_ranges_count (r), ==, 2);
  g_assert_cmpuint (wanr2v_ranges_extent (r, 100), ==, 400);
  g_assert_cmpuint (wanr2v_ranges_bytes (r), ==, 400);

  /* One range over everything. */
  wanr2v_ranges_add (r, 0, 1000);
  g_assert_cmpuint (wanr2v_ranges_count (r), ==, 1);
  g_assert_cmpuint (wanr2v_ranges_bytes (r), ==, 1000);

  /* Inside an existing range: nothing changes. */
  wanr2v_ranges_add (r, 10, 20);
  g_assert_cmpuint (wanr2v_ranges_count (r), ==, 1);
  g_assert_cmpuint (wanr2v_ranges_bytes (r), ==, 1000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ranges/tail-then-prefix", test_tail_then_prefix);
  g_test_add_func ("/ranges/merges", test_merges);
  return g_test_run ();
}
