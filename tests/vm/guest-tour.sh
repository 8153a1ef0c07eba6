#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the tour VM (copied into the initramfs by tour.sh; busybox sh).
# Loads bpfmap.ko, then either plays a short scripted session (the sample
# consumer bpfmap_flowcount.ko counting loopback traffic, then bpfmapctl),
# echoing each command after a "$ " prompt, or (when /etc/bpfmap-mode says
# "shell") opens an interactive shell on the console.  Powers off at the
# end.  The host looks for "### TOUR OK"; "### TOUR FAILED" names the step.
export PATH=/bin HOME=/root PS1='bpfmap-vm# '

# shellcheck source=tests/vm/guest-lib.sh
. /guest-lib.sh
guest_mounts
mount -t debugfs debugfs /sys/kernel/debug
hostname bpfmap-vm

# show_run LABEL CMD...: show LABEL after a prompt and run CMD; stop the
# tour if it fails.
show_run() {
	echo "\$ $1"
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -z "$out" ] || echo "$out"
	if [ "$rc" -ne 0 ]; then
		echo "### TOUR FAILED (rc=$rc): $*"
		bye
	fi
}

# run CMD...: show and run one command; run_sh 'PIPELINE': a pipeline.
run() {
	show_run "$*" "$@"
}

run_sh() {
	show_run "$1" sh -c "$1"
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
	echo "### the sample consumer: mkdir /sys/fs/bpfmap/flowcount; insmod /bpfmap_flowcount.ko"
	setsid cttyhack sh
	bye
fi

echo
echo "# bpfmap_flowcount.ko, a module that uses bpfmap's in-kernel API: its"
echo "# netfilter hooks count each IPv4/IPv6 flow's packets and bytes in an"
echo "# LRU_PERCPU_HASH and the totals in a PERCPU_ARRAY, maps it created and"
echo "# pinned in the bpfmapfs (Documentation/flowcount.rst)."
run mkdir /sys/fs/bpfmap/flowcount
run insmod /bpfmap_flowcount.ko
run_sh 'dmesg | grep bpfmap_flowcount'
flows="pinned /sys/fs/bpfmap/flowcount/flows"
totals="pinned /sys/fs/bpfmap/flowcount/totals"
run bpfmapctl map show $flows
echo
echo "# Real traffic on the loopback device: pings over IPv4 and IPv6, and a"
echo "# file fetched over HTTP from busybox httpd."
run ip link set lo up
run ping -c 3 -i 0.2 127.0.0.1
run ping -6 -c 2 -i 0.2 -s 100 ::1
mkdir -p /tmp/www
seq 1 2000 >/tmp/www/numbers.txt
httpd -p 127.0.0.1:8080 -h /tmp/www
run_sh 'wget -q -O - http://127.0.0.1:8080/numbers.txt | wc -c'
killall httpd
echo
echo "# The totals, as bpftool shows a per-CPU array: one u64 per possible"
echo "# CPU, little-endian (key 0 packets, 1 bytes, 2 flows, 3-5 lost)."
run bpfmapctl map dump $totals
run bpfmapctl --json map dump $totals
echo
echo "# One flow as bpfmapctl prints it: the 40-byte key (family, protocol,"
echo "# direction, ports, addresses) and each CPU's packets and bytes."
run_sh "bpfmapctl map dump $flows | head -n 4"
echo
echo "# Every flow and total, the CPUs summed (the layout is"
echo "# samples/flowcount/flowcount.h; the table is /flowcount.awk)."
run_sh "bpfmapctl map dump $flows | awk -f /flowcount.awk"
run_sh "bpfmapctl map dump $totals | awk -f /flowcount.awk"
echo
echo "# rmmod stops the counting; the pins keep the maps and their counts."
run rmmod bpfmap_flowcount
run ping -c 1 127.0.0.1
run_sh "bpfmapctl map dump $totals | awk -f /flowcount.awk"
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
