// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The `map` commands.  Each one parses its words, makes its libbpfmap
 * calls and prints; any failure ends the process through fail().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfmapctl.h"

static const char *const elem_words[] = {
	"key", "value", "any", "noexist", "exist", "cpu", NULL
};

static void *xzalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		fail(ENOMEM, "out of memory");
	return p;
}

static void json_null(void)
{
	if (json_output)
		printf("null\n");
}

/* A missing /dev/bpfmap would otherwise read as "no map with id N". */
static void check_backend(void)
{
	int fd;

	if (bpfmap_backend_current() != BPFMAP_BACKEND_DEV)
		return;
	fd = bpfmap_dev_fd();
	if (fd < 0)
		fail(-fd, "cannot open /dev/bpfmap (is bpfmap.ko loaded?)");
}

static int ncpus(void)
{
	int n = bpfmap_num_possible_cpus();

	if (n < 0)
		fail(-n, "cannot read the possible CPUs");
	return n;
}

static __u32 parse_id(char ***argvp)
{
	char **argv = *argvp;

	if (!argv[0] || strcmp(argv[0], "id"))
		fail(EINVAL, "expected \"id ID\" or \"pinned FILE\"%s%s",
		     argv[0] ? ", got " : "", argv[0] ? argv[0] : "");
	*argvp = argv + 2;
	return parse_u32(argv[1], "id");
}

static int open_id(__u32 id)
{
	int fd = bpfmap_map_get_fd_by_id(id);

	if (fd == -ENOENT)
		fail(ENOENT, "no map with id %u", id);
	if (fd < 0)
		fail(-fd, "cannot open map id %u: %s", id,
		     errno_sentence(-fd));
	return fd;
}

/*
 * bpftool's MAP at *argvp, "id ID" or "pinned FILE": opens the map and
 * moves *argvp past it.
 */
static int open_map_ref(char ***argvp)
{
	char **argv = *argvp;
	int fd;

	if (!argv[0] || strcmp(argv[0], "pinned"))
		return open_id(parse_id(argvp));
	if (!argv[1])
		fail(EINVAL, "'pinned' needs a FILE");
	fd = bpfmap_obj_get(argv[1], 0);
	if (fd == -ENOENT)
		fail(ENOENT, "nothing is pinned at %s", argv[1]);
	if (fd < 0)
		fail(-fd, "cannot open pinned map %s: %s", argv[1],
		     errno_sentence(-fd));
	*argvp = argv + 2;
	return fd;
}

static void get_info(int fd, struct bpfmap_info *info)
{
	int err = bpfmap_map_get_info_by_fd(fd, info);

	if (err)
		fail(-err, "cannot get map info: %s", errno_sentence(-err));
}

/* MAP at *argvp: opens the map and reads its info. */
static int open_map(char ***argvp, struct bpfmap_info *info)
{
	int fd = open_map_ref(argvp);

	get_info(fd, info);
	return fd;
}

static void no_more_args(char **argv)
{
	if (*argv)
		fail(EINVAL, "unexpected argument '%s'", *argv);
}

/* Pin @fd at @file, close it and print the JSON null; fails the command. */
static void pin_and_close(int fd, const char *file)
{
	int err = bpfmap_obj_pin(fd, file);

	if (err)
		fail(-err, "cannot pin the map at %s: %s", file,
		     errno_sentence(-err));
	close(fd);
	json_null();
}

static void do_create(char **argv)
{
	bool have_key = false, have_value = false, have_entries = false;
	struct bpfmap_map_create_opts opts = { .sz = sizeof(opts) };
	__u32 type, key_size = 0, value_size = 0, max_entries = 0;
	const char *name = NULL, *file;
	int fd, inner_fd = -1;

	/* As bpftool: the file to pin the new map at comes first. */
	file = argv[0];
	if (!file || !strcmp(file, "type"))
		fail(EINVAL, "map create needs a FILE to pin the map at (see --help)");
	argv++;
	if (argv[0] && !strcmp(argv[0], "type"))
		argv++;
	if (!argv[0])
		fail(EINVAL, "map create needs a TYPE (see --help)");
	if (bpfmap_map_type_parse(argv[0], &type) < 0)
		fail(EINVAL, "unknown map type '%s'", argv[0]);
	argv++;

	while (*argv) {
		const char *kw = argv[0], *arg = argv[1];

		if (!arg)
			fail(EINVAL, "'%s' needs an argument", kw);
		if (!strcmp(kw, "key")) {
			key_size = parse_u32(arg, "key size");
			have_key = true;
		} else if (!strcmp(kw, "value")) {
			value_size = parse_u32(arg, "value size");
			have_value = true;
		} else if (!strcmp(kw, "entries")) {
			max_entries = parse_u32(arg, "entries");
			have_entries = true;
		} else if (!strcmp(kw, "name")) {
			name = arg;
		} else if (!strcmp(kw, "flags")) {
			opts.map_flags = parse_u32(arg, "flags");
		} else if (!strcmp(kw, "inner_map")) {
			char **p = argv + 1;

			if (inner_fd >= 0)
				fail(EINVAL, "inner_map given twice");
			inner_fd = open_map_ref(&p);
			opts.inner_map_fd = (__u32)inner_fd;
			argv = p;
			continue;
		} else {
			fail(EINVAL, "unknown create argument '%s'", kw);
		}
		argv += 2;
	}
	if (!have_key || !have_value || !have_entries)
		fail(EINVAL, "map create needs key, value and entries");

	check_backend();
	fd = bpfmap_map_create(type, name, key_size, value_size, max_entries,
			       &opts);
	if (fd < 0)
		fail(-fd, "map create failed: %s", errno_sentence(-fd));
	/* The pin keeps the map after we exit; without it the map is gone. */
	pin_and_close(fd, file);
}

/* "map pin MAP FILE" */
static void do_pin(char **argv)
{
	const char *file;
	int fd;

	check_backend();
	fd = open_map_ref(&argv);
	file = argv[0];
	if (!file)
		fail(EINVAL, "map pin needs a FILE");
	no_more_args(argv + 1);
	pin_and_close(fd, file);
}

static void do_show(char **argv)
{
	struct bpfmap_info info;
	__u32 id = 0;
	int fd, err, n = 0;

	check_backend();
	if (*argv) {
		fd = open_map(&argv, &info);
		no_more_args(argv);
		show_map(&info);
		if (json_output)
			putchar('\n');
		return;
	}

	if (json_output)
		putchar('[');
	for (;;) {
		err = bpfmap_map_get_next_id(id, &id);
		if (err == -ENOENT)
			break;
		if (err)
			fail(-err, "cannot list maps: %s",
			     errno_sentence(-err));
		fd = bpfmap_map_get_fd_by_id(id);
		if (fd == -ENOENT)
			continue;	/* freed since get_next_id */
		if (fd < 0)
			fail(-fd, "cannot open map id %u: %s", id,
			     errno_sentence(-fd));
		get_info(fd, &info);
		close(fd);
		if (json_output && n)
			putchar(',');
		show_map(&info);
		n++;
	}
	if (json_output)
		printf("]\n");
}

/* "key BYTES", checked against the map's key size. */
static void *parse_key(char ***argvp, const struct bpfmap_info *info)
{
	struct bytes b;

	(*argvp)++;
	parse_bytes(argvp, elem_words, "key", &b);
	if (b.len != info->key_size)
		fail(EINVAL, "key is %zu bytes, the map's key size is %u",
		     b.len, info->key_size);
	return b.data;
}

static int parse_cpu(char ***argvp, const struct bpfmap_info *info)
{
	char **argv = *argvp;
	__u32 cpu = parse_u32(argv[1], "cpu");

	if (!map_is_percpu(info->type))
		fail(EINVAL, "cpu is for per-CPU maps only");
	*argvp = argv + 2;
	return (int)cpu;
}

static __u64 cpu_flags(int cpu)
{
	return cpu < 0 ? 0 : BPFMAP_F_CPU | (__u64)(__u32)cpu << 32;
}

static void do_lookup(char **argv)
{
	unsigned char *key = NULL, *value;
	struct bpfmap_info info;
	int fd, err, cpu = -1;
	__u64 flags;

	check_backend();
	fd = open_map(&argv, &info);
	while (*argv) {
		if (!strcmp(*argv, "key") && !key)
			key = parse_key(&argv, &info);
		else if (!strcmp(*argv, "cpu") && cpu < 0)
			cpu = parse_cpu(&argv, &info);
		else
			fail(EINVAL, "unexpected argument '%s'", *argv);
	}
	if (!key)
		fail(EINVAL, "map lookup needs a key");

	flags = cpu_flags(cpu);
	value = xzalloc(bpfmap_value_buf_size(info.type, info.value_size,
					      flags));
	err = bpfmap_map_lookup_elem_flags(fd, key, value, flags);
	if (err)
		fail_errno(-err);
	print_entry(&info, key, value, ncpus(), cpu);
	if (json_output)
		putchar('\n');
}

/*
 * The update buffer of a per-CPU map holds one rounded slot per possible
 * CPU.  The user gives one value (copied to every slot, as bpftool does)
 * or the whole buffer.
 */
static void *percpu_value(const struct bytes *b,
			  const struct bpfmap_info *info)
{
	size_t step = (info->value_size + 7) & ~7U, n = (size_t)ncpus();
	unsigned char *buf;
	size_t i;

	if (b->len == step * n)
		return b->data;
	if (b->len != info->value_size)
		fail(EINVAL, "value is %zu bytes, not %u (one CPU) or %zu (all)",
		     b->len, info->value_size, step * n);
	buf = xzalloc(step * n);
	for (i = 0; i < n; i++)
		memcpy(buf + i * step, b->data, b->len);
	free(b->data);
	return buf;
}

/* MAP of a map-of-maps value: the inner map, passed as an fd. */
static void *inner_map_value(char ***argvp)
{
	__u32 *v = xzalloc(sizeof(*v));

	*v = (__u32)open_map_ref(argvp);
	return v;
}

/* Sized once the words are all read: "cpu" changes what is expected. */
static void *finish_value(struct bytes *b, const struct bpfmap_info *info,
			  int cpu)
{
	if (map_is_percpu(info->type) && cpu < 0)
		return percpu_value(b, info);
	if (b->len != info->value_size)
		fail(EINVAL, "value is %zu bytes, the map's value size is %u",
		     b->len, info->value_size);
	return b->data;
}

/* Splits @line at blanks into a NULL-terminated word list, in place. */
static char **split_words(char *line)
{
	size_t n = 0, cap = 8;
	char **words = xzalloc(cap * sizeof(*words)), *w;

	for (w = strtok(line, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
		if (n + 1 >= cap) {
			cap *= 2;
			words = realloc(words, cap * sizeof(*words));
			if (!words)
				fail(ENOMEM, "out of memory");
		}
		words[n++] = w;
	}
	words[n] = NULL;
	return words;
}

/*
 * "map update id N batch FILE": every non-empty line of FILE (not starting
 * with '#') is "key BYTES value BYTES", as on the command line; all of
 * them go to the map in one UPDATE_BATCH call.  It takes no element flag:
 * UPDATE_BATCH refuses NOEXIST and EXIST (EINVAL), as bpf(2) does.
 */
static void update_batch_file(int fd, const struct bpfmap_info *info,
			      const char *path)
{
	size_t vsize = bpfmap_value_buf_size(info->type, info->value_size, 0);
	size_t cap = 64, lineno = 0, len = 0;
	struct bpfmap_map_batch_opts opts = { .sz = sizeof(opts) };
	unsigned char *keys, *values;
	char *line = NULL, **words, **argv;
	__u32 count = 0, sent;
	FILE *f;
	int err;

	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		fail(errno, "cannot open %s", path);
	keys = xzalloc(cap * info->key_size);
	values = xzalloc(cap * vsize);
	while (getline(&line, &len, f) > 0) {
		struct bytes vb = { 0 };
		void *key, *value = NULL;

		lineno++;
		words = split_words(line);
		argv = words;
		if (!*argv || **argv == '#') {
			free(words);
			continue;
		}
		if (strcmp(*argv, "key"))
			fail(EINVAL, "%s:%zu: expected \"key BYTES value BYTES\"",
			     path, lineno);
		key = parse_key(&argv, info);
		if (!*argv || strcmp(*argv, "value"))
			fail(EINVAL, "%s:%zu: expected \"value BYTES\"", path,
			     lineno);
		argv++;
		if (map_is_map_of_maps(info->type))
			value = inner_map_value(&argv);
		else
			parse_bytes(&argv, elem_words, "value", &vb);
		if (*argv)
			fail(EINVAL, "%s:%zu: unexpected '%s'", path, lineno,
			     *argv);
		if (!map_is_map_of_maps(info->type))
			value = finish_value(&vb, info, -1);
		if (count == cap) {
			cap *= 2;
			keys = realloc(keys, cap * info->key_size);
			values = realloc(values, cap * vsize);
			if (!keys || !values)
				fail(ENOMEM, "out of memory");
		}
		memcpy(keys + (size_t)count * info->key_size, key,
		       info->key_size);
		memcpy(values + (size_t)count * vsize, value, vsize);
		count++;
		free(key);
		free(value);
		free(words);
	}
	if (f != stdin)
		fclose(f);
	free(line);

	sent = count;
	err = count ? bpfmap_map_update_batch(fd, keys, values, &count,
					       &opts) : 0;
	/* A call refused as a whole leaves count as it was sent. */
	if (err && count < sent)
		fail(-err, "update batch stopped after %u element%s: %s",
		     count, count == 1 ? "" : "s", errno_sentence(-err));
	if (err)
		fail(-err, "update batch: %s", errno_sentence(-err));
	if (json_output)
		printf("{\"updated\":%u}\n", count);
	else
		printf("Updated %u element%s\n", count, count == 1 ? "" : "s");
}

static void do_update(char **argv)
{
	const char *batch_file = NULL;
	void *key = NULL, *value = NULL;
	struct bytes vbytes = { 0 };
	bool have_flags = false;
	struct bpfmap_info info;
	__u64 flags = BPFMAP_ANY;
	int fd, err, cpu = -1;

	check_backend();
	fd = open_map(&argv, &info);
	while (*argv) {
		const char *a = *argv;

		if (!strcmp(a, "key") && !key) {
			key = parse_key(&argv, &info);
		} else if (!strcmp(a, "value") && !value && !vbytes.len) {
			argv++;
			if (map_is_map_of_maps(info.type))
				value = inner_map_value(&argv);
			else
				parse_bytes(&argv, elem_words, "value",
					    &vbytes);
		} else if (!have_flags && (!strcmp(a, "any") ||
					   !strcmp(a, "noexist") ||
					   !strcmp(a, "exist"))) {
			flags = !strcmp(a, "any") ? BPFMAP_ANY :
				!strcmp(a, "noexist") ? BPFMAP_NOEXIST :
				BPFMAP_EXIST;
			have_flags = true;
			argv++;
		} else if (!strcmp(a, "cpu") && cpu < 0) {
			cpu = parse_cpu(&argv, &info);
		} else if ((!strcmp(a, "batch") || !strcmp(a, "--batch")) &&
			   !batch_file && argv[1]) {
			batch_file = argv[1];
			argv += 2;
		} else {
			fail(EINVAL, "unexpected argument '%s'", a);
		}
	}
	if (batch_file) {
		if (key || value || vbytes.len || cpu >= 0)
			fail(EINVAL, "batch takes its keys and values from the file");
		if (have_flags)
			fail(EINVAL, "batch takes no any, noexist or exist: UPDATE_BATCH writes every element as any");
		update_batch_file(fd, &info, batch_file);
		return;
	}
	if (!key || (!value && !vbytes.len))
		fail(EINVAL, "map update needs a key and a value");
	if (!value)
		value = finish_value(&vbytes, &info, cpu);

	flags |= cpu_flags(cpu);
	err = bpfmap_map_update_elem(fd, key, value, flags);
	if (err)
		fail_errno(-err);
	json_null();
}

static void do_delete(char **argv)
{
	struct bpfmap_info info;
	void *key = NULL;
	int fd, err;

	check_backend();
	fd = open_map(&argv, &info);
	if (!*argv || strcmp(*argv, "key"))
		fail(EINVAL, "map delete needs a key");
	key = parse_key(&argv, &info);
	no_more_args(argv);

	err = bpfmap_map_delete_elem(fd, key);
	if (err)
		fail_errno(-err);
	json_null();
}

/*
 * LOOKUP_BATCH in chunks, growing the chunk when one hash bucket does not
 * fit (ENOSPC).  Returns false, having printed nothing, when the map or
 * the kernel has no lookup batch, so that the caller walks instead.
 */
static bool dump_batch(int fd, const struct bpfmap_info *info, int cpus,
		       int *n)
{
	size_t vsize = bpfmap_value_buf_size(info->type, info->value_size, 0);
	size_t tok = info->key_size > 4 ? info->key_size : 4;
	unsigned char *in = xzalloc(tok), *out = xzalloc(tok);
	unsigned char *keys, *values;
	__u32 chunk = 256, count, i;
	bool first = true;
	int err;

	keys = xzalloc((size_t)chunk * info->key_size);
	values = xzalloc((size_t)chunk * vsize);
	for (;;) {
		count = chunk;
		err = bpfmap_map_lookup_batch(fd, first ? NULL : in, out, keys,
					      values, &count, NULL);
		if (err == -ENOSPC) {
			chunk *= 2;
			free(keys);
			free(values);
			keys = xzalloc((size_t)chunk * info->key_size);
			values = xzalloc((size_t)chunk * vsize);
			continue;
		}
		if (err && err != -ENOENT) {
			if (first && !*n && (err == -ENOTSUPP ||
					     err == -EOPNOTSUPP ||
					     err == -EINVAL)) {
				free(keys);
				free(values);
				return false;
			}
			fail(-err, "lookup batch failed: %s",
			     errno_sentence(-err));
		}
		for (i = 0; i < count; i++) {
			if (json_output && *n)
				putchar(',');
			print_entry(info, keys + (size_t)i * info->key_size,
				    values + (size_t)i * vsize, cpus, -1);
			(*n)++;
		}
		if (err == -ENOENT)
			break;
		memcpy(in, out, tok);
		first = false;
	}
	free(keys);
	free(values);
	free(in);
	free(out);
	return true;
}

/*
 * The whole map, by LOOKUP_BATCH where the map has it; otherwise
 * get_next_key from NULL, then from each key, where an element deleted
 * between the two calls is skipped, as are the empty slots of an array of
 * maps.
 */
static void do_dump(char **argv)
{
	unsigned char *key, *next, *value, *tmp;
	struct bpfmap_info info;
	int fd, err, n = 0, cpus;
	bool first = true;

	check_backend();
	fd = open_map(&argv, &info);
	no_more_args(argv);
	cpus = ncpus();

	key = xzalloc(info.key_size);
	next = xzalloc(info.key_size);
	value = xzalloc(bpfmap_value_buf_size(info.type, info.value_size, 0));

	if (json_output)
		putchar('[');
	for (;;) {
		if (first && dump_batch(fd, &info, cpus, &n))
			break;
		err = bpfmap_map_get_next_key(fd, first ? NULL : key, next);
		if (err == -ENOENT)
			break;
		if (err)
			fail(-err, "get_next_key failed: %s",
			     errno_sentence(-err));
		first = false;
		tmp = key;
		key = next;
		next = tmp;

		err = bpfmap_map_lookup_elem(fd, key, value);
		if (err == -ENOENT)
			continue;
		if (err)
			fail(-err, "lookup failed: %s", errno_sentence(-err));
		if (json_output && n)
			putchar(',');
		print_entry(&info, key, value, cpus, -1);
		n++;
	}
	if (json_output)
		printf("]\n");
	else
		printf("Found %d element%s\n", n, n == 1 ? "" : "s");
}

static void do_freeze(char **argv)
{
	struct bpfmap_info info;
	int fd, err;

	check_backend();
	fd = open_map(&argv, &info);
	no_more_args(argv);

	err = bpfmap_map_freeze(fd);
	if (err)
		fail_errno(-err);
	json_null();
}

static const struct {
	const char *name;
	void (*fn)(char **argv);
} cmds[] = {
	{ "create",	do_create },
	{ "pin",	do_pin },
	{ "list",	do_show },
	{ "show",	do_show },
	{ "lookup",	do_lookup },
	{ "update",	do_update },
	{ "delete",	do_delete },
	{ "dump",	do_dump },
	{ "freeze",	do_freeze },
};

int do_map(char **argv)
{
	size_t i;

	if (!argv[0])
		fail(EINVAL, "map needs a command (see --help)");
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(argv[0], cmds[i].name)) {
			cmds[i].fn(argv + 1);
			fflush(stdout);
			return 0;
		}
	}
	fail(EINVAL, "unknown map command '%s' (see --help)", argv[0]);
}
