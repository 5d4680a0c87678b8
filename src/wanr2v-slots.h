/* wanr2v-slots.h: admission of tasks across pipelines and processes.
 *
 * The service admits a limited number of tasks in progress per account
 * (5).  Pipelines that share a cache directory, in one process or many,
 * share that budget through slot files in "<dir>/slots": holding a slot is
 * holding an exclusive flock() on one of "slot-0" .. "slot-<max-1>", so a
 * process that dies, even by kill -9, gives its slots back through the
 * kernel.  Waiters queue with a ticket file of their own, also locked while
 * they live, so each can tell how many wait ahead of it; tickets of the
 * dead are swept.  Slots are taken in ticket order, as far as free slots
 * allow.
 *
 * Nothing here blocks: a waiter takes a ticket and tries it now and then.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _WanR2vSlot WanR2vSlot;

/* Waiting in steps that never block, for a thread with other work (a
 * job's HTTP thread): take a ticket, then try it now and then. */
typedef struct _WanR2vSlotTicket WanR2vSlotTicket;

/* Joins the queue of @dir for one of @max slots. */
WanR2vSlotTicket *wanr2v_slot_ticket_new (const char *dir, guint max,
    GError ** error);

/* Takes a slot if it is this ticket's turn and one is free; otherwise
 * returns NULL and sets *@ahead (when not NULL) to the waiters before it.
 * NULL with @error set when the directory fails. */
WanR2vSlot *wanr2v_slot_ticket_try (WanR2vSlotTicket * ticket, guint * ahead,
    GError ** error);

/* Leaves the queue (whether or not a slot was taken). */
void wanr2v_slot_ticket_free (WanR2vSlotTicket * ticket);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vSlotTicket, wanr2v_slot_ticket_free)

/* Which slot, 0 .. max-1. */
guint wanr2v_slot_index (const WanR2vSlot * slot);

/* Gives the slot back. */
void wanr2v_slot_release (WanR2vSlot * slot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WanR2vSlot, wanr2v_slot_release)

G_END_DECLS
