/*
 * nsm_transport.c — see nsm_transport.h.
 */
#define _GNU_SOURCE /* secure_getenv */
#include "nsm_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The ABI of Linux's include/uapi/linux/nsm.h on 64-bit targets. */
_Static_assert(sizeof(struct nsm_raw) == 32, "struct nsm_raw is 32 bytes");
_Static_assert(NSM_IOCTL_RAW == 0xC0200A00u || sizeof(void *) != 8, "NSM_IOCTL_RAW is 0xC0200A00");

static int open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int nsm_transport_open(void)
{
	/* secure_getenv: a set-uid or otherwise elevated program must not
	 * take its NSM (random bytes, PCRs) from whoever set its environment. */
	const char *path = secure_getenv("NSM_DEVICE");
	struct stat st;

	if (!path || !*path)
		path = NSM_DEFAULT_DEVICE;
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return open_socket(path);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Each call gets a private reply channel: a fresh socketpair whose one end
 * travels with the request (SCM_RIGHTS).  Threads sharing one fd therefore
 * never read each other's replies, as with the kernel's serialized ioctl.
 */
static int call_socket(int fd, const uint8_t *req, size_t req_len, uint8_t *resp, size_t *resp_len)
{
	int sv[2];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctrl;
	struct iovec iov = { .iov_base = (void *)req, .iov_len = req_len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl.buf),
	};
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[1], sizeof(int));
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	int e = n < 0 ? -errno : (size_t)n != req_len ? -EIO : 0;
	close(sv[1]);
	if (e == 0) {
		do
			n = recv(sv[0], resp, NSM_RESPONSE_MAX_SIZE, 0);
		while (n < 0 && errno == EINTR);
		e = n < 0 ? -errno : n == 0 ? -ECONNRESET : 0;
	}
	close(sv[0]);
	if (e == 0)
		*resp_len = (size_t)n;
	return e;
}

int nsm_transport_call(int fd, const uint8_t *req, size_t req_len, uint8_t *resp, size_t *resp_len)
{
	struct stat st;

	if (req_len > NSM_REQUEST_MAX_SIZE)
		return -EMSGSIZE;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISSOCK(st.st_mode))
		return call_socket(fd, req, req_len, resp, resp_len);

	struct nsm_raw raw = {
		.request = { .addr = (uintptr_t)req, .len = req_len },
		.response = { .addr = (uintptr_t)resp, .len = NSM_RESPONSE_MAX_SIZE },
	};
	int r;
	do
		r = ioctl(fd, NSM_IOCTL_RAW, &raw);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	*resp_len = (size_t)(raw.response.len < NSM_RESPONSE_MAX_SIZE ? raw.response.len : NSM_RESPONSE_MAX_SIZE);
	return 0;
}
