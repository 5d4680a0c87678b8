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

typedef struct
{
  /* Immutable after creation: safe to read from the worker. */
  char *id;
  char *request_id;             /* of the create call */
  EmuTaskSpec *spec;
  char *body;                   /* the create request body, as received */
  gint64 submit_us;             /* real time */
  GCancellable *cancellable;

  /* Main thread only. */
  gboolean canceled;
  gint64 canceled_us;
  gboolean done;                /* the work ended, well or not */
  gint64 done_us;
  char *fail_code;              /* set when the work failed */
  char *fail_message;
  char *video_name;             /* "<id>.mp4" under the results dir */
  guint video_width, video_height;
  double input_video_s;         /* billed reference-video seconds */
  char *actual_prompt;          /* the "rewritten" prompt, prompt_extend */
  char *video_url;              /* signed once, at the first SUCCEEDED query */
} EmuTask;

EmuTask *emu_task_ref (EmuTask * task);
void emu_task_unref (EmuTask * task);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuTask, emu_task_unref)

typedef struct
{
  gint64 pending_us;
  gint64 running_us;
  gint64 ttl_us;                /* after this a task queries as UNKNOWN */
} EmuTaskTiming;

typedef struct _EmuTaskStore EmuTaskStore;

EmuTaskStore *emu_task_store_new (const EmuTaskTiming * timing);
void emu_task_store_free (EmuTaskStore * store);

/* Takes @spec.  The new task is PENDING as of now. */
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

/* PENDING -> CANCELED; FALSE in any other state. */
gboolean emu_task_store_cancel (EmuTaskStore * store, EmuTask * task,
    gint64 now_us);

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
