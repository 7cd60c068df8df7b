/*
 * preadfull.h — read exactly len bytes at an offset.
 *
 * For parsers of untrusted files: the caller checks offsets against the file
 * size first; a file that ends early anyway (it shrank) is -EIO.
 */
#ifndef CARVE_PREADFULL_H
#define CARVE_PREADFULL_H

#include <stddef.h>
#include <stdint.h>

/* pread() retried over EINTR and short reads.  0, -EIO at end of file, -errno. */
int pread_full(int fd, void *buf, size_t len, uint64_t off);

#endif
