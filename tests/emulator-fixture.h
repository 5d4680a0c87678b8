/* emulator-fixture.h: runs wanr2v-emulator for a test.
 *
 * GStreamer-free (GLib, libsoup, json-glib).  The emulator binary comes from
 * $WANR2V_EMULATOR, which tests/meson.build sets.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _EmuFixture EmuFixture;

/* Spawns $WANR2V_EMULATOR --port 0 --port-file <tmp> --api-key test-key
 * --pending-ms 100 --running-ms 300 <extra_args...> (extra args appended,
 * so they may override), waits (<= 10 s) for the port file, and aborts the
 * test with a clear message on failure.  The emulator gets SIGTERM if the
 * thread that started it exits (Linux): start it from the test's main
 * thread. */
EmuFixture *emu_fixture_start (const char *const *extra_args);

/* "http://127.0.0.1:PORT/api/v1" */
const char *emu_fixture_base_url (EmuFixture * f);
/* "test-key" */
const char *emu_fixture_api_key (EmuFixture * f);
/* The API port. */
guint emu_fixture_port (EmuFixture * f);

/* GET /__emulator/requests: every request either listener received, in
 * order.  Caller unrefs. */
JsonArray *emu_fixture_get_requests (EmuFixture * f);

/* GET /__emulator/tasks.  Caller unrefs. */
JsonArray *emu_fixture_get_tasks (EmuFixture * f);

/* How many logged requests have @method (NULL: any) and a path starting
 * with @path_prefix (NULL: any). */
guint emu_fixture_count_requests (EmuFixture * f, const char *method,
    const char *path_prefix);

/* Faults (see docs/emulator.md).  POST /__emulator/faults with @spec, a
 * SPEC string such as "create:status=429,count=2"; aborts the test when
 * the emulator refuses it. */
void emu_fixture_add_fault (EmuFixture * f, const char *spec);

/* POST /__emulator/faults with @json (a fault object, a SPEC string in
 * quotes, or an array of those).  Returns the HTTP status (200, or 400
 * for a fault the emulator refuses). */
guint emu_fixture_post_faults (EmuFixture * f, const char *json);

/* GET /__emulator/faults: every fault with its "seen" and "fired"
 * counts.  Caller unrefs. */
JsonArray *emu_fixture_get_faults (EmuFixture * f);

/* DELETE /__emulator/faults. */
void emu_fixture_clear_faults (EmuFixture * f);

/* POST /__emulator/config with @json, e.g. {"download_rate": 100000};
 * aborts the test when refused.  Returns the new config (caller
 * unrefs). */
JsonObject *emu_fixture_set_config (EmuFixture * f, const char *json);

/* POST /__emulator/reset: forgets the request log, the tasks and the
 * faults. */
void emu_fixture_reset (EmuFixture * f);

/* How many times slower than normal this run is: $WANR2V_TEST_TIME_SCALE
 * (a positive number; 1 when unset or invalid).  tools/test-asan.sh and
 * tools/test-valgrind.sh set it, since the sanitizers slow every process,
 * the emulator's renderer included.  Tests multiply their own wall-clock
 * limits (deadlines, "took less than" checks) by it, never the durations
 * they ask for (timeouts given to the element, emulator delays). */
double emu_fixture_time_scale (void);

/* @seconds times emu_fixture_time_scale (), in the units callers need. */
gint64 emu_fixture_scaled_us (double seconds);
guint64 emu_fixture_scaled_ns (double seconds);  /* e.g. a GstClockTime */
guint emu_fixture_scaled_s (double seconds);

/* SIGTERM, wait, free; NULL-safe. */
void emu_fixture_stop (EmuFixture * f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuFixture, emu_fixture_stop)

/* Test files, shared by every suite that uses the fixture. */

/* @name in the tests' data directory ($WANR2V_TEST_DATA, set by meson). */
char *emu_fixture_data_path (const char *name);

/* Removes @path and everything below it (a symbolic link is removed, not
 * followed). */
void emu_fixture_remove_tree (const char *path);

G_END_DECLS
