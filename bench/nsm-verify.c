/*
 * bench/nsm-verify.c — attestation-document verification and NSM message
 * costs.  Rows: name<TAB>metric<TAB>value<TAB>unit<TAB>reference.
 *
 *   cold:   attdoc_parse + attdoc_verify of a real document (4 certificate
 *           signatures + the COSE signature: 5 ECDSA P-384 verifications)
 *   warm:   the same with a primed attdoc_cache (1 verification)
 *   openssl: the same checks with OpenSSL's libcrypto in-process on the same
 *           bytes (d2i_X509 of every certificate, X509_verify_cert at the
 *           document's time with cabundle[0] as the trusted root, ECDSA
 *           verification of the Sig_structure hash)
 *   p384:   one ECDSA P-384 verification in each library
 *   cbor:   libnsm's encode-request + decode-reply per request, and a full
 *           in-process round trip through the software NSM
 * Usage: nsm-verify [DOCUMENT]  (default $TESTDATA/attestation/real/attdoc_evervault_11.bin)
 */
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bearssl_ec.h>

#include "cose.h"
#include "nsm_attest.h"
#include "nsm_proto.h"
#include "nsm_soft.h"
#include "x509.h"

/* CPU time of this thread, not wall time: the build machine is shared, and
 * other work would otherwise inflate every row. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs fn for at least min_s seconds; returns seconds per call. */
#define TIME_IT(min_s, body)                                                   \
	({                                                                     \
		long iters_ = 0;                                               \
		double t0_ = now_s(), t_;                                      \
		do {                                                           \
			body;                                                  \
			iters_++;                                              \
		} while ((t_ = now_s() - t0_) < (min_s));                      \
		t_ / (double)iters_;                                           \
	})

static int openssl_verify(const struct attdoc *d)
{
	const unsigned char *p;
	X509 *certs[ATTDOC_MAX_CABUNDLE + 1];
	size_t n = d->cabundle_len;
	int ok = 0;

	for (size_t i = 0; i <= n; i++) {
		const struct attdoc_bytes *b = i < n ? &d->cabundle[i] : &d->certificate;
		p = b->ptr;
		certs[i] = d2i_X509(NULL, &p, (long)b->len);
		if (!certs[i])
			return 0;
	}
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_add_cert(store, certs[0]);
	for (size_t i = 1; i < n; i++)
		sk_X509_push(untrusted, certs[i]);
	X509_STORE_CTX_init(ctx, store, certs[n], untrusted);
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)(d->timestamp_ms / 1000));
	if (X509_verify_cert(ctx) == 1) {
		uint8_t hash[48], der[128];
		unsigned char *q = der;
		cose_sign1_tbs_hash(d->protected_hdr.ptr, d->protected_hdr.len, d->payload.ptr, d->payload.len, hash);
		ECDSA_SIG *sig = ECDSA_SIG_new();
		ECDSA_SIG_set0(sig, BN_bin2bn(d->signature.ptr, 48, NULL), BN_bin2bn(d->signature.ptr + 48, 48, NULL));
		int der_len = i2d_ECDSA_SIG(sig, &q);
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(X509_get0_pubkey(certs[n]), NULL);
		ok = EVP_PKEY_verify_init(pc) == 1 && EVP_PKEY_CTX_set_signature_md(pc, EVP_sha384()) == 1 &&
		     EVP_PKEY_verify(pc, der, (size_t)der_len, hash, sizeof(hash)) == 1;
		EVP_PKEY_CTX_free(pc);
		ECDSA_SIG_free(sig);
	}
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	for (size_t i = 0; i <= n; i++)
		X509_free(certs[i]);
	return ok;
}

static void row(const char *name, const char *metric, double value, const char *unit, const char *ref)
{
	printf("%s\t%s\t%.3f\t%s\t%s\n", name, metric, value, unit, ref);
}

static int bench_verify(const char *path)
{
	static uint8_t buf[16384];
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("nsm-verify\tskipped\t-\t-\tno document %s (set TESTDATA)\n", path);
		return 0;
	}
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct attdoc d;
	struct attdoc_verify_opts o = { .at_document = true };
	if (attdoc_parse(buf, len, &d) != ATTDOC_OK || attdoc_verify(&d, &o, NULL) != ATTDOC_OK ||
	    !openssl_verify(&d)) {
		fprintf(stderr, "nsm-verify: cannot verify %s\n", path);
		return 1;
	}
	int bad = 0;
	double cold = TIME_IT(2.0, {
		struct attdoc x;
		bad |= attdoc_parse(buf, len, &x) != ATTDOC_OK || attdoc_verify(&x, &o, NULL) != ATTDOC_OK;
	});
	struct attdoc_cache cache = { 0 };
	struct attdoc_verify_opts warm_o = o;
	warm_o.cache = &cache;
	attdoc_verify(&d, &warm_o, NULL);
	double warm = TIME_IT(2.0, {
		struct attdoc x;
		bad |= attdoc_parse(buf, len, &x) != ATTDOC_OK || attdoc_verify(&x, &warm_o, NULL) != ATTDOC_OK;
	});
	double ossl = TIME_IT(2.0, {
		struct attdoc x;
		bad |= attdoc_parse(buf, len, &x) != ATTDOC_OK || !openssl_verify(&x);
	});
	double parse = TIME_IT(0.5, {
		struct attdoc x;
		bad |= attdoc_parse(buf, len, &x) != ATTDOC_OK;
	});

	/* One P-384 verification each: the COSE signature. */
	uint8_t hash[48];
	struct x509_cert leaf;
	x509_parse(d.certificate.ptr, d.certificate.len, &leaf);
	cose_sign1_tbs_hash(d.protected_hdr.ptr, d.protected_hdr.len, d.payload.ptr, d.payload.len, hash);
	br_ec_public_key pk = { BR_EC_secp384r1, (unsigned char *)leaf.pubkey, leaf.pubkey_len };
	double br1 = TIME_IT(1.0, {
		bad |= !br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, hash, 48, &pk, d.signature.ptr, 96);
	});
	const unsigned char *p = d.certificate.ptr;
	X509 *x = d2i_X509(NULL, &p, (long)d.certificate.len);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	ECDSA_SIG_set0(sig, BN_bin2bn(d.signature.ptr, 48, NULL), BN_bin2bn(d.signature.ptr + 48, 48, NULL));
	uint8_t der[128];
	unsigned char *q = der;
	int der_len = i2d_ECDSA_SIG(sig, &q);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(X509_get0_pubkey(x), NULL);
	EVP_PKEY_verify_init(pc);
	EVP_PKEY_CTX_set_signature_md(pc, EVP_sha384());
	double os1 = TIME_IT(1.0, { bad |= EVP_PKEY_verify(pc, der, (size_t)der_len, hash, 48) != 1; });
	EVP_PKEY_CTX_free(pc);
	ECDSA_SIG_free(sig);
	X509_free(x);
	if (bad) {
		fprintf(stderr, "nsm-verify: a timed verification failed\n");
		return 1;
	}
	char ref[128];
	row("nsm-verify", "parse (CBOR + fields)", parse * 1e6, "us", "no signature checks");
	row("nsm-verify", "cold verify bearssl (5 ECDSA)", cold * 1e3, "ms", "parse + chain + COSE");
	snprintf(ref, sizeof(ref), "warm/openssl-cold = %.2fx (goal <= 1.5x)", warm / ossl);
	row("nsm-verify", "warm verify bearssl (cache, 1 ECDSA)", warm * 1e3, "ms", ref);
	snprintf(ref, sizeof(ref), "bearssl cold = %.2fx openssl", cold / ossl);
	row("nsm-verify", "cold verify openssl libcrypto", ossl * 1e3, "ms", ref);
	row("nsm-verify", "one P-384 verify bearssl i31", br1 * 1e3, "ms", "issue: ~4.7 ms");
	row("nsm-verify", "one P-384 verify openssl", os1 * 1e3, "ms", "issue: ~0.8 ms");
	return 0;
}

static int bench_cbor(void)
{
	static struct nsm_soft s;
	uint8_t req[64], reply[256], out[256];
	struct nsm_request q = { .op = NSM_OP_DESCRIBE_PCR, .index = 3 };
	struct nsm_response r;
	int bad = 0;

	nsm_soft_init(&s, "i-bench-enc", NULL);
	ssize_t qlen = nsm_request_encode(&q, req, sizeof(req));
	size_t rlen = nsm_soft_handle(&s, req, (size_t)qlen, reply, sizeof(reply));
	double client = TIME_IT(0.5, {
		ssize_t n = nsm_request_encode(&q, out, sizeof(out));
		bad |= n != qlen || nsm_response_decode(NSM_OP_DESCRIBE_PCR, reply, rlen, &r) != ERROR_CODE_SUCCESS;
	});
	double full = TIME_IT(0.5, {
		ssize_t n = nsm_request_encode(&q, req, sizeof(req));
		size_t m = nsm_soft_handle(&s, req, (size_t)n, out, sizeof(out));
		bad |= nsm_response_decode(NSM_OP_DESCRIBE_PCR, out, m, &r) != ERROR_CODE_SUCCESS;
	});
	struct nsm_request a = { .op = NSM_OP_ATTESTATION, .nonce = { (const uint8_t *)"nonce", 5 } };
	double att = TIME_IT(0.5, { bad |= nsm_request_encode(&a, out, sizeof(out)) <= 0; });
	if (bad) {
		fprintf(stderr, "nsm-verify: a CBOR round trip failed\n");
		return 1;
	}
	row("nsm-cbor", "DescribePCR encode+decode (libnsm side)", client * 1e6, "us", "goal < 2 us");
	row("nsm-cbor", "DescribePCR round trip via software NSM", full * 1e6, "us",
	    "both sides' CBOR, no transport");
	row("nsm-cbor", "Attestation request encode", att * 1e6, "us", "");
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	const char *td = getenv("TESTDATA");
	if (argc > 1)
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "%s/attestation/real/attdoc_evervault_11.bin",
			 td && *td ? td : "../shared/testdata");
	int rc = bench_cbor();
	return bench_verify(path) | rc;
}
