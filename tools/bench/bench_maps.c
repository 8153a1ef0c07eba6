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
 * usage: bench_maps [-q] [-t THREADS] [-d SECONDS] [-r ROUNDS]
 *                   [-n ENTRIES] [-f FILTER] [--json[=FILE]]
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

enum bench_op {
	OP_LOOKUP,
	OP_UPDATE,
	OP_INSERT,	/* update of a new key, BPFMAP_ANY */
	OP_DELETE,	/* delete of a key inserted just before */
	OP_NULL,	/* the null-call floor; the map is not used */
};

static const char *const op_names[] = {
	[OP_LOOKUP] = "lookup",
	[OP_UPDATE] = "update",
	[OP_INSERT] = "insert",
	[OP_DELETE] = "delete",
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

struct bench_case {
	char name[48];
	__u32 map_type;
	__u32 key_size;
	__u32 value_size;
	bool hash;
	enum bench_op op;
};

/* What one backend measured over the rounds of one case. */
struct bench_side {
	double mops[MAX_ROUNDS];
	double median;
	double best;
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
};

static struct bench_opts opts = {
	.threads = 1,
	.seconds = 0.3,
	.rounds = 3,
	.entries = 1024,
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
	pthread_barrier_t *start;
	/* results */
	__u64 ops;
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

/* lookup, update and the null call: CHUNK operations per clock read */
static void run_steady(struct worker *w, double seconds)
{
	const struct bench_case *c = w->c;
	__u32 ks = c->key_size, n = w->nkeys, i = 0, j;
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
				break;
			case OP_UPDATE:
				err = bpfmap_map_update_elem(w->map_fd, key,
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

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->start)
		pthread_barrier_wait(w->start);
	if (w->c->op == OP_INSERT || w->c->op == OP_DELETE)
		run_churn(w, opts.seconds);
	else
		run_steady(w, opts.seconds);
	return NULL;
}

/*
 * One round of one case on the current backend: every worker for
 * opts.seconds.  Returns Mops/s summed over the threads, or -errno.
 */
static double run_round(struct worker *ws, int map_fd, struct bench_result *r)
{
	pthread_barrier_t start;
	double mops = 0;
	int i, err;

	for (i = 0; i < opts.threads; i++) {
		ws[i].map_fd = map_fd;
		ws[i].ops = 0;
		ws[i].busy = 0;
		ws[i].err = 0;
		ws[i].start = NULL;
	}
	if (opts.threads == 1) {
		worker_main(&ws[0]);
	} else {
		pthread_barrier_init(&start, NULL, opts.threads);
		for (i = 0; i < opts.threads; i++) {
			ws[i].start = &start;
			err = pthread_create(&ws[i].thread, NULL, worker_main,
					     &ws[i]);
			if (err) {
				fprintf(stderr, "bench_maps: pthread_create: %s\n",
					strerror(err));
				exit(1);
			}
		}
		for (i = 0; i < opts.threads; i++)
			pthread_join(ws[i].thread, NULL);
		pthread_barrier_destroy(&start);
	}
	for (i = 0; i < opts.threads; i++) {
		if (ws[i].err) {
			snprintf(r->note, sizeof(r->note), "%s: %s on %s",
				 ws[i].err_what, strerror(-ws[i].err),
				 bpfmap_backend_name(bpfmap_backend_current()));
			return ws[i].err;
		}
		if (ws[i].busy > 0)
			mops += ws[i].ops / ws[i].busy / 1e6;
	}
	return mops;
}

/* Create the case's map on the current backend and fill it; fd or -errno. */
static int map_setup(const struct bench_case *c, void *value, char *note,
		     size_t note_len)
{
	__u32 max = c->hash ? opts.entries * 4 : opts.entries;
	unsigned char key[8];
	__u32 i;
	int fd, err;

	fd = bpfmap_map_create(c->map_type, "bench", c->key_size,
			       c->value_size, max, NULL);
	if (fd < 0) {
		snprintf(note, note_len, "create on %s: %s",
			 bpfmap_backend_name(bpfmap_backend_current()),
			 strerror(-fd));
		return fd;
	}
	for (i = 0; i < opts.entries; i++) {
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

static void run_case(struct bench_result *r)
{
	static const enum bpfmap_backend order[] = {
		BPFMAP_BACKEND_DEV, BPFMAP_BACKEND_KERNEL,
	};
	const struct bench_case *c = &r->c;
	struct worker ws[MAX_THREADS];
	int fds[2] = { -1, -1 };
	size_t vsize;
	void *value;
	int i, b, round;
	double mops;

	vsize = bpfmap_value_buf_size(c->map_type, c->value_size, 0);
	value = xcalloc(1, vsize);
	memset(value, 0x5a, vsize);

	if (c->op != OP_NULL) {
		for (b = 0; b < 2; b++) {
			bpfmap_backend_select(order[b]);
			fds[order[b]] = map_setup(c, value, r->note,
						  sizeof(r->note));
			if (fds[order[b]] < 0) {
				/* our backend may lack the type: a skip */
				if (order[b] == BPFMAP_BACKEND_DEV)
					r->skipped = true;
				else
					r->failed = true;
				goto out;
			}
		}
	}

	memset(ws, 0, sizeof(ws));
	for (i = 0; i < opts.threads; i++) {
		__u32 lo = (__u64)opts.entries * i / opts.threads;
		__u32 hi = (__u64)opts.entries * (i + 1) / opts.threads;

		ws[i].id = i;
		ws[i].c = c;
		ws[i].value = xcalloc(1, vsize);
		memset(ws[i].value, 0xa5, vsize);
		worker_keys(&ws[i], lo, hi > lo ? hi - lo : 1);
		ws[i].new_keys = xcalloc(CHURN, c->key_size);
		/* disjoint from the existing keys and from other threads */
		ws[i].new_next = (1ULL << 40) + ((__u64)i << 32);
	}

	for (round = 0; round < opts.rounds; round++) {
		for (b = 0; b < 2; b++) {
			bpfmap_backend_select(order[b]);
			mops = run_round(ws, fds[order[b]], r);
			if (mops < 0) {
				r->failed = true;
				goto out_workers;
			}
			r->side[order[b]].mops[round] = mops;
		}
	}
	for (b = 0; b < 2; b++)
		side_summarise(&r->side[b], opts.rounds);
	ratio_summarise(r, opts.rounds);
	r->ratio = r->side[BPFMAP_BACKEND_KERNEL].best > 0 ?
		   r->side[BPFMAP_BACKEND_DEV].best /
		   r->side[BPFMAP_BACKEND_KERNEL].best : 0;

out_workers:
	for (i = 0; i < opts.threads; i++) {
		free(ws[i].value);
		free(ws[i].keys);
		free(ws[i].new_keys);
	}
out:
	for (b = 0; b < 2; b++)
		if (fds[b] >= 0)
			close(fds[b]);
	free(value);
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
	snprintf(rs[n].c.name, sizeof(rs[n].c.name), "%s", NULL_CASE_NAME);
	if (!opts.filter || strstr(rs[n].c.name, opts.filter))
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
				snprintf(c->name, sizeof(c->name),
					 "%s k%u v%u %s",
					 bpfmap_map_type_name(bt->map_type),
					 c->key_size, c->value_size,
					 op_names[c->op]);
				if (!opts.filter ||
				    strstr(c->name, opts.filter))
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
	for (i = 0; i < 38 + 1 + 12 + 1 + 12 + 1 + 8 + 1 + 13; i++)
		fputc('-', f);
	fputc('\n', f);
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

static void json_side(FILE *f, const char *name, const struct bench_side *s)
{
	int i;

	fprintf(f, "\"%s\":{\"median_mops\":%.6f,\"best_mops\":%.6f,\"rounds\":[",
		name, s->median, s->best);
	for (i = 0; i < opts.rounds; i++)
		fprintf(f, "%s%.6f", i ? "," : "", s->mops[i]);
	fprintf(f, "]}");
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
		const struct bench_result *r = &rs[i];

		fprintf(f, "%s\n{\"name\":\"%s\",\"op\":\"%s\"", i ? "," : "",
			r->c.name, op_names[r->c.op]);
		if (r->c.op != OP_NULL)
			fprintf(f, ",\"map_type\":\"%s\",\"key_size\":%u,\"value_size\":%u",
				bpfmap_map_type_name(r->c.map_type),
				r->c.key_size, r->c.value_size);
		if (r->skipped || r->failed) {
			fprintf(f, ",\"status\":\"%s\",\"note\":\"%s\"}",
				r->skipped ? "skipped" : "failed", r->note);
			continue;
		}
		fprintf(f, ",\"status\":\"ok\",");
		json_side(f, "ours", &r->side[BPFMAP_BACKEND_DEV]);
		fprintf(f, ",");
		json_side(f, "ref", &r->side[BPFMAP_BACKEND_KERNEL]);
		fprintf(f, ",\"ratio\":%.6f,\"ratio_min\":%.6f,\"ratio_max\":%.6f}",
			r->ratio, r->ratio_min, r->ratio_max);
	}
	fprintf(f, "\n],\"summary\":{\"map_cases\":%d,\"geomean_ratio\":%.6f,\"min_ratio\":%.6f}}\n",
		k, geo, min);
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
"  -f, --filter TEXT   only the cases whose name contains TEXT\n"
"  -q, --quick         smoke test: 1 round of 0.05 s\n"
"      --json[=FILE]   JSON on stdout instead of the table, or the\n"
"                      table on stdout and JSON in FILE\n"
"Exit status: 0, or 1 when a case failed (a skip is not a failure).\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "entries", required_argument, NULL, 'n' },
		{ "filter", required_argument, NULL, 'f' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", optional_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quick = false;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "t:d:r:n:f:qh", longopts,
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
		case 'q':
			quick = true;
			break;
		case 'j':
			opts.json = true;
			opts.json_file = optarg;
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
	}
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
	int i, n, fd;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = bpfmap_dev_fd();
	if (fd < 0) {
		fprintf(stderr, "bench_maps: /dev/bpfmap: %s\n", strerror(-fd));
		return 1;
	}

	rs = build_cases(&n);
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

	if (opts.json && !opts.json_file) {
		print_json(stdout, rs, n);
	} else {
		print_table(stdout, rs, n);
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
