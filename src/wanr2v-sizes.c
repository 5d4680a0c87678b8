/* wanr2v-sizes.c: output pixel sizes of the Wan reference-to-video models. */
#include "wanr2v-sizes.h"

#include <math.h>
#include <string.h>

/* The five aspect ratios the service accepts, in documentation order. */
static const char *const ratios[] = {
  "16:9", "9:16", "1:1", "4:3", "3:4", NULL
};
static const char *const resolutions[] = { "720P", "1080P", NULL };

typedef struct
{
  const char *ratio;
  guint w720, h720, w1080, h1080;
  guint legacy_w720, legacy_h720, legacy_w1080, legacy_h1080;
} SizeRow;

static const SizeRow size_table[] = {
  {"16:9", 1280, 720, 1920, 1080, 1280, 720, 1920, 1080},
  {"9:16", 720, 1280, 1080, 1920, 720, 1280, 1080, 1920},
  {"1:1", 960, 960, 1440, 1440, 960, 960, 1440, 1440},
  {"4:3", 1104, 832, 1648, 1248, 1088, 832, 1632, 1248},
  {"3:4", 832, 1104, 1248, 1648, 832, 1088, 1248, 1632},
};

static gboolean
str_in (const char *s, const char *const *list)
{
  if (s == NULL)
    return FALSE;
  for (; *list; list++)
    if (strcmp (s, *list) == 0)
      return TRUE;
  return FALSE;
}

gboolean
wanr2v_is_ratio (const char *ratio)
{
  return str_in (ratio, ratios);
}

gboolean
wanr2v_is_resolution (const char *resolution)
{
  return str_in (resolution, resolutions);
}

gboolean
wanr2v_size_lookup (const char *resolution, const char *ratio,
    gboolean legacy, guint * width, guint * height)
{
  gboolean is_1080;
  gsize i;

  if (!wanr2v_is_resolution (resolution))
    return FALSE;
  is_1080 = strcmp (resolution, "1080P") == 0;

  for (i = 0; i < G_N_ELEMENTS (size_table); i++) {
    const SizeRow *row = &size_table[i];

    if (ratio == NULL || strcmp (row->ratio, ratio) != 0)
      continue;
    if (legacy) {
      *width = is_1080 ? row->legacy_w1080 : row->legacy_w720;
      *height = is_1080 ? row->legacy_h1080 : row->legacy_h720;
    } else {
      *width = is_1080 ? row->w1080 : row->w720;
      *height = is_1080 ? row->h1080 : row->h720;
    }
    return TRUE;
  }
  return FALSE;
}

gboolean
wanr2v_size_parse_legacy (const char *size, const char **resolution,
    const char **ratio)
{
  gsize i, r;

  if (size == NULL)
    return FALSE;
  for (r = 0; resolutions[r]; r++) {
    for (i = 0; i < G_N_ELEMENTS (size_table); i++) {
      guint w, h;
      char buf[32];

      wanr2v_size_lookup (resolutions[r], size_table[i].ratio, TRUE,
          &w, &h);
      g_snprintf (buf, sizeof (buf), "%u*%u", w, h);
      if (strcmp (buf, size) == 0) {
        if (resolution)
          *resolution = resolutions[r];
        if (ratio)
          *ratio = size_table[i].ratio;
        return TRUE;
      }
    }
  }
  return FALSE;
}

void
wanr2v_size_for_first_frame (const char *resolution, guint frame_w,
    guint frame_h, guint * width, guint * height)
{
  guint base_w = 1280, base_h = 720;
  double pixels, aspect, w, h;

  wanr2v_size_lookup (resolution, "16:9", FALSE, &base_w, &base_h);
  if (frame_w == 0 || frame_h == 0) {
    *width = base_w;
    *height = base_h;
    return;
  }
  pixels = (double) base_w * base_h;
  aspect = (double) frame_w / frame_h;
  w = sqrt (pixels * aspect);
  h = w / aspect;
  /* Round to the nearest multiple of 16, never below 16. */
  *width = MAX (16, (guint) (floor (w / 16.0 + 0.5) * 16));
  *height = MAX (16, (guint) (floor (h / 16.0 + 0.5) * 16));
}
