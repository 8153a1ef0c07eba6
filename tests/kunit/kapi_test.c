// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * KUnit suite bpfmap_kapi: the exported in-kernel API, used as another
 * module would, through <linux/bpfmap_kernel.h> only.  Creates maps,
 * works on their elements from process, softirq (a timer) and hardirq (a
 * hard irq_work) context, reads every possible CPU's slot of per-CPU
 * values, finds maps by id, fd and pinned path, and looks inner maps up in
 * map-of-maps; checks that BPFMAP_F_RDONLY_PROG keeps kernel code
 * from changing a map.  Built into bpfmap_kunit.ko.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hardirq.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/timer.h>

#include <linux/bpfmap_kernel.h>

/* A map of @type with u32 keys, u64 values and @map_flags. */
static struct bpfmap *kapi_create_flags(struct kunit *test, u32 type,
					u32 max, u32 map_flags)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = type,
		.key_size = sizeof(u32),
		.value_size = sizeof(u64),
		.max_entries = max,
		.map_flags = map_flags,
	};
	struct bpfmap *map = bpfmap_kernel_create(&attr);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	return map;
}

/* A map of @type with u32 keys and u64 values. */
static struct bpfmap *kapi_create(struct kunit *test, u32 type, u32 max)
{
	return kapi_create_flags(test, type, max, 0);
}

/*
 * The value of @key read through bpfmap_kernel_lookup() (this CPU's slot
 * on the per-CPU types), or ~0 if none.
 */
static u64 kapi_read(struct bpfmap *map, u32 key)
{
	u64 *value, got = ~0ULL;

	rcu_read_lock();
	preempt_disable();
	value = bpfmap_kernel_lookup(map, &key);
	if (value)
		got = *value;
	preempt_enable();
	rcu_read_unlock();
	return got;
}

static void kapi_elem_ops_in_process_context(struct kunit *test)
{
	struct bpfmap *map = kapi_create(test, BPFMAP_MAP_TYPE_HASH, 4);
	u32 key = 7, missing = 8;
	u64 value = 70, *ptr;

	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, &value,
						   BPFMAP_NOEXIST), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, &value,
						   BPFMAP_NOEXIST), -EEXIST);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &missing, &value,
						   BPFMAP_EXIST), -ENOENT);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, &value, 4),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kapi_read(map, key), 70ULL);

	value = 71;
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, &value,
						   BPFMAP_EXIST), 0);
	KUNIT_EXPECT_EQ(test, kapi_read(map, key), 71ULL);

	/* The pointer is the element's value: a write through it sticks. */
	rcu_read_lock();
	ptr = bpfmap_kernel_lookup(map, &key);
	if (ptr)
		*ptr = 72;
	KUNIT_EXPECT_NOT_NULL(test, ptr);
	KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup(map, &missing));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, kapi_read(map, key), 72ULL);

	KUNIT_EXPECT_EQ(test, bpfmap_kernel_delete(map, &key), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_delete(map, &key), -ENOENT);
	KUNIT_EXPECT_EQ(test, kapi_read(map, key), ~0ULL);
	bpfmap_kernel_put(map);
}

enum kapi_ctx {
	KAPI_SOFTIRQ,
	KAPI_HARDIRQ,
};

/* One run of the element operations in softirq or hardirq context. */
struct kapi_run {
	struct timer_list timer;
	struct irq_work work;
	struct completion done;
	struct bpfmap *map;
	bool is_array;
	bool in_softirq;
	bool in_hardirq;
	int update_err;
	int exist_err;
	int noexist_err;
	int delete_err;
	u64 seen;
	u64 seen_after;
};

static void kapi_run_ops(struct kapi_run *run)
{
	u32 key = 1;
	u64 value = 10, *ptr;

	run->in_softirq = in_softirq() && !in_hardirq();
	run->in_hardirq = in_hardirq();
	run->update_err = bpfmap_kernel_update(run->map, &key, &value,
					       BPFMAP_ANY);
	run->noexist_err = bpfmap_kernel_update(run->map, &key, &value,
						BPFMAP_NOEXIST);
	rcu_read_lock();
	ptr = bpfmap_kernel_lookup(run->map, &key);
	run->seen = ptr ? *ptr : ~0ULL;
	rcu_read_unlock();
	value = 11;
	run->exist_err = bpfmap_kernel_update(run->map, &key, &value,
					      BPFMAP_EXIST);
	rcu_read_lock();
	ptr = bpfmap_kernel_lookup(run->map, &key);
	run->seen_after = ptr ? *ptr : ~0ULL;
	rcu_read_unlock();
	run->delete_err = bpfmap_kernel_delete(run->map, &key);
	complete(&run->done);
}

static void kapi_timer_fn(struct timer_list *t)
{
	struct kapi_run *run = from_timer(run, t, timer);

	kapi_run_ops(run);
}

static void kapi_work_fn(struct irq_work *work)
{
	kapi_run_ops(container_of(work, struct kapi_run, work));
}

static void kapi_call(struct kapi_run *run, enum kapi_ctx ctx)
{
	init_completion(&run->done);
	if (ctx == KAPI_SOFTIRQ) {
		timer_setup_on_stack(&run->timer, kapi_timer_fn, 0);
		mod_timer(&run->timer, jiffies + 1);
		wait_for_completion(&run->done);
		del_timer_sync(&run->timer);
		destroy_timer_on_stack(&run->timer);
	} else {
		run->work = IRQ_WORK_INIT_HARD(kapi_work_fn);
		irq_work_queue(&run->work);
		wait_for_completion(&run->done);
		irq_work_sync(&run->work);
	}
}

struct kapi_case {
	const char *name;
	u32 type;
	enum kapi_ctx ctx;
};

static const struct kapi_case kapi_ctx_cases[] = {
	{ "hash_softirq", BPFMAP_MAP_TYPE_HASH, KAPI_SOFTIRQ },
	{ "hash_hardirq", BPFMAP_MAP_TYPE_HASH, KAPI_HARDIRQ },
	{ "array_softirq", BPFMAP_MAP_TYPE_ARRAY, KAPI_SOFTIRQ },
	{ "array_hardirq", BPFMAP_MAP_TYPE_ARRAY, KAPI_HARDIRQ },
};

static void kapi_case_desc(const struct kapi_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kapi_ctx, kapi_ctx_cases, kapi_case_desc);

static void kapi_elem_ops_in_irq_context(struct kunit *test)
{
	const struct kapi_case *c = test->param_value;
	bool is_array = c->type == BPFMAP_MAP_TYPE_ARRAY;
	struct kapi_run run = {
		.map = kapi_create(test, c->type, 4),
	};

	kapi_call(&run, c->ctx);
	if (c->ctx == KAPI_SOFTIRQ)
		KUNIT_EXPECT_TRUE(test, run.in_softirq);
	else
		KUNIT_EXPECT_TRUE(test, run.in_hardirq);
	KUNIT_EXPECT_EQ(test, run.update_err, 0);
	/* An array element always exists. */
	KUNIT_EXPECT_EQ(test, run.noexist_err, -EEXIST);
	KUNIT_EXPECT_EQ(test, run.seen, 10ULL);
	KUNIT_EXPECT_EQ(test, run.exist_err, 0);
	KUNIT_EXPECT_EQ(test, run.seen_after, 11ULL);
	KUNIT_EXPECT_EQ(test, run.delete_err, is_array ? -EINVAL : 0);
	KUNIT_EXPECT_EQ(test, kapi_read(run.map, 1), is_array ? 11ULL : ~0ULL);
	bpfmap_kernel_put(run.map);
}

static const struct kapi_case kapi_percpu_cases[] = {
	{ "percpu_array", BPFMAP_MAP_TYPE_PERCPU_ARRAY },
	{ "percpu_hash", BPFMAP_MAP_TYPE_PERCPU_HASH },
	{ "lru_percpu_hash", BPFMAP_MAP_TYPE_LRU_PERCPU_HASH },
};

KUNIT_ARRAY_PARAM(kapi_percpu, kapi_percpu_cases, kapi_case_desc);

static void kapi_lookup_cpu_reads_each_possible_cpu(struct kunit *test)
{
	const struct kapi_case *c = test->param_value;
	struct bpfmap *map = kapi_create(test, c->type, 4);
	struct bpfmap *hash = kapi_create(test, BPFMAP_MAP_TYPE_HASH, 4);
	u32 key = 2;
	u64 value, *ptr;
	int cpu;

	for_each_possible_cpu(cpu) {
		value = 100 + cpu;
		KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, &value,
				BPFMAP_F_CPU | (u64)cpu << 32), 0);
	}
	value = 0;
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, &value,
			BPFMAP_F_CPU | (u64)nr_cpu_ids << 32), -ERANGE);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(hash, &key, &value,
						   BPFMAP_ANY), 0);

	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		ptr = bpfmap_kernel_lookup_cpu(map, &key, cpu);
		KUNIT_EXPECT_NOT_NULL(test, ptr);
		if (ptr)
			KUNIT_EXPECT_EQ(test, *ptr, 100ULL + cpu);
	}
	KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup_cpu(map, &key,
							 nr_cpu_ids));
	/* Not a per-CPU map: no slot to give. */
	KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup_cpu(hash, &key, 0));
	rcu_read_unlock();

	/* bpfmap_kernel_lookup() gives this CPU's slot. */
	preempt_disable();
	rcu_read_lock();
	ptr = bpfmap_kernel_lookup(map, &key);
	value = ptr ? *ptr : ~0ULL;
	cpu = smp_processor_id();
	rcu_read_unlock();
	preempt_enable();
	KUNIT_EXPECT_EQ(test, value, 100ULL + cpu);

	bpfmap_kernel_put(hash);
	bpfmap_kernel_put(map);
}

static void kapi_get_by_id_and_fd_take_a_reference(struct kunit *test)
{
	struct bpfmap *map = kapi_create(test, BPFMAP_MAP_TYPE_ARRAY, 1);
	u32 id = bpfmap_kernel_id(map);
	struct bpfmap *got;
	int fd;

	KUNIT_EXPECT_NE(test, id, 0U);
	got = bpfmap_kernel_get_by_id(id);
	KUNIT_EXPECT_PTR_EQ(test, got, map);
	if (!IS_ERR(got))
		bpfmap_kernel_put(got);

	fd = bpfmap_kernel_new_fd(map, O_RDONLY);
	KUNIT_ASSERT_GE(test, fd, 0);
	got = bpfmap_kernel_get_by_fd(fd);
	KUNIT_EXPECT_PTR_EQ(test, got, map);
	close_fd(fd);
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_kernel_get_by_fd(fd)), -EBADF);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_new_fd(map, O_ACCMODE), -EINVAL);

	/* The reference from the fd outlives the fd and the creator's. */
	bpfmap_kernel_put(map);
	KUNIT_EXPECT_EQ(test, kapi_read(got, 0), 0ULL);
	if (!IS_ERR(got))
		bpfmap_kernel_put(got);
	/*
	 * The closed fd's reference goes with its deferred fput(), so the
	 * map may still be listed here; an id never given out is not.
	 */
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_kernel_get_by_id(0)), -ENOENT);
}

static const struct kapi_case kapi_of_maps_cases[] = {
	{ "array_of_maps", BPFMAP_MAP_TYPE_ARRAY_OF_MAPS },
	{ "hash_of_maps", BPFMAP_MAP_TYPE_HASH_OF_MAPS },
};

KUNIT_ARRAY_PARAM(kapi_of_maps, kapi_of_maps_cases, kapi_case_desc);

static void kapi_lookup_inner_returns_the_inner_map(struct kunit *test)
{
	const struct kapi_case *c = test->param_value;
	struct bpfmap *inner = kapi_create(test, BPFMAP_MAP_TYPE_ARRAY, 2);
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = c->type,
		.key_size = sizeof(u32),
		.value_size = sizeof(u32),
		.max_entries = 2,
	};
	struct bpfmap *outer;
	u32 key = 0, empty = 1, past = 2;
	int fd;

	fd = bpfmap_kernel_new_fd(inner, O_RDWR);
	KUNIT_ASSERT_GE(test, fd, 0);
	attr.inner_map_fd = fd;
	outer = bpfmap_kernel_create(&attr);
	close_fd(fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, outer);

	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(outer, &key, &inner,
						   BPFMAP_ANY), 0);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, bpfmap_kernel_lookup_inner(outer, &key),
			    inner);
	KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup_inner(outer, &empty));
	KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup_inner(outer, &past));
	/* Not a map-of-maps. */
	KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup_inner(inner, &key));
	rcu_read_unlock();

	/* The element holds its own reference on the inner map. */
	key = 0;
	bpfmap_kernel_put(inner);
	rcu_read_lock();
	inner = bpfmap_kernel_lookup_inner(outer, &key);
	KUNIT_EXPECT_NOT_NULL(test, inner);
	rcu_read_unlock();

	if (c->type == BPFMAP_MAP_TYPE_HASH_OF_MAPS) {
		KUNIT_EXPECT_EQ(test, bpfmap_kernel_delete(outer, &key), 0);
		rcu_read_lock();
		KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup_inner(outer,
								   &key));
		rcu_read_unlock();
	}
	bpfmap_kernel_put(outer);
}

static void kapi_pin_and_get_by_path(struct kunit *test)
{
	struct file_system_type *type = get_fs_type("bpfmapfs");
	struct bpfmap *map, *got;
	struct vfsmount *mnt;
	char dir[32], path[48], none[48];
	struct file *root;
	int fd;

	if (!type)
		kunit_skip(test, "no bpfmapfs registered");
	mnt = kern_mount(type);
	module_put(type->owner);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);

	/*
	 * A private mount has no path of its own: reach its root through
	 * a fd of this task and /proc/self/fd, as a path string names it.
	 */
	root = file_open_root_mnt(mnt, ".", O_PATH | O_DIRECTORY, 0);
	if (IS_ERR(root)) {
		kern_unmount(mnt);
		KUNIT_FAIL(test, "opening the bpfmapfs root: %ld",
			   PTR_ERR(root));
		return;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(root);
		kern_unmount(mnt);
		KUNIT_FAIL(test, "no fd: %d", fd);
		return;
	}
	fd_install(fd, root);
	snprintf(dir, sizeof(dir), "/proc/self/fd/%d", fd);
	snprintf(path, sizeof(path), "%s/counters", dir);
	snprintf(none, sizeof(none), "%s/none", dir);
	got = bpfmap_kernel_get_by_path(dir);
	if (PTR_ERR(got) == -ENOENT || PTR_ERR(got) == -ENOTDIR) {
		close_fd(fd);
		kern_unmount(mnt);
		kunit_skip(test, "no /proc to name the bpfmapfs root by");
	}
	/* A directory is not a pinned map. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(got), -EACCES);

	map = kapi_create(test, BPFMAP_MAP_TYPE_HASH, 4);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_pin(map, path), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_pin(map, path), -EEXIST);

	got = bpfmap_kernel_get_by_path(path);
	KUNIT_EXPECT_PTR_EQ(test, got, map);
	if (!IS_ERR(got))
		bpfmap_kernel_put(got);
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_kernel_get_by_path(none)),
			-ENOENT);

	/* The pin keeps the map when its creator lets go. */
	bpfmap_kernel_put(map);
	got = bpfmap_kernel_get_by_path(path);
	KUNIT_EXPECT_PTR_EQ(test, got, map);
	if (!IS_ERR(got))
		bpfmap_kernel_put(got);

	close_fd(fd);
	/* The umount drops the pin. */
	kern_unmount(mnt);
}

/*
 * The header's inline lookup and update of the array types against what
 * the engine answers through the call: the same bounds, errnos and slots.
 */
static void kapi_inline_array_paths_match_the_calls(struct kunit *test)
{
	struct bpfmap *array = kapi_create(test, BPFMAP_MAP_TYPE_ARRAY, 4);
	struct bpfmap *pcpu = kapi_create(test, BPFMAP_MAP_TYPE_PERCPU_ARRAY,
					  4);
	struct bpfmap *hash = kapi_create(test, BPFMAP_MAP_TYPE_HASH, 4);
	struct bpfmap_kernel_info info;
	u32 key = 3, past = 4, zero = 0, one = 1;
	u64 value = 33;
	u8 *p0, *p1;

	bpfmap_kernel_get_info(array, &info);
	KUNIT_EXPECT_EQ(test, info.map_type, BPFMAP_MAP_TYPE_ARRAY);
	KUNIT_EXPECT_EQ(test, info.key_size, 4U);
	KUNIT_EXPECT_EQ(test, info.value_size, 8U);
	KUNIT_EXPECT_EQ(test, info.max_entries, 4U);
	bpfmap_kernel_get_info(hash, &info);
	KUNIT_EXPECT_EQ(test, info.map_type, BPFMAP_MAP_TYPE_HASH);

	/* inline: BPFMAP_ANY; the rest through the call */
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(array, &key, &value,
						   BPFMAP_ANY), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(array, &past, &value,
						   BPFMAP_ANY), -E2BIG);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(array, &past, &value,
						   BPFMAP_EXIST), -E2BIG);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(array, &key, &value,
						   BPFMAP_NOEXIST), -EEXIST);
	KUNIT_EXPECT_EQ(test, kapi_read(array, key), 33ULL);
	KUNIT_EXPECT_EQ(test, kapi_read(array, past), ~0ULL);

	rcu_read_lock();
	p0 = bpfmap_kernel_lookup(array, &zero);
	p1 = bpfmap_kernel_lookup(array, &one);
	KUNIT_EXPECT_NOT_NULL(test, p0);
	KUNIT_EXPECT_PTR_EQ(test, p1, p0 ? p0 + sizeof(u64) : NULL);
	KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup(pcpu, &past));
	/* an array that holds no maps has no inner map to give */
	KUNIT_EXPECT_NULL(test, bpfmap_kernel_lookup_inner(array, &zero));
	rcu_read_unlock();

	/* the per-CPU flags: checked as the generic rules say */
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(hash, &key, &value,
						   BPFMAP_F_CPU), -EINVAL);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(pcpu, &key, &value,
				BPFMAP_F_CPU | BPFMAP_NOEXIST), -EEXIST);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(pcpu, &past, &value,
						   BPFMAP_F_CPU), -E2BIG);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(pcpu, &key, &value,
				BPFMAP_F_CPU | (u64)num_possible_cpus() << 32),
			-ERANGE);

	bpfmap_kernel_put(hash);
	bpfmap_kernel_put(pcpu);
	bpfmap_kernel_put(array);
}

/* The array of the view cases: a 12-byte value, so a stride of 16. */
#define KAPI_VIEW_ENTRIES	5
#define KAPI_VIEW_VALUE		12
#define KAPI_VIEW_STRIDE	16

static const struct kapi_case kapi_view_cases[] = {
	{ "array", BPFMAP_MAP_TYPE_ARRAY },
	{ "percpu_array", BPFMAP_MAP_TYPE_PERCPU_ARRAY },
};

KUNIT_ARRAY_PARAM(kapi_view, kapi_view_cases, kapi_case_desc);

/* Indexes looked up: every element, then three past the end. */
static const u32 kapi_view_index[] = { 0, 1, 2, 3, 4, 5, 6, U32_MAX };

/*
 * An array view answers as the lookup does, index by index: the pointer
 * bpfmap_kernel_lookup() and the engine's own (called) lookup give for
 * every index below max_entries, the last one included, at the element's
 * place (its content, the stride of round_up(value_size, 8)); NULL from
 * max_entries on; on a PERCPU_ARRAY this CPU's slot, not another's.  The
 * pointers are taken with preemption off and compared after.
 */
static void kapi_array_view_matches_the_lookup(struct kunit *test)
{
	const struct kapi_case *c = test->param_value;
	bool percpu = c->type == BPFMAP_MAP_TYPE_PERCPU_ARRAY;
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = c->type,
		.key_size = sizeof(u32),
		.value_size = KAPI_VIEW_VALUE,
		.max_entries = KAPI_VIEW_ENTRIES,
	};
	enum { N = ARRAY_SIZE(kapi_view_index) };
	u8 *view_ptr[N], *lookup_ptr[N], *call_ptr[N], *cpu_ptr[N];
	u8 *other_ptr[N];
	struct bpfmap_kernel_array_view view;
	u8 value[KAPI_VIEW_VALUE];
	int cpu, other = -1, i;
	struct bpfmap *map;
	u32 index;

	map = bpfmap_kernel_create(&attr);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	/* each element's bytes name it; on every CPU for the per-CPU one */
	for (index = 0; index < KAPI_VIEW_ENTRIES; index++) {
		memset(value, 0x10 + index, sizeof(value));
		KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &index, value,
				percpu ? BPFMAP_F_ALL_CPUS : BPFMAP_ANY), 0);
	}
	KUNIT_ASSERT_EQ(test, bpfmap_kernel_array_view(map, &view), 0);

	preempt_disable();
	rcu_read_lock();
	cpu = smp_processor_id();
	for_each_possible_cpu(i)
		if (i != cpu) {
			other = i;
			break;
		}
	for (i = 0; i < N; i++) {
		index = kapi_view_index[i];
		view_ptr[i] = bpfmap_kernel_array_view_lookup(&view, index);
		lookup_ptr[i] = bpfmap_kernel_lookup(map, &index);
		call_ptr[i] = bpfmap_kernel_lookup_call_v1(map, &index);
		cpu_ptr[i] = percpu ? bpfmap_kernel_lookup_cpu(map, &index,
							       cpu) : NULL;
		other_ptr[i] = percpu && other >= 0 ?
			bpfmap_kernel_lookup_cpu(map, &index, other) : NULL;
	}
	rcu_read_unlock();
	preempt_enable();

	for (i = 0; i < N; i++) {
		index = kapi_view_index[i];
		KUNIT_EXPECT_PTR_EQ_MSG(test, view_ptr[i], lookup_ptr[i],
					"index %u", index);
		KUNIT_EXPECT_PTR_EQ_MSG(test, view_ptr[i], call_ptr[i],
					"index %u", index);
		if (index >= KAPI_VIEW_ENTRIES) {
			KUNIT_EXPECT_NULL_MSG(test, view_ptr[i], "index %u",
					      index);
			continue;
		}
		KUNIT_EXPECT_NOT_NULL_MSG(test, view_ptr[i], "index %u",
					  index);
		if (!view_ptr[i])
			continue;
		/* the element's own bytes, the first and the last */
		KUNIT_EXPECT_EQ(test, view_ptr[i][0], 0x10 + index);
		KUNIT_EXPECT_EQ(test, view_ptr[i][KAPI_VIEW_VALUE - 1],
				0x10 + index);
		if (percpu) {
			KUNIT_EXPECT_PTR_EQ(test, view_ptr[i], cpu_ptr[i]);
			if (other >= 0)
				KUNIT_EXPECT_PTR_NE(test, view_ptr[i],
						    other_ptr[i]);
		} else if (i) {
			KUNIT_EXPECT_EQ(test, view_ptr[i] - view_ptr[i - 1],
					KAPI_VIEW_STRIDE);
		}
	}
	bpfmap_kernel_put(map);
}

/*
 * A view is only for ARRAY and PERCPU_ARRAY: -EINVAL on the other types,
 * with the view zeroed, so that a lookup in it finds nothing.
 */
static void kapi_array_view_is_only_for_the_arrays(struct kunit *test)
{
	struct bpfmap *inner = kapi_create(test, BPFMAP_MAP_TYPE_ARRAY, 1);
	struct bpfmap *hash = kapi_create(test, BPFMAP_MAP_TYPE_HASH, 4);
	struct bpfmap *pcpu_hash = kapi_create(test,
					       BPFMAP_MAP_TYPE_PERCPU_HASH, 4);
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = BPFMAP_MAP_TYPE_ARRAY_OF_MAPS,
		.key_size = sizeof(u32),
		.value_size = sizeof(u32),
		.max_entries = 2,
	};
	struct bpfmap *maps[3] = { hash, pcpu_hash };
	struct bpfmap_kernel_array_view view;
	void *found[3];
	int fd, i;

	fd = bpfmap_kernel_new_fd(inner, O_RDWR);
	KUNIT_ASSERT_GE(test, fd, 0);
	attr.inner_map_fd = fd;
	maps[2] = bpfmap_kernel_create(&attr);
	close_fd(fd);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, maps[2]);

	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		memset(&view, 0xff, sizeof(view));
		KUNIT_EXPECT_EQ_MSG(test, bpfmap_kernel_array_view(maps[i],
								   &view),
				    -EINVAL, "map %d", i);
		rcu_read_lock();
		found[i] = bpfmap_kernel_array_view_lookup(&view, 0);
		rcu_read_unlock();
		KUNIT_EXPECT_NULL_MSG(test, found[i], "map %d", i);
	}
	bpfmap_kernel_put(maps[2]);
	bpfmap_kernel_put(pcpu_hash);
	bpfmap_kernel_put(hash);
	bpfmap_kernel_put(inner);
}

static const struct kapi_case kapi_prog_flag_cases[] = {
	{ "array", BPFMAP_MAP_TYPE_ARRAY },
	{ "percpu_array", BPFMAP_MAP_TYPE_PERCPU_ARRAY },
	{ "hash", BPFMAP_MAP_TYPE_HASH },
	{ "percpu_hash", BPFMAP_MAP_TYPE_PERCPU_HASH },
	{ "lru_hash", BPFMAP_MAP_TYPE_LRU_HASH },
	{ "lru_percpu_hash", BPFMAP_MAP_TYPE_LRU_PERCPU_HASH },
};

KUNIT_ARRAY_PARAM(kapi_prog_flag, kapi_prog_flag_cases, kapi_case_desc);

static bool kapi_is_array(u32 type)
{
	return type == BPFMAP_MAP_TYPE_ARRAY ||
	       type == BPFMAP_MAP_TYPE_PERCPU_ARRAY;
}

/*
 * BPFMAP_F_RDONLY_PROG: kernel code may look but not change, as the
 * verifier lets a program look up but not update or delete.  Every update
 * and delete fails with EACCES before its key, value or flags are looked
 * at (the array's inline update too), leaves the map as it was, and the
 * lookups and an array's view still answer.
 */
static void kapi_rdonly_prog_map_refuses_updates_and_deletes(struct kunit *test)
{
	const struct kapi_case *c = test->param_value;
	struct bpfmap *map = kapi_create_flags(test, c->type, 4,
					       BPFMAP_F_RDONLY_PROG);
	bool array = kapi_is_array(c->type);
	struct bpfmap_kernel_array_view view;
	u32 key = 1, past = 4, i;
	void *via_view, *via_lookup, *past_view, *past_lookup;
	u64 *value;

	/*
	 * Room for one value per possible CPU, the per-CPU types' layout
	 * without flags: a build that let the update through copies it.
	 */
	value = kunit_kcalloc(test, num_possible_cpus(), sizeof(u64),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, value);
	for (i = 0; i < num_possible_cpus(); i++)
		value[i] = 11;

	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, value,
						   BPFMAP_ANY), -EACCES);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, value,
						   BPFMAP_NOEXIST), -EACCES);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &past, value,
						   BPFMAP_ANY), -EACCES);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, value, 4),
			-EACCES);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_delete(map, &key), -EACCES);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_delete(map, &past), -EACCES);

	/* nothing changed: an array's slot still reads 0, a hash is empty */
	KUNIT_EXPECT_EQ(test, kapi_read(map, key), array ? 0ULL : ~0ULL);
	KUNIT_EXPECT_EQ(test, kapi_read(map, past), ~0ULL);
	if (array) {
		KUNIT_ASSERT_EQ(test, bpfmap_kernel_array_view(map, &view), 0);
		rcu_read_lock();
		preempt_disable();
		via_view = bpfmap_kernel_array_view_lookup(&view, key);
		via_lookup = bpfmap_kernel_lookup(map, &key);
		past_view = bpfmap_kernel_array_view_lookup(&view, past);
		past_lookup = bpfmap_kernel_lookup(map, &past);
		preempt_enable();
		rcu_read_unlock();
		KUNIT_EXPECT_NOT_NULL(test, via_view);
		KUNIT_EXPECT_PTR_EQ(test, via_view, via_lookup);
		KUNIT_EXPECT_NULL(test, past_view);
		KUNIT_EXPECT_NULL(test, past_lookup);
	}
	bpfmap_kernel_put(map);
}

/*
 * BPFMAP_F_WRONLY_PROG: kernel code may update, delete and look up, as
 * a program may call every helper on such a map (it only may not read
 * the value, which bpfmap cannot see).
 */
static void kapi_wronly_prog_map_takes_updates_and_deletes(struct kunit *test)
{
	const struct kapi_case *c = test->param_value;
	struct bpfmap *map = kapi_create_flags(test, c->type, 4,
					       BPFMAP_F_WRONLY_PROG);
	bool percpu = c->type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ||
		      c->type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
		      c->type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
	u32 key = 2;
	u64 value = 22;

	/* one value for every CPU of the per-CPU types; read back to check */
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_update(map, &key, &value,
				percpu ? BPFMAP_F_ALL_CPUS : BPFMAP_ANY), 0);
	KUNIT_EXPECT_EQ(test, kapi_read(map, key), 22ULL);
	KUNIT_EXPECT_EQ(test, bpfmap_kernel_delete(map, &key),
			kapi_is_array(c->type) ? -EINVAL : 0);
	bpfmap_kernel_put(map);
}

static struct kunit_case bpfmap_kapi_cases[] = {
	KUNIT_CASE(kapi_elem_ops_in_process_context),
	KUNIT_CASE_PARAM(kapi_elem_ops_in_irq_context, kapi_ctx_gen_params),
	KUNIT_CASE_PARAM(kapi_lookup_cpu_reads_each_possible_cpu,
			 kapi_percpu_gen_params),
	KUNIT_CASE(kapi_get_by_id_and_fd_take_a_reference),
	KUNIT_CASE_PARAM(kapi_lookup_inner_returns_the_inner_map,
			 kapi_of_maps_gen_params),
	KUNIT_CASE(kapi_pin_and_get_by_path),
	KUNIT_CASE(kapi_inline_array_paths_match_the_calls),
	KUNIT_CASE_PARAM(kapi_array_view_matches_the_lookup,
			 kapi_view_gen_params),
	KUNIT_CASE(kapi_array_view_is_only_for_the_arrays),
	KUNIT_CASE_PARAM(kapi_rdonly_prog_map_refuses_updates_and_deletes,
			 kapi_prog_flag_gen_params),
	KUNIT_CASE_PARAM(kapi_wronly_prog_map_takes_updates_and_deletes,
			 kapi_prog_flag_gen_params),
	{}
};

static struct kunit_suite bpfmap_kapi_suite = {
	.name = "bpfmap_kapi",
	.test_cases = bpfmap_kapi_cases,
};

kunit_test_suite(bpfmap_kapi_suite);
