// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The DEV backend: one ioctl per call.  Each struct is cleared first, so
 * every __reserved field and every field the command does not use reaches
 * the module as zero, and size is always the size of the struct this
 * library was built with.
 *
 * The element and batch commands go to the map fd itself
 * (BPFMAP_IOCTL_FD_*), which saves the module a fd lookup and a copy.  An
 * fd that is not open answers that ioctl with EBADF, and a file that is
 * not a bpfmap map has its own driver answer (ENOTTY); then the command
 * is repeated on /dev/bpfmap, which gives the errno bpf(2) gives (EINVAL for a file that
 * is not a map; EINVAL before EBADF where a field is checked before the
 * fd).  A module without map fd commands answers ENOTTY too, so this
 * library works with it as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libbpfmap_internal.h"

static int dev_ioctl(unsigned long nr, void *arg)
{
	int devfd = bpfmap_dev_fd();
	int ret;

	if (devfd < 0)
		return devfd;
	ret = ioctl(devfd, nr, arg);
	return ret < 0 ? -errno : ret;
}

static int dev_map_create(struct bpfmap_map_create *attr)
{
	return dev_ioctl(BPFMAP_IOCTL_MAP_CREATE, attr);
}

/* The number of @cmd on a map fd, or 0. */
static unsigned long map_fd_ioctl_nr(enum bpfmap_cmd cmd)
{
	switch (cmd) {
	case BPFMAP_MAP_LOOKUP_ELEM:
		return BPFMAP_IOCTL_FD_LOOKUP_ELEM;
	case BPFMAP_MAP_UPDATE_ELEM:
		return BPFMAP_IOCTL_FD_UPDATE_ELEM;
	case BPFMAP_MAP_DELETE_ELEM:
		return BPFMAP_IOCTL_FD_DELETE_ELEM;
	case BPFMAP_MAP_GET_NEXT_KEY:
		return BPFMAP_IOCTL_FD_GET_NEXT_KEY;
	case BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM:
		return BPFMAP_IOCTL_FD_LOOKUP_AND_DELETE_ELEM;
	case BPFMAP_MAP_FREEZE:
		return BPFMAP_IOCTL_FD_FREEZE;
	case BPFMAP_MAP_LOOKUP_BATCH:
		return BPFMAP_IOCTL_FD_LOOKUP_BATCH;
	case BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH:
		return BPFMAP_IOCTL_FD_LOOKUP_AND_DELETE_BATCH;
	case BPFMAP_MAP_UPDATE_BATCH:
		return BPFMAP_IOCTL_FD_UPDATE_BATCH;
	case BPFMAP_MAP_DELETE_BATCH:
		return BPFMAP_IOCTL_FD_DELETE_BATCH;
	default:
		return 0;
	}
}

/*
 * @cmd on the map fd in @arg's map_fd (which goes as 0), and on
 * /dev/bpfmap when that fd did not take it: ENOTTY, or EBADF for an fd
 * that is not open (an update of a map-of-maps gives EBADF for a closed
 * inner map fd, which is its answer, not a reason to ask again).
 */
static int map_ioctl(enum bpfmap_cmd cmd, unsigned long dev_nr, void *arg,
		     __u32 *map_fd)
{
	int fd = (int)*map_fd, ret;

	*map_fd = 0;
	ret = ioctl(fd, map_fd_ioctl_nr(cmd), arg);
	if (ret >= 0)
		return ret;
	ret = -errno;
	if (ret != -ENOTTY &&
	    (ret != -EBADF || fcntl(fd, F_GETFD) >= 0))
		return ret;
	*map_fd = (__u32)fd;
	return dev_ioctl(dev_nr, arg);
}

static unsigned long elem_ioctl_nr(enum bpfmap_cmd cmd)
{
	switch (cmd) {
	case BPFMAP_MAP_LOOKUP_ELEM:
		return BPFMAP_IOCTL_MAP_LOOKUP_ELEM;
	case BPFMAP_MAP_UPDATE_ELEM:
		return BPFMAP_IOCTL_MAP_UPDATE_ELEM;
	case BPFMAP_MAP_DELETE_ELEM:
		return BPFMAP_IOCTL_MAP_DELETE_ELEM;
	case BPFMAP_MAP_GET_NEXT_KEY:
		return BPFMAP_IOCTL_MAP_GET_NEXT_KEY;
	case BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM:
		return BPFMAP_IOCTL_MAP_LOOKUP_AND_DELETE_ELEM;
	case BPFMAP_MAP_FREEZE:
		return BPFMAP_IOCTL_MAP_FREEZE;
	case BPFMAP_MAP_LOOKUP_BATCH:
		return BPFMAP_IOCTL_MAP_LOOKUP_BATCH;
	case BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH:
		return BPFMAP_IOCTL_MAP_LOOKUP_AND_DELETE_BATCH;
	case BPFMAP_MAP_UPDATE_BATCH:
		return BPFMAP_IOCTL_MAP_UPDATE_BATCH;
	case BPFMAP_MAP_DELETE_BATCH:
		return BPFMAP_IOCTL_MAP_DELETE_BATCH;
	default:
		return 0;
	}
}

/*
 * The front passes NULL / 0 for whatever the command does not use, so
 * the "last field" rule of the module sees zeros there.
 */
static int dev_elem(enum bpfmap_cmd cmd, int fd, const void *key,
		    void *value, __u64 flags)
{
	unsigned long nr = elem_ioctl_nr(cmd);
	struct bpfmap_elem s;

	if (!nr)
		return -EINVAL;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.map_fd = (__u32)fd;
	s.key = ptr_to_u64(key);
	s.value = ptr_to_u64(value);
	s.flags = flags;

	return map_ioctl(cmd, nr, &s, &s.map_fd);
}

static int dev_batch(enum bpfmap_cmd cmd, int fd, void *in_batch,
		     void *out_batch, const void *keys, const void *values,
		     __u32 *count, __u64 elem_flags, __u64 flags)
{
	unsigned long nr = elem_ioctl_nr(cmd);
	struct bpfmap_batch s;
	int ret;

	if (!nr)
		return -EINVAL;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.map_fd = (__u32)fd;
	s.in_batch = ptr_to_u64(in_batch);
	s.out_batch = ptr_to_u64(out_batch);
	s.keys = ptr_to_u64(keys);
	s.values = ptr_to_u64(values);
	s.count = *count;
	s.elem_flags = elem_flags;
	s.flags = flags;

	ret = map_ioctl(cmd, nr, &s, &s.map_fd);
	*count = s.count;
	return ret;
}

static int dev_get_next_id(__u32 start_id, __u32 *next_id)
{
	struct bpfmap_get_next_id s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.start_id = start_id;

	ret = dev_ioctl(BPFMAP_IOCTL_MAP_GET_NEXT_ID, &s);
	if (!ret)
		*next_id = s.out_next_id;
	return ret;
}

static int dev_get_fd_by_id(__u32 id, __u32 open_flags)
{
	struct bpfmap_get_fd_by_id s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.map_id = id;
	s.open_flags = open_flags;

	return dev_ioctl(BPFMAP_IOCTL_MAP_GET_FD_BY_ID, &s);
}

static int dev_get_info(int fd, struct bpfmap_info *info)
{
	struct bpfmap_map_info s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.map_fd = (__u32)fd;

	ret = dev_ioctl(BPFMAP_IOCTL_OBJ_GET_INFO_BY_FD, &s);
	if (ret)
		return ret;

	memset(info, 0, sizeof(*info));
	info->type = s.out_type;
	info->id = s.out_id;
	info->key_size = s.out_key_size;
	info->value_size = s.out_value_size;
	info->max_entries = s.out_max_entries;
	info->map_flags = s.out_map_flags;
	info->frozen = s.out_frozen;
	memcpy(info->name, s.out_name, sizeof(info->name));
	info->name[sizeof(info->name) - 1] = '\0';
	info->memory = s.out_memory;
	return 0;
}

static int dev_obj_pin(int fd, const char *pathname)
{
	struct bpfmap_obj s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.bpf_fd = (__u32)fd;
	s.pathname = ptr_to_u64(pathname);

	return dev_ioctl(BPFMAP_IOCTL_OBJ_PIN, &s);
}

static int dev_obj_get(const char *pathname, __u32 file_flags)
{
	struct bpfmap_obj s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.pathname = ptr_to_u64(pathname);
	s.file_flags = file_flags;

	return dev_ioctl(BPFMAP_IOCTL_OBJ_GET, &s);
}

const struct libbpfmap_ops libbpfmap_dev_ops = {
	.map_create	= dev_map_create,
	.elem		= dev_elem,
	.batch		= dev_batch,
	.get_next_id	= dev_get_next_id,
	.get_fd_by_id	= dev_get_fd_by_id,
	.get_info	= dev_get_info,
	.obj_pin	= dev_obj_pin,
	.obj_get	= dev_obj_get,
};
