#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the bpfmap build and test VMs need.  A no-op
# (one dpkg-query call) when everything is already there; otherwise one
# apt-get update and one apt-get install of what is missing.
#
# usage: tests/vm/install-deps.sh
set -euo pipefail

pkgs=(
	gcc make python3
	qemu-system-x86 qemu-system-data busybox-static cpio
	bison flex libelf-dev libssl-dev dwarves kmod rsync bc sparse
	linux-source-6.1 xz-utils dkms
	python3-docutils groff-base
)

installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "${pkgs[@]}" 2>/dev/null || true) "
missing=()
for p in "${pkgs[@]}"; do
	case "$installed" in
	*" $p:installed "*) ;;
	*) missing+=("$p") ;;
	esac
done

[ "${#missing[@]}" -eq 0 ] && exit 0

echo "[deps] installing: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "[deps] need root to install packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
