#!/usr/bin/env bash
# The demo: installs what is needed, builds, starts the bundled emulator on
# 127.0.0.1, generates a video from two sample reference images with
# wanr2vsrc, and leaves it in ./out.mp4.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

tools/install-deps.sh
tools/build.sh

export GST_PLUGIN_PATH="$top/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
workdir=$(mktemp -d)
trap 'kill "$emulator_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$workdir"' EXIT

build/src/emulator/wanr2v-emulator --port 0 --port-file "$workdir/port" \
  --api-key demo-key --pending-ms 500 --running-ms 1500 &
emulator_pid=$!
for _ in $(seq 100); do
  [ -s "$workdir/port" ] && break
  # It refuses to start, naming the package, when an element is missing.
  kill -0 "$emulator_pid" 2>/dev/null || { echo "The emulator did not start"\
    " (its message is above)." >&2; exit 1; }
  sleep 0.1
done
[ -s "$workdir/port" ] || { echo "The emulator did not start in 10 s." >&2;
  exit 1; }
port=$(cat "$workdir/port")

gst-launch-1.0 wanr2vsrc \
    base-url="http://127.0.0.1:$port/api/v1" api-key=demo-key \
    cache-dir="$workdir/cache" \
    prompt="Image 1 and Image 2 meet in the storyboard of Image 3" \
    images="<\"$top/tests/data/red.png\", \"$top/tests/data/green.jpg\", \"$top/tests/data/storyboard.png\">" \
    resolution=720P ratio=16:9 duration=5 \
  ! filesink location="$top/out.mp4"

gst-discoverer-1.0 "$top/out.mp4"
echo "Wrote $top/out.mp4"
