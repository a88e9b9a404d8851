#!/usr/bin/env bash
# lookup.sh -- caascan lookup in the DNS world: through the Unbound resolvers, straight to NSD,
# every canned misbehaviour seen as what it is, TCP fallback, a dead and a dying resolver.
. "$(dirname "$0")/lib.sh"
L() { "$CAASCAN" lookup -q "$@"; }
FAST=(--attempts 2 --timeout 400 --min-timeout 400)

# Through the resolvers: RD, a CAA answer shown as flags/tag/value, the 0x20 echo kept.
L -t CAA -r "$WORLD_RESOLVERS" ok-le.test >"$TMP/a"
expect "resolver outcome" "$(jfield 'j["outcome"]' <"$TMP/a")" answer
expect "resolver rcode" "$(jfield 'j["rcode"]' <"$TMP/a")" NOERROR
expect "resolver CAA" "$(jfield '[a["data"] for a in j["answers"] if a["type"]=="CAA"]' <"$TMP/a")" \
    '[{"flags": 0, "tag": "issue", "value": "letsencrypt.org"}]'
expect "resolver ra flag" "$(jfield '"ra" in j["flags"]' <"$TMP/a")" true
expect "resolver case echoed" "$(jfield 'j["case_echoed"]' <"$TMP/a")" true
expect "resolver server" "$(jfield 'j["server"] in ("127.0.10.1:53","127.0.10.2:53")' <"$TMP/a")" true
# DNSSEC: the expired zone fails validation with EDE 7; with CD=1 the data is there.
L -t CAA -r "$WORLD_RESOLVERS" --dnssec expired.test >"$TMP/a"
expect "bogus rcode" "$(jfield 'j["rcode"]' <"$TMP/a")" SERVFAIL
expect "bogus EDE" "$(jfield '[e["code"] in (6, 7) for e in j["ede"]]' <"$TMP/a")" '[true]'
L -t CAA -r "$WORLD_RESOLVERS" --dnssec --cd expired.test >"$TMP/a"
expect "bogus with CD" "$(jfield 'j["rcode"]' <"$TMP/a")" NOERROR

# Straight to NSD: no recursion, authoritative answer, SOA in a negative answer.
L -t SOA -s 127.0.3.1 ok-le.test >"$TMP/a"
expect "nsd aa" "$(jfield '"aa" in j["flags"] and "rd" not in j["flags"]' <"$TMP/a")" true
L -t CAA -s 127.0.3.1 nope.ok-le.test >"$TMP/a"
expect "nsd nxdomain" "$(jfield 'j["rcode"]' <"$TMP/a")" NXDOMAIN
expect "nsd soa in negative" "$(jfield '[r["type"] for r in j["authority"]]' <"$TMP/a")" '["SOA"]'

# A name that is not one still gets its line.
expect "invalid name line" "$(L -t CAA -s 127.0.3.1 'bad..name' | jfield '[j["name"], j["type"], j["outcome"], j["error"]]')" \
    '["bad..name", "CAA", "invalid_name", "not a valid domain name"]'

# Canned misbehaviour, each seen as what it is.
expect "NOTIMP to CAA" "$(L -t CAA -s 127.0.20.1 notimp.test | jfield 'j["rcode"]')" NOTIMP
expect "NOTIMP server answers SOA" "$(L -t SOA -s 127.0.20.1 notimp.test | jfield 'j["rcode"]')" NOERROR
expect "REFUSED to CAA" "$(L -t CAA -s 127.0.20.2 refused.test | jfield 'j["rcode"]')" REFUSED
L -t CAA -s 127.0.20.3 "${FAST[@]}" silent.test >"$TMP/a"
expect "silence to CAA" "$(jfield 'j["outcome"]' <"$TMP/a")" timeout
expect "silence attempts" "$(jfield 'j["attempts"]' <"$TMP/a")" 2
expect "silent server answers SOA" "$(L -t SOA -s 127.0.20.3 silent.test | jfield 'j["rcode"]')" NOERROR
rc=$(for i in 1 2 3 4; do L -t CAA -s 127.0.20.4 servfail-some.test | jfield 'j["rcode"]'; done | sort | uniq -c | awk '{print $2"="$1}' | xargs)
expect "SERVFAIL on every 2nd CAA" "$rc" "NOERROR=2 SERVFAIL=2"
L -t CAA -s 127.0.20.5 nothere.nosoa.test >"$TMP/a"
expect "negative without SOA" "$(jfield '[j["rcode"], j["authority"]]' <"$TMP/a")" '["NXDOMAIN", []]'
L -t CAA -s 127.0.20.6 empty.test >"$TMP/a"
expect "empty NOERROR" "$(jfield '[j["rcode"], j["answers"], j["authority"]]' <"$TMP/a")" '["NOERROR", [], []]'
L -t CAA -s 127.0.20.7 abcdefghijklmnopqrstuvwxyz.lowercase.test >"$TMP/a"
expect "lower-case echo" "$(jfield '[j["outcome"], j["case_echoed"], j["attempts"]]' <"$TMP/a")" '["case_mismatch", false, 1]'
expect "case-sensitive answer" "$(L -t CAA -s 127.0.20.8 abcdefghijklmnopqrstuvwxyz.casesens.test | jfield 'j["rcode"]')" NXDOMAIN
L -t CAA -s 127.0.20.9 tc.test >"$TMP/a"
expect "TC then TCP" "$(jfield '[j["outcome"], j["rcode"], j["tcp"], j["truncated"]]' <"$TMP/a")" '["answer", "NOERROR", true, true]'
expect "TC then TCP data" "$(jfield '[a["data"]["value"] for a in j["answers"] if a["type"]=="CAA"]' <"$TMP/a")" '["letsencrypt.org"]'
L -t CAA -s 127.0.20.10 "${FAST[@]}" tc-notcp.test >"$TMP/a"
expect "TC without TCP" "$(jfield '[j["outcome"], j["truncated"]]' <"$TMP/a")" '["tcp_failed", true]'
expect "FORMERR to EDNS" "$(L -t CAA -s 127.0.20.11 formerr.test | jfield 'j["rcode"]')" FORMERR
expect "no EDNS answered" "$(L -t CAA -s 127.0.20.11 --no-edns formerr.test | jfield 'j["rcode"]')" NOERROR
expect "no TCP listener" "$(L -t CAA -s 127.0.20.12 --tcp "${FAST[@]}" notcp.test | jfield 'j["outcome"]')" tcp_failed
expect "UDP still works there" "$(L -t CAA -s 127.0.20.12 notcp.test | jfield 'j["rcode"]')" NOERROR
expect "answer without AA" "$(L -t CAA -s 127.0.20.13 noaa.test | jfield '"aa" in j["flags"]')" false
expect "nothing listens" "$(L -t CAA -s 127.0.99.1 "${FAST[@]}" lame.test | jfield 'j["outcome"]')" timeout
L -t SOA -s 127.0.20.14 split.test >"$TMP/a"
L -t SOA -s 127.0.20.15 split.test >"$TMP/b"
s1=$(jfield '[r["data"].split()[2] for r in j["answers"]]' <"$TMP/a")
s2=$(jfield '[r["data"].split()[2] for r in j["answers"]]' <"$TMP/b")
[ "$s1" != "$s2" ] && PASSED=$((PASSED + 1)) || fail "split zone serials differ: $s1 vs $s2"

# A dead resolver next to a live one: every name answered, retries moved to the live one.
seq -f "n%g.ok-le.test" 1 200 >"$TMP/names"
L -t CAA -r "127.0.99.2,${WORLD_RESOLVERS%%,*}" --timeout 300 --min-timeout 300 --attempts 3 \
    -o "$TMP/out" "$TMP/names"
expect "dead resolver: lines" "$(wc -l <"$TMP/out")" 200
expect "dead resolver: all answered" "$(grep -c '"outcome":"answer"' "$TMP/out")" 200
expect "dead resolver: answers from the live one" \
    "$(grep -c "\"server\":\"${WORLD_RESOLVERS%%,*}:53\"" "$TMP/out")" 200

# A resolver that dies in the middle of a run: killed after the first answers are in.
seq -f "m%g.ok-le.test" 1 3000 >"$TMP/names"
pid2=$(cat "$WORLD_RUN_DIR/state/unbound2.run-pid")
( L -t CAA -r "$WORLD_RESOLVERS" --qps 3000 --timeout 500 --min-timeout 500 --attempts 3 \
    -o "$TMP/out" "$TMP/names"; echo $? >"$TMP/rc" ) &
lp=$!
for _ in $(seq 100); do [ -s "$TMP/out" ] && break; sleep 0.05; done
kill -KILL "$pid2"
wait "$lp"
expect "dying resolver: exit status" "$(cat "$TMP/rc")" 0
expect "dying resolver: lines" "$(wc -l <"$TMP/out")" 3000
expect "dying resolver: all answered" "$(grep -c '"outcome":"answer"' "$TMP/out")" 3000
retried=$(grep -c '"attempts":[23]' "$TMP/out" || true)
[ "$retried" -gt 0 ] && PASSED=$((PASSED + 1)) || fail "dying resolver: no query was retried"

finish
