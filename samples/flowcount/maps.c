// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The two maps of bpfmap_flowcount: created here, pinned in pin_dir for
 * userspace, and held by the module until its exit.
 *
 * A load never reuses pins it finds: it fails with EEXIST and names them.
 * The in-kernel API cannot tell a pinned map's type and sizes, and a map
 * with a smaller value than ours, pinned there by anyone who may write to
 * the directory, would have the hooks write past its values.  After an
 * rmmod the old pins still hold the last counts; remove them (rm) to load
 * the module again, or load it with another pin_dir.
 */

#include <linux/kernel.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "module.h"

/* Process context; may sleep. */
static struct bpfmap *map_create(u32 type, u32 key_size, u32 value_size,
				 u32 max_entries, const char *name)
{
	struct bpfmap_map_create attr = {
		.size = sizeof(attr),
		.map_type = type,
		.key_size = key_size,
		.value_size = value_size,
		.max_entries = max_entries,
	};

	strscpy(attr.map_name, name, sizeof(attr.map_name));
	return bpfmap_kernel_create(&attr);
}

/*
 * 0 when @dir is a directory in a bpfmapfs, else a negative errno after
 * saying what is wrong.  Process context; may sleep.
 */
static int check_dir(const char *dir)
{
	struct path path;
	bool ours;
	int err;

	err = kern_path(dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
	if (err) {
		pr_err("pin_dir %s: %s (mount -t bpfmapfs none /sys/fs/bpfmap; mkdir %s)\n",
		       dir, err == -ENOENT ? "no such directory" :
		       "not a directory", dir);
		return err;
	}
	ours = path.dentry->d_sb->s_magic == BPFMAPFS_MAGIC;
	path_put(&path);
	if (!ours) {
		pr_err("pin_dir %s is not in a bpfmapfs (mount -t bpfmapfs none /sys/fs/bpfmap)\n",
		       dir);
		return -EPERM;
	}
	return 0;
}

/*
 * 0 when nothing has the name @pathname yet, -EEXIST after saying so.
 * Process context; may sleep.
 */
static int check_free(const char *pathname)
{
	struct path path;

	if (kern_path(pathname, 0, &path))
		return 0;
	path_put(&path);
	pr_err("%s exists (the pin of an earlier load?): remove it, or load with another pin_dir\n",
	       pathname);
	return -EEXIST;
}

/* Process context; may sleep. */
static int pin_map(struct bpfmap *map, const char *pathname)
{
	int err = bpfmap_kernel_pin(map, pathname);

	if (err)
		pr_err("cannot pin map %u at %s: %d\n", bpfmap_kernel_id(map),
		       pathname, err);
	return err;
}

/**
 * flowcount_maps_create - create the maps and pin them in @dir
 * @m: filled with a reference on each map
 * @dir: pin_dir, a directory in a bpfmapfs
 * @max_flows: max_entries of the flows map
 *
 * Context: process context (module init); may sleep.  The pins are made
 * after both names were found free; a pin made at one of them in between
 * by someone else fails this with EEXIST, and may leave our first pin.
 *
 * Return: 0 or a negative errno, with nothing held.
 */
int flowcount_maps_create(struct flowcount_maps *m, const char *dir,
			  u32 max_flows)
{
	char *flows_path, *totals_path;
	int err;

	err = check_dir(dir);
	if (err)
		return err;
	flows_path = kasprintf(GFP_KERNEL, "%s/" FLOWCOUNT_PIN_FLOWS, dir);
	totals_path = kasprintf(GFP_KERNEL, "%s/" FLOWCOUNT_PIN_TOTALS, dir);
	if (!flows_path || !totals_path) {
		err = -ENOMEM;
		goto out_free;
	}
	err = check_free(flows_path) ?: check_free(totals_path);
	if (err)
		goto out_free;

	m->flows = map_create(BPFMAP_MAP_TYPE_LRU_PERCPU_HASH,
			      sizeof(struct flowcount_key),
			      sizeof(struct flowcount_value), max_flows,
			      "flowcount_flows");
	if (IS_ERR(m->flows)) {
		err = PTR_ERR(m->flows);
		pr_err("cannot create the flows map (max_flows=%u): %d\n",
		       max_flows, err);
		goto out_free;
	}
	m->totals = map_create(BPFMAP_MAP_TYPE_PERCPU_ARRAY, sizeof(u32),
			       sizeof(u64), FLOWCOUNT_NR_TOTALS,
			       "flowcount_total");
	if (IS_ERR(m->totals)) {
		err = PTR_ERR(m->totals);
		pr_err("cannot create the totals map: %d\n", err);
		goto err_put_flows;
	}
	/* The totals first: a reader that finds the flows finds both. */
	err = pin_map(m->totals, totals_path);
	if (err)
		goto err_put_totals;
	err = pin_map(m->flows, flows_path);
	if (err) {
		pr_err("%s stays pinned: remove it before the next load\n",
		       totals_path);
		goto err_put_totals;
	}
	goto out_free;

err_put_totals:
	bpfmap_kernel_put(m->totals);
err_put_flows:
	bpfmap_kernel_put(m->flows);
out_free:
	kfree(totals_path);
	kfree(flows_path);
	return err;
}

/**
 * flowcount_maps_put - drop the module's references
 * @m: the maps
 *
 * Context: any context but NMI, once no hook can run any more.  The pins
 * and the fds of userspace keep the maps.
 */
void flowcount_maps_put(struct flowcount_maps *m)
{
	bpfmap_kernel_put(m->flows);
	bpfmap_kernel_put(m->totals);
}
