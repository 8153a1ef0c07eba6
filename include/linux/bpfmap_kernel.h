/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The in-kernel API of bpfmap: what another kernel module may call to
 * create, find and use bpfmap maps, as kernel code uses BPF maps.  Needs
 * only the kernel's headers and <linux/bpfmap.h> (the uapi header of
 * bpfmap), for the map types, flags and struct bpfmap_map_create.
 *
 * Every function is EXPORT_SYMBOL_GPL from bpfmap.ko.  A module that calls
 * them depends on bpfmap.ko by symbol (modprobe loads bpfmap first, and
 * bpfmap cannot be unloaded while the consumer is loaded), so a map
 * reference the consumer holds never outlives the code that frees it.
 * The consumer must drop its references before its own exit returns.
 *
 * Calling contexts, as Documentation/context.rst states them:
 *
 * - "process context": may sleep; checked with might_sleep().
 * - "any context but NMI": task, softirq, hardirq, under spinlocks or
 *   RCU; never sleeps; checked with lockdep_assert(!in_nmi()).  On
 *   PREEMPT_RT with preemption or interrupts off (hardirq, raw spinlock
 *   sections) an update that would need new memory (a BPFMAP_F_NO_PREALLOC
 *   hash) fails with -EBUSY instead of allocating; elsewhere it allocates
 *   with GFP_ATOMIC and may fail with -ENOMEM.
 * - NMI: nothing here may be called from NMI.  A re-entry of a hash map's
 *   bucket lock on the same CPU fails with -EBUSY, as the kernel's
 *   htab does for BPF programs.
 *
 * The maps are the objects userspace sees through /dev/bpfmap: the same
 * ids, the same pins in a bpfmapfs, the same element semantics.
 */
#ifndef _LINUX_BPFMAP_KERNEL_H
#define _LINUX_BPFMAP_KERNEL_H

#include <linux/types.h>
#include <linux/err.h>
#include <linux/compiler.h>
#include <linux/hardirq.h>
#include <linux/lockdep.h>
#include <linux/nospec.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/bpfmap.h>

/* A map; its fields are bpfmap's own. */
struct bpfmap;

/**
 * struct bpfmap_kernel_fast - what the inline functions read of a map
 * @values: ARRAY: the values, @elem_size bytes apart; else NULL, and NULL
 *	on an ARRAY with BPFMAP_F_RDONLY_PROG, which the inline update must
 *	not write
 * @pptrs: PERCPU_ARRAY: one per-CPU area per index; else NULL
 * @slots: ARRAY_OF_MAPS: the inner map of each index (or NULL), under
 *	RCU; else NULL
 * @max_entries: the array's length
 * @elem_size: round_up(value_size, 8), the stride of @values
 * @value_size: the bytes of a value an update copies
 *
 * The first member of every map, set when one of the three array types is
 * created and never changed after; all zero on every other type, whose
 * lookup and update are calls.  bpfmap's own: read it only through
 * bpfmap_kernel_lookup(), bpfmap_kernel_lookup_inner() and
 * bpfmap_kernel_update() (a view, bpfmap_kernel_array_view(), is a copy of
 * its part for the lookup, but for the values of a BPFMAP_F_RDONLY_PROG
 * ARRAY, which it takes from the array).  Its layout is part of the
 * names of the symbols those inline functions call (..._call_v1()): a
 * change to it renames them, so a module built against another layout
 * fails to load instead of misreading the map.
 */
struct bpfmap_kernel_fast {
	u8 *values;
	void __percpu **pptrs;
	struct bpfmap __rcu **slots;
	u32 max_entries;
	u32 elem_size;
	u32 value_size;
};

/**
 * bpfmap_kernel_create - create a map owned by the caller
 * @attr: the attributes of BPFMAP_MAP_CREATE (size is not looked at; for
 *	the map-of-maps types inner_map_fd is a map fd in the calling task's
 *	table, see bpfmap_kernel_new_fd())
 *
 * Context: process context; may sleep (waits while closed maps wait to be
 * freed).  The same checks and errnos as the ioctl, and the map gets an
 * id userspace can open it by.
 *
 * Return: the map, with one reference the caller owns and drops with
 * bpfmap_kernel_put(); or an ERR_PTR.
 */
struct bpfmap *bpfmap_kernel_create(const struct bpfmap_map_create *attr);

/**
 * bpfmap_kernel_pin - pin a map at a path in a mounted bpfmapfs
 * @map: a map the caller holds a reference on; the pin takes its own
 * @pathname: path of the file to create, resolved from the calling task's
 *	root and working directory
 *
 * Context: process context; may sleep.  Uses the calling task's
 * credentials and umask, as BPFMAP_OBJ_PIN does: -EPERM when the parent
 * is not in a bpfmapfs, -EEXIST, -ENOENT, -EACCES as for any file.  The
 * pin holds the map until the file is unlinked or the bpfmapfs unmounted.
 *
 * Return: 0 or a negative errno.
 */
int bpfmap_kernel_pin(struct bpfmap *map, const char *pathname);

/**
 * bpfmap_kernel_get_by_id - find a map by its id
 * @id: the id, as BPFMAP_MAP_GET_NEXT_ID lists it
 *
 * Context: any context but NMI.
 *
 * Return: the map with a reference taken, or ERR_PTR(-ENOENT).
 */
struct bpfmap *bpfmap_kernel_get_by_id(u32 id);

/**
 * bpfmap_kernel_get_by_fd - the map behind a fd of the calling task
 * @fd: a bpfmap map fd
 *
 * Context: process context; may sleep.  The fd's open mode is not looked
 * at: the reference allows everything.
 *
 * Return: the map with a reference taken; ERR_PTR(-EBADF) when @fd is not
 * open, ERR_PTR(-EINVAL) when it is not a bpfmap map.
 */
struct bpfmap *bpfmap_kernel_get_by_fd(int fd);

/**
 * bpfmap_kernel_get_by_path - the map pinned at a path in a bpfmapfs
 * @pathname: the path, symlinks followed
 *
 * Context: process context; may sleep.  As the kernel's
 * bpf_prog_get_type_path(): the calling task must be able to read the
 * file (-EACCES), which must be a pinned map (-EACCES otherwise); there is
 * no open mode, the reference allows everything.
 *
 * Return: the map with a reference taken, or an ERR_PTR.
 */
struct bpfmap *bpfmap_kernel_get_by_path(const char *pathname);

/**
 * bpfmap_kernel_new_fd - a new map fd in the calling task's table
 * @map: the map; the fd takes its own reference
 * @flags: O_RDONLY, O_WRONLY or O_RDWR
 *
 * Context: process context; may sleep.  For handing a map to userspace,
 * or as inner_map_fd of bpfmap_kernel_create(); close it with close_fd()
 * or let the task close it.
 *
 * Return: the fd (O_CLOEXEC) or a negative errno.
 */
int bpfmap_kernel_new_fd(struct bpfmap *map, int flags);

/**
 * bpfmap_kernel_put - drop a reference
 * @map: the map
 *
 * Context: any context but NMI; never sleeps.  The last reference removes
 * the map's id and frees it later from a workqueue (on PREEMPT_RT in
 * hardirq the id goes in that work too).
 */
void bpfmap_kernel_put(struct bpfmap *map);

/**
 * bpfmap_kernel_id - the id of a map
 * @map: a map the caller holds a reference on
 *
 * Context: any context.
 *
 * Return: the id, as userspace sees it.
 */
u32 bpfmap_kernel_id(const struct bpfmap *map);

/**
 * struct bpfmap_kernel_info - the shape of a map
 * @map_type: BPFMAP_MAP_TYPE_*
 * @key_size: bytes of a key
 * @value_size: bytes of a value (of one CPU's slot for the per-CPU types)
 * @max_entries: the map's capacity
 * @map_flags: BPFMAP_F_* it was created with
 */
struct bpfmap_kernel_info {
	u32 map_type;
	u32 key_size;
	u32 value_size;
	u32 max_entries;
	u32 map_flags;
};

/**
 * bpfmap_kernel_get_info - the shape of a map
 * @map: a map the caller holds a reference on
 * @info: filled in
 *
 * Context: any context.  For a module that gets a map it did not create
 * (by id, fd or path) and must check the key and value sizes before it
 * passes buffers of its own to the other calls.
 */
void bpfmap_kernel_get_info(const struct bpfmap *map,
			    struct bpfmap_kernel_info *info);

/**
 * bpfmap_kernel_lookup_call_v1 - the out-of-line part of bpfmap_kernel_lookup()
 * @map: the map
 * @key: key_size bytes
 *
 * Context: as bpfmap_kernel_lookup(); call that instead.
 *
 * Return: as bpfmap_kernel_lookup().
 */
void *bpfmap_kernel_lookup_call_v1(struct bpfmap *map, const void *key);

/*
 * The element @index of an ARRAY (@values) or PERCPU_ARRAY (@pptrs, this
 * CPU's slot), or NULL when @index is not below @max_entries: the bounds
 * check (speculation-safe, as the verifier's inlined array lookup) and the
 * address, shared by bpfmap_kernel_lookup() and
 * bpfmap_kernel_array_view_lookup().  bpfmap's own; no checks of context.
 */
static __always_inline void *
__bpfmap_kernel_array_elem(u8 *values, void __percpu *const *pptrs,
			   u32 max_entries, u32 elem_size, u32 index)
{
	if (unlikely(index >= max_entries))
		return NULL;
	index = array_index_nospec(index, max_entries);
	if (values)
		return values + (size_t)index * elem_size;
	return this_cpu_ptr(pptrs[index]);
}

/**
 * bpfmap_kernel_lookup - a pointer to the value of @key
 * @map: the map, not a map-of-maps (see bpfmap_kernel_lookup_inner())
 * @key: key_size bytes
 *
 * Context: any context but NMI, under rcu_read_lock(); for the per-CPU
 * types also with migration (or preemption) disabled.  Never sleeps.  The
 * value may be written through the pointer, as a BPF program does; it is
 * valid until the RCU read lock is dropped.  On the LRU types this marks
 * the element as used.  As the verifier holds a program to, the value of
 * a BPFMAP_F_RDONLY_PROG map must not be written through the pointer, nor
 * that of a BPFMAP_F_WRONLY_PROG map read; bpfmap cannot check either.
 *
 * Inline for the two array types, as the kernel's verifier inlines a BPF
 * program's array lookup: the bounds check (speculation-safe) and the
 * address, no call.  Every other type calls into bpfmap, and so does an
 * ARRAY with BPFMAP_F_RDONLY_PROG, whose inline update has to be a call
 * (it fails) and which shares its lookup's inline test.  A loop of many
 * lookups in one array is faster through a view
 * (bpfmap_kernel_array_view()), which reads the array's address, length
 * and stride once instead of once per lookup.
 *
 * Return: the value (this CPU's slot for the per-CPU types), or NULL when
 * there is no such element.
 */
static __always_inline void *bpfmap_kernel_lookup(struct bpfmap *map,
						  const void *key)
{
	const struct bpfmap_kernel_fast *fast = (const void *)map;

	/* one of values and pptrs passed as NULL: the helper's test folds */
	if (fast->values) {
		lockdep_assert(!in_nmi());
		RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
				 "bpfmap_kernel_lookup() needs rcu_read_lock()");
		return __bpfmap_kernel_array_elem(fast->values, NULL,
						  fast->max_entries,
						  fast->elem_size,
						  *(const u32 *)key);
	}
	if (fast->pptrs) {
		lockdep_assert(!in_nmi());
		RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
				 "bpfmap_kernel_lookup() needs rcu_read_lock()");
		return __bpfmap_kernel_array_elem(NULL, fast->pptrs,
						  fast->max_entries,
						  fast->elem_size,
						  *(const u32 *)key);
	}
	return bpfmap_kernel_lookup_call_v1(map, key);
}

/**
 * struct bpfmap_kernel_array_view - an array's address, length and stride
 * @values: ARRAY: the values, @elem_size bytes apart; else NULL
 * @pptrs: PERCPU_ARRAY: one per-CPU area per index; else NULL
 * @max_entries: the array's length
 * @elem_size: round_up(value_size, 8), the stride of @values
 *
 * What the verifier folds into a BPF program as constants when it inlines
 * an array lookup: filled once by bpfmap_kernel_array_view() and kept by
 * the caller (on its stack, or next to its reference on the map), then
 * read by bpfmap_kernel_array_view_lookup() without touching the map.
 * Read it only through that function.  Its layout is part of the name of
 * the symbol that fills it (..._v1()), as for struct bpfmap_kernel_fast.
 */
struct bpfmap_kernel_array_view {
	u8 *values;
	void __percpu **pptrs;
	u32 max_entries;
	u32 elem_size;
};

/**
 * bpfmap_kernel_array_view_v1 - the out-of-line part of
 *	bpfmap_kernel_array_view()
 * @map: the map
 * @view: filled in
 *
 * Context: as bpfmap_kernel_array_view(); call that instead.
 *
 * Return: as bpfmap_kernel_array_view().
 */
int bpfmap_kernel_array_view_v1(const struct bpfmap *map,
				struct bpfmap_kernel_array_view *view);

/**
 * bpfmap_kernel_array_view - a view of an array for a loop of lookups
 * @map: an ARRAY or PERCPU_ARRAY map the caller holds a reference on
 * @view: filled in
 *
 * Context: any context; never sleeps.
 *
 * The view holds the array's address, length and stride, which never
 * change once the map is created: an array's values never move and are
 * freed only with the map.  The view is valid while the caller holds its
 * reference on @map (or, for an inner map found by
 * bpfmap_kernel_lookup_inner(), until that RCU read lock is dropped); it
 * holds no reference of its own.  For hot loops, where
 * bpfmap_kernel_lookup() would read the map again on every call; that
 * lookup stays correct, and is the one to use for a few lookups or a map
 * of any type.  The pointers it gives follow bpfmap_kernel_lookup()'s
 * rules, BPFMAP_F_RDONLY_PROG and BPFMAP_F_WRONLY_PROG included.
 *
 * Return: 0; -EINVAL when @map is of any other type, with @view zeroed
 * (every lookup in it returns NULL).
 */
static inline int bpfmap_kernel_array_view(const struct bpfmap *map,
					   struct bpfmap_kernel_array_view *view)
{
	return bpfmap_kernel_array_view_v1(map, view);
}

/**
 * bpfmap_kernel_array_view_lookup - a pointer to the value at @index
 * @view: filled by bpfmap_kernel_array_view()
 * @index: the key, by value
 *
 * Context: as bpfmap_kernel_lookup(): any context but NMI, under
 * rcu_read_lock(); for a PERCPU_ARRAY also with migration (or preemption)
 * disabled.  Never sleeps.  The view's map must still be referenced (see
 * bpfmap_kernel_array_view()).  The value may be written through the
 * pointer, but for the flags bpfmap_kernel_lookup() names.
 *
 * The bounds check (speculation-safe) and the address, reading nothing
 * but @view: the same answer as bpfmap_kernel_lookup() with @index as the
 * key.  Inline; in a loop the compiler keeps the view in registers, as a
 * JIT keeps a BPF program's map address, bound and stride in its code.
 *
 * Return: the value (this CPU's slot for a PERCPU_ARRAY), or NULL when
 * @index is not below the array's max_entries.
 */
static __always_inline void *
bpfmap_kernel_array_view_lookup(const struct bpfmap_kernel_array_view *view,
				u32 index)
{
	lockdep_assert(!in_nmi());
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "bpfmap_kernel_array_view_lookup() needs rcu_read_lock()");
	return __bpfmap_kernel_array_elem(view->values, view->pptrs,
					  view->max_entries, view->elem_size,
					  index);
}

/**
 * bpfmap_kernel_lookup_cpu - a pointer to one CPU's slot of a value
 * @map: a PERCPU_ARRAY, PERCPU_HASH or LRU_PERCPU_HASH map
 * @key: key_size bytes
 * @cpu: the CPU
 *
 * Context: any context but NMI, under rcu_read_lock(); never sleeps.  The
 * pointer is valid until the RCU read lock is dropped, and follows
 * bpfmap_kernel_lookup()'s rules for BPFMAP_F_RDONLY_PROG and
 * BPFMAP_F_WRONLY_PROG.
 *
 * Return: @cpu's slot of the value, or NULL when there is no such element,
 * @cpu is not below nr_cpu_ids or @map is not a per-CPU type.
 */
void *bpfmap_kernel_lookup_cpu(struct bpfmap *map, const void *key, u32 cpu);

/**
 * bpfmap_kernel_lookup_inner_call_v1 - the out-of-line part of
 *	bpfmap_kernel_lookup_inner()
 * @outer: the map
 * @key: key_size bytes
 *
 * Context: as bpfmap_kernel_lookup_inner(); call that instead.
 *
 * Return: as bpfmap_kernel_lookup_inner().
 */
struct bpfmap *bpfmap_kernel_lookup_inner_call_v1(struct bpfmap *outer,
						  const void *key);

/**
 * bpfmap_kernel_lookup_inner - the inner map at @key of a map-of-maps
 * @outer: an ARRAY_OF_MAPS or HASH_OF_MAPS map
 * @key: key_size bytes
 *
 * Context: any context but NMI, under rcu_read_lock(); never sleeps.  No
 * reference is taken: the inner map stays valid until the RCU read lock is
 * dropped (bpfmap_kernel_get_by_id() with bpfmap_kernel_id() keeps it
 * longer).
 *
 * Inline for an ARRAY_OF_MAPS, as the kernel's verifier inlines a BPF
 * program's lookup in one; a HASH_OF_MAPS calls into bpfmap.
 *
 * Return: the inner map, or NULL when the slot is empty or @outer is not
 * a map-of-maps.
 */
static __always_inline struct bpfmap *
bpfmap_kernel_lookup_inner(struct bpfmap *outer, const void *key)
{
	const struct bpfmap_kernel_fast *fast = (const void *)outer;
	u32 index;

	if (!fast->slots)
		return bpfmap_kernel_lookup_inner_call_v1(outer, key);
	lockdep_assert(!in_nmi());
	index = *(const u32 *)key;
	if (unlikely(index >= fast->max_entries))
		return NULL;
	index = array_index_nospec(index, fast->max_entries);
	return rcu_dereference(fast->slots[index]);
}

/**
 * bpfmap_kernel_update_call_v1 - the out-of-line part of bpfmap_kernel_update()
 * @map: the map
 * @key: key_size bytes
 * @value: as bpfmap_kernel_update()
 * @flags: as bpfmap_kernel_update()
 *
 * Context: as bpfmap_kernel_update(); call that instead.
 *
 * Return: as bpfmap_kernel_update().
 */
int bpfmap_kernel_update_call_v1(struct bpfmap *map, const void *key,
				 const void *value, u64 flags);

/**
 * bpfmap_kernel_update - create or replace the element @key
 * @map: the map
 * @key: key_size bytes
 * @value: value_size bytes; for the per-CPU types one
 *	round_up(value_size, 8) slot per possible CPU, or value_size bytes
 *	with BPFMAP_F_CPU or BPFMAP_F_ALL_CPUS; for the map-of-maps types a
 *	pointer to a struct bpfmap * that fits the template (the element
 *	takes its own reference)
 * @flags: BPFMAP_ANY, BPFMAP_NOEXIST or BPFMAP_EXIST; on the per-CPU
 *	types optionally BPFMAP_F_CPU (the cpu in bits 63..32; a new
 *	element gets zero in every other CPU's slot) or BPFMAP_F_ALL_CPUS,
 *	with any of the three
 *
 * Context: any context but NMI; never sleeps.  A BPFMAP_F_NO_PREALLOC
 * hash allocates with GFP_ATOMIC (-ENOMEM possible); on PREEMPT_RT with
 * preemption or interrupts off it cannot allocate and fails with -EBUSY.
 * FREEZE does not apply, as to BPF programs; BPFMAP_F_RDONLY_PROG does.
 *
 * Inline for an ARRAY with BPFMAP_ANY (and without BPFMAP_F_RDONLY_PROG):
 * the bounds check and the copy, no call.  Everything else calls into bpfmap.
 *
 * Return: 0; -EACCES on a BPFMAP_F_RDONLY_PROG map, before anything else
 * is looked at (the verifier's answer to a program that would update
 * one); or the errno of BPFMAP_MAP_UPDATE_ELEM (-EEXIST, -ENOENT, -E2BIG,
 * -EINVAL, ...).
 */
static __always_inline int bpfmap_kernel_update(struct bpfmap *map,
						const void *key,
						const void *value, u64 flags)
{
	const struct bpfmap_kernel_fast *fast = (const void *)map;
	u32 index;

	if (!fast->values || flags)
		return bpfmap_kernel_update_call_v1(map, key, value, flags);
	lockdep_assert(!in_nmi());
	index = *(const u32 *)key;
	if (unlikely(index >= fast->max_entries))
		return -E2BIG;
	index = array_index_nospec(index, fast->max_entries);
	memcpy(fast->values + (size_t)index * fast->elem_size, value,
	       fast->value_size);
	return 0;
}

/**
 * bpfmap_kernel_delete - remove the element @key
 * @map: the map
 * @key: key_size bytes
 *
 * Context: any context but NMI; never sleeps.  Memory and inner maps are
 * released after an RCU grace period.
 *
 * Return: 0, -ENOENT when there is no such element, -EINVAL on the array
 * types, which cannot delete; -EACCES on a BPFMAP_F_RDONLY_PROG map,
 * before anything else is looked at.
 */
int bpfmap_kernel_delete(struct bpfmap *map, const void *key);

#endif /* _LINUX_BPFMAP_KERNEL_H */
