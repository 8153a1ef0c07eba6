// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The per-element table: the null-call floors, then every map type, value
 * size and operation, each case on a map of its own.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

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

void run_case(struct bench_result *r)
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
struct bench_result *build_cases(int *count)
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
int summarise(const struct bench_result *rs, int n, double *geo,
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

/*
 * Our null-call rate: the bound no per-element command of ours can pass,
 * so each row also says what fraction of it the command reaches.  0 when
 * the null call did not run.
 */
static double null_bound(const struct bench_result *rs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (rs[i].c.op == OP_NULL && !rs[i].skipped && !rs[i].failed)
			return rs[i].side[BPFMAP_BACKEND_DEV].best;
	return 0;
}

/* The goals of the per-element paths (issue 11): vs the kernel, vs null. */
#define GOAL_MIN_RATIO		1.3
#define GOAL_OF_NULL		0.6
static const char *const goal_cases[] = {
	"array k4 v4 lookup", "hash k8 v8 lookup",
};

/* One line: each goal case's fraction of the null call against the goal. */
static void print_lookup_goal(FILE *f, const struct bench_result *rs, int n,
			      double bound)
{
	size_t g;
	int i;

	if (bound <= 0)
		return;
	for (g = 0; g < ARRAY_SIZE(goal_cases); g++) {
		for (i = 0; i < n; i++) {
			double of;

			if (strcmp(rs[i].c.name, goal_cases[g]) ||
			    rs[i].skipped || rs[i].failed)
				continue;
			of = rs[i].side[BPFMAP_BACKEND_DEV].best / bound;
			fprintf(f, "goal: %s at %.3f of the null call (>= %.1f: %s)\n",
				goal_cases[g], of, GOAL_OF_NULL,
				of >= GOAL_OF_NULL ? "met" : "not met");
		}
	}
}

void print_table(FILE *f, const struct bench_result *rs, int n)
{
	double geo, min, bound = null_bound(rs, n);
	char name[48];
	int i, k;

	fprintf(f, "bench_maps: %d thread(s), %d round(s) of %.2f s per backend, best round; %u keys (hash: %u entries, 25%% full); %d possible CPUs\n",
		opts.threads, opts.rounds, opts.seconds, opts.entries,
		opts.entries * 4, bpfmap_num_possible_cpus());
	fprintf(f, "%-38s %12s %12s %8s %13s %8s\n", "case", "ours Mops/s",
		"ref Mops/s", "ratio", "round ratios", "of null");
	print_rule(f, 38 + 1 + 12 + 1 + 12 + 1 + 8 + 1 + 13 + 1 + 8);
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
		fprintf(f, "%-38s %12.4f %12.4f %8.3f   %5.2f-%-5.2f %8.3f\n",
			r->c.name, r->side[BPFMAP_BACKEND_DEV].best,
			r->side[BPFMAP_BACKEND_KERNEL].best, r->ratio,
			r->ratio_min, r->ratio_max,
			bound > 0 ? r->side[BPFMAP_BACKEND_DEV].best / bound : 0);
	}
	k = summarise(rs, n, &geo, &min);
	fprintf(f, "summary: %d map case(s), ratio geomean %.3f, min %.3f (null call excluded; goal min >= %.1f: %s)\n",
		k, geo, min, GOAL_MIN_RATIO, k && min >= GOAL_MIN_RATIO ?
		"met" : "not met");
	fprintf(f, "null-call bound (ours): %.4f Mops/s; \"of null\" is each case's ours / that bound\n",
		bound);
	print_lookup_goal(f, rs, n, bound);
}
