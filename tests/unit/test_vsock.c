/* Unit tests for carve-vsock's pure parts: virtio-vsock headers and credit,
 * the CONNECT line, split virtqueues over a fake memory table, and the
 * vhost-user message handler. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../emu/vsock/vhost.h"
#include "../../emu/vsock/vsock_proto.h"
#include "byteorder.h"

static void test_hdr_layout(void **state)
{
	(void)state;
	struct vsock_hdr h = {.src_cid = 16, .dst_cid = 3, .src_port = 0x11223344, .dst_port = 9000,
			      .len = 1, .type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_RW, .flags = 2,
			      .buf_alloc = 262144, .fwd_cnt = 0xfffffff0};
	uint8_t b[VSOCK_HDR_SIZE];
	vsock_hdr_encode(b, &h);
	assert_int_equal(b[0], 16);
	assert_int_equal(b[8], 3);
	assert_int_equal(load_le32(b + 16), 0x11223344);
	assert_int_equal(load_le16(b + 28), 1);
	assert_int_equal(load_le16(b + 30), 5);
	assert_int_equal(load_le32(b + 40), 0xfffffff0);
	struct vsock_hdr g;
	uint8_t again[VSOCK_HDR_SIZE];
	vsock_hdr_decode(b, &g);
	assert_int_equal(g.fwd_cnt, h.fwd_cnt);
	assert_int_equal(g.src_cid, h.src_cid);
	vsock_hdr_encode(again, &g);
	assert_memory_equal(again, b, sizeof(b));
}

static void test_credit(void **state)
{
	(void)state;
	assert_int_equal(vsock_credit(65536, 0, 0), 65536);
	assert_int_equal(vsock_credit(65536, 1000, 0), 64536);
	assert_int_equal(vsock_credit(65536, 65536, 0), 0);
	/* free-running counters wrap */
	assert_int_equal(vsock_credit(4096, 10, 0xfffffff0u), 4096 - 26);
	/* a peer claiming more in flight than its buffer gets nothing */
	assert_int_equal(vsock_credit(100, 500, 0), 0);
}

static void test_connect_line(void **state)
{
	(void)state;
	uint32_t p = 0;
	assert_int_equal(vsock_parse_connect("CONNECT 5000", 12, &p), 0);
	assert_int_equal(p, 5000);
	assert_int_equal(vsock_parse_connect("connect  42 \r", 13, &p), 0);
	assert_int_equal(p, 42);
	assert_int_equal(vsock_parse_connect("CONNECT", 7, &p), -EINVAL);
	assert_int_equal(vsock_parse_connect("CONNECTX 1", 10, &p), -EINVAL);
	assert_int_equal(vsock_parse_connect("CONNECT 1x", 10, &p), -EINVAL);
	assert_int_equal(vsock_parse_connect("CONNECT 4294967296", 18, &p), -EINVAL);
	assert_int_equal(vsock_parse_connect("CONNECT 4294967295", 18, &p), 0);
	assert_int_equal(p, 4294967295u);
}

/* A fake guest: two regions, GPA 0 and GPA 1 MiB, backed by one buffer. */
#define RSZ (1u << 20)
struct fake {
	uint8_t *mem;
	struct gmem gm;
	struct vring vr;
};

static void fake_setup(struct fake *f, unsigned num)
{
	f->mem = calloc(2, RSZ);
	assert_non_null(f->mem);
	f->gm.n = 2;
	f->gm.r[0] = (struct gmem_region){.gpa = 0, .size = RSZ, .uva = 0x700000000000, .host = f->mem};
	f->gm.r[1] = (struct gmem_region){.gpa = RSZ, .size = RSZ, .uva = 0x700000000000 + RSZ,
					  .host = f->mem + RSZ};
	vring_init(&f->vr);
	f->vr.num = num;
	f->vr.desc_uva = 0x700000000000;
	f->vr.avail_uva = 0x700000000000 + 0x4000;
	f->vr.used_uva = 0x700000000000 + 0x8000;
	assert_int_equal(vring_map(&f->vr, &f->gm), 0);
	f->vr.started = f->vr.enabled = true;
}

static void set_desc(struct fake *f, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = f->mem + 16 * i;
	store_le64(d, addr);
	store_le32(d + 8, len);
	store_le16(d + 12, flags);
	store_le16(d + 14, next);
}

static void offer(struct fake *f, uint16_t head)
{
	uint8_t *a = f->mem + 0x4000;
	uint16_t idx = load_le16(a + 2);
	store_le16(a + 4 + 2 * (idx % f->vr.num), head);
	store_le16(a + 2, (uint16_t)(idx + 1));
}

static void test_vring_chain(void **state)
{
	(void)state;
	struct fake f;
	fake_setup(&f, 8);
	struct vchain c;
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), 0);
	/* readable 44 bytes, then a writable buffer crossing into region 1 */
	set_desc(&f, 0, 0x10000, 44, 1, 3);
	set_desc(&f, 3, RSZ - 100, 300, 2, 0);
	offer(&f, 0);
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), 1);
	assert_int_equal(c.head, 0);
	assert_int_equal(c.nread, 1);
	assert_int_equal(c.nwrite, 2); /* split at the region border */
	assert_int_equal(c.read_len, 44);
	assert_int_equal(c.write_len, 300);
	assert_ptr_equal(c.iov[2].iov_base, f.mem + RSZ);
	assert_int_equal(c.iov[2].iov_len, 200);
	/* peek does not consume; push does */
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), 1);
	vring_push(&f.vr, c.head, 123);
	assert_int_equal(load_le16(f.mem + 0x8000 + 2), 1);
	assert_int_equal(load_le32(f.mem + 0x8000 + 4), 0);
	assert_int_equal(load_le32(f.mem + 0x8000 + 8), 123);
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), 0);
	free(f.mem);
}

static void test_vring_malformed(void **state)
{
	(void)state;
	struct fake f;
	fake_setup(&f, 8);
	struct vchain c;
	set_desc(&f, 0, 0x10000, 16, 1, 1); /* loop 0 -> 1 -> 0 */
	set_desc(&f, 1, 0x10000, 16, 1, 0);
	offer(&f, 0);
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), -EINVAL);
	vring_push(&f.vr, c.head, 0);
	set_desc(&f, 2, 0x10000, 16, 1, 9); /* next out of range */
	offer(&f, 2);
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), -EINVAL);
	vring_push(&f.vr, c.head, 0);
	set_desc(&f, 3, 3 * RSZ, 16, 0, 0); /* unmapped */
	offer(&f, 3);
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), -EINVAL);
	vring_push(&f.vr, c.head, 0);
	set_desc(&f, 4, 0x10000, 16, 2, 0); /* head index beyond the ring */
	offer(&f, 200);
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), -EINVAL);
	vring_push(&f.vr, c.head, 0);
	set_desc(&f, 5, 0x10000, 16, 3, 6); /* writable then readable */
	set_desc(&f, 6, 0x10000, 16, 0, 0);
	offer(&f, 5);
	assert_int_equal(vring_peek(&f.vr, &f.gm, &c), -EINVAL);
	free(f.mem);
}

static void test_vring_map_bounds(void **state)
{
	(void)state;
	struct fake f;
	fake_setup(&f, 8);
	f.vr.used_uva = 0x700000000000 + 2 * RSZ - 8; /* used ring runs off the end */
	assert_int_equal(vring_map(&f.vr, &f.gm), -EFAULT);
	assert_false(vring_ready(&f.vr));
	free(f.mem);
}

static void test_iov_helpers(void **state)
{
	(void)state;
	uint8_t a[5] = {0}, b[7] = {0};
	struct iovec v[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	const uint8_t src[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	assert_int_equal(iov_copy_to(v, 2, 3, src, 10), 9);
	assert_int_equal(a[3], 1);
	assert_int_equal(b[0], 3);
	assert_int_equal(b[6], 9);
	uint8_t out[4];
	assert_int_equal(iov_copy_from(v, 2, 4, out, 4), 4);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[3], 5);
	struct iovec s[2];
	assert_int_equal(iov_slice(v, 2, 4, 3, s, 2), 2);
	assert_ptr_equal(s[0].iov_base, a + 4);
	assert_int_equal(s[0].iov_len, 1);
	assert_int_equal(s[1].iov_len, 2);
}

static void msg(struct vhu_msg *m, uint32_t req, uint32_t flags, uint32_t size)
{
	memset(m, 0, sizeof(*m));
	m->req = req;
	m->flags = VHU_FLAG_VERSION | flags;
	m->size = size;
}

/* A {u32 index, u32 num} request (vring state messages). */
static int vstate(struct vhu_dev *d, uint32_t req, uint32_t flags, uint32_t idx, uint32_t num,
		  uint8_t *r, size_t *rl)
{
	struct vhu_msg m;
	msg(&m, req, flags, 8);
	store_le32(m.payload, idx);
	store_le32(m.payload + 4, num);
	return vhu_handle(d, &m, r, rl);
}

static void reply_ack_on(struct vhu_dev *d)
{
	struct vhu_msg m;
	uint8_t r[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	size_t rl;
	msg(&m, VHU_SET_PROTOCOL_FEATURES, 0, 8);
	store_le64(m.payload, 1u << VHU_PROTO_REPLY_ACK);
	vhu_handle(d, &m, r, &rl);
}

static void test_vhost_features_and_config(void **state)
{
	(void)state;
	struct vhu_dev d;
	struct vhu_msg m;
	uint8_t r[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	size_t rl;
	vhu_dev_init(&d, 16);
	msg(&m, VHU_GET_FEATURES, 0, 0);
	assert_int_equal(vhu_handle(&d, &m, r, &rl), 0);
	assert_int_equal(rl, 20);
	assert_int_equal(load_le32(r + 4), 0x5); /* exactly version|reply */
	assert_true(load_le64(r + 12) & (1ULL << 30));
	assert_true(load_le64(r + 12) & (1ULL << 32));
	msg(&m, VHU_GET_PROTOCOL_FEATURES, 0, 0);
	vhu_handle(&d, &m, r, &rl);
	assert_int_equal(load_le64(r + 12), (1u << 9) | (1u << 3));
	msg(&m, VHU_SET_PROTOCOL_FEATURES, 0, 8);
	store_le64(m.payload, (1u << 9) | (1u << 3) | (1u << 5));
	vhu_handle(&d, &m, r, &rl);
	assert_int_equal(rl, 0);
	assert_int_equal(d.protocol_features, (1u << 9) | (1u << 3));
	/* GET_CONFIG: reply size = request size, region = le64 guest CID */
	msg(&m, VHU_GET_CONFIG, 0, 20);
	store_le32(m.payload + 4, 8);
	vhu_handle(&d, &m, r, &rl);
	assert_int_equal(load_le32(r + 8), 20);
	assert_int_equal(load_le64(r + 12 + 12), 16);
	msg(&m, VHU_GET_CONFIG, 0, 21);
	store_le32(m.payload + 4, 9);
	vhu_handle(&d, &m, r, &rl);
	assert_int_equal(load_le32(r + 8), 0); /* size 0 = failure */
	/* REPLY_ACK: a NEED_REPLY without its own reply is acked; errors are non-zero */
	msg(&m, VHU_SET_OWNER, VHU_FLAG_NEED_REPLY, 0);
	vhu_handle(&d, &m, r, &rl);
	assert_int_equal(rl, 20);
	assert_int_equal(load_le32(r), VHU_SET_OWNER);
	assert_int_equal(load_le64(r + 12), 0);
	msg(&m, VHU_SET_VRING_NUM, VHU_FLAG_NEED_REPLY, 8);
	store_le32(m.payload + 4, 1000); /* not a power of two */
	vhu_handle(&d, &m, r, &rl);
	assert_int_equal(load_le64(r + 12), 1);
	vhu_dev_release(&d);
}

static void test_vhost_header(void **state)
{
	(void)state;
	uint8_t h[12] = {0};
	uint32_t req, flags, size;
	store_le32(h, 1);
	store_le32(h + 4, 1);
	assert_int_equal(vhu_check_header(h, &req, &flags, &size), 0);
	store_le32(h + 4, 5); /* a reply sent to the backend */
	assert_int_equal(vhu_check_header(h, &req, &flags, &size), -EPROTO);
	store_le32(h + 4, 2);
	assert_int_equal(vhu_check_header(h, &req, &flags, &size), -EPROTO);
	store_le32(h + 4, 1);
	store_le32(h + 8, VHU_MAX_PAYLOAD + 1);
	assert_int_equal(vhu_check_header(h, &req, &flags, &size), -EMSGSIZE);
}

/* Legacy start (no VERSION_1): memory table, ring setup, kick starts the ring. */
static void test_vhost_legacy_start(void **state)
{
	(void)state;
	struct vhu_dev d;
	struct vhu_msg m;
	uint8_t r[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	size_t rl;
	vhu_dev_init(&d, 16);
	msg(&m, VHU_SET_FEATURES, 0, 8);
	store_le64(m.payload, 1ULL << 30); /* legacy: no bit 32 */
	assert_int_equal(vhu_handle(&d, &m, r, &rl), 0);
	int mfd = memfd_create("guest", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 2 * 65536), 0);
	msg(&m, VHU_SET_MEM_TABLE, 0, 8 + 32);
	store_le32(m.payload, 1);
	store_le64(m.payload + 8, 0);          /* gpa */
	store_le64(m.payload + 16, 65536);     /* size */
	store_le64(m.payload + 24, 0x10000000); /* uva */
	store_le64(m.payload + 32, 65536);     /* mmap offset */
	m.fds[0] = mfd;
	m.nfds = 1;
	assert_int_equal(vhu_handle(&d, &m, r, &rl), 0);
	assert_int_equal(d.mem.n, 1);
	msg(&m, VHU_SET_VRING_NUM, 0, 8);
	store_le32(m.payload, 1);
	store_le32(m.payload + 4, 256);
	vhu_handle(&d, &m, r, &rl);
	msg(&m, VHU_SET_VRING_ADDR, 0, 40);
	store_le32(m.payload, 1);
	store_le64(m.payload + 8, 0x10000000);
	store_le64(m.payload + 16, 0x10002000);
	store_le64(m.payload + 24, 0x10001000);
	assert_int_equal(vhu_handle(&d, &m, r, &rl), 0);
	assert_non_null(d.vq[1].desc);
	msg(&m, VHU_SET_VRING_BASE, 0, 8);
	store_le32(m.payload, 1);
	store_le32(m.payload + 4, 7);
	vhu_handle(&d, &m, r, &rl);
	assert_false(vring_ready(&d.vq[1]));
	msg(&m, VHU_SET_VRING_KICK, VHU_FLAG_NEED_REPLY, 8);
	store_le64(m.payload, 1 | 0x100); /* polling, no fd */
	vhu_handle(&d, &m, r, &rl);
	assert_int_equal(rl, 0); /* REPLY_ACK not negotiated: no ack */
	/* bit 30 acked: rings wait for SET_VRING_ENABLE */
	assert_false(vring_ready(&d.vq[1]));
	msg(&m, VHU_SET_VRING_ENABLE, 0, 8);
	store_le32(m.payload, 1);
	store_le32(m.payload + 4, 1);
	vhu_handle(&d, &m, r, &rl);
	assert_true(vring_ready(&d.vq[1]));
	assert_true(d.events & VHU_EV_RING_START);
	/* GET_VRING_BASE stops the ring and returns where it stopped */
	msg(&m, VHU_GET_VRING_BASE, 0, 8);
	store_le32(m.payload, 1);
	vhu_handle(&d, &m, r, &rl);
	assert_int_equal(load_le32(r + 12), 1);
	assert_int_equal(load_le32(r + 16), 7);
	assert_false(vring_ready(&d.vq[1]));
	assert_true(d.events & VHU_EV_RESET);
	vhu_dev_release(&d);
}

/* QEMU's event queue (2) is its own: messages for it are accepted, ignored. */
static void test_vhost_event_queue_ignored(void **state)
{
	(void)state;
	struct vhu_dev d;
	uint8_t r[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	size_t rl;
	vhu_dev_init(&d, 16);
	reply_ack_on(&d);
	assert_int_equal(vstate(&d, VHU_SET_VRING_NUM, VHU_FLAG_NEED_REPLY, 2, 128, r, &rl), 0);
	assert_int_equal(load_le64(r + 12), 0);
	assert_int_equal(vstate(&d, VHU_SET_VRING_ENABLE, VHU_FLAG_NEED_REPLY, 2, 1, r, &rl), 0);
	assert_int_equal(load_le64(r + 12), 0);
	assert_int_equal(d.events, 0);
	assert_int_equal(vstate(&d, VHU_GET_VRING_BASE, 0, 2, 0, r, &rl), 0);
	assert_int_equal(load_le32(r + 12), 2);
	assert_int_equal(d.events & VHU_EV_RESET, 0);
	vhu_dev_release(&d);
}

static void test_vhost_bad_mem_table(void **state)
{
	(void)state;
	struct vhu_dev d;
	struct vhu_msg m;
	uint8_t r[VHU_HDR_SIZE + VHU_MAX_PAYLOAD];
	size_t rl;
	vhu_dev_init(&d, 16);
	reply_ack_on(&d);
	msg(&m, VHU_SET_MEM_TABLE, VHU_FLAG_NEED_REPLY, 8 + 32);
	store_le32(m.payload, 2); /* claims two regions, carries one */
	m.fds[0] = memfd_create("guest", MFD_CLOEXEC);
	m.nfds = 1;
	assert_int_equal(vhu_handle(&d, &m, r, &rl), 0);
	assert_int_equal(rl, 20);
	assert_int_not_equal(load_le64(r + 12), 0);
	assert_int_equal(m.nfds, 0); /* the fd was closed, not leaked */
	vhu_dev_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_layout),
		cmocka_unit_test(test_credit),
		cmocka_unit_test(test_connect_line),
		cmocka_unit_test(test_vring_chain),
		cmocka_unit_test(test_vring_malformed),
		cmocka_unit_test(test_vring_map_bounds),
		cmocka_unit_test(test_iov_helpers),
		cmocka_unit_test(test_vhost_features_and_config),
		cmocka_unit_test(test_vhost_header),
		cmocka_unit_test(test_vhost_legacy_start),
		cmocka_unit_test(test_vhost_event_queue_ignored),
		cmocka_unit_test(test_vhost_bad_mem_table),
	};
	return cmocka_run_group_tests_name("vsock", tests, NULL, NULL);
}
