#!/usr/bin/env bash
# truncated.sh -- a CAA answer that is still truncated over TCP is a failed lookup, never an empty
# set (a CA refuses on it). The test runs its own canned server, 127.0.40.1, as the only resolver:
# it serves tc.test with tc-caa (every CAA answer empty with TC set, over UDP and over TCP) and
# ok-le.test normally, and answers nothing else (REFUSED). tc.test must come out SERVFAIL with
# resolver_rcode TRUNCATED, whatever the parents answer; ok-le.test, asked through the same server
# over UDP, keeps its CAA set (so the failure is the truncation, not the server).
. "$(dirname "$0")/lib.sh"
: "${CANNEDNS:?CANNEDNS must name the cannedns binary}"

ADDR=127.0.40.1
cat >"$TMP/canned.conf" <<CONF
$ADDR  $WORLD_DIR/zones/tc.test.zone     tc-caa
$ADDR  $WORLD_DIR/zones/ok-le.test.zone
CONF
"$CANNEDNS" -c "$TMP/canned.conf" 2>"$TMP/canned.err" &
CANNED_PID=$!
cleanup() { kill "$CANNED_PID" 2>/dev/null || true; wait "$CANNED_PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
up=no
for _ in $(seq 50); do
    dig +short +tries=1 +time=1 @"$ADDR" ok-le.test SOA 2>/dev/null | grep -q . && up=yes && break
    sleep 0.1
done
[ "$up" = yes ] || { fail "the canned server does not answer: $(cat "$TMP/canned.err")"; finish; exit 1; }

# The server as dig sees it: TC over UDP, and over TCP too.
dig +norec +ignore +tries=1 +time=2 @"$ADDR" tc.test CAA >"$TMP/udp.txt" 2>&1 || true
dig +norec +tcp +tries=1 +time=2 @"$ADDR" tc.test CAA >"$TMP/tcp.txt" 2>&1 || true
grep -q 'flags:.* tc' "$TMP/udp.txt" && expect "dig: TC over UDP" ok ok || fail "dig over UDP: $(grep flags "$TMP/udp.txt")"
grep -q 'flags:.* tc' "$TMP/tcp.txt" && expect "dig: TC over TCP" ok ok || fail "dig over TCP: $(grep flags "$TMP/tcp.txt")"

printf 'tc.test\nok-le.test\n' >"$TMP/names.txt"
rc=0
"$CAASCAN" scan -q --no-auth --attempts 3 --min-answered 0 -r "$ADDR" -o "$TMP/run" "$TMP/names.txt" 2>"$TMP/scan.err" || rc=$?
expect "scan exit status" "$rc" 0
"$CAASCAN" export "$TMP/run" --raw -o "$TMP/all.csv" || fail "export exit status $?"
col() { # col NAME COLUMN
    python3 -c 'import csv,sys
print([r[sys.argv[3]] for r in csv.DictReader(open(sys.argv[1], newline="")) if r["name"] == sys.argv[2]][0])' \
        "$TMP/all.csv" "$1" "$2"
}
expect "tc.test status" "$(col tc.test status)" SERVFAIL
expect "tc.test issuable" "$(col tc.test issuable)" no
expect "tc.test resolver_rcode (each of 3 tries)" "$(col tc.test resolver_rcode)" "TRUNCATED;TRUNCATED;TRUNCATED"
expect "tc.test caa (no set taken from a truncated answer)" "$(col tc.test caa)" ""
case "$(col tc.test problems)" in
*RESOLVER_SERVFAIL*) expect "tc.test problems name the failed lookup" ok ok ;;
*) fail "tc.test problems: $(col tc.test problems)" ;;
esac
expect "ok-le.test status" "$(col ok-le.test status)" OK
finish
