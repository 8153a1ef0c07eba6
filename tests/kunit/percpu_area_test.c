// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * KUnit suite bpfmap_percpu_area: the quarantine of freed per-CPU areas
 * (src/percpu_area.c) finds an area it holds by its address, so a second
 * free of one is refused, also after older areas left.  Built into
 * bpfmap_kunit.ko; runs whatever the percpu_quarantine parameter says.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bpfmap.h"
#include "percpu_area.h"

#define AREA_SIZE	16

/* A fresh area, poisoned as bpfmap_percpu_free() leaves it; or the test fails. */
static void __percpu *poisoned_area(struct kunit *test)
{
	void __percpu *ptr = bpfmap_percpu_alloc(AREA_SIZE, 8, GFP_KERNEL);
	int cpu;

	KUNIT_ASSERT_NOT_NULL(test, (__force void *)ptr);
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(ptr, cpu), BPFMAP_PCPU_POISON, AREA_SIZE);
	return ptr;
}

static void quarantine_refuses_a_second_free_of_a_held_area(struct kunit *test)
{
	void __percpu *a = poisoned_area(test), *b = poisoned_area(test);
	unsigned long first = 0;

	KUNIT_ASSERT_EQ(test, bpfmap_percpu_quarantine(a, AREA_SIZE, 1, &first),
			0);
	KUNIT_ASSERT_EQ(test, bpfmap_percpu_quarantine(b, AREA_SIZE, 2, &first),
			0);
	KUNIT_EXPECT_EQ(test, first, 0UL);
	/* Each is refused with the code of its own first free. */
	KUNIT_EXPECT_EQ(test, bpfmap_percpu_quarantine(a, AREA_SIZE, 3, &first),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, first, 1UL);
	KUNIT_EXPECT_EQ(test, bpfmap_percpu_quarantine(b, AREA_SIZE, 4, &first),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, first, 2UL);
}

/*
 * Push a full ring of areas through, so that every area held before has
 * left (and was freed for real): the ones held now are all still found.
 */
static void quarantine_finds_held_areas_after_older_ones_left(struct kunit *test)
{
	const unsigned int n = BPFMAP_PCPU_QUARANTINE_LEN, tail = 64;
	void __percpu **last;
	unsigned long first;
	unsigned int i;

	/* The ring holds fewer areas with more CPUs: the tail must fit. */
	if (BPFMAP_PCPU_QUARANTINE_COPIES / num_possible_cpus() < tail)
		kunit_skip(test, "the ring holds fewer than %u areas here",
			   tail);
	last = kunit_kcalloc(test, tail, sizeof(*last), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, last);
	/* No map of an earlier case frees areas into the ring meanwhile. */
	bpfmap_flush_frees();
	for (i = 0; i < n; i++) {
		void __percpu *ptr = poisoned_area(test);

		KUNIT_ASSERT_EQ(test,
				bpfmap_percpu_quarantine(ptr, AREA_SIZE, i + 1,
							 &first), 0);
		if (i >= n - tail)
			last[i - (n - tail)] = ptr;
		cond_resched();
	}
	for (i = 0; i < tail; i++) {
		first = 0;
		KUNIT_EXPECT_EQ(test,
				bpfmap_percpu_quarantine(last[i], AREA_SIZE, 1,
							 &first), -EEXIST);
		KUNIT_EXPECT_EQ(test, first, (unsigned long)(n - tail + i + 1));
	}
}

static struct kunit_case bpfmap_percpu_area_cases[] = {
	KUNIT_CASE(quarantine_refuses_a_second_free_of_a_held_area),
	KUNIT_CASE(quarantine_finds_held_areas_after_older_ones_left),
	{}
};

static struct kunit_suite bpfmap_percpu_area_suite = {
	.name = "bpfmap_percpu_area",
	.test_cases = bpfmap_percpu_area_cases,
};

kunit_test_suite(bpfmap_percpu_area_suite);
