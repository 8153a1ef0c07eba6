// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Maps of millions of elements on both backends: creation, a few updates,
 * a get_next_key walk, and destruction must neither fail nor hold a CPU
 * long enough for the kernel's lockup and stall detectors.
 *
 * The tests lower /proc/sys/kernel/watchdog_thresh to 1 from creation to
 * close, so that any stretch of more than 2 s without scheduling
 * (interrupts or preemption off: a free list or LRU list filled under a
 * lock, a table walked without cond_resched()) is reported as a soft
 * lockup on the console, where the VM harness fails the run.  The tests
 * themselves check the map contents.
 *
 * Sizes.  The goal is 10M entries; each map is cut down to what fits in
 * half of MemAvailable, by a generous per-entry estimate for the debug
 * test kernel (lockdep makes each hash bucket ~90 bytes, KASAN adds an
 * eighth, kmemleak tracks every per-CPU allocation).  Hash maps are sized
 * to a power of two, so that the bucket array has one bucket per entry.
 * The per-CPU types allocate one per-CPU area per element, which takes
 * about a minute per 64K under emulation with the debug options, and are
 * held to 16K entries.  The kernel backend, there as the reference for
 * the results, is held to 1M entries: its own creation of 8M took over
 * five minutes.  With the default 2 GiB VM bpfmap's hash and LRU maps get
 * 2M or 4M entries (about 4 minutes for the binary), the arrays 10M;
 * VM_MEM=8G gives the hash and LRU maps 8M.
 */
#include <time.h>

#include "bpfmap_test.h"

#define BIG_GOAL		10000000U
#define BIG_PERCPU_GOAL		(1U << 14)
#define BIG_KERNEL_GOAL		(1U << 20)
#define BIG_UPDATES		64U
#define BIG_TIMEOUT		900

FIXTURE(big_map) {
	int fd;
	__u32 entries;
	int old_thresh;		/* watchdog_thresh to restore, or -1 */
	long long avail_before;	/* MemAvailable (KiB) before creation */
};

FIXTURE_VARIANT(big_map) {
	enum bpfmap_backend backend;
	__u32 map_type;
	__u32 map_flags;
};

#define BIG_VARIANT(name, be, type, flags)				\
	FIXTURE_VARIANT_ADD(big_map, name) {				\
		.backend = BPFMAP_BACKEND_##be,				\
		.map_type = BPFMAP_MAP_TYPE_##type,			\
		.map_flags = (flags),					\
	}

BIG_VARIANT(bpfmap_hash, DEV, HASH, 0);
BIG_VARIANT(bpfmap_percpu_hash, DEV, PERCPU_HASH, 0);
BIG_VARIANT(bpfmap_lru_hash, DEV, LRU_HASH, 0);
BIG_VARIANT(bpfmap_lru_hash_no_common_lru, DEV, LRU_HASH,
	    BPFMAP_F_NO_COMMON_LRU);
BIG_VARIANT(bpfmap_array, DEV, ARRAY, 0);
BIG_VARIANT(bpfmap_percpu_array, DEV, PERCPU_ARRAY, 0);
BIG_VARIANT(kernel_hash, KERNEL, HASH, 0);
BIG_VARIANT(kernel_percpu_hash, KERNEL, PERCPU_HASH, 0);
BIG_VARIANT(kernel_lru_hash, KERNEL, LRU_HASH, 0);
BIG_VARIANT(kernel_lru_hash_no_common_lru, KERNEL, LRU_HASH,
	    BPFMAP_F_NO_COMMON_LRU);
BIG_VARIANT(kernel_array, KERNEL, ARRAY, 0);
BIG_VARIANT(kernel_percpu_array, KERNEL, PERCPU_ARRAY, 0);

#define WATCHDOG_THRESH	"/proc/sys/kernel/watchdog_thresh"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static bool type_is_hash(__u32 type)
{
	return type == BPFMAP_MAP_TYPE_HASH ||
	       type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	       type == BPFMAP_MAP_TYPE_LRU_HASH ||
	       type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Generous bytes per entry on the debug kernel (see the file comment). */
static unsigned long long entry_cost(__u32 type, int ncpus)
{
	switch (type) {
	case BPFMAP_MAP_TYPE_ARRAY:
		return 16;
	case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
		return 400 + 16ULL * ncpus;
	case BPFMAP_MAP_TYPE_PERCPU_HASH:
		return 600 + 16ULL * ncpus;
	default:
		return 200;
	}
}

/* Entries for a map of @type: the goal, or what fits in half of @avail. */
static __u32 big_entries(__u32 type, long long avail_kib, int ncpus)
{
	unsigned long long fit = (unsigned long long)avail_kib * 1024 / 2 /
				 entry_cost(type, ncpus);
	__u32 goal = backend_is_dev() ? BIG_GOAL : BIG_KERNEL_GOAL;
	__u32 n;

	if (type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	    type == BPFMAP_MAP_TYPE_PERCPU_ARRAY)
		goal = BIG_PERCPU_GOAL;
	n = fit < goal ? (__u32)fit : goal;

	/* One bucket per entry: the largest power of two not above n. */
	if (type_is_hash(type))
		while (n & (n - 1))
			n &= n - 1;
	/* NO_COMMON_LRU shares entries out per CPU. */
	return n - n % (__u32)ncpus;
}

/* The key of the i-th update: spread over the whole index range. */
static __u32 nth_key(__u32 i, __u32 entries)
{
	return i * (entries / BIG_UPDATES);
}

FIXTURE_SETUP(big_map)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = variant->map_flags,
	};
	long long start;
	int ncpus;

	self->fd = -1;
	self->old_thresh = -1;
	SETUP_BACKEND(variant->backend);
	ncpus = bpfmap_num_possible_cpus();

	/* Absent without CONFIG_LOCKUP_DETECTOR: nothing to lower then. */
	if (access(WATCHDOG_THRESH, F_OK) == 0) {
		long long thresh;

		ASSERT_EQ(0, sysfs_read_ll(WATCHDOG_THRESH, &thresh));
		ASSERT_LE(0, thresh);
		self->old_thresh = (int)thresh;
		ASSERT_EQ(0, sysfs_write_ll(WATCHDOG_THRESH, 1));
	}

	self->avail_before = meminfo_kib("MemAvailable");
	ASSERT_LT(0, self->avail_before);
	self->entries = big_entries(variant->map_type, self->avail_before,
				    ncpus);
	ASSERT_LE(BIG_UPDATES * 8, self->entries);
	start = now_ms();
	self->fd = bpfmap_map_create(variant->map_type, "big", 4, 8,
				     self->entries, &o);
	TH_LOG("%s with %u entries (MemAvailable %lld MiB): created in %lld ms",
	       bpfmap_map_type_name(variant->map_type), self->entries,
	       self->avail_before / 1024, now_ms() - start);
	ASSERT_LE(0, self->fd);
}

/*
 * The map is freed after the last close, asynchronously; wait until most
 * of its memory is back and MemAvailable settles, so that the next
 * variant finds room and the kernel's lazy vmap purge of this map is
 * over before the next one lowers the watchdog threshold.
 */
static long long wait_for_memory(long long target_kib)
{
	long long start = now_ms(), last = -1, cur;
	int i;

	for (i = 0; i < 600; i++) {
		cur = meminfo_kib("MemAvailable");
		/* Back, and no longer growing: the purge is over. */
		if (cur >= target_kib && cur - last < 1024)
			break;
		last = cur;
		usleep(500 * 1000);
	}
	return now_ms() - start;
}

/*
 * The threshold goes back up before the map is closed: freeing a vmalloc
 * area of hundreds of MiB makes the kernel's lazy vmap purge (its
 * drain_vmap_area_work, under KASAN_VMALLOC kasan_release_vmalloc())
 * hold init_mm's page-table lock for seconds, on either backend, which
 * is no loop of ours.  Our free paths run in a work item and reschedule.
 */
FIXTURE_TEARDOWN(big_map)
{
	if (self->old_thresh >= 0)
		sysfs_write_ll(WATCHDOG_THRESH, self->old_thresh);
	if (self->fd >= 0) {
		close(self->fd);
		TH_LOG("closed; memory back after %lld ms",
		       wait_for_memory(self->avail_before -
				       self->avail_before / 20));
	}
}

/*
 * get_next_key on the empty map (a hash map scans every bucket before it
 * can say ENOENT); then a few elements spread over the map read back, and
 * a get_next_key walk, which passes millions of empty buckets, yields
 * exactly them.
 */
TEST_F_TIMEOUT(big_map, empty_walk_updates_and_full_walk, BIG_TIMEOUT)
{
	__u32 type = variant->map_type, i, key, next, found = 0;
	__u32 stride = self->entries / BIG_UPDATES;
	void *val = value_buf_alloc(type, 8);
	unsigned int seen[BIG_UPDATES] = { 0 };
	__u32 *prev = NULL;
	long long start;

	ASSERT_NE(NULL, val);
	start = now_ms();
	if (type_is_hash(type)) {
		EXPECT_ERRNO(ENOENT, bpfmap_map_get_next_key(self->fd, NULL,
							     &next));
		/* A missing key restarts from the first bucket. */
		key = 1;
		EXPECT_ERRNO(ENOENT, bpfmap_map_get_next_key(self->fd, &key,
							     &next));
	} else {
		/* An array is never empty: index 0 comes first. */
		EXPECT_EQ(0, bpfmap_map_get_next_key(self->fd, NULL, &next));
		EXPECT_EQ(0U, next);
	}
	TH_LOG("empty get_next_key x2: %lld ms", now_ms() - start);

	for (i = 0; i < BIG_UPDATES; i++) {
		key = nth_key(i, self->entries);
		value_fill_u64(val, type, 1000 + key);
		ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, val,
						    BPFMAP_ANY));
	}
	for (i = 0; i < BIG_UPDATES; i++) {
		key = nth_key(i, self->entries);
		memset(val, 0, value_buf_size(type, 8));
		ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, val));
		EXPECT_TRUE(value_check_u64(val, type, 1000 + key));
	}

	if (!type_is_hash(type)) {
		/* Arrays: every index exists; the last one ends the walk. */
		key = self->entries - 1;
		EXPECT_ERRNO(ENOENT, bpfmap_map_get_next_key(self->fd, &key,
							     &next));
		free(val);
		return;
	}

	start = now_ms();
	while (bpfmap_map_get_next_key(self->fd, prev, &next) == 0) {
		ASSERT_EQ(0U, next % stride);
		ASSERT_GT(BIG_UPDATES, next / stride);
		seen[next / stride]++;
		ASSERT_GT(BIG_UPDATES, found);
		found++;
		key = next;
		prev = &key;
	}
	TH_LOG("walk of %u keys: %lld ms", found, now_ms() - start);
	EXPECT_EQ(BIG_UPDATES, found);
	for (i = 0; i < BIG_UPDATES; i++)
		EXPECT_EQ(1U, seen[i]);
	free(val);
}

/*
 * An array's value area is one allocation, made whatever its size (above
 * INT_MAX too, as bpf(2) does): a value area larger than all memory fails
 * with ENOMEM before anything is allocated, mmapable or not, on both
 * backends.  1 TiB is larger than any test machine's memory.
 */
FIXTURE(area) {
	int unused;
};

FIXTURE_VARIANT(area) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(area);

FIXTURE_SETUP(area)
{
	SETUP_BACKEND(variant->backend);
}

FIXTURE_TEARDOWN(area)
{
}

TEST_F(area, array_area_larger_than_memory_fails_enomem)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = BPFMAP_F_MMAPABLE,
	};

	EXPECT_FD_ERRNO(ENOMEM, bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY,
						  "big", 4, 1U << 20,
						  1U << 20, &o));
	o.map_flags = 0;
	EXPECT_FD_ERRNO(ENOMEM, bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY,
						  "big", 4, 1U << 20,
						  1U << 20, &o));
}

TEST_HARNESS_MAIN
