/*
 * vsock.h — AF_VSOCK stream connections with a deadline, and the two
 * messages init sends the parent instance (CID 3):
 *
 *   port 9000  heartbeat: send 0xB7, read one byte, require 0xB7 (the
 *              nitro-cli "enclave ready" handshake, echoed so the parent
 *              knows init was still alive after sending).
 *   port 9001  exit status: one ASCII line "<status>\n", 0..255 by the
 *              shell rule, then close.  Ours; best effort.
 *
 * Functions return 0 / a file descriptor, or a negative errno.
 */
#ifndef CARVE_INIT_VSOCK_H
#define CARVE_INIT_VSOCK_H

#include <stdbool.h>
#include <stdint.h>

#define VSOCK_HEARTBEAT_PORT 9000
#define VSOCK_STATUS_PORT 9001
#define VSOCK_HEARTBEAT_BYTE 0xB7

/* A connected, non-blocking, close-on-exec stream to cid:port, or -errno
 * (-ETIMEDOUT when timeout_ms passed first). */
int vsock_connect(uint32_t cid, uint32_t port, int timeout_ms);

/*
 * The heartbeat is split so the parent's round trips overlap init's own
 * setup: hb_start() sends the connect request, hb_send() waits for the
 * connection and writes the byte, hb_complete() reads the answer, retrying
 * the whole exchange with backoff_ms() pauses until budget_ms (counted
 * from hb_start) is spent.  Each try's connect and write are bounded by
 * 2 s and its read by 5 s, all also by what is left of the budget.  Call them in that
 * order, once each.
 */
struct heartbeat {
	int fd;             /* stream of the try in flight, or -1 */
	int err;            /* last failure (negative errno), 0 if none */
	int reply;          /* the wrong byte the parent sent, or -1 */
	unsigned attempts;
	uint64_t start_ms;  /* CLOCK_MONOTONIC */
};
void hb_start(struct heartbeat *hb);
void hb_send(struct heartbeat *hb);
int hb_complete(struct heartbeat *hb, uint32_t budget_ms);

/* Sends "<status>\n" to CID 3 port 9001, then waits for the parent to
 * reset the stream (its receipt); 0 or -errno.  Bounded by timeout_ms in
 * total. */
int vsock_report_status(int status, int timeout_ms);

#endif
