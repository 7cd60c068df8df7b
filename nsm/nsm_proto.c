/*
 * nsm_proto.c — see nsm_proto.h.  Field and variant names are those of
 * nsm-api's serde derives (../shared/reference/nsm.md §2).
 */
#include "nsm_proto.h"

#include <errno.h>
#include <string.h>

#include "cborio.h"

static const char *const op_names[] = {
	[NSM_OP_DESCRIBE_PCR] = "DescribePCR",
	[NSM_OP_EXTEND_PCR] = "ExtendPCR",
	[NSM_OP_LOCK_PCR] = "LockPCR",
	[NSM_OP_LOCK_PCRS] = "LockPCRs",
	[NSM_OP_DESCRIBE_NSM] = "DescribeNSM",
	[NSM_OP_ATTESTATION] = "Attestation",
	[NSM_OP_GET_RANDOM] = "GetRandom",
};
#define N_OPS (sizeof(op_names) / sizeof(op_names[0]))

static const char *const error_names[] = {
	"Success", "InvalidArgument", "InvalidIndex", "InvalidResponse", "ReadOnlyIndex",
	"InvalidOperation", "BufferTooSmall", "InputTooLarge", "InternalError",
};

static const char *const digest_names[] = { "SHA256", "SHA384", "SHA512" };

const char *nsm_error_name(ErrorCode e)
{
	return (unsigned)e < sizeof(error_names) / sizeof(error_names[0]) ? error_names[e] : NULL;
}

/* Requests without fields, and replies without fields, are bare names. */
static bool unit_request(enum nsm_op op)
{
	return op == NSM_OP_DESCRIBE_NSM || op == NSM_OP_GET_RANDOM;
}

static bool unit_response(enum nsm_op op)
{
	return op == NSM_OP_LOCK_PCR || op == NSM_OP_LOCK_PCRS;
}

static ssize_t finish(const struct cborw *w)
{
	return w->overflow ? -ENOSPC : (ssize_t)w->len;
}

/* Writes the variant: a bare name for a unit variant (returns true: nothing
 * follows), else a 1-entry map's key (the caller writes the fields). */
static bool write_variant(struct cborw *w, enum nsm_op op, bool unit)
{
	if (unit) {
		cborw_text(w, op_names[op]);
		return true;
	}
	cborw_map(w, 1);
	cborw_text(w, op_names[op]);
	return false;
}

ssize_t nsm_request_encode(const struct nsm_request *req, uint8_t *buf, size_t cap)
{
	struct cborw w;

	cborw_init(&w, buf, cap);
	if ((unsigned)req->op >= N_OPS)
		return -EINVAL;
	if (write_variant(&w, req->op, unit_request(req->op)))
		return finish(&w);
	switch (req->op) {
	case NSM_OP_DESCRIBE_PCR:
	case NSM_OP_LOCK_PCR:
		cborw_map(&w, 1);
		cborw_text(&w, "index");
		cborw_uint(&w, req->index);
		break;
	case NSM_OP_LOCK_PCRS:
		cborw_map(&w, 1);
		cborw_text(&w, "range");
		cborw_uint(&w, req->index);
		break;
	case NSM_OP_EXTEND_PCR:
		cborw_map(&w, 2);
		cborw_text(&w, "index");
		cborw_uint(&w, req->index);
		cborw_text(&w, "data");
		cborw_bytes(&w, req->data.ptr, req->data.len);
		break;
	case NSM_OP_ATTESTATION:
		cborw_map(&w, 3);
		cborw_text(&w, "user_data");
		cborw_bytes_or_null(&w, req->user_data.ptr, req->user_data.len);
		cborw_text(&w, "nonce");
		cborw_bytes_or_null(&w, req->nonce.ptr, req->nonce.len);
		cborw_text(&w, "public_key");
		cborw_bytes_or_null(&w, req->public_key.ptr, req->public_key.len);
		break;
	default:
		return -EINVAL;
	}
	return finish(&w);
}

/* ---------------------------------------------------------------- fields */

/* One field of a struct variant: its name and the item read for it. */
struct field {
	const char *name;
	bool seen;
	struct cborp_item it;
};

/*
 * Reads the field map whose header is `map` into fields[] (unknown keys are
 * skipped; a duplicate key is an error).  Arrays are left unread: at most
 * one field may be an array and it must be consumed by `on_array`.
 */
typedef int (*array_reader)(struct cborp *r, const struct cborp_item *array, void *ctx);

static int read_fields(struct cborp *r, const struct cborp_item *map, struct field *fields, size_t n,
		       array_reader on_array, void *ctx)
{
	struct cborp_item key, val;
	uint64_t left = map->u;
	int more, e;

	if (map->kind != CBORP_MAP)
		return -EBADMSG;
	while ((more = cborp_more(r, map, &left)) > 0) {
		if ((e = cborp_next(r, &key)) < 0 || (e = cborp_next(r, &val)) < 0)
			return e;
		if (key.kind != CBORP_TEXT)
			return -EBADMSG;
		struct field *f = NULL;
		for (size_t i = 0; i < n; i++)
			if (cborp_text_is(&key, fields[i].name))
				f = &fields[i];
		if (!f) {
			if ((e = cborp_skip_rest(r, &val)) < 0)
				return e;
			continue;
		}
		if (f->seen)
			return -EBADMSG;
		f->seen = true;
		f->it = val;
		if (val.kind == CBORP_ARRAY) {
			if (!on_array || (e = on_array(r, &val, ctx)) < 0)
				return -EBADMSG;
		} else if ((e = cborp_skip_rest(r, &val)) < 0) {
			return e;
		}
	}
	return more;
}

static bool is_kind(const struct field *f, enum cborp_kind kind)
{
	return f->seen && f->it.kind == kind;
}

static bool get_u16(const struct field *f, uint16_t *out)
{
	if (!is_kind(f, CBORP_UINT) || f->it.u > UINT16_MAX)
		return false;
	*out = (uint16_t)f->it.u;
	return true;
}

static bool get_bytes(const struct field *f, struct nsm_bytes *out)
{
	if (!is_kind(f, CBORP_BYTES))
		return false;
	out->ptr = f->it.ptr ? f->it.ptr : (const uint8_t *)"";
	out->len = f->it.len;
	return true;
}

/* Reads the root of a message: a bare name (*is_unit) or a 1-entry map
 * {name: value}, leaving `value`'s header in *val. */
static int read_root(struct cborp *r, struct cborp_item *name, struct cborp_item *val, bool *is_unit)
{
	struct cborp_item root;
	uint64_t left;
	int e;

	if ((e = cborp_next(r, &root)) < 0)
		return e;
	if (root.kind == CBORP_TEXT) {
		*name = root;
		*is_unit = true;
		return 0;
	}
	*is_unit = false;
	if (root.kind != CBORP_MAP || (!root.indefinite && root.u != 1))
		return -EBADMSG;
	left = root.u;
	if (cborp_more(r, &root, &left) != 1 || (e = cborp_next(r, name)) < 0 || (e = cborp_next(r, val)) < 0)
		return -EBADMSG;
	if (name->kind != CBORP_TEXT)
		return -EBADMSG;
	if (val->kind == CBORP_MAP || val->kind == CBORP_ARRAY)
		return 0; /* the caller reads it, then calls end_root */
	if ((e = cborp_skip_rest(r, val)) < 0)
		return e;
	return 0;
}

/* After the value of a 1-entry root map: its break if indefinite, then end. */
static int end_root(struct cborp *r, const uint8_t *start)
{
	/* The root map's header is the first byte: 0xbf = indefinite. */
	if (start[0] == 0xbf) {
		if (cborp_left(r) == 0 || r->p[0] != 0xff)
			return -EBADMSG;
		r->p++;
	}
	return cborp_left(r) == 0 ? 0 : -EBADMSG;
}

/* ------------------------------------------------------------- responses */

static int read_locked_pcrs(struct cborp *r, const struct cborp_item *array, void *ctx)
{
	struct nsm_response *resp = ctx;
	struct cborp_item it;
	uint64_t left = array->u;
	int more, e;

	resp->locked_pcrs_len = 0;
	while ((more = cborp_more(r, array, &left)) > 0) {
		if ((e = cborp_next(r, &it)) < 0)
			return e;
		if (it.kind != CBORP_UINT || it.u > UINT16_MAX || resp->locked_pcrs_len == NSM_MAX_LOCKED_PCRS)
			return -EBADMSG;
		resp->locked_pcrs[resp->locked_pcrs_len++] = (uint16_t)it.u;
	}
	return more;
}

static int decode_response_fields(struct cborp *r, const struct cborp_item *val, struct nsm_response *resp)
{
	struct field f[7] = { { 0 } };
	size_t n = 0;
	int e;

	switch (resp->op) {
	case NSM_OP_DESCRIBE_PCR:
		f[0].name = "lock";
		f[1].name = "data";
		n = 2;
		break;
	case NSM_OP_EXTEND_PCR:
		f[0].name = "data";
		n = 1;
		break;
	case NSM_OP_ATTESTATION:
		f[0].name = "document";
		n = 1;
		break;
	case NSM_OP_GET_RANDOM:
		f[0].name = "random";
		n = 1;
		break;
	case NSM_OP_DESCRIBE_NSM:
		f[0].name = "version_major";
		f[1].name = "version_minor";
		f[2].name = "version_patch";
		f[3].name = "module_id";
		f[4].name = "max_pcrs";
		f[5].name = "locked_pcrs";
		f[6].name = "digest";
		n = 7;
		break;
	default:
		return -EBADMSG;
	}
	if ((e = read_fields(r, val, f, n, resp->op == NSM_OP_DESCRIBE_NSM ? read_locked_pcrs : NULL, resp)) < 0)
		return e;
	switch (resp->op) {
	case NSM_OP_DESCRIBE_PCR:
		if (!is_kind(&f[0], CBORP_BOOL) || !get_bytes(&f[1], &resp->data))
			return -EBADMSG;
		resp->lock = f[0].it.u != 0;
		return 0;
	case NSM_OP_DESCRIBE_NSM:
		if (!get_u16(&f[0], &resp->version_major) || !get_u16(&f[1], &resp->version_minor) ||
		    !get_u16(&f[2], &resp->version_patch) || !is_kind(&f[3], CBORP_TEXT) ||
		    !get_u16(&f[4], &resp->max_pcrs) || !is_kind(&f[5], CBORP_ARRAY) || !is_kind(&f[6], CBORP_TEXT))
			return -EBADMSG;
		resp->module_id.ptr = f[3].it.ptr;
		resp->module_id.len = f[3].it.len;
		for (size_t i = 0; i < sizeof(digest_names) / sizeof(digest_names[0]); i++)
			if (cborp_text_is(&f[6].it, digest_names[i])) {
				resp->digest = (Digest)i;
				return 0;
			}
		return -EBADMSG;
	default:
		return get_bytes(&f[0], &resp->data) ? 0 : -EBADMSG;
	}
}

/* The error named, or SUCCESS for a name that is none ("Success" as an
 * error, like any unknown name, is not a valid reply). */
static ErrorCode error_from_name(const struct cborp_item *it)
{
	for (size_t i = 1; i < sizeof(error_names) / sizeof(error_names[0]); i++)
		if (cborp_text_is(it, error_names[i]))
			return (ErrorCode)i;
	return ERROR_CODE_SUCCESS;
}

ErrorCode nsm_response_decode(enum nsm_op op, const uint8_t *buf, size_t len, struct nsm_response *resp)
{
	struct cborp r;
	struct cborp_item name, val;
	bool unit;

	memset(resp, 0, sizeof(*resp));
	resp->op = op;
	if ((unsigned)op >= N_OPS)
		return ERROR_CODE_INVALID_RESPONSE;
	cborp_init(&r, buf, len);
	if (read_root(&r, &name, &val, &unit) < 0)
		return ERROR_CODE_INVALID_RESPONSE;
	if (unit)
		return unit_response(op) && cborp_text_is(&name, op_names[op]) && cborp_left(&r) == 0
			       ? ERROR_CODE_SUCCESS
			       : ERROR_CODE_INVALID_RESPONSE;
	if (cborp_text_is(&name, "Error")) {
		if (val.kind != CBORP_TEXT || end_root(&r, buf) < 0)
			return ERROR_CODE_INVALID_RESPONSE;
		resp->error = error_from_name(&val);
		return resp->error != ERROR_CODE_SUCCESS ? resp->error : ERROR_CODE_INVALID_RESPONSE;
	}
	if (unit_response(op) || !cborp_text_is(&name, op_names[op]) ||
	    decode_response_fields(&r, &val, resp) < 0 || end_root(&r, buf) < 0)
		return ERROR_CODE_INVALID_RESPONSE;
	return ERROR_CODE_SUCCESS;
}

ssize_t nsm_response_encode(const struct nsm_response *resp, uint8_t *buf, size_t cap)
{
	struct cborw w;

	cborw_init(&w, buf, cap);
	if (resp->error != ERROR_CODE_SUCCESS) {
		const char *name = nsm_error_name(resp->error);
		if (!name)
			return -EINVAL;
		cborw_map(&w, 1);
		cborw_text(&w, "Error");
		cborw_text(&w, name);
		return finish(&w);
	}
	if ((unsigned)resp->op >= N_OPS)
		return -EINVAL;
	if (write_variant(&w, resp->op, unit_response(resp->op)))
		return finish(&w);
	switch (resp->op) {
	case NSM_OP_DESCRIBE_PCR:
		cborw_map(&w, 2);
		cborw_text(&w, "lock");
		cborw_bool(&w, resp->lock);
		cborw_text(&w, "data");
		cborw_bytes(&w, resp->data.ptr, resp->data.len);
		break;
	case NSM_OP_EXTEND_PCR:
	case NSM_OP_ATTESTATION:
	case NSM_OP_GET_RANDOM:
		cborw_map(&w, 1);
		cborw_text(&w, resp->op == NSM_OP_EXTEND_PCR ? "data"
			       : resp->op == NSM_OP_ATTESTATION ? "document" : "random");
		cborw_bytes(&w, resp->data.ptr, resp->data.len);
		break;
	case NSM_OP_DESCRIBE_NSM:
		cborw_map(&w, 7);
		cborw_text(&w, "version_major");
		cborw_uint(&w, resp->version_major);
		cborw_text(&w, "version_minor");
		cborw_uint(&w, resp->version_minor);
		cborw_text(&w, "version_patch");
		cborw_uint(&w, resp->version_patch);
		cborw_text(&w, "module_id");
		cborw_text_len(&w, (const char *)resp->module_id.ptr, resp->module_id.len);
		cborw_text(&w, "max_pcrs");
		cborw_uint(&w, resp->max_pcrs);
		cborw_text(&w, "locked_pcrs");
		cborw_array(&w, resp->locked_pcrs_len);
		for (size_t i = 0; i < resp->locked_pcrs_len; i++)
			cborw_uint(&w, resp->locked_pcrs[i]);
		cborw_text(&w, "digest");
		if ((unsigned)resp->digest > DIGEST_SHA512)
			return -EINVAL;
		cborw_text(&w, digest_names[resp->digest]);
		break;
	default:
		return -EINVAL;
	}
	return finish(&w);
}

/* -------------------------------------------------------------- requests */

/* Attestation fields: a byte string, null, or missing (= null). */
static int get_optional_bytes(const struct field *f, struct nsm_bytes *out)
{
	out->ptr = NULL;
	out->len = 0;
	if (!f->seen || f->it.kind == CBORP_NULL)
		return 0;
	return get_bytes(f, out) ? 0 : -EBADMSG;
}

int nsm_request_decode(const uint8_t *buf, size_t len, struct nsm_request *req)
{
	struct cborp r;
	struct cborp_item name, val;
	struct field f[3] = { { 0 } };
	bool unit;
	int e;

	memset(req, 0, sizeof(*req));
	cborp_init(&r, buf, len);
	if ((e = read_root(&r, &name, &val, &unit)) < 0)
		return e;
	size_t op = 0;
	while (op < N_OPS && !cborp_text_is(&name, op_names[op]))
		op++;
	if (op == N_OPS || unit != unit_request((enum nsm_op)op))
		return -EBADMSG;
	req->op = (enum nsm_op)op;
	if (unit)
		return cborp_left(&r) == 0 ? 0 : -EBADMSG;
	switch (req->op) {
	case NSM_OP_DESCRIBE_PCR:
	case NSM_OP_LOCK_PCR:
		f[0].name = "index";
		break;
	case NSM_OP_LOCK_PCRS:
		f[0].name = "range";
		break;
	case NSM_OP_EXTEND_PCR:
		f[0].name = "index";
		f[1].name = "data";
		break;
	default:
		f[0].name = "user_data";
		f[1].name = "nonce";
		f[2].name = "public_key";
		break;
	}
	if ((e = read_fields(&r, &val, f, 3 - !f[2].name - !f[1].name, NULL, NULL)) < 0 || (e = end_root(&r, buf)) < 0)
		return e;
	if (req->op == NSM_OP_ATTESTATION) {
		if (get_optional_bytes(&f[0], &req->user_data) < 0 || get_optional_bytes(&f[1], &req->nonce) < 0 ||
		    get_optional_bytes(&f[2], &req->public_key) < 0)
			return -EBADMSG;
		return 0;
	}
	if (!get_u16(&f[0], &req->index))
		return -EBADMSG;
	if (req->op == NSM_OP_EXTEND_PCR && !get_bytes(&f[1], &req->data))
		return -EBADMSG;
	return 0;
}
