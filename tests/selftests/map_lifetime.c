// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Map lifetime on both backends: FREEZE racing against writers and other
 * FREEZEs (a FREEZE that fails is never visible), id allocation failing
 * for want of memory (ENOMEM, not the ENOSPC of a full id space), and
 * processes that create and close large maps in a loop (closed maps are
 * freed fast enough that the loop never runs out of memory).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <sys/wait.h>

#include "bpfmap_test.h"

FIXTURE(lifetime) {
};

FIXTURE_VARIANT(lifetime) {
	enum bpfmap_backend backend;
};

BACKEND_VARIANTS(lifetime);

FIXTURE_SETUP(lifetime)
{
	SETUP_BACKEND(variant->backend);
}

FIXTURE_TEARDOWN(lifetime)
{
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- a writable mapping keeps every FREEZE failing ---------------------- */

#define MMAP_ENTRIES	512U	/* 4 KiB of u64 values: one page */

struct freeze_storm {
	int fd;
	double until;
	atomic_int done;
	/* results of the FREEZE threads: how many of each */
	atomic_long freeze_ebusy, freeze_other;
	int freeze_other_err;
};

static void *freeze_storm_thread(void *arg)
{
	struct freeze_storm *s = arg;
	int err;

	while (now_s() < s->until) {
		err = bpfmap_map_freeze(s->fd);
		if (err == -EBUSY) {
			atomic_fetch_add(&s->freeze_ebusy, 1);
		} else {
			s->freeze_other_err = err;
			atomic_fetch_add(&s->freeze_other, 1);
		}
	}
	atomic_fetch_add(&s->done, 1);
	return NULL;
}

/*
 * A writable mapping counts as a writer for as long as it exists, so every
 * FREEZE of this map fails with EBUSY.  Two threads FREEZE it in a loop
 * while this one updates it: no update may fail (the map never froze), and
 * no FREEZE may fail with anything but EBUSY (a concurrent FREEZE must not
 * see the other's attempt as "already frozen", EPERM).
 */
TEST_F(lifetime, failed_freezes_are_invisible_to_writers_and_other_freezes)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = BPFMAP_F_MMAPABLE,
	};
	struct freeze_storm s = { 0 };
	long updates = 0, update_failed = 0;
	int update_err = 0, err;
	struct bpfmap_info info;
	pthread_t thr[2];
	size_t len = MMAP_ENTRIES * sizeof(__u64);
	__u64 *values, val;
	__u32 key;

	s.fd = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY, "freeze", 4, 8,
				 MMAP_ENTRIES, &o);
	ASSERT_LE(0, s.fd);
	values = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
	ASSERT_NE(MAP_FAILED, values);

	s.until = now_s() + 1.5;
	ASSERT_EQ(0, pthread_create(&thr[0], NULL, freeze_storm_thread, &s));
	ASSERT_EQ(0, pthread_create(&thr[1], NULL, freeze_storm_thread, &s));
	while (atomic_load(&s.done) < 2) {
		key = updates % MMAP_ENTRIES;
		val = updates;
		err = bpfmap_map_update_elem(s.fd, &key, &val, BPFMAP_ANY);
		if (err) {
			update_err = err;
			update_failed++;
		}
		updates++;
	}
	pthread_join(thr[0], NULL);
	pthread_join(thr[1], NULL);

	TH_LOG("%ld updates, %ld FREEZEs", updates,
	       atomic_load(&s.freeze_ebusy) + atomic_load(&s.freeze_other));
	EXPECT_EQ(0, update_failed) {
		TH_LOG("%ld updates failed, the last with %d", update_failed,
		       update_err);
	}
	EXPECT_EQ(0, atomic_load(&s.freeze_other)) {
		TH_LOG("%ld FREEZEs failed with %d instead of EBUSY",
		       atomic_load(&s.freeze_other), s.freeze_other_err);
	}
	EXPECT_LT(0, atomic_load(&s.freeze_ebusy));
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(s.fd, &info));
	EXPECT_EQ(0U, info.frozen);

	/* With the mapping gone the map freezes, and then refuses writes. */
	munmap(values, len);
	EXPECT_EQ(0, bpfmap_map_freeze(s.fd));
	key = 0;
	EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(s.fd, &key, &val,
						   BPFMAP_ANY));
	close(s.fd);
}

/* --- writers against a FREEZE of a fresh map, many rounds --------------- */

#define RACE_WRITERS	2
#define RACE_ROUNDS	300

struct freeze_race {
	pthread_barrier_t start, end;
	int fd;
	atomic_int stop;
	bool quit;
	/* per round, written by the writers */
	atomic_int eperm, other;
	int other_err;
};

static void *race_writer(void *arg)
{
	struct freeze_race *r = arg;
	__u32 key = 0;
	__u64 val = 1;
	int err;

	for (;;) {
		pthread_barrier_wait(&r->start);
		if (r->quit)
			return NULL;
		while (!atomic_load(&r->stop)) {
			err = bpfmap_map_update_elem(r->fd, &key, &val,
						     BPFMAP_ANY);
			if (err == -EPERM) {
				atomic_fetch_add(&r->eperm, 1);
			} else if (err) {
				r->other_err = err;
				atomic_fetch_add(&r->other, 1);
			}
			val++;
		}
		pthread_barrier_wait(&r->end);
	}
}

/*
 * Writers update a fresh map while this thread FREEZEs it once, at a
 * varying moment.  An update may fail with EPERM only if that FREEZE
 * succeeded; a FREEZE may fail only with EBUSY; after a successful FREEZE
 * every update fails with EPERM.
 */
TEST_F(lifetime, writers_see_eperm_only_after_a_successful_freeze)
{
	struct freeze_race r = { .fd = -1 };
	int round, freeze_err, ok = 0, busy = 0, i;
	pthread_t thr[RACE_WRITERS];
	__u32 key = 0;
	__u64 val = 0;

	ASSERT_EQ(0, pthread_barrier_init(&r.start, NULL, RACE_WRITERS + 1));
	ASSERT_EQ(0, pthread_barrier_init(&r.end, NULL, RACE_WRITERS + 1));
	for (i = 0; i < RACE_WRITERS; i++)
		ASSERT_EQ(0, pthread_create(&thr[i], NULL, race_writer, &r));

	for (round = 0; round < RACE_ROUNDS; round++) {
		r.fd = CREATE_MAP(BPFMAP_MAP_TYPE_ARRAY, 1, 0);
		atomic_store(&r.stop, 0);
		atomic_store(&r.eperm, 0);
		atomic_store(&r.other, 0);
		pthread_barrier_wait(&r.start);
		/* Let the writers get going for a varying while. */
		for (i = 0; i < (round % 16) * 200; i++)
			__asm__ __volatile__("" ::: "memory");
		freeze_err = bpfmap_map_freeze(r.fd);
		atomic_store(&r.stop, 1);
		pthread_barrier_wait(&r.end);

		if (!freeze_err) {
			ok++;
			EXPECT_ERRNO(EPERM, bpfmap_map_update_elem(r.fd, &key,
								   &val,
								   BPFMAP_ANY));
		} else {
			busy++;
			EXPECT_EQ(-EBUSY, freeze_err);
			EXPECT_EQ(0, atomic_load(&r.eperm)) {
				TH_LOG("round %d: %d updates failed with EPERM but FREEZE failed with %d",
				       round, atomic_load(&r.eperm),
				       freeze_err);
			}
		}
		EXPECT_EQ(0, atomic_load(&r.other)) {
			TH_LOG("round %d: update failed with %d", round,
			       r.other_err);
		}
		close(r.fd);
		if (_metadata->passed == 0)
			break;
	}
	r.quit = true;
	pthread_barrier_wait(&r.start);
	for (i = 0; i < RACE_WRITERS; i++)
		pthread_join(thr[i], NULL);
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.end);
	TH_LOG("%d FREEZEs succeeded, %d were busy", ok, busy);
}

/* --- id allocation without memory --------------------------------------- */

/*
 * Fault injection (CONFIG_FAILSLAB), for this task only (task-filter,
 * /proc/thread-self/make-it-fail): with "space" set to S, slab allocations
 * succeed until S bytes are used up, and every one after that fails
 * ("times" -1).  Sweeping S walks the point of failure through every slab
 * allocation of a create.  Not fail-nth, whose single failure cannot make
 * an id allocation fail: the xarray retries a node allocation that failed
 * without sleeping with one that may sleep and then xa_alloc_cyclic()
 * tries again from the lowest id (the kernel's idr falls back to a per-CPU
 * reserve instead); and kmemleak's own allocations, which fall back to a
 * reserve too, take failures as well.  The creates are kept open, so that
 * their ids fill nodes of the id table and later ones need new nodes.
 */
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define MAKE_IT_FAIL	"/proc/thread-self/make-it-fail"

static const char * const failslab_knobs[][2] = {
	{ FAILSLAB "probability", "100" },
	{ FAILSLAB "interval", "1" },
	{ FAILSLAB "times", "0" },
	{ FAILSLAB "space", "0" },
	{ FAILSLAB "verbose", "0" },
	{ FAILSLAB "task-filter", "Y" },
	{ FAILSLAB "ignore-gfp-wait", "N" },
};

#define NR_KNOBS	ARRAY_SIZE(failslab_knobs)

/*
 * One MAP_CREATE with the slab allocations after @space bytes failing.
 * @fail_fd is MAKE_IT_FAIL, opened beforehand: writing to it allocates
 * nothing, so switching the faults off again cannot itself fail.
 */
static int create_failing_after(int fail_fd, long space)
{
	int fd;

	if (sysfs_write_ll(FAILSLAB "space", space) ||
	    sysfs_write(FAILSLAB "times", "-1") ||
	    write(fail_fd, "1", 1) != 1)
		return -EIO;
	fd = raw_map_create(BPFMAP_MAP_TYPE_ARRAY, 4, 8, 1, 0,
			    "nomem\0\0\0\0\0\0\0\0\0\0");
	if (write(fail_fd, "0", 1) != 1) {
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	return fd;
}

#define SWEEP_MAPS	130	/* ids cross at least one 64-id node boundary */
#define SWEEP_STEP	32
#define SWEEP_MAX	65536

TEST_F_TIMEOUT(lifetime, failed_allocations_in_create_give_enomem, 300)
{
	int fds[SWEEP_MAPS], made, fd, i, failures = 0, wrong = 0;
	int wrong_err = 0, fail_fd;
	long space, wrong_space = 0;
	char saved[NR_KNOBS][32];

	if (access(FAILSLAB "space", W_OK) || access(MAKE_IT_FAIL, W_OK))
		SKIP(return, "no failslab fault injection (CONFIG_FAILSLAB, debugfs)");
	for (i = 0; i < (int)NR_KNOBS; i++)
		ASSERT_EQ(0, sysfs_read(failslab_knobs[i][0], saved[i],
					sizeof(saved[i])));
	for (i = 0; i < (int)NR_KNOBS; i++)
		ASSERT_EQ(0, sysfs_write(failslab_knobs[i][0],
					 failslab_knobs[i][1]));
	fail_fd = open(MAKE_IT_FAIL, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fail_fd);

	for (made = 0; made < SWEEP_MAPS; made++) {
		for (space = 0; space <= SWEEP_MAX; space += SWEEP_STEP) {
			fd = create_failing_after(fail_fd, space);
			if (fd == -EIO)
				break;
			if (fd >= 0)
				break;
			failures++;
			if (fd != -ENOMEM) {
				wrong++;
				wrong_err = fd;
				wrong_space = space;
			}
		}
		if (fd < 0)
			break;
		fds[made] = fd;
		if (made == 0 || made == SWEEP_MAPS - 1) {
			struct bpfmap_info info = { 0 };

			bpfmap_map_get_info_by_fd(fd, &info);
			TH_LOG("map %d: id %u, %d creates failed so far",
			       made, info.id, failures);
		}
	}

	close(fail_fd);
	for (i = 0; i < (int)NR_KNOBS; i++)
		EXPECT_EQ(0, sysfs_write(failslab_knobs[i][0], saved[i]));
	TH_LOG("%d maps, %d creates failed", made, failures);
	EXPECT_NE(-EIO, fd);
	EXPECT_EQ(SWEEP_MAPS, made);
	EXPECT_LT(0, failures);
	EXPECT_EQ(0, wrong) {
		TH_LOG("%d creates failed with something else than ENOMEM, the last with %d (%s) at space %ld",
		       wrong, wrong_err, strerror(-wrong_err), wrong_space);
	}
	for (i = 0; i < made; i++)
		close(fds[i]);
}

/* --- create and close large maps in a loop ------------------------------ */

#define CHURN_PROCS	2
#define CHURN_ITERS	20
#define CHURN_VALUE	4096U
#define CHURN_ENTRIES	16384U	/* 64 MiB of values per map */

/* In a child: create, touch and close maps; exit status 0 or the errno. */
static int churn(void)
{
	__u64 val[CHURN_VALUE / 8] = { 0 };
	__u32 key;
	int i, fd, err;

	for (i = 0; i < CHURN_ITERS; i++) {
		fd = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY, "churn", 4,
				       CHURN_VALUE, CHURN_ENTRIES, NULL);
		if (fd < 0)
			return -fd;
		key = i % CHURN_ENTRIES;
		val[0] = i;
		err = bpfmap_map_update_elem(fd, &key, val, BPFMAP_ANY);
		close(fd);
		if (err)
			return -err;
	}
	return 0;
}

/*
 * CHURN_PROCS processes each create and close CHURN_ITERS maps of 64 MiB:
 * 2.5 GiB in all, more than the memory of the test VM (2 GiB), while only
 * 128 MiB are open at any time.  Every create must succeed and no process
 * may be killed: closed maps are freed, or creates wait for them to be,
 * fast enough that memory never runs out.  (Sized for TCG, where zeroing
 * the maps is what takes the time.)
 */
TEST_F_TIMEOUT(lifetime, create_close_loop_of_large_maps_never_runs_out, 600)
{
	pid_t pids[CHURN_PROCS];
	double start = now_s();
	int i, status;

	for (i = 0; i < CHURN_PROCS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			_exit(churn());
	}
	for (i = 0; i < CHURN_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status)) {
			TH_LOG("process %d died by signal %d", i,
			       WTERMSIG(status));
		}
		if (WIFEXITED(status)) {
			EXPECT_EQ(0, WEXITSTATUS(status)) {
				TH_LOG("process %d: %s", i,
				       strerror(WEXITSTATUS(status)));
			}
		}
	}
	TH_LOG("%d x %d maps of 64 MiB in %.1f s", CHURN_PROCS, CHURN_ITERS,
	       now_s() - start);
}

TEST_HARNESS_MAIN
