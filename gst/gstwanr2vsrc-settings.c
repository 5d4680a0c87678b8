/* gstwanr2vsrc-settings.c: the settings behind wanr2vsrc's properties.
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The settings live under the object lock.  Setting or reading a property
 * only copies values in or out; whoever needs the settings for real work
 * (the job's start) takes a copy (gst_wanr2v_src_settings_copy) and works
 * on it without the lock.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-private.h"

#include "wanr2v-client.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_wanr2v_src_debug

static const char *
env_or_null (const char *name)
{
  const char *value = g_getenv (name);

  return value && *value ? value : NULL;
}

const char *
gst_wanr2v_src_default_base_url (void)
{
  const char *base_url = env_or_null ("DASHSCOPE_HTTP_BASE_URL");

  return base_url ? base_url : WANR2V_DEFAULT_BASE_URL;
}

void
gst_wanr2v_src_settings_init (GstWanR2vSrcSettings * s)
{
  memset (s, 0, sizeof (*s));
  s->api_key = g_strdup (env_or_null ("DASHSCOPE_API_KEY"));
  s->base_url = g_strdup (gst_wanr2v_src_default_base_url ());
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
  s->probe_remote = DEFAULT_PROBE_REMOTE;
  s->max_tasks_in_progress = DEFAULT_MAX_TASKS_IN_PROGRESS;
  s->shot_type = DEFAULT_SHOT_TYPE;
  s->audio = DEFAULT_AUDIO;
  /* What init set is not "set by the user". */
  s->set_mask = 0;
}

void
gst_wanr2v_src_settings_copy (GstWanR2vSrcSettings * dest,
    const GstWanR2vSrcSettings * src)
{
  /* Scalars and masks by value, then every pointer duplicated. */
  *dest = *src;
  dest->api_key = g_strdup (src->api_key);
  dest->base_url = g_strdup (src->base_url);
  dest->model = g_strdup (src->model);
  dest->prompt = g_strdup (src->prompt);
  dest->negative_prompt = g_strdup (src->negative_prompt);
  dest->images = g_strdupv (src->images);
  dest->videos = g_strdupv (src->videos);
  dest->image_voices = g_strdupv (src->image_voices);
  dest->video_voices = g_strdupv (src->video_voices);
  dest->first_frame = g_strdup (src->first_frame);
  dest->task_id = g_strdup (src->task_id);
  dest->cache_dir = g_strdup (src->cache_dir);
  dest->request_file = g_strdup (src->request_file);
  dest->uri_app_only = g_strdupv (src->uri_app_only);
}

void
gst_wanr2v_src_settings_clear (GstWanR2vSrcSettings * s)
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

void
gst_wanr2v_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (object);
  GstWanR2vSrcSettings *s = &self->settings;

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

void
gst_wanr2v_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (object);
  GstWanR2vSrcSettings *s = &self->settings;

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
