#!/usr/bin/env bash
# The performance benchmark (docs/benchmarks.md): builds, then runs every
# case against the bundled emulator on 127.0.0.1, each measured against
# its reference in the same run.  Prints the machine, one line per case
#   case: measured X vs reference Y = ratio R (target T) PASS|FAIL
# and a final "N passed, M failed".  Takes about 5 minutes.
#
#   tools/bench.sh [BUILD-DIR] [--cases 1,2,...]
#
# BUILD-DIR defaults to build-bench (the default debugoptimized).  Scratch
# files (up to about 1.5 GB at once) go to BUILD-DIR/bench-work and are
# removed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."

build=build-bench
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  build=$1
  shift
fi

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
fi
meson compile -C "$build" >/dev/null \
  || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

for tool in gst-launch-1.0 curl; do
  command -v $tool >/dev/null \
    || { echo "$tool is missing"; echo "0 passed, 1 failed"; exit 1; }
done

work=$PWD/$build/bench-work
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores (nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
free -h | sed 's/^/  /'
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); build: $build ($(meson introspect --buildoptions "$build" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))' 2>/dev/null || echo '?'))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

export GST_PLUGIN_PATH=$PWD/$build/gst
export GST_REGISTRY_1_0=$work/registry.bin
export WANR2V_EMULATOR=$PWD/$build/src/emulator/wanr2v-emulator
export XDG_CACHE_HOME=$work/xdg-cache
# Keys and URLs are given explicitly; a developer's real ones stay out.
export DASHSCOPE_API_KEY=
export DASHSCOPE_HTTP_BASE_URL=

"$build/tests/bench/wanr2v-bench" --work "$work" \
  --data "$PWD/tests/data" --run "$build/tests/bench/wanr2v-bench-run" "$@"
