// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * ARRAY_OF_MAPS and HASH_OF_MAPS on both backends: the equivalent of
 * upstream's map_in_map_batch_ops, the creation and compatibility rules,
 * the errno of every element command, inner map lifetime, and a stress
 * test that replaces inner maps while other threads read through the
 * outer map.
 */
#include <pthread.h>
#include <time.h>

#include "bpfmap_test.h"

#define OUTER_ENTRIES	10U

FIXTURE(mim) {
	int inner[OUTER_ENTRIES];
	__u32 inner_id[OUTER_ENTRIES];
};

FIXTURE_VARIANT(mim) {
	enum bpfmap_backend backend;
	__u32 outer_type;
	__u32 inner_type;
};

#define MIM_VARIANT(name, be, outer, in)				\
	FIXTURE_VARIANT_ADD(mim, name) {				\
		.backend = be,						\
		.outer_type = BPFMAP_MAP_TYPE_##outer,			\
		.inner_type = BPFMAP_MAP_TYPE_##in,			\
	}

MIM_VARIANT(bpfmap_array_of_arrays, BPFMAP_BACKEND_DEV, ARRAY_OF_MAPS, ARRAY);
MIM_VARIANT(bpfmap_array_of_hashes, BPFMAP_BACKEND_DEV, ARRAY_OF_MAPS, HASH);
MIM_VARIANT(bpfmap_hash_of_arrays, BPFMAP_BACKEND_DEV, HASH_OF_MAPS, ARRAY);
MIM_VARIANT(bpfmap_hash_of_hashes, BPFMAP_BACKEND_DEV, HASH_OF_MAPS, HASH);
MIM_VARIANT(kernel_array_of_arrays, BPFMAP_BACKEND_KERNEL, ARRAY_OF_MAPS,
	    ARRAY);
MIM_VARIANT(kernel_array_of_hashes, BPFMAP_BACKEND_KERNEL, ARRAY_OF_MAPS,
	    HASH);
MIM_VARIANT(kernel_hash_of_arrays, BPFMAP_BACKEND_KERNEL, HASH_OF_MAPS,
	    ARRAY);
MIM_VARIANT(kernel_hash_of_hashes, BPFMAP_BACKEND_KERNEL, HASH_OF_MAPS,
	    HASH);

static __u32 map_id_of(struct __test_metadata *_metadata, int fd)
{
	struct bpfmap_info info;

	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(fd, &info));
	return info.id;
}

/* An inner map: u32 key, u32 value, @max entries, @flags. */
static int inner_create(__u32 type, __u32 max, __u32 flags)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = flags,
	};

	return bpfmap_map_create(type, "inner", 4, 4, max, &o);
}

static int outer_create(__u32 type, int template_fd, __u32 value_size,
			__u32 max)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .inner_map_fd = (__u32)template_fd,
	};

	return bpfmap_map_create(type, "outer", 4, value_size, max, &o);
}

/* Every inner map holds one element: key 0 -> its own id. */
FIXTURE_SETUP(mim)
{
	__u32 i, zero = 0;

	SETUP_BACKEND(variant->backend);
	for (i = 0; i < OUTER_ENTRIES; i++) {
		self->inner[i] = inner_create(variant->inner_type, 1, 0);
		ASSERT_LE(0, self->inner[i]);
		self->inner_id[i] = map_id_of(_metadata, self->inner[i]);
		ASSERT_EQ(0, bpfmap_map_update_elem(self->inner[i], &zero,
						    &self->inner_id[i],
						    BPFMAP_ANY));
	}
}

FIXTURE_TEARDOWN(mim)
{
	__u32 i;

	for (i = 0; i < OUTER_ENTRIES; i++)
		if (self->inner[i] >= 0)
			close(self->inner[i]);
}

static int outer_of(struct __test_metadata *_metadata,
		    const FIXTURE_VARIANT(mim) *variant, int template_fd)
{
	int fd = outer_create(variant->outer_type, template_fd, 4,
			      OUTER_ENTRIES);

	ASSERT_LE(0, fd);
	return fd;
}

/* The inner map an id names answers key 0 with that same id. */
static void check_inner_id(struct __test_metadata *_metadata, __u32 id)
{
	__u32 zero = 0, got = 0;
	int fd = bpfmap_map_get_fd_by_id(id);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, bpfmap_map_lookup_elem(fd, &zero, &got));
	EXPECT_EQ(id, got);
	close(fd);
}

static bool is_hash_outer(const FIXTURE_VARIANT(mim) *variant)
{
	return variant->outer_type == BPFMAP_MAP_TYPE_HASH_OF_MAPS;
}

TEST_F(mim, batch_update_then_lookup_returns_inner_ids)
{
	__u32 keys[OUTER_ENTRIES], fds[OUTER_ENTRIES], out_keys[OUTER_ENTRIES];
	__u32 out_ids[OUTER_ENTRIES], count, total, step, i, token[1];
	__u32 batch_sizes[] = { 5, 10 };
	bool seen[OUTER_ENTRIES];
	int outer = outer_of(_metadata, variant, self->inner[0]), err;
	unsigned int s;

	for (i = 0; i < OUTER_ENTRIES; i++) {
		keys[i] = i;
		fds[i] = (__u32)self->inner[i];
	}
	count = OUTER_ENTRIES;
	ASSERT_EQ(0, bpfmap_map_update_batch(outer, keys, fds, &count, NULL));
	ASSERT_EQ(OUTER_ENTRIES, count);

	for (s = 0; s < ARRAY_SIZE(batch_sizes); s++) {
		step = batch_sizes[s];
		memset(seen, 0, sizeof(seen));
		total = 0;
		for (;;) {
			count = step;
			err = bpfmap_map_lookup_batch(outer,
						      total ? token : NULL,
						      token, out_keys + total,
						      out_ids + total, &count,
						      NULL);
			if (err == -ENOSPC) {
				/* A bucket bigger than the buffer: restart larger. */
				ASSERT_LT(step, OUTER_ENTRIES);
				step = OUTER_ENTRIES;
				total = 0;
				continue;
			}
			ASSERT_TRUE(err == 0 || err == -ENOENT);
			total += count;
			if (err == -ENOENT || total == OUTER_ENTRIES)
				break;
			step = step > OUTER_ENTRIES - total ?
			       OUTER_ENTRIES - total : step;
		}
		ASSERT_EQ(OUTER_ENTRIES, total);
		for (i = 0; i < total; i++) {
			ASSERT_LT(out_keys[i], OUTER_ENTRIES);
			EXPECT_FALSE(seen[out_keys[i]]);
			seen[out_keys[i]] = true;
			EXPECT_EQ(self->inner_id[out_keys[i]], out_ids[i]);
			check_inner_id(_metadata, out_ids[i]);
		}
	}

	if (is_hash_outer(variant)) {
		count = OUTER_ENTRIES;
		err = bpfmap_map_lookup_and_delete_batch(outer, NULL, token,
							 out_keys, out_ids,
							 &count, NULL);
		EXPECT_TRUE(err == 0 || err == -ENOENT);
		EXPECT_EQ(OUTER_ENTRIES, count);
		EXPECT_ERRNO(ENOENT, bpfmap_map_get_next_key(outer, NULL,
							     out_keys));
	}
	close(outer);
}

TEST_F(mim, lookup_returns_the_inner_map_id)
{
	int outer = outer_of(_metadata, variant, self->inner[0]);
	__u32 key = 3, fd = (__u32)self->inner[3], id = 0;

	ASSERT_EQ(0, bpfmap_map_update_elem(outer, &key, &fd, BPFMAP_ANY));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(outer, &key, &id));
	EXPECT_EQ(self->inner_id[3], id);
	check_inner_id(_metadata, id);
	close(outer);
}

TEST_F(mim, outer_value_size_must_be_four)
{
	EXPECT_FD_ERRNO(EINVAL, outer_create(variant->outer_type,
					     self->inner[0], 8, 4));
}

TEST_F(mim, bad_template_fds_are_rejected)
{
	int p[2], nested;

	EXPECT_FD_ERRNO(EBADF, outer_create(variant->outer_type, closed_fd(),
					    4, 4));
	ASSERT_EQ(0, pipe(p));
	EXPECT_FD_ERRNO(EINVAL, outer_create(variant->outer_type, p[0], 4, 4));
	close(p[0]);
	close(p[1]);
	/* One level only: a map-of-maps is no template. */
	nested = outer_of(_metadata, variant, self->inner[0]);
	EXPECT_FD_ERRNO(EINVAL, outer_create(variant->outer_type, nested, 4,
					     4));
	close(nested);
}

TEST_F(mim, template_may_be_closed_after_creation)
{
	int tmpl = inner_create(variant->inner_type, 1, 0), outer;
	__u32 key = 0, fd = (__u32)self->inner[1];

	ASSERT_LE(0, tmpl);
	outer = outer_of(_metadata, variant, tmpl);
	close(tmpl);
	EXPECT_EQ(0, bpfmap_map_update_elem(outer, &key, &fd, BPFMAP_ANY));
	close(outer);
}

TEST_F(mim, inner_maps_must_match_the_template)
{
	int outer = outer_of(_metadata, variant, self->inner[0]);
	bool array = variant->inner_type == BPFMAP_MAP_TYPE_ARRAY;
	struct bpfmap_map_create_opts o = { .sz = sizeof(o) };
	__u32 key = 0, fd;
	int other;

	/* Another type. */
	other = inner_create(array ? BPFMAP_MAP_TYPE_HASH :
				     BPFMAP_MAP_TYPE_ARRAY, 1, 0);
	ASSERT_LE(0, other);
	fd = (__u32)other;
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(outer, &key, &fd,
						    BPFMAP_ANY));
	close(other);
	/* Another value size. */
	other = bpfmap_map_create(variant->inner_type, "inner", 4, 8, 1, &o);
	ASSERT_LE(0, other);
	fd = (__u32)other;
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(outer, &key, &fd,
						    BPFMAP_ANY));
	close(other);
	/* Other flags. */
	other = inner_create(variant->inner_type, 1, BPFMAP_F_RDONLY_PROG);
	ASSERT_LE(0, other);
	fd = (__u32)other;
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(outer, &key, &fd,
						    BPFMAP_ANY));
	close(other);
	/* Another size: only arrays must match it. */
	other = inner_create(variant->inner_type, 4, 0);
	ASSERT_LE(0, other);
	fd = (__u32)other;
	if (array) {
		EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(outer, &key, &fd,
							    BPFMAP_ANY));
	} else {
		EXPECT_EQ(0, bpfmap_map_update_elem(outer, &key, &fd,
						    BPFMAP_ANY));
	}
	close(other);
	close(outer);
}

TEST_F(mim, update_with_a_bad_inner_fd_fails)
{
	int outer = outer_of(_metadata, variant, self->inner[0]), p[2];
	__u32 key = 0, fd = (__u32)closed_fd();

	EXPECT_ERRNO(EBADF, bpfmap_map_update_elem(outer, &key, &fd,
						   BPFMAP_ANY));
	ASSERT_EQ(0, pipe(p));
	fd = (__u32)p[0];
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(outer, &key, &fd,
						    BPFMAP_ANY));
	close(p[0]);
	close(p[1]);
	close(outer);
}

TEST_F(mim, element_commands_follow_the_outer_type)
{
	int outer = outer_of(_metadata, variant, self->inner[0]);
	__u32 key = 1, fd = (__u32)self->inner[1], id, far = OUTER_ENTRIES;

	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_elem(outer, &key, &id));
	EXPECT_ERRNO(ENOENT, bpfmap_map_delete_elem(outer, &key));
	if (is_hash_outer(variant)) {
		EXPECT_ERRNO(ENOENT, bpfmap_map_update_elem(outer, &key, &fd,
							    BPFMAP_EXIST));
		EXPECT_EQ(0, bpfmap_map_update_elem(outer, &key, &fd,
						    BPFMAP_NOEXIST));
		EXPECT_ERRNO(EEXIST, bpfmap_map_update_elem(outer, &key, &fd,
							    BPFMAP_NOEXIST));
		EXPECT_EQ(0, bpfmap_map_update_elem(outer, &key, &fd,
						    BPFMAP_EXIST));
		EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(outer, &key, &fd,
							    4));
	} else {
		EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(outer, &key, &fd,
							    BPFMAP_NOEXIST));
		EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(outer, &key, &fd,
							    BPFMAP_EXIST));
		EXPECT_ERRNO(E2BIG, bpfmap_map_update_elem(outer, &far, &fd,
							   BPFMAP_ANY));
		EXPECT_ERRNO(E2BIG, bpfmap_map_delete_elem(outer, &far));
		EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_elem(outer, &far, &id));
		EXPECT_EQ(0, bpfmap_map_update_elem(outer, &key, &fd,
						    BPFMAP_ANY));
	}
	EXPECT_EQ(0, bpfmap_map_lookup_elem(outer, &key, &id));
	EXPECT_EQ(self->inner_id[1], id);
	EXPECT_ERRNO(ENOTSUPP, bpfmap_map_lookup_and_delete_elem(outer, &key,
								 &id));
	EXPECT_EQ(0, bpfmap_map_delete_elem(outer, &key));
	EXPECT_ERRNO(ENOENT, bpfmap_map_delete_elem(outer, &key));
	close(outer);
}

/* Up to a second for a map id to stop resolving (frees are deferred). */
static bool id_goes_away(__u32 id)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, fd;

	for (i = 0; i < 100; i++) {
		fd = bpfmap_map_get_fd_by_id(id);
		if (fd == -ENOENT)
			return true;
		if (fd >= 0)
			close(fd);
		nanosleep(&ts, NULL);
	}
	return false;
}

TEST_F(mim, outer_map_keeps_a_closed_inner_map_alive)
{
	int outer = outer_of(_metadata, variant, self->inner[0]);
	__u32 key = 2, fd = (__u32)self->inner[2], id = self->inner_id[2];

	ASSERT_EQ(0, bpfmap_map_update_elem(outer, &key, &fd, BPFMAP_ANY));
	close(self->inner[2]);
	self->inner[2] = -1;
	/* Only the outer map holds it now. */
	check_inner_id(_metadata, id);
	ASSERT_EQ(0, bpfmap_map_delete_elem(outer, &key));
	EXPECT_TRUE(id_goes_away(id));
	close(outer);
}

TEST_F(mim, closing_the_outer_map_frees_its_inner_maps)
{
	int outer = outer_of(_metadata, variant, self->inner[0]);
	__u32 key = 4, fd = (__u32)self->inner[4], id = self->inner_id[4];

	ASSERT_EQ(0, bpfmap_map_update_elem(outer, &key, &fd, BPFMAP_ANY));
	close(self->inner[4]);
	self->inner[4] = -1;
	close(outer);
	EXPECT_TRUE(id_goes_away(id));
}

/* ---- replacing inner maps while other threads read through them ---- */

struct stress {
	int outer;
	__u32 inner_type;
	volatile bool stop;
	int errors;
};

static void stress_error(struct stress *st, bool failed)
{
	if (failed)
		__atomic_fetch_add(&st->errors, 1, __ATOMIC_RELAXED);
}

static void *stress_reader(void *arg)
{
	struct stress *st = arg;
	__u32 key = 0, id, zero = 0, v;
	int fd, err;

	while (!st->stop) {
		err = bpfmap_map_lookup_elem(st->outer, &key, &id);
		if (err) {
			stress_error(st, err != -ENOENT);
			continue;
		}
		fd = bpfmap_map_get_fd_by_id(id);
		if (fd < 0) {
			/* Replaced and freed since: fine. */
			stress_error(st, fd != -ENOENT);
			continue;
		}
		err = bpfmap_map_lookup_elem(fd, &zero, &v);
		stress_error(st, (err && err != -ENOENT) || (!err && v != id));
		close(fd);
	}
	return NULL;
}

TEST_F(mim, replacing_inner_maps_under_readers_is_safe)
{
	struct stress st = {
		.outer = outer_of(_metadata, variant, self->inner[0]),
		.inner_type = variant->inner_type,
	};
	struct timespec start, now;
	__u32 key = 0, zero = 0, id, fd;
	pthread_t readers[3];
	int inner, replaced = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(readers); i++)
		ASSERT_EQ(0, pthread_create(&readers[i], NULL, stress_reader,
					    &st));
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		inner = inner_create(variant->inner_type, 1, 0);
		ASSERT_LE(0, inner);
		id = map_id_of(_metadata, inner);
		ASSERT_EQ(0, bpfmap_map_update_elem(inner, &zero, &id,
						    BPFMAP_ANY));
		fd = (__u32)inner;
		ASSERT_EQ(0, bpfmap_map_update_elem(st.outer, &key, &fd,
						    BPFMAP_ANY));
		close(inner);
		replaced++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 2);
	st.stop = true;
	for (i = 0; i < ARRAY_SIZE(readers); i++)
		pthread_join(readers[i], NULL);
	EXPECT_EQ(0, st.errors);
	EXPECT_LT(0, replaced);
	close(st.outer);
}

/*
 * The template rules that do not depend on the outer type, checked once
 * per backend with an ARRAY_OF_MAPS: which differences the kernel's
 * map_meta_equal callbacks let through.
 */
FIXTURE(mim_template) {
};

FIXTURE_VARIANT(mim_template) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(mim_template);

FIXTURE_SETUP(mim_template)
{
	SETUP_BACKEND(variant->backend);
}

FIXTURE_TEARDOWN(mim_template)
{
}

/* Stores @inner_fd at key 0 of @outer; 0 or -errno. */
static int store_inner(int outer, int inner_fd)
{
	__u32 key = 0, fd = (__u32)inner_fd;

	return bpfmap_map_update_elem(outer, &key, &fd, BPFMAP_ANY);
}

/* Only plain ARRAY uses array_map_meta_equal(); PERCPU_ARRAY does not. */
TEST_F(mim_template, percpu_array_inner_maps_may_differ_in_size)
{
	int tmpl = inner_create(BPFMAP_MAP_TYPE_PERCPU_ARRAY, 2, 0);
	int outer, bigger;

	ASSERT_LE(0, tmpl);
	outer = outer_create(BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, tmpl, 4, 2);
	ASSERT_LE(0, outer);
	bigger = inner_create(BPFMAP_MAP_TYPE_PERCPU_ARRAY, 8, 0);
	ASSERT_LE(0, bigger);
	EXPECT_EQ(0, store_inner(outer, tmpl));
	EXPECT_EQ(0, store_inner(outer, bigger));
	close(bigger);
	close(outer);
	close(tmpl);
}

TEST_F(mim_template, inner_map_flag_lets_array_sizes_differ)
{
	int tmpl = inner_create(BPFMAP_MAP_TYPE_ARRAY, 2, BPFMAP_F_INNER_MAP);
	int outer, bigger, plain;

	ASSERT_LE(0, tmpl);
	outer = outer_create(BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, tmpl, 4, 2);
	ASSERT_LE(0, outer);
	bigger = inner_create(BPFMAP_MAP_TYPE_ARRAY, 8, BPFMAP_F_INNER_MAP);
	ASSERT_LE(0, bigger);
	EXPECT_EQ(0, store_inner(outer, bigger));
	/* The flag itself is compared: same size without it is refused. */
	plain = inner_create(BPFMAP_MAP_TYPE_ARRAY, 2, 0);
	ASSERT_LE(0, plain);
	EXPECT_ERRNO(EINVAL, store_inner(outer, plain));
	close(plain);
	close(bigger);
	close(outer);
	close(tmpl);
}

/* RDONLY / WRONLY describe the creator's fd, not the map. */
TEST_F(mim_template, fd_access_flags_are_not_compared)
{
	int tmpl = inner_create(BPFMAP_MAP_TYPE_ARRAY, 2, 0);
	int outer, rdonly, wronly;

	ASSERT_LE(0, tmpl);
	outer = outer_create(BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, tmpl, 4, 2);
	ASSERT_LE(0, outer);
	rdonly = inner_create(BPFMAP_MAP_TYPE_ARRAY, 2, BPFMAP_F_RDONLY);
	ASSERT_LE(0, rdonly);
	wronly = inner_create(BPFMAP_MAP_TYPE_ARRAY, 2, BPFMAP_F_WRONLY);
	ASSERT_LE(0, wronly);
	EXPECT_EQ(0, store_inner(outer, rdonly));
	EXPECT_EQ(0, store_inner(outer, wronly));
	close(wronly);
	close(rdonly);
	close(outer);
	close(tmpl);
}

/* NO_COMMON_LRU is a map flag like the others; LRU sizes may differ. */
TEST_F(mim_template, lru_inner_maps_compare_flags_not_size)
{
	int tmpl = inner_create(BPFMAP_MAP_TYPE_LRU_HASH, 16, 0);
	int outer, bigger, percpu_lru;

	ASSERT_LE(0, tmpl);
	outer = outer_create(BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, tmpl, 4, 2);
	ASSERT_LE(0, outer);
	bigger = inner_create(BPFMAP_MAP_TYPE_LRU_HASH, 64, 0);
	ASSERT_LE(0, bigger);
	EXPECT_EQ(0, store_inner(outer, bigger));
	percpu_lru = inner_create(BPFMAP_MAP_TYPE_LRU_HASH, 16,
				  BPFMAP_F_NO_COMMON_LRU);
	ASSERT_LE(0, percpu_lru);
	EXPECT_ERRNO(EINVAL, store_inner(outer, percpu_lru));
	close(percpu_lru);
	close(bigger);
	close(outer);
	close(tmpl);
}

TEST_HARNESS_MAIN
