// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The command ABI.
 *
 * FIXTURE(abi) runs on both backends with raw commands (an ioctl on
 * /dev/bpfmap, or bpf(2) with a union bpf_attr): bad pointers, bad fds,
 * bad flags, fields a command must not use, unknown commands.
 *
 * FIXTURE(abi_dev) covers what only the ioctl ABI has, in the manner of
 * iommufd's cmd_length / cmd_fail tests: the size field of every command
 * struct, __reserved fields and ioctl numbers.  bpf(2) has no such size
 * field per command, so these are DEV-only tests, not table rows.
 */
#include <stddef.h>

#include "bpfmap_test.h"

#define NOT_A_COMMAND	200	/* neither a bpfmap nor a bpf(2) command */

/* ---- both backends ---- */

FIXTURE(abi) {
	int fd;			/* ARRAY, 2 entries, u64 values */
	__u32 key;
	__u64 value;
	void *bad;		/* an unmapped address */
};

FIXTURE_VARIANT(abi) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(abi);

FIXTURE_SETUP(abi)
{
	SETUP_BACKEND(variant->backend);
	self->fd = CREATE_MAP(BPFMAP_MAP_TYPE_ARRAY, 2, 0);
	self->bad = unmapped_page();
	ASSERT_NE(NULL, self->bad);
}

FIXTURE_TEARDOWN(abi)
{
	close(self->fd);
}

#define K(p)	ptr_to_u64(p)

TEST_F(abi, null_key_fails_efault)
{
	__u64 v = 1;

	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_LOOKUP_ELEM, self->fd, 0,
					  K(&v), 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_UPDATE_ELEM, self->fd, 0,
					  K(&v), 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_DELETE_ELEM, self->fd, 0,
					  0, 0));
	/* The key is copied before the array says ENOTSUPP. */
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_LOOKUP_AND_DELETE_ELEM,
					  self->fd, 0, K(&v), 0));
	/* get_next_key alone takes NULL: "the first key". */
	v = 0xdead;
	EXPECT_ERRNO(0, raw_elem_cmd(BPF_MAP_GET_NEXT_KEY, self->fd, 0,
				     K(&v), 0));
}

TEST_F(abi, unmapped_key_fails_efault)
{
	__u64 v = 1;

	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_LOOKUP_ELEM, self->fd,
					  K(self->bad), K(&v), 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_UPDATE_ELEM, self->fd,
					  K(self->bad), K(&v), 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_DELETE_ELEM, self->fd,
					  K(self->bad), 0, 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_GET_NEXT_KEY, self->fd,
					  K(self->bad), K(&v), 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_LOOKUP_AND_DELETE_ELEM,
					  self->fd, K(self->bad), K(&v), 0));
}

TEST_F(abi, unmapped_value_fails_efault)
{
	__u32 key = 1;
	__u64 v;

	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_LOOKUP_ELEM, self->fd,
					  K(&key), K(self->bad), 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_LOOKUP_ELEM, self->fd,
					  K(&key), 0, 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_UPDATE_ELEM, self->fd,
					  K(&key), K(self->bad), 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_UPDATE_ELEM, self->fd,
					  K(&key), 0, 0));
	/* Index 0 has a next key, so the copy out is reached. */
	key = 0;
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_GET_NEXT_KEY, self->fd,
					  K(&key), K(self->bad), 0));
	EXPECT_ERRNO(EFAULT, raw_elem_cmd(BPF_MAP_GET_NEXT_KEY, self->fd,
					  0, 0, 0));
	key = 1;
	/* A failed update wrote nothing. */
	v = 0xdead;
	ASSERT_EQ(0, raw_elem_cmd(BPF_MAP_LOOKUP_ELEM, self->fd, K(&key),
				  K(&v), 0));
	EXPECT_EQ(0U, v);
}

TEST_F(abi, null_attr_fails_efault)
{
	int ret;

	if (backend_is_dev())
		ret = neg_errno(ioctl(bpfmap_dev_fd(),
				      BPFMAP_IOCTL_MAP_LOOKUP_ELEM, NULL));
	else
		ret = neg_errno(syscall(__NR_bpf, BPF_MAP_LOOKUP_ELEM, NULL,
					sizeof(union bpf_attr)));
	EXPECT_ERRNO(EFAULT, ret);

	if (backend_is_dev())
		ret = neg_errno(ioctl(bpfmap_dev_fd(),
				      BPFMAP_IOCTL_MAP_CREATE, self->bad));
	else
		ret = neg_errno(syscall(__NR_bpf, BPF_MAP_CREATE, self->bad,
					sizeof(union bpf_attr)));
	EXPECT_ERRNO(EFAULT, ret);
}

TEST_F(abi, closed_fd_fails_ebadf)
{
	struct bpfmap_info info;
	__u32 key = 0;
	__u64 v = 0;
	int fds[] = { closed_fd(), -1, 0x7fffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		int fd = fds[i];

		EXPECT_ERRNO(EBADF, bpfmap_map_lookup_elem(fd, &key, &v));
		EXPECT_ERRNO(EBADF, bpfmap_map_update_elem(fd, &key, &v, 0));
		EXPECT_ERRNO(EBADF, bpfmap_map_delete_elem(fd, &key));
		EXPECT_ERRNO(EBADF, bpfmap_map_get_next_key(fd, &key, &v));
		EXPECT_ERRNO(EBADF, bpfmap_map_lookup_and_delete_elem(fd, &key,
								      &v));
		EXPECT_ERRNO(EBADF, bpfmap_map_freeze(fd));
		EXPECT_ERRNO(expect_errno("info_closed_fd", EBADFD),
			     bpfmap_map_get_info_by_fd(fd, &info));
	}
}

static void check_not_a_map(struct __test_metadata *_metadata, int fd)
{
	struct bpfmap_info info;
	__u32 key = 0;
	__u64 v = 0;

	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem(fd, &key, &v));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(fd, &key, &v, 0));
	EXPECT_ERRNO(EINVAL, bpfmap_map_delete_elem(fd, &key));
	EXPECT_ERRNO(EINVAL, bpfmap_map_get_next_key(fd, &key, &v));
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_and_delete_elem(fd, &key, &v));
	EXPECT_ERRNO(EINVAL, bpfmap_map_freeze(fd));
	EXPECT_ERRNO(EINVAL, bpfmap_map_get_info_by_fd(fd, &info));
}

TEST_F(abi, fd_that_is_not_a_map_fails_einval)
{
	int p[2], null;

	ASSERT_EQ(0, pipe(p));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	check_not_a_map(_metadata, p[0]);
	check_not_a_map(_metadata, p[1]);
	check_not_a_map(_metadata, null);
	close(p[0]);
	close(p[1]);
	close(null);
}

TEST_F(abi, bad_flags_fail_einval)
{
	__u32 key = 0;
	__u64 v = 0;

	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPF_MAP_LOOKUP_ELEM, self->fd,
					  K(&key), K(&v), 0x100));
	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPF_MAP_UPDATE_ELEM, self->fd,
					  K(&key), K(&v), 0x100));
	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPF_MAP_LOOKUP_AND_DELETE_ELEM,
					  self->fd, K(&key), K(&v), 0x100));
	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPF_MAP_GET_NEXT_KEY, self->fd,
					  K(&key), K(&v), 0x100));
}

TEST_F(abi, lookup_bad_flags_on_closed_fd_fails_ebadf)
{
	__u32 key = 0;
	__u64 v = 0;

	/* v7.0 resolves the fd before it looks at lookup flags. */
	EXPECT_ERRNO(expect_errno("lookup_bad_flags_on_closed_fd", EBADF),
		     raw_elem_cmd(BPF_MAP_LOOKUP_ELEM, closed_fd(), K(&key),
				  K(&v), 0x100));
	/* Fields past the last one are checked first everywhere. */
	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPF_MAP_GET_NEXT_KEY, closed_fd(),
					  K(&key), K(&v), 1));
	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPF_MAP_FREEZE, closed_fd(),
					  K(&key), 0, 0));
}

TEST_F(abi, delete_with_value_field_fails_einval)
{
	__u32 key = 0;
	__u64 v = 0;

	/* DELETE_ELEM's last field is key: value must be 0. */
	EXPECT_ERRNO(EINVAL, raw_elem_cmd(BPF_MAP_DELETE_ELEM, closed_fd(),
					  K(&key), K(&v), 0));
	EXPECT_ERRNO(EBADF, raw_elem_cmd(BPF_MAP_DELETE_ELEM, closed_fd(),
					 K(&key), 0, 0));
}

TEST_F(abi, unknown_command_fails)
{
	__u32 key = 0;
	__u64 v = 0;

	EXPECT_ERRNO(expect_errno("unknown_command", EINVAL),
		     raw_elem_cmd(NOT_A_COMMAND, self->fd, K(&key), K(&v), 0));
}

/* ---- DEV only: the per-command size, __reserved and ioctl numbers ---- */

FIXTURE(abi_dev) {
	int dev;
};

/* Where OBJ_PIN pins and OBJ_GET finds a map, in the bpfmapfs. */
static char abi_pin_path[64], abi_get_path[64];

FIXTURE_SETUP(abi_dev)
{
	SETUP_BACKEND(BPFMAP_BACKEND_DEV);
	self->dev = bpfmap_dev_fd();
	ASSERT_EQ(0, pin_fs_mount(BPFMAP_BACKEND_DEV));
	snprintf(abi_pin_path, sizeof(abi_pin_path), "%s/abi_pin_%d",
		 BPFMAPFS_ROOT, getpid());
	snprintf(abi_get_path, sizeof(abi_get_path), "%s/abi_get_%d",
		 BPFMAPFS_ROOT, getpid());
}

FIXTURE_TEARDOWN(abi_dev)
{
	unlink(abi_pin_path);
	unlink(abi_get_path);
}

/* Big enough for any command struct plus a tail. */
union cmd_buf {
	struct bpfmap_map_create create;
	struct bpfmap_elem elem;
	struct bpfmap_batch batch;
	struct bpfmap_get_next_id next_id;
	struct bpfmap_get_fd_by_id by_id;
	struct bpfmap_map_info info;
	struct bpfmap_obj obj;
	unsigned char bytes[256];
};

#define RESULT_FD	1

/*
 * Builds a valid command in @b (zeroed by the caller) on fresh maps and
 * returns what it must give: 0, RESULT_FD or -errno.  Pointers in the
 * struct point to static storage so they outlive the builder.
 */
typedef int (*cmd_builder)(struct __test_metadata *_metadata,
			   union cmd_buf *b);

static __u32 zero_key, one_key = 1;
static __u64 value_out[2], value_in[2] = { 5, 6 };
static __u32 keys_out[4], token[4];

static int array_fd(struct __test_metadata *_metadata)
{
	return CREATE_MAP(BPFMAP_MAP_TYPE_ARRAY, 2, 0);
}

/* A HASH with key 1 in it. */
static int hash_fd(struct __test_metadata *_metadata)
{
	int fd = CREATE_MAP(BPFMAP_MAP_TYPE_HASH, 4, 0);

	ASSERT_EQ(0, bpfmap_map_update_elem(fd, &one_key, value_in,
					    BPFMAP_ANY));
	return fd;
}

static __u32 map_id(struct __test_metadata *_metadata, int fd)
{
	struct bpfmap_info info;

	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(fd, &info));
	return info.id;
}

static int build_create(struct __test_metadata *_metadata, union cmd_buf *b)
{
	(void)_metadata;
	b->create.map_type = BPFMAP_MAP_TYPE_ARRAY;
	b->create.key_size = 4;
	b->create.value_size = 8;
	b->create.max_entries = 2;
	strcpy(b->create.map_name, "abi");
	return RESULT_FD;
}

static int build_lookup(struct __test_metadata *_metadata, union cmd_buf *b)
{
	b->elem.map_fd = array_fd(_metadata);
	b->elem.key = K(&one_key);
	b->elem.value = K(value_out);
	return 0;
}

static int build_update(struct __test_metadata *_metadata, union cmd_buf *b)
{
	b->elem.map_fd = array_fd(_metadata);
	b->elem.key = K(&one_key);
	b->elem.value = K(value_in);
	b->elem.flags = BPFMAP_EXIST;
	return 0;
}

static int build_delete(struct __test_metadata *_metadata, union cmd_buf *b)
{
	b->elem.map_fd = hash_fd(_metadata);
	b->elem.key = K(&one_key);
	return 0;
}

static int build_next_key(struct __test_metadata *_metadata,
			  union cmd_buf *b)
{
	b->elem.map_fd = array_fd(_metadata);
	b->elem.key = K(&zero_key);
	b->elem.value = K(keys_out);
	return 0;
}

static int build_lookup_and_delete(struct __test_metadata *_metadata,
				   union cmd_buf *b)
{
	b->elem.map_fd = hash_fd(_metadata);
	b->elem.key = K(&one_key);
	b->elem.value = K(value_out);
	return 0;
}

static int build_freeze(struct __test_metadata *_metadata, union cmd_buf *b)
{
	b->elem.map_fd = array_fd(_metadata);
	return 0;
}

/* Pins a fresh map at a name that is free again each time. */
static int build_obj_pin(struct __test_metadata *_metadata, union cmd_buf *b)
{
	unlink(abi_pin_path);
	b->obj.bpf_fd = array_fd(_metadata);
	b->obj.pathname = K(abi_pin_path);
	return 0;
}

static int build_obj_get(struct __test_metadata *_metadata, union cmd_buf *b)
{
	if (access(abi_get_path, F_OK))
		ASSERT_EQ(0, bpfmap_obj_pin(array_fd(_metadata),
					    abi_get_path));
	b->obj.pathname = K(abi_get_path);
	b->obj.file_flags = BPFMAP_F_RDONLY;
	return RESULT_FD;
}

static int build_next_id(struct __test_metadata *_metadata,
			 union cmd_buf *b)
{
	array_fd(_metadata);	/* so that at least one id exists */
	b->next_id.start_id = 0;
	return 0;
}

static int build_fd_by_id(struct __test_metadata *_metadata,
			  union cmd_buf *b)
{
	b->by_id.map_id = map_id(_metadata, array_fd(_metadata));
	b->by_id.open_flags = BPFMAP_F_RDONLY;
	return RESULT_FD;
}

static int build_info(struct __test_metadata *_metadata, union cmd_buf *b)
{
	b->info.map_fd = array_fd(_metadata);
	return 0;
}

static int build_lookup_batch(struct __test_metadata *_metadata,
			      union cmd_buf *b)
{
	b->batch.map_fd = array_fd(_metadata);
	b->batch.out_batch = K(token);
	b->batch.keys = K(keys_out);
	b->batch.values = K(value_out);
	b->batch.count = 1;
	return 0;
}

static int build_lookup_and_delete_batch(struct __test_metadata *_metadata,
					 union cmd_buf *b)
{
	b->batch.map_fd = hash_fd(_metadata);
	b->batch.out_batch = K(token);
	b->batch.keys = K(keys_out);
	b->batch.values = K(value_out);
	b->batch.count = 2;
	/* The one element fits; then the walk reaches the end. */
	return -ENOENT;
}

static int build_update_batch(struct __test_metadata *_metadata,
			      union cmd_buf *b)
{
	b->batch.map_fd = array_fd(_metadata);
	b->batch.keys = K(&one_key);
	b->batch.values = K(value_in);
	b->batch.count = 1;
	return 0;
}

static int build_delete_batch(struct __test_metadata *_metadata,
			      union cmd_buf *b)
{
	b->batch.map_fd = hash_fd(_metadata);
	b->batch.keys = K(&one_key);
	b->batch.count = 1;
	return 0;
}

struct abi_cmd {
	const char *name;
	__u32 cmd;			/* enum bpfmap_cmd */
	unsigned long ioctl_nr;
	__u32 size;
	int reserved_off;		/* -1: no __reserved field */
	cmd_builder build;
};

#define CMD(nr, type, res, fn) {					\
	.name = #nr,							\
	.cmd = BPFMAP_##nr,						\
	.ioctl_nr = BPFMAP_IOCTL_##nr,					\
	.size = sizeof(type),						\
	.reserved_off = res,						\
	.build = fn,							\
}

static const struct abi_cmd abi_cmds[] = {
	CMD(MAP_CREATE, struct bpfmap_map_create,
	    offsetof(struct bpfmap_map_create, __reserved), build_create),
	CMD(MAP_LOOKUP_ELEM, struct bpfmap_elem, -1, build_lookup),
	CMD(MAP_UPDATE_ELEM, struct bpfmap_elem, -1, build_update),
	CMD(MAP_DELETE_ELEM, struct bpfmap_elem, -1, build_delete),
	CMD(MAP_GET_NEXT_KEY, struct bpfmap_elem, -1, build_next_key),
	CMD(OBJ_PIN, struct bpfmap_obj,
	    offsetof(struct bpfmap_obj, __reserved), build_obj_pin),
	CMD(OBJ_GET, struct bpfmap_obj,
	    offsetof(struct bpfmap_obj, __reserved), build_obj_get),
	CMD(MAP_GET_NEXT_ID, struct bpfmap_get_next_id,
	    offsetof(struct bpfmap_get_next_id, __reserved), build_next_id),
	CMD(MAP_GET_FD_BY_ID, struct bpfmap_get_fd_by_id,
	    offsetof(struct bpfmap_get_fd_by_id, __reserved), build_fd_by_id),
	CMD(OBJ_GET_INFO_BY_FD, struct bpfmap_map_info,
	    offsetof(struct bpfmap_map_info, __reserved), build_info),
	CMD(MAP_LOOKUP_AND_DELETE_ELEM, struct bpfmap_elem, -1,
	    build_lookup_and_delete),
	CMD(MAP_FREEZE, struct bpfmap_elem, -1, build_freeze),
	CMD(MAP_LOOKUP_BATCH, struct bpfmap_batch,
	    offsetof(struct bpfmap_batch, __reserved), build_lookup_batch),
	CMD(MAP_LOOKUP_AND_DELETE_BATCH, struct bpfmap_batch,
	    offsetof(struct bpfmap_batch, __reserved),
	    build_lookup_and_delete_batch),
	CMD(MAP_UPDATE_BATCH, struct bpfmap_batch,
	    offsetof(struct bpfmap_batch, __reserved), build_update_batch),
	CMD(MAP_DELETE_BATCH, struct bpfmap_batch,
	    offsetof(struct bpfmap_batch, __reserved), build_delete_batch),
};

#define for_each_cmd(c) \
	for (c = abi_cmds; c < abi_cmds + ARRAY_SIZE(abi_cmds); c++)

/* Builds @c, sets size, runs it; an fd result is closed and made RESULT_FD. */
static int run_cmd(struct __test_metadata *_metadata, int dev,
		   const struct abi_cmd *c, __u32 size, union cmd_buf *b,
		   int *expected)
{
	int ret;

	memset(b, 0, sizeof(*b));
	*expected = c->build(_metadata, b);
	b->create.size = size;	/* the first field of every struct */
	ret = neg_errno(ioctl(dev, c->ioctl_nr, b));
	if (ret >= 0 && *expected == RESULT_FD) {
		close(ret);
		ret = RESULT_FD;
	}
	return ret;
}

/*
 * Every enumerator of enum bpfmap_cmd, as the Makefile read them from
 * uapi/linux/bpfmap.h into uapi_cmds.h when this test was built.
 */
static const struct {
	const char *name;
	__u32 cmd;
} uapi_cmds[] = {
#define BPFMAP_UAPI_CMD(nr)	{ #nr, BPFMAP_##nr },
#include "uapi_cmds.h"
#undef BPFMAP_UAPI_CMD
};

/* A command added to the header without a row in abi_cmds[] fails here. */
TEST_F(abi_dev, every_command_of_the_header_is_covered)
{
	const struct abi_cmd *c;
	unsigned int i, rows;

	ASSERT_LT(0U, ARRAY_SIZE(uapi_cmds));
	for (i = 0; i < ARRAY_SIZE(uapi_cmds); i++) {
		rows = 0;
		for_each_cmd(c)
			rows += c->cmd == uapi_cmds[i].cmd &&
				!strcmp(c->name, uapi_cmds[i].name);
		if (rows != 1)
			TH_LOG("BPFMAP_%s: %u rows in abi_cmds[], want 1",
			       uapi_cmds[i].name, rows);
		EXPECT_EQ(1U, rows);
	}
	/* Each row is a command of the header, with its ioctl number. */
	for_each_cmd(c) {
		rows = 0;
		for (i = 0; i < ARRAY_SIZE(uapi_cmds); i++)
			rows += c->cmd == uapi_cmds[i].cmd;
		if (rows != 1)
			TH_LOG("%s: not in enum bpfmap_cmd", c->name);
		EXPECT_EQ(1U, rows);
		EXPECT_EQ(_IO(BPFMAP_IOCTL_TYPE, c->cmd), c->ioctl_nr);
	}
}

TEST_F(abi_dev, valid_command_at_exact_size_succeeds)
{
	const struct abi_cmd *c;
	union cmd_buf b;
	int expected;

	for_each_cmd(c) {
		int ret = run_cmd(_metadata, self->dev, c, c->size, &b,
				  &expected);

		if (ret != expected)
			TH_LOG("%s", c->name);
		EXPECT_EQ(expected, ret);
	}
}

TEST_F(abi_dev, size_smaller_than_struct_fails_einval)
{
	const struct abi_cmd *c;
	union cmd_buf b;
	int expected;

	for_each_cmd(c) {
		const __u32 sizes[] = { 0, 4, c->size - 8, c->size - 1 };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			int ret = run_cmd(_metadata, self->dev, c, sizes[i],
					  &b, &expected);

			if (ret != -EINVAL)
				TH_LOG("%s size %u", c->name, sizes[i]);
			EXPECT_ERRNO(EINVAL, ret);
		}
	}
}

TEST_F(abi_dev, larger_size_with_nonzero_tail_fails_e2big)
{
	const struct abi_cmd *c;
	union cmd_buf b;
	int expected;

	for_each_cmd(c) {
		static const unsigned int tail_at[] = { 0, 7, 40 };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(tail_at); i++) {
			int ret;

			memset(&b, 0, sizeof(b));
			expected = c->build(_metadata, &b);
			b.create.size = c->size + 64;
			b.bytes[c->size + tail_at[i]] = 1;
			ret = neg_errno(ioctl(self->dev, c->ioctl_nr, &b));
			if (ret >= 0 && expected == RESULT_FD)
				close(ret);
			if (ret != -E2BIG)
				TH_LOG("%s tail byte %u", c->name, tail_at[i]);
			EXPECT_ERRNO(E2BIG, ret);
		}
	}
}

TEST_F(abi_dev, larger_size_with_zero_tail_acts_as_exact_size)
{
	const struct abi_cmd *c;
	union cmd_buf b;
	int expected;

	for_each_cmd(c) {
		int ret = run_cmd(_metadata, self->dev, c, c->size + 64, &b,
				  &expected);
		unsigned int i;

		if (ret != expected)
			TH_LOG("%s", c->name);
		EXPECT_EQ(expected, ret);
		/* Nothing is written past the struct the module knows. */
		for (i = c->size; i < c->size + 64; i++)
			ASSERT_EQ(0, b.bytes[i]);
	}
}

TEST_F(abi_dev, unreadable_struct_fails_efault)
{
	void *bad = unmapped_page();
	const struct abi_cmd *c;

	ASSERT_NE(NULL, bad);
	for_each_cmd(c) {
		EXPECT_ERRNO(EFAULT, neg_errno(ioctl(self->dev, c->ioctl_nr,
						     NULL)));
		EXPECT_ERRNO(EFAULT, neg_errno(ioctl(self->dev, c->ioctl_nr,
						     bad)));
	}
}

TEST_F(abi_dev, nonzero_reserved_fails_einval)
{
	const struct abi_cmd *c;
	union cmd_buf b;
	int expected, ret;

	for_each_cmd(c) {
		if (c->reserved_off < 0)
			continue;
		memset(&b, 0, sizeof(b));
		expected = c->build(_metadata, &b);
		b.create.size = c->size;
		b.bytes[c->reserved_off + 3] = 0x80;
		ret = neg_errno(ioctl(self->dev, c->ioctl_nr, &b));
		if (ret >= 0 && expected == RESULT_FD)
			close(ret);
		if (ret != -EINVAL)
			TH_LOG("%s", c->name);
		EXPECT_ERRNO(EINVAL, ret);
	}
}

TEST_F(abi_dev, unknown_ioctl_numbers_fail_enotty)
{
	const struct abi_cmd *c;
	union cmd_buf b;
	unsigned int nr;

	memset(&b, 0, sizeof(b));
	b.elem.size = sizeof(b.elem);
	for (nr = 0; nr < 256; nr++) {
		bool known = false;

		for_each_cmd(c)
			if (_IOC_NR(c->ioctl_nr) == nr)
				known = true;
		if (known)
			continue;
		EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(self->dev,
						     _IO(BPFMAP_IOCTL_TYPE, nr),
						     &b)));
		/* ENOTTY comes before the struct is read. */
		EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(self->dev,
						     _IO(BPFMAP_IOCTL_TYPE, nr),
						     NULL)));
	}
	/* A foreign type with a bpfmap command's nr. */
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(self->dev, _IO('X', 1), &b)));
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(self->dev, _IO(0xBE, 1), &b)));
	/* The right type and nr, but with direction and size bits. */
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(self->dev,
					     _IOWR(BPFMAP_IOCTL_TYPE, 1,
						   struct bpfmap_elem), &b)));
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(self->dev,
					     _IOW(BPFMAP_IOCTL_TYPE, 0,
						  struct bpfmap_map_create),
					     &b)));
}

TEST_F(abi_dev, dev_fd_and_bpf_map_fd_are_not_bpfmap_maps)
{
	union bpf_attr attr;
	__u32 key = 0;
	__u64 v = 0;
	int kfd;

	/* The /dev/bpfmap fd itself. */
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem(self->dev, &key, &v));
	EXPECT_ERRNO(EINVAL, bpfmap_map_update_elem(self->dev, &key, &v, 0));

	/* A map of the kernel's own bpf(2). */
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 2;
	kfd = neg_errno(syscall(__NR_bpf, BPF_MAP_CREATE, &attr,
				sizeof(attr)));
	ASSERT_LE(0, kfd);
	EXPECT_ERRNO(EINVAL, bpfmap_map_lookup_elem(kfd, &key, &v));
	EXPECT_ERRNO(EINVAL, bpfmap_map_freeze(kfd));
	close(kfd);
}

/* ---- DEV only: the map commands issued on the map fd itself ---- */

/* One element command on @fd itself; returns the result or -errno. */
static int fd_elem(int fd, unsigned long nr, const void *key, void *value,
		   __u64 flags)
{
	struct bpfmap_elem e = {
		.size = sizeof(e),
		.key = (__u64)(unsigned long)key,
		.value = (__u64)(unsigned long)value,
		.flags = flags,
	};

	return neg_errno(ioctl(fd, nr, &e));
}

TEST_F(abi_dev, every_element_command_works_on_the_map_fd)
{
	int fd = CREATE_MAP(BPFMAP_MAP_TYPE_HASH, 4, 0);
	__u32 key = 7, next = 0;
	__u64 v = 0x1122334455667788ULL, out = 0;

	EXPECT_EQ(0, fd_elem(fd, BPFMAP_IOCTL_FD_UPDATE_ELEM, &key, &v,
			     BPFMAP_NOEXIST));
	EXPECT_ERRNO(EEXIST, fd_elem(fd, BPFMAP_IOCTL_FD_UPDATE_ELEM, &key,
				     &v, BPFMAP_NOEXIST));
	EXPECT_EQ(0, fd_elem(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM, &key, &out, 0));
	EXPECT_EQ(v, out);
	EXPECT_EQ(0, fd_elem(fd, BPFMAP_IOCTL_FD_GET_NEXT_KEY, NULL, &next,
			     0));
	EXPECT_EQ(key, next);
	out = 0;
	EXPECT_EQ(0, fd_elem(fd, BPFMAP_IOCTL_FD_LOOKUP_AND_DELETE_ELEM, &key,
			     &out, 0));
	EXPECT_EQ(v, out);
	EXPECT_ERRNO(ENOENT, fd_elem(fd, BPFMAP_IOCTL_FD_DELETE_ELEM, &key,
				     NULL, 0));
	EXPECT_EQ(0, fd_elem(fd, BPFMAP_IOCTL_FD_UPDATE_ELEM, &key, &v, 0));
	EXPECT_EQ(0, fd_elem(fd, BPFMAP_IOCTL_FD_DELETE_ELEM, &key, NULL, 0));
	/* What the map fd changed, /dev/bpfmap sees, and back. */
	EXPECT_ERRNO(ENOENT, bpfmap_map_lookup_elem(fd, &key, &out));
	EXPECT_EQ(0, fd_elem(fd, BPFMAP_IOCTL_FD_FREEZE, NULL, NULL, 0));
	EXPECT_ERRNO(EPERM, raw_elem_cmd(BPFMAP_MAP_UPDATE_ELEM, fd, K(&key),
					 K(&v), 0));
	close(fd);
}

TEST_F(abi_dev, map_fd_batch_commands_write_count_back)
{
	int fd = CREATE_MAP(BPFMAP_MAP_TYPE_HASH, 8, 0);
	__u32 keys[3] = { 1, 2, 3 }, got[8], token = 0;
	__u64 vals[3] = { 10, 20, 30 }, vgot[8];
	struct bpfmap_batch b = {
		.size = sizeof(b),
		.keys = (__u64)(unsigned long)keys,
		.values = (__u64)(unsigned long)vals,
		.count = 3,
	};

	EXPECT_EQ(0, neg_errno(ioctl(fd, BPFMAP_IOCTL_FD_UPDATE_BATCH, &b)));
	EXPECT_EQ(3U, b.count);

	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.out_batch = (__u64)(unsigned long)&token;
	b.keys = (__u64)(unsigned long)got;
	b.values = (__u64)(unsigned long)vgot;
	b.count = 8;
	EXPECT_ERRNO(ENOENT, neg_errno(ioctl(fd, BPFMAP_IOCTL_FD_LOOKUP_BATCH,
					     &b)));
	EXPECT_EQ(3U, b.count);

	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.keys = (__u64)(unsigned long)keys;
	b.count = 3;
	EXPECT_EQ(0, neg_errno(ioctl(fd, BPFMAP_IOCTL_FD_DELETE_BATCH, &b)));
	EXPECT_EQ(3U, b.count);
	EXPECT_ERRNO(ENOENT, bpfmap_map_get_next_key(fd, NULL, got));
	close(fd);
}

TEST_F(abi_dev, map_fd_command_with_map_fd_or_size_set_wrong_fails_einval)
{
	int fd = CREATE_MAP(BPFMAP_MAP_TYPE_ARRAY, 2, 0);
	__u32 key = 0;
	__u64 v = 0;
	struct bpfmap_elem e = {
		.size = sizeof(e),
		.map_fd = (__u32)fd,
		.key = (__u64)(unsigned long)&key,
		.value = (__u64)(unsigned long)&v,
	};

	/* map_fd names the map already; even its own number is refused. */
	EXPECT_ERRNO(EINVAL, neg_errno(ioctl(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM,
					     &e)));
	e.map_fd = 0;
	e.size = sizeof(e) - 8;
	EXPECT_ERRNO(EINVAL, neg_errno(ioctl(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM,
					     &e)));
	e.size = sizeof(e) + 8;
	EXPECT_ERRNO(EINVAL, neg_errno(ioctl(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM,
					     &e)));
	e.size = sizeof(e);
	EXPECT_EQ(0, neg_errno(ioctl(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM, &e)));
	/* The struct itself unreadable. */
	EXPECT_ERRNO(EFAULT, neg_errno(ioctl(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM,
					     NULL)));
	close(fd);
}

TEST_F(abi_dev, map_fd_command_checks_unused_fields_like_dev)
{
	int fd = CREATE_MAP(BPFMAP_MAP_TYPE_HASH, 2, 0);
	__u32 key = 0;
	__u64 v = 0;

	EXPECT_ERRNO(EINVAL, fd_elem(fd, BPFMAP_IOCTL_FD_DELETE_ELEM, &key,
				     &v, 0));
	EXPECT_ERRNO(EINVAL, fd_elem(fd, BPFMAP_IOCTL_FD_DELETE_ELEM, &key,
				     NULL, 1));
	EXPECT_ERRNO(EINVAL, fd_elem(fd, BPFMAP_IOCTL_FD_GET_NEXT_KEY, &key,
				     &v, 1));
	EXPECT_ERRNO(EINVAL, fd_elem(fd, BPFMAP_IOCTL_FD_FREEZE, &key, NULL,
				     0));
	EXPECT_ERRNO(EINVAL, fd_elem(fd, BPFMAP_IOCTL_FD_LOOKUP_AND_DELETE_ELEM,
				     &key, &v, 0x100));
	EXPECT_ERRNO(EINVAL, fd_elem(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM, &key,
				     &v, 0x100));
	/* Faulting key and value pointers, at every size the fast path has. */
	EXPECT_ERRNO(EFAULT, fd_elem(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM, NULL,
				     &v, 0));
	EXPECT_ERRNO(EFAULT, fd_elem(fd, BPFMAP_IOCTL_FD_UPDATE_ELEM, &key,
				     NULL, 0));
	EXPECT_EQ(0, fd_elem(fd, BPFMAP_IOCTL_FD_UPDATE_ELEM, &key, &v, 0));
	EXPECT_ERRNO(EFAULT, fd_elem(fd, BPFMAP_IOCTL_FD_LOOKUP_ELEM, &key,
				     NULL, 0));
	close(fd);
}

TEST_F(abi_dev, map_fd_command_honours_the_fd_open_mode)
{
	int fd = CREATE_MAP(BPFMAP_MAP_TYPE_ARRAY, 2, 0), ro, wo;
	__u32 key = 1;
	__u64 v = 9, out = 0;

	ro = bpfmap_map_get_fd_by_id_opts(map_id(_metadata, fd),
					  BPFMAP_F_RDONLY);
	wo = bpfmap_map_get_fd_by_id_opts(map_id(_metadata, fd),
					  BPFMAP_F_WRONLY);
	ASSERT_LE(0, ro);
	ASSERT_LE(0, wo);
	EXPECT_ERRNO(EPERM, fd_elem(ro, BPFMAP_IOCTL_FD_UPDATE_ELEM, &key, &v,
				    0));
	EXPECT_ERRNO(EPERM, fd_elem(ro, BPFMAP_IOCTL_FD_FREEZE, NULL, NULL,
				    0));
	EXPECT_EQ(0, fd_elem(wo, BPFMAP_IOCTL_FD_UPDATE_ELEM, &key, &v, 0));
	EXPECT_ERRNO(EPERM, fd_elem(wo, BPFMAP_IOCTL_FD_LOOKUP_ELEM, &key,
				    &out, 0));
	EXPECT_EQ(0, fd_elem(ro, BPFMAP_IOCTL_FD_LOOKUP_ELEM, &key, &out, 0));
	EXPECT_EQ(v, out);
	close(wo);
	close(ro);
	close(fd);
}

TEST_F(abi_dev, dev_numbers_and_unknown_numbers_on_a_map_fd_fail_enotty)
{
	int fd = CREATE_MAP(BPFMAP_MAP_TYPE_ARRAY, 2, 0);
	union cmd_buf b;

	memset(&b, 0, sizeof(b));
	b.elem.size = sizeof(b.elem);
	/* The /dev/bpfmap numbers carry no size. */
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(fd, BPFMAP_IOCTL_MAP_LOOKUP_ELEM,
					     &b)));
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(fd, BPFMAP_IOCTL_MAP_CREATE, &b)));
	/* Commands that are not about one map. */
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(fd,
					     _IOW(BPFMAP_IOCTL_TYPE,
						  BPFMAP_MAP_CREATE,
						  struct bpfmap_elem), &b)));
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(fd,
					     _IOW(BPFMAP_IOCTL_TYPE,
						  BPFMAP_MAP_GET_NEXT_ID,
						  struct bpfmap_elem), &b)));
	/* A known nr with another size or direction. */
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(fd,
					     _IOW(BPFMAP_IOCTL_TYPE,
						  BPFMAP_MAP_LOOKUP_ELEM,
						  struct bpfmap_batch), &b)));
	EXPECT_ERRNO(ENOTTY, neg_errno(ioctl(fd,
					     _IOR(BPFMAP_IOCTL_TYPE,
						  BPFMAP_MAP_LOOKUP_ELEM,
						  struct bpfmap_elem), &b)));
	close(fd);
}

TEST_HARNESS_MAIN
