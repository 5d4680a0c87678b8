/* wanr2v-poll.h: when to ask the service about a task next.
 *
 * The official SDKs query right after the create, then sleep
 * 1, 1, 2, 2, 2, 4, 4, 4, 5, 5, 5... seconds.  Our schedule must notice a
 * finished task no later than theirs would, with no more queries.
 *
 * The job keeps the SDKs' instants but counts them from the moment the
 * create was sent, not from the previous reply: an SDK sleeps after each
 * reply, so every query's latency pushes all later ones back, and a long
 * task is noticed later and later.  A fixed timetable does not drift.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Delay in milliseconds before query number @n (0 is the first query after
 * the create), counted from query @n - 1.  A non-zero @fixed_interval_ms
 * replaces the schedule. */
guint wanr2v_poll_delay_ms (guint n, guint fixed_interval_ms);

/* When query number @n is due, in milliseconds after the create: the sum of
 * the delays of queries 0 to @n. */
guint64 wanr2v_poll_due_ms (guint n, guint fixed_interval_ms);

G_END_DECLS
