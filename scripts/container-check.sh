#!/usr/bin/env bash
# container-check.sh -- builds caascan's container image from deploy/Containerfile and runs the
# Kubernetes Jobs of deploy/kubernetes/ the way a cluster runs them, against the DNS world:
#   1. the image: podman builds deploy/Containerfile from the committed tree (git archive HEAD, as
#      a fresh clone has it). Its base, debian:bookworm, is made by debootstrap from Debian's
#      archive when podman has no such image (a machine without an image registry);
#   2. night 1: every index of scan-job.yaml as a pod would run it: the manifest's own command,
#      args and env, JOB_COMPLETION_INDEX set per index (0-based, as Kubernetes sets it),
#      `parallelism` pods at once, the image's user (65534), the volumes mounted where the
#      manifest mounts them (runs: a shared directory; inventory: data/demo-inventory.csv as
#      customers.csv; config: resolvers.txt of the world's resolvers); then merge-job.yaml;
#   3. night 2 (the world switched to its night2 data): the scan Job again, then the merge Job,
#      whose diff against night 1 exits 1 on the new failures, as the manifest says;
#   4. checks: every pod's exit status, the merged run holds every inventory name once, its
#      statuses equal a single-process scan's in the same image (intermittent names aside), the
#      nightly diff found the night-2 failures, /runs/latest points at night 2's merged run.
# Needs root and podman (installs podman, runc, debootstrap and python3-yaml from Debian when
# missing) and a build tree with the DNS world's cannedns (build/ after scripts/quickstart.sh).
# Not part of the test suite: the image build takes minutes. docs/scale-out.md has the last run.
#   scripts/container-check.sh            WORK=/tmp/caascan-container by default
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/caascan-container}
IMAGE=localhost/caascan:check
K8S=$ROOT/deploy/kubernetes
# runc and cgroupfs: crun refuses hybrid cgroup hierarchies, which some VMs have. Limits below
# the host's: a container may not raise them where the host lacks CAP_SYS_RESOURCE.
nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] || [ "$nofile" -gt 8192 ] && nofile=8192
[ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ] && nproc=4096
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)
LIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

die() {
    echo "container-check: $*" >&2
    exit 1
}

if [ "${1:-}" != --in-world ]; then
    [ "$(id -u)" = 0 ] || die "needs root (podman, the DNS world's namespace)"
    missing=()
    for p in podman runc debootstrap python3-yaml; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    mkdir -p "$WORK"

    # 1. The image.
    base=docker.io/library/debian:bookworm
    if ! "${PODMAN[@]}" image exists "$base"; then
        echo "== base image $base: debootstrap bookworm from deb.debian.org"
        rm -rf "$WORK/rootfs"
        debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
            die "debootstrap failed (see $WORK/debootstrap.log)"
        tar -C "$WORK/rootfs" -c . | "${PODMAN[@]}" import - "$base" >/dev/null
        rm -rf "$WORK/rootfs"
    fi
    rm -rf "$WORK/ctx" && mkdir -p "$WORK/ctx"
    git -C "$ROOT" archive HEAD | tar -x -C "$WORK/ctx"
    echo "== podman build -f deploy/Containerfile (commit $(git -C "$ROOT" rev-parse --short HEAD))"
    start=$SECONDS
    "${PODMAN[@]}" build --pull=never "${LIMITS[@]}" -f deploy/Containerfile -t "$IMAGE" "$WORK/ctx" \
        >"$WORK/build.log" 2>&1 || die "the image did not build (see $WORK/build.log)"
    echo "   built in $((SECONDS - start)) s: $("${PODMAN[@]}" image inspect "$IMAGE" --format '{{.Size}}') bytes"

    # 2-4 inside the DNS world's network namespace (the pods use it as their network).
    if [ ! -e "$WORK/world/zones" ]; then
        bash "$ROOT/scripts/world.sh" build "$WORK/world" >/dev/null
    fi
    exec bash "$ROOT/scripts/world.sh" run "$WORK/world" -- bash "$0" --in-world
fi

# ---- inside the world ----
D=$WORK/k8s
rm -rf "$D" && mkdir -p "$D/runs" "$D/inventory" "$D/config" "$D/out"
cp "$ROOT/data/demo-inventory.csv" "$D/inventory/customers.csv"
tr ',' '\n' <<<"$WORLD_RESOLVERS" >"$D/config/resolvers.txt"
chown 65534:65534 "$D/runs"
fails=0
ok() { echo "ok: $*"; }
bad() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# pod_argv MANIFEST INDEX [NAME=VALUE...]: the podman run arguments of one pod of MANIFEST: env
# (the manifest's, then JOB_COMPLETION_INDEX for an Indexed Job, then the overrides), volumes
# (each volumeMount's volume name is a directory of $D), the command and args; each argument
# ends with a NUL.
pod_argv() {
    /usr/bin/python3 - "$@" <<'EOF'
import sys, yaml
path, index, overrides = sys.argv[1], sys.argv[2], sys.argv[3:]
job = yaml.safe_load(open(path))
spec = job["spec"]
pod = spec["template"]["spec"]
(c,) = pod["containers"]
env = {e["name"]: e["value"] for e in c.get("env", [])}
if spec.get("completionMode") == "Indexed":
    env["JOB_COMPLETION_INDEX"] = index
for o in overrides:
    k, v = o.split("=", 1)
    env[k] = v
out = []
for k, v in env.items():
    out += ["-e", f"{k}={v}"]
for m in c.get("volumeMounts", []):
    ro = ":ro" if m.get("readOnly") else ""
    out += ["-v", f"@D@/{m['name']}:{m['mountPath']}{ro}"]
cmd = c.get("command", [])
out += ["--entrypoint", cmd[0]] if cmd else []
out += ["@IMAGE@"] + cmd[1:] + c.get("args", [])
sys.stdout.write("".join(a + "\0" for a in out))
EOF
}
# job_info MANIFEST: "completions parallelism"
job_info() {
    /usr/bin/python3 -c 'import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))["spec"]
print(s.get("completions", 1), s.get("parallelism", s.get("completions", 1)))' "$1"
}
# run_job MANIFEST LABEL [NAME=VALUE...]: every index of the Job, `parallelism` at a time; prints
# "index status" lines into $D/out/LABEL.status.
run_job() {
    local manifest=$1 label=$2 n par i
    shift 2
    read -r n par < <(job_info "$manifest")
    : >"$D/out/$label.status"
    for ((i = 0; i < n; i++)); do
        local argv=()
        while IFS= read -r -d '' a; do
            a=${a//@D@/$D}
            argv+=("${a//@IMAGE@/$IMAGE}")
        done < <(pod_argv "$manifest" "$i" "$@")
        (
            rc=0
            "${PODMAN[@]}" run --rm --network host "${LIMITS[@]}" "${argv[@]}" \
                >"$D/out/$label-$i.log" 2>&1 || rc=$?
            echo "$i $rc" >>"$D/out/$label.status"
        ) &
        while [ "$(jobs -rp | wc -l)" -ge "$par" ]; do wait -n || true; done
    done
    wait
}
statuses_ok() { # LABEL EXPECTED: every index exited with EXPECTED
    local label=$1 want=$2 n
    n=$(awk -v w="$want" '$2 != w' "$D/out/$label.status" | wc -l)
    if [ "$n" -eq 0 ]; then
        ok "$label: $(wc -l <"$D/out/$label.status") pod(s), every exit status $want"
    else
        bad "$label: $(awk -v w="$want" '$2 != w { printf "index %s exited %s; ", $1, $2 }' "$D/out/$label.status")logs in $D/out"
    fi
}
caascan() { # the image's caascan, on the shared directory
    "${PODMAN[@]}" run --rm --network host "${LIMITS[@]}" -v "$D/runs:/runs" "$IMAGE" "$@"
}

echo "== night 1: scan-job.yaml, then merge-job.yaml"
run_job "$K8S/scan-job.yaml" scan1 NIGHT=night1
statuses_ok scan1 0
run_job "$K8S/merge-job.yaml" merge1 NIGHT=night1 PREVIOUS=night0
statuses_ok merge1 0

echo "== the same inventory as one process, in the same image"
"${PODMAN[@]}" run --rm --network host "${LIMITS[@]}" -v "$D/runs:/runs" -v "$D/inventory:/inventory:ro" \
    -v "$D/config:/config:ro" "$IMAGE" scan -r /config/resolvers.txt --no-progress -q \
    -o /runs/single /inventory/customers.csv >"$D/out/single.log" 2>&1 || bad "the single scan failed"
cells() { # RUN: name,status,problems of every row, sorted
    caascan export --raw "/runs/$1" | /usr/bin/python3 -c 'import csv, sys
rows = list(csv.DictReader(sys.stdin))
for r in sorted(rows, key=lambda r: r["name"]):
    print(r["name"], r["status"], r["problems"], sep=",")'
}
cells night1/merged >"$D/out/merged.cells" || bad "export of the merged run"
cells single >"$D/out/single.cells" || bad "export of the single run"
want=$(tail -n +2 "$D/inventory/customers.csv" | wc -l)
got=$(wc -l <"$D/out/merged.cells")
dups=$(cut -d, -f1 "$D/out/merged.cells" | sort | uniq -d | wc -l)
[ "$got" -eq "$want" ] && [ "$dups" -eq 0 ] && ok "merged run: $got rows for $want inventory lines, no name twice" ||
    bad "merged run: $got rows ($dups names twice) for $want inventory lines"
LC_ALL=C join -t, -j1 "$D/out/merged.cells" "$D/out/single.cells" -o 1.1,1.2,2.2,1.3,2.3 >"$D/out/joined"
differ=$(awk -F, '$2 != $3 && $4 !~ /INTERMITTENT/ && $5 !~ /INTERMITTENT/' "$D/out/joined" | wc -l)
joined=$(wc -l <"$D/out/joined")
[ "$joined" -eq "$want" ] && [ "$differ" -eq 0 ] &&
    ok "merged statuses equal the single scan's for all $joined names (intermittent names aside)" ||
    bad "$joined names in both runs, $differ with other statuses (see $D/out/*.cells)"

echo "== night 2: the world's night2 data; the merge Job's diff exits 1 on new failures"
bash "$ROOT/scripts/world.sh" switch "$WORLD_DIR" night2 >/dev/null
run_job "$K8S/scan-job.yaml" scan2 NIGHT=night2
statuses_ok scan2 0
run_job "$K8S/merge-job.yaml" merge2 NIGHT=night2 PREVIOUS=night1
statuses_ok merge2 1
new=$(grep -c ',NEW_FAILURE,' "$D/runs/night2/diff.csv" 2>/dev/null || true)
[ "${new:-0}" -gt 0 ] && ok "night 2's diff.csv: $new NEW_FAILURE rows" || bad "night 2's diff.csv has no new failure"
[ "$(readlink "$D/runs/latest")" = night2/merged ] && ok "/runs/latest -> night2/merged" ||
    bad "/runs/latest -> $(readlink "$D/runs/latest" || echo nothing)"

[ "$fails" -eq 0 ] && echo "container-check: all passed" || echo "container-check: $fails failed"
exit $((fails > 0))
