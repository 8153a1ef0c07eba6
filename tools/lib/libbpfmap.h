/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * libbpfmap: libbpf-shaped wrappers for the map commands, with two backends
 * behind one interface.
 *
 *   BPFMAP_BACKEND_DEV     ioctls on /dev/bpfmap (this project's module)
 *   BPFMAP_BACKEND_KERNEL  the kernel's own bpf(2) syscall (the reference)
 *
 * The backend is process-wide: bpfmap_backend_select(), or the environment
 * variable BPFMAP_BACKEND=bpfmap|kernel read on first use (default bpfmap).
 * A map fd belongs to the backend that created it.
 *
 * Every call returns 0 (or a new fd) on success and -errno on failure, and
 * also leaves errno set, as libbpf does.
 */
#ifndef _LIBBPFMAP_H
#define _LIBBPFMAP_H

#include <stddef.h>
#include <linux/types.h>
#include <linux/bpfmap.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* kernel-internal errno that reaches userspace */
#endif

enum bpfmap_backend {
	BPFMAP_BACKEND_DEV = 0,
	BPFMAP_BACKEND_KERNEL = 1,
};

/* Select the backend for the rest of the process. 0 or -EINVAL. */
int bpfmap_backend_select(enum bpfmap_backend backend);
enum bpfmap_backend bpfmap_backend_current(void);
/* "bpfmap" or "kernel" */
const char *bpfmap_backend_name(enum bpfmap_backend backend);
/* Parse "bpfmap"/"dev" or "kernel"/"bpf"; -EINVAL for anything else. */
int bpfmap_backend_parse(const char *name, enum bpfmap_backend *backend);

/*
 * The /dev/bpfmap fd the DEV backend uses (opened O_CLOEXEC on first use
 * and kept), or -errno.
 */
int bpfmap_dev_fd(void);

/* Number of possible CPUs, from /sys/devices/system/cpu/possible. */
int bpfmap_num_possible_cpus(void);

/*
 * Bytes of the user value buffer for one element of a map: value_size, or
 * round_up(value_size, 8) * possible CPUs for the per-CPU types without
 * BPFMAP_F_CPU / BPFMAP_F_ALL_CPUS in flags, or 4 for the map-of-maps types.
 */
size_t bpfmap_value_buf_size(__u32 map_type, __u32 value_size, __u64 flags);

struct bpfmap_map_create_opts {
	size_t sz;		/* sizeof(struct bpfmap_map_create_opts) */
	__u32 map_flags;
	__u32 inner_map_fd;
	__u32 numa_node;
	__u32 :32;
	__u64 map_extra;
};

int bpfmap_map_create(enum bpfmap_map_type map_type, const char *map_name,
		      __u32 key_size, __u32 value_size, __u32 max_entries,
		      const struct bpfmap_map_create_opts *opts);

int bpfmap_map_lookup_elem(int fd, const void *key, void *value);
int bpfmap_map_lookup_elem_flags(int fd, const void *key, void *value,
				 __u64 flags);
int bpfmap_map_update_elem(int fd, const void *key, const void *value,
			   __u64 flags);
int bpfmap_map_delete_elem(int fd, const void *key);
int bpfmap_map_delete_elem_flags(int fd, const void *key, __u64 flags);
int bpfmap_map_get_next_key(int fd, const void *key, void *next_key);
int bpfmap_map_lookup_and_delete_elem(int fd, const void *key, void *value);
int bpfmap_map_lookup_and_delete_elem_flags(int fd, const void *key,
					    void *value, __u64 flags);
int bpfmap_map_freeze(int fd);

struct bpfmap_map_batch_opts {
	size_t sz;		/* sizeof(struct bpfmap_map_batch_opts) */
	__u64 elem_flags;
	__u64 flags;
};

/*
 * count is in/out: written back on success, on ENOENT and when an element
 * fails; a call refused before any element (bad fd, flags or fields,
 * EPERM, ENOTSUPP) leaves it as passed.
 */
int bpfmap_map_lookup_batch(int fd, void *in_batch, void *out_batch,
			    void *keys, void *values, __u32 *count,
			    const struct bpfmap_map_batch_opts *opts);
int bpfmap_map_lookup_and_delete_batch(int fd, void *in_batch,
				       void *out_batch, void *keys,
				       void *values, __u32 *count,
				       const struct bpfmap_map_batch_opts *opts);
int bpfmap_map_update_batch(int fd, const void *keys, const void *values,
			    __u32 *count,
			    const struct bpfmap_map_batch_opts *opts);
int bpfmap_map_delete_batch(int fd, const void *keys, __u32 *count,
			    const struct bpfmap_map_batch_opts *opts);

int bpfmap_map_get_next_id(__u32 start_id, __u32 *next_id);
int bpfmap_map_get_fd_by_id(__u32 id);
/* open_flags: 0, BPFMAP_F_RDONLY or BPFMAP_F_WRONLY */
int bpfmap_map_get_fd_by_id_opts(__u32 id, __u32 open_flags);

/*
 * Pin the map behind @fd at @pathname, in a bpfmapfs (DEV backend) or a
 * bpffs (KERNEL backend); and open a new fd for the map pinned at
 * @pathname, with @file_flags 0, BPFMAP_F_RDONLY or BPFMAP_F_WRONLY.
 * libbpf's bpf_obj_pin() / bpf_obj_get_opts().
 */
int bpfmap_obj_pin(int fd, const char *pathname);
int bpfmap_obj_get(const char *pathname, __u32 file_flags);

struct bpfmap_info {
	__u32 type;
	__u32 id;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	__u32 frozen;
	__u32 :32;
	char name[BPFMAP_OBJ_NAME_LEN];
	__u64 memory;		/* bytes (the kernel backend: fdinfo memlock) */
};

int bpfmap_map_get_info_by_fd(int fd, struct bpfmap_info *info);

/* "hash", "array", "percpu_array", ... as bpftool names them; NULL if unknown */
const char *bpfmap_map_type_name(__u32 map_type);
/* Inverse of bpfmap_map_type_name(); -EINVAL if unknown. */
int bpfmap_map_type_parse(const char *name, __u32 *map_type);

#ifdef __cplusplus
}
#endif

#endif /* _LIBBPFMAP_H */
