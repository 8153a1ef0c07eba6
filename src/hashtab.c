// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The hash engine: BPFMAP_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH,
 * LRU_PERCPU_HASH and HASH_OF_MAPS, each with its own ops table at the
 * bottom of this file.  A HASH_OF_MAPS element holds a counted pointer to
 * its inner map; userspace writes an inner map fd and reads its id.
 *
 * Buckets are hlist_nulls lists whose end marker carries the bucket index.
 * Lookups take no lock, only RCU: elements are recycled at once (the
 * preallocated pools) or freed after a grace period (BPFMAP_F_NO_PREALLOC),
 * so a reader may walk into an element that moved to another bucket; it
 * notices by the foreign end marker and walks its bucket again.
 *
 * Writers take the bucket lock.  A replacement links the new element at
 * the head before it unlinks the old one, so a concurrent reader finds one
 * of the two.  Per-CPU types update an existing element in place, as the
 * kernel does.
 *
 * Memory: by default every element (and its per-CPU value area) is
 * allocated at creation; plain HASH gets one spare element per CPU so that
 * replacing a key never fails on a full map.  With BPFMAP_F_NO_PREALLOC an
 * element is allocated on insert, outside the bucket lock, and freed after
 * a grace period; the element count is a per-CPU counter when the map is
 * large enough for an atomic to become a hot spot.  LRU types always
 * preallocate and take their elements from lru_list.c.
 */

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/preempt.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/rculist_nulls.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <kunit/visibility.h>

#include "bpfmap.h"
#include "hashtab.h"
#include "lru_list.h"
#include "percpu_area.h"
#include "percpu_freelist.h"

#define HTAB_CREATE_FLAG_MASK						\
	(BPFMAP_F_NO_PREALLOC | BPFMAP_F_NO_COMMON_LRU |		\
	 BPFMAP_F_NUMA_NODE | BPFMAP_F_RDONLY | BPFMAP_F_WRONLY |	\
	 BPFMAP_F_RDONLY_PROG | BPFMAP_F_WRONLY_PROG | BPFMAP_F_ZERO_SEED)

/* Re-entry guards per CPU; a bucket uses guard (hash & mask). */
#define HTAB_LOCK_GUARDS	8U

/* Above this many entries per online CPU the element count is per-CPU. */
#define HTAB_COUNTER_BATCH	32

/*
 * Buckets a whole-table loop handles between two chances to reschedule;
 * also the most empty buckets get_next_key passes under one RCU read
 * section.
 */
#define HTAB_RESCHED_BATCH	1024U

/*
 * Each bucket's lock protects its chain against other writers: linking,
 * unlinking and, for per-CPU and LRU types, in-place value updates.  It is
 * a raw spinlock taken with interrupts off, so the map may be updated from
 * any context but NMI.  Lock order: LRU list locks before bucket locks
 * (eviction runs under the LRU lock and takes the victim's bucket lock);
 * bucket lock before the free-list locks.  Readers never take it.
 */
struct htab_bucket {
	struct hlist_nulls_head head;
	raw_spinlock_t lock;
};

/*
 * Per-CPU depth of each re-entry guard.  A bucket lock attempt on a CPU
 * that already holds a lock of the same guard (an NMI or a tracing hook
 * running inside the locked section, calling into the same map) fails
 * with EBUSY instead of spinning on itself forever, as the kernel's hash
 * maps did up to 6.14.
 */
struct htab_guards {
	int depth[HTAB_LOCK_GUARDS];
};

/**
 * struct htab_elem - one element; the key follows, then the value (or,
 *	for per-CPU types, a pointer to the per-CPU value area)
 * @hash_node: the bucket chain link
 * @padding: hash_node.next, left alone while the element is free
 * @fnode: free-list link; overlays hash_node.pprev only, because lockless
 *	readers may still follow hash_node.next of a freed element
 * @lru_node: LRU types: the element's place in the LRU lists
 * @rcu: BPFMAP_F_NO_PREALLOC: deferred free
 * @rcu_pptr: BPFMAP_F_NO_PREALLOC per-CPU types: the area to free with it
 * @hash: the full hash of the key, compared before the key
 * @seq: odd while the key or value is being written (elem_write_begin()),
 *	so that a reader copying without the bucket lock can tell a torn
 *	copy; written only by the one writer of the element, which holds the
 *	bucket lock or owns the element outright (just taken off a free list)
 * @key: key_size bytes, padded to 8
 */
struct htab_elem {
	union {
		struct hlist_nulls_node hash_node;
		struct {
			void *padding;
			struct bpfmap_freelist_node fnode;
		};
	};
	union {
		struct bpfmap_lru_node lru_node;
		struct {
			struct rcu_head rcu;
			void __percpu *rcu_pptr;
		};
	};
	u32 hash;
	u32 seq;
	char key[] __aligned(8);
};

/**
 * struct bpfmap_htab - a hash map
 * @map: the generic part, first
 * @buckets: n_buckets buckets
 * @elems: the preallocated elements (unless BPFMAP_F_NO_PREALLOC)
 * @freelist: free preallocated elements (non-LRU types)
 * @lru: LRU types: every element's place
 * @extra_elems: plain HASH: one spare element per CPU, used only under a
 *	bucket lock with interrupts off on that CPU
 * @guards: the re-entry guards
 * @count: BPFMAP_F_NO_PREALLOC: number of elements (small maps)
 * @pcount: the same for large maps
 * @use_pcount: @pcount rather than @count counts the elements
 * @n_buckets: a power of two >= max_entries
 * @elem_size: bytes per element
 * @hashrnd: the jhash seed
 */
struct bpfmap_htab {
	struct bpfmap map;
	struct htab_bucket *buckets;
	void *elems;
	union {
		struct bpfmap_freelist freelist;
		struct bpfmap_lru lru;
	};
	struct htab_elem * __percpu *extra_elems;
	struct htab_guards __percpu *guards;
	atomic_t count;
	struct percpu_counter pcount;
	bool use_pcount;
	u32 n_buckets;
	u32 elem_size;
	u32 hashrnd;
};

static struct bpfmap_htab *to_htab(const struct bpfmap *map)
{
	return container_of(map, struct bpfmap_htab, map);
}

static bool type_is_lru(u32 type)
{
	return type == BPFMAP_MAP_TYPE_LRU_HASH ||
	       type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool type_is_percpu(u32 type)
{
	return type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	       type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool htab_is_lru(const struct bpfmap_htab *htab)
{
	return type_is_lru(htab->map.map_type);
}

static bool htab_is_percpu(const struct bpfmap_htab *htab)
{
	return type_is_percpu(htab->map.map_type);
}

static bool htab_is_of_maps(const struct bpfmap_htab *htab)
{
	return htab->map.map_type == BPFMAP_MAP_TYPE_HASH_OF_MAPS;
}

static bool htab_is_prealloc(const struct bpfmap_htab *htab)
{
	return !(htab->map.map_flags & BPFMAP_F_NO_PREALLOC);
}

static bool htab_has_extra_elems(const struct bpfmap_htab *htab)
{
	return htab_is_prealloc(htab) && !htab_is_percpu(htab) &&
	       !htab_is_lru(htab);
}

static void *elem_value(const struct bpfmap_htab *htab, struct htab_elem *l)
{
	return l->key + round_up(htab->map.key_size, 8);
}

static void __percpu *elem_pptr(const struct bpfmap_htab *htab,
				struct htab_elem *l)
{
	return *(void __percpu **)elem_value(htab, l);
}

/* HASH_OF_MAPS: the element's value is an RCU-published inner map. */
static struct bpfmap __rcu **elem_inner_slot(const struct bpfmap_htab *htab,
					     struct htab_elem *l)
{
	return (struct bpfmap __rcu **)elem_value(htab, l);
}

/*
 * The inner map, for a reader under RCU or a writer under the bucket lock
 * (a raw spinlock with interrupts off, which is an RCU-sched section).
 */
static struct bpfmap *elem_inner(const struct bpfmap_htab *htab,
				 struct htab_elem *l)
{
	return rcu_dereference_check(*elem_inner_slot(htab, l),
				     rcu_read_lock_sched_held());
}

/* The inner map of an element nobody else can reach any more. */
static struct bpfmap *elem_inner_owned(const struct bpfmap_htab *htab,
				       struct htab_elem *l)
{
	return rcu_dereference_protected(*elem_inner_slot(htab, l), true);
}

/* memcpy(), without a call for the common key and value sizes. */
static __always_inline void copy_small(void *dst, const void *src, u32 size)
{
	/* With a constant size the compiler moves it in registers. */
	switch (size) {
	case 4:
		memcpy(dst, src, 4);
		return;
	case 8:
		memcpy(dst, src, 8);
		return;
	}
	memcpy(dst, src, size);
}

/* The user's view of a value: HASH_OF_MAPS shows the inner map's id. */
static __always_inline void elem_copy_value(struct bpfmap_htab *htab,
					    struct htab_elem *l, void *value,
					    u64 flags)
{
	if (htab_is_percpu(htab))
		bpfmap_percpu_copy_out(&htab->map, elem_pptr(htab, l), value,
				       flags);
	else if (htab_is_of_maps(htab))
		*(u32 *)value = bpfmap_inner_id(elem_inner(htab, l));
	else
		copy_small(value, elem_value(htab, l), htab->map.value_size);
}

static void elem_set_pptr(const struct bpfmap_htab *htab, struct htab_elem *l,
			  void __percpu *pptr)
{
	*(void __percpu **)elem_value(htab, l) = pptr;
}

static struct htab_elem *prealloc_elem(const struct bpfmap_htab *htab, u32 i)
{
	return htab->elems + (size_t)i * htab->elem_size;
}

static __always_inline u32 htab_hash(const struct bpfmap_htab *htab,
				     const void *key)
{
	u32 len = htab->map.key_size;

	if (likely(!(len & 3)))
		return jhash2(key, len / 4, htab->hashrnd);
	return jhash(key, len, htab->hashrnd);
}

static struct htab_bucket *htab_bucket(const struct bpfmap_htab *htab,
				       u32 hash)
{
	return &htab->buckets[hash & (htab->n_buckets - 1)];
}

static u32 htab_guard(const struct bpfmap_htab *htab, u32 hash)
{
	return hash & min(HTAB_LOCK_GUARDS - 1, htab->n_buckets - 1);
}

/*
 * Enter the re-entry guard of @hash's bucket on this CPU and take @b's
 * lock, with interrupts off; false (and nothing entered) when this CPU is
 * inside that guard already.  Call it as htab_lock_bucket(), which tells
 * sparse that the lock is held when it returns true; the __release() here
 * hands the acquire over to that wrapper.
 */
static __always_inline bool __htab_lock_bucket(struct bpfmap_htab *htab,
					       struct htab_bucket *b, u32 hash,
					       unsigned long *irqflags)
{
	int *depth;

	local_irq_save(*irqflags);
	depth = &this_cpu_ptr(htab->guards)->depth[htab_guard(htab, hash)];
	if (unlikely(++*depth != 1)) {
		--*depth;
		local_irq_restore(*irqflags);
		return false;
	}
	raw_spin_lock(&b->lock);
	__release(&b->lock);
	return true;
}

#define htab_lock_bucket(htab, b, hash, irqflags)			\
	__cond_lock(&(b)->lock, __htab_lock_bucket(htab, b, hash, irqflags))

/* Undoes a htab_lock_bucket() that returned true. */
static __always_inline void htab_unlock_bucket(struct bpfmap_htab *htab,
					       struct htab_bucket *b, u32 hash,
					       unsigned long irqflags)
	__releases(&b->lock)
{
	lockdep_assert_held(&b->lock);
	raw_spin_unlock(&b->lock);
	this_cpu_ptr(htab->guards)->depth[htab_guard(htab, hash)]--;
	local_irq_restore(irqflags);
}

/* memcmp(a, b, size) == 0, without a call for the common key sizes. */
static __always_inline bool key_equal(const void *a, const void *b, u32 size)
{
	/* With a constant size the compiler compares in registers. */
	switch (size) {
	case 4:
		return !memcmp(a, b, 4);
	case 8:
		return !memcmp(a, b, 8);
	}
	return !memcmp(a, b, size);
}

/*
 * Find @key in a chain.  Under RCU or the bucket lock.  Restarts when the
 * walk ends on another bucket's marker: an element it passed was recycled
 * into another bucket, so the rest of this chain was not seen.
 *
 * Inlined into every caller: the lookup ioctl's path runs through here.
 */
static __always_inline struct htab_elem *
lookup_elem(const struct bpfmap_htab *htab, struct htab_bucket *b, u32 hash,
	    const void *key)
{
	u32 key_size = htab->map.key_size;
	struct hlist_nulls_node *n;
	struct htab_elem *l;

again:
	hlist_nulls_for_each_entry_rcu(l, n, &b->head, hash_node)
		if (l->hash == hash && key_equal(l->key, key, key_size))
			return l;
	if (unlikely(get_nulls_value(n) != (hash & (htab->n_buckets - 1))))
		goto again;
	return NULL;
}

static bool htab_key_exists(const struct bpfmap_htab *htab, u32 hash,
			    const void *key)
{
	bool found;

	rcu_read_lock();
	found = lookup_elem(htab, htab_bucket(htab, hash), hash, key);
	rcu_read_unlock();
	return found;
}

/* BPFMAP_NOEXIST on a present key, BPFMAP_EXIST on a missing one. */
static int check_op(const struct htab_elem *old, u32 op)
{
	if (old && op == BPFMAP_NOEXIST)
		return -EEXIST;
	if (!old && op == BPFMAP_EXIST)
		return -ENOENT;
	return 0;
}

/*
 * The create/replace mode of an update.  Plain types pass only ANY,
 * NOEXIST or EXIST here.  Per-CPU types follow v7.0, which compares the
 * whole low word with NOEXIST/EXIST; beyond v7.0, when a CPU flag is set
 * the NOEXIST/EXIST bits still count instead of being ignored.
 */
static u32 update_op(u64 flags)
{
	if (flags & (BPFMAP_F_CPU | BPFMAP_F_ALL_CPUS))
		return flags & (BPFMAP_NOEXIST | BPFMAP_EXIST);
	return (u32)flags;
}

/* ---- element memory ---- */

static void elem_free_now(struct bpfmap_htab *htab, struct htab_elem *l)
{
	if (htab_is_percpu(htab))
		bpfmap_percpu_free(elem_pptr(htab, l),
				   bpfmap_percpu_slot_size(&htab->map));
	kfree(l);
}

static void elem_free_rcu(struct rcu_head *head)
{
	struct htab_elem *l = container_of(head, struct htab_elem, rcu);

	/*
	 * The map may be gone by now, and with it the slot size: give the
	 * smallest one, which covers the first value bytes and, for small
	 * values, their padding.
	 */
	bpfmap_percpu_free(l->rcu_pptr, 8);
	kfree(l);
}

/* BPFMAP_F_NO_PREALLOC: readers may still see @l; free after them. */
static void elem_free_deferred(struct bpfmap_htab *htab, struct htab_elem *l)
{
	l->rcu_pptr = htab_is_percpu(htab) ? elem_pptr(htab, l) : NULL;
	call_rcu(&l->rcu, elem_free_rcu);
}

/*
 * BPFMAP_F_NO_PREALLOC allocates before any bucket lock is taken, as the
 * caller allows: a caller that may sleep (the ioctls) gets GFP_KERNEL, as
 * atomic per-CPU allocations cannot grow the per-CPU pool and fail far
 * too early; an atomic caller gets GFP_ATOMIC.  Either is charged to the
 * caller's memory cgroup.  A caller that may not allocate at all
 * (BPFMAP_CTX_NOALLOC: PREEMPT_RT with preemption or interrupts off) gets
 * EBUSY, as it would for a lock it may not take.
 */
static struct htab_elem *elem_alloc(struct bpfmap_htab *htab,
				    enum bpfmap_ctx ctx)
{
	gfp_t gfp = GFP_ATOMIC | __GFP_NOWARN | __GFP_ACCOUNT;
	struct htab_elem *l;
	void __percpu *pptr;

	if (ctx == BPFMAP_CTX_NOALLOC)
		return ERR_PTR(-EBUSY);
	if (ctx == BPFMAP_CTX_SLEEP) {
		might_sleep();
		gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_ACCOUNT |
		      __GFP_NORETRY;
	}
	l = kmalloc_node(htab->elem_size, gfp, htab->map.numa_node);
	if (!l)
		return ERR_PTR(-ENOMEM);
	/* Even: no write under way (elem_write_begin()). */
	l->seq = 0;
	if (htab_is_percpu(htab)) {
		pptr = bpfmap_percpu_alloc(bpfmap_percpu_slot_size(&htab->map),
					   8, gfp);
		if (!pptr) {
			kfree(l);
			return ERR_PTR(-ENOMEM);
		}
		elem_set_pptr(htab, l, pptr);
	}
	return l;
}

/* BPFMAP_F_NO_PREALLOC: room for one more element? Takes it if so. */
static bool count_inc(struct bpfmap_htab *htab)
{
	u32 max = htab->map.max_entries;

	if (htab->use_pcount) {
		if (__percpu_counter_compare(&htab->pcount, max,
					     HTAB_COUNTER_BATCH) >= 0)
			return false;
		percpu_counter_add_batch(&htab->pcount, 1, HTAB_COUNTER_BATCH);
		return true;
	}
	if (atomic_inc_return(&htab->count) > max) {
		atomic_dec(&htab->count);
		return false;
	}
	return true;
}

static void count_dec(struct bpfmap_htab *htab)
{
	if (htab->use_pcount)
		percpu_counter_add_batch(&htab->pcount, -1, HTAB_COUNTER_BATCH);
	else
		atomic_dec(&htab->count);
}

/*
 * An element left its bucket and the bucket lock is dropped: back to the
 * LRU or the free list, or freed after a grace period.
 */
static void elem_release(struct bpfmap_htab *htab, struct htab_elem *l)
{
	if (htab_is_of_maps(htab))
		bpfmap_put(elem_inner_owned(htab, l));
	if (htab_is_lru(htab)) {
		bpfmap_lru_push_free(&htab->lru, &l->lru_node);
	} else if (htab_is_prealloc(htab)) {
		bpfmap_freelist_push(&htab->freelist, &l->fnode);
	} else {
		count_dec(htab);
		elem_free_deferred(htab, l);
	}
}

/*
 * Bracket every write of an element's key or value by the map's own
 * update paths that a lockless reader may see: a recycled element can
 * still be reached by one that found it before it was freed, and per-CPU
 * values are rewritten in place.  (Kernel code writing through the
 * pointer bpfmap_kernel_lookup() returned is not bracketed, as a BPF
 * program's writes are not.)  A reader takes elem_read_begin() before its
 * copy and checks elem_read_retry() after it.  Writers of one element are
 * serialized by the lock of @b, the bucket it is in or is being linked
 * into (an element on its way in is reachable from nowhere else).
 */
static void elem_write_begin(struct htab_bucket *b, struct htab_elem *l)
{
	lockdep_assert_held(&b->lock);
	WRITE_ONCE(l->seq, l->seq + 1);
	/* The odd sequence before the writes: elem_read_retry()'s rmb. */
	smp_wmb();
}

static void elem_write_end(struct htab_elem *l)
{
	/* The writes before the even sequence: elem_read_begin()'s rmb. */
	smp_wmb();
	WRITE_ONCE(l->seq, l->seq + 1);
}

/* The sequence to compare after a copy; odd: a write is under way. */
static u32 elem_read_begin(const struct htab_elem *l)
{
	u32 seq = READ_ONCE(l->seq);

	/* The sequence before the copy: elem_write_end()'s wmb. */
	smp_rmb();
	return seq;
}

/* Whether a copy that started at @seq may be torn. */
static bool elem_read_retry(const struct htab_elem *l, u32 seq)
{
	/* The copy before the sequence: elem_write_begin()'s wmb. */
	smp_rmb();
	return (seq & 1) || READ_ONCE(l->seq) != seq;
}

static void elem_fill(struct bpfmap_htab *htab, struct htab_bucket *b,
		      struct htab_elem *l, const void *key, u32 hash,
		      const void *value, u64 flags)
{
	elem_write_begin(b, l);
	l->hash = hash;
	/* A walker reads the key before the hash: elem_key_in_bucket(). */
	smp_wmb();
	memcpy(l->key, key, htab->map.key_size);
	if (htab_is_percpu(htab))
		bpfmap_percpu_copy_in(&htab->map, elem_pptr(htab, l), value,
				      flags, true);
	else if (htab_is_of_maps(htab))
		/* Published by linking the element into its bucket. */
		RCU_INIT_POINTER(*elem_inner_slot(htab, l),
				 *(struct bpfmap * const *)value);
	else
		memcpy(elem_value(htab, l), value, htab->map.value_size);
	elem_write_end(l);
}

/* ---- element operations ---- */

/* Called from syscall or in-kernel users; any context but NMI. */
static int htab_map_lookup_elem(struct bpfmap *map, const void *key,
				void *value, u64 flags)
{
	struct bpfmap_htab *htab = to_htab(map);
	u32 hash = htab_hash(htab, key);
	struct htab_elem *l;
	int err = 0;

	rcu_read_lock();
again:
	l = lookup_elem(htab, htab_bucket(htab, hash), hash, key);
	if (l) {
		elem_copy_value(htab, l, value, flags);
		/*
		 * Elements are reused without a grace period (preallocated,
		 * LRU): if this one now holds another key, what was copied
		 * may be that key's value (a map-of-maps slot would name
		 * another owner's inner map), so look again.  Pairs with
		 * the smp_wmb() in elem_fill().
		 */
		smp_rmb();
		if (unlikely(READ_ONCE(l->hash) != hash ||
			     !key_equal(l->key, key, htab->map.key_size)))
			goto again;
	} else {
		err = -ENOENT;
	}
	rcu_read_unlock();
	return err;
}

/*
 * Called under RCU from in-kernel users: the value, this CPU's slot for
 * per-CPU types.  Unlike the syscall lookup this one marks an LRU element
 * as used, so it survives the next shrink.
 */
static void *htab_map_lookup_ptr(struct bpfmap *map, const void *key)
{
	struct bpfmap_htab *htab = to_htab(map);
	u32 hash = htab_hash(htab, key);
	struct htab_elem *l;

	l = lookup_elem(htab, htab_bucket(htab, hash), hash, key);
	if (!l)
		return NULL;
	if (htab_is_lru(htab))
		bpfmap_lru_node_set_ref(&l->lru_node);
	if (htab_is_percpu(htab))
		return this_cpu_ptr(elem_pptr(htab, l));
	if (htab_is_of_maps(htab))
		return elem_inner(htab, l);
	return elem_value(htab, l);
}

/*
 * Called under RCU from in-kernel users on the per-CPU types: @cpu's slot
 * (< nr_cpu_ids); marks an LRU element as used, as htab_map_lookup_ptr().
 */
static void *htab_percpu_map_lookup_percpu_ptr(struct bpfmap *map,
					       const void *key, u32 cpu)
{
	struct bpfmap_htab *htab = to_htab(map);
	u32 hash = htab_hash(htab, key);
	struct htab_elem *l;

	l = lookup_elem(htab, htab_bucket(htab, hash), hash, key);
	if (!l)
		return NULL;
	if (htab_is_lru(htab))
		bpfmap_lru_node_set_ref(&l->lru_node);
	return per_cpu_ptr(elem_pptr(htab, l), cpu);
}

/*
 * A new element for a preallocated non-LRU map, under @b's lock: the spare
 * of this CPU when @old is being replaced (plain HASH), else one from the
 * free list; NULL when the map is full.
 */
static struct htab_elem *prealloc_take(struct bpfmap_htab *htab,
				       struct htab_bucket *b,
				       struct htab_elem *old)
{
	struct bpfmap_freelist_node *node;
	struct htab_elem **spare;

	lockdep_assert_held(&b->lock);
	if (old && htab_has_extra_elems(htab)) {
		spare = this_cpu_ptr(htab->extra_elems);
		return *spare;
	}
	node = bpfmap_freelist_pop(&htab->freelist);
	return node ? container_of(node, struct htab_elem, fnode) : NULL;
}

/*
 * Update of HASH, PERCPU_HASH and HASH_OF_MAPS, flags already checked.
 * For BPFMAP_F_NO_PREALLOC the new element is allocated before the bucket
 * lock, as @ctx allows; a per-CPU map updating a key that exists needs
 * none, and if the key vanished before the lock was taken the update
 * starts over.  Any context but NMI; sleeps only for BPFMAP_CTX_SLEEP.
 */
static int htab_update(struct bpfmap_htab *htab, const void *key,
		       const void *value, u64 flags, enum bpfmap_ctx ctx)
{
	bool percpu = htab_is_percpu(htab), prealloc = htab_is_prealloc(htab);
	u32 hash = htab_hash(htab, key), op = update_op(flags);
	struct htab_bucket *b = htab_bucket(htab, hash);
	struct htab_elem *new = NULL, *old, *gone = NULL;
	struct bpfmap *old_inner = NULL;
	unsigned long irqflags;
	int err;

again:
	if (!prealloc && !new && !(percpu && htab_key_exists(htab, hash, key))) {
		new = elem_alloc(htab, ctx);
		if (IS_ERR(new))
			return PTR_ERR(new);
	}
	if (!htab_lock_bucket(htab, b, hash, &irqflags)) {
		err = -EBUSY;
		goto out_free;
	}

	old = lookup_elem(htab, b, hash, key);
	err = check_op(old, op);
	if (err)
		goto out_unlock;
	if (percpu && old) {
		elem_write_begin(b, old);
		bpfmap_percpu_copy_in(&htab->map, elem_pptr(htab, old), value,
				      flags, false);
		elem_write_end(old);
		goto out_unlock;
	}
	if (prealloc) {
		new = prealloc_take(htab, b, old);
		if (!new) {
			/* All elements are in use. */
			err = -E2BIG;
			goto out_unlock;
		}
	} else if (!new) {
		htab_unlock_bucket(htab, b, hash, irqflags);
		goto again;
	} else if (!old && !count_inc(htab)) {
		err = -E2BIG;
		goto out_unlock;
	}

	elem_fill(htab, b, new, key, hash, value, flags);
	hlist_nulls_add_head_rcu(&new->hash_node, &b->head);
	new = NULL;
	if (old) {
		hlist_nulls_del_rcu(&old->hash_node);
		if (htab_is_of_maps(htab))
			old_inner = elem_inner(htab, old);
		if (htab_has_extra_elems(htab))
			*this_cpu_ptr(htab->extra_elems) = old;
		else if (prealloc)
			bpfmap_freelist_push(&htab->freelist, &old->fnode);
		else
			gone = old;
	}
out_unlock:
	htab_unlock_bucket(htab, b, hash, irqflags);
	if (old_inner)
		bpfmap_put(old_inner);
	if (gone)
		elem_free_deferred(htab, gone);
out_free:
	/* Never published: nobody can see it. */
	if (new && !prealloc)
		elem_free_now(htab, new);
	return err;
}

/* Called from syscall or in-kernel users; any context but NMI. */
static int htab_map_update_elem(struct bpfmap *map, const void *key,
				const void *value, u64 flags,
				enum bpfmap_ctx ctx)
{
	if ((flags & ~BPFMAP_F_LOCK) > BPFMAP_EXIST)
		return -EINVAL;
	return htab_update(to_htab(map), key, value, flags, ctx);
}

/* Called from syscall or in-kernel users; any context but NMI. */
static int htab_percpu_map_update_elem(struct bpfmap *map, const void *key,
				       const void *value, u64 flags,
				       enum bpfmap_ctx ctx)
{
	if ((flags & BPFMAP_F_LOCK) || (u32)flags > BPFMAP_F_ALL_CPUS)
		return -EINVAL;
	return htab_update(to_htab(map), key, value, flags, ctx);
}

/*
 * Called from syscall or in-kernel users; any context but NMI.  @value
 * holds a struct bpfmap * (the ioctl resolved the user's fd); ANY, NOEXIST
 * or EXIST.  The element takes its own reference on its inner map.
 */
static int htab_of_maps_update_elem(struct bpfmap *map, const void *key,
				    const void *value, u64 flags,
				    enum bpfmap_ctx ctx)
{
	struct bpfmap *inner = *(struct bpfmap * const *)value;
	int err;

	/* As bpf(2): the inner map is checked before the flags. */
	err = bpfmap_inner_check(map, inner);
	if (err)
		return err;
	if (flags > BPFMAP_EXIST)
		return -EINVAL;
	bpfmap_get(inner);
	err = htab_update(to_htab(map), key, &inner, flags, ctx);
	if (err)
		bpfmap_put(inner);
	return err;
}

/*
 * Update of the LRU types, flags already checked.  A node is taken before
 * the bucket lock (taking one may evict, which locks other buckets).  When
 * the key already exists we take only a node that is free, never evicting
 * another key for it: the kernel evicts here, we do not.  Without a free
 * node the existing element is updated in place; per-CPU types always are.
 */
static int htab_lru_update(struct bpfmap_htab *htab, const void *key,
			   const void *value, u64 flags)
{
	bool percpu = htab_is_percpu(htab);
	u32 hash = htab_hash(htab, key), op = update_op(flags);
	struct htab_bucket *b = htab_bucket(htab, hash);
	struct bpfmap_lru_node *node = NULL;
	struct htab_elem *new, *old;
	unsigned long irqflags;
	bool exists;
	int err;

	exists = htab_key_exists(htab, hash, key);
again:
	if (!(percpu && exists)) {
		node = bpfmap_lru_pop_free(&htab->lru, hash, !exists);
		if (!node && !exists)
			return -ENOMEM;
	}
	new = node ? container_of(node, struct htab_elem, lru_node) : NULL;
	if (!htab_lock_bucket(htab, b, hash, &irqflags)) {
		err = -EBUSY;
		goto out_free;
	}

	old = lookup_elem(htab, b, hash, key);
	err = check_op(old, op);
	if (err)
		goto out_unlock;
	if (old && (percpu || !new)) {
		elem_write_begin(b, old);
		if (percpu)
			bpfmap_percpu_copy_in(&htab->map, elem_pptr(htab, old),
					      value, flags, false);
		else
			memcpy(elem_value(htab, old), value,
			       htab->map.value_size);
		elem_write_end(old);
		bpfmap_lru_node_set_ref(&old->lru_node);
		goto out_unlock;
	}
	if (!new) {
		/* The key went away after we looked: we need a node. */
		htab_unlock_bucket(htab, b, hash, irqflags);
		exists = false;
		goto again;
	}

	elem_fill(htab, b, new, key, hash, value, flags);
	hlist_nulls_add_head_rcu(&new->hash_node, &b->head);
	if (old) {
		hlist_nulls_del_rcu(&old->hash_node);
		bpfmap_lru_node_set_ref(&new->lru_node);
	}
	new = old;	/* what goes back to the LRU, if anything */
out_unlock:
	htab_unlock_bucket(htab, b, hash, irqflags);
out_free:
	if (new)
		bpfmap_lru_push_free(&htab->lru, &new->lru_node);
	return err;
}

/* Called from syscall or in-kernel users; any context but NMI. */
static int htab_lru_map_update_elem(struct bpfmap *map, const void *key,
				    const void *value, u64 flags,
				    enum bpfmap_ctx ctx)
{
	if ((flags & ~BPFMAP_F_LOCK) > BPFMAP_EXIST)
		return -EINVAL;
	return htab_lru_update(to_htab(map), key, value, flags);
}

/* Called from syscall or in-kernel users; any context but NMI. */
static int htab_lru_percpu_map_update_elem(struct bpfmap *map,
					   const void *key, const void *value,
					   u64 flags, enum bpfmap_ctx ctx)
{
	if ((flags & BPFMAP_F_LOCK) || (u32)flags > BPFMAP_F_ALL_CPUS)
		return -EINVAL;
	return htab_lru_update(to_htab(map), key, value, flags);
}

/*
 * The in-kernel API's direct calls (src/kapi.c): the hash types' lookup and
 * update ops chosen by type, without the indirect call through ->ops (a
 * retpoline where those are on).  Any context but NMI; the lookup under
 * RCU.
 */
void *bpfmap_htab_lookup_ptr(struct bpfmap *map, const void *key)
{
	return htab_map_lookup_ptr(map, key);
}

int bpfmap_htab_update_elem(struct bpfmap *map, const void *key,
			    const void *value, u64 flags, enum bpfmap_ctx ctx)
{
	switch (map->map_type) {
	case BPFMAP_MAP_TYPE_HASH:
		return htab_map_update_elem(map, key, value, flags, ctx);
	case BPFMAP_MAP_TYPE_PERCPU_HASH:
		return htab_percpu_map_update_elem(map, key, value, flags,
						   ctx);
	case BPFMAP_MAP_TYPE_LRU_HASH:
		return htab_lru_map_update_elem(map, key, value, flags, ctx);
	case BPFMAP_MAP_TYPE_LRU_PERCPU_HASH:
		return htab_lru_percpu_map_update_elem(map, key, value, flags,
						       ctx);
	default:
		return map->ops->update_elem(map, key, value, flags, ctx);
	}
}

/*
 * Unlink @key, copying its value out first when @value is not NULL.
 * Called from syscall or in-kernel users; any context but NMI.
 */
static int htab_remove(struct bpfmap_htab *htab, const void *key, void *value)
{
	u32 hash = htab_hash(htab, key);
	struct htab_bucket *b = htab_bucket(htab, hash);
	unsigned long irqflags;
	struct htab_elem *l;

	if (!htab_lock_bucket(htab, b, hash, &irqflags))
		return -EBUSY;
	l = lookup_elem(htab, b, hash, key);
	if (l) {
		if (value)
			elem_copy_value(htab, l, value, 0);
		hlist_nulls_del_rcu(&l->hash_node);
	}
	htab_unlock_bucket(htab, b, hash, irqflags);

	if (!l)
		return -ENOENT;
	elem_release(htab, l);
	return 0;
}

static int htab_map_delete_elem(struct bpfmap *map, const void *key)
{
	return htab_remove(to_htab(map), key, NULL);
}

static int htab_map_lookup_and_delete_elem(struct bpfmap *map,
					   const void *key, void *value,
					   u64 flags)
{
	return htab_remove(to_htab(map), key, value);
}

static struct htab_elem *first_elem(struct hlist_nulls_head *head)
{
	return hlist_nulls_entry_safe(rcu_dereference_raw(
					hlist_nulls_first_rcu(head)),
				      struct htab_elem, hash_node);
}

/*
 * Copy @l's key to @out; true when the copy is whole and a key of bucket
 * @idx.  A preallocated element may be recycled into another bucket at
 * any moment, and a key taken from it then would send the walk on from
 * that bucket, skipping every key in between.  The bucket comes from the
 * key copied, not from l->hash, which the LRU lists set before
 * elem_fill() writes the key.
 */
static bool elem_key_in_bucket(const struct bpfmap_htab *htab,
			       struct htab_elem *l, u32 idx, void *out)
{
	u32 seq;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "a hash walk step needs rcu_read_lock()");
	seq = elem_read_begin(l);
	memcpy(out, l->key, htab->map.key_size);
	if (elem_read_retry(l, seq))
		return false;
	return (htab_hash(htab, out) & (htab->n_buckets - 1)) == idx;
}

/*
 * Called from syscall or in-kernel users; any context but NMI.  Bucket
 * order, newest first within a bucket; a key that is not (or no longer)
 * in the map restarts the walk at the first element.
 *
 * Elements are recycled while we walk, so each step checks that what it
 * followed still belonged to the bucket it walks and otherwise takes the
 * step again: a key that stays in the map is never skipped, whatever
 * happens to the keys around it (a walk may see a key twice).
 *
 * The scan for the next non-empty bucket may pass millions of empty ones:
 * it leaves its RCU read section every HTAB_RESCHED_BATCH buckets, holding
 * nothing across, and reschedules there when @ctx says it may sleep.
 */
static int htab_map_get_next_key(struct bpfmap *map, const void *key,
				 void *next_key, enum bpfmap_ctx ctx)
{
	struct bpfmap_htab *htab = to_htab(map);
	u32 hash, idx, i = 0, end;
	struct hlist_nulls_node *n;
	struct htab_elem *l;

	rcu_read_lock();
	if (key) {
		hash = htab_hash(htab, key);
		idx = hash & (htab->n_buckets - 1);
again:
		l = lookup_elem(htab, &htab->buckets[idx], hash, key);
		if (l) {
			n = rcu_dereference_raw(hlist_nulls_next_rcu(
							&l->hash_node));
			/* @n before the hash: pairs with elem_fill()'s. */
			smp_rmb();
			/* Recycled since we found it: @n is another chain. */
			if (READ_ONCE(l->hash) != hash ||
			    memcmp(l->key, key, map->key_size))
				goto again;
			if (!is_a_nulls(n)) {
				l = container_of(n, struct htab_elem,
						 hash_node);
				if (elem_key_in_bucket(htab, l, idx, next_key))
					goto found;
				goto again;
			}
			if (get_nulls_value(n) != idx)
				goto again;
			i = idx + 1;
		}
	}
	while (i < htab->n_buckets) {
		end = i + min(HTAB_RESCHED_BATCH, htab->n_buckets - i);
		while (i < end) {
			l = first_elem(&htab->buckets[i].head);
			if (!l) {
				i++;
				continue;
			}
			if (elem_key_in_bucket(htab, l, i, next_key))
				goto found;
			/* The head moved on under us: read it again. */
		}
		if (i == htab->n_buckets)
			break;
		rcu_read_unlock();
		if (ctx == BPFMAP_CTX_SLEEP)
			cond_resched();
		rcu_read_lock();
	}
	rcu_read_unlock();
	return -ENOENT;

found:
	rcu_read_unlock();
	return 0;
}

/*
 * Staging of the batch walk.  Keys and values are copied out of the
 * buckets into a kernel buffer, which goes to the sink once it is full and
 * at the end.  The buffer is sized by what the walk meets, not by the
 * caller's count: it is allocated at the first non-empty bucket, for at
 * most HTAB_WALK_STAGE elements, HTAB_WALK_STAGE_BYTES of keys and values
 * (but at least one element), the count and max_entries; only a bucket
 * holding more elements than that grows it, to that bucket's size.  Small
 * elements thus stage HTAB_WALK_STAGE at a time, large ones one by one,
 * and a call on an empty map allocates nothing.
 */
#define HTAB_WALK_STAGE		256U
#define HTAB_WALK_STAGE_BYTES	(1U << 20)

struct htab_stage {
	void *keys;
	void *values;
	u32 cap;
	u32 staged;
};

/* Elements the buffer holds unless a larger bucket needs more. */
static u32 stage_base_cap(const struct bpfmap *map, u32 max_count,
			  u32 value_size)
{
	u64 elem_bytes = (u64)map->key_size + value_size;
	u32 cap = min3(HTAB_WALK_STAGE, max_count, map->max_entries);

	return max_t(u64, min_t(u64, cap, HTAB_WALK_STAGE_BYTES / elem_bytes),
		     1);
}

/*
 * Room for @cap elements; what was staged must have been flushed.  The
 * buffer is charged to the caller's memory cgroup.
 */
static int stage_resize(struct htab_stage *st, u32 cap, u32 key_size,
			u32 value_size)
{
	const gfp_t gfp = BPFMAP_GFP_KV;

	kvfree(st->keys);
	kvfree(st->values);
	st->keys = kvmalloc_array(cap, key_size, gfp);
	st->values = kvmalloc_array(cap, value_size, gfp);
	st->cap = st->keys && st->values ? cap : 0;
	return st->cap ? 0 : -ENOMEM;
}

static int stage_flush(struct htab_stage *st, struct bpfmap_walk_out *out,
		       u32 *total)
{
	int err = 0;

	if (st->staged)
		err = out->emit(out, *total, st->keys, st->values, st->staged);
	*total += st->staged;
	st->staged = 0;
	return err;
}

/*
 * True when @b holds no element at this instant.  A lockless peek: an
 * element linked right after it is missed as it would be if it were
 * linked just after the walk took and left the bucket.
 */
static bool bucket_looks_empty(struct htab_bucket *b)
{
	return is_a_nulls(READ_ONCE(b->head.first));
}

/*
 * The most elements a bucket may hold for the lockless copy below; a
 * longer chain (many colliding keys) is taken under its lock.
 */
#define HTAB_WALK_RCU_MAX	8U

/* Whether two of the @cnt keys at @keys are the same. */
static bool keys_repeat(const void *keys, u32 cnt, u32 key_size)
{
	u32 i, j;

	for (i = 1; i < cnt; i++)
		for (j = 0; j < i; j++)
			if (!memcmp(keys + (size_t)i * key_size,
				    keys + (size_t)j * key_size, key_size))
				return true;
	return false;
}

/*
 * The lookup walk's copy of bucket @idx into @st, under RCU and without
 * the bucket lock: the number of elements copied (the whole bucket, at
 * most @room), or -EAGAIN when the copy cannot be trusted and the bucket
 * must be taken under its lock.  That is when the bucket holds more than
 * @room or HTAB_WALK_RCU_MAX elements, and when writers were at work.
 * Elements are recycled without a grace period (preallocated, LRU), so
 * the walk checks that each element was not written during its copy (its
 * write sequence), that the key copied belongs to this bucket (it may
 * have been refilled for another one before the copy), that the chain
 * ended here (an element re-linked elsewhere leads into another chain,
 * whose nulls marker names that bucket) and that no key came twice (an
 * element re-linked at the head of this bucket leads back over elements
 * already copied).
 *
 * What passes holds every key that was in the bucket for the whole copy,
 * once, each with an untorn value of its own; it may mix keys that were
 * never in the bucket at the same moment (one deleted, another added
 * meanwhile), as copies of different buckets do already.  Writes through
 * the pointers of bpfmap_kernel_lookup() are not seen, under the lock
 * either.  Called under rcu_read_lock(), which the walk holds across a
 * run of buckets (struct walk_rcu).
 */
static int bucket_copy_rcu(struct bpfmap_htab *htab, struct htab_bucket *b,
			   u32 idx, struct htab_stage *st, u32 room,
			   u32 value_size, u64 flags)
{
	u32 key_size = htab->map.key_size, cnt = 0, seq, hash;
	bool lru = htab_is_lru(htab);
	void *keys = st->keys + (size_t)st->staged * key_size;
	void *values = st->values + (size_t)st->staged * value_size;
	struct hlist_nulls_node *n;
	struct htab_elem *l;
	int ret = -EAGAIN;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "a lockless bucket copy needs rcu_read_lock()");
	room = min(room, HTAB_WALK_RCU_MAX);
	hlist_nulls_for_each_entry_rcu(l, n, &b->head, hash_node) {
		if (cnt == room)
			goto out;
		seq = elem_read_begin(l);
		hash = READ_ONCE(l->hash);
		copy_small(keys + (size_t)cnt * key_size, l->key, key_size);
		elem_copy_value(htab, l, values + (size_t)cnt * value_size,
				flags);
		if (elem_read_retry(l, seq))
			goto out;
		/*
		 * Only elem_fill() writes l->hash, inside the sequence, but
		 * on the LRU types, whose lists set the hash of an element
		 * they hand out before elem_fill(): there the bucket comes
		 * from the key copied.
		 */
		if (lru)
			hash = htab_hash(htab, keys + (size_t)cnt * key_size);
		if ((hash & (htab->n_buckets - 1)) != idx)
			goto out;
		cnt++;
	}
	if (get_nulls_value(n) == idx && !keys_repeat(keys, cnt, key_size))
		ret = cnt;
out:
	return ret;
}

/*
 * The lookup walk's RCU read section, held across a run of buckets it
 * copies without their locks (one lock and unlock for the run, not one a
 * bucket), and left before anything that may sleep or takes a bucket
 * lock, and every HTAB_WALK_RCU_RUN buckets to reschedule.
 */
#define HTAB_WALK_RCU_RUN	64U

struct walk_rcu {
	bool held;
};

/*
 * Whether the section is held is @w->held, a runtime state that sparse's
 * lock contexts cannot follow: enter and leave each look balanced to it.
 */
static void walk_rcu_enter(struct walk_rcu *w)
{
	if (w->held)
		return;
	rcu_read_lock();
	__release(RCU);
	w->held = true;
}

static void walk_rcu_leave(struct walk_rcu *w)
{
	if (!w->held)
		return;
	__acquire(RCU);
	rcu_read_unlock();
	w->held = false;
}

/**
 * bpfmap_htab_walk - the bucket walk behind the hash lookup batches
 * @map: a hash-type map
 * @batch: in: the first bucket to visit; out: where the next call resumes
 * @max_count: room for this many elements
 * @total: out: elements handed to @out
 * @flags: element flags (already checked): BPFMAP_F_CPU for one CPU
 * @do_delete: unlink what is copied
 * @out: receives the keys and values, outside every lock
 *
 * Each non-empty bucket is taken whole: copied into a staging buffer
 * under RCU when only looking (bucket_copy_rcu()), else, and whenever
 * that copy cannot be trusted, under the bucket's lock (and unlinked when
 * deleting).  After the lock is dropped
 * the unlinked elements are released; the staged copies go to @out when
 * the buffer is full and at the end.  A bucket that does not fit in what
 * is left of @max_count ends the walk: -ENOSPC when it is the first, else
 * 0; @batch then names that bucket.  Past the last bucket: -ENOENT
 * (@total possibly > 0), @batch = n_buckets.  Any context that may sleep;
 * the walk reschedules between buckets, every HTAB_WALK_RCU_RUN buckets
 * while it copies without locks.
 */
VISIBLE_IF_KUNIT int bpfmap_htab_walk(struct bpfmap *map, u32 *batch,
				      u32 max_count, u32 *total, u64 flags,
				      bool do_delete,
				      struct bpfmap_walk_out *out)
{
	struct bpfmap_htab *htab = to_htab(map);
	u32 key_size = map->key_size, cnt, i;
	u32 value_size = bpfmap_value_size(map, flags);
	int copied;
	struct bpfmap_freelist_node *gone, *next;
	struct htab_stage st = {};
	struct walk_rcu rcu = {};
	struct hlist_nulls_node *n;
	unsigned long irqflags;
	struct htab_bucket *b;
	struct htab_elem *l;
	void *vdst;
	int err;

	might_sleep();
	*total = 0;
	if (*batch >= htab->n_buckets)
		return -ENOENT;

	for (;;) {
		b = &htab->buckets[*batch];
		if (bucket_looks_empty(b))
			goto next_bucket;
		if (!do_delete && st.cap && st.staged == st.cap) {
			/* Room for the lockless copy, without the lock. */
			walk_rcu_leave(&rcu);
			err = stage_flush(&st, out, total);
			if (err)
				goto out;
		}
		if (!do_delete) {
			walk_rcu_enter(&rcu);
			copied = bucket_copy_rcu(htab, b, *batch, &st,
						 min(max_count - *total -
						     st.staged,
						     st.cap - st.staged),
						 value_size, flags);
			if (copied >= 0) {
				st.staged += copied;
				goto next_bucket;
			}
			/* The locked path may flush and allocate. */
			walk_rcu_leave(&rcu);
		}
		if (!htab_lock_bucket(htab, b, *batch, &irqflags)) {
			err = -EBUSY;
			break;
		}
		cnt = 0;
		hlist_nulls_for_each_entry_rcu(l, n, &b->head, hash_node)
			cnt++;
		if (cnt > max_count - *total - st.staged ||
		    cnt > st.cap - st.staged) {
			htab_unlock_bucket(htab, b, *batch, irqflags);
			if (cnt > max_count - *total - st.staged) {
				err = *total + st.staged ? 0 : -ENOSPC;
				break;
			}
			/* Make room, then take the same bucket again. */
			err = stage_flush(&st, out, total);
			if (!err && cnt > st.cap)
				err = stage_resize(&st,
						   max(cnt, stage_base_cap(map,
							max_count, value_size)),
						   key_size, value_size);
			if (err)
				goto out;
			continue;
		}

		i = st.staged;
		gone = NULL;
		hlist_nulls_for_each_entry_safe(l, n, &b->head, hash_node) {
			copy_small(st.keys + (size_t)i * key_size, l->key,
				   key_size);
			vdst = st.values + (size_t)i * value_size;
			elem_copy_value(htab, l, vdst, flags);
			if (do_delete) {
				hlist_nulls_del_rcu(&l->hash_node);
				l->fnode.next = gone;
				gone = &l->fnode;
			}
			i++;
		}
		st.staged = i;
		htab_unlock_bucket(htab, b, *batch, irqflags);

		for (; gone; gone = next) {
			next = gone->next;
			elem_release(htab, container_of(gone, struct htab_elem,
							fnode));
		}
next_bucket:
		if (++*batch >= htab->n_buckets) {
			err = -ENOENT;
			break;
		}
		if (!rcu.held || !(*batch % HTAB_WALK_RCU_RUN)) {
			walk_rcu_leave(&rcu);
			cond_resched();
		}
	}
	walk_rcu_leave(&rcu);
	/* Deleted elements are gone even if this fails. */
	if (stage_flush(&st, out, total))
		err = -EFAULT;
out:
	kvfree(st.keys);
	kvfree(st.values);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_htab_walk);

/* Where the ioctl's walk puts each bucket: the user's arrays. */
struct user_walk_out {
	struct bpfmap_walk_out out;
	void __user *keys;
	void __user *values;
	u32 key_size;
	u32 value_size;
};

static int user_walk_emit(struct bpfmap_walk_out *out, u32 at,
			  const void *keys, const void *values, u32 cnt)
{
	struct user_walk_out *u = container_of(out, struct user_walk_out, out);

	if (copy_to_user(u->keys + (size_t)at * u->key_size, keys,
			 (size_t)cnt * u->key_size) ||
	    copy_to_user(u->values + (size_t)at * u->value_size, values,
			 (size_t)cnt * u->value_size))
		return -EFAULT;
	return 0;
}

/*
 * LOOKUP_BATCH and LOOKUP_AND_DELETE_BATCH of the hash types: the token is
 * a bucket index; bpfmap_htab_walk() does the walk.  count and out_batch
 * are written back on every outcome but a fault.  Called from the ioctl.
 */
static int htab_batch(struct bpfmap *map, struct bpfmap_batch *cmd,
		      struct bpfmap_batch __user *ucmd, bool do_delete)
{
	void __user *in_batch = u64_to_user_ptr(cmd->in_batch);
	void __user *out_batch = u64_to_user_ptr(cmd->out_batch);
	u64 flags = cmd->elem_flags, allowed = BPFMAP_F_LOCK;
	struct user_walk_out u = {
		.out.emit = user_walk_emit,
		.keys = u64_to_user_ptr(cmd->keys),
		.values = u64_to_user_ptr(cmd->values),
		.key_size = map->key_size,
	};
	u32 total, batch = 0;
	int err;

	if (!do_delete && bpfmap_is_percpu(map))
		allowed |= BPFMAP_F_CPU;
	err = bpfmap_check_op_flags(map, flags, allowed);
	if (err)
		return err;
	if (cmd->flags)
		return -EINVAL;
	if (!cmd->count)
		return 0;
	if (put_user(0, &ucmd->count))
		return -EFAULT;
	if (in_batch && copy_from_user(&batch, in_batch, sizeof(batch)))
		return -EFAULT;
	if (batch >= to_htab(map)->n_buckets)
		return -ENOENT;
	u.value_size = bpfmap_value_size(map, flags);

	err = bpfmap_htab_walk(map, &batch, cmd->count, &total, flags,
			       do_delete, &u.out);
	if (err == -EFAULT)
		return err;
	if (copy_to_user(out_batch, &batch, sizeof(batch)) ||
	    put_user(total, &ucmd->count))
		err = -EFAULT;
	return err;
}

static int htab_map_lookup_batch(struct bpfmap *map, struct bpfmap_batch *cmd,
				 struct bpfmap_batch __user *ucmd)
{
	return htab_batch(map, cmd, ucmd, false);
}

static int htab_map_lookup_and_delete_batch(struct bpfmap *map,
					    struct bpfmap_batch *cmd,
					    struct bpfmap_batch __user *ucmd)
{
	return htab_batch(map, cmd, ucmd, true);
}

/*
 * LRU evict callback: unlink @node's element if it is still in its
 * bucket.  Called by lru_list.c under an LRU lock with interrupts off.
 */
static bool htab_lru_evict(void *arg, struct bpfmap_lru_node *node)
{
	struct htab_elem *l = container_of(node, struct htab_elem, lru_node);
	struct bpfmap_htab *htab = arg;
	struct htab_bucket *b = htab_bucket(htab, l->hash);
	struct hlist_nulls_node *n;
	unsigned long irqflags;
	struct htab_elem *cur;
	u32 hash = l->hash;
	bool found = false;

	if (!htab_lock_bucket(htab, b, hash, &irqflags))
		return false;
	hlist_nulls_for_each_entry_rcu(cur, n, &b->head, hash_node) {
		if (cur == l) {
			hlist_nulls_del_rcu(&l->hash_node);
			found = true;
			break;
		}
	}
	htab_unlock_bucket(htab, b, hash, irqflags);
	return found;
}

/* ---- creation and destruction ---- */

/* max_entries as stored: per-CPU LRU lists get equal shares. */
static u64 htab_entries(const struct bpfmap_map_create *attr)
{
	u64 entries = attr->max_entries;
	u32 ncpus = num_possible_cpus();

	if (type_is_lru(attr->map_type) &&
	    (attr->map_flags & BPFMAP_F_NO_COMMON_LRU)) {
		entries = roundup(entries, ncpus);
		if (entries > U32_MAX)
			entries = rounddown((u64)attr->max_entries, ncpus);
	}
	return entries;
}

/* Called from MAP_CREATE before anything is allocated. */
static int htab_map_alloc_check(const struct bpfmap_map_create *attr)
{
	bool percpu = type_is_percpu(attr->map_type);
	bool lru = type_is_lru(attr->map_type);
	bool percpu_lru = attr->map_flags & BPFMAP_F_NO_COMMON_LRU;
	bool prealloc = !(attr->map_flags & BPFMAP_F_NO_PREALLOC);
	u64 entries;

	if ((attr->map_flags & BPFMAP_F_ZERO_SEED) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((attr->map_flags & ~HTAB_CREATE_FLAG_MASK) ||
	    ((attr->map_flags & BPFMAP_F_RDONLY_PROG) &&
	     (attr->map_flags & BPFMAP_F_WRONLY_PROG)))
		return -EINVAL;
	if (!lru && percpu_lru)
		return -EINVAL;
	if (lru && !prealloc)
		return -ENOTSUPP;
	if ((attr->map_flags & BPFMAP_F_NUMA_NODE) && (percpu || percpu_lru))
		return -EINVAL;
	if (attr->max_entries == 0 || attr->key_size == 0 ||
	    attr->value_size == 0)
		return -EINVAL;
	/* Also keeps elem_size from overflowing. */
	if ((u64)attr->key_size + attr->value_size >=
	    KMALLOC_MAX_SIZE - sizeof(struct htab_elem))
		return -E2BIG;
	if (percpu && round_up(attr->value_size, 8) > BPFMAP_PCPU_MAX_VALUE)
		return -E2BIG;
	entries = htab_entries(attr);
	if (entries == 0 || entries > 1ULL << 31)
		return -E2BIG;
	return 0;
}

static u32 htab_nr_prealloc(const struct bpfmap_htab *htab)
{
	return htab->map.max_entries +
	       (htab_has_extra_elems(htab) ? num_possible_cpus() : 0);
}

static void prealloc_destroy(struct bpfmap_htab *htab, u32 nr_pptrs)
{
	u32 i;

	if (htab_is_percpu(htab)) {
		for (i = 0; i < nr_pptrs; i++) {
			bpfmap_percpu_free(elem_pptr(htab,
						     prealloc_elem(htab, i)),
					   bpfmap_percpu_slot_size(&htab->map));
			cond_resched();
		}
	}
	bpfmap_area_free(htab->elems);
}

static int prealloc_init(struct bpfmap_htab *htab)
{
	u32 nr = htab_nr_prealloc(htab), nr_pptrs = 0, i;
	void __percpu *pptr;
	int cpu, err;

	htab->elems = bpfmap_area_alloc((u64)htab->elem_size * nr,
					htab->map.numa_node);
	if (!htab->elems)
		return -ENOMEM;
	if (htab_is_percpu(htab)) {
		for (; nr_pptrs < nr; nr_pptrs++) {
			pptr = bpfmap_percpu_alloc(
				bpfmap_percpu_slot_size(&htab->map), 8,
				BPFMAP_GFP);
			if (!pptr) {
				err = -ENOMEM;
				goto err_free_pptrs;
			}
			elem_set_pptr(htab, prealloc_elem(htab, nr_pptrs),
				      pptr);
			cond_resched();
		}
	}

	if (htab_is_lru(htab)) {
		err = bpfmap_lru_init(&htab->lru,
				      htab->map.map_flags &
				      BPFMAP_F_NO_COMMON_LRU,
				      htab->map.max_entries,
				      offsetof(struct htab_elem, hash) -
				      offsetof(struct htab_elem, lru_node),
				      htab_lru_evict, htab, BPFMAP_GFP);
		if (err)
			goto err_free_pptrs;
		bpfmap_lru_populate(&htab->lru, htab->elems, htab->elem_size,
				    offsetof(struct htab_elem, lru_node),
				    htab->map.max_entries);
		return 0;
	}

	err = bpfmap_freelist_init(&htab->freelist, BPFMAP_GFP);
	if (err)
		goto err_free_pptrs;
	bpfmap_freelist_populate(&htab->freelist, htab->elems,
				 htab->elem_size,
				 offsetof(struct htab_elem, fnode),
				 htab->map.max_entries);
	if (!htab_has_extra_elems(htab))
		return 0;

	htab->extra_elems = bpfmap_percpu_alloc(sizeof(struct htab_elem *),
						__alignof__(struct htab_elem *),
						BPFMAP_GFP);
	if (!htab->extra_elems) {
		err = -ENOMEM;
		goto err_freelist;
	}
	i = htab->map.max_entries;
	for_each_possible_cpu(cpu)
		*per_cpu_ptr(htab->extra_elems, cpu) = prealloc_elem(htab, i++);
	return 0;

err_freelist:
	bpfmap_freelist_destroy(&htab->freelist);
err_free_pptrs:
	prealloc_destroy(htab, nr_pptrs);
	return err;
}

static int htab_of_maps_alloc_check(const struct bpfmap_map_create *attr)
{
	if (attr->value_size != sizeof(u32))
		return -EINVAL;
	return htab_map_alloc_check(attr);
}

/* Called from MAP_CREATE after htab_map_alloc_check() passed. */
static struct bpfmap *htab_map_alloc(const struct bpfmap_map_create *attr)
{
	bool percpu = type_is_percpu(attr->map_type);
	struct bpfmap_htab *htab;
	int numa_node, err;
	u32 i;

	numa_node = (attr->map_flags & BPFMAP_F_NUMA_NODE) ?
		    (int)attr->numa_node : NUMA_NO_NODE;
	htab = kzalloc_node(sizeof(*htab), BPFMAP_GFP,
			    numa_node);
	if (!htab)
		return ERR_PTR(-ENOMEM);
	bpfmap_init_from_attr(&htab->map, attr);
	htab->map.max_entries = htab_entries(attr);
	htab->n_buckets = roundup_pow_of_two(htab->map.max_entries);
	htab->elem_size = sizeof(struct htab_elem) +
			  round_up(attr->key_size, 8) +
			  (percpu ? sizeof(void *) :
				    round_up(attr->value_size, 8));
	htab->hashrnd = (attr->map_flags & BPFMAP_F_ZERO_SEED) ? 0 :
			get_random_u32();

	err = -ENOMEM;
	htab->guards = bpfmap_percpu_alloc(sizeof(struct htab_guards),
					   __alignof__(struct htab_guards),
					   BPFMAP_GFP);
	if (!htab->guards)
		goto err_free_htab;
	htab->buckets = bpfmap_area_alloc((u64)htab->n_buckets *
					  sizeof(struct htab_bucket),
					  numa_node);
	if (!htab->buckets)
		goto err_free_guards;
	for (i = 0; i < htab->n_buckets; i++) {
		INIT_HLIST_NULLS_HEAD(&htab->buckets[i].head, i);
		raw_spin_lock_init(&htab->buckets[i].lock);
		if (!((i + 1) % HTAB_RESCHED_BATCH))
			cond_resched();
	}

	if (htab_is_prealloc(htab)) {
		err = prealloc_init(htab);
		if (err)
			goto err_free_buckets;
		return &htab->map;
	}

	htab->use_pcount = htab->map.max_entries / 2 >
			   num_online_cpus() * HTAB_COUNTER_BATCH;
	if (htab->use_pcount) {
		err = percpu_counter_init(&htab->pcount, 0,
					  BPFMAP_GFP);
		if (err)
			goto err_free_buckets;
	}
	return &htab->map;

err_free_buckets:
	bpfmap_area_free(htab->buckets);
err_free_guards:
	bpfmap_percpu_free(htab->guards, sizeof(struct htab_guards));
err_free_htab:
	kfree(htab);
	return ERR_PTR(err);
}

/* HASH_OF_MAPS: drop the inner maps of every linked element. */
static void htab_put_inner_maps(struct bpfmap_htab *htab)
{
	struct hlist_nulls_node *n;
	struct htab_elem *l;
	u32 i;

	for (i = 0; i < htab->n_buckets; i++) {
		hlist_nulls_for_each_entry_rcu(l, n, &htab->buckets[i].head,
					       hash_node)
			bpfmap_put(elem_inner_owned(htab, l));
		if (!((i + 1) % HTAB_RESCHED_BATCH))
			cond_resched();
	}
}

/* BPFMAP_F_NO_PREALLOC: free what is still linked; no reader is left. */
static void htab_free_linked(struct bpfmap_htab *htab)
{
	struct hlist_nulls_node *n;
	struct htab_elem *l;
	u32 i;

	for (i = 0; i < htab->n_buckets; i++) {
		struct hlist_nulls_head *head = &htab->buckets[i].head;

		while ((n = rcu_dereference_raw(hlist_nulls_first_rcu(head))) &&
		       !is_a_nulls(n)) {
			l = container_of(n, struct htab_elem, hash_node);
			hlist_nulls_del_rcu(&l->hash_node);
			elem_free_now(htab, l);
		}
		cond_resched();
	}
}

/* Called from the free work, after the last reference and a grace period. */
static void htab_map_free(struct bpfmap *map)
{
	struct bpfmap_htab *htab = to_htab(map);

	if (htab_is_of_maps(htab))
		htab_put_inner_maps(htab);
	if (htab_is_prealloc(htab)) {
		if (htab_is_lru(htab)) {
			bpfmap_lru_destroy(&htab->lru);
		} else {
			bpfmap_freelist_destroy(&htab->freelist);
			bpfmap_percpu_free(htab->extra_elems,
					   sizeof(struct htab_elem *));
		}
		prealloc_destroy(htab, htab_nr_prealloc(htab));
	} else {
		htab_free_linked(htab);
		if (htab->use_pcount)
			percpu_counter_destroy(&htab->pcount);
	}
	bpfmap_area_free(htab->buckets);
	bpfmap_percpu_free(htab->guards, sizeof(struct htab_guards));
	kfree(htab);
}

static u64 htab_map_mem_usage(const struct bpfmap *map)
{
	const struct bpfmap_htab *htab = to_htab(map);
	u64 elems, per_elem = htab->elem_size;
	u64 usage = sizeof(*htab);

	usage += (u64)htab->n_buckets * sizeof(struct htab_bucket);
	usage += sizeof(struct htab_guards) * num_possible_cpus();
	if (htab_is_percpu(htab))
		per_elem += (u64)bpfmap_percpu_slot_size(map) *
			    num_possible_cpus();
	if (htab_is_prealloc(htab))
		elems = htab_nr_prealloc(htab);
	else if (htab->use_pcount)
		elems = max_t(s64, percpu_counter_sum(
				      (struct percpu_counter *)&htab->pcount),
			      0);
	else
		elems = atomic_read(&htab->count);
	return usage + elems * per_elem;
}

const struct bpfmap_ops htab_map_ops = {
	.alloc_check = htab_map_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_map_lookup_elem,
	.lookup_ptr = htab_map_lookup_ptr,
	.update_elem = htab_map_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = bpfmap_generic_update_batch,
	.delete_batch = bpfmap_generic_delete_batch,
	.mem_usage = htab_map_mem_usage,
};

static struct bpfmap *htab_of_maps_alloc(const struct bpfmap_map_create *attr)
{
	struct bpfmap *map = htab_map_alloc(attr);
	int err;

	if (IS_ERR(map))
		return map;
	err = bpfmap_meta_init(map, attr);
	if (err) {
		htab_map_free(map);
		return ERR_PTR(err);
	}
	return map;
}

const struct bpfmap_ops htab_of_maps_map_ops = {
	.alloc_check = htab_of_maps_alloc_check,
	.alloc = htab_of_maps_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_map_lookup_elem,
	.lookup_ptr = htab_map_lookup_ptr,
	.update_elem = htab_of_maps_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = bpfmap_generic_update_batch,
	.delete_batch = bpfmap_generic_delete_batch,
	.mem_usage = htab_map_mem_usage,
};

const struct bpfmap_ops htab_percpu_map_ops = {
	.alloc_check = htab_map_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_map_lookup_elem,
	.lookup_ptr = htab_map_lookup_ptr,
	.lookup_percpu_ptr = htab_percpu_map_lookup_percpu_ptr,
	.update_elem = htab_percpu_map_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = bpfmap_generic_update_batch,
	.delete_batch = bpfmap_generic_delete_batch,
	.mem_usage = htab_map_mem_usage,
};

const struct bpfmap_ops htab_lru_map_ops = {
	.alloc_check = htab_map_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_map_lookup_elem,
	.lookup_ptr = htab_map_lookup_ptr,
	.update_elem = htab_lru_map_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = bpfmap_generic_update_batch,
	.delete_batch = bpfmap_generic_delete_batch,
	.mem_usage = htab_map_mem_usage,
};

const struct bpfmap_ops htab_lru_percpu_map_ops = {
	.alloc_check = htab_map_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_map_lookup_elem,
	.lookup_ptr = htab_map_lookup_ptr,
	.lookup_percpu_ptr = htab_percpu_map_lookup_percpu_ptr,
	.update_elem = htab_lru_percpu_map_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = bpfmap_generic_update_batch,
	.delete_batch = bpfmap_generic_delete_batch,
	.mem_usage = htab_map_mem_usage,
};
