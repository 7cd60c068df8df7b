#!/usr/bin/env bash
# eiftool on a 1 GiB EIF (1 GiB app ramdisk) against `openssl dgst -sha384`
# over the same bytes, side by side.  PCR0 and PCR2 both cover the app
# ramdisk, so eiftool hashes every byte twice (plus CRC-32, plus writing
# when building); its two threads are meant to keep that within
# 1.2x (describe) and 1.3x (build) of one openssl pass.  Best of 3, files
# in /dev/shm (page cache) so the disk is not what is measured.
set -euo pipefail
B=${B:-build}
EIFTOOL=$B/bin/eiftool
d=$(mktemp -d /dev/shm/carve-bench-eif.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$d"' EXIT
head -c $((1 << 30)) /dev/urandom >"$d/app.cpio"
head -c $((8 << 20)) /dev/urandom >"$d/bzImage"
head -c $((1 << 20)) /dev/urandom >"$d/boot.cpio"
# best CMD... : "WALL CPU" of the fastest of 3 runs, in seconds (CPU = user +
# sys of all threads: on a busy host the wall time says little about the
# second core, the CPU time still says how much work was done).
best() {
	local b= c= TIMEFORMAT='%R %U %S' line
	for _ in 1 2 3; do
		line=$({ time "$@" >/dev/null 2>&1; } 2>&1)
		read -r w u s <<<"$line"
		if [ -z "$b" ] || awk -v w="$w" -v b="$b" 'BEGIN { exit !(w < b) }'; then
			b=$w
			c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
		fi
	done
	echo "$b $c"
}
build() { "$EIFTOOL" build --kernel "$d/bzImage" --cmdline console=ttyS0 --ramdisk "$d/boot.cpio" \
	--ramdisk "$d/app.cpio" -o "$d/big.eif"; }
read -r t_build c_build < <(best build)
read -r t_describe c_describe < <(best "$EIFTOOL" describe "$d/big.eif")
read -r t_ossl_eif c_ossl_eif < <(best openssl dgst -sha384 "$d/big.eif")
read -r t_ossl_app c_ossl_app < <(best openssl dgst -sha384 "$d/app.cpio")
mb() { awk -v s="$(stat -c %s "$1")" -v t="$2" 'BEGIN { printf "%.0f", s / t / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf 'eif 1GiB\tdescribe (PCR0-2 + CRC)\t%s\ts\t%s of openssl dgst (%s s, goal <= 1.2x); %s MB/s; CPU %s s vs %s s\n' \
	"$t_describe" "$(ratio "$t_describe" "$t_ossl_eif")" "$t_ossl_eif" "$(mb "$d/big.eif" "$t_describe")" \
	"$c_describe" "$c_ossl_eif"
printf 'eif 1GiB\tbuild (write + PCR0-2 + CRC)\t%s\ts\t%s of openssl dgst (%s s, goal <= 1.3x); %s MB/s; CPU %s s vs %s s\n' \
	"$t_build" "$(ratio "$t_build" "$t_ossl_app")" "$t_ossl_app" "$(mb "$d/big.eif" "$t_build")" \
	"$c_build" "$c_ossl_app"
printf 'eif 1GiB\topenssl dgst -sha384 (CLI)\t%s\ts\treference (CPU %s s)\n' "$t_ossl_eif" "$c_ossl_eif"
