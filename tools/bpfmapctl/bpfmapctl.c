// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * bpfmapctl: bpftool-style map commands over libbpfmap, on either backend.
 * Global options, errors and help live here; the map commands in map.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfmapctl.h"

bool json_output;

static const char usage_text[] =
"Usage: bpfmapctl [OPTIONS] map COMMAND\n"
"       bpfmapctl { help | --help | -h }\n"
"\n"
"OPTIONS\n"
"  -j, --json              JSON output on stdout, in bpftool's shapes\n"
"  -b, --backend BACKEND   bpfmap (ioctls on /dev/bpfmap, the default)\n"
"                          or kernel (the kernel's own bpf(2)); the\n"
"                          environment variable BPFMAP_BACKEND sets the\n"
"                          default\n"
"\n"
"COMMANDS\n"
"  map create FILE type TYPE key KSIZE value VSIZE entries N [name NAME]\n"
"             [flags FLAGS] [inner_map MAP]\n"
"      Create a map and pin it at FILE, as bpftool does: in a bpfmapfs\n"
"      (mount -t bpfmapfs none /sys/fs/bpfmap) on the bpfmap backend, in\n"
"      a bpffs (mount -t bpf bpf /sys/fs/bpf) on the kernel backend.  The\n"
"      pin keeps the map; rm FILE lets it go with its last reference.\n"
"      TYPE is hash, array, percpu_hash, percpu_array, lru_hash,\n"
"      lru_percpu_hash, array_of_maps or hash_of_maps (\"type\" may be\n"
"      left out).  FLAGS is decimal or 0x hex\n"
"      (BPF_F_*: 0x1 no_prealloc, 0x2 no_common_lru, 0x8 rdonly,\n"
"      0x10 wronly, 0x40 zero_seed, 0x400 mmapable, 0x1000 inner_map).\n"
"      NAME is cut to 15 characters.  Map-of-maps types take the map whose\n"
"      shape every inner map must have from inner_map.\n"
"  map pin MAP FILE\n"
"      Pin an existing map at FILE.\n"
"  map { list | show } [MAP]\n"
"      Show one map, or every map of the backend: id, type, name, flags,\n"
"      key/value sizes, max_entries, memlock bytes, frozen.\n"
"  map lookup MAP key BYTES [cpu CPU]\n"
"  map update MAP key BYTES value VALUE [any | noexist | exist] [cpu CPU]\n"
"  map update MAP batch FILE\n"
"      One UPDATE_BATCH call with every \"key BYTES value BYTES\" line of\n"
"      FILE (- for stdin; blank lines and lines starting with # skipped).\n"
"      Every element is written as with any: UPDATE_BATCH takes no\n"
"      noexist or exist.\n"
"  map delete MAP key BYTES\n"
"  map dump MAP\n"
"      Read the map with LOOKUP_BATCH (or, where the map has none, walk it\n"
"      with get_next_key and look up every element).  The\n"
"      text ends with \"Found N element(s)\"; JSON is an array of\n"
"      {\"key\", \"value\"}, or {\"key\", \"values\": [{\"cpu\", \"value\"}]}\n"
"      for per-CPU maps.  Map-of-maps values are inner map ids.\n"
"  map freeze MAP\n"
"      Make the map read-only for the syscall/ioctl side, for good.\n"
"\n"
"MAP is \"id ID\" or \"pinned FILE\" (a map pinned by \"map create\" or\n"
"  \"map pin\").\n"
"BYTES is a list of items, concatenated in order (bpftool's DATA, plus\n"
"the u8..u64 forms):\n"
"  10 0x0a 012             one byte each: decimal, 0x hex or 0 octal\n"
"  hex                     the bare bytes after it are hexadecimal\n"
"                          (0x optional)\n"
"  u8|u16|u32|u64 N        a number (decimal, 0x hex or 0 octal) in\n"
"                          1/2/4/8 bytes, little-endian\n"
"  e.g. key u32 10, key 10 0 0 0 and key hex 0a 00 00 00 are the same key.\n"
"  A key must have exactly the map's key size.  See bpfmapctl(8).\n"
"VALUE is BYTES of the map's value size.  For per-CPU maps it is either\n"
"  value size bytes, written to every possible CPU, or the whole per-CPU\n"
"  buffer: round_up(value size, 8) bytes per possible CPU.  For\n"
"  map-of-maps it is MAP, the inner map to store.\n"
"cpu CPU (per-CPU maps) looks up or updates one CPU's value alone\n"
"  (BPFMAP_F_CPU); the value is then value size bytes.\n"
"\n"
"Errors print \"Error: ERRNO_NAME: sentence\" on stderr (with --json, a\n"
"{\"error\": ...} object on stdout) and exit with status 1.  Commands\n"
"without output print null with --json.\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static const struct {
	int err;
	const char *name;
	const char *sentence;
} errnos[] = {
	{ EPERM,	"EPERM",	"operation not permitted" },
	{ ENOENT,	"ENOENT",	"no such element" },
	{ ESRCH,	"ESRCH",	"no such process" },
	{ EINTR,	"EINTR",	"interrupted, try again" },
	{ EIO,		"EIO",		"input/output error" },
	{ E2BIG,	"E2BIG",	"map full, or index out of range" },
	{ EBADF,	"EBADF",	"bad file descriptor" },
	{ EAGAIN,	"EAGAIN",	"resource temporarily unavailable" },
	{ ENOMEM,	"ENOMEM",	"out of memory" },
	{ EACCES,	"EACCES",	"permission denied" },
	{ EFAULT,	"EFAULT",	"bad address" },
	{ EBUSY,	"EBUSY",	"busy (frozen, or being written)" },
	{ EEXIST,	"EEXIST",	"element already exists" },
	{ ENODEV,	"ENODEV",	"no such device" },
	{ ENOTDIR,	"ENOTDIR",	"not a directory" },
	{ EISDIR,	"EISDIR",	"is a directory" },
	{ EINVAL,	"EINVAL",	"invalid argument" },
	{ ENFILE,	"ENFILE",	"too many open files in the system" },
	{ EMFILE,	"EMFILE",	"too many open files" },
	{ ENOTTY,	"ENOTTY",	"not a bpfmap ioctl" },
	{ ENOSPC,	"ENOSPC",	"no space (batch buffer too small)" },
	{ ERANGE,	"ERANGE",	"out of range" },
	{ EDEADLK,	"EDEADLK",	"deadlock avoided" },
	{ ENAMETOOLONG,	"ENAMETOOLONG",	"name too long" },
	{ ENOSYS,	"ENOSYS",	"function not implemented" },
	{ EOPNOTSUPP,	"EOPNOTSUPP",	"operation not supported" },
	{ ETIMEDOUT,	"ETIMEDOUT",	"timed out" },
	{ ENOTSUPP,	"ENOTSUPP",	"not supported by this map type" },
};

#define NR_ERRNOS	ARRAY_SIZE(errnos)

const char *errno_name(int err)
{
	static char buf[24];
	size_t i;

	for (i = 0; i < NR_ERRNOS; i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

const char *errno_sentence(int err)
{
	size_t i;

	for (i = 0; i < NR_ERRNOS; i++)
		if (errnos[i].err == err)
			return errnos[i].sentence;
	return strerror(err);
}

void fail(int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (json_output) {
		char full[600];

		snprintf(full, sizeof(full), "%s: %s", errno_name(err), msg);
		fflush(stdout);
		printf("{\"error\":");
		json_string(full);
		printf("}\n");
	} else {
		fflush(stdout);
		fprintf(stderr, "Error: %s: %s\n", errno_name(err), msg);
	}
	exit(1);
}

void fail_errno(int err)
{
	fail(err, "%s", errno_sentence(err));
}

static void set_backend(const char *name, const char *from)
{
	enum bpfmap_backend b;

	if (bpfmap_backend_parse(name, &b) < 0)
		fail(EINVAL, "%s: unknown backend '%s' (bpfmap or kernel)",
		     from, name);
	bpfmap_backend_select(b);
}

int main(int argc, char **argv)
{
	const char *env = getenv("BPFMAP_BACKEND");
	const char *backend = NULL;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			json_output = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-b") || !strcmp(a, "--backend")) {
			if (++i >= argc)
				fail(EINVAL, "%s needs a backend name", a);
			backend = argv[i];
		} else if (!strncmp(a, "--backend=", 10)) {
			backend = a + 10;
		} else {
			fail(EINVAL, "unknown option '%s' (see --help)", a);
		}
	}

	if (backend)
		set_backend(backend, "--backend");
	else if (env && *env)
		set_backend(env, "BPFMAP_BACKEND");

	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[i], "map"))
		return do_map(argv + i + 1);
	fail(EINVAL, "unknown object '%s' (see --help)", argv[i]);
}
