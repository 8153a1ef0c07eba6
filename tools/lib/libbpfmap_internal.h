/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * What the backends share with the front in map.c.  Not installed.
 *
 * Every backend op returns 0 (or a new fd) on success and -errno on
 * failure; it does not need to leave errno set, map.c does that.
 */
#ifndef _LIBBPFMAP_INTERNAL_H
#define _LIBBPFMAP_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "libbpfmap.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define LIBBPFMAP_ROUND_UP8(x)	(((size_t)(x) + 7) & ~(size_t)7)

#define ptr_to_u64(p)		((__u64)(uintptr_t)(p))

/*
 * One table per backend.  @elem serves every command that takes the
 * element layout (lookup, update, delete, get_next_key, lookup_and_delete,
 * freeze); @batch every batch command.  @cmd is an enum bpfmap_cmd value,
 * which equals the bpf(2) command number.  @map_create gets the uapi
 * struct as the front filled it from the caller's arguments and opts,
 * @size set and every other field zero; the dev backend may write its out
 * fields.
 */
struct libbpfmap_ops {
	int (*map_create)(struct bpfmap_map_create *attr);
	int (*elem)(enum bpfmap_cmd cmd, int fd, const void *key, void *value,
		    __u64 flags);
	int (*batch)(enum bpfmap_cmd cmd, int fd, void *in_batch,
		     void *out_batch, const void *keys, const void *values,
		     __u32 *count, __u64 elem_flags, __u64 flags);
	int (*get_next_id)(__u32 start_id, __u32 *next_id);
	int (*get_fd_by_id)(__u32 id, __u32 open_flags);
	int (*get_info)(int fd, struct bpfmap_info *info);
	int (*obj_pin)(int fd, const char *pathname);
	int (*obj_get)(const char *pathname, __u32 file_flags);
};

/* Hidden so that libbpfmap.so exports only the public calls. */
#define LIBBPFMAP_HIDDEN __attribute__((visibility("hidden")))

extern const struct libbpfmap_ops libbpfmap_dev_ops LIBBPFMAP_HIDDEN;
extern const struct libbpfmap_ops libbpfmap_kernel_ops LIBBPFMAP_HIDDEN;

/* Turn a backend result into the public one: errno set when negative. */
static inline int libbpfmap_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

/*
 * Checks an opts struct the way libbpf does: a NULL pointer is fine, a
 * size smaller than the size field itself is not, and bytes past the
 * fields this build knows must be zero (a newer caller asked for
 * something we cannot do).
 */
static inline int libbpfmap_opts_valid(const void *opts, size_t sz,
				       size_t known)
{
	const char *p = opts;
	size_t i;

	if (!opts)
		return 1;
	if (sz < sizeof(size_t))
		return 0;
	for (i = known; i < sz; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Field of an opts struct, or @def when the caller's struct predates it. */
#define LIBBPFMAP_OPTS_GET(opts, field, def)				\
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + \
				 sizeof((opts)->field) ?		\
	 (opts)->field : (def))

#endif /* _LIBBPFMAP_INTERNAL_H */
