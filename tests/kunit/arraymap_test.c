// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * KUnit suites for the array engine and the map object behind it.  They
 * build into bpfmap_kunit.ko when the kernel has KUnit and run when it is
 * loaded (after bpfmap.ko); results: /sys/kernel/debug/kunit/<suite>/results.
 *
 * bpfmap_array runs every case over ARRAY and PERCPU_ARRAY; bpfmap_percpu
 * holds what only the per-CPU layout has; bpfmap_object covers ids and
 * FREEZE.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/cpumask.h>
#include <linux/slab.h>

#include "bpfmap.h"

#define TEST_ENTRIES	4U

static const u32 array_types[] = {
	BPFMAP_MAP_TYPE_ARRAY,
	BPFMAP_MAP_TYPE_PERCPU_ARRAY,
};

static void array_type_desc(const u32 *type, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *type == BPFMAP_MAP_TYPE_ARRAY ? "array" : "percpu_array");
}

KUNIT_ARRAY_PARAM(array_type, array_types, array_type_desc);

static u32 test_map_type(struct kunit *test)
{
	return test->param_value ? *(const u32 *)test->param_value :
				   BPFMAP_MAP_TYPE_PERCPU_ARRAY;
}

static void attr_init(struct bpfmap_map_create *attr, u32 type,
		      u32 value_size)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->map_type = type;
	attr->key_size = sizeof(u32);
	attr->value_size = value_size;
	attr->max_entries = TEST_ENTRIES;
}

/* A map owned by the test: the suite's exit hook drops it. */
static struct bpfmap *test_map_create(struct kunit *test, u32 value_size)
{
	struct bpfmap_map_create attr;
	struct bpfmap *map;

	attr_init(&attr, test_map_type(test), value_size);
	map = bpfmap_create(&attr);
	KUNIT_ASSERT_FALSE(test, IS_ERR(map));
	test->priv = map;
	return map;
}

/* KUnit reuses one struct kunit for every parameter: clear priv. */
static void bpfmap_test_exit(struct kunit *test)
{
	if (test->priv)
		bpfmap_put(test->priv);
	test->priv = NULL;
}

static void *value_buf(struct kunit *test, struct bpfmap *map, u64 flags)
{
	void *buf = kunit_kzalloc(test, bpfmap_value_size(map, flags),
				  GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	return buf;
}

/* Fill a value in user layout: CPU slot i holds pattern + i in every u32. */
static void value_fill(struct bpfmap *map, void *buf, u32 pattern)
{
	u32 size = bpfmap_value_size(map, 0);
	u32 slot = bpfmap_is_percpu(map) ? bpfmap_percpu_slot_size(map) :
					   size;
	u32 off, i;

	memset(buf, 0, size);
	for (off = 0; off < size; off += slot)
		for (i = 0; i < map->value_size / sizeof(u32); i++)
			((u32 *)(buf + off))[i] = pattern + off / slot;
}

static void array_new_map_reads_zero_at_every_index(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 12);
	void *value = value_buf(test, map, 0);
	void *zero = value_buf(test, map, 0);
	u32 key;

	for (key = 0; key < TEST_ENTRIES; key++) {
		memset(value, 0xff, bpfmap_value_size(map, 0));
		KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, value,
							     0), 0);
		KUNIT_EXPECT_EQ(test, memcmp(value, zero,
					     bpfmap_value_size(map, 0)), 0);
	}
}

static void array_update_then_lookup_returns_the_value(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	void *in = value_buf(test, map, 0);
	void *out = value_buf(test, map, 0);
	u32 key = TEST_ENTRIES - 1;

	value_fill(map, in, 0x1000);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_ANY), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, out, 0), 0);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, bpfmap_value_size(map, 0)),
			0);
}

static void array_update_exist_overwrites(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	void *in = value_buf(test, map, 0);
	void *out = value_buf(test, map, 0);
	u32 key = 1;

	value_fill(map, in, 7);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_ANY), 0);
	value_fill(map, in, 9);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_EXIST), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, out, 0), 0);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, bpfmap_value_size(map, 0)),
			0);
}

static void array_update_noexist_fails_eexist(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	void *in = value_buf(test, map, 0);
	u32 key = 0;

	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_NOEXIST), -EEXIST);
}

static void array_update_out_of_range_fails_e2big(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	void *in = value_buf(test, map, 0);
	u32 key = TEST_ENTRIES;

	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_ANY), -E2BIG);
	key = U32_MAX;
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_ANY), -E2BIG);
}

static void array_lookup_out_of_range_fails_enoent(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	void *out = value_buf(test, map, 0);
	u32 key = TEST_ENTRIES;

	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, out, 0),
			-ENOENT);
}

static void array_update_unknown_flags_fails_einval(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	void *in = value_buf(test, map, 0);
	u32 key = 0;

	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_F_LOCK), -EINVAL);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in, 1ULL << 40),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in, 64),
			-EINVAL);
}

static void array_delete_fails_einval(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	u32 key = 0;

	KUNIT_EXPECT_EQ(test, bpfmap_map_delete_elem(map, &key), -EINVAL);
	key = TEST_ENTRIES;
	KUNIT_EXPECT_EQ(test, bpfmap_map_delete_elem(map, &key), -EINVAL);
}

static void array_lookup_and_delete_fails_enotsupp(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	void *out = value_buf(test, map, 0);
	u32 key = 0;

	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_and_delete_elem(map, &key, out,
								0), -ENOTSUPP);
}

static void array_get_next_key_walks_every_index_then_enoent(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	u32 key, next, expect = 0;

	KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, NULL, &next), 0);
	KUNIT_EXPECT_EQ(test, next, 0U);
	for (key = 0; key < TEST_ENTRIES - 1; key++) {
		KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, &key, &next),
				0);
		KUNIT_EXPECT_EQ(test, next, ++expect);
	}
	KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, &key, &next),
			-ENOENT);
}

static void array_get_next_key_out_of_range_restarts_at_zero(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	u32 key = TEST_ENTRIES + 10, next = 77;

	KUNIT_EXPECT_EQ(test, bpfmap_map_get_next_key(map, &key, &next), 0);
	KUNIT_EXPECT_EQ(test, next, 0U);
}

static void array_create_rejects_bad_shapes(struct kunit *test)
{
	struct bpfmap_map_create attr;
	u32 type = test_map_type(test);

	attr_init(&attr, type, 8);
	attr.key_size = 8;
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_create(&attr)), -EINVAL);
	attr_init(&attr, type, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_create(&attr)), -EINVAL);
	attr_init(&attr, type, 8);
	attr.max_entries = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_create(&attr)), -EINVAL);
	attr_init(&attr, type, 8);
	attr.map_flags = BPFMAP_F_NO_PREALLOC;
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_create(&attr)), -EINVAL);
	attr_init(&attr, type, 8);
	attr.map_flags = BPFMAP_F_RDONLY_PROG | BPFMAP_F_WRONLY_PROG;
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_create(&attr)), -EINVAL);
	attr_init(&attr, type, 8);
	attr.map_extra = 1;
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_create(&attr)), -EINVAL);
	attr_init(&attr, type, 8);
	strscpy(attr.map_name, "bad-name", sizeof(attr.map_name));
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_create(&attr)), -EINVAL);
	attr_init(&attr, type, 8);
	memset(attr.map_name, 'a', sizeof(attr.map_name));
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_create(&attr)), -EINVAL);
}

static void array_cpu_flags_follow_the_map_type(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 8);
	u64 cpu0 = BPFMAP_F_CPU;
	void *in = value_buf(test, map, cpu0);
	u32 key = 0;
	int expect = bpfmap_is_percpu(map) ? 0 : -EINVAL;

	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in, cpu0),
			expect);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, in, cpu0),
			expect);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_F_ALL_CPUS),
			expect);
	/* ALL_CPUS never reads, and the two flags never go together. */
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, in,
						     BPFMAP_F_ALL_CPUS),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in,
						     BPFMAP_F_CPU |
						     BPFMAP_F_ALL_CPUS),
			-EINVAL);
}

static void percpu_lookup_zeroes_slot_padding(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 4);
	u32 size = bpfmap_value_size(map, 0);
	u8 *in = value_buf(test, map, 0);
	u8 *out = value_buf(test, map, 0);
	u32 key = 2, cpu;

	KUNIT_ASSERT_EQ(test, size, 8 * num_possible_cpus());
	memset(in, 0xab, size);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, in, 0), 0);
	memset(out, 0xff, size);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, out, 0), 0);
	for (cpu = 0; cpu < num_possible_cpus(); cpu++) {
		KUNIT_EXPECT_EQ(test, *(u32 *)(out + cpu * 8), 0xababababU);
		KUNIT_EXPECT_EQ(test, *(u32 *)(out + cpu * 8 + 4), 0U);
	}
}

static void percpu_cpu_flag_writes_only_that_cpu(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 4);
	u32 last = num_possible_cpus() - 1;
	u64 flags = BPFMAP_F_CPU | ((u64)last << 32);
	u32 one = 0x5a5a, got, key = 0, cpu;
	u8 *all = value_buf(test, map, 0);

	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, &one, flags), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, &got, flags), 0);
	KUNIT_EXPECT_EQ(test, got, one);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, all, 0), 0);
	for (cpu = 0; cpu < num_possible_cpus(); cpu++)
		KUNIT_EXPECT_EQ(test, *(u32 *)(all + cpu * 8),
				cpu == last ? one : 0U);
}

static void percpu_all_cpus_writes_every_cpu(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 4);
	u8 *all = value_buf(test, map, 0);
	u32 v = 0x77, key = 3, cpu;

	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, &v,
						     BPFMAP_F_ALL_CPUS), 0);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, all, 0), 0);
	for (cpu = 0; cpu < num_possible_cpus(); cpu++)
		KUNIT_EXPECT_EQ(test, *(u32 *)(all + cpu * 8), v);
}

static void percpu_cpu_beyond_possible_fails_erange(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 4);
	u64 flags = BPFMAP_F_CPU | ((u64)num_possible_cpus() << 32);
	u32 v = 0, key = 0;

	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, &v, flags),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, bpfmap_map_lookup_elem(map, &key, &v, flags),
			-ERANGE);
}

static void percpu_cpu_flag_with_noexist_fails_eexist(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 4);
	u32 v = 1, key = 0;

	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, &v,
						     BPFMAP_F_CPU |
						     BPFMAP_NOEXIST), -EEXIST);
	KUNIT_EXPECT_EQ(test, bpfmap_map_update_elem(map, &key, &v,
						     BPFMAP_F_CPU |
						     BPFMAP_EXIST), 0);
}

static void object_id_finds_the_map_until_the_last_put(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 4);
	struct bpfmap *found;
	u32 id = map->id, next;

	KUNIT_EXPECT_NE(test, id, 0U);
	found = bpfmap_get_by_id(id);
	KUNIT_ASSERT_PTR_EQ(test, found, map);
	bpfmap_put(found);
	KUNIT_EXPECT_EQ(test, bpfmap_get_next_id(id - 1, &next), 0);
	KUNIT_EXPECT_EQ(test, next, id);

	bpfmap_put(map);
	test->priv = NULL;
	KUNIT_EXPECT_EQ(test, PTR_ERR(bpfmap_get_by_id(id)), -ENOENT);
}

static void object_freeze_stops_new_writers(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 4);

	KUNIT_EXPECT_TRUE(test, bpfmap_write_begin(map));
	bpfmap_write_end(map);
	KUNIT_EXPECT_EQ(test, bpfmap_freeze(map), 0);
	KUNIT_EXPECT_FALSE(test, bpfmap_write_begin(map));
	KUNIT_EXPECT_EQ(test, bpfmap_freeze(map), -EBUSY);
}

static void object_freeze_with_a_write_in_flight_fails_ebusy(struct kunit *test)
{
	struct bpfmap *map = test_map_create(test, 4);

	KUNIT_ASSERT_TRUE(test, bpfmap_write_begin(map));
	KUNIT_EXPECT_EQ(test, bpfmap_freeze(map), -EBUSY);
	bpfmap_write_end(map);
	KUNIT_EXPECT_EQ(test, bpfmap_freeze(map), 0);
}

static struct kunit_case bpfmap_array_cases[] = {
	KUNIT_CASE_PARAM(array_new_map_reads_zero_at_every_index,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_update_then_lookup_returns_the_value,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_update_exist_overwrites, array_type_gen_params),
	KUNIT_CASE_PARAM(array_update_noexist_fails_eexist,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_update_out_of_range_fails_e2big,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_lookup_out_of_range_fails_enoent,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_update_unknown_flags_fails_einval,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_delete_fails_einval, array_type_gen_params),
	KUNIT_CASE_PARAM(array_lookup_and_delete_fails_enotsupp,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_get_next_key_walks_every_index_then_enoent,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_get_next_key_out_of_range_restarts_at_zero,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_create_rejects_bad_shapes,
			 array_type_gen_params),
	KUNIT_CASE_PARAM(array_cpu_flags_follow_the_map_type,
			 array_type_gen_params),
	{}
};

static struct kunit_suite bpfmap_array_suite = {
	.name = "bpfmap_array",
	.exit = bpfmap_test_exit,
	.test_cases = bpfmap_array_cases,
};

static struct kunit_case bpfmap_percpu_cases[] = {
	KUNIT_CASE(percpu_lookup_zeroes_slot_padding),
	KUNIT_CASE(percpu_cpu_flag_writes_only_that_cpu),
	KUNIT_CASE(percpu_all_cpus_writes_every_cpu),
	KUNIT_CASE(percpu_cpu_beyond_possible_fails_erange),
	KUNIT_CASE(percpu_cpu_flag_with_noexist_fails_eexist),
	{}
};

static struct kunit_suite bpfmap_percpu_suite = {
	.name = "bpfmap_percpu_array",
	.exit = bpfmap_test_exit,
	.test_cases = bpfmap_percpu_cases,
};

static struct kunit_case bpfmap_object_cases[] = {
	KUNIT_CASE(object_id_finds_the_map_until_the_last_put),
	KUNIT_CASE(object_freeze_stops_new_writers),
	KUNIT_CASE(object_freeze_with_a_write_in_flight_fails_ebusy),
	{}
};

static struct kunit_suite bpfmap_object_suite = {
	.name = "bpfmap_object",
	.exit = bpfmap_test_exit,
	.test_cases = bpfmap_object_cases,
};

kunit_test_suites(&bpfmap_array_suite, &bpfmap_percpu_suite,
		  &bpfmap_object_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for bpfmap");
BPFMAP_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
