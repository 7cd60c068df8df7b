/* Writing an EIF: header first (the table is known from the input sizes),
 * then every section streamed once through eif_stream(). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "byteorder.h"
#include "eif.h"

/* Kernel, cmdline, metadata, then ramdisks; the last slot stays free for a
 * signature. */
#define MAX_RAMDISKS (EIF_MAX_SECTIONS - 4)

struct input {
	int fd;
	uint64_t size;
};

static int open_input(const char *path, struct input *in)
{
	struct stat st;
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return -errno;
	if (fstat(in->fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	in->size = (uint64_t)st.st_size;
	return 0;
}

int eif_write(int out_fd, const struct eif_build *b, struct eif_digests *dg,
	      const char **bad_input,
	      void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg)
{
	if (b->ramdisks == 0 || b->ramdisks > MAX_RAMDISKS)
		return -EINVAL;
	*bad_input = NULL;
	struct input in[1 + MAX_RAMDISKS];
	unsigned nin = 0;
	int r = 0;
	for (unsigned i = 0; i <= b->ramdisks && r == 0; i++, nin++) {
		const char *path = i == 0 ? b->kernel_path : b->ramdisk_paths[i - 1];
		if ((r = open_input(path, &in[i])) < 0)
			*bad_input = path;
	}

	struct eif_header h = {
		.version = EIF_VERSION,
		.flags = b->aarch64 ? EIF_FLAG_ARCH_AARCH64 : 0,
		.default_mem = EIF_DEFAULT_MEM,
		.default_cpus = EIF_DEFAULT_CPUS,
	};
	/* Section order and sizes: the writer's canonical layout. */
	uint16_t types[EIF_MAX_SECTIONS];
	uint64_t sizes[EIF_MAX_SECTIONS];
	unsigned ns = 0;
	if (r == 0) {
		types[ns] = EIF_SECTION_KERNEL, sizes[ns++] = in[0].size;
		types[ns] = EIF_SECTION_CMDLINE, sizes[ns++] = b->cmdline_len;
		if (b->metadata)
			types[ns] = EIF_SECTION_METADATA, sizes[ns++] = b->metadata_len;
		for (unsigned i = 0; i < b->ramdisks; i++)
			types[ns] = EIF_SECTION_RAMDISK, sizes[ns++] = in[1 + i].size;
		uint64_t off = EIF_HEADER_SIZE;
		for (unsigned i = 0; i < ns; i++) {
			h.offsets[i] = off;
			h.sizes[i] = sizes[i];
			off += EIF_SECTION_HEADER_SIZE + sizes[i];
		}
		h.num_sections = (uint16_t)ns;
	}

	uint8_t hdr[EIF_HEADER_SIZE], sh[EIF_MAX_SECTIONS][EIF_SECTION_HEADER_SIZE];
	struct eif_piece pc[1 + 2 * EIF_MAX_SECTIONS];
	size_t np = 0;
	if (r == 0) {
		eif_header_encode(&h, hdr);
		/* The CRC field itself is the one part of the file not covered. */
		pc[np++] = (struct eif_piece){hdr, -1, 0, EIF_CRC_OFFSET, EIF_FEED_CRC};
		pc[np++] = (struct eif_piece){hdr + EIF_CRC_OFFSET, -1, 0, 4, 0};
		unsigned ramdisk = 0;
		for (unsigned i = 0; i < ns; i++) {
			eif_section_header_encode(sh[i], types[i], sizes[i]);
			pc[np++] = (struct eif_piece){sh[i], -1, 0, EIF_SECTION_HEADER_SIZE, EIF_FEED_CRC};
			struct eif_piece d = {NULL, -1, 0, sizes[i], EIF_FEED_CRC};
			switch (types[i]) {
			case EIF_SECTION_KERNEL:
				d.fd = in[0].fd;
				d.flags |= EIF_FEED_PCR0;
				break;
			case EIF_SECTION_CMDLINE:
				d.mem = b->cmdline;
				d.flags |= EIF_FEED_PCR0;
				break;
			case EIF_SECTION_METADATA:
				d.mem = b->metadata;
				break;
			default:
				d.fd = in[1 + ramdisk].fd;
				d.flags |= EIF_FEED_PCR0 | (ramdisk == 0 ? EIF_CUT_PCR1 : EIF_FEED_PCR2);
				ramdisk++;
			}
			pc[np++] = d;
		}
		r = eif_stream(pc, np, out_fd, dg, progress, arg);
		if (r == -EIO) /* an input shrank; name the first whose size changed */
			for (unsigned i = 0; i < nin && !*bad_input; i++) {
				struct stat st;
				if (fstat(in[i].fd, &st) == 0 && (uint64_t)st.st_size != in[i].size)
					*bad_input = i == 0 ? b->kernel_path : b->ramdisk_paths[i - 1];
			}
	}
	if (r == 0) {
		uint8_t be[4];
		store_be32(be, dg->crc);
		ssize_t w = pwrite(out_fd, be, 4, EIF_CRC_OFFSET);
		r = w < 0 ? -errno : w != 4 ? -EIO : 0;
	}
	for (unsigned i = 0; i < nin; i++)
		if (in[i].fd >= 0)
			close(in[i].fd);
	return r;
}
