#!/usr/bin/env bash
# bench/kernel-boot.sh — boot time of carve's kernel under QEMU/TCG
# (-M microvm,acpi=off; nested KVM does not work on these hosts), Zstandard
# (the shipped choice) against an LZ4 build of the same configuration, and
# the smallest -m that still reaches the probe's /init; then "Run /init"
# under -M nitro-enclave, carve's kernel against a floor kernel (below).
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

# The goal's own setup, and a floor to read it against.  The floor kernel is
# the issue's throw-away prototype: tinyconfig plus only what boots an
# enclave at all (FLOOR_KEEP; the last line: what x86 forces or defaults to
# anyway, and PROCESSOR_SELECT, without which the CPU vendors base.config
# turns off come back), with carve's patches and compression.  Its
# fragment turns off every other option base.config and x86_64.config ask
# for, so build.sh caches it like any variant (the first run compiles it:
# minutes).  Both kernels boot under -M nitro-enclave through emu/carve-run
# (the words it appends under TCG, see mk/tcg-clock.sh) with bench/hb-floor
# as /init, taking turns, NITRO_RUNS times (default 7): only the kernel
# differs, and the host's drift hits both alike.
FLOOR_KEEP=(64BIT SMP HYPERVISOR_GUEST PARAVIRT KVM_GUEST PRINTK PRINTK_TIME TTY SERIAL_8250
	SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP DEVTMPFS DEVTMPFS_MOUNT PROC_FS SYSFS TMPFS SHMEM
	BINFMT_ELF BINFMT_SCRIPT MULTIUSER POSIX_TIMERS FUTEX EPOLL SIGNALFD TIMERFD EVENTFD NET UNIX
	VSOCKETS VIRTIO_VSOCKETS VIRTIO_MENU VIRTIO VIRTIO_MMIO VIRTIO_MMIO_CMDLINE_DEVICES HW_RANDOM
	NSM KERNEL_ZSTD
	STRICT_KERNEL_RWX X86_MPPARSE PROCESSOR_SELECT)
floor_frag=$out/floor.config
{
	echo "# bench/kernel-boot.sh: the floor kernel (never shipped)"
	awk -v keep=" ${FLOOR_KEEP[*]} " '/^CONFIG_[A-Za-z0-9_]+=y$/ {
		n = substr($0, 8); sub(/=y$/, "", n)
		if (!index(keep, " " n " ")) print "# CONFIG_" n " is not set"
	}' kernel-config/base.config kernel-config/x86_64.config
	printf 'CONFIG_%s=y\n' "${FLOOR_KEEP[@]}"
} >"$floor_frag"
kernel-config/build.sh --fragment "$floor_frag" install "$out/floor" >&2
[ -s build/emu/qemu.path ] && export CARVE_QEMU=$(cat build/emu/qemu.path)
for k in carve floor; do
	kimg=$img
	[ "$k" = floor ] && kimg=$out/floor/bzImage
	eif/mkeif --app build/enclave/hello --kernel "$kimg" --init build/bench/hb-floor \
		-o "$out/nitro-$k.eif" >"$out/nitro-$k.mkeif.log" 2>&1 ||
		{ cat "$out/nitro-$k.mkeif.log" >&2; exit 1; }
done
declare -A nitro=() first=()
for i in $(seq "${NITRO_RUNS:-7}"); do
	for k in carve floor; do
		log=$out/nitro-$k.$i.log
		emu/carve-run --timeout 120 --console-log "$log" "$out/nitro-$k.eif" >/dev/null 2>&1 ||
			{ echo "kernel-boot: $k did not boot under nitro-enclave (log: $log)" >&2; exit 1; }
		nitro[$k]+="$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init .*/\1/p' "$log") "
		first[$k]+="$(sed -n 's/^\[ *\([0-9.]*\)\] hb-floor: started.*/\1/p' "$log") "
	done
done
carve_run=$(printf '%s\n' ${nitro[carve]} | median)
floor_run=$(printf '%s\n' ${nitro[floor]} | median)
printf 'kernel-boot\trun-init-nitro-enclave\t%s\ts\tkernel timestamp of Run /init, -M nitro-enclave (emu/carve-run, TCG), median of %d; goal <= 0.8\n' \
	"$carve_run" "${NITRO_RUNS:-7}"
printf 'kernel-boot\tinit-first-line-nitro-enclave\t%s\ts\tkernel timestamp of /init'"'"'s first /dev/kmsg line in the same boots\n' \
	"$(printf '%s\n' ${first[carve]} | median)"
printf 'kernel-boot\trun-init-nitro-enclave-floor\t%s\ts\tthe same boots with the floor kernel (the prototype: tinyconfig + %d options), %d bytes\n' \
	"$floor_run" "${#FLOOR_KEEP[@]}" "$(stat -c %s "$out/floor/bzImage")"
# The host's speed swings by a third within an hour; the floor moves with
# it, so the difference is what compares across runs.
printf 'kernel-boot\trun-init-nitro-enclave-over-floor\t%s\ts\tcarve minus floor, same boots (what the required features and the mitigations cost under TCG)\n' \
	"$(awk -v c="$carve_run" -v f="$floor_run" 'BEGIN { printf "%.3f", c - f }')"
