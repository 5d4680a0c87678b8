/* wanr2v-poll.h: when to ask the service about a task next.
 *
 * The official SDKs query right after the create, then sleep
 * 1, 1, 2, 2, 2, 4, 4, 4, 5, 5, 5... seconds.  Our schedule must notice a
 * finished task no later than theirs would.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Delay in milliseconds before query number @n (0 is the first query after
 * the create).  A non-zero @fixed_interval_ms replaces the schedule. */
guint wanr2v_poll_delay_ms (guint n, guint fixed_interval_ms);

G_END_DECLS
