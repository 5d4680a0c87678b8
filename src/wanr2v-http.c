/* wanr2v-http.c: the process-wide HTTP thread. */
#include "wanr2v-http.h"

struct _WanR2vHttp
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupSession *session;

  GMutex lock;
  GCond cond;
  gboolean ready;
};

static gpointer
http_thread_main (gpointer data)
{
  WanR2vHttp *http = data;

  g_main_context_push_thread_default (http->context);

  /* The session must be made here, with our context as thread default, so
   * that all of its I/O is dispatched on this thread. */
  http->session = soup_session_new_with_options ("user-agent",
      "wanr2vsrc/" "0.1", "max-conns", 64, "max-conns-per-host", 32,
      "idle-timeout", 60, NULL);

  g_mutex_lock (&http->lock);
  http->ready = TRUE;
  g_cond_broadcast (&http->cond);
  g_mutex_unlock (&http->lock);

  g_main_loop_run (http->loop);

  g_main_context_pop_thread_default (http->context);
  return NULL;
}

WanR2vHttp *
wanr2v_http_get_default (void)
{
  static gsize initialised = 0;
  static WanR2vHttp *instance = NULL;

  if (g_once_init_enter (&initialised)) {
    WanR2vHttp *http = g_new0 (WanR2vHttp, 1);

    g_mutex_init (&http->lock);
    g_cond_init (&http->cond);
    http->context = g_main_context_new ();
    http->loop = g_main_loop_new (http->context, FALSE);
    http->thread = g_thread_new ("wanr2v-http", http_thread_main, http);

    g_mutex_lock (&http->lock);
    while (!http->ready)
      g_cond_wait (&http->cond, &http->lock);
    g_mutex_unlock (&http->lock);

    instance = http;
    g_once_init_leave (&initialised, 1);
  }
  return instance;
}

SoupSession *
wanr2v_http_get_session (WanR2vHttp * http)
{
  g_return_val_if_fail (wanr2v_http_is_http_thread (http), NULL);
  return http->session;
}

gboolean
wanr2v_http_is_http_thread (WanR2vHttp * http)
{
  return g_thread_self () == http->thread;
}

void
wanr2v_http_invoke (WanR2vHttp * http, GSourceFunc func, gpointer data,
    GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "wanr2v-invoke");
  g_source_attach (source, http->context);
  g_source_unref (source);
}

GSource *
wanr2v_http_timeout_source_new (WanR2vHttp * http, guint ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "wanr2v-timeout");
  g_source_attach (source, http->context);
  return source;
}

GSource *
wanr2v_http_timeout_source_new_s (WanR2vHttp * http, guint seconds,
    GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source;

  if (seconds <= G_MAXUINT / 1000)
    return wanr2v_http_timeout_source_new (http, seconds * 1000, func, data,
        notify);
  source = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "wanr2v-timeout");
  g_source_attach (source, http->context);
  return source;
}

gboolean
wanr2v_http_tls_available (void)
{
  return g_tls_backend_supports_tls (g_tls_backend_get_default ());
}
