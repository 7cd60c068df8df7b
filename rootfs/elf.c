#include "elf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"
#include "preadfull.h"

_Static_assert(ELF_MAX_PHDRS == 1024 && ELF_MAX_NEEDED == 256, "the *why texts name the caps");

enum { PT_LOAD_ = 1, PT_DYNAMIC_ = 2, PT_INTERP_ = 3 };
enum { DT_NULL_ = 0, DT_NEEDED_ = 1, DT_STRTAB_ = 5, DT_STRSZ_ = 10, DT_RPATH_ = 15,
       DT_RUNPATH_ = 29 };

struct reader {
	int fd;
	uint64_t size;
	bool be, is64;
};

static uint64_t rd(const struct reader *r, const uint8_t *p, unsigned width)
{
	switch (width) {
	case 2: return r->be ? load_be16(p) : load_le16(p);
	case 4: return r->be ? load_be32(p) : load_le32(p);
	default: return r->be ? load_be64(p) : load_le64(p);
	}
}

/* The natural word: 8 bytes in ELF64, 4 in ELF32. */
static uint64_t word(const struct reader *r, const uint8_t *p)
{
	return rd(r, p, r->is64 ? 8 : 4);
}

static int read_at(const struct reader *r, void *buf, uint64_t len, uint64_t off)
{
	if (off > r->size || r->size - off < len)
		return -EBADMSG;
	return pread_full(r->fd, buf, (size_t)len, off);
}

struct seg {
	uint32_t type;
	uint64_t offset, vaddr, filesz;
};

/* Maps a virtual address to a file offset through the PT_LOAD segments. */
static bool vaddr_to_off(const struct seg *s, unsigned n, uint64_t va, uint64_t *off)
{
	for (unsigned i = 0; i < n; i++)
		if (s[i].type == PT_LOAD_ && va >= s[i].vaddr && va - s[i].vaddr < s[i].filesz) {
			*off = s[i].offset + (va - s[i].vaddr);
			return true;
		}
	return false;
}

void elf_info_free(struct elf_info *info)
{
	free(info->interp);
	free(info->strtab);
	memset(info, 0, sizeof(*info));
}


int elf_read(int fd, struct elf_info *info, const char **why)
{
	struct stat st;
	uint8_t eh[64];
	struct seg *segs = NULL;
	uint8_t *dyn = NULL;
	int r = 0;
	memset(info, 0, sizeof(*info));
	*why = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	struct reader rr = {fd, (uint64_t)st.st_size, false, false};
	if (!S_ISREG(st.st_mode) || rr.size < 52 || read_at(&rr, eh, 52, 0) < 0 ||
	    memcmp(eh, "\x7f" "ELF", 4) != 0)
		return -ENOEXEC;
	if ((eh[4] != 1 && eh[4] != 2) || (eh[5] != 1 && eh[5] != 2)) {
		*why = "unknown ELF class or byte order";
		return -EBADMSG;
	}
	rr.is64 = eh[4] == 2;
	rr.be = eh[5] == 2;
	if (rr.is64 && read_at(&rr, eh, 64, 0) < 0) {
		*why = "truncated ELF header";
		return -EBADMSG;
	}
	info->elf_class = eh[4];
	info->data = eh[5];
	info->machine = (uint16_t)rd(&rr, eh + 18, 2);
	uint64_t phoff = rr.is64 ? rd(&rr, eh + 32, 8) : rd(&rr, eh + 28, 4);
	unsigned phentsize = (unsigned)rd(&rr, eh + (rr.is64 ? 54 : 42), 2);
	unsigned phnum = (unsigned)rd(&rr, eh + (rr.is64 ? 56 : 44), 2);
	unsigned want = rr.is64 ? 56 : 32;
	if (phnum > ELF_MAX_PHDRS) {
		*why = "more than 1024 program headers";
		return -E2BIG;
	}
	if (phnum && phentsize < want) {
		*why = "program header entries too small";
		return -EBADMSG;
	}
	segs = calloc(phnum ? phnum : 1, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	uint64_t dyn_off = 0, dyn_size = 0, interp_off = 0, interp_size = 0;
	for (unsigned i = 0; i < phnum; i++) {
		uint8_t ph[56];
		if (read_at(&rr, ph, want, phoff + (uint64_t)i * phentsize) < 0) {
			*why = "program headers beyond the end of the file";
			r = -EBADMSG;
			goto out;
		}
		struct seg *s = &segs[i];
		s->type = (uint32_t)rd(&rr, ph, 4);
		if (rr.is64) {
			s->offset = rd(&rr, ph + 8, 8);
			s->vaddr = rd(&rr, ph + 16, 8);
			s->filesz = rd(&rr, ph + 32, 8);
		} else {
			s->offset = rd(&rr, ph + 4, 4);
			s->vaddr = rd(&rr, ph + 8, 4);
			s->filesz = rd(&rr, ph + 16, 4);
		}
		if (s->type == PT_DYNAMIC_)
			dyn_off = s->offset, dyn_size = s->filesz, info->dynamic = true;
		if (s->type == PT_INTERP_)
			interp_off = s->offset, interp_size = s->filesz;
	}
	if (interp_size) {
		if (interp_size > 4096 || !(info->interp = malloc(interp_size + 1)) ||
		    read_at(&rr, info->interp, interp_size, interp_off) < 0 ||
		    !memchr(info->interp, '\0', interp_size)) {
			*why = "bad PT_INTERP";
			r = -EBADMSG;
			goto out;
		}
	}
	if (!info->dynamic)
		goto out;
	unsigned dsz = rr.is64 ? 16 : 8;
	if (dyn_size > (1u << 20) || !(dyn = malloc(dyn_size + 1)) ||
	    read_at(&rr, dyn, dyn_size, dyn_off) < 0) {
		*why = "bad PT_DYNAMIC";
		r = -EBADMSG;
		goto out;
	}
	uint64_t strtab = 0, strsz = 0;
	for (uint64_t o = 0; o + dsz <= dyn_size; o += dsz) {
		uint64_t tag = word(&rr, dyn + o), val = word(&rr, dyn + o + dsz / 2);
		if (tag == DT_NULL_)
			break;
		if (tag == DT_STRTAB_)
			strtab = val;
		if (tag == DT_STRSZ_)
			strsz = val;
	}
	uint64_t stroff;
	if (strsz == 0 || strsz > ELF_MAX_STRTAB || !vaddr_to_off(segs, phnum, strtab, &stroff) ||
	    !(info->strtab = malloc(strsz + 1)) || read_at(&rr, info->strtab, strsz, stroff) < 0) {
		*why = "bad dynamic string table";
		r = -EBADMSG;
		goto out;
	}
	info->strtab[strsz] = '\0';
	for (uint64_t o = 0; o + dsz <= dyn_size; o += dsz) {
		uint64_t tag = word(&rr, dyn + o), val = word(&rr, dyn + o + dsz / 2);
		if (tag == DT_NULL_)
			break;
		if (tag != DT_NEEDED_ && tag != DT_RPATH_ && tag != DT_RUNPATH_)
			continue;
		if (val >= strsz) {
			*why = "dynamic entry points outside the string table";
			r = -EBADMSG;
			goto out;
		}
		char *s = info->strtab + val;
		if (tag == DT_RPATH_)
			info->rpath = s;
		else if (tag == DT_RUNPATH_)
			info->runpath = s;
		else if (info->n_needed == ELF_MAX_NEEDED) {
			*why = "more than 256 DT_NEEDED entries";
			r = -E2BIG;
			goto out;
		} else
			info->needed[info->n_needed++] = s;
	}
out:
	free(segs);
	free(dyn);
	if (r < 0)
		elf_info_free(info);
	return r;
}
