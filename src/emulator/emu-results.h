/* emu-results.h: the "OSS" side of results: signed URLs and file serving.
 *
 * Result URLs look like the service's signed OSS URLs:
 *   http://HOST:PORT/results/<task>.mp4
 *       ?Expires=<epoch>&OSSAccessKeyId=<id>&Signature=<sig>
 * The signature is an HMAC-SHA256, keyed with a secret drawn at start-up,
 * over "<Expires>\n<path>", base64 and URL-escaped: the same for GET and
 * HEAD.  Files are served from a memory mapping, a range at a time, so a
 * result of hundreds of MB costs no copy per request.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _EmuResults EmuResults;

EmuResults *emu_results_new (const char *results_dir, guint url_ttl_s);
void emu_results_free (EmuResults * results);

/* The signed URL of @path (e.g. "/results/<id>.mp4") on @oss_base
 * ("http://127.0.0.1:PORT"), valid for the URL TTL from now. */
char *emu_results_sign_url (EmuResults * results, const char *oss_base,
    const char *path);

/* Answers a GET or HEAD of @path (starting "/results/") on the OSS
 * listener: checks expiry and signature, then serves the file, honouring a
 * single-range Range header. */
void emu_results_serve (EmuResults * results, SoupServerMessage * msg,
    const char *path, GHashTable * query);

/* Replies with an OSS-style XML error; @extra_xml (may be NULL) is inserted
 * before </Error>. */
void emu_oss_reply_error (SoupServerMessage * msg, guint status,
    const char *code, const char *message, const char *extra_xml);

G_END_DECLS
