#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the check VM (copied into the initramfs by run-vm.sh; busybox sh).
# Loads bpfmap.ko and bpfmap_kunit.ko (its KUnit suites run at insmod),
# and bpfmap_flowcount.ko when the initramfs has it,
# prints every bpfmap* KUnit result file, runs every selftest binary under
# /selftests (with bpffs and bpfmapfs mounted), checks that rmmod is refused
# while a bpfmapfs is mounted, unmounts it, unloads both modules, asks
# kmemleak for leaks and powers off.  Everything it prints goes
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

# shellcheck source=tests/vm/guest-lib.sh
. /guest-lib.sh
guest_mounts
mount -t debugfs debugfs /sys/kernel/debug

# The kselftest harness runs each test in a child; give a hung binary this
# long before killing it, so one hang does not cost the whole boot.
selftest_timeout=900

tests() {
	echo "### BPFMAP-VM BEGIN kernel=$(uname -r)" \
		"online=$(cat /sys/devices/system/cpu/online)" \
		"possible=$(cat /sys/devices/system/cpu/possible)"

	kmemleak_clear || echo "### kmemleak unavailable"

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

	# Where the selftests pin: bpffs for the kernel backend, a bpfmapfs
	# (its mount point is the module's) for ours.
	mount -t bpf bpf /sys/fs/bpf
	echo "### mount bpffs rc=$?"
	mount -t bpfmapfs none /sys/fs/bpfmap
	echo "### mount bpfmapfs rc=$?"
	# The sample consumer, on kernels with netfilter: it counts from
	# here on, and the flowcount selftest reads and reloads it.
	if [ -f /bpfmap_flowcount.ko ]; then
		mkdir /sys/fs/bpfmap/flowcount &&
			insmod /bpfmap_flowcount.ko
		echo "### insmod flowcount rc=$?"
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
	# The consumer holds bpfmap.ko by its symbols; its pins stay in the
	# bpfmapfs until the umount below.
	if [ -f /bpfmap_flowcount.ko ]; then
		rmmod bpfmap_flowcount
		echo "### rmmod flowcount rc=$?"
	fi
	# A mounted bpfmapfs holds a reference to the module: rmmod must be
	# refused (delete_module says EAGAIN) and leave the module working.
	# The umount then drops every map still pinned; kmemleak below would
	# see any the umount or the unload left behind.
	msg=$(rmmod bpfmap 2>&1)
	if [ -d /sys/module/bpfmap ] && [ -c /dev/bpfmap ]; then refused=0; else refused=1; fi
	echo "### rmmod while bpfmapfs is mounted: $msg"
	echo "### rmmod mounted refused rc=$refused"
	umount /sys/fs/bpfmap
	echo "### umount bpfmapfs rc=$?"
	rmmod bpfmap
	echo "### rmmod rc=$?"
	echo "### kmemleak scan uptime=$(uptime)"
	kmemleak_report
}

# For the host's KTAP parser: the kernel log, on the result channel only.
dump_dmesg() {
	echo "### BEGIN dmesg"
	dmesg
	echo "### END dmesg"
}

guest_report tests BPFMAP-VM dump_dmesg
bye
