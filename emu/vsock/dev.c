/* dev.c — vsock stream connections over vhost-user rings (see dev.h). */
#include "dev.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "vsock_proto.h"

/* Our receive buffer per connection (what the guest may have in flight to us). */
#define WBUF_SIZE (256u * 1024)
/* Largest payload per rx packet (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
#define MAX_PKT_PAYLOAD (64u * 1024)
#define PORT_HEARTBEAT 9000
#define PORT_STATUS 9001
#define HEARTBEAT_BYTE 0xB7
#define ORPHANS_MAX 4096
#define LINE_MAX_LEN 64

enum conn_kind { K_HOST, K_HEARTBEAT, K_STATUS };
enum conn_state { S_HELLO, S_CONNECTING, S_ESTABLISHED, S_DEAD };

/* Control packets owed to the guest, in sending priority order. */
enum {
	P_RST = 1, P_REQUEST = 2, P_RESPONSE = 4, P_SHUTDOWN = 8, P_CREDIT = 16,
};

struct conn {
	struct watch w;
	enum conn_kind kind;
	enum conn_state state;
	int fd;                       /* host socket, -1 for built-ins / closed */
	uint32_t ev;                  /* registered epoll events */
	bool registered;              /* fd in epoll (left out after a hangup we cannot serve yet) */
	bool needs_line, ok_due;      /* CONNECT handshake: read line / write "OK" */
	uint64_t local_cid;           /* our side as the guest sees it: 2 or 3 */
	uint32_t local_port, peer_port;
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt;
	uint32_t fwd_cnt, fwd_cnt_sent;
	unsigned pend;
	bool host_eof, host_wr_shut;  /* host sent EOF / we shut the host's write side */
	bool guest_no_send, guest_no_rcv;
	bool in_rxq, hup;
	uint8_t *wbuf;                /* guest -> host bytes not yet written (ring) */
	size_t whead, wlen;
	char line[LINE_MAX_LEN];      /* CONNECT line / exit-status line */
	size_t line_len;
	uint8_t obuf[16];             /* built-in replies to the guest */
	size_t olen;
	struct conn *hnext, *rxnext, *gnext;
};

struct orphan_rst {
	struct vsock_hdr h;
};

uint64_t dev_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void logf_(const struct dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const struct dev *d, const char *fmt, ...)
{
	uint64_t t = d->t0_ns ? dev_now_ns() - d->t0_ns : 0;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "carve-vsock: [%4llu.%03llu] ", (unsigned long long)(t / 1000000000u),
		(unsigned long long)(t / 1000000u % 1000u));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int dev_init(struct dev *d, const struct dev_opts *o)
{
	memset(d, 0, sizeof(*d));
	d->o = *o;
	d->exit_status = -1;
	d->next_port = 1024;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	for (unsigned q = 0; q < VHU_NQUEUES; q++) {
		d->kick[q].w.kind = W_KICK;
		d->kick[q].queue = q;
		d->kick[q].fd = -1;
	}
	vhu_dev_init(&d->vhu, o->guest_cid);
	return 0;
}

/* ------------------------------------------------------------ table */

static unsigned bucket(uint32_t local_port, uint32_t peer_port)
{
	return (local_port * 2654435761u ^ peer_port) & 255u;
}

static struct conn *lookup(struct dev *d, uint64_t local_cid, uint32_t local_port, uint32_t peer_port)
{
	for (struct conn *c = d->buckets[bucket(local_port, peer_port)]; c; c = c->hnext)
		if (c->local_port == local_port && c->peer_port == peer_port &&
		    c->local_cid == local_cid && c->state != S_DEAD && c->state != S_HELLO)
			return c;
	return NULL;
}

static void table_add(struct dev *d, struct conn *c)
{
	unsigned b = bucket(c->local_port, c->peer_port);
	c->hnext = d->buckets[b];
	d->buckets[b] = c;
	d->nconns++;
}

static void table_del(struct dev *d, struct conn *c)
{
	for (struct conn **p = &d->buckets[bucket(c->local_port, c->peer_port)]; *p; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			d->nconns--;
			return;
		}
}

static struct conn *conn_new(struct dev *d, enum conn_kind kind, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->w.kind = W_CONN;
	c->kind = kind;
	c->fd = fd;
	(void)d;
	return c;
}

/* ------------------------------------------------------------ rx queue */

static void rxq_add(struct dev *d, struct conn *c)
{
	if (c->in_rxq || c->state == S_HELLO)
		return;
	c->in_rxq = true;
	c->rxnext = NULL;
	if (d->rxq_tail)
		d->rxq_tail->rxnext = c;
	else
		d->rxq_head = c;
	d->rxq_tail = c;
}

static void rxq_pop(struct dev *d)
{
	struct conn *c = d->rxq_head;
	d->rxq_head = c->rxnext;
	if (!d->rxq_head)
		d->rxq_tail = NULL;
	c->in_rxq = false;
	c->rxnext = NULL;
}

static void rxq_remove(struct dev *d, struct conn *c)
{
	if (!c->in_rxq)
		return;
	struct conn *prev = NULL;
	for (struct conn *p = d->rxq_head; p; prev = p, p = p->rxnext)
		if (p == c) {
			if (prev)
				prev->rxnext = c->rxnext;
			else
				d->rxq_head = c->rxnext;
			if (d->rxq_tail == c)
				d->rxq_tail = prev;
			break;
		}
	c->in_rxq = false;
}

/* ------------------------------------------------------------ state */

static uint32_t credit(const struct conn *c)
{
	return vsock_credit(c->peer_buf_alloc, c->tx_cnt, c->peer_fwd_cnt);
}

/* Whether host data may flow to the guest right now (credit permitting). */
static bool can_send_data(const struct conn *c)
{
	if (c->state != S_ESTABLISHED || c->guest_no_rcv)
		return false;
	if (c->kind != K_HOST)
		return c->olen > 0;
	return c->fd >= 0 && !c->host_eof;
}

/* Re-registers the host fd for what the connection can do now. */
static void conn_sync(struct dev *d, struct conn *c)
{
	if (c->fd < 0)
		return;
	uint32_t ev = 0;
	if (c->state == S_HELLO)
		ev = EPOLLIN;
	else if (can_send_data(c) && credit(c) > 0 && !c->in_rxq)
		ev = EPOLLIN;
	if (c->wlen > 0 || c->ok_due)
		ev |= EPOLLOUT;
	struct epoll_event e = {.events = ev, .data.ptr = c};
	if (!c->registered) {
		/* A hung-up socket reports EPOLLHUP even with no events asked for. */
		if (ev && epoll_ctl(d->epfd, EPOLL_CTL_ADD, c->fd, &e) == 0) {
			c->registered = true;
			c->ev = ev;
		}
		return;
	}
	if (ev == c->ev && !(ev == 0 && c->hup))
		return;
	if (ev == 0 && c->hup) {
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		c->registered = false;
		c->ev = 0;
		return;
	}
	if (epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, &e) == 0)
		c->ev = ev;
}

static void close_host(struct dev *d, struct conn *c)
{
	if (c->fd < 0)
		return;
	if (c->registered)
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->ev = 0;
}

/* Forget the connection now (no packet owed). */
static void conn_kill(struct dev *d, struct conn *c)
{
	if (c->state == S_DEAD)
		return;
	close_host(d, c);
	rxq_remove(d, c);
	table_del(d, c);
	c->state = S_DEAD;
	c->gnext = d->graveyard;
	d->graveyard = c;
}

/* Close the host side and owe the guest an RST; forgotten once it is sent. */
static void conn_reset(struct dev *d, struct conn *c, const char *why)
{
	if (why && d->o.verbose)
		logf_(d, "resetting the stream host port %u <-> guest port %u: %s", c->local_port,
		      c->peer_port, why);
	close_host(d, c);
	free(c->wbuf);
	c->wbuf = NULL;
	c->wlen = 0;
	c->pend = P_RST;
	if (c->state == S_HELLO) { /* the guest never heard of it */
		conn_kill(d, c);
		return;
	}
	rxq_add(d, c);
}

static void owe(struct dev *d, struct conn *c, unsigned p)
{
	c->pend |= p;
	rxq_add(d, c);
}

static void orphan_rst(struct dev *d, const struct vsock_hdr *in)
{
	if (in->op == VSOCK_OP_RST)
		return;
	if (d->norphans == d->orphans_cap) {
		if (d->orphans_cap >= ORPHANS_MAX)
			return; /* a guest flooding unknown connections: it gets no more answers */
		unsigned cap = d->orphans_cap ? d->orphans_cap * 2 : 16;
		struct orphan_rst *n = realloc(d->orphans, cap * sizeof(*n));
		if (!n)
			return;
		d->orphans = n;
		d->orphans_cap = cap;
	}
	struct vsock_hdr *h = &d->orphans[d->norphans++].h;
	memset(h, 0, sizeof(*h));
	h->src_cid = in->dst_cid;
	h->dst_cid = in->src_cid;
	h->src_port = in->dst_port;
	h->dst_port = in->src_port;
	h->type = VSOCK_TYPE_STREAM;
	h->op = VSOCK_OP_RST;
}

/* ------------------------------------------------------------ host writes */

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
		c->fwd_cnt += (uint32_t)n;
	}
	/* Tell the guest about freed space before it runs dry (¼ of our buffer). */
	if (c->fwd_cnt - c->fwd_cnt_sent >= WBUF_SIZE / 4)
		owe(d, c, P_CREDIT);
	(void)d;
	return 0;
}

/* After the guest said it sends no more and everything reached the host. */
static void maybe_finish(struct dev *d, struct conn *c)
{
	if (c->wlen > 0 || c->state != S_ESTABLISHED)
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

static void builtin_input(struct dev *d, struct conn *c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (c->kind == K_HEARTBEAT) {
			logf_(d, "heartbeat 0x%02x from the enclave (port %u)", p[i], PORT_HEARTBEAT);
			if (d->o.heartbeat == HB_WRONG)
				c->obuf[c->olen++] = (uint8_t)~HEARTBEAT_BYTE;
			else
				c->obuf[c->olen++] = p[i];
			if (c->olen == sizeof(c->obuf))
				break;
			continue;
		}
		if (p[i] != '\n') {
			if (c->line_len < sizeof(c->line) - 1)
				c->line[c->line_len++] = (char)p[i];
			continue;
		}
		c->line[c->line_len] = 0;
		char *end;
		long v = strtol(c->line, &end, 10);
		if (end == c->line || *end || v < 0 || v > 255) {
			logf_(d, "ignoring a malformed exit status line from the enclave: '%s'", c->line);
		} else {
			d->exit_status = (int)v;
			logf_(d, "exit status %ld from the enclave (port %u)", v, PORT_STATUS);
			if (d->o.status_file) {
				char buf[8];
				int len = snprintf(buf, sizeof(buf), "%ld\n", v);
				int err = atomic_write_file(d->o.status_file, buf, (size_t)len, 0644);
				if (err < 0)
					logf_(d, "cannot write %s: %s", d->o.status_file, strerror(-err));
			}
		}
		c->line_len = 0;
	}
	c->fwd_cnt += (uint32_t)n;
	if (c->olen)
		rxq_add(d, c);
}

/* RW payload from the guest: straight to the host socket, the rest buffered. */
static void guest_data(struct dev *d, struct conn *c, const struct iovec *iov, unsigned n, size_t len)
{
	d->bytes_from_guest += len;
	if (c->guest_no_send)
		return;
	if (c->kind != K_HOST) {
		uint8_t tmp[64];
		for (size_t off = 0; off < len; off += sizeof(tmp)) {
			size_t k = iov_copy_from(iov, n, off, tmp, sizeof(tmp));
			builtin_input(d, c, tmp, k);
		}
		return;
	}
	if (c->fd < 0)
		return;
	size_t done = 0;
	if (c->wlen == 0) {
		ssize_t w = writev(c->fd, iov, (int)n);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			conn_reset(d, c, "host write failed");
			return;
		}
		if (w > 0) {
			done = (size_t)w;
			c->fwd_cnt += (uint32_t)w;
		}
	}
	if (len - done > WBUF_SIZE - c->wlen) { /* the guest ignored our credit */
		conn_reset(d, c, "guest exceeded its credit");
		return;
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
	if (c->fwd_cnt - c->fwd_cnt_sent >= WBUF_SIZE / 4)
		owe(d, c, P_CREDIT);
	conn_sync(d, c);
}

/* ------------------------------------------------------------ guest requests */

static int connect_uds(const char *base, uint32_t port)
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

static void guest_request(struct dev *d, const struct vsock_hdr *h)
{
	if (h->dst_cid != VSOCK_HOST_CID && h->dst_cid != VSOCK_PARENT_CID) {
		orphan_rst(d, h); /* no sibling VMs here */
		return;
	}
	int fd = connect_uds(d->o.uds_path, h->dst_port);
	enum conn_kind kind = K_HOST;
	if (fd < 0) {
		if (h->dst_port == PORT_HEARTBEAT && d->o.heartbeat != HB_NONE)
			kind = K_HEARTBEAT;
		else if (h->dst_port == PORT_STATUS)
			kind = K_STATUS;
		else {
			if (d->o.verbose)
				logf_(d, "guest connect to port %u refused: %s_%u: %s", h->dst_port,
				      d->o.uds_path, h->dst_port, strerror(-fd));
			orphan_rst(d, h);
			return;
		}
	}
	struct conn *c = conn_new(d, kind, kind == K_HOST ? fd : -1);
	if (!c) {
		if (fd >= 0)
			close(fd);
		orphan_rst(d, h);
		return;
	}
	c->local_cid = h->dst_cid;
	c->local_port = h->dst_port;
	c->peer_port = h->src_port;
	c->state = S_ESTABLISHED;
	if (fd >= 0) {
		struct epoll_event e = {.events = 0, .data.ptr = c};
		c->registered = epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &e) == 0;
	}
	table_add(d, c);
	if (d->o.verbose)
		logf_(d, "guest port %u connected to %s port %u", c->peer_port,
		      kind == K_HOST ? "host" : "built-in", c->local_port);
	owe(d, c, P_RESPONSE);
}

/* One packet from the tx ring. */
static void guest_packet(struct dev *d, const struct vsock_hdr *h, const struct iovec *iov,
			 unsigned n, size_t payload)
{
	if (h->src_cid != d->o.guest_cid || h->type != VSOCK_TYPE_STREAM) {
		orphan_rst(d, h);
		return;
	}
	struct conn *c = lookup(d, h->dst_cid, h->dst_port, h->src_port);
	if (!c) {
		if (h->op == VSOCK_OP_REQUEST)
			guest_request(d, h);
		else
			orphan_rst(d, h);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case VSOCK_OP_RESPONSE:
		if (c->state == S_CONNECTING) {
			c->state = S_ESTABLISHED;
			c->ok_due = c->needs_line;
			if (d->o.verbose)
				logf_(d, "host stream connected to guest port %u", c->peer_port);
		}
		break;
	case VSOCK_OP_RW:
		if (c->state == S_ESTABLISHED)
			guest_data(d, c, iov, n, payload);
		else
			conn_reset(d, c, "data before the connection was up");
		break;
	case VSOCK_OP_SHUTDOWN:
		c->guest_no_rcv |= (h->flags & VSOCK_SHUTDOWN_RCV) != 0;
		c->guest_no_send |= (h->flags & VSOCK_SHUTDOWN_SEND) != 0;
		maybe_finish(d, c);
		break;
	case VSOCK_OP_RST:
		if (c->state == S_CONNECTING && d->o.verbose)
			logf_(d, "guest refused a host stream to port %u", c->peer_port);
		conn_kill(d, c);
		return;
	case VSOCK_OP_CREDIT_REQUEST:
		owe(d, c, P_CREDIT);
		break;
	case VSOCK_OP_CREDIT_UPDATE:
		break;
	case VSOCK_OP_REQUEST: /* a second REQUEST on a live connection */
	default:
		conn_reset(d, c, "unexpected REQUEST");
		return;
	}
	if (c->state != S_DEAD) {
		if (can_send_data(c) && credit(c) > 0)
			rxq_add(d, c); /* new credit may unblock host data */
		conn_sync(d, c);
	}
}

static void process_tx(struct dev *d, bool ignore_enable)
{
	struct vring *vr = &d->vhu.vq[VSOCK_TX];
	if (!vring_ready(vr) && !(ignore_enable && vr->num && vr->desc && vr->started))
		return;
	struct vchain ch;
	int r;
	bool any = false;
	while ((r = vring_peek(vr, &d->vhu.mem, &ch)) != 0) {
		any = true;
		if (r > 0 && ch.read_len >= VSOCK_HDR_SIZE) {
			uint8_t hb[VSOCK_HDR_SIZE];
			struct vsock_hdr h;
			iov_copy_from(ch.iov, ch.nread, 0, hb, sizeof(hb));
			vsock_hdr_decode(hb, &h);
			size_t payload = ch.read_len - VSOCK_HDR_SIZE;
			if (h.len < payload)
				payload = h.len;
			if (h.op != VSOCK_OP_RW)
				payload = 0;
			struct iovec pv[VCHAIN_MAX_IOV];
			unsigned pn = iov_slice(ch.iov, ch.nread, VSOCK_HDR_SIZE, payload, pv, VCHAIN_MAX_IOV);
			guest_packet(d, &h, pv, pn, payload);
		}
		/* Malformed chains are consumed too: the guest must not wedge us. */
		vring_push(vr, ch.head, 0);
	}
	if (any)
		d->tx_pending_irq = true;
}

void dev_process_tx(struct dev *d)
{
	process_tx(d, false);
}

void dev_drain_tx(struct dev *d)
{
	process_tx(d, true);
}

/* ------------------------------------------------------------ rx */

static void fill_hdr(const struct dev *d, struct conn *c, struct vsock_hdr *h, uint16_t op)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = c->local_cid;
	h->dst_cid = d->o.guest_cid;
	h->src_port = c->local_port;
	h->dst_port = c->peer_port;
	h->type = VSOCK_TYPE_STREAM;
	h->op = op;
	h->buf_alloc = WBUF_SIZE;
	h->fwd_cnt = c->fwd_cnt;
	c->fwd_cnt_sent = c->fwd_cnt;
	c->pend &= ~(unsigned)P_CREDIT; /* every packet carries the credit */
}

/*
 * Builds the connection's next packet into the chain.  Returns the used
 * length (> 0) when the chain is consumed, 0 when the connection has
 * nothing to send now (it leaves the queue).
 */
static uint32_t build_packet(struct dev *d, struct conn *c, struct vchain *ch, bool *requeue)
{
	struct vsock_hdr h;
	uint8_t hb[VSOCK_HDR_SIZE];
	*requeue = false;
	if (c->pend & P_RST) {
		fill_hdr(d, c, &h, VSOCK_OP_RST);
		c->pend = 0;
		conn_kill(d, c);
		goto out;
	}
	if (c->pend & P_REQUEST) {
		fill_hdr(d, c, &h, VSOCK_OP_REQUEST);
		c->pend &= ~(unsigned)P_REQUEST;
		*requeue = c->pend != 0;
		goto out;
	}
	if (c->pend & P_RESPONSE) {
		fill_hdr(d, c, &h, VSOCK_OP_RESPONSE);
		c->pend &= ~(unsigned)P_RESPONSE;
		*requeue = true;
		goto out;
	}
	uint32_t cr = credit(c);
	if (can_send_data(c) && cr > 0) {
		size_t room = ch->write_len - VSOCK_HDR_SIZE;
		if (room > cr)
			room = cr;
		if (room > MAX_PKT_PAYLOAD)
			room = MAX_PKT_PAYLOAD;
		struct iovec pv[VCHAIN_MAX_IOV];
		const struct iovec *wv = ch->iov + ch->nread;
		unsigned pn = iov_slice(wv, ch->nwrite, VSOCK_HDR_SIZE, room, pv, VCHAIN_MAX_IOV);
		ssize_t n;
		if (c->kind != K_HOST) {
			n = (ssize_t)iov_copy_to(pv, pn, 0, c->obuf, c->olen < room ? c->olen : room);
			memmove(c->obuf, c->obuf + n, c->olen - (size_t)n);
			c->olen -= (size_t)n;
		} else {
			do
				n = readv(c->fd, pv, (int)pn);
			while (n < 0 && errno == EINTR);
		}
		if (n > 0) {
			fill_hdr(d, c, &h, VSOCK_OP_RW);
			h.len = (uint32_t)n;
			c->tx_cnt += (uint32_t)n;
			d->bytes_to_guest += (uint64_t)n;
			/* Full read: probably more waiting; let others have a turn first. */
			*requeue = true;
			goto out;
		}
		if (n == 0) {
			c->host_eof = true;
			c->pend |= P_SHUTDOWN;
		} else if (errno != EAGAIN) {
			conn_reset(d, c, "host read failed");
			return build_packet(d, c, ch, requeue);
		}
	}
	if (c->pend & P_SHUTDOWN) {
		fill_hdr(d, c, &h, VSOCK_OP_SHUTDOWN);
		/* Host EOF: we send no more; keep receiving until the guest closes. */
		h.flags = VSOCK_SHUTDOWN_SEND;
		c->pend &= ~(unsigned)P_SHUTDOWN;
		*requeue = c->pend != 0;
		goto out;
	}
	if (c->pend & P_CREDIT) {
		fill_hdr(d, c, &h, VSOCK_OP_CREDIT_UPDATE);
		goto out;
	}
	return 0;
out:
	vsock_hdr_encode(hb, &h);
	iov_copy_to(ch->iov + ch->nread, ch->nwrite, 0, hb, sizeof(hb));
	return VSOCK_HDR_SIZE + h.len;
}

void dev_process_rx(struct dev *d)
{
	struct vring *vr = &d->vhu.vq[VSOCK_RX];
	if (!vring_ready(vr))
		return;
	struct vchain ch;
	for (;;) {
		if (!d->norphans && !d->rxq_head)
			break;
		int r = vring_peek(vr, &d->vhu.mem, &ch);
		if (r == 0)
			break; /* ring full: everything stays queued until the guest refills */
		if (r < 0 || ch.nread || ch.write_len < VSOCK_HDR_SIZE) {
			vring_push(vr, ch.head, 0);
			d->rx_pending_irq = true;
			continue;
		}
		if (d->norphans) {
			uint8_t hb[VSOCK_HDR_SIZE];
			vsock_hdr_encode(hb, &d->orphans[--d->norphans].h);
			iov_copy_to(ch.iov + ch.nread, ch.nwrite, 0, hb, sizeof(hb));
			vring_push(vr, ch.head, VSOCK_HDR_SIZE);
			d->rx_pending_irq = true;
			continue;
		}
		struct conn *c = d->rxq_head;
		rxq_pop(d);
		bool requeue;
		uint32_t len = build_packet(d, c, &ch, &requeue);
		if (c->state != S_DEAD) {
			if (requeue)
				rxq_add(d, c);
			conn_sync(d, c);
		}
		if (len) {
			vring_push(vr, ch.head, len);
			d->rx_pending_irq = true;
		}
	}
}

/* ------------------------------------------------------------ host events */

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
	table_del(d, c); /* re-filed under its real ports */
	c->line_len = 0;
	c->peer_port = port;
	c->state = S_CONNECTING;
	while (lookup(d, c->local_cid, d->next_port, port))
		d->next_port = d->next_port == UINT32_MAX ? 1024 : d->next_port + 1;
	c->local_port = d->next_port++;
	table_add(d, c);
	owe(d, c, P_REQUEST);
	conn_sync(d, c);
}

void dev_host_stream(struct dev *d, int fd, bool needs_connect_line, uint32_t guest_port)
{
	struct conn *c = conn_new(d, K_HOST, fd);
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
		table_add(d, c);
		return;
	}
	while (lookup(d, c->local_cid, d->next_port, guest_port))
		d->next_port++;
	c->local_port = d->next_port++;
	c->peer_port = guest_port;
	table_add(d, c);
	owe(d, c, P_REQUEST);
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
		maybe_finish(d, c);
		if (c->state == S_DEAD || c->fd < 0)
			return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		c->hup = true;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		rxq_add(d, c); /* read when the guest has a buffer for it */
	conn_sync(d, c);
}

/* ------------------------------------------------------------ lifecycle */

void dev_reset_conns(struct dev *d)
{
	for (unsigned b = 0; b < 256; b++)
		while (d->buckets[b]) {
			struct conn *c = d->buckets[b];
			free(c->wbuf);
			c->wbuf = NULL;
			if (c->state == S_DEAD) /* cannot happen; never loop on it */
				table_del(d, c);
			else
				conn_kill(d, c);
		}
	d->norphans = 0;
}

void dev_attach(struct dev *d, uint64_t t0_ns)
{
	dev_reset_conns(d);
	vhu_dev_release(&d->vhu);
	vhu_dev_init(&d->vhu, d->o.guest_cid);
	for (unsigned q = 0; q < VHU_NQUEUES; q++)
		d->kick[q].fd = -1;
	d->t0_ns = t0_ns;
}

void dev_after_vhost(struct dev *d)
{
	struct vhu_dev *v = &d->vhu;
	if (v->events & VHU_EV_KICK_FD)
		for (unsigned q = 0; q < VHU_NQUEUES; q++) {
			if (!(v->kick_changed & (1u << q)))
				continue;
			/* The old fd (if any) is already closed, which removed it from epoll. */
			d->kick[q].fd = v->vq[q].kick_fd;
			if (d->kick[q].fd >= 0) {
				struct epoll_event e = {.events = EPOLLIN, .data.ptr = &d->kick[q]};
				epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->kick[q].fd, &e);
			}
		}
	if (v->events & VHU_EV_RESET) {
		if (d->nconns && d->o.verbose)
			logf_(d, "rings stopped (guest reset): dropping %u connections", d->nconns);
		dev_reset_conns(d);
	}
	bool start = v->events & VHU_EV_RING_START;
	v->events = 0;
	v->kick_changed = 0;
	v->started = 0;
	if (start) {
		/* Buffers may have been queued before we took over the ring. */
		dev_process_tx(d);
		dev_process_rx(d);
	}
}

void dev_kick(struct dev *d, unsigned queue)
{
	uint64_t v;
	if (d->kick[queue].fd >= 0 && read(d->kick[queue].fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		/* a dead eventfd: nothing to clear */
	}
	if (queue == VSOCK_TX)
		dev_process_tx(d);
	dev_process_rx(d);
}

static void signal_call(struct vring *vr)
{
	if (vr->call_fd < 0 || !vring_ready(vr) || !vring_wants_irq(vr))
		return;
	uint64_t one = 1;
	if (write(vr->call_fd, &one, sizeof(one)) < 0) {
		/* counter saturated or fd gone: the guest is being reset */
	}
}

void dev_end_batch(struct dev *d)
{
	dev_process_rx(d);
	if (d->tx_pending_irq)
		signal_call(&d->vhu.vq[VSOCK_TX]);
	if (d->rx_pending_irq)
		signal_call(&d->vhu.vq[VSOCK_RX]);
	d->tx_pending_irq = d->rx_pending_irq = false;
	while (d->graveyard) {
		struct conn *c = d->graveyard;
		d->graveyard = c->gnext;
		free(c->wbuf);
		free(c);
	}
}

void dev_release(struct dev *d)
{
	dev_reset_conns(d);
	dev_end_batch(d);
	vhu_dev_release(&d->vhu);
	free(d->orphans);
	d->orphans = NULL;
	if (d->epfd >= 0)
		close(d->epfd);
	d->epfd = -1;
}
