/* gstwanr2vsrc-trust.h: what a wanr2v:// URI may make wanr2vsrc do.
 *
 * Anyone can hand an application a URI: a playlist, a web page, a chat
 * link.  Such a URI chooses what to generate and nothing else.  These
 * checks run when the job starts (READY -> PAUSED), after playbin's
 * source-setup handler had its chance to set or allow things, and before
 * any file is opened or any request sent.  Their errors are in
 * GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, name the parameter and
 * say how the application can allow it.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Refuses the application-only settings @names (base-url, cache-dir...)
 * that a URI tried to make; TRUE when there are none. */
gboolean gst_wanr2v_src_trust_check_app_only (const char *const *names,
    GError ** error);

/* Refuses local files (paths, file:// URIs) among @urls, the value of
 * reference property @property (images, image-voices, first-frame...;
 * @array when it is an array property, so entries are named images[N])
 * that came from a URI, unless the application set allow-local-files. */
gboolean gst_wanr2v_src_trust_check_references (const char *property,
    gboolean array, const char *const *urls, gboolean allow_local_files,
    GError ** error);

G_END_DECLS
