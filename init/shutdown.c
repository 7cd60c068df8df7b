/* shutdown.c — see shutdown.h. */
#include "shutdown.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "supervise.h"
#include "sys.h"
#include "vsock.h"

#define KILL_WAIT_MS 2000   /* after SIGKILL: only D-state stragglers */
#define REPORT_MS 2000

/* Reaps until no child is left or deadline_ms passes; 1 if some remain. */
static int reap_until(int sfd, uint64_t deadline_ms)
{
	while (sup_reap()) {
		int left = ms_until(deadline_ms);
		if (left == 0)
			return 1;
		if (sys_poll1(sfd, POLLIN, left) > 0) {
			struct signalfd_siginfo si;
			(void)!read(sfd, &si, sizeof(si)); /* SIGCHLD, or ignored */
		}
	}
	return 0;
}

_Noreturn void shutdown_vm(int sfd, uint32_t grace_ms, int status)
{
	log_event("shutdown");
	if (sfd >= 0 && sup_reap()) {
		kill(-1, SIGTERM);
		kill(-1, SIGCONT);
		if (reap_until(sfd, now_ms() + grace_ms)) {
			/* No grace (a setup error, or shutdown_grace_ms = 0): what
			 * is left is killed without a word. */
			if (grace_ms > 0)
				log_msg2("grace period over, killing the remaining processes", "");
			kill(-1, SIGKILL);
			reap_until(sfd, now_ms() + KILL_WAIT_MS);
		}
	}
	sync();
	if (status >= 0) {
		int r = vsock_report_status(status, REPORT_MS);
		/* Best effort: a parent without a port-9001 listener (nitro-cli)
		 * is normal, so this is said only in debug mode. */
		if (r < 0 && log_debugging())
			log_fail("cannot report the exit status to the parent (vsock port 9001)", r);
	}
	log_event("reboot");
	reboot(RB_AUTOBOOT);
	log_fail("cannot end the VM: reboot", -errno);
	for (;;)
		pause();
}
