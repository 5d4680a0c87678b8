/* gstwanr2vsrc-uri.h: wanr2v:// URIs, so that playbin, uridecodebin and
 * gst-play-1.0 can generate videos.
 *
 *   wanr2v://generate?prompt=Image%201%20waves&images=a.png&images=b.png&resolution=720P
 *   wanr2v://task/0385dc79-...        (fetch the video of an existing task)
 *
 * Query parameters are the element's property names; an array property is
 * given by repeating its parameter.  A URI only says what to generate (see
 * docs/element.md, "What a URI can do"): the API key never travels in one,
 * and the application's own settings (base-url, cache-dir, request,
 * allow-insecure, allow-local-files, timeouts...) are refused when the job
 * starts.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define WANR2V_URI_SCHEME "wanr2v"

/* Whether property @pspec of wanr2vsrc is one a URI sets: what to
 * generate. */
gboolean gst_wanr2v_src_uri_property_allowed (GParamSpec * pspec);


/* Resets every URI property of @element to its default, then sets those
 * @uri names, and tells the element which came from the URI and which
 * application-only settings the URI tried to make (refused at start).
 * Fails (GST_URI_ERROR_BAD_URI) on a malformed URI, an unknown or secret
 * parameter, or a value the property does not take. */
gboolean gst_wanr2v_src_uri_apply (GObject * element, const char *uri,
    GError ** error);

/* Builds the URI of the properties for which @is_set returns TRUE. */
char *gst_wanr2v_src_uri_build (GObject * element,
    gboolean (*is_set) (GObject * element, GParamSpec * pspec));

G_END_DECLS
