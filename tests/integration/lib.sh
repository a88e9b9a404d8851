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
