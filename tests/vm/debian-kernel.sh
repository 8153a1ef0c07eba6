#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch (once) one of Debian 12's stock amd64 kernels and its headers
# without installing them: apt-get download the image, the two headers
# packages and linux-kbuild, unpack them into one folder under the cache,
# and repoint the absolute paths inside so out-of-tree modules build
# against it.  Cached: the second call only prints.  Progress goes to
# stderr; stdout gets three lines:
#
#   KERNEL=<path of vmlinuz>
#   KDIR=<headers dir, for make module KDIR=...>
#   RELEASE=<uname -r of that kernel>
#
# usage: debian-kernel.sh [LINE]
#   LINE  6.1 (default: the ABI linux-image-amd64 depends on, e.g. 6.1.0-57),
#         6.12 or 6.12-rt (the newest 6.12.N+deb12 the archive has; -rt is
#         its PREEMPT_RT flavour)
# env:   BPFMAP_CACHE (default /var/cache/bpfmap), DEBIAN_ABI (overrides the
#        ABI name, e.g. 6.1.0-56 or 6.12.117+deb12)
set -euo pipefail

cache=${BPFMAP_CACHE:-/var/cache/bpfmap}

log() { printf '[debian-kernel] %s\n' "$*" >&2; }

find_abi() {
	# "Depends: linux-image-6.1.0-56-amd64" -> "6.1.0-56"
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9.]*-[0-9]*\)-amd64$/\1/p' | head -n1
}

# The newest 6.12.N+deb12 whose unsigned image the archive has.
find_abi_612() {
	apt-cache search --names-only \
		'^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' 2>/dev/null |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12\)-amd64-unsigned .*/\1/p' |
		sort -V | tail -n1
}

line=${1:-6.1}
case "$line" in
6.1) finder=find_abi flavour=amd64 ;;
6.12) finder=find_abi_612 flavour=amd64 ;;
6.12-rt) finder=find_abi_612 flavour=rt-amd64 ;;
*) log "unknown kernel line '$line' (6.1, 6.12 or 6.12-rt)"; exit 2 ;;
esac

abi=${DEBIAN_ABI:-$($finder)}
if [ -z "$abi" ]; then
	log "apt does not know the $line kernels yet; running apt-get update"
	apt-get update -qq >&2
	abi=$($finder)
fi
[ -n "$abi" ] || { log "cannot find a Debian $line kernel in the archive"; exit 1; }

release=$abi-$flavour
rt=
[ "$flavour" = amd64 ] || rt=-rt
out=$cache/debian-$abi$rt
root=$out/root
kdir=$root/usr/src/linux-headers-$release
common=$root/usr/src/linux-headers-$abi-common$rt
kernel=$root/boot/vmlinuz-$release
mkdir -p "$cache"

exec 9>"$cache/.lock-debian"
flock 9

if [ ! -f "$out/.bpfmap-done" ]; then
	# linux-kbuild-6.1 for a 6.1.0-NN ABI (named after the upstream
	# major.minor); the 6.12 line names it after the whole ABI.  The
	# PREEMPT_RT flavour has its own common headers.
	case "$abi" in
	6.1.*) kbuild=linux-kbuild-$(echo "$abi" | cut -d. -f1,2) ;;
	*) kbuild=linux-kbuild-$abi ;;
	esac
	pkgs=(
		"linux-image-$release-unsigned"
		"linux-headers-$release"
		"linux-headers-$abi-common$rt"
		"$kbuild"
	)
	rm -rf "$out"
	mkdir -p "$out/debs" "$root"
	log "downloading ${pkgs[*]}"
	(cd "$out/debs" && apt-get -q -o APT::Sandbox::User=root download "${pkgs[@]}" >&2)
	for deb in "$out"/debs/*.deb; do
		log "unpacking $(basename "$deb")"
		dpkg -x "$deb" "$root"
	done

	# The arch headers' Makefile includes the common one by absolute path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$kdir/Makefile"
	# Absolute symlinks (lib/modules/*/build and source) point into the
	# host's /usr; make every one relative to the unpacked root instead.
	while IFS= read -r link; do
		target=$(readlink "$link")
		ln -sfn "$root$target" "$link"
	done < <(find "$root" -type l -lname '/*')
	# Nothing else may still point outside the root.
	if grep -rl --include=Makefile '^include /usr/' "$root/usr/src" >&2; then
		log "absolute include left in the files above"; exit 1
	fi
	[ -f "$kernel" ] && [ -f "$common/Makefile" ] && [ -x "$kdir/scripts/mod/modpost" ] ||
		{ log "unexpected package layout under $root"; exit 1; }
	rm -rf "$out/debs"
	touch "$out/.bpfmap-done"
	log "ready in $out"
fi

echo "KERNEL=$kernel"
echo "KDIR=$kdir"
echo "RELEASE=$release"
