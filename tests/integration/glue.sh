#!/usr/bin/env bash
# glue.sh -- the glue a CA's resolver would use. glue-dead.test is delegated to ns1.dnsprov.test
# and ns.glue-dead.test; that name has no address in its own zone, only the TLD's referral
# carries one as glue (127.0.99.2, where nothing listens). A CA's resolver uses the glue, so the
# authoritative checks probe that address too: the dead server shows as AUTH_TIMEOUT with its
# address, besides NS_NO_ADDRESS for the name. ns-nxdomain.test (a nameserver name without glue
# that does not exist) stays NS_NO_ADDRESS without an address.
. "$(dirname "$0")/lib.sh"

printf 'glue-dead.test\nns-nxdomain.test\n' >"$TMP/names.txt"
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" -o "$TMP/run" "$TMP/names.txt" ||
    fail "scan exit status $?"
"$CAASCAN" export "$TMP/run" -o "$TMP/all.csv" || fail "export exit status $?"

col() { # col NAME COLUMN
    python3 -c 'import csv,sys
print([r[sys.argv[3]] for r in csv.DictReader(open(sys.argv[1], newline="")) if r["name"] == sys.argv[2]][0])' \
        "$TMP/all.csv" "$1" "$2"
}
expect "glue-dead.test status" "$(col glue-dead.test status)" AT_RISK
expect "glue-dead.test problems" "$(col glue-dead.test problems)" "AUTH_TIMEOUT;NS_NO_ADDRESS"
expect "ns-nxdomain.test status" "$(col ns-nxdomain.test status)" AT_RISK
expect "ns-nxdomain.test problems" "$(col ns-nxdomain.test problems)" "NS_NO_ADDRESS"
case "$(col glue-dead.test detail)" in
*"nameserver ns.glue-dead.test does not resolve; its glue address 127.0.99.2 is used"*)
    expect "glue-dead.test detail" ok ok ;;
*) fail "glue-dead.test detail: $(col glue-dead.test detail)" ;;
esac
case "$(col glue-dead.test fix)" in
*"127.0.99.2"*) expect "glue-dead.test fix names the glue address" ok ok ;;
*) fail "glue-dead.test fix: $(col glue-dead.test fix)" ;;
esac

# The per-server table: the glue address probed and dead, ns1 healthy; no address without glue.
# (The TLD's own servers, asked for the referral, are rows of their own: not looked at here.)
expect "servers" "$(must "servers" shard_rows "$TMP/run" servers | cut -d, -f1-4 | tr -d '\r' |
    grep -v '^test,' | sort)" \
    "$(printf '%s\n' \
        'glue-dead.test,ns.glue-dead.test,127.0.99.2,AUTH_TIMEOUT;NS_NO_ADDRESS' \
        'glue-dead.test,ns1.dnsprov.test,127.0.3.1,' \
        'ns-nxdomain.test,ns-gone.dnsprov.test,,NS_NO_ADDRESS' \
        'ns-nxdomain.test,ns1.dnsprov.test,127.0.3.1,' | sort)"

finish
