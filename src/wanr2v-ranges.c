/* wanr2v-ranges.c: which byte ranges of a file are on disk. */
#include "wanr2v-ranges.h"

typedef struct
{
  guint64 start;
  guint64 end;                  /* exclusive */
} Range;

struct _WanR2vRanges
{
  GArray *list;                 /* of Range, sorted, disjoint, not adjacent */
};

WanR2vRanges *
wanr2v_ranges_new (void)
{
  WanR2vRanges *ranges = g_new0 (WanR2vRanges, 1);

  ranges->list = g_array_new (FALSE, FALSE, sizeof (Range));
  return ranges;
}

void
wanr2v_ranges_free (WanR2vRanges * ranges)
{
  if (ranges == NULL)
    return;
  g_array_unref (ranges->list);
  g_free (ranges);
}

void
wanr2v_ranges_clear (WanR2vRanges * ranges)
{
  g_array_set_size (ranges->list, 0);
}

void
wanr2v_ranges_add (WanR2vRanges * ranges, guint64 start, guint64 end)
{
  GArray *list = ranges->list;
  guint i = 0, j;
  Range merged = { start, end };

  if (start >= end)
    return;
  /* Skip the ranges that end before @start (and do not touch it). */
  while (i < list->len && g_array_index (list, Range, i).end < start)
    i++;
  /* Swallow every range that overlaps or touches [start, end). */
  j = i;
  while (j < list->len && g_array_index (list, Range, j).start <= end) {
    Range *r = &g_array_index (list, Range, j);

    merged.start = MIN (merged.start, r->start);
    merged.end = MAX (merged.end, r->end);
    j++;
  }
  if (j > i)
    g_array_remove_range (list, i, j - i);
  g_array_insert_val (list, i, merged);
}

guint64
wanr2v_ranges_extent (const WanR2vRanges * ranges, guint64 offset)
{
  guint i;

  for (i = 0; i < ranges->list->len; i++) {
    const Range *r = &g_array_index (ranges->list, Range, i);

    if (r->start > offset)
      break;
    if (offset < r->end)
      return r->end;
  }
  return offset;
}

guint64
wanr2v_ranges_next_start (const WanR2vRanges * ranges, guint64 offset)
{
  guint i;

  for (i = 0; i < ranges->list->len; i++) {
    const Range *r = &g_array_index (ranges->list, Range, i);

    if (r->start > offset)
      return r->start;
  }
  return G_MAXUINT64;
}

guint
wanr2v_ranges_count (const WanR2vRanges * ranges)
{
  return ranges->list->len;
}

guint64
wanr2v_ranges_bytes (const WanR2vRanges * ranges)
{
  guint64 sum = 0;
  guint i;

  for (i = 0; i < ranges->list->len; i++) {
    const Range *r = &g_array_index (ranges->list, Range, i);

    sum += r->end - r->start;
  }
  return sum;
}
