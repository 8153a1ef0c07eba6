// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * ARRAY and PERCPU_ARRAY semantics on both backends: element commands,
 * get_next_key, freeze, create-time checks, info and ids.
 *
 * The element tests follow the shape of upstream test_maps'
 * test_arraymap / test_arraymap_percpu: a 2-entry map with u32 keys and
 * u64 values.
 */
#include "bpfmap_test.h"

#define NR_ENTRIES	2

/* ---- element commands, backend x {ARRAY, PERCPU_ARRAY} ---- */

FIXTURE(array) {
	int fd;
	void *value;
	size_t value_len;
};

FIXTURE_VARIANT(array) {
	enum bpfmap_backend backend;
	__u32 map_type;
};

BACKEND_ARRAY_VARIANTS(array);

FIXTURE_SETUP(array)
{
	SETUP_BACKEND(variant->backend);
	self->fd = CREATE_MAP(variant->map_type, NR_ENTRIES, 0);
	self->value_len = value_buf_size(variant->map_type, 8);
	self->value = value_buf_alloc(variant->map_type, 8);
	ASSERT_NE(NULL, self->value);
}

FIXTURE_TEARDOWN(array)
{
	free(self->value);
	close(self->fd);
}

TEST_F(array, update_then_lookup_returns_the_value)
{
	__u32 key = 1;

	value_fill_u64(self->value, variant->map_type, 1234);
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, self->value,
					    BPFMAP_ANY));
	memset(self->value, 0, self->value_len);
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 1234));
}

TEST_F(array, unwritten_index_reads_zero)
{
	__u32 key;
	size_t i;

	for (key = 0; key < NR_ENTRIES; key++) {
		memset(self->value, 0xa5, self->value_len);
		ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key,
						    self->value));
		for (i = 0; i < self->value_len; i++)
			ASSERT_EQ(0, ((unsigned char *)self->value)[i]);
	}
}

TEST_F(array, writing_one_index_leaves_the_other_zero)
{
	__u32 key = 1;

	value_fill_u64(self->value, variant->map_type, 77);
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, self->value,
					    BPFMAP_ANY));
	key = 0;
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, self->value));
	if (!map_type_is_percpu(variant->map_type)) {
		__u64 v;

		memcpy(&v, self->value, sizeof(v));
		EXPECT_EQ(0U, v);
	} else {
		int i, ncpus = bpfmap_num_possible_cpus();

		for (i = 0; i < ncpus; i++)
			EXPECT_EQ(0U, *(__u64 *)pcpu_slot(self->value, 8, i));
	}
}

TEST_F(array, update_noexist_on_existing_index_fails_eexist)
{
	__u32 key = 0;

	value_fill_u64(self->value, variant->map_type, 1);
	/* Every in-range index exists, written or not. */
	EXPECT_ERRNO(EEXIST, bpfmap_map_update_elem(self->fd, &key,
						    self->value,
						    BPFMAP_NOEXIST));
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, self->value,
					    BPFMAP_ANY));
	EXPECT_ERRNO(EEXIST, bpfmap_map_update_elem(self->fd, &key,
						    self->value,
						    BPFMAP_NOEXIST));
	/* The failed update did not write. */
	value_fill_u64(self->value, variant->map_type, 2);
	EXPECT_ERRNO(EEXIST, bpfmap_map_update_elem(self->fd, &key,
						    self->value,
						    BPFMAP_NOEXIST));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 1));
}

TEST_F(array, update_exist_on_in_range_index_succeeds)
{
	__u32 key = NR_ENTRIES - 1;

	value_fill_u64(self->value, variant->map_type, 42);
	EXPECT_EQ(0, bpfmap_map_update_elem(self->fd, &key, self->value,
					    BPFMAP_EXIST));
	memset(self->value, 0, self->value_len);
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 42));
}

TEST_F(array, update_out_of_range_index_fails_e2big)
{
	__u32 key = NR_ENTRIES;

	value_fill_u64(self->value, variant->map_type, 1);
	EXPECT_ERRNO(E2BIG, bpfmap_map_update_elem(self->fd, &key,
						   self->value, BPFMAP_ANY));
	EXPECT_ERRNO(E2BIG, bpfmap_map_update_elem(self->fd, &key,
						   self->value, BPFMAP_EXIST));
	/* The range check comes before the NOEXIST check. */
	EXPECT_ERRNO(E2BIG, bpfmap_map_update_elem(self->fd, &key,
						   self->value,
						   BPFMAP_NOEXIST));
	key = 0xffffffff;
	EXPECT_ERRNO(E2BIG, bpfmap_map_update_elem(self->fd, &key,
						   self->value, BPFMAP_ANY));
}

TEST_F(array, lookup_out_of_range_index_fails_enoent)
{
	__u32 key = NR_ENTRIES;

	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_elem(self->fd, &key,
						    self->value));
	key = 0xffffffff;
	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_elem(self->fd, &key,
						    self->value));
}

TEST_F(array, delete_fails_einval_in_and_out_of_range)
{
	__u32 key = 0;

	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_elem(self->fd, &key));
	value_fill_u64(self->value, variant->map_type, 5);
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, self->value,
					    BPFMAP_ANY));
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_elem(self->fd, &key));
	key = NR_ENTRIES;
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_elem(self->fd, &key));
	/* Still there. */
	key = 0;
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 5));
}

TEST_F(array, get_next_key_walks_every_index_in_order)
{
	__u32 key, next;

	next = 0xdead;
	ASSERT_EQ(0, bpfmap_map_get_next_key(self->fd, NULL, &next));
	EXPECT_EQ(0U, next);

	key = NR_ENTRIES;
	next = 0xdead;
	ASSERT_EQ(0, bpfmap_map_get_next_key(self->fd, &key, &next));
	EXPECT_EQ(0U, next);

	key = 0xffffffff;
	next = 0xdead;
	ASSERT_EQ(0, bpfmap_map_get_next_key(self->fd, &key, &next));
	EXPECT_EQ(0U, next);

	key = 0;
	ASSERT_EQ(0, bpfmap_map_get_next_key(self->fd, &key, &next));
	EXPECT_EQ(1U, next);

	key = NR_ENTRIES - 1;
	EXPECT_ERRNO(ENOENT, bpfmap_map_get_next_key(self->fd, &key, &next));
}

TEST_F(array, lookup_and_delete_fails_enotsupp)
{
	__u32 key = 0;

	EXPECT_ERRNO(ENOTSUPP, bpfmap_map_lookup_and_delete_elem(self->fd,
								 &key,
								 self->value));
	key = NR_ENTRIES;
	EXPECT_ERRNO(ENOTSUPP, bpfmap_map_lookup_and_delete_elem(self->fd,
								 &key,
								 self->value));
}

TEST_F(array, f_lock_fails_einval_without_spin_lock)
{
	__u32 key = 0;

	value_fill_u64(self->value, variant->map_type, 1);
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key,
							  self->value,
							  BPFMAP_F_LOCK));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key,
						    self->value,
						    BPFMAP_F_LOCK));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key,
						    self->value,
						    BPFMAP_F_LOCK | BPFMAP_EXIST));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_elem_flags(
					self->fd, &key, self->value,
					BPFMAP_F_LOCK));
}

TEST_F(array, update_with_unknown_flag_bits_fails_einval)
{
	__u32 key = 0;

	value_fill_u64(self->value, variant->map_type, 1);
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key,
						    self->value, 32));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key,
						    self->value, 1U << 31));
	/* Bits 63..32 without BPF_F_CPU. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key,
						    self->value, 1ULL << 32));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key,
						    self->value, -1ULL));
}

TEST_F(array, lookup_with_unknown_flag_bits_fails_einval)
{
	__u32 key = 0;

	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key,
							  self->value, 32));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key,
							  self->value,
							  BPFMAP_NOEXIST));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key,
							  self->value,
							  1ULL << 32));
	/* ALL_CPUS is an update-only flag, for every map type. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key,
							  self->value,
							  BPFMAP_F_ALL_CPUS));
}

TEST_F(array, lookup_and_delete_with_cpu_flags_fails_einval)
{
	__u32 key = 0;

	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_elem_flags(
					self->fd, &key, self->value, F_CPU(0)));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_elem_flags(
					self->fd, &key, self->value,
					BPFMAP_F_ALL_CPUS));
}

TEST_F(array, delete_with_flags_fails_einval_before_fd_check)
{
	__u32 key = 0;

	/*
	 * DELETE_ELEM's last field is key: a non-zero flags field is
	 * rejected by the attribute check, before the fd is looked at.
	 */
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_elem_flags(self->fd, &key,
							  BPFMAP_ANY + 1));
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_elem_flags(closed_fd(), &key,
							  BPFMAP_ANY + 1));
	EXPECT_ERRNO(EBADF, bpfmap_map_delete_elem(closed_fd(), &key));
}

TEST_F(array, get_next_key_with_flags_fails_einval)
{
	__u32 next = 0xdead;

	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPFMAP_MAP_GET_NEXT_KEY, self->fd,
					  0, ptr_to_u64(&next), 1));
	EXPECT_EQ(0xdeadU, next);
	EXPECT_ERRNO(0, raw_elem_cmd(BPFMAP_MAP_GET_NEXT_KEY, self->fd,
				     0, ptr_to_u64(&next), 0));
	EXPECT_EQ(0U, next);
}

TEST_F(array, frozen_map_rejects_writes_and_allows_reads)
{
	__u32 key = 1;

	value_fill_u64(self->value, variant->map_type, 9);
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, self->value,
					    BPFMAP_ANY));
	ASSERT_EQ(0, bpfmap_map_freeze(self->fd));

	value_fill_u64(self->value, variant->map_type, 10);
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(self->fd, &key,
						   self->value, BPFMAP_ANY));
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(self->fd, &key,
						   self->value, BPFMAP_EXIST));
	/* The permission check comes before the array's EINVAL/ENOTSUPP. */
	EXPECT_ERRNO(EPERM, bpfmap_map_delete_elem(self->fd, &key));
	EXPECT_ERRNO(EPERM, bpfmap_map_lookup_and_delete_elem(self->fd, &key,
							      self->value));

	memset(self->value, 0, self->value_len);
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 9));
	key = 0;
	EXPECT_EQ(0, bpfmap_map_get_next_key(self->fd, NULL, &key));
}

TEST_F(array, second_freeze_fails_eperm)
{
	struct bpfmap_info info;

	ASSERT_EQ(0, bpfmap_map_freeze(self->fd));
	/*
	 * A frozen map has lost syscall write mode, and FREEZE needs write
	 * mode, which is checked before the "already frozen" EBUSY.
	 */
	EXPECT_ERRNO(expect_errno("second_freeze", EPERM),
		     bpfmap_map_freeze(self->fd));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->fd, &info));
	EXPECT_EQ(1U, info.frozen);
}

TEST_F(array, freeze_with_other_fields_fails_einval)
{
	__u32 key = 0;

	/* FREEZE's last field is map_fd. */
	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPFMAP_MAP_FREEZE, self->fd,
					  ptr_to_u64(&key), 0, 0));
	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPFMAP_MAP_FREEZE, self->fd,
					  0, 0, 1));
	/* Neither froze the map. */
	value_fill_u64(self->value, variant->map_type, 1);
	EXPECT_EQ(0, bpfmap_map_update_elem(self->fd, &key, self->value,
					    BPFMAP_ANY));
}

TEST_F(array, info_reports_the_creation_attributes)
{
	struct bpfmap_info info;
	__u32 next_id = 0;

	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->fd, &info));
	EXPECT_EQ(variant->map_type, info.type);
	EXPECT_EQ(4U, info.key_size);
	EXPECT_EQ(8U, info.value_size);
	EXPECT_EQ((__u32)NR_ENTRIES, info.max_entries);
	EXPECT_EQ(0U, info.map_flags);
	EXPECT_EQ(0U, info.frozen);
	EXPECT_STREQ("selftest", info.name);
	EXPECT_NE(0U, info.id);
	EXPECT_LT(0U, info.memory);
	/* The id is a valid start point: the walk goes on or ends. */
	next_id = 0;
	ASSERT_EQ(0, bpfmap_map_get_next_id(0, &next_id));
	EXPECT_LT(0U, next_id);
}

TEST_F(array, get_fd_by_id_gives_a_working_fd)
{
	struct bpfmap_info info, info2;
	__u32 key = 1;
	int fd2;

	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->fd, &info));
	fd2 = bpfmap_map_get_fd_by_id(info.id);
	ASSERT_LE(0, fd2);
	EXPECT_NE(self->fd, fd2);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd2, F_GETFD) & FD_CLOEXEC);

	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(fd2, &info2));
	EXPECT_EQ(info.id, info2.id);

	/* Same map: a write through one fd is seen through the other. */
	value_fill_u64(self->value, variant->map_type, 31);
	ASSERT_EQ(0, bpfmap_map_update_elem(fd2, &key, self->value,
					    BPFMAP_ANY));
	memset(self->value, 0, self->value_len);
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 31));
	close(fd2);
}

TEST_F(array, get_next_id_walk_finds_the_map)
{
	struct bpfmap_info info;
	__u32 id = 0, prev = 0;
	bool found = false;
	int ret, steps = 0;

	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->fd, &info));
	while (!(ret = bpfmap_map_get_next_id(id, &id))) {
		ASSERT_LT(prev, id);	/* strictly increasing */
		prev = id;
		if (id == info.id)
			found = true;
		ASSERT_LT(steps++, 1 << 20);
	}
	EXPECT_ERRNO(ENOENT, ret);
	EXPECT_TRUE(found);
}

TEST_F(array, get_fd_by_id_of_closed_map_fails_enoent)
{
	struct bpfmap_info info;
	__u32 id;

	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->fd, &info));
	id = info.id;
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	/* The id is released once the last reference is gone. */
	EXPECT_ERRNO(ENOENT, fd_result(bpfmap_map_get_fd_by_id(id)));
	EXPECT_ERRNO(ENOENT, fd_result(bpfmap_map_get_fd_by_id(0)));
}

TEST_F(array, cpu_flags_depend_on_map_type)
{
	int expect_ok = map_type_is_percpu(variant->map_type) ? 0 : EINVAL;
	__u32 key = 0;
	__u64 v = 1;

	if (expect_ok == 0) {
		/* Shown by the percpu_array tests; here only the plain one. */
		EXPECT_ERRNO(expect_errno("percpu_update_f_all_cpus", 0),
			     bpfmap_map_update_elem(self->fd, &key, &v,
						    BPFMAP_F_ALL_CPUS));
		EXPECT_ERRNO(expect_errno("percpu_lookup_f_cpu", 0),
			     bpfmap_map_lookup_elem_flags(self->fd, &key, &v,
							  F_CPU(0)));
		return;
	}
	/* Per-CPU flags on a plain array are EINVAL on every kernel. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key, &v,
						    F_CPU(0)));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->fd, &key, &v,
						    BPFMAP_F_ALL_CPUS));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(self->fd, &key, &v,
							  F_CPU(0)));
}

/* ---- PERCPU_ARRAY only ---- */

FIXTURE(percpu_array) {
	int ncpus;
};

FIXTURE_VARIANT(percpu_array) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(percpu_array);

FIXTURE_SETUP(percpu_array)
{
	SETUP_BACKEND(variant->backend);
	self->ncpus = bpfmap_num_possible_cpus();
}

FIXTURE_TEARDOWN(percpu_array)
{
}

static int create_percpu(__u32 value_size, __u32 max_entries)
{
	return bpfmap_map_create(BPFMAP_MAP_TYPE_PERCPU_ARRAY, "pcpu", 4,
				 value_size, max_entries, NULL);
}

TEST_F(percpu_array, lookup_zeroes_the_slot_padding)
{
	static const __u32 sizes[] = { 4, 12, 1, 7 };
	unsigned int s;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		__u32 vs = sizes[s], key = 1;
		size_t slot = pcpu_slot_size(vs), len = slot * self->ncpus;
		unsigned char *buf = malloc(len + 8);
		size_t i;
		int cpu, fd;

		ASSERT_NE(NULL, buf);
		fd = create_percpu(vs, 4);
		ASSERT_LE(0, fd);

		/* value_size bytes of 0xff per slot, zero padding... */
		memset(buf, 0, len);
		for (cpu = 0; cpu < self->ncpus; cpu++)
			memset(buf + cpu * slot, 0xff, vs);
		ASSERT_EQ(0, bpfmap_map_update_elem(fd, &key, buf,
						    BPFMAP_ANY));
		/* ...read back into a buffer that is all 0xff. */
		memset(buf, 0xff, len + 8);
		ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, buf));
		for (cpu = 0; cpu < self->ncpus; cpu++) {
			for (i = 0; i < slot; i++) {
				unsigned char want = i < vs ? 0xff : 0;

				if (buf[cpu * slot + i] != want)
					TH_LOG("value_size %u cpu %d byte %zu",
					       vs, cpu, i);
				ASSERT_EQ(want, buf[cpu * slot + i]);
			}
		}
		/* Nothing is written past the last slot. */
		for (i = len; i < len + 8; i++)
			ASSERT_EQ(0xff, buf[i]);

		/* An unwritten index is all zero, padding included. */
		key = 0;
		memset(buf, 0xff, len);
		ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, buf));
		for (i = 0; i < len; i++)
			ASSERT_EQ(0, buf[i]);
		close(fd);
		free(buf);
	}
}

TEST_F(percpu_array, update_does_not_store_the_slot_padding)
{
	__u32 vs = 12, key = 0;
	size_t slot = pcpu_slot_size(vs), len = slot * self->ncpus, i;
	unsigned char *buf = malloc(len);
	int cpu, fd, zero = 0, ff = 0;

	ASSERT_NE(NULL, buf);
	fd = create_percpu(vs, 2);
	ASSERT_LE(0, fd);
	memset(buf, 0xff, len);
	ASSERT_EQ(0, bpfmap_map_update_elem(fd, &key, buf, BPFMAP_ANY));
	memset(buf, 0x5a, len);
	ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, buf));
	for (cpu = 0; cpu < self->ncpus; cpu++) {
		for (i = 0; i < slot; i++) {
			unsigned char b = buf[cpu * slot + i];

			if (i < vs) {
				ASSERT_EQ(0xff, b);
			} else {
				zero += b == 0;
				ff += b == 0xff;
			}
		}
	}
	/* All padding zero (v7.0) or all of it as written (before 7.0). */
	EXPECT_EQ(self->ncpus * (int)(slot - vs), zero + ff);
	EXPECT_EQ(expect_result("percpu_update_stores_slot_padding", 0),
		  ff ? 1 : 0);
	close(fd);
	free(buf);
}

TEST_F(percpu_array, values_land_in_their_cpu_slot)
{
	__u32 key, vs = 12;
	size_t slot = pcpu_slot_size(vs), len = slot * self->ncpus;
	unsigned char *buf = calloc(1, len), *one = calloc(1, vs);
	int cpu, fd;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, one);
	fd = create_percpu(vs, NR_ENTRIES);
	ASSERT_LE(0, fd);

	for (key = 0; key < NR_ENTRIES; key++) {
		for (cpu = 0; cpu < self->ncpus; cpu++)
			memset(buf + cpu * slot, 0x10 * key + cpu + 1, vs);
		ASSERT_EQ(0, bpfmap_map_update_elem(fd, &key, buf,
						    BPFMAP_ANY));
	}
	for (key = 0; key < NR_ENTRIES; key++) {
		memset(buf, 0, len);
		ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, buf));
		for (cpu = 0; cpu < self->ncpus; cpu++) {
			unsigned char *s = buf + cpu * slot;
			__u32 i;

			for (i = 0; i < vs; i++)
				ASSERT_EQ(0x10 * key + cpu + 1, s[i]);
		}

		/* BPF_F_CPU reads exactly that CPU's slot (v7.0). */
		for (cpu = 0; cpu < self->ncpus; cpu++) {
			int err = expect_errno("percpu_lookup_f_cpu", 0);
			__u32 i;

			memset(one, 0, vs);
			ASSERT_ERRNO(err, bpfmap_map_lookup_elem_flags(fd, &key,
								       one, F_CPU(cpu)));
			if (err)
				break;
			for (i = 0; i < vs; i++)
				ASSERT_EQ(0x10 * key + cpu + 1, one[i]);
		}
	}
	close(fd);
	free(buf);
	free(one);
}

TEST_F(percpu_array, update_f_cpu_writes_only_that_slot)
{
	int err = expect_errno("percpu_update_f_cpu", 0);
	size_t len = 8 * self->ncpus;
	__u64 *buf = calloc(1, len), v;
	__u32 key = 0;
	int cpu, fd;

	ASSERT_NE(NULL, buf);
	fd = create_percpu(8, NR_ENTRIES);
	ASSERT_LE(0, fd);

	for (cpu = 0; cpu < self->ncpus; cpu++)
		buf[cpu] = 100 + cpu;
	ASSERT_EQ(0, bpfmap_map_update_elem(fd, &key, buf, BPFMAP_ANY));

	cpu = self->ncpus - 1;
	v = 7;
	ASSERT_ERRNO(err, bpfmap_map_update_elem(fd, &key, &v, F_CPU(cpu)));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, buf));
	for (cpu = 0; cpu < self->ncpus; cpu++) {
		__u64 want = 100 + cpu;

		if (!err && cpu == self->ncpus - 1)
			want = 7;
		EXPECT_EQ(want, buf[cpu]);
	}
	close(fd);
	free(buf);
}

TEST_F(percpu_array, update_f_all_cpus_writes_every_slot)
{
	int err = expect_errno("percpu_update_f_all_cpus", 0);
	__u64 *buf = calloc(self->ncpus, 8), v = 0x1122334455667788ULL;
	__u32 key = 1;
	int cpu, fd;

	ASSERT_NE(NULL, buf);
	fd = create_percpu(8, NR_ENTRIES);
	ASSERT_LE(0, fd);

	ASSERT_ERRNO(err, bpfmap_map_update_elem(fd, &key, &v,
						 BPFMAP_F_ALL_CPUS));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, buf));
	for (cpu = 0; cpu < self->ncpus; cpu++)
		EXPECT_EQ(err ? 0 : v, buf[cpu]);
	close(fd);
	free(buf);
}

TEST_F(percpu_array, f_cpu_beyond_possible_cpus_fails_erange)
{
	__u64 v = 1;
	__u32 key = 0;
	int fd;

	fd = create_percpu(8, NR_ENTRIES);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(expect_errno("percpu_update_f_cpu_out_of_range", ERANGE),
		     bpfmap_map_update_elem(fd, &key, &v,
					    F_CPU(self->ncpus)));
	EXPECT_ERRNO(expect_errno("percpu_lookup_f_cpu_out_of_range", ERANGE),
		     bpfmap_map_lookup_elem_flags(fd, &key, &v,
						  F_CPU(self->ncpus)));
	EXPECT_ERRNO(expect_errno("percpu_lookup_f_cpu_out_of_range", ERANGE),
		     bpfmap_map_lookup_elem_flags(fd, &key, &v,
						  F_CPU(0xffffffffULL)));
	/* Both CPU flags at once, and ALL_CPUS on lookup: always EINVAL. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(fd, &key, &v,
						    F_CPU(0) | BPFMAP_F_ALL_CPUS));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem_flags(fd, &key, &v,
							  BPFMAP_F_ALL_CPUS));
	/* ALL_CPUS with NOEXIST/EXIST: the low word exceeds 16. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(fd, &key, &v,
						    BPFMAP_F_ALL_CPUS | BPFMAP_EXIST));
	close(fd);
}

TEST_F(percpu_array, update_with_noexist_and_exist_bits_follows_7_0)
{
	__u64 *buf = calloc(self->ncpus, 8);
	__u32 key = 0;
	int fd;

	ASSERT_NE(NULL, buf);
	fd = create_percpu(8, NR_ENTRIES);
	ASSERT_LE(0, fd);
	/*
	 * flags 3 is not exactly BPF_NOEXIST: 7.0 treats it as an
	 * overwrite; older kernels reject it.
	 */
	value_fill_u64(buf, BPFMAP_MAP_TYPE_PERCPU_ARRAY, 3);
	EXPECT_ERRNO(expect_errno("percpu_array_update_noexist_exist_flags", 0),
		     bpfmap_map_update_elem(fd, &key, buf,
					    BPFMAP_NOEXIST | BPFMAP_EXIST));
	close(fd);
	free(buf);
}

TEST_F(percpu_array, many_keys_hold_every_cpu_value)
{
	const __u32 nr = 2000;
	__u64 *buf = calloc(self->ncpus, 8);
	__u32 key;
	int cpu, fd;

	ASSERT_NE(NULL, buf);
	fd = create_percpu(8, nr);
	ASSERT_LE(0, fd);
	for (key = 0; key < nr; key++) {
		for (cpu = 0; cpu < self->ncpus; cpu++)
			buf[cpu] = key * 1000ULL + cpu;
		ASSERT_EQ(0, bpfmap_map_update_elem(fd, &key, buf,
						    BPFMAP_ANY));
	}
	for (key = 0; key < nr; key++) {
		memset(buf, 0xff, 8 * self->ncpus);
		ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, buf));
		for (cpu = 0; cpu < self->ncpus; cpu++)
			ASSERT_EQ(key * 1000ULL + cpu, buf[cpu]);
	}
	close(fd);
	free(buf);
}

/* ---- create-time checks, per backend ---- */

FIXTURE(array_create) {
	int unused;
};

FIXTURE_VARIANT(array_create) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(array_create);

FIXTURE_SETUP(array_create)
{
	SETUP_BACKEND(variant->backend);
}

FIXTURE_TEARDOWN(array_create)
{
}

static int create(__u32 type, __u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o),
		.map_flags = flags,
	};

	return fd_result(bpfmap_map_create(type, "c", ks, vs, max, &o));
}

static const __u32 array_types[] = {
	BPFMAP_MAP_TYPE_ARRAY, BPFMAP_MAP_TYPE_PERCPU_ARRAY,
};

TEST_F(array_create, valid_attributes_succeed)
{
	unsigned int t;

	for (t = 0; t < 2; t++) {
		EXPECT_ERRNO(0, create(array_types[t], 4, 1, 1, 0));
		EXPECT_ERRNO(0, create(array_types[t], 4, 8, 1000, 0));
		EXPECT_ERRNO(0, create(array_types[t], 4, 4096, 2,
				       BPFMAP_F_RDONLY_PROG));
	}
	EXPECT_ERRNO(0, create(BPFMAP_MAP_TYPE_ARRAY, 4, 8, 2,
			       BPFMAP_F_INNER_MAP));
}

TEST_F(array_create, bad_sizes_fail_einval)
{
	unsigned int t;

	for (t = 0; t < 2; t++) {
		__u32 type = array_types[t];

		EXPECT_ERRNO(EINVAL, create(type, 8, 8, 2, 0));
		EXPECT_ERRNO(EINVAL, create(type, 0, 8, 2, 0));
		EXPECT_ERRNO(EINVAL, create(type, 3, 8, 2, 0));
		EXPECT_ERRNO(EINVAL, create(type, 4, 0, 2, 0));
		EXPECT_ERRNO(EINVAL, create(type, 4, 8, 0, 0));
	}
}

TEST_F(array_create, bad_flags_fail_einval)
{
	unsigned int t;

	for (t = 0; t < 2; t++) {
		__u32 type = array_types[t];

		EXPECT_ERRNO(EINVAL, create(type, 4, 8, 2, 1U << 31));
		EXPECT_ERRNO(EINVAL, create(type, 4, 8, 2,
					    BPFMAP_F_NO_PREALLOC));
		EXPECT_ERRNO(EINVAL, create(type, 4, 8, 2,
					    BPFMAP_F_NO_COMMON_LRU));
		EXPECT_ERRNO(EINVAL, create(type, 4, 8, 2,
					    BPFMAP_F_ZERO_SEED));
		EXPECT_ERRNO(EINVAL, create(type, 4, 8, 2,
					    BPFMAP_F_RDONLY | BPFMAP_F_WRONLY));
		EXPECT_ERRNO(EINVAL, create(type, 4, 8, 2,
					    BPFMAP_F_RDONLY_PROG |
					    BPFMAP_F_WRONLY_PROG));
	}
}

TEST_F(array_create, mmapable_and_inner_map_on_percpu_array_fail_einval)
{
	EXPECT_ERRNO(EINVAL, create(BPFMAP_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2,
				    BPFMAP_F_MMAPABLE));
	EXPECT_ERRNO(EINVAL, create(BPFMAP_MAP_TYPE_PERCPU_ARRAY, 4, 8, 2,
				    BPFMAP_F_INNER_MAP));
}

TEST_F(array_create, numa_node_on_percpu_array_fails_einval)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o),
		.map_flags = BPFMAP_F_NUMA_NODE,
		.numa_node = 0,
	};

	EXPECT_ERRNO(EINVAL, fd_result(bpfmap_map_create(
				BPFMAP_MAP_TYPE_PERCPU_ARRAY, "c", 4, 8, 2, &o)));
	EXPECT_ERRNO(0, fd_result(bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY,
						    "c", 4, 8, 2, &o)));
}

TEST_F(array_create, map_extra_fails_einval)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o),
		.map_extra = 1,
	};
	unsigned int t;

	for (t = 0; t < 2; t++)
		EXPECT_ERRNO(EINVAL, fd_result(bpfmap_map_create(
				array_types[t], "c", 4, 8, 2, &o)));
}

TEST_F(array_create, percpu_value_size_over_32k_fails_e2big)
{
	EXPECT_ERRNO(E2BIG, create(BPFMAP_MAP_TYPE_PERCPU_ARRAY, 4, 32769,
				   1, 0));
	EXPECT_ERRNO(E2BIG, create(BPFMAP_MAP_TYPE_PERCPU_ARRAY, 4,
				   1U << 20, 1, 0));
}

TEST_F(array_create, name_with_bad_characters_fails_einval)
{
	static const char *const bad[] = { "a-b", "a b", "a/b", "a:b", "a\x7f" };
	static const char *const good[] = { "A_z.09", "", "fifteen_chars_x" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_ERRNO(EINVAL, fd_result(bpfmap_map_create(
				BPFMAP_MAP_TYPE_ARRAY, bad[i], 4, 8, 2, NULL)));
	for (i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT_ERRNO(0, fd_result(bpfmap_map_create(
				BPFMAP_MAP_TYPE_ARRAY, good[i], 4, 8, 2, NULL)));
}

TEST_F(array_create, name_without_nul_fails_einval)
{
	char name[16];

	memset(name, 'a', sizeof(name));
	EXPECT_ERRNO(EINVAL, fd_result(raw_map_create(BPFMAP_MAP_TYPE_ARRAY,
						      4, 8, 2, 0, name)));
	name[15] = '\0';
	EXPECT_ERRNO(0, fd_result(raw_map_create(BPFMAP_MAP_TYPE_ARRAY,
						 4, 8, 2, 0, name)));
}

TEST_F(array_create, fd_is_cloexec_and_info_drops_fd_only_flags)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o),
		.map_flags = BPFMAP_F_RDONLY | BPFMAP_F_RDONLY_PROG,
	};
	struct bpfmap_info info;
	int fd;

	fd = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY, "ro", 4, 8, 3, &o);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(fd, &info));
	EXPECT_EQ(BPFMAP_F_RDONLY_PROG, info.map_flags);
	EXPECT_EQ(3U, info.max_entries);
	EXPECT_STREQ("ro", info.name);
	close(fd);
}

/* ---- BPFMAP_F_MMAPABLE arrays (map-semantics.md section 10) ---- */

FIXTURE(array_mmap) {
	int fd;
	size_t len;
};

FIXTURE_VARIANT(array_mmap) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(array_mmap);

#define MMAP_ENTRIES	8U

FIXTURE_SETUP(array_mmap)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = BPFMAP_F_MMAPABLE,
	};

	SETUP_BACKEND(variant->backend);
	self->fd = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY, "mm", 4, 8,
				     MMAP_ENTRIES, &o);
	ASSERT_LE(0, self->fd);
	self->len = (size_t)sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(array_mmap)
{
	close(self->fd);
}

static void *map_values(int fd, size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

TEST_F(array_mmap, shared_mapping_sees_updates_both_ways)
{
	__u64 *v = map_values(self->fd, self->len, PROT_READ | PROT_WRITE,
			      MAP_SHARED);
	__u32 key = 3;
	__u64 val = 0x1122334455667788ULL, got = 0;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, &val, BPFMAP_ANY));
	EXPECT_EQ(val, v[3]);
	v[5] = 77;
	key = 5;
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->fd, &key, &got));
	EXPECT_EQ(77ULL, got);
	munmap(v, self->len);
}

TEST_F(array_mmap, private_or_oversized_mappings_fail_einval)
{
	errno = 0;
	EXPECT_EQ(NULL, map_values(self->fd, self->len, PROT_READ,
				   MAP_PRIVATE));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(NULL, map_values(self->fd, 2 * self->len, PROT_READ,
				   MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(array_mmap, writable_mapping_blocks_freeze_and_frozen_map_maps_read_only)
{
	void *rw = map_values(self->fd, self->len, PROT_READ | PROT_WRITE,
			      MAP_SHARED), *ro;

	ASSERT_NE(NULL, rw);
	EXPECT_ERRNO(EBUSY, bpfmap_map_freeze(self->fd));
	munmap(rw, self->len);
	ASSERT_EQ(0, bpfmap_map_freeze(self->fd));
	errno = 0;
	EXPECT_EQ(NULL, map_values(self->fd, self->len,
				   PROT_READ | PROT_WRITE, MAP_SHARED));
	EXPECT_EQ(EPERM, errno);
	ro = map_values(self->fd, self->len, PROT_READ, MAP_SHARED);
	EXPECT_NE(NULL, ro);
	/* Read-only stays read-only. */
	if (ro) {
		EXPECT_NE(0, mprotect(ro, self->len, PROT_READ | PROT_WRITE));
		munmap(ro, self->len);
	}
}

TEST_F(array_mmap, maps_without_the_flag_cannot_be_mapped)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = BPFMAP_F_RDONLY_PROG |
					      BPFMAP_F_MMAPABLE,
	};
	int plain = CREATE_MAP(BPFMAP_MAP_TYPE_ARRAY, 4, 0);
	int hash = CREATE_MAP(BPFMAP_MAP_TYPE_HASH, 4, 0);
	int rdonly_prog = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY, "mm", 4, 8,
					    4, &o);

	errno = 0;
	EXPECT_EQ(NULL, map_values(plain, self->len, PROT_READ, MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(NULL, map_values(hash, self->len, PROT_READ, MAP_SHARED));
	EXPECT_EQ(ENOTSUPP, errno);
	ASSERT_LE(0, rdonly_prog);
	errno = 0;
	EXPECT_EQ(NULL, map_values(rdonly_prog, self->len,
				   PROT_READ | PROT_WRITE, MAP_SHARED));
	EXPECT_EQ(EACCES, errno);
	close(plain);
	close(hash);
	close(rdonly_prog);
}

TEST_HARNESS_MAIN
