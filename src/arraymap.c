// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The array engine: BPFMAP_MAP_TYPE_ARRAY, PERCPU_ARRAY and ARRAY_OF_MAPS.
 *
 * Every element exists from creation on and reads as zeroes until written;
 * keys are u32 indexes below max_entries.  ARRAY keeps all values in one
 * zeroed area with a stride of round_up(value_size, 8).  PERCPU_ARRAY keeps
 * one alloc_percpu() area of round_up(value_size, 8) bytes per index.
 *
 * No locks: the element memory lives as long as the map, and a value is
 * copied in and out with plain memcpy, so a reader racing a writer may see
 * a mix of both values, as with the kernel's arrays.
 *
 * ARRAY_OF_MAPS keeps an RCU-published inner map pointer in each 8-byte
 * slot of the value area; userspace writes an inner map fd and reads the
 * inner map's id.
 */

#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "bpfmap.h"
#include "percpu_area.h"

#define ARRAY_CREATE_FLAG_MASK						\
	(BPFMAP_F_NUMA_NODE | BPFMAP_F_RDONLY | BPFMAP_F_WRONLY |	\
	 BPFMAP_F_RDONLY_PROG | BPFMAP_F_WRONLY_PROG | BPFMAP_F_INNER_MAP | \
	 BPFMAP_F_MMAPABLE)

/* Elements a whole-map loop handles between two chances to reschedule. */
#define ARRAY_RESCHED_BATCH	1024U

/**
 * struct bpfmap_array - an array map
 * @map: the generic part; first, so container_of() is free
 * @elem_size: round_up(value_size, 8), the stride of @values
 * @values: ARRAY: max_entries * elem_size zeroed bytes
 * @pptrs: PERCPU_ARRAY: max_entries per-CPU areas of elem_size bytes
 * @mmap_pages: BPFMAP_F_MMAPABLE: the pages behind @values
 * @slots_lock: ARRAY_OF_MAPS: serialises writers of the slots in @values;
 *	readers use RCU.  Raw, taken with interrupts off, so that a slot
 *	may be written from any context but NMI, hardirq on PREEMPT_RT too
 */
struct bpfmap_array {
	struct bpfmap map;
	u32 elem_size;
	union {
		u8 *values;
		void __percpu **pptrs;
	};
	struct page **mmap_pages;
	raw_spinlock_t slots_lock;
};

static struct bpfmap_array *to_array(const struct bpfmap *map)
{
	return container_of(map, struct bpfmap_array, map);
}

static bool array_is_percpu(const struct bpfmap_map_create *attr)
{
	return attr->map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY;
}

/* Called from MAP_CREATE before anything is allocated. */
static int array_map_alloc_check(const struct bpfmap_map_create *attr)
{
	bool percpu = array_is_percpu(attr);

	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    attr->value_size == 0)
		return -EINVAL;
	if (attr->map_flags & ~ARRAY_CREATE_FLAG_MASK)
		return -EINVAL;
	if ((attr->map_flags & BPFMAP_F_RDONLY_PROG) &&
	    (attr->map_flags & BPFMAP_F_WRONLY_PROG))
		return -EINVAL;
	if (percpu && (attr->map_flags & BPFMAP_F_NUMA_NODE))
		return -EINVAL;
	if ((attr->map_flags & (BPFMAP_F_INNER_MAP | BPFMAP_F_MMAPABLE)) &&
	    attr->map_type != BPFMAP_MAP_TYPE_ARRAY)
		return -EINVAL;
	if (attr->value_size > INT_MAX)
		return -E2BIG;
	if (percpu && round_up(attr->value_size, 8) > BPFMAP_PCPU_MAX_VALUE)
		return -E2BIG;
	return 0;
}

static void array_free_percpu(struct bpfmap_array *array)
{
	u32 i;

	for (i = 0; i < array->map.max_entries; i++) {
		bpfmap_percpu_free(array->pptrs[i], array->elem_size);
		if (!((i + 1) % ARRAY_RESCHED_BATCH))
			cond_resched();
	}
}

static int array_alloc_percpu(struct bpfmap_array *array)
{
	u32 i;

	for (i = 0; i < array->map.max_entries; i++) {
		array->pptrs[i] = bpfmap_percpu_alloc(array->elem_size, 8,
						      BPFMAP_GFP);
		if (!array->pptrs[i])
			goto err_free;
		cond_resched();
	}
	return 0;

err_free:
	array->map.max_entries = i;
	array_free_percpu(array);
	return -ENOMEM;
}

/* The fd-holding array: values are u32 fds in, u32 ids out. */
static int array_of_maps_alloc_check(const struct bpfmap_map_create *attr)
{
	if (attr->value_size != sizeof(u32) ||
	    (attr->map_flags & (BPFMAP_F_RDONLY_PROG | BPFMAP_F_WRONLY_PROG)))
		return -EINVAL;
	return array_map_alloc_check(attr);
}

static void array_free_area(struct bpfmap_array *array)
{
	if (array->map.map_flags & BPFMAP_F_MMAPABLE)
		bpfmap_area_free_mmapable(array->values, array->mmap_pages,
					  (u64)array->map.max_entries *
					  array->elem_size);
	else
		bpfmap_area_free(array->values);
}

/* Called from MAP_CREATE after array_map_alloc_check() passed. */
static struct bpfmap *array_map_alloc(const struct bpfmap_map_create *attr)
{
	bool percpu = array_is_percpu(attr);
	struct bpfmap_array *array;
	u32 elem_size = round_up(attr->value_size, 8);
	u64 area_size;
	int numa_node;
	int err;

	numa_node = (attr->map_flags & BPFMAP_F_NUMA_NODE) ?
		    (int)attr->numa_node : NUMA_NO_NODE;
	area_size = (u64)attr->max_entries *
		    (percpu ? sizeof(void *) : elem_size);

	array = kzalloc_node(sizeof(*array), BPFMAP_GFP, numa_node);
	if (!array)
		return ERR_PTR(-ENOMEM);
	bpfmap_init_from_attr(&array->map, attr);
	array->elem_size = elem_size;

	if (attr->map_flags & BPFMAP_F_MMAPABLE)
		array->values = bpfmap_area_alloc_mmapable(area_size,
							   &array->mmap_pages);
	else
		array->values = bpfmap_area_alloc(area_size, numa_node);
	if (!array->values) {
		err = -ENOMEM;
		goto err_free_array;
	}
	if (percpu) {
		err = array_alloc_percpu(array);
		if (err)
			goto err_free_area;
	}
	raw_spin_lock_init(&array->slots_lock);
	/*
	 * What the inline functions of the in-kernel API read.  An ARRAY
	 * with BPFMAP_F_RDONLY_PROG leaves @values NULL: the inline update
	 * would write it, and the call refuses (kapi.c).
	 */
	if (attr->map_type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS)
		/* elem_size is 8: the slots are an array of pointers */
		array->map.fast.slots = (struct bpfmap __rcu **)array->values;
	else if (percpu)
		array->map.fast.pptrs = array->pptrs;
	else if (!(attr->map_flags & BPFMAP_F_RDONLY_PROG))
		array->map.fast.values = array->values;
	array->map.fast.max_entries = attr->max_entries;
	array->map.fast.elem_size = elem_size;
	array->map.fast.value_size = attr->value_size;
	return &array->map;

err_free_area:
	array_free_area(array);
err_free_array:
	kfree(array);
	return ERR_PTR(err);
}

/* Called from the free work, after the last reference and a grace period. */
static void array_map_free(struct bpfmap *map)
{
	struct bpfmap_array *array = to_array(map);

	if (map->map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY)
		array_free_percpu(array);
	array_free_area(array);
	kfree(array);
}

static struct bpfmap __rcu **array_slot(struct bpfmap_array *array, u32 index)
{
	return (struct bpfmap __rcu **)(array->values +
					(size_t)index * array->elem_size);
}

static struct bpfmap *array_of_maps_alloc(const struct bpfmap_map_create *attr)
{
	struct bpfmap *map = array_map_alloc(attr);
	int err;

	if (IS_ERR(map))
		return map;
	err = bpfmap_meta_init(map, attr);
	if (err) {
		array_map_free(map);
		return ERR_PTR(err);
	}
	return map;
}

/* Called from the free work: nobody can reach the slots any more. */
static void array_of_maps_free(struct bpfmap *map)
{
	struct bpfmap_array *array = to_array(map);
	struct bpfmap *inner;
	u32 i;

	for (i = 0; i < map->max_entries; i++) {
		inner = rcu_dereference_protected(*array_slot(array, i), true);
		if (inner)
			bpfmap_put(inner);
		if (!((i + 1) % ARRAY_RESCHED_BATCH))
			cond_resched();
	}
	array_map_free(map);
}

/*
 * BPFMAP_F_MMAPABLE arrays: the value area itself, page by page.  Called
 * from mmap(2) after the generic checks.
 */
static int array_map_mmap(struct bpfmap *map, struct vm_area_struct *vma)
{
	struct bpfmap_array *array = to_array(map);
	u64 len = PAGE_ALIGN((u64)map->max_entries * array->elem_size);

	if (!(map->map_flags & BPFMAP_F_MMAPABLE))
		return -EINVAL;
	if ((u64)vma->vm_pgoff * PAGE_SIZE +
	    (vma->vm_end - vma->vm_start) > len)
		return -EINVAL;
	return remap_vmalloc_range(vma, array->values, vma->vm_pgoff);
}

static u64 array_map_mem_usage(const struct bpfmap *map)
{
	const struct bpfmap_array *array = to_array(map);
	u64 entries = map->max_entries;

	if (map->map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY)
		return sizeof(*array) + entries * sizeof(void *) +
		       entries * array->elem_size * num_possible_cpus();
	return sizeof(*array) + entries * array->elem_size;
}

/*
 * The index in @key when it is in range, hardened against speculation, or
 * -1.  (u32 indexes never reach U32_MAX: max_entries fits in u32.)
 */
static s64 array_index(const struct bpfmap *map, const void *key)
{
	u32 index = *(const u32 *)key;

	if (index >= map->max_entries)
		return -1;
	return array_index_nospec(index, map->max_entries);
}

/* Called from syscall or in-kernel users; any context. */
static int array_map_lookup_elem(struct bpfmap *map, const void *key,
				 void *value, u64 flags)
{
	struct bpfmap_array *array = to_array(map);
	s64 index = array_index(map, key);

	if (index < 0)
		return -ENOENT;
	memcpy(value, array->values + index * array->elem_size,
	       map->value_size);
	return 0;
}

/* Called from syscall or in-kernel users; any context but NMI. */
static int array_map_update_elem(struct bpfmap *map, const void *key,
				 const void *value, u64 flags,
				 enum bpfmap_ctx ctx)
{
	struct bpfmap_array *array = to_array(map);
	s64 index;

	if ((flags & ~BPFMAP_F_LOCK) > BPFMAP_EXIST)
		return -EINVAL;
	index = array_index(map, key);
	if (index < 0)
		return -E2BIG;
	/* All elements exist already. */
	if (flags & BPFMAP_NOEXIST)
		return -EEXIST;
	memcpy(array->values + index * array->elem_size, value,
	       map->value_size);
	return 0;
}

/* Called under RCU from in-kernel users. */
static void *array_map_lookup_ptr(struct bpfmap *map, const void *key)
{
	struct bpfmap_array *array = to_array(map);
	s64 index = array_index(map, key);

	return index < 0 ? NULL : array->values + index * array->elem_size;
}

/* Called under RCU from in-kernel users: this CPU's slot. */
static void *percpu_array_map_lookup_ptr(struct bpfmap *map, const void *key)
{
	struct bpfmap_array *array = to_array(map);
	s64 index = array_index(map, key);

	return index < 0 ? NULL : this_cpu_ptr(array->pptrs[index]);
}

/* Called under RCU from in-kernel users: @cpu's slot (< nr_cpu_ids). */
static void *percpu_array_map_lookup_percpu_ptr(struct bpfmap *map,
						const void *key, u32 cpu)
{
	struct bpfmap_array *array = to_array(map);
	s64 index = array_index(map, key);

	return index < 0 ? NULL : per_cpu_ptr(array->pptrs[index], cpu);
}

/* Elements of an array cannot be removed. */
static int array_map_delete_elem(struct bpfmap *map, const void *key)
{
	return -EINVAL;
}

/* Called from syscall or in-kernel users; any context. */
static int array_map_get_next_key(struct bpfmap *map, const void *key,
				  void *next_key, enum bpfmap_ctx ctx)
{
	u32 index = key ? *(const u32 *)key : U32_MAX;

	if (index >= map->max_entries) {
		*(u32 *)next_key = 0;
		return 0;
	}
	if (index == map->max_entries - 1)
		return -ENOENT;
	*(u32 *)next_key = index + 1;
	return 0;
}

/* Called from syscall: the inner map's id, ENOENT for an empty slot. */
static int array_of_maps_lookup_elem(struct bpfmap *map, const void *key,
				     void *value, u64 flags)
{
	struct bpfmap_array *array = to_array(map);
	s64 index = array_index(map, key);
	struct bpfmap *inner;
	int err = 0;

	if (index < 0)
		return -ENOENT;
	rcu_read_lock();
	inner = rcu_dereference(*array_slot(array, index));
	if (inner)
		*(u32 *)value = bpfmap_inner_id(inner);
	else
		err = -ENOENT;
	rcu_read_unlock();
	return err;
}

/* Called under RCU from in-kernel users: the inner map itself. */
static void *array_of_maps_lookup_ptr(struct bpfmap *map, const void *key)
{
	struct bpfmap_array *array = to_array(map);
	s64 index = array_index(map, key);

	return index < 0 ? NULL : rcu_dereference(*array_slot(array, index));
}

/* Put @inner (NULL: empty the slot) at @index; returns what was there. */
static struct bpfmap *array_of_maps_swap(struct bpfmap_array *array,
					 u32 index, struct bpfmap *inner)
{
	struct bpfmap *old;
	unsigned long flags;

	raw_spin_lock_irqsave(&array->slots_lock, flags);
	old = rcu_replace_pointer(*array_slot(array, index), inner,
				  lockdep_is_held(&array->slots_lock));
	raw_spin_unlock_irqrestore(&array->slots_lock, flags);
	return old;
}

/*
 * Called from syscall or in-kernel users; any context but NMI.  @value
 * holds a struct bpfmap * (the ioctl resolved the user's fd), which the
 * slot takes its own reference on.  Only BPFMAP_ANY.  The replaced inner
 * map's reference is dropped at once; its memory lives on until RCU
 * readers are done with it.
 */
static int array_of_maps_update_elem(struct bpfmap *map, const void *key,
				     const void *value, u64 flags,
				     enum bpfmap_ctx ctx)
{
	struct bpfmap_array *array = to_array(map);
	struct bpfmap *inner = *(struct bpfmap * const *)value, *old;
	s64 index;
	int err;

	if (flags != BPFMAP_ANY)
		return -EINVAL;
	index = array_index(map, key);
	if (index < 0)
		return -E2BIG;
	err = bpfmap_inner_check(map, inner);
	if (err)
		return err;
	bpfmap_get(inner);
	old = array_of_maps_swap(array, index, inner);
	if (old)
		bpfmap_put(old);
	return 0;
}

/* Called from syscall or in-kernel users; any context but NMI. */
static int array_of_maps_delete_elem(struct bpfmap *map, const void *key)
{
	struct bpfmap_array *array = to_array(map);
	s64 index = array_index(map, key);
	struct bpfmap *old;

	if (index < 0)
		return -E2BIG;
	old = array_of_maps_swap(array, index, NULL);
	if (!old)
		return -ENOENT;
	bpfmap_put(old);
	return 0;
}

/*
 * Called from syscall or in-kernel users; any context.  Without a CPU flag
 * @value gets one round_up(value_size, 8) slot per possible CPU.
 */
static int percpu_array_map_lookup_elem(struct bpfmap *map, const void *key,
					void *value, u64 flags)
{
	struct bpfmap_array *array = to_array(map);
	s64 index = array_index(map, key);

	if (index < 0)
		return -ENOENT;
	bpfmap_percpu_copy_out(map, array->pptrs[index], value, flags);
	return 0;
}

/*
 * Called from syscall or in-kernel users; any context.  As upstream v7.0:
 * any low-word value up to BPFMAP_F_ALL_CPUS is accepted, and only an exact
 * BPFMAP_NOEXIST fails (every element exists).  Beyond upstream, NOEXIST
 * combined with BPFMAP_F_CPU is honoured too, instead of being ignored.
 */
static int percpu_array_map_update_elem(struct bpfmap *map, const void *key,
					const void *value, u64 flags,
					enum bpfmap_ctx ctx)
{
	struct bpfmap_array *array = to_array(map);
	s64 index;

	if ((flags & BPFMAP_F_LOCK) || (u32)flags > BPFMAP_F_ALL_CPUS)
		return -EINVAL;
	index = array_index(map, key);
	if (index < 0)
		return -E2BIG;
	if ((u32)flags == BPFMAP_NOEXIST ||
	    ((flags & BPFMAP_F_CPU) &&
	     (flags & (BPFMAP_NOEXIST | BPFMAP_EXIST)) == BPFMAP_NOEXIST))
		return -EEXIST;

	/* Elements always exist: other CPUs keep their values. */
	bpfmap_percpu_copy_in(map, array->pptrs[index], value, flags, false);
	return 0;
}

/*
 * The in-kernel API's direct calls (src/kapi.c): the array types' lookup
 * and update ops chosen by type, without the indirect call through ->ops.
 * Any context but NMI; the lookup under RCU.
 */
void *bpfmap_array_lookup_ptr(struct bpfmap *map, const void *key)
{
	switch (map->map_type) {
	case BPFMAP_MAP_TYPE_ARRAY:
		return array_map_lookup_ptr(map, key);
	case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
		return percpu_array_map_lookup_ptr(map, key);
	case BPFMAP_MAP_TYPE_ARRAY_OF_MAPS:
		return array_of_maps_lookup_ptr(map, key);
	default:
		return map->ops->lookup_ptr(map, key);
	}
}

/*
 * The values of an ARRAY, for the in-kernel API's view, which its
 * struct bpfmap_kernel_fast does not give on a BPFMAP_F_RDONLY_PROG one.
 * Any context.
 */
u8 *bpfmap_array_values(const struct bpfmap *map)
{
	return to_array(map)->values;
}

int bpfmap_array_update_elem(struct bpfmap *map, const void *key,
			     const void *value, u64 flags, enum bpfmap_ctx ctx)
{
	switch (map->map_type) {
	case BPFMAP_MAP_TYPE_ARRAY:
		return array_map_update_elem(map, key, value, flags, ctx);
	case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
		return percpu_array_map_update_elem(map, key, value, flags,
						    ctx);
	default:
		return map->ops->update_elem(map, key, value, flags, ctx);
	}
}

const struct bpfmap_ops array_map_ops = {
	.alloc_check = array_map_alloc_check,
	.alloc = array_map_alloc,
	.free = array_map_free,
	.lookup_elem = array_map_lookup_elem,
	.lookup_ptr = array_map_lookup_ptr,
	.update_elem = array_map_update_elem,
	.delete_elem = array_map_delete_elem,
	.get_next_key = array_map_get_next_key,
	.lookup_batch = bpfmap_generic_lookup_batch,
	.update_batch = bpfmap_generic_update_batch,
	.mem_usage = array_map_mem_usage,
	.mmap = array_map_mmap,
};

const struct bpfmap_ops percpu_array_map_ops = {
	.alloc_check = array_map_alloc_check,
	.alloc = array_map_alloc,
	.free = array_map_free,
	.lookup_elem = percpu_array_map_lookup_elem,
	.lookup_ptr = percpu_array_map_lookup_ptr,
	.lookup_percpu_ptr = percpu_array_map_lookup_percpu_ptr,
	.update_elem = percpu_array_map_update_elem,
	.delete_elem = array_map_delete_elem,
	.get_next_key = array_map_get_next_key,
	.lookup_batch = bpfmap_generic_lookup_batch,
	.update_batch = bpfmap_generic_update_batch,
	.mem_usage = array_map_mem_usage,
};

const struct bpfmap_ops array_of_maps_map_ops = {
	.alloc_check = array_of_maps_alloc_check,
	.alloc = array_of_maps_alloc,
	.free = array_of_maps_free,
	.lookup_elem = array_of_maps_lookup_elem,
	.lookup_ptr = array_of_maps_lookup_ptr,
	.update_elem = array_of_maps_update_elem,
	.delete_elem = array_of_maps_delete_elem,
	.get_next_key = array_map_get_next_key,
	.lookup_batch = bpfmap_generic_lookup_batch,
	.update_batch = bpfmap_generic_update_batch,
	.mem_usage = array_map_mem_usage,
};
