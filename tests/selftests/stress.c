// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * Many threads on one map, on both backends, after upstream test_maps'
 * test_map_parallel and test_map_stress but with every result checked.
 *
 * Each of ST_THREADS threads owns ST_KEYS keys of the map and keeps a
 * model of them: it is their only writer, so every lookup of an owned key
 * (single, batch, get_next_key walk) must give exactly what the model
 * says, whatever the other threads do to theirs meanwhile.  The threads
 * mix update (ANY/NOEXIST/EXIST, with the errno the model predicts),
 * delete, lookup, lookup_and_delete, the update / delete / lookup
 * batches and get_next_key walks.  Elements of other threads seen by a
 * lookup batch (taken under the bucket lock) must be whole: their value
 * names their key and every CPU slot holds the same update.  A per-CPU
 * array of counters, one key per thread incremented one CPU slot at a
 * time, must sum to the increments made.  After the run the whole map is
 * compared with the union of the models, then the threads delete their
 * keys in parallel and the map must be empty.
 *
 * The map-of-maps variants replace, delete and read inner maps instead:
 * each thread owns outer slots and a pool of inner maps whose element 0
 * holds the inner map's own id, and follows what it reads (outer lookup,
 * GET_FD_BY_ID, inner lookup) back to the same id.
 *
 * Each variant runs for ST_SECONDS (environment STRESS_SECONDS overrides)
 * and prints its operation counts.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <time.h>

#include "bpfmap_test.h"

#define ST_THREADS	12
#define ST_KEYS		32	/* keys per thread */
#define ST_SLOTS	2	/* outer slots per thread (map-of-maps) */
#define ST_POOL		3	/* inner maps per thread (map-of-maps) */
#define ST_VALUE_SIZE	16
#define ST_SECONDS	2.0
#define ST_CHUNK	64	/* elements per lookup batch call */

enum st_op {
	ST_UPDATE,
	ST_DELETE,
	ST_LOOKUP,
	ST_LOOKUP_AND_DELETE,
	ST_UPDATE_BATCH,
	ST_DELETE_BATCH,
	ST_LOOKUP_BATCH,
	ST_WALK,
	ST_COUNTER,
	ST_REPLACE_INNER,
	ST_DEREF_INNER,
	ST_NR_OPS,
};

static const char *const st_op_name[ST_NR_OPS] = {
	[ST_UPDATE] = "update",
	[ST_DELETE] = "delete",
	[ST_LOOKUP] = "lookup",
	[ST_LOOKUP_AND_DELETE] = "lookup_and_delete",
	[ST_UPDATE_BATCH] = "update_batch",
	[ST_DELETE_BATCH] = "delete_batch",
	[ST_LOOKUP_BATCH] = "lookup_batch",
	[ST_WALK] = "get_next_key walk",
	[ST_COUNTER] = "counter",
	[ST_REPLACE_INNER] = "inner replace",
	[ST_DEREF_INNER] = "inner deref",
};

struct st_shared {
	__u32 map_type;
	int fd;
	int counters_fd;
	int ncpus;
	size_t vlen;
	__u32 max_entries;
	/* a walk may miss keys (row get_next_key_may_skip_recycled_elements) */
	bool walk_may_skip;
	int stop;		/* __atomic: set to end a run */
	int inner_fd[ST_THREADS][ST_POOL];
	__u32 inner_id[ST_THREADS][ST_POOL];
};

struct st_worker {
	struct st_shared *sh;
	pthread_t thread;
	int idx;
	unsigned int seed;
	/* owned keys (or outer slots): present and the update that is there */
	bool present[ST_KEYS];
	__u32 ver[ST_KEYS];	/* 0: zero value; map-of-maps: pool index + 1 */
	__u32 next_ver;
	__u64 counter;
	unsigned long ops[ST_NR_OPS];
	unsigned long checks;
	unsigned long busy;
	unsigned long walks_short;	/* walks that missed an owned key */
	bool failed;
	char msg[256];
	void *val, *keys, *vals;
};

static void st_stop(struct st_shared *sh)
{
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
}

static bool st_stopped(struct st_shared *sh)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

/* ---- types ---- */

static bool st_is_array(__u32 t)
{
	return t == BPFMAP_MAP_TYPE_ARRAY || t == BPFMAP_MAP_TYPE_PERCPU_ARRAY;
}

static bool st_is_of_maps(__u32 t)
{
	return t == BPFMAP_MAP_TYPE_ARRAY_OF_MAPS ||
	       t == BPFMAP_MAP_TYPE_HASH_OF_MAPS;
}

/* ---- values: (key, version, slot) in word 0, its complement in word 1 */

static void st_encode(const struct st_shared *sh, void *buf, __u32 key,
		      __u32 ver)
{
	int slots = map_type_is_percpu(sh->map_type) ? sh->ncpus : 1, s;
	__u64 *w = buf, v;

	for (s = 0; s < slots; s++) {
		v = ver ? ((__u64)key << 32) | ((__u64)(ver & 0xffffff) << 8) |
			  (s & 0xff) : 0;
		w[2 * s] = v;
		w[2 * s + 1] = ver ? ~v : 0;
	}
}

static bool st_value_is(const struct st_shared *sh, const void *buf,
			__u32 key, __u32 ver)
{
	int slots = map_type_is_percpu(sh->map_type) ? sh->ncpus : 1, s;
	const __u64 *w = buf;
	__u64 v;

	for (s = 0; s < slots; s++) {
		v = ver ? ((__u64)key << 32) | ((__u64)(ver & 0xffffff) << 8) |
			  (s & 0xff) : 0;
		if (w[2 * s] != v || w[2 * s + 1] != (ver ? ~v : 0))
			return false;
	}
	return true;
}

/* A whole value of @key from any one update: no torn or mixed slots. */
static bool st_value_whole(const struct st_shared *sh, const void *buf,
			   __u32 key)
{
	__u64 w0 = *(const __u64 *)buf;
	__u32 ver = (w0 >> 8) & 0xffffff;

	if (w0 >> 32 != key || !ver)
		return false;
	return st_value_is(sh, buf, key, ver);
}

/* ---- worker helpers ---- */

static void st_fail(struct st_worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	w->failed = true;
	st_stop(w->sh);
}

static __u32 st_key(const struct st_worker *w, int local)
{
	return (__u32)(w->idx * ST_KEYS + local);
}

/* Retries EBUSY and EAGAIN, as test_maps does; counts them. */
#define ST_RETRY(w, call) ({						\
	int __err, __tries = 0;						\
	while ((__err = (call)) == -EBUSY || __err == -EAGAIN) {	\
		(w)->busy++;						\
		if (++__tries > 10000)					\
			break;						\
		sched_yield();						\
	}								\
	__err;								\
})

#define ST_EXPECT(w, want, got, what, ...) ({				\
	int __want = (want), __got = (got);				\
	if (__want != __got)						\
		st_fail(w, what ": expected %d, got %d", ##__VA_ARGS__,	\
			__want, __got);					\
	__want == __got;						\
})

static void st_update(struct st_worker *w)
{
	struct st_shared *sh = w->sh;
	int local = rand_r(&w->seed) % ST_KEYS, want = 0;
	__u32 key = st_key(w, local), ver = ++w->next_ver;
	__u64 flags = rand_r(&w->seed) % 3;	/* ANY, NOEXIST, EXIST */

	if (flags == BPFMAP_NOEXIST && w->present[local])
		want = -EEXIST;
	if (flags == BPFMAP_EXIST && !w->present[local])
		want = -ENOENT;
	st_encode(sh, w->val, key, ver);
	if (!ST_EXPECT(w, want, ST_RETRY(w, update_elem_under_churn(sh->fd,
					&key, w->val, flags)),
		       "update key %u flags %llu", key,
		       (unsigned long long)flags))
		return;
	if (!want) {
		w->present[local] = true;
		w->ver[local] = ver;
	}
}

static void st_delete(struct st_worker *w, bool with_lookup)
{
	struct st_shared *sh = w->sh;
	int local = rand_r(&w->seed) % ST_KEYS;
	__u32 key = st_key(w, local);
	int want = w->present[local] ? 0 : -ENOENT, got;

	memset(w->val, 0xa5, sh->vlen);
	if (with_lookup)
		got = ST_RETRY(w, bpfmap_map_lookup_and_delete_elem(sh->fd,
								     &key,
								     w->val));
	else
		got = ST_RETRY(w, bpfmap_map_delete_elem(sh->fd, &key));
	if (!ST_EXPECT(w, want, got, "%s key %u",
		       with_lookup ? "lookup_and_delete" : "delete", key))
		return;
	if (with_lookup && !want &&
	    !st_value_is(sh, w->val, key, w->ver[local])) {
		st_fail(w, "lookup_and_delete key %u: wrong value", key);
		return;
	}
	w->present[local] = false;
}

static void st_lookup(struct st_worker *w)
{
	struct st_shared *sh = w->sh;
	int local = rand_r(&w->seed) % ST_KEYS;
	__u32 key = st_key(w, local);
	int want = w->present[local] ? 0 : -ENOENT;

	memset(w->val, 0xa5, sh->vlen);
	if (!ST_EXPECT(w, want, bpfmap_map_lookup_elem(sh->fd, &key, w->val),
		       "lookup key %u", key))
		return;
	if (!want && !st_value_is(sh, w->val, key, w->ver[local]))
		st_fail(w, "lookup key %u: wrong value", key);
	w->checks++;
}

/* Four consecutive owned keys, BPF_ANY. */
static void st_update_batch(struct st_worker *w)
{
	struct st_shared *sh = w->sh;
	int first = rand_r(&w->seed) % (ST_KEYS - 3), i;
	__u32 *keys = w->keys, count = 4, vers[4];

	for (i = 0; i < 4; i++) {
		keys[i] = st_key(w, first + i);
		vers[i] = ++w->next_ver;
		st_encode(sh, (char *)w->vals + i * sh->vlen, keys[i],
			  vers[i]);
	}
	if (!ST_EXPECT(w, 0, ST_RETRY(w, update_batch_under_churn(sh->fd, keys,
								w->vals, &count,
								NULL)),
		       "update_batch from key %u", keys[0]))
		return;
	if (count != 4) {
		st_fail(w, "update_batch: count %u", count);
		return;
	}
	for (i = 0; i < 4; i++) {
		w->present[first + i] = true;
		w->ver[first + i] = vers[i];
	}
}

/* Up to four owned keys that are present. */
static void st_delete_batch(struct st_worker *w)
{
	int start = rand_r(&w->seed) % ST_KEYS, i, n = 0, local[4];
	__u32 *keys = w->keys, count;

	for (i = 0; i < ST_KEYS && n < 4; i++) {
		int l = (start + i) % ST_KEYS;

		if (w->present[l]) {
			local[n] = l;
			keys[n++] = st_key(w, l);
		}
	}
	if (!n)
		return;
	count = n;
	if (!ST_EXPECT(w, 0, ST_RETRY(w, bpfmap_map_delete_batch(w->sh->fd,
							       keys, &count,
							       NULL)),
		       "delete_batch of %d keys", n))
		return;
	if (count != (__u32)n) {
		st_fail(w, "delete_batch: count %u of %d", count, n);
		return;
	}
	for (i = 0; i < n; i++)
		w->present[local[i]] = false;
}

/*
 * The whole map in ST_CHUNK pieces: owned keys exactly as the model says,
 * the others' elements whole (hash types: copied under the bucket lock).
 */
static void st_lookup_batch(struct st_worker *w)
{
	struct st_shared *sh = w->sh;
	bool seen[ST_KEYS] = { false };
	__u64 in_tok = 0, out_tok = 0;
	bool first = true, done = false;
	__u32 *keys = w->keys, count, i;
	int err, calls = 0;

	while (!done) {
		count = ST_CHUNK;
		err = ST_RETRY(w, bpfmap_map_lookup_batch(sh->fd,
							  first ? NULL : &in_tok,
							  &out_tok, keys,
							  w->vals, &count,
							  NULL));
		if (err == -ENOENT)
			done = true;
		else if (!ST_EXPECT(w, 0, err, "lookup_batch"))
			return;
		if (++calls > 4 * (int)sh->max_entries) {
			st_fail(w, "lookup_batch does not end");
			return;
		}
		for (i = 0; i < count; i++) {
			const void *v = (char *)w->vals + i * sh->vlen;
			int owner = keys[i] / ST_KEYS, l = keys[i] % ST_KEYS;

			if (owner == w->idx) {
				if (seen[l] || !w->present[l] ||
				    !st_value_is(sh, v, keys[i], w->ver[l])) {
					st_fail(w, "lookup_batch: own key %u wrong (seen %d present %d)",
						keys[i], seen[l],
						w->present[l]);
					return;
				}
				seen[l] = true;
			} else if (!st_is_array(sh->map_type) &&
				   !st_value_whole(sh, v, keys[i])) {
				st_fail(w, "lookup_batch: key %u of thread %d is not whole",
					keys[i], owner);
				return;
			}
		}
		in_tok = out_tok;
		first = false;
	}
	for (i = 0; i < ST_KEYS; i++)
		if (w->present[i] && !seen[i]) {
			st_fail(w, "lookup_batch: own key %u missing",
				st_key(w, i));
			return;
		}
	w->checks++;
}

/* A get_next_key walk: owned keys exactly once, if the walk ends. */
static void st_walk(struct st_worker *w)
{
	struct st_shared *sh = w->sh;
	bool seen[ST_KEYS] = { false };
	__u32 key = 0, next, steps = 0, i;
	int err;

	for (err = bpfmap_map_get_next_key(sh->fd, NULL, &next); !err;
	     err = bpfmap_map_get_next_key(sh->fd, &key, &next)) {
		/* A key deleted under the walk restarts it: give up. */
		if (++steps > 2 * sh->max_entries)
			return;
		key = next;
		if (key / ST_KEYS == (__u32)w->idx) {
			if (!w->present[key % ST_KEYS]) {
				st_fail(w, "walk: own key %u is not there",
					key);
				return;
			}
			seen[key % ST_KEYS] = true;
		}
	}
	if (!ST_EXPECT(w, -ENOENT, err, "get_next_key"))
		return;
	for (i = 0; i < ST_KEYS; i++)
		if (w->present[i] && !seen[i]) {
			if (sh->walk_may_skip) {
				w->walks_short++;
				return;
			}
			st_fail(w, "walk: own key %u missing", st_key(w, i));
			return;
		}
	w->checks++;
}

/* One increment of this thread's counter, in one CPU slot. */
static void st_counter(struct st_worker *w)
{
	struct st_shared *sh = w->sh;
	__u64 *slots = w->vals, sum = 0;
	__u32 key = w->idx;
	int s, err;

	err = bpfmap_map_lookup_elem(sh->counters_fd, &key, slots);
	if (!ST_EXPECT(w, 0, err, "counter lookup"))
		return;
	for (s = 0; s < sh->ncpus; s++)
		sum += slots[s];
	if (sum != w->counter) {
		st_fail(w, "counter %u sums to %llu, %llu increments made",
			key, (unsigned long long)sum,
			(unsigned long long)w->counter);
		return;
	}
	slots[rand_r(&w->seed) % sh->ncpus]++;
	err = ST_RETRY(w, update_elem_under_churn(sh->counters_fd, &key, slots,
						 BPFMAP_ANY));
	if (ST_EXPECT(w, 0, err, "counter update"))
		w->counter++;
}

/* ---- map-of-maps ---- */

static void st_replace_inner(struct st_worker *w)
{
	struct st_shared *sh = w->sh;
	int local = rand_r(&w->seed) % ST_SLOTS;
	int j = rand_r(&w->seed) % ST_POOL;
	__u32 key = w->idx * ST_SLOTS + local, fd = sh->inner_fd[w->idx][j];

	if (sh->map_type == BPFMAP_MAP_TYPE_HASH_OF_MAPS &&
	    !(rand_r(&w->seed) % 4)) {
		int want = w->present[local] ? 0 : -ENOENT;

		if (ST_EXPECT(w, want, ST_RETRY(w, bpfmap_map_delete_elem(
					sh->fd, &key)), "delete slot %u", key))
			w->present[local] = false;
		return;
	}
	if (ST_EXPECT(w, 0, ST_RETRY(w, update_elem_under_churn(sh->fd, &key,
							       &fd,
							       BPFMAP_ANY)),
		      "replace slot %u", key)) {
		w->present[local] = true;
		w->ver[local] = j + 1;
	}
}

/* An outer lookup of any slot, followed to the inner map and back. */
static void st_deref_inner(struct st_worker *w)
{
	struct st_shared *sh = w->sh;
	int owner = rand_r(&w->seed) % ST_THREADS;
	int local = rand_r(&w->seed) % ST_SLOTS, j, fd, err;
	__u32 key = owner * ST_SLOTS + local, id = 0, zero = 0;
	__u64 inner_val = 0;

	err = bpfmap_map_lookup_elem(sh->fd, &key, &id);
	if (owner == w->idx) {
		int want = w->present[local] ? 0 : -ENOENT;

		if (!ST_EXPECT(w, want, err, "lookup own slot %u", key) ||
		    want)
			return;
		if (id != sh->inner_id[owner][w->ver[local] - 1]) {
			st_fail(w, "slot %u: inner id %u, expected %u", key,
				id, sh->inner_id[owner][w->ver[local] - 1]);
			return;
		}
	} else if (err == -ENOENT) {
		return;
	} else if (!ST_EXPECT(w, 0, err, "lookup slot %u", key)) {
		return;
	}
	for (j = 0; j < ST_POOL; j++)
		if (id == sh->inner_id[owner][j])
			break;
	if (j == ST_POOL) {
		st_fail(w, "slot %u holds id %u, not one of its owner's", key,
			id);
		return;
	}
	fd = bpfmap_map_get_fd_by_id(id);
	if (fd < 0) {
		st_fail(w, "GET_FD_BY_ID %u: %d", id, fd);
		return;
	}
	err = bpfmap_map_lookup_elem(fd, &zero, &inner_val);
	close(fd);
	if (!ST_EXPECT(w, 0, err, "inner lookup"))
		return;
	if (inner_val != id)
		st_fail(w, "inner map %u holds %llu", id,
			(unsigned long long)inner_val);
	w->checks++;
}

/* ---- threads ---- */

static void *st_worker_fn(void *arg)
{
	struct st_worker *w = arg;
	struct st_shared *sh = w->sh;
	bool hash = !st_is_array(sh->map_type);
	enum st_op op;
	unsigned int r;

	while (!st_stopped(sh)) {
		r = rand_r(&w->seed) % 64;
		if (st_is_of_maps(sh->map_type))
			op = r < 24 ? ST_REPLACE_INNER : ST_DEREF_INNER;
		else if (r < 20)
			op = ST_UPDATE;
		else if (r < 26)
			op = hash ? ST_DELETE : ST_UPDATE;
		else if (r < 40)
			op = ST_LOOKUP;
		else if (r < 44)
			op = hash ? ST_LOOKUP_AND_DELETE : ST_LOOKUP;
		else if (r < 49)
			op = ST_UPDATE_BATCH;
		else if (r < 54)
			op = hash ? ST_DELETE_BATCH : ST_UPDATE_BATCH;
		else if (r < 56)
			op = ST_LOOKUP_BATCH;
		else if (r < 58)
			op = ST_WALK;
		else
			op = ST_COUNTER;

		switch (op) {
		case ST_UPDATE:
			st_update(w);
			break;
		case ST_DELETE:
			st_delete(w, false);
			break;
		case ST_LOOKUP:
			st_lookup(w);
			break;
		case ST_LOOKUP_AND_DELETE:
			st_delete(w, true);
			break;
		case ST_UPDATE_BATCH:
			st_update_batch(w);
			break;
		case ST_DELETE_BATCH:
			st_delete_batch(w);
			break;
		case ST_LOOKUP_BATCH:
			st_lookup_batch(w);
			break;
		case ST_WALK:
			st_walk(w);
			break;
		case ST_COUNTER:
			st_counter(w);
			break;
		case ST_REPLACE_INNER:
			st_replace_inner(w);
			break;
		case ST_DEREF_INNER:
			st_deref_inner(w);
			break;
		case ST_NR_OPS:
			break;
		}
		w->ops[op]++;
	}
	return NULL;
}

/* Deletes every owned key that is present, in parallel with the others. */
static void *st_drain_fn(void *arg)
{
	struct st_worker *w = arg;
	int l;

	for (l = 0; l < ST_KEYS; l++) {
		__u32 key = st_key(w, l);
		int want = w->present[l] ? 0 : -ENOENT;

		if (!ST_EXPECT(w, want, ST_RETRY(w, bpfmap_map_delete_elem(
					w->sh->fd, &key)), "drain key %u", key))
			break;
		w->present[l] = false;
	}
	return NULL;
}

static double st_seconds(void)
{
	const char *env = getenv("STRESS_SECONDS");
	double s = env ? atof(env) : 0;

	return s > 0 ? s : ST_SECONDS;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(stress) {
	struct st_shared sh;
	struct st_worker w[ST_THREADS];
};

FIXTURE_VARIANT(stress) {
	enum bpfmap_backend backend;
	__u32 map_type;
	__u32 map_flags;
	__u32 max_entries;
};

/*
 * The hashes have room for every key at once (384 of 512); the LRU
 * hashes for many times that, so that no key is ever evicted, even with
 * per-CPU free lists.
 */
#define ST_VARIANT(name, type, flags, max)				\
	FIXTURE_VARIANT_ADD(stress, bpfmap_##name) {			\
		.backend = BPFMAP_BACKEND_DEV,				\
		.map_type = BPFMAP_MAP_TYPE_##type,			\
		.map_flags = (flags),					\
		.max_entries = (max),					\
	};								\
	FIXTURE_VARIANT_ADD(stress, kernel_##name) {			\
		.backend = BPFMAP_BACKEND_KERNEL,			\
		.map_type = BPFMAP_MAP_TYPE_##type,			\
		.map_flags = (flags),					\
		.max_entries = (max),					\
	}

ST_VARIANT(hash, HASH, 0, 512);
ST_VARIANT(hash_no_prealloc, HASH, BPFMAP_F_NO_PREALLOC, 512);
ST_VARIANT(percpu_hash, PERCPU_HASH, 0, 512);
ST_VARIANT(percpu_hash_no_prealloc, PERCPU_HASH, BPFMAP_F_NO_PREALLOC, 512);
ST_VARIANT(lru_hash, LRU_HASH, 0, 4096);
ST_VARIANT(lru_hash_no_common_lru, LRU_HASH, BPFMAP_F_NO_COMMON_LRU, 8192);
ST_VARIANT(lru_percpu_hash, LRU_PERCPU_HASH, 0, 4096);
ST_VARIANT(array, ARRAY, 0, ST_THREADS * ST_KEYS);
ST_VARIANT(percpu_array, PERCPU_ARRAY, 0, ST_THREADS * ST_KEYS);
ST_VARIANT(array_of_maps, ARRAY_OF_MAPS, 0, ST_THREADS * ST_SLOTS);
ST_VARIANT(hash_of_maps, HASH_OF_MAPS, 0, ST_THREADS * ST_SLOTS);

FIXTURE_SETUP(stress)
{
	struct st_shared *sh = &self->sh;
	struct bpfmap_map_create_opts o = { .sz = sizeof(o) };
	__u32 value_size = ST_VALUE_SIZE, zero = 0;
	struct bpfmap_info info;
	size_t buf;
	int i, j;

	SETUP_BACKEND(variant->backend);
	memset(sh, 0, sizeof(*sh));
	sh->map_type = variant->map_type;
	sh->ncpus = bpfmap_num_possible_cpus();
	sh->max_entries = variant->max_entries;
	sh->fd = -1;
	/*
	 * Only the hash types recycle an element under a walk; an array walk
	 * is by index.
	 */
	sh->walk_may_skip = !st_is_array(sh->map_type) &&
		!st_is_of_maps(sh->map_type) &&
		expect_result("get_next_key_may_skip_recycled_elements", 1);

	if (st_is_of_maps(sh->map_type)) {
		/* Each inner map's element 0 holds its own id. */
		for (i = 0; i < ST_THREADS; i++)
			for (j = 0; j < ST_POOL; j++) {
				__u64 v;
				int fd = bpfmap_map_create(BPFMAP_MAP_TYPE_ARRAY,
							   "st_inner", 4, 8, 1,
							   NULL);

				ASSERT_LE(0, fd);
				ASSERT_EQ(0, bpfmap_map_get_info_by_fd(fd,
								       &info));
				v = info.id;
				ASSERT_EQ(0, bpfmap_map_update_elem(fd, &zero,
								    &v, 0));
				sh->inner_fd[i][j] = fd;
				sh->inner_id[i][j] = info.id;
			}
		o.inner_map_fd = sh->inner_fd[0][0];
		value_size = 4;
	}
	o.map_flags = variant->map_flags;
	sh->fd = bpfmap_map_create(sh->map_type, "stress", 4, value_size,
				   variant->max_entries, &o);
	ASSERT_LE(0, sh->fd);
	sh->counters_fd = bpfmap_map_create(BPFMAP_MAP_TYPE_PERCPU_ARRAY,
					    "st_counters", 4, 8, ST_THREADS,
					    NULL);
	ASSERT_LE(0, sh->counters_fd);
	sh->vlen = bpfmap_value_buf_size(sh->map_type, value_size, 0);

	/* Values: at least a per-CPU u64 counter, or ST_CHUNK elements. */
	buf = ST_CHUNK * sh->vlen;
	if (buf < 8 * (size_t)sh->ncpus)
		buf = 8 * (size_t)sh->ncpus;
	for (i = 0; i < ST_THREADS; i++) {
		struct st_worker *w = &self->w[i];

		memset(w, 0, sizeof(*w));
		w->sh = sh;
		w->idx = i;
		w->seed = 0x5eed + i;
		w->val = calloc(1, sh->vlen < 8 ? 8 : sh->vlen);
		w->keys = calloc(ST_CHUNK, 8);
		w->vals = calloc(1, buf);
		ASSERT_NE(NULL, w->val);
		ASSERT_NE(NULL, w->keys);
		ASSERT_NE(NULL, w->vals);
		/* An array has every key from the start, zeroed. */
		for (j = 0; j < ST_KEYS && st_is_array(sh->map_type); j++)
			w->present[j] = true;
	}
}

FIXTURE_TEARDOWN(stress)
{
}

static int st_run_threads(struct st_worker *w, void *(*fn)(void *))
{
	int i, err = 0;

	for (i = 0; i < ST_THREADS; i++) {
		err = pthread_create(&w[i].thread, NULL, fn, &w[i]);
		if (err) {
			st_stop(w[0].sh);
			break;
		}
	}
	while (i--)
		pthread_join(w[i].thread, NULL);
	return err;
}

static void *st_timer_fn(void *arg)
{
	struct st_shared *sh = arg;
	double end = now() + st_seconds();

	while (!st_stopped(sh) && now() < end)
		usleep(20 * 1000);
	st_stop(sh);
	return NULL;
}

/* The whole map against the union of the models, with nothing running. */
static void st_final_check(struct __test_metadata *_metadata,
			   FIXTURE_DATA(stress) *self)
{
	struct st_shared *sh = &self->sh;
	__u32 key = 0, next, want = 0, got = 0, i;
	__u64 sum = 0, total = 0, *slots;
	void *val = calloc(1, sh->vlen < 8 ? 8 : sh->vlen);
	int err, t, l;

	ASSERT_NE(NULL, val);
	for (t = 0; t < ST_THREADS; t++)
		for (l = 0; l < ST_KEYS; l++)
			want += self->w[t].present[l];
	if (st_is_of_maps(sh->map_type)) {
		for (t = 0; t < ST_THREADS; t++)
			for (l = 0; l < ST_SLOTS; l++) {
				struct st_worker *w = &self->w[t];
				__u32 id = 0;

				key = t * ST_SLOTS + l;
				err = bpfmap_map_lookup_elem(sh->fd, &key, &id);
				EXPECT_EQ(w->present[l] ? 0 : -ENOENT, err);
				if (!err && w->present[l])
					EXPECT_EQ(sh->inner_id[t][w->ver[l] - 1],
						  id);
			}
		free(val);
		return;
	}
	for (err = bpfmap_map_get_next_key(sh->fd, NULL, &next); !err;
	     err = bpfmap_map_get_next_key(sh->fd, &key, &next)) {
		struct st_worker *w;

		key = next;
		ASSERT_GT((__u32)(ST_THREADS * ST_KEYS), key);
		w = &self->w[key / ST_KEYS];
		l = key % ST_KEYS;
		ASSERT_TRUE(w->present[l]) {
			TH_LOG("key %u is in the map, not in its model", key);
		}
		ASSERT_EQ(0, bpfmap_map_lookup_elem(sh->fd, &key, val));
		ASSERT_TRUE(st_value_is(sh, val, key, w->ver[l])) {
			TH_LOG("key %u: wrong value", key);
		}
		ASSERT_GE(2 * sh->max_entries, ++got);
	}
	ASSERT_EQ(-ENOENT, err);
	EXPECT_EQ(want, got);
	free(val);

	slots = calloc(sh->ncpus, 8);
	ASSERT_NE(NULL, slots);
	for (i = 0; i < ST_THREADS; i++) {
		ASSERT_EQ(0, bpfmap_map_lookup_elem(sh->counters_fd, &i,
						    slots));
		for (t = 0; t < sh->ncpus; t++)
			sum += slots[t];
		total += self->w[i].counter;
	}
	free(slots);
	EXPECT_EQ(total, sum);
}

TEST_F_TIMEOUT(stress, threads_agree_with_their_models, 300)
{
	struct st_shared *sh = &self->sh;
	unsigned long ops[ST_NR_OPS] = { 0 }, all = 0, checks = 0, busy = 0;
	unsigned long short_walks = 0;
	pthread_t timer;
	double start, secs;
	int i, op, fails = 0;
	char line[512];
	size_t len;

	start = now();
	ASSERT_EQ(0, pthread_create(&timer, NULL, st_timer_fn, sh));
	ASSERT_EQ(0, st_run_threads(self->w, st_worker_fn));
	st_stop(sh);
	pthread_join(timer, NULL);
	secs = now() - start;

	for (i = 0; i < ST_THREADS; i++) {
		if (self->w[i].failed) {
			TH_LOG("thread %d: %s", i, self->w[i].msg);
			fails++;
		}
		for (op = 0; op < ST_NR_OPS; op++)
			ops[op] += self->w[i].ops[op];
		checks += self->w[i].checks;
		busy += self->w[i].busy;
		short_walks += self->w[i].walks_short;
	}
	len = snprintf(line, sizeof(line), "%d threads, %.1f s:", ST_THREADS,
		       secs);
	for (op = 0; op < ST_NR_OPS; op++) {
		all += ops[op];
		if (ops[op] && len < sizeof(line))
			len += snprintf(line + len, sizeof(line) - len,
					" %s %lu,", st_op_name[op], ops[op]);
	}
	printf("# %s: %lu ops (%.0f/s), %lu full checks, %lu EBUSY/EAGAIN retries, %lu walks missed an owned key\n#   %s\n",
	       bpfmap_backend_name(bpfmap_backend_current()), all, all / secs,
	       checks, busy, short_walks, line);
	fflush(stdout);
	ASSERT_EQ(0, fails);

	st_final_check(_metadata, self);

	/* test_map_parallel's second half: delete everything in parallel. */
	if (st_is_array(sh->map_type) || st_is_of_maps(sh->map_type))
		return;
	__atomic_store_n(&sh->stop, 0, __ATOMIC_RELAXED);
	ASSERT_EQ(0, st_run_threads(self->w, st_drain_fn));
	for (i = 0; i < ST_THREADS; i++) {
		EXPECT_FALSE(self->w[i].failed) {
			TH_LOG("drain, thread %d: %s", i, self->w[i].msg);
		}
	}
	{
		__u32 next;

		EXPECT_EQ(-ENOENT, bpfmap_map_get_next_key(sh->fd, NULL,
							   &next));
	}
}

TEST_HARNESS_MAIN
