#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# How bpfmap installs, checked without touching the machine's own trees:
#   1. dkms.conf names the version the Makefile has;
#   2. `make install DESTDIR=` lays out exactly the expected files (module,
#      library, headers, pkg-config file, bpfmapctl, every man page under
#      tools/, udev rule, modules-load.d example), the library links, and
#      `make uninstall` leaves no file behind;
#   3. `dkms add` + `dkms build` of the module sources for each kernel
#      given, with DKMS's trees in a temporary folder; each built module
#      must carry that kernel's vermagic.
# A kernel given as RELEASE builds against its installed headers
# (/lib/modules/RELEASE/build, from the linux-headers-RELEASE package,
# installed from Debian's archive when missing); RELEASE=DIR builds
# against the headers unpacked in DIR (--kernelsourcedir).
#
# usage: install-check.sh --kdir KDIR [RELEASE | RELEASE=DIR]...
#   --kdir KDIR  kernel headers for the `make install` check
# Exit status: 0 when every check passed; each failure is one "FAIL:" line.
set -euo pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"
root=$(cd "$vm_here/../.." && pwd)

kdir=
kernels=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kdir) kdir=$2; shift 2 ;;
	-*) echo "usage: $0 --kdir KDIR [RELEASE | RELEASE=DIR]..." >&2; exit 2 ;;
	*) kernels+=("$1"); shift ;;
	esac
done
[ -n "$kdir" ] || { echo "install-check.sh: --kdir is required" >&2; exit 2; }

say() { printf '[install] %s\n' "$*"; }
failures=0
fail() { failures=$((failures + 1)); say "FAIL: $*"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. One version, wherever it is written down.
version=$(make -s -C "$root" version)
conf_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$root/dkms.conf")
lib_version=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$root/tools/lib/Makefile")
man_version=$(sed -n 's/^\.TH LIBBPFMAP 3 [^ ]* "bpfmap \([^"]*\)".*/\1/p' "$root/tools/lib/libbpfmap.3")
for v in "dkms.conf PACKAGE_VERSION:$conf_version" \
	"tools/lib/Makefile VERSION:$lib_version" \
	"libbpfmap.3 .TH:$man_version"; do
	if [ "${v##*:}" != "$version" ]; then
		fail "${v%:*} says '${v##*:}', the Makefile VERSION '$version'"
	fi
done
say "version $version"

# 2. make install / uninstall into a DESTDIR.  The module is built in a
# copy of the tree, so the caller's objects (built for another kernel)
# stay as they are.
dest=$tmp/dest
tree=$tmp/tree
release=$(vm_kdir_release "$kdir")
prefix=/usr/local
# The Makefile's default: udev's own answer, else Debian 12's place.
udevdir=$(pkg-config --variable=udevdir udev 2>/dev/null || true)
udevdir=${udevdir:-/lib/udev}
rsync -a --exclude .git --exclude '*.o' --exclude '*.ko' --exclude '*.a' \
	--exclude '*.so*' "$root/" "$tree/"
if ! make -C "$tree" install DESTDIR="$dest" KDIR="$kdir" PREFIX="$prefix" \
	>"$tmp/install.log" 2>&1; then
	tail -n 20 "$tmp/install.log"
	fail "make install DESTDIR=... KDIR=$kdir"
else
	{
		echo "lib/modules/$release/updates/bpfmap.ko"
		echo "${udevdir#/}/rules.d/60-bpfmap.rules"
		echo "${prefix#/}/include/libbpfmap.h"
		echo "${prefix#/}/include/bpfmap/linux/bpfmap_kernel.h"
		echo "${prefix#/}/include/bpfmap/linux/bpfmap.h"
		echo "${prefix#/}/share/bpfmap/$release/Module.symvers"
		echo "${prefix#/}/include/linux/bpfmap.h"
		echo "${prefix#/}/lib/libbpfmap.a"
		echo "${prefix#/}/lib/libbpfmap.so"
		echo "${prefix#/}/lib/libbpfmap.so.0"
		echo "${prefix#/}/lib/pkgconfig/libbpfmap.pc"
		echo "${prefix#/}/sbin/bpfmapctl"
		echo "${prefix#/}/share/bpfmap/bpfmap.conf"
		for page in "$root"/tools/*/*.[1-8]; do
			[ -f "$page" ] || continue
			n=${page##*.}
			echo "${prefix#/}/share/man/man$n/$(basename "$page")"
		done
	} | sort >"$tmp/want"
	# A kernel that compresses its modules gets bpfmap.ko.xz (or .gz,
	# .zst): one name for the comparison.
	(cd "$dest" && find . \( -type f -o -type l \) -printf '%P\n') |
		sed 's|/bpfmap\.ko\.[a-z]*$|/bpfmap.ko|' | sort >"$tmp/got"
	if ! diff -u "$tmp/want" "$tmp/got" >"$tmp/layout.diff"; then
		cat "$tmp/layout.diff"
		fail "make install laid out other files than expected (- missing, + extra)"
	else
		say "make install: $(wc -l <"$tmp/want") files under DESTDIR, as expected"
	fi
	# The installed headers, library and pkg-config file are enough to
	# build a program.
	cat >"$tmp/demo.c" <<'EOF'
#include <libbpfmap.h>
int main(void) { return bpfmap_map_type_name(BPFMAP_MAP_TYPE_HASH) ? 0 : 1; }
EOF
	pc=$dest$prefix/lib/pkgconfig/libbpfmap.pc
	if ! grep -qx "prefix=$prefix" "$pc" || ! grep -q '^Libs: .*-lbpfmap' "$pc"; then
		cat "$pc"
		fail "libbpfmap.pc does not name prefix $prefix and -lbpfmap"
	fi
	if ! cc -o "$tmp/demo" "$tmp/demo.c" -I"$dest$prefix/include" \
		-L"$dest$prefix/lib" -lbpfmap >"$tmp/demo.log" 2>&1 ||
		! LD_LIBRARY_PATH=$dest$prefix/lib "$tmp/demo"; then
		cat "$tmp/demo.log"
		fail "a program built against the installed library"
	fi
	if ! make -C "$tree" uninstall DESTDIR="$dest" KDIR="$kdir" \
		PREFIX="$prefix" >"$tmp/uninstall.log" 2>&1; then
		tail -n 20 "$tmp/uninstall.log"
		fail "make uninstall"
	elif left=$(cd "$dest" && find . \( -type f -o -type l \) -printf '%P\n') &&
		[ -n "$left" ]; then
		echo "$left"
		fail "make uninstall left files behind"
	else
		say "make uninstall: nothing left"
	fi
fi

# 3. DKMS, in its own trees.
if [ "${#kernels[@]}" -gt 0 ]; then
	if ! command -v dkms >/dev/null; then
		fail "dkms is not installed"
		exit 1
	fi
	src=$tmp/dkms-src
	dkmstree=$tmp/dkms
	mkdir -p "$src" "$dkmstree"
	dk=(--sourcetree "$src" --dkmstree "$dkmstree")
	if ! make -s -C "$root" dkms-source DKMS_SRCDIR="$src/bpfmap-$version" \
		>"$tmp/dkms-add.log" 2>&1 ||
		! (cd "$tmp" && dkms add -m bpfmap -v "$version" "${dk[@]}") \
		>>"$tmp/dkms-add.log" 2>&1; then
		cat "$tmp/dkms-add.log"
		fail "make dkms-source + dkms add"
		kernels=()
	fi
fi
for k in "${kernels[@]}"; do
	rel=${k%%=*}
	opts=()
	if [ "$k" != "$rel" ]; then
		opts=(--kernelsourcedir "${k#*=}")
	elif [ ! -e "/lib/modules/$rel/build" ]; then
		say "installing linux-headers-$rel from the archive"
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "linux-headers-$rel" \
			>"$tmp/apt-$rel.log" 2>&1; then
			tail -n 10 "$tmp/apt-$rel.log"
			fail "installing linux-headers-$rel"
			continue
		fi
	fi
	if ! (cd "$tmp" && dkms build -m bpfmap -v "$version" -k "$rel" \
		"${opts[@]}" "${dk[@]}") >"$tmp/dkms-$rel.log" 2>&1; then
		tail -n 20 "$tmp/dkms-$rel.log"
		l=$dkmstree/bpfmap/$version/build/make.log
		[ ! -f "$l" ] || tail -n 20 "$l"
		fail "dkms build for $rel"
		continue
	fi
	ko=$(find "$dkmstree/bpfmap/$version/$rel" -name 'bpfmap.ko*' | head -n1)
	magic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
	if [ -z "$ko" ] || [[ $magic != "$rel "* ]]; then
		fail "dkms build for $rel: module '${ko:-none}' has vermagic '$magic'"
		continue
	fi
	say "dkms build for $rel${opts[*]:+ (${opts[*]})}: ok"
done

[ "$failures" -eq 0 ]
