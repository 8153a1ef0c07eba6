// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Command-line numbers and BYTES.  A BYTES list is a sequence of items,
 * concatenated in order:
 *
 *   01 ff 0x3      one byte each, always hexadecimal (0x optional)
 *   hex 0102ab     a packed hex string, any even number of digits
 *   u8|u16|u32|u64 N   an integer (decimal, 0x hex or 0 octal) stored
 *                  little-endian in 1, 2, 4 or 8 bytes
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpfmapctl.h"

static unsigned long long parse_ull(const char *s, const char *what,
				    unsigned long long max)
{
	unsigned long long v;
	char *end;

	if (!s)
		fail(EINVAL, "%s: a number is missing", what);
	if (!isdigit((unsigned char)*s))
		fail(EINVAL, "%s: '%s' is not a number", what, s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end)
		fail(EINVAL, "%s: '%s' is not a number", what, s);
	if (errno == ERANGE || v > max)
		fail(ERANGE, "%s: %s is out of range", what, s);
	return v;
}

__u32 parse_u32(const char *s, const char *what)
{
	return (__u32)parse_ull(s, what, 0xffffffffULL);
}

__u64 parse_u64(const char *s, const char *what)
{
	return parse_ull(s, what, ~0ULL);
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

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static const char *skip_0x(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return s + 2;
	return s;
}

static void push_hex_string(struct bytes *b, const char *arg,
			    const char *what)
{
	const char *s = skip_0x(arg);
	size_t n = strlen(s), i;
	unsigned char byte;

	if (!n || n % 2)
		fail(EINVAL, "%s: hex '%s' needs an even number of digits",
		     what, arg);
	for (i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			fail(EINVAL, "%s: '%s' is not hex", what, arg);
		byte = (unsigned char)(hi << 4 | lo);
		push(b, &byte, 1);
	}
}

static void push_hex_byte(struct bytes *b, const char *arg, const char *what)
{
	const char *s = skip_0x(arg);
	size_t n = strlen(s);
	int hi = 0, lo;
	unsigned char byte;

	if (n == 2) {
		hi = hexval(s[0]);
		lo = hexval(s[1]);
	} else if (n == 1) {
		lo = hexval(s[0]);
	} else {
		lo = -1;
	}
	if (hi < 0 || lo < 0)
		fail(EINVAL, "%s: '%s' is not a hex byte", what, arg);
	byte = (unsigned char)(hi << 4 | lo);
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
	v = parse_ull(arg, what, max);
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

	out->data = NULL;
	out->len = 0;
	while (*argv && !is_stop(*argv, stop)) {
		const char *a = *argv;

		if (!strcmp(a, "hex")) {
			if (!argv[1])
				fail(EINVAL, "%s: hex needs a string", what);
			push_hex_string(out, argv[1], what);
			argv += 2;
		} else if (!strcmp(a, "u8") || !strcmp(a, "u16") ||
			   !strcmp(a, "u32") || !strcmp(a, "u64")) {
			push_int(out, a, argv[1], what);
			argv += 2;
		} else {
			push_hex_byte(out, a, what);
			argv++;
		}
	}
	if (!out->len)
		fail(EINVAL, "%s: no bytes given", what);
	*argvp = argv;
}
