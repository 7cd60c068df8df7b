/*
 * cborio.c — see cborio.h.  The reader drives libcbor's streaming decoder one
 * header at a time; its callbacks only record what they saw.
 */
#include "cborio.h"

#include <cbor.h>
#include <errno.h>
#include <string.h>

void cborw_init(struct cborw *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
}

/* Records the result of one libcbor encoder call (0 = did not fit). */
static void advance(struct cborw *w, size_t n)
{
	if (n == 0)
		w->overflow = true;
	else
		w->len += n;
}

/* Every libcbor encoder takes (value, buffer, size); ENC0 is for the ones
 * without a value. */
#define ENC(w, call, v)                                                        \
	do {                                                                   \
		if (!(w)->overflow)                                            \
			advance((w), call((v), (w)->buf + (w)->len, (w)->cap - (w)->len)); \
	} while (0)
#define ENC0(w, call)                                                          \
	do {                                                                   \
		if (!(w)->overflow)                                            \
			advance((w), call((w)->buf + (w)->len, (w)->cap - (w)->len)); \
	} while (0)

void cborw_uint(struct cborw *w, uint64_t v) { ENC(w, cbor_encode_uint, v); }
void cborw_negint(struct cborw *w, uint64_t n) { ENC(w, cbor_encode_negint, n); }
void cborw_array(struct cborw *w, size_t n) { ENC(w, cbor_encode_array_start, n); }
void cborw_map(struct cborw *w, size_t n) { ENC(w, cbor_encode_map_start, n); }
void cborw_indef_map(struct cborw *w) { ENC0(w, cbor_encode_indef_map_start); }
void cborw_break(struct cborw *w) { ENC0(w, cbor_encode_break); }
void cborw_tag(struct cborw *w, uint64_t tag) { ENC(w, cbor_encode_tag, tag); }
void cborw_bool(struct cborw *w, bool v) { ENC(w, cbor_encode_bool, v); }
void cborw_null(struct cborw *w) { ENC0(w, cbor_encode_null); }

static void raw(struct cborw *w, const void *data, size_t len)
{
	if (w->overflow)
		return;
	if (w->cap - w->len < len) {
		w->overflow = true;
		return;
	}
	if (len)
		memcpy(w->buf + w->len, data, len);
	w->len += len;
}

void cborw_bytes_head(struct cborw *w, size_t len)
{
	ENC(w, cbor_encode_bytestring_start, len);
}

void cborw_bytes(struct cborw *w, const void *data, size_t len)
{
	cborw_bytes_head(w, len);
	raw(w, data, len);
}

void cborw_text_len(struct cborw *w, const char *s, size_t len)
{
	ENC(w, cbor_encode_string_start, len);
	raw(w, s, len);
}

void cborw_text(struct cborw *w, const char *s)
{
	cborw_text_len(w, s, strlen(s));
}

void cborw_bytes_or_null(struct cborw *w, const void *data, size_t len)
{
	if (data)
		cborw_bytes(w, data, len);
	else
		cborw_null(w);
}

/* ------------------------------------------------------------------ reader */

struct decode_state {
	struct cborp_item *it;
	bool bad; /* an indefinite string or an unsupported item */
};

#define ST(ctx) ((struct decode_state *)(ctx))

static void set_uint(void *ctx, enum cborp_kind kind, uint64_t v)
{
	ST(ctx)->it->kind = kind;
	ST(ctx)->it->u = v;
}
static void on_u8(void *c, uint8_t v) { set_uint(c, CBORP_UINT, v); }
static void on_u16(void *c, uint16_t v) { set_uint(c, CBORP_UINT, v); }
static void on_u32(void *c, uint32_t v) { set_uint(c, CBORP_UINT, v); }
static void on_u64(void *c, uint64_t v) { set_uint(c, CBORP_UINT, v); }
static void on_n8(void *c, uint8_t v) { set_uint(c, CBORP_NEGINT, v); }
static void on_n16(void *c, uint16_t v) { set_uint(c, CBORP_NEGINT, v); }
static void on_n32(void *c, uint32_t v) { set_uint(c, CBORP_NEGINT, v); }
static void on_n64(void *c, uint64_t v) { set_uint(c, CBORP_NEGINT, v); }
static void on_tag(void *c, uint64_t v) { set_uint(c, CBORP_TAG, v); }
static void on_array(void *c, uint64_t n) { set_uint(c, CBORP_ARRAY, n); }
static void on_map(void *c, uint64_t n) { set_uint(c, CBORP_MAP, n); }
static void on_bool(void *c, bool v) { set_uint(c, CBORP_BOOL, v); }

static void set_kind(void *ctx, enum cborp_kind kind, bool indefinite)
{
	ST(ctx)->it->kind = kind;
	ST(ctx)->it->indefinite = indefinite;
}
static void on_indef_array(void *c) { set_kind(c, CBORP_ARRAY, true); }
static void on_indef_map(void *c) { set_kind(c, CBORP_MAP, true); }
static void on_break(void *c) { set_kind(c, CBORP_BREAK, false); }
static void on_null(void *c) { set_kind(c, CBORP_NULL, false); }
static void on_undef(void *c) { set_kind(c, CBORP_UNDEFINED, false); }
static void on_float(void *c, float v) { (void)v; set_kind(c, CBORP_FLOAT, false); }
static void on_double(void *c, double v) { (void)v; set_kind(c, CBORP_FLOAT, false); }
static void on_indef_string(void *c) { ST(c)->bad = true; }

static void set_string(void *ctx, enum cborp_kind kind, cbor_data p, uint64_t len)
{
	ST(ctx)->it->kind = kind;
	ST(ctx)->it->ptr = p;
	ST(ctx)->it->len = (size_t)len;
}
static void on_bytes(void *c, cbor_data p, uint64_t n) { set_string(c, CBORP_BYTES, p, n); }
static void on_text(void *c, cbor_data p, uint64_t n) { set_string(c, CBORP_TEXT, p, n); }

static const struct cbor_callbacks callbacks = {
	.uint8 = on_u8, .uint16 = on_u16, .uint32 = on_u32, .uint64 = on_u64,
	.negint8 = on_n8, .negint16 = on_n16, .negint32 = on_n32, .negint64 = on_n64,
	.byte_string_start = on_indef_string, .byte_string = on_bytes,
	.string_start = on_indef_string, .string = on_text,
	.indef_array_start = on_indef_array, .array_start = on_array,
	.indef_map_start = on_indef_map, .map_start = on_map,
	.tag = on_tag, .float2 = on_float, .float4 = on_float, .float8 = on_double,
	.undefined = on_undef, .null = on_null, .boolean = on_bool,
	.indef_break = on_break,
};

void cborp_init(struct cborp *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->end = buf + len;
}

int cborp_next(struct cborp *r, struct cborp_item *it)
{
	static const unsigned widths[4] = { 1, 2, 4, 8 };
	struct decode_state st = { .it = it, .bad = false };

	memset(it, 0, sizeof(*it));
	it->kind = CBORP_UNDEFINED;
	if (r->p >= r->end)
		return -EBADMSG;
	/* libcbor 0.10's streaming decoder rejects the one-byte tags 6..20
	 * (0xc6..0xd4, "unassigned" in its table; checked against 0.10.2)
	 * although RFC 8949 allows every tag number there; COSE_Sign1's tag
	 * 18 is 0xd2.  Decode those headers here. */
	if (r->p[0] >= 0xc6 && r->p[0] <= 0xd4) {
		it->kind = CBORP_TAG;
		it->u = r->p[0] & 0x1f;
		r->p++;
		return 0;
	}
	struct cbor_decoder_result res = cbor_stream_decode(r->p, cborp_left(r), &callbacks, &st);
	if (res.status != CBOR_DECODER_FINISHED || st.bad || res.read == 0)
		return -EBADMSG;
	uint8_t ai = r->p[0] & 0x1f;
	it->width = ai >= 24 && ai <= 27 ? widths[ai - 24] : 0;
	r->p += res.read;
	return 0;
}

bool cborp_text_is(const struct cborp_item *it, const char *s)
{
	size_t n = strlen(s);
	return it->kind == CBORP_TEXT && it->len == n && memcmp(it->ptr, s, n) == 0;
}

int cborp_more(struct cborp *r, const struct cborp_item *container, uint64_t *left)
{
	if (!container->indefinite) {
		if (*left == 0)
			return 0;
		(*left)--;
		return 1;
	}
	if (r->p >= r->end)
		return -EBADMSG;
	if (r->p[0] == 0xff) {
		r->p++;
		return 0;
	}
	return 1;
}

static int skip_rest(struct cborp *r, const struct cborp_item *it, int depth)
{
	struct cborp_item child;
	uint64_t left = it->u;
	int more, e;

	switch (it->kind) {
	case CBORP_ARRAY:
	case CBORP_MAP:
	case CBORP_TAG:
		break;
	case CBORP_BREAK:
		return -EBADMSG;
	default:
		return 0;
	}
	if (depth >= CBORP_MAX_DEPTH)
		return -EBADMSG;
	if (it->kind == CBORP_TAG) {
		if ((e = cborp_next(r, &child)) < 0)
			return e;
		return skip_rest(r, &child, depth + 1);
	}
	while ((more = cborp_more(r, it, &left)) > 0) {
		for (int i = 0; i < (it->kind == CBORP_MAP ? 2 : 1); i++) {
			if ((e = cborp_next(r, &child)) < 0 || (e = skip_rest(r, &child, depth + 1)) < 0)
				return e;
		}
	}
	return more;
}

int cborp_skip_rest(struct cborp *r, const struct cborp_item *it)
{
	return skip_rest(r, it, 0);
}

int cborp_skip(struct cborp *r)
{
	struct cborp_item it;
	int e = cborp_next(r, &it);
	return e < 0 ? e : skip_rest(r, &it, 0);
}
