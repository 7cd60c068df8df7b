/*
 * dev_guest.c — the device's rings: packets the guest sends (tx) are
 * dispatched to their connection, packets for the guest (rx) are built
 * from what each queued connection owes, and the built-in port 9000/9001
 * responders answer streams nobody on the host accepts (see dev.h).
 */
#include "dev_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "atomicfile.h"

/* Largest payload per rx packet (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
#define MAX_PKT_PAYLOAD (64u * 1024)
#define HEARTBEAT_BYTE 0xB7
#define ORPHANS_MAX 4096
/* tx entries taken per kick (see process_tx). */
#define TX_BATCH 64

struct orphan_rst {
	struct vsock_hdr h;
};

void orphan_rst(struct dev *d, const struct vsock_hdr *in)
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

/* ------------------------------------------------------------ built-ins */

static void record_exit_status(struct dev *d, char *line)
{
	char *end;
	long v = strtol(line, &end, 10);
	if (end == line || *end || v < 0 || v > 255) {
		for (char *p = line; *p; p++) /* the guest's bytes: no escapes to the terminal */
			if (*p < 0x20 || *p > 0x7e)
				*p = '?';
		dev_log(d, "ignoring a malformed exit status line from the enclave: '%s'", line);
		return;
	}
	d->exit_status = (int)v;
	dev_log(d, "exit status %ld from the enclave (port %u)", v, PORT_STATUS);
	if (d->o.status_file) {
		char buf[8];
		int len = snprintf(buf, sizeof(buf), "%ld\n", v);
		int err = atomic_write_file(d->o.status_file, buf, (size_t)len, 0644);
		if (err < 0)
			dev_log(d, "cannot write %s: %s", d->o.status_file, strerror(-err));
	}
}

static void builtin_input(struct dev *d, struct conn *c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (c->kind == K_HEARTBEAT) {
			/* One heartbeat is one byte: log the first only, and echo
			 * no more than obuf holds until the guest reads it. */
			if (c->fwd_cnt + i == 0)
				dev_log(d, "heartbeat 0x%02x from the enclave (port %u)", p[i], PORT_HEARTBEAT);
			if (c->olen == sizeof(c->obuf))
				break;
			c->obuf[c->olen++] = d->o.heartbeat == HB_WRONG ? (uint8_t)~HEARTBEAT_BYTE : p[i];
			continue;
		}
		if (c->line_done) /* one status per connection: no fsync flood */
			break;
		if (p[i] != '\n') {
			if (c->line_len < sizeof(c->line) - 1)
				c->line[c->line_len++] = (char)p[i];
			continue;
		}
		c->line[c->line_len] = 0;
		record_exit_status(d, c->line);
		c->line_done = true;
	}
	conn_forwarded(d, c, n);
	if (c->olen)
		rxq_add(d, c);
}

/* Whether the responder still looks at input: the heartbeat while its echo
 * has room, the status receiver until its line is complete. */
static bool builtin_takes_more(const struct conn *c)
{
	return c->kind == K_HEARTBEAT ? c->olen < sizeof(c->obuf) : !c->line_done;
}

/* ------------------------------------------------------------ tx */

static void guest_data(struct dev *d, struct conn *c, const struct iovec *iov, unsigned n, size_t len)
{
	d->bytes_from_guest += len;
	if (c->guest_no_send)
		return;
	if (c->kind == K_HOST) {
		host_write(d, c, iov, n, len);
		return;
	}
	/* The responders look at a few bytes only: no copying beyond them. */
	uint8_t tmp[64];
	size_t off = 0;
	while (off < len && builtin_takes_more(c)) {
		size_t k = iov_copy_from(iov, n, off, tmp, sizeof(tmp));
		builtin_input(d, c, tmp, k);
		off += k;
	}
	conn_forwarded(d, c, len - off); /* dropped unread: its credit goes back */
}

/* Every guest packet, the REQUEST too, carries the guest's receive buffer
 * and how much of it its reader has consumed. */
static void take_peer_credit(struct conn *c, const struct vsock_hdr *h)
{
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
}

static void guest_request(struct dev *d, const struct vsock_hdr *h)
{
	if (h->dst_cid != VSOCK_HOST_CID && h->dst_cid != VSOCK_PARENT_CID) {
		orphan_rst(d, h); /* no sibling VMs here */
		return;
	}
	if (d->nconns >= CONNS_MAX) {
		if (d->o.verbose)
			dev_log(d, "guest connect to port %u refused: %u connections open", h->dst_port, d->nconns);
		orphan_rst(d, h);
		return;
	}
	int fd = host_connect_port(d->o.uds_path, h->dst_port);
	enum conn_kind kind = K_HOST;
	if (fd < 0) {
		if (h->dst_port == PORT_HEARTBEAT && d->o.heartbeat != HB_NONE)
			kind = K_HEARTBEAT;
		else if (h->dst_port == PORT_STATUS)
			kind = K_STATUS;
		else {
			if (d->o.verbose)
				dev_log(d, "guest connect to port %u refused: %s_%u: %s", h->dst_port,
					d->o.uds_path, h->dst_port, strerror(-fd));
			orphan_rst(d, h);
			return;
		}
	}
	struct conn *c = conn_new(kind, kind == K_HOST ? fd : -1);
	if (!c) {
		if (fd >= 0)
			close(fd);
		orphan_rst(d, h);
		return;
	}
	c->local_cid = h->dst_cid;
	c->local_port = h->dst_port;
	c->peer_port = h->src_port;
	take_peer_credit(c, h); /* a server that speaks first needs it at once */
	c->state = S_ESTABLISHED;
	if (fd >= 0) {
		struct epoll_event e = {.events = 0, .data.ptr = c};
		c->registered = epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &e) == 0;
	}
	conn_table_add(d, c);
	if (d->o.verbose)
		dev_log(d, "guest port %u connected to %s port %u", c->peer_port,
			kind == K_HOST ? "host" : "built-in", c->local_port);
	conn_owe(d, c, P_RESPONSE);
}

/* One packet from the tx ring. */
static void guest_packet(struct dev *d, const struct vsock_hdr *h, const struct iovec *iov,
			 unsigned n, size_t payload)
{
	if (h->src_cid != d->o.guest_cid || h->type != VSOCK_TYPE_STREAM) {
		orphan_rst(d, h);
		return;
	}
	struct conn *c = conn_lookup(d, h->dst_cid, h->dst_port, h->src_port);
	if (!c) {
		if (h->op == VSOCK_OP_REQUEST)
			guest_request(d, h);
		else
			orphan_rst(d, h);
		return;
	}
	take_peer_credit(c, h);
	switch (h->op) {
	case VSOCK_OP_RESPONSE:
		if (c->state == S_CONNECTING) {
			c->state = S_ESTABLISHED;
			c->ok_due = c->needs_line;
			if (d->o.verbose)
				dev_log(d, "host stream connected to guest port %u", c->peer_port);
		}
		break;
	case VSOCK_OP_RW:
		if (c->state != S_ESTABLISHED)
			conn_reset(d, c, "data before the connection was up");
		else if (payload > conn_rx_room(c)) /* also bounds the work one packet makes */
			conn_reset(d, c, "guest exceeded its credit");
		else
			guest_data(d, c, iov, n, payload);
		break;
	case VSOCK_OP_SHUTDOWN:
		c->guest_no_rcv |= (h->flags & VSOCK_SHUTDOWN_RCV) != 0;
		c->guest_no_send |= (h->flags & VSOCK_SHUTDOWN_SEND) != 0;
		host_finish_if_done(d, c);
		break;
	case VSOCK_OP_RST:
		if (c->state == S_CONNECTING && d->o.verbose)
			dev_log(d, "guest refused a host stream to port %u", c->peer_port);
		conn_kill(d, c);
		return;
	case VSOCK_OP_CREDIT_REQUEST:
		conn_owe(d, c, P_CREDIT);
		break;
	case VSOCK_OP_CREDIT_UPDATE:
		break;
	case VSOCK_OP_REQUEST: /* a second REQUEST on a live connection */
	default:
		conn_reset(d, c, "unexpected REQUEST");
		return;
	}
	if (c->state != S_DEAD) {
		if (conn_can_send_data(c) && conn_credit(c) > 0)
			rxq_add(d, c); /* new credit may unblock host data */
		conn_sync(d, c);
	}
}

/* Our own notification on the tx ring: the loop comes back to it after
 * the other events that are due. */
static void kick_again(const struct vring *vr)
{
	uint64_t one = 1;
	if (vr->kick_fd >= 0 && write(vr->kick_fd, &one, sizeof(one)) < 0) {
		/* counter saturated: a kick is pending anyway */
	}
}

/*
 * Takes what the guest queued on tx: TX_BATCH entries a kick, then the
 * rest after a loop round (a guest republishing entries as fast as we take
 * them must not keep QEMU's requests and the rx ring waiting); a drain
 * (ignore_enable) takes at most one ring's worth, what a guest can queue.
 */
static void process_tx(struct dev *d, bool ignore_enable)
{
	struct vring *vr = &d->vhu.vq[VSOCK_TX];
	if (!vring_ready(vr) && !(ignore_enable && vr->num && vr->desc && vr->started))
		return;
	struct vchain ch;
	int r;
	bool any = false;
	unsigned budget = ignore_enable ? vr->num : TX_BATCH;
	while (budget > 0 && (r = vring_peek(vr, &d->vhu.mem, &ch)) != 0 && r != -EPROTO) {
		any = true;
		budget--;
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
	if (budget == 0 && !ignore_enable)
		kick_again(vr);
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

/* Host bytes into the chain's payload, at most room (> 0): the count, 0 at
 * the host's EOF, or -errno (-EAGAIN: nothing yet). */
static ssize_t read_host(struct conn *c, struct vchain *ch, size_t room)
{
	struct iovec pv[VCHAIN_MAX_IOV];
	unsigned pn = iov_slice(ch->iov + ch->nread, ch->nwrite, VSOCK_HDR_SIZE, room, pv, VCHAIN_MAX_IOV);
	if (c->kind != K_HOST) {
		size_t n = iov_copy_to(pv, pn, 0, c->obuf, c->olen < room ? c->olen : room);
		memmove(c->obuf, c->obuf + n, c->olen - n);
		c->olen -= n;
		return (ssize_t)n;
	}
	ssize_t n;
	do
		n = readv(c->fd, pv, (int)pn);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Whether the host has bytes for the guest, without taking any: 1, 0 at
 * the host's EOF, or -errno (-EAGAIN: nothing yet). */
static int peek_host(const struct conn *c)
{
	if (c->kind != K_HOST)
		return 1; /* conn_can_send_data: the responder holds bytes */
	char b;
	ssize_t n;
	do
		n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : (int)n;
}

/*
 * The data part of build_packet, for a connection that may send host data:
 * RW when the guest's credit and the buffer leave room, otherwise what lets
 * the stream go on.  Returns the op to send (*len: its payload), or 0 when
 * there is nothing to send now (at the host's EOF P_SHUTDOWN is owed, after
 * a failed read P_RST).
 */
static uint16_t host_data(struct dev *d, struct conn *c, struct vchain *ch, uint32_t *len, bool *requeue)
{
	uint32_t credit = conn_credit(c);
	size_t room = ch->write_len - VSOCK_HDR_SIZE;
	if (room > credit)
		room = credit;
	if (room > MAX_PKT_PAYLOAD)
		room = MAX_PKT_PAYLOAD;
	/* With no room only a peek: a 0-byte readv would read as the host's EOF. */
	ssize_t n = room ? read_host(c, ch, room) : peek_host(c);
	if (n == 0) {
		c->host_eof = true;
		c->pend |= P_SHUTDOWN;
		return 0;
	}
	if (n < 0) {
		if (n != -EAGAIN)
			conn_reset(d, c, "host read failed");
		return 0;
	}
	if (room == 0 && credit > 0) {
		/* Host data, and a buffer with room for the header only.  It
		 * takes a CREDIT_UPDATE: left unused at the head of the ring
		 * it would hold the data back for good, and the host read,
		 * re-armed, would fire at once again and again.  Not requeued:
		 * the next buffer comes through that read, one a loop round,
		 * so a guest posting only such buffers cannot hold us here. */
		return VSOCK_OP_CREDIT_UPDATE;
	}
	if (room == 0) {
		/* Host data waits for credit.  Linux announces freed space by
		 * itself; ask once per stall for a guest that does not (a
		 * request with buf_alloc 0, say), never again until credit
		 * came: a guest answering "still 0" must not make us ping-pong. */
		if (c->credit_asked)
			return 0;
		c->credit_asked = true;
		return VSOCK_OP_CREDIT_REQUEST;
	}
	*len = (uint32_t)n;
	c->tx_cnt += (uint32_t)n;
	c->credit_asked = false;
	d->bytes_to_guest += (uint64_t)n;
	/* Full read: probably more waiting; let others have a turn first. */
	*requeue = true;
	return VSOCK_OP_RW;
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
	if (conn_can_send_data(c)) {
		uint32_t len = 0;
		uint16_t op = host_data(d, c, ch, &len, requeue);
		if (c->pend & P_RST) /* the host read failed */
			return build_packet(d, c, ch, requeue);
		if (op) {
			fill_hdr(d, c, &h, op);
			h.len = len;
			goto out;
		}
	}
	if (c->pend & P_SHUTDOWN) {
		fill_hdr(d, c, &h, VSOCK_OP_SHUTDOWN);
		/* Host EOF: we send no more.  A host that closed (hangup) takes
		 * nothing more either: RCV too, as Linux's close() says, so a
		 * Linux guest answers RST at once (or at its close) instead of
		 * its own SHUTDOWN and a wait for our RST.  After a half close
		 * we keep receiving until the guest closes. */
		h.flags = VSOCK_SHUTDOWN_SEND | (c->hup ? VSOCK_SHUTDOWN_RCV : 0);
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
		if (r == 0 || r == -EPROTO)
			break; /* ring full (stays queued until the guest refills) or broken */
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
		struct conn *c = rxq_pop(d);
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
