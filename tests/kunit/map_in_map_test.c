// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * KUnit suite bpfmap_map_in_map: which inner maps fit a template.  Built
 * into bpfmap_kunit.ko.
 */

#include <kunit/test.h>

#include "bpfmap.h"
#include "map_in_map.h"

static const struct bpfmap_meta array_meta = {
	.map_type = BPFMAP_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 16,
	.map_flags = 0,
};

static struct bpfmap shape(u32 type, u32 key, u32 value, u32 max, u32 flags)
{
	struct bpfmap map = {
		.map_type = type,
		.key_size = key,
		.value_size = value,
		.max_entries = max,
		.map_flags = flags,
	};

	return map;
}

static void mim_same_shape_fits(struct kunit *test)
{
	struct bpfmap m = shape(BPFMAP_MAP_TYPE_ARRAY, 4, 8, 16, 0);

	KUNIT_EXPECT_TRUE(test, bpfmap_meta_equal(&array_meta, &m));
}

static void mim_type_key_value_and_flags_must_match(struct kunit *test)
{
	struct bpfmap m;

	m = shape(BPFMAP_MAP_TYPE_PERCPU_ARRAY, 4, 8, 16, 0);
	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&array_meta, &m));
	m = shape(BPFMAP_MAP_TYPE_ARRAY, 8, 8, 16, 0);
	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&array_meta, &m));
	m = shape(BPFMAP_MAP_TYPE_ARRAY, 4, 4, 16, 0);
	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&array_meta, &m));
	m = shape(BPFMAP_MAP_TYPE_ARRAY, 4, 8, 16, BPFMAP_F_RDONLY_PROG);
	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&array_meta, &m));
}

static void mim_array_size_matters_unless_inner_map_flag(struct kunit *test)
{
	struct bpfmap_meta meta = array_meta;
	struct bpfmap m = shape(BPFMAP_MAP_TYPE_ARRAY, 4, 8, 32, 0);

	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&meta, &m));
	meta.map_flags = BPFMAP_F_INNER_MAP;
	m.map_flags = BPFMAP_F_INNER_MAP;
	KUNIT_EXPECT_TRUE(test, bpfmap_meta_equal(&meta, &m));
	/* The flag is part of map_flags: both sides must have it. */
	m.map_flags = 0;
	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&meta, &m));
}

/*
 * As the kernel: PERCPU_ARRAY uses the generic bpf_map_meta_equal(), not
 * array_map_meta_equal(), so its size is free.
 */
static void mim_percpu_array_size_may_differ(struct kunit *test)
{
	struct bpfmap_meta meta = array_meta;
	struct bpfmap m = shape(BPFMAP_MAP_TYPE_PERCPU_ARRAY, 4, 8, 32, 0);

	meta.map_type = BPFMAP_MAP_TYPE_PERCPU_ARRAY;
	KUNIT_EXPECT_TRUE(test, bpfmap_meta_equal(&meta, &m));
	m.max_entries = 1;
	KUNIT_EXPECT_TRUE(test, bpfmap_meta_equal(&meta, &m));
	m.value_size = 16;
	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&meta, &m));
}

static void mim_hash_size_may_differ(struct kunit *test)
{
	struct bpfmap_meta meta = array_meta;
	struct bpfmap m = shape(BPFMAP_MAP_TYPE_HASH, 4, 8, 1000, 0);

	meta.map_type = BPFMAP_MAP_TYPE_HASH;
	KUNIT_EXPECT_TRUE(test, bpfmap_meta_equal(&meta, &m));
	m.map_flags = BPFMAP_F_NO_PREALLOC;
	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&meta, &m));

	meta.map_type = BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
	m = shape(BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 2, 0);
	KUNIT_EXPECT_TRUE(test, bpfmap_meta_equal(&meta, &m));
	m.map_flags = BPFMAP_F_NO_COMMON_LRU;
	KUNIT_EXPECT_FALSE(test, bpfmap_meta_equal(&meta, &m));
}

static struct kunit_case bpfmap_map_in_map_cases[] = {
	KUNIT_CASE(mim_same_shape_fits),
	KUNIT_CASE(mim_type_key_value_and_flags_must_match),
	KUNIT_CASE(mim_array_size_matters_unless_inner_map_flag),
	KUNIT_CASE(mim_percpu_array_size_may_differ),
	KUNIT_CASE(mim_hash_size_may_differ),
	{}
};

static struct kunit_suite bpfmap_map_in_map_suite = {
	.name = "bpfmap_map_in_map",
	.test_cases = bpfmap_map_in_map_cases,
};

kunit_test_suite(bpfmap_map_in_map_suite);
