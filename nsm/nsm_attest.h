/*
 * nsm_attest.h — parse and verify NSM attestation documents (COSE_Sign1
 * signed ES384 by a certificate chain to AWS_NitroEnclaves_Root-G1).
 * Facts: ../shared/reference/nsm.md §4; procedure: AWS's
 * docs/attestation_process.md.  Prefix attdoc_ (distinct from AWS's nsm_).
 *
 * Parsing yields zero-copy views into the caller's buffer, which MUST stay
 * alive and unchanged while the struct is used.  No function allocates or
 * keeps global state; a cache is the caller's and is not thread-safe (one
 * per thread, or lock around attdoc_verify).
 *
 * Verification order (the first failure is reported):
 *   1. structure: COSE_Sign1 (tag 18 optional), protected header {1: -35},
 *      payload fields type- and range-checked, nothing after the document;
 *   2. QEMU's virtual NSM signs nothing (alg -1, zero signature, zero-filled
 *      certificates): such a document parses, but verifies as ATTDOC_UNSIGNED,
 *      never as valid;
 *   3. chain: cabundle[0] is the trust anchor only if it is the trusted root
 *      (by default AWS's, pinned by the SHA-256 of its DER) and valid at the
 *      chosen time; then, certificate by certificate down to the leaf: issued
 *      by the previous one (name chaining; issuer a CA — critical
 *      basicConstraints CA:TRUE — with keyCertSign, its pathLenConstraint
 *      respected; signature) and valid at the chosen time (the caller's:
 *      a given time, e.g. now, or the document's timestamp);
 *   4. the leaf is not a CA and may sign (digitalSignature);
 *   5. the COSE signature with the leaf's key.
 */
#ifndef CARVE_NSM_ATTEST_H
#define CARVE_NSM_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTDOC_MAX_PCRS 32
#define ATTDOC_MAX_CABUNDLE 8
/* Most bytes in each certificate and in public_key, user_data and nonce
 * (AWS's CDDL). */
#define ATTDOC_FIELD_MAX 1024
/* SHA-256 of the DER of AWS_NitroEnclaves_Root-G1. */
#define ATTDOC_AWS_ROOT_SHA256 "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"

struct attdoc_bytes {
	const uint8_t *ptr; /* NULL: absent (missing or null) */
	size_t len;
};

struct attdoc {
	/* COSE_Sign1 */
	bool tagged;                        /* had CBOR tag 18 */
	struct attdoc_bytes protected_hdr;  /* bytes as signed */
	int64_t alg;                        /* protected header label 1 */
	struct attdoc_bytes payload;        /* bytes as signed */
	struct attdoc_bytes signature;
	/* payload */
	struct attdoc_bytes module_id;      /* text, not NUL-terminated */
	uint64_t timestamp_ms;
	uint32_t pcr_mask;                  /* bit i: pcrs[i] present */
	struct attdoc_bytes pcrs[ATTDOC_MAX_PCRS];
	struct attdoc_bytes certificate;
	size_t cabundle_len;
	struct attdoc_bytes cabundle[ATTDOC_MAX_CABUNDLE]; /* root first */
	struct attdoc_bytes public_key, user_data, nonce;  /* optional */
	bool is_unsigned;                   /* QEMU's unsigned document class */
	/* After ATTDOC_BAD_FIELD: the payload key at fault ("pcrs"; for a
	 * missing one, the first missing), or "(non-text key)"; else NULL. */
	const char *bad_field;
};

enum attdoc_status {
	ATTDOC_OK = 0,
	ATTDOC_MALFORMED,          /* not CBOR, not a COSE_Sign1, trailing bytes */
	ATTDOC_BAD_ALGORITHM,      /* protected header is not {1: -35} */
	ATTDOC_BAD_FIELD,          /* a payload field missing, mistyped or out of range */
	ATTDOC_UNSIGNED,           /* QEMU's unsigned document: no signature to check */
	ATTDOC_BAD_CERTIFICATE,    /* a certificate does not parse or is outside the P-384 subset */
	ATTDOC_UNTRUSTED_ROOT,     /* cabundle[0] is not the trusted root */
	ATTDOC_ISSUER_MISMATCH,    /* a certificate's issuer is not the previous subject */
	ATTDOC_CERT_SIGNATURE,     /* a certificate's signature does not verify */
	ATTDOC_NOT_CA,             /* an issuer lacks critical CA:TRUE or keyCertSign */
	ATTDOC_PATH_LEN,           /* an issuer's pathLenConstraint is exceeded */
	ATTDOC_LEAF_IS_CA,         /* the leaf is a CA */
	ATTDOC_KEY_USAGE,          /* the leaf may not sign (no digitalSignature) */
	ATTDOC_EXPIRED,            /* a certificate is not valid at the checked time */
	ATTDOC_SIGNATURE,          /* the COSE signature does not verify */
	ATTDOC_PCR_MISMATCH,       /* policy helpers below */
	ATTDOC_NONCE_MISMATCH,
	ATTDOC_USER_DATA_MISMATCH,
	ATTDOC_PUBLIC_KEY_MISMATCH,
	ATTDOC_BAD_ROOT,           /* the caller's root certificate does not parse */
};

/* A short lower-case phrase for a status ("certificate expired"). */
const char *attdoc_status_str(enum attdoc_status s);
/* A stable identifier for JSON output ("expired"). */
const char *attdoc_status_id(enum attdoc_status s);

/* Parses buf[0..len) into *doc (step 1 above; also sets is_unsigned, and
 * bad_field on ATTDOC_BAD_FIELD).  Returns ATTDOC_OK, ATTDOC_MALFORMED,
 * ATTDOC_BAD_ALGORITHM or ATTDOC_BAD_FIELD. */
enum attdoc_status attdoc_parse(const uint8_t *buf, size_t len, struct attdoc *doc);

/*
 * Certificates already verified, so that the next document from the same
 * enclave costs one or two ECDSA verifications instead of five.  An entry
 * is the SHA-256 of (certificate DER || issuer DER): a hit skips only the
 * signature check; names, constraints and validity at the document's time
 * are checked again every time.  Bounded: the oldest entry is replaced.
 * Zero-initialize before first use.
 */
#define ATTDOC_CACHE_SLOTS 32
struct attdoc_cache {
	uint8_t key[ATTDOC_CACHE_SLOTS][32];
	uint32_t used;
	uint32_t next;
	uint64_t hits, misses;
};

struct attdoc_verify_opts {
	/* Trust anchor: DER of a root certificate, or NULL for the pinned AWS
	 * root (then cabundle[0] must have the pinned fingerprint). */
	const uint8_t *root_der;
	size_t root_der_len;
	/* Time at which validity is checked, in Unix milliseconds; used when
	 * at_document is false.  The library never reads the clock: pass the
	 * current time for "now" (0 means 1970, when every chain is
	 * ATTDOC_EXPIRED). */
	int64_t at_ms;
	bool at_document;            /* check at the document's timestamp */
	struct attdoc_cache *cache;  /* optional */
};

/* Which certificate a chain error is about: 0 = cabundle[0] (the root)
 * .. cabundle_len-1, cabundle_len = the leaf; -1 when not about one. */
struct attdoc_verify_info {
	int cert_index;
	unsigned ecdsa_verifications; /* how many were computed (cache effect) */
};

/* Steps 2–5 on a parsed document.  info MAY be NULL. */
enum attdoc_status attdoc_verify(const struct attdoc *doc, const struct attdoc_verify_opts *opts,
				 struct attdoc_verify_info *info);

/* Policy helpers (call after attdoc_verify returned ATTDOC_OK). */
/* PCR index present with exactly this value, else ATTDOC_PCR_MISMATCH. */
enum attdoc_status attdoc_check_pcr(const struct attdoc *doc, unsigned index, const uint8_t *value, size_t len);
/* The optional field present and equal, else the matching *_MISMATCH. */
enum attdoc_status attdoc_check_nonce(const struct attdoc *doc, const uint8_t *nonce, size_t len);
enum attdoc_status attdoc_check_user_data(const struct attdoc *doc, const uint8_t *data, size_t len);
enum attdoc_status attdoc_check_public_key(const struct attdoc *doc, const uint8_t *key, size_t len);

#endif
