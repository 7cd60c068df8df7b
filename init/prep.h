/*
 * prep.h — the boot steps that need neither the config nor the app's root,
 * run in a child process while init reads the config and mounts.
 *
 * The child loads /nsm.ko when an old-style bootstrap ramdisk carries one,
 * seeds the kernel RNG from the NSM (entropy.h) and brings lo up (net.h).
 * Each is fast on hardware; under emulation (TCG) each first run of kernel
 * code costs milliseconds, and the second vCPU is idle at this point, so
 * running them beside init's own work shortens the path to the app.
 *
 * The child prints its own errors; a fault kills only the child, and
 * prep_finish() then reports the missing result.  It holds copies of the
 * fds init had when it forked (the console, the signalfd) until it exits,
 * shortly after prep_finish() has its result; init's supervisor reaps it
 * like any orphan.  (Waiting for the exit itself cost 16-20 ms under TCG:
 * the kernel's exit path runs for the first time.)
 */
#ifndef CARVE_INIT_PREP_H
#define CARVE_INIT_PREP_H

#include <sys/types.h>

struct prep {
	pid_t pid;   /* the child, or -1 when it could not be started */
	int fd;      /* read end of its result pipe, or -1 */
	long result; /* the work's result when done without a child */
};

/* Starts the child.  If it cannot (pipe or fork failed: p->pid is -1),
 * does the work itself before returning, so the boot only gets slower.
 * Call before init leaves the bootstrap root. */
void prep_start(struct prep *p);

/*
 * Waits (up to 180 s) for the child's result and returns the number of
 * bytes credited to the RNG (0: no /dev/nsm) or a negative errno when a
 * step failed (already printed), or the child died or hung without a
 * result (printed here).
 */
long prep_finish(struct prep *p);

#endif
