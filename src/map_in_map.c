// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Maps of maps: the template an outer map keeps of its inner maps, the
 * check every inner map must pass, and turning a user's inner map fd into a
 * counted reference, once, in the ioctl layer (the map types see only
 * struct bpfmap pointers).  The outer map holds one reference per stored inner
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
 * bpfmap_inner_check - may @inner be stored in @outer?
 * @outer: a map-of-maps
 * @inner: the map to store
 *
 * Called from the map-of-maps update callbacks; any context.  EINVAL when
 * @inner is itself a map-of-maps or does not fit the template.
 */
int bpfmap_inner_check(struct bpfmap *outer, struct bpfmap *inner)
{
	if (bpfmap_is_map_of_maps(inner) ||
	    !bpfmap_meta_equal(&outer->inner_meta, inner))
		return -EINVAL;
	return 0;
}

/*
 * The checks of an ARRAY_OF_MAPS update that bpf(2) makes before it looks
 * at the fd (bpf_fd_array_map_update_elem()); the engine repeats them.
 */
static int array_of_maps_precheck(struct bpfmap *outer, const void *key,
				  u64 flags)
{
	if (flags != BPFMAP_ANY)
		return -EINVAL;
	if (*(const u32 *)key >= outer->max_entries)
		return -E2BIG;
	return 0;
}

/**
 * bpfmap_fd_value_get - the value an update hands to the map type
 * @outer: the map being updated
 * @key: the staged key
 * @value: the staged value in the user layout
 * @flags: the element flags
 * @inner: out: the referenced inner map, or NULL
 *
 * Called from the UPDATE_ELEM and UPDATE_BATCH ioctls, in process context,
 * once per element, as bpf(2)'s map_fd_get_ptr(): for a map-of-maps the
 * u32 at @value is the user's inner map fd, and the map types take only
 * kernel objects.  Returns what to pass as the value (@value itself for
 * other types, @inner's address for a map-of-maps) or an ERR_PTR: EBADF
 * when the fd is not open, EINVAL when it is not a bpfmap map or does not
 * fit the template, in bpf(2)'s order relative to the update's own checks.
 * Drop *@inner with bpfmap_fd_value_put() after the update, whatever its
 * outcome.
 */
const void *bpfmap_fd_value_get(struct bpfmap *outer, const void *key,
				const void *value, u64 flags,
				struct bpfmap **inner)
{
	struct bpfmap *map;
	struct fd f;
	int err;

	*inner = NULL;
	if (!bpfmap_is_map_of_maps(outer))
		return value;
	might_sleep();
	if (outer->map_type == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS) {
		err = array_of_maps_precheck(outer, key, flags);
		if (err)
			return ERR_PTR(err);
	}

	f = fdget(*(const u32 *)value);
	if (!fd_file(f))
		return ERR_PTR(-EBADF);
	map = bpfmap_from_file(fd_file(f));
	err = map ? bpfmap_inner_check(outer, map) : -EINVAL;
	if (!err)
		bpfmap_get(map);
	fdput(f);
	if (err)
		return ERR_PTR(err);
	*inner = map;
	return inner;
}

/**
 * bpfmap_fd_value_put - drop what bpfmap_fd_value_get() took
 * @inner: the inner map, or NULL
 *
 * Called from the update ioctls; the element keeps its own reference.
 */
void bpfmap_fd_value_put(struct bpfmap *inner)
{
	if (inner)
		bpfmap_put(inner);
}

/* What a syscall lookup of an outer map returns: the inner map's id. */
u32 bpfmap_inner_id(struct bpfmap *inner)
{
	return inner->id;
}
