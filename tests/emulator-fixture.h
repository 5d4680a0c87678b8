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

/* POST /__emulator/reset: forgets the request log and the tasks. */
void emu_fixture_reset (EmuFixture * f);

/* SIGTERM, wait, free; NULL-safe. */
void emu_fixture_stop (EmuFixture * f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuFixture, emu_fixture_stop)

G_END_DECLS
