/*
 * vsock_proto.h — virtio-vsock packet headers, stream credit arithmetic and
 * the host-side "CONNECT <port>\n" line (Firecracker's hybrid Unix-socket
 * convention).  Pure functions: no I/O, no allocation.
 */
#ifndef CARVE_VSOCK_PROTO_H
#define CARVE_VSOCK_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define VSOCK_HDR_SIZE 44
#define VSOCK_TYPE_STREAM 1
#define VSOCK_HOST_CID 2
#define VSOCK_PARENT_CID 3

enum {
	VSOCK_OP_INVALID = 0,
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};

/* SHUTDOWN flags: the sender will receive (RCV) / send (SEND) no more. */
#define VSOCK_SHUTDOWN_RCV 1u
#define VSOCK_SHUTDOWN_SEND 2u

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port;
	uint32_t len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
};

void vsock_hdr_decode(const uint8_t b[VSOCK_HDR_SIZE], struct vsock_hdr *h);
void vsock_hdr_encode(uint8_t b[VSOCK_HDR_SIZE], const struct vsock_hdr *h);

/*
 * Bytes a sender may still put in flight: peer_buf_alloc minus the bytes
 * sent (tx_cnt, free-running) but not yet consumed (peer_fwd_cnt), in u32
 * wrap-around arithmetic; 0 when the peer claims more in flight than its
 * buffer (a confused or shrinking peer).
 */
uint32_t vsock_credit(uint32_t peer_buf_alloc, uint32_t tx_cnt, uint32_t peer_fwd_cnt);

/*
 * Parses "CONNECT <port>\n" (keyword case-insensitive, blanks around the
 * port allowed, optional '\r').  line is the text up to and excluding the
 * '\n'.  Returns 0 with *port set, or -EINVAL.
 */
int vsock_parse_connect(const char *line, size_t len, uint32_t *port);

#endif
