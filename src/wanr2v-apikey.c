/* wanr2v-apikey.c: what an API key may contain (see wanr2v-client.h). */
#include "wanr2v-client.h"

gssize
wanr2v_client_key_bad_char (const char *api_key)
{
  const char *c;

  for (c = api_key ? api_key : ""; *c; c++)
    if (g_ascii_iscntrl (*c))
      return c - api_key;
  return -1;
}
