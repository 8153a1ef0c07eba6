// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The generic batch commands, built on the element operations: lookup by
 * get_next_key walk (the array types), update and delete one element after
 * the other (every type).  The hash types have their own bucket walker for
 * lookup and lookup-and-delete in hashtab.c.
 *
 * The contract is the kernel's: a zero count returns at once; otherwise
 * count is zeroed first and, on every outcome but a fault, ends up holding
 * the number of elements processed.  Keys and values are staged in a
 * kernel buffer and copied to and from userspace with no lock held; update
 * and delete stage them a chunk at a time.
 */

#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bpfmap.h"

/*
 * The staging buffers of one call, bounded whatever the count (one chunk,
 * or one element's key and value), charged to the caller's memory cgroup.
 */
#define BATCH_GFP	BPFMAP_GFP_KV

static int put_count(struct bpfmap_batch __user *ucmd, u32 count)
{
	return put_user(count, &ucmd->count) ? -EFAULT : 0;
}

/*
 * What UPDATE_BATCH and DELETE_BATCH do to one element.  Called from the
 * ioctl; may sleep.  A map-of-maps element's inner map fd is resolved here,
 * once, before the map type sees it.
 */
static int batch_update_one(struct bpfmap *map, const void *key,
			    const void *value, u64 flags)
{
	struct bpfmap *inner;
	int err;

	value = bpfmap_fd_value_get(map, key, value, flags, &inner);
	if (IS_ERR(value))
		return PTR_ERR(value);
	err = __bpfmap_map_update_elem(map, key, value, flags,
				       BPFMAP_CTX_SLEEP);
	bpfmap_fd_value_put(inner);
	return err;
}

static int batch_delete_one(struct bpfmap *map, const void *key,
			    const void *value, u64 flags)
{
	return bpfmap_map_delete_elem(map, key);
}

/*
 * Keys and values of UPDATE_BATCH and DELETE_BATCH come in chunks of at
 * most this many bytes (or one element, if that is larger): one copy per
 * chunk and array instead of one per element, and a buffer bounded
 * whatever the count.
 */
#define BATCH_CHUNK_BYTES	(32 * 1024)

/*
 * The loop of UPDATE_BATCH and DELETE_BATCH: element i is key i of keys
 * and, when @value_size is not 0, value i of values, handed to @apply with
 * @flags.  Keys and values are copied in a chunk at a time; the elements
 * of a chunk that arrived whole are applied, in order.  Stops at the first
 * element that faulted or failed and returns its error; count gets the
 * number of elements applied before it, as when each element is copied on
 * its own.  Two differences from that: user memory up to a chunk past a
 * failing element is read, and a value that aliases the map's own memory
 * (an mmap of a BPFMAP_F_MMAPABLE array) is read before the earlier
 * elements of its chunk are written.  The caller checked the flags.
 * Inlined into each caller, so that @apply is a direct call in the
 * per-element loop.
 */
static __always_inline int
batch_apply(struct bpfmap *map, struct bpfmap_batch *cmd,
	    struct bpfmap_batch __user *ucmd, u32 value_size,
	    int (*apply)(struct bpfmap *map, const void *key,
			 const void *value, u64 flags),
	    u64 flags)
{
	const void __user *keys = u64_to_user_ptr(cmd->keys);
	const void __user *values = u64_to_user_ptr(cmd->values);
	u32 key_size = map->key_size, elem_bytes = key_size + value_size;
	u32 chunk, done = 0, n, ok, i;
	void *kbuf, *vbuf;
	size_t left;
	int err = 0;

	if (!cmd->count)
		return 0;
	if (put_count(ucmd, 0))
		return -EFAULT;

	chunk = clamp_t(u32, BATCH_CHUNK_BYTES / elem_bytes, 1, cmd->count);
	/* Values start 8-byte aligned after the keys. */
	kbuf = kvmalloc(round_up((size_t)chunk * key_size, 8) +
			(size_t)chunk * value_size, BATCH_GFP);
	if (!kbuf)
		return -ENOMEM;
	vbuf = kbuf + round_up((size_t)chunk * key_size, 8);

	while (!err && done < cmd->count) {
		n = min(chunk, cmd->count - done);
		left = copy_from_user(kbuf, keys + (u64)done * key_size,
				      (size_t)n * key_size);
		ok = n - DIV_ROUND_UP(left, key_size);
		if (value_size && ok) {
			left = copy_from_user(vbuf,
					      values + (u64)done * value_size,
					      (size_t)ok * value_size);
			ok -= DIV_ROUND_UP(left, value_size);
		}
		for (i = 0; i < ok; i++) {
			err = apply(map, kbuf + (size_t)i * key_size,
				    value_size ? vbuf + (size_t)i * value_size :
						 NULL, flags);
			if (err)
				break;
			cond_resched();
		}
		done += i;
		if (err || ok == n)
			continue;
		/*
		 * A short copy.  copy_from_user() may report fewer bytes
		 * copied than it did, so the element that faulted is found
		 * one element at a time, and count is exact.
		 */
		if (n == 1)
			err = -EFAULT;
		chunk = 1;
	}
	if (put_count(ucmd, done))
		err = -EFAULT;
	kvfree(kbuf);
	return err;
}

/**
 * bpfmap_generic_update_batch - UPDATE_BATCH, element by element
 * @map: the map
 * @cmd: the command, in kernel memory
 * @ucmd: the user's copy, for count
 *
 * Called from the ioctl.  Stops at the first failing element and returns
 * its error.  elem_flags may hold BPFMAP_F_CPU or BPFMAP_F_ALL_CPUS, which
 * apply to every element; BPFMAP_NOEXIST and BPFMAP_EXIST are refused
 * with EINVAL before any element is read, as v7.0 refuses them, so every
 * element is written as with BPFMAP_ANY.
 */
int bpfmap_generic_update_batch(struct bpfmap *map, struct bpfmap_batch *cmd,
				struct bpfmap_batch __user *ucmd)
{
	u64 flags = cmd->elem_flags;
	int err;

	err = bpfmap_check_op_flags(map, flags, BPFMAP_F_LOCK | BPFMAP_F_CPU |
				    BPFMAP_F_ALL_CPUS);
	if (err)
		return err;
	return batch_apply(map, cmd, ucmd, bpfmap_value_size(map, flags),
			   batch_update_one, flags);
}

/**
 * bpfmap_generic_delete_batch - DELETE_BATCH, element by element
 * @map: the map
 * @cmd: the command, in kernel memory
 * @ucmd: the user's copy, for count
 *
 * Called from the ioctl.  Stops at the first failing element (typically
 * ENOENT) and returns its error.
 */
int bpfmap_generic_delete_batch(struct bpfmap *map, struct bpfmap_batch *cmd,
				struct bpfmap_batch __user *ucmd)
{
	/* No value here holds a spin lock, so BPFMAP_F_LOCK fails too. */
	if (cmd->elem_flags)
		return -EINVAL;
	return batch_apply(map, cmd, ucmd, 0, batch_delete_one, 0);
}

/**
 * bpfmap_generic_lookup_batch - LOOKUP_BATCH by get_next_key walk
 * @map: the map
 * @cmd: the command, in kernel memory
 * @ucmd: the user's copy, for count
 *
 * Called from the ioctl.  The token is a key: the walk goes on after the
 * key in in_batch (from the first key when it is NULL), and out_batch gets
 * the last key visited.  Elements that vanish between get_next_key and the
 * lookup are skipped.  Returns 0 when count elements were copied, ENOENT
 * (count possibly > 0) when the walk reached the end.
 */
int bpfmap_generic_lookup_batch(struct bpfmap *map, struct bpfmap_batch *cmd,
				struct bpfmap_batch __user *ucmd)
{
	void __user *in_batch = u64_to_user_ptr(cmd->in_batch);
	void __user *out_batch = u64_to_user_ptr(cmd->out_batch);
	void __user *keys = u64_to_user_ptr(cmd->keys);
	void __user *values = u64_to_user_ptr(cmd->values);
	u64 flags = cmd->elem_flags;
	u32 key_room = round_up(map->key_size, 8);
	void *buf, *prev_key = NULL, *key, *value, *spare;
	u32 value_size, cp;
	int err;

	err = bpfmap_check_op_flags(map, flags, BPFMAP_F_LOCK | BPFMAP_F_CPU);
	if (err)
		return err;
	if (!cmd->count)
		return 0;
	if (put_count(ucmd, 0))
		return -EFAULT;

	value_size = bpfmap_value_size(map, flags);
	buf = kvmalloc(2 * key_room + value_size, BATCH_GFP);
	if (!buf)
		return -ENOMEM;
	spare = buf;
	key = buf + key_room;
	value = buf + 2 * key_room;

	err = -EFAULT;
	if (in_batch) {
		if (copy_from_user(spare, in_batch, map->key_size))
			goto out_free;
		prev_key = spare;
	}
	for (cp = 0; cp < cmd->count;) {
		err = __bpfmap_map_get_next_key(map, prev_key, key,
						BPFMAP_CTX_SLEEP);
		if (err)
			break;
		err = __bpfmap_map_lookup_elem(map, key, value, flags);
		if (err == -ENOENT)
			goto next_key;
		if (err)
			goto out_free;
		if (copy_to_user(keys + (u64)cp * map->key_size, key,
				 map->key_size) ||
		    copy_to_user(values + (u64)cp * value_size, value,
				 value_size)) {
			err = -EFAULT;
			goto out_free;
		}
		cp++;
next_key:
		/* The key just visited becomes the cursor. */
		prev_key = key;
		key = spare;
		spare = prev_key;
		cond_resched();
	}
	if (put_count(ucmd, cp) ||
	    (cp && copy_to_user(out_batch, prev_key, map->key_size)))
		err = -EFAULT;
out_free:
	kvfree(buf);
	return err;
}
