#!/usr/bin/env bash
# scan-real.sh -- the authoritative checks on a world shaped like a real inventory: ZONES customer
# zones (default 20,000; about 5 names each, 100,000 names) spread over providers as real
# inventories are (one with 40 % of the zones on 8 addresses, IPv4 and IPv6; two with 15 % on 6
# each; a long tail of small providers on 2), most zones healthy, a sprinkling of every
# misbehaviour on providers of their own (NOTIMP to CAA, a server without SOA in negative
# answers, a lame delegation, different serials, a flaky server, a server without one name's CAA
# at the same serial). gen-real-world.py writes it; NSD serves the healthy zones, cannedns the
# misbehaving ones, two Unbound resolvers (iterator only: the zones are unsigned) answer the
# CA-side lookups, all inside a private network namespace (IPv6 on fd00::/64 added to its lo).
#
# It scans every name with the full checks (--auth-depth full) and with the default --auth-depth
# sample (DEPTHS, default "full sample"). The sample runs at caascan's default --auth-qps (the
# default politeness: its wall time is measured; AUTH_QPS_SAMPLE sets another rate), the full
# checks at AUTH_QPS_FULL (default 0: unlimited, so that they do not take hours; their time at the
# default rate is projected from their busiest address's queries); AUTH_QPS sets both. It prints
# for each: wall time, queries per name (CA-side and direct), the busiest address's queries, peak
# and mean rate, the time the busiest address needs at the default --auth-qps (the bound of the
# scan, for this run and projected to 1,000,000 names), and the findings per code; then the wall
# time of the sample against the full checks' at the default rate (measured when they ran at it,
# else projected), and compares the two name by name: every problem code of the full checks missing in the sample,
# by the kind of zone (healthy or its misbehaviour), and for the names the sample may miss (the
# per-name disagreement at the same serial) whether each missed one is outside the 1-in-8 hash
# sample, as the rule says it must be (docs/auth.md, "What sampling can miss").
set -euo pipefail
CAASCAN=${CAASCAN:?set CAASCAN to the caascan binary}
CANNEDNS=${CANNEDNS:?set CANNEDNS to the cannedns binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ZONES=${ZONES:-20000}
SEED=${SEED:-14}
AUTH_QPS_FULL=${AUTH_QPS:-${AUTH_QPS_FULL:-0}}
AUTH_QPS_SAMPLE=${AUTH_QPS:-${AUTH_QPS_SAMPLE:-default}}
# caascan's default --auth-qps: the rate the busiest address's queries are projected at.
DEFAULT_AUTH_QPS=$("$CAASCAN" scan --help 2>&1 | sed -n 's/.*--auth-qps N.*(default \([0-9.]*\)).*/\1/p')
[ -n "$DEFAULT_AUTH_QPS" ] || { echo "scan-real: caascan scan --help names no default --auth-qps" >&2; exit 1; }
QPS=${QPS:-20000}
DEPTHS=${DEPTHS:-full sample}

if [ "${BENCH_IN_NS:-}" != 1 ]; then
    exec env BENCH_IN_NS=1 unshare -rn bash "$0" "$@"
fi
ip link set lo up
W=$(mktemp -d /tmp/caascan-bench-real.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT

t0=$(date +%s.%N)
python3 "$ROOT/scripts/bench/gen-real-world.py" "$W" "$ZONES" "$SEED"
while read -r a; do
    case $a in *:*) ip -6 addr add "$a/128" dev lo ;; esac
done <"$W/addrs.txt"
for inst in root tld prov; do
    nsd -d -c "$W/nsd-$inst.conf" >"$W/nsd-$inst.stderr" 2>&1 &
    PIDS+=($!)
done
"$CANNEDNS" -c "$W/cannedns.conf" >"$W/cannedns.log" 2>&1 &
PIDS+=($!)
for n in 1 2; do
    cat >"$W/unbound$n.conf" <<EOF
server:
    interface: 127.1.1.$n
    port: 53
    do-ip6: yes
    username: ""
    chroot: ""
    directory: "$W"
    pidfile: "$W/unbound$n.pid"
    logfile: "$W/unbound$n.log"
    use-syslog: no
    verbosity: 0
    num-threads: 1
    num-queries-per-thread: 4096
    outgoing-range: 8192
    so-reuseport: no
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    root-hints: "$W/root.hints"
    module-config: "iterator"
    ratelimit: 0
    ip-ratelimit: 0
    discard-timeout: 10000
remote-control:
    control-enable: no
EOF
done
# The resolvers start afresh for each scan: a second scan would find them remembering the dead
# and silent servers of the first (SERVFAIL at once instead of a timeout).
UNBOUND=()
start_resolvers() {
    local n ok p
    for p in "${UNBOUND[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    UNBOUND=()
    for n in 1 2; do
        unbound -d -c "$W/unbound$n.conf" >"$W/unbound$n.stderr" 2>&1 &
        UNBOUND+=($!)
        PIDS+=($!)
    done
    # Ready: the last zone (and a misbehaving one) through each resolver.
    local last canned
    last=$(tail -1 "$W/kinds.tsv" | cut -f1)
    canned=$(awk -F'\t' '$3 == "notimp" {print $1; exit}' "$W/kinds.tsv")
    for _ in $(seq 300); do
        ok=1
        for r in 127.1.1.1 127.1.1.2; do
            for z in "$last" "$canned"; do
                dig +time=1 +tries=1 @"$r" "$z" SOA 2>/dev/null | grep -q 'status: NOERROR' || ok=0
            done
        done
        [ $ok = 1 ] && break
        sleep 0.2
    done
    [ $ok = 1 ] || { echo "scan-real: the world did not start" >&2; tail "$W"/*.stderr "$W/cannedns.log" >&2; exit 1; }
}
start_resolvers
n=$(wc -l <"$W/names.txt")
echo "world built and answering in $(echo "$(date +%s.%N) - $t0" | bc) s"
awk -F'\t' '$1 !~ /^tail/ {printf "%s %s zones on %s addresses (%s); ", $1, $2, $3, $4}
    $1 ~ /^tail/ {t++; tz += $2} END {printf "a tail of %d providers with %d zones\n", t, tz}' \
    "$W/providers.tsv" | fold -s -w 100

first=1
for depth in $DEPTHS; do
    [ $first = 1 ] || start_resolvers
    first=0
    if [ "$depth" = full ]; then aqps=$AUTH_QPS_FULL; else aqps=$AUTH_QPS_SAMPLE; fi
    aqopt=()
    [ "$aqps" = default ] && aqps=$DEFAULT_AUTH_QPS || aqopt=(--auth-qps "$aqps")
    echo "$aqps" >"$W/aqps-$depth"
    /usr/bin/time -v -o "$W/time-$depth" "$CAASCAN" scan -r 127.1.1.1,127.1.1.2 --qps "$QPS" \
        "${aqopt[@]}" --auth-depth "$depth" --min-answered 0 --no-progress -o "$W/run-$depth" \
        "$W/names.txt" 2>"$W/err-$depth" || {
        rc=$?
        [ $rc -le 1 ] || { cat "$W/err-$depth"; exit 1; }
    }
    "$CAASCAN" export "$W/run-$depth" -o "$W/rows-$depth.csv"
    for f in "$W/run-$depth"/servers-*.csv.zst; do zstdcat "$f" | tail -n +2; done >"$W/servers-$depth.csv"
    label=" (caascan's default)"
    [ ${#aqopt[@]} = 0 ] || label=""
    [ "$aqps" != 0 ] || label=" (unlimited)"
    echo "--- --auth-depth $depth, --auth-qps $aqps$label"
    grep -v '^caascan: scan: the scan was held back' "$W/err-$depth" || true
done

python3 - "$W" "$n" "$DEFAULT_AUTH_QPS" $DEPTHS <<'PY'
import collections, csv, re, sys
w, n, dq, depths = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
aqps = {d: float(open(f"{w}/aqps-{d}").read()) for d in depths}
kind = {}
for line in open(f"{w}/kinds.tsv"):
    z, p, k = line.rstrip("\n").split("\t")
    kind[z] = k
def zone_of(name):
    parts = name.split(".")
    return ".".join(parts[-2:])
def in_hash_sample(name):
    """cs_auth_sample_pick for a name past its zone's first: the salted FNV-1a hash, 1 in 8."""
    m = (1 << 64) - 1
    h = 0xcbf29ce484222325
    for b in b"caascan auth sample:" + name.encode():
        h = ((h ^ b) * 0x100000001b3) & m
    h ^= h >> 29
    h = (h * 0xbf58476d1ce4e5b9) & m
    h ^= h >> 32
    return h % 8 == 0
rows, figures = {}, {}
for d in depths:
    t = open(f"{w}/time-{d}").read()
    wall = [float(x) for x in re.search(r"Elapsed.*: (\S+)", t).group(1).split(":")]
    secs = wall[-1] + 60 * wall[-2] + (3600 * wall[-3] if len(wall) > 2 else 0)
    err = open(f"{w}/err-{d}").read()
    m = re.search(r"(\d+) direct queries to authoritative servers \(([\d.]+) a name\), (\d+) "
                  r"through the resolvers \(([\d.]+) a name\); names asked at every address: "
                  r"(\d+), spared \(--auth-depth sample\): (\d+)", err)
    peak = int(re.search(r"at most (\d+) queries in one second to one address", err).group(1))
    per_addr = collections.Counter()
    for r in csv.reader(open(f"{w}/servers-{d}.csv", newline="")):
        if len(r) >= 7 and r[6].isdigit():
            per_addr[r[2]] += int(r[6])
    busiest, bq = per_addr.most_common(1)[0]
    at20 = bq / dq
    figures[d] = (secs, float(m.group(2)), float(m.group(4)), int(m.group(1)), bq, at20)
    print(f"{d}: {n} names in {secs:.1f} s wall at --auth-qps {aqps[d]:g}"
          f"{' (unlimited)' if aqps[d] == 0 else ''}; direct queries {m.group(1)} = "
          f"{m.group(2)} a name, through the resolvers {m.group(4)} a name; names asked at every "
          f"address {m.group(5)}, spared {m.group(6)}")
    print(f"{d}: busiest address {busiest}: {bq} queries, peak {peak}/s (caascan's count), mean "
          f"{bq / secs:.1f}/s; at the default --auth-qps {dq:g} it alone needs {at20:.0f} s "
          f"({at20 / 3600:.2f} h); 1,000,000 names with the same share on it: "
          f"{at20 * 1e6 / n / 3600:.1f} h")
    rows[d] = {r["name"]: r for r in csv.DictReader(open(f"{w}/rows-{d}.csv", newline=""))}
    codes = collections.Counter(c for r in rows[d].values() for c in r["problems"].split(";") if c)
    print(f"{d}: findings per code: " + ", ".join(f"{c} {k}" for c, k in sorted(codes.items())))
    st = collections.Counter(r["status"] for r in rows[d].values())
    print(f"{d}: statuses: " + ", ".join(f"{s} {k}" for s, k in sorted(st.items())))
if "full" in rows and "sample" in rows:
    f, s = rows["full"], rows["sample"]
    missed = collections.Counter()
    names_missed = collections.Counter()
    with_finding = collections.Counter()
    status_diff = collections.Counter()
    for name, r in f.items():
        k = kind.get(zone_of(name), "?")
        fc = set(c for c in r["problems"].split(";") if c)
        sc = set(c for c in s.get(name, {}).get("problems", "").split(";") if c)
        if fc:
            with_finding[k] += 1
        if fc - sc:
            names_missed[k] += 1
            for c in fc - sc:
                missed[(k, c)] += 1
        if r["status"] != s.get(name, {}).get("status"):
            status_diff[(k, r["status"], s.get(name, {}).get("status"))] += 1
    print("compare: names with a finding (full) per kind of zone: " +
          ", ".join(f"{k} {v}" for k, v in sorted(with_finding.items())))
    print("compare: names whose full findings the sample misses, per kind: " +
          (", ".join(f"{k} {v}" for k, v in sorted(names_missed.items())) or "none"))
    for (k, c), v in sorted(missed.items()):
        print(f"compare:   {k}: {c} missed on {v} names")
    for (k, a, b), v in sorted(status_diff.items()):
        print(f"compare:   {k}: status {a} (full) vs {b} (sample) on {v} names")
    split = [n for n, r in f.items() if kind.get(zone_of(n)) == "split" and
             "AUTH_INCONSISTENT_CAA" in r["problems"]]
    missed_split = [n for n in split if "AUTH_INCONSISTENT_CAA" not in
                    s.get(n, {}).get("problems", "")]
    hashed = [n for n in split if in_hash_sample(n)]
    bad = [n for n in missed_split if in_hash_sample(n)]
    print(f"compare: split (per-name disagreement at the same serial): {len(split)} names, "
          f"{len(hashed)} in the 1-in-8 hash sample; of the {len(split) - len(hashed)} others, "
          f"{len(split) - len(hashed) - len(missed_split) + len(bad)} caught as the first name "
          f"of their zone asked, {len(missed_split) - len(bad)} missed; missed inside the hash "
          f"sample: {len(bad)} (must be 0)")
    fd, sd = figures["full"], figures["sample"]
    print(f"compare: direct queries per name {fd[1]:.2f} (full) vs {sd[1]:.2f} (sample) = "
          f"{sd[1] / fd[1]:.2f}; busiest address at {dq:g}/s {fd[5]:.0f} s vs {sd[5]:.0f} s = "
          f"{sd[5] / fd[5]:.2f}")
    def at_default(d, f):
        if aqps[d] == dq:
            return f[0], "measured"
        return f[5], f"projected: busiest address's queries / {dq:g}"
    (fw, fh), (sw, sh) = at_default("full", fd), at_default("sample", sd)
    print(f"compare: wall time at the default --auth-qps {dq:g}: full {fw:.0f} s ({fh}), sample "
          f"{sw:.0f} s ({sh}) = {sw / fw:.2f}")
PY
