/* EIF header encoding and the structural checks of an untrusted file. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byteorder.h"
#include "eif.h"
#include "preadfull.h"

void eif_header_encode(const struct eif_header *h, uint8_t out[EIF_HEADER_SIZE])
{
	memcpy(out, ".eif", 4);
	store_be16(out + 4, h->version);
	store_be16(out + 6, h->flags);
	store_be64(out + 8, h->default_mem);
	store_be64(out + 16, h->default_cpus);
	store_be16(out + 24, h->reserved);
	store_be16(out + 26, h->num_sections);
	for (unsigned i = 0; i < EIF_MAX_SECTIONS; i++) {
		store_be64(out + 28 + 8 * i, h->offsets[i]);
		store_be64(out + 284 + 8 * i, h->sizes[i]);
	}
	store_be32(out + 540, h->unused);
	store_be32(out + EIF_CRC_OFFSET, h->crc);
}

void eif_header_decode(const uint8_t in[EIF_HEADER_SIZE], struct eif_header *h)
{
	h->version = load_be16(in + 4);
	h->flags = load_be16(in + 6);
	h->default_mem = load_be64(in + 8);
	h->default_cpus = load_be64(in + 16);
	h->reserved = load_be16(in + 24);
	h->num_sections = load_be16(in + 26);
	for (unsigned i = 0; i < EIF_MAX_SECTIONS; i++) {
		h->offsets[i] = load_be64(in + 28 + 8 * i);
		h->sizes[i] = load_be64(in + 284 + 8 * i);
	}
	h->unused = load_be32(in + 540);
	h->crc = load_be32(in + EIF_CRC_OFFSET);
}

void eif_section_header_encode(uint8_t out[EIF_SECTION_HEADER_SIZE], uint16_t type,
			       uint64_t size)
{
	store_be16(out, type);
	store_be16(out + 2, 0);
	store_be64(out + 4, size);
}

__attribute__((format(printf, 3, 4))) static int bad(struct eif_diag *d, enum eif_problem p,
						      const char *fmt, ...)
{
	va_list ap;
	d->problem = p;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int eif_check_header(const uint8_t raw[EIF_HEADER_SIZE], uint64_t file_size,
		     struct eif_header *h, struct eif_diag *d)
{
	d->problem = EIF_OK;
	d->msg[0] = '\0';
	if (memcmp(raw, ".eif", 4) != 0)
		return bad(d, EIF_E_MAGIC, "bad magic %02x%02x%02x%02x (expected \".eif\")", raw[0],
			   raw[1], raw[2], raw[3]);
	eif_header_decode(raw, h);
	if (h->version < 2 || h->version > EIF_VERSION)
		return bad(d, EIF_E_VERSION, "unsupported EIF version %u (known: 2 to %u)",
			   h->version, EIF_VERSION);
	if (h->flags & ~EIF_FLAG_ARCH_AARCH64)
		return bad(d, EIF_E_HEADER_FLAGS, "reserved header flags set (0x%04x)", h->flags);
	if (h->num_sections == 0 || h->num_sections > EIF_MAX_SECTIONS)
		return bad(d, EIF_E_SECTION_COUNT, "%u sections (allowed: 1 to %u)",
			   h->num_sections, EIF_MAX_SECTIONS);
	for (unsigned i = h->num_sections; i < EIF_MAX_SECTIONS; i++)
		if (h->offsets[i] || h->sizes[i])
			return bad(d, EIF_E_SECTION_COUNT,
				   "section table entry %u is set but num_sections is %u", i,
				   h->num_sections);
	uint64_t expect = EIF_HEADER_SIZE;
	for (unsigned i = 0; i < h->num_sections; i++) {
		uint64_t off = h->offsets[i], size = h->sizes[i];
		if (off > file_size || file_size - off < EIF_SECTION_HEADER_SIZE ||
		    file_size - off - EIF_SECTION_HEADER_SIZE < size)
			return bad(d, EIF_E_BOUNDS,
				   "section %u (offset %" PRIu64 ", size %" PRIu64
				   ") extends beyond the end of the file (%" PRIu64 " bytes)",
				   i, off, size, file_size);
		if (off != expect)
			return bad(d, EIF_E_LAYOUT,
				   "section %u at offset %" PRIu64 " %s the previous one (expected "
				   "offset %" PRIu64 ")",
				   i, off, off < expect ? "overlaps" : "leaves a gap after", expect);
		expect = off + EIF_SECTION_HEADER_SIZE + size;
	}
	if (expect != file_size)
		return bad(d, EIF_E_LAYOUT,
			   "%" PRIu64 " bytes after the last section (file is %" PRIu64 " bytes)",
			   file_size - expect, file_size);
	return 0;
}

static const char *type_name(uint16_t t)
{
	static const char *const names[] = {"invalid", "kernel", "cmdline", "ramdisk",
					    "signature", "metadata"};
	return t < 6 ? names[t] : "unknown";
}

int eif_read_info(int fd, struct eif_info *info, struct eif_diag *d)
{
	struct stat st;
	uint8_t raw[EIF_HEADER_SIZE];
	memset(info, 0, sizeof(*info));
	d->problem = EIF_OK;
	d->msg[0] = '\0';
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	info->file_size = (uint64_t)st.st_size;
	if (info->file_size < EIF_HEADER_SIZE)
		return bad(d, EIF_E_TRUNCATED, "file is %" PRIu64 " bytes, shorter than the %u-byte header",
			   info->file_size, EIF_HEADER_SIZE);
	int r = pread_full(fd, raw, sizeof(raw), 0);
	if (r < 0)
		return r;
	r = eif_check_header(raw, info->file_size, &info->h, d);
	if (r < 0)
		return r;
	info->n = info->h.num_sections;
	info->kernel = info->cmdline = info->metadata = info->signature = -1;
	for (unsigned i = 0; i < info->n; i++) {
		uint8_t sh[EIF_SECTION_HEADER_SIZE];
		if ((r = pread_full(fd, sh, sizeof(sh), info->h.offsets[i])) < 0)
			return r;
		uint16_t type = load_be16(sh), flags = load_be16(sh + 2);
		uint64_t size = load_be64(sh + 4);
		if (type == EIF_SECTION_INVALID || type > EIF_SECTION_METADATA)
			return bad(d, EIF_E_SECTION_TYPE, "section %u has invalid type %u", i, type);
		if (flags != 0)
			return bad(d, EIF_E_SECTION_FLAGS, "section %u (%s) has flags 0x%04x (must be 0)",
				   i, type_name(type), flags);
		if (size != info->h.sizes[i])
			return bad(d, EIF_E_SIZE_MISMATCH,
				   "section %u (%s): size %" PRIu64 " in its header, %" PRIu64
				   " in the section table",
				   i, type_name(type), size, info->h.sizes[i]);
		info->s[i] = (struct eif_section){type, info->h.offsets[i], size};
		int *slot = type == EIF_SECTION_KERNEL    ? &info->kernel
			    : type == EIF_SECTION_CMDLINE  ? &info->cmdline
			    : type == EIF_SECTION_METADATA ? &info->metadata
			    : type == EIF_SECTION_SIGNATURE ? &info->signature
							    : NULL;
		if (slot && *slot >= 0)
			return bad(d, EIF_E_DUPLICATE, "second %s section (sections %d and %u)",
				   type_name(type), *slot, i);
		if (slot)
			*slot = (int)i;
		if (type == EIF_SECTION_RAMDISK) {
			if (info->kernel < 0)
				return bad(d, EIF_E_MISSING, "ramdisk section %u comes before the kernel", i);
			info->ramdisks++;
		}
		uint64_t cap = type == EIF_SECTION_SIGNATURE ? EIF_SIGNATURE_MAX
			       : type == EIF_SECTION_METADATA ? EIF_METADATA_MAX
			       : type == EIF_SECTION_CMDLINE  ? EIF_CMDLINE_MAX
							      : UINT64_MAX;
		if (size > cap)
			return bad(d, EIF_E_TOO_LARGE, "%s section is %" PRIu64 " bytes (limit %" PRIu64 ")",
				   type_name(type), size, cap);
	}
	if (info->kernel < 0 || info->cmdline < 0 || info->ramdisks == 0)
		return bad(d, EIF_E_MISSING, "no %s section",
			   info->kernel < 0 ? "kernel" : info->cmdline < 0 ? "cmdline" : "ramdisk");
	return 0;
}
