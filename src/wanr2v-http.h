/* wanr2v-http.h: the process-wide HTTP thread.
 *
 * libsoup 3 sessions may only be used from the thread whose thread-default
 * main context was current when they were made.  Every wanr2vsrc instance of
 * the process shares one thread, one GMainContext and one SoupSession (so 32
 * elements cost one thread, not 32), and posts its work there.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _WanR2vHttp WanR2vHttp;

/* The shared instance; started on first use and kept for the life of the
 * process (like GStreamer's own thread pools). */
WanR2vHttp *wanr2v_http_get_default (void);

/* Only to be used from the HTTP thread. */
SoupSession *wanr2v_http_get_session (WanR2vHttp * http);

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
