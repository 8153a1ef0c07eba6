#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the fuzz VM (copied into the initramfs by fuzz.sh; busybox sh).
# Loads bpfmap.ko, runs /bin/bpfmap-fuzz with the settings fuzz.sh put on
# the kernel command line (bpfmap_fuzz.seconds=, .seed=, .threads=),
# unloads the module, asks kmemleak (when the kernel has it) for leaks and
# powers off.  As in guest-check.sh, everything goes to the console and to
# the result channel /dev/ttyS1 between "### BEGIN <what>" and
# "### END <what>" lines; "### FUZZ-VM END" is the last line.
export PATH=/bin

mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmp /tmp

# The value of bpfmap_fuzz.NAME= on the kernel command line, or $2.
param() {
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^bpfmap_fuzz\.$1=//p" | tail -n 1)
	echo "${v:-$2}"
}

uptime() {
	cut -d' ' -f1 /proc/uptime
}

fuzz() {
	seconds=$(param seconds 60)
	seed=$(param seed 1)
	threads=$(param threads 4)
	echo "### FUZZ-VM BEGIN kernel=$(uname -r)" \
		"online=$(cat /sys/devices/system/cpu/online)" \
		"possible=$(cat /sys/devices/system/cpu/possible)"
	kmemleak=0
	if [ -w /sys/kernel/debug/kmemleak ]; then
		kmemleak=1
		echo clear >/sys/kernel/debug/kmemleak
	fi

	# As the check VMs: freed per-CPU areas poisoned and checked.
	insmod /bpfmap.ko percpu_quarantine=1
	rc=$?
	echo "### insmod rc=$rc uptime=$(uptime)"
	[ "$rc" -eq 0 ] || return

	echo "### BEGIN fuzz seconds=$seconds seed=$seed threads=$threads"
	(cd /tmp && /bin/bpfmap-fuzz --seed "$seed" --threads "$threads" \
		--seconds "$seconds" </dev/null 2>&1)
	rc=$?
	echo "### END fuzz rc=$rc uptime=$(uptime)"

	rmmod bpfmap
	echo "### rmmod rc=$?"
	if [ "$kmemleak" = 1 ]; then
		# Two scans: kmemleak only reports objects older than 5 s.
		echo scan >/sys/kernel/debug/kmemleak
		sleep 5
		echo scan >/sys/kernel/debug/kmemleak
		echo "### BEGIN kmemleak"
		cat /sys/kernel/debug/kmemleak
		echo "### END kmemleak"
	fi
}

if [ -c /dev/ttyS1 ]; then
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	fuzz 2>&1 | tee /dev/ttyS1
	echo "### FUZZ-VM END uptime=$(uptime)" >/dev/ttyS1
else
	echo "### no /dev/ttyS1: no result channel"
	fuzz 2>&1
fi
echo "### FUZZ-VM END uptime=$(uptime)"
sync
poweroff -f
