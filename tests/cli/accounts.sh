#!/usr/bin/env bash
# accounts.sh CAASCAN -- the ACME account for RFC 8657 accounturi: --account-id must be a decimal
# id of a CA whose account URI prefixes caascan knows, every --account-uri must be URI-like, and
# --account-uri may be given several times. No DNS: every command stops before the first query.
set -u
source "$(dirname "$0")/testlib.bash"
echo example.test >"$tmp/names.txt"

id_msg="caascan: scan: --account-id: the account id must be a decimal number from 1 (the last part of the account URI, e.g. 123456789 of .../acme/acct/123456789)"
expect 2 "$id_msg" scan --account-id 0123 -o "$tmp/run" "$tmp/names.txt"
expect 2 "$id_msg" scan --account-id 12a -o "$tmp/run" "$tmp/names.txt"
expect 2 "$id_msg" scan --account-id '' -o "$tmp/run" "$tmp/names.txt"
expect 2 "$id_msg" scan --account-id 12345678901234567890 -o "$tmp/run" "$tmp/names.txt"
expect 2 "caascan: scan: --account-id: the account URI prefixes of this CA are not known (they are for letsencrypt.org): give the full URI with --account-uri" \
    scan --ca sectigo.com --account-id 5 -o "$tmp/run" "$tmp/names.txt"
expect 2 "caascan: scan: the account URI must start with a scheme such as https:" \
    scan --account-uri https://a.test/acct/1 --account-uri nourl -o "$tmp/run" "$tmp/names.txt"
expect 2 "caascan: scan: the account URI may hold only printable ASCII without spaces or \";\"" \
    scan --account-uri https://a.test/acct/1 --account-uri 'https://a.test/a b' \
    -o "$tmp/run" "$tmp/names.txt"
# 18 URIs: one more than the 17 caascan keeps.
args=()
for i in $(seq 1 18); do args+=(--account-uri "https://a.test/acct/$i"); done
expect 2 "caascan: scan: --account-uri: at most 17 account URIs" scan "${args[@]}" -o "$tmp/run" "$tmp/names.txt"

# The help names both forms.
"$caascan" scan --help >"$tmp/help"
grep -q -- "--account-id N" "$tmp/help" && ok || bad "scan --help lacks --account-id"
grep -q -- "(repeatable: one" "$tmp/help" && ok || bad "scan --help: --account-uri not repeatable"

finish
