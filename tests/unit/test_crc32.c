/* Unit tests for common/crc32: every answer must equal zlib's crc32_z. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <zlib.h>

#include "crc32.h"

#define MAXLEN 70000

/* Fixed-seed xorshift: a failure reproduces on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint8_t *random_bytes(size_t n)
{
	uint8_t *b = malloc(n);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
	return b;
}

static uint32_t zlib_crc(uint32_t crc, const uint8_t *p, size_t len)
{
	return (uint32_t)crc32_z(crc, p, len);
}

static void test_vectors(void **state)
{
	(void)state;
	assert_int_equal(crc32_update(0, "123456789", 9), 0xcbf43926);
	assert_int_equal(crc32_update(0, NULL, 0), 0);
	assert_int_equal(crc32_update(0x12345678, NULL, 0), 0x12345678);
	/* 64 zero bytes: the shortest input that takes the folding path. */
	static const uint8_t zero[64];
	assert_int_equal(crc32_update(0, zero, 64), zlib_crc(0, zero, 64));
}

/* Every start alignment, short lengths exhaustively, then random ones. */
static void test_lengths_alignments(void **state)
{
	(void)state;
	uint8_t *b = random_bytes(MAXLEN + 16);
	for (size_t a = 0; a < 16; a++) {
		for (size_t len = 0; len <= 300; len++)
			assert_int_equal(crc32_update(0, b + a, len), zlib_crc(0, b + a, len));
		for (int i = 0; i < 200; i++) {
			size_t len = rnd() % (MAXLEN + 1);
			uint32_t seed = (uint32_t)rnd();
			assert_int_equal(crc32_update(seed, b + a, len), zlib_crc(seed, b + a, len));
		}
	}
	free(b);
}

/* Pieces split at random points chain to the one-shot value. */
static void test_incremental(void **state)
{
	(void)state;
	uint8_t *b = random_bytes(MAXLEN);
	for (int i = 0; i < 500; i++) {
		size_t len = rnd() % (MAXLEN + 1), pos = 0;
		uint32_t crc = 0;
		while (pos < len) {
			size_t n = rnd() % (len - pos + 1);
			crc = crc32_update(crc, b + pos, n);
			pos += n;
		}
		assert_int_equal(crc, zlib_crc(0, b, len));
	}
	free(b);
}

static void test_one_mib(void **state)
{
	(void)state;
	size_t n = 1u << 20;
	uint8_t *b = random_bytes(n);
	assert_int_equal(crc32_update(0, b, n), zlib_crc(0, b, n));
	assert_int_equal(crc32_update(0xffffffff, b + 1, n - 1), zlib_crc(0xffffffff, b + 1, n - 1));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_lengths_alignments),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_one_mib),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
