// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The harness of bench_maps: a case's maps created and filled on both
 * backends, its threads run round by round, backends interleaved, and the
 * rounds summarised; the helpers every table uses.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

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

const char *const op_names[] = {
	[OP_LOOKUP] = "lookup",
	[OP_UPDATE] = "update",
	[OP_INSERT] = "insert",
	[OP_DELETE] = "delete",
	[OP_DEL_EXISTING] = "delete_existing",
	[OP_EVICT] = "insert_evict",
	[OP_NULL] = "null call",
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

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		fprintf(stderr, "bench_maps: out of memory\n");
		exit(1);
	}
	return p;
}

bool selected(const char *name)
{
	return !opts.filter || strstr(name, opts.filter);
}

/* Existing key @i (0 <= i < entries) of a map of key size @key_size. */
void key_put(unsigned char *dst, __u32 key_size, __u64 i)
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

const enum bpfmap_backend order[2] = {
	BPFMAP_BACKEND_DEV, BPFMAP_BACKEND_KERNEL,
};

/*
 * The rounds of one case on maps already set up (fds indexed by backend;
 * unused for the null call).  The maps keep their fill.
 */
void measure_case(struct bench_result *r, const int fds[2])
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
bool setup_both(struct bench_result *r, int fds[2])
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

void print_rule(FILE *f, int width)
{
	int i;

	for (i = 0; i < width; i++)
		fputc('-', f);
	fputc('\n', f);
}

const char *size_name(__u32 n, char *buf, size_t len)
{
	if (n >= 1024 && !(n % (1024 * 1024)))
		snprintf(buf, len, "%uM", n / (1024 * 1024));
	else if (n >= 1024 && !(n % 1024))
		snprintf(buf, len, "%uk", n / 1024);
	else
		snprintf(buf, len, "%u", n);
	return buf;
}

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
void json_result(FILE *f, const struct bench_result *r)
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
