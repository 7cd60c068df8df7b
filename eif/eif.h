/*
 * eif.h — the Enclave Image File format: the contract of eif/.
 *
 * Layout (../shared/reference/eif.md §1–§4; AWS aws-nitro-enclaves-image-format
 * src/defs/mod.rs, QEMU hw/core/eif.c): a 548-byte big-endian header with a
 * 32-entry section table, then sections packed back to back, each a 12-byte
 * header (type u16, flags u16, size u64) and its data.  Writer order:
 * Kernel, Cmdline, Metadata, Ramdisk..., [Signature].  CRC32 (zlib) covers
 * header bytes 0..544 and then every section header and data in file order.
 *
 *   PCR0 = E(kernel || cmdline || ramdisk0 || ramdisk1 || ...)
 *   PCR1 = E(kernel || cmdline || ramdisk0)
 *   PCR2 = E(ramdisk1 || ramdisk2 || ...)
 *   PCR8 = E(DER of the signing certificate)
 *   E(x) = SHA384(48 zero bytes || SHA384(x))
 *
 * Conventions: functions return 0 or a negative errno.  Untrusted files
 * produce -EBADMSG together with a struct eif_diag saying which rule failed;
 * nothing is ever allocated by a size read from a file unless that size was
 * first checked against a fixed cap below.  No global state.
 */
#ifndef CARVE_EIF_H
#define CARVE_EIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha384.h"

#define EIF_HEADER_SIZE 548
#define EIF_CRC_OFFSET 544
#define EIF_SECTION_HEADER_SIZE 12
#define EIF_MAX_SECTIONS 32
#define EIF_VERSION 4
#define EIF_FLAG_ARCH_AARCH64 0x0001
#define EIF_DEFAULT_MEM 0x40000000ULL
#define EIF_DEFAULT_CPUS 2
/* README "SIGNATURE_MAX_SIZE". */
#define EIF_SIGNATURE_MAX 32768
/* Our own caps for what the reader loads into memory. */
#define EIF_METADATA_MAX (1u << 20)
#define EIF_CMDLINE_MAX (1u << 20)

enum eif_section_type {
	EIF_SECTION_INVALID = 0,
	EIF_SECTION_KERNEL = 1,
	EIF_SECTION_CMDLINE = 2,
	EIF_SECTION_RAMDISK = 3,
	EIF_SECTION_SIGNATURE = 4,
	EIF_SECTION_METADATA = 5,
};

struct eif_header {
	uint16_t version;
	uint16_t flags;
	uint64_t default_mem;
	uint64_t default_cpus;
	uint16_t reserved;
	uint16_t num_sections;
	uint64_t offsets[EIF_MAX_SECTIONS]; /* of each 12-byte section header */
	uint64_t sizes[EIF_MAX_SECTIONS];   /* data only */
	uint32_t unused;
	uint32_t crc;
};

void eif_header_encode(const struct eif_header *h, uint8_t out[EIF_HEADER_SIZE]);
/* Does not validate; see eif_check_header(). */
void eif_header_decode(const uint8_t in[EIF_HEADER_SIZE], struct eif_header *h);
void eif_section_header_encode(uint8_t out[EIF_SECTION_HEADER_SIZE], uint16_t type,
			       uint64_t size);

/*
 * Every rule a file can break.  The values are eiftool's exit codes
 * (documented in `eiftool --help`), so they never change.
 */
enum eif_problem {
	EIF_OK = 0,
	EIF_E_TRUNCATED = 10,     /* shorter than the header */
	EIF_E_MAGIC = 11,         /* not ".eif" */
	EIF_E_VERSION = 12,       /* not 2..4 */
	EIF_E_HEADER_FLAGS = 13,  /* reserved header flag bits set */
	EIF_E_SECTION_COUNT = 14, /* num_sections 0 or > 32, or stray table entries */
	EIF_E_BOUNDS = 15,        /* a section (header or data) beyond the file / 64 bits */
	EIF_E_LAYOUT = 16,        /* table disagrees with sequential layout: gap/overlap/trailing */
	EIF_E_SECTION_FLAGS = 17, /* a section header's flags != 0 */
	EIF_E_SIZE_MISMATCH = 18, /* table size != section header size */
	EIF_E_SECTION_TYPE = 19,  /* type 0 or > 5 */
	EIF_E_DUPLICATE = 20,     /* second kernel, cmdline, metadata or signature */
	EIF_E_MISSING = 21,       /* no kernel, cmdline or ramdisk; ramdisk before kernel */
	EIF_E_TOO_LARGE = 22,     /* signature/metadata/cmdline above the caps above */
	EIF_E_CRC = 23,           /* stored CRC differs from the computed one */
	EIF_E_SIGNATURE = 24,     /* signature section undecodable */
	EIF_E_METADATA = 25,      /* metadata is not a JSON object */
};

struct eif_diag {
	enum eif_problem problem;
	char msg[192]; /* one line, no trailing newline */
};

struct eif_section {
	uint16_t type;
	uint64_t offset; /* of the section header */
	uint64_t size;   /* of the data */
};

/* A file whose structure passed every check (not yet the CRC). */
struct eif_info {
	struct eif_header h;
	uint64_t file_size;
	unsigned n;
	struct eif_section s[EIF_MAX_SECTIONS];
	int kernel, cmdline, metadata, signature; /* section index or -1 */
	unsigned ramdisks;
};

/*
 * Checks the decoded header against the file size: magic (raw bytes),
 * version, flags, section count, bounds, and that the table describes
 * sections packed back to back from byte 548 to the end of the file, which
 * is what both readers of the format (table walkers and sequential walkers)
 * need to agree.  Pure: touches no file.
 */
int eif_check_header(const uint8_t raw[EIF_HEADER_SIZE], uint64_t file_size,
		     struct eif_header *h, struct eif_diag *d);

/*
 * Reads and checks the header and every section header of fd (pread only).
 * 0, -EBADMSG with d filled, or -errno for I/O.
 */
int eif_read_info(int fd, struct eif_info *info, struct eif_diag *d);

struct eif_digests {
	uint8_t pcr0[SHA384_LEN], pcr1[SHA384_LEN], pcr2[SHA384_LEN];
	uint32_t crc; /* over the bytes the format says (excludes 544..548) */
};

/* E(x) from SHA384(x): 48 zero bytes, then the digest, hashed again. */
void eif_pcr_extend(const uint8_t digest[SHA384_LEN], uint8_t pcr[SHA384_LEN]);
/* E(data) in one call. */
void eif_pcr_of(const void *data, size_t len, uint8_t pcr[SHA384_LEN]);

/*
 * One piece of the byte stream eif_stream() processes: len bytes from mem,
 * or from fd at off (pread).  flags say which digests the bytes feed.
 */
enum {
	EIF_FEED_CRC = 1,
	EIF_FEED_PCR0 = 2,
	EIF_FEED_PCR2 = 4,
	EIF_CUT_PCR1 = 8, /* PCR1 = PCR0's state after this piece */
};
struct eif_piece {
	const uint8_t *mem; /* NULL: read from fd */
	int fd;
	uint64_t off, len;
	unsigned flags;
};

/*
 * Streams the pieces once, in order: the calling thread reads and hashes
 * PCR0 (cloning the state for PCR1), a second thread computes the CRC and
 * PCR2 and, if out_fd >= 0, a third writes every byte to out_fd.  A piece shorter
 * than announced (file shrank) is -EIO.  progress, when non-NULL, is called
 * with bytes done / total from the calling thread.
 */
int eif_stream(const struct eif_piece *pieces, size_t n, int out_fd, struct eif_digests *dg,
	       void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg);

/*
 * Measures a checked file: PCR0/1/2 and the CRC over exactly the covered
 * bytes.  Sets d (EIF_E_CRC) and returns -EBADMSG when the CRC differs.
 */
int eif_measure(int fd, const struct eif_info *info, struct eif_digests *dg,
		struct eif_diag *d,
		void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg);

/* What eif_write() packs. */
struct eif_build {
	const char *kernel_path;
	const uint8_t *cmdline;
	size_t cmdline_len;
	const uint8_t *metadata; /* JSON; NULL for none (v4 readers expect one) */
	size_t metadata_len;
	const char *const *ramdisk_paths;
	unsigned ramdisks;   /* >= 1 */
	bool aarch64;
};

/*
 * Writes the EIF to out_fd (sequentially from its current start, then one
 * pwrite of the CRC) and returns its digests.  -EINVAL for an impossible
 * request (no ramdisk, > 29 ramdisks), -EIO if an input changed size while
 * read, else -errno; *bad_input names the input file that failed, if any.
 */
int eif_write(int out_fd, const struct eif_build *b, struct eif_digests *dg,
	      const char **bad_input,
	      void (*progress)(uint64_t done, uint64_t total, void *arg), void *arg);

#endif
