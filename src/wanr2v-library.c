/* wanr2v-library.c: a shared library opened on first use (see
 * wanr2v-library.h). */
#include "wanr2v-library.h"

#include <gmodule.h>

char *
wanr2v_library_open (const char *file, const char *purpose,
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
