// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The netfilter hooks of bpfmap_flowcount: IPv4 and IPv6 at LOCAL_IN,
 * LOCAL_OUT and FORWARD in the initial network namespace, each packet
 * counted in its flow (struct flowcount_key) and in the totals.
 *
 * The hooks run on every CPU at once: in softirq context (LOCAL_IN,
 * FORWARD, and LOCAL_OUT of what the stack sends from softirq: TCP ACKs,
 * ICMP replies) and in the sending task (LOCAL_OUT from sendmsg(), with
 * bottom halves enabled and, on preemptible kernels, preemption too),
 * always under rcu_read_lock() (nf_hook()).  What each CPU writes is its
 * own slot of the per-CPU values; count() says why that is safe.
 */

#include <linux/bottom_half.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernel.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/smp.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>

#include "module.h"

/* Adds @n to this CPU's slot of total @idx; under count()'s protection. */
static void total_add(struct bpfmap *totals, u32 idx, u64 n)
{
	u64 *slot = bpfmap_kernel_lookup(totals, &idx);

	if (slot)
		*slot += n;
}

static u32 lost_total(int err)
{
	switch (err) {
	case -ENOMEM:
		return FLOWCOUNT_LOST_NOMEM;
	case -E2BIG:
		return FLOWCOUNT_LOST_FULL;
	default:
		return FLOWCOUNT_LOST_OTHER;
	}
}

/*
 * Counts one packet of @len bytes in the flow @key and in the totals.
 *
 * Every counter is this CPU's slot of a per-CPU value, updated with a
 * plain read-modify-write.  Two writers of one slot can only be two
 * contexts on this CPU: a task in LOCAL_OUT and a softirq that interrupts
 * it on the way out of an interrupt, or a task that another preempts.
 * local_bh_disable() rules both out until local_bh_enable(): softirqs do
 * not run on this CPU, and preemption is off (on PREEMPT_RT, where
 * softirqs are threads, it takes this CPU's softirq lock instead and
 * disables migration, so a task or softirq thread that wants the same
 * slot waits for it).  So the slot the lookup returned stays this CPU's
 * and nobody else writes it.  Hardirqs never count.  Readers (the dumps of
 * userspace) may see a slot in the middle of an update of the other
 * field, as they do with BPF programs.
 *
 * A new flow is added with BPFMAP_NOEXIST and this CPU's slot only (the
 * others start at zero).  EEXIST means another CPU added it after our
 * lookup: we count in the element it added.  A flow that cannot be added
 * (ENOMEM: the LRU found no element to reuse; E2BIG; or it went away
 * again at once) still counts in the packets and bytes totals, and once
 * in the LOST total of its errno.
 *
 * Called from the hooks: softirq or task context, under rcu_read_lock().
 */
static void count(struct flowcount_maps *m, const struct flowcount_key *key,
		  u32 len)
{
	struct flowcount_value *v, first = { .packets = 1, .bytes = len };
	u64 flags;
	int err;

	local_bh_disable();
	rcu_read_lock();
	total_add(m->totals, FLOWCOUNT_PACKETS, 1);
	total_add(m->totals, FLOWCOUNT_BYTES, len);
	v = bpfmap_kernel_lookup(m->flows, key);
	if (v)
		goto add;
	flags = BPFMAP_NOEXIST | BPFMAP_F_CPU |
		(u64)smp_processor_id() << 32;
	err = bpfmap_kernel_update(m->flows, key, &first, flags);
	if (!err) {
		total_add(m->totals, FLOWCOUNT_FLOWS, 1);
		goto out;
	}
	if (err == -EEXIST) {
		v = bpfmap_kernel_lookup(m->flows, key);
		if (v)
			goto add;
	}
	total_add(m->totals, lost_total(err), 1);
	goto out;
add:
	v->packets++;
	v->bytes += len;
out:
	rcu_read_unlock();
	local_bh_enable();
}

/*
 * The ports of TCP, UDP, UDP-Lite, SCTP and DCCP (their first four bytes),
 * or the type, code and echo identifier of ICMP and ICMPv6, at @off.
 */
static void parse_ports(const struct sk_buff *skb, int off,
			struct flowcount_key *key)
{
	struct {
		u8 type;
		u8 code;
		__be16 checksum;
		__be16 id;
	} *icmp, _icmp;
	__be16 *ports, _ports[2];
	bool echo;

	switch (key->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		ports = skb_header_pointer(skb, off, sizeof(_ports), _ports);
		if (!ports)
			return;
		key->sport = ports[0];
		key->dport = ports[1];
		return;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (key->proto != (key->family == 4 ? IPPROTO_ICMP :
				   IPPROTO_ICMPV6))
			return;
		icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
		if (!icmp)
			return;
		key->dport = htons(icmp->type << 8 | icmp->code);
		if (key->family == 4)
			echo = icmp->type == ICMP_ECHO ||
			       icmp->type == ICMP_ECHOREPLY;
		else
			echo = icmp->type == ICMPV6_ECHO_REQUEST ||
			       icmp->type == ICMPV6_ECHO_REPLY;
		if (echo)
			key->sport = icmp->id;
		return;
	}
}

static void parse_ipv4(const struct sk_buff *skb, struct flowcount_key *key)
{
	const struct iphdr *iph = ip_hdr(skb);

	key->family = 4;
	key->proto = iph->protocol;
	memcpy(key->saddr, &iph->saddr, sizeof(iph->saddr));
	memcpy(key->daddr, &iph->daddr, sizeof(iph->daddr));
	/* Only the first fragment has the ports. */
	if (iph->frag_off & htons(IP_OFFSET))
		return;
	parse_ports(skb, skb_network_offset(skb) + iph->ihl * 4, key);
}

static void parse_ipv6(const struct sk_buff *skb, struct flowcount_key *key)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	u8 nexthdr = ip6h->nexthdr;
	__be16 frag_off;
	int off;

	key->family = 6;
	memcpy(key->saddr, &ip6h->saddr, sizeof(ip6h->saddr));
	memcpy(key->daddr, &ip6h->daddr, sizeof(ip6h->daddr));
	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
			       &nexthdr, &frag_off);
	key->proto = nexthdr;
	/* A chain we cannot read, or a fragment that is not the first. */
	if (off < 0 || (ntohs(frag_off) & ~0x7))
		return;
	parse_ports(skb, off, key);
}

/*
 * The hook of every (family, hooknum) pair.  Called by netfilter in
 * softirq or task context under rcu_read_lock(); never sleeps.  Always
 * lets the packet through.
 */
static unsigned int flowcount_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct flowcount_key key = { };

	switch (state->hook) {
	case NF_INET_LOCAL_IN:
		key.dir = FLOWCOUNT_DIR_IN;
		break;
	case NF_INET_LOCAL_OUT:
		key.dir = FLOWCOUNT_DIR_OUT;
		break;
	default:
		key.dir = FLOWCOUNT_DIR_FORWARD;
		break;
	}
	if (state->pf == NFPROTO_IPV4)
		parse_ipv4(skb, &key);
	else
		parse_ipv6(skb, &key);
	count(priv, &key, skb->len);
	return NF_ACCEPT;
}

/*
 * Last in each chain, so a packet a firewall drops is not counted.  priv
 * is set at registration.
 */
static struct nf_hook_ops flowcount_ops[] __read_mostly = {
	{ .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_IP_PRI_LAST },
	{ .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP_PRI_LAST },
	{ .pf = NFPROTO_IPV4, .hooknum = NF_INET_FORWARD,
	  .priority = NF_IP_PRI_LAST },
	{ .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN,
	  .priority = NF_IP6_PRI_LAST },
	{ .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT,
	  .priority = NF_IP6_PRI_LAST },
	{ .pf = NFPROTO_IPV6, .hooknum = NF_INET_FORWARD,
	  .priority = NF_IP6_PRI_LAST },
};

/**
 * flowcount_hooks_register - start counting into @m
 * @m: the maps, held until flowcount_hooks_unregister() returned
 *
 * Context: process context (module init); may sleep.
 *
 * Return: 0 or a negative errno, with no hook registered.
 */
int flowcount_hooks_register(struct flowcount_maps *m)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flowcount_ops); i++) {
		flowcount_ops[i].hook = flowcount_hook;
		flowcount_ops[i].priv = m;
	}
	return nf_register_net_hooks(&init_net, flowcount_ops,
				     ARRAY_SIZE(flowcount_ops));
}

/**
 * flowcount_hooks_unregister - stop counting
 *
 * Context: process context (module exit); may sleep.  Unregistering only
 * swaps each hook for one that accepts everything (the old hook table is
 * freed after a grace period): a CPU may still be in flowcount_hook().
 * synchronize_net() waits for every such caller (each runs under
 * rcu_read_lock()), so when this returns no CPU runs our code or uses the
 * maps, and both may go.
 */
void flowcount_hooks_unregister(void)
{
	nf_unregister_net_hooks(&init_net, flowcount_ops,
				ARRAY_SIZE(flowcount_ops));
	synchronize_net();
}
