/* net.c — see net.h. */
#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static void set_v4(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(addr)};
	memcpy(sa, &sin, sizeof(sin));
}

int net_lo_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int r = -errno;
		log_fail("cannot bring up lo: socket(AF_INET)", r);
		return r;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	const char *step = NULL;
	set_v4(&ifr.ifr_addr, 0x7f000001); /* 127.0.0.1 */
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		step = "cannot set 127.0.0.1 on lo";
	set_v4(&ifr.ifr_netmask, 0xff000000); /* /8 */
	if (!step && ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
		step = "cannot set the netmask of lo";
	if (!step && ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		step = "cannot read the flags of lo";
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
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
