#!/usr/bin/env bash
# partition.sh CAASCAN -- --partition K/N is 1-based and checked; --partition auto reads the
# index and count as Slurm job arrays and Kubernetes Indexed Jobs set them, and a missing or
# inconsistent variable is an error (exit 2) naming it, never a silent full scan; --budget-share
# takes on or off. No DNS is needed: every command here stops at its options. (The scans that
# do run partitions from these variables are in tests/integration/scaleout.sh.)
set -u
source "$(dirname "$0")/testlib.bash"

# expect STATUS EXACT-STDERR ENV... -- ARGS...: the engines' variables cleared, then ENV set.
expect() {
    local want_rc=$1 want_err=$2
    shift 2
    local envs=()
    while [ "$1" != "--" ]; do
        envs+=("$1")
        shift
    done
    shift
    env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT -u SLURM_ARRAY_TASK_MIN \
        -u SLURM_ARRAY_TASK_MAX -u SLURM_ARRAY_TASK_STEP -u JOB_COMPLETION_INDEX \
        -u CAASCAN_PARTITIONS "${envs[@]}" "$caascan" scan -o "$tmp/run" "$@" "$tmp/none.txt" \
        >/dev/null 2>"$tmp/err"
    expect_result "$want_rc" "$want_err" $? "${envs[*]} caascan scan $*"
}

expect 2 "caascan: scan: --partition: '0/4': partitions are numbered from 1 (1/4 to 4/4); a job engine's 0-based index is read by --partition auto" \
    -- --partition 0/4
expect 2 "caascan: scan: --partition: '5/4': K is above N (partitions are 1/4 to 4/4)" \
    -- --partition 5/4
expect 2 "caascan: scan: --partition: '1/x' is not K/N with 1 <= K <= N <= 100000, or auto" \
    -- --partition 1/x
expect 2 "caascan: scan: --partition: auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --partition K/N to run one partition by hand" \
    -- --partition auto
# Slurm: sbatch --array=0-3 sets ID, COUNT, MIN, MAX and STEP.
expect 2 "caascan: scan: --partition: auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN is not (a Slurm job array sets both)" \
    SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=4 -- --partition auto
expect 2 "caascan: scan: --partition: auto: --partition auto/3, but the Slurm array has 4 tasks (SLURM_ARRAY_TASK_COUNT)" \
    SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=3 SLURM_ARRAY_TASK_STEP=1 \
    -- --partition auto/3
expect 2 "caascan: scan: --partition: auto: SLURM_ARRAY_TASK_STEP is 2: submit the array as --array=0-3 (every index, step 1) so that its tasks are the partitions" \
    SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=6 SLURM_ARRAY_TASK_STEP=2 \
    -- --partition auto
# Kubernetes: the Job sets JOB_COMPLETION_INDEX; the count comes from CAASCAN_PARTITIONS.
expect 2 "caascan: scan: --partition: auto: JOB_COMPLETION_INDEX is set but the number of partitions is not: set CAASCAN_PARTITIONS to the Job's completions, or give --partition auto/N" \
    JOB_COMPLETION_INDEX=0 -- --partition auto
expect 2 "caascan: scan: --partition: auto: JOB_COMPLETION_INDEX 4 is not an index of 4 partitions (0 to 3): the Job's completions and CAASCAN_PARTITIONS (or auto/N) must agree" \
    JOB_COMPLETION_INDEX=4 CAASCAN_PARTITIONS=4 -- --partition auto
expect 2 "caascan: scan: --partition: auto: --partition auto/3, but CAASCAN_PARTITIONS is 4" \
    JOB_COMPLETION_INDEX=0 CAASCAN_PARTITIONS=4 -- --partition auto/3
expect 2 "caascan: scan: --partition: auto: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; give --partition K/N" \
    JOB_COMPLETION_INDEX=0 CAASCAN_PARTITIONS=4 SLURM_ARRAY_TASK_ID=0 -- --partition auto
expect 2 "caascan: scan: --budget-share: 'half' is not on or off" -- --budget-share half

# A valid partition gets past the options: the next complaint is the missing input file.
for envs in "JOB_COMPLETION_INDEX=3 CAASCAN_PARTITIONS=4" \
    "SLURM_ARRAY_TASK_ID=7 SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_STEP=1"; do
    # shellcheck disable=SC2086
    env $envs "$caascan" scan -o "$tmp/run" --partition auto "$tmp/none.txt" >/dev/null 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q "none.txt" "$tmp/err" && ! grep -q -- "--partition" "$tmp/err"; then
        ok
    else
        bad "$envs --partition auto -> exit $rc: $(cat "$tmp/err")"
    fi
done

finish
