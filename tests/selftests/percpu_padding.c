// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Per-CPU values keep their padding zero while other maps come and go.
 *
 * A per-CPU value crosses the user boundary as one round_up(value_size, 8)
 * slot per possible CPU.  The owner thread writes values whose padding is
 * zero into per-CPU maps with odd value sizes and checks, on every lookup
 * (single and batch), that each value byte is what it wrote and that each
 * padding byte is zero.  Meanwhile churn threads create, fill, empty and
 * close maps of every type (per-CPU ones with junk in their padding,
 * map-of-maps replacing inner maps), so that per-CPU memory is freed and
 * reused all the time: a write that lands in per-CPU memory after it was
 * freed, or a read of an area that was freed, shows up as a wrong byte.
 *
 * The run lasts BPFMAP_PADDING_SECONDS (default 20) seconds per backend.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "bpfmap_test.h"

#define OWNER_ENTRIES	32U
#define CHURN_THREADS	3

FIXTURE(padding) {
	int unused;
};

FIXTURE_VARIANT(padding) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(padding);

FIXTURE_SETUP(padding)
{
	SETUP_BACKEND(variant->backend);
}

FIXTURE_TEARDOWN(padding)
{
}

struct owner_shape {
	__u32 map_type;
	__u32 map_flags;
};

static const struct owner_shape owner_shapes[] = {
	{ BPFMAP_MAP_TYPE_PERCPU_ARRAY, 0 },
	{ BPFMAP_MAP_TYPE_PERCPU_HASH, 0 },
	{ BPFMAP_MAP_TYPE_PERCPU_HASH, BPFMAP_F_NO_PREALLOC },
	{ BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, 0 },
	{ BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, BPFMAP_F_NO_COMMON_LRU },
};

static const __u32 odd_sizes[] = { 1, 2, 3, 5, 6, 7, 9, 12, 13, 20 };

static atomic_bool stop;
static atomic_ulong churn_ops;

static __u32 rnd(unsigned int *seed)
{
	return (__u32)rand_r(seed);
}

static void fill_random(unsigned int *seed, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)rnd(seed);
}

static const __u32 churn_types[] = {
	BPFMAP_MAP_TYPE_HASH,
	BPFMAP_MAP_TYPE_ARRAY,
	BPFMAP_MAP_TYPE_PERCPU_HASH,
	BPFMAP_MAP_TYPE_PERCPU_ARRAY,
	BPFMAP_MAP_TYPE_LRU_HASH,
	BPFMAP_MAP_TYPE_LRU_PERCPU_HASH,
};

/*
 * One churn round: a map of a random type and shape, filled with random
 * bytes (per-CPU padding included), partly emptied again with every kind
 * of delete, then closed.
 */
static void churn_one(unsigned int *seed)
{
	__u32 type = churn_types[rnd(seed) % ARRAY_SIZE(churn_types)];
	__u32 value_size = 1 + rnd(seed) % 64, max = 1 + rnd(seed) % 256;
	bool dev = backend_is_dev();
	struct bpfmap_map_create_opts o = { .sz = sizeof(o) };
	size_t vlen = value_buf_size(type, value_size);
	__u32 i, n, keys[16], count, out_batch;
	unsigned char *val;
	int fd;

	if ((type == BPFMAP_MAP_TYPE_HASH ||
	     type == BPFMAP_MAP_TYPE_PERCPU_HASH) && rnd(seed) % 2) {
		o.map_flags = BPFMAP_F_NO_PREALLOC;
		/* Large enough for a per-CPU element counter. */
		if (rnd(seed) % 2)
			max = 1024 + rnd(seed) % 4096;
	}
	if (type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH && rnd(seed) % 2)
		o.map_flags = BPFMAP_F_NO_COMMON_LRU;
	fd = bpfmap_map_create(type, "churn", 4, value_size, max, &o);
	if (fd < 0)
		return;
	val = malloc(vlen * 16);
	if (!val) {
		close(fd);
		return;
	}
	n = 1 + rnd(seed) % 64;
	for (i = 0; i < n; i++) {
		__u32 key = rnd(seed) % max;

		__u64 flags = BPFMAP_ANY;

		fill_random(seed, val, vlen);
		/* One CPU's value, or all of them from one value. */
		if (dev && map_type_is_percpu(type) && rnd(seed) % 4 == 0)
			flags = rnd(seed) % 2 ? BPFMAP_F_ALL_CPUS :
				F_CPU(rnd(seed) % bpfmap_num_possible_cpus());
		update_elem_under_churn(fd, &key, val, flags);
	}
	for (i = 0; i < 16; i++)
		keys[i] = rnd(seed) % max;
	fill_random(seed, val, vlen * 16);
	count = 16;
	bpfmap_map_update_batch(fd, keys, val, &count, NULL);
	if (type != BPFMAP_MAP_TYPE_ARRAY &&
	    type != BPFMAP_MAP_TYPE_PERCPU_ARRAY) {
		for (i = 0; i < 8; i++) {
			__u32 key = rnd(seed) % max;

			if (i % 2)
				bpfmap_map_delete_elem(fd, &key);
			else
				bpfmap_map_lookup_and_delete_elem(fd, &key,
								  val);
		}
		count = 16;
		bpfmap_map_delete_batch(fd, keys, &count, NULL);
		count = 16;
		bpfmap_map_lookup_and_delete_batch(fd, NULL, &out_batch, keys,
						   val, &count, NULL);
	}
	free(val);
	close(fd);
	atomic_fetch_add(&churn_ops, 1);
}

/* Outer maps whose inner maps are replaced and dropped. */
static void churn_of_maps(unsigned int *seed)
{
	struct bpfmap_map_create_opts o = { .sz = sizeof(o) };
	__u32 i, key;
	int tmpl, outer, inner;

	tmpl = bpfmap_map_create(BPFMAP_MAP_TYPE_PERCPU_HASH, "tmpl", 4, 16,
				 8, NULL);
	if (tmpl < 0)
		return;
	o.inner_map_fd = tmpl;
	outer = bpfmap_map_create(rnd(seed) % 2 ? BPFMAP_MAP_TYPE_HASH_OF_MAPS :
				  BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, "outer", 4, 4,
				  4, &o);
	close(tmpl);
	if (outer < 0)
		return;
	for (i = 0; i < 8; i++) {
		inner = bpfmap_map_create(BPFMAP_MAP_TYPE_PERCPU_HASH, "inner",
					  4, 16, 8, NULL);
		if (inner < 0)
			break;
		key = i % 4;
		bpfmap_map_update_elem(outer, &key, &inner, BPFMAP_ANY);
		close(inner);
	}
	close(outer);
}

static void *churn_thread(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		if (rnd(&seed) % 8 == 0)
			churn_of_maps(&seed);
		else
			churn_one(&seed);
	}
	return NULL;
}

/* The value the owner writes for @key on @cpu: value bytes only. */
static void owner_value(void *buf, __u32 value_size, __u32 key, __u32 gen)
{
	int cpu, ncpus = bpfmap_num_possible_cpus();
	__u32 b;

	memset(buf, 0, pcpu_slot_size(value_size) * ncpus);
	for (cpu = 0; cpu < ncpus; cpu++) {
		unsigned char *slot = pcpu_slot(buf, value_size, cpu);

		for (b = 0; b < value_size; b++)
			slot[b] = (unsigned char)(0x80 | (key * 7 + cpu * 3 +
							  b + gen));
	}
}

/*
 * Compares one looked-up value with what was written; logs and returns
 * false on the first wrong byte.
 */
static bool owner_check(struct __test_metadata *_metadata, const void *got,
			const void *want, __u32 value_size,
			const struct owner_shape *shape, __u32 key)
{
	size_t slot = pcpu_slot_size(value_size), i;
	size_t len = slot * bpfmap_num_possible_cpus();
	const unsigned char *g = got, *w = want;

	for (i = 0; i < len; i++) {
		if (g[i] == w[i])
			continue;
		TH_LOG("type %u flags %#x value_size %u key %u: byte %zu (cpu %zu, %s byte %zu) is %#x, want %#x",
		       shape->map_type, shape->map_flags, value_size, key, i,
		       i / slot, i % slot < value_size ? "value" : "padding",
		       i % slot, g[i], w[i]);
		return false;
	}
	return true;
}

/* One owner round on a fresh map; false when a check failed. */
static bool owner_round(struct __test_metadata *_metadata,
			const struct owner_shape *shape, __u32 value_size,
			__u32 gen)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = shape->map_flags,
	};
	size_t vlen = value_buf_size(shape->map_type, value_size);
	__u32 keys[OWNER_ENTRIES], count, key, i, out_batch, max;
	unsigned char *want, *got, *batch_vals;
	bool ok = true;
	int fd, round, err;

	/* Room to spare, so that an LRU never evicts one of our keys. */
	max = shape->map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ?
	      OWNER_ENTRIES : 8 * OWNER_ENTRIES;
	fd = bpfmap_map_create(shape->map_type, "owner", 4, value_size, max,
			       &o);
	if (fd < 0) {
		TH_LOG("create type %u flags %#x value_size %u: %s",
		       shape->map_type, shape->map_flags, value_size,
		       strerror(-fd));
		return false;
	}
	want = calloc(OWNER_ENTRIES, vlen);
	got = calloc(1, vlen);
	batch_vals = calloc(OWNER_ENTRIES, vlen);
	if (!want || !got || !batch_vals) {
		ok = false;
		goto out;
	}

	for (round = 0; ok && round < 4; round++) {
		for (key = 0; key < OWNER_ENTRIES; key++) {
			owner_value(want + key * vlen, value_size, key,
				    gen + round);
			if (update_elem_under_churn(fd, &key,
						    want + key * vlen,
						    BPFMAP_ANY)) {
				TH_LOG("update key %u failed", key);
				ok = false;
				break;
			}
		}
		for (key = 0; ok && key < OWNER_ENTRIES; key++) {
			memset(got, 0xa5, vlen);
			if (bpfmap_map_lookup_elem(fd, &key, got)) {
				TH_LOG("lookup key %u failed", key);
				ok = false;
				break;
			}
			ok = owner_check(_metadata, got, want + key * vlen,
					 value_size, shape, key);
		}
		if (!ok)
			break;
		/* The same through LOOKUP_BATCH. */
		count = OWNER_ENTRIES;
		memset(batch_vals, 0xa5, OWNER_ENTRIES * vlen);
		err = bpfmap_map_lookup_batch(fd, NULL, &out_batch, keys,
						  batch_vals, &count, NULL);
		if ((err && err != -ENOENT) || count != OWNER_ENTRIES) {
			TH_LOG("lookup_batch: %d, count %u", err, count);
			ok = false;
			break;
		}
		for (i = 0; ok && i < count; i++) {
			if (keys[i] >= OWNER_ENTRIES) {
				TH_LOG("lookup_batch gave key %u", keys[i]);
				ok = false;
				break;
			}
			ok = owner_check(_metadata, batch_vals + i * vlen,
					 want + keys[i] * vlen, value_size,
					 shape, keys[i]);
		}
	}
out:
	free(batch_vals);
	free(got);
	free(want);
	close(fd);
	return ok;
}

static int padding_seconds(void)
{
	const char *s = getenv("BPFMAP_PADDING_SECONDS");
	int n = s ? atoi(s) : 0;

	return n > 0 ? n : 20;
}

TEST_F_TIMEOUT(padding, per_cpu_padding_stays_zero_while_other_maps_churn,
	       600)
{
	pthread_t churn[CHURN_THREADS];
	unsigned long rounds = 0;
	time_t end = time(NULL) + padding_seconds();
	bool ok = true;
	int i;

	atomic_store(&stop, false);
	atomic_store(&churn_ops, 0);
	for (i = 0; i < CHURN_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&churn[i], NULL, churn_thread,
					    (void *)(uintptr_t)(i + 1)));
	while (ok && time(NULL) < end) {
		const struct owner_shape *shape =
			&owner_shapes[rounds % ARRAY_SIZE(owner_shapes)];
		__u32 value_size = odd_sizes[(rounds / ARRAY_SIZE(owner_shapes)) %
					     ARRAY_SIZE(odd_sizes)];

		ok = owner_round(_metadata, shape, value_size, (__u32)rounds);
		rounds++;
	}
	atomic_store(&stop, true);
	for (i = 0; i < CHURN_THREADS; i++)
		pthread_join(churn[i], NULL);
	TH_LOG("%lu owner rounds, %lu churn maps", rounds,
	       atomic_load(&churn_ops));
	ASSERT_TRUE(ok);
}

TEST_HARNESS_MAIN
