/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The map types this module implements, one line each:
 * BPFMAP_TYPE(uapi type number, ops table).  Expanded into declarations in
 * bpfmap.h and into the type table in src/map.c.  No include guard: it is
 * meant to be included more than once with different BPFMAP_TYPE().
 */
BPFMAP_TYPE(BPFMAP_MAP_TYPE_ARRAY, array_map_ops)
BPFMAP_TYPE(BPFMAP_MAP_TYPE_PERCPU_ARRAY, percpu_array_map_ops)
BPFMAP_TYPE(BPFMAP_MAP_TYPE_HASH, htab_map_ops)
BPFMAP_TYPE(BPFMAP_MAP_TYPE_PERCPU_HASH, htab_percpu_map_ops)
BPFMAP_TYPE(BPFMAP_MAP_TYPE_LRU_HASH, htab_lru_map_ops)
BPFMAP_TYPE(BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, htab_lru_percpu_map_ops)
BPFMAP_TYPE(BPFMAP_MAP_TYPE_ARRAY_OF_MAPS, array_of_maps_map_ops)
BPFMAP_TYPE(BPFMAP_MAP_TYPE_HASH_OF_MAPS, htab_of_maps_map_ops)
