/*
 * nsm.c — the AWS-compatible API of nsm.h: argument checks, one round trip
 * through nsm_transport, the reply copied out with AWS's length rules.
 */
#include "nsm.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "nsm_proto.h"
#include "nsm_transport.h"

int32_t nsm_lib_init(void)
{
	int fd = nsm_transport_open();
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

void nsm_lib_exit(int32_t fd)
{
	if (fd >= 0)
		close(fd);
}

/* A failure of the library's own, not an answer of the NSM: errno says why
 * (nsm.h). */
static ErrorCode fail(int err, ErrorCode rc)
{
	errno = err;
	return rc;
}

/* Sends req and decodes the reply into *resp, whose byte views point into
 * resp_buf (NSM_RESPONSE_MAX_SIZE bytes).  errno is left alone when the NSM
 * answered, even with an error. */
static ErrorCode round_trip(int32_t fd, const struct nsm_request *req, uint8_t *resp_buf, struct nsm_response *resp)
{
	uint8_t req_buf[NSM_REQUEST_MAX_SIZE];
	size_t resp_len;

	ssize_t n = nsm_request_encode(req, req_buf, sizeof(req_buf));
	if (n < 0)
		return fail(EMSGSIZE, ERROR_CODE_INPUT_TOO_LARGE);
	int e = nsm_transport_call(fd, req_buf, (size_t)n, resp_buf, &resp_len);
	if (e < 0)
		return fail(-e, e == -EMSGSIZE ? ERROR_CODE_INPUT_TOO_LARGE : ERROR_CODE_INTERNAL_ERROR);
	ErrorCode rc = nsm_response_decode(req->op, resp_buf, resp_len, resp);
	/* resp->error is set only when the reply was the NSM's {"Error": name}. */
	if (rc != ERROR_CODE_SUCCESS && rc != resp->error)
		return fail(EBADMSG, rc);
	return rc;
}

/* AWS's nsm_get_raw_from_vec: copy what fits, report truncation. */
static ErrorCode copy_out(const struct nsm_bytes *src, uint8_t *out, uint32_t *out_len)
{
	if (!out) {
		*out_len = 0;
		return fail(ENOBUFS, ERROR_CODE_BUFFER_TOO_SMALL);
	}
	size_t n = src->len < *out_len ? src->len : *out_len;
	if (n)
		memcpy(out, src->ptr, n);
	bool truncated = src->len > *out_len;
	*out_len = (uint32_t)n;
	return truncated ? fail(ENOBUFS, ERROR_CODE_BUFFER_TOO_SMALL) : ERROR_CODE_SUCCESS;
}

/* Output buffer rules shared by every function with (out, *out_len). */
static bool bad_output(const uint8_t *out, const uint32_t *out_len)
{
	return !out_len || (!out && *out_len > 0);
}

ErrorCode nsm_describe_pcr(int32_t fd, uint16_t index, bool *lock, uint8_t *data, uint32_t *data_len)
{
	uint8_t buf[NSM_RESPONSE_MAX_SIZE];
	struct nsm_response resp;
	struct nsm_request req = { .op = NSM_OP_DESCRIBE_PCR, .index = index };

	if (fd < 0 || !lock || bad_output(data, data_len))
		return fail(EINVAL, ERROR_CODE_INVALID_ARGUMENT);
	ErrorCode rc = round_trip(fd, &req, buf, &resp);
	if (rc != ERROR_CODE_SUCCESS)
		return rc;
	*lock = resp.lock;
	return copy_out(&resp.data, data, data_len);
}

ErrorCode nsm_extend_pcr(int32_t fd, uint16_t index, const uint8_t *data, uint32_t data_len,
			 uint8_t *pcr_data, uint32_t *pcr_data_len)
{
	uint8_t buf[NSM_RESPONSE_MAX_SIZE];
	struct nsm_response resp;
	struct nsm_request req = { .op = NSM_OP_EXTEND_PCR, .index = index, .data = { data, data_len } };

	if (fd < 0 || !data || bad_output(pcr_data, pcr_data_len))
		return fail(EINVAL, ERROR_CODE_INVALID_ARGUMENT);
	ErrorCode rc = round_trip(fd, &req, buf, &resp);
	return rc != ERROR_CODE_SUCCESS ? rc : copy_out(&resp.data, pcr_data, pcr_data_len);
}

ErrorCode nsm_get_attestation_doc(int32_t fd, const uint8_t *user_data, uint32_t user_data_len,
				  const uint8_t *nonce_data, uint32_t nonce_len,
				  const uint8_t *pub_key_data, uint32_t pub_key_len,
				  uint8_t *att_doc_data, uint32_t *att_doc_len)
{
	uint8_t buf[NSM_RESPONSE_MAX_SIZE];
	struct nsm_response resp;
	struct nsm_request req = {
		.op = NSM_OP_ATTESTATION,
		.user_data = { user_data, user_data_len },
		.nonce = { nonce_data, nonce_len },
		.public_key = { pub_key_data, pub_key_len },
	};

	if (fd < 0 || bad_output(att_doc_data, att_doc_len))
		return fail(EINVAL, ERROR_CODE_INVALID_ARGUMENT);
	/* NULL means absent; a length without data is a caller error. */
	if ((!user_data && user_data_len) || (!nonce_data && nonce_len) || (!pub_key_data && pub_key_len))
		return fail(EINVAL, ERROR_CODE_INVALID_ARGUMENT);
	ErrorCode rc = round_trip(fd, &req, buf, &resp);
	return rc != ERROR_CODE_SUCCESS ? rc : copy_out(&resp.data, att_doc_data, att_doc_len);
}

ErrorCode nsm_get_description(int32_t fd, NsmDescription *d)
{
	uint8_t buf[NSM_RESPONSE_MAX_SIZE];
	struct nsm_response resp;
	struct nsm_request req = { .op = NSM_OP_DESCRIBE_NSM };

	if (fd < 0 || !d)
		return fail(EINVAL, ERROR_CODE_INVALID_ARGUMENT);
	ErrorCode rc = round_trip(fd, &req, buf, &resp);
	if (rc != ERROR_CODE_SUCCESS)
		return rc;
	memset(d, 0, sizeof(*d));
	d->version_major = resp.version_major;
	d->version_minor = resp.version_minor;
	d->version_patch = resp.version_patch;
	size_t n = resp.module_id.len < sizeof(d->module_id) - 1 ? resp.module_id.len : sizeof(d->module_id) - 1;
	if (n)
		memcpy(d->module_id, resp.module_id.ptr, n);
	d->module_id_len = (uint32_t)n;
	d->max_pcrs = resp.max_pcrs;
	memcpy(d->locked_pcrs, resp.locked_pcrs, resp.locked_pcrs_len * sizeof(resp.locked_pcrs[0]));
	d->locked_pcrs_len = (uint32_t)resp.locked_pcrs_len;
	d->digest = resp.digest;
	return ERROR_CODE_SUCCESS;
}

ErrorCode nsm_get_random(int32_t fd, uint8_t *out, uintptr_t *out_len)
{
	uint8_t buf[NSM_RESPONSE_MAX_SIZE];
	struct nsm_response resp;
	struct nsm_request req = { .op = NSM_OP_GET_RANDOM };

	if (fd < 0 || !out || !out_len || *out_len == 0)
		return fail(EINVAL, ERROR_CODE_INVALID_ARGUMENT);
	ErrorCode rc = round_trip(fd, &req, buf, &resp);
	if (rc != ERROR_CODE_SUCCESS)
		return rc;
	size_t n = resp.data.len < *out_len ? resp.data.len : *out_len;
	if (n)
		memcpy(out, resp.data.ptr, n);
	*out_len = n;
	return ERROR_CODE_SUCCESS;
}

static ErrorCode lock(int32_t fd, enum nsm_op op, uint16_t index)
{
	uint8_t buf[NSM_RESPONSE_MAX_SIZE];
	struct nsm_response resp;
	struct nsm_request req = { .op = op, .index = index };

	if (fd < 0)
		return fail(EINVAL, ERROR_CODE_INVALID_ARGUMENT);
	return round_trip(fd, &req, buf, &resp);
}

ErrorCode nsm_lock_pcr(int32_t fd, uint16_t index)
{
	return lock(fd, NSM_OP_LOCK_PCR, index);
}

ErrorCode nsm_lock_pcrs(int32_t fd, uint16_t range)
{
	return lock(fd, NSM_OP_LOCK_PCRS, range);
}
