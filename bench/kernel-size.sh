#!/usr/bin/env bash
# bench/kernel-size.sh — bzImage size of carve's kernel next to Debian's
# generic 6.12 vmlinuz (same source version, linux-image-<ver>-amd64).
# Debian's image is fetched once with `apt-get download` into the cache; if
# the archive cannot be reached the documented figure below is printed and
# the reference column says so.
set -euo pipefail
export LC_ALL=C
img=${1:-build/kernel/bzImage}
cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/carve}
ver=6.12.117-1~deb12u1 abi=6.12.117+deb12-amd64
# Measured 2026-11-22 from linux-image-6.12.117+deb12-amd64-unsigned 6.12.117-1~deb12u1.
documented=12083712
dir=$cache/debian-vmlinuz-$ver

if [ ! -f "$dir/vmlinuz" ]; then
	tmp=$(mktemp -d "$cache/debian-vmlinuz.tmp.XXXXXX")
	if (cd "$tmp" && apt-get download "linux-image-$abi-unsigned=$ver" >/dev/null 2>&1 &&
		dpkg-deb --fsys-tarfile ./*.deb | tar -x "./boot/vmlinuz-$abi"); then
		mkdir -p "$dir.new" && mv "$tmp/boot/vmlinuz-$abi" "$dir.new/vmlinuz" && mv -T "$dir.new" "$dir"
	fi
	rm -rf "$tmp"
fi
ours=$(stat -c %s "$img")
printf 'kernel-size\tbzImage\t%d\tbytes\tgoal <= 3 MiB (3145728)\n' "$ours"
if [ -f "$dir/vmlinuz" ]; then
	deb=$(stat -c %s "$dir/vmlinuz")
	ref="Debian linux-image-$abi $ver vmlinuz"
else
	deb=$documented
	ref="Debian linux-image-$abi $ver vmlinuz (documented figure; archive unreachable)"
fi
printf 'kernel-size\tdebian-generic-vmlinuz\t%d\tbytes\t%s\n' "$deb" "$ref"
printf 'kernel-size\tratio\t%s\t%%\tcarve bzImage / Debian vmlinuz\n' "$(echo "scale=1; 100 * $ours / $deb" | bc)"
