# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034  # sourced; the variables are for the caller
#
# Helpers shared by the VM scripts (run-vm.sh, tour.sh): build a busybox
# initramfs and boot it under QEMU (TCG; KVM does not work on our machines).
# Source it; it defines functions only, plus these variables:
#
#   vm_here   tests/vm        vm_root   the repository root
#   vm_cache  $BPFMAP_CACHE (default /var/cache/bpfmap)
#   vm_builds $BPFMAP_BUILDS (default $vm_cache/build): the per-release
#             copies of the sources that make run/bench/fuzz build in; a
#             second worktree working at the same time sets its own

vm_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm_root=$(cd "$vm_here/../.." && pwd)
vm_cache=${BPFMAP_CACHE:-/var/cache/bpfmap}
vm_builds=${BPFMAP_BUILDS:-$vm_cache/build}

# vm_initramfs_begin DIR: an empty tree with busybox, one symlink per
# applet, the usual mount points, /guest-lib.sh (what the /init scripts
# share) and /dev/console (the kernel opens it for /init's stdio before
# devtmpfs is mounted; without root we cannot mknod, and the /init scripts
# reopen the console after mounting devtmpfs instead).
vm_initramfs_begin() {
	local dir=$1 applet
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,sbin,dev,proc,sys,tmp,run,root,etc}
	cp /bin/busybox "$dir/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
	done
	cp "$vm_here/guest-lib.sh" "$dir/guest-lib.sh"
	if [ "$(id -u)" -eq 0 ]; then
		mknod -m 600 "$dir/dev/console" c 5 1
	fi
}

# vm_initramfs_add DIR SRC DEST [MODE]: copy SRC to DIR/DEST; if SRC is a
# dynamically linked program, also copy its shared libraries and loader.
vm_initramfs_add() {
	local dir=$1 src=$2 dest=$3 mode=${4:-} lib
	mkdir -p "$dir/$(dirname "$dest")"
	cp -L "$src" "$dir/$dest"
	[ -z "$mode" ] || chmod "$mode" "$dir/$dest"
	if [ -x "$src" ] && ldd "$src" >/dev/null 2>&1; then
		# "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x..)" and
		# "/lib64/ld-linux-x86-64.so.2 (0x..)"
		for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
			[ -e "$dir/$lib" ] && continue
			mkdir -p "$dir/$(dirname "$lib")"
			cp -L "$lib" "$dir/$lib"
		done
	fi
}

# vm_initramfs_pack DIR OUT: write DIR as a gzip'd newc cpio archive.
vm_initramfs_pack() {
	local dir=$1 out=$2
	(cd "$dir" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out"
}

# vm_initramfs_temp INIT MODULE: begin an initramfs in a temporary
# directory, vm_stage, with INIT as /init and MODULE as /bpfmap.ko; set
# vm_initrd to the archive vm_initramfs_pack should write.  Both are
# removed when the script exits (this sets its EXIT trap).
vm_initramfs_temp() {
	vm_stage=$(mktemp -d)
	vm_initrd=$vm_stage.cpio.gz
	trap 'rm -rf "$vm_stage" "$vm_initrd"' EXIT
	vm_initramfs_begin "$vm_stage"
	vm_initramfs_add "$vm_stage" "$1" /init 755
	vm_initramfs_add "$vm_stage" "$2" /bpfmap.ko
}

# vm_qemu_args SMP KERNEL INITRD APPEND: fill the array vm_args with the
# QEMU command line (without the serial ports, which callers choose).
# VM_MEM overrides the guest memory (default 2G); kmemleak scans take time
# in proportion to it (about 10 s per GiB under TCG on an idle host).
vm_qemu_args() {
	local smp=$1 kernel=$2 initrd=$3 append=$4
	vm_args=(qemu-system-x86_64 -accel tcg -m "${VM_MEM:-2G}" -smp "$smp"
		-nodefaults -nographic -no-reboot -display none)
	# qboot starts about a second faster than SeaBIOS.
	if [ -f /usr/share/qemu/qboot.rom ]; then
		vm_args+=(-bios /usr/share/qemu/qboot.rom)
	fi
	vm_args+=(-kernel "$kernel" -initrd "$initrd" -append "$append")
}

# Kernel reports that fail a boot.  They carry a printk timestamp, which
# keeps our own output (test names, messages) from tripping the scan.
vm_reports='\[ *[0-9]+\.[0-9]+\].*(BUG:|WARNING:|KASAN|UBSAN|Kernel panic|Oops|general protection fault|Call Trace:|possible recursive locking|circular locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|detected stalls|leak detector disabled)'

# vm_debian_kernel [LINE]: fetch one of Debian's stock kernels
# (debian-kernel.sh LINE: 6.1, 6.12 or 6.12-rt) and set vm_kernel (the
# image), vm_kdir (its headers) and vm_release; false when that failed.
vm_debian_kernel() {
	local key value
	vm_kernel='' vm_kdir='' vm_release=''
	while IFS='=' read -r key value; do
		case "$key" in
		KERNEL) vm_kernel=$value ;;
		KDIR) vm_kdir=$value ;;
		RELEASE) vm_release=$value ;;
		esac
	done < <("$vm_here/debian-kernel.sh" "$@")
	[ -f "$vm_kernel" ] && [ -d "$vm_kdir" ]
}

# vm_kdir_release KDIR: the release a kernel built there reports (uname
# -r).  Debian's headers keep the upstream one in
# include/config/kernel.release; utsrelease.h has the real one.
vm_kdir_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h"
}

# vm_module_vermagic KO: the release a module was built for.
vm_module_vermagic() {
	modinfo -F vermagic "$1" 2>/dev/null | cut -d' ' -f1
}

# vm_build_module DIR KDIR [TARGET]: copy the module's sources into DIR
# (objects already there survive, for an incremental build; those of
# another kernel are cleaned first) and run `make TARGET` (default module)
# there against KDIR.  Building in a copy keeps builds for different
# kernels (make check's debug kernel, make run's stock one) out of each
# other's way.  make's output goes to stdout; its status is returned.
vm_build_module() {
	local dir=$1 kdir=$2 target=${3:-module} lock rc=0
	mkdir -p "$dir"
	# Two scripts building in one DIR at once wait for each other.
	exec {lock}>"$dir.lock"
	flock "$lock"
	# By content, and with the copy's time as mtime (-a without -t): a
	# tree whose sources are older than the objects here (another
	# worktree, an older checkout) still gets what differs rebuilt.
	rsync -rlpD --checksum --delete --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='.*.d' \
		--exclude=modules.order --exclude=Module.symvers \
		--exclude=/tests/selftests/ --exclude=/tests/vm/ \
		--include='/Kbuild' --include='/Makefile' --include='/src/***' \
		--include='/include/***' --include='/uapi/***' \
		--include='/tests/' --include='/tests/kunit/***' \
		--include='/samples/***' --exclude='*' \
		"$vm_root/" "$dir/"
	if [ -f "$dir/bpfmap.ko" ] &&
		[ "$(vm_module_vermagic "$dir/bpfmap.ko")" != "$(vm_kdir_release "$kdir")" ]; then
		make -s -C "$kdir" M="$dir" clean >/dev/null 2>&1 || true
		make -s -C "$kdir" M="$dir/samples/flowcount" clean \
			>/dev/null 2>&1 || true
	fi
	make -C "$dir" "$target" KDIR="$kdir" || rc=$?
	exec {lock}>&-
	return "$rc"
}

# vm_build_release KDIR RELEASE: vm_build_module in the copy of the
# sources for RELEASE, $vm_builds/RELEASE, make's output in
# RELEASE.log there; on failure the log's last 20 lines go to stderr.
# Sets vm_module to the bpfmap.ko it builds.
vm_build_release() {
	local build=$vm_builds/$2
	vm_module=$build/bpfmap.ko
	mkdir -p "$vm_builds"
	vm_build_module "$build" "$1" >"$build.log" 2>&1 ||
		{ tail -n 20 "$build.log" >&2; return 1; }
}
