/* gstwanr2vsrc-private.h: what the files of the wanr2vsrc element share.
 *
 * The element is one class in several files, each with one purpose (see
 * "Which gst/ file owns what" in docs/design.md).  The plugin's:
 *
 *   gstwanr2vsrc.c            type, class_init (property specs), init,
 *                             finalize
 *   gstwanr2vsrc-settings.c   the settings behind the properties
 *   gstwanr2vsrc-front.c      state changes and GstBaseSrc: the engine,
 *                             opened when a run needs it
 *   gstwanr2vsrc-kept.c       a kept video served without the engine
 *   gstwanr2vsrc-urihandler.c GstURIHandler glue
 *
 * The engine's (see gstwanr2vsrc-engine.h):
 *
 *   gstwanr2vsrc-engine.c     its entry point
 *   gstwanr2vsrc-request.c    building the request from the settings
 *   gstwanr2vsrc-job.c        the job of a run: start, stop, job events
 *   gstwanr2vsrc-read.c       serving the bytes of a run with a job
 *
 * Both's: gstwanr2vsrc-file.c (reading the video file, the stream's tags),
 * gstwanr2vsrc-trust.c (what a URI may set) and gstwanr2vsrc-report.c (bus
 * messages).
 *
 * Locks, in the order they may be taken:
 *   error_lock  (held while the job's error is posted)
 *   lock        (the job, the tags, flushing; never held across I/O)
 *   GST_OBJECT_LOCK (the settings and current_task_id; only to copy
 *                    them in or out, never across I/O or a wait)
 */
#pragma once

#include "gstwanr2vsrc.h"
#include "gstwanr2vsrc-enums.h"

#include "wanr2v-cache.h"
#include "wanr2v-job.h"
#include "wanr2v-request.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_wanr2v_src_debug);

/* Property defaults: the specs announce them (gstwanr2vsrc.c), the
 * settings start with them (gstwanr2vsrc-settings.c). */
#define DEFAULT_MODEL WANR2V_DEFAULT_MODEL
#define DEFAULT_RESOLUTION GST_WANR2V_RESOLUTION_1080P
#define DEFAULT_RATIO GST_WANR2V_RATIO_16_9
#define DEFAULT_DURATION 5
#define DEFAULT_PROMPT_EXTEND TRUE
#define DEFAULT_WATERMARK FALSE
#define DEFAULT_SEED (-1)
#define DEFAULT_TIMEOUT 3600
#define DEFAULT_POLL_INTERVAL 0
#define DEFAULT_RETRIES 5
#define DEFAULT_RETRY_DELAY 1000
#define DEFAULT_REQUEST_TIMEOUT 60
#define DEFAULT_CANCEL_ON_STOP TRUE
/* The service's limit of tasks in progress per account (protocol notes). */
#define DEFAULT_MAX_TASKS_IN_PROGRESS 5
#define DEFAULT_ALLOW_INSECURE FALSE
#define DEFAULT_ALLOW_LOCAL_FILES FALSE
#define DEFAULT_PROBE_REMOTE TRUE
#define DEFAULT_SHOT_TYPE GST_WANR2V_SHOT_TYPE_SINGLE
#define DEFAULT_AUDIO TRUE

enum
{
  PROP_0,
  PROP_API_KEY,
  PROP_BASE_URL,
  PROP_MODEL,
  PROP_PROMPT,
  PROP_NEGATIVE_PROMPT,
  PROP_IMAGES,
  PROP_VIDEOS,
  PROP_IMAGE_VOICES,
  PROP_VIDEO_VOICES,
  PROP_FIRST_FRAME,
  PROP_RESOLUTION,
  PROP_RATIO,
  PROP_DURATION,
  PROP_PROMPT_EXTEND,
  PROP_WATERMARK,
  PROP_SEED,
  PROP_TIMEOUT,
  PROP_TASK_ID,
  PROP_POLL_INTERVAL,
  PROP_RETRIES,
  PROP_RETRY_DELAY,
  PROP_REQUEST_TIMEOUT,
  PROP_CANCEL_ON_STOP,
  PROP_ALLOW_INSECURE,
  PROP_CACHE_DIR,
  PROP_SHOT_TYPE,
  PROP_AUDIO,
  PROP_REQUEST,
  PROP_CACHE_POLICY,
  PROP_ALLOW_LOCAL_FILES,
  PROP_MAX_BILLED_SECONDS,
  PROP_DRY_RUN,
  PROP_PROBE_REMOTE,
  PROP_MAX_TASKS_IN_PROGRESS,
  N_PROPS
};

/* The property specs, for notify. */
extern GParamSpec *gst_wanr2v_src_properties[N_PROPS];

/* Qdata set on the specs of the properties that name reference media
 * (images, videos, voices, first-frame). */
#define GST_WANR2V_SRC_REFERENCE (gst_wanr2v_src_reference_quark ())
GQuark gst_wanr2v_src_reference_quark (void);

/* Whether the user set property @prop (request parameters that were not
 * set are left out, so the service's defaults and a request file's values
 * apply). */
#define PROP_BIT(prop) (G_GUINT64_CONSTANT (1) << (prop))
#define IS_SET(s, prop) (((s)->set_mask & PROP_BIT (prop)) != 0)
/* Whether the value of @prop came from a wanr2v:// URI, which anyone may
 * have written, rather than from the application. */
#define FROM_URI(s, prop) (((s)->uri_mask & PROP_BIT (prop)) != 0)

/* Who serves the current run (lock): fill() waits while it is NONE (pull
 * mode may ask for data before the element itself reached PAUSED). */
typedef enum
{
  GST_WANR2V_SRC_RUN_NONE,
  GST_WANR2V_SRC_RUN_ENGINE,    /* a job, in the engine */
  GST_WANR2V_SRC_RUN_KEPT,      /* a kept video, by the plugin itself */
} GstWanR2vSrcRun;

typedef struct
{
  char *api_key;
  char *base_url;
  char *model;
  char *prompt;
  char *negative_prompt;
  GStrv images;
  GStrv videos;
  GStrv image_voices;
  GStrv video_voices;
  char *first_frame;
  GstWanR2vResolution resolution;
  GstWanR2vRatio ratio;
  gint duration;
  gboolean prompt_extend;
  gboolean watermark;
  gint64 seed;
  guint timeout;
  char *task_id;                /* set by the user: attach to it */
  guint poll_interval;
  guint retries;
  guint retry_delay;
  guint request_timeout;
  gboolean cancel_on_stop;
  gboolean allow_insecure;
  char *cache_dir;
  GstWanR2vShotType shot_type;
  gboolean audio;
  char *request_file;
  WanR2vCachePolicy cache_policy;
  gboolean allow_local_files;
  guint max_billed_seconds;     /* 0: no cap */
  gboolean dry_run;
  gboolean probe_remote;
  guint max_tasks_in_progress;  /* 0: no limit */
  guint64 set_mask;
  guint64 uri_mask;
  GStrv uri_app_only;           /* application-only settings a URI tried */
} GstWanR2vSrcSettings;

struct _GstWanR2vSrc
{
  GstBaseSrc parent;

  GstWanR2vSrcSettings settings;        /* GST_OBJECT_LOCK */
  char *current_task_id;        /* GST_OBJECT_LOCK: the task of this run */

  /* The job of the current run and what the streaming thread waits on. */
  GMutex lock;
  GCond cond;
  GstWanR2vSrcRun run;
  /* RUN_KEPT: the kept video, until fill() takes the descriptor. */
  int kept_fd;
  guint64 kept_size;
  /* The fingerprint of this run's settings and the cache directory its
   * kept video is indexed in (see wanr2v-kept-index.h), or NULL when the
   * plugin cannot serve such a run itself: set at READY -> PAUSED, read by
   * the engine when the video is done. */
  char *kept_fingerprint;
  char *kept_dir;
  WanR2vJob *job;
  gboolean flushing;
  GCancellable *wait_cancellable;
  gboolean error_posted;
  /* Held while the job's error is posted, by whichever thread posts it
   * (the HTTP thread as the job fails, or the streaming thread): the other
   * waits, so that fill() cannot return FLOW_ERROR, and GstBaseSrc post
   * its generic "Internal data stream error", before ours is on the bus. */
  GMutex error_lock;

  /* lock: the stream's tags as known so far, and whether the streaming
   * thread has yet to send them downstream (push mode). */
  GstTagList *tags;
  gboolean tags_pending;

  /* streaming thread only (GstBaseSrc calls fill() from one thread at a
   * time, and start() / stop() only while none runs) */
  int fd;
  /* The size of the video once fill() saw it whole on disk (a kept video,
   * a finished download), else -1: reads then go straight to the file,
   * with no job, lock or wait. */
  gint64 whole_size;
};

/* ---- gstwanr2vsrc-settings.c -------------------------------------------- */

/* The settings an element starts with (environment variables included). */
void gst_wanr2v_src_settings_init (GstWanR2vSrcSettings * s);
/* A deep copy of @src into @dest, for work outside the object lock. */
void gst_wanr2v_src_settings_copy (GstWanR2vSrcSettings * dest,
    const GstWanR2vSrcSettings * src);
/* Frees what @s holds, wiping the API key first. */
void gst_wanr2v_src_settings_clear (GstWanR2vSrcSettings * s);
/* DASHSCOPE_HTTP_BASE_URL, as the official SDKs read it, else Beijing. */
const char *gst_wanr2v_src_default_base_url (void);

void gst_wanr2v_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
void gst_wanr2v_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);

/* ---- gstwanr2vsrc-request.c --------------------------------------------- */

/* The request the settings @s describe, with the request file read (disk
 * I/O: call it without any lock), checked, local references stat'ed.  NULL
 * with @error (WANR2V_REQUEST_ERROR) when it must not be sent. */
WanR2vRequest *gst_wanr2v_src_build_request (const GstWanR2vSrcSettings * s,
    GError ** error);

/* ---- gstwanr2vsrc-job.c (engine) ---------------------------------------- */

/* READY -> PAUSED: checks the request and starts its job; FALSE (an error
 * posted) when it must not run. */
gboolean gst_wanr2v_src_start_job (GstWanR2vSrc * self);
/* Stops the run's job, if any; waits (bounded) for the replies that decide
 * whether a task is billed. */
void gst_wanr2v_src_stop_job (GstWanR2vSrc * self);
/* Posts the job's error once per run (from either thread); returns
 * GST_FLOW_ERROR. */
GstFlowReturn gst_wanr2v_src_post_job_error (GstWanR2vSrc * self,
    WanR2vJob * job, const GError * error);

/* ---- gstwanr2vsrc-read.c (engine) --------------------------------------- */

gboolean gst_wanr2v_src_engine_get_size (GstWanR2vSrc * self,
    guint64 * size);
/* Both with the lock held, after the plugin set or cleared flushing. */
void gst_wanr2v_src_engine_unlock (GstWanR2vSrc * self);
void gst_wanr2v_src_engine_unlock_stop (GstWanR2vSrc * self);
/* Fills @buf with [@offset, @offset + @length), waiting until those bytes
 * are on disk. */
GstFlowReturn gst_wanr2v_src_engine_fill (GstWanR2vSrc * self,
    guint64 offset, guint length, GstBuffer * buf);

/* ---- gstwanr2vsrc-front.c ----------------------------------------------- */

GstStateChangeReturn gst_wanr2v_src_change_state (GstElement * element,
    GstStateChange transition);
void gst_wanr2v_src_set_context (GstElement * element, GstContext * context);
/* Installs the GstBaseSrc vfuncs that serve the bytes. */
void gst_wanr2v_src_read_class_init (GstBaseSrcClass * basesrc_class);
/* finalize: whatever the engine keeps on @self. */
void gst_wanr2v_src_front_finalize (GstWanR2vSrc * self);
/* From plugin_init: where the plugin's file is, so that the engine is
 * found next to it. */
void gst_wanr2v_src_front_set_plugin_file (const char *filename);

/* ---- gstwanr2vsrc-kept.c ----------------------------------------------- */

/* READY -> PAUSED: records the run's fingerprint, and when the cache has
 * the video of these settings, makes the run RUN_KEPT and posts what a
 * run that serves a kept video posts.  FALSE when the engine must run. */
gboolean gst_wanr2v_src_serve_kept (GstWanR2vSrc * self);

/* ---- gstwanr2vsrc-file.c (both) ----------------------------------------- */

/* Merges @tags (taken) into the run's tags, or with @replace starts them
 * anew; if that changed them, the streaming thread sends them downstream
 * before its next buffer (push mode).  Returns the run's tags (a ref). */
GstTagList *gst_wanr2v_src_update_tags (GstWanR2vSrc * self,
    GstTagList * tags, gboolean replace);
/* In push mode, sends the run's tags downstream as a TAG event when they
 * changed since they were last sent.  Streaming thread only. */
void gst_wanr2v_src_push_pending_tags (GstWanR2vSrc * self);

/* Where and why a read of the video file came up short. */
typedef struct
{
  guint64 offset;
  int err;                      /* errno, or 0: the file ended */
} GstWanR2vSrcShortRead;

#define GST_WANR2V_SRC_FLOW_SHORT_READ GST_FLOW_CUSTOM_ERROR

/* Reads [@offset, @offset + @length) of the open video (fd) into @buf,
 * which GstBaseSrc took from the allocator or pool downstream proposed, or
 * which downstream itself provided (pull mode): filled in place, no copy.
 * GST_WANR2V_SRC_FLOW_SHORT_READ, with @short_read and nothing posted,
 * when the file has fewer bytes than that. */
GstFlowReturn gst_wanr2v_src_read_file (GstWanR2vSrc * self, guint64 offset,
    guint length, GstBuffer * buf, GstWanR2vSrcShortRead * short_read);
/* Posts the READ error of @short_read; returns GST_FLOW_ERROR. */
GstFlowReturn gst_wanr2v_src_read_failed (GstWanR2vSrc * self,
    const GstWanR2vSrcShortRead * short_read);

/* ---- gstwanr2vsrc-trust.c ----------------------------------------------- */

/* The trust rule (see gstwanr2vsrc-trust.h) on @s: no I/O. */
gboolean gst_wanr2v_src_settings_check_uri_trust (const GstWanR2vSrcSettings
    * s, GError ** error);

/* ---- gstwanr2vsrc-urihandler.c ------------------------------------------ */

void gst_wanr2v_src_uri_handler_init (gpointer g_iface, gpointer iface_data);

G_END_DECLS
