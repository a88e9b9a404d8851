# lib.sh -- helpers for the integration tests (sourced). Each test runs inside the DNS world
# (scripts/world.sh run), with CAASCAN set to the binary and WORLD_RESOLVERS to the resolvers.
set -euo pipefail
: "${CAASCAN:?CAASCAN must name the caascan binary}"
: "${WORLD_RESOLVERS:?run me inside scripts/world.sh run}"
TMP=$(mktemp -d /tmp/caascan-it.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILED=0
PASSED=0

fail() {
    echo "FAIL: $*" >&2
    FAILED=$((FAILED + 1))
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
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
