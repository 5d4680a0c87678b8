/* wanr2v-intent.c: the intent record written before every create. */
#include "wanr2v-intent.h"
#include "wanr2v-cache.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

void
wanr2v_intent_free (WanR2vIntent * intent)
{
  if (intent == NULL)
    return;
  g_free (intent->model);
  g_free (intent->prompt);
  g_free (intent);
}

static char *
intent_path (const char *dir, const char *key)
{
  g_autofree char *name = g_strconcat (key, ".intent", NULL);

  return g_build_filename (dir, name, NULL);
}

gboolean
wanr2v_intent_write (const char *dir, const char *key, const char *model,
    const char *prompt, gint64 sent_ms, GError ** error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *path = intent_path (dir, key);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model);
  json_builder_set_member_name (builder, "prompt");
  json_builder_add_string_value (builder, prompt ? prompt : "");
  json_builder_set_member_name (builder, "sent_ms");
  json_builder_add_int_value (builder, sent_ms);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  /* Durable before the create leaves. */
  return wanr2v_cache_write_record (dir, path, root, error);
}

WanR2vIntent *
wanr2v_intent_read (const char *dir, const char *key, gint64 max_age_s)
{
  g_autofree char *path = intent_path (dir, key);
  /* Like the journal: not through a link, not a huge or special file. */
  g_autoptr (JsonObject) obj = wanr2v_cache_read_record (path);
  WanR2vIntent *intent;

  if (obj == NULL)
    return NULL;
  intent = g_new0 (WanR2vIntent, 1);
  intent->model = g_strdup (wanr2v_cache_record_string (obj, "model"));
  intent->prompt = g_strdup (wanr2v_cache_record_string (obj, "prompt"));
  if (intent->prompt == NULL)
    intent->prompt = g_strdup ("");
  intent->sent_ms = wanr2v_cache_record_int (obj, "sent_ms");
  if (intent->model == NULL || intent->sent_ms <= 0
      || g_get_real_time () / 1000 - intent->sent_ms > max_age_s * 1000) {
    /* A task older than that cannot be queried any more. */
    g_unlink (path);
    wanr2v_intent_free (intent);
    return NULL;
  }
  return intent;
}

void
wanr2v_intent_remove (const char *dir, const char *key)
{
  g_autofree char *path = intent_path (dir, key);

  g_unlink (path);
}
