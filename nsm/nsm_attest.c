/*
 * nsm_attest.c — see nsm_attest.h.  CBOR through cborio (libcbor), X.509
 * through x509.c, hashes and ECDSA P-384 through BearSSL.
 */
#include "nsm_attest.h"

#include <bearssl_ec.h>
#include <bearssl_hash.h>
#include <errno.h>
#include <string.h>

#include "cborio.h"
#include "cose.h"
#include "x509.h"

#define COSE_SIGN1_TAG 18
#define COSE_ALG_NONE (-1) /* QEMU's "we don't actually sign" marker */
#define ES384_SIG_LEN 96

static const struct {
	const char *id;
	const char *text;
} status_names[] = {
	[ATTDOC_OK] = { "valid", "valid" },
	[ATTDOC_MALFORMED] = { "malformed", "not a well-formed COSE_Sign1 document" },
	[ATTDOC_BAD_ALGORITHM] = { "bad_algorithm", "protected header algorithm is not ES384" },
	[ATTDOC_BAD_FIELD] = { "bad_field", "payload field missing, mistyped or out of range" },
	[ATTDOC_UNSIGNED] = { "unsigned", "document is unsigned (virtual NSM)" },
	[ATTDOC_BAD_CERTIFICATE] = { "bad_certificate", "certificate does not parse or is not P-384/SHA-384" },
	[ATTDOC_UNTRUSTED_ROOT] = { "untrusted_root", "not the trusted root" },
	[ATTDOC_ISSUER_MISMATCH] = { "issuer_mismatch", "certificate issuer does not match its parent" },
	[ATTDOC_CERT_SIGNATURE] = { "cert_signature", "certificate signature does not verify" },
	[ATTDOC_NOT_CA] = { "not_ca", "issuer is not a CA allowed to sign certificates" },
	[ATTDOC_PATH_LEN] = { "path_len", "path length constraint exceeded" },
	[ATTDOC_LEAF_IS_CA] = { "leaf_is_ca", "leaf certificate is a CA" },
	[ATTDOC_KEY_USAGE] = { "key_usage", "leaf certificate may not sign" },
	[ATTDOC_EXPIRED] = { "expired", "certificate not valid at the checked time" },
	[ATTDOC_SIGNATURE] = { "signature", "COSE signature does not verify" },
	[ATTDOC_PCR_MISMATCH] = { "pcr_mismatch", "PCR differs from the expected value" },
	[ATTDOC_NONCE_MISMATCH] = { "nonce_mismatch", "nonce differs from the expected value" },
	[ATTDOC_USER_DATA_MISMATCH] = { "user_data_mismatch", "user_data differs from the expected value" },
	[ATTDOC_PUBLIC_KEY_MISMATCH] = { "public_key_mismatch", "public_key differs from the expected value" },
	[ATTDOC_BAD_ROOT] = { "bad_root", "root certificate does not parse" },
};

const char *attdoc_status_id(enum attdoc_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s].id : "unknown";
}

const char *attdoc_status_str(enum attdoc_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s].text : "unknown";
}

/* ------------------------------------------------------------------ parse */

/* The protected header: a map whose label 1 (alg) is an integer. */
static enum attdoc_status parse_protected(const struct attdoc_bytes *hdr, int64_t *alg)
{
	struct cborp r;
	struct cborp_item map, key, val;
	bool seen = false;
	uint64_t left;
	int more;

	cborp_init(&r, hdr->ptr, hdr->len);
	if (hdr->len == 0 || cborp_next(&r, &map) < 0 || map.kind != CBORP_MAP)
		return ATTDOC_BAD_ALGORITHM;
	left = map.u;
	while ((more = cborp_more(&r, &map, &left)) > 0) {
		if (cborp_next(&r, &key) < 0 || cborp_next(&r, &val) < 0)
			return ATTDOC_BAD_ALGORITHM;
		/* COSE labels are integers or text; anything else (a break,
		 * a container whose items would be misread as pairs) is
		 * malformed. */
		if (key.kind != CBORP_UINT && key.kind != CBORP_NEGINT && key.kind != CBORP_TEXT)
			return ATTDOC_BAD_ALGORITHM;
		if (key.kind == CBORP_UINT && key.u == 1) {
			if (seen || (val.kind != CBORP_NEGINT && val.kind != CBORP_UINT) || val.u > INT64_MAX)
				return ATTDOC_BAD_ALGORITHM;
			*alg = val.kind == CBORP_NEGINT ? -1 - (int64_t)val.u : (int64_t)val.u;
			seen = true;
		} else if (cborp_skip_rest(&r, &val) < 0) {
			return ATTDOC_BAD_ALGORITHM;
		}
	}
	return more == 0 && seen && cborp_left(&r) == 0 ? ATTDOC_OK : ATTDOC_BAD_ALGORITHM;
}

static bool bytes_in(const struct cborp_item *it, size_t min, size_t max, struct attdoc_bytes *out)
{
	if (it->kind != CBORP_BYTES || it->len < min || it->len > max)
		return false;
	/* An empty byte string is present, not absent: give it a non-NULL view. */
	out->ptr = it->len ? it->ptr : (const uint8_t *)"";
	out->len = it->len;
	return true;
}

static bool parse_pcrs(struct cborp *r, const struct cborp_item *map, struct attdoc *doc)
{
	struct cborp_item key, val;
	uint64_t left = map->u;
	unsigned n = 0;
	int more;

	if (map->kind != CBORP_MAP)
		return false;
	while ((more = cborp_more(r, map, &left)) > 0) {
		if (cborp_next(r, &key) < 0 || cborp_next(r, &val) < 0)
			return false;
		if (key.kind != CBORP_UINT || key.u >= ATTDOC_MAX_PCRS || (doc->pcr_mask >> key.u & 1))
			return false;
		if (val.kind != CBORP_BYTES || (val.len != 32 && val.len != 48 && val.len != 64))
			return false;
		bytes_in(&val, val.len, val.len, &doc->pcrs[key.u]);
		doc->pcr_mask |= 1u << key.u;
		n++;
	}
	return more == 0 && n >= 1;
}

static bool parse_cabundle(struct cborp *r, const struct cborp_item *arr, struct attdoc *doc)
{
	struct cborp_item it;
	uint64_t left = arr->u;
	int more;

	if (arr->kind != CBORP_ARRAY)
		return false;
	while ((more = cborp_more(r, arr, &left)) > 0) {
		if (cborp_next(r, &it) < 0 || doc->cabundle_len == ATTDOC_MAX_CABUNDLE ||
		    !bytes_in(&it, 1, ATTDOC_FIELD_MAX, &doc->cabundle[doc->cabundle_len]))
			return false;
		doc->cabundle_len++;
	}
	return more == 0 && doc->cabundle_len >= 1;
}

enum payload_field { F_MODULE_ID, F_DIGEST, F_TIMESTAMP, F_PCRS, F_CERTIFICATE, F_CABUNDLE,
		     F_PUBLIC_KEY, F_USER_DATA, F_NONCE, F_COUNT };
static const char *const field_names[F_COUNT] = { "module_id", "digest", "timestamp", "pcrs", "certificate",
						  "cabundle", "public_key", "user_data", "nonce" };
#define REQUIRED_FIELDS ((1u << F_PUBLIC_KEY) - 1)

/* One field's value, whose header `val` was just read. */
static bool parse_field(struct cborp *r, enum payload_field f, const struct cborp_item *val, struct attdoc *doc)
{
	switch (f) {
	case F_MODULE_ID:
		if (val->kind != CBORP_TEXT || val->len == 0)
			return false;
		doc->module_id.ptr = val->ptr;
		doc->module_id.len = val->len;
		return true;
	case F_DIGEST:
		return cborp_text_is(val, "SHA384");
	case F_TIMESTAMP:
		doc->timestamp_ms = val->u;
		return val->kind == CBORP_UINT && val->u > 0 && val->u <= INT64_MAX;
	case F_PCRS:
		return parse_pcrs(r, val, doc);
	case F_CERTIFICATE:
		return bytes_in(val, 1, ATTDOC_FIELD_MAX, &doc->certificate);
	case F_CABUNDLE:
		return parse_cabundle(r, val, doc);
	case F_PUBLIC_KEY:
	case F_USER_DATA:
	case F_NONCE: {
		struct attdoc_bytes *out = f == F_PUBLIC_KEY ? &doc->public_key
					   : f == F_USER_DATA ? &doc->user_data : &doc->nonce;
		/* null = absent; AWS's CDDL allows 0..1024 bytes (real documents
		 * carry empty byte strings). */
		return val->kind == CBORP_NULL || bytes_in(val, 0, ATTDOC_FIELD_MAX, out);
	}
	default:
		return false;
	}
}

static enum attdoc_status parse_payload(struct attdoc *doc)
{
	struct cborp r;
	struct cborp_item map, key, val;
	uint32_t seen = 0;
	uint64_t left;
	int more;

	cborp_init(&r, doc->payload.ptr, doc->payload.len);
	if (cborp_next(&r, &map) < 0 || map.kind != CBORP_MAP)
		return ATTDOC_MALFORMED;
	left = map.u;
	while ((more = cborp_more(&r, &map, &left)) > 0) {
		if (cborp_next(&r, &key) < 0 || cborp_next(&r, &val) < 0)
			return ATTDOC_MALFORMED;
		if (key.kind != CBORP_TEXT) {
			doc->bad_field = "(non-text key)";
			return ATTDOC_BAD_FIELD;
		}
		unsigned f = 0;
		while (f < F_COUNT && !cborp_text_is(&key, field_names[f]))
			f++;
		if (f == F_COUNT) { /* unknown keys are ignored, as serde does */
			if (cborp_skip_rest(&r, &val) < 0)
				return ATTDOC_MALFORMED;
			continue;
		}
		if ((seen >> f & 1) || !parse_field(&r, (enum payload_field)f, &val, doc)) {
			doc->bad_field = field_names[f];
			return ATTDOC_BAD_FIELD;
		}
		seen |= 1u << f;
		if (val.kind == CBORP_BYTES || val.kind == CBORP_TEXT || val.kind == CBORP_MAP ||
		    val.kind == CBORP_ARRAY)
			continue; /* consumed (containers by parse_field) */
		if (cborp_skip_rest(&r, &val) < 0)
			return ATTDOC_MALFORMED;
	}
	if (more < 0 || cborp_left(&r) != 0)
		return ATTDOC_MALFORMED;
	uint32_t missing = REQUIRED_FIELDS & ~seen;
	if (missing) {
		doc->bad_field = field_names[__builtin_ctz(missing)];
		return ATTDOC_BAD_FIELD;
	}
	return ATTDOC_OK;
}

static bool all_zero(const struct attdoc_bytes *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->ptr[i])
			return false;
	return true;
}

enum attdoc_status attdoc_parse(const uint8_t *buf, size_t len, struct attdoc *doc)
{
	struct cborp r;
	struct cborp_item it, parts[4];
	uint64_t left;
	enum attdoc_status st;

	memset(doc, 0, sizeof(*doc));
	cborp_init(&r, buf, len);
	if (cborp_next(&r, &it) < 0)
		return ATTDOC_MALFORMED;
	if (it.kind == CBORP_TAG) {
		if (it.u != COSE_SIGN1_TAG || cborp_next(&r, &it) < 0)
			return ATTDOC_MALFORMED;
		doc->tagged = true;
	}
	if (it.kind != CBORP_ARRAY || (!it.indefinite && it.u != 4))
		return ATTDOC_MALFORMED;
	left = it.u;
	for (int i = 0; i < 4; i++) {
		if (cborp_more(&r, &it, &left) != 1 || cborp_next(&r, &parts[i]) < 0)
			return ATTDOC_MALFORMED;
		if (i == 1) { /* unprotected header: any map (it is not signed) */
			if (parts[1].kind != CBORP_MAP || cborp_skip_rest(&r, &parts[1]) < 0)
				return ATTDOC_MALFORMED;
		} else if (parts[i].kind != CBORP_BYTES) {
			return ATTDOC_MALFORMED;
		}
	}
	if (cborp_more(&r, &it, &left) != 0 || cborp_left(&r) != 0)
		return ATTDOC_MALFORMED;
	bytes_in(&parts[0], 0, SIZE_MAX, &doc->protected_hdr);
	bytes_in(&parts[2], 0, SIZE_MAX, &doc->payload);
	bytes_in(&parts[3], 0, SIZE_MAX, &doc->signature);
	if ((st = parse_protected(&doc->protected_hdr, &doc->alg)) != ATTDOC_OK)
		return st;
	if ((st = parse_payload(doc)) != ATTDOC_OK)
		return st;
	if (doc->alg == COSE_ALG_NONE && all_zero(&doc->signature)) {
		doc->is_unsigned = true;
		return ATTDOC_OK;
	}
	return doc->alg == COSE_ALG_ES384 ? ATTDOC_OK : ATTDOC_BAD_ALGORITHM;
}

/* ----------------------------------------------------------------- verify */

static void sha256(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[32])
{
	br_sha256_context ctx;

	br_sha256_init(&ctx);
	br_sha256_update(&ctx, a, alen);
	br_sha256_update(&ctx, b, blen);
	br_sha256_out(&ctx, out);
}

static bool cache_has(const struct attdoc_cache *c, const uint8_t key[32])
{
	for (uint32_t i = 0; i < c->used; i++)
		if (memcmp(c->key[i], key, 32) == 0)
			return true;
	return false;
}

static void cache_put(struct attdoc_cache *c, const uint8_t key[32])
{
	memcpy(c->key[c->next], key, 32);
	c->next = (c->next + 1) % ATTDOC_CACHE_SLOTS;
	if (c->used < ATTDOC_CACHE_SLOTS)
		c->used++;
}

static br_ec_public_key ec_key(const struct x509_cert *c)
{
	return (br_ec_public_key){ .curve = BR_EC_secp384r1, .q = (unsigned char *)c->pubkey, .qlen = c->pubkey_len };
}

/* Verifies that `cert` (DER cert_der) was signed by `issuer` (DER issuer_der). */
static bool cert_signed_by(const struct x509_cert *cert, const struct attdoc_bytes *cert_der,
			   const struct x509_cert *issuer, const struct attdoc_bytes *issuer_der,
			   struct attdoc_cache *cache, unsigned *verifications)
{
	uint8_t key[32], hash[COSE_SHA384_LEN];
	br_sha384_context h;

	if (cache) {
		sha256(cert_der->ptr, cert_der->len, issuer_der->ptr, issuer_der->len, key);
		if (cache_has(cache, key)) {
			cache->hits++;
			return true;
		}
		cache->misses++;
	}
	br_ec_public_key pk = ec_key(issuer);
	br_sha384_init(&h);
	br_sha384_update(&h, cert->tbs, cert->tbs_len);
	br_sha384_out(&h, hash);
	(*verifications)++;
	if (!br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, hash, sizeof(hash), &pk, cert->sig, cert->sig_len))
		return false;
	if (cache)
		cache_put(cache, key);
	return true;
}

static bool same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static bool valid_at(const struct x509_cert *c, int64_t t)
{
	return c->not_before <= t && t <= c->not_after;
}

/* Floor division (times before 1970 stay ordered), without negating. */
static int64_t ms_to_s(int64_t ms)
{
	return ms / 1000 - (ms % 1000 < 0);
}

static bool pinned_root(const struct attdoc_bytes *der)
{
	static const char hexd[] = "0123456789abcdef";
	uint8_t fp[32];
	char hex[65];

	sha256(der->ptr, der->len, NULL, 0, fp);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = hexd[fp[i] >> 4];
		hex[2 * i + 1] = hexd[fp[i] & 15];
	}
	hex[64] = 0;
	return strcmp(hex, ATTDOC_AWS_ROOT_SHA256) == 0;
}

#define FAIL(st, idx)                                                          \
	do {                                                                   \
		if (info)                                                      \
			info->cert_index = (idx);                              \
		return (st);                                                   \
	} while (0)

enum attdoc_status attdoc_verify(const struct attdoc *doc, const struct attdoc_verify_opts *opts,
				 struct attdoc_verify_info *info)
{
	struct x509_cert certs[ATTDOC_MAX_CABUNDLE + 1];
	const struct attdoc_bytes *ders[ATTDOC_MAX_CABUNDLE + 1];
	unsigned verifications = 0;
	size_t n = doc->cabundle_len; /* index of the leaf in certs[] */

	if (info) {
		info->cert_index = -1;
		info->ecdsa_verifications = 0;
	}
	if (doc->is_unsigned)
		return ATTDOC_UNSIGNED;
	if (n == 0 || n > ATTDOC_MAX_CABUNDLE)
		return ATTDOC_BAD_FIELD;
	for (size_t i = 0; i <= n; i++) {
		ders[i] = i < n ? &doc->cabundle[i] : &doc->certificate;
		if (x509_parse(ders[i]->ptr, ders[i]->len, &certs[i]) < 0)
			FAIL(ATTDOC_BAD_CERTIFICATE, (int)i);
	}

	/* The anchor: cabundle[0], if it is the trusted root. */
	if (opts->root_der) {
		struct x509_cert root;
		if (x509_parse(opts->root_der, opts->root_der_len, &root) < 0)
			return ATTDOC_BAD_ROOT;
		if (!same_bytes(opts->root_der, opts->root_der_len, ders[0]->ptr, ders[0]->len))
			FAIL(ATTDOC_UNTRUSTED_ROOT, 0);
	} else if (!pinned_root(ders[0])) {
		FAIL(ATTDOC_UNTRUSTED_ROOT, 0);
	}

	int64_t t = ms_to_s(opts->at_document ? (int64_t)doc->timestamp_ms : opts->at_ms);
	if (!valid_at(&certs[0], t))
		FAIL(ATTDOC_EXPIRED, 0);
	for (size_t i = 1; i <= n; i++) {
		const struct x509_cert *c = &certs[i], *up = &certs[i - 1];
		if (!same_bytes(c->issuer, c->issuer_len, up->subject, up->subject_len))
			FAIL(ATTDOC_ISSUER_MISMATCH, (int)i);
		if (!up->has_basic_constraints || !up->basic_constraints_critical || !up->is_ca ||
		    !up->has_key_usage || !(up->key_usage & X509_KU_KEY_CERT_SIGN))
			FAIL(ATTDOC_NOT_CA, (int)i - 1);
		/* certs[i .. n-1] are the CAs below `up`. */
		if (up->has_path_len && up->path_len < n - i)
			FAIL(ATTDOC_PATH_LEN, (int)i - 1);
		if (!cert_signed_by(c, ders[i], up, ders[i - 1], opts->cache, &verifications)) {
			if (info)
				info->ecdsa_verifications = verifications;
			FAIL(ATTDOC_CERT_SIGNATURE, (int)i);
		}
		if (!valid_at(c, t))
			FAIL(ATTDOC_EXPIRED, (int)i);
	}
	if (info)
		info->ecdsa_verifications = verifications;
	const struct x509_cert *leaf = &certs[n];
	if (leaf->has_basic_constraints && leaf->is_ca)
		FAIL(ATTDOC_LEAF_IS_CA, (int)n);
	if (!leaf->has_key_usage || !(leaf->key_usage & X509_KU_DIGITAL_SIGNATURE))
		FAIL(ATTDOC_KEY_USAGE, (int)n);

	if (doc->signature.len != ES384_SIG_LEN)
		return ATTDOC_SIGNATURE;
	uint8_t hash[COSE_SHA384_LEN];
	cose_sign1_tbs_hash(doc->protected_hdr.ptr, doc->protected_hdr.len, doc->payload.ptr, doc->payload.len,
			    hash);
	br_ec_public_key pk = ec_key(leaf);
	if (info)
		info->ecdsa_verifications++;
	if (!br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, hash, sizeof(hash), &pk, doc->signature.ptr,
				   doc->signature.len))
		return ATTDOC_SIGNATURE;
	return ATTDOC_OK;
}

/* ----------------------------------------------------------------- policy */

static bool field_is(const struct attdoc_bytes *f, const uint8_t *v, size_t len)
{
	return f->ptr && (len == 0 || v) && same_bytes(f->ptr, f->len, v ? v : (const uint8_t *)"", len);
}

enum attdoc_status attdoc_check_pcr(const struct attdoc *doc, unsigned index, const uint8_t *value, size_t len)
{
	if (index >= ATTDOC_MAX_PCRS || !(doc->pcr_mask >> index & 1) || !field_is(&doc->pcrs[index], value, len))
		return ATTDOC_PCR_MISMATCH;
	return ATTDOC_OK;
}

enum attdoc_status attdoc_check_nonce(const struct attdoc *doc, const uint8_t *nonce, size_t len)
{
	return field_is(&doc->nonce, nonce, len) ? ATTDOC_OK : ATTDOC_NONCE_MISMATCH;
}

enum attdoc_status attdoc_check_user_data(const struct attdoc *doc, const uint8_t *data, size_t len)
{
	return field_is(&doc->user_data, data, len) ? ATTDOC_OK : ATTDOC_USER_DATA_MISMATCH;
}

enum attdoc_status attdoc_check_public_key(const struct attdoc *doc, const uint8_t *key, size_t len)
{
	return field_is(&doc->public_key, key, len) ? ATTDOC_OK : ATTDOC_PUBLIC_KEY_MISMATCH;
}
