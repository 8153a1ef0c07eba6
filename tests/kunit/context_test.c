// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * KUnit suite bpfmap_context: the in-kernel element operations and the
 * last bpfmap_put() called from softirq (a timer) and hardirq (a hard
 * irq_work) context, on HASH and PERCPU_HASH (preallocated and
 * BPFMAP_F_NO_PREALLOC), LRU_HASH, LRU_PERCPU_HASH, ARRAY, PERCPU_ARRAY
 * and the map-of-maps types.  What they prove is mostly
 * that nothing reports: DEBUG_ATOMIC_SLEEP catches a sleep, lockdep a lock
 * taken in the wrong context (on PREEMPT_RT with raw-lock nesting, a
 * sleeping lock in hardirq).  Each case also checks that the callback ran
 * in the context it names and what every operation returned.  Built into
 * bpfmap_kunit.ko.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/hardirq.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/timer.h>

#include "bpfmap.h"

enum ctx_kind {
	CTX_SOFTIRQ,
	CTX_HARDIRQ,
};

/* One call of @fn in the chosen context, waited for by the test. */
struct ctx_run {
	struct timer_list timer;
	struct irq_work work;
	struct completion done;
	void (*fn)(struct ctx_run *run);
	bool in_softirq;
	bool in_hardirq;
	/* What @fn works on and what it saw. */
	struct bpfmap *map;
	u64 key;
	/* BPFMAP_F_ALL_CPUS / BPFMAP_F_CPU on the per-CPU types. */
	u64 update_flags;
	u64 lookup_flags;
	u64 value[2];
	u64 got[2];
	int update_err;
	int lookup_err;
	int next_err;
	int delete_err;
};

static void ctx_run_fn(struct ctx_run *run)
{
	run->in_softirq = in_softirq() && !in_hardirq();
	run->in_hardirq = in_hardirq();
	run->fn(run);
	complete(&run->done);
}

static void ctx_timer_fn(struct timer_list *t)
{
	struct ctx_run *run = from_timer(run, t, timer);

	ctx_run_fn(run);
}

static void ctx_work_fn(struct irq_work *work)
{
	ctx_run_fn(container_of(work, struct ctx_run, work));
}

/* Run @run->fn once in @kind context and wait for it. */
static void ctx_call(struct kunit *test, struct ctx_run *run,
		     enum ctx_kind kind)
{
	init_completion(&run->done);
	if (kind == CTX_SOFTIRQ) {
		timer_setup_on_stack(&run->timer, ctx_timer_fn, 0);
		mod_timer(&run->timer, jiffies + 1);
		wait_for_completion(&run->done);
		del_timer_sync(&run->timer);
		destroy_timer_on_stack(&run->timer);
		KUNIT_EXPECT_TRUE(test, run->in_softirq);
	} else {
		run->work = IRQ_WORK_INIT_HARD(ctx_work_fn);
		irq_work_queue(&run->work);
		wait_for_completion(&run->done);
		irq_work_sync(&run->work);
		KUNIT_EXPECT_TRUE(test, run->in_hardirq);
	}
}

struct ctx_case {
	const char *name;
	u32 type;
	u32 flags;
	enum ctx_kind kind;
};

static const struct ctx_case ctx_cases[] = {
	{ "hash_softirq", BPFMAP_MAP_TYPE_HASH, 0, CTX_SOFTIRQ },
	{ "hash_hardirq", BPFMAP_MAP_TYPE_HASH, 0, CTX_HARDIRQ },
	{ "hash_no_prealloc_softirq", BPFMAP_MAP_TYPE_HASH,
	  BPFMAP_F_NO_PREALLOC, CTX_SOFTIRQ },
	{ "hash_no_prealloc_hardirq", BPFMAP_MAP_TYPE_HASH,
	  BPFMAP_F_NO_PREALLOC, CTX_HARDIRQ },
	{ "lru_hash_softirq", BPFMAP_MAP_TYPE_LRU_HASH, 0, CTX_SOFTIRQ },
	{ "lru_hash_hardirq", BPFMAP_MAP_TYPE_LRU_HASH, 0, CTX_HARDIRQ },
	{ "array_softirq", BPFMAP_MAP_TYPE_ARRAY, 0, CTX_SOFTIRQ },
	{ "array_hardirq", BPFMAP_MAP_TYPE_ARRAY, 0, CTX_HARDIRQ },
	{ "percpu_hash_softirq", BPFMAP_MAP_TYPE_PERCPU_HASH, 0, CTX_SOFTIRQ },
	{ "percpu_hash_hardirq", BPFMAP_MAP_TYPE_PERCPU_HASH, 0, CTX_HARDIRQ },
	{ "percpu_hash_no_prealloc_softirq", BPFMAP_MAP_TYPE_PERCPU_HASH,
	  BPFMAP_F_NO_PREALLOC, CTX_SOFTIRQ },
	{ "percpu_hash_no_prealloc_hardirq", BPFMAP_MAP_TYPE_PERCPU_HASH,
	  BPFMAP_F_NO_PREALLOC, CTX_HARDIRQ },
	{ "lru_percpu_hash_softirq", BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, 0,
	  CTX_SOFTIRQ },
	{ "lru_percpu_hash_hardirq", BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, 0,
	  CTX_HARDIRQ },
	{ "percpu_array_softirq", BPFMAP_MAP_TYPE_PERCPU_ARRAY, 0,
	  CTX_SOFTIRQ },
	{ "percpu_array_hardirq", BPFMAP_MAP_TYPE_PERCPU_ARRAY, 0,
	  CTX_HARDIRQ },
};

static void ctx_case_desc(const struct ctx_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ctx_case, ctx_cases, ctx_case_desc);

static bool ctx_case_is_array(const struct ctx_case *c)
{
	return c->type == BPFMAP_MAP_TYPE_ARRAY ||
	       c->type == BPFMAP_MAP_TYPE_PERCPU_ARRAY;
}

static bool ctx_case_is_percpu(const struct ctx_case *c)
{
	return c->type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	       c->type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH ||
	       c->type == BPFMAP_MAP_TYPE_PERCPU_ARRAY;
}

/*
 * The flags that make @run's two-u64 value one value for every CPU: a
 * per-CPU update writes it to all of them, the lookup reads the slot of
 * the last possible CPU (seldom the one the callback runs on).
 */
static void ctx_run_set_flags(struct ctx_run *run, const struct ctx_case *c)
{
	if (!ctx_case_is_percpu(c))
		return;
	run->update_flags = BPFMAP_F_ALL_CPUS;
	run->lookup_flags = BPFMAP_F_CPU |
			    (u64)cpumask_last(cpu_possible_mask) << 32;
}

/*
 * Whether an update that needs a new element may fail for want of
 * memory in @c's context, and with which errno: a BPFMAP_F_NO_PREALLOC
 * hash cannot allocate at all in hardirq on PREEMPT_RT (EBUSY), and
 * allocates with GFP_ATOMIC elsewhere (ENOMEM possible, never a sleep).
 */
static bool ctx_update_may_fail(const struct ctx_case *c, int err)
{
	if (!(c->flags & BPFMAP_F_NO_PREALLOC))
		return false;
	if (c->kind == CTX_HARDIRQ && IS_ENABLED(CONFIG_PREEMPT_RT))
		return err == -EBUSY;
	return err == -ENOMEM;
}

static struct bpfmap *ctx_map_create(struct kunit *test,
				     const struct ctx_case *c)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = c->type,
		.key_size = ctx_case_is_array(c) ? sizeof(u32) : sizeof(u64),
		.value_size = 2 * sizeof(u64),
		.max_entries = 16,
		.map_flags = c->flags,
	};
	struct bpfmap *map = bpfmap_create(&attr);

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	return map;
}

/* Update, lookup, get_next_key and delete of one key, in the context. */
static void ctx_elem_ops(struct ctx_run *run)
{
	run->update_err = bpfmap_map_update_elem(run->map, &run->key,
						 run->value,
						 BPFMAP_ANY | run->update_flags);
	run->lookup_err = bpfmap_map_lookup_elem(run->map, &run->key,
						 run->got, run->lookup_flags);
	run->next_err = bpfmap_map_get_next_key(run->map, NULL, &run->key);
	run->delete_err = bpfmap_map_delete_elem(run->map, &run->key);
}

static void ctx_elem_ops_work(struct kunit *test)
{
	const struct ctx_case *c = test->param_value;
	struct ctx_run run = {
		.fn = ctx_elem_ops,
		.key = 3,
		.value = { 0x1234, 0x5678 },
	};

	ctx_run_set_flags(&run, c);
	run.map = ctx_map_create(test, c);
	ctx_call(test, &run, c->kind);

	/* On PREEMPT_RT a hardirq-context allocation is refused, always. */
	if ((c->flags & BPFMAP_F_NO_PREALLOC) && c->kind == CTX_HARDIRQ &&
	    IS_ENABLED(CONFIG_PREEMPT_RT))
		KUNIT_EXPECT_EQ(test, run.update_err, -EBUSY);
	if (ctx_update_may_fail(c, run.update_err)) {
		KUNIT_EXPECT_EQ(test, run.lookup_err, -ENOENT);
		KUNIT_EXPECT_EQ(test, run.next_err, -ENOENT);
		KUNIT_EXPECT_EQ(test, run.delete_err, -ENOENT);
		goto out;
	}
	KUNIT_EXPECT_EQ(test, run.update_err, 0);
	KUNIT_EXPECT_EQ(test, run.lookup_err, 0);
	KUNIT_EXPECT_EQ(test, run.got[0], 0x1234ULL);
	KUNIT_EXPECT_EQ(test, run.got[1], 0x5678ULL);
	KUNIT_EXPECT_EQ(test, run.next_err, 0);
	if (ctx_case_is_array(c)) {
		/* The first index of an array; its elements cannot go. */
		KUNIT_EXPECT_EQ(test, (u32)run.key, 0U);
		KUNIT_EXPECT_EQ(test, run.delete_err, -EINVAL);
	} else {
		/* The only key, which the delete then removed. */
		KUNIT_EXPECT_EQ(test, run.key, 3ULL);
		KUNIT_EXPECT_EQ(test, run.delete_err, 0);
		KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(run.map, &run.key,
							     run.got,
							     run.lookup_flags),
				-ENOENT);
	}
out:
	bpfmap_put(run.map);
}

/*
 * Where an id put in the context can still be seen: on PREEMPT_RT a last
 * put in hardirq leaves the id to the free work.
 */
static bool ctx_id_listed(u32 id)
{
	u32 next;

	return !bpfmap_get_next_id(id - 1, &next) && next == id;
}

static void ctx_put(struct ctx_run *run)
{
	bpfmap_put(run->map);
}

/* The last reference of a map holding an element goes in the context. */
static void ctx_last_put_frees_the_map(struct kunit *test)
{
	const struct ctx_case *c = test->param_value;
	struct ctx_run run = { .fn = ctx_put, .key = 1 };
	bool deferred = c->kind == CTX_HARDIRQ &&
			IS_ENABLED(CONFIG_PREEMPT_RT);
	u32 id;

	ctx_run_set_flags(&run, c);
	run.map = ctx_map_create(test, c);
	id = run.map->id;
	KUNIT_ASSERT_EQ(test, bpfmap_map_update_elem(run.map, &run.key,
						     run.value,
						     BPFMAP_ANY |
						     run.update_flags), 0);
	ctx_call(test, &run, c->kind);

	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_get_by_id(id)), -ENOENT);
	/* A deferred id goes with the free work, a grace period later. */
	if (!deferred)
		KUNIT_EXPECT_FALSE(test, ctx_id_listed(id));
	bpfmap_flush_frees();
	KUNIT_EXPECT_FALSE(test, ctx_id_listed(id));
	KUNIT_EXPECT_EQ(test, bpfmap_free_backlog_bytes(), 0ULL);
}

/*
 * An outer map of @type whose inner maps are ARRAYs of 4 u64, made from a
 * template passed by fd as MAP_CREATE takes it.  The test's kthread shares
 * init's file table; the fd is closed again before this returns.
 */
static struct bpfmap *ctx_outer_create(struct kunit *test, u32 type,
				       struct bpfmap *tmpl)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = type,
		.key_size = sizeof(u32),
		.value_size = sizeof(u32),
		.max_entries = 4,
	};
	struct bpfmap *outer, *ref;
	int fd;

	ref = bpfmap_get_by_id(tmpl->id);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ref));
	fd = bpfmap_new_fd(ref, O_RDWR);
	if (fd < 0)
		bpfmap_put(ref);
	KUNIT_ASSERT_GE(test, fd, 0);
	attr.inner_map_fd = fd;
	outer = bpfmap_create(&attr);
	close_fd(fd);
	flush_delayed_fput();
	KUNIT_ASSERT_FALSE(test, IS_ERR(outer));
	return outer;
}

static struct bpfmap *ctx_inner_create(struct kunit *test, u32 entries)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = BPFMAP_MAP_TYPE_ARRAY,
		.key_size = sizeof(u32),
		.value_size = sizeof(u64),
		.max_entries = entries,
	};
	struct bpfmap *map = bpfmap_create(&attr);

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	return map;
}

static void ctx_outer_delete(struct ctx_run *run)
{
	u32 key = run->key;

	run->delete_err = bpfmap_map_delete_elem(run->map, &key);
}

static void ctx_outer_update(struct ctx_run *run)
{
	struct bpfmap *inner = (struct bpfmap *)(uintptr_t)run->value[0];
	u32 key = run->key;

	run->update_err = bpfmap_map_update_elem(run->map, &key, &inner,
						 BPFMAP_ANY);
}

/*
 * A map-of-maps element holds the only reference of its inner map: a
 * delete in the context makes the inner map's last put there; an outer
 * map whose last put is in the context drops its inner maps from its free
 * work.  The update takes kernel objects only: an inner map that does
 * not fit the template is refused with EINVAL.
 */
static void ctx_map_of_maps_puts_inner_maps(struct kunit *test)
{
	static const u32 types[] = {
		BPFMAP_MAP_TYPE_ARRAY_OF_MAPS,
		BPFMAP_MAP_TYPE_HASH_OF_MAPS,
	};
	const struct ctx_case *c = test->param_value;
	struct bpfmap *tmpl, *inner, *other;
	struct ctx_run run = {};
	u32 i, key, inner_id;

	tmpl = ctx_inner_create(test, 4);
	other = ctx_inner_create(test, 8);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		run.map = ctx_outer_create(test, types[i], tmpl);
		key = 1;
		KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(run.map, &key,
							     &other,
							     BPFMAP_ANY),
				-EINVAL);

		/* Stored in the context; deleted there, its last put. */
		inner = ctx_inner_create(test, 4);
		inner_id = inner->id;
		run.fn = ctx_outer_update;
		run.key = 1;
		run.value[0] = (uintptr_t)inner;
		ctx_call(test, &run, c->kind);
		KUNIT_EXPECT_EQ(test, run.update_err, 0);
		bpfmap_put(inner);
		run.fn = ctx_outer_delete;
		ctx_call(test, &run, c->kind);
		KUNIT_EXPECT_EQ(test, run.delete_err, 0);
		KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_get_by_id(inner_id)),
				-ENOENT);

		/* The outer map's last put in the context. */
		inner = ctx_inner_create(test, 4);
		inner_id = inner->id;
		key = 2;
		KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(run.map, &key,
							     &inner,
							     BPFMAP_ANY), 0);
		bpfmap_put(inner);
		run.fn = ctx_put;
		ctx_call(test, &run, c->kind);
		bpfmap_flush_frees();
		KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_get_by_id(inner_id)),
				-ENOENT);
		KUNIT_EXPECT_FALSE(test, ctx_id_listed(inner_id));
	}
	bpfmap_put(other);
	bpfmap_put(tmpl);
	bpfmap_flush_frees();
	KUNIT_EXPECT_EQ(test, bpfmap_free_backlog_bytes(), 0ULL);
}

static const struct ctx_case ctx_kinds[] = {
	{ "softirq", 0, 0, CTX_SOFTIRQ },
	{ "hardirq", 0, 0, CTX_HARDIRQ },
};

KUNIT_ARRAY_PARAM(ctx_kind, ctx_kinds, ctx_case_desc);

static struct kunit_case bpfmap_context_cases[] = {
	KUNIT_CASE_PARAM(ctx_elem_ops_work, ctx_case_gen_params),
	KUNIT_CASE_PARAM(ctx_last_put_frees_the_map, ctx_case_gen_params),
	KUNIT_CASE_PARAM(ctx_map_of_maps_puts_inner_maps,
			 ctx_kind_gen_params),
	{}
};

static struct kunit_suite bpfmap_context_suite = {
	.name = "bpfmap_context",
	.test_cases = bpfmap_context_cases,
};

kunit_test_suite(bpfmap_context_suite);
