#!/usr/bin/env bash
# sampling.sh -- sequential sampling in the DNS world, counted from outside with the traffic
# meter: clean names cost exactly --attempts (3) CAA lookups a level, nothing extra; flaky.test
# (resolver 1 always SERVFAILs it, resolver 2 answers) is topped up to 12 lookups, 6 of which
# fail (each failed one also asked again with CD=1), and its detail gives the estimate the
# multi-perspective model makes of it (docs/caa.md).
. "$(dirname "$0")/lib.sh"
METER="$(dirname "$0")/meter.py"

printf 'ok-le.test\nwww.ok-le.test\nnocaa.test\nflaky.test\n' >"$TMP/names.txt"
python3 "$METER" start "$TMP/s.pcap" || fail "the capture did not start"
"$CAASCAN" scan -q --no-auth -r "$WORLD_RESOLVERS" -o "$TMP/run" "$TMP/names.txt" ||
    fail "scan exit status $?"
python3 "$METER" stop "$TMP/s.pcap" || fail "the capture is not complete"

# CAA queries caascan (127.0.0.1) sent to the resolvers, per question name.
resolvers=" ${WORLD_RESOLVERS//,/ } "
python3 "$METER" tsv "$TMP/s.pcap" | awk -F'\t' -v res="$resolvers" '
    $2 == "127.0.0.1" && $7 == "q" && $10 == 257 && index(res, " " $4 ":" $5 " ") + index(res, " " $4 " ") > 0 {
        n = tolower($9); sub(/\.$/, "", n); c[n]++ }
    END { for (n in c) print n, c[n] }' | sort >"$TMP/counts"
expect "CAA queries per level" "$(cat "$TMP/counts")" "$(printf '%s\n' \
    'flaky.test 18' 'nocaa.test 3' 'ok-le.test 3' 'test 3' 'www.ok-le.test 3')"

"$CAASCAN" export "$TMP/run" -o "$TMP/all.csv" || fail "export exit status $?"
col() { # col NAME COLUMN
    python3 -c 'import csv,sys
print([r[sys.argv[3]] for r in csv.DictReader(open(sys.argv[1], newline="")) if r["name"] == sys.argv[2]][0])' \
        "$TMP/all.csv" "$1" "$2"
}
expect "flaky.test status" "$(col flaky.test status)" FLAKY
expect "flaky.test lookups" "$(col flaky.test resolver_rcode | tr ';' '\n' | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" \
    "NOERROR=6 SERVFAIL=6 "
expect "flaky.test estimate" "$(col flaky.test detail | grep -o '6 of 12 lookups.*')" \
    "6 of 12 lookups of CAA flaky.test returned SERVFAIL via 127.0.10.1:53, 6 answered; with a primary and 4 remote perspectives allowing 1 failure, about 84 % of issuance attempts would fail"
expect "clean names" "$(col ok-le.test status) $(col www.ok-le.test status) $(col nocaa.test status)" "OK OK OK"

finish
