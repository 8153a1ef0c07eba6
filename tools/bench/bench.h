/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * What the files of bench_maps share: the cases, the results, the options
 * and the harness that measures a case on both backends (harness.c).  One
 * file per table: the per-element table (elem_table.c); the hash family
 * table with the memory per element and the LRU lookup cost
 * (family_table.c); the batch table (batch_table.c); the in-kernel table
 * (kernel_table.c, with its module in kmod/).  bench_maps.c has
 * main(), the options and the JSON document.
 */
#ifndef _BENCH_H
#define _BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libbpfmap.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MAX_THREADS		64
#define MAX_ROUNDS		31

/* The tables, for -T. */
#define TABLE_MAIN		0x1
#define TABLE_FAMILY		0x2
#define TABLE_BATCH		0x4
#define TABLE_KERNEL		0x8
#define TABLE_ALL		(TABLE_MAIN | TABLE_FAMILY | TABLE_BATCH | \
				 TABLE_KERNEL)

enum bench_op {
	OP_LOOKUP,
	OP_UPDATE,
	OP_INSERT,	/* update of a new key, BPFMAP_ANY */
	OP_DELETE,	/* delete of a key inserted just before */
	OP_DEL_EXISTING, /* delete of an existing key, re-inserted untimed */
	OP_EVICT,	/* update of a new key into a full LRU map */
	OP_NULL,	/* the null-call floor; the map is not used */
};

extern const char *const op_names[];

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

/* bench_maps.c: the options, read once from the command line */
extern struct bench_opts opts;

/* harness.c: the order the backends run in within a round */
extern const enum bpfmap_backend order[2];

/* harness.c */
double now(void);
void *xcalloc(size_t n, size_t size);
bool selected(const char *name);
void key_put(unsigned char *dst, __u32 key_size, __u64 i);
const char *size_name(__u32 n, char *buf, size_t len);
void print_rule(FILE *f, int width);
bool setup_both(struct bench_result *r, int fds[2]);
void measure_case(struct bench_result *r, const int fds[2]);
void json_result(FILE *f, const struct bench_result *r);

/* elem_table.c: the per-element table (-T main) */
struct bench_result *build_cases(int *count);
void run_case(struct bench_result *r);
int summarise(const struct bench_result *rs, int n, double *geo,
	      double *min);
void print_table(FILE *f, const struct bench_result *rs, int n);

/*
 * family_table.c (-T family) and batch_table.c (-T batch): run the table
 * (false when a cell failed); whether it ran; print it, or its member of
 * the JSON document.
 */
bool run_family(void);
bool family_ran(void);
void print_family(FILE *f);
void json_family(FILE *f);
bool run_batch(void);
bool batch_ran(void);
void print_batch(FILE *f);
void json_batch(FILE *f);

/*
 * kernel_table.c (-T kernel): in-kernel operations, bpfmap_kbench.ko
 * against a BPF program; as above.
 */
bool run_kernel(void);
bool kernel_ran(void);
void print_kernel(FILE *f);
void json_kernel(FILE *f);

#endif /* _BENCH_H */
