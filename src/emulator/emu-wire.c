/* emu-wire.c: holding replies back and ending connections on purpose. */
#include "emu-wire.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#define GONE_KEY "emu-wire-gone"
#define TRACKED_KEY "emu-wire-tracked"

/* How often, and how long at most, a reset waits for the bytes already
 * written to be taken by the peer (a reset throws away what is unsent). */
#define DRAIN_POLL_MS 2
#define DRAIN_TIMEOUT_US (10 * G_USEC_PER_SEC)

static void
mark_gone (SoupServerMessage * msg)
{
  g_object_set_data (G_OBJECT (msg), GONE_KEY, GINT_TO_POINTER (1));
}

void
emu_wire_track (SoupServerMessage * msg)
{
  if (g_object_get_data (G_OBJECT (msg), TRACKED_KEY))
    return;
  g_object_set_data (G_OBJECT (msg), TRACKED_KEY, GINT_TO_POINTER (1));
  g_signal_connect (msg, "finished", G_CALLBACK (mark_gone), NULL);
  g_signal_connect (msg, "disconnected", G_CALLBACK (mark_gone), NULL);
}

gboolean
emu_wire_is_gone (SoupServerMessage * msg)
{
  return g_object_get_data (G_OBJECT (msg), GONE_KEY) != NULL;
}

/* ---- hold */

static gboolean
resume (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  if (!emu_wire_is_gone (msg))
    soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

void
emu_wire_hold (SoupServerMessage * msg, guint delay_ms)
{
  emu_wire_track (msg);
  soup_server_message_pause (msg);
  g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, resume,
      g_object_ref (msg), g_object_unref);
}

/* ---- drop */

typedef struct
{
  SoupServerMessage *msg;
  EmuWireEnd how;
  GIOStream *stream;            /* once taken from libsoup */
  GSocket *socket;
  gint64 deadline;
} Drop;

static void
drop_free (Drop * drop)
{
  g_clear_object (&drop->msg);
  g_clear_object (&drop->stream);
  g_clear_object (&drop->socket);
  g_free (drop);
}

/* Bytes written but not yet acknowledged by the peer (Linux: SIOCOUTQ,
 * which is TIOCOUTQ); 0 where that cannot be known. */
static int
unsent_bytes (GSocket * socket)
{
  int pending = 0;

  if (ioctl (g_socket_get_fd (socket), TIOCOUTQ, &pending) != 0)
    return 0;
  return pending;
}

static gboolean
reset_when_drained (gpointer user_data)
{
  Drop *drop = user_data;
  struct linger abortive = { 1, 0 };

  if (unsent_bytes (drop->socket) > 0
      && g_get_monotonic_time () < drop->deadline)
    return G_SOURCE_CONTINUE;
  /* Closing with a zero linger time sends RST instead of FIN. */
  setsockopt (g_socket_get_fd (drop->socket), SOL_SOCKET, SO_LINGER,
      &abortive, sizeof (abortive));
  g_socket_close (drop->socket, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
drop_now (gpointer user_data)
{
  Drop *drop = user_data;

  if (emu_wire_is_gone (drop->msg)) {
    drop_free (drop);
    return G_SOURCE_REMOVE;
  }
  drop->socket = g_object_ref (soup_server_message_get_socket (drop->msg));
  drop->stream = soup_server_message_steal_connection (drop->msg);

  if (drop->how == EMU_WIRE_CLOSE) {
    /* FIN after whatever is queued, even if the peer sent more. */
    g_socket_shutdown (drop->socket, FALSE, TRUE, NULL);
    g_socket_close (drop->socket, NULL);
    drop_free (drop);
  } else {
    drop->deadline = g_get_monotonic_time () + DRAIN_TIMEOUT_US;
    g_timeout_add_full (G_PRIORITY_DEFAULT, DRAIN_POLL_MS,
        reset_when_drained, drop, (GDestroyNotify) drop_free);
  }
  return G_SOURCE_REMOVE;
}

void
emu_wire_drop (SoupServerMessage * msg, EmuWireEnd how)
{
  Drop *drop = g_new0 (Drop, 1);

  emu_wire_track (msg);
  drop->msg = g_object_ref (msg);
  drop->how = how;
  /* Nothing more may be written meanwhile. */
  if (!emu_wire_is_gone (msg))
    soup_server_message_pause (msg);
  g_idle_add (drop_now, drop);
}
