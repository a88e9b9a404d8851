#!/usr/bin/env bash
# scaleout.sh -- a partitioned scan put back together, in the DNS world:
#   1. the world's inventory (every scenario name and two invalid lines) scanned as one run, and
#      as 4 partitions run side by side with --partition auto and JOB_COMPLETION_INDEX 0..3 and
#      CAASCAN_PARTITIONS=4, as a Kubernetes Indexed Job of completions 4 sets them;
#   2. every part's manifest records its partition (k, n, rule), the input digest and the shared
#      budget (--auth-qps 20 is the job's: 5 a partition);
#   3. caascan merge of the 4 parts: the same names, statuses and problems as the single run
#      (intermittent scenarios aside), every name once, no zone probed by two partitions; export,
#      report and diff read the merged run as they read the single one;
#   4. from the world's traffic meter (not caascan's counters): the 4 partitions together never
#      sent an authoritative address more than --auth-qps 20 in any second, and asked the names'
#      queries as often as the single run (within 2 %); the per-process part (nameserver host
#      addresses, the TLD) is at most 4 times the single run's;
#   5. merge refuses, naming the part: a missing partition, one given twice, an incomplete one,
#      one of other inputs, one of another --ca, two parts that are not disjoint, a run that is
#      not a partition.
. "$(dirname "$0")/lib.sh"
METER="$(dirname "$0")/meter.py"
SCEN=$(dirname "$0")/../world/scenarios.tsv
RESOLVER_ADDRS=" ${WORLD_RESOLVERS//,/ } ${WORLD_SLOW_RESOLVER:-} "

tail -n +2 "$SCEN" | cut -f1 >"$TMP/names.txt"
printf 'not a name!\n-bad-.test\n' >>"$TMP/names.txt"
total=$(wc -l <"$TMP/names.txt")

# rows RUN: "name,status,problems" lines of RUN's results, sorted.
rows() {
    shard_cells "$1" name,status,problems | LC_ALL=C sort
}
# auth_over LABEL MAX: authoritative addresses above MAX queries in their busiest second.
auth_over() {
    local addr n over=""
    while read -r addr n; do
        [ "$addr" = ALL ] && continue
        [[ "$RESOLVER_ADDRS" == *" $addr "* ]] && continue
        [ "$n" -le "$2" ] || over+=" $addr:$n"
    done <"$TMP/$1.rates"
    echo "${over:- none}"
}

# 1. One run, then the 4 partitions at once.
python3 "$METER" start "$TMP/single.pcap" || fail "single: the capture did not start"
rc=0
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" -o "$TMP/all" "$TMP/names.txt" || rc=$?
python3 "$METER" stop "$TMP/single.pcap" || fail "single: the capture is not complete"
[ "$rc" -le 1 ] || fail "the single scan: exit status $rc"

# The resolvers start cold again (caches and server state flushed, as for the first run), so that
# the second scan does not meet what the first left in them (allsilent.test: a SERVFAIL).
bash "$CAASCAN_SOURCE_DIR/scripts/world.sh" switch "$WORLD_DIR" night1 2>/dev/null ||
    fail "flushing the resolvers"
python3 "$METER" start "$TMP/parts.pcap" || fail "parts: the capture did not start"
pids=()
for i in 0 1 2 3; do
    JOB_COMPLETION_INDEX=$i CAASCAN_PARTITIONS=4 "$CAASCAN" scan -q -r "$WORLD_RESOLVERS" \
        --partition auto -o "$TMP/part$i" "$TMP/names.txt" 2>"$TMP/part$i.err" &
    pids+=($!)
done
for i in 0 1 2 3; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    [ "$rc" -le 1 ] || fail "partition index $i: exit status $rc: $(cat "$TMP/part$i.err")"
done
python3 "$METER" stop "$TMP/parts.pcap" || fail "parts: the capture is not complete"

# 2. What each part's manifest records.
digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["input_digest"])' "$TMP/all/manifest.json")
[ -n "$digest" ] && expect "single run records an input digest" ok ok || fail "no input digest"
for i in 0 1 2 3; do
    got=$(python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))
p, o = m["partition"], m["options"]
print(p["k"], p["n"], p["rule"], m["input_digest"], o["partition"], o["auth-qps"],
      o["resolver-inflight"], o["budget-share"])' "$TMP/part$i/manifest.json")
    expect "part $i manifest" "$got" "$((i + 1)) 4 registered-domain $digest $((i + 1))/4 5 32 on"
done

# 3. Merged: the single run's rows.
out=$("$CAASCAN" merge -o "$TMP/merged" "$TMP/part2" "$TMP/part0" "$TMP/part3" "$TMP/part1" 2>&1) ||
    fail "merge: $out"
echo "$out"
# Zones below a public suffix are probed by one partition only; the TLD test. is the closest
# zone of every name whose domain does not exist, so each partition with such a name probes its
# two servers (a.nic.test, b.nic.test): with 4 partitions, 3 extra rows each.
expect "merge: zones probed by two partitions" \
    "$(sed -n 's/.*more than one partition: \(.*\)/\1/p' <<<"$out")" \
    "0 of registered domains, 6 of public suffixes"
rows "$TMP/all" >"$TMP/all.rows" || fail "reading the single run"
rows "$TMP/merged" >"$TMP/merged.rows" || fail "reading the merged run"
expect "rows of the single run" "$(wc -l <"$TMP/all.rows")" "$total"
expect "rows of the merged run" "$(wc -l <"$TMP/merged.rows")" "$total"
expect "names twice in the merged run" "$(cut -d, -f1 "$TMP/merged.rows" | uniq -d | wc -l)" 0
expect "names of merged = names of single" "$(cut -d, -f1 "$TMP/merged.rows" | md5sum)" \
    "$(cut -d, -f1 "$TMP/all.rows" | md5sum)"
# Aside: the intermittent scenarios, and allsilent.test, whose server never answers and whose
# resolver keeps retrying for minutes: a scan within those minutes of another may meet that
# pending work and get SERVFAIL instead of TIMEOUT (the world's note for it).
intermittent="$(awk -F'\t' 'NR > 1 && $4 ~ /INTERMITTENT/ { print $1 }' "$SCEN" | tr '\n' '|')allsilent.test|"
{ diff "$TMP/merged.rows" "$TMP/all.rows" || true; } >"$TMP/rows.diff"
differ=$(cat "$TMP/rows.diff" |
    awk -F'[ ,]' -v skip="|$intermittent" '/^[<>]/ && index(skip, "|" $2 "|") == 0 { print $2 }' |
    sort -u | tr '\n' ' ')
expect "statuses and problems of merged = single" "$differ" ""
[ -z "$differ" ] || cat "$TMP/rows.diff"
for s in OK CAA_FORBIDS INVALID; do
    expect "manifest count $s" \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status_counts"].get(sys.argv[2], 0))' "$TMP/merged/manifest.json" "$s")" \
        "$(grep -c ",$s," "$TMP/merged.rows" || true)"
done
expect "merged manifest: partition merged, options whole" \
    "$(python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))
print(m["partition"]["merged"], m["partition"]["n"], m["options"]["partition"], m["input_digest"])' "$TMP/merged/manifest.json")" \
    "1..4 4 None $digest"
# The store commands take it as any run; diff compares it with the single run.
expect "export rows" "$("$CAASCAN" export "$TMP/merged" | tail -n +2 | wc -l)" "$total"
"$CAASCAN" report "$TMP/merged" --by zone >"$TMP/report.txt" 2>"$TMP/report.err" ||
    fail "report on the merged run: $(cat "$TMP/report.err")"
rc=0
"$CAASCAN" diff "$TMP/all" "$TMP/merged" >"$TMP/diff.txt" 2>"$TMP/diff.err" || rc=$?
[ "$rc" -le 1 ] && ! grep -q "do not compare" "$TMP/diff.err" &&
    expect "diff single merged compares" ok ok || fail "diff single merged: exit $rc: $(cat "$TMP/diff.err")"

# 4. From the capture: the job's budget held, no extra queries.
python3 "$METER" rates "$TMP/parts.pcap" --open >"$TMP/parts.rates" || fail "meter rates"
expect "authoritative addresses over --auth-qps 20 summed over the partitions" \
    "$(auth_over parts 20)" " none"
# Queries: the names' own within 2 % of the single run's, the fixed part per process at most
# 4 times (partition_queries, lib.sh).
partition_queries "$TMP/all" "$TMP/single.pcap" "$TMP/parts.pcap" 4

# 5. Refusals: exit 2, the message names the part, nothing written.
refused() {
    local what=$1 want=$2
    shift 2
    rm -rf "$TMP/bad"
    local rc=0
    "$CAASCAN" merge -o "$TMP/bad" "$@" 2>"$TMP/refused.err" || rc=$?
    if [ "$rc" -eq 2 ] && grep -qF -- "$want" "$TMP/refused.err" && [ ! -e "$TMP/bad/manifest.json" ]; then
        expect "$what" ok ok
    else
        fail "$what: exit $rc, stderr: $(cat "$TMP/refused.err") (want exit 2 and: $want)"
    fi
}
refused "a missing partition" "3 of 4 partitions given: missing 2/4" \
    "$TMP/part0" "$TMP/part2" "$TMP/part3"
refused "a partition twice" "$TMP/part1 and $TMP/part1 are both partition 2/4" \
    "$TMP/part0" "$TMP/part1" "$TMP/part1" "$TMP/part3"
cp -r "$TMP/part3" "$TMP/inc" && rm "$TMP/inc/manifest.json"
refused "an incomplete part" "$TMP/inc: not a complete run (no manifest.json)" \
    "$TMP/part0" "$TMP/part1" "$TMP/part2" "$TMP/inc"
edit() { # edit DIR PYTHON: a copy of a part with its manifest changed
    python3 -c 'import json,sys
p = sys.argv[1] + "/manifest.json"
m = json.load(open(p))
exec(sys.argv[2])
json.dump(m, open(p, "w"))' "$1" "$2"
}
cp -r "$TMP/part3" "$TMP/other" && edit "$TMP/other" 'm["input_digest"] = "0123456789abcdef"'
refused "a part of other inputs" "$TMP/other: scanned other inputs than $TMP/part0" \
    "$TMP/part0" "$TMP/part1" "$TMP/part2" "$TMP/other"
cp -r "$TMP/part3" "$TMP/otherca" && edit "$TMP/otherca" 'm["options"]["ca"] = "pki.goog"'
refused "a part of another --ca" "$TMP/otherca: --ca pki.goog, but $TMP/part0 has --ca letsencrypt.org" \
    "$TMP/part0" "$TMP/part1" "$TMP/part2" "$TMP/otherca"
cp -r "$TMP/part3" "$TMP/otherdepth" && edit "$TMP/otherdepth" 'm["options"]["auth-depth"] = "full"'
refused "a part of another --auth-depth" "$TMP/otherdepth: --auth-depth full, but $TMP/part0 has --auth-depth sample" \
    "$TMP/part0" "$TMP/part1" "$TMP/part2" "$TMP/otherdepth"
cp -r "$TMP/part0" "$TMP/dup" && edit "$TMP/dup" 'm["partition"]["k"] = 2'
refused "parts not disjoint" "is in two of the parts: they are not disjoint" \
    "$TMP/part0" "$TMP/dup" "$TMP/part2" "$TMP/part3"
refused "a run that is not a partition" "$TMP/all: not a partition of a partitioned scan" \
    "$TMP/all" "$TMP/part1" "$TMP/part2" "$TMP/part3"
refused "a merged run again" "$TMP/merged: not a partition of a partitioned scan" \
    "$TMP/merged"

finish
