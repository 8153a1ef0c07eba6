/* SPDX-License-Identifier: GPL-2.0 */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Small files of sysfs, procfs, debugfs and cgroupfs, for the selftests:
 * one-line knobs read and written whole, numbers read from them, fields
 * of /proc/meminfo.  All return 0 or -errno, except meminfo_kib().
 *
 * sysfs_read() and sysfs_write*() use plain open/read/write on the
 * caller's stack and allocate nothing: memcg.c's child moves itself into
 * its cgroup with sysfs_write() and must not allocate from then on.
 */
#ifndef _BPFMAP_SYSFS_UTIL_H
#define _BPFMAP_SYSFS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes @len bytes of @buf to @path in one write(); a short write is -EIO. */
static inline int sysfs_write_buf(const char *path, const void *buf,
				  size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	n = n < 0 ? -errno : ((size_t)n == len ? 0 : -EIO);
	close(fd);
	return n;
}

/* Writes the string @s (no newline added). */
static inline int sysfs_write(const char *path, const char *s)
{
	return sysfs_write_buf(path, s, strlen(s));
}

/* Writes @v in decimal (no newline added). */
static inline int sysfs_write_ll(const char *path, long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", v);
	return sysfs_write(path, buf);
}

/*
 * Reads up to @size - 1 bytes of @path into @buf, NUL-terminated, with
 * trailing newlines and spaces cut off, so that a value read can be
 * written back or compared as it is.
 */
static inline int sysfs_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

/* The decimal number at the start of @path; -EINVAL when there is none. */
static inline int sysfs_read_ll(const char *path, long long *v)
{
	char buf[64], *end;
	int err;

	err = sysfs_read(path, buf, sizeof(buf));
	if (err)
		return err;
	*v = strtoll(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

/* A /proc/meminfo field in KiB, or -1. */
static inline long long meminfo_kib(const char *field)
{
	size_t len = strlen(field);
	char line[128];
	long long v = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) && line[len] == ':') {
			v = strtoll(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

#endif /* _BPFMAP_SYSFS_UTIL_H */
