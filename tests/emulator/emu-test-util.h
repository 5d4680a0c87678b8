/* emu-test-util.h: helpers for the emulator's protocol tests: a blocking
 * HTTP client, task helpers and a loopback file server for references. */
#pragma once

#include "emulator-fixture.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  guint status;
  GBytes *body;
  SoupMessageHeaders *headers;  /* response headers */
  JsonNode *json;               /* NULL unless the body parsed as JSON */
} EmuReply;

void emu_reply_free (EmuReply * reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuReply, emu_reply_free)

/* Sends a request; @headers is a NULL-terminated name, value, ... list. */
EmuReply *emu_http (const char *method, const char *url,
    const char *const *headers, const char *body, const char *content_type);

/* How a connection ended, seen from the client. */
typedef enum
{
  EMU_RAW_EOF,                  /* a clean end of stream (FIN) */
  EMU_RAW_RESET,                /* "connection reset by peer" (RST) */
} EmuRawEnd;

/* What arrived on the wire, byte for byte, for tests of faults that a
 * normal HTTP client would hide behind an error. */
typedef struct
{
  gboolean got_headers;         /* a whole status line and header block */
  guint status;
  SoupMessageHeaders *headers;  /* NULL without got_headers */
  GBytes *body;                 /* what followed the headers, as received */
  EmuRawEnd end;
  gint64 elapsed_us;            /* from sending the request to the end */
} EmuRawReply;

void emu_raw_reply_free (EmuRawReply * reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuRawReply, emu_raw_reply_free)

/* Sends one HTTP/1.1 request (Connection: close) over a plain socket and
 * reads until the server ends the connection.  @headers as for emu_http;
 * @body is sent as application/json when not NULL. */
EmuRawReply *emu_raw_request (const char *method, const char *url,
    const char *const *headers, const char *body);

/* Content-Length of a raw reply's headers (-1 when absent). */
gint64 emu_raw_content_length (EmuRawReply * reply);

/* JSON object member helpers on a reply (abort when absent). */
JsonObject *emu_reply_object (EmuReply * reply);
const char *emu_reply_string (EmuReply * reply, const char *member);

/* Calls @path under the fixture's base URL with Bearer test-key (and,
 * for POST with a body, X-DashScope-Async: enable and JSON). */
EmuReply *emu_api (EmuFixture * f, const char *method, const char *path,
    const char *body);

/* The API-key and async headers emu_api sends, for emu_raw_request
 * (a NULL-terminated list, owned by @f's test: free with g_strfreev). */
char **emu_api_headers (EmuFixture * f);

/* Creates a task from @body; asserts a 200 and returns the task id. */
char *emu_create_task (EmuFixture * f, const char *body);

/* Polls the task every 20 ms until its status is @status (or until 8 s
 * passed: then fails the test).  Returns the last reply. */
EmuReply *emu_wait_status (EmuFixture * f, const char *task_id,
    const char *status);

/* $WANR2V_TEST_DATA/@name as a data: URI of @mime. */
char *emu_data_uri (const char *name, const char *mime);

/* A SoupServer on 127.0.0.1 in its own thread that serves the files of
 * $WANR2V_TEST_DATA; returns its base URL ("http://127.0.0.1:PORT/"). */
const char *emu_test_file_server (void);

/* A minimal wan2.7 request body with one data: image reference. */
char *emu_simple_body (const char *model, const char *params_json);

/* Creates a small task (2 s, 720P), waits for it and returns its signed
 * video URL. */
char *emu_render_one (EmuFixture * f);

/* The last request log record whose path starts with
 * @path_prefix (and @method, when not NULL); aborts when there is none.
 * Caller unrefs. */
JsonObject *emu_last_request (EmuFixture * f, const char *method,
    const char *path_prefix);

/* Whether @text matches "YYYY-MM-DD HH:mm:ss.SSS". */
gboolean emu_is_task_time (const char *text);

/* Big-endian integers at any address (MP4 box headers sit at odd
 * offsets, where a plain guint32 load is undefined behaviour). */
guint32 read_be32 (const void *p);
guint64 read_be64 (const void *p);

G_END_DECLS
