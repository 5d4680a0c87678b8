/* gstwanr2vsrc-enums.h: the enumerated properties of wanr2vsrc. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  GST_WANR2V_RESOLUTION_720P,
  GST_WANR2V_RESOLUTION_1080P,
} GstWanR2vResolution;

typedef enum
{
  GST_WANR2V_RATIO_16_9,
  GST_WANR2V_RATIO_9_16,
  GST_WANR2V_RATIO_1_1,
  GST_WANR2V_RATIO_4_3,
  GST_WANR2V_RATIO_3_4,
} GstWanR2vRatio;

typedef enum
{
  GST_WANR2V_SHOT_TYPE_SINGLE,
  GST_WANR2V_SHOT_TYPE_MULTI,
} GstWanR2vShotType;

#define GST_TYPE_WANR2V_SHOT_TYPE (gst_wanr2v_shot_type_get_type ())
GType gst_wanr2v_shot_type_get_type (void);

#define GST_TYPE_WANR2V_CACHE_POLICY (gst_wanr2v_cache_policy_get_type ())
GType gst_wanr2v_cache_policy_get_type (void);   /* values: WanR2vCachePolicy */

/* The service's spelling of an enum value ("720P", "16:9"). */
const char *gst_wanr2v_enum_nick (GType type, gint value);

G_END_DECLS
