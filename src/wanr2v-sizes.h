/* wanr2v-sizes.h: output pixel sizes of the Wan reference-to-video models.
 *
 * One table, shared by the client (to derive wan2.6's `size`) and by the
 * emulator (to render the right frame size).  See the protocol notes,
 * section 3.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One of the five aspect ratios the service accepts (16:9, 9:16, 1:1, 4:3,
 * 3:4); one of its resolutions (720P, 1080P). */
gboolean wanr2v_is_ratio (const char *ratio);
gboolean wanr2v_is_resolution (const char *resolution);

/* Pixel size for @resolution x @ratio.  @legacy selects the wan2.6 sizes
 * (which differ for 4:3 and 3:4).  Returns FALSE for unknown values. */
gboolean wanr2v_size_lookup (const char *resolution, const char *ratio,
    gboolean legacy, guint * width, guint * height);

/* Reverse lookup of a wan2.6 "W*H" size string; returns FALSE when the size
 * is not one the service produces. */
gboolean wanr2v_size_parse_legacy (const char *size, const char **resolution,
    const char **ratio);

/* Size of a wan2.7 video whose aspect follows a first frame of
 * @frame_w x @frame_h: the pixel count of @resolution's 16:9 size at the
 * frame's aspect, sides rounded to multiples of 16. */
void wanr2v_size_for_first_frame (const char *resolution, guint frame_w,
    guint frame_h, guint * width, guint * height);

G_END_DECLS
