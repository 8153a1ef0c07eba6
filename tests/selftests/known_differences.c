// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The one table of expectations that are not upstream v7.0 bpf(2).
 *
 * The tests expect the v7.0 behaviour described in map-semantics.md.  A
 * row is needed when
 *  - the reference kernel of the test VM (6.1) behaves differently: the
 *    row is for BPFMAP_BACKEND_KERNEL and says from which version on the
 *    kernel behaves as v7.0, so the table stays right on newer kernels;
 *  - or the ioctl ABI of /dev/bpfmap necessarily differs from bpf(2): the
 *    row is for BPFMAP_BACKEND_DEV.
 * A row never makes a case pass whatever happens: it states the one
 * result the other backend must give, and the test asserts it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "known_differences.h"

const struct known_difference known_differences[] = {
	{
		.name = "unknown_command",
		.backend = BPFMAP_BACKEND_DEV,
		.expect = ENOTTY,
		.reason = "an ioctl number that is not a bpfmap command is ENOTTY (Documentation/driver-api/ioctl.rst); bpf(2) says EINVAL for an unknown cmd",
	},
	{
		.name = "info_closed_fd",
		.backend = BPFMAP_BACKEND_DEV,
		.expect = EBADF,
		.reason = "uapi/linux/bpfmap.h gives EBADF for a map_fd that is not open, for every command; bpf(2) OBJ_GET_INFO_BY_FD alone says EBADFD",
	},
	{
		.name = "second_freeze",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(6, 12),
		.expect = EBUSY,
		.reason = "6.1 map_freeze() has no write-mode check, so a frozen map reaches the frozen test (EBUSY); newer kernels check write mode first and a frozen map has none (EPERM). Measured: 6.1.192 gives EBUSY, 6.12.117 and 6.18 give EPERM; the first version in between is not established",
	},
	{
		.name = "freeze_through_rdonly_fd",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(6, 12),
		.expect = 0,
		.reason = "6.1 map_freeze() does not check the fd's write mode; newer kernels give EPERM. Measured: 6.1.192 freezes, 6.12.117 and 6.18 give EPERM; the first version in between is not established",
	},
	{
		.name = "percpu_update_stores_slot_padding",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = 1,
		.reason = "property (1: padding bytes written by an update are read back): before 7.0 a per-CPU update copies round_up(value_size, 8) bytes per slot, 7.0 copies value_size and the padding stays zero",
	},
	{
		.name = "lookup_bad_flags_on_closed_fd",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(6, 19),
		.expect = EINVAL,
		.reason = "before 6.19 map_lookup_elem() rejects flags & ~BPF_F_LOCK before it resolves the fd; 6.19 moved the check after it (bpf_map_check_op_flags)",
	},
	{
		.name = "percpu_array_update_noexist_exist_flags",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "before 7.0 bpf_percpu_array_update() rejects flags > BPF_EXIST; 7.0 accepts any low word <= BPF_F_ALL_CPUS and only an exact BPF_NOEXIST gives EEXIST",
	},
	{
		.name = "percpu_lookup_f_cpu",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_CPU is new in 7.0; older map_lookup_elem() rejects any flag but BPF_F_LOCK",
	},
	{
		.name = "percpu_lookup_f_cpu_out_of_range",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "ERANGE for a cpu that is not possible is new in 7.0; older kernels reject BPF_F_CPU itself",
	},
	{
		.name = "percpu_update_f_cpu",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_CPU is new in 7.0; older bpf_percpu_array_update() rejects flags > BPF_EXIST",
	},
	{
		.name = "percpu_update_f_all_cpus",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_ALL_CPUS is new in 7.0; older bpf_percpu_array_update() rejects flags > BPF_EXIST",
	},
	{
		.name = "percpu_update_f_cpu_out_of_range",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "ERANGE for a cpu that is not possible is new in 7.0; older kernels reject BPF_F_CPU itself",
	},
	/* hash_map.c: PERCPU_HASH and LRU_PERCPU_HASH */
	{
		.name = "percpu_hash_update_f_cpu",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_CPU is new in 7.0; older htab_percpu_map_update_elem() and htab_lru_percpu_map_update_elem() reject flags > BPF_EXIST",
	},
	{
		.name = "percpu_hash_update_f_all_cpus",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_ALL_CPUS is new in 7.0; older per-CPU hash updates reject flags > BPF_EXIST",
	},
	{
		.name = "percpu_hash_update_f_cpu_out_of_range",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "ERANGE for a cpu that is not possible is new in 7.0; older per-CPU hash updates reject BPF_F_CPU itself",
	},
	{
		.name = "percpu_hash_update_f_cpu_noexist_on_existing",
		.backend = BPFMAP_BACKEND_DEV,
		.expect = EEXIST,
		.reason = "deliberate: bpfmap honours BPF_NOEXIST combined with BPF_F_CPU; 7.0 compares the whole flags word with BPF_NOEXIST, so the combination acts as BPF_ANY and overwrites (map-semantics.md 4.4)",
	},
	{
		.name = "percpu_hash_update_f_cpu_noexist_on_existing",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_CPU is new in 7.0; older per-CPU hash updates reject flags > BPF_EXIST",
	},
	{
		.name = "percpu_hash_update_f_cpu_exist_on_missing",
		.backend = BPFMAP_BACKEND_DEV,
		.expect = ENOENT,
		.reason = "deliberate: bpfmap honours BPF_EXIST combined with BPF_F_CPU; 7.0 compares the whole flags word with BPF_EXIST, so the combination acts as BPF_ANY and creates the key (map-semantics.md 4.4)",
	},
	{
		.name = "percpu_hash_update_f_cpu_exist_on_missing",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_CPU is new in 7.0; older per-CPU hash updates reject flags > BPF_EXIST",
	},
	{
		.name = "percpu_hash_f_cpu_create_zeroes_other_slots",
		.backend = BPFMAP_BACKEND_DEV,
		.expect = 1,
		.reason = "property (1: a per-CPU hash element created by a BPF_F_CPU update reads zero on every other CPU): bpfmap zeroes them; 7.0 initialises only the named CPU's slot, so recycled element memory keeps a deleted key's values (map-semantics.md 4.4)",
	},
	/* lru_map.c */
	{
		.name = "lru_update_of_existing_key_evicts",
		.backend = BPFMAP_BACKEND_DEV,
		.expect = 0,
		.reason = "deliberate, property (1: an update of a key that is in the map can evict keys, that key included): the kernel takes a free node before it looks the key up, and getting one may shrink the LRU; bpfmap takes a node for an existing key only when one is free without evicting, else updates in place",
	},
	{
		.name = "lru_sanity3_referenced_survivors",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(6, 12),
		.expect = 0,
		.reason = "property (how many referenced keys survive test_lru_sanity3's refill): before the June-2025 change (mainline 6.17, backported to the 6.12 stable line: measured without it on 6.1.192, with it on 6.12.117 and 6.18; other versions not measured) the common LRU's target_free is 128 whatever the map size, so a refill of a map of at most 128 entries shrinks by 128 and evicts every key after the active list rotated them all to inactive; since then target_free is clamp(max_entries / ncpus / 2, 1, 128) and only the unreferenced keys go",
	},
	/* batch_ops.c: the CPU flags in elem_flags of the batch commands */
	{
		.name = "percpu_update_batch_f_cpu",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_CPU is new in 7.0; older generic_map_update_batch() rejects any elem_flags but BPF_F_LOCK",
	},
	{
		.name = "percpu_update_batch_f_all_cpus",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_ALL_CPUS is new in 7.0; older generic_map_update_batch() rejects any elem_flags but BPF_F_LOCK",
	},
	{
		.name = "percpu_update_batch_f_cpu_out_of_range",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "ERANGE for a cpu that is not possible is new in 7.0; older generic_map_update_batch() rejects BPF_F_CPU itself",
	},
	{
		.name = "percpu_lookup_batch_f_cpu",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "BPF_F_CPU is new in 7.0; older generic_map_lookup_batch() and the hash batch walker reject any elem_flags but BPF_F_LOCK",
	},
	{
		.name = "percpu_lookup_batch_f_cpu_out_of_range",
		.backend = BPFMAP_BACKEND_KERNEL,
		.before = KV(7, 0),
		.expect = EINVAL,
		.reason = "ERANGE for a cpu that is not possible is new in 7.0; older lookup batches reject BPF_F_CPU itself",
	},
	{
		.name = "no_prealloc_hash_update_transient_enomem",
		.backend = BPFMAP_BACKEND_KERNEL,
		.preempt_rt = true,
		.expect = ENOMEM,
		.reason = "property (ENOMEM: an update of a NO_PREALLOC hash may fail with ENOMEM and succeed when retried): the kernel takes the element and the per-CPU value from bpf_mem_alloc caches that irq_work refills, and on PREEMPT_RT irq_work runs in a per-CPU thread that cannot run while the updater holds the CPU, so under churn a cache runs dry for a moment. bpfmap allocates in the updater's context and never does this. Measured for PERCPU_HASH on 6.12.117-rt (stock and debug), in single updates and in UPDATE_BATCH (stress, debug RT kernel); the same mechanism for HASH and HASH_OF_MAPS is read in 6.12's kernel/bpf/memalloc.c and hashtab.c, not measured; that v7.0 RT behaves the same is unverified",
	},
	/* stress.c */
	{
		.name = "get_next_key_may_skip_recycled_elements",
		.backend = BPFMAP_BACKEND_DEV,
		.expect = 0,
		.reason = "property (1: a complete get_next_key walk of a hash may miss a key that was in the map the whole time): deliberate, bpfmap never misses one. The kernel's htab_map_get_next_key() finds the previous key's element and follows its next pointer; when another thread deletes that element and an update reuses it at once in another bucket (preallocated, LRU and bpf_mem_alloc elements alike are reused without waiting for a grace period), the walk follows the other bucket's chain and the rest of the first bucket is skipped. Read in 6.1's and 6.12's hashtab.c (v7.0's unverified); measured on 6.12.117-rt in stress (LRU_HASH with NO_COMMON_LRU once, HASH with NO_PREALLOC once), where a preemptible RCU reader widens the window; not seen on 6.1 or 6.12 without RT",
	},
	/* batch_staging.c */
	{
		.name = "batch_staging_charged_to_memcg",
		.backend = BPFMAP_BACKEND_DEV,
		.expect = 1,
		.reason = "property (1: a hash LOOKUP_BATCH's staging buffer is charged to the caller's memory cgroup): deliberate, bpfmap charges every buffer it allocates for a caller; the kernel's batch walkers kvmalloc theirs with GFP_USER | __GFP_NOWARN, uncharged (measured on 6.1.192, 6.12.117 and read in v7.0's hashtab.c)",
	},
};

const size_t nr_known_differences =
	sizeof(known_differences) / sizeof(known_differences[0]);

unsigned int running_kernel_version(void)
{
	static unsigned int version;
	unsigned int major = 0, minor = 0;
	struct utsname u;

	if (version)
		return version;
	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return 0;
	version = KV(major, minor);
	return version;
}

bool running_kernel_preempt_rt(void)
{
	static int rt = -1;
	struct utsname u;

	if (rt < 0)
		rt = !uname(&u) && strstr(u.version, "PREEMPT_RT");
	return rt;
}

static bool row_applies(const struct known_difference *row,
			enum bpfmap_backend backend)
{
	if (row->backend != backend)
		return false;
	if (row->preempt_rt && !running_kernel_preempt_rt())
		return false;
	if (backend == BPFMAP_BACKEND_KERNEL && row->before &&
	    running_kernel_version() >= row->before)
		return false;
	return true;
}

int expect_result(const char *case_name, int default_result)
{
	enum bpfmap_backend backend = bpfmap_backend_current();
	size_t i;

	for (i = 0; i < nr_known_differences; i++) {
		const struct known_difference *row = &known_differences[i];

		if (strcmp(row->name, case_name) || !row_applies(row, backend))
			continue;
		fprintf(stderr, "# known difference %s on %s: expecting %d instead of %d (%s)\n",
			case_name, bpfmap_backend_name(backend), row->expect,
			default_result, row->reason);
		return row->expect;
	}
	return default_result;
}

/*
 * The maps the row is about: the hash types without preallocation, whose
 * elements and per-CPU values the kernel takes from bpf_mem_alloc caches.
 */
static bool takes_from_mem_cache(int fd)
{
	struct bpfmap_info info = {};

	if (bpfmap_map_get_info_by_fd(fd, &info))
		return false;
	switch (info.type) {
	case BPFMAP_MAP_TYPE_HASH:
	case BPFMAP_MAP_TYPE_PERCPU_HASH:
	case BPFMAP_MAP_TYPE_HASH_OF_MAPS:
		return info.map_flags & BPFMAP_F_NO_PREALLOC;
	}
	return false;
}

int update_elem_under_churn(int fd, const void *key, const void *value,
			    __u64 flags)
{
	int tries, err;

	err = bpfmap_map_update_elem(fd, key, value, flags);
	if (err != -ENOMEM ||
	    expect_result("no_prealloc_hash_update_transient_enomem", 0) !=
	    ENOMEM || !takes_from_mem_cache(fd))
		return err;
	for (tries = 0; err == -ENOMEM && tries < 1000; tries++) {
		usleep(1000);
		err = bpfmap_map_update_elem(fd, key, value, flags);
	}
	return err;
}

int update_batch_under_churn(int fd, const void *keys, const void *values,
			     __u32 *count,
			     const struct bpfmap_map_batch_opts *opts)
{
	const char *k = keys, *v = values;
	__u32 want = *count, done = 0, n;
	struct bpfmap_info info = {};
	size_t vlen;
	int tries = 0, err;

	err = bpfmap_map_update_batch(fd, keys, values, count, opts);
	if (err != -ENOMEM ||
	    expect_result("no_prealloc_hash_update_transient_enomem", 0) !=
	    ENOMEM || !takes_from_mem_cache(fd) ||
	    bpfmap_map_get_info_by_fd(fd, &info))
		return err;
	vlen = info.value_size;
	if (info.type == BPFMAP_MAP_TYPE_PERCPU_HASH)
		vlen = ((vlen + 7) & ~(size_t)7) * bpfmap_num_possible_cpus();
	/* Go on after the elements applied, as often as the row allows. */
	while (err == -ENOMEM && tries++ < 1000) {
		done += *count;
		usleep(1000);
		n = want - done;
		err = bpfmap_map_update_batch(fd, k + (size_t)done *
					      info.key_size,
					      v + done * vlen, &n, opts);
		*count = n;
	}
	*count += done;
	return err;
}
