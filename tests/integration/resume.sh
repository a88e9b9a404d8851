#!/usr/bin/env bash
# resume.sh -- resumable, crash-safe runs in the DNS world: kill -9 early, in the middle and during
# the final write, then `scan --resume`: every name exactly once (counted in the shards with
# zstdcat), rows equal to an uninterrupted run's, and names finished before the kill not asked
# again -- counted from outside, by a UDP relay in front of the resolver that logs every question.
# Signals (SIGINT 130, SIGTERM 143, SIGHUP 129) in every phase, the lock, other options on
# --resume, and a full disk (a small tmpfs) that stops the engine at once.
. "$(dirname "$0")/lib.sh"

RELAY_ADDR=127.0.10.77
UPSTREAM=${WORLD_RESOLVERS%%,*}
[[ $UPSTREAM == *:* ]] || UPSTREAM=$UPSTREAM:53
# The relay: every UDP question to RELAY_ADDR:53 is logged ("qname qtype", lower case) to the
# file named by $TMP/relay.logname at that moment, and forwarded to the first resolver.
cat >"$TMP/relay.py" <<'PY'
import selectors, socket, sys, time
listen, up_host, up_port, namefile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((listen, 53))
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_READ, None)
def qname(p):
    i, labels = 12, []
    while i < len(p) and p[i]:
        labels.append(p[i + 1:i + 1 + p[i]].decode("ascii", "replace").lower())
        i += 1 + p[i]
    qt = int.from_bytes(p[i + 1:i + 3], "big") if i + 3 <= len(p) else 0
    return ".".join(labels), qt
open_socks = {}
while True:
    for key, _ in sel.select(0.5):
        if key.data is None:
            data, addr = s.recvfrom(65535)
            name, qt = qname(data)
            with open(open(namefile).read().strip(), "a") as log:
                log.write(f"{name} {qt}\n")
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.setblocking(False)
            u.sendto(data, (up_host, up_port))
            sel.register(u, selectors.EVENT_READ, addr)
            open_socks[u] = time.time()
        else:
            u = key.fileobj
            try:
                s.sendto(u.recv(65535), key.data)
            except OSError:
                pass
            sel.unregister(u)
            open_socks.pop(u, None)
            u.close()
    now = time.time()
    for u, t in list(open_socks.items()):
        if now - t > 20:
            sel.unregister(u)
            open_socks.pop(u)
            u.close()
PY
logto() { echo "$TMP/$1.qlog" >"$TMP/relay.logname"; : >"$TMP/$1.qlog"; }
logto none
python3 "$TMP/relay.py" "$RELAY_ADDR" "${UPSTREAM%:*}" "${UPSTREAM#*:}" "$TMP/relay.logname" &
RELAY=$!
trap 'kill $RELAY 2>/dev/null; rm -rf "$TMP"' EXIT
relay_up=no
for _ in $(seq 50); do
    dig +short +tries=1 +time=1 @"$RELAY_ADDR" ok-le.test SOA 2>/dev/null | grep -q . && relay_up=yes && break
    sleep 0.2
done
if [ "$relay_up" != yes ]; then
    fail "the relay in front of the resolver does not answer"
    finish
    exit 1
fi

# The inventory: world names with a fixed verdict (none of the intermittent scenarios, nothing
# that needs TCP, which the relay does not carry, and no zone with two failing servers, whose
# order in fix and detail follows the order of their answers), invalid names, and 160 names of their own whose
# first CAA level no other name shares: nNNN.ok-le.test.
{
    printf '%s\n' www.ok-le.test ok-le.test locked.ok-le.test nope.ok-le.test forbid.test \
        other-ca.test nocaa.test critical.test wild.test '*.wild.test' '*.wild2.test' \
        www.alias-src.test foo.nosuchtld 'bad..name' 192.0.2.1
    for i in $(seq 100 259); do echo "n$i.ok-le.test"; done
} >"$TMP/inv.txt"
NAMES=$(wc -l <"$TMP/inv.txt")
OPTS=(-r "$RELAY_ADDR" --no-progress --max-inflight 6 --qps 300 --auth-qps 1000 --shards 4
    --checkpoint-interval 0.2)

rows() { shard_cells "$1" name; }
# Result rows in a run's journal so far (each has its status as a field of its own).
journaled() {
    zstdcat "$1/journal.zst" 2>/dev/null | tr '\0' '\n' |
        grep -c -x -E 'OK|AT_RISK|CAA_FORBIDS|FLAKY|NXDOMAIN|TIMEOUT|SERVFAIL|DNSSEC_BOGUS|INVALID' || true
}
# wait_rows RUN N PID: until N rows are in the journal (or the scan ended).
wait_rows() {
    for _ in $(seq 600); do
        kill -0 "$3" 2>/dev/null || return 0
        [ "$(journaled "$1")" -ge "$2" ] && return 0
        sleep 0.05
    done
}
# The table without checked_at, sorted.
table() { cells "$1" '!checked_at' | sort; }
# Names nNNN.ok-le.test whose own CAA level was asked in log $1.
asked() { awk '$2 == 257 && $1 ~ /^n[0-9]+\.ok-le\.test$/ { print $1 }' "$TMP/$1.qlog" | sort -u; }

logto base
"$CAASCAN" scan "${OPTS[@]}" -o "$TMP/base" "$TMP/inv.txt" 2>"$TMP/base.err" || fail "baseline scan: $(cat "$TMP/base.err")"
table "$TMP/base" >"$TMP/base.rows"
expect "baseline: one row per name" "$(wc -l <"$TMP/base.rows")" "$NAMES"
expect "baseline: every own level asked" "$(asked base | wc -l)" 160

# kill_and_resume TAG HOW: a scan killed with -9 (after SECONDS, or at a test point), then resumed.
kill_and_resume() {
    local tag=$1 how=$2 run="$TMP/$1" rc=0
    logto "$tag-1"
    if [[ $how == point:* ]]; then
        CAASCAN_TEST_POINT="${how#point:}:kill" "$CAASCAN" scan "${OPTS[@]}" -o "$run" "$TMP/inv.txt" 2>"$TMP/$tag-1.err" || rc=$?
        expect "$tag: killed at the test point" "$rc" 137
    else
        "$CAASCAN" scan "${OPTS[@]}" -o "$run" "$TMP/inv.txt" 2>"$TMP/$tag-1.err" &
        local pid=$!
        if [[ $how == rows:* ]]; then wait_rows "$run" "${how#rows:}" $pid; else sleep "$how"; fi
        kill -9 $pid
        wait $pid || rc=$?
        expect "$tag: killed" "$rc" 137
    fi
    [ ! -e "$run/manifest.json" ] && PASSED=$((PASSED + 1)) || fail "$tag: manifest after kill -9"
    if "$CAASCAN" export "$run" >/dev/null 2>&1; then fail "$tag: export reads a killed run"; else PASSED=$((PASSED + 1)); fi
    logto "$tag-2"
    "$CAASCAN" scan "${OPTS[@]}" --resume -o "$run" "$TMP/inv.txt" 2>"$TMP/$tag-2.err" || fail "$tag: resume exit $?: $(cat "$TMP/$tag-2.err")"
    expect "$tag: rows in the shards" "$(rows "$run" | wc -l)" "$NAMES"
    expect "$tag: no name twice" "$(rows "$run" | sort | uniq -d | wc -l)" 0
    table "$run" >"$TMP/$tag.rows"
    if diff "$TMP/base.rows" "$TMP/$tag.rows" >"$TMP/$tag.diff"; then PASSED=$((PASSED + 1)); else fail "$tag: rows differ from the uninterrupted run: $(head -5 "$TMP/$tag.diff")"; fi
    asked "$tag-1" >"$TMP/$tag-1.names"
    asked "$tag-2" >"$TMP/$tag-2.names"
    # Asked before the kill and not after: their rows came from the journal, and the manifest
    # says how many names the first session gave.
    local only1 both kept
    only1=$(comm -23 "$TMP/$tag-1.names" "$TMP/$tag-2.names" | wc -l)
    both=$(comm -12 "$TMP/$tag-1.names" "$TMP/$tag-2.names" | wc -l)
    kept=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); s=m["sessions"]; print(m["resumed"], len(s), s[0]["names"], s[0]["names"] + s[1]["names"])' "$run/manifest.json")
    read -r resumed nsess s1 total <<<"$kept"
    expect "$tag: manifest says resumed" "$resumed $nsess $total" "True 2 $NAMES"
    # Every own level asked in one session at least; those asked only before the kill are names
    # the journal gave: the first session's count is those plus at most the 15 other entries.
    expect "$tag: every own level asked" "$(sort -u "$TMP/$tag-1.names" "$TMP/$tag-2.names" | wc -l)" 160
    [ "$only1" -le "$s1" ] && [ "$s1" -le $((only1 + 15)) ] && PASSED=$((PASSED + 1)) ||
        fail "$tag: the manifest says $s1 names came from the first session, $only1 were asked only then"
    # Asked again: only what was in flight or finished after the last checkpoint (6 in flight,
    # 0.2 s of names, more on a busy machine).
    [ "$both" -le 24 ] && PASSED=$((PASSED + 1)) || fail "$tag: $both names asked in both sessions"
    echo "$tag: first session kept $s1 names; $only1 own levels asked only before the kill, $both in both"
}

kill_and_resume early 0.4
kill_and_resume middle rows:60
kill_and_resume shard point:shard
kill_and_resume manifest point:manifest
# Killed during the final write: everything was finished and journaled, nothing is asked again.
expect "killed at the first shard: nothing asked again" "$(asked shard-2 | wc -l)" 0
expect "killed before the manifest: nothing asked again" "$(asked manifest-2 | wc -l)" 0
expect "killed in the middle: some names kept" "$([ "$(asked middle-1 | comm -23 - "$TMP/middle-2.names" | wc -l)" -gt 20 ] && echo yes)" yes

# Signals: the exit status is 128 + the signal, the run is left resumable, --resume completes it.
# pause_scan TAG POINT [OPTS...]: a scan that pauses at POINT; prints its pid when it got there.
signal_case() {
    local tag=$1 sig=$2 want=$3 point=$4 run="$TMP/$1"
    logto "$tag"
    if [ "$point" = none ]; then
        "$CAASCAN" scan "${OPTS[@]}" -o "$run" "$TMP/inv.txt" 2>"$TMP/$tag.err" &
        local pid=$!
        wait_rows "$run" 30 $pid
    else
        CAASCAN_TEST_POINT="$point:pause" "$CAASCAN" scan "${OPTS[@]}" -o "$run" "$TMP/$5" 2>"$TMP/$tag.err" &
        local pid=$!
        for _ in $(seq 200); do grep -q "test point $point" "$TMP/$tag.err" && break; sleep 0.1; done
    fi
    local t0=$SECONDS rc=0
    kill -"$sig" $pid
    wait $pid || rc=$?
    expect "$tag: exit status" "$rc" "$want"
    [ $((SECONDS - t0)) -le 2 ] && PASSED=$((PASSED + 1)) || fail "$tag: took $((SECONDS - t0)) s to stop"
    grep -q "interrupted by SIG$sig" "$TMP/$tag.err" && PASSED=$((PASSED + 1)) || fail "$tag: message: $(cat "$TMP/$tag.err")"
    [ ! -e "$run/manifest.json" ] && [ ! -e "$run/RUNNING" ] && PASSED=$((PASSED + 1)) || fail "$tag: manifest or RUNNING left"
    "$CAASCAN" scan "${OPTS[@]}" -q --resume -o "$run" "$TMP/${5:-inv.txt}" || fail "$tag: resume exit $?"
    expect "$tag: rows after resume" "$(rows "$run" | wc -l)" "$(wc -l <"$TMP/${5:-inv.txt}")"
}
signal_case sigterm-mid TERM 143 none
signal_case sighup-mid HUP 129 none
{
    for i in $(seq 1 19); do echo "bad$i..name"; done
    for i in $(seq 1 21); do echo "v$i.ok-le.test"; done
} >"$TMP/invalid.txt"
signal_case sigint-shard INT 130 shard invalid.txt
signal_case sigterm-manifest TERM 143 manifest invalid.txt
# A stretch of invalid names is written without the event loop: the signal still stops it.
signal_case sigterm-invalid TERM 143 start invalid.txt
expect "stopped before the invalid names: no row kept" \
    "$(python3 -c 'import json,sys; print([s["names"] for s in json.load(open(sys.argv[1]))["sessions"]])' "$TMP/sigterm-invalid/manifest.json")" "[0, 40]"

# The lock: a second scan, or a --resume, into a run another scan is writing is refused.
CAASCAN_TEST_POINT=start:pause "$CAASCAN" scan "${OPTS[@]}" -o "$TMP/locked" "$TMP/inv.txt" 2>"$TMP/locked.err" &
pid=$!
for _ in $(seq 200); do grep -q "test point start" "$TMP/locked.err" && break; sleep 0.1; done
for mode in --force --resume; do
    set +e
    "$CAASCAN" scan "${OPTS[@]}" $mode -o "$TMP/locked" "$TMP/inv.txt" 2>"$TMP/locked2.err"
    rc=$?
    set -e
    expect "second scan ($mode) refused" "$rc" 2
    grep -q "another scan is writing this run" "$TMP/locked2.err" && PASSED=$((PASSED + 1)) || fail "lock message ($mode): $(cat "$TMP/locked2.err")"
done
kill -TERM $pid
wait $pid || true

# --resume refuses other inputs or options, and a run that is complete or not there.
try() { # try WANT_STATUS PATTERN ARGS...
    local want=$1 pat=$2
    shift 2
    set +e
    "$CAASCAN" scan "$@" 2>"$TMP/try.err"
    local rc=$?
    set -e
    expect "refused: $pat" "$rc" "$want"
    grep -q -- "$pat" "$TMP/try.err" && PASSED=$((PASSED + 1)) || fail "message for $pat: $(cat "$TMP/try.err")"
}
cp "$TMP/invalid.txt" "$TMP/other.txt"
CAASCAN_TEST_POINT=shard:kill "$CAASCAN" scan "${OPTS[@]}" -o "$TMP/other" "$TMP/other.txt" 2>/dev/null || true
try 2 "--ca: the interrupted run used letsencrypt.org, this command other-ca.test" "${OPTS[@]}" --ca other-ca.test --resume -o "$TMP/other" "$TMP/other.txt"
try 2 "--attempts: the interrupted run used 3, this command 2" "${OPTS[@]}" --attempts 2 --resume -o "$TMP/other" "$TMP/other.txt"
try 2 "--no-auth: the interrupted run used false, this command true" "${OPTS[@]}" --no-auth --resume -o "$TMP/other" "$TMP/other.txt"
tail -30 "$TMP/invalid.txt" >"$TMP/other.txt"
try 2 "input 1 ($TMP/other.txt): lines was 40, now 30" "${OPTS[@]}" --resume -o "$TMP/other" "$TMP/other.txt"
sed 's/^v1\./w1./' "$TMP/invalid.txt" >"$TMP/other.txt"
try 2 "same files and counts, but their names differ" "${OPTS[@]}" --resume -o "$TMP/other" "$TMP/other.txt"
cp "$TMP/invalid.txt" "$TMP/other.txt"
try 2 "an interrupted run is there: continue it with --resume" "${OPTS[@]}" -o "$TMP/other" "$TMP/other.txt"
# Rates and shards may change on resume.
"$CAASCAN" scan "${OPTS[@]}" -q --qps 500 --shards 2 --resume -o "$TMP/other" "$TMP/other.txt" || fail "resume with other rates: $?"
expect "resume with other shards: rows" "$(rows "$TMP/other" | wc -l) $(ls "$TMP"/other/results-*.csv.zst | wc -l)" "40 2"
try 2 "nothing to resume" "${OPTS[@]}" --resume -o "$TMP/other" "$TMP/other.txt"
try 2 "the run is complete (manifest.json is there): nothing to resume" "${OPTS[@]}" --resume -o "$TMP/base" "$TMP/other.txt"
mkdir "$TMP/empty"
try 2 "no interrupted run to resume" "${OPTS[@]}" --resume -o "$TMP/empty" "$TMP/other.txt"
try 2 "no run to resume" "${OPTS[@]}" --resume -o "$TMP/not-there" "$TMP/other.txt"

# A full disk: the run directory on a small tmpfs, nearly filled. The scan stops at the first
# failed checkpoint (exit 3, no manifest, no more queries), and once space is freed --resume
# completes the run with every name once.
logto disk
cat >"$TMP/disk.sh" <<SH
set -u
mkdir -p "$TMP/small"
mount -t tmpfs -o size=256k tmpfs "$TMP/small"
mkdir "$TMP/small/run"
dd if=/dev/zero of="$TMP/small/filler" bs=4k 2>/dev/null
truncate -s -12K "$TMP/small/filler"
start=\$(date +%s%N)
"$CAASCAN" scan ${OPTS[*]} --qps 60 -o "$TMP/small/run" "$TMP/inv.txt" 2>"$TMP/disk1.err"
echo "first=\$?"
echo "ms=\$(( (\$(date +%s%N) - start) / 1000000 ))"
ls "$TMP/small/run" >"$TMP/disk.ls"
echo "$TMP/disk2.qlog" >"$TMP/relay.logname"
rm "$TMP/small/filler"
"$CAASCAN" scan ${OPTS[*]} --resume -o "$TMP/small/run" "$TMP/inv.txt" 2>"$TMP/disk2.err"
echo "second=\$?"
mkdir "$TMP/disk-run"
cp "$TMP/small/run"/results-*.csv.zst "$TMP/disk-run/"
umount "$TMP/small"
SH
: >"$TMP/disk2.qlog"
unshare -m bash "$TMP/disk.sh" >"$TMP/disk.out" 2>&1 || fail "disk test: $(cat "$TMP/disk.out")"
cat "$TMP/disk.out" "$TMP/disk1.err"
expect "full disk: exit status" "$(grep -o 'first=[0-9]*' "$TMP/disk.out")" first=3
grep -q "No space left on device" "$TMP/disk1.err" && PASSED=$((PASSED + 1)) || fail "full disk message: $(cat "$TMP/disk1.err")"
grep -q "manifest.json" "$TMP/disk.ls" && fail "full disk: manifest written" || PASSED=$((PASSED + 1))
# Stopped at once: far fewer questions than the whole run asks (about 20 s at --qps 60).
nq=$(asked disk | wc -l)
[ "$nq" -lt 120 ] && PASSED=$((PASSED + 1)) || fail "full disk: $nq names asked before the stop"
ms=$(grep -o 'ms=[0-9]*' "$TMP/disk.out" | cut -d= -f2)
[ "$ms" -lt 10000 ] && PASSED=$((PASSED + 1)) || fail "full disk: took $ms ms to stop"
echo "full disk: stopped after $ms ms, $nq own levels asked"
expect "full disk: resume exit status" "$(grep -o 'second=[0-9]*' "$TMP/disk.out")" second=0
rows "$TMP/disk-run" | sort >"$TMP/disk.names" || fail "full disk: reading the shards"
expect "full disk: every name once after resume" "$(uniq "$TMP/disk.names" | wc -l) $(wc -l <"$TMP/disk.names")" "$NAMES $NAMES"
finish
