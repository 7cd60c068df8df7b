/*
 * dev_host.c — the host side of each stream: Unix sockets "<path>_P" for
 * guest connections, host clients and TCP forwards streaming to the guest
 * (with the "CONNECT <port>\n" / "OK <port>\n" handshake on "<path>"), and
 * guest bytes on their way to the host socket (see dev.h).
 */
#include "dev_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int host_connect_port(const char *base, uint32_t port)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int len = snprintf(a.sun_path, sizeof(a.sun_path), "%s_%u", base, port);
	if (len < 0 || (size_t)len >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* ------------------------------------------------------------ guest -> host */

/* Writes buffered guest bytes to the host; 0, or -errno (connection broken). */
static int flush_wbuf(struct dev *d, struct conn *c)
{
	while (c->wlen > 0) {
		struct iovec v[2];
		size_t first = WBUF_SIZE - c->whead;
		if (first > c->wlen)
			first = c->wlen;
		v[0].iov_base = c->wbuf + c->whead;
		v[0].iov_len = first;
		v[1].iov_base = c->wbuf;
		v[1].iov_len = c->wlen - first;
		ssize_t n = writev(c->fd, v, v[1].iov_len ? 2 : 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		c->whead = (c->whead + (size_t)n) % WBUF_SIZE;
		c->wlen -= (size_t)n;
		conn_forwarded(d, c, (size_t)n);
	}
	return 0;
}

void host_write(struct dev *d, struct conn *c, const struct iovec *iov, unsigned n, size_t len)
{
	if (c->fd < 0)
		return;
	size_t done = 0;
	if (c->wlen == 0 && !c->ok_due) { /* "OK <port>\n" goes first */
		ssize_t w = writev(c->fd, iov, (int)n);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			conn_reset(d, c, "host write failed");
			return;
		}
		if (w > 0) {
			done = (size_t)w;
			conn_forwarded(d, c, done);
		}
	}
	if (done < len) {
		if (!c->wbuf && !(c->wbuf = malloc(WBUF_SIZE))) {
			conn_reset(d, c, "out of memory");
			return;
		}
		size_t tail = (c->whead + c->wlen) % WBUF_SIZE, rest = len - done;
		while (rest > 0) {
			size_t k = WBUF_SIZE - tail;
			if (k > rest)
				k = rest;
			iov_copy_from(iov, n, done, c->wbuf + tail, k);
			done += k;
			rest -= k;
			c->wlen += k;
			tail = (tail + k) % WBUF_SIZE;
		}
	}
	conn_sync(d, c);
}

void host_finish_if_done(struct dev *d, struct conn *c)
{
	if (c->wlen > 0 || c->ok_due || c->state != S_ESTABLISHED)
		return;
	if (c->guest_no_send && c->guest_no_rcv) {
		conn_reset(d, c, NULL); /* the answer to a full SHUTDOWN is RST */
		return;
	}
	if (c->guest_no_send && !c->host_wr_shut && c->fd >= 0) {
		shutdown(c->fd, SHUT_WR);
		c->host_wr_shut = true;
	}
}

/* ------------------------------------------------------------ host -> guest streams */

/* A local port no live stream to guest_port uses (wrapping back to 1024:
 * Linux's vsock reserves the ports below for privileged sockets). */
static uint32_t take_local_port(struct dev *d, uint64_t local_cid, uint32_t guest_port)
{
	for (;;) {
		uint32_t port = d->next_port;
		d->next_port = port == UINT32_MAX ? 1024 : port + 1;
		if (!conn_lookup(d, local_cid, port, guest_port))
			return port;
	}
}

/* Files a host stream under its ports and asks the guest's listener for it. */
static void request_guest_port(struct dev *d, struct conn *c, uint32_t guest_port)
{
	c->local_port = take_local_port(d, c->local_cid, guest_port);
	c->peer_port = guest_port;
	c->state = S_CONNECTING;
	conn_table_add(d, c);
	conn_owe(d, c, P_REQUEST);
}

static void host_hello(struct dev *d, struct conn *c)
{
	/* Byte by byte: whatever follows the line belongs to the stream. */
	for (;;) {
		char ch;
		ssize_t n = read(c->fd, &ch, 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_kill(d, c);
			return;
		}
		if (ch == '\n')
			break;
		if (c->line_len >= sizeof(c->line) - 1) {
			conn_kill(d, c);
			return;
		}
		c->line[c->line_len++] = ch;
	}
	uint32_t port;
	if (vsock_parse_connect(c->line, c->line_len, &port) < 0) {
		static const char msg[] = "ERROR expected 'CONNECT <port>'\n";
		if (write(c->fd, msg, sizeof(msg) - 1) < 0) {
			/* the client is gone anyway */
		}
		conn_kill(d, c);
		return;
	}
	conn_table_del(d, c); /* re-filed under its real ports */
	c->line_len = 0;
	request_guest_port(d, c, port);
	conn_sync(d, c);
}

void dev_host_stream(struct dev *d, int fd, bool needs_connect_line, uint32_t guest_port)
{
	struct conn *c = conn_new(K_HOST, fd);
	if (!c) {
		close(fd);
		return;
	}
	/* Host-initiated streams come from the parent, as on a real Nitro host. */
	c->local_cid = VSOCK_PARENT_CID;
	c->needs_line = needs_connect_line;
	c->state = needs_connect_line ? S_HELLO : S_CONNECTING;
	c->ev = needs_connect_line ? EPOLLIN : 0;
	struct epoll_event e = {.events = c->ev, .data.ptr = c};
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->registered = true;
	if (needs_connect_line) {
		c->local_port = 0; /* placeholder until the line arrives */
		conn_table_add(d, c);
		return;
	}
	request_guest_port(d, c, guest_port);
}

void dev_conn_event(struct dev *d, struct conn *c, uint32_t events)
{
	if (c->state == S_DEAD || c->fd < 0)
		return;
	if (c->state == S_HELLO) {
		host_hello(d, c);
		return;
	}
	if (events & EPOLLOUT) {
		if (c->ok_due) {
			char ok[24];
			int n = snprintf(ok, sizeof(ok), "OK %u\n", c->peer_port);
			if (write(c->fd, ok, (size_t)n) != n) {
				conn_reset(d, c, "cannot write the OK line");
				return;
			}
			c->ok_due = false;
		}
		if (flush_wbuf(d, c) < 0) {
			conn_reset(d, c, "host write failed");
			return;
		}
		host_finish_if_done(d, c);
		if (c->state == S_DEAD || c->fd < 0)
			return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		c->hup = true;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rxq_add(d, c); /* read when the guest has a buffer for it */
	conn_sync(d, c);
}
