/*
 * CRC-32 by carry-less multiplication, after Intel's white paper "Fast CRC
 * Computation for Generic Polynomials Using PCLMULQDQ Instruction" (Gopal et
 * al., 2009): fold the message 512 bits at a time into four 128-bit
 * remainders, then those into one, then let zlib finish.
 *
 * Why folding works: the CRC is M(x)·x^32 mod P.  A 128-bit block X = H·x^64
 * + L that sits T bits before a later block contributes X·x^T, which is
 * congruent to H·(x^(T+64) mod P) + L·(x^T mod P): two 64x32-bit products
 * of at most 95 bits, XORed into the later block without changing the CRC.
 *
 * Bit order: the CRC is reflected, so in a little-endian 128-bit register
 * bit k is the coefficient of x^(127-k) and the low quadword holds H.
 * PCLMULQDQ of two such 64-bit halves puts the coefficient of x^(126-k) in
 * bit k, one place off.  A constant stored as reflect32(x^N mod P) << 1
 * makes the product read back, in the register's order, as H·x^(N+32): the
 * shift absorbs the offset and a 32-bit constant in a 64-bit lane adds x^32.
 * Folding by T bits thus takes N = T + 32 for H and N = T - 32 for L.
 * Generator (its output is below):
 *
 *	uint64_t k(unsigned n)	// reflect32(x^n mod P) << 1
 *	{
 *		uint32_t r = 0x80000000;	// x^0
 *		while (n--)			// times x, reduced by P
 *			r = r >> 1 ^ (r & 1 ? 0xedb88320 : 0);
 *		return (uint64_t)r << 1;
 *	}
 *
 * Last step: the one block X left after folding satisfies CRC(M) = X·x^32
 * mod P, the CRC of X's 16 bytes from a zero register.  zlib starts from
 * the inverse of the value it is given, so crc32_z(0xffffffff, X, 16) is
 * that CRC with zlib's final inversion: the caller's running value.  (The
 * caller's starting value was inverted into the first 32 message bits.)
 */
#include <zlib.h>

#include "crc32.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define CLMUL __attribute__((target("pclmul,sse4.1")))

/* k(T + 32) for H in the low quadword, k(T - 32) for L in the high one. */
#define FOLD512_H 0x154442bd4 /* k(544) */
#define FOLD512_L 0x1c6e41596 /* k(480) */
#define FOLD128_H 0x1751997d0 /* k(160) */
#define FOLD128_L 0x0ccaa009e /* k(96) */

/* x carried forward by the distance k encodes, added to the block next. */
CLMUL static inline __m128i fold(__m128i x, __m128i k, __m128i next)
{
	__m128i h = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i l = _mm_clmulepi64_si128(x, k, 0x11);
	return _mm_xor_si128(_mm_xor_si128(h, l), next);
}

/* len is a multiple of 16, at least 64. */
CLMUL static uint32_t crc32_clmul(uint32_t crc, const uint8_t *p, size_t len)
{
	const __m128i k512 = _mm_set_epi64x(FOLD512_L, FOLD512_H);
	const __m128i k128 = _mm_set_epi64x(FOLD128_L, FOLD128_H);
	const __m128i *q = (const __m128i *)p;
	/* zlib's pre-inversion goes into the message's first 32 bits. */
	__m128i x0 = _mm_xor_si128(_mm_loadu_si128(q), _mm_cvtsi32_si128((int)~crc));
	__m128i x1 = _mm_loadu_si128(q + 1);
	__m128i x2 = _mm_loadu_si128(q + 2);
	__m128i x3 = _mm_loadu_si128(q + 3);
	for (q += 4, len -= 64; len >= 64; q += 4, len -= 64) {
		x0 = fold(x0, k512, _mm_loadu_si128(q));
		x1 = fold(x1, k512, _mm_loadu_si128(q + 1));
		x2 = fold(x2, k512, _mm_loadu_si128(q + 2));
		x3 = fold(x3, k512, _mm_loadu_si128(q + 3));
	}
	x0 = fold(x0, k128, x1);
	x0 = fold(x0, k128, x2);
	x0 = fold(x0, k128, x3);
	for (; len >= 16; q++, len -= 16)
		x0 = fold(x0, k128, _mm_loadu_si128(q));
	uint8_t rest[16];
	_mm_storeu_si128((__m128i *)rest, x0);
	return (uint32_t)crc32_z(0xffffffff, rest, sizeof(rest));
}

static int have_clmul(void)
{
	return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
#endif

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
#if defined(__x86_64__) || defined(__i386__)
	if (len >= 64 && have_clmul()) {
		size_t n = len & ~(size_t)15;
		crc = crc32_clmul(crc, p, n);
		p += n;
		len -= n;
	}
#endif
	/* zlib answers 0, not crc, for a NULL buffer. */
	return len ? (uint32_t)crc32_z(crc, p, len) : crc;
}
