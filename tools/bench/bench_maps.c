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
 * the batch commands at three batch sizes.  The kernel table compares
 * lookups and updates made from kernel code: bpfmap's exported API called
 * by a bench module against a BPF program's map helpers.
 *
 * This file reads the options, runs the tables and prints them (and the
 * JSON); bench.h says which file holds what.
 *
 * usage: bench_maps [-q] [-t THREADS] [-d SECONDS] [-r ROUNDS]
 *                   [-n ENTRIES] [-f FILTER] [-T TABLES] [--json[=FILE]]
 *                   [--fam-rounds N] [--fam-duration S] [--fam-threads N]
 *                   [--batch-entries N] [--batch-rounds N]
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bench_opts opts = {
	.threads = 1,
	.seconds = 0.3,
	.rounds = 3,
	.entries = 1024,
	.tables = TABLE_ALL,
	.fam_threads = 2,
};

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
	if (family_ran())
		json_family(f);
	if (batch_ran())
		json_batch(f);
	if (kernel_ran())
		json_kernel(f);
	fprintf(f, ",\n\"summary\":{\"map_cases\":%d,\"geomean_ratio\":%.6f,\"min_ratio\":%.6f}}\n",
		k, geo, min);
}

static void print_all(FILE *f, const struct bench_result *rs, int n)
{
	if (opts.tables & TABLE_MAIN)
		print_table(f, rs, n);
	if (family_ran())
		print_family(f);
	if (batch_ran())
		print_batch(f);
	if (kernel_ran())
		print_kernel(f);
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
"  -T, --tables LIST   main,family,batch,kernel or a subset (default\n"
"                      all; kernel needs bpfmap_kbench.ko loaded)\n"
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
		else if (!strcmp(tok, "kernel"))
			t |= TABLE_KERNEL;
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
	if ((opts.tables & TABLE_KERNEL) && !run_kernel())
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
