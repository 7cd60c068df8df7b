/*
 * libFuzzer target for the EIF reader: header and table checks, the section
 * walk, the measuring stream (CRC and PCRs), the signature decoder, the
 * metadata JSON reader and the metadata walk that prints it (into a memory
 * stream) — everything `eiftool describe` runs on a file.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "atomicfile.h"
#include "eif.h"
#include "eifsign.h"
#include "jsonr.h"
#include "preadfull.h"

/* What `eiftool describe` does with a metadata section it accepted. */
static void describe_metadata(const char *md, size_t len, bool pretty)
{
	static char out[1 << 18]; /* a full stream only makes the writes fail */
	FILE *f = fmemopen(out, sizeof(out), "w");
	if (!f)
		abort();
	struct jsonw w;
	jsonw_init(&w, f, pretty);
	jsonw_object_open(&w, NULL);
	if (jsonr_check(md, len) == 0 && md[strspn(md, " \t\r\n")] == '{')
		jsonr_describe_metadata(&w, md, len);
	jsonw_object_close(&w);
	/* Whatever the section held, describe's output is JSON. */
	if (jsonw_finish(&w) == 0 && jsonr_check(out, (size_t)ftell(f)) < 0)
		abort();
	fclose(f);
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
			buf[s->size] = '\0'; /* as eiftool's read_section */
			if (k == 0) {
				struct eif_signature sig;
				if (eif_signature_check(buf, s->size, dg.pcr0, &sig, &d) == 0)
					eif_signature_free(&sig);
			} else {
				describe_metadata((const char *)buf, s->size, size & 1);
			}
			free(buf);
		}
	}
	close(fd);
	return 0;
}
