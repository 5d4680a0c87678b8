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

#include "gstwanr2vsrc-private.h"

GST_DEBUG_CATEGORY (gst_wanr2v_src_debug);
#define GST_CAT_DEFAULT gst_wanr2v_src_debug

#define DEFAULT_BLOCKSIZE (64 * 1024)

GParamSpec *gst_wanr2v_src_properties[N_PROPS];

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/quicktime"));

#define gst_wanr2v_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstWanR2vSrc, gst_wanr2v_src, GST_TYPE_BASE_SRC,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_wanr2v_src_uri_handler_init));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (wanr2vsrc, "wanr2vsrc", GST_RANK_NONE,
    GST_TYPE_WANR2V_SRC,
    GST_DEBUG_CATEGORY_INIT (gst_wanr2v_src_debug, "wanr2vsrc", 0,
        "Wan reference-to-video source"));

static void
gst_wanr2v_src_finalize (GObject * object)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (object);

  gst_wanr2v_src_front_finalize (self);
  gst_wanr2v_src_settings_clear (&self->settings);
  g_free (self->current_task_id);
  gst_clear_tag_list (&self->tags);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->error_lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gst_wanr2v_src_parent_class)->finalize (object);
}

static void
gst_wanr2v_src_init (GstWanR2vSrc * self)
{
  gst_wanr2v_src_settings_init (&self->settings);

  g_mutex_init (&self->lock);
  g_mutex_init (&self->error_lock);
  g_cond_init (&self->cond);
  self->fd = -1;
  self->kept_fd = -1;

  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_BYTES);
  gst_base_src_set_blocksize (GST_BASE_SRC (self), DEFAULT_BLOCKSIZE);
}

#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

G_DEFINE_QUARK (wanr2vsrc-reference, gst_wanr2v_src_reference);

/* Marks @spec as naming reference media (gstwanr2vsrc-kept.c hashes the
 * local files such properties name). */
static GParamSpec *
reference_param (GParamSpec * spec)
{
  g_param_spec_set_qdata (spec, GST_WANR2V_SRC_REFERENCE, GINT_TO_POINTER (1));
  return spec;
}

static GParamSpec *
uri_array_param (const char *name, const char *nick, const char *blurb)
{
  return reference_param (gst_param_spec_array (name, nick, blurb,
      g_param_spec_string ("uri", "URI", "A path, file://, http(s)://, "
          "oss:// or data: URI", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS), PARAM_FLAGS));
}

static void
gst_wanr2v_src_class_init (GstWanR2vSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GParamSpec **props = gst_wanr2v_src_properties;

  gobject_class->set_property = gst_wanr2v_src_set_property;
  gobject_class->get_property = gst_wanr2v_src_get_property;
  gobject_class->finalize = gst_wanr2v_src_finalize;

  props[PROP_API_KEY] = g_param_spec_string ("api-key", "API key",
      "DashScope API key (write-only; default: the DASHSCOPE_API_KEY "
      "environment variable). Sent only to base-url's host", NULL,
      G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  props[PROP_BASE_URL] = g_param_spec_string ("base-url", "Base URL",
      "DashScope API base URL, ending in /api/v1 (default: "
      "DASHSCOPE_HTTP_BASE_URL, else the Beijing endpoint; Singapore is "
      "https://dashscope-intl.aliyuncs.com/api/v1)",
      gst_wanr2v_src_default_base_url (),
      PARAM_FLAGS);
  props[PROP_MODEL] = g_param_spec_string ("model", "Model",
      "wan2.7-r2v (or a dated wan2.7-r2v-YYYY-MM-DD), wan2.6-r2v or "
      "wan2.6-r2v-flash", DEFAULT_MODEL, PARAM_FLAGS);
  props[PROP_PROMPT] = g_param_spec_string ("prompt", "Prompt",
      "What happens in the video; refer to references as \"Image 1\", "
      "\"Video 1\"... (at most 5000 characters; 1500 on wan2.6)", NULL,
      PARAM_FLAGS);
  props[PROP_NEGATIVE_PROMPT] = g_param_spec_string ("negative-prompt",
      "Negative prompt", "What the video should not show (at most 500 "
      "characters)", NULL, PARAM_FLAGS);
  props[PROP_IMAGES] = uri_array_param ("images", "Reference images",
      "Reference images; the first is \"Image 1\" in the prompt, and so on (JPEG, PNG, "
      "BMP, WEBP; images + videos at most 5)");
  props[PROP_VIDEOS] = uri_array_param ("videos", "Reference videos",
      "Reference videos; the first is \"Video 1\" in the prompt, and so on (MP4, MOV, "
      "1..30 s)");
  props[PROP_IMAGE_VOICES] = uri_array_param ("image-voices",
      "Voices of the reference images", "Reference voice (WAV, MP3, 1..10 s) "
      "of the character in images[N]; an empty entry means no voice");
  props[PROP_VIDEO_VOICES] = uri_array_param ("video-voices",
      "Voices of the reference videos", "Reference voice (WAV, MP3, 1..10 s) "
      "of the character in videos[N]; overrides the video's own audio");
  props[PROP_FIRST_FRAME] = reference_param (g_param_spec_string
      ("first-frame", "First frame", "Image the video starts from (wan2.7; "
          "ratio is then ignored and the video takes the image's aspect)",
          NULL, PARAM_FLAGS));
  props[PROP_RESOLUTION] = g_param_spec_enum ("resolution",
      "Resolution", "Output resolution tier", GST_TYPE_WANR2V_RESOLUTION,
      DEFAULT_RESOLUTION, PARAM_FLAGS);
  props[PROP_RATIO] = g_param_spec_enum ("ratio", "Aspect ratio",
      "Output aspect ratio", GST_TYPE_WANR2V_RATIO, DEFAULT_RATIO,
      PARAM_FLAGS);
  props[PROP_DURATION] = g_param_spec_int ("duration", "Duration",
      "Video length in seconds (2..10 with a reference video or on wan2.6, "
      "else 2..15)", 2, 15, DEFAULT_DURATION, PARAM_FLAGS);
  props[PROP_PROMPT_EXTEND] = g_param_spec_boolean ("prompt-extend",
      "Prompt extend", "Let the service rewrite the prompt with an LLM",
      DEFAULT_PROMPT_EXTEND, PARAM_FLAGS);
  props[PROP_WATERMARK] = g_param_spec_boolean ("watermark",
      "Watermark", "Add the service's \"AI generated\" mark", DEFAULT_WATERMARK,
      PARAM_FLAGS);
  props[PROP_SEED] = g_param_spec_int64 ("seed", "Seed",
      "Random seed (-1 = let the service choose)", -1, WANR2V_MAX_SEED,
      DEFAULT_SEED, PARAM_FLAGS);
  props[PROP_TIMEOUT] = g_param_spec_uint ("timeout", "Timeout",
      "Overall time limit in seconds for the video to be ready (0 = none)",
      0, G_MAXUINT, DEFAULT_TIMEOUT, PARAM_FLAGS);
  props[PROP_TASK_ID] = g_param_spec_string ("task-id", "Task ID",
      "The task of this run, readable (and notified) as soon as the service "
      "created it; set it to fetch the result of an existing task instead of "
      "creating one", NULL, PARAM_FLAGS);
  props[PROP_POLL_INTERVAL] = g_param_spec_uint ("poll-interval",
      "Poll interval", "Milliseconds between task queries (0 = adaptive "
      "schedule, never slower to notice completion than the official SDKs)",
      0, 3600000, DEFAULT_POLL_INTERVAL, PARAM_FLAGS);
  props[PROP_RETRIES] = g_param_spec_uint ("retries", "Retries",
      "How often a request that failed in a retryable way is sent again",
      0, 100, DEFAULT_RETRIES, PARAM_FLAGS);
  props[PROP_RETRY_DELAY] = g_param_spec_uint ("retry-delay",
      "Retry delay", "First delay in milliseconds before a retry; it doubles "
      "each time, with jitter", 1, 600000, DEFAULT_RETRY_DELAY, PARAM_FLAGS);
  props[PROP_REQUEST_TIMEOUT] = g_param_spec_uint ("request-timeout",
      "Request timeout", "Seconds to wait for the reply to one API request",
      1, 3600, DEFAULT_REQUEST_TIMEOUT, PARAM_FLAGS);
  props[PROP_CANCEL_ON_STOP] = g_param_spec_boolean ("cancel-on-stop",
      "Cancel on stop", "Cancel the task on the service when the element "
      "stops while the task is still queued (PENDING)",
      DEFAULT_CANCEL_ON_STOP, PARAM_FLAGS);
  props[PROP_ALLOW_INSECURE] = g_param_spec_boolean ("allow-insecure",
      "Allow insecure", "Allow a plain http:// base-url to a host other than "
      "this machine (the API key then travels unencrypted)",
      DEFAULT_ALLOW_INSECURE, PARAM_FLAGS);
  props[PROP_CACHE_DIR] = g_param_spec_string ("cache-dir",
      "Cache directory", "Where generated videos are kept, with the journal "
      "of unfinished tasks (default: $XDG_CACHE_HOME/wanr2v/videos)", NULL,
      PARAM_FLAGS);
  props[PROP_CACHE_POLICY] = g_param_spec_enum ("cache-policy",
      "Cache policy", "Whether a kept video of the same request (same "
      "prompt, settings and file contents) is served instead of making a "
      "new one", GST_TYPE_WANR2V_CACHE_POLICY, WANR2V_CACHE_REUSE,
      PARAM_FLAGS);
  props[PROP_SHOT_TYPE] = g_param_spec_enum ("shot-type", "Shot type",
      "wan2.6 only: one continuous shot or several (left to the service "
      "unless set)", GST_TYPE_WANR2V_SHOT_TYPE, DEFAULT_SHOT_TYPE,
      PARAM_FLAGS);
  props[PROP_AUDIO] = g_param_spec_boolean ("audio", "Audio",
      "wan2.6-r2v-flash only: generate sound (wan2.7 always does; left to "
      "the service unless set)", DEFAULT_AUDIO, PARAM_FLAGS);
  props[PROP_REQUEST] = g_param_spec_string ("request", "Request file",
      "A JSON file holding a whole create-request body as in the service's "
      "curl examples (model, input, parameters); properties set explicitly "
      "override its fields", NULL, PARAM_FLAGS);
  props[PROP_ALLOW_LOCAL_FILES] = g_param_spec_boolean
      ("allow-local-files", "Allow local files from a URI", "Let references "
      "that came from a wanr2v:// URI name local files (paths, file://), "
      "which are then read and sent to the service. References set as "
      "properties may always be local; set this only for URIs you trust, "
      "e.g. in playbin's source-setup handler",
      DEFAULT_ALLOW_LOCAL_FILES, PARAM_FLAGS);
  props[PROP_MAX_BILLED_SECONDS] = g_param_spec_uint
      ("max-billed-seconds", "Max billed seconds", "Refuse to create a task "
      "predicted to bill more than this many seconds (output video plus "
      "reference videos, by the service's billing formula); nothing is "
      "uploaded or created then. 0: no cap", 0, G_MAXUINT, 0, PARAM_FLAGS);
  props[PROP_DRY_RUN] = g_param_spec_boolean ("dry-run", "Dry run",
      "Check, inspect and predict the cost, post the create body that would "
      "be sent (wanr2v/dry-run message), then end with an empty stream: "
      "nothing is uploaded or created", FALSE, PARAM_FLAGS);
  props[PROP_PROBE_REMOTE] = g_param_spec_boolean ("probe-remote",
      "Probe remote videos", "Read the start (the moov) of each http(s) "
      "reference video from this machine to predict the billed seconds "
      "exactly; off, or for videos a URI chose, the prediction is an upper "
      "bound", DEFAULT_PROBE_REMOTE, PARAM_FLAGS);
  props[PROP_MAX_TASKS_IN_PROGRESS] = g_param_spec_uint
      ("max-tasks-in-progress", "Max tasks in progress", "Pipelines sharing "
      "cache-dir, in this process or others, keep at most this many tasks in "
      "progress (the service admits 5 per account); the others wait, PAUSED, "
      "before uploading. 0: no limit", 0, 1000,
      DEFAULT_MAX_TASKS_IN_PROGRESS, PARAM_FLAGS);
  g_object_class_install_properties (gobject_class, N_PROPS,
      gst_wanr2v_src_properties);

  gst_element_class_set_static_metadata (element_class,
      "Wan reference-to-video source", "Source/Network",
      "Generates a video from a prompt and reference images and videos with "
      "Alibaba DashScope's Wan reference-to-video models",
      "wanr2vsrc authors <wanr2vsrc@example.org>");
  gst_element_class_add_static_pad_template (element_class, &src_template);
  element_class->change_state = gst_wanr2v_src_change_state;
  element_class->set_context = gst_wanr2v_src_set_context;
  gst_wanr2v_src_read_class_init (basesrc_class);

  gst_type_mark_as_plugin_api (GST_TYPE_WANR2V_RESOLUTION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_WANR2V_RATIO, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_WANR2V_SHOT_TYPE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_WANR2V_CACHE_POLICY, 0);
}
