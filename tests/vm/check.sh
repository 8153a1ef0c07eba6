#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test of bpfmap, in order
#   deps -> debug kernels (6.1 KASAN+lockdep+kmemleak; 6.12 PREEMPT_RT +
#   lockdep) -> sparse -> checkpatch -> docs -> module (W=1) -> module for
#   the RT debug kernel and Debian's stock kernels (6.1, 6.12, 6.12-rt;
#   W=1 + sparse) -> make install into a DESTDIR and DKMS builds for the
#   stock kernels -> tools + selftests -> two debug VM boots (6.1 -smp 4;
#   6.12-rt with 4 possible and 2 online CPUs) -> one boot of each stock
#   kernel
# and, as the very last line, "N passed, M failed" summed over the KUnit
# and selftest cases of every boot.  A failed step or boot health check
# (sparse/checkpatch/compiler warning in our files, build failure, kernel
# report on the console, leak, insmod/rmmod failure, hung VM) adds one to M.
# When the module or the tests cannot be built, the VM boots are skipped.
# Exit status: 0 only when M is 0.
#
# usage: tests/vm/check.sh          (or: make check)
# env:   BPFMAP_CACHE (default /var/cache/bpfmap) for the kernel and logs;
#        VM_TIMEOUT (default 30m) per boot
set -euo pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
here=$vm_here
root=$(cd "$here/../.." && pwd)
cache=${BPFMAP_CACHE:-/var/cache/bpfmap}
cd "$root"

passed=0
failed=0
built_for=()
tested=()
t0=$(date +%s)

say() { printf '[check] %s\n' "$*"; }
step() { say "== $* ($(($(date +%s) - t0))s)"; }
fail() { failed=$((failed + 1)); say "FAIL: $*"; }

finished=0
finish() {
	finished=1
	say "done in $(($(date +%s) - t0))s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# Whatever stops this script early still ends with the summary line.
on_exit() {
	local rc=$?
	rm -rf "$tmp"
	if [ "$finished" = 0 ]; then
		say "FAIL: check.sh stopped unexpectedly (status $rc)"
		echo "$passed passed, $((failed + 1)) failed"
		exit 1
	fi
}
tmp=$(mktemp -d)
trap on_exit EXIT
trap 'exit 130' INT TERM

# Our files as compilers and sparse name them (absolute under M=, or
# relative to the repository).
ours="^(${root}/|\./)?(src|include|uapi|tests|samples)/[^ :]+:[0-9]+(:[0-9]+)?: (warning|error):"

step "a. dependencies"
if ! "$here/install-deps.sh" --check; then
	fail "installing packages"
	finish
fi

step "b. debug kernel (build-kernel.sh; about 7 minutes when not cached)"
if ! kdir=$("$here/build-kernel.sh"); then
	fail "building the test kernel"
	finish
fi
ksrc=$(readlink -f "$kdir/source" 2>/dev/null || true)
[ -f "$ksrc/Makefile" ] || ksrc=$cache/src/linux-source-6.1
say "KDIR=$kdir KSRC=$ksrc"

# The second debug kernel: linux-source-6.12 with PREEMPT_RT, lockdep and
# raw-lock nesting checks.  Without it the run goes on, one failure down.
step "b2. RT debug kernel (build-kernel.sh --flavour rt-debug; about 10 minutes when not cached)"
rt_kdir=
if ! rt_kdir=$("$here/build-kernel.sh" --flavour rt-debug); then
	fail "building the PREEMPT_RT debug kernel"
	rt_kdir=
else
	say "RT KDIR=$rt_kdir ($(vm_kdir_release "$rt_kdir"))"
fi

step "c. sparse"
make -s -C "$kdir" M="$root" clean >/dev/null 2>&1 || true
if ! make -C "$root" sparse KDIR="$kdir" >"$tmp/sparse.log" 2>&1; then
	tail -n 30 "$tmp/sparse.log"
	fail "make sparse"
else
	# Compiler warnings end in [-Wname]; those are step e's business.
	if grep -E "$ours" "$tmp/sparse.log" | grep -v '\[-W[^]]*\]$' >"$tmp/sparse.hits"; then
		cat "$tmp/sparse.hits"
		fail "sparse: $(wc -l <"$tmp/sparse.hits") warnings in our files"
	fi
fi

step "d. checkpatch"
waivers=$here/checkpatch-waivers
files=()
for f in src/*.c include/*.h include/linux/*.h uapi/linux/*.h tests/kunit/*.c \
	samples/flowcount/*.[ch] tools/bench/kmod/*.[ch]; do
	# Not what Kbuild generates next to the sample (NAME.mod.c).
	case "$f" in *.mod.c) continue ;; esac
	[ -f "$f" ] && files+=("$f")
done
"$ksrc/scripts/checkpatch.pl" --no-tree -f --terse --show-types "${files[@]}" \
	>"$tmp/checkpatch.log" 2>&1 || true
: >"$tmp/checkpatch.hits"
: >"$tmp/waivers.used"
# "src/map.c:29: ERROR:BRACKET_SPACE: space prohibited ..."
while IFS= read -r line; do
	[[ $line =~ ^([^:]+):[0-9]+:\ (ERROR|WARNING):([A-Z0-9_]+): ]] || continue
	file=${BASH_REMATCH[1]} type=${BASH_REMATCH[3]}
	# A waiver is "TYPE file # why", one per line; the why is required.
	if [ -f "$waivers" ] && awk -v t="$type" -v f="$file" '
		$1 == t && $2 == f && (($3 == "#" && NF > 3) || $3 ~ /^#./) { found = 1 }
		END { exit !found }' "$waivers"; then
		echo "$type $file" >>"$tmp/waivers.used"
	else
		echo "$line" >>"$tmp/checkpatch.hits"
	fi
done <"$tmp/checkpatch.log"
if [ -s "$tmp/checkpatch.hits" ]; then
	cat "$tmp/checkpatch.hits"
	fail "checkpatch: $(wc -l <"$tmp/checkpatch.hits") errors/warnings without a waiver in tests/vm/checkpatch-waivers"
fi
if [ -f "$waivers" ]; then
	{ grep -Ev '^[[:space:]]*(#|$)' "$waivers" || true; } | while read -r type file why; do
		if [[ ! $why =~ ^#[[:space:]]*[^[:space:]] ]]; then
			say "note: waiver ignored, it needs a reason: $type $file # why"
		elif ! grep -qx "$type $file" "$tmp/waivers.used"; then
			say "note: unused waiver: $type $file"
		fi
	done
fi

step "d2. docs"
# make docs stops at the first docutils warning and fails when groff
# warns about a man page; a warning it lets through still fails here.
if ! make -C "$root" docs >"$tmp/docs.log" 2>&1; then
	tail -n 30 "$tmp/docs.log"
	fail "make docs"
elif grep -Ei '(warning|error)' "$tmp/docs.log" >"$tmp/docs.hits"; then
	cat "$tmp/docs.hits"
	fail "docs: $(wc -l <"$tmp/docs.hits") warnings"
fi

step "e. module (W=1)"
built=1
make -s -C "$kdir" M="$root" clean >/dev/null 2>&1 || true
if ! make -C "$root" module KDIR="$kdir" >"$tmp/module.log" 2>&1; then
	tail -n 30 "$tmp/module.log"
	fail "make module"
	built=0
elif grep -E "$ours" "$tmp/module.log" >"$tmp/module.hits"; then
	grep -E -A3 "$ours" "$tmp/module.log"
	fail "module: $(wc -l <"$tmp/module.hits") compiler warnings in our files"
else
	built_for+=("debug $(vm_kdir_release "$kdir") ($(basename "$kdir"))")
fi

# module_copy NAME TREE KDIR LABEL: the module built in its own copy of
# the tree, TREE (Kbuild writes its objects next to the sources), against
# KDIR, with W=1 and sparse in one pass; LABEL goes to the list of kernels
# built for.  Returns 1 when it did not build; a warning in our files is a
# failure of the run but the module is still booted.
module_copy() {
	local name=$1 tree=$2 kdir=$3 label=$4
	if ! vm_build_module "$tree" "$kdir" sparse >"$tmp/$name.log" 2>&1; then
		tail -n 30 "$tmp/$name.log"
		fail "module for $label"
		return 1
	fi
	if grep -E "^(${tree}/|\./)?(src|include|uapi|tests|samples)/[^ :]+:[0-9]+(:[0-9]+)?: (warning|error):" \
		"$tmp/$name.log" >"$tmp/$name.hits"; then
		cat "$tmp/$name.hits"
		fail "module for $label: $(wc -l <"$tmp/$name.hits") compiler or sparse warnings in our files"
	else
		built_for+=("$label")
	fi
}

# Debian 12's own kernels: 6.1 and the 6.12 LTS line with its PREEMPT_RT
# flavour, each built in a fresh copy: every file is compiled and checked.
stock_lines=(6.1 6.12 6.12-rt)
declare -A stock_kernel stock_kdir stock_release
step "e2. module for Debian's stock kernels (${stock_lines[*]})"
for line in "${stock_lines[@]}"; do
	if ! vm_debian_kernel "$line" 2>"$tmp/debian-$line.log"; then
		tail -n 10 "$tmp/debian-$line.log"
		fail "fetching Debian's $line kernel"
		continue
	fi
	stock_kernel[$line]=$vm_kernel
	stock_kdir[$line]=$vm_kdir
	stock_release[$line]=$vm_release
	say "$line: ${stock_release[$line]}"
	module_copy "stock-$line" "$tmp/tree-$line" "$vm_kdir" \
		"Debian ${stock_release[$line]}" || unset "stock_kernel[$line]"
done

# The module (and its KUnit suites) for the RT debug kernel, the same way.
rt_tree=$tmp/tree-rt-debug
if [ -n "$rt_kdir" ]; then
	step "e2b. module for the RT debug kernel"
	module_copy rt-debug "$rt_tree" "$rt_kdir" \
		"debug $(vm_kdir_release "$rt_kdir") (PREEMPT_RT, lockdep)" || rt_kdir=
fi

# make install / uninstall into a DESTDIR, and DKMS for each stock
# kernel: the 6.1 line against its headers package installed from the
# archive (the path a user takes), the 6.12 lines against the headers
# unpacked above (installing linux-headers-6.12.*+deb12 would install
# the 6.12 kernel image on this machine too, which it depends on).
step "e3. make install and DKMS (${stock_lines[*]})"
dkms_kernels=()
for line in "${stock_lines[@]}"; do
	[ -n "${stock_kernel[$line]:-}" ] || continue
	case "$line" in
	6.1) dkms_kernels+=("${stock_release[$line]}") ;;
	*) dkms_kernels+=("${stock_release[$line]}=${stock_kdir[$line]}") ;;
	esac
done
install_kdir=${stock_kdir[6.1]:-$kdir}
if ! "$here/install-check.sh" --kdir "$install_kdir" "${dkms_kernels[@]}" \
	>"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	fail "make install / DKMS: $(grep -c 'FAIL:' "$tmp/install.log") checks failed"
else
	sed 's/^/  /' "$tmp/install.log"
fi

step "f. tools and selftests"
if ! make -C "$root" tools >"$tmp/tools.log" 2>&1; then
	tail -n 30 "$tmp/tools.log"
	fail "make tools"
	built=0
elif ! make -C "$root" selftests KSRC="$ksrc" >"$tmp/selftests.log" 2>&1; then
	tail -n 30 "$tmp/selftests.log"
	fail "make selftests"
	built=0
fi
# How bpfmapctl reads BYTES, on the host (bytes.c alone).
if ! make -C "$root/tools/bpfmapctl" check >"$tmp/bytes.log" 2>&1; then
	tail -n 30 "$tmp/bytes.log"
	fail "make -C tools/bpfmapctl check"
fi

if [ "$built" -eq 0 ]; then
	say "not booting: the module or the tests did not build"
	finish
fi

# boot NAME [run-vm.sh arguments]: one VM boot, its counts added up.
boot() {
	local name=$1
	shift
	rm -f "$tmp/counts"
	"$here/run-vm.sh" --timeout "${VM_TIMEOUT:-30m}" --counts "$tmp/counts" "$@" || true
	if [ -s "$tmp/counts" ]; then
		read -r p f <"$tmp/counts"
		passed=$((passed + p))
		failed=$((failed + f))
		tested+=("$name: $p passed, $f failed")
	else
		fail "run-vm.sh for $name did not report its counts"
	fi
}

# The KASAN + kmemleak kernel runs everything with every CPU online.  The
# RT debug kernel runs with more possible than online CPUs (the per-CPU
# layout bpf(2) users get wrong: 4 possible, 2 online, by maxcpus=2, as
# 6.12 under TCG ignores QEMU's hotpluggable CPUs), without big_maps,
# whose sizes do not depend on the kernel: two debug boots, so that a
# cold run stays within the hour.
step "g. VM debug $(vm_kdir_release "$kdir") -smp 4"
boot "debug $(vm_kdir_release "$kdir") (KASAN, lockdep, kmemleak) -smp 4" \
	--smp 4 --kdir "$kdir"
if [ -n "$rt_kdir" ]; then
	step "g. VM debug $(vm_kdir_release "$rt_kdir") (PREEMPT_RT) -smp 4 maxcpus=2"
	boot "debug $(vm_kdir_release "$rt_kdir") (PREEMPT_RT, lockdep) -smp 4 maxcpus=2" \
		--smp 4 --append maxcpus=2 --name rt-debug --kdir "$rt_kdir" \
		--module "$rt_tree/bpfmap.ko" --skip big_maps
fi

# Each stock kernel with the module built for it above.  On 6.12-rt the
# kernel's own bpf() may fail an update of a NO_PREALLOC hash with ENOMEM
# for a moment; the churn tests retry that there (the known-differences
# row no_prealloc_hash_update_transient_enomem).
boot_lines=("${stock_lines[@]}")
for line in "${boot_lines[@]}"; do
	[ -n "${stock_kernel[$line]:-}" ] || continue
	step "g2. VM Debian $line (${stock_release[$line]}) -smp 2"
	boot "Debian ${stock_release[$line]} -smp 2" --smp 2 --name "debian-$line" \
		--kdir "${stock_kdir[$line]}" --kernel "${stock_kernel[$line]}" \
		--module "$tmp/tree-$line/bpfmap.ko"
done

step "h. summary"
for t in "${tested[@]}"; do
	say "tested: $t"
done
# What this run built and booted, for the docs (Documentation/index.rst).
mkdir -p "$root/build/docs"
{
	echo "make check of $(git -C "$root" describe --always --dirty 2>/dev/null || echo "an unknown tree")," \
		"finished $(date -u '+%Y-%m-%d %H:%M UTC'): $passed passed, $failed failed"
	for k in "${built_for[@]}"; do
		echo "built: $k"
	done
	for t in "${tested[@]}"; do
		echo "booted: $t"
	done
} >"$root/build/docs/tested-kernels.txt"
say "kernels built and booted: build/docs/tested-kernels.txt"
finish
