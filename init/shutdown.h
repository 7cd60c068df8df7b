/*
 * shutdown.h — the only way init ends: orderly, then the VM is gone.
 *
 * s6-linux-init's order: SIGTERM and SIGCONT to every process, wait out the
 * grace period while reaping, SIGKILL to what is left, reap, sync, report
 * the status to the parent (port 9001, vsock.h), then reboot(RB_AUTOBOOT).
 * On Nitro the measured cmdline says reboot=k and the hypervisor treats
 * the reset as the enclave's end; under QEMU's nitro-enclave machine the
 * emulator appends reboot=t and runs with -no-reboot, so the same call
 * ends the VM.  (RB_POWER_OFF only halts there: there is no ACPI.)
 */
#ifndef CARVE_INIT_SHUTDOWN_H
#define CARVE_INIT_SHUTDOWN_H

#include <stdint.h>

/*
 * Never returns.  sfd is the signalfd from sup_signals() or -1 before it
 * exists (then nothing runs yet and the wait is skipped).  status is the
 * app's shell status to report, or -1 when the app never ran (init
 * failed): the parent then sees the VM end without a status.
 */
_Noreturn void shutdown_vm(int sfd, uint32_t grace_ms, int status);

#endif
