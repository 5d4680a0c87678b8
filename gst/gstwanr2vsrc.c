/* gstwanr2vsrc.c: Wan reference-to-video generation as a source element.
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-wanr2vsrc
 * @title: wanr2vsrc
 *
 * wanr2vsrc asks Alibaba DashScope's Wan reference-to-video service
 * (wan2.7-r2v, wan2.6-r2v, wan2.6-r2v-flash) to generate a video from a
 * prompt and up to five reference images and videos, waits for the task,
 * downloads the MP4 to disk and serves it as a seekable `video/quicktime`
 * byte stream, in pull or push mode.
 *
 * Entry N of #GstWanR2vSrc:images is "Image N" in the prompt, entry N of
 * #GstWanR2vSrc:videos is "Video N".  Local files (paths or file:// URIs)
 * are sent inline.
 *
 * The task is created once per run, when the element goes to PAUSED;
 * state changes never wait for the network.
 *
 * playbin and uridecodebin open `wanr2v://generate?prompt=...` URIs.  A URI
 * only says what to generate: base-url, cache-dir, request, allow-insecure
 * and the other settings of the application, and local references unless
 * #GstWanR2vSrc:allow-local-files is set (e.g. in playbin's source-setup
 * handler), are refused when the job starts, before anything is opened or
 * sent.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 wanr2vsrc prompt="Image 1 waves at the camera" \
 *     images="<file:///home/me/girl.png>" resolution=720P duration=5 ! \
 *     filesink location=out.mp4
 * gst-launch-1.0 wanr2vsrc prompt="Image 1 walks past Image 2" \
 *     images="<girl.png, https://example.com/house.jpg>" ! decodebin ! \
 *     videoconvert ! autovideosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc.h"
#include "wanr2vsrc-enums.h"
#include "wanr2vsrc-inspect.h"
#include "wanr2vsrc-report.h"
#include "wanr2vsrc-trust.h"
#include "wanr2vsrc-uri.h"

#include "wanr2v-client.h"
#include "wanr2v-job.h"
#include "wanr2v-json.h"
#include "wanr2v-localfile.h"
#include "wanr2v-request.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY (gst_wanr2v_src_debug);
#define GST_CAT_DEFAULT gst_wanr2v_src_debug

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
#define DEFAULT_BLOCKSIZE (64 * 1024)

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

/* Whether the user set property @prop (request parameters that were not
 * set are left out, so the service's defaults and a request file's values
 * apply). */
#define PROP_BIT(prop) (G_GUINT64_CONSTANT (1) << (prop))
#define IS_SET(s, prop) (((s)->set_mask & PROP_BIT (prop)) != 0)
/* Whether the value of @prop came from a wanr2v:// URI, which anyone may
 * have written, rather than from the application. */
#define FROM_URI(s, prop) (((s)->uri_mask & PROP_BIT (prop)) != 0)

static GParamSpec *properties[N_PROPS];

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
} Settings;

struct _GstWanR2vSrc
{
  GstBaseSrc parent;

  Settings settings;            /* GST_OBJECT_LOCK */
  char *current_task_id;        /* GST_OBJECT_LOCK: the task of this run */

  /* The job of the current run and what the streaming thread waits on. */
  GMutex lock;
  GCond cond;
  WanR2vJob *job;
  gboolean flushing;
  GCancellable *wait_cancellable;
  gboolean error_posted;
  /* Held while the job's error is posted, by whichever thread posts it
   * (the HTTP thread as the job fails, or create()): the other waits, so
   * that create() cannot return FLOW_ERROR, and GstBaseSrc post its
   * generic "Internal data stream error", before ours is on the bus. */
  GMutex error_lock;

  /* streaming thread only */
  int fd;
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/quicktime"));

static void gst_wanr2v_src_uri_handler_init (gpointer iface, gpointer data);

#define gst_wanr2v_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstWanR2vSrc, gst_wanr2v_src, GST_TYPE_BASE_SRC,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_wanr2v_src_uri_handler_init));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (wanr2vsrc, "wanr2vsrc", GST_RANK_NONE,
    GST_TYPE_WANR2V_SRC,
    GST_DEBUG_CATEGORY_INIT (gst_wanr2v_src_debug, "wanr2vsrc", 0,
        "Wan reference-to-video source"));

/* ---- properties --------------------------------------------------------- */

static const char *
env_or_null (const char *name)
{
  const char *value = g_getenv (name);

  return value && *value ? value : NULL;
}

static void
settings_clear (Settings * s)
{
  if (s->api_key)
    memset (s->api_key, 0, strlen (s->api_key));
  g_clear_pointer (&s->api_key, g_free);
  g_clear_pointer (&s->base_url, g_free);
  g_clear_pointer (&s->model, g_free);
  g_clear_pointer (&s->prompt, g_free);
  g_clear_pointer (&s->negative_prompt, g_free);
  g_clear_pointer (&s->images, g_strfreev);
  g_clear_pointer (&s->videos, g_strfreev);
  g_clear_pointer (&s->image_voices, g_strfreev);
  g_clear_pointer (&s->video_voices, g_strfreev);
  g_clear_pointer (&s->first_frame, g_free);
  g_clear_pointer (&s->task_id, g_free);
  g_clear_pointer (&s->cache_dir, g_free);
  g_clear_pointer (&s->request_file, g_free);
  g_clear_pointer (&s->uri_app_only, g_strfreev);
}

static GStrv
strv_from_array (const GValue * value)
{
  guint i, n = gst_value_array_get_size (value);
  GStrv strv = g_new0 (char *, n + 1);

  for (i = 0; i < n; i++) {
    const GValue *item = gst_value_array_get_value (value, i);

    strv[i] = g_strdup (G_VALUE_HOLDS_STRING (item) ?
        g_value_get_string (item) : "");
    if (strv[i] == NULL)
      strv[i] = g_strdup ("");
  }
  return strv;
}

static void
strv_to_array (GStrv strv, GValue * value)
{
  for (; strv && *strv; strv++) {
    GValue item = G_VALUE_INIT;

    g_value_init (&item, G_TYPE_STRING);
    g_value_set_string (&item, *strv);
    gst_value_array_append_and_take_value (value, &item);
  }
}

static void
strv_remove (GStrv * strv, const char *item)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv old = *strv;
  guint i;

  for (i = 0; old[i]; i++)
    if (strcmp (old[i], item) != 0)
      g_strv_builder_add (builder, old[i]);
  *strv = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  g_strfreev (old);
  if (**strv == NULL)
    g_clear_pointer (strv, g_strfreev);
}

static void
gst_wanr2v_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (object);
  Settings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  s->set_mask |= PROP_BIT (prop_id);
  /* Set by the application; the URI code marks its own afterwards.  An
   * application-only setting a URI tried to make is the application's
   * choice from now on. */
  s->uri_mask &= ~PROP_BIT (prop_id);
  if (s->uri_app_only && g_strv_contains ((const char *const *)
          s->uri_app_only, pspec->name))
    strv_remove (&s->uri_app_only, pspec->name);
  switch (prop_id) {
    case PROP_API_KEY:
      if (s->api_key)
        memset (s->api_key, 0, strlen (s->api_key));
      g_free (s->api_key);
      s->api_key = g_value_dup_string (value);
      break;
    case PROP_BASE_URL:
      g_free (s->base_url);
      s->base_url = g_value_dup_string (value);
      break;
    case PROP_MODEL:
      g_free (s->model);
      s->model = g_value_dup_string (value);
      break;
    case PROP_PROMPT:
      g_free (s->prompt);
      s->prompt = g_value_dup_string (value);
      break;
    case PROP_NEGATIVE_PROMPT:
      g_free (s->negative_prompt);
      s->negative_prompt = g_value_dup_string (value);
      break;
    case PROP_IMAGES:
      g_strfreev (s->images);
      s->images = strv_from_array (value);
      break;
    case PROP_VIDEOS:
      g_strfreev (s->videos);
      s->videos = strv_from_array (value);
      break;
    case PROP_IMAGE_VOICES:
      g_strfreev (s->image_voices);
      s->image_voices = strv_from_array (value);
      break;
    case PROP_VIDEO_VOICES:
      g_strfreev (s->video_voices);
      s->video_voices = strv_from_array (value);
      break;
    case PROP_FIRST_FRAME:
      g_free (s->first_frame);
      s->first_frame = g_value_dup_string (value);
      break;
    case PROP_RESOLUTION:
      s->resolution = g_value_get_enum (value);
      break;
    case PROP_RATIO:
      s->ratio = g_value_get_enum (value);
      break;
    case PROP_DURATION:
      s->duration = g_value_get_int (value);
      break;
    case PROP_PROMPT_EXTEND:
      s->prompt_extend = g_value_get_boolean (value);
      break;
    case PROP_WATERMARK:
      s->watermark = g_value_get_boolean (value);
      break;
    case PROP_SEED:
      s->seed = g_value_get_int64 (value);
      break;
    case PROP_TIMEOUT:
      s->timeout = g_value_get_uint (value);
      break;
    case PROP_TASK_ID:
      g_free (s->task_id);
      s->task_id = g_value_dup_string (value);
      break;
    case PROP_POLL_INTERVAL:
      s->poll_interval = g_value_get_uint (value);
      break;
    case PROP_RETRIES:
      s->retries = g_value_get_uint (value);
      break;
    case PROP_RETRY_DELAY:
      s->retry_delay = g_value_get_uint (value);
      break;
    case PROP_REQUEST_TIMEOUT:
      s->request_timeout = g_value_get_uint (value);
      break;
    case PROP_CANCEL_ON_STOP:
      s->cancel_on_stop = g_value_get_boolean (value);
      break;
    case PROP_ALLOW_INSECURE:
      s->allow_insecure = g_value_get_boolean (value);
      break;
    case PROP_CACHE_DIR:
      g_free (s->cache_dir);
      s->cache_dir = g_value_dup_string (value);
      break;
    case PROP_SHOT_TYPE:
      s->shot_type = g_value_get_enum (value);
      break;
    case PROP_AUDIO:
      s->audio = g_value_get_boolean (value);
      break;
    case PROP_REQUEST:
      g_free (s->request_file);
      s->request_file = g_value_dup_string (value);
      break;
    case PROP_CACHE_POLICY:
      s->cache_policy = g_value_get_enum (value);
      break;
    case PROP_ALLOW_LOCAL_FILES:
      s->allow_local_files = g_value_get_boolean (value);
      break;
    case PROP_MAX_BILLED_SECONDS:
      s->max_billed_seconds = g_value_get_uint (value);
      break;
    case PROP_DRY_RUN:
      s->dry_run = g_value_get_boolean (value);
      break;
    case PROP_PROBE_REMOTE:
      s->probe_remote = g_value_get_boolean (value);
      break;
    case PROP_MAX_TASKS_IN_PROGRESS:
      s->max_tasks_in_progress = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_wanr2v_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (object);
  Settings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BASE_URL:
      g_value_set_string (value, s->base_url);
      break;
    case PROP_MODEL:
      g_value_set_string (value, s->model);
      break;
    case PROP_PROMPT:
      g_value_set_string (value, s->prompt);
      break;
    case PROP_NEGATIVE_PROMPT:
      g_value_set_string (value, s->negative_prompt);
      break;
    case PROP_IMAGES:
      strv_to_array (s->images, value);
      break;
    case PROP_VIDEOS:
      strv_to_array (s->videos, value);
      break;
    case PROP_IMAGE_VOICES:
      strv_to_array (s->image_voices, value);
      break;
    case PROP_VIDEO_VOICES:
      strv_to_array (s->video_voices, value);
      break;
    case PROP_FIRST_FRAME:
      g_value_set_string (value, s->first_frame);
      break;
    case PROP_RESOLUTION:
      g_value_set_enum (value, s->resolution);
      break;
    case PROP_RATIO:
      g_value_set_enum (value, s->ratio);
      break;
    case PROP_DURATION:
      g_value_set_int (value, s->duration);
      break;
    case PROP_PROMPT_EXTEND:
      g_value_set_boolean (value, s->prompt_extend);
      break;
    case PROP_WATERMARK:
      g_value_set_boolean (value, s->watermark);
      break;
    case PROP_SEED:
      g_value_set_int64 (value, s->seed);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, s->timeout);
      break;
    case PROP_TASK_ID:
      /* The task of the current run once it exists, else the one to attach. */
      g_value_set_string (value, self->current_task_id ?
          self->current_task_id : s->task_id);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, s->poll_interval);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, s->retries);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_uint (value, s->retry_delay);
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, s->request_timeout);
      break;
    case PROP_CANCEL_ON_STOP:
      g_value_set_boolean (value, s->cancel_on_stop);
      break;
    case PROP_ALLOW_INSECURE:
      g_value_set_boolean (value, s->allow_insecure);
      break;
    case PROP_CACHE_DIR:
      g_value_set_string (value, s->cache_dir);
      break;
    case PROP_SHOT_TYPE:
      g_value_set_enum (value, s->shot_type);
      break;
    case PROP_AUDIO:
      g_value_set_boolean (value, s->audio);
      break;
    case PROP_REQUEST:
      g_value_set_string (value, s->request_file);
      break;
    case PROP_CACHE_POLICY:
      g_value_set_enum (value, s->cache_policy);
      break;
    case PROP_ALLOW_LOCAL_FILES:
      g_value_set_boolean (value, s->allow_local_files);
      break;
    case PROP_MAX_BILLED_SECONDS:
      g_value_set_uint (value, s->max_billed_seconds);
      break;
    case PROP_DRY_RUN:
      g_value_set_boolean (value, s->dry_run);
      break;
    case PROP_PROBE_REMOTE:
      g_value_set_boolean (value, s->probe_remote);
      break;
    case PROP_MAX_TASKS_IN_PROGRESS:
      g_value_set_uint (value, s->max_tasks_in_progress);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- the job of a run --------------------------------------------------- */

typedef struct
{
  GPtrArray *urls;              /* char*, owned */
  GPtrArray *voices;            /* char* or NULL, owned */
} MediaList;

static void
media_list_init (MediaList * list)
{
  list->urls = g_ptr_array_new_with_free_func (g_free);
  list->voices = g_ptr_array_new_with_free_func (g_free);
}

static void
media_list_clear (MediaList * list)
{
  g_ptr_array_unref (list->urls);
  g_ptr_array_unref (list->voices);
}

static void
media_list_set_urls (MediaList * list, GStrv urls)
{
  g_ptr_array_set_size (list->urls, 0);
  g_ptr_array_set_size (list->voices, 0);
  for (; urls && *urls; urls++) {
    g_ptr_array_add (list->urls, g_strdup (*urls));
    g_ptr_array_add (list->voices, NULL);
  }
}

/* Voices pair with the entries at the same position. */
static gboolean
media_list_set_voices (MediaList * list, GStrv voices, const char *what,
    const char *owner, GError ** error)
{
  guint i, n = voices ? g_strv_length (voices) : 0;

  if (n > list->urls->len) {
    g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
        "%s has %u %s but %s only %u: a voice belongs to the reference "
        "at the same position", what, n, n == 1 ? "entry" : "entries", owner,
        list->urls->len);
    return FALSE;
  }
  for (i = 0; i < list->voices->len; i++) {
    g_free (list->voices->pdata[i]);
    list->voices->pdata[i] = i < n && *voices[i] ? g_strdup (voices[i]) :
        NULL;
  }
  return TRUE;
}

static void
media_list_append_to (MediaList * list, WanR2vRequest * req,
    WanR2vMediaType type)
{
  guint i;

  for (i = 0; i < list->urls->len; i++)
    wanr2v_request_add_media (req, type, list->urls->pdata[i],
        list->voices->pdata[i]);
}

/* Replaces the media of @req (from a request file, or none) by what the
 * media properties say, where they were set. */
static gboolean
apply_media_properties (Settings * s, WanR2vRequest * req, GError ** error)
{
  MediaList images, videos;
  g_autofree char *first_frame = NULL;
  gboolean ok = FALSE;
  guint i;

  if (!IS_SET (s, PROP_IMAGES) && !IS_SET (s, PROP_VIDEOS)
      && !IS_SET (s, PROP_FIRST_FRAME) && !IS_SET (s, PROP_IMAGE_VOICES)
      && !IS_SET (s, PROP_VIDEO_VOICES))
    return TRUE;

  media_list_init (&images);
  media_list_init (&videos);
  for (i = 0; i < req->media->len; i++) {
    WanR2vMedia *m = g_ptr_array_index (req->media, i);
    MediaList *list = m->type == WANR2V_MEDIA_REFERENCE_IMAGE ? &images :
        m->type == WANR2V_MEDIA_REFERENCE_VIDEO ? &videos : NULL;

    if (list) {
      g_ptr_array_add (list->urls, g_strdup (m->url));
      g_ptr_array_add (list->voices, g_strdup (m->voice));
    } else {
      g_free (first_frame);
      first_frame = g_strdup (m->url);
    }
  }

  if (IS_SET (s, PROP_IMAGES))
    media_list_set_urls (&images, s->images);
  if (IS_SET (s, PROP_VIDEOS))
    media_list_set_urls (&videos, s->videos);
  if (IS_SET (s, PROP_FIRST_FRAME)) {
    g_free (first_frame);
    first_frame = s->first_frame && *s->first_frame ?
        g_strdup (s->first_frame) : NULL;
  }
  if (IS_SET (s, PROP_IMAGE_VOICES) && !media_list_set_voices (&images,
          s->image_voices, "image-voices", "images", error))
    goto out;
  if (IS_SET (s, PROP_VIDEO_VOICES) && !media_list_set_voices (&videos,
          s->video_voices, "video-voices", "videos", error))
    goto out;

  /* Images first, then videos: each kind is numbered on its own, so this
   * keeps "Image N" and "Video N" as the properties list them. */
  g_ptr_array_set_size (req->media, 0);
  media_list_append_to (&images, req, WANR2V_MEDIA_REFERENCE_IMAGE);
  media_list_append_to (&videos, req, WANR2V_MEDIA_REFERENCE_VIDEO);
  if (first_frame)
    wanr2v_request_add_media (req, WANR2V_MEDIA_FIRST_FRAME, first_frame,
        NULL);
  ok = TRUE;
out:
  media_list_clear (&images);
  media_list_clear (&videos);
  return ok;
}

/* A create body with five inline images of the largest size the service
 * takes is about 140 MB of base64; a request file is normally a few KB.
 * Larger than this, it is not a request file. */
#define MAX_REQUEST_FILE_BYTES (32 * 1024 * 1024)

/* Reads the request file: a regular file of at most MAX_REQUEST_FILE_BYTES
 * (a FIFO or /dev/zero is refused before a byte is read).  Called without
 * the object lock: it is disk I/O. */
static GBytes *
read_request_file (const char *path, GError ** error)
{
  g_autoptr (GError) local_error = NULL;
  GBytes *contents;

  contents = wanr2v_local_file_read (path, "request", MAX_REQUEST_FILE_BYTES,
      NULL, &local_error);
  if (contents == NULL)
    g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
        "%s%s", local_error->message,
        g_error_matches (local_error, G_IO_ERROR,
            G_IO_ERROR_MESSAGE_TOO_LARGE) ? " (the request property takes "
        "files of at most 32 MiB)" : "");
  return contents;
}

static WanR2vRequest *
parse_request_file (const char *path, GBytes * contents, GError ** error)
{
  g_autoptr (GError) local_error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (contents, &length);
  WanR2vRequest *req;

  req = wanr2v_json_parse_request (data ? data : "", length, &local_error);
  if (req == NULL)
    g_set_error (error, WANR2V_REQUEST_ERROR, WANR2V_REQUEST_ERROR_INVALID,
        "request: %s: %s", path, local_error->message);
  return req;
}

static void
replace_string (char **field, const char *value)
{
  g_free (*field);
  *field = value && *value ? g_strdup (value) : NULL;
}

/* Builds the request from the request file's @contents (if any) and the
 * properties: a property set explicitly overrides the file; parameters set
 * nowhere are left out so the service's defaults apply.  Called with the
 * object lock; does no I/O. */
static WanR2vRequest *
build_request (GstWanR2vSrc * self, GBytes * contents, GError ** error)
{
  Settings *s = &self->settings;
  g_autoptr (WanR2vRequest) req = NULL;
  gboolean from_file = contents != NULL;

  req = from_file ? parse_request_file (s->request_file, contents, error) :
      wanr2v_request_new ();
  if (req == NULL)
    return NULL;

  if (!from_file || IS_SET (s, PROP_MODEL) || req->model == NULL)
    replace_string (&req->model, s->model ? s->model : DEFAULT_MODEL);
  if (!from_file || IS_SET (s, PROP_PROMPT))
    replace_string (&req->prompt, s->prompt);
  if (!from_file || IS_SET (s, PROP_NEGATIVE_PROMPT))
    replace_string (&req->negative_prompt, s->negative_prompt);
  if (!apply_media_properties (s, req, error))
    return NULL;

  if (IS_SET (s, PROP_RESOLUTION))
    replace_string (&req->resolution,
        gst_wanr2v_enum_nick (GST_TYPE_WANR2V_RESOLUTION, s->resolution));
  if (IS_SET (s, PROP_RATIO))
    replace_string (&req->ratio, gst_wanr2v_enum_nick (GST_TYPE_WANR2V_RATIO,
            s->ratio));
  if (IS_SET (s, PROP_DURATION))
    req->duration = s->duration;
  if (IS_SET (s, PROP_PROMPT_EXTEND))
    req->prompt_extend = s->prompt_extend;
  if (IS_SET (s, PROP_WATERMARK))
    req->watermark = s->watermark;
  if (IS_SET (s, PROP_SEED))
    req->seed = s->seed;
  if (IS_SET (s, PROP_SHOT_TYPE))
    replace_string (&req->shot_type,
        gst_wanr2v_enum_nick (GST_TYPE_WANR2V_SHOT_TYPE, s->shot_type));
  if (IS_SET (s, PROP_AUDIO))
    req->audio = s->audio;
  /* An explicit wan2.6 size from a file gives way to resolution/ratio set
   * as properties. */
  if (IS_SET (s, PROP_RESOLUTION) || IS_SET (s, PROP_RATIO))
    g_clear_pointer (&req->size, g_free);

  if (!wanr2v_request_validate (req, error))
    return NULL;
  return g_steal_pointer (&req);
}

/* Refuses at once a local reference that is a FIFO, a device, a directory
 * (anything but a regular file), with nothing but a stat: reading one
 * would block or never end.  A missing file is left to the inspection,
 * which reports every problem of every file together. */
static gboolean
check_local_files (const WanR2vRequest * req, GError ** error)
{
  guint i;
  gint voice;

  for (i = 0; i < req->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (req->media, i);

    for (voice = 0; voice < 2; voice++) {
      const char *url = voice ? m->voice : m->url;
      g_autofree char *path = NULL, *label = NULL;
      g_autoptr (GError) local_error = NULL;

      if (url == NULL || *url == '\0'
          || wanr2v_url_classify (url) != WANR2V_URL_LOCAL
          || (path = wanr2v_url_to_local_path (url)) == NULL)
        continue;
      label = wanr2v_request_media_label (req, i, voice);
      if (!wanr2v_local_file_check (path, label, &local_error)) {
        g_set_error_literal (error, WANR2V_REQUEST_ERROR,
            WANR2V_REQUEST_ERROR_INVALID, local_error->message);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static GstFlowReturn post_job_error (GstWanR2vSrc * self, WanR2vJob * job,
    const GError * error);

/* Called on the HTTP thread for everything the job does. */
static void
on_job_event (WanR2vJob * job, const WanR2vJobEvent * event, gpointer data)
{
  GstWanR2vSrc *self = data;

  if (event->type == WANR2V_JOB_EVENT_TASK_CREATED || (event->type ==
          WANR2V_JOB_EVENT_DONE && event->cached && event->task_id)) {
    GST_OBJECT_LOCK (self);
    g_free (self->current_task_id);
    self->current_task_id = g_strdup (event->task_id);
    GST_OBJECT_UNLOCK (self);
    GST_INFO_OBJECT (self, "task %s %s", event->task_id,
        event->cached ? "made the kept video" : "created");
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TASK_ID]);
  }
  if (event->type == WANR2V_JOB_EVENT_WARNING) {
    /* The journal (disk) or the service's billing. */
    if (g_error_matches (event->error, WANR2V_ERROR, WANR2V_ERROR_IO))
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("%s",
              event->error->message), (NULL));
    else
      GST_ELEMENT_WARNING (self, RESOURCE, FAILED, ("%s",
              event->error->message), (NULL));
    return;
  }
  if (event->type == WANR2V_JOB_EVENT_DONE) {
    g_autofree char *model = NULL, *prompt = NULL;

    /* What was sent, not the properties: a request file may have chosen
     * the model and the prompt.  (None for a task followed by id.) */
    const WanR2vRequest *sent = wanr2v_job_get_request (job);

    model = sent ? g_strdup (sent->model) : NULL;
    prompt = sent ? g_strdup (sent->prompt) : NULL;
    wanr2vsrc_report_tags (GST_ELEMENT (self), model, prompt, event);
  }
  wanr2vsrc_report_event (GST_ELEMENT (self), event);
  /* The error goes out now, not only when create() next asks for data: in
   * push mode the streaming thread may be blocked downstream (a prerolled
   * filesink waits for PLAYING, and gst-launch-1.0 waits for the request's
   * progress to end before it goes to PLAYING), and then nothing would
   * ever end the run.  create() posts nothing more (error_posted). */
  if (event->type == WANR2V_JOB_EVENT_ERROR)
    post_job_error (self, job, event->error);
}

/* The trust rule (see wanr2vsrc-trust.h): what a URI set is only what to
 * generate.  Called with the object lock, before anything is opened. */
static gboolean
check_uri_trust (Settings * s, GError ** error)
{
  const char *first_frame[] = { s->first_frame, NULL };

  if (!wanr2vsrc_trust_check_app_only ((const char *const *) s->uri_app_only,
          error))
    return FALSE;
  return (!FROM_URI (s, PROP_IMAGES)
      || wanr2vsrc_trust_check_references ("images", TRUE,
          (const char *const *) s->images, s->allow_local_files, error))
      && (!FROM_URI (s, PROP_VIDEOS)
      || wanr2vsrc_trust_check_references ("videos", TRUE,
          (const char *const *) s->videos, s->allow_local_files, error))
      && (!FROM_URI (s, PROP_IMAGE_VOICES)
      || wanr2vsrc_trust_check_references ("image-voices", TRUE,
          (const char *const *) s->image_voices, s->allow_local_files, error))
      && (!FROM_URI (s, PROP_VIDEO_VOICES)
      || wanr2vsrc_trust_check_references ("video-voices", TRUE,
          (const char *const *) s->video_voices, s->allow_local_files, error))
      && (!FROM_URI (s, PROP_FIRST_FRAME) || s->first_frame == NULL
      || wanr2vsrc_trust_check_references ("first-frame", FALSE, first_frame,
          s->allow_local_files, error));
}

gboolean
gst_wanr2v_src_check_uri_trust (GstWanR2vSrc * self, GError ** error)
{
  gboolean ok;

  GST_OBJECT_LOCK (self);
  ok = check_uri_trust (&self->settings, error);
  GST_OBJECT_UNLOCK (self);
  return ok;
}

static char *
default_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "wanr2v", "videos", NULL);
}

/* READY -> PAUSED: check the request and start the job.  No I/O here
 * beyond what is needed to refuse a bad request. */
static gboolean
start_job (GstWanR2vSrc * self)
{
  Settings *s = &self->settings;
  g_autoptr (WanR2vRequest) req = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *cache_dir = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *request_file = NULL;
  g_autofree char *api_key = NULL, *attach_task_id = NULL;
  g_autoptr (GBytes) request_contents = NULL;
  WanR2vJobConfig config = { 0, };
  WanR2vJob *job;
  gssize bad;

  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->current_task_id, g_free);
  /* First of all: what a URI set must not open a file or reach a host. */
  if (!check_uri_trust (s, &error)) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        ("refused before any file was opened or request sent"));
    return FALSE;
  }
  /* The request file is read without the lock: a property read from
   * another thread must not wait for the disk. */
  if ((s->task_id == NULL || *s->task_id == 0) && s->request_file
      && *s->request_file) {
    request_file = g_strdup (s->request_file);
    GST_OBJECT_UNLOCK (self);
    request_contents = read_request_file (request_file, &error);
    if (request_contents == NULL) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
          ("the request was not sent"));
      return FALSE;
    }
    GST_OBJECT_LOCK (self);
  }
  if (s->task_id == NULL || *s->task_id == 0) {
    req = build_request (self, request_contents, &error);
    if (req == NULL || !check_local_files (req, &error)) {
      GST_OBJECT_UNLOCK (self);
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
          ("the request was not sent"));
      return FALSE;
    }
  }
  if (s->api_key == NULL || *s->api_key == 0) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("No API key: set the api-key property or the DASHSCOPE_API_KEY "
            "environment variable"), (NULL));
    return FALSE;
  }
  /* A line break would end the Authorization header and start another
   * of the sender's choosing.  Say where, never what: the text goes to
   * the bus and to logs. */
  if ((bad = wanr2v_client_key_bad_char (s->api_key)) >= 0) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("The API key (api-key, or DASHSCOPE_API_KEY) contains a %s at "
            "character %" G_GSSIZE_FORMAT ": DashScope keys are printable "
            "text. Check how the key was copied (a trailing newline?)",
            s->api_key[bad] == '\n' ? "line feed (LF)" : s->api_key[bad] ==
            '\r' ? "carriage return (CR)" : "control character", bad + 1),
        ("refused before any request was sent"));
    return FALSE;
  }

  /* Copies: the job is made without the lock, since it checks (and may
   * create) the cache directory on disk. */
  base_url = g_strdup (s->base_url);
  cache_dir = s->cache_dir ? g_strdup (s->cache_dir) : default_cache_dir ();
  api_key = g_strdup (s->api_key);
  attach_task_id = s->task_id && *s->task_id ? g_strdup (s->task_id) : NULL;
  config.base_url = base_url;
  config.api_key = api_key;
  config.allow_insecure = s->allow_insecure;
  config.request = req;
  config.attach_task_id = attach_task_id;
  config.output_dir = cache_dir;
  config.cache_policy = s->cache_policy;
  config.timeout_s = s->timeout;
  config.poll_interval_ms = s->poll_interval;
  config.max_retries = s->retries;
  config.retry_delay_ms = s->retry_delay;
  config.request_timeout_s = s->request_timeout;
  config.cancel_on_stop = s->cancel_on_stop;
  /* Local files are checked against the service's limits (pixel sizes,
   * durations...) in the job's worker, before any upload or create. */
  config.inspect = wanr2vsrc_inspect_request;
  /* Remote reference videos are probed for the billing prediction, unless
   * a URI chose them: a link must not make this machine fetch URLs. */
  config.inspect_data = GINT_TO_POINTER (s->probe_remote
      && !FROM_URI (s, PROP_VIDEOS));
  config.max_billed_seconds = s->max_billed_seconds;
  config.dry_run = s->dry_run;
  config.max_tasks_in_progress = s->max_tasks_in_progress;
  GST_OBJECT_UNLOCK (self);
  job = wanr2v_job_new (&config, on_job_event, self, &error);
  memset (api_key, 0, strlen (api_key));

  if (job == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        (NULL));
    return FALSE;
  }

  g_mutex_lock (&self->lock);
  self->job = job;
  self->error_posted = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  GST_DEBUG_OBJECT (self, "starting the job");
  wanr2v_job_start (job);
  return TRUE;
}

static void
stop_job (GstWanR2vSrc * self)
{
  WanR2vJob *job;

  g_mutex_lock (&self->lock);
  job = g_steal_pointer (&self->job);
  g_mutex_unlock (&self->lock);
  if (job == NULL)
    return;

  wanr2v_job_stop (job);
  /* A process may exit as soon as the state change returns: the cancel of
   * a PENDING task (and the create it waits for) must have been answered
   * by then, or that task runs and is billed.  Bounded, so that NULL stays
   * prompt when the service does not answer. */
  if (!wanr2v_job_wait_settled (job, WANR2V_JOB_SETTLE_TIMEOUT_MS))
    GST_WARNING_OBJECT (self, "the service did not answer the stop's "
        "create or cancel within %u ms", WANR2V_JOB_SETTLE_TIMEOUT_MS);
  switch (wanr2v_job_get_phase (job)) {
    case WANR2V_JOB_PHASE_DONE:
    case WANR2V_JOB_PHASE_FAILED:
      break;
    default:{
      g_autofree char *task_id = wanr2v_job_dup_task_id (job);

      wanr2vsrc_report_cancelled (GST_ELEMENT (self), task_id);
      break;
    }
  }
  wanr2v_job_unref (job);
}

static GstStateChangeReturn
gst_wanr2v_src_change_state (GstElement * element, GstStateChange transition)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start_job (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* Stop the job first: whatever waits on it wakes up at once. */
      stop_job (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED
      && ret == GST_STATE_CHANGE_FAILURE)
    stop_job (self);
  return ret;
}

/* ---- GstBaseSrc --------------------------------------------------------- */

/* Cheap and idempotent: GstBaseSrc calls it once more as a probe. */
static gboolean
gst_wanr2v_src_start (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  self->fd = -1;
  return TRUE;
}

static gboolean
gst_wanr2v_src_stop (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  if (self->fd >= 0) {
    close (self->fd);
    self->fd = -1;
  }
  return TRUE;
}

static gboolean
gst_wanr2v_src_is_seekable (GstBaseSrc * src)
{
  /* The video is a file on disk: any offset can be read once it is there. */
  return TRUE;
}

static gboolean
gst_wanr2v_src_get_size (GstBaseSrc * src, guint64 * size)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);
  gint64 total = -1;

  g_mutex_lock (&self->lock);
  if (self->job)
    total = wanr2v_job_get_size (self->job);
  g_mutex_unlock (&self->lock);

  if (total < 0)
    return FALSE;
  *size = total;
  return TRUE;
}

static gboolean
gst_wanr2v_src_unlock (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  GST_DEBUG_OBJECT (self, "unlock");
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cancellable_cancel (self->wait_cancellable);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_wanr2v_src_unlock_stop (GstBaseSrc * src)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);

  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  g_object_unref (self->wait_cancellable);
  self->wait_cancellable = g_cancellable_new ();
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* Waits until this run's job exists (pull mode may ask for data before the
 * element itself reached PAUSED).  Returns a reference, or NULL when
 * flushing. */
static WanR2vJob *
wait_for_job (GstWanR2vSrc * self, GCancellable ** cancellable)
{
  WanR2vJob *job = NULL;

  g_mutex_lock (&self->lock);
  while (self->job == NULL && !self->flushing)
    g_cond_wait (&self->cond, &self->lock);
  if (!self->flushing) {
    job = wanr2v_job_ref (self->job);
    *cancellable = g_object_ref (self->wait_cancellable);
  }
  g_mutex_unlock (&self->lock);
  return job;
}

static GstFlowReturn
post_job_error (GstWanR2vSrc * self, WanR2vJob * job, const GError * error)
{
  g_autoptr (WanR2vErrorInfo) details = wanr2v_job_dup_error_details (job);
  gboolean first;

  g_mutex_lock (&self->error_lock);
  g_mutex_lock (&self->lock);
  first = !self->error_posted;
  self->error_posted = TRUE;
  g_mutex_unlock (&self->lock);

  if (first)
    wanr2vsrc_report_job_error (GST_ELEMENT (self), error, details);
  g_mutex_unlock (&self->error_lock);
  return GST_FLOW_ERROR;
}

static GstFlowReturn
gst_wanr2v_src_create (GstBaseSrc * src, guint64 offset, guint length,
    GstBuffer ** outbuf)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (src);
  g_autoptr (GCancellable) cancellable = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WanR2vJob) job = NULL;
  guint64 available = 0, end;
  gboolean complete = FALSE;
  gint64 total;
  GstBuffer *buf;
  GstMapInfo map;
  gsize done = 0;

  job = wait_for_job (self, &cancellable);
  if (job == NULL)
    return GST_FLOW_FLUSHING;

  /* Once the size is known, a read past the end while the download still
   * runs is EOS at once (qtdemux probes for an atom header at exactly the
   * file size, and a faststart video must not wait for its whole download
   * because of that); a read that crosses the end waits only for the bytes
   * that exist.  With every byte on disk, the wait below is for the
   * announcement of the finished video, so that its messages come before
   * the stream's EOS. */
  total = wanr2v_job_get_size (job);
  if (total >= 0 && offset >= (guint64) total
      && wanr2v_job_get_available (job) < (guint64) total)
    return GST_FLOW_EOS;
  end = offset + length;
  if (total >= 0 && offset < (guint64) total)
    end = MIN (end, (guint64) total);

  if (!wanr2v_job_wait_for_data (job, offset, end, &available, &complete,
          cancellable, &error)) {
    if (g_error_matches (error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED))
      return GST_FLOW_FLUSHING;
    return post_job_error (self, job, error);
  }

  if (offset >= available) {
    GST_DEBUG_OBJECT (self, "EOS at %" G_GUINT64_FORMAT, offset);
    return GST_FLOW_EOS;
  }
  length = MIN (length, available - offset);

  if (self->fd < 0) {
    self->fd = wanr2v_job_open_video (job, &error);
    if (self->fd < 0) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("%s", error->message),
          (NULL));
      return GST_FLOW_ERROR;
    }
  }

  buf = gst_buffer_new_allocate (NULL, length, NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  while (done < length) {
    gssize n = pread (self->fd, map.data + done, length - done, offset + done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = errno;
      g_autoptr (GError) job_error = NULL;
      guint64 ignored_available = 0;
      gboolean ignored_complete = FALSE;

      gst_buffer_unmap (buf, &map);
      gst_buffer_unref (buf);
      /* The download empties a video it finds bad (a checksum mismatch)
       * just before the job fails with the reason: wait for the job's
       * outcome (its end, or its error), so that the error says why, not
       * the short read it caused. */
      if (!wanr2v_job_wait_for_data (job, 0, G_MAXUINT64,
              &ignored_available, &ignored_complete, cancellable,
              &job_error)) {
        if (g_error_matches (job_error, WANR2V_ERROR, WANR2V_ERROR_CANCELLED))
          return GST_FLOW_FLUSHING;
        return post_job_error (self, job, job_error);
      }
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("Could not read the downloaded video at offset %" G_GUINT64_FORMAT
              ": %s", offset + done, n == 0 ? "file too short" :
              g_strerror (err)), (NULL));
      return GST_FLOW_ERROR;
    }
    done += n;
  }
  gst_buffer_unmap (buf, &map);

  GST_BUFFER_OFFSET (buf) = offset;
  GST_BUFFER_OFFSET_END (buf) = offset + length;
  *outbuf = buf;

  /* Our caps are fixed and we use no buffer pool, so a RECONFIGURE (sent
   * when a demuxer links its pads) has nothing to change.  Renegotiating
   * would send a serialized ALLOCATION query that a queue in between can
   * hold for ever in GStreamer 1.22 (filesrc ! queue ! qtdemux shows it
   * too): drop the request here. */
  gst_pad_check_reconfigure (GST_BASE_SRC_PAD (src));
  return GST_FLOW_OK;
}

/* ---- GstURIHandler ------------------------------------------------------ */

void
gst_wanr2v_src_forget_settings (GstWanR2vSrc * self)
{
  GST_OBJECT_LOCK (self);
  self->settings.set_mask = 0;
  self->settings.uri_mask = 0;
  g_clear_pointer (&self->settings.uri_app_only, g_strfreev);
  GST_OBJECT_UNLOCK (self);
}

void
gst_wanr2v_src_set_uri_origin (GstWanR2vSrc * self, GParamSpec ** from_uri,
    guint n_from_uri, const char *const *app_only)
{
  Settings *s = &self->settings;
  guint i;

  GST_OBJECT_LOCK (self);
  for (i = 0; i < n_from_uri; i++)
    s->uri_mask |= PROP_BIT (from_uri[i]->param_id);
  g_strfreev (s->uri_app_only);
  s->uri_app_only = app_only && *app_only ? g_strdupv ((char **) app_only) :
      NULL;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
property_is_set (GObject * object, GParamSpec * pspec)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (object);
  gboolean set;

  GST_OBJECT_LOCK (self);
  set = IS_SET (&self->settings, pspec->param_id);
  GST_OBJECT_UNLOCK (self);
  return set;
}

static GstURIType
gst_wanr2v_src_uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static const gchar *const *
gst_wanr2v_src_uri_get_protocols (GType type)
{
  static const gchar *protocols[] = { WANR2V_URI_SCHEME, NULL };

  return protocols;
}

static gchar *
gst_wanr2v_src_uri_get_uri (GstURIHandler * handler)
{
  return wanr2vsrc_uri_build (G_OBJECT (handler), property_is_set);
}

static gboolean
gst_wanr2v_src_uri_set_uri (GstURIHandler * handler, const gchar * uri,
    GError ** error)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (handler);

  if (GST_STATE (self) != GST_STATE_NULL
      && GST_STATE (self) != GST_STATE_READY) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
        "Changing the URI of wanr2vsrc when it is running is not supported");
    return FALSE;
  }
  return wanr2vsrc_uri_apply (G_OBJECT (self), uri, error);
}

static void
gst_wanr2v_src_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = (GstURIHandlerInterface *) g_iface;

  iface->get_type = gst_wanr2v_src_uri_get_type;
  iface->get_protocols = gst_wanr2v_src_uri_get_protocols;
  iface->get_uri = gst_wanr2v_src_uri_get_uri;
  iface->set_uri = gst_wanr2v_src_uri_set_uri;
}

/* ---- GObject ------------------------------------------------------------ */

static void
gst_wanr2v_src_finalize (GObject * object)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (object);

  stop_job (self);
  settings_clear (&self->settings);
  g_free (self->current_task_id);
  g_clear_object (&self->wait_cancellable);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->error_lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* DASHSCOPE_HTTP_BASE_URL, as the official SDKs read it, else Beijing. */
static const char *
default_base_url (void)
{
  const char *base_url = env_or_null ("DASHSCOPE_HTTP_BASE_URL");

  return base_url ? base_url : WANR2V_DEFAULT_BASE_URL;
}

static void
gst_wanr2v_src_init (GstWanR2vSrc * self)
{
  Settings *s = &self->settings;

  s->api_key = g_strdup (env_or_null ("DASHSCOPE_API_KEY"));
  s->base_url = g_strdup (default_base_url ());
  s->model = g_strdup (DEFAULT_MODEL);
  s->resolution = DEFAULT_RESOLUTION;
  s->ratio = DEFAULT_RATIO;
  s->duration = DEFAULT_DURATION;
  s->prompt_extend = DEFAULT_PROMPT_EXTEND;
  s->watermark = DEFAULT_WATERMARK;
  s->seed = DEFAULT_SEED;
  s->timeout = DEFAULT_TIMEOUT;
  s->poll_interval = DEFAULT_POLL_INTERVAL;
  s->retries = DEFAULT_RETRIES;
  s->retry_delay = DEFAULT_RETRY_DELAY;
  s->request_timeout = DEFAULT_REQUEST_TIMEOUT;
  s->cancel_on_stop = DEFAULT_CANCEL_ON_STOP;
  s->allow_insecure = DEFAULT_ALLOW_INSECURE;
  s->allow_local_files = DEFAULT_ALLOW_LOCAL_FILES;
  s->probe_remote = TRUE;
  s->max_tasks_in_progress = DEFAULT_MAX_TASKS_IN_PROGRESS;
  s->shot_type = GST_WANR2V_SHOT_TYPE_SINGLE;
  s->audio = TRUE;
  /* What init set is not "set by the user". */
  s->set_mask = 0;

  g_mutex_init (&self->lock);
  g_mutex_init (&self->error_lock);
  g_cond_init (&self->cond);
  self->wait_cancellable = g_cancellable_new ();
  self->fd = -1;

  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_BYTES);
  gst_base_src_set_blocksize (GST_BASE_SRC (self), DEFAULT_BLOCKSIZE);
}

#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static GParamSpec *
uri_array_param (const char *name, const char *nick, const char *blurb)
{
  return gst_param_spec_array (name, nick, blurb,
      g_param_spec_string ("uri", "URI", "A path, file://, http(s)://, "
          "oss:// or data: URI", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS), PARAM_FLAGS);
}

static void
gst_wanr2v_src_class_init (GstWanR2vSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);

  gobject_class->set_property = gst_wanr2v_src_set_property;
  gobject_class->get_property = gst_wanr2v_src_get_property;
  gobject_class->finalize = gst_wanr2v_src_finalize;

  properties[PROP_API_KEY] = g_param_spec_string ("api-key", "API key",
      "DashScope API key (write-only; default: the DASHSCOPE_API_KEY "
      "environment variable). Sent only to base-url's host", NULL,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  properties[PROP_BASE_URL] = g_param_spec_string ("base-url", "Base URL",
      "DashScope API base URL, ending in /api/v1 (default: "
      "DASHSCOPE_HTTP_BASE_URL, else the Beijing endpoint; Singapore is "
      "https://dashscope-intl.aliyuncs.com/api/v1)", default_base_url (),
      PARAM_FLAGS);
  properties[PROP_MODEL] = g_param_spec_string ("model", "Model",
      "wan2.7-r2v (or a dated wan2.7-r2v-YYYY-MM-DD), wan2.6-r2v or "
      "wan2.6-r2v-flash", DEFAULT_MODEL, PARAM_FLAGS);
  properties[PROP_PROMPT] = g_param_spec_string ("prompt", "Prompt",
      "What happens in the video; refer to references as \"Image 1\", "
      "\"Video 1\"... (at most 5000 characters; 1500 on wan2.6)", NULL,
      PARAM_FLAGS);
  properties[PROP_NEGATIVE_PROMPT] = g_param_spec_string ("negative-prompt",
      "Negative prompt", "What the video should not show (at most 500 "
      "characters)", NULL, PARAM_FLAGS);
  properties[PROP_IMAGES] = uri_array_param ("images", "Reference images",
      "Reference images; the first is \"Image 1\" in the prompt, and so on (JPEG, PNG, "
      "BMP, WEBP; images + videos at most 5)");
  properties[PROP_VIDEOS] = uri_array_param ("videos", "Reference videos",
      "Reference videos; the first is \"Video 1\" in the prompt, and so on (MP4, MOV, "
      "1..30 s)");
  properties[PROP_IMAGE_VOICES] = uri_array_param ("image-voices",
      "Voices of the reference images", "Reference voice (WAV, MP3, 1..10 s) "
      "of the character in images[N]; an empty entry means no voice");
  properties[PROP_VIDEO_VOICES] = uri_array_param ("video-voices",
      "Voices of the reference videos", "Reference voice (WAV, MP3, 1..10 s) "
      "of the character in videos[N]; overrides the video's own audio");
  properties[PROP_FIRST_FRAME] = g_param_spec_string ("first-frame",
      "First frame", "Image the video starts from (wan2.7; ratio is then "
      "ignored and the video takes the image's aspect)", NULL, PARAM_FLAGS);
  properties[PROP_RESOLUTION] = g_param_spec_enum ("resolution",
      "Resolution", "Output resolution tier", GST_TYPE_WANR2V_RESOLUTION,
      DEFAULT_RESOLUTION, PARAM_FLAGS);
  properties[PROP_RATIO] = g_param_spec_enum ("ratio", "Aspect ratio",
      "Output aspect ratio", GST_TYPE_WANR2V_RATIO, DEFAULT_RATIO,
      PARAM_FLAGS);
  properties[PROP_DURATION] = g_param_spec_int ("duration", "Duration",
      "Video length in seconds (2..10 with a reference video or on wan2.6, "
      "else 2..15)", 2, 15, DEFAULT_DURATION, PARAM_FLAGS);
  properties[PROP_PROMPT_EXTEND] = g_param_spec_boolean ("prompt-extend",
      "Prompt extend", "Let the service rewrite the prompt with an LLM",
      DEFAULT_PROMPT_EXTEND, PARAM_FLAGS);
  properties[PROP_WATERMARK] = g_param_spec_boolean ("watermark",
      "Watermark", "Add the service's \"AI generated\" mark", DEFAULT_WATERMARK,
      PARAM_FLAGS);
  properties[PROP_SEED] = g_param_spec_int64 ("seed", "Seed",
      "Random seed (-1 = let the service choose)", -1, WANR2V_MAX_SEED,
      DEFAULT_SEED, PARAM_FLAGS);
  properties[PROP_TIMEOUT] = g_param_spec_uint ("timeout", "Timeout",
      "Overall time limit in seconds for the video to be ready (0 = none)",
      0, G_MAXUINT, DEFAULT_TIMEOUT, PARAM_FLAGS);
  properties[PROP_TASK_ID] = g_param_spec_string ("task-id", "Task ID",
      "The task of this run, readable (and notified) as soon as the service "
      "created it; set it to fetch the result of an existing task instead of "
      "creating one", NULL, PARAM_FLAGS);
  properties[PROP_POLL_INTERVAL] = g_param_spec_uint ("poll-interval",
      "Poll interval", "Milliseconds between task queries (0 = adaptive "
      "schedule, never slower to notice completion than the official SDKs)",
      0, 3600000, DEFAULT_POLL_INTERVAL, PARAM_FLAGS);
  properties[PROP_RETRIES] = g_param_spec_uint ("retries", "Retries",
      "How often a request that failed in a retryable way is sent again",
      0, 100, DEFAULT_RETRIES, PARAM_FLAGS);
  properties[PROP_RETRY_DELAY] = g_param_spec_uint ("retry-delay",
      "Retry delay", "First delay in milliseconds before a retry; it doubles "
      "each time, with jitter", 1, 600000, DEFAULT_RETRY_DELAY, PARAM_FLAGS);
  properties[PROP_REQUEST_TIMEOUT] = g_param_spec_uint ("request-timeout",
      "Request timeout", "Seconds to wait for the reply to one API request",
      1, 3600, DEFAULT_REQUEST_TIMEOUT, PARAM_FLAGS);
  properties[PROP_CANCEL_ON_STOP] = g_param_spec_boolean ("cancel-on-stop",
      "Cancel on stop", "Cancel the task on the service when the element "
      "stops while the task is still queued (PENDING)",
      DEFAULT_CANCEL_ON_STOP, PARAM_FLAGS);
  properties[PROP_ALLOW_INSECURE] = g_param_spec_boolean ("allow-insecure",
      "Allow insecure", "Allow a plain http:// base-url to a host other than "
      "this machine (the API key then travels unencrypted)",
      DEFAULT_ALLOW_INSECURE, PARAM_FLAGS);
  properties[PROP_CACHE_DIR] = g_param_spec_string ("cache-dir",
      "Cache directory", "Where generated videos are kept, with the journal "
      "of unfinished tasks (default: $XDG_CACHE_HOME/wanr2v/videos)", NULL,
      PARAM_FLAGS);
  properties[PROP_CACHE_POLICY] = g_param_spec_enum ("cache-policy",
      "Cache policy", "Whether a kept video of the same request (same "
      "prompt, settings and file contents) is served instead of making a "
      "new one", GST_TYPE_WANR2V_CACHE_POLICY, WANR2V_CACHE_REUSE,
      PARAM_FLAGS);
  properties[PROP_SHOT_TYPE] = g_param_spec_enum ("shot-type", "Shot type",
      "wan2.6 only: one continuous shot or several (left to the service "
      "unless set)", GST_TYPE_WANR2V_SHOT_TYPE, GST_WANR2V_SHOT_TYPE_SINGLE,
      PARAM_FLAGS);
  properties[PROP_AUDIO] = g_param_spec_boolean ("audio", "Audio",
      "wan2.6-r2v-flash only: generate sound (wan2.7 always does; left to "
      "the service unless set)", TRUE, PARAM_FLAGS);
  properties[PROP_REQUEST] = g_param_spec_string ("request", "Request file",
      "A JSON file holding a whole create-request body as in the service's "
      "curl examples (model, input, parameters); properties set explicitly "
      "override its fields", NULL, PARAM_FLAGS);
  properties[PROP_ALLOW_LOCAL_FILES] = g_param_spec_boolean
      ("allow-local-files", "Allow local files from a URI", "Let references "
      "that came from a wanr2v:// URI name local files (paths, file://), "
      "which are then read and sent to the service. References set as "
      "properties may always be local; set this only for URIs you trust, "
      "e.g. in playbin's source-setup handler",
      DEFAULT_ALLOW_LOCAL_FILES, PARAM_FLAGS);
  properties[PROP_MAX_BILLED_SECONDS] = g_param_spec_uint
      ("max-billed-seconds", "Max billed seconds", "Refuse to create a task "
      "predicted to bill more than this many seconds (output video plus "
      "reference videos, by the service's billing formula); nothing is "
      "uploaded or created then. 0: no cap", 0, G_MAXUINT, 0, PARAM_FLAGS);
  properties[PROP_DRY_RUN] = g_param_spec_boolean ("dry-run", "Dry run",
      "Check, inspect and predict the cost, post the create body that would "
      "be sent (wanr2v/dry-run message), then end with an empty stream: "
      "nothing is uploaded or created", FALSE, PARAM_FLAGS);
  properties[PROP_PROBE_REMOTE] = g_param_spec_boolean ("probe-remote",
      "Probe remote videos", "Read the start (the moov) of each http(s) "
      "reference video from this machine to predict the billed seconds "
      "exactly; off, or for videos a URI chose, the prediction is an upper "
      "bound", TRUE, PARAM_FLAGS);
  properties[PROP_MAX_TASKS_IN_PROGRESS] = g_param_spec_uint
      ("max-tasks-in-progress", "Max tasks in progress", "Pipelines sharing "
      "cache-dir, in this process or others, keep at most this many tasks in "
      "progress (the service admits 5 per account); the others wait, PAUSED, "
      "before uploading. 0: no limit", 0, 1000,
      DEFAULT_MAX_TASKS_IN_PROGRESS, PARAM_FLAGS);
  g_object_class_install_properties (gobject_class, N_PROPS, properties);

  gst_element_class_set_static_metadata (element_class,
      "Wan reference-to-video source", "Source/Network",
      "Generates a video from a prompt and reference images and videos with "
      "Alibaba DashScope's Wan reference-to-video models",
      "wanr2vsrc authors <wanr2vsrc@example.org>");
  gst_element_class_add_static_pad_template (element_class, &src_template);
  element_class->change_state = gst_wanr2v_src_change_state;

  basesrc_class->start = gst_wanr2v_src_start;
  basesrc_class->stop = gst_wanr2v_src_stop;
  basesrc_class->is_seekable = gst_wanr2v_src_is_seekable;
  basesrc_class->get_size = gst_wanr2v_src_get_size;
  basesrc_class->unlock = gst_wanr2v_src_unlock;
  basesrc_class->unlock_stop = gst_wanr2v_src_unlock_stop;
  basesrc_class->create = gst_wanr2v_src_create;

  gst_type_mark_as_plugin_api (GST_TYPE_WANR2V_RESOLUTION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_WANR2V_RATIO, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_WANR2V_SHOT_TYPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_WANR2V_CACHE_POLICY, 0);
}
