/*
 * cose.h — the COSE_Sign1 (RFC 9052) pieces shared by the attestation
 * verifier, the software NSM's signer and any other room that signs or
 * verifies COSE_Sign1 with ES384.
 */
#ifndef CARVE_NSM_COSE_H
#define CARVE_NSM_COSE_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl_hash.h>

#define COSE_SHA384_LEN 48

/* COSE algorithm identifier of ES384 (ECDSA P-384 with SHA-384). */
#define COSE_ALG_ES384 (-35)

/*
 * SHA-384 of the Sig_structure
 *     ["Signature1", protected, h'' (external_aad), payload]
 * (BearSSL's SHA-384: libnsm ships without libcarve-common)
 * where protected and payload are the byte-string contents exactly as they
 * appear in the COSE_Sign1 (or as they will be written).  The payload is
 * hashed in place, never copied.
 */
void cose_sign1_tbs_hash(const uint8_t *protected_hdr, size_t protected_len, const uint8_t *payload,
			 size_t payload_len, uint8_t out[COSE_SHA384_LEN]);

#endif
