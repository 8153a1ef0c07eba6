// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Fd permissions on both backends: maps created with BPF_F_RDONLY or
 * BPF_F_WRONLY, and fds opened by id with those open_flags (upstream
 * test_maps' test_map_rdonly / test_map_wronly, on ARRAY and
 * PERCPU_ARRAY).  Permissions belong to the fd, not to the map, and are
 * checked after the fd is resolved but before the map type's own errors.
 */
#include "bpfmap_test.h"

#define NR_ENTRIES	4

FIXTURE(map_perm) {
	int rw_fd;		/* read-write fd of a map, key 1 = 55 */
	__u32 id;
	void *value;
};

FIXTURE_VARIANT(map_perm) {
	enum bpfmap_backend backend;
	__u32 map_type;
};

BACKEND_ARRAY_VARIANTS(map_perm);

FIXTURE_SETUP(map_perm)
{
	struct bpfmap_info info;
	__u32 key = 1;

	SETUP_BACKEND(variant->backend);
	self->rw_fd = CREATE_MAP(variant->map_type, NR_ENTRIES, 0);
	self->value = value_buf_alloc(variant->map_type, 8);
	ASSERT_NE(NULL, self->value);
	value_fill_u64(self->value, variant->map_type, 55);
	ASSERT_EQ(0, bpfmap_map_update_elem(self->rw_fd, &key, self->value,
					    BPFMAP_ANY));
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->rw_fd, &info));
	self->id = info.id;
}

FIXTURE_TEARDOWN(map_perm)
{
	free(self->value);
	close(self->rw_fd);
}

/* A read-only fd: reads work, every write is EPERM. */
static void check_read_only(struct __test_metadata *_metadata, int fd,
			    __u32 map_type, void *value, bool populated)
{
	__u32 key = 1, next = 0xdead;

	memset(value, 0xa5, value_buf_size(map_type, 8));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, value));
	/* Braces: the harness macros end in a for statement. */
	if (populated) {
		EXPECT_TRUE(value_check_u64(value, map_type, 55));
	} else {
		EXPECT_TRUE(value_is_zero(value, map_type, 8));
	}
	EXPECT_EQ(0, bpfmap_map_get_next_key(fd, NULL, &next));
	EXPECT_EQ(0U, next);
	EXPECT_EQ(0, bpfmap_map_get_next_key(fd, &key, &next));
	EXPECT_EQ(2U, next);

	value_fill_u64(value, map_type, 66);
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(fd, &key, value,
						   BPFMAP_ANY));
	/* EPERM, not the E2BIG / EINVAL the array would give. */
	key = NR_ENTRIES;
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(fd, &key, value,
						   BPFMAP_ANY));
	key = 1;
	EXPECT_ERRNO(EPERM, bpfmap_map_delete_elem(fd, &key));
	/* Needs both modes: EPERM before the array's ENOTSUPP. */
	EXPECT_ERRNO(EPERM, bpfmap_map_lookup_and_delete_elem(fd, &key,
							      value));
}

/* A write-only fd: writes work, every read is EPERM. */
static void check_write_only(struct __test_metadata *_metadata, int fd,
			     __u32 map_type, void *value)
{
	__u32 key = 1, next = 0xdead;

	EXPECT_ERRNO(EPERM, bpfmap_map_lookup_elem(fd, &key, value));
	key = NR_ENTRIES;
	EXPECT_ERRNO(EPERM, bpfmap_map_lookup_elem(fd, &key, value));
	EXPECT_ERRNO(EPERM, bpfmap_map_get_next_key(fd, NULL, &next));
	EXPECT_ERRNO(EPERM, bpfmap_map_get_next_key(fd, &key, &next));
	EXPECT_EQ(0xdeadU, next);
	key = 1;
	EXPECT_ERRNO(EPERM, bpfmap_map_lookup_and_delete_elem(fd, &key,
							      value));

	value_fill_u64(value, map_type, 77);
	EXPECT_EQ(0, bpfmap_map_update_elem(fd, &key, value, BPFMAP_ANY));
	/* Write mode reaches the array itself: delete is EINVAL there. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_elem(fd, &key));
	key = NR_ENTRIES;
	EXPECT_ERRNO(E2BIG, bpfmap_map_update_elem(fd, &key, value,
						   BPFMAP_ANY));
}

TEST_F(map_perm, rdonly_map_fd_allows_reads_and_rejects_writes_eperm)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o),
		.map_flags = BPFMAP_F_RDONLY,
	};
	int fd;

	fd = bpfmap_map_create(variant->map_type, "ro", 4, 8, NR_ENTRIES, &o);
	ASSERT_LE(0, fd);
	check_read_only(_metadata, fd, variant->map_type, self->value, false);
	close(fd);
}

TEST_F(map_perm, wronly_map_fd_allows_writes_and_rejects_reads_eperm)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o),
		.map_flags = BPFMAP_F_WRONLY,
	};
	int fd;

	fd = bpfmap_map_create(variant->map_type, "wo", 4, 8, NR_ENTRIES, &o);
	ASSERT_LE(0, fd);
	check_write_only(_metadata, fd, variant->map_type, self->value);
	close(fd);
}

TEST_F(map_perm, fd_by_id_rdonly_is_read_only)
{
	__u32 key = 1;
	int fd;

	fd = bpfmap_map_get_fd_by_id_opts(self->id, BPFMAP_F_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	check_read_only(_metadata, fd, variant->map_type, self->value, true);

	/* The rw fd still writes, and the ro fd sees it. */
	value_fill_u64(self->value, variant->map_type, 88);
	ASSERT_EQ(0, bpfmap_map_update_elem(self->rw_fd, &key, self->value,
					    BPFMAP_ANY));
	memset(self->value, 0, value_buf_size(variant->map_type, 8));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(fd, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 88));
	close(fd);
}

TEST_F(map_perm, fd_by_id_wronly_is_write_only)
{
	__u32 key = 1;
	int fd;

	fd = bpfmap_map_get_fd_by_id_opts(self->id, BPFMAP_F_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(O_WRONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	check_write_only(_metadata, fd, variant->map_type, self->value);

	/* The write through the wo fd is seen through the rw fd. */
	memset(self->value, 0, value_buf_size(variant->map_type, 8));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(self->rw_fd, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 77));
	close(fd);
}

TEST_F(map_perm, fd_by_id_with_bad_open_flags_fails_einval)
{
	EXPECT_ERRNO(EINVAL, fd_result(bpfmap_map_get_fd_by_id_opts(
				self->id, BPFMAP_F_RDONLY | BPFMAP_F_WRONLY)));
	EXPECT_ERRNO(EINVAL, fd_result(bpfmap_map_get_fd_by_id_opts(
				self->id, BPFMAP_F_RDONLY_PROG)));
	EXPECT_ERRNO(EINVAL, fd_result(bpfmap_map_get_fd_by_id_opts(
				self->id, 1U << 31)));
	EXPECT_ERRNO(0, fd_result(bpfmap_map_get_fd_by_id_opts(self->id, 0)));
}

TEST_F(map_perm, permissions_belong_to_the_fd_not_the_map)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o),
		.map_flags = BPFMAP_F_RDONLY,
	};
	struct bpfmap_info info;
	__u32 key = 0;
	int ro, rw;

	ro = bpfmap_map_create(variant->map_type, "ro", 4, 8, NR_ENTRIES, &o);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(ro, &info));
	EXPECT_EQ(0U, info.map_flags);

	/* The map itself is writable through a new default fd. */
	rw = bpfmap_map_get_fd_by_id(info.id);
	ASSERT_LE(0, rw);
	EXPECT_EQ(O_RDWR, fcntl(rw, F_GETFL) & O_ACCMODE);
	value_fill_u64(self->value, variant->map_type, 12);
	EXPECT_EQ(0, bpfmap_map_update_elem(rw, &key, self->value,
					    BPFMAP_ANY));
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(ro, &key, self->value,
						   BPFMAP_ANY));
	memset(self->value, 0, value_buf_size(variant->map_type, 8));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(ro, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 12));
	close(rw);
	close(ro);
}

TEST_F(map_perm, lookup_and_delete_flags_are_checked_before_the_fd)
{
	int ro = bpfmap_map_get_fd_by_id_opts(self->id, BPFMAP_F_RDONLY);
	__u32 key = 1;

	ASSERT_LE(0, ro);
	/* flags & ~BPF_F_LOCK is EINVAL before fd and permissions (§3.6). */
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_elem_flags(
				ro, &key, self->value, BPFMAP_EXIST));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_elem_flags(
				closed_fd(), &key, self->value, F_CPU(0)));
	/* BPF_F_LOCK passes that check: then the fd, then the modes. */
	EXPECT_ERRNO(EBADF, bpfmap_map_lookup_and_delete_elem_flags(
				closed_fd(), &key, self->value, BPFMAP_F_LOCK));
	EXPECT_ERRNO(EPERM, bpfmap_map_lookup_and_delete_elem_flags(
				ro, &key, self->value, BPFMAP_F_LOCK));
	/* With both modes the array's own answer comes through. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_elem_flags(
				self->rw_fd, &key, self->value, BPFMAP_F_LOCK));
	EXPECT_ERRNO(ENOTSUPP, bpfmap_map_lookup_and_delete_elem(
				self->rw_fd, &key, self->value));
	close(ro);
}

TEST_F(map_perm, freeze_needs_write_mode)
{
	int ro = bpfmap_map_get_fd_by_id_opts(self->id, BPFMAP_F_RDONLY);
	int wo = bpfmap_map_get_fd_by_id_opts(self->id, BPFMAP_F_WRONLY);
	struct bpfmap_info info;
	__u32 key = 1;

	ASSERT_LE(0, ro);
	ASSERT_LE(0, wo);
	EXPECT_ERRNO(expect_errno("freeze_through_rdonly_fd", EPERM),
		     bpfmap_map_freeze(ro));
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->rw_fd, &info));
	if (!expect_errno("freeze_through_rdonly_fd", EPERM)) {
		EXPECT_EQ(1U, info.frozen);
		goto out;
	}
	EXPECT_EQ(0U, info.frozen);
	ASSERT_EQ(0, bpfmap_map_freeze(wo));
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(ro, &info));
	EXPECT_EQ(1U, info.frozen);
	/* Frozen: the rw and wo fds lost their syscall write access. */
	value_fill_u64(self->value, variant->map_type, 1);
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(self->rw_fd, &key,
						   self->value, BPFMAP_ANY));
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(wo, &key, self->value,
						   BPFMAP_ANY));
	ASSERT_EQ(0, bpfmap_map_lookup_elem(ro, &key, self->value));
	EXPECT_TRUE(value_check_u64(self->value, variant->map_type, 55));
out:
	close(wo);
	close(ro);
}

TEST_HARNESS_MAIN
