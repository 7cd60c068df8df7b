#!/usr/bin/env bash
# kernel-config/probe.sh — boot a kernel under plain QEMU with a tiny busybox
# initramfs that reports what the kernel can do.  Used by
# tests/kernel-boot.sh (behaviour) and bench/kernel-boot.sh (boot time,
# smallest memory).
#
#   probe.sh initrd OUT.cpio
#       write the probe initramfs (busybox-static + /init below)
#   probe.sh boot [--mem MIB] [--append TEXT] BZIMAGE INITRD LOG
#       boot under qemu-system-x86_64 -M microvm (TCG), console to LOG with
#       each line prefixed by the host's seconds since QEMU started; exit 0
#       when the probe said PROBE-END, 1 otherwise (LOG says why)
#
# The probe /init prints "PROBE-..." lines:
#   (each as a kernel log line: "<host s> [<kernel s>] PROBE-...")
#   PROBE-START                     init is running
#   PROBE-RUNINIT <seconds>         kernel timestamp of "Run /init"
#   PROBE-CGROUP2 <controllers>     what cgroup v2 offers (before any v1 mount)
#   PROBE-CGROUP-OK|FAIL <name>     AWS init's contract: every enabled line of
#                                   /proc/cgroups mounts as a cgroup v1
#                                   hierarchy (nodev,nosuid,noexec,<name>)
#   PROBE-HAVE|MISS <what>          /dev/net/tun, seccomp filters, unshare of
#                                   user+pid+net+ipc+uts namespaces, IPv6, ...
#   PROBE-END                       then reboot, which -no-reboot turns into exit
#
# Environment: QEMU (default qemu-system-x86_64), PROBE_TIMEOUT (seconds,
# default 120), KERNEL_CMDLINE_FILE (default kernel-config/cmdline).
set -euo pipefail
export LC_ALL=C
prog=probe
here=$(cd "$(dirname "$0")" && pwd)
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }

probe_init() {
	cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
# Report through the kernel log (printk.devkmsg=on, level 2 so that even a
# quiet command line shows it): under TCG microvm the UART's tty path
# (interrupt driven) loses output, the console path (polled) does not, and
# every line then carries the kernel's timestamp too.
exec >/dev/kmsg 2>&1
echo "<2>PROBE-START"
t=$(dmesg | sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p')
echo "<2>PROBE-RUNINIT ${t:-none}"
mkdir -p /tmp/cg2
if mount -t cgroup2 none /tmp/cg2; then
	echo "<2>PROBE-CGROUP2 $(cat /tmp/cg2/cgroup.controllers)"
	umount /tmp/cg2
else
	echo "<2>PROBE-CGROUP2 unmountable"
fi
mount -t tmpfs -o nodev,nosuid,noexec,mode=0755 cgroup_root /sys/fs/cgroup
tail -n +2 /proc/cgroups | while read -r name hier num enabled; do
	[ "$enabled" = 1 ] || continue
	if mkdir /sys/fs/cgroup/$name &&
	   mount -t cgroup -o nodev,nosuid,noexec,$name $name /sys/fs/cgroup/$name; then
		echo "<2>PROBE-CGROUP-OK $name"
	else
		echo "<2>PROBE-CGROUP-FAIL $name"
	fi
done
have() { if eval "$2" >/dev/null 2>&1; then echo "<2>PROBE-HAVE $1"; else echo "<2>PROBE-MISS $1"; fi; }
have tun '[ -c /dev/net/tun ]'
have seccomp-filter 'grep -q "^Seccomp_filters:" /proc/self/status'
have namespaces 'unshare -U -p -n -i -u -f true'
have ipv4 'ip addr add 127.0.0.1/8 dev lo && ip link set lo up && ping -c1 -W2 127.0.0.1'
have ipv6 '[ -d /proc/sys/net/ipv6 ]'
have vsock 'grep -qw vsock /proc/net/protocols || [ -e /dev/vsock ]'
have no-modules '! [ -e /proc/modules ]'
have no-debugfs '! grep -qw debugfs /proc/filesystems'
echo "<2>PROBE-END"
reboot -f
EOF
}

cmd_initrd() {
	[ $# -eq 1 ] || die "usage: probe.sh initrd OUT.cpio"
	local bb=/bin/busybox stage
	[ -x "$bb" ] || die "cannot find $bb: install busybox-static (mk/deps.sh packages base)"
	stage=$(mktemp -d)
	mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"
	cp "$bb" "$stage/bin/busybox"
	probe_init >"$stage/init"
	chmod 755 "$stage/init"
	(cd "$stage" && find . | sort | cpio -o -H newc --quiet -R 0:0) >"$1.tmp"
	rm -rf "$stage"
	mv -f "$1.tmp" "$1"
}

cmd_boot() {
	local mem=64 append=""
	while [ $# -gt 0 ]; do
		case $1 in
		--mem) mem=$2; shift 2 ;;
		--append) append=$2; shift 2 ;;
		*) break ;;
		esac
	done
	[ $# -eq 3 ] || die "usage: probe.sh boot [--mem MIB] [--append TEXT] BZIMAGE INITRD LOG"
	local kernel=$1 initrd=$2 log=$3 qemu=${QEMU:-qemu-system-x86_64}
	local cmdfile=${KERNEL_CMDLINE_FILE:-$here/cmdline}
	command -v "$qemu" >/dev/null || die "cannot find $qemu: install qemu-system-x86 (mk/deps.sh packages vm)"
	# Only for the probe: panic=-1 ends at once on a panic; reboot=t leaves
	# through a triple fault, which -no-reboot turns into QEMU's exit;
	# mk/tcg-clock.sh: the guest's clocks without calibration, the same
	# words emu/carve-run gives EIFs under TCG (without the TSC rate a
	# loaded host's TCG guest can hang after "Marking TSC unstable").
	# With KVM, kvmclock and TSC-deadline make them moot (real Nitro has both).
	local cmdline
	cmdline="$(cat "$cmdfile") panic=-1 reboot=t printk.devkmsg=on $("$here/../mk/tcg-clock.sh") $append"
	local start=${EPOCHREALTIME/./} now
	timeout "${PROBE_TIMEOUT:-120}" "$qemu" -M "${PROBE_MACHINE:-microvm,acpi=off}" -accel tcg -cpu "${PROBE_CPU:-max}" -smp 2 -m "$mem" \
		-nodefaults -no-user-config -nographic -no-reboot -serial stdio \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" </dev/null 2>&1 |
		while IFS= read -r line; do
			now=$(( ${EPOCHREALTIME/./} - start ))
			printf '%d.%06d %s\n' $((now / 1000000)) $((now % 1000000)) "${line%$'\r'}"
		done >"$log" || true
	grep -q ' PROBE-END' "$log"
}

[ $# -ge 1 ] || die "usage: probe.sh initrd OUT | boot [...] BZIMAGE INITRD LOG (see --help)"
case $1 in
--help|-h) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" ;;
initrd) shift; cmd_initrd "$@" ;;
boot) shift; cmd_boot "$@" ;;
*) die "unknown command '$1' (see --help)" ;;
esac
