# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# What the /init scripts of the VMs share (guest-check.sh, guest-tour.sh,
# guest-fuzz.sh, tools/bench/guest-bench.sh).  lib.sh's vm_initramfs_begin
# puts it at /guest-lib.sh in every initramfs; /init sources it (busybox
# sh).  Functions only.

# guest_mounts: devtmpfs, the console as stdio (the kernel may have found
# no /dev/console in the initramfs), /proc, /sys and a tmpfs on /tmp.
guest_mounts() {
	mount -t devtmpfs dev /dev
	exec </dev/console >/dev/console 2>&1
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t tmpfs tmp /tmp
}

# Seconds since boot, for the progress lines.
uptime() {
	cut -d' ' -f1 /proc/uptime
}

bye() {
	sync
	poweroff -f
}

# kmemleak_clear: forget what kmemleak knew before the tests; false when
# the kernel has no kmemleak (or debugfs is not mounted).
kmemleak_clear() {
	[ -w /sys/kernel/debug/kmemleak ] || return 1
	echo clear >/sys/kernel/debug/kmemleak
}

# kmemleak_report: when the kernel has kmemleak, scan and print what it
# found between "### BEGIN kmemleak" and "### END kmemleak".  kmemleak
# only reports objects older than 5 s, so what the tests leaked just
# before returning shows up in the second scan; a second scan also drops
# false positives of the first.  Each scan takes 10-25 s under TCG (it
# grows with the guest memory).
kmemleak_report() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	echo "### BEGIN kmemleak"
	cat /sys/kernel/debug/kmemleak
	echo "### END kmemleak"
}

# guest_report FUNC NAME [CMD...]: run FUNC with its output on the console
# and on the result channel /dev/ttyS1 (which carries no kernel messages),
# then send CMD's output to the channel only, and end both with
# "### NAME END uptime=...".  Without /dev/ttyS1, FUNC runs on the console
# alone.
guest_report() {
	fn=$1 name=$2
	shift 2
	if [ -c /dev/ttyS1 ]; then
		stty -F /dev/ttyS1 raw -echo 2>/dev/null
		"$fn" 2>&1 | tee /dev/ttyS1
		{
			"$@"
			echo "### $name END uptime=$(uptime)"
		} >/dev/ttyS1
	else
		echo "### no /dev/ttyS1: no result channel"
		"$fn" 2>&1
	fi
	echo "### $name END uptime=$(uptime)"
}
