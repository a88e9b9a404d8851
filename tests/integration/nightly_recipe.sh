#!/usr/bin/env bash
# nightly_recipe.sh -- the nightly recipe (scripts/nightly.sh) for three nights in the DNS world:
# night 1 completes; night 2's scan is killed with SIGKILL in the middle (the world's DNS changes
# that day: world.sh switch night2); night 3 completes and is diffed against night 1, the last
# complete run, with exactly the changes the DNS made; `latest` follows the complete nights only;
# retention (-k) keeps what it must. Then a night whose resolvers are dead: exit 4, latest stays.
. "$(dirname "$0")/lib.sh"
ROOT=${CAASCAN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
NIGHTLY="$ROOT/scripts/nightly.sh"
export CAASCAN
B="$TMP/base"
printf '# the resolvers of the DNS world\n%s\n%s\n' "${WORLD_RESOLVERS%%,*}" "${WORLD_RESOLVERS##*,}" \
    >"$TMP/resolvers.txt"
# The inventory of nights 1 and 3 (nightly.sh's names); night 2 adds a zone whose servers are
# silent, so that its scan is still running when it is killed.
printf 'domain;customer\nswitch-ca.test;1\nswitch-fix.test;2\nold.switch-gone.test;3\nswitch-caa.test;4\ngone.switch-status.test;5\nswitch-flaky.test;6\nok-le.test;7\nnocaa.test;8\n' \
    >"$TMP/inventory.csv"
{
    cat "$TMP/inventory.csv"
    printf 'allsilent.test;9\n'
} >"$TMP/inventory-slow.csv"
night() { # NAME [nightly options] -- exit status of nightly.sh
    local name=$1
    shift
    bash "$NIGHTLY" -b "$B" -n "$name" "$@" 2>>"$TMP/nightly.log"
}
run_rc() {
    set +e
    "$@"
    echo $? >"$TMP/rc"
    set -e
}

# Night 1: complete, nothing to compare with.
run_rc night 2026-12-01 -- -q -r "$TMP/resolvers.txt" --keep-columns customer "$TMP/inventory.csv"
expect "night 1: exit status" "$(cat "$TMP/rc")" 0
expect "night 1: latest" "$(readlink "$B/latest")" "runs/2026-12-01"
[ ! -e "$B/diffs/2026-12-01.csv" ] && PASSED=$((PASSED + 1)) || fail "night 1 has a diff"

# Night 2: the DNS changes; the scan is killed with SIGKILL while it waits for the silent zone.
bash "$ROOT/scripts/world.sh" switch "$WORLD_DIR" night2 2>/dev/null
night 2026-12-02 -- -q -r "$TMP/resolvers.txt" --keep-columns customer "$TMP/inventory-slow.csv" &
np=$!
for _ in $(seq 100); do [ -s "$B/runs/2026-12-02/RUNNING" ] && break; sleep 0.05; done
sleep 1
scan_pid=$(cat "$B/runs/2026-12-02/RUNNING")
[ -n "$scan_pid" ] && kill -KILL "$scan_pid"
set +e
wait "$np"
rc=$?
set -e
expect "night 2: exit status (the scan's SIGKILL)" "$rc" 137
expect "night 2: latest still night 1" "$(readlink "$B/latest")" "runs/2026-12-01"
[ ! -e "$B/runs/2026-12-02/manifest.json" ] && PASSED=$((PASSED + 1)) || fail "night 2 has a manifest"
[ ! -e "$B/diffs/2026-12-02.csv" ] && PASSED=$((PASSED + 1)) || fail "night 2 has a diff"

# Night 3: complete; compared with night 1 (night 2 is incomplete); retention keeps 2 complete runs.
run_rc night 2026-12-03 -k 2 -- -q -r "$TMP/resolvers.txt" --keep-columns customer "$TMP/inventory.csv"
expect "night 3: exit status (new failures)" "$(cat "$TMP/rc")" 1
expect "night 3: latest" "$(readlink "$B/latest")" "runs/2026-12-03"
grep -q "scanning into $B/runs/2026-12-03 (last complete run: 2026-12-01)" "$TMP/nightly.log" &&
    PASSED=$((PASSED + 1)) || fail "night 3 did not name night 1 as the run to compare with"
python3 - "$B/diffs/2026-12-03.csv" >"$TMP/kinds" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    print(f'{r["name"]}|{r["change"]}|{r["old_status"]}|{r["new_status"]}|{r["customer"]}')
PY
expect "night 3 against night 1: changes" "$(sort "$TMP/kinds" | xargs)" "$(printf '%s\n' \
    'gone.switch-status.test|STATUS_CHANGED|CAA_FORBIDS|NXDOMAIN|5' \
    'old.switch-gone.test|NEW_FAILURE|OK|NXDOMAIN|3' \
    'switch-ca.test|NEW_FAILURE|OK|CAA_FORBIDS|1' \
    'switch-caa.test|CAA_CHANGED|OK|OK|4' \
    'switch-fix.test|RECOVERED|CAA_FORBIDS|OK|2' \
    'switch-flaky.test|PROBLEMS_CHANGED|FLAKY|FLAKY|6' | sort | xargs)"
expect "retention -k 2: runs kept" "$(ls "$B/runs" | xargs)" "2026-12-01 2026-12-03"

# Night 4: the resolvers are dead. The health gate stops the scan (exit 4); latest stays on
# night 3, and retention -k 1 keeps night 3 (latest) and night 4 (newer, may be resumed).
run_rc night 2026-12-04 -k 1 -- -q -r 127.0.99.1 --health-window 5 "$TMP/inventory.csv"
expect "night 4 (dead resolvers): exit status" "$(cat "$TMP/rc")" 4
expect "night 4: latest" "$(readlink "$B/latest")" "runs/2026-12-03"
expect "retention -k 1 after a failed night: runs kept" "$(ls "$B/runs" | xargs)" "2026-12-03 2026-12-04"
expect "retention: diffs kept" "$(ls "$B/diffs" | xargs)" "2026-12-03.csv"

# A run that is being written is never removed, however old.
mkdir -p "$B/runs/2026-11-30"
exec 9>"$B/runs/2026-11-30/RUNNING" # this shell holds the lock, as a scan writing the run does
flock -n 9
printf 'ok-le.test\n' >"$TMP/one.txt"
run_rc night 2026-12-05 -k 1 -- -q -r "$TMP/resolvers.txt" "$TMP/one.txt"
expect "night 5 (seven names removed): exit status" "$(cat "$TMP/rc")" 0
expect "retention spares a run being written" "$(ls "$B/runs" | xargs)" "2026-11-30 2026-12-05"
exec 9>&-

finish
