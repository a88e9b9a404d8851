#!/usr/bin/env bash
# nightly_gates.sh -- the health gates of an unattended scan, in the DNS world: resolvers that
# answer nothing stop the scan early (exit 4, no manifest, a message naming each resolver and
# what it did); one of two resolvers dying in the middle of a run does not (the run finishes, no
# name is lost, nothing is falsely OK); ';' and tab customer CSV and -r FILE end to end.
. "$(dirname "$0")/lib.sh"
R1=${WORLD_RESOLVERS%%,*}
R2=${WORLD_RESOLVERS##*,}

# rows RUN: "name|status" of every row, sorted (export is the public way to read a run).
rows() {
    "$CAASCAN" export "$1" | python3 -c 'import csv,sys
for r in csv.DictReader(sys.stdin):
    print(r["name"] + "|" + r["status"])' | sort
}

# --- All resolvers dead: nothing listens on these addresses (every query times out).
seq -f "h%g.ok-le.test" 1 40 >"$TMP/names.txt"
t0=$SECONDS
set +e
"$CAASCAN" scan -q --health-window 10 -r 127.0.99.1,127.0.99.2:5300 -o "$TMP/dead" "$TMP/names.txt" \
    2>"$TMP/dead.err"
rc=$?
set -e
took=$((SECONDS - t0))
expect "dead resolvers: exit status" "$rc" 4
# Timeouts of 8 s, then the 10 s window: well under a minute, not the hours of a full run (the
# default window of 30 s and the judgement over time are unit-tested: test_health.c).
[ "$took" -lt 60 ] && PASSED=$((PASSED + 1)) || fail "dead resolvers: took $took s to stop"
[ ! -e "$TMP/dead/manifest.json" ] && PASSED=$((PASSED + 1)) || fail "dead resolvers: a manifest"
msg=$(cat "$TMP/dead.err")
expect "dead resolvers: message" "$(sed -E 's/[0-9]+ of [0-9]+ answered/N of M answered/; s/\([0-9]+ queries: no reply [0-9]+\)/(Q queries: no reply Q)/g' <<<"$msg")" \
    "caascan: scan: stopped early: the resolvers answer too few lookups (N of M answered; --min-answered 20 % over --health-window 10 s): 127.0.99.1:53 (Q queries: no reply Q), 127.0.99.2:5300 (Q queries: no reply Q); $TMP/dead is incomplete (no manifest.json)"
set +e
"$CAASCAN" export "$TMP/dead" >/dev/null 2>&1
rc=$?
set -e
expect "dead resolvers: the run cannot be exported" "$rc" 2

# A longer inventory against dead resolvers stops in the window too (the rest is cancelled).
seq -f "g%g.ok-le.test" 1 3000 >"$TMP/many.txt"
t0=$SECONDS
set +e
"$CAASCAN" scan -q --health-window 5 -r 127.0.99.1 -o "$TMP/dead2" "$TMP/many.txt" 2>/dev/null
rc=$?
set -e
took=$((SECONDS - t0))
expect "dead resolver, 3000 names: exit status" "$rc" 4
[ "$took" -lt 30 ] && PASSED=$((PASSED + 1)) || fail "dead resolver, 3000 names: took $took s"

# --min-answered 0 turns the gate off: the run completes (every name TIMEOUT) with exit 0.
printf 'h1.ok-le.test\n' >"$TMP/one.txt"
"$CAASCAN" scan -q --min-answered 0 --timeout 300 --min-timeout 300 -r 127.0.99.1 \
    -o "$TMP/off" "$TMP/one.txt"
expect "gate off: rows" "$(rows "$TMP/off" | tr '\n' ' ')" "h1.ok-le.test|TIMEOUT "

# --- ';' and tab customer CSV, and -r FILE (the README's first command), end to end.
printf '# the resolvers of the world\n%s\n\n%s   # second\n' "$R1" "$R2" >"$TMP/resolvers.txt"
printf '\xef\xbb\xbfKunde;Domain;Betrag\r\n1;ok-le.test;12,50\r\n2;"other-ca.test";3,00\r\n3;nope.ok-le.test;1.234,56\r\n' >"$TMP/semi.csv"
"$CAASCAN" scan -q -r "$TMP/resolvers.txt" --keep-columns Betrag -o "$TMP/semi" "$TMP/semi.csv"
expect "';' CSV: rows" "$(rows "$TMP/semi" | tr '\n' ' ')" \
    "nope.ok-le.test|NXDOMAIN ok-le.test|OK other-ca.test|CAA_FORBIDS "
expect "';' CSV: kept column" "$("$CAASCAN" export "$TMP/semi" | python3 -c 'import csv,sys
print(" ".join(sorted(r["Betrag"] for r in csv.DictReader(sys.stdin))))')" "1.234,56 12,50 3,00"
expect "-r FILE: resolvers in the manifest" "$(python3 -c 'import json,sys
print(",".join(json.load(open(sys.argv[1]))["resolvers"]))' "$TMP/semi/manifest.json")" "$R1:53,$R2:53"
printf 'id\thostname\tnote\n1\twww.ok-le.test\ta, b; c\n2\tforbid.test\t\n' >"$TMP/tab.tsv"
"$CAASCAN" scan -q -r "$TMP/resolvers.txt" -o "$TMP/tab" "$TMP/tab.tsv"
expect "tab CSV: rows" "$(rows "$TMP/tab" | tr '\n' ' ')" "forbid.test|CAA_FORBIDS www.ok-le.test|OK "
# --delimiter forces it: the ';' file read with ',' has no name column.
set +e
"$CAASCAN" scan -q -r "$TMP/resolvers.txt" --delimiter , -o "$TMP/forced" "$TMP/semi.csv" 2>"$TMP/forced.err"
rc=$?
set -e
expect "--delimiter , on a ';' file: exit status" "$rc" 2

# --- diff's guard: a night whose resolvers failed (gate turned off) makes every name newly fail.
printf '%s\n' ok-le.test www.ok-le.test a.b.ok-le.test nocaa.test www.nocaa.test wild.test \
    www.wild.test '*.wild2.test' web.alias-src.test dnsprov.test tc.test >"$TMP/ok.txt"
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" -o "$TMP/good" "$TMP/ok.txt"
"$CAASCAN" scan -q --min-answered 0 --timeout 300 --min-timeout 300 --auth-timeout 300 \
    -r 127.0.99.1 -o "$TMP/bad" "$TMP/ok.txt"
set +e
"$CAASCAN" diff "$TMP/good" "$TMP/bad" -o "$TMP/bad.csv" 2>"$TMP/guard.err"
rc=$?
"$CAASCAN" diff -q --max-new-failures 100 "$TMP/good" "$TMP/bad" -o /dev/null
rc100=$?
set -e
expect "guard: exit status" "$rc" 4
expect "guard: message" "$(tail -1 "$TMP/guard.err")" \
    "caascan: diff: 11 of 11 names (100 %) newly fail, more than --max-new-failures 20 %: $TMP/bad looks broken (its resolvers, network or inputs), not the customers; check it before telling anyone"
expect "guard: the change table is still written" "$(grep -c ',NEW_FAILURE,' "$TMP/bad.csv")" 11
expect "guard off (--max-new-failures 100): new failures" "$rc100" 1

# --- The progress line names the limit that holds the scan back, and the summary says it again.
printf '%s\n' ok-le.test www.ok-le.test nocaa.test wild.test other-ca.test forbid.test \
    >"$TMP/slow-auth.txt"
"$CAASCAN" scan --progress --auth-qps 4 -r "$WORLD_RESOLVERS" -o "$TMP/slowauth" \
    "$TMP/slow-auth.txt" 2>"$TMP/progress.err"
tr '\r' '\n' <"$TMP/progress.err" >"$TMP/progress.lines"
grep -q -E '^\[[#.]{20}\] [0-9]+ of 6 names \([0-9]+ %\), [0-9]+s, [0-9.]+ names/s \([0-9]+ q/s\), (about [0-9ms]+ left|time left unknown), [0-9]+ not OK; held back by --auth-qps 4 at [0-9.]+:53 \([a-z0-9-]+(\.[a-z0-9-]+)+, an authoritative server(, and [0-9]+ more address(es)?)?\): [0-9,]+ queries waiting' \
    "$TMP/progress.lines" && PASSED=$((PASSED + 1)) || fail "no progress line held back by --auth-qps 4: $(tail -3 "$TMP/progress.lines")"
grep -q -E '^\[#{20}\] 6 of 6 names \(100 %\), .* none left, 2 not OK' "$TMP/progress.lines" &&
    PASSED=$((PASSED + 1)) || fail "no final progress line: $(tail -3 "$TMP/progress.lines")"
grep -q -E '^caascan: scan: held back by --auth-qps 4 for [0-9]+ % of the [0-9ms]+ run, most at [0-9.]+:53 \([a-z0-9-]+(\.[a-z0-9-]+)+\) \(up to [0-9,]+ queries waiting\)$' \
    "$TMP/progress.lines" && PASSED=$((PASSED + 1)) || fail "no summary of the limit: $(grep held "$TMP/progress.lines" | tail -2)"

# --- One of two resolvers dies in the middle of the run: the scan finishes on the other.
grep -v '^name' "${CAASCAN_SOURCE_DIR}/tests/world/scenarios.tsv" | cut -f1,3 |
    grep -v -e '^switch' -e 'gone.switch' -e 'flaky' >"$TMP/scenarios.tsv"
{
    cut -f1 "$TMP/scenarios.tsv"
    seq -f "d%g.ok-le.test" 1 150
} >"$TMP/dying.txt"
total=$(sort -u "$TMP/dying.txt" | wc -l)
pid2=$(cat "$WORLD_RUN_DIR/state/unbound2.run-pid")
"$CAASCAN" scan -q --no-auth --qps 40 -r "$WORLD_RESOLVERS" -o "$TMP/dying" "$TMP/dying.txt" \
    2>"$TMP/dying.err" &
sp=$!
for _ in $(seq 100); do [ -e "$TMP/dying/RUNNING" ] && break; sleep 0.05; done
sleep 2
kill -KILL "$pid2"
set +e
wait "$sp"
rc=$?
set -e
expect "dying resolver: exit status" "$rc" 0
[ -e "$TMP/dying/manifest.json" ] && PASSED=$((PASSED + 1)) || fail "dying resolver: no manifest"
rows "$TMP/dying" >"$TMP/dying.rows"
expect "dying resolver: every name once" "$(cut -d'|' -f1 "$TMP/dying.rows" | sort | uniq | wc -l):$(wc -l <"$TMP/dying.rows")" "$total:$total"
# Nothing falsely OK: a name the world makes fail is not OK; the NXDOMAIN names are not OK.
false_ok=$(python3 - "$TMP/scenarios.tsv" "$TMP/dying.rows" <<'PY'
import sys
want = dict(l.rstrip("\n").split("\t")[:2] for l in open(sys.argv[1]) if l.strip())
for l in open(sys.argv[2]):
    name, status = l.rstrip("\n").split("|")
    expected = want.get(name, "NXDOMAIN" if name.startswith("d") else None)
    if status == "OK" and expected not in ("OK", None):
        print(name, expected)
PY
)
expect "dying resolver: nothing falsely OK" "$false_ok" ""
# The names that do not exist: NXDOMAIN, or FLAKY where a try went to the resolver as it died.
expect "dying resolver: the NXDOMAIN names" \
    "$(grep '^d[0-9]*\.ok-le\.test|' "$TMP/dying.rows" | grep -c -E '\|(NXDOMAIN|FLAKY)$')" 150

finish
