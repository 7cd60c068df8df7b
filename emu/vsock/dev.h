/*
 * dev.h — the vsock device behind vhost-user: stream connections between
 * the guest and host Unix sockets, driven by one epoll loop.
 *
 * Host side (Firecracker's hybrid convention, ../shared/reference/qemu-vsock.md §6):
 *   guest connects to CID 3 (or 2) port P  ->  Unix socket "<path>_P";
 *   host client on "<path>" sends "CONNECT <port>\n", gets "OK <port>\n"
 *   and then a stream to the guest's listener on that port;
 *   TCP forwards: a connection to a forwarded host TCP port becomes a
 *   stream to the guest's listener without the CONNECT line.
 * Built in: port 9000 heartbeat responder (when nobody serves "<path>_9000")
 * and port 9001 exit-status receiver (when nobody serves "<path>_9001").
 *
 * Packets to the guest are never dropped when the rx ring is full: control
 * packets are flags on their connection, host data stays in the host socket
 * until a buffer is free.  The tx ring is always drained.
 *
 * Implemented by dev.c, dev_guest.c and dev_host.c (who does what:
 * dev_internal.h).
 */
#ifndef CARVE_VSOCK_DEV_H
#define CARVE_VSOCK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost.h"

enum heartbeat_mode { HB_ECHO, HB_NONE, HB_WRONG };

/* Every epoll registration points at one of these (first member). */
enum watch_kind {
	W_VHOST_LISTEN, W_VHOST, W_KICK, W_UDS_LISTEN, W_TCP_LISTEN, W_CONN, W_SIGNAL,
};
struct watch {
	enum watch_kind kind;
};

struct kick_watch {
	struct watch w;
	unsigned queue;
	int fd;          /* registered fd, -1 = none */
};

struct conn;
struct orphan_rst;

struct dev_opts {
	const char *uds_path;         /* "<path>"; connections use "<path>_<port>" */
	uint64_t guest_cid;
	enum heartbeat_mode heartbeat;
	const char *status_file;      /* where the exit status goes, or NULL */
	bool verbose;
};

struct dev {
	struct dev_opts o;
	int epfd;
	struct vhu_dev vhu;
	struct kick_watch kick[VHU_NQUEUES];
	struct conn *buckets[256];
	struct conn *rxq_head, *rxq_tail;    /* connections with something for the guest */
	struct conn *graveyard;              /* freed after the current event batch */
	struct orphan_rst *orphans;          /* RSTs owed for unknown connections */
	unsigned norphans, orphans_cap;
	uint32_t next_port;                  /* local ports for host-initiated streams */
	uint64_t t0_ns;                      /* QEMU started (dev_now_ns clock) */
	int exit_status;                     /* -1 until init reported it */
	unsigned nconns;
	bool rx_pending_irq, tx_pending_irq;
	/* Counters for logs and benchmarks. */
	uint64_t bytes_to_guest, bytes_from_guest;
};

/* CLOCK_BOOTTIME in ns: the clock /proc/<pid>/stat start times count in. */
uint64_t dev_now_ns(void);

/* 0 or -errno (epoll). */
int dev_init(struct dev *d, const struct dev_opts *o);
void dev_release(struct dev *d);

/* A new QEMU connection (or none, t0_ns 0): fresh vhost-user state; the
 * old guest's connections are dropped (dev_reset_conns). */
void dev_attach(struct dev *d, uint64_t t0_ns);
/* QEMU went away or the guest reset: drop every connection the guest knows
 * of (the host sees EOF).  Host clients whose REQUEST has not gone out
 * yet keep waiting; it goes out once a guest's rx ring runs. */
void dev_reset_conns(struct dev *d);
/* Around vhu_handle(): stop watching the kick fds before it (it may close
 * or replace them); after it, watch the current ones again, restart rings,
 * drop connections on a reset. */
void dev_unwatch_kicks(struct dev *d);
void dev_after_vhost(struct dev *d);

/* Event entry points (epoll dispatch). */
void dev_kick(struct dev *d, unsigned queue);
void dev_conn_event(struct dev *d, struct conn *c, uint32_t events);
/* A host client accepted on "<path>" (needs the CONNECT line) or a TCP forward. */
void dev_host_stream(struct dev *d, int fd, bool needs_connect_line, uint32_t guest_port);
/* Frees connections closed during the batch and sends due interrupts. */
void dev_end_batch(struct dev *d);

/* Processes the tx ring, then the rx queue (also used by the loopback benchmark). */
void dev_process_tx(struct dev *d);
void dev_process_rx(struct dev *d);
/*
 * Before QEMU stops the tx ring (GET_VRING_BASE, after it disabled it) or
 * when QEMU hangs up: deliver what the guest queued anyway.  The spec wants a disabled ring
 * processed without side effects, but the last packets of a guest that is
 * powering off (init's exit status) must not be lost.
 */
void dev_drain_tx(struct dev *d);

#endif
