/*
 * dev.c — the device's life (QEMU attach, kicks, event batches) and the
 * connection bookkeeping the packet and host files share (see dev.h,
 * dev_internal.h).
 */
#include "dev_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

uint64_t dev_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void dev_log(const struct dev *d, const char *fmt, ...)
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

struct conn *conn_lookup(struct dev *d, uint64_t local_cid, uint32_t local_port, uint32_t peer_port)
{
	for (struct conn *c = d->buckets[bucket(local_port, peer_port)]; c; c = c->hnext)
		if (c->local_port == local_port && c->peer_port == peer_port &&
		    c->local_cid == local_cid && c->state != S_DEAD && c->state != S_HELLO)
			return c;
	return NULL;
}

void conn_table_add(struct dev *d, struct conn *c)
{
	unsigned b = bucket(c->local_port, c->peer_port);
	c->hnext = d->buckets[b];
	d->buckets[b] = c;
	d->nconns++;
}

void conn_table_del(struct dev *d, struct conn *c)
{
	for (struct conn **p = &d->buckets[bucket(c->local_port, c->peer_port)]; *p; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			d->nconns--;
			return;
		}
}

struct conn *conn_new(enum conn_kind kind, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->w.kind = W_CONN;
	c->kind = kind;
	c->fd = fd;
	return c;
}

/* ------------------------------------------------------------ rx queue */

void rxq_add(struct dev *d, struct conn *c)
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

struct conn *rxq_pop(struct dev *d)
{
	struct conn *c = d->rxq_head;
	d->rxq_head = c->rxnext;
	if (!d->rxq_head)
		d->rxq_tail = NULL;
	c->in_rxq = false;
	c->rxnext = NULL;
	return c;
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

uint32_t conn_credit(const struct conn *c)
{
	return vsock_credit(c->peer_buf_alloc, c->tx_cnt, c->peer_fwd_cnt);
}

uint32_t conn_rx_room(const struct conn *c)
{
	/* Received = consumed + buffered; the guest counts from the fwd_cnt it knows. */
	return vsock_credit(WBUF_SIZE, c->fwd_cnt + (uint32_t)c->wlen, c->fwd_cnt_sent);
}

void conn_forwarded(struct dev *d, struct conn *c, size_t n)
{
	c->fwd_cnt += (uint32_t)n;
	if (c->fwd_cnt - c->fwd_cnt_sent >= WBUF_SIZE / 4)
		conn_owe(d, c, P_CREDIT); /* before the guest runs dry */
}

bool conn_can_send_data(const struct conn *c)
{
	if (c->state != S_ESTABLISHED || c->guest_no_rcv)
		return false;
	if (c->kind != K_HOST)
		return c->olen > 0;
	return c->fd >= 0 && !c->host_eof;
}

/* Whether host bytes could go anywhere now: to the guest, or (once per
 * stall) into a CREDIT_REQUEST.  Queued connections are read from the rx path. */
static bool wants_host_read(const struct conn *c)
{
	if (c->in_rxq || !conn_can_send_data(c))
		return false;
	return conn_credit(c) > 0 || !c->credit_asked;
}

void conn_sync(struct dev *d, struct conn *c)
{
	if (c->fd < 0)
		return;
	uint32_t ev = 0;
	if (c->state == S_HELLO || wants_host_read(c))
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

void conn_kill(struct dev *d, struct conn *c)
{
	if (c->state == S_DEAD)
		return;
	close_host(d, c);
	rxq_remove(d, c);
	conn_table_del(d, c);
	c->state = S_DEAD;
	c->gnext = d->graveyard;
	d->graveyard = c;
}

void conn_reset(struct dev *d, struct conn *c, const char *why)
{
	if (why && d->o.verbose)
		dev_log(d, "resetting the stream host port %u <-> guest port %u: %s", c->local_port,
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

void conn_owe(struct dev *d, struct conn *c, unsigned p)
{
	c->pend |= p;
	rxq_add(d, c);
}

/* ------------------------------------------------------------ lifecycle */

/* Whether the guest has heard of the connection: not of a host client
 * still owing its CONNECT line or whose REQUEST has not gone out. */
static bool guest_knows(const struct conn *c)
{
	return c->state != S_HELLO && !(c->pend & P_REQUEST);
}

/* Kills every connection (all) or those the guest knows of. */
static void drop_conns(struct dev *d, bool all)
{
	for (unsigned b = 0; b < 256; b++)
		for (struct conn *c = d->buckets[b], *next; c; c = next) {
			next = c->hnext; /* conn_kill unlinks c */
			if (all || guest_knows(c))
				conn_kill(d, c);
		}
	d->norphans = 0;
}

void dev_reset_conns(struct dev *d)
{
	drop_conns(d, false);
}

void dev_unwatch_kicks(struct dev *d)
{
	/* Before vhost-user code closes a kick fd: closing our copy would not
	 * end the epoll watch while QEMU holds the same eventfd, and a stale
	 * watch with a count in it would fire forever. */
	for (unsigned q = 0; q < VHU_NQUEUES; q++)
		if (d->kick[q].fd >= 0) {
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->kick[q].fd, NULL);
			d->kick[q].fd = -1;
		}
}

void dev_attach(struct dev *d, uint64_t t0_ns)
{
	dev_reset_conns(d);
	dev_unwatch_kicks(d);
	vhu_dev_release(&d->vhu);
	vhu_dev_init(&d->vhu, d->o.guest_cid);
	d->t0_ns = t0_ns;
}

void dev_after_vhost(struct dev *d)
{
	struct vhu_dev *v = &d->vhu;
	for (unsigned q = 0; q < VHU_NQUEUES; q++) {
		d->kick[q].fd = v->vq[q].kick_fd;
		if (d->kick[q].fd >= 0) {
			struct epoll_event e = {.events = EPOLLIN, .data.ptr = &d->kick[q]};
			epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->kick[q].fd, &e);
		}
	}
	if (v->events & VHU_EV_RESET) {
		if (d->nconns && d->o.verbose)
			dev_log(d, "rings stopped (guest reset): dropping %u connections", d->nconns);
		dev_reset_conns(d);
	}
	bool start = v->events & VHU_EV_RING_START;
	v->events = 0;
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
	drop_conns(d, true);
	dev_end_batch(d);
	vhu_dev_release(&d->vhu);
	free(d->orphans);
	d->orphans = NULL;
	if (d->epfd >= 0)
		close(d->epfd);
	d->epfd = -1;
}
