// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Test hooks in debugfs, present only when the module is loaded with
 * test_hooks=1.  They let userspace tests do what only in-kernel users
 * (BPF programs, for the kernel's own maps) can do:
 *
 *   /sys/kernel/debug/bpfmap/prog_lookup
 *	write "<map id> <key in hex>\n": the lookup a program makes, which
 *	on LRU maps marks the element as used.  The write fails with ENOENT
 *	when the map or the key does not exist, EINVAL on a malformed line.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bpfmap.h"

static bool test_hooks;
module_param(test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks, "create the test hooks in debugfs (default 0)");

static struct dentry *bpfmap_debugfs_dir;

/* Called from write(2) on prog_lookup; may sleep. */
static ssize_t prog_lookup_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	char *line, *hex;
	struct bpfmap *map;
	void *key = NULL;
	ssize_t ret;
	u32 id;

	if (count > PAGE_SIZE)
		return -EINVAL;
	line = memdup_user_nul(ubuf, count);
	if (IS_ERR(line))
		return PTR_ERR(line);

	ret = -EINVAL;
	hex = strchr(strim(line), ' ');
	if (!hex)
		goto out_free_line;
	*hex++ = '\0';
	if (kstrtou32(line, 0, &id))
		goto out_free_line;

	map = bpfmap_get_by_id(id);
	if (IS_ERR(map)) {
		ret = PTR_ERR(map);
		goto out_free_line;
	}
	if (strlen(hex) != 2 * (size_t)map->key_size)
		goto out_put;
	ret = -ENOMEM;
	key = kmalloc(map->key_size, GFP_KERNEL_ACCOUNT);
	if (!key)
		goto out_put;
	ret = -EINVAL;
	if (hex2bin(key, hex, map->key_size))
		goto out_put;

	/* As a BPF program runs: under RCU, not migrating. */
	migrate_disable();
	rcu_read_lock();
	ret = bpfmap_map_lookup_ptr(map, key) ? count : -ENOENT;
	rcu_read_unlock();
	migrate_enable();
out_put:
	kfree(key);
	bpfmap_put(map);
out_free_line:
	kfree(line);
	return ret;
}

static const struct file_operations prog_lookup_fops = {
	.owner = THIS_MODULE,
	.write = prog_lookup_write,
	.llseek = noop_llseek,
};

void bpfmap_debugfs_init(void)
{
	if (!test_hooks)
		return;
	bpfmap_debugfs_dir = debugfs_create_dir("bpfmap", NULL);
	debugfs_create_file("prog_lookup", 0200, bpfmap_debugfs_dir, NULL,
			    &prog_lookup_fops);
	pr_info("test hooks in debugfs enabled\n");
}

void bpfmap_debugfs_uninit(void)
{
	debugfs_remove(bpfmap_debugfs_dir);
}
