// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * LRU lists for the LRU hash types: which preallocated element a new key
 * gets, and which key goes when none is free.
 *
 * Every node sits on exactly one list.  A list set holds active, inactive
 * and free nodes; nodes are moved to the head of a list and taken from its
 * tail, and a node's ref bit (set when its element is used) buys it
 * another round:
 *
 * - rotation moves unreferenced active nodes to inactive and referenced
 *   inactive nodes back to active (clearing the bit on every move);
 * - shrinking evicts unreferenced inactive nodes, or, when it finds none
 *   in its scan budget, the oldest node whatever its bit.
 *
 * Common LRU (the default): one list set per map plus, per CPU, a local
 * cache of free nodes claimed in batches of target_free and a pending list
 * of nodes the CPU handed out since its last refill.  Refills flush the
 * pending nodes into the global lists, rotate, take free nodes, and shrink
 * when there are not enough; a CPU that still finds nothing steals a free
 * or pending node from another CPU's cache.
 *
 * Per-CPU LRU (BPFMAP_F_NO_COMMON_LRU): each CPU owns a list set with
 * max_entries / ncpus nodes, which never move to another CPU.
 *
 * Lock order: a CPU's local lock, then the global list lock, then (in the
 * evict callback) a hash bucket lock.  All are raw spinlocks taken with
 * interrupts off.
 */

#include <linux/cpumask.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include <kunit/visibility.h>

#include "lru_list.h"
#include "percpu_area.h"

#define LRU_COMMON_NR_SCANS	128U
#define LRU_COMMON_TARGET_MAX	128U
#define LRU_PERCPU_TARGET	4U
#define LRU_PERCPU_NR_SCANS	4U
/* Nodes put on the free lists between two chances to reschedule. */
#define LRU_POPULATE_BATCH	4096U

static bool type_is_counted(u8 type)
{
	return type == BPFMAP_LRU_ACTIVE || type == BPFMAP_LRU_INACTIVE;
}

static void node_set_hash(struct bpfmap_lru *lru, struct bpfmap_lru_node *node,
			  u32 hash)
{
	*(u32 *)((void *)node + lru->hash_offset) = hash;
}

/* @node leaves whatever list of @l it is on: fix the counts and cursor. */
static void list_leave(struct bpfmap_lru_list *l, struct bpfmap_lru_node *node)
{
	lockdep_assert_held(&l->lock);
	if (!type_is_counted(node->type))
		return;
	l->counts[node->type]--;
	if (l->next_inactive == &node->list)
		l->next_inactive = node->list.prev;
}

/* Move @node (on @l, or coming from a local list) to list @type of @l. */
static void list_move_node(struct bpfmap_lru_list *l,
			   struct bpfmap_lru_node *node, u8 type)
{
	list_leave(l, node);
	if (type_is_counted(type))
		l->counts[type]++;
	node->type = type;
	node->ref = 0;
	list_move(&node->list, &l->lists[type]);
}

/* Move @node from @l to @to, a free list outside @l's three. */
static void list_move_out(struct bpfmap_lru_list *l,
			  struct bpfmap_lru_node *node, struct list_head *to,
			  u8 type, int cpu)
{
	list_leave(l, node);
	node->type = type;
	node->ref = 0;
	node->cpu = cpu;
	list_move(&node->list, to);
}

static void rotate_active(struct bpfmap_lru *lru, struct bpfmap_lru_list *l)
{
	struct list_head *active = &l->lists[BPFMAP_LRU_ACTIVE];
	unsigned int n = min(lru->nr_scans, l->counts[BPFMAP_LRU_ACTIVE]);
	struct bpfmap_lru_node *node;

	while (n--) {
		node = list_last_entry(active, struct bpfmap_lru_node, list);
		list_move_node(l, node, READ_ONCE(node->ref) ?
			       BPFMAP_LRU_ACTIVE : BPFMAP_LRU_INACTIVE);
	}
}

/*
 * Walk the inactive list from the cursor towards its head, giving
 * referenced nodes back to the active list; the cursor remembers where the
 * next walk goes on.
 */
static void rotate_inactive(struct bpfmap_lru *lru, struct bpfmap_lru_list *l)
{
	struct list_head *inactive = &l->lists[BPFMAP_LRU_INACTIVE];
	struct list_head *cur = l->next_inactive, *prev;
	unsigned int n = min(lru->nr_scans, l->counts[BPFMAP_LRU_INACTIVE]);
	struct bpfmap_lru_node *node;

	while (n--) {
		if (cur == inactive)
			cur = cur->prev;
		if (cur == inactive)
			break;
		prev = cur->prev;
		node = list_entry(cur, struct bpfmap_lru_node, list);
		if (READ_ONCE(node->ref))
			list_move_node(l, node, BPFMAP_LRU_ACTIVE);
		cur = prev;
	}
	l->next_inactive = cur;
}

static void rotate(struct bpfmap_lru *lru, struct bpfmap_lru_list *l)
{
	lockdep_assert_held(&l->lock);
	if (l->counts[BPFMAP_LRU_INACTIVE] < l->counts[BPFMAP_LRU_ACTIVE])
		rotate_active(lru, l);
	rotate_inactive(lru, l);
}

/*
 * Evict up to @want elements of @l onto @to (type @type, owner @cpu) and
 * return how many went.  Unreferenced inactive nodes first; if the scan
 * budget finds none, one node from the tail of inactive, else of active,
 * whatever its ref bit.
 */
static unsigned int shrink(struct bpfmap_lru *lru, struct bpfmap_lru_list *l,
			   unsigned int want, struct list_head *to, u8 type,
			   int cpu)
{
	struct list_head *inactive = &l->lists[BPFMAP_LRU_INACTIVE];
	struct bpfmap_lru_node *node, *tmp;
	unsigned int scanned = 0, done = 0;
	struct list_head *victims;

	lockdep_assert_held(&l->lock);
	list_for_each_entry_safe_reverse(node, tmp, inactive, list) {
		if (done == want || scanned++ == lru->nr_scans)
			break;
		if (READ_ONCE(node->ref))
			list_move_node(l, node, BPFMAP_LRU_ACTIVE);
		else if (lru->evict(lru->evict_arg, node)) {
			list_move_out(l, node, to, type, cpu);
			done++;
		}
	}
	if (done)
		return done;

	victims = list_empty(inactive) ? &l->lists[BPFMAP_LRU_ACTIVE] :
					 inactive;
	list_for_each_entry_safe_reverse(node, tmp, victims, list) {
		if (lru->evict(lru->evict_arg, node)) {
			list_move_out(l, node, to, type, cpu);
			return 1;
		}
	}
	return 0;
}

/* ---- common LRU ---- */

static struct bpfmap_lru_node *lru_first(struct list_head *head)
{
	return list_first_entry_or_null(head, struct bpfmap_lru_node, list);
}

/*
 * Refill @loc (this CPU's cache, locked) from the global lists: flush its
 * pending nodes, rotate, claim free nodes and, if allowed, evict more.
 */
static void local_refill(struct bpfmap_lru *lru, struct bpfmap_lru_local *loc,
			 int cpu, bool may_evict)
{
	struct bpfmap_lru_list *l = &lru->common;
	struct bpfmap_lru_node *node, *tmp;
	unsigned int nfree = 0;

	lockdep_assert_held(&loc->lock);
	raw_spin_lock(&l->lock);

	list_for_each_entry_safe_reverse(node, tmp, &loc->pending, list)
		list_move_node(l, node, READ_ONCE(node->ref) ?
			       BPFMAP_LRU_ACTIVE : BPFMAP_LRU_INACTIVE);
	rotate(lru, l);

	list_for_each_entry_safe(node, tmp, &l->lists[BPFMAP_LRU_FREE], list) {
		list_move_out(l, node, &loc->free, BPFMAP_LRU_LOCAL_FREE, cpu);
		if (++nfree == lru->target_free)
			break;
	}
	if (nfree < lru->target_free && may_evict)
		shrink(lru, l, lru->target_free - nfree, &loc->free,
		       BPFMAP_LRU_LOCAL_FREE, cpu);
	raw_spin_unlock(&l->lock);
}

/* Take this CPU's first local free node onto its pending list. */
static struct bpfmap_lru_node *local_take(struct bpfmap_lru *lru,
					  struct bpfmap_lru_local *loc,
					  u32 hash)
{
	struct bpfmap_lru_node *node = lru_first(&loc->free);

	if (node) {
		node_set_hash(lru, node, hash);
		node->type = BPFMAP_LRU_LOCAL_PENDING;
		list_move(&node->list, &loc->pending);
	}
	return node;
}

/*
 * Take a node from another CPU's cache (@loc, locked): a free one, else an
 * evicted pending one, unreferenced first.  The node leaves every list.
 */
static struct bpfmap_lru_node *local_steal(struct bpfmap_lru *lru,
					   struct bpfmap_lru_local *loc)
{
	struct bpfmap_lru_node *node;
	bool any;

	node = lru_first(&loc->free);
	if (node)
		goto found;
	for (any = false; ; any = true) {
		list_for_each_entry_reverse(node, &loc->pending, list) {
			if ((any || !READ_ONCE(node->ref)) &&
			    lru->evict(lru->evict_arg, node))
				goto found;
		}
		if (any)
			return NULL;
	}
found:
	list_del_init(&node->list);
	return node;
}

static struct bpfmap_lru_node *common_pop_free(struct bpfmap_lru *lru,
					       u32 hash, bool may_evict)
{
	int cpu = raw_smp_processor_id(), steal, first_steal;
	struct bpfmap_lru_local *loc = per_cpu_ptr(lru->locals, cpu);
	struct bpfmap_lru_local *victim;
	struct bpfmap_lru_node *node;
	unsigned long flags;

	raw_spin_lock_irqsave(&loc->lock, flags);
	node = local_take(lru, loc, hash);
	if (!node) {
		local_refill(lru, loc, cpu, may_evict);
		node = local_take(lru, loc, hash);
	}
	raw_spin_unlock_irqrestore(&loc->lock, flags);
	if (node || !may_evict)
		return node;

	first_steal = READ_ONCE(loc->next_steal);
	steal = first_steal;
	do {
		victim = per_cpu_ptr(lru->locals, steal);
		raw_spin_lock_irqsave(&victim->lock, flags);
		node = local_steal(lru, victim);
		raw_spin_unlock_irqrestore(&victim->lock, flags);
		steal = cpumask_next(steal, cpu_possible_mask);
		if (steal >= nr_cpu_ids)
			steal = cpumask_first(cpu_possible_mask);
	} while (!node && steal != first_steal);
	WRITE_ONCE(loc->next_steal, steal);
	if (!node)
		return NULL;

	raw_spin_lock_irqsave(&loc->lock, flags);
	node_set_hash(lru, node, hash);
	node->cpu = cpu;
	node->ref = 0;
	node->type = BPFMAP_LRU_LOCAL_PENDING;
	list_add(&node->list, &loc->pending);
	raw_spin_unlock_irqrestore(&loc->lock, flags);
	return node;
}

static void common_push_free(struct bpfmap_lru *lru,
			    struct bpfmap_lru_node *node)
{
	struct bpfmap_lru_local *loc;
	unsigned long flags;

	if (READ_ONCE(node->type) == BPFMAP_LRU_LOCAL_PENDING) {
		loc = per_cpu_ptr(lru->locals, node->cpu);
		raw_spin_lock_irqsave(&loc->lock, flags);
		/* Its owner may have flushed it to the global lists since. */
		if (node->type == BPFMAP_LRU_LOCAL_PENDING) {
			node->type = BPFMAP_LRU_LOCAL_FREE;
			node->ref = 0;
			list_move(&node->list, &loc->free);
			raw_spin_unlock_irqrestore(&loc->lock, flags);
			return;
		}
		raw_spin_unlock_irqrestore(&loc->lock, flags);
	}
	raw_spin_lock_irqsave(&lru->common.lock, flags);
	list_move_node(&lru->common, node, BPFMAP_LRU_FREE);
	raw_spin_unlock_irqrestore(&lru->common.lock, flags);
}

/* ---- per-CPU LRU ---- */

static struct bpfmap_lru_node *percpu_pop_free(struct bpfmap_lru *lru,
					       u32 hash, bool may_evict)
{
	int cpu = raw_smp_processor_id();
	struct bpfmap_lru_list *l = per_cpu_ptr(lru->percpu_lists, cpu);
	struct list_head *free = &l->lists[BPFMAP_LRU_FREE];
	struct bpfmap_lru_node *node;
	unsigned long flags;

	raw_spin_lock_irqsave(&l->lock, flags);
	rotate(lru, l);
	node = lru_first(free);
	if (!node && may_evict) {
		shrink(lru, l, LRU_PERCPU_TARGET, free, BPFMAP_LRU_FREE, cpu);
		node = lru_first(free);
	}
	if (node) {
		node_set_hash(lru, node, hash);
		list_move_node(l, node, BPFMAP_LRU_INACTIVE);
	}
	raw_spin_unlock_irqrestore(&l->lock, flags);
	return node;
}

static void percpu_push_free(struct bpfmap_lru *lru,
			     struct bpfmap_lru_node *node)
{
	struct bpfmap_lru_list *l = per_cpu_ptr(lru->percpu_lists, node->cpu);
	unsigned long flags;

	raw_spin_lock_irqsave(&l->lock, flags);
	list_move_node(l, node, BPFMAP_LRU_FREE);
	raw_spin_unlock_irqrestore(&l->lock, flags);
}

/**
 * bpfmap_lru_pop_free - a node for a new element
 * @lru: the LRU
 * @hash: stored in the element, for the evict callback
 * @may_evict: false to use free nodes only, never evicting a key
 *
 * Any context; takes LRU locks and, when evicting, bucket locks, so the
 * caller must hold neither.  NULL when nothing could be had.
 */
struct bpfmap_lru_node *bpfmap_lru_pop_free(struct bpfmap_lru *lru, u32 hash,
					    bool may_evict)
{
	if (lru->percpu)
		return percpu_pop_free(lru, hash, may_evict);
	return common_pop_free(lru, hash, may_evict);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_lru_pop_free);

/**
 * bpfmap_lru_push_free - give back the node of an element that is gone
 * @lru: the LRU
 * @node: the node; its element is no longer in the hash table
 *
 * Any context; the caller must not hold a bucket lock.
 */
void bpfmap_lru_push_free(struct bpfmap_lru *lru, struct bpfmap_lru_node *node)
{
	if (WARN_ON_ONCE(node->type == BPFMAP_LRU_FREE ||
			 node->type == BPFMAP_LRU_LOCAL_FREE))
		return;
	if (lru->percpu)
		percpu_push_free(lru, node);
	else
		common_push_free(lru, node);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_lru_push_free);

static void list_init(struct bpfmap_lru_list *l)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(l->lists); i++)
		INIT_LIST_HEAD(&l->lists[i]);
	l->counts[BPFMAP_LRU_ACTIVE] = 0;
	l->counts[BPFMAP_LRU_INACTIVE] = 0;
	l->next_inactive = &l->lists[BPFMAP_LRU_INACTIVE];
	raw_spin_lock_init(&l->lock);
}

/**
 * bpfmap_lru_init - set up the lists of an LRU map
 * @lru: the LRU
 * @percpu: one list set per CPU (BPFMAP_F_NO_COMMON_LRU)
 * @max_entries: the map's capacity, which sizes the refill batch
 * @hash_offset: where the element's u32 hash sits, relative to its node
 * @evict: removes a node's element from the hash table
 * @evict_arg: its first argument
 * @gfp: how the caller allocates (map creation: BPFMAP_GFP)
 */
int bpfmap_lru_init(struct bpfmap_lru *lru, bool percpu, u32 max_entries,
		    u32 hash_offset, bpfmap_lru_evict_t evict, void *evict_arg,
		    gfp_t gfp)
{
	int cpu;

	lru->percpu = percpu;
	lru->hash_offset = hash_offset;
	lru->evict = evict;
	lru->evict_arg = evict_arg;
	if (percpu) {
		lru->percpu_lists = bpfmap_percpu_alloc(
			sizeof(struct bpfmap_lru_list),
			__alignof__(struct bpfmap_lru_list), gfp);
		if (!lru->percpu_lists)
			return -ENOMEM;
		for_each_possible_cpu(cpu)
			list_init(per_cpu_ptr(lru->percpu_lists, cpu));
		lru->target_free = LRU_PERCPU_TARGET;
		lru->nr_scans = LRU_PERCPU_NR_SCANS;
		return 0;
	}

	lru->locals = bpfmap_percpu_alloc(sizeof(struct bpfmap_lru_local),
					  __alignof__(struct bpfmap_lru_local),
					  gfp);
	if (!lru->locals)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct bpfmap_lru_local *loc = per_cpu_ptr(lru->locals, cpu);

		INIT_LIST_HEAD(&loc->free);
		INIT_LIST_HEAD(&loc->pending);
		loc->next_steal = cpu;
		raw_spin_lock_init(&loc->lock);
	}
	list_init(&lru->common);
	/* A CPU's cache may hold at most half of its share of the map. */
	lru->target_free = clamp(max_entries / num_possible_cpus() / 2, 1U,
				 LRU_COMMON_TARGET_MAX);
	lru->nr_scans = LRU_COMMON_NR_SCANS;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_lru_init);

void bpfmap_lru_destroy(struct bpfmap_lru *lru)
{
	if (lru->percpu)
		bpfmap_percpu_free(lru->percpu_lists,
				   sizeof(struct bpfmap_lru_list));
	else
		bpfmap_percpu_free(lru->locals,
				   sizeof(struct bpfmap_lru_local));
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_lru_destroy);

/* Put @node on the free list of @l, owned by @cpu. */
static void populate_node(struct bpfmap_lru_list *l,
			  struct bpfmap_lru_node *node, int cpu)
{
	node->type = BPFMAP_LRU_FREE;
	node->ref = 0;
	node->cpu = cpu;
	list_add(&node->list, &l->lists[BPFMAP_LRU_FREE]);
}

/**
 * bpfmap_lru_populate - put every preallocated node on a free list
 * @lru: the LRU
 * @elems: the first element
 * @elem_size: the stride between elements
 * @node_offset: where the node sits inside an element
 * @nr_elems: how many; for a per-CPU LRU a multiple of the possible CPUs
 *
 * Called at map creation, in process context (may sleep), before the map
 * is visible: no lock is taken, and a map of millions of elements
 * reschedules every LRU_POPULATE_BATCH nodes instead of holding the CPU
 * with interrupts off.
 */
void bpfmap_lru_populate(struct bpfmap_lru *lru, void *elems, u32 elem_size,
			 u32 node_offset, u32 nr_elems)
{
	u32 per_cpu = lru->percpu ? nr_elems / num_possible_cpus() : nr_elems;
	struct bpfmap_lru_list *l = &lru->common;
	u32 i = 0, n;
	int cpu;

	might_sleep();
	for_each_possible_cpu(cpu) {
		if (lru->percpu)
			l = per_cpu_ptr(lru->percpu_lists, cpu);
		for (n = 0; n < per_cpu && i < nr_elems; n++, i++) {
			populate_node(l, elems + (size_t)i * elem_size +
					 node_offset, cpu);
			if (!((i + 1) % LRU_POPULATE_BATCH))
				cond_resched();
		}
		if (!lru->percpu)
			break;
	}
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_lru_populate);
