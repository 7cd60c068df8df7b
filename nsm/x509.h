/*
 * x509.h — the subset of X.509 (RFC 5280) DER that attestation chains use:
 * ECDSA P-384 certificates signed with ecdsa-with-SHA384.  Parses one
 * certificate into views of its input (no copy, no allocation); the caller
 * keeps the DER alive.  Signature checks live in nsm_attest.c.
 *
 * Anything outside the subset is an error rather than ignored: another key
 * type or curve, another signature algorithm, a critical extension other
 * than basicConstraints and keyUsage, trailing bytes.  So is BER that is
 * not DER where it matters: a BOOLEAN (critical, cA) present with a value
 * other than TRUE encoded as 0xff.
 */
#ifndef CARVE_NSM_X509_H
#define CARVE_NSM_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* keyUsage bits, numbered as in RFC 5280 (bit 0 = digitalSignature). */
#define X509_KU_DIGITAL_SIGNATURE (1u << 0)
#define X509_KU_KEY_CERT_SIGN (1u << 5)

struct x509_cert {
	const uint8_t *tbs;        /* the signed TBSCertificate, tag and length included */
	size_t tbs_len;
	const uint8_t *sig;        /* ECDSA-Sig-Value (DER SEQUENCE of r, s) */
	size_t sig_len;
	const uint8_t *issuer;     /* Name, tag included: compared byte for byte */
	size_t issuer_len;
	const uint8_t *subject;
	size_t subject_len;
	int64_t not_before;        /* Unix seconds */
	int64_t not_after;
	const uint8_t *pubkey;     /* uncompressed P-384 point, 97 bytes */
	size_t pubkey_len;
	bool has_basic_constraints;
	bool basic_constraints_critical;
	bool is_ca;
	bool has_path_len;
	uint64_t path_len;
	bool has_key_usage;
	uint32_t key_usage;        /* X509_KU_* bits */
};

/* Parses der[0..len).  0, or -EBADMSG (malformed), -ENOTSUP (outside the
 * subset above). */
int x509_parse(const uint8_t *der, size_t len, struct x509_cert *c);

/* Whether y-m-d is a calendar date (proleptic Gregorian): m in 1..12, d in
 * 1..the length of that month, February 29 only in leap years. */
bool x509_valid_date(int64_t y, unsigned m, unsigned d);

/* Days since 1970-01-01 of a calendar date (proleptic Gregorian). */
int64_t x509_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
