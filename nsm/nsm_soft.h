/*
 * nsm_soft.h — a software NSM with the device's semantics, for tests and for
 * running enclave code on a host (../shared/reference/nsm.md §5 for the
 * behaviour it copies from QEMU's virtio-nsm):
 *   - 32 SHA-384 PCRs; extend = SHA384(old || data); PCRs 0–15 locked at
 *     start with injected values; LockPCR / LockPCRs; InvalidIndex for
 *     index ≥ 32 (range > 32), ReadOnlyIndex for extending or re-locking a
 *     locked PCR; malformed requests ⇒ InvalidOperation;
 *   - GetRandom: 256 bytes from getrandom(2);
 *   - DescribeNSM: version 1.0.0, max_pcrs 32, SHA384, the locked PCRs;
 *   - Attestation: a real-shaped document (untagged COSE_Sign1, protected
 *     {1: -35}, definite payload map in AWS's key order, cabundle root
 *     first) signed ES384 by the configured key, or, without a key, QEMU's
 *     unsigned document (alg -1, zero signature and certificates).
 * Not thread-safe: one thread serves one nsm_soft.
 */
#ifndef CARVE_NSM_SOFT_H
#define CARVE_NSM_SOFT_H

#include <bearssl_ec.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NSM_SOFT_PCRS 32
#define NSM_SOFT_PCR_LEN 48
#define NSM_SOFT_MAX_CABUNDLE 8

struct nsm_soft {
	uint8_t pcr[NSM_SOFT_PCRS][NSM_SOFT_PCR_LEN];
	bool locked[NSM_SOFT_PCRS];
	char module_id[128]; /* longer than AWS's 100 to test truncation */
	/* Signing (optional): key and DER certificates, owned by the caller. */
	bool has_key;
	br_ec_private_key key;
	uint8_t key_buf[BR_EC_KBUF_PRIV_MAX_SIZE];
	const uint8_t *cert;
	size_t cert_len;
	const uint8_t *cabundle[NSM_SOFT_MAX_CABUNDLE];
	size_t cabundle_len[NSM_SOFT_MAX_CABUNDLE];
	size_t n_cabundle;
	/* Document timestamp in Unix ms; 0 = the clock. */
	uint64_t fixed_time_ms;
};

/* PCRs 0–15 = boot_pcrs (NULL: zeros) and locked; the rest zero. */
void nsm_soft_init(struct nsm_soft *s, const char *module_id, const uint8_t (*boot_pcrs)[NSM_SOFT_PCR_LEN]);

/* The signing key (DER, SEC1 or PKCS#8, P-384).  0 or -EINVAL. */
int nsm_soft_set_key(struct nsm_soft *s, const uint8_t *der, size_t len);

/* Answers one request.  Returns the reply length (≤ cap). */
size_t nsm_soft_handle(struct nsm_soft *s, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap);

/* Serves requests on a SOCK_SEQPACKET fd until the peer closes it.
 * 0 or -errno. */
int nsm_soft_serve(struct nsm_soft *s, int fd);

/* Building blocks of documents, exposed for tests that craft defects. */
struct nsm_soft_payload {
	const char *module_id;
	uint64_t timestamp_ms;
	size_t n_pcrs;
	const uint16_t *pcr_index;       /* n_pcrs entries */
	const uint8_t *const *pcr_value;
	size_t pcr_len;                  /* bytes of every value */
	const uint8_t *cert;
	size_t cert_len;
	const uint8_t *const *cabundle;
	const size_t *cabundle_len;
	size_t n_cabundle;
	const uint8_t *public_key, *user_data, *nonce; /* NULL: null */
	size_t public_key_len, user_data_len, nonce_len;
};
/* The payload map (definite, AWS's key order).  Length or -ENOSPC. */
ssize_t nsm_soft_payload_encode(const struct nsm_soft_payload *p, uint8_t *buf, size_t cap);
/* COSE_Sign1 [protected, {}, payload, ES384 signature by key] (key NULL:
 * 64 zero bytes, as QEMU).  Length or -ENOSPC / -EIO. */
ssize_t nsm_soft_sign1(const br_ec_private_key *key, const uint8_t *protected_hdr, size_t protected_len,
		       const uint8_t *payload, size_t payload_len, uint8_t *buf, size_t cap);

#endif
