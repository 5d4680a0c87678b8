/* wanr2v-keylock.h: one create at a time per request key.
 *
 * Two runs of one request started together (in one process or two) would
 * each see no journal and each create a task.  A run therefore holds an
 * exclusive lock on <key>.lock in the cache directory from before it reads
 * the journal until its own task is journaled (or it knows none will be
 * made); the second run waits for it, then finds the first's journal and
 * follows that task.  flock() locks belong to the open file, so two jobs of
 * one process exclude each other as two processes do, and a killed process
 * lets go of its lock at once.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Takes the lock of @key without waiting: returns a file descriptor that
 * holds it, or -1, with @error set when the lock file cannot be opened
 * (and unset when another run holds the lock). */
int wanr2v_key_lock_try (const char *dir, const char *key, GError ** error);

/* Lets go of a lock that wanr2v_key_lock_try() gave (-1: nothing). */
void wanr2v_key_lock_release (int fd);

G_END_DECLS
