/* gstwanr2vsrc-context.c: the HTTP thread through a GstContext (see the
 * header).  What a context gives is kept on the element as qdata, under
 * the object lock: set_context may come from any thread. */
#include "gstwanr2vsrc-context.h"

#include <gst/base/gstbasesrc.h>

GST_DEBUG_CATEGORY_EXTERN (gst_wanr2v_src_debug);
#define GST_CAT_DEFAULT gst_wanr2v_src_debug

#define HTTP_KEY "wanr2vsrc-http"
#define USER_AGENT_KEY "wanr2vsrc-http-user-agent"

void
gst_wanr2v_src_context_set_context (GstElement * element, GstContext * context)
{
  if (g_strcmp0 (gst_context_get_context_type (context),
          GST_WANR2V_SRC_HTTP_CONTEXT_TYPE) == 0) {
    const GstStructure *s = gst_context_get_structure (context);
    WanR2vHttp *http = NULL;
    const char *user_agent = gst_structure_get_string (s, "user-agent");

    gst_structure_get (s, "http", WANR2V_TYPE_HTTP, &http, NULL);
    GST_DEBUG_OBJECT (element, "HTTP context: thread %p, user agent %s",
        http, GST_STR_NULL (user_agent));
    GST_OBJECT_LOCK (element);
    g_object_set_data_full (G_OBJECT (element), HTTP_KEY, http,
        (GDestroyNotify) wanr2v_http_unref);
    g_object_set_data_full (G_OBJECT (element), USER_AGENT_KEY,
        g_strdup (user_agent), g_free);
    GST_OBJECT_UNLOCK (element);
  }
  GST_ELEMENT_CLASS (g_type_class_peek (GST_TYPE_BASE_SRC))->set_context
      (element, context);
}

/* A new reference to the HTTP thread a context gave, if any; @user_agent
 * gets the user agent a context asked for without giving a thread. */
static WanR2vHttp *
dup_context_http (GstElement * element, char **user_agent)
{
  WanR2vHttp *http;

  GST_OBJECT_LOCK (element);
  http = g_object_get_data (G_OBJECT (element), HTTP_KEY);
  if (http)
    wanr2v_http_ref (http);
  if (user_agent)
    *user_agent = g_strdup (g_object_get_data (G_OBJECT (element),
            USER_AGENT_KEY));
  GST_OBJECT_UNLOCK (element);
  return http;
}

/* The usual order (as in gst_gl_ensure_element_data): downstream
 * elements first, then the application through the bus. */
static void
ask_for_context (GstElement * element)
{
  GstQuery *query = gst_query_new_context (GST_WANR2V_SRC_HTTP_CONTEXT_TYPE);
  GstPad *pad = GST_BASE_SRC_PAD (element);
  GstContext *context = NULL;

  if (gst_pad_peer_query (pad, query)) {
    gst_query_parse_context (query, &context);
    if (context)
      gst_element_set_context (element, context);
  }
  gst_query_unref (query);
  if (context)
    return;
  gst_element_post_message (element,
      gst_message_new_need_context (GST_OBJECT_CAST (element),
          GST_WANR2V_SRC_HTTP_CONTEXT_TYPE));
}

WanR2vHttp *
gst_wanr2v_src_context_ensure_http (GstElement * element)
{
  g_autofree char *user_agent = NULL;
  WanR2vHttp *http = dup_context_http (element, NULL);
  GstContext *context;

  if (http)
    return http;
  ask_for_context (element);
  http = dup_context_http (element, &user_agent);
  if (http || user_agent == NULL)
    return http;

  /* A thread of the pipeline's own: shared with its other elements. */
  http = wanr2v_http_new (user_agent);
  context = gst_context_new (GST_WANR2V_SRC_HTTP_CONTEXT_TYPE, TRUE);
  gst_structure_set (gst_context_writable_structure (context),
      "http", WANR2V_TYPE_HTTP, http, "user-agent", G_TYPE_STRING,
      user_agent, NULL);
  gst_element_set_context (element, context);
  gst_element_post_message (element,
      gst_message_new_have_context (GST_OBJECT_CAST (element), context));
  return http;
}
