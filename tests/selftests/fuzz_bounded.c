// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * A bounded pass of the ioctl fuzzer for `make check`: the fuzzer core of
 * tests/fuzz (built into this binary) runs a fixed op budget per thread
 * with a fixed seed against /dev/bpfmap, and the test fails on any oracle
 * violation (an errno the command cannot give for its input, a non-zero
 * per-CPU padding byte, an fd mode not enforced, a value read back that is
 * not the one last written).  It prints the fuzzer's totals.  A second
 * pass runs with allocation failures armed in a tenth of the ops (fail-nth;
 * kernels without fault injection skip it), so that the failure paths run
 * while other threads create, fill and close maps.
 *
 * Only the bpfmap backend: the fuzzer issues the ioctls itself, the
 * kernel's bpf(2) is not what it tests.  For longer runs on the debug or
 * the stock kernel use `make fuzz`.
 */
#include "../fuzz/fuzz_core.c"

/* The harness is not -Wextra clean (an unused handler parameter). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop

#define BOUNDED_SEED		20260801ULL
#define BOUNDED_THREADS		3
/* About 27 s on the debug kernel under TCG, -smp 4 (~340 ops/s). */
#define BOUNDED_OPS		3000
/* A slower machine stops early instead of hitting the harness timeout. */
#define BOUNDED_SECONDS		120
/* The pass with failures: percent of ops, and its shorter budget. */
#define BOUNDED_FAULTS		10
#define BOUNDED_FAULT_OPS	1500

FIXTURE(fuzz) {
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* The bounded pass's settings, for @ops ops a thread and @faults percent. */
static struct fuzz_config bounded_config(uint64_t seed, uint64_t ops,
					 unsigned int faults)
{
	return (struct fuzz_config){
		.seed = seed,
		.threads = BOUNDED_THREADS,
		.ops = ops,
		.seconds = BOUNDED_SECONDS,
		.max_reports = 20,
		.out = stdout,
		.prefix = "# ",
		.faults = faults,
	};
}

/*
 * What every pass must show: no violation, and an oracle that compared
 * values with its model and read per-CPU padding, not just errnos.
 */
static void check_totals(struct __test_metadata *_metadata,
			 const struct fuzz_config *cfg,
			 const struct fuzz_totals *totals)
{
	fuzz_print_totals(stdout, cfg, totals);
	EXPECT_EQ(0ULL, totals->padding_violations);
	ASSERT_EQ(0ULL, totals->violations);
	ASSERT_LT(0ULL, totals->checked_values);
	ASSERT_LT(0ULL, totals->checked_padding);
}

TEST_F_TIMEOUT(fuzz, fixed_seed_run_has_no_oracle_violations, 300)
{
	struct fuzz_config cfg = bounded_config(BOUNDED_SEED, BOUNDED_OPS, 0);
	struct fuzz_totals totals;
	int err;

	err = fuzz_run(&cfg, &totals);
	if (err)
		TH_LOG("cannot run the fuzzer on /dev/bpfmap (%s): is bpfmap.ko loaded?",
		       strerror(-err));
	ASSERT_EQ(0, err);
	check_totals(_metadata, &cfg, &totals);
}

TEST_F_TIMEOUT(fuzz, run_with_allocation_failures_has_no_oracle_violations,
	       300)
{
	struct fuzz_config cfg = bounded_config(BOUNDED_SEED + 1,
						BOUNDED_FAULT_OPS,
						BOUNDED_FAULTS);
	struct fuzz_totals totals;
	int err;

	err = fuzz_run(&cfg, &totals);
	if (err == -EOPNOTSUPP)
		SKIP(return, "no fail-nth: the kernel has no fault injection");
	ASSERT_EQ(0, err);
	check_totals(_metadata, &cfg, &totals);
	/* Failures were armed and fired. */
	ASSERT_LT(0ULL, totals.faults_injected);
}

TEST_HARNESS_MAIN
