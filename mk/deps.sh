#!/usr/bin/env bash
# carve dependency step: system packages, Debian source packages, and the
# static libcbor/BearSSL archives built from them.  Pins live in deps.lock.
#
#   mk/deps.sh packages GROUP...     install missing pinned packages (root) or
#                                    print the exact apt command (non-root)
#   mk/deps.sh missing GROUP...      list the pinned packages not installed
#   mk/deps.sh apt-private           set up build/apt (private apt config)
#   mk/deps.sh source NAME DIR       fetch+verify pinned source NAME into DIR
#   mk/deps.sh libs OUTDIR           build libcbor+BearSSL (host and musl) into
#                                    the cache and install them into
#                                    OUTDIR/host and OUTDIR/musl
#
# Environment: DEPS_LOCK (default deps.lock), CACHE_DIR, BUILD (default build).
set -euo pipefail
export LC_ALL=C

top=$(cd "$(dirname "$0")/.." && pwd)
lock=${DEPS_LOCK:-$top/deps.lock}
build=${BUILD:-$top/build}
cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/carve}
prog="carve-deps"

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
# Ctrl-C or TERM exits through the EXIT traps that remove temp dirs.
trap 'exit 130' INT
trap 'exit 143' TERM
note() { printf '%s: %s\n' "$prog" "$*" >&2; }

lock_lines() { # lock_lines KIND -> fields of every line of that kind
	[ -r "$lock" ] || die "cannot read $lock: no such file"
	awk -v k="$1" '$1 == k' "$lock"
}

# ------------------------------------------------------------ packages
installed_version() {
	{ dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null || true; } |
		awk '$1 == "ii" { print $2 }'
}

# missing_packages GROUP...: the pinned packages of those groups that are
# not installed, one name per line (a note on stderr for each installed one
# whose version differs from its pin).
missing_packages() {
	local groups=" $* " name ver group have
	while read -r _ group name ver _; do
		case "$groups" in *" $group "*) ;; *) continue ;; esac
		have=$(installed_version "$name")
		if [ -z "$have" ]; then
			printf '%s\n' "$name"
		elif [ "$have" != "$ver" ]; then
			note "note: $name $have is installed; deps.lock pins $ver (builds may differ from the pinned ones)"
		fi
	done < <(lock_lines pkg)
}

# apt_update WHY: refresh the system's package lists, once per run.
apt_updated=0
apt_update() {
	[ "$apt_updated" -eq 0 ] || return 0
	note "$1; refreshing package lists"
	apt-get -o DPkg::Lock::Timeout=600 update -q >"$build/apt-update.log" 2>&1 ||
		die "cannot update apt lists (log: $build/apt-update.log)"
	apt_updated=1
}

cmd_packages() {
	local missing=() name ver cand
	[ -r "$lock" ] || die "cannot read $lock: no such file"
	mapfile -t missing < <(missing_packages "$@")
	[ ${#missing[@]} -eq 0 ] && return 0
	local cmd="apt-get install -y --no-install-recommends ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		note "missing packages: ${missing[*]}"
		note "run as root:  apt-get update && $cmd"
		exit 1
	fi
	for name in "${missing[@]}"; do
		cand=$(apt-cache policy "$name" 2>/dev/null | awk '/Candidate:/ { print $2 }')
		ver=$(lock_lines pkg | awk -v n="$name" '$3 == n { print $4 }')
		if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
			apt_update "apt knows no $name"
			cand=$(apt-cache policy "$name" | awk '/Candidate:/ { print $2 }')
		fi
		[ -n "$cand" ] && [ "$cand" != "(none)" ] || die "cannot install $name: apt has no candidate"
		[ "$cand" = "$ver" ] || note "note: apt offers $name $cand; deps.lock pins $ver"
	done
	note "installing: ${missing[*]}"
	# Waits for the dpkg lock (make -j, unattended-upgrades at first boot).
	# Lists that name a candidate can still be stale (the archive has moved
	# on and the download 404s): then refresh them once and try again.
	local try
	for try in 1 2; do
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends \
			"${missing[@]}" </dev/null >"$build/apt-install.log" 2>&1 && return 0
		[ "$try" -eq 1 ] && [ "$apt_updated" -eq 0 ] || break
		apt_update "the install failed (stale package lists?)"
	done
	die "cannot install packages: $cmd failed (log: $build/apt-install.log)"
}

# ------------------------------------------------------------ private apt
aptdir=$build/apt
apt_opts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache"
	-o "Dir::State::Status=/var/lib/dpkg/status" -o "APT::Get::List-Cleanup=0"
	-o "Acquire::Languages=none" -o "APT::Sandbox::User=root")

# The archive URIs the system already uses (so no host name is baked in here).
system_uri() { # system_uri SUITE-SUFFIX-REGEX
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '/^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i, $(i+1); break } }'
	  # if, not &&: with no *.sources file (a classic sources.list, as the
	  # Debian installer writes) the loop's status would end the script
	  # under set -e and pipefail, without a word.
	  for f in /etc/apt/sources.list.d/*.sources; do
		if [ -r "$f" ]; then
			awk '/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) print u, $i }' "$f"
		fi
	  done
	} | awk -v re="$1" '$2 ~ re { print $1; exit }'
}

cmd_apt_private() {
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	local main sec
	main=$(system_uri '^bookworm$')
	sec=$(system_uri '^bookworm-security$')
	[ -n "$main" ] || die "cannot find the Debian archive in /etc/apt: no 'bookworm' suite configured"
	[ -n "$sec" ] || sec=${main%/debian}/debian-security
	local kr=/usr/share/keyrings/debian-archive-keyring.gpg
	# One writer at a time (make -j runs deps steps and find-qemu together).
	(
		flock 9
		cat >"$aptdir/sources.list.tmp" <<-EOF
		deb-src [signed-by=$kr] $main bookworm main
		deb-src [signed-by=$kr] $main bookworm-updates main
		deb-src [signed-by=$kr] $sec bookworm-security main
		deb [signed-by=$kr] $main bookworm-backports main
		deb-src [signed-by=$kr] $main bookworm-backports main
		deb-src [signed-by=$kr] $main trixie main
		EOF
		if ! cmp -s "$aptdir/sources.list.tmp" "$aptdir/sources.list" || [ ! -e "$aptdir/updated" ]; then
			rm -f "$aptdir/updated" # a failed update below must be retried next time
			mv "$aptdir/sources.list.tmp" "$aptdir/sources.list"
			note "private apt: updating source indexes (build/apt, system sources untouched)"
			apt-get "${apt_opts[@]}" -q update >"$aptdir/update.log" 2>&1 ||
				die "cannot update the private apt indexes (log: $aptdir/update.log)"
			touch "$aptdir/updated"
		else
			rm -f "$aptdir/sources.list.tmp"
		fi
	) 9>"$aptdir/lock" || exit 1
}

# cmd_source NAME DIR: DIR receives the downloaded files; prints the unpack
# file name.  apt verifies what it downloads against the signed index; the
# pinned sha256 is checked as well (some source sets are only partly served,
# e.g. libcbor's Debian diff answers 404, so apt's exit status is not used).
cmd_source() {
	local name=$1 dir=$2 suite spec file sum
	read -r _ _ suite spec file sum < <(lock_lines src | awk -v n="$name" '$2 == n') ||
		die "no 'src $name' line in $lock"
	cmd_apt_private
	mkdir -p "$dir"
	(cd "$dir" && apt-get "${apt_opts[@]}" -q source --download-only -t "$suite" "$spec" \
		>"$dir/apt-source.log" 2>&1) || true
	[ -s "$dir/$file" ] || die "cannot fetch source $spec: $file not downloaded (log: $dir/apt-source.log)"
	if [ "$sum" != "-" ]; then
		local got
		got=$(sha256sum "$dir/$file" | cut -d' ' -f1)
		[ "$got" = "$sum" ] || die "cannot use $file: sha256 $got, deps.lock pins $sum"
	fi
	printf '%s\n' "$dir/$file"
}

# ------------------------------------------------------------ cache
# cache_key NAME BUILDER: hash of the pin line, the builder's own code and
# the tools' versions (Debian's, with the revision a security update bumps:
# binutils' ar and ld, cmake), so any input change yields a new cache
# directory.
cache_key() {
	local name=$1 builder=$2
	{ lock_lines src | awk -v n="$name" '$2 == n'
	  declare -f "$builder"
	  gcc --version | head -1
	  musl-gcc --version 2>/dev/null | head -1
	  dpkg-query -W -f='${Package} ${Version}\n' musl-dev binutils cmake 2>/dev/null || true
	} | sha256sum | cut -c1-16
}

# ------------------------------------------------------------ libraries
build_bearssl() { # build_bearssl SRCDIR PREFIX CC EXTRA_CFLAGS
	local src=$1 prefix=$2 cc=$3 cflags=$4
	mkdir -p "$prefix/include" "$prefix/lib" "$prefix/obj"
	# One object per source, named after its path so archive order is fixed.
	(cd "$src" && find src -name '*.c' | sort) |
		xargs -P "$(nproc)" -I{} sh -c 'cd "$1" && exec $2 -O2 -fPIC -ffunction-sections \
			-fdata-sections -ffile-prefix-map="$1"=bearssl $3 -Iinc -Isrc -c "$4" \
			-o "$5/obj/$(echo "${4#src/}" | tr / _).o"' sh "$src" "$cc" "$cflags" {} "$prefix" ||
		die "cannot build BearSSL with $cc"
	(cd "$prefix/obj" && ar rcsD "$prefix/lib/libbearssl.a" $(ls | sort)) ||
		die "cannot archive BearSSL ($cc)"
	rm -rf "$prefix/obj"
	cp "$src"/inc/*.h "$prefix/include/" || die "cannot install BearSSL's headers"
}

build_libcbor() { # build_libcbor SRCDIR PREFIX CC EXTRA_CFLAGS
	local src=$1 prefix=$2 cc=$3 cflags=$4 bdir
	bdir=$(mktemp -d)
	(cd "$bdir" && CC=$cc cmake "$src" -DBUILD_SHARED_LIBS=OFF -DCMAKE_BUILD_TYPE=Release \
		-DWITH_TESTS=OFF -DWITH_EXAMPLES=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
		-DCMAKE_C_FLAGS="-ffile-prefix-map=$src=libcbor -ffunction-sections -fdata-sections $cflags" \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib >cmake.log 2>&1 &&
		make -j"$(nproc)" >make.log 2>&1 && make install >install.log 2>&1) ||
		die "cannot build libcbor with $cc (logs in $bdir)"
	rm -rf "$bdir" "$prefix/lib/cmake" "$prefix/lib/pkgconfig"
}

# build_cached NAME BUILDER: one cache entry per library holding host/ and
# musl/ prefixes; built in a temp dir and renamed into place atomically.
# It runs inside $(...), where set -e does not apply: every step that can
# fail says so with die (or has said so, in a nested $(...): then exit), so
# no partial entry is ever stored; the EXIT trap removes the temp dir of a
# failed or interrupted build.  One build per key at a time (make in two
# checkouts sharing the cache); the loser of the race finds the entry.
build_cached() {
	local name=$1 builder=$2 key dir tmp srcfile src
	key=$(cache_key "$name" "$builder")
	dir="$cache/$name-$key"
	if [ ! -d "$dir" ]; then
		mkdir -p "$cache"
		exec 8>"$dir.lock"
		if ! flock -n 8; then
			note "$name: waiting for another build of it (lock $dir.lock)"
			flock 8
		fi
	fi
	if [ -d "$dir" ]; then
		note "$name: using cache $dir"
		printf '%s\n' "$dir"
		return
	fi
	note "$name: building from Debian source (cache miss: $dir)"
	tmp=$(mktemp -d "$cache/.$name.XXXXXX") || die "cannot create a directory in $cache"
	trap 'rm -rf "$tmp" "$tmp.done"' EXIT
	srcfile=$(cmd_source "$name" "$tmp/dl") || exit 1
	mkdir -p "$tmp/src"
	case "$srcfile" in
	*.dsc) dpkg-source --no-check -x "$srcfile" "$tmp/src/$name" >"$tmp/unpack.log" 2>&1 ||
		die "cannot unpack $srcfile" ;;
	*.tar.*) mkdir -p "$tmp/src/$name" && tar -xf "$srcfile" -C "$tmp/src/$name" --strip-components=1 ||
		die "cannot unpack $srcfile" ;;
	esac
	src="$tmp/src/$name"
	$builder "$src" "$tmp/out/host" gcc ""
	$builder "$src" "$tmp/out/musl" musl-gcc ""
	rm -rf "$tmp/src" "$tmp/dl"
	mv "$tmp/out" "$tmp.done" && rm -rf "$tmp" && mv -T "$tmp.done" "$dir" ||
		die "cannot store $name in $cache"
	trap - EXIT
	printf '%s\n' "$dir"
}

# cmd_libs OUT: OUT/host and OUT/musl from the cache entries.  Under a lock
# (two makes in one checkout), assembled in a temp dir of OUT's own, each
# flavour renamed into place whole; the EXIT trap removes what a failed or
# interrupted run assembled.
cmd_libs() {
	local out=$1 d flavour new
	# libcbor's CMAKE_C_FLAGS carry the source path (-ffile-prefix-map).
	case "$cache" in *[[:space:]]*)
		die "the cache directory '$cache' (CACHE_DIR) contains whitespace, which the library builds cannot handle; set CACHE_DIR to another directory" ;;
	esac
	mkdir -p "$out"
	exec 9>"$out/.libs.lock"
	flock 9
	new=$(mktemp -d "$out/.libs.XXXXXX") || die "cannot create a directory in $out"
	trap 'rm -rf "$new"' EXIT
	for lib in bearssl:build_bearssl libcbor:build_libcbor; do
		d=$(build_cached "${lib%%:*}" "${lib#*:}") || exit 1
		for flavour in host musl; do
			mkdir -p "$new/$flavour"
			# Fresh mtimes: going back to an older pin must relink.
			cp -R "$d/$flavour/." "$new/$flavour/" || die "cannot copy $d/$flavour into $out"
		done
	done
	for flavour in host musl; do
		rm -rf "$new/old" && { [ ! -e "$out/$flavour" ] || mv -T "$out/$flavour" "$new/old"; } &&
			mv -T "$new/$flavour" "$out/$flavour" || die "cannot install $out/$flavour"
	done
	rm -rf "$new"
	trap - EXIT
}

case "${1:-}" in
packages) shift; cmd_packages "$@" ;;
missing) shift; missing_packages "$@" ;;
apt-private) cmd_apt_private ;;
source) shift; [ $# -eq 2 ] || die "usage: deps.sh source NAME DIR"; cmd_source "$@" ;;
libs) [ $# -eq 2 ] || die "usage: deps.sh libs OUTDIR"; cmd_libs "$2" ;;
*) die "usage: deps.sh packages GROUP... | missing GROUP... | apt-private | source NAME DIR | libs OUTDIR" ;;
esac
