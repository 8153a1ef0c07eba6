#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the fuzz VM (copied into the initramfs by fuzz.sh; busybox sh).
# Loads bpfmap.ko, runs /bin/bpfmap-fuzz with the settings fuzz.sh put on
# the kernel command line (bpfmap_fuzz.seconds=, .seed=, .threads=, .faults=),
# unloads the module, asks kmemleak (when the kernel has it) for leaks and
# powers off.  As in guest-check.sh, everything goes to the console and to
# the result channel /dev/ttyS1 between "### BEGIN <what>" and
# "### END <what>" lines; "### FUZZ-VM END" is the last line.
export PATH=/bin

# shellcheck source=tests/vm/guest-lib.sh
. /guest-lib.sh
guest_mounts
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# The value of bpfmap_fuzz.NAME= on the kernel command line, or $2.
param() {
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^bpfmap_fuzz\.$1=//p" | tail -n 1)
	echo "${v:-$2}"
}

fuzz() {
	seconds=$(param seconds 60)
	seed=$(param seed 1)
	threads=$(param threads 4)
	faults=$(param faults 0)
	echo "### FUZZ-VM BEGIN kernel=$(uname -r)" \
		"online=$(cat /sys/devices/system/cpu/online)" \
		"possible=$(cat /sys/devices/system/cpu/possible)"
	kmemleak_clear

	# As the check VMs: freed per-CPU areas poisoned and checked.
	insmod /bpfmap.ko percpu_quarantine=1
	rc=$?
	echo "### insmod rc=$rc uptime=$(uptime)"
	[ "$rc" -eq 0 ] || return

	echo "### BEGIN fuzz seconds=$seconds seed=$seed threads=$threads faults=$faults"
	(cd /tmp && /bin/bpfmap-fuzz --seed "$seed" --threads "$threads" \
		--seconds "$seconds" --faults "$faults" </dev/null 2>&1)
	rc=$?
	echo "### END fuzz rc=$rc uptime=$(uptime)"

	rmmod bpfmap
	echo "### rmmod rc=$?"
	kmemleak_report
}

guest_report fuzz FUZZ-VM
bye
