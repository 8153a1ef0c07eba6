// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * bpfmapfs: the pseudo-filesystem that pins maps, as bpffs pins BPF
 * objects for BPF_OBJ_PIN / BPF_OBJ_GET.
 *
 * A pinned map is a regular file whose inode holds one map reference,
 * dropped when the inode goes (last unlink and no user left, or umount).
 * Directories come and go with mkdir / rmdir; symlink, link and rename
 * work as on any in-memory filesystem.  Opening a pinned file fails with EIO, as it
 * does on bpffs for a map without BTF: the file is a name, not a window on
 * the map; OBJ_GET turns it back into a map fd.
 *
 * Lifetime: each mounted instance holds a reference to this module (the
 * filesystem's owner), so the module cannot be unloaded while a bpfmapfs
 * is mounted.  Umount evicts every inode and so drops every pinned map;
 * module exit then waits for their deferred frees (bpfmap_uninit_ids()).
 * The inodes' RCU callbacks run bpfmapfs_free_inode(); module exit waits
 * for them.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/kobject.h>
#include <linux/namei.h>
#include <linux/rcupdate.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

/* <linux/security.h> may bring <linux/bpf.h>: see bpfmap.h. */
#define BPFMAP_NO_TYPE_OPS
#include "bpfmap.h"

/* The mount point the module provides, /sys/fs/bpfmap, as bpffs has bpf. */
#define BPFMAPFS_MOUNT_POINT	"bpfmap"

static const struct inode_operations bpfmapfs_dir_iops;

/* Pinned maps are told apart from directories by this i_op. */
static const struct inode_operations bpfmapfs_map_iops = { };

/* Called from open(2) on a pinned map: bpffs says EIO for such maps. */
static int bpfmapfs_obj_open(struct inode *inode, struct file *file)
{
	return -EIO;
}

static const struct file_operations bpfmapfs_obj_fops = {
	.open = bpfmapfs_obj_open,
};

/*
 * A new inode of @mode in @dir, owned by the caller as on any filesystem
 * (setgid directories included).  Called with @dir locked; may sleep.
 */
static struct inode *bpfmapfs_new_inode(struct inode *dir, umode_t mode)
{
	struct inode *inode = new_inode(dir->i_sb);

	if (!inode)
		return ERR_PTR(-ENOSPC);
	inode->i_ino = get_next_ino();
	simple_inode_init_ts(inode);
	inode_init_owner(&nop_mnt_idmap, inode, dir, mode);
	return inode;
}

/* The dentry keeps its inode until unlink / rmdir or umount. */
static void bpfmapfs_instantiate(struct dentry *dentry, struct inode *inode,
				 struct inode *dir)
{
	d_instantiate(dentry, inode);
	dget(dentry);
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
}

/* Called from mkdir(2), with @dir locked; may sleep. */
static int bpfmapfs_mkdir(struct mnt_idmap *idmap, struct inode *dir,
			  struct dentry *dentry, umode_t mode)
{
	struct inode *inode = bpfmapfs_new_inode(dir, mode | S_IFDIR);

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	inode->i_op = &bpfmapfs_dir_iops;
	inode->i_fop = &simple_dir_operations;
	inc_nlink(inode);
	inc_nlink(dir);
	bpfmapfs_instantiate(dentry, inode, dir);
	return 0;
}

/*
 * Called from vfs_mkobj() for OBJ_PIN, with the parent locked; may sleep.
 * On success the inode owns the map reference in @arg.
 */
static int bpfmapfs_mkmap(struct dentry *dentry, umode_t mode, void *arg)
{
	struct inode *dir = d_inode(dentry->d_parent);
	struct inode *inode = bpfmapfs_new_inode(dir, mode);

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	inode->i_op = &bpfmapfs_map_iops;
	inode->i_fop = &bpfmapfs_obj_fops;
	inode->i_private = arg;
	bpfmapfs_instantiate(dentry, inode, dir);
	return 0;
}

/*
 * Called from symlink(2), with @dir locked; may sleep.  The target is
 * freed with the inode, after the RCU grace period that path walks need.
 */
static int bpfmapfs_symlink(struct mnt_idmap *idmap, struct inode *dir,
			    struct dentry *dentry, const char *target)
{
	struct inode *inode;
	char *link;

	link = kstrdup(target, GFP_USER | __GFP_NOWARN);
	if (!link)
		return -ENOMEM;
	inode = bpfmapfs_new_inode(dir, S_IFLNK | 0777);
	if (IS_ERR(inode)) {
		kfree(link);
		return PTR_ERR(inode);
	}
	inode->i_op = &simple_symlink_inode_operations;
	inode->i_link = link;
	bpfmapfs_instantiate(dentry, inode, dir);
	return 0;
}

/*
 * Called from path walks, with @dir locked.  As bpffs: names with a dot
 * are reserved (EPERM) in a directory that has any permission bit.
 */
static struct dentry *bpfmapfs_lookup(struct inode *dir, struct dentry *dentry,
				      unsigned int flags)
{
	if ((dir->i_mode & S_IALLUGO) && strchr(dentry->d_name.name, '.'))
		return ERR_PTR(-EPERM);
	return simple_lookup(dir, dentry, flags);
}

static const struct inode_operations bpfmapfs_dir_iops = {
	.lookup = bpfmapfs_lookup,
	.mkdir = bpfmapfs_mkdir,
	.symlink = bpfmapfs_symlink,
	.rmdir = simple_rmdir,
	.rename = simple_rename,
	.link = simple_link,
	.unlink = simple_unlink,
};

/*
 * Called when an inode is evicted (its last link and user gone, or at
 * umount); may sleep.  A pinned map's inode drops its reference here.
 */
static void bpfmapfs_destroy_inode(struct inode *inode)
{
	if (inode->i_op == &bpfmapfs_map_iops)
		bpfmap_put(inode->i_private);
}

/*
 * Called from an RCU callback, a grace period after bpfmapfs_destroy_inode(),
 * so that RCU path walks never see a freed symlink target.  Module exit
 * waits for these callbacks (bpfmapfs_uninit()).
 */
static void bpfmapfs_free_inode(struct inode *inode)
{
	if (S_ISLNK(inode->i_mode))
		kfree(inode->i_link);
	free_inode_nonrcu(inode);
}

static const struct super_operations bpfmapfs_super_ops = {
	.statfs = simple_statfs,
	.drop_inode = generic_delete_inode,
	.destroy_inode = bpfmapfs_destroy_inode,
	.free_inode = bpfmapfs_free_inode,
};

/* Called from mount(2) for a new instance; may sleep. */
static int bpfmapfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	static const struct tree_descr files[] = { { "" } };
	struct inode *root;
	int err;

	err = simple_fill_super(sb, BPFMAPFS_MAGIC, files);
	if (err)
		return err;
	sb->s_op = &bpfmapfs_super_ops;
	root = d_inode(sb->s_root);
	root->i_op = &bpfmapfs_dir_iops;
	/* As bpffs's default: everyone may pin, sticky like /tmp. */
	root->i_mode = S_IFDIR | S_ISVTX | 0777;
	return 0;
}

static int bpfmapfs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, bpfmapfs_fill_super);
}

static const struct fs_context_operations bpfmapfs_context_ops = {
	.get_tree = bpfmapfs_get_tree,
};

static int bpfmapfs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &bpfmapfs_context_ops;
	return 0;
}

static struct file_system_type bpfmapfs_type = {
	.owner = THIS_MODULE,
	.name = "bpfmapfs",
	.init_fs_context = bpfmapfs_init_fs_context,
	.kill_sb = kill_litter_super,
};

/*
 * The map behind @ufd with a reference taken, or ERR_PTR(-EINVAL): as
 * BPF_OBJ_PIN, whose probe for a map, program or link answers EINVAL for
 * a closed fd as for any fd that is none of them.
 */
static struct bpfmap *bpfmapfs_map_get(u32 ufd)
{
	struct bpfmap *map = NULL;
	struct fd f = fdget(ufd);

	if (fd_file(f)) {
		map = bpfmap_from_file(fd_file(f));
		if (map)
			bpfmap_get(map);
		fdput(f);
	}
	return map ?: ERR_PTR(-EINVAL);
}

/*
 * Pin @map at @dentry in @path's directory, both from *_path_create(),
 * which this ends with done_path_create().  On success the new inode owns
 * a reference the caller gave; on failure it stays the caller's.  Called
 * in process context; may sleep.
 */
static int bpfmapfs_pin(struct bpfmap *map, struct dentry *dentry,
			struct path *path)
{
	umode_t mode;
	int err;

	err = -EPERM;
	if (d_inode(path->dentry)->i_op != &bpfmapfs_dir_iops)
		goto out_done;
	mode = S_IFREG | (0600 & ~current_umask());
	err = security_path_mknod(path, dentry, mode, 0);
	if (err)
		goto out_done;
	err = vfs_mkobj(dentry, mode, bpfmapfs_mkmap, map);
out_done:
	done_path_create(path, dentry);
	return err;
}

/**
 * bpfmapfs_obj_pin - pin the map behind @ufd at @pathname
 * @ufd: a map fd of this module
 * @pathname: user pointer to the path of the file to create
 *
 * Called from the OBJ_PIN ioctl, in process context; may sleep.  The
 * checks follow bpf_obj_pin_user(): the fd (EINVAL), the path (ENOENT,
 * ENOTDIR, EEXIST, EPERM for a dotted name in bpfmapfs), a parent outside
 * bpfmapfs (EPERM), then the parent's permissions (EACCES).  The file's
 * mode is 0600 less the caller's umask.  Returns 0 or -errno; on failure
 * nothing was created and no reference is kept.
 */
int bpfmapfs_obj_pin(u32 ufd, const char __user *pathname)
{
	struct dentry *dentry;
	struct bpfmap *map;
	struct path path;
	int err;

	map = bpfmapfs_map_get(ufd);
	if (IS_ERR(map))
		return PTR_ERR(map);

	dentry = user_path_create(AT_FDCWD, pathname, &path, 0);
	if (IS_ERR(dentry)) {
		err = PTR_ERR(dentry);
		goto err_put;
	}
	err = bpfmapfs_pin(map, dentry, &path);
	if (!err)
		return 0;
err_put:
	bpfmap_put(map);
	return err;
}

/**
 * bpfmapfs_pin_kernel - pin @map at the kernel path @pathname
 * @map: a map the caller holds a reference on (the pin takes its own)
 * @pathname: the path of the file to create, resolved from the caller's
 *	root and working directory
 *
 * Called from in-kernel users, in process context; may sleep.  The same
 * checks and errnos as bpfmapfs_obj_pin() after the fd, with the
 * caller's credentials.
 */
int bpfmapfs_pin_kernel(struct bpfmap *map, const char *pathname)
{
	struct dentry *dentry;
	struct path path;
	int err;

	dentry = kern_path_create(AT_FDCWD, pathname, &path, 0);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	bpfmap_get(map);
	err = bpfmapfs_pin(map, dentry, &path);
	if (err)
		bpfmap_put(map);
	return err;
}

/**
 * bpfmapfs_obj_get - a new fd for the map pinned at @pathname
 * @pathname: user pointer to the path (symlinks are followed)
 * @flags: O_RDONLY, O_WRONLY or O_RDWR, the mode of the new fd
 *
 * Called from the OBJ_GET ioctl, in process context; may sleep.  As
 * bpf_obj_get_user(): the path must resolve (ENOENT, ENOTDIR, ...), the
 * file's permissions must allow @flags (EACCES), and the file must be a
 * pinned map (EACCES otherwise, for a directory or a file of another
 * filesystem alike).  Returns the new O_CLOEXEC fd or -errno.
 */
int bpfmapfs_obj_get(const char __user *pathname, int flags)
{
	struct bpfmap *map;
	struct inode *inode;
	struct path path;
	int err, fd;

	err = user_path_at(AT_FDCWD, pathname, LOOKUP_FOLLOW, &path);
	if (err)
		return err;
	inode = d_backing_inode(path.dentry);
	err = path_permission(&path, ACC_MODE(flags));
	if (err)
		goto out_path_put;
	err = -EACCES;
	if (inode->i_op != &bpfmapfs_map_iops)
		goto out_path_put;
	/* The inode's reference keeps the map while we hold the path. */
	map = inode->i_private;
	bpfmap_get(map);
	touch_atime(&path);
	path_put(&path);

	fd = bpfmap_new_fd(map, flags);
	if (fd < 0)
		bpfmap_put(map);
	return fd;

out_path_put:
	path_put(&path);
	return err;
}

/**
 * bpfmapfs_get_kernel - the map pinned at the kernel path @pathname
 * @pathname: the path (symlinks are followed)
 *
 * Called from in-kernel users, in process context; may sleep.  As the
 * kernel's bpf_prog_get_type_path(): the path must resolve, the file must
 * be a pinned map (EACCES otherwise) and readable by the caller (EACCES);
 * there is no open mode, the reference allows everything.  Returns the
 * map with a reference taken, or an ERR_PTR.
 */
struct bpfmap *bpfmapfs_get_kernel(const char *pathname)
{
	struct bpfmap *map;
	struct inode *inode;
	struct path path;
	int err;

	err = kern_path(pathname, LOOKUP_FOLLOW, &path);
	if (err)
		return ERR_PTR(err);
	inode = d_backing_inode(path.dentry);
	err = -EACCES;
	if (inode->i_op != &bpfmapfs_map_iops)
		goto out_path_put;
	err = path_permission(&path, MAY_READ);
	if (err)
		goto out_path_put;
	/* The inode's reference keeps the map while we hold the path. */
	map = inode->i_private;
	bpfmap_get(map);
	touch_atime(&path);
out_path_put:
	path_put(&path);
	return err ? ERR_PTR(err) : map;
}

/* Called from module init; may sleep. */
int bpfmapfs_init(void)
{
	int err;

	err = sysfs_create_mount_point(fs_kobj, BPFMAPFS_MOUNT_POINT);
	if (err)
		return err;
	err = register_filesystem(&bpfmapfs_type);
	if (err)
		goto err_mount_point;
	return 0;

err_mount_point:
	sysfs_remove_mount_point(fs_kobj, BPFMAPFS_MOUNT_POINT);
	return err;
}

/*
 * Called from module exit, which no mounted instance can precede: each
 * holds a reference to the module.  May sleep.
 */
void bpfmapfs_uninit(void)
{
	unregister_filesystem(&bpfmapfs_type);
	sysfs_remove_mount_point(fs_kobj, BPFMAPFS_MOUNT_POINT);
	/* The last umount may have left inodes to free in RCU callbacks. */
	rcu_barrier();
}
