/* emu-body.c: sending (part of) a result file as a reply body. */
/* For SEEK_DATA and SEEK_HOLE. */
#define _GNU_SOURCE
#include "emu-body.h"
#include "emu-request-log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define ZEROS_SIZE (1024 * 1024)
/* Unpaced, a data slice is at most this: a few signals per file rather
 * than one giant write that a cut could not interrupt. */
#define MAX_DATA_CHUNK (16 * 1024 * 1024)
/* Paced bodies go out in ticks of this length. */
#define PACE_TICK_US (50 * 1000)

/* Never written: its pages are the kernel's shared zero page. */
static const guint8 zeros[ZEROS_SIZE];

typedef struct
{
  SoupServerMessage *msg;
  int fd;
  GBytes *map;                  /* the whole file */
  GBytes *zero_bytes;
  goffset pos, stop;            /* next byte; one past the last to send */
  gboolean cut;                 /* stop is a cut, not the end */
  gboolean cut_at_start;        /* a cut before the first body byte */
  EmuWireEnd cut_how;
  guint64 rate;
  goffset sent;                 /* since the start, for pacing */
  guint64 written;              /* of those, written to the connection */
  gint64 start_us;
  goffset seg_end;              /* the data or hole segment pos is in */
  gboolean seg_is_hole;
  gint64 flip_at;
  guint timer;
} Feeder;

static void
feeder_free (Feeder * f)
{
  if (f->timer)
    g_source_remove (f->timer);
  g_clear_pointer (&f->map, g_bytes_unref);
  g_clear_pointer (&f->zero_bytes, g_bytes_unref);
  if (f->fd >= 0)
    close (f->fd);
  g_free (f);
}

/* Finds the segment (data or hole) that f->pos is in. */
static void
find_segment (Feeder * f)
{
  goffset size = g_bytes_get_size (f->map);
  off_t data = lseek (f->fd, f->pos, SEEK_DATA);

  if (data < 0 && errno == ENXIO) {
    /* Only a hole from here to the end. */
    f->seg_is_hole = TRUE;
    f->seg_end = size;
  } else if (data < 0) {
    /* No hole support: all data. */
    f->seg_is_hole = FALSE;
    f->seg_end = size;
  } else if (data > f->pos) {
    f->seg_is_hole = TRUE;
    f->seg_end = data;
  } else {
    off_t hole = lseek (f->fd, f->pos, SEEK_HOLE);

    f->seg_is_hole = FALSE;
    f->seg_end = hole > f->pos ? hole : size;
  }
}

/* Appends the next slice (at most @max bytes); FALSE when there is none
 * left. */
static gboolean
feed (Feeder * f, goffset max)
{
  SoupMessageBody *body = soup_server_message_get_response_body (f->msg);
  g_autoptr (GBytes) chunk = NULL;
  goffset len;

  if (f->pos >= f->stop)
    return FALSE;
  if (f->pos >= f->seg_end)
    find_segment (f);
  len = MIN (f->stop, f->seg_end) - f->pos;
  len = MIN (len, max);
  if (f->seg_is_hole) {
    len = MIN (len, ZEROS_SIZE);
    chunk = g_bytes_new_from_bytes (f->zero_bytes, 0, len);
  } else {
    chunk = g_bytes_new_from_bytes (f->map, f->pos, len);
  }
  if (f->flip_at >= f->pos && f->flip_at < f->pos + len) {
    gsize size;
    guint8 *copy = g_bytes_unref_to_data (g_steal_pointer (&chunk), &size);

    copy[f->flip_at - f->pos] ^= 0xff;
    chunk = g_bytes_new_take (copy, size);
  }
  f->pos += len;
  f->sent += len;
  soup_message_body_append_bytes (body, chunk);
  if (f->pos >= f->stop && !f->cut)
    soup_message_body_complete (body);
  return TRUE;
}

static goffset
tick_bytes (Feeder * f)
{
  if (f->rate == 0)
    return MAX_DATA_CHUNK;
  return CLAMP ((goffset) (f->rate * PACE_TICK_US / G_USEC_PER_SEC), 1,
      ZEROS_SIZE);
}

/* Whether the client closed its end: the next write would still succeed
 * (the kernel takes it, the peer answers with a reset), and the request
 * log would count bytes that nobody received.  A client that stops
 * reading a paced body closes between two slices. */
static gboolean
peer_closed (SoupServerMessage * msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  GIOCondition cond;
  gchar byte;
  GInputVector vec = { &byte, 1 };
  gint flags = G_SOCKET_MSG_PEEK;

  if (socket == NULL)
    return FALSE;
  cond = g_socket_condition_check (socket, G_IO_IN | G_IO_HUP | G_IO_ERR);
  if (cond & (G_IO_HUP | G_IO_ERR))
    return TRUE;
  /* Readable: a clean end of stream (0 bytes), or the client's next
   * request on a kept-alive connection. */
  return (cond & G_IO_IN) && g_socket_receive_message (socket, NULL, &vec, 1,
      NULL, NULL, &flags, NULL, NULL) == 0;
}

static gboolean
paced_feed (gpointer user_data)
{
  Feeder *f = user_data;

  f->timer = 0;
  if (emu_wire_is_gone (f->msg))
    return G_SOURCE_REMOVE;
  if (peer_closed (f->msg)) {
    emu_wire_drop (f->msg, EMU_WIRE_CLOSE);
    return G_SOURCE_REMOVE;
  }
  if (feed (f, tick_bytes (f)))
    soup_server_message_unpause (f->msg);
  return G_SOURCE_REMOVE;
}

static void
wrote_chunk (SoupServerMessage * msg, Feeder * f)
{
  gint64 due_us, now;

  if (f->pos >= f->stop) {
    if (f->cut)
      emu_wire_drop (msg, f->cut_how);
    return;
  }
  if (f->rate == 0) {
    feed (f, tick_bytes (f));
    return;
  }
  /* The schedule is absolute, so that timer slack does not add up. */
  due_us = f->start_us + (gint64) ((double) f->sent * G_USEC_PER_SEC
      / f->rate);
  now = g_get_monotonic_time ();
  f->timer = g_timeout_add (due_us > now ? (due_us - now + 999) / 1000 : 0,
      paced_feed, f);
}

/* The request log's "sent_bytes": what reached the connection, so that a
 * test can tell whether a client fetched a byte twice. */
static void
wrote_body_data (SoupServerMessage * msg, guint size, Feeder * f)
{
  f->written += size;
  emu_request_log_note_int (msg, "sent_bytes", f->written);
}

static void
wrote_headers (SoupServerMessage * msg, Feeder * f)
{
  /* A cut at 0 bytes: the headers, then nothing. */
  if (f->cut_at_start)
    emu_wire_drop (msg, f->cut_how);
}

static void
exchange_over (SoupServerMessage * msg, Feeder * f)
{
  /* No more timers for a message that is gone. */
  if (f->timer) {
    g_source_remove (f->timer);
    f->timer = 0;
  }
}

gboolean
emu_body_send_file (SoupServerMessage * msg, const char *path,
    goffset start, goffset end, const EmuBodyOptions * options,
    GError ** error)
{
  Feeder *f;
  GMappedFile *mapped;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0) {
    int saved = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
        "cannot open %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  mapped = g_mapped_file_new_from_fd (fd, FALSE, error);
  if (mapped == NULL) {
    close (fd);
    return FALSE;
  }

  f = g_new0 (Feeder, 1);
  f->msg = msg;
  f->fd = fd;
  f->map = g_mapped_file_get_bytes (mapped);
  g_mapped_file_unref (mapped);
  f->zero_bytes = g_bytes_new_static (zeros, sizeof (zeros));
  f->pos = start;
  f->seg_end = start;           /* found at the first feed */
  f->stop = end + 1;
  if (options->cut_at >= 0 && options->cut_at < end + 1 - start) {
    f->stop = start + options->cut_at;
    f->cut = TRUE;
    f->cut_at_start = options->cut_at == 0;
    f->cut_how = options->cut_how;
  }
  f->rate = options->rate;
  f->flip_at = options->flip_at;
  f->start_us = g_get_monotonic_time ();

  emu_wire_track (msg);
  /* Asked now, while the client is connected: libsoup keeps the answer.
   * Dropping the connection of a client that closed (peer_closed) asks
   * for it again, and would warn that there is no peer any more. */
  (void) soup_server_message_get_remote_address (msg);
  /* Written chunks are dropped, not kept for the whole reply. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body
      (msg), FALSE);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (wrote_chunk), f);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (wrote_headers), f);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data), f);
  emu_request_log_note_int (msg, "sent_bytes", 0);
  g_signal_connect (msg, "finished", G_CALLBACK (exchange_over), f);
  g_signal_connect (msg, "disconnected", G_CALLBACK (exchange_over), f);
  g_object_set_data_full (G_OBJECT (msg), "emu-body-feeder", f,
      (GDestroyNotify) feeder_free);
  feed (f, tick_bytes (f));
  return TRUE;
}
