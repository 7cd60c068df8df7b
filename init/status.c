/* status.c — see status.h. */
#include "status.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

int status_from_wait(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

/* Linux's numbering on x86-64, the architecture carve builds init for. */
static const char sig_names[32][8] = {
	"", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS",
	"FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
	"STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
	"XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
};

/* n < 100 as decimal at p; returns the end. */
static char *put_small(char *p, int n)
{
	if (n >= 10)
		*p++ = (char)('0' + n / 10);
	*p++ = (char)('0' + n % 10);
	return p;
}

const char *status_signame(int sig, char *buf)
{
	char *p = buf;
	memcpy(p, "SIG", 3);
	p += 3;
	if (sig > 0 && sig < 32) {
		strcpy(p, sig_names[sig]);
		return buf;
	}
	if (sig >= 32 && sig <= 64) {
		/* Real-time signals are named from the kernel's SIGRTMIN (32),
		 * not libc's (which reserves some for itself). */
		memcpy(p, "RTMIN+", 6);
		p = put_small(p + 6, sig - 32);
	} else {
		memcpy(p, "?", 1);
		p++;
	}
	*p = '\0';
	return buf;
}

unsigned backoff_ms(unsigned attempt)
{
	if (attempt == 0)
		return 0;
	if (attempt > 7) /* 10 << 7 = 1280: past the cap already */
		return 1000;
	unsigned d = 10u << (attempt - 1);
	return d > 1000 ? 1000 : d;
}
