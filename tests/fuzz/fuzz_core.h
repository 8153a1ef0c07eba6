/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The core of the bpfmap ioctl fuzzer, shared by the standalone program
 * (tests/fuzz/fuzz.c) and the bounded selftest (tests/selftests/
 * fuzz_bounded.c).
 *
 * Each thread draws commands from its own random stream, seeded from the
 * run's seed and the thread's number, so a thread asks for the same things
 * on every run with the same seed as long as it gets the same results (the
 * interleaving of the threads, and so what shared maps hold, is not
 * repeatable).  Every
 * result goes through an oracle: the errno must be one the command can
 * give for that input, per-CPU padding must read as zero, fd modes must be
 * enforced, and on the maps a thread keeps to itself the values read back
 * must be the ones last written (LRU maps may lose elements).  Any
 * violation is printed with the seed, thread, op number, command, map
 * attributes and bytes involved.
 *
 * With faults set, that percentage of ops runs with one allocation failure
 * armed in the thread (CONFIG_FAULT_INJECTION's fail-nth: one of the next
 * eight fault-injection points the thread reaches fails), concurrently
 * with the other threads' ops.  ENOMEM is then one more result every
 * command of that op may give, and when the fault fired the thread reads
 * its private maps back into its model, as a failed command may have
 * changed nothing or, in a batch, part of what it reports.
 */
#ifndef _BPFMAP_FUZZ_CORE_H
#define _BPFMAP_FUZZ_CORE_H

#include <stdint.h>
#include <stdio.h>

#define FUZZ_MAX_THREADS	64
/* Slots of the per-command counters: the ioctl numbers, plus three. */
#define FUZZ_SLOT_OTHER		29	/* numbers that are no command */
#define FUZZ_SLOT_MMAP		30
#define FUZZ_SLOT_CLOSE		31
#define FUZZ_NR_SLOTS		32
/* errno histogram: errno values up to this (ENOTSUPP is 524). */
#define FUZZ_MAX_ERRNO		600

struct fuzz_config {
	uint64_t seed;
	unsigned int threads;
	uint64_t ops;		/* per thread; 0: no limit */
	double seconds;		/* 0: no limit */
	unsigned int max_reports; /* violations printed in full */
	int verbose;		/* print every op */
	FILE *out;		/* reports and totals */
	const char *prefix;	/* before every line printed, e.g. "# " */
	unsigned int faults;	/* percent of ops with a failure armed */
};

struct fuzz_totals {
	uint64_t ops;
	uint64_t ioctls;
	uint64_t ok[FUZZ_NR_SLOTS];
	uint64_t failed[FUZZ_NR_SLOTS];
	uint64_t errnos[FUZZ_MAX_ERRNO + 1];
	uint64_t violations;
	uint64_t padding_violations;
	uint64_t checked_values;	/* model comparisons made */
	uint64_t checked_padding;	/* per-CPU slots whose padding was read */
	uint64_t faults_armed;		/* ops run with a failure armed */
	uint64_t faults_injected;	/* of those, ops where it fired */
	uint64_t faults_deep;		/* of those, past the 8th point */
	double elapsed;
	unsigned int ncpus;		/* possible CPUs */
};

/*
 * Run the fuzzer with @cfg on /dev/bpfmap and add up what the threads did
 * in @totals.  Returns 0 when it could run (whatever the oracle found; see
 * totals->violations), -errno when it could not start.
 */
int fuzz_run(const struct fuzz_config *cfg, struct fuzz_totals *totals);

/* Print the totals: ioctls, ops/s, per command, errnos, violations. */
void fuzz_print_totals(FILE *f, const struct fuzz_config *cfg,
		       const struct fuzz_totals *totals);

#endif /* _BPFMAP_FUZZ_CORE_H */
