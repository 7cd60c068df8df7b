/* libFuzzer: attestation-document parsing and verification (with and
 * without the certificate cache) and X.509 parsing, on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "nsm_attest.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct attdoc_cache cache;
	struct attdoc doc;
	struct x509_cert cert;

	enum attdoc_status st = attdoc_parse(data, size, &doc);
	/* A rejected payload field is named, and only then. */
	if ((st == ATTDOC_BAD_FIELD) != (doc.bad_field != NULL))
		__builtin_trap();
	if (st == ATTDOC_OK) {
		struct attdoc_verify_opts at_doc = { .at_document = true };
		struct attdoc_verify_opts cached = { .at_document = true, .cache = &cache };
		enum attdoc_status a = attdoc_verify(&doc, &at_doc, NULL);
		enum attdoc_status b = attdoc_verify(&doc, &cached, NULL);
		/* The cache never changes a verdict. */
		if (a != b)
			__builtin_trap();
		/* Caller root = cabundle[0] must behave like a trusted anchor. */
		struct attdoc_verify_opts own = { .at_ms = 1, .root_der = doc.cabundle[0].ptr,
						  .root_der_len = doc.cabundle[0].len };
		(void)attdoc_verify(&doc, &own, NULL);
	}
	(void)x509_parse(data, size, &cert);
	return 0;
}
