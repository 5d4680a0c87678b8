/* emu-wire.h: what the emulator does to a connection beyond replying:
 * holding a reply back, and ending a connection without (the rest of) a
 * reply, gracefully or with a reset.
 *
 * These are the network failures a client of a cloud service meets, made
 * on purpose and exactly: a test can say how many body bytes arrive before
 * the connection ends, and how it ends.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum
{
  EMU_WIRE_CLOSE,               /* FIN: the peer reads a clean end of stream */
  EMU_WIRE_RESET,               /* RST: the peer gets ECONNRESET */
} EmuWireEnd;

/* Watches @msg so that the functions below never touch a message whose
 * exchange is over (finished, or its connection gone).  Idempotent. */
void emu_wire_track (SoupServerMessage * msg);

/* Whether @msg's exchange is over (only known for tracked messages). */
gboolean emu_wire_is_gone (SoupServerMessage * msg);

/* Holds the reply of @msg (already set up by the handler) back for
 * @delay_ms: pauses the message and resumes it from a timer. */
void emu_wire_hold (SoupServerMessage * msg, guint delay_ms);

/* Ends @msg's connection without writing anything more: whatever was
 * written so far reaches the peer, then the connection ends as @how says.
 * Call it from the handler (no reply at all) or from a signal of the
 * message once some of the body was written; the connection is taken from
 * libsoup from an idle callback, outside libsoup's own code. */
void emu_wire_drop (SoupServerMessage * msg, EmuWireEnd how);

G_END_DECLS
