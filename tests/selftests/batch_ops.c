// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The four batch commands on both backends.
 *
 *  - htab_batch: upstream map_tests' htab_map_batch_ops on the four hash
 *    types (stepped lookup, delete and lookup-and-delete walks) plus the
 *    contract of the bucket walker and of the generic update/delete
 *    batches (map-semantics.md section 3.7 and 11);
 *  - array_batch: array_map_batch_ops on ARRAY and PERCPU_ARRAY, where
 *    the token is a key;
 *  - cpu_flag, cpu_flag_plain: prog_tests/percpu_alloc.c's cpu_flag_*
 *    cases, BPF_F_CPU / BPF_F_ALL_CPUS (v7.0) on elements and batches;
 *  - htab_race: lookup_and_delete_batch racing with inserts and deletes
 *    on other CPUs; every inserted element must come out exactly once.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include "bpfmap_test.h"

static struct bpfmap_map_batch_opts batch_opts(__u64 elem_flags, __u64 flags)
{
	struct bpfmap_map_batch_opts opts = {
		.sz = sizeof(opts),
		.elem_flags = elem_flags,
		.flags = flags,
	};

	return opts;
}

/* Written into out_batch before each call, to see whether it was written. */
#define TOKEN_POISON	0xdeadbeefU

/*
 * Pins the calling thread to one CPU it may run on.  The LRU types take
 * free nodes through per-CPU caches; staying on one CPU keeps every free
 * node within reach, so the tests see no eviction they did not cause.
 */
static int pin_to_cpu(int nth)
{
	cpu_set_t set;
	int cpu, seen = 0, count;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	count = CPU_COUNT(&set);
	if (!count)
		return -1;
	nth %= count;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set) || seen++ != nth)
			continue;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
	}
	return -1;
}

static bool map_type_is_lru(__u32 map_type)
{
	return map_type == BPFMAP_MAP_TYPE_LRU_HASH ||
	       map_type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool map_type_is_array(__u32 map_type)
{
	return map_type == BPFMAP_MAP_TYPE_ARRAY ||
	       map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY;
}

static __u32 roundup_pow2(__u32 n)
{
	__u32 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* Elements in a hash map, by get_next_key walk; -errno on error. */
static int map_count(int fd)
{
	__u32 key, next;
	int n = 0, err;

	err = bpfmap_map_get_next_key(fd, NULL, &next);
	while (!err && n <= (1 << 20)) {
		n++;
		key = next;
		err = bpfmap_map_get_next_key(fd, &key, &next);
	}
	return err == -ENOENT ? n : err ? err : -E2BIG;
}

/* ---- hash types: htab_map_batch_ops and the bucket-walker contract ---- */

/*
 * HTAB_KEYS elements (keys 1..10, values key * 1000 (+ cpu)) in a map of
 * max_entries 10.  The LRU variants get a bigger map: an LRU map may evict
 * before it is full, because a CPU that runs out of cached free nodes
 * takes target_free of them at once and shrinks the LRU lists when fewer
 * are free (map-semantics.md section 7; target_free is 128 before the
 * June-2025 change).  With max_entries - HTAB_KEYS >= 128 spare nodes no
 * insert here evicts, on any version.  (Not much more: a per-CPU map of
 * many entries is slow to create and free in the test VM.)
 */
#define HTAB_KEYS		10U
#define HTAB_LRU_ENTRIES	144U

FIXTURE(htab_batch) {
	int fd;
	__u32 max_entries;
	__u32 n_buckets;
	size_t vsz;		/* bytes of one element's value */
	__u32 keys[HTAB_KEYS];
	char *values;
};

FIXTURE_VARIANT(htab_batch) {
	enum bpfmap_backend backend;
	__u32 map_type;
};

#define HTAB_VARIANT(fixture, name, be, type)				\
	FIXTURE_VARIANT_ADD(fixture, name) {				\
		.backend = (be), .map_type = (type),			\
	}

HTAB_VARIANT(htab_batch, bpfmap_hash, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_HASH);
HTAB_VARIANT(htab_batch, bpfmap_percpu_hash, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_PERCPU_HASH);
HTAB_VARIANT(htab_batch, bpfmap_lru_hash, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_LRU_HASH);
HTAB_VARIANT(htab_batch, bpfmap_lru_percpu_hash, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_LRU_PERCPU_HASH);
HTAB_VARIANT(htab_batch, kernel_hash, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_HASH);
HTAB_VARIANT(htab_batch, kernel_percpu_hash, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_PERCPU_HASH);
HTAB_VARIANT(htab_batch, kernel_lru_hash, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_LRU_HASH);
HTAB_VARIANT(htab_batch, kernel_lru_percpu_hash, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_LRU_PERCPU_HASH);

FIXTURE_SETUP(htab_batch)
{
	SETUP_BACKEND(variant->backend);
	ASSERT_LE(0, pin_to_cpu(0));
	self->max_entries = map_type_is_lru(variant->map_type) ?
			    HTAB_LRU_ENTRIES : HTAB_KEYS;
	self->n_buckets = roundup_pow2(self->max_entries);
	self->fd = CREATE_MAP(variant->map_type, self->max_entries, 0);
	self->vsz = value_buf_size(variant->map_type, 8);
	self->values = calloc(HTAB_KEYS, self->vsz);
	ASSERT_NE(NULL, self->values);
}

FIXTURE_TEARDOWN(htab_batch)
{
	free(self->values);
	close(self->fd);
}

static __u64 htab_value(__u32 key)
{
	return key * 1000ULL;
}

/* update_batch of keys 1..HTAB_KEYS into an empty map. */
static void htab_fill(struct __test_metadata *_metadata, int fd,
		      __u32 map_type)
{
	size_t vsz = value_buf_size(map_type, 8);
	char *values = calloc(HTAB_KEYS, vsz);
	__u32 keys[HTAB_KEYS], count = HTAB_KEYS, i;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	ASSERT_NE(NULL, values);
	for (i = 0; i < HTAB_KEYS; i++) {
		keys[i] = i + 1;
		value_fill_u64(values + i * vsz, map_type, htab_value(i + 1));
	}
	ASSERT_EQ(0, bpfmap_map_update_batch(fd, keys, values, &count, &opts));
	ASSERT_EQ(HTAB_KEYS, count);
	free(values);
}

/* Empties the map (it may hold leftovers of a skipped step). */
static void htab_drain(struct __test_metadata *_metadata, int fd,
		       __u32 map_type)
{
	size_t vsz = value_buf_size(map_type, 8);
	char *values = calloc(HTAB_KEYS, vsz);
	__u32 keys[HTAB_KEYS], count = HTAB_KEYS, next;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int err;

	ASSERT_NE(NULL, values);
	err = bpfmap_map_lookup_and_delete_batch(fd, NULL, &next, keys, values,
						 &count, &opts);
	ASSERT_EQ(-ENOENT, err);
	ASSERT_ERRNO(ENOENT, bpfmap_map_get_next_key(fd, NULL, keys));
	free(values);
}

/* @n elements read back: distinct keys of 1..HTAB_KEYS with their values. */
static void htab_verify(struct __test_metadata *_metadata, __u32 map_type,
			const __u32 *keys, const char *values, size_t vsz,
			__u32 n)
{
	bool seen[HTAB_KEYS + 1] = { false };
	__u32 i;

	ASSERT_GE(HTAB_KEYS, n);
	for (i = 0; i < n; i++) {
		__u32 key = keys[i];

		ASSERT_LE(1U, key);
		ASSERT_GE(HTAB_KEYS, key);
		ASSERT_FALSE(seen[key]);
		seen[key] = true;
		if (!value_check_u64(values + i * vsz, map_type,
				     htab_value(key)))
			TH_LOG("bad value for key %u", key);
		ASSERT_TRUE(value_check_u64(values + i * vsz, map_type,
					    htab_value(key)));
	}
}

/*
 * Number of elements in the non-empty @bucket: the smallest count a
 * lookup_batch starting there accepts, and then returns that one bucket.
 */
static __u32 htab_bucket_len(struct __test_metadata *_metadata, int fd,
			     __u32 bucket, size_t vsz)
{
	char *values = calloc(HTAB_KEYS, vsz);
	__u32 keys[HTAB_KEYS], count, c, in, next;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int err;

	ASSERT_NE(NULL, values);
	for (c = 1; c <= HTAB_KEYS; c++) {
		in = bucket;
		count = c;
		next = TOKEN_POISON;
		err = bpfmap_map_lookup_batch(fd, &in, &next, keys, values,
					      &count, &opts);
		if (err == -ENOSPC) {
			ASSERT_EQ(0U, count);
			ASSERT_EQ(bucket, next);
			continue;
		}
		ASSERT_TRUE(err == 0 || err == -ENOENT);
		ASSERT_EQ(c, count);
		free(values);
		return c;
	}
	free(values);
	ASSERT_TRUE(false);
	return 0;
}

/*
 * Reads the whole map @step elements per call (and deletes what it reads
 * when @del), holding each call to the bucket-walker contract.  *@total:
 * elements read.  Returns 0 after the end of the map, or -ENOSPC when a
 * call met a bucket bigger than @step before it had copied anything;
 * upstream's test then skips the step size, and so does this one, once it
 * has made sure that bucket really is bigger than @step.
 */
static int htab_walk(struct __test_metadata *_metadata, int fd, bool del,
		     __u32 step, __u32 n_buckets, __u32 *keys, char *values,
		     size_t vsz, __u32 *total)
{
	__u32 token = 0, next, count, calls;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int err;

	*total = 0;
	for (calls = 0; ; calls++) {
		ASSERT_GT(n_buckets + 2, calls);
		count = step;
		next = TOKEN_POISON;
		if (del)
			err = bpfmap_map_lookup_and_delete_batch(fd,
					calls ? &token : NULL, &next,
					keys + *total, values + *total * vsz,
					&count, &opts);
		else
			err = bpfmap_map_lookup_batch(fd,
					calls ? &token : NULL, &next,
					keys + *total, values + *total * vsz,
					&count, &opts);
		ASSERT_GE(step, count);
		ASSERT_GE(HTAB_KEYS, *total + count);
		if (err == -ENOSPC) {
			/* Only the first bucket of a call may not fit. */
			ASSERT_EQ(0U, count);
			ASSERT_LE(token, next);
			ASSERT_GT(n_buckets, next);
			ASSERT_LT(step, htab_bucket_len(_metadata, fd, next,
							vsz));
			return -ENOSPC;
		}
		if (err == -ENOENT) {
			/* Past the last bucket: the token is n_buckets. */
			ASSERT_EQ(n_buckets, next);
			*total += count;
			return 0;
		}
		ASSERT_EQ(0, err);
		/* 0 means progress: something copied, a later bucket next. */
		ASSERT_LT(0U, count);
		ASSERT_LT(token, next);
		ASSERT_GT(n_buckets, next);
		*total += count;
		token = next;
	}
}

TEST_F(htab_batch, empty_map_fails_enoent)
{
	__u32 count = HTAB_KEYS, next = TOKEN_POISON;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_and_delete_batch(self->fd,
				NULL, &next, self->keys, self->values,
				&count, &opts));
	EXPECT_EQ(0U, count);
	EXPECT_EQ(self->n_buckets, next);

	count = HTAB_KEYS;
	next = TOKEN_POISON;
	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_batch(self->fd, NULL, &next,
						     self->keys, self->values,
						     &count, &opts));
	EXPECT_EQ(0U, count);
	EXPECT_EQ(self->n_buckets, next);
}

TEST_F(htab_batch, zero_count_succeeds_and_touches_nothing)
{
	__u32 count, next, i, key;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	char *value = value_buf_alloc(variant->map_type, 8);

	ASSERT_NE(NULL, value);
	htab_fill(_metadata, self->fd, variant->map_type);
	memset(self->keys, 0xa5, sizeof(self->keys));
	memset(self->values, 0xa5, HTAB_KEYS * self->vsz);

	count = 0;
	next = TOKEN_POISON;
	EXPECT_EQ(0, bpfmap_map_lookup_and_delete_batch(self->fd, NULL, &next,
							self->keys,
							self->values,
							&count, &opts));
	EXPECT_EQ(0U, count);
	EXPECT_EQ(TOKEN_POISON, next);

	count = 0;
	EXPECT_EQ(0, bpfmap_map_lookup_batch(self->fd, NULL, &next,
					     self->keys, self->values,
					     &count, &opts));
	EXPECT_EQ(0U, count);
	EXPECT_EQ(TOKEN_POISON, next);
	for (i = 0; i < sizeof(self->keys); i++)
		ASSERT_EQ(0xa5, ((unsigned char *)self->keys)[i]);
	for (i = 0; i < HTAB_KEYS * self->vsz; i++)
		ASSERT_EQ(0xa5, (unsigned char)self->values[i]);

	/* Keys 1..10 with garbage values: neither written nor deleted. */
	for (i = 0; i < HTAB_KEYS; i++)
		self->keys[i] = i + 1;
	count = 0;
	EXPECT_EQ(0, bpfmap_map_update_batch(self->fd, self->keys,
					     self->values, &count, &opts));
	EXPECT_EQ(0U, count);
	count = 0;
	EXPECT_EQ(0, bpfmap_map_delete_batch(self->fd, self->keys, &count,
					     &opts));
	EXPECT_EQ(0U, count);

	ASSERT_EQ((int)HTAB_KEYS, map_count(self->fd));
	for (key = 1; key <= HTAB_KEYS; key++) {
		ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, value));
		ASSERT_TRUE(value_check_u64(value, variant->map_type,
					    htab_value(key)));
	}
	free(value);
}

TEST_F(htab_batch, full_count_returns_and_deletes_everything)
{
	__u32 count = HTAB_KEYS, next = TOKEN_POISON, key;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int err;

	htab_fill(_metadata, self->fd, variant->map_type);
	err = bpfmap_map_lookup_and_delete_batch(self->fd, NULL, &next,
						 self->keys, self->values,
						 &count, &opts);
	/* All of it fits, so the walk may reach the end: ENOENT allowed. */
	ASSERT_TRUE(err == 0 || err == -ENOENT);
	ASSERT_EQ(HTAB_KEYS, count);
	htab_verify(_metadata, variant->map_type, self->keys, self->values,
		    self->vsz, count);
	EXPECT_EQ(0, map_count(self->fd));
	EXPECT_ERRNO(ENOENT, bpfmap_map_get_next_key(self->fd, NULL, &key));
}

TEST_F(htab_batch, walks_in_steps)
{
	__u32 step, total, count, i, n;
	int err, done = 0;
	bool dirty = false;	/* a skipped step left elements behind */
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	for (step = 1; step < HTAB_KEYS; step++) {
		if (dirty)
			htab_drain(_metadata, self->fd, variant->map_type);
		dirty = true;
		htab_fill(_metadata, self->fd, variant->map_type);

		memset(self->keys, 0, sizeof(self->keys));
		memset(self->values, 0, HTAB_KEYS * self->vsz);
		err = htab_walk(_metadata, self->fd, false, step,
				self->n_buckets, self->keys, self->values,
				self->vsz, &total);
		if (err == -ENOSPC) {
			TH_LOG("step %u: lookup met a bigger bucket, skipped",
			       step);
			continue;
		}
		ASSERT_EQ(HTAB_KEYS, total);
		htab_verify(_metadata, variant->map_type, self->keys,
			    self->values, self->vsz, total);

		/* Delete what was read, step keys per call. */
		for (i = 0; i < total; i += n) {
			n = total - i < step ? total - i : step;
			count = n;
			ASSERT_EQ(0, bpfmap_map_delete_batch(self->fd,
							     self->keys + i,
							     &count, &opts));
			ASSERT_EQ(n, count);
		}
		ASSERT_EQ(0, map_count(self->fd));

		htab_fill(_metadata, self->fd, variant->map_type);
		memset(self->keys, 0, sizeof(self->keys));
		memset(self->values, 0, HTAB_KEYS * self->vsz);
		err = htab_walk(_metadata, self->fd, true, step,
				self->n_buckets, self->keys, self->values,
				self->vsz, &total);
		htab_verify(_metadata, variant->map_type, self->keys,
			    self->values, self->vsz, total);
		/* What was returned is gone, the rest is still there. */
		ASSERT_EQ((int)(HTAB_KEYS - total), map_count(self->fd));
		if (err == -ENOSPC) {
			TH_LOG("step %u: lookup_and_delete met a bigger bucket, skipped",
			       step);
			continue;
		}
		ASSERT_EQ(HTAB_KEYS, total);
		dirty = false;
		done++;
	}
	ASSERT_LT(0, done);
}

TEST_F(htab_batch, nonzero_batch_flags_fail_einval_on_lookups_only)
{
	__u32 count, next;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 1);
	struct bpfmap_map_batch_opts plain = batch_opts(0, 0);
	int err;

	htab_fill(_metadata, self->fd, variant->map_type);
	count = HTAB_KEYS;
	next = TOKEN_POISON;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_batch(self->fd, NULL, &next,
						     self->keys, self->values,
						     &count, &opts));
	EXPECT_EQ(TOKEN_POISON, next);
	count = HTAB_KEYS;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_batch(self->fd,
				NULL, &next, self->keys, self->values,
				&count, &opts));
	EXPECT_EQ(TOKEN_POISON, next);
	opts.flags = 1ULL << 63;
	count = HTAB_KEYS;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_batch(self->fd, NULL, &next,
						     self->keys, self->values,
						     &count, &opts));
	ASSERT_EQ((int)HTAB_KEYS, map_count(self->fd));

	/* The generic update and delete batches ignore batch.flags. */
	opts.flags = 1;
	count = HTAB_KEYS;
	err = bpfmap_map_lookup_and_delete_batch(self->fd, NULL, &next,
						 self->keys, self->values,
						 &count, &plain);
	ASSERT_TRUE(err == 0 || err == -ENOENT);
	ASSERT_EQ(HTAB_KEYS, count);
	count = HTAB_KEYS;
	EXPECT_EQ(0, bpfmap_map_update_batch(self->fd, self->keys,
					     self->values, &count, &opts));
	EXPECT_EQ(HTAB_KEYS, count);
	EXPECT_EQ((int)HTAB_KEYS, map_count(self->fd));
	count = HTAB_KEYS;
	EXPECT_EQ(0, bpfmap_map_delete_batch(self->fd, self->keys, &count,
					     &opts));
	EXPECT_EQ(HTAB_KEYS, count);
	EXPECT_EQ(0, map_count(self->fd));
}

TEST_F(htab_batch, token_past_the_last_bucket_fails_enoent)
{
	__u32 past[] = { self->n_buckets, self->n_buckets + 1, 0xffffffff };
	__u32 count, next, token, i;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int err;

	htab_fill(_metadata, self->fd, variant->map_type);
	for (i = 0; i < ARRAY_SIZE(past); i++) {
		token = past[i];

		count = HTAB_KEYS;
		next = TOKEN_POISON;
		EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_batch(self->fd, &token,
							     &next, self->keys,
							     self->values,
							     &count, &opts));
		EXPECT_EQ(0U, count);
		EXPECT_EQ(TOKEN_POISON, next);

		count = HTAB_KEYS;
		EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_and_delete_batch(
					self->fd, &token, &next, self->keys,
					self->values, &count, &opts));
		EXPECT_EQ(0U, count);
		EXPECT_EQ(TOKEN_POISON, next);
	}
	ASSERT_EQ((int)HTAB_KEYS, map_count(self->fd));

	/* The last bucket is a valid token. */
	token = self->n_buckets - 1;
	count = HTAB_KEYS;
	err = bpfmap_map_lookup_batch(self->fd, &token, &next, self->keys,
				      self->values, &count, &opts);
	EXPECT_TRUE(err == 0 || err == -ENOENT);
	if (err == -ENOENT)
		EXPECT_EQ(self->n_buckets, next);
	htab_verify(_metadata, variant->map_type, self->keys, self->values,
		    self->vsz, count);
}

TEST_F(htab_batch, update_batch_reports_elements_applied_on_e2big)
{
	__u32 keys[] = { 1, 2, 99, 3 }, count = ARRAY_SIZE(keys), key;
	char *values = calloc(ARRAY_SIZE(keys), self->vsz);
	char *value = value_buf_alloc(variant->map_type, 8);
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	unsigned int i;

	ASSERT_NE(NULL, values);
	ASSERT_NE(NULL, value);
	if (map_type_is_lru(variant->map_type)) {
		free(values);
		free(value);
		SKIP(return, "an LRU map evicts instead of failing with E2BIG (the count on a failure: ..._on_efault)");
	}
	htab_fill(_metadata, self->fd, variant->map_type);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		value_fill_u64(values + i * self->vsz, variant->map_type,
			       7000 + i);
	/* Full map: 1 and 2 are overwritten, 99 is new and does not fit. */
	EXPECT_ERRNO(E2BIG, bpfmap_map_update_batch(self->fd, keys, values,
						    &count, &opts));
	EXPECT_EQ(2U, count);
	for (key = 1; key <= 3; key++) {
		ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, value));
		EXPECT_TRUE(value_check_u64(value, variant->map_type,
					    key < 3 ? 7000 + key - 1 :
						      htab_value(key)));
	}
	key = 99;
	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_elem(self->fd, &key, value));
	free(values);
	free(value);
}

TEST_F(htab_batch, update_batch_reports_elements_applied_on_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 keys[] = { 1, 2, 3, 4 }, count = ARRAY_SIZE(keys), key;
	char *value = value_buf_alloc(variant->map_type, 8), *area, *values;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	ASSERT_NE(NULL, value);
	area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, munmap(area + page, page));
	/* Values 0 and 1 end the mapped page; value 2 faults. */
	values = area + page - 2 * self->vsz;
	value_fill_u64(values, variant->map_type, 11);
	value_fill_u64(values + self->vsz, variant->map_type, 12);
	EXPECT_ERRNO(EFAULT, bpfmap_map_update_batch(self->fd, keys, values,
						     &count, &opts));
	EXPECT_EQ(2U, count);
	EXPECT_EQ(2, map_count(self->fd));
	for (key = 1; key <= 2; key++) {
		ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, value));
		EXPECT_TRUE(value_check_u64(value, variant->map_type,
					    10 + key));
	}
	munmap(area, page);
	free(value);
}

/*
 * Keys ending in an unmapped page, with a key straddling its start: the
 * elements before the faulting key are deleted, count says how many.
 */
TEST_F(htab_batch, delete_batch_reports_elements_applied_when_a_key_faults)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 count = 8, whole[5] = { 1, 2, 3, 4, 5 };
	char *area, *keys;

	area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, munmap(area + page, page));
	htab_fill(_metadata, self->fd, variant->map_type);
	/* Keys 1..5 are whole; the sixth has 2 of its 4 bytes mapped. */
	keys = area + page - sizeof(whole) - 2;
	memcpy(keys, whole, sizeof(whole));
	EXPECT_ERRNO(EFAULT, bpfmap_map_delete_batch(self->fd, keys, &count,
						     NULL));
	EXPECT_EQ(5U, count);
	EXPECT_EQ((int)HTAB_KEYS - 5, map_count(self->fd));
	munmap(area, page);
}

/* A failing element before a faulting one: its error wins. */
TEST_F(htab_batch, delete_batch_error_before_a_fault_wins)
{
	long page = sysconf(_SC_PAGESIZE);
	__u32 count = 8, *keys;
	char *area;

	area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, munmap(area + page, page));
	htab_fill(_metadata, self->fd, variant->map_type);
	/* 1, 2, then 999 (not in the map), then the unmapped page. */
	keys = (__u32 *)(area + page - 3 * sizeof(__u32));
	keys[0] = 1;
	keys[1] = 2;
	keys[2] = 999;
	EXPECT_ERRNO(ENOENT, bpfmap_map_delete_batch(self->fd, keys, &count,
						     NULL));
	EXPECT_EQ(2U, count);
	EXPECT_EQ((int)HTAB_KEYS - 2, map_count(self->fd));
	munmap(area, page);
}

TEST_F(htab_batch, update_batch_rejects_noexist_and_exist)
{
	__u32 keys[] = { 1, 2 }, count;
	char *values = calloc(ARRAY_SIZE(keys), self->vsz);
	struct bpfmap_map_batch_opts opts = batch_opts(BPFMAP_NOEXIST, 0);

	ASSERT_NE(NULL, values);
	/*
	 * The generic update batch checks elem_flags against
	 * LOCK | CPU | ALL_CPUS (v7.0; only LOCK before): the
	 * NOEXIST/EXIST bits are outside that set, so they never reach
	 * the per-element updates.
	 */
	count = ARRAY_SIZE(keys);
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_batch(self->fd, keys, values,
						     &count, &opts));
	opts.elem_flags = BPFMAP_EXIST;
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_batch(self->fd, keys, values,
						     &count, &opts));
	EXPECT_EQ(0, map_count(self->fd));
	free(values);
}

TEST_F(htab_batch, delete_batch_stops_at_the_first_missing_key)
{
	__u32 keys[] = { 1, 2, 99, 3 }, count = ARRAY_SIZE(keys), key;
	char *value = value_buf_alloc(variant->map_type, 8);
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	ASSERT_NE(NULL, value);
	htab_fill(_metadata, self->fd, variant->map_type);
	EXPECT_ERRNO(ENOENT, bpfmap_map_delete_batch(self->fd, keys, &count,
						     &opts));
	EXPECT_EQ(2U, count);
	EXPECT_EQ((int)HTAB_KEYS - 2, map_count(self->fd));
	for (key = 1; key <= 3; key++)
		EXPECT_ERRNO(key < 3 ? ENOENT : 0,
			     bpfmap_map_lookup_elem(self->fd, &key, value));

	/* Any elem_flags but LOCK is EINVAL; LOCK too, without a lock. */
	count = 1;
	opts.elem_flags = BPFMAP_NOEXIST;
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_batch(self->fd, &keys[3],
						     &count, &opts));
	opts.elem_flags = BPFMAP_F_LOCK;
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_batch(self->fd, &keys[3],
						     &count, &opts));
	opts.elem_flags = F_CPU(0);
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_batch(self->fd, &keys[3],
						     &count, &opts));
	EXPECT_EQ((int)HTAB_KEYS - 2, map_count(self->fd));
	free(value);
}

TEST_F(htab_batch, lookup_and_delete_batch_rejects_cpu_flags)
{
	__u32 count, next = TOKEN_POISON;
	struct bpfmap_map_batch_opts opts = batch_opts(F_CPU(0), 0);

	htab_fill(_metadata, self->fd, variant->map_type);
	/* BPF_F_CPU is for per-CPU lookups only, never with a delete. */
	count = HTAB_KEYS;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_batch(self->fd,
				NULL, &next, self->keys, self->values,
				&count, &opts));
	opts.elem_flags = BPFMAP_F_ALL_CPUS;
	count = HTAB_KEYS;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_batch(self->fd,
				NULL, &next, self->keys, self->values,
				&count, &opts));
	/* ALL_CPUS is update-only: lookup_batch rejects it too. */
	count = HTAB_KEYS;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_batch(self->fd, NULL, &next,
						     self->keys, self->values,
						     &count, &opts));
	opts.elem_flags = BPFMAP_F_LOCK;
	count = HTAB_KEYS;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_batch(self->fd,
				NULL, &next, self->keys, self->values,
				&count, &opts));
	EXPECT_EQ(TOKEN_POISON, next);
	EXPECT_EQ((int)HTAB_KEYS, map_count(self->fd));
}

/* ---- array types: array_map_batch_ops; the token is a key ---- */

#define ARRAY_ENTRIES	10U

FIXTURE(array_batch) {
	int fd;
	size_t vsz;
	__u32 keys[ARRAY_ENTRIES];
	char *values;
};

FIXTURE_VARIANT(array_batch) {
	enum bpfmap_backend backend;
	__u32 map_type;
};

BACKEND_ARRAY_VARIANTS(array_batch);

/* Key i holds i + 1, on per-CPU slot j i + 1 + j. */
static void array_fill(struct __test_metadata *_metadata, int fd,
		       __u32 map_type)
{
	size_t vsz = value_buf_size(map_type, 8);
	char *values = calloc(ARRAY_ENTRIES, vsz);
	__u32 keys[ARRAY_ENTRIES], count = ARRAY_ENTRIES, i;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	ASSERT_NE(NULL, values);
	for (i = 0; i < ARRAY_ENTRIES; i++) {
		keys[i] = i;
		value_fill_u64(values + i * vsz, map_type, i + 1);
	}
	ASSERT_EQ(0, bpfmap_map_update_batch(fd, keys, values, &count, &opts));
	ASSERT_EQ(ARRAY_ENTRIES, count);
	free(values);
}

FIXTURE_SETUP(array_batch)
{
	SETUP_BACKEND(variant->backend);
	self->fd = CREATE_MAP(variant->map_type, ARRAY_ENTRIES, 0);
	self->vsz = value_buf_size(variant->map_type, 8);
	self->values = calloc(ARRAY_ENTRIES, self->vsz);
	ASSERT_NE(NULL, self->values);
	array_fill(_metadata, self->fd, variant->map_type);
}

FIXTURE_TEARDOWN(array_batch)
{
	free(self->values);
	close(self->fd);
}

/* @n elements from key @first on, in key order, with their values. */
static void array_verify(struct __test_metadata *_metadata, __u32 map_type,
			 const __u32 *keys, const char *values, size_t vsz,
			 __u32 first, __u32 n)
{
	__u32 i;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(first + i, keys[i]);
		ASSERT_TRUE(value_check_u64(values + i * vsz, map_type,
					    first + i + 1));
	}
}

TEST_F(array_batch, lookup_in_steps)
{
	__u32 step, total, count, token = 0, next, calls;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int err;

	for (step = 1; step < ARRAY_ENTRIES; step++) {
		memset(self->keys, 0xff, sizeof(self->keys));
		memset(self->values, 0, ARRAY_ENTRIES * self->vsz);
		total = 0;
		for (calls = 0; ; calls++) {
			ASSERT_GT(ARRAY_ENTRIES + 2, calls);
			count = step;
			next = TOKEN_POISON;
			err = bpfmap_map_lookup_batch(self->fd,
					calls ? &token : NULL, &next,
					self->keys + total,
					self->values + total * self->vsz,
					&count, &opts);
			ASSERT_GE(ARRAY_ENTRIES, total + count);
			if (err) {
				/* The end, maybe with a last partial batch. */
				ASSERT_EQ(-ENOENT, err);
				ASSERT_GT(step, count);
			} else {
				ASSERT_EQ(step, count);
			}
			/* out_batch: the last key, if any was returned. */
			if (count) {
				ASSERT_EQ(self->keys[total + count - 1], next);
			} else {
				ASSERT_EQ(TOKEN_POISON, next);
			}
			total += count;
			token = next;
			if (err)
				break;
		}
		ASSERT_EQ(ARRAY_ENTRIES, total);
		array_verify(_metadata, variant->map_type, self->keys,
			     self->values, self->vsz, 0, total);
	}
}

TEST_F(array_batch, token_is_the_last_key_returned)
{
	__u32 count, token, next;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	/* The walk goes on after the key in in_batch. */
	token = 4;
	count = ARRAY_ENTRIES;
	next = TOKEN_POISON;
	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_batch(self->fd, &token, &next,
						     self->keys, self->values,
						     &count, &opts));
	ASSERT_EQ(ARRAY_ENTRIES - 5, count);
	EXPECT_EQ(ARRAY_ENTRIES - 1, next);
	array_verify(_metadata, variant->map_type, self->keys, self->values,
		     self->vsz, 5, count);

	token = ARRAY_ENTRIES - 1;
	count = ARRAY_ENTRIES;
	next = TOKEN_POISON;
	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_batch(self->fd, &token, &next,
						     self->keys, self->values,
						     &count, &opts));
	EXPECT_EQ(0U, count);
	EXPECT_EQ(TOKEN_POISON, next);

	/* An index out of range restarts at 0, as get_next_key does. */
	token = ARRAY_ENTRIES;
	count = ARRAY_ENTRIES;
	EXPECT_EQ(0, bpfmap_map_lookup_batch(self->fd, &token, &next,
					     self->keys, self->values,
					     &count, &opts));
	ASSERT_EQ(ARRAY_ENTRIES, count);
	EXPECT_EQ(ARRAY_ENTRIES - 1, next);
	array_verify(_metadata, variant->map_type, self->keys, self->values,
		     self->vsz, 0, count);

	token = 0xffffffff;
	count = 3;
	EXPECT_EQ(0, bpfmap_map_lookup_batch(self->fd, &token, &next,
					     self->keys, self->values,
					     &count, &opts));
	ASSERT_EQ(3U, count);
	EXPECT_EQ(2U, next);
	array_verify(_metadata, variant->map_type, self->keys, self->values,
		     self->vsz, 0, count);
}

TEST_F(array_batch, zero_count_and_batch_flags)
{
	__u32 count, next = TOKEN_POISON, i;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	memset(self->keys, 0xa5, sizeof(self->keys));
	count = 0;
	EXPECT_EQ(0, bpfmap_map_lookup_batch(self->fd, NULL, &next,
					     self->keys, self->values,
					     &count, &opts));
	EXPECT_EQ(0U, count);
	EXPECT_EQ(TOKEN_POISON, next);
	for (i = 0; i < ARRAY_ENTRIES; i++)
		ASSERT_EQ(0xa5a5a5a5U, self->keys[i]);

	/* Count 0: the garbage keys and values are not even read. */
	EXPECT_EQ(0, bpfmap_map_update_batch(self->fd, self->keys,
					     self->values, &count, &opts));
	EXPECT_EQ(0U, count);

	/* The generic lookup and update batches ignore batch.flags. */
	opts.flags = 1;
	count = ARRAY_ENTRIES;
	EXPECT_EQ(0, bpfmap_map_lookup_batch(self->fd, NULL, &next,
					     self->keys, self->values,
					     &count, &opts));
	ASSERT_EQ(ARRAY_ENTRIES, count);
	array_verify(_metadata, variant->map_type, self->keys, self->values,
		     self->vsz, 0, count);
	EXPECT_EQ(0, bpfmap_map_update_batch(self->fd, self->keys,
					     self->values, &count, &opts));
	EXPECT_EQ(ARRAY_ENTRIES, count);
}

TEST_F(array_batch, update_batch_stops_at_an_index_out_of_range)
{
	__u32 keys[] = { 0, 1, ARRAY_ENTRIES, 2 }, count = ARRAY_SIZE(keys);
	__u32 next;
	char *values = calloc(ARRAY_SIZE(keys), self->vsz);
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	unsigned int i;

	ASSERT_NE(NULL, values);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		value_fill_u64(values + i * self->vsz, variant->map_type,
			       500 + i);
	EXPECT_ERRNO(E2BIG, bpfmap_map_update_batch(self->fd, keys, values,
						    &count, &opts));
	EXPECT_EQ(2U, count);
	count = ARRAY_ENTRIES;
	ASSERT_EQ(0, bpfmap_map_lookup_batch(self->fd, NULL, &next,
					     self->keys, self->values,
					     &count, &opts));
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(value_check_u64(self->values + i * self->vsz,
					    variant->map_type,
					    i < 2 ? 500 + i : i + 1));

	/* NOEXIST is not an update-batch flag, even on an array. */
	count = 1;
	opts.elem_flags = BPFMAP_NOEXIST;
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_batch(self->fd, keys, values,
						     &count, &opts));
	free(values);
}

TEST_F(array_batch, delete_batches_fail_enotsupp)
{
	__u32 count = 2, next = TOKEN_POISON;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	self->keys[0] = 0;
	self->keys[1] = 1;
	EXPECT_ERRNO(ENOTSUPP, bpfmap_map_delete_batch(self->fd, self->keys,
						       &count, &opts));
	count = 2;
	EXPECT_ERRNO(ENOTSUPP, bpfmap_map_lookup_and_delete_batch(self->fd,
				NULL, &next, self->keys, self->values,
				&count, &opts));
	EXPECT_EQ(TOKEN_POISON, next);
	count = ARRAY_ENTRIES;
	ASSERT_EQ(0, bpfmap_map_lookup_batch(self->fd, NULL, &next,
					     self->keys, self->values,
					     &count, &opts));
	array_verify(_metadata, variant->map_type, self->keys, self->values,
		     self->vsz, 0, count);
}

/* ---- BPF_F_CPU / BPF_F_ALL_CPUS: percpu_alloc.c cpu_flag_* ---- */

/*
 * u32 values in a map of ncpus + 1 entries, keys 0..ncpus-1 used: the
 * spare entry keeps an LRU_PERCPU_HASH update with a CPU flag, which takes
 * a free node first upstream, from evicting one of the keys.
 */
FIXTURE(cpu_flag) {
	int fd;
	int ncpus;
	__u32 max_entries;
	size_t slot;		/* 8: round_up(4, 8) */
	__u32 *model;		/* [key][cpu]: what the map should hold */
};

FIXTURE_VARIANT(cpu_flag) {
	enum bpfmap_backend backend;
	__u32 map_type;
};

HTAB_VARIANT(cpu_flag, bpfmap_percpu_array, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_PERCPU_ARRAY);
HTAB_VARIANT(cpu_flag, bpfmap_percpu_hash, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_PERCPU_HASH);
HTAB_VARIANT(cpu_flag, bpfmap_lru_percpu_hash, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_LRU_PERCPU_HASH);
HTAB_VARIANT(cpu_flag, kernel_percpu_array, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_PERCPU_ARRAY);
HTAB_VARIANT(cpu_flag, kernel_percpu_hash, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_PERCPU_HASH);
HTAB_VARIANT(cpu_flag, kernel_lru_percpu_hash, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_LRU_PERCPU_HASH);

FIXTURE_SETUP(cpu_flag)
{
	SETUP_BACKEND(variant->backend);
	ASSERT_LE(0, pin_to_cpu(0));
	self->ncpus = bpfmap_num_possible_cpus();
	self->max_entries = self->ncpus + 1;
	self->slot = pcpu_slot_size(4);
	self->fd = bpfmap_map_create(variant->map_type, "cpu_flag", 4, 4,
				     self->max_entries, NULL);
	ASSERT_LE(0, self->fd);
	self->model = calloc((size_t)self->max_entries * self->ncpus, 4);
	ASSERT_NE(NULL, self->model);
}

FIXTURE_TEARDOWN(cpu_flag)
{
	free(self->model);
	close(self->fd);
}

#define MODEL(self, key, cpu)	((self)->model[(key) * (self)->ncpus + (cpu)])

static __u32 prefill_value(__u32 key, int cpu)
{
	return 0x10000000U | key << 12 | cpu;
}

static __u32 cpu_value(__u32 key, int cpu)
{
	return 0xc0000000U | key << 12 | cpu;
}

/* Slot @cpu of a full per-CPU buffer of u32 values. */
static __u32 *slot_u32(void *buf, size_t slot, int cpu)
{
	return (__u32 *)((char *)buf + slot * cpu);
}

/* A full per-CPU value of @key equals the model, padding zero. */
static void check_full_value(struct __test_metadata *_metadata,
			     FIXTURE_DATA(cpu_flag) *self, __u32 key,
			     void *buf)
{
	int cpu;

	for (cpu = 0; cpu < self->ncpus; cpu++) {
		__u32 *s = slot_u32(buf, self->slot, cpu);

		if (s[0] != MODEL(self, key, cpu))
			TH_LOG("key %u cpu %d: %#x, expected %#x", key, cpu,
			       s[0], MODEL(self, key, cpu));
		ASSERT_EQ(MODEL(self, key, cpu), s[0]);
		ASSERT_EQ(0U, s[1]);
	}
}

TEST_F(cpu_flag, rejected_flag_combinations)
{
	bool hash = !map_type_is_array(variant->map_type);
	int range = expect_errno(hash ? "percpu_hash_update_f_cpu_out_of_range" :
					"percpu_update_f_cpu_out_of_range",
				 ERANGE);
	int lrange = expect_errno("percpu_lookup_f_cpu_out_of_range", ERANGE);
	void *buf = calloc(self->ncpus, self->slot);
	__u32 key = 0, keys[1] = { 0 }, count, next = TOKEN_POISON;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int cpu;

	ASSERT_NE(NULL, buf);
	for (cpu = 0; cpu < self->ncpus; cpu++) {
		MODEL(self, key, cpu) = prefill_value(key, cpu);
		*slot_u32(buf, self->slot, cpu) = MODEL(self, key, cpu);
	}
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, buf, BPFMAP_ANY));

	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key, buf,
				F_CPU(0) | BPFMAP_F_ALL_CPUS));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key, buf,
				F_CPU(0) | BPFMAP_F_ALL_CPUS));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key, buf,
				BPFMAP_F_ALL_CPUS));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key, buf,
				BPFMAP_F_LOCK | F_CPU(0)));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key, buf,
				BPFMAP_F_LOCK | BPFMAP_F_ALL_CPUS));
	/* 17 and 18: the low word is above BPF_F_ALL_CPUS. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key, buf,
				BPFMAP_F_ALL_CPUS | BPFMAP_NOEXIST));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key, buf,
				BPFMAP_F_ALL_CPUS | BPFMAP_EXIST));

	/* cpu == number of possible CPUs: just past the last one. */
	EXPECT_ERRNO(range, bpfmap_map_update_elem(self->fd, &key, buf,
						   F_CPU(self->ncpus)));
	EXPECT_ERRNO(lrange, bpfmap_map_lookup_elem_flags(self->fd, &key, buf,
				F_CPU(self->ncpus)));

	/* The batch forms. */
	count = 1;
	opts.elem_flags = F_CPU(0) | BPFMAP_F_ALL_CPUS;
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_batch(self->fd, keys, buf,
						     &count, &opts));
	count = 1;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_batch(self->fd, NULL, &next,
						     keys, buf, &count,
						     &opts));
	count = 1;
	opts.elem_flags = BPFMAP_F_ALL_CPUS;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_batch(self->fd, NULL, &next,
						     keys, buf, &count,
						     &opts));
	EXPECT_EQ(TOKEN_POISON, next);

	/* None of it wrote anything. */
	memset(buf, 0xff, self->ncpus * self->slot);
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, buf));
	check_full_value(_metadata, self, key, buf);
	free(buf);
}

TEST_F(cpu_flag, update_one_cpu_then_read_every_cpu)
{
	bool hash = !map_type_is_array(variant->map_type);
	int e_all = expect_errno(hash ? "percpu_hash_update_f_all_cpus" :
					"percpu_update_f_all_cpus", 0);
	int e_cpu = expect_errno(hash ? "percpu_hash_update_f_cpu" :
					"percpu_update_f_cpu", 0);
	int e_lookup = expect_errno("percpu_lookup_f_cpu", 0);
	void *buf = calloc(self->ncpus, self->slot);
	int c, cpu;
	__u32 key, v;

	ASSERT_NE(NULL, buf);
	for (c = 0; c < self->ncpus; c++) {
		key = c;
		/* Every slot non-zero, so that zeroing them shows. */
		for (cpu = 0; cpu < self->ncpus; cpu++) {
			MODEL(self, key, cpu) = prefill_value(key, cpu);
			*slot_u32(buf, self->slot, cpu) = MODEL(self, key, cpu);
		}
		ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, buf,
						    BPFMAP_ANY));

		v = 0;
		ASSERT_ERRNO(e_all, bpfmap_map_update_elem(self->fd, &key, &v,
						BPFMAP_F_ALL_CPUS));
		for (cpu = 0; !e_all && cpu < self->ncpus; cpu++)
			MODEL(self, key, cpu) = 0;

		v = cpu_value(key, c);
		ASSERT_ERRNO(e_cpu, bpfmap_map_update_elem(self->fd, &key, &v,
							   F_CPU(c)));
		if (!e_cpu)
			MODEL(self, key, c) = v;

		for (cpu = 0; cpu < self->ncpus; cpu++) {
			v = 0xdeadbeef;
			ASSERT_ERRNO(e_lookup, bpfmap_map_lookup_elem_flags(
						self->fd, &key, &v, F_CPU(cpu)));
			if (!e_lookup)
				ASSERT_EQ(MODEL(self, key, cpu), v);
		}
		memset(buf, 0xff, self->ncpus * self->slot);
		ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, buf));
		check_full_value(_metadata, self, key, buf);
	}
	free(buf);
}

TEST_F(cpu_flag, batch_update_one_cpu_then_read_every_cpu)
{
	int e_range = expect_errno("percpu_update_batch_f_cpu_out_of_range",
				   ERANGE);
	int e_lrange = expect_errno("percpu_lookup_batch_f_cpu_out_of_range",
				    ERANGE);
	int e_all = expect_errno("percpu_update_batch_f_all_cpus", 0);
	int e_cpu = expect_errno("percpu_update_batch_f_cpu", 0);
	int e_lookup = expect_errno("percpu_lookup_batch_f_cpu", 0);
	__u32 n = self->ncpus, max = self->max_entries;
	__u32 returned = map_type_is_array(variant->map_type) ? max : n;
	size_t full = self->slot * self->ncpus;
	__u32 *keys = calloc(max, 4), *out_keys = calloc(max, 4);
	__u32 *one = calloc(max, 4);
	char *values = calloc(max, full);
	__u32 count, next, k, i;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int c, cpu, err;

	ASSERT_NE(NULL, keys);
	ASSERT_NE(NULL, out_keys);
	ASSERT_NE(NULL, one);
	ASSERT_NE(NULL, values);
	for (k = 0; k < n; k++) {
		keys[k] = k;
		for (cpu = 0; cpu < self->ncpus; cpu++) {
			MODEL(self, k, cpu) = prefill_value(k, cpu);
			*slot_u32(values + k * full, self->slot, cpu) =
				MODEL(self, k, cpu);
		}
	}
	count = n;
	ASSERT_EQ(0, bpfmap_map_update_batch(self->fd, keys, values, &count,
					     &opts));
	ASSERT_EQ(n, count);

	count = n;
	opts.elem_flags = F_CPU(self->ncpus);
	EXPECT_ERRNO(e_range, bpfmap_map_update_batch(self->fd, keys, one,
						      &count, &opts));
	count = max;
	EXPECT_ERRNO(e_lrange, bpfmap_map_lookup_batch(self->fd, NULL, &next,
						       out_keys, one, &count,
						       &opts));

	for (c = 0; c < self->ncpus; c++) {
		/* Zero every CPU of every key, stride value_size. */
		memset(one, 0, max * 4);
		count = n;
		opts.elem_flags = BPFMAP_F_ALL_CPUS;
		ASSERT_ERRNO(e_all, bpfmap_map_update_batch(self->fd, keys, one,
							    &count, &opts));
		if (!e_all) {
			ASSERT_EQ(n, count);
			memset(self->model, 0, (size_t)max * self->ncpus * 4);
		}

		/* Then write CPU c only. */
		for (k = 0; k < n; k++)
			one[k] = cpu_value(k, c);
		count = n;
		opts.elem_flags = F_CPU(c);
		ASSERT_ERRNO(e_cpu, bpfmap_map_update_batch(self->fd, keys, one,
							    &count, &opts));
		for (k = 0; !e_cpu && k < n; k++)
			MODEL(self, k, c) = cpu_value(k, c);
		if (!e_cpu)
			ASSERT_EQ(n, count);

		/* Each CPU through BPF_F_CPU, stride value_size. */
		for (cpu = 0; cpu < self->ncpus; cpu++) {
			memset(one, 0xff, max * 4);
			count = max;
			opts.elem_flags = F_CPU(cpu);
			err = bpfmap_map_lookup_batch(self->fd, NULL, &next,
						      out_keys, one, &count,
						      &opts);
			if (e_lookup) {
				ASSERT_ERRNO(e_lookup, err);
				continue;
			}
			ASSERT_TRUE(err == 0 || err == -ENOENT);
			ASSERT_EQ(returned, count);
			for (i = 0; i < count; i++) {
				k = out_keys[i];
				ASSERT_GT(max, k);
				ASSERT_EQ(MODEL(self, k, cpu), one[i]);
			}
		}

		/* Every CPU at once, stride round_up(4, 8) * ncpus. */
		memset(values, 0xff, max * full);
		count = max;
		opts.elem_flags = 0;
		err = bpfmap_map_lookup_batch(self->fd, NULL, &next, out_keys,
					      values, &count, &opts);
		ASSERT_TRUE(err == 0 || err == -ENOENT);
		ASSERT_EQ(returned, count);
		for (i = 0; i < count; i++) {
			ASSERT_GT(max, out_keys[i]);
			check_full_value(_metadata, self, out_keys[i],
					 values + i * full);
		}
	}
	free(keys);
	free(out_keys);
	free(one);
	free(values);
}

/* Plain ARRAY and HASH: the CPU flags are EINVAL on every version. */
FIXTURE(cpu_flag_plain) {
	int fd;
};

FIXTURE_VARIANT(cpu_flag_plain) {
	enum bpfmap_backend backend;
	__u32 map_type;
};

HTAB_VARIANT(cpu_flag_plain, bpfmap_array, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_ARRAY);
HTAB_VARIANT(cpu_flag_plain, bpfmap_hash, BPFMAP_BACKEND_DEV,
	     BPFMAP_MAP_TYPE_HASH);
HTAB_VARIANT(cpu_flag_plain, kernel_array, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_ARRAY);
HTAB_VARIANT(cpu_flag_plain, kernel_hash, BPFMAP_BACKEND_KERNEL,
	     BPFMAP_MAP_TYPE_HASH);

FIXTURE_SETUP(cpu_flag_plain)
{
	SETUP_BACKEND(variant->backend);
	self->fd = bpfmap_map_create(variant->map_type, "cpu_flag", 4, 4, 4,
				     NULL);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(cpu_flag_plain)
{
	close(self->fd);
}

TEST_F(cpu_flag_plain, cpu_flags_fail_einval)
{
	__u32 key = 1, v = 5, keys[1] = { 1 }, values[4] = { 6 }, count, next;
	struct bpfmap_map_batch_opts opts = batch_opts(BPFMAP_F_ALL_CPUS, 0);

	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, &v, BPFMAP_ANY));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key, &values,
						    BPFMAP_F_ALL_CPUS));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key, &values,
						    F_CPU(0)));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key,
							  &values, F_CPU(0)));

	count = 1;
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_batch(self->fd, keys, values,
						     &count, &opts));
	count = 1;
	opts.elem_flags = F_CPU(0);
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_batch(self->fd, keys, values,
						     &count, &opts));
	count = 4;
	next = TOKEN_POISON;
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_batch(self->fd, NULL, &next,
						     values, values, &count,
						     &opts));
	EXPECT_EQ(TOKEN_POISON, next);

	/* Nothing was written. */
	v = 0;
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, &v));
	EXPECT_EQ(5U, v);
}

/* ---- lookup_and_delete_batch racing with updates and deletes ---- */

#define RACE_ENTRIES	4096
#define RACE_KEYS	(2 * RACE_ENTRIES)
#define RACE_MSEC	1500
#define RACE_THREADS	5	/* 2 inserters, 1 deleter, 2 batchers */

struct race {
	int fd;
	int stop;
	int failures;
	char failure[160];
	/* per key: successful NOEXIST inserts, deletes, batch returns */
	__u32 inserted[RACE_KEYS];
	__u32 deleted[RACE_KEYS];
	__u32 returned[RACE_KEYS];
};

struct race_thread {
	struct race *r;
	pthread_t tid;
	int nth;		/* which allowed CPU to run on */
	__u32 seed;
	unsigned long ops, elems;
};

static __u64 race_value(__u32 key)
{
	return (__u64)key << 32 | 0x5a5a5a5aU;
}

static __u32 race_rand(__u32 *seed)
{
	__u32 x = *seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*seed = x;
	return x;
}

static bool race_stopped(struct race *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_RELAXED);
}

/* Records a failure; the first one is kept for the report. */
static void race_fail(struct race *r, const char *what, long a, long b)
{
	if (__atomic_fetch_add(&r->failures, 1, __ATOMIC_RELAXED) == 0)
		snprintf(r->failure, sizeof(r->failure), "%s (%ld, %ld)",
			 what, a, b);
}

static void *race_inserter(void *arg)
{
	struct race_thread *t = arg;
	struct race *r = t->r;

	pin_to_cpu(t->nth);
	while (!race_stopped(r)) {
		__u32 key = race_rand(&t->seed) % RACE_KEYS;
		__u64 value = race_value(key);
		int err;

		err = bpfmap_map_update_elem(r->fd, &key, &value,
					     BPFMAP_NOEXIST);
		if (!err)
			__atomic_fetch_add(&r->inserted[key], 1,
					   __ATOMIC_RELAXED);
		else if (err != -EEXIST && err != -E2BIG)
			race_fail(r, "insert failed", key, err);
		t->ops++;
	}
	return NULL;
}

static void *race_deleter(void *arg)
{
	struct race_thread *t = arg;
	struct race *r = t->r;

	pin_to_cpu(t->nth);
	while (!race_stopped(r)) {
		__u32 key = race_rand(&t->seed) % RACE_KEYS;
		int err;

		err = bpfmap_map_delete_elem(r->fd, &key);
		if (!err)
			__atomic_fetch_add(&r->deleted[key], 1,
					   __ATOMIC_RELAXED);
		else if (err != -ENOENT)
			race_fail(r, "delete failed", key, err);
		t->ops++;
	}
	return NULL;
}

/*
 * Checks one batch of @count elements: keys in range, each key once,
 * values as inserted.  @seen is a bitmap of RACE_KEYS bits, all clear on
 * entry and on return.  @tally, when set, counts each key.
 */
static void race_check_batch(struct race *r, const __u32 *keys,
			     const __u64 *values, __u32 count,
			     unsigned char *seen, __u32 *tally)
{
	__u32 i, key;

	for (i = 0; i < count; i++) {
		key = keys[i];
		if (key >= RACE_KEYS) {
			race_fail(r, "key out of range", key, i);
			continue;
		}
		if (values[i] != race_value(key))
			race_fail(r, "bad value", key, (long)values[i]);
		if (seen[key / 8] & (1U << key % 8))
			race_fail(r, "key twice in one call", key, count);
		seen[key / 8] |= 1U << key % 8;
		if (tally)
			__atomic_fetch_add(&tally[key], 1, __ATOMIC_RELAXED);
	}
	for (i = 0; i < count; i++)
		if (keys[i] < RACE_KEYS)
			seen[keys[i] / 8] &= ~(1U << keys[i] % 8);
}

static void *race_batcher(void *arg)
{
	struct race_thread *t = arg;
	struct race *r = t->r;
	__u32 *keys = calloc(RACE_ENTRIES, sizeof(*keys));
	__u64 *values = calloc(RACE_ENTRIES, sizeof(*values));
	unsigned char *seen = calloc(RACE_KEYS / 8, 1);
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);

	if (!keys || !values || !seen) {
		race_fail(r, "out of memory", 0, 0);
		goto out;
	}
	pin_to_cpu(t->nth);
	while (!race_stopped(r)) {
		__u32 cap = 1 + race_rand(&t->seed) % 64, token = 0, next;
		__u32 count;
		bool first = true;
		int err;

		/* One walk over the whole table. */
		for (;;) {
			count = cap;
			next = TOKEN_POISON;
			err = bpfmap_map_lookup_and_delete_batch(r->fd,
					first ? NULL : &token, &next, keys,
					values, &count, &opts);
			t->ops++;
			if (err == -ENOSPC) {
				if (count)
					race_fail(r, "ENOSPC with a count",
						  count, cap);
				/* Same token, more room. */
				if (cap >= RACE_ENTRIES) {
					race_fail(r, "ENOSPC at full size",
						  cap, next);
					goto out;
				}
				cap *= 2;
				continue;
			}
			if (err && err != -ENOENT) {
				race_fail(r, "lookup_and_delete_batch failed",
					  err, count);
				goto out;
			}
			if (count > cap) {
				race_fail(r, "count above capacity", count,
					  cap);
				goto out;
			}
			race_check_batch(r, keys, values, count, seen,
					 r->returned);
			t->elems += count;
			if (err == -ENOENT || race_stopped(r))
				break;
			first = false;
			token = next;
		}
	}
out:
	free(keys);
	free(values);
	free(seen);
	return NULL;
}

FIXTURE(htab_race) {
	struct race *r;
	struct race_thread t[RACE_THREADS];
};

FIXTURE_VARIANT(htab_race) {
	enum bpfmap_backend backend;
	__u32 map_flags;
};

FIXTURE_VARIANT_ADD(htab_race, bpfmap_prealloc) {
	.backend = BPFMAP_BACKEND_DEV,
	.map_flags = 0,
};

FIXTURE_VARIANT_ADD(htab_race, bpfmap_no_prealloc) {
	.backend = BPFMAP_BACKEND_DEV,
	.map_flags = BPFMAP_F_NO_PREALLOC,
};

FIXTURE_VARIANT_ADD(htab_race, kernel_prealloc) {
	.backend = BPFMAP_BACKEND_KERNEL,
	.map_flags = 0,
};

FIXTURE_VARIANT_ADD(htab_race, kernel_no_prealloc) {
	.backend = BPFMAP_BACKEND_KERNEL,
	.map_flags = BPFMAP_F_NO_PREALLOC,
};

FIXTURE_SETUP(htab_race)
{
	SETUP_BACKEND(variant->backend);
	self->r = calloc(1, sizeof(*self->r));
	ASSERT_NE(NULL, self->r);
	self->r->fd = CREATE_MAP(BPFMAP_MAP_TYPE_HASH, RACE_ENTRIES,
				 variant->map_flags);
}

FIXTURE_TEARDOWN(htab_race)
{
	close(self->r->fd);
	free(self->r);
}

TEST_F(htab_race, lookup_and_delete_batch_loses_and_duplicates_nothing)
{
	static void *(*const role[RACE_THREADS])(void *) = {
		race_batcher, race_inserter, race_deleter, race_inserter,
		race_batcher,
	};
	struct timespec pause = {
		.tv_sec = RACE_MSEC / 1000,
		.tv_nsec = (RACE_MSEC % 1000) * 1000000L,
	};
	struct race *r = self->r;
	unsigned long ins = 0, del = 0, ret = 0, left = 0;
	__u32 *keys = calloc(RACE_ENTRIES, sizeof(*keys));
	__u64 *values = calloc(RACE_ENTRIES, sizeof(*values));
	unsigned char *seen = calloc(RACE_KEYS / 8, 1);
	__u32 *present = calloc(RACE_KEYS, sizeof(*present));
	__u32 count = RACE_ENTRIES, next, key;
	struct bpfmap_map_batch_opts opts = batch_opts(0, 0);
	int i;

	ASSERT_NE(NULL, keys);
	ASSERT_NE(NULL, values);
	ASSERT_NE(NULL, seen);
	ASSERT_NE(NULL, present);
	for (i = 0; i < RACE_THREADS; i++) {
		self->t[i] = (struct race_thread){
			.r = r, .nth = i, .seed = 0x9e3779b9U * (i + 1),
		};
		ASSERT_EQ(0, pthread_create(&self->t[i].tid, NULL, role[i],
					    &self->t[i]));
	}
	nanosleep(&pause, NULL);
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < RACE_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(self->t[i].tid, NULL));
		TH_LOG("thread %d: %lu calls, %lu elements", i,
		       self->t[i].ops, self->t[i].elems);
	}
	if (r->failures)
		TH_LOG("%d failures, first: %s", r->failures, r->failure);
	ASSERT_EQ(0, r->failures);

	/* What is left, in one call: the whole table fits. */
	ASSERT_EQ(-ENOENT, bpfmap_map_lookup_batch(r->fd, NULL, &next, keys,
						   values, &count, &opts));
	race_check_batch(r, keys, values, count, seen, present);
	ASSERT_EQ(0, r->failures);
	/* The same again, deleting: the map is then empty. */
	left = count;
	count = RACE_ENTRIES;
	ASSERT_EQ(-ENOENT, bpfmap_map_lookup_and_delete_batch(r->fd, NULL,
							      &next, keys,
							      values, &count,
							      &opts));
	ASSERT_EQ(left, count);
	race_check_batch(r, keys, values, count, seen, NULL);
	for (i = 0; i < (int)count; i++)
		ASSERT_EQ(1U, present[keys[i] % RACE_KEYS]);
	ASSERT_EQ(0, r->failures);
	ASSERT_ERRNO(ENOENT, bpfmap_map_get_next_key(r->fd, NULL, &key));
	left = 0;

	/* Every insert came out once: by a batch, a delete, or not yet. */
	for (key = 0; key < RACE_KEYS; key++) {
		if (r->inserted[key] != r->returned[key] + r->deleted[key] +
					present[key])
			TH_LOG("key %u: inserted %u, returned %u, deleted %u, left %u",
			       key, r->inserted[key], r->returned[key],
			       r->deleted[key], present[key]);
		ASSERT_EQ(r->inserted[key], r->returned[key] + r->deleted[key] +
					    present[key]);
		ins += r->inserted[key];
		del += r->deleted[key];
		ret += r->returned[key];
		left += present[key];
	}
	TH_LOG("inserted %lu, returned by batches %lu, deleted %lu, left %lu",
	       ins, ret, del, left);
	ASSERT_LT(0UL, ins);
	ASSERT_LT(0UL, ret);
	free(keys);
	free(values);
	free(seen);
	free(present);
}

TEST_HARNESS_MAIN
