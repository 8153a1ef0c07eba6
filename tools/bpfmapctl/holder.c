// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Keeping a created map alive after bpfmapctl exits.
 *
 * A map lives as long as some fd (or an outer map) refers to it, and there
 * is no bpffs to pin into in the test initramfs.  So `map create` forks a
 * holder: a detached child that keeps the map fd open and sleeps until
 * SIGTERM.  Its pid goes to $BPFMAPCTL_RUNDIR/<backend>-<id>.pid (default
 * /run/bpfmapctl), where `map destroy` finds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpfmapctl.h"

#define HOLDER_COMM		"bpfmap-hold"
#define DEFAULT_RUNDIR		"/run/bpfmapctl"
#define STOP_TIMEOUT_MS		5000

static const char *rundir(void)
{
	const char *d = getenv("BPFMAPCTL_RUNDIR");

	return d && *d ? d : DEFAULT_RUNDIR;
}

static void pid_path(char *buf, size_t len, __u32 id)
{
	snprintf(buf, len, "%s/%s-%u.pid", rundir(),
		 bpfmap_backend_name(bpfmap_backend_current()), id);
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
	char path[4096];
	size_t i, n = strlen(dir);

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		path[i] = dir[i];
	}
	return 0;
}

/* Every fd but the ones the map needs goes, so no pipe stays open. */
static void close_other_fds(int keep1, int keep2)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != keep1 && fd != keep2)
			close(fd);
}

static void __attribute__((noreturn)) holder_main(int map_fd)
{
	int dev_fd = -1, null_fd;
	sigset_t set;

	prctl(PR_SET_NAME, HOLDER_COMM, 0, 0, 0);
	setsid();
	/* Do not keep the caller's cwd busy; failing that is harmless. */
	if (chdir("/") < 0)
		errno = 0;

	/* The fds of the DEV backend's maps belong to its /dev/bpfmap open. */
	if (bpfmap_backend_current() == BPFMAP_BACKEND_DEV)
		dev_fd = bpfmap_dev_fd();

	null_fd = open("/dev/null", O_RDWR);
	if (null_fd >= 0) {
		dup2(null_fd, 0);
		dup2(null_fd, 1);
		dup2(null_fd, 2);
		if (null_fd > 2)
			close(null_fd);
	} else {
		close(0);
		close(1);
		close(2);
	}
	close_other_fds(map_fd, dev_fd);

	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);

	for (;;)
		pause();
}

static int write_pid_file(__u32 id, pid_t pid, char *path, size_t len)
{
	char tmp[4200];
	FILE *f;
	int err;

	err = make_dirs(rundir());
	if (err) {
		snprintf(path, len, "%s", rundir());
		return err;
	}

	pid_path(path, len, id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)pid);
	err = fclose(f) ? -errno : 0;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

void holder_start(int map_fd, __u32 id)
{
	char path[4096];
	pid_t pid;
	int err;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail(errno, "cannot fork the map holder");
	if (pid == 0)
		holder_main(map_fd);

	err = write_pid_file(id, pid, path, sizeof(path));
	if (err) {
		/* Nobody could ever stop a holder without its pid file. */
		kill(pid, SIGTERM);
		fail(-err, "cannot write %s", path);
	}
}

static pid_t read_pid_file(const char *path)
{
	char buf[32];
	ssize_t n;
	long pid;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EINVAL;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 1 ? (pid_t)pid : -EINVAL;
}

/*
 * 1 when @pid is still a holder: the comm check keeps a reused pid (after
 * a reboot of a persistent /run, say) from being signalled by mistake.
 */
static int is_holder(pid_t pid)
{
	char path[64], comm[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, HOLDER_COMM);
}

/* Gone, or a zombie: either way its fds, and so the map ref, are closed. */
static bool has_exited(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

void holder_stop(__u32 id)
{
	struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	char path[4096];
	pid_t pid;
	int waited;

	pid_path(path, sizeof(path), id);
	pid = read_pid_file(path);
	if (pid == -ENOENT)
		fail(ENOENT, "map id %u has no holder in %s", id, rundir());
	if (pid < 0)
		fail(-pid, "cannot read %s", path);

	if (!is_holder(pid)) {
		unlink(path);
		fail(ESRCH, "the holder of map id %u (pid %d) is gone", id,
		     (int)pid);
	}
	if (kill(pid, SIGTERM))
		fail(errno, "cannot signal the holder of map id %u (pid %d)",
		     id, (int)pid);

	for (waited = 0; !has_exited(pid); waited += 10) {
		if (waited >= STOP_TIMEOUT_MS)
			fail(ETIMEDOUT, "holder %d of map id %u did not exit",
			     (int)pid, id);
		nanosleep(&ts, NULL);
	}
	unlink(path);
}
