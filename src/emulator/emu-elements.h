/* emu-elements.h: the GStreamer elements the emulator needs, and the
 * Debian packages that hold them.
 *
 * The emulator checks them all when it starts and refuses to start when one
 * is missing, so that no task ever ends FAILED because of the emulator's
 * own setup.  The renderer creates elements only through this table, and
 * the suite's dependency test (tests/deps) checks every entry against the
 * install step's package list.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *name;             /* element factory name */
  const char *package;          /* the Debian 12 package that holds it */
  const char *purpose;          /* why the emulator needs it */
} EmuElement;

/* The whole table, terminated by an entry whose name is NULL. */
const EmuElement *emu_elements_table (void);

/* TRUE when @name is in the table: the renderer refuses to create any
 * element that is not, so that the table cannot fall behind the code. */
gboolean emu_elements_is_declared (const char *name);

/* Looks every element up in the GStreamer registry (gst_init() first).
 * Returns the missing ones (borrowed EmuElement pointers), or NULL when
 * all are there. */
GPtrArray *emu_elements_missing (void);

G_END_DECLS
