#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the check VM (copied into the initramfs by run-vm.sh; busybox sh).
# Loads bpfmap.ko and bpfmap_kunit.ko (its KUnit suites run at insmod),
# prints every bpfmap* KUnit result file, runs every selftest binary under
# /selftests, unloads both modules, asks kmemleak for leaks and powers off.  Everything it prints goes
# to the console and, for the host's parser, to the second serial port
# (/dev/ttyS1), which carries no kernel messages.  Each section sits between
# "### BEGIN <what> <name>" and "### END <what> <name> ..." lines; the last
# line is "### BPFMAP-VM END".  A missing END line means the VM died.
#
# The KUnit debugfs files are printed for people: on 6.1 they lose the
# subtests of parameterised cases, so the host parses the KTAP the suites
# printed to the kernel log instead, which it gets from the dmesg dump sent
# to the result channel only, just before the last line.
export PATH=/bin

mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmp /tmp

# The kselftest harness runs each test in a child; give a hung binary this
# long before killing it, so one hang does not cost the whole boot.
selftest_timeout=900

# Seconds since boot, for the progress lines.
uptime() {
	cut -d' ' -f1 /proc/uptime
}

tests() {
	echo "### BPFMAP-VM BEGIN kernel=$(uname -r)" \
		"online=$(cat /sys/devices/system/cpu/online)" \
		"possible=$(cat /sys/devices/system/cpu/possible)"

	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo clear >/sys/kernel/debug/kmemleak
	else
		echo "### kmemleak unavailable"
	fi

	# Extra modules (run-vm.sh --extra-ko) load first: used to prove that
	# the host notices a kernel warning.
	for ko in /extra/*.ko; do
		[ -f "$ko" ] || continue
		insmod "$ko"
		echo "### insmod extra $(basename "$ko") rc=$?"
	done

	# percpu_quarantine: freed per-CPU areas are poisoned and checked
	# before reuse (KASAN does not watch per-CPU memory).
	insmod /bpfmap.ko test_hooks=1 percpu_quarantine=1
	rc=$?
	echo "### insmod rc=$rc uptime=$(uptime)"
	[ "$rc" -eq 0 ] || return

	# The KUnit suites live in their own module and run when it loads.
	if [ -f /bpfmap_kunit.ko ]; then
		insmod /bpfmap_kunit.ko
		echo "### insmod kunit rc=$?"
	fi

	for dir in /sys/kernel/debug/kunit/bpfmap*; do
		[ -f "$dir/results" ] || continue
		suite=$(basename "$dir")
		echo "### BEGIN kunit $suite"
		cat "$dir/results"
		echo "### END kunit $suite"
	done

	for bin in /selftests/*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		name=$(basename "$bin")
		echo "### BEGIN selftest $name"
		(cd /tmp && timeout "$selftest_timeout" "$bin" </dev/null 2>&1)
		rc=$?
		echo "### END selftest $name rc=$rc uptime=$(uptime)"
	done

	if [ -f /bpfmap_kunit.ko ]; then
		rmmod bpfmap_kunit
		echo "### rmmod kunit rc=$?"
	fi
	rmmod bpfmap
	echo "### rmmod rc=$?"
	echo "### kmemleak scan uptime=$(uptime)"

	if [ -w /sys/kernel/debug/kmemleak ]; then
		# kmemleak only reports objects older than 5 s, so what the
		# tests leaked just before rmmod shows up in the second scan;
		# a second scan also drops false positives of the first.  Each
		# scan takes 10-25 s under TCG (it grows with the guest memory).
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
	tests 2>&1 | tee /dev/ttyS1
	{
		echo "### BEGIN dmesg"
		dmesg
		echo "### END dmesg"
		echo "### BPFMAP-VM END uptime=$(uptime)"
	} >/dev/ttyS1
else
	echo "### no /dev/ttyS1: no result channel"
	tests 2>&1
fi
echo "### BPFMAP-VM END uptime=$(uptime)"
sync
poweroff -f
