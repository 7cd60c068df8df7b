/*
 * sha384.h — the SHA-384 every carve room uses.
 *
 * Two backends behind one API: BearSSL (always; the only one in enclave
 * builds) and OpenSSL's libcrypto (host builds with CARVE_SHA384_OPENSSL,
 * chosen by `make bench`'s throughput table; see bench/README.md).
 *
 * The context holds no interior pointers: copy it by assignment to capture a
 * partial hash (PCR1 is PCR0's stream cut after ramdisk 0).
 */
#ifndef CARVE_SHA384_H
#define CARVE_SHA384_H

#include <stddef.h>
#include <stdint.h>

#define SHA384_LEN 48

#ifdef CARVE_SHA384_OPENSSL
#include <openssl/sha.h>
typedef struct {
	SHA512_CTX impl;
} sha384_context;
#else
#include <bearssl_hash.h>
typedef struct {
	br_sha384_context impl;
} sha384_context;
#endif

void sha384_init(sha384_context *ctx);
/* data MAY be NULL when len is 0. */
void sha384_update(sha384_context *ctx, const void *data, size_t len);
/* Writes the digest of everything hashed so far; ctx stays usable. */
void sha384_out(const sha384_context *ctx, uint8_t out[SHA384_LEN]);
/* One-shot convenience. */
void sha384(const void *data, size_t len, uint8_t out[SHA384_LEN]);
/* Name of the backend compiled in ("bearssl" or "openssl"). */
const char *sha384_backend(void);

#endif
