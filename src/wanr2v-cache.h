/* wanr2v-cache.h: kept videos and the task journal.
 *
 * A generated video is paid for: it is kept on disk under a key computed
 * from the canonical request (the create body with the service's defaults
 * filled in and local files replaced by the SHA-256 of their contents,
 * plus the API host; never the API key), so running the same pipeline again
 * serves it without a new task.
 *
 * The journal is a small file per key, written as soon as a task exists and
 * removed once its video is kept (or the task ended without one): a process
 * killed in between finds the task again and attaches to it instead of
 * paying for a second one.
 */
#pragma once

#include <gio/gio.h>
#include "wanr2v-request.h"
#include "wanr2v-cache-dir.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  WANR2V_CACHE_REUSE,           /* serve a kept video; resume a journaled task */
  WANR2V_CACHE_REFRESH,         /* always make a new video (and keep it) */
  WANR2V_CACHE_OFF,             /* no lookups; videos kept by task id */
} WanR2vCachePolicy;

/* Tasks can be queried for 24 hours; older journal entries are useless. */
#define WANR2V_JOURNAL_MAX_AGE_S (24 * 3600)

/* The key of @req sent to @base_url: 64 hex characters.  Reads (hashes)
 * every local file of the request (regular files only): call it in a
 * worker thread; @cancellable stops it between blocks. */
char *wanr2v_cache_key (const WanR2vRequest * req, const char *base_url,
    GCancellable * cancellable, GError ** error);

/* Records that task @task_id was created for @key (atomically). */
/* The small JSON records of the cache directory (journal, kept, intent):
 * @root written to @path (in @dir, created 0700 if need be) as 0600, never
 * half (a temporary file renamed) and durable. */
gboolean wanr2v_cache_write_record (const char *dir, const char *path,
    JsonNode * root, GError ** error);
/* The object of the record at @path, read only if it is a regular file (not
 * through a symbolic link) of at most 64 KiB; a file that is not a JSON
 * object is removed.  NULL when there is none.  Caller unrefs. */
JsonObject *wanr2v_cache_read_record (const char *path);
/* A record's member of that type; NULL / 0 when absent or of another. */
const char *wanr2v_cache_record_string (JsonObject * record,
    const char *name);
gint64 wanr2v_cache_record_int (JsonObject * record, const char *name);

gboolean wanr2v_journal_write (const char *dir, const char *key,
    const char *task_id, const char *model, GError ** error);

/* The task journaled for @key if it is younger than @max_age_s, else NULL
 * (and an outdated entry is removed). */
char *wanr2v_journal_read (const char *dir, const char *key,
    gint64 max_age_s);

/* Removes the journal of @key if it names @task_id: two runs of one
 * request at once each journal their own task, and the last one written
 * must stay until its own task is done. */
void wanr2v_journal_remove (const char *dir, const char *key,
    const char *task_id);

/* Once the video of @key is kept: records @task_id (of @model) as the task
 * that made it (<key>.kept), so a later cache hit can name it, and removes
 * the journal as wanr2v_journal_remove() does. */
void wanr2v_journal_keep (const char *dir, const char *key,
    const char *task_id, const char *model);

/* The task that made the kept video of @key, or NULL if unrecorded. */
char *wanr2v_cache_kept_task (const char *dir, const char *key);

G_END_DECLS
