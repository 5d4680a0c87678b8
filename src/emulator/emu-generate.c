/* emu-generate.c: a task's work, done in a worker thread. */
#include "emu-generate.h"

#include "emu-media.h"
#include "emu-mp4-pad.h"
#include "emu-render.h"
#include "emu-results.h"
#include "wanr2v-sizes.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define MB (1024 * 1024)

typedef struct
{
  EmuTask *task;
  char *storage_dir;
  gboolean moov_first;
  guint64 result_size;
  char *result_file;
  gboolean strict_references;
  EmuServiceError *error;       /* set by the worker on failure */
} GenerateJob;

static void
generate_job_free (GenerateJob * job)
{
  emu_task_unref (job->task);
  g_free (job->storage_dir);
  g_free (job->result_file);
  emu_service_error_free (job->error);
  g_free (job);
}

void
emu_generate_result_free (EmuGenerateResult * result)
{
  if (result == NULL)
    return;
  g_free (result->video_name);
  g_strfreev (result->placeholders);
  g_free (result);
}

char *
emu_generate_results_dir (const char *storage_dir)
{
  return g_build_filename (storage_dir, "results", NULL);
}

/* One fetched and checked reference. */
typedef struct
{
  GBytes *data;                 /* NULL for a placeholder */
  EmuContentClass content;
  EmuMediaInfo info;
  gboolean placeholder;
} Fetched;

static void
fetched_clear (Fetched * f)
{
  g_clear_pointer (&f->data, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fetched, fetched_clear)

static const char *
content_kind (EmuContentClass content, gboolean first_frame)
{
  if (first_frame)
    return "first frame";
  return content == EMU_CONTENT_VIDEO ? "video"
      : content == EMU_CONTENT_AUDIO ? "voice" : "image";
}

/* A reference the emulator cannot fetch, offline, stands in as a
 * placeholder: its kind is where it was given (on wan2.6, the file name's
 * extension), nothing of it can be checked, and a video counts 5 s. */
static void
use_placeholder (const EmuFetchContext * ctx, const char *url,
    EmuContentClass expect, gboolean first_frame, Fetched * out)
{
  g_autofree char *shown = emu_url_for_message (url);

  if (expect == EMU_CONTENT_UNKNOWN) {
    g_autofree char *name = emu_media_url_file_name (url);
    g_autofree char *lower = g_ascii_strdown (name, -1);

    expect = g_str_has_suffix (lower, ".mp4") || g_str_has_suffix (lower,
        ".mov") ? EMU_CONTENT_VIDEO : EMU_CONTENT_IMAGE;
  }
  out->placeholder = TRUE;
  out->content = expect;
  out->info.has_video = expect != EMU_CONTENT_AUDIO;
  out->info.has_audio = expect != EMU_CONTENT_IMAGE;
  out->info.width = 1280;
  out->info.height = 720;
  out->info.duration_s = expect == EMU_CONTENT_IMAGE ? 0 : 5.0;
  g_printerr ("wanr2v-emulator: task %s: the %s %s is not on a loopback "
      "host and the emulator is offline: it is drawn as a labelled "
      "placeholder (--strict-references fails the task instead)\n",
      ctx->task_id, content_kind (expect, first_frame), shown);
}

/* Fetches @url into @dir/@name and checks it against the service's limits
 * for @expect (EMU_CONTENT_UNKNOWN: image or video, as on wan2.6). */
static gboolean
fetch_and_check (const EmuFetchContext * ctx, const char *url,
    EmuContentClass expect, gboolean first_frame, const char *dir,
    const char *name, Fetched * out, EmuServiceError ** error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *shown = emu_url_for_message (url);
  g_autoptr (GError) gerror = NULL;
  const char *format = NULL;
  gsize max_size;
  guint min_side, max_side, long_side, short_side;

  if (!ctx->strict && emu_media_is_unreachable (url)) {
    use_placeholder (ctx, url, expect, first_frame, out);
    return TRUE;
  }

  max_size = expect == EMU_CONTENT_IMAGE ? 20 * MB
      : expect == EMU_CONTENT_AUDIO ? 15 * MB : 100 * MB;
  out->data = emu_media_fetch (ctx, url, max_size, error);
  if (out->data == NULL)
    return FALSE;

  out->content = emu_media_sniff (out->data, &format);
  if (out->content == EMU_CONTENT_UNKNOWN
      || (expect != EMU_CONTENT_UNKNOWN && out->content != expect)
      || (expect == EMU_CONTENT_UNKNOWN
          && out->content == EMU_CONTENT_AUDIO)) {
    emu_set_service_error (error, 200, "InvalidParameter.DataInspection",
        "The media format is not supported or incorrect for the data "
        "inspection: %s is %s, expected %s.", shown,
        format ? format : "of an unknown format",
        expect == EMU_CONTENT_IMAGE ? "JPEG, PNG, BMP or WEBP"
        : expect == EMU_CONTENT_VIDEO ? "MP4 or MOV"
        : expect == EMU_CONTENT_AUDIO ? "WAV or MP3" : "an image or a video");
    return FALSE;
  }
  if (out->content == EMU_CONTENT_IMAGE
      && g_bytes_get_size (out->data) > 20 * MB) {
    emu_set_service_error (error, 200, "InvalidParameter",
        "The image %s is larger than 20 MB.", shown);
    return FALSE;
  }

  /* Kept on disk: handy when debugging a test. */
  if (!g_file_set_contents (path, g_bytes_get_data (out->data, NULL),
          g_bytes_get_size (out->data), &gerror)) {
    emu_set_service_error (error, 200, "InternalError",
        "An internal error occurred: %s", gerror->message);
    return FALSE;
  }
  if (out->content == EMU_CONTENT_IMAGE) {
    /* Images are decoded by the renderer; their header gives the size.
     * (GstDiscoverer reads files in pieces, which some image decoders
     * cannot take.) */
    out->info.has_video = emu_media_image_size (out->data, &out->info.width,
        &out->info.height);
  } else if (!emu_media_probe (path, &out->info, &gerror)) {
    emu_set_service_error (error, 200, "InvalidParameter.DataInspection",
        "The media format is not supported or incorrect for the data "
        "inspection: %s %s.", shown, gerror->message);
    return FALSE;
  }

  if (out->content == EMU_CONTENT_AUDIO) {
    /* A little slack: encoders pad a few milliseconds. */
    if (!out->info.has_audio || out->info.duration_s < 0.95
        || out->info.duration_s > 10.05) {
      emu_set_service_error (error, 200, "InvalidParameter",
          "The reference voice %s must be audio of 1 to 10 seconds, got "
          "%.2f s.", shown, out->info.duration_s);
      return FALSE;
    }
    return TRUE;
  }

  if (!out->info.has_video || out->info.width == 0 || out->info.height == 0) {
    emu_set_service_error (error, 200, "InvalidParameter.DataInspection",
        "The media format is not supported or incorrect for the data "
        "inspection: %s has no picture.", shown);
    return FALSE;
  }
  min_side = 240;
  max_side = out->content == EMU_CONTENT_IMAGE ? 8000 : 4096;
  long_side = MAX (out->info.width, out->info.height);
  short_side = MIN (out->info.width, out->info.height);
  if (short_side < min_side || long_side > max_side) {
    emu_set_service_error (error, 200, "InvalidParameter",
        "The size of %s is %ux%u: each side must be %u to %u pixels.", shown,
        out->info.width, out->info.height, min_side, max_side);
    return FALSE;
  }
  if (long_side > 8 * short_side) {
    emu_set_service_error (error, 200, "InvalidParameter",
        "The aspect ratio of %s (%ux%u) must be between 1:8 and 8:1.", shown,
        out->info.width, out->info.height);
    return FALSE;
  }
  if (out->content == EMU_CONTENT_VIDEO
      && (out->info.duration_s < 0.95 || out->info.duration_s > 30.05)) {
    emu_set_service_error (error, 200, "InvalidParameter",
        "The reference video %s must last 1 to 30 seconds, got %.2f s.", shown,
        out->info.duration_s);
    return FALSE;
  }
  return TRUE;
}

/* What a tile says about the placeholders in it: the kind and file name of
 * a reference that could not be fetched, and of its voice. */
static char *
placeholder_note (const EmuMediaItem * item, const Fetched * ref,
    const Fetched * voice)
{
  GString *note = g_string_new (NULL);

  if (ref->placeholder) {
    g_autofree char *file = emu_media_url_file_name (item->url);

    g_string_append_printf (note, "offline placeholder\n%s: %s",
        content_kind (ref->content, FALSE), file);
  }
  if (voice->placeholder) {
    g_autofree char *file = emu_media_url_file_name (item->voice_url);

    g_string_append_printf (note, "%svoice: %s", note->len ? "\n" : "",
        file);
  }
  return g_string_free (note, note->len == 0);
}

static void
generate_thread (GTask * gtask, gpointer source, gpointer task_data,
    GCancellable * cancellable)
{
  GenerateJob *job = task_data;
  EmuTask *task = job->task;
  EmuTaskSpec *spec = task->spec;
  gboolean wan27 = spec->family == EMU_FAMILY_WAN27;
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *inputs_dir = NULL;
  g_autofree char *results_dir = NULL;
  g_autofree char *out_path = NULL;
  g_autofree char *part_path = NULL;
  g_autoptr (GPtrArray) references = NULL;
  g_autoptr (GBytes) first_frame = NULL;
  g_autoptr (GPtrArray) placeholders = g_ptr_array_new_with_free_func (g_free);
  gboolean first_frame_placeholder = FALSE;
  g_autoptr (GError) gerror = NULL;
  EmuFetchContext ctx = { 0, };
  EmuRenderSpec render = { 0, };
  EmuGenerateResult *result;
  guint i, n_images = 0, n_videos = 0, n_refs = 0, first_w = 0, first_h = 0;
  GArray *video_lengths = g_array_new (FALSE, FALSE, sizeof (double));
  double input_s = 0;

  inputs_dir = g_build_filename (job->storage_dir, "inputs", task->id, NULL);
  results_dir = emu_generate_results_dir (job->storage_dir);
  g_mkdir_with_parents (inputs_dir, 0700);
  g_mkdir_with_parents (results_dir, 0700);

  ctx.session = session;
  ctx.storage_dir = job->storage_dir;
  ctx.model = spec->model;
  ctx.cancellable = cancellable;
  ctx.strict = job->strict_references;
  ctx.task_id = task->id;

  references = g_ptr_array_new_with_free_func ((GDestroyNotify)
      emu_render_reference_free);

  for (i = 0; i < spec->media->len; i++) {
    EmuMediaItem *item = g_ptr_array_index (spec->media, i);
    g_auto (Fetched) fetched = { 0, };
    g_auto (Fetched) voice = { 0, };
    g_autofree char *name = g_strdup_printf ("media-%u", i);
    EmuContentClass expect;
    EmuRenderReference *ref;

    if (g_cancellable_is_cancelled (cancellable))
      goto cancelled;

    /* wan2.6 URLs say nothing reliable about their type: the content
     * decides. */
    expect = !wan27 ? EMU_CONTENT_UNKNOWN
        : item->kind == EMU_MEDIA_REFERENCE_VIDEO ? EMU_CONTENT_VIDEO
        : EMU_CONTENT_IMAGE;
    if (!fetch_and_check (&ctx, item->url, expect,
            wan27 && item->kind == EMU_MEDIA_FIRST_FRAME, inputs_dir, name,
            &fetched, &job->error))
      goto failed;
    if (fetched.placeholder)
      g_ptr_array_add (placeholders, g_strdup (item->url));

    if (item->voice_url != NULL) {
      g_autofree char *voice_name = g_strdup_printf ("voice-%u", i);

      if (!fetch_and_check (&ctx, item->voice_url, EMU_CONTENT_AUDIO,
              FALSE, inputs_dir, voice_name, &voice, &job->error))
        goto failed;
      if (voice.placeholder)
        g_ptr_array_add (placeholders, g_strdup (item->voice_url));
    }

    if (wan27 && item->kind == EMU_MEDIA_FIRST_FRAME) {
      if (fetched.placeholder) {
        /* Unknown aspect: the output keeps the requested ratio. */
        first_frame_placeholder = TRUE;
        continue;
      }
      first_frame = g_bytes_ref (fetched.data);
      first_w = fetched.info.width;
      first_h = fetched.info.height;
      continue;
    }

    ref = g_new0 (EmuRenderReference, 1);
    ref->data = fetched.data ? g_bytes_ref (fetched.data) : NULL;
    ref->is_video = fetched.content == EMU_CONTENT_VIDEO;
    ref->note = placeholder_note (item, &fetched, &voice);
    n_refs++;
    if (!wan27)
      ref->label = g_strdup_printf ("character %u", n_refs);
    else if (ref->is_video)
      ref->label = g_strdup_printf ("Video %u", ++n_videos);
    else
      ref->label = g_strdup_printf ("Image %u", ++n_images);
    g_ptr_array_add (references, ref);

    if (ref->is_video)
      g_array_append_val (video_lengths, fetched.info.duration_s);
  }

  /* Billed input seconds, by the guide's "Billing formula": each
   * reference video counts at most a truncation limit, 5 s shared among
   * the reference videos (2.7) or among all references (2.6), with the
   * limits as the guide tabulates them (1.65 s for three, not 1.67). */
  for (i = 0; i < video_lengths->len; i++) {
    static const double limits[] = { 5.0, 5.0, 2.5, 1.65, 1.25, 1.0 };
    guint shared = wan27 ? video_lengths->len : n_refs;
    double cap = shared < G_N_ELEMENTS (limits) ? limits[shared] : 5.0 / shared;

    input_s += MIN (g_array_index (video_lengths, double, i), cap);
  }

  render.width = spec->width;
  render.height = spec->height;
  if (first_frame != NULL)
    wanr2v_size_for_first_frame (spec->resolution, first_w, first_h,
        &render.width, &render.height);
  render.duration_s = spec->duration;
  render.moov_first = job->moov_first;
  render.with_audio = spec->audio;
  render.prompt = spec->prompt;
  render.references = references;
  render.first_frame = first_frame;
  render.first_frame_placeholder = first_frame_placeholder;

  out_path = g_strdup_printf ("%s/%s.mp4", results_dir, task->id);
  if (job->result_file != NULL) {
    /* A benchmark's pre-made file: no rendering at all. */
    if (symlink (job->result_file, out_path) != 0) {
      emu_set_service_error (&job->error, 200, "InternalError.Algo",
          "An internal error occurred while storing the video: %s",
          g_strerror (errno));
      goto failed;
    }
    goto done;
  }
  /* Render beside the final name so the result server never sees a file
   * being written. */
  part_path = g_strdup_printf ("%s.part", out_path);
  if (!emu_render_video (&render, part_path, cancellable, &gerror)) {
    g_unlink (part_path);
    if (g_cancellable_is_cancelled (cancellable))
      goto cancelled;
    emu_set_service_error (&job->error, 200, "InternalError.Algo",
        "An internal error occurred while generating the video: %s",
        gerror->message);
    goto failed;
  }
  if (job->result_size > 0
      && !emu_mp4_pad (part_path, job->result_size, &gerror)) {
    g_unlink (part_path);
    emu_set_service_error (&job->error, 200, "InternalError.Algo",
        "An internal error occurred while padding the video: %s",
        gerror->message);
    goto failed;
  }
  if (g_rename (part_path, out_path) != 0) {
    emu_set_service_error (&job->error, 200, "InternalError.Algo",
        "An internal error occurred while storing the video.");
    goto failed;
  }

done:
  {
    g_autofree char *name = g_path_get_basename (out_path);

    if (!emu_results_store_checksum (results_dir, name, &gerror)) {
      emu_set_service_error (&job->error, 200, "InternalError.Algo",
          "An internal error occurred while storing the video: %s",
          gerror->message);
      goto failed;
    }
  }
  result = g_new0 (EmuGenerateResult, 1);
  result->video_name = g_strdup_printf ("%s.mp4", task->id);
  result->width = render.width;
  result->height = render.height;
  result->input_video_s = input_s;
  if (placeholders->len > 0) {
    g_ptr_array_add (placeholders, NULL);
    result->placeholders = (GStrv) g_ptr_array_steal (placeholders, NULL);
  }
  g_array_unref (video_lengths);
  g_task_return_pointer (gtask, result,
      (GDestroyNotify) emu_generate_result_free);
  return;

cancelled:
  emu_set_service_error (&job->error, 200, "TaskCanceled",
      "The task was canceled.");
failed:
  g_array_unref (video_lengths);
  g_task_return_pointer (gtask, NULL, NULL);
}

void
emu_generate_async (EmuTask * task, const EmuGenerateOptions * options,
    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) gtask = g_task_new (NULL, task->cancellable, callback,
      user_data);
  GenerateJob *job = g_new0 (GenerateJob, 1);

  job->task = emu_task_ref (task);
  job->storage_dir = g_strdup (options->storage_dir);
  job->moov_first = options->moov_first;
  job->result_size = options->result_size;
  job->result_file = g_strdup (options->result_file);
  job->strict_references = options->strict_references;
  g_task_set_task_data (gtask, job, (GDestroyNotify) generate_job_free);
  /* A cancelled task still reports its own outcome. */
  g_task_set_check_cancellable (gtask, FALSE);
  g_task_run_in_thread (gtask, generate_thread);
}

EmuGenerateResult *
emu_generate_finish (GAsyncResult * result, EmuServiceError ** error)
{
  GTask *gtask = G_TASK (result);
  GenerateJob *job = g_task_get_task_data (gtask);
  EmuGenerateResult *out;

  out = g_task_propagate_pointer (gtask, NULL);
  if (out == NULL && error != NULL)
    *error = g_steal_pointer (&job->error);
  return out;
}
