#!/usr/bin/env bash
# help.sh CAASCAN -- every command answers --help with its usage on stdout and exit 0, and a bad
# option or a missing argument with exit 2 and an error on stderr.
set -u
source "$(dirname "$0")/testlib.bash"

out=$("$caascan" --help) && [[ "$out" == usage:* ]] && ok || bad "caascan --help"
for c in scan check export diff report lookup names; do
    grep -q "  $c " <<<"$out" && ok || bad "caascan --help does not list $c"
    h=$("$caascan" "$c" --help 2>/dev/null)
    rc=$?
    [ $rc -eq 0 ] && [[ "$h" == usage:\ caascan\ $c* ]] && ok || bad "$c --help (exit $rc): ${h:0:60}"
    err=$("$caascan" "$c" --no-such-option 2>&1 >/dev/null)
    rc=$?
    [ $rc -eq 2 ] && [ -n "$err" ] && ok || bad "$c --no-such-option: exit $rc"
done
"$caascan" frobnicate 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -qx "caascan: frobnicate: unknown command (try 'caascan --help')" "$tmp/err" &&
    ok || bad "unknown command: exit $rc"
"$caascan" scan data/demo-inventory.csv 2>/dev/null
[ $? -eq 2 ] && ok || bad "scan without -o"
"$caascan" lookup --qps fast x.test 2>/dev/null
[ $? -eq 2 ] && ok || bad "lookup with a bad rate"
"$caascan" check --ca 'not a domain!' x.test 2>/dev/null
[ $? -eq 2 ] && ok || bad "check with a bad --ca"
finish
