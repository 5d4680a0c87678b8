/* gstwanr2vsrc-inspect.h: checking local media against the service's limits
 * before anything is sent.
 *
 * The service refuses media outside its limits only after an upload (and
 * sometimes only after the task was queued), so a job checks local files
 * first.  Images are read with wanr2v-imageinfo (headers only); videos and
 * voices with a synchronous GstDiscoverer.  Remote URLs are not fetched.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include "wanr2v-request.h"

G_BEGIN_DECLS

/* Limits of the protocol notes, section 2.1 (the same for wan2.6).  One MB
 * is taken as 1024 * 1024 bytes. */
#define WANR2V_IMAGE_MIN_SIDE 240
#define WANR2V_IMAGE_MAX_SIDE 8000
#define WANR2V_IMAGE_MAX_MB 20
#define WANR2V_VIDEO_MIN_SIDE 240
#define WANR2V_VIDEO_MAX_SIDE 4096
#define WANR2V_VIDEO_MIN_SECONDS 1
#define WANR2V_VIDEO_MAX_SECONDS 30
#define WANR2V_VIDEO_MAX_MB 100
#define WANR2V_VOICE_MIN_SECONDS 1
#define WANR2V_VOICE_MAX_SECONDS 10
#define WANR2V_VOICE_MAX_MB 15
/* The longest and widest side may be at most this many times the other. */
#define WANR2V_MAX_ASPECT 8

/* A WanR2vMediaInspectFunc: checks every local file of @request (each
 * media entry and each voice) against the limits above.  Blocks: call it
 * from a worker thread; it needs no main loop.  @user_data is unused.
 * @cancellable (may be NULL) stops it between files (one file's
 * GstDiscoverer run is bounded only by the inspection timeout: 10 s, or
 * $WANR2V_INSPECT_TIMEOUT seconds),
 * failing with WANR2V_ERROR_CANCELLED.
 *
 * All problems are reported, in media order, one per line, each naming
 * the entry as the element does (gst_wanr2v_src_names_media()), the file
 * and the limit:
 *   images[1] (Image 2): /x/tiny.png is 100x100 pixels; each side must be
 *   240..8000
 * Fails with WANR2V_ERROR_BAD_REQUEST. */
/* Also sets the length of each reference video it can tell in
 * @video_seconds (see WanR2vMediaInspectFunc): local ones from their
 * inspection, and remote http(s) ones probed with GstDiscoverer when
 * @user_data is GINT_TO_POINTER (TRUE) (the element's choice: never for
 * references a URI chose, which would make this machine fetch them). */
gboolean gst_wanr2v_src_inspect_request (const WanR2vRequest * request,
    gdouble * video_seconds, GCancellable * cancellable, gpointer user_data,
    GError ** error);

/* How long the media at @path lasts, found by parsing (not decoding) it to
 * the end: the fallback when GstDiscoverer does not know.  Blocks; returns
 * GST_CLOCK_TIME_NONE when the file cannot be parsed. */
GstClockTime gst_wanr2v_src_inspect_measure_duration (const char *path);

G_END_DECLS
