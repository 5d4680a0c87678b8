/* emu-generate.h: a task's work, done in a worker thread.
 *
 * Fetches and checks the references as the service would (formats, pixel
 * sizes, durations), works out the output size and the billed input
 * seconds, and renders the video with emu_render_video() (padded to
 * --result-size with emu_mp4_pad()), or links the --result-file instead.
 */
#pragma once

#include "emu-tasks.h"

G_BEGIN_DECLS

typedef struct
{
  char *video_name;             /* "<id>.mp4", in the results dir */
  guint width, height;
  double input_video_s;
  GStrv placeholders;           /* URLs drawn as placeholders, or NULL */
} EmuGenerateResult;

void emu_generate_result_free (EmuGenerateResult * result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuGenerateResult, emu_generate_result_free)

/* Where results and fetched references live. */
char *emu_generate_results_dir (const char *storage_dir);

typedef struct
{
  const char *storage_dir;
  gboolean moov_first;
  guint64 result_size;          /* 0: as rendered; else padded to this */
  const char *result_file;      /* absolute; served instead of rendering */
  gboolean strict_references;   /* no placeholders (see emu-media.h) */
} EmuGenerateOptions;

/* Runs the work of @task in a thread; @callback runs in the calling
 * thread's main context.  @options is copied. */
void emu_generate_async (EmuTask * task, const EmuGenerateOptions * options,
    GAsyncReadyCallback callback, gpointer user_data);

/* Returns NULL and sets @error (a task failure: code and message) when the
 * work failed. */
EmuGenerateResult *emu_generate_finish (GAsyncResult * result,
    EmuServiceError ** error);

G_END_DECLS
