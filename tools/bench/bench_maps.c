// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * bench_maps: per-element map operation throughput of /dev/bpfmap (ours)
 * against the kernel's bpf(2) (the reference), measured in the same
 * process and boot, backends interleaved round by round.
 *
 * One case is a map type, a value size and an operation.  For each case a
 * map of the same shape is created on both backends; then every round runs
 * ours and then the reference for a fixed wall time, walking the keys in a
 * strided order, and the median of the rounds is reported.  The null-call
 * floors (an unknown bpfmap ioctl, an invalid bpf(2) command) show what the
 * two entry paths cost before any map work.
 *
 * Two more tables follow from the same boot.  The hash family table runs
 * the four hash types at two sizes and two fills, one map per shape shared
 * by its cells, with 1 and N threads, and adds the memory per element and
 * the cost of an LRU lookup relative to a plain one.  The batch table walks,
 * drains, deletes and refills one large hash element by element and with
 * the batch commands at three batch sizes.
 *
 * usage: bench_maps [-q] [-t THREADS] [-d SECONDS] [-r ROUNDS]
 *                   [-n ENTRIES] [-f FILTER] [-T TABLES] [--json[=FILE]]
 *                   [--fam-rounds N] [--fam-duration S] [--fam-threads N]
 *                   [--batch-entries N] [--batch-rounds N]
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "libbpfmap.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MAX_THREADS		64
#define MAX_ROUNDS		31
/* Operations between two looks at the clock. */
#define CHUNK			64
/* New keys inserted, then deleted, per thread and phase (hash churn). */
#define CHURN			64
/* An ioctl number of our type that no command uses: ENOTTY. */
#define NULL_IOCTL		_IO(BPFMAP_IOCTL_TYPE, 200)
/* A bpf(2) command that does not exist: EINVAL. */
#define NULL_BPF_CMD		1000

#ifndef __NR_bpf
#define __NR_bpf		321	/* x86_64 */
#endif

/* The tables, for -T. */
#define TABLE_MAIN		0x1
#define TABLE_FAMILY		0x2
#define TABLE_BATCH		0x4
#define TABLE_ALL		(TABLE_MAIN | TABLE_FAMILY | TABLE_BATCH)

enum bench_op {
	OP_LOOKUP,
	OP_UPDATE,
	OP_INSERT,	/* update of a new key, BPFMAP_ANY */
	OP_DELETE,	/* delete of a key inserted just before */
	OP_DEL_EXISTING, /* delete of an existing key, re-inserted untimed */
	OP_EVICT,	/* update of a new key into a full LRU map */
	OP_NULL,	/* the null-call floor; the map is not used */
};

static const char *const op_names[] = {
	[OP_LOOKUP] = "lookup",
	[OP_UPDATE] = "update",
	[OP_INSERT] = "insert",
	[OP_DELETE] = "delete",
	[OP_DEL_EXISTING] = "delete_existing",
	[OP_EVICT] = "insert_evict",
	[OP_NULL] = "null call",
};

/* The null-call row: ours is the ioctl, the reference bpf(2). */
#define NULL_CASE_NAME		"null call: ioctl ENOTTY | bpf EINVAL"

/* One map shape; the table of cases is the product with the ops. */
struct bench_type {
	__u32 map_type;
	__u32 key_size;
	__u32 value_sizes[2];
	bool hash;
};

static const struct bench_type bench_types[] = {
	{ BPFMAP_MAP_TYPE_ARRAY, 4, { 4, 64 }, false },
	{ BPFMAP_MAP_TYPE_PERCPU_ARRAY, 4, { 4, 64 }, false },
	{ BPFMAP_MAP_TYPE_HASH, 8, { 8, 64 }, true },
	{ BPFMAP_MAP_TYPE_PERCPU_HASH, 8, { 8, 64 }, true },
	{ BPFMAP_MAP_TYPE_LRU_HASH, 8, { 8, 64 }, true },
	{ BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, 8, { 8, 64 }, true },
};

static const enum bench_op array_ops[] = { OP_LOOKUP, OP_UPDATE };
static const enum bench_op hash_ops[] = {
	OP_LOOKUP, OP_UPDATE, OP_INSERT, OP_DELETE,
};

/*
 * A case and how to run it: the map's size and fill (keys 0 .. fill - 1
 * exist), the threads and the rounds.  The first new key of thread i is
 * key_base + (i << 32).
 */
struct bench_case {
	char name[48];
	__u32 map_type;
	__u32 key_size;
	__u32 value_size;
	bool hash;
	/* LRU maps may evict existing keys: ENOENT counts as a miss */
	bool lru_misses;
	enum bench_op op;
	int threads;
	int rounds;
	double seconds;
	__u32 max_entries;
	__u32 fill;
	__u64 key_base;
};

/* What one backend measured over the rounds of one case. */
struct bench_side {
	double mops[MAX_ROUNDS];
	double median;
	double best;
	__u64 misses;		/* over all rounds */
};

/*
 * ratio is best(ours) / best(ref), best over the rounds: on a shared host
 * interference only ever slows a round down, so the fastest round is the
 * closest to the undisturbed cost.  ratio_min / ratio_max span the ratios
 * of single rounds (the two runs of a round are adjacent in time), as a
 * measure of the noise; the medians are in the JSON.
 */
struct bench_result {
	struct bench_case c;
	struct bench_side side[2];	/* indexed by enum bpfmap_backend */
	double ratio;
	double ratio_min;
	double ratio_max;
	bool skipped;
	bool failed;
	char note[96];
};

struct bench_opts {
	int threads;
	double seconds;
	int rounds;
	__u32 entries;		/* existing keys; a hash holds 4x as many */
	const char *filter;
	bool json;
	const char *json_file;
	unsigned int tables;
	/* the hash family table; 0: not given */
	int fam_rounds;
	double fam_seconds;
	int fam_threads;
	/* the batch table; 0: not given */
	__u32 batch_entries;
	int batch_rounds;
};

static struct bench_opts opts = {
	.threads = 1,
	.seconds = 0.3,
	.rounds = 3,
	.entries = 1024,
	.tables = TABLE_ALL,
	.fam_threads = 2,
};

/* One thread's share of a round. */
struct worker {
	pthread_t thread;
	int id;
	const struct bench_case *c;
	int map_fd;
	__u32 nkeys;
	unsigned char *keys;	/* its existing keys in walk order */
	unsigned char *new_keys;	/* CHURN keys not in the map */
	void *value;
	__u64 new_next;		/* next new key of this thread */
	__u32 pos;		/* next existing key to delete */
	pthread_barrier_t *start;
	/* results */
	__u64 ops;
	__u64 misses;		/* lookups and deletes that found no key */
	double busy;		/* seconds spent in the measured operation */
	int err;
	const char *err_what;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		fprintf(stderr, "bench_maps: out of memory\n");
		exit(1);
	}
	return p;
}

static bool is_lru(__u32 map_type)
{
	return map_type == BPFMAP_MAP_TYPE_LRU_HASH ||
	       map_type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool selected(const char *name)
{
	return !opts.filter || strstr(name, opts.filter);
}

/* Existing key @i (0 <= i < entries) of a map of key size @key_size. */
static void key_put(unsigned char *dst, __u32 key_size, __u64 i)
{
	if (key_size == 4) {
		__u32 k = (__u32)i;

		memcpy(dst, &k, 4);
	} else {
		/* spread the bits, so no hash sees sequential keys */
		__u64 k = (i + 1) * 0x9E3779B97F4A7C15ULL;

		memcpy(dst, &k, 8);
	}
}

/*
 * Fill w->keys with the thread's slice [lo, lo + n) of the existing keys,
 * visited with an odd stride that is coprime with n, so every key comes up
 * once per pass but neighbours in time are far apart in the map.
 */
static void worker_keys(struct worker *w, __u32 lo, __u32 n)
{
	__u32 ks = w->c->key_size;
	__u64 stride = n > 2 ? (n * 5 / 8) | 1 : 1;
	__u64 pos = 0;
	__u32 i;

	/* make the stride coprime with n */
	while (n > 1) {
		__u64 a = stride, b = n, t;

		while (b) {
			t = a % b;
			a = b;
			b = t;
		}
		if (a == 1)
			break;
		stride += 2;
	}
	w->nkeys = n;
	w->keys = xcalloc(n, ks);
	for (i = 0; i < n; i++) {
		key_put(w->keys + (size_t)i * ks, ks, lo + pos);
		pos = (pos + stride) % n;
	}
}

static int op_null(void)
{
	static const __u32 zero[32];
	int ret;

	if (bpfmap_backend_current() == BPFMAP_BACKEND_DEV) {
		ret = ioctl(bpfmap_dev_fd(), NULL_IOCTL, zero);
		return ret < 0 && errno == ENOTTY ? 0 : -EPROTO;
	}
	ret = syscall(__NR_bpf, NULL_BPF_CMD, zero, sizeof(zero));
	return ret < 0 && errno == EINVAL ? 0 : -EPROTO;
}

/*
 * A missing key is a miss, not an error, where the map may have evicted
 * it (LRU types); 0 or the error.
 */
static int miss_ok(struct worker *w, int err)
{
	if (err == -ENOENT && w->c->lru_misses) {
		w->misses++;
		return 0;
	}
	return err;
}

/*
 * lookup, update, insert into a full LRU map and the null call: CHUNK
 * operations per clock read
 */
static void run_steady(struct worker *w, double seconds)
{
	const struct bench_case *c = w->c;
	__u32 ks = c->key_size, n = w->nkeys, i = 0, j;
	unsigned char new_key[8];
	double t0, t, end;
	int err = 0;

	t0 = now();
	end = t0 + seconds;
	do {
		for (j = 0; j < CHUNK; j++) {
			const void *key = w->keys + (size_t)i * ks;

			switch (c->op) {
			case OP_LOOKUP:
				err = bpfmap_map_lookup_elem(w->map_fd, key,
							     w->value);
				err = miss_ok(w, err);
				break;
			case OP_UPDATE:
				err = bpfmap_map_update_elem(w->map_fd, key,
							     w->value,
							     BPFMAP_ANY);
				break;
			case OP_EVICT:
				memcpy(new_key, &w->new_next, ks);
				w->new_next++;
				err = bpfmap_map_update_elem(w->map_fd, new_key,
							     w->value,
							     BPFMAP_ANY);
				break;
			default:
				err = op_null();
				break;
			}
			if (err) {
				w->err = err;
				w->err_what = op_names[c->op];
				goto out;
			}
			if (++i == n)
				i = 0;
		}
		w->ops += CHUNK;
		t = now();
	} while (t < end);
out:
	w->busy = now() - t0;
}

/*
 * insert and delete: phases of CHURN inserts of new keys then CHURN deletes
 * of the same keys, each phase timed on its own; the case's operation says
 * which phase counts.  The map stays at its base fill plus CHURN per thread.
 */
static void run_churn(struct worker *w, double seconds)
{
	__u32 ks = w->c->key_size, j;
	double t0, t1, t2, end;
	double t_ins = 0, t_del = 0;
	int err;

	end = now() + seconds;
	do {
		for (j = 0; j < CHURN; j++) {
			__u64 k = w->new_next++;

			memcpy(w->new_keys + (size_t)j * ks, &k, ks);
		}
		t0 = now();
		for (j = 0; j < CHURN; j++) {
			err = bpfmap_map_update_elem(w->map_fd,
						     w->new_keys + (size_t)j * ks,
						     w->value, BPFMAP_ANY);
			if (err) {
				w->err = err;
				w->err_what = "insert";
				return;
			}
		}
		t1 = now();
		for (j = 0; j < CHURN; j++) {
			err = bpfmap_map_delete_elem(w->map_fd,
						     w->new_keys + (size_t)j * ks);
			err = miss_ok(w, err);
			if (err) {
				w->err = err;
				w->err_what = "delete";
				return;
			}
		}
		t2 = now();
		t_ins += t1 - t0;
		t_del += t2 - t1;
		w->ops += CHURN;
	} while (t2 < end);
	w->busy = w->c->op == OP_INSERT ? t_ins : t_del;
}

/*
 * delete of existing keys: phases of up to CHURN deletes of the thread's
 * next existing keys (timed) then their re-insert (not timed), so the fill
 * stays where it was.
 */
static void run_del_existing(struct worker *w, double seconds)
{
	__u32 ks = w->c->key_size, n = w->nkeys, m, j;
	double t0, t1, end;
	double t_del = 0;
	int err;

	m = n < CHURN ? n : CHURN;
	end = now() + seconds;
	do {
		t0 = now();
		for (j = 0; j < m; j++) {
			const void *key = w->keys + (size_t)((w->pos + j) % n) * ks;

			err = bpfmap_map_delete_elem(w->map_fd, key);
			err = miss_ok(w, err);
			if (err) {
				w->err = err;
				w->err_what = "delete";
				return;
			}
		}
		t1 = now();
		for (j = 0; j < m; j++) {
			const void *key = w->keys + (size_t)((w->pos + j) % n) * ks;

			err = bpfmap_map_update_elem(w->map_fd, key, w->value,
						     BPFMAP_ANY);
			if (err) {
				w->err = err;
				w->err_what = "re-insert";
				return;
			}
		}
		w->pos = (w->pos + m) % n;
		t_del += t1 - t0;
		w->ops += m;
	} while (now() < end);
	w->busy = t_del;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->start)
		pthread_barrier_wait(w->start);
	switch (w->c->op) {
	case OP_INSERT:
	case OP_DELETE:
		run_churn(w, w->c->seconds);
		break;
	case OP_DEL_EXISTING:
		run_del_existing(w, w->c->seconds);
		break;
	default:
		run_steady(w, w->c->seconds);
		break;
	}
	return NULL;
}

/*
 * One round of one case on the current backend: every worker for the
 * case's seconds.  Returns Mops/s summed over the threads, or -errno;
 * adds the misses to *misses.
 */
static double run_round(struct worker *ws, int map_fd, struct bench_result *r,
			__u64 *misses)
{
	int threads = r->c.threads;
	pthread_barrier_t start;
	double mops = 0;
	int i, err;

	for (i = 0; i < threads; i++) {
		ws[i].map_fd = map_fd;
		ws[i].ops = 0;
		ws[i].misses = 0;
		ws[i].busy = 0;
		ws[i].err = 0;
		ws[i].start = NULL;
	}
	if (threads == 1) {
		worker_main(&ws[0]);
	} else {
		pthread_barrier_init(&start, NULL, threads);
		for (i = 0; i < threads; i++) {
			ws[i].start = &start;
			err = pthread_create(&ws[i].thread, NULL, worker_main,
					     &ws[i]);
			if (err) {
				fprintf(stderr, "bench_maps: pthread_create: %s\n",
					strerror(err));
				exit(1);
			}
		}
		for (i = 0; i < threads; i++)
			pthread_join(ws[i].thread, NULL);
		pthread_barrier_destroy(&start);
	}
	for (i = 0; i < threads; i++) {
		if (ws[i].err) {
			snprintf(r->note, sizeof(r->note), "%s: %s on %s",
				 ws[i].err_what, strerror(-ws[i].err),
				 bpfmap_backend_name(bpfmap_backend_current()));
			return ws[i].err;
		}
		if (ws[i].busy > 0)
			mops += ws[i].ops / ws[i].busy / 1e6;
		*misses += ws[i].misses;
	}
	return mops;
}

/* Create the case's map on the current backend and fill it; fd or -errno. */
static int map_setup(const struct bench_case *c, void *value, char *note,
		     size_t note_len)
{
	unsigned char key[8];
	__u32 i;
	int fd, err;

	fd = bpfmap_map_create(c->map_type, "bench", c->key_size,
			       c->value_size, c->max_entries, NULL);
	if (fd < 0) {
		snprintf(note, note_len, "create on %s: %s",
			 bpfmap_backend_name(bpfmap_backend_current()),
			 strerror(-fd));
		return fd;
	}
	for (i = 0; i < c->fill; i++) {
		key_put(key, c->key_size, i);
		err = bpfmap_map_update_elem(fd, key, value, BPFMAP_ANY);
		if (err) {
			snprintf(note, note_len, "fill on %s: %s",
				 bpfmap_backend_name(bpfmap_backend_current()),
				 strerror(-err));
			close(fd);
			return err;
		}
	}
	return fd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts @v in place; returns its median. */
static double median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void side_summarise(struct bench_side *s, int rounds)
{
	double sorted[MAX_ROUNDS];

	memcpy(sorted, s->mops, rounds * sizeof(double));
	s->median = median(sorted, rounds);
	s->best = sorted[rounds - 1];
}

static void ratio_summarise(struct bench_result *r, int rounds)
{
	double ratios[MAX_ROUNDS];
	int i;

	for (i = 0; i < rounds; i++) {
		double ref = r->side[BPFMAP_BACKEND_KERNEL].mops[i];

		ratios[i] = ref > 0 ? r->side[BPFMAP_BACKEND_DEV].mops[i] / ref :
				      0;
	}
	qsort(ratios, rounds, sizeof(double), cmp_double);
	r->ratio_min = ratios[0];
	r->ratio_max = ratios[rounds - 1];
}

static const enum bpfmap_backend order[] = {
	BPFMAP_BACKEND_DEV, BPFMAP_BACKEND_KERNEL,
};

/*
 * The rounds of one case on maps already set up (fds indexed by backend;
 * unused for the null call).  The maps keep their fill.
 */
static void measure_case(struct bench_result *r, const int fds[2])
{
	const struct bench_case *c = &r->c;
	struct worker ws[MAX_THREADS];
	size_t vsize;
	int i, b, round;
	double mops;

	vsize = bpfmap_value_buf_size(c->map_type, c->value_size, 0);
	memset(ws, 0, sizeof(ws));
	for (i = 0; i < c->threads; i++) {
		__u32 lo = (__u64)c->fill * i / c->threads;
		__u32 hi = (__u64)c->fill * (i + 1) / c->threads;

		ws[i].id = i;
		ws[i].c = c;
		ws[i].value = xcalloc(1, vsize);
		memset(ws[i].value, 0xa5, vsize);
		worker_keys(&ws[i], lo, hi > lo ? hi - lo : 1);
		ws[i].new_keys = xcalloc(CHURN, c->key_size);
		/* disjoint from the existing keys and from other threads */
		ws[i].new_next = c->key_base + ((__u64)i << 32);
	}

	for (round = 0; round < c->rounds; round++) {
		for (b = 0; b < 2; b++) {
			bpfmap_backend_select(order[b]);
			mops = run_round(ws, fds[order[b]], r,
					 &r->side[order[b]].misses);
			if (mops < 0) {
				r->failed = true;
				goto out_workers;
			}
			r->side[order[b]].mops[round] = mops;
		}
	}
	for (b = 0; b < 2; b++)
		side_summarise(&r->side[b], c->rounds);
	ratio_summarise(r, c->rounds);
	r->ratio = r->side[BPFMAP_BACKEND_KERNEL].best > 0 ?
		   r->side[BPFMAP_BACKEND_DEV].best /
		   r->side[BPFMAP_BACKEND_KERNEL].best : 0;

out_workers:
	for (i = 0; i < c->threads; i++) {
		free(ws[i].value);
		free(ws[i].keys);
		free(ws[i].new_keys);
	}
}

/*
 * Create and fill the case's map on both backends; false when one failed
 * (r->skipped when ours lacks the type, else r->failed).
 */
static bool setup_both(struct bench_result *r, int fds[2])
{
	const struct bench_case *c = &r->c;
	size_t vsize;
	void *value;
	int b;

	fds[0] = fds[1] = -1;
	vsize = bpfmap_value_buf_size(c->map_type, c->value_size, 0);
	value = xcalloc(1, vsize);
	memset(value, 0x5a, vsize);
	for (b = 0; b < 2; b++) {
		bpfmap_backend_select(order[b]);
		fds[order[b]] = map_setup(c, value, r->note, sizeof(r->note));
		if (fds[order[b]] < 0) {
			/* our backend may lack the type: a skip */
			if (order[b] == BPFMAP_BACKEND_DEV)
				r->skipped = true;
			else
				r->failed = true;
			break;
		}
	}
	free(value);
	if (r->skipped || r->failed) {
		for (b = 0; b < 2; b++)
			if (fds[b] >= 0)
				close(fds[b]);
		return false;
	}
	return true;
}

static void run_case(struct bench_result *r)
{
	int fds[2] = { -1, -1 };
	int b;

	if (r->c.op != OP_NULL && !setup_both(r, fds))
		return;
	measure_case(r, fds);
	for (b = 0; b < 2; b++)
		if (fds[b] >= 0)
			close(fds[b]);
}

/* The case list: the null call first, then every type x value x op. */
static struct bench_result *build_cases(int *count)
{
	struct bench_result *rs;
	size_t t, v, o, n = 0, max = 1;

	for (t = 0; t < ARRAY_SIZE(bench_types); t++)
		max += 2 * ARRAY_SIZE(hash_ops);
	rs = xcalloc(max, sizeof(*rs));

	rs[n].c.op = OP_NULL;
	rs[n].c.threads = opts.threads;
	rs[n].c.rounds = opts.rounds;
	rs[n].c.seconds = opts.seconds;
	rs[n].c.fill = opts.entries;
	snprintf(rs[n].c.name, sizeof(rs[n].c.name), "%s", NULL_CASE_NAME);
	if (selected(rs[n].c.name))
		n++;

	for (t = 0; t < ARRAY_SIZE(bench_types); t++) {
		const struct bench_type *bt = &bench_types[t];
		const enum bench_op *ops = bt->hash ? hash_ops : array_ops;
		size_t nops = bt->hash ? ARRAY_SIZE(hash_ops) :
					 ARRAY_SIZE(array_ops);

		for (v = 0; v < 2; v++) {
			for (o = 0; o < nops; o++) {
				struct bench_case *c = &rs[n].c;

				memset(&rs[n], 0, sizeof(rs[n]));
				c->map_type = bt->map_type;
				c->key_size = bt->key_size;
				c->value_size = bt->value_sizes[v];
				c->hash = bt->hash;
				c->op = ops[o];
				c->threads = opts.threads;
				c->rounds = opts.rounds;
				c->seconds = opts.seconds;
				c->max_entries = bt->hash ? opts.entries * 4 :
							    opts.entries;
				c->fill = opts.entries;
				c->key_base = 1ULL << 40;
				snprintf(c->name, sizeof(c->name),
					 "%s k%u v%u %s",
					 bpfmap_map_type_name(bt->map_type),
					 c->key_size, c->value_size,
					 op_names[c->op]);
				if (selected(c->name))
					n++;
			}
		}
	}
	*count = n;
	return rs;
}

/* Geometric mean and minimum of the map-case ratios (not the null call). */
static int summarise(const struct bench_result *rs, int n, double *geo,
		     double *min)
{
	double logsum = 0;
	int i, k = 0;

	*min = 0;
	for (i = 0; i < n; i++) {
		const struct bench_result *r = &rs[i];

		if (r->c.op == OP_NULL || r->skipped || r->failed ||
		    r->ratio <= 0)
			continue;
		logsum += log(r->ratio);
		if (!k || r->ratio < *min)
			*min = r->ratio;
		k++;
	}
	*geo = k ? exp(logsum / k) : 0;
	return k;
}

static void print_rule(FILE *f, int width)
{
	int i;

	for (i = 0; i < width; i++)
		fputc('-', f);
	fputc('\n', f);
}

static void print_table(FILE *f, const struct bench_result *rs, int n)
{
	char name[48];
	double geo, min;
	int i, k;

	fprintf(f, "bench_maps: %d thread(s), %d round(s) of %.2f s per backend, best round; %u keys (hash: %u entries, 25%% full); %d possible CPUs\n",
		opts.threads, opts.rounds, opts.seconds, opts.entries,
		opts.entries * 4, bpfmap_num_possible_cpus());
	fprintf(f, "%-38s %12s %12s %8s %13s\n", "case", "ours Mops/s",
		"ref Mops/s", "ratio", "round ratios");
	print_rule(f, 38 + 1 + 12 + 1 + 12 + 1 + 8 + 1 + 13);
	for (i = 0; i < n; i++) {
		const struct bench_result *r = &rs[i];

		/* a type our backend lacks: one line for all its cases */
		if (r->skipped) {
			if (i && rs[i - 1].skipped &&
			    rs[i - 1].c.map_type == r->c.map_type)
				continue;
			snprintf(name, sizeof(name), "%s (all cases)",
				 bpfmap_map_type_name(r->c.map_type));
			fprintf(f, "%-38s %12s %12s %8s  skipped: %s\n",
				name, "-", "-", "-", r->note);
			continue;
		}
		if (r->failed) {
			fprintf(f, "%-38s %12s %12s %8s  FAILED: %s\n",
				r->c.name, "-", "-", "-", r->note);
			continue;
		}
		fprintf(f, "%-38s %12.4f %12.4f %8.3f   %5.2f-%-5.2f\n",
			r->c.name, r->side[BPFMAP_BACKEND_DEV].best,
			r->side[BPFMAP_BACKEND_KERNEL].best, r->ratio,
			r->ratio_min, r->ratio_max);
	}
	k = summarise(rs, n, &geo, &min);
	fprintf(f, "summary: %d map case(s), ratio geomean %.3f, min %.3f (null call excluded)\n",
		k, geo, min);
}

/* ---- the hash family table ---- */

static const __u32 fam_types[] = {
	BPFMAP_MAP_TYPE_HASH, BPFMAP_MAP_TYPE_PERCPU_HASH,
	BPFMAP_MAP_TYPE_LRU_HASH, BPFMAP_MAP_TYPE_LRU_PERCPU_HASH,
};
static const __u32 fam_values[] = { 8, 64 };
static const __u32 fam_sizes[] = { 1024, 65536 };
static const __u32 fam_fills[] = { 25, 100 };	/* percent of max_entries */

/*
 * The operations of a shape in the order they run: the new-key update is
 * last, as on a full LRU map it evicts existing keys.
 */
enum fam_op {
	FAM_LOOKUP,
	FAM_UPDATE,
	FAM_DELETE,
	FAM_NEW,
	NR_FAM_OPS,
};

static const char *const fam_op_names[] = {
	[FAM_LOOKUP] = "lookup",
	[FAM_UPDATE] = "update existing",
	[FAM_DELETE] = "delete",
	[FAM_NEW] = "update new",
};

#define NR_FAM_ROWS	(ARRAY_SIZE(fam_types) * ARRAY_SIZE(fam_values) * \
			 ARRAY_SIZE(fam_sizes) * ARRAY_SIZE(fam_fills) * \
			 NR_FAM_OPS)
#define NR_FAM_MEM	(ARRAY_SIZE(fam_types) * ARRAY_SIZE(fam_values))
/* The size the memory per element is read at. */
#define FAM_MEM_ENTRIES	65536

/* One row: a shape and an operation, at 1 thread and at fam_threads. */
struct fam_row {
	char name[48];
	__u32 map_type;
	__u32 value_size;
	__u32 max_entries;
	__u32 fill_pct;
	enum fam_op fop;
	bool selected;
	bool na;		/* a new key into a full non-LRU map: E2BIG */
	struct bench_result r[2];
};

struct fam_mem {
	__u32 map_type;
	__u32 value_size;
	__u32 max_entries;
	__u64 bytes[2];		/* indexed by backend */
	bool done;
	char note[96];
};

static struct fam_row fam_rows[NR_FAM_ROWS];
static struct fam_mem fam_mem[NR_FAM_MEM];
static int nr_fam_rows;
static bool fam_ran;
static double fam_secs;		/* wall time of the table */

static const char *size_name(__u32 n, char *buf, size_t len)
{
	if (n >= 1024 && !(n % (1024 * 1024)))
		snprintf(buf, len, "%uM", n / (1024 * 1024));
	else if (n >= 1024 && !(n % 1024))
		snprintf(buf, len, "%uk", n / 1024);
	else
		snprintf(buf, len, "%u", n);
	return buf;
}

static void fam_build(void)
{
	const size_t nv = ARRAY_SIZE(fam_values), ns = ARRAY_SIZE(fam_sizes);
	const size_t nf = ARRAY_SIZE(fam_fills);
	char sz[16];
	size_t i;

	/* row i: type, value, size, fill and op, the op varying fastest */
	for (i = 0; i < NR_FAM_ROWS; i++) {
		struct fam_row *row = &fam_rows[i];
		size_t o = i % NR_FAM_OPS, shape = i / NR_FAM_OPS;

		row->map_type = fam_types[shape / (nv * ns * nf)];
		row->value_size = fam_values[shape / (ns * nf) % nv];
		row->max_entries = fam_sizes[shape / nf % ns];
		row->fill_pct = fam_fills[shape % nf];
		row->fop = o;
		row->na = o == FAM_NEW && row->fill_pct == 100 &&
			  !is_lru(row->map_type);
		snprintf(row->name, sizeof(row->name), "%s v%u %s %u%% %s",
			 bpfmap_map_type_name(row->map_type), row->value_size,
			 size_name(row->max_entries, sz, sizeof(sz)),
			 row->fill_pct, fam_op_names[o]);
		row->selected = selected(row->name);
	}
	nr_fam_rows = NR_FAM_ROWS;
}

static struct fam_mem *fam_mem_slot(__u32 map_type, __u32 value_size)
{
	size_t t, v;

	for (t = 0; t < ARRAY_SIZE(fam_types); t++)
		for (v = 0; v < ARRAY_SIZE(fam_values); v++)
			if (fam_types[t] == map_type &&
			    fam_values[v] == value_size)
				return &fam_mem[t * ARRAY_SIZE(fam_values) + v];
	return NULL;
}

static void fam_read_memory(struct fam_mem *m, const int fds[2])
{
	struct bpfmap_info info;
	int b, err;

	for (b = 0; b < 2; b++) {
		bpfmap_backend_select(order[b]);
		memset(&info, 0, sizeof(info));
		err = bpfmap_map_get_info_by_fd(fds[order[b]], &info);
		if (err) {
			snprintf(m->note, sizeof(m->note), "get_info on %s: %s",
				 bpfmap_backend_name(order[b]), strerror(-err));
			return;
		}
		m->bytes[order[b]] = info.memory;
	}
	m->done = true;
}

/*
 * The rows of one shape (rows[0 .. NR_FAM_OPS - 1]): one map per backend,
 * created and filled once, the cells in row order.  Returns false when a
 * cell failed.
 */
static bool fam_run_shape(struct fam_row *rows, __u64 *serial)
{
	struct bench_result setup;
	struct fam_mem *m;
	bool ok = true, any = false;
	int fds[2], o, k;

	for (o = 0; o < NR_FAM_OPS; o++)
		any |= rows[o].selected && !rows[o].na;
	if (!any)
		return true;

	memset(&setup, 0, sizeof(setup));
	setup.c.map_type = rows[0].map_type;
	setup.c.key_size = 8;
	setup.c.value_size = rows[0].value_size;
	setup.c.hash = true;
	setup.c.max_entries = rows[0].max_entries;
	setup.c.fill = (__u64)rows[0].max_entries * rows[0].fill_pct / 100;
	if (!setup_both(&setup, fds)) {
		for (o = 0; o < NR_FAM_OPS; o++) {
			for (k = 0; k < 2; k++) {
				rows[o].r[k].skipped = setup.skipped;
				rows[o].r[k].failed = setup.failed;
				memcpy(rows[o].r[k].note, setup.note,
				       sizeof(setup.note));
			}
		}
		return !setup.failed;
	}

	m = fam_mem_slot(rows[0].map_type, rows[0].value_size);
	if (m && !m->done && rows[0].max_entries == FAM_MEM_ENTRIES) {
		m->map_type = rows[0].map_type;
		m->value_size = rows[0].value_size;
		m->max_entries = rows[0].max_entries;
		fam_read_memory(m, fds);
	}

	for (o = 0; o < NR_FAM_OPS; o++) {
		struct fam_row *row = &rows[o];

		if (!row->selected || row->na)
			continue;
		for (k = 0; k < 2; k++) {
			struct bench_result *r = &row->r[k];

			r->c = setup.c;
			snprintf(r->c.name, sizeof(r->c.name), "%s", row->name);
			r->c.lru_misses = is_lru(row->map_type);
			r->c.threads = k ? opts.fam_threads : 1;
			r->c.rounds = opts.fam_rounds;
			r->c.seconds = opts.fam_seconds;
			r->c.key_base = (++*serial + 1) << 40;
			switch (row->fop) {
			case FAM_LOOKUP:
				r->c.op = OP_LOOKUP;
				break;
			case FAM_UPDATE:
				r->c.op = OP_UPDATE;
				break;
			case FAM_DELETE:
				r->c.op = OP_DEL_EXISTING;
				break;
			default:
				r->c.op = row->fill_pct == 100 ? OP_EVICT :
								 OP_INSERT;
				break;
			}
			measure_case(r, fds);
			if (r->failed) {
				ok = false;
				fprintf(stderr, "bench_maps: %s, %d thread(s): FAILED (%s)\n",
					row->name, r->c.threads, r->note);
			}
		}
	}
	for (k = 0; k < 2; k++)
		close(fds[k]);
	return ok;
}

/* The hash family table; false when a cell failed. */
static bool run_family(void)
{
	double t0 = now();
	__u64 serial = 0;
	bool ok = true;
	int i;

	fam_build();
	fam_ran = true;
	for (i = 0; i < nr_fam_rows; i += NR_FAM_OPS) {
		if (fam_rows[i].r[0].skipped)
			continue;
		ok &= fam_run_shape(&fam_rows[i], &serial);
		/* ours lacks the type: skip its other shapes */
		if (fam_rows[i].r[0].skipped) {
			int j;

			fprintf(stderr, "bench_maps: %s: skipped (%s)\n",
				bpfmap_map_type_name(fam_rows[i].map_type),
				fam_rows[i].r[0].note);
			for (j = i + NR_FAM_OPS; j < nr_fam_rows; j++) {
				if (fam_rows[j].map_type !=
				    fam_rows[i].map_type)
					break;
				fam_rows[j].r[0] = fam_rows[i].r[0];
				fam_rows[j].r[1] = fam_rows[i].r[1];
			}
		}
	}
	fam_secs = now() - t0;
	return ok;
}

static bool fam_cell_ok(const struct bench_result *r)
{
	return !r->skipped && !r->failed && r->ratio > 0;
}

/* Mops/s of one backend's best round of a row's cell, or 0. */
static double fam_best(const struct fam_row *row, int k, int b)
{
	return fam_cell_ok(&row->r[k]) ? row->r[k].side[b].best : 0;
}

static const struct fam_row *fam_find(__u32 map_type, __u32 value_size,
				      __u32 max_entries, __u32 fill_pct,
				      enum fam_op fop)
{
	int i;

	for (i = 0; i < nr_fam_rows; i++) {
		const struct fam_row *row = &fam_rows[i];

		if (row->map_type == map_type &&
		    row->value_size == value_size &&
		    row->max_entries == max_entries &&
		    row->fill_pct == fill_pct && row->fop == fop)
			return row;
	}
	return NULL;
}

/* The shapes of the LRU lookup cost: value x size x fill. */
#define NR_LRU_COST	(ARRAY_SIZE(fam_values) * ARRAY_SIZE(fam_sizes) * \
			 ARRAY_SIZE(fam_fills))

static void lru_cost_shape(size_t i, __u32 *value_size, __u32 *max_entries,
			   __u32 *fill_pct)
{
	const size_t ns = ARRAY_SIZE(fam_sizes), nf = ARRAY_SIZE(fam_fills);

	*value_size = fam_values[i / (ns * nf)];
	*max_entries = fam_sizes[i / nf % ns];
	*fill_pct = fam_fills[i % nf];
}

/*
 * The cost of an LRU_HASH lookup relative to a HASH lookup of shape @i
 * (1 thread, per backend): time per lookup, so hash / lru in Mops/s.
 */
static double lru_cost(size_t i, int b)
{
	const struct fam_row *h, *l;
	__u32 v, s, f;
	double mh, ml;

	lru_cost_shape(i, &v, &s, &f);
	h = fam_find(BPFMAP_MAP_TYPE_HASH, v, s, f, FAM_LOOKUP);
	l = fam_find(BPFMAP_MAP_TYPE_LRU_HASH, v, s, f, FAM_LOOKUP);
	if (!h || !l)
		return 0;
	mh = fam_best(h, 0, b);
	ml = fam_best(l, 0, b);
	return mh > 0 && ml > 0 ? mh / ml : 0;
}

/* Geometric mean of the ratios of the k-thread cells; count or 0. */
static int fam_summarise(int k, double *geo, double *min)
{
	double logsum = 0;
	int i, n = 0;

	*min = 0;
	for (i = 0; i < nr_fam_rows; i++) {
		const struct bench_result *r = &fam_rows[i].r[k];

		if (!fam_rows[i].selected || fam_rows[i].na ||
		    !fam_cell_ok(r))
			continue;
		logsum += log(r->ratio);
		if (!n || r->ratio < *min)
			*min = r->ratio;
		n++;
	}
	*geo = n ? exp(logsum / n) : 0;
	return n;
}

static void print_family(FILE *f)
{
	const int dev = BPFMAP_BACKEND_DEV, ref = BPFMAP_BACKEND_KERNEL;
	const int width = 44 + 3 * (1 + 9 + 1 + 9 + 1 + 7) + 1 + 8;
	char nt[16], sz[16], name[48];
	__u32 v, s, fp;
	double geo, min;
	int i, k, n;
	size_t j;

	fprintf(f, "\nhash family: 8-byte keys, %d round(s) of %.2f s per backend and cell, best round; 1 and %d threads on disjoint keys; Mops/s (table: %.0f s)\n",
		opts.fam_rounds, opts.fam_seconds, opts.fam_threads, fam_secs);
	fprintf(f, "  fill: existing keys / max_entries.  update new: 25%%: a new key inserted (deleted untimed after);\n");
	fprintf(f, "  100%%: LRU types insert and evict, the others n/a (E2BIG).  delete: an existing key (re-inserted untimed).\n");
	fprintf(f, "  misses: LRU lookups/deletes that found the key evicted (counted as done): both LRUs refill a CPU's\n");
	fprintf(f, "  free list by evicting up to 128 nodes, so updates leave a 'full' 1k LRU map well short of full.\n");
	snprintf(nt, sizeof(nt), "%dT/1T ours", opts.fam_threads);
	fprintf(f, "%-44s %9s %9s %7s %9s %9s %7s %11s\n", "case",
		"ours 1T", "ref 1T", "ratio", "ours NT", "ref NT", "ratio",
		nt);
	print_rule(f, width);
	for (i = 0; i < nr_fam_rows; i++) {
		const struct fam_row *row = &fam_rows[i];
		const struct bench_result *r0 = &row->r[0], *r1 = &row->r[1];
		__u64 miss[2];

		if (!row->selected)
			continue;
		if (row->na) {
			fprintf(f, "%-44s %9s  n/a: a full %s takes no new key (E2BIG)\n",
				row->name, "-", bpfmap_map_type_name(row->map_type));
			continue;
		}
		if (r0->skipped) {
			if (i && fam_rows[i - 1].r[0].skipped &&
			    fam_rows[i - 1].map_type == row->map_type)
				continue;
			snprintf(name, sizeof(name), "%s (all cases)",
				 bpfmap_map_type_name(row->map_type));
			fprintf(f, "%-44s %9s  skipped: %s\n", name, "-",
				r0->note);
			continue;
		}
		if (!fam_cell_ok(r0) || !fam_cell_ok(r1)) {
			fprintf(f, "%-44s %9s  FAILED: %s\n", row->name, "-",
				r0->failed ? r0->note : r1->note);
			continue;
		}
		fprintf(f, "%-44s %9.4f %9.4f %7.3f %9.4f %9.4f %7.3f %11.2f",
			row->name, r0->side[dev].best, r0->side[ref].best,
			r0->ratio, r1->side[dev].best, r1->side[ref].best,
			r1->ratio,
			r0->side[dev].best > 0 ?
			r1->side[dev].best / r0->side[dev].best : 0);
		for (k = 0; k < 2; k++)
			miss[k] = r0->side[k].misses + r1->side[k].misses;
		if (miss[dev] || miss[ref])
			fprintf(f, "  misses %llu/%llu",
				(unsigned long long)miss[dev],
				(unsigned long long)miss[ref]);
		fputc('\n', f);
	}
	for (k = 0; k < 2; k++) {
		n = fam_summarise(k, &geo, &min);
		fprintf(f, "summary %s: %d cell(s), ratio geomean %.3f, min %.3f\n",
			k ? "NT" : "1T", n, geo, min);
	}

	for (i = 0, n = 0; i < (int)NR_FAM_MEM; i++)
		n += fam_mem[i].done || fam_mem[i].note[0];
	if (!n)
		goto lru;
	fprintf(f, "\nmemory per element at %s max_entries: GET_INFO_BY_FD memory / max_entries (ours: out_memory;\n",
		size_name(FAM_MEM_ENTRIES, sz, sizeof(sz)));
	fprintf(f, "  ref: fdinfo memlock, which 6.1 estimates as round_up(key + value, 8) per entry, not the real use)\n");
	fprintf(f, "%-44s %12s %12s %8s\n", "type", "ours B/elem", "ref B/elem",
		"ratio");
	print_rule(f, 44 + 1 + 12 + 1 + 12 + 1 + 8);
	for (i = 0; i < (int)NR_FAM_MEM; i++) {
		const struct fam_mem *m = &fam_mem[i];

		if (!m->done && !m->note[0])
			continue;
		snprintf(name, sizeof(name), "%s v%u",
			 bpfmap_map_type_name(fam_types[i / ARRAY_SIZE(fam_values)]),
			 fam_values[i % ARRAY_SIZE(fam_values)]);
		if (!m->done) {
			fprintf(f, "%-44s %12s  FAILED: %s\n", name, "-",
				m->note);
			continue;
		}
		fprintf(f, "%-44s %12.1f %12.1f %8.3f\n", name,
			(double)m->bytes[dev] / m->max_entries,
			(double)m->bytes[ref] / m->max_entries,
			m->bytes[ref] ? (double)m->bytes[dev] / m->bytes[ref] :
					0);
	}

lru:
	for (j = 0, n = 0; j < NR_LRU_COST; j++)
		n += lru_cost(j, dev) > 0 && lru_cost(j, ref) > 0;
	if (!n)
		return;
	fprintf(f, "\nlru_hash lookup cost relative to hash (time per lookup, 1 thread; 1.0: the same)\n");
	fprintf(f, "%-44s %12s %12s\n", "shape", "ours", "ref");
	print_rule(f, 44 + 1 + 12 + 1 + 12);
	for (j = 0; j < NR_LRU_COST; j++) {
		double co = lru_cost(j, dev), cr = lru_cost(j, ref);

		if (co <= 0 || cr <= 0)
			continue;
		lru_cost_shape(j, &v, &s, &fp);
		snprintf(name, sizeof(name), "v%u %s %u%%", v,
			 size_name(s, sz, sizeof(sz)), fp);
		fprintf(f, "%-44s %12.3f %12.3f\n", name, co, cr);
	}
}

/* ---- the batch table ---- */

#define BATCH_KEY_SIZE		8
#define BATCH_VALUE_SIZE	8
/* Entries of the batch map, tried from the largest down. */
static const __u32 batch_ns[] = { 1U << 20, 1U << 18, 1U << 16 };
/* Elements per update_batch call of an untimed refill. */
#define REFILL_CHUNK		4096

enum batch_op {
	BOP_LOOKUP,
	BOP_LOOKUP_DELETE,
	BOP_DELETE,
	BOP_UPDATE,
	NR_BOPS,
};

static const char *const bop_names[] = {
	[BOP_LOOKUP] = "lookup",
	[BOP_LOOKUP_DELETE] = "lookup_and_delete",
	[BOP_DELETE] = "delete",
	[BOP_UPDATE] = "update",
};

static const char *const bop_elem_names[] = {
	[BOP_LOOKUP] = "get_next_key+lookup",
	[BOP_LOOKUP_DELETE] = "get_next_key+lookup_and_delete",
	[BOP_DELETE] = "delete per element",
	[BOP_UPDATE] = "update per element",
};

static const char *const bop_batch_names[] = {
	[BOP_LOOKUP] = "lookup_batch",
	[BOP_LOOKUP_DELETE] = "lookup_and_delete_batch",
	[BOP_DELETE] = "delete_batch",
	[BOP_UPDATE] = "update_batch",
};

/* Method 0 is per element, the others a batch size. */
#define NR_METHODS		4

struct batch_cell {
	double secs[2][MAX_ROUNDS];	/* indexed by backend */
	double best[2];			/* least seconds */
};

struct batch_bench {
	__u32 n;
	__u32 sizes[NR_METHODS];	/* 0, 10, 1000, n */
	int fds[2];
	unsigned char *keys;	/* the n keys, in insertion order */
	unsigned char *values;	/* n values */
	unsigned char *out_keys;	/* lookup batch output, n keys */
	unsigned char *out_values;
	struct batch_cell cell[NR_BOPS][NR_METHODS];
	double fill_secs[2];	/* the first fill, for the header */
	double secs;		/* wall time of the table */
	__u64 enospc;		/* calls retried with a larger count */
	int rounds;
	bool ran;
	bool failed;
	char tried[160];	/* the sizes that did not work */
	char note[160];		/* why it failed */
};

static struct batch_bench bb;

static int batch_fill(int fd)
{
	__u32 i, cnt, want;
	int err;

	for (i = 0; i < bb.n; i += want) {
		want = bb.n - i < REFILL_CHUNK ? bb.n - i : REFILL_CHUNK;
		cnt = want;
		err = bpfmap_map_update_batch(fd,
					      bb.keys + (size_t)i * BATCH_KEY_SIZE,
					      bb.values + (size_t)i * BATCH_VALUE_SIZE,
					      &cnt, NULL);
		if (err)
			return err;
		if (cnt != want)
			return -EPROTO;
	}
	return 0;
}

/* 0 when the map is empty, else -ENOTEMPTY or the error. */
static int batch_check_empty(int fd)
{
	unsigned char key[BATCH_KEY_SIZE];
	int err;

	err = bpfmap_map_get_next_key(fd, NULL, key);
	if (err == -ENOENT)
		return 0;
	return err ? err : -ENOTEMPTY;
}

/*
 * The per-element walk of the whole map: get_next_key and then a lookup of
 * each key, or (@del) the next key first and then a lookup_and_delete of
 * the current one, so the walk never restarts from a deleted key.
 */
static int walk_elem(int fd, bool del, __u32 *seen)
{
	unsigned char cur[BATCH_KEY_SIZE], next[BATCH_KEY_SIZE];
	unsigned char value[BATCH_VALUE_SIZE];
	int err, err2;

	*seen = 0;
	err = bpfmap_map_get_next_key(fd, NULL, cur);
	if (err)
		return err == -ENOENT ? 0 : err;
	for (;;) {
		if (del) {
			err = bpfmap_map_get_next_key(fd, cur, next);
			err2 = bpfmap_map_lookup_and_delete_elem(fd, cur,
								 value);
		} else {
			err2 = bpfmap_map_lookup_elem(fd, cur, value);
			err = bpfmap_map_get_next_key(fd, cur, next);
		}
		if (err2)
			return err2;
		++*seen;
		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
		memcpy(cur, next, sizeof(cur));
	}
}

/*
 * The batch walk of the whole map, @size elements a call into the same
 * buffers; a bucket larger than @size (ENOSPC with nothing done) is
 * retried with a larger count.
 */
static int walk_batch(int fd, __u32 size, bool del, __u32 *seen)
{
	__u32 in = 0, out = 0, cnt, want;
	bool first = true;
	int err;

	*seen = 0;
	for (;;) {
		want = size;
		for (;;) {
			cnt = want;
			if (del)
				err = bpfmap_map_lookup_and_delete_batch(fd,
						first ? NULL : &in, &out,
						bb.out_keys, bb.out_values,
						&cnt, NULL);
			else
				err = bpfmap_map_lookup_batch(fd,
						first ? NULL : &in, &out,
						bb.out_keys, bb.out_values,
						&cnt, NULL);
			if (err != -ENOSPC || cnt || want >= bb.n)
				break;
			want = want * 2 < bb.n ? want * 2 : bb.n;
			bb.enospc++;
		}
		*seen += cnt;
		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
		if (!cnt)
			return -EPROTO;	/* no progress and no end */
		in = out;
		first = false;
	}
}

/* Every key, element by element (@update: insert, else delete). */
static int each_elem(int fd, bool update)
{
	__u32 i;
	int err;

	for (i = 0; i < bb.n; i++) {
		const void *key = bb.keys + (size_t)i * BATCH_KEY_SIZE;

		if (update)
			err = bpfmap_map_update_elem(fd, key,
					bb.values + (size_t)i * BATCH_VALUE_SIZE,
					BPFMAP_ANY);
		else
			err = bpfmap_map_delete_elem(fd, key);
		if (err)
			return err;
	}
	return 0;
}

/* Every key, @size a call (@update: update_batch, else delete_batch). */
static int each_batch(int fd, __u32 size, bool update)
{
	__u32 i, cnt, want;
	int err;

	for (i = 0; i < bb.n; i += want) {
		const void *keys = bb.keys + (size_t)i * BATCH_KEY_SIZE;

		want = bb.n - i < size ? bb.n - i : size;
		cnt = want;
		if (update)
			err = bpfmap_map_update_batch(fd, keys,
					bb.values + (size_t)i * BATCH_VALUE_SIZE,
					&cnt, NULL);
		else
			err = bpfmap_map_delete_batch(fd, keys, &cnt, NULL);
		if (err)
			return err;
		if (cnt != want)
			return -EPROTO;
	}
	return 0;
}

/*
 * One timed run of @op by method @m on backend @b; the map must be full
 * for all but the update, which fills the empty map.  Checks that a walk
 * saw every element and that a draining run left the map empty.
 */
static int batch_timed(int b, int round, enum batch_op op, int m)
{
	int fd = bb.fds[b];
	__u32 size = bb.sizes[m], seen = bb.n;
	double t0, secs;
	int err;

	t0 = now();
	switch (op) {
	case BOP_LOOKUP:
	case BOP_LOOKUP_DELETE:
		err = m ? walk_batch(fd, size, op == BOP_LOOKUP_DELETE, &seen) :
			  walk_elem(fd, op == BOP_LOOKUP_DELETE, &seen);
		break;
	default:
		err = m ? each_batch(fd, size, op == BOP_UPDATE) :
			  each_elem(fd, op == BOP_UPDATE);
		break;
	}
	secs = now() - t0;
	if (!err && seen != bb.n) {
		snprintf(bb.note, sizeof(bb.note),
			 "%s by %s %u on %s: saw %u of %u elements",
			 bop_names[op], m ? "batch" : "element", size,
			 bpfmap_backend_name(b), seen, bb.n);
		return -EPROTO;
	}
	if (!err && (op == BOP_LOOKUP_DELETE || op == BOP_DELETE))
		err = batch_check_empty(fd);
	if (err) {
		if (!bb.note[0])
			snprintf(bb.note, sizeof(bb.note),
				 "%s by %s %u on %s: %s", bop_names[op],
				 m ? "batch" : "element", size,
				 bpfmap_backend_name(b), strerror(-err));
		return err;
	}
	bb.cell[op][m].secs[b][round] = secs;
	return 0;
}

/*
 * One round on backend @b, the map full on entry and on exit: the lookup
 * walks; the drains, each followed by an untimed refill; then deletes and
 * updates alternating, each delete emptying the map and the next update
 * filling it again.
 */
static int batch_round(int b, int round)
{
	int m, err;

	bpfmap_backend_select(b);
	for (m = 0; m < NR_METHODS; m++) {
		err = batch_timed(b, round, BOP_LOOKUP, m);
		if (err)
			return err;
	}
	for (m = 0; m < NR_METHODS; m++) {
		err = batch_timed(b, round, BOP_LOOKUP_DELETE, m);
		if (!err)
			err = batch_fill(bb.fds[b]);
		if (err)
			goto refill;
	}
	for (m = 0; m < NR_METHODS; m++) {
		err = batch_timed(b, round, BOP_DELETE, m);
		if (!err)
			err = batch_timed(b, round, BOP_UPDATE, m);
		if (err)
			return err;
	}
	return 0;
refill:
	if (!bb.note[0])
		snprintf(bb.note, sizeof(bb.note), "refill on %s: %s",
			 bpfmap_backend_name(b), strerror(-err));
	return err;
}

static void batch_close(void)
{
	int b;

	for (b = 0; b < 2; b++) {
		if (bb.fds[b] >= 0)
			close(bb.fds[b]);
		bb.fds[b] = -1;
	}
	free(bb.keys);
	free(bb.values);
	free(bb.out_keys);
	free(bb.out_values);
	bb.keys = bb.values = bb.out_keys = bb.out_values = NULL;
}

/* Create and fill the HASH of @n entries on both backends; 0 or -errno. */
static int batch_setup(__u32 n, char *note, size_t len)
{
	__u32 i;
	double t0;
	int b, fd, err;

	bb.n = n;
	bb.sizes[0] = 0;
	bb.sizes[1] = 10;
	bb.sizes[2] = 1000;
	bb.sizes[3] = n;
	bb.keys = xcalloc(n, BATCH_KEY_SIZE);
	bb.values = xcalloc(n, BATCH_VALUE_SIZE);
	bb.out_keys = xcalloc(n, BATCH_KEY_SIZE);
	bb.out_values = xcalloc(n, BATCH_VALUE_SIZE);
	for (i = 0; i < n; i++) {
		__u64 v = i;

		key_put(bb.keys + (size_t)i * BATCH_KEY_SIZE, BATCH_KEY_SIZE,
			i);
		memcpy(bb.values + (size_t)i * BATCH_VALUE_SIZE, &v,
		       BATCH_VALUE_SIZE);
	}
	for (b = 0; b < 2; b++) {
		bpfmap_backend_select(order[b]);
		fd = bpfmap_map_create(BPFMAP_MAP_TYPE_HASH, "bench_batch",
				       BATCH_KEY_SIZE, BATCH_VALUE_SIZE, n,
				       NULL);
		if (fd < 0) {
			snprintf(note, len, "create on %s: %s",
				 bpfmap_backend_name(order[b]), strerror(-fd));
			return fd;
		}
		bb.fds[order[b]] = fd;
		t0 = now();
		err = batch_fill(fd);
		bb.fill_secs[order[b]] = now() - t0;
		if (err) {
			snprintf(note, len, "fill on %s: %s",
				 bpfmap_backend_name(order[b]), strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The batch table; false when it failed. */
static bool run_batch(void)
{
	__u32 cand[ARRAY_SIZE(batch_ns)], n;
	char note[96], sz[16];
	size_t i, nc = 0;
	int round, b, op, m, err = -EINVAL;
	double t0 = now();

	bb.fds[0] = bb.fds[1] = -1;
	bb.rounds = opts.batch_rounds;
	bb.ran = true;
	/* the sizes up to --batch-entries, largest first; or that one alone */
	for (i = 0; i < ARRAY_SIZE(batch_ns); i++)
		if (batch_ns[i] <= opts.batch_entries)
			cand[nc++] = batch_ns[i];
	if (!nc)
		cand[nc++] = opts.batch_entries;
	for (i = 0; i < nc; i++) {
		n = cand[i];
		err = batch_setup(n, note, sizeof(note));
		if (!err)
			break;
		fprintf(stderr, "bench_maps: batch map of %u entries: %s\n", n,
			note);
		snprintf(bb.tried + strlen(bb.tried),
			 sizeof(bb.tried) - strlen(bb.tried), "%s%s: %s",
			 bb.tried[0] ? "; " : "",
			 size_name(n, sz, sizeof(sz)), note);
		batch_close();
	}
	if (err) {
		bb.failed = true;
		snprintf(bb.note, sizeof(bb.note), "no map size worked");
		return false;
	}

	for (round = 0; round < bb.rounds; round++) {
		for (b = 0; b < 2; b++) {
			err = batch_round(order[b], round);
			if (err) {
				bb.failed = true;
				fprintf(stderr, "bench_maps: batch: FAILED (%s)\n",
					bb.note);
				batch_close();
				return false;
			}
		}
	}
	for (op = 0; op < NR_BOPS; op++) {
		for (m = 0; m < NR_METHODS; m++) {
			struct batch_cell *cell = &bb.cell[op][m];

			for (b = 0; b < 2; b++) {
				cell->best[b] = cell->secs[b][0];
				for (round = 1; round < bb.rounds; round++)
					if (cell->secs[b][round] < cell->best[b])
						cell->best[b] = cell->secs[b][round];
			}
		}
	}
	batch_close();
	bb.secs = now() - t0;
	return true;
}

/* Melem/s of a cell on backend @b. */
static double batch_rate(int op, int m, int b)
{
	double s = bb.cell[op][m].best[b];

	return s > 0 ? bb.n / s / 1e6 : 0;
}

/* How much faster method @m is than the per-element one, on backend @b. */
static double batch_speedup(int op, int m, int b)
{
	double s = bb.cell[op][m].best[b];

	return s > 0 ? bb.cell[op][0].best[b] / s : 0;
}

static void batch_row_name(char *buf, size_t len, int op, int m)
{
	char sz[16];

	if (!m)
		snprintf(buf, len, "%s", bop_elem_names[op]);
	else
		snprintf(buf, len, "%s %s", bop_batch_names[op],
			 size_name(bb.sizes[m], sz, sizeof(sz)));
}

static void print_batch(FILE *f)
{
	const int dev = BPFMAP_BACKEND_DEV, ref = BPFMAP_BACKEND_KERNEL;
	double best = 0;
	char name[48], sz[16];
	int op, m, best_m = 0;

	fprintf(f, "\nbatch: hash k%u v%u, N = %u entries (%s, full), %d round(s), best round; Melem/s over a pass of all N (table: %.0f s)\n",
		BATCH_KEY_SIZE, BATCH_VALUE_SIZE, bb.n,
		size_name(bb.n, sz, sizeof(sz)), bb.rounds, bb.secs);
	if (bb.tried[0])
		fprintf(f, "  sizes that did not work: %s\n", bb.tried);
	if (bb.failed) {
		fprintf(f, "  FAILED: %s\n", bb.note);
		return;
	}
	fprintf(f, "  untimed fill of N: ours %.2f s, ref %.2f s; refills between drains not counted;\n",
		bb.fill_secs[dev], bb.fill_secs[ref]);
	fprintf(f, "  delete empties the full map, update inserts N keys into the empty one; x elem: speedup over per element\n");
	fprintf(f, "%-38s %12s %12s %8s %10s %10s\n", "case", "ours Melem/s",
		"ref Melem/s", "ratio", "ours x el", "ref x el");
	print_rule(f, 38 + 1 + 12 + 1 + 12 + 1 + 8 + 1 + 10 + 1 + 10);
	for (op = 0; op < NR_BOPS; op++) {
		for (m = 0; m < NR_METHODS; m++) {
			double ours = batch_rate(op, m, dev);
			double theirs = batch_rate(op, m, ref);

			batch_row_name(name, sizeof(name), op, m);
			fprintf(f, "%-38s %12.4f %12.4f %8.3f", name, ours,
				theirs, theirs > 0 ? ours / theirs : 0);
			if (m)
				fprintf(f, " %10.2f %10.2f",
					batch_speedup(op, m, dev),
					batch_speedup(op, m, ref));
			fputc('\n', f);
		}
	}
	for (m = 1; m < NR_METHODS; m++) {
		if (batch_speedup(BOP_LOOKUP, m, dev) > best) {
			best = batch_speedup(BOP_LOOKUP, m, dev);
			best_m = m;
		}
	}
	fprintf(f, "summary: ours lookup_batch walk %.1fx the per-element walk (batch %s; goal >= 10x: %s); ref %.1fx\n",
		best, best_m ? size_name(bb.sizes[best_m], sz, sizeof(sz)) : "-",
		best >= 10 ? "met" : "not met",
		best_m ? batch_speedup(BOP_LOOKUP, best_m, ref) : 0);
	if (bb.enospc)
		fprintf(f, "  %llu batch call(s) retried with a larger count (a bucket over the batch size)\n",
			(unsigned long long)bb.enospc);
}

/* ---- JSON ---- */

static void json_side(FILE *f, const char *name, const struct bench_side *s,
		      int rounds)
{
	int i;

	fprintf(f, "\"%s\":{\"median_mops\":%.6f,\"best_mops\":%.6f,\"misses\":%llu,\"rounds\":[",
		name, s->median, s->best, (unsigned long long)s->misses);
	for (i = 0; i < rounds; i++)
		fprintf(f, "%s%.6f", i ? "," : "", s->mops[i]);
	fprintf(f, "]}");
}

/* A result's fields, without the braces around them. */
static void json_result(FILE *f, const struct bench_result *r)
{
	fprintf(f, "\"name\":\"%s\",\"op\":\"%s\"", r->c.name,
		op_names[r->c.op]);
	if (r->c.op != OP_NULL)
		fprintf(f, ",\"map_type\":\"%s\",\"key_size\":%u,\"value_size\":%u",
			bpfmap_map_type_name(r->c.map_type),
			r->c.key_size, r->c.value_size);
	if (r->skipped || r->failed) {
		fprintf(f, ",\"status\":\"%s\",\"note\":\"%s\"",
			r->skipped ? "skipped" : "failed", r->note);
		return;
	}
	fprintf(f, ",\"status\":\"ok\",");
	json_side(f, "ours", &r->side[BPFMAP_BACKEND_DEV], r->c.rounds);
	fprintf(f, ",");
	json_side(f, "ref", &r->side[BPFMAP_BACKEND_KERNEL], r->c.rounds);
	fprintf(f, ",\"ratio\":%.6f,\"ratio_min\":%.6f,\"ratio_max\":%.6f",
		r->ratio, r->ratio_min, r->ratio_max);
}

static void json_family(FILE *f)
{
	const int dev = BPFMAP_BACKEND_DEV, ref = BPFMAP_BACKEND_KERNEL;
	bool first = true;
	__u32 v, s, fp;
	double geo, min;
	int i, k, n;
	size_t j;

	fprintf(f, ",\n\"hash_family\":{\"rounds\":%d,\"seconds\":%.3f,\"threads\":[1,%d],\"key_size\":8,\"cells\":[",
		opts.fam_rounds, opts.fam_seconds, opts.fam_threads);
	for (i = 0; i < nr_fam_rows; i++) {
		const struct fam_row *row = &fam_rows[i];

		if (!row->selected)
			continue;
		for (k = 0; k < 2; k++) {
			const struct bench_result *r = &row->r[k];

			fprintf(f, "%s\n{\"row\":\"%s\",\"map_type\":\"%s\",\"value_size\":%u,\"max_entries\":%u,\"fill_pct\":%u,\"fam_op\":\"%s\",\"threads\":%d",
				first ? "" : ",", row->name,
				bpfmap_map_type_name(row->map_type),
				row->value_size, row->max_entries,
				row->fill_pct, fam_op_names[row->fop],
				k ? opts.fam_threads : 1);
			first = false;
			if (row->na) {
				fprintf(f, ",\"status\":\"n/a\",\"note\":\"E2BIG: full\"}");
				continue;
			}
			fprintf(f, ",\"case\":{");
			json_result(f, r);
			fprintf(f, "}}");
		}
	}
	fprintf(f, "\n],\"summary\":{");
	for (k = 0; k < 2; k++) {
		n = fam_summarise(k, &geo, &min);
		fprintf(f, "%s\"threads_%d\":{\"cells\":%d,\"geomean_ratio\":%.6f,\"min_ratio\":%.6f}",
			k ? "," : "", k ? opts.fam_threads : 1, n, geo, min);
	}
	fprintf(f, "},\"memory\":[");
	first = true;
	for (i = 0; i < (int)NR_FAM_MEM; i++) {
		const struct fam_mem *m = &fam_mem[i];

		if (!m->done)
			continue;
		fprintf(f, "%s\n{\"map_type\":\"%s\",\"value_size\":%u,\"max_entries\":%u,\"ours_bytes\":%llu,\"ref_bytes\":%llu,\"ours_per_elem\":%.3f,\"ref_per_elem\":%.3f}",
			first ? "" : ",", bpfmap_map_type_name(m->map_type),
			m->value_size, m->max_entries,
			(unsigned long long)m->bytes[dev],
			(unsigned long long)m->bytes[ref],
			(double)m->bytes[dev] / m->max_entries,
			(double)m->bytes[ref] / m->max_entries);
		first = false;
	}
	fprintf(f, "\n],\"lru_lookup_cost\":[");
	first = true;
	for (j = 0; j < NR_LRU_COST; j++) {
		double co = lru_cost(j, dev), cr = lru_cost(j, ref);

		if (co <= 0 || cr <= 0)
			continue;
		lru_cost_shape(j, &v, &s, &fp);
		fprintf(f, "%s\n{\"value_size\":%u,\"max_entries\":%u,\"fill_pct\":%u,\"ours\":%.6f,\"ref\":%.6f}",
			first ? "" : ",", v, s, fp, co, cr);
		first = false;
	}
	fprintf(f, "\n]}");
}

static void json_batch(FILE *f)
{
	const int dev = BPFMAP_BACKEND_DEV, ref = BPFMAP_BACKEND_KERNEL;
	int op, m, b, round;

	fprintf(f, ",\n\"batch\":{\"map_type\":\"hash\",\"key_size\":%u,\"value_size\":%u,\"entries\":%u,\"rounds\":%d,\"tried\":\"%s\"",
		BATCH_KEY_SIZE, BATCH_VALUE_SIZE, bb.n, bb.rounds, bb.tried);
	if (bb.failed) {
		fprintf(f, ",\"status\":\"failed\",\"note\":\"%s\"}", bb.note);
		return;
	}
	fprintf(f, ",\"status\":\"ok\",\"fill_secs\":{\"ours\":%.6f,\"ref\":%.6f},\"enospc_retries\":%llu,\"rows\":[",
		bb.fill_secs[dev], bb.fill_secs[ref],
		(unsigned long long)bb.enospc);
	for (op = 0; op < NR_BOPS; op++) {
		for (m = 0; m < NR_METHODS; m++) {
			fprintf(f, "%s\n{\"op\":\"%s\",\"method\":\"%s\",\"batch_size\":%u,\"ours_melems\":%.6f,\"ref_melems\":%.6f,\"ratio\":%.6f,\"ours_speedup\":%.6f,\"ref_speedup\":%.6f",
				op || m ? "," : "", bop_names[op],
				m ? "batch" : "element", bb.sizes[m],
				batch_rate(op, m, dev), batch_rate(op, m, ref),
				batch_rate(op, m, ref) > 0 ?
				batch_rate(op, m, dev) / batch_rate(op, m, ref) :
				0, batch_speedup(op, m, dev),
				batch_speedup(op, m, ref));
			for (b = 0; b < 2; b++) {
				fprintf(f, ",\"%s_secs\":[", b ? "ref" : "ours");
				for (round = 0; round < bb.rounds; round++)
					fprintf(f, "%s%.6f", round ? "," : "",
						bb.cell[op][m].secs[b][round]);
				fprintf(f, "]");
			}
			fprintf(f, "}");
		}
	}
	fprintf(f, "\n]}");
}

static void print_json(FILE *f, const struct bench_result *rs, int n)
{
	double geo, min;
	int i, k;

	k = summarise(rs, n, &geo, &min);
	fprintf(f, "{\"threads\":%d,\"rounds\":%d,\"seconds\":%.3f,\"entries\":%u,\"possible_cpus\":%d,\"cases\":[",
		opts.threads, opts.rounds, opts.seconds, opts.entries,
		bpfmap_num_possible_cpus());
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n{", i ? "," : "");
		json_result(f, &rs[i]);
		fprintf(f, "}");
	}
	fprintf(f, "\n]");
	if (fam_ran)
		json_family(f);
	if (bb.ran)
		json_batch(f);
	fprintf(f, ",\n\"summary\":{\"map_cases\":%d,\"geomean_ratio\":%.6f,\"min_ratio\":%.6f}}\n",
		k, geo, min);
}

static void print_all(FILE *f, const struct bench_result *rs, int n)
{
	if (opts.tables & TABLE_MAIN)
		print_table(f, rs, n);
	if (fam_ran)
		print_family(f);
	if (bb.ran)
		print_batch(f);
}

static void print_usage(FILE *f)
{
	fprintf(f,
"usage: bench_maps [OPTIONS]\n"
"  -t, --threads N     threads on disjoint keys (default 1)\n"
"  -d, --duration S    seconds per round and backend (default 0.3)\n"
"  -r, --rounds N      rounds, backends interleaved; best (default 3)\n"
"  -n, --entries N     existing keys per map (default 1024; a hash has\n"
"                      4x as many entries, so it stays 25%% full)\n"
"  -f, --filter TEXT   only the cases and hash family rows whose name\n"
"                      contains TEXT (the batch table is all or nothing)\n"
"  -T, --tables LIST   main,family,batch or a subset (default all)\n"
"      --fam-rounds N  hash family rounds (default 5)\n"
"      --fam-duration S  hash family seconds per cell and backend (0.04)\n"
"      --fam-threads N   the threads of the scaling column (default 2)\n"
"      --batch-entries N  batch map entries: the largest of 1M, 256k\n"
"                      and 64k up to N that works, or N below 64k\n"
"                      (default 1M)\n"
"      --batch-rounds N  batch rounds (default 2)\n"
"  -q, --quick         smoke test: 1 round of 0.05 s, family 1 round of\n"
"                      0.02 s, batch 64k and 1 round (unless given)\n"
"      --json[=FILE]   JSON on stdout instead of the tables, or the\n"
"                      tables on stdout and JSON in FILE\n"
"Exit status: 0, or 1 when a case failed (a skip is not a failure).\n");
}

static unsigned int parse_tables(const char *s)
{
	unsigned int t = 0;
	char *dup, *tok, *save;

	dup = strdup(s);
	if (!dup)
		return 0;
	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "main"))
			t |= TABLE_MAIN;
		else if (!strcmp(tok, "family"))
			t |= TABLE_FAMILY;
		else if (!strcmp(tok, "batch"))
			t |= TABLE_BATCH;
		else if (!strcmp(tok, "all"))
			t |= TABLE_ALL;
		else {
			t = 0;
			break;
		}
	}
	free(dup);
	return t;
}

enum {
	OPT_FAM_ROUNDS = 256,
	OPT_FAM_DURATION,
	OPT_FAM_THREADS,
	OPT_BATCH_ENTRIES,
	OPT_BATCH_ROUNDS,
};

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "entries", required_argument, NULL, 'n' },
		{ "filter", required_argument, NULL, 'f' },
		{ "tables", required_argument, NULL, 'T' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", optional_argument, NULL, 'j' },
		{ "fam-rounds", required_argument, NULL, OPT_FAM_ROUNDS },
		{ "fam-duration", required_argument, NULL, OPT_FAM_DURATION },
		{ "fam-threads", required_argument, NULL, OPT_FAM_THREADS },
		{ "batch-entries", required_argument, NULL, OPT_BATCH_ENTRIES },
		{ "batch-rounds", required_argument, NULL, OPT_BATCH_ROUNDS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quick = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "t:d:r:n:f:T:qh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			opts.threads = strtol(optarg, &end, 10);
			if (*end || opts.threads < 1 ||
			    opts.threads > MAX_THREADS)
				goto bad;
			break;
		case 'd':
			opts.seconds = strtod(optarg, &end);
			if (*end || !(opts.seconds > 0) || opts.seconds > 60)
				goto bad;
			break;
		case 'r':
			opts.rounds = strtol(optarg, &end, 10);
			if (*end || opts.rounds < 1 ||
			    opts.rounds > MAX_ROUNDS)
				goto bad;
			break;
		case 'n':
			opts.entries = strtoul(optarg, &end, 10);
			if (*end || opts.entries < 1 ||
			    opts.entries > (1U << 24))
				goto bad;
			break;
		case 'f':
			opts.filter = optarg;
			break;
		case 'T':
			opts.tables = parse_tables(optarg);
			if (!opts.tables)
				goto bad;
			break;
		case 'q':
			quick = true;
			break;
		case 'j':
			opts.json = true;
			opts.json_file = optarg;
			break;
		case OPT_FAM_ROUNDS:
			opts.fam_rounds = strtol(optarg, &end, 10);
			if (*end || opts.fam_rounds < 1 ||
			    opts.fam_rounds > MAX_ROUNDS)
				goto bad;
			break;
		case OPT_FAM_DURATION:
			opts.fam_seconds = strtod(optarg, &end);
			if (*end || !(opts.fam_seconds > 0) ||
			    opts.fam_seconds > 60)
				goto bad;
			break;
		case OPT_FAM_THREADS:
			opts.fam_threads = strtol(optarg, &end, 10);
			if (*end || opts.fam_threads < 1 ||
			    opts.fam_threads > MAX_THREADS)
				goto bad;
			break;
		case OPT_BATCH_ENTRIES:
			opts.batch_entries = strtoul(optarg, &end, 10);
			if (*end || opts.batch_entries < 1 ||
			    opts.batch_entries > (1U << 24))
				goto bad;
			break;
		case OPT_BATCH_ROUNDS:
			opts.batch_rounds = strtol(optarg, &end, 10);
			if (*end || opts.batch_rounds < 1 ||
			    opts.batch_rounds > MAX_ROUNDS)
				goto bad;
			break;
		case 'h':
			print_usage(stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	if (quick) {
		opts.rounds = 1;
		opts.seconds = 0.05;
		if (!opts.fam_rounds)
			opts.fam_rounds = 1;
		if (!(opts.fam_seconds > 0))
			opts.fam_seconds = 0.02;
		if (!opts.batch_entries)
			opts.batch_entries = 1U << 16;
	}
	if (!opts.fam_rounds)
		opts.fam_rounds = 5;
	if (!(opts.fam_seconds > 0))
		opts.fam_seconds = 0.04;
	if (!opts.batch_entries)
		opts.batch_entries = 1U << 20;
	if (!opts.batch_rounds)
		opts.batch_rounds = quick ? 1 : 2;
	if (opts.entries < (__u32)opts.threads)
		opts.entries = opts.threads;
	return;
bad:
	print_usage(stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench_result *rs;
	bool failed = false;
	FILE *jf;
	int i, n = 0, fd;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = bpfmap_dev_fd();
	if (fd < 0) {
		fprintf(stderr, "bench_maps: /dev/bpfmap: %s\n", strerror(-fd));
		return 1;
	}

	rs = build_cases(&n);
	if (!(opts.tables & TABLE_MAIN))
		n = 0;
	for (i = 0; i < n; i++) {
		/* our backend refused this type before: skip its other cases */
		if (i && rs[i - 1].skipped && rs[i].c.op != OP_NULL &&
		    rs[i - 1].c.map_type == rs[i].c.map_type) {
			rs[i].skipped = true;
			memcpy(rs[i].note, rs[i - 1].note, sizeof(rs[i].note));
			continue;
		}
		run_case(&rs[i]);
		if (rs[i].failed)
			failed = true;
		if (rs[i].skipped)
			fprintf(stderr, "bench_maps: %s: skipped (%s)\n",
				bpfmap_map_type_name(rs[i].c.map_type),
				rs[i].note);
		else if (rs[i].failed)
			fprintf(stderr, "bench_maps: %s: FAILED (%s)\n",
				rs[i].c.name, rs[i].note);
	}
	if ((opts.tables & TABLE_FAMILY) && !run_family())
		failed = true;
	if ((opts.tables & TABLE_BATCH) && !run_batch())
		failed = true;

	if (opts.json && !opts.json_file) {
		print_json(stdout, rs, n);
	} else {
		print_all(stdout, rs, n);
		if (opts.json) {
			jf = fopen(opts.json_file, "w");
			if (!jf) {
				fprintf(stderr, "bench_maps: %s: %s\n",
					opts.json_file, strerror(errno));
				return 1;
			}
			print_json(jf, rs, n);
			if (fclose(jf))
				failed = true;
		}
	}
	free(rs);
	return failed ? 1 : 0;
}
