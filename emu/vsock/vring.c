/* vring.c — guest memory translation and split virtqueues (see vring.h). */
#include "vring.h"

#include <errno.h>
#include <string.h>

#include "byteorder.h"

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1

static void *lookup(const struct gmem *m, uint64_t addr, uint64_t len, bool by_uva)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct gmem_region *r = &m->r[i];
		uint64_t start = by_uva ? r->uva : r->gpa;
		if (addr < start)
			continue;
		uint64_t off = addr - start;
		if (off >= r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

void *gmem_gpa(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	return lookup(m, gpa, len, false);
}

void *gmem_uva(const struct gmem *m, uint64_t uva, uint64_t len)
{
	return lookup(m, uva, len, true);
}

int gmem_gpa_iov(const struct gmem *m, uint64_t gpa, uint64_t len, struct iovec *iov,
		 unsigned *n, unsigned max)
{
	while (len > 0) {
		const struct gmem_region *r = NULL;
		for (unsigned i = 0; i < m->n; i++)
			if (gpa >= m->r[i].gpa && gpa - m->r[i].gpa < m->r[i].size) {
				r = &m->r[i];
				break;
			}
		if (!r)
			return -EFAULT;
		if (*n >= max)
			return -E2BIG;
		uint64_t off = gpa - r->gpa, piece = r->size - off;
		if (piece > len)
			piece = len;
		iov[*n].iov_base = r->host + off;
		iov[*n].iov_len = piece;
		(*n)++;
		gpa += piece;
		len -= piece;
	}
	return 0;
}

void vring_init(struct vring *vr)
{
	memset(vr, 0, sizeof(*vr));
	vr->kick_fd = vr->call_fd = vr->err_fd = -1;
}

int vring_map(struct vring *vr, const struct gmem *m)
{
	vr->desc = vr->avail = vr->used = NULL;
	if (vr->num == 0)
		return -EINVAL;
	uint8_t *d = gmem_uva(m, vr->desc_uva, 16ULL * vr->num);
	uint8_t *a = gmem_uva(m, vr->avail_uva, 4ULL + 2ULL * vr->num);
	uint8_t *u = gmem_uva(m, vr->used_uva, 4ULL + 8ULL * vr->num);
	/* idx fields are accessed as aligned 16-bit words (no torn updates). */
	if (!d || !a || !u || ((uintptr_t)a & 1) || ((uintptr_t)u & 3))
		return -EFAULT;
	vr->desc = d;
	vr->avail = a;
	vr->used = u;
	return 0;
}

bool vring_ready(const struct vring *vr)
{
	return vr->num && vr->desc && vr->started && vr->enabled;
}

static uint16_t avail_idx(const struct vring *vr)
{
	uint16_t v = __atomic_load_n((const uint16_t *)(vr->avail + 2), __ATOMIC_ACQUIRE);
	return load_le16((const uint8_t *)&v);
}

int vring_peek(const struct vring *vr, const struct gmem *m, struct vchain *c)
{
	uint16_t ahead = (uint16_t)(avail_idx(vr) - vr->last_avail);
	if (ahead == 0)
		return 0;
	unsigned num = vr->num;
	/* More entries than the ring has: the guest broke it.  Taking them
	 * would replay old heads forever (an index kept one behind ours). */
	if (ahead > num)
		return -EPROTO;
	uint16_t head = load_le16(vr->avail + 4 + 2 * (vr->last_avail % num));
	c->head = head;
	c->nread = c->nwrite = 0;
	c->read_len = c->write_len = 0;
	unsigned n = 0, idx = head;
	for (unsigned steps = 0;; steps++) {
		if (idx >= num || steps >= num)
			return -EINVAL;
		const uint8_t *d = vr->desc + 16 * idx;
		uint64_t addr = load_le64(d);
		uint32_t len = load_le32(d + 8);
		uint16_t flags = load_le16(d + 12);
		if (flags & VRING_DESC_F_INDIRECT)
			return -EINVAL; /* not offered */
		bool wr = flags & VRING_DESC_F_WRITE;
		if (!wr && c->nwrite)
			return -EINVAL;
		unsigned before = n;
		if (gmem_gpa_iov(m, addr, len, c->iov, &n, VCHAIN_MAX_IOV) < 0)
			return -EINVAL;
		if (wr) {
			c->nwrite += n - before;
			c->write_len += len;
		} else {
			c->nread += n - before;
			c->read_len += len;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		idx = load_le16(d + 14);
	}
	return 1;
}

void vring_push(struct vring *vr, uint16_t head, uint32_t len)
{
	uint8_t *e = vr->used + 4 + 8 * (vr->used_idx % vr->num);
	store_le32(e, head);
	store_le32(e + 4, len);
	vr->used_idx++;
	vr->last_avail++;
	uint16_t v;
	store_le16((uint8_t *)&v, vr->used_idx);
	__atomic_store_n((uint16_t *)(vr->used + 2), v, __ATOMIC_RELEASE);
}

bool vring_wants_irq(const struct vring *vr)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(load_le16(vr->avail) & VRING_AVAIL_F_NO_INTERRUPT);
}

void vring_sync_used(struct vring *vr)
{
	if (vr->used)
		vr->used_idx = load_le16(vr->used + 2);
}

/* Copies between [off, off+len) of the iovecs and buf, in either direction. */
static size_t iov_copy(const struct iovec *iov, unsigned n, size_t off, uint8_t *buf, size_t len,
		       bool to_iov)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t k = iov[i].iov_len - off;
		if (k > len - done)
			k = len - done;
		uint8_t *p = (uint8_t *)iov[i].iov_base + off;
		if (to_iov)
			memcpy(p, buf + done, k);
		else
			memcpy(buf + done, p, k);
		done += k;
		off = 0;
	}
	return done;
}

size_t iov_copy_from(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len)
{
	return iov_copy(iov, n, off, dst, len, false);
}

size_t iov_copy_to(const struct iovec *iov, unsigned n, size_t off, const void *src, size_t len)
{
	/* The buffer is only read in this direction. */
	return iov_copy(iov, n, off, (uint8_t *)(uintptr_t)src, len, true);
}

unsigned iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
		   struct iovec *out, unsigned max)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n && len > 0 && k < max; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		size_t piece = iov[i].iov_len - off;
		if (piece > len)
			piece = len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[k].iov_len = piece;
		k++;
		len -= piece;
		off = 0;
	}
	return k;
}
