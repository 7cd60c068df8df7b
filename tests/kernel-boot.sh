#!/usr/bin/env bash
# tests/kernel-boot.sh — TAP: the kernel boots a probe initramfs under QEMU
# (TCG, -M microvm) and offers what enclave apps and AWS's own init need:
# AWS's init mounts a cgroup v1 hierarchy for every enabled line of
# /proc/cgroups and dies on any failure, so every controller must mount as
# v1; cgroup v2 must offer cpu, cpuset, memory and pids; TUN, seccomp
# filters, namespaces, IPv4/IPv6 and vsock exist; modules and debugfs don't.
#
#   tests/kernel-boot.sh [BZIMAGE [PROBE_CPIO]]
set -uo pipefail
export LC_ALL=C
img=${1:-build/kernel/bzImage}
cpio=${2:-build/kernel/probe.cpio}
log=build/test-logs/kernel-boot.console
mkdir -p "$(dirname "$log")"
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }

for f in "$img" "$cpio"; do
	[ -r "$f" ] || { notok "$f is missing (make kernel / make $cpio)"; echo "1..$n"; exit 1; }
done
if kernel-config/probe.sh boot --mem 128 "$img" "$cpio" "$log"; then
	ok "kernel boots to /init and the probe finishes"
else
	notok "kernel boots to /init and the probe finishes (console below)"
	tail -n 40 "$log" | sed 's/^/# /'
	echo "1..$n"; exit 1
fi
line() { grep -o "PROBE-$1.*" "$log" | tr -d '\r'; }

fails=$(line CGROUP-FAIL | cut -d' ' -f2 | paste -sd' ')
oks=$(line CGROUP-OK | cut -d' ' -f2 | paste -sd' ')
if [ -z "$fails" ] && [ -n "$oks" ]; then
	ok "AWS init contract: every /proc/cgroups controller mounts as cgroup v1 ($oks)"
else
	notok "AWS init contract: cgroup v1 mount failed for: ${fails:-none listed}"
fi
v2=$(line CGROUP2 | cut -d' ' -f2-)
for c in cpu cpuset memory pids; do
	if grep -qw "$c" <<<"$v2"; then ok "cgroup v2 offers $c"; else notok "cgroup v2 offers $c (got: $v2)"; fi
done
for w in tun seccomp-filter namespaces ipv4 ipv6 vsock no-modules no-debugfs; do
	if grep -q "PROBE-HAVE $w\$" <(line HAVE); then ok "$w"; else notok "$w"; fi
done
echo "1..$n"
