/*
 * vring.h — guest memory as QEMU shares it over vhost-user, and split
 * virtqueues living in that memory.
 *
 * Everything read from guest memory is untrusted: indices are reduced
 * modulo the ring size, descriptor chains are bounded by the ring size and
 * by VCHAIN_MAX_IOV, and every address range is checked against the memory
 * table before a pointer to it is formed.  Ring fields are little-endian
 * (legacy virtio is guest-native, i.e. little-endian on x86 too).
 */
#ifndef CARVE_VRING_H
#define CARVE_VRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define GMEM_MAX_REGIONS 8
/* QEMU's virtio-mmio offers QueueNumMax 1024; the spec allows 32768. */
#define VRING_MAX_NUM 32768
#define VCHAIN_MAX_IOV 64

struct gmem_region {
	uint64_t gpa;  /* guest-physical start */
	uint64_t size;
	uint64_t uva;  /* QEMU's virtual address of the same bytes */
	uint8_t *host; /* our mapping of gpa */
};

struct gmem {
	unsigned n;
	struct gmem_region r[GMEM_MAX_REGIONS];
};

/* Pointer to [gpa, gpa+len) if it lies inside one region, else NULL. */
void *gmem_gpa(const struct gmem *m, uint64_t gpa, uint64_t len);
/* Same for QEMU virtual addresses (ring addresses come in that form). */
void *gmem_uva(const struct gmem *m, uint64_t uva, uint64_t len);
/*
 * Appends iovecs covering [gpa, gpa+len), split at region borders, to
 * iov[*n..max).  Returns 0, -EFAULT for an unmapped byte, -E2BIG when more
 * than max entries would be needed.
 */
int gmem_gpa_iov(const struct gmem *m, uint64_t gpa, uint64_t len, struct iovec *iov,
		 unsigned *n, unsigned max);

struct vring {
	unsigned num;                     /* 0 = not configured */
	uint64_t desc_uva, avail_uva, used_uva;
	uint8_t *desc, *avail, *used;     /* NULL until vring_map succeeds */
	uint16_t last_avail, used_idx;
	bool started;                     /* kick fd set, not stopped */
	bool enabled;                     /* SET_VRING_ENABLE (or no protocol features) */
	int kick_fd, call_fd, err_fd;     /* -1 = none */
};

/* A popped descriptor chain: readable iovecs first, then writable ones. */
struct vchain {
	uint16_t head;
	unsigned nread, nwrite;
	size_t read_len, write_len;
	struct iovec iov[VCHAIN_MAX_IOV];
};

void vring_init(struct vring *vr);
/* Translates the ring addresses through m.  0, or -EFAULT when unmapped. */
int vring_map(struct vring *vr, const struct gmem *m);
/* Ready to move buffers: configured, mapped, started and enabled. */
bool vring_ready(const struct vring *vr);
/*
 * Reads the chain at last_avail without consuming it.  Returns 1 with c
 * filled, 0 when the driver has made no buffer available, -EINVAL for a
 * malformed chain (loop, bad index, writable before readable, unmapped
 * address, too many pieces); the caller then consumes it with length 0.
 * -EPROTO when the available index is more than num entries ahead: the
 * ring is broken and the caller stops using it (nothing to consume).
 */
int vring_peek(const struct vring *vr, const struct gmem *m, struct vchain *c);
/* Consumes the peeked chain: used entry {head, len}, used->idx++, last_avail++. */
void vring_push(struct vring *vr, uint16_t head, uint32_t len);
/* Whether the driver wants an interrupt (VRING_AVAIL_F_NO_INTERRUPT clear). */
bool vring_wants_irq(const struct vring *vr);
/* Re-reads used->idx from guest memory (ring (re)start). */
void vring_sync_used(struct vring *vr);

/* iovec helpers over a chain's readable or writable part. */
size_t iov_copy_from(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len);
size_t iov_copy_to(const struct iovec *iov, unsigned n, size_t off, const void *src, size_t len);
/* Copies the iovecs of [off, off+len) into out (at most max); returns the count. */
unsigned iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
		   struct iovec *out, unsigned max);

#endif
