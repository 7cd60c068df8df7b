/* net.c — see net.h. */
#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/*
 * Setting IFF_UP is all it takes: when a loopback device comes up the
 * kernel gives it 127.0.0.1/8 itself (inetdev_event, NETDEV_UP) and, with
 * IPv6, ::1 (addrconf).  Setting the address first, as ifconfig scripts
 * do, only repeats that work; under TCG each extra ioctl through the
 * IPv4 code costs milliseconds of boot.  Interface ioctls work on any
 * socket; AF_UNIX is the cheapest to create.
 */
int net_lo_up(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int r = -errno;
		log_fail("cannot bring up lo: socket(AF_UNIX)", r);
		return r;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	const char *step = NULL;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		step = "cannot read the flags of lo";
	ifr.ifr_flags |= IFF_UP;
	if (!step && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		step = "cannot bring up lo";
	int r = step ? -errno : 0;
	close(fd);
	if (step)
		log_fail(step, r);
	return r;
}

int net_set_hostname(const char *name)
{
	if (sethostname(name, strlen(name)) == 0)
		return 0;
	int r = -errno;
	log_fail2("cannot set hostname", name, r);
	return r;
}
