/*
 * nsm_transport.c — see nsm_transport.h.
 */
#include "nsm_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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
	const char *path = getenv("NSM_DEVICE");
	struct stat st;

	if (!path || !*path)
		path = NSM_DEFAULT_DEVICE;
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return open_socket(path);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int call_socket(int fd, const uint8_t *req, size_t req_len, uint8_t *resp, size_t *resp_len)
{
	ssize_t n;

	do
		n = send(fd, req, req_len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != req_len)
		return -EIO;
	do
		n = recv(fd, resp, NSM_RESPONSE_MAX_SIZE, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	*resp_len = (size_t)n;
	return 0;
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
