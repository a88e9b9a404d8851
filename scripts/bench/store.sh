#!/bin/sh
# store.sh -- benchmark of the run store: writes two synthetic runs of N rows (default 1,000,000;
# the second a "next night" with 2 % of rows changed), then exports, diffs and reports them.
# Prints wall seconds and peak RSS of each step (GNU time, package `time`) and bytes per row on
# disk. Needs tests/tools built (tests/CMakeLists.txt: add_subdirectory(tools)).
#
#   scripts/bench/store.sh [N]        BUILD=dir to reuse a build tree, KEEP=1 to keep the runs
set -eu
N=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "store.sh: $TIME missing (apt-get install time)" >&2; exit 2; }

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCAASCAN_SANITIZE=OFF >/dev/null
cmake --build "$BUILD" -j2 --target caascan mkrun >/dev/null
CAASCAN=$BUILD/scanner/caascan
MKRUN=$BUILD/tests/tools/mkrun
WORK=$(mktemp -d "${TMPDIR:-/tmp}/caascan-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

printf '%-34s %10s %12s\n' step seconds "peak RSS MB"
# step LABEL CMD...: runs CMD under GNU time (exit status 1 is diff's "new failures", not an error).
step() {
    label=$1
    shift
    st=0
    "$TIME" -f '%e %M' -o "$WORK/time" "$@" || st=$?
    [ "$st" -le 1 ] || { echo "store.sh: $label failed ($st)" >&2; exit 3; }
    tail -n 1 "$WORK/time" | awk -v l="$label" '{ printf "%-34s %10.2f %12.1f\n", l, $1, $2 / 1024 }'
}

step "write run 1 ($N rows, 16 shards)" "$MKRUN" "$WORK/night1" "$N" --seed 1
step "write run 2 (2 % changed, 7 shards)" "$MKRUN" "$WORK/night2" "$N" --seed 2 --perturb 0.02 \
    --shards 7
step "export csv" "$CAASCAN" export "$WORK/night2" -o "$WORK/all.csv"
step "export --status FAIL jsonl" "$CAASCAN" export "$WORK/night2" --status FAIL --format jsonl \
    -o "$WORK/fail.jsonl"
step "diff" "$CAASCAN" diff -q "$WORK/night1" "$WORK/night2" -o "$WORK/diff.csv"
step "report --by certificate" "$CAASCAN" report "$WORK/night2" --by certificate -o "$WORK/rep1.txt"
step "report --by nameserver" "$CAASCAN" report "$WORK/night2" --by nameserver -o "$WORK/rep2.txt"

rows=$(jq '.tables.results.rows' "$WORK/night1/manifest.json")
bytes=$(cat "$WORK"/night1/results-*.csv.zst | wc -c)
raw=$(wc -c < "$WORK/all.csv")
echo
echo "run 1: $rows rows, $bytes bytes of result shards: $((bytes / rows)) bytes/row compressed" \
     "($(( raw / rows )) bytes/row as CSV)"
echo "diff: $(($(wc -l < "$WORK/diff.csv") - 1)) changed names"
