/* wanr2v-slots.c: admission of tasks across pipelines and processes. */
#include "wanr2v-slots.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct _WanR2vSlot
{
  int fd;
  guint index;
};

static int
open_locked (const char *path, gboolean wait_for_it)
{
  int fd = g_open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (fd < 0)
    return -1;
  if (flock (fd, LOCK_EX | (wait_for_it ? 0 : LOCK_NB)) != 0) {
    int saved = errno;

    close (fd);
    errno = saved;
    return -1;
  }
  return fd;
}

static char *
slots_dir (const char *dir, GError ** error)
{
  char *path = g_build_filename (dir, "slots", "queue", NULL);

  if (g_mkdir_with_parents (path, 0700) != 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
        "Cannot create %s for the task slots: %s", path, g_strerror (saved));
    g_free (path);
    return NULL;
  }
  g_free (path);
  return g_build_filename (dir, "slots", NULL);
}

static WanR2vSlot *
take_free (const char *slots, guint max, GError ** error)
{
  guint i;

  for (i = 0; i < max; i++) {
    g_autofree char *name = g_strdup_printf ("slot-%u", i);
    g_autofree char *path = g_build_filename (slots, name, NULL);
    int fd = open_locked (path, FALSE);
    WanR2vSlot *slot;

    if (fd < 0) {
      if (errno == EWOULDBLOCK)
        continue;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
          "Cannot open the task slot %s: %s", path, g_strerror (errno));
      return NULL;
    }
    slot = g_new0 (WanR2vSlot, 1);
    slot->fd = fd;
    slot->index = i;
    return slot;
  }
  return NULL;
}

/* How many of the @max slots nobody holds right now (a moment's probe:
 * the answer may be stale by the time it is used, which only costs a
 * tick). */
static guint
count_free (const char *slots, guint max)
{
  guint i, n = 0;

  for (i = 0; i < max; i++) {
    g_autofree char *name = g_strdup_printf ("slot-%u", i);
    g_autofree char *path = g_build_filename (slots, name, NULL);
    int fd = open_locked (path, FALSE);

    if (fd >= 0) {
      n++;
      close (fd);
    }
  }
  return n;
}

/* Tickets are named so that their order is their arrival: microseconds of
 * real time, then the pid and a random tail against ties.  A ticket is
 * locked under a dot name first and renamed, so that no one ever sees an
 * unlocked live ticket and sweeps it. */
static int
take_ticket (const char *queue, char **name, GError ** error)
{
  g_autofree char *base = g_strdup_printf ("%016" G_GINT64_MODIFIER "d-%08d-"
      "%08x", g_get_real_time (), (int) getpid (), g_random_int ());
  g_autofree char *tmp_name = g_strconcat (".", base, NULL);
  g_autofree char *tmp = g_build_filename (queue, tmp_name, NULL);
  g_autofree char *path = g_build_filename (queue, base, NULL);
  int fd = open_locked (tmp, TRUE);

  if (fd < 0 || g_rename (tmp, path) != 0) {
    int saved = errno;

    if (fd >= 0) {
      g_unlink (tmp);
      close (fd);
    }
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
        "Cannot queue for a task slot in %s: %s", queue, g_strerror (saved));
    return -1;
  }
  *name = g_steal_pointer (&base);
  return fd;
}

/* Live tickets before @mine; dead ones (no lock: their process is gone)
 * are removed on the way. */
static guint
count_ahead (const char *queue, const char *mine)
{
  g_autoptr (GDir) d = g_dir_open (queue, 0, NULL);
  const char *name;
  guint ahead = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = NULL;
    int fd;

    if (name[0] == '.' || strcmp (name, mine) >= 0)
      continue;
    path = g_build_filename (queue, name, NULL);
    fd = open (path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      continue;
    if (flock (fd, LOCK_EX | LOCK_NB) == 0)
      g_unlink (path);          /* its owner died */
    else
      ahead++;
    close (fd);
  }
  return ahead;
}

struct _WanR2vSlotTicket
{
  char *slots;                  /* <dir>/slots */
  char *queue;                  /* <dir>/slots/queue */
  char *name;                   /* of the ticket file in queue */
  int fd;                       /* its lock */
  guint max;
};

WanR2vSlotTicket *
wanr2v_slot_ticket_new (const char *dir, guint max, GError ** error)
{
  WanR2vSlotTicket *t;
  char *slots;

  g_return_val_if_fail (dir != NULL && max > 0, NULL);

  if ((slots = slots_dir (dir, error)) == NULL)
    return NULL;
  t = g_new0 (WanR2vSlotTicket, 1);
  t->slots = slots;
  t->queue = g_build_filename (slots, "queue", NULL);
  t->max = max;
  if ((t->fd = take_ticket (t->queue, &t->name, error)) < 0) {
    t->fd = -1;
    wanr2v_slot_ticket_free (t);
    return NULL;
  }
  return t;
}

WanR2vSlot *
wanr2v_slot_ticket_try (WanR2vSlotTicket * ticket, guint * ahead,
    GError ** error)
{
  guint before = count_ahead (ticket->queue, ticket->name);

  if (ahead)
    *ahead = before;
  /* In ticket order, as far as free slots go: with two free slots the
   * first two waiters both take one. */
  if (before == 0 || before < count_free (ticket->slots, ticket->max))
    return take_free (ticket->slots, ticket->max, error);
  return NULL;
}

void
wanr2v_slot_ticket_free (WanR2vSlotTicket * ticket)
{
  if (ticket == NULL)
    return;
  if (ticket->fd >= 0) {
    g_autofree char *path = g_build_filename (ticket->queue, ticket->name,
        NULL);

    g_unlink (path);
    close (ticket->fd);
  }
  g_free (ticket->slots);
  g_free (ticket->queue);
  g_free (ticket->name);
  g_free (ticket);
}

guint
wanr2v_slot_index (const WanR2vSlot * slot)
{
  return slot->index;
}

void
wanr2v_slot_release (WanR2vSlot * slot)
{
  if (slot == NULL)
    return;
  close (slot->fd);
  g_free (slot);
}
