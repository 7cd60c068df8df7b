/*
 * cose.c — see cose.h.
 */
#include "cose.h"

#include "cborio.h"

void cose_sign1_tbs_hash(const uint8_t *protected_hdr, size_t protected_len, const uint8_t *payload,
			 size_t payload_len, uint8_t out[COSE_SHA384_LEN])
{
	uint8_t head[32];
	struct cborw w;
	br_sha384_context ctx;

	br_sha384_init(&ctx);
	cborw_init(&w, head, sizeof(head));
	cborw_array(&w, 4);
	cborw_text(&w, "Signature1");
	cborw_bytes_head(&w, protected_len);
	br_sha384_update(&ctx, head, w.len);
	br_sha384_update(&ctx, protected_hdr, protected_len);
	cborw_init(&w, head, sizeof(head));
	cborw_bytes(&w, NULL, 0); /* external_aad */
	cborw_bytes_head(&w, payload_len);
	br_sha384_update(&ctx, head, w.len);
	br_sha384_update(&ctx, payload, payload_len);
	br_sha384_out(&ctx, out);
}
