#!/bin/sh
# Several generations, unattended, within a budget: one video per line of
# PROMPTS (a file), each refused before anything is uploaded or created if
# its predicted cost is over MAX_SECONDS, and the whole batch stopped once
# the seconds spent would pass BUDGET.  The service's billed seconds are
# read from each run's wanr2v/task messages (gst-launch-1.0 -m).
#
#   BASE_URL=... API_KEY=... docs/examples/budget-batch.sh prompts.txt out/
#
# Images: IMAGES (a wanr2vsrc array, default the red sample image).
set -eu
prompts=$1
out=$2
MAX_SECONDS=${MAX_SECONDS:-15}
BUDGET=${BUDGET:-60}
IMAGES=${IMAGES:-<tests/data/red.png>}
: "${BASE_URL:=https://dashscope.aliyuncs.com/api/v1}"
: "${API_KEY:=$DASHSCOPE_API_KEY}"

# Seconds with two decimals, as whole hundredths (POSIX sh has no floats).
hundredths() {
  whole=${1%%.*}
  frac=${1#"$whole"}
  frac=$(printf '%s00' "${frac#.}" | cut -c1-2)
  frac=${frac#0}
  echo $((whole * 100 + ${frac:-0}))
}

mkdir -p "$out"
spent=0
n=0
while IFS= read -r prompt; do
  [ -n "$prompt" ] || continue
  n=$((n + 1))
  # A dry run first: the prediction, with nothing uploaded or created.
  predicted=$(gst-launch-1.0 -m wanr2vsrc base-url="$BASE_URL" \
      api-key="$API_KEY" prompt="$prompt" images="$IMAGES" dry-run=true \
      ! fakesink 2>/dev/null \
    | sed -n 's/.*wanr2v\/dry-run.*predicted-billed-seconds=(double)\([0-9.]*\).*/\1/p')
  if [ -z "$predicted" ]; then
    echo "video $n: the dry run failed; stopping" >&2
    exit 1
  fi
  cost=$(hundredths "$predicted")
  if [ $((spent + cost)) -gt $((BUDGET * 100)) ]; then
    echo "video $n ($predicted s) would take the batch over $BUDGET s:" \
      "stopping"
    break
  fi
  gst-launch-1.0 -q wanr2vsrc base-url="$BASE_URL" api-key="$API_KEY" \
      prompt="$prompt" images="$IMAGES" max-billed-seconds="$MAX_SECONDS" \
    ! filesink location="$out/video-$n.mp4"
  spent=$((spent + cost))
  echo "video $n: $out/video-$n.mp4 ($predicted s predicted," \
    "$((spent / 100)).$((spent % 100 / 10))$((spent % 10)) s so far)"
done < "$prompts"
