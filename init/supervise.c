/* supervise.c — see supervise.h. */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* Faults are synchronous: blocking them would not stop the kernel from
 * killing init, so they get a handler instead (tini's list). */
static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

/* Async-signal-safe: one write, then the way every init error ends.  A
 * fault signal another process sent (kill -SEGV 1: si_code <= 0) is not
 * a fault in init, and PID 1 ignores it like any unhandled signal. */
static void on_fault(int sig, siginfo_t *info, void *uctx)
{
	static const char msg[] = "init: fatal signal in init itself, ending the VM\n";
	(void)sig;
	(void)uctx;
	if (info->si_code <= 0)
		return;
	(void)!write(2, msg, sizeof(msg) - 1);
	sync();
	reboot(RB_AUTOBOOT);
	_exit(111); /* unreachable unless reboot failed; the kernel panics */
}

int sup_signals(struct sup *s)
{
	sigset_t all;
	sigfillset(&all);
	struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO};
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++) {
		sigdelset(&all, fault_signals[i]);
		if (sigaction(fault_signals[i], &sa, NULL) < 0)
			return -errno;
	}
	if (sigprocmask(SIG_SETMASK, &all, &s->orig_mask) < 0)
		return -errno;
	s->sfd = signalfd(-1, &all, SFD_CLOEXEC);
	return s->sfd < 0 ? -errno : 0;
}

/* In the child: print and _exit; never returns. */
static void child_fail(const char *what, const char *object, int err, int code)
{
	log_fail2(what, object, -err);
	_exit(code);
}

void sup_default_faults(void)
{
	for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++)
		signal(fault_signals[i], SIG_DFL);
}

static void child_setup(const struct sup *s, const struct app *a)
{
	const struct init_conf *c = a->conf;
	sup_default_faults();
	sigprocmask(SIG_SETMASK, &s->orig_mask, NULL);
	setsid();
	/* Opt-in only: when a session leader with a controlling tty exits,
	 * the kernel hangs the tty up and flushes output still queued in the
	 * UART, so the app's last lines would be lost (seen in the e2e
	 * matrix).  Best effort: without it the app still runs. */
	if (c->ctty)
		(void)ioctl(0, TIOCSCTTY, 0);
	/* Every fd init keeps is close-on-exec; this also covers any fd the
	 * kernel or a future module leaks (kernels without close_range are
	 * pre-5.9 and every init fd is O_CLOEXEC there anyway). */
	(void)syscall(SYS_close_range, 3U, ~0U, 0U);
	for (int r = 0; r < CFG_NLIMITS; r++) {
		if (!c->rlimits[r].set)
			continue;
		struct rlimit rl = {
			.rlim_cur = c->rlimits[r].soft == UINT64_MAX ? RLIM_INFINITY : c->rlimits[r].soft,
			.rlim_max = c->rlimits[r].hard == UINT64_MAX ? RLIM_INFINITY : c->rlimits[r].hard,
		};
		if (setrlimit(r, &rl) < 0)
			child_fail("cannot set rlimit", NULL, errno, 126);
	}
	if (c->has_groups || c->has_uid) {
		gid_t g[CFG_MAX_GROUPS];
		for (size_t i = 0; i < c->ngroups; i++)
			g[i] = c->groups[i];
		/* A new uid without "groups" drops root's supplementary groups. */
		if (setgroups(c->ngroups, g) < 0)
			child_fail("cannot set supplementary groups", NULL, errno, 126);
	}
	if (c->has_gid && setgid(c->gid) < 0)
		child_fail("cannot set gid", NULL, errno, 126);
	if (c->has_uid && setuid(c->uid) < 0)
		child_fail("cannot set uid", NULL, errno, 126);
	const char *dir = c->workdir ? c->workdir : "/";
	if (chdir(dir) < 0)
		child_fail("cannot change to working directory", dir, errno, 126);
}

pid_t sup_launch(const struct sup *s, const struct app *a)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;
	child_setup(s, a);
	extern char **environ;
	environ = a->envp;
	/* musl's execvp searches getenv("PATH"), which is now the app's. */
	execvp(a->argv[0], a->argv);
	child_fail("cannot execute", a->argv[0], errno, errno == ENOENT ? 127 : 126);
	return -1;
}

int sup_reap(void)
{
	for (;;) {
		int ws;
		pid_t p = waitpid(-1, &ws, WNOHANG);
		if (p > 0)
			continue;
		return p == 0 ? 1 : 0; /* 0 = running children, -1 = ECHILD */
	}
}

static void forward(pid_t app, int sig)
{
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++) {
		if (forwarded[i] != sig)
			continue;
		/* The app leads its own process group (setsid); if it left
		 * that group, signal at least the app. */
		if (kill(-app, sig) < 0)
			(void)kill(app, sig);
		return;
	}
}

int sup_wait(const struct sup *s, pid_t app)
{
	for (;;) {
		int ws;
		pid_t p;
		while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
			if (p == app)
				return ws;
		if (p < 0 && errno == ECHILD)
			return 0xff00; /* cannot happen: the app is our child */
		struct signalfd_siginfo si;
		ssize_t n = read(s->sfd, &si, sizeof(si));
		if (n == (ssize_t)sizeof(si) && si.ssi_signo != SIGCHLD)
			forward(app, (int)si.ssi_signo);
	}
}
