#!/usr/bin/env bash
# engine.sh -- the query engine against a real NSD on loopback, compared with dnsperf.
#
# Builds a zone of NAMES names (default 200,000; a third with CAA records), serves it with one NSD
# process (RRL off) inside a private network namespace, measures NSD's ceiling with dnsperf, then
# runs `caascan lookup -t CAA` over every name with no rate limit and prints: queries per second
# of each, caascan's share of the ceiling, user+sys CPU ms per 1,000 queries, peak RSS, names
# lost (names without an answer line, or answered with anything but NOERROR), and the queries
# the server's socket dropped during caascan's run.
#
# caascan runs with its defaults (32 queries in flight to the one --server address), as a user
# would; INFLIGHT=N runs it with N in flight instead (--max-inflight and --auth-inflight). The
# ceiling is dnsperf's best rate over DNSPERF_INFLIGHT (default: 1000 and 128 in flight).
#
# NSD 4.6 keeps the kernel's default socket buffer (212,992 octets, about 190 queries on loopback;
# it cannot enlarge it inside the namespace). A client with more queries in flight than that
# overflows it: dnsperf loses them (and does not count them), caascan asks them again after its
# 1-second timeout floor, so the run waits for them.
set -euo pipefail
CAASCAN=${CAASCAN:?set CAASCAN to the caascan binary}
NAMES=${NAMES:-200000}
INFLIGHT=${INFLIGHT:-}
DNSPERF_INFLIGHT=${DNSPERF_INFLIGHT:-1000 128}

if [ "${BENCH_IN_NS:-}" != 1 ]; then
    exec env BENCH_IN_NS=1 unshare -rn bash "$0" "$@"
fi
ip link set lo up
W=$(mktemp -d /tmp/caascan-bench-engine.XXXXXX)
stop_nsd() {
    local pid
    pid=$(cat "$W/nsd.pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}
trap 'stop_nsd; rm -rf "$W"' EXIT

python3 - "$W" "$NAMES" <<'PY'
import sys
w, n = sys.argv[1], int(sys.argv[2])
with open(f"{w}/bench.zone", "w") as z, open(f"{w}/names.txt", "w") as names, \
        open(f"{w}/dnsperf.txt", "w") as dp:
    z.write("$ORIGIN bench.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n"
            "@ NS ns1\nns1 A 127.0.0.1\n")
    for i in range(n):
        name = f"n{i:07d}"
        z.write(f"{name} A 192.0.2.{i % 250 + 1}\n")
        if i % 3 == 0:
            z.write(f'{name} CAA 0 issue "letsencrypt.org"\n')
        names.write(f"{name}.bench.test\n")
        dp.write(f"{name}.bench.test CAA\n")
PY
cat > "$W/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1
  port: 53
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "$W/zonelist"
  xfrdfile: "$W/xfrd.state"
  pidfile: "$W/nsd.pid"
  logfile: "$W/nsd.log"
  rrl-ratelimit: 0
  server-count: 1
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: "$W/bench.zone"
CONF
nsd -c "$W/nsd.conf"
for _ in $(seq 100); do
    dig +short +time=1 +tries=1 @127.0.0.1 bench.test SOA >/dev/null 2>&1 && break
    sleep 0.1
done

echo "zone: $NAMES names, $(grep -c CAA "$W/bench.zone") with CAA; NSD $(nsd -v 2>&1 | head -1 | awk '{print $3}'), one server process"
dp_qps=0
for q in $DNSPERF_INFLIGHT; do
    dnsperf -s 127.0.0.1 -d "$W/dnsperf.txt" -n 1 -q "$q" -c 1 -T 1 >"$W/dnsperf.out" 2>&1
    qps=$(awk '/Queries per second/ {print $4}' "$W/dnsperf.out")
    lost=$(awk '/Queries lost/ {print $3}' "$W/dnsperf.out")
    echo "dnsperf, $q in flight: $qps queries/s (lost: $lost)"
    dp_qps=$(python3 -c "print(max($dp_qps, $qps))")
done
echo "ceiling: $dp_qps queries/s"

# Queries the kernel dropped because a socket's buffer was full (in this namespace: NSD's).
rcvbuf_errors() { awk '/^Udp:/ && $2 ~ /^[0-9]+$/ {print $6}' /proc/net/snmp; }
drops0=$(rcvbuf_errors)

inflight=()
[ -z "$INFLIGHT" ] || inflight=(--max-inflight "$INFLIGHT" --auth-inflight "$INFLIGHT")
/usr/bin/time -v -o "$W/time.out" "$CAASCAN" lookup -t CAA -s 127.0.0.1 "${inflight[@]}" \
    -o "$W/out.jsonl" "$W/names.txt" 2>"$W/caascan.err"
cat "$W/caascan.err"
echo "caascan: ${INFLIGHT:-32 (the default)} in flight; queries dropped by the server's socket: $(($(rcvbuf_errors) - drops0))"
python3 - "$W" "$NAMES" "$dp_qps" <<'PY'
import json, re, sys
w, n, dp = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
t = open(f"{w}/time.out").read()
user = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1))
sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
parts = [float(x) for x in wall.split(":")]
secs = parts[-1] + 60 * parts[-2] + (3600 * parts[-3] if len(parts) > 2 else 0)
seen, ok, caa = set(), 0, 0
for line in open(f"{w}/out.jsonl"):
    j = json.loads(line)
    seen.add(j["name"])
    if j.get("outcome") == "answer" and j.get("rcode") == "NOERROR":
        ok += 1
        caa += any(a["type"] == "CAA" for a in j["answers"])
queries = int(re.search(r"(\d+) queries sent", open(f"{w}/caascan.err").read()).group(1))
qps = n / secs
print(f"caascan: {qps:.0f} names/s, {queries} queries for {n} names, {100 * qps / dp:.1f}% of dnsperf")
print(f"caascan: CPU {user + sys_:.2f} s (user {user:.2f} + sys {sys_:.2f}) = "
      f"{1000 * (user + sys_) / queries * 1000:.2f} ms per 1,000 queries; peak RSS {rss / 1024:.1f} MB")
print(f"caascan: names lost: {n - len(seen)} without a line, {n - ok} without a NOERROR answer; "
      f"{caa} answers with CAA (expected {(n + 2) // 3})")
PY
