// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The KERNEL backend: the kernel's own bpf(2), the reference the DEV
 * backend is compared against.  The libbpfmap constants are the BPF ones,
 * so types and flags pass through unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "libbpfmap_internal.h"

/* Debian 12's <linux/bpf.h> (6.1) predates these two (v7.0). */
#ifndef BPF_F_CPU
#define BPF_F_CPU		8
#endif
#ifndef BPF_F_ALL_CPUS
#define BPF_F_ALL_CPUS		16
#endif

#define SAME(a, b) \
	_Static_assert((long long)(a) == (long long)(b), #a " != " #b)

SAME(BPFMAP_MAP_CREATE, BPF_MAP_CREATE);
SAME(BPFMAP_MAP_LOOKUP_ELEM, BPF_MAP_LOOKUP_ELEM);
SAME(BPFMAP_MAP_UPDATE_ELEM, BPF_MAP_UPDATE_ELEM);
SAME(BPFMAP_MAP_DELETE_ELEM, BPF_MAP_DELETE_ELEM);
SAME(BPFMAP_MAP_GET_NEXT_KEY, BPF_MAP_GET_NEXT_KEY);
SAME(BPFMAP_OBJ_PIN, BPF_OBJ_PIN);
SAME(BPFMAP_OBJ_GET, BPF_OBJ_GET);
SAME(BPFMAP_MAP_GET_NEXT_ID, BPF_MAP_GET_NEXT_ID);
SAME(BPFMAP_MAP_GET_FD_BY_ID, BPF_MAP_GET_FD_BY_ID);
SAME(BPFMAP_OBJ_GET_INFO_BY_FD, BPF_OBJ_GET_INFO_BY_FD);
SAME(BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM, BPF_MAP_LOOKUP_AND_DELETE_ELEM);
SAME(BPFMAP_MAP_FREEZE, BPF_MAP_FREEZE);
SAME(BPFMAP_MAP_LOOKUP_BATCH, BPF_MAP_LOOKUP_BATCH);
SAME(BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH, BPF_MAP_LOOKUP_AND_DELETE_BATCH);
SAME(BPFMAP_MAP_UPDATE_BATCH, BPF_MAP_UPDATE_BATCH);
SAME(BPFMAP_MAP_DELETE_BATCH, BPF_MAP_DELETE_BATCH);

SAME(BPFMAP_MAP_TYPE_HASH, BPF_MAP_TYPE_HASH);
SAME(BPFMAP_MAP_TYPE_ARRAY, BPF_MAP_TYPE_ARRAY);
SAME(BPFMAP_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_HASH);
SAME(BPFMAP_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY);
SAME(BPFMAP_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_HASH);
SAME(BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH);
SAME(BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_ARRAY_OF_MAPS);
SAME(BPFMAP_MAP_TYPE_HASH_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS);

SAME(BPFMAP_ANY, BPF_ANY);
SAME(BPFMAP_NOEXIST, BPF_NOEXIST);
SAME(BPFMAP_EXIST, BPF_EXIST);
SAME(BPFMAP_F_LOCK, BPF_F_LOCK);
SAME(BPFMAP_F_CPU, BPF_F_CPU);
SAME(BPFMAP_F_ALL_CPUS, BPF_F_ALL_CPUS);

SAME(BPFMAP_F_NO_PREALLOC, BPF_F_NO_PREALLOC);
SAME(BPFMAP_F_NO_COMMON_LRU, BPF_F_NO_COMMON_LRU);
SAME(BPFMAP_F_NUMA_NODE, BPF_F_NUMA_NODE);
SAME(BPFMAP_F_RDONLY, BPF_F_RDONLY);
SAME(BPFMAP_F_WRONLY, BPF_F_WRONLY);
SAME(BPFMAP_F_ZERO_SEED, BPF_F_ZERO_SEED);
SAME(BPFMAP_F_RDONLY_PROG, BPF_F_RDONLY_PROG);
SAME(BPFMAP_F_WRONLY_PROG, BPF_F_WRONLY_PROG);
SAME(BPFMAP_F_MMAPABLE, BPF_F_MMAPABLE);
SAME(BPFMAP_F_INNER_MAP, BPF_F_INNER_MAP);
SAME(BPFMAP_OBJ_NAME_LEN, BPF_OBJ_NAME_LEN);

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long ret = syscall(__NR_bpf, cmd, attr, sizeof(*attr));

	return ret < 0 ? -errno : (int)ret;
}

static int kernel_map_create(struct bpfmap_map_create *a)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = a->map_type;
	attr.key_size = a->key_size;
	attr.value_size = a->value_size;
	attr.max_entries = a->max_entries;
	attr.map_flags = a->map_flags;
	attr.inner_map_fd = a->inner_map_fd;
	attr.numa_node = a->numa_node;
	memcpy(attr.map_name, a->map_name, sizeof(attr.map_name));
	attr.map_extra = a->map_extra;

	return sys_bpf(BPF_MAP_CREATE, &attr);
}

/*
 * bpf_attr's element layout names the third field value or next_key; they
 * share the slot, so one assignment serves GET_NEXT_KEY too.
 */
static int kernel_elem(enum bpfmap_cmd cmd, int fd, const void *key,
		       void *value, __u64 flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (__u32)fd;
	attr.key = ptr_to_u64(key);
	attr.value = ptr_to_u64(value);
	attr.flags = flags;

	return sys_bpf(cmd, &attr);
}

static int kernel_batch(enum bpfmap_cmd cmd, int fd, void *in_batch,
			void *out_batch, const void *keys, const void *values,
			__u32 *count, __u64 elem_flags, __u64 flags)
{
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.batch.map_fd = (__u32)fd;
	attr.batch.in_batch = ptr_to_u64(in_batch);
	attr.batch.out_batch = ptr_to_u64(out_batch);
	attr.batch.keys = ptr_to_u64(keys);
	attr.batch.values = ptr_to_u64(values);
	attr.batch.count = *count;
	attr.batch.elem_flags = elem_flags;
	attr.batch.flags = flags;

	ret = sys_bpf(cmd, &attr);
	*count = attr.batch.count;
	return ret;
}

static int kernel_get_next_id(__u32 start_id, __u32 *next_id)
{
	union bpf_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	attr.start_id = start_id;

	ret = sys_bpf(BPF_MAP_GET_NEXT_ID, &attr);
	if (!ret)
		*next_id = attr.next_id;
	return ret;
}

static int kernel_get_fd_by_id(__u32 id, __u32 open_flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_id = id;
	attr.open_flags = open_flags;

	return sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr);
}

/*
 * struct bpf_map_info has neither the frozen state nor the memory use;
 * the map's fdinfo has both ("frozen:", "memlock:"), as bpftool reads
 * them.  Missing lines leave the fields at zero.
 */
static void read_fdinfo(int fd, struct bpfmap_info *info)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "frozen:", 7))
			info->frozen = (__u32)strtoul(line + 7, NULL, 10);
		else if (!strncmp(line, "memlock:", 8))
			info->memory = strtoull(line + 8, NULL, 10);
	}
	fclose(f);
}

static int kernel_get_info(int fd, struct bpfmap_info *info)
{
	struct bpf_map_info mi;
	union bpf_attr attr;
	int ret;

	memset(&mi, 0, sizeof(mi));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (__u32)fd;
	attr.info.info_len = sizeof(mi);
	attr.info.info = ptr_to_u64(&mi);

	ret = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
	if (ret)
		return ret;

	memset(info, 0, sizeof(*info));
	info->type = mi.type;
	info->id = mi.id;
	info->key_size = mi.key_size;
	info->value_size = mi.value_size;
	info->max_entries = mi.max_entries;
	info->map_flags = mi.map_flags;
	memcpy(info->name, mi.name, sizeof(info->name));
	info->name[sizeof(info->name) - 1] = '\0';
	read_fdinfo(fd, info);
	return 0;
}

static int kernel_obj_pin(int fd, const char *pathname)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.bpf_fd = (__u32)fd;
	attr.pathname = ptr_to_u64(pathname);

	return sys_bpf(BPF_OBJ_PIN, &attr);
}

static int kernel_obj_get(const char *pathname, __u32 file_flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = ptr_to_u64(pathname);
	attr.file_flags = file_flags;

	return sys_bpf(BPF_OBJ_GET, &attr);
}

const struct libbpfmap_ops libbpfmap_kernel_ops = {
	.map_create	= kernel_map_create,
	.elem		= kernel_elem,
	.batch		= kernel_batch,
	.get_next_id	= kernel_get_next_id,
	.get_fd_by_id	= kernel_get_fd_by_id,
	.get_info	= kernel_get_info,
	.obj_pin	= kernel_obj_pin,
	.obj_get	= kernel_obj_get,
};
