/*
 * nsm_transport.h — moving one request and one reply between libnsm and an
 * NSM.  Two transports behind one fd, chosen per call by what the fd is:
 *   - the NSM character device (/dev/nsm): ioctl NSM_IOCTL_RAW, exactly as
 *     Linux's drivers/misc/nsm.c expects;
 *   - a Unix SOCK_SEQPACKET socket (the software NSM, for tests and for
 *     running enclave code on a host): one message is one request; it
 *     carries (SCM_RIGHTS) one end of a fresh socketpair on which the single
 *     reply message comes back.  Select it with NSM_DEVICE=<socket path>.
 */
#ifndef CARVE_NSM_TRANSPORT_H
#define CARVE_NSM_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* Linux include/uapi/linux/nsm.h (not in every distribution's headers). */
#define NSM_MAGIC 0x0A
#define NSM_REQUEST_MAX_SIZE 0x1000
#define NSM_RESPONSE_MAX_SIZE 0x3000

struct nsm_iovec {
	uint64_t addr;
	uint64_t len;
};

struct nsm_raw {
	struct nsm_iovec request;
	struct nsm_iovec response;
};

#define NSM_IOCTL_RAW _IOWR(NSM_MAGIC, 0x0, struct nsm_raw)

#define NSM_DEFAULT_DEVICE "/dev/nsm"

/*
 * Opens the NSM: the Unix socket named by $NSM_DEVICE when set (or the device
 * node it names), else /dev/nsm.  Returns an fd (O_CLOEXEC) or -errno.
 */
int nsm_transport_open(void);

/*
 * Sends req (≤ NSM_REQUEST_MAX_SIZE bytes, else -EMSGSIZE without sending)
 * and receives the reply into resp, which MUST hold NSM_RESPONSE_MAX_SIZE
 * bytes (the kernel is always handed the full buffer: QEMU's device rejects
 * any other size).  Sets *resp_len.  Retries EINTR.  0 or -errno.
 */
int nsm_transport_call(int fd, const uint8_t *req, size_t req_len, uint8_t *resp, size_t *resp_len);

#endif
