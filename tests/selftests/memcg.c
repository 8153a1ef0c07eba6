// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Map memory is charged to the memory cgroup of the task that allocates
 * it, and running into memory.max fails the command with ENOMEM; it does
 * not wake the OOM killer.  bpf(2) maps are memcg-accounted since 5.11
 * and keep the OOM killer out of their allocations (__GFP_NORETRY /
 * __GFP_RETRY_MAYFAIL / atomic allocations), so both backends run this.
 *
 * A child process moves itself into a fresh cgroup with a memory.max of
 * MEMCG_LIMIT and grows maps until a command fails.  It reports the
 * failure in a shared page and waits, holding its maps, while the parent
 * reads memory.current.  The parent then asserts that the failure was
 * ENOMEM, that the child was not killed (and memory.events counted no
 * oom_kill), and that memory.current was near the limit, i.e. the
 * allocations were charged.
 *
 * At the limit any allocation of the child may wake the OOM killer: a pipe
 * buffer, a seq_file buffer for a cgroup file, a page fault.  So once in
 * the cgroup the child touches only memory it faulted in before, reads no
 * file and writes nothing but the shared page, which the parent faulted in
 * (and is charged for).
 *
 * cgroup2 is mounted at /sys/fs/cgroup when nothing is (the test VM is a
 * bare initramfs); with a cgroup v1 hierarchy there, or without the memory
 * controller, the tests skip.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "bpfmap_test.h"

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define MEMCG_LIMIT	(32LL << 20)
/* Growing past this many bytes of maps means nothing was charged. */
#define MEMCG_GIVE_UP	(512LL << 20)

enum memcg_kind {
	MEMCG_PREALLOC_HASH,	/* more and more preallocated hashes */
	MEMCG_NO_PREALLOC_HASH,	/* one BPF_F_NO_PREALLOC hash, growing */
	MEMCG_PERCPU_HASH,	/* more and more preallocated per-CPU hashes */
	MEMCG_ARRAY,		/* more and more big arrays */
};

/*
 * What the child saw when its first command failed, in a page both share;
 * @done and @release are the handshake (the child sets @done and waits for
 * @release, so its maps are still there when the parent looks).
 */
struct memcg_report {
	int err;		/* the -errno, 0 if nothing failed */
	int stage;		/* 0: create, 1: update */
	long long steps;	/* maps created or elements added before */
	long long bytes;	/* map memory asked for before, roughly */
	volatile int done;
	volatile int release;
};

/* Buffers of the child, faulted in before it enters the cgroup. */
static char child_key[1024], child_val[64 << 10];

FIXTURE(memcg) {
	char cg[128];
	bool made_cg;
};

FIXTURE_VARIANT(memcg) {
	enum bpfmap_backend backend;
	enum memcg_kind kind;
};

#define MEMCG_VARIANT(name, be, k)					\
	FIXTURE_VARIANT_ADD(memcg, name) {				\
		.backend = BPFMAP_BACKEND_##be,				\
		.kind = MEMCG_##k,					\
	}

MEMCG_VARIANT(bpfmap_prealloc_hash, DEV, PREALLOC_HASH);
MEMCG_VARIANT(bpfmap_no_prealloc_hash, DEV, NO_PREALLOC_HASH);
MEMCG_VARIANT(bpfmap_percpu_hash, DEV, PERCPU_HASH);
MEMCG_VARIANT(bpfmap_array, DEV, ARRAY);
MEMCG_VARIANT(kernel_prealloc_hash, KERNEL, PREALLOC_HASH);
MEMCG_VARIANT(kernel_no_prealloc_hash, KERNEL, NO_PREALLOC_HASH);
MEMCG_VARIANT(kernel_percpu_hash, KERNEL, PERCPU_HASH);
MEMCG_VARIANT(kernel_array, KERNEL, ARRAY);

/* A number from a one-value cgroup file, or -1. */
static long long cg_read_ll(const char *cg, const char *file)
{
	char path[192];
	long long v;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return sysfs_read_ll(path, &v) ? -1 : v;
}

/* The value of @key in a flat-keyed cgroup file, or -1. */
static long long cg_read_key(const char *cg, const char *file,
			     const char *key)
{
	char path[192], buf[1024], *p;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (sysfs_read(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
	return -1;
}

/*
 * cgroup2 with the memory controller on at the root, mounting it when
 * nothing is mounted: 0, or -errno when there is no memory controller.
 */
static int cgroup2_memory_ready(void)
{
	struct statfs st;
	char buf[256];

	if (statfs(CGROUP_ROOT, &st))
		return -errno;
	/* Something else (a cgroup v1 tmpfs) is there: leave it alone. */
	if (st.f_type != CGROUP2_SUPER_MAGIC && st.f_type != SYSFS_MAGIC)
		return -EOPNOTSUPP;
	if (st.f_type == SYSFS_MAGIC &&
	    mount("none", CGROUP_ROOT, "cgroup2", 0, NULL))
		return -errno;
	if (sysfs_read(CGROUP_ROOT "/cgroup.controllers", buf, sizeof(buf)))
		return -ENOENT;
	if (!strstr(buf, "memory"))
		return -ENODEV;
	return sysfs_write(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
}

FIXTURE_SETUP(memcg)
{
	char path[192];
	int err;

	self->made_cg = false;
	err = cgroup2_memory_ready();
	if (err)
		SKIP(return, "no cgroup2 memory controller at %s: %s",
		     CGROUP_ROOT, strerror(-err));
	SETUP_BACKEND(variant->backend);

	snprintf(self->cg, sizeof(self->cg), "%s/bpfmap_memcg.%d",
		 CGROUP_ROOT, getpid());
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	self->made_cg = true;
	snprintf(path, sizeof(path), "%s/memory.max", self->cg);
	ASSERT_EQ(0, sysfs_write_ll(path, MEMCG_LIMIT));
	/* No swap in the VM; where there is, keep it out. */
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->cg);
	sysfs_write(path, "0");
}

FIXTURE_TEARDOWN(memcg)
{
	int i;

	/* The child is gone; its maps may take a moment to be freed. */
	for (i = 0; self->made_cg && i < 100; i++) {
		if (!rmdir(self->cg) || errno != EBUSY)
			break;
		usleep(100 * 1000);
	}
}

static int create(__u32 type, __u32 key_size, __u32 value_size, __u32 max,
		  __u32 flags)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = flags,
	};

	return bpfmap_map_create(type, "memcg", key_size, value_size, max,
				 &o);
}

/*
 * Makes maps of one shape until a create or a first update fails: each
 * step asks for about @step_bytes, small against MEMCG_LIMIT so that the
 * failure comes close to the limit.
 */
static void grow_maps(struct memcg_report *r, __u32 type, __u32 key_size,
		      __u32 value_size, __u32 max, long long step_bytes)
{
	void *val = child_val, *key = child_key;
	int fd;

	if (bpfmap_value_buf_size(type, value_size, 0) > sizeof(child_val) ||
	    key_size > sizeof(child_key)) {
		r->err = -ENOBUFS;	/* userspace, not the map */
		return;
	}
	/* The maps stay open: the child's exit frees them. */
	while (r->bytes < MEMCG_GIVE_UP) {
		fd = create(type, key_size, value_size, max, 0);
		if (fd < 0) {
			r->err = fd;
			r->stage = 0;
			break;
		}
		/* A map is only worth something with an element in it. */
		r->err = bpfmap_map_update_elem(fd, key, val, BPFMAP_ANY);
		if (r->err) {
			r->stage = 1;
			break;
		}
		r->steps++;
		r->bytes += step_bytes;
	}
}

/*
 * One BPF_F_NO_PREALLOC hash with 1 KiB values, grown by updates; its
 * 65536 buckets take a few MiB, its elements would take 64 MiB.
 */
static void grow_elements(struct memcg_report *r)
{
	char *val = child_val;
	__u32 key;
	int fd;

	fd = create(BPFMAP_MAP_TYPE_HASH, 4, 1024, 1U << 16,
		    BPFMAP_F_NO_PREALLOC);
	if (fd < 0) {
		r->err = fd;
		r->stage = 0;
		return;
	}
	for (key = 0; r->bytes < MEMCG_GIVE_UP; key++) {
		r->err = bpfmap_map_update_elem(fd, &key, val, BPFMAP_NOEXIST);
		if (r->err) {
			r->stage = 1;
			return;
		}
		r->steps++;
		r->bytes += 1024 + 64;
	}
}

/* Faults in (with their page tables) the stack the child may grow into. */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char stack[128 << 10];
	size_t i;

	for (i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
}

/* The child: into the cgroup, grow, report, wait.  Never returns. */
static void memcg_child(const char *cg, enum memcg_kind kind,
			struct memcg_report *rp)
{
	struct memcg_report r = { 0 };
	char path[192], pid[16];
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	/*
	 * Everything the child touches later, faulted in now: a shared
	 * mapping's page tables are not copied at fork, so the report page
	 * too.
	 */
	memset(child_key, 0, sizeof(child_key));
	memset(child_val, 1, sizeof(child_val));
	prefault_stack();
	rp->done = 0;
	bpfmap_num_possible_cpus();
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (sysfs_write(path, pid))
		_exit(2);

	switch (kind) {
	case MEMCG_PREALLOC_HASH:
		/* 16384 elements of 4 + 64 bytes and their headers */
		grow_maps(&r, BPFMAP_MAP_TYPE_HASH, 4, 64, 16384, 2LL << 20);
		break;
	case MEMCG_NO_PREALLOC_HASH:
		grow_elements(&r);
		break;
	case MEMCG_PERCPU_HASH:
		/*
		 * 2048 elements with 256 bytes on each possible CPU, and
		 * 512-byte keys: 6.1 charges a per-CPU hash's preallocated
		 * per-CPU values to the root cgroup (the map has no memcg
		 * yet when they are allocated), so on that backend only the
		 * elements count; big keys make each map charge ~1.2 MiB
		 * and keep the number of maps (and per-CPU allocations)
		 * small enough for a TCG guest.
		 */
		grow_maps(&r, BPFMAP_MAP_TYPE_PERCPU_HASH, 512, 256, 2048,
			  2048LL * (512 + 256 * bpfmap_num_possible_cpus()));
		break;
	case MEMCG_ARRAY:
		/* 1 MiB of values each */
		grow_maps(&r, BPFMAP_MAP_TYPE_ARRAY, 4, 1024, 1024, 1LL << 20);
		break;
	}
	rp->err = r.err;
	rp->stage = r.stage;
	rp->steps = r.steps;
	rp->bytes = r.bytes;
	__sync_synchronize();
	rp->done = 1;
	while (!rp->release)
		nanosleep(&nap, NULL);
	_exit(0);
}

/*
 * The command that crosses memory.max fails with ENOMEM, the child lives
 * on, and what it allocated was charged (memory.current near the limit).
 */
TEST_F_TIMEOUT(memcg, allocations_fail_with_enomem_at_memory_max, 300)
{
	long long oom_kill, max_events, current = -1;
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	struct memcg_report *rp, r;
	int status;
	pid_t pid;

	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;
	rp = mmap(NULL, sizeof(*rp), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rp);
	memset(rp, 0, sizeof(*rp));	/* faulted in, and charged, here */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		memcg_child(self->cg, variant->kind, rp);
	/* Until the child reports or dies; memory.current while it holds on. */
	while (!rp->done && waitpid(pid, &status, WNOHANG) == 0)
		nanosleep(&nap, NULL);
	if (rp->done) {
		__sync_synchronize();
		current = cg_read_ll(self->cg, "memory.current");
		rp->release = 1;
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	r = *rp;
	munmap(rp, sizeof(*rp));

	oom_kill = cg_read_key(self->cg, "memory.events", "oom_kill");
	max_events = cg_read_key(self->cg, "memory.events", "max");
	if (WIFSIGNALED(status))
		TH_LOG("child killed by signal %d; memory.events: oom_kill %lld, max %lld",
		       WTERMSIG(status), oom_kill, max_events);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_TRUE(r.done);

	TH_LOG("%s: %s failed with %d (%s) after %lld steps (~%lld MiB asked); memory.current %lld KiB of %lld KiB; oom_kill %lld, max events %lld",
	       bpfmap_backend_name(variant->backend),
	       r.stage ? "update" : "create", r.err,
	       r.err ? strerror(-r.err) : "-", r.steps, r.bytes >> 20,
	       current >> 10, MEMCG_LIMIT >> 10, oom_kill, max_events);
	EXPECT_EQ(0LL, oom_kill);
	EXPECT_EQ(-ENOMEM, r.err);
	/* Charged: within a few steps of the limit when the command failed. */
	EXPECT_LE(MEMCG_LIMIT * 3 / 4, current);
}

TEST_HARNESS_MAIN
