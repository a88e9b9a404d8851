# lib.sh -- helpers for the integration tests (sourced). Each test runs inside the DNS world
# (scripts/world.sh run), with CAASCAN set to the binary and WORLD_RESOLVERS to the resolvers.
set -euo pipefail
: "${CAASCAN:?CAASCAN must name the caascan binary}"
: "${WORLD_RESOLVERS:?run me inside scripts/world.sh run}"
TMP=$(mktemp -d /tmp/caascan-it.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILED=0
PASSED=0

# A failure is also written to TMP/failures, so that one inside a command substitution or a
# pipeline (a subshell, whose FAILED does not come back) still fails the test in finish.
fail() {
    echo "FAIL: $*" >&2
    echo "$*" >>"$TMP/failures"
    FAILED=$((FAILED + 1))
}

# must WHAT CMD [ARGS...]: prints CMD's output; when CMD fails (with pipefail: any stage of a
# pipeline in it), the test fails naming WHAT. For counts taken in a command substitution, e.g.
#   expect "rows" "$(must "reading the shards" shard_rows "$TMP/run" results | wc -l)" 3
# where an empty output would otherwise read as 0 rows.
must() {
    local what=$1 out rc=0
    shift
    out=$("$@") || rc=$?
    [ "$rc" -eq 0 ] || fail "$what: exit status $rc"
    [ -z "$out" ] || printf '%s\n' "$out"
}

# shard_rows RUN TABLE: the data rows (without header) of every shard of TABLE (results,
# servers) of RUN; fails when there is no shard or one does not decompress.
shard_rows() {
    local f found=0
    for f in "$1/$2"-*.csv.zst; do
        [ -e "$f" ] || return 1
        zstdcat "$f" | tail -n +2 || return 1
        found=1
    done
    [ "$found" = 1 ]
}

# The cells of some columns of CSV tables with a header row, found by header name (never by
# position: a new column must not shift what a test reads). Used by cells and shard_cells.
CELLS_PY='import csv, io, subprocess, sys
cols, name, srcs = sys.argv[1], sys.argv[2], sys.argv[3:]
out = csv.writer(sys.stdout, lineterminator="\n")
for src in srcs:
    if src == "-":
        f = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", newline="")
    elif src.endswith(".zst"):
        text = subprocess.run(["zstdcat", src], check=True, stdout=subprocess.PIPE).stdout
        f = io.StringIO(text.decode("utf-8"), newline="")
    else:
        f = open(src, encoding="utf-8-sig", newline="")
    rows = csv.reader(f)
    head = next(rows, None)
    if head is None:
        continue
    if cols.startswith("!"):
        want = [h for h in head if h not in cols[1:].split(",")]
    else:
        want = cols.split(",")
    at = [head.index(c) if c in head else None for c in want]
    key = head.index("name") if "name" in head else 0
    for r in rows:
        if not name or r[key] == name:
            out.writerow([r[i] if i is not None else "" for i in at])'

# cells SRC COLUMNS [NAME]: the cells of COLUMNS (header names, comma-separated, in the order
# wanted; "!A,B" for every column but A and B) of each row of SRC, joined by ',' (a cell with a
# ',' or '"' CSV-quoted), one row a line in SRC's order; with NAME only that name's row. SRC is a
# CSV file (an export, a diff) or a run directory, exported exactly (--raw). A column SRC lacks
# reads as empty.
cells() {
    if [ -d "$1" ]; then
        "$CAASCAN" export --raw "$1" | python3 -c "$CELLS_PY" "$2" "${3-}" -
    else
        python3 -c "$CELLS_PY" "$2" "${3-}" "$1"
    fi
}

# shard_cells RUN COLUMNS: the same from every result shard of RUN as it is on disk (also an
# incomplete run), shard after shard; fails when there is no shard or one does not decompress.
shard_cells() {
    local f found=0
    for f in "$1"/results-*.csv.zst; do
        [ -e "$f" ] || return 1
        found=1
    done
    [ "$found" = 1 ] && python3 -c "$CELLS_PY" "$2" "" "$1"/results-*.csv.zst
}

# expect WHAT GOT WANT
expect() {
    if [ "$2" == "$3" ]; then
        PASSED=$((PASSED + 1))
    else
        fail "$1: got '$2', want '$3'"
    fi
}

# jq-like field access on one JSON line (python3): jfield 'expr' < line; expr uses j as the object.
jfield() {
    python3 -c 'import json,sys
j = json.loads(sys.stdin.readline())
v = eval(sys.argv[1], {"j": j})
print(json.dumps(v) if isinstance(v, (list, dict, bool)) or v is None else v)' "$1"
}

finish() {
    local all=0
    [ ! -f "$TMP/failures" ] || all=$(wc -l <"$TMP/failures")
    [ "$all" -le "$FAILED" ] || FAILED=$all
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

# partition_queries RUN SINGLE_PCAP PARTS_PCAP N: a partitioned scan (PARTS_PCAP, N processes)
# against the single run RUN (SINGLE_PCAP), counted from the captures (meter.py). A partition is a
# process of its own, so what one process asks once per run it asks once per partition: the
# addresses of the nameserver hosts (A, AAAA), the public suffix (the TLD test.: the CA-side
# climb of names whose domain does not exist, and its servers, whose addresses are in RUN's
# servers table) and each authoritative address's own questions (--auth-depth sample: SOA over
# TCP and SOA without EDNS, the queries without an OPT record, and CAA in lower case, the only
# direct queries without an upper-case letter). That is a fixed cost per process, not per name;
# every other query (the names' own) must be within 2 % of the single run's, and the fixed part
# at most N times the single run's. The queries for the scenario names whose lookups end by chance
# (FLAKY, TIMEOUT or INTERMITTENT in tests/world/scenarios.tsv: how often the resolvers retry
# them, and a CA-side set seen by some tries only, is the luck of the run) are left aside, as the
# comparison of the rows leaves them aside.
partition_queries() {
    local run=$1 single=$2 parts=$3 n=$4 qs fs qp fp
    shard_rows "$run" servers | awk -F, '$1 == "test" { print $3 }' | sort -u >"$TMP/tld.addrs"
    awk -F'\t' 'NR > 1 && ($3 == "FLAKY" || $3 == "TIMEOUT" || $4 ~ /INTERMITTENT/) { print $1 }' \
        "$(dirname "${BASH_SOURCE[0]}")/../world/scenarios.tsv" >"$TMP/chance.names"
    count() {
        python3 "$(dirname "${BASH_SOURCE[0]}")/meter.py" tsv "$1" | python3 -c 'import sys
tld = set(open(sys.argv[1]).read().split())
chance = set(n + "." for n in open(sys.argv[2]).read().split())
per_name = fixed = 0
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if f[1] != "127.0.0.1" or f[6] != "q" or f[8].lower() in chance:
        continue
    own = f[10] == "0" or (f[9] == "257" and f[8] == f[8].lower() and f[8].upper() != f[8])
    if f[3] in tld or f[8].lower() == "test." or f[9] in ("1", "28") or own:
        fixed += 1
    else:
        per_name += 1
print(per_name, fixed)' "$TMP/tld.addrs" "$TMP/chance.names"
    }
    read -r qs fs < <(count "$single")
    read -r qp fp < <(count "$parts")
    echo "queries of the names: single run $qs, $n partitions $qp; fixed per process: single $fs, $n partitions $fp"
    if [ "$qs" -gt 0 ] && [ $(((qp > qs ? qp - qs : qs - qp) * 100)) -le $((qs * 2)) ]; then
        expect "queries of the names: $n partitions within 2 % of the single run" ok ok
    else
        fail "queries of the names: $n partitions sent $qp, the single run $qs (more than 2 % apart)"
    fi
    [ "$fp" -le $((n * fs)) ] && expect "fixed queries at most $n times the single run's" ok ok ||
        fail "fixed queries: $n partitions $fp, single run $fs"
}
