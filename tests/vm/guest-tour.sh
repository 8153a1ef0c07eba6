#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the tour VM (copied into the initramfs by tour.sh; busybox sh).
# Loads bpfmap.ko, then either plays a short scripted bpfmapctl session,
# echoing each command after a "$ " prompt, or (when /etc/bpfmap-mode says
# "shell") opens an interactive shell on the console.  Powers off at the
# end.  The host looks for "### TOUR OK"; "### TOUR FAILED" names the step.
export PATH=/bin HOME=/root PS1='bpfmap-vm# '

# shellcheck source=tests/vm/guest-lib.sh
. /guest-lib.sh
guest_mounts
mount -t debugfs debugfs /sys/kernel/debug
hostname bpfmap-vm

# run CMD...: show and run one command; stop the tour if it fails.
run() {
	echo "\$ $*"
	out=$("$@" 2>&1)
	rc=$?
	[ -z "$out" ] || echo "$out"
	if [ "$rc" -ne 0 ]; then
		echo "### TOUR FAILED (rc=$rc): $*"
		bye
	fi
}

# run_err CMD...: the same for a command that must fail (shows the error).
run_err() {
	echo "\$ $*"
	"$@" 2>&1 && { echo "### TOUR FAILED (unexpected success): $*"; bye; }
	true
}

echo "### bpfmap tour on Linux $(uname -r), $(nproc) CPUs"
if ! insmod /bpfmap.ko; then
	echo "### TOUR FAILED: insmod bpfmap.ko"
	bye
fi
echo "### bpfmap.ko loaded: $(ls -l /dev/bpfmap)"
# Where "map create" pins its maps.
if ! mount -t bpfmapfs none /sys/fs/bpfmap; then
	echo "### TOUR FAILED: mount bpfmapfs"
	bye
fi

if [ "$(cat /etc/bpfmap-mode 2>/dev/null)" = shell ]; then
	echo "### shell: try 'bpfmapctl map list'; 'exit' powers off, Ctrl-A X quits QEMU"
	setsid cttyhack sh
	bye
fi

echo
echo "# bpfmapfs is mounted at /sys/fs/bpfmap; a map lives as long as its pin."
run grep bpfmapfs /proc/mounts
echo
echo "# An array map: 4 slots of u64, keys are u32 indexes."
run bpfmapctl map create /sys/fs/bpfmap/array type array key 4 value 8 entries 4 name tour_array
array="pinned /sys/fs/bpfmap/array"
run bpfmapctl map update $array key u32 1 value u64 42
run bpfmapctl map update $array key u32 2 value u64 7
run bpfmapctl map update $array key u32 3 value u64 1000000
run bpfmapctl map lookup $array key u32 1
echo
echo "# Index 4 is past the end: the kernel's bpf(2) says E2BIG too."
run_err bpfmapctl map update $array key u32 4 value u64 1
echo
run bpfmapctl map dump $array
run bpfmapctl --json map dump $array
run bpfmapctl map show $array
echo
echo "# A per-CPU array: one value per possible CPU."
run bpfmapctl map create /sys/fs/bpfmap/percpu type percpu_array key 4 value 8 entries 2 name tour_percpu
percpu="pinned /sys/fs/bpfmap/percpu"
run bpfmapctl map update $percpu key u32 0 value u64 5
run bpfmapctl map dump $percpu
echo
echo "# A hash map loaded from a file in one UPDATE_BATCH call, dumped with"
echo "# LOOKUP_BATCH; a second NOEXIST insert of a key gives EEXIST."
run mkdir /sys/fs/bpfmap/tour
run bpfmapctl map create /sys/fs/bpfmap/tour/hash type hash key 8 value 8 entries 64 name tour_hash
hash="pinned /sys/fs/bpfmap/tour/hash"
printf 'key u64 %s value u64 %s\n' 1 100 2 200 3 300 > /tmp/elems
run cat /tmp/elems
run bpfmapctl map update $hash batch /tmp/elems
run_err bpfmapctl map update $hash key u64 2 value u64 9 noexist
echo
echo "# Bytes as bpftool reads them: decimal, or hexadecimal after \"hex\"."
run bpfmapctl map update $hash key 10 0 0 0 0 0 0 0 value u64 1010
run bpfmapctl map lookup $hash key hex 0a 00 00 00 00 00 00 00
run bpfmapctl map dump $hash
echo
echo "# A map of maps: values go in as inner maps, come out as their ids."
run bpfmapctl map create /sys/fs/bpfmap/outer type array_of_maps key 4 value 4 entries 2 name tour_outer inner_map $array
outer="pinned /sys/fs/bpfmap/outer"
run bpfmapctl map update $outer key u32 0 value $array
run bpfmapctl map dump $outer
echo
echo "# Pins are files: the hash goes away when its pin is removed."
run ls -lR /sys/fs/bpfmap
run rm /sys/fs/bpfmap/tour/hash
run_err bpfmapctl map show $hash
run bpfmapctl map list
echo
echo "### TOUR OK"
bye
