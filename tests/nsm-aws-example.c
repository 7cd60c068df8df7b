/*
 * A program written against AWS's nsm-lib header (aws-nitro-enclaves-nsm-api
 * nsm-lib, nsm-test/src/main.cc style): only AWS's names and types.  The
 * install test compiles and links it unchanged against carve's installed
 * libnsm (shared and static) and runs it against the software NSM.
 */
#include <nsm.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	int32_t fd = nsm_lib_init();
	if (fd < 0) {
		puts("init failed");
		return 1;
	}
	uint8_t rnd[256];
	uintptr_t rnd_len = sizeof(rnd);
	ErrorCode rc = nsm_get_random(fd, rnd, &rnd_len);
	printf("random %d %lu\n", rc, (unsigned long)rnd_len);

	NsmDescription desc;
	rc = nsm_get_description(fd, &desc);
	printf("describe %d %u.%u.%u pcrs=%u locked=%u digest=%d id=%s\n", rc, desc.version_major,
	       desc.version_minor, desc.version_patch, desc.max_pcrs, desc.locked_pcrs_len, desc.digest,
	       (const char *)desc.module_id);

	uint8_t pcr[64];
	uint32_t pcr_len = sizeof(pcr);
	bool lock = false;
	rc = nsm_describe_pcr(fd, 0, &lock, pcr, &pcr_len);
	printf("describe_pcr %d lock=%d len=%u\n", rc, lock, pcr_len);

	const uint8_t data[] = { 1, 2, 3 };
	pcr_len = sizeof(pcr);
	rc = nsm_extend_pcr(fd, 16, data, sizeof(data), pcr, &pcr_len);
	printf("extend_pcr %d len=%u\n", rc, pcr_len);
	rc = nsm_extend_pcr(fd, 0, data, sizeof(data), pcr, &pcr_len);
	printf("extend_locked %d %s\n", rc, rc == ERROR_CODE_READ_ONLY_INDEX ? "READ_ONLY_INDEX" : "?");
	rc = nsm_lock_pcr(fd, 16);
	printf("lock_pcr %d\n", rc);
	rc = nsm_lock_pcrs(fd, 20);
	printf("lock_pcrs %d\n", rc);

	static uint8_t doc[16384];
	uint32_t doc_len = sizeof(doc);
	const uint8_t nonce[] = { 0xde, 0xad };
	rc = nsm_get_attestation_doc(fd, NULL, 0, nonce, sizeof(nonce), NULL, 0, doc, &doc_len);
	printf("attestation %d cose=%s\n", rc, doc_len > 8 && doc[0] == 0x84 ? "yes" : "no");
	nsm_lib_exit(fd);
	return 0;
}
