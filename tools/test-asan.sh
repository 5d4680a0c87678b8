#!/usr/bin/env bash
# The whole test suite (as tools/test.sh) built with AddressSanitizer,
# LeakSanitizer and UndefinedBehaviorSanitizer, in ./build-asan.  Any report
# is fatal: the process that hits it exits non-zero, and a test whose output
# shows a report from any of its processes (the emulator is a child that the
# fixture stops with SIGTERM, so its exit code is not seen) counts as failed.
# Ends with a line "N passed, M failed".  Extra arguments go to `meson test`
# (e.g. --suite element).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${WANR2V_ASAN_BUILD:-build-asan}

tools/install-deps.sh || exit 1
# b_lundef=false: the plugin is a shared module whose __asan_* symbols
# come from the runtime in the test executable, not from its own link.
# Optimised (-O2 -g): at -O0 the emulator renders too slowly under ASan for
# the tests' own deadlines.
options="-Db_sanitize=address,undefined -Db_lundef=false \
-Dbuildtype=debugoptimized"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" $options || { echo "0 passed, 1 failed"; exit 1; }
else
  meson configure "$build" $options >/dev/null ||
    { echo "0 passed, 1 failed"; exit 1; }
fi
meson compile -C "$build" || { echo "0 passed, 1 failed"; exit 1; }

# Every instrumented program links libasan first.  GStreamer itself and the
# system plugins are not instrumented, which is fine: their allocations go
# through the ASan allocator all the same.  tests/meson.build sets
# GST_REGISTRY_FORK=no, so plugins are scanned in the test process and no
# uninstrumented gst-plugin-scanner is spawned; its GST_REGISTRY_1_0 lives in
# the build directory, so this build never shares a registry with ./build.
# The emulator is built here with the sanitizers too.  Some tests also start
# programs that are not ours (gst-launch-1.0, gst-play-1.0, python3 with
# GObject introspection) which load our instrumented plugin: the ASan
# runtime must be loaded before anything else there, so every test runs
# through a wrapper that preloads it (meson itself does not get it).  Leaks
# in those foreign programs are theirs; tests/lsan.supp ignores them.
# libstdc++ is preloaded as well: otherwise ASan cannot find the real
# __cxa_throw when a C program later dlopen()s C++ code that throws
# (libproxy, GIO's proxy resolver, does) and aborts with "CHECK failed:
# real___cxa_throw".
asan_rt="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libstdc++.so)"
export WANR2V_ASAN_RUNTIME=$asan_rt

# fast_unwind_on_malloc=0: Debian's GLib has no frame pointers, so the fast
# unwinder stops at g_malloc: leak reports would not show who allocated,
# and the suppressions (which name functions further up) would not match.
# It makes allocation-heavy tests several times slower (tests/unit json's
# robustness test most), hence the timeout multiplier below.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:\
print_stacktrace=1:fast_unwind_on_malloc=0:check_initialization_order=1:\
detect_odr_violation=1:exitcode=66"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0:\
fast_unwind_on_malloc=0:exitcode=23"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=67:\
suppressions=$root/tests/ubsan.supp"
# GLib's slice allocator would hide use-after-free from ASan.
export G_SLICE=always-malloc
export G_DEBUG=gc-friendly
# Instrumented code is 2-5 times slower: give gst-check and meson room.
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
# The emulator (renderer included) is instrumented too, and every process
# is several times slower: the tests stretch their own wall-clock limits
# (deadlines, "took less than" checks) by this factor (see
# emu_fixture_time_scale() in tests/emulator-fixture.h).  Plain runs leave
# it unset: 1.
export WANR2V_TEST_TIME_SCALE=${WANR2V_TEST_TIME_SCALE:-5}
# The element bounds the inspection of one reference file (10 s); at
# GST_DEBUG=*:9 under ASan that is not enough.
export WANR2V_INSPECT_TIMEOUT=${WANR2V_INSPECT_TIMEOUT:-60}

# Build the registry once, before tests run in parallel: with
# GST_REGISTRY_FORK=no the first process scans every system plugin itself,
# which under ASan takes longer than the emulator fixture waits for its
# port.  The element suite's property tests are quick and need no emulator.
CK_RUN_CASE=properties meson test -C "$build" --suite element \
    --wrapper "env LD_PRELOAD='$asan_rt'" >/dev/null ||
  echo "warning: registry warm-up failed" >&2

# The deps suite checks this machine's packages with the system's own
# programs (gst-inspect-1.0, dpkg-query), none of them ours: under the
# preloaded runtime they only report their own leaks.  tools/test.sh runs it.
meson test -C "$build" --print-errorlogs --num-processes 2 \
    --timeout-multiplier 5 --wrapper "env LD_PRELOAD='$asan_rt'" \
    --no-suite deps "$@"
status=$?

# meson names the log after the wrapper's program.
/usr/bin/python3 - "$build/meson-logs/testlog-env.json" <<'PY'
import json, re, sys
report = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|"
                    r"runtime error: |SUMMARY: UndefinedBehaviorSanitizer")
passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        r = t.get("result")
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        if r in ("OK", "EXPECTEDFAIL") and report.search(out):
            print(f"sanitizer report in {t['name']} (a child process):",
                  file=sys.stderr)
            r = "SANITIZER"
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
PY
summary=$?
[ $status -eq 0 ] && status=$summary
exit $status
