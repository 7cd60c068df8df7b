/* prep.c — see prep.h. */
#include "prep.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "entropy.h"
#include "log.h"
#include "net.h"
#include "supervise.h"
#include "sys.h"

/* Linux 6.12's NSM driver gives up on a request after 120 s, and the
 * child then reports the failure; this bounds drivers without such a
 * timeout (nitro-cli's nsm.ko for 4.14). */
#define PREP_TIMEOUT_MS 180000

/* nitro-cli's bootstrap ramdisk carries nsm.ko for its 4.14 kernel.  carve's
 * kernel has the driver built in: its nitro-cli blob directory holds an
 * empty nsm.ko (nitro-cli only checks that the file exists), which is
 * skipped, and a real one for a built-in driver gives EEXIST. */
static int load_nsm_module(void)
{
	int fd = open("/nsm.ko", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (st.st_size > 0 && syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
		r = -errno;
	close(fd);
	(void)unlink("/nsm.ko"); /* its RAM is the app's */
	return r;
}

/* The child's whole job: the credited byte count, or a negative errno. */
static long prepare(void)
{
	int r = load_nsm_module();
	if (r < 0) {
		log_fail("cannot load /nsm.ko", r);
		return r;
	}
	long seeded = entropy_seed();
	r = net_lo_up();
	return seeded < 0 ? seeded : r < 0 ? r : seeded;
}

void prep_start(struct prep *p)
{
	int fds[2];
	p->pid = -1;
	p->fd = -1;
	if (pipe2(fds, O_CLOEXEC) == 0) {
		p->pid = fork();
		if (p->pid == 0) {
			close(fds[0]);
			sup_default_faults();
			long result = prepare();
			_exit(write(fds[1], &result, sizeof(result)) == (ssize_t)sizeof(result) ? 0 : 1);
		}
		close(fds[1]);
		if (p->pid > 0) {
			p->fd = fds[0];
			return;
		}
		close(fds[0]);
	}
	/* No child: do the work now, while / is still the bootstrap ramdisk
	 * that holds /nsm.ko. */
	p->result = prepare();
}

long prep_finish(struct prep *p)
{
	if (p->pid < 0)
		return p->result;
	long result;
	ssize_t n = -1;
	int r = sys_poll1(p->fd, POLLIN, PREP_TIMEOUT_MS);
	if (r > 0) {
		do
			n = read(p->fd, &result, sizeof(result));
		while (n < 0 && errno == EINTR);
	}
	close(p->fd);
	if (r == 0) {
		log_fail("boot preparation (entropy, lo) did not finish in time", -ETIMEDOUT);
		return -ETIMEDOUT;
	}
	if (n != (ssize_t)sizeof(result)) {
		log_fail("boot preparation (entropy, lo) ended without a result", -EPIPE);
		return -EPIPE;
	}
	return result;
}
