/* gstwanr2vsrc-discover.h: GstDiscoverer, interruptible. */
#pragma once

#include "gstwanr2vsrc-pbutils.h"
#include <gio/gio.h>

G_BEGIN_DECLS

/* gst_discoverer_discover_uri() with @discoverer, except that cancelling
 * @cancellable ends it at once (a stopped element must not wait for a
 * discoverer pass over a large or slow file: its pipeline's threads would
 * hold up the process).  pbutils must be loaded
 * (gst_wanr2v_src_pbutils_load()).  The info, with *@error set as the
 * synchronous call sets it; NULL with G_IO_ERROR_CANCELLED when cancelled. */
GstDiscovererInfo *gst_wanr2v_src_discover (GstDiscoverer * discoverer,
    const char *uri, GCancellable * cancellable, GError ** error);

G_END_DECLS
