#!/usr/bin/env bash
# scan.sh -- caascan scan over CUSTOMERS zones x NAMES_PER_ZONE names (default 5,000 x 20 =
# 100,000 names) in the DNS world (real NSD behind the two validating Unbound resolvers), at
# --qps QPS (default 20,000), with the authoritative checks at --auth-qps AUTH_QPS (default 2,000:
# all 5,000 zones sit on the same two provider addresses) or off with AUTH=off, at caascan's
# default --auth-depth or AUTH_DEPTH (full: the figures docs/benchmarks.md gives for this scan were
# measured when the full checks were the default). Prints wall time, queries per name, the largest
# rate one authoritative address got, and peak RSS.
set -euo pipefail
CAASCAN=${CAASCAN:?set CAASCAN to the caascan binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CUSTOMERS=${CUSTOMERS:-5000}
PER_ZONE=${PER_ZONE:-20}
QPS=${QPS:-20000}
AUTH_QPS=${AUTH_QPS:-2000}
AUTH=${AUTH:-on}
AUTH_DEPTH=${AUTH_DEPTH:-}

if [ "${BENCH_IN_WORLD:-}" != 1 ]; then
    W=$(mktemp -d /tmp/caascan-bench-scan.XXXXXX)
    trap 'rm -rf "$W"' EXIT
    t0=$(date +%s.%N)
    bash "$ROOT/scripts/world.sh" build "$W/world" --customers "$CUSTOMERS" --names-per-zone "$PER_ZONE" 2>/dev/null
    echo "world: $CUSTOMERS zones x $PER_ZONE names built in $(echo "$(date +%s.%N) - $t0" | bc) s"
    CANNEDNS=${CANNEDNS:-$(dirname "$CAASCAN")/../tests/world/cannedns}
    [ -x "$CANNEDNS" ] || CANNEDNS=$ROOT/build/tests/world/cannedns
    BENCH_IN_WORLD=1 BENCH_TMP=$W CANNEDNS=$CANNEDNS bash "$ROOT/scripts/world.sh" run "$W/world" -- bash "$0"
    exit
fi

names=$WORLD_DIR/names/bulk.txt
n=$(wc -l <"$names")
if [ "$AUTH" = off ]; then authopt=(--no-auth); else authopt=(--auth-qps "$AUTH_QPS"); fi
[ "$AUTH" = off ] || [ -z "$AUTH_DEPTH" ] || authopt+=(--auth-depth "$AUTH_DEPTH")
/usr/bin/time -v -o "$BENCH_TMP/time" "$CAASCAN" scan -r "$WORLD_RESOLVERS" --qps "$QPS" \
    "${authopt[@]}" --no-progress -o "$BENCH_TMP/run" "$names" 2>"$BENCH_TMP/err" ||
    { cat "$BENCH_TMP/err"; exit 1; }
cat "$BENCH_TMP/err"
echo "authoritative checks: $AUTH (--auth-qps $AUTH_QPS)"
python3 - "$BENCH_TMP" "$n" "$QPS" <<'PY'
import json, re, sys
d, n, qps = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = open(f"{d}/time").read()
wall = [float(x) for x in re.search(r"Elapsed.*: (\S+)", t).group(1).split(":")]
secs = wall[-1] + 60 * wall[-2] + (3600 * wall[-3] if len(wall) > 2 else 0)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1)) + \
      float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
m = json.load(open(f"{d}/run/manifest.json"))
rows = sum(s["rows"] for s in m["tables"]["results"]["shards"])
q = m["queries_sent"]
print(f"scan: {n} names, {rows} rows, --qps {qps}: {secs:.1f} s wall ({n / secs:.0f} names/s), "
      f"{q} queries = {q / n:.2f} per name, CPU {cpu:.1f} s, peak RSS {rss / 1024:.1f} MB")
print("statuses:", {k: v for k, v in m["status_counts"].items() if v})
PY
