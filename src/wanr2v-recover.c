/* wanr2v-recover.c: finding a task whose create reply never came. */
#include "wanr2v-recover.h"
#include "wanr2v-http.h"

#include <string.h>

/* More candidates than this are not queried one by one: ambiguous. */
#define MAX_QUERIED 10

void
wanr2v_recover_candidate_free (WanR2vRecoverCandidate * candidate)
{
  if (candidate == NULL)
    return;
  g_free (candidate->task_id);
  g_free (candidate->prompt);
  g_free (candidate);
}

gint64
wanr2v_recover_parse_service_time (const char *text)
{
  g_autoptr (GTimeZone) zone = NULL;
  g_autoptr (GDateTime) time = NULL;
  g_autofree char *iso = NULL;

  if (text == NULL || strlen (text) < 19)
    return 0;
  iso = g_strdup (text);
  iso[10] = 'T';
  zone = g_time_zone_new_offset (8 * 3600);
  time = g_date_time_new_from_iso8601 (iso, zone);
  if (time == NULL)
    return 0;
  return g_date_time_to_unix (time) * 1000
      + g_date_time_get_microsecond (time) / 1000;
}

WanR2vRecoverResult
wanr2v_recover_decide (GPtrArray * candidates, const char *prompt,
    gint64 sent_ms, gint64 window_ms)
{
  guint i, dated = 0;

  for (i = candidates->len; i-- > 0;) {
    WanR2vRecoverCandidate *c = g_ptr_array_index (candidates, i);
    gboolean other_prompt = c->prompt && prompt
        && strcmp (c->prompt, prompt) != 0;
    gboolean other_time = c->created_ms != 0
        && ABS (c->created_ms - sent_ms) > window_ms;

    if (other_prompt || other_time)
      g_ptr_array_remove_index (candidates, i);
    else if (c->created_ms != 0)
      dated++;
  }
  if (candidates->len == 0)
    return WANR2V_RECOVER_NONE;
  /* One task of unknown age is not proof enough: it may be anyone's. */
  if (candidates->len == 1 && dated == 1)
    return WANR2V_RECOVER_FOUND;
  return WANR2V_RECOVER_AMBIGUOUS;
}

typedef struct
{
  WanR2vClient *client;
  char *model;
  char *prompt;
  gint64 sent_ms;
  guint tries;
  guint tried;
  guint retry_delay_ms;
  WanR2vRecoverExcludeFunc exclude;
  GPtrArray *candidates;        /* of WanR2vRecoverCandidate* */
  guint queried;
  gboolean listed;              /* some list was read */
  GError *list_error;           /* the last list failure */
  WanR2vRecoverResult result;
} Search;

static void
search_free (Search * s)
{
  wanr2v_client_unref (s->client);
  g_free (s->model);
  g_free (s->prompt);
  g_ptr_array_unref (s->candidates);
  g_clear_error (&s->list_error);
  g_free (s);
}

static void list_now (GTask * task);

static gboolean
on_timer (gpointer data)
{
  list_now (data);
  return G_SOURCE_REMOVE;
}

static void
list_later (GTask * task, guint ms)
{
  GSource *source = wanr2v_http_timeout_source_new (wanr2v_http_get_current
      (), ms, on_timer, g_object_ref (task), g_object_unref);

  g_source_unref (source);
}

static void
finish (GTask * task)
{
  Search *s = g_task_get_task_data (task);

  if (!s->listed) {
    g_task_return_error (task, g_steal_pointer (&s->list_error));
    return;
  }
  s->result = wanr2v_recover_decide (s->candidates, s->prompt, s->sent_ms,
      WANR2V_RECOVER_WINDOW_MS);
  if (s->result == WANR2V_RECOVER_NONE && ++s->tried < s->tries) {
    /* The service may list a task a moment after making it. */
    list_later (task, s->retry_delay_ms);
    return;
  }
  g_task_return_boolean (task, TRUE);
}

static void query_next (GTask * task);

static void
on_queried (GObject * source, GAsyncResult * res, gpointer data)
{
  g_autoptr (GTask) task = data;
  Search *s = g_task_get_task_data (task);
  WanR2vRecoverCandidate *c = g_ptr_array_index (s->candidates, s->queried);
  g_autoptr (WanR2vTaskInfo) info = NULL;

  info = wanr2v_client_query_task_finish (s->client, res, NULL, NULL);
  if (info) {
    if (c->created_ms == 0)
      c->created_ms = wanr2v_recover_parse_service_time (info->submit_time);
    if (info->orig_prompt && c->prompt == NULL)
      c->prompt = g_strdup (info->orig_prompt);
  }
  s->queried++;
  query_next (g_steal_pointer (&task));
}

/* Each candidate's own reply may show its submit time and its prompt. */
static void
query_next (GTask * task)
{
  Search *s = g_task_get_task_data (task);

  if (s->queried < s->candidates->len) {
    WanR2vRecoverCandidate *c = g_ptr_array_index (s->candidates, s->queried);

    wanr2v_client_query_task_async (s->client, c->task_id, NULL, on_queried,
        task);
    return;
  }
  finish (task);
  g_object_unref (task);
}

static void
on_listed (GObject * source, GAsyncResult * res, gpointer data)
{
  GTask *task = data;
  Search *s = g_task_get_task_data (task);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  guint i;

  list = wanr2v_client_list_tasks_finish (s->client, res, NULL, &error);
  g_ptr_array_set_size (s->candidates, 0);
  s->queried = 0;
  if (list == NULL) {
    g_clear_error (&s->list_error);
    s->list_error = g_steal_pointer (&error);
    if (++s->tried < s->tries)
      list_later (task, s->retry_delay_ms);
    else if (s->listed)
      g_task_return_boolean (task, TRUE);       /* result is NONE */
    else
      finish (task);
    g_object_unref (task);
    return;
  }
  s->listed = TRUE;
  for (i = 0; i < list->len; i++) {
    WanR2vTaskSummary *t = g_ptr_array_index (list, i);
    WanR2vRecoverCandidate *c;

    if (g_strcmp0 (t->model_name, s->model) != 0
        || (s->exclude && s->exclude (t->task_id)))
      continue;
    if (t->gmt_create_ms != 0
        && ABS (t->gmt_create_ms - s->sent_ms) > WANR2V_RECOVER_WINDOW_MS)
      continue;
    c = g_new0 (WanR2vRecoverCandidate, 1);
    c->task_id = g_strdup (t->task_id);
    c->created_ms = t->gmt_create_ms;
    g_ptr_array_add (s->candidates, c);
  }
  if (s->candidates->len > MAX_QUERIED) {
    s->result = WANR2V_RECOVER_AMBIGUOUS;
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
    return;
  }
  query_next (task);
}

static void
list_now (GTask * task)
{
  Search *s = g_task_get_task_data (task);
  gint64 sent_s = s->sent_ms / 1000;
  gint64 window_s = WANR2V_RECOVER_WINDOW_MS / 1000;

  wanr2v_client_list_tasks_async (s->client, s->model, sent_s - window_s,
      sent_s + window_s, NULL, on_listed, g_object_ref (task));
}

void
wanr2v_recover_async (WanR2vClient * client, const WanR2vRecoverSpec * spec,
    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Search *s = g_new0 (Search, 1);

  s->client = wanr2v_client_ref (client);
  s->model = g_strdup (spec->model);
  s->prompt = g_strdup (spec->prompt);
  s->sent_ms = spec->sent_ms;
  s->tries = MAX (spec->tries, 1);
  s->retry_delay_ms = spec->retry_delay_ms;
  s->exclude = spec->exclude;
  s->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify)
      wanr2v_recover_candidate_free);
  s->result = WANR2V_RECOVER_NONE;
  g_task_set_task_data (task, s, (GDestroyNotify) search_free);
  if (spec->first_delay_ms > 0)
    list_later (task, spec->first_delay_ms);
  else
    list_now (task);
  g_object_unref (task);
}

gboolean
wanr2v_recover_finish (GAsyncResult * res, WanR2vRecoverResult * result,
    char **task_id, char ***candidates, GError ** error)
{
  GTask *task = G_TASK (res);
  Search *s = g_task_get_task_data (task);
  guint i;

  *task_id = NULL;
  *candidates = NULL;
  if (!g_task_propagate_boolean (task, error))
    return FALSE;
  *result = s->result;
  if (s->result == WANR2V_RECOVER_FOUND) {
    WanR2vRecoverCandidate *c = g_ptr_array_index (s->candidates, 0);

    *task_id = g_strdup (c->task_id);
  } else if (s->result == WANR2V_RECOVER_AMBIGUOUS) {
    *candidates = g_new0 (char *, s->candidates->len + 1);
    for (i = 0; i < s->candidates->len; i++)
      (*candidates)[i] = g_strdup (((WanR2vRecoverCandidate *)
              g_ptr_array_index (s->candidates, i))->task_id);
  }
  return TRUE;
}
