/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
#ifndef _BPFMAP_HASHTAB_H
#define _BPFMAP_HASHTAB_H

#include <linux/types.h>

struct bpfmap;

/*
 * src/hashtab.c: the bucket walk of the hash lookup batches, with a
 * pluggable sink so that it can be driven without userspace buffers.
 */
struct bpfmap_walk_out {
	int (*emit)(struct bpfmap_walk_out *out, u32 at, const void *keys,
		    const void *values, u32 cnt);
};
#if IS_ENABLED(CONFIG_KUNIT)
int bpfmap_htab_walk(struct bpfmap *map, u32 *batch, u32 max_count,
		     u32 *total, u64 flags, bool do_delete,
		     struct bpfmap_walk_out *out);
#endif

#endif /* _BPFMAP_HASHTAB_H */
