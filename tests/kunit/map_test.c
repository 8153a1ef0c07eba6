// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * KUnit suite bpfmap_map: the map object's FREEZE protocol and the backlog
 * of frees that MAP_CREATE waits on.  Built into bpfmap_kunit.ko.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "bpfmap.h"

/* An ARRAY of @entries u64 values, or the test fails. */
static struct bpfmap *map_new(struct kunit *test, u32 value_size,
			      u32 entries)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = BPFMAP_MAP_TYPE_ARRAY,
		.key_size = sizeof(u32),
		.value_size = value_size,
		.max_entries = entries,
	};
	struct bpfmap *map = bpfmap_create(&attr);

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	return map;
}

static void map_failed_freeze_leaves_no_trace(struct kunit *test)
{
	struct bpfmap *map = map_new(test, 8, 4);

	KUNIT_ASSERT_TRUE(test, bpfmap_write_begin(map));
	KUNIT_EXPECT_EQ(test, bpfmap_freeze(map), -EBUSY);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(map->frozen));
	KUNIT_EXPECT_FALSE(test, READ_ONCE(map->freezing));
	/* Another writer gets in: the map never froze. */
	KUNIT_EXPECT_TRUE(test, bpfmap_write_begin(map));
	bpfmap_write_end(map);
	bpfmap_write_end(map);
	KUNIT_EXPECT_EQ(test, bpfmap_freeze(map), 0);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(map->frozen));
	KUNIT_EXPECT_FALSE(test, bpfmap_write_begin(map));
	bpfmap_put(map);
}

/* A writer in its own thread; @done completes when write_begin returned. */
struct map_writer {
	struct bpfmap *map;
	struct completion done;
	bool entered;
};

static int map_writer_fn(void *data)
{
	struct map_writer *w = data;

	w->entered = bpfmap_write_begin(w->map);
	if (w->entered)
		bpfmap_write_end(w->map);
	complete(&w->done);
	return 0;
}

/*
 * A writer that arrives while a FREEZE is deciding (freezing set, the
 * mutex held) waits for the verdict, then follows it.  @succeed: the
 * FREEZE did not see the writer and froze the map; else it saw it and
 * gave up.
 */
static void writer_waits_for_freeze_verdict(struct kunit *test, bool succeed)
{
	struct bpfmap *map = map_new(test, 8, 4);
	struct task_struct *task;
	struct map_writer *w;

	/* Not freed if the writer never finishes: it would still use it. */
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	w->map = map;
	init_completion(&w->done);

	mutex_lock(&map->freeze_mutex);
	WRITE_ONCE(map->freezing, true);
	/* As bpfmap_freeze() does before it reads the writer count. */
	smp_mb();
	task = kthread_run(map_writer_fn, w, "bpfmap_kunit_writer");
	if (IS_ERR(task)) {
		WRITE_ONCE(map->freezing, false);
		mutex_unlock(&map->freeze_mutex);
		kfree(w);
		bpfmap_put(map);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		return;
	}
	msleep(100);
	KUNIT_EXPECT_FALSE(test, completion_done(&w->done));
	if (succeed)
		WRITE_ONCE(map->frozen, true);
	else
		WRITE_ONCE(map->freezing, false);
	mutex_unlock(&map->freeze_mutex);

	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w->done, 30 * HZ));
	KUNIT_EXPECT_EQ(test, w->entered, !succeed);
	KUNIT_EXPECT_EQ(test, atomic_read(&map->writers), 0);
	kfree(w);
	bpfmap_put(map);
}

static void map_writer_follows_a_successful_freeze(struct kunit *test)
{
	writer_waits_for_freeze_verdict(test, true);
}

static void map_writer_proceeds_after_a_failed_freeze(struct kunit *test)
{
	writer_waits_for_freeze_verdict(test, false);
}

static void map_closed_map_counts_in_backlog_until_freed(struct kunit *test)
{
	struct bpfmap *map = map_new(test, 4096, 256);
	u64 before, usage = bpfmap_mem_usage(map);

	bpfmap_flush_frees();
	before = bpfmap_free_backlog_bytes();
	/* No grace period can end, so the free cannot run, in here. */
	rcu_read_lock();
	bpfmap_put(map);
	KUNIT_EXPECT_EQ(test, bpfmap_free_backlog_bytes(), before + usage);
	rcu_read_unlock();
	bpfmap_flush_frees();
	KUNIT_EXPECT_EQ(test, bpfmap_free_backlog_bytes(), before);
}

/* A MAP_CREATE in its own thread, started by @go. */
struct map_creator {
	struct completion go, done;
	struct bpfmap *map;
};

static int map_creator_fn(void *data)
{
	struct map_creator *c = data;
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = BPFMAP_MAP_TYPE_ARRAY,
		.key_size = sizeof(u32),
		.value_size = 8,
		.max_entries = 4,
	};

	wait_for_completion(&c->go);
	c->map = bpfmap_create(&attr);
	complete(&c->done);
	return 0;
}

/*
 * With the bound lowered to 0, a closed map whose grace period cannot end
 * (this thread is inside rcu_read_lock()) holds the next create back until
 * it is freed.
 */
static void map_create_waits_while_frees_are_behind(struct kunit *test)
{
	u64 saved_max = READ_ONCE(bpfmap_free_backlog_max);
	struct bpfmap *map = map_new(test, 4096, 256);
	struct task_struct *task;
	struct map_creator *c;
	bool waited, done;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	init_completion(&c->go);
	init_completion(&c->done);
	task = kthread_run(map_creator_fn, c, "bpfmap_kunit_creator");
	if (IS_ERR(task)) {
		kfree(c);
		bpfmap_put(map);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		return;
	}

	bpfmap_flush_frees();
	WRITE_ONCE(bpfmap_free_backlog_max, 0);
	rcu_read_lock();
	bpfmap_put(map);
	complete(&c->go);
	mdelay(100);
	waited = !completion_done(&c->done);
	rcu_read_unlock();

	done = wait_for_completion_timeout(&c->done, 30 * HZ);
	WRITE_ONCE(bpfmap_free_backlog_max, saved_max);
	/* Not freed if the creator never finishes: it would still use it. */
	KUNIT_ASSERT_TRUE(test, done);
	KUNIT_EXPECT_TRUE(test, waited);
	KUNIT_EXPECT_FALSE(test, IS_ERR(c->map));
	if (!IS_ERR(c->map))
		bpfmap_put(c->map);
	kfree(c);
}

static struct kunit_case bpfmap_map_cases[] = {
	KUNIT_CASE(map_failed_freeze_leaves_no_trace),
	KUNIT_CASE(map_writer_follows_a_successful_freeze),
	KUNIT_CASE(map_writer_proceeds_after_a_failed_freeze),
	KUNIT_CASE(map_closed_map_counts_in_backlog_until_freed),
	KUNIT_CASE(map_create_waits_while_frees_are_behind),
	{}
};

static struct kunit_suite bpfmap_map_suite = {
	.name = "bpfmap_map",
	.test_cases = bpfmap_map_cases,
};

kunit_test_suite(bpfmap_map_suite);
