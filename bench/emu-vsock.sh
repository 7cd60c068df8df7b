#!/usr/bin/env bash
# emu-vsock: vsock throughput through carve-vsock into a TCG (or KVM) guest
# and back (the e2e echo server), and the backend's CPU time against
# QEMU's during the stream (goal: backend <= 10 % of QEMU: never the
# bottleneck).
cd "$(dirname "$0")/.." || exit 1
set -uo pipefail
export LC_ALL=C
work=build/bench/emu-vsock
mkdir -p "$work"
[ -s build/emu/qemu.path ] && export CARVE_QEMU=$(cat build/emu/qemu.path)
for f in build/tests/e2e/vsock-echo build/bin/carve-vsock build/kernel/bzImage build/enclave/init; do
	[ -e "$f" ] || { echo "emu-vsock: cannot run: $f is missing" >&2; exit 1; }
done
size_mib=${SIZE_MIB:-128}
eif=$work/vsock-echo.eif
eif/mkeif --app build/tests/e2e/vsock-echo --name vsock-echo --cmd /vsock-echo --cmd 5000 --cmd 1 \
	-o "$eif" >"$work/mkeif.log" 2>&1 || { echo "emu-vsock: cannot package the echo EIF" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/emu-vsock.XXXXXX")
emu/carve-run --timeout 600 --vsock-dir "$dir" "$eif" >"$work/console" 2>"$work/stderr" &
launcher=$!
# Wait for the guest's listener (the client retries), then sample CPU times.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
backend= qemu=
for _ in $(seq 300); do
	backend=$(pgrep -P "$launcher" -x carve-vsock) && qemu=$(pgrep -P "$launcher" -x qemu-system-x86) && break
	sleep 0.1
done
[ -n "$backend" ] && [ -n "$qemu" ] || { echo "emu-vsock: the VM did not start" >&2; exit 1; }
b0=$(cpu "$backend") q0=$(cpu "$qemu")
out=$(tests/e2e/apps/vsock-client.py "$dir/vsock" 5000 1 $((size_mib << 20)))
rc=$?
b1=$(cpu "$backend") q1=$(cpu "$qemu")
wait "$launcher"
rm -rf "$dir"
[ "$rc" = 0 ] || { echo "emu-vsock: the stream failed: $out" >&2; exit 1; }
mbs=$(echo "$out" | awk '/^throughput/ { print $2 }')
printf 'emu-vsock\thost -> enclave echo -> host, %d MiB each way\t%s\tMB/s\tboth directions summed\n' "$size_mib" "$mbs"
printf 'emu-vsock\tbackend CPU / QEMU CPU during the stream\t%s\t%%\tgoal <= 10\n' \
	"$(echo "scale=1; 100 * ($b1 - $b0) / (($q1 - $q0) + 0.001)" | bc -l)"
printf 'emu-vsock\tbackend CPU per MiB moved (both ways)\t%s\tus/MiB\t-\n' \
	"$(echo "scale=0; ($b1 - $b0) * 10000 / (2 * $size_mib)" | bc -l)"
