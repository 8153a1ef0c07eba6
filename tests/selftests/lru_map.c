// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * LRU_HASH and LRU_PERCPU_HASH eviction on both backends, after upstream
 * test_lru_map's sanity0..sanity8 (map-semantics.md sections 7 and 13),
 * for the common LRU and BPF_F_NO_COMMON_LRU.  A case that applies to one
 * of the two only returns early, with a note, on the other, as upstream.
 *
 * The tests run pinned to one CPU: the common LRU hands out nodes through
 * per-CPU caches and the per-CPU LRU through per-CPU lists, so which key a
 * refill evicts depends on the CPU that inserts.  References are set by
 * prog_lookup() (bpfmap_test.h), the program-side lookup; syscall lookups
 * and walks do not set them.
 *
 * Sizes.  The common LRU moves target_free free nodes at a time into a
 * CPU's cache; since the June-2025 change target_free is
 * clamp(max_entries / ncpus / 2, 1, 128), before it the constant 128
 * (the 6.1 reference).  Like upstream now, the tests size their maps as
 * map_size(tgt) = tgt * ncpus * 2 (or more): with tgt = 128 both formulas
 * give 128, so sanity1, 2 and 4 mean the same on every kernel.  sanity0,
 * 5, 7 and 8 use 1- and 2-entry maps, whose outcome does not depend on
 * target_free.  sanity3 needs a map whose target_free is smaller than
 * 128 and so follows 7.0, with a kernel row for older ones.  The per-CPU
 * LRU's target is 4 on every version.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/wait.h>

#include "bpfmap_test.h"

#define COMMON_TGT	128U	/* common LRU target_free when it is not clamped */
#define PERCPU_TGT	4U	/* the per-CPU LRU's shrink target */

FIXTURE(lru) {
	__u32 type;
	bool common;
	int ncpus;
	int cpu;		/* the CPU the test is pinned to */
	void *val;		/* one value buffer */
	__u64 *expected;	/* expected[key]: value base, 0: absent */
	__u64 nr_keys;
	int prog_err;		/* prog_lookup_available() */
};

FIXTURE_VARIANT(lru) {
	enum bpfmap_backend backend;
	__u32 map_type;
	__u32 map_flags;
};

#define LRU_VARIANT(name, be, type, flags)				\
	FIXTURE_VARIANT_ADD(lru, name) {				\
		.backend = BPFMAP_BACKEND_##be,				\
		.map_type = BPFMAP_MAP_TYPE_##type,			\
		.map_flags = (flags),					\
	}

LRU_VARIANT(bpfmap_lru_hash, DEV, LRU_HASH, 0);
LRU_VARIANT(bpfmap_lru_hash_no_common_lru, DEV, LRU_HASH,
	    BPFMAP_F_NO_COMMON_LRU);
LRU_VARIANT(bpfmap_lru_percpu_hash, DEV, LRU_PERCPU_HASH, 0);
LRU_VARIANT(bpfmap_lru_percpu_hash_no_common_lru, DEV, LRU_PERCPU_HASH,
	    BPFMAP_F_NO_COMMON_LRU);
LRU_VARIANT(kernel_lru_hash, KERNEL, LRU_HASH, 0);
LRU_VARIANT(kernel_lru_hash_no_common_lru, KERNEL, LRU_HASH,
	    BPFMAP_F_NO_COMMON_LRU);
LRU_VARIANT(kernel_lru_percpu_hash, KERNEL, LRU_PERCPU_HASH, 0);
LRU_VARIANT(kernel_lru_percpu_hash_no_common_lru, KERNEL, LRU_PERCPU_HASH,
	    BPFMAP_F_NO_COMMON_LRU);

/* Pins the caller to the first CPU at or after *next that accepts it. */
static int pin_next_cpu(int ncpus, int *next)
{
	cpu_set_t set;

	while (*next < ncpus) {
		int cpu = (*next)++;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (!sched_setaffinity(0, sizeof(set), &set))
			return cpu;
	}
	return -1;
}

/* upstream's __map_size(): a common LRU map whose target_free is @tgt */
static __u32 map_size(FIXTURE_DATA(lru) *self, __u32 tgt)
{
	return tgt * self->ncpus * 2;
}

FIXTURE_SETUP(lru)
{
	int next = 0;

	SETUP_BACKEND(variant->backend);
	self->type = variant->map_type;
	self->common = !(variant->map_flags & BPFMAP_F_NO_COMMON_LRU);
	self->ncpus = bpfmap_num_possible_cpus();
	self->cpu = pin_next_cpu(self->ncpus, &next);
	ASSERT_LE(0, self->cpu);
	self->val = value_buf_alloc(self->type, 8);
	ASSERT_NE(NULL, self->val);
	self->nr_keys = 4ULL * map_size(self, COMMON_TGT) + 1024;
	self->expected = calloc(self->nr_keys, sizeof(__u64));
	ASSERT_NE(NULL, self->expected);
	self->prog_err = prog_lookup_available();
}

FIXTURE_TEARDOWN(lru)
{
	free(self->val);
	free(self->expected);
}

static int lru_create(const FIXTURE_VARIANT(lru) *variant,
		      __u32 max_entries)
{
	struct bpfmap_map_create_opts o = {
		.sz = sizeof(o), .map_flags = variant->map_flags,
	};

	return bpfmap_map_create(variant->map_type, "lru_test", 8, 8,
				 max_entries, &o);
}

/* Update @key to the value base @base (per CPU: base + cpu). */
static int upd(FIXTURE_DATA(lru) *self, int fd, __u64 key, __u64 base,
	       __u64 flags)
{
	value_fill_u64(self->val, self->type, base);
	return bpfmap_map_update_elem(fd, &key, self->val, flags);
}

/* Syscall lookup: 0 and the value base is @base, or -errno / -EBADMSG. */
static int get(FIXTURE_DATA(lru) *self, int fd, __u64 key, __u64 base)
{
	int err;

	memset(self->val, 0, value_buf_size(self->type, 8));
	err = bpfmap_map_lookup_elem(fd, &key, self->val);
	if (err)
		return err;
	return value_check_u64(self->val, self->type, base) ? 0 : -EBADMSG;
}

static int ref(int fd, __u64 key)
{
	return prog_lookup(fd, &key, sizeof(key));
}

/*
 * The map holds exactly the keys of self->expected, with their values
 * (upstream's map_equal() against a reference HASH map).
 */
static int map_matches(FIXTURE_DATA(lru) *self, int fd)
{
	__u64 key, next, want = 0, found = 0, k;
	int err, bad = 0;

	for (k = 0; k < self->nr_keys; k++)
		want += self->expected[k] != 0;
	err = bpfmap_map_get_next_key(fd, NULL, &next);
	while (!err) {
		found++;
		if (next >= self->nr_keys || !self->expected[next]) {
			if (bad++ < 8)
				fprintf(stderr, "# key %llu is in the map, not expected\n",
					(unsigned long long)next);
		} else if (get(self, fd, next, self->expected[next])) {
			if (bad++ < 8)
				fprintf(stderr, "# key %llu: wrong value\n",
					(unsigned long long)next);
		}
		key = next;
		err = bpfmap_map_get_next_key(fd, &key, &next);
	}
	if (err != -ENOENT) {
		fprintf(stderr, "# get_next_key: %d\n", err);
		return -1;
	}
	if (found != want || bad) {
		for (k = 0; k < self->nr_keys && bad < 16; k++) {
			if (self->expected[k] && get(self, fd, k,
						     self->expected[k])) {
				fprintf(stderr, "# expected key %llu is missing\n",
					(unsigned long long)k);
				bad++;
			}
		}
		fprintf(stderr, "# map holds %llu keys, %llu expected\n",
			(unsigned long long)found, (unsigned long long)want);
		return -1;
	}
	return 0;
}

/*
 * The reference kernel can only set reference bits by running a program;
 * a kernel that cannot run one (the test VM's has no CONFIG_NET) cannot
 * serve as the reference for these cases.  Never taken on bpfmap.
 */
#define NEED_PROG_LOOKUP() do {						\
	if (self->prog_err)						\
		SKIP(return, "this kernel cannot test-run a BPF program (%s): no program-side lookups",\
		     strerror(-self->prog_err));			\
} while (0)

#define COMMON_ONLY() do {						\
	if (!self->common) {						\
		TH_LOG("common LRU only, as upstream");			\
		return;							\
	}								\
} while (0)

#define NO_COMMON_ONLY() do {						\
	if (self->common) {						\
		TH_LOG("BPF_F_NO_COMMON_LRU only, as upstream");	\
		return;							\
	}								\
} while (0)

/*
 * sanity0: a 2-entry map (2 per CPU without the common LRU).  The flag
 * checks, then: key 1 referenced by a program lookup survives the insert
 * of key 3, key 2 does not.
 */
TEST_F(lru, sanity0_referenced_key_survives_in_a_2_entry_map)
{
	__u64 key = 1;
	int fd;

	NEED_PROG_LOOKUP();
	fd = lru_create(variant, self->common ? 2 : 2 * self->ncpus);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, upd(self, fd, 1, 1234, BPFMAP_NOEXIST));
	self->expected[1] = 1234;
	EXPECT_ERRNO(EEXIST, upd(self, fd, 1, 1234, BPFMAP_NOEXIST));
	EXPECT_ERRNO(EINVAL, upd(self, fd, 1, 1234, -1ULL));

	EXPECT_ERRNO(ENOENT, get(self, fd, 2, 1234));
	EXPECT_ERRNO(ENOENT, upd(self, fd, 2, 1234, BPFMAP_EXIST));
	ASSERT_EQ(0, upd(self, fd, 2, 1234, BPFMAP_NOEXIST));

	EXPECT_ERRNO(ENOENT, get(self, fd, 3, 1234));
	ASSERT_EQ(0, ref(fd, 1));
	ASSERT_EQ(0, get(self, fd, 1, 1234));

	ASSERT_EQ(0, upd(self, fd, 3, 1234, BPFMAP_NOEXIST));
	self->expected[3] = 1234;
	EXPECT_ERRNO(ENOENT, get(self, fd, 2, 1234));

	/* lookup_and_delete of key 1 returns its value and removes it. */
	memset(self->val, 0, value_buf_size(self->type, 8));
	ASSERT_EQ(0, bpfmap_map_lookup_and_delete_elem(fd, &key, self->val));
	EXPECT_TRUE(value_check_u64(self->val, self->type, 1234));
	self->expected[1] = 0;
	EXPECT_EQ(0, map_matches(self, fd));
	close(fd);
}

/*
 * sanity1: in a map of map_size(tgt) + tgt/2 entries, insert
 * map_size(tgt) keys, reference the first tgt/2, insert map_size(tgt)
 * more: the referenced ones and the new ones remain, every other old key
 * is evicted.
 */
TEST_F(lru, sanity1_unreferenced_keys_are_evicted_first)
{
	__u32 tgt = COMMON_TGT, batch = tgt / 2, m0;
	__u64 key;
	int fd;

	COMMON_ONLY();
	NEED_PROG_LOOKUP();
	m0 = map_size(self, tgt);
	fd = lru_create(variant, m0 + batch);
	ASSERT_LE(0, fd);
	for (key = 1; key <= m0; key++)
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
	for (key = 1; key <= batch; key++) {
		ASSERT_EQ(0, ref(fd, key));
		self->expected[key] = 1234;
	}
	for (key = m0 + 1; key <= 2 * m0; key++) {
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
		self->expected[key] = 1234;
	}
	EXPECT_EQ(0, map_matches(self, fd));
	close(fd);
}

/*
 * sanity2: in a map of map_size(tgt) + tgt/2 entries holding
 * map_size(tgt) keys, the next node taken refills this CPU's cache,
 * which evicts the oldest tgt/2 keys.  Re-inserted and referenced they
 * survive; tgt/2 new unreferenced keys are evicted by the next refills.
 *
 * Upstream takes that node with an update of key 1 (BPF_EXIST on
 * LRU_HASH, which then fails because key 1 is gone; BPF_NOEXIST on
 * LRU_PERCPU_HASH followed by a delete).  bpfmap deliberately never
 * evicts for an update of an existing key, so that step is the test
 * lru_update_of_existing_key below, with its known difference; here the
 * node is taken by inserting and deleting a key that is not in the map,
 * which leaves the LRU in the same state on both backends.
 */
TEST_F(lru, sanity2_a_refill_evicts_the_oldest_keys)
{
	__u32 tgt = COMMON_TGT, batch = tgt / 2, m0;
	__u64 key, end, fresh = 1ULL << 40;
	int fd;

	COMMON_ONLY();
	NEED_PROG_LOOKUP();
	m0 = map_size(self, tgt);
	fd = lru_create(variant, m0 + batch);
	ASSERT_LE(0, fd);
	for (key = 1; key <= m0; key++)
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));

	ASSERT_EQ(0, upd(self, fd, fresh, 1, BPFMAP_NOEXIST));
	ASSERT_EQ(0, bpfmap_map_delete_elem(fd, &fresh));
	/* Exactly the oldest batch went. */
	EXPECT_ERRNO(ENOENT, get(self, fd, batch, 1234));
	EXPECT_EQ(0, get(self, fd, batch + 1, 1234));

	for (key = 1; key <= batch; key++) {
		ASSERT_ERRNO(ENOENT, get(self, fd, key, 4321));
		ASSERT_EQ(0, upd(self, fd, key, 4321, BPFMAP_NOEXIST));
		ASSERT_EQ(0, ref(fd, key));
		ASSERT_EQ(0, get(self, fd, key, 4321));
		self->expected[key] = 4321;
	}
	/* New keys nobody references: gone at the next shrink. */
	end = m0 + batch;
	for (key = m0 + 1; key <= end; key++)
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
	end += m0;
	for (; key <= end; key++) {
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
		self->expected[key] = 1234;
	}
	EXPECT_EQ(0, map_matches(self, fd));
	close(fd);
}

/*
 * sanity3: active/inactive rotation.  A full map whose target_free is
 * batch = 128 / ncpus / 2 (map_size(batch) entries); all keys but the
 * last batch referenced; batch new keys replace exactly the unreferenced
 * ones.  Before the target_free change the refill shrinks by 128, which
 * evicts every old key (known difference).
 */
TEST_F(lru, sanity3_rotation_keeps_referenced_keys)
{
	__u32 batch = COMMON_TGT / self->ncpus / 2, m, survivors;
	__u64 key;
	int fd;

	COMMON_ONLY();
	NEED_PROG_LOOKUP();
	if (!batch) {
		TH_LOG("more CPUs than a 128-entry refill can serve, as upstream");
		return;
	}
	m = map_size(self, batch);
	survivors = expect_result("lru_sanity3_referenced_survivors",
				  m - batch);
	ASSERT_TRUE(survivors == m - batch || survivors == 0);
	fd = lru_create(variant, m);
	ASSERT_LE(0, fd);
	for (key = 1; key <= m; key++)
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
	for (key = 1; key <= m - batch; key++) {
		ASSERT_EQ(0, ref(fd, key));
		if (survivors)
			self->expected[key] = 1234;
	}
	for (key = m + 1; key <= m + batch; key++) {
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
		self->expected[key] = 1234;
	}
	EXPECT_EQ(0, map_matches(self, fd));
	close(fd);
}

/*
 * sanity4: deletion.  Insert 2 * tgt keys into a map with room for 3 *
 * tgt, reference the first tgt, delete the others (a second delete
 * fails), insert 2 * tgt new keys: nothing referenced is lost.
 */
TEST_F(lru, sanity4_deleted_keys_make_room)
{
	__u32 tgt = self->common ? COMMON_TGT : PERCPU_TGT;
	__u64 key, end;
	int fd;

	NEED_PROG_LOOKUP();
	fd = lru_create(variant, self->common ?
			3 * map_size(self, tgt) : 3 * tgt * self->ncpus);
	ASSERT_LE(0, fd);
	for (key = 1; key <= 2 * tgt; key++)
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
	key = 1;
	EXPECT_ERRNO(EEXIST, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
	for (key = 1; key <= tgt; key++) {
		ASSERT_EQ(0, ref(fd, key));
		self->expected[key] = 1234;
	}
	for (; key <= 2 * tgt; key++) {
		ASSERT_EQ(0, bpfmap_map_delete_elem(fd, &key));
		ASSERT_ERRNO(ENOENT, bpfmap_map_delete_elem(fd, &key));
	}
	end = key + 2 * tgt;
	for (; key < end; key++) {
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
		self->expected[key] = 1234;
	}
	EXPECT_EQ(0, map_matches(self, fd));
	close(fd);
}

/*
 * sanity5's worker, on its own CPU: the previous CPU's key is there; a
 * new key, referenced right away, takes the only node, so the previous
 * key is gone.
 */
static int sanity5_step(FIXTURE_DATA(lru) *self, int fd, __u64 last)
{
	__u64 key = last + 1;
	int err;

	err = ref(fd, last);
	if (err) {
		fprintf(stderr, "# cpu step: key %llu: prog lookup %d\n",
			(unsigned long long)last, err);
		return -1;
	}
	err = upd(self, fd, key, 1234, BPFMAP_NOEXIST);
	if (err) {
		fprintf(stderr, "# cpu step: insert %llu: %d\n",
			(unsigned long long)key, err);
		return -1;
	}
	err = ref(fd, key);
	if (err) {
		fprintf(stderr, "# cpu step: key %llu: prog lookup %d\n",
			(unsigned long long)key, err);
		return -1;
	}
	err = get(self, fd, last, 1234);
	if (err != -ENOENT) {
		fprintf(stderr, "# cpu step: key %llu: lookup %d, want %d\n",
			(unsigned long long)last, err, -ENOENT);
		return -1;
	}
	return 0;
}

/* sanity5: a 1-entry map; each online CPU in turn evicts the last key. */
TEST_F(lru, sanity5_one_entry_map_across_cpus)
{
	int fd, next = 0, status;
	__u64 key = 0;
	pid_t pid;

	COMMON_ONLY();
	NEED_PROG_LOOKUP();
	fd = lru_create(variant, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
	while (pin_next_cpu(self->ncpus, &next) >= 0) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(sanity5_step(self, fd, key) ? 1 : 0);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		if (WEXITSTATUS(status))
			TH_LOG("the step on CPU %d failed", next - 1);
		ASSERT_EQ(0, WEXITSTATUS(status));
		key++;
	}
	ASSERT_LT((__u64)0, key);
	close(fd);
}

/*
 * sanity6: the per-CPU LRU's rotation.  Keys 1..tgt are referenced again
 * before every insert of tgt+1..2*tgt and survive; tgt more inserts then
 * push out the unreferenced ones.
 */
TEST_F(lru, sanity6_rereferenced_keys_survive_rotation)
{
	__u32 tgt = PERCPU_TGT, per_cpu = 2 * tgt;
	__u64 key, stable;
	int fd;

	NO_COMMON_ONLY();
	NEED_PROG_LOOKUP();
	fd = lru_create(variant, per_cpu * self->ncpus);
	ASSERT_LE(0, fd);
	for (key = 1; key <= tgt; key++) {
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
		self->expected[key] = 1234;
	}
	for (; key <= 2 * tgt; key++) {
		for (stable = 1; stable <= tgt; stable++)
			ASSERT_EQ(0, ref(fd, stable));
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
	}
	for (; key <= 3 * tgt; key++) {
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));
		self->expected[key] = 1234;
	}
	EXPECT_EQ(0, map_matches(self, fd));
	close(fd);
}

/*
 * sanity7 / sanity8: in a 2-entry map, the key read by a program
 * survives the next insert and the key read by a syscall lookup does not:
 * syscall lookups do not set the reference bit.
 */
static void program_vs_syscall_lookup(struct __test_metadata *_metadata,
				      FIXTURE_DATA(lru) *self,
				      const FIXTURE_VARIANT(lru) *variant,
				      __u64 by_prog, __u64 by_syscall)
{
	int fd;

	NEED_PROG_LOOKUP();
	fd = lru_create(variant, self->common ? 2 : 2 * self->ncpus);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, upd(self, fd, 1, 1234, BPFMAP_NOEXIST));
	EXPECT_ERRNO(EEXIST, upd(self, fd, 1, 1234, BPFMAP_NOEXIST));
	EXPECT_ERRNO(ENOENT, get(self, fd, 2, 1234));
	EXPECT_ERRNO(ENOENT, upd(self, fd, 2, 1234, BPFMAP_EXIST));
	ASSERT_EQ(0, upd(self, fd, 2, 1234, BPFMAP_NOEXIST));
	EXPECT_ERRNO(ENOENT, get(self, fd, 3, 1234));

	if (by_prog < by_syscall) {
		ASSERT_EQ(0, ref(fd, by_prog));
		ASSERT_EQ(0, get(self, fd, by_syscall, 1234));
	} else {
		ASSERT_EQ(0, get(self, fd, by_syscall, 1234));
		ASSERT_EQ(0, ref(fd, by_prog));
	}
	ASSERT_EQ(0, get(self, fd, by_prog, 1234));

	ASSERT_EQ(0, upd(self, fd, 3, 1234, BPFMAP_NOEXIST));
	EXPECT_ERRNO(ENOENT, get(self, fd, by_syscall, 1234));
	self->expected[by_prog] = 1234;
	self->expected[3] = 1234;
	EXPECT_EQ(0, map_matches(self, fd));
	close(fd);
}

TEST_F(lru, sanity7_syscall_lookup_sets_no_reference)
{
	program_vs_syscall_lookup(_metadata, self, variant, 1, 2);
}

TEST_F(lru, sanity8_syscall_lookup_sets_no_reference_either_order)
{
	program_vs_syscall_lookup(_metadata, self, variant, 2, 1);
}

/*
 * Upstream sanity2's first step on its own: with no free node left, an
 * update of a key that is in the map (BPF_EXIST on LRU_HASH, BPF_NOEXIST
 * on LRU_PERCPU_HASH, as upstream) makes the kernel take a node first,
 * which shrinks the LRU and evicts the oldest keys, that key included:
 * the LRU_HASH update then fails with ENOENT and the LRU_PERCPU_HASH one
 * creates the key anew.  bpfmap never evicts for an existing key (known
 * difference): the LRU_HASH update succeeds, the LRU_PERCPU_HASH one
 * fails with EEXIST, and every key stays.
 */
TEST_F(lru, update_of_existing_key_and_eviction)
{
	int evicts = expect_result("lru_update_of_existing_key_evicts", 1);
	bool percpu = map_type_is_percpu(self->type);
	__u32 max, fill;
	__u64 key;
	int fd, err;

	ASSERT_TRUE(evicts == 0 || evicts == 1);
	if (self->common) {
		fill = map_size(self, COMMON_TGT);
		max = fill + COMMON_TGT / 2;
	} else {
		/* This CPU's list: 2 * PERCPU_TGT nodes, all used. */
		fill = 2 * PERCPU_TGT;
		max = fill * self->ncpus;
	}
	fd = lru_create(variant, max);
	ASSERT_LE(0, fd);
	for (key = 1; key <= fill; key++)
		ASSERT_EQ(0, upd(self, fd, key, 1234, BPFMAP_NOEXIST));

	key = 1;
	err = upd(self, fd, key, 9999, percpu ? BPFMAP_NOEXIST : BPFMAP_EXIST);
	if (evicts) {
		EXPECT_ERRNO(percpu ? 0 : ENOENT, err);
		if (percpu) {
			EXPECT_EQ(0, get(self, fd, 1, 9999));
		} else {
			EXPECT_ERRNO(ENOENT, get(self, fd, 1, 1234));
		}
		/* The shrink took the oldest keys, not key 1 alone. */
		EXPECT_ERRNO(ENOENT, get(self, fd, 2, 1234));
	} else {
		EXPECT_ERRNO(percpu ? EEXIST : 0, err);
		EXPECT_EQ(0, get(self, fd, 1, percpu ? 1234 : 9999));
		self->expected[1] = percpu ? 1234 : 9999;
		for (key = 2; key <= fill; key++)
			self->expected[key] = 1234;
		EXPECT_EQ(0, map_matches(self, fd));
	}
	close(fd);
}

TEST_HARNESS_MAIN
