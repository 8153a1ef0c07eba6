// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The kernel memory a hash LOOKUP_BATCH / LOOKUP_AND_DELETE_BATCH takes
 * for staging, with elements of 3.5 MiB (a 1 MiB key and a 2.5 MiB value,
 * about the largest a hash map accepts) and a count of 256.
 *
 * Staging is sized by what the walk meets, not by the count: a call on an
 * empty map must not stage 256 elements (896 MiB), and a call that
 * returns one element stages about one.  The staging buffer is charged to
 * the caller's memory cgroup.  Two probes see it:
 *  - VmallocUsed in /proc/meminfo, sampled by a thread during the call
 *    (large kvmalloc() buffers come from vmalloc);
 *  - memory.peak of a fresh cgroup v2 group the test moves into just
 *    before the call.  The kernel's bpf(2) does not charge its staging
 *    (GFP_USER without __GFP_ACCOUNT), so only bpfmap must show it there.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "bpfmap_test.h"

#define BIG_KEY		(1U << 20)
#define BIG_VALUE	(5U << 19)		/* 2.5 MiB */
#define BIG_ELEM	((size_t)BIG_KEY + BIG_VALUE)
#define COUNT		256U
#define CG_ROOT		"/sys/fs/cgroup"

/* Above this, a call staged more than a few elements (KiB). */
#define VMALLOC_BOUND_KIB	(64LL * 1024)
/* memory.peak above this: more than a few elements were charged. */
#define PEAK_BOUND		(16ULL << 20)

/* Samples VmallocUsed until told to stop; keeps the largest value. */
struct sampler {
	pthread_t thread;
	bool stop;		/* __atomic accesses only */
	long long max_kib;
};

static void *sampler_run(void *arg)
{
	struct sampler *s = arg;
	long long v;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		v = meminfo_kib("VmallocUsed");
		if (v > s->max_kib)
			s->max_kib = v;
		usleep(500);
	}
	return NULL;
}

static int sampler_start(struct sampler *s)
{
	__atomic_store_n(&s->stop, false, __ATOMIC_RELAXED);
	s->max_kib = meminfo_kib("VmallocUsed");
	if (s->max_kib < 0)
		return -1;
	return pthread_create(&s->thread, NULL, sampler_run, s) ? -1 : 0;
}

static long long sampler_stop(struct sampler *s)
{
	__atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
	pthread_join(s->thread, NULL);
	return s->max_kib;
}

FIXTURE(staging) {
	int fd;
	void *keys;
	void *values;
	char cgroup[64];
	bool in_cgroup;
};

FIXTURE_VARIANT(staging) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(staging);

FIXTURE_SETUP(staging)
{
	struct bpfmap_map_create_opts o = { .sz = sizeof(o) };

	self->fd = -1;
	self->keys = MAP_FAILED;
	self->values = MAP_FAILED;
	self->cgroup[0] = '\0';
	self->in_cgroup = false;
	SETUP_BACKEND(variant->backend);

	self->fd = bpfmap_map_create(BPFMAP_MAP_TYPE_HASH, "staging",
				     BIG_KEY, BIG_VALUE, 2, &o);
	ASSERT_LE(0, self->fd);

	/*
	 * Room for COUNT elements, as the command requires; only the first
	 * element is ever written, and it is touched now so that the
	 * cgroup probe below does not count these pages.
	 */
	self->keys = mmap(NULL, (size_t)COUNT * BIG_KEY,
			  PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->keys);
	self->values = mmap(NULL, (size_t)COUNT * BIG_VALUE,
			    PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->values);
	memset(self->keys, 0xff, BIG_KEY);
	memset(self->values, 0xff, BIG_VALUE);

	/* A memory cgroup of our own, created empty. */
	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		ASSERT_EQ(0, mount("none", CG_ROOT, "cgroup2", 0, NULL));
	ASSERT_EQ(0, sysfs_write(CG_ROOT "/cgroup.subtree_control",
				 "+memory"));
	snprintf(self->cgroup, sizeof(self->cgroup),
		 CG_ROOT "/bpfmap_staging_%d", (int)getpid());
	ASSERT_EQ(0, mkdir(self->cgroup, 0755));
}

FIXTURE_TEARDOWN(staging)
{
	if (self->in_cgroup)
		sysfs_write_ll(CG_ROOT "/cgroup.procs", getpid());
	if (self->cgroup[0])
		rmdir(self->cgroup);
	if (self->values != MAP_FAILED)
		munmap(self->values, (size_t)COUNT * BIG_VALUE);
	if (self->keys != MAP_FAILED)
		munmap(self->keys, (size_t)COUNT * BIG_KEY);
	if (self->fd >= 0)
		close(self->fd);
}

static int enter_cgroup(FIXTURE_DATA(staging) *self)
{
	char path[96];
	int err;

	snprintf(path, sizeof(path), "%s/cgroup.procs", self->cgroup);
	err = sysfs_write_ll(path, getpid());
	if (!err)
		self->in_cgroup = true;
	return err;
}

static long long cgroup_peak(FIXTURE_DATA(staging) *self)
{
	char path[96];
	long long v;

	snprintf(path, sizeof(path), "%s/memory.peak", self->cgroup);
	return sysfs_read_ll(path, &v) ? -1 : v;
}

/* Both batch lookups of an empty map: ENOENT, nothing copied or staged. */
TEST_F_TIMEOUT(staging, batches_of_an_empty_map_stage_nothing, 300)
{
	struct bpfmap_map_batch_opts opts = { .sz = sizeof(opts) };
	long long before, peak, cg_peak;
	struct sampler s;
	__u32 count, out;
	int del, err;

	ASSERT_EQ(0, enter_cgroup(self));
	for (del = 0; del < 2; del++) {
		before = meminfo_kib("VmallocUsed");
		ASSERT_EQ(0, sampler_start(&s));
		count = COUNT;
		if (del)
			err = bpfmap_map_lookup_and_delete_batch(self->fd,
					NULL, &out, self->keys, self->values,
					&count, &opts);
		else
			err = bpfmap_map_lookup_batch(self->fd, NULL, &out,
						      self->keys, self->values,
						      &count, &opts);
		peak = sampler_stop(&s);
		EXPECT_ERRNO(ENOENT, err);
		EXPECT_EQ(0U, count);
		TH_LOG("%s: VmallocUsed %lld KiB before, at most %lld KiB during",
		       del ? "lookup_and_delete_batch" : "lookup_batch",
		       before, peak);
		EXPECT_GT(VMALLOC_BOUND_KIB, peak - before);
	}
	cg_peak = cgroup_peak(self);
	ASSERT_LE(0, cg_peak);
	TH_LOG("memory.peak %lld bytes", cg_peak);
	EXPECT_GT(PEAK_BOUND, (unsigned long long)cg_peak);
}

/*
 * One element in the map: the batch returns it whole, having staged about
 * one element, which bpfmap charges to the caller's cgroup.
 */
TEST_F_TIMEOUT(staging, batch_of_one_element_stages_one_and_charges_it, 300)
{
	struct bpfmap_map_batch_opts opts = { .sz = sizeof(opts) };
	unsigned char *key = malloc(BIG_KEY), *value = malloc(BIG_VALUE);
	long long before, peak, cg_peak;
	struct sampler s;
	__u32 count = COUNT, out;

	ASSERT_NE(NULL, key);
	ASSERT_NE(NULL, value);
	memset(key, 0x5a, BIG_KEY);
	memset(value, 0xa5, BIG_VALUE);
	key[0] = 1;
	value[BIG_VALUE - 1] = 2;
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, key, value,
					    BPFMAP_NOEXIST));

	ASSERT_EQ(0, enter_cgroup(self));
	before = meminfo_kib("VmallocUsed");
	ASSERT_EQ(0, sampler_start(&s));
	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_batch(self->fd, NULL, &out,
						     self->keys, self->values,
						     &count, &opts));
	peak = sampler_stop(&s);
	cg_peak = cgroup_peak(self);
	ASSERT_EQ(1U, count);
	EXPECT_EQ(0, memcmp(self->keys, key, BIG_KEY));
	EXPECT_EQ(0, memcmp(self->values, value, BIG_VALUE));
	TH_LOG("VmallocUsed %lld KiB before, at most %lld KiB during; memory.peak %lld bytes",
	       before, peak, cg_peak);
	EXPECT_GT(VMALLOC_BOUND_KIB, peak - before);
	ASSERT_LE(0, cg_peak);
	EXPECT_GT(PEAK_BOUND, (unsigned long long)cg_peak);
	/* Charged: the buffer of one element shows in memory.peak. */
	EXPECT_EQ(expect_result("batch_staging_charged_to_memcg", 0),
		  (unsigned long long)cg_peak >= BIG_ELEM);
	free(key);
	free(value);
}

TEST_HARNESS_MAIN
