#!/usr/bin/env bash
# nightly.sh -- the nightly workflow in the DNS world: scan night 1, change the DNS (world.sh
# switch night2) and the inventory, scan night 2, then diff (every change kind, and the exit
# status) and export; a scan killed by SIGINT stops at once and leaves an incomplete run.
. "$(dirname "$0")/lib.sh"
ROOT=${CAASCAN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
S() { "$CAASCAN" scan -q -r "$WORLD_RESOLVERS" "$@"; }

printf '%s\n' switch-ca.test switch-fix.test old.switch-gone.test switch-caa.test \
    gone.switch-status.test switch-flaky.test ok-le.test nocaa.test >"$TMP/night1.txt"
printf '%s\n' switch-ca.test switch-fix.test old.switch-gone.test switch-caa.test \
    gone.switch-status.test switch-flaky.test ok-le.test www.nocaa.test >"$TMP/night2.txt"
S -o "$TMP/n1" "$TMP/night1.txt"
bash "$ROOT/scripts/world.sh" switch "$WORLD_DIR" night2 2>/dev/null
S -o "$TMP/n2" "$TMP/night2.txt"

set +e
"$CAASCAN" diff "$TMP/n1" "$TMP/n2" -o "$TMP/changes.csv" 2>"$TMP/diff.err"
rc=$?
set -e
expect "diff exit status with new failures" "$rc" 1
python3 - "$TMP/changes.csv" >"$TMP/kinds" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    print(f'{r["name"]}|{r["change"]}|{r["old_status"]}|{r["new_status"]}')
PY
expect "changes" "$(sort "$TMP/kinds" | xargs)" "$(printf '%s\n' \
    'gone.switch-status.test|STATUS_CHANGED|CAA_FORBIDS|NXDOMAIN' \
    'nocaa.test|REMOVED|OK|' \
    'old.switch-gone.test|NEW_FAILURE|OK|NXDOMAIN' \
    'switch-ca.test|NEW_FAILURE|OK|CAA_FORBIDS' \
    'switch-caa.test|CAA_CHANGED|OK|OK' \
    'switch-fix.test|RECOVERED|CAA_FORBIDS|OK' \
    'switch-flaky.test|PROBLEMS_CHANGED|FLAKY|FLAKY' \
    'www.nocaa.test|ADDED||OK' | sort | xargs)"
new_caa=$(python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["name"] == "switch-caa.test": print(r["old_caa"] + " -> " + r["new_caa"])' "$TMP/changes.csv")
expect "CAA change shown" "$new_caa" \
    '0 issue "letsencrypt.org" -> 0 iodef "mailto:security@switch-caa.test";0 issue "letsencrypt.org"'
problems=$(python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["name"] == "switch-flaky.test": print(r["old_problems"] + " -> " + r["new_problems"])' "$TMP/changes.csv")
expect "problems change shown" "$problems" \
    "RESOLVER_SERVFAIL;INTERMITTENT -> RESOLVER_TIMEOUT;INTERMITTENT"
# The same run against itself: nothing changed, exit 0.
"$CAASCAN" diff "$TMP/n2" "$TMP/n2" -o "$TMP/none.csv" 2>/dev/null
expect "diff of a run with itself" "$?:$(wc -l <"$TMP/none.csv")" "0:1"

# export: FAIL selects every status but OK; JSON lines readable by a JSON parser.
"$CAASCAN" export "$TMP/n2" --status FAIL --format jsonl -o "$TMP/fail.jsonl"
expect "export FAIL" "$(python3 -c 'import json,sys
print(sorted(json.loads(l)["name"] for l in open(sys.argv[1])))' "$TMP/fail.jsonl")" \
    "['gone.switch-status.test', 'old.switch-gone.test', 'switch-ca.test', 'switch-flaky.test']"

# A scan killed in the middle (a silent zone keeps it waiting) leaves no manifest.
printf '%s\n' allsilent.test ok-le.test >"$TMP/slow.txt"
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" -o "$TMP/killed" "$TMP/slow.txt" 2>"$TMP/killed.err" &
pid=$!
for _ in $(seq 50); do [ -e "$TMP/killed/RUNNING" ] && break; sleep 0.1; done
sleep 0.5
kill -INT "$pid"
t0=$SECONDS
set +e
wait "$pid"
rc=$?
set -e
# Queries in flight are cancelled, not waited for (the silent zone's lookups would take 8 s).
[ $((SECONDS - t0)) -lt 5 ] && PASSED=$((PASSED + 1)) || fail "killed scan took $((SECONDS - t0)) s to stop"
expect "killed scan exit status" "$rc" 130
expect "killed scan message" "$(tail -1 "$TMP/killed.err")" \
    "caascan: scan: interrupted by SIGINT: $TMP/killed is incomplete (no manifest.json); the names finished are kept: continue it with \`caascan scan --resume -o $TMP/killed\` and the same inputs and options"
[ ! -e "$TMP/killed/manifest.json" ] && PASSED=$((PASSED + 1)) || fail "killed scan left a manifest"
set +e
"$CAASCAN" export "$TMP/killed" >/dev/null 2>"$TMP/export.err"
rc=$?
set -e
expect "export refuses an incomplete run" "$rc" 2
# A plain scan into the directory of an interrupted run is refused (it would throw away what the
# run finished: --resume continues it); --force starts again.
printf 'ok-le.test\n' >"$TMP/one.txt"
set +e
S -o "$TMP/killed" "$TMP/one.txt" 2>/dev/null
rc=$?
set -e
expect "scan into an interrupted run without --force" "$rc" 2
S --force -o "$TMP/killed" "$TMP/one.txt"
[ -e "$TMP/killed/manifest.json" ] && PASSED=$((PASSED + 1)) || fail "rescan into an incomplete run"
finish
