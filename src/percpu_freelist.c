// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The per-CPU free list of preallocated hash elements.
 *
 * Frees go to the current CPU's list and allocations try the current CPU
 * first, so a CPU that inserts and deletes keeps to its own cache lines and
 * its own lock.  Only when a list is empty does a pop look at the other
 * CPUs, in wrap-around order, skipping lists that look empty without
 * taking their locks; so a full map answers "no element" after one pass of
 * unlocked reads rather than after taking every CPU's lock.
 */

#include <linux/cpumask.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include <kunit/visibility.h>

#include "percpu_freelist.h"
#include "percpu_area.h"

/* Elements put on the lists between two chances to reschedule. */
#define FREELIST_POPULATE_BATCH	4096U

/* @gfp: how the caller allocates (map creation: BPFMAP_GFP). */
int bpfmap_freelist_init(struct bpfmap_freelist *fl, gfp_t gfp)
{
	int cpu;

	fl->heads = bpfmap_percpu_alloc(sizeof(struct bpfmap_freelist_head),
					__alignof__(struct bpfmap_freelist_head),
					gfp);
	if (!fl->heads)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct bpfmap_freelist_head *head = per_cpu_ptr(fl->heads, cpu);

		raw_spin_lock_init(&head->lock);
		head->first = NULL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_freelist_init);

void bpfmap_freelist_destroy(struct bpfmap_freelist *fl)
{
	bpfmap_percpu_free(fl->heads, sizeof(struct bpfmap_freelist_head));
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_freelist_destroy);

static void head_push(struct bpfmap_freelist_head *head,
		      struct bpfmap_freelist_node *node)
{
	lockdep_assert_held(&head->lock);
	node->next = head->first;
	WRITE_ONCE(head->first, node);
}

/**
 * bpfmap_freelist_populate - spread @nr_elems elements over the CPUs
 * @fl: the list
 * @elems: the first element
 * @elem_size: the stride between elements
 * @node_offset: where the node sits inside an element
 * @nr_elems: how many
 *
 * Called at map creation, in process context (may sleep), before anyone
 * else sees the list: no lock is taken, and a map of millions of elements
 * reschedules every FREELIST_POPULATE_BATCH of them instead of holding the
 * CPU with interrupts off.  The first nr_elems % ncpus CPUs get one element
 * more than the others.
 */
void bpfmap_freelist_populate(struct bpfmap_freelist *fl, void *elems,
			      u32 elem_size, u32 node_offset, u32 nr_elems)
{
	u32 ncpus = num_possible_cpus();
	u32 per_cpu = nr_elems / ncpus, extra = nr_elems % ncpus;
	struct bpfmap_freelist_node *node;
	u32 i = 0, n;
	int cpu;

	might_sleep();
	for_each_possible_cpu(cpu) {
		struct bpfmap_freelist_head *head = per_cpu_ptr(fl->heads, cpu);

		for (n = per_cpu + (extra ? 1 : 0); n && i < nr_elems;
		     n--, i++) {
			node = elems + (size_t)i * elem_size + node_offset;
			node->next = head->first;
			head->first = node;
			if (!((i + 1) % FREELIST_POPULATE_BATCH))
				cond_resched();
		}
		if (extra)
			extra--;
	}
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_freelist_populate);

/* Any context. */
void bpfmap_freelist_push(struct bpfmap_freelist *fl,
			  struct bpfmap_freelist_node *node)
{
	struct bpfmap_freelist_head *head;
	unsigned long flags;

	local_irq_save(flags);
	head = this_cpu_ptr(fl->heads);
	raw_spin_lock(&head->lock);
	head_push(head, node);
	raw_spin_unlock(&head->lock);
	local_irq_restore(flags);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_freelist_push);

static struct bpfmap_freelist_node *
head_pop(struct bpfmap_freelist_head *head)
{
	struct bpfmap_freelist_node *node;
	unsigned long flags;

	if (!READ_ONCE(head->first))
		return NULL;
	raw_spin_lock_irqsave(&head->lock, flags);
	node = head->first;
	if (node)
		WRITE_ONCE(head->first, node->next);
	raw_spin_unlock_irqrestore(&head->lock, flags);
	return node;
}

/* Any context.  NULL when every CPU's list is empty. */
struct bpfmap_freelist_node *bpfmap_freelist_pop(struct bpfmap_freelist *fl)
{
	struct bpfmap_freelist_node *node;
	int start = raw_smp_processor_id(), cpu = start;

	do {
		node = head_pop(per_cpu_ptr(fl->heads, cpu));
		if (node)
			return node;
		cpu = cpumask_next(cpu, cpu_possible_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_possible_mask);
	} while (cpu != start);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_freelist_pop);
