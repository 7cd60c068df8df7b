/*
 * fakeguest.h — plays QEMU and the guest's virtio-vsock driver against a
 * running carve-vsock, over its real vhost-user socket and shared memory.
 * Test and benchmark support only (tests/unit/test_vsock_loop.c,
 * bench/emu-vsock-loop.c); never part of the backend.
 *
 * Layout: one memfd of FG_MEM bytes is the guest memory (GPA 0); rx and tx
 * rings of FG_QSIZE entries; every rx buffer is one writable descriptor of
 * FG_RXBUF bytes (header + payload, like Linux's mergeable-less skbs); every
 * tx packet is one readable descriptor.
 */
#ifndef CARVE_FAKEGUEST_H
#define CARVE_FAKEGUEST_H

#include <stddef.h>
#include <stdint.h>

#include "vsock_proto.h"

#define FG_QSIZE 256
#define FG_RXBUF (4096 + VSOCK_HDR_SIZE)
#define FG_TXBUF (64 * 1024 + VSOCK_HDR_SIZE)
#define FG_MEM (64u << 20)

struct fakeguest {
	int sock;               /* vhost-user connection */
	int memfd;
	uint8_t *mem;
	int kick[2], call[2];   /* eventfds: [0] rx, [1] tx */
	uint16_t rx_used_seen, tx_avail, rx_avail, tx_used_seen;
	unsigned tx_inflight;
	uint64_t cid;           /* from GET_CONFIG */
	int reply_ack;
};

/* Connects to vhost_path and runs QEMU's start sequence.  0 or -errno. */
int fg_open(struct fakeguest *g, const char *vhost_path, int reply_ack);
void fg_close(struct fakeguest *g);
/* The driver's stop (guest reset): disable and stop both rings.  0 or -errno. */
int fg_stop(struct fakeguest *g);
/* The driver's (re)start: features, memory table, fresh rings.  0 or -errno. */
int fg_start(struct fakeguest *g);

/* Makes every rx buffer len bytes long (<= FG_RXBUF), those the device
 * holds already included: an odd guest, e.g. header-only buffers. */
void fg_set_rx_buf_len(struct fakeguest *g, uint32_t len);

/* Queues one packet on tx (waits for a free slot) and kicks.  0 or -errno. */
int fg_send(struct fakeguest *g, const struct vsock_hdr *h, const void *payload, size_t len);
/* The same without the kick: up to FG_QSIZE packets the device sees at
 * once on the next fg_kick_tx (or fg_send). */
int fg_queue(struct fakeguest *g, const struct vsock_hdr *h, const void *payload, size_t len);
void fg_kick_tx(struct fakeguest *g);
/*
 * Takes the next packet from rx, waiting up to timeout_ms; copies at most
 * cap payload bytes to buf.  Returns the payload length, -ETIMEDOUT, or
 * -errno.  The buffer is given back to the device at once.
 */
int fg_recv(struct fakeguest *g, struct vsock_hdr *h, void *buf, size_t cap, int timeout_ms);

#endif
