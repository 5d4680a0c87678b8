/* fuzz-common.c: the set-up every fuzz target shares. */
#include "fuzz-common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* GSlice hands out memory from its own chunks, which hides leaks and
   * use-after-free from ASan (json-glib allocates its nodes that way).  It
   * reads G_SLICE once, in a constructor that has run by now: start over
   * with it set. */
  if (g_strcmp0 (g_getenv ("G_SLICE"), "always-malloc") != 0) {
    g_setenv ("G_SLICE", "always-malloc", TRUE);
    execv ("/proc/self/exe", *argv);
    perror ("execv /proc/self/exe");
    exit (1);
  }

  /* A g_return_if_fail () or a warning from json-glib means the code under
   * test fed a library something it should have checked first: a bug, so
   * make it a crash that libFuzzer records. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (fuzz_target_init != NULL)
    fuzz_target_init (argc, argv);
  return 0;
}

void
fuzz_fail (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fputs ("fuzz invariant broken: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  abort ();
}

char *
fuzz_dup_string (const uint8_t * data, size_t size)
{
  return g_strndup ((const char *) data, size);
}
