/* Unit tests for nsm/nsm_proto.c and nsm/cborio.c: golden CBOR bytes for
 * every request and reply, every error mapping, tolerant and hostile
 * decoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cborio.h"
#include "nsm_proto.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

static void expect_request(const struct nsm_request *req, const uint8_t *golden, size_t len)
{
	uint8_t buf[256];
	ssize_t n = nsm_request_encode(req, buf, sizeof(buf));
	assert_int_equal(n, len);
	assert_memory_equal(buf, golden, len);
	/* The software NSM reads back what libnsm wrote. */
	struct nsm_request back;
	assert_int_equal(nsm_request_decode(buf, (size_t)n, &back), 0);
	assert_int_equal(back.op, req->op);
	assert_int_equal(back.index, req->index);
	/* Too small a buffer at every size is -ENOSPC, never an overrun. */
	for (size_t cap = 0; cap < len; cap++)
		assert_int_equal(nsm_request_encode(req, buf, cap), -ENOSPC);
}

static void test_request_golden(void **state)
{
	(void)state;
	/* nsm.md §2.1 examples. */
	expect_request(&(struct nsm_request){ .op = NSM_OP_GET_RANDOM },
		       BYTES(0x69, 'G', 'e', 't', 'R', 'a', 'n', 'd', 'o', 'm'));
	expect_request(&(struct nsm_request){ .op = NSM_OP_DESCRIBE_NSM },
		       BYTES(0x6b, 'D', 'e', 's', 'c', 'r', 'i', 'b', 'e', 'N', 'S', 'M'));
	expect_request(&(struct nsm_request){ .op = NSM_OP_DESCRIBE_PCR, .index = 0 },
		       BYTES(0xa1, 0x6b, 'D', 'e', 's', 'c', 'r', 'i', 'b', 'e', 'P', 'C', 'R', 0xa1, 0x65, 'i', 'n',
			     'd', 'e', 'x', 0x00));
	expect_request(&(struct nsm_request){ .op = NSM_OP_EXTEND_PCR, .index = 16,
					      .data = { (const uint8_t *)"\1\2\3", 3 } },
		       BYTES(0xa1, 0x69, 'E', 'x', 't', 'e', 'n', 'd', 'P', 'C', 'R', 0xa2, 0x65, 'i', 'n', 'd', 'e',
			     'x', 0x10, 0x64, 'd', 'a', 't', 'a', 0x43, 1, 2, 3));
	expect_request(&(struct nsm_request){ .op = NSM_OP_LOCK_PCR, .index = 24 },
		       BYTES(0xa1, 0x67, 'L', 'o', 'c', 'k', 'P', 'C', 'R', 0xa1, 0x65, 'i', 'n', 'd', 'e', 'x', 0x18,
			     0x18));
	expect_request(&(struct nsm_request){ .op = NSM_OP_LOCK_PCRS, .index = 32 },
		       BYTES(0xa1, 0x68, 'L', 'o', 'c', 'k', 'P', 'C', 'R', 's', 0xa1, 0x65, 'r', 'a', 'n', 'g', 'e',
			     0x18, 0x20));
	expect_request(&(struct nsm_request){ .op = NSM_OP_ATTESTATION },
		       BYTES(0xa1, 0x6b, 'A', 't', 't', 'e', 's', 't', 'a', 't', 'i', 'o', 'n', 0xa3, 0x69, 'u', 's',
			     'e', 'r', '_', 'd', 'a', 't', 'a', 0xf6, 0x65, 'n', 'o', 'n', 'c', 'e', 0xf6, 0x6a, 'p',
			     'u', 'b', 'l', 'i', 'c', '_', 'k', 'e', 'y', 0xf6));
	/* Present-but-empty is an empty byte string, not null. */
	expect_request(&(struct nsm_request){ .op = NSM_OP_ATTESTATION, .nonce = { (const uint8_t *)"", 0 },
					      .user_data = { (const uint8_t *)"\xab", 1 } },
		       BYTES(0xa1, 0x6b, 'A', 't', 't', 'e', 's', 't', 'a', 't', 'i', 'o', 'n', 0xa3, 0x69, 'u', 's',
			     'e', 'r', '_', 'd', 'a', 't', 'a', 0x41, 0xab, 0x65, 'n', 'o', 'n', 'c', 'e', 0x40, 0x6a,
			     'p', 'u', 'b', 'l', 'i', 'c', '_', 'k', 'e', 'y', 0xf6));
	/* u16 index: shortest encoding (0x19 only above 255). */
	expect_request(&(struct nsm_request){ .op = NSM_OP_LOCK_PCR, .index = 256 },
		       BYTES(0xa1, 0x67, 'L', 'o', 'c', 'k', 'P', 'C', 'R', 0xa1, 0x65, 'i', 'n', 'd', 'e', 'x', 0x19,
			     0x01, 0x00));
}

static void expect_response(const struct nsm_response *resp, const uint8_t *golden, size_t len)
{
	uint8_t buf[512];
	ssize_t n = nsm_response_encode(resp, buf, sizeof(buf));
	assert_int_equal(n, len);
	assert_memory_equal(buf, golden, len);
	struct nsm_response back;
	assert_int_equal(nsm_response_decode(resp->op, buf, (size_t)n, &back), resp->error);
	/* Every strict prefix is an invalid reply, never a crash. */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(nsm_response_decode(resp->op, buf, cut, &back), ERROR_CODE_INVALID_RESPONSE);
}

static void test_response_golden(void **state)
{
	(void)state;
	static const uint8_t pcr[48] = { 0xaa };
	struct nsm_response r;

	expect_response(&(struct nsm_response){ .op = NSM_OP_LOCK_PCR },
			BYTES(0x67, 'L', 'o', 'c', 'k', 'P', 'C', 'R'));
	expect_response(&(struct nsm_response){ .op = NSM_OP_LOCK_PCRS },
			BYTES(0x68, 'L', 'o', 'c', 'k', 'P', 'C', 'R', 's'));
	expect_response(&(struct nsm_response){ .op = NSM_OP_GET_RANDOM, .data = { (const uint8_t *)"\x01\x02", 2 } },
			BYTES(0xa1, 0x69, 'G', 'e', 't', 'R', 'a', 'n', 'd', 'o', 'm', 0xa1, 0x66, 'r', 'a', 'n', 'd',
			      'o', 'm', 0x42, 0x01, 0x02));
	expect_response(&(struct nsm_response){ .op = NSM_OP_ATTESTATION, .data = { (const uint8_t *)"\x84", 1 } },
			BYTES(0xa1, 0x6b, 'A', 't', 't', 'e', 's', 't', 'a', 't', 'i', 'o', 'n', 0xa1, 0x68, 'd', 'o',
			      'c', 'u', 'm', 'e', 'n', 't', 0x41, 0x84));
	expect_response(&(struct nsm_response){ .op = NSM_OP_EXTEND_PCR, .data = { (const uint8_t *)"\x07", 1 } },
			BYTES(0xa1, 0x69, 'E', 'x', 't', 'e', 'n', 'd', 'P', 'C', 'R', 0xa1, 0x64, 'd', 'a', 't', 'a',
			      0x41, 0x07));
	expect_response(&(struct nsm_response){ .op = NSM_OP_DESCRIBE_PCR, .lock = true,
						.data = { (const uint8_t *)"\x07", 1 } },
			BYTES(0xa1, 0x6b, 'D', 'e', 's', 'c', 'r', 'i', 'b', 'e', 'P', 'C', 'R', 0xa2, 0x64, 'l', 'o',
			      'c', 'k', 0xf5, 0x64, 'd', 'a', 't', 'a', 0x41, 0x07));

	/* DescribePCR decodes a real-sized value and the lock flag. */
	uint8_t buf[256];
	ssize_t n = nsm_response_encode(&(struct nsm_response){ .op = NSM_OP_DESCRIBE_PCR, .lock = false,
								 .data = { pcr, sizeof(pcr) } },
					buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(nsm_response_decode(NSM_OP_DESCRIBE_PCR, buf, (size_t)n, &r), ERROR_CODE_SUCCESS);
	assert_false(r.lock);
	assert_int_equal(r.data.len, 48);
	assert_memory_equal(r.data.ptr, pcr, 48);
}

static void test_describe_nsm(void **state)
{
	(void)state;
	struct nsm_response d = { .op = NSM_OP_DESCRIBE_NSM, .version_major = 1, .version_minor = 2,
				  .version_patch = 3, .module_id = { (const uint8_t *)"i-1-enc2", 8 },
				  .max_pcrs = 32, .locked_pcrs = { 0, 1, 15 }, .locked_pcrs_len = 3,
				  .digest = DIGEST_SHA384 };
	uint8_t buf[512];
	struct nsm_response r;
	ssize_t n = nsm_response_encode(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(nsm_response_decode(NSM_OP_DESCRIBE_NSM, buf, (size_t)n, &r), ERROR_CODE_SUCCESS);
	assert_int_equal(r.version_major, 1);
	assert_int_equal(r.version_minor, 2);
	assert_int_equal(r.version_patch, 3);
	assert_int_equal(r.module_id.len, 8);
	assert_memory_equal(r.module_id.ptr, "i-1-enc2", 8);
	assert_int_equal(r.max_pcrs, 32);
	assert_int_equal(r.locked_pcrs_len, 3);
	assert_int_equal(r.locked_pcrs[2], 15);
	assert_int_equal(r.digest, DIGEST_SHA384);

	/* QEMU's key order (digest first) and an indefinite field map and
	 * locked_pcrs array decode the same. */
	uint8_t q[256];
	struct cborw w;
	cborw_init(&w, q, sizeof(q));
	cborw_map(&w, 1);
	cborw_text(&w, "DescribeNSM");
	cborw_indef_map(&w);
	cborw_text(&w, "digest");
	cborw_text(&w, "SHA512");
	cborw_text(&w, "max_pcrs");
	cborw_uint(&w, 32);
	cborw_text(&w, "unknown_future_key");
	cborw_array(&w, 2);
	cborw_uint(&w, 1);
	cborw_null(&w);
	cborw_text(&w, "module_id");
	cborw_text(&w, "i-234-enc5678");
	cborw_text(&w, "locked_pcrs");
	q[w.len++] = 0x9f; /* indefinite array */
	cborw_uint(&w, 0);
	cborw_uint(&w, 300);
	cborw_break(&w);
	cborw_text(&w, "version_major");
	cborw_uint(&w, 1);
	cborw_text(&w, "version_minor");
	cborw_uint(&w, 0);
	cborw_text(&w, "version_patch");
	cborw_uint(&w, 0);
	cborw_break(&w);
	assert_false(w.overflow);
	assert_int_equal(nsm_response_decode(NSM_OP_DESCRIBE_NSM, q, w.len, &r), ERROR_CODE_SUCCESS);
	assert_int_equal(r.digest, DIGEST_SHA512);
	assert_int_equal(r.locked_pcrs_len, 2);
	assert_int_equal(r.locked_pcrs[1], 300);
	assert_int_equal(r.module_id.len, 13);

	/* 65 locked PCRs do not fit AWS's struct: an invalid reply. */
	d.locked_pcrs_len = NSM_MAX_LOCKED_PCRS;
	n = nsm_response_encode(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(nsm_response_decode(NSM_OP_DESCRIBE_NSM, buf, (size_t)n, &r), ERROR_CODE_SUCCESS);
	uint8_t big[512];
	cborw_init(&w, big, sizeof(big));
	cborw_map(&w, 1);
	cborw_text(&w, "DescribeNSM");
	cborw_map(&w, 7);
	cborw_text(&w, "version_major"); cborw_uint(&w, 1);
	cborw_text(&w, "version_minor"); cborw_uint(&w, 0);
	cborw_text(&w, "version_patch"); cborw_uint(&w, 0);
	cborw_text(&w, "module_id"); cborw_text(&w, "m");
	cborw_text(&w, "max_pcrs"); cborw_uint(&w, 32);
	cborw_text(&w, "locked_pcrs");
	cborw_array(&w, 65);
	for (int i = 0; i < 65; i++)
		cborw_uint(&w, (uint64_t)i);
	cborw_text(&w, "digest"); cborw_text(&w, "SHA384");
	assert_false(w.overflow);
	assert_int_equal(nsm_response_decode(NSM_OP_DESCRIBE_NSM, big, w.len, &r), ERROR_CODE_INVALID_RESPONSE);
}

static void test_error_mapping(void **state)
{
	(void)state;
	static const char *const names[] = { "InvalidArgument", "InvalidIndex", "InvalidResponse", "ReadOnlyIndex",
					     "InvalidOperation", "BufferTooSmall", "InputTooLarge",
					     "InternalError" };
	static const ErrorCode codes[] = { ERROR_CODE_INVALID_ARGUMENT, ERROR_CODE_INVALID_INDEX,
					   ERROR_CODE_INVALID_RESPONSE, ERROR_CODE_READ_ONLY_INDEX,
					   ERROR_CODE_INVALID_OPERATION, ERROR_CODE_BUFFER_TOO_SMALL,
					   ERROR_CODE_INPUT_TOO_LARGE, ERROR_CODE_INTERNAL_ERROR };
	uint8_t buf[64];
	struct cborw w;
	struct nsm_response r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_string_equal(nsm_error_name(codes[i]), names[i]);
		for (enum nsm_op op = NSM_OP_DESCRIBE_PCR; op <= NSM_OP_GET_RANDOM; op++) {
			cborw_init(&w, buf, sizeof(buf));
			cborw_map(&w, 1);
			cborw_text(&w, "Error");
			cborw_text(&w, names[i]);
			assert_int_equal(nsm_response_decode(op, buf, w.len, &r), codes[i]);
			assert_int_equal(r.error, codes[i]);
		}
	}
	/* Unknown names and "Success" as an error are not valid replies, and
	 * not the NSM's error either: r.error stays SUCCESS, which is how
	 * libnsm tells them from the NSM's own "InvalidResponse". */
	const char *bad[] = { "Success", "NoSuchError", "invalidindex", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cborw_init(&w, buf, sizeof(buf));
		cborw_map(&w, 1);
		cborw_text(&w, "Error");
		cborw_text(&w, bad[i]);
		assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, buf, w.len, &r), ERROR_CODE_INVALID_RESPONSE);
		assert_int_equal(r.error, ERROR_CODE_SUCCESS);
	}
	/* {"Error": <not text>} */
	cborw_init(&w, buf, sizeof(buf));
	cborw_map(&w, 1);
	cborw_text(&w, "Error");
	cborw_uint(&w, 2);
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, buf, w.len, &r), ERROR_CODE_INVALID_RESPONSE);
	assert_null(nsm_error_name((ErrorCode)99));
}

static void test_unexpected_replies(void **state)
{
	(void)state;
	struct nsm_response r;
	uint8_t buf[64];
	struct cborw w;

	/* Another variant than the request's. */
	assert_int_equal(nsm_response_decode(NSM_OP_LOCK_PCRS, BYTES(0x67, 'L', 'o', 'c', 'k', 'P', 'C', 'R'), &r),
			 ERROR_CODE_INVALID_RESPONSE);
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, BYTES(0x67, 'L', 'o', 'c', 'k', 'P', 'C', 'R'), &r),
			 ERROR_CODE_INVALID_RESPONSE);
	/* Trailing byte after a valid reply. */
	assert_int_equal(nsm_response_decode(NSM_OP_LOCK_PCR, BYTES(0x67, 'L', 'o', 'c', 'k', 'P', 'C', 'R', 0), &r),
			 ERROR_CODE_INVALID_RESPONSE);
	/* random as an integer array (what non-bytes-aware encoders emit). */
	cborw_init(&w, buf, sizeof(buf));
	cborw_map(&w, 1);
	cborw_text(&w, "GetRandom");
	cborw_map(&w, 1);
	cborw_text(&w, "random");
	cborw_array(&w, 1);
	cborw_uint(&w, 1);
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, buf, w.len, &r), ERROR_CODE_INVALID_RESPONSE);
	/* Missing field. */
	cborw_init(&w, buf, sizeof(buf));
	cborw_map(&w, 1);
	cborw_text(&w, "GetRandom");
	cborw_map(&w, 0);
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, buf, w.len, &r), ERROR_CODE_INVALID_RESPONSE);
	/* Duplicate field. */
	cborw_init(&w, buf, sizeof(buf));
	cborw_map(&w, 1);
	cborw_text(&w, "GetRandom");
	cborw_map(&w, 2);
	cborw_text(&w, "random");
	cborw_bytes(&w, "a", 1);
	cborw_text(&w, "random");
	cborw_bytes(&w, "b", 1);
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, buf, w.len, &r), ERROR_CODE_INVALID_RESPONSE);
	/* Root map with two entries; root of another type; empty input. */
	cborw_init(&w, buf, sizeof(buf));
	cborw_map(&w, 2);
	cborw_text(&w, "GetRandom");
	cborw_null(&w);
	cborw_text(&w, "x");
	cborw_null(&w);
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, buf, w.len, &r), ERROR_CODE_INVALID_RESPONSE);
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, BYTES(0x01), &r), ERROR_CODE_INVALID_RESPONSE);
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, buf, 0, &r), ERROR_CODE_INVALID_RESPONSE);
	/* Indefinite-length (chunked) byte string: rejected, not mis-read. */
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM,
					     BYTES(0xa1, 0x69, 'G', 'e', 't', 'R', 'a', 'n', 'd', 'o', 'm', 0xa1, 0x66,
						   'r', 'a', 'n', 'd', 'o', 'm', 0x5f, 0x41, 0x01, 0xff),
					     &r),
			 ERROR_CODE_INVALID_RESPONSE);
	/* An indefinite root map is accepted. */
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM,
					     BYTES(0xbf, 0x69, 'G', 'e', 't', 'R', 'a', 'n', 'd', 'o', 'm', 0xbf, 0x66,
						   'r', 'a', 'n', 'd', 'o', 'm', 0x41, 0x01, 0xff, 0xff),
					     &r),
			 ERROR_CODE_SUCCESS);
	assert_int_equal(r.data.len, 1);
	/* Deep nesting in an ignored key stays bounded. */
	uint8_t deep[64] = { 0xa1, 0x69, 'G', 'e', 't', 'R', 'a', 'n', 'd', 'o', 'm', 0xa2, 0x61, 'x' };
	size_t n = 14;
	while (n < sizeof(deep) - 1)
		deep[n++] = 0x81;
	deep[n++] = 0x00;
	assert_int_equal(nsm_response_decode(NSM_OP_GET_RANDOM, deep, n, &r), ERROR_CODE_INVALID_RESPONSE);
}

static void test_request_decode_rejects(void **state)
{
	(void)state;
	struct nsm_request q;
	/* QEMU rejects these forms; so does the software NSM. */
	assert_int_equal(nsm_request_decode(BYTES(0xa1, 0x69, 'G', 'e', 't', 'R', 'a', 'n', 'd', 'o', 'm', 0xf6), &q),
			 -EBADMSG);
	assert_int_equal(nsm_request_decode(BYTES(0x81, 0x69, 'G', 'e', 't', 'R', 'a', 'n', 'd', 'o', 'm'), &q),
			 -EBADMSG);
	assert_int_equal(nsm_request_decode(BYTES(0x63, 'F', 'o', 'o'), &q), -EBADMSG);
	/* index beyond u16 */
	assert_int_equal(nsm_request_decode(BYTES(0xa1, 0x67, 'L', 'o', 'c', 'k', 'P', 'C', 'R', 0xa1, 0x65, 'i', 'n',
						  'd', 'e', 'x', 0x1a, 0x00, 0x01, 0x00, 0x00),
					    &q),
			 -EBADMSG);
	/* Attestation with a missing field and an empty map: all absent. */
	assert_int_equal(nsm_request_decode(BYTES(0xa1, 0x6b, 'A', 't', 't', 'e', 's', 't', 'a', 't', 'i', 'o', 'n',
						  0xa0),
					    &q),
			 0);
	assert_null(q.nonce.ptr);
	assert_null(q.user_data.ptr);
	assert_null(q.public_key.ptr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_golden),
		cmocka_unit_test(test_response_golden),
		cmocka_unit_test(test_describe_nsm),
		cmocka_unit_test(test_error_mapping),
		cmocka_unit_test(test_unexpected_replies),
		cmocka_unit_test(test_request_decode_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
