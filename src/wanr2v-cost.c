/* wanr2v-cost.c: the billed seconds of a request, before the create. */
#include "wanr2v-cost.h"

#include <math.h>

double
wanr2v_cost_truncation_limit (guint n)
{
  static const double limits[] = { 5.0, 5.0, 2.5, 1.65, 1.25, 1.0 };

  return n < G_N_ELEMENTS (limits) ? limits[n] : 5.0 / n;
}

void
wanr2v_cost_predict (const WanR2vRequest * request,
    const double *video_seconds, WanR2vCost * cost)
{
  gboolean wan27 = !wanr2v_model_family_is_wan26 (wanr2v_model_family
      (request->model));
  guint videos = wanr2v_request_count_media (request,
      WANR2V_MEDIA_REFERENCE_VIDEO);
  guint images = wanr2v_request_count_media (request,
      WANR2V_MEDIA_REFERENCE_IMAGE);
  double limit;
  guint i;

  cost->output_seconds = wanr2v_request_get_duration (request);
  cost->reference_videos = videos;
  cost->input_video_seconds = 0;
  cost->exact = TRUE;

  /* wan2.7 shares the 5 s among the videos, wan2.6 among every reference
   * (the first frame never counts). */
  limit = wanr2v_cost_truncation_limit (wan27 ? videos : videos + images);
  for (i = 0; i < request->media->len; i++) {
    const WanR2vMedia *m = g_ptr_array_index (request->media, i);
    double length = video_seconds ? video_seconds[i] : -1;

    if (m->type != WANR2V_MEDIA_REFERENCE_VIDEO)
      continue;
    if (length < 0) {
      cost->exact = FALSE;
      length = limit;
    }
    cost->input_video_seconds += MIN (length, limit);
  }
  /* Hundredths, as the service reports them: 3 x 1.65 is 4.95, not
   * 4.9499999. */
  cost->input_video_seconds = round (cost->input_video_seconds * 100) / 100;
  cost->billed_seconds = cost->output_seconds + cost->input_video_seconds;
}

gboolean
wanr2v_cost_agrees (const WanR2vRequest * request, const WanR2vCost * cost,
    double usage_seconds)
{
  double predicted = cost->billed_seconds;

  if (wanr2v_model_family_is_wan26 (wanr2v_model_family (request->model))) {
    if (!cost->exact)
      return usage_seconds <= predicted + 0.005;
    return fabs (usage_seconds - predicted) <= 0.005;
  }
  /* Whole seconds on wan2.7: rounded or truncated, the docs do not say. */
  if (!cost->exact)
    return usage_seconds <= ceil (predicted - 1e-9);
  return usage_seconds >= floor (predicted + 1e-9)
      && usage_seconds <= ceil (predicted - 1e-9);
}
