/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The interface of bpfmap_kbench.ko, the bench module that drives bpfmap
 * maps from kernel code through the exported API, and of bench_maps'
 * kernel table (kernel_table.c), which uses it: one ioctl on
 * /dev/bpfmap_kbench.
 */
#ifndef _BPFMAP_KBENCH_H
#define _BPFMAP_KBENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The largest key and value (one CPU's slot) the module accepts. */
#define BPFMAP_KBENCH_MAX_KEY		8
#define BPFMAP_KBENCH_MAX_VALUE		64
/* The most operations per run and runs per call. */
#define BPFMAP_KBENCH_MAX_OPS		(1U << 16)
#define BPFMAP_KBENCH_MAX_REPEAT	(1U << 20)

enum bpfmap_kbench_op {
	BPFMAP_KBENCH_LOOKUP,
	BPFMAP_KBENCH_UPDATE,
	/* lookup_inner on a map-of-maps, then lookup in the inner map */
	BPFMAP_KBENCH_INNER_LOOKUP,
	/*
	 * ARRAY, PERCPU_ARRAY: bpfmap_kernel_array_view_lookup() with index
	 * i, the view taken once per run (inside the timed region)
	 */
	BPFMAP_KBENCH_VIEW_LOOKUP,
};

/*
 * One call: @repeat runs of @ops operations on the map behind @map_fd.
 * Operation i of a run uses key i: on a 4-byte key the u32 i, on an 8-byte
 * key the u64 (i + 1) * 0x9E3779B97F4A7C15 (bench_maps' key_put()).  An
 * update writes @value_size bytes of 0xa5 with BPFMAP_ANY (on the per-CPU
 * types to this CPU's slot only, BPFMAP_F_CPU).  For
 * BPFMAP_KBENCH_INNER_LOOKUP the outer map's key is always 0 and the key
 * above is looked up in the inner map.  BPFMAP_KBENCH_VIEW_LOOKUP needs a
 * 4-byte key (an array's index); -EINVAL on any other type.
 *
 * Out: @ns, the time of all runs, and @misses, the operations that found
 * no element or failed in the last run.
 */
struct bpfmap_kbench_run {
	__s32 map_fd;
	__u32 op;		/* enum bpfmap_kbench_op */
	__u32 ops;
	__u32 repeat;
	__u64 ns;
	__u64 misses;
};

#define BPFMAP_KBENCH_IOCTL_RUN	_IOWR('K', 1, struct bpfmap_kbench_run)

#endif /* _BPFMAP_KBENCH_H */
