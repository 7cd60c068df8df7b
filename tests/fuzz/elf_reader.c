/* libFuzzer target for rootfs/elf.c, the bounded ELF reader elfdeps runs on
 * every app and library it packages. */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "atomicfile.h"
#include "elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("elf", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, data, size) < 0)
		abort();
	struct elf_info e;
	const char *why = NULL;
	int r = elf_read(fd, &e, &why);
	/* Refusals of the file's contents always say why (elfdeps prints it). */
	if ((r == -EBADMSG || r == -E2BIG) && (!why || !*why))
		abort();
	if (r == 0) {
		/* Every string handed out must be readable and terminated. */
		size_t sum = e.interp ? strlen(e.interp) : 0;
		for (unsigned i = 0; i < e.n_needed; i++)
			sum += strlen(e.needed[i]);
		sum += e.rpath ? strlen(e.rpath) : 0;
		sum += e.runpath ? strlen(e.runpath) : 0;
		(void)sum;
		elf_info_free(&e);
	}
	close(fd);
	return 0;
}
