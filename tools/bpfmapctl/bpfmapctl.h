/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
#ifndef _BPFMAPCTL_H
#define _BPFMAPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include "libbpfmap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

extern bool json_output;

/* Prints "Error: <ERRNO_NAME>: <msg>" (or the JSON form) and exits 1. */
void fail(int err, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* The same, with the errno's stock sentence. */
void fail_errno(int err) __attribute__((noreturn));
const char *errno_name(int err);
const char *errno_sentence(int err);

/* map.c: the "map" commands; returns the exit status. */
int do_map(char **argv);

/* bytes.c */
struct bytes {
	unsigned char *data;
	size_t len;
};

/*
 * Consumes BYTES items from *argv until a word of @stop (NULL-terminated)
 * or the end, and fails the command on a bad item or an empty list.
 */
void parse_bytes(char ***argv, const char *const *stop, const char *what,
		 struct bytes *out);
__u32 parse_u32(const char *s, const char *what);
__u64 parse_u64(const char *s, const char *what);

/* output.c */
bool map_is_percpu(__u32 type);
bool map_is_map_of_maps(__u32 type);
void json_string(const char *s);
void show_map(const struct bpfmap_info *info);
/* @cpu: -1 for a full value, else the CPU of a BPFMAP_F_CPU lookup. */
void print_entry(const struct bpfmap_info *info, const unsigned char *key,
		 const unsigned char *value, int ncpus, int cpu);

#endif /* _BPFMAPCTL_H */
