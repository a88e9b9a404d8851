#!/usr/bin/env bash
# output.sh CAASCAN -- output for people without DNS, on synthetic runs (tests/tools/mkrun):
# the option errors of export / diff / report (exit 2, one clear line), export --table servers
# (one header, every row, sorted), and an xlsx workbook read back with openpyxl (summary counts
# equal to the manifest's, no formula, statuses filled, one row per name).
set -u
source "$(dirname "$0")/testlib.bash"
mkrun=$(dirname "$caascan")/../tests/tools/mkrun
PY=/usr/bin/python3 # Debian's python3, which has python3-openpyxl
# usage_error WANT_MESSAGE ARGS...: exit 2 and exactly that line on stderr.
usage_error() {
    local want=$1
    shift
    local err rc
    err=$("$caascan" "$@" 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] && [ "$err" = "$want" ] && ok || bad "$* -> exit $rc, '$err' (want 2, '$want')"
}

"$mkrun" "$tmp/run" 300 --servers 40 --shards 4 >/dev/null || { echo "FAIL: mkrun"; exit 1; }
"$mkrun" "$tmp/run2" 300 --servers 40 --shards 3 --perturb 0.1 --seed 7 >/dev/null || exit 1

usage_error "caascan: export: --format xlsx needs -o FILE: a workbook is binary and is not written to a terminal or a pipe" \
    export "$tmp/run" --format xlsx
usage_error "caascan: export: --format xlsx needs -o FILE: a workbook is binary and is not written to a terminal or a pipe" \
    export "$tmp/run" --format xlsx -o -
usage_error "caascan: export: --raw goes with --format csv (JSON lines and xlsx hold the exact values)" \
    export "$tmp/run" --format jsonl --raw
usage_error "caascan: export: --bom goes with --format csv" export "$tmp/run" --format xlsx --bom -o "$tmp/x.xlsx"
usage_error "caascan: export: --status selects result rows: it does not go with --table servers" \
    export "$tmp/run" --table servers --status FAIL
usage_error "caascan: export: --split-by needs -o DIR, the directory for the files" \
    export "$tmp/run" --split-by status
usage_error "caascan: export: --format: \"pdf\" is not csv, jsonl or xlsx" export "$tmp/run" --format pdf
usage_error "caascan: export: --table: \"names\" is not results or servers" export "$tmp/run" --table names
usage_error "caascan: export: --split-by: $tmp/run has no column \"customer\"" \
    export "$tmp/run" --split-by customer -o "$tmp/split"
usage_error "caascan: diff: --format xlsx needs -o FILE: a workbook is binary and is not written to a terminal or a pipe" \
    diff "$tmp/run" "$tmp/run2" --format xlsx
usage_error "caascan: diff: --raw and --bom go with --format csv" diff "$tmp/run" "$tmp/run2" --format xlsx --raw -o "$tmp/d.xlsx"
usage_error "caascan: diff: --format: \"json\" is not csv or xlsx" diff "$tmp/run" "$tmp/run2" --format json
usage_error "caascan: report: --format xlsx needs -o FILE: a workbook is binary and is not written to a terminal or a pipe" \
    report "$tmp/run" --by zone --format xlsx
usage_error "caascan: report: --raw and --bom go with --format csv" report "$tmp/run" --by zone --bom
[ ! -e "$tmp/x.xlsx" ] && [ ! -e "$tmp/d" ] && [ ! -e "$tmp/split" ] && ok || bad "a refused command wrote a file"

# A workbook into a FIFO (as into /dev/stdout on a pipe, or /dev/null) is copied into it: the FIFO
# is never replaced by a file, and no temporary file is left. A directory is refused.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo.xlsx" &
"$caascan" export "$tmp/run" --format xlsx -o "$tmp/fifo" && ok || bad "export xlsx into a FIFO"
wait
[ -p "$tmp/fifo" ] && [ "$(head -c 2 "$tmp/from-fifo.xlsx")" = PK ] && ok || bad "xlsx into a FIFO"
ls "$tmp"/fifo.tmp "${TMPDIR:-/tmp}"/caascan-xlsx-* >/dev/null 2>&1 && bad "xlsx temporary left" || ok
"$caascan" export "$tmp/run" --format xlsx -o /dev/stdout | head -c 2 >"$tmp/piped"
[ "$(cat "$tmp/piped")" = PK ] && ok || bad "xlsx into /dev/stdout on a pipe"
usage_error "caascan: export: $tmp: is a directory; --format xlsx needs -o FILE" \
    export "$tmp/run" --format xlsx -o "$tmp"

# export --table servers: one header, every row of every shard, sorted.
"$caascan" export "$tmp/run" --table servers -o "$tmp/servers.csv" && ok || bad "export --table servers"
[ "$(grep -c '^zone,nameserver,' "$tmp/servers.csv")" = 1 ] && ok || bad "servers: not one header"
shard_rows=$(zstdcat "$tmp"/run/servers-*.csv.zst | grep -vc '^zone,nameserver,')
[ "$(grep -vc '^zone,nameserver,' "$tmp/servers.csv")" = "$shard_rows" ] && [ "$shard_rows" -gt 0 ] && ok ||
    bad "servers: rows differ from the shards ($shard_rows)"
tail -n +2 "$tmp/servers.csv" | cut -d, -f1 | LC_ALL=C sort -c && ok || bad "servers: not sorted by zone"

# export --split-by status: one file per status, together every row once.
"$caascan" export "$tmp/run" --split-by status -o "$tmp/bystatus" && ok || bad "export --split-by status"
[ "$(cat "$tmp"/bystatus/*.csv | grep -vc '^name,status,')" = 300 ] && ok || bad "split: not every row once"
for f in "$tmp"/bystatus/*.csv; do
    s=$(basename "$f" .csv)
    [ "$($PY -c 'import csv, sys
print("\n".join(sorted({r["status"] for r in csv.DictReader(open(sys.argv[1], newline=""))})))' "$f")" = "$s" ] &&
        ok || bad "split: $s.csv holds other statuses"
done

# The workbook.
if $PY -c 'import openpyxl' 2>/dev/null; then
    "$caascan" export "$tmp/run" --format xlsx -o "$tmp/run.xlsx" && ok || bad "export xlsx"
    "$caascan" export "$tmp/run" --format xlsx --status FAIL -o "$tmp/fail.xlsx" && ok || bad "export xlsx FAIL"
    # One workbook per status: each holds exactly that status's names, none is left over.
    "$caascan" export "$tmp/run" --split-by status --format xlsx -o "$tmp/wbs" && ok || bad "split xlsx"
    split=$($PY - "$tmp/wbs" "$tmp/run/manifest.json" <<'PY'
import glob, json, os, sys, openpyxl
m = json.load(open(sys.argv[2]))
got = {}
for f in sorted(glob.glob(sys.argv[1] + "/*")):
    if not f.endswith(".xlsx"):
        print("stray", os.path.basename(f))
        continue
    wb = openpyxl.load_workbook(f)
    ws = wb["results"]
    st = [c.value for c in ws[1]].index("status")
    statuses = {r[st].value for r in ws.iter_rows(min_row=2)}
    name = os.path.basename(f)[:-5]
    if statuses != {name} or ws.freeze_panes != "A2":
        print("bad", name, statuses, ws.freeze_panes)
    got[name] = ws.max_row - 1
print(got == {k: v for k, v in m["status_counts"].items() if v})
PY
)
    [ "$split" = True ] && ok || bad "split xlsx: $split"
    out=$($PY - "$tmp/run.xlsx" "$tmp/fail.xlsx" "$tmp/run/manifest.json" <<'PY'
import json, sys, openpyxl
m = json.load(open(sys.argv[3]))
wb = openpyxl.load_workbook(sys.argv[1])
res = wb["results"]
summary = {(r[0], r[1]): r[2] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
counts = {k[1]: v for k, v in summary.items() if k[0] == "names per status"}
print("counts", counts == m["status_counts"])
print("rows", res.max_row - 1 == m["tables"]["results"]["rows"])
print("servers", wb["servers"].max_row - 1 == m["tables"]["servers"]["rows"])
print("formulas", sum(c.data_type == "f" for s in wb for r in s.iter_rows() for c in r))
st = [c.value for c in res[1]].index("status")
unfilled = [r[st].value for r in res.iter_rows(min_row=2) if r[st].fill.fgColor.rgb in (None, "00000000")]
print("unfilled", unfilled)
fail = openpyxl.load_workbook(sys.argv[2])["results"]
want = sum(v for k, v in m["status_counts"].items() if k != "OK")
print("fail rows", fail.max_row - 1 == want, sorted({r[st].value for r in fail.iter_rows(min_row=2)}) == sorted(k for k, v in m["status_counts"].items() if k != "OK" and v))
PY
)
    [ "$out" = "counts True
rows True
servers True
formulas 0
unfilled []
fail rows True True" ] && ok || bad "workbook: $out"
else
    bad "python3-openpyxl is not installed (scripts/deps.sh)"
fi

# A run written before the fail_pct column (schema 2; mkrun --old-format) still reads everywhere:
# export as CSV, JSON lines and a workbook, diff against a run that has the column, report, and
# merge of such parts. The missing column reads as empty.
"$mkrun" "$tmp/old" 300 --servers 40 --shards 4 --old-format >/dev/null || bad "mkrun --old-format"
[ "$(zstdcat "$tmp/old/results-0000.csv.zst" | head -1 | cut -c1-37)" = "name,status,issuable,problems,fix,caa" ] &&
    ok || bad "old format: the header has fail_pct"
"$caascan" export "$tmp/old" -o "$tmp/old.csv" && [ "$(tail -n +2 "$tmp/old.csv" | wc -l)" = 300 ] &&
    ok || bad "export of an old run"
"$caascan" export "$tmp/old" --format jsonl -o "$tmp/old.jsonl" &&
    [ "$(grep -c '"fail_pct"' "$tmp/old.jsonl")" = 0 ] && [ "$(wc -l <"$tmp/old.jsonl")" = 300 ] &&
    ok || bad "export --format jsonl of an old run"
"$caascan" export "$tmp/old" --format xlsx -o "$tmp/old.xlsx" && ok || bad "export --format xlsx of an old run"
"$caascan" diff "$tmp/old" "$tmp/run" -o "$tmp/old-new.csv" && [ "$(wc -l <"$tmp/old-new.csv")" = 1 ] &&
    ok || bad "diff of an old run against tonight's: $(head -3 "$tmp/old-new.csv")"
"$caascan" diff "$tmp/old" "$tmp/run2" -o "$tmp/old-new2.csv"
[ $? -eq 1 ] && cmp -s "$tmp/old-new2.csv" <("$caascan" diff "$tmp/run" "$tmp/run2") && ok ||
    bad "diff of an old run: other changes than from the same run with fail_pct"
"$caascan" report "$tmp/old" --by certificate --format csv -o "$tmp/old-report.csv" && ok ||
    bad "report of an old run"
for k in 1 2; do
    "$mkrun" "$tmp/oldpart$k" 300 --partition "$k/2" --old-format >/dev/null || bad "mkrun part $k"
done
"$caascan" merge -q -o "$tmp/oldmerged" "$tmp/oldpart1" "$tmp/oldpart2" 2>"$tmp/err" &&
    [ "$("$caascan" export "$tmp/oldmerged" | md5sum)" = "$(md5sum <"$tmp/old.csv")" ] && ok ||
    bad "merge of old parts: $(cat "$tmp/err")"

finish
