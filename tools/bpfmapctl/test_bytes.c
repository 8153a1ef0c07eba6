// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Host test of bytes.c: how bpfmapctl reads BYTES, against what bpftool
 * reads for the same words.  Linked with bytes.c alone; fail() here
 * records the errno and jumps back instead of exiting.  Prints one line
 * per failed case and exits 1 if any failed.
 *
 *   make -C tools/bpfmapctl check
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfmapctl.h"

static jmp_buf failed_at;
static int fail_err;
static char fail_msg[256];

void fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
	fail_err = err;
	longjmp(failed_at, 1);
}

static const char *const stop[] = { "key", "value", "any", NULL };

struct bytes_case {
	const char *words;	/* split at spaces */
	int err;		/* 0, or what fail() gets */
	size_t len;		/* bytes read, when err is 0 */
	unsigned char want[8];
	const char *rest;	/* the first word left, or NULL */
};

#define OK(w, n, ...)	{ .words = w, .len = n, .want = { __VA_ARGS__ } }
#define ERR(w, e)	{ .words = w, .err = e }

static const struct bytes_case cases[] = {
	/* bpftool: bare bytes are decimal, 0x hexadecimal, 0 octal. */
	OK("10 0 0 0", 4, 10, 0, 0, 0),
	OK("0x0a 0 0 255", 4, 10, 0, 0, 255),
	OK("012 07", 2, 10, 7),
	ERR("012 08", EINVAL),
	ERR("ff", EINVAL),
	/* bpftool: "hex" makes every following byte hexadecimal. */
	OK("hex 0a 00 00 ff", 4, 10, 0, 0, 255),
	OK("hex 0x0a 10 a", 3, 10, 16, 10),
	ERR("hex 0g", EINVAL),
	/* Ours: a byte out of range fails; bpftool keeps its low 8 bits. */
	ERR("256", ERANGE),
	ERR("hex 100", ERANGE),
	ERR("-1", EINVAL),
	ERR("+1", EINVAL),
	/* Ours: little-endian integers, which "hex" does not change. */
	OK("u32 10", 4, 10, 0, 0, 0),
	OK("u16 0x102 u8 010", 3, 2, 1, 8),
	OK("hex u16 10 10", 3, 10, 0, 16),
	OK("u64 18446744073709551615", 8, 255, 255, 255, 255, 255, 255, 255,
	   255),
	ERR("u16 65536", ERANGE),
	ERR("u8", EINVAL),
	/* The list ends at a stop word, and must not be empty. */
	{ .words = "1 2 value 3", .len = 2, .want = { 1, 2 }, .rest = "value" },
	ERR("value 3", EINVAL),
	ERR("hex", EINVAL),
};

/* Runs one case; returns 0 when it holds. */
static int run_case(const struct bytes_case *c)
{
	char *copy = strdup(c->words), *words[16], **argv = words;
	volatile int bad = 0;
	struct bytes b = { 0 };
	size_t n = 0;
	char *w;

	for (w = strtok(copy, " "); w && n < 15; w = strtok(NULL, " "))
		words[n++] = w;
	words[n] = NULL;
	fail_err = 0;
	if (!setjmp(failed_at))
		parse_bytes(&argv, stop, "test", &b);

	if (fail_err != c->err) {
		printf("FAIL \"%s\": errno %d (%s), want %d\n", c->words,
		       fail_err, fail_err ? fail_msg : "none", c->err);
		bad = 1;
	} else if (!c->err && (b.len != c->len ||
			       memcmp(b.data, c->want, c->len))) {
		printf("FAIL \"%s\": %zu bytes read, want %zu:", c->words,
		       b.len, c->len);
		for (n = 0; n < b.len; n++)
			printf(" %02x", b.data[n]);
		printf("\n");
		bad = 1;
	} else if (!c->err && (c->rest ? !*argv || strcmp(*argv, c->rest) :
				       *argv != NULL)) {
		printf("FAIL \"%s\": stopped at \"%s\", want \"%s\"\n",
		       c->words, *argv ? *argv : "(end)",
		       c->rest ? c->rest : "(end)");
		bad = 1;
	}
	free(copy);
	return bad;
}

int main(void)
{
	unsigned int i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		bad += run_case(&cases[i]);
	printf("test_bytes: %zu cases, %u failed\n", ARRAY_SIZE(cases), bad);
	return bad ? 1 : 0;
}
