// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The hash family table: the four hash types at two sizes and two fills,
 * one map per shape shared by its cells, with 1 and N threads; then the
 * memory per element and the cost of an LRU lookup relative to a plain one.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

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

static bool is_lru(__u32 map_type)
{
	return map_type == BPFMAP_MAP_TYPE_LRU_HASH ||
	       map_type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
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
bool run_family(void)
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

bool family_ran(void)
{
	return fam_ran;
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

void print_family(FILE *f)
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

void json_family(FILE *f)
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
