/* wanr2v-job-steps.c: the two doors through which a job's asynchronous
 * work comes back to it: a request's reply (wanr2v_job_reply_new) and a
 * timer (wanr2v_job_schedule), plus a worker thread's result.  Each holds
 * a reference to the job and drops the step once the job is stopped or
 * has ended, so that no step of a phase checks for either.
 */
#include "wanr2v-job-private.h"

typedef struct
{
  WanR2vJob *job;
  WanR2vJobStepFunc step;
  WanR2vJobReplyFunc reply;
  gboolean even_when_stopped;
  GSource **slot;               /* a timer's: where the job keeps it */
} Step;

static void
step_free (Step * step)
{
  wanr2v_job_unref (step->job);
  g_free (step);
}

/* A step runs while the job goes on: not after a stop (unless it sees a
 * create through), nor once the job has ended. */
static gboolean
step_runs (Step * step)
{
  if (step->even_when_stopped)
    return TRUE;
  return !wanr2v_job_is_stopped (step->job)
      && !wanr2v_job_has_ended (step->job);
}

static gboolean
on_timer (gpointer data)
{
  Step *step = data;

  g_clear_pointer (step->slot, g_source_unref);
  if (step_runs (step))
    step->step (step->job);
  return G_SOURCE_REMOVE;
}

void
wanr2v_job_schedule_in (WanR2vJob * job, GSource ** slot, guint ms,
    WanR2vJobStepFunc func)
{
  Step *step = g_new0 (Step, 1);

  step->job = wanr2v_job_ref (job);
  step->step = func;
  step->slot = slot;
  if (*slot) {
    g_source_destroy (*slot);
    g_source_unref (*slot);
  }
  *slot = wanr2v_http_timeout_source_new (job->http, ms, on_timer, step,
      (GDestroyNotify) step_free);
}

void
wanr2v_job_schedule (WanR2vJob * job, guint ms, WanR2vJobStepFunc func)
{
  wanr2v_job_schedule_in (job, &job->timer, ms, func);
}

static gboolean
on_invoked (gpointer data)
{
  Step *step = data;

  if (step_runs (step))
    step->step (step->job);
  return G_SOURCE_REMOVE;
}

void
wanr2v_job_invoke (WanR2vJob * job, WanR2vJobStepFunc func)
{
  Step *step = g_new0 (Step, 1);

  step->job = wanr2v_job_ref (job);
  step->step = func;
  wanr2v_http_invoke (job->http, on_invoked, step, (GDestroyNotify)
      step_free);
}

/* Exponential backoff with +-25 % jitter, so that many clients that failed
 * together do not come back together. */
guint
wanr2v_job_backoff_ms (WanR2vJob * job)
{
  return wanr2v_job_backoff_after_ms (job, job->attempts);
}

guint
wanr2v_job_backoff_after_ms (WanR2vJob * job, guint attempts)
{
  guint64 delay = (guint64) job->retry_delay_ms << MIN (attempts, 10);
  double jitter = g_random_double_range (0.75, 1.25);

  delay = MIN (delay, 60000);
  return (guint) (delay * jitter);
}

gpointer
wanr2v_job_reply_new (WanR2vJob * job, WanR2vJobReplyFunc func,
    gboolean even_when_stopped)
{
  Step *step = g_new0 (Step, 1);

  step->job = wanr2v_job_ref (job);
  step->reply = func;
  step->even_when_stopped = even_when_stopped;
  return step;
}

void
wanr2v_job_on_reply (GObject * source, GAsyncResult * res, gpointer data)
{
  Step *step = data;

  /* A dropped reply frees itself with its GTask. */
  if (step_runs (step))
    step->reply (step->job, res);
  step_free (step);
}

/* A worker's own hold on the job: counted in workers_busy until @func has
 * returned, so that a stop can wait for the thread as well as for its
 * result (wanr2v_job_wait_settled). */
typedef struct
{
  WanR2vJob *job;
  GTaskThreadFunc func;
} Worker;

static void
worker_run (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  Worker *worker = data;
  WanR2vJob *job = worker->job;

  worker->func (task, source, job, cancellable);
  g_debug ("job %p: worker returned", job);
  g_mutex_lock (&job->lock);
  job->workers_busy--;
  g_cond_broadcast (&job->cond);
  g_mutex_unlock (&job->lock);
}

static void
worker_free (Worker * worker)
{
  wanr2v_job_unref (worker->job);
  g_free (worker);
}

void
wanr2v_job_run_in_worker (WanR2vJob * job, GTaskThreadFunc func,
    WanR2vJobReplyFunc done)
{
  GTask *task = g_task_new (NULL, NULL, wanr2v_job_on_reply,
      wanr2v_job_reply_new (job, done, FALSE));
  Worker *worker = g_new0 (Worker, 1);

  worker->job = wanr2v_job_ref (job);
  worker->func = func;
  g_mutex_lock (&job->lock);
  job->workers_busy++;
  g_mutex_unlock (&job->lock);
  g_debug ("job %p: worker started", job);
  /* @func gets the job as its data; the task's own reference keeps the
   * job alive until the thread has let go of it. */
  g_task_set_task_data (task, worker, (GDestroyNotify) worker_free);
  g_task_run_in_thread (task, worker_run);
  g_object_unref (task);
}
