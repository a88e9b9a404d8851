#!/usr/bin/env bash
# fixes.sh -- the fix for every problem, in the DNS world: every name of tests/world/scenarios.tsv
# scanned; for every finding the fix sentence's party and the exact server and address it names
# (from check --json, whose fixes carry the facts of the sentence), the fix column of the rows
# (one sentence per finding, naming that server and address), check's text, report --by party,
# and lookup's JSON in the case that was asked.
. "$(dirname "$0")/lib.sh"
SCEN=$(dirname "$0")/../world/scenarios.tsv

tail -n +2 "$SCEN" | cut -f1 >"$TMP/names.txt"

# 1. Every finding of every scenario: name, code, party, server, address. A finding of one server
# names it and its address; a finding of the recursive lookups names the zone's servers (no single
# address). lame.test and silent.test have one healthy server and one silent one: a cold resolver
# may wait on the silent one, so their CA-side codes (RESOLVER_*, INTERMITTENT) may come and go;
# their server's finding is asserted exactly. www.splitparent.test's CAA_NOT_AUTHORIZED comes from
# the resolvers (then the zone's servers are named) or from the server whose data forbids, as luck
# has it which server a resolver asked: its party is asserted, its server is shown as "*".
cat >"$TMP/want.tsv" <<'TSV'
*.wild.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
allservfail.test	AUTH_SERVFAIL	dns-operator	ns-servfail1.dnsprov.test	127.0.20.16
allservfail.test	AUTH_SERVFAIL	dns-operator	ns-servfail2.dnsprov.test	127.0.20.17
allservfail.test	RESOLVER_SERVFAIL	dns-operator	ns-servfail1.dnsprov.test/127.0.20.16, ns-servfail2.dnsprov.test/127.0.20.17	
allsilent.test	AUTH_TIMEOUT	dns-operator	ns-allsilent.dnsprov.test	127.0.20.21
allsilent.test	RESOLVER_TIMEOUT	dns-operator	ns-allsilent.dnsprov.test/127.0.20.21	
casesens.test	CASE_SENSITIVE_ANSWER	dns-operator	ns-casesens.dnsprov.test	127.0.20.8
critical.test	CAA_CRITICAL_UNKNOWN	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
critical.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
empty.test	EMPTY_NOERROR	dns-operator	ns-empty.dnsprov.test	127.0.20.6
expired.test	DNSSEC_BOGUS	dns-operator	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
expired.test	RESOLVER_SERVFAIL	dns-operator	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
flaky.test	INTERMITTENT	dns-operator	ns-flaky.dnsprov.test/127.0.20.18	
flaky.test	RESOLVER_SERVFAIL	dns-operator	ns-flaky.dnsprov.test/127.0.20.18	
foo.nosuchtld	TLD_NXDOMAIN	scanner-operator		
forbid.test	CAA_EMPTY_ISSUER	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
forbid.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
formerr.test	AUTH_FORMERR	dns-operator	ns-formerr.dnsprov.test	127.0.20.11
formerr.test	EDNS_BROKEN	dns-operator	ns-formerr.dnsprov.test	127.0.20.11
gone.switch-status.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
lame.test	AUTH_TIMEOUT	dns-operator	ns-dead.dnsprov.test	127.0.99.1
locked.ok-le.test	CAA_EMPTY_ISSUER	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
locked.ok-le.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
lowercase.test	CASE_NOT_PRESERVED	dns-operator	ns-lowercase.dnsprov.test	127.0.20.7
noaa.test	AUTH_NOT_AUTHORITATIVE	dns-operator	ns-noaa.dnsprov.test	127.0.20.13
notcp.test	TCP_BROKEN	dns-operator	ns-notcp.dnsprov.test	127.0.20.12
notimp.test	AUTH_NOTIMP	dns-operator	ns-notimp.dnsprov.test	127.0.20.1
ns-nxdomain.test	NS_NO_ADDRESS	dns-operator	ns-gone.dnsprov.test	
nsmismatch.test	NS_SET_MISMATCH	dns-operator	ns3.dnsprov.test	127.0.4.1
other-ca.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
refused.test	AUTH_REFUSED	dns-operator	ns-refused.dnsprov.test	127.0.20.2
serialmismatch.test	SOA_SERIAL_MISMATCH	dns-operator	ns1.dnsprov.test	127.0.3.1
serialmismatch.test	SOA_SERIAL_MISMATCH	dns-operator	ns3.dnsprov.test	127.0.4.1
servfail-some.test	AUTH_SERVFAIL	dns-operator	ns-servfail-some.dnsprov.test	127.0.20.4
servfail-some.test	INTERMITTENT	dns-operator	ns-servfail-some.dnsprov.test	127.0.20.4
silent.test	AUTH_TIMEOUT	dns-operator	ns-silent.dnsprov.test	127.0.20.3
silentedns.test	AUTH_TIMEOUT	dns-operator	ns-silentedns.dnsprov.test	127.0.20.23
silentedns.test	EDNS_BROKEN	dns-operator	ns-silentedns.dnsprov.test	127.0.20.23
split.test	AUTH_INCONSISTENT_CAA	dns-operator	ns-split1.dnsprov.test	127.0.20.14
split.test	AUTH_INCONSISTENT_CAA	dns-operator	ns-split2.dnsprov.test	127.0.20.15
split.test	CAA_NOT_AUTHORIZED	customer	ns-split2.dnsprov.test	127.0.20.15
split.test	SOA_SERIAL_MISMATCH	dns-operator	ns-split1.dnsprov.test	127.0.20.14
split.test	SOA_SERIAL_MISMATCH	dns-operator	ns-split2.dnsprov.test	127.0.20.15
switch-fix.test	CAA_EMPTY_ISSUER	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
switch-fix.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
switch-flaky.test	INTERMITTENT	dns-operator	ns-switch-flaky.dnsprov.test/127.0.20.22	
switch-flaky.test	RESOLVER_SERVFAIL	dns-operator	ns-switch-flaky.dnsprov.test/127.0.20.22	
tc-notcp.test	RESOLVER_SERVFAIL	dns-operator	ns-tc-notcp.dnsprov.test/127.0.20.10	
tc-notcp.test	TCP_BROKEN	dns-operator	ns-tc-notcp.dnsprov.test	127.0.20.10
wild2.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
www.alias-src.test	CAA_NOT_AUTHORIZED	customer	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
www.expired.test	DNSSEC_BOGUS	dns-operator	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
www.expired.test	RESOLVER_SERVFAIL	dns-operator	ns1.dnsprov.test/127.0.3.1, ns2.dnsprov.test/127.0.3.2	
www.nosoa.test	MISSING_SOA_NEGATIVE	dns-operator	ns-nosoa.dnsprov.test	127.0.20.5
www.splitparent.test	AUTH_INCONSISTENT_CAA	dns-operator	ns-splitp1.dnsprov.test	127.0.20.24
www.splitparent.test	AUTH_INCONSISTENT_CAA	dns-operator	ns-splitp2.dnsprov.test	127.0.20.25
www.splitparent.test	CAA_NOT_AUTHORIZED	customer	ns-splitp1.dnsprov.test/127.0.20.24, ns-splitp2.dnsprov.test/127.0.20.25	
TSV
rc=0
"$CAASCAN" check --json -r "$WORLD_RESOLVERS" $(cat "$TMP/names.txt") >"$TMP/check.jsonl" || rc=$?
expect "check --json exit status (names not issuable)" "$rc" 1
expect "check --json: one object per name" "$(jq -s length "$TMP/check.jsonl")" "$(wc -l <"$TMP/names.txt")"
jq -r '. as $r | .fixes[] | [$r.name, .code, .party, (.server // ""), (.address // "")] | @tsv' \
    "$TMP/check.jsonl" | grep -Pv '^(lame|silent)\.test\t(RESOLVER_\w+|INTERMITTENT)\t' |
    sed -E 's/^(www\.splitparent\.test\tCAA_NOT_AUTHORIZED\tcustomer)\t.*/\1\t*\t*/' |
    LC_ALL=C sort >"$TMP/got.tsv"
sed -E 's/^(www\.splitparent\.test\tCAA_NOT_AUTHORIZED\tcustomer)\t.*/\1\t*\t*/' "$TMP/want.tsv" |
    LC_ALL=C sort >"$TMP/want.sorted"
if diff "$TMP/want.sorted" "$TMP/got.tsv" >"$TMP/d"; then
    expect "every finding's party, server and address" ok ok
else
    fail "findings differ (< want, > got):"
    cat "$TMP/d" >&2
fi
# Every code of every name has a fix, and every fix is for one of the name's codes.
expect "names whose codes and fixes differ" "$(jq -r 'select(([.fixes[].code] | unique) != (.problems | unique)) | .name' "$TMP/check.jsonl" | tr '\n' ' ')" ""
# The scenarios' expected codes all have a party in the table (none is left without a fix).
tail -n +2 "$SCEN" | cut -f1,4 | while IFS=$'\t' read -r name codes; do
    [ -n "$codes" ] || continue
    for c in ${codes//;/ }; do
        grep -qP "^\Q$name\E\t$c\t" "$TMP/want.tsv" || echo "$name $c"
    done
done >"$TMP/unfixed"
expect "scenario codes without a fix" "$(cat "$TMP/unfixed")" ""

# 2. check --json: exact values for a few names.
j() { jq -c "select(.name == \"$1\") | $2" "$TMP/check.jsonl"; }
expect "notimp.test status" "$(j notimp.test '[.status, .issuable, .problems]')" '["AT_RISK","yes",["AUTH_NOTIMP"]]'
expect "notimp.test fix" "$(j notimp.test '.fixes[0] | [.code, .party, .server, .address, .name, .zone, .answer]')" \
    '["AUTH_NOTIMP","dns-operator","ns-notimp.dnsprov.test","127.0.20.1","notimp.test","notimp.test","NOTIMP"]'
expect "notimp.test fix text" "$(j notimp.test '.fixes[0].text')" \
    '"Ask the operator of ns-notimp.dnsprov.test (127.0.20.1) to answer CAA queries for notimp.test with NOERROR: it answers NOTIMP, and Let'"'"'s Encrypt refuses to issue when a CAA lookup fails"'
expect "notimp.test servers" "$(j notimp.test '[.servers[] | [.nameserver, .address, .findings]] | sort')" \
    '[["ns-notimp.dnsprov.test","127.0.20.1",["AUTH_NOTIMP"]],["ns1.dnsprov.test","127.0.3.1",[]]]'
expect "split.test" "$(j split.test '[.status, .caa_owner, .caa, (.fixes | map(select(.code == "AUTH_INCONSISTENT_CAA")) | map([.server, .answer]) | sort)]')" \
    '["FLAKY","split.test",["0 issue \"other-ca.test\""],[["ns-split1.dnsprov.test","CAA 0 issue \"letsencrypt.org\""],["ns-split2.dnsprov.test","CAA 0 issue \"other-ca.test\""]]]'
expect "serialmismatch.test answers" "$(j serialmismatch.test '[.fixes[] | [.server, .answer]] | sort')" \
    '[["ns1.dnsprov.test","serial 2026010101"],["ns3.dnsprov.test","serial 2026010102"]]'
expect "forbid.test fix" "$(j forbid.test '.fixes[] | select(.code == "CAA_EMPTY_ISSUER") | [.party, .name, .text]')" \
    '["customer","forbid.test","Ask the owner of forbid.test to replace the CAA record 0 issue \";\" at forbid.test with 0 issue \"letsencrypt.org\": an empty issuer forbids every CA, Let'"'"'s Encrypt included"]'
expect "*.wild.test fix: issuewild for a wildcard" "$(j '*.wild.test' '.fixes[0].text')" \
    '"Ask the owner of wild.test to add the CAA record 0 issuewild \"letsencrypt.org\" at wild.test: the records there (0 issue \"letsencrypt.org\", 0 issuewild \"other-ca.test\") do not authorize Let'"'"'s Encrypt"'
expect "foo.nosuchtld fix" "$(j foo.nosuchtld '.fixes[0] | [.party, .name, .zone, .answer]')" \
    '["scanner-operator","foo.nosuchtld","nosuchtld","NXDOMAIN"]'
expect "expired.test levels" "$(j expired.test '[.levels[0] | .name, .deciding, (.tries | length), (.tries[0].ede)]')" '["expired.test",true,3,7]'
"$CAASCAN" check --json -r "$WORLD_RESOLVERS" 'bad..name' >"$TMP/inv.json" || true
expect "check --json invalid input" "$(jq -c '[.status, .problems, .fixes[0].party, .fixes[0].text]' "$TMP/inv.json")" \
    '["INVALID",["INVALID_NAME"],"scanner-operator","Correct or remove bad..name in the inventory: empty_label"]'
"$CAASCAN" check --json --ca pki.goog -r "$WORLD_RESOLVERS" other-ca.test >"$TMP/goog.json" || true
expect "the CA's display name" "$(jq -r '.fixes[0].text' "$TMP/goog.json")" \
    'Ask the owner of other-ca.test to add the CAA record 0 issue "pki.goog" at other-ca.test: the records there (0 issue "other-ca.test") do not authorize Google Trust Services'

# 3. check's text: the fixes with their party.
"$CAASCAN" check -r "$WORLD_RESOLVERS" notimp.test >"$TMP/check.txt" || fail "check notimp.test exit $?"
grep -qxF '    [dns-operator] Ask the operator of ns-notimp.dnsprov.test (127.0.20.1) to answer CAA queries for notimp.test with NOERROR: it answers NOTIMP, and Let'"'"'s Encrypt refuses to issue when a CAA lookup fails' \
    "$TMP/check.txt" && expect "check prints the fix" ok ok || fail "check's fix: $(cat "$TMP/check.txt")"
# Extended DNS Error texts whole, not cut in the middle of a word (Unbound's is 130 octets).
"$CAASCAN" check -r "$WORLD_RESOLVERS" www.expired.test >"$TMP/expired.txt" || true
expect "EDE on every try" "$(grep -c ', EDE [0-9]* (' "$TMP/expired.txt")" 3
expect "EDE texts end at a word" "$(grep -c 'while building chain of t -> ' "$TMP/expired.txt")" 0
grep -q 'signature expired from 127\.0\.3\.[12] for key expired\.test\. while building chain of trust -> DNSSEC' \
    "$TMP/expired.txt" && expect "EDE text whole in check" ok ok || fail "EDE text: $(grep EDE "$TMP/expired.txt")"

# 4. The rows of a scan: the fix column holds one sentence per finding, joined by "; ", each
# naming its server and address as check --json does.
"$CAASCAN" scan -r "$WORLD_RESOLVERS" --no-progress -o "$TMP/run" "$TMP/names.txt" 2>"$TMP/scan.err" ||
    fail "scan exit status $?"
"$CAASCAN" export "$TMP/run" --format jsonl -o "$TMP/rows.jsonl" || fail "export exit status $?"
python3 - "$TMP/rows.jsonl" "$TMP/want.tsv" >"$TMP/rowcheck" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[r["name"]] = r
want = {}
for line in open(sys.argv[2]):
    name, code, party, server, addr = line.rstrip("\n").split("\t")
    want.setdefault(name, []).append((code, party, server, addr))
bad = []
for name, r in sorted(rows.items()):
    fix = r["fix"]
    if isinstance(fix, list):
        sentences = fix
    else:
        sentences = [s for s in fix.split("; ") if s] if fix else []
    if not r["problems"] and sentences:
        bad.append(f"{name}: a fix without problems")
    if r["problems"] and not sentences:
        bad.append(f"{name}: problems without a fix")
    for code, party, server, addr in want.get(name, []):
        if addr:
            label = f"the operator of {server} ({addr})"
            if not any(label in s for s in sentences):
                bad.append(f"{name} {code}: no sentence names {label}")
    for s in sentences:
        if s.endswith(".") or s != s.strip():
            bad.append(f"{name}: sentence not trimmed: {s!r}")
print(len(rows))
for b in bad:
    print(b)
PY
expect "rows exported" "$(head -1 "$TMP/rowcheck")" "$(wc -l <"$TMP/names.txt")"
expect "fix column problems" "$(tail -n +2 "$TMP/rowcheck")" ""
hdr=$(zstdcat "$TMP/run/results-0000.csv.zst" | sed -n 1p)
expect "fix column after problems" "${hdr%%,caa,*}" "name,status,issuable,fail_pct,problems,fix,caa_owner"

# A run written before the fix and fail_pct columns (schema 1: the same run without them) still
# exports, reports and diffs against tonight's: the missing columns read as empty.
mkdir "$TMP/old"
python3 - "$TMP/run" "$TMP/old" <<'PY'
import csv, io, json, subprocess, sys
src, dst = sys.argv[1], sys.argv[2]
m = json.load(open(f"{src}/manifest.json"))
m["schema_version"] = 1
m["tables"]["results"]["columns"].remove("fix")
m["tables"]["results"]["columns"].remove("fail_pct")
for table in ("results", "servers"):
    for sh in m["tables"][table]["shards"]:
        text = subprocess.run(["zstdcat", f"{src}/{sh['file']}"], capture_output=True, check=True).stdout.decode()
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if table == "results":
            for col in ("fix", "fail_pct"):
                i = rows[0].index(col)
                rows = [r[:i] + r[i + 1:] for r in rows]
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        subprocess.run(["zstd", "-q", "-o", f"{dst}/{sh['file']}"], input=out.getvalue().encode(), check=True)
json.dump(m, open(f"{dst}/manifest.json", "w"), indent=2)
PY
"$CAASCAN" export "$TMP/old" --format jsonl -o "$TMP/old.jsonl" || fail "export of a schema-1 run: exit $?"
expect "schema-1 run exports every row" "$(wc -l <"$TMP/old.jsonl")" "$(wc -l <"$TMP/names.txt")"
expect "schema-1 rows have no fix" "$(jq -s 'map(select(has("fix") or has("fail_pct"))) | length' "$TMP/old.jsonl")" 0
"$CAASCAN" report "$TMP/old" --by party --format csv -o "$TMP/old-party.csv" || fail "report of a schema-1 run: exit $?"
rc=0
"$CAASCAN" diff "$TMP/old" "$TMP/run" -o "$TMP/old-new.csv" 2>"$TMP/diff.err" || rc=$?
expect "diff schema 1 against 3: exit status" "$rc" 0
expect "diff schema 1 against 3: no change" "$(tail -n +2 "$TMP/old-new.csv" | wc -l)" 0

# 5. report --by party: one line per nameserver to fix, one for customers, one for the scanner's
# operator, with the exact counts.
"$CAASCAN" report "$TMP/run" --by party --format csv -o "$TMP/party.csv" || fail "report exit status $?"
python3 - "$TMP/party.csv" >"$TMP/party" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    print(r["party"], r["names"], r["failing"], r["at_risk"])
PY
grep -q '^customer 11 11 0$' "$TMP/party" && expect "party customer" ok ok || fail "party customer: $(cat "$TMP/party")"
grep -q '^scanner-operator 1 1 0$' "$TMP/party" && expect "party scanner" ok ok || fail "party scanner: $(cat "$TMP/party")"
for host in ns-notimp ns-refused ns-empty ns-lowercase ns-noaa ns-nosoa ns-notcp ns-formerr ns-gone; do
    grep -q "^dns-operator: $host.dnsprov.test 1 0 1\$" "$TMP/party" && expect "party $host" ok ok ||
        fail "party $host: $(grep "$host" "$TMP/party")"
done
for host in ns-servfail1 ns-servfail2 ns-split1 ns-split2 ns-allsilent ns-casesens ns-tc-notcp; do
    grep -q "^dns-operator: $host.dnsprov.test 1 1 0\$" "$TMP/party" && expect "party $host" ok ok ||
        fail "party $host: $(grep "$host" "$TMP/party")"
done
grep -q '^dns-operator: provider of expired.test 2 2 0$' "$TMP/party" && expect "party provider" ok ok ||
    fail "party provider of expired.test: $(cat "$TMP/party")"
grep -q '^dns-operator: ns-healthy' "$TMP/party" && fail "a healthy server in the party report"
grep -q '^dns-operator: ns2.dnsprov.test ' "$TMP/party" && fail "ns2.dnsprov.test (healthy) listed"

# 6. lookup: names in the case that was asked (0x20 undone): the owner name, a parent's owner name
# in the authority section and names in record data that end with the asked name's labels.
"$CAASCAN" lookup -t CAA -r "$WORLD_RESOLVERS" Ok-LE.test WWW.ok-le.test >"$TMP/lookup.jsonl" 2>/dev/null
expect "lookup answer owner in the asked case" \
    "$(jq -c 'select(.name == "Ok-LE.test") | [.answers[].name]' "$TMP/lookup.jsonl")" '["Ok-LE.test."]'
expect "jq select on the asked name" \
    "$(jq -c 'select(.answers[]?.name == "Ok-LE.test.") | .answers[0].data.value' "$TMP/lookup.jsonl")" '"letsencrypt.org"'
expect "lookup authority owner in the asked case" \
    "$(jq -c 'select(.name == "WWW.ok-le.test") | [.authority[].name]' "$TMP/lookup.jsonl")" '["ok-le.test."]'
expect "lookup names in record data in the asked case" \
    "$(jq -r 'select(.name == "WWW.ok-le.test") | .authority[0].data' "$TMP/lookup.jsonl" | cut -d' ' -f1,2)" \
    'ns1.dnsprov.test. hostmaster.dnsprov.test.'
expect "lookup keeps the name sent" \
    "$(jq -r 'select(.name == "Ok-LE.test") | .sent_qname | ascii_downcase' "$TMP/lookup.jsonl")" 'ok-le.test.'

finish
