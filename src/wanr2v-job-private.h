/* wanr2v-job-private.h: what the parts of a job share.
 *
 * wanr2v-job.c runs a job (prepare, upload, poll, download, stop, the
 * reader side); wanr2v-job-create.c decides whether it creates a task and
 * creates it exactly once (the request's key lock, the journal and the
 * intent record, the search for a lost create, cancel on stop).
 *
 * Threading: fields under "HTTP thread" are only touched there; fields under
 * "shared" are protected by @lock and signalled with @cond, because the
 * reader (a GStreamer streaming thread) waits on them.
 */
#pragma once

#include "wanr2v-job.h"
#include "wanr2v-client.h"
#include "wanr2v-http.h"
#include "wanr2v-slots.h"

G_BEGIN_DECLS

struct _WanR2vJob
{
  gint refcount;
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
  gboolean cancel_sent;         /* once: both the stop and a late create
                                 * reply may ask for it */
  GCancellable *cancellable;
  WanR2vRequest *wire;          /* the request with local files replaced */
  GPtrArray *uploads;           /* of PendingUpload*, still to do */
  guint uploaded;               /* files uploaded so far */
  WanR2vUploadPolicy *policy;
  gint64 policy_deadline_us;
  char *body;
  gboolean oss_resolve;
  guint poll_count;
  gint64 poll_start_us;         /* the schedule counts from here */
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
  guint64 written;
  gint64 total;
  GError *error;
  WanR2vErrorInfo *details;
  gboolean stopped;
  guint in_callback;
  /* What a stop must see answered before the process may go (see
   * wanr2v_job_wait_settled): */
  gboolean stop_seen;           /* stop_on_http_thread ran */
  gboolean create_busy;         /* a create, or the search for its lost
                                 * reply, has not ended */
  guint cancels_busy;           /* cancels sent and not answered */
};

/* ---- wanr2v-job.c: its own helpers, for wanr2v-job-create.c ---- */

/* Tasks followed by a job of this process (or lately let go of). */
G_GNUC_INTERNAL void wanr2v_job_own_task (const char *task_id, gboolean own);
G_GNUC_INTERNAL gboolean wanr2v_job_task_is_owned (const char *task_id);

G_GNUC_INTERNAL void wanr2v_job_emit (WanR2vJob * job,
    WanR2vJobEventType type, const GError * error,
    const WanR2vErrorInfo * details);
G_GNUC_INTERNAL void wanr2v_job_set_phase (WanR2vJob * job,
    WanR2vJobPhase phase);
/* Takes @error and @details. */
G_GNUC_INTERNAL void wanr2v_job_fail (WanR2vJob * job, GError * error,
    WanR2vErrorInfo * details);
/* Takes @error: a WARNING for the user, the run goes on. */
G_GNUC_INTERNAL void wanr2v_job_warn (WanR2vJob * job, GError * error);
G_GNUC_INTERNAL gboolean wanr2v_job_is_stopped (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_set_create_busy (WanR2vJob * job,
    gboolean busy);
G_GNUC_INTERNAL void wanr2v_job_release_key_lock (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_schedule (WanR2vJob * job, guint ms,
    GSourceFunc func);
G_GNUC_INTERNAL guint wanr2v_job_backoff_ms (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_start_polling (WanR2vJob * job, guint first,
    gint64 start_us);
/* Uploads what is still local, then builds the body and submits it. */
G_GNUC_INTERNAL void wanr2v_job_upload_next (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_serve_cached (WanR2vJob * job);

/* ---- wanr2v-job-budget.c ---- */

/* In the prepare worker, after the inspection: predicts the billed seconds
 * from @video_seconds (see WanR2vMediaInspectFunc) and refuses a request
 * over max_billed_seconds. */
G_GNUC_INTERNAL gboolean wanr2v_job_predict_cost (WanR2vJob * job,
    const gdouble * video_seconds, GError ** error);

/* TRUE when the job must take a slot before it uploads and creates; then
 * call wanr2v_job_wait_for_slot(), which goes on with
 * wanr2v_job_upload_next() once it has one. */
G_GNUC_INTERNAL gboolean wanr2v_job_needs_slot (WanR2vJob * job);
G_GNUC_INTERNAL void wanr2v_job_wait_for_slot (WanR2vJob * job);
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

/* Takes the request's key (waiting while another run holds it), then
 * follows a journaled task, looks for an earlier run's lost one, or goes
 * on to upload and create. */
G_GNUC_INTERNAL void wanr2v_job_take_key_lock (WanR2vJob * job);
/* Writes the intent record and sends the create, once. */
G_GNUC_INTERNAL void wanr2v_job_submit (WanR2vJob * job);
/* After a stop: cancels the task if this job created it and it may still
 * be PENDING. */
G_GNUC_INTERNAL void wanr2v_job_cancel_task (WanR2vJob * job);

G_END_DECLS
