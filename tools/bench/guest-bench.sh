#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the bench VM (copied into the initramfs by run-bench.sh; busybox
# sh).  Loads bpfmap.ko, runs bench_maps with the arguments in
# /etc/bench-args (one a line), prints its table between
# "### BENCH TABLE BEGIN" and "### BENCH TABLE END" and its JSON between
# "### BENCH JSON BEGIN" and "### BENCH JSON END", then "### BENCH OK"
# or "### BENCH FAILED ...", and powers off.
export PATH=/bin

# shellcheck source=tests/vm/guest-lib.sh
. /guest-lib.sh
guest_mounts

possible=$(cat /sys/devices/system/cpu/possible)
echo "### bench VM: Linux $(uname -r), $(nproc) CPUs, possible $possible"
if ! insmod /bpfmap.ko; then
	echo "### BENCH FAILED: insmod bpfmap.ko"
	bye
fi
# The kernel table's driver; without it that table says so and skips.
insmod /bpfmap_kbench.ko ||
	echo "### bench VM: insmod bpfmap_kbench.ko failed"

# One argument per line, so an argument may hold spaces.
set --
while IFS= read -r arg; do
	set -- "$@" "$arg"
done </etc/bench-args
echo "### running: bench_maps $* --json=/tmp/bench.json"
# Notes (skipped types) go to stderr, kept apart from the table.
/bin/bench_maps "$@" --json=/tmp/bench.json >/tmp/table.txt 2>/tmp/notes.txt
rc=$?
cat /tmp/notes.txt
echo "### BENCH TABLE BEGIN"
cat /tmp/table.txt
echo "### BENCH TABLE END"
if [ -s /tmp/bench.json ]; then
	echo "### BENCH JSON BEGIN"
	cat /tmp/bench.json
	echo "### BENCH JSON END"
fi
if [ "$rc" -eq 0 ]; then
	echo "### BENCH OK"
else
	echo "### BENCH FAILED: bench_maps exited with $rc"
fi
bye
