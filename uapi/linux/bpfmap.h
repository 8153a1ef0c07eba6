/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (C) 2026 The bpfmap authors. */
#ifndef _UAPI_LINUX_BPFMAP_H
#define _UAPI_LINUX_BPFMAP_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * DOC: General ioctl format
 *
 * Every command is an ioctl on an open /dev/bpfmap file (the commands on
 * one map may also go to the map fd: see "Commands on a map fd").  The
 * ioctl number is _IO(BPFMAP_IOCTL_TYPE, cmd) where cmd has the value of the
 * matching bpf(2) command (BPFMAP_MAP_CREATE == BPF_MAP_CREATE == 0, ...).
 * No size is encoded in the number: the size travels in the struct, whose
 * first field is always ``__u32 size`` and which may grow at its end.
 *
 * The kernel copies min(size, sizeof(its struct)) bytes.  Userspace built
 * against an older header passes a shorter struct and the missing fields
 * read as zero; userspace built against a newer header may pass a longer
 * struct as long as every byte the kernel does not know is zero.
 *
 * Map file descriptors returned by the commands are anonymous-inode fds
 * (O_CLOEXEC).  They are passed back in the ``map_fd`` field of later
 * commands, exactly like the bpf(2) map fds they mirror.
 *
 * Errors every command can return, in the order they are checked:
 *
 * - ENOTTY: the ioctl number is not a bpfmap command.
 * - EFAULT: the struct (or its size field) cannot be read.
 * - EINVAL: ``size`` is smaller than the command's first version.
 * - E2BIG: ``size`` is larger than the kernel's struct and a byte the kernel
 *   does not know is non-zero.
 * - EINVAL: a ``__reserved`` field, or a field the command does not use
 *   (the bpf(2) "last field" rule, e.g. ``flags`` on DELETE_ELEM), is
 *   non-zero.
 * - EBADF: ``map_fd`` is not an open file descriptor.
 * - EINVAL: ``map_fd`` is open but is not a bpfmap map.
 * - EPERM: the fd lacks the mode the command needs (read for lookups,
 *   write for updates and deletes, both for lookup-and-delete) or the map
 *   is frozen and the command writes.
 *
 * After these, each command returns the errno values of the bpf(2)
 * command it mirrors, for the same reasons: ENOENT (no such element or
 * end of iteration), EEXIST (BPFMAP_NOEXIST on an existing element),
 * E2BIG (index out of range on an array update, map full), EINVAL (bad
 * flags or attributes), ERANGE (BPFMAP_F_CPU with a cpu that is not
 * possible), ENOMEM, ENOSPC (a batch buffer too small for one bucket) and
 * ENOTSUPP (524: the map type does not implement the command).
 */

#define BPFMAP_IOCTL_TYPE	0xBF
#define BPFMAP_OBJ_NAME_LEN	16U

/* statfs() f_type of a bpfmapfs mount, as BPF_FS_MAGIC is bpffs's. */
#define BPFMAPFS_MAGIC		0xbf4d4150

/**
 * enum bpfmap_cmd - command numbers, equal to the bpf(2) ones
 */
enum bpfmap_cmd {
	BPFMAP_MAP_CREATE = 0,
	BPFMAP_MAP_LOOKUP_ELEM = 1,
	BPFMAP_MAP_UPDATE_ELEM = 2,
	BPFMAP_MAP_DELETE_ELEM = 3,
	BPFMAP_MAP_GET_NEXT_KEY = 4,
	BPFMAP_OBJ_PIN = 6,
	BPFMAP_OBJ_GET = 7,
	BPFMAP_MAP_GET_NEXT_ID = 12,
	BPFMAP_MAP_GET_FD_BY_ID = 14,
	BPFMAP_OBJ_GET_INFO_BY_FD = 15,
	BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM = 21,
	BPFMAP_MAP_FREEZE = 22,
	BPFMAP_MAP_LOOKUP_BATCH = 24,
	BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH = 25,
	BPFMAP_MAP_UPDATE_BATCH = 26,
	BPFMAP_MAP_DELETE_BATCH = 27,
};

/**
 * enum bpfmap_map_type - map types, equal to the BPF_MAP_TYPE_* ones
 */
enum bpfmap_map_type {
	BPFMAP_MAP_TYPE_UNSPEC = 0,
	BPFMAP_MAP_TYPE_HASH = 1,
	BPFMAP_MAP_TYPE_ARRAY = 2,
	BPFMAP_MAP_TYPE_PERCPU_HASH = 5,
	BPFMAP_MAP_TYPE_PERCPU_ARRAY = 6,
	BPFMAP_MAP_TYPE_LRU_HASH = 9,
	BPFMAP_MAP_TYPE_LRU_PERCPU_HASH = 10,
	BPFMAP_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPFMAP_MAP_TYPE_HASH_OF_MAPS = 13,
};

/* Element flags (``flags``, ``elem_flags``), equal to BPF_ANY ... */
#define BPFMAP_ANY		0ULL	/* create or overwrite */
#define BPFMAP_NOEXIST		1ULL	/* create only */
#define BPFMAP_EXIST		2ULL	/* overwrite only */
#define BPFMAP_F_LOCK		4ULL	/* never valid here: no value holds a lock */
#define BPFMAP_F_CPU		8ULL	/* one CPU, whose number is in bits 63..32 */
#define BPFMAP_F_ALL_CPUS	16ULL	/* update: the same value on every CPU */

/* Map creation flags (``map_flags``), equal to BPF_F_NO_PREALLOC ... */
#define BPFMAP_F_NO_PREALLOC	(1U << 0)
#define BPFMAP_F_NO_COMMON_LRU	(1U << 1)
#define BPFMAP_F_NUMA_NODE	(1U << 2)
#define BPFMAP_F_RDONLY		(1U << 3)	/* the returned fd is read-only */
#define BPFMAP_F_WRONLY		(1U << 4)	/* the returned fd is write-only */
#define BPFMAP_F_ZERO_SEED	(1U << 6)
#define BPFMAP_F_RDONLY_PROG	(1U << 7)
#define BPFMAP_F_WRONLY_PROG	(1U << 8)
#define BPFMAP_F_MMAPABLE	(1U << 10)
#define BPFMAP_F_INNER_MAP	(1U << 12)

/**
 * struct bpfmap_map_create - BPFMAP_IOCTL_MAP_CREATE
 * @size: sizeof(struct bpfmap_map_create)
 * @map_type: one of enum bpfmap_map_type
 * @key_size: key size in bytes
 * @value_size: value size in bytes (per CPU for the per-CPU types)
 * @max_entries: capacity
 * @map_flags: BPFMAP_F_* creation flags
 * @inner_map_fd: map-of-maps: a map whose shape every inner map must have
 * @numa_node: NUMA node, used only with BPFMAP_F_NUMA_NODE
 * @map_name: NUL-terminated name of [A-Za-z0-9_.] characters
 * @map_extra: must be 0 for every type implemented here
 * @out_map_id: the new map's id
 * @__reserved: must be 0
 *
 * Returns a new O_CLOEXEC map fd.  BPFMAP_F_RDONLY / BPFMAP_F_WRONLY make
 * that fd read-only / write-only; they are not stored in the map's flags.
 */
struct bpfmap_map_create {
	__u32 size;
	__u32 map_type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	__u32 inner_map_fd;
	__u32 numa_node;
	char map_name[BPFMAP_OBJ_NAME_LEN];
	__aligned_u64 map_extra;
	__u32 out_map_id;
	__u32 __reserved;
};

/**
 * struct bpfmap_elem - the element commands
 * @size: sizeof(struct bpfmap_elem)
 * @map_fd: map fd
 * @key: user pointer to the key (may be 0 for GET_NEXT_KEY: first key)
 * @value: user pointer to the value, or to the next key for GET_NEXT_KEY
 * @flags: BPFMAP_ANY / NOEXIST / EXIST / F_CPU / F_ALL_CPUS
 *
 * One struct serves LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY,
 * LOOKUP_AND_DELETE_ELEM and MAP_FREEZE.  As with bpf(2), a field after the
 * command's last one must be zero (EINVAL otherwise): DELETE_ELEM uses
 * @map_fd and @key; GET_NEXT_KEY @map_fd, @key and @value; FREEZE only
 * @map_fd.
 *
 * The value buffer holds value_size bytes, or for the per-CPU types
 * round_up(value_size, 8) * (number of possible CPUs) bytes, slot i being
 * possible CPU i, with the padding bytes zero on lookup.  With BPFMAP_F_CPU
 * or BPFMAP_F_ALL_CPUS it holds value_size bytes.
 */
struct bpfmap_elem {
	__u32 size;
	__u32 map_fd;
	__aligned_u64 key;
	__aligned_u64 value;
	__aligned_u64 flags;
};

/**
 * struct bpfmap_batch - the batch commands
 * @size: sizeof(struct bpfmap_batch)
 * @map_fd: map fd
 * @in_batch: user pointer to the resume token, 0 to start
 * @out_batch: user pointer where the next token is written
 * @keys: user pointer to count keys
 * @values: user pointer to count values
 * @count: in: capacity in elements; out: elements processed
 * @__reserved: must be 0
 * @elem_flags: per-element flags
 * @flags: command flags
 *
 * The token is 4 bytes (a bucket index) for the hash types and key_size
 * bytes (a key) for the array types.
 */
struct bpfmap_batch {
	__u32 size;
	__u32 map_fd;
	__aligned_u64 in_batch;
	__aligned_u64 out_batch;
	__aligned_u64 keys;
	__aligned_u64 values;
	__u32 count;
	__u32 __reserved;
	__aligned_u64 elem_flags;
	__aligned_u64 flags;
};

/**
 * struct bpfmap_get_next_id - BPFMAP_IOCTL_MAP_GET_NEXT_ID
 * @size: sizeof(struct bpfmap_get_next_id)
 * @start_id: ids greater than this one are searched
 * @out_next_id: the smallest map id greater than @start_id
 * @__reserved: must be 0
 *
 * ENOENT when there is none.  Needs CAP_SYS_ADMIN (EPERM otherwise).
 */
struct bpfmap_get_next_id {
	__u32 size;
	__u32 start_id;
	__u32 out_next_id;
	__u32 __reserved;
};

/**
 * struct bpfmap_get_fd_by_id - BPFMAP_IOCTL_MAP_GET_FD_BY_ID
 * @size: sizeof(struct bpfmap_get_fd_by_id)
 * @map_id: the id
 * @open_flags: 0, BPFMAP_F_RDONLY or BPFMAP_F_WRONLY (EINVAL otherwise)
 *
 * Returns a new O_CLOEXEC fd for the map.  ENOENT when no map has the id;
 * EPERM without CAP_SYS_ADMIN.
 */
struct bpfmap_get_fd_by_id {
	__u32 size;
	__u32 map_id;
	__u32 open_flags;
	__u32 __reserved;
};

/**
 * struct bpfmap_map_info - BPFMAP_IOCTL_OBJ_GET_INFO_BY_FD
 * @size: sizeof(struct bpfmap_map_info)
 * @map_fd: map fd
 * @out_type: map type
 * @out_id: map id
 * @out_key_size: key size
 * @out_value_size: value size
 * @out_max_entries: capacity (after any rounding at creation)
 * @out_map_flags: creation flags, without BPFMAP_F_RDONLY / BPFMAP_F_WRONLY
 * @out_frozen: 1 when the map is frozen
 * @__reserved: must be 0
 * @out_name: name given at creation
 * @out_memory: bytes of memory the map uses
 */
struct bpfmap_map_info {
	__u32 size;
	__u32 map_fd;
	__u32 out_type;
	__u32 out_id;
	__u32 out_key_size;
	__u32 out_value_size;
	__u32 out_max_entries;
	__u32 out_map_flags;
	__u32 out_frozen;
	__u32 __reserved;
	char out_name[BPFMAP_OBJ_NAME_LEN];
	__aligned_u64 out_memory;
};

/**
 * struct bpfmap_obj - BPFMAP_IOCTL_OBJ_PIN and BPFMAP_IOCTL_OBJ_GET
 * @size: sizeof(struct bpfmap_obj)
 * @bpf_fd: OBJ_PIN: the map fd to pin; OBJ_GET: must be 0
 * @pathname: user pointer to a NUL-terminated path
 * @file_flags: OBJ_PIN: must be 0; OBJ_GET: 0, BPFMAP_F_RDONLY or
 *	BPFMAP_F_WRONLY, the mode of the returned fd
 * @__reserved: must be 0
 *
 * OBJ_PIN creates a file at @pathname, in a directory of a bpfmapfs mount
 * (``mount -t bpfmapfs none /sys/fs/bpfmap``), that holds a reference to
 * the map until it is unlinked: the map outlives its last fd.  The file's
 * mode is 0600 less the caller's umask.  OBJ_GET opens a new O_CLOEXEC fd
 * for the map pinned at @pathname, if the file's permissions allow the
 * mode asked for.  As BPF_OBJ_PIN / BPF_OBJ_GET: EINVAL for a bad flag or
 * a @bpf_fd that is not a bpfmap map fd (a closed fd too), EPERM for a
 * directory that is not in a bpfmapfs or a name with a dot, EEXIST for a
 * name that exists, ENOENT / ENOTDIR for a path that does not resolve,
 * EACCES when the permissions refuse, or when the file at @pathname is
 * not a pinned map.
 */
struct bpfmap_obj {
	__u32 size;
	__u32 bpf_fd;
	__aligned_u64 pathname;
	__u32 file_flags;
	__u32 __reserved;
};

#define BPFMAP_IOCTL_MAP_CREATE \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_CREATE)
#define BPFMAP_IOCTL_MAP_LOOKUP_ELEM \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_LOOKUP_ELEM)
#define BPFMAP_IOCTL_MAP_UPDATE_ELEM \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_UPDATE_ELEM)
#define BPFMAP_IOCTL_MAP_DELETE_ELEM \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_DELETE_ELEM)
#define BPFMAP_IOCTL_MAP_GET_NEXT_KEY \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_GET_NEXT_KEY)
#define BPFMAP_IOCTL_OBJ_PIN \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_OBJ_PIN)
#define BPFMAP_IOCTL_OBJ_GET \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_OBJ_GET)
#define BPFMAP_IOCTL_MAP_GET_NEXT_ID \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_GET_NEXT_ID)
#define BPFMAP_IOCTL_MAP_GET_FD_BY_ID \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_GET_FD_BY_ID)
#define BPFMAP_IOCTL_OBJ_GET_INFO_BY_FD \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_OBJ_GET_INFO_BY_FD)
#define BPFMAP_IOCTL_MAP_LOOKUP_AND_DELETE_ELEM \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM)
#define BPFMAP_IOCTL_MAP_FREEZE \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_FREEZE)
#define BPFMAP_IOCTL_MAP_LOOKUP_BATCH \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_LOOKUP_BATCH)
#define BPFMAP_IOCTL_MAP_LOOKUP_AND_DELETE_BATCH \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH)
#define BPFMAP_IOCTL_MAP_UPDATE_BATCH \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_UPDATE_BATCH)
#define BPFMAP_IOCTL_MAP_DELETE_BATCH \
	_IO(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_DELETE_BATCH)

/**
 * DOC: Commands on a map fd
 *
 * The element commands, MAP_FREEZE and the batch commands may also be
 * issued on the map fd itself, ioctl(map_fd, BPFMAP_IOCTL_FD_..., &cmd),
 * with the same struct.  That saves resolving ``map_fd`` and reading
 * ``size`` apart from the struct: the number encodes the struct's size, so
 * the struct is read in one copy.  ``size`` must be the size of this
 * header's struct and ``map_fd`` must be 0 (EINVAL otherwise); a later
 * version of a struct will get a number of its own.
 *
 * After that every check is the one of /dev/bpfmap, in the same order,
 * with the same errors.  Only an fd that is not an open map never reaches
 * bpfmap: ioctl(2) gives EBADF for a closed fd, and another file's own
 * driver answers for it (ENOTTY for a number it does not know).  Callers
 * that must tell such fds apart as bpf(2) does (EINVAL) can repeat the
 * command on /dev/bpfmap, as libbpfmap does.
 */
#define BPFMAP_IOCTL_FD_LOOKUP_ELEM \
	_IOW(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_LOOKUP_ELEM, struct bpfmap_elem)
#define BPFMAP_IOCTL_FD_UPDATE_ELEM \
	_IOW(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_UPDATE_ELEM, struct bpfmap_elem)
#define BPFMAP_IOCTL_FD_DELETE_ELEM \
	_IOW(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_DELETE_ELEM, struct bpfmap_elem)
#define BPFMAP_IOCTL_FD_GET_NEXT_KEY \
	_IOW(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_GET_NEXT_KEY, struct bpfmap_elem)
#define BPFMAP_IOCTL_FD_LOOKUP_AND_DELETE_ELEM \
	_IOW(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM, \
	     struct bpfmap_elem)
#define BPFMAP_IOCTL_FD_FREEZE \
	_IOW(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_FREEZE, struct bpfmap_elem)
#define BPFMAP_IOCTL_FD_LOOKUP_BATCH \
	_IOWR(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_LOOKUP_BATCH, struct bpfmap_batch)
#define BPFMAP_IOCTL_FD_LOOKUP_AND_DELETE_BATCH \
	_IOWR(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH, \
	      struct bpfmap_batch)
#define BPFMAP_IOCTL_FD_UPDATE_BATCH \
	_IOWR(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_UPDATE_BATCH, struct bpfmap_batch)
#define BPFMAP_IOCTL_FD_DELETE_BATCH \
	_IOWR(BPFMAP_IOCTL_TYPE, BPFMAP_MAP_DELETE_BATCH, struct bpfmap_batch)

#endif /* _UAPI_LINUX_BPFMAP_H */
