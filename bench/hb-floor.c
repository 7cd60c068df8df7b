/*
 * hb-floor — the least an init can do before the heartbeat, as a yardstick
 * for bench/init-boot.sh and bench/emu-boot.sh.
 *
 * Run as /init instead of carve's init, it mounts devtmpfs (for /dev/kmsg),
 * connects to CID 3 port 9000, sends 0xB7, waits for the answer, reports
 * status 0 on port 9001 and reboots.  Each step is stamped on /dev/kmsg, so
 * the kernel's clock says how long the boot path itself takes on this
 * machine: under TCG every first run of a kernel path (exec, mount,
 * connect) costs milliseconds, and no init can send its heartbeat sooner
 * than this one.  Not for enclaves: it runs no app and checks nothing.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kabi.h"

static int kmsg = -1;

static void stamp(const char *what)
{
	if (kmsg >= 0)
		(void)!write(kmsg, what, strlen(what));
}

static int connect_parent(uint32_t port)
{
	struct kabi_sockaddr_vm sa = {
		.svm_family = AF_VSOCK, .svm_port = port, .svm_cid = KABI_VMADDR_CID_PARENT,
	};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int main(void)
{
	if (getpid() != 1) {
		static const char msg[] = "hb-floor: a benchmark's /init; not for running by hand\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		return 2;
	}
	(void)mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	stamp("hb-floor: started\n");
	int fd = connect_parent(9000);
	unsigned char b = 0xB7;
	if (fd >= 0 && write(fd, &b, 1) == 1) {
		stamp("hb-floor: heartbeat sent\n");
		if (read(fd, &b, 1) == 1 && b == 0xB7)
			stamp("hb-floor: heartbeat answered\n");
	} else {
		stamp("hb-floor: heartbeat failed\n");
	}
	int st = connect_parent(9001);
	if (st >= 0)
		(void)!write(st, "0\n", 2);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
