/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
#ifndef _BPFMAP_LRU_LIST_H
#define _BPFMAP_LRU_LIST_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>

/* Which list a node is on. */
enum bpfmap_lru_type {
	BPFMAP_LRU_ACTIVE,
	BPFMAP_LRU_INACTIVE,
	BPFMAP_LRU_FREE,
	BPFMAP_LRU_LOCAL_FREE,
	BPFMAP_LRU_LOCAL_PENDING,
};

/**
 * struct bpfmap_lru_node - embedded in each LRU hash element
 * @list: the list it is on, protected by that list's lock
 * @cpu: the CPU whose local (common LRU) or own (per-CPU LRU) list it is on
 * @type: enum bpfmap_lru_type, changed under the lock of the list it leaves
 * @ref: set (without a lock) when the element is used; cleared by rotation
 */
struct bpfmap_lru_node {
	struct list_head list;
	u16 cpu;
	u8 type;
	u8 ref;
};

/*
 * A set of active/inactive/free lists.  For the common LRU there is one per
 * map; with BPFMAP_F_NO_COMMON_LRU one per possible CPU.  @lock protects
 * the three lists, @counts and @next_inactive, once the map is visible;
 * bpfmap_lru_populate() fills the free lists before that, without it.
 */
struct bpfmap_lru_list {
	struct list_head lists[3];
	unsigned int counts[2];
	struct list_head *next_inactive;
	raw_spinlock_t lock;
};

/*
 * The common LRU's per-CPU cache: nodes claimed from the global free list
 * (@free) and nodes this CPU handed out recently (@pending).  @lock
 * protects both lists and @next_steal.
 */
struct bpfmap_lru_local {
	struct list_head free;
	struct list_head pending;
	u16 next_steal;
	raw_spinlock_t lock;
};

/*
 * Callback that removes the element of @node from its hash table; returns
 * false when it cannot (the element is gone already, or its bucket is busy
 * on this CPU).  Called with an LRU lock held: the lock order is LRU list
 * lock (local before global) before hash bucket lock, never the reverse.
 */
typedef bool (*bpfmap_lru_evict_t)(void *arg, struct bpfmap_lru_node *node);

struct bpfmap_lru {
	union {
		struct bpfmap_lru_list common;
		struct bpfmap_lru_list __percpu *percpu_lists;
	};
	struct bpfmap_lru_local __percpu *locals;
	bpfmap_lru_evict_t evict;
	void *evict_arg;
	u32 hash_offset;
	u32 target_free;
	u32 nr_scans;
	bool percpu;
};

int bpfmap_lru_init(struct bpfmap_lru *lru, bool percpu, u32 max_entries,
		    u32 hash_offset, bpfmap_lru_evict_t evict, void *evict_arg,
		    gfp_t gfp);
void bpfmap_lru_destroy(struct bpfmap_lru *lru);
void bpfmap_lru_populate(struct bpfmap_lru *lru, void *elems, u32 elem_size,
			 u32 node_offset, u32 nr_elems);
struct bpfmap_lru_node *bpfmap_lru_pop_free(struct bpfmap_lru *lru, u32 hash,
					    bool may_evict);
void bpfmap_lru_push_free(struct bpfmap_lru *lru, struct bpfmap_lru_node *node);

static inline void bpfmap_lru_node_set_ref(struct bpfmap_lru_node *node)
{
	if (!READ_ONCE(node->ref))
		WRITE_ONCE(node->ref, 1);
}

#endif /* _BPFMAP_LRU_LIST_H */
