#!/usr/bin/env bash
# scan.sh -- caascan scan and check in the DNS world: every CA-side status, the alias, wildcard
# and DNSSEC cases, with exact status and problem codes; the run directory and its manifest.
. "$(dirname "$0")/lib.sh"

# name <TAB> status <TAB> problems <TAB> fail_pct -- what a CA's CAA check makes of each zone of
# the world, and how often it fails: 0 for a clean name, 100 for one that fails every lookup or
# whose set forbids, the model's figure for flaky.test (6 of 12 lookups fail: 1 - (1/2)(5/16) =
# 84.4 %), empty for an INVALID name.
# The authoritative findings of every zone of the world are asserted by auth.sh; here they show
# only where they join a CA-side failure.
cat >"$TMP/expect.tsv" <<'TSV'
www.ok-le.test	OK		0
ok-le.test	OK		0
locked.ok-le.test	CAA_FORBIDS	CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER	100
nope.ok-le.test	NXDOMAIN		0
forbid.test	CAA_FORBIDS	CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER	100
other-ca.test	CAA_FORBIDS	CAA_NOT_AUTHORIZED	100
nocaa.test	OK		0
critical.test	CAA_FORBIDS	CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN	100
wild.test	OK		0
*.wild.test	CAA_FORBIDS	CAA_NOT_AUTHORIZED	100
*.wild2.test	OK		0
www.alias-src.test	CAA_FORBIDS	CAA_NOT_AUTHORIZED	100
foo.nosuchtld	NXDOMAIN	TLD_NXDOMAIN	0
expired.test	DNSSEC_BOGUS	RESOLVER_SERVFAIL;DNSSEC_BOGUS	100
allservfail.test	SERVFAIL	RESOLVER_SERVFAIL;AUTH_SERVFAIL	100
tc-notcp.test	SERVFAIL	RESOLVER_SERVFAIL;TCP_BROKEN	100
flaky.test	FLAKY	RESOLVER_SERVFAIL;INTERMITTENT	84.4
tc.test	OK		0
bad..name	INVALID	INVALID_NAME	
192.0.2.1	INVALID	INVALID_NAME	
TSV
{
    echo "domain,customer_id"
    cut -f1 "$TMP/expect.tsv" | awk '{print $0 ",C" NR}'
    echo "WWW.OK-LE.TEST.,C99" # a duplicate after normalization: one row, two sources
} >"$TMP/inventory.csv"

"$CAASCAN" scan -r "$WORLD_RESOLVERS" --keep-columns customer_id --shards 4 --no-progress \
    -o "$TMP/run" "$TMP/inventory.csv" 2>"$TMP/scan.err" || fail "scan exit status $?"
cat "$TMP/scan.err"
"$CAASCAN" export "$TMP/run" -o "$TMP/all.csv" || fail "export exit status $?"
python3 - "$TMP/all.csv" "$TMP/expect.tsv" >"$TMP/cmp" <<'PY'
import csv, sys
rows = {r["name"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
for line in open(sys.argv[2]):
    name, status, problems, pct = line.rstrip("\n").split("\t")
    r = rows.get(name)
    got = (r["status"], r["problems"], r["fail_pct"]) if r else ("MISSING", "", "")
    print(f"{name}|{got[0]}|{got[1]}|{got[2]}|{status}|{problems}|{pct}")
print(f"ROWS|{len(rows)}")
PY
while IFS='|' read -r name gs gp gf ws wp wf; do
    if [ "$name" = ROWS ]; then
        expect "one row per distinct name" "$gs" "$(wc -l <"$TMP/expect.tsv")"
        continue
    fi
    expect "$name status" "$gs" "$ws"
    expect "$name problems" "$gp" "$wp"
    expect "$name fail_pct" "$gf" "$wf"
done <"$TMP/cmp"

field() { # field NAME COLUMN
    python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["name"] == sys.argv[2]: print(r[sys.argv[3]])' "$TMP/all.csv" "$1" "$2"
}
expect "issuable of a forbidden name" "$(field other-ca.test issuable)" no
expect "issuable of a flaky name" "$(field flaky.test issuable)" unknown
expect "caa cell" "$(field '*.wild.test' caa)" '0 issue "letsencrypt.org";0 issuewild "other-ca.test"'
expect "caa owner through an alias" "$(field www.alias-src.test caa_owner)" target.alias-dst.test
expect "caa owner from a parent" "$(field www.ok-le.test caa_owner)" ok-le.test
# Unbound reports 7 (Signature Expired) or, from some paths, 6 (DNSSEC Bogus).
expect "EDE of the bogus zone" "$(field expired.test ede | cut -d: -f1 | sed -E 's/^(7 Signature Expired|6 DNSSEC Bogus)$/DNSSEC EDE/')" "DNSSEC EDE"
expect "sources of a duplicate" "$(field www.ok-le.test sources)" "$TMP/inventory.csv:2;$TMP/inventory.csv:22"
expect "kept column of a duplicate" "$(field www.ok-le.test customer_id)" "C1;C99"
expect "invalid detail" "$(field 192.0.2.1 detail)" "not scanned: ip_address ($TMP/inventory.csv:21)"
expect "flaky detail names the resolver" \
    "$(field flaky.test detail | grep -o 'returned SERVFAIL via 127.0.10.1:53')" "returned SERVFAIL via 127.0.10.1:53"

# The manifest: written last, with counts that match the rows.
python3 - "$TMP/run/manifest.json" >"$TMP/m" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
inp = m["inputs"][0]
print(m["schema_version"], m["ca"], ",".join(m["resolvers"]))
print(inp["lines"], inp["names"], inp["invalid"], inp["duplicates"])
print(m["status_counts"]["OK"], m["status_counts"]["INVALID"], m["status_counts"]["CAA_FORBIDS"])
print(sum(s["rows"] for s in m["tables"]["results"]["shards"]), len(m["tables"]["results"]["shards"]))
print(m["queries_sent"] > 0)
o = m["options"]
print(o["max-invalid-share"], o["delimiter"], o["attempts"], o["auth-qps"], o["remotes"],
      o["allowed-failures"], o["pass-max-pct"], o["fail-min-pct"])
PY
expect "manifest header" "$(sed -n 1p "$TMP/m")" "3 letsencrypt.org 127.0.10.1:53,127.0.10.2:53"
expect "manifest input counts" "$(sed -n 2p "$TMP/m")" "22 21 2 1"
expect "manifest status counts" "$(sed -n 3p "$TMP/m")" "6 2 6"
expect "manifest shards" "$(sed -n 4p "$TMP/m")" "20 4"
expect "manifest queries" "$(sed -n 5p "$TMP/m")" True
expect "manifest: options in effect, given or not" "$(sed -n 6p "$TMP/m")" "50 detect 3 20 4 1 1.0 99.0"
[ ! -e "$TMP/run/RUNNING" ] && PASSED=$((PASSED + 1)) || fail "RUNNING left behind"

# A complete run is not overwritten without --force.
if "$CAASCAN" scan -q -r "$WORLD_RESOLVERS" -o "$TMP/run" "$TMP/inventory.csv" 2>"$TMP/err"; then
    fail "scan over a complete run succeeded"
else
    expect "refusal exit status" "$?" 2
fi

# A server that never answers CAA: the resolvers' own retries outlast a 3 s wait, and asked
# directly it does not answer either.
printf 'allsilent.test\n' >"$TMP/silent.txt"
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" --timeout 3000 --min-timeout 3000 -o "$TMP/run2" "$TMP/silent.txt"
expect "silent zone" "$(cells "$TMP/run2" status,problems | tail -1)" "TIMEOUT,RESOLVER_TIMEOUT;AUTH_TIMEOUT"

# A level is freed once the last name that uses it is done, never before: one name at a time,
# ok-le.test is the parent of the first name and the third name itself, and is made once. Levels:
# www.ok-le.test, ok-le.test, test, nocaa.test.
printf 'www.ok-le.test\nnocaa.test\nok-le.test\n' >"$TMP/shared.txt"
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --no-progress --max-inflight 1 -o "$TMP/run3" \
    "$TMP/shared.txt" 2>"$TMP/run3.err"
expect "levels made once" "$(grep -o 'over [0-9]* CAA levels' "$TMP/run3.err")" "over 4 CAA levels"
expect "shared parent: statuses" "$(cells "$TMP/run3" name,status | sort | tr '\n' ' ')" \
    "nocaa.test,OK ok-le.test,OK www.ok-le.test,OK "

# check: the same verdict, explained; exit 1 when a name is not issuable.
"$CAASCAN" check -r "$WORLD_RESOLVERS" www.ok-le.test >"$TMP/check.out"
expect "check exit for an OK name" "$?" 0
expect "check verdict line" "$(head -3 "$TMP/check.out" | tail -1)" "www.ok-le.test: OK (issuable: yes; the CAA check fails 0 % of issuance attempts)"
grep -q "ok-le.test  <- relevant CAA set" "$TMP/check.out" && PASSED=$((PASSED + 1)) || fail "check names the relevant level"
set +e
"$CAASCAN" check -r "$WORLD_RESOLVERS" expired.test >"$TMP/check.out"
rc=$?
set -e
expect "check exit for a bogus name" "$rc" 1
grep -Eq "EDE (7 \(Signature Expired\)|6 \(DNSSEC Bogus\))" "$TMP/check.out" && PASSED=$((PASSED + 1)) || fail "check shows the EDE"
finish
