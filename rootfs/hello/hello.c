/*
 * hello — carve's bundled demo app (`make eif` without APP=): greets, prints
 * the boot measurements PCR0-2 and PCR8 (the signing certificate; zeros
 * when the EIF is unsigned) as the NSM reports them and a fresh random
 * number from the NSM, then exits 0 (1 if the NSM cannot be reached).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"
#include "nsm.h"

int main(void)
{
	printf("Hello from a carve enclave!\n");
	int32_t fd = nsm_lib_init();
	if (fd < 0) {
		fprintf(stderr, "hello: cannot open the NSM: error %d\n", fd);
		return 1;
	}
	int status = 0;
	static const uint16_t shown[] = {0, 1, 2, 8};
	for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]) && status == 0; k++) {
		uint16_t i = shown[k];
		uint8_t pcr[64];
		uint32_t len = sizeof(pcr);
		bool locked;
		char hex[2 * sizeof(pcr) + 1];
		ErrorCode e = nsm_describe_pcr(fd, i, &locked, pcr, &len);
		if (e != ERROR_CODE_SUCCESS || len > sizeof(pcr)) {
			fprintf(stderr, "hello: cannot read PCR%u: NSM error %d\n", i, (int)e);
			status = 1;
			break;
		}
		printf("PCR%u %s%s\n", i, hex_encode(hex, pcr, len), locked ? "" : " (unlocked)");
	}
	uint64_t random = 0;
	uintptr_t rlen = sizeof(random);
	if (status == 0) {
		ErrorCode e = nsm_get_random(fd, (uint8_t *)&random, &rlen);
		if (e != ERROR_CODE_SUCCESS || rlen == 0) {
			fprintf(stderr, "hello: cannot get random bytes: NSM error %d\n", (int)e);
			status = 1;
		} else {
			printf("random %016" PRIx64 "\n", random);
		}
	}
	nsm_lib_exit(fd);
	return status;
}
