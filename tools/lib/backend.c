// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Process-wide state of libbpfmap: which backend is in use, the
 * /dev/bpfmap fd, the number of possible CPUs, and the map type names.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libbpfmap_internal.h"

#define BPFMAP_DEV_PATH		"/dev/bpfmap"
#define POSSIBLE_CPUS_PATH	"/sys/devices/system/cpu/possible"

/* -1 until chosen, by bpfmap_backend_select() or the environment. */
static int cur_backend = -1;
static int dev_fd = -1;
static int possible_cpus;

int bpfmap_backend_select(enum bpfmap_backend backend)
{
	if (backend != BPFMAP_BACKEND_DEV && backend != BPFMAP_BACKEND_KERNEL)
		return libbpfmap_err(-EINVAL);
	__atomic_store_n(&cur_backend, backend, __ATOMIC_RELEASE);
	return 0;
}

/*
 * An unset or unparsable BPFMAP_BACKEND means the default, the DEV
 * backend: a library should not refuse to work over an environment typo,
 * and bpfmapctl checks the variable itself before the first call.
 */
enum bpfmap_backend bpfmap_backend_current(void)
{
	int cur = __atomic_load_n(&cur_backend, __ATOMIC_ACQUIRE);
	enum bpfmap_backend b = BPFMAP_BACKEND_DEV;
	const char *env;
	int expected = -1;

	if (cur >= 0)
		return cur;

	env = getenv("BPFMAP_BACKEND");
	if (env && *env && bpfmap_backend_parse(env, &b) < 0)
		b = BPFMAP_BACKEND_DEV;

	/* A concurrent bpfmap_backend_select() wins over the environment. */
	if (!__atomic_compare_exchange_n(&cur_backend, &expected, (int)b,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return expected;
	return b;
}

const char *bpfmap_backend_name(enum bpfmap_backend backend)
{
	switch (backend) {
	case BPFMAP_BACKEND_DEV:
		return "bpfmap";
	case BPFMAP_BACKEND_KERNEL:
		return "kernel";
	}
	return NULL;
}

int bpfmap_backend_parse(const char *name, enum bpfmap_backend *backend)
{
	if (!name || !backend)
		return libbpfmap_err(-EINVAL);
	if (!strcmp(name, "bpfmap") || !strcmp(name, "dev")) {
		*backend = BPFMAP_BACKEND_DEV;
		return 0;
	}
	if (!strcmp(name, "kernel") || !strcmp(name, "bpf")) {
		*backend = BPFMAP_BACKEND_KERNEL;
		return 0;
	}
	return libbpfmap_err(-EINVAL);
}

int bpfmap_dev_fd(void)
{
	int fd = __atomic_load_n(&dev_fd, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;

	fd = open(BPFMAP_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return libbpfmap_err(-errno);

	/* Two threads raced to open: keep the first fd, drop ours. */
	if (!__atomic_compare_exchange_n(&dev_fd, &expected, fd, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		return expected;
	}
	return fd;
}

/*
 * The file is a list of ranges such as "0-3,8-11\n".  The kernel counts
 * the bits of cpu_possible_mask, so count the CPUs in the ranges rather
 * than taking the highest number plus one.
 */
static int parse_possible_cpus(const char *buf)
{
	const char *p = buf;
	unsigned long a, b;
	char *end;
	int n = 0;

	while (*p && *p != '\n') {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (b < a || b - a >= 1UL << 20)
			return -EINVAL;
		n += (int)(b - a + 1);
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return n > 0 ? n : -EINVAL;
}

int bpfmap_num_possible_cpus(void)
{
	int n = __atomic_load_n(&possible_cpus, __ATOMIC_ACQUIRE);
	char buf[4096];
	ssize_t len;
	int fd;

	if (n > 0)
		return n;

	fd = open(POSSIBLE_CPUS_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return libbpfmap_err(-errno);
	len = read(fd, buf, sizeof(buf) - 1);
	if (len < 0)
		n = -errno;
	close(fd);
	if (len < 0)
		return libbpfmap_err(n);
	buf[len] = '\0';

	n = parse_possible_cpus(buf);
	if (n < 0)
		return libbpfmap_err(n);
	__atomic_store_n(&possible_cpus, n, __ATOMIC_RELEASE);
	return n;
}

static int is_percpu_type(__u32 map_type)
{
	return map_type == BPFMAP_MAP_TYPE_PERCPU_HASH ||
	       map_type == BPFMAP_MAP_TYPE_PERCPU_ARRAY ||
	       map_type == BPFMAP_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Returns 0 when the number of possible CPUs cannot be read. */
size_t bpfmap_value_buf_size(__u32 map_type, __u32 value_size, __u64 flags)
{
	int ncpus;

	if (map_type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS ||
	    map_type == BPFMAP_MAP_TYPE_HASH_OF_MAPS)
		return sizeof(__u32);
	if (!is_percpu_type(map_type) ||
	    (flags & (BPFMAP_F_CPU | BPFMAP_F_ALL_CPUS)))
		return value_size;

	ncpus = bpfmap_num_possible_cpus();
	if (ncpus < 0)
		return 0;
	return LIBBPFMAP_ROUND_UP8(value_size) * (size_t)ncpus;
}

/*
 * bpftool's names (libbpf_bpf_map_type_str()), indexed by BPF_MAP_TYPE_*
 * number.  The kernel backend can list maps of any type, so the table
 * covers every type, not only the ones /dev/bpfmap implements.
 */
static const char *const map_type_names[] = {
	[0]  = "unspec",
	[1]  = "hash",
	[2]  = "array",
	[3]  = "prog_array",
	[4]  = "perf_event_array",
	[5]  = "percpu_hash",
	[6]  = "percpu_array",
	[7]  = "stack_trace",
	[8]  = "cgroup_array",
	[9]  = "lru_hash",
	[10] = "lru_percpu_hash",
	[11] = "lpm_trie",
	[12] = "array_of_maps",
	[13] = "hash_of_maps",
	[14] = "devmap",
	[15] = "sockmap",
	[16] = "cpumap",
	[17] = "xskmap",
	[18] = "sockhash",
	[19] = "cgroup_storage",
	[20] = "reuseport_sockarray",
	[21] = "percpu_cgroup_storage",
	[22] = "queue",
	[23] = "stack",
	[24] = "sk_storage",
	[25] = "devmap_hash",
	[26] = "struct_ops",
	[27] = "ringbuf",
	[28] = "inode_storage",
	[29] = "task_storage",
	[30] = "bloom_filter",
	[31] = "user_ringbuf",
	[32] = "cgrp_storage",
	[33] = "arena",
};

#define NR_MAP_TYPE_NAMES	ARRAY_SIZE(map_type_names)

const char *bpfmap_map_type_name(__u32 map_type)
{
	if (map_type >= NR_MAP_TYPE_NAMES)
		return NULL;
	return map_type_names[map_type];
}

int bpfmap_map_type_parse(const char *name, __u32 *map_type)
{
	__u32 i;

	if (!name || !map_type)
		return libbpfmap_err(-EINVAL);
	for (i = 0; i < NR_MAP_TYPE_NAMES; i++) {
		if (map_type_names[i] && !strcmp(map_type_names[i], name)) {
			*map_type = i;
			return 0;
		}
	}
	return libbpfmap_err(-EINVAL);
}
