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

/* One library opened on first use: what to open and resolve, given by its
 * loader as a static; the rest is this file's. */
typedef struct
{
  /* An environment variable naming another file to open (tests use it to
   * simulate a missing library), or NULL. */
  const char *env;
  const char *file;             /* the soname */
  /* What the library is needed for, for people: "HTTP". */
  const char *purpose;
  const WanR2vSymbol *symbols;
  gsize n_symbols;
  /* Run once after a successful open, or NULL. */
  void (*opened) (void);
  /* Private. */
  GOnce once;
} WanR2vLibrary;

/* Opens @library the first time (thread-safe), sets every symbol's address
 * and keeps the library loaded for the rest of the process (libraries
 * that register GTypes cannot be unloaded).  Otherwise FALSE, with an
 * error naming the file, the missing symbol if that is what is missing,
 * and what it is needed for; the library is then not kept, and the
 * answer stays the same. */
gboolean wanr2v_library_load (WanR2vLibrary * library, GError ** error);

/* TRUE once @library is loaded: a wrapper called before that is a
 * programming error, reported (g_return_val_if_fail) and not followed. */
gboolean wanr2v_library_is_loaded (WanR2vLibrary * library);

/* The body of a wrapper of @function through @table (a struct of function
 * pointers that @library filled): returns @fallback when not loaded. */
#define WANR2V_LIBRARY_CALL(library, table, function, fallback, ...) \
  G_STMT_START { \
    if (!wanr2v_library_is_loaded (library)) \
      return fallback; \
    return (table).function (__VA_ARGS__); \
  } G_STMT_END

#define WANR2V_LIBRARY_CALL_VOID(library, table, function, ...) \
  G_STMT_START { \
    if (wanr2v_library_is_loaded (library)) \
      (table).function (__VA_ARGS__); \
  } G_STMT_END

G_END_DECLS
