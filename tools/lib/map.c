// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The public map calls: argument and opts checks, then dispatch to the
 * current backend's ops table, and errno set on the way out.
 */
#include <errno.h>
#include <string.h>

#include "libbpfmap_internal.h"

static const struct libbpfmap_ops *ops(void)
{
	if (bpfmap_backend_current() == BPFMAP_BACKEND_KERNEL)
		return &libbpfmap_kernel_ops;
	return &libbpfmap_dev_ops;
}

#define CREATE_OPTS_KNOWN \
	(offsetof(struct bpfmap_map_create_opts, map_extra) + sizeof(__u64))
#define BATCH_OPTS_KNOWN \
	(offsetof(struct bpfmap_map_batch_opts, flags) + sizeof(__u64))

int bpfmap_map_create(enum bpfmap_map_type map_type, const char *map_name,
		      __u32 key_size, __u32 value_size, __u32 max_entries,
		      const struct bpfmap_map_create_opts *opts)
{
	struct bpfmap_map_create attr;

	if (!libbpfmap_opts_valid(opts, opts ? opts->sz : 0,
				  CREATE_OPTS_KNOWN))
		return libbpfmap_err(-EINVAL);

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.map_type = map_type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	attr.map_flags = LIBBPFMAP_OPTS_GET(opts, map_flags, 0);
	attr.inner_map_fd = LIBBPFMAP_OPTS_GET(opts, inner_map_fd, 0);
	attr.numa_node = LIBBPFMAP_OPTS_GET(opts, numa_node, 0);
	attr.map_extra = LIBBPFMAP_OPTS_GET(opts, map_extra, 0);
	/* Like libbpf: a longer name is cut, never refused here. */
	if (map_name)
		strncpy(attr.map_name, map_name, sizeof(attr.map_name) - 1);

	return libbpfmap_err(ops()->map_create(&attr));
}

static int elem(enum bpfmap_cmd cmd, int fd, const void *key, void *value,
		__u64 flags)
{
	return libbpfmap_err(ops()->elem(cmd, fd, key, value, flags));
}

int bpfmap_map_lookup_elem(int fd, const void *key, void *value)
{
	return elem(BPFMAP_MAP_LOOKUP_ELEM, fd, key, value, 0);
}

int bpfmap_map_lookup_elem_flags(int fd, const void *key, void *value,
				 __u64 flags)
{
	return elem(BPFMAP_MAP_LOOKUP_ELEM, fd, key, value, flags);
}

/* The value is only read; the element layout just has no const. */
int bpfmap_map_update_elem(int fd, const void *key, const void *value,
			   __u64 flags)
{
	return elem(BPFMAP_MAP_UPDATE_ELEM, fd, key, (void *)value, flags);
}

int bpfmap_map_delete_elem(int fd, const void *key)
{
	return elem(BPFMAP_MAP_DELETE_ELEM, fd, key, NULL, 0);
}

/*
 * Passed through even though neither bpf(2) nor the module accepts flags
 * on DELETE_ELEM today: the caller gets the EINVAL the kernel gives.
 */
int bpfmap_map_delete_elem_flags(int fd, const void *key, __u64 flags)
{
	return elem(BPFMAP_MAP_DELETE_ELEM, fd, key, NULL, flags);
}

int bpfmap_map_get_next_key(int fd, const void *key, void *next_key)
{
	return elem(BPFMAP_MAP_GET_NEXT_KEY, fd, key, next_key, 0);
}

int bpfmap_map_lookup_and_delete_elem(int fd, const void *key, void *value)
{
	return elem(BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, 0);
}

int bpfmap_map_lookup_and_delete_elem_flags(int fd, const void *key,
					    void *value, __u64 flags)
{
	return elem(BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, flags);
}

int bpfmap_map_freeze(int fd)
{
	return elem(BPFMAP_MAP_FREEZE, fd, NULL, NULL, 0);
}

static int batch(enum bpfmap_cmd cmd, int fd, void *in_batch,
		 void *out_batch, const void *keys, const void *values,
		 __u32 *count, const struct bpfmap_map_batch_opts *opts)
{
	__u64 elem_flags, flags;

	if (!count)
		return libbpfmap_err(-EINVAL);
	if (!libbpfmap_opts_valid(opts, opts ? opts->sz : 0,
				  BATCH_OPTS_KNOWN))
		return libbpfmap_err(-EINVAL);

	elem_flags = LIBBPFMAP_OPTS_GET(opts, elem_flags, 0);
	flags = LIBBPFMAP_OPTS_GET(opts, flags, 0);
	return libbpfmap_err(ops()->batch(cmd, fd, in_batch, out_batch, keys,
					  values, count, elem_flags, flags));
}

int bpfmap_map_lookup_batch(int fd, void *in_batch, void *out_batch,
			    void *keys, void *values, __u32 *count,
			    const struct bpfmap_map_batch_opts *opts)
{
	return batch(BPFMAP_MAP_LOOKUP_BATCH, fd, in_batch, out_batch, keys,
		     values, count, opts);
}

int bpfmap_map_lookup_and_delete_batch(int fd, void *in_batch,
				       void *out_batch, void *keys,
				       void *values, __u32 *count,
				       const struct bpfmap_map_batch_opts *opts)
{
	return batch(BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH, fd, in_batch,
		     out_batch, keys, values, count, opts);
}

int bpfmap_map_update_batch(int fd, const void *keys, const void *values,
			    __u32 *count,
			    const struct bpfmap_map_batch_opts *opts)
{
	return batch(BPFMAP_MAP_UPDATE_BATCH, fd, NULL, NULL, keys, values,
		     count, opts);
}

int bpfmap_map_delete_batch(int fd, const void *keys, __u32 *count,
			    const struct bpfmap_map_batch_opts *opts)
{
	return batch(BPFMAP_MAP_DELETE_BATCH, fd, NULL, NULL, keys, NULL,
		     count, opts);
}

int bpfmap_map_get_next_id(__u32 start_id, __u32 *next_id)
{
	if (!next_id)
		return libbpfmap_err(-EINVAL);
	return libbpfmap_err(ops()->get_next_id(start_id, next_id));
}

int bpfmap_map_get_fd_by_id(__u32 id)
{
	return bpfmap_map_get_fd_by_id_opts(id, 0);
}

int bpfmap_map_get_fd_by_id_opts(__u32 id, __u32 open_flags)
{
	return libbpfmap_err(ops()->get_fd_by_id(id, open_flags));
}

int bpfmap_obj_pin(int fd, const char *pathname)
{
	return libbpfmap_err(ops()->obj_pin(fd, pathname));
}

int bpfmap_obj_get(const char *pathname, __u32 file_flags)
{
	return libbpfmap_err(ops()->obj_get(pathname, file_flags));
}

int bpfmap_map_get_info_by_fd(int fd, struct bpfmap_info *info)
{
	if (!info)
		return libbpfmap_err(-EINVAL);
	return libbpfmap_err(ops()->get_info(fd, info));
}
