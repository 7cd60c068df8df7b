#!/usr/bin/env bash
# Prints the kernel command-line words that give a TCG guest its clock
# without calibrating (used by emu/carve-run and kernel-config/probe.sh;
# not part of any measured command line):
#
#   tsc_early_khz=K lpj=L  the TSC rate (TCG's TSC runs at the host's
#                          rate).  Calibrating it against the PIT in
#                          emulated time takes a while and, on a loaded
#                          host, fails: microvm has no HPET or PM timer to
#                          fall back on and the kernel hangs after "Marking
#                          TSC unstable".  lpj is TSC cycles per jiffy
#                          (HZ=250 in carve's kernel), so secondary CPUs
#                          skip their delay-loop calibration too.  Given
#                          only inside a VM: there "cpu MHz" is the TSC
#                          rate, on bare metal with cpufreq it is the
#                          current clock.
#   noapictimer            TCG has no TSC-deadline timer (QEMU lists it
#                          among the features TCG lacks), so the kernel
#                          would calibrate the local APIC timer: 100 ms of
#                          host time against the TSC, then 100 ms more to
#                          verify it against jiffies (`apic=verbose`
#                          measured 109 + 109 ms of an 0.9 s boot).  The
#                          PIT drives the ticks instead and broadcasts them
#                          to the other CPUs.  KVM and real Nitro have
#                          TSC-deadline and never calibrate.
#   tsc=reliable           when the host's TSC is constant, so is TCG's.
#                          The guest's clocksource watchdog can only compare
#                          the TSC with jiffies counted from emulated ticks,
#                          which arrive late on a busy host; it would call
#                          the TSC unstable and the guest would fall back
#                          to a 4 ms jiffies clock.
set -euo pipefail
words=(noapictimer)
if grep -qw hypervisor /proc/cpuinfo; then
	khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
	[ -n "$khz" ] && [ "$khz" -gt 0 ] && words+=("tsc_early_khz=$khz" "lpj=$((khz * 4))")
fi
grep -qw constant_tsc /proc/cpuinfo && words+=(tsc=reliable)
echo "${words[*]}"
