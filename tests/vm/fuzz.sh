#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make fuzz`: boot a VM with bpfmap.ko and run the ioctl fuzzer
# (tests/fuzz, guest side: guest-fuzz.sh) for SECONDS, on the debug test
# kernel (KASAN, lockdep, kmemleak, UBSAN, ...) or on Debian's stock kernel.
# The run fails on any oracle violation the fuzzer reports, on any kernel
# report on the console (the patterns of run-vm.sh: BUG, WARNING, KASAN,
# UBSAN, lockdep, RCU, hung tasks, oopses, panics), on leaks, on a failed
# insmod/rmmod and on a VM that does not reach its end.  It prints the
# fuzzer's totals (ioctls/s, per command, errnos).  Logs are kept under
# $BPFMAP_CACHE/logs/fuzz-*.
#
# usage: fuzz.sh [--kernel debug|stock] [--seconds N] [--seed N]
#                [--threads N] [--faults P] [--smp SPEC] [--kdir DIR]
#                [--timeout D] [--module FILE]
#   --kernel K    debug (default): the test kernel of build-kernel.sh, or
#                 --kdir DIR; stock: Debian's kernel (debian-kernel.sh)
#   --seconds N   how long the fuzzer runs (default 60)
#   --seed N      the fuzzer's seed (default: from the clock; printed)
#   --threads N   fuzzer threads (default 4)
#   --faults P    P percent of the ops run with one allocation failure
#                 armed (fail-nth), alongside the other threads (default
#                 0; the debug kernel only: the stock ones have no fault
#                 injection)
#   --smp SPEC    QEMU -smp (default "2,maxcpus=4": 4 possible CPUs, 2
#                 online, so per-CPU values have slots of offline CPUs)
#   --timeout D   limit for the whole boot (default: seconds + 20 min)
#   --module FILE a bpfmap.ko built elsewhere for that kernel (default: build
#                 the repository's for it)
# Exit status: 0 when nothing failed.
set -euo pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

kind=debug
seconds=60
seed=
threads=4
faults=0
smp=2,maxcpus=4
kdir=
limit=
module=
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kind=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--faults) faults=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--kdir) kdir=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--module) module=$2; shift 2 ;;
	-h|--help) sed -n '4,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
case "$kind" in
debug|stock) ;;
*) echo "fuzz.sh: --kernel is debug or stock, not $kind" >&2; exit 2 ;;
esac
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: bad --seconds $seconds" >&2; exit 2; }
if ! [[ $faults =~ ^[0-9]+$ ]] || [ "$faults" -gt 100 ]; then
	echo "fuzz.sh: --faults is a percentage, not $faults" >&2
	exit 2
fi
[ "$faults" -eq 0 ] || [ "$kind" = debug ] ||
	{ echo "fuzz.sh: --faults needs --kernel debug" >&2; exit 2; }
[ -n "$seed" ] || seed=$(date +%s)
[ -n "$limit" ] || limit=$((seconds + 1200))s

tag="fuzz $kind"
say() { printf '[%s] %s\n' "$tag" "$*"; }
failed=0
fail() { failed=$((failed + 1)); say "FAIL: $*"; }

if [ "$kind" = stock ]; then
	vm_debian_kernel || { say "debian-kernel.sh failed"; exit 1; }
	kernel=$vm_kernel kdir=$vm_kdir
else
	[ -n "$kdir" ] || kdir=$("$vm_here/build-kernel.sh")
	kernel=$kdir/arch/x86/boot/bzImage
	[ -f "$kernel" ] || { say "no kernel image $kernel"; exit 1; }
fi
release=$(vm_kdir_release "$kdir")

# The module, for this kernel, built in a copy of the sources per release.
if [ -z "$module" ]; then
	say "building bpfmap.ko for $release in $vm_builds/$release"
	vm_build_release "$kdir" "$release" || exit 1
	module=$vm_module
fi
[ "$(vm_module_vermagic "$module")" = "$release" ] ||
	{ say "bpfmap.ko is not built for $release"; exit 1; }
say "building the fuzzer"
make -s -C "$vm_root/tests/fuzz"
fuzzer=$vm_root/tests/fuzz/out/bpfmap-fuzz

logdir=$vm_cache/logs/fuzz-$(date +%Y%m%d-%H%M%S)-$kind
mkdir -p "$logdir"
console=$logdir/console.log
results=$logdir/results.log
stage=$logdir/initramfs
initrd=$logdir/initramfs.cpio.gz

vm_initramfs_begin "$stage"
vm_initramfs_add "$stage" "$vm_here/guest-fuzz.sh" /init 755
vm_initramfs_add "$stage" "$module" /bpfmap.ko
vm_initramfs_add "$stage" "$fuzzer" /bin/bpfmap-fuzz 755
vm_initramfs_pack "$stage" "$initrd"
rm -rf "$stage"

append="console=ttyS0 panic=-1 oops=panic log_buf_len=4M mitigations=off"
append+=" bpfmap_fuzz.seconds=$seconds bpfmap_fuzz.seed=$seed bpfmap_fuzz.threads=$threads"
append+=" bpfmap_fuzz.faults=$faults"
vm_qemu_args "$smp" "$kernel" "$initrd" "$append"
vm_args+=(-monitor none -serial stdio -serial "file:$results")

say "booting $release (-smp $smp) for a ${seconds}s fuzz run, seed $seed, $threads threads, faults $faults%; logs in $logdir"
start=$(date +%s)
set +e
timeout -k 10 "$limit" "${vm_args[@]}" </dev/null | tr -d '\r' | tee "$console" |
	awk -v tag="$tag" '/### |VIOLATION/{ sub(/^.*### /, ""); printf "[%s] %s\n", tag, $0; fflush() }'
qemu_rc=${PIPESTATUS[0]}
set -e
say "VM exited (rc=$qemu_rc) after $(($(date +%s) - start))s"
rm -f "$initrd"
ls -dt "$vm_cache"/logs/fuzz-* 2>/dev/null | tail -n +11 | xargs -r rm -rf
touch "$results"
tr -d '\r' <"$results" >"$results.tmp" && mv "$results.tmp" "$results"

marker() { grep -m1 "^### $1" "$results" || true; }
rc_of() { sed -n 's/.* rc=\([0-9]*\).*/\1/p'; }
check_rc() {
	local rc
	rc=$(marker "$2 rc=" | rc_of)
	[ "$rc" = 0 ] || fail "$1: rc=${rc:-none}"
}

if [ -z "$(marker 'FUZZ-VM END')" ]; then
	if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
		fail "VM timed out after $limit (hung?); last console lines:"
	else
		fail "VM stopped before its last marker (crash?); last console lines:"
	fi
	tail -n 15 "$console"
fi
check_rc "insmod bpfmap.ko" "insmod"
check_rc "the fuzzer (1: oracle violations, 2: could not run)" "END fuzz"
check_rc "rmmod bpfmap" "rmmod"
if grep -q 'unreferenced object' "$results"; then
	fail "kmemleak found leaks:"
	sed -n '/^### BEGIN kmemleak/,/^### END kmemleak/p' "$results" | head -n 40
fi
if grep -Eq "$vm_reports" "$console"; then
	fail "kernel reports on the console:"
	grep -E "$vm_reports" "$console" | head -n 30
fi
nviol=$(grep -c '^VIOLATION' "$results" || true)
if [ "$nviol" -gt 0 ]; then
	fail "$nviol oracle violations printed (first ones follow; all in $results)"
	sed -n '/^VIOLATION/,/^[^ ]/p' "$results" | head -n 60
fi

grep -E '^fuzz (totals|command|errno|checks|faults|violations):' "$results" | sed "s/^/[$tag] /" || true
if [ "$failed" -eq 0 ]; then
	say "PASSED (seed $seed, ${seconds}s)"
	exit 0
fi
say "FAILED: $failed problems (seed $seed); logs in $logdir"
exit 1
