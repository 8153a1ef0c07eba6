# SPDX-License-Identifier: GPL-2.0
#
# The maps of bpfmap_flowcount as a table (copied into the tour VM by
# tour.sh; busybox awk).  Reads what `bpfmapctl map dump` prints for the
# flows map (40-byte struct flowcount_key, per-CPU struct flowcount_value)
# or the totals map (u32 key, per-CPU u64), sums the CPUs' values and
# prints one line per element.  The layout is samples/flowcount/flowcount.h.
#
# usage: bpfmapctl map dump pinned /sys/fs/bpfmap/flowcount/flows |
#            awk -f flowcount.awk

function hex(s,    i, n) {
	n = 0
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}

# The little-endian u64 in fields first .. first + 7.
function u64(first,    i, n) {
	n = 0
	for (i = first + 7; i >= first; i--)
		n = n * 256 + hex($i)
	return n
}

# The big-endian u16 in fields first and first + 1.
function be16(first) {
	return hex($first) * 256 + hex($(first + 1))
}

function addr(family, first,    i, s) {
	if (family == 4)
		return hex($first) "." hex($(first + 1)) "." hex($(first + 2)) "." hex($(first + 3))
	s = sprintf("%x", be16(first))
	for (i = first + 2; i < first + 16; i += 2)
		s = s ":" sprintf("%x", be16(i))
	# The longest run of zero groups, as "::" (enough for ::1 and fe80::).
	sub(/^0:0:0:0:0:0:0:/, "::", s)
	sub(/:0:0:0:0:/, "::", s)
	return s
}

# Flows come out of the map in hash order: sorted here by line (direction,
# protocol, source), under the header.
function flush() {
	if (kind == "flow")
		printf("%-4s %-7s %-32s %-32s %7d %9d\n", dir, proto, src, dst, packets, bytes) | "sort"
	else if (kind == "total")
		printf("%-12s %12d\n", total, packets)
	kind = ""
}

BEGIN {
	split("packets bytes flows lost_nomem lost_full lost_other", names, " ")
	split("in out fwd", dirs, " ")
	protos[1] = "icmp"; protos[6] = "tcp"; protos[17] = "udp"; protos[58] = "icmpv6"
	header = 0
}

$1 == "key:" && NF == 1 { flush(); want_key = 1; next }

want_key && NF == 40 {
	want_key = 0
	kind = "flow"
	if (!header++)
		printf("%-4s %-7s %-32s %-32s %7s %9s\n", "dir", "proto", "source", "destination", "packets", "bytes")
	fflush()
	family = hex($1)
	p = hex($2)
	proto = (p in protos) ? protos[p] : p
	dir = dirs[hex($3) + 1]
	src = addr(family, 9)
	dst = addr(family, 25)
	if (proto == "icmp" || proto == "icmpv6") {
		# sport: the echo identifier; dport: type << 8 | code
		src = src " id " be16(5)
		dst = dst " type " hex($7) "/" hex($8)
	} else {
		src = src ":" be16(5)
		dst = dst ":" be16(7)
	}
	packets = bytes = 0
	next
}

want_key && NF == 4 {
	want_key = 0
	kind = "total"
	total = names[hex($1) + 1]
	packets = 0
	next
}

# "value (CPU 00): b0 .. b15" (flows) or "value (CPU 00): b0 .. b7" (totals)
$1 == "value" && $2 == "(CPU" {
	packets += u64(4)
	if (kind == "flow")
		bytes += u64(12)
	next
}

END {
	flush()
	close("sort")
}
