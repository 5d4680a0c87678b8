/* wanr2v-cache-dir.h: the cache directory and the videos kept in it.
 *
 * GLib only: the plugin serves a kept video with these before it has
 * opened its engine (gst/gstwanr2vsrc-engine.h).  The keys, records and
 * journals are wanr2v-cache's.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* $XDG_CACHE_HOME/wanr2v/videos: the element's cache-dir by default. */
char *wanr2v_cache_default_dir (void);

/* Makes @dir (a job's output_dir) safe to keep videos and journals in,
 * and returns the directory to use.  Creates it (mode 0700) if missing.
 * Refuses (WANR2V_ERROR_BAD_REQUEST, about WANR2V_FIELD_OUTPUT_DIR) a
 * directory that cannot be made, that the user does not own or that
 * others (group or world) can write to: they could plant a video,
 * a journal naming their task, or a symbolic link.  The exception is a
 * shared directory with the sticky bit (such as /tmp): there the private
 * subfolder wanr2v-<uid> is used, created 0700, and refused unless it is a
 * real directory of the user's that nobody else can enter. */
char *wanr2v_cache_dir_prepare (const char *dir, GError ** error);

char *wanr2v_cache_video_path (const char *dir, const char *key);

/* TRUE when a complete video is kept for @key; its path and size. */
gboolean wanr2v_cache_lookup (const char *dir, const char *key, char **path,
    guint64 * size);

/* The contents of the small record at @path (a journal, a kept record, an
 * index: at most 64 KiB), or NULL.  O_NOFOLLOW, so that a symbolic link
 * put in its place does not make this element read another file. */
char *wanr2v_cache_read_small_file (const char *path, gsize * length);

G_END_DECLS
