/*
 * Fuzz target: the vsock device behind the rings (emu/vsock/dev*.c) fed
 * fuzzed guest packets: guest_packet and the connection table, credit
 * accounting, the built-in heartbeat and exit-status responders
 * (record_exit_status), guest bytes to a host socket, host events, and
 * the packets the device builds for the guest.
 *
 * No QEMU and no backend process (unlike emu/vsock/fakeguest.c): the
 * harness is the guest's driver.  Both rings and their buffers live in
 * one static array registered as guest memory, as vsock_vhost.c maps its
 * ring; the device is driven through the calls main.c's loop makes.  One
 * host listener, "<dir>/v_5000", makes guest connections to port 5000
 * reach a real Unix socket; 9000/9001 go to the built-ins; others get RST.
 *
 * Input: records of
 *   u8 ctl, 44-byte vsock header (as on the ring), u16le n, n payload bytes
 * ctl bit 0: set src_cid (the guest's) and type (stream), so most packets
 *            get past the first check; bit 1: kick (the device takes the
 *            queued packets; otherwise up to a ring's worth queue up);
 *            bit 2: the guest posts no rx buffers this time (a full rx
 *            ring); bit 3: the host accepts the pending connections to
 *            port 5000 and writes the payload to every open one; bit 4:
 *            the host closes them.
 * At the end, QEMU's stop: drain tx, then release the device.
 *
 * Checked: every packet the device gives the guest is a stream packet
 * with a known op, addressed to the guest (an RST: to whoever sent what
 * it refuses), and its used length is the header plus the length the
 * header claims.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "byteorder.h"
#include "../../emu/vsock/dev.h"
#include "../../emu/vsock/vsock_proto.h"

#define CID 16
#define QSZ 16
#define HOST_PORT 5000
#define RXBUF (4096 + VSOCK_HDR_SIZE)
#define TXBUF (65536 + VSOCK_HDR_SIZE)
#define UVA 0x100000u /* QEMU's address of guest-physical 0 */
/* Guest-physical layout: rings, then rx buffers, then tx buffers. */
#define RING_TX 0x0000u
#define RING_RX 0x3000u
#define RXBUFS 0x10000u
#define TXBUFS (RXBUFS + QSZ * RXBUF)
#define GMEM (TXBUFS + QSZ * TXBUF)
#define HOSTS_MAX 64

static uint8_t mem[GMEM];
static char base[64];
static int listener = -1;
static int hosts[HOSTS_MAX];
static unsigned nhosts;

/* Split-ring pieces at gpa: descriptors, then avail at +0x1000, used at +0x2000. */
static uint8_t *desc(uint32_t ring, unsigned i) { return mem + ring + 16 * i; }
static uint8_t *avail(uint32_t ring) { return mem + ring + 0x1000; }
static uint8_t *used(uint32_t ring) { return mem + ring + 0x2000; }

static void set_desc(uint32_t ring, unsigned i, uint64_t addr, uint32_t len, uint16_t flags)
{
	store_le64(desc(ring, i), addr);
	store_le32(desc(ring, i) + 8, len);
	store_le16(desc(ring, i) + 12, flags);
	store_le16(desc(ring, i) + 14, 0);
}

/* Makes head i available on the ring. */
static void post(uint32_t ring, uint16_t *avail_idx, unsigned i)
{
	store_le16(avail(ring) + 4 + 2 * (*avail_idx % QSZ), (uint16_t)i);
	store_le16(avail(ring) + 2, ++*avail_idx);
}

static void start_ring(struct dev *d, unsigned q, uint32_t ring)
{
	struct vring *vr = &d->vhu.vq[q];
	memset(mem + ring, 0, 0x3000);
	vring_init(vr);
	vr->num = QSZ;
	vr->desc_uva = UVA + ring;
	vr->avail_uva = UVA + ring + 0x1000;
	vr->used_uva = UVA + ring + 0x2000;
	if (vring_map(vr, &d->vhu.mem) < 0)
		abort();
	vr->started = vr->enabled = true;
}

static char dir[] = "/tmp/fuzz-vsock-dev.XXXXXX";

static void host_cleanup(void)
{
	char path[sizeof(base) + 16];
	snprintf(path, sizeof(path), "%s_%u", base, HOST_PORT);
	unlink(path);
	rmdir(dir);
}

static void host_setup(void)
{
	signal(SIGPIPE, SIG_IGN); /* as main.c: a host that closed is an EPIPE */
	if (!mkdtemp(dir))
		abort();
	atexit(host_cleanup); /* make test replays this target every run */
	snprintf(base, sizeof(base), "%s/v", dir);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s_%u", base, HOST_PORT);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(listener, 64) < 0)
		abort();
}

static void host_accept_and_write(const uint8_t *p, size_t n)
{
	int fd;
	while (nhosts < HOSTS_MAX && (fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		hosts[nhosts++] = fd;
	for (unsigned i = 0; i < nhosts; i++)
		(void)!send(hosts[i], p, n, MSG_NOSIGNAL);
}

static void host_close_all(void)
{
	int fd;
	while ((fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0) /* never accepted */
		close(fd);
	while (nhosts)
		close(hosts[--nhosts]);
}

/* What main.c's loop does for host socket events, without waiting. */
static void host_events(struct dev *d)
{
	struct epoll_event ev[16];
	int n = epoll_wait(d->epfd, ev, 16, 0);
	for (int i = 0; i < n; i++)
		if (((struct watch *)ev[i].data.ptr)->kind == W_CONN)
			dev_conn_event(d, ev[i].data.ptr, ev[i].events);
	dev_end_batch(d);
}

/* The guest's rx side: checks what the device wrote, then (unless told
 * not to) gives the buffers back. */
static void guest_rx(uint16_t *seen, uint16_t *avail_idx, bool refill)
{
	uint16_t idx = load_le16(used(RING_RX) + 2);
	for (; *seen != idx; ++*seen) {
		const uint8_t *u = used(RING_RX) + 4 + 8 * (*seen % QSZ);
		uint32_t id = load_le32(u), len = load_le32(u + 4);
		if (id >= QSZ)
			abort();
		struct vsock_hdr h;
		vsock_hdr_decode(mem + RXBUFS + id * RXBUF, &h);
		/* An RST answers the packet's own source, whatever CID it claimed. */
		if (len != VSOCK_HDR_SIZE + h.len || len > RXBUF || (h.dst_cid != CID && h.op != VSOCK_OP_RST) ||
		    h.type != VSOCK_TYPE_STREAM || h.op < VSOCK_OP_REQUEST || h.op > VSOCK_OP_CREDIT_REQUEST)
			abort();
		if (refill)
			post(RING_RX, avail_idx, id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (listener < 0)
		host_setup();
	static struct dev d;
	struct dev_opts o = {.uds_path = base, .guest_cid = CID, .heartbeat = HB_ECHO};
	if (dev_init(&d, &o) < 0)
		abort();
	d.vhu.mem = (struct gmem){.n = 1, .r = {{.gpa = 0, .size = GMEM, .uva = UVA, .host = mem}}};
	start_ring(&d, VSOCK_TX, RING_TX);
	start_ring(&d, VSOCK_RX, RING_RX);
	uint16_t tx_avail = 0, rx_avail = 0, rx_seen = 0;
	for (unsigned i = 0; i < QSZ; i++) {
		set_desc(RING_RX, i, RXBUFS + i * RXBUF, RXBUF, 2 /* VRING_DESC_F_WRITE */);
		post(RING_RX, &rx_avail, i);
	}
	size_t off = 0;
	while (size - off >= 1 + VSOCK_HDR_SIZE + 2) {
		uint8_t ctl = data[off];
		uint8_t hb[VSOCK_HDR_SIZE];
		memcpy(hb, data + off + 1, VSOCK_HDR_SIZE);
		size_t n = load_le16(data + off + 1 + VSOCK_HDR_SIZE);
		off += 1 + VSOCK_HDR_SIZE + 2;
		if (n > size - off)
			n = size - off;
		const uint8_t *payload = data + off;
		off += n;
		if (ctl & 1) {
			store_le64(hb, CID);
			store_le16(hb + 28, VSOCK_TYPE_STREAM);
		}
		/* A free tx slot: the device consumes every chain it is shown. */
		if ((uint16_t)(tx_avail - load_le16(used(RING_TX) + 2)) == QSZ)
			dev_process_tx(&d);
		unsigned slot = tx_avail % QSZ;
		uint8_t *buf = mem + TXBUFS + slot * TXBUF;
		memcpy(buf, hb, sizeof(hb));
		memcpy(buf + VSOCK_HDR_SIZE, payload, n);
		set_desc(RING_TX, slot, TXBUFS + slot * TXBUF, (uint32_t)(VSOCK_HDR_SIZE + n), 0);
		post(RING_TX, &tx_avail, slot);
		if (ctl & 8)
			host_accept_and_write(payload, n);
		if (ctl & 16)
			host_close_all();
		if (ctl & 2)
			dev_kick(&d, VSOCK_TX);
		host_events(&d);
		guest_rx(&rx_seen, &rx_avail, !(ctl & 4));
	}
	dev_drain_tx(&d);
	dev_process_rx(&d);
	guest_rx(&rx_seen, &rx_avail, true);
	dev_release(&d);
	host_close_all();
	return 0;
}
