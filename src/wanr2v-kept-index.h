/* wanr2v-kept-index.h: kept videos found by the element's settings.
 *
 * A kept video's key is the hash of the canonical create body
 * (wanr2v-cache), which takes json-glib and the whole request model to
 * compute.  The plugin serves kept videos before it has opened its engine
 * (gst/gstwanr2vsrc-engine.h), so it looks them up by a fingerprint of its
 * settings instead: every property that can change what is generated or
 * whether it may be served, and the SHA-256 of each local file they name.
 * When a run's video is kept (made, or served from the cache), the engine
 * records under that fingerprint which key it was: <fingerprint>.index in
 * the cache directory, a GKeyFile.  The same settings then find the same
 * video without the engine.  An index whose video is gone finds nothing,
 * and the engine looks up the key itself.
 *
 * GLib only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Records (atomically, not durably: the index is only a shortcut) that the
 * run with settings @fingerprint kept its video under @key, made by task
 * @task_id (may be NULL), with the stream's tags serialized as @tags (may
 * be NULL). */
gboolean wanr2v_kept_index_write (const char *dir, const char *fingerprint,
    const char *key, const char *task_id, const char *tags,
    GError ** error);

/* The kept video that the index of @fingerprint names, when it is there
 * whole: its path, size, task id (or NULL) and serialized tags (or
 * NULL). */
gboolean wanr2v_kept_index_lookup (const char *dir, const char *fingerprint,
    char **path, guint64 * size, char **task_id, char **tags);

G_END_DECLS
