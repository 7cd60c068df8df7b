/*
 * pem.h — the first PEM object with a given label, decoded to DER
 * (BearSSL's streaming decoder; no OpenSSL needed).
 */
#ifndef CARVE_EIF_PEM_H
#define CARVE_EIF_PEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the first object in pem[0..len) whose label is one of labels
 * (NULL-terminated list).  On success *der (malloc'ed, owned by the caller,
 * at most len bytes) and *der_len are set and the matched label index is
 * returned; -ENOENT if there is no such object, -EINVAL for malformed PEM.
 */
int pem_decode_first(const char *pem, size_t len, const char *const *labels, uint8_t **der,
		     size_t *der_len);

#endif
