/* emu-results.h: the "OSS" side of results: signed URLs and file serving.
 *
 * Result URLs look like the service's signed OSS URLs:
 *   http://HOST:PORT/results/<task>.mp4
 *       ?Expires=<epoch>&OSSAccessKeyId=<id>&Signature=<sig>
 * The signature is an HMAC-SHA256, keyed with a secret drawn at start-up,
 * over "<Expires>\n<path>", base64 and URL-escaped: the same for GET and
 * HEAD.  Files are served by emu-body.c: from a memory mapping, a slice at
 * a time, so a result of hundreds of MB costs no copy per request.
 */
#pragma once

#include "emu-body.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _EmuResults EmuResults;

EmuResults *emu_results_new (const char *results_dir, guint url_ttl_s);
void emu_results_free (EmuResults * results);

/* The signed URL of @path (e.g. "/results/<id>.mp4") on @oss_base
 * ("http://127.0.0.1:PORT"), valid for the URL TTL from now. */
char *emu_results_sign_url (EmuResults * results, const char *oss_base,
    const char *path);

typedef struct
{
  EmuBodyOptions body;          /* pacing, cut */
  gboolean ignore_range;        /* answer a Range request with 200, all */
  gboolean wrong_range;         /* answer a Range request with 206 from 0 */
} EmuServeOptions;

/* A 200 text/html page of @size bytes in place of the video: what a
 * captive portal or a corporate proxy sends. */
void emu_results_reply_html (SoupServerMessage * msg, gsize size);

/* Answers a GET or HEAD of @path (starting "/results/") on the OSS
 * listener: checks expiry and signature, then serves the file, honouring a
 * single-range Range header (unless @options says to ignore it). */
void emu_results_serve (EmuResults * results, SoupServerMessage * msg,
    const char *path, GHashTable * query, const EmuServeOptions * options);

/* The 403 "Request has expired." reply, for a URL whose Expires parameter
 * is @expires (epoch seconds, as in the URL; may be NULL). */
void emu_results_reply_expired (SoupServerMessage * msg,
    const char *expires);

/* Computes the CRC-64 of the result @name in @results_dir (once per
 * file: a file linked for every task is hashed once) and keeps it beside
 * it, for the x-oss-hash-crc64ecma header of its replies.  Blocking: for
 * the worker that made the result. */
gboolean emu_results_store_checksum (const char *results_dir,
    const char *name, GError ** error);

/* Replies with an OSS-style XML error; @extra_xml (may be NULL) is inserted
 * before </Error>. */
void emu_oss_reply_error (SoupServerMessage * msg, guint status,
    const char *code, const char *message, const char *extra_xml);

G_END_DECLS
