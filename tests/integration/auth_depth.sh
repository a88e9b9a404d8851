#!/usr/bin/env bash
# auth_depth.sh -- --auth-depth sample in the DNS world: every name of tests/world/scenarios.tsv
# gets the exact status and problem codes of the table, as with the full checks (the default,
# which tests/integration/auth.sh holds to the same table); the names it spares get no direct CAA
# query at all (counted at the servers by the traffic meter, not by caascan); ok-le.test's first
# two names below the apex are asked at every address; the scan says how many names it spared,
# the manifest records the depth, and a bad depth is a usage error.
#
# The sampled scan runs first in the world: a second scan of allsilent.test finds the resolvers
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

# 2. At ok-le.test's ns1, from caascan (127.0.0.1; the resolvers ask from 127.0.10.x): CAA
# queries per name below the apex. The zone is healthy and every CA-side lookup there was clean:
# the first two names reached are asked once (a sampled name of a zone that shows nothing), the
# others not at all; the apex as with the full checks, twice (--auth-tries 2) in mixed case and
# once in lower case.
python3 - "$TMP/sample.tsv" "$NS1" >"$TMP/caa" <<'PY'
import collections, sys
n = collections.Counter()
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[1] == "127.0.0.1" and f[3] == sys.argv[2] and f[6] == "q" and f[9] == "257":
        n[f[8].lower().rstrip(".")] += 1
below = ("www", "a.b", "b", "locked", "nosuch")
counts = sorted(n.get(f"{k}.ok-le.test", 0) for k in below)
print(f"apex|{n.get('ok-le.test', 0)}|3")
print(f"names below the apex, CAA queries each (sorted)|{' '.join(map(str, counts))}|0 0 0 1 1")
PY
while IFS='|' read -r what g w; do
    expect "ok-le.test at ns1: $what" "$g" "$w"
done <"$TMP/caa"
# The per-server table agrees: 5 zone probes (SOA once, NS, SOA over TCP, SOA without EDNS, CAA
# in lower case), the apex's 2 CAA and 1 for each of two names: 9 (18 with the full checks,
# auth.sh).
srv() { shard_rows "$1" servers | awk -F, '$1 == "ok-le.test" && $3 == "'$NS1'" {print $7}'; }
expect "queries to ns1 for ok-le.test, sample" "$(srv "$TMP/sample")" 9

# 3. The summary says what was spared; a full scan spares nothing; the manifest has the depth.
grep ok-le.test "$TMP/names.txt" >"$TMP/okle.txt"
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --no-progress -o "$TMP/full" "$TMP/okle.txt" \
    2>"$TMP/full.err" || fail "full scan exit status $?"
spared() { sed -n 's/.*spared (--auth-depth sample): \([0-9]*\)$/\1/p' "$1"; }
expect "full scan spares nothing" "$(spared "$TMP/full.err")" 0
s=$(spared "$TMP/sample.err")
[ -n "$s" ] && [ "$s" -gt 0 ] && expect "sample scan spares names" yes yes ||
    fail "sample scan spared '$s' names"
expect "manifest auth-depth" "$(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["options"]["auth-depth"])' "$TMP/sample/manifest.json")" sample

# 4. A bad depth is a usage error that names the option.
rc=0
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --auth-depth half -o "$TMP/bad" "$TMP/names.txt" \
    2>"$TMP/bad.err" || rc=$?
expect "--auth-depth half exit status" "$rc" 2
expect "--auth-depth half message" "$(head -1 "$TMP/bad.err")" \
    "caascan: scan: --auth-depth: 'half' is neither 'full' nor 'sample'"
finish
