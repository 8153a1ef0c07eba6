// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The bpfmap ioctl fuzzer: random commands from several threads, each
 * result judged by a model of what it may be.  See fuzz_core.h.
 *
 * Maps.  A thread keeps up to MAX_MAPS map fds.  A map it created as
 * "private" is used by that thread only: its id is never published and
 * GET_FD_BY_ID is only ever called on published ids (or on ids that cannot
 * exist), so no other thread can reach it, and the thread models its
 * contents exactly (LRU maps may lose elements at any update).  "Shared"
 * maps have their ids published; other threads open them by id, so for
 * those only the errno rules, the fd modes and the per-CPU padding are
 * checked.  Every fd a command gets is one the thread owns, or one that is
 * certainly not open (EBADF) or certainly not a map (EINVAL): the fd table
 * is shared by the threads, so a closed fd number is never reused here.
 *
 * Buffers.  Every buffer passed to the kernel, the command struct
 * included, ends exactly at a PROT_NONE guard page, so a kernel that reads
 * or writes a byte past what the command allows faults and the command
 * fails with EFAULT on a valid buffer, which the oracle reports.  Bad
 * pointers are NULL, the guard page, a kernel address, a read-only page
 * (for outputs) and buffers that run into the guard page.
 *
 * The checks mirror the order of the bpf(2) syscall as documented in
 * uapi/linux/bpfmap.h and Documentation/: struct, unused fields, fd, fd
 * mode, flags, key copy, value copy, the map's own result, copy out.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/bpfmap.h>

#include "fuzz_core.h"
#include "../selftests/sysfs_util.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

#define MAX_MAPS	8
#define MAX_KEYS	64
#define MAX_BATCH	64
#define NR_SHARED	64
#define KMALLOC_MAX	(4UL << 20)	/* x86-64, 4 KiB pages: order 10 */
#define HTAB_ELEM_HDR	48		/* upper bound of the element header */
#define PCPU_MAX_VALUE	(32U * 1024)
#define BAD_FD		(1 << 20)	/* above any RLIMIT_NOFILE we run with */
#define KERNEL_PTR	0xffffffff81000000ULL

#define ROUND8(x)	(((uint64_t)(x) + 7) & ~(uint64_t)7)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define PTR(p)		((uint64_t)(uintptr_t)(p))

#define HTAB_FLAGS	(BPFMAP_F_NO_PREALLOC | BPFMAP_F_NO_COMMON_LRU | \
			 BPFMAP_F_NUMA_NODE | BPFMAP_F_RDONLY | \
			 BPFMAP_F_WRONLY | BPFMAP_F_RDONLY_PROG | \
			 BPFMAP_F_WRONLY_PROG | BPFMAP_F_ZERO_SEED)
#define ARRAY_FLAGS	(BPFMAP_F_NUMA_NODE | BPFMAP_F_RDONLY | \
			 BPFMAP_F_WRONLY | BPFMAP_F_RDONLY_PROG | \
			 BPFMAP_F_WRONLY_PROG | BPFMAP_F_INNER_MAP | \
			 BPFMAP_F_MMAPABLE)

/* ---- random numbers: splitmix64, one stream per thread ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

static void fill_random(struct rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd(r);
}

/* ---- errno sets ---- */

static int ebit(int e)
{
	switch (e) {
	case 0:
		return 0;
	case EPERM:
		return 1;
	case ENOENT:
		return 2;
	case E2BIG:
		return 3;
	case EBADF:
		return 4;
	case ENOMEM:
		return 5;
	case EFAULT:
		return 6;
	case EBUSY:
		return 7;
	case EEXIST:
		return 8;
	case EINVAL:
		return 9;
	case ENOSPC:
		return 10;
	case ERANGE:
		return 11;
	case ENOTSUPP:
		return 12;
	case EACCES:
		return 13;
	case ENOTTY:
		return 14;
	case ENODEV:
		return 15;
	default:
		return 63;
	}
}

#define B(e)	(1ULL << ebit(e))

static const int known_errnos[] = {
	0, EPERM, ENOENT, E2BIG, EBADF, ENOMEM, EFAULT, EBUSY, EEXIST,
	EINVAL, ENOSPC, ERANGE, ENOTSUPP, EACCES, ENOTTY, ENODEV,
};

static const char *ename(int e)
{
	static const char *const names[] = {
		[0] = "0", [EPERM] = "EPERM", [ENOENT] = "ENOENT",
		[E2BIG] = "E2BIG", [EBADF] = "EBADF", [ENOMEM] = "ENOMEM",
		[EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
		[EINVAL] = "EINVAL", [ENOSPC] = "ENOSPC", [ERANGE] = "ERANGE",
		[EACCES] = "EACCES", [ENOTTY] = "ENOTTY", [ENODEV] = "ENODEV",
		[EINTR] = "EINTR", [EAGAIN] = "EAGAIN",
		[EDEADLK] = "EDEADLK", [ETIMEDOUT] = "ETIMEDOUT",
		[EOPNOTSUPP] = "EOPNOTSUPP",
	};
	static __thread char other[24];

	if (e == ENOTSUPP)
		return "ENOTSUPP";
	if (e >= 0 && (size_t)e < ARRAY_SIZE(names) && names[e])
		return names[e];
	snprintf(other, sizeof(other), "errno %d", e);
	return other;
}

static void mask_str(uint64_t mask, char *out, size_t len)
{
	size_t i, n = 0;

	out[0] = 0;
	for (i = 0; i < ARRAY_SIZE(known_errnos); i++) {
		if (!(mask & B(known_errnos[i])))
			continue;
		n += snprintf(out + n, len - n, "%s%s", n ? "," : "",
			      ename(known_errnos[i]));
		if (n >= len)
			break;
	}
}

/* ---- process-wide state ---- */

struct arena {
	uint8_t *base;	/* len bytes, followed by a PROT_NONE page */
	size_t len;
};

static struct {
	const struct fuzz_config *cfg;
	unsigned int ncpus;
	size_t page;
	uint8_t *rdonly;	/* one read-only page of zeros */
	int null_fd;		/* /dev/null: open, not a map */
	/* lock protects shared_ids, nr_shared and the report output */
	pthread_mutex_t lock;
	uint32_t shared_ids[NR_SHARED];
	unsigned int nr_shared;
	unsigned int reports;
	int stop;		/* read with __atomic_load_n() */
	struct timespec start;
} g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static double now_since_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec - g.start.tv_sec) +
	       (ts.tv_nsec - g.start.tv_nsec) / 1e9;
}

static int arena_init(struct arena *a, size_t pages)
{
	uint8_t *p = mmap(NULL, (pages + 1) * g.page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	if (mprotect(p + pages * g.page, g.page, PROT_NONE)) {
		munmap(p, (pages + 1) * g.page);
		return -errno;
	}
	a->base = p;
	a->len = pages * g.page;
	return 0;
}

static void arena_fini(struct arena *a)
{
	if (a->base)
		munmap(a->base, a->len + g.page);
	a->base = NULL;
}

/* @len bytes ending exactly at the guard page. */
static void *edge(const struct arena *a, size_t len)
{
	if (len > a->len)
		len = a->len;
	return a->base + a->len - len;
}

/* The guard page itself: any access faults. */
static void *guard(const struct arena *a)
{
	return a->base + a->len;
}

/* ---- the maps a thread holds ---- */

enum kstate {
	K_ABSENT = 0,
	K_PRESENT,	/* present, value known */
	K_UNKNOWN,	/* present, value not known */
};

struct meta {
	uint32_t type, key_size, value_size, max_entries, flags;
};

struct fmap {
	int fd;			/* -1: free slot */
	uint32_t id;
	uint32_t type, key_size, value_size, max_entries;
	uint32_t flags;		/* as stored: without RDONLY/WRONLY */
	char name[BPFMAP_OBJ_NAME_LEN];
	bool rd, wr;		/* the fd's mode */
	bool priv;		/* modelled */
	bool frozen;		/* known frozen */
	char frozen_why[240];	/* the op that made us think so */
	bool percpu, lru, array, of_maps;
	bool in_outer;		/* maybe stored in a map of maps */
	uint32_t slot;		/* round_up(value_size, 8) for per-CPU */
	uint32_t ubuf;		/* user value bytes without CPU flags */
	struct meta inner;	/* map-of-maps: the template */
	/* the model (private maps) */
	uint32_t nkeys;
	uint8_t st[MAX_KEYS];
	uint8_t *vals;		/* nkeys * ubuf */
	/* where the last lookup batch stopped (its out_batch) */
	uint8_t tok[4];
	bool tok_valid;
	/* a mapping of a BPFMAP_F_MMAPABLE array */
	uint8_t *mm;
	size_t mm_len;
	bool mm_wr;
};

enum {
	AR_CMD, AR_KEY, AR_KEY2, AR_VAL, AR_BKEYS, AR_BVALS, AR_TOK,
	NR_ARENAS,
};

static const size_t arena_pages[NR_ARENAS] = {
	[AR_CMD] = 1, [AR_KEY] = 1, [AR_KEY2] = 1, [AR_VAL] = 16,
	[AR_BKEYS] = 8, [AR_BVALS] = 128, [AR_TOK] = 1,
};

struct fthread {
	unsigned int idx;
	struct rng r;
	int dev;
	uint64_t opno;
	struct fmap maps[MAX_MAPS];
	struct arena ar[NR_ARENAS];
	struct fuzz_totals t;
	int nth_fd;		/* /proc/self/task/<tid>/fail-nth, or -1 */
	bool faulting;		/* an allocation failure is armed */
	bool fault_fired;	/* it fired, in this op */
	bool fault_just_fired;	/* it fired in the last call made */
	unsigned int fault_enomem; /* ENOMEMs let through for it */
	struct fmap *op_map;	/* the map the current op was given */
	char what[200];		/* the current op, for reports */
	char faulted[200];	/* the op whose failure fired, while checked */
	uint8_t scratch[16384];	/* expected values, copies */
};

static void fmap_describe(const struct fmap *m, char *buf, size_t len)
{
	if (!m) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len,
		 "map{id=%u fd=%d type=%u key=%u value=%u max=%u flags=%#x mode=%s%s %s%s}",
		 m->id, m->fd, m->type, m->key_size, m->value_size,
		 m->max_entries, m->flags, m->rd ? "r" : "", m->wr ? "w" : "",
		 m->priv ? "private" : "shared", m->frozen ? " frozen" : "");
}

static const char *pfx(void)
{
	return g.cfg->prefix ? g.cfg->prefix : "";
}

static void hexdump(FILE *f, const char *label, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	if (len > 256)
		len = 256;
	fprintf(f, "%s    %s (%zu bytes):", pfx(), label, len);
	for (i = 0; i < len; i++) {
		if (!(i % 32))
			fprintf(f, "\n%s      ", pfx());
		fprintf(f, "%s%02x", i % 32 ? " " : "", p[i]);
	}
	fprintf(f, "\n");
}

/*
 * Report one violation.  @a/@alen and @b/@blen are optional byte buffers
 * (what the kernel gave, what the model expected).
 */
static void violation(struct fthread *t, const struct fmap *m,
		      const void *a, size_t alen, const void *b, size_t blen,
		      const char *fmt, ...)
{
	char desc[256];
	va_list ap;
	FILE *f = g.cfg->out;

	t->t.violations++;
	pthread_mutex_lock(&g.lock);
	if (g.reports++ < g.cfg->max_reports) {
		fmap_describe(m, desc, sizeof(desc));
		fprintf(f, "%sVIOLATION seed=%llu thread=%u op=%llu: %s\n",
			pfx(), (unsigned long long)g.cfg->seed, t->idx,
			(unsigned long long)t->opno, t->what);
		if (t->faulted[0])
			fprintf(f, "%s    after the allocation failure armed in: %s\n",
				pfx(), t->faulted);
		fprintf(f, "%s    %s\n%s    ", pfx(), desc, pfx());
		va_start(ap, fmt);
		vfprintf(f, fmt, ap);
		va_end(ap);
		fprintf(f, "\n");
		if (a)
			hexdump(f, "got", a, alen);
		if (b)
			hexdump(f, "expected", b, blen);
		fflush(f);
	}
	pthread_mutex_unlock(&g.lock);
}

/*
 * Whether @rc is the ENOMEM of an armed allocation failure: the call that
 * gave it must be the one the failure fired in (fault_note()), and it is
 * counted, so that the op can check it got at most one.
 */
static bool fault_enomem(struct fthread *t, int rc)
{
	if (!t->faulting || rc != ENOMEM || !t->fault_just_fired)
		return false;
	t->fault_enomem++;
	return true;
}

/* Whether @rc (0 or an errno) is in @mask; a violation when not. */
static bool expect(struct fthread *t, const struct fmap *m, int rc,
		   uint64_t mask)
{
	char allowed[160];

	if (mask & B(rc) && ebit(rc) != 63)
		return true;
	if (fault_enomem(t, rc))
		return true;
	mask_str(mask, allowed, sizeof(allowed));
	violation(t, m, NULL, 0, NULL, 0, "result %s, allowed: %s",
		  ename(rc), allowed);
	return false;
}

static void what(struct fthread *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->what, sizeof(t->what), fmt, ap);
	va_end(ap);
	if (g.cfg->verbose) {
		pthread_mutex_lock(&g.lock);
		fprintf(g.cfg->out, "%s[t%u #%llu] %s\n", pfx(), t->idx,
			(unsigned long long)t->opno, t->what);
		pthread_mutex_unlock(&g.lock);
	}
}

static void count_result(struct fthread *t, unsigned int slot, int err)
{
	if (slot >= FUZZ_NR_SLOTS)
		slot = FUZZ_SLOT_OTHER;
	if (err) {
		t->t.failed[slot]++;
		t->t.errnos[err <= FUZZ_MAX_ERRNO ? err : FUZZ_MAX_ERRNO]++;
	} else {
		t->t.ok[slot]++;
	}
}

static void fault_note(struct fthread *t);

/* One ioctl on /dev/bpfmap: the result (>= 0) or the errno, negated. */
static int xioctl(struct fthread *t, unsigned long num, void *arg)
{
	int ret = ioctl(t->dev, num, arg);
	int err = ret < 0 ? errno : 0;

	fault_note(t);
	t->t.ioctls++;
	count_result(t, _IOC_NR(num) < FUZZ_SLOT_OTHER ? _IOC_NR(num) :
		     FUZZ_SLOT_OTHER, err);
	return ret < 0 ? -err : ret;
}

/* ---- command structs: placement and struct-level defects ---- */

enum sdef {
	SD_NONE, SD_NULL, SD_GUARD, SD_KERNEL, SD_SMALL, SD_BIG_ZERO,
	SD_BIG_NONZERO, SD_HUGE, SD_PARTIAL, NR_SD,
};

/*
 * Lay out the command struct @s (@len bytes, size field first) in the
 * command arena, maybe with a defect.  Returns the pointer for the ioctl;
 * *@err is the errno the struct alone must give (0 when it is fine).
 */
static void *place_cmd(struct fthread *t, void *s, size_t len, int defect,
		       int *err)
{
	struct arena *a = &t->ar[AR_CMD];
	uint32_t size = len;
	uint8_t *p;
	size_t room;

	*err = 0;
	switch (defect) {
	case SD_NULL:
		*err = EFAULT;
		return NULL;
	case SD_GUARD:
		*err = EFAULT;
		return guard(a);
	case SD_KERNEL:
		*err = EFAULT;
		return (void *)(uintptr_t)KERNEL_PTR;
	case SD_SMALL:
		size = below(&t->r, len);
		*err = EINVAL;
		break;
	case SD_BIG_ZERO:
	case SD_BIG_NONZERO:
		size = len + 1 + below(&t->r, a->len - len);
		if (defect == SD_BIG_NONZERO)
			*err = E2BIG;
		break;
	case SD_HUGE:
		size = a->len + 1 + below(&t->r, 1U << 20);
		if (chance(&t->r, 20))
			size = UINT32_MAX;
		*err = E2BIG;
		break;
	case SD_PARTIAL:
		/* The size field readable, the rest runs into the guard. */
		room = 4 + below(&t->r, len - 4);
		p = edge(a, room);
		memcpy(s, &size, sizeof(size));
		memcpy(p, s, room);
		*err = EFAULT;
		return p;
	}
	memcpy(s, &size, sizeof(size));
	room = size > len ? size : len;
	if (room > a->len)
		room = len;
	p = edge(a, room);
	memset(p, 0, room);
	memcpy(p, s, len);
	if (defect == SD_BIG_NONZERO)
		p[len + below(&t->r, size - len)] = 1 + below(&t->r, 255);
	return p;
}

static int pick_sdef(struct fthread *t)
{
	if (!chance(&t->r, 5))
		return SD_NONE;
	return 1 + below(&t->r, NR_SD - 1);
}

static const char *sdef_name(int d)
{
	static const char *const n[NR_SD] = {
		"", " struct=NULL", " struct=guard", " struct=kernel",
		" size=small", " size=big(zero tail)", " size=big(non-zero tail)",
		" size=huge", " struct=partial",
	};

	return d >= 0 && d < NR_SD ? n[d] : "?";
}

static void set_frozen(struct fthread *t, struct fmap *m)
{
	if (!m->frozen)
		snprintf(m->frozen_why, sizeof(m->frozen_why), "%llu (%s)",
			 (unsigned long long)t->opno, t->what);
	m->frozen = true;
}

/* ---- keys and values ---- */

static bool type_percpu(uint32_t type)
{
	return type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	       type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool type_lru(uint32_t type)
{
	return type == BPFMAP_MAP_TYPE_LRU_HASH ||
	       type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool type_array(uint32_t type)
{
	return type == BPFMAP_MAP_TYPE_ARRAY ||
	       type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS;
}

static bool type_of_maps(uint32_t type)
{
	return type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS ||
	       type == BPFMAP_MAP_TYPE_HASH_OF_MAPS;
}

static bool type_valid(uint32_t type)
{
	switch (type) {
	case BPFMAP_MAP_TYPE_HASH:
	case BPFMAP_MAP_TYPE_ARRAY:
	case BPFMAP_MAP_TYPE_PERCPU_HASH:
	case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
	case BPFMAP_MAP_TYPE_LRU_HASH:
	case BPFMAP_MAP_TYPE_LRU_PERCPU_HASH:
	case BPFMAP_MAP_TYPE_ARRAY_OF_MAPS:
	case BPFMAP_MAP_TYPE_HASH_OF_MAPS:
		return true;
	}
	return false;
}

/* User value bytes of one element for a command with @flags. */
static uint32_t vsize(const struct fmap *m, uint64_t flags)
{
	if (m->of_maps)
		return 4;
	if (m->percpu && !(flags & (BPFMAP_F_CPU | BPFMAP_F_ALL_CPUS)))
		return m->slot * g.ncpus;
	return m->value_size;
}

/*
 * Key number @k as key bytes: arrays get the index, hashes k in the
 * first byte(s) and a pattern derived from k after it.
 */
static void key_encode(const struct fmap *m, uint32_t k, uint8_t *key)
{
	uint32_t i;

	if (m->array) {
		memcpy(key, &k, 4);
		return;
	}
	for (i = 0; i < m->key_size; i++)
		key[i] = (uint8_t)(k * 37 + i * 11 + 5);
	key[0] = (uint8_t)k;
}

/* The key number of @key, or -1 when it is none the model can hold. */
static int key_decode(const struct fmap *m, const uint8_t *key)
{
	uint8_t tmp[512];
	uint32_t k;

	if (m->array) {
		memcpy(&k, key, 4);
		return k < m->nkeys ? (int)k : -1;
	}
	k = key[0];
	if (k >= m->nkeys || m->key_size > sizeof(tmp))
		return -1;
	key_encode(m, k, tmp);
	return memcmp(tmp, key, m->key_size) ? -1 : (int)k;
}

static uint8_t *mval(const struct fmap *m, uint32_t k)
{
	return m->vals + (size_t)k * m->ubuf;
}

/* Whether index/key @k is a valid array index. */
static bool in_range(const struct fmap *m, uint32_t k)
{
	return k < m->max_entries;
}

static uint32_t model_count(const struct fmap *m)
{
	uint32_t k, n = 0;

	for (k = 0; k < m->nkeys; k++)
		n += m->st[k] != K_ABSENT;
	return n;
}

/*
 * Check the padding of every CPU's slot in a full per-CPU value: bytes
 * value_size .. round_up(value_size, 8) - 1 must be zero.
 */
static bool check_padding(struct fthread *t, const struct fmap *m,
			  const uint8_t *buf, const char *where)
{
	uint32_t cpu, i;

	if (!m->percpu || m->slot == m->value_size)
		return true;
	for (cpu = 0; cpu < g.ncpus; cpu++) {
		const uint8_t *s = buf + (size_t)cpu * m->slot;

		t->t.checked_padding++;
		for (i = m->value_size; i < m->slot; i++) {
			if (!s[i])
				continue;
			t->t.padding_violations++;
			violation(t, m, s, m->slot, NULL, 0,
				  "%s: per-CPU padding byte %u of cpu %u's slot is %#x (value_size %u, slot %u); the whole slot follows",
				  where, i, cpu, s[i], m->value_size, m->slot);
			return false;
		}
	}
	return true;
}

/* ---- the flag rules (bpf_map_check_op_flags() of v7.0) ---- */

static int flags_err(const struct fmap *m, uint64_t flags, uint64_t allowed)
{
	if ((uint32_t)flags & ~allowed)
		return EINVAL;
	if (flags & BPFMAP_F_LOCK)
		return EINVAL;
	if (!(flags & BPFMAP_F_CPU) && (flags >> 32))
		return EINVAL;
	if (!(flags & (BPFMAP_F_CPU | BPFMAP_F_ALL_CPUS)))
		return 0;
	if (!m->percpu)
		return EINVAL;
	if ((flags & BPFMAP_F_CPU) && (flags & BPFMAP_F_ALL_CPUS))
		return EINVAL;
	if ((flags & BPFMAP_F_CPU) && (uint32_t)(flags >> 32) >= g.ncpus)
		return ERANGE;
	return 0;
}

static uint64_t f_cpu(uint32_t cpu)
{
	return BPFMAP_F_CPU | ((uint64_t)cpu << 32);
}

/* Flags that must be refused by some rule. */
static uint64_t junk_flags(struct fthread *t)
{
	switch (below(&t->r, 10)) {
	case 0:
		return BPFMAP_F_LOCK;
	case 1:
		return f_cpu(g.ncpus + below(&t->r, 3));
	case 2:
		return f_cpu(UINT32_MAX);
	case 3:
		return BPFMAP_F_ALL_CPUS | BPFMAP_NOEXIST;
	case 4:
		return BPFMAP_F_CPU | BPFMAP_F_ALL_CPUS;
	case 5:
		return 1ULL << (32 + below(&t->r, 32));
	case 6:
		return 1ULL << (5 + below(&t->r, 27));
	case 7:
		return BPFMAP_NOEXIST | BPFMAP_EXIST;
	case 8:
		return f_cpu(0) | BPFMAP_F_LOCK;
	default:
		return rnd(&t->r);
	}
}

/* Mostly valid flags for a lookup (@update false) or an update. */
static uint64_t pick_flags(struct fthread *t, const struct fmap *m,
			   bool update)
{
	uint32_t op = update ? below(&t->r, 3) : 0;

	if (chance(&t->r, 8))
		return junk_flags(t);
	if (!m->percpu || chance(&t->r, 50))
		return op;
	if (update && chance(&t->r, 30))
		return BPFMAP_F_ALL_CPUS;
	return f_cpu(below(&t->r, g.ncpus)) | (chance(&t->r, 30) ? op : 0);
}

/* ---- fds, keys, values ---- */

/* The map's fd, or now and then one that is not open or not a map. */
static uint32_t pick_fd(struct fthread *t, const struct fmap *m, int *err)
{
	*err = 0;
	if (!chance(&t->r, 3))
		return m->fd;
	switch (below(&t->r, 3)) {
	case 0:
		*err = EBADF;
		return chance(&t->r, 50) ? BAD_FD : UINT32_MAX;
	case 1:
		*err = EINVAL;
		return g.null_fd;
	default:
		*err = EINVAL;
		return t->dev;
	}
}

/*
 * A key pointer: key number *@k (-1: none the model holds, e.g. an array
 * index out of range) or, with @null_ok, NULL (*@k == -2, GET_NEXT_KEY's
 * "first key"); *@err is EFAULT for a pointer that faults.
 */
static uint64_t pick_key(struct fthread *t, const struct fmap *m, int *k,
			 uint32_t *index, int *err, bool null_ok)
{
	struct arena *a = &t->ar[AR_KEY];
	uint8_t *key;
	uint32_t n;

	*err = 0;
	*index = 0;
	if (null_ok && chance(&t->r, 15)) {
		*k = -2;
		return 0;
	}
	n = m->array ? m->max_entries + 2 : m->nkeys;
	if (n > m->nkeys)
		n = m->nkeys;
	*k = below(&t->r, n);
	key = edge(a, m->key_size);
	key_encode(m, *k, key);
	*index = *k;
	if (m->array && chance(&t->r, 3)) {
		*index = chance(&t->r, 50) ? UINT32_MAX : m->max_entries;
		memcpy(key, index, 4);
		*k = -1;
	}
	if (!chance(&t->r, 3))
		return PTR(key);
	*err = EFAULT;
	switch (below(&t->r, 4)) {
	case 0:
		if (null_ok) {	/* GET_NEXT_KEY: NULL is "first key" */
			*err = 0;
			*k = -2;
		}
		return 0;
	case 1:
		return PTR(guard(a));
	case 2:
		return KERNEL_PTR;
	default:
		/* The last byte(s) in the guard page. */
		return PTR(guard(a)) - m->key_size + 1 +
		       below(&t->r, m->key_size);
	}
}

/*
 * An output buffer of @len bytes; *@bad says it faults (NULL, the guard,
 * a kernel address, the read-only page, or running into the guard).
 */
static uint8_t *pick_out(struct fthread *t, int ar, size_t len, bool *bad)
{
	struct arena *a = &t->ar[ar];

	*bad = false;
	if (!chance(&t->r, 3) || !len)
		return edge(a, len);
	*bad = true;
	switch (below(&t->r, 5)) {
	case 0:
		return NULL;
	case 1:
		return guard(a);
	case 2:
		return (uint8_t *)(uintptr_t)KERNEL_PTR;
	case 3:
		if (len <= g.page)
			return g.rdonly;
		return NULL;
	default:
		return (uint8_t *)edge(a, len) + 1 + below(&t->r, len);
	}
}

/*
 * An input buffer of @len bytes in arena @ar, filled with random bytes;
 * now and then one that faults (*@err = EFAULT).
 */
static uint8_t *pick_in(struct fthread *t, int ar, size_t len, int *err,
			uint8_t **data)
{
	struct arena *a = &t->ar[ar];
	uint8_t *p = edge(a, len);

	*err = 0;
	fill_random(&t->r, p, len);
	*data = p;
	if (!chance(&t->r, 4) || !len)
		return p;
	*err = EFAULT;
	switch (below(&t->r, 4)) {
	case 0:
		return NULL;
	case 1:
		return guard(a);
	case 2:
		return (uint8_t *)(uintptr_t)KERNEL_PTR;
	default:
		return p + 1 + below(&t->r, len);
	}
}

/* ---- the model ---- */

/*
 * The model after a successful update of key @k with @user (vsize(m,
 * flags) bytes, or for maps of maps the inner map's id).
 */
static void model_store(struct fmap *m, int k, const uint8_t *user,
			uint64_t flags)
{
	uint8_t *v;
	uint32_t cpu;
	bool fresh;

	if (!m->priv || k < 0)
		return;
	v = mval(m, k);
	fresh = m->st[k] == K_ABSENT;
	if (m->of_maps) {
		memcpy(v, user, 4);
	} else if (!m->percpu) {
		memcpy(v, user, m->value_size);
	} else if (flags & BPFMAP_F_CPU) {
		cpu = flags >> 32;
		if (fresh)
			memset(v, 0, m->ubuf);
		else if (m->st[k] == K_UNKNOWN || m->lru)
			/* maybe evicted, then recreated with zeros */
			goto unknown;
		memcpy(v + (size_t)cpu * m->slot, user, m->value_size);
	} else {
		memset(v, 0, m->ubuf);
		for (cpu = 0; cpu < g.ncpus; cpu++)
			memcpy(v + (size_t)cpu * m->slot,
			       flags & BPFMAP_F_ALL_CPUS ? user :
			       user + (size_t)cpu * m->slot, m->value_size);
	}
	m->st[k] = K_PRESENT;
	return;
unknown:
	m->st[k] = K_UNKNOWN;
}

/*
 * Compare a looked-up value of key @k (vsize(m, flags) bytes) with the
 * model, and learn it when the model did not know it.
 */
static void model_check(struct fthread *t, struct fmap *m, int k,
			const uint8_t *got, uint64_t flags, const char *where)
{
	const uint8_t *want;
	size_t len;

	if (m->percpu && !(flags & BPFMAP_F_CPU))
		check_padding(t, m, got, where);
	if (!m->priv || k < 0)
		return;
	if (m->st[k] == K_ABSENT) {
		violation(t, m, got, vsize(m, flags), NULL, 0,
			  "%s: key %d returned a value but the model says it is absent",
			  where, k);
		return;
	}
	want = mval(m, k);
	len = vsize(m, flags);
	if (m->percpu && (flags & BPFMAP_F_CPU))
		want += (size_t)(flags >> 32) * m->slot;
	if (m->st[k] == K_UNKNOWN) {
		if (len == m->ubuf) {
			memcpy(mval(m, k), got, len);
			m->st[k] = K_PRESENT;
		}
		return;
	}
	t->t.checked_values++;
	if (memcmp(got, want, len))
		violation(t, m, got, len, want, len,
			  "%s: key %d: value differs from the last one written",
			  where, k);
}

/* The result the model allows for a lookup of key @k (-1: out of range). */
static uint64_t lookup_mask(const struct fmap *m, int k)
{
	if (m->array && m->type != BPFMAP_MAP_TYPE_ARRAY_OF_MAPS)
		return k >= 0 && in_range(m, k) ? B(0) : B(ENOENT);
	if (k < 0 || (m->array && !in_range(m, k)))
		return B(ENOENT);
	if (!m->priv)
		return B(0) | B(ENOENT);
	if (m->st[k] == K_ABSENT)
		return B(ENOENT);
	return m->lru ? B(0) | B(ENOENT) : B(0);
}

/* A hash update with create/replace mode @op (0 ANY, 1 NOEXIST, 2 EXIST). */
static uint64_t hash_update_mask(const struct fmap *m, int k, uint32_t op)
{
	uint64_t mask = 0;

	if (!m->priv || k < 0) {
		mask = B(0);
		if (op == BPFMAP_NOEXIST)
			mask |= B(EEXIST);
		if (op == BPFMAP_EXIST)
			mask |= B(ENOENT);
		if (!m->lru)
			mask |= B(E2BIG);
		if (m->lru || (m->flags & BPFMAP_F_NO_PREALLOC))
			mask |= B(ENOMEM);
		return mask;
	}
	if (m->st[k] != K_ABSENT) {
		mask = op == BPFMAP_NOEXIST ? B(EEXIST) : B(0);
		if (m->lru)	/* it may be gone */
			mask |= B(0) | B(ENOMEM) |
				(op == BPFMAP_EXIST ? B(ENOENT) : 0);
		return mask;
	}
	if (op == BPFMAP_EXIST)
		return B(ENOENT);
	if (m->lru)
		return B(0) | B(ENOMEM);
	if (model_count(m) >= m->max_entries)
		return B(E2BIG);
	return B(0) | (m->flags & BPFMAP_F_NO_PREALLOC ? B(ENOMEM) : 0);
}

/* The create/replace mode of an update, as the module reads flags. */
static uint32_t update_op(const struct fmap *m, uint64_t flags)
{
	if (m->percpu && (flags & (BPFMAP_F_CPU | BPFMAP_F_ALL_CPUS)))
		return flags & (BPFMAP_NOEXIST | BPFMAP_EXIST);
	return (uint32_t)flags;
}

/*
 * Whether @inner fits the template of map-of-maps @outer, by the kernel's
 * rules: type, key size, value size and flags always (bpf_map_meta_equal);
 * max_entries only for a plain ARRAY template without BPF_F_INNER_MAP
 * (array_map_meta_equal), not for PERCPU_ARRAY.
 */
static bool meta_fits(const struct meta *t, const struct fmap *inner)
{
	if (inner->type != t->type || inner->key_size != t->key_size ||
	    inner->value_size != t->value_size || inner->flags != t->flags)
		return false;
	if (t->type == BPFMAP_MAP_TYPE_ARRAY &&
	    !(t->flags & BPFMAP_F_INNER_MAP))
		return inner->max_entries == t->max_entries;
	return true;
}

static struct fmap *random_map(struct fthread *t)
{
	unsigned int i, start = below(&t->r, MAX_MAPS);

	for (i = 0; i < MAX_MAPS; i++) {
		struct fmap *m = &t->maps[(start + i) % MAX_MAPS];

		if (m->fd >= 0)
			return m;
	}
	return NULL;
}

/*
 * An inner map fd for an update of map-of-maps @m: one of ours that fits
 * (mostly), or one that does not, or an fd that is not a map or not open.
 * *@err is what the fd must give, *@id the id stored on success.
 */
static uint32_t pick_inner(struct fthread *t, const struct fmap *m,
			   int *err, uint32_t *id)
{
	struct fmap *c = NULL;
	unsigned int i, start = below(&t->r, MAX_MAPS);

	*id = 0;
	*err = 0;
	if (chance(&t->r, 10)) {
		*err = chance(&t->r, 50) ? EBADF : EINVAL;
		return *err == EBADF ? BAD_FD : (uint32_t)g.null_fd;
	}
	for (i = 0; i < MAX_MAPS; i++) {
		struct fmap *x = &t->maps[(start + i) % MAX_MAPS];

		if (x->fd < 0)
			continue;
		if (!c)
			c = x;
		if (meta_fits(&m->inner, x) && !chance(&t->r, 10)) {
			c = x;
			break;
		}
	}
	if (!c) {
		*err = EINVAL;
		return t->dev;
	}
	if (!meta_fits(&m->inner, c) || c->of_maps)
		*err = EINVAL;
	*id = c->id;
	c->in_outer = true;	/* the outer map may hold a reference */
	return c->fd;
}

/* ---- element commands ---- */

/*
 * Run @e as command @nr with struct defect @sd; returns 0 or the errno
 * and copies the struct back (for the fields the kernel writes).
 */
static int run_cmd(struct fthread *t, unsigned int nr, void *s, size_t len,
		   int sd, int *serr)
{
	uint8_t *p = place_cmd(t, s, len, sd, serr);
	int rc = xioctl(t, _IO(BPFMAP_IOCTL_TYPE, nr), p);

	if (!*serr && p)
		memcpy(s, p, len);
	return rc < 0 ? -rc : 0;
}

/* Fold the stages: the first definite error wins. */
#define STAGE(cond, e)	do { if (!exp && (cond)) exp = (e); } while (0)

static void op_lookup(struct fthread *t, struct fmap *m)
{
	struct bpfmap_elem e = { .size = sizeof(e) };
	uint64_t flags = pick_flags(t, m, false), mask, soft = 0;
	int sd = pick_sdef(t), serr, ferr, kerr, exp = 0, k, err;
	uint32_t len = vsize(m, flags), index;
	uint8_t *out;
	bool bad;

	e.map_fd = pick_fd(t, m, &ferr);
	e.key = pick_key(t, m, &k, &index, &kerr, false);
	out = pick_out(t, AR_VAL, len, &bad);
	e.value = PTR(out);
	e.flags = flags;
	what(t, "LOOKUP_ELEM fd=%u key#%d index=%u flags=%#llx out=%p%s",
	     e.map_fd, k, index, (unsigned long long)flags, out,
	     sdef_name(sd));
	memset(edge(&t->ar[AR_VAL], len), 0xa5, bad ? 0 : len);
	err = run_cmd(t, BPFMAP_MAP_LOOKUP_ELEM, &e, sizeof(e), sd, &serr);

	STAGE(serr, serr);
	STAGE(ferr, ferr);
	STAGE(!m->rd, EPERM);
	STAGE(1, flags_err(m, flags, BPFMAP_F_LOCK | BPFMAP_F_CPU));
	STAGE(kerr, kerr);
	if (exp) {
		expect(t, m, err, B(exp));
		return;
	}
	mask = lookup_mask(m, k) | soft;
	if (bad && (mask & B(0)))
		mask = (mask & ~B(0)) | B(EFAULT);
	if (!expect(t, m, err, mask))
		return;
	if (!err)
		model_check(t, m, k, out, flags, "LOOKUP_ELEM");
	else if (err == ENOENT && m->priv && k >= 0 &&
		 !(m->array && m->type != BPFMAP_MAP_TYPE_ARRAY_OF_MAPS))
		m->st[k] = K_ABSENT;
}

static void op_update(struct fthread *t, struct fmap *m)
{
	struct bpfmap_elem e = { .size = sizeof(e) };
	uint64_t flags = pick_flags(t, m, true), mask = 0, soft = 0;
	int sd = pick_sdef(t), serr, ferr, kerr, verr, ierr = 0, exp = 0;
	uint32_t len = vsize(m, flags), index, inner_id = 0, op;
	uint8_t *in, *data;
	int k, err;

	e.map_fd = pick_fd(t, m, &ferr);
	e.key = pick_key(t, m, &k, &index, &kerr, false);
	in = pick_in(t, AR_VAL, len, &verr, &data);
	if (m->of_maps) {
		uint32_t fd = pick_inner(t, m, &ierr, &inner_id);

		memcpy(data, &fd, 4);
	} else if (!verr && len <= g.page && chance(&t->r, 3)) {
		in = data = g.rdonly;	/* zeros: readable, fine */
	}
	e.value = PTR(in);
	e.flags = flags;
	what(t, "UPDATE_ELEM fd=%u key#%d index=%u flags=%#llx in=%p%s%s",
	     e.map_fd, k, index, (unsigned long long)flags, in,
	     m->of_maps ? " (inner fd)" : "", sdef_name(sd));
	err = run_cmd(t, BPFMAP_MAP_UPDATE_ELEM, &e, sizeof(e), sd, &serr);

	STAGE(serr, serr);
	STAGE(ferr, ferr);
	STAGE(!m->wr || (m->priv && m->frozen), EPERM);
	if (!exp && !m->priv && m->wr)
		soft = B(EPERM);	/* another thread may have frozen it */
	STAGE(1, flags_err(m, flags, ~0ULL));
	STAGE(kerr, kerr);
	STAGE(verr, verr);
	if (!exp) {
		switch (m->type) {
		case BPFMAP_MAP_TYPE_ARRAY:
			STAGE((flags & ~BPFMAP_F_LOCK) > BPFMAP_EXIST, EINVAL);
			STAGE(k < 0 || !in_range(m, k), E2BIG);
			STAGE(flags & BPFMAP_NOEXIST, EEXIST);
			break;
		case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
			STAGE((uint32_t)flags > BPFMAP_F_ALL_CPUS, EINVAL);
			STAGE(k < 0 || !in_range(m, k), E2BIG);
			STAGE((uint32_t)flags == BPFMAP_NOEXIST ||
			      ((flags & BPFMAP_F_CPU) &&
			       (flags & 3) == BPFMAP_NOEXIST), EEXIST);
			break;
		case BPFMAP_MAP_TYPE_ARRAY_OF_MAPS:
			STAGE(flags != BPFMAP_ANY, EINVAL);
			STAGE(k < 0 || !in_range(m, k), E2BIG);
			STAGE(ierr, ierr);
			break;
		case BPFMAP_MAP_TYPE_HASH_OF_MAPS:
			STAGE(ierr, ierr);
			STAGE(flags > BPFMAP_EXIST, EINVAL);
			if (!exp)
				mask = hash_update_mask(m, k, (uint32_t)flags);
			break;
		default:
			if (m->percpu)
				STAGE((uint32_t)flags > BPFMAP_F_ALL_CPUS,
				      EINVAL);
			else
				STAGE((uint32_t)flags > BPFMAP_EXIST, EINVAL);
			op = update_op(m, flags);
			if (!exp)
				mask = hash_update_mask(m, k, op);
			break;
		}
	}
	if (exp)
		mask = B(exp);
	else if (!mask)
		mask = B(0);
	if (!expect(t, m, err, mask | soft)) {
		if (!err && m->priv && k >= 0)
			model_store(m, k, m->of_maps ? (uint8_t *)&inner_id :
				    data, flags);
		return;
	}
	if (err == EPERM && soft)
		set_frozen(t, m);
	if (!m->priv || k < 0)
		return;
	if (!err)
		model_store(m, k, m->of_maps ? (uint8_t *)&inner_id : data,
			    flags);
	else if (err == ENOENT && !m->array)
		m->st[k] = K_ABSENT;
}

static void op_delete(struct fthread *t, struct fmap *m)
{
	struct bpfmap_elem e = { .size = sizeof(e) };
	int sd = pick_sdef(t), serr, ferr, kerr, exp = 0, k, err;
	uint64_t mask = 0, soft = 0;
	uint32_t index;

	e.map_fd = pick_fd(t, m, &ferr);
	e.key = pick_key(t, m, &k, &index, &kerr, false);
	if (chance(&t->r, 4))
		e.value = PTR(edge(&t->ar[AR_VAL], 8));
	if (chance(&t->r, 4))
		e.flags = 1ULL << below(&t->r, 64);
	what(t, "DELETE_ELEM fd=%u key#%d index=%u value=%#llx flags=%#llx%s",
	     e.map_fd, k, index, (unsigned long long)e.value,
	     (unsigned long long)e.flags, sdef_name(sd));
	err = run_cmd(t, BPFMAP_MAP_DELETE_ELEM, &e, sizeof(e), sd, &serr);

	STAGE(serr, serr);
	STAGE(e.value || e.flags, EINVAL);
	STAGE(ferr, ferr);
	STAGE(!m->wr || (m->priv && m->frozen), EPERM);
	if (!exp && !m->priv && m->wr)
		soft = B(EPERM);
	STAGE(kerr, kerr);
	if (!exp) {
		if (m->type == BPFMAP_MAP_TYPE_ARRAY ||
		    m->type == BPFMAP_MAP_TYPE_PERCPU_ARRAY)
			exp = EINVAL;
		else if (m->array)
			STAGE(k < 0 || !in_range(m, k), E2BIG);
	}
	mask = exp ? B(exp) : lookup_mask(m, k);
	if (!expect(t, m, err, mask | soft))
		return;
	if (err == EPERM && soft)
		set_frozen(t, m);
	if (m->priv && k >= 0 && (!err || err == ENOENT) &&
	    !(m->array && m->type != BPFMAP_MAP_TYPE_ARRAY_OF_MAPS))
		m->st[k] = K_ABSENT;
}

static void op_get_next_key(struct fthread *t, struct fmap *m)
{
	struct bpfmap_elem e = { .size = sizeof(e) };
	int sd = pick_sdef(t), serr, ferr, kerr, exp = 0, k, nk, err;
	uint64_t mask;
	uint32_t index, next;
	uint8_t *out;
	bool bad;

	e.map_fd = pick_fd(t, m, &ferr);
	e.key = pick_key(t, m, &k, &index, &kerr, true);
	out = pick_out(t, AR_KEY2, m->key_size, &bad);
	e.value = PTR(out);
	if (chance(&t->r, 4))
		e.flags = junk_flags(t) | 1;
	what(t, "GET_NEXT_KEY fd=%u key#%d index=%u flags=%#llx out=%p%s",
	     e.map_fd, k, index, (unsigned long long)e.flags, out,
	     sdef_name(sd));
	err = run_cmd(t, BPFMAP_MAP_GET_NEXT_KEY, &e, sizeof(e), sd, &serr);

	STAGE(serr, serr);
	STAGE(e.flags, EINVAL);
	STAGE(ferr, ferr);
	STAGE(!m->rd, EPERM);
	STAGE(kerr, kerr);
	if (exp) {
		expect(t, m, err, B(exp));
		return;
	}
	if (m->array) {
		if (k == -2 || index >= m->max_entries)
			next = 0;
		else
			next = index + 1;
		mask = next < m->max_entries ? B(0) : B(ENOENT);
	} else if (m->priv && (k == -2 || m->st[k] == K_ABSENT) &&
		   !model_count(m)) {
		mask = B(ENOENT);
	} else if (m->priv && (k == -2 || m->st[k] == K_ABSENT) && !m->lru) {
		mask = B(0);
	} else {
		mask = B(0) | B(ENOENT);
	}
	if (bad && (mask & B(0)))
		mask = (mask & ~B(0)) | B(EFAULT);
	if (!expect(t, m, err, mask) || err)
		return;
	if (m->array) {
		memcpy(&nk, out, 4);
		if ((uint32_t)nk != next)
			violation(t, m, out, 4, &next, 4,
				  "GET_NEXT_KEY: wrong next index");
		return;
	}
	if (!m->priv)
		return;
	nk = key_decode(m, out);
	if (nk < 0 || m->st[nk] == K_ABSENT || nk == k)
		violation(t, m, out, m->key_size, NULL, 0,
			  "GET_NEXT_KEY: returned key#%d (after key#%d), which the model does not hold",
			  nk, k);
}

static void op_lookup_and_delete(struct fthread *t, struct fmap *m)
{
	struct bpfmap_elem e = { .size = sizeof(e) };
	int sd = pick_sdef(t), serr, ferr, kerr, exp = 0, k, err;
	uint64_t mask, soft = 0;
	uint32_t len = vsize(m, 0), index;
	uint8_t *out;
	bool bad;

	e.map_fd = pick_fd(t, m, &ferr);
	e.key = pick_key(t, m, &k, &index, &kerr, false);
	out = pick_out(t, AR_VAL, len, &bad);
	e.value = PTR(out);
	if (chance(&t->r, 8))
		e.flags = junk_flags(t);
	what(t, "LOOKUP_AND_DELETE_ELEM fd=%u key#%d index=%u flags=%#llx out=%p%s",
	     e.map_fd, k, index, (unsigned long long)e.flags, out,
	     sdef_name(sd));
	err = run_cmd(t, BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM, &e, sizeof(e), sd,
		      &serr);

	STAGE(serr, serr);
	STAGE(e.flags & ~BPFMAP_F_LOCK, EINVAL);
	STAGE(ferr, ferr);
	STAGE(!m->rd || !m->wr || (m->priv && m->frozen), EPERM);
	if (!exp && !m->priv)
		soft = B(EPERM);
	STAGE(e.flags, EINVAL);
	STAGE(kerr, kerr);
	STAGE(m->array || m->of_maps, ENOTSUPP);
	mask = exp ? B(exp) : lookup_mask(m, k);
	if (bad && (mask & B(0)))
		mask = (mask & ~B(0)) | B(EFAULT);
	if (!expect(t, m, err, mask | soft))
		return;
	if (err == EPERM && soft)
		set_frozen(t, m);
	if (!err)
		model_check(t, m, k, out, 0, "LOOKUP_AND_DELETE_ELEM");
	if (m->priv && k >= 0 && !exp &&
	    (!err || err == ENOENT || err == EFAULT))
		m->st[k] = K_ABSENT;
}

static void op_freeze(struct fthread *t, struct fmap *m)
{
	struct bpfmap_elem e = { .size = sizeof(e) };
	int sd = pick_sdef(t), serr, ferr, exp = 0, err;
	uint64_t mask;

	e.map_fd = pick_fd(t, m, &ferr);
	if (chance(&t->r, 10))
		e.key = 8;
	if (chance(&t->r, 10))
		e.flags = 1;
	what(t, "MAP_FREEZE fd=%u key=%#llx flags=%#llx%s", e.map_fd,
	     (unsigned long long)e.key, (unsigned long long)e.flags,
	     sdef_name(sd));
	err = run_cmd(t, BPFMAP_MAP_FREEZE, &e, sizeof(e), sd, &serr);

	STAGE(serr, serr);
	STAGE(e.key || e.value || e.flags, EINVAL);
	STAGE(ferr, ferr);
	STAGE(!m->wr || (m->priv && m->frozen), EPERM);
	STAGE(m->priv && m->mm && m->mm_wr, EBUSY);
	if (exp)
		mask = B(exp);
	else if (m->priv)
		mask = B(0);
	else
		mask = B(0) | B(EPERM) | B(EBUSY);
	if (!expect(t, m, err, mask))
		return;
	if (!err || (err == EPERM && m->wr))
		set_frozen(t, m);
}

/* ---- plain calls with valid buffers, for checks and resyncs ---- */

static int plain_lookup(struct fthread *t, struct fmap *m, uint32_t k,
			uint8_t *out)
{
	struct bpfmap_elem *e = edge(&t->ar[AR_CMD], sizeof(*e));
	uint8_t *key = edge(&t->ar[AR_KEY], m->key_size);

	key_encode(m, k, key);
	memset(e, 0, sizeof(*e));
	e->size = sizeof(*e);
	e->map_fd = m->fd;
	e->key = PTR(key);
	e->value = PTR(out);
	return -xioctl(t, BPFMAP_IOCTL_MAP_LOOKUP_ELEM, e);
}

/* Read every key of the key space back into the model. */
static void model_resync(struct fthread *t, struct fmap *m)
{
	uint8_t *out = edge(&t->ar[AR_VAL], m->ubuf);
	uint32_t k;
	int err;

	if (!m->priv || !m->rd)
		return;
	for (k = 0; k < m->nkeys; k++) {
		if (m->array && !in_range(m, k))
			continue;
		err = plain_lookup(t, m, k, out);
		/*
		 * The armed failure fired in this lookup (a resync runs
		 * inside an op, after a walk that faulted): it fires once,
		 * so the key is read again.  Skipping it would keep what
		 * the model said of it before the op.
		 */
		if (fault_enomem(t, err))
			err = plain_lookup(t, m, k, out);
		if (!err) {
			if (m->percpu)
				check_padding(t, m, out, "resync lookup");
			memcpy(mval(m, k), out, m->ubuf);
			m->st[k] = K_PRESENT;
		} else if (err == ENOENT && !(m->array &&
			   m->type != BPFMAP_MAP_TYPE_ARRAY_OF_MAPS)) {
			m->st[k] = K_ABSENT;
		} else {
			violation(t, m, NULL, 0, NULL, 0,
				  "resync lookup of key#%u: %s", k, ename(err));
		}
	}
}

/*
 * A private map checked whole: every key of the key space looked up, and
 * a GET_NEXT_KEY walk that must visit exactly the present keys (LRU: a
 * subset of them; arrays: 0 .. max_entries - 1 in order).
 */
static void op_verify(struct fthread *t, struct fmap *m)
{
	struct bpfmap_elem *e;
	uint8_t *out = edge(&t->ar[AR_VAL], m->ubuf), *cur, *next;
	uint8_t seen[MAX_KEYS] = { 0 };
	uint32_t k, steps = 0, limit;
	int err, nk, prev = -2;

	if (!m->priv || !m->rd)
		return;
	what(t, "VERIFY (lookups of every key, GET_NEXT_KEY walk)");
	for (k = 0; k < m->nkeys; k++) {
		err = plain_lookup(t, m, k, out);
		if (!expect(t, m, err, lookup_mask(m, k)))
			continue;
		if (!err)
			model_check(t, m, k, out, 0, "VERIFY lookup");
		else if (err == ENOENT &&
			 !(m->array && m->type != BPFMAP_MAP_TYPE_ARRAY_OF_MAPS))
			m->st[k] = K_ABSENT;
	}

	limit = (m->array ? m->max_entries : m->nkeys) + 2;
	cur = edge(&t->ar[AR_KEY], m->key_size);
	next = edge(&t->ar[AR_KEY2], m->key_size);
	e = edge(&t->ar[AR_CMD], sizeof(*e));
	for (;;) {
		memset(e, 0, sizeof(*e));
		e->size = sizeof(*e);
		e->map_fd = m->fd;
		e->key = prev == -2 ? 0 : PTR(cur);
		e->value = PTR(next);
		err = -xioctl(t, BPFMAP_IOCTL_MAP_GET_NEXT_KEY, e);
		if (err == ENOENT)
			break;
		if (err) {
			if (!fault_enomem(t, err))
				violation(t, m, NULL, 0, NULL, 0,
					  "VERIFY walk: GET_NEXT_KEY gave %s",
					  ename(err));
			return;
		}
		if (++steps > limit) {
			violation(t, m, NULL, 0, NULL, 0,
				  "VERIFY walk: more than %u steps", limit);
			return;
		}
		if (m->array) {
			uint32_t idx;

			memcpy(&idx, next, 4);
			if (idx != (prev == -2 ? 0 : (uint32_t)prev + 1))
				violation(t, m, next, 4, NULL, 0,
					  "VERIFY walk: wrong index after %d",
					  prev);
			nk = idx;
		} else {
			nk = key_decode(m, next);
			if (nk < 0 || m->st[nk] == K_ABSENT || seen[nk]) {
				violation(t, m, next, m->key_size, NULL, 0,
					  "VERIFY walk: key#%d is not in the model or came twice",
					  nk);
				return;
			}
		}
		if (nk >= 0 && nk < MAX_KEYS)
			seen[nk] = 1;
		memcpy(cur, next, m->key_size);
		prev = nk;
	}
	if (m->array) {
		if (steps != m->max_entries)
			violation(t, m, NULL, 0, NULL, 0,
				  "VERIFY walk: %u indexes, max_entries %u",
				  steps, m->max_entries);
		return;
	}
	for (k = 0; k < m->nkeys; k++) {
		if (m->st[k] == K_ABSENT || seen[k])
			continue;
		if (m->lru) {
			m->st[k] = K_ABSENT;
			continue;
		}
		violation(t, m, NULL, 0, NULL, 0,
			  "VERIFY walk: key#%u is in the model but the walk missed it",
			  k);
	}
}

/* ---- batch commands ---- */

static uint32_t roundup_pow2(uint32_t x)
{
	uint32_t p = 1;

	while (p < x && p < (1U << 31))
		p <<= 1;
	return p;
}

/*
 * The result of one element of UPDATE_BATCH / UPDATE_ELEM past the
 * generic checks: the map type's rules and the model.
 */
static uint64_t update_type_mask(const struct fmap *m, int k, uint64_t flags,
				 int ierr)
{
	int exp = 0;

	switch (m->type) {
	case BPFMAP_MAP_TYPE_ARRAY:
		STAGE((flags & ~BPFMAP_F_LOCK) > BPFMAP_EXIST, EINVAL);
		STAGE(k < 0 || !in_range(m, k), E2BIG);
		STAGE(flags & BPFMAP_NOEXIST, EEXIST);
		return exp ? B(exp) : B(0);
	case BPFMAP_MAP_TYPE_PERCPU_ARRAY:
		STAGE((uint32_t)flags > BPFMAP_F_ALL_CPUS, EINVAL);
		STAGE(k < 0 || !in_range(m, k), E2BIG);
		STAGE((uint32_t)flags == BPFMAP_NOEXIST ||
		      ((flags & BPFMAP_F_CPU) && (flags & 3) == BPFMAP_NOEXIST),
		      EEXIST);
		return exp ? B(exp) : B(0);
	case BPFMAP_MAP_TYPE_ARRAY_OF_MAPS:
		STAGE(flags != BPFMAP_ANY, EINVAL);
		STAGE(k < 0 || !in_range(m, k), E2BIG);
		STAGE(ierr, ierr);
		return exp ? B(exp) : B(0);
	case BPFMAP_MAP_TYPE_HASH_OF_MAPS:
		STAGE(ierr, ierr);
		STAGE(flags > BPFMAP_EXIST, EINVAL);
		return exp ? B(exp) : hash_update_mask(m, k, (uint32_t)flags);
	default:
		if (m->percpu)
			STAGE((uint32_t)flags > BPFMAP_F_ALL_CPUS, EINVAL);
		else
			STAGE((uint32_t)flags > BPFMAP_EXIST, EINVAL);
		return exp ? B(exp) : hash_update_mask(m, k,
						       update_op(m, flags));
	}
}

/*
 * A batch buffer of @n elements of @stride bytes in arena @ar: *@ok is
 * how many leading elements the kernel can access (all, none, or some
 * when the buffer runs into the guard page).  *@data is where the
 * elements are (or scratch memory when the pointer faults) and *@fill how
 * many of them we may touch.
 */
static uint8_t *batch_buf(struct fthread *t, int ar, uint32_t n,
			  uint32_t stride, uint32_t *ok, uint8_t **data,
			  uint32_t *fill)
{
	struct arena *a = &t->ar[ar];
	size_t len = (size_t)n * stride;
	uint8_t *p = edge(a, len);
	uint32_t d;

	*data = p;
	*ok = n;
	*fill = n;
	if (!n || !stride || !chance(&t->r, 5))
		return p;
	switch (below(&t->r, 3)) {
	case 0:
		*ok = 0;
		return NULL;
	case 1:
		*ok = 0;
		return guard(a);
	default:
		d = 1 + below(&t->r, len);
		*ok = (len - d) / stride;
		*fill = *ok;
		*data = p + d;
		return p + d;
	}
}

static void op_batch(struct fthread *t, struct fmap *m, unsigned int nr)
{
	struct bpfmap_batch b = { .size = sizeof(b) };
	bool lookup = nr == BPFMAP_MAP_LOOKUP_BATCH;
	bool lad = nr == BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH;
	bool upd = nr == BPFMAP_MAP_UPDATE_BATCH;
	bool del = nr == BPFMAP_MAP_DELETE_BATCH;
	bool rd = lookup || lad, wr = !lookup, bad_tok = false;
	int sd = pick_sdef(t), serr, ferr, exp = 0, err;
	uint32_t vs, n, cap, kok, vok, kfill, vfill, i, tok_len, want, got;
	uint8_t *kdata, *vdata, *tok = NULL, *out_tok = NULL;
	uint64_t mask = 0, soft = 0, ef = 0;
	int keys[MAX_BATCH];
	uint32_t inner_ids[MAX_BATCH];

	/* elem_flags */
	if (upd)
		ef = pick_flags(t, m, true) &
		     ~(uint64_t)(BPFMAP_NOEXIST | BPFMAP_EXIST);
	else if (lookup)
		ef = pick_flags(t, m, false);
	if (chance(&t->r, 6))
		ef = junk_flags(t);
	if (lad && m->percpu && chance(&t->r, 5))
		ef = f_cpu(0);
	b.elem_flags = ef;
	if (chance(&t->r, 5))
		b.flags = 1ULL << below(&t->r, 64);
	if (chance(&t->r, 3))
		b.__reserved = 1 + below(&t->r, 100);
	b.map_fd = pick_fd(t, m, &ferr);

	vs = vsize(m, ef);
	cap = t->ar[AR_BVALS].len / (vs ? vs : 1);
	if (cap > t->ar[AR_BKEYS].len / m->key_size)
		cap = t->ar[AR_BKEYS].len / m->key_size;
	if (cap > MAX_BATCH)
		cap = MAX_BATCH;
	n = chance(&t->r, 5) ? 0 : 1 + below(&t->r, cap);
	if (rd && chance(&t->r, 30))
		n = cap;	/* room for a whole small map */
	b.count = n;

	b.keys = PTR(batch_buf(t, AR_BKEYS, n, m->key_size, &kok, &kdata,
			       &kfill));
	b.values = PTR(batch_buf(t, AR_BVALS, n, vs, &vok, &vdata, &vfill));
	for (i = 0; i < n; i++) {
		uint32_t k = below(&t->r, m->nkeys);

		if (m->array && !chance(&t->r, 10) && k >= m->max_entries)
			k %= m->max_entries;
		keys[i] = k;
		if (i < kfill)
			key_encode(m, k, kdata + (size_t)i * m->key_size);
		if (m->array && !in_range(m, k))
			keys[i] = -1;
	}
	fill_random(&t->r, vdata, (size_t)vfill * vs);
	if (upd && m->of_maps) {
		for (i = 0; i < n; i++) {
			int ierr;
			uint32_t fd = pick_inner(t, m, &ierr, &inner_ids[i]);

			if (i < vfill)
				memcpy(vdata + (size_t)i * 4, &fd, 4);
			/* keep the fd's expected error with the element */
			keys[i] = keys[i] < 0 ? -1 - (ierr << 8) :
				  keys[i] | (ierr << 8);
		}
	}
	if (rd) {
		memset(kdata, 0xa5, (size_t)kfill * m->key_size);
		memset(vdata, 0xa5, (size_t)vfill * vs);
	}

	/* tokens */
	tok_len = m->array ? m->key_size : 4;
	if (rd) {
		if (chance(&t->r, 40)) {
			b.in_batch = 0;
		} else if (m->tok_valid && chance(&t->r, 60)) {
			/* go on where the last call stopped */
			tok = edge(&t->ar[AR_TOK], tok_len);
			memcpy(tok, m->tok, 4);
			b.in_batch = PTR(tok);
		} else {
			tok = edge(&t->ar[AR_TOK], tok_len);
			if (m->array) {
				uint32_t idx = below(&t->r, m->max_entries + 2);

				memcpy(tok, &idx, 4);
			} else {
				uint32_t bk = below(&t->r,
					roundup_pow2(m->max_entries) + 2);

				memcpy(tok, &bk, 4);
			}
			b.in_batch = PTR(tok);
			if (chance(&t->r, 5)) {
				b.in_batch = chance(&t->r, 50) ? PTR(guard(
					&t->ar[AR_TOK])) : KERNEL_PTR;
				bad_tok = true;
			}
		}
		out_tok = edge(&t->ar[AR_TOK], tok_len) - t->ar[AR_TOK].len / 2;
		memset(out_tok, 0xa5, tok_len);
		b.out_batch = PTR(out_tok);
		if (chance(&t->r, 4))
			b.out_batch = chance(&t->r, 50) ? 0 :
				      PTR(g.rdonly);
	}

	what(t, "%s fd=%u count=%u elem_flags=%#llx flags=%#llx reserved=%u keys_ok=%u values_ok=%u in_batch=%#llx%s",
	     lookup ? "LOOKUP_BATCH" : lad ? "LOOKUP_AND_DELETE_BATCH" :
	     upd ? "UPDATE_BATCH" : "DELETE_BATCH", b.map_fd, n,
	     (unsigned long long)ef, (unsigned long long)b.flags,
	     b.__reserved, kok, vok, (unsigned long long)b.in_batch,
	     sdef_name(sd));
	err = run_cmd(t, nr, &b, sizeof(b), sd, &serr);
	got = b.count;

	STAGE(serr, serr);
	STAGE(b.__reserved, EINVAL);
	STAGE(ferr, ferr);
	STAGE((rd && !m->rd) || (wr && !m->wr), EPERM);
	STAGE(wr && m->priv && m->frozen, EPERM);
	if (!exp && wr && !m->priv)
		soft = B(EPERM);
	if (!exp && soft && err == EPERM) {
		set_frozen(t, m);	/* another thread froze it */
		return;
	}
	STAGE((lad || del) && m->array, ENOTSUPP);
	if (exp) {
		expect(t, m, err, B(exp) | soft);
		return;
	}

	if (upd || del) {
		STAGE(upd, flags_err(m, ef, BPFMAP_F_LOCK | BPFMAP_F_CPU |
				     BPFMAP_F_ALL_CPUS));
		STAGE(del && ef, EINVAL);
		if (exp || !n) {
			expect(t, m, err, (exp ? B(exp) : B(0)) | soft);
			if (err == EPERM && soft)
				set_frozen(t, m);
			return;
		}
		/* Element by element, as the kernel goes. */
		for (i = 0; i < n; i++) {
			int k = keys[i], ierr = 0;

			if (upd && m->of_maps) {
				ierr = (k < 0 ? -1 - k : k) >> 8;
				k = k < 0 ? -1 : k & 0xff;
			}
			if (i >= kok || (upd && i >= vok))
				mask = B(EFAULT);
			else if (upd)
				mask = update_type_mask(m, k, ef, ierr);
			else
				mask = lookup_mask(m, k);
			if (i < got) {
				if (!(mask & B(0))) {
					violation(t, m, NULL, 0, NULL, 0,
						  "element %u of %u done (count %u, result %s), but it must fail",
						  i, n, got, ename(err));
					model_resync(t, m);
					return;
				}
				if (upd)
					model_store(m, k, m->of_maps ?
						    (uint8_t *)&inner_ids[i] :
						    vdata + (size_t)i * vs, ef);
				else if (m->priv && k >= 0)
					m->st[k] = K_ABSENT;
				continue;
			}
			/* the element the batch stopped at */
			if (!expect(t, m, err, (mask & ~B(0)) | soft))
				model_resync(t, m);
			else if (del && err == ENOENT && m->priv && k >= 0)
				m->st[k] = K_ABSENT;
			else if (upd && err == ENOENT && m->priv && k >= 0 &&
				 !m->array)
				m->st[k] = K_ABSENT;
			if (err == EPERM && soft)
				set_frozen(t, m);
			return;
		}
		if (got != n || err)
			violation(t, m, NULL, 0, NULL, 0,
				  "all %u elements valid, but count %u and result %s",
				  n, got, ename(err));
		return;
	}

	/* LOOKUP_BATCH, LOOKUP_AND_DELETE_BATCH */
	if (m->array) {
		uint32_t start = 0, idx;

		STAGE(1, flags_err(m, ef, BPFMAP_F_LOCK | BPFMAP_F_CPU));
		if (!exp && !n) {
			expect(t, m, err, B(0));
			return;
		}
		STAGE(bad_tok, EFAULT);
		if (exp) {
			expect(t, m, err, B(exp));
			return;
		}
		if (tok) {
			memcpy(&idx, tok, 4);
			start = idx >= m->max_entries ? 0 : idx + 1;
		}
		if (m->type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS) {
			mask = B(0) | B(ENOENT) | B(EFAULT);
		} else {
			want = m->max_entries - start;
			if (want > n)
				want = n;
			mask = want == n ? B(0) : B(ENOENT);
			if (want && (kok < want || vok < want ||
				     !b.out_batch ||
				     b.out_batch == PTR(g.rdonly)))
				mask = B(EFAULT);
		}
		if (!expect(t, m, err, mask) || err == EFAULT)
			return;
		m->tok_valid = !err && got && b.out_batch == PTR(out_tok);
		if (m->tok_valid)
			memcpy(m->tok, out_tok, 4);
		if (got > n) {
			violation(t, m, NULL, 0, NULL, 0,
				  "count %u > %u", got, n);
			return;
		}
		for (i = 0; i < got; i++) {
			memcpy(&idx, kdata + (size_t)i * 4, 4);
			if (m->type != BPFMAP_MAP_TYPE_ARRAY_OF_MAPS &&
			    idx != start + i) {
				violation(t, m, kdata, (size_t)got * 4, NULL, 0,
					  "LOOKUP_BATCH: key %u is index %u, want %u",
					  i, idx, start + i);
				return;
			}
			if (idx < m->nkeys)
				model_check(t, m, idx, vdata + (size_t)i * vs,
					    ef, "LOOKUP_BATCH");
		}
		return;
	}

	/* the hash types: a bucket walk */
	STAGE(1, flags_err(m, ef, BPFMAP_F_LOCK |
			   (lookup && m->percpu ? BPFMAP_F_CPU : 0)));
	STAGE(b.flags, EINVAL);
	if (!exp && !n) {
		expect(t, m, err, B(0) | soft);
		return;
	}
	STAGE(bad_tok, EFAULT);
	if (exp) {
		expect(t, m, err, B(exp) | soft);
		return;
	}
	mask = B(0) | B(ENOENT) | B(ENOSPC) | soft;
	if (kok < n || vok < n || !b.out_batch ||
	    b.out_batch == PTR(g.rdonly))
		mask |= B(EFAULT);
	if (m->priv && !m->lru && !tok && n >= m->max_entries &&
	    kok == n && vok == n && !(mask & B(EFAULT)))
		mask = B(ENOENT);	/* all of it fits: one call to the end */
	if (!expect(t, m, err, mask)) {
		if (lad)
			model_resync(t, m);
		return;
	}
	if (err == EPERM && soft)
		set_frozen(t, m);
	if (err == EFAULT) {
		if (lad)
			model_resync(t, m);
		return;
	}
	/*
	 * An armed failure may stop a walk after it copied (and deleted)
	 * some elements: count says how many, as for ENOSPC.
	 */
	if (err && err != ENOENT && err != ENOSPC &&
	    !(err == ENOMEM && t->faulting))
		return;
	m->tok_valid = (!err || err == ENOSPC) && b.out_batch == PTR(out_tok);
	if (m->tok_valid)
		memcpy(m->tok, out_tok, 4);
	if (got > n || (err == ENOSPC && got) || (!err && !got)) {
		violation(t, m, NULL, 0, NULL, 0,
			  "count %u for capacity %u with result %s", got, n,
			  ename(err));
		return;
	}
	{
		uint8_t seen[MAX_KEYS] = { 0 };

		for (i = 0; i < got; i++) {
			const uint8_t *key = kdata + (size_t)i * m->key_size;
			const uint8_t *val = vdata + (size_t)i * vs;
			int k;

			if (m->percpu && !(ef & BPFMAP_F_CPU))
				check_padding(t, m, val, lad ?
					      "LOOKUP_AND_DELETE_BATCH" :
					      "LOOKUP_BATCH");
			if (!m->priv)
				continue;
			k = key_decode(m, key);
			if (k < 0 || seen[k]) {
				violation(t, m, key, m->key_size, NULL, 0,
					  "batch element %u: key#%d unknown or returned twice",
					  i, k);
				return;
			}
			seen[k] = 1;
			model_check(t, m, k, val, ef, lad ?
				    "LOOKUP_AND_DELETE_BATCH" : "LOOKUP_BATCH");
			if (lad)
				m->st[k] = K_ABSENT;
		}
		if (m->priv && !tok && err == ENOENT) {
			/* one call from the start to the end: all of it */
			for (i = 0; i < m->nkeys; i++) {
				if (m->st[i] == K_ABSENT || seen[i] ||
				    (lad && seen[i]))
					continue;
				if (m->lru) {
					m->st[i] = K_ABSENT;
					continue;
				}
				violation(t, m, NULL, 0, NULL, 0,
					  "batch from the start to the end missed key#%u",
					  i);
			}
		}
	}
}

/* ---- mmap of BPFMAP_F_MMAPABLE arrays ---- */

static size_t mm_area(const struct fmap *m)
{
	size_t len = (size_t)m->max_entries * ROUND8(m->value_size);

	return (len + g.page - 1) & ~(g.page - 1);
}

/*
 * munmap() of a mapping of @m: 0 or the errno (a violation).  An armed
 * allocation failure can fail munmap() itself (the VMA tree allocates);
 * it fires once, so the second try unmaps.  A mapping left in place would
 * keep the map alive past its close, and a writable one its writer count
 * up, and later results would be misjudged.
 */
static int fuzz_munmap(struct fthread *t, const struct fmap *m, void *p,
		       size_t len)
{
	int err = munmap(p, len) ? errno : 0;

	fault_note(t);
	if (err && fault_enomem(t, err))
		err = munmap(p, len) ? errno : 0;
	if (err)
		violation(t, m, NULL, 0, NULL, 0, "munmap: %s", strerror(err));
	return err;
}

static void mm_unmap(struct fthread *t, struct fmap *m)
{
	if (!m->mm)
		return;
	count_result(t, FUZZ_SLOT_MMAP, fuzz_munmap(t, m, m->mm, m->mm_len));
	m->mm = NULL;
}

static void op_mmap(struct fthread *t, struct fmap *m)
{
	size_t area = m->type == BPFMAP_MAP_TYPE_ARRAY ? mm_area(m) : g.page;
	size_t len = area, off = 0;
	int prot = PROT_READ, flags = MAP_SHARED, exp = 0, err;
	uint64_t mask, soft;
	bool wr;
	void *p;

	if (chance(&t->r, 60))
		prot |= PROT_WRITE;
	if (chance(&t->r, 8))
		flags = MAP_PRIVATE;
	switch (below(&t->r, 12)) {
	case 0:
		len = area + g.page;
		break;
	case 1:
		len = 0;
		break;
	case 2:
		off = g.page * (1 + below(&t->r, 2));
		len = g.page;
		break;
	case 3:
		off = 1 + below(&t->r, g.page - 1);
		break;
	}
	wr = (prot & PROT_WRITE) && flags == MAP_SHARED;
	what(t, "mmap fd=%d len=%zu off=%zu prot=%d %s", m->fd, len, off,
	     prot, flags == MAP_SHARED ? "MAP_SHARED" : "MAP_PRIVATE");
	p = mmap(NULL, len, prot, flags, m->fd, off);
	err = p == MAP_FAILED ? errno : 0;
	fault_note(t);
	count_result(t, FUZZ_SLOT_MMAP, err);

	STAGE(!len || (off & (g.page - 1)), EINVAL);
	STAGE(wr && !m->wr, EACCES);
	STAGE(!m->rd, EACCES);
	STAGE(m->type != BPFMAP_MAP_TYPE_ARRAY, ENOTSUPP);
	/* MAP_SHARED of a read-only fd loses VM_SHARED in do_mmap() */
	STAGE(flags != MAP_SHARED || !m->wr, EINVAL);
	STAGE(wr && m->priv && m->frozen, EPERM);
	/* another thread may have frozen a shared map */
	soft = !exp && wr && !m->priv ? B(EPERM) : 0;
	STAGE(wr && (m->flags & BPFMAP_F_RDONLY_PROG), EACCES);
	STAGE(!(m->flags & BPFMAP_F_MMAPABLE), EINVAL);
	STAGE(off + len > area, EINVAL);
	mask = (exp ? B(exp) : B(0)) | soft;
	if (!expect(t, m, err, mask)) {
		if (!err)
			fuzz_munmap(t, m, p, len);
		return;
	}
	if (err)
		return;
	/* The mapping shows the values. */
	if (m->priv && !off) {
		uint32_t i, stride = ROUND8(m->value_size);

		for (i = 0; i < m->max_entries && i < m->nkeys &&
		     (size_t)(i + 1) * stride <= len; i++) {
			t->t.checked_values++;
			if (memcmp((uint8_t *)p + (size_t)i * stride,
				   mval(m, i), m->value_size))
				violation(t, m, (uint8_t *)p + (size_t)i * stride,
					  m->value_size, mval(m, i),
					  m->value_size,
					  "mmap: index %u differs from the model",
					  i);
		}
	}
	if (m->mm || off || len != area) {
		count_result(t, FUZZ_SLOT_MMAP, fuzz_munmap(t, m, p, len));
		return;
	}
	m->mm = p;
	m->mm_len = len;
	m->mm_wr = wr;
}

/* Read or write an element through the mapping. */
static void op_mm_access(struct fthread *t, struct fmap *m)
{
	uint32_t stride = ROUND8(m->value_size);
	uint32_t n = m->mm_len / stride, i;
	uint8_t *slot;

	if (n > m->max_entries)
		n = m->max_entries;
	if (!n)
		return;
	i = below(&t->r, n);
	slot = m->mm + (size_t)i * stride;
	if (m->mm_wr && chance(&t->r, 50)) {
		what(t, "mmap write index %u", i);
		/* the padding too: lookups must not return it */
		fill_random(&t->r, slot, stride);
		if (m->priv && i < m->nkeys)
			memcpy(mval(m, i), slot, m->value_size);
		return;
	}
	what(t, "mmap read index %u", i);
	if (m->priv && i < m->nkeys) {
		t->t.checked_values++;
		if (memcmp(slot, mval(m, i), m->value_size))
			violation(t, m, slot, m->value_size, mval(m, i),
				  m->value_size,
				  "mmap read: index %u differs from the model",
				  i);
	}
}

/* ---- map lifetime ---- */

static void fmap_close(struct fthread *t, struct fmap *m)
{
	if (m->fd < 0)
		return;
	mm_unmap(t, m);
	close(m->fd);
	count_result(t, FUZZ_SLOT_CLOSE, 0);
	free(m->vals);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

static void publish(uint32_t id)
{
	pthread_mutex_lock(&g.lock);
	g.shared_ids[g.nr_shared++ % NR_SHARED] = id;
	pthread_mutex_unlock(&g.lock);
}

static uint32_t shared_id(struct fthread *t)
{
	uint32_t id = 0, n;

	pthread_mutex_lock(&g.lock);
	n = g.nr_shared < NR_SHARED ? g.nr_shared : NR_SHARED;
	if (n)
		id = g.shared_ids[below(&t->r, n)];
	pthread_mutex_unlock(&g.lock);
	return id;
}

static int get_info(struct fthread *t, int fd, struct bpfmap_map_info *info)
{
	struct bpfmap_map_info *p = edge(&t->ar[AR_CMD], sizeof(*p));
	int rc;

	memset(p, 0, sizeof(*p));
	p->size = sizeof(*p);
	p->map_fd = fd;
	rc = xioctl(t, BPFMAP_IOCTL_OBJ_GET_INFO_BY_FD, p);
	memcpy(info, p, sizeof(*info));
	return -rc;
}

/* The info of @m must match what we know of it. */
static void check_info(struct fthread *t, const struct fmap *m,
		       const struct bpfmap_map_info *i)
{
	if (!m->priv && m->frozen && !i->out_frozen) {
		/*
		 * A map is frozen for good: once a write failed with EPERM
		 * on a writable fd, or GET_INFO said frozen, it stays so.
		 */
		violation(t, m, i, sizeof(*i), NULL, 0,
			  "GET_INFO_BY_FD: frozen is 0, but this thread saw the map frozen before, at op %s",
			  m->frozen_why);
		return;
	}
	if (i->out_type != m->type || i->out_id != m->id ||
	    i->out_key_size != m->key_size ||
	    i->out_value_size != m->value_size ||
	    i->out_max_entries != m->max_entries ||
	    i->out_map_flags != m->flags ||
	    (m->priv && i->out_frozen != m->frozen) ||
	    strncmp(i->out_name, m->name, BPFMAP_OBJ_NAME_LEN))
		violation(t, m, i, sizeof(*i), NULL, 0,
			  "GET_INFO_BY_FD: type %u id %u key %u value %u max %u flags %#x frozen %u name '%.16s'",
			  i->out_type, i->out_id, i->out_key_size,
			  i->out_value_size, i->out_max_entries,
			  i->out_map_flags, i->out_frozen, i->out_name);
}

/* Set up slot @m for a new fd of a map with @info. */
static int fmap_init(struct fmap *m, int fd, const struct bpfmap_map_info *i,
		     bool priv, int mode)
{
	uint32_t k;

	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->id = i->out_id;
	m->type = i->out_type;
	m->key_size = i->out_key_size;
	m->value_size = i->out_value_size;
	m->max_entries = i->out_max_entries;
	m->flags = i->out_map_flags;
	m->frozen = i->out_frozen;
	if (m->frozen)
		snprintf(m->frozen_why, sizeof(m->frozen_why),
			 "GET_INFO_BY_FD when the fd was opened");
	memcpy(m->name, i->out_name, sizeof(m->name));
	m->rd = mode != O_WRONLY;
	m->wr = mode != O_RDONLY;
	m->priv = priv;
	m->percpu = type_percpu(m->type);
	m->lru = type_lru(m->type);
	m->array = type_array(m->type);
	m->of_maps = type_of_maps(m->type);
	m->slot = ROUND8(m->value_size);
	m->ubuf = vsize(m, 0);
	if (m->array)
		m->nkeys = m->max_entries + 2;
	else
		m->nkeys = m->max_entries * 2 + 2;
	if (m->nkeys > MAX_KEYS)
		m->nkeys = MAX_KEYS;
	m->vals = calloc(m->nkeys, m->ubuf);
	if (!m->vals)
		return -ENOMEM;
	if (m->array && !m->of_maps)
		for (k = 0; k < m->nkeys; k++)
			m->st[k] = K_PRESENT;
	return 0;
}

static const uint32_t value_sizes[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 20, 24, 31, 32, 33, 40,
	63, 64, 100, 128, 255, 256, 300, 512, 1000,
};
static const uint32_t key_sizes[] = {
	1, 2, 3, 4, 5, 7, 8, 12, 13, 16, 20, 32, 64, 100, 300,
};

static char name_char(struct rng *r)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";

	return ok[below(r, sizeof(ok) - 1)];
}

/* The template of a map-of-maps to be created: one of our maps. */
static struct fmap *pick_template(struct fthread *t)
{
	unsigned int i, start = below(&t->r, MAX_MAPS);

	for (i = 0; i < MAX_MAPS; i++) {
		struct fmap *x = &t->maps[(start + i) % MAX_MAPS];

		if (x->fd >= 0 && !x->of_maps)
			return x;
	}
	return NULL;
}

/* The errno MAP_CREATE must give for @c (0: none), in the kernel's order. */
static int create_err(const struct bpfmap_map_create *c, int inner_err)
{
	uint32_t type = c->map_type, f = c->map_flags;
	bool percpu = type_percpu(type), lru = type_lru(type);
	uint64_t entries = c->max_entries;
	int exp = 0;
	const char *n;

	STAGE(c->__reserved, EINVAL);
	STAGE(c->map_extra, EINVAL);
	STAGE((f & BPFMAP_F_RDONLY) && (f & BPFMAP_F_WRONLY), EINVAL);
	STAGE((f & BPFMAP_F_NUMA_NODE) && c->numa_node != 0, EINVAL);
	STAGE(!type_valid(type), EINVAL);
	if (exp)
		return exp;
	if (type_array(type)) {
		STAGE(type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS &&
		      (c->value_size != 4 ||
		       (f & (BPFMAP_F_RDONLY_PROG | BPFMAP_F_WRONLY_PROG))),
		      EINVAL);
		STAGE(!c->max_entries || c->key_size != 4 || !c->value_size,
		      EINVAL);
		STAGE(f & ~ARRAY_FLAGS, EINVAL);
		STAGE((f & BPFMAP_F_RDONLY_PROG) && (f & BPFMAP_F_WRONLY_PROG),
		      EINVAL);
		STAGE(percpu && (f & BPFMAP_F_NUMA_NODE), EINVAL);
		STAGE((f & (BPFMAP_F_INNER_MAP | BPFMAP_F_MMAPABLE)) &&
		      type != BPFMAP_MAP_TYPE_ARRAY, EINVAL);
		STAGE(c->value_size > INT32_MAX, E2BIG);
		STAGE(percpu && ROUND8(c->value_size) > PCPU_MAX_VALUE, E2BIG);
	} else {
		STAGE(type == BPFMAP_MAP_TYPE_HASH_OF_MAPS &&
		      c->value_size != 4, EINVAL);
		STAGE((f & ~HTAB_FLAGS) ||
		      ((f & BPFMAP_F_RDONLY_PROG) &&
		       (f & BPFMAP_F_WRONLY_PROG)), EINVAL);
		STAGE(!lru && (f & BPFMAP_F_NO_COMMON_LRU), EINVAL);
		STAGE(lru && (f & BPFMAP_F_NO_PREALLOC), ENOTSUPP);
		STAGE((f & BPFMAP_F_NUMA_NODE) &&
		      (percpu || (f & BPFMAP_F_NO_COMMON_LRU)), EINVAL);
		STAGE(!c->max_entries || !c->key_size || !c->value_size,
		      EINVAL);
		STAGE((uint64_t)c->key_size + c->value_size >=
		      KMALLOC_MAX - HTAB_ELEM_HDR, E2BIG);
		STAGE(percpu && ROUND8(c->value_size) > PCPU_MAX_VALUE, E2BIG);
		if (lru && (f & BPFMAP_F_NO_COMMON_LRU)) {
			entries = (entries + g.ncpus - 1) / g.ncpus * g.ncpus;
			if (entries > UINT32_MAX)
				entries = c->max_entries / g.ncpus * g.ncpus;
		}
		STAGE(!entries || entries > (1ULL << 31), E2BIG);
	}
	if (exp)
		return exp;
	for (n = c->map_name; n < c->map_name + BPFMAP_OBJ_NAME_LEN && *n;
	     n++) {
		unsigned char ch = *n;

		/* the kernel's isalnum() knows the Latin-1 letters */
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		      (ch >= 0xc0 && ch != 0xd7 && ch != 0xf7)))
			return EINVAL;
	}
	if (n == c->map_name + BPFMAP_OBJ_NAME_LEN)
		return EINVAL;
	if (type_of_maps(type))
		return inner_err;
	return 0;
}

static void op_create(struct fthread *t)
{
	struct bpfmap_map_create c = { .size = sizeof(c) };
	static const uint32_t types[] = {
		BPFMAP_MAP_TYPE_HASH, BPFMAP_MAP_TYPE_ARRAY,
		BPFMAP_MAP_TYPE_PERCPU_HASH, BPFMAP_MAP_TYPE_PERCPU_ARRAY,
		BPFMAP_MAP_TYPE_LRU_HASH, BPFMAP_MAP_TYPE_LRU_PERCPU_HASH,
		BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, BPFMAP_MAP_TYPE_HASH_OF_MAPS,
	};
	struct bpfmap_map_info info;
	struct fmap *m = NULL, *tmpl = NULL;
	int sd = pick_sdef(t), serr, exp, err, rc, ierr = 0, mode;
	bool priv = chance(&t->r, 55);
	uint32_t type, vs, i, len, max_vs;
	unsigned int s;

	for (s = 0; s < MAX_MAPS && !m; s++)
		if (t->maps[s].fd < 0)
			m = &t->maps[s];
	if (!m) {
		m = &t->maps[below(&t->r, MAX_MAPS)];
		fmap_close(t, m);
	}

	type = types[below(&t->r, ARRAY_SIZE(types))];
	if (chance(&t->r, 3))
		type = chance(&t->r, 50) ? below(&t->r, 20) : (uint32_t)rnd(&t->r);
	c.map_type = type;
	max_vs = type_percpu(type) ? (uint32_t)(t->ar[AR_VAL].len / 8 /
						 g.ncpus) : 4096;
	do {
		vs = value_sizes[below(&t->r, ARRAY_SIZE(value_sizes))];
	} while (ROUND8(vs) > max_vs);
	if (!type_percpu(type) && chance(&t->r, 2))
		vs = 4096;
	c.value_size = type_of_maps(type) ? 4 : vs;
	c.key_size = type_array(type) ? 4 :
		     key_sizes[below(&t->r, ARRAY_SIZE(key_sizes))];
	c.max_entries = 1 + below(&t->r, priv ? (type_array(type) ? 48 : 40) :
				  chance(&t->r, 50) ? 8 : 200);

	if (type_percpu(type) || type == BPFMAP_MAP_TYPE_HASH ||
	    type == BPFMAP_MAP_TYPE_HASH_OF_MAPS) {
		if (!type_lru(type) && chance(&t->r, 30))
			c.map_flags |= BPFMAP_F_NO_PREALLOC;
	}
	if (type_lru(type) && chance(&t->r, 30))
		c.map_flags |= BPFMAP_F_NO_COMMON_LRU;
	if (!type_array(type) && chance(&t->r, 10))
		c.map_flags |= BPFMAP_F_ZERO_SEED;
	if (type_percpu(type) && type_array(type))
		c.map_flags &= ~BPFMAP_F_NO_PREALLOC;
	if (type == BPFMAP_MAP_TYPE_ARRAY && chance(&t->r, 35))
		c.map_flags |= BPFMAP_F_MMAPABLE;
	if (type == BPFMAP_MAP_TYPE_ARRAY && chance(&t->r, 15))
		c.map_flags |= BPFMAP_F_INNER_MAP;
	if (!type_of_maps(type) && chance(&t->r, 10))
		c.map_flags |= chance(&t->r, 50) ? BPFMAP_F_RDONLY_PROG :
			       BPFMAP_F_WRONLY_PROG;
	if (!type_percpu(type) && !(c.map_flags & BPFMAP_F_NO_COMMON_LRU) &&
	    chance(&t->r, 5))
		c.map_flags |= BPFMAP_F_NUMA_NODE;	/* node 0 */
	mode = O_RDWR;
	if (chance(&t->r, 6)) {
		c.map_flags |= BPFMAP_F_RDONLY;
		mode = O_RDONLY;
	} else if (chance(&t->r, 6)) {
		c.map_flags |= BPFMAP_F_WRONLY;
		mode = O_WRONLY;
	}
	len = below(&t->r, BPFMAP_OBJ_NAME_LEN);
	for (i = 0; i < len; i++)
		c.map_name[i] = name_char(&t->r);

	if (type_of_maps(type)) {
		tmpl = pick_template(t);
		if (!tmpl || chance(&t->r, 5)) {
			switch (below(&t->r, 3)) {
			case 0:
				c.inner_map_fd = BAD_FD;
				ierr = EBADF;
				break;
			case 1:
				c.inner_map_fd = g.null_fd;
				ierr = EINVAL;
				break;
			default:
				c.inner_map_fd = t->dev;
				ierr = EINVAL;
				break;
			}
			tmpl = NULL;
		} else {
			c.inner_map_fd = tmpl->fd;
		}
	}

	/* Now and then one thing wrong. */
	if (chance(&t->r, 15)) {
		switch (below(&t->r, 14)) {
		case 0:
			c.__reserved = 1;
			break;
		case 1:
			c.map_extra = 1ULL << below(&t->r, 64);
			break;
		case 2:
			c.map_flags |= BPFMAP_F_RDONLY | BPFMAP_F_WRONLY;
			break;
		case 3:
			c.map_flags |= BPFMAP_F_NUMA_NODE;
			c.numa_node = 1000 + below(&t->r, 1000);
			break;
		case 4:
			c.key_size = 0;
			break;
		case 5:
			c.value_size = 0;
			break;
		case 6:
			c.max_entries = 0;
			break;
		case 7:
			c.key_size = 1 + below(&t->r, 16);
			break;
		case 8:
			c.map_flags |= 1U << (below(&t->r, 2) ? 5 :
					      9 + 2 * below(&t->r, 2) +
					      below(&t->r, 20));
			break;
		case 9:
			c.map_flags |= BPFMAP_F_NO_COMMON_LRU |
				       (chance(&t->r, 50) ?
					BPFMAP_F_NO_PREALLOC : 0);
			break;
		case 10:
			c.map_flags |= BPFMAP_F_RDONLY_PROG |
				       BPFMAP_F_WRONLY_PROG;
			break;
		case 11:
			c.value_size = chance(&t->r, 50) ? PCPU_MAX_VALUE + 1 +
				below(&t->r, 64) : (uint32_t)KMALLOC_MAX;
			break;
		case 12:
			c.max_entries = (1U << 31) + 1 + below(&t->r, 100);
			c.map_flags |= BPFMAP_F_NO_PREALLOC;
			if (type_array(type))
				c.key_size = 0;	/* keep it from allocating */
			break;
		default:
			c.map_name[below(&t->r, BPFMAP_OBJ_NAME_LEN)] =
				"-\xc3\xd7 /"[below(&t->r, 5)];
			if (chance(&t->r, 30))
				memset(c.map_name, 'a', BPFMAP_OBJ_NAME_LEN);
			break;
		}
	}
	if (c.value_size > 4096 && !type_percpu(type) && !type_array(type) &&
	    (uint64_t)c.key_size + c.value_size < KMALLOC_MAX - HTAB_ELEM_HDR)
		c.value_size = 4096;	/* stay away from big allocations */
	if (type_array(type) && c.value_size > 4096 &&
	    !(type_percpu(type) && ROUND8(c.value_size) > PCPU_MAX_VALUE))
		c.value_size = 0;

	what(t, "MAP_CREATE type=%u key=%u value=%u max=%u flags=%#x inner_fd=%u numa=%u extra=%#llx reserved=%u name='%.16s'%s",
	     c.map_type, c.key_size, c.value_size, c.max_entries, c.map_flags,
	     c.inner_map_fd, c.numa_node, (unsigned long long)c.map_extra,
	     c.__reserved, c.map_name, sdef_name(sd));
	{
		uint8_t *p = place_cmd(t, &c, sizeof(c), sd, &serr);

		rc = xioctl(t, BPFMAP_IOCTL_MAP_CREATE, p);
		if (!serr && p)
			memcpy(&c, p, sizeof(c));
	}
	err = rc < 0 ? -rc : 0;
	exp = serr ? serr : create_err(&c, ierr);
	if (!expect(t, NULL, err, exp ? B(exp) : B(0) | B(ENOMEM))) {
		if (rc > 0)
			close(rc);
		return;
	}
	if (rc < 0)
		return;
	if (rc == 0) {
		violation(t, NULL, NULL, 0, NULL, 0,
			  "MAP_CREATE returned fd 0");
		return;
	}
	if (get_info(t, rc, &info)) {
		violation(t, NULL, NULL, 0, NULL, 0,
			  "GET_INFO_BY_FD on a new map failed");
		close(rc);
		return;
	}
	if (fmap_init(m, rc, &info, priv, mode)) {
		close(rc);
		m->fd = -1;
		return;
	}
	memcpy(m->name, c.map_name, sizeof(m->name));
	if (tmpl) {
		m->inner.type = tmpl->type;
		m->inner.key_size = tmpl->key_size;
		m->inner.value_size = tmpl->value_size;
		m->inner.max_entries = tmpl->max_entries;
		m->inner.flags = tmpl->flags;
	}
	{
		struct fmap want = *m;
		uint64_t entries = c.max_entries;

		if (type_lru(type) && (c.map_flags & BPFMAP_F_NO_COMMON_LRU))
			entries = (entries + g.ncpus - 1) / g.ncpus * g.ncpus;
		want.type = c.map_type;
		want.key_size = c.key_size;
		want.value_size = c.value_size;
		want.max_entries = entries;
		want.flags = c.map_flags &
			     ~(BPFMAP_F_RDONLY | BPFMAP_F_WRONLY);
		want.id = c.out_map_id;
		want.frozen = false;
		check_info(t, &want, &info);
	}
	if (!priv)
		publish(m->id);
}

/*
 * Close a map.  When it was private and no map of maps can hold it, that
 * was its last reference: its id must be gone at once (a reference leak
 * keeps it).
 */
static void op_close(struct fthread *t, struct fmap *m)
{
	struct bpfmap_get_fd_by_id *c;
	bool last = m->priv && !m->in_outer;
	uint32_t id = m->id;
	int rc;

	what(t, "close fd=%d%s", m->fd, last ? " (its last reference)" : "");
	fmap_close(t, m);
	if (!last)
		return;
	what(t, "MAP_GET_FD_BY_ID id=%u after the last close", id);
	c = edge(&t->ar[AR_CMD], sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->map_id = id;
	rc = xioctl(t, BPFMAP_IOCTL_MAP_GET_FD_BY_ID, c);
	if (rc > 0)
		close(rc);
	if (rc != -ENOENT)
		violation(t, NULL, NULL, 0, NULL, 0,
			  "map id %u: GET_FD_BY_ID gave %s after the map's only fd was closed (a reference leak?)",
			  id, rc >= 0 ? "an fd" : ename(-rc));
}

static void op_get_fd_by_id(struct fthread *t)
{
	struct bpfmap_get_fd_by_id c = { .size = sizeof(c) };
	struct bpfmap_map_info info;
	int sd = pick_sdef(t), serr, exp = 0, err, rc, mode;
	uint64_t mask;
	unsigned int s;
	struct fmap *m = NULL;
	uint8_t *p;

	c.map_id = shared_id(t);
	if (!c.map_id || chance(&t->r, 10))
		c.map_id = chance(&t->r, 50) ? 0 : INT32_MAX + below(&t->r, 4);
	switch (below(&t->r, 10)) {
	case 0:
		c.open_flags = BPFMAP_F_RDONLY;
		break;
	case 1:
		c.open_flags = BPFMAP_F_WRONLY;
		break;
	case 2:
		c.open_flags = BPFMAP_F_RDONLY | BPFMAP_F_WRONLY;
		break;
	case 3:
		c.open_flags = 1U << below(&t->r, 32);
		break;
	}
	if (chance(&t->r, 3))
		c.__reserved = 1;
	mode = c.open_flags == BPFMAP_F_RDONLY ? O_RDONLY :
	       c.open_flags == BPFMAP_F_WRONLY ? O_WRONLY : O_RDWR;
	what(t, "MAP_GET_FD_BY_ID id=%u open_flags=%#x reserved=%u%s",
	     c.map_id, c.open_flags, c.__reserved, sdef_name(sd));
	p = place_cmd(t, &c, sizeof(c), sd, &serr);
	rc = xioctl(t, BPFMAP_IOCTL_MAP_GET_FD_BY_ID, p);
	err = rc < 0 ? -rc : 0;

	STAGE(serr, serr);
	STAGE(c.__reserved ||
	      (c.open_flags & ~(BPFMAP_F_RDONLY | BPFMAP_F_WRONLY)), EINVAL);
	STAGE(c.open_flags == (BPFMAP_F_RDONLY | BPFMAP_F_WRONLY), EINVAL);
	STAGE(!c.map_id || c.map_id >= INT32_MAX, ENOENT);
	mask = exp ? B(exp) : B(0) | B(ENOENT);
	if (!expect(t, NULL, err, mask) || rc <= 0) {
		if (rc > 0)
			close(rc);
		return;
	}
	if (get_info(t, rc, &info) || info.out_id != c.map_id) {
		violation(t, NULL, &info, sizeof(info), NULL, 0,
			  "GET_INFO_BY_FD on an fd of map id %u", c.map_id);
		close(rc);
		return;
	}
	for (s = 0; s < MAX_MAPS && !m; s++)
		if (t->maps[s].fd < 0)
			m = &t->maps[s];
	/* Maps of maps opened by id: their template is not known here. */
	if (!m || type_of_maps(info.out_type) ||
	    fmap_init(m, rc, &info, false, mode)) {
		close(rc);
		if (m)
			m->fd = -1;
		return;
	}
}

static void op_get_next_id(struct fthread *t)
{
	struct bpfmap_get_next_id c = { .size = sizeof(c) };
	int sd = pick_sdef(t), serr, exp = 0, err;
	bool have = false;
	unsigned int s;
	uint64_t mask;

	for (s = 0; s < MAX_MAPS; s++)
		have |= t->maps[s].fd >= 0;
	switch (below(&t->r, 4)) {
	case 0:
		c.start_id = 0;
		break;
	case 1:
		c.start_id = shared_id(t);
		break;
	case 2:
		c.start_id = INT32_MAX + below(&t->r, 3);
		break;
	default:
		c.start_id = below(&t->r, 100000);
		break;
	}
	if (chance(&t->r, 3))
		c.__reserved = 7;
	what(t, "MAP_GET_NEXT_ID start=%u reserved=%u%s", c.start_id,
	     c.__reserved, sdef_name(sd));
	err = run_cmd(t, BPFMAP_MAP_GET_NEXT_ID, &c, sizeof(c), sd, &serr);

	STAGE(serr, serr);
	STAGE(c.__reserved, EINVAL);
	STAGE(c.start_id >= INT32_MAX, ENOENT);
	if (exp)
		mask = B(exp);
	else if (!c.start_id && have)
		mask = B(0);	/* we hold a map: there is an id */
	else
		mask = B(0) | B(ENOENT);
	if (!expect(t, NULL, err, mask) || err)
		return;
	if (c.out_next_id <= c.start_id || c.out_next_id >= INT32_MAX)
		violation(t, NULL, &c, sizeof(c), NULL, 0,
			  "MAP_GET_NEXT_ID: %u after %u", c.out_next_id,
			  c.start_id);
}

static void op_get_info(struct fthread *t, struct fmap *m)
{
	struct bpfmap_map_info c = { .size = sizeof(c) };
	int sd = pick_sdef(t), serr, ferr, exp = 0, err;

	c.map_fd = pick_fd(t, m, &ferr);
	if (chance(&t->r, 3))
		c.__reserved = 1;
	what(t, "OBJ_GET_INFO_BY_FD fd=%u reserved=%u%s", c.map_fd,
	     c.__reserved, sdef_name(sd));
	err = run_cmd(t, BPFMAP_OBJ_GET_INFO_BY_FD, &c, sizeof(c), sd, &serr);

	STAGE(serr, serr);
	STAGE(c.__reserved, EINVAL);
	STAGE(ferr, ferr);
	if (!expect(t, m, err, exp ? B(exp) : B(0)) || err)
		return;
	check_info(t, m, &c);
	if (!m->priv && c.out_frozen)
		set_frozen(t, m);
	else if (!m->priv)
		m->frozen = false;
}

/* Ioctl numbers that are no command: ENOTTY, whatever the argument. */
static void op_chaos(struct fthread *t, struct fmap *m)
{
	static const uint8_t valid[] = { 0, 1, 2, 3, 4, 6, 7, 12, 14, 15,
					 21, 22, 24, 25, 26, 27 };
	struct bpfmap_elem e = { .size = sizeof(e) };
	unsigned long num;
	unsigned int nr, i;
	int rc, fd = t->dev;
	bool is_valid = false;

	switch (below(&t->r, 4)) {
	case 0:
		nr = below(&t->r, 256);
		for (i = 0; i < sizeof(valid); i++)
			is_valid |= nr == valid[i];
		if (is_valid)
			nr = 8 + below(&t->r, 4);	/* 8..11: none */
		num = _IO(BPFMAP_IOCTL_TYPE, nr);
		break;
	case 1:
		num = _IOWR(BPFMAP_IOCTL_TYPE, valid[below(&t->r, sizeof(valid))],
			    struct bpfmap_elem);
		break;
	case 2:
		num = _IO(BPFMAP_IOCTL_TYPE + 1 + below(&t->r, 10),
			  valid[below(&t->r, sizeof(valid))]);
		break;
	default:
		/* a map fd has no ioctls */
		if (!m)
			return;
		fd = m->fd;
		num = BPFMAP_IOCTL_MAP_LOOKUP_ELEM;
		break;
	}
	e.map_fd = m ? m->fd : BAD_FD;
	memcpy(edge(&t->ar[AR_CMD], sizeof(e)), &e, sizeof(e));
	what(t, "ioctl fd=%d num=%#lx (no such command)", fd, num);
	rc = ioctl(fd, num, edge(&t->ar[AR_CMD], sizeof(e)));
	if (rc < 0)
		rc = -errno;
	fault_note(t);
	t->t.ioctls++;
	count_result(t, FUZZ_SLOT_OTHER, rc < 0 ? -rc : 0);
	expect(t, NULL, rc < 0 ? -rc : 0, B(ENOTTY));
}

/* ---- the threads ---- */

/* One of our BPFMAP_F_MMAPABLE maps without a mapping, or @m. */
static struct fmap *mmapable_map(struct fthread *t, struct fmap *m)
{
	unsigned int i, start = below(&t->r, MAX_MAPS);

	for (i = 0; i < MAX_MAPS; i++) {
		struct fmap *x = &t->maps[(start + i) % MAX_MAPS];

		if (x->fd >= 0 && (x->flags & BPFMAP_F_MMAPABLE) && !x->mm)
			return x;
	}
	return m;
}

static void one_op(struct fthread *t)
{
	struct fmap *m = random_map(t);
	unsigned int r = below(&t->r, 1000), n = 0, s;

	t->op_map = m;

	for (s = 0; s < MAX_MAPS; s++)
		n += t->maps[s].fd >= 0;
	if (!m || r < 25 || (n < 3 && r < 100)) {
		op_create(t);
		return;
	}
	if (r < 45)
		op_close(t, m);
	else if (r < 190)
		op_lookup(t, m);
	else if (r < 360)
		op_update(t, m);
	else if (r < 430)
		op_delete(t, m);
	else if (r < 490)
		op_get_next_key(t, m);
	else if (r < 530)
		op_lookup_and_delete(t, m);
	else if (r < 532)
		op_freeze(t, m);
	else if (r < 575)
		op_batch(t, m, BPFMAP_MAP_LOOKUP_BATCH);
	else if (r < 605)
		op_batch(t, m, BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH);
	else if (r < 650)
		op_batch(t, m, BPFMAP_MAP_UPDATE_BATCH);
	else if (r < 680)
		op_batch(t, m, BPFMAP_MAP_DELETE_BATCH);
	else if (r < 700)
		op_get_fd_by_id(t);
	else if (r < 715)
		op_get_next_id(t);
	else if (r < 740)
		op_get_info(t, m);
	else if (r < 760) {
		if (chance(&t->r, 75))
			t->op_map = m = mmapable_map(t, m);
		op_mmap(t, m);
	} else if (r < 800 && m->mm)
		op_mm_access(t, m);
	else if (r < 815)
		op_chaos(t, m);
	else if (r < 835)
		op_verify(t, m);
	else if (r < 920)
		op_update(t, m);
	else
		op_lookup(t, m);
}

/* ---- allocation failures (faults) ---- */

/* This thread's fail-nth file, or -1 (and a report) when there is none. */
static int fail_nth_open(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)gettid());
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fprintf(g.cfg->out, "%sfuzz: %s: %s (no CONFIG_FAULT_INJECTION?)\n",
			pfx(), path, strerror(errno));
	return fd;
}

/*
 * By default failslab and fail_page_alloc exempt the allocations that may
 * sleep (ignore-gfp-wait), which are most of what the ioctls make, and
 * verbose > 0 logs every injected fault, which the VM harness would count
 * as a kernel report.  Their probability stays 0: only fail-nth fails.
 */
static const char *const fault_knobs[][2] = {
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/failslab/verbose", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
};

#define NR_FAULT_KNOBS	ARRAY_SIZE(fault_knobs)

/*
 * Set the knobs and keep what they said in @saved; -EOPNOTSUPP when one
 * cannot be read or written (no debugfs): that one is left alone and its
 * saved value empty.
 */
static int fault_knobs_set(char saved[][16])
{
	unsigned int i;

	for (i = 0; i < NR_FAULT_KNOBS; i++) {
		if (sysfs_read(fault_knobs[i][0], saved[i], 16) ||
		    !saved[i][0] ||
		    sysfs_write(fault_knobs[i][0], fault_knobs[i][1])) {
			saved[i][0] = '\0';
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static void fault_knobs_restore(char saved[][16])
{
	unsigned int i;

	for (i = 0; i < NR_FAULT_KNOBS; i++)
		if (saved[i][0] && sysfs_write(fault_knobs[i][0], saved[i]))
			fprintf(g.cfg->out, "%sfuzz: cannot restore %s\n",
				pfx(), fault_knobs[i][0]);
}

/* Write @n to fail-nth: the nth injection point from now fails; 0 disarms. */
static int fail_nth_set(struct fthread *t, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(t->nth_fd, buf, len, 0) == len ? 0 : -errno;
}

/* Whether the armed failure fired: fail-nth reads 0 once it did. */
static bool fail_nth_fired(struct fthread *t)
{
	char buf[16] = "";

	return pread(t->nth_fd, buf, sizeof(buf) - 1, 0) > 0 &&
	       strtoul(buf, NULL, 10) == 0;
}

/*
 * After each call the fuzzer makes (an ioctl, mmap, munmap): whether the
 * armed failure fired in it, the only call whose ENOMEM it explains.  A
 * failure that fired where the kernel absorbed it (a kvmalloc() falling
 * back to vmalloc) explains none.  Keeps errno.
 */
static void fault_note(struct fthread *t)
{
	int saved = errno;

	t->fault_just_fired = false;
	if (t->faulting && !t->fault_fired && fail_nth_fired(t))
		t->fault_fired = t->fault_just_fired = true;
	errno = saved;
}

/*
 * Ready the run for armed failures: -EOPNOTSUPP without fail-nth or the
 * knobs (no CONFIG_FAULT_INJECTION, no debugfs).  The fuzzer's memory is
 * locked in, so that a failure never lands in a page fault of its own
 * buffers, where it would turn a valid buffer into EFAULT.
 */
static int faults_setup(char knobs[][16])
{
	int fd = fail_nth_open();

	if (fd < 0)
		return -EOPNOTSUPP;
	close(fd);
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return -errno;
	return fault_knobs_set(knobs);
}

/*
 * Where the armed failure lands: one of the op's first few injection
 * points in half of the armed ops (the allocations of every command's
 * set-up), one of its first FAULT_NTH_DEEP in the others, which reaches
 * into the middle of a batch that allocates per element (a NO_PREALLOC
 * hash, a map-of-maps) and of a create that allocates per element or per
 * CPU.  A failure armed past the op's last injection point never fires.
 */
#define FAULT_NTH_SHALLOW	8U
#define FAULT_NTH_DEEP		512U

static unsigned int fault_nth_pick(struct fthread *t)
{
	return 1 + below(&t->r, chance(&t->r, 50) ? FAULT_NTH_SHALLOW :
						    FAULT_NTH_DEEP);
}

/*
 * One op, with an allocation failure armed in cfg->faults percent of
 * them.  ENOMEM was then allowed once, and only if the failure fired.  A
 * failed command must have changed nothing (a batch: only what its count
 * says), so after a failure that fired the op's map is checked against the
 * model, and then read back into it, so that one finding is reported once.
 */
static void one_op_faulting(struct fthread *t)
{
	unsigned int nth;
	struct fmap *m;
	bool fired;

	if (t->nth_fd < 0 || !chance(&t->r, g.cfg->faults)) {
		one_op(t);
		return;
	}
	nth = fault_nth_pick(t);
	if (fail_nth_set(t, nth)) {
		violation(t, NULL, NULL, 0, NULL, 0, "fail-nth: %s",
			  strerror(errno));
		return;
	}
	t->faulting = true;
	t->fault_fired = t->fault_just_fired = false;
	t->fault_enomem = 0;
	t->t.faults_armed++;
	one_op(t);
	fired = fail_nth_fired(t);
	if (!fired && fail_nth_set(t, 0))
		violation(t, NULL, NULL, 0, NULL, 0, "fail-nth: %s",
			  strerror(errno));
	t->faulting = false;
	if (t->fault_enomem > (fired ? 1U : 0U))
		violation(t, NULL, NULL, 0, NULL, 0,
			  "%u ENOMEM results, but the armed failure %s",
			  t->fault_enomem, fired ? "fired once" : "never fired");
	if (!fired)
		return;
	t->t.faults_injected++;
	if (nth > FAULT_NTH_SHALLOW)
		t->t.faults_deep++;
	m = t->op_map;
	if (m && m->fd >= 0 && m->priv) {
		memcpy(t->faulted, t->what, sizeof(t->faulted));
		op_verify(t, m);
		model_resync(t, m);
		t->faulted[0] = '\0';
	}
}

static void *thread_main(void *arg)
{
	struct fthread *t = arg;
	const struct fuzz_config *cfg = g.cfg;
	unsigned int s;

	for (s = 0; s < MAX_MAPS; s++)
		t->maps[s].fd = -1;
	t->nth_fd = cfg->faults ? fail_nth_open() : -1;
	if (cfg->faults && t->nth_fd < 0) {
		violation(t, NULL, NULL, 0, NULL, 0,
			  "fail-nth cannot be opened: no faults armed");
		__atomic_store_n(&g.stop, 1, __ATOMIC_RELAXED);
	}
	while (!__atomic_load_n(&g.stop, __ATOMIC_RELAXED)) {
		if (cfg->ops && t->opno >= cfg->ops)
			break;
		if (!(t->opno & 15) && cfg->seconds > 0 &&
		    now_since_start() >= cfg->seconds)
			break;
		one_op_faulting(t);
		t->opno++;
		t->t.ops++;
	}
	/* The maps must still answer as the model says. */
	for (s = 0; s < MAX_MAPS; s++) {
		if (t->maps[s].fd >= 0 && t->maps[s].priv)
			op_verify(t, &t->maps[s]);
		fmap_close(t, &t->maps[s]);
	}
	if (t->nth_fd >= 0)
		close(t->nth_fd);
	return NULL;
}

/* Possible CPUs 0..n-1, as the kernel assumes for the per-CPU layout. */
static unsigned int possible_cpus(void)
{
	char buf[256], *p;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	unsigned int n = 0;

	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		/* "0-3" or "0,2-5": the last number is the highest CPU */
		p = buf + strcspn(buf, "\n");
		while (p > buf && (p[-1] >= '0' && p[-1] <= '9'))
			p--;
		n = strtoul(p, NULL, 10) + 1;
	}
	fclose(f);
	return n;
}

int fuzz_run(const struct fuzz_config *cfg, struct fuzz_totals *totals)
{
	char knobs[NR_FAULT_KNOBS][16] = { { 0 } };
	struct fthread *th;
	pthread_t *tid;
	unsigned int i, a, s;
	int err = 0;

	memset(totals, 0, sizeof(*totals));
	if (!cfg->threads || cfg->threads > FUZZ_MAX_THREADS)
		return -EINVAL;
	g.cfg = cfg;
	g.page = sysconf(_SC_PAGESIZE);
	g.ncpus = possible_cpus();
	g.stop = 0;
	g.nr_shared = 0;
	g.reports = 0;
	if (!g.ncpus)
		return -ENOENT;
	totals->ncpus = g.ncpus;
	g.rdonly = mmap(NULL, g.page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (g.rdonly == MAP_FAILED)
		return -errno;
	g.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	th = calloc(cfg->threads, sizeof(*th));
	tid = calloc(cfg->threads, sizeof(*tid));
	if (g.null_fd < 0 || !th || !tid) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < cfg->threads; i++) {
		struct fthread *t = &th[i];

		t->idx = i;
		t->r.s = cfg->seed * 0x2545f4914f6cdd1dULL ^
			 (i + 1) * 0xd1b54a32d192ed03ULL;
		rnd(&t->r);
		t->dev = open("/dev/bpfmap", O_RDWR | O_CLOEXEC);
		if (t->dev < 0) {
			err = -errno;
			goto out;
		}
		for (a = 0; a < NR_ARENAS; a++) {
			err = arena_init(&t->ar[a], arena_pages[a]);
			if (err)
				goto out;
		}
	}
	if (cfg->faults) {
		err = faults_setup(knobs);
		if (err)
			goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &g.start);
	for (i = 0; i < cfg->threads; i++) {
		err = -pthread_create(&tid[i], NULL, thread_main, &th[i]);
		if (err) {
			__atomic_store_n(&g.stop, 1, __ATOMIC_RELAXED);
			while (i--)
				pthread_join(tid[i], NULL);
			goto out;
		}
	}
	for (i = 0; i < cfg->threads; i++)
		pthread_join(tid[i], NULL);
	totals->elapsed = now_since_start();

	for (i = 0; i < cfg->threads; i++) {
		const struct fuzz_totals *t = &th[i].t;

		totals->ops += t->ops;
		totals->ioctls += t->ioctls;
		for (s = 0; s < FUZZ_NR_SLOTS; s++) {
			totals->ok[s] += t->ok[s];
			totals->failed[s] += t->failed[s];
		}
		for (s = 0; s <= FUZZ_MAX_ERRNO; s++)
			totals->errnos[s] += t->errnos[s];
		totals->violations += t->violations;
		totals->padding_violations += t->padding_violations;
		totals->checked_values += t->checked_values;
		totals->checked_padding += t->checked_padding;
		totals->faults_armed += t->faults_armed;
		totals->faults_injected += t->faults_injected;
		totals->faults_deep += t->faults_deep;
	}

out:
	for (i = 0; th && i < cfg->threads; i++) {
		for (a = 0; a < NR_ARENAS; a++)
			arena_fini(&th[i].ar[a]);
		if (th[i].dev > 0)
			close(th[i].dev);
	}
	free(th);
	free(tid);
	if (g.null_fd >= 0)
		close(g.null_fd);
	munmap(g.rdonly, g.page);
	if (cfg->faults) {
		fault_knobs_restore(knobs);
		munlockall();
	}
	return err;
}

static const char *slot_name(unsigned int s)
{
	switch (s) {
	case BPFMAP_MAP_CREATE:
		return "MAP_CREATE";
	case BPFMAP_MAP_LOOKUP_ELEM:
		return "LOOKUP_ELEM";
	case BPFMAP_MAP_UPDATE_ELEM:
		return "UPDATE_ELEM";
	case BPFMAP_MAP_DELETE_ELEM:
		return "DELETE_ELEM";
	case BPFMAP_MAP_GET_NEXT_KEY:
		return "GET_NEXT_KEY";
	case BPFMAP_MAP_GET_NEXT_ID:
		return "GET_NEXT_ID";
	case BPFMAP_MAP_GET_FD_BY_ID:
		return "GET_FD_BY_ID";
	case BPFMAP_OBJ_GET_INFO_BY_FD:
		return "GET_INFO_BY_FD";
	case BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM:
		return "LOOKUP_AND_DELETE_ELEM";
	case BPFMAP_MAP_FREEZE:
		return "MAP_FREEZE";
	case BPFMAP_MAP_LOOKUP_BATCH:
		return "LOOKUP_BATCH";
	case BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH:
		return "LOOKUP_AND_DELETE_BATCH";
	case BPFMAP_MAP_UPDATE_BATCH:
		return "UPDATE_BATCH";
	case BPFMAP_MAP_DELETE_BATCH:
		return "DELETE_BATCH";
	case FUZZ_SLOT_OTHER:
		return "(no such command)";
	case FUZZ_SLOT_MMAP:
		return "mmap/munmap";
	case FUZZ_SLOT_CLOSE:
		return "close";
	}
	return NULL;
}

void fuzz_print_totals(FILE *f, const struct fuzz_config *cfg,
		       const struct fuzz_totals *t)
{
	const char *pfx = cfg->prefix ? cfg->prefix : "";
	double secs = t->elapsed > 0 ? t->elapsed : 1e-9;
	unsigned int s;
	int e;

	fprintf(f, "%sfuzz totals: seed=%llu threads=%u possible_cpus=%u elapsed=%.1fs\n",
		pfx, (unsigned long long)cfg->seed, cfg->threads, t->ncpus,
		t->elapsed);
	fprintf(f, "%sfuzz totals: ops=%llu ioctls=%llu ops/s=%.0f ioctls/s=%.0f\n",
		pfx, (unsigned long long)t->ops,
		(unsigned long long)t->ioctls, t->ops / secs,
		t->ioctls / secs);
	for (s = 0; s < FUZZ_NR_SLOTS; s++) {
		if (!slot_name(s) || !(t->ok[s] + t->failed[s]))
			continue;
		fprintf(f, "%sfuzz command: %-24s %10llu ok %10llu failed\n",
			pfx, slot_name(s), (unsigned long long)t->ok[s],
			(unsigned long long)t->failed[s]);
	}
	for (e = 1; e <= FUZZ_MAX_ERRNO; e++) {
		if (!t->errnos[e])
			continue;
		fprintf(f, "%sfuzz errno: %-10s %10llu\n", pfx,
			e == FUZZ_MAX_ERRNO ? "(other)" : ename(e),
			(unsigned long long)t->errnos[e]);
	}
	fprintf(f, "%sfuzz checks: values compared with the model=%llu per-CPU slots with padding checked=%llu\n",
		pfx, (unsigned long long)t->checked_values,
		(unsigned long long)t->checked_padding);
	if (cfg->faults)
		fprintf(f, "%sfuzz faults: %u%% of ops armed=%llu fired=%llu (past the %uth point: %llu)\n",
			pfx, cfg->faults,
			(unsigned long long)t->faults_armed,
			(unsigned long long)t->faults_injected,
			FAULT_NTH_SHALLOW,
			(unsigned long long)t->faults_deep);
	fprintf(f, "%sfuzz violations: %llu (non-zero per-CPU padding: %llu)\n",
		pfx, (unsigned long long)t->violations,
		(unsigned long long)t->padding_violations);
	fflush(f);
}
