// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * bpfmap-fuzz: the standalone ioctl fuzzer for /dev/bpfmap (the core is
 * fuzz_core.c).  Exit status 0 when the oracle found nothing, 1 when it
 * found violations, 2 when the fuzzer could not run.
 *
 * usage: bpfmap-fuzz [--seed N] [--threads N] [--seconds S] [--ops N]
 *                    [--faults P] [--max-reports N] [--verbose]
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_core.h"

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: bpfmap-fuzz [--seed N] [--threads N] [--seconds S] [--ops N]\n"
		"                   [--faults P] [--max-reports N] [--verbose]\n"
		"  --seed N         the run's seed (default 1); each thread's stream\n"
		"                   is derived from it and the thread's number\n"
		"  --threads N      threads (default 4, at most %d)\n"
		"  --seconds S      stop after S seconds (default 10 when --ops is\n"
		"                   not given)\n"
		"  --ops N          stop each thread after N ops\n"
		"  --faults P       run P percent of the ops with an allocation\n"
		"                   failure armed (fail-nth; needs the kernel's\n"
		"                   CONFIG_FAULT_INJECTION; default 0)\n"
		"  --max-reports N  violations printed in full (default 50)\n"
		"  --verbose        print every op\n", FUZZ_MAX_THREADS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "ops", required_argument, NULL, 'o' },
		{ "faults", required_argument, NULL, 'f' },
		{ "max-reports", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fuzz_config cfg = {
		.seed = 1, .threads = 4, .max_reports = 50, .out = stdout,
	};
	struct fuzz_totals totals;
	bool seconds_set = false;
	char *end;
	int c, err;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 's':
			cfg.seed = strtoull(optarg, &end, 0);
			break;
		case 't':
			cfg.threads = strtoul(optarg, &end, 0);
			break;
		case 'S':
			cfg.seconds = strtod(optarg, &end);
			seconds_set = true;
			break;
		case 'o':
			cfg.ops = strtoull(optarg, &end, 0);
			break;
		case 'f': {
			unsigned long pct = strtoul(optarg, &end, 0);

			if (pct > 100)
				errno = ERANGE;
			cfg.faults = pct;
			break;
		}
		case 'm':
			cfg.max_reports = strtoul(optarg, &end, 0);
			break;
		case 'v':
			cfg.verbose = 1;
			continue;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
		if (errno || *end || end == optarg) {
			fprintf(stderr, "bpfmap-fuzz: bad number '%s'\n",
				optarg);
			return 2;
		}
	}
	if (optind < argc) {
		print_usage(stderr);
		return 2;
	}
	if (!seconds_set && !cfg.ops)
		cfg.seconds = 10;

	printf("fuzz: seed=%llu threads=%u seconds=%g ops/thread=%llu faults=%u%%\n",
	       (unsigned long long)cfg.seed, cfg.threads, cfg.seconds,
	       (unsigned long long)cfg.ops, cfg.faults);
	fflush(stdout);
	err = fuzz_run(&cfg, &totals);
	if (err) {
		fprintf(stderr, "bpfmap-fuzz: cannot run: %s\n",
			strerror(-err));
		return 2;
	}
	fuzz_print_totals(stdout, &cfg, &totals);
	printf("fuzz: %s\n", totals.violations ? "FAILED" : "PASSED");
	return totals.violations ? 1 : 0;
}
