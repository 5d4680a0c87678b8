/* wanr2v-http.c: an HTTP thread, started on first use and stopped with its
 * last reference (see wanr2v-http.h). */
#include "config.h"
#include "wanr2v-http.h"
#include "wanr2v-soup.h"

#define DEFAULT_USER_AGENT "wanr2vsrc/" VERSION

struct _WanR2vHttp
{
  /* Under refs_lock: references are taken per job, not per request. */
  guint refcount;
  /* The shared instance's last user has gone: one reference is the
   * linger timer's. */
  gboolean lingering;

  char *user_agent;
  GMainContext *context;
  GMainLoop *loop;

  GMutex lock;                  /* thread */
  GThread *thread;
  /* Set when the last reference went on the thread itself: it frees the
   * instance once its loop has ended. */
  gboolean free_on_exit;

  /* Only on the thread. */
  SoupSession *session;
};

static GMutex refs_lock;
static WanR2vHttp *default_instance;    /* no reference of its own */
static GPrivate current_http;

G_DEFINE_BOXED_TYPE (WanR2vHttp, wanr2v_http, wanr2v_http_ref,
    wanr2v_http_unref);

WanR2vHttp *
wanr2v_http_new (const char *user_agent)
{
  WanR2vHttp *http = g_new0 (WanR2vHttp, 1);

  http->refcount = 1;
  http->user_agent = g_strdup (user_agent ? user_agent : DEFAULT_USER_AGENT);
  http->context = g_main_context_new ();
  http->loop = g_main_loop_new (http->context, FALSE);
  g_mutex_init (&http->lock);
  return http;
}

WanR2vHttp *
wanr2v_http_dup_default (void)
{
  WanR2vHttp *http;

  g_mutex_lock (&refs_lock);
  if (default_instance == NULL)
    default_instance = wanr2v_http_new (NULL);
  else
    default_instance->refcount++;
  http = default_instance;
  g_mutex_unlock (&refs_lock);
  return http;
}

WanR2vHttp *
wanr2v_http_ref (WanR2vHttp * http)
{
  g_mutex_lock (&refs_lock);
  http->refcount++;
  g_mutex_unlock (&refs_lock);
  return http;
}

static void
free_instance (WanR2vHttp * http)
{
  g_main_context_unref (http->context);
  g_main_loop_unref (http->loop);
  g_mutex_clear (&http->lock);
  g_free (http->user_agent);
  g_free (http);
}

static gpointer
http_thread_main (gpointer data)
{
  WanR2vHttp *http = data;
  gboolean free_here;

  g_private_set (&current_http, http);
  g_main_context_push_thread_default (http->context);
  g_main_loop_run (http->loop);
  /* The session goes on the thread it belongs to. */
  g_clear_object (&http->session);
  g_main_context_pop_thread_default (http->context);
  g_private_set (&current_http, NULL);

  g_mutex_lock (&http->lock);
  free_here = http->free_on_exit;
  g_mutex_unlock (&http->lock);
  if (free_here)
    free_instance (http);
  return NULL;
}

/* The last reference has gone. */
static void
stop_and_free (WanR2vHttp * http)
{
  GThread *thread;

  g_mutex_lock (&http->lock);
  thread = g_steal_pointer (&http->thread);
  if (thread && thread == g_thread_self ()) {
    /* A job's last reference can go in one of its own callbacks: the
     * thread cannot join itself, so it ends and frees on its own. */
    http->free_on_exit = TRUE;
    g_mutex_unlock (&http->lock);
    g_main_loop_quit (http->loop);
    g_thread_unref (thread);
    return;
  }
  g_mutex_unlock (&http->lock);

  if (thread) {
    g_main_loop_quit (http->loop);
    g_thread_join (thread);
  }
  free_instance (http);
}

static gboolean
on_linger_end (gpointer data)
{
  WanR2vHttp *http = data;
  gboolean last;

  g_mutex_lock (&refs_lock);
  http->lingering = FALSE;
  last = --http->refcount == 0;
  if (last && default_instance == http)
    default_instance = NULL;
  g_mutex_unlock (&refs_lock);
  if (last)
    stop_and_free (http);
  return G_SOURCE_REMOVE;
}

static gboolean wanr2v_http_is_running (WanR2vHttp * http);

void
wanr2v_http_unref (WanR2vHttp * http)
{
  gboolean running;

  if (http == NULL)
    return;

  g_mutex_lock (&refs_lock);
  if (--http->refcount > 0) {
    g_mutex_unlock (&refs_lock);
    return;
  }
  running = wanr2v_http_is_running (http);
  if (http == default_instance && running && !http->lingering) {
    /* The shared thread waits a little for the next pipeline. */
    GSource *source = g_timeout_source_new (WANR2V_HTTP_LINGER_MS);

    http->refcount = 1;
    http->lingering = TRUE;
    g_source_set_callback (source, on_linger_end, http, NULL);
    g_source_set_static_name (source, "wanr2v-http-linger");
    g_source_attach (source, http->context);
    g_source_unref (source);
    g_mutex_unlock (&refs_lock);
    return;
  }
  if (http == default_instance)
    default_instance = NULL;
  g_mutex_unlock (&refs_lock);
  stop_and_free (http);
}

WanR2vHttp *
wanr2v_http_get_current (void)
{
  return g_private_get (&current_http);
}

static void
ensure_thread (WanR2vHttp * http)
{
  g_mutex_lock (&http->lock);
  if (http->thread == NULL)
    http->thread = g_thread_new ("wanr2v-http", http_thread_main, http);
  g_mutex_unlock (&http->lock);
}

/* Whether the thread is running (it starts on first use). */
static gboolean
wanr2v_http_is_running (WanR2vHttp * http)
{
  gboolean running;

  g_mutex_lock (&http->lock);
  running = http->thread != NULL;
  g_mutex_unlock (&http->lock);
  return running;
}

SoupSession *
wanr2v_http_get_session (WanR2vHttp * http)
{
  g_return_val_if_fail (wanr2v_http_is_http_thread (http), NULL);

  /* Made here, with our context as thread default, so that all of its
   * I/O is dispatched on this thread. */
  if (http->session == NULL)
    http->session = g_object_new (wanr2v_soup_session_get_type (),
        "user-agent", http->user_agent, "max-conns", 64,
        "max-conns-per-host", 32, "idle-timeout", 60, NULL);
  return http->session;
}

const char *
wanr2v_http_get_user_agent (WanR2vHttp * http)
{
  return http->user_agent;
}

gboolean
wanr2v_http_is_http_thread (WanR2vHttp * http)
{
  return wanr2v_http_get_current () == http;
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
  ensure_thread (http);
}

GSource *
wanr2v_http_timeout_source_new (WanR2vHttp * http, guint ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "wanr2v-timeout");
  g_source_attach (source, http->context);
  ensure_thread (http);
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
  ensure_thread (http);
  return source;
}

gboolean
wanr2v_http_tls_available (void)
{
  return g_tls_backend_supports_tls (g_tls_backend_get_default ());
}
