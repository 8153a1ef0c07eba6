// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The exported in-kernel API (include/linux/bpfmap_kernel.h): thin
 * wrappers over the core that check the caller's context and export the
 * symbols for other modules.  The contexts and errnos are documented in
 * the header; Documentation/kernel-api.rst tells how to build against it.
 */

#include <linux/file.h>
#include <linux/hardirq.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/stddef.h>
#include <linux/string.h>

/* <linux/file.h> may bring <linux/bpf.h>: see bpfmap.h. */
#define BPFMAP_NO_TYPE_OPS
#include "bpfmap.h"
#include <linux/bpfmap_kernel.h>

/* Process context; may sleep. */
struct bpfmap *bpfmap_kernel_create(const struct bpfmap_map_create *attr)
{
	/* the inline lookup reads a map as its struct bpfmap_kernel_fast */
	BUILD_BUG_ON(offsetof(struct bpfmap, fast) != 0);
	might_sleep();
	if (attr->__reserved)
		return ERR_PTR(-EINVAL);
	return bpfmap_create(attr);
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_create);

/* Process context; may sleep. */
int bpfmap_kernel_pin(struct bpfmap *map, const char *pathname)
{
	might_sleep();
	return bpfmapfs_pin_kernel(map, pathname);
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_pin);

/* Any context but NMI. */
struct bpfmap *bpfmap_kernel_get_by_id(u32 id)
{
	lockdep_assert(!in_nmi());
	return bpfmap_get_by_id(id);
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_get_by_id);

/* Process context (the calling task's fd table); may sleep. */
struct bpfmap *bpfmap_kernel_get_by_fd(int fd)
{
	struct bpfmap *map;
	struct fd f;

	might_sleep();
	f = fdget(fd);
	if (!fd_file(f))
		return ERR_PTR(-EBADF);
	map = bpfmap_from_file(fd_file(f));
	if (map)
		bpfmap_get(map);
	fdput(f);
	return map ?: ERR_PTR(-EINVAL);
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_get_by_fd);

/* Process context; may sleep. */
struct bpfmap *bpfmap_kernel_get_by_path(const char *pathname)
{
	might_sleep();
	return bpfmapfs_get_kernel(pathname);
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_get_by_path);

/* Process context; may sleep.  The fd owns the reference taken here. */
int bpfmap_kernel_new_fd(struct bpfmap *map, int flags)
{
	int fd;

	might_sleep();
	if (flags & ~O_ACCMODE || (flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	bpfmap_get(map);
	fd = bpfmap_new_fd(map, flags);
	if (fd < 0)
		bpfmap_put(map);
	return fd;
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_new_fd);

/* Any context but NMI (bpfmap_put() checks it). */
void bpfmap_kernel_put(struct bpfmap *map)
{
	bpfmap_put(map);
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_put);

/* Any context. */
u32 bpfmap_kernel_id(const struct bpfmap *map)
{
	return map->id;
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_id);

/* Any context. */
void bpfmap_kernel_get_info(const struct bpfmap *map,
			    struct bpfmap_kernel_info *info)
{
	info->map_type = map->map_type;
	info->key_size = map->key_size;
	info->value_size = map->value_size;
	info->max_entries = map->max_entries;
	info->map_flags = map->map_flags;
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_get_info);

/*
 * Any context but NMI, under rcu_read_lock(): bpfmap_kernel_lookup() for
 * the types it does not inline.  The hash types are called directly.
 */
void *bpfmap_kernel_lookup_call_v1(struct bpfmap *map, const void *key)
{
	lockdep_assert(!in_nmi());
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "bpfmap_kernel_lookup() needs rcu_read_lock()");
	switch (map->map_type) {
	case BPFMAP_MAP_TYPE_ARRAY:
		/* not inlined on a BPFMAP_F_RDONLY_PROG one */
		return bpfmap_array_lookup_ptr(map, key);
	case BPFMAP_MAP_TYPE_HASH:
	case BPFMAP_MAP_TYPE_PERCPU_HASH:
	case BPFMAP_MAP_TYPE_LRU_HASH:
	case BPFMAP_MAP_TYPE_LRU_PERCPU_HASH:
		return bpfmap_htab_lookup_ptr(map, key);
	default:
		return bpfmap_map_lookup_ptr(map, key);
	}
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_lookup_call_v1);

/*
 * Any context: what bpfmap_kernel_array_view_lookup() reads, copied from
 * the map's struct bpfmap_kernel_fast, which is set at creation and never
 * changed; an ARRAY's values come from the array itself, as its fast part
 * has none when it is BPFMAP_F_RDONLY_PROG.
 */
int bpfmap_kernel_array_view_v1(const struct bpfmap *map,
				struct bpfmap_kernel_array_view *view)
{
	memset(view, 0, sizeof(*view));
	switch (map->map_type) {
	case BPFMAP_MAP_TYPE_ARRAY:
		view->values = bpfmap_array_values(map);
		break;
	case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
		view->pptrs = map->fast.pptrs;
		break;
	default:
		return -EINVAL;
	}
	view->max_entries = map->fast.max_entries;
	view->elem_size = map->fast.elem_size;
	return 0;
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_array_view_v1);

/* Any context but NMI, under rcu_read_lock(). */
void *bpfmap_kernel_lookup_cpu(struct bpfmap *map, const void *key, u32 cpu)
{
	lockdep_assert(!in_nmi());
	return bpfmap_map_lookup_percpu_ptr(map, key, cpu);
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_lookup_cpu);

/*
 * Any context but NMI, under rcu_read_lock(): bpfmap_kernel_lookup_inner()
 * for what it does not inline.
 */
struct bpfmap *bpfmap_kernel_lookup_inner_call_v1(struct bpfmap *outer,
						  const void *key)
{
	lockdep_assert(!in_nmi());
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "bpfmap_kernel_lookup_inner() needs rcu_read_lock()");
	switch (outer->map_type) {
	case BPFMAP_MAP_TYPE_ARRAY_OF_MAPS:
		return bpfmap_array_lookup_ptr(outer, key);
	case BPFMAP_MAP_TYPE_HASH_OF_MAPS:
		return bpfmap_htab_lookup_ptr(outer, key);
	default:
		return NULL;
	}
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_lookup_inner_call_v1);

/*
 * num_possible_cpus(), which cannot change once the kernel booted (the
 * possible mask is read-only after init): counted once, not per update.
 */
static u32 kapi_nr_possible(void)
{
	static u32 nr __read_mostly;
	u32 n = READ_ONCE(nr);

	if (unlikely(!n)) {
		n = num_possible_cpus();
		WRITE_ONCE(nr, n);
	}
	return n;
}

/*
 * BPFMAP_F_RDONLY_PROG keeps kernel code, as it keeps BPF programs, from
 * changing the map: the verifier refuses a program that calls the update
 * or delete helper on one with EACCES.
 */
static bool kapi_may_write(const struct bpfmap *map)
{
	return !(map->map_flags & BPFMAP_F_RDONLY_PROG);
}

/*
 * Any context but NMI; never sleeps: bpfmap_kernel_update() for what it
 * does not inline.  A BPFMAP_F_RDONLY_PROG map refuses; then the flags as
 * bpfmap_map_update_elem() checks them (a valid BPFMAP_F_CPU on a per-CPU
 * map without the call), then the array and hash types' update called
 * directly, in the context bpfmap_atomic_ctx() gives.
 */
int bpfmap_kernel_update_call_v1(struct bpfmap *map, const void *key,
				 const void *value, u64 flags)
{
	int err;

	if (unlikely(!kapi_may_write(map)))
		return -EACCES;
	if (flags && !((u32)flags == BPFMAP_F_CPU && bpfmap_is_percpu(map) &&
		       (flags >> 32) < kapi_nr_possible())) {
		err = bpfmap_check_op_flags(map, flags, BPFMAP_F_ALL_FLAGS);
		if (err)
			return err;
	}
	lockdep_assert(!in_nmi());
	switch (map->map_type) {
	case BPFMAP_MAP_TYPE_ARRAY:
	case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
		return bpfmap_array_update_elem(map, key, value, flags,
						bpfmap_atomic_ctx());
	case BPFMAP_MAP_TYPE_HASH:
	case BPFMAP_MAP_TYPE_PERCPU_HASH:
	case BPFMAP_MAP_TYPE_LRU_HASH:
	case BPFMAP_MAP_TYPE_LRU_PERCPU_HASH:
		return bpfmap_htab_update_elem(map, key, value, flags,
					       bpfmap_atomic_ctx());
	default:
		return bpfmap_map_update_elem(map, key, value, flags);
	}
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_update_call_v1);

/* Any context but NMI; never sleeps. */
int bpfmap_kernel_delete(struct bpfmap *map, const void *key)
{
	lockdep_assert(!in_nmi());
	if (unlikely(!kapi_may_write(map)))
		return -EACCES;
	return bpfmap_map_delete_elem(map, key);
}
EXPORT_SYMBOL_GPL(bpfmap_kernel_delete);
