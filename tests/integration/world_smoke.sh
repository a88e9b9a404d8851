#!/usr/bin/env bash
# world_smoke.sh -- checks that the closed DNS world behaves as tests/world/README.md says: every
# scenario through the two Unbound resolvers (what a CA sees) and directly at its authoritative
# servers (what caascan's authoritative checks see), with dig. Runs inside the world:
#   scripts/world.sh run DIR -- tests/integration/world_smoke.sh
# Also checks `world.sh switch` (night1 -> night2 -> night1). Exit status 0 when all checks pass.
set -uo pipefail

[ "${WORLD_IN_NS:-0}" = 1 ] && [ -n "${WORLD_DIR:-}" ] ||
    {
        echo "world_smoke.sh: run me with scripts/world.sh run DIR -- $0" >&2
        exit 2
    }
HERE="$(cd "$(dirname "$0")" && pwd)"
WORLD_SH="$HERE/../../scripts/world.sh"
IFS=, read -r R1 R2 <<<"$WORLD_RESOLVERS"
NS1=127.0.3.1 NS3=127.0.4.1 TLD=127.0.2.1 ROOT=127.0.1.1
LE='0 issue "letsencrypt.org"'
OTHER='0 issue "other-ca.test"'

passed=0
failed=0
OUT=""

# ask DIG-ARGS...: runs dig (3 s, one try) and keeps its output in OUT.
ask() {
    OUT=$(dig +time=3 +tries=1 "$@" 2>&1)
    ASKED="dig $*"
}
st() { awk '/->>HEADER<<-/ { s = $6; sub(",", "", s); print s; exit }' <<<"$OUT"; }
flags() { sed -n 's/^;; flags: \([^;]*\);.*/\1/p' <<<"$OUT" | head -n1; }
has_flag() { [[ " $(flags) " == *" $1 "* ]]; }
count() { sed -n "s/.*$1: \([0-9]*\).*/\1/p" <<<"$(grep '^;; flags:' <<<"$OUT")" | head -n1; }
# The answer's CAA records, "flags tag value", sorted, joined with |.
caa() {
    awk '!/^;/ && $4 == "CAA" { v = $5; for (i = 6; i <= NF; i++) v = v " " $i; print v }' <<<"$OUT" |
        sort | paste -sd'|' -
}
rtype_in_answer() { awk -v t="$1" '!/^;/ && $4 == t' <<<"$OUT" | head -n1; }
question() { awk '/^;; QUESTION SECTION:/ { getline; sub(/^;/, ""); print $1; exit }' <<<"$OUT"; }
serial() { awk '!/^;/ && $4 == "SOA" { print $7; exit }' <<<"$OUT"; }
ede() { sed -n 's/^; EDE: \([0-9]*\).*/\1/p' <<<"$OUT" | head -n1; }

check() { # description got want
    if [ "$2" = "$3" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf 'FAIL: %s\n  got:  %s\n  want: %s\n  (%s)\n' "$1" "$2" "$3" "$ASKED" >&2
    fi
}
check_true() { # description command...
    local d=$1
    shift
    if "$@"; then passed=$((passed + 1)); else
        failed=$((failed + 1))
        printf 'FAIL: %s (%s)\n' "$d" "$ASKED" >&2
    fi
}

# resolved NAME STATUS CAA [AD]: both resolvers answer NAME CAA with STATUS and CAA set.
resolved() {
    local name=$1 want_st=$2 want_caa=$3 want_ad=${4:-}
    local r
    for r in "$R1" "$R2"; do
        ask @"$r" "$name" CAA +dnssec +time=10 # a lame server costs the resolver seconds
        check "$name CAA via $r: rcode" "$(st)" "$want_st"
        check "$name CAA via $r: CAA set" "$(caa)" "$want_caa"
        if [ "$want_ad" = ad ]; then check_true "$name via $r: AD set" has_flag ad; fi
        if [ "$want_ad" = noad ]; then check_true "$name via $r: AD not set" eval '! has_flag ad'; fi
    done
}

echo "== CA side: CAA through the resolvers"
resolved ok-le.test NOERROR "$LE" ad
resolved www.ok-le.test NOERROR "" ad
resolved a.b.ok-le.test NOERROR "" ad
resolved b.ok-le.test NOERROR "" ad # empty non-terminal: NODATA, not NXDOMAIN
resolved locked.ok-le.test NOERROR '0 issue ";"' ad
resolved nosuch.ok-le.test NXDOMAIN "" ad
resolved nocaa.test NOERROR "" ad
resolved www.nocaa.test NOERROR "" ad
resolved wild.test NOERROR "$LE|0 issuewild \"other-ca.test\"" ad
resolved wild2.test NOERROR "$OTHER|0 issuewild \"letsencrypt.org\"" ad
resolved critical.test NOERROR "$LE|128 tbs \"x\"" ad
resolved alias-dst.test NOERROR "$OTHER" ad
resolved www.alias-src.test NOERROR "$OTHER" ad
check "www.alias-src.test: CNAME in the answer" "$(rtype_in_answer CNAME | awk '{ print $5 }')" \
    target.alias-dst.test.
resolved web.alias-src.test NOERROR "" ad
check "web.alias-src.test: CNAME in the answer" "$(rtype_in_answer CNAME | awk '{ print $5 }')" \
    plain.alias-dst.test.
resolved other-ca.test NOERROR "$OTHER" noad
resolved forbid.test NOERROR '0 issue ";"' noad
resolved foo.nosuchtld NXDOMAIN "" ad
resolved nosuchzone.test NXDOMAIN "" ad
resolved dnsprov.test NOERROR "" ad

for r in "$R1" "$R2"; do
    ask @"$r" expired.test CAA
    check "expired.test via $r: rcode" "$(st)" SERVFAIL
    check "expired.test via $r: EDE" "$(ede)" 7
    ask @"$r" expired.test CAA +cd
    check "expired.test +cd via $r: rcode" "$(st)" NOERROR
    check "expired.test +cd via $r: CAA" "$(caa)" "$LE"
done

# One healthy server next to a misbehaving one: the resolvers cope.
for z in lame ns-nxdomain nsmismatch serialmismatch notimp refused silent servfail-some nosoa \
    lowercase formerr notcp noaa tc switch-refused silentedns; do
    resolved "$z.test" NOERROR "$LE" noad
done
resolved www.nosoa.test NOERROR ""
resolved empty.test NOERROR ""
for r in "$R1" "$R2"; do
    ask @"$r" split.test CAA
    check_true "split.test via $r: one of the two CAA sets" \
        eval '[ "$(caa)" = "$LE" ] || [ "$(caa)" = "$OTHER" ]'
    ask @"$r" allservfail.test CAA
    check "allservfail.test via $r" "$(st)" SERVFAIL
    ask @"$r" tc-notcp.test CAA
    check "tc-notcp.test via $r (TC and no TCP)" "$(st)" SERVFAIL
    ask @"$r" casesens.test CAA
    check "casesens.test CAA via $r (0x20 name gets NXDOMAIN)" "$(st)" NXDOMAIN
    ask @"$r" www.casesens.test A
    check "www.casesens.test A via $r" "$(st)" NOERROR
done
ask @"$R1" flaky.test CAA
check "flaky.test via $R1 (its queries get SERVFAIL)" "$(st)" SERVFAIL
ask @"$R2" flaky.test CAA
check "flaky.test via $R2" "$(st)/$(caa)" "NOERROR/$LE"
ask @"$R1" allsilent.test CAA
check_true "allsilent.test via $R1: no answer within 3 s" grep -q 'timed out' <<<"$OUT"
ask @"$R1" ns-gone.dnsprov.test A
check "ns-gone.dnsprov.test does not exist" "$(st)" NXDOMAIN

echo "== Delegations"
ask @$ROOT test. NS +norec
check "root refers test. (no AA)" "$(st)/$(has_flag aa && echo aa)" "NOERROR/"
ask @$ROOT test. DS +norec
check_true "root has the DS of test." test -n "$(rtype_in_answer DS)"
ask @$TLD ok-le.test DS +norec
check_true "TLD has the DS of ok-le.test" test -n "$(rtype_in_answer DS)"
ask @$TLD expired.test DS +norec
check_true "TLD has the DS of expired.test" test -n "$(rtype_in_answer DS)"
ask @$TLD notimp.test NS +norec
check "TLD delegates notimp.test" "$(awk '$4 == "NS" { print $5 }' <<<"$OUT" | sort | paste -sd' ' -)" \
    "ns-notimp.dnsprov.test. ns1.dnsprov.test."
ask @$TLD nosuchzone.test SOA +norec
check "TLD: nosuchzone.test NXDOMAIN" "$(st)/$(has_flag aa && echo aa)" NXDOMAIN/aa
ask @127.0.2.2 ok-le.test NS +norec
check "second TLD server answers" "$(st)" NOERROR
ask @127.0.99.1 lame.test SOA +norec
check_true "nothing answers on 127.0.99.1" eval '[ -z "$(st)" ]'
ask @$NS1 expired.test SOA +norec +dnssec
check_true "expired.test signatures expired in 2020" grep -q 'RRSIG.*SOA 13 2 300 20200201000000' <<<"$OUT"

echo "== Authoritative servers"
ask @$NS1 ok-le.test CAA +norec
check "ns1 ok-le.test CAA" "$(st)/$(has_flag aa && echo aa)/$(caa)" "NOERROR/aa/$LE"
for z in tc tc-notcp allsilent flaky casesens allservfail split; do
    ask @$NS1 "$z.test" SOA +norec
    check "provider A does not serve $z.test (cannedns alone does)" "$(st)" REFUSED
done
ask @$NS1 LowerCase.TEST SOA +norec
check "ns1 preserves the case of the question" "$(question)" LowerCase.TEST.
ask @$NS1 nsmismatch.test NS +norec
check "nsmismatch.test NS at provider A" "$(awk '!/^;/ && $4 == "NS"' <<<"$OUT" | wc -l)" 2
ask @$NS3 nsmismatch.test NS +norec
check "nsmismatch.test NS at provider B" "$(awk '!/^;/ && $4 == "NS"' <<<"$OUT" | wc -l)" 3
ask @$NS1 serialmismatch.test SOA +norec
check "serialmismatch.test serial at provider A" "$(serial)" 2026010101
ask @$NS3 serialmismatch.test SOA +norec
check "serialmismatch.test serial at provider B" "$(serial)" 2026010102

# cannedns, one address per behaviour.
ask @127.0.20.1 notimp.test CAA +norec
check "notimp: CAA" "$(st)" NOTIMP
ask @127.0.20.1 notimp.test SOA +norec
check "notimp: SOA" "$(st)/$(has_flag aa && echo aa)" NOERROR/aa
ask @127.0.20.1 www.notimp.test A +norec
check "notimp: A" "$(st)/$(count ANSWER)" NOERROR/1
ask @127.0.20.2 refused.test CAA +norec
check "refused: CAA" "$(st)" REFUSED
ask @127.0.20.2 refused.test SOA +norec
check "refused: SOA" "$(st)" NOERROR
ask @127.0.20.3 silent.test CAA +norec +time=1
check_true "silent: no answer to CAA" grep -q 'timed out' <<<"$OUT"
ask @127.0.20.3 silent.test SOA +norec
check "silent: SOA" "$(st)" NOERROR
ask @127.0.20.4 servfail-some.test CAA +norec
first=$(st)
ask @127.0.20.4 servfail-some.test CAA +norec
check "servfail-some: two CAA queries, one SERVFAIL" "$(printf '%s\n' "$first" "$(st)" | sort | paste -sd' ' -)" \
    "NOERROR SERVFAIL"
ask @127.0.20.5 www.nosoa.test CAA +norec
check "nosoa: NODATA without SOA" "$(st)/$(has_flag aa && echo aa)/$(count ANSWER)/$(count AUTHORITY)" \
    NOERROR/aa/0/0
ask @127.0.20.5 nope.nosoa.test A +norec
check "nosoa: NXDOMAIN without SOA" "$(st)/$(count AUTHORITY)" NXDOMAIN/0
ask @$NS1 www.nosoa.test CAA +norec
check "ns1 for comparison: NODATA with SOA" "$(st)/$(count AUTHORITY)" NOERROR/1
ask @127.0.20.6 empty.test CAA +norec
check "empty: nothing in any section, no OPT" \
    "$(st)/$(count ANSWER)/$(count AUTHORITY)/$(count ADDITIONAL)" NOERROR/0/0/0
ask @127.0.20.6 empty.test SOA +norec
check "empty: SOA" "$(st)/$(count ANSWER)" NOERROR/1
ask @127.0.20.7 LowerCase.TEST CAA +norec
check "lowercase: question echoed in lower case" "$(question)" lowercase.test.
check "lowercase: data" "$(caa)" "$LE"
ask @127.0.20.8 casesens.test CAA +norec
check "casesens: lower-case CAA" "$(st)/$(caa)" "NOERROR/$LE"
ask @127.0.20.8 CaseSens.test CAA +norec
check "casesens: mixed-case CAA" "$(st)/$(count AUTHORITY)" NXDOMAIN/1
ask @127.0.20.8 CaseSens.test SOA +norec
check "casesens: mixed-case SOA" "$(st)" NOERROR
ask @127.0.20.9 tc.test CAA +norec +ignore
check "tc: UDP answer truncated" "$(st)/$(has_flag tc && echo tc)/$(count ANSWER)" NOERROR/tc/0
ask @127.0.20.9 tc.test CAA +norec +tcp
check "tc: TCP answer" "$(st)/$(has_flag tc && echo tc)/$(caa)" "NOERROR//$LE"
ask @127.0.20.10 tc-notcp.test CAA +norec +ignore
check "tc-notcp: UDP answer truncated" "$(has_flag tc && echo tc)" tc
ask @127.0.20.10 tc-notcp.test CAA +norec +tcp
check_true "tc-notcp: no TCP" eval '[ -z "$(st)" ]'
ask @127.0.20.11 formerr.test CAA +norec
check "formerr: EDNS query" "$(st)/$(count ADDITIONAL)" FORMERR/0
ask @127.0.20.11 formerr.test CAA +norec +noedns
check "formerr: plain query" "$(st)/$(caa)" "NOERROR/$LE"
ask @127.0.20.23 silentedns.test SOA +norec +time=1
check_true "silentedns: no answer with EDNS" eval '[ -z "$(st)" ]'
ask @127.0.20.23 silentedns.test SOA +norec +tcp +time=1
check_true "silentedns: none over TCP with EDNS" eval '[ -z "$(st)" ]'
ask @127.0.20.23 silentedns.test CAA +norec +noedns
check "silentedns: plain query" "$(st)/$(caa)" "NOERROR/$LE"
ask @127.0.20.23 silentedns.test SOA +norec +noedns +tcp
check "silentedns: plain query over TCP" "$(st)" NOERROR
ask @127.0.20.24 www.splitparent.test CAA +norec
check "splitparent: www CAA on ns-splitp1" "$(st)/$(caa)" "NOERROR/$LE"
ask @127.0.20.25 www.splitparent.test CAA +norec
check "splitparent: no www CAA on ns-splitp2" "$(st)/$(caa)" "NOERROR/"
ask @127.0.20.25 splitparent.test CAA +norec
check "splitparent: apex CAA on ns-splitp2" "$(st)/$(caa)" "NOERROR/$OTHER"
ask @127.0.20.12 notcp.test CAA +norec +tcp
check_true "notcp: no TCP" eval '[ -z "$(st)" ]'
ask @127.0.20.12 notcp.test CAA +norec
check "notcp: UDP" "$(st)/$(caa)" "NOERROR/$LE"
ask @127.0.20.13 noaa.test CAA +norec
check "noaa: answer without AA" "$(st)/$(has_flag aa && echo aa)/$(caa)" "NOERROR//$LE"
ask @127.0.20.14 split.test SOA +norec
check "split: serial at split1" "$(serial)" 2026010101
ask @127.0.20.14 split.test CAA +norec
check "split: CAA at split1" "$(caa)" "$LE"
ask @127.0.20.15 split.test SOA +norec
check "split: serial at split2" "$(serial)" 2026010106
ask @127.0.20.15 split.test CAA +norec
check "split: CAA at split2" "$(caa)" "$OTHER"
for a in 127.0.20.16 127.0.20.17; do
    ask @$a allservfail.test CAA +norec
    check "allservfail at $a: CAA" "$(st)" SERVFAIL
    ask @$a allservfail.test SOA +norec
    check "allservfail at $a: SOA" "$(st)" NOERROR
done
ask @127.0.20.18 flaky.test CAA +norec
check "flaky: CAA from another address" "$(st)" NOERROR
ask @127.0.20.18 flaky.test CAA +norec -b "$R1"
check "flaky: CAA from resolver 1's address" "$(st)" SERVFAIL
ask @127.0.20.21 allsilent.test CAA +norec +time=1
check_true "allsilent: no answer to CAA" grep -q 'timed out' <<<"$OUT"
ask @127.0.20.1 ok-le.test SOA +norec
check "cannedns refuses zones it does not serve" "$(st)" REFUSED
# The slow resolver (delay=100): answers, 100 ms late (dig's query time).
ask @127.0.30.1 s001.slow.test CAA
check "slow resolver: s001 CAA" "$(st)/$(caa)" "NOERROR/"
qt=$(sed -n 's/^;; Query time: \([0-9]*\) msec/\1/p' <<<"$OUT")
check_true "slow resolver: answer 100 ms late (took ${qt:-?} ms)" test "${qt:-0}" -ge 100
ask @127.0.30.1 slow.test CAA
check "slow resolver: apex CAA" "$(st)/$(caa)" "NOERROR/$LE"

echo "== switch night2 and back"
"$WORLD_SH" switch "$WORLD_DIR" night2 || check "switch night2" failed ok
resolved switch-ca.test NOERROR "$OTHER"
resolved switch-fix.test NOERROR "$LE"
resolved old.switch-gone.test NXDOMAIN ""
resolved new.switch-gone.test NOERROR ""
ask @127.0.20.19 switch-refused.test CAA +norec
check "night2: switch-refused answers REFUSED to CAA" "$(st)" REFUSED
"$WORLD_SH" switch "$WORLD_DIR" night1 || check "switch night1" failed ok
resolved switch-ca.test NOERROR "$LE"
resolved switch-fix.test NOERROR '0 issue ";"'
resolved old.switch-gone.test NOERROR ""
ask @127.0.20.19 switch-refused.test CAA +norec
check "night1: switch-refused answers CAA" "$(st)/$(caa)" "NOERROR/$LE"

echo "world_smoke: $passed checks passed, $failed failed"
[ "$failed" -eq 0 ]
