// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Map objects: the type table, creation, reference counting, ids, map fds,
 * FREEZE and the memory helpers the storage engines share.
 *
 * Lifetime: a map starts with one reference, which the fd made by
 * bpfmap_new_fd() takes over.  Every further fd and every in-kernel holder
 * takes another.  The last bpfmap_put() unpublishes the id at once, then
 * frees the map from a workqueue after an RCU grace period, so lockless
 * readers that found it by id (or, later, through an outer map) under RCU
 * never see freed memory.
 *
 * Those deferred frees are bounded: the bytes of maps waiting for theirs
 * are counted, and MAP_CREATE waits while they exceed an eighth of RAM, so
 * a loop that creates and closes large maps cannot outrun the frees and
 * fill memory with maps nobody can reach any more.
 */

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/hardirq.h>
#include <linux/lockdep.h>
#include <linux/fs.h>
#include <linux/nodemask.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <kunit/visibility.h>

#include "bpfmap.h"

static const struct bpfmap_ops * const bpfmap_types[] = {
#define BPFMAP_TYPE(type, ops) [type] = &ops,
#include "bpfmap_types.h"
#undef BPFMAP_TYPE
};

/*
 * Published maps by id.  The xarray's own lock serialises id allocation and
 * removal; lookups run under RCU and must win a refcount_inc_not_zero().
 * The lock is IRQ-safe (taken with interrupts off everywhere), because the
 * last bpfmap_put() may run in softirq or hardirq context and removes the
 * id there, as the kernel's bpf_map_put() does under its irqsave idr lock.
 */
static DEFINE_XARRAY_FLAGS(bpfmap_ids, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
static u32 bpfmap_next_id;

/* Runs the deferred frees; destroyed (drained) at module exit. */
static struct workqueue_struct *bpfmap_free_wq;

/* Maps created and not yet freed, so that module exit can wait for them. */
static atomic_t bpfmap_nr_maps = ATOMIC_INIT(0);

/*
 * Bytes of maps whose last reference is gone and whose free is still
 * pending (grace period or work).  Raised by the last bpfmap_put(), lowered
 * by the free; MAP_CREATE sleeps on bpfmap_free_waitq while it is above
 * bpfmap_free_backlog_max, an eighth of RAM (set at module init; KUnit may
 * change it).
 */
static atomic64_t bpfmap_free_backlog = ATOMIC64_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(bpfmap_free_waitq);
VISIBLE_IF_KUNIT u64 bpfmap_free_backlog_max;
EXPORT_SYMBOL_IF_KUNIT(bpfmap_free_backlog_max);

static const struct file_operations bpfmap_map_fops;

/*
 * Zeroed memory for a map, charged to the caller's memory cgroup.
 * kvmalloc refuses sizes above INT_MAX, which the kernel's maps do not
 * know: those go straight to vmalloc (on any node), so that such an area
 * fails only when the memory is not there, with ENOMEM, as bpf(2) does.
 * Process context; may sleep.  Free with bpfmap_area_free().
 */
void *bpfmap_area_alloc(u64 size, int numa_node)
{
	if (size <= INT_MAX)
		return kvzalloc_node(size, BPFMAP_GFP_KV, numa_node);
	if (size >= SIZE_MAX - PAGE_SIZE)
		return NULL;
	return __vmalloc(size, BPFMAP_GFP_KV | __GFP_ZERO);
}

/*
 * Zeroed, page-aligned memory that remap_vmalloc_range() can map into
 * userspace, for BPFMAP_F_MMAPABLE arrays.  The pages are charged to the
 * caller's memory cgroup (vmalloc_user() charges nothing on 6.1) and
 * mapped with vmap(VM_USERMAP); *@pages receives them for
 * bpfmap_area_free_mmapable().  A size that cannot fit in RAM is refused
 * before anything is allocated.  Process context; may sleep.
 */
void *bpfmap_area_alloc_mmapable(u64 size, struct page ***pages)
{
	unsigned long nr, i;
	struct page **p;
	void *area;

	size = PAGE_ALIGN(size);
	if (!size || size >> PAGE_SHIFT > totalram_pages())
		return NULL;
	nr = size >> PAGE_SHIFT;
	p = kvcalloc(nr, sizeof(*p), BPFMAP_GFP_KV);
	if (!p)
		return NULL;
	for (i = 0; i < nr; i++) {
		p[i] = alloc_page(BPFMAP_GFP_KV | __GFP_ZERO);
		if (!p[i])
			goto err_free_pages;
		cond_resched();
	}
	area = vmap(p, nr, VM_MAP | VM_USERMAP, PAGE_KERNEL);
	if (!area)
		goto err_free_pages;
	*pages = p;
	return area;

err_free_pages:
	while (i--)
		__free_page(p[i]);
	kvfree(p);
	return NULL;
}

/* Undoes bpfmap_area_alloc_mmapable(); @size as given to it.  May sleep. */
void bpfmap_area_free_mmapable(void *area, struct page **pages, u64 size)
{
	unsigned long i, nr = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (!area)
		return;
	vunmap(area);
	for (i = 0; i < nr; i++) {
		__free_page(pages[i]);
		cond_resched();
	}
	kvfree(pages);
}

void bpfmap_area_free(void *area)
{
	kvfree(area);
}

void bpfmap_init_from_attr(struct bpfmap *map,
			   const struct bpfmap_map_create *attr)
{
	map->map_type = attr->map_type;
	map->key_size = attr->key_size;
	map->value_size = attr->value_size;
	map->max_entries = attr->max_entries;
	map->map_flags = attr->map_flags &
			 ~(BPFMAP_F_RDONLY | BPFMAP_F_WRONLY);
	map->numa_node = (attr->map_flags & BPFMAP_F_NUMA_NODE) ?
			 (int)attr->numa_node : NUMA_NO_NODE;
	if (bpfmap_is_percpu(map))
		map->user_value_size = bpfmap_percpu_slot_size(map) *
				       num_possible_cpus();
	else if (bpfmap_is_map_of_maps(map))
		map->user_value_size = sizeof(u32);
	else
		map->user_value_size = map->value_size;
}

/* The kernel's rule: [A-Za-z0-9_.], NUL-terminated within the field. */
static int bpfmap_name_check(const char *name)
{
	const char *end = name + BPFMAP_OBJ_NAME_LEN;

	for (; name < end && *name; name++) {
		if (!isalnum(*name) && *name != '_' && *name != '.')
			return -EINVAL;
	}
	return name < end ? 0 : -EINVAL;
}

static const struct bpfmap_ops *bpfmap_type_ops(u32 type)
{
	if (type >= ARRAY_SIZE(bpfmap_types))
		return NULL;
	type = array_index_nospec(type, ARRAY_SIZE(bpfmap_types));
	return bpfmap_types[type];
}

/*
 * Called from bpfmap_create(); may sleep.  Gives @map an id.  As bpf(2):
 * ENOSPC when every id is taken (the xarray says EBUSY), ENOMEM when the
 * xarray could not allocate a node.
 */
static int bpfmap_publish(struct bpfmap *map)
{
	int err;

	might_sleep();
	err = xa_alloc_cyclic_irq(&bpfmap_ids, &map->id, map, xa_limit_31b,
				  &bpfmap_next_id, GFP_KERNEL_ACCOUNT);
	if (err == -EBUSY)
		return -ENOSPC;
	return err < 0 ? err : 0;
}

/* Bytes of closed maps whose free has not run yet. */
VISIBLE_IF_KUNIT u64 bpfmap_free_backlog_bytes(void)
{
	return atomic64_read(&bpfmap_free_backlog);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_free_backlog_bytes);

/*
 * Called from bpfmap_create() before it allocates; may sleep.  Waits while
 * closed maps waiting for their free hold more than the bound, so that a
 * create-and-close loop is paced by the frees.  -EINTR on a fatal signal.
 */
static int bpfmap_wait_for_frees(void)
{
	if (wait_event_killable(bpfmap_free_waitq,
				bpfmap_free_backlog_bytes() <=
				READ_ONCE(bpfmap_free_backlog_max)))
		return -EINTR;
	return 0;
}

/**
 * bpfmap_create - validate @attr and make a map with one reference
 * @attr: the create command as userspace gave it (size already checked)
 *
 * Called from the MAP_CREATE ioctl; may sleep, waiting for the frees of
 * closed maps (bpfmap_wait_for_frees()).  The checks run in the kernel's
 * order, all before any allocation.  Returns the map with its id published,
 * or an ERR_PTR.
 */
struct bpfmap *bpfmap_create(const struct bpfmap_map_create *attr)
{
	const struct bpfmap_ops *ops;
	struct bpfmap *map;
	int err;

	if (attr->map_extra)
		return ERR_PTR(-EINVAL);
	if ((attr->map_flags & BPFMAP_F_RDONLY) &&
	    (attr->map_flags & BPFMAP_F_WRONLY))
		return ERR_PTR(-EINVAL);
	if ((attr->map_flags & BPFMAP_F_NUMA_NODE) &&
	    (attr->numa_node >= nr_node_ids || !node_online(attr->numa_node)))
		return ERR_PTR(-EINVAL);
	ops = bpfmap_type_ops(attr->map_type);
	if (!ops)
		return ERR_PTR(-EINVAL);
	err = ops->alloc_check(attr);
	if (err)
		return ERR_PTR(err);
	err = bpfmap_name_check(attr->map_name);
	if (err)
		return ERR_PTR(err);
	err = bpfmap_wait_for_frees();
	if (err)
		return ERR_PTR(err);

	map = ops->alloc(attr);
	if (IS_ERR(map))
		return map;
	map->ops = ops;
	atomic_inc(&bpfmap_nr_maps);
	refcount_set(&map->refcnt, 1);
	atomic_set(&map->writers, 0);
	map->freezing = false;
	map->frozen = false;
	mutex_init(&map->freeze_mutex);
	strscpy(map->name, attr->map_name, sizeof(map->name));

	err = bpfmap_publish(map);
	if (err)
		goto err_free;
	pr_debug("map %u (%s) created\n", map->id, map->name);
	return map;

err_free:
	mutex_destroy(&map->freeze_mutex);
	ops->free(map);
	atomic_dec(&bpfmap_nr_maps);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_create);

/*
 * Take a reference on a map the caller holds one on.  Any context but
 * NMI.
 */
void bpfmap_get(struct bpfmap *map)
{
	refcount_inc(&map->refcnt);
}

/* Take the id of a map whose last reference went.  Any context but NMI. */
static void bpfmap_unpublish(struct bpfmap *map)
{
	unsigned long flags;

	xa_lock_irqsave(&bpfmap_ids, flags);
	__xa_erase(&bpfmap_ids, map->id);
	xa_unlock_irqrestore(&bpfmap_ids, flags);
}

/*
 * The free work, in process context (a workqueue, after an RCU grace period
 * that followed the last put); may sleep.  ->free may drop inner maps,
 * whose own last put then queues their free in turn.
 */
static void bpfmap_free_deferred(struct work_struct *work)
{
	struct bpfmap *map = container_of(to_rcu_work(work), struct bpfmap,
					  free_work);
	u64 bytes = map->free_bytes;

	might_sleep();
	if (map->unpublish_deferred) {
		bpfmap_unpublish(map);
		/* A reader may have found it by id since the grace period. */
		synchronize_rcu();
	}
	pr_debug("map %u freed\n", map->id);
	mutex_destroy(&map->freeze_mutex);
	map->ops->free(map);
	atomic64_sub(bytes, &bpfmap_free_backlog);
	wake_up(&bpfmap_free_waitq);
	atomic_dec(&bpfmap_nr_maps);
}

/**
 * bpfmap_put - drop a reference
 * @map: the map
 *
 * Any context but NMI; never sleeps.  The last put removes the id at once
 * (under the id table's IRQ-safe lock) and defers the free to a workqueue
 * after an RCU grace period; until it ran, the map's bytes count in the
 * backlog that MAP_CREATE waits on.  On PREEMPT_RT, where that lock
 * sleeps, a last put with preemption or interrupts off (hardirq) leaves
 * the id to the free work as well: bpfmap_get_by_id() fails at once all
 * the same (the count is zero), only GET_NEXT_ID may still list the id
 * until the work ran.  What the last put reaches: bpfmap_mem_usage()
 * (raw locks only), call_rcu(); ->free then runs in the work.
 */
void bpfmap_put(struct bpfmap *map)
{
	lockdep_assert(!in_nmi());
	if (!refcount_dec_and_test(&map->refcnt))
		return;
	map->unpublish_deferred = !bpfmap_may_take_spinlock();
	if (!map->unpublish_deferred)
		bpfmap_unpublish(map);
	/* Nothing can change the map any more, so neither its size. */
	map->free_bytes = max_t(u64, bpfmap_mem_usage(map), sizeof(*map));
	atomic64_add(map->free_bytes, &bpfmap_free_backlog);
	INIT_RCU_WORK(&map->free_work, bpfmap_free_deferred);
	queue_rcu_work(bpfmap_free_wq, &map->free_work);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_put);

/**
 * bpfmap_get_by_id - find a published map and take a reference
 * @id: the id
 *
 * Called from the GET_FD_BY_ID ioctl and in-kernel users; any context but
 * NMI (RCU only, no lock).
 * Returns the map or ERR_PTR(-ENOENT).
 */
struct bpfmap *bpfmap_get_by_id(u32 id)
{
	struct bpfmap *map;

	rcu_read_lock();
	map = xa_load(&bpfmap_ids, id);
	if (map && !refcount_inc_not_zero(&map->refcnt))
		map = NULL;
	rcu_read_unlock();
	return map ?: ERR_PTR(-ENOENT);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_get_by_id);

/* Called from the GET_NEXT_ID ioctl; any context (RCU only). */
int bpfmap_get_next_id(u32 start_id, u32 *next_id)
{
	unsigned long index = start_id;
	void *entry;

	if (start_id >= INT_MAX)
		return -ENOENT;
	rcu_read_lock();
	entry = xa_find_after(&bpfmap_ids, &index, INT_MAX, XA_PRESENT);
	rcu_read_unlock();
	if (!entry)
		return -ENOENT;
	*next_id = index;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_get_next_id);

static int bpfmap_map_release(struct inode *inode, struct file *file)
{
	bpfmap_put(file->private_data);
	return 0;
}

static void bpfmap_map_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct bpfmap *map = file->private_data;

	seq_printf(m, "map_type:\t%u\n", map->map_type);
	seq_printf(m, "key_size:\t%u\n", map->key_size);
	seq_printf(m, "value_size:\t%u\n", map->value_size);
	seq_printf(m, "max_entries:\t%u\n", map->max_entries);
	seq_printf(m, "map_flags:\t%#x\n", map->map_flags);
	seq_printf(m, "memlock:\t%llu\n", bpfmap_mem_usage(map));
	seq_printf(m, "map_id:\t%u\n", map->id);
	seq_printf(m, "frozen:\t%u\n", READ_ONCE(map->frozen));
}

/*
 * A writable mapping counts as a writer for FREEZE, for as long as it
 * exists (mmap() itself took the first count; forks and splits open more).
 */
static void bpfmap_vma_open(struct vm_area_struct *vma)
{
	struct bpfmap *map = vma->vm_private_data;

	if (vma->vm_flags & VM_MAYWRITE)
		atomic_inc(&map->writers);
}

static void bpfmap_vma_close(struct vm_area_struct *vma)
{
	struct bpfmap *map = vma->vm_private_data;

	if (vma->vm_flags & VM_MAYWRITE)
		atomic_dec(&map->writers);
}

static const struct vm_operations_struct bpfmap_vm_ops = {
	.open = bpfmap_vma_open,
	.close = bpfmap_vma_close,
};

/*
 * Called from mmap(2) on a map fd.  As bpf(2): types without mmap give
 * ENOTSUPP, private mappings EINVAL, a writable mapping of a frozen map
 * EPERM and of a BPFMAP_F_RDONLY_PROG map EACCES.  The file (and so the
 * map) stays alive as long as the mapping.
 */
static int bpfmap_map_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct bpfmap *map = file->private_data;
	bool writable = vma->vm_flags & VM_WRITE;
	int err = 0;

	if (!map->ops->mmap)
		return -ENOTSUPP;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	mutex_lock(&map->freeze_mutex);
	if (writable) {
		if (map->frozen)
			err = -EPERM;
		else if (map->map_flags & BPFMAP_F_RDONLY_PROG)
			err = -EACCES;
		else
			atomic_inc(&map->writers);
	}
	mutex_unlock(&map->freeze_mutex);
	if (err)
		return err;

	vma->vm_ops = &bpfmap_vm_ops;
	vma->vm_private_data = map;
	vm_flags_clear(vma, VM_MAYEXEC);
	/* A read-only mapping may not become writable with mprotect(). */
	if (!writable)
		vm_flags_clear(vma, VM_MAYWRITE);

	err = map->ops->mmap(map, vma);
	if (err && writable)
		atomic_dec(&map->writers);
	return err;
}

static const struct file_operations bpfmap_map_fops = {
	.owner = THIS_MODULE,
	.release = bpfmap_map_release,
	.unlocked_ioctl = bpfmap_map_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = bpfmap_map_mmap,
	.show_fdinfo = bpfmap_map_show_fdinfo,
	.llseek = noop_llseek,
};

/**
 * bpfmap_new_fd - install a new fd for @map
 * @map: the map; on success the fd owns one reference the caller gave it
 * @flags: O_RDONLY, O_WRONLY or O_RDWR
 *
 * Returns the fd (O_CLOEXEC) or -errno; on failure the reference stays the
 * caller's.
 */
int bpfmap_new_fd(struct bpfmap *map, int flags)
{
	return anon_inode_getfd("bpfmap-map", &bpfmap_map_fops, map,
				flags | O_CLOEXEC);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_new_fd);

/* The map behind a file, or NULL when the file is not a map fd. */
struct bpfmap *bpfmap_from_file(struct file *file)
{
	return file->f_op == &bpfmap_map_fops ? file->private_data : NULL;
}

/*
 * FREEZE and syscall-side writers.
 *
 * A write raises @writers and then looks at @freezing; FREEZE, under
 * @freeze_mutex, sets @freezing and then looks at @writers.  With a full
 * barrier between the store and the load on both sides (store buffering),
 * at least one of them sees the other: a writer that saw no FREEZE at work
 * is seen by every FREEZE that starts later, which then fails with EBUSY.
 * So no write can start after a FREEZE succeeded.
 *
 * @frozen, which writers and GET_INFO report, is set only once FREEZE has
 * succeeded; a FREEZE that fails only ever showed @freezing, which it
 * clears again before it drops the mutex.  A writer that sees @freezing
 * cannot tell yet whether that FREEZE saw it, so it waits for the verdict
 * by taking @freeze_mutex (FREEZE decides without waiting for anyone, so
 * this cannot deadlock), keeping its own count raised: if the FREEZE
 * failed, the writer proceeds, and every later FREEZE sees its count.
 * After a successful FREEZE @freezing stays set, so writers of a frozen
 * map take that slow path and fail with EPERM.
 */

/**
 * bpfmap_write_begin - enter a syscall-side write
 * @map: the map
 *
 * Called from the element and batch ioctls, in process context; may sleep
 * while a FREEZE of @map is deciding.  Returns false, entering nothing,
 * when the map is frozen.
 */
bool bpfmap_write_begin(struct bpfmap *map)
{
	bool frozen;

	might_sleep();
	atomic_inc(&map->writers);
	/* Pairs with the smp_mb() in bpfmap_freeze(). */
	smp_mb__after_atomic();
	if (likely(!READ_ONCE(map->freezing)))
		return true;

	mutex_lock(&map->freeze_mutex);
	frozen = map->frozen;
	mutex_unlock(&map->freeze_mutex);
	if (!frozen)
		return true;
	atomic_dec(&map->writers);
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_write_begin);

void bpfmap_write_end(struct bpfmap *map)
{
	atomic_dec(&map->writers);
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_write_end);

/**
 * bpfmap_freeze - make the map read-only for syscall-side writers
 * @map: the map
 *
 * Called from the MAP_FREEZE ioctl; may sleep.  Returns 0, or -EBUSY when
 * the map is already frozen or a write is in flight; a FREEZE that fails
 * leaves no trace a writer or GET_INFO could see.
 */
int bpfmap_freeze(struct bpfmap *map)
{
	int err = 0;

	mutex_lock(&map->freeze_mutex);
	if (map->frozen) {
		err = -EBUSY;
		goto out;
	}
	WRITE_ONCE(map->freezing, true);
	/* Pairs with smp_mb__after_atomic() in bpfmap_write_begin(). */
	smp_mb();
	if (atomic_read(&map->writers)) {
		WRITE_ONCE(map->freezing, false);
		err = -EBUSY;
		goto out;
	}
	WRITE_ONCE(map->frozen, true);
out:
	mutex_unlock(&map->freeze_mutex);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_freeze);

u64 bpfmap_mem_usage(const struct bpfmap *map)
{
	return map->ops->mem_usage ? map->ops->mem_usage(map) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_mem_usage);

int bpfmap_init_ids(void)
{
	bpfmap_free_backlog_max = ((u64)totalram_pages() << PAGE_SHIFT) / 8;
	bpfmap_free_wq = alloc_workqueue("bpfmap_free", WQ_UNBOUND, 0);
	return bpfmap_free_wq ? 0 : -ENOMEM;
}

/**
 * bpfmap_flush_frees - wait until every map put so far is freed
 *
 * May sleep.  A freed outer map drops its inner maps, whose frees wait for
 * another grace period: so wait for RCU callbacks and the queue in turn
 * until the backlog is empty.  Maps put meanwhile by others may keep it
 * from ever being empty; callers make sure there are none.
 */
VISIBLE_IF_KUNIT void bpfmap_flush_frees(void)
{
	do {
		rcu_barrier();
		flush_workqueue(bpfmap_free_wq);
	} while (bpfmap_free_backlog_bytes());
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_flush_frees);

/*
 * Called at module exit, when no fd can exist any more (each holds a module
 * reference): so every map left is on its way to being freed.  Wait for
 * them all, then destroy the queue.
 */
void bpfmap_uninit_ids(void)
{
	do {
		bpfmap_flush_frees();
	} while (atomic_read(&bpfmap_nr_maps));
	destroy_workqueue(bpfmap_free_wq);
	WARN_ON(!xa_empty(&bpfmap_ids));
}
