// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Maps of maps: the template an outer map keeps of its inner maps, the
 * check every inner map must pass, and turning a user's inner map fd into a
 * counted reference.  The outer map holds one reference per stored inner
 * map; dropping it frees the inner map (after an RCU grace period, as every
 * map) once no fd and no other outer map holds it.  Nesting stops at one
 * level: a map-of-maps is never a valid inner map, so no cycle can form.
 */

#include <linux/file.h>
#include <linux/fs.h>

#include <kunit/visibility.h>

#include "bpfmap.h"
#include "map_in_map.h"

/**
 * bpfmap_meta_init - copy the template from attr->inner_map_fd
 * @outer: the new outer map
 * @attr: its create command
 *
 * Called from the map types' alloc callbacks.  EBADF when the fd is not
 * open, EINVAL when it is not a bpfmap map or is itself a map-of-maps.
 */
int bpfmap_meta_init(struct bpfmap *outer, const struct bpfmap_map_create *attr)
{
	struct bpfmap *inner;
	struct fd f;
	int err = 0;

	f = fdget(attr->inner_map_fd);
	if (!fd_file(f))
		return -EBADF;
	inner = bpfmap_from_file(fd_file(f));
	if (!inner || bpfmap_is_map_of_maps(inner)) {
		err = -EINVAL;
		goto out;
	}
	outer->inner_meta.map_type = inner->map_type;
	outer->inner_meta.key_size = inner->key_size;
	outer->inner_meta.value_size = inner->value_size;
	outer->inner_meta.max_entries = inner->max_entries;
	outer->inner_meta.map_flags = inner->map_flags;
out:
	fdput(f);
	return err;
}

/*
 * Whether @map fits the template @meta, by the kernel's rules: every inner
 * map must have the template's type, key size, value size and map_flags
 * (bpf_map_meta_equal(); map_flags without RDONLY/WRONLY, which belong to
 * fds).  Only a plain ARRAY template also fixes max_entries, and only when
 * it lacks BPFMAP_F_INNER_MAP (array_map_meta_equal()); PERCPU_ARRAY and
 * the hash types use the generic rule, so their sizes may differ.
 */
VISIBLE_IF_KUNIT bool bpfmap_meta_equal(const struct bpfmap_meta *meta,
					const struct bpfmap *map)
{
	if (map->map_type != meta->map_type ||
	    map->key_size != meta->key_size ||
	    map->value_size != meta->value_size ||
	    map->map_flags != meta->map_flags)
		return false;
	if (meta->map_type == BPFMAP_MAP_TYPE_ARRAY &&
	    !(meta->map_flags & BPFMAP_F_INNER_MAP))
		return map->max_entries == meta->max_entries;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(bpfmap_meta_equal);

/**
 * bpfmap_inner_get - the map behind a user's inner map fd, referenced
 * @outer: the outer map
 * @ufd: the fd from the update's value
 *
 * Called from updates of the map-of-maps types, in process context.
 * EBADF when @ufd is not open; EINVAL when it is not a bpfmap map or does
 * not fit the template.
 */
struct bpfmap *bpfmap_inner_get(struct bpfmap *outer, u32 ufd)
{
	struct bpfmap *inner;
	struct fd f;

	f = fdget(ufd);
	if (!fd_file(f))
		return ERR_PTR(-EBADF);
	inner = bpfmap_from_file(fd_file(f));
	if (!inner || !bpfmap_meta_equal(&outer->inner_meta, inner))
		inner = ERR_PTR(-EINVAL);
	else
		bpfmap_get(inner);
	fdput(f);
	return inner;
}

/* What a syscall lookup of an outer map returns: the inner map's id. */
u32 bpfmap_inner_id(struct bpfmap *inner)
{
	return inner->id;
}
