/*
 * hex.h — lower-case hexadecimal encoding and strict decoding.
 *
 * No allocation: the caller passes buffers.  NULL is allowed only together
 * with a length of 0.
 */
#ifndef CARVE_HEX_H
#define CARVE_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Writes 2*len lower-case hex digits and a terminating NUL to out, which
 * MUST hold 2*len+1 bytes.  Returns out.
 */
char *hex_encode(char *out, const uint8_t *in, size_t len);

/*
 * Decodes the hex string s (upper or lower case, no separators, no prefix)
 * into out.  Returns the number of bytes written, -EINVAL when s has an odd
 * length or a non-hex character, -ENOSPC when it does not fit in cap bytes.
 * On error out is left unspecified.
 */
ssize_t hex_decode(uint8_t *out, size_t cap, const char *s);

#endif
