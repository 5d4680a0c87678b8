/* emu-tasks.h: the emulator's task store and each task's state machine.
 *
 * A task's state is a function of the clock: it is PENDING for the
 * configured pending time after submission, then RUNNING, and it ends
 * SUCCEEDED only when both the running time has passed and its video has
 * been rendered (or FAILED once the work failed and the task was scheduled).
 * Computing the state on demand, rather than with timers, keeps the replies
 * consistent with the times they report.  Only the main thread touches the
 * store; the worker that renders a task only reads its immutable fields.
 */
#pragma once

#include "emu-dist.h"
#include "emu-validate.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  EMU_TASK_PENDING,
  EMU_TASK_RUNNING,
  EMU_TASK_SUCCEEDED,
  EMU_TASK_FAILED,
  EMU_TASK_CANCELED,
  EMU_TASK_UNKNOWN,
} EmuTaskStatus;

const char *emu_task_status_name (EmuTaskStatus status);
gboolean emu_task_status_from_name (const char *name, EmuTaskStatus * status);

/* An outcome forced on a task by a `task` fault. */
typedef enum
{
  EMU_TASK_OUTCOME_NATURAL,     /* whatever its work gives */
  EMU_TASK_OUTCOME_FAIL,        /* FAILED once its running time is over */
  EMU_TASK_OUTCOME_CANCEL,      /* CANCELED once its pending time is over */
  EMU_TASK_OUTCOME_UNKNOWN,     /* queries answer UNKNOWN */
  EMU_TASK_OUTCOME_HANG,        /* RUNNING for ever */
} EmuTaskOutcome;

typedef struct
{
  /* Immutable after creation: safe to read from the worker. */
  char *id;
  char *request_id;             /* of the create call */
  EmuTaskSpec *spec;
  char *body;                   /* the create request body, as received */
  gint64 submit_us;             /* real time */
  /* The task tells (submit_time, gmt_create, lists, expiry) it was made
   * this much earlier: an `aged` fault.  Its work keeps to submit_us. */
  gint64 age_us;
  GCancellable *cancellable;
  gint64 pending_us;            /* drawn for this task */
  gint64 running_us;            /* at least; drawn for this task */

  /* Main thread only. */
  EmuTaskOutcome outcome;
  char *fault;                  /* "task:fail" when a fault set outcome */
  gboolean canceled;
  gint64 canceled_us;
  gboolean done;                /* the work ended, well or not */
  gint64 done_us;
  gboolean failed;
  char *fail_code;              /* when failed (may stay NULL for a fault) */
  char *fail_message;
  char *video_name;             /* "<id>.mp4" under the results dir */
  guint video_width, video_height;
  double input_video_s;         /* billed reference-video seconds */
  char *actual_prompt;          /* the "rewritten" prompt, prompt_extend */
  char *video_url;              /* signed once, at the first SUCCEEDED query */
  GStrv placeholders;           /* references drawn as offline placeholders */
  gint64 extra_billed_s;        /* config "extra_billed_seconds": billed on
                                 * top of the formula (for client tests) */
  gint64 admitted_us;           /* --over-limit queue: when a slot took it;
                                 * 0 while it waits */
} EmuTask;

EmuTask *emu_task_ref (EmuTask * task);
void emu_task_unref (EmuTask * task);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuTask, emu_task_unref)

typedef struct
{
  const EmuDist *pending_ms;    /* each task draws its times from these */
  const EmuDist *running_ms;
  guint32 seed;
  gint64 ttl_us;                /* after this a task queries as UNKNOWN */
} EmuTaskTiming;

typedef struct _EmuTaskStore EmuTaskStore;

EmuTaskStore *emu_task_store_new (const EmuTaskTiming * timing);
void emu_task_store_free (EmuTaskStore * store);

/* Replaces the distributions (NULL: keep) and, when @reseed, restarts the
 * random draws from @seed. */
void emu_task_store_set_timing (EmuTaskStore * store,
    const EmuDist * pending_ms, const EmuDist * running_ms, gboolean reseed,
    guint32 seed);

/* The current distributions, as text. */
char *emu_task_store_describe_timing (EmuTaskStore * store,
    gboolean running);

/* The account's limit of tasks in progress (PENDING or RUNNING; 0: none).
 * Past it, a create is refused (emu_task_store_at_limit()) or, with
 * @queue, the task stays PENDING until a running task ends: at most @max
 * tasks are then RUNNING at once, taken in submission order. */
void emu_task_store_set_limit (EmuTaskStore * store, guint max,
    gboolean queue);

/* TRUE when @max tasks are in progress and the limit refuses creates. */
gboolean emu_task_store_at_limit (EmuTaskStore * store, gint64 now_us);

/* Takes @spec.  The new task is PENDING as of now; its pending and running
 * times are drawn now. */
EmuTask *emu_task_store_add (EmuTaskStore * store, EmuTaskSpec * spec,
    const char *body, const char *request_id);

/* NULL for an id never seen, forgotten by a reset, or past its TTL. */
EmuTask *emu_task_store_lookup (EmuTaskStore * store, const char *id);

/* Every live task, oldest first (borrowed pointers). */
GPtrArray *emu_task_store_list (EmuTaskStore * store);

/* Cancels every task's work and forgets all of them. */
void emu_task_store_clear (EmuTaskStore * store);

EmuTaskStatus emu_task_store_status (EmuTaskStore * store, EmuTask * task,
    gint64 now_us);

/* When the task left PENDING, and when it reached its final state. */
gint64 emu_task_store_scheduled_us (EmuTaskStore * store, EmuTask * task);
gint64 emu_task_store_end_us (EmuTaskStore * store, EmuTask * task);
/* When the task says it was submitted: submit_us, less an `aged` fault's
 * age. */
gint64 emu_task_told_submit_us (const EmuTask * task);

/* PENDING -> CANCELED; FALSE in any other state. */
gboolean emu_task_store_cancel (EmuTaskStore * store, EmuTask * task,
    gint64 now_us);

/* Forces the outcome of @task (a fresh task whose work was not started):
 * @fault names the fault; for FAIL, @code and @message may be NULL. */
void emu_task_force_outcome (EmuTask * task, EmuTaskOutcome outcome,
    const char *fault, const char *code, const char *message);

/* Records the outcome of the work (main thread). */
void emu_task_succeed (EmuTask * task, const char *video_name, guint width,
    guint height, double input_video_s);
void emu_task_fail (EmuTask * task, const char *code, const char *message);

/* The GET /tasks/{id} reply.  @video_url is used when SUCCEEDED. */
JsonNode *emu_task_build_query_reply (EmuTaskStore * store, EmuTask * task,
    const char *task_id, const char *request_id, const char *video_url,
    gint64 now_us);

/* One item of the GET /tasks list. */
JsonNode *emu_task_build_list_item (EmuTaskStore * store, EmuTask * task,
    gint64 now_us);

G_END_DECLS
