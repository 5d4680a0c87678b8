/* wanr2v-download-private.h: what wanr2v-download.c (the request and its
 * reply) and wanr2v-download-body.c (the bytes and the end) share.
 */
#pragma once

#include "wanr2v-download.h"
#include "wanr2v-soup.h"
#include "wanr2v-watchdog.h"

G_BEGIN_DECLS

/* Big enough that a 200 MB video is a few hundred writes, small enough that
 * a reader following the file sees progress often. */
#define CHUNK_SIZE (256 * 1024)

/* Write-behind: every this many bytes, the kernel is asked to start writing
 * the new part to disk.  The download is made durable with fsync at the end;
 * without write-behind that fsync would wait for the whole video (seconds
 * for hundreds of MB), with it only for the last window. */
#define WRITE_BEHIND_SIZE (2 * 1024 * 1024)

/* A cut request still takes what arrives next, up to this much: the server
 * has sent it already (a paced server, a slice; the socket's buffers).
 * Whoever cuts must not need those bytes from elsewhere. */
#define CUT_TAKES_BYTES (512 * 1024)

/* A result is at most 15 s of 1080p video: tens of MB.  A host that
 * announces or sends more than this is not serving one, and must not fill
 * the disk. */
#define MAX_VIDEO_BYTES (G_GUINT64_CONSTANT (4) * 1024 * 1024 * 1024)

typedef struct
{
  char *url;
  char *path;
  guint64 offset;               /* where this request starts */
  guint64 end;                  /* where it stops; 0: the video's end */
  gboolean piece;               /* see WanR2vDownloadSpan */
  gboolean complete;            /* checked and durable */
  guint64 written;              /* bytes of the file on disk */
  guint64 written_back;         /* bytes whose writeback was started */
  gint64 total;
  int fd;
  SoupMessage *msg;
  GInputStream *stream;
  guint8 *buffer;
  WanR2vDownloadProgressFunc progress;
  gpointer progress_data;
  WanR2vErrorInfo *details;

  /* What the bytes are checked against before they are trusted. */
  gboolean head_checked;        /* the file starts with an MP4 box */
  guint8 head[8];               /* its first bytes, while not checked */
  guint64 crc;                  /* CRC-64 of the file's bytes so far */
  gboolean crc_valid;           /* ... and it covers [0, written) */
  guint64 crc_from;             /* a resume reads back from here */
  gboolean want_crc_set;
  guint64 want_crc;             /* x-oss-hash-crc64ecma */
  gboolean known_crc_set;       /* the caller's, from an earlier reply */
  guint64 known_crc;
  guint64 known_total;          /* the caller's; 0: unknown */
  GChecksum *md5;               /* only when the reply has Content-MD5 */
  char *want_md5;               /* its value, base64 */

  /* No data for the idle timeout cancels the download, and so does the
   * caller's cancellable (kept to tell a stop from a cut). */
  WanR2vWatchdog *watchdog;
  GCancellable *caller_cancellable;

  /* The caller's cut (WanR2vDownloadSpan): ends the request, keeping
   * what arrived. */
  GCancellable *cut;
  gulong cut_id;
  gboolean cutting;
  guint64 cut_limit;            /* a cut request takes no byte from here */
  gboolean checking;            /* the prefix check runs: nothing sent */
  gboolean body_read;           /* the reply's body was read to its end */
} Download;

/* The host of @url, for messages, in @buf. */
G_GNUC_INTERNAL const char *wanr2v_download_host (const char *url,
    char *buf, gsize buf_size);
/* Ends @task with @error (taken). */
G_GNUC_INTERNAL void wanr2v_download_return_error (GTask * task,
    GError * error);
/* Throws away what is on disk: bytes that cannot be trusted must not be
 * resumed from. */
G_GNUC_INTERNAL void wanr2v_download_discard (Download * dl);
/* wanr2v_download_discard, then ends @task with @error. */
G_GNUC_INTERNAL void wanr2v_download_return_not_video (GTask * task,
    GError * error);
/* Opens the file for writing at @at (emptied for a download from the
 * start). */
G_GNUC_INTERNAL gboolean wanr2v_download_open_file (Download * dl,
    guint64 at, GError ** error);
/* Reads the body from dl->stream, chunk after chunk, to its end. */
G_GNUC_INTERNAL void wanr2v_download_read_next (GTask * task);
/* Every byte is on disk: checks it, makes it durable, ends @task. */
G_GNUC_INTERNAL void wanr2v_download_finish_complete (GTask * task);
/* The span ended where asked, or was cut: ends @task, the bytes kept. */
G_GNUC_INTERNAL void wanr2v_download_finish_partial (GTask * task);
/* Whether the caller's cut (not a stop, a stall or a failure) ended it. */
G_GNUC_INTERNAL gboolean wanr2v_download_was_cut (Download * dl);
/* In a worker: checks the bytes a resumed download starts from. */
G_GNUC_INTERNAL void wanr2v_download_check_prefix_thread (GTask * check,
    gpointer source, gpointer data, GCancellable * cancellable);

G_END_DECLS
