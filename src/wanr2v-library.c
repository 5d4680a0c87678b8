/* wanr2v-library.c: a shared library opened on first use (see
 * wanr2v-library.h). */
#include "wanr2v-library.h"
#include "wanr2v-error.h"

#include <gmodule.h>

/* NULL on success; otherwise why @file cannot be used (free it). */
static char *
open_file (const char *file, const char *purpose,
    const WanR2vSymbol * symbols, gsize n_symbols)
{
  GModule *module;
  gsize i;

  /* Local binding: nothing else in the process starts resolving its own
   * symbols against this library. */
  module = g_module_open (file, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    return g_strdup_printf ("%s needs %s, which could not be loaded: %s",
        purpose, file, g_module_error ());
  for (i = 0; i < n_symbols; i++) {
    if (!g_module_symbol (module, symbols[i].name, symbols[i].address)
        || *symbols[i].address == NULL) {
      const char *why = g_module_error ();
      char *failure = g_strdup_printf ("%s needs %s, whose %s is missing%s%s",
          purpose, file, symbols[i].name, why ? ": " : "", why ? why : "");

      g_module_close (module);
      return failure;
    }
  }
  g_module_make_resident (module);
  g_debug ("%s: loaded %s", purpose, g_module_name (module));
  return NULL;
}

static gpointer
open_once (gpointer data)
{
  WanR2vLibrary *library = data;
  const char *file = library->env ? g_getenv (library->env) : NULL;
  char *failure;

  failure = open_file (file && *file ? file : library->file,
      library->purpose, library->symbols, library->n_symbols);
  if (failure == NULL && library->opened)
    library->opened ();
  /* The answer for the rest of the process: NULL when loaded. */
  return failure;
}

gboolean
wanr2v_library_load (WanR2vLibrary * library, GError ** error)
{
  const char *failure = g_once (&library->once, open_once, library);

  if (failure != NULL) {
    g_set_error_literal (error, WANR2V_ERROR, WANR2V_ERROR_UNAVAILABLE,
        failure);
    return FALSE;
  }
  return TRUE;
}

gboolean
wanr2v_library_is_loaded (WanR2vLibrary * library)
{
  g_return_val_if_fail (wanr2v_library_load (library, NULL), FALSE);
  return TRUE;
}
