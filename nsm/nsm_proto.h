/*
 * nsm_proto.h — the NSM's CBOR messages (nsm-api src/api/mod.rs, as
 * serde_cbor writes them): encoding and decoding of all seven requests and
 * their replies, in both directions (libnsm encodes requests and decodes
 * replies; the software NSM does the reverse).  Pure functions: no I/O, no
 * allocation; decoded byte strings are views into the input buffer.
 *
 * Encoding: unit variants as bare text strings ("GetRandom"), struct
 * variants as 1-entry maps of field maps in declaration order, data as byte
 * strings, shortest integers, null for absent attestation fields.
 * Decoding: map keys in any order, definite or indefinite maps and arrays,
 * unknown keys ignored, nothing after the message.
 */
#ifndef CARVE_NSM_PROTO_H
#define CARVE_NSM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nsm.h"

enum nsm_op {
	NSM_OP_DESCRIBE_PCR,
	NSM_OP_EXTEND_PCR,
	NSM_OP_LOCK_PCR,
	NSM_OP_LOCK_PCRS,
	NSM_OP_DESCRIBE_NSM,
	NSM_OP_ATTESTATION,
	NSM_OP_GET_RANDOM,
};

/* A byte-string field; ptr == NULL means absent (null). */
struct nsm_bytes {
	const uint8_t *ptr;
	size_t len;
};

struct nsm_request {
	enum nsm_op op;
	uint16_t index;          /* DescribePCR, ExtendPCR, LockPCR; LockPCRs: range */
	struct nsm_bytes data;   /* ExtendPCR */
	struct nsm_bytes user_data, nonce, public_key; /* Attestation */
};

#define NSM_MAX_LOCKED_PCRS 64

struct nsm_response {
	enum nsm_op op;
	ErrorCode error;         /* != SUCCESS: the reply was {"Error": ...} */
	bool lock;               /* DescribePCR */
	struct nsm_bytes data;   /* DescribePCR, ExtendPCR: PCR value; Attestation: document; GetRandom: random */
	/* DescribeNSM */
	uint16_t version_major, version_minor, version_patch;
	struct nsm_bytes module_id;
	uint16_t max_pcrs;
	uint16_t locked_pcrs[NSM_MAX_LOCKED_PCRS];
	size_t locked_pcrs_len;
	Digest digest;
};

/* The wire name of an error code ("InvalidIndex"), or NULL if out of range. */
const char *nsm_error_name(ErrorCode e);

/* Encodes req into buf.  Returns its length, or -ENOSPC when it does not
 * fit in cap bytes. */
ssize_t nsm_request_encode(const struct nsm_request *req, uint8_t *buf, size_t cap);

/*
 * Decodes the reply to a request of kind `op`.  Returns SUCCESS with *resp
 * filled; the NSM's error (resp->error set too) for {"Error": name}; or
 * INVALID_RESPONSE for anything else (resp->error stays SUCCESS): malformed
 * CBOR, another variant, an unknown error name, a missing field, a field of
 * the wrong type or range, trailing bytes.  So rc != resp->error tells an
 * undecodable reply from the NSM's own {"Error": "InvalidResponse"}.
 */
ErrorCode nsm_response_decode(enum nsm_op op, const uint8_t *buf, size_t len, struct nsm_response *resp);

/* The software NSM's side.  0, or -EBADMSG for a request it cannot parse
 * (the NSM answers InvalidOperation). */
int nsm_request_decode(const uint8_t *buf, size_t len, struct nsm_request *req);
/* Encodes resp (resp->error != SUCCESS: the Error variant).  Length or
 * -ENOSPC. */
ssize_t nsm_response_encode(const struct nsm_response *resp, uint8_t *buf, size_t cap);

#endif
