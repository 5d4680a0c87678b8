/* wanr2v-kept-index.c: kept videos found by the element's settings (see
 * wanr2v-kept-index.h). */
#include "wanr2v-kept-index.h"
#include "wanr2v-cache-dir.h"
#include "wanr2v-request.h"

#define GROUP "kept"
#define SHA256_HEX_LEN 64

/* 64 lowercase hex digits: a key or a fingerprint, safe in a file name. */
static gboolean
is_sha256_hex (const char *text)
{
  gsize i;

  for (i = 0; i < SHA256_HEX_LEN; i++)
    if (!g_ascii_isxdigit (text[i]) || g_ascii_isupper (text[i]))
      return FALSE;
  return text[SHA256_HEX_LEN] == '\0';
}

static char *
index_path (const char *dir, const char *fingerprint)
{
  g_autofree char *name = g_strconcat (fingerprint, ".index", NULL);

  return g_build_filename (dir, name, NULL);
}

gboolean
wanr2v_kept_index_write (const char *dir, const char *fingerprint,
    const char *key, const char *task_id, const char *tags, GError ** error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gsize length;

  g_return_val_if_fail (is_sha256_hex (fingerprint), FALSE);
  g_return_val_if_fail (is_sha256_hex (key), FALSE);

  g_key_file_set_string (file, GROUP, "key", key);
  if (task_id)
    g_key_file_set_string (file, GROUP, "task-id", task_id);
  if (tags)
    g_key_file_set_string (file, GROUP, "tags", tags);
  text = g_key_file_to_data (file, &length, NULL);
  path = index_path (dir, fingerprint);
  return g_file_set_contents_full (path, text, length,
      G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

gboolean
wanr2v_kept_index_lookup (const char *dir, const char *fingerprint,
    char **path, guint64 * size, char **task_id, char **tags)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autofree char *index = NULL;
  g_autofree char *text = NULL;
  g_autofree char *key = NULL;
  g_autofree char *task = NULL;
  gsize length;

  if (!is_sha256_hex (fingerprint))
    return FALSE;
  index = index_path (dir, fingerprint);
  text = wanr2v_cache_read_small_file (index, &length);
  if (text == NULL
      || !g_key_file_load_from_data (file, text, length, G_KEY_FILE_NONE,
          NULL))
    return FALSE;
  key = g_key_file_get_string (file, GROUP, "key", NULL);
  if (key == NULL || !is_sha256_hex (key)
      || !wanr2v_cache_lookup (dir, key, path, size))
    return FALSE;
  task = g_key_file_get_string (file, GROUP, "task-id", NULL);
  *task_id = task && wanr2v_task_id_is_valid (task) ? g_steal_pointer (&task)
      : NULL;
  *tags = g_key_file_get_string (file, GROUP, "tags", NULL);
  return TRUE;
}
