/* fakeguest.c — QEMU + guest driver stand-in for tests (see fakeguest.h). */
#include "fakeguest.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "byteorder.h"
#include "vhost.h"

/* Ring areas inside guest memory (GPA = offset in the memfd). */
#define RING_BASE(q) ((uint64_t)(q) * 0x3000)
#define DESC(q) RING_BASE(q)
#define AVAIL(q) (RING_BASE(q) + 0x1000)
#define USED(q) (RING_BASE(q) + 0x2000)
#define RXBUFS 0x10000u
#define TXBUFS 0x200000u

static int vmsg(struct fakeguest *g, uint32_t req, uint32_t flags, const void *payload,
		uint32_t size, const int *fds, unsigned nfds, void *reply, uint32_t reply_size)
{
	uint8_t buf[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	store_le32(buf, req);
	store_le32(buf + 4, VHU_FLAG_VERSION | flags);
	store_le32(buf + 8, size);
	if (size) /* payload may be NULL for an empty message */
		memcpy(buf + VHU_HDR_SIZE, payload, size);
	struct iovec iov = {.iov_base = buf, .iov_len = VHU_HDR_SIZE + size};
	union {
		char b[CMSG_SPACE(sizeof(int) * VHU_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds) {
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	if (sendmsg(g->sock, &mh, 0) != (ssize_t)iov.iov_len)
		return -EIO;
	if (!reply_size)
		return 0;
	uint8_t r[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	ssize_t n = recv(g->sock, r, VHU_HDR_SIZE + reply_size, MSG_WAITALL);
	if (n != (ssize_t)(VHU_HDR_SIZE + reply_size) || load_le32(r) != req ||
	    load_le32(r + 4) != (VHU_FLAG_VERSION | VHU_FLAG_REPLY) || load_le32(r + 8) != reply_size)
		return -EPROTO;
	memcpy(reply, r + VHU_HDR_SIZE, reply_size);
	return 0;
}

static int vmsg_u64(struct fakeguest *g, uint32_t req, uint32_t flags, uint64_t v,
		    const int *fds, unsigned nfds, int ack)
{
	uint8_t p[8], r[8];
	store_le64(p, v);
	int err = vmsg(g, req, flags | (ack ? VHU_FLAG_NEED_REPLY : 0), p, 8, fds, nfds, r, ack ? 8 : 0);
	if (!err && ack && load_le64(r) != 0)
		err = -EIO;
	return err;
}

static int vmsg_state(struct fakeguest *g, uint32_t req, uint32_t idx, uint32_t num, int ack)
{
	uint8_t p[8], r[8];
	store_le32(p, idx);
	store_le32(p + 4, num);
	return vmsg(g, req, ack ? VHU_FLAG_NEED_REPLY : 0, p, 8, NULL, 0, r, ack ? 8 : 0);
}

static uint16_t ld16(const uint8_t *p)
{
	uint16_t v = __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
	return load_le16((const uint8_t *)&v);
}

static void st16(uint8_t *p, uint16_t v)
{
	uint16_t le;
	store_le16((uint8_t *)&le, v);
	__atomic_store_n((uint16_t *)p, le, __ATOMIC_RELEASE);
}

static void kick(int fd)
{
	uint64_t one = 1;
	if (write(fd, &one, sizeof(one)) < 0) {
		/* an eventfd write only fails on counter overflow */
	}
}

int fg_open(struct fakeguest *g, const char *vhost_path, int reply_ack)
{
	memset(g, 0, sizeof(*g));
	g->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strncpy(a.sun_path, vhost_path, sizeof(a.sun_path) - 1);
	if (g->sock < 0 || connect(g->sock, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	g->memfd = memfd_create("fakeguest", MFD_CLOEXEC);
	if (g->memfd < 0 || ftruncate(g->memfd, FG_MEM) < 0)
		return -errno;
	g->mem = mmap(NULL, FG_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
	if (g->mem == MAP_FAILED)
		return -errno;
	for (int q = 0; q < 2; q++) {
		g->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		g->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	uint8_t r[32];
	int err;
	/* QEMU's realize sequence, then the driver's start (qemu-vsock.md §3.4). */
	if ((err = vmsg(g, VHU_GET_FEATURES, 0, NULL, 0, NULL, 0, r, 8)))
		return err;
	uint64_t proto = 1u << VHU_PROTO_CONFIG | (reply_ack ? 1u << VHU_PROTO_REPLY_ACK : 0);
	if ((err = vmsg_u64(g, VHU_SET_PROTOCOL_FEATURES, 0, proto, NULL, 0, 0)) ||
	    (err = vmsg(g, VHU_SET_OWNER, 0, NULL, 0, NULL, 0, NULL, 0)))
		return err;
	uint8_t cfg[20] = {0};
	store_le32(cfg + 4, 8);
	if ((err = vmsg(g, VHU_GET_CONFIG, 0, cfg, 20, NULL, 0, r, 20)))
		return err;
	g->cid = load_le64(r + 12);
	g->reply_ack = reply_ack;
	return fg_start(g);
}

int fg_start(struct fakeguest *g)
{
	int reply_ack = g->reply_ack, err;
	uint8_t r[32];
	/* Fresh rings, as a rebooted driver would set them up. */
	memset(g->mem, 0, TXBUFS);
	g->rx_used_seen = g->tx_avail = g->rx_avail = g->tx_used_seen = 0;
	/* Legacy virtio-mmio: no VERSION_1, just PROTOCOL_FEATURES. */
	if ((err = vmsg_u64(g, VHU_SET_FEATURES, 0, 1ULL << VHOST_USER_F_PROTOCOL_FEATURES, NULL, 0, 0)))
		return err;
	uint8_t mt[8 + 32] = {0};
	store_le32(mt, 1);
	store_le64(mt + 8, 0);
	store_le64(mt + 16, FG_MEM);
	store_le64(mt + 24, (uint64_t)(uintptr_t)g->mem);
	store_le64(mt + 32, 0);
	if ((err = vmsg(g, VHU_SET_MEM_TABLE, reply_ack ? VHU_FLAG_NEED_REPLY : 0, mt, sizeof(mt),
			&g->memfd, 1, r, reply_ack ? 8 : 0)))
		return err;
	/* rx buffers: all posted up front. */
	for (unsigned i = 0; i < FG_QSIZE; i++) {
		uint8_t *d = g->mem + DESC(0) + 16 * i;
		store_le64(d, RXBUFS + (uint64_t)i * FG_RXBUF);
		store_le32(d + 8, FG_RXBUF);
		store_le16(d + 12, 2 /* WRITE */);
		store_le16(g->mem + AVAIL(0) + 4 + 2 * i, (uint16_t)i);
	}
	g->rx_avail = FG_QSIZE;
	st16(g->mem + AVAIL(0) + 2, g->rx_avail);
	for (unsigned q = 0; q < 2; q++) {
		uint8_t ad[40] = {0};
		store_le32(ad, q);
		store_le64(ad + 8, (uint64_t)(uintptr_t)(g->mem + DESC(q)));
		store_le64(ad + 16, (uint64_t)(uintptr_t)(g->mem + USED(q)));
		store_le64(ad + 24, (uint64_t)(uintptr_t)(g->mem + AVAIL(q)));
		if ((err = vmsg_state(g, VHU_SET_VRING_NUM, q, FG_QSIZE, 0)) ||
		    (err = vmsg_state(g, VHU_SET_VRING_BASE, q, 0, 0)) ||
		    (err = vmsg(g, VHU_SET_VRING_ADDR, 0, ad, 40, NULL, 0, NULL, 0)) ||
		    (err = vmsg_u64(g, VHU_SET_VRING_KICK, 0, q, &g->kick[q], 1, reply_ack)) ||
		    (err = vmsg_u64(g, VHU_SET_VRING_CALL, 0, q, &g->call[q], 1, reply_ack)))
			return err;
	}
	for (unsigned q = 0; q < 2; q++)
		if ((err = vmsg_state(g, VHU_SET_VRING_ENABLE, q, 1, reply_ack)))
			return err;
	return 0;
}

int fg_stop(struct fakeguest *g)
{
	uint8_t r[8];
	int err;
	for (unsigned q = 0; q < 2; q++)
		if ((err = vmsg_state(g, VHU_SET_VRING_ENABLE, q, 0, g->reply_ack)))
			return err;
	for (unsigned q = 0; q < 2; q++) {
		uint8_t p[8] = {0};
		store_le32(p, q);
		if ((err = vmsg(g, VHU_GET_VRING_BASE, 0, p, 8, NULL, 0, r, 8)))
			return err;
	}
	return 0;
}

void fg_close(struct fakeguest *g)
{
	if (g->sock >= 0)
		close(g->sock);
	if (g->mem && g->mem != MAP_FAILED)
		munmap(g->mem, FG_MEM);
	if (g->memfd >= 0)
		close(g->memfd);
	for (int q = 0; q < 2; q++) {
		close(g->kick[q]);
		close(g->call[q]);
	}
}

static int wait_call(struct fakeguest *g, int q, int timeout_ms)
{
	struct pollfd p = {.fd = g->call[q], .events = POLLIN};
	int n = poll(&p, 1, timeout_ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	uint64_t v;
	if (read(g->call[q], &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

void fg_set_rx_buf_len(struct fakeguest *g, uint32_t len)
{
	for (unsigned i = 0; i < FG_QSIZE; i++)
		store_le32(g->mem + DESC(0) + 16 * i + 8, len);
}

int fg_queue(struct fakeguest *g, const struct vsock_hdr *h, const void *payload, size_t len)
{
	if (len > FG_TXBUF - VSOCK_HDR_SIZE)
		return -EMSGSIZE;
	/* The device consumes tx synchronously on a kick; wait if all slots are out. */
	while ((uint16_t)(g->tx_avail - ld16(g->mem + USED(1) + 2)) >= FG_QSIZE) {
		int err = wait_call(g, 1, 5000);
		if (err)
			return err;
	}
	unsigned slot = g->tx_avail % FG_QSIZE;
	uint64_t gpa = TXBUFS + (uint64_t)slot * FG_TXBUF;
	vsock_hdr_encode(g->mem + gpa, h);
	if (len)
		memcpy(g->mem + gpa + VSOCK_HDR_SIZE, payload, len);
	uint8_t *d = g->mem + DESC(1) + 16 * slot;
	store_le64(d, gpa);
	store_le32(d + 8, (uint32_t)(VSOCK_HDR_SIZE + len));
	store_le16(d + 12, 0);
	store_le16(g->mem + AVAIL(1) + 4 + 2 * slot, (uint16_t)slot);
	g->tx_avail++;
	st16(g->mem + AVAIL(1) + 2, g->tx_avail);
	return 0;
}

void fg_kick_tx(struct fakeguest *g)
{
	kick(g->kick[1]);
}

int fg_send(struct fakeguest *g, const struct vsock_hdr *h, const void *payload, size_t len)
{
	int err = fg_queue(g, h, payload, len);
	if (!err)
		fg_kick_tx(g);
	return err;
}

int fg_recv(struct fakeguest *g, struct vsock_hdr *h, void *buf, size_t cap, int timeout_ms)
{
	while (ld16(g->mem + USED(0) + 2) == g->rx_used_seen) {
		int err = wait_call(g, 0, timeout_ms);
		if (err)
			return err;
	}
	const uint8_t *e = g->mem + USED(0) + 4 + 8 * (g->rx_used_seen % FG_QSIZE);
	uint32_t id = load_le32(e), len = load_le32(e + 4);
	g->rx_used_seen++;
	if (id >= FG_QSIZE || len < VSOCK_HDR_SIZE || len > FG_RXBUF)
		return -EPROTO;
	const uint8_t *b = g->mem + RXBUFS + (uint64_t)id * FG_RXBUF;
	vsock_hdr_decode(b, h);
	size_t n = len - VSOCK_HDR_SIZE;
	if (h->len != n)
		return -EPROTO;
	memcpy(buf, b + VSOCK_HDR_SIZE, n < cap ? n : cap);
	/* Give the buffer back and tell the device. */
	store_le16(g->mem + AVAIL(0) + 4 + 2 * (g->rx_avail % FG_QSIZE), (uint16_t)id);
	g->rx_avail++;
	st16(g->mem + AVAIL(0) + 2, g->rx_avail);
	kick(g->kick[0]);
	return (int)n;
}
