// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * KUnit suite bpfmap_map: the map object's FREEZE protocol.  Built into
 * bpfmap_kunit.ko.
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

static struct kunit_case bpfmap_map_cases[] = {
	KUNIT_CASE(map_failed_freeze_leaves_no_trace),
	KUNIT_CASE(map_writer_follows_a_successful_freeze),
	KUNIT_CASE(map_writer_proceeds_after_a_failed_freeze),
	{}
};

static struct kunit_suite bpfmap_map_suite = {
	.name = "bpfmap_map",
	.test_cases = bpfmap_map_cases,
};

kunit_test_suite(bpfmap_map_suite);
