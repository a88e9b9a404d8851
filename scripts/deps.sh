#!/usr/bin/env bash
# deps.sh -- installs the Debian packages caascan needs to build, test and benchmark.
# Idempotent: does nothing when everything is present. Needs root (or sudo) to install.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config clang
    libldns-dev libevent-dev libzstd-dev libcsv-dev libcmocka-dev libjansson-dev libidn2-dev
    libpsl-dev libxlsxwriter-dev zlib1g-dev python3-openpyxl
    nsd unbound ldnsutils dnsutils dnsperf zstd iproute2 util-linux python3 time bc tcpdump
    slurm-wlm munge
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "caascan: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian packages enable system services; the DNS world starts its own private copies.
for svc in nsd unbound; do
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
