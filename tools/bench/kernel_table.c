// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The kernel table (-T kernel): the rate of lookups and updates made from
 * kernel code.  Ours: bpfmap_kbench.ko (tools/bench/kmod) calls the
 * exported API (<linux/bpfmap_kernel.h>) in a loop.  The reference: a BPF
 * program, assembled here from raw instructions, calls the map helpers on
 * the kernel's own map in the same loop, run by BPF_PROG_TEST_RUN with a
 * repeat count.  Both maps have the same type, key and value sizes and
 * fill, both loops make the same operations on the same keys in the same
 * order, and both sides run as bpf_test_run() runs a program: under
 * rcu_read_lock() with migration disabled, the time read with
 * ktime_get_ns() around all the runs of a call.
 *
 * One run is KT_OPS operations, operation i on existing key i (key_put()),
 * so a run visits every key once and the cost of a run (the program's
 * entry, the test loop's checks) is spread over KT_OPS operations.
 *
 * What each side pays per operation, besides the loop (a counter, a
 * compare, the key computed and stored on the stack, the result tested):
 *
 * - ref: the helper call as the 6.1 verifier rewrites it for a JITed
 *   program.  A lookup in an ARRAY, HASH or LRU_HASH is inlined
 *   (map_gen_lookup: the array's bounds check and address, or a direct
 *   call of __htab_map_lookup_elem() and the value's offset; LRU also
 *   marks the element used inline).  Every other lookup and every update
 *   is a direct call of the map's own function (no helper wrapper, no
 *   retpoline).
 * - ours: a direct call of the exported bpfmap_kernel_lookup() or
 *   bpfmap_kernel_update() in another module, and what it does for the
 *   type.
 * - ours, "lookup (view)" rows (ARRAY, PERCPU_ARRAY): the cached array
 *   view of the header, what the JIT gives the program.  Each run (of
 *   KT_OPS lookups, inside the timed region) fills a struct
 *   bpfmap_kernel_array_view once with bpfmap_kernel_array_view(), a call
 *   into bpfmap; then every lookup is the inline
 *   bpfmap_kernel_array_view_lookup() with the index by value: the bounds
 *   check and the address from the view in registers, as the program
 *   has the map's address, bound and stride as constants, where the plain
 *   lookup stores the key and reads them from the map each time.  The ref
 *   side is the same program as the plain lookup rows'.
 *
 * The lookup goal is printed twice: the lowest ratio over the plain lookup
 * rows (every type through bpfmap_kernel_lookup()), and per type the
 * ratio of the path the header documents for a hot loop: the view for
 * the two array types, bpfmap_kernel_lookup() for the others.
 *
 * An update writes value_size bytes with BPFMAP_ANY; on the per-CPU types
 * only this CPU's slot, as a BPF program's update does (ours passes
 * BPFMAP_F_CPU with this CPU).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "bench.h"
#include "kmod/bpfmap_kbench.h"

#ifndef __NR_bpf
#define __NR_bpf		321	/* x86_64 */
#endif

/* Operations per run, and the existing keys: every key once per run. */
#define KT_OPS			1024
/*
 * Runs per call and side in a round (quick: KT_REPEAT_QUICK), and rounds:
 * KT_ROUND_FACTOR times -r, at most MAX_ROUNDS.  Many short calls rather
 * than a few long ones: on a shared host the best round is the one no
 * other work disturbed, and a short call is more often left alone.
 */
#define KT_REPEAT		32
#define KT_REPEAT_QUICK		10
#define KT_ROUND_FACTOR		3
#define KT_MAX_INSNS		64
#define KT_LOG_SIZE		(64 * 1024)
/* The goals of issue 10: ours / ref rate. */
#define KT_GOAL_LOOKUP		1.0
#define KT_GOAL_UPDATE		0.9

enum kt_op {
	KT_LOOKUP,
	KT_UPDATE,
	KT_INNER_LOOKUP,	/* ARRAY_OF_MAPS slot 0, then its inner map */
	KT_VIEW_LOOKUP,		/* ours through an array view; ref as lookup */
};

static const char *const kt_op_names[] = {
	[KT_LOOKUP] = "lookup",
	[KT_UPDATE] = "update",
	[KT_INNER_LOOKUP] = "inner lookup",
	[KT_VIEW_LOOKUP] = "lookup (view)",
};

struct kt_type {
	__u32 map_type;
	__u32 key_size;
	bool hash;
	bool view;	/* an array view: its rows, and its hot-loop path */
};

static const struct kt_type kt_types[] = {
	{ BPFMAP_MAP_TYPE_ARRAY, 4, false, true },
	{ BPFMAP_MAP_TYPE_PERCPU_ARRAY, 4, false, true },
	{ BPFMAP_MAP_TYPE_HASH, 8, true, false },
	{ BPFMAP_MAP_TYPE_PERCPU_HASH, 8, true, false },
	{ BPFMAP_MAP_TYPE_LRU_HASH, 8, true, false },
	{ BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, 8, true, false },
};
static const __u32 kt_values[] = { 8, 64 };

/*
 * types x values x (lookup, update, at most one view lookup), and the
 * inner lookup row
 */
#define KT_MAX_ROWS	(ARRAY_SIZE(kt_types) * ARRAY_SIZE(kt_values) * 3 + 1)

struct kt_row {
	struct bench_result r;	/* side[] in Mops/s, as the other tables */
	enum kt_op op;
	double ns[2];		/* best ns per operation, by backend */
};

static struct kt_row kt_rows[KT_MAX_ROWS];
static int nr_kt_rows;
static bool kt_ran;
static char kt_skip[96];	/* why the table did not run */
static double kt_secs;

/* The raw bpf(2) call, as libbpfmap's kernel backend makes it. */
static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* A tiny assembler: instructions appended to a program. */
struct kt_prog {
	struct bpf_insn insn[KT_MAX_INSNS];
	int n;
};

static void emit(struct kt_prog *p, __u8 code, __u8 dst, __u8 src,
		 __s16 off, __s32 imm)
{
	struct bpf_insn *i;

	if (p->n >= KT_MAX_INSNS) {
		fprintf(stderr, "bench_maps: kernel table: program too long\n");
		exit(1);
	}
	i = &p->insn[p->n++];
	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst;
	i->src_reg = src;
	i->off = off;
	i->imm = imm;
}

static void emit_ld_imm64(struct kt_prog *p, __u8 dst, __u8 src, __u64 imm)
{
	emit(p, BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, (__u32)imm);
	emit(p, 0, 0, 0, 0, (__u32)(imm >> 32));
}

static void emit_call(struct kt_prog *p, __s32 helper)
{
	emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, helper);
}

/* A forward jump from instruction @at to the next one to be emitted. */
static void patch_here(struct kt_prog *p, int at)
{
	p->insn[at].off = p->n - at - 1;
}

#define R0	BPF_REG_0
#define R1	BPF_REG_1
#define R2	BPF_REG_2
#define R3	BPF_REG_3
#define R4	BPF_REG_4
#define R6	BPF_REG_6
#define R7	BPF_REG_7
#define R8	BPF_REG_8
#define FP	BPF_REG_10

/* The stack: the key, the outer key of a map-of-maps, the value. */
#define KT_KEY_OFF	(-8)
#define KT_OUTER_OFF	(-16)
#define KT_VALUE_OFF	(-16 - BPFMAP_KBENCH_MAX_VALUE)

/*
 * The program: KT_OPS operations of @op on the map @map_fd (for
 * KT_INNER_LOOKUP the ARRAY_OF_MAPS whose slot 0 holds the map), operation
 * i on key_put()'s key i; returns how many found no element or failed.
 *
 *	r7 = 0 (misses); r6 = 0 (i); r8 = the key multiplier
 *	[update: the value on the stack; inner: the outer key 0]
 * loop:
 *	key = i (4-byte key) or (i + 1) * mul (8-byte key), on the stack
 *	[inner: r0 = lookup(outer, &0); if !r0 miss; r1 = r0]
 *	r0 = lookup(map, &key) or update(map, &key, &value, BPF_ANY)
 *	miss when r0 is NULL (lookup) or not 0 (update): r7++
 *	r6++; if r6 < KT_OPS goto loop
 *	return r7
 *
 * A bounded loop, which the verifier walks KT_OPS times: cheaper per
 * iteration than bpf_loop(), whose inlined form still calls the callback.
 */
static void build_prog(struct kt_prog *p, enum kt_op op, int map_fd,
		       __u32 key_size)
{
	int loop, j_miss = -1, j_skip, j;

	p->n = 0;
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R7, 0, 0, 0);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R6, 0, 0, 0);
	emit_ld_imm64(p, R8, 0, 0x9E3779B97F4A7C15ULL);
	/* the key's slot written once, so a 4-byte key leaves no hole */
	emit(p, BPF_ST | BPF_MEM | BPF_DW, FP, 0, KT_KEY_OFF, 0);
	if (op == KT_UPDATE) {
		emit_ld_imm64(p, R1, 0, 0xa5a5a5a5a5a5a5a5ULL);
		for (j = 0; j < BPFMAP_KBENCH_MAX_VALUE; j += 8)
			emit(p, BPF_STX | BPF_MEM | BPF_DW, FP, R1,
			     KT_VALUE_OFF + j, 0);
	}
	if (op == KT_INNER_LOOKUP)
		emit(p, BPF_ST | BPF_MEM | BPF_DW, FP, 0, KT_OUTER_OFF, 0);

	loop = p->n;
	if (key_size == 4) {
		emit(p, BPF_STX | BPF_MEM | BPF_W, FP, R6, KT_KEY_OFF, 0);
	} else {
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R1, R6, 0, 0);
		emit(p, BPF_ALU64 | BPF_ADD | BPF_K, R1, 0, 0, 1);
		emit(p, BPF_ALU64 | BPF_MUL | BPF_X, R1, R8, 0, 0);
		emit(p, BPF_STX | BPF_MEM | BPF_DW, FP, R1, KT_KEY_OFF, 0);
	}
	if (op == KT_INNER_LOOKUP) {
		emit_ld_imm64(p, R1, BPF_PSEUDO_MAP_FD, (__u32)map_fd);
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R2, FP, 0, 0);
		emit(p, BPF_ALU64 | BPF_ADD | BPF_K, R2, 0, 0, KT_OUTER_OFF);
		emit_call(p, BPF_FUNC_map_lookup_elem);
		j_miss = p->n;
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, 0);
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R1, R0, 0, 0);
	} else {
		emit_ld_imm64(p, R1, BPF_PSEUDO_MAP_FD, (__u32)map_fd);
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R2, FP, 0, 0);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, R2, 0, 0, KT_KEY_OFF);
	if (op == KT_UPDATE) {
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R3, FP, 0, 0);
		emit(p, BPF_ALU64 | BPF_ADD | BPF_K, R3, 0, 0, KT_VALUE_OFF);
		emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R4, 0, 0, BPF_ANY);
		emit_call(p, BPF_FUNC_map_update_elem);
		j_skip = p->n;
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0, 0);
	} else {
		emit_call(p, BPF_FUNC_map_lookup_elem);
		j_skip = p->n;
		emit(p, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, 0);
	}
	if (j_miss >= 0)
		patch_here(p, j_miss);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, R7, 0, 0, 1);
	patch_here(p, j_skip);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, R6, 0, 0, 1);
	emit(p, BPF_JMP | BPF_JLT | BPF_K, R6, 0, loop - p->n - 1, KT_OPS);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R0, R7, 0, 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/*
 * Load the program; its fd, or -errno with the end of the verifier's log
 * on stderr.
 */
static int load_prog(const struct kt_prog *p, char *note, size_t note_len)
{
	static char log[KT_LOG_SIZE];
	union bpf_attr attr;
	size_t len;
	int fd, err;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uintptr_t)p->insn;
	attr.insn_cnt = p->n;
	attr.license = (uintptr_t)"GPL";
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	err = -errno;
	/* again with the log, for the reader */
	log[0] = 0;
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	len = strlen(log);
	fprintf(stderr, "bench_maps: kernel table: BPF_PROG_LOAD: %s\n%s\n",
		strerror(-err), log + (len > 2000 ? len - 2000 : 0));
	snprintf(note, note_len, "BPF_PROG_LOAD: %s", strerror(-err));
	return err;
}

/* @repeat runs of the program; ns per operation, or -errno. */
static double ref_round(int prog_fd, __u32 repeat, __u64 *misses)
{
	static unsigned char pkt[64];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = prog_fd;
	attr.test.data_in = (uintptr_t)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.repeat = repeat;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr))
		return -errno;
	*misses = attr.test.retval;
	/* duration: the mean ns of one run */
	return (double)attr.test.duration / KT_OPS;
}

/* @repeat runs in bpfmap_kbench.ko; ns per operation, or -errno. */
static double ours_round(int kb_fd, int map_fd, enum kt_op op, __u32 repeat,
			 __u64 *misses)
{
	struct bpfmap_kbench_run run;

	memset(&run, 0, sizeof(run));
	run.map_fd = map_fd;
	run.op = op == KT_LOOKUP ? BPFMAP_KBENCH_LOOKUP :
		 op == KT_UPDATE ? BPFMAP_KBENCH_UPDATE :
		 op == KT_VIEW_LOOKUP ? BPFMAP_KBENCH_VIEW_LOOKUP :
					BPFMAP_KBENCH_INNER_LOOKUP;
	run.ops = KT_OPS;
	run.repeat = repeat;
	if (ioctl(kb_fd, BPFMAP_KBENCH_IOCTL_RUN, &run))
		return -errno;
	*misses = run.misses;
	return (double)run.ns / ((double)KT_OPS * repeat);
}

/*
 * An ARRAY_OF_MAPS of one slot on the current backend holding @inner_fd;
 * its fd or -errno.
 */
static int outer_setup(int inner_fd, char *note, size_t note_len)
{
	struct bpfmap_map_create_opts copts = {
		.sz = sizeof(copts),
		.inner_map_fd = inner_fd,
	};
	__u32 zero = 0, val = inner_fd;
	int fd, err;

	fd = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, "bench_outer",
			       4, 4, 1, &copts);
	if (fd < 0) {
		snprintf(note, note_len, "outer create on %s: %s",
			 bpfmap_backend_name(bpfmap_backend_current()),
			 strerror(-fd));
		return fd;
	}
	err = bpfmap_map_update_elem(fd, &zero, &val, BPFMAP_ANY);
	if (err) {
		snprintf(note, note_len, "outer update on %s: %s",
			 bpfmap_backend_name(bpfmap_backend_current()),
			 strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static __u32 kt_repeat(void)
{
	return opts.rounds > 1 ? KT_REPEAT : KT_REPEAT_QUICK;
}

static int kt_rounds(void)
{
	int r = opts.rounds * KT_ROUND_FACTOR;

	return r > MAX_ROUNDS ? MAX_ROUNDS : r;
}

/* Both sides of one row, round by round; the maps made and dropped here. */
static void run_row(struct kt_row *row, int kb_fd)
{
	struct bench_result *r = &row->r;
	int fds[2] = { -1, -1 }, outer[2] = { -1, -1 }, map_fd[2];
	int prog_fd = -1, round, b;
	__u32 repeat = kt_repeat();
	struct kt_prog prog;

	if (!setup_both(r, fds))
		return;
	map_fd[0] = fds[0];
	map_fd[1] = fds[1];
	if (row->op == KT_INNER_LOOKUP) {
		for (b = 0; b < 2; b++) {
			bpfmap_backend_select(order[b]);
			outer[order[b]] = outer_setup(fds[order[b]], r->note,
						      sizeof(r->note));
			if (outer[order[b]] < 0) {
				r->failed = true;
				goto out;
			}
			map_fd[order[b]] = outer[order[b]];
		}
	}
	/* a view row's reference is the plain lookup's program */
	build_prog(&prog, row->op == KT_VIEW_LOOKUP ? KT_LOOKUP : row->op,
		   map_fd[BPFMAP_BACKEND_KERNEL], r->c.key_size);
	prog_fd = load_prog(&prog, r->note, sizeof(r->note));
	if (prog_fd < 0) {
		r->failed = true;
		goto out;
	}
	for (round = 0; round < r->c.rounds; round++) {
		for (b = 0; b < 2; b++) {
			int be = order[b];
			__u64 misses = 0;
			double ns;

			if (be == BPFMAP_BACKEND_DEV)
				ns = ours_round(kb_fd, map_fd[be], row->op,
						repeat, &misses);
			else
				ns = ref_round(prog_fd, repeat, &misses);
			if (ns <= 0) {
				snprintf(r->note, sizeof(r->note),
					 "%s: %s", be == BPFMAP_BACKEND_DEV ?
					 "bpfmap_kbench" : "BPF_PROG_TEST_RUN",
					 ns < 0 ? strerror((int)-ns) :
					 "no time");
				r->failed = true;
				goto out;
			}
			/* an array or hash of KT_OPS keys misses none */
			if (misses && !r->c.lru_misses) {
				snprintf(r->note, sizeof(r->note),
					 "%llu of %u operations missed on %s",
					 (unsigned long long)misses, KT_OPS,
					 bpfmap_backend_name(be));
				r->failed = true;
				goto out;
			}
			r->side[be].misses += misses;
			r->side[be].mops[round] = 1e3 / ns;
			if (!round || ns < row->ns[be])
				row->ns[be] = ns;
		}
	}
	for (b = 0; b < 2; b++) {
		struct bench_side *s = &r->side[b];
		double sorted[MAX_ROUNDS];
		int i, k;

		memcpy(sorted, s->mops, r->c.rounds * sizeof(double));
		/* insertion sort: a handful of rounds */
		for (i = 1; i < r->c.rounds; i++)
			for (k = i; k > 0 && sorted[k - 1] > sorted[k]; k--) {
				double t = sorted[k];

				sorted[k] = sorted[k - 1];
				sorted[k - 1] = t;
			}
		s->best = sorted[r->c.rounds - 1];
		s->median = r->c.rounds % 2 ? sorted[r->c.rounds / 2] :
			    (sorted[r->c.rounds / 2 - 1] +
			     sorted[r->c.rounds / 2]) / 2;
	}
	r->ratio_min = r->ratio_max = 0;
	for (round = 0; round < r->c.rounds; round++) {
		double q = r->side[BPFMAP_BACKEND_DEV].mops[round] /
			   r->side[BPFMAP_BACKEND_KERNEL].mops[round];

		if (!round || q < r->ratio_min)
			r->ratio_min = q;
		if (!round || q > r->ratio_max)
			r->ratio_max = q;
	}
	r->ratio = r->side[BPFMAP_BACKEND_DEV].best /
		   r->side[BPFMAP_BACKEND_KERNEL].best;
out:
	if (prog_fd >= 0)
		close(prog_fd);
	for (b = 0; b < 2; b++) {
		if (outer[b] >= 0)
			close(outer[b]);
		if (fds[b] >= 0)
			close(fds[b]);
	}
}

static void add_row(const struct kt_type *t, __u32 value_size, enum kt_op op)
{
	struct kt_row *row = &kt_rows[nr_kt_rows];
	struct bench_case *c = &row->r.c;

	memset(row, 0, sizeof(*row));
	row->op = op;
	c->map_type = t->map_type;
	c->key_size = t->key_size;
	c->value_size = value_size;
	c->hash = t->hash;
	c->lru_misses = t->map_type == BPFMAP_MAP_TYPE_LRU_HASH ||
			t->map_type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
	c->op = op == KT_UPDATE ? OP_UPDATE : OP_LOOKUP;
	c->threads = 1;
	c->rounds = kt_rounds();
	c->max_entries = t->hash ? KT_OPS * 4 : KT_OPS;
	c->fill = KT_OPS;
	snprintf(c->name, sizeof(c->name), "%s%s k%u v%u %s",
		 op == KT_INNER_LOOKUP ? "array_of_maps > " : "",
		 bpfmap_map_type_name(t->map_type), t->key_size, value_size,
		 kt_op_names[op]);
	if (selected(c->name))
		nr_kt_rows++;
}

bool run_kernel(void)
{
	static const struct kt_type inner = {
		BPFMAP_MAP_TYPE_HASH, 8, true, false,
	};
	bool ok = true;
	double t0 = now();
	size_t t, v;
	int i, kb_fd;

	kt_ran = true;
	for (t = 0; t < ARRAY_SIZE(kt_types); t++)
		for (v = 0; v < ARRAY_SIZE(kt_values); v++) {
			add_row(&kt_types[t], kt_values[v], KT_LOOKUP);
			if (kt_types[t].view)
				add_row(&kt_types[t], kt_values[v],
					KT_VIEW_LOOKUP);
			add_row(&kt_types[t], kt_values[v], KT_UPDATE);
		}
	add_row(&inner, 8, KT_INNER_LOOKUP);

	kb_fd = open("/dev/bpfmap_kbench", O_RDWR | O_CLOEXEC);
	if (kb_fd < 0) {
		snprintf(kt_skip, sizeof(kt_skip),
			 "/dev/bpfmap_kbench: %s (bpfmap_kbench.ko not loaded)",
			 strerror(errno));
		fprintf(stderr, "bench_maps: kernel table skipped: %s\n",
			kt_skip);
		return true;
	}
	for (i = 0; i < nr_kt_rows; i++) {
		run_row(&kt_rows[i], kb_fd);
		if (kt_rows[i].r.failed) {
			fprintf(stderr, "bench_maps: %s: FAILED (%s)\n",
				kt_rows[i].r.c.name, kt_rows[i].r.note);
			ok = false;
		}
	}
	close(kb_fd);
	kt_secs = now() - t0;
	return ok;
}

bool kernel_ran(void)
{
	return kt_ran;
}

/* Any map type, for rows_min(). */
#define KT_ANY_TYPE		((__u32)-1)

/*
 * The lowest ratio of the rows of @op (on @map_type, or KT_ANY_TYPE) in
 * *@min, how many ran in *@n; whether every one of them ran and reached
 * @goal (false when none ran).
 */
static bool rows_min(enum kt_op op, __u32 map_type, double goal, double *min,
		     int *n)
{
	bool met = true;
	int i;

	*min = 0;
	*n = 0;
	for (i = 0; i < nr_kt_rows; i++) {
		const struct kt_row *row = &kt_rows[i];

		if (row->op != op ||
		    (map_type != KT_ANY_TYPE && row->r.c.map_type != map_type))
			continue;
		if (row->r.failed || row->r.skipped) {
			met = false;
			continue;
		}
		if (!*n || row->r.ratio < *min)
			*min = row->r.ratio;
		if (row->r.ratio < goal)
			met = false;
		(*n)++;
	}
	return met && *n;
}

/* The goal line of @op: its lowest ratio against @goal, every row run. */
static void print_goal(FILE *f, enum kt_op op, double goal)
{
	double min;
	bool met;
	int n;

	met = rows_min(op, KT_ANY_TYPE, goal, &min, &n);
	fprintf(f, "goal: in-kernel %s on every type, min ratio %.3f over %d case(s) (>= %.1f: %s)\n",
		kt_op_names[op], min, n, goal, met ? "met" : "not met");
}

/*
 * The lookup goal per type, by the path the header documents for a hot
 * loop (the view for the array types): each type's lowest ratio over its
 * value sizes, and whether every type reaches @goal.
 */
static void print_goal_best(FILE *f, double goal)
{
	bool all = true, met;
	double min;
	size_t t;
	int n;

	fprintf(f, "goal: in-kernel lookup by each type's hot-loop path, min ratio per type:");
	for (t = 0; t < ARRAY_SIZE(kt_types); t++) {
		const struct kt_type *kt = &kt_types[t];

		met = rows_min(kt->view ? KT_VIEW_LOOKUP : KT_LOOKUP,
			       kt->map_type, goal, &min, &n);
		all = all && met;
		fprintf(f, "%s %s%s ", t ? "," : "",
			bpfmap_map_type_name(kt->map_type),
			kt->view ? " (view)" : "");
		if (n)
			fprintf(f, "%.3f %s", min, met ? "met" : "not met");
		else
			fprintf(f, "not run");
	}
	fprintf(f, " (>= %.1f: %s)\n", goal, all ? "met" : "not met");
}

void print_kernel(FILE *f)
{
	const int dev = BPFMAP_BACKEND_DEV, ref = BPFMAP_BACKEND_KERNEL;
	int i;

	fprintf(f, "\nkernel: in-kernel operations, ours from a module through <linux/bpfmap_kernel.h>, ref from a BPF program under BPF_PROG_TEST_RUN\n");
	if (kt_skip[0]) {
		fprintf(f, "  skipped: %s\n", kt_skip);
		return;
	}
	fprintf(f, "  %u keys (hash: %u entries), one run = %u operations on keys 0..%u in order, %u runs a call, %d round(s), best round (table: %.0f s);\n",
		KT_OPS, KT_OPS * 4, KT_OPS, KT_OPS - 1, kt_repeat(),
		kt_rounds(), kt_secs);
	fprintf(f, "  both under rcu_read_lock() + migrate_disable(); ref's lookups in array/hash/lru_hash are inlined by the verifier, its other calls direct\n");
	fprintf(f, "  lookup (view): ours through bpfmap_kernel_array_view_lookup(), the view taken once per run (timed); ref the same program as lookup\n");
	fprintf(f, "%-38s %10s %10s %8s %13s\n", "case", "ours ns/op",
		"ref ns/op", "ratio", "round ratios");
	print_rule(f, 38 + 1 + 10 + 1 + 10 + 1 + 8 + 1 + 13);
	for (i = 0; i < nr_kt_rows; i++) {
		const struct kt_row *row = &kt_rows[i];
		const struct bench_result *r = &row->r;

		if (r->failed || r->skipped) {
			fprintf(f, "%-38s %10s %10s %8s  %s: %s\n", r->c.name,
				"-", "-", "-", r->skipped ? "skipped" : "FAILED",
				r->note);
			continue;
		}
		fprintf(f, "%-38s %10.2f %10.2f %8.3f   %5.2f-%-5.2f\n",
			r->c.name, row->ns[dev], row->ns[ref], r->ratio,
			r->ratio_min, r->ratio_max);
	}
	fprintf(f, "ratio: ref ns/op / ours ns/op (> 1: ours is faster)\n");
	print_goal(f, KT_LOOKUP, KT_GOAL_LOOKUP);
	print_goal_best(f, KT_GOAL_LOOKUP);
	print_goal(f, KT_UPDATE, KT_GOAL_UPDATE);
}

void json_kernel(FILE *f)
{
	int i;

	fprintf(f, ",\n\"kernel\":{\"ops_per_run\":%u,\"runs\":%u,\"rounds\":%d",
		KT_OPS, kt_repeat(), kt_rounds());
	if (kt_skip[0]) {
		fprintf(f, ",\"status\":\"skipped\",\"note\":\"%s\"}", kt_skip);
		return;
	}
	fprintf(f, ",\"cases\":[");
	for (i = 0; i < nr_kt_rows; i++) {
		const struct kt_row *row = &kt_rows[i];

		fprintf(f, "%s\n{", i ? "," : "");
		json_result(f, &row->r);
		if (!row->r.failed && !row->r.skipped)
			fprintf(f, ",\"ours_ns_per_op\":%.4f,\"ref_ns_per_op\":%.4f",
				row->ns[BPFMAP_BACKEND_DEV],
				row->ns[BPFMAP_BACKEND_KERNEL]);
		fprintf(f, "}");
	}
	fprintf(f, "\n]}");
}
