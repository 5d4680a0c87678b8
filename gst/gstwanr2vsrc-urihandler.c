/* gstwanr2vsrc-urihandler.c: wanr2vsrc as a GstURIHandler for wanr2v://
 * URIs, and what the element remembers of a URI's origin (the parsing
 * and building are in gstwanr2vsrc-uri.c, the trust rule in
 * gstwanr2vsrc-trust.c).
 *
 * Copyright (C) 2026 the wanr2vsrc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstwanr2vsrc-private.h"
#include "gstwanr2vsrc-uri.h"

void
gst_wanr2v_src_forget_settings (GstWanR2vSrc * self)
{
  GST_OBJECT_LOCK (self);
  self->settings.set_mask = 0;
  self->settings.uri_mask = 0;
  g_clear_pointer (&self->settings.uri_app_only, g_strfreev);
  GST_OBJECT_UNLOCK (self);
}

void
gst_wanr2v_src_set_uri_origin (GstWanR2vSrc * self, GParamSpec ** from_uri,
    guint n_from_uri, const char *const *app_only)
{
  GstWanR2vSrcSettings *s = &self->settings;
  guint i;

  GST_OBJECT_LOCK (self);
  for (i = 0; i < n_from_uri; i++)
    s->uri_mask |= PROP_BIT (from_uri[i]->param_id);
  g_strfreev (s->uri_app_only);
  s->uri_app_only = app_only && *app_only ? g_strdupv ((char **) app_only) :
      NULL;
  GST_OBJECT_UNLOCK (self);
}

gboolean
gst_wanr2v_src_check_uri_trust (GstWanR2vSrc * self, GError ** error)
{
  gboolean ok;

  GST_OBJECT_LOCK (self);
  ok = gst_wanr2v_src_settings_check_uri_trust (&self->settings, error);
  GST_OBJECT_UNLOCK (self);
  return ok;
}

static gboolean
property_is_set (GObject * object, GParamSpec * pspec)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (object);
  gboolean set;

  GST_OBJECT_LOCK (self);
  set = IS_SET (&self->settings, pspec->param_id);
  GST_OBJECT_UNLOCK (self);
  return set;
}

static GstURIType
gst_wanr2v_src_uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static const gchar *const *
gst_wanr2v_src_uri_get_protocols (GType type)
{
  static const gchar *protocols[] = { WANR2V_URI_SCHEME, NULL };

  return protocols;
}

static gchar *
gst_wanr2v_src_uri_get_uri (GstURIHandler * handler)
{
  return gst_wanr2v_src_uri_build (G_OBJECT (handler), property_is_set);
}

static gboolean
gst_wanr2v_src_uri_set_uri (GstURIHandler * handler, const gchar * uri,
    GError ** error)
{
  GstWanR2vSrc *self = GST_WANR2V_SRC (handler);

  if (GST_STATE (self) != GST_STATE_NULL
      && GST_STATE (self) != GST_STATE_READY) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
        "Changing the URI of wanr2vsrc when it is running is not supported");
    return FALSE;
  }
  return gst_wanr2v_src_uri_apply (G_OBJECT (self), uri, error);
}

void
gst_wanr2v_src_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = (GstURIHandlerInterface *) g_iface;

  iface->get_type = gst_wanr2v_src_uri_get_type;
  iface->get_protocols = gst_wanr2v_src_uri_get_protocols;
  iface->get_uri = gst_wanr2v_src_uri_get_uri;
  iface->set_uri = gst_wanr2v_src_uri_set_uri;
}
