#!/usr/bin/env bash
# tools/fuzz.sh [SECONDS_PER_TARGET] [extra libFuzzer args]
#
# Builds the libFuzzer targets of tests/fuzz in ./build-fuzz (clang, ASan,
# UBSan, coverage-instrumented core library) and runs each for the given
# time (default 20 s) on a copy of its corpus; the committed corpus is never
# written to.  Prints per target the executions, coverage and result, then
# "N passed, M failed"; exits 1 when any target crashed.  Crash inputs are
# kept in build-fuzz/tests/fuzz/run/<target>/artifacts/.
# Installs nothing: needs clang and libclang-rt-14-dev
# (tools/debian-packages.txt).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${WANR2V_FUZZ_BUILD:-build-fuzz}

seconds=${1:-20}
[ $# -gt 0 ] && shift
case $seconds in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [libFuzzer args]" >&2
    exit 2 ;;
esac

command -v clang >/dev/null || {
  echo "clang is not installed (apt-get install clang libclang-rt-14-dev)" >&2
  echo "0 passed, 1 failed"
  exit 1
}

if [ ! -f "$build/build.ninja" ]; then
  # fuzzer-no-link: coverage hooks in the core library, so libFuzzer sees
  # its branches.  no-sanitize-recover: UBSan findings abort, so libFuzzer
  # records them.  b_lundef=false: clang's sanitizer runtimes live in the
  # executables, not in the plugin's shared module.
  CC=clang meson setup "$build" -Dfuzzing=true -Db_lundef=false \
      -Db_sanitize=address,undefined \
      -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all' \
      >"$build.setup.log" 2>&1 || {
    cat "$build.setup.log" >&2
    echo "0 passed, 1 failed"
    exit 1
  }
  rm -f "$build.setup.log"
fi

# The targets are whatever tests/fuzz/meson.build declares.
mapfile -t targets < <(meson introspect "$build" --targets | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t["name"].startswith("fuzz-"):
        print(t["name"])' | sort)
if [ ${#targets[@]} -eq 0 ]; then
  echo "$build has no fuzz targets (configured without -Dfuzzing=true?)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

meson compile -C "$build" "${targets[@]}" >"$build/fuzz-compile.log" 2>&1 || {
  cat "$build/fuzz-compile.log" >&2
  echo "0 passed, ${#targets[@]} failed"
  exit 1
}

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:\
detect_stack_use_after_return=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# GSlice would hide leaks and use-after-free from ASan.
export G_SLICE=always-malloc
# Real keys and endpoints have no business here.
unset DASHSCOPE_API_KEY DASHSCOPE_HTTP_BASE_URL

passed=0
failed=0
for target in "${targets[@]}"; do
  exe=$build/tests/fuzz/$target
  run=$build/tests/fuzz/run/$target
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts"
  cp -r "$root/tests/fuzz/corpus/$target/." "$run/corpus/"
  # Saved crash inputs are read as well: a bug that is back fails at once.
  # New inputs go to the first directory only, the copy.
  dirs=("$run/corpus")
  [ -d "tests/fuzz/crashes/$target" ] && dirs+=("tests/fuzz/crashes/$target")
  dict=()
  [ -f "tests/fuzz/$target.dict" ] && dict=("-dict=tests/fuzz/$target.dict")

  "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$run/artifacts/" \
      "${dict[@]}" "$@" "${dirs[@]}" >"$run/log" 2>&1
  status=$?

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/log")
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$run/log" | tail -n 1)
  if [ $status -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS $target: ${execs:-?} execs (${speed:-?}/s), ${cov:-no coverage}"
  else
    failed=$((failed + 1))
    echo "FAIL $target (exit $status): ${execs:-?} execs, ${cov:-no coverage}"
    grep -aE 'ERROR: |runtime error|fuzz invariant|CRITICAL|WARNING|Test unit written' \
        "$run/log" | head -n 5 | sed 's/^/    /'
    echo "    log: $run/log"
  fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
