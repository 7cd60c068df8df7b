#!/usr/bin/env bash
# eiftool on a 1 GiB EIF (1 GiB app ramdisk) against `openssl dgst -sha384`
# over the same bytes, side by side.  PCR0 and PCR2 both cover the app
# ramdisk, so eiftool hashes every byte twice (plus CRC-32, plus writing
# when building); its two threads are meant to keep that within
# 1.2x (describe) and 1.3x (build) of one openssl pass.  Best of ROUNDS,
# files in /dev/shm (page cache) so the disk is not what is measured.
set -euo pipefail
B=${B:-build}
EIFTOOL=$B/bin/eiftool
d=$(mktemp -d /dev/shm/carve-bench-eif.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$d"' EXIT
head -c $((1 << 30)) /dev/urandom >"$d/app.cpio"
head -c $((8 << 20)) /dev/urandom >"$d/bzImage"
head -c $((1 << 20)) /dev/urandom >"$d/boot.cpio"
# once CMD... : "WALL CPU" of one run, in seconds (CPU = user + sys of all
# threads: on a busy host the wall time says little about the second core,
# the CPU time still says how much work was done).
once() {
	local TIMEFORMAT='%R %U %S' line w u s
	line=$({ time "$@" >/dev/null 2>&1; } 2>&1)
	read -r w u s <<<"$line"
	awk -v w="$w" -v u="$u" -v s="$s" 'BEGIN { printf "%s %.2f\n", w, u + s }'
}
# The floors: the same work done by standard tools on both cores, no
# pipeline of ours in the way.  describe must hash every byte twice (PCR0 and
# PCR2 both cover the app ramdisk): two openssl passes side by side.  build
# must also write the bytes: the same plus `cat` into a new file.  Their
# ratio to one openssl pass is what this host allows at that minute.
floor_describe() { openssl dgst -sha384 "$d/big.eif" & openssl dgst -sha384 "$d/big.eif"; wait; }
floor_build() {
	openssl dgst -sha384 "$d/app.cpio" & openssl dgst -sha384 "$d/app.cpio" &
	cat "$d/app.cpio" >"$d/floor.out"; wait
}
build() { "$EIFTOOL" build --kernel "$d/bzImage" --cmdline console=ttyS0 --ramdisk "$d/boot.cpio" \
	--ramdisk "$d/app.cpio" -o "$d/big.eif"; }
# The host's speed drifts by tens of percent from one minute to the next
# (a shared VM), so the four commands take turns, ROUNDS times (default 5):
# each round's ratio compares runs made seconds apart, and the reported
# ratio is the median over rounds; the times shown are each command's best.
keep_best() { # keep_best VAR "WALL CPU": VAR holds the fastest so far
	local cur=${!1}
	if [ -z "$cur" ] || awk -v n="${2% *}" -v o="${cur% *}" 'BEGIN { exit !(n < o) }'; then
		printf -v "$1" '%s' "$2"
	fi
}
r_build= r_describe= r_ossl_eif= r_ossl_app= r_floor_d= r_floor_b=
ratios_describe=() ratios_build=() ratios_floor_d=() ratios_floor_b=()
build >/dev/null 2>&1 # the first build also makes big.eif for the others
for _ in $(seq "${ROUNDS:-5}"); do
	# Each build writes a new file: replacing the previous 1 GiB output would
	# add the kernel's freeing of its pages, which openssl never pays.
	rm -f "$d/big.eif"
	b=$(once build); dsc=$(once "$EIFTOOL" describe "$d/big.eif")
	oe=$(once openssl dgst -sha384 "$d/big.eif"); oa=$(once openssl dgst -sha384 "$d/app.cpio")
	keep_best r_build "$b"; keep_best r_describe "$dsc"
	keep_best r_ossl_eif "$oe"; keep_best r_ossl_app "$oa"
	rm -f "$d/floor.out"; fd=$(once floor_describe); fb=$(once floor_build)
	keep_best r_floor_d "$fd"; keep_best r_floor_b "$fb"
	ratios_floor_d+=("$(awk -v a="${fd% *}" -v b="${oe% *}" 'BEGIN { print a / b }')")
	ratios_floor_b+=("$(awk -v a="${fb% *}" -v b="${oa% *}" 'BEGIN { print a / b }')")
	ratios_describe+=("$(awk -v a="${dsc% *}" -v b="${oe% *}" 'BEGIN { print a / b }')")
	ratios_build+=("$(awk -v a="${b% *}" -v b="${oa% *}" 'BEGIN { print a / b }')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2fx", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
read -r t_build c_build <<<"$r_build"
read -r t_describe c_describe <<<"$r_describe"
read -r t_ossl_eif c_ossl_eif <<<"$r_ossl_eif"
read -r t_ossl_app c_ossl_app <<<"$r_ossl_app"
mb() { awk -v s="$(stat -c %s "$1")" -v t="$2" 'BEGIN { printf "%.0f", s / t / 1e6 }'; }
printf 'eif 1GiB\tdescribe (PCR0-2 + CRC)\t%s\ts\t%s of openssl dgst (median of rounds; best %s s, goal <= 1.2x); %s MB/s; CPU %s s vs %s s\n' \
	"$t_describe" "$(median "${ratios_describe[@]}")" "$t_ossl_eif" "$(mb "$d/big.eif" "$t_describe")" \
	"$c_describe" "$c_ossl_eif"
printf 'eif 1GiB\tbuild (write + PCR0-2 + CRC)\t%s\ts\t%s of openssl dgst (median of rounds; best %s s, goal <= 1.3x); %s MB/s; CPU %s s vs %s s\n' \
	"$t_build" "$(median "${ratios_build[@]}")" "$t_ossl_app" "$(mb "$d/big.eif" "$t_build")" \
	"$c_build" "$c_ossl_app"
printf 'eif 1GiB\topenssl dgst -sha384 (CLI)\t%s\ts\treference (CPU %s s)\n' "$t_ossl_eif" "$c_ossl_eif"
printf 'eif 1GiB\tfloor for describe: 2 openssl dgst in parallel\t%s\ts\t%s of one openssl dgst (median of rounds)\n' \
	"${r_floor_d% *}" "$(median "${ratios_floor_d[@]}")"
printf 'eif 1GiB\tfloor for build: 2 openssl dgst + cat, in parallel\t%s\ts\t%s of one openssl dgst (median of rounds)\n' \
	"${r_floor_b% *}" "$(median "${ratios_floor_b[@]}")"
