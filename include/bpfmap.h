/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
#ifndef _BPFMAP_H
#define _BPFMAP_H

#include <linux/types.h>
#include <linux/refcount.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/cpumask.h>
#include <linux/math.h>
#include <linux/preempt.h>
#include <linux/bpfmap.h>
#include <linux/bpfmap_kernel.h>

#include "compat.h"

/* Kernel-internal errno that bpf(2) lets reach userspace (524). */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

/* Largest ioctl struct we accept, as bpf(2) caps its attr. */
#define BPFMAP_CMD_MAX_SIZE	PAGE_SIZE

/*
 * Memory a map holds (its struct, elements, per-CPU areas), allocated for a
 * caller that may sleep: charged to the caller's memory cgroup, and at the
 * cgroup's limit the allocation fails (ENOMEM) instead of waking the OOM
 * killer.  BPFMAP_GFP for kmalloc and per-CPU areas; BPFMAP_GFP_KV for
 * kvmalloc, whose vmalloc fallback knows only __GFP_RETRY_MAYFAIL.
 */
#define BPFMAP_GFP	(GFP_USER | __GFP_NOWARN | __GFP_ACCOUNT | __GFP_NORETRY)
#define BPFMAP_GFP_KV	(GFP_USER | __GFP_NOWARN | __GFP_ACCOUNT | \
			 __GFP_RETRY_MAYFAIL)

/**
 * enum bpfmap_ctx - what the caller of an element operation allows
 * @BPFMAP_CTX_SLEEP: process context that may sleep (the ioctls): the map
 *	type may reschedule and allocates with GFP_KERNEL, charged to the
 *	caller's memory cgroup.
 * @BPFMAP_CTX_ATOMIC: any context but NMI (task, softirq, hardirq, under
 *	spinlocks or RCU): nothing sleeps; a map that allocates per element
 *	(BPFMAP_F_NO_PREALLOC) does so with GFP_ATOMIC and may fail with
 *	ENOMEM.
 * @BPFMAP_CTX_NOALLOC: as @BPFMAP_CTX_ATOMIC, but the allocators may not
 *	be called at all: PREEMPT_RT with preemption or interrupts off
 *	(hardirq, raw spinlock sections), where the slab and per-CPU
 *	allocators take sleeping locks.  An update that would need new
 *	memory fails with EBUSY; everything else works.
 *
 * The caller states the context and passes it down; the map types never
 * guess it.  The ioctls pass @BPFMAP_CTX_SLEEP; the in-kernel entry points
 * (bpfmap_map_update_elem() and friends) pass bpfmap_atomic_ctx().
 */
enum bpfmap_ctx {
	BPFMAP_CTX_SLEEP,
	BPFMAP_CTX_ATOMIC,
	BPFMAP_CTX_NOALLOC,
};

/*
 * Whether this context may take a spinlock_t (and so call the slab and
 * per-CPU allocators, or the id table's lock).  Everywhere but NMI on a
 * kernel without PREEMPT_RT; on PREEMPT_RT, where spinlock_t sleeps, only
 * where preemption and interrupts are on (not in hardirq, raw spinlock or
 * preempt_disable() sections; softirqs run in threads there).
 */
static inline bool bpfmap_may_take_spinlock(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		return true;
	return preemptible();
}

/* The context of an in-kernel caller that promises only "not NMI". */
static inline enum bpfmap_ctx bpfmap_atomic_ctx(void)
{
	return bpfmap_may_take_spinlock() ? BPFMAP_CTX_ATOMIC :
					    BPFMAP_CTX_NOALLOC;
}

/* Largest per-CPU slot, as the kernel's PCPU_MIN_UNIT_SIZE. */
#define BPFMAP_PCPU_MAX_VALUE	(32U * 1024)

struct bpfmap;
struct vm_area_struct;

/**
 * struct bpfmap_meta - the shape every inner map of a map-of-maps must have
 *
 * Copied from the map given as inner_map_fd at creation, which may be
 * closed afterwards.  max_entries counts only for a plain ARRAY template
 * without BPFMAP_F_INNER_MAP (not for PERCPU_ARRAY); see
 * bpfmap_meta_equal().
 */
struct bpfmap_meta {
	u32 map_type;
	u32 key_size;
	u32 value_size;
	u32 max_entries;
	u32 map_flags;
};

/**
 * struct bpfmap_ops - what a map type implements
 *
 * Every callback is optional except alloc_check, alloc and free; a missing
 * element or batch callback makes the command fail with ENOTSUPP, as the
 * kernel does.  Values cross these callbacks in the user layout: the
 * per-CPU types take and give round_up(value_size, 8) bytes per possible
 * CPU, or value_size bytes with BPFMAP_F_CPU / BPFMAP_F_ALL_CPUS.
 * Flags reaching the element callbacks passed bpfmap_check_op_flags().
 *
 * @alloc_check: validate the create attributes; no side effects.
 * @alloc: allocate a map of that shape; ERR_PTR on failure.
 * @free: release everything @alloc made.  Process context, after an RCU
 *	grace period that followed the last reference.
 * @lookup_elem: copy an element's value into @value.
 * @update_elem: create or replace an element, doing only what @ctx allows.
 *	Map-of-maps types take a struct bpfmap * (not an fd) at @value, check
 *	it against the template and take their own reference on success.
 * @delete_elem: remove an element.  Any context but NMI.
 * @get_next_key: the key after @key (@key NULL: the first key); reschedules
 *	only when @ctx is BPFMAP_CTX_SLEEP.
 * @lookup_and_delete_elem: copy out and remove, atomically.
 * @lookup_ptr: the lookup a BPF program makes: a pointer to the value (this
 *	CPU's, for per-CPU types), valid under the caller's RCU read lock; on
 *	LRU types it marks the element as used.
 * @lookup_percpu_ptr: as @lookup_ptr, for the per-CPU types only: @cpu's
 *	slot of the value (bpf_map_lookup_percpu_elem()).
 * @lookup_batch ... @delete_batch: batch commands; @cmd is the kernel copy
 *	(its pointers are the user's), @ucmd the user's struct, where count and
 *	the token go back.
 * @mem_usage: bytes of memory the map uses, for GET_INFO_BY_FD.
 * @mmap: map the values into @vma (BPFMAP_F_MMAPABLE arrays); the generic
 *	checks of bpfmap_map_mmap() ran already.
 */
struct bpfmap_ops {
	int (*alloc_check)(const struct bpfmap_map_create *attr);
	struct bpfmap *(*alloc)(const struct bpfmap_map_create *attr);
	void (*free)(struct bpfmap *map);

	int (*lookup_elem)(struct bpfmap *map, const void *key, void *value,
			   u64 flags);
	int (*update_elem)(struct bpfmap *map, const void *key,
			   const void *value, u64 flags, enum bpfmap_ctx ctx);
	int (*delete_elem)(struct bpfmap *map, const void *key);
	int (*get_next_key)(struct bpfmap *map, const void *key,
			    void *next_key, enum bpfmap_ctx ctx);
	int (*lookup_and_delete_elem)(struct bpfmap *map, const void *key,
				      void *value, u64 flags);
	void *(*lookup_ptr)(struct bpfmap *map, const void *key);
	void *(*lookup_percpu_ptr)(struct bpfmap *map, const void *key,
				   u32 cpu);

	int (*lookup_batch)(struct bpfmap *map, struct bpfmap_batch *cmd,
			    struct bpfmap_batch __user *ucmd);
	int (*lookup_and_delete_batch)(struct bpfmap *map,
				       struct bpfmap_batch *cmd,
				       struct bpfmap_batch __user *ucmd);
	int (*update_batch)(struct bpfmap *map, struct bpfmap_batch *cmd,
			    struct bpfmap_batch __user *ucmd);
	int (*delete_batch)(struct bpfmap *map, struct bpfmap_batch *cmd,
			    struct bpfmap_batch __user *ucmd);

	u64 (*mem_usage)(const struct bpfmap *map);
	int (*mmap)(struct bpfmap *map, struct vm_area_struct *vma);
};

/**
 * struct bpfmap - one map; each storage engine embeds it first
 *
 * @fast: first, what the inline bpfmap_kernel_lookup() of
 *	<linux/bpfmap_kernel.h> reads: the layout of an ARRAY or a
 *	PERCPU_ARRAY, set by array_map_alloc(); zero on other types
 * @ops: the type's callbacks
 * @map_type, @key_size, @value_size, @max_entries, @map_flags, @numa_node:
 *	the shape, fixed at creation (map_flags without RDONLY/WRONLY)
 * @id: global id, 0 until published in the id table
 * @refcnt: open fds plus in-kernel holders; the last put frees the map
 * @writers: syscall-side writes in flight and writable mappings, so that
 *	FREEZE can refuse (EBUSY) while one exists; see bpfmap_write_begin()
 * @freezing: set by FREEZE before it looks at @writers, cleared again when
 *	it fails; writers that see it wait for the verdict on @freeze_mutex
 * @frozen: set once, by a FREEZE that succeeded; syscall-side writes then
 *	fail with EPERM
 * @freeze_mutex: serialises FREEZE against itself, against mmap() and
 *	against writers waiting for a FREEZE's verdict; protects @frozen
 * @free_work: runs ->free in process context after an RCU grace period
 * @free_bytes: the map's size when its last reference went, counted in the
 *	backlog of pending frees until ->free ran
 * @unpublish_deferred: the last put could not take the id table's lock
 *	(PREEMPT_RT, hardirq): the free work removes the id
 * @name: NUL-terminated name
 * @inner_meta: map-of-maps: the template of the inner maps
 * @user_value_size: bytes of one value in the user layout without a CPU
 *	flag (per-CPU: one round_up(value_size, 8) slot per possible CPU;
 *	map-of-maps: a u32), worked out once at creation
 */
struct bpfmap {
	struct bpfmap_kernel_fast fast;
	const struct bpfmap_ops *ops;
	u32 map_type;
	u32 key_size;
	u32 value_size;
	u32 max_entries;
	u32 map_flags;
	int numa_node;
	u32 id;
	refcount_t refcnt;
	atomic_t writers;
	bool freezing;
	bool frozen;
	struct mutex freeze_mutex;
	struct rcu_work free_work;
	u64 free_bytes;
	bool unpublish_deferred;
	char name[BPFMAP_OBJ_NAME_LEN];
	struct bpfmap_meta inner_meta;
	u32 user_value_size;
};

/*
 * The type table's ops, for map.c and the engines that define them.  They
 * bear the kernel's own names (array_map_ops, ...), which <linux/bpf.h>
 * declares with its own type: a file that includes it (on 6.12 through
 * <linux/security.h>) and needs none of these defines BPFMAP_NO_TYPE_OPS
 * before including this header.
 */
#ifndef BPFMAP_NO_TYPE_OPS
#define BPFMAP_TYPE(type, ops) extern const struct bpfmap_ops ops;
#include "bpfmap_types.h"
#undef BPFMAP_TYPE
#endif

static inline bool bpfmap_is_percpu(const struct bpfmap *map)
{
	return map->map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ||
	       map->map_type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	       map->map_type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

static inline bool bpfmap_is_map_of_maps(const struct bpfmap *map)
{
	return map->map_type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS ||
	       map->map_type == BPFMAP_MAP_TYPE_HASH_OF_MAPS;
}

/* Bytes of one CPU's slot in the user per-CPU layout. */
static inline u32 bpfmap_percpu_slot_size(const struct bpfmap *map)
{
	return round_up(map->value_size, 8);
}

/**
 * bpfmap_value_size - bytes of one value in the user layout
 * @map: the map
 * @flags: the element flags of the command: with BPFMAP_F_CPU or
 *	BPFMAP_F_ALL_CPUS a per-CPU map's value is one CPU's value_size bytes
 */
static inline u32 bpfmap_value_size(const struct bpfmap *map, u64 flags)
{
	if (unlikely(flags & (BPFMAP_F_CPU | BPFMAP_F_ALL_CPUS)) &&
	    bpfmap_is_percpu(map))
		return map->value_size;
	return map->user_value_size;
}

/* src/map.c: object lifetime, ids, the type table */
void bpfmap_init_from_attr(struct bpfmap *map,
			   const struct bpfmap_map_create *attr);
struct bpfmap *bpfmap_create(const struct bpfmap_map_create *attr);
void bpfmap_get(struct bpfmap *map);
void bpfmap_put(struct bpfmap *map);
int bpfmap_new_fd(struct bpfmap *map, int flags);
struct bpfmap *bpfmap_get_by_id(u32 id);
int bpfmap_get_next_id(u32 start_id, u32 *next_id);
struct bpfmap *bpfmap_from_file(struct file *file);
int bpfmap_freeze(struct bpfmap *map);
bool bpfmap_write_begin(struct bpfmap *map);
void bpfmap_write_end(struct bpfmap *map);
u64 bpfmap_mem_usage(const struct bpfmap *map);
void *bpfmap_area_alloc(u64 size, int numa_node);
void *bpfmap_area_alloc_mmapable(u64 size, struct page ***pages);
void bpfmap_area_free_mmapable(void *area, struct page **pages, u64 size);
void bpfmap_area_free(void *area);
int bpfmap_init_ids(void);
void bpfmap_uninit_ids(void);
#if IS_ENABLED(CONFIG_KUNIT)
extern u64 bpfmap_free_backlog_max;
u64 bpfmap_free_backlog_bytes(void);
void bpfmap_flush_frees(void);
#endif

/*
 * src/elem.c: the element operations, shared by the ioctls and in-kernel
 * users.  bpfmap_map_*() check the flags and call the map type in any
 * context but NMI; __bpfmap_map_*() skip the flag check, for callers that
 * made it already, and those that can sleep take the caller's context
 * (the ioctls pass BPFMAP_CTX_SLEEP), as the kernel splits the syscall's
 * map_update_elem() from bpf_map_update_elem().
 */
#define BPFMAP_F_ALL_FLAGS	(~0ULL)
int bpfmap_check_op_flags(const struct bpfmap *map, u64 flags, u64 allowed);
int __bpfmap_map_update_elem(struct bpfmap *map, const void *key,
			     const void *value, u64 flags,
			     enum bpfmap_ctx ctx);
int __bpfmap_map_get_next_key(struct bpfmap *map, const void *key,
			      void *next_key, enum bpfmap_ctx ctx);
int __bpfmap_map_lookup_and_delete_elem(struct bpfmap *map, const void *key,
					void *value, u64 flags);
int bpfmap_map_lookup_elem(struct bpfmap *map, const void *key, void *value,
			   u64 flags);

/* Inline: the lookup ioctl's path, where every call costs. */
static inline int __bpfmap_map_lookup_elem(struct bpfmap *map, const void *key,
					   void *value, u64 flags)
{
	if (!map->ops->lookup_elem)
		return -ENOTSUPP;
	return map->ops->lookup_elem(map, key, value, flags);
}

int bpfmap_map_update_elem(struct bpfmap *map, const void *key,
			   const void *value, u64 flags);
int bpfmap_map_delete_elem(struct bpfmap *map, const void *key);
int bpfmap_map_get_next_key(struct bpfmap *map, const void *key,
			    void *next_key);
int bpfmap_map_lookup_and_delete_elem(struct bpfmap *map, const void *key,
				      void *value, u64 flags);
void *bpfmap_map_lookup_ptr(struct bpfmap *map, const void *key);
void *bpfmap_map_lookup_percpu_ptr(struct bpfmap *map, const void *key,
				   u32 cpu);

/* src/map_in_map.c: inner-map templates and references */
int bpfmap_meta_init(struct bpfmap *outer, const struct bpfmap_map_create *attr);
const void *bpfmap_fd_value_get(struct bpfmap *outer, const void *key,
				const void *value, u64 flags,
				struct bpfmap **inner);
void bpfmap_fd_value_put(struct bpfmap *inner);
int bpfmap_inner_check(struct bpfmap *outer, struct bpfmap *inner);
u32 bpfmap_inner_id(struct bpfmap *inner);

/*
 * src/arraymap.c, src/hashtab.c: the lookup_ptr and update_elem ops of the
 * array and hash types, called directly by type from the in-kernel API
 * (src/kapi.c) instead of through ->ops.
 */
void *bpfmap_array_lookup_ptr(struct bpfmap *map, const void *key);
int bpfmap_array_update_elem(struct bpfmap *map, const void *key,
			     const void *value, u64 flags, enum bpfmap_ctx ctx);
u8 *bpfmap_array_values(const struct bpfmap *map);
void *bpfmap_htab_lookup_ptr(struct bpfmap *map, const void *key);
int bpfmap_htab_update_elem(struct bpfmap *map, const void *key,
			    const void *value, u64 flags, enum bpfmap_ctx ctx);

/* src/percpu_value.c: per-CPU values in the user layout */
void bpfmap_percpu_copy_out(const struct bpfmap *map, void __percpu *pptr,
			    void *value, u64 flags);
void __bpfmap_percpu_copy_in(const struct bpfmap *map, void __percpu *pptr,
			     const void *value, u64 flags, bool fresh);

/*
 * bpfmap_percpu_copy_in - as __bpfmap_percpu_copy_in(), with its most
 * frequent case inline: one CPU's slot of an element that exists.
 */
static inline void bpfmap_percpu_copy_in(const struct bpfmap *map,
					 void __percpu *pptr,
					 const void *value, u64 flags,
					 bool fresh)
{
	if ((flags & BPFMAP_F_CPU) && !fresh) {
		memcpy(per_cpu_ptr(pptr, (u32)(flags >> 32)), value,
		       map->value_size);
		return;
	}
	__bpfmap_percpu_copy_in(map, pptr, value, flags, fresh);
}

/* src/batch.c: the batch commands built on element operations */
int bpfmap_generic_lookup_batch(struct bpfmap *map, struct bpfmap_batch *cmd,
				struct bpfmap_batch __user *ucmd);
int bpfmap_generic_update_batch(struct bpfmap *map, struct bpfmap_batch *cmd,
				struct bpfmap_batch __user *ucmd);
int bpfmap_generic_delete_batch(struct bpfmap *map, struct bpfmap_batch *cmd,
				struct bpfmap_batch __user *ucmd);

/* src/chardev.c: /dev/bpfmap */
long bpfmap_map_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int bpfmap_chardev_init(void);
void bpfmap_chardev_uninit(void);

/* src/bpfmapfs.c: the filesystem that pins maps */
int bpfmapfs_obj_pin(u32 ufd, const char __user *pathname);
int bpfmapfs_obj_get(const char __user *pathname, int flags);
int bpfmapfs_pin_kernel(struct bpfmap *map, const char *pathname);
struct bpfmap *bpfmapfs_get_kernel(const char *pathname);
int bpfmapfs_init(void);
void bpfmapfs_uninit(void);

/* src/debugfs.c: test hooks, present with the module parameter test_hooks */
void bpfmap_debugfs_init(void);
void bpfmap_debugfs_uninit(void);

#endif /* _BPFMAP_H */
