/* emu-server.h: the emulator's two HTTP listeners.
 *
 * The API listener serves the DashScope API under /api/v1 and the control
 * endpoints under /__emulator; the OSS listener, on another port so that
 * result and upload URLs point at a different host than the API, serves
 * signed result URLs and the upload form.  Both feed one request log.
 */
#pragma once

#include "emu-dist.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *host;
  guint port;                   /* 0: any free port */
  guint oss_port;               /* 0: any free port */
  char *api_key;
  guint pending_ms;
  guint running_ms;
  const EmuDist *pending_dist;  /* NULL: always pending_ms */
  const EmuDist *running_dist;  /* NULL: always running_ms */
  guint32 seed;                 /* of the duration draws */
  guint64 download_rate;        /* result downloads, bytes/s; 0: no limit */
  guint64 upload_rate;          /* reading each upload, bytes/s; 0: none */
  guint64 result_size;          /* 0: videos as rendered; else padded */
  char *result_file;            /* served for every task instead of a render */
  char **faults;                /* SPEC strings, checked already */
  gboolean moov_first;
  guint url_ttl_s;
  guint task_ttl_s;
  guint policy_ttl_s;
  char *storage_dir;            /* must exist */
  gboolean reject_long_prompts;
  guint max_in_progress;        /* tasks in progress per account; 0: none */
  guint extra_billed_s;         /* billed beyond the guide's formula */
  gboolean queue_over_limit;    /* past it: queue (TRUE) or refuse */
  gboolean strict_references;   /* fail unreachable references, as the
                                 * service would, instead of placeholders */
  gboolean verbose;
} EmuConfig;

typedef struct _EmuServer EmuServer;

/* Starts listening on both ports.  Fails on a fault SPEC that does not
 * parse, or a --result-file that cannot be padded. */
EmuServer *emu_server_new (const EmuConfig * config, GError ** error);

guint emu_server_get_api_port (EmuServer * server);
guint emu_server_get_oss_port (EmuServer * server);
/* "http://HOST:PORT/api/v1" */
const char *emu_server_get_api_base (EmuServer * server);
/* "http://HOST:OSSPORT" */
const char *emu_server_get_oss_base (EmuServer * server);

/* Cancels the work of every task and waits (running @context) up to
 * @timeout_ms for the workers to stop, so that storage can be removed. */
void emu_server_shutdown (EmuServer * server, GMainContext * context,
    guint timeout_ms);
void emu_server_free (EmuServer * server);

G_END_DECLS
