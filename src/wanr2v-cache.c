/* wanr2v-cache.c: kept videos and the task journal. */
#include "wanr2v-cache.h"
#include "wanr2v-error.h"
#include "wanr2v-field.h"
#include "wanr2v-json.h"
#include "wanr2v-localfile.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bump when the canonical form changes, so old keys stop matching. */
#define CANONICAL_VERSION 1

/* Regular files only (a FIFO or /dev/zero is refused before a byte is
 * read), and a stop cancels it between blocks. */
static char *
hash_file (const char *path, GCancellable * cancellable, GError ** error)
{
  g_autofree char *hex = wanr2v_local_file_sha256 (path, "reference",
      cancellable, error);

  return hex ? g_strconcat ("sha256:", hex, NULL) : NULL;
}

/* Local files by content, so that a renamed file still matches and an
 * edited one does not. */
static gboolean
canonical_url (char **url, GCancellable * cancellable, GError ** error)
{
  g_autofree char *path = NULL;
  char *hashed;

  if (*url == NULL || wanr2v_url_classify (*url) != WANR2V_URL_LOCAL)
    return TRUE;
  path = wanr2v_url_to_local_path (*url);
  hashed = path ? hash_file (path, cancellable, error) : NULL;
  if (hashed == NULL) {
    if (error && *error == NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
          "Cannot read %s", *url);
    return FALSE;
  }
  g_free (*url);
  *url = hashed;
  return TRUE;
}

/* The canonical document the key is the hash of. */
static char *
cache_canonical (const WanR2vRequest * req, const char *base_url,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (WanR2vRequest) canon = wanr2v_request_copy (req);
  g_autoptr (GUri) uri = g_uri_parse (base_url ? base_url : "",
      G_URI_FLAGS_NONE, NULL);
  g_autofree char *body = NULL;
  g_autofree char *host = NULL;
  guint i;

  for (i = 0; i < canon->media->len; i++) {
    WanR2vMedia *m = g_ptr_array_index (canon->media, i);

    if (m->voice && *m->voice == '\0')
      g_clear_pointer (&m->voice, g_free);
    if (!canonical_url (&m->url, cancellable, error)
        || !canonical_url (&m->voice, cancellable, error))
      return NULL;
  }

  /* The service's defaults, so that "set to the default" and "not set" are
   * the same request.  The seed stays as given: unset means random, and
   * the kept video is as good an answer as a new random one. */
  if (wanr2v_model_family (canon->model) == WANR2V_FAMILY_WAN27) {
    char *resolution = g_strdup (wanr2v_request_get_resolution (canon));
    char *ratio = g_strdup (wanr2v_request_get_ratio (canon));

    g_free (canon->resolution);
    canon->resolution = resolution;
    g_free (canon->ratio);
    canon->ratio = ratio;
  }
  canon->duration = wanr2v_request_get_duration (canon);
  if (canon->prompt_extend == WANR2V_UNSET)
    canon->prompt_extend = TRUE;
  if (canon->watermark == WANR2V_UNSET)
    canon->watermark = FALSE;

  body = wanr2v_json_build_create_body (canon, error);
  if (body == NULL)
    return NULL;
  host = g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : "");
  return g_strdup_printf ("{\"v\":%d,\"host\":\"%s\",\"body\":%s}",
      CANONICAL_VERSION, host, body);
}

char *
wanr2v_cache_key (const WanR2vRequest * req, const char *base_url,
    GCancellable * cancellable, GError ** error)
{
  g_autofree char *canonical = cache_canonical (req, base_url,
      cancellable, error);

  if (canonical == NULL)
    return NULL;
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical, -1);
}

static char *
key_file_path (const char *dir, const char *key, const char *suffix)
{
  g_autofree char *name = g_strconcat (key, suffix, NULL);

  return g_build_filename (dir, name, NULL);
}

static char *
journal_path (const char *dir, const char *key)
{
  return key_file_path (dir, key, ".task");
}

gboolean
wanr2v_cache_write_record (const char *dir, const char *path, JsonNode * root,
    GError ** error)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0) {
    int err = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "Cannot create %s: %s", dir, g_strerror (err));
    return FALSE;
  }
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* Durable: a record must survive a power cut right after it is
   * written (the create or the download goes on from it). */
  return g_file_set_contents_full (path, text, -1,
      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
      error);
}

static gboolean
write_task_file (const char *dir, const char *path, const char *task_id,
    const char *model, GError ** error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "task_id");
  json_builder_add_string_value (builder, task_id);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, model ? model : "");
  json_builder_set_member_name (builder, "created");
  json_builder_add_int_value (builder, g_get_real_time () / G_USEC_PER_SEC);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return wanr2v_cache_write_record (dir, path, root, error);
}

gboolean
wanr2v_journal_write (const char *dir, const char *key, const char *task_id,
    const char *model, GError ** error)
{
  g_autofree char *path = journal_path (dir, key);

  return write_task_file (dir, path, task_id, model, error);
}

JsonObject *
wanr2v_cache_read_record (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gsize length;

  text = wanr2v_cache_read_small_file (path, &length);
  if (text == NULL)
    return NULL;
  if (!json_parser_load_from_data (parser, text, length, NULL)
      || (root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_unlink (path);
    return NULL;
  }
  return json_object_ref (json_node_get_object (root));
}

const char *
wanr2v_cache_record_string (JsonObject * record, const char *name)
{
  JsonNode *node = json_object_get_member (record, name);

  return node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_STRING ?
      json_node_get_string (node) : NULL;
}

gint64
wanr2v_cache_record_int (JsonObject * record, const char *name)
{
  JsonNode *node = json_object_get_member (record, name);

  return node && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_INT64 ?
      json_node_get_int (node) : 0;
}

/* The task id of a journal (or kept record) at @path; a file that is not
 * one, or older than @max_age_s (when non-negative), is removed. */
static char *
read_task_file (const char *path, gint64 max_age_s)
{
  g_autoptr (JsonObject) obj = wanr2v_cache_read_record (path);
  const char *task_id;
  gint64 created;

  if (obj == NULL)
    return NULL;
  task_id = wanr2v_cache_record_string (obj, "task_id");
  created = wanr2v_cache_record_int (obj, "created");
  if (task_id == NULL || *task_id == '\0' || (max_age_s >= 0
          && g_get_real_time () / G_USEC_PER_SEC - created > max_age_s)) {
    g_unlink (path);
    return NULL;
  }
  return g_strdup (task_id);
}

char *
wanr2v_journal_read (const char *dir, const char *key, gint64 max_age_s)
{
  g_autofree char *path = journal_path (dir, key);

  return read_task_file (path, max_age_s);
}

void
wanr2v_journal_remove (const char *dir, const char *key, const char *task_id)
{
  g_autofree char *path = journal_path (dir, key);
  g_autofree char *journaled = read_task_file (path, -1);

  if (g_strcmp0 (journaled, task_id) == 0)
    g_unlink (path);
}

void
wanr2v_journal_keep (const char *dir, const char *key, const char *task_id,
    const char *model)
{
  g_autofree char *kept = key_file_path (dir, key, ".kept");
  g_autoptr (GError) error = NULL;

  if (!write_task_file (dir, kept, task_id, model, &error))
    g_warning ("could not record task %s of a kept video: %s", task_id,
        error->message);
  wanr2v_journal_remove (dir, key, task_id);
}

char *
wanr2v_cache_kept_task (const char *dir, const char *key)
{
  g_autofree char *path = key_file_path (dir, key, ".kept");

  return read_task_file (path, -1);
}
