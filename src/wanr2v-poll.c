/* wanr2v-poll.c: when to ask the service about a task next. */
#include "wanr2v-poll.h"

/* The SDKs' sleeps, in seconds; the last one repeats for ever. */
static const guint sdk_schedule_s[] = { 0, 1, 1, 2, 2, 2, 4, 4, 4, 5 };

guint
wanr2v_poll_delay_ms (guint n, guint fixed_interval_ms)
{
  if (fixed_interval_ms > 0)
    return n == 0 ? 0 : fixed_interval_ms;
  if (n >= G_N_ELEMENTS (sdk_schedule_s))
    n = G_N_ELEMENTS (sdk_schedule_s) - 1;
  return sdk_schedule_s[n] * 1000;
}

guint64
wanr2v_poll_due_ms (guint n, guint fixed_interval_ms)
{
  guint64 due = 0;
  guint i;

  /* The schedule ends in a constant step: no need to sum for ever. */
  for (i = 0; i <= n && i < G_N_ELEMENTS (sdk_schedule_s); i++)
    due += wanr2v_poll_delay_ms (i, fixed_interval_ms);
  if (n >= G_N_ELEMENTS (sdk_schedule_s))
    due += (guint64) (n + 1 - G_N_ELEMENTS (sdk_schedule_s)) *
        wanr2v_poll_delay_ms (n, fixed_interval_ms);
  return due;
}
