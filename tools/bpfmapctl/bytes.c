// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Command-line numbers and BYTES.  BYTES are read as bpftool reads the
 * DATA of its map commands, with two forms of our own besides.  A list is
 * a sequence of items, concatenated in order:
 *
 *   10 0x0a 012    one byte each: decimal, 0x hexadecimal or 0 octal
 *   hex            every bare byte after it is hexadecimal, 0x optional
 *                  (bpftool: "hex" only as the first word of DATA)
 *   u8|u16|u32|u64 N   an integer (decimal, 0x hexadecimal or 0 octal),
 *                  stored little-endian in 1, 2, 4 or 8 bytes; "hex"
 *                  does not change how N reads
 *
 * A byte above 255 fails the command, where bpftool keeps its low 8 bits.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfmapctl.h"

/* @base 0 (decimal, 0x or 0 prefix) or 16; no sign, nothing after it. */
static unsigned long long parse_ull(const char *s, int base, const char *what,
				    unsigned long long max)
{
	unsigned long long v;
	char *end;

	if (!s)
		fail(EINVAL, "%s: a number is missing", what);
	if (base == 16 ? !isxdigit((unsigned char)*s) :
			 !isdigit((unsigned char)*s))
		fail(EINVAL, "%s: '%s' is not a%s number", what, s,
		     base == 16 ? " hex" : "");
	errno = 0;
	v = strtoull(s, &end, base);
	if (*end)
		fail(EINVAL, "%s: '%s' is not a%s number", what, s,
		     base == 16 ? " hex" : "");
	if (errno == ERANGE || v > max)
		fail(ERANGE, "%s: %s is out of range", what, s);
	return v;
}

__u32 parse_u32(const char *s, const char *what)
{
	return (__u32)parse_ull(s, 0, what, 0xffffffffULL);
}

__u64 parse_u64(const char *s, const char *what)
{
	return parse_ull(s, 0, what, ~0ULL);
}

static void push(struct bytes *b, const void *p, size_t n)
{
	unsigned char *d = realloc(b->data, b->len + n);

	if (!d)
		fail(ENOMEM, "out of memory");
	memcpy(d + b->len, p, n);
	b->data = d;
	b->len += n;
}

static void push_byte(struct bytes *b, const char *arg, bool hex,
		      const char *what)
{
	unsigned char byte = (unsigned char)parse_ull(arg, hex ? 16 : 0, what,
						      0xff);

	push(b, &byte, 1);
}

/* Little-endian on every host, so the same bytes on any machine. */
static void push_int(struct bytes *b, const char *type, const char *arg,
		     const char *what)
{
	unsigned int width = (unsigned int)strtoul(type + 1, NULL, 10) / 8;
	unsigned long long max, v;
	unsigned char buf[8];
	unsigned int i;

	max = width == 8 ? ~0ULL : (1ULL << (width * 8)) - 1;
	v = parse_ull(arg, 0, what, max);
	for (i = 0; i < width; i++)
		buf[i] = (unsigned char)(v >> (8 * i));
	push(b, buf, width);
}

static bool is_stop(const char *arg, const char *const *stop)
{
	for (; *stop; stop++)
		if (!strcmp(arg, *stop))
			return true;
	return false;
}

void parse_bytes(char ***argvp, const char *const *stop, const char *what,
		 struct bytes *out)
{
	char **argv = *argvp;
	bool hex = false;

	out->data = NULL;
	out->len = 0;
	while (*argv && !is_stop(*argv, stop)) {
		const char *a = *argv;

		if (!strcmp(a, "hex")) {
			hex = true;
			argv++;
		} else if (!strcmp(a, "u8") || !strcmp(a, "u16") ||
			   !strcmp(a, "u32") || !strcmp(a, "u64")) {
			push_int(out, a, argv[1], what);
			argv += 2;
		} else {
			push_byte(out, a, hex, what);
			argv++;
		}
	}
	if (!out->len)
		fail(EINVAL, "%s: no bytes given", what);
	*argvp = argv;
}
