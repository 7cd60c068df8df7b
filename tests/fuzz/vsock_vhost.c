/*
 * Fuzz target: everything carve-vsock parses from QEMU and the guest.
 *   1. the input as a stream of vhost-user messages (no fds: memory tables
 *      are refused, everything else runs) into a fresh device;
 *   2. the input as guest memory holding a split virtqueue whose chains are
 *      walked, with the vsock header of each decoded;
 *   3. the first line as a host "CONNECT <port>" line.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../emu/vsock/vhost.h"
#include "../../emu/vsock/vsock_proto.h"

#define GMEM_SIZE 0x4000u

static void fuzz_messages(const uint8_t *data, size_t size)
{
	static struct vhu_dev d;
	static struct vhu_msg m;
	static uint8_t reply[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	vhu_dev_init(&d, 16);
	size_t off = 0;
	while (size - off >= VHU_HDR_SIZE) {
		if (vhu_check_header(data + off, &m.req, &m.flags, &m.size) < 0)
			break;
		off += VHU_HDR_SIZE;
		if (m.size > size - off)
			break;
		memcpy(m.payload, data + off, m.size);
		off += m.size;
		m.nfds = 0;
		size_t rlen;
		if (vhu_handle(&d, &m, reply, &rlen) < 0)
			break;
	}
	vhu_dev_release(&d);
}

static void fuzz_ring(const uint8_t *data, size_t size)
{
	static uint8_t mem[GMEM_SIZE];
	if (size == 0)
		return;
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data + 1, size - 1 < sizeof(mem) ? size - 1 : sizeof(mem));
	struct gmem gm = {.n = 1, .r = {{.gpa = 0, .size = GMEM_SIZE, .uva = 0x10000, .host = mem}}};
	struct vring vr;
	vring_init(&vr);
	vr.num = 1u << (data[0] % 9); /* 1 .. 256 */
	vr.desc_uva = 0x10000;
	vr.avail_uva = 0x10000 + 0x1000;
	vr.used_uva = 0x10000 + 0x2000;
	if (vring_map(&vr, &gm) < 0)
		return;
	vr.started = vr.enabled = true;
	static struct vchain c;
	for (int i = 0; i < 64; i++) {
		int r = vring_peek(&vr, &gm, &c);
		if (r == 0)
			break;
		if (r > 0 && c.read_len >= VSOCK_HDR_SIZE) {
			uint8_t hb[VSOCK_HDR_SIZE];
			struct vsock_hdr h;
			iov_copy_from(c.iov, c.nread, 0, hb, sizeof(hb));
			vsock_hdr_decode(hb, &h);
			struct iovec pv[VCHAIN_MAX_IOV];
			iov_slice(c.iov, c.nread, VSOCK_HDR_SIZE, h.len, pv, VCHAIN_MAX_IOV);
		}
		vring_push(&vr, c.head, 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_messages(data, size);
	fuzz_ring(data, size);
	const uint8_t *nl = memchr(data, '\n', size < 64 ? size : 64);
	uint32_t port;
	if (nl)
		vsock_parse_connect((const char *)data, (size_t)(nl - data), &port);
	return 0;
}
