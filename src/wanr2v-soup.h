/* wanr2v-soup.h: libsoup, loaded on first use.
 *
 * Linking libsoup makes every process that loads the plugin map libsoup and
 * its dependency tree (nghttp2, psl, brotli, sqlite3, GSSAPI...): some
 * 15 ms of dynamic loading, which a cache hit, serving a kept video without
 * any request, pays for nothing.  So the core is compiled against soup's
 * headers only and opens the library the first time a request is built:
 * wanr2v_soup_load() before anything else, then these wrappers, which have
 * the signatures of the soup functions of the same name.
 *
 * The library is WANR2V_SOUP_SONAME (config.h: libsoup-3.0.so.0 on Linux),
 * or the file named by the environment variable WANR2V_SOUP_LIBRARY (meant
 * for tests of a missing library).  It stays loaded for the rest of the
 * process: libsoup registers GTypes, which cannot be unloaded.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Opens libsoup and resolves every function below, once per process
 * (thread-safe).  FALSE with a WANR2V_ERROR_FAILED naming the library when
 * it or one of its functions is missing; every later call gives the same
 * answer.  Must have returned TRUE before any wrapper is called. */
gboolean wanr2v_soup_load (GError ** error);

/* soup_session_new_with_options() is variadic: g_object_new() with this
 * type instead. */
GType wanr2v_soup_session_get_type (void);

SoupMessage *wanr2v_soup_message_new (const char *method,
    const char *uri_string);
void wanr2v_soup_message_add_flags (SoupMessage * msg,
    SoupMessageFlags flags);
guint wanr2v_soup_message_get_status (SoupMessage * msg);
SoupMessageHeaders *wanr2v_soup_message_get_request_headers (SoupMessage *
    msg);
SoupMessageHeaders *wanr2v_soup_message_get_response_headers (SoupMessage *
    msg);
void wanr2v_soup_message_set_request_body (SoupMessage * msg,
    const char *content_type, GInputStream * stream, gssize content_length);
void wanr2v_soup_message_set_request_body_from_bytes (SoupMessage * msg,
    const char *content_type, GBytes * bytes);

const char *wanr2v_soup_message_headers_get_one (SoupMessageHeaders * hdrs,
    const char *name);
void wanr2v_soup_message_headers_replace (SoupMessageHeaders * hdrs,
    const char *name, const char *value);
goffset wanr2v_soup_message_headers_get_content_length (SoupMessageHeaders *
    hdrs);
gboolean wanr2v_soup_message_headers_get_content_range (SoupMessageHeaders *
    hdrs, goffset * start, goffset * end, goffset * total_length);
SoupEncoding wanr2v_soup_message_headers_get_encoding (SoupMessageHeaders *
    hdrs);
const char *wanr2v_soup_message_headers_get_content_type (SoupMessageHeaders
    * hdrs, GHashTable ** params);
void wanr2v_soup_message_headers_set_range (SoupMessageHeaders * hdrs,
    goffset start, goffset end);

void wanr2v_soup_session_send_async (SoupSession * session, SoupMessage * msg,
    int io_priority, GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data);
GInputStream *wanr2v_soup_session_send_finish (SoupSession * session,
    GAsyncResult * result, GError ** error);
GInputStream *wanr2v_soup_session_send (SoupSession * session,
    SoupMessage * msg, GCancellable * cancellable, GError ** error);
void wanr2v_soup_session_abort (SoupSession * session);

const char *wanr2v_soup_status_get_phrase (guint status_code);

G_END_DECLS
