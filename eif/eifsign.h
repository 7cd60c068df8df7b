/*
 * eifsign.h — the EIF signature section (reference eif.md §5).
 *
 * Section data, as nitro-cli writes it with serde_cbor (byte strings as
 * arrays of unsigned integers, not CBOR bstr):
 *   [ { "signing_certificate": [PEM bytes...], "signature": [COSE bytes...] } ]
 * COSE_Sign1, untagged: [ bstr {1: -35 (ES384)}, {}, bstr payload, bstr R||S ]
 * payload = { "register_index": 0, "register_value": [PCR0 bytes...] }
 *
 * Signing uses BearSSL's ECDSA, which derives its nonce from the key and
 * message (RFC 6979), so the same inputs give the same bytes.
 */
#ifndef CARVE_EIF_SIGN_H
#define CARVE_EIF_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eif.h"
#include "jsonw.h"

/* CBOR of PcrInfo{index, value}; returns the length written, 0 if cap is short.
 * For a 48-byte value it takes up to EIF_PCR_INFO_MAX bytes: 34 fixed, the
 * array head 2, and each byte 1 (below 24) or 2. */
#define EIF_PCR_INFO_MAX 130
size_t eif_pcr_info_encode(uint8_t *out, size_t cap, unsigned index, const uint8_t *value,
			   size_t len);
/* The section data for one (certificate PEM, COSE bytes) pair; 0 if cap is short. */
size_t eif_signature_section_encode(uint8_t *out, size_t cap, const uint8_t *cert_pem,
				    size_t cert_len, const uint8_t *cose, size_t cose_len);

/* What describe reports about a signature section. */
struct eif_signature {
	uint8_t pcr8[SHA384_LEN];
	bool valid; /* COSE signature verifies with the cert's key and covers PCR0 */
	uint32_t not_before_days, not_before_secs, not_after_days, not_after_secs;
	char *issuer; /* "key=value" pairs, allocated; NULL if absent */
	uint8_t *cert_sig;
	size_t cert_sig_len;
};

/*
 * Decodes and verifies a signature section against pcr0.  A section that
 * cannot be decoded (or whose certificate cannot be parsed) is -EBADMSG with
 * d = EIF_E_SIGNATURE; a signature that does not verify is not an error, it
 * only leaves sig->valid false.  Free sig with eif_signature_free().
 */
int eif_signature_check(const uint8_t *raw, size_t len, const uint8_t pcr0[SHA384_LEN],
			struct eif_signature *sig, struct eif_diag *d);
void eif_signature_free(struct eif_signature *sig);
/* Writes the "SigningCertificate" object describe-eif prints. */
void eif_signature_describe(const struct eif_signature *sig, struct jsonw *w);

/* PCR8 of the first certificate in the PEM file at path, or in PEM bytes:
 * 0, or -EINVAL when there is no certificate (-errno reading the file). */
int eif_cert_pcr(const char *path, uint8_t pcr[SHA384_LEN]);
int eif_cert_pcr_of_pem(const uint8_t *pem, size_t len, uint8_t pcr[SHA384_LEN]);

/*
 * Builds the signature section for pcr0 with a P-384 certificate and its
 * private key (both PEM).  *section is allocated.  On failure *why (static
 * text) says what is wrong with the key or certificate.
 */
int eif_signature_make(const uint8_t *cert_pem, size_t cert_len, const char *key_pem,
		       size_t key_len, const uint8_t pcr0[SHA384_LEN], uint8_t **section,
		       size_t *section_len, const char **why);

/*
 * Writes the checked EIF in_fd to out_fd with every non-signature section
 * in its order, then the given signature section; new table and CRC.
 * 0, -errno, or -E2BIG for an unsigned EIF that already has
 * EIF_MAX_SECTIONS sections (callers check that first, to name it).
 */
int eif_write_signed(int in_fd, const struct eif_info *info, const uint8_t *section,
		     size_t section_len, int out_fd, struct eif_digests *dg);

#endif
