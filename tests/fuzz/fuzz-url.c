/* fuzz-url.c: reference strings as users type them (paths, file://,
 * http(s)://, oss://, data:). */
#include "fuzz-common.h"
#include "wanr2v-request.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  g_autofree char *url = fuzz_dup_string (data, size);
  g_autofree char *path = NULL;
  WanR2vUrlKind kind;

  kind = wanr2v_url_classify (url);
  if (kind > WANR2V_URL_DATA)
    fuzz_fail ("classify returned %d", kind);
  if (*url == '\0' && kind != WANR2V_URL_INVALID)
    fuzz_fail ("the empty string is a valid reference");

  path = wanr2v_url_to_local_path (url);
  /* A local path exactly for local references, and never an empty one. */
  if ((path != NULL) != (kind == WANR2V_URL_LOCAL))
    fuzz_fail ("kind %d but local path %s", kind, path ? path : "(null)");
  if (path != NULL && *path == '\0')
    fuzz_fail ("\"%s\" gives an empty local path", url);
  if (kind == WANR2V_URL_DATA && g_ascii_strncasecmp (url, "data:", 5) != 0)
    fuzz_fail ("\"%s\" is a data: URI", url);
  return 0;
}
