/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * What the files of bpfmap_flowcount share: main.c (parameters, init and
 * exit), maps.c (the two maps and their pins), hook.c (the netfilter
 * hooks that count).
 */
#ifndef _FLOWCOUNT_MODULE_H
#define _FLOWCOUNT_MODULE_H

#include <linux/bpfmap_kernel.h>
#include "flowcount.h"

/**
 * struct flowcount_maps - the maps the hooks count into
 * @flows: LRU_PERCPU_HASH, struct flowcount_key -> struct flowcount_value
 * @totals: PERCPU_ARRAY, u32 (enum flowcount_total) -> u64
 *
 * Set before the hooks are registered and dropped after they are gone;
 * the module holds one reference on each, each pin another.
 */
struct flowcount_maps {
	struct bpfmap *flows;
	struct bpfmap *totals;
};

int flowcount_maps_create(struct flowcount_maps *m, const char *dir,
			  u32 max_flows);
void flowcount_maps_put(struct flowcount_maps *m);

int flowcount_hooks_register(struct flowcount_maps *m);
void flowcount_hooks_unregister(void);

#endif /* _FLOWCOUNT_MODULE_H */
