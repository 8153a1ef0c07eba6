// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The batch table: one large hash walked, drained, deleted and refilled
 * element by element and with the batch commands at three batch sizes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

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
bool run_batch(void)
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

bool batch_ran(void)
{
	return bb.ran;
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

/* The goals of the batch paths (issue 11), as speedups over per element. */
#define GOAL_LOOKUP_X		15.0
#define GOAL_WRITE_X		5.0

void print_batch(FILE *f)
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
	fprintf(f, "summary: ours lookup_batch walk %.1fx the per-element walk (batch %s; goal >= %.0fx: %s); ref %.1fx\n",
		best, best_m ? size_name(bb.sizes[best_m], sz, sizeof(sz)) : "-",
		GOAL_LOOKUP_X, best >= GOAL_LOOKUP_X ? "met" : "not met",
		best_m ? batch_speedup(BOP_LOOKUP, best_m, ref) : 0);
	/* The largest batch size is the whole map, N. */
	for (op = 0; op < NR_BOPS; op++) {
		double x = batch_speedup(op, NR_METHODS - 1, dev);

		if (op != BOP_UPDATE && op != BOP_DELETE)
			continue;
		fprintf(f, "goal: %s %s at %.2fx its per-element op (>= %.0fx: %s)\n",
			bop_batch_names[op],
			size_name(bb.sizes[NR_METHODS - 1], sz, sizeof(sz)), x,
			GOAL_WRITE_X, x >= GOAL_WRITE_X ? "met" : "not met");
	}
	if (bb.enospc)
		fprintf(f, "  %llu batch call(s) retried with a larger count (a bucket over the batch size)\n",
			(unsigned long long)bb.enospc);
}

void json_batch(FILE *f)
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
