/* emu-read-pace.c: reading a request body slowly, as over a WAN. */
#include "emu-read-pace.h"

#include "emu-wire.h"

#define PACE_KEY "emu-read-pace"

/* Ahead of schedule by more than this, reading pauses until it is due:
 * bursts of this length keep timers to about 50 a second per upload. */
#define PACE_SLACK_US (20 * 1000)

typedef struct
{
  guint64 rate;
  gint64 start_us;              /* headers in; -1 before */
  guint64 received;
  guint timer;
} Pace;

static void
pace_free (Pace * pace)
{
  if (pace->timer)
    g_source_remove (pace->timer);
  g_free (pace);
}

static gboolean
resume (gpointer data)
{
  SoupServerMessage *msg = data;
  Pace *pace = g_object_get_data (G_OBJECT (msg), PACE_KEY);

  if (pace)
    pace->timer = 0;
  if (!emu_wire_is_gone (msg))
    soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
got_headers (SoupServerMessage * msg, Pace * pace)
{
  pace->start_us = g_get_monotonic_time ();
}

static void
got_chunk (SoupServerMessage * msg, GBytes * chunk, Pace * pace)
{
  gint64 due_us, now_us;

  pace->received += g_bytes_get_size (chunk);
  if (pace->rate == 0 || pace->timer != 0)
    return;
  /* The schedule is absolute, so that timer slack does not add up. */
  due_us = pace->start_us + (gint64) ((double) pace->received
      * G_USEC_PER_SEC / pace->rate);
  now_us = g_get_monotonic_time ();
  if (due_us - now_us <= PACE_SLACK_US)
    return;
  soup_server_message_pause (msg);
  pace->timer = g_timeout_add_full (G_PRIORITY_DEFAULT,
      (guint) ((due_us - now_us + 999) / 1000), resume, g_object_ref (msg),
      g_object_unref);
}

static void
exchange_over (SoupServerMessage * msg, Pace * pace)
{
  if (pace->timer) {
    g_source_remove (pace->timer);
    pace->timer = 0;
  }
}

void
emu_read_pace_attach (SoupServerMessage * msg, guint64 rate)
{
  Pace *pace = g_new0 (Pace, 1);

  pace->rate = rate;
  pace->start_us = -1;
  emu_wire_track (msg);
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers), pace);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk), pace);
  g_signal_connect (msg, "finished", G_CALLBACK (exchange_over), pace);
  g_signal_connect (msg, "disconnected", G_CALLBACK (exchange_over), pace);
  g_object_set_data_full (G_OBJECT (msg), PACE_KEY, pace,
      (GDestroyNotify) pace_free);
}

gint64
emu_read_pace_elapsed_us (SoupServerMessage * msg)
{
  Pace *pace = g_object_get_data (G_OBJECT (msg), PACE_KEY);

  if (pace == NULL || pace->start_us < 0)
    return -1;
  return g_get_monotonic_time () - pace->start_us;
}
