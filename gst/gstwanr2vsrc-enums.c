/* gstwanr2vsrc-enums.c: the enumerated properties of wanr2vsrc.
 *
 * The nicks are the service's own spellings, so that gst-launch lines read
 * like the API: resolution=720P ratio=9:16. */
#include "gstwanr2vsrc.h"
#include "gstwanr2vsrc-enums.h"
#include "wanr2v-cache.h"

GType
gst_wanr2v_resolution_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_WANR2V_RESOLUTION_720P, "720P (1280x720 at 16:9)", "720P"},
    {GST_WANR2V_RESOLUTION_1080P, "1080P (1920x1080 at 16:9)", "1080P"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstWanR2vResolution",
            values));
  return type;
}

GType
gst_wanr2v_ratio_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_WANR2V_RATIO_16_9, "16:9 landscape", "16:9"},
    {GST_WANR2V_RATIO_9_16, "9:16 portrait", "9:16"},
    {GST_WANR2V_RATIO_1_1, "1:1 square", "1:1"},
    {GST_WANR2V_RATIO_4_3, "4:3 landscape", "4:3"},
    {GST_WANR2V_RATIO_3_4, "3:4 portrait", "3:4"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstWanR2vRatio",
            values));
  return type;
}

GType
gst_wanr2v_shot_type_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_WANR2V_SHOT_TYPE_SINGLE, "One continuous shot", "single"},
    {GST_WANR2V_SHOT_TYPE_MULTI, "Several shots", "multi"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstWanR2vShotType",
            values));
  return type;
}

GType
gst_wanr2v_cache_policy_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {WANR2V_CACHE_REUSE, "Serve a kept video of the same request, resume "
          "a task an earlier run left unfinished", "reuse"},
    {WANR2V_CACHE_REFRESH, "Always make a new video (and keep it)",
        "refresh"},
    {WANR2V_CACHE_OFF, "No lookups (videos are still kept, by task id)",
        "off"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstWanR2vCachePolicy",
            values));
  return type;
}

const char *
gst_wanr2v_enum_nick (GType type, gint value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const char *nick = v ? v->value_nick : NULL;

  /* Enum classes of static types are never freed: the nick stays valid. */
  g_type_class_unref (klass);
  return nick;
}
