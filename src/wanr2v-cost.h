/* wanr2v-cost.h: how many seconds a request will be billed, before the
 * create.
 *
 * The service guide's "Billing formula": the output video's duration plus
 * the reference videos' seconds, each reference video counting at most a
 * truncation limit of 5 s shared among the reference videos (wan2.7) or
 * among all references (wan2.6), the first frame and images excluded from
 * the billing itself.  The guide gives the limits as a table (5, 2.5,
 * 1.65, 1.25, 1 s): 5/3 is written 1.65, not 1.67, so the table is used as
 * it stands.
 */
#pragma once

#include "wanr2v-request.h"

G_BEGIN_DECLS

typedef struct
{
  double billed_seconds;        /* output + input video seconds */
  double input_video_seconds;
  guint output_seconds;
  guint reference_videos;
  gboolean exact;               /* FALSE: an upper bound, because the length
                                 * of a reference video is not known */
} WanR2vCost;

/* The guide's truncation limit per reference video when the limit is
 * shared among @n (1..5) materials; 5 s beyond the table's range. */
double wanr2v_cost_truncation_limit (guint n);

/* Predicts the cost of @request.  @video_seconds, when not NULL, has one
 * entry per entry of @request->media: the length of that reference video
 * in seconds, or a negative number when it is not known (a remote video
 * that could not be probed); entries of images and the first frame are
 * ignored.  An unknown length counts as its full truncation limit, and
 * the prediction is then an upper bound. */
void wanr2v_cost_predict (const WanR2vRequest * request,
    const double *video_seconds, WanR2vCost * cost);

/* TRUE when @usage_seconds, the service's usage.duration, agrees with the
 * prediction: wan2.7 reports whole seconds (either neighbour of a
 * fractional prediction agrees), wan2.6 hundredths; an upper bound agrees
 * with anything not above it. */
gboolean wanr2v_cost_agrees (const WanR2vRequest * request,
    const WanR2vCost * cost, double usage_seconds);

G_END_DECLS
