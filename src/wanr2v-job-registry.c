/* wanr2v-job-registry.c: the tasks this process follows.
 *
 * Task ids of every job of the process, live or ended within the last
 * RECENT_TASK_S, so that recovering a lost create never adopts a sibling's
 * task, nor the task of an earlier run of this process.
 */
#include "wanr2v-job-private.h"

#define RECENT_TASK_S (10 * 60)

static GMutex owned_lock;
/* task id -> when the job let go of it (monotonic; 0 while followed) */
static GHashTable *owned_tasks;

void
wanr2v_job_own_task (const char *task_id, gboolean own)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key, value;

  g_mutex_lock (&owned_lock);
  if (owned_tasks == NULL)
    owned_tasks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        g_free);
  /* Forget what was let go of long ago. */
  g_hash_table_iter_init (&iter, owned_tasks);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    gint64 released = *(gint64 *) value;

    if (released != 0 && now - released > RECENT_TASK_S * G_USEC_PER_SEC)
      g_hash_table_iter_remove (&iter);
  }
  g_hash_table_replace (owned_tasks, g_strdup (task_id),
      g_memdup2 (own ? &(gint64) { 0 } : &now, sizeof (gint64)));
  g_mutex_unlock (&owned_lock);
}

gboolean
wanr2v_job_task_is_owned (const char *task_id)
{
  gboolean owned;

  g_mutex_lock (&owned_lock);
  owned = owned_tasks && g_hash_table_contains (owned_tasks, task_id);
  g_mutex_unlock (&owned_lock);
  return owned;
}
