// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The per-CPU areas of the storage engines: element values, re-entry
 * guards, free-list heads, LRU lists.  Every one is allocated and freed
 * through here.
 *
 * KASAN does not watch per-CPU memory, so a write into an area after it
 * was freed (or a read of it) would go unnoticed until another user of the
 * memory saw stray bytes.  With the module parameter percpu_quarantine the
 * test VMs set, a freed area is first filled with a poison byte on every
 * possible CPU and held back in a FIFO; only when it leaves the FIFO does
 * it go back to the allocator, after a check that the poison is intact.
 * A changed byte is reported with the code that freed the area, and the
 * run fails on the WARN.  While an area waits, its memory cannot be handed
 * to anyone else, so a late write hits the poison instead of a new user.
 *
 * A second free of an area is caught too, as long as the first one still
 * waits: free_percpu() itself does not notice one, and the allocator would
 * hand the area to two users at once, each writing into the other's bytes.
 * The second free is reported with both callers and dropped.
 */

#include <linux/bug.h>
#include <linux/cpumask.h>
#include <linux/hash.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "percpu_area.h"

static bool percpu_quarantine;
module_param(percpu_quarantine, bool, 0444);
MODULE_PARM_DESC(percpu_quarantine,
		 "poison freed per-CPU areas and check them before reuse (testing; default 0)");

/* The held areas are also found by address, in chains of this many. */
#define PCPU_HELD_HASH_BITS	12

struct pcpu_held {
	void __percpu *ptr;
	size_t size;
	unsigned long freed_at;
};

/*
 * The held areas, oldest at @q_head; @q_chains, the first of each chain,
 * and @q_next, the next area in the chain of each ring slot (a ring index
 * + 1, or 0 at the end).  @q_lock protects all of them.  A raw lock held
 * for a few instructions, so that taking it adds no rule to
 * free_percpu()'s own about where it may be called.
 */
static struct pcpu_held q_ring[BPFMAP_PCPU_QUARANTINE_LEN];
static unsigned int q_head, q_len;
static u16 q_chains[1U << PCPU_HELD_HASH_BITS];
static u16 q_next[BPFMAP_PCPU_QUARANTINE_LEN];
static DEFINE_RAW_SPINLOCK(q_lock);

static_assert(BPFMAP_PCPU_QUARANTINE_LEN < U16_MAX);

/*
 * How many areas are held: BPFMAP_PCPU_QUARANTINE_COPIES over the CPUs.
 * kmemleak tracks each possible CPU's copy of a per-CPU area, and when its
 * own allocations fail (fault injection) it takes objects from a fixed
 * pool (CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE, 16000 by default) and turns
 * itself off once that is empty.  The areas held here keep their objects,
 * so they are limited to that many per-CPU copies in all.
 */
static unsigned int q_cap(void)
{
	return clamp(BPFMAP_PCPU_QUARANTINE_COPIES / num_possible_cpus(), 1U,
		     BPFMAP_PCPU_QUARANTINE_LEN);
}

/**
 * bpfmap_percpu_alloc - a zeroed per-CPU area
 * @size: bytes per CPU
 * @align: alignment
 * @gfp: what the caller may do (GFP_KERNEL_ACCOUNT from the ioctls)
 */
void __percpu *bpfmap_percpu_alloc(size_t size, size_t align, gfp_t gfp)
{
	return __alloc_percpu_gfp(size, align, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_percpu_alloc);

/* Frees @h for real, reporting a write into it since it was poisoned. */
static void held_release(const struct pcpu_held *h)
{
	const u8 *bytes, *bad;
	int cpu;

	for_each_possible_cpu(cpu) {
		bytes = per_cpu_ptr(h->ptr, cpu);
		bad = memchr_inv(bytes, BPFMAP_PCPU_POISON, h->size);
		if (!bad)
			continue;
		pr_err("a %zu-byte per-CPU area was written after %pS freed it: cpu %d, byte %zu is %#x\n",
		       h->size, (void *)h->freed_at, cpu,
		       (size_t)(bad - bytes), *bad);
		print_hex_dump(KERN_ERR, "bpfmap: ", DUMP_PREFIX_OFFSET, 16,
			       1, bytes, min_t(size_t, h->size, 256), false);
		WARN_ONCE(1, "bpfmap: write into a freed per-CPU area\n");
		break;
	}
	free_percpu(h->ptr);
}

static u16 *held_chain(const void __percpu *ptr)
{
	return &q_chains[hash_ptr((__force void *)ptr, PCPU_HELD_HASH_BITS)];
}

/* The held entry of @ptr, or NULL. */
static struct pcpu_held *held_find(const void __percpu *ptr)
{
	u16 i;

	lockdep_assert_held(&q_lock);
	for (i = *held_chain(ptr); i; i = q_next[i - 1])
		if (q_ring[i - 1].ptr == ptr)
			return &q_ring[i - 1];
	return NULL;
}

/* Takes the oldest entry off the ring and its chain, into *@out. */
static void held_pop_oldest(struct pcpu_held *out)
{
	u16 *link, at = q_head + 1;

	lockdep_assert_held(&q_lock);
	*out = q_ring[q_head];
	/* Newest first: the oldest is the last of its chain. */
	link = held_chain(out->ptr);
	while (*link != at) {
		/* Not in its chain: leave the chains as they are. */
		if (WARN_ON_ONCE(!*link))
			goto next;
		link = &q_next[*link - 1];
	}
	*link = q_next[q_head];
next:
	q_head = (q_head + 1) % BPFMAP_PCPU_QUARANTINE_LEN;
	q_len--;
}

/**
 * bpfmap_percpu_quarantine - hold a poisoned area back from the allocator
 * @ptr: the area, poisoned on every possible CPU
 * @size: its size
 * @freed_at: the code that freed it
 * @first_freed_at: set to the code of the first free when this is a second
 *
 * Called where bpfmap_percpu_free() may be: any context but NMI (and, on
 * PREEMPT_RT, hardirq), as the area that leaves goes to free_percpu().
 * Returns -EEXIST, and holds nothing, when @ptr is held already: a second
 * free.  The oldest area leaves when the ring is full, and is checked and
 * freed after @q_lock is dropped.
 */
VISIBLE_IF_KUNIT int bpfmap_percpu_quarantine(void __percpu *ptr, size_t size,
					      unsigned long freed_at,
					      unsigned long *first_freed_at)
{
	struct pcpu_held out = {}, *first;
	unsigned long flags;
	unsigned int at;
	u16 *chain;

	raw_spin_lock_irqsave(&q_lock, flags);
	first = held_find(ptr);
	if (first) {
		*first_freed_at = first->freed_at;
		raw_spin_unlock_irqrestore(&q_lock, flags);
		return -EEXIST;
	}
	if (q_len >= q_cap())
		held_pop_oldest(&out);
	at = (q_head + q_len) % BPFMAP_PCPU_QUARANTINE_LEN;
	chain = held_chain(ptr);
	q_ring[at] = (struct pcpu_held){
		.ptr = ptr, .size = size, .freed_at = freed_at,
	};
	q_next[at] = *chain;
	*chain = at + 1;
	q_len++;
	raw_spin_unlock_irqrestore(&q_lock, flags);
	if (out.ptr)
		held_release(&out);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_percpu_quarantine);

/**
 * bpfmap_percpu_free - give back an area of bpfmap_percpu_alloc()
 * @ptr: the area, or NULL
 * @size: the size it was allocated with (a smaller size checks less)
 *
 * Called wherever free_percpu() may be: any context but NMI (and, on
 * PREEMPT_RT, hardirq).  The poison and the check run outside @q_lock.
 */
void bpfmap_percpu_free(void __percpu *ptr, size_t size)
{
	unsigned long first;
	int cpu;

	if (!ptr)
		return;
	if (!READ_ONCE(percpu_quarantine)) {
		free_percpu(ptr);
		return;
	}
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(ptr, cpu), BPFMAP_PCPU_POISON, size);
	if (bpfmap_percpu_quarantine(ptr, size, _RET_IP_, &first)) {
		/* The area stays with its first free. */
		pr_err("a %zu-byte per-CPU area was freed by %pS and again by %pS\n",
		       size, (void *)first, (void *)_RET_IP_);
		WARN_ONCE(1, "bpfmap: per-CPU area freed twice\n");
	}
}

/*
 * Check and free every held area.  Called at module exit, after the last
 * map is gone, so nothing can add to the FIFO any more.
 */
void bpfmap_percpu_drain(void)
{
	struct pcpu_held h;
	unsigned long flags;

	for (;;) {
		raw_spin_lock_irqsave(&q_lock, flags);
		if (!q_len) {
			raw_spin_unlock_irqrestore(&q_lock, flags);
			return;
		}
		held_pop_oldest(&h);
		raw_spin_unlock_irqrestore(&q_lock, flags);
		held_release(&h);
		cond_resched();
	}
}
