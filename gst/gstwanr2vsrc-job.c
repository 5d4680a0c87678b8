/* gstwanr2vsrc-job.c: the job of a wanr2vsrc run: its start on READY to
 * PAUSED, its stop on PAUSED to READY, and its events (the engine's side
 * of the element's state changes, see gstwanr2vsrc-front.c).
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The settings are copied under the object lock and the job is built from
 * the copy without it: the request file, the stat of local references and
 * the cache directory are disk I/O, and a property read from another
 * thread must not wait for them.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-private.h"
#include "gstwanr2vsrc-context.h"
#include "gstwanr2vsrc-inspect.h"
#include "gstwanr2vsrc-names.h"
#include "gstwanr2vsrc-report.h"

#include "wanr2v-client.h"
#include "wanr2v-kept-index.h"

#include <string.h>

#define GST_CAT_DEFAULT gst_wanr2v_src_debug

/* Records the kept video under the fingerprint of the run's settings, so
 * that the plugin serves it by itself next time (see wanr2v-kept-index.h).
 * Only when the plugin computed one: a run it could not serve (a request
 * file, a task followed by id, a cache policy other than reuse) is never
 * indexed. */
static void
index_kept_video (GstWanR2vSrc * self, WanR2vJob * job, const char *task_id,
    const GstTagList * tags)
{
  g_autofree char *fingerprint = NULL, *dir = NULL, *key = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_mutex_lock (&self->lock);
  fingerprint = g_strdup (self->kept_fingerprint);
  dir = g_strdup (self->kept_dir);
  g_mutex_unlock (&self->lock);
  if (fingerprint == NULL || (key = wanr2v_job_dup_key (job)) == NULL)
    return;
  text = gst_tag_list_to_string (tags);
  if (!wanr2v_kept_index_write (dir, fingerprint, key, task_id, text, &error))
    GST_WARNING_OBJECT (self, "could not index the kept video: %s",
        error->message);
  else
    GST_DEBUG_OBJECT (self, "indexed the kept video %s under %s", key,
        fingerprint);
}

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
    g_object_notify_by_pspec (G_OBJECT (self),
        gst_wanr2v_src_properties[PROP_TASK_ID]);
  }
  if (event->type == WANR2V_JOB_EVENT_WARNING) {
    g_autofree char *text = gst_wanr2v_src_names_message (event->error);

    /* The journal (disk) or the service's billing. */
    if (g_error_matches (event->error, WANR2V_ERROR, WANR2V_ERROR_IO))
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE, ("%s", text), (NULL));
    else
      GST_ELEMENT_WARNING (self, RESOURCE, FAILED, ("%s", text), (NULL));
    return;
  }
  if (event->type == WANR2V_JOB_EVENT_TASK_CREATED
      || event->type == WANR2V_JOB_EVENT_TASK_STATUS
      || event->type == WANR2V_JOB_EVENT_DONE) {
    /* What was sent, not the properties: a request file may have chosen
     * the model and the prompt.  (None for a task followed by id.) */
    g_autoptr (GstTagList) tags =
        gst_wanr2v_src_update_tags (self,
        gst_wanr2v_src_report_make_tags (wanr2v_job_get_request (job),
            event->task_id, event->info ? event->info->actual_prompt : NULL),
        FALSE);

    /* The bus message, once, for the finished video: in pull mode it is
     * the only way tags reach the application. */
    if (event->type == WANR2V_JOB_EVENT_DONE) {
      gst_wanr2v_src_report_tags (GST_ELEMENT (self), tags);
      index_kept_video (self, job, event->task_id, tags);
    }
  }
  gst_wanr2v_src_report_event (GST_ELEMENT (self), event);
  /* The error goes out now, not only when fill() next asks for data: in
   * push mode the streaming thread may be blocked downstream (a prerolled
   * filesink waits for PLAYING, and gst-launch-1.0 waits for the request's
   * progress to end before it goes to PLAYING), and then nothing would
   * ever end the run.  fill() posts nothing more (error_posted). */
  if (event->type == WANR2V_JOB_EVENT_ERROR)
    gst_wanr2v_src_post_job_error (self, job, event->error);
}

/* The API key: present, and with nothing that would end the Authorization
 * header and start another of the sender's choosing.  The message says
 * where, never what: it goes to the bus and to logs. */
static gboolean
check_api_key (GstWanR2vSrc * self, const char *api_key)
{
  gssize bad;

  if (api_key == NULL || *api_key == 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("No API key: set the api-key property or the DASHSCOPE_API_KEY "
            "environment variable"), (NULL));
    return FALSE;
  }
  if ((bad = wanr2v_client_key_bad_char (api_key)) >= 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("The API key (api-key, or DASHSCOPE_API_KEY) contains a %s at "
            "character %" G_GSSIZE_FORMAT ": DashScope keys are printable "
            "text. Check how the key was copied (a trailing newline?)",
            api_key[bad] == '\n' ? "line feed (LF)" : api_key[bad] ==
            '\r' ? "carriage return (CR)" : "control character", bad + 1),
        ("refused before any request was sent"));
    return FALSE;
  }
  return TRUE;
}

/* The job's configuration from the settings @s: every pointer in @config
 * points into @s, @req or @cache_dir.  (A HTTP session shared through a
 * GstContext would be handed to the job here.) */
static void
job_config_from_settings (const GstWanR2vSrcSettings * s,
    const WanR2vRequest * req, const char *cache_dir,
    WanR2vJobConfig * config)
{
  config->base_url = s->base_url;
  config->api_key = s->api_key;
  config->allow_insecure = s->allow_insecure;
  config->request = req;
  config->attach_task_id = s->task_id && *s->task_id ? s->task_id : NULL;
  config->output_dir = cache_dir;
  config->cache_policy = s->cache_policy;
  config->timeout_s = s->timeout;
  config->poll_interval_ms = s->poll_interval;
  config->max_retries = s->retries;
  config->retry_delay_ms = s->retry_delay;
  config->request_timeout_s = s->request_timeout;
  config->cancel_on_stop = s->cancel_on_stop;
  /* Local files are checked against the service's limits (pixel sizes,
   * durations...) in the job's worker, before any upload or create. */
  config->inspect = gst_wanr2v_src_inspect_request;
  /* Remote reference videos are probed for the billing prediction, unless
   * a URI chose them: a link must not make this machine fetch URLs. */
  config->inspect_data = GINT_TO_POINTER (s->probe_remote
      && !FROM_URI (s, PROP_VIDEOS));
  config->max_billed_seconds = s->max_billed_seconds;
  config->dry_run = s->dry_run;
  config->max_tasks_in_progress = s->max_tasks_in_progress;
}

/* Checks the request of settings @s and starts its job.  No I/O beyond
 * what is needed to refuse a bad request. */
static gboolean
start_job_with (GstWanR2vSrc * self, const GstWanR2vSrcSettings * s)
{
  g_autoptr (WanR2vRequest) req = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *cache_dir = NULL;
  WanR2vJobConfig config = { 0, };
  g_autoptr (WanR2vHttp) http = NULL;
  WanR2vJob *job;

  /* First of all: what a URI set must not open a file or reach a host. */
  if (!gst_wanr2v_src_settings_check_uri_trust (s, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message),
        ("refused before any file was opened or request sent"));
    return FALSE;
  }
  /* Following a task by id sends no request. */
  if (s->task_id == NULL || *s->task_id == 0) {
    req = gst_wanr2v_src_build_request (s, &error);
    if (req == NULL) {
      g_autofree char *text = gst_wanr2v_src_names_message (error);

      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", text),
          ("the request was not sent"));
      return FALSE;
    }
  }
  if (!check_api_key (self, s->api_key))
    return FALSE;

  cache_dir = s->cache_dir ? g_strdup (s->cache_dir) :
      wanr2v_cache_default_dir ();
  job_config_from_settings (s, req, cache_dir, &config);
  /* The application's or the pipeline's HTTP thread (a GstContext), or
   * the process's shared one. */
  config.http = http = gst_wanr2v_src_context_ensure_http (GST_ELEMENT (self));
  /* Checks (and may create) the cache directory on disk. */
  job = wanr2v_job_new (&config, on_job_event, self, &error);
  if (job == NULL) {
    g_autofree char *text = gst_wanr2v_src_names_message (error);

    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", text), (NULL));
    return FALSE;
  }

  /* The stream's first tags, from the request that was built: in place
   * before the streaming thread can see the job. */
  gst_tag_list_unref (gst_wanr2v_src_update_tags (self,
          gst_wanr2v_src_report_make_tags (req, NULL, NULL), TRUE));

  g_mutex_lock (&self->lock);
  self->job = job;
  self->error_posted = FALSE;
  if (self->wait_cancellable == NULL)
    self->wait_cancellable = g_cancellable_new ();
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  GST_DEBUG_OBJECT (self, "starting the job");
  wanr2v_job_start (job);
  return TRUE;
}

/* READY -> PAUSED: the settings are copied under the object lock, and
 * everything else done on the copy without it. */
gboolean
gst_wanr2v_src_start_job (GstWanR2vSrc * self)
{
  GstWanR2vSrcSettings settings;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->current_task_id, g_free);
  gst_wanr2v_src_settings_copy (&settings, &self->settings);
  GST_OBJECT_UNLOCK (self);

  ok = start_job_with (self, &settings);
  /* Wipes the copy of the API key too. */
  gst_wanr2v_src_settings_clear (&settings);
  return ok;
}

void
gst_wanr2v_src_stop_job (GstWanR2vSrc * self)
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
   * by then, or that task runs and is billed; and it may call gst_deinit(),
   * which must not find the inspection's discoverer still stopping.
   * Bounded, so that NULL stays prompt when the service does not answer. */
  if (!wanr2v_job_wait_settled (job, WANR2V_JOB_SETTLE_TIMEOUT_MS))
    GST_WARNING_OBJECT (self, "the stop did not settle within %u ms (the "
        "service's answer to a create or cancel, or the inspection of a "
        "reference)", WANR2V_JOB_SETTLE_TIMEOUT_MS);
  switch (wanr2v_job_get_phase (job)) {
    case WANR2V_JOB_PHASE_DONE:
    case WANR2V_JOB_PHASE_FAILED:
      break;
    default:{
      g_autofree char *task_id = wanr2v_job_dup_task_id (job);

      gst_wanr2v_src_report_cancelled (GST_ELEMENT (self), task_id);
      break;
    }
  }
  wanr2v_job_unref (job);
}

GstFlowReturn
gst_wanr2v_src_post_job_error (GstWanR2vSrc * self, WanR2vJob * job,
    const GError * error)
{
  g_autoptr (WanR2vErrorInfo) details = wanr2v_job_dup_error_details (job);
  gboolean first;

  g_mutex_lock (&self->error_lock);
  g_mutex_lock (&self->lock);
  first = !self->error_posted;
  self->error_posted = TRUE;
  g_mutex_unlock (&self->lock);

  if (first)
    gst_wanr2v_src_report_job_error (GST_ELEMENT (self), error, details);
  g_mutex_unlock (&self->error_lock);
  return GST_FLOW_ERROR;
}
