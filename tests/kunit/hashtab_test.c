// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * KUnit suites for the hash engine (bpfmap_hash, over the four types and
 * both memory modes), its free list (bpfmap_freelist) and its LRU lists
 * (bpfmap_lru, driven with a fake hash table).  Built into bpfmap_kunit.ko.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/jhash.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "bpfmap.h"
#include "hashtab.h"
#include "lru_list.h"
#include "percpu_freelist.h"

#define HASH_ENTRIES	8U

struct hash_case {
	const char *name;
	u32 type;
	u32 flags;
};

static const struct hash_case hash_cases[] = {
	{ "hash", BPFMAP_MAP_TYPE_HASH, 0 },
	{ "hash_no_prealloc", BPFMAP_MAP_TYPE_HASH, BPFMAP_F_NO_PREALLOC },
	{ "percpu_hash", BPFMAP_MAP_TYPE_PERCPU_HASH, 0 },
	{ "percpu_hash_no_prealloc", BPFMAP_MAP_TYPE_PERCPU_HASH,
	  BPFMAP_F_NO_PREALLOC },
	{ "lru_hash", BPFMAP_MAP_TYPE_LRU_HASH, 0 },
	{ "lru_hash_percpu_lru", BPFMAP_MAP_TYPE_LRU_HASH,
	  BPFMAP_F_NO_COMMON_LRU },
	{ "lru_percpu_hash", BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, 0 },
};

static void hash_case_desc(const struct hash_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(hash_case, hash_cases, hash_case_desc);

static const struct hash_case *test_case(struct kunit *test)
{
	return test->param_value;
}

static bool case_is_lru(const struct hash_case *c)
{
	return c->type == BPFMAP_MAP_TYPE_LRU_HASH ||
	       c->type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

static struct bpfmap *hash_create(struct kunit *test, u32 entries)
{
	const struct hash_case *c = test_case(test);
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = c->type,
		.key_size = sizeof(u64),
		.value_size = sizeof(u64),
		.max_entries = entries,
		.map_flags = c->flags,
	};
	struct bpfmap *map = bpfmap_create(&attr);

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	test->priv = map;
	return map;
}

/* KUnit reuses one struct kunit for every parameter: clear priv. */
static void hash_test_exit(struct kunit *test)
{
	if (test->priv)
		bpfmap_put(test->priv);
	test->priv = NULL;
}

/*
 * How many keys one CPU can hold without evicting: with per-CPU LRU lists
 * a CPU only ever uses its own share of the map.
 */
static u32 hash_capacity(struct bpfmap *map)
{
	if (map->map_flags & BPFMAP_F_NO_COMMON_LRU)
		return map->max_entries / num_possible_cpus();
	return map->max_entries;
}

/* Insert keys 0..n-1 from one CPU; returns how many inserts failed. */
static int hash_fill(struct bpfmap *map, u32 n, void *value)
{
	int failed = 0;
	u64 k;

	migrate_disable();
	for (k = 0; k < n; k++) {
		if (bpfmap_map_update_elem(map, &k, value, BPFMAP_NOEXIST))
			failed++;
	}
	migrate_enable();
	return failed;
}

/* A value buffer in user layout whose every slot holds @v. */
static void *hash_value(struct kunit *test, struct bpfmap *map, u64 v)
{
	u32 size = bpfmap_value_size(map, 0), off;
	u8 *buf = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	for (off = 0; off < size; off += sizeof(u64))
		*(u64 *)(buf + off) = v;
	return buf;
}

static int put_key(struct bpfmap *map, u64 key, void *value, u64 flags)
{
	return bpfmap_map_update_elem(map, &key, value, flags);
}

static bool has_key(struct bpfmap *map, u64 key, void *scratch)
{
	return bpfmap_map_lookup_elem(map, &key, scratch, 0) == 0;
}

static void hash_update_then_lookup_returns_the_value(struct kunit *test)
{
	struct bpfmap *map = hash_create(test, HASH_ENTRIES);
	void *in = hash_value(test, map, 0x1234);
	void *out = hash_value(test, map, 0);
	u64 key = 42;

	KUNIT_EXPECT_EQ(test, put_key(map, key, in, BPFMAP_ANY), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, out, 0), 0);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, bpfmap_value_size(map, 0)), 0);
}

static void hash_noexist_and_exist_follow_presence(struct kunit *test)
{
	struct bpfmap *map = hash_create(test, HASH_ENTRIES);
	void *v = hash_value(test, map, 1);

	KUNIT_EXPECT_EQ(test, put_key(map, 1, v, BPFMAP_EXIST), -ENOENT);
	KUNIT_EXPECT_EQ(test, put_key(map, 1, v, BPFMAP_NOEXIST), 0);
	KUNIT_EXPECT_EQ(test, put_key(map, 1, v, BPFMAP_NOEXIST), -EEXIST);
	KUNIT_EXPECT_EQ(test, put_key(map, 1, v, BPFMAP_EXIST), 0);
}

static void hash_delete_removes_only_that_key(struct kunit *test)
{
	struct bpfmap *map = hash_create(test, HASH_ENTRIES);
	void *v = hash_value(test, map, 1);
	u64 key = 2;

	KUNIT_ASSERT_EQ(test, put_key(map, 1, v, BPFMAP_ANY), 0);
	KUNIT_ASSERT_EQ(test, put_key(map, 2, v, BPFMAP_ANY), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_delete_elem(map, &key), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_delete_elem(map, &key), -ENOENT);
	KUNIT_EXPECT_FALSE(test, has_key(map, 2, v));
	KUNIT_EXPECT_TRUE(test, has_key(map, 1, v));
}

static void hash_lookup_and_delete_returns_and_removes(struct kunit *test)
{
	struct bpfmap *map = hash_create(test, HASH_ENTRIES);
	void *in = hash_value(test, map, 77);
	void *out = hash_value(test, map, 0);
	u64 key = 5;

	KUNIT_ASSERT_EQ(test, put_key(map, key, in, BPFMAP_ANY), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_and_delete_elem(map, &key, out,
								0), 0);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, bpfmap_value_size(map, 0)), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_and_delete_elem(map, &key, out,
								0), -ENOENT);
}

static void hash_full_map_refuses_or_evicts_for_a_new_key(struct kunit *test)
{
	const struct hash_case *c = test_case(test);
	struct bpfmap *map = hash_create(test, HASH_ENTRIES);
	void *v = hash_value(test, map, 3);
	u32 present = 0, n = hash_capacity(map);
	u64 k, extra = 1000;
	int err;

	KUNIT_ASSERT_EQ(test, hash_fill(map, n, v), 0);
	if (case_is_lru(c)) {
		migrate_disable();
		err = bpfmap_map_update_elem(map, &extra, v, BPFMAP_NOEXIST);
		migrate_enable();
		KUNIT_EXPECT_EQ(test, err, 0);
		for (k = 0; k < n; k++)
			present += has_key(map, k, v);
		KUNIT_EXPECT_LT(test, present, n);
		KUNIT_EXPECT_TRUE(test, has_key(map, 1000, v));
	} else {
		KUNIT_EXPECT_EQ(test, put_key(map, 1000, v, BPFMAP_NOEXIST),
				-E2BIG);
	}
}

static void hash_replacing_in_a_full_map_keeps_every_key(struct kunit *test)
{
	struct bpfmap *map = hash_create(test, HASH_ENTRIES);
	void *v = hash_value(test, map, 3);
	void *w = hash_value(test, map, 9);
	void *out = hash_value(test, map, 0);
	u32 n = hash_capacity(map);
	u64 k, key = 0;
	int round, failed = 0;

	KUNIT_ASSERT_EQ(test, hash_fill(map, n, v), 0);
	/* More replacements than spares: each must recycle the old element. */
	migrate_disable();
	for (round = 0; round < 3 * HASH_ENTRIES; round++)
		failed += !!put_key(map, 0, w, BPFMAP_ANY);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, failed, 0);
	for (k = 0; k < n; k++)
		KUNIT_EXPECT_TRUE(test, has_key(map, k, out));
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, out, 0), 0);
	KUNIT_EXPECT_EQ(test, memcmp(w, out, bpfmap_value_size(map, 0)), 0);
}

static void hash_get_next_key_visits_every_key_once(struct kunit *test)
{
	struct bpfmap *map = hash_create(test, 64);
	void *v = hash_value(test, map, 1);
	u32 n = min(hash_capacity(map), 40U);
	u64 seen = 0, key, next;
	int err, visits = 0;

	KUNIT_ASSERT_EQ(test, hash_fill(map, n, v), 0);
	for (err = bpfmap_map_get_next_key(map, NULL, &next); !err;
	     err = bpfmap_map_get_next_key(map, &key, &next)) {
		KUNIT_ASSERT_LT(test, next, (u64)n);
		KUNIT_EXPECT_FALSE(test, seen & BIT_ULL(next));
		seen |= BIT_ULL(next);
		key = next;
		visits++;
	}
	KUNIT_EXPECT_EQ(test, err, -ENOENT);
	KUNIT_EXPECT_EQ(test, visits, (int)n);
}

static void hash_get_next_key_of_a_missing_key_restarts(struct kunit *test)
{
	struct bpfmap *map = hash_create(test, HASH_ENTRIES);
	void *v = hash_value(test, map, 1);
	u64 missing = 999, first, next;

	KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, NULL, &first),
			-ENOENT);
	KUNIT_ASSERT_EQ(test, put_key(map, 1, v, BPFMAP_ANY), 0);
	KUNIT_ASSERT_EQ(test, put_key(map, 2, v, BPFMAP_ANY), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, NULL, &first), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, &missing, &next), 0);
	KUNIT_EXPECT_EQ(test, next, first);
}

static void hash_lru_update_of_existing_key_never_evicts(struct kunit *test)
{
	const struct hash_case *c = test_case(test);
	void *v, *w, *out;
	struct bpfmap *map;
	int failed = 0;
	u32 n, size;
	u64 k;

	if (!case_is_lru(c))
		kunit_skip(test, "LRU types only");
	map = hash_create(test, HASH_ENTRIES);
	size = bpfmap_value_size(map, 0);
	v = hash_value(test, map, 3);
	w = hash_value(test, map, 4);
	out = hash_value(test, map, 0);
	n = hash_capacity(map);
	KUNIT_ASSERT_EQ(test, hash_fill(map, n, v), 0);
	migrate_disable();
	for (k = 0; k < n; k++)
		failed += !!put_key(map, k, w, BPFMAP_EXIST);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, failed, 0);
	/* Every key is still there, holding the value of its update. */
	for (k = 0; k < n; k++) {
		memset(out, 0, size);
		KUNIT_EXPECT_EQ_MSG(test, bpfmap_map_lookup_elem(map, &k, out, 0),
				    0, "key %llu", k);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(w, out, size), 0,
				    "key %llu", k);
	}
}

/*
 * A value in user layout whose slot of each possible CPU holds @base plus
 * that CPU's number, so that a slot read back names its CPU; a value of a
 * type that is not per-CPU holds @base.
 */
static void *hash_value_by_cpu(struct kunit *test, struct bpfmap *map,
			       u64 base)
{
	u8 *buf = hash_value(test, map, base);
	u32 off = 0;
	int cpu;

	if (!bpfmap_is_percpu(map))
		return buf;
	for_each_possible_cpu(cpu) {
		*(u64 *)(buf + off) = base + cpu;
		off += bpfmap_percpu_slot_size(map);
	}
	return buf;
}

static void hash_prog_lookup_points_at_this_cpus_value(struct kunit *test)
{
	struct bpfmap *map = hash_create(test, HASH_ENTRIES);
	void *v = hash_value_by_cpu(test, map, 0x100);
	u64 key = 1, missing = 2, got = 0, want;
	void *ptr, *gone;
	int cpu;

	KUNIT_ASSERT_EQ(test, put_key(map, key, v, BPFMAP_ANY), 0);
	/* As a BPF program runs: under RCU, not migrating. */
	migrate_disable();
	rcu_read_lock();
	cpu = smp_processor_id();
	ptr = bpfmap_map_lookup_ptr(map, &key);
	if (ptr)
		got = *(u64 *)ptr;
	gone = bpfmap_map_lookup_ptr(map, &missing);
	rcu_read_unlock();
	migrate_enable();
	want = bpfmap_is_percpu(map) ? 0x100 + cpu : 0x100;
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, ptr);
	KUNIT_EXPECT_EQ_MSG(test, got, want, "looked up on CPU %d", cpu);
	KUNIT_EXPECT_NULL(test, gone);
}

/* Several kthreads, one per online CPU, each on its own key range. */
struct hammer {
	struct bpfmap *map;
	struct completion done;
	atomic_t errors;
	u64 base;
};

static int hammer_thread(void *arg)
{
	struct hammer *h = arg;
	u64 value[64] = {}, key;
	int round, i, err;

	for (round = 0; round < 50; round++) {
		for (i = 0; i < 16; i++) {
			key = h->base + i;
			value[0] = key;
			err = bpfmap_map_update_elem(h->map, &key, value,
						     BPFMAP_NOEXIST);
			if (err && err != -EBUSY)
				atomic_inc(&h->errors);
		}
		for (i = 0; i < 16; i++) {
			key = h->base + i;
			err = bpfmap_map_delete_elem(h->map, &key);
			if (err && err != -EBUSY)
				atomic_inc(&h->errors);
		}
		cond_resched();
	}
	complete(&h->done);
	return 0;
}

static void hash_kthreads_on_every_cpu_leave_it_empty(struct kunit *test)
{
	const struct hash_case *c = test_case(test);
	int cpu, n = 0, nr = num_online_cpus();
	struct task_struct *t;
	struct hammer *h;
	struct bpfmap *map;
	u64 next;

	/* LRU maps may evict another thread's keys: not for this test. */
	if (case_is_lru(c))
		kunit_skip(test, "non-LRU types only");
	map = hash_create(test, 16 * nr + 16);
	if (bpfmap_value_size(map, 0) > sizeof(u64) * 64)
		kunit_skip(test, "per-CPU value larger than the thread buffer");
	h = kunit_kcalloc(test, nr, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, h);
	for_each_online_cpu(cpu) {
		if (n == nr)
			break;
		h[n].map = map;
		h[n].base = 1000 * (n + 1);
		init_completion(&h[n].done);
		atomic_set(&h[n].errors, 0);
		t = kthread_create(hammer_thread, &h[n], "bpfmap_hammer/%d",
				   cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpu);
		wake_up_process(t);
		n++;
	}
	while (n--) {
		wait_for_completion(&h[n].done);
		KUNIT_EXPECT_EQ(test, atomic_read(&h[n].errors), 0);
	}
	KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, NULL, &next),
			-ENOENT);
}

static struct kunit_case bpfmap_hash_cases[] = {
	KUNIT_CASE_PARAM(hash_update_then_lookup_returns_the_value,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_noexist_and_exist_follow_presence,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_delete_removes_only_that_key,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_lookup_and_delete_returns_and_removes,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_full_map_refuses_or_evicts_for_a_new_key,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_replacing_in_a_full_map_keeps_every_key,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_get_next_key_visits_every_key_once,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_get_next_key_of_a_missing_key_restarts,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_lru_update_of_existing_key_never_evicts,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_prog_lookup_points_at_this_cpus_value,
			 hash_case_gen_params),
	KUNIT_CASE_PARAM(hash_kthreads_on_every_cpu_leave_it_empty,
			 hash_case_gen_params),
	{}
};

static struct kunit_suite bpfmap_hash_suite = {
	.name = "bpfmap_hash",
	.exit = hash_test_exit,
	.test_cases = bpfmap_hash_cases,
};

/* ---- the bucket walk of the hash lookup batches ---- */

#define WALK_KEYS	64U

struct walk_sink {
	struct bpfmap_walk_out out;
	u64 keys[WALK_KEYS];
	u32 seen[WALK_KEYS];
	u32 calls;
};

static int walk_emit(struct bpfmap_walk_out *out, u32 at, const void *keys,
		     const void *values, u32 cnt)
{
	struct walk_sink *w = container_of(out, struct walk_sink, out);
	const u64 *k = keys, *v = values;
	u32 i;

	for (i = 0; i < cnt; i++) {
		if (k[i] >= WALK_KEYS || v[i] != k[i] + 1)
			return -EINVAL;
		w->seen[k[i]]++;
	}
	w->calls++;
	return 0;
}

/* A zero-seed HASH holding keys 0..63 (value key + 1) in 64 buckets. */
static struct bpfmap *walk_map(struct kunit *test, struct walk_sink **sink)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = BPFMAP_MAP_TYPE_HASH,
		.key_size = sizeof(u64),
		.value_size = sizeof(u64),
		.max_entries = WALK_KEYS,
		.map_flags = BPFMAP_F_ZERO_SEED,
	};
	struct bpfmap *map = bpfmap_create(&attr);
	u64 k, v;

	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	test->priv = map;
	for (k = 0; k < WALK_KEYS; k++) {
		v = k + 1;
		KUNIT_ASSERT_EQ(test, bpfmap_map_update_elem(map, &k, &v,
							     BPFMAP_NOEXIST), 0);
	}
	*sink = kunit_kzalloc(test, sizeof(**sink), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, *sink);
	(*sink)->out.emit = walk_emit;
	return map;
}

static void walk_of_an_empty_map_ends_at_the_last_bucket(struct kunit *test)
{
	struct walk_sink *w;
	struct bpfmap *map = walk_map(test, &w);
	u32 batch = 0, total = 99;
	u64 k;

	for (k = 0; k < WALK_KEYS; k++)
		KUNIT_ASSERT_EQ(test, bpfmap_map_delete_elem(map, &k), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_htab_walk(map, &batch, 8, &total, 0,
					       false, &w->out), -ENOENT);
	KUNIT_EXPECT_EQ(test, total, 0U);
	KUNIT_EXPECT_EQ(test, batch, WALK_KEYS);
	KUNIT_EXPECT_EQ(test, w->calls, 0U);
}

/*
 * Whatever the room, resuming from the token visits every key exactly
 * once; a bucket larger than the room is ENOSPC, and retrying from the
 * same token with more room returns that bucket whole.
 */
static void walk_resumes_without_loss_or_repeat(struct kunit *test)
{
	u32 room, batch, total, key, enospc = 0, calls;
	struct walk_sink *w;
	struct bpfmap *map = walk_map(test, &w);
	int err;

	for (room = 1; room <= 9; room++) {
		memset(w->seen, 0, sizeof(w->seen));
		batch = 0;
		for (calls = 0; calls < 4 * WALK_KEYS; calls++) {
			u32 before = batch;

			err = bpfmap_htab_walk(map, &batch, room, &total, 0,
					       false, &w->out);
			if (err == -ENOSPC) {
				enospc++;
				KUNIT_EXPECT_EQ(test, total, 0U);
				KUNIT_EXPECT_GE(test, batch, before);
				err = bpfmap_htab_walk(map, &batch, WALK_KEYS,
						       &total, 0, false,
						       &w->out);
				KUNIT_EXPECT_GT(test, total, room);
			} else {
				KUNIT_EXPECT_LE(test, total, room);
			}
			if (err == -ENOENT)
				break;
			KUNIT_ASSERT_EQ(test, err, 0);
		}
		for (key = 0; key < WALK_KEYS; key++)
			KUNIT_EXPECT_EQ(test, w->seen[key], 1U);
	}
	/* 64 keys in 64 buckets: some bucket holds two of them. */
	KUNIT_EXPECT_GT(test, enospc, 0U);
}

static void walk_stops_before_a_bucket_that_does_not_fit(struct kunit *test)
{
	u32 batch = 0, total, room = 3, partial = 0;
	struct walk_sink *w;
	struct bpfmap *map = walk_map(test, &w);
	int err;

	do {
		err = bpfmap_htab_walk(map, &batch, room, &total, 0, false,
				       &w->out);
		if (err == -ENOSPC) {
			err = bpfmap_htab_walk(map, &batch, WALK_KEYS, &total,
					       0, false, &w->out);
			continue;
		}
		KUNIT_EXPECT_LE(test, total, room);
		if (!err && total < room)
			partial++;
	} while (err == 0 || err == -ENOSPC);
	KUNIT_EXPECT_EQ(test, err, -ENOENT);
	/* Room 3 over buckets of 0..k elements: some call stops early. */
	KUNIT_EXPECT_GT(test, partial, 0U);
}

static void walk_with_delete_empties_the_map(struct kunit *test)
{
	u32 batch = 0, total, key;
	struct walk_sink *w;
	struct bpfmap *map = walk_map(test, &w);
	u64 next;

	KUNIT_EXPECT_EQ(test, bpfmap_htab_walk(map, &batch, WALK_KEYS, &total,
					       0, true, &w->out), -ENOENT);
	KUNIT_EXPECT_EQ(test, total, WALK_KEYS);
	for (key = 0; key < WALK_KEYS; key++)
		KUNIT_EXPECT_EQ(test, w->seen[key], 1U);
	/* Small elements are staged all at once when the count allows. */
	KUNIT_EXPECT_EQ(test, w->calls, 1U);
	KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, NULL, &next),
			-ENOENT);
}

/* Large elements: 8-byte keys, 256 KiB values (first u64: key + 1). */
#define BIG_WALK_KEYS	16U
#define BIG_WALK_VALUE	(256U << 10)
/*
 * What the walk stages at a time, short of a bucket that holds more: its
 * 1 MiB budget over the element size.
 */
#define BIG_WALK_STAGE	((1U << 20) / (8U + BIG_WALK_VALUE))

struct big_walk_sink {
	struct bpfmap_walk_out out;
	u32 seen[BIG_WALK_KEYS];
	u32 calls;
	u32 oversized;
};

/* The bucket of @key in a zero-seed map of BIG_WALK_KEYS buckets. */
static u32 big_walk_bucket(u64 key)
{
	return jhash2((u32 *)&key, 2, 0) & (BIG_WALK_KEYS - 1);
}

static int big_walk_emit(struct bpfmap_walk_out *out, u32 at,
			 const void *keys, const void *values, u32 cnt)
{
	struct big_walk_sink *w = container_of(out, struct big_walk_sink,
					       out);
	const u64 *k = keys;
	u32 i;

	for (i = 0; i < cnt; i++) {
		if (k[i] >= BIG_WALK_KEYS ||
		    *(const u64 *)(values + (size_t)i * BIG_WALK_VALUE) !=
		    k[i] + 1)
			return -EINVAL;
		w->seen[k[i]]++;
		/* More than the budget: only ever one bucket's worth. */
		if (cnt > BIG_WALK_STAGE &&
		    big_walk_bucket(k[i]) != big_walk_bucket(k[0]))
			w->oversized++;
	}
	w->calls++;
	return 0;
}

/*
 * The staging buffer is bounded in bytes, not by the count: large
 * elements reach the sink a few at a time (a whole bucket when it holds
 * more), even when the count would take them all.
 */
static void walk_stages_large_elements_a_few_at_a_time(struct kunit *test)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = BPFMAP_MAP_TYPE_HASH,
		.key_size = sizeof(u64),
		.value_size = BIG_WALK_VALUE,
		.max_entries = BIG_WALK_KEYS,
		.map_flags = BPFMAP_F_ZERO_SEED,
	};
	struct big_walk_sink *w;
	u32 batch = 0, total, key;
	struct bpfmap *map;
	u64 *value;
	u64 k;

	map = bpfmap_create(&attr);
	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	test->priv = map;
	value = kunit_kzalloc(test, BIG_WALK_VALUE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, value);
	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	w->out.emit = big_walk_emit;
	for (k = 0; k < BIG_WALK_KEYS; k++) {
		*value = k + 1;
		KUNIT_ASSERT_EQ(test, bpfmap_map_update_elem(map, &k, value,
							     BPFMAP_NOEXIST), 0);
	}

	KUNIT_EXPECT_EQ(test, bpfmap_htab_walk(map, &batch, BIG_WALK_KEYS,
					       &total, 0, false, &w->out),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, total, BIG_WALK_KEYS);
	for (key = 0; key < BIG_WALK_KEYS; key++)
		KUNIT_EXPECT_EQ(test, w->seen[key], 1U);
	KUNIT_EXPECT_EQ(test, w->oversized, 0U);
}

/* A chain longer than the lockless copy takes: 12 keys in bucket 0. */
#define CHAIN_BUCKETS	64U
#define CHAIN_KEYS	12U

struct chain_sink {
	struct bpfmap_walk_out out;
	u64 keys[CHAIN_KEYS];
	u32 seen[CHAIN_KEYS];
	u32 calls;
	u32 strays;
};

static int chain_emit(struct bpfmap_walk_out *out, u32 at, const void *keys,
		      const void *values, u32 cnt)
{
	struct chain_sink *w = container_of(out, struct chain_sink, out);
	const u64 *k = keys, *v = values;
	u32 i, j;

	for (i = 0; i < cnt; i++) {
		for (j = 0; j < CHAIN_KEYS && w->keys[j] != k[i]; j++)
			;
		if (j == CHAIN_KEYS || v[i] != k[i] + 1)
			w->strays++;
		else
			w->seen[j]++;
	}
	w->calls++;
	return 0;
}

/*
 * A bucket of more elements than the walk copies without the bucket lock
 * (HTAB_WALK_RCU_MAX) is taken under the lock, whole: ENOSPC when the
 * room is one short, every key once when it fits.
 */
static void walk_takes_a_long_chain_whole(struct kunit *test)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = BPFMAP_MAP_TYPE_HASH,
		.key_size = sizeof(u64),
		.value_size = sizeof(u64),
		.max_entries = CHAIN_BUCKETS,
		.map_flags = BPFMAP_F_ZERO_SEED,
	};
	u32 batch = 0, total = 99, n = 0, i;
	struct chain_sink *w;
	struct bpfmap *map;
	u64 k, v;

	map = bpfmap_create(&attr);
	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	test->priv = map;
	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	w->out.emit = chain_emit;
	/* jhash2() of the two words, seed 0: the zero-seed bucket. */
	for (k = 0; n < CHAIN_KEYS; k++) {
		if (jhash2((u32 *)&k, 2, 0) & (CHAIN_BUCKETS - 1))
			continue;
		w->keys[n++] = k;
		v = k + 1;
		KUNIT_ASSERT_EQ(test, bpfmap_map_update_elem(map, &k, &v,
							     BPFMAP_NOEXIST), 0);
	}

	KUNIT_EXPECT_EQ(test, bpfmap_htab_walk(map, &batch, CHAIN_KEYS - 1,
					       &total, 0, false, &w->out),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, total, 0U);
	KUNIT_EXPECT_EQ(test, batch, 0U);
	KUNIT_EXPECT_EQ(test, bpfmap_htab_walk(map, &batch, CHAIN_BUCKETS,
					       &total, 0, false, &w->out),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, total, CHAIN_KEYS);
	KUNIT_EXPECT_EQ(test, w->strays, 0U);
	for (i = 0; i < CHAIN_KEYS; i++)
		KUNIT_EXPECT_EQ(test, w->seen[i], 1U);
}

static struct kunit_case bpfmap_hash_walk_cases[] = {
	KUNIT_CASE(walk_of_an_empty_map_ends_at_the_last_bucket),
	KUNIT_CASE(walk_resumes_without_loss_or_repeat),
	KUNIT_CASE(walk_stops_before_a_bucket_that_does_not_fit),
	KUNIT_CASE(walk_with_delete_empties_the_map),
	KUNIT_CASE(walk_stages_large_elements_a_few_at_a_time),
	KUNIT_CASE(walk_takes_a_long_chain_whole),
	{}
};

static struct kunit_suite bpfmap_hash_walk_suite = {
	.name = "bpfmap_hash_walk",
	.exit = hash_test_exit,
	.test_cases = bpfmap_hash_walk_cases,
};

/* ---- the per-CPU free list ---- */

struct fl_elem {
	u64 payload;
	struct bpfmap_freelist_node node;
};

static void freelist_pops_every_populated_node_once(struct kunit *test)
{
	u32 nr = 3 * num_possible_cpus() + 1, i, popped = 0;
	struct bpfmap_freelist fl;
	struct bpfmap_freelist_node *node;
	struct fl_elem *elems;
	bool *seen;

	elems = kunit_kcalloc(test, nr, sizeof(*elems), GFP_KERNEL);
	seen = kunit_kcalloc(test, nr, sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, elems);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, seen);
	KUNIT_ASSERT_EQ(test, bpfmap_freelist_init(&fl, GFP_KERNEL), 0);
	bpfmap_freelist_populate(&fl, elems, sizeof(*elems),
				 offsetof(struct fl_elem, node), nr);
	while ((node = bpfmap_freelist_pop(&fl))) {
		i = container_of(node, struct fl_elem, node) - elems;
		KUNIT_EXPECT_LT(test, i, nr);
		if (i < nr) {
			KUNIT_EXPECT_FALSE(test, seen[i]);
			seen[i] = true;
		}
		popped++;
	}
	KUNIT_EXPECT_EQ(test, popped, nr);
	bpfmap_freelist_destroy(&fl);
}

static void freelist_pushed_node_comes_back(struct kunit *test)
{
	struct bpfmap_freelist fl;
	struct fl_elem e = {};

	KUNIT_ASSERT_EQ(test, bpfmap_freelist_init(&fl, GFP_KERNEL), 0);
	KUNIT_EXPECT_NULL(test, bpfmap_freelist_pop(&fl));
	bpfmap_freelist_push(&fl, &e.node);
	KUNIT_EXPECT_PTR_EQ(test, bpfmap_freelist_pop(&fl), &e.node);
	KUNIT_EXPECT_NULL(test, bpfmap_freelist_pop(&fl));
	bpfmap_freelist_destroy(&fl);
}

static struct kunit_case bpfmap_freelist_cases[] = {
	KUNIT_CASE(freelist_pops_every_populated_node_once),
	KUNIT_CASE(freelist_pushed_node_comes_back),
	{}
};

static struct kunit_suite bpfmap_freelist_suite = {
	.name = "bpfmap_freelist",
	.test_cases = bpfmap_freelist_cases,
};

/* ---- the LRU lists, with a fake table: "in the table" is a flag ---- */

struct lru_elem {
	struct bpfmap_lru_node node;
	u32 hash;
	bool linked;
};

static bool fake_evict(void *arg, struct bpfmap_lru_node *node)
{
	struct lru_elem *e = container_of(node, struct lru_elem, node);

	if (!e->linked)
		return false;
	e->linked = false;
	return true;
}

static struct lru_elem *lru_setup(struct kunit *test, struct bpfmap_lru *lru,
				  bool percpu, u32 nr)
{
	struct lru_elem *elems = kunit_kcalloc(test, nr, sizeof(*elems),
					       GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, elems);
	KUNIT_ASSERT_EQ(test, bpfmap_lru_init(lru, percpu, nr,
					      offsetof(struct lru_elem, hash) -
					      offsetof(struct lru_elem, node),
					      fake_evict, NULL, GFP_KERNEL), 0);
	bpfmap_lru_populate(lru, elems, sizeof(*elems),
			    offsetof(struct lru_elem, node), nr);
	return elems;
}

static struct lru_elem *lru_take(struct bpfmap_lru *lru, u32 hash,
				 bool may_evict)
{
	struct bpfmap_lru_node *node = bpfmap_lru_pop_free(lru, hash,
							   may_evict);
	struct lru_elem *e;

	if (!node)
		return NULL;
	e = container_of(node, struct lru_elem, node);
	e->linked = true;
	return e;
}

static void lru_free_nodes_are_used_before_any_eviction(struct kunit *test)
{
	u32 nr = 4 * num_possible_cpus(), i;
	struct bpfmap_lru lru;
	struct lru_elem *elems = lru_setup(test, &lru, false, nr), *e;

	for (i = 0; i < nr; i++) {
		e = lru_take(&lru, i, true);
		KUNIT_ASSERT_NOT_NULL(test, e);
		KUNIT_EXPECT_EQ(test, e->hash, i);
	}
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_TRUE(test, elems[i].linked);
	bpfmap_lru_destroy(&lru);
}

static void lru_pop_without_eviction_fails_when_full(struct kunit *test)
{
	u32 nr = 2 * num_possible_cpus(), i;
	struct bpfmap_lru lru;
	struct lru_elem *elems = lru_setup(test, &lru, false, nr);

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_NOT_NULL(test, lru_take(&lru, i, true));
	KUNIT_EXPECT_NULL(test, lru_take(&lru, 100, false));
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_TRUE(test, elems[i].linked);
	/* Allowed to evict, it takes someone's node. */
	KUNIT_EXPECT_NOT_NULL(test, lru_take(&lru, 101, true));
	bpfmap_lru_destroy(&lru);
}

static void lru_pushed_node_is_reused_without_eviction(struct kunit *test)
{
	u32 nr = 2 * num_possible_cpus(), i;
	struct lru_elem **taken, *e;
	struct bpfmap_lru lru;

	taken = kunit_kcalloc(test, nr, sizeof(*taken), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, taken);
	lru_setup(test, &lru, false, nr);
	for (i = 0; i < nr; i++) {
		taken[i] = lru_take(&lru, i, true);
		KUNIT_ASSERT_NOT_NULL(test, taken[i]);
	}
	taken[0]->linked = false;
	bpfmap_lru_push_free(&lru, &taken[0]->node);
	e = lru_take(&lru, 7, false);
	KUNIT_EXPECT_PTR_EQ(test, e, taken[0]);
	bpfmap_lru_destroy(&lru);
}

static void lru_referenced_nodes_outlive_unreferenced_ones(struct kunit *test)
{
	u32 ncpus = num_possible_cpus(), nr = 8 * ncpus, i, lost_ref = 0;
	struct lru_elem **taken;
	struct bpfmap_lru lru;

	taken = kunit_kcalloc(test, nr, sizeof(*taken), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, taken);
	lru_setup(test, &lru, true, nr);
	/* Per-CPU lists: everything this thread takes is its CPU's share. */
	migrate_disable();
	for (i = 0; i < nr / ncpus; i++)
		taken[i] = lru_take(&lru, i, true);
	for (i = 0; i < nr / ncpus; i += 2)
		bpfmap_lru_node_set_ref(&taken[i]->node);
	/* One more forces a shrink, which must spare the referenced half. */
	KUNIT_EXPECT_NOT_NULL(test, lru_take(&lru, 1000, true));
	migrate_enable();
	for (i = 0; i < nr / ncpus; i += 2)
		lost_ref += !taken[i]->linked;
	KUNIT_EXPECT_EQ(test, lost_ref, 0U);
	bpfmap_lru_destroy(&lru);
}

static struct kunit_case bpfmap_lru_cases[] = {
	KUNIT_CASE(lru_free_nodes_are_used_before_any_eviction),
	KUNIT_CASE(lru_pop_without_eviction_fails_when_full),
	KUNIT_CASE(lru_pushed_node_is_reused_without_eviction),
	KUNIT_CASE(lru_referenced_nodes_outlive_unreferenced_ones),
	{}
};

static struct kunit_suite bpfmap_lru_suite = {
	.name = "bpfmap_lru",
	.test_cases = bpfmap_lru_cases,
};

kunit_test_suites(&bpfmap_hash_suite, &bpfmap_hash_walk_suite,
		  &bpfmap_freelist_suite, &bpfmap_lru_suite);
