#!/usr/bin/env bash
# output.sh -- output for people, in the DNS world: a customer CSV whose kept columns start with
# = + - @ TAB and CR, an INVALID name "=1+2", an IDN, and formula.test, whose nameserver is named
# +1+2.dnsprov.test. The run's shards keep the exact bytes; export / diff / report CSV show every
# such cell as text ('-prefixed and quoted), --raw gives them back; JSON lines parse with jq and
# hold the exact values; the xlsx workbooks (read back with openpyxl) have a frozen header, an
# autofilter over all rows, no formula anywhere, coloured status cells, date-times, kept columns
# first, the IDN in Unicode, summary counts equal to the manifest's; --table servers and
# --split-by write what they promise.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3 # Debian's python3, which has python3-openpyxl
$PY -c 'import openpyxl' || { fail "python3-openpyxl is not installed (scripts/deps.sh)"; finish; }

printf 'domain,customer,note\r\n' >"$TMP/customers.csv"
printf 'formula.test,=1+2,+SUM(1;2)\r\n' >>"$TMP/customers.csv"
printf 'ok-le.test,-2+3,@cmd\r\n' >>"$TMP/customers.csv"
printf 'other-ca.test,"\tTAB","\rCR"\r\n' >>"$TMP/customers.csv"
printf '=1+2,C-9,"=HYPERLINK(""http://x.test"",""click"")"\r\n' >>"$TMP/customers.csv"
printf 'b\xc3\xbccher.test,C-10,plain\r\n' >>"$TMP/customers.csv"
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" --keep-columns customer,note -o "$TMP/run" \
    "$TMP/customers.csv" 2>"$TMP/scan.err" || fail "scan exit status $? ($(cat "$TMP/scan.err"))"

# 1. The shards are machine data: exact bytes.
zstdcat "$TMP"/run/results-*.csv.zst | tr -d '\r' >"$TMP/raw.csv"
zstdcat "$TMP"/run/servers-*.csv.zst | tr -d '\r' >"$TMP/raw-servers.csv"
grep -q '^=1+2,INVALID,' "$TMP/raw.csv" && PASSED=$((PASSED + 1)) || fail "shard: INVALID name not exact"
grep -q ',=1+2,+SUM(1;2)$' "$TMP/raw.csv" && PASSED=$((PASSED + 1)) || fail "shard: kept cells not exact"
grep -q '+1+2.dnsprov.test/127.0.3.2' "$TMP/raw.csv" && PASSED=$((PASSED + 1)) ||
    fail "shard: the nameserver +1+2.dnsprov.test is missing"
grep -q '^formula.test,+1+2.dnsprov.test,127.0.3.2,' "$TMP/raw-servers.csv" && PASSED=$((PASSED + 1)) ||
    fail "servers shard: +1+2.dnsprov.test not exact"

# 2. CSV for people: no cell starts with a formula character; the exact values after the quote.
"$CAASCAN" export "$TMP/run" -o "$TMP/export.csv"
"$CAASCAN" export "$TMP/run" --raw --bom -o "$TMP/raw-export.csv"
"$CAASCAN" export "$TMP/run" --table servers -o "$TMP/servers.csv"
cat >"$TMP/check_csv.py" <<'PY'
import csv, sys
# check_csv.py FILE [raw]: prints every cell that a spreadsheet would run as a formula, then the
# cells of the interesting rows as KEY|COLUMN|VALUE.
path, raw = sys.argv[1], len(sys.argv) > 2
text = open(path, encoding="utf-8", newline="").read()
if text.startswith("\ufeff"):
    print("BOM")
    text = text[1:]
rows = list(csv.reader(text.splitlines(keepends=True)))
head = rows[0]
for r in rows[1:]:
    for c, v in zip(head, r):
        if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            print(f"TRIGGER|{r[0]}|{c}|{v!r}")
for r in rows[1:]:
    d = dict(zip(head, r))
    key = d.get("name", d.get("nameserver", r[0]))
    for c in ("name", "customer", "note", "nameservers", "nameserver", "status"):
        if c in d and (d.get("name") in ("'=1+2", "=1+2", "formula.test", "other-ca.test", "ok-le.test")
                       or c == "nameserver"):
            print(f"{key}|{c}|{d[c]!r}")
PY
$PY "$TMP/check_csv.py" "$TMP/export.csv" >"$TMP/export.cells"
expect "no formula cell in export CSV" "$(grep -c '^TRIGGER' "$TMP/export.cells")" 0
expect "INVALID name neutralised" "$(grep "^'=1+2|name|" "$TMP/export.cells")" "'=1+2|name|\"'=1+2\""
expect "INVALID row's note" "$(grep "^'=1+2|note|" "$TMP/export.cells")" \
    "'=1+2|note|'\\'=HYPERLINK(\"http://x.test\",\"click\")'"
expect "customer =1+2" "$(grep '^formula.test|customer|' "$TMP/export.cells")" "formula.test|customer|\"'=1+2\""
expect "note +SUM" "$(grep '^formula.test|note|' "$TMP/export.cells")" "formula.test|note|\"'+SUM(1;2)\""
expect "nameservers +1+2" "$(grep '^formula.test|nameservers|' "$TMP/export.cells")" \
    "formula.test|nameservers|\"'+1+2.dnsprov.test/127.0.3.2;ns1.dnsprov.test/127.0.3.1\""
expect "customer -2+3" "$(grep '^ok-le.test|customer|' "$TMP/export.cells")" "ok-le.test|customer|\"'-2+3\""
expect "note @cmd" "$(grep '^ok-le.test|note|' "$TMP/export.cells")" "ok-le.test|note|\"'@cmd\""
# The input reader trims a leading TAB and replaces a CR inside a value by '?' (docs/input.md):
# such cells never reach the output; tests/unit/test_output.c covers TAB and CR in the writer.
expect "customer TAB (trimmed at input)" "$(grep '^other-ca.test|customer|' "$TMP/export.cells")" "other-ca.test|customer|'TAB'"
expect "note CR (replaced at input)" "$(grep '^other-ca.test|note|' "$TMP/export.cells")" "other-ca.test|note|'?CR'"
$PY "$TMP/check_csv.py" "$TMP/raw-export.csv" raw >"$TMP/raw.cells"
expect "--bom" "$(head -1 "$TMP/raw.cells")" BOM
expect "--raw keeps the cells" "$(grep '^TRIGGER' "$TMP/raw.cells" | cut -d'|' -f2,3 | xargs)" \
    "=1+2|name =1+2|note formula.test|nameservers formula.test|customer formula.test|note ok-le.test|customer ok-le.test|note"
expect "--raw customer" "$(grep '^formula.test|customer|' "$TMP/raw.cells")" "formula.test|customer|'=1+2'"
# The per-server table: one header, sorted by zone, the nameserver as text.
expect "servers: one header" "$(grep -c '^zone,nameserver,' "$TMP/servers.csv")" 1
expect "servers: sorted" "$(tail -n +2 "$TMP/servers.csv" | cut -d, -f1 | sort -c && echo sorted)" sorted
expect "servers: every row" "$(grep -vc '^zone,nameserver,' "$TMP/servers.csv")" \
    "$(grep -vc '^zone,nameserver,' "$TMP/raw-servers.csv")"
expect "servers: +1+2 as text" "$(grep -c "^formula.test,\"'+1+2.dnsprov.test\",127.0.3.2," "$TMP/servers.csv")" 1

# 3. JSON lines: valid for jq, exact values.
"$CAASCAN" export "$TMP/run" --format jsonl -o "$TMP/export.jsonl"
expect "jsonl rows" "$(jq -c . "$TMP/export.jsonl" | wc -l)" 5
expect "jsonl exact" "$(jq -r 'select(.name == "=1+2") | .note[0]' "$TMP/export.jsonl")" \
    '=HYPERLINK("http://x.test","click")'
expect "jsonl nameservers" "$(jq -r 'select(.name == "formula.test") | .nameservers[0]' "$TMP/export.jsonl")" \
    "+1+2.dnsprov.test/127.0.3.2"

# 4. The workbook.
"$CAASCAN" export "$TMP/run" --format xlsx -o "$TMP/run.xlsx"
cat >"$TMP/check_xlsx.py" <<'PY'
import datetime, json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
manifest = json.load(open(sys.argv[2]))
print("sheets", wb.sheetnames)
for ws in wb:
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    types = sorted({c.data_type for row in ws.iter_rows() for c in row})
    print(ws.title, "formulas", formulas, "types", types)
    last = openpyxl.utils.get_column_letter(ws.max_column)
    print(ws.title, "frozen", ws.freeze_panes, "filter", ws.auto_filter.ref,
          "covers all", ws.auto_filter.ref == f"A1:{last}{ws.max_row}", "rows", ws.max_row)
res = wb["results"]
head = [c.value for c in res[1]]
print("head", head[:5])
col = {h: i for i, h in enumerate(head)}
for row in res.iter_rows(min_row=2):
    v = {h: row[i] for h, i in col.items()}
    name = v["name"].value
    print("cell", name, "customer", repr(v["customer"].value), v["customer"].data_type)
    print("cell", name, "note", repr(v["note"].value))
    print("cell", name, "unicode", repr(v["name_unicode"].value))
    print("cell", name, "checked_at", type(v["checked_at"].value).__name__)
    print("cell", name, "status", v["status"].value, "fill", v["status"].fill.fgColor.rgb)
srv = wb["servers"]
print("servers +1+2", [c.value for c in srv["B"] if c.value and c.value.startswith("+")])
summary = {(r[0], r[1]): r[2] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
counts = {k[1]: v for k, v in summary.items() if k[0] == "names per status"}
print("summary counts equal manifest", counts == manifest["status_counts"], counts)
print("summary ca", summary.get(("run", "ca")))
print("summary started", type(summary.get(("run", "started_at"))).__name__)
print("widths", [round(res.column_dimensions[c].width or 0) for c in "ABCD"])
PY
$PY "$TMP/check_xlsx.py" "$TMP/run.xlsx" "$TMP/run/manifest.json" >"$TMP/xlsx.out" 2>&1 ||
    fail "reading the workbook: $(tail -3 "$TMP/xlsx.out")"
x() { grep -F "$1" "$TMP/xlsx.out" | head -1; }
expect "xlsx sheets" "$(x 'sheets')" "sheets ['results', 'servers', 'summary']"
for s in results servers summary; do
    expect "xlsx $s: no formula" "$(grep -c "^$s formulas \[\]" "$TMP/xlsx.out")" 1
    expect "xlsx $s: frozen header" "$(grep "^$s frozen" "$TMP/xlsx.out" | cut -d' ' -f3)" A2
done
expect "xlsx results cell types" "$(x 'results formulas')" "results formulas [] types ['d', 'n', 's']"
expect "xlsx autofilter over all rows" "$(x 'results frozen' | cut -d' ' -f6-)" "covers all True rows 6"
expect "xlsx servers autofilter" "$(x 'servers frozen' | cut -d' ' -f6-8)" "covers all True"
expect "xlsx kept columns first" "$(x 'head')" "head ['customer', 'note', 'name', 'name_unicode', 'status']"
expect "xlsx =1+2 is text" "$(x 'cell formula.test customer')" "cell formula.test customer '=1+2' s"
expect "xlsx INVALID name is text" "$(x 'cell =1+2 note')" \
    "cell =1+2 note '=HYPERLINK(\"http://x.test\",\"click\")'"
expect "xlsx IDN in Unicode" "$(x 'cell xn--bcher-kva.test unicode')" "cell xn--bcher-kva.test unicode 'bücher.test'"
expect "xlsx ASCII name: no Unicode" "$(x 'cell ok-le.test unicode')" "cell ok-le.test unicode None"
expect "xlsx checked_at date-time" "$(grep -c 'checked_at datetime' "$TMP/xlsx.out")" 5
expect "xlsx OK fill" "$(x 'cell ok-le.test status')" "cell ok-le.test status OK fill FFC6EFCE"
expect "xlsx CAA_FORBIDS fill" "$(x 'cell other-ca.test status')" "cell other-ca.test status CAA_FORBIDS fill FFFFC7CE"
expect "xlsx INVALID fill" "$(x 'cell =1+2 status')" "cell =1+2 status INVALID fill FFD9D9D9"
expect "xlsx servers +1+2" "$(x 'servers +1+2')" "servers +1+2 ['+1+2.dnsprov.test']"
expect "xlsx summary = manifest" "$(x 'summary counts' | cut -d' ' -f1-5)" "summary counts equal manifest True"
expect "xlsx summary CA" "$(x 'summary ca')" "summary ca letsencrypt.org"
expect "xlsx run date" "$(x 'summary started')" "summary started datetime"
set +e
"$CAASCAN" export "$TMP/run" --format xlsx >/dev/null 2>"$TMP/xlsx.err"
rc=$?
set -e
expect "xlsx without -o" "$rc:$(cat "$TMP/xlsx.err")" \
    "2:caascan: export: --format xlsx needs -o FILE: a workbook is binary and is not written to a terminal or a pipe"

# 5. diff: kept columns, neutralised; xlsx without formulas.
grep -v '^ok-le.test' "$TMP/customers.csv" >"$TMP/customers2.csv"
printf 'nocaa.test,@new,-x\r\n' >>"$TMP/customers2.csv"
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" --keep-columns customer,note -o "$TMP/run2" \
    "$TMP/customers2.csv" 2>/dev/null || fail "second scan exit status $?"
set +e
"$CAASCAN" diff -q "$TMP/run" "$TMP/run2" -o "$TMP/changes.csv"
rc=$?
"$CAASCAN" diff -q "$TMP/run" "$TMP/run2" --format xlsx -o "$TMP/changes.xlsx"
rcx=$?
set -e
expect "diff exit status" "$rc:$rcx" "0:0"
tr -d '\r' <"$TMP/changes.csv" >"$TMP/changes.txt"
expect "diff rows" "$(cut -d, -f1,2 "$TMP/changes.txt" | tail -n +2 | xargs)" \
    "nocaa.test,ADDED ok-le.test,REMOVED"
expect "diff header" "$(head -1 "$TMP/changes.txt")" \
    "name,change,old_status,new_status,old_problems,new_problems,old_caa,new_caa,detail,customer,note"
expect "diff kept columns" "$($PY -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")): print(r["name"], r["customer"], r["note"])' "$TMP/changes.csv")" \
    "nocaa.test '@new '-x
ok-le.test '-2+3 '@cmd"
$PY - "$TMP/changes.xlsx" >"$TMP/diffx.out" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["changes"]
print(wb.sheetnames, ws.freeze_panes, ws.auto_filter.ref)
print([c.value for c in ws[1]][:4])
print(sum(c.data_type == "f" for s in wb for row in s.iter_rows() for c in row))
print(sorted((r[0], r[2]) for r in ws.iter_rows(min_row=2, values_only=True)))
PY
expect "diff xlsx" "$(cat "$TMP/diffx.out")" "['changes', 'summary'] A2 A1:K3
['customer', 'note', 'name', 'change']
0
[('-2+3', 'ok-le.test'), ('@new', 'nocaa.test')]"

# 6. report: groups neutralised; xlsx.
"$CAASCAN" report "$TMP/run" --by certificate --group-column customer --all --format csv \
    -o "$TMP/report.csv"
$PY "$TMP/check_csv.py" "$TMP/report.csv" >"$TMP/report.cells"
expect "report: no formula cell" "$(grep -c '^TRIGGER' "$TMP/report.cells")" 0
expect "report: group =1+2" "$(grep -c "^\"'=1+2\",1," "$TMP/report.csv")" 1
"$CAASCAN" report "$TMP/run" --by nameserver --all --format csv -o "$TMP/byns.csv"
expect "report nameserver: host +1+2" "$(grep -c "^127.0.3.2,\"'+1+2.dnsprov.test;ns2.dnsprov.test\"," "$TMP/byns.csv")" 1
"$CAASCAN" report "$TMP/run" --by registered-domain --all --format csv -o "$TMP/byreg.csv"
expect "report registered-domain: INVALID apart" "$(grep -c '^(invalid names),1,1,0,INVALID,' "$TMP/byreg.csv")" 1
"$CAASCAN" report "$TMP/run" --by zone --all --format xlsx -o "$TMP/report.xlsx"
expect "report xlsx" "$($PY -c 'import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print(wb.sheetnames, wb["report"].freeze_panes, sum(c.data_type == "f" for s in wb for r in s.iter_rows() for c in r))' "$TMP/report.xlsx")" \
    "['report', 'summary'] A2 0"

# 7. One file per customer.
"$CAASCAN" export "$TMP/run" --split-by customer -o "$TMP/split"
expect "split files" "$(cd "$TMP/split" && ls | LC_ALL=C sort | xargs)" \
    "=1+2.csv C-10.csv C-9.csv TAB.csv _2+3.csv"
expect "split: one row and the header each" "$(cat "$TMP"/split/*.csv | grep -c '^name,status,')" 5
expect "split: =1+2's rows" "$(cells "$TMP/split/=1+2.csv" name | xargs)" "formula.test"
finish
