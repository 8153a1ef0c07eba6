/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The table of known differences (known_differences.c), kept apart from
 * bpfmap_test.h so that file can be built without the kselftest harness.
 */
#ifndef _BPFMAP_KNOWN_DIFFERENCES_H
#define _BPFMAP_KNOWN_DIFFERENCES_H

#include <stdbool.h>
#include <stddef.h>
#include "libbpfmap.h"

/* Makes a kernel version comparable, as KERNEL_VERSION() does. */
#define KV(a, b)		(((a) << 16) + ((b) << 8))

/**
 * struct known_difference - one expectation that is not upstream v7.0 bpf(2)
 * @name: the case, as passed to expect_errno()
 * @backend: the backend the row is about
 * @before: for the kernel backend, the first kernel version that behaves
 *	as v7.0 (KV(maj, min)); the row applies to running kernels older
 *	than it.  0: the row always applies.
 * @preempt_rt: the row applies only when the running kernel is a
 *	PREEMPT_RT one (and, as for any row, older than @before if set)
 * @expect: what the backend gives: 0 for success, else a positive errno;
 *	for the few cases that compare a property instead of an errno, the
 *	property's value as the case defines it
 * @reason: why it differs
 */
struct known_difference {
	const char *name;
	enum bpfmap_backend backend;
	unsigned int before;
	bool preempt_rt;
	int expect;
	const char *reason;
};

extern const struct known_difference known_differences[];
extern const size_t nr_known_differences;

/*
 * The result (errno, 0: success) @case_name must give on the current backend:
 * the row of known_differences[] for it and this backend (and, for the
 * kernel backend, a running kernel older than the row's @before), or
 * else @default_errno, the upstream v7.0 bpf(2) behaviour.  The choice
 * is logged, so a failing case shows which expectation it was held to.
 */
int expect_result(const char *case_name, int default_result);
#define expect_errno(case_name, default_errno) \
	expect_result(case_name, default_errno)

/* The running kernel as KV(major, minor). */
unsigned int running_kernel_version(void);
/* Whether the running kernel is a PREEMPT_RT one (uname -v says so). */
bool running_kernel_preempt_rt(void);

/*
 * bpfmap_map_update_elem() for the churn and stress tests, which update
 * maps while other threads allocate and free: where the row
 * "no_prealloc_hash_update_transient_enomem" applies (kernel backend,
 * PREEMPT_RT kernel) and the map is a NO_PREALLOC HASH, PERCPU_HASH or
 * HASH_OF_MAPS, an ENOMEM is retried (after a 1 ms sleep, at most 1000
 * times); anywhere else the first result is returned as it is.
 */
int update_elem_under_churn(int fd, const void *key, const void *value,
			    __u64 flags);

/*
 * bpfmap_map_update_batch() under the same rule: after an ENOMEM there,
 * the rest of the batch is sent again (count is the total applied).
 */
int update_batch_under_churn(int fd, const void *keys, const void *values,
			     __u32 *count,
			     const struct bpfmap_map_batch_opts *opts);

#endif /* _BPFMAP_KNOWN_DIFFERENCES_H */
