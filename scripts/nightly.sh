#!/usr/bin/env bash
# nightly.sh -- one night of caascan, as a timer or cron runs it (docs/nightly.md).
#
#   nightly.sh -b BASE [-k KEEP] [-n NAME] [-- ] SCAN-OPTIONS... INPUT...
#
# Scans into BASE/runs/NAME (NAME: the UTC date and time, 2026-12-02T0300Z), then, when the scan
# is complete (manifest.json written):
#   - points BASE/latest at it (atomically: a new symlink renamed over the old one);
#   - diffs it against the last complete run before it (not simply yesterday's: that one may have
#     failed or been killed) into BASE/diffs/NAME.csv;
#   - with -k KEEP, deletes all but the KEEP newest complete runs, and every incomplete run older
#     than the newest complete one. The run `latest` points at and a run being written (its
#     RUNNING lock held) are never deleted.
# The exit status is the one to alert on:
#   0  complete, no name newly fails (or the first night: nothing to compare with)
#   1  complete, some names newly fail: BASE/diffs/NAME.csv lists them (tell the customers)
#   2  usage or input error (the options, the inventory, runs that do not compare): fix the job
#   3  runtime failure (disk full, out of memory, ...): the run is incomplete; look at the host
#   4  the night looks broken, not the customers: the resolvers did not answer (scan's health
#      gate) or too many names newly fail (diff's guard); page the operator, do not tell customers
#   128+N  the scan was stopped by signal N (130 SIGINT, 143 SIGTERM, 137 SIGKILL): incomplete
# CAASCAN names the caascan binary (default: caascan on PATH).
set -u
CAASCAN=${CAASCAN:-caascan}
base='' keep=0 name=''
usage() {
    echo "usage: nightly.sh -b BASE [-k KEEP] [-n NAME] [--] SCAN-OPTIONS... INPUT..." >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
    -b) base=${2:-}; shift 2 || usage ;;
    -k) keep=${2:-}; shift 2 || usage ;;
    -n) name=${2:-}; shift 2 || usage ;;
    --) shift; break ;;
    -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
    esac
done
[ -n "$base" ] && [ $# -gt 0 ] || usage
[[ "$keep" =~ ^[0-9]+$ ]] || { echo "nightly.sh: -k: '$keep' is not a number" >&2; exit 2; }
[ -n "$name" ] || name=$(date -u +%Y-%m-%dT%H%MZ)
[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "nightly.sh: -n: '$name' is not a plain name" >&2; exit 2; }
mkdir -p "$base/runs" "$base/diffs" || exit 3
log() { echo "nightly.sh: $*" >&2; }

complete() { [ -f "$1/manifest.json" ]; }
# A run being written holds an exclusive flock on its RUNNING file.
being_written() { [ -e "$1/RUNNING" ] && ! flock -n "$1/RUNNING" true 2>/dev/null; }

# The newest complete run other than $1 (run names sort by date).
last_complete() {
    local d
    for d in $(ls -1 "$base/runs" | sort -r); do
        [ "$d" != "$1" ] && complete "$base/runs/$d" && { echo "$d"; return; }
    done
}

prev=$(last_complete "$name")
run="$base/runs/$name"
log "scanning into $run${prev:+ (last complete run: $prev)}"
"$CAASCAN" scan -o "$run" "$@"
rc=$?
if [ $rc -ne 0 ] || ! complete "$run"; then
    [ $rc -eq 0 ] && rc=3
    log "scan failed (exit $rc): $run is incomplete; latest stays ${prev:-unset}"
else
    # latest: a new link renamed over the old one, so readers see the old or the new run.
    ln -sfn "runs/$name" "$base/.latest.tmp" && mv -T "$base/.latest.tmp" "$base/latest" || rc=3
    if [ $rc -eq 0 ] && [ -n "$prev" ]; then
        "$CAASCAN" diff "$base/runs/$prev" "$run" -o "$base/diffs/$name.csv"
        rc=$?
        log "diff against $prev: exit $rc, $base/diffs/$name.csv"
    fi
fi

if [ "$keep" -gt 0 ]; then
    latest_target=$(readlink "$base/latest" 2>/dev/null)
    newest_complete=$(last_complete "")
    n=0
    for d in $(ls -1 "$base/runs" | sort -r); do
        dir="$base/runs/$d"
        if complete "$dir"; then
            n=$((n + 1))
            [ $n -le "$keep" ] && continue
        elif [ -z "$newest_complete" ] || [[ "$d" > "$newest_complete" ]]; then
            continue # newer than every complete run: may still be resumed
        fi
        [ "runs/$d" = "$latest_target" ] && continue
        being_written "$dir" && continue
        log "retention: removing $dir"
        rm -rf "$dir" "$base/diffs/$d.csv"
    done
fi
exit $rc
