/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
#ifndef _BPFMAP_PERCPU_FREELIST_H
#define _BPFMAP_PERCPU_FREELIST_H

#include <linux/percpu.h>
#include <linux/spinlock.h>

/* Embedded in each free element; only meaningful while it is free. */
struct bpfmap_freelist_node {
	struct bpfmap_freelist_node *next;
};

/*
 * One LIFO list per possible CPU.  Each list's lock protects its @first
 * chain; it nests inside a hash bucket lock (bucket lock first), never the
 * other way round, and is taken with interrupts off so any context may
 * push or pop.  bpfmap_freelist_populate() alone works without it: it runs
 * before the list is shared.
 */
struct bpfmap_freelist_head {
	struct bpfmap_freelist_node *first;
	raw_spinlock_t lock;
};

struct bpfmap_freelist {
	struct bpfmap_freelist_head __percpu *heads;
};

int bpfmap_freelist_init(struct bpfmap_freelist *fl, gfp_t gfp);
void bpfmap_freelist_destroy(struct bpfmap_freelist *fl);
void bpfmap_freelist_populate(struct bpfmap_freelist *fl, void *elems,
			      u32 elem_size, u32 node_offset, u32 nr_elems);
void bpfmap_freelist_push(struct bpfmap_freelist *fl,
			  struct bpfmap_freelist_node *node);
struct bpfmap_freelist_node *bpfmap_freelist_pop(struct bpfmap_freelist *fl);

#endif /* _BPFMAP_PERCPU_FREELIST_H */
