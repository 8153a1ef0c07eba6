// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Module init and exit only.  Exit mirrors init in reverse.  The module
 * cannot go while a map fd is open or a bpfmapfs is mounted (each holds a
 * module reference; umount drops the pinned maps); maps whose last
 * reference went may still wait for their deferred free, which
 * bpfmap_uninit_ids() drains.
 */

#include <linux/module.h>

#include "bpfmap.h"
#include "percpu_area.h"

static int __init bpfmap_mod_init(void)
{
	int ret;

	ret = bpfmap_init_ids();
	if (ret < 0)
		return ret;
	ret = bpfmap_chardev_init();
	if (ret < 0)
		goto err_ids;
	bpfmap_debugfs_init();
	/*
	 * Last: a bpfmapfs mounted before a later step failed would keep a
	 * superblock of a module that a failed init frees at once.  This
	 * step fails only if the name is taken.
	 */
	ret = bpfmapfs_init();
	if (ret < 0)
		goto err_chardev;
	pr_info("loaded; /dev/bpfmap ready\n");
	return 0;

err_chardev:
	bpfmap_debugfs_uninit();
	bpfmap_chardev_uninit();
err_ids:
	bpfmap_uninit_ids();
	return ret;
}

static void __exit bpfmap_mod_exit(void)
{
	bpfmapfs_uninit();
	bpfmap_debugfs_uninit();
	bpfmap_chardev_uninit();
	bpfmap_uninit_ids();
	bpfmap_percpu_drain();
}

module_init(bpfmap_mod_init);
module_exit(bpfmap_mod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("BPF-style maps behind /dev/bpfmap");
MODULE_AUTHOR("The bpfmap authors");
