#!/usr/bin/env bash
# options.sh CAASCAN -- option errors say what is wrong, in one line, and point to --help (no
# usage dump); -r takes a file of resolvers as well as a list; a bad port is named as such; the
# input gates (no valid name, too many invalid rows, a missing column) are errors with exit 2.
# No DNS is needed: every command here stops before the first query.
set -u
source "$(dirname "$0")/testlib.bash"

expect 2 "caascan: scan: unknown option '--ouptut' (did you mean '--output'?)
Try 'caascan scan --help'." scan --ouptut run x.txt
expect 2 "caascan: scan: unknown option '--resolver-infligth' (did you mean '--resolver-inflight'?)
Try 'caascan scan --help'." scan --resolver-infligth=3 -o run x.txt
expect 2 "caascan: scan: unknown option '--frobnicate'
Try 'caascan scan --help'." scan --frobnicate -o run x.txt
expect 2 "caascan: scan: option '--output' requires an argument
Try 'caascan scan --help'." scan x.txt --output
expect 2 "caascan: scan: option '-o' (--output) requires an argument
Try 'caascan scan --help'." scan x.txt -o
expect 2 "caascan: scan: no output directory: give -o RUN
Try 'caascan scan --help'." scan x.txt
expect 2 "caascan: scan: no input: give at least one INPUT (a file, or - for standard input)
Try 'caascan scan --help'." scan -o "$tmp/run"
expect 2 "caascan: scan: unknown option '-x'
Try 'caascan scan --help'." scan -x -o run x.txt
expect 2 "caascan: check: no NAME: give at least one name to check
Try 'caascan check --help'." check
expect 2 "caascan: diff: unknown option '--allow-incompleat' (did you mean '--allow-incomplete'?)
Try 'caascan diff --help'." diff --allow-incompleat a b
expect 2 "caascan: diff: option '--quiet' takes no argument
Try 'caascan diff --help'." diff --quiet=yes a b
expect 2 "caascan: export: unknown option '--fromat' (did you mean '--format'?)
Try 'caascan export --help'." export --fromat csv run
expect 2 "caascan: report: unknown option '--bye' (did you mean '--by'?)
Try 'caascan report --help'." report --bye zone run
expect 2 "caascan: names: unknown option '--colunm' (did you mean '--column'?)
Try 'caascan names --help'." names --colunm domain x.csv
expect 2 "caascan: lookup: unknown option '--qpss' (did you mean '--qps'?)
Try 'caascan lookup --help'." lookup --qpss 5 x.test
expect 2 "caascan: check: unknown option '--acount-uri' (did you mean '--account-uri'?)
Try 'caascan check --help'." check --acount-uri x x.test
expect 2 "caascan: lookup: option '-t' (--type) requires an argument
Try 'caascan lookup --help'." lookup x.test -t

# Missing arguments of the run commands.
expect 2 "caascan: diff: give two run directories: OLD NEW
Try 'caascan diff --help'." diff only-one
expect 2 "caascan: export: give the run directory: RUN
Try 'caascan export --help'." export
expect 2 "caascan: report: give the run directory: RUN
Try 'caascan report --help'." report --by zone
expect 2 "caascan: report: --by is required (certificate, zone, nameserver, registered-domain or party)
Try 'caascan report --help'." report run

# Resolvers: a bad port, a file name that does not exist, then a real file.
expect 2 "caascan: scan: resolvers: resolver '9.9.9.9:99999': port must be 1-65535" \
    scan -r 9.9.9.9:99999 -o "$tmp/run" data/demo-inventory.csv
expect 2 "caascan: scan: resolvers: resolver '[::1]:0': port must be 1-65535" \
    scan -r '127.0.0.1,[::1]:0' -o "$tmp/run" data/demo-inventory.csv
expect 2 "caascan: scan: resolvers: '300.1.1.1' is not an IP address" \
    scan -r 300.1.1.1 -o "$tmp/run" data/demo-inventory.csv
expect 2 "caascan: scan: resolvers: 'resolvers.txt' is neither an address nor a file: No such file or directory" \
    scan -r resolvers.txt -o "$tmp/run" data/demo-inventory.csv
printf '# resolvers\n\n192.0.2.1  # a comment\n192.0.2.2:5353\n[2001:db8::53]:53\n192.0.2.3:70000\n' >"$tmp/resolvers.txt"
expect 2 "caascan: scan: resolvers: $tmp/resolvers.txt:6: resolver '192.0.2.3:70000': port must be 1-65535" \
    scan -r "$tmp/resolvers.txt" -o "$tmp/run" data/demo-inventory.csv
[ ! -e "$tmp/run" ] && ok || bad "a refused scan left $tmp/run behind"

# Input gates: checked before any query, so the unreachable resolver below is never asked.
printf 'domain;plan\nexample.com;gold\n' >"$tmp/one.csv"
printf 'not a name\n!!!\n' >"$tmp/none.txt"
expect 2 "caascan: scan: no names to scan: the inputs hold 2 records, none of them a valid name" \
    scan -r 192.0.2.1 -o "$tmp/run" "$tmp/none.txt"
printf 'a.example\nb..example\nc..example\n-bad-\n' >"$tmp/mostly.txt"
"$caascan" scan -r 192.0.2.1 -o "$tmp/run" "$tmp/mostly.txt" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "^caascan: scan: 3 of 4 records (75 %) are not valid names, more than --max-invalid-share 50 %" "$tmp/err" &&
    ok || bad "mostly invalid: exit $rc: $(cat "$tmp/err")"
expect 2 "caascan: scan: --max-invalid-share: '101' is not a whole number from 0 to 100" \
    scan --max-invalid-share 101 -r 192.0.2.1 -o "$tmp/run" "$tmp/mostly.txt"
expect 2 "caascan: $tmp/one.csv:1: no column \"hostname\" in the header" \
    scan --column hostname -r 192.0.2.1 -o "$tmp/run" "$tmp/one.csv"
expect 2 "caascan: scan: --delimiter: '|' is not ',', ';' or tab" \
    scan --delimiter '|' -r 192.0.2.1 -o "$tmp/run" "$tmp/one.csv"
[ ! -e "$tmp/run" ] && ok || bad "a refused scan left $tmp/run behind"

# names reads ';' and tab CSV like scan does (and --delimiter forces one).
printf '\xef\xbb\xbfKunde;Domain;Betrag\n1;shop.example;12,50\n2;"a;b.example";3,00\n3;www.example;1.234,56\n' >"$tmp/semi.csv"
out=$("$caascan" names -q "$tmp/semi.csv" 2>"$tmp/err")
[ "$(cut -d, -f1,3 <<<"$out" | tail -n +2 | sort | tr '\n' ' ')" == "a;b.example,INVALID shop.example,VALID www.example,VALID " ] &&
    ok || bad "names on a ';' CSV: $out $(cat "$tmp/err")"
printf 'id\tfqdn\n1\tone.example\n2\ttwo.example\n' >"$tmp/tab.tsv"
out=$("$caascan" names -q "$tmp/tab.tsv" 2>/dev/null)
[ "$(cut -d, -f1,3 <<<"$out" | tail -n +2 | sort | tr '\n' ' ')" == "one.example,VALID two.example,VALID " ] &&
    ok || bad "names on a tab CSV: $out"
out=$("$caascan" names -q --delimiter , --column 2 "$tmp/semi.csv" 2>&1)
rc=$?
[ $rc -eq 2 ] || [ "$(grep -c ',VALID,' <<<"$out")" -eq 0 ] && ok || bad "--delimiter , on a ';' file still found names: $out"

# The CA model's options (docs/caa.md): ranges, --allowed-failures within --remotes, the
# thresholds in order; for scan and check alike, before any query.
printf 'a.example\n' >"$tmp/one.txt"
expect 2 "caascan: scan: --remotes: '33' is not a whole number from 0 to 32" \
    scan --remotes 33 -r 192.0.2.1 -o "$tmp/run" "$tmp/one.txt"
expect 2 "caascan: scan: --allowed-failures 5 is more than --remotes 4" \
    scan --allowed-failures 5 -r 192.0.2.1 -o "$tmp/run" "$tmp/one.txt"
expect 2 "caascan: scan: --allowed-failures 2 is more than --remotes 1" \
    scan --remotes 1 --allowed-failures 2 -r 192.0.2.1 -o "$tmp/run" "$tmp/one.txt"
expect 2 "caascan: scan: --pass-max-pct 99 is not below --fail-min-pct 99" \
    scan --pass-max-pct 99 -r 192.0.2.1 -o "$tmp/run" "$tmp/one.txt"
expect 2 "caascan: scan: --pass-max-pct 5 is not below --fail-min-pct 2.5" \
    scan --pass-max-pct 5 --fail-min-pct 2.5 -r 192.0.2.1 -o "$tmp/run" "$tmp/one.txt"
for bad_pct in abc -1 100.5 1e2 0.1234 5%; do
    expect 2 "caascan: scan: --fail-min-pct: '$bad_pct' is not a percentage from 0 to 100" \
        scan --fail-min-pct "$bad_pct" -r 192.0.2.1 -o "$tmp/run" "$tmp/one.txt"
done
expect 2 "caascan: check: --allowed-failures 3 is more than --remotes 2" \
    check --remotes 2 --allowed-failures 3 -r 192.0.2.1 a.example
[ ! -e "$tmp/run" ] && ok || bad "a refused scan left $tmp/run behind"

finish
