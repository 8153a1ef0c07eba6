/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/* Copyright (C) 2026 The bpfmap authors. */
/*
 * The layout of bpfmap_flowcount's two maps, for the module and for the
 * programs that read them (Documentation/flowcount.rst).  Everything is in
 * the host's byte order except where a field says __be.
 */
#ifndef _BPFMAP_FLOWCOUNT_H
#define _BPFMAP_FLOWCOUNT_H

#include <linux/types.h>

/* The names of the pins in the module's pin_dir. */
#define FLOWCOUNT_PIN_FLOWS	"flows"
#define FLOWCOUNT_PIN_TOTALS	"totals"

/* Where a packet was counted: the netfilter hook. */
enum flowcount_dir {
	FLOWCOUNT_DIR_IN = 0,		/* LOCAL_IN: delivered to this host */
	FLOWCOUNT_DIR_OUT = 1,		/* LOCAL_OUT: sent by this host */
	FLOWCOUNT_DIR_FORWARD = 2,	/* FORWARD: routed through it */
};

/**
 * struct flowcount_key - the key of the flows map (40 bytes)
 * @family: 4 or 6
 * @proto: the IP protocol (IPv6: the first header after the extension
 *	headers)
 * @dir: enum flowcount_dir
 * @pad: 0
 * @sport: TCP, UDP, UDP-Lite, SCTP, DCCP: the source port; ICMP and ICMPv6
 *	echo request and reply: the identifier; otherwise 0
 * @dport: the destination port; ICMP and ICMPv6: type << 8 | code;
 *	otherwise 0.  Both are 0 in a fragment that is not the first.
 * @saddr: the source address; an IPv4 address is in the first 4 bytes,
 *	the other 12 are 0
 * @daddr: the destination address, likewise
 */
struct flowcount_key {
	__u8 family;
	__u8 proto;
	__u8 dir;
	__u8 pad;
	__be16 sport;
	__be16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

/**
 * struct flowcount_value - one CPU's share of a flow (16 bytes per CPU)
 * @packets: packets (an skb as the hook sees it: a GSO packet counts once)
 * @bytes: their length from the IP header on (skb->len at the hook)
 */
struct flowcount_value {
	__u64 packets;
	__u64 bytes;
};

/* The keys (u32) of the totals map; each value is a per-CPU u64. */
enum flowcount_total {
	FLOWCOUNT_PACKETS = 0,		/* every packet the hooks saw */
	FLOWCOUNT_BYTES = 1,		/* their bytes */
	FLOWCOUNT_FLOWS = 2,		/* flows the hooks added to the map */
	FLOWCOUNT_LOST_NOMEM = 3,	/* a new flow not added: ENOMEM */
	FLOWCOUNT_LOST_FULL = 4,	/* a new flow not added: E2BIG */
	FLOWCOUNT_LOST_OTHER = 5,	/* a new flow not added: other errno */
	FLOWCOUNT_NR_TOTALS = 6,
};

#endif /* _BPFMAP_FLOWCOUNT_H */
