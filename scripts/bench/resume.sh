#!/usr/bin/env bash
# resume.sh -- what checkpoints cost and what --resume saves, on the scan benchmark's world
# (CUSTOMERS zones x NAMES_PER_ZONE names, default 5,000 x 20 = 100,000, at --qps QPS, with the
# authoritative checks off unless AUTH=on, where rows come fastest and checkpoints cost most):
#   1. scans with checkpoints (the default, every 5 s) and with --checkpoint-interval 0, in turns;
#   2. a scan killed with SIGKILL once KILL_AT percent (default 90) of the names are in its
#      journal, then `scan --resume` to the end, against starting again from zero (a full scan).
# Prints wall and CPU time of each, and how many names the resumed run took from the journal.
set -euo pipefail
CAASCAN=${CAASCAN:?set CAASCAN to the caascan binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUSTOMERS=${CUSTOMERS:-5000}
PER_ZONE=${PER_ZONE:-20}
QPS=${QPS:-20000}
AUTH_QPS=${AUTH_QPS:-2000}
AUTH=${AUTH:-off}
KILL_AT=${KILL_AT:-90}

if [ "${BENCH_IN_WORLD:-}" != 1 ]; then
    W=$(mktemp -d /tmp/caascan-bench-resume.XXXXXX)
    trap 'rm -rf "$W"' EXIT
    bash "$ROOT/scripts/world.sh" build "$W/world" --customers "$CUSTOMERS" --names-per-zone "$PER_ZONE" 2>/dev/null
    CANNEDNS=${CANNEDNS:-$(dirname "$CAASCAN")/../tests/world/cannedns}
    BENCH_IN_WORLD=1 BENCH_TMP=$W CANNEDNS=$CANNEDNS bash "$ROOT/scripts/world.sh" run "$W/world" -- bash "$0"
    exit
fi

names=$WORLD_DIR/names/bulk.txt
n=$(wc -l <"$names")
if [ "$AUTH" = off ]; then authopt=(--no-auth); else authopt=(--auth-qps "$AUTH_QPS"); fi
S=("$CAASCAN" scan -r "$WORLD_RESOLVERS" --qps "$QPS" "${authopt[@]}" --no-progress)

# timed TAG ARGS...: runs caascan under /usr/bin/time; prints "TAG: wall s, CPU s".
timed() {
    local tag=$1
    shift
    /usr/bin/time -f "%e %U %S" -o "$BENCH_TMP/$tag.time" "$@" 2>"$BENCH_TMP/$tag.err" || true
    read -r wall user sys <"$BENCH_TMP/$tag.time"
    echo "$tag: $wall s wall, $(echo "$user + $sys" | bc) s CPU"
}
# Unbound's cache is warm after the first scan: a cold first scan would favour the others, so
# one unmeasured scan warms it first.
"${S[@]}" -q -o "$BENCH_TMP/warm" "$names" 2>/dev/null
# In turns, ROUNDS times (default 2), so that a busy moment of a shared machine hits both.
for r in $(seq "${ROUNDS:-2}"); do
    timed "round $r, without checkpoints (--checkpoint-interval 0)" "${S[@]}" --checkpoint-interval 0 --force -o "$BENCH_TMP/nockpt" "$names"
    timed "round $r, with checkpoints (every 5 s)" "${S[@]}" --force -o "$BENCH_TMP/ckpt" "$names"
done
full=$(cut -d' ' -f1 "$BENCH_TMP/round 1, with checkpoints (every 5 s).time")
# Rows in the journal: every result row has its status as a field of its own.
journaled() {
    zstdcat "$1/journal.zst" 2>/dev/null | tr '\0' '\n' |
        grep -c -x -E 'OK|AT_RISK|CAA_FORBIDS|FLAKY|NXDOMAIN|TIMEOUT|SERVFAIL|DNSSEC_BOGUS|INVALID' || true
}
t0=$(date +%s.%N)
"${S[@]}" -o "$BENCH_TMP/killed" "$names" 2>/dev/null &
pid=$!
while kill -0 $pid 2>/dev/null && [ "$(journaled "$BENCH_TMP/killed")" -lt $((n * KILL_AT / 100)) ]; do
    sleep 0.5
done
kill -9 $pid
wait $pid || true
echo "killed with SIGKILL after $(echo "$(date +%s.%N) - $t0" | bc | xargs printf %.1f) s, $(journaled "$BENCH_TMP/killed") names in the journal; journal: $(stat -c %s "$BENCH_TMP/killed/journal.zst") bytes"
timed "resume to the end" "${S[@]}" --resume -o "$BENCH_TMP/killed" "$names"
python3 - "$BENCH_TMP/killed/manifest.json" "$n" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = m["sessions"]
rows = sum(x["rows"] for x in m["tables"]["results"]["shards"])
print(f"resumed run: {rows} rows of {sys.argv[2]} names; {s[0]['names']} from the journal of the "
      f"killed session, {s[1]['names']} asked by the resumed one")
PY
echo "restart from zero: the full scan above ($full s)"
du -b "$BENCH_TMP/ckpt"/results-*.csv.zst | awk '{s += $1} END {print "result shards: " s " bytes"}'
