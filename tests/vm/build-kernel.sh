#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) a bpfmap test kernel and print the directory that holds it.
# The result is cached outside the checkout, keyed by a hash of the source
# package's version, the config fragments and the recipe number below, so
# an unchanged set is a no-op.  Progress goes to stderr; the only line on stdout is the
# build dir.
#
#   debug     (default) Debian's linux-source-6.1 with base.config and
#             debug.config: KASAN, lockdep, kmemleak, UBSAN, fault
#             injection, memcg, KUnit
#   rt-debug  Debian's linux-source-6.12 with base.config and
#             rt-debug.config: PREEMPT_RT, lockdep with raw-lock nesting,
#             atomic-sleep checks, fault injection, memcg, KUnit
#
# usage: build-kernel.sh [--flavour debug|rt-debug]
# env:   BPFMAP_CACHE (default /var/cache/bpfmap), JOBS (default nproc)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BPFMAP_CACHE:-/var/cache/bpfmap}
jobs=${JOBS:-$(nproc)}

flavour=debug
case "${1:-}" in
--flavour) flavour=${2:-} ;;
"") ;;
*) echo "usage: $0 [--flavour debug|rt-debug]" >&2; exit 2 ;;
esac
case "$flavour" in
debug) line=6.1 extra=debug.config ;;
rt-debug) line=6.12 extra=rt-debug.config ;;
*) echo "build-kernel.sh: unknown flavour '$flavour'" >&2; exit 2 ;;
esac
fragments=("$here/config/base.config" "$here/config/$extra")
tarball=/usr/src/linux-source-$line.tar.xz

log() { printf '[kernel] %s\n' "$*" >&2; }

[ -f "$tarball" ] || { log "missing $tarball (apt-get install linux-source-$line)"; exit 1; }

# What the kernel is made of: the source package's version (a Debian
# point release keeps the tarball's name), the fragments, and the recipe
# number, to bump when the build steps below change the result.
recipe=2
version=$(dpkg-query -W -f='${Version}' "linux-source-$line" 2>/dev/null || echo unknown)
key=$( { echo "recipe $recipe $tarball $version"; cat "${fragments[@]}"; } |
	sha256sum | cut -c1-16)
src=$cache/src/linux-source-$line
out=$cache/kernel-$key
mkdir -p "$cache"

exec 9>"$cache/.lock"
flock 9

if [ -f "$out/.bpfmap-done" ]; then
	log "cached: $out"
	echo "$out"
	exit 0
fi

# The unpacked tree says which version it is.
if [ "$(cat "$src/.bpfmap-unpacked" 2>/dev/null)" != "$version" ]; then
	log "unpacking $tarball ($version)"
	rm -rf "$src"
	mkdir -p "$cache/src"
	tar -C "$cache/src" -xf "$tarball"
	echo "$version" >"$src/.bpfmap-unpacked"
fi

rm -rf "$out"
mkdir -p "$out"
log "configuring in $out"
make -s -C "$src" O="$out" tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${fragments[@]}" >"$out/merge.log" 2>&1
make -s -C "$src" O="$out" olddefconfig >&2

# merge_config/olddefconfig drop options whose dependencies are missing
# without a word: check that everything we asked for survived.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}
		if grep -q "^$opt=" "$out/.config"; then
			log "option $opt should be off"; missing=1
		fi ;;
	CONFIG_*=*)
		if ! grep -qx "$line" "$out/.config"; then
			log "option lost by olddefconfig: $line"; missing=1
		fi ;;
	esac
done < <(cat "${fragments[@]}")
[ "$missing" = 0 ] || { log "config check failed"; exit 1; }

start=$(date +%s)
log "building bzImage (takes ~7-10 minutes with 2 cores; log in $out/build.log)"
make -C "$src" O="$out" -j"$jobs" bzImage modules_prepare >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; exit 1; }
log "building modules (writes Module.symvers)"
make -C "$src" O="$out" -j"$jobs" modules >>"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; exit 1; }
log "done in $(( $(date +%s) - start )) s"
touch "$out/.bpfmap-done"
echo "$out"
