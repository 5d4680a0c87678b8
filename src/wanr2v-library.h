/* wanr2v-library.h: a shared library opened on first use.
 *
 * What a cache hit does not need is not linked but opened when first
 * needed (libsoup by wanr2v-soup, GStreamer's pbutils by the element):
 * linking them would make every process that loads the plugin map their
 * whole dependency trees at start-up.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A function to resolve: its name and where its address goes. */
typedef struct
{
  const char *name;
  gpointer *address;
} WanR2vSymbol;

/* Opens @file (a soname or a path), sets every symbol's address and keeps
 * the library loaded for the rest of the process (libraries that register
 * GTypes cannot be unloaded).  NULL on success; otherwise a message for
 * people naming @file, the missing symbol if that is what is missing, and
 * @purpose, what the library is needed for (free it); the library is then
 * not kept.  Not thread-safe on its own: call it under a g_once. */
char *wanr2v_library_open (const char *file, const char *purpose,
    const WanR2vSymbol * symbols, gsize n_symbols);

G_END_DECLS
