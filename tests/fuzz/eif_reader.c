/*
 * libFuzzer target for the EIF reader: header and table checks, the section
 * walk, the measuring stream (CRC and PCRs), the signature decoder and the
 * metadata JSON reader — everything `eiftool describe` runs on a file.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "atomicfile.h"
#include "eif.h"
#include "eifsign.h"
#include "jsonr.h"
#include "preadfull.h"

static int member(void *arg, const char *key, const char *v, size_t vlen)
{
	(void)arg;
	(void)key;
	return jsonr_check(v, vlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("eif", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, data, size) < 0)
		abort();
	struct eif_info info;
	struct eif_diag d;
	struct eif_digests dg;
	if (eif_read_info(fd, &info, &d) == 0) {
		/* Go on past a CRC mismatch so the decoders below get exercised. */
		(void)eif_measure(fd, &info, &dg, &d, NULL, NULL);
		int idx[2] = {info.signature, info.metadata};
		for (int k = 0; k < 2; k++) {
			if (idx[k] < 0)
				continue;
			const struct eif_section *s = &info.s[idx[k]];
			uint8_t *buf = malloc(s->size + 1);
			if (!buf || pread_full(fd, buf, s->size, s->offset + EIF_SECTION_HEADER_SIZE) < 0)
				abort();
			if (k == 0) {
				struct eif_signature sig;
				if (eif_signature_check(buf, s->size, dg.pcr0, &sig, &d) == 0)
					eif_signature_free(&sig);
			} else {
				(void)jsonr_members((const char *)buf, s->size, member, NULL);
			}
			free(buf);
		}
	}
	close(fd);
	return 0;
}
