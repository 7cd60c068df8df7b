/*
 * dev_internal.h — what the device's files share; internal to carve-vsock,
 * not a contract for anyone outside emu/vsock/dev*.c.
 *
 *   dev.c        the device's life (QEMU attach, ring events, batches), the
 *                connection table, the queue of connections owing the guest
 *                a packet, and a connection's common state changes
 *   dev_guest.c  the rings: guest packets in (tx), packets to the guest (rx),
 *                the built-in port 9000/9001 responders
 *   dev_host.c   the host sockets: connecting to "<path>_P", the CONNECT
 *                handshake, guest bytes out to the host, host socket events
 *
 * A struct conn belongs to the device from conn_new() until dev_end_batch()
 * frees it; conn_kill() only moves it to the graveyard, so a pointer taken
 * during an event batch stays valid (check state != S_DEAD) until the
 * batch ends.  Every function here takes non-NULL pointers.
 */
#ifndef CARVE_VSOCK_DEV_INTERNAL_H
#define CARVE_VSOCK_DEV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "dev.h"
#include "vsock_proto.h"

/* Our receive buffer per connection (what the guest may have in flight to us). */
#define WBUF_SIZE (256u * 1024)
#define PORT_HEARTBEAT 9000
#define PORT_STATUS 9001
#define LINE_MAX_LEN 64
/* Connections at most (each may buffer WBUF_SIZE): more guest requests get
 * RST, so a guest cannot make the backend allocate without bound. */
#define CONNS_MAX 1024

enum conn_kind { K_HOST, K_HEARTBEAT, K_STATUS };
/* S_HELLO: a host client still owes its CONNECT line; the guest knows nothing yet. */
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
	bool credit_asked;            /* CREDIT_REQUEST sent since the guest's credit ran out */
	uint32_t fwd_cnt, fwd_cnt_sent;
	unsigned pend;
	bool host_eof, host_wr_shut;  /* host sent EOF / we shut the host's write side */
	bool guest_no_send, guest_no_rcv;
	bool in_rxq, hup;
	uint8_t *wbuf;                /* guest -> host bytes not yet written (ring) */
	size_t whead, wlen;
	char line[LINE_MAX_LEN];      /* CONNECT line / exit-status line */
	size_t line_len;
	bool line_done;               /* the exit-status line has arrived */
	uint8_t obuf[16];             /* built-in replies to the guest */
	size_t olen;
	struct conn *hnext, *rxnext, *gnext;
};

/* stderr line "carve-vsock: [seconds since QEMU started] ...". */
void dev_log(const struct dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* dev.c: the connection table.  conn_lookup() finds only connections the
 * guest knows of (not S_HELLO, not S_DEAD). */
struct conn *conn_lookup(struct dev *d, uint64_t local_cid, uint32_t local_port, uint32_t peer_port);
void conn_table_add(struct dev *d, struct conn *c);
void conn_table_del(struct dev *d, struct conn *c);
/* A zeroed connection owning fd (-1 for built-ins); NULL when out of memory. */
struct conn *conn_new(enum conn_kind kind, int fd);

/* dev.c: the rx queue, connections with something for the guest (S_HELLO never joins). */
void rxq_add(struct dev *d, struct conn *c);
/* Takes the head off the queue; the queue must not be empty. */
struct conn *rxq_pop(struct dev *d);

/* dev.c: connection state. */
uint32_t conn_credit(const struct conn *c);
/* What the guest may still send us: the credit we granted it (buf_alloc
 * WBUF_SIZE, fwd_cnt as last sent) less what it sent since. */
uint32_t conn_rx_room(const struct conn *c);
/* n guest bytes were consumed (written to the host, or taken or dropped by
 * a responder): counts them, owes a CREDIT_UPDATE once ¼ of our buffer is
 * free again and the guest has not heard of it. */
void conn_forwarded(struct dev *d, struct conn *c, size_t n);
/* Whether host data may flow to the guest right now (credit permitting). */
bool conn_can_send_data(const struct conn *c);
/* Re-registers the host fd for what the connection can do now. */
void conn_sync(struct dev *d, struct conn *c);
/* Forget the connection now (no packet owed). */
void conn_kill(struct dev *d, struct conn *c);
/* Close the host side and owe the guest an RST (why: logged when verbose, or NULL). */
void conn_reset(struct dev *d, struct conn *c, const char *why);
/* Owe the guest the control packets p (P_*). */
void conn_owe(struct dev *d, struct conn *c, unsigned p);

/* dev_guest.c: owe the guest an RST for a packet that has no connection. */
void orphan_rst(struct dev *d, const struct vsock_hdr *in);

/* dev_host.c. */
/* Connects to the Unix socket "<base>_<port>": a nonblocking fd, or -errno. */
int host_connect_port(const char *base, uint32_t port);
/* Guest payload to the host socket: written now where possible, the rest
 * buffered; len is within conn_rx_room(). */
void host_write(struct dev *d, struct conn *c, const struct iovec *iov, unsigned n, size_t len);
/* Once the guest sends no more and all of it reached the host: pass the EOF on. */
void host_finish_if_done(struct dev *d, struct conn *c);

#endif
