#!/usr/bin/env bash
# kernel-config/build.sh — build carve's enclave kernel from Debian's
# linux-source-6.12, reproducibly, through the cache.
#
#   build.sh install OUTDIR     build (or reuse) the kernel and install
#                               OUTDIR/bzImage and OUTDIR/bzImage.config
#   build.sh repro              build a second time in another directory and
#                               compare with the cached build; prints
#                               "same SHA256" or "differ SHA256 SHA256"
#                               (the verdict is cached with the build)
#   build.sh key                print the cache key of the current inputs
#   build.sh --help
#
# Options (before the command):
#   --fragment FILE   merge FILE after the standard fragments (repeatable;
#                     the bench uses it for variants such as XZ)
#
# Environment: CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/carve),
# SOURCE_DATE_EPOCH (default 0), KERNEL_ARCH (default x86_64), JOBS
# (default nproc).
#
# Cache layout:
#   $CACHE_DIR/linux-src-<key>   the unpacked source with kernel-config/patches/
#                                applied (shared by every build)
#   $CACHE_DIR/kernel-<key>      bzImage, bzImage.config, build.log, repro
# Both are made in a temp directory next to their final name and renamed
# into place, so an interrupted build leaves nothing that looks finished.
set -euo pipefail
export LC_ALL=C TZ=UTC
# Interrupted builds first stop a compile still running in the background,
# then run the EXIT trap that removes their temp dir.
trap 'stop_compile; exit 130' INT
trap 'stop_compile; exit 143' TERM
compile_pid=
stop_compile() {
	[ -n "$compile_pid" ] || return 0
	kill -TERM -- "-$compile_pid" 2>/dev/null || true
	wait "$compile_pid" 2>/dev/null || true
	compile_pid=
}

prog=kernel
here=$(cd "$(dirname "$0")" && pwd)
cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/carve}
epoch=${SOURCE_DATE_EPOCH:-0}
arch=${KERNEL_ARCH:-x86_64}
jobs=${JOBS:-$(nproc)}
srcpkg=linux-source-6.12
tarball=/usr/src/$srcpkg.tar.xz

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
say() { printf '%s: %s\n' "$prog" "$*" >&2; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

case $arch in
x86_64) karch=x86 ;;
*) die "cannot build for KERNEL_ARCH=$arch: only x86_64 has a fragment yet" ;;
esac
fragments=("$here/base.config" "$here/$arch.config")
# carve's few source patches, applied in name order (README.md, "Patches").
patches=("$here"/patches/*.patch)
[ -e "${patches[0]}" ] || patches=()

while [ $# -gt 0 ]; do
	case $1 in
	--help|-h) usage; exit 0 ;;
	--fragment)
		[ $# -ge 2 ] || die "--fragment needs a file"
		[ -r "$2" ] || die "cannot read fragment $2: no such file"
		fragments+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")")
		shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift

case $epoch in ''|*[!0-9]*) die "SOURCE_DATE_EPOCH=$epoch is not a number of seconds" ;; esac

src_version() {
	local v
	v=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$srcpkg" 2>/dev/null |
		awk '$1 == "ii" { print $2 }') || true
	[ -n "$v" ] && [ -r "$tarball" ] ||
		die "cannot find $srcpkg: install it with 'mk/deps.sh packages kernel' (make kernel does)"
	printf '%s\n' "$v"
}

# Source key: the package version names the tarball's content (Debian never
# reuses a version), plus the patches.  Kernel key: everything that can
# change the bytes.
srcver=$(src_version)
srckey=$({
	printf '%s %s\n' "$srcpkg" "$srcver"
	for p in "${patches[@]}"; do printf 'patch %s\n' "$(basename "$p")"; cat "$p"; done
} | sha256sum | cut -c1-16)
srcdir=$cache/linux-src-$srckey

kernel_key() {
	{
		printf 'source %s %s %s\narch %s\nepoch %s\n' "$srcpkg" "$srcver" "$srckey" "$arch" "$epoch"
		for f in "${fragments[@]}"; do printf 'fragment %s\n' "$(basename "$f")"; cat "$f"; done
		gcc --version | head -1
		ld --version | head -1
		lz4 --version 2>&1 | head -1 || true
		zstd --version 2>&1 | head -1 || true
		xz --version | head -1
		# The tools' own lines lack Debian's revision, which a security
		# update bumps without changing the upstream version.
		dpkg-query -W -f='${Package} ${Version}\n' binutils lz4 zstd xz-utils libelf-dev bc 2>/dev/null || true
		cat "$here/build.sh"
	} | sha256sum | cut -c1-16
}
key=$(kernel_key)
kdir=$cache/kernel-$key

unpack_source() {
	[ -d "$srcdir" ] && return 0
	say "unpacking $srcpkg $srcver into $srcdir"
	unpack_tmp=$(mktemp -d "$cache/linux-src-$srckey.tmp.XXXXXX")
	trap 'rm -rf "$unpack_tmp"' EXIT
	tar -C "$unpack_tmp" -xJf "$tarball" || die "cannot unpack $tarball"
	[ -f "$unpack_tmp/$srcpkg/Makefile" ] || die "cannot use $tarball: no $srcpkg/Makefile inside"
	for p in "${patches[@]}"; do
		say "applying $(basename "$p")"
		patch -d "$unpack_tmp/$srcpkg" -p1 --batch --forward --quiet --no-backup-if-mismatch <"$p" ||
			die "cannot apply $p to $srcpkg $srcver"
	done
	if ! mv -T "$unpack_tmp/$srcpkg" "$srcdir" 2>/dev/null; then
		[ -d "$srcdir" ] || die "cannot move the source into $srcdir"
	fi
	rm -rf "$unpack_tmp"
	trap - EXIT
}

# kmake OBJDIR TARGET...: the kernel's make with everything that makes the
# output depend only on the inputs: fixed time, user, host and build number;
# file names relative to the source and object trees.
kmake() {
	local obj=$1; shift
	KBUILD_BUILD_TIMESTAMP=$(date -u -d "@$epoch" '+%a %b %e %H:%M:%S UTC %Y') \
	KBUILD_BUILD_USER=carve KBUILD_BUILD_HOST=carve KBUILD_BUILD_VERSION=1 \
	make -C "$srcdir" O="$obj" ARCH="$karch" -j"$jobs" \
		KCFLAGS="-ffile-prefix-map=$srcdir/= -ffile-prefix-map=$obj/=" \
		KAFLAGS="-ffile-prefix-map=$srcdir/= -ffile-prefix-map=$obj/=" "$@"
}

# build_in DIR LOG: configure, check and compile into DIR/obj; leaves
# DIR/bzImage and DIR/bzImage.config.
build_in() {
	local dir=$1 log=$2 obj=$1/obj start n
	mkdir -p "$obj"
	start=$(date +%s)
	say "configuring: tinyconfig + $(for f in "${fragments[@]}"; do basename "$f"; done | paste -sd' ')"
	{ kmake "$obj" tinyconfig &&
	  (cd "$obj" && "$srcdir/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}") &&
	  kmake "$obj" olddefconfig; } >>"$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; die "cannot configure the kernel (log: $log)"; }
	say "checking that olddefconfig kept every requested option"
	"$here/check-config.sh" "$obj/.config" "${fragments[@]}" ||
		die "the fragments ask for options the kernel cannot have (see above)"
	say "compiling with $jobs jobs (takes minutes; log: $log)"
	# A script's background job ignores SIGINT, so Ctrl-C used to leave make
	# compiling into a removed directory and holding the cache lock.  In its
	# own process group (set -m) stop_compile ends it with every compiler.
	set -m
	kmake "$obj" bzImage >>"$log" 2>&1 </dev/null &
	compile_pid=$!
	set +m
	while kill -0 "$compile_pid" 2>/dev/null; do
		sleep 20 9>&- & wait $! || true # 9>&-: the lock goes with the script
		kill -0 "$compile_pid" 2>/dev/null || break
		n=$(grep -c '^  [A-Z]' "$log" || true)
		say "compiling... $(( $(date +%s) - start )) s, $n steps"
	done
	wait "$compile_pid" || { compile_pid=; tail -n 30 "$log" >&2; die "cannot compile the kernel (log: $log)"; }
	compile_pid=
	cp "$obj/arch/$karch/boot/bzImage" "$dir/bzImage"
	cp "$obj/.config" "$dir/bzImage.config"
	# Symbols for reading "initcall_debug nokaslr" boot logs; not shipped.
	cp "$obj/System.map" "$dir/System.map"
	say "built bzImage: $(stat -c %s "$dir/bzImage") bytes in $(( $(date +%s) - start )) s"
}

# keep_log_and_remove DIR: after a failed build, keep DIR's log next to the
# cache entry (DIR itself is removed: nothing half-built stays behind).
keep_log_and_remove() {
	if cp -f "$1/build.log" "$cache/kernel-$key.failed.log" 2>/dev/null; then
		say "the full log is kept in $cache/kernel-$key.failed.log"
	fi
	rm -rf "$1"
}

# ensure_built: the cached build for the current key exists afterwards.
# A lock serialises concurrent makes (other rooms' tests depend on the
# kernel); the loser of the race finds the finished directory.
ensure_built() {
	[ -f "$kdir/bzImage" ] && return 0
	mkdir -p "$cache"
	exec 9>"$cache/kernel-$key.lock"
	flock 9
	if [ ! -f "$kdir/bzImage" ]; then
		unpack_source
		local tmp
		tmp=$(mktemp -d "$cache/kernel-$key.tmp.XXXXXX")
		# A failed build leaves nothing behind but its log.
		trap 'keep_log_and_remove "$tmp"' EXIT
		build_in "$tmp" "$tmp/build.log"
		rm -rf "$tmp/obj"
		mv -T "$tmp" "$kdir" || die "cannot move the build into $kdir"
		trap - EXIT
	fi
	exec 9>&-
}

# install_file SRC DST: replace DST only when the bytes differ, atomically,
# so targets that depend on it are not rebuilt for nothing.
install_file() {
	cmp -s "$1" "$2" && return 0
	cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
}

case $cmd in
key)
	printf '%s\n' "$key" ;;
install)
	[ $# -eq 1 ] || die "install needs exactly one OUTDIR"
	ensure_built
	mkdir -p "$1"
	install_file "$kdir/bzImage" "$1/bzImage"
	install_file "$kdir/bzImage.config" "$1/bzImage.config" ;;
repro)
	ensure_built
	if [ ! -f "$kdir/repro" ]; then
		unpack_source
		tmp=$(mktemp -d "$cache/kernel-$key.repro.XXXXXX")
		say "reproducibility: second build in $tmp"
		trap 'keep_log_and_remove "$tmp"' EXIT
		build_in "$tmp" "$tmp/build.log"
		trap - EXIT
		a=$(sha256sum <"$kdir/bzImage" | cut -d' ' -f1)
		b=$(sha256sum <"$tmp/bzImage" | cut -d' ' -f1)
		if [ "$a" = "$b" ]; then v="same $a"; else v="differ $a $b"; fi
		# A failed comparison keeps the second build for diffoscope.
		[ "$a" = "$b" ] && rm -rf "$tmp"
		printf '%s\n' "$v" >"$kdir/repro.tmp" && mv -f "$kdir/repro.tmp" "$kdir/repro"
	fi
	cat "$kdir/repro" ;;
*)
	die "unknown command '$cmd' (see --help)" ;;
esac
