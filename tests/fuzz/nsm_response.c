/* libFuzzer: libnsm's reply decoding for every request kind, and the
 * software NSM's request decoding and handling, on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nsm_proto.h"
#include "nsm_soft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nsm_soft soft;
	static uint8_t out[16384];
	struct nsm_response r;
	struct nsm_request q;

	for (enum nsm_op op = NSM_OP_DESCRIBE_PCR; op <= NSM_OP_GET_RANDOM; op++) {
		ErrorCode rc = nsm_response_decode(op, data, size, &r);
		/* Views must stay inside the input. */
		if (rc == ERROR_CODE_SUCCESS && r.data.ptr &&
		    (r.data.ptr < data || r.data.ptr + r.data.len > data + size))
			__builtin_trap();
		if (rc == ERROR_CODE_SUCCESS && r.locked_pcrs_len > NSM_MAX_LOCKED_PCRS)
			__builtin_trap();
		/* r.error is the NSM's error exactly when one is returned (libnsm
		 * tells it from an undecodable reply by this). */
		if (r.error != ERROR_CODE_SUCCESS && r.error != rc)
			__builtin_trap();
	}
	if (nsm_request_decode(data, size, &q) == 0) {
		/* What decodes re-encodes and decodes to the same request. */
		uint8_t buf[8192];
		ssize_t n = nsm_request_encode(&q, buf, sizeof(buf));
		struct nsm_request q2;
		if (n < 0 || nsm_request_decode(buf, (size_t)n, &q2) != 0 || q2.op != q.op || q2.index != q.index)
			__builtin_trap();
	}
	if (soft.module_id[0] == 0)
		nsm_soft_init(&soft, "i-fuzz-enc", NULL);
	soft.fixed_time_ms = 1;
	size_t n = nsm_soft_handle(&soft, data, size, out, sizeof(out));
	if (n == 0 || n > sizeof(out))
		__builtin_trap();
	return 0;
}
