#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: a guided tour of bpfmapctl in a QEMU VM running Debian's stock
# kernel (no kernel build): fetch that kernel and its headers
# (debian-kernel.sh), build bpfmap.ko and the sample consumer
# bpfmap_flowcount.ko against them and the tools, boot with -smp 2 and
# play a short scripted session (guest-tour.sh) on the console: the
# consumer's counters of real loopback traffic, then the map commands.
# `make shell` (--shell) boots the same VM to an interactive busybox shell
# with the module loaded.  The console is also saved under
# $BPFMAP_CACHE/logs/.  Exit status: 0 when the tour reached its end.
#
# usage: tests/vm/tour.sh [--shell]
set -euo pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

mode=tour
case "${1:-}" in
"") ;;
--shell) mode=shell ;;
*) echo "usage: tour.sh [--shell]" >&2; exit 2 ;;
esac

say() { printf '[%s] %s\n' "$mode" "$*" >&2; }

"$vm_here/install-deps.sh"

vm_debian_kernel || { say "debian-kernel.sh failed"; exit 1; }
kernel=$vm_kernel release=$vm_release

# Built in a copy of the sources per release, apart from make check's.
say "building bpfmap.ko for $release in $vm_builds/$release"
vm_build_release "$vm_kdir" "$release" || exit 1
say "building tools"
make -s -C "$vm_root" tools >&2

logdir=$vm_cache/logs
mkdir -p "$logdir"
stamp=$(date +%Y%m%d-%H%M%S)

vm_initramfs_temp "$vm_here/guest-tour.sh" "$vm_module"
vm_initramfs_add "$vm_stage" "$vm_root/tools/bpfmapctl/bpfmapctl" /bin/bpfmapctl 755
# The sample consumer, built next to the module, and the table of its maps.
vm_initramfs_add "$vm_stage" "$(dirname "$vm_module")/samples/flowcount/bpfmap_flowcount.ko" \
	/bpfmap_flowcount.ko
vm_initramfs_add "$vm_stage" "$vm_here/guest-flowcount.awk" /flowcount.awk
echo "$mode" >"$vm_stage/etc/bpfmap-mode"
vm_initramfs_pack "$vm_stage" "$vm_initrd"

vm_qemu_args 2 "$kernel" "$vm_initrd" "console=ttyS0 panic=-1 oops=panic quiet"

if [ "$mode" = shell ]; then
	say "booting Linux $release; in the VM 'exit' powers off, Ctrl-A X quits QEMU"
	# mon:stdio: the console is interactive and Ctrl-A C reaches the monitor.
	"${vm_args[@]}" -serial mon:stdio
	exit
fi

log=$logdir/tour-$stamp.log
say "booting Linux $release (-smp 2); console saved to $log"
set +e
timeout -k 10 10m "${vm_args[@]}" -monitor none -serial stdio </dev/null |
	tr -d '\r' | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if grep -q '### TOUR OK' "$log"; then
	say "tour complete (log: $log)"
	exit 0
fi
say "tour did not complete (qemu rc=$rc); log: $log"
exit 1
