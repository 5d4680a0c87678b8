/* gstwanr2vsrc-request.c: the request wanr2vsrc's settings describe.
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Works on a copy of the settings, without the object lock: reading the
 * request file and checking local references are disk I/O.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-private.h"
#include "gstwanr2vsrc-names.h"

#include "wanr2v-json.h"
#include "wanr2v-localfile.h"

#include <string.h>

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
apply_media_properties (const GstWanR2vSrcSettings * s, WanR2vRequest * req,
    GError ** error)
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
 * (a FIFO or /dev/zero is refused before a byte is read). */
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
 * settings: a property set explicitly overrides the file; parameters set
 * nowhere are left out so the service's defaults apply.  No I/O. */
static WanR2vRequest *
build_from_settings (const GstWanR2vSrcSettings * s, GBytes * contents,
    GError ** error)
{
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
      label = gst_wanr2v_src_names_media (req, i, voice);
      if (!wanr2v_local_file_check (path, label, &local_error)) {
        g_set_error_literal (error, WANR2V_REQUEST_ERROR,
            WANR2V_REQUEST_ERROR_INVALID, local_error->message);
        return FALSE;
      }
    }
  }
  return TRUE;
}

WanR2vRequest *
gst_wanr2v_src_build_request (const GstWanR2vSrcSettings * s,
    GError ** error)
{
  g_autoptr (GBytes) contents = NULL;
  g_autoptr (WanR2vRequest) req = NULL;

  if (s->request_file && *s->request_file) {
    contents = read_request_file (s->request_file, error);
    if (contents == NULL)
      return NULL;
  }
  req = build_from_settings (s, contents, error);
  if (req == NULL || !check_local_files (req, error))
    return NULL;
  return g_steal_pointer (&req);
}
