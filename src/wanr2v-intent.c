/* wanr2v-intent.c: the intent record written before every create. */
#include "wanr2v-intent.h"

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
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL, *path = intent_path (dir, key);

  if (g_mkdir_with_parents (dir, 0700) != 0) {
    int err = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "Cannot create %s: %s", dir, g_strerror (err));
    return FALSE;
  }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model);
  json_builder_set_member_name (builder, "prompt");
  json_builder_add_string_value (builder, prompt ? prompt : "");
  json_builder_set_member_name (builder, "sent_ms");
  json_builder_add_int_value (builder, sent_ms);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* Durable before the create leaves: a power cut right after the send
   * must not lose it. */
  return g_file_set_contents_full (path, text, -1,
      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
      error);
}

WanR2vIntent *
wanr2v_intent_read (const char *dir, const char *key, gint64 max_age_s)
{
  g_autofree char *path = intent_path (dir, key);
  g_autofree char *text = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  WanR2vIntent *intent;
  JsonObject *obj;
  JsonNode *root;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, NULL))
    return NULL;
  if (!json_parser_load_from_data (parser, text, length, NULL)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (obj = json_node_get_object (root), "model")
      || !json_object_has_member (obj, "sent_ms")) {
    g_unlink (path);
    return NULL;
  }
  intent = g_new0 (WanR2vIntent, 1);
  intent->model = g_strdup (json_object_get_string_member (obj, "model"));
  intent->prompt = g_strdup (json_object_get_string_member_with_default (obj,
          "prompt", ""));
  intent->sent_ms = json_object_get_int_member (obj, "sent_ms");
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
