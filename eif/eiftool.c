/* eiftool — build, describe, measure, sign and extract Enclave Image Files. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "eif.h"
#include "eiftool.h"
#include "preadfull.h"
#include "eifsign.h"
#include "errors.h"
#include "hex.h"
#include "jsonr.h"
#include "jsonw.h"
#include "pem.h"
#include "sha384.h"

static const char usage_main[] =
	"Usage: eiftool COMMAND [OPTIONS]\n"
	"\n"
	"Build, inspect and sign AWS Nitro Enclaves Image Files (EIF version 4).\n"
	"\n"
	"Commands:\n"
	"  build     pack a kernel, its command line and ramdisks into an EIF\n"
	"  describe  print what `nitro-cli describe-eif` prints, after validating the file\n"
	"  pcr       the PCR value of a file's bytes or of a signing certificate\n"
	"  sign      add or replace the signature section (COSE_Sign1, ES384)\n"
	"  extract   write the kernel, command line and concatenated initrd of an EIF\n"
	"\n"
	"`eiftool COMMAND --help` describes each command.\n"
	"\n"
	"Measurements (all SHA-384, E(x) = SHA384(48 zero bytes || SHA384(x))):\n"
	"  PCR0 = E(kernel || cmdline || every ramdisk)   PCR1 = E(kernel || cmdline || ramdisk 0)\n"
	"  PCR2 = E(ramdisks 1..n)                        PCR8 = E(DER of the signing certificate)\n"
	"\n"
	"Exit status:\n"
	"   0  success\n"
	"   1  internal failure (out of memory, threads)\n"
	"   2  usage error\n"
	"   3  an input file is missing, unreadable or malformed\n"
	"   4  an output file or standard output could not be written (no file is left\n"
	"      half-written)\n"
	"   5  signing key or certificate unusable, or they do not match\n"
	"  10  EIF shorter than its 548-byte header\n"
	"  11  bad magic (not \".eif\")\n"
	"  12  unsupported EIF version (not 2..4)\n"
	"  13  reserved header flags set\n"
	"  14  bad section count (0, more than 32, or stray table entries)\n"
	"  15  a section lies (partly) beyond the end of the file\n"
	"  16  section table disagrees with sequential layout (gap, overlap, trailing bytes)\n"
	"  17  a section header has non-zero flags\n"
	"  18  section size differs between the table and the section header\n"
	"  19  invalid section type (0 or above 5)\n"
	"  20  duplicate kernel, cmdline, metadata or signature section\n"
	"  21  missing kernel, cmdline or ramdisk section, or a ramdisk before the kernel\n"
	"  22  signature, metadata or cmdline section above its size limit\n"
	"  23  CRC mismatch\n"
	"  24  signature section cannot be decoded\n"
	"  25  metadata section is not a JSON object\n"
	"Errors are one line on stderr: \"eiftool: cannot <what> FILE: <reason>\".\n";

static const char usage_describe[] =
	"Usage: eiftool describe [--compact] FILE\n"
	"\n"
	"Validate FILE completely (header, section table against sequential layout,\n"
	"every section header, CRC, signature encoding) and print the JSON\n"
	"`nitro-cli describe-eif` prints: EifVersion, Measurements, IsSigned,\n"
	"SigningCertificate (signed files), CheckCRC, SignatureCheck (signed files:\n"
	"the COSE signature verifies with the certificate's key and its payload is\n"
	"PCR0), ImageName, ImageVersion, Metadata.  Any broken rule is one line on\n"
	"stderr and the exit status of that rule (see `eiftool --help`).  Safe on\n"
	"hostile files: bounded reads, no allocation by a size from the file.\n"
	"\n"
	"  --compact   one line of JSON instead of nitro-cli's pretty layout\n";

static const char usage_pcr[] =
	"Usage: eiftool pcr (--file FILE | --cert PEM) [--compact]\n"
	"\n"
	"Print the PCR value E(x) = SHA384(48 zero bytes || SHA384(x)) as\n"
	"`nitro-cli pcr` does: of FILE's bytes as {\"PCR\": ...}, or of the DER form\n"
	"of the first certificate in PEM as {\"PCR8\": ...}.\n";

static const char usage_sign[] =
	"Usage: eiftool sign IN.eif --cert CERT.pem --key KEY.pem -o OUT.eif\n"
	"\n"
	"Validate IN.eif, then write OUT.eif with a signature section (added at the\n"
	"end, or replacing the existing one) and a new CRC.  The section is what\n"
	"nitro-cli writes: a CBOR array of one map {\"signing_certificate\": PEM\n"
	"bytes, \"signature\": untagged COSE_Sign1 bytes}, byte strings encoded as\n"
	"arrays of integers; the COSE payload is the CBOR map {\"register_index\": 0,\n"
	"\"register_value\": PCR0}; the algorithm is ES384 (P-384 key, SHA-384).\n"
	"PCR0/1/2 do not change; `describe` then reports PCR8 and SignatureCheck.\n"
	"IN.eif and OUT.eif may be the same path.  An unsigned IN.eif that already\n"
	"has 32 sections has no slot for a signature (exit 3).\n"
	"\n"
	"  --cert PEM   X.509 certificate whose public key is P-384\n"
	"  --key PEM    its private key (\"EC PRIVATE KEY\" or PKCS#8 \"PRIVATE KEY\")\n";

static const char usage_extract[] =
	"Usage: eiftool extract FILE [--kernel OUT] [--cmdline OUT] [--initrd OUT]\n"
	"\n"
	"Validate FILE (as describe does, CRC included), then write its kernel, its\n"
	"command line (no trailing newline) and all ramdisks concatenated in order\n"
	"(the initramfs the kernel unpacks) to the given paths, each atomically, for\n"
	"virtual machine monitors without the nitro-enclave machine.  At least one\n"
	"output is required.  The bytes are hashed again as they are copied; if\n"
	"they are not the ones validated (FILE changed), no output is written\n"
	"(exit 3).\n";

/* ------------------------------------------------------------ helpers */

void show_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress *p = arg;
	if (!p)
		return;
	int pct = (int)(done * 100 / (total ? total : 1));
	if (pct == p->last)
		return;
	p->last = pct;
	fprintf(stderr, "\r%s: %s %3d%%%s", err_prog(), p->what, pct, done == total ? "\n" : "");
}

/* Progress only for people watching: a TTY and more than 64 MiB (NULL: none). */
void *progress_for(uint64_t total, struct progress *p, const char *what)
{
	*p = (struct progress){-1, what};
	return isatty(2) && total > (64u << 20) ? p : NULL;
}

/* Reads a whole small file (at most cap bytes, else -EFBIG); NUL-terminated. */
int read_small(const char *path, size_t cap, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char *buf = malloc(cap + 1);
	size_t n = 0;
	int r = buf ? 0 : -ENOMEM;
	while (r == 0) {
		ssize_t k = read(fd, buf + n, cap + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			r = -errno;
		else if (k == 0)
			break;
		else if ((n += (size_t)k) > cap)
			r = -EFBIG;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

void print_measurements(struct jsonw *w, const struct eif_digests *dg,
			       const uint8_t *pcr8)
{
	jsonw_object_open(w, "Measurements");
	jsonw_string(w, "HashAlgorithm", "Sha384 { ... }");
	jsonw_hex(w, "PCR0", dg->pcr0, SHA384_LEN);
	jsonw_hex(w, "PCR1", dg->pcr1, SHA384_LEN);
	jsonw_hex(w, "PCR2", dg->pcr2, SHA384_LEN);
	if (pcr8)
		jsonw_hex(w, "PCR8", pcr8, SHA384_LEN);
	jsonw_object_close(w);
}

/* Starts w on f and writes {"Measurements": ...}; the caller finishes it. */
static void measurements_doc(struct jsonw *w, FILE *f, const struct eif_digests *dg,
			     const uint8_t *pcr8)
{
	jsonw_init(w, f, true);
	jsonw_object_open(w, NULL);
	print_measurements(w, dg, pcr8);
	jsonw_object_close(w);
}

int write_measurements_file(const char *path, const struct eif_digests *dg,
				   const uint8_t *pcr8)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -errno;
	struct jsonw w;
	measurements_doc(&w, f, dg, pcr8);
	int r = jsonw_finish(&w);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0)
		r = atomic_write_file(path, buf, len, 0644);
	free(buf);
	return r;
}

/* Ends a JSON document on stdout.  0, or EXIT_OUTPUT after the message:
 * JSON nobody received is a failure, not a success. */
static int finish_stdout(struct jsonw *w)
{
	int r = jsonw_finish(w);
	if (r < 0) {
		err_print(r, "write standard output");
		return EXIT_OUTPUT;
	}
	return 0;
}

int print_measurements_doc(const struct eif_digests *dg, const uint8_t *pcr8)
{
	struct jsonw w;
	measurements_doc(&w, stdout, dg, pcr8);
	return finish_stdout(&w);
}

/* "OUT.eif" -> "OUT.pcrs.json" (any other name gets ".pcrs.json" appended). */
void pcrs_path(char *out, size_t cap, const char *eif)
{
	size_t n = strlen(eif);
	if (n > 4 && !strcmp(eif + n - 4, ".eif"))
		n -= 4;
	snprintf(out, cap, "%.*s.pcrs.json", (int)n, eif);
}

/* An EIF problem: its message and its exit code. */
int eif_fail(const char *path, const struct eif_diag *d, int r, const char *what)
{
	if (r == -EBADMSG) {
		err_msg("invalid EIF %s: %s", path, d->msg);
		return (int)d->problem;
	}
	err_print(r, "%s %s", what, path);
	return r == -ENOMEM ? EXIT_FAIL : EXIT_INPUT;
}

/* A file that passed every check, with what describe needs. */
struct checked {
	int fd;
	struct eif_info info;
	struct eif_digests dg;
	struct eif_signature sig; /* if info.signature >= 0 */
	char *md;                 /* metadata JSON (NUL-terminated) or NULL */
};

static void checked_close(struct checked *c)
{
	close(c->fd);
	free(c->md);
	eif_signature_free(&c->sig);
}

static int read_section(int fd, const struct eif_section *s, char **out);

/*
 * Opens and fully validates an EIF: structure, CRC, signature encoding,
 * metadata JSON.  0, or the exit code after printing the one-line error.
 */
static int open_checked(const char *path, struct checked *c)
{
	struct eif_diag d = {0};
	struct progress p;
	memset(c, 0, sizeof(*c));
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		err_print(-errno, "open %s", path);
		return EXIT_INPUT;
	}
	int r = eif_read_info(c->fd, &c->info, &d);
	if (r == 0)
		r = eif_measure(c->fd, &c->info, &c->dg, &d, show_progress,
				progress_for(c->info.file_size, &p, "checking"));
	if (r == 0 && c->info.signature >= 0) {
		char *raw;
		const struct eif_section *s = &c->info.s[c->info.signature];
		if ((r = read_section(c->fd, s, &raw)) == 0) {
			r = eif_signature_check((const uint8_t *)raw, s->size, c->dg.pcr0, &c->sig, &d);
			free(raw);
		}
	}
	if (r == 0 && c->info.metadata >= 0 &&
	    (r = read_section(c->fd, &c->info.s[c->info.metadata], &c->md)) == 0) {
		size_t len = c->info.s[c->info.metadata].size, lead = strspn(c->md, " \t\r\n");
		if (jsonr_check(c->md, len) < 0 || c->md[lead] != '{') {
			d.problem = EIF_E_METADATA;
			snprintf(d.msg, sizeof(d.msg), "metadata section is not a JSON object");
			r = -EBADMSG;
		}
	}
	if (r < 0) {
		checked_close(c);
		return eif_fail(path, &d, r, "read");
	}
	return 0;
}

/* ------------------------------------------------------------ describe */

static int read_section(int fd, const struct eif_section *s, char **out)
{
	/* Callers only load sections eif_read_info() capped. */
	char *buf = malloc(s->size + 1);
	if (!buf)
		return -ENOMEM;
	int r = pread_full(fd, buf, s->size, s->offset + EIF_SECTION_HEADER_SIZE);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[s->size] = '\0';
	*out = buf;
	return 0;
}

static int cmd_describe(int argc, char **argv)
{
	static const struct option opts[] = {
		{"compact", no_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {0}};
	bool compact = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': compact = true; break;
		case 'h': fputs(usage_describe, stdout); return 0;
		default: fputs(usage_describe, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		err_msg("describe: expected exactly one FILE");
		fputs(usage_describe, stderr);
		return EXIT_USAGE;
	}
	struct checked c;
	int code = open_checked(argv[optind], &c);
	if (code)
		return code;
	const struct eif_info *info = &c.info;
	struct jsonw w;
	jsonw_init(&w, stdout, !compact);
	jsonw_object_open(&w, NULL);
	jsonw_uint(&w, "EifVersion", info->h.version);
	print_measurements(&w, &c.dg, info->signature >= 0 ? c.sig.pcr8 : NULL);
	jsonw_bool(&w, "IsSigned", info->signature >= 0);
	if (info->signature >= 0)
		eif_signature_describe(&c.sig, &w);
	jsonw_bool(&w, "CheckCRC", true);
	if (info->signature >= 0)
		jsonw_bool(&w, "SignatureCheck", c.sig.valid);
	if (c.md)
		jsonr_describe_metadata(&w, c.md, info->s[info->metadata].size);
	jsonw_object_close(&w);
	checked_close(&c);
	return finish_stdout(&w);
}

/* ------------------------------------------------------------ pcr */

static int cmd_pcr(int argc, char **argv)
{
	static const struct option opts[] = {
		{"file", required_argument, NULL, 'f'}, {"cert", required_argument, NULL, 'c'},
		{"compact", no_argument, NULL, 'C'},    {"help", no_argument, NULL, 'h'}, {0}};
	const char *file = NULL, *cert = NULL;
	bool compact = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 'c': cert = optarg; break;
		case 'C': compact = true; break;
		case 'h': fputs(usage_pcr, stdout); return 0;
		default: fputs(usage_pcr, stderr); return EXIT_USAGE;
		}
	}
	if (!file == !cert || optind != argc) {
		err_msg("pcr: give exactly one of --file or --cert");
		fputs(usage_pcr, stderr);
		return EXIT_USAGE;
	}
	uint8_t pcr[SHA384_LEN];
	if (file) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			err_print(fd < 0 || errno != 0 ? -errno : -EINVAL, "read %s", file);
			if (fd >= 0)
				close(fd);
			return EXIT_INPUT;
		}
		struct eif_piece pc = {NULL, fd, 0, (uint64_t)st.st_size, EIF_FEED_PCR0};
		struct eif_digests dg;
		struct progress p;
		int r = eif_stream(&pc, 1, -1, &dg, show_progress,
				   progress_for(pc.len, &p, "hashing"));
		close(fd);
		if (r < 0) {
			err_print(r, "read %s", file);
			return EXIT_INPUT;
		}
		memcpy(pcr, dg.pcr0, sizeof(pcr));
	} else {
		int r = eif_cert_pcr(cert, pcr);
		if (r < 0) {
			err_print(r, "read certificate %s", cert);
			return EXIT_INPUT;
		}
	}
	struct jsonw w;
	jsonw_init(&w, stdout, !compact);
	jsonw_object_open(&w, NULL);
	jsonw_hex(&w, file ? "PCR" : "PCR8", pcr, sizeof(pcr));
	jsonw_object_close(&w);
	return finish_stdout(&w);
}

/* ------------------------------------------------------------ extract */

/*
 * Copies the kernel, cmdline and ramdisk sections of the checked EIF fd, in
 * file order, to out[0], out[1], out[2] (-1: not wanted), hashing them in
 * the order PCR0 does: the copies hold the validated bytes only if this
 * pass gives the PCR0 open_checked() measured.  0; -ESTALE if it does not
 * (the file changed), *bad = -1; -errno, *bad = -1 for a read, else the
 * index of the output that failed.
 */
static int extract_pass(int fd, const struct eif_info *info, const uint8_t pcr0[SHA384_LEN],
			const int out[3], int *bad)
{
	static uint8_t buf[1 << 16];
	sha384_context h;
	sha384_init(&h);
	*bad = -1;
	for (unsigned i = 0; i < info->n; i++) {
		const struct eif_section *s = &info->s[i];
		int o = s->type == EIF_SECTION_KERNEL    ? 0
			: s->type == EIF_SECTION_CMDLINE ? 1
			: s->type == EIF_SECTION_RAMDISK ? 2
							 : -1;
		uint64_t off = s->offset + EIF_SECTION_HEADER_SIZE, left = o < 0 ? 0 : s->size;
		while (left > 0) {
			size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
			int r = pread_full(fd, buf, n, off);
			if (r < 0)
				return r;
			sha384_update(&h, buf, n);
			if (out[o] >= 0 && (r = write_all(out[o], buf, n)) < 0) {
				*bad = o;
				return r;
			}
			off += n;
			left -= n;
		}
	}
	uint8_t d[SHA384_LEN], pcr[SHA384_LEN];
	sha384_out(&h, d);
	eif_pcr_extend(d, pcr);
	return memcmp(pcr, pcr0, SHA384_LEN) ? -ESTALE : 0;
}

static int cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kernel", required_argument, NULL, 'k'}, {"cmdline", required_argument, NULL, 'c'},
		{"initrd", required_argument, NULL, 'i'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *out[3] = {NULL, NULL, NULL};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': out[0] = optarg; break;
		case 'c': out[1] = optarg; break;
		case 'i': out[2] = optarg; break;
		case 'h': fputs(usage_extract, stdout); return 0;
		default: fputs(usage_extract, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || (!out[0] && !out[1] && !out[2])) {
		err_msg("extract: expected one FILE and at least one of --kernel, --cmdline, --initrd");
		fputs(usage_extract, stderr);
		return EXIT_USAGE;
	}
	const char *in = argv[optind];
	struct checked c;
	int code = open_checked(in, &c);
	if (code)
		return code;
	struct atomic_file af[3];
	int fds[3] = {-1, -1, -1}, r = 0, bad = -1;
	for (int i = 0; i < 3 && r == 0; i++)
		if (out[i] && (r = atomic_file_open(&af[i], out[i], i == 0 ? 0755 : 0644)) == 0)
			fds[i] = af[i].fd;
		else if (r < 0)
			bad = i;
	if (r == 0)
		r = extract_pass(c.fd, &c.info, c.dg.pcr0, fds, &bad);
	/* Nothing is committed before every byte was checked. */
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		if (r < 0)
			atomic_file_abort(&af[i]);
		else if ((r = atomic_file_commit(&af[i])) < 0)
			bad = i;
	}
	if (r == -ESTALE && bad < 0) {
		err_msg("cannot extract %s: it changed while being extracted", in);
		code = EXIT_INPUT;
	} else if (r < 0 && bad < 0) {
		err_print(r, "read %s", in);
		code = EXIT_INPUT;
	} else if (r < 0) {
		err_print(r, "write %s", out[bad]);
		code = EXIT_OUTPUT;
	}
	checked_close(&c);
	return code;
}

/* ------------------------------------------------------------ sign */

static int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{"cert", required_argument, NULL, 'c'}, {"key", required_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *cert = NULL, *key = NULL, *out = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'o': out = optarg; break;
		case 'h': fputs(usage_sign, stdout); return 0;
		default: fputs(usage_sign, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || !cert || !key || !out) {
		err_msg("sign: expected IN.eif, --cert, --key and -o");
		fputs(usage_sign, stderr);
		return EXIT_USAGE;
	}
	const char *in = argv[optind];
	struct checked c;
	int code = open_checked(in, &c);
	if (code)
		return code;
	if (c.info.signature < 0 && c.info.n == EIF_MAX_SECTIONS) {
		err_msg("cannot sign %s: it has %u sections, no slot for a signature", in,
			EIF_MAX_SECTIONS);
		checked_close(&c);
		return EXIT_INPUT;
	}
	char *cert_pem = NULL, *key_pem = NULL;
	size_t cert_len, key_len;
	int r = read_small(cert, EIF_SIGNATURE_MAX, &cert_pem, &cert_len);
	if (r < 0) {
		err_print(r, "read certificate %s", cert);
		code = EXIT_INPUT;
	} else if ((r = read_small(key, 1 << 16, &key_pem, &key_len)) < 0) {
		err_print(r, "read key %s", key);
		code = EXIT_INPUT;
	}
	uint8_t *section = NULL, pcr8[SHA384_LEN];
	size_t section_len = 0;
	const char *why = NULL;
	if (!code && (r = eif_signature_make((const uint8_t *)cert_pem, cert_len, key_pem, key_len,
					     c.dg.pcr0, &section, &section_len, &why)) < 0) {
		err_msg("cannot sign %s: %s", in, why ? why : strerror(-r));
		code = r == -ENOMEM ? EXIT_FAIL : EXIT_SIGN;
	}
	/* PCR8 from the bytes signed with, not from a second read of the file. */
	if (!code && (r = eif_cert_pcr_of_pem((const uint8_t *)cert_pem, cert_len, pcr8)) < 0) {
		err_print(r, "sign %s: PCR8 of %s", in, cert);
		code = EXIT_FAIL;
	}
	struct eif_digests signed_dg;
	if (!code) {
		struct atomic_file af;
		if ((r = atomic_file_open(&af, out, 0644)) < 0) {
			err_print(r, "create %s", out);
			code = EXIT_OUTPUT;
		} else if ((r = eif_write_signed(c.fd, &c.info, section, section_len, af.fd,
						 &signed_dg)) < 0) {
			atomic_file_abort(&af);
			err_print(r, "write %s", out);
			code = EXIT_OUTPUT;
		} else if (memcmp(signed_dg.pcr0, c.dg.pcr0, SHA384_LEN) != 0) {
			/* The copy is read anew: what was signed must be what it holds. */
			atomic_file_abort(&af);
			err_msg("cannot sign %s: it changed while being signed", in);
			code = EXIT_INPUT;
		} else if ((r = atomic_file_commit(&af)) < 0) {
			err_print(r, "write %s", out);
			code = EXIT_OUTPUT;
		}
	}
	checked_close(&c);
	if (!code)
		code = print_measurements_doc(&signed_dg, pcr8);
	free(cert_pem);
	free(key_pem);
	free(section);
	return code;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {{"build", cmd_build},
		    {"describe", cmd_describe},
		    {"pcr", cmd_pcr},
		    {"sign", cmd_sign},
		    {"extract", cmd_extract}};
	err_set_prog(argv[0]);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("eiftool %s\n", CARVE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	err_msg("unknown command '%s' (try eiftool --help)", argv[1]);
	return EXIT_USAGE;
}
