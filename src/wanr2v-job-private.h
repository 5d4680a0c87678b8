/* wanr2v-job-private.h: what the parts of a job share.
 *
 * A job is a state machine (WanR2vJobState): wanr2v-job.c holds its table
 * and the one transition function, wanr2v_job_goto(); each phase lives in a
 * file of its own (see the table in wanr2v-job.c and docs/design.md):
 *   wanr2v-job-prepare.c   PREPARING, DRY_RUN: checks, inlining, the key
 *   wanr2v-job-create.c    LOCKING, RECOVERING, CREATING: a task, once
 *   wanr2v-job-budget.c    SLOT_WAIT, the cost prediction, the dry run body
 *   wanr2v-job-upload.c    UPLOADING
 *   wanr2v-job-wait.c      WAITING: the task's status
 *   wanr2v-job-download.c  DOWNLOADING, SERVING: the video on disk
 *   wanr2v-job-reader.c    the reader's side (any thread)
 *   wanr2v-job-registry.c  the tasks this process follows
 *   wanr2v-job-steps.c     how replies, timers and workers come back
 *
 * Every asynchronous step comes back through wanr2v_job_reply_new() or
 * wanr2v_job_schedule(): they hold the job's reference and skip the step
 * once the job is stopped, so no step checks for a stop or unrefs.
 *
 * Threading: fields under "HTTP thread" are only touched there; fields under
 * "shared" are protected by @lock and signalled with @cond, because the
 * reader (a GStreamer streaming thread) waits on them.
 */
#pragma once

#include "wanr2v-job.h"
#include "wanr2v-client.h"
#include "wanr2v-http.h"
#include "wanr2v-poller.h"
#include "wanr2v-ranges.h"
#include "wanr2v-slots.h"

G_BEGIN_DECLS

/* The job's life.  PREPARING is first (or WAITING, for a task-id); DONE,
 * FAILED and STOPPED are the ends, and nothing leaves them. */
typedef enum
{
  WANR2V_JOB_STATE_NEW,
  WANR2V_JOB_STATE_PREPARING,   /* worker: cache lookup, inspection, cost,
                                 * inlining, the cache key */
  WANR2V_JOB_STATE_DRY_RUN,     /* shows the create, sends nothing */
  WANR2V_JOB_STATE_LOCKING,     /* waits for the request's key lock, then
                                 * decides from journal, intent and cache */
  WANR2V_JOB_STATE_RECOVERING,  /* looks for the task of a lost create */
  WANR2V_JOB_STATE_SLOT_WAIT,   /* waits for a slot of max-tasks-in-progress */
  WANR2V_JOB_STATE_UPLOADING,   /* local files to temporary storage */
  WANR2V_JOB_STATE_CREATING,    /* builds the body, sends the create once */
  WANR2V_JOB_STATE_WAITING,     /* queries the task until it ends */
  WANR2V_JOB_STATE_DOWNLOADING, /* the video into its .part file */
  WANR2V_JOB_STATE_SERVING,     /* a kept video: no task */
  WANR2V_JOB_STATE_DONE,        /* the whole video is on disk */
  WANR2V_JOB_STATE_FAILED,
  WANR2V_JOB_STATE_STOPPED,
  WANR2V_JOB_N_STATES
} WanR2vJobState;

typedef struct _WanR2vPendingUpload WanR2vPendingUpload;

struct _WanR2vJob
{
  gint refcount;
  WanR2vJobState state;         /* HTTP thread; see wanr2v_job_goto() */
  WanR2vHttp *http;
  WanR2vClient *client;

  /* configuration, immutable */
  WanR2vRequest *request;
  char *attach_task_id;
  char *output_dir;
  WanR2vCachePolicy cache_policy;
  guint timeout_s;
  guint poll_interval_ms;
  guint max_retries;
  guint retry_delay_ms;
  guint request_timeout_s;
  gboolean cancel_on_stop;
  WanR2vJobEventFunc func;
  gpointer user_data;

  WanR2vMediaInspectFunc inspect;
  gpointer inspect_data;
  guint max_billed_seconds;
  gboolean dry_run;
  guint max_tasks_in_progress;

  /* set by the prepare worker, then HTTP thread only */
  WanR2vCost cost;              /* the billing prediction */
  gboolean has_cost;            /* set before PREDICTED */
  char *key;                    /* cache key; NULL with WANR2V_CACHE_OFF */
  char *cached_path;            /* a kept video to serve */
  char *cached_task_id;         /* the task that made it, if recorded */
  int part_lock_fd;             /* holds the lock on part_path */
  guint64 cached_size;

  /* HTTP thread */
  int key_lock_fd;              /* holds <key>.lock while it may create */
  gboolean from_journal;        /* following an earlier run's task */
  gboolean created_here;        /* this job's create made task_id: only
                                 * then may it cancel it */
  gboolean recovering_earlier;  /* looking for an earlier run's task */
  gint64 recover_sent_ms;       /* RECOVERING: when the create was sent */
  char *recover_prompt;         /* RECOVERING: the create's prompt */
  gboolean cancel_sent;         /* once: both the stop and a late create
                                 * reply may ask for it */
  GCancellable *cancellable;
  WanR2vRequest *wire;          /* the request with local files replaced */
  GPtrArray *uploads;           /* of WanR2vPendingUpload*, still to do or
                                 * being sent */
  guint uploaded;               /* files uploaded so far */
  WanR2vUploadPolicy *policy;
  gboolean policy_busy;         /* a getPolicy is on the wire */
  gint64 policy_deadline_us;
  char *body;
  gboolean oss_resolve;
  guint poll_count;
  gint64 poll_start_us;         /* the schedule counts from here */
  WanR2vPollerWatch *watch;     /* WAITING: the shared poller's watch */
  gboolean query_busy;          /* WAITING: a query is in flight */
  gint64 query_sent_us;
  gint64 query_latency_us;      /* smoothed, from send to reply */
  guint attempts;               /* failed tries of the current request */
  GSource *timer;
  GSource *deadline;
  WanR2vTaskInfo *last_info;
  WanR2vTaskStatus last_status;
  gint64 start_us;
  guint last_progress_step;
  WanR2vSlot *slot;             /* held from before the uploads until the
                                 * task ends */
  WanR2vSlotTicket *slot_ticket;        /* in the queue for a slot */
  guint slot_ahead;             /* for QUEUED_LOCALLY */
  gboolean slot_announced;      /* QUEUED_LOCALLY was emitted once */
  gint64 throttled_since_us;    /* monotonic: the first of a run of 429s on
                                 * the create; 0 when not throttled */
  gint64 create_sent_real_us;   /* wall clock when the create was sent */
  gint64 create_sent_us;        /* monotonic, the same moment */

  /* DOWNLOADING (wanr2v-job-download.c): the download in order, and the
   * pieces fetched ahead of it for a reader */
  GCancellable *seq_cut;        /* cuts the download's request in flight */
  gboolean seq_running;
  guint64 seq_end;              /* where that request stops; 0: the end */
  gboolean seq_waiting;         /* it reached the piece in flight */
  guint64 seq_written;          /* where that request got to */
  gboolean seq_crc_known;       /* seq_crc is the CRC-64 of the file's */
  guint64 seq_crc;              /* bytes [0, seq_crc_end) */
  guint64 seq_crc_end;
  gboolean seq_want_crc_known;  /* the server's CRC-64 of the video */
  guint64 seq_want_crc;
  gboolean piece_running;
  guint64 piece_start;
  guint64 piece_end;
  guint piece_generation;       /* the file's generation it was made for */
  gboolean pieces_off;          /* a piece failed: readers wait for the
                                 * download */
  guint piece_attempts;         /* retries of the piece that failed */
  GSource *piece_timer;         /* its retry, after a backoff */

  /* shared, under lock */
  GMutex lock;
  GCond cond;
  WanR2vJobPhase phase;
  char *task_id;
  char *video_path;
  char *part_path;
  gboolean download_started;
  gboolean renamed;             /* the video has its final name */
  gboolean complete;
  guint64 written;              /* the bytes [0, written) are on disk */
  gint64 total;
  WanR2vRanges *on_disk;        /* every range of the .part file on disk */
  guint generation;             /* bumped when the file is emptied */
  guint64 wanted;               /* the first byte a reader waits for that
                                 * is not on disk; G_MAXUINT64: none */
  GError *error;
  WanR2vErrorInfo *details;
  gboolean stopped;
  guint in_callback;
  /* What a stop must see answered before the process may go (see
   * wanr2v_job_wait_settled): */
  gboolean stop_seen;           /* the stop's work (stop_here) ran */
  gboolean create_busy;         /* a create, or the search for its lost
                                 * reply, has not ended */
  guint cancels_busy;           /* cancels sent and not answered */
  guint workers_busy;           /* worker threads not yet returned */
  /* Set once by wanr2v_job_start() on its caller's thread, before any
   * other thread sees the job: a kept video served there, the job already
   * DONE; nothing of it ever runs on the HTTP thread. */
  gboolean served_at_start;
};

/* ---- wanr2v-job.c: the machine ---- */


/* The one transition (HTTP thread): enters @next and runs what it starts.
 * A job that is stopped, or has ended, goes nowhere. */
G_GNUC_INTERNAL void wanr2v_job_goto (WanR2vJob * job, WanR2vJobState next);
/* DONE, FAILED or STOPPED. */
G_GNUC_INTERNAL gboolean wanr2v_job_has_ended (WanR2vJob * job);
/* Enters FAILED: takes @error and @details. */
G_GNUC_INTERNAL void wanr2v_job_fail (WanR2vJob * job, GError * error,
    WanR2vErrorInfo * details);

typedef void (*WanR2vJobStepFunc) (WanR2vJob * job);
typedef void (*WanR2vJobReplyFunc) (WanR2vJob * job, GAsyncResult * res);

/* The callback data of a request the job sends: pass it with
 * wanr2v_job_on_reply.  @func runs on the reply with the job referenced,
 * unless the job was stopped meanwhile (then the reply is dropped) or
 * @even_when_stopped: a create and its recovery are seen through. */
G_GNUC_INTERNAL gpointer wanr2v_job_reply_new (WanR2vJob * job,
    WanR2vJobReplyFunc func, gboolean even_when_stopped);
G_GNUC_INTERNAL void wanr2v_job_on_reply (GObject * source,
    GAsyncResult * res, gpointer data);
/* Runs @func in a worker thread (with the job as its data; counted in
 * workers_busy until it returns), then @done on the HTTP thread. */
G_GNUC_INTERNAL void wanr2v_job_run_in_worker (WanR2vJob * job,
    GTaskThreadFunc func, WanR2vJobReplyFunc done);
/* @func on the HTTP thread as soon as it can, from any thread, unless the
 * job is stopped or has ended by then. */
G_GNUC_INTERNAL void wanr2v_job_invoke (WanR2vJob * job,
    WanR2vJobStepFunc func);
/* @func on the HTTP thread after @ms (the job's one timer, replacing what
 * it held), unless the job is stopped or has ended by then. */
G_GNUC_INTERNAL void wanr2v_job_schedule (WanR2vJob * job, guint ms,
    WanR2vJobStepFunc func);
/* The same with a timer of the job's other than its one (@slot: a
 * pieces' retry runs beside the download's own timetable). */
G_GNUC_INTERNAL void wanr2v_job_schedule_in (WanR2vJob * job,
    GSource ** slot, guint ms, WanR2vJobStepFunc func);
/* The wait before the next try, from retry-delay and job->attempts
 * (doubling, +-25 % jitter, at most 60 s); _after_ms for another count. */
G_GNUC_INTERNAL guint wanr2v_job_backoff_ms (WanR2vJob * job);
G_GNUC_INTERNAL guint wanr2v_job_backoff_after_ms (WanR2vJob * job,
    guint attempts);

G_GNUC_INTERNAL void wanr2v_job_emit (WanR2vJob * job,
    WanR2vJobEventType type, const GError * error,
    const WanR2vErrorInfo * details);
G_GNUC_INTERNAL void wanr2v_job_set_phase (WanR2vJob * job,
    WanR2vJobPhase phase);
/* Takes @error: a WARNING for the user, the run goes on. */
G_GNUC_INTERNAL void wanr2v_job_warn (WanR2vJob * job, GError * error);
G_GNUC_INTERNAL gboolean wanr2v_job_is_stopped (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_set_create_busy (WanR2vJob * job,
    gboolean busy);
G_GNUC_INTERNAL void wanr2v_job_release_key_lock (WanR2vJob * job);
/* The video is whole on disk: tells the application, then the reader. */
G_GNUC_INTERNAL void wanr2v_job_finish (WanR2vJob * job);

/* ---- the states' entries, one file each (see the table) ---- */

/* On the thread that starts the job, before it is started on the HTTP
 * thread: when the request's local files are small enough to hash at
 * once and a kept video matches, serves it (the job ends DONE, its events
 * emitted on this thread) and returns TRUE.  Otherwise leaves the key it
 * computed, if any, for PREPARING. */
G_GNUC_INTERNAL gboolean wanr2v_job_serve_kept_at_once (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_preparing (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_dry_run (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_locking (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_recovering (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_slot_wait (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_uploading (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_leave_uploading (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_creating (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_waiting (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_downloading (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_enter_serving (WanR2vJob * job);

/* ---- the states' exits (see the table) ---- */

G_GNUC_INTERNAL void wanr2v_job_leave_waiting (WanR2vJob * job);

/* ---- wanr2v-job-prepare.c ---- */

G_GNUC_INTERNAL void wanr2v_pending_upload_free (WanR2vPendingUpload * up);

/* ---- wanr2v-job-upload.c ---- */

/* A file to upload; it serves its own entry and @same_content's. */
typedef struct
{
  guint media_index;
  gboolean voice;               /* the entry's reference_voice, not its url */
} WanR2vUploadTarget;

struct _WanR2vPendingUpload
{
  guint media_index;
  gboolean voice;               /* the entry's reference_voice, not its url */
  char *path;
  const char *mime;
  goffset size;
  char *sha256;                 /* computed once another file has its size */
  GArray *same_content;         /* of WanR2vUploadTarget: more entries */
  gboolean sending;             /* UPLOADING: on the wire now */
  guint attempts;               /* its failed tries so far */
};

/* ---- wanr2v-job-wait.c ---- */

/* Polls the task: query number @first is the next, counted from @start_us
 * (monotonic). */
G_GNUC_INTERNAL void wanr2v_job_start_polling (WanR2vJob * job, guint first,
    gint64 start_us);
/* The overall timeout's end: fails the job, naming the task. */
G_GNUC_INTERNAL gboolean wanr2v_job_on_deadline (gpointer data);

/* ---- wanr2v-job-download.c ---- */

/* Any thread, under @lock: a reader waits for job->wanted, which is not
 * on disk; the HTTP thread fetches it at once if the download is far from
 * it. */
G_GNUC_INTERNAL void wanr2v_job_fetch_ahead (WanR2vJob * job);

/* ---- wanr2v-job-registry.c ---- */

/* Tasks followed by a job of this process (or lately let go of). */
G_GNUC_INTERNAL void wanr2v_job_own_task (const char *task_id, gboolean own);
G_GNUC_INTERNAL gboolean wanr2v_job_task_is_owned (const char *task_id);

/* ---- wanr2v-job-budget.c ---- */

/* In the prepare worker, after the inspection: predicts the billed seconds
 * from @video_seconds (see WanR2vMediaInspectFunc) and refuses a request
 * over max_billed_seconds. */
G_GNUC_INTERNAL gboolean wanr2v_job_predict_cost (WanR2vJob * job,
    const gdouble * video_seconds, GError ** error);
/* Gives the slot back (the task ended, or the job did). */
G_GNUC_INTERNAL void wanr2v_job_release_slot (WanR2vJob * job);
/* After the video: a WARNING when the service billed other than the
 * prediction said. */
G_GNUC_INTERNAL void wanr2v_job_check_billing (WanR2vJob * job);
/* The create body as a dry run shows it: what would be sent, with the
 * files still to upload and the inlined images named instead of sent. */
G_GNUC_INTERNAL char *wanr2v_job_dry_run_body (WanR2vJob * job,
    GError ** error);

/* ---- wanr2v-job-create.c ---- */

/* After a stop: cancels the task if this job created it and it may still
 * be PENDING. */
G_GNUC_INTERNAL void wanr2v_job_cancel_task (WanR2vJob * job);
/* The task of an ended journaled task: look again under the key. */
G_GNUC_INTERNAL void wanr2v_job_forget_task (WanR2vJob * job);

G_END_DECLS
