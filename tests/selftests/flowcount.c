// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The sample consumer of the in-kernel API, bpfmap_flowcount.ko
 * (samples/flowcount, Documentation/flowcount.rst): traffic of known
 * packets and sizes on the loopback device, and its counts read back
 * from the pinned maps through libbpfmap, exactly:
 *  - UDP datagrams over 127.0.0.1 and ::1: one flow leaving (LOCAL_OUT)
 *    and one arriving (LOCAL_IN) per socket pair, each with the
 *    datagrams' packets and bytes (IP header + UDP header + payload);
 *  - ICMP and ICMPv6 echo over raw sockets: request and reply flows keyed
 *    by the echo identifier and type << 8 | code;
 *  - the totals move by what the whole flows map moved (a batch dump
 *    before and after), and no flow was lost;
 *  - threads on every CPU sending on one socket at once: no count lost
 *    (the hooks' per-CPU slots against a softirq on the same CPU);
 *  - rmmod while we hold fds to the maps: they stay readable and stop
 *    counting; a load finds the old pins and fails with EEXIST; once the
 *    pins are removed it loads with new maps, and the old fds still show
 *    the old counts.
 *
 * bpfmap backend only (the kernel's bpf() has no such consumer).  The
 * module is the one loaded, or FLOWCOUNT_KO (default
 * /bpfmap_flowcount.ko), loaded here with its default pin_dir.  Kernels
 * without netfilter (no /proc/net/netfilter; the tinyconfig debug
 * kernels) cannot have the module and skip; with netfilter a missing
 * module fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/icmp6.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "bpfmap_test.h"
#include "flowcount.h"

#define FC_MODULE	"bpfmap_flowcount"
#define FC_DIR		BPFMAPFS_ROOT "/flowcount"
#define FC_FLOWS	FC_DIR "/" FLOWCOUNT_PIN_FLOWS
#define FC_TOTALS	FC_DIR "/" FLOWCOUNT_PIN_TOTALS
#define FC_KO_DEFAULT	"/bpfmap_flowcount.ko"
#define FC_MAX_FLOWS	16384U	/* the module's default max_flows */

#define IPV4_HDR	20U
#define IPV6_HDR	40U
#define L4_HDR		8U	/* UDP, and ICMP/ICMPv6 echo */

/* Payload sizes of the datagrams and echo requests of one run. */
static const unsigned int sizes[] = { 0, 1, 64, 100, 1000, 1472, 4000, 9 };
#define NR_SIZES	(sizeof(sizes) / sizeof(sizes[0]))

struct fc_count {
	__u64 packets;
	__u64 bytes;
};

FIXTURE(flowcount) {
	int flows_fd;
	int totals_fd;
	int ncpus;
};

static const char *fc_ko(void)
{
	return getenv("FLOWCOUNT_KO") ?: FC_KO_DEFAULT;
}

static bool fc_loaded(void)
{
	return !access("/sys/module/" FC_MODULE, F_OK);
}

/* finit_module() of the consumer with @params: 0 or -errno. */
static int fc_load(const char *params)
{
	int fd = open(fc_ko(), O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = neg_errno(syscall(__NR_finit_module, fd, params, 0));
	close(fd);
	return ret;
}

static int fc_unload(void)
{
	return neg_errno(syscall(__NR_delete_module, FC_MODULE, O_NONBLOCK));
}

/* The loopback device up (a VM's /init leaves it down): 0 or -errno. */
static int lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	}
	close(s);
	return ret;
}

FIXTURE_SETUP(flowcount)
{
	self->flows_fd = -1;
	self->totals_fd = -1;
	if (access("/proc/net/netfilter", F_OK))
		SKIP(return, "kernel without netfilter: no bpfmap_flowcount");
	SETUP_BACKEND(BPFMAP_BACKEND_DEV);
	ASSERT_EQ(0, pin_fs_mount(BPFMAP_BACKEND_DEV));
	ASSERT_EQ(0, lo_up());
	if (!fc_loaded()) {
		int err;

		ASSERT_TRUE(!mkdir(FC_DIR, 0755) || errno == EEXIST);
		err = fc_load("");
		if (err)
			TH_LOG("cannot load %s: %s", fc_ko(), strerror(-err));
		ASSERT_EQ(0, err);
	}
	self->flows_fd = bpfmap_obj_get(FC_FLOWS, BPFMAP_F_RDONLY);
	ASSERT_LE(0, self->flows_fd);
	self->totals_fd = bpfmap_obj_get(FC_TOTALS, BPFMAP_F_RDONLY);
	ASSERT_LE(0, self->totals_fd);
	self->ncpus = bpfmap_num_possible_cpus();
	ASSERT_LT(0, self->ncpus);
}

FIXTURE_TEARDOWN(flowcount)
{
	if (self->flows_fd >= 0)
		close(self->flows_fd);
	if (self->totals_fd >= 0)
		close(self->totals_fd);
}

/* The sum over every CPU of a flows value buffer. */
static struct fc_count fc_sum(const void *buf, int ncpus)
{
	struct fc_count c = { 0, 0 };
	struct flowcount_value v;
	int i;

	for (i = 0; i < ncpus; i++) {
		memcpy(&v, (const char *)buf + i * sizeof(v), sizeof(v));
		c.packets += v.packets;
		c.bytes += v.bytes;
	}
	return c;
}

/* The counts of one flow; zero when the flow is not in the map. */
static struct fc_count flow_get(struct __test_metadata *_metadata,
				int fd, int ncpus,
				const struct flowcount_key *key)
{
	struct flowcount_value buf[ncpus];
	struct fc_count zero = { 0, 0 };
	int err;

	err = bpfmap_map_lookup_elem(fd, key, buf);
	if (err == -ENOENT)
		return zero;
	EXPECT_EQ(0, err);
	return fc_sum(buf, ncpus);
}

/* One total, summed over the CPUs. */
static __u64 total_get(struct __test_metadata *_metadata, int fd, int ncpus,
		       __u32 idx)
{
	__u64 buf[ncpus], sum = 0;
	int i;

	EXPECT_EQ(0, bpfmap_map_lookup_elem(fd, &idx, buf));
	for (i = 0; i < ncpus; i++)
		sum += buf[i];
	return sum;
}

static void totals_get(struct __test_metadata *_metadata, int fd, int ncpus,
		       __u64 t[FLOWCOUNT_NR_TOTALS])
{
	__u32 i;

	for (i = 0; i < FLOWCOUNT_NR_TOTALS; i++)
		t[i] = total_get(_metadata, fd, ncpus, i);
}

/*
 * The whole flows map by LOOKUP_BATCH: the number of flows, and the sum
 * of their counts in @sum.
 */
static __u32 flows_dump(struct __test_metadata *_metadata, int fd,
			int ncpus, struct fc_count *sum)
{
	__u32 chunk = 64, count, in, out, n = 0;
	struct bpfmap_map_batch_opts opts = { .sz = sizeof(opts) };
	struct flowcount_key *keys = NULL;
	struct flowcount_value *values = NULL;
	bool first = true;
	int err;

	sum->packets = sum->bytes = 0;
	for (;;) {
		struct fc_count c;
		__u32 i;

		keys = realloc(keys, chunk * sizeof(*keys));
		values = realloc(values, chunk * ncpus * sizeof(*values));
		ASSERT_NE(NULL, keys);
		ASSERT_NE(NULL, values);
		count = chunk;
		err = bpfmap_map_lookup_batch(fd, first ? NULL : &in, &out,
					      keys, values, &count, &opts);
		if (err == -ENOSPC) {
			/* One bucket holds more than a chunk. */
			chunk *= 2;
			continue;
		}
		ASSERT_TRUE(err == 0 || err == -ENOENT);
		for (i = 0; i < count; i++) {
			c = fc_sum(values + i * ncpus, ncpus);
			sum->packets += c.packets;
			sum->bytes += c.bytes;
		}
		n += count;
		if (err == -ENOENT)
			break;
		in = out;
		first = false;
	}
	free(keys);
	free(values);
	return n;
}

/* A flow key with the addresses and ports of two bound sockets. */
static struct flowcount_key key_of(int family, int proto, int dir,
				   const struct sockaddr_storage *src,
				   const struct sockaddr_storage *dst)
{
	struct flowcount_key k;

	memset(&k, 0, sizeof(k));
	k.family = family == AF_INET ? 4 : 6;
	k.proto = proto;
	k.dir = dir;
	if (family == AF_INET) {
		const struct sockaddr_in *s = (const void *)src;
		const struct sockaddr_in *d = (const void *)dst;

		memcpy(k.saddr, &s->sin_addr, 4);
		memcpy(k.daddr, &d->sin_addr, 4);
		k.sport = s->sin_port;
		k.dport = d->sin_port;
	} else {
		const struct sockaddr_in6 *s = (const void *)src;
		const struct sockaddr_in6 *d = (const void *)dst;

		memcpy(k.saddr, &s->sin6_addr, 16);
		memcpy(k.daddr, &d->sin6_addr, 16);
		k.sport = s->sin6_port;
		k.dport = d->sin6_port;
	}
	return k;
}

/* A socket bound to the loopback address of @family, port 0. */
static int bound_socket(struct __test_metadata *_metadata, int family,
			int type, int proto, struct sockaddr_storage *addr)
{
	socklen_t len = sizeof(*addr);
	struct timeval tv = { .tv_sec = 5 };
	int s;

	memset(addr, 0, sizeof(*addr));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)addr;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		struct sockaddr_in6 *a = (void *)addr;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
	}
	s = socket(family, type | SOCK_CLOEXEC, proto);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, bind(s, (struct sockaddr *)addr,
			  family == AF_INET ? sizeof(struct sockaddr_in) :
			  sizeof(struct sockaddr_in6)));
	ASSERT_EQ(0, getsockname(s, (struct sockaddr *)addr, &len));
	return s;
}

static unsigned int ip_hdr_len(int family)
{
	return family == AF_INET ? IPV4_HDR : IPV6_HDR;
}

/*
 * Sends every size of sizes[] once from one UDP socket to another over
 * @family's loopback address and receives them; checks the two flows it
 * makes, and the totals against a dump of the flows map.
 */
static void udp_run(struct __test_metadata *_metadata,
		    FIXTURE_DATA(flowcount) *self, int family)
{
	struct sockaddr_storage src, dst;
	struct flowcount_key out_key, in_key;
	struct fc_count c, before_sum, after_sum;
	__u64 before[FLOWCOUNT_NR_TOTALS], after[FLOWCOUNT_NR_TOTALS];
	__u64 bytes = 0;
	__u32 flows_before, flows_after;
	static char buf[65536];
	unsigned int i;
	int tx, rx;

	rx = bound_socket(_metadata, family, SOCK_DGRAM, 0, &dst);
	tx = bound_socket(_metadata, family, SOCK_DGRAM, 0, &src);
	out_key = key_of(family, IPPROTO_UDP, FLOWCOUNT_DIR_OUT, &src, &dst);
	in_key = key_of(family, IPPROTO_UDP, FLOWCOUNT_DIR_IN, &src, &dst);
	/* New ports: these flows do not exist yet. */
	c = flow_get(_metadata, self->flows_fd, self->ncpus, &out_key);
	ASSERT_EQ(0U, c.packets);

	totals_get(_metadata, self->totals_fd, self->ncpus, before);
	flows_before = flows_dump(_metadata, self->flows_fd, self->ncpus,
				  &before_sum);
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < NR_SIZES; i++) {
		ASSERT_EQ((ssize_t)sizes[i],
			  sendto(tx, buf, sizes[i], 0, (struct sockaddr *)&dst,
				 sizeof(dst)));
		/* Received: it went through LOCAL_IN. */
		ASSERT_EQ((ssize_t)sizes[i], recv(rx, buf, sizeof(buf), 0));
		bytes += ip_hdr_len(family) + L4_HDR + sizes[i];
	}
	totals_get(_metadata, self->totals_fd, self->ncpus, after);
	flows_after = flows_dump(_metadata, self->flows_fd, self->ncpus,
				 &after_sum);

	c = flow_get(_metadata, self->flows_fd, self->ncpus, &out_key);
	EXPECT_EQ(NR_SIZES, c.packets);
	EXPECT_EQ(bytes, c.bytes);
	c = flow_get(_metadata, self->flows_fd, self->ncpus, &in_key);
	EXPECT_EQ(NR_SIZES, c.packets);
	EXPECT_EQ(bytes, c.bytes);

	/* Whatever else crossed the hooks meanwhile is in the map too. */
	EXPECT_LE(2 * NR_SIZES, after[FLOWCOUNT_PACKETS] -
			      before[FLOWCOUNT_PACKETS]);
	EXPECT_EQ(after_sum.packets - before_sum.packets,
		  after[FLOWCOUNT_PACKETS] - before[FLOWCOUNT_PACKETS]);
	EXPECT_EQ(after_sum.bytes - before_sum.bytes,
		  after[FLOWCOUNT_BYTES] - before[FLOWCOUNT_BYTES]);
	EXPECT_LE(2U, after[FLOWCOUNT_FLOWS] - before[FLOWCOUNT_FLOWS]);
	EXPECT_EQ(flows_after - flows_before,
		  after[FLOWCOUNT_FLOWS] - before[FLOWCOUNT_FLOWS]);
	for (i = FLOWCOUNT_LOST_NOMEM; i <= FLOWCOUNT_LOST_OTHER; i++)
		EXPECT_EQ(before[i], after[i]);
	close(tx);
	close(rx);
}

TEST_F(flowcount, udp_over_127_0_0_1_counts_each_datagram_out_and_in)
{
	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;
	udp_run(_metadata, self, AF_INET);
}

TEST_F(flowcount, udp_over_ipv6_loopback_counts_each_datagram_out_and_in)
{
	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;
	udp_run(_metadata, self, AF_INET6);
}

/*
 * Sends every size of sizes[] as an echo request with one identifier on
 * a raw socket of @family to its loopback address, waits for the replies,
 * and checks the four flows: the request and the reply, each out and in.
 */
static void echo_run(struct __test_metadata *_metadata,
		     FIXTURE_DATA(flowcount) *self, int family)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	__u8 req_type = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	__u8 rep_type = family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
	__u16 id = (__u16)(getpid() ^ 0x5a5a);
	struct sockaddr_storage addr;
	struct flowcount_key key;
	struct fc_count c;
	static unsigned char pkt[65536];
	__u64 bytes = 0;
	unsigned int i, replies = 0;
	int s, dir;

	s = bound_socket(_metadata, family, SOCK_RAW, proto, &addr);
	for (i = 0; i < NR_SIZES; i++) {
		/* type, code, checksum, id, sequence: the same offsets in both */
		memset(pkt, 0xa5, L4_HDR + sizes[i]);
		pkt[0] = req_type;
		pkt[1] = 0;
		pkt[2] = pkt[3] = 0;
		memcpy(pkt + 4, &(__be16){ htons(id) }, 2);
		memcpy(pkt + 6, &(__be16){ htons(i) }, 2);
		if (family == AF_INET) {
			__u32 sum = 0;
			unsigned int j;

			/* ICMPv4 checksum; the kernel does ICMPv6's. */
			for (j = 0; j + 1 < L4_HDR + sizes[i]; j += 2)
				sum += pkt[j] << 8 | pkt[j + 1];
			if (j < L4_HDR + sizes[i])
				sum += pkt[j] << 8;
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			pkt[2] = ~sum >> 8;
			pkt[3] = ~sum & 0xff;
		}
		ASSERT_EQ((ssize_t)(L4_HDR + sizes[i]),
			  sendto(s, pkt, L4_HDR + sizes[i], 0,
				 (struct sockaddr *)&addr, sizeof(addr)));
		bytes += ip_hdr_len(family) + L4_HDR + sizes[i];
	}
	/* Our replies; the raw socket also gets the requests (and IPv4's
	 * comes with its IP header).
	 */
	while (replies < NR_SIZES) {
		ssize_t n = recv(s, pkt, sizeof(pkt), 0);
		unsigned int off = family == AF_INET ? (pkt[0] & 0xf) * 4 : 0;
		__be16 rid;

		ASSERT_LT(0, n);
		if ((size_t)n < off + L4_HDR || pkt[off] != rep_type)
			continue;
		memcpy(&rid, pkt + off + 4, 2);
		if (ntohs(rid) == id)
			replies++;
	}

	for (dir = FLOWCOUNT_DIR_IN; dir <= FLOWCOUNT_DIR_OUT; dir++) {
		/* The request and the reply go between the same addresses. */
		key = key_of(family, proto, dir, &addr, &addr);
		key.sport = htons(id);
		key.dport = htons(req_type << 8);
		c = flow_get(_metadata, self->flows_fd, self->ncpus, &key);
		EXPECT_EQ(NR_SIZES, c.packets);
		EXPECT_EQ(bytes, c.bytes);
		key.dport = htons(rep_type << 8);
		c = flow_get(_metadata, self->flows_fd, self->ncpus, &key);
		EXPECT_EQ(NR_SIZES, c.packets);
		EXPECT_EQ(bytes, c.bytes);
	}
	close(s);
}

TEST_F(flowcount, icmp_echo_counts_request_and_reply_by_identifier)
{
	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;
	echo_run(_metadata, self, AF_INET);
}

TEST_F(flowcount, icmpv6_echo_counts_request_and_reply_by_identifier)
{
	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;
	echo_run(_metadata, self, AF_INET6);
}

TEST_F(flowcount, maps_have_the_documented_shape)
{
	struct bpfmap_info info;

	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;

	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->flows_fd, &info));
	EXPECT_EQ((__u32)BPFMAP_MAP_TYPE_LRU_PERCPU_HASH, info.type);
	EXPECT_EQ(sizeof(struct flowcount_key), info.key_size);
	EXPECT_EQ(40U, info.key_size);
	EXPECT_EQ(sizeof(struct flowcount_value), info.value_size);
	EXPECT_EQ(FC_MAX_FLOWS, info.max_entries);
	EXPECT_STREQ("flowcount_flows", info.name);
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->totals_fd, &info));
	EXPECT_EQ((__u32)BPFMAP_MAP_TYPE_PERCPU_ARRAY, info.type);
	EXPECT_EQ(4U, info.key_size);
	EXPECT_EQ(8U, info.value_size);
	EXPECT_EQ((__u32)FLOWCOUNT_NR_TOTALS, info.max_entries);
	EXPECT_STREQ("flowcount_total", info.name);
}

#define RACE_THREADS	8
#define RACE_SENDS	3000

struct race_arg {
	int cpu;		/* pinned there; -1: not pinned */
	int sock;
	struct sockaddr_storage dst;
	int sent;
};

static void *race_sender(void *p)
{
	struct race_arg *a = p;
	char buf[10] = { 0 };
	cpu_set_t set;
	int i;

	if (a->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(a->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	for (i = 0; i < RACE_SENDS; i++)
		if (sendto(a->sock, buf, sizeof(buf), 0,
			   (struct sockaddr *)&a->dst, sizeof(a->dst)) ==
		    sizeof(buf))
			a->sent++;
	return NULL;
}

/* Packets the CPUs' backlogs dropped (/proc/net/softnet_stat, column 2). */
static unsigned long softnet_dropped(void)
{
	FILE *f = fopen("/proc/net/softnet_stat", "r");
	unsigned long processed, dropped, sum = 0;
	char line[512];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %lx", &processed, &dropped) == 2)
			sum += dropped;
	fclose(f);
	return sum;
}

/*
 * Waits until the totals stop moving for 100 ms, at most 10 s, and leaves
 * them in @totals: a datagram sendto() returned for may still wait in a
 * CPU's loopback backlog, and its arrival is counted only when that CPU's
 * softirq delivers it (late under KASAN).
 */
static void totals_settle(struct __test_metadata *_metadata, int fd,
			  int ncpus, __u64 *totals)
{
	__u64 again[FLOWCOUNT_NR_TOTALS];
	int i;

	totals_get(_metadata, fd, ncpus, totals);
	for (i = 0; i < 100; i++) {
		usleep(100 * 1000);
		totals_get(_metadata, fd, ncpus, again);
		if (!memcmp(totals, again, sizeof(again)))
			return;
		memcpy(totals, again, sizeof(again));
	}
	TH_LOG("the totals still moved after 10 s");
}

/*
 * Threads pinned to every CPU we may run on send on one UDP socket at
 * once, so one flow is counted on all CPUs while the loopback softirq
 * counts the arriving side (and the totals) on the same CPUs: the out
 * flow, and the in flow unless a backlog dropped packets, count every
 * datagram once the backlogs drained, and the totals agree with the map.
 */
TEST_F(flowcount, senders_on_every_cpu_at_once_lose_no_count)
{
	struct race_arg args[RACE_THREADS];
	pthread_t threads[RACE_THREADS];
	struct sockaddr_storage src, dst;
	struct flowcount_key out_key, in_key;
	struct fc_count c, in, before_sum, after_sum;
	__u64 before[FLOWCOUNT_NR_TOTALS], after[FLOWCOUNT_NR_TOTALS];
	unsigned long dropped;
	int cpus[CPU_SETSIZE], ncpus = 0, tx, rx, i, sent = 0;
	cpu_set_t set;

	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpus[ncpus++] = i;
	ASSERT_LT(0, ncpus);
	if (ncpus < 2)
		TH_LOG("one CPU only: the threads race by preemption alone");

	rx = bound_socket(_metadata, AF_INET, SOCK_DGRAM, 0, &dst);
	tx = bound_socket(_metadata, AF_INET, SOCK_DGRAM, 0, &src);
	out_key = key_of(AF_INET, IPPROTO_UDP, FLOWCOUNT_DIR_OUT, &src, &dst);
	in_key = key_of(AF_INET, IPPROTO_UDP, FLOWCOUNT_DIR_IN, &src, &dst);
	totals_get(_metadata, self->totals_fd, self->ncpus, before);
	flows_dump(_metadata, self->flows_fd, self->ncpus, &before_sum);
	dropped = softnet_dropped();
	for (i = 0; i < RACE_THREADS; i++) {
		args[i].cpu = cpus[i % ncpus];
		args[i].sock = tx;
		args[i].dst = dst;
		args[i].sent = 0;
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, race_sender,
					    &args[i]));
	}
	for (i = 0; i < RACE_THREADS; i++) {
		pthread_join(threads[i], NULL);
		sent += args[i].sent;
	}
	ASSERT_EQ(RACE_THREADS * RACE_SENDS, sent);
	totals_settle(_metadata, self->totals_fd, self->ncpus, after);
	flows_dump(_metadata, self->flows_fd, self->ncpus, &after_sum);

	c = flow_get(_metadata, self->flows_fd, self->ncpus, &out_key);
	EXPECT_EQ((__u64)sent, c.packets);
	EXPECT_EQ((__u64)sent * (IPV4_HDR + L4_HDR + 10), c.bytes);
	in = flow_get(_metadata, self->flows_fd, self->ncpus, &in_key);
	if (softnet_dropped() == dropped) {
		EXPECT_EQ((__u64)sent, in.packets);
	} else {
		TH_LOG("the backlog dropped packets: %llu arrived",
		       (unsigned long long)in.packets);
		EXPECT_GE((__u64)sent, in.packets);
	}
	EXPECT_EQ(in.packets * (IPV4_HDR + L4_HDR + 10), in.bytes);
	EXPECT_EQ(after_sum.packets - before_sum.packets,
		  after[FLOWCOUNT_PACKETS] - before[FLOWCOUNT_PACKETS]);
	EXPECT_EQ(after_sum.bytes - before_sum.bytes,
		  after[FLOWCOUNT_BYTES] - before[FLOWCOUNT_BYTES]);
	for (i = FLOWCOUNT_LOST_NOMEM; i <= FLOWCOUNT_LOST_OTHER; i++)
		EXPECT_EQ(before[i], after[i]);
	close(tx);
	close(rx);
}

/* Sends @n datagrams of 10 bytes over 127.0.0.1 and receives them. */
static void udp_send(struct __test_metadata *_metadata, int n,
		     struct flowcount_key *out_key)
{
	struct sockaddr_storage src, dst;
	char buf[16] = { 0 };
	int tx, rx, i;

	rx = bound_socket(_metadata, AF_INET, SOCK_DGRAM, 0, &dst);
	tx = bound_socket(_metadata, AF_INET, SOCK_DGRAM, 0, &src);
	*out_key = key_of(AF_INET, IPPROTO_UDP, FLOWCOUNT_DIR_OUT, &src, &dst);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(10, sendto(tx, buf, 10, 0, (struct sockaddr *)&dst,
				     sizeof(dst)));
		ASSERT_EQ(10, recv(rx, buf, sizeof(buf), 0));
	}
	close(tx);
	close(rx);
}

/*
 * Last: unloads and reloads the module, which it leaves loaded with its
 * default pins, as it found it.
 */
TEST_F(flowcount, rmmod_leaves_held_maps_readable_and_a_reload_wants_the_pins_gone)
{
	__u64 t1[FLOWCOUNT_NR_TOTALS], t2[FLOWCOUNT_NR_TOTALS];
	struct bpfmap_info old_info, new_info;
	struct flowcount_key key, key2;
	struct fc_count c;
	int new_fd;

	/* The 6.1 harness runs the test even when the setup skipped. */
	if (_metadata->skip)
		return;

	udp_send(_metadata, 3, &key);
	c = flow_get(_metadata, self->flows_fd, self->ncpus, &key);
	ASSERT_EQ(3U, c.packets);
	ASSERT_EQ(3U * (IPV4_HDR + L4_HDR + 10), c.bytes);

	ASSERT_EQ(0, fc_unload());
	ASSERT_FALSE(fc_loaded());
	/* Still readable, and nothing counts any more. */
	totals_get(_metadata, self->totals_fd, self->ncpus, t1);
	udp_send(_metadata, 5, &key2);
	c = flow_get(_metadata, self->flows_fd, self->ncpus, &key);
	EXPECT_EQ(3U, c.packets);
	c = flow_get(_metadata, self->flows_fd, self->ncpus, &key2);
	EXPECT_EQ(0U, c.packets);
	totals_get(_metadata, self->totals_fd, self->ncpus, t2);
	EXPECT_EQ(0, memcmp(t1, t2, sizeof(t1)));

	/* The pins are there, so a load refuses to start. */
	EXPECT_FD_ERRNO(0, bpfmap_obj_get(FC_FLOWS, BPFMAP_F_RDONLY));
	EXPECT_ERRNO(EEXIST, fc_load(""));
	EXPECT_FALSE(fc_loaded());
	/* So does one without its directory, or outside a bpfmapfs. */
	EXPECT_ERRNO(ENOENT, fc_load("pin_dir=" BPFMAPFS_ROOT "/no_such_dir"));
	EXPECT_ERRNO(EPERM, fc_load("pin_dir=/tmp"));
	EXPECT_FALSE(fc_loaded());

	/* Without the pins it loads, with new maps. */
	ASSERT_EQ(0, unlink(FC_FLOWS));
	ASSERT_EQ(0, unlink(FC_TOTALS));
	ASSERT_EQ(0, fc_load(""));
	ASSERT_TRUE(fc_loaded());
	new_fd = bpfmap_obj_get(FC_FLOWS, BPFMAP_F_RDONLY);
	ASSERT_LE(0, new_fd);
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(self->flows_fd, &old_info));
	ASSERT_EQ(0, bpfmap_map_get_info_by_fd(new_fd, &new_info));
	EXPECT_NE(old_info.id, new_info.id);

	/* The new map counts; the old one keeps what it had. */
	udp_send(_metadata, 2, &key2);
	c = flow_get(_metadata, new_fd, self->ncpus, &key2);
	EXPECT_EQ(2U, c.packets);
	EXPECT_EQ(2U * (IPV4_HDR + L4_HDR + 10), c.bytes);
	c = flow_get(_metadata, new_fd, self->ncpus, &key);
	EXPECT_EQ(0U, c.packets);
	c = flow_get(_metadata, self->flows_fd, self->ncpus, &key);
	EXPECT_EQ(3U, c.packets);
	c = flow_get(_metadata, self->flows_fd, self->ncpus, &key2);
	EXPECT_EQ(0U, c.packets);
	close(new_fd);
}

TEST_HARNESS_MAIN
