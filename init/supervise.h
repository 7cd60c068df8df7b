/*
 * supervise.h — signals, launching the app, and waiting for it.
 *
 * PID 1 blocks every signal except the synchronous fault signals and reads
 * them from a signalfd (catatonit's model): no code runs in an
 * asynchronous handler, and signals the kernel would drop for PID 1 with
 * a default disposition are still seen because they are blocked.
 */
#ifndef CARVE_INIT_SUPERVISE_H
#define CARVE_INIT_SUPERVISE_H

#include <signal.h>
#include <sys/types.h>

#include "config.h"

struct sup {
	int sfd;            /* signalfd for every blocked signal */
	sigset_t orig_mask; /* the mask init started with, for the app */
};

/*
 * Blocks signals, opens the signalfd, and makes a fault in init itself
 * print "init: fatal signal ..." and end the VM instead of panicking the
 * kernel.  Returns 0 or a negative errno (nothing printed).
 */
int sup_signals(struct sup *s);

/* In a child of init: fault signals back to their default action, so a
 * fault kills the child, not the VM. */
void sup_default_faults(void);

/* What the app is: argv from /cmd, envp from /env, the rest from
 * /init.conf.  All pointers are borrowed. */
struct app {
	char **argv;
	char **envp;
	const struct init_conf *conf;
};

/*
 * Forks and execs the app: new session (the console as its controlling
 * tty only with console_ctty = yes), init's original signal mask, fds >= 3 closed, rlimits, groups, gid,
 * uid and working directory from the config, environ = envp, then
 * execvp() searching the app's own PATH.  A failure in the child prints
 * "init: cannot <what>: <why>" and exits 127 (exec: not found) or 126
 * (anything else).  Returns the child's pid or a negative errno.
 */
pid_t sup_launch(const struct sup *s, const struct app *a);

/*
 * Reaps every child (orphans included) and forwards SIGTERM, SIGINT,
 * SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to the app's process
 * group, until the app itself exits.  Returns its waitpid() status.
 */
int sup_wait(const struct sup *s, pid_t app);

/* Reaps whatever has exited without blocking; returns 1 while children
 * remain, 0 when there are none. */
int sup_reap(void);

#endif
