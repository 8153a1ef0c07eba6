// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * /dev/bpfmap: the ioctl front end.
 *
 * One table lists every command with its struct and the struct's first
 * version (its minimal size).  The dispatcher reads the user's size, copies
 * the struct with copy_struct_from_user() (zero-extending older userspace,
 * refusing unknown non-zero tails with E2BIG) and calls the handler.  The
 * handlers make the generic checks of the bpf(2) syscall in its order:
 * unused fields, map fd, fd mode, element flags, key copy, value copy; then
 * the core element functions of elem.c do the work.
 *
 * Keys and values are staged in a kernel buffer because the map types copy
 * under RCU or locks, where a fault on user memory is not allowed.  Small
 * ones live on the stack so the common case allocates nothing.
 */

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "bpfmap.h"

/* Keys and values up to this size together are staged on the stack. */
#define BPFMAP_STACK_BUF	256

/**
 * struct bpfmap_stage - kernel copies of one command's key and value
 * @key: key_size bytes
 * @value: value bytes (user layout)
 * @heap: the allocation backing @key and @value, or NULL for @stack
 * @stack: storage for small keys and values
 */
struct bpfmap_stage {
	void *key;
	void *value;
	void *heap;
	u64 stack[BPFMAP_STACK_BUF / sizeof(u64)];
};

static int stage_init(struct bpfmap_stage *st, u32 key_size, u32 value_size)
{
	size_t key_room = round_up(key_size, 8);
	size_t total = key_room + value_size;

	if (total <= sizeof(st->stack)) {
		st->heap = NULL;
		st->key = st->stack;
	} else {
		st->heap = kvmalloc(total, BPFMAP_GFP_KV);
		if (!st->heap)
			return -ENOMEM;
		st->key = st->heap;
	}
	st->value = st->key + key_room;
	return 0;
}

static void stage_release(struct bpfmap_stage *st)
{
	kvfree(st->heap);
}

/*
 * Stage room for the key and @value_size bytes of value, and copy the key
 * from @ukey: 0, -ENOMEM, or -EFAULT (with nothing left to release).
 */
static int stage_key(struct bpfmap_stage *st, const struct bpfmap *map,
		     u64 ukey, u32 value_size)
{
	int err = stage_init(st, map->key_size, value_size);

	if (err)
		return err;
	if (copy_from_user(st->key, u64_to_user_ptr(ukey), map->key_size)) {
		stage_release(st);
		return -EFAULT;
	}
	return 0;
}

/* The open mode BPFMAP_F_RDONLY / BPFMAP_F_WRONLY ask for. */
static int open_mode(u32 flags)
{
	if (flags & BPFMAP_F_RDONLY)
		return O_RDONLY;
	if (flags & BPFMAP_F_WRONLY)
		return O_WRONLY;
	return O_RDWR;
}

/*
 * The map behind @fd with the file held in @f, or ERR_PTR: EBADF when the
 * fd is not open, EINVAL when it is not a map.
 */
static struct bpfmap *map_fdget(u32 fd, struct fd *f)
{
	struct bpfmap *map;

	*f = fdget(fd);
	if (!fd_file(*f))
		return ERR_PTR(-EBADF);
	map = bpfmap_from_file(fd_file(*f));
	if (!map) {
		fdput(*f);
		return ERR_PTR(-EINVAL);
	}
	return map;
}

static bool fd_can_read(const struct fd *f)
{
	return fd_file(*f)->f_mode & FMODE_READ;
}

static bool fd_can_write(const struct fd *f)
{
	return fd_file(*f)->f_mode & FMODE_WRITE;
}

/*
 * After a syscall replaced or removed inner maps of a map-of-maps, wait
 * until no in-kernel reader can still use the old ones, as bpf(2) does.
 */
static void wait_for_inner_readers(struct bpfmap *map)
{
	if (bpfmap_is_map_of_maps(map))
		synchronize_rcu();
}

/* Called from the MAP_CREATE ioctl. */
static int cmd_map_create(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_map_create *cmd = buf;
	struct bpfmap *map;
	int fd, mode;

	if (cmd->__reserved)
		return -EINVAL;
	map = bpfmap_create(cmd);
	if (IS_ERR(map))
		return PTR_ERR(map);

	mode = open_mode(cmd->map_flags);
	cmd->out_map_id = map->id;
	if (copy_to_user(ubuf + offsetof(struct bpfmap_map_create, out_map_id),
			 &cmd->out_map_id, sizeof(cmd->out_map_id))) {
		bpfmap_put(map);
		return -EFAULT;
	}
	fd = bpfmap_new_fd(map, mode);
	if (fd < 0)
		bpfmap_put(map);
	return fd;
}

/* Called from the LOOKUP_ELEM ioctl. */
static int cmd_lookup_elem(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st;
	struct bpfmap *map;
	u32 value_size;
	struct fd f;
	int err;

	map = map_fdget(cmd->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	err = -EPERM;
	if (!fd_can_read(&f))
		goto out_fdput;
	err = bpfmap_check_op_flags(map, cmd->flags,
				    BPFMAP_F_LOCK | BPFMAP_F_CPU);
	if (err)
		goto out_fdput;

	value_size = bpfmap_value_size(map, cmd->flags);
	err = stage_key(&st, map, cmd->key, value_size);
	if (err)
		goto out_fdput;
	err = __bpfmap_map_lookup_elem(map, st.key, st.value, cmd->flags);
	if (!err && copy_to_user(u64_to_user_ptr(cmd->value), st.value,
				 value_size))
		err = -EFAULT;
	stage_release(&st);
out_fdput:
	fdput(f);
	return err;
}

/* Called from the UPDATE_ELEM ioctl. */
static int cmd_update_elem(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap *map, *inner;
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st;
	const void *value;
	u32 value_size;
	struct fd f;
	int err;

	map = map_fdget(cmd->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	err = -EPERM;
	if (!fd_can_write(&f) || !bpfmap_write_begin(map))
		goto out_fdput;
	err = bpfmap_check_op_flags(map, cmd->flags, BPFMAP_F_ALL_FLAGS);
	if (err)
		goto out_write_end;

	value_size = bpfmap_value_size(map, cmd->flags);
	err = stage_key(&st, map, cmd->key, value_size);
	if (err)
		goto out_write_end;
	err = -EFAULT;
	if (copy_from_user(st.value, u64_to_user_ptr(cmd->value), value_size))
		goto out_release;
	value = bpfmap_fd_value_get(map, st.key, st.value, cmd->flags, &inner);
	err = IS_ERR(value) ? PTR_ERR(value) :
	      __bpfmap_map_update_elem(map, st.key, value, cmd->flags,
				       BPFMAP_CTX_SLEEP);
	bpfmap_fd_value_put(inner);
	if (!err)
		wait_for_inner_readers(map);
out_release:
	stage_release(&st);
out_write_end:
	bpfmap_write_end(map);
out_fdput:
	fdput(f);
	return err;
}

/* Called from the DELETE_ELEM ioctl; @value and @flags must be zero. */
static int cmd_delete_elem(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st;
	struct bpfmap *map;
	struct fd f;
	int err;

	if (cmd->value || cmd->flags)
		return -EINVAL;
	map = map_fdget(cmd->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	err = -EPERM;
	if (!fd_can_write(&f) || !bpfmap_write_begin(map))
		goto out_fdput;
	err = stage_key(&st, map, cmd->key, 0);
	if (err)
		goto out_write_end;
	err = bpfmap_map_delete_elem(map, st.key);
	if (!err)
		wait_for_inner_readers(map);
	stage_release(&st);
out_write_end:
	bpfmap_write_end(map);
out_fdput:
	fdput(f);
	return err;
}

/* Called from the GET_NEXT_KEY ioctl; @flags must be zero. */
static int cmd_get_next_key(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st;
	struct bpfmap *map;
	void *key = NULL;
	struct fd f;
	int err;

	if (cmd->flags)
		return -EINVAL;
	map = map_fdget(cmd->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	err = -EPERM;
	if (!fd_can_read(&f))
		goto out_fdput;
	/* st.key holds the current key, st.value the next one. */
	err = stage_init(&st, map->key_size, map->key_size);
	if (err)
		goto out_fdput;
	if (cmd->key) {
		err = -EFAULT;
		if (copy_from_user(st.key, u64_to_user_ptr(cmd->key),
				   map->key_size))
			goto out_release;
		key = st.key;
	}
	err = __bpfmap_map_get_next_key(map, key, st.value,
					BPFMAP_CTX_SLEEP);
	if (!err && copy_to_user(u64_to_user_ptr(cmd->value), st.value,
				 map->key_size))
		err = -EFAULT;
out_release:
	stage_release(&st);
out_fdput:
	fdput(f);
	return err;
}

/* Called from the LOOKUP_AND_DELETE_ELEM ioctl. */
static int cmd_lookup_and_delete_elem(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st;
	struct bpfmap *map;
	u32 value_size;
	struct fd f;
	int err;

	/* As bpf(2): this flag check comes before the fd is looked at. */
	if (cmd->flags & ~BPFMAP_F_LOCK)
		return -EINVAL;
	map = map_fdget(cmd->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	err = -EPERM;
	if (!fd_can_read(&f) || !fd_can_write(&f) ||
	    !bpfmap_write_begin(map))
		goto out_fdput;
	err = -EINVAL;
	if (cmd->flags & BPFMAP_F_LOCK)
		goto out_write_end;

	value_size = bpfmap_value_size(map, 0);
	err = stage_key(&st, map, cmd->key, value_size);
	if (err)
		goto out_write_end;
	err = __bpfmap_map_lookup_and_delete_elem(map, st.key, st.value, 0);
	if (!err && copy_to_user(u64_to_user_ptr(cmd->value), st.value,
				 value_size))
		err = -EFAULT;
	stage_release(&st);
out_write_end:
	bpfmap_write_end(map);
out_fdput:
	fdput(f);
	return err;
}

/* Called from the MAP_FREEZE ioctl; only @map_fd may be set. */
static int cmd_map_freeze(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap *map;
	struct fd f;
	int err;

	if (cmd->key || cmd->value || cmd->flags)
		return -EINVAL;
	map = map_fdget(cmd->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	/* As v7.0: a frozen map has lost syscall write access, so EPERM. */
	err = -EPERM;
	if (fd_can_write(&f) && !READ_ONCE(map->frozen))
		err = bpfmap_freeze(map);
	fdput(f);
	return err;
}

/* Called from the batch ioctls; the map type does the work. */
static int cmd_batch(void *buf, void __user *ubuf, u32 usize, u32 nr)
{
	struct bpfmap_batch *cmd = buf;
	struct bpfmap *map;
	bool read, write;
	struct fd f;
	int err;

	if (cmd->__reserved)
		return -EINVAL;
	map = map_fdget(cmd->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	read = nr == BPFMAP_MAP_LOOKUP_BATCH ||
	       nr == BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH;
	write = nr != BPFMAP_MAP_LOOKUP_BATCH;
	err = -EPERM;
	if ((read && !fd_can_read(&f)) || (write && !fd_can_write(&f)))
		goto out_fdput;
	if (write && !bpfmap_write_begin(map))
		goto out_fdput;

	err = -ENOTSUPP;
	switch (nr) {
	case BPFMAP_MAP_LOOKUP_BATCH:
		if (map->ops->lookup_batch)
			err = map->ops->lookup_batch(map, cmd, ubuf);
		break;
	case BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH:
		if (map->ops->lookup_and_delete_batch)
			err = map->ops->lookup_and_delete_batch(map, cmd, ubuf);
		break;
	case BPFMAP_MAP_UPDATE_BATCH:
		if (map->ops->update_batch)
			err = map->ops->update_batch(map, cmd, ubuf);
		break;
	case BPFMAP_MAP_DELETE_BATCH:
		if (map->ops->delete_batch)
			err = map->ops->delete_batch(map, cmd, ubuf);
		break;
	}
	if (write) {
		/* Even a batch that failed part-way may have changed slots. */
		if (err != -ENOTSUPP)
			wait_for_inner_readers(map);
		bpfmap_write_end(map);
	}
out_fdput:
	fdput(f);
	return err;
}

static int cmd_lookup_batch(void *buf, void __user *ubuf, u32 usize)
{
	return cmd_batch(buf, ubuf, usize, BPFMAP_MAP_LOOKUP_BATCH);
}

static int cmd_lookup_and_delete_batch(void *buf, void __user *ubuf,
				       u32 usize)
{
	return cmd_batch(buf, ubuf, usize, BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH);
}

static int cmd_update_batch(void *buf, void __user *ubuf, u32 usize)
{
	return cmd_batch(buf, ubuf, usize, BPFMAP_MAP_UPDATE_BATCH);
}

static int cmd_delete_batch(void *buf, void __user *ubuf, u32 usize)
{
	return cmd_batch(buf, ubuf, usize, BPFMAP_MAP_DELETE_BATCH);
}

/* Called from the MAP_GET_NEXT_ID ioctl. */
static int cmd_get_next_id(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_get_next_id *cmd = buf;
	u32 next_id;
	int err;

	if (cmd->__reserved)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = bpfmap_get_next_id(cmd->start_id, &next_id);
	if (err)
		return err;
	if (put_user(next_id, (u32 __user *)(ubuf +
		     offsetof(struct bpfmap_get_next_id, out_next_id))))
		return -EFAULT;
	return 0;
}

/* Called from the MAP_GET_FD_BY_ID ioctl. */
static int cmd_get_fd_by_id(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_get_fd_by_id *cmd = buf;
	struct bpfmap *map;
	int fd, mode;

	if (cmd->__reserved ||
	    (cmd->open_flags & ~(BPFMAP_F_RDONLY | BPFMAP_F_WRONLY)))
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if ((cmd->open_flags & BPFMAP_F_RDONLY) &&
	    (cmd->open_flags & BPFMAP_F_WRONLY))
		return -EINVAL;

	mode = open_mode(cmd->open_flags);
	map = bpfmap_get_by_id(cmd->map_id);
	if (IS_ERR(map))
		return PTR_ERR(map);
	fd = bpfmap_new_fd(map, mode);
	if (fd < 0)
		bpfmap_put(map);
	return fd;
}

/* Called from the OBJ_GET_INFO_BY_FD ioctl. */
static int cmd_get_info_by_fd(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_map_info *cmd = buf;
	size_t out = offsetof(struct bpfmap_map_info, out_type);
	struct bpfmap *map;
	struct fd f;
	int err = 0;

	if (cmd->__reserved)
		return -EINVAL;
	map = map_fdget(cmd->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);

	cmd->out_type = map->map_type;
	cmd->out_id = map->id;
	cmd->out_key_size = map->key_size;
	cmd->out_value_size = map->value_size;
	cmd->out_max_entries = map->max_entries;
	cmd->out_map_flags = map->map_flags;
	cmd->out_frozen = READ_ONCE(map->frozen);
	memcpy(cmd->out_name, map->name, sizeof(cmd->out_name));
	cmd->out_memory = bpfmap_mem_usage(map);
	fdput(f);

	/* Older userspace gets the fields its struct has room for. */
	if (copy_to_user(ubuf + out, buf + out,
			 min_t(size_t, usize, sizeof(*cmd)) - out))
		err = -EFAULT;
	return err;
}

union bpfmap_cmd_buffer {
	struct bpfmap_map_create create;
	struct bpfmap_elem elem;
	struct bpfmap_batch batch;
	struct bpfmap_get_next_id next_id;
	struct bpfmap_get_fd_by_id fd_by_id;
	struct bpfmap_map_info info;
};

/**
 * struct bpfmap_ioctl_op - one command
 * @size: sizeof the command's struct as this module knows it
 * @min_size: the size of its first version
 * @ioctl_num: the full ioctl number
 * @execute: the handler; @buf holds the struct, @ubuf and @usize are the
 *	user's, for handlers that write results back
 */
struct bpfmap_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(void *buf, void __user *ubuf, u32 usize);
};

#define BPFMAP_IOCTL_OP(_ioctl, _fn, _struct, _last)			\
	[_IOC_NR(_ioctl)] = {						\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union bpfmap_cmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

static const struct bpfmap_ioctl_op bpfmap_ioctl_ops[] = {
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_CREATE, cmd_map_create,
			struct bpfmap_map_create, __reserved),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_LOOKUP_ELEM, cmd_lookup_elem,
			struct bpfmap_elem, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_UPDATE_ELEM, cmd_update_elem,
			struct bpfmap_elem, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_DELETE_ELEM, cmd_delete_elem,
			struct bpfmap_elem, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_GET_NEXT_KEY, cmd_get_next_key,
			struct bpfmap_elem, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_GET_NEXT_ID, cmd_get_next_id,
			struct bpfmap_get_next_id, __reserved),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_GET_FD_BY_ID, cmd_get_fd_by_id,
			struct bpfmap_get_fd_by_id, __reserved),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_OBJ_GET_INFO_BY_FD, cmd_get_info_by_fd,
			struct bpfmap_map_info, out_memory),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_LOOKUP_AND_DELETE_ELEM,
			cmd_lookup_and_delete_elem, struct bpfmap_elem, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_FREEZE, cmd_map_freeze,
			struct bpfmap_elem, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_LOOKUP_BATCH, cmd_lookup_batch,
			struct bpfmap_batch, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_LOOKUP_AND_DELETE_BATCH,
			cmd_lookup_and_delete_batch, struct bpfmap_batch, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_UPDATE_BATCH, cmd_update_batch,
			struct bpfmap_batch, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_DELETE_BATCH, cmd_delete_batch,
			struct bpfmap_batch, flags),
};

/* Called from the ioctl syscall on an open /dev/bpfmap; may sleep. */
static long bpfmap_ioctl(struct file *filp, unsigned int cmd,
			 unsigned long arg)
{
	const struct bpfmap_ioctl_op *op;
	union bpfmap_cmd_buffer buf;
	void __user *ubuf = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd);
	u32 usize;
	int err;

	if (nr >= ARRAY_SIZE(bpfmap_ioctl_ops))
		return -ENOTTY;
	op = &bpfmap_ioctl_ops[array_index_nospec(nr,
						  ARRAY_SIZE(bpfmap_ioctl_ops))];
	if (!op->execute || op->ioctl_num != cmd)
		return -ENOTTY;

	if (get_user(usize, (u32 __user *)ubuf))
		return -EFAULT;
	if (usize < op->min_size)
		return -EINVAL;
	if (usize > BPFMAP_CMD_MAX_SIZE)
		return -E2BIG;
	err = copy_struct_from_user(&buf, op->size, ubuf, usize);
	if (err)
		return err;
	return op->execute(&buf, ubuf, usize);
}

static const struct file_operations bpfmap_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = bpfmap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice bpfmap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "bpfmap",
	.nodename = "bpfmap",
	.mode = 0600,
	.fops = &bpfmap_dev_fops,
};

int bpfmap_chardev_init(void)
{
	return misc_register(&bpfmap_misc);
}

void bpfmap_chardev_uninit(void)
{
	misc_deregister(&bpfmap_misc);
}
