/* Unit tests for common/: byte order, hex, SHA-384, atomic files, JSON. */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "atomicfile.h"
#include "byteorder.h"
#include "hex.h"
#include "jsonw.h"
#include "sha384.h"

static void test_byteorder_roundtrip(void **state)
{
	(void)state;
	uint8_t b[8];
	store_be64(b, 0x0102030405060708ULL);
	const uint8_t be[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	assert_memory_equal(b, be, 8);
	assert_int_equal(load_be64(b), 0x0102030405060708ULL);
	assert_int_equal(load_be32(b), 0x01020304);
	assert_int_equal(load_be16(b), 0x0102);
	store_le64(b, 0x0102030405060708ULL);
	assert_int_equal(b[0], 8);
	assert_int_equal(load_le64(b), 0x0102030405060708ULL);
	assert_int_equal(load_le32(b), 0x05060708);
	assert_int_equal(load_le16(b), 0x0708);
	store_be16(b, 0xfffe);
	assert_int_equal(load_be16(b), 0xfffe);
	store_le32(b, 0xdeadbeef);
	assert_int_equal(load_le32(b), 0xdeadbeef);
}

static void test_hex(void **state)
{
	(void)state;
	const uint8_t in[] = {0x00, 0x7f, 0x80, 0xff, 0xab};
	char s[11];
	assert_string_equal(hex_encode(s, in, sizeof(in)), "007f80ffab");
	uint8_t out[5];
	assert_int_equal(hex_decode(out, sizeof(out), "007F80ffAB"), 5);
	assert_memory_equal(out, in, 5);
	assert_int_equal(hex_decode(out, sizeof(out), "abc"), -EINVAL);
	assert_int_equal(hex_decode(out, sizeof(out), "zz"), -EINVAL);
	assert_int_equal(hex_decode(out, sizeof(out), "0x00"), -EINVAL);
	assert_int_equal(hex_decode(out, 2, "010203"), -ENOSPC);
	assert_int_equal(hex_decode(out, 0, ""), 0);
}

/* FIPS 180-2 known answers, fed whole, byte by byte and split everywhere,
 * plus a mid-stream copy of the context (no interior pointers). */
static void test_sha384_vectors(void **state)
{
	(void)state;
	static const char abc_hex[] =
		"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
		"8086072ba1e7cc2358baeca134c825a7";
	static const char empty_hex[] =
		"38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
		"274edebfe76f65fbd51ad2f14898b95b";
	static const char two_block[] =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	static const char two_block_hex[] =
		"09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
		"fcc7c71a557e2db966c3e9fa91746039";
	uint8_t d[SHA384_LEN];
	char h[2 * SHA384_LEN + 1];

	sha384("abc", 3, d);
	assert_string_equal(hex_encode(h, d, sizeof(d)), abc_hex);
	sha384(NULL, 0, d);
	assert_string_equal(hex_encode(h, d, sizeof(d)), empty_hex);

	size_t n = strlen(two_block);
	for (size_t cut = 0; cut <= n; cut++) {
		sha384_context a, b;
		sha384_init(&a);
		sha384_update(&a, two_block, cut);
		b = a;
		sha384_out(&a, d); /* out must not disturb the stream */
		sha384_update(&b, two_block + cut, n - cut);
		sha384_update(&a, two_block + cut, n - cut);
		sha384_out(&a, d);
		assert_string_equal(hex_encode(h, d, sizeof(d)), two_block_hex);
		sha384_out(&b, d);
		assert_string_equal(hex_encode(h, d, sizeof(d)), two_block_hex);
	}
	sha384_context c;
	sha384_init(&c);
	for (size_t i = 0; i < n; i++)
		sha384_update(&c, two_block + i, 1);
	sha384_out(&c, d);
	assert_string_equal(hex_encode(h, d, sizeof(d)), two_block_hex);
}

static void test_sha384_million_a(void **state)
{
	(void)state;
	static char buf[1000];
	memset(buf, 'a', sizeof(buf));
	sha384_context c;
	sha384_init(&c);
	for (int i = 0; i < 1000; i++)
		sha384_update(&c, buf, sizeof(buf));
	uint8_t d[SHA384_LEN];
	char h[2 * SHA384_LEN + 1];
	sha384_out(&c, d);
	assert_string_equal(hex_encode(h, d, sizeof(d)),
		"9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b"
		"07b8b3dc38ecc4ebae97ddd87f3d8985");
}

static char tmpdir[] = "/tmp/carve-test-common.XXXXXX";

static int make_tmpdir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static void test_atomic_file(void **state)
{
	(void)state;
	char path[256], buf[16] = {0};
	snprintf(path, sizeof(path), "%s/out", tmpdir);

	assert_int_equal(atomic_write_file(path, "first", 5, 0644), 0);
	struct atomic_file af, other;
	assert_int_equal(atomic_file_open(&af, path, 0644), 0);
	assert_int_equal(write_all(af.fd, "second", 6), 0);
	/* A second writer of the same path gets its own temp file. */
	assert_int_equal(atomic_file_open(&other, path, 0644), 0);
	assert_string_not_equal(af.tmp, other.tmp);
	atomic_file_abort(&other);
	/* Until commit, readers still see the old content. */
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf), f), 5);
	fclose(f);
	assert_memory_equal(buf, "first", 5);
	atomic_file_abort(&af);
	assert_int_equal(access(af.tmp, F_OK), -1);
	assert_int_equal(access(other.tmp, F_OK), -1);

	assert_int_equal(atomic_file_open(&af, path, 0600), 0);
	assert_int_equal(write_all(af.fd, "second", 6), 0);
	assert_int_equal(atomic_file_commit(&af), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 6);
	assert_int_equal(access(af.tmp, F_OK), -1);

	char missing[300];
	snprintf(missing, sizeof(missing), "%s/no/such/dir/file", tmpdir);
	assert_int_equal(atomic_write_file(missing, "x", 1, 0644), -ENOENT);
}

/* Output through a symlink lands in its target; the link stays a link. */
static void test_atomic_file_symlink(void **state)
{
	(void)state;
	char target[256], link[256], dangling[256], buf[16] = {0};
	snprintf(target, sizeof(target), "%s/target", tmpdir);
	snprintf(link, sizeof(link), "%s/link", tmpdir);
	snprintf(dangling, sizeof(dangling), "%s/dangling", tmpdir);
	assert_int_equal(atomic_write_file(target, "old", 3, 0644), 0);
	assert_int_equal(symlink("target", link), 0);

	assert_int_equal(atomic_write_file(link, "new!", 4, 0644), 0);
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	FILE *f = fopen(target, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf), f), 4);
	fclose(f);
	assert_memory_equal(buf, "new!", 4);

	assert_int_equal(symlink("nowhere", dangling), 0);
	assert_int_equal(atomic_write_file(dangling, "x", 1, 0644), -ENOENT);
	assert_int_equal(atomic_write_file(tmpdir, "x", 1, 0644), -EISDIR);
}

/* A FIFO (like /dev/stdout on a pipe, or a device) is written in place:
 * renaming over it would replace the node. */
static void test_atomic_file_fifo(void **state)
{
	(void)state;
	char fifo[256], buf[16] = {0};
	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	int rd = open(fifo, O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);

	assert_int_equal(atomic_write_file(fifo, "piped", 5, 0644), 0);
	assert_int_equal(read(rd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "piped", 5);
	close(rd);
	struct stat st;
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
}

static void test_jsonw_pretty(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jsonw w;
	jsonw_init(&w, f, true);
	jsonw_object_open(&w, NULL);
	jsonw_object_open(&w, "Measurements");
	jsonw_string(&w, "HashAlgorithm", "Sha384 { ... }");
	jsonw_hex(&w, "PCR0", (const uint8_t *)"\x01\xab", 2);
	jsonw_object_close(&w);
	jsonw_array_open(&w, "list");
	jsonw_uint(&w, NULL, 18446744073709551615ULL);
	jsonw_int(&w, NULL, -5);
	jsonw_bool(&w, NULL, true);
	jsonw_null(&w, NULL);
	jsonw_string(&w, NULL, "q\"\\\n\x01");
	jsonw_array_close(&w);
	jsonw_object_open(&w, "empty");
	jsonw_object_close(&w);
	jsonw_object_close(&w);
	assert_int_equal(jsonw_finish(&w), 0);
	fclose(f);
	assert_string_equal(text,
		"{\n"
		"  \"Measurements\": {\n"
		"    \"HashAlgorithm\": \"Sha384 { ... }\",\n"
		"    \"PCR0\": \"01ab\"\n"
		"  },\n"
		"  \"list\": [\n"
		"    18446744073709551615,\n"
		"    -5,\n"
		"    true,\n"
		"    null,\n"
		"    \"q\\\"\\\\\\n\\u0001\"\n"
		"  ],\n"
		"  \"empty\": {}\n"
		"}\n");
	free(text);
}

/* Well-formed UTF-8 passes through; every byte that does not start a
 * well-formed sequence (stray continuation, overlong, surrogate, above
 * U+10FFFF, cut short) becomes one U+FFFD. */
static void test_jsonw_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\n"},
		{"a\x80" "b", "\"a\\ufffdb\"\n"},
		{"\xc0\x80", "\"\\ufffd\\ufffd\"\n"},
		{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"\n"},
		{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n"},
		{"x\xe2\x82", "\"x\\ufffd\\ufffd\"\n"},
		{"\xff", "\"\\ufffd\"\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		struct jsonw w;
		jsonw_init(&w, f, false);
		jsonw_string(&w, NULL, cases[i].in);
		jsonw_finish(&w);
		fclose(f);
		assert_string_equal(text, cases[i].out);
		free(text);
	}
}

static ssize_t write_enospc(void *cookie, const char *buf, size_t len)
{
	(void)cookie, (void)buf, (void)len;
	errno = ENOSPC;
	return -1;
}

/* A document that did not reach its stream is reported, with the reason:
 * once when only the final flush fails, and when an earlier write failed
 * while the buffer was being emptied (the reason is then lost: -EIO). */
static void test_jsonw_finish_error(void **state)
{
	(void)state;
	static const size_t sizes[] = {10, 100000};
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){.write = write_enospc});
		assert_non_null(f);
		setvbuf(f, NULL, _IOFBF, 4096);
		struct jsonw w;
		jsonw_init(&w, f, false);
		char *big = malloc(sizes[i] + 1);
		memset(big, 'x', sizes[i]);
		big[sizes[i]] = '\0';
		jsonw_string(&w, NULL, big);
		int r = jsonw_finish(&w);
		if (i == 0)
			assert_int_equal(r, -ENOSPC);
		else
			assert_true(r == -ENOSPC || r == -EIO);
		free(big);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_byteorder_roundtrip),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_sha384_vectors),
		cmocka_unit_test(test_sha384_million_a),
		cmocka_unit_test(test_atomic_file),
		cmocka_unit_test(test_atomic_file_symlink),
		cmocka_unit_test(test_atomic_file_fifo),
		cmocka_unit_test(test_jsonw_pretty),
		cmocka_unit_test(test_jsonw_utf8),
		cmocka_unit_test(test_jsonw_finish_error),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
