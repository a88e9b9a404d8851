#!/usr/bin/env bash
# fallback_cas.sh -- scan --ca with fallback CAs in the DNS world: the first CA decides status and
# issuable as before; each further CA gets its own verdict in the other_cas column, from the same
# lookups (the query count does not change) and the same authoritative checks (for every CA, the
# set a CA's lookup meets at quorum decides: split.test's servers each name one CA, so both CAs
# get unknown). A run judged for one CA has no other_cas column.
. "$(dirname "$0")/lib.sh"

# name <TAB> status (for letsencrypt.org) <TAB> other_cas. flaky.test: the set the answering
# resolver returns names letsencrypt.org, so it forbids the others whatever the failing one does.
cat >"$TMP/expect.tsv" <<'TSV'
ok-le.test	OK	other-ca.test: no; pki.goog: no
other-ca.test	CAA_FORBIDS	other-ca.test: yes; pki.goog: no
nocaa.test	OK	other-ca.test: yes; pki.goog: yes
forbid.test	CAA_FORBIDS	other-ca.test: no; pki.goog: no
*.wild.test	CAA_FORBIDS	other-ca.test: yes; pki.goog: no
wild.test	OK	other-ca.test: no; pki.goog: no
split.test	FLAKY	other-ca.test: unknown; pki.goog: no
flaky.test	FLAKY	other-ca.test: no; pki.goog: no
allservfail.test	SERVFAIL	other-ca.test: no; pki.goog: no
bad..name	INVALID	
TSV
cut -f1 "$TMP/expect.tsv" >"$TMP/names.txt"

# rows RUN: "name<TAB>status<TAB>other_cas" of every result row, by header name, sorted; "-" for
# a run without the column.
rows() {
    local f
    for f in "$1"/results-*.csv.zst; do zstdcat "$f"; done | python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
header = rows[0]
i = header.index("other_cas") if "other_cas" in header else None
name, status = header.index("name"), header.index("status")
out = set()
for r in rows:
    if r == header:
        continue
    out.add("\t".join([r[name], r[status], r[i] if i is not None else "-"]))
print("\n".join(sorted(out)))'
}

# The fallback CAs comma-separated and repeated; the first one decides.
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" --ca letsencrypt.org,other-ca.test --ca pki.goog \
    -o "$TMP/run" "$TMP/names.txt" || fail "scan with fallback CAs: exit status $?"
expect "rows with fallback CAs" "$(rows "$TMP/run")" "$(sort "$TMP/expect.tsv")"
expect "header: other_cas after the fixed columns" \
    "$(for f in "$TMP"/run/results-0000.csv.zst; do zstdcat "$f" | head -1 | tr -d '\r'; done)" \
    "name,status,issuable,fail_pct,problems,fix,caa_owner,caa,zone,nameservers,resolver_rcode,ede,detail,sources,checked_at,other_cas"
expect "manifest: the CA that decides" \
    "$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["options"]["ca"], m["options"]["other-cas"])' "$TMP/run/manifest.json")" \
    "letsencrypt.org ['other-ca.test', 'pki.goog']"

# Readers take the column by name (runs without it still read: run1 below).
"$CAASCAN" export "$TMP/run" --format jsonl >"$TMP/x.jsonl" || fail "export jsonl: exit $?"
expect "export jsonl: one value per CA" \
    "$(grep '"name":"other-ca.test"' "$TMP/x.jsonl" | jfield 'j["other_cas"]')" \
    '["other-ca.test: yes", "pki.goog: no"]'
"$CAASCAN" export "$TMP/run" >"$TMP/x.csv" || fail "export csv: exit $?"
expect "export csv: one cell" \
    "$(python3 -c 'import csv,sys; print([r["other_cas"] for r in csv.DictReader(open(sys.argv[1])) if r["name"] == "ok-le.test"][0])' "$TMP/x.csv")" \
    "other-ca.test: no; pki.goog: no"

# The same names judged for one CA: same statuses, no other_cas column.
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" -o "$TMP/run1" "$TMP/names.txt" ||
    fail "scan for one CA: exit status $?"
expect "rows for one CA" "$(rows "$TMP/run1")" "$(sort "$TMP/expect.tsv" | cut -f1,2 | sed 's/$/\t-/')"

# The other CA first: it decides the status, letsencrypt.org is the fallback.
printf 'ok-le.test\nother-ca.test\n' >"$TMP/two.txt"
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" --no-auth --ca other-ca.test,letsencrypt.org \
    -o "$TMP/run2" "$TMP/two.txt" || fail "scan other-ca.test first: exit status $?"
expect "other CA first" "$(rows "$TMP/run2")" \
    "$(printf 'ok-le.test\tCAA_FORBIDS\tletsencrypt.org: yes\nother-ca.test\tOK\tletsencrypt.org: no')"

# Bad lists are usage errors that name the CA.
rc=0
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" --ca letsencrypt.org,,x_y.test -o "$TMP/bad" \
    "$TMP/two.txt" 2>"$TMP/err" || rc=$?
expect "bad CA: exit" "$rc" 2
expect "bad CA: message" "$(cat "$TMP/err")" \
    "caascan: scan: --ca: 'x_y.test': the CA's issuer domain name must be letter/digit labels with inner hyphens, separated by dots, without a trailing dot (RFC 8659 4.2)"
rc=0
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" --ca letsencrypt.org --ca letsencrypt.org -o "$TMP/bad" \
    "$TMP/two.txt" 2>"$TMP/err" || rc=$?
expect "twice: exit" "$rc" 2
expect "twice: message" "$(cat "$TMP/err")" "caascan: scan: --ca: 'letsencrypt.org' is given twice"

# A run for one CA and a run with fallback CAs compare: the first CA is the same.
rc=0
"$CAASCAN" diff "$TMP/run1" "$TMP/run" >"$TMP/d.out" 2>"$TMP/d.err" || rc=$?
expect "diff: exit" "$rc" 0
expect "diff: nothing changed" "$(cat "$TMP/d.err")" \
    "caascan: diff: 10 names before, 10 now: ADDED 0 REMOVED 0 NEW_FAILURE 0 RECOVERED 0 STATUS_CHANGED 0 CAA_CHANGED 0 PROBLEMS_CHANGED 0"
finish
