/* emu-server-private.h: what the API handlers share with the listeners. */
#pragma once

#include "emu-faults.h"
#include "emu-request-log.h"
#include "emu-results.h"
#include "emu-server.h"
#include "emu-tasks.h"
#include "emu-uploads.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

struct _EmuServer
{
  EmuConfig config;
  SoupServer *api;
  SoupServer *oss;
  guint api_port;
  guint oss_port;
  char *api_base;
  char *oss_base;
  EmuRequestLog *log;
  EmuTaskStore *tasks;
  EmuResults *results;
  EmuUploads *uploads;
  EmuFaults *faults;
  guint64 download_rate;        /* bytes/s, 0: no limit; /__emulator/config */
  guint64 upload_rate;          /* the same, per upload body read */
  char *result_file;            /* what tasks serve (maybe a padded copy) */
  guint jobs_in_flight;         /* workers not yet reported back */
};

/* Offers @msg to the faults of @target; a fault that fires is noted in the
 * request log ("fault", "fault_id") and returned. */
const EmuFault *emu_server_take_fault (EmuServer * server,
    SoupServerMessage * msg, EmuFaultTarget target, gboolean has_range);

/* What a fault does instead of the normal handling: an error reply
 * (`status`: JSON with @request_id, or OSS XML when @request_id is NULL)
 * or a reset.  TRUE when it answered the request. */
gboolean emu_server_fault_preempts (SoupServerMessage * msg,
    const EmuFault * fault, const char *request_id);

/* What a fault does after the normal handling: `delay` holds the reply
 * back, `drop` ends the connection instead of replying. */
void emu_server_fault_finish (SoupServerMessage * msg,
    const EmuFault * fault);

/* Replies with JSON @body (taken) and the x-request-id header. */
void emu_server_reply_json (SoupServerMessage * msg, guint status,
    JsonNode * body, const char *request_id);

/* Replies {"request_id","code","message"} with status. */
void emu_server_reply_error (SoupServerMessage * msg, guint status,
    const char *code, const char *message, const char *request_id);

/* The DashScope API, @path relative to /api/v1 (authenticated already). */
void emu_api_handle (EmuServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, const char *request_id);

/* Builds GET /__emulator/tasks. */
JsonNode *emu_api_tasks_to_json (EmuServer * server);

G_END_DECLS
