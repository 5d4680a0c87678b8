/* emu-common.h: small pieces shared by the emulator's files.
 *
 * The service's error triple (HTTP status, code, message), its time format,
 * and JSON helpers.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* An error as the service reports it: the HTTP status of the reply (or 200
 * for a FAILED task), the machine-readable code and the human message. */
typedef struct
{
  guint status;
  char *code;
  char *message;
} EmuServiceError;

EmuServiceError *emu_service_error_new (guint status, const char *code,
    const char *format, ...) G_GNUC_PRINTF (3, 4);
void emu_service_error_free (EmuServiceError * error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuServiceError, emu_service_error_free)

/* Sets *@dest (which must be NULL or unset) like g_set_error. */
void emu_set_service_error (EmuServiceError ** dest, guint status,
    const char *code, const char *format, ...) G_GNUC_PRINTF (4, 5);

/* "YYYY-MM-DD HH:mm:ss.SSS" in UTC+8, the service's task time format. */
char *emu_format_task_time (gint64 real_time_us);

/* Serialises @node compactly. */
char *emu_json_to_string (JsonNode * node);

/* @url as it may appear in a message: data: URIs are cut after their
 * header, so that a 20 MB image does not end up in a task's message. */
char *emu_url_for_message (const char *url);

/* Whether @host names this machine's loopback interface. */
gboolean emu_host_is_loopback (const char *host);

G_END_DECLS
