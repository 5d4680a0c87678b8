/* wanr2v-http.h: an HTTP thread with its own GMainContext and SoupSession.
 *
 * libsoup 3 sessions may only be used from the thread whose thread-default
 * main context was current when they were made.  A WanR2vHttp is such a
 * thread: jobs post their work to it, and every request and timer of a job
 * runs there.  By default every wanr2vsrc of the process shares one (so 32
 * elements cost one thread, not 32); an application can give a pipeline
 * its own through a GstContext (gst/gstwanr2vsrc-context.c).
 *
 * Life: the thread starts when the first piece of work is posted, the
 * session when the first request asks for it (a cache hit posts no request,
 * so it never loads libsoup), and both stop when the last reference goes.
 * Jobs hold a reference while they live, so the shared instance lives
 * while some job needs it, plus WANR2V_HTTP_LINGER_MS, so that pipelines
 * run one after another reuse its thread and its kept-alive connections.
 */
#pragma once

#include <gio/gio.h>
#include "wanr2v-soup.h"

G_BEGIN_DECLS

typedef struct _WanR2vHttp WanR2vHttp;

/* How long the shared instance outlives its last user. */
#define WANR2V_HTTP_LINGER_MS 2000

#define WANR2V_TYPE_HTTP (wanr2v_http_get_type ())
GType wanr2v_http_get_type (void);

/* A new instance of its own (its thread starts on first use); requests
 * carry @user_agent, or the default "wanr2vsrc/VERSION" when NULL. */
WanR2vHttp *wanr2v_http_new (const char *user_agent);

/* The process's shared instance, made when none is alive: a new
 * reference. */
WanR2vHttp *wanr2v_http_dup_default (void);

WanR2vHttp *wanr2v_http_ref (WanR2vHttp * http);
/* The last reference stops the thread (joining it, unless called on that
 * very thread) and frees the session there. */
void wanr2v_http_unref (WanR2vHttp * http);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vHttp, wanr2v_http_unref);

/* The instance whose thread calls this, or NULL on any other thread:
 * requests made on an HTTP thread use that thread's session. */
WanR2vHttp *wanr2v_http_get_current (void);

/* Only to be used from the HTTP thread; made on the first call. */
SoupSession *wanr2v_http_get_session (WanR2vHttp * http);

const char *wanr2v_http_get_user_agent (WanR2vHttp * http);

gboolean wanr2v_http_is_http_thread (WanR2vHttp * http);

/* Runs @func (@data) once on the HTTP thread, then calls @notify (@data). */
void wanr2v_http_invoke (WanR2vHttp * http, GSourceFunc func, gpointer data,
    GDestroyNotify notify);

/* Adds a timeout on the HTTP thread's context; returns the GSource (owned by
 * the caller: destroy and unref it to stop it). */
GSource *wanr2v_http_timeout_source_new (WanR2vHttp * http, guint ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify);

/* The same for @seconds, any guint: a millisecond timer of more than
 * G_MAXUINT ms (49.7 days) would wrap around, so longer ones count in
 * whole seconds. */
GSource *wanr2v_http_timeout_source_new_s (WanR2vHttp * http, guint seconds,
    GSourceFunc func, gpointer data, GDestroyNotify notify);

/* Whether TLS (https) can work in this process: needs glib-networking. */
gboolean wanr2v_http_tls_available (void);

G_END_DECLS
