/* emu-request-log.h: every request either listener received, in order.
 *
 * This is how tests assert what the emulator was sent: headers (the
 * Authorization header included), query and, for text bodies under 1 MB,
 * the body itself.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _EmuRequestLog EmuRequestLog;

EmuRequestLog *emu_request_log_new (void);
void emu_request_log_free (EmuRequestLog * log);

/* Records @msg (whose body has been read) as received on @listener. */
void emu_request_log_add (EmuRequestLog * log, const char *listener,
    SoupServerMessage * msg);

/* Adds @member to the record of @msg (logged before): what the emulator
 * did to the request, e.g. "fault": "create:drop".  A no-op for a
 * request that was not logged. */
void emu_request_log_note (SoupServerMessage * msg, const char *member,
    const char *value);
void emu_request_log_note_int (SoupServerMessage * msg, const char *member,
    gint64 value);

/* Forgets everything; numbering starts again at 1. */
void emu_request_log_clear (EmuRequestLog * log);

/* A JSON array of the records. */
JsonNode *emu_request_log_to_json (EmuRequestLog * log);

G_END_DECLS
