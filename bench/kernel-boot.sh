#!/usr/bin/env bash
# bench/kernel-boot.sh — boot time of carve's kernel under QEMU/TCG
# (-M microvm,acpi=off; nested KVM does not work on these hosts), Zstandard
# (the shipped choice) against an LZ4 build of the same configuration, and
# the smallest -m that still reaches the probe's /init.
#
# Three clocks per boot (median of RUNS, default 3):
#   to-kernel  host seconds from QEMU's start to "Linux version" (firmware
#              and decompression: where the compressions differ)
#   run-init   the kernel's own timestamp of "Run /init" (excludes firmware
#              and decompression, which happen before the kernel clock starts)
#   to-init    host seconds from QEMU's start to the probe /init's first line
# On a shared, loaded host all three vary run to run (TCG slows with the
# host), hence the median.
set -euo pipefail
export LC_ALL=C
img=${1:-build/kernel/bzImage}
cpio=${2:-build/kernel/probe.cpio}
runs=${RUNS:-3}
out=build/bench/kernel-boot
mkdir -p "$out"

median() { sed "/^$/d" | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "nan" }'; }

# boot_times NAME BZIMAGE [APPEND]: rows for one kernel.
boot_times() {
	local name=$1 k=$2 append=${3-} i log ri=() ti=() tl=()
	for i in $(seq "$runs"); do
		log=$out/$name.$i.log
		kernel-config/probe.sh boot --mem 256 --append "$append" "$k" "$cpio" "$log" ||
			{ echo "kernel-boot: $name did not boot (log: $log)" >&2; return 1; }
		ri+=("$(sed -n 's/.* PROBE-RUNINIT \([0-9.]*\).*/\1/p' "$log")")
		ti+=("$(awk '/ PROBE-START/ { print $1; exit }' "$log")")
		tl+=("$(awk '/ Linux version / { print $1; exit }' "$log")")
	done
	printf 'kernel-boot\trun-init-%s\t%s\ts\tkernel timestamp of Run /init, TCG microvm, median of %d\n' \
		"$name" "$(printf '%s\n' "${ri[@]}" | median)" "$runs"
	printf 'kernel-boot\tto-kernel-%s\t%s\ts\tQEMU start to "Linux version" (firmware + decompression), median of %d\n' \
		"$name" "$(printf '%s\n' "${tl[@]}" | median)" "$runs"
	printf 'kernel-boot\tto-init-%s\t%s\ts\tQEMU start to /init first line (host clock), median of %d\n' \
		"$name" "$(printf '%s\n' "${ti[@]}" | median)" "$runs"
}

boot_times zstd "$img"

# Smallest memory (MiB, even steps) at which the probe still finishes.
lo=8 hi=256
kernel-config/probe.sh boot --mem "$hi" "$img" "$cpio" "$out/mem.log" ||
	{ echo "kernel-boot: no boot at $hi MiB" >&2; exit 1; }
while [ $((hi - lo)) -gt 2 ]; do
	mid=$(( (lo + hi) / 2 / 2 * 2 ))
	if PROBE_TIMEOUT=60 kernel-config/probe.sh boot --mem "$mid" "$img" "$cpio" "$out/mem.log"; then
		hi=$mid
	else
		lo=$mid
	fi
done
printf 'kernel-boot\tmin-mem\t%d\tMiB\tsmallest -m reaching the probe /init (%s bytes initramfs); goal <= 32\n' \
	"$hi" "$(stat -c %s "$cpio")"

# The LZ4 variant: same fragments plus variants/lz4.config, cached like the
# main kernel (the first run compiles it: minutes).  LZ4_BZIMAGE=FILE uses
# an existing LZ4 build instead.
lz4=${LZ4_BZIMAGE:-}
if [ -z "$lz4" ]; then
	kernel-config/build.sh --fragment kernel-config/variants/lz4.config install "$out/lz4" >&2
	lz4=$out/lz4/bzImage
fi
printf 'kernel-boot\tbzImage-zstd\t%d\tbytes\tshipped\n' "$(stat -c %s "$img")"
printf 'kernel-boot\tbzImage-lz4\t%d\tbytes\tsame config, CONFIG_KERNEL_LZ4\n' "$(stat -c %s "$lz4")"
boot_times lz4 "$lz4"
