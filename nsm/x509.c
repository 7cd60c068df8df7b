/*
 * x509.c — see x509.h.  A DER reader over explicit bounds: every length is
 * checked against what is left before it is used.
 */
#include "x509.h"

#include <errno.h>
#include <string.h>

#define TAG_BOOLEAN 0x01
#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_OCTET_STRING 0x04
#define TAG_OID 0x06
#define TAG_UTC_TIME 0x17
#define TAG_GENERALIZED_TIME 0x18
#define TAG_SEQUENCE 0x30
#define TAG_EXPLICIT_0 0xa0
#define TAG_EXPLICIT_3 0xa3

/* 1.2.840.10045.4.3.3 ecdsa-with-SHA384 */
static const uint8_t oid_ecdsa_sha384[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
/* 1.2.840.10045.2.1 id-ecPublicKey */
static const uint8_t oid_ec_public_key[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
/* 1.3.132.0.34 secp384r1 */
static const uint8_t oid_secp384r1[] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
/* 2.5.29.19 basicConstraints, 2.5.29.15 keyUsage */
static const uint8_t oid_basic_constraints[] = { 0x55, 0x1d, 0x13 };
static const uint8_t oid_key_usage[] = { 0x55, 0x1d, 0x0f };

struct der {
	const uint8_t *p;
	const uint8_t *end;
};

/* One TLV: tag, value view; the whole element spans [start, r->p). */
struct tlv {
	uint8_t tag;
	const uint8_t *start;
	const uint8_t *val;
	size_t len;
};

static int der_next(struct der *r, struct tlv *t)
{
	size_t left = (size_t)(r->end - r->p);
	size_t len;
	const uint8_t *p = r->p;

	if (left < 2)
		return -EBADMSG;
	t->start = p;
	t->tag = p[0];
	if ((t->tag & 0x1f) == 0x1f)
		return -EBADMSG; /* multi-byte tags do not occur in certificates */
	len = p[1];
	p += 2;
	left -= 2;
	if (len & 0x80) {
		size_t n = len & 0x7f;
		/* DER: minimal long form, at most 4 length bytes here. */
		if (n == 0 || n > 4 || n > left || p[0] == 0)
			return -EBADMSG;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = len << 8 | p[i];
		if (len < 0x80)
			return -EBADMSG;
		p += n;
		left -= n;
	}
	if (len > left)
		return -EBADMSG;
	t->val = p;
	t->len = len;
	r->p = p + len;
	return 0;
}

static int der_expect(struct der *r, uint8_t tag, struct tlv *t)
{
	int e = der_next(r, t);
	return e < 0 ? e : t->tag == tag ? 0 : -EBADMSG;
}

static void der_enter(struct der *inner, const struct tlv *t)
{
	inner->p = t->val;
	inner->end = t->val + t->len;
}

/* Whether t is BOOLEAN TRUE.  The BOOLEANs here (critical, cA) default to
 * FALSE, which DER omits (X.690 11.5), and DER's TRUE is 0xff (11.1): a
 * present BOOLEAN with any other content is not DER. */
static bool der_true(const struct tlv *t)
{
	return t->tag == TAG_BOOLEAN && t->len == 1 && t->val[0] == 0xff;
}

static bool oid_is(const struct tlv *t, const uint8_t *oid, size_t len)
{
	return t->tag == TAG_OID && t->len == len && memcmp(t->val, oid, len) == 0;
}

bool x509_valid_date(int64_t y, unsigned m, unsigned d)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

	return m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (unsigned)(m == 2 && leap);
}

int64_t x509_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const uint8_t *p, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EBADMSG;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5). */
static int parse_time(const struct tlv *t, int64_t *out)
{
	unsigned y, mo, d, h, mi, s;
	const uint8_t *p = t->val;
	int yl;

	if (t->tag == TAG_UTC_TIME && t->len == 13)
		yl = 2;
	else if (t->tag == TAG_GENERALIZED_TIME && t->len == 15)
		yl = 4;
	else
		return -EBADMSG;
	if (p[t->len - 1] != 'Z' || digits(p, yl, &y) || digits(p + yl, 2, &mo) || digits(p + yl + 2, 2, &d) ||
	    digits(p + yl + 4, 2, &h) || digits(p + yl + 6, 2, &mi) || digits(p + yl + 8, 2, &s))
		return -EBADMSG;
	if (yl == 2)
		y += y >= 50 ? 1900 : 2000;
	if (!x509_valid_date(y, mo, d) || h > 23 || mi > 59 || s > 60)
		return -EBADMSG;
	*out = x509_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

static int parse_basic_constraints(const struct tlv *octets, struct x509_cert *c)
{
	struct der r = { octets->val, octets->val + octets->len }, seq;
	struct tlv t;
	int e;

	if ((e = der_expect(&r, TAG_SEQUENCE, &t)) < 0 || r.p != r.end)
		return -EBADMSG;
	der_enter(&seq, &t);
	c->has_basic_constraints = true;
	if (seq.p < seq.end && seq.p[0] == TAG_BOOLEAN) {
		if ((e = der_next(&seq, &t)) < 0 || !der_true(&t))
			return -EBADMSG;
		c->is_ca = true;
	}
	if (seq.p < seq.end) {
		if ((e = der_expect(&seq, TAG_INTEGER, &t)) < 0 || t.len < 1 || t.len > 8 || (t.val[0] & 0x80))
			return -EBADMSG;
		c->has_path_len = true;
		c->path_len = 0;
		for (size_t i = 0; i < t.len; i++)
			c->path_len = c->path_len << 8 | t.val[i];
	}
	return seq.p == seq.end ? 0 : -EBADMSG;
}

static int parse_key_usage(const struct tlv *octets, struct x509_cert *c)
{
	struct der r = { octets->val, octets->val + octets->len };
	struct tlv t;

	/* BIT STRING: unused-bits byte, then up to two bytes (bits 0..8). */
	if (der_expect(&r, TAG_BIT_STRING, &t) < 0 || r.p != r.end || t.len < 2 || t.len > 3 || t.val[0] > 7)
		return -EBADMSG;
	c->has_key_usage = true;
	c->key_usage = 0;
	for (size_t i = 1; i < t.len; i++)
		for (int b = 0; b < 8; b++)
			if (t.val[i] & (0x80 >> b))
				c->key_usage |= 1u << ((i - 1) * 8 + (size_t)b);
	return 0;
}

static int parse_extensions(const struct tlv *outer, struct x509_cert *c)
{
	struct der r, list, ext;
	struct tlv t, oid, val;
	int e;

	der_enter(&r, outer);
	if ((e = der_expect(&r, TAG_SEQUENCE, &t)) < 0 || r.p != r.end)
		return -EBADMSG;
	der_enter(&list, &t);
	while (list.p < list.end) {
		bool critical = false;
		if ((e = der_expect(&list, TAG_SEQUENCE, &t)) < 0)
			return e;
		der_enter(&ext, &t);
		if ((e = der_expect(&ext, TAG_OID, &oid)) < 0 || (e = der_next(&ext, &val)) < 0)
			return -EBADMSG;
		if (val.tag == TAG_BOOLEAN) {
			if (!der_true(&val) || der_next(&ext, &val) < 0)
				return -EBADMSG;
			critical = true;
		}
		if (val.tag != TAG_OCTET_STRING || ext.p != ext.end)
			return -EBADMSG;
		if (oid_is(&oid, oid_basic_constraints, sizeof(oid_basic_constraints))) {
			if (c->has_basic_constraints || (e = parse_basic_constraints(&val, c)) < 0)
				return -EBADMSG;
			c->basic_constraints_critical = critical;
		} else if (oid_is(&oid, oid_key_usage, sizeof(oid_key_usage))) {
			if (c->has_key_usage || (e = parse_key_usage(&val, c)) < 0)
				return -EBADMSG;
		} else if (critical) {
			return -ENOTSUP;
		}
	}
	return 0;
}

static int parse_spki(const struct tlv *spki, struct x509_cert *c)
{
	struct der r, alg;
	struct tlv t, oid, curve, key;

	der_enter(&r, spki);
	if (der_expect(&r, TAG_SEQUENCE, &t) < 0)
		return -EBADMSG;
	der_enter(&alg, &t);
	if (der_expect(&alg, TAG_OID, &oid) < 0 || der_next(&alg, &curve) < 0 || alg.p != alg.end)
		return -EBADMSG;
	if (!oid_is(&oid, oid_ec_public_key, sizeof(oid_ec_public_key)) ||
	    !oid_is(&curve, oid_secp384r1, sizeof(oid_secp384r1)))
		return -ENOTSUP;
	if (der_expect(&r, TAG_BIT_STRING, &key) < 0 || r.p != r.end)
		return -EBADMSG;
	if (key.len != 98 || key.val[0] != 0 || key.val[1] != 0x04)
		return -ENOTSUP; /* only uncompressed points */
	c->pubkey = key.val + 1;
	c->pubkey_len = key.len - 1;
	return 0;
}

/* Name: SEQUENCE OF SET OF SEQUENCE { OID, value }, walked to check that
 * every length nests; names are then compared as bytes. */
static int check_name(const struct tlv *name)
{
	struct der r, set, atv;
	struct tlv t, oid, val;

	der_enter(&r, name);
	while (r.p < r.end) {
		if (der_expect(&r, 0x31, &t) < 0 || t.len == 0)
			return -EBADMSG;
		der_enter(&set, &t);
		while (set.p < set.end) {
			if (der_expect(&set, TAG_SEQUENCE, &t) < 0)
				return -EBADMSG;
			der_enter(&atv, &t);
			if (der_expect(&atv, TAG_OID, &oid) < 0 || der_next(&atv, &val) < 0 || atv.p != atv.end)
				return -EBADMSG;
		}
	}
	return 0;
}

static int parse_sig_alg(struct der *r)
{
	struct der alg;
	struct tlv t, oid;

	if (der_expect(r, TAG_SEQUENCE, &t) < 0)
		return -EBADMSG;
	der_enter(&alg, &t);
	if (der_expect(&alg, TAG_OID, &oid) < 0 || alg.p != alg.end) /* ECDSA: parameters absent */
		return -EBADMSG;
	return oid_is(&oid, oid_ecdsa_sha384, sizeof(oid_ecdsa_sha384)) ? 0 : -ENOTSUP;
}

static int parse_tbs(const struct tlv *tbs, struct x509_cert *c)
{
	struct der r, v;
	struct tlv t, nb, na;
	int e;

	der_enter(&r, tbs);
	/* version [0] EXPLICIT: v3 (2) is required, since extensions matter. */
	if (der_expect(&r, TAG_EXPLICIT_0, &t) < 0)
		return -EBADMSG;
	der_enter(&v, &t);
	if (der_expect(&v, TAG_INTEGER, &t) < 0 || t.len != 1 || t.val[0] != 2 || v.p != v.end)
		return -ENOTSUP;
	if (der_expect(&r, TAG_INTEGER, &t) < 0) /* serialNumber */
		return -EBADMSG;
	if ((e = parse_sig_alg(&r)) < 0)
		return e;
	if (der_expect(&r, TAG_SEQUENCE, &t) < 0 || check_name(&t) < 0)
		return -EBADMSG;
	c->issuer = t.start;
	c->issuer_len = (size_t)(r.p - t.start);
	if (der_expect(&r, TAG_SEQUENCE, &t) < 0)
		return -EBADMSG;
	der_enter(&v, &t);
	if (der_next(&v, &nb) < 0 || der_next(&v, &na) < 0 || v.p != v.end || parse_time(&nb, &c->not_before) < 0 ||
	    parse_time(&na, &c->not_after) < 0)
		return -EBADMSG;
	if (der_expect(&r, TAG_SEQUENCE, &t) < 0 || check_name(&t) < 0)
		return -EBADMSG;
	c->subject = t.start;
	c->subject_len = (size_t)(r.p - t.start);
	if (der_expect(&r, TAG_SEQUENCE, &t) < 0 || (e = parse_spki(&t, c)) < 0)
		return e < 0 ? e : -EBADMSG;
	/* issuerUniqueID [1] and subjectUniqueID [2] are not used by AWS. */
	while (r.p < r.end) {
		if (der_next(&r, &t) < 0)
			return -EBADMSG;
		if (t.tag != TAG_EXPLICIT_3 || r.p != r.end)
			return -ENOTSUP;
		if ((e = parse_extensions(&t, c)) < 0)
			return e;
	}
	return 0;
}

int x509_parse(const uint8_t *der, size_t len, struct x509_cert *c)
{
	struct der r = { der, der + len }, cert;
	struct tlv t, tbs, sig;
	int e;

	memset(c, 0, sizeof(*c));
	if (der_expect(&r, TAG_SEQUENCE, &t) < 0 || r.p != r.end)
		return -EBADMSG;
	der_enter(&cert, &t);
	if (der_expect(&cert, TAG_SEQUENCE, &tbs) < 0)
		return -EBADMSG;
	c->tbs = tbs.start;
	c->tbs_len = (size_t)(cert.p - tbs.start);
	if ((e = parse_tbs(&tbs, c)) < 0 || (e = parse_sig_alg(&cert)) < 0)
		return e;
	if (der_expect(&cert, TAG_BIT_STRING, &sig) < 0 || cert.p != cert.end || sig.len < 2 || sig.val[0] != 0)
		return -EBADMSG;
	c->sig = sig.val + 1;
	c->sig_len = sig.len - 1;
	return 0;
}
