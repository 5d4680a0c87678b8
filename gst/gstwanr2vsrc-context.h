/* gstwanr2vsrc-context.h: the HTTP thread through a GstContext.
 *
 * Context type "wanr2v.http", as souphttpsrc shares its session through
 * "gst.soup.session":
 *   "http"        WanR2vHttp: run on this HTTP thread (another wanr2vsrc
 *                 posted it in a HAVE_CONTEXT message);
 *   "user-agent"  string: without "http", a thread of the pipeline's own,
 *                 whose requests carry this User-Agent; the element that
 *                 makes it posts it back (HAVE_CONTEXT) with "http" set,
 *                 so that the pipeline's other wanr2vsrc share it.
 * Without a context, elements share the process's thread.
 */
#pragma once

#include <gst/gst.h>
#include "wanr2v-http.h"

G_BEGIN_DECLS

#define GST_WANR2V_SRC_HTTP_CONTEXT_TYPE "wanr2v.http"

/* GstElement::set_context for the element (chains up). */
void gst_wanr2v_src_context_set_context (GstElement * element,
    GstContext * context);

/* READY -> PAUSED, without the object lock: the HTTP thread this run
 * uses (a new reference), asking downstream and the application for a
 * context first (NEED_CONTEXT).  NULL means the process's shared one. */
WanR2vHttp *gst_wanr2v_src_context_ensure_http (GstElement * element);

G_END_DECLS
