/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Shared helpers of the bpfmap selftests.
 *
 * Every test is written once against libbpfmap and runs on both backends:
 * "bpfmap" (ioctls on /dev/bpfmap, our module) and "kernel" (the kernel's
 * own bpf(2), the reference).  The expected result of a case is the
 * upstream v7.0 bpf(2) behaviour unless known_differences.c has a row for
 * the case and the current backend; see expect_errno().
 */
#ifndef _BPFMAP_TEST_H
#define _BPFMAP_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/bpf.h>
#include <linux/magic.h>

/* The harness is not -Wextra clean (an unused handler parameter). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "libbpfmap.h"
#include "known_differences.h"
#include "sysfs_util.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

#define ROUND_UP8(x)		(((size_t)(x) + 7) & ~(size_t)7)
#define ptr_to_u64(p)		((__u64)(uintptr_t)(p))

/* BPFMAP_F_CPU with the cpu number in bits 63..32 */
#define F_CPU(cpu)		(BPFMAP_F_CPU | ((__u64)(cpu) << 32))

/* @call returns 0 or -errno; @expected is 0 or a positive errno. */
#define EXPECT_ERRNO(expected, call)	EXPECT_EQ(-(int)(expected), (int)(call))
#define ASSERT_ERRNO(expected, call)	ASSERT_EQ(-(int)(expected), (int)(call))

/*
 * For calls that return a new fd on success: the fd is closed and the
 * result is compared as 0.
 */
static inline int fd_result(int ret)
{
	if (ret >= 0) {
		close(ret);
		return 0;
	}
	return ret;
}

#define EXPECT_FD_ERRNO(expected, call) \
	EXPECT_EQ(-(int)(expected), fd_result(call))

/* Raw results: -errno on failure, as the library returns them. */
static inline int neg_errno(long ret)
{
	return ret < 0 ? -errno : (int)ret;
}

static inline bool backend_is_dev(void)
{
	return bpfmap_backend_current() == BPFMAP_BACKEND_DEV;
}

static inline bool map_type_is_percpu(__u32 map_type)
{
	return map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ||
	       map_type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	       map_type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

/*
 * Selects @backend for this test process and, for the DEV backend, makes
 * sure /dev/bpfmap can be opened: without the module every DEV test must
 * fail, not skip.
 */
#define SETUP_BACKEND(backend) do {					\
	ASSERT_EQ(0, bpfmap_backend_select(backend));			\
	if ((backend) == BPFMAP_BACKEND_DEV) {				\
		int __dev = bpfmap_dev_fd();				\
		if (__dev < 0)						\
			TH_LOG("cannot open /dev/bpfmap (%s): is bpfmap.ko loaded?", \
			       strerror(-__dev));			\
		ASSERT_LE(0, __dev);					\
	}								\
	ASSERT_LT(0, bpfmap_num_possible_cpus());			\
} while (0)

/* Per-CPU buffers: slot i of a per-CPU value belongs to possible CPU i. */
static inline size_t pcpu_slot_size(__u32 value_size)
{
	return ROUND_UP8(value_size);
}

static inline size_t value_buf_size(__u32 map_type, __u32 value_size)
{
	if (!map_type_is_percpu(map_type))
		return value_size;
	return ROUND_UP8(value_size) * (size_t)bpfmap_num_possible_cpus();
}

static inline void *pcpu_slot(void *buf, __u32 value_size, int cpu)
{
	return (char *)buf + pcpu_slot_size(value_size) * cpu;
}

/* A zeroed value buffer for one element; NULL only when out of memory. */
static inline void *value_buf_alloc(__u32 map_type, __u32 value_size)
{
	return calloc(1, value_buf_size(map_type, value_size));
}

/*
 * Fills a u64-valued element: every per-CPU slot i gets base + i, a plain
 * value gets base.
 */
static inline void value_fill_u64(void *buf, __u32 map_type, __u64 base)
{
	int ncpus = bpfmap_num_possible_cpus(), i;

	if (!map_type_is_percpu(map_type)) {
		memcpy(buf, &base, sizeof(base));
		return;
	}
	for (i = 0; i < ncpus; i++) {
		__u64 v = base + i;

		memcpy(pcpu_slot(buf, 8, i), &v, sizeof(v));
	}
}

/* 1 when the buffer holds what value_fill_u64() would write. */
static inline bool value_check_u64(const void *buf, __u32 map_type,
				   __u64 base)
{
	int ncpus = bpfmap_num_possible_cpus(), i;
	__u64 v;

	if (!map_type_is_percpu(map_type)) {
		memcpy(&v, buf, sizeof(v));
		return v == base;
	}
	for (i = 0; i < ncpus; i++) {
		memcpy(&v, (const char *)buf + 8 * i, sizeof(v));
		if (v != base + i)
			return false;
	}
	return true;
}

/* 1 when the whole value buffer of one element is zero. */
static inline bool value_is_zero(const void *buf, __u32 map_type,
				 __u32 value_size)
{
	size_t i, len = value_buf_size(map_type, value_size);

	for (i = 0; i < len; i++)
		if (((const unsigned char *)buf)[i])
			return false;
	return true;
}

/* An address that faults: a page mapped and then unmapped. */
static inline void *unmapped_page(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, page);
	return p;
}

/* An fd number that is certainly closed. */
static inline int closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

/*
 * Raw element command on the current backend, bypassing libbpfmap so the
 * tests can pass what the library would not: NULL or faulting pointers,
 * fields a command must not use.  @cmd is a bpf(2)/bpfmap command number.
 * Returns the result or -errno.
 */
static inline int raw_elem_cmd(unsigned int cmd, int map_fd, __u64 key,
			       __u64 value, __u64 flags)
{
	if (backend_is_dev()) {
		struct bpfmap_elem e = {
			.size = sizeof(e),
			.map_fd = map_fd,
			.key = key,
			.value = value,
			.flags = flags,
		};

		return neg_errno(ioctl(bpfmap_dev_fd(),
				       _IO(BPFMAP_IOCTL_TYPE, cmd), &e));
	} else {
		union bpf_attr attr;

		memset(&attr, 0, sizeof(attr));
		attr.map_fd = map_fd;
		attr.key = key;
		attr.value = value;
		attr.flags = flags;
		return neg_errno(syscall(__NR_bpf, cmd, &attr, sizeof(attr)));
	}
}

/* Raw map create with a name of exactly 16 bytes, NUL or not. */
static inline int raw_map_create(__u32 map_type, __u32 key_size,
				 __u32 value_size, __u32 max_entries,
				 __u32 map_flags, const char name[16])
{
	if (backend_is_dev()) {
		struct bpfmap_map_create c = {
			.size = sizeof(c),
			.map_type = map_type,
			.key_size = key_size,
			.value_size = value_size,
			.max_entries = max_entries,
			.map_flags = map_flags,
		};

		memcpy(c.map_name, name, sizeof(c.map_name));
		return neg_errno(ioctl(bpfmap_dev_fd(),
				       BPFMAP_IOCTL_MAP_CREATE, &c));
	} else {
		union bpf_attr attr;

		memset(&attr, 0, sizeof(attr));
		attr.map_type = map_type;
		attr.key_size = key_size;
		attr.value_size = value_size;
		attr.max_entries = max_entries;
		attr.map_flags = map_flags;
		memcpy(attr.map_name, name, sizeof(attr.map_name));
		return neg_errno(syscall(__NR_bpf, BPF_MAP_CREATE, &attr,
					 sizeof(attr)));
	}
}

/* A map of @type, u32 keys and u64 values, or ASSERT failure. */
#define CREATE_MAP(type, max, flags) ({					\
	struct bpfmap_map_create_opts __o = {				\
		.sz = sizeof(__o), .map_flags = (flags),		\
	};								\
	int __fd = bpfmap_map_create((type), "selftest", 4, 8,		\
				     (max), &__o);			\
	ASSERT_LE(0, __fd);						\
	__fd;								\
})

/* Variant lists over backend x array type. */
#define BACKEND_VARIANTS(fixture)					\
	FIXTURE_VARIANT_ADD(fixture, bpfmap) {				\
		.backend = BPFMAP_BACKEND_DEV,				\
	};								\
	FIXTURE_VARIANT_ADD(fixture, kernel) {				\
		.backend = BPFMAP_BACKEND_KERNEL,			\
	}

#define BACKEND_ARRAY_VARIANTS(fixture)					\
	FIXTURE_VARIANT_ADD(fixture, bpfmap_array) {			\
		.backend = BPFMAP_BACKEND_DEV,				\
		.map_type = BPFMAP_MAP_TYPE_ARRAY,			\
	};								\
	FIXTURE_VARIANT_ADD(fixture, bpfmap_percpu_array) {		\
		.backend = BPFMAP_BACKEND_DEV,				\
		.map_type = BPFMAP_MAP_TYPE_PERCPU_ARRAY,		\
	};								\
	FIXTURE_VARIANT_ADD(fixture, kernel_array) {			\
		.backend = BPFMAP_BACKEND_KERNEL,			\
		.map_type = BPFMAP_MAP_TYPE_ARRAY,			\
	};								\
	FIXTURE_VARIANT_ADD(fixture, kernel_percpu_array) {		\
		.backend = BPFMAP_BACKEND_KERNEL,			\
		.map_type = BPFMAP_MAP_TYPE_PERCPU_ARRAY,		\
	}

/*
 * Program-side lookups.  Only a lookup made by a BPF program sets an LRU
 * element's reference bit (syscall lookups do not), so the LRU tests need
 * one on each backend:
 *  - kernel: a tiny SCHED_CLS program, built per key with the key as
 *    immediates, that calls bpf_map_lookup_elem() and
 *    returns 2 when it found the key, 1 when not; run once through
 *    BPF_PROG_TEST_RUN (as upstream test_lru_map does);
 *  - bpfmap: the module's test hook (module parameter test_hooks=1): a
 *    write of "<map id> <key in lowercase hex>\n" to PROG_LOOKUP_PATH
 *    does the lookup the program side of the module would do; it fails
 *    with ENOENT when the key is absent.
 */
#define PROG_LOOKUP_PATH	"/sys/kernel/debug/bpfmap/prog_lookup"
#define PROG_LOOKUP_MAX_KEY	64U

static inline struct bpf_insn pl_insn(__u8 code, __u8 dst, __u8 src,
				      __s16 off, __s32 imm)
{
	struct bpf_insn insn = {
		.code = code, .dst_reg = dst, .src_reg = src,
		.off = off, .imm = imm,
	};

	return insn;
}

/*
 * Loads @insns as a SCHED_CLS program and test-runs it once: 0 with the
 * program's return value in @retval, or -errno.
 */
static inline int pl_load_and_run(const struct bpf_insn *insns,
				  unsigned int n, __u32 *retval)
{
	unsigned char data[64] = { 0 };
	union bpf_attr attr;
	int prog_fd, err;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	attr.insns = ptr_to_u64(insns);
	attr.insn_cnt = n;
	attr.license = ptr_to_u64("GPL");
	prog_fd = neg_errno(syscall(__NR_bpf, BPF_PROG_LOAD, &attr,
				    sizeof(attr)));
	if (prog_fd < 0)
		return prog_fd;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = prog_fd;
	attr.test.data_in = ptr_to_u64(data);
	attr.test.data_size_in = sizeof(data);
	attr.test.repeat = 1;
	err = neg_errno(syscall(__NR_bpf, BPF_PROG_TEST_RUN, &attr,
				sizeof(attr)));
	close(prog_fd);
	if (!err)
		*retval = attr.test.retval;
	return err;
}

static inline int prog_lookup_kernel(int map_fd, const void *key,
				     __u32 key_size)
{
	struct bpf_insn insns[16 + PROG_LOOKUP_MAX_KEY];
	const unsigned char *k = key;
	int stack = (int)ROUND_UP8(key_size), err;
	unsigned int n = 0, i;
	__u32 retval;

	/* r1 = the map (ld_imm64 takes two slots) */
	insns[n++] = pl_insn(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1,
			     BPF_PSEUDO_MAP_FD, 0, map_fd);
	insns[n++] = pl_insn(0, 0, 0, 0, 0);
	/* the key at r10 - stack: four bytes per store, then single bytes */
	for (i = 0; i + 4 <= key_size; i += 4) {
		__s32 word;

		memcpy(&word, k + i, sizeof(word));
		insns[n++] = pl_insn(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0,
				     (__s16)(i - stack), word);
	}
	for (; i < key_size; i++)
		insns[n++] = pl_insn(BPF_ST | BPF_MEM | BPF_B, BPF_REG_10, 0,
				     (__s16)(i - stack), k[i]);
	/* r2 = r10 - stack; r0 = bpf_map_lookup_elem(r1, r2) */
	insns[n++] = pl_insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2,
			     BPF_REG_10, 0, 0);
	insns[n++] = pl_insn(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0,
			     -stack);
	insns[n++] = pl_insn(BPF_JMP | BPF_CALL, 0, 0, 0,
			     BPF_FUNC_map_lookup_elem);
	/* return r0 ? 2 : 1 */
	insns[n++] = pl_insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 2, 0);
	insns[n++] = pl_insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	insns[n++] = pl_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	insns[n++] = pl_insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 2);
	insns[n++] = pl_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	err = pl_load_and_run(insns, n, &retval);
	if (err)
		return err;
	if (retval == 2)
		return 0;
	return retval == 1 ? -ENOENT : -EPROTO;
}

static inline int prog_lookup_dev(int map_fd, const void *key,
				  __u32 key_size)
{
	char line[16 + 2 * PROG_LOOKUP_MAX_KEY];
	const unsigned char *k = key;
	struct bpfmap_info info;
	int len, err;
	__u32 i;

	err = bpfmap_map_get_info_by_fd(map_fd, &info);
	if (err)
		return err;
	len = snprintf(line, sizeof(line), "%u ", info.id);
	for (i = 0; i < key_size; i++)
		len += snprintf(line + len, sizeof(line) - len, "%02x", k[i]);
	line[len++] = '\n';
	return sysfs_write_buf(PROG_LOOKUP_PATH, line, len);
}

/*
 * 0 when prog_lookup() can work on the current backend, else -errno.  The
 * kernel backend needs a kernel that loads SCHED_CLS programs and test-runs
 * them: a kernel built without CONFIG_NET (the tinyconfig-based test VM)
 * has neither (EINVAL at load, ENOTSUPP at test run).  The bpfmap backend
 * is not probed: a missing test hook must fail the tests, not skip them.
 */
static inline int prog_lookup_available(void)
{
	struct bpf_insn insns[2];
	__u32 retval;

	if (backend_is_dev())
		return 0;
	insns[0] = pl_insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	insns[1] = pl_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return pl_load_and_run(insns, 2, &retval);
}

/*
 * A lookup of @key made the way a BPF program makes it (so it sets the
 * LRU reference bit).  0 when the key was found, -ENOENT when not, another
 * -errno when the mechanism itself failed.
 */
static inline int prog_lookup(int map_fd, const void *key, __u32 key_size)
{
	if (key_size == 0 || key_size > PROG_LOOKUP_MAX_KEY)
		return -EINVAL;
	if (backend_is_dev())
		return prog_lookup_dev(map_fd, key, key_size);
	return prog_lookup_kernel(map_fd, key, key_size);
}

/*
 * Where maps are pinned on each backend: a bpfmapfs (the module makes the
 * mount point) and the kernel's bpffs.  guest-check.sh mounts both;
 * pin_fs_mount() mounts the one asked for when it is not.
 */
#define BPFMAPFS_ROOT	"/sys/fs/bpfmap"
#define BPFFS_ROOT	"/sys/fs/bpf"

static inline const char *pin_fs_root(enum bpfmap_backend backend)
{
	return backend == BPFMAP_BACKEND_DEV ? BPFMAPFS_ROOT : BPFFS_ROOT;
}

static inline const char *pin_fs_type(enum bpfmap_backend backend)
{
	return backend == BPFMAP_BACKEND_DEV ? "bpfmapfs" : "bpf";
}

static inline unsigned long pin_fs_magic(enum bpfmap_backend backend)
{
	return backend == BPFMAP_BACKEND_DEV ? BPFMAPFS_MAGIC : BPF_FS_MAGIC;
}

/* 1 when @path is the root or a file of @backend's pinning filesystem. */
static inline bool pin_fs_is_at(enum bpfmap_backend backend, const char *path)
{
	struct statfs st;

	return !statfs(path, &st) &&
	       (unsigned long)st.f_type == pin_fs_magic(backend);
}

/*
 * Mounts @backend's pinning filesystem at @dir unless one is there
 * already: 0 or -errno.
 */
static inline int pin_fs_mount_at(enum bpfmap_backend backend,
				  const char *dir)
{
	if (pin_fs_is_at(backend, dir))
		return 0;
	if (mount(pin_fs_type(backend), dir, pin_fs_type(backend), 0, NULL))
		return -errno;
	return 0;
}

/* The same at the usual place, pin_fs_root(). */
static inline int pin_fs_mount(enum bpfmap_backend backend)
{
	return pin_fs_mount_at(backend, pin_fs_root(backend));
}

#endif /* _BPFMAP_TEST_H */
