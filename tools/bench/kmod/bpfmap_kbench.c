// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * bpfmap_kbench: the kernel side of bench_maps' kernel table.  It drives a
 * bpfmap map from kernel code through the exported API
 * (<linux/bpfmap_kernel.h>) as the kernel's BPF_PROG_TEST_RUN drives a BPF
 * program: the runs under rcu_read_lock() with migration disabled, timed
 * with ktime_get_ns() around all of them, leaving that section between two
 * runs when the task should reschedule, stopping at a signal.  Userspace
 * says which map (a fd), which operation, how many per run and how many
 * runs, through one ioctl on /dev/bpfmap_kbench (bpfmap_kbench.h).
 *
 * A bench module: root only, but no input makes it misbehave.  The map's
 * key and value sizes are checked against the buffers here before any
 * operation.
 */

#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include <linux/bpfmap_kernel.h>

#include "bpfmap_kbench.h"

/* bench_maps' key_put(): spreads the bits of an 8-byte key. */
#define KBENCH_KEY_MUL		0x9E3779B97F4A7C15ULL

struct kbench {
	struct bpfmap *map;	/* the map the operations use */
	struct bpfmap *outer;	/* for INNER_LOOKUP: the map-of-maps */
	u32 op;
	u32 ops;
	u32 key_size;
	u32 flags_cpu;		/* per-CPU update: BPFMAP_F_CPU */
	u8 value[BPFMAP_KBENCH_MAX_VALUE] __aligned(8);
};

static __always_inline u64 kbench_key(u32 key_size, u32 i)
{
	return key_size == 4 ? i : (i + 1ULL) * KBENCH_KEY_MUL;
}

/*
 * The loops of one run, for a key size known at compile time, as the BPF
 * program is assembled for its key size: the misses (no element, or an
 * error).
 */
static __always_inline u64 kbench_lookups(struct bpfmap *map, u32 ops,
					  const u32 ks)
{
	u64 misses = 0, key;
	u32 i;

	for (i = 0; i < ops; i++) {
		key = kbench_key(ks, i);
		if (!bpfmap_kernel_lookup(map, &key))
			misses++;
	}
	return misses;
}

/*
 * A view lookup run: the view taken here, once per run (inside the timed
 * region: its call is part of the cost), then the index passed by value,
 * nothing through the stack.  All misses if the map has no view.
 */
static u64 kbench_view_lookups(struct bpfmap *map, u32 ops)
{
	struct bpfmap_kernel_array_view view;
	u64 misses = 0;
	u32 i;

	if (bpfmap_kernel_array_view(map, &view))
		return ops;
	for (i = 0; i < ops; i++)
		if (!bpfmap_kernel_array_view_lookup(&view, i))
			misses++;
	return misses;
}

static __always_inline u64 kbench_updates(struct bpfmap *map, u32 ops,
					  const u32 ks, const void *value,
					  u64 flags)
{
	u64 misses = 0, key;
	u32 i;

	for (i = 0; i < ops; i++) {
		key = kbench_key(ks, i);
		if (bpfmap_kernel_update(map, &key, value, flags))
			misses++;
	}
	return misses;
}

static __always_inline u64 kbench_inner_lookups(struct bpfmap *outer,
						u32 ops, const u32 ks)
{
	u64 misses = 0, key;
	struct bpfmap *inner;
	u32 zero = 0, i;

	for (i = 0; i < ops; i++) {
		key = kbench_key(ks, i);
		inner = bpfmap_kernel_lookup_inner(outer, &zero);
		if (!inner || !bpfmap_kernel_lookup(inner, &key))
			misses++;
	}
	return misses;
}

/*
 * One run: kb->ops operations; the misses.  Called with rcu_read_lock()
 * held and migration disabled, as a BPF program runs.
 */
static u64 kbench_run_once(const struct kbench *kb)
{
	u64 flags = 0;

	switch (kb->op) {
	case BPFMAP_KBENCH_LOOKUP:
		if (kb->key_size == 4)
			return kbench_lookups(kb->map, kb->ops, 4);
		return kbench_lookups(kb->map, kb->ops, 8);
	case BPFMAP_KBENCH_UPDATE:
		/* this CPU's slot only, as a BPF program's update writes */
		if (kb->flags_cpu)
			flags = BPFMAP_F_CPU |
				(u64)raw_smp_processor_id() << 32;
		if (kb->key_size == 4)
			return kbench_updates(kb->map, kb->ops, 4, kb->value,
					      flags);
		return kbench_updates(kb->map, kb->ops, 8, kb->value, flags);
	case BPFMAP_KBENCH_INNER_LOOKUP:
		if (kb->key_size == 4)
			return kbench_inner_lookups(kb->outer, kb->ops, 4);
		return kbench_inner_lookups(kb->outer, kb->ops, 8);
	case BPFMAP_KBENCH_VIEW_LOOKUP:
		return kbench_view_lookups(kb->map, kb->ops);
	}
	return 0;
}

/*
 * @repeat runs as bpf_test_run() makes them (net/bpf/test_run.c): the
 * time of all runs in *@ns, the last run's misses in *@misses.  Process
 * context; may sleep between runs.  -EINTR on a signal.
 */
static int kbench_time(const struct kbench *kb, u32 repeat, u64 *ns,
		       u64 *misses)
{
	u64 start, spent = 0;
	u32 r;

	rcu_read_lock();
	migrate_disable();
	start = ktime_get_ns();
	for (r = 0; r < repeat; r++) {
		*misses = kbench_run_once(kb);
		if (r + 1 == repeat)
			break;
		if (signal_pending(current)) {
			migrate_enable();
			rcu_read_unlock();
			return -EINTR;
		}
		if (need_resched()) {
			spent += ktime_get_ns() - start;
			migrate_enable();
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
			migrate_disable();
			start = ktime_get_ns();
		}
	}
	spent += ktime_get_ns() - start;
	migrate_enable();
	rcu_read_unlock();
	*ns = spent;
	return 0;
}

/* Whether the map's shape fits what this module passes for key and value. */
static int kbench_check_map(struct bpfmap *map, u32 *key_size, bool *percpu)
{
	struct bpfmap_kernel_info info;

	bpfmap_kernel_get_info(map, &info);
	switch (info.map_type) {
	case BPFMAP_MAP_TYPE_ARRAY:
	case BPFMAP_MAP_TYPE_HASH:
	case BPFMAP_MAP_TYPE_LRU_HASH:
		*percpu = false;
		break;
	case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
	case BPFMAP_MAP_TYPE_PERCPU_HASH:
	case BPFMAP_MAP_TYPE_LRU_PERCPU_HASH:
		*percpu = true;
		break;
	default:
		return -EINVAL;
	}
	if (info.key_size != 4 && info.key_size != 8)
		return -EINVAL;
	if (info.value_size > BPFMAP_KBENCH_MAX_VALUE)
		return -E2BIG;
	*key_size = info.key_size;
	return 0;
}

/*
 * The map of an INNER_LOOKUP: the inner map at key 0 of a 4-byte-key
 * map-of-maps, by id with a reference, so it can be checked like any map.
 */
static struct bpfmap *kbench_inner(struct bpfmap *outer)
{
	struct bpfmap_kernel_info info;
	struct bpfmap *inner;
	u32 zero = 0, id = 0;

	bpfmap_kernel_get_info(outer, &info);
	if (info.map_type != BPFMAP_MAP_TYPE_ARRAY_OF_MAPS &&
	    info.map_type != BPFMAP_MAP_TYPE_HASH_OF_MAPS)
		return ERR_PTR(-EINVAL);
	if (info.key_size != sizeof(zero))
		return ERR_PTR(-EINVAL);
	rcu_read_lock();
	inner = bpfmap_kernel_lookup_inner(outer, &zero);
	if (inner)
		id = bpfmap_kernel_id(inner);
	rcu_read_unlock();
	if (!id)
		return ERR_PTR(-ENOENT);
	return bpfmap_kernel_get_by_id(id);
}

/* Called from ioctl(); process context, may sleep. */
static long kbench_ioctl_run(struct bpfmap_kbench_run __user *uarg)
{
	struct bpfmap_kbench_run arg;
	struct kbench kb = {};
	bool percpu;
	int err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.op > BPFMAP_KBENCH_VIEW_LOOKUP || !arg.ops ||
	    arg.ops > BPFMAP_KBENCH_MAX_OPS || !arg.repeat ||
	    arg.repeat > BPFMAP_KBENCH_MAX_REPEAT)
		return -EINVAL;

	kb.op = arg.op;
	kb.ops = arg.ops;
	kb.map = bpfmap_kernel_get_by_fd(arg.map_fd);
	if (IS_ERR(kb.map))
		return PTR_ERR(kb.map);
	if (arg.op == BPFMAP_KBENCH_INNER_LOOKUP) {
		kb.outer = kb.map;
		kb.map = kbench_inner(kb.outer);
		if (IS_ERR(kb.map)) {
			err = PTR_ERR(kb.map);
			kb.map = NULL;
			goto out;
		}
	}
	err = kbench_check_map(kb.map, &kb.key_size, &percpu);
	if (err)
		goto out;
	if (arg.op == BPFMAP_KBENCH_VIEW_LOOKUP) {
		struct bpfmap_kernel_array_view view;

		/* an ARRAY or PERCPU_ARRAY: the runs take their own view */
		err = bpfmap_kernel_array_view(kb.map, &view);
		if (err)
			goto out;
	}
	kb.flags_cpu = percpu;
	memset(kb.value, 0xa5, sizeof(kb.value));

	err = kbench_time(&kb, arg.repeat, &arg.ns, &arg.misses);
	if (!err && copy_to_user(uarg, &arg, sizeof(arg)))
		err = -EFAULT;
out:
	if (kb.map)
		bpfmap_kernel_put(kb.map);
	if (kb.outer)
		bpfmap_kernel_put(kb.outer);
	return err;
}

/* Called from ioctl(); process context, may sleep. */
static long kbench_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	if (cmd != BPFMAP_KBENCH_IOCTL_RUN)
		return -ENOTTY;
	return kbench_ioctl_run((struct bpfmap_kbench_run __user *)arg);
}

static const struct file_operations kbench_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = kbench_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice kbench_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "bpfmap_kbench",
	.fops = &kbench_fops,
	.mode = 0600,
};

static int __init kbench_init(void)
{
	return misc_register(&kbench_dev);
}

static void __exit kbench_exit(void)
{
	misc_deregister(&kbench_dev);
}

module_init(kbench_init);
module_exit(kbench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bench_maps' driver of bpfmap maps from kernel code");
