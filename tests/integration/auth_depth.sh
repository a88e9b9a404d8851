#!/usr/bin/env bash
# auth_depth.sh -- --auth-depth in the DNS world. The default (sample): every name of
# tests/world/scenarios.tsv gets the exact status and problem codes of the table, as with the full
# checks (tests/integration/auth.sh holds the default to the same table); counted at the servers
# by the traffic meter, not by caascan: each authoritative address is asked its own questions
# (SOA over TCP, SOA without EDNS, CAA in lower case) once per run, at one zone's apex; ok-le.test's
# apex is asked CAA twice at ns1 and only the first name below it once; the per-server table's
# query count follows from that. --auth-depth full: ok-le.test's exact count at ns1, nothing
# spared. The scan says how many names it spared, the manifest records the depth, and a bad depth
# is a usage error.
#
# The default scan runs first in the world: a second scan of allsilent.test finds the resolvers
# remembering its dead servers (SERVFAIL at once instead of a timeout), so the table is the
# reference, not a second full scan.
. "$(dirname "$0")/lib.sh"
SCEN=$(dirname "$0")/../world/scenarios.tsv
METER=$(dirname "$0")/meter.py
NS1=127.0.3.1 # ns1 of provider A: ok-le.test's first server

tail -n +2 "$SCEN" | cut -f1 >"$TMP/names.txt"
python3 "$METER" start "$TMP/sample.pcap" || fail "the capture did not start"
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --auth-depth sample --no-progress -o "$TMP/sample" \
    "$TMP/names.txt" 2>"$TMP/sample.err" || fail "sample scan exit status $?"
python3 "$METER" stop "$TMP/sample.pcap" || fail "the capture is not complete"
cat "$TMP/sample.err"
python3 "$METER" tsv "$TMP/sample.pcap" >"$TMP/sample.tsv" || fail "meter tsv failed"
"$CAASCAN" export "$TMP/sample" -o "$TMP/sample.csv" || fail "export sample: exit status $?"

# 1. Name by name: the exact status and problem codes the table gives.
python3 - "$TMP/sample.csv" "$SCEN" >"$TMP/cmp" <<'PY'
import csv, sys
sample = {r["name"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
want = {l.split("\t")[0]: l.split("\t") for l in open(sys.argv[2]).read().splitlines()[1:]}
print(f"rows|{len(sample)}|{len(want)}")
for name, f in want.items():
    s = sample.get(name, {})
    print(f"{name} status|{s.get('status', 'MISSING')}|{f[2]}")
    print(f"{name} problems|{s.get('problems', 'MISSING')}|{f[3]}")
PY
while IFS='|' read -r what g w; do
    expect "$what" "$g" "$w"
done <"$TMP/cmp"

# 2. From the capture, caascan's queries (127.0.0.1) to authoritative servers (not the resolvers):
# every address it asked got exactly one CAA query in lower case over UDP (the address's own
# question; every other direct query has an upper-case letter, docs/engine.md); at ns1 the SOA over
# TCP was asked at the same zone's apex, once. At
# ok-le.test's ns1 (the zone is healthy and every CA-side lookup there was clean): CAA at the
# apex twice in mixed case (--auth-tries 2), and the first name below the apex once, the others not
# at all (none falls in the 1-in-8 sample).
python3 - "$TMP/sample.tsv" "$NS1" "$WORLD_RESOLVERS" >"$TMP/caa" <<'PY'
import collections, sys
ns1, resolvers = sys.argv[2], set(a.split(":")[0] for a in sys.argv[3].split(","))
mixed, lower = collections.Counter(), collections.Counter()
lower_at_ns1, tcp_soa_at_ns1 = [], []
asked = set()
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[1] != "127.0.0.1" or f[6] != "q" or f[3] in resolvers:
        continue
    asked.add(f[3])
    name = f[8].rstrip(".")
    if f[9] == "257" and f[5] == "udp" and name == name.lower():
        lower[f[3]] += 1
        if f[3] == ns1:
            lower_at_ns1.append(name)
    elif f[9] == "257" and f[3] == ns1:
        mixed[name.lower()] += 1
    if f[9] == "6" and f[5] == "tcp" and f[3] == ns1:
        tcp_soa_at_ns1.append(name.lower())
once = sorted(a for a in asked if lower[a] == 1)
print(f"addresses asked CAA in lower case exactly once|{len(once)}|{len(asked)}")
print(f"ns1: its own questions at one zone|{' '.join(lower_at_ns1)}|{' '.join(tcp_soa_at_ns1)}")
below = ("www", "a.b", "b", "locked", "nosuch")
counts = sorted(mixed.get(f"{k}.ok-le.test", 0) for k in below)
print(f"ok-le.test at ns1: apex CAA in mixed case|{mixed.get('ok-le.test', 0)}|2")
print(f"ok-le.test at ns1: names below the apex, CAA queries each (sorted)|{' '.join(map(str, counts))}|0 0 0 0 1")
with open(sys.argv[1] + ".owner", "w") as o:
    o.write(lower_at_ns1[0] if len(lower_at_ns1) == 1 else "?")
PY
while IFS='|' read -r what g w; do
    expect "$what" "$g" "$w"
done <"$TMP/caa"
# The per-server table agrees: NS, CAA at the apex twice, SOA once (the apex has CAA records, so
# its CAA answers carry no serial), the first name below the apex once: 5; and 3 more (SOA over
# TCP, SOA without EDNS, CAA in lower case) when ok-le.test was the zone ns1's own questions were
# asked at -- the first zone to reach the address, as the capture shows.
srv() { shard_rows "$1" servers | awk -F, '$1 == "ok-le.test" && $3 == "'$NS1'" {print $7}'; }
owner=$(cat "$TMP/sample.tsv.owner")
want=5
[ "$owner" = ok-le.test ] && want=8
expect "queries to ns1 for ok-le.test, sample (ns1 asked at $owner)" "$(srv "$TMP/sample")" "$want"

# 3. The summary says what was spared and the manifest has the default depth; --auth-depth full
# spares nothing and asks ok-le.test's servers the zone probes (2 SOA, NS, SOA over TCP, SOA without
# EDNS, CAA in lower case) and 2 CAA queries for each distinct name of the climbs in the zone
# (ok-le.test, www, a.b, b, locked, nosuch): 6 + 12 = 18, however many names share them.
grep ok-le.test "$TMP/names.txt" >"$TMP/okle.txt"
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --auth-depth full --no-progress -o "$TMP/full" "$TMP/okle.txt" \
    2>"$TMP/full.err" || fail "full scan exit status $?"
spared() { sed -n 's/.*spared (--auth-depth sample): \([0-9]*\)$/\1/p' "$1"; }
expect "full scan spares nothing" "$(spared "$TMP/full.err")" 0
expect "queries to ns1 for ok-le.test, full" "$(srv "$TMP/full")" 18
s=$(spared "$TMP/sample.err")
[ -n "$s" ] && [ "$s" -gt 0 ] && expect "default scan spares names" yes yes ||
    fail "default scan spared '$s' names"
depth() { python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["options"]["auth-depth"])' "$1/manifest.json"; }
expect "manifest auth-depth, default" "$(depth "$TMP/sample")" sample
expect "manifest auth-depth, full" "$(depth "$TMP/full")" full

# 4. A bad depth is a usage error that names the option.
rc=0
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --auth-depth half -o "$TMP/bad" "$TMP/names.txt" \
    2>"$TMP/bad.err" || rc=$?
expect "--auth-depth half exit status" "$rc" 2
expect "--auth-depth half message" "$(head -1 "$TMP/bad.err")" \
    "caascan: scan: --auth-depth: 'half' is neither 'full' nor 'sample'"
finish
