#include "eifsign.h"

#include <bearssl.h>
#include <cbor.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "byteorder.h"
#include "pem.h"

/* {1: -35}: COSE algorithm ES384. */
static const uint8_t protected_es384[] = {0xa1, 0x01, 0x38, 0x22};
#define ES384_SIG_LEN 96

/* ------------------------------------------------------------ encoding */

struct enc {
	uint8_t *p;
	size_t len, cap;
	bool short_;
};

/* Appends what a cbor_encode_* call wrote (it writes nothing when short). */
static void put(struct enc *e, size_t n)
{
	if (n == 0)
		e->short_ = true;
	e->len += n;
}

static uint8_t *at(struct enc *e)
{
	return e->p + e->len;
}

static size_t room(const struct enc *e)
{
	return e->short_ ? 0 : e->cap - e->len;
}

/* A head already written by the caller's cbor_encode_*_start, then the bytes. */
static void put_body(struct enc *e, size_t head_len, const void *b, size_t n)
{
	put(e, head_len);
	if (room(e) < n) {
		e->short_ = true;
		return;
	}
	if (n)
		memcpy(at(e), b, n);
	e->len += n;
}

static void put_text(struct enc *e, const char *s)
{
	put_body(e, cbor_encode_string_start(strlen(s), at(e), room(e)), s, strlen(s));
}

static void put_bytes(struct enc *e, const uint8_t *b, size_t n)
{
	put_body(e, cbor_encode_bytestring_start(n, at(e), room(e)), b, n);
}

/* serde's Vec<u8>: an array of unsigned integers. */
static void put_int_array(struct enc *e, const uint8_t *b, size_t n)
{
	put(e, cbor_encode_array_start(n, at(e), room(e)));
	for (size_t i = 0; i < n && !e->short_; i++)
		put(e, cbor_encode_uint(b[i], at(e), room(e)));
}

static size_t finish(const struct enc *e)
{
	return e->short_ ? 0 : e->len;
}

size_t eif_pcr_info_encode(uint8_t *out, size_t cap, unsigned index, const uint8_t *value,
			   size_t len)
{
	struct enc e = {out, 0, cap, false};
	put(&e, cbor_encode_map_start(2, at(&e), room(&e)));
	put_text(&e, "register_index");
	put(&e, cbor_encode_uint(index, at(&e), room(&e)));
	put_text(&e, "register_value");
	put_int_array(&e, value, len);
	return finish(&e);
}

size_t eif_signature_section_encode(uint8_t *out, size_t cap, const uint8_t *cert_pem,
				    size_t cert_len, const uint8_t *cose, size_t cose_len)
{
	struct enc e = {out, 0, cap, false};
	put(&e, cbor_encode_array_start(1, at(&e), room(&e)));
	put(&e, cbor_encode_map_start(2, at(&e), room(&e)));
	put_text(&e, "signing_certificate");
	put_int_array(&e, cert_pem, cert_len);
	put_text(&e, "signature");
	put_int_array(&e, cose, cose_len);
	return finish(&e);
}

/* SHA-384 of Sig_structure ["Signature1", protected, h'', payload]. */
static void tbs_hash(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
		     size_t payload_len, uint8_t out[SHA384_LEN])
{
	uint8_t head[64];
	struct enc e = {head, 0, sizeof(head), false};
	put(&e, cbor_encode_array_start(4, at(&e), room(&e)));
	put_text(&e, "Signature1");
	put_bytes(&e, prot, prot_len);
	put_bytes(&e, NULL, 0);
	put(&e, cbor_encode_bytestring_start(payload_len, at(&e), room(&e)));
	sha384_context c;
	sha384_init(&c);
	sha384_update(&c, head, e.len);
	sha384_update(&c, payload, payload_len);
	sha384_out(&c, out);
}

/* ------------------------------------------------------------ decoding */

/* A bounded reader for the few CBOR shapes a signature section holds. */
struct dec {
	const uint8_t *p, *end;
};

/* Reads one head; 0 with major and val set, or -1 (truncated, indefinite, > 64 bits). */
static int head(struct dec *d, unsigned *major, uint64_t *val)
{
	if (d->p >= d->end)
		return -1;
	uint8_t b = *d->p++;
	*major = b >> 5;
	unsigned info = b & 0x1f;
	if (info < 24) {
		*val = info;
		return 0;
	}
	if (info > 27)
		return -1;
	size_t n = (size_t)1 << (info - 24);
	if ((size_t)(d->end - d->p) < n)
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | d->p[i];
	d->p += n;
	*val = v;
	return 0;
}

static bool expect_head(struct dec *d, unsigned major, uint64_t val)
{
	unsigned m;
	uint64_t v;
	return head(d, &m, &v) == 0 && m == major && v == val;
}

static bool expect_text(struct dec *d, const char *s)
{
	size_t n = strlen(s);
	if (!expect_head(d, 3, n) || (size_t)(d->end - d->p) < n || memcmp(d->p, s, n))
		return false;
	d->p += n;
	return true;
}

/*
 * An array of uints < 256 into a new buffer.  The element count is checked
 * against the bytes left (each element takes at least one) before allocating.
 */
static bool int_array(struct dec *d, uint8_t **out, size_t *len)
{
	unsigned m;
	uint64_t n;
	if (head(d, &m, &n) < 0 || m != 4 || n > (uint64_t)(d->end - d->p) || n == 0)
		return false;
	uint8_t *b = malloc((size_t)n);
	if (!b)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v;
		if (head(d, &m, &v) < 0 || m != 0 || v > 255) {
			free(b);
			return false;
		}
		b[i] = (uint8_t)v;
	}
	*out = b;
	*len = (size_t)n;
	return true;
}

static bool bstr(struct dec *d, const uint8_t **b, size_t *len)
{
	unsigned m;
	uint64_t n;
	if (head(d, &m, &n) < 0 || m != 2 || n > (uint64_t)(d->end - d->p))
		return false;
	*b = d->p;
	*len = (size_t)n;
	d->p += n;
	return true;
}

/* ------------------------------------------------------------ certificates */

/* One DER TLV at p: tag, content span and the next position; -1 if malformed. */
static int der_tlv(const uint8_t *p, const uint8_t *end, uint8_t *tag, const uint8_t **content,
		   size_t *len)
{
	if (end - p < 2)
		return -1;
	*tag = p[0];
	size_t n = p[1], hl = 2;
	if (n & 0x80) {
		size_t k = n & 0x7f;
		if (k == 0 || k > 4 || (size_t)(end - p) < 2 + k)
			return -1;
		n = 0;
		for (size_t i = 0; i < k; i++)
			n = n << 8 | p[2 + i];
		hl += k;
	}
	if ((size_t)(end - p) - hl < n)
		return -1;
	*content = p + hl;
	*len = n;
	return 0;
}

/*
 * The issuer Name and signature BIT STRING of a certificate:
 * SEQ { SEQ tbs { [0] version?, serial, sigalg, issuer, ... }, sigalg, BIT STRING }.
 */
static void cert_parts(const uint8_t *der, size_t len, const uint8_t **issuer, size_t *ilen,
		       const uint8_t **sigv, size_t *slen)
{
	uint8_t tag;
	const uint8_t *cert, *tbs, *x, *end;
	size_t clen, tlen, xlen;
	*issuer = *sigv = NULL;
	*ilen = *slen = 0;
	if (der_tlv(der, der + len, &tag, &cert, &clen) < 0 || tag != 0x30 ||
	    der_tlv(cert, cert + clen, &tag, &tbs, &tlen) < 0 || tag != 0x30)
		return;
	end = cert + clen;
	x = tbs + tlen; /* after tbs: sigalg, then the signature */
	if (der_tlv(x, end, &tag, &x, &xlen) == 0 && (x += xlen, der_tlv(x, end, &tag, &x, &xlen) == 0) &&
	    tag == 0x03 && xlen > 1) {
		*sigv = x + 1; /* skip the unused-bits byte */
		*slen = xlen - 1;
	}
	const uint8_t *q = tbs, *tend = tbs + tlen;
	for (int field = 0; field < 4; field++) {
		if (der_tlv(q, tend, &tag, &x, &xlen) < 0)
			return;
		if (field == 0 && tag != 0xa0)
			field++; /* no explicit version */
		if (field == 3) {
			*issuer = q;
			*ilen = (size_t)(x + xlen - q);
			return;
		}
		q = x + xlen;
	}
}

struct cert {
	br_x509_decoder_context dc;
	uint8_t *der;
	size_t der_len;
	const br_x509_pkey *pk;
};

static const char *const cert_labels[] = {"CERTIFICATE", "X509 CERTIFICATE", NULL};

/* Decodes the first certificate of a PEM buffer; 0 or -EINVAL/-ENOENT/-ENOMEM. */
static int cert_load(struct cert *c, const uint8_t *pem, size_t len)
{
	memset(c, 0, sizeof(*c));
	int r = pem_decode_first((const char *)pem, len, cert_labels, &c->der, &c->der_len);
	if (r < 0)
		return r;
	br_x509_decoder_init(&c->dc, NULL, NULL);
	br_x509_decoder_push(&c->dc, c->der, c->der_len);
	c->pk = br_x509_decoder_get_pkey(&c->dc);
	if (!c->pk || br_x509_decoder_last_error(&c->dc) != 0) {
		free(c->der);
		c->der = NULL;
		return -EINVAL;
	}
	return 0;
}

int eif_cert_pcr_of_pem(const uint8_t *pem, size_t len, uint8_t pcr[SHA384_LEN])
{
	uint8_t *der = NULL;
	size_t der_len;
	int r = pem_decode_first((const char *)pem, len, cert_labels, &der, &der_len);
	if (r >= 0) {
		eif_pcr_of(der, der_len, pcr);
		r = 0;
	}
	free(der);
	return r == -ENOENT ? -EINVAL : r;
}

int eif_cert_pcr(const char *path, uint8_t pcr[SHA384_LEN])
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	uint8_t *buf = malloc(EIF_SIGNATURE_MAX);
	size_t n = buf ? fread(buf, 1, EIF_SIGNATURE_MAX, f) : 0;
	int r = !buf ? -ENOMEM : ferror(f) ? -EIO : n == EIF_SIGNATURE_MAX ? -EFBIG : 0;
	fclose(f);
	if (r == 0)
		r = eif_cert_pcr_of_pem(buf, n, pcr);
	free(buf);
	return r;
}

/* Appends the printable values of the issuer DN as "OID=value, ...". */
static char *issuer_text(const uint8_t *dn, size_t len)
{
	static const struct { uint8_t last; const char *name; } names[] = {
		{3, "commonName"}, {6, "countryName"}, {7, "localityName"},
		{8, "stateOrProvinceName"}, {10, "organizationName"}, {11, "organizationalUnitName"},
	};
	char *out = calloc(1, 4 * len + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	struct dec d = {dn, dn + len};
	/* DER here: SEQUENCE { SET { SEQUENCE { OID, string } }... } (short forms). */
	if (d.p + 2 > d.end || d.p[0] != 0x30)
		return out;
	size_t hl = d.p[1] < 0x80 ? 2 : 2 + (d.p[1] & 0x7f);
	d.p += hl;
	while (d.p + 2 <= d.end && d.p[0] == 0x31) {
		const uint8_t *set = d.p + 2, *set_end = set + d.p[1];
		if (d.p[1] >= 0x80 || set_end > d.end)
			break;
		d.p = set_end;
		if (set + 2 > set_end || set[0] != 0x30)
			continue;
		const uint8_t *q = set + 2;
		if (q + 2 > set_end || q[0] != 0x06 || q + 2 + q[1] > set_end)
			continue;
		const uint8_t *oid = q + 2;
		size_t oid_len = q[1];
		q = oid + oid_len;
		if (q + 2 > set_end || q + 2 + q[1] > set_end)
			continue;
		const char *name = NULL;
		if (oid_len == 3 && oid[0] == 0x55 && oid[1] == 0x04)
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (names[i].last == oid[2])
					name = names[i].name;
		if (!name)
			continue;
		o += (size_t)sprintf(out + o, "%s%s=", o ? "\n" : "", name);
		for (size_t i = 0; i < q[1]; i++)
			out[o++] = q[2 + i] >= 0x20 && q[2 + i] < 0x7f ? (char)q[2 + i] : '?';
		out[o] = '\0';
	}
	return out;
}

/* ------------------------------------------------------------ checking */

static int sig_bad(struct eif_diag *d, const char *msg)
{
	d->problem = EIF_E_SIGNATURE;
	snprintf(d->msg, sizeof(d->msg), "signature section: %s", msg);
	return -EBADMSG;
}

int eif_signature_check(const uint8_t *raw, size_t len, const uint8_t pcr0[SHA384_LEN],
			struct eif_signature *sig, struct eif_diag *d)
{
	memset(sig, 0, sizeof(*sig));
	struct dec dd = {raw, raw + len};
	unsigned m;
	uint64_t n;
	uint8_t *pem = NULL, *cose = NULL;
	size_t pem_len, cose_len;
	int r = 0;
	if (head(&dd, &m, &n) < 0 || m != 4 || n < 1)
		return sig_bad(d, "not a CBOR array of signatures");
	if (!expect_head(&dd, 5, 2) || !expect_text(&dd, "signing_certificate") ||
	    !int_array(&dd, &pem, &pem_len))
		return sig_bad(d, "first entry has no signing_certificate byte array");
	if (!expect_text(&dd, "signature") || !int_array(&dd, &cose, &cose_len)) {
		free(pem);
		return sig_bad(d, "first entry has no signature byte array");
	}
	struct cert *c = malloc(sizeof(*c));
	if (!c) {
		free(pem);
		free(cose);
		return -ENOMEM;
	}
	if (cert_load(c, pem, pem_len) < 0) {
		r = sig_bad(d, "signing certificate is not a PEM X.509 certificate");
		goto out;
	}
	eif_pcr_of(c->der, c->der_len, sig->pcr8);
	sig->not_before_days = c->dc.notbefore_days;
	sig->not_before_secs = c->dc.notbefore_seconds;
	sig->not_after_days = c->dc.notafter_days;
	sig->not_after_secs = c->dc.notafter_seconds;
	const uint8_t *iss, *csig;
	size_t iss_len, csig_len;
	cert_parts(c->der, c->der_len, &iss, &iss_len, &csig, &csig_len);
	sig->issuer = iss ? issuer_text(iss, iss_len) : NULL;
	if (csig && (sig->cert_sig = malloc(csig_len)))
		memcpy(sig->cert_sig, csig, sig->cert_sig_len = csig_len);

	/* COSE_Sign1, untagged. */
	struct dec cd = {cose, cose + cose_len};
	const uint8_t *prot, *payload, *s;
	size_t prot_len, payload_len, s_len;
	if (!expect_head(&cd, 4, 4) || !bstr(&cd, &prot, &prot_len) ||
	    !expect_head(&cd, 5, 0) || !bstr(&cd, &payload, &payload_len) ||
	    !bstr(&cd, &s, &s_len) || cd.p != cd.end) {
		r = sig_bad(d, "signature is not an untagged COSE_Sign1 with empty unprotected headers");
		goto out;
	}
	uint8_t expect[EIF_PCR_INFO_MAX], h[SHA384_LEN];
	size_t elen = eif_pcr_info_encode(expect, sizeof(expect), 0, pcr0, SHA384_LEN);
	bool es384 = prot_len == sizeof(protected_es384) &&
		     !memcmp(prot, protected_es384, prot_len) && s_len == ES384_SIG_LEN;
	if (es384 && c->pk->key_type == BR_KEYTYPE_EC && c->pk->key.ec.curve == BR_EC_secp384r1) {
		tbs_hash(prot, prot_len, payload, payload_len, h);
		sig->valid = br_ecdsa_i31_vrfy_raw(br_ec_get_default(), h, sizeof(h), &c->pk->key.ec,
						   s, s_len) == 1 &&
			     elen > 0 && payload_len == elen && !memcmp(payload, expect, elen);
	}
out:
	if (c->der)
		free(c->der);
	free(c);
	free(pem);
	free(cose);
	if (r < 0)
		eif_signature_free(sig);
	return r;
}

void eif_signature_free(struct eif_signature *sig)
{
	free(sig->issuer);
	free(sig->cert_sig);
	sig->issuer = NULL;
	sig->cert_sig = NULL;
}

static void put_time(struct jsonw *w, const char *key, uint32_t days, uint32_t secs)
{
	/* BearSSL counts days from 0000-01-01; 719528 of them precede 1970. */
	time_t t = (time_t)((int64_t)days - 719528) * 86400 + secs;
	struct tm tm;
	char buf[64];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%b %e %H:%M:%S %Y GMT", &tm);
	jsonw_string(w, key, buf);
}

void eif_signature_describe(const struct eif_signature *sig, struct jsonw *w)
{
	jsonw_object_open(w, "SigningCertificate");
	jsonw_object_open(w, "IssuerName");
	for (const char *p = sig->issuer; p && *p;) {
		size_t n = strcspn(p, "\n");
		const char *eq = memchr(p, '=', n);
		if (eq) {
			char key[64];
			snprintf(key, sizeof(key), "%.*s", (int)(eq - p), p);
			jsonw_string_len(w, key, eq + 1, (size_t)(p + n - eq - 1));
		}
		p += n + (p[n] == '\n');
	}
	jsonw_object_close(w);
	jsonw_string(w, "Algorithm", "ecdsa-with-SHA384");
	put_time(w, "NotBefore", sig->not_before_days, sig->not_before_secs);
	put_time(w, "NotAfter", sig->not_after_days, sig->not_after_secs);
	/* nitro-cli: upper-case hex bytes joined by ':'. */
	char *hexs = malloc(3 * sig->cert_sig_len + 1);
	if (hexs) {
		size_t o = 0;
		hexs[0] = '\0';
		for (size_t i = 0; i < sig->cert_sig_len; i++)
			o += (size_t)sprintf(hexs + o, "%s%02X", i ? ":" : "", sig->cert_sig[i]);
		jsonw_string(w, "Signature", hexs);
		free(hexs);
	}
	jsonw_object_close(w);
}

/* ------------------------------------------------------------ signing */

int eif_signature_make(const uint8_t *cert_pem, size_t cert_len, const char *key_pem,
		       size_t key_len, const uint8_t pcr0[SHA384_LEN], uint8_t **section,
		       size_t *section_len, const char **why)
{
	static const char *const key_labels[] = {"EC PRIVATE KEY", "PRIVATE KEY", NULL};
	struct cert *c = malloc(sizeof(*c));
	br_skey_decoder_context *kd = malloc(sizeof(*kd));
	uint8_t *kder = NULL, *out = NULL;
	size_t kder_len;
	int r = 0;
	*why = NULL;
	if (!c || !kd) {
		r = -ENOMEM;
		goto out;
	}
	memset(c, 0, sizeof(*c));
	if (cert_load(c, cert_pem, cert_len) < 0) {
		*why = "the certificate is not a PEM X.509 certificate";
		r = -EINVAL;
		goto out;
	}
	if (c->pk->key_type != BR_KEYTYPE_EC || c->pk->key.ec.curve != BR_EC_secp384r1) {
		*why = "the certificate's key is not a P-384 (secp384r1) key";
		r = -EINVAL;
		goto out;
	}
	if (pem_decode_first(key_pem, key_len, key_labels, &kder, &kder_len) < 0) {
		*why = "the key file holds no PEM private key";
		r = -EINVAL;
		goto out;
	}
	br_skey_decoder_init(kd);
	br_skey_decoder_push(kd, kder, kder_len);
	const br_ec_private_key *sk = br_skey_decoder_get_ec(kd);
	if (br_skey_decoder_last_error(kd) != 0 || !sk || sk->curve != BR_EC_secp384r1) {
		*why = "the private key is not a P-384 EC key";
		r = -EINVAL;
		goto out;
	}
	const br_ec_impl *ec = br_ec_get_default();
	uint8_t pub[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_public_key pk;
	if (br_ec_compute_pub(ec, &pk, pub, sk) == 0 || pk.qlen != c->pk->key.ec.qlen ||
	    memcmp(pk.q, c->pk->key.ec.q, pk.qlen)) {
		*why = "the private key does not belong to the certificate";
		r = -EINVAL;
		goto out;
	}

	uint8_t payload[EIF_PCR_INFO_MAX], h[SHA384_LEN], s[ES384_SIG_LEN], cose[256];
	size_t payload_len = eif_pcr_info_encode(payload, sizeof(payload), 0, pcr0, SHA384_LEN);
	if (payload_len == 0) { /* cannot happen with EIF_PCR_INFO_MAX; never sign nothing */
		*why = "cannot encode the PCR0 payload";
		r = -EINVAL;
		goto out;
	}
	tbs_hash(protected_es384, sizeof(protected_es384), payload, payload_len, h);
	if (br_ecdsa_i31_sign_raw(ec, &br_sha384_vtable, h, sk, s) != ES384_SIG_LEN) {
		*why = "ECDSA signing failed";
		r = -EINVAL;
		goto out;
	}
	struct enc e = {cose, 0, sizeof(cose), false};
	put(&e, cbor_encode_array_start(4, at(&e), room(&e)));
	put_bytes(&e, protected_es384, sizeof(protected_es384));
	put(&e, cbor_encode_map_start(0, at(&e), room(&e)));
	put_bytes(&e, payload, payload_len);
	put_bytes(&e, s, sizeof(s));
	size_t cose_len = finish(&e); /* 237 bytes at most */
	if (cose_len == 0) {
		*why = "cannot encode the COSE signature";
		r = -EINVAL;
		goto out;
	}
	size_t cap = 16 + 2 * (cert_len + cose_len) + 64;
	if (!(out = malloc(cap))) {
		r = -ENOMEM;
		goto out;
	}
	size_t n = eif_signature_section_encode(out, cap, cert_pem, cert_len, cose, cose_len);
	if (n == 0 || n > EIF_SIGNATURE_MAX) {
		*why = "the certificate is too large for a signature section";
		r = -EFBIG;
		goto out;
	}
	*section = out;
	*section_len = n;
	out = NULL;
out:
	if (c)
		free(c->der);
	free(c);
	free(kd);
	free(kder);
	free(out);
	return r;
}

int eif_write_signed(int in_fd, const struct eif_info *info, const uint8_t *section,
		     size_t section_len, int out_fd, struct eif_digests *dg)
{
	struct eif_header h = info->h;
	uint8_t hdr[EIF_HEADER_SIZE], sh[EIF_MAX_SECTIONS][EIF_SECTION_HEADER_SIZE];
	struct eif_piece pc[2 + 2 * EIF_MAX_SECTIONS];
	size_t np = 0;
	unsigned ns = 0, ramdisk = 0;
	uint64_t off = EIF_HEADER_SIZE;
	memset(h.offsets, 0, sizeof(h.offsets));
	memset(h.sizes, 0, sizeof(h.sizes));
	pc[np++] = (struct eif_piece){hdr, -1, 0, EIF_CRC_OFFSET, EIF_FEED_CRC};
	pc[np++] = (struct eif_piece){hdr + EIF_CRC_OFFSET, -1, 0, 4, 0};
	for (unsigned i = 0; i <= info->n; i++) {
		const struct eif_section *s = i < info->n ? &info->s[i] : NULL;
		if (s && s->type == EIF_SECTION_SIGNATURE)
			continue;
		uint16_t type = s ? s->type : EIF_SECTION_SIGNATURE;
		uint64_t size = s ? s->size : section_len;
		if (ns == EIF_MAX_SECTIONS)
			return -E2BIG;
		h.offsets[ns] = off;
		h.sizes[ns] = size;
		eif_section_header_encode(sh[ns], type, size);
		pc[np++] = (struct eif_piece){sh[ns], -1, 0, EIF_SECTION_HEADER_SIZE, EIF_FEED_CRC};
		unsigned f = EIF_FEED_CRC;
		if (type == EIF_SECTION_KERNEL || type == EIF_SECTION_CMDLINE)
			f |= EIF_FEED_PCR0;
		if (type == EIF_SECTION_RAMDISK)
			f |= EIF_FEED_PCR0 | (ramdisk++ == 0 ? EIF_CUT_PCR1 : EIF_FEED_PCR2);
		pc[np++] = s ? (struct eif_piece){NULL, in_fd, s->offset + EIF_SECTION_HEADER_SIZE, size, f}
			     : (struct eif_piece){section, -1, 0, size, f};
		off += EIF_SECTION_HEADER_SIZE + size;
		ns++;
	}
	h.num_sections = (uint16_t)ns;
	h.crc = 0;
	eif_header_encode(&h, hdr);
	int r = eif_stream(pc, np, out_fd, dg, NULL, NULL);
	if (r < 0)
		return r;
	uint8_t be[4];
	store_be32(be, dg->crc);
	ssize_t w = pwrite(out_fd, be, 4, EIF_CRC_OFFSET);
	return w < 0 ? -errno : w != 4 ? -EIO : 0;
}
