/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
#ifndef _BPFMAP_PERCPU_AREA_H
#define _BPFMAP_PERCPU_AREA_H

#include <linux/gfp.h>
#include <linux/percpu.h>

/*
 * src/percpu_area.c: every per-CPU area the engines use comes from
 * bpfmap_percpu_alloc() and goes back through bpfmap_percpu_free(), so
 * that the test VMs can poison and check it after it was freed.
 */
void __percpu *bpfmap_percpu_alloc(size_t size, size_t align, gfp_t gfp);
void bpfmap_percpu_free(void __percpu *ptr, size_t size);
void bpfmap_percpu_drain(void);

/* What a freed area holds while it waits (module parameter percpu_quarantine). */
#define BPFMAP_PCPU_POISON	0x6b
/*
 * The most freed areas it holds at once, and the most per-CPU copies of
 * them: it holds COPIES / num_possible_cpus() areas, at most LEN.
 */
#define BPFMAP_PCPU_QUARANTINE_LEN	8192U
#define BPFMAP_PCPU_QUARANTINE_COPIES	8192U

#if IS_ENABLED(CONFIG_KUNIT)
int bpfmap_percpu_quarantine(void __percpu *ptr, size_t size,
			     unsigned long freed_at,
			     unsigned long *first_freed_at);
#endif

#endif /* _BPFMAP_PERCPU_AREA_H */
