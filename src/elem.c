// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The element operations every front end shares: the flag rules of
 * bpf_map_check_op_flags() (upstream v7.0), the user-visible value size, and
 * the dispatch to the map type.  The ioctl front end and the in-kernel API
 * both come through here, so both see the same errno for the same input.
 */

#include <linux/cpumask.h>
#include <linux/hardirq.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>

#include <kunit/visibility.h>

#include "bpfmap.h"

/**
 * bpfmap_check_op_flags - the generic element-flag rules
 * @map: the map
 * @flags: the element flags; a cpu number may sit in bits 63..32
 * @allowed: the low bits this command accepts
 *
 * In this order: a low bit outside @allowed, BPFMAP_F_LOCK (no value here
 * holds a spin lock), high bits without BPFMAP_F_CPU, a CPU flag on a map
 * that is not per-CPU, both CPU flags, each give EINVAL; a cpu that is not
 * possible gives ERANGE.
 */
int bpfmap_check_op_flags(const struct bpfmap *map, u64 flags, u64 allowed)
{
	u32 cpu;

	if (likely(!flags))
		return 0;
	if ((u32)flags & ~allowed)
		return -EINVAL;
	if (flags & BPFMAP_F_LOCK)
		return -EINVAL;
	if (!(flags & BPFMAP_F_CPU) && (flags >> 32))
		return -EINVAL;
	if (!(flags & (BPFMAP_F_CPU | BPFMAP_F_ALL_CPUS)))
		return 0;
	if (!bpfmap_is_percpu(map))
		return -EINVAL;
	if ((flags & BPFMAP_F_CPU) && (flags & BPFMAP_F_ALL_CPUS))
		return -EINVAL;
	if (flags & BPFMAP_F_CPU) {
		cpu = flags >> 32;
		if (cpu >= num_possible_cpus())
			return -ERANGE;
	}
	return 0;
}

/**
 * bpfmap_map_lookup_elem - copy the value of @key into @value
 * @map: the map
 * @key: key_size bytes
 * @value: bpfmap_value_size(map, flags) bytes
 * @flags: 0 or BPFMAP_F_CPU with a cpu in bits 63..32
 *
 * Called from in-kernel users; any context but NMI.
 */
int bpfmap_map_lookup_elem(struct bpfmap *map, const void *key, void *value,
			   u64 flags)
{
	int err = bpfmap_check_op_flags(map, flags, BPFMAP_F_LOCK |
					BPFMAP_F_CPU);

	return err ?: __bpfmap_map_lookup_elem(map, key, value, flags);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_map_lookup_elem);

/*
 * Both update entry points end here, with the caller's context: the
 * ioctls pass BPFMAP_CTX_SLEEP (process context; may sleep),
 * bpfmap_map_update_elem() what bpfmap_atomic_ctx() allows.
 */
static void bpfmap_ctx_check(enum bpfmap_ctx ctx)
{
	if (ctx == BPFMAP_CTX_SLEEP)
		might_sleep();
	else
		lockdep_assert(!in_nmi());
	if (ctx == BPFMAP_CTX_ATOMIC)
		WARN_ON_ONCE(!bpfmap_may_take_spinlock());
}

/**
 * __bpfmap_map_update_elem - update with flags checked already
 * @map: the map
 * @key: key_size bytes
 * @value: the value; for the map-of-maps types a struct bpfmap * (a
 *	kernel object: the ioctls resolved the user's fd with
 *	bpfmap_fd_value_get())
 * @flags: the element flags, checked by bpfmap_check_op_flags()
 * @ctx: what the caller allows; BPFMAP_CTX_SLEEP from the ioctls, which
 *	may sleep
 */
int __bpfmap_map_update_elem(struct bpfmap *map, const void *key,
			     const void *value, u64 flags, enum bpfmap_ctx ctx)
{
	bpfmap_ctx_check(ctx);
	if (!map->ops->update_elem)
		return -ENOTSUPP;
	return map->ops->update_elem(map, key, value, flags, ctx);
}

/**
 * bpfmap_map_update_elem - create or replace the element @key
 * @map: the map
 * @key: key_size bytes
 * @value: bpfmap_value_size(map, flags) bytes; for the map-of-maps types
 *	a struct bpfmap * that fits the template (the element takes its own
 *	reference)
 * @flags: BPFMAP_ANY, BPFMAP_NOEXIST or BPFMAP_EXIST, with BPFMAP_F_CPU or
 *	BPFMAP_F_ALL_CPUS on per-CPU maps
 *
 * Called from in-kernel users; any context but NMI, never sleeps.  A
 * BPFMAP_F_NO_PREALLOC hash allocates the new element with GFP_ATOMIC and
 * may fail with ENOMEM; on PREEMPT_RT with preemption or interrupts off
 * (hardirq) it cannot allocate at all and fails with EBUSY.  Unlike the
 * ioctl this ignores FREEZE, as the kernel lets BPF programs write to
 * frozen maps.
 */
int bpfmap_map_update_elem(struct bpfmap *map, const void *key,
			   const void *value, u64 flags)
{
	int err = bpfmap_check_op_flags(map, flags, BPFMAP_F_ALL_FLAGS);

	return err ?: __bpfmap_map_update_elem(map, key, value, flags,
					       bpfmap_atomic_ctx());
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_map_update_elem);

/**
 * bpfmap_map_delete_elem - remove the element @key
 * @map: the map
 * @key: key_size bytes
 *
 * Called from the DELETE_ELEM ioctl and in-kernel users; any context but
 * NMI, never sleeps (freed memory goes back after a grace period).
 */
int bpfmap_map_delete_elem(struct bpfmap *map, const void *key)
{
	if (!map->ops->delete_elem)
		return -ENOTSUPP;
	return map->ops->delete_elem(map, key);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_map_delete_elem);

/**
 * __bpfmap_map_get_next_key - get_next_key in the caller's context
 * @map: the map
 * @key: key_size bytes, or NULL for the first key
 * @next_key: key_size bytes out
 * @ctx: BPFMAP_CTX_SLEEP from the ioctls (may sleep: a long walk
 *	reschedules), else never sleeps
 */
int __bpfmap_map_get_next_key(struct bpfmap *map, const void *key,
			      void *next_key, enum bpfmap_ctx ctx)
{
	bpfmap_ctx_check(ctx);
	if (!map->ops->get_next_key)
		return -ENOTSUPP;
	return map->ops->get_next_key(map, key, next_key, ctx);
}

/**
 * bpfmap_map_get_next_key - the key after @key, or the first one
 * @map: the map
 * @key: key_size bytes, or NULL for the first key
 * @next_key: key_size bytes out
 *
 * Called from in-kernel users; any context but NMI, never sleeps.
 * -ENOENT past the last key.
 */
int bpfmap_map_get_next_key(struct bpfmap *map, const void *key,
			    void *next_key)
{
	return __bpfmap_map_get_next_key(map, key, next_key,
					 bpfmap_atomic_ctx());
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_map_get_next_key);

/* Called from the ioctl and in-kernel users; any context but NMI. */
int __bpfmap_map_lookup_and_delete_elem(struct bpfmap *map, const void *key,
					void *value, u64 flags)
{
	if (!map->ops->lookup_and_delete_elem)
		return -ENOTSUPP;
	return map->ops->lookup_and_delete_elem(map, key, value, flags);
}

/**
 * bpfmap_map_lookup_and_delete_elem - copy out and remove @key atomically
 * @map: the map
 * @key: key_size bytes
 * @value: bpfmap_value_size(map, 0) bytes
 * @flags: 0 (BPFMAP_F_LOCK is refused: no value holds a lock)
 *
 * Called from in-kernel users; any context but NMI, never sleeps.
 */
int bpfmap_map_lookup_and_delete_elem(struct bpfmap *map, const void *key,
				      void *value, u64 flags)
{
	if (flags & ~BPFMAP_F_LOCK)
		return -EINVAL;
	if (flags & BPFMAP_F_LOCK)
		return -EINVAL;
	return __bpfmap_map_lookup_and_delete_elem(map, key, value, flags);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_map_lookup_and_delete_elem);

/**
 * bpfmap_map_lookup_ptr - the lookup a BPF program makes
 * @map: the map
 * @key: key_size bytes
 *
 * Called from in-kernel users, any context but NMI: under rcu_read_lock(),
 * and for the per-CPU types with migration (or
 * preemption) disabled, as BPF programs run; the pointer is valid until the
 * RCU read lock is dropped.  Returns the value (this CPU's slot for the
 * per-CPU types) or NULL.  On the LRU
 * types this lookup, unlike the syscall one, marks the element as used.
 */
void *bpfmap_map_lookup_ptr(struct bpfmap *map, const void *key)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "a program-side map lookup needs rcu_read_lock()");
	if (!map->ops->lookup_ptr)
		return NULL;
	return map->ops->lookup_ptr(map, key);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_map_lookup_ptr);

/**
 * bpfmap_map_lookup_percpu_ptr - @cpu's slot of a per-CPU value
 * @map: the map
 * @key: key_size bytes
 * @cpu: a possible CPU
 *
 * Called from in-kernel users, any context but NMI, under rcu_read_lock();
 * the pointer is valid until the RCU read lock is dropped.  NULL when
 * there is no such element, @cpu is not below nr_cpu_ids or @map is not a
 * per-CPU type, as bpf_map_lookup_percpu_elem().  Marks an LRU element as
 * used.
 */
void *bpfmap_map_lookup_percpu_ptr(struct bpfmap *map, const void *key,
				   u32 cpu)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "a program-side map lookup needs rcu_read_lock()");
	if (cpu >= nr_cpu_ids || !map->ops->lookup_percpu_ptr)
		return NULL;
	return map->ops->lookup_percpu_ptr(map, key, cpu);
}
