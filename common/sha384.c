#include "sha384.h"

#ifdef CARVE_SHA384_OPENSSL
/* SHA384_* are deprecated in OpenSSL 3 in favour of EVP, but EVP contexts are
 * heap objects that cannot be copied by assignment; the low-level API runs
 * the same assembly. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

void sha384_init(sha384_context *ctx)
{
	SHA384_Init(&ctx->impl);
}

void sha384_update(sha384_context *ctx, const void *data, size_t len)
{
	if (len)
		SHA384_Update(&ctx->impl, data, len);
}

void sha384_out(const sha384_context *ctx, uint8_t out[SHA384_LEN])
{
	SHA512_CTX copy = ctx->impl;
	SHA384_Final(out, &copy);
}

const char *sha384_backend(void)
{
	return "openssl";
}
#else
void sha384_init(sha384_context *ctx)
{
	br_sha384_init(&ctx->impl);
}

void sha384_update(sha384_context *ctx, const void *data, size_t len)
{
	if (len)
		br_sha384_update(&ctx->impl, data, len);
}

void sha384_out(const sha384_context *ctx, uint8_t out[SHA384_LEN])
{
	br_sha384_out(&ctx->impl, out);
}

const char *sha384_backend(void)
{
	return "bearssl";
}
#endif

void sha384(const void *data, size_t len, uint8_t out[SHA384_LEN])
{
	sha384_context ctx;
	sha384_init(&ctx);
	sha384_update(&ctx, data, len);
	sha384_out(&ctx, out);
}
