/*
 * crc32.h — CRC-32 of zip/gzip/zlib (reflected polynomial 0xEDB88320), the
 * checksum in an EIF header.  Same values as zlib's crc32_z(): start from 0,
 * feed pieces in order, e.g. crc32_update(crc32_update(0, a, n), b, m).
 *
 * Host builds only (it falls back to zlib; link with -lz).  On x86 CPUs with
 * PCLMULQDQ long buffers run about ten times faster than zlib's tables.
 */
#ifndef CARVE_CRC32_H
#define CARVE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* data MAY be NULL when len is 0. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif
