/* wanr2v-localfile.h: reading the user's local files safely.
 *
 * Paths come from properties, request files and (when the application
 * allows it) URIs.  Only regular files are read: a FIFO would block a
 * reader for ever, /dev/zero or /dev/urandom would never end, and a
 * directory is a mistake.  Each is refused at once, before anything is
 * hashed or read, by a check on the opened descriptor itself (opened with
 * O_NONBLOCK, so that opening a FIFO does not wait for a writer), so a
 * file swapped after an earlier stat is caught too.  Errors are in
 * G_IO_ERROR and start with @what, the name the user knows the file by
 * ("images[0] (Image 1)", "request").
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Checks with stat(2) only (nothing is opened) that @path, if it exists,
 * is a regular file.  A missing or unreadable file passes: whoever reads
 * it says so in its own words. */
gboolean wanr2v_local_file_check (const char *path, const char *what,
    GError ** error);

/* Opens regular file @path for reading; its size in *@size.  With
 * @max_size > 0, a larger file is refused (G_IO_ERROR_MESSAGE_TOO_LARGE,
 * naming the limit).  Returns a descriptor (close-on-exec, blocking) or -1
 * with @error. */
int wanr2v_local_file_open (const char *path, const char *what,
    guint64 max_size, guint64 * size, GError ** error);

/* The same as a stream (closes the descriptor when finalized). */
GInputStream *wanr2v_local_file_open_stream (const char *path,
    const char *what, guint64 max_size, guint64 * size, GError ** error);

/* Reads all of regular file @path, at most @max_size bytes (> 0), in
 * blocks, checking @cancellable between them; a file that grows past the
 * limit while it is read is refused too. */
GBytes *wanr2v_local_file_read (const char *path, const char *what,
    gsize max_size, GCancellable * cancellable, GError ** error);
/* The SHA-256 of regular file @path (64 lowercase hex digits), read in
 * blocks with plain read(2), checking @cancellable between them.  (Not
 * through a GInputStream: a cache hit hashes its references on the
 * element's state change, and GIO's stream classes cost a third of a
 * millisecond to initialise the first time.) */
char *wanr2v_local_file_sha256 (const char *path, const char *what,
    GCancellable * cancellable, GError ** error);

G_END_DECLS
