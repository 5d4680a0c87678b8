/* wanr2v-ranges.h: which byte ranges of a file are on disk.
 *
 * A video downloads in order, but a reader may need a part far ahead of
 * the download (a demuxer reading the moov at the end, a seek): that part
 * is fetched on its own, and this set records what has arrived, so that
 * a reader waits for its own bytes only and no byte is fetched twice.
 * A handful of ranges at most: a sorted array of disjoint, non-adjacent
 * [start, end) pairs.  Not thread-safe: the job's lock protects it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WanR2vRanges WanR2vRanges;

WanR2vRanges *wanr2v_ranges_new (void);
void wanr2v_ranges_free (WanR2vRanges * ranges);

/* Forgets every range (the file was emptied). */
void wanr2v_ranges_clear (WanR2vRanges * ranges);

/* Records [@start, @end) as on disk, merging it with its neighbours. */
void wanr2v_ranges_add (WanR2vRanges * ranges, guint64 start, guint64 end);

/* Where the run of bytes on disk that holds @offset ends: @offset itself
 * when that byte is not on disk.  So [@offset, result) is there, and the
 * result is the first byte at or after @offset that is missing. */
guint64 wanr2v_ranges_extent (const WanR2vRanges * ranges, guint64 offset);

/* The start of the first range that begins after @offset, or G_MAXUINT64
 * when there is none: how far a download from @offset may go before it
 * reaches bytes that are already there. */
guint64 wanr2v_ranges_next_start (const WanR2vRanges * ranges,
    guint64 offset);

/* The number of ranges, and the bytes they hold. */
guint wanr2v_ranges_count (const WanR2vRanges * ranges);
guint64 wanr2v_ranges_bytes (const WanR2vRanges * ranges);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vRanges, wanr2v_ranges_free)

G_END_DECLS
