/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Every kernel-API difference between the kernels bpfmap builds for, from
 * Debian 12's 6.1 to upstream v7.0, in one place.  The rest of the module
 * is written against the newest API; for older kernels this header
 * supplies it.  No other file tests LINUX_VERSION_CODE.
 *
 * Each entry names the upstream release that introduced the API we use.
 */
#ifndef _BPFMAP_COMPAT_H
#define _BPFMAP_COMPAT_H

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/version.h>

/*
 * v6.12: struct fd became an opaque word; fd_file() reads the file of a
 * struct fd.  Before, the file was the member .file.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0) && !defined(fd_file)
#define fd_file(f)	((f).file)
#endif

/*
 * v6.3: vma->vm_flags became read-only; vm_flags_set() and vm_flags_clear()
 * change it (with the mmap lock held for writing, as in ->mmap).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * v6.3: the inode operations and inode_init_owner() take the mount's
 * struct mnt_idmap (the identity one: nop_mnt_idmap) where they took a
 * struct user_namespace (init_user_ns).  bpfmapfs has no idmapped mounts
 * of its own, so the old type under the new name does for both.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#include <linux/user_namespace.h>
#define mnt_idmap	user_namespace
#define nop_mnt_idmap	init_user_ns
#endif

/*
 * v6.6: simple_inode_init_ts() sets a new inode's three times at once;
 * v6.7: inode_set_mtime_to_ts() sets its mtime (the times became private
 * fields).  Before, the fields were written directly.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
static inline struct timespec64 simple_inode_init_ts(struct inode *inode)
{
	struct timespec64 ts = current_time(inode);

	inode->i_atime = ts;
	inode->i_mtime = ts;
	inode->i_ctime = ts;
	return ts;
}
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
static inline struct timespec64 inode_set_mtime_to_ts(struct inode *inode,
						      struct timespec64 ts)
{
	inode->i_mtime = ts;
	return ts;
}
#endif

/*
 * v6.13: MODULE_IMPORT_NS() takes the namespace as a string literal.
 * BPFMAP_IMPORT_NS() takes a bare name and works on both sides.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define BPFMAP_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#else
#define BPFMAP_IMPORT_NS(ns)	MODULE_IMPORT_NS(__stringify(ns))
#endif

#endif /* _BPFMAP_COMPAT_H */
