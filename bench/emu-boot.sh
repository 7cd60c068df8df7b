#!/usr/bin/env bash
# emu-boot: boot times of the hello EIF under emu/carve-run (TCG here, KVM
# where the probe says it works): QEMU start -> heartbeat received by the
# backend, -> the app's first console line, -> QEMU gone; median of
# BOOTS (default 10) sequential boots.  Then the smallest --mem that boots.
#
# The heartbeat time is the backend's own log (seconds since QEMU's process
# started, from its /proc start time); the other two add the host wall time
# between that log line and the console line / the launcher's exit.
# Each round also boots the same image with bench/hb-floor.c as /init (it
# only mounts /dev and sends the heartbeat): what QEMU and the kernel alone
# take before any init can answer.
cd "$(dirname "$0")/.." || exit 1
set -uo pipefail
export LC_ALL=C
eif=${EIF:-build/hello.eif}
boots=${BOOTS:-10}
first_line=${FIRST_LINE:-Hello from a carve enclave!}
work=build/bench/emu-boot
mkdir -p "$work"
[ -s build/emu/qemu.path ] && export CARVE_QEMU=$(cat build/emu/qemu.path)
floor=build/bench/hb-floor
for f in "$eif" build/bin/carve-vsock "$floor"; do
	[ -e "$f" ] || { echo "emu-boot: cannot run: $f is missing" >&2; exit 1; }
done
# The floor image: carve's kernel and default command line (as in the hello
# EIF), hb-floor as /init.
floor_eif=$work/floor.eif
eif/mkeif --app build/enclave/hello --kernel build/kernel/bzImage --init "$floor" -o "$floor_eif" \
	>"$work/floor.log" 2>&1 || { cat "$work/floor.log" >&2; exit 1; }

stamp() { while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }

# Seconds from QEMU's start to the heartbeat, from a backend log.
hb_at() { awk '/heartbeat 0xb7/ { t = $0; sub(/^[^[]*\[ */, "", t); sub(/\].*/, "", t); print t; exit }' "$1"; }

hb=() out=() end=() floor_hb=()
for i in $(seq "$boots"); do
	emu/carve-run --timeout 120 "$floor_eif" >/dev/null 2>"$work/floor.stderr.$i" ||
		{ echo "emu-boot: floor boot $i failed; see $work/floor.stderr.$i" >&2; exit 1; }
	floor_hb+=("$(hb_at "$work/floor.stderr.$i")")
	emu/carve-run --timeout 120 "$eif" > >(stamp >"$work/console.$i") 2> >(stamp >"$work/stderr.$i")
	rc=$?
	t_end=$EPOCHREALTIME
	sleep 0.2 # let the stampers flush
	[ "$rc" = 0 ] || { echo "emu-boot: boot $i failed (status $rc); see $work/*.$i" >&2; exit 1; }
	read -r t_hb_wall rel < <(awk '/heartbeat 0xb7/ { t = $0; sub(/^[^[]*\[ */, "", t); sub(/\].*/, "", t); print $1, t; exit }' "$work/stderr.$i")
	t_out=$(awk -v l="$first_line" 'index($0, l) { print $1; exit }' "$work/console.$i")
	[ -n "$rel" ] && [ -n "$t_out" ] || { echo "emu-boot: boot $i: no heartbeat or no app output" >&2; exit 1; }
	hb+=("$rel")
	out+=("$(echo "$rel + $t_out - $t_hb_wall" | bc -l)")
	end+=("$(echo "$rel + $t_end - $t_hb_wall" | bc -l)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
accel=$(grep -q 'using TCG' "$work/stderr.1" && echo TCG || echo KVM)
printf 'emu-boot\tQEMU start -> heartbeat (%s, median of %d)\t%s\ts\tgoal <= 1.0; prototype 1.22-1.68\n' "$accel" "$boots" "$(median "${hb[@]}")"
printf 'emu-boot\tQEMU start -> heartbeat, hb-floor as /init (%s, median of %d)\t%s\ts\tQEMU and the kernel alone\n' "$accel" "$boots" "$(median "${floor_hb[@]}")"
printf 'emu-boot\tQEMU start -> first app output (%s, median of %d)\t%s\ts\tprototype: heartbeat + 0.03-0.04\n' "$accel" "$boots" "$(median "${out[@]}")"
printf 'emu-boot\tQEMU start -> launcher exit (%s, median of %d)\t%s\ts\t-\n' "$accel" "$boots" "$(median "${end[@]}")"

# Smallest MEM (MiB) that still boots the EIF to a clean exit.
smallest=
for m in 16 24 32 36 40 44 48 64 96 128 256 512; do
	if emu/carve-run --timeout 120 --mem "$m" "$eif" >/dev/null 2>&1; then smallest=$m; break; fi
done
printf 'emu-boot\tsmallest --mem that boots %s\t%s\tMiB\ttried 16 24 32 36 40 44 48 64 96 128 256 512\n' "$(basename "$eif")" "${smallest:-none}"
