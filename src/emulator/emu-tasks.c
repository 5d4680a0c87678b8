/* emu-tasks.c: the emulator's task store and each task's state machine. */
#include "emu-tasks.h"

#include <math.h>
#include <string.h>

struct _EmuTaskStore
{
  EmuDist *pending_ms;
  EmuDist *running_ms;
  gint64 ttl_us;
  GRand *rand;
  GHashTable *by_id;            /* id -> EmuTask* (owned) */
  GPtrArray *ordered;           /* EmuTask* (borrowed), submission order */
  guint max_in_progress;        /* 0: no limit */
  gboolean queue_over_limit;    /* TRUE: queue past it, else refuse */
};

static const char *const status_names[] = {
  [EMU_TASK_PENDING] = "PENDING",
  [EMU_TASK_RUNNING] = "RUNNING",
  [EMU_TASK_SUCCEEDED] = "SUCCEEDED",
  [EMU_TASK_FAILED] = "FAILED",
  [EMU_TASK_CANCELED] = "CANCELED",
  [EMU_TASK_UNKNOWN] = "UNKNOWN",
};

const char *
emu_task_status_name (EmuTaskStatus status)
{
  return status_names[status];
}

gboolean
emu_task_status_from_name (const char *name, EmuTaskStatus * status)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (status_names); i++) {
    if (g_ascii_strcasecmp (name, status_names[i]) == 0) {
      *status = i;
      return TRUE;
    }
  }
  return FALSE;
}

/* ---- EmuTask */

typedef struct
{
  EmuTask task;
  gatomicrefcount ref;
} EmuTaskBox;

EmuTask *
emu_task_ref (EmuTask * task)
{
  g_atomic_ref_count_inc (&((EmuTaskBox *) task)->ref);
  return task;
}

void
emu_task_unref (EmuTask * task)
{
  if (!g_atomic_ref_count_dec (&((EmuTaskBox *) task)->ref))
    return;
  g_free (task->id);
  g_free (task->request_id);
  emu_task_spec_free (task->spec);
  g_free (task->body);
  g_clear_object (&task->cancellable);
  g_free (task->fault);
  g_free (task->fail_code);
  g_free (task->fail_message);
  g_free (task->video_name);
  g_free (task->actual_prompt);
  g_free (task->video_url);
  g_strfreev (task->placeholders);
  g_free (task);
}

void
emu_task_succeed (EmuTask * task, const char *video_name, guint width,
    guint height, double input_video_s)
{
  task->done = TRUE;
  task->done_us = g_get_real_time ();
  task->video_name = g_strdup (video_name);
  task->video_width = width;
  task->video_height = height;
  task->input_video_s = input_video_s;
}

void
emu_task_fail (EmuTask * task, const char *code, const char *message)
{
  task->failed = TRUE;
  task->done = TRUE;
  task->done_us = g_get_real_time ();
  task->fail_code = g_strdup (code);
  task->fail_message = g_strdup (message);
}

void
emu_task_force_outcome (EmuTask * task, EmuTaskOutcome outcome,
    const char *fault, const char *code, const char *message)
{
  task->outcome = outcome;
  g_free (task->fault);
  task->fault = g_strdup (fault);
  if (outcome == EMU_TASK_OUTCOME_FAIL) {
    task->failed = TRUE;
    task->done = TRUE;
    task->done_us = task->submit_us;
    task->fail_code = g_strdup (code);
    task->fail_message = g_strdup (message);
  }
}

/* Stands in for the service's LLM prompt rewriting: visibly different from
 * the original, and deterministic so that tests can check it. */
static char *
extend_prompt (const char *prompt)
{
  return g_strdup_printf ("%s The scene is shot in a cinematic style with "
      "soft natural lighting, smooth camera movement and rich, sharp "
      "detail.", prompt);
}

/* ---- the store */

EmuTaskStore *
emu_task_store_new (const EmuTaskTiming * timing)
{
  EmuTaskStore *store = g_new0 (EmuTaskStore, 1);

  store->pending_ms = emu_dist_copy (timing->pending_ms);
  store->running_ms = emu_dist_copy (timing->running_ms);
  store->ttl_us = timing->ttl_us;
  store->rand = g_rand_new_with_seed (timing->seed);
  store->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) emu_task_unref);
  store->ordered = g_ptr_array_new ();
  return store;
}

void
emu_task_store_free (EmuTaskStore * store)
{
  if (store == NULL)
    return;
  emu_task_store_clear (store);
  g_hash_table_unref (store->by_id);
  g_ptr_array_unref (store->ordered);
  emu_dist_free (store->pending_ms);
  emu_dist_free (store->running_ms);
  g_rand_free (store->rand);
  g_free (store);
}

void
emu_task_store_set_timing (EmuTaskStore * store, const EmuDist * pending_ms,
    const EmuDist * running_ms, gboolean reseed, guint32 seed)
{
  if (pending_ms != NULL) {
    emu_dist_free (store->pending_ms);
    store->pending_ms = emu_dist_copy (pending_ms);
  }
  if (running_ms != NULL) {
    emu_dist_free (store->running_ms);
    store->running_ms = emu_dist_copy (running_ms);
  }
  if (reseed)
    g_rand_set_seed (store->rand, seed);
}

char *
emu_task_store_describe_timing (EmuTaskStore * store, gboolean running)
{
  return emu_dist_to_string (running ? store->running_ms :
      store->pending_ms);
}

EmuTask *
emu_task_store_add (EmuTaskStore * store, EmuTaskSpec * spec,
    const char *body, const char *request_id)
{
  EmuTaskBox *box = g_new0 (EmuTaskBox, 1);
  EmuTask *task = &box->task;

  g_atomic_ref_count_init (&box->ref);
  task->id = g_uuid_string_random ();
  task->request_id = g_strdup (request_id);
  task->spec = spec;
  task->body = g_strdup (body);
  task->submit_us = g_get_real_time ();
  task->cancellable = g_cancellable_new ();
  /* Always pending first, then running: the order of the draws is part of
   * what a seed reproduces. */
  task->pending_us = emu_dist_draw (store->pending_ms, store->rand) * 1000;
  task->running_us = emu_dist_draw (store->running_ms, store->rand) * 1000;
  if (spec->prompt_extend)
    task->actual_prompt = extend_prompt (spec->prompt);

  g_hash_table_insert (store->by_id, task->id, task);
  g_ptr_array_add (store->ordered, task);
  return task;
}

gint64
emu_task_told_submit_us (const EmuTask * task)
{
  return task->submit_us - task->age_us;
}

static gboolean
is_expired (EmuTaskStore * store, EmuTask * task, gint64 now_us)
{
  return now_us - emu_task_told_submit_us (task) > store->ttl_us;
}

void
emu_task_store_set_limit (EmuTaskStore * store, guint max, gboolean queue)
{
  store->max_in_progress = max;
  store->queue_over_limit = queue;
}

static gboolean
waits_for_slot (EmuTaskStore * store, EmuTask * task)
{
  return store->max_in_progress > 0 && store->queue_over_limit
      && task->admitted_us == 0;
}

/* Queue mode: gives free slots to waiting tasks, oldest first.  Called
 * whenever a state is asked for, so the state stays a function of the
 * clock and of the questions asked (a slot is taken at the first look
 * after it freed, as a scheduler would within its tick). */
static void
admit_waiting (EmuTaskStore * store, gint64 now_us)
{
  guint i, running = 0;

  if (store->max_in_progress == 0 || !store->queue_over_limit)
    return;
  for (i = 0; i < store->ordered->len; i++) {
    EmuTask *t = g_ptr_array_index (store->ordered, i);

    if (t->admitted_us != 0 && !t->canceled
        && now_us < emu_task_store_end_us (store, t))
      running++;
  }
  for (i = 0; i < store->ordered->len && running < store->max_in_progress;
      i++) {
    EmuTask *t = g_ptr_array_index (store->ordered, i);

    if (t->admitted_us == 0 && !t->canceled && !is_expired (store, t, now_us)) {
      t->admitted_us = now_us;
      running++;
    }
  }
}

gboolean
emu_task_store_at_limit (EmuTaskStore * store, gint64 now_us)
{
  guint i, in_progress = 0;

  if (store->max_in_progress == 0 || store->queue_over_limit)
    return FALSE;
  for (i = 0; i < store->ordered->len; i++) {
    EmuTaskStatus status = emu_task_store_status (store,
        g_ptr_array_index (store->ordered, i), now_us);

    if (status == EMU_TASK_PENDING || status == EMU_TASK_RUNNING)
      in_progress++;
  }
  return in_progress >= store->max_in_progress;
}

EmuTask *
emu_task_store_lookup (EmuTaskStore * store, const char *id)
{
  EmuTask *task = g_hash_table_lookup (store->by_id, id);

  if (task == NULL || is_expired (store, task, g_get_real_time ()))
    return NULL;
  return task;
}

GPtrArray *
emu_task_store_list (EmuTaskStore * store)
{
  GPtrArray *list = g_ptr_array_new ();
  gint64 now = g_get_real_time ();
  guint i;

  for (i = 0; i < store->ordered->len; i++) {
    EmuTask *task = g_ptr_array_index (store->ordered, i);

    if (!is_expired (store, task, now))
      g_ptr_array_add (list, task);
  }
  return list;
}

void
emu_task_store_clear (EmuTaskStore * store)
{
  guint i;

  for (i = 0; i < store->ordered->len; i++) {
    EmuTask *task = g_ptr_array_index (store->ordered, i);

    g_cancellable_cancel (task->cancellable);
  }
  g_ptr_array_set_size (store->ordered, 0);
  g_hash_table_remove_all (store->by_id);
}

gint64
emu_task_store_scheduled_us (EmuTaskStore * store, EmuTask * task)
{
  if (waits_for_slot (store, task))
    return G_MAXINT64;
  return MAX (task->submit_us + task->pending_us, task->admitted_us);
}

gint64
emu_task_store_end_us (EmuTaskStore * store, EmuTask * task)
{
  gint64 earliest;

  if (task->canceled)
    return task->canceled_us;
  if (task->outcome == EMU_TASK_OUTCOME_CANCEL)
    return emu_task_store_scheduled_us (store, task);
  if (!task->done || waits_for_slot (store, task))
    return G_MAXINT64;
  /* A failure of the work shows once the task was scheduled; a success,
   * or a failure a fault asked for, only after the running time too. */
  earliest = emu_task_store_scheduled_us (store, task);
  if (!task->failed || task->outcome == EMU_TASK_OUTCOME_FAIL)
    earliest += task->running_us;
  return MAX (earliest, task->done_us);
}

EmuTaskStatus
emu_task_store_status (EmuTaskStore * store, EmuTask * task, gint64 now_us)
{
  if (task == NULL || is_expired (store, task, now_us)
      || task->outcome == EMU_TASK_OUTCOME_UNKNOWN)
    return EMU_TASK_UNKNOWN;
  if (task->canceled)
    return EMU_TASK_CANCELED;
  admit_waiting (store, now_us);
  if (now_us < emu_task_store_scheduled_us (store, task))
    return EMU_TASK_PENDING;
  if (task->outcome == EMU_TASK_OUTCOME_CANCEL)
    return EMU_TASK_CANCELED;
  if (now_us < emu_task_store_end_us (store, task))
    return EMU_TASK_RUNNING;
  return task->failed ? EMU_TASK_FAILED : EMU_TASK_SUCCEEDED;
}

gboolean
emu_task_store_cancel (EmuTaskStore * store, EmuTask * task, gint64 now_us)
{
  if (emu_task_store_status (store, task, now_us) != EMU_TASK_PENDING)
    return FALSE;
  task->canceled = TRUE;
  task->canceled_us = now_us;
  g_cancellable_cancel (task->cancellable);
  return TRUE;
}

/* ---- replies */

static void
add_time (JsonBuilder * b, const char *name, gint64 us)
{
  g_autofree char *text = emu_format_task_time (us);

  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

static void
add_string (JsonBuilder * b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
add_int (JsonBuilder * b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_double (JsonBuilder * b, const char *name, double value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

/* Billing, per the protocol notes: input seconds + output seconds; an
 * integer with SR and ratio on 2.7, a float with size on 2.6. */
static void
add_usage (JsonBuilder * b, EmuTask * task)
{
  EmuTaskSpec *spec = task->spec;
  guint sr = g_strcmp0 (spec->resolution, "1080P") == 0 ? 1080 : 720;

  json_builder_set_member_name (b, "usage");
  json_builder_begin_object (b);
  if (spec->family == EMU_FAMILY_WAN27) {
    gint64 input = (gint64) round (task->input_video_s);

    add_int (b, "duration", input + spec->duration + task->extra_billed_s);
    add_int (b, "input_video_duration", input);
    add_int (b, "output_video_duration", spec->duration);
    add_int (b, "video_count", 1);
    add_int (b, "SR", sr);
    add_string (b, "ratio", spec->ratio);
  } else {
    double input = round (task->input_video_s * 100.0) / 100.0;

    add_double (b, "duration", input + spec->duration +
        task->extra_billed_s);
    add_double (b, "input_video_duration", input);
    add_double (b, "output_video_duration", spec->duration);
    add_int (b, "video_count", 1);
    add_int (b, "SR", sr);
    add_string (b, "size", spec->size);
  }
  json_builder_end_object (b);
}

JsonNode *
emu_task_build_query_reply (EmuTaskStore * store, EmuTask * task,
    const char *task_id, const char *request_id, const char *video_url,
    gint64 now_us)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  EmuTaskStatus status = emu_task_store_status (store, task, now_us);

  json_builder_begin_object (b);
  add_string (b, "request_id", request_id);
  json_builder_set_member_name (b, "output");
  json_builder_begin_object (b);
  add_string (b, "task_id", task_id);
  add_string (b, "task_status", emu_task_status_name (status));

  switch (status) {
    case EMU_TASK_UNKNOWN:
      break;
    case EMU_TASK_CANCELED:
      add_time (b, "submit_time", emu_task_told_submit_us (task));
      break;
    case EMU_TASK_PENDING:
      add_time (b, "submit_time", emu_task_told_submit_us (task));
      break;
    case EMU_TASK_RUNNING:
      add_time (b, "submit_time", emu_task_told_submit_us (task));
      add_time (b, "scheduled_time", emu_task_store_scheduled_us (store, task));
      break;
    case EMU_TASK_FAILED:
      add_time (b, "submit_time", emu_task_told_submit_us (task));
      add_time (b, "scheduled_time", emu_task_store_scheduled_us (store, task));
      add_time (b, "end_time", emu_task_store_end_us (store, task));
      /* A fault may ask for a failure that says nothing. */
      if (task->fail_code)
        add_string (b, "code", task->fail_code);
      if (task->fail_message)
        add_string (b, "message", task->fail_message);
      break;
    case EMU_TASK_SUCCEEDED:
      add_time (b, "submit_time", emu_task_told_submit_us (task));
      add_time (b, "scheduled_time", emu_task_store_scheduled_us (store, task));
      add_time (b, "end_time", emu_task_store_end_us (store, task));
      add_string (b, "orig_prompt", task->spec->prompt);
      if (task->actual_prompt)
        add_string (b, "actual_prompt", task->actual_prompt);
      add_string (b, "video_url", video_url);
      break;
  }
  json_builder_end_object (b);

  if (status == EMU_TASK_SUCCEEDED)
    add_usage (b, task);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
emu_task_build_list_item (EmuTaskStore * store, EmuTask * task, gint64 now_us)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  EmuTaskStatus status = emu_task_store_status (store, task, now_us);
  gint64 modified_us = emu_task_told_submit_us (task);

  if (status == EMU_TASK_RUNNING)
    modified_us = emu_task_store_scheduled_us (store, task);
  else if (status != EMU_TASK_PENDING)
    modified_us = emu_task_store_end_us (store, task);

  json_builder_begin_object (b);
  add_string (b, "task_id", task->id);
  add_string (b, "request_id", task->request_id);
  add_string (b, "status", emu_task_status_name (status));
  add_string (b, "model_name", task->spec->model);
  add_int (b, "gmt_create", emu_task_told_submit_us (task) / 1000);
  add_int (b, "gmt_modified", modified_us / 1000);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
