/* wanr2v-job.h: one generation, from request to video file on disk.
 *
 * A job runs as a state machine on the shared HTTP thread: prepare the
 * request (local files -> data: URIs, in a worker), create the task exactly
 * once, poll it, download the result to a file, and let a reader follow
 * that file while it grows.  It never blocks the thread that starts or
 * stops it.  Events are delivered on the HTTP thread, except for a kept
 * video that wanr2v_job_start() serves itself (see there).
 */
#pragma once

#include <gio/gio.h>
#include "wanr2v-cache.h"
#include "wanr2v-cost.h"
#include "wanr2v-error.h"
#include "wanr2v-http.h"
#include "wanr2v-json.h"
#include "wanr2v-request.h"

G_BEGIN_DECLS

typedef struct _WanR2vJob WanR2vJob;

typedef enum
{
  WANR2V_JOB_PHASE_PREPARING,   /* checking and reading local media */
  WANR2V_JOB_PHASE_UPLOADING,   /* temporary uploads of local files */
  WANR2V_JOB_PHASE_SUBMITTING,  /* create request in flight */
  WANR2V_JOB_PHASE_QUEUED,      /* task PENDING */
  WANR2V_JOB_PHASE_GENERATING,  /* task RUNNING */
  WANR2V_JOB_PHASE_DOWNLOADING, /* task SUCCEEDED, video being fetched */
  WANR2V_JOB_PHASE_DONE,        /* the whole video is on disk */
  WANR2V_JOB_PHASE_FAILED,
} WanR2vJobPhase;

const char *wanr2v_job_phase_to_string (WanR2vJobPhase phase);

typedef enum
{
  WANR2V_JOB_EVENT_PHASE,       /* phase changed */
  WANR2V_JOB_EVENT_TASK_CREATED,        /* the service accepted the task */
  WANR2V_JOB_EVENT_TASK_STATUS, /* a query saw a new task status */
  WANR2V_JOB_EVENT_DOWNLOAD_PROGRESS,   /* at most every 5% of the video */
  WANR2V_JOB_EVENT_DONE,
  WANR2V_JOB_EVENT_ERROR,
  WANR2V_JOB_EVENT_RETRY,       /* a request failed and will be retried */
  WANR2V_JOB_EVENT_UPLOADED,    /* all local files uploaded (bytes = count) */
  WANR2V_JOB_EVENT_WARNING,     /* the run goes on, but something the user
                                 * relies on is off (error says what) */
  WANR2V_JOB_EVENT_PREDICTED,   /* the billed seconds are predicted (cost),
                                 * before anything is uploaded or created */
  WANR2V_JOB_EVENT_DRY_RUN,     /* dry_run: body and cost of the create that
                                 * would be sent; the job then ends with an
                                 * empty video */
  WANR2V_JOB_EVENT_QUEUED_LOCALLY,      /* waiting for a slot of the account's
                                         * tasks in progress (ahead) */
} WanR2vJobEventType;

typedef struct
{
  WanR2vJobEventType type;
  WanR2vJobPhase phase;
  const char *task_id;          /* NULL before the create returned */
  const WanR2vTaskInfo *info;   /* last reply (TASK_*, DONE), may be NULL */
  guint64 bytes;                /* DOWNLOAD_PROGRESS, DONE */
  gint64 total;                 /* -1 while unknown */
  const GError *error;          /* ERROR, RETRY, WARNING */
  const WanR2vErrorInfo *details;       /* ERROR, RETRY; may be NULL */
  gint64 elapsed_us;            /* since the job started */
  gboolean cached;              /* DONE: a kept video, no new task; task_id
                                 * is the one that made it (if recorded) */
  const WanR2vCost *cost;       /* from PREDICTED on; NULL before, and for a
                                 * kept video or an attached task */
  const char *body;             /* DRY_RUN: the create body, local files
                                 * shown as what would be uploaded */
  guint ahead;                  /* QUEUED_LOCALLY: waiters before this one */
  guint slots;                  /* QUEUED_LOCALLY: max_tasks_in_progress */
} WanR2vJobEvent;

typedef void (*WanR2vJobEventFunc) (WanR2vJob * job,
    const WanR2vJobEvent * event, gpointer user_data);

/* Checks the local media of @request against the service's limits (pixel
 * sizes, durations...) before anything is sent; runs in a worker thread.
 * The core cannot decode media itself: the GStreamer side provides this.
 * @video_seconds has one entry per entry of @request->media, all -1 on
 * entry: the function sets the length in seconds of each reference video it
 * can tell (local ones from their inspection, remote ones if it probes
 * them), for the billing prediction.  @cancellable is the job's: cancelled
 * when the job is stopped. */
typedef gboolean (*WanR2vMediaInspectFunc) (const WanR2vRequest * request,
    gdouble * video_seconds, GCancellable * cancellable, gpointer user_data,
    GError ** error);

typedef struct
{
  const char *base_url;
  const char *api_key;
  gboolean allow_insecure;
  const WanR2vRequest *request; /* what to create; NULL when attaching */
  const char *attach_task_id;   /* follow this existing task instead */
  const char *output_dir;       /* where the video is written and kept */
  WanR2vCachePolicy cache_policy;
  guint timeout_s;              /* overall; 0 = none */
  guint poll_interval_ms;       /* 0 = adaptive schedule */
  guint max_retries;            /* per request that may be retried */
  guint retry_delay_ms;         /* first backoff; doubles, with jitter */
  guint request_timeout_s;      /* per HTTP request */
  gboolean cancel_on_stop;      /* cancel a PENDING task on stop */
  WanR2vMediaInspectFunc inspect;       /* optional */
  gpointer inspect_data;
  guint max_billed_seconds;     /* refuse a create predicted to bill more;
                                 * 0 = no cap */
  gboolean dry_run;             /* everything up to the create, then stop */
  guint max_tasks_in_progress;  /* jobs sharing output_dir, in any process,
                                 * keep at most this many tasks in progress
                                 * (slot locks there); 0 = no limit */
  WanR2vHttp *http;             /* the HTTP thread to run on; NULL = the
                                 * process's shared one */
} WanR2vJobConfig;

/* Copies everything it needs from @config.  Fails when the configuration
 * cannot work (bad base URL, no TLS backend...). */
WanR2vJob *wanr2v_job_new (const WanR2vJobConfig * config,
    WanR2vJobEventFunc func, gpointer user_data, GError ** error);

WanR2vJob *wanr2v_job_ref (WanR2vJob * job);
void wanr2v_job_unref (WanR2vJob * job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vJob, wanr2v_job_unref)

/* Starts the work on the HTTP thread; returns at once.  One exception:
 * when the request's local files are small (they are hashed for the cache
 * key here, a couple of milliseconds at most) and a kept video matches,
 * the job serves it before returning: it is DONE, and its events (PHASE,
 * DONE) have been delivered on this thread, from within this call.  Such
 * a job never uses the HTTP thread or a worker. */
void wanr2v_job_start (WanR2vJob * job);

/* Stops everything in flight (and cancels the task on the service when it
 * is still PENDING and cancel_on_stop is set); returns at once.  When it
 * returns, the event function is not running and will not be called again
 * (unless called from the event function itself). */
void wanr2v_job_stop (WanR2vJob * job);

/* How long wanr2v_job_wait_settled() waits at most when a stop finds a
 * create or a cancel on the wire: long enough for a service that answers
 * in a second, short enough for a pipeline going to NULL. */
#define WANR2V_JOB_SETTLE_TIMEOUT_MS 2000

/* After wanr2v_job_stop(): blocks until what the stop set going that costs
 * money if it is lost has been answered (a create in flight and the cancel
 * of its task, the cancel of a PENDING task), and the job's worker threads
 * (the inspection of references, hashing; cancelled by the stop) have
 * returned, or @timeout_ms passed; so a process that exits right after a
 * state change to NULL has had its task cancelled, and no thread of the
 * job runs GStreamer code (the inspection's discoverer) after it, when the
 * application may call gst_deinit().  TRUE when settled.  Returns at once
 * on the HTTP thread. */
gboolean wanr2v_job_wait_settled (WanR2vJob * job, guint timeout_ms);

/* Blocks until bytes [@offset, @end) of the video are on disk (then
 * *@available is where the bytes on disk from @offset end), or the whole
 * video is (then *@complete is TRUE and *@available is its size), or the
 * job failed (returns FALSE with its error), or @cancellable fires (FALSE,
 * WANR2V_ERROR_CANCELLED).  Bytes far ahead of the download are fetched
 * at once, with a request of their own. */
gboolean wanr2v_job_wait_for_data (WanR2vJob * job, guint64 offset,
    guint64 end,
    guint64 * available, gboolean * complete, GCancellable * cancellable,
    GError ** error);

/* Opens the video file for reading (valid once wait_for_data returned
 * TRUE).  Returns a file descriptor or -1 with @error set. */
int wanr2v_job_open_video (WanR2vJob * job, GError ** error);

/* The request the job was made with (NULL when it follows a task by id);
 * owned by the job, never changed. */
const WanR2vRequest *wanr2v_job_get_request (WanR2vJob * job);

/* The error details of a failed job (NULL if none); copy. */
WanR2vErrorInfo *wanr2v_job_dup_error_details (WanR2vJob * job);

char *wanr2v_job_dup_task_id (WanR2vJob * job);

/* The key the job's video is kept under (see wanr2v-cache), once it is
 * known, else NULL: for the DONE event's handler. */
char *wanr2v_job_dup_key (WanR2vJob * job);
WanR2vJobPhase wanr2v_job_get_phase (WanR2vJob * job);
/* Bytes of the video on disk so far, in order from the start. */
guint64 wanr2v_job_get_available (WanR2vJob * job);

/* The video's size in bytes, or -1 while unknown. */
gint64 wanr2v_job_get_size (WanR2vJob * job);

G_END_DECLS
