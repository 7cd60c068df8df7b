/*
 * vhost.h — the backend side of the vhost-user protocol for a vsock device
 * (docs/interop/vhost-user.rst; which messages QEMU sends and when:
 * ../shared/reference/qemu-vsock.md §3).
 *
 * Offered: virtio features VERSION_1 | PROTOCOL_FEATURES (bit 30); protocol
 * features CONFIG (the device config is le64 guest_cid) and REPLY_ACK.
 * VERSION_1 is not required: nitro-enclave's virtio-mmio transport is
 * legacy by default and the guest never acks it.  Only queues 0 (rx) and
 * 1 (tx) belong to the backend; QEMU keeps the event queue.
 *
 * A struct vhu_dev is one QEMU connection's device state.  vhu_handle() is
 * pure apart from mmap/munmap/close of the fds a message carries, so tests
 * and the fuzzer drive it with crafted messages.
 */
#ifndef CARVE_VHOST_H
#define CARVE_VHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "vring.h"

enum {
	VHU_GET_FEATURES = 1,
	VHU_SET_FEATURES = 2,
	VHU_SET_OWNER = 3,
	VHU_RESET_OWNER = 4,
	VHU_SET_MEM_TABLE = 5,
	VHU_SET_LOG_BASE = 6,
	VHU_SET_LOG_FD = 7,
	VHU_SET_VRING_NUM = 8,
	VHU_SET_VRING_ADDR = 9,
	VHU_SET_VRING_BASE = 10,
	VHU_GET_VRING_BASE = 11,
	VHU_SET_VRING_KICK = 12,
	VHU_SET_VRING_CALL = 13,
	VHU_SET_VRING_ERR = 14,
	VHU_GET_PROTOCOL_FEATURES = 15,
	VHU_SET_PROTOCOL_FEATURES = 16,
	VHU_GET_QUEUE_NUM = 17,
	VHU_SET_VRING_ENABLE = 18,
	VHU_GET_CONFIG = 24,
	VHU_SET_CONFIG = 25,
};

#define VHU_HDR_SIZE 12
#define VHU_MAX_PAYLOAD 512
#define VHU_MAX_FDS 8
#define VHU_FLAG_VERSION 0x1
#define VHU_FLAG_REPLY 0x4
#define VHU_FLAG_NEED_REPLY 0x8

#define VIRTIO_F_VERSION_1 32
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VHU_PROTO_REPLY_ACK 3
#define VHU_PROTO_CONFIG 9

#define VSOCK_RX 0
#define VSOCK_TX 1
#define VHU_NQUEUES 2

struct vhu_msg {
	uint32_t req, flags, size;
	uint8_t payload[VHU_MAX_PAYLOAD];
	int fds[VHU_MAX_FDS];
	unsigned nfds;
};

/* What the device layer must do after a message (bit set). */
enum {
	VHU_EV_RING_START = 4, /* a ring became ready: process it */
	VHU_EV_RESET = 16,    /* a ring stopped (guest reset): drop connections */
};

struct vhu_dev {
	uint64_t guest_cid;
	uint64_t features, protocol_features; /* acked */
	bool owned;
	struct gmem mem;
	size_t map_len[GMEM_MAX_REGIONS];
	void *map_base[GMEM_MAX_REGIONS];
	struct vring vq[VHU_NQUEUES];
	struct vring scratch;         /* messages for queues >= VHU_NQUEUES */
	unsigned events;              /* VHU_EV_* since the caller last cleared it */
	unsigned started;             /* bit per queue that (re)started */
};

void vhu_dev_init(struct vhu_dev *d, uint64_t guest_cid);
/* Unmaps memory and closes every fd the device holds. */
void vhu_dev_release(struct vhu_dev *d);

/*
 * Checks a received header + payload size before the payload is read:
 * 0, or -EPROTO (bad version/flags) / -EMSGSIZE (payload too big).
 */
int vhu_check_header(const uint8_t hdr[VHU_HDR_SIZE], uint32_t *req, uint32_t *flags,
		     uint32_t *size);

/*
 * Applies one message.  Takes ownership of m->fds (closed or kept).  When
 * a reply is due, writes it (header + payload) to reply, sets *reply_len
 * and returns 0; *reply_len = 0 means no reply.  Returns -errno for a
 * message that is malformed beyond an error reply (the caller drops the
 * connection).
 */
int vhu_handle(struct vhu_dev *d, struct vhu_msg *m, uint8_t *reply, size_t *reply_len);

#endif
