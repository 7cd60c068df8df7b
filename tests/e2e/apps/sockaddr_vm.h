/* Linux's AF_VSOCK, struct sockaddr_vm and the local-CID ioctl for the static musl test apps
 * (musl has no linux/vm_sockets.h). */
#ifndef CARVE_E2E_SOCKADDR_VM_H
#define CARVE_E2E_SOCKADDR_VM_H

#include <stdint.h>
#include <sys/socket.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* linux/vm_sockets.h: _IO(7, 0xb9) on /dev/vsock. */
#define IOCTL_VM_SOCKETS_GET_LOCAL_CID 0x7b9

struct sockaddr_vm_ {
	sa_family_t family;
	uint16_t reserved1;
	uint32_t port, cid;
	uint8_t flags, zero[3];
};

#endif
