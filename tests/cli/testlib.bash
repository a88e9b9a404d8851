# testlib.bash -- what the command-line tests (tests/cli/*.sh) share; sourced, not run (ctest
# runs the *.sh files). It sets: caascan (the binary, the script's first argument, absolute),
# tmp (a directory removed at exit), the counters passed and failed with ok and bad, expect (one
# command's exit status and whole stderr), and finish (the summary line and the script's status).

caascan=$(realpath "${1:?usage: $(basename "$0") PATH/TO/caascan}")
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_result STATUS EXACT-STDERR RC DESCRIPTION: RC is the exit status a command gave and
# $tmp/err its stderr; counts ok when both are as wanted, else says what came and what was wanted.
expect_result() {
    local want_rc=$1 want_err=$2 rc=$3 what=$4
    local got
    got=$(cat "$tmp/err")
    if [ "$rc" -eq "$want_rc" ] && [ "$got" == "$want_err" ]; then
        ok
    else
        bad "$what -> exit $rc, stderr:"$'\n'"$got"$'\n'"wanted exit $want_rc:"$'\n'"$want_err"
    fi
}

# expect STATUS EXACT-STDERR ARGS...: caascan ARGS exits STATUS with exactly that on stderr.
expect() {
    local want_rc=$1 want_err=$2
    shift 2
    "$caascan" "$@" >/dev/null 2>"$tmp/err"
    expect_result "$want_rc" "$want_err" $? "caascan $*"
}

# finish: prints "NAME: N passed, N failed"; the script's status is 0 when none failed.
finish() {
    echo "$(basename "$0" .sh): $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
