#!/usr/bin/env bash
# slurm.sh -- a partitioned scan on a real job engine: a single-node Slurm (munged, slurmctld,
# slurmd as root, with a slurm.conf written here) started INSIDE the DNS world's network
# namespace, so that its jobs reach the world's resolvers and servers as any process of the test
# does; nothing here leaves the namespace (the daemons listen on 127.0.0.1 of the namespace,
# munged on a socket in the test's directory).
#   1. the scan of the world's inventory submitted as a job array of 4 (sbatch --array=0-3,
#      caascan scan --partition auto: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of
#      SLURM_ARRAY_TASK_COUNT), the merge as a job depending on it (--dependency=afterok);
#   2. the merged run has the rows of a single-process scan of the same inventory: same names,
#      statuses and problems (intermittent scenarios aside);
#   3. from the world's traffic meter: no authoritative address got more than --auth-qps 20
#      queries in any second summed over the 4 partitions, and the names' queries are within 2 %
#      of the single scan's (what each process asks once -- nameserver host addresses, the TLD --
#      at most 4 times the single scan's).
# Skipped (exit 0, saying so) when not root or when slurm-wlm or munge is not installed. Stops
# the daemons it started and removes what it wrote.
. "$(dirname "$0")/lib.sh"
METER="$(dirname "$0")/meter.py"
SCEN=$(dirname "$0")/../world/scenarios.tsv
RESOLVER_ADDRS=" ${WORLD_RESOLVERS//,/ } ${WORLD_SLOW_RESOLVER:-} "

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: slurm.sh needs root to run the Slurm daemons"
    exit 0
fi
for b in munged slurmctld slurmd sbatch squeue scontrol; do
    command -v "$b" >/dev/null || {
        echo "SKIP: $b is missing (Debian packages slurm-wlm and munge, scripts/deps.sh)"
        exit 0
    }
done
[ -r /etc/munge/munge.key ] || {
    echo "SKIP: /etc/munge/munge.key is missing (the munge package makes it)"
    exit 0
}

S=$TMP/slurm
mkdir -p "$S/state" "$S/spool" "$S/munge" "$S/out"
chmod 700 "$S/munge"
MUNGE_PID=""
stop_all() {
    if [ -f "$S/slurm.conf" ]; then
        SLURM_CONF=$S/slurm.conf timeout 10 scontrol shutdown >/dev/null 2>&1 || true
        local p
        for p in slurmctld slurmd; do
            [ -f "$S/$p.pid" ] || continue
            local pid deadline=$((SECONDS + 10))
            pid=$(cat "$S/$p.pid")
            while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
        done
    fi
    [ -z "$MUNGE_PID" ] || kill "$MUNGE_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap stop_all EXIT

host=$(hostname)
cpus=4 # one per partition, whatever this machine has (SlurmdParameters=config_overrides)
cat >"$S/slurm.conf" <<CONF
ClusterName=caascanit
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$S/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
ReturnToService=2
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=it Nodes=ALL Default=YES MaxTime=10 State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$S/slurm.conf

# Slurm resolves its addresses with getaddrinfo(AI_ADDRCONFIG), which finds no IPv4 address when
# the only interface is lo (the world's namespace): a tun device with an address of its own gives
# it one. It lives in this test's namespace only, no process holds it, it carries no traffic.
if ! ip -4 addr show scope global | grep -q inet; then
    ip tuntap add dev slurmit0 mode tun && ip addr add 10.254.254.1/32 dev slurmit0 &&
        ip link set slurmit0 up || fail "no tun device for Slurm's getaddrinfo"
fi
munged --force --socket="$S/munge/munge.socket" --pid-file="$S/munge/munged.pid" \
    --log-file="$S/munge/munged.log" --seed-file="$S/munge/munged.seed" ||
    { fail "munged did not start"; finish; }
MUNGE_PID=$(cat "$S/munge/munged.pid")
slurmctld || { fail "slurmctld did not start: $(tail -5 "$S/slurmctld.log")"; finish; }
slurmd -N "$host" || { fail "slurmd did not start: $(tail -5 "$S/slurmd.log")"; finish; }
deadline=$((SECONDS + 30))
until sinfo -h -N -o '%t' 2>/dev/null | grep -qx 'idle'; do
    [ $SECONDS -lt $deadline ] || {
        fail "the Slurm node is not idle after 30 s: $(sinfo -N 2>&1 | tail -2)"
        tail -n 5 "$S/slurmctld.log" "$S/slurmd.log" >&2
        finish
    }
    sleep 0.3
done
expect "Slurm node idle" ok ok

tail -n +2 "$SCEN" | cut -f1 >"$TMP/names.txt"
total=$(wc -l <"$TMP/names.txt")

rows() {
    shard_cells "$1" name,status,problems | LC_ALL=C sort
}

# 1. The job array and the dependent merge, with a capture around them.
python3 "$METER" start "$TMP/slurm.pcap" || fail "the capture did not start"
array=$(sbatch --parsable --array=0-3 -c 1 -o "$S/out/scan-%a.txt" --wrap \
    "exec '$CAASCAN' scan -q -r '$WORLD_RESOLVERS' --partition auto -o \"$TMP/part-\$SLURM_ARRAY_TASK_ID\" '$TMP/names.txt'")
merge=$(sbatch --parsable --dependency="afterok:$array" -o "$S/out/merge.txt" --wrap \
    "exec '$CAASCAN' merge -o '$TMP/merged' '$TMP/part-0' '$TMP/part-1' '$TMP/part-2' '$TMP/part-3'")
echo "job array $array, merge job $merge"
deadline=$((SECONDS + 120))
while [ -n "$(squeue -h -j "$array,$merge" 2>/dev/null)" ]; do
    if squeue -h -j "$merge" -o '%r' 2>/dev/null | grep -q DependencyNeverSatisfied; then
        fail "a scan task failed, the merge job will never run"
        scancel "$merge" 2>/dev/null || true
        break
    fi
    [ $SECONDS -lt $deadline ] || {
        fail "the jobs did not end within 120 s: $(squeue 2>&1)"
        scancel "$array" "$merge" 2>/dev/null || true
        break
    }
    sleep 0.5
done
python3 "$METER" stop "$TMP/slurm.pcap" || fail "the capture is not complete"
for f in "$S"/out/*.txt; do
    [ ! -s "$f" ] || echo "$(basename "$f"): $(tail -3 "$f")"
done
[ -f "$TMP/merged/manifest.json" ] && expect "merge job wrote the merged run" ok ok ||
    fail "no merged run: $(cat "$S"/out/*.txt 2>/dev/null | tail -5)"
for i in 0 1 2 3; do
    expect "array task $i's partition" \
        "$(python3 -c 'import json,sys; p = json.load(open(sys.argv[1]))["partition"]; print(p["k"], p["n"])' "$TMP/part-$i/manifest.json" 2>&1)" \
        "$((i + 1)) 4"
done

# 2. A single-process scan of the same inventory, resolvers flushed first.
bash "$CAASCAN_SOURCE_DIR/scripts/world.sh" switch "$WORLD_DIR" night1 2>/dev/null ||
    fail "flushing the resolvers"
python3 "$METER" start "$TMP/single.pcap" || fail "the capture did not start"
rc=0
"$CAASCAN" scan -q -r "$WORLD_RESOLVERS" -o "$TMP/all" "$TMP/names.txt" || rc=$?
python3 "$METER" stop "$TMP/single.pcap" || fail "the capture is not complete"
[ "$rc" -le 1 ] || fail "the single scan: exit status $rc"
rows "$TMP/all" >"$TMP/all.rows" || fail "reading the single run"
rows "$TMP/merged" >"$TMP/merged.rows" || fail "reading the merged run"
expect "rows of the merged run" "$(wc -l <"$TMP/merged.rows")" "$total"
expect "names of merged = names of single" "$(cut -d, -f1 "$TMP/merged.rows" | md5sum)" \
    "$(cut -d, -f1 "$TMP/all.rows" | md5sum)"
# Aside: the intermittent scenarios, and allsilent.test (its resolver's retries outlive a scan:
# a later scan may meet them and get SERVFAIL instead of TIMEOUT).
skip="$(awk -F'\t' 'NR > 1 && $4 ~ /INTERMITTENT/ { print $1 }' "$SCEN" | tr '\n' '|')allsilent.test|"
{ diff "$TMP/merged.rows" "$TMP/all.rows" || true; } >"$TMP/rows.diff"
differ=$(awk -F'[ ,]' -v skip="|$skip" '/^[<>]/ && index(skip, "|" $2 "|") == 0 { print $2 }' \
    "$TMP/rows.diff" | sort -u | tr '\n' ' ')
expect "statuses and problems of merged = single" "$differ" ""
[ -z "$differ" ] || cat "$TMP/rows.diff"

# 3. From the capture.
python3 "$METER" rates "$TMP/slurm.pcap" --open >"$TMP/slurm.rates" || fail "meter rates"
over=""
while read -r addr n; do
    [ "$addr" = ALL ] && continue
    [[ "$RESOLVER_ADDRS" == *" $addr "* ]] && continue
    [ "$n" -le 20 ] || over+=" $addr:$n"
done <"$TMP/slurm.rates"
expect "authoritative addresses over --auth-qps 20 summed over the array" "${over:- none}" " none"
partition_queries "$TMP/all" "$TMP/single.pcap" "$TMP/slurm.pcap" 4

finish
