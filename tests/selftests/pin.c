// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Pinning on both backends: OBJ_PIN / OBJ_GET into a bpfmapfs (bpfmap)
 * and a bpffs (kernel).  Every case runs in a directory of its own under
 * the backend's mount, removed by the teardown.
 *
 * Cases: a pinned map outlives its fds; unlinking the pin lets the map
 * go; fds opened from a pin have the mode asked for; the file's
 * permissions hold for a non-root user; directories, links and symlinks;
 * each errno of BPF_OBJ_PIN / BPF_OBJ_GET; umount drops what was pinned.
 */
#define _GNU_SOURCE	/* setresuid() */
#include <dirent.h>
#include <grp.h>
#include <sys/wait.h>

#include "bpfmap_test.h"

#define NOBODY		65534

FIXTURE(pin) {
	char dir[128];		/* this case's directory */
	char path[192];		/* dir/map */
	int fd;			/* HASH, key 1 = 42 */
	__u32 id;
};

FIXTURE_VARIANT(pin) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(pin);

static __u32 fd_map_id(struct __test_metadata *_metadata, int fd)
{
	struct bpfmap_info info;

	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(fd, &info));
	return info.id;
}

FIXTURE_SETUP(pin)
{
	__u32 key = 1;
	__u64 value = 42;

	SETUP_BACKEND(variant->backend);
	ASSERT_EQ(0, pin_fs_mount(variant->backend));
	snprintf(self->dir, sizeof(self->dir), "%s/selftest_pin_%d",
		 pin_fs_root(variant->backend), getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	snprintf(self->path, sizeof(self->path), "%s/map", self->dir);
	self->fd = CREATE_MAP(BPFMAP_MAP_TYPE_HASH, 4, 0);
	ASSERT_EQ(0, bpfmap_map_update_elem(self->fd, &key, &value,
					    BPFMAP_ANY));
	self->id = fd_map_id(_metadata, self->fd);
}

/* Empties and removes @dir: pinned maps, links and subdirectories. */
static void rm_tree(const char *dir)
{
	struct dirent *d;
	char sub[512];
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name);
		if (d->d_type == DT_DIR)
			rm_tree(sub);
		else
			unlink(sub);
	}
	closedir(dp);
	rmdir(dir);
}

FIXTURE_TEARDOWN(pin)
{
	close(self->fd);
	rm_tree(self->dir);
}

/* Raw OBJ_PIN / OBJ_GET, for what libbpfmap would not send. */
static int raw_obj_cmd(unsigned int cmd, __u32 bpf_fd, __u64 pathname,
		       __u32 file_flags)
{
	if (backend_is_dev()) {
		struct bpfmap_obj o = {
			.size = sizeof(o),
			.bpf_fd = bpf_fd,
			.pathname = pathname,
			.file_flags = file_flags,
		};

		return neg_errno(ioctl(bpfmap_dev_fd(),
				       _IO(BPFMAP_IOCTL_TYPE, cmd), &o));
	} else {
		union bpf_attr attr;

		memset(&attr, 0, sizeof(attr));
		attr.bpf_fd = bpf_fd;
		attr.pathname = pathname;
		attr.file_flags = file_flags;
		return neg_errno(syscall(__NR_bpf, cmd, &attr, sizeof(attr)));
	}
}

/* The value of key 1 through @fd, or -errno. */
static long long value_of_key1(int fd)
{
	__u32 key = 1;
	__u64 value = 0;
	int err = bpfmap_map_lookup_elem(fd, &key, &value);

	return err ? err : (long long)value;
}

/*
 * Waits up to 2 s for map @id to disappear: 0 once GET_FD_BY_ID says
 * ENOENT, else the last result (an fd is closed and counted as 0 + 1).
 */
static int wait_for_id_gone(__u32 id)
{
	int i, ret = 0;

	for (i = 0; i < 200; i++) {
		ret = bpfmap_map_get_fd_by_id(id);
		if (ret == -ENOENT)
			return 0;
		if (ret >= 0) {
			close(ret);
			ret = 1;
		}
		usleep(10000);
	}
	return ret;
}

/* 1 when map @id can be opened by id now. */
static bool id_exists(__u32 id)
{
	int fd = bpfmap_map_get_fd_by_id(id);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

TEST_F(pin, pinned_map_outlives_its_last_fd)
{
	int fd;

	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	close(self->fd);
	self->fd = -1;
	EXPECT_TRUE(id_exists(self->id));

	fd = bpfmap_obj_get(self->path, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->id, fd_map_id(_metadata, fd));
	EXPECT_EQ(42, value_of_key1(fd));
	/* Any number of fds, each on its own. */
	self->fd = bpfmap_obj_get(self->path, 0);
	ASSERT_LE(0, self->fd);
	close(fd);
	EXPECT_EQ(42, value_of_key1(self->fd));
}

TEST_F(pin, unlinking_the_pin_frees_the_map_once_its_fds_are_gone)
{
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	close(self->fd);
	self->fd = -1;
	ASSERT_TRUE(id_exists(self->id));

	ASSERT_EQ(0, unlink(self->path));
	EXPECT_EQ(0, wait_for_id_gone(self->id));
	EXPECT_FD_ERRNO(ENOENT, bpfmap_obj_get(self->path, 0));
}

TEST_F(pin, unlinking_the_pin_leaves_a_map_with_open_fds)
{
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	ASSERT_EQ(0, unlink(self->path));
	EXPECT_TRUE(id_exists(self->id));
	EXPECT_EQ(42, value_of_key1(self->fd));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, wait_for_id_gone(self->id));
}

TEST_F(pin, a_hard_link_or_a_rename_keeps_the_pin)
{
	char other[256], moved[256];
	int fd;

	snprintf(other, sizeof(other), "%s/other", self->dir);
	snprintf(moved, sizeof(moved), "%s/moved", self->dir);
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	close(self->fd);
	self->fd = -1;

	ASSERT_EQ(0, link(self->path, other));
	ASSERT_EQ(0, unlink(self->path));
	ASSERT_EQ(0, rename(other, moved));
	EXPECT_TRUE(id_exists(self->id));
	fd = bpfmap_obj_get(moved, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(42, value_of_key1(fd));
	close(fd);
	ASSERT_EQ(0, unlink(moved));
	EXPECT_EQ(0, wait_for_id_gone(self->id));
}

TEST_F(pin, rdonly_fd_from_a_pin_cannot_update_and_wronly_cannot_lookup)
{
	__u32 key = 1;
	__u64 value = 7;
	int ro, wo, rw;

	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	ro = bpfmap_obj_get(self->path, BPFMAP_F_RDONLY);
	ASSERT_LE(0, ro);
	wo = bpfmap_obj_get(self->path, BPFMAP_F_WRONLY);
	ASSERT_LE(0, wo);
	rw = bpfmap_obj_get(self->path, 0);
	ASSERT_LE(0, rw);

	EXPECT_EQ(42, value_of_key1(ro));
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(ro, &key, &value,
						   BPFMAP_ANY));
	EXPECT_ERRNO(EPERM, bpfmap_map_delete_elem(ro, &key));

	EXPECT_ERRNO(EPERM, value_of_key1(wo));
	EXPECT_EQ(0, bpfmap_map_update_elem(wo, &key, &value, BPFMAP_ANY));

	EXPECT_EQ(7, value_of_key1(rw));
	value = 8;
	EXPECT_EQ(0, bpfmap_map_update_elem(rw, &key, &value, BPFMAP_ANY));
	close(ro);
	close(wo);
	close(rw);
}

TEST_F(pin, pinned_file_mode_is_0600_less_the_umask)
{
	char path2[256];
	struct stat st;
	mode_t old;

	snprintf(path2, sizeof(path2), "%s/map2", self->dir);
	old = umask(0);
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	umask(0277);
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, path2));
	umask(old);

	ASSERT_EQ(0, stat(self->path, &st));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(0600U, st.st_mode & 07777);
	EXPECT_EQ(0U, st.st_uid);
	ASSERT_EQ(0, stat(path2, &st));
	EXPECT_EQ(0400U, st.st_mode & 07777);
	/* Without write permission root still gets a read-write fd. */
	EXPECT_FD_ERRNO(0, bpfmap_obj_get(path2, 0));
}

TEST_F(pin, a_pinned_map_cannot_be_opened_as_a_file)
{
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	EXPECT_FD_ERRNO(EIO, neg_errno(open(self->path, O_RDONLY)));
}

/*
 * What a non-root user (nobody, with no capability) gets, measured in a
 * child so that this process keeps its credentials for the teardown.
 * The child writes one result per step to a pipe.
 */
enum {
	NR_GET_0600_RDWR,
	NR_GET_0600_RDONLY,
	NR_GET_0644_RDONLY,
	NR_GET_0644_WRONLY,
	NR_GET_0644_RDWR,
	NR_GET_0222_WRONLY,
	NR_PIN_IN_ROOT_DIR,
	NR_PIN_IN_OPEN_DIR,
	NR_STEPS
};

static void nobody_steps(int map_fd, const char *dir, int out)
{
	int res[NR_STEPS];
	char p[256];

	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		_exit(2);
	snprintf(p, sizeof(p), "%s/m600", dir);
	res[NR_GET_0600_RDWR] = fd_result(bpfmap_obj_get(p, 0));
	res[NR_GET_0600_RDONLY] = fd_result(bpfmap_obj_get(p,
							   BPFMAP_F_RDONLY));
	snprintf(p, sizeof(p), "%s/m644", dir);
	res[NR_GET_0644_RDONLY] = fd_result(bpfmap_obj_get(p,
							   BPFMAP_F_RDONLY));
	res[NR_GET_0644_WRONLY] = fd_result(bpfmap_obj_get(p,
							   BPFMAP_F_WRONLY));
	res[NR_GET_0644_RDWR] = fd_result(bpfmap_obj_get(p, 0));
	snprintf(p, sizeof(p), "%s/m222", dir);
	res[NR_GET_0222_WRONLY] = fd_result(bpfmap_obj_get(p,
							   BPFMAP_F_WRONLY));
	snprintf(p, sizeof(p), "%s/by_nobody", dir);
	res[NR_PIN_IN_ROOT_DIR] = bpfmap_obj_pin(map_fd, p);
	snprintf(p, sizeof(p), "%s/open/by_nobody", dir);
	res[NR_PIN_IN_OPEN_DIR] = bpfmap_obj_pin(map_fd, p);
	if (write(out, res, sizeof(res)) != sizeof(res))
		_exit(3);
	_exit(0);
}

TEST_F(pin, file_permissions_hold_for_a_non_root_user)
{
	const struct { const char *name; mode_t mode; } files[] = {
		{ "m600", 0600 }, { "m644", 0644 }, { "m222", 0222 },
	};
	int res[NR_STEPS], pipefd[2], status;
	char p[512], open_dir[256];
	unsigned int i;
	struct stat st;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", self->dir, files[i].name);
		ASSERT_EQ(0, bpfmap_obj_pin(self->fd, p));
		ASSERT_EQ(0, chmod(p, files[i].mode));
	}
	snprintf(open_dir, sizeof(open_dir), "%s/open", self->dir);
	ASSERT_EQ(0, mkdir(open_dir, 0777));
	ASSERT_EQ(0, chmod(open_dir, 0777));

	/* The bpfmap backend's /dev/bpfmap is open already (0600 root). */
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		nobody_steps(self->fd, self->dir, pipefd[1]);
	}
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ((ssize_t)sizeof(res), read(pipefd[0], res, sizeof(res)));
	close(pipefd[0]);

	EXPECT_ERRNO(EACCES, res[NR_GET_0600_RDWR]);
	EXPECT_ERRNO(EACCES, res[NR_GET_0600_RDONLY]);
	EXPECT_ERRNO(0, res[NR_GET_0644_RDONLY]);
	EXPECT_ERRNO(EACCES, res[NR_GET_0644_WRONLY]);
	EXPECT_ERRNO(EACCES, res[NR_GET_0644_RDWR]);
	EXPECT_ERRNO(0, res[NR_GET_0222_WRONLY]);
	/* The case's directory is 0755 root: no write for nobody. */
	EXPECT_ERRNO(EACCES, res[NR_PIN_IN_ROOT_DIR]);
	EXPECT_ERRNO(0, res[NR_PIN_IN_OPEN_DIR]);

	/* nobody owns what nobody pinned. */
	snprintf(p, sizeof(p), "%s/by_nobody", open_dir);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ((uid_t)NOBODY, st.st_uid);
	EXPECT_EQ((gid_t)NOBODY, st.st_gid);
}

TEST_F(pin, directories_can_be_made_filled_and_removed)
{
	char sub[160], deeper[192], p[224];
	struct stat st;
	mode_t old;
	int fd;

	snprintf(sub, sizeof(sub), "%s/sub", self->dir);
	snprintf(deeper, sizeof(deeper), "%s/deeper", sub);
	snprintf(p, sizeof(p), "%s/map", deeper);

	old = umask(022);
	ASSERT_EQ(0, mkdir(sub, 0777));
	umask(old);
	ASSERT_EQ(0, stat(sub, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0755U, st.st_mode & 07777);
	EXPECT_ERRNO(EEXIST, neg_errno(mkdir(sub, 0755)));
	ASSERT_EQ(0, mkdir(deeper, 0700));

	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, p));
	fd = bpfmap_obj_get(p, BPFMAP_F_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(42, value_of_key1(fd));
	close(fd);

	EXPECT_ERRNO(ENOTEMPTY, neg_errno(rmdir(deeper)));
	EXPECT_ERRNO(ENOTDIR, neg_errno(rmdir(p)));
	EXPECT_ERRNO(EISDIR, neg_errno(unlink(deeper)));
	ASSERT_EQ(0, unlink(p));
	EXPECT_EQ(0, rmdir(deeper));
	EXPECT_EQ(0, rmdir(sub));
	EXPECT_ERRNO(ENOENT, neg_errno(stat(sub, &st)));
}

/* --- BPF_OBJ_PIN errors ------------------------------------------------- */

TEST_F(pin, pin_outside_the_pinning_filesystem_fails_eperm)
{
	enum bpfmap_backend other = backend_is_dev() ? BPFMAP_BACKEND_KERNEL :
						       BPFMAP_BACKEND_DEV;
	char p[256];

	/* /tmp is a tmpfs. */
	snprintf(p, sizeof(p), "/tmp/selftest_pin_%d", getpid());
	EXPECT_ERRNO(EPERM, bpfmap_obj_pin(self->fd, p));
	EXPECT_ERRNO(ENOENT, neg_errno(access(p, F_OK)));
	/* The other backend's filesystem is not this one's either. */
	ASSERT_EQ(0, pin_fs_mount(other));
	snprintf(p, sizeof(p), "%s/selftest_pin_%d", pin_fs_root(other),
		 getpid());
	EXPECT_ERRNO(EPERM, bpfmap_obj_pin(self->fd, p));
	EXPECT_ERRNO(ENOENT, neg_errno(access(p, F_OK)));
}

TEST_F(pin, pin_at_an_existing_name_fails_eexist)
{
	char sub[256];

	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	EXPECT_ERRNO(EEXIST, bpfmap_obj_pin(self->fd, self->path));
	snprintf(sub, sizeof(sub), "%s/sub", self->dir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	EXPECT_ERRNO(EEXIST, bpfmap_obj_pin(self->fd, sub));
	EXPECT_ERRNO(EEXIST, bpfmap_obj_pin(self->fd, self->dir));
}

TEST_F(pin, pin_below_a_missing_directory_or_a_file_fails)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/missing/map", self->dir);
	EXPECT_ERRNO(ENOENT, bpfmap_obj_pin(self->fd, p));
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	snprintf(p, sizeof(p), "%s/below", self->path);
	EXPECT_ERRNO(ENOTDIR, bpfmap_obj_pin(self->fd, p));
	EXPECT_ERRNO(ENOENT, bpfmap_obj_pin(self->fd, ""));
	/* The root of the filesystem itself exists. */
	EXPECT_ERRNO(EEXIST, bpfmap_obj_pin(self->fd,
					    pin_fs_root(variant->backend)));
}

TEST_F(pin, names_with_a_dot_are_reserved_eperm)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/a.map", self->dir);
	EXPECT_ERRNO(EPERM, bpfmap_obj_pin(self->fd, p));
	EXPECT_ERRNO(EPERM, neg_errno(mkdir(p, 0755)));
	EXPECT_FD_ERRNO(EPERM, bpfmap_obj_get(p, 0));
}

TEST_F(pin, pin_of_an_fd_that_is_not_a_map_fails_einval)
{
	int file = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, file);
	EXPECT_ERRNO(EINVAL, bpfmap_obj_pin(file, self->path));
	close(file);
	/* bpf(2) probes for a map, a program and a link: EINVAL even here. */
	EXPECT_ERRNO(EINVAL, bpfmap_obj_pin(closed_fd(), self->path));
	EXPECT_ERRNO(EINVAL, bpfmap_obj_pin(-1, self->path));
	EXPECT_ERRNO(ENOENT, neg_errno(access(self->path, F_OK)));
}

TEST_F(pin, pin_of_the_other_backends_map_fails_einval)
{
	enum bpfmap_backend mine = bpfmap_backend_current();
	int other;

	ASSERT_EQ(0, bpfmap_backend_select(backend_is_dev() ?
					   BPFMAP_BACKEND_KERNEL :
					   BPFMAP_BACKEND_DEV));
	other = CREATE_MAP(BPFMAP_MAP_TYPE_ARRAY, 1, 0);
	ASSERT_EQ(0, bpfmap_backend_select(mine));
	EXPECT_ERRNO(EINVAL, bpfmap_obj_pin(other, self->path));
	close(other);
}

TEST_F(pin, pin_with_file_flags_or_a_bad_path_pointer_fails)
{
	void *bad = unmapped_page();

	ASSERT_NE(NULL, bad);
	EXPECT_ERRNO(EINVAL, raw_obj_cmd(BPF_OBJ_PIN, self->fd,
					 ptr_to_u64(self->path),
					 BPFMAP_F_RDONLY));
	EXPECT_ERRNO(EINVAL, raw_obj_cmd(BPF_OBJ_PIN, self->fd,
					 ptr_to_u64(self->path),
					 BPFMAP_F_WRONLY));
	EXPECT_ERRNO(EFAULT, raw_obj_cmd(BPF_OBJ_PIN, self->fd, 0, 0));
	EXPECT_ERRNO(EFAULT, raw_obj_cmd(BPF_OBJ_PIN, self->fd,
					 ptr_to_u64(bad), 0));
	EXPECT_ERRNO(ENOENT, neg_errno(access(self->path, F_OK)));
	EXPECT_ERRNO(0, raw_obj_cmd(BPF_OBJ_PIN, self->fd,
				    ptr_to_u64(self->path), 0));
}

/* --- BPF_OBJ_GET errors ------------------------------------------------- */

TEST_F(pin, get_with_bad_flags_or_a_bpf_fd_fails_einval)
{
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	EXPECT_FD_ERRNO(EINVAL, bpfmap_obj_get(self->path,
					       BPFMAP_F_RDONLY |
					       BPFMAP_F_WRONLY));
	EXPECT_FD_ERRNO(EINVAL, bpfmap_obj_get(self->path, 1U << 5));
	EXPECT_FD_ERRNO(EINVAL, bpfmap_obj_get(self->path,
					       BPFMAP_F_NO_PREALLOC));
	EXPECT_FD_ERRNO(EINVAL, raw_obj_cmd(BPF_OBJ_GET, self->fd,
					    ptr_to_u64(self->path), 0));
	/* Flags are checked before the path. */
	EXPECT_FD_ERRNO(EINVAL, raw_obj_cmd(BPF_OBJ_GET, 0, 0,
					    BPFMAP_F_RDONLY |
					    BPFMAP_F_WRONLY));
	EXPECT_FD_ERRNO(0, raw_obj_cmd(BPF_OBJ_GET, 0,
				       ptr_to_u64(self->path), 0));
}

TEST_F(pin, get_of_a_missing_path_fails_enoent)
{
	char p[256];

	EXPECT_FD_ERRNO(ENOENT, bpfmap_obj_get(self->path, 0));
	snprintf(p, sizeof(p), "%s/missing/map", self->dir);
	EXPECT_FD_ERRNO(ENOENT, bpfmap_obj_get(p, 0));
	EXPECT_FD_ERRNO(ENOENT, bpfmap_obj_get("", 0));
	EXPECT_FD_ERRNO(EFAULT, raw_obj_cmd(BPF_OBJ_GET, 0, 0, 0));
}

TEST_F(pin, get_of_something_that_is_not_a_pinned_map_fails_eacces)
{
	char p[256];
	int f;

	/* A directory of the filesystem, and its root. */
	EXPECT_FD_ERRNO(EACCES, bpfmap_obj_get(self->dir, 0));
	EXPECT_FD_ERRNO(EACCES, bpfmap_obj_get(self->dir, BPFMAP_F_RDONLY));
	EXPECT_FD_ERRNO(EACCES, bpfmap_obj_get(pin_fs_root(variant->backend),
					       BPFMAP_F_RDONLY));
	/* A file of another filesystem. */
	snprintf(p, sizeof(p), "/tmp/selftest_pin_%d", getpid());
	f = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	ASSERT_LE(0, f);
	close(f);
	EXPECT_FD_ERRNO(EACCES, bpfmap_obj_get(p, 0));
	unlink(p);
	EXPECT_FD_ERRNO(EACCES, bpfmap_obj_get("/dev/null", 0));
}

TEST_F(pin, get_follows_symlinks_from_other_filesystems)
{
	char link_path[256];
	int fd;

	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	snprintf(link_path, sizeof(link_path), "/tmp/selftest_pin_link_%d",
		 getpid());
	ASSERT_EQ(0, symlink(self->path, link_path));
	fd = bpfmap_obj_get(link_path, BPFMAP_F_RDONLY);
	unlink(link_path);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->id, fd_map_id(_metadata, fd));
	close(fd);
}

TEST_F(pin, symlinks_in_the_filesystem_lead_to_the_pinned_map)
{
	char link_path[256], target[16];
	ssize_t n;
	int fd;

	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, self->path));
	snprintf(link_path, sizeof(link_path), "%s/link", self->dir);
	ASSERT_EQ(0, symlink("map", link_path));
	n = readlink(link_path, target, sizeof(target));
	ASSERT_EQ(3, n);
	EXPECT_EQ(0, memcmp(target, "map", 3));
	fd = bpfmap_obj_get(link_path, BPFMAP_F_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(self->id, fd_map_id(_metadata, fd));
	close(fd);
	/* The link is not the pin: removing it leaves the map pinned. */
	ASSERT_EQ(0, unlink(link_path));
	EXPECT_FD_ERRNO(0, bpfmap_obj_get(self->path, 0));
	/* A dangling link: the lookup of its target fails. */
	ASSERT_EQ(0, symlink("gone", link_path));
	EXPECT_FD_ERRNO(ENOENT, bpfmap_obj_get(link_path, 0));
}

/* --- umount --------------------------------------------------------------- */

TEST_F(pin, umount_frees_the_maps_pinned_in_that_mount)
{
	char mnt[] = "/tmp/selftest_pin_mnt_XXXXXX";
	char p[64];
	int fd;

	ASSERT_NE(NULL, mkdtemp(mnt));
	ASSERT_EQ(0, mount(pin_fs_type(variant->backend), mnt,
			   pin_fs_type(variant->backend), 0, NULL));
	/* A new instance: the other mount's pins are not in it. */
	ASSERT_TRUE(pin_fs_is_at(variant->backend, mnt));
	snprintf(p, sizeof(p), "%s/map", mnt);
	ASSERT_EQ(0, bpfmap_obj_pin(self->fd, p));
	close(self->fd);
	self->fd = -1;
	fd = bpfmap_obj_get(p, 0);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_TRUE(id_exists(self->id));

	ASSERT_EQ(0, umount(mnt));
	EXPECT_EQ(0, wait_for_id_gone(self->id));
	EXPECT_EQ(0, rmdir(mnt));
}

TEST_HARNESS_MAIN
