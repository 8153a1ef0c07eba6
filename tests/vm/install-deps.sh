#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the bpfmap build and test VMs need.  A no-op
# (one dpkg-query call) when everything is already there; otherwise one
# apt-get update and one apt-get install of what is missing, which print
# one line here and keep apt's output in
# $BPFMAP_CACHE/logs/install-deps-<date>.log (BPFMAP_CACHE defaults to
# /var/cache/bpfmap); the log's last lines are shown when apt fails.
#
# usage: tests/vm/install-deps.sh [--check]
#   --check  also what only make check needs: sparse, the 6.12 sources for
#            the PREEMPT_RT debug kernel, dkms, docutils and groff
set -euo pipefail

pkgs=(
	gcc make python3
	qemu-system-x86 qemu-system-data busybox-static cpio
	bison flex libelf-dev libssl-dev dwarves kmod rsync bc
	linux-source-6.1 xz-utils
)
case "${1:-}" in
--check) pkgs+=(sparse linux-source-6.12 dkms python3-docutils groff-base) ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "${pkgs[@]}" 2>/dev/null || true) "
missing=()
for p in "${pkgs[@]}"; do
	case "$installed" in
	*" $p:installed "*) ;;
	*) missing+=("$p") ;;
	esac
done

[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "[deps] need root to install: ${missing[*]}" >&2
	exit 1
fi
# apt's output goes to a log; the terminal gets one line, and the log's
# tail only when apt fails.
logdir=${BPFMAP_CACHE:-/var/cache/bpfmap}/logs
log=$logdir/install-deps-$(date +%Y%m%d-%H%M%S).log
mkdir -p "$logdir"
echo "[deps] installing ${missing[*]} (apt log: $log)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update &&
	apt-get install -y --no-install-recommends "${missing[@]}"; } \
	>"$log" 2>&1 </dev/null; then
	echo "[deps] apt-get failed; the end of $log:" >&2
	tail -n 20 "$log" >&2
	exit 1
fi
