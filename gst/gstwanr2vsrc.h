/* gstwanr2vsrc.h: a source that generates a video with Wan
 * reference-to-video and serves it as an MP4 byte stream. */
#pragma once

#include <gst/gst.h>
#include <gst/base/gstbasesrc.h>

G_BEGIN_DECLS

#define GST_TYPE_WANR2V_SRC (gst_wanr2v_src_get_type ())
G_DECLARE_FINAL_TYPE (GstWanR2vSrc, gst_wanr2v_src, GST, WANR2V_SRC,
    GstBaseSrc)

GST_ELEMENT_REGISTER_DECLARE (wanr2vsrc);

/* Forgets which properties the user set (all count as defaults again),
 * and which a URI set. */
void gst_wanr2v_src_forget_settings (GstWanR2vSrc * self);

/* Records that @from_uri (after they were set) came from a wanr2v:// URI,
 * and the application-only settings @app_only (NULL-terminated names) that
 * the URI tried to make. */
void gst_wanr2v_src_set_uri_origin (GstWanR2vSrc * self,
    GParamSpec ** from_uri, guint n_from_uri, const char *const *app_only);

/* The trust rule: FALSE (GST_RESOURCE_ERROR_SETTINGS) when the settings a
 * URI made go beyond what to generate and the application did not allow
 * it.  Checked when the job starts. */
gboolean gst_wanr2v_src_check_uri_trust (GstWanR2vSrc * self,
    GError ** error);

#define GST_TYPE_WANR2V_RESOLUTION (gst_wanr2v_resolution_get_type ())
GType gst_wanr2v_resolution_get_type (void);

#define GST_TYPE_WANR2V_RATIO (gst_wanr2v_ratio_get_type ())
GType gst_wanr2v_ratio_get_type (void);

G_END_DECLS
