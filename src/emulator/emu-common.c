/* emu-common.c: small pieces shared by the emulator's files. */
#include "emu-common.h"

#include <gio/gio.h>
#include <string.h>

EmuServiceError *
emu_service_error_new (guint status, const char *code, const char *format,
    ...)
{
  EmuServiceError *error = g_new0 (EmuServiceError, 1);
  va_list args;

  error->status = status;
  error->code = g_strdup (code);
  va_start (args, format);
  error->message = g_strdup_vprintf (format, args);
  va_end (args);
  return error;
}

void
emu_service_error_free (EmuServiceError * error)
{
  if (error == NULL)
    return;
  g_free (error->code);
  g_free (error->message);
  g_free (error);
}

void
emu_set_service_error (EmuServiceError ** dest, guint status,
    const char *code, const char *format, ...)
{
  EmuServiceError *error;
  va_list args;

  if (dest == NULL)
    return;
  g_return_if_fail (*dest == NULL);

  error = g_new0 (EmuServiceError, 1);
  error->status = status;
  error->code = g_strdup (code);
  va_start (args, format);
  error->message = g_strdup_vprintf (format, args);
  va_end (args);
  *dest = error;
}

char *
emu_format_task_time (gint64 real_time_us)
{
  g_autoptr (GTimeZone) beijing = g_time_zone_new_offset (8 * 3600);
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autofree char *seconds = NULL;
  gint64 secs = real_time_us / G_USEC_PER_SEC;
  int millis = (int) ((real_time_us % G_USEC_PER_SEC) / 1000);

  utc = g_date_time_new_from_unix_utc (secs);
  local = g_date_time_to_timezone (utc, beijing);
  seconds = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  return g_strdup_printf ("%s.%03d", seconds, millis);
}

char *
emu_json_to_string (JsonNode * node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

gboolean
emu_host_is_loopback (const char *host)
{
  g_autoptr (GInetAddress) addr = NULL;
  g_autofree char *bare = NULL;
  gsize len;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  /* GUri keeps the brackets of an IPv6 literal. */
  len = strlen (host);
  if (len > 2 && host[0] == '[' && host[len - 1] == ']')
    bare = g_strndup (host + 1, len - 2);
  else
    bare = g_strdup (host);

  addr = g_inet_address_new_from_string (bare);
  return addr != NULL && g_inet_address_get_is_loopback (addr);
}

char *
emu_url_for_message (const char *url)
{
  const char *comma;

  if (url == NULL)
    return g_strdup ("(none)");
  if (g_ascii_strncasecmp (url, "data:", 5) == 0
      && (comma = strchr (url, ',')) != NULL)
    return g_strdup_printf ("%.*s,... (%" G_GSIZE_FORMAT " characters)",
        (int) MIN (comma - url, 60), url, strlen (url));
  if (strlen (url) > 300)
    return g_strdup_printf ("%.300s...", url);
  return g_strdup (url);
}
