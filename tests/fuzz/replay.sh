#!/bin/sh
# replay.sh TARGET DIR...: runs a fuzz target once on every file in the
# given directories (missing ones are skipped).  Files are passed one by one
# as arguments, so libFuzzer only reads them and never writes into a corpus.
set -eu
# GSlice would hide leaks and use-after-free from ASan.
export G_SLICE=always-malloc
target=$1
shift
files=$(for dir in "$@"; do
  [ -d "$dir" ] && find "$dir" -type f ! -name '.*' ! -name 'README*'
done | sort)
[ -n "$files" ] || { echo "no inputs in $*" >&2; exit 1; }
count=$(printf '%s\n' "$files" | wc -l)
# 77, libFuzzer's usual code for a crash, means "skipped" to meson.
# shellcheck disable=SC2086 # corpus file names have no spaces
"$target" -error_exitcode=1 -runs=1 $files
echo "replayed $count inputs"
