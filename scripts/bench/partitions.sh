#!/usr/bin/env bash
# partitions.sh -- the scan benchmark's world and names (CUSTOMERS zones x NAMES_PER_ZONE names,
# default 5,000 x 20 = 100,000, all zones on the same two provider addresses) scanned as one run,
# then as P partitions (default 4) side by side with the budgets shared (--qps QPS and
# --auth-qps AUTH_QPS are the job's), then merged. Prints per run: wall time, queries, the busiest
# second of one authoritative address (caascan's own figure, summed over the partitions), zones
# probed by more than one partition (from caascan merge), and whether the merged rows' names and
# statuses are the single run's.
set -euo pipefail
CAASCAN=${CAASCAN:?set CAASCAN to the caascan binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUSTOMERS=${CUSTOMERS:-5000}
PER_ZONE=${PER_ZONE:-20}
QPS=${QPS:-20000}
AUTH_QPS=${AUTH_QPS:-2000}
P=${P:-4}

if [ "${BENCH_IN_WORLD:-}" != 1 ]; then
    W=$(mktemp -d /tmp/caascan-bench-parts.XXXXXX)
    trap 'rm -rf "$W"' EXIT
    bash "$ROOT/scripts/world.sh" build "$W/world" --customers "$CUSTOMERS" --names-per-zone "$PER_ZONE" 2>/dev/null
    CANNEDNS=${CANNEDNS:-$(dirname "$CAASCAN")/../tests/world/cannedns}
    BENCH_IN_WORLD=1 BENCH_TMP=$W CANNEDNS=$CANNEDNS bash "$ROOT/scripts/world.sh" run "$W/world" -- bash "$0"
    exit
fi

names=$WORLD_DIR/names/bulk.txt
n=$(wc -l <"$names")
T=$BENCH_TMP
summary() { # summary LABEL SECONDS ERRFILES...: queries and busiest second from caascan's summaries
    local label=$1 secs=$2
    shift 2
    cat "$@" | python3 -c 'import re, sys
label, secs = sys.argv[1], float(sys.argv[2])
text = sys.stdin.read()
q = sum(int(x) for x in re.findall(r"names in [\d.]+ s, (\d+) queries", text))
peak = [int(x) for x in re.findall(r"at most (\d+) queries in one second to one address", text)]
print(f"{label}: {secs:.1f} s wall, {q} queries, busiest second of one authoritative address: "
      f"{sum(peak)} summed over {len(peak)} process(es) ({peak})")' "$label" "$secs"
}

t0=$(date +%s.%N)
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --qps "$QPS" --auth-qps "$AUTH_QPS" --no-progress \
    -o "$T/single" "$names" 2>"$T/single.err"
summary "1 partition" "$(echo "$(date +%s.%N) - $t0" | bc)" "$T/single.err"

# The resolvers start cold again, as for the single run.
bash "$ROOT/scripts/world.sh" switch "$WORLD_DIR" night1 2>/dev/null
t0=$(date +%s.%N)
pids=()
for k in $(seq 1 "$P"); do
    "$CAASCAN" scan -r "$WORLD_RESOLVERS" --qps "$QPS" --auth-qps "$AUTH_QPS" --no-progress \
        --partition "$k/$P" -o "$T/part$k" "$names" 2>"$T/part$k.err" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
secs=$(echo "$(date +%s.%N) - $t0" | bc)
errs=()
for k in $(seq 1 "$P"); do errs+=("$T/part$k.err"); done
summary "$P partitions side by side (budgets shared)" "$secs" "${errs[@]}"
parts=()
for k in $(seq 1 "$P"); do parts+=("$T/part$k"); done
t0=$(date +%s.%N)
"$CAASCAN" merge -o "$T/merged" "${parts[@]}"
echo "merge: $(echo "$(date +%s.%N) - $t0" | bc) s"
# name,status of every row, taken by header name.
name_status() {
    "$CAASCAN" export --raw "$1" | python3 -c 'import csv, io, sys
for r in csv.DictReader(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")):
    print(r["name"] + "," + r["status"])'
}
a=$(name_status "$T/single" | md5sum)
b=$(name_status "$T/merged" | md5sum)
[ "$a" = "$b" ] && same=yes || same=no
echo "$n names; merged names and statuses identical to the single run: $same"
