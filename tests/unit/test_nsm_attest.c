/* The attestation-document verifier (nsm/nsm_attest.h):
 *   - the real documents under $TESTDATA/attestation (real/, invalid/,
 *     derived/) behave as their manifests say;
 *   - a rejection matrix on documents signed by a test chain made at test
 *     time with openssl (tests/nsm-testchain.sh), each defect rejected with
 *     its own status and none crashing. */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cose.h"
#include "nsm_attest.h"
#include "nsm_proto.h"
#include "nsm_soft.h"
#include "x509.h"

#define MAX_DOC 16384

static char testdata[4096];
static char chain_dir[] = "/tmp/nsm-chain-XXXXXX";

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, cap, f);
	assert_true(feof(f));
	fclose(f);
	return n;
}

static enum attdoc_status check(const uint8_t *buf, size_t len, const struct attdoc_verify_opts *o,
				struct attdoc_verify_info *info)
{
	struct attdoc d;
	enum attdoc_status st = attdoc_parse(buf, len, &d);
	return st != ATTDOC_OK ? st : attdoc_verify(&d, o, info);
}

/* ------------------------------------------------------------ real data */

static void test_real_documents(void **state)
{
	(void)state;
	char dir[4200], path[4500];
	static uint8_t buf[MAX_DOC];
	int count = 0;
	struct attdoc_cache cache;

	memset(&cache, 0, sizeof(cache));
	snprintf(dir, sizeof(dir), "%s/real", testdata);
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		if (!strstr(e->d_name, ".bin"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t len = slurp(path, buf, sizeof(buf));
		struct attdoc doc;
		struct attdoc_verify_info info;
		struct attdoc_verify_opts at_doc = { .at_document = true };
		if (attdoc_parse(buf, len, &doc) != ATTDOC_OK)
			fail_msg("%s: does not parse", e->d_name);
		enum attdoc_status st = attdoc_verify(&doc, &at_doc, &info);
		if (st != ATTDOC_OK)
			fail_msg("%s: %s at its own timestamp", e->d_name, attdoc_status_id(st));
		/* Cold: four certificate signatures and the COSE signature. */
		assert_int_equal(info.ecdsa_verifications, 5);
		assert_int_equal(doc.cabundle_len, 4);

		/* One second after the leaf expired: rejected as expired. */
		struct x509_cert leaf;
		assert_int_equal(x509_parse(doc.certificate.ptr, doc.certificate.len, &leaf), 0);
		struct attdoc_verify_opts late = { .at_ms = (leaf.not_after + 1) * 1000 };
		st = attdoc_verify(&doc, &late, &info);
		if (st != ATTDOC_EXPIRED)
			fail_msg("%s: %s after the leaf expired", e->d_name, attdoc_status_id(st));
		/* And at its last valid second, valid. */
		struct attdoc_verify_opts edge = { .at_ms = leaf.not_after * 1000 };
		assert_int_equal(attdoc_verify(&doc, &edge, NULL), ATTDOC_OK);
		/* Now (every leaf lives 3 hours): a replay fails. */
		struct attdoc_verify_opts now = { .at_ms = (int64_t)time(NULL) * 1000 };
		assert_int_equal(attdoc_verify(&doc, &now, NULL), ATTDOC_EXPIRED);

		/* Warm cache: the second verification costs one ECDSA. */
		at_doc.cache = &cache;
		assert_int_equal(attdoc_verify(&doc, &at_doc, NULL), ATTDOC_OK);
		assert_int_equal(attdoc_verify(&doc, &at_doc, &info), ATTDOC_OK);
		assert_int_equal(info.ecdsa_verifications, 1);
		/* The cache never skips the time check. */
		late.cache = &cache;
		assert_int_equal(attdoc_verify(&doc, &late, NULL), ATTDOC_EXPIRED);
		count++;
	}
	closedir(d);
	assert_int_equal(count, 66);
}

struct expectation {
	const char *file;
	enum attdoc_status status;
};

/* Statuses per file; the VALID/INVALID half is also checked against the
 * manifests' own words below. */
static const struct expectation expected[] = {
	{ "invalid/invalid_basenitrovalidator_pasted_truncated.bin", ATTDOC_MALFORMED },
	{ "invalid/invalid_blocky_selfsigned.bin", ATTDOC_MALFORMED }, /* unprotected header null */
	{ "invalid/invalid_eternis_badsig.bin", ATTDOC_SIGNATURE },
	{ "invalid/invalid_marlin_customroot_1.bin", ATTDOC_UNTRUSTED_ROOT },
	{ "invalid/invalid_marlin_customroot_pcr16.bin", ATTDOC_UNTRUSTED_ROOT },
	{ "invalid/invalid_polygonid_tampered_userdata.bin", ATTDOC_SIGNATURE },
	/* the root copy no longer parses (a SET length inside its Name changed) */
	{ "invalid/invalid_worldcoin_corrupted_cabundle.bin", ATTDOC_BAD_CERTIFICATE },
	{ "derived/tagged_def.bin", ATTDOC_OK },
	{ "derived/tagged_indef.bin", ATTDOC_OK },
	{ "derived/sigflip_def.bin", ATTDOC_SIGNATURE },
	{ "derived/sigflip_indef.bin", ATTDOC_SIGNATURE },
	{ "derived/sigflip_r_def.bin", ATTDOC_SIGNATURE },
	{ "derived/sigflip_r_indef.bin", ATTDOC_SIGNATURE },
	{ "derived/payload_pcr0_flip_def.bin", ATTDOC_SIGNATURE },
	{ "derived/payload_pcr0_flip_indef.bin", ATTDOC_SIGNATURE },
	{ "derived/timestamp_plus1day_def.bin", ATTDOC_EXPIRED },
	{ "derived/timestamp_plus1day_indef.bin", ATTDOC_EXPIRED },
	{ "derived/truncated_def.bin", ATTDOC_MALFORMED },
	{ "derived/truncated_indef.bin", ATTDOC_MALFORMED },
	{ "derived/trailing_byte_def.bin", ATTDOC_MALFORMED },
	{ "derived/trailing_byte_indef.bin", ATTDOC_MALFORMED },
	{ "derived/def_rewritten_as_indefinite.bin", ATTDOC_SIGNATURE },
	{ "derived/indef_rewritten_as_definite.bin", ATTDOC_SIGNATURE },
	/* The unprotected header is not signed; COSE allows content there. */
	{ "derived/unprotected_nonempty_def.bin", ATTDOC_OK },
	{ "derived/protected_alg_es256_def.bin", ATTDOC_BAD_ALGORITHM },
	{ "derived/sig_len95_def.bin", ATTDOC_SIGNATURE },
	{ "derived/indef_missing_break.bin", ATTDOC_MALFORMED },
};

static void test_invalid_and_derived(void **state)
{
	(void)state;
	char path[9000];
	static uint8_t buf[MAX_DOC];
	static char manifest[1 << 20];

	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", testdata, expected[i].file);
		size_t len = slurp(path, buf, sizeof(buf));
		struct attdoc_verify_opts o = { .at_document = true };
		enum attdoc_status st = check(buf, len, &o, NULL);
		if (st != expected[i].status)
			fail_msg("%s: %s, expected %s", expected[i].file, attdoc_status_id(st),
				 attdoc_status_id(expected[i].status));
		/* Tampering never survives any check time or the cache. */
		struct attdoc_cache cache = { 0 };
		o.cache = &cache;
		assert_int_equal(check(buf, len, &o, NULL), expected[i].status);
	}
	/* Every derived/ entry of derived.json is covered, with the same verdict. */
	snprintf(path, sizeof(path), "%s/derived.json", testdata);
	size_t mlen = slurp(path, (uint8_t *)manifest, sizeof(manifest) - 1);
	manifest[mlen] = 0;
	int seen = 0;
	for (const char *p = manifest; (p = strstr(p, "\"file\": \"derived/")); p++) {
		char file[256], verdict[16];
		if (sscanf(p, "\"file\": \"%255[^\"]\"", file) != 1)
			fail_msg("derived.json: unreadable entry");
		const char *x = strstr(p, "\"expect\": \"");
		assert_non_null(x);
		assert_int_equal(sscanf(x, "\"expect\": \"%15[A-Z]", verdict), 1);
		if (!strstr(file, ".bin"))
			continue;
		size_t i = 0;
		while (i < sizeof(expected) / sizeof(expected[0]) && strcmp(expected[i].file, file))
			i++;
		if (i == sizeof(expected) / sizeof(expected[0]))
			fail_msg("%s is in derived.json but not in this test", file);
		if ((expected[i].status == ATTDOC_OK) != !strcmp(verdict, "VALID"))
			fail_msg("%s: derived.json says %s", file, verdict);
		seen++;
	}
	assert_int_equal(seen, 20);

	/* A real document against an unrelated P-384 root. */
	char der[4300];
	snprintf(der, sizeof(der), "%s/root2.der", chain_dir);
	snprintf(path, sizeof(path), "openssl x509 -in '%s/derived/unrelated_root_p384.pem' -outform DER -out '%s'",
		 testdata, der);
	assert_int_equal(system(path), 0);
	static uint8_t root[4096];
	size_t root_len = slurp(der, root, sizeof(root));
	snprintf(path, sizeof(path), "%s/real/attdoc_evervault_11.bin", testdata);
	size_t len = slurp(path, buf, sizeof(buf));
	struct attdoc_verify_opts o = { .at_document = true, .root_der = root, .root_der_len = root_len };
	assert_int_equal(check(buf, len, &o, NULL), ATTDOC_UNTRUSTED_ROOT);
	/* The AWS root given explicitly works like the pin. */
	snprintf(path, sizeof(path), "openssl x509 -in '%s/root/aws_nitro_root_g1.pem' -outform DER -out '%s'",
		 testdata, der);
	assert_int_equal(system(path), 0);
	o.root_der_len = slurp(der, root, sizeof(root));
	assert_int_equal(check(buf, len, &o, NULL), ATTDOC_OK);
	/* A root that is not a certificate. */
	o.root_der_len = 10;
	assert_int_equal(check(buf, len, &o, NULL), ATTDOC_BAD_ROOT);
}

/* ------------------------------------------------------- test-chain docs */

struct cert {
	uint8_t der[2048];
	size_t len;
};

static void load_cert(const char *name, struct cert *c)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s.der", chain_dir, name);
	c->len = slurp(path, c->der, sizeof(c->der));
}

static void load_key(const char *name, br_ec_private_key *k, uint8_t *kbuf)
{
	char path[256];
	uint8_t der[512];
	struct nsm_soft s;
	snprintf(path, sizeof(path), "%s/%s.key.der", chain_dir, name);
	size_t len = slurp(path, der, sizeof(der));
	assert_int_equal(nsm_soft_set_key(&s, der, len), 0);
	memcpy(kbuf, s.key_buf, s.key.xlen);
	*k = s.key;
	k->x = kbuf;
}

static const uint8_t protected_es384[] = { 0xa1, 0x01, 0x38, 0x22 };

/* The shape of a document: which chain, which defects. */
struct doc_spec {
	const char *leaf;            /* certificate and key name */
	const char *bundle[4];       /* cabundle names, root first */
	const uint8_t *protected_hdr;
	size_t protected_len;
	size_t n_pcrs;               /* default 16 */
	size_t pcr_len;              /* default 48 */
	uint64_t timestamp_ms;       /* default now */
};

static uint8_t pcr_fill[48];

static size_t make_doc(const struct doc_spec *spec, uint8_t *out, size_t cap)
{
	static struct cert leaf, bundle[4];
	const uint8_t *bptr[4];
	size_t blen[4], n = 0;
	uint16_t index[40];
	const uint8_t *value[40];
	static uint8_t big[64];
	uint8_t payload[MAX_DOC], kbuf[64];
	br_ec_private_key key;

	load_cert(spec->leaf, &leaf);
	load_key(spec->leaf, &key, kbuf);
	for (; n < 4 && spec->bundle[n]; n++) {
		load_cert(spec->bundle[n], &bundle[n]);
		bptr[n] = bundle[n].der;
		blen[n] = bundle[n].len;
	}
	size_t n_pcrs = spec->n_pcrs ? spec->n_pcrs : 16;
	if (spec->n_pcrs == (size_t)-1)
		n_pcrs = 0;
	for (size_t i = 0; i < n_pcrs; i++) {
		index[i] = (uint16_t)i;
		value[i] = spec->pcr_len > 48 ? big : pcr_fill;
	}
	struct nsm_soft_payload p = {
		.module_id = "i-0aaaaaaaaaaaaaaaa-enc0bbbbbbbbbbbbbbb",
		.timestamp_ms = spec->timestamp_ms ? spec->timestamp_ms : (uint64_t)time(NULL) * 1000,
		.n_pcrs = n_pcrs, .pcr_index = index, .pcr_value = value,
		.pcr_len = spec->pcr_len ? spec->pcr_len : 48,
		.cert = leaf.der, .cert_len = leaf.len,
		.cabundle = bptr, .cabundle_len = blen, .n_cabundle = n,
		.nonce = (const uint8_t *)"n0nce", .nonce_len = 5,
	};
	ssize_t plen = nsm_soft_payload_encode(&p, payload, sizeof(payload));
	assert_true(plen > 0);
	ssize_t len = nsm_soft_sign1(&key, spec->protected_hdr ? spec->protected_hdr : protected_es384,
				     spec->protected_hdr ? spec->protected_len : sizeof(protected_es384), payload,
				     (size_t)plen, out, cap);
	assert_true(len > 0);
	return (size_t)len;
}

static struct cert root, root2;

static struct attdoc_verify_opts test_root(void)
{
	return (struct attdoc_verify_opts){ .root_der = root.der, .root_der_len = root.len, .at_document = true };
}

static int make_chain(void **state)
{
	(void)state;
	char cmd[256];
	if (!mkdtemp(chain_dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "tests/nsm-testchain.sh %s", chain_dir);
	if (system(cmd) != 0) {
		printf("# cannot make the test chain with openssl (%s)\n", cmd);
		return -1;
	}
	memset(pcr_fill, 0x5a, sizeof(pcr_fill));
	load_cert("root", &root);
	load_cert("root2", &root2);
	return 0;
}

static int remove_chain(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", chain_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void expect_status(const struct doc_spec *spec, const struct attdoc_verify_opts *o,
			  enum attdoc_status want, int want_index)
{
	static uint8_t doc[MAX_DOC];
	size_t len = make_doc(spec, doc, sizeof(doc));
	struct attdoc_verify_info info;
	enum attdoc_status st = check(doc, len, o, &info);
	if (st != want)
		fail_msg("leaf %s: %s, expected %s", spec->leaf, attdoc_status_id(st), attdoc_status_id(want));
	if (want_index != -2)
		assert_int_equal(info.cert_index, want_index);
}

static void test_matrix_chain(void **state)
{
	(void)state;
	struct attdoc_verify_opts o = test_root();
	struct doc_spec good = { .leaf = "leaf", .bundle = { "root", "int" } };

	/* Control: the well-formed chain verifies (2 certificates + COSE). */
	static uint8_t doc[MAX_DOC];
	size_t len = make_doc(&good, doc, sizeof(doc));
	struct attdoc_verify_info info;
	assert_int_equal(check(doc, len, &o, &info), ATTDOC_OK);
	assert_int_equal(info.ecdsa_verifications, 3);
	struct attdoc d;
	assert_int_equal(attdoc_parse(doc, len, &d), ATTDOC_OK);
	assert_int_equal(attdoc_check_nonce(&d, (const uint8_t *)"n0nce", 5), ATTDOC_OK);
	assert_int_equal(attdoc_check_nonce(&d, (const uint8_t *)"n0nc3", 5), ATTDOC_NONCE_MISMATCH);
	assert_int_equal(attdoc_check_pcr(&d, 3, pcr_fill, 48), ATTDOC_OK);
	assert_int_equal(attdoc_check_pcr(&d, 3, pcr_fill, 47), ATTDOC_PCR_MISMATCH);
	assert_int_equal(attdoc_check_pcr(&d, 20, pcr_fill, 48), ATTDOC_PCR_MISMATCH);
	assert_null(d.user_data.ptr);
	assert_int_equal(attdoc_check_user_data(&d, NULL, 0), ATTDOC_USER_DATA_MISMATCH);

	/* Wrong root: another anchor, or the default AWS pin. */
	struct attdoc_verify_opts other = o;
	other.root_der = root2.der;
	other.root_der_len = root2.len;
	expect_status(&good, &other, ATTDOC_UNTRUSTED_ROOT, 0);
	struct attdoc_verify_opts aws = { .at_document = true };
	expect_status(&good, &aws, ATTDOC_UNTRUSTED_ROOT, 0);

	/* Expired intermediate: valid now, not two days on (the leaf lives 30). */
	struct doc_spec shortint = { .leaf = "leaf2", .bundle = { "root", "intshort" } };
	expect_status(&shortint, &o, ATTDOC_OK, -2);
	shortint.timestamp_ms = ((uint64_t)time(NULL) + 2 * 86400) * 1000;
	expect_status(&shortint, &o, ATTDOC_EXPIRED, 1);
	/* Before any certificate existed. */
	struct doc_spec early = good;
	early.timestamp_ms = 1000;
	expect_status(&early, &o, ATTDOC_EXPIRED, 0);

	expect_status(&(struct doc_spec){ .leaf = "leafca", .bundle = { "root", "int" } }, &o, ATTDOC_LEAF_IS_CA, 2);
	expect_status(&(struct doc_spec){ .leaf = "leaf3", .bundle = { "root", "int0", "int2" } }, &o,
		      ATTDOC_PATH_LEN, 1);
	expect_status(&(struct doc_spec){ .leaf = "leaf4", .bundle = { "root", "notca" } }, &o, ATTDOC_NOT_CA, 1);
	expect_status(&(struct doc_spec){ .leaf = "leafku", .bundle = { "root", "int" } }, &o, ATTDOC_KEY_USAGE, 2);
	/* No keyUsage at all: not a CA that may sign certificates, not a
	 * leaf that may sign documents. */
	expect_status(&(struct doc_spec){ .leaf = "leaf5", .bundle = { "root", "canoku" } }, &o, ATTDOC_NOT_CA, 1);
	expect_status(&(struct doc_spec){ .leaf = "leafnoku", .bundle = { "root", "int" } }, &o, ATTDOC_KEY_USAGE,
		      2);
	/* The leaf's issuer is not the last cabundle entry. */
	expect_status(&(struct doc_spec){ .leaf = "leaf3", .bundle = { "root", "int" } }, &o,
		      ATTDOC_ISSUER_MISMATCH, 2);
}

static void test_matrix_bytes(void **state)
{
	(void)state;
	struct attdoc_verify_opts o = test_root();
	struct doc_spec good = { .leaf = "leaf", .bundle = { "root", "int" } };
	static uint8_t doc[MAX_DOC];
	size_t len = make_doc(&good, doc, sizeof(doc));
	struct attdoc d;

	/* Flipped signature bit (last byte of s). */
	doc[len - 1] ^= 0x01;
	assert_int_equal(check(doc, len, &o, NULL), ATTDOC_SIGNATURE);
	doc[len - 1] ^= 0x01;
	/* Flipped payload bit inside PCR0's value. */
	uint8_t *pcr = memmem(doc, len, pcr_fill, sizeof(pcr_fill));
	assert_non_null(pcr);
	pcr[7] ^= 0x80;
	assert_int_equal(check(doc, len, &o, NULL), ATTDOC_SIGNATURE);
	pcr[7] ^= 0x80;
	/* Flipped bit in the leaf certificate's signature value. */
	assert_int_equal(attdoc_parse(doc, len, &d), ATTDOC_OK);
	uint8_t *leaf_last = (uint8_t *)d.certificate.ptr + d.certificate.len - 1;
	*leaf_last ^= 0x01;
	assert_int_equal(check(doc, len, &o, NULL), ATTDOC_CERT_SIGNATURE);
	*leaf_last ^= 0x01;
	assert_int_equal(check(doc, len, &o, NULL), ATTDOC_OK);

	/* Truncated at every offset: rejected, never a crash (ASan run). */
	for (size_t cut = 0; cut < len; cut++) {
		enum attdoc_status st = check(doc, cut, &o, NULL);
		if (st == ATTDOC_OK)
			fail_msg("truncated at %zu: accepted", cut);
	}
	/* Every single-byte corruption in the first 64 and last 64 bytes. */
	for (size_t i = 0; i < len; i = i == 63 ? len - 64 : i + 1) {
		doc[i] ^= 0xff;
		assert_int_not_equal(check(doc, len, &o, NULL), ATTDOC_OK);
		doc[i] ^= 0xff;
	}

	/* Wrong algorithm in the protected header (ES256), even if signed. */
	static const uint8_t es256[] = { 0xa1, 0x01, 0x26 };
	struct doc_spec alg = good;
	alg.protected_hdr = es256;
	alg.protected_len = sizeof(es256);
	expect_status(&alg, &o, ATTDOC_BAD_ALGORITHM, -2);
	static const uint8_t no_alg[] = { 0xa1, 0x04, 0x41, 0x00 };
	alg.protected_hdr = no_alg;
	alg.protected_len = sizeof(no_alg);
	expect_status(&alg, &o, ATTDOC_BAD_ALGORITHM, -2);
	/* {[1, 1]: -35, <missing>}: an array key, whose items a careless
	 * reader takes for the pair 1: -35 (ES384). */
	static const uint8_t array_key[] = { 0xa2, 0x82, 0x01, 0x01, 0x38, 0x22 };
	alg.protected_hdr = array_key;
	alg.protected_len = sizeof(array_key);
	expect_status(&alg, &o, ATTDOC_BAD_ALGORITHM, -2);

	/* PCR map empty, 33 entries, wrong value size. */
	struct doc_spec pcrs = good;
	pcrs.n_pcrs = (size_t)-1;
	expect_status(&pcrs, &o, ATTDOC_BAD_FIELD, -2);
	pcrs.n_pcrs = 33;
	expect_status(&pcrs, &o, ATTDOC_BAD_FIELD, -2);
	pcrs.n_pcrs = 16;
	pcrs.pcr_len = 47;
	expect_status(&pcrs, &o, ATTDOC_BAD_FIELD, -2);
	/* 32 entries of 64 bytes are within the rules. */
	pcrs.n_pcrs = 32;
	pcrs.pcr_len = 64;
	expect_status(&pcrs, &o, ATTDOC_OK, -2);
}

/* Replaces the byte at `at` within pattern pat in der with v, parses, and
 * puts the byte back. */
static int parse_with(struct cert *c, const void *pat, size_t pat_len, size_t at, uint8_t v)
{
	struct x509_cert x;
	uint8_t *p = memmem(c->der, c->len, pat, pat_len);
	assert_non_null(p);
	uint8_t old = p[at];
	p[at] = v;
	int e = x509_parse(c->der, c->len, &x);
	p[at] = old;
	return e;
}

static void test_x509_der_booleans(void **state)
{
	(void)state;
	/* int: critical basicConstraints {cA TRUE, pathLen 0}. */
	static const uint8_t critical[] = { 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff };
	static const uint8_t ca[] = { 0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00 };
	struct cert c;
	struct x509_cert x;

	load_cert("int", &c);
	assert_int_equal(x509_parse(c.der, c.len, &x), 0);
	assert_true(x.basic_constraints_critical);
	assert_true(x.is_ca);
	/* DER: a BOOLEAN that defaults to FALSE is either absent or 0xff. */
	assert_int_equal(parse_with(&c, critical, sizeof(critical), 7, 0x00), -EBADMSG);
	assert_int_equal(parse_with(&c, critical, sizeof(critical), 7, 0x01), -EBADMSG);
	assert_int_equal(parse_with(&c, ca, sizeof(ca), 4, 0x00), -EBADMSG);
	assert_int_equal(parse_with(&c, ca, sizeof(ca), 4, 0x01), -EBADMSG);
	assert_int_equal(parse_with(&c, ca, sizeof(ca), 4, 0xff), 0);
}

static void test_x509_dates(void **state)
{
	(void)state;
	assert_true(x509_valid_date(2026, 1, 31));
	assert_false(x509_valid_date(2026, 4, 31));
	assert_true(x509_valid_date(2026, 4, 30));
	assert_false(x509_valid_date(2026, 2, 29));
	assert_true(x509_valid_date(2024, 2, 29));
	assert_false(x509_valid_date(2024, 2, 30));
	assert_false(x509_valid_date(1900, 2, 29)); /* a century, not a leap year */
	assert_true(x509_valid_date(2000, 2, 29));  /* unless divisible by 400 */
	assert_false(x509_valid_date(2026, 0, 1));
	assert_false(x509_valid_date(2026, 13, 1));
	assert_false(x509_valid_date(2026, 12, 0));
	assert_true(x509_valid_date(2026, 12, 31));

	/* A certificate whose notBefore (UTCTime YYMMDDhhmmssZ) is made
	 * February 30th does not parse. */
	struct cert c;
	struct x509_cert x;
	load_cert("leaf", &c);
	uint8_t *t = memmem(c.der, c.len, "\x17\x0d", 2);
	assert_non_null(t);
	memcpy(t + 4, "0230", 4);
	assert_int_equal(x509_parse(c.der, c.len, &x), -EBADMSG);
	memcpy(t + 4, "0228", 4);
	assert_int_equal(x509_parse(c.der, c.len, &x), 0);
}

static void test_unsigned_and_cose(void **state)
{
	(void)state;
	static const uint8_t none[] = { 0xa1, 0x01, 0x20 };
	static uint8_t payload[MAX_DOC], doc[MAX_DOC];
	static const uint8_t zeros[64];
	const uint8_t *bundle[1] = { zeros };
	size_t blen[1] = { 64 };
	uint16_t idx[1] = { 0 };
	const uint8_t *val[1] = { zeros };
	struct nsm_soft_payload p = { .module_id = "i-234-enc5678", .timestamp_ms = 1700000000000ULL, .n_pcrs = 1,
				      .pcr_index = idx, .pcr_value = val, .pcr_len = 48, .cert = zeros,
				      .cert_len = 64, .cabundle = bundle, .cabundle_len = blen, .n_cabundle = 1 };
	ssize_t plen = nsm_soft_payload_encode(&p, payload, sizeof(payload));
	assert_true(plen > 0);
	ssize_t len = nsm_soft_sign1(NULL, none, sizeof(none), payload, (size_t)plen, doc, sizeof(doc));
	assert_true(len > 0);
	struct attdoc d;
	assert_int_equal(attdoc_parse(doc, (size_t)len, &d), ATTDOC_OK);
	assert_true(d.is_unsigned);
	struct attdoc_verify_opts o = { .at_document = true };
	assert_int_equal(attdoc_verify(&d, &o, NULL), ATTDOC_UNSIGNED);
	assert_null(d.bad_field);
	/* A rejected field is named: a wrong value, a missing key. */
	uint8_t *digest = memmem(doc, (size_t)len, "SHA384", 6);
	assert_non_null(digest);
	memcpy(digest, "SHA512", 6);
	assert_int_equal(attdoc_parse(doc, (size_t)len, &d), ATTDOC_BAD_FIELD);
	assert_string_equal(d.bad_field, "digest");
	memcpy(digest, "SHA384", 6);
	uint8_t *ts_key = memmem(doc, (size_t)len, "\x69timestamp", 10);
	assert_non_null(ts_key);
	ts_key[9] = 'P'; /* an unknown key now, ignored: timestamp is missing */
	assert_int_equal(attdoc_parse(doc, (size_t)len, &d), ATTDOC_BAD_FIELD);
	assert_string_equal(d.bad_field, "timestamp");
	ts_key[9] = 'p';
	/* alg -1 with a non-zero signature is not the QEMU class. */
	doc[len - 1] = 1;
	assert_int_equal(attdoc_parse(doc, (size_t)len, &d), ATTDOC_BAD_ALGORITHM);

	/* The Sig_structure hash equals SHA-384 of the encoded array. */
	uint8_t h1[48], h2[48], sig_structure[64];
	size_t n = 0;
	const uint8_t head[] = { 0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1', 0x44, 0xa1, 0x01,
				 0x38, 0x22, 0x40, 0x43, 'a', 'b', 'c' };
	memcpy(sig_structure, head, sizeof(head));
	n = sizeof(head);
	cose_sign1_tbs_hash(protected_es384, sizeof(protected_es384), (const uint8_t *)"abc", 3, h1);
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, sig_structure, n);
	br_sha384_out(&c, h2);
	assert_memory_equal(h1, h2, 48);
}

static void test_soft_nsm_signs(void **state)
{
	(void)state;
	static struct nsm_soft s;
	static struct cert leaf, intc;
	uint8_t kder[512], req[64];
	static uint8_t resp[NSM_SOFT_PCRS * 0 + 16384];
	char path[256];

	nsm_soft_init(&s, "i-soft-enc", NULL);
	snprintf(path, sizeof(path), "%s/leaf.key.der", chain_dir);
	size_t klen = slurp(path, kder, sizeof(kder));
	assert_int_equal(nsm_soft_set_key(&s, kder, klen), 0);
	assert_int_equal(nsm_soft_set_key(&s, kder, 10), -EINVAL);
	load_cert("leaf", &leaf);
	load_cert("int", &intc);
	s.cert = leaf.der;
	s.cert_len = leaf.len;
	s.cabundle[0] = root.der;
	s.cabundle_len[0] = root.len;
	s.cabundle[1] = intc.der;
	s.cabundle_len[1] = intc.len;
	s.n_cabundle = 2;
	struct nsm_request q = { .op = NSM_OP_ATTESTATION, .public_key = { (const uint8_t *)"pk", 2 } };
	ssize_t qlen = nsm_request_encode(&q, req, sizeof(req));
	size_t rlen = nsm_soft_handle(&s, req, (size_t)qlen, resp, sizeof(resp));
	struct nsm_response r;
	assert_int_equal(nsm_response_decode(NSM_OP_ATTESTATION, resp, rlen, &r), ERROR_CODE_SUCCESS);
	struct attdoc d;
	assert_int_equal(attdoc_parse(r.data.ptr, r.data.len, &d), ATTDOC_OK);
	/* Real shape: untagged, {1: -35}, root first. */
	assert_false(d.tagged);
	assert_int_equal(d.protected_hdr.len, 4);
	assert_memory_equal(r.data.ptr, "\x84\x44\xa1\x01\x38\x22\xa0", 7);
	assert_int_equal(d.cabundle_len, 2);
	struct attdoc_verify_opts o = test_root();
	o.at_document = false;
	o.at_ms = (int64_t)time(NULL) * 1000;
	assert_int_equal(attdoc_verify(&d, &o, NULL), ATTDOC_OK);
	assert_int_equal(attdoc_check_public_key(&d, (const uint8_t *)"pk", 2), ATTDOC_OK);
	assert_int_equal(attdoc_check_public_key(&d, (const uint8_t *)"pK", 2), ATTDOC_PUBLIC_KEY_MISMATCH);
}

int main(void)
{
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_documents),
		cmocka_unit_test(test_invalid_and_derived),
	};
	const struct CMUnitTest chain[] = {
		cmocka_unit_test(test_matrix_chain),
		cmocka_unit_test(test_matrix_bytes),
		cmocka_unit_test(test_x509_der_booleans),
		cmocka_unit_test(test_x509_dates),
		cmocka_unit_test(test_unsigned_and_cose),
		cmocka_unit_test(test_soft_nsm_signs),
	};
	const char *td = getenv("TESTDATA");
	struct stat st;
	int failed = 0;

	snprintf(testdata, sizeof(testdata), "%s/attestation", td && *td ? td : "../shared/testdata");
	bool have = stat(testdata, &st) == 0 && S_ISDIR(st.st_mode);
	failed += cmocka_run_group_tests_name("nsm attest (test chain)", chain, make_chain, NULL);
	if (have)
		failed += cmocka_run_group_tests_name("nsm attest (real documents)", real, NULL, NULL);
	else
		printf("# SKIP-NOTICE: real-document cases did not run: %s is absent (set TESTDATA)\n", testdata);
	remove_chain(NULL);
	return failed ? 1 : 0;
}
