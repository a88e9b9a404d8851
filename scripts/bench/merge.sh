#!/bin/sh
# merge.sh -- benchmark of caascan merge: writes the P partition runs (default 4) of a synthetic
# inventory of N rows (default 1,000,000; tests/tools/mkrun --partition K/P, rows split by
# registered domain as scan --partition splits them), merges them, and checks that the merged
# run's export is the unpartitioned run's. Prints wall seconds and peak RSS (GNU time).
#
#   scripts/bench/merge.sh [N] [P]    BUILD=dir to reuse a build tree, KEEP=1 to keep the runs,
#                                     SHARDS=K shards a part (default 16), NOWHOLE=1 to skip the
#                                     unpartitioned run and the comparison
set -eu
N=${1:-1000000}
P=${2:-4}
SHARDS=${SHARDS:-16}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "merge.sh: $TIME missing (apt-get install time)" >&2; exit 2; }

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCAASCAN_SANITIZE=OFF >/dev/null
cmake --build "$BUILD" -j2 --target caascan mkrun >/dev/null
CAASCAN=$BUILD/scanner/caascan
MKRUN=$BUILD/tests/tools/mkrun
WORK=$(mktemp -d "${TMPDIR:-/tmp}/caascan-bench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

printf '%-40s %10s %12s\n' step seconds "peak RSS MB"
step() {
    label=$1
    shift
    "$TIME" -f '%e %M' -o "$WORK/time" "$@" || { echo "merge.sh: $label failed" >&2; exit 3; }
    tail -n 1 "$WORK/time" | awk -v l="$label" '{ printf "%-40s %10.2f %12.1f\n", l, $1, $2 / 1024 }'
}

[ "${NOWHOLE:-0}" = 1 ] || step "write the whole run ($N rows)" "$MKRUN" "$WORK/whole" "$N" --shards "$SHARDS"
parts=""
k=1
while [ "$k" -le "$P" ]; do
    "$MKRUN" "$WORK/part$k" "$N" --partition "$k/$P" --shards "$SHARDS"
    parts="$parts $WORK/part$k"
    k=$((k + 1))
done
# shellcheck disable=SC2086
step "merge $P partitions, $SHARDS shards" "$CAASCAN" merge -q -o "$WORK/merged" $parts
rows=$(jq '.tables.results.rows' "$WORK/merged/manifest.json")
if [ "${NOWHOLE:-0}" = 1 ]; then
    echo "merged: $rows rows from $P partitions"
    exit 0
fi
"$CAASCAN" export "$WORK/whole" | md5sum >"$WORK/a"
"$CAASCAN" export "$WORK/merged" | md5sum >"$WORK/b"
if cmp -s "$WORK/a" "$WORK/b"; then same=yes; else same=NO; fi
echo
echo "merged: $rows rows from $P partitions; export identical to the unpartitioned run: $same"
[ "$same" = yes ]
