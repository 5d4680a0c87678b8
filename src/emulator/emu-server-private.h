/* emu-server-private.h: what the API handlers share with the listeners. */
#pragma once

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
  guint jobs_in_flight;         /* workers not yet reported back */
};

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
