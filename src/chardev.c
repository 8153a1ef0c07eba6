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
 *
 * Declared __uninitialized where it lives on the stack: a kernel built
 * with CONFIG_INIT_STACK_ALL_ZERO (Debian's are) would otherwise clear the
 * whole @stack on every command, which costs as much as the lookup.  No
 * byte of it reaches userspace unwritten: the key and an update's value
 * are copied in whole (or the command fails with EFAULT), and a lookup's
 * value is written whole by the map type, as bpf(2) relies on for its
 * uninitialised kvmalloc() buffers.
 */
struct bpfmap_stage {
	void *key;
	void *value;
	void *heap;
	u64 stack[BPFMAP_STACK_BUF / sizeof(u64)];
};

static __always_inline int stage_init(struct bpfmap_stage *st, u32 key_size,
				      u32 value_size)
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

static __always_inline void stage_release(struct bpfmap_stage *st)
{
	if (st->heap)
		kvfree(st->heap);
}

/*
 * copy_from_user() and copy_to_user() of a key or value, 0 or -EFAULT.
 * Keys and values of 4 and 8 bytes, the common sizes, move in a single
 * get_user() / put_user(): the general copy costs several calls more,
 * about a tenth of a lookup.  @kbuf is 8-byte aligned (the stage is); the
 * user pointer must be aligned too where unaligned access is not cheap.
 */
static __always_inline bool elem_user_fast(u64 uptr, u32 size)
{
	return IS_ENABLED(CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS) ||
	       IS_ALIGNED(uptr, size);
}

static __always_inline int elem_from_user(void *kbuf, u64 uptr, u32 size)
{
	const void __user *src = u64_to_user_ptr(uptr);

	if (size == sizeof(u32) && elem_user_fast(uptr, size))
		return get_user(*(u32 *)kbuf, (const u32 __user *)src);
	if (size == sizeof(u64) && elem_user_fast(uptr, size))
		return get_user(*(u64 *)kbuf, (const u64 __user *)src);
	return copy_from_user(kbuf, src, size) ? -EFAULT : 0;
}

static __always_inline int elem_to_user(u64 uptr, const void *kbuf, u32 size)
{
	void __user *dst = u64_to_user_ptr(uptr);

	if (size == sizeof(u32) && elem_user_fast(uptr, size))
		return put_user(*(const u32 *)kbuf, (u32 __user *)dst);
	if (size == sizeof(u64) && elem_user_fast(uptr, size))
		return put_user(*(const u64 *)kbuf, (u64 __user *)dst);
	return copy_to_user(dst, kbuf, size) ? -EFAULT : 0;
}

/*
 * Stage room for the key and @value_size bytes of value, and copy the key
 * from @ukey: 0, -ENOMEM, or -EFAULT (with nothing left to release).
 */
static __always_inline int stage_key(struct bpfmap_stage *st,
				     const struct bpfmap *map, u64 ukey,
				     u32 value_size)
{
	int err = stage_init(st, map->key_size, value_size);

	if (err)
		return err;
	if (elem_from_user(st->key, ukey, map->key_size)) {
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

/*
 * The map commands below run the same way whether they came to /dev/bpfmap
 * (the fd in map_fd resolved by map_fdget()) or to the map fd itself
 * (map_fd_ioctl()): they get the map and the open mode of the fd that
 * names it.  The checks of a command's own fields that bpf(2) makes before
 * it looks at the fd are in map_cmd_check(), which both paths call first.
 */

/* Called from the LOOKUP_ELEM ioctls. */
static int map_lookup_elem(struct bpfmap *map, fmode_t mode, void *buf,
			   void __user *ubuf)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st __uninitialized;
	u32 value_size;
	int err;

	if (!(mode & FMODE_READ))
		return -EPERM;
	if (cmd->flags) {
		err = bpfmap_check_op_flags(map, cmd->flags,
					    BPFMAP_F_LOCK | BPFMAP_F_CPU);
		if (err)
			return err;
	}

	value_size = bpfmap_value_size(map, cmd->flags);
	err = stage_key(&st, map, cmd->key, value_size);
	if (err)
		return err;
	err = __bpfmap_map_lookup_elem(map, st.key, st.value, cmd->flags);
	if (!err)
		err = elem_to_user(cmd->value, st.value, value_size);
	stage_release(&st);
	return err;
}

/* Called from the UPDATE_ELEM ioctls. */
static int map_update_elem(struct bpfmap *map, fmode_t mode, void *buf,
			   void __user *ubuf)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st __uninitialized;
	struct bpfmap *inner;
	const void *value;
	u32 value_size;
	int err;

	if (!(mode & FMODE_WRITE) || !bpfmap_write_begin(map))
		return -EPERM;
	err = cmd->flags ? bpfmap_check_op_flags(map, cmd->flags,
						 BPFMAP_F_ALL_FLAGS) : 0;
	if (err)
		goto out_write_end;

	value_size = bpfmap_value_size(map, cmd->flags);
	err = stage_key(&st, map, cmd->key, value_size);
	if (err)
		goto out_write_end;
	err = elem_from_user(st.value, cmd->value, value_size);
	if (err)
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
	return err;
}

/* Called from the DELETE_ELEM ioctls. */
static int map_delete_elem(struct bpfmap *map, fmode_t mode, void *buf,
			   void __user *ubuf)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st __uninitialized;
	int err;

	if (!(mode & FMODE_WRITE) || !bpfmap_write_begin(map))
		return -EPERM;
	err = stage_key(&st, map, cmd->key, 0);
	if (err)
		goto out_write_end;
	err = bpfmap_map_delete_elem(map, st.key);
	if (!err)
		wait_for_inner_readers(map);
	stage_release(&st);
out_write_end:
	bpfmap_write_end(map);
	return err;
}

/* Called from the GET_NEXT_KEY ioctls. */
static int map_get_next_key(struct bpfmap *map, fmode_t mode, void *buf,
			    void __user *ubuf)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st __uninitialized;
	void *key = NULL;
	int err;

	if (!(mode & FMODE_READ))
		return -EPERM;
	/* st.key holds the current key, st.value the next one. */
	err = stage_init(&st, map->key_size, map->key_size);
	if (err)
		return err;
	if (cmd->key) {
		err = elem_from_user(st.key, cmd->key, map->key_size);
		if (err)
			goto out_release;
		key = st.key;
	}
	err = __bpfmap_map_get_next_key(map, key, st.value,
					BPFMAP_CTX_SLEEP);
	if (!err)
		err = elem_to_user(cmd->value, st.value, map->key_size);
out_release:
	stage_release(&st);
	return err;
}

/* Called from the LOOKUP_AND_DELETE_ELEM ioctls. */
static int map_lookup_and_delete_elem(struct bpfmap *map, fmode_t mode,
				      void *buf, void __user *ubuf)
{
	struct bpfmap_elem *cmd = buf;
	struct bpfmap_stage st __uninitialized;
	u32 value_size;
	int err;

	if ((mode & (FMODE_READ | FMODE_WRITE)) != (FMODE_READ | FMODE_WRITE) ||
	    !bpfmap_write_begin(map))
		return -EPERM;
	err = -EINVAL;
	if (cmd->flags & BPFMAP_F_LOCK)
		goto out_write_end;

	value_size = bpfmap_value_size(map, 0);
	err = stage_key(&st, map, cmd->key, value_size);
	if (err)
		goto out_write_end;
	err = __bpfmap_map_lookup_and_delete_elem(map, st.key, st.value, 0);
	if (!err)
		err = elem_to_user(cmd->value, st.value, value_size);
	stage_release(&st);
out_write_end:
	bpfmap_write_end(map);
	return err;
}

/* Called from the MAP_FREEZE ioctls. */
static int map_freeze(struct bpfmap *map, fmode_t mode, void *buf,
		      void __user *ubuf)
{
	/* As v7.0: a frozen map has lost syscall write access, so EPERM. */
	if (!(mode & FMODE_WRITE) || READ_ONCE(map->frozen))
		return -EPERM;
	return bpfmap_freeze(map);
}

/* Called from the batch ioctls; the map type does the work. */
static int map_batch(struct bpfmap *map, fmode_t mode, void *buf,
		     void __user *ubuf, u32 nr)
{
	struct bpfmap_batch *cmd = buf;
	bool read, write;
	int err;

	read = nr == BPFMAP_MAP_LOOKUP_BATCH ||
	       nr == BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH;
	write = nr != BPFMAP_MAP_LOOKUP_BATCH;
	if ((read && !(mode & FMODE_READ)) || (write && !(mode & FMODE_WRITE)))
		return -EPERM;
	if (write && !bpfmap_write_begin(map))
		return -EPERM;

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
	return err;
}

static int map_lookup_batch(struct bpfmap *map, fmode_t mode, void *buf,
			    void __user *ubuf)
{
	return map_batch(map, mode, buf, ubuf, BPFMAP_MAP_LOOKUP_BATCH);
}

static int map_lookup_and_delete_batch(struct bpfmap *map, fmode_t mode,
				       void *buf, void __user *ubuf)
{
	return map_batch(map, mode, buf, ubuf,
			 BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH);
}

static int map_update_batch(struct bpfmap *map, fmode_t mode, void *buf,
			    void __user *ubuf)
{
	return map_batch(map, mode, buf, ubuf, BPFMAP_MAP_UPDATE_BATCH);
}

static int map_delete_batch(struct bpfmap *map, fmode_t mode, void *buf,
			    void __user *ubuf)
{
	return map_batch(map, mode, buf, ubuf, BPFMAP_MAP_DELETE_BATCH);
}

/*
 * The fields of a map command that bpf(2) checks before the map fd, after
 * its "last field" rule: unused fields of the element struct, the
 * lookup-and-delete flags, the batch struct's __reserved.
 */
static int map_cmd_check(unsigned int nr, const void *buf)
{
	const struct bpfmap_elem *elem = buf;
	const struct bpfmap_batch *batch = buf;

	switch (nr) {
	case BPFMAP_MAP_DELETE_ELEM:
		return elem->value || elem->flags ? -EINVAL : 0;
	case BPFMAP_MAP_GET_NEXT_KEY:
		return elem->flags ? -EINVAL : 0;
	case BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM:
		/* As bpf(2): this flag check comes before the fd. */
		return elem->flags & ~BPFMAP_F_LOCK ? -EINVAL : 0;
	case BPFMAP_MAP_FREEZE:
		return elem->key || elem->value || elem->flags ? -EINVAL : 0;
	case BPFMAP_MAP_LOOKUP_BATCH:
	case BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH:
	case BPFMAP_MAP_UPDATE_BATCH:
	case BPFMAP_MAP_DELETE_BATCH:
		return batch->__reserved ? -EINVAL : 0;
	}
	return 0;
}

/*
 * A map command that came to /dev/bpfmap: its own fields, then the fd in
 * map_fd (its first field after size in both structs), then the command.
 */
static int dev_map_cmd(void *buf, void __user *ubuf, unsigned int nr,
		       int (*run)(struct bpfmap *map, fmode_t mode, void *buf,
				  void __user *ubuf))
{
	const struct bpfmap_elem *head = buf;
	struct bpfmap *map;
	struct fd f;
	int err;

	BUILD_BUG_ON(offsetof(struct bpfmap_elem, map_fd) !=
		     offsetof(struct bpfmap_batch, map_fd));
	err = map_cmd_check(nr, buf);
	if (err)
		return err;
	map = map_fdget(head->map_fd, &f);
	if (IS_ERR(map))
		return PTR_ERR(map);
	err = run(map, fd_file(f)->f_mode, buf, ubuf);
	fdput(f);
	return err;
}

#define BPFMAP_DEV_MAP_CMD(_name, _nr)					\
static int cmd_##_name(void *buf, void __user *ubuf, u32 usize)	\
{									\
	return dev_map_cmd(buf, ubuf, _nr, map_##_name);		\
}

BPFMAP_DEV_MAP_CMD(lookup_elem, BPFMAP_MAP_LOOKUP_ELEM)
BPFMAP_DEV_MAP_CMD(update_elem, BPFMAP_MAP_UPDATE_ELEM)
BPFMAP_DEV_MAP_CMD(delete_elem, BPFMAP_MAP_DELETE_ELEM)
BPFMAP_DEV_MAP_CMD(get_next_key, BPFMAP_MAP_GET_NEXT_KEY)
BPFMAP_DEV_MAP_CMD(lookup_and_delete_elem, BPFMAP_MAP_LOOKUP_AND_DELETE_ELEM)
BPFMAP_DEV_MAP_CMD(freeze, BPFMAP_MAP_FREEZE)
BPFMAP_DEV_MAP_CMD(lookup_batch, BPFMAP_MAP_LOOKUP_BATCH)
BPFMAP_DEV_MAP_CMD(lookup_and_delete_batch, BPFMAP_MAP_LOOKUP_AND_DELETE_BATCH)
BPFMAP_DEV_MAP_CMD(update_batch, BPFMAP_MAP_UPDATE_BATCH)
BPFMAP_DEV_MAP_CMD(delete_batch, BPFMAP_MAP_DELETE_BATCH)

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

/* Called from the OBJ_PIN ioctl; bpfmapfs.c does the work. */
static int cmd_obj_pin(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_obj *cmd = buf;

	if (cmd->file_flags || cmd->__reserved)
		return -EINVAL;
	return bpfmapfs_obj_pin(cmd->bpf_fd, u64_to_user_ptr(cmd->pathname));
}

/* Called from the OBJ_GET ioctl; bpfmapfs.c does the work. */
static int cmd_obj_get(void *buf, void __user *ubuf, u32 usize)
{
	struct bpfmap_obj *cmd = buf;

	if (cmd->bpf_fd || cmd->__reserved ||
	    (cmd->file_flags & ~(BPFMAP_F_RDONLY | BPFMAP_F_WRONLY)))
		return -EINVAL;
	if ((cmd->file_flags & BPFMAP_F_RDONLY) &&
	    (cmd->file_flags & BPFMAP_F_WRONLY))
		return -EINVAL;
	return bpfmapfs_obj_get(u64_to_user_ptr(cmd->pathname),
				open_mode(cmd->file_flags));
}

union bpfmap_cmd_buffer {
	struct bpfmap_map_create create;
	struct bpfmap_elem elem;
	struct bpfmap_batch batch;
	struct bpfmap_get_next_id next_id;
	struct bpfmap_get_fd_by_id fd_by_id;
	struct bpfmap_map_info info;
	struct bpfmap_obj obj;
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
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_OBJ_PIN, cmd_obj_pin,
			struct bpfmap_obj, __reserved),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_OBJ_GET, cmd_obj_get,
			struct bpfmap_obj, __reserved),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_GET_NEXT_ID, cmd_get_next_id,
			struct bpfmap_get_next_id, __reserved),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_GET_FD_BY_ID, cmd_get_fd_by_id,
			struct bpfmap_get_fd_by_id, __reserved),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_OBJ_GET_INFO_BY_FD, cmd_get_info_by_fd,
			struct bpfmap_map_info, out_memory),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_LOOKUP_AND_DELETE_ELEM,
			cmd_lookup_and_delete_elem, struct bpfmap_elem, flags),
	BPFMAP_IOCTL_OP(BPFMAP_IOCTL_MAP_FREEZE, cmd_freeze,
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
	union bpfmap_cmd_buffer buf __uninitialized;
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

/**
 * struct bpfmap_map_ioctl_op - one command on a map fd
 * @ioctl_num: the full ioctl number, which encodes the struct's size
 * @run: the command (the same one /dev/bpfmap runs)
 */
struct bpfmap_map_ioctl_op {
	unsigned int ioctl_num;
	int (*run)(struct bpfmap *map, fmode_t mode, void *buf,
		   void __user *ubuf);
};

#define BPFMAP_MAP_IOCTL_OP(_ioctl, _fn)				\
	[_IOC_NR(_ioctl)] = {						\
		.ioctl_num = _ioctl +					\
			BUILD_BUG_ON_ZERO(_IOC_SIZE(_ioctl) >		\
					  sizeof(union bpfmap_cmd_buffer)), \
		.run = _fn,						\
	}

static const struct bpfmap_map_ioctl_op bpfmap_map_ioctl_ops[] = {
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_LOOKUP_ELEM, map_lookup_elem),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_UPDATE_ELEM, map_update_elem),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_DELETE_ELEM, map_delete_elem),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_GET_NEXT_KEY, map_get_next_key),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_LOOKUP_AND_DELETE_ELEM,
			    map_lookup_and_delete_elem),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_FREEZE, map_freeze),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_LOOKUP_BATCH, map_lookup_batch),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_LOOKUP_AND_DELETE_BATCH,
			    map_lookup_and_delete_batch),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_UPDATE_BATCH, map_update_batch),
	BPFMAP_MAP_IOCTL_OP(BPFMAP_IOCTL_FD_DELETE_BATCH, map_delete_batch),
};

/**
 * bpfmap_map_ioctl - a map command issued on the map fd itself
 * @file: the map's file
 * @cmd: a BPFMAP_IOCTL_FD_* number
 * @arg: user pointer to the command's struct
 *
 * Called from the ioctl syscall on a map fd; may sleep.  The struct is the
 * one of this module's header (its size is in @cmd): size must match and
 * map_fd must be 0, EINVAL otherwise.  Then the command runs as it does
 * on /dev/bpfmap, on the map and open mode of @file.
 */
long bpfmap_map_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct bpfmap_map_ioctl_op *op;
	union bpfmap_cmd_buffer buf __uninitialized;
	void __user *ubuf = (void __user *)arg;
	const struct bpfmap_elem *head = (const void *)&buf;
	unsigned int nr = _IOC_NR(cmd), size = _IOC_SIZE(cmd);
	int err;

	if (nr >= ARRAY_SIZE(bpfmap_map_ioctl_ops))
		return -ENOTTY;
	op = &bpfmap_map_ioctl_ops[array_index_nospec(nr,
				ARRAY_SIZE(bpfmap_map_ioctl_ops))];
	if (!op->run || op->ioctl_num != cmd)
		return -ENOTTY;
	/* Both structs begin with size and map_fd. */
	BUILD_BUG_ON(offsetof(struct bpfmap_batch, map_fd) !=
		     offsetof(struct bpfmap_elem, map_fd));

	/* A constant size each, which copy_from_user() needs no check for. */
	if (size == sizeof(struct bpfmap_elem))
		err = copy_from_user(&buf, ubuf, sizeof(struct bpfmap_elem));
	else
		err = copy_from_user(&buf, ubuf, sizeof(struct bpfmap_batch));
	if (err)
		return -EFAULT;
	if (head->size != size || head->map_fd)
		return -EINVAL;
	err = map_cmd_check(nr, &buf);
	if (err)
		return err;
	return op->run(file->private_data, file->f_mode, &buf, ubuf);
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
