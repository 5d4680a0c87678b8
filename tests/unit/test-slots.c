/* test-slots.c: task slots shared through a directory, in one process and
 * across processes, with a queue, cancellation and crash recovery. */
#include "wanr2v-slots.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Called while waiting, each time the number of waiters ahead changes. */
typedef void (*WaitFunc) (guint ahead, gpointer user_data);

/* A blocking wait built on the tickets, as a thread of its own would do
 * it; the job does the same from timer ticks. */
static WanR2vSlot *
acquire_blocking (const char *dir, guint max,
    WaitFunc wait_func, gpointer user_data,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (WanR2vSlotTicket) ticket = NULL;
  guint last_ahead = G_MAXUINT;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if ((ticket = wanr2v_slot_ticket_new (dir, max, error)) == NULL)
    return NULL;

  for (;;) {
    GError *local_error = NULL;
    guint ahead = 0;
    WanR2vSlot *slot = wanr2v_slot_ticket_try (ticket, &ahead, &local_error);
    gint64 until;

    if (slot != NULL)
      return slot;
    if (local_error != NULL) {
      g_propagate_error (error, local_error);
      return NULL;
    }
    if (ahead != last_ahead && wait_func != NULL)
      wait_func (ahead, user_data);
    last_ahead = ahead;

    until = g_get_monotonic_time () + (100 * 1000);
    while (g_get_monotonic_time () < until
        && !g_cancellable_is_cancelled (cancellable))
      g_usleep (10 * 1000);
    if (g_cancellable_set_error_if_cancelled (cancellable, error))
      return NULL;
  }
}

static char *
make_dir (void)
{
  char *dir = g_dir_make_tmp ("wanr2v-slots-XXXXXX", NULL);

  g_assert_nonnull (dir);
  return dir;
}

/* A slot taken at once, as by a pipeline that finds no one waiting:
 * NULL when all are held (no error). */
static WanR2vSlot *
take_now (const char *dir, guint max, GError ** error)
{
  g_autoptr (WanR2vSlotTicket) ticket = wanr2v_slot_ticket_new (dir, max,
      error);

  return ticket ? wanr2v_slot_ticket_try (ticket, NULL, error) : NULL;
}

static void
remove_dir (char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  g_assert_cmpint (system (cmd), ==, 0);
  g_free (dir);
}

static void
test_limit (void)
{
  char *dir = make_dir ();
  g_autoptr (GError) error = NULL;
  WanR2vSlot *a = take_now (dir, 2, &error);
  WanR2vSlot *b = take_now (dir, 2, &error);
  WanR2vSlot *c = take_now (dir, 2, &error);

  g_assert_no_error (error);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_null (c);
  g_assert_cmpuint (wanr2v_slot_index (a), !=, wanr2v_slot_index (b));
  wanr2v_slot_release (a);
  c = take_now (dir, 2, &error);
  g_assert_nonnull (c);
  wanr2v_slot_release (b);
  wanr2v_slot_release (c);
  remove_dir (dir);
}

typedef struct
{
  const char *dir;
  GCancellable *cancellable;
  WanR2vSlot *slot;
  GError *error;
  gint ahead;                   /* last reported, -1 before any */
  gint64 done_us;
} Waiter;

static void
on_wait (guint ahead, gpointer user_data)
{
  Waiter *w = user_data;

  g_atomic_int_set (&w->ahead, ahead);
}

static gpointer
wait_thread (gpointer data)
{
  Waiter *w = data;

  w->slot = acquire_blocking (w->dir, 1, on_wait, w, w->cancellable,
      &w->error);
  w->done_us = g_get_monotonic_time ();
  return NULL;
}

static void
wait_for_ahead (Waiter * w, gint ahead)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_atomic_int_get (&w->ahead) != ahead
      && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  g_assert_cmpint (g_atomic_int_get (&w->ahead), ==, ahead);
}

/* Waiters are served in arrival order and know how many are ahead. */
static void
test_queue (void)
{
  char *dir = make_dir ();
  WanR2vSlot *held = take_now (dir, 1, NULL);
  Waiter w1 = { dir, NULL, NULL, NULL, -1, 0 };
  Waiter w2 = { dir, NULL, NULL, NULL, -1, 0 };
  GThread *t1, *t2;

  g_assert_nonnull (held);
  t1 = g_thread_new ("w1", wait_thread, &w1);
  wait_for_ahead (&w1, 0);
  t2 = g_thread_new ("w2", wait_thread, &w2);
  wait_for_ahead (&w2, 1);

  wanr2v_slot_release (held);
  g_thread_join (t1);
  g_assert_no_error (w1.error);
  g_assert_nonnull (w1.slot);
  wait_for_ahead (&w2, 0);
  g_assert_null (w2.slot);

  wanr2v_slot_release (w1.slot);
  g_thread_join (t2);
  g_assert_no_error (w2.error);
  g_assert_nonnull (w2.slot);
  wanr2v_slot_release (w2.slot);
  remove_dir (dir);
}

/* A stop while waiting returns at once, and leaves no ticket behind. */
static void
test_cancel (void)
{
  char *dir = make_dir ();
  WanR2vSlot *held = take_now (dir, 1, NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Waiter w = { dir, cancellable, NULL, NULL, -1, 0 };
  g_autofree char *queue = g_build_filename (dir, "slots", "queue", NULL);
  g_autoptr (GDir) d = NULL;
  GThread *t;
  gint64 cancelled_us;

  t = g_thread_new ("w", wait_thread, &w);
  wait_for_ahead (&w, 0);
  cancelled_us = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  g_thread_join (t);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  g_assert_null (w.slot);
  g_assert_cmpint (w.done_us - cancelled_us, <, G_USEC_PER_SEC / 4);
  d = g_dir_open (queue, 0, NULL);
  g_assert_null (g_dir_read_name (d));
  wanr2v_slot_release (held);
  remove_dir (dir);
}

/* A process killed with its slot gives it back through the kernel; its
 * dead ticket is swept by the next waiter. */
static void
test_crash (void)
{
  char *dir = make_dir ();
  g_autofree char *queue = NULL;
  g_autofree char *stale = NULL;
  int ready[2];
  char byte;
  pid_t child;
  WanR2vSlot *slot;

  g_assert_cmpint (pipe (ready), ==, 0);
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0) {
    WanR2vSlot *s = take_now (dir, 1, NULL);

    byte = s != NULL ? 'y' : 'n';
    if (write (ready[1], &byte, 1) != 1)
      _exit (1);
    pause ();
    _exit (0);
  }
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  g_assert_cmpint (byte, ==, 'y');
  g_assert_null (take_now (dir, 1, NULL));

  /* A ticket older than any, whose owner is gone (nobody locks it). */
  queue = g_build_filename (dir, "slots", "queue", NULL);
  stale = g_build_filename (queue, "0000000000000001-00000001-00000000",
      NULL);
  g_assert_true (g_file_set_contents (stale, "", 0, NULL));

  kill (child, SIGKILL);
  waitpid (child, NULL, 0);
  slot = acquire_blocking (dir, 1, NULL, NULL, NULL, NULL);
  g_assert_nonnull (slot);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  wanr2v_slot_release (slot);
  close (ready[0]);
  close (ready[1]);
  remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* First: fork before any thread exists. */
  g_test_add_func ("/slots/crash", test_crash);
  g_test_add_func ("/slots/limit", test_limit);
  g_test_add_func ("/slots/queue", test_queue);
  g_test_add_func ("/slots/cancel", test_cancel);
  return g_test_run ();
}
