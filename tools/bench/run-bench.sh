#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: bench_maps in one QEMU boot of Debian's stock kernel
# (tests/vm/debian-kernel.sh), -smp 2, TCG, 1 GiB.  Builds bpfmap.ko
# against that kernel's headers, bpfmap_kbench.ko (the kernel table's
# driver, tools/bench/kmod) against it, the tools and the bench, boots an
# initramfs whose /init (guest-bench.sh) loads the modules and runs the
# bench, then prints the table from the console.  Console, table and JSON
# are saved under $BPFMAP_CACHE/logs/bench-<date>/.
#
# usage: tools/bench/run-bench.sh [BENCH_MAPS_ARGS...]
#        (default: -r 11 -d 0.1 and the hash family, batch and kernel
#        tables at their defaults; e.g. -q for a quick smoke run, -T family
#        -q for one table)
# env:   BENCH_TIMEOUT: the VM's time limit (default 15m; timeout(1) syntax)
# env:   BPFMAP_BENCH_MODULE: a bpfmap.ko already built for the stock kernel
#        to measure instead of building this tree's (A/B of module versions)
# Exit status: 0 when the bench ran and no case failed.
set -euo pipefail

bench_here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/vm/lib.sh
. "$bench_here/../../tests/vm/lib.sh"

say() { printf '[bench] %s\n' "$*" >&2; }

if [ "$#" -eq 0 ]; then
	set -- -r 11 -d 0.1
fi
bench_args="$*"

"$vm_here/install-deps.sh"

vm_debian_kernel || { say "debian-kernel.sh failed"; exit 1; }
kernel=$vm_kernel release=$vm_release

# Built in a copy of the sources per release (tests/vm/lib.sh), so that a
# build of the tree against another kernel (make check builds against a
# debug kernel) cannot race with this one or leave objects it would link.
# bpfmap_kunit.ko is built only for a kernel with KUnit; the stock one has
# none, so only bpfmap.ko goes into the VM.
if [ -n "${BPFMAP_BENCH_MODULE:-}" ]; then
	module=$BPFMAP_BENCH_MODULE
	say "using the prebuilt $module"
else
	say "building bpfmap.ko for $release in $vm_builds/$release"
	vm_build_release "$vm_kdir" "$release" || exit 1
	module=$vm_module
fi
if [ "$(vm_module_vermagic "$module")" != "$release" ]; then
	say "$module is not built for $release"
	exit 1
fi
# The kernel table's driver, bpfmap_kbench.ko, links against the
# Module.symvers next to that bpfmap.ko; built in a copy of its own.
kbench_build=$vm_builds/$release-kbench
say "building bpfmap_kbench.ko in $kbench_build"
mkdir -p "$kbench_build"
rsync -a --checksum "$bench_here/kmod/" "$kbench_build/"
if ! make -C "$vm_kdir" M="$kbench_build" BPFMAP_ROOT="$vm_root" \
	KBUILD_EXTRA_SYMBOLS="$(dirname "$module")/Module.symvers" \
	modules >"$kbench_build.log" 2>&1; then
	tail -n 20 "$kbench_build.log" >&2
	exit 1
fi
say "building tools and bench_maps"
make -s -C "$vm_root" tools >&2
make -s -C "$bench_here" >&2

stamp=$(date +%Y%m%d-%H%M%S)
logdir=$vm_cache/logs/bench-$stamp
mkdir -p "$logdir"

vm_initramfs_temp "$bench_here/guest-bench.sh" "$module"
vm_initramfs_add "$vm_stage" "$bench_here/bench_maps" /bin/bench_maps 755
vm_initramfs_add "$vm_stage" "$kbench_build/bpfmap_kbench.ko" \
	/bpfmap_kbench.ko
printf '%s\n' "$@" >"$vm_stage/etc/bench-args"
vm_initramfs_pack "$vm_stage" "$vm_initrd"

# The bench VM gets 1 GiB; lib.sh's default is 2 GiB.
VM_MEM=1G vm_qemu_args 2 "$kernel" "$vm_initrd" \
	"console=ttyS0 panic=-1 oops=panic quiet"

log=$logdir/console.log
# Other VMs on this host slow some rounds down; the bench reports the best
# round of each backend, but a busy host still widens the noise.
say "host load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
say "booting Linux $release (-smp 2, TCG), bench_maps $bench_args"
say "console: $log"
set +e
timeout -k 10 "${BENCH_TIMEOUT:-15m}" "${vm_args[@]}" -monitor none -serial stdio </dev/null |
	tr -d '\r' >"$log"
rc=${PIPESTATUS[0]}
set -e

# The lines between a BEGIN and its END marker.
between() {
	sed -n "/^### BENCH $1 BEGIN\$/,/^### BENCH $1 END\$/{//!p}" "$log"
}
between TABLE >"$logdir/table.txt"
between JSON >"$logdir/bench.json"
[ -s "$logdir/bench.json" ] || rm -f "$logdir/bench.json"
grep '^bench_maps: .*FAILED' "$log" >&2 || true
cat "$logdir/table.txt"

if grep -q '^### BENCH OK$' "$log" && [ -s "$logdir/table.txt" ]; then
	say "done; saved in $logdir"
	exit 0
fi
grep '^### BENCH FAILED' "$log" >&2 || true
say "bench failed (qemu rc=$rc); console: $log"
exit 1
