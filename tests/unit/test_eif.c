/* Unit tests for eif/: header codec and checks, CBOR/COSE encodings against
 * the published vectors, the PCR formula, the JSON reader, the stream. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "eif.h"
#include "eifsign.h"
#include "hex.h"
#include "jsonr.h"

static void hex_of(char *out, const uint8_t *b, size_t n)
{
	hex_encode(out, b, n);
}

/* IF src/utils/cbor.rs: PcrInfo { 0, 0x00..=0x2f } as serde_cbor 0.11 writes it. */
static const char pcr_info_vector[] =
	"a26e72656769737465725f696e646578006e72656769737465725f76616c75659830000102030405"
	"060708090a0b0c0d0e0f101112131415161718181819181a181b181c181d181e181f182018211822"
	"1823182418251826182718281829182a182b182c182d182e182f";
/* ... and the toy signature section next to it. */
static const char section_vector[] =
	"81a2737369676e696e675f6365727469666963617465983b182d182d182d182d182d184218451847"
	"1849184e182018431845185218541849184618491843184118541845182d182d182d182d182d0a18"
	"4d1849184918420a182d182d182d182d182d1845184e1844182018431845185218541849184618491"
	"843184118541845182d182d182d182d182d0a697369676e61747572658a18d218841844"
	"18a1011838182218a018401840";

static void test_pcr_info_vector(void **state)
{
	(void)state;
	uint8_t v[48], out[256];
	char hex[513];
	for (int i = 0; i < 48; i++)
		v[i] = (uint8_t)i;
	size_t n = eif_pcr_info_encode(out, sizeof(out), 0, v, sizeof(v));
	hex_of(hex, out, n);
	assert_string_equal(hex, pcr_info_vector);
	/* Too small a buffer: 0, never a partial encoding reported as success. */
	assert_int_equal(eif_pcr_info_encode(out, n - 1, 0, v, sizeof(v)), 0);
}

/* Every byte of the value >= 24 takes the longest encoding. */
static void test_pcr_info_longest(void **state)
{
	(void)state;
	uint8_t v[48], out[EIF_PCR_INFO_MAX];
	memset(v, 0xff, sizeof(v));
	assert_int_equal(eif_pcr_info_encode(out, sizeof(out), 0, v, sizeof(v)), EIF_PCR_INFO_MAX);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[2][8192];
	static int which;
	uint8_t *b = buf[which++ & 1];
	*len = fread(b, 1, sizeof(buf[0]), f);
	fclose(f);
	return b;
}

/* sign then check, for PCR0 values with the shortest and the longest
 * payload (a 128-byte buffer once made 1 in 19 signatures empty). */
static void test_sign_roundtrip(void **state)
{
	(void)state;
	char dir[] = "/tmp/eif-sign-XXXXXX", cmd[512], cert_path[64], key_path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(cert_path, sizeof(cert_path), "%s/c.pem", dir);
	snprintf(key_path, sizeof(key_path), "%s/k.pem", dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout %s "
		 "-out %s -subj /CN=carve-test -days 2 -sha384 2>/dev/null",
		 key_path, cert_path);
	assert_int_equal(system(cmd), 0);
	size_t cert_len, key_len;
	const uint8_t *cert = slurp(cert_path, &cert_len);
	const uint8_t *key = slurp(key_path, &key_len);
	for (int fill = 0; fill < 2; fill++) {
		uint8_t pcr0[SHA384_LEN], *section = NULL;
		size_t section_len = 0;
		const char *why = NULL;
		memset(pcr0, fill ? 0xff : 0x00, sizeof(pcr0));
		assert_int_equal(eif_signature_make(cert, cert_len, (const char *)key, key_len, pcr0, &section,
						    &section_len, &why),
				 0);
		struct eif_signature sig;
		struct eif_diag d;
		assert_int_equal(eif_signature_check(section, section_len, pcr0, &sig, &d), 0);
		assert_true(sig.valid);
		eif_signature_free(&sig);
		pcr0[0] ^= 1; /* and a signature over another PCR0 does not verify */
		assert_int_equal(eif_signature_check(section, section_len, pcr0, &sig, &d), 0);
		assert_false(sig.valid);
		eif_signature_free(&sig);
		free(section);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_signature_section_vector(void **state)
{
	(void)state;
	static const char cert[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
	static const uint8_t cose[] = {0xd2, 0x84, 0x44, 0xa1, 0x01, 0x38, 0x22, 0xa0, 0x40, 0x40};
	uint8_t out[512];
	char hex[1025];
	size_t n = eif_signature_section_encode(out, sizeof(out), (const uint8_t *)cert,
						strlen(cert), cose, sizeof(cose));
	assert_true(n > 0);
	hex_of(hex, out, n);
	assert_string_equal(hex, section_vector);
}

static void test_signature_check_rejects_toy_cert(void **state)
{
	(void)state;
	uint8_t raw[512], pcr0[48] = {0};
	ssize_t n = hex_decode(raw, sizeof(raw), section_vector);
	struct eif_signature sig;
	struct eif_diag d;
	assert_true(n > 0);
	/* Decodes as CBOR, but "MIIB" is no certificate. */
	assert_int_equal(eif_signature_check(raw, (size_t)n, pcr0, &sig, &d), -EBADMSG);
	assert_int_equal(d.problem, EIF_E_SIGNATURE);
	/* Every truncation is rejected without reading past the end. */
	for (ssize_t k = 0; k < n; k++)
		assert_int_equal(eif_signature_check(raw, (size_t)k, pcr0, &sig, &d), -EBADMSG);
}

static void test_pcr_extend(void **state)
{
	(void)state;
	uint8_t pcr[48];
	char hex[97];
	eif_pcr_of("", 0, pcr);
	hex_of(hex, pcr, 48);
	assert_string_equal(hex, "21b9efbc184807662e966d34f390821309eeac6802309798826296bf3e8bec7c"
				 "10edb30948c90ba67310f7b964fc500a");
}

static void canonical(uint8_t raw[EIF_HEADER_SIZE], uint64_t *file_size)
{
	struct eif_header h = {.version = 4, .default_mem = EIF_DEFAULT_MEM, .default_cpus = 2,
			       .num_sections = 3};
	uint64_t sizes[3] = {6, 13, 8}, off = EIF_HEADER_SIZE;
	for (int i = 0; i < 3; i++) {
		h.offsets[i] = off;
		h.sizes[i] = sizes[i];
		off += EIF_SECTION_HEADER_SIZE + sizes[i];
	}
	eif_header_encode(&h, raw);
	*file_size = off;
}

static void test_header_roundtrip_and_rules(void **state)
{
	(void)state;
	uint8_t raw[EIF_HEADER_SIZE];
	uint64_t size;
	struct eif_header h;
	struct eif_diag d;
	canonical(raw, &size);
	assert_int_equal(eif_check_header(raw, size, &h, &d), 0);
	assert_int_equal(h.num_sections, 3);
	assert_int_equal(h.offsets[1], 548 + 12 + 6);

	struct {
		unsigned off;
		uint8_t val;
		int64_t size_delta;
		enum eif_problem want;
	} cases[] = {
		{0, 'E', 0, EIF_E_MAGIC},
		{5, 5, 0, EIF_E_VERSION},         /* version 5 */
		{5, 1, 0, EIF_E_VERSION},         /* version 1 */
		{7, 2, 0, EIF_E_HEADER_FLAGS},    /* reserved flag bit */
		{27, 33, 0, EIF_E_SECTION_COUNT}, /* 33 sections */
		{27, 0, 0, EIF_E_SECTION_COUNT},  /* none */
		{27, 2, 0, EIF_E_SECTION_COUNT},  /* entry 2 set beyond the count */
		{0, '.', -1, EIF_E_BOUNDS},       /* last section runs past EOF */
		{0, '.', 5, EIF_E_LAYOUT},        /* trailing bytes */
		{28 + 8 + 7, 0x40, 0, EIF_E_LAYOUT}, /* offsets[1] moved: gap */
		{28 + 8 + 7, 0x30, 0, EIF_E_LAYOUT}, /* offsets[1] moved back: overlap */
		{284 + 7, 0xff, 0, EIF_E_BOUNDS},    /* sizes[0] huge */
		{28 + 1, 0xff, 0, EIF_E_BOUNDS},     /* offsets[0] near 2^64 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t bad[EIF_HEADER_SIZE];
		memcpy(bad, raw, sizeof(bad));
		bad[cases[i].off] = cases[i].val;
		int r = eif_check_header(bad, size + (uint64_t)cases[i].size_delta, &h, &d);
		if (r != -EBADMSG || d.problem != cases[i].want)
			fail_msg("case %zu: r=%d problem=%d (want %d): %s", i, r, d.problem,
				 cases[i].want, d.msg);
		assert_true(d.msg[0] != '\0');
	}
}

static void test_jsonr(void **state)
{
	(void)state;
	static const char *good[] = {"{}", "[]", "0", "-1.5e3", "\"a\\u00e9\\ud83d\\ude00\"",
				     "{\"a\": [true, false, null, {\"b\": 1}]}", " 7 "};
	static const char *bad[] = {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"",
				    "\"\\ud800\"", "tru", "{} x", "\"\x01\"",
				    "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (jsonr_check(good[i], strlen(good[i])) != 0)
			fail_msg("rejected %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (jsonr_check(bad[i], strlen(bad[i])) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
	char out[32];
	assert_int_equal(jsonr_string("\"a\\nb\"", 6, out, sizeof(out)), 0);
	assert_string_equal(out, "a\nb");

	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct jsonw w;
	jsonw_init(&w, f, false);
	const char *in = "{\"n\": 18446744073709551615, \"f\": 1.5, \"s\": \"x\\\"y\"}";
	assert_int_equal(jsonr_emit(&w, NULL, in, strlen(in)), 0);
	jsonw_finish(&w);
	fclose(f);
	assert_string_equal(buf, "{\"n\":18446744073709551615,\"f\":\"1.5\",\"s\":\"x\\\"y\"}\n");
	free(buf);
}

/* The stream over memory pieces equals hashing by hand, across chunk sizes. */
static void test_stream_matches_direct(void **state)
{
	(void)state;
	size_t n = (3u << 20) + 12345;
	uint8_t *a = malloc(n), *b = malloc(n);
	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		a[i] = (uint8_t)(i * 7);
		b[i] = (uint8_t)(i * 13 + 1);
	}
	struct eif_piece pc[2] = {
		{a, -1, 0, n, EIF_FEED_PCR0 | EIF_CUT_PCR1 | EIF_FEED_CRC},
		{b, -1, 0, n, EIF_FEED_PCR0 | EIF_FEED_PCR2 | EIF_FEED_CRC},
	};
	struct eif_digests dg;
	assert_int_equal(eif_stream(pc, 2, -1, &dg, NULL, NULL), 0);
	uint8_t want[48];
	eif_pcr_of(a, n, want);
	assert_memory_equal(dg.pcr1, want, 48);
	eif_pcr_of(b, n, want);
	assert_memory_equal(dg.pcr2, want, 48);
	sha384_context c;
	uint8_t d[48];
	sha384_init(&c);
	sha384_update(&c, a, n);
	sha384_update(&c, b, n);
	sha384_out(&c, d);
	eif_pcr_extend(d, want);
	assert_memory_equal(dg.pcr0, want, 48);
	free(a);
	free(b);
}

/* A file piece that is shorter than announced is -EIO, not garbage. */
static void test_stream_short_file(void **state)
{
	(void)state;
	char path[] = "/tmp/carve-test-eif-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "abc", 3), 3);
	struct eif_piece pc = {NULL, fd, 0, 10, EIF_FEED_PCR0};
	struct eif_digests dg;
	assert_int_equal(eif_stream(&pc, 1, -1, &dg, NULL, NULL), -EIO);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcr_info_vector),
		cmocka_unit_test(test_pcr_info_longest),
		cmocka_unit_test(test_sign_roundtrip),
		cmocka_unit_test(test_signature_section_vector),
		cmocka_unit_test(test_signature_check_rejects_toy_cert),
		cmocka_unit_test(test_pcr_extend),
		cmocka_unit_test(test_header_roundtrip_and_rules),
		cmocka_unit_test(test_jsonr),
		cmocka_unit_test(test_stream_matches_direct),
		cmocka_unit_test(test_stream_short_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
