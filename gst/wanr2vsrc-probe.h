/* wanr2vsrc-probe.h: the length of a remote reference video, for the
 * billing prediction.
 *
 * The service bills each reference video's seconds (up to a limit), so a
 * prediction made before the create needs them.  A local video's length
 * comes from the inspection of local files; a remote one is probed here
 * with GstDiscoverer, which for an MP4 reads little more than its moov
 * (with ranged requests when the moov is at the end).  The API key is
 * never involved: these are plain GETs to the reference's own host.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The length in seconds of the video at @uri (http or https), or a
 * negative number when it cannot be told within @timeout: the prediction
 * is then an upper bound. */
gdouble wanr2vsrc_probe_remote_length (const char *uri, GstClockTime timeout);

G_END_DECLS
