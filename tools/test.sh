#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test
# (against the bundled emulator on 127.0.0.1 only), then runs each fuzz
# target for a short budget on its seed corpus (WANR2V_FUZZ_SECONDS, default
# 10; 0 skips it), and ends with one line "N passed, M failed".
# Extra arguments go to `meson test`.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh || exit 1
tools/build.sh || { echo "0 passed, 1 failed"; exit 1; }

meson test -C build --print-errorlogs --num-processes 2 "$@"
status=$?

read -r passed failed skipped < <(/usr/bin/python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(passed, failed, skipped)
PY
)

fuzz_seconds=${WANR2V_FUZZ_SECONDS:-10}
if [ "$fuzz_seconds" != 0 ]; then
  fuzz_log=$(mktemp)
  tools/fuzz.sh "$fuzz_seconds" 2>&1 | tee "$fuzz_log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  if summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$fuzz_log" | tail -1); then
    passed=$((passed + $(echo "$summary" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$summary" | cut -d' ' -f3)))
  else
    failed=$((failed + 1))
    status=1
  fi
  rm -f "$fuzz_log"
fi

echo "$passed passed, $failed failed$([ "$skipped" -gt 0 ] && echo ", $skipped skipped")"
exit $status
