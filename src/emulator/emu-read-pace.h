/* emu-read-pace.h: reading a request body slowly, as over a WAN.
 *
 * The upload host reads each body at most RATE bytes per second: the
 * message's I/O is paused whenever it is ahead of that schedule, so the
 * client's writes back up into its socket as they would on a slow link.
 * Each connection gets the whole rate (one request at a time per
 * connection).  Timers, no busy loop: a paced body is read in bursts of
 * about 20 ms worth.
 *
 * It also notes when the request's headers arrived, so that the request
 * log can say how long its body took.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* To be called when @msg starts (SoupServer::request-started); @rate in
 * bytes per second, 0 for no limit. */
void emu_read_pace_attach (SoupServerMessage * msg, guint64 rate);

/* Microseconds from @msg's headers to now (the end of its body, when
 * called from SoupServer::request-read); -1 if it was not attached. */
gint64 emu_read_pace_elapsed_us (SoupServerMessage * msg);

G_END_DECLS
