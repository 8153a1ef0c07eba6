#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the debug test kernel once with bpfmap.ko, the selftest binaries and
# bpfmapctl (and, on a kernel with netfilter, the sample consumer
# samples/flowcount/bpfmap_flowcount.ko next to the module) in a busybox
# initramfs (guest side: guest-check.sh), then judge
# the run: KUnit results (kunit.py parse), kselftest "# Totals:" lines, and
# the console, which must be free of kernel reports (BUG, WARNING, KASAN,
# UBSAN, lockdep, RCU, hung tasks, leaks, oopses, panics).  A VM that does
# not reach its last marker within the timeout fails.  Logs are kept under
# $BPFMAP_CACHE/logs/; their folder is printed.
#
# usage: run-vm.sh [--smp SPEC] [--kdir DIR] [--kernel IMAGE] [--name NAME]
#                  [--timeout DURATION] [--counts FILE] [--extra-ko FILE]...
#                  [--module FILE] [--selftests DIR] [--skip NAME,...]
#                  [--append ARGS]
#   --smp SPEC      QEMU -smp value (default 4; e.g. "2,maxcpus=4" for
#                   more possible than online CPUs; kernels from 6.9 on
#                   ignore QEMU's hotpluggable CPUs under TCG, so there
#                   use "--smp 4 --append maxcpus=2")
#   --append ARGS   more kernel command line
#   --kdir DIR      kernel build dir (default: what build-kernel.sh prints;
#                   the module must have been built against it:
#                   make module KDIR=DIR)
#   --kernel IMAGE  boot this image instead of DIR/arch/x86/boot/bzImage;
#                   for a distribution kernel, --kdir is its headers dir
#                   (debian-kernel.sh prints both)
#   --name NAME     names the boot in the output and the log folder
#                   (default: the -smp value)
#   --timeout D     limit for the whole boot (timeout(1) syntax, default 20m)
#   --counts FILE   also write "PASSED FAILED" to FILE (used by check.sh)
#   --extra-ko FILE load this module before bpfmap.ko (to prove the console
#                   scan works, e.g. a module that does WARN_ON(1))
#   --module FILE   the bpfmap.ko to test (default: the one in the repository
#                   root); --selftests DIR: where the selftest binaries are
#                   (default tests/selftests/out); --skip: selftest
#                   binaries of DIR not to run in this boot
# Exit status: 0 when nothing failed.
set -euo pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

smp=4
kdir=
kernel=
name=
limit=20m
counts_file=
extra_kos=()
module=$vm_root/bpfmap.ko
selftests=$vm_root/tests/selftests/out
skip=
extra_append=
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smp=$2; shift 2 ;;
	--kdir) kdir=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--counts) counts_file=$2; shift 2 ;;
	--extra-ko) extra_kos+=("$2"); shift 2 ;;
	--module) module=$2; shift 2 ;;
	--selftests) selftests=$2; shift 2 ;;
	--skip) skip=,$2,; shift 2 ;;
	--append) extra_append=$2; shift 2 ;;
	-h|--help) sed -n '4,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run-vm.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

tag="vm ${name:-smp=$smp}"
say() { printf '[%s] %s\n' "$tag" "$*"; }

# Tests (KUnit cases, selftest cases) count as passed or failed; the
# health checks of the boot (it finished, insmod, rmmod, no leaks, a clean
# console) only add to the failures, so "passed" stays a count of tests.
passed=0
failed=0
checks_ok=0
pass() { checks_ok=$((checks_ok + 1)); }
fail() { failed=$((failed + 1)); say "FAIL: $*"; }

finish() {
	say "total: $passed passed, $failed failed"
	[ -z "$counts_file" ] || echo "$passed $failed" >"$counts_file"
	[ "$failed" -eq 0 ]
	exit
}

[ -n "$kdir" ] || kdir=$("$vm_here/build-kernel.sh")
ksrc=$(readlink -f "$kdir/source" 2>/dev/null || true)
[ -d "$ksrc" ] || ksrc=$vm_cache/src/linux-source-6.1
[ -n "$kernel" ] || kernel=$kdir/arch/x86/boot/bzImage

if [ ! -f "$kernel" ]; then
	fail "no kernel image $kernel"
	finish
fi
if [ ! -f "$module" ]; then
	fail "no $module (make module KDIR=$kdir)"
	finish
fi
# A module built for another kernel would only fail at insmod; say why now.
release=$(vm_kdir_release "$kdir")
magic=$(vm_module_vermagic "$module")
if [ "$magic" != "$release" ]; then
	fail "bpfmap.ko is built for $magic, the kernel is $release (make module KDIR=$kdir)"
	finish
fi

logdir=$vm_cache/logs/$(date +%Y%m%d-%H%M%S)-${name:-smp$smp}
logdir=${logdir//[,=+]/_}
mkdir -p "$logdir/kunit" "$logdir/selftests"
console=$logdir/console.log
results=$logdir/results.log
stage=$logdir/initramfs
initrd=$logdir/initramfs.cpio.gz

vm_initramfs_begin "$stage"
vm_initramfs_add "$stage" "$vm_here/guest-check.sh" /init 755
vm_initramfs_add "$stage" "$module" /bpfmap.ko
# The KUnit suites are a second module, built when the kernel has KUnit.
kunit_module=$(dirname "$module")/bpfmap_kunit.ko
with_kunit=0
if grep -q '^CONFIG_KUNIT=y' "$kdir/.config"; then
	if [ ! -f "$kunit_module" ]; then
		fail "the kernel has KUnit but $kunit_module is missing"
		finish
	fi
	vm_initramfs_add "$stage" "$kunit_module" /bpfmap_kunit.ko
	with_kunit=1
fi
# The sample consumer (samples/flowcount), built when the kernel has
# netfilter: then it must be there, and the guest loads it.
flowcount_module=$(dirname "$module")/samples/flowcount/bpfmap_flowcount.ko
with_flowcount=0
if grep -q '^CONFIG_NETFILTER=y' "$kdir/.config"; then
	if [ ! -f "$flowcount_module" ]; then
		fail "the kernel has netfilter but $flowcount_module is missing"
		finish
	fi
	vm_initramfs_add "$stage" "$flowcount_module" /bpfmap_flowcount.ko
	with_flowcount=1
fi
nr_selftests=0
for bin in "$selftests"/*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	case "$skip" in *",$(basename "$bin"),"*) continue ;; esac
	vm_initramfs_add "$stage" "$bin" "/selftests/$(basename "$bin")"
	nr_selftests=$((nr_selftests + 1))
done
ctl=$vm_root/tools/bpfmapctl/bpfmapctl
[ ! -x "$ctl" ] || vm_initramfs_add "$stage" "$ctl" /bin/bpfmapctl
for ko in "${extra_kos[@]}"; do
	vm_initramfs_add "$stage" "$ko" "/extra/$(basename "$ko")"
done
vm_initramfs_pack "$stage" "$initrd"
rm -rf "$stage"

append="console=ttyS0 panic=-1 oops=panic log_buf_len=4M mitigations=off"
append+=${extra_append:+ $extra_append}
vm_qemu_args "$smp" "$kernel" "$initrd" "$append"
vm_args+=(-monitor none -serial stdio -serial "file:$results")

# boot_again_reason CONSOLE: why the boot whose console is CONSOLE may be
# repeated (see the loop below), or nothing.
boot_again_reason() {
	local console=$1 oops
	if [ ! -s "$results" ] && grep -q 'Kernel panic' "$console" &&
		! grep -q 'bpfmap' "$console"; then
		echo "the kernel panicked in its own boot before /init ran"
		return
	fi
	# The report: its kernel lines (test output shares the console, even
	# a line) from the Oops line to the panic.  Code in a module shows as
	# "func+0x1/0x2 [module]", on the RIP line or in the call trace.
	oops=$(grep -o '\[ *[0-9]*\.[0-9]*\] .*' "$console" |
		sed -n '/Oops: int3/,/Kernel panic/p')
	if [ -n "$oops" ] && [ "$(grep -c 'Oops:' "$console")" -eq 1 ] &&
		grep -q 'RIP: 0010:' <<<"$oops" &&
		! grep -q '+0x[0-9a-f]*/0x[0-9a-f]* \[' <<<"$oops"; then
		echo "the kernel met a stale text-patching int3 outside any module ($(grep -o 'RIP: 0010:[^ ]*' <<<"$oops" | head -n 1))"
	fi
}

say "booting $release with $nr_selftests selftest binaries; logs in $logdir"
for attempt in 1 2; do
	start=$(date +%s)
	set +e
	# The console streams to the log; the "###" progress lines also to us.
	timeout -k 10 "$limit" "${vm_args[@]}" </dev/null | tr -d '\r' |
		tee "$console" |
		awk -v tag="$tag" '/### /{ sub(/^.*### /, ""); printf "[%s] %s\n", tag, $0; fflush() }'
	qemu_rc=${PIPESTATUS[0]}
	set -e
	elapsed=$(($(date +%s) - start))
	# Two crashes of the kernel's own under TCG get one more boot; the
	# first console stays next to the other logs as console-boot1.log:
	# - a panic in its own boot, before /init wrote its first line and so
	#   before bpfmap.ko was loaded (Debian's 6.12-rt died so in
	#   cpu_latency_qos_init and sched_clock_cpu);
	# - an "Oops: int3" whose report names no module: a CPU met the int3
	#   that text_poke_bp() places while it patches a static key, after
	#   the patch was done (6.12-rt, in get_random_u64 at "crng init done",
	#   with bpfmap loaded but not on the stack).
	# Anything else, or a second crash, fails as usual.
	again=
	if [ "$attempt" -eq 1 ]; then
		again=$(boot_again_reason "$console")
	fi
	if [ -n "$again" ]; then
		mv "$console" "$logdir/console-boot1.log"
		rm -f "$results"
		say "$again; booting once more (first console: $logdir/console-boot1.log)"
		continue
	fi
	break
done
say "VM exited (rc=$qemu_rc) after ${elapsed}s; console log: $console"
rm -f "$initrd"
# Keep the logs of the last 30 boots.
ls -dt "$vm_cache"/logs/2*-* 2>/dev/null | tail -n +31 | xargs -r rm -rf
touch "$results"
tr -d '\r' <"$results" >"$results.tmp" && mv "$results.tmp" "$results"

# Split the result channel into files: selftests/NAME.log (+ NAME.rc once it
# finished) and dmesg.log.  The KUnit debugfs copies are for people only.
rc_of() { sed -n 's/.* rc=\([0-9]*\).*/\1/p'; }
section=
while IFS= read -r line; do
	case "$line" in
	"### BEGIN selftest "*) section=$logdir/selftests/${line#\#\#\# BEGIN selftest }.log; : >"$section" ;;
	"### BEGIN dmesg"*) section=$logdir/dmesg.log; : >"$section" ;;
	"### END selftest "*)
		rest=${line#\#\#\# END selftest }
		echo "$line" | rc_of >"$logdir/selftests/${rest%% *}.rc"
		section= ;;
	"### BEGIN "* | "### END "*) section= ;;
	*) [ -z "$section" ] || printf '%s\n' "$line" >>"$section" ;;
	esac
done <"$results"

marker() { grep -m1 "^### $1" "$results" || true; }

# Health of the boot.
if [ -n "$(marker 'BPFMAP-VM END')" ]; then
	pass
elif [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	fail "VM timed out after $limit (hung?); last console lines:"
	tail -n 15 "$console"
else
	fail "VM stopped before its last marker (crash?); last console lines:"
	tail -n 15 "$console"
fi
# check_rc WHAT MARKER: the "### MARKER rc=N" line must say rc=0.
check_rc() {
	local rc
	rc=$(marker "$2 rc=" | rc_of)
	if [ "$rc" = 0 ]; then pass; else fail "$1: rc=${rc:-none}"; fi
}
insmod_rc=$(marker 'insmod rc=' | rc_of)
check_rc "insmod bpfmap.ko" "insmod"
if [ "$insmod_rc" = 0 ]; then
	if [ "$with_kunit" = 1 ]; then
		check_rc "insmod bpfmap_kunit.ko" "insmod kunit"
		check_rc "rmmod bpfmap_kunit" "rmmod kunit"
	fi
	check_rc "mount bpfmapfs" "mount bpfmapfs"
	if [ "$with_flowcount" = 1 ]; then
		check_rc "insmod bpfmap_flowcount.ko" "insmod flowcount"
		check_rc "rmmod bpfmap_flowcount" "rmmod flowcount"
	fi
	check_rc "rmmod refused while bpfmapfs is mounted" "rmmod mounted refused"
	check_rc "umount bpfmapfs" "umount bpfmapfs"
	check_rc "rmmod bpfmap" "rmmod"
fi
if grep -q 'unreferenced object' "$results"; then
	fail "kmemleak found leaks:"
	sed -n '/^### BEGIN kmemleak/,/^### END kmemleak/p' "$results" | head -n 40
elif grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$kdir/.config" &&
	[ -n "$(marker 'BPFMAP-VM END')" ] && [ -z "$(marker 'BEGIN kmemleak')" ]; then
	fail "the kernel has kmemleak but the VM could not use it"
else
	pass
fi
if grep -Eq "$vm_reports" "$console"; then
	fail "kernel reports on the console:"
	grep -E "$vm_reports" "$console" | head -n 30
else
	pass
fi

# KUnit.  At insmod each suite printed to the kernel log an indented
# "KTAP version 1" + "# Subtest: NAME" ... up to an unindented "ok N NAME";
# cut each out of the dmesg dump into kunit/NAME.ktap, adding the top-level
# header a module load does not print, and give it to kunit.py parse.
touch "$logdir/dmesg.log"
sed -E 's/^\[ *[0-9]+\.[0-9]+\] ?//' "$logdir/dmesg.log" | awk -v dir="$logdir/kunit" '
	suite == "" && /^    # Subtest: bpfmap/ && prev ~ /^    KTAP version/ {
		suite = $3
		file = dir "/" suite ".ktap"
		printf "KTAP version 1\n1..1\n%s\n%s\n", prev, $0 >file
		prev = $0
		next
	}
	suite != "" && $0 ~ ("^(not )?ok [0-9]+ " suite "( |$)") {
		sub(/ok [0-9]+ /, "ok 1 ")
		print >file
		close(file)
		suite = ""
	}
	suite != "" { print >file }
	{ prev = $0 }'

kpassed=0 kfailed=0 kskipped=0 nsuites=0
for ktap in "$logdir"/kunit/*.ktap; do
	[ -f "$ktap" ] || continue
	suite=$(basename "$ktap" .ktap)
	parsed=${ktap%.ktap}.parsed
	nsuites=$((nsuites + 1))
	python3 "$ksrc/tools/testing/kunit/kunit.py" parse <"$ktap" 2>&1 |
		sed 's/\x1b\[[0-9;]*m//g' >"$parsed" || true
	# "Testing complete. Ran 5 tests: passed: 4, skipped: 1"
	summary=$(grep -o 'Ran [0-9]* tests.*' "$parsed" | tail -n1 || true)
	n() { echo "$summary" | grep -o "$1: [0-9]*" | grep -o '[0-9]*$' || echo 0; }
	# The suite's own last line: "# Totals: pass:4 fail:0 skip:1 total:5".
	totals=$(grep -o '^# Totals: .*' "$ktap" | tail -n1 || true)
	k() { echo "$totals" | grep -o " $1:[0-9]*" | cut -d: -f2 || echo 0; }
	# 6.1 prints a skipped parameter as a plain "ok", so kunit.py counts it
	# as passed: take pass/fail/skip from the Totals line, and use kunit.py
	# to check the structure (same number of cases; no crashed or missing
	# results beyond the failures the suite counted).
	p=$(k pass) f=$(k fail) s=$(k skip)
	kp=$(n passed) kf=$(( $(n failed) + $(n crashed) + $(n errors) )) ks=$(n skipped)
	if [ -z "$summary" ] || [ -z "$totals" ]; then
		say "kunit $suite: incomplete results (crash in a test?):"
		tail -n 20 "$parsed"
		f=$((f + 1))
	elif [ $((kp + kf + ks)) -ne $((p + f + s)) ] || [ "$kf" -gt "$f" ]; then
		say "kunit $suite: kunit.py counts passed $kp, failed $kf, skipped $ks; the suite says $totals"
		f=$((f + 1))
	fi
	[ "$f" -eq 0 ] || grep -E '^ *not ok ' "$ktap" | grep -v '# SKIP' | sed "s/^ */[$tag]   /" || true
	say "kunit $suite: $p passed, $f failed, $s skipped"
	kpassed=$((kpassed + p)) kfailed=$((kfailed + f)) kskipped=$((kskipped + s))
done
if [ "$with_kunit" = 1 ] && [ "$nsuites" -eq 0 ] && [ "$insmod_rc" = 0 ]; then
	say "kunit: no bpfmap* suite in the kernel log"
	kfailed=$((kfailed + 1))
fi
say "kunit: $nsuites suites, $kpassed passed, $kfailed failed, $kskipped skipped"

# Selftests: the harness's "# Totals:" line; xfail counts as a pass, xpass
# and error as failures, skip as neither.  No Totals line, or a non-zero
# exit with no failure counted, is one more failure.
spassed=0 sfailed=0 sskipped=0 nbins=0
for bin in "$selftests"/*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	case "$skip" in *",$(basename "$bin"),"*) continue ;; esac
	name=$(basename "$bin")
	nbins=$((nbins + 1))
	out=$logdir/selftests/$name.log
	rc=$(cat "$logdir/selftests/$name.rc" 2>/dev/null || echo none)
	totals=$(grep -o '# Totals: .*' "$out" 2>/dev/null | tail -n1 || true)
	# " pass:" and not "xpass:"
	t() { echo "$totals" | grep -o " $1:[0-9]*" | cut -d: -f2 || echo 0; }
	if [ -n "$totals" ]; then
		p=$(( $(t pass) + $(t xfail) )) f=$(( $(t fail) + $(t xpass) + $(t error) )) s=$(t skip)
	else
		p=0 f=0 s=0
	fi
	if [ -z "$totals" ] || { [ "$rc" != 0 ] && [ "$f" -eq 0 ]; }; then
		f=$((f + 1))
		say "selftest $name: rc=$rc, ${totals:-no Totals line}"
	fi
	[ "$f" -eq 0 ] || grep -E '^(# )?not ok ' "$out" 2>/dev/null | sed "s/^/[$tag]   /" || true
	say "selftest $name: $p passed, $f failed, $s skipped (rc=$rc)"
	spassed=$((spassed + p)) sfailed=$((sfailed + f)) sskipped=$((sskipped + s))
done
if [ "$nbins" -eq 0 ]; then
	say "selftests: no binaries in $selftests (make selftests)"
	sfailed=$((sfailed + 1))
fi
say "selftests: $nbins binaries, $spassed passed, $sfailed failed, $sskipped skipped"

say "health: $checks_ok checks ok, $failed failed"
passed=$((passed + kpassed + spassed))
failed=$((failed + kfailed + sfailed))
finish
