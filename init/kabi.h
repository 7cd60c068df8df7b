/*
 * kabi.h — the few Linux UAPI definitions init needs that musl's headers
 * lack.  Debian's musl-gcc puts no kernel headers on the include path, and
 * mixing glibc's /usr/include/linux into a musl build invites conflicts
 * (linux/if.h vs net/if.h), so the stable ABI values are restated here with
 * the UAPI file each one comes from.
 */
#ifndef CARVE_INIT_KABI_H
#define CARVE_INIT_KABI_H

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* include/uapi/linux/vm_sockets.h */
struct kabi_sockaddr_vm {
	sa_family_t svm_family;   /* AF_VSOCK */
	uint16_t svm_reserved1;
	uint32_t svm_port;
	uint32_t svm_cid;
	uint8_t svm_flags;
	uint8_t svm_zero[3];
};
#define KABI_VMADDR_CID_PARENT 3 /* Nitro's parent instance (CID 3) */

/* include/uapi/linux/random.h: RNDADDENTROPY = _IOW('R', 0x03, int[2]) */
#define KABI_RNDADDENTROPY _IOW('R', 0x03, int[2])
struct kabi_rand_pool_info {
	int entropy_count; /* bits credited */
	int buf_size;      /* bytes in buf */
	uint8_t buf[];
};

#endif
