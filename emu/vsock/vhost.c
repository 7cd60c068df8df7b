/* vhost.c — vhost-user message handling for the vsock device (see vhost.h). */
#include "vhost.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "byteorder.h"

#define OFFERED_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES))
#define OFFERED_PROTOCOL ((1ULL << VHU_PROTO_REPLY_ACK) | (1ULL << VHU_PROTO_CONFIG))
#define VRING_NOFD_MASK 0x100
#define VRING_IDX_MASK 0xff
#define VSOCK_CONFIG_SIZE 8

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Unmaps guest memory; the rings lose their pointers into it (they are
 * mapped again only by a SET_MEM_TABLE that fully succeeds). */
static void unmap_all(struct vhu_dev *d)
{
	for (unsigned i = 0; i < d->mem.n; i++)
		if (d->map_base[i])
			munmap(d->map_base[i], d->map_len[i]);
	memset(d->map_base, 0, sizeof(d->map_base));
	d->mem.n = 0;
	for (unsigned q = 0; q < VHU_NQUEUES; q++)
		d->vq[q].desc = d->vq[q].avail = d->vq[q].used = NULL;
}

void vhu_dev_init(struct vhu_dev *d, uint64_t guest_cid)
{
	memset(d, 0, sizeof(*d));
	d->guest_cid = guest_cid;
	for (unsigned i = 0; i < VHU_NQUEUES; i++)
		vring_init(&d->vq[i]);
	vring_init(&d->scratch);
}

void vhu_dev_release(struct vhu_dev *d)
{
	unmap_all(d);
	for (unsigned i = 0; i < VHU_NQUEUES; i++) {
		close_fd(&d->vq[i].kick_fd);
		close_fd(&d->vq[i].call_fd);
		close_fd(&d->vq[i].err_fd);
	}
}

int vhu_check_header(const uint8_t hdr[VHU_HDR_SIZE], uint32_t *req, uint32_t *flags,
		     uint32_t *size)
{
	/* vhost-user is host-endian; carve runs on x86 hosts only (LE). */
	*req = load_le32(hdr);
	*flags = load_le32(hdr + 4);
	*size = load_le32(hdr + 8);
	if ((*flags & 3) != VHU_FLAG_VERSION || (*flags & VHU_FLAG_REPLY))
		return -EPROTO;
	if (*size > VHU_MAX_PAYLOAD)
		return -EMSGSIZE;
	return 0;
}

static size_t put_reply(uint8_t *out, uint32_t req, const void *payload, uint32_t len)
{
	store_le32(out, req);
	store_le32(out + 4, VHU_FLAG_VERSION | VHU_FLAG_REPLY);
	store_le32(out + 8, len);
	if (len)
		memcpy(out + VHU_HDR_SIZE, payload, len);
	return VHU_HDR_SIZE + len;
}

static size_t put_u64(uint8_t *out, uint32_t req, uint64_t v)
{
	uint8_t b[8];
	store_le64(b, v);
	return put_reply(out, req, b, 8);
}

/* Rings start on SET_VRING_KICK; with protocol features also need ENABLE. */
static void ring_changed(struct vhu_dev *d, unsigned q, bool was_ready)
{
	if (q >= VHU_NQUEUES)
		return;
	struct vring *vr = &d->vq[q];
	if (!was_ready && vring_ready(vr)) {
		vring_sync_used(vr);
		d->events |= VHU_EV_RING_START;
		d->started |= 1u << q;
	}
}

static int set_mem_table(struct vhu_dev *d, const struct vhu_msg *m)
{
	if (m->size < 8)
		return -EINVAL;
	uint32_t n = load_le32(m->payload);
	if (n == 0 || n > GMEM_MAX_REGIONS || m->size < 8 + 32 * n || m->nfds != n)
		return -EINVAL;
	unmap_all(d);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = m->payload + 8 + 32 * i;
		struct gmem_region *r = &d->mem.r[i];
		r->gpa = load_le64(p);
		r->size = load_le64(p + 8);
		r->uva = load_le64(p + 16);
		uint64_t off = load_le64(p + 24);
		if (r->size == 0 || r->size > SIZE_MAX - off || r->gpa + r->size < r->gpa ||
		    r->uva + r->size < r->uva) {
			d->mem.n = i;
			unmap_all(d);
			return -EINVAL;
		}
		/* Map from 0 and add the offset: hugetlbfs/memfd offsets may not be page aligned. */
		void *base = mmap(NULL, r->size + off, PROT_READ | PROT_WRITE, MAP_SHARED, m->fds[i], 0);
		if (base == MAP_FAILED) {
			int err = -errno;
			d->mem.n = i;
			unmap_all(d);
			return err;
		}
		d->map_base[i] = base;
		d->map_len[i] = r->size + off;
		r->host = (uint8_t *)base + off;
		d->mem.n = i + 1;
	}
	for (unsigned q = 0; q < VHU_NQUEUES; q++)
		if (d->vq[q].num)
			vring_map(&d->vq[q], &d->mem);
	return 0;
}

/* The ring a message names; queues beyond rx/tx (QEMU keeps the event
 * queue) get a scratch ring that is configured but never processed. */
static struct vring *msg_ring(struct vhu_dev *d, const struct vhu_msg *m, uint32_t min_size)
{
	if (m->size < min_size)
		return NULL;
	uint32_t idx = load_le32(m->payload) & VRING_IDX_MASK;
	return idx < VHU_NQUEUES ? &d->vq[idx] : &d->scratch;
}

/* SET_VRING_KICK/CALL/ERR: u64 index | NOFD flag, fd in ancillary data. */
static int set_vring_fd(struct vhu_dev *d, struct vhu_msg *m, unsigned which)
{
	if (m->size < 8)
		return -EINVAL;
	uint64_t v = load_le64(m->payload);
	unsigned q = v & VRING_IDX_MASK;
	bool nofd = v & VRING_NOFD_MASK;
	if ((!nofd && m->nfds != 1) || (nofd && m->nfds != 0))
		return -EINVAL;
	int fd = nofd ? -1 : m->fds[0];
	m->nfds = 0;
	if (q >= VHU_NQUEUES) { /* the event queue is QEMU's; take and drop its fds */
		if (fd >= 0)
			close(fd);
		return 0;
	}
	struct vring *vr = &d->vq[q];
	bool was_ready = vring_ready(vr);
	int *slot = which == VHU_SET_VRING_KICK ? &vr->kick_fd
		    : which == VHU_SET_VRING_CALL ? &vr->call_fd : &vr->err_fd;
	close_fd(slot);
	*slot = fd;
	if (which == VHU_SET_VRING_KICK) {
		vr->started = true;
		if (!(d->features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)))
			vr->enabled = true;
		ring_changed(d, q, was_ready);
	}
	return 0;
}

/* The fds a message carried and nothing took. */
static void close_msg_fds(struct vhu_msg *m)
{
	for (unsigned i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	m->nfds = 0;
}

int vhu_handle(struct vhu_dev *d, struct vhu_msg *m, uint8_t *reply, size_t *reply_len)
{
	int err = 0;
	struct vring *vr;
	*reply_len = 0;
	switch (m->req) {
	case VHU_GET_FEATURES:
		*reply_len = put_u64(reply, m->req, OFFERED_FEATURES);
		break;
	case VHU_SET_FEATURES:
		if (m->size < 8)
			goto malformed;
		d->features = load_le64(m->payload);
		if (!(d->features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)))
			for (unsigned q = 0; q < VHU_NQUEUES; q++)
				d->vq[q].enabled = true;
		break;
	case VHU_GET_PROTOCOL_FEATURES:
		*reply_len = put_u64(reply, m->req, OFFERED_PROTOCOL);
		break;
	case VHU_SET_PROTOCOL_FEATURES:
		if (m->size < 8)
			goto malformed;
		d->protocol_features = load_le64(m->payload) & OFFERED_PROTOCOL;
		break;
	case VHU_SET_OWNER:
		d->owned = true;
		break;
	case VHU_RESET_OWNER: /* deprecated, QEMU no longer sends it */
		break;
	case VHU_SET_MEM_TABLE:
		err = set_mem_table(d, m);
		break;
	case VHU_SET_VRING_NUM:
		if (!(vr = msg_ring(d, m, 8)))
			goto malformed;
		{
			uint32_t num = load_le32(m->payload + 4);
			/* A power of two: split rings index with % num on a free-running u16. */
			if (num == 0 || num > VRING_MAX_NUM || (num & (num - 1))) {
				err = -EINVAL;
			} else {
				vr->num = num;
				/* A mapped ring was checked for the old size. */
				if (vr->desc && vr != &d->scratch)
					err = vring_map(vr, &d->mem);
			}
		}
		break;
	case VHU_SET_VRING_ADDR:
		if (!(vr = msg_ring(d, m, 40)))
			goto malformed;
		vr->desc_uva = load_le64(m->payload + 8);
		vr->used_uva = load_le64(m->payload + 16);
		vr->avail_uva = load_le64(m->payload + 24);
		err = vr == &d->scratch ? 0 : vring_map(vr, &d->mem);
		vring_sync_used(vr);
		break;
	case VHU_SET_VRING_BASE:
		if (!(vr = msg_ring(d, m, 8)))
			goto malformed;
		vr->last_avail = (uint16_t)load_le32(m->payload + 4);
		break;
	case VHU_GET_VRING_BASE: {
		if (!(vr = msg_ring(d, m, 8)))
			goto malformed;
		/* Stops the ring: no more guest-memory access until restarted. */
		vr->started = false;
		vr->enabled = false;
		unsigned q = load_le32(m->payload) & VRING_IDX_MASK;
		if (q < VHU_NQUEUES) {
			close_fd(&vr->kick_fd);
			d->events |= VHU_EV_RESET;
		}
		uint8_t b[8];
		store_le32(b, q);
		store_le32(b + 4, vr->last_avail);
		*reply_len = put_reply(reply, m->req, b, 8);
		break;
	}
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR:
		err = set_vring_fd(d, m, m->req);
		break;
	case VHU_SET_VRING_ENABLE: {
		if (!(vr = msg_ring(d, m, 8)))
			goto malformed;
		bool was_ready = vring_ready(vr);
		vr->enabled = load_le32(m->payload + 4) != 0;
		ring_changed(d, load_le32(m->payload) & VRING_IDX_MASK, was_ready);
		break;
	}
	case VHU_GET_CONFIG: {
		/* {u32 offset, u32 size, u32 flags, u8 region[size]}; the reply
		 * must have the request's size; size 0 tells QEMU it failed. */
		if (m->size < 12)
			goto malformed;
		uint32_t off = load_le32(m->payload), len = load_le32(m->payload + 4);
		uint8_t cfg[VSOCK_CONFIG_SIZE];
		store_le64(cfg, d->guest_cid);
		if (off > VSOCK_CONFIG_SIZE || len > VSOCK_CONFIG_SIZE - off || m->size != 12 + len) {
			*reply_len = put_reply(reply, m->req, NULL, 0);
			break;
		}
		memcpy(m->payload + 12, cfg + off, len);
		*reply_len = put_reply(reply, m->req, m->payload, m->size);
		break;
	}
	case VHU_SET_CONFIG: /* guest_cid is read-only */
		err = -EPERM;
		break;
	default:
		err = -EOPNOTSUPP;
		break;
	}
	close_msg_fds(m);
	/* REPLY_ACK: a NEED_REPLY request without its own reply gets u64 status. */
	if (*reply_len == 0 && (m->flags & VHU_FLAG_NEED_REPLY) &&
	    (d->protocol_features & (1ULL << VHU_PROTO_REPLY_ACK)))
		*reply_len = put_u64(reply, m->req, err ? 1 : 0);
	return 0;
malformed:
	close_msg_fds(m);
	return -EINVAL;
}
