/* pipeline-run.h: runs a pipeline around wanr2vsrc and records what a user
 * would look at: decoded frames, their size and timestamps, audio, the bus
 * messages (errors with details, progress, wanr2v/task). */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "emulator-fixture.h"

G_BEGIN_DECLS

typedef struct
{
  GstElement *pipeline;
  GstElement *src;              /* the element named "src" */

  gboolean eos;
  GError *error;                /* first ERROR message */
  char *error_debug;
  char *error_source;           /* name of the element that posted it */
  GstStructure *error_details;

  GPtrArray *task_messages;     /* GstStructure*: "wanr2v/task" */
  GPtrArray *other_messages;    /* GstStructure*: other "wanr2v/..." */
  GPtrArray *warnings;          /* char*: "domain:code message" of WARNINGs */
  GPtrArray *progress;          /* char*: "TYPE code text" */

  /* from an appsink named "vsink" (RGB) */
  guint video_frames;
  guint width, height;
  GstClockTime first_pts, last_pts;
  GstSample *kept_frame;        /* frame number keep_frame_index */
  guint keep_frame_index;

  /* from an element named "asink" */
  guint audio_buffers;

  GstClockTime elapsed;         /* wall time from PLAYING to the end */
} PipelineRun;

/* Parses @description (which must name the source "src"), lets @setup
 * configure it (may be NULL), plays it to EOS or an error, with a limit of
 * @timeout_s seconds, times emu_fixture_time_scale () (a test failure if
 * reached). */
PipelineRun *pipeline_run_new (const char *description);
void pipeline_run_play (PipelineRun * run, guint timeout_s);
/* The same as gst-launch-1.0 does it: PAUSED, wait for the preroll, then
 * for the progress messages to end (COMPLETE, CANCELED or ERROR after a
 * START), then PLAYING.  A push-mode sink prerolls on the first buffer and
 * blocks the streaming thread until PLAYING: an error that only that
 * thread could post would never come. */
void pipeline_run_play_like_launch (PipelineRun * run, guint timeout_s);
void pipeline_run_free (PipelineRun * run);

/* Pops bus messages until one satisfies @pred or @timeout_s (times
 * emu_fixture_time_scale ()) passes. */
typedef gboolean (*PipelineRunPredicate) (PipelineRun * run,
    GstMessage * message, gpointer data);
gboolean pipeline_run_wait_for (PipelineRun * run,
    PipelineRunPredicate pred, gpointer data, guint timeout_s);

/* Reads the RGB pixel at (@x, @y) of the kept frame. */
void pipeline_run_pixel (PipelineRun * run, guint x, guint y, guint8 rgb[3]);

/* Decodes the image at @path and returns the RGB colour at its centre. */
void decode_image_centre (const char *path, guint8 rgb[3]);

gboolean colour_close (const guint8 a[3], const guint8 b[3], guint tolerance);

/* gst-launch-1.0 making the standard request (the red image, @prompt, 2 s
 * at 720P) against @emu into @cache, in a child that dies with this
 * process; stdout silenced. */
GSubprocess *pipeline_run_spawn_gst_launch (EmuFixture * emu,
    const char *prompt, const char *cache);

G_END_DECLS
