/* vsock.c — see vsock.h. */
#include "vsock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kabi.h"
#include "status.h"
#include "sys.h"

#define HB_CONNECT_MS 2000
#define HB_READ_MS 5000

/* Socket and non-blocking connect: the fd with the request on its way. */
static int connect_start(uint32_t cid, uint32_t port)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct kabi_sockaddr_vm sa = {
		.svm_family = AF_VSOCK, .svm_port = port, .svm_cid = cid,
	};
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Waits for a started connect; 0 or -errno (the caller closes fd).  The
 * socket stays non-blocking: reads wait in poll, writes in send_all. */
static int connect_finish(int fd, int timeout_ms)
{
	int r = sys_poll1(fd, POLLOUT, timeout_ms);
	if (r == 0)
		r = -ETIMEDOUT;
	if (r > 0) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		r = -soerr;
	}
	return r;
}

int vsock_connect(uint32_t cid, uint32_t port, int timeout_ms)
{
	int fd = connect_start(cid, port);
	if (fd < 0)
		return fd;
	int r = connect_finish(fd, timeout_ms);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/*
 * Writes all of buf by deadline (now_ms() clock).  A parent that accepts
 * but never grants send credit must not hold PID 1, hence the poll; and
 * MSG_NOSIGNAL, because a SIGPIPE raised here would sit in init's
 * signalfd and be forwarded to the app.
 */
static int send_all(int fd, const void *buf, size_t len, uint64_t deadline)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w >= 0) {
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		int left = ms_until(deadline);
		if (left == 0)
			return -ETIMEDOUT;
		int r = sys_poll1(fd, POLLOUT, left);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Milliseconds left of the budget, capped at cap; 0 when spent. */
static int left_ms(const struct heartbeat *hb, uint32_t budget_ms, int cap)
{
	int left = ms_until(hb->start_ms + budget_ms);
	return left < cap ? left : cap;
}

/* One try's first half, part one: the connect request goes out. */
static void hb_try_start(struct heartbeat *hb)
{
	hb->attempts++;
	hb->reply = -1; /* only the last try's wrong answer is reported */
	hb->fd = connect_start(KABI_VMADDR_CID_PARENT, VSOCK_HEARTBEAT_PORT);
	if (hb->fd < 0) {
		hb->err = hb->fd;
		hb->fd = -1;
	}
}

/* Part two: wait for the connection and write the byte. */
static void hb_try_write(struct heartbeat *hb, int connect_ms)
{
	static const uint8_t beat = VSOCK_HEARTBEAT_BYTE;
	if (hb->fd < 0)
		return;
	uint64_t deadline = now_ms() + (uint64_t)connect_ms;
	int r = connect_finish(hb->fd, connect_ms);
	if (r == 0)
		r = send_all(hb->fd, &beat, 1, deadline);
	if (r < 0) {
		hb->err = r;
		close(hb->fd);
		hb->fd = -1;
	}
}

/* One try's second half: 0 when the echo came back. */
static int hb_try_read(struct heartbeat *hb, int read_ms)
{
	uint8_t got;
	int r = sys_poll1(hb->fd, POLLIN, read_ms);
	if (r == 0) {
		r = -ETIMEDOUT;
	} else if (r > 0) {
		ssize_t n = read(hb->fd, &got, 1);
		if (n == 1 && got == VSOCK_HEARTBEAT_BYTE)
			r = 0;
		else if (n == 1)
			r = -EBADMSG, hb->reply = got;
		else
			r = n == 0 ? -ECONNRESET : -errno;
	}
	close(hb->fd);
	hb->fd = -1;
	hb->err = r;
	return r;
}

void hb_start(struct heartbeat *hb)
{
	*hb = (struct heartbeat){.fd = -1, .reply = -1, .start_ms = now_ms()};
	hb_try_start(hb);
}

void hb_send(struct heartbeat *hb)
{
	hb_try_write(hb, HB_CONNECT_MS);
}

int hb_complete(struct heartbeat *hb, uint32_t budget_ms)
{
	for (;;) {
		if (hb->fd >= 0) {
			int read_ms = left_ms(hb, budget_ms, HB_READ_MS);
			if (hb_try_read(hb, read_ms ? read_ms : 1) == 0)
				return 0;
		}
		/* Pause, then try again if the budget still allows a try. */
		int pause = left_ms(hb, budget_ms, (int)backoff_ms(hb->attempts));
		if (pause > 0)
			(void)sys_poll1(-1, 0, pause); /* a sleep without signals */
		int connect_ms = left_ms(hb, budget_ms, HB_CONNECT_MS);
		if (connect_ms == 0)
			return hb->err;
		hb_try_start(hb);
		hb_try_write(hb, connect_ms);
	}
}

int vsock_report_status(int status, int timeout_ms)
{
	char line[5];
	size_t n = 0;
	status &= 255;
	if (status >= 100)
		line[n++] = (char)('0' + status / 100);
	if (status >= 10)
		line[n++] = (char)('0' + status / 10 % 10);
	line[n++] = (char)('0' + status % 10);
	line[n++] = '\n';
	uint64_t start = now_ms();
	int fd = vsock_connect(KABI_VMADDR_CID_PARENT, VSOCK_STATUS_PORT, timeout_ms);
	if (fd < 0)
		return fd;
	int r = send_all(fd, line, n, start + (uint64_t)timeout_ms);
	/* The VM ends right after this.  A lingering close sends
	 * SHUTDOWN(RCV|SEND) and waits for the parent's RST, which a
	 * virtio-vsock peer (Linux, carve-vsock) sends once its side has
	 * taken the line (Linux 6.12 virtio_transport_close(): it waits for
	 * SOCK_DONE), so the line has crossed before the virtio queues are
	 * torn down.  A local shutdown() and poll() cannot wait for that:
	 * after SHUT_RD, vsock_poll() reports POLLIN at once.  SO_LINGER
	 * counts whole seconds, so wait only with one left of the budget. */
	int left = ms_until(start + (uint64_t)timeout_ms);
	if (r == 0 && left >= 1000) {
		struct linger lg = {.l_onoff = 1, .l_linger = left / 1000};
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
	return r;
}
