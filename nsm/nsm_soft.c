/*
 * nsm_soft.c — see nsm_soft.h.
 */
#include "nsm_soft.h"

#include <bearssl_hash.h>
#include <bearssl_x509.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cborio.h"
#include "cose.h"
#include "nsm_proto.h"
#include "nsm_transport.h"

#define BOOT_LOCKED 16
#define RANDOM_LEN 256

/* {1: -35} */
static const uint8_t protected_es384[] = { 0xa1, 0x01, 0x38, 0x22 };
/* {1: -1}: QEMU's "not signed" marker */
static const uint8_t protected_none[] = { 0xa1, 0x01, 0x20 };
#define UNSIGNED_LEN 64

void nsm_soft_init(struct nsm_soft *s, const char *module_id, const uint8_t (*boot_pcrs)[NSM_SOFT_PCR_LEN])
{
	memset(s, 0, sizeof(*s));
	snprintf(s->module_id, sizeof(s->module_id), "%s", module_id);
	for (int i = 0; i < BOOT_LOCKED; i++) {
		if (boot_pcrs)
			memcpy(s->pcr[i], boot_pcrs[i], NSM_SOFT_PCR_LEN);
		s->locked[i] = true;
	}
}

int nsm_soft_set_key(struct nsm_soft *s, const uint8_t *der, size_t len)
{
	br_skey_decoder_context dc;

	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der, len);
	const br_ec_private_key *k = br_skey_decoder_get_ec(&dc);
	if (br_skey_decoder_last_error(&dc) != 0 || !k || k->curve != BR_EC_secp384r1 || k->xlen > sizeof(s->key_buf))
		return -EINVAL;
	memcpy(s->key_buf, k->x, k->xlen);
	s->key = (br_ec_private_key){ .curve = k->curve, .x = s->key_buf, .xlen = k->xlen };
	s->has_key = true;
	return 0;
}

ssize_t nsm_soft_payload_encode(const struct nsm_soft_payload *p, uint8_t *buf, size_t cap)
{
	struct cborw w;

	cborw_init(&w, buf, cap);
	cborw_map(&w, 9);
	cborw_text(&w, "module_id");
	cborw_text(&w, p->module_id);
	cborw_text(&w, "digest");
	cborw_text(&w, "SHA384");
	cborw_text(&w, "timestamp");
	cborw_uint(&w, p->timestamp_ms);
	cborw_text(&w, "pcrs");
	cborw_map(&w, p->n_pcrs);
	for (size_t i = 0; i < p->n_pcrs; i++) {
		cborw_uint(&w, p->pcr_index[i]);
		cborw_bytes(&w, p->pcr_value[i], p->pcr_len);
	}
	cborw_text(&w, "certificate");
	cborw_bytes(&w, p->cert, p->cert_len);
	cborw_text(&w, "cabundle");
	cborw_array(&w, p->n_cabundle);
	for (size_t i = 0; i < p->n_cabundle; i++)
		cborw_bytes(&w, p->cabundle[i], p->cabundle_len[i]);
	cborw_text(&w, "public_key");
	cborw_bytes_or_null(&w, p->public_key, p->public_key_len);
	cborw_text(&w, "user_data");
	cborw_bytes_or_null(&w, p->user_data, p->user_data_len);
	cborw_text(&w, "nonce");
	cborw_bytes_or_null(&w, p->nonce, p->nonce_len);
	return w.overflow ? -ENOSPC : (ssize_t)w.len;
}

ssize_t nsm_soft_sign1(const br_ec_private_key *key, const uint8_t *protected_hdr, size_t protected_len,
		       const uint8_t *payload, size_t payload_len, uint8_t *buf, size_t cap)
{
	uint8_t hash[COSE_SHA384_LEN], sig[132] = { 0 };
	size_t sig_len = UNSIGNED_LEN;
	struct cborw w;

	if (key) {
		cose_sign1_tbs_hash(protected_hdr, protected_len, payload, payload_len, hash);
		sig_len = br_ecdsa_i31_sign_raw(&br_ec_prime_i31, &br_sha384_vtable, hash, key, sig);
		if (sig_len == 0)
			return -EIO;
	}
	cborw_init(&w, buf, cap);
	cborw_array(&w, 4);
	cborw_bytes(&w, protected_hdr, protected_len);
	cborw_map(&w, 0);
	cborw_bytes(&w, payload, payload_len);
	cborw_bytes(&w, sig, sig_len);
	return w.overflow ? -ENOSPC : (ssize_t)w.len;
}

static uint64_t now_ms(const struct nsm_soft *s)
{
	struct timespec ts;

	if (s->fixed_time_ms)
		return s->fixed_time_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The attestation document into doc; its length or a negative errno. */
static ssize_t attest(const struct nsm_soft *s, const struct nsm_request *req, uint8_t *doc, size_t cap)
{
	static const uint8_t zeros[UNSIGNED_LEN];
	const uint8_t *zero_bundle[1] = { zeros };
	const size_t zero_len[1] = { UNSIGNED_LEN };
	uint16_t index[NSM_SOFT_PCRS];
	const uint8_t *value[NSM_SOFT_PCRS];
	uint8_t payload[NSM_RESPONSE_MAX_SIZE];
	size_t n = 0;

	for (uint16_t i = 0; i < NSM_SOFT_PCRS; i++)
		if (s->locked[i]) {
			index[n] = i;
			value[n++] = s->pcr[i];
		}
	struct nsm_soft_payload p = {
		.module_id = s->module_id,
		.timestamp_ms = now_ms(s),
		.n_pcrs = n, .pcr_index = index, .pcr_value = value, .pcr_len = NSM_SOFT_PCR_LEN,
		.cert = s->has_key ? s->cert : zeros, .cert_len = s->has_key ? s->cert_len : UNSIGNED_LEN,
		.cabundle = s->has_key ? s->cabundle : zero_bundle,
		.cabundle_len = s->has_key ? s->cabundle_len : zero_len,
		.n_cabundle = s->has_key ? s->n_cabundle : 1,
		.public_key = req->public_key.ptr, .public_key_len = req->public_key.len,
		.user_data = req->user_data.ptr, .user_data_len = req->user_data.len,
		.nonce = req->nonce.ptr, .nonce_len = req->nonce.len,
	};
	ssize_t len = nsm_soft_payload_encode(&p, payload, sizeof(payload));
	if (len < 0)
		return len;
	if (s->has_key)
		return nsm_soft_sign1(&s->key, protected_es384, sizeof(protected_es384), payload, (size_t)len, doc, cap);
	return nsm_soft_sign1(NULL, protected_none, sizeof(protected_none), payload, (size_t)len, doc, cap);
}

/* Executes req; fills resp (views into s, scratch) or sets resp->error. */
static void execute(struct nsm_soft *s, const struct nsm_request *req, struct nsm_response *resp, uint8_t *scratch,
		    size_t scratch_cap)
{
	resp->op = req->op;
	switch (req->op) {
	case NSM_OP_DESCRIBE_PCR:
		if (req->index >= NSM_SOFT_PCRS) {
			resp->error = ERROR_CODE_INVALID_INDEX;
			return;
		}
		resp->lock = s->locked[req->index];
		resp->data = (struct nsm_bytes){ s->pcr[req->index], NSM_SOFT_PCR_LEN };
		return;
	case NSM_OP_EXTEND_PCR: {
		if (req->index >= NSM_SOFT_PCRS) {
			resp->error = ERROR_CODE_INVALID_INDEX;
			return;
		}
		if (s->locked[req->index]) {
			resp->error = ERROR_CODE_READ_ONLY_INDEX;
			return;
		}
		br_sha384_context h;
		br_sha384_init(&h);
		br_sha384_update(&h, s->pcr[req->index], NSM_SOFT_PCR_LEN);
		br_sha384_update(&h, req->data.ptr, req->data.len);
		br_sha384_out(&h, s->pcr[req->index]);
		resp->data = (struct nsm_bytes){ s->pcr[req->index], NSM_SOFT_PCR_LEN };
		return;
	}
	case NSM_OP_LOCK_PCR:
		if (req->index >= NSM_SOFT_PCRS)
			resp->error = ERROR_CODE_INVALID_INDEX;
		else if (s->locked[req->index])
			resp->error = ERROR_CODE_READ_ONLY_INDEX;
		else
			s->locked[req->index] = true;
		return;
	case NSM_OP_LOCK_PCRS:
		if (req->index > NSM_SOFT_PCRS) {
			resp->error = ERROR_CODE_INVALID_INDEX;
			return;
		}
		for (uint16_t i = 0; i < req->index; i++)
			s->locked[i] = true;
		return;
	case NSM_OP_DESCRIBE_NSM:
		resp->version_major = 1;
		resp->module_id = (struct nsm_bytes){ (const uint8_t *)s->module_id, strlen(s->module_id) };
		resp->max_pcrs = NSM_SOFT_PCRS;
		for (uint16_t i = 0; i < NSM_SOFT_PCRS; i++)
			if (s->locked[i])
				resp->locked_pcrs[resp->locked_pcrs_len++] = i;
		resp->digest = DIGEST_SHA384;
		return;
	case NSM_OP_ATTESTATION: {
		ssize_t n = attest(s, req, scratch, scratch_cap);
		if (n < 0)
			resp->error = n == -ENOSPC ? ERROR_CODE_INPUT_TOO_LARGE : ERROR_CODE_INTERNAL_ERROR;
		else
			resp->data = (struct nsm_bytes){ scratch, (size_t)n };
		return;
	}
	case NSM_OP_GET_RANDOM:
		if (scratch_cap < RANDOM_LEN || getrandom(scratch, RANDOM_LEN, 0) != RANDOM_LEN) {
			resp->error = ERROR_CODE_INTERNAL_ERROR;
			return;
		}
		resp->data = (struct nsm_bytes){ scratch, RANDOM_LEN };
		return;
	}
	resp->error = ERROR_CODE_INVALID_OPERATION;
}

size_t nsm_soft_handle(struct nsm_soft *s, const uint8_t *req_buf, size_t req_len, uint8_t *out, size_t cap)
{
	uint8_t scratch[NSM_RESPONSE_MAX_SIZE];
	struct nsm_request req;
	struct nsm_response resp;
	ssize_t n;

	memset(&resp, 0, sizeof(resp));
	if (req_len > NSM_REQUEST_MAX_SIZE)
		resp.error = ERROR_CODE_INPUT_TOO_LARGE;
	else if (nsm_request_decode(req_buf, req_len, &req) < 0)
		resp.error = ERROR_CODE_INVALID_OPERATION;
	else
		execute(s, &req, &resp, scratch, sizeof(scratch));
	n = nsm_response_encode(&resp, out, cap);
	if (n < 0) { /* the reply does not fit: say so, as QEMU does */
		memset(&resp, 0, sizeof(resp));
		resp.error = ERROR_CODE_BUFFER_TOO_SMALL;
		n = nsm_response_encode(&resp, out, cap);
	}
	return n < 0 ? 0 : (size_t)n;
}

/* Receives one request and the reply channel passed with it (or -1).
 * Every descriptor a client passes is taken: the first is the reply
 * channel, the others are closed, so none can pile up in the server. */
static ssize_t recv_request(int fd, uint8_t *buf, size_t cap, int *reply_fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctrl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl.buf,
			      .msg_controllen = sizeof(ctrl.buf) };

	*reply_fd = -1;
	ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0))
			continue;
		size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int passed;
			memcpy(&passed, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*reply_fd < 0)
				*reply_fd = passed;
			else
				close(passed);
		}
	}
	if (n == 0 && *reply_fd >= 0) { /* an empty message is the end */
		close(*reply_fd);
		*reply_fd = -1;
	}
	return n;
}

int nsm_soft_serve(struct nsm_soft *s, int fd)
{
	uint8_t req[NSM_REQUEST_MAX_SIZE + 1], resp[NSM_RESPONSE_MAX_SIZE];
	int reply_fd;

	for (;;) {
		ssize_t n = recv_request(fd, req, sizeof(req), &reply_fd);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		size_t len = nsm_soft_handle(s, req, (size_t)n, resp, sizeof(resp));
		/* MSG_DONTWAIT: a reply channel nobody reads must not stall
		 * every other client (a reply fits an empty socket buffer). */
		ssize_t w = send(reply_fd >= 0 ? reply_fd : fd, resp, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		int e = w < 0 ? -errno : 0;
		if (reply_fd >= 0)
			close(reply_fd);
		/* A client that went away only loses its own reply. */
		if (e < 0 && reply_fd < 0)
			return e;
	}
}
