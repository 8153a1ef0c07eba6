// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Copying per-CPU values between a map's alloc_percpu() area and the user
 * layout: one round_up(value_size, 8) slot per possible CPU, or a single
 * value_size value for BPFMAP_F_CPU / BPFMAP_F_ALL_CPUS.  Only value_size
 * bytes of a CPU's area are ever written, so the padding of every slot
 * reads back as zero.
 */

#include <linux/cpumask.h>
#include <linux/string.h>

#include "bpfmap.h"

static u32 flags_cpu(u64 flags)
{
	return flags >> 32;
}

/**
 * bpfmap_percpu_copy_out - read a per-CPU value into the user layout
 * @map: a per-CPU map
 * @pptr: the element's per-CPU area
 * @value: bpfmap_value_size(map, flags) bytes
 * @flags: 0, or BPFMAP_F_CPU with the cpu (already checked) in bits 63..32
 */
void bpfmap_percpu_copy_out(const struct bpfmap *map, void __percpu *pptr,
			    void *value, u64 flags)
{
	u32 slot = bpfmap_percpu_slot_size(map), off = 0;
	int cpu;

	if (flags & BPFMAP_F_CPU) {
		memcpy(value, per_cpu_ptr(pptr, flags_cpu(flags)),
		       map->value_size);
		return;
	}
	for_each_possible_cpu(cpu) {
		memcpy(value + off, per_cpu_ptr(pptr, cpu), slot);
		off += slot;
	}
}

/**
 * __bpfmap_percpu_copy_in - write a per-CPU value from the user layout
 * @map: a per-CPU map
 * @pptr: the element's per-CPU area
 * @value: bpfmap_value_size(map, flags) bytes
 * @flags: 0, BPFMAP_F_ALL_CPUS, or BPFMAP_F_CPU with a checked cpu
 * @fresh: the element is new: with BPFMAP_F_CPU the other CPUs' slots are
 *	zeroed, so nothing of a recycled element's old values survives
 */
void __bpfmap_percpu_copy_in(const struct bpfmap *map, void __percpu *pptr,
			     const void *value, u64 flags, bool fresh)
{
	u32 slot = bpfmap_percpu_slot_size(map), off = 0;
	int cpu;

	if (flags & BPFMAP_F_CPU) {
		u32 target = flags_cpu(flags);

		for_each_possible_cpu(cpu) {
			if (cpu == target)
				memcpy(per_cpu_ptr(pptr, cpu), value,
				       map->value_size);
			else if (fresh)
				memset(per_cpu_ptr(pptr, cpu), 0,
				       map->value_size);
		}
		return;
	}
	for_each_possible_cpu(cpu) {
		memcpy(per_cpu_ptr(pptr, cpu), value + off, map->value_size);
		if (!(flags & BPFMAP_F_ALL_CPUS))
			off += slot;
	}
}
