/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
#ifndef _BPFMAP_MAP_IN_MAP_H
#define _BPFMAP_MAP_IN_MAP_H

#include <linux/types.h>

struct bpfmap;
struct bpfmap_meta;

/*
 * src/map_in_map.c, for its KUnit suite: the template rule on its own.
 * What both engines use of map_in_map.c is in bpfmap.h.
 */
#if IS_ENABLED(CONFIG_KUNIT)
bool bpfmap_meta_equal(const struct bpfmap_meta *meta,
		       const struct bpfmap *map);
#endif

#endif /* _BPFMAP_MAP_IN_MAP_H */
