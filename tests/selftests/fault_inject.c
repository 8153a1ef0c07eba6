// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Allocation failures, one at a time, in every command that allocates.
 *
 * With CONFIG_FAULT_INJECTION a task can ask for its nth fault-injection
 * point (every slab and page allocation it makes) to fail: write n to
 * /proc/self/task/<tid>/fail-nth.  Reading the file back after the call
 * gives 0 when the fault was injected and n - <points reached> when the
 * call made fewer than n allocations.  Each test here sweeps n = 1, 2, ...
 * over one command on a freshly made map of each type until the command
 * runs without reaching its nth point.  A second variant fails every slab
 * allocation from the nth point on (failslab with task-filter and the
 * task's make-it-fail), as under lasting memory pressure, which reaches
 * the paths a single failure does not: a fallback that fails too.  After
 * every injected fault the test checks that:
 *  - the call failed with ENOMEM, or succeeded having absorbed the fault
 *    (a fallback allocation, kmemleak's own bookkeeping);
 *  - the map equals a model of it kept here: a failed single-element
 *    command changed nothing, a failed batch processed exactly the count
 *    it reported;
 *  - no map id outlives the fds that referenced it.
 *
 * bpfmap backend only: the kernel's bpf(2) allocates differently, so its
 * sweeps would test the kernel, not us.  Kernels without fault injection
 * (the stock ones) skip.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "bpfmap_test.h"

#define FI_KEYS		64U	/* max_entries of every map, and key space */
#define FI_POP		8U	/* keys 0 .. FI_POP - 1 are there at start */
#define FI_UPD_BATCH	8U	/* keys FI_POP - 4 .. FI_POP + 3 */
#define FI_INNER	4U	/* inner maps for the map-of-maps types */
#define FI_MAX_N	100000U	/* a command with more points is a bug */

#define CHK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "# %s:%d: %s: %s: " fmt "\n", __FILE__,	\
			__LINE__, x->cfg->name, #cond, ##__VA_ARGS__);	\
		return -1;						\
	}								\
} while (0)

enum fi_cmd {
	FI_CREATE,
	FI_UPDATE_NEW,
	FI_UPDATE_EXISTING,
	FI_LOOKUP_AND_DELETE,
	FI_LOOKUP_BATCH,
	FI_LOOKUP_AND_DELETE_BATCH,
	FI_UPDATE_BATCH,
	FI_DELETE_BATCH,
	FI_GET_FD_BY_ID,
};

static const char *const fi_cmd_name[] = {
	[FI_CREATE] = "MAP_CREATE",
	[FI_UPDATE_NEW] = "UPDATE (new key)",
	[FI_UPDATE_EXISTING] = "UPDATE (existing key)",
	[FI_LOOKUP_AND_DELETE] = "LOOKUP_AND_DELETE",
	[FI_LOOKUP_BATCH] = "LOOKUP_BATCH",
	[FI_LOOKUP_AND_DELETE_BATCH] = "LOOKUP_AND_DELETE_BATCH",
	[FI_UPDATE_BATCH] = "UPDATE_BATCH",
	[FI_DELETE_BATCH] = "DELETE_BATCH",
	[FI_GET_FD_BY_ID] = "GET_FD_BY_ID",
};

struct fi_cfg {
	const char *name;
	__u32 map_type;
	__u32 map_flags;
	__u32 value_size;	/* a multiple of 8, or 4 for the map-of-maps */
};

/*
 * The 512-byte values do not fit the ioctl's on-stack staging buffer, so
 * they reach its heap path.
 */
static const struct fi_cfg fi_cfgs[] = {
	{ "hash", BPFMAP_MAP_TYPE_HASH, 0, 8 },
	{ "hash_no_prealloc", BPFMAP_MAP_TYPE_HASH, BPFMAP_F_NO_PREALLOC, 8 },
	{ "hash_512b_values", BPFMAP_MAP_TYPE_HASH, 0, 512 },
	{ "hash_no_prealloc_512b_values", BPFMAP_MAP_TYPE_HASH,
	  BPFMAP_F_NO_PREALLOC, 512 },
	{ "percpu_hash", BPFMAP_MAP_TYPE_PERCPU_HASH, 0, 8 },
	{ "percpu_hash_no_prealloc", BPFMAP_MAP_TYPE_PERCPU_HASH,
	  BPFMAP_F_NO_PREALLOC, 8 },
	{ "lru_hash", BPFMAP_MAP_TYPE_LRU_HASH, 0, 8 },
	{ "lru_hash_no_common_lru", BPFMAP_MAP_TYPE_LRU_HASH,
	  BPFMAP_F_NO_COMMON_LRU, 8 },
	{ "lru_percpu_hash", BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, 0, 8 },
	{ "lru_percpu_hash_no_common_lru", BPFMAP_MAP_TYPE_LRU_PERCPU_HASH,
	  BPFMAP_F_NO_COMMON_LRU, 8 },
	{ "array", BPFMAP_MAP_TYPE_ARRAY, 0, 8 },
	{ "array_512b_values", BPFMAP_MAP_TYPE_ARRAY, 0, 512 },
	{ "percpu_array", BPFMAP_MAP_TYPE_PERCPU_ARRAY, 0, 8 },
	{ "array_of_maps", BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, 0, 4 },
	{ "hash_of_maps", BPFMAP_MAP_TYPE_HASH_OF_MAPS, 0, 4 },
};

/* What the map should hold; for the arrays every index is present. */
struct fi_model {
	bool present[FI_KEYS];
	__u64 base[FI_KEYS];	/* 0: a zero value; map-of-maps: inner + 1 */
};

struct fi_ctx {
	const struct fi_cfg *cfg;
	int ncpus;
	int fd;
	__u32 id;
	struct fi_model m;
	size_t vlen;		/* user bytes of one value */
	void *val;
	__u32 *keys;
	void *vals;
	__u64 in_tok, out_tok;
	__u32 count;
	__u32 gen;
	__u64 pending[FI_UPD_BATCH];	/* bases the call writes */
	int ids_before;
	bool new_id_node;	/* MAP_CREATE takes the first id of a leaf */
	int inner_fd[FI_INNER];
	__u32 inner_id[FI_INNER];
};

/* ---- cfg predicates ---- */

static bool cfg_of_maps(const struct fi_cfg *c)
{
	return c->map_type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS ||
	       c->map_type == BPFMAP_MAP_TYPE_HASH_OF_MAPS;
}

static bool cfg_array(const struct fi_cfg *c)
{
	return c->map_type == BPFMAP_MAP_TYPE_ARRAY ||
	       c->map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ||
	       c->map_type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS;
}

static bool cfg_percpu(const struct fi_cfg *c)
{
	return map_type_is_percpu(c->map_type);
}

/* Which commands each type has (as bpf(2)). */
static bool fi_applies(const struct fi_cfg *c, enum fi_cmd cmd)
{
	switch (cmd) {
	case FI_CREATE:
	case FI_UPDATE_EXISTING:
		return true;
	case FI_UPDATE_NEW:
		return !cfg_array(c);
	case FI_LOOKUP_AND_DELETE:
	case FI_LOOKUP_AND_DELETE_BATCH:
	case FI_DELETE_BATCH:
		return !cfg_array(c) && !cfg_of_maps(c);
	case FI_LOOKUP_BATCH:
	case FI_UPDATE_BATCH:
		return !cfg_of_maps(c);
	case FI_GET_FD_BY_ID:
		return c->map_type == BPFMAP_MAP_TYPE_HASH ||
		       c->map_type == BPFMAP_MAP_TYPE_ARRAY;
	}
	return false;
}

/* ---- fail-nth ---- */

struct fi_knob {
	const char *path;
	const char *value;
};

/*
 * GFP_KERNEL allocations are exempt by default (ignore-gfp-wait), and
 * verbose > 0 would log (and at 2 dump a stack for) every injected fault,
 * which the VM harness counts as a kernel report.  probability, times and
 * task-filter make failslab fail every allocation of a task whose
 * make-it-fail is 1, and only of such a task: the lasting failures of the
 * second variant (fail-nth is looked at first, so the points before the
 * nth still pass).
 */
static const struct fi_knob fi_knobs[] = {
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/failslab/verbose", "0" },
	{ "/sys/kernel/debug/failslab/task-filter", "Y" },
	{ "/sys/kernel/debug/failslab/interval", "1" },
	{ "/sys/kernel/debug/failslab/space", "0" },
	{ "/sys/kernel/debug/failslab/times", "-1" },
	{ "/sys/kernel/debug/failslab/probability", "100" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
};

#define FI_NR_KNOBS	ARRAY_SIZE(fi_knobs)

/* How a sweep fails allocations: the thread's proc files and the mode. */
struct fi_fail {
	int nth_fd;		/* /proc/self/task/<tid>/fail-nth */
	int mif_fd;		/* /proc/self/task/<tid>/make-it-fail */
	bool lasting;		/* every slab allocation from the nth on */
};

/*
 * Asks for the nth fault point of this thread to fail and, for lasting
 * failures, every slab allocation after it.  Neither write allocates.
 */
static int nth_arm(const struct fi_fail *f, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(f->nth_fd, buf, len, 0) != len)
		return -errno;
	if (f->lasting && pwrite(f->mif_fd, "1", 1, 0) != 1)
		return -errno;
	return 0;
}

/*
 * After the call: 1 when the fault was injected, 0 when not (then the
 * points the call reached go to @points and the request is cancelled),
 * -errno when fail-nth could not be read.
 */
static int nth_disarm(const struct fi_fail *f, unsigned int n,
		      unsigned int *points)
{
	char buf[16];
	unsigned long left;
	ssize_t len;

	if (f->lasting && pwrite(f->mif_fd, "0", 1, 0) != 1)
		return -errno;
	len = pread(f->nth_fd, buf, sizeof(buf) - 1, 0);
	if (len <= 0)
		return len < 0 ? -errno : -EIO;
	buf[len] = '\0';
	left = strtoul(buf, NULL, 10);
	if (!left)
		return 1;
	*points = n - (unsigned int)left;
	if (pwrite(f->nth_fd, "0", 1, 0) != 1)
		return -errno;
	return 0;
}

/* ---- values and the model ---- */

/* Fills one user value for model base @base (0: zero). */
static void val_fill(const struct fi_ctx *x, void *buf, __u64 base)
{
	int slots = cfg_percpu(x->cfg) ? x->ncpus : 1, s;
	__u32 words = x->cfg->value_size / 8, j;
	__u64 *w = buf;

	if (cfg_of_maps(x->cfg)) {
		__u32 fd = base ? (__u32)x->inner_fd[base - 1] : 0;

		memcpy(buf, &fd, sizeof(fd));
		return;
	}
	for (s = 0; s < slots; s++)
		for (j = 0; j < words; j++)
			w[(size_t)s * words + j] = base ? base + s * 1000 + j :
						   0;
}

static bool val_check(const struct fi_ctx *x, const void *buf, __u64 base)
{
	int slots = cfg_percpu(x->cfg) ? x->ncpus : 1, s;
	__u32 words = x->cfg->value_size / 8, j;
	const __u64 *w = buf;

	if (cfg_of_maps(x->cfg)) {
		__u32 id;

		memcpy(&id, buf, sizeof(id));
		return base && id == x->inner_id[base - 1];
	}
	for (s = 0; s < slots; s++)
		for (j = 0; j < words; j++)
			if (w[(size_t)s * words + j] !=
			    (base ? base + s * 1000 + j : 0))
				return false;
	return true;
}

/* A fresh base for @key: different on every call. */
static __u64 next_base(struct fi_ctx *x, __u32 key)
{
	x->gen++;
	if (cfg_of_maps(x->cfg))
		return (key + x->gen) % FI_INNER + 1;
	return ((__u64)(key + 1) << 32) | ((__u64)x->gen << 12);
}

static __u32 model_count(const struct fi_ctx *x)
{
	__u32 k, n = 0;

	for (k = 0; k < FI_KEYS; k++)
		n += x->m.present[k];
	return n;
}

/*
 * The whole map, walked with get_next_key and read with lookup, must be
 * the model: the same keys, each once, with the model's values.
 */
static int model_check(struct fi_ctx *x)
{
	bool seen[FI_KEYS] = { false };
	__u32 key = 0, next, k, walked = 0;
	int err, lerr;

	for (err = bpfmap_map_get_next_key(x->fd, NULL, &next); !err;
	     err = bpfmap_map_get_next_key(x->fd, &key, &next)) {
		CHK(next < FI_KEYS, "walk gave key %u", next);
		CHK(!seen[next], "walk gave key %u twice", next);
		seen[next] = true;
		walked++;
		key = next;
		memset(x->val, 0x5a, x->vlen);
		lerr = bpfmap_map_lookup_elem(x->fd, &key, x->val);
		if (!x->m.present[key]) {
			/* Only an empty map-of-maps slot is walked. */
			CHK(x->cfg->map_type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS,
			    "key %u is in the map, not in the model", key);
			CHK(lerr == -ENOENT, "empty slot %u: lookup %d",
			    key, lerr);
			continue;
		}
		CHK(lerr == 0, "key %u: lookup %d", key, lerr);
		CHK(val_check(x, x->val, x->m.base[key]),
		    "key %u: value differs from the model", key);
	}
	CHK(err == -ENOENT, "get_next_key: %d", err);
	for (k = 0; k < FI_KEYS; k++)
		CHK(seen[k] || !x->m.present[k], "key %u missing", k);
	if (x->cfg->map_type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS)
		CHK(walked == FI_KEYS, "walked %u slots", walked);
	return 0;
}

/*
 * Burns ids until the next map id is the first of a leaf of the module's
 * id xarray (64 ids each), so that publishing the next map has to
 * allocate an xarray node: nobody holds an id in that leaf yet.
 */
static int align_next_id(struct fi_ctx *x)
{
	struct bpfmap_info info;
	int fd, i, err;

	for (i = 0; i < 2 * 64; i++) {
		fd = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY, "fi_probe", 4, 8, 1,
				       NULL);
		CHK(fd >= 0, "probe create: %d", fd);
		err = bpfmap_map_get_info_by_fd(fd, &info);
		close(fd);
		CHK(!err, "probe info: %d", err);
		if ((info.id + 1) % 64 == 0)
			return 0;
	}
	CHK(false, "ids are not handed out one after the other");
}

/* Map ids visible now. */
static int count_ids(void)
{
	__u32 id = 0, next;
	int n = 0;

	while (!bpfmap_map_get_next_id(id, &next)) {
		id = next;
		n++;
	}
	return n;
}

static int map_create(const struct fi_ctx *x)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o),
		.map_flags = x->cfg->map_flags,
		.inner_map_fd = cfg_of_maps(x->cfg) ? (__u32)x->inner_fd[0] : 0,
	};

	return bpfmap_map_create(x->cfg->map_type, "fault_inject", 4,
				 x->cfg->value_size, FI_KEYS, &o);
}

/* A new map holding keys 0 .. FI_POP - 1, and its model. */
static int map_prepare(struct fi_ctx *x)
{
	struct bpfmap_info info;
	__u32 k;
	int err;

	memset(&x->m, 0, sizeof(x->m));
	x->fd = map_create(x);
	CHK(x->fd >= 0, "create: %d", x->fd);
	err = bpfmap_map_get_info_by_fd(x->fd, &info);
	CHK(!err, "info: %d", err);
	x->id = info.id;
	if (cfg_array(x->cfg) &&
	    x->cfg->map_type != BPFMAP_MAP_TYPE_ARRAY_OF_MAPS)
		for (k = 0; k < FI_KEYS; k++)
			x->m.present[k] = true;
	for (k = 0; k < FI_POP; k++) {
		__u64 base = next_base(x, k);

		val_fill(x, x->val, base);
		err = bpfmap_map_update_elem(x->fd, &k, x->val, BPFMAP_ANY);
		CHK(!err, "populate key %u: %d", k, err);
		x->m.present[k] = true;
		x->m.base[k] = base;
	}
	return 0;
}

/* ---- the commands ---- */

/* Everything the call needs, set up outside the window. */
static void op_prepare(struct fi_ctx *x, enum fi_cmd cmd)
{
	__u32 i;

	x->count = 0;
	x->in_tok = 0;
	x->out_tok = 0;
	memset(x->keys, 0, FI_KEYS * sizeof(*x->keys));
	memset(x->vals, 0, FI_KEYS * x->vlen);
	memset(x->val, 0, x->vlen);
	switch (cmd) {
	case FI_UPDATE_NEW:
		x->pending[0] = next_base(x, FI_POP);
		val_fill(x, x->val, x->pending[0]);
		break;
	case FI_UPDATE_EXISTING:
		x->pending[0] = next_base(x, 1);
		val_fill(x, x->val, x->pending[0]);
		break;
	case FI_UPDATE_BATCH:
		for (i = 0; i < FI_UPD_BATCH; i++) {
			x->keys[i] = FI_POP - 4 + i;
			x->pending[i] = next_base(x, x->keys[i]);
			val_fill(x, (char *)x->vals + i * x->vlen,
				 x->pending[i]);
		}
		x->count = FI_UPD_BATCH;
		break;
	case FI_DELETE_BATCH:
		for (i = 0; i < FI_POP; i++)
			x->keys[i] = i;
		x->count = FI_POP;
		break;
	case FI_LOOKUP_BATCH:
	case FI_LOOKUP_AND_DELETE_BATCH:
		x->count = FI_KEYS;
		break;
	default:
		break;
	}
}

/* The one call inside the window: 0, a new fd, or -errno. */
static int op_run(struct fi_ctx *x, enum fi_cmd cmd)
{
	__u32 key;

	switch (cmd) {
	case FI_CREATE:
		return map_create(x);
	case FI_UPDATE_NEW:
		key = FI_POP;
		return bpfmap_map_update_elem(x->fd, &key, x->val, BPFMAP_ANY);
	case FI_UPDATE_EXISTING:
		key = 1;
		return bpfmap_map_update_elem(x->fd, &key, x->val, BPFMAP_ANY);
	case FI_LOOKUP_AND_DELETE:
		key = 2;
		return bpfmap_map_lookup_and_delete_elem(x->fd, &key, x->val);
	case FI_LOOKUP_BATCH:
		return bpfmap_map_lookup_batch(x->fd, NULL, &x->out_tok,
					       x->keys, x->vals, &x->count,
					       NULL);
	case FI_LOOKUP_AND_DELETE_BATCH:
		return bpfmap_map_lookup_and_delete_batch(x->fd, NULL,
							  &x->out_tok, x->keys,
							  x->vals, &x->count,
							  NULL);
	case FI_UPDATE_BATCH:
		return bpfmap_map_update_batch(x->fd, x->keys, x->vals,
					       &x->count, NULL);
	case FI_DELETE_BATCH:
		return bpfmap_map_delete_batch(x->fd, x->keys, &x->count,
					       NULL);
	case FI_GET_FD_BY_ID:
		return bpfmap_map_get_fd_by_id(x->id);
	}
	return -EINVAL;
}

/* The elements a lookup batch returned are the model's, each once. */
static int batch_out_check(struct fi_ctx *x, bool remove)
{
	bool seen[FI_KEYS] = { false };
	__u32 i, k;

	CHK(x->count <= FI_KEYS, "count %u", x->count);
	for (i = 0; i < x->count; i++) {
		k = x->keys[i];
		CHK(k < FI_KEYS && x->m.present[k] && !seen[k],
		    "batch element %u: key %u", i, k);
		seen[k] = true;
		CHK(val_check(x, (char *)x->vals + i * x->vlen, x->m.base[k]),
		    "batch element %u: key %u: value differs", i, k);
	}
	if (remove)
		for (i = 0; i < x->count; i++)
			x->m.present[x->keys[i]] = false;
	return 0;
}

/* After the call: the result and the map against the model. */
static int op_verify(struct fi_ctx *x, enum fi_cmd cmd, int ret)
{
	bool ok = ret >= 0 ||
		  (ret == -ENOENT && (cmd == FI_LOOKUP_BATCH ||
				      cmd == FI_LOOKUP_AND_DELETE_BATCH));
	__u32 n = model_count(x), i, k;
	struct bpfmap_info info;
	int err;

	CHK(ok || ret == -ENOMEM, "%s returned %d", fi_cmd_name[cmd], ret);
	switch (cmd) {
	case FI_CREATE:
		if (ok) {
			err = bpfmap_map_get_info_by_fd(ret, &info);
			close(ret);
			CHK(!err && info.type == x->cfg->map_type &&
			    info.max_entries == FI_KEYS,
			    "the new map: %d", err);
		}
		CHK(count_ids() == x->ids_before,
		    "%d map ids, %d before the create", count_ids(),
		    x->ids_before);
		return 0;
	case FI_GET_FD_BY_ID:
		if (ok) {
			err = bpfmap_map_get_info_by_fd(ret, &info);
			close(ret);
			CHK(!err && info.id == x->id, "the new fd: %d", err);
		}
		return model_check(x);
	case FI_UPDATE_NEW:
		if (ok) {
			x->m.present[FI_POP] = true;
			x->m.base[FI_POP] = x->pending[0];
		}
		break;
	case FI_UPDATE_EXISTING:
		if (ok)
			x->m.base[1] = x->pending[0];
		break;
	case FI_LOOKUP_AND_DELETE:
		if (ok) {
			CHK(val_check(x, x->val, x->m.base[2]),
			    "returned value differs");
			x->m.present[2] = false;
		}
		break;
	case FI_LOOKUP_BATCH:
	case FI_LOOKUP_AND_DELETE_BATCH:
		if (ok)
			CHK(x->count == n, "count %u of %u", x->count, n);
		if (batch_out_check(x, cmd == FI_LOOKUP_AND_DELETE_BATCH))
			return -1;
		break;
	case FI_UPDATE_BATCH:
		CHK(x->count <= FI_UPD_BATCH && (!ok || x->count == FI_UPD_BATCH),
		    "ret %d count %u", ret, x->count);
		for (i = 0; i < x->count; i++) {
			k = x->keys[i];
			x->m.present[k] = true;
			x->m.base[k] = x->pending[i];
		}
		break;
	case FI_DELETE_BATCH:
		CHK(x->count <= FI_POP && (!ok || x->count == FI_POP),
		    "ret %d count %u", ret, x->count);
		for (i = 0; i < x->count; i++)
			x->m.present[x->keys[i]] = false;
		break;
	}
	return model_check(x);
}

/* Counts of one sweep. */
struct fi_result {
	unsigned int injected;	/* faults injected */
	unsigned int failed;	/* ... that failed the call (ENOMEM) */
	unsigned int points;	/* fault points of a clean call */
};

/*
 * The sweep for one command on one map type: n = 1, 2, ... until a call
 * runs without its nth fault point.  0 or -1.
 */
static int fi_sweep(struct fi_ctx *x, const struct fi_fail *f,
		    enum fi_cmd cmd, struct fi_result *r)
{
	unsigned int n, points = 0;
	int ret, injected, fd;

	memset(r, 0, sizeof(*r));
	for (n = 1; n < FI_MAX_N; n++) {
		x->fd = -1;
		if (cmd != FI_CREATE && map_prepare(x))
			goto fail;
		if (x->new_id_node && align_next_id(x))
			goto fail;
		x->ids_before = count_ids();
		op_prepare(x, cmd);

		if (nth_arm(f, n)) {
			fprintf(stderr, "# fail-nth: %s\n", strerror(errno));
			goto fail;
		}
		ret = op_run(x, cmd);
		injected = nth_disarm(f, n, &points);
		if (injected < 0) {
			fprintf(stderr, "# fail-nth read: %d\n", injected);
			goto fail;
		}
		if (op_verify(x, cmd, ret)) {
			fprintf(stderr, "# %s %s: n=%u, injected=%d, ret=%d\n",
				x->cfg->name, fi_cmd_name[cmd], n, injected,
				ret);
			goto fail;
		}
		if (cmd == FI_GET_FD_BY_ID) {
			/* No reference may be left behind by the call. */
			close(x->fd);
			x->fd = -1;
			fd = bpfmap_map_get_fd_by_id(x->id);
			if (fd >= 0)
				close(fd);
			if (fd != -ENOENT) {
				fprintf(stderr, "# %s: n=%u: map %u outlives its fd (%d)\n",
					x->cfg->name, n, x->id, fd);
				goto fail;
			}
		}
		if (x->fd >= 0)
			close(x->fd);
		if (!injected) {
			if (ret < 0 && ret != -ENOENT) {
				fprintf(stderr, "# %s %s: clean call failed: %d\n",
					x->cfg->name, fi_cmd_name[cmd], ret);
				return -1;
			}
			r->points = points;
			return 0;
		}
		r->injected++;
		if (ret < 0 && ret != -ENOENT)
			r->failed++;
	}
	fprintf(stderr, "# %s %s: still injecting at n=%u\n", x->cfg->name,
		fi_cmd_name[cmd], n);
	return -1;
fail:
	if (x->fd >= 0)
		close(x->fd);
	return -1;
}

FIXTURE(fault_inject) {
	struct fi_fail f;
	char saved[FI_NR_KNOBS][32];
	bool knob_set[FI_NR_KNOBS];
	struct fi_ctx x;
};

FIXTURE_VARIANT(fault_inject) {
	bool lasting;
};

FIXTURE_VARIANT_ADD(fault_inject, one_failure) {
	.lasting = false,
};

FIXTURE_VARIANT_ADD(fault_inject, lasting_failure) {
	.lasting = true,
};

FIXTURE_SETUP(fault_inject)
{
	char path[64], mif[64];
	unsigned int i;
	int err;

	self->f.nth_fd = -1;
	self->f.mif_fd = -1;
	self->f.lasting = variant->lasting;
	memset(self->knob_set, 0, sizeof(self->knob_set));
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	snprintf(mif, sizeof(mif), "/proc/self/task/%ld/make-it-fail",
		 (long)syscall(SYS_gettid));
	if (access(path, F_OK))
		SKIP(return, "no %s: kernel without CONFIG_FAULT_INJECTION",
		     path);
	SETUP_BACKEND(BPFMAP_BACKEND_DEV);

	for (i = 0; i < FI_NR_KNOBS; i++) {
		err = sysfs_read(fi_knobs[i].path, self->saved[i],
				 sizeof(self->saved[i]));
		if (err)
			TH_LOG("%s: %s (debugfs not mounted?)",
			       fi_knobs[i].path, strerror(-err));
		ASSERT_EQ(0, err);
		ASSERT_EQ(0, sysfs_write(fi_knobs[i].path, fi_knobs[i].value));
		self->knob_set[i] = true;
	}
	self->f.nth_fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->f.nth_fd);
	self->f.mif_fd = open(mif, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->f.mif_fd);

	/*
	 * No page fault inside a window: a fault point taken there would
	 * fail the copy to or from userspace instead of an allocation.
	 */
	mlockall(MCL_CURRENT | MCL_FUTURE);

	memset(&self->x, 0, sizeof(self->x));
	self->x.ncpus = bpfmap_num_possible_cpus();
	for (i = 0; i < FI_INNER; i++) {
		struct bpfmap_info info;

		self->x.inner_fd[i] = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY,
							"fi_inner", 4, 8, 4,
							NULL);
		ASSERT_LE(0, self->x.inner_fd[i]);
		ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->x.inner_fd[i],
						       &info));
		self->x.inner_id[i] = info.id;
	}
}

FIXTURE_TEARDOWN(fault_inject)
{
	unsigned int i;

	if (self->f.mif_fd >= 0) {
		pwrite(self->f.mif_fd, "0", 1, 0);
		close(self->f.mif_fd);
	}
	/* In reverse: probability goes back to 0 first. */
	for (i = FI_NR_KNOBS; i-- > 0;)
		if (self->knob_set[i])
			sysfs_write(fi_knobs[i].path, self->saved[i]);
	if (self->f.nth_fd >= 0)
		close(self->f.nth_fd);
}

/* Runs the sweep of @cmd over every map type that has the command. */
static void fi_run_cmd(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fault_inject) *self, enum fi_cmd cmd,
		       const char *only)
{
	struct fi_ctx *x = &self->x;
	unsigned int i, total = 0, failed = 0;
	struct fi_result r;
	size_t vmax;

	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;
	for (i = 0; i < ARRAY_SIZE(fi_cfgs); i++) {
		if (!fi_applies(&fi_cfgs[i], cmd) ||
		    (only && strcmp(only, fi_cfgs[i].name)))
			continue;
		x->cfg = &fi_cfgs[i];
		x->gen = 0;
		x->vlen = bpfmap_value_buf_size(x->cfg->map_type,
						x->cfg->value_size, 0);
		vmax = x->vlen < 8 ? 8 : x->vlen;
		x->val = calloc(1, vmax);
		x->vals = calloc(FI_KEYS, vmax);
		x->keys = calloc(FI_KEYS, sizeof(*x->keys));
		ASSERT_NE(NULL, x->val);
		ASSERT_NE(NULL, x->vals);
		ASSERT_NE(NULL, x->keys);

		EXPECT_EQ(0, fi_sweep(x, &self->f, cmd, &r)) {
			TH_LOG("%s on %s", fi_cmd_name[cmd], x->cfg->name);
		}
		printf("# %-24s %-30s faults injected %3u (ENOMEM %3u, absorbed %3u), points in a clean call %u\n",
		       fi_cmd_name[cmd], x->cfg->name, r.injected, r.failed,
		       r.injected - r.failed, r.points);
		total += r.injected;
		failed += r.failed;
		free(x->val);
		free(x->vals);
		free(x->keys);
	}
	printf("# %s%s: %u faults injected in all, %u failed the call\n",
	       fi_cmd_name[cmd], self->f.lasting ? " (lasting)" : "", total,
	       failed);
	fflush(stdout);
}

TEST_F_TIMEOUT(fault_inject, map_create_fails_cleanly, 600)
{
	fi_run_cmd(_metadata, self, FI_CREATE, NULL);
}

TEST_F_TIMEOUT(fault_inject, update_of_new_key_fails_cleanly, 600)
{
	fi_run_cmd(_metadata, self, FI_UPDATE_NEW, NULL);
}

TEST_F_TIMEOUT(fault_inject, update_of_existing_key_fails_cleanly, 600)
{
	fi_run_cmd(_metadata, self, FI_UPDATE_EXISTING, NULL);
}

TEST_F_TIMEOUT(fault_inject, lookup_and_delete_fails_cleanly, 600)
{
	fi_run_cmd(_metadata, self, FI_LOOKUP_AND_DELETE, NULL);
}

TEST_F_TIMEOUT(fault_inject, lookup_batch_fails_cleanly, 600)
{
	fi_run_cmd(_metadata, self, FI_LOOKUP_BATCH, NULL);
}

TEST_F_TIMEOUT(fault_inject, lookup_and_delete_batch_fails_cleanly, 600)
{
	fi_run_cmd(_metadata, self, FI_LOOKUP_AND_DELETE_BATCH, NULL);
}

TEST_F_TIMEOUT(fault_inject, update_batch_processes_exactly_count, 600)
{
	fi_run_cmd(_metadata, self, FI_UPDATE_BATCH, NULL);
}

TEST_F_TIMEOUT(fault_inject, delete_batch_processes_exactly_count, 600)
{
	fi_run_cmd(_metadata, self, FI_DELETE_BATCH, NULL);
}

TEST_F_TIMEOUT(fault_inject, get_fd_by_id_fails_cleanly, 600)
{
	fi_run_cmd(_metadata, self, FI_GET_FD_BY_ID, NULL);
}

/*
 * Publishing a map whose id starts a new leaf of the id xarray allocates
 * a node; when that fails (the lasting variant fails the allocation and
 * its retry) MAP_CREATE must give ENOMEM, as bpf(2) does (idr_alloc's
 * -ENOMEM), and leave no id behind.
 */
TEST_F_TIMEOUT(fault_inject, map_create_with_a_new_id_node_fails_cleanly, 600)
{
	self->x.new_id_node = true;
	fi_run_cmd(_metadata, self, FI_CREATE, "array");
	fi_run_cmd(_metadata, self, FI_CREATE, "hash");
}

TEST_HARNESS_MAIN
