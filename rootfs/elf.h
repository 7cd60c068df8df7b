/*
 * elf.h — what the dynamic loader needs to know about an ELF file: class,
 * machine, PT_INTERP, DT_NEEDED, DT_RPATH and DT_RUNPATH.
 *
 * The file is untrusted: every table is read with pread() at bounds checked
 * against the file size, counts are capped (ELF_MAX_PHDRS, ELF_MAX_NEEDED),
 * strings must be NUL-terminated inside the string table.  64-bit and 32-bit,
 * little- and big-endian.
 */
#ifndef CARVE_ROOTFS_ELF_H
#define CARVE_ROOTFS_ELF_H

#include <stdbool.h>
#include <stdint.h>

#define ELF_MAX_PHDRS 1024
#define ELF_MAX_NEEDED 256
#define ELF_MAX_STRTAB (16u << 20)

struct elf_info {
	uint8_t elf_class;   /* 1 = 32-bit, 2 = 64-bit */
	uint8_t data;        /* 1 = little-endian, 2 = big-endian */
	uint16_t machine;
	bool dynamic;        /* has PT_DYNAMIC */
	char *interp;        /* PT_INTERP, or NULL */
	char *rpath, *runpath;
	char *needed[ELF_MAX_NEEDED];
	unsigned n_needed;
	char *strtab;        /* backing store of the strings above (but interp) */
};

/*
 * Reads fd.  0; -ENOEXEC if it is not an ELF file; -EBADMSG if it is a
 * malformed one, -E2BIG if it has more program headers or DT_NEEDED entries
 * than the caps (either way *why says what); -errno for I/O.
 * Free with elf_info_free() on success.
 */
int elf_read(int fd, struct elf_info *info, const char **why);
void elf_info_free(struct elf_info *info);

#endif
