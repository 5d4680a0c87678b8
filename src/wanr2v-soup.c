/* wanr2v-soup.c: libsoup, loaded on first use (see wanr2v-soup.h). */
#include "config.h"
#include "wanr2v-soup.h"
#include "wanr2v-error.h"
#include "wanr2v-library.h"

/* Every soup function the core calls.  The table's pointers take their
 * types from soup's own declarations, so a wrapper that does not match
 * its function does not compile. */
#define WANR2V_SOUP_FUNCTIONS(F) \
  F (soup_session_get_type) \
  F (soup_message_new) \
  F (soup_message_add_flags) \
  F (soup_message_get_status) \
  F (soup_message_get_request_headers) \
  F (soup_message_get_response_headers) \
  F (soup_message_set_request_body) \
  F (soup_message_set_request_body_from_bytes) \
  F (soup_message_headers_get_one) \
  F (soup_message_headers_replace) \
  F (soup_message_headers_get_content_length) \
  F (soup_message_headers_get_content_range) \
  F (soup_message_headers_get_encoding) \
  F (soup_message_headers_get_content_type) \
  F (soup_message_headers_set_range) \
  F (soup_session_send_async) \
  F (soup_session_send_finish) \
  F (soup_session_send) \
  F (soup_session_abort) \
  F (soup_status_get_phrase)

typedef struct
{
#define DECLARE_POINTER(name) __typeof__ (name) *name;
  WANR2V_SOUP_FUNCTIONS (DECLARE_POINTER)
#undef DECLARE_POINTER
} SoupTable;

/* Filled once, when the library is opened. */
static SoupTable table;

#define SYMBOL(function) { #function, (gpointer *) &table.function },
static const WanR2vSymbol symbols[] = { WANR2V_SOUP_FUNCTIONS (SYMBOL) };
#undef SYMBOL

static WanR2vLibrary library = {
  "WANR2V_SOUP_LIBRARY", WANR2V_SOUP_SONAME, "HTTP", symbols,
  G_N_ELEMENTS (symbols), NULL, G_ONCE_INIT
};

gboolean
wanr2v_soup_load (GError ** error)
{
  return wanr2v_library_load (&library, error);
}

#define CALL(name, fallback, ...) \
  WANR2V_LIBRARY_CALL (&library, table, name, fallback, __VA_ARGS__)
#define CALL_VOID(name, ...) \
  WANR2V_LIBRARY_CALL_VOID (&library, table, name, __VA_ARGS__)

GType
wanr2v_soup_session_get_type (void)
{
  if (!wanr2v_library_is_loaded (&library))
    return G_TYPE_INVALID;
  return table.soup_session_get_type ();
}

SoupMessage *
wanr2v_soup_message_new (const char *method, const char *uri_string)
{
  CALL (soup_message_new, NULL, method, uri_string);
}

void
wanr2v_soup_message_add_flags (SoupMessage * msg, SoupMessageFlags flags)
{
  CALL_VOID (soup_message_add_flags, msg, flags);
}

guint
wanr2v_soup_message_get_status (SoupMessage * msg)
{
  CALL (soup_message_get_status, 0, msg);
}

SoupMessageHeaders *
wanr2v_soup_message_get_request_headers (SoupMessage * msg)
{
  CALL (soup_message_get_request_headers, NULL, msg);
}

SoupMessageHeaders *
wanr2v_soup_message_get_response_headers (SoupMessage * msg)
{
  CALL (soup_message_get_response_headers, NULL, msg);
}

void
wanr2v_soup_message_set_request_body (SoupMessage * msg,
    const char *content_type, GInputStream * stream, gssize content_length)
{
  CALL_VOID (soup_message_set_request_body, msg, content_type, stream,
      content_length);
}

void
wanr2v_soup_message_set_request_body_from_bytes (SoupMessage * msg,
    const char *content_type, GBytes * bytes)
{
  CALL_VOID (soup_message_set_request_body_from_bytes, msg, content_type,
      bytes);
}

const char *
wanr2v_soup_message_headers_get_one (SoupMessageHeaders * hdrs,
    const char *name)
{
  CALL (soup_message_headers_get_one, NULL, hdrs, name);
}

void
wanr2v_soup_message_headers_replace (SoupMessageHeaders * hdrs,
    const char *name, const char *value)
{
  CALL_VOID (soup_message_headers_replace, hdrs, name, value);
}

goffset
wanr2v_soup_message_headers_get_content_length (SoupMessageHeaders * hdrs)
{
  CALL (soup_message_headers_get_content_length, 0, hdrs);
}

gboolean
wanr2v_soup_message_headers_get_content_range (SoupMessageHeaders * hdrs,
    goffset * start, goffset * end, goffset * total_length)
{
  CALL (soup_message_headers_get_content_range, FALSE, hdrs, start, end,
      total_length);
}

SoupEncoding
wanr2v_soup_message_headers_get_encoding (SoupMessageHeaders * hdrs)
{
  CALL (soup_message_headers_get_encoding, SOUP_ENCODING_UNRECOGNIZED, hdrs);
}

const char *
wanr2v_soup_message_headers_get_content_type (SoupMessageHeaders * hdrs,
    GHashTable ** params)
{
  CALL (soup_message_headers_get_content_type, NULL, hdrs, params);
}

void
wanr2v_soup_message_headers_set_range (SoupMessageHeaders * hdrs,
    goffset start, goffset end)
{
  CALL_VOID (soup_message_headers_set_range, hdrs, start, end);
}

void
wanr2v_soup_session_send_async (SoupSession * session, SoupMessage * msg,
    int io_priority, GCancellable * cancellable, GAsyncReadyCallback callback,
    gpointer user_data)
{
  CALL_VOID (soup_session_send_async, session, msg, io_priority, cancellable,
      callback, user_data);
}

GInputStream *
wanr2v_soup_session_send_finish (SoupSession * session, GAsyncResult * result,
    GError ** error)
{
  CALL (soup_session_send_finish, NULL, session, result, error);
}

GInputStream *
wanr2v_soup_session_send (SoupSession * session, SoupMessage * msg,
    GCancellable * cancellable, GError ** error)
{
  CALL (soup_session_send, NULL, session, msg, cancellable, error);
}

void
wanr2v_soup_session_abort (SoupSession * session)
{
  CALL_VOID (soup_session_abort, session);
}

const char *
wanr2v_soup_status_get_phrase (guint status_code)
{
  CALL (soup_status_get_phrase, NULL, status_code);
}
