#!/usr/bin/env bash
# auth.sh -- the authoritative checks in the DNS world: every name of tests/world/scenarios.tsv
# scanned, its exact status and problem codes; the per-server table's exact findings for every
# misbehaving server of the world; the detail naming the server, its address and its answer;
# zones checked once per run; the per-address rate limit; caascan check's account of the servers.
. "$(dirname "$0")/lib.sh"
SCEN=$(dirname "$0")/../world/scenarios.tsv

tail -n +2 "$SCEN" | cut -f1 >"$TMP/names.txt"
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --no-progress -o "$TMP/run" "$TMP/names.txt" \
    2>"$TMP/scan.err" || fail "scan exit status $?"
cat "$TMP/scan.err"
"$CAASCAN" export "$TMP/run" -o "$TMP/all.csv" || fail "export exit status $?"
shard_rows "$TMP/run" servers | sort -t, -k1,1 -k3,3 >"$TMP/servers.csv" ||
    fail "reading the servers shards"

# 1. Every name: exact status and problems. lame.test and silent.test (one healthy server, one
# that never answers) too: a cold Unbound that asks the bad server first gives up on it and gets
# the answer from ns1 within about 2.3 s (measured at the servers with tests/integration/meter.py),
# far inside the scan's 8 s wait, and the world keeps such late replies (discard-timeout).
python3 - "$TMP/all.csv" "$SCEN" >"$TMP/cmp" <<'PY'
import csv, sys
rows = {r["name"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
lines = open(sys.argv[2]).read().splitlines()[1:]
for line in lines:
    f = line.split("\t")
    name, want_status, want_problems = f[0], f[2], f[3]
    r = rows.get(name)
    if r is None:
        print(f"{name}|MISSING||{want_status}|{want_problems}")
        continue
    st, pb = r["status"], r["problems"]
    print(f"{name}|{st}|{pb}|{want_status}|{want_problems}")
print(f"ROWS|{len(rows)}|{len(lines)}||")
PY
while IFS='|' read -r name gs gp ws wp; do
    if [ "$name" = ROWS ]; then
        expect "one row per name" "$gs" "$gp"
        continue
    fi
    expect "$name status" "$gs" "$ws"
    expect "$name problems" "$gp" "$wp"
done <"$TMP/cmp"

# 2. The per-server table: zone, nameserver, address -> findings, exactly, for every server of
# the zones with a finding (healthy servers of those zones included: they must stay clean).
cat >"$TMP/want-servers.csv" <<'CSV'
allservfail.test,ns-servfail1.dnsprov.test,127.0.20.16,AUTH_SERVFAIL
allservfail.test,ns-servfail2.dnsprov.test,127.0.20.17,AUTH_SERVFAIL
allsilent.test,ns-allsilent.dnsprov.test,127.0.20.21,AUTH_TIMEOUT
casesens.test,ns-casesens.dnsprov.test,127.0.20.8,CASE_SENSITIVE_ANSWER
empty.test,ns-empty.dnsprov.test,127.0.20.6,EMPTY_NOERROR
empty.test,ns1.dnsprov.test,127.0.3.1,
formerr.test,ns-formerr.dnsprov.test,127.0.20.11,AUTH_FORMERR;EDNS_BROKEN
formerr.test,ns1.dnsprov.test,127.0.3.1,
silentedns.test,ns-silentedns.dnsprov.test,127.0.20.23,AUTH_TIMEOUT;EDNS_BROKEN
silentedns.test,ns1.dnsprov.test,127.0.3.1,
lame.test,ns1.dnsprov.test,127.0.3.1,
lame.test,ns-dead.dnsprov.test,127.0.99.1,AUTH_TIMEOUT
lowercase.test,ns-lowercase.dnsprov.test,127.0.20.7,CASE_NOT_PRESERVED
lowercase.test,ns1.dnsprov.test,127.0.3.1,
noaa.test,ns-noaa.dnsprov.test,127.0.20.13,AUTH_NOT_AUTHORITATIVE
noaa.test,ns1.dnsprov.test,127.0.3.1,
nosoa.test,ns-nosoa.dnsprov.test,127.0.20.5,MISSING_SOA_NEGATIVE
nosoa.test,ns1.dnsprov.test,127.0.3.1,
notcp.test,ns-notcp.dnsprov.test,127.0.20.12,TCP_BROKEN
notcp.test,ns1.dnsprov.test,127.0.3.1,
notimp.test,ns-notimp.dnsprov.test,127.0.20.1,AUTH_NOTIMP
notimp.test,ns1.dnsprov.test,127.0.3.1,
ns-nxdomain.test,ns-gone.dnsprov.test,,NS_NO_ADDRESS
ns-nxdomain.test,ns1.dnsprov.test,127.0.3.1,
nsmismatch.test,ns1.dnsprov.test,127.0.3.1,
nsmismatch.test,ns2.dnsprov.test,127.0.3.2,
nsmismatch.test,ns3.dnsprov.test,127.0.4.1,NS_SET_MISMATCH
refused.test,ns-refused.dnsprov.test,127.0.20.2,AUTH_REFUSED
refused.test,ns1.dnsprov.test,127.0.3.1,
serialmismatch.test,ns1.dnsprov.test,127.0.3.1,SOA_SERIAL_MISMATCH
serialmismatch.test,ns3.dnsprov.test,127.0.4.1,SOA_SERIAL_MISMATCH
servfail-some.test,ns-servfail-some.dnsprov.test,127.0.20.4,AUTH_SERVFAIL;INTERMITTENT
servfail-some.test,ns1.dnsprov.test,127.0.3.1,
silent.test,ns-silent.dnsprov.test,127.0.20.3,AUTH_TIMEOUT
silent.test,ns1.dnsprov.test,127.0.3.1,
split.test,ns-split1.dnsprov.test,127.0.20.14,AUTH_INCONSISTENT_CAA;SOA_SERIAL_MISMATCH
splitparent.test,ns-splitp1.dnsprov.test,127.0.20.24,AUTH_INCONSISTENT_CAA
splitparent.test,ns-splitp2.dnsprov.test,127.0.20.25,AUTH_INCONSISTENT_CAA
split.test,ns-split2.dnsprov.test,127.0.20.15,AUTH_INCONSISTENT_CAA;SOA_SERIAL_MISMATCH
tc-notcp.test,ns-tc-notcp.dnsprov.test,127.0.20.10,TCP_BROKEN
tc.test,ns-tc.dnsprov.test,127.0.20.9,
flaky.test,ns-flaky.dnsprov.test,127.0.20.18,
CSV
python3 - "$TMP/servers.csv" "$TMP/want-servers.csv" >"$TMP/scmp" <<'PY'
import csv, sys
got = {}
for r in csv.reader(open(sys.argv[1], newline="")):
    got.setdefault(r[0], []).append(r)
want = list(csv.reader(open(sys.argv[2], newline="")))
zones = sorted({w[0] for w in want})
for z in zones:
    g = sorted((r[1], r[2], r[3]) for r in got.get(z, []))
    w = sorted((r[1], r[2], r[3]) for r in want if r[0] == z)
    print(f"{z}|{g}|{w}")
# every other zone's servers are clean (the healthy provider and the TLD)
dirty = [r for z, rs in got.items() if z not in zones for r in rs if r[3]]
print(f"CLEAN|{dirty}|[]")
# one row per zone and address: checked once per run
keys = [(r[0], r[1], r[2]) for rs in got.values() for r in rs]
print(f"UNIQUE|{len(keys)}|{len(set(keys))}")
PY
while IFS='|' read -r what g w; do
    expect "servers of $what" "$g" "$w"
done <"$TMP/scmp"

# 3. Once per run: one row per zone and address (UNIQUE above); the TLD's two servers. (The exact
# queries each address got, with the default --auth-depth sample and with full, are counted at the
# servers in tests/integration/auth_depth.sh.)
expect "rows for the TLD's servers" "$(awk -F, '$1 == "test"' "$TMP/servers.csv" | wc -l)" 2

# 4. The row's zone, nameservers and a detail naming the server, its address and its answer.
row() { python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["name"] == sys.argv[2]: print(r[sys.argv[3]])' "$TMP/all.csv" "$1" "$2"; }
expect "notimp.test zone" "$(row notimp.test zone)" notimp.test
expect "notimp.test nameservers" "$(row notimp.test nameservers)" \
    "ns-notimp.dnsprov.test/127.0.20.1;ns1.dnsprov.test/127.0.3.1"
case "$(row notimp.test detail)" in
*"ns-notimp.dnsprov.test (127.0.20.1) answered NOTIMP to 2 of 2 CAA queries for notimp.test"*) expect "notimp.test detail" ok ok ;;
*) fail "notimp.test detail: $(row notimp.test detail)" ;;
esac
case "$(row split.test detail)" in
*"servers disagree on CAA split.test"*"ns-split2.dnsprov.test (127.0.20.15) answered CAA 0 issue \"other-ca.test\""*) expect "split.test detail" ok ok ;;
*) fail "split.test detail: $(row split.test detail)" ;;
esac
expect "split.test caa (the worst server's set)" "$(row split.test caa)" '0 issue "other-ca.test"'
# fail_pct from the servers' own answers: one server of two returns a forbidding set, so a CA's
# lookup meets it one time in two whatever the resolvers' caches held: 1 - (1/2)(5/16) = 84.4 %.
# Below a forbidding parent, a server without CAA sends one lookup in two there: the same.
# A server that fails (every, or every second) query next to a healthy one costs nothing: a CA's
# resolver asks the other; servers that all fail every query fail every check.
for want in split.test:84.4 www.splitparent.test:84.4 servfail-some.test:0 lame.test:0 \
    silent.test:0 allservfail.test:100 allsilent.test:100; do
    expect "${want%%:*} fail_pct" "$(row "${want%%:*}" fail_pct)" "${want#*:}"
done
case "$(row split.test detail)" in
*"; with a primary and 4 remote perspectives allowing 1 failure, about 84 % of issuance attempts would fail") expect "split.test: the model's sentence ends the detail" ok ok ;;
*) fail "split.test detail: $(row split.test detail)" ;;
esac
case "$(row split.test detail)" in
*"SOA serials of split.test differ: serial 202601010"[16]" at "*) expect "split.test serials in the detail" ok ok ;;
*) fail "split.test serials: $(row split.test detail)" ;;
esac
case "$(row ns-nxdomain.test detail)" in
*"nameserver ns-gone.dnsprov.test has no address (NXDOMAIN)"*) expect "ns-nxdomain.test detail" ok ok ;;
*) fail "ns-nxdomain.test detail: $(row ns-nxdomain.test detail)" ;;
esac
expect "www.nosoa.test zone" "$(row www.nosoa.test zone)" nosoa.test

# 5. --auth-qps: no authoritative address got more than its rate in any second (default 20).
rate=$(sed -n 's/.*at most \([0-9]*\) queries in one second to one address.*/\1/p' "$TMP/scan.err")
[ -n "$rate" ] && [ "$rate" -le 20 ] && [ "$rate" -gt 0 ] && expect "per-address rate <= 20" ok ok ||
    fail "per-address rate: '$rate'"
printf 'ok-le.test\nnotimp.test\nrefused.test\nsilent.test\n' >"$TMP/few.txt"
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --auth-qps 5 --no-progress -o "$TMP/run5" "$TMP/few.txt" \
    2>"$TMP/scan5.err" || fail "scan --auth-qps 5 exit status $?"
rate=$(sed -n 's/.*at most \([0-9]*\) queries in one second to one address.*/\1/p' "$TMP/scan5.err")
[ -n "$rate" ] && [ "$rate" -le 5 ] && [ "$rate" -gt 0 ] && expect "per-address rate <= 5" ok ok ||
    fail "per-address rate with --auth-qps 5: '$rate'"

# 6. --no-auth: CA-side only, no server rows, and notimp.test passes as OK.
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" --no-auth -o "$TMP/runna" "$TMP/few.txt" ||
    fail "scan --no-auth exit status $?"
expect "--no-auth notimp.test" "$(cells "$TMP/runna" status notimp.test)" OK
expect "--no-auth server rows" "$(must "reading the servers shards" shard_rows "$TMP/runna" servers | wc -l)" 0

# 7. caascan check explains the servers.
set +e
"$CAASCAN" check -r "$WORLD_RESOLVERS" split.test >"$TMP/check.out" 2>&1
rc=$?
set -e
expect "check split.test exit status" "$rc" 1
grep -q '^split.test: FLAKY (issuable: unknown; the CAA check fails 84.4 % of issuance attempts)$' "$TMP/check.out" && expect "check status line" ok ok ||
    fail "check status line: $(head -3 "$TMP/check.out")"
grep -q 'ns-split2.dnsprov.test (127.0.20.15) serial 2026010106' "$TMP/check.out" &&
    expect "check lists servers" ok ok || fail "check servers: $(cat "$TMP/check.out")"

finish
