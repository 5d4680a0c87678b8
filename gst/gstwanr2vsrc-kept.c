/* gstwanr2vsrc-kept.c: a kept video served by the plugin itself, without
 * opening the engine (see gstwanr2vsrc-engine.h and wanr2v-kept-index.h).
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * At READY -> PAUSED the plugin fingerprints the settings: every property
 * of the element but those that only say how a run talks to the service,
 * with the SHA-256 of each local file the reference properties name.  When the cache directory
 * indexes a kept video under that fingerprint, the plugin serves it as
 * the engine would (the same messages, tags and task id) and the engine
 * is never opened.  Otherwise the engine runs, and indexes its video under
 * the fingerprint once it is done.  A property added to the element later
 * is in the fingerprint unless it is listed below: at worst a run misses
 * the shortcut, never gets another request's video.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-engine.h"
#include "gstwanr2vsrc-report.h"

#include "wanr2v-blocks.h"
#include "wanr2v-cache-dir.h"
#include "wanr2v-client.h"
#include "wanr2v-kept-index.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GST_CAT_DEFAULT gst_wanr2v_src_debug

/* What the fingerprint is of: the plugin's build (its rules decide what
 * may be served), then the properties and the local files. */
#define FINGERPRINT_VERSION "wanr2vsrc " VERSION " engine abi " \
  G_STRINGIFY (GST_WANR2V_SRC_ENGINE_ABI)

/* Hashed on the state change, as the engine does for a cache hit (about
 * 2 ms of SHA-256 at most); larger references are left to the engine,
 * which hashes them in its worker. */
#define MAX_HASHED_BYTES (512 * 1024)

/* How a run talks to the service, not what it makes or may serve.  (The
 * API key is checked below, and is never hashed or read back.) */
static const char *const run_only_properties[] = {
  "api-key", "timeout", "poll-interval", "retries", "retry-delay",
  "request-timeout", "cancel-on-stop", "max-tasks-in-progress",
  /* Required to be unset (see applies()). */
  "task-id", "request",
  NULL
};

typedef struct
{
  GVariantBuilder files;        /* a(ss): the value naming a file, its hash */
  guint64 hashed;
} LocalFiles;

/* Adds the SHA-256 of local file @value (a path or file:// URI) to @files.
 * FALSE when it is not a regular file that can be read, or when the files
 * add up to too much: the engine names the problem, or hashes them in its
 * worker. */
static gboolean
hash_local_file (const char *value, LocalFiles * files)
{
  g_autofree char *path = NULL;
  g_autoptr (GChecksum) checksum = NULL;
  struct stat st;
  int fd, err = 0;
  WanR2vBlocksResult result;

  if (value == NULL || wanr2v_url_classify (value) != WANR2V_URL_LOCAL)
    return TRUE;
  path = wanr2v_url_to_local_path (value);
  if (path == NULL)
    return FALSE;
  /* O_NONBLOCK: a FIFO must not block the state change. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)
      || files->hashed + st.st_size > MAX_HASHED_BYTES) {
    close (fd);
    return FALSE;
  }
  files->hashed += st.st_size;
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  result = wanr2v_blocks_read (fd, 0, NULL, NULL, wanr2v_blocks_checksum,
      checksum, &err);
  close (fd);
  if (result != WANR2V_BLOCKS_DONE)
    return FALSE;
  g_variant_builder_add (&files->files, "(ss)", value,
      g_checksum_get_string (checksum));
  return TRUE;
}

/* The local files among the strings of @value. */
static gboolean
hash_files_of (const GValue * value, LocalFiles * files)
{
  guint i;

  if (G_VALUE_HOLDS_STRING (value))
    return hash_local_file (g_value_get_string (value), files);
  if (GST_VALUE_HOLDS_ARRAY (value)) {
    for (i = 0; i < gst_value_array_get_size (value); i++) {
      const GValue *item = gst_value_array_get_value (value, i);

      if (G_VALUE_HOLDS_STRING (item)
          && !hash_local_file (g_value_get_string (item), files))
        return FALSE;
    }
  }
  return TRUE;
}

/* The fingerprint of @self's settings (64 hex digits), or NULL when a
 * property cannot be read as text or a local file cannot be hashed. */
static char *
fingerprint (GstWanR2vSrc * self, const GstWanR2vSrcSettings * s)
{
  g_autofree GParamSpec **specs = NULL;
  GVariantBuilder properties;
  g_autoptr (GVariant) all = NULL;
  LocalFiles files = { 0, };
  guint n_specs, i;
  gboolean ok = TRUE;

  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a(sbs)"));
  g_variant_builder_init (&files.files, G_VARIANT_TYPE ("a(ss)"));
  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (self),
      &n_specs);
  for (i = 0; i < n_specs && ok; i++) {
    GParamSpec *spec = specs[i];
    g_auto (GValue) value = G_VALUE_INIT;
    g_autofree char *text = NULL;

    /* GstObject's and GstBaseSrc's say nothing about the request. */
    if (spec->owner_type != GST_TYPE_WANR2V_SRC
        || g_strv_contains (run_only_properties, spec->name))
      continue;
    /* A setting that cannot be read back cannot be fingerprinted. */
    if (!(spec->flags & G_PARAM_READABLE)) {
      GST_DEBUG_OBJECT (self, "no fingerprint: %s cannot be read",
          spec->name);
      ok = FALSE;
      break;
    }
    g_value_init (&value, spec->value_type);
    g_object_get_property (G_OBJECT (self), spec->name, &value);
    /* NULL apart from the text "NULL" (gst_value_serialize()'s words). */
    if (G_VALUE_HOLDS_STRING (&value) && g_value_get_string (&value) == NULL) {
      g_variant_builder_add (&properties, "(sbs)", spec->name, FALSE, "");
      continue;
    }
    text = gst_value_serialize (&value);
    ok = text != NULL && (!g_param_spec_get_qdata (spec,
            GST_WANR2V_SRC_REFERENCE) || hash_files_of (&value, &files));
    if (!ok)
      GST_DEBUG_OBJECT (self, "no fingerprint: %s %s", spec->name,
          text ? "names a file that cannot be hashed here" :
          "cannot be serialized");
    if (ok)
      g_variant_builder_add (&properties, "(sbs)", spec->name, TRUE, text);
  }
  if (!ok) {
    g_variant_builder_clear (&properties);
    g_variant_builder_clear (&files.files);
    return NULL;
  }
  /* Which properties the user set (an unset one leaves the service its
   * default), and which a URI set (the trust rule). */
  all = g_variant_ref_sink (g_variant_new ("(sa(sbs)tta(ss))",
          FINGERPRINT_VERSION, &properties, s->set_mask, s->uri_mask,
          &files.files));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      g_variant_get_data (all), g_variant_get_size (all));
}

/* Whether a kept video may be served for settings @s without the engine:
 * anything else (an error to report, a task to follow, a request file to
 * read, a cache that must not be read) is the engine's. */
static gboolean
applies (const GstWanR2vSrcSettings * s)
{
  g_autoptr (GError) error = NULL;

  return (s->task_id == NULL || *s->task_id == '\0')
      && s->request_file == NULL
      && s->cache_policy == WANR2V_CACHE_REUSE && !s->dry_run
      && s->api_key != NULL && *s->api_key != '\0'
      && wanr2v_client_key_bad_char (s->api_key) < 0
      && gst_wanr2v_src_settings_check_uri_trust (s, &error);
}

/* Posts what the engine posts for a kept video found at the start. */
static void
announce (GstWanR2vSrc * self, const char *task_id, const char *tags_text,
    guint64 size, gint64 start_us)
{
  WanR2vJobEvent event = { 0, };
  GstTagList *tags = tags_text ? gst_tag_list_new_from_string (tags_text)
      : NULL;
  g_autoptr (GstTagList) merged = NULL;

  event.type = WANR2V_JOB_EVENT_PHASE;
  event.phase = WANR2V_JOB_PHASE_PREPARING;
  event.total = -1;
  gst_wanr2v_src_report_event (GST_ELEMENT (self), &event);

  if (task_id) {
    GST_OBJECT_LOCK (self);
    g_free (self->current_task_id);
    self->current_task_id = g_strdup (task_id);
    GST_OBJECT_UNLOCK (self);
    GST_INFO_OBJECT (self, "task %s made the kept video", task_id);
    g_object_notify_by_pspec (G_OBJECT (self),
        gst_wanr2v_src_properties[PROP_TASK_ID]);
  }
  merged = gst_wanr2v_src_update_tags (self, tags ? tags :
      gst_tag_list_new (GST_TAG_APPLICATION_NAME, "wanr2vsrc", NULL), TRUE);
  gst_wanr2v_src_report_tags (GST_ELEMENT (self), merged);

  event.type = WANR2V_JOB_EVENT_DONE;
  event.phase = WANR2V_JOB_PHASE_DONE;
  event.task_id = task_id;
  event.bytes = size;
  event.total = size;
  event.cached = TRUE;
  event.elapsed_us = g_get_monotonic_time () - start_us;
  gst_wanr2v_src_report_event (GST_ELEMENT (self), &event);
}

gboolean
gst_wanr2v_src_serve_kept (GstWanR2vSrc * self)
{
  GstWanR2vSrcSettings s;
  g_autofree char *dir = NULL, *print = NULL;
  g_autofree char *path = NULL, *task_id = NULL, *tags = NULL;
  gint64 start_us = g_get_monotonic_time ();
  guint64 size = 0;
  gboolean found = FALSE;
  int fd = -1;

  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->current_task_id, g_free);
  gst_wanr2v_src_settings_copy (&s, &self->settings);
  GST_OBJECT_UNLOCK (self);

  if (applies (&s)) {
    g_autofree char *cache_dir = s.cache_dir ? g_strdup (s.cache_dir) :
        wanr2v_cache_default_dir ();

    /* A directory that is not safe is the engine's to refuse. */
    dir = wanr2v_cache_dir_prepare (cache_dir, NULL);
    print = dir ? fingerprint (self, &s) : NULL;
  }
  gst_wanr2v_src_settings_clear (&s);

  if (print)
    found = wanr2v_kept_index_lookup (dir, print, &path, &size, &task_id,
        &tags);
  if (found) {
    fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    found = fd >= 0;
  }
  GST_DEBUG_OBJECT (self, "settings fingerprint %s: %s", GST_STR_NULL (print),
      found ? path : "no kept video indexed");

  g_mutex_lock (&self->lock);
  g_free (self->kept_fingerprint);
  self->kept_fingerprint = g_steal_pointer (&print);
  g_free (self->kept_dir);
  self->kept_dir = g_steal_pointer (&dir);
  if (found) {
    self->kept_fd = fd;
    self->kept_size = size;
    self->run = GST_WANR2V_SRC_RUN_KEPT;
    g_cond_broadcast (&self->cond);
  }
  g_mutex_unlock (&self->lock);

  if (found)
    announce (self, task_id, tags, size, start_us);
  return found;
}
