#!/usr/bin/env bash
# world.sh -- the closed DNS world caascan's integration tests, quickstart and benchmarks run in.
#
# A signed root and TLD (test.), a DNS provider (dnsprov.test) and customer zones served by real
# NSD instances, two validating Unbound resolvers configured as a CA runs them, and cannedns (the
# canned-answer server, tests/world/cannedns.c) for the misbehaviour real servers will not produce,
# all on loopback addresses inside a private network namespace. See tests/world/README.md.
#
#   world.sh build DIR [--customers N] [--names-per-zone M]   generate zones, keys and configs
#   world.sh run DIR -- CMD [ARGS...]                          start the world, run CMD, stop it
#   world.sh shell DIR                                         the same with an interactive shell
#   world.sh switch DIR VARIANT                                inside run: night1 / night2 data
#
# run finds cannedns in $CANNEDNS, else next to DIR (DIR/../tests/world/cannedns, the layout of a
# build tree whose world is ${CMAKE_BINARY_DIR}/world), else in the repository's build*/ trees.
# Everything a run changes (server state, pid files, logs, zone data changed by switch) lives in
# a private directory per run, so several runs of one DIR can go on at the same time.
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
REPO="$(cd "$(dirname "$SELF")/.." && pwd)"

ROOT_ADDR=127.0.1.1
TLD_ADDRS=(127.0.2.1 127.0.2.2)
PROV_A_ADDRS=(127.0.3.1 127.0.3.2)
PROV_B_ADDRS=(127.0.4.1)
RESOLVERS=(127.0.10.1 127.0.10.2)
DEAD_ADDR=127.0.99.1
SLOW_RESOLVER=127.0.30.1 # cannedns as a resolver whose every UDP answer leaves 100 ms late
SERIAL=2026010101
SERIAL_NIGHT2=2026010201
LE='0 issue "letsencrypt.org"'
OTHER='0 issue "other-ca.test"'
START_TIMEOUT=${WORLD_START_TIMEOUT:-15} # seconds a server may take to answer
WORLD_KEEP_RUNS=${WORLD_KEEP_RUNS:-20}   # run log directories kept in DIR/logs

# With WORLD_DEBUG=1, prints a time-stamped progress line.
phase() {
    [ -z "${WORLD_DEBUG:-}" ] || echo "world.sh: ${EPOCHREALTIME:-} $*" >&2
}

die() {
    echo "world.sh: $*" >&2
    exit 2
}

usage() {
    sed -n '2,18p' "$SELF" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------------------------

# Writes the $ORIGIN, $TTL, SOA and NS lines of a zone: zone serial ns-name...
zone_head() {
    local zone=$1 serial=$2
    shift 2
    local origin="$zone."
    [ "$zone" = . ] && origin=.
    printf '$ORIGIN %s\n$TTL 300\n' "$origin"
    printf '@ SOA ns1.dnsprov.test. hostmaster.dnsprov.test. %s 3600 900 604800 60\n' "$serial"
    local ns
    for ns in "$@"; do printf '@ NS %s.\n' "$ns"; done
}

# Key base names of a zone (generated once, reused by later builds): sets KSK and ZSK.
zone_keys() {
    local zone=$1 label=${1%.}
    [ "$zone" = . ] && label=root
    local kdir="$W/keys"
    if [ ! -s "$kdir/$label.ksk" ] || [ ! -s "$kdir/$label.zsk" ]; then
        (cd "$kdir" && ldns-keygen -a ECDSAP256SHA256 -k "$zone" >"$label.ksk" &&
            ldns-keygen -a ECDSAP256SHA256 "$zone" >"$label.zsk") ||
            die "ldns-keygen failed for $zone"
        rm -f "$kdir"/*.ds
    fi
    KSK="$kdir/$(cat "$kdir/$label.ksk")"
    ZSK="$kdir/$(cat "$kdir/$label.zsk")"
}

# Signs src into out for zone and prints the DS record of its KSK. Extra args go to ldns-signzone.
sign_zone() {
    local zone=$1 src=$2 out=$3
    shift 3
    zone_keys "$zone"
    ldns-signzone "$@" -f "$out" -o "$zone" "$src" "$KSK" "$ZSK" || die "ldns-signzone failed for $zone"
    ldns-key2ds -n -2 "$KSK.key" || die "ldns-key2ds failed for $zone"
}

# Records a delegation from test.: zone ns-name... (NS records for the TLD zone).
delegate() {
    local zone=$1 ns
    shift
    for ns in "$@"; do printf '%s. 300 IN NS %s.\n' "$zone" "$ns"; done >>"$W/tmp/tld-delegations"
}

# A plain customer zone on provider A (ns1, ns2): zone, then records on stdin.
# PROV_A_ZONES collects the zones NSD instance prov-a serves.
customer_zone() {
    local zone=$1 signed=$2
    shift 2
    local nsset=("$@")
    [ ${#nsset[@]} -eq 0 ] && nsset=(ns1.dnsprov.test ns2.dnsprov.test)
    {
        zone_head "$zone" "$SERIAL" "${nsset[@]}"
        cat
    } >"$W/tmp/$zone.src"
    case "$signed" in
    signed) sign_zone "$zone" "$W/tmp/$zone.src" "$W/zones/$zone.zone" >>"$W/tmp/tld-delegations" ;;
    expired)
        sign_zone "$zone" "$W/tmp/$zone.src" "$W/zones/$zone.zone" \
            -i 20200101000000 -e 20200201000000 >>"$W/tmp/tld-delegations"
        ;;
    *) cp "$W/tmp/$zone.src" "$W/zones/$zone.zone" ;;
    esac
    delegate "$zone" "${nsset[@]}"
}

# The zones behind the scenarios of tests/world/scenarios.tsv.
build_scenarios() {
    # --- CAA evaluation: healthy, signed zones on provider A.
    customer_zone ok-le.test signed <<EOF
@ CAA $LE
www A 192.0.2.10
a.b A 192.0.2.11
locked CAA 0 issue ";"
locked A 192.0.2.12
EOF
    customer_zone nocaa.test signed <<EOF
www A 192.0.2.20
EOF
    customer_zone wild.test signed <<EOF
@ CAA $LE
@ CAA 0 issuewild "other-ca.test"
www A 192.0.2.30
EOF
    customer_zone wild2.test signed <<EOF
@ CAA $OTHER
@ CAA 0 issuewild "letsencrypt.org"
EOF
    customer_zone critical.test signed <<EOF
@ CAA $LE
@ CAA 128 tbs "x"
EOF
    customer_zone alias-src.test signed <<EOF
@ CAA $LE
www CNAME target.alias-dst.test.
web CNAME plain.alias-dst.test.
EOF
    customer_zone alias-dst.test signed <<EOF
@ CAA $OTHER
target CAA $OTHER
target A 192.0.2.40
plain A 192.0.2.41
EOF
    customer_zone other-ca.test unsigned <<EOF
@ CAA $OTHER
EOF
    customer_zone forbid.test unsigned <<EOF
@ CAA 0 issue ";"
EOF
    # A nameserver whose name a spreadsheet would take for a formula (+1+2.dnsprov.test, ns2's
    # address): output for people must show it as text (tests/integration/output.sh).
    customer_zone formula.test unsigned ns1.dnsprov.test +1+2.dnsprov.test <<EOF
@ CAA $LE
EOF
    # --- DNSSEC: signatures expired in 2020, DS in the TLD.
    customer_zone expired.test expired <<EOF
@ CAA $LE
www A 192.0.2.50
EOF
    # --- Delegation problems with real servers.
    customer_zone lame.test unsigned ns1.dnsprov.test ns-dead.dnsprov.test <<EOF
@ CAA $LE
EOF
    customer_zone ns-nxdomain.test unsigned ns1.dnsprov.test ns-gone.dnsprov.test <<EOF
@ CAA $LE
EOF
    # A nameserver name inside its own zone without an address there; only the TLD's glue has one
    # (127.0.99.2, dead): a CA's resolver uses the glue (tests/integration/glue.sh).
    customer_zone glue-dead.test unsigned ns1.dnsprov.test ns.glue-dead.test <<EOF
@ CAA $LE
EOF
    echo "ns.glue-dead.test. 300 IN A 127.0.99.2" >>"$W/tmp/tld-delegations"
    # Provider A and provider B (ns3) hold different copies of these two zones.
    customer_zone nsmismatch.test unsigned ns1.dnsprov.test ns3.dnsprov.test <<EOF
@ CAA $LE
EOF
    {
        zone_head nsmismatch.test "$SERIAL" ns1.dnsprov.test ns2.dnsprov.test ns3.dnsprov.test
        echo "@ CAA $LE"
    } >"$W/zones/prov-b/nsmismatch.test.zone"
    customer_zone serialmismatch.test unsigned ns1.dnsprov.test ns3.dnsprov.test <<EOF
@ CAA $LE
EOF
    {
        zone_head serialmismatch.test "$((SERIAL + 1))" ns1.dnsprov.test ns3.dnsprov.test
        echo "@ CAA $LE"
    } >"$W/zones/prov-b/serialmismatch.test.zone"

    # --- Canned misbehaviour: zone data shared by provider A (ns1) and cannedns.
    local z
    for z in notimp refused silent servfail-some nosoa lowercase formerr notcp noaa silentedns; do
        customer_zone "$z.test" unsigned ns1.dnsprov.test "ns-$z.dnsprov.test" <<EOF
@ CAA $LE
www A 192.0.2.60
EOF
    done
    customer_zone empty.test unsigned ns1.dnsprov.test ns-empty.dnsprov.test <<EOF
www A 192.0.2.61
EOF
    # Served by cannedns alone.
    for z in tc tc-notcp allsilent flaky casesens switch-flaky; do
        customer_zone "$z.test" unsigned "ns-$z.dnsprov.test" <<EOF
@ CAA $LE
www A 192.0.2.62
EOF
    done
    customer_zone allservfail.test unsigned ns-servfail1.dnsprov.test ns-servfail2.dnsprov.test <<EOF
@ CAA $LE
EOF
    # Two cannedns addresses with different data: serial and CAA set differ.
    customer_zone split.test unsigned ns-split1.dnsprov.test ns-split2.dnsprov.test <<EOF
@ CAA $LE
EOF
    {
        zone_head split.test "$((SERIAL + 5))" ns-split1.dnsprov.test ns-split2.dnsprov.test
        echo "@ CAA $OTHER"
    } >"$W/zones/canned/split.test.zone"

    # Two cannedns addresses, same serial: the apex forbids, www has CAA only on one of them, so
    # a CA that asks the other climbs to the apex.
    customer_zone splitparent.test unsigned ns-splitp1.dnsprov.test ns-splitp2.dnsprov.test <<EOF
@ CAA $OTHER
www CAA $LE
EOF
    {
        zone_head splitparent.test "$SERIAL" ns-splitp1.dnsprov.test ns-splitp2.dnsprov.test
        echo "@ CAA $OTHER"
        echo "www A 192.0.2.63"
    } >"$W/zones/canned/splitparent.test.zone"

    # The slow resolver (cannedns at $SLOW_RESOLVER, answers 100 ms late): scanned through it
    # directly, s001.slow.test ... s400.slow.test have no CAA and the apex allows letsencrypt.org,
    # so every name costs two lookups, each held 100 ms: the resolver in-flight cap binds.
    {
        zone_head slow.test "$SERIAL" ns1.dnsprov.test
        echo "@ CAA $LE"
        local i
        for ((i = 1; i <= 400; i++)); do printf 's%03d A 192.0.2.80\n' "$i"; done
    } >"$W/zones/canned/slow.test.zone"

    # --- Zones that change between night1 and night2 (switch).
    night_zone switch-ca.test night1 "@ CAA $LE"
    night_zone switch-ca.test night2 "@ CAA $OTHER"
    night_zone switch-fix.test night1 '@ CAA 0 issue ";"'
    night_zone switch-fix.test night2 "@ CAA $LE"
    night_zone switch-gone.test night1 "@ CAA $LE" "old A 192.0.2.70" "new A 192.0.2.71"
    night_zone switch-gone.test night2 "@ CAA $LE" "new A 192.0.2.71"
    night_zone switch-refused.test night1 "@ CAA $LE" "www A 192.0.2.72"
    night_zone switch-refused.test night2 "@ CAA $LE" "www A 192.0.2.72"
    delegate switch-ca.test ns1.dnsprov.test ns2.dnsprov.test
    delegate switch-fix.test ns1.dnsprov.test ns2.dnsprov.test
    delegate switch-gone.test ns1.dnsprov.test ns2.dnsprov.test
    delegate switch-refused.test ns1.dnsprov.test ns-switch.dnsprov.test
    # CAA changes, status stays OK (diff: CAA_CHANGED).
    night_zone switch-caa.test night1 "@ CAA $LE"
    night_zone switch-caa.test night2 "@ CAA $LE" '@ CAA 0 iodef "mailto:security@switch-caa.test"'
    delegate switch-caa.test ns1.dnsprov.test ns2.dnsprov.test
    # gone.switch-status.test: CAA_FORBIDS on night1, removed on night2 (diff: STATUS_CHANGED).
    night_zone switch-status.test night1 "@ CAA $LE" 'gone CAA 0 issue "other-ca.test"'
    night_zone switch-status.test night2 "@ CAA $LE"
    delegate switch-status.test ns1.dnsprov.test ns2.dnsprov.test
    cp "$W/variants/night1/"*.zone "$W/zones/"
}

# A zone of the switch variants: zone variant record-line... (night1 is also the served copy).
night_zone() {
    local zone=$1 variant=$2 serial=$SERIAL
    shift 2
    [ "$variant" = night2 ] && serial=$SERIAL_NIGHT2
    local nsset=(ns1.dnsprov.test ns2.dnsprov.test)
    [ "$zone" = switch-refused.test ] && nsset=(ns1.dnsprov.test ns-switch.dnsprov.test)
    {
        zone_head "$zone" "$serial" "${nsset[@]}"
        printf '%s\n' "$@"
    } >"$W/variants/$variant/$zone.zone"
}

# cannedns configuration: address, zone file (relative to the configuration), behaviours.
# The switch-refused.test and switch-flaky.test lines differ in night2.
canned_conf() {
    local variant=$1 switch_beh="" flaky_beh="servfail-caa"
    [ "$variant" = night2 ] && switch_beh=" refused-caa" && flaky_beh="silent-caa"
    cat <<EOF
# cannedns configuration of the caascan test world ($variant); format: tests/world/README.md.
# ADDRESS        ZONEFILE                 BEHAVIOURS
127.0.20.1       notimp.test.zone         notimp-caa
127.0.20.2       refused.test.zone        refused-caa
127.0.20.3       silent.test.zone         silent-caa
127.0.20.4       servfail-some.test.zone  servfail-caa=1/2
127.0.20.5       nosoa.test.zone          nosoa-negative
127.0.20.6       empty.test.zone          empty-caa
127.0.20.7       lowercase.test.zone      lowercase-echo
127.0.20.8       casesens.test.zone       case-nxdomain
127.0.20.9       tc.test.zone             tc-udp
127.0.20.10      tc-notcp.test.zone       tc-udp no-tcp
127.0.20.11      formerr.test.zone        formerr-edns
127.0.20.12      notcp.test.zone          no-tcp
127.0.20.13      noaa.test.zone           no-aa
127.0.20.14      split.test.zone
127.0.20.15      canned/split.test.zone
127.0.20.16      allservfail.test.zone    servfail-caa
127.0.20.17      allservfail.test.zone    servfail-caa
127.0.20.18      flaky.test.zone          servfail-caa from=${RESOLVERS[0]}
127.0.20.21      allsilent.test.zone      silent-caa
127.0.20.19      switch-refused.test.zone$switch_beh
127.0.20.22      switch-flaky.test.zone   $flaky_beh from=${RESOLVERS[0]}
127.0.20.23      silentedns.test.zone     silent-edns
127.0.20.24      splitparent.test.zone
127.0.20.25      canned/splitparent.test.zone
$SLOW_RESOLVER       canned/slow.test.zone    delay=100
EOF
}

# Name of every nameserver host of dnsprov.test and its address.
NS_HOSTS=(
    ns1:127.0.3.1 ns2:127.0.3.2 ns3:127.0.4.1 "ns-dead:$DEAD_ADDR"
    ns-notimp:127.0.20.1 ns-refused:127.0.20.2 ns-silent:127.0.20.3 ns-servfail-some:127.0.20.4
    ns-nosoa:127.0.20.5 ns-empty:127.0.20.6 ns-lowercase:127.0.20.7 ns-casesens:127.0.20.8
    ns-tc:127.0.20.9 ns-tc-notcp:127.0.20.10 ns-formerr:127.0.20.11 ns-notcp:127.0.20.12
    ns-noaa:127.0.20.13 ns-split1:127.0.20.14 ns-split2:127.0.20.15 ns-servfail1:127.0.20.16
    ns-servfail2:127.0.20.17 ns-flaky:127.0.20.18 ns-switch:127.0.20.19
    ns-allsilent:127.0.20.21 ns-switch-flaky:127.0.20.22 ns-silentedns:127.0.20.23
    ns-splitp1:127.0.20.24 ns-splitp2:127.0.20.25
    +1+2:127.0.3.2
)

ns_records() {
    local h
    for h in "${NS_HOSTS[@]}"; do printf '%s.dnsprov.test. 300 IN A %s\n' "${h%%:*}" "${h#*:}"; done
}

# Bulk customer zones c00001.test ... for benchmarks: unsigned (insecure delegations), M names each,
# every third name with CAA (one in ten of those for another CA).
build_bulk() {
    local n=$1 m=$2
    rm -rf "$W/zones/bulk"
    mkdir -p "$W/zones/bulk"
    : >"$W/names/bulk.txt"
    : >"$W/tmp/bulk.zones"
    [ "$n" -gt 0 ] || return 0
    awk -v n="$n" -v m="$m" -v dir="$W/zones/bulk" -v serial="$SERIAL" \
        -v names="$W/names/bulk.txt" -v deleg="$W/tmp/tld-delegations" \
        -v nsdlist="$W/tmp/bulk.zones" '
    BEGIN {
        for (z = 1; z <= n; z++) {
            zone = sprintf("c%05d.test", z)
            f = dir "/" zone ".zone"
            printf "$ORIGIN %s.\n$TTL 300\n", zone > f
            printf "@ SOA ns1.dnsprov.test. hostmaster.dnsprov.test. %s 3600 900 604800 60\n", serial > f
            printf "@ NS ns1.dnsprov.test.\n@ NS ns2.dnsprov.test.\n" > f
            for (i = 1; i <= m; i++) {
                k++
                label = sprintf("n%05d", i)
                printf "%s A 192.0.2.%d\n", label, i % 250 + 1 > f
                if (k % 3 == 0) {
                    if (k % 30 == 0)
                        printf "%s CAA 0 issue \"other-ca.test\"\n", label > f
                    else
                        printf "%s CAA 0 issue \"letsencrypt.org\"\n", label > f
                }
                print label "." zone > names
            }
            close(f)
            printf "%s. 300 IN NS ns1.dnsprov.test.\n%s. 300 IN NS ns2.dnsprov.test.\n", zone, zone >> deleg
            printf "zone:\n    name: \"%s\"\n    zonefile: \"bulk/%s.zone\"\n", zone, zone > nsdlist
        }
    }'
}

# NSD configuration of one instance: base-dir name address... (zone list in $W/nsd/name.zones).
nsd_conf() {
    local base=$1 name=$2 a
    shift 2
    echo "# NSD instance $name of the caascan test world (generated by scripts/world.sh)."
    echo "server:"
    for a in "$@"; do echo "    ip-address: $a"; done
    cat <<EOF
    port: 53
    do-ip6: no
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$base/zones"
    zonelistfile: "$base/state/nsd-$name.zonelist"
    xfrdfile: "$base/state/nsd-$name.xfrd"
    xfrdir: "$base/state"
    pidfile: "$base/state/nsd-$name.pid"
    logfile: "$base/logs/nsd-$name.log"
    rrl-ratelimit: 0
    server-count: 1
    tcp-count: 256
    verbosity: 1
    hide-version: yes
remote-control:
    control-enable: no
include: "$W/nsd/$name.zones"
EOF
}

# Unbound configuration of resolver number n at address addr, with state under base-dir.
unbound_conf() {
    local base=$1 n=$2 addr=$3
    cat <<EOF
# Unbound resolver $n of the caascan test world, configured as a CA runs it (scripts/world.sh).
server:
    interface: $addr
    outgoing-interface: $addr
    port: 53
    do-ip6: no
    username: ""
    chroot: ""
    directory: "$base/state"
    pidfile: "$base/state/unbound$n.pid"
    logfile: "$base/logs/unbound$n.log"
    use-syslog: no
    verbosity: ${WORLD_UNBOUND_VERBOSITY:-1}
    log-servfail: yes
    val-log-level: 2
    num-threads: 1
    num-queries-per-thread: 4096
    outgoing-range: 8192
    so-reuseport: no
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    root-hints: "$W/root.hints"
    trust-anchor-file: "$W/root.ds"
    module-config: "validator iterator"
    use-caps-for-id: yes
    ede: yes
    local-zone: "test." nodefault
    cache-max-ttl: 10
    cache-max-negative-ttl: 5
    infra-host-ttl: 10
    prefetch: no
    # Debian's Unbound drops a reply that took longer than discard-timeout (1.9 s by default);
    # a lame or silent server can cost that, so replies are kept for 10 s to stay deterministic.
    discard-timeout: 10000
remote-control:
    control-enable: yes
    control-interface: "$base/state/unbound$n.ctl"
    control-use-cert: no
EOF
}

# Writes every server configuration of the world for state under base-dir into base/conf.
write_configs() {
    local base=$1
    mkdir -p "$base/conf" "$base/state" "$base/logs"
    nsd_conf "$base" root "$ROOT_ADDR" >"$base/conf/nsd-root.conf"
    nsd_conf "$base" tld "${TLD_ADDRS[@]}" >"$base/conf/nsd-tld.conf"
    nsd_conf "$base" prov-a "${PROV_A_ADDRS[@]}" >"$base/conf/nsd-prov-a.conf"
    nsd_conf "$base" prov-b "${PROV_B_ADDRS[@]}" >"$base/conf/nsd-prov-b.conf"
    local i
    for i in 0 1; do
        unbound_conf "$base" $((i + 1)) "${RESOLVERS[$i]}" >"$base/conf/unbound$((i + 1)).conf"
    done
}

nsd_zone_list() { # zone file...
    while [ $# -gt 0 ]; do
        printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$1" "$2"
        shift 2
    done
}

cmd_build() {
    [ $# -ge 1 ] || die "usage: world.sh build DIR [--customers N] [--names-per-zone M]"
    local dir=$1 customers=0 per_zone=20
    shift
    while [ $# -gt 0 ]; do
        case "$1" in
        --customers) customers=${2:?}; shift 2 ;;
        --names-per-zone) per_zone=${2:?}; shift 2 ;;
        *) die "build: unknown option $1" ;;
        esac
    done
    [[ "$customers" =~ ^[0-9]+$ ]] && [ "$customers" -le 99999 ] ||
        die "build: --customers wants a number from 0 to 99999"
    [[ "$per_zone" =~ ^[0-9]+$ ]] && [ "$per_zone" -ge 1 ] && [ "$per_zone" -le 99999 ] ||
        die "build: --names-per-zone wants a number from 1 to 99999"
    local tool
    for tool in ldns-keygen ldns-signzone ldns-key2ds nsd nsd-checkconf unbound unbound-checkconf; do
        command -v "$tool" >/dev/null || die "$tool not found (run scripts/deps.sh)"
    done
    mkdir -p "$dir"
    W="$(cd "$dir" && pwd)"
    rm -rf "$W/zones" "$W/tmp" "$W/variants" "$W/nsd" "$W/conf" "$W/names"
    mkdir -p "$W/keys" "$W/zones/prov-b" "$W/zones/canned" "$W/tmp" "$W/nsd" "$W/names" \
        "$W/variants/night1" "$W/variants/night2" "$W/logs"
    : >"$W/tmp/tld-delegations"

    build_scenarios
    build_bulk "$customers" "$per_zone"

    # The provider's own zone: the nameserver names (glue for them is in the TLD).
    {
        zone_head dnsprov.test "$SERIAL" ns1.dnsprov.test ns2.dnsprov.test
        ns_records
    } >"$W/tmp/dnsprov.test.src"
    sign_zone dnsprov.test "$W/tmp/dnsprov.test.src" "$W/zones/dnsprov.test.zone" \
        >>"$W/tmp/tld-delegations"
    delegate dnsprov.test ns1.dnsprov.test ns2.dnsprov.test

    # The TLD: delegations, DS records, glue; and the address of the root server's name.
    {
        zone_head test "$SERIAL" a.nic.test b.nic.test
        echo "a.nic.test. A ${TLD_ADDRS[0]}"
        echo "b.nic.test. A ${TLD_ADDRS[1]}"
        echo "a.root-servers.test. A $ROOT_ADDR"
        ns_records
        cat "$W/tmp/tld-delegations"
    } >"$W/tmp/test.src"
    sign_zone test "$W/tmp/test.src" "$W/zones/test.zone" >"$W/tmp/test.ds"

    # The root: test. delegated with glue and DS.
    {
        zone_head . "$SERIAL" a.root-servers.test
        echo "test. NS a.nic.test."
        echo "test. NS b.nic.test."
        echo "a.nic.test. A ${TLD_ADDRS[0]}"
        echo "b.nic.test. A ${TLD_ADDRS[1]}"
        echo "a.root-servers.test. A $ROOT_ADDR"
        cat "$W/tmp/test.ds"
    } >"$W/tmp/root.src"
    sign_zone . "$W/tmp/root.src" "$W/zones/root.zone" >"$W/root.ds"
    printf '. 3600000 NS a.root-servers.test.\na.root-servers.test. 3600000 A %s\n' \
        "$ROOT_ADDR" >"$W/root.hints"

    # Which NSD instance serves what.
    nsd_zone_list . root.zone >"$W/nsd/root.zones"
    nsd_zone_list test test.zone >"$W/nsd/tld.zones"
    nsd_zone_list nsmismatch.test prov-b/nsmismatch.test.zone \
        serialmismatch.test prov-b/serialmismatch.test.zone >"$W/nsd/prov-b.zones"
    {
        local f z
        for f in "$W"/zones/*.zone; do
            z=${f##*/}
            z=${z%.zone}
            case "$z" in
            root | test | tc.test | tc-notcp.test | allsilent.test | flaky.test | casesens.test | \
                allservfail.test | split.test | splitparent.test | switch-flaky.test)
                continue # cannedns alone
                ;;
            esac
            nsd_zone_list "$z" "$z.zone"
        done
        cat "$W/tmp/bulk.zones"
    } >"$W/nsd/prov-a.zones"

    canned_conf night1 >"$W/zones/cannedns.conf"
    cp "$W/zones/cannedns.conf" "$W/variants/night1/cannedns.conf"
    canned_conf night2 >"$W/variants/night2/cannedns.conf"

    printf 'CUSTOMERS=%s\nNAMES_PER_ZONE=%s\n' "$customers" "$per_zone" >"$W/world.env"
    write_configs "$W"
    local c
    for c in "$W"/conf/nsd-*.conf; do
        nsd-checkconf "$c" || die "nsd-checkconf failed on $c"
    done
    for c in "$W"/conf/unbound*.conf; do
        unbound-checkconf "$c" >/dev/null || die "unbound-checkconf failed on $c"
    done
    rm -rf "$W/tmp"
    echo "world.sh: world built in $W ($(ls "$W"/zones/*.zone | wc -l) zones," \
        "$customers bulk zones of $per_zone names)" >&2
}

# ---------------------------------------------------------------------------------------------
# run / shell / switch
# ---------------------------------------------------------------------------------------------

find_cannedns() {
    if [ -n "${CANNEDNS:-}" ]; then
        [ -x "$CANNEDNS" ] || die "CANNEDNS=$CANNEDNS is not an executable"
        echo "$CANNEDNS"
        return 0
    fi
    local c
    for c in "$W/../tests/world/cannedns" "$REPO"/build*/tests/world/cannedns; do
        if [ -x "$c" ]; then
            echo "$c"
            return 0
        fi
    done
    die "cannedns not found: build it (cmake --build BUILD --target cannedns) and set CANNEDNS"
}

# Prints "address zone" for every cannedns address (the $ORIGIN of its first zone file).
canned_probes() {
    awk -v dir="$(dirname "$1")" '
    !/^[ \t]*(#|$)/ && !seen[$1]++ {
        file = ($2 ~ /^\//) ? $2 : dir "/" $2
        origin = ""
        while ((getline line < file) > 0)
            if (line ~ /^\$ORIGIN/) { split(line, w, /[ \t]+/); origin = w[2]; break }
        close(file)
        print $1, origin
    }' "$1"
}

# Waits until server answers: label address zone [dig options]. Fails naming it, with its log.
wait_answer() {
    local label=$1 addr=$2 zone=$3 log=$4 pidfile=$5 want=${6:-NOERROR}
    shift 6
    local deadline=$((SECONDS + START_TIMEOUT)) out
    while :; do
        out=$(dig @"$addr" "$zone" SOA +time=1 +tries=1 "$@" 2>&1 || true)
        if grep -q "status: $want" <<<"$out"; then
            return 0
        fi
        if [ -s "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            echo "world.sh: $label ($addr) exited during start-up; its log $log:" >&2
            break
        fi
        if [ $SECONDS -ge "$deadline" ]; then
            echo "world.sh: $label did not answer $zone SOA on $addr within ${START_TIMEOUT}s;" \
                "last dig output and its log $log:" >&2
            echo "$out" >&2
            break
        fi
        sleep 0.1
    done
    tail -n 30 "$log" >&2 2>/dev/null || true
    return 1
}

# Starts one daemon in the background, its pid written to pidfile: pidfile log cmd...
# Waits until every server of probes ("label|address|zone|daemon|dig options") answers SOA, with
# one dig for all of them; when that does not happen in time, names each server that failed.
wait_all() {
    local deadline=$((SECONDS + START_TIMEOUT)) p label addr zone daemon opts dead answered
    # First until every address has a UDP socket (cheap), then until every server answers.
    local bound missing
    while [ $SECONDS -lt $deadline ]; do
        bound=$(ss -Hlun 2>/dev/null | awk '{ print $4 }')
        missing=0
        dead=""
        for p in "$@"; do
            IFS='|' read -r label addr zone daemon opts <<<"$p"
            grep -qxF "$addr:53" <<<"$bound" || missing=1
            kill -0 "$(cat "$RUN/state/$daemon.run-pid")" 2>/dev/null || dead=$daemon
        done
        [ $missing = 0 ] || [ -n "$dead" ] && break
        sleep 0.05
    done
    # One dig in batch mode (one line per server) asks them all; answers are matched by server.
    local batch="$RUN/state/probes.dig"
    for p in "$@"; do
        IFS='|' read -r label addr zone daemon opts <<<"$p"
        echo "@$addr $zone SOA $opts"
    done >"$batch"
    while [ -z "$dead" ]; do
        for p in "$@"; do
            IFS='|' read -r label addr zone daemon opts <<<"$p"
            kill -0 "$(cat "$RUN/state/$daemon.run-pid")" 2>/dev/null || dead=$daemon
        done
        answered=$(dig +time=1 +tries=1 -f "$batch" 2>&1 |
            awk '/->>HEADER<<-/ { st = $6 } /^;; SERVER: / { split($3, a, "#"); print a[1], st }')
        missing=0
        for p in "$@"; do
            IFS='|' read -r label addr zone daemon opts <<<"$p"
            grep -qxF "$addr NOERROR," <<<"$answered" || missing=1
        done
        [ $missing = 0 ] && return 0
        [ $SECONDS -lt $deadline ] || break
        sleep 0.1
    done
    local failed=0 reported=" "
    for p in "$@"; do
        IFS='|' read -r label addr zone daemon opts <<<"$p"
        [[ "$reported" == *" $daemon "* ]] && continue
        # shellcheck disable=SC2086
        START_TIMEOUT=1 wait_answer "$label" "$addr" "$zone" "$RUN/logs/$daemon.log" \
            "$RUN/state/$daemon.run-pid" NOERROR $opts || {
            failed=1
            reported+="$daemon "
        }
    done
    return $failed
}

start_daemon() {
    local pidfile=$1 log=$2
    shift 2
    "$@" >>"$log" 2>&1 &
    echo $! >"$pidfile"
}

stop_world() {
    local pidfile pid
    for pidfile in "$RUN"/state/*.run-pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
    done
    local deadline=$((SECONDS + 5))
    for pidfile in "$RUN"/state/*.run-pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
}

# Keeps the logs of this run in DIR/logs/RUN-ID (and DIR/logs/latest), removes the run directory.
finish_run() {
    local rc=$?
    trap - EXIT INT TERM HUP
    phase "stopping"
    stop_world
    phase "stopped"
    if [ -d "$RUN/logs" ]; then
        local keep
        keep="$W/logs/$(date -u +%Y%m%dT%H%M%S)-$$"
        mkdir -p "$W/logs" && cp -r "$RUN/logs" "$keep" 2>/dev/null &&
            ln -sfn "$(basename "$keep")" "$W/logs/latest" 2>/dev/null || true
        # Old run logs go; the newest WORLD_KEEP_RUNS stay.
        ls -1d "$W"/logs/2*-* 2>/dev/null | sort | head -n -"$WORLD_KEEP_RUNS" |
            while read -r old; do rm -rf "$old"; done
    fi
    [ "${WORLD_KEEP_RUN_DIR:-0}" = 1 ] && echo "world.sh: run directory kept: $RUN" >&2 ||
        rm -rf "$RUN"
    exit "$rc"
}

start_world() {
    [ -f "$W/world.env" ] || die "$W is not a built world (run: world.sh build $W)"
    local cannedns
    cannedns=$(find_cannedns)
    ip link set lo up || die "cannot bring lo up (not inside a network namespace?)"
    RUN=$(mktemp -d "${TMPDIR:-/tmp}/caascan-world.XXXXXX")
    trap finish_run EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    # Zone data is copied (switch changes it); the bulk zones never change and are linked.
    mkdir -p "$RUN/zones"
    (cd "$W/zones" && find . -mindepth 1 -maxdepth 1 ! -name bulk -exec cp -r -t "$RUN/zones" {} +)
    ln -s "$W/zones/bulk" "$RUN/zones/bulk"
    write_configs "$RUN"
    phase "run directory $RUN ready"

    local inst
    for inst in root tld prov-a prov-b; do
        start_daemon "$RUN/state/nsd-$inst.run-pid" "$RUN/logs/nsd-$inst.log" \
            nsd -d -c "$RUN/conf/nsd-$inst.conf"
    done
    start_daemon "$RUN/state/cannedns.run-pid" "$RUN/logs/cannedns.log" \
        "$cannedns" -c "$RUN/zones/cannedns.conf" ${WORLD_CANNED_VERBOSE:+-v}
    local a zone probes=()
    probes+=("NSD root|$ROOT_ADDR|.|nsd-root|+norec")
    for a in "${TLD_ADDRS[@]}"; do probes+=("NSD tld|$a|test.|nsd-tld|+norec"); done
    for a in "${PROV_A_ADDRS[@]}"; do probes+=("NSD prov-a|$a|dnsprov.test.|nsd-prov-a|+norec"); done
    probes+=("NSD prov-b|${PROV_B_ADDRS[0]}|nsmismatch.test.|nsd-prov-b|+norec")
    while read -r a zone; do
        probes+=("cannedns|$a|$zone|cannedns|+norec +noedns +ignore")
    done < <(canned_probes "$RUN/zones/cannedns.conf")
    local ok=1
    wait_all "${probes[@]}" || ok=0
    [ $ok = 1 ] || die "the world did not start (logs in $W/logs/latest)"
    phase "authoritative servers answer"
    local n
    for n in 1 2; do
        start_daemon "$RUN/state/unbound$n.run-pid" "$RUN/logs/unbound$n.stderr" \
            unbound -d -c "$RUN/conf/unbound$n.conf"
    done
    for n in 1 2; do
        # A validated answer from the root proves hints, trust anchor and root server work.
        wait_answer "unbound$n" "${RESOLVERS[$((n - 1))]}" . "$RUN/logs/unbound$n.log" \
            "$RUN/state/unbound$n.run-pid" NOERROR +dnssec || ok=0
        if [ $ok = 1 ] && ! dig @"${RESOLVERS[$((n - 1))]}" . SOA +dnssec | grep -q 'flags:.* ad'; then
            echo "world.sh: unbound$n does not validate the root (no AD flag)" >&2
            ok=0
        fi
    done
    [ $ok = 1 ] || die "the world did not start (logs in $W/logs/latest)"
    phase "resolvers answer"
    export WORLD_DIR="$W" WORLD_RUN_DIR="$RUN" WORLD_IN_NS=1
    export WORLD_RESOLVERS="${RESOLVERS[0]},${RESOLVERS[1]}"
    export WORLD_SLOW_RESOLVER=$SLOW_RESOLVER
}

# Re-executes this script inside a private user + network namespace unless already inside one.
enter_namespace() {
    [ "${WORLD_IN_NS:-0}" = 1 ] && return 0
    command -v unshare >/dev/null || die "unshare (util-linux) not found"
    export WORLD_IN_NS=1
    if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
        exec unshare -n "$SELF" "$@"
    fi
    exec unshare -rn "$SELF" "$@"
}

cmd_run() {
    [ $# -ge 3 ] && [ "$2" = -- ] || die "usage: world.sh run DIR -- CMD [ARGS...]"
    enter_namespace run "$@"
    W="$(cd "$1" 2>/dev/null && pwd)" || die "$1: no such directory"
    shift 2
    start_world
    local rc=0
    "$@" || rc=$?
    exit "$rc"
}

cmd_shell() {
    [ $# -eq 1 ] || die "usage: world.sh shell DIR"
    enter_namespace shell "$@"
    W="$(cd "$1" 2>/dev/null && pwd)" || die "$1: no such directory"
    start_world
    echo "world.sh: world running; resolvers $WORLD_RESOLVERS; root $ROOT_ADDR;" \
        "logs in $RUN/logs; exit the shell to stop it" >&2
    local rc=0
    PS1='[world] \w\$ ' "${SHELL:-/bin/bash}" -i || rc=$?
    exit "$rc"
}

cmd_switch() {
    [ $# -eq 2 ] || die "usage: world.sh switch DIR VARIANT"
    [ "${WORLD_IN_NS:-0}" = 1 ] && [ -n "${WORLD_RUN_DIR:-}" ] && [ -d "$WORLD_RUN_DIR/zones" ] ||
        die "switch works inside 'world.sh run' only (WORLD_RUN_DIR not set)"
    W="$(cd "$1" 2>/dev/null && pwd)" || die "$1: no such directory"
    RUN=$WORLD_RUN_DIR
    local variant=$2
    [ -d "$W/variants/$variant" ] || die "unknown variant $variant (have: $(ls "$W/variants"))"
    local f
    for f in "$W/variants/$variant"/*; do
        cp "$f" "$RUN/zones/$(basename "$f").new"
        mv "$RUN/zones/$(basename "$f").new" "$RUN/zones/$(basename "$f")"
    done
    touch "$RUN"/zones/switch-*.zone # NSD reloads the zone files whose mtime changed
    kill -HUP "$(cat "$RUN/state/nsd-prov-a.run-pid")" "$(cat "$RUN/state/cannedns.run-pid")"
    # Wait until provider A serves the variant's serial.
    local want deadline=$((SECONDS + 10)) got
    want=$(awk '/ SOA /{ print $5; exit }' "$W/variants/$variant/switch-ca.test.zone")
    while :; do
        got=$(dig @"${PROV_A_ADDRS[0]}" switch-ca.test SOA +short +norec +time=1 +tries=1 |
            awk '{ print $3 }')
        [ "$got" = "$want" ] && break
        [ $SECONDS -lt $deadline ] || die "NSD prov-a did not load $variant (serial $got, want $want)"
        sleep 0.1
    done
    sleep 0.2 # cannedns handles SIGHUP within its event loop; give it a moment
    local n
    for n in 1 2; do
        unbound-control -c "$RUN/conf/unbound$n.conf" flush_zone . >/dev/null &&
            unbound-control -c "$RUN/conf/unbound$n.conf" flush_infra all >/dev/null &&
            unbound-control -c "$RUN/conf/unbound$n.conf" flush_negative >/dev/null ||
            die "unbound-control flush failed on unbound$n"
    done
    echo "world.sh: switched to $variant" >&2
}

main() {
    [ $# -ge 1 ] || {
        usage >&2
        exit 2
    }
    local cmd=$1
    shift
    case "$cmd" in
    build) cmd_build "$@" ;;
    run) cmd_run "$@" ;;
    shell) cmd_shell "$@" ;;
    switch) cmd_switch "$@" ;;
    -h | --help | help) usage ;;
    *) die "unknown command $cmd (build, run, shell, switch)" ;;
    esac
}

main "$@"
