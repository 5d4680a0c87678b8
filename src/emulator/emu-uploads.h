/* emu-uploads.h: the temporary-file upload of the service (section 7 of the
 * protocol notes): GET /api/v1/uploads?action=getPolicy on the API listener,
 * the OSS PostObject form upload on the OSS listener, and the oss:// lookup
 * that references use.
 *
 * Uploaded objects live in <storage>/uploads/<key>, the model they were
 * uploaded for in <storage>/uploads-meta/<key>: a worker thread can resolve
 * an oss:// reference from the files alone.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _EmuUploads EmuUploads;

EmuUploads *emu_uploads_new (const char *storage_dir, guint policy_ttl_s);
void emu_uploads_free (EmuUploads * uploads);

/* Answers GET /api/v1/uploads (already authenticated); @upload_host is
 * "http://127.0.0.1:OSSPORT".  Returns the JSON reply and its status, or
 * sets @code/@message for an error reply.  @expired: hand out a policy
 * that expired already (a fault), which the upload host will refuse,
 * though the reply looks as usual. */
char *emu_uploads_get_policy (EmuUploads * uploads, GHashTable * query,
    const char *upload_host, const char *request_id, gboolean expired,
    guint * status, char **code, char **message);

/* Answers a POST of the upload form on the OSS listener. */
void emu_uploads_handle_post (EmuUploads * uploads, SoupServerMessage * msg);

/* Forgets every policy handed out (the files stay until exit). */
void emu_uploads_reset (EmuUploads * uploads);

/* Thread-safe helpers for resolving oss://<key>.  NULL for a key that
 * cannot name an object (empty, absolute, with "..").*/
char *emu_uploads_object_path (const char *storage_dir, const char *key);
char *emu_uploads_object_model (const char *storage_dir, const char *key);

G_END_DECLS
