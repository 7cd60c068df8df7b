#!/usr/bin/env bash
# emu/ launcher and QEMU discovery without booting anything: a fake QEMU
# (it qualifies for `-M help`, otherwise records its pid and sleeps) stands
# in for the real one.  `make run`'s prerequisites, Ctrl-C during the KVM
# probe, and find-qemu waiting for another build's lock.
set -uo pipefail
. tests/eif-tap.sh
set -m # background jobs get a process group of their own, with SIGINT as a terminal sends it

# --- make run installs the `vm` pins (qboot.rom comes from qemu-system-data)
prereqs=$(make -pnq run EIF=x 2>/dev/null | sed -n 's/^run: //p')
case " $prereqs " in
*" build/deps/packages-vm.stamp "*) ok "make run depends on the vm packages stamp" ;;
*) nok "make run depends on the vm packages stamp (prerequisites: $prereqs)" ;;
esac

mkdir -p "$T/fw" "$T/bin" "$T/cache" "$T/tmp"
: >"$T/fw/qboot.rom"
: >"$T/fw/linuxboot_dma.bin"
printf '.eifPLACEHOLDER: never booted\n' >"$T/x.eif"
cat >"$T/bin/qemu-system-x86_64" <<EOF
#!/bin/sh
[ "\$2" = help ] && { echo "nitro-enclave  Nitro Enclave (fake)"; exit 0; }
echo \$\$ >>"$T/qemu.pids"
exec sleep 30
EOF
chmod +x "$T/bin/qemu-system-x86_64"

# --- Ctrl-C during the KVM probe stops the launcher and what it started
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -x build/bin/carve-vsock ]; then
	CARVE_QEMU=$T/bin/qemu-system-x86_64 CARVE_FIRMWARE=$T/fw CACHE_DIR=$T/cache TMPDIR=$T/tmp \
		emu/carve-run --accel auto "$T/x.eif" >/dev/null 2>"$T/run.err" &
	run=$!
	for _ in $(seq 250); do [ -s "$T/qemu.pids" ] && break; sleep 0.02; done
	kill -INT -- "-$run" # what the terminal does on Ctrl-C: the launcher's whole group
	for _ in $(seq 150); do kill -0 "$run" 2>/dev/null || break; sleep 0.02; done
	if kill -0 "$run" 2>/dev/null; then
		nok "Ctrl-C during the KVM probe ends carve-run within 3 s"
		kill -KILL -- "-$run" 2>/dev/null
	else
		wait "$run"
		check "Ctrl-C during the KVM probe ends carve-run within 3 s, exit 130" "$?" 130
	fi
	left=$(pgrep -f -- "$T/" | tr '\n' ' ')
	check "and leaves no backend or QEMU running" "$left" ""
	check "QEMU was started once (the probe), never for a boot" "$(wc -l <"$T/qemu.pids")" 1
	xargs -r kill -KILL <"$T/qemu.pids" 2>/dev/null
	[ -z "$left" ] || kill -KILL $left 2>/dev/null
else
	nok "Ctrl-C during the KVM probe: cannot test here (needs a read-write /dev/kvm and build/bin/carve-vsock)"
fi

# --- find-qemu: a second build waits for the first's lock, says so, and
# then uses what the first one built.
printf 'src qemu trixie qemu=0 fake.dsc 0\n' >"$T/qemu.lock"
qenv=(env -u CARVE_QEMU PATH="/usr/bin:/bin" DEPS_LOCK="$T/qemu.lock" CACHE_DIR="$T/cache" BUILD="$T/build")
dir=$("${qenv[@]}" emu/find-qemu --no-build 2>&1 | sed -n 's/.*CARVE_QEMU, \(.*\))$/\1/p')
if [ -z "$dir" ]; then
	nok "find-qemu waits for another build: cannot test here (a nitro-enclave QEMU in /usr/bin?)"
else
	exec 7>"$dir.lock"
	flock 7
	"${qenv[@]}" emu/find-qemu >"$T/fq.out" 2>"$T/fq.err" 7>&- &
	fq=$!
	for _ in $(seq 250); do [ -s "$T/fq.err" ] && break; sleep 0.02; done
	check "find-qemu says it waits for another QEMU build" \
		"$(cat "$T/fq.err")" "find-qemu: waiting for another QEMU build (lock $dir.lock)"
	mkdir -p "$dir/bin" && cp "$T/bin/qemu-system-x86_64" "$dir/bin/"
	exec 7>&-
	wait "$fq"
	check "and then prints the QEMU that build left" "$?:$(cat "$T/fq.out")" "0:$dir/bin/qemu-system-x86_64"
fi

echo "1..$n"
