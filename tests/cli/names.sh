#!/usr/bin/env bash
# names.sh -- end-to-end test of `caascan names` on the samples in data/: exact CSV on stdout,
# exact reports on stderr, exit statuses for input errors.
# Usage: tests/cli/names.sh PATH/TO/caascan   (exits non-zero on the first difference)
set -euo pipefail
caascan=$(realpath "${1:?usage: names.sh PATH/TO/caascan}")
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect NAME STATUS EXPECTED_STDOUT_FILE EXPECTED_STDERR_FILE -- ARGS...
expect() {
    local name=$1 status=$2 out=$3 err=$4
    shift 5
    local rc=0
    "$caascan" names "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    if [ "$rc" != "$status" ]; then
        echo "FAIL $name: exit status $rc, want $status"; cat "$tmp/err"; failures=$((failures + 1)); return
    fi
    if ! diff -u "$out" "$tmp/out"; then echo "FAIL $name: stdout differs"; failures=$((failures + 1)); return; fi
    if ! diff -u "$err" "$tmp/err"; then echo "FAIL $name: stderr differs"; failures=$((failures + 1)); return; fi
    echo "ok   $name"
}

# 1. The messy customer CSV: BOM, CRLF, quoted commas and newlines, invalid rows, kept columns.
cat >"$tmp/messy.out" <<'OUT'
name,wildcard,status,reason,sources,customer_id,plan
shop.acme-widgets.example,no,VALID,,data/customers-messy.csv:2;data/customers-messy.csv:11,C-1001;C-1010,gold;platinum
xn--bckerei-mller-bfb28a.example,no,VALID,,data/customers-messy.csv:3,C-1002,silver
www.example-quotes.example,no,VALID,,data/customers-messy.csv:4,C-1003,bronze
widgets.example.com,no,VALID,,data/customers-messy.csv:5,C-1004,gold
info@mail-only.example,no,INVALID,email_address,data/customers-messy.csv:6,C-1005,bronze
_dmarc.underscore.example,no,INVALID,underscore,data/customers-messy.csv:7,C-1006,silver
spaced.example.com,no,VALID,,data/customers-messy.csv:8,C-1007,gold
198.51.100.7,no,INVALID,ip_address,data/customers-messy.csv:9,C-1008,gold
localhost,no,INVALID,single_label,data/customers-messy.csv:10,C-1009,bronze
multi.example.com,no,VALID,,data/customers-messy.csv:12,C-1011,silver
*.wild.example.com,yes,VALID,,data/customers-messy.csv:15,C-1012,gold
a.*.example.com,no,INVALID,wildcard_position,data/customers-messy.csv:16,C-1013,gold
,no,INVALID,empty,data/customers-messy.csv:17,C-1014,gold
,no,INVALID,missing_field,data/customers-messy.csv:18,C-1015,
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com,no,INVALID,label_too_long,data/customers-messy.csv:19,C-1016,gold
shop..example.com,no,INVALID,empty_label,data/customers-messy.csv:20,C-1017,silver
extra.example.com,no,VALID,,data/customers-messy.csv:21,C-1018,gold
2001:db8::1,no,INVALID,ip_address,data/customers-messy.csv:22,C-1019,gold
www.acme-widgets.example,no,VALID,,data/customers-messy.csv:23,C-1020,gold
OUT
cat >"$tmp/messy.err" <<'ERR'
caascan: data/customers-messy.csv:5: note: took the host widgets.example.com from a URL
caascan: data/customers-messy.csv:6: invalid name "info@mail-only.example": email_address
caascan: data/customers-messy.csv:7: invalid name "_dmarc.underscore.example": underscore
caascan: data/customers-messy.csv:9: invalid name "198.51.100.7": ip_address
caascan: data/customers-messy.csv:10: invalid name "localhost": single_label
caascan: data/customers-messy.csv:16: invalid name "a.*.example.com": wildcard_position
caascan: data/customers-messy.csv:17: invalid name "": empty
caascan: data/customers-messy.csv:18: invalid name "": missing_field
caascan: data/customers-messy.csv:19: invalid name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com": label_too_long
caascan: data/customers-messy.csv:20: invalid name "shop..example.com": empty_label
caascan: data/customers-messy.csv:22: invalid name "2001:db8::1": ip_address
data/customers-messy.csv: csv, 23 lines, 20 names, 10 invalid, 1 duplicates
invalid: empty 1, missing_field 1, empty_label 1, label_too_long 1, underscore 1, ip_address 2, email_address 1, wildcard_position 1, single_label 1
total: 9 names to scan, 10 invalid entries
ERR
expect messy-csv 0 "$tmp/messy.out" "$tmp/messy.err" -- --keep-columns customer_id,plan data/customers-messy.csv

# 2. Both crt.sh exports of the same certificates merge into one row per name and id.
cat >"$tmp/crtsh.out" <<'OUT'
name,wildcard,status,reason,sources
hosting.example.net,no,VALID,,crtsh:12000000001;crtsh:12000000002
*.hosting.example.net,yes,VALID,,crtsh:12000000001;crtsh:12000000002
shop.example.com,no,VALID,,crtsh:12000000001
www.shop.example.com,no,VALID,,crtsh:12000000001
xn--bcher-kva.example,no,VALID,,crtsh:12000000001;crtsh:12000000003
blog.example.org,no,VALID,,crtsh:12000000001
mail.example.org,no,VALID,,crtsh:12000000003
*.example.org,yes,VALID,,crtsh:12000000003
192.0.2.10,no,INVALID,ip_address,crtsh:12000000004
2001:db8::10,no,INVALID,ip_address,crtsh:12000000004
admin@example.com,no,INVALID,email_address,crtsh:12000000004
OUT
cat >"$tmp/crtsh.err" <<'ERR'
data/crtsh-hosting.json: crtsh-json, 50 lines, 15 names, 3 invalid, 4 duplicates
data/crtsh-hosting.csv: crtsh-csv, 16 lines, 15 names, 3 invalid, 12 duplicates
invalid: ip_address 4, email_address 2
total: 8 names to scan, 3 invalid entries
ERR
expect crtsh-json-and-csv 0 "$tmp/crtsh.out" "$tmp/crtsh.err" -- -q data/crtsh-hosting.json data/crtsh-hosting.csv

# 3. stdin as '-', merged with a file: sources name both.
printf 'Shop.Example.com.\nnew.example.net\n' >"$tmp/list.txt"
cat >"$tmp/stdin.out" <<'OUT'
name,wildcard,status,reason,sources
shop.example.com,no,VALID,,"'-:1;crtsh:12000000001"
new.example.net,no,VALID,,"'-:2"
hosting.example.net,no,VALID,,crtsh:12000000001;crtsh:12000000002
*.hosting.example.net,yes,VALID,,crtsh:12000000001;crtsh:12000000002
www.shop.example.com,no,VALID,,crtsh:12000000001
xn--bcher-kva.example,no,VALID,,crtsh:12000000001;crtsh:12000000003
blog.example.org,no,VALID,,crtsh:12000000001
mail.example.org,no,VALID,,crtsh:12000000003
*.example.org,yes,VALID,,crtsh:12000000003
192.0.2.10,no,INVALID,ip_address,crtsh:12000000004
2001:db8::10,no,INVALID,ip_address,crtsh:12000000004
admin@example.com,no,INVALID,email_address,crtsh:12000000004
OUT
cat >"$tmp/stdin.err" <<'ERR'
-: list, 2 lines, 2 names, 0 invalid, 0 duplicates
data/crtsh-hosting.json: crtsh-json, 50 lines, 15 names, 3 invalid, 5 duplicates
invalid: ip_address 2, email_address 1
total: 9 names to scan, 3 invalid entries
ERR
rc=0
"$caascan" names -q - data/crtsh-hosting.json <"$tmp/list.txt" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ $rc = 0 ] && diff -u "$tmp/stdin.out" "$tmp/out" && diff -u "$tmp/stdin.err" "$tmp/err"; then
    echo "ok   stdin"
else
    echo "FAIL stdin (exit $rc)"; failures=$((failures + 1))
fi
# The same with --raw: the sources cell as stored ('-' is stdin).
rc=0
"$caascan" names -q --raw - data/crtsh-hosting.json <"$tmp/list.txt" >"$tmp/out" 2>/dev/null || rc=$?
if [ $rc = 0 ] && [ "$(sed -n 2p "$tmp/out")" = "shop.example.com,no,VALID,,-:1;crtsh:12000000001" ]; then
    echo "ok   stdin-raw"
else
    echo "FAIL stdin-raw (exit $rc): $(sed -n 2p "$tmp/out")"; failures=$((failures + 1))
fi

# Cells a spreadsheet would run as formulas (an invalid name, kept columns) are written as text;
# --raw gives the bytes back.
printf 'domain,customer,note\n=1+2,@SUM(A1),+33 1 23\nok.example,-5,"=HYPERLINK(""http://x"",""y"")"\n' >"$tmp/inject.csv"
cat >"$tmp/inject.out" <<'OUT'
name,wildcard,status,reason,sources,customer,note
"'=1+2",no,INVALID,bad_character,INJ:2,"'@SUM(A1)","'+33 1 23"
ok.example,no,VALID,,INJ:3,"'-5","'=HYPERLINK(""http://x"",""y"")"
OUT
rc=0
"$caascan" names -q --keep-columns customer,note "$tmp/inject.csv" >"$tmp/out" 2>/dev/null || rc=$?
sed -i "s|$tmp/inject.csv|INJ|g" "$tmp/out"
if [ $rc = 0 ] && diff -u "$tmp/inject.out" "$tmp/out"; then echo "ok   formula-cells"; else
    echo "FAIL formula-cells (exit $rc)"; failures=$((failures + 1)); fi
rc=0
"$caascan" names -q --raw --keep-columns customer,note "$tmp/inject.csv" >"$tmp/out" 2>/dev/null || rc=$?
if [ $rc = 0 ] && [ "$(sed -n 2p "$tmp/out" | sed "s|$tmp/inject.csv|INJ|")" = "=1+2,no,INVALID,bad_character,INJ:2,@SUM(A1),+33 1 23" ]; then
    echo "ok   formula-cells-raw"
else
    echo "FAIL formula-cells-raw (exit $rc): $(sed -n 2p "$tmp/out")"; failures=$((failures + 1))
fi

# 4. Input errors: exit 2, one clear message, nothing on stdout.
: >"$tmp/empty.out"
head -c 700 data/crtsh-hosting.json >"$tmp/cut.json"
echo "caascan: $tmp/cut.json:14: JSON ends inside this object (file cut short?)" >"$tmp/cut.err"
expect json-cut-in-half 2 "$tmp/empty.out" "$tmp/cut.err" -- "$tmp/cut.json"
echo 'caascan: data/sample-inventory.csv:1: no column "site" in the header' >"$tmp/col.err"
expect missing-column 2 "$tmp/empty.out" "$tmp/col.err" -- --column site data/sample-inventory.csv
: >"$tmp/empty.txt"
echo "caascan: $tmp/empty.txt: empty input: no names" >"$tmp/emptyfile.err"
expect empty-file 2 "$tmp/empty.out" "$tmp/emptyfile.err" -- "$tmp/empty.txt"
echo "caascan: $tmp/nonexistent.csv: No such file or directory" >"$tmp/noent.err"
expect missing-file 2 "$tmp/empty.out" "$tmp/noent.err" -- "$tmp/nonexistent.csv"
echo "caascan: --input-format xml: not one of list, csv, crtsh-json, crtsh-csv" >"$tmp/fmt.err"
expect bad-format 2 "$tmp/empty.out" "$tmp/fmt.err" -- --input-format xml data/sample-inventory.csv

# 5. The quickstart inventory: 40 valid names under .test, a forced format, --help.
rc=0
"$caascan" names --input-format csv --keep-columns customer_id data/sample-inventory.csv \
    >"$tmp/out" 2>"$tmp/err" || rc=$?
valid=$(grep -c ',VALID,' "$tmp/out" || true)
if [ $rc = 0 ] && [ "$valid" = 40 ] && [ "$(tail -1 "$tmp/err")" = "total: 40 names to scan, 0 invalid entries" ] &&
    grep -qx 'shop.acme-hosting.test,no,VALID,,data/sample-inventory.csv:2,K-2001' "$tmp/out"; then
    echo "ok   sample-inventory"
else
    echo "FAIL sample-inventory (exit $rc, $valid valid)"; failures=$((failures + 1))
fi
if "$caascan" names --help | grep -q '^usage: caascan names'; then echo "ok   help"; else
    echo "FAIL help"; failures=$((failures + 1)); fi

[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }
