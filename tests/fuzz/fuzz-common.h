/* fuzz-common.h: what every fuzz target shares. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/* The libFuzzer entry points (fuzz-common.c defines the initialiser). */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* Optional: a target that needs more set-up (GStreamer) defines it; it runs
 * once, at the end of LLVMFuzzerInitialize, with criticals already fatal. */
void fuzz_target_init (int *argc, char ***argv) __attribute__ ((weak));

/* Stops the run with a message: libFuzzer saves the input as a crash.  For
 * broken invariants, which no sanitizer would notice. */
G_NORETURN void fuzz_fail (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* @data as a NUL-terminated string (cut at its first NUL byte). */
char *fuzz_dup_string (const uint8_t * data, size_t size);

G_END_DECLS
