/* emu-render.h: the emulator's video generator.
 *
 * Turns a task's inputs into a real MP4 (H.264 + AAC, 30 fps) whose picture
 * visibly comes from them: every reference appears as a tile in a fixed,
 * documented layout (so a test can check that the right reference is in the
 * right place), and the prompt's text is drawn on the frame.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GBytes *data;                 /* encoded image (PNG/JPEG/BMP/WEBP) or video
                                 * (MP4/MOV); NULL: a grey placeholder tile */
  gboolean is_video;            /* TRUE: the first decodable frame is shown */
  char *label;                  /* "Image 1", "Video 2", ... drawn above the tile */
  char *note;                   /* optional text drawn inside the tile, e.g.
                                 * what an offline placeholder stands for */
} EmuRenderReference;

typedef struct
{
  guint width;                  /* output pixel size */
  guint height;
  guint duration_s;             /* whole seconds; frames = duration_s * 30 */
  gboolean moov_first;          /* TRUE: faststart (moov before mdat) */
  gboolean with_audio;          /* TRUE: add an AAC track of the same duration */
  const char *prompt;           /* drawn on the picture (may be long; wrapped/clipped) */
  GPtrArray *references;        /* of EmuRenderReference*, in media order */
  GBytes *first_frame;          /* optional image: background of the whole video */
  gboolean first_frame_placeholder;     /* striped grey background instead */
} EmuRenderSpec;

#define EMU_RENDER_FPS 30

/* Where reference @index (0-based) of @n_references is drawn in a
 * @width x @height frame: the rectangle of its tile.  The reference image is
 * scaled to fill that rectangle exactly (aspect not kept), so the colour at
 * any point of the tile is the colour of the reference at the same relative
 * position. */
void emu_render_tile_rect (guint width, guint height, guint index,
    guint n_references, guint * x, guint * y, guint * w, guint * h);

/* Renders @spec to @out_path (overwritten).  Blocking: run it in a worker
 * thread.  Fails with a message saying which reference could not be decoded,
 * or what went wrong in encoding.  @cancellable may stop it early. */
gboolean emu_render_video (const EmuRenderSpec * spec, const char *out_path,
    GCancellable * cancellable, GError ** error);

void emu_render_reference_free (EmuRenderReference * ref);

G_END_DECLS
