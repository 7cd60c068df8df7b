/*
 * nsm — talk to the Nitro Secure Module and verify attestation documents.
 * Static musl build for enclaves (build/enclave/nsm), host build for
 * verification and for the software NSM (build/bin/nsm).
 *
 * Exit status: 0 success (verify: the document is valid); 1 failure: the
 * command line is right but the work failed (an NSM error, a file that
 * cannot be read or holds no usable certificate, standard output that
 * cannot be written; verify: the document is not valid); 2 usage error: the command line is wrong (unknown command or
 * option, a missing or malformed argument, a value out of range).
 */
#include <bearssl_pem.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "errors.h"
#include "hex.h"
#include "jsonw.h"
#include "nsm.h"
#include "nsm_attest.h"
#include "nsm_proto.h"
#include "x509.h"

#define MAX_INPUT (64 * 1024)
/* AWS's SDK sizes document buffers at 16 KiB; the reply itself is < 12 KiB. */
#define DOC_MAX (16 * 1024)

static const char usage_main[] =
	"usage: nsm COMMAND [ARGS]\n"
	"\n"
	"Talk to the Nitro Secure Module (/dev/nsm, or the socket named by NSM_DEVICE)\n"
	"and verify attestation documents.\n"
	"\n"
	"commands:\n"
	"  random [N]                         N random bytes (default 32) as hex\n"
	"  describe [--json]                  the NSM's version, module id, PCR state\n"
	"  pcr read N [--json]                PCR N's value and lock state\n"
	"  pcr extend N HEX|@FILE             PCR N = SHA384(PCR N || data); prints the new value\n"
	"  pcr lock N                         lock PCR N\n"
	"  pcr lock-range N                   lock PCRs 0..N-1\n"
	"  attest [--nonce HEX] [--user-data HEX|@FILE] [--public-key @FILE] [-o FILE]\n"
	"                                     write a signed attestation document (CBOR)\n"
	"  verify DOC [--root PEM] [--at TIME|document] [--pcr N=HEX]... [--nonce HEX]\n"
	"         [--user-data HEX|@FILE] [--public-key @FILE]\n"
	"                                     verify a document, print a JSON summary\n"
	"\n"
	"`nsm COMMAND --help` describes each command.\n"
	"\n"
	"Exit status: 0 success (verify: the document is valid); 1 failure: an NSM\n"
	"error, a file that cannot be read or holds no usable certificate, standard\n"
	"output that cannot be written, or (verify) a document that is not valid;\n"
	"2 usage error: an unknown command or option, a missing or malformed\n"
	"argument, a value out of range.\n";

static const char usage_verify[] =
	"usage: nsm verify DOC [--root PEM] [--at TIME|document] [--pcr N=HEX]...\n"
	"                      [--nonce HEX] [--user-data HEX|@FILE] [--public-key @FILE]\n"
	"\n"
	"Verify the attestation document in file DOC (\"-\" = stdin): COSE_Sign1\n"
	"structure and payload fields, the certificate chain from cabundle[0] to the\n"
	"leaf, each certificate's validity, the ES384 signature; then the expected\n"
	"values given.  Prints a JSON summary (module_id, timestamp, PCRs, verdict,\n"
	"reason) and exits 0 only when the document is valid; 1 when it is not, or\n"
	"when DOC or a file named by an option cannot be read or --root holds no\n"
	"usable certificate; 2 on a usage error.\n"
	"\n"
	"  --root PEM        trust this root certificate (PEM or DER file) instead of\n"
	"                    AWS_NitroEnclaves_Root-G1 (pinned by SHA-256\n"
	"                    " ATTDOC_AWS_ROOT_SHA256 ")\n"
	"  --at TIME         check validity at TIME: RFC 3339 (2026-01-31T12:00:00Z)\n"
	"                    or Unix seconds; `document` = the document's own\n"
	"                    timestamp (archives, tests).  Default: now, so a\n"
	"                    replayed old document fails.\n"
	"  --pcr N=HEX       PCR N must have this value (repeatable)\n"
	"  --nonce HEX       the nonce must be exactly this\n"
	"  --user-data V     user_data must be V (hex, or @FILE for a file's bytes)\n"
	"  --public-key @F   public_key must be the bytes of file F\n"
	"A document from QEMU's virtual NSM is reported as \"unsigned\", never valid.\n";

static const char usage_attest[] =
	"usage: nsm attest [--nonce HEX] [--user-data HEX|@FILE] [--public-key @FILE] [-o FILE]\n"
	"\n"
	"Ask the NSM for an attestation document and write its CBOR bytes to FILE\n"
	"(atomically) or to standard output (refused when it is a terminal).\n"
	"Each of nonce, user_data and public_key is absent (null) unless given, and\n"
	"at most 1024 bytes (the limit of AWS's document format; nsm verify rejects more).\n";

static const char usage_pcr[] =
	"usage: nsm pcr read N [--json]\n"
	"       nsm pcr extend N HEX|@FILE\n"
	"       nsm pcr lock N\n"
	"       nsm pcr lock-range N\n"
	"\n"
	"read: print PCR N's value (hex) and whether it is locked.\n"
	"extend: PCR N = SHA384(PCR N || data); print the new value.\n"
	"lock: lock PCR N (an error if it is locked already).\n"
	"lock-range: lock PCRs 0..N-1.\n";

static const char usage_random[] =
	"usage: nsm random [N]\n"
	"\n"
	"Print N (default 32, at most 65536) random bytes from the NSM as hex.\n";

static const char usage_describe[] =
	"usage: nsm describe [--json]\n"
	"\n"
	"Print the NSM's version, module id, PCR count, locked PCRs and digest.\n";

static int usage_error(const char *text)
{
	fputs(text, stderr);
	return 2;
}

static bool want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

/* Reads a whole file (or stdin for "-") into a malloc'ed buffer. */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return -errno;
	uint8_t *buf = malloc(MAX_INPUT + 2); /* +1 to detect overflow, +1 for load_root */
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, MAX_INPUT + 1, f);
	int e = ferror(f) ? -EIO : n > MAX_INPUT ? -EFBIG : 0;
	if (f != stdin)
		fclose(f);
	if (e < 0) {
		free(buf);
		return e;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* HEX, or @FILE when file_ok, into a malloc'ed buffer.  0, or after
 * printing the exit status: 1 when the file cannot be read, 2 when the
 * argument is not hex. */
static int value_arg(const char *opt, const char *arg, bool file_ok, uint8_t **out, size_t *len)
{
	if (file_ok && arg[0] == '@') {
		int e = read_file(arg + 1, out, len);
		if (e < 0)
			return err_print(e, "read %s file %s", opt, arg + 1), 1;
		return 0;
	}
	size_t cap = strlen(arg) / 2 + 1;
	*out = malloc(cap);
	ssize_t n = *out ? hex_decode(*out, cap, arg) : -ENOMEM;
	if (n < 0) {
		err_msg("bad %s '%s': expected hex digits%s", opt, arg, file_ok ? " or @FILE" : "");
		return 2;
	}
	*len = (size_t)n;
	return 0;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max || s[0] == '-')
		return false;
	*out = v;
	return true;
}

/* The path nsm_lib_init opens (for messages). */
static const char *nsm_device(void)
{
	const char *dev = getenv("NSM_DEVICE");
	return dev && *dev ? dev : "/dev/nsm";
}

static int open_nsm(void)
{
	int fd = nsm_lib_init();
	if (fd < 0)
		err_print(-errno, "open the NSM %s", nsm_device());
	return fd;
}

/* Reports a libnsm call that returned rc; err is errno after the call,
 * which was made with errno = 0: non-zero when the NSM never answered
 * (nsm.h).  Returns the exit status. */
/* The end of every command that prints: output that never arrived (a full
 * disk, a closed pipe) is a failure, whatever the command found. */
static int stdout_done(int status)
{
	int e = fflush(stdout) == 0 ? 0 : -errno;
	if (e == 0 && ferror(stdout)) /* an earlier write failed; errno still says why */
		e = errno ? -errno : -EIO;
	if (e == 0)
		return status;
	err_print(e, "write standard output");
	return 1;
}

static int nsm_failed(const char *what, ErrorCode rc, int err)
{
	if (err == EMSGSIZE)
		err_msg("cannot %s: request too large for the NSM (4096 bytes of CBOR at most)", what);
	else if (err == EBADMSG)
		err_msg("cannot %s: the NSM's reply is malformed", what);
	else if (err)
		err_print(-err, "%s: %s", what, nsm_device());
	else
		err_msg("cannot %s: the NSM answered %s", what, nsm_error_name(rc) ? nsm_error_name(rc) : "?");
	return 1;
}

/* ----------------------------------------------------------------- random */

static int cmd_random(int argc, char **argv)
{
	unsigned long want = 32;
	char hex[2 * 256 + 1];

	if (want_help(argc, argv)) {
		fputs(usage_random, stdout);
		return 0;
	}
	if (argc > 2 || (argc == 2 && !parse_uint(argv[1], 65536, &want)) || want == 0)
		return usage_error(usage_random);
	int fd = open_nsm();
	if (fd < 0)
		return 1;
	while (want > 0) {
		uint8_t buf[256];
		uintptr_t n = want < sizeof(buf) ? want : sizeof(buf);
		errno = 0;
		ErrorCode rc = nsm_get_random(fd, buf, &n);
		int err = errno;
		if (rc == ERROR_CODE_SUCCESS && n == 0) { /* would loop forever */
			rc = ERROR_CODE_INVALID_RESPONSE;
			err = EBADMSG;
		}
		if (rc != ERROR_CODE_SUCCESS) {
			nsm_lib_exit(fd);
			return nsm_failed("get random bytes", rc, err);
		}
		fputs(hex_encode(hex, buf, n), stdout);
		want -= n;
	}
	putchar('\n');
	nsm_lib_exit(fd);
	return stdout_done(0);
}

/* --------------------------------------------------------------- describe */

/* Prints s with every byte but printable ASCII, and the backslash, as \xHH:
 * text from the device must not reach a terminal as control sequences. */
static void print_escaped(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			putchar(s[i]);
		else
			printf("\\x%02x", s[i]);
}

static int cmd_describe(int argc, char **argv)
{
	static const char *const digests[] = { "SHA256", "SHA384", "SHA512" };
	NsmDescription d;
	bool json = argc == 2 && !strcmp(argv[1], "--json");

	if (want_help(argc, argv)) {
		fputs(usage_describe, stdout);
		return 0;
	}
	if (argc > 2 || (argc == 2 && !json))
		return usage_error(usage_describe);
	int fd = open_nsm();
	if (fd < 0)
		return 1;
	errno = 0;
	ErrorCode rc = nsm_get_description(fd, &d);
	int err = errno;
	nsm_lib_exit(fd);
	if (rc != ERROR_CODE_SUCCESS)
		return nsm_failed("describe the NSM", rc, err);
	const char *digest = (unsigned)d.digest < 3 ? digests[d.digest] : "?";
	if (json) {
		struct jsonw w;
		jsonw_init(&w, stdout, true);
		jsonw_object_open(&w, NULL);
		jsonw_uint(&w, "version_major", d.version_major);
		jsonw_uint(&w, "version_minor", d.version_minor);
		jsonw_uint(&w, "version_patch", d.version_patch);
		jsonw_string_len(&w, "module_id", (const char *)d.module_id, d.module_id_len);
		jsonw_uint(&w, "max_pcrs", d.max_pcrs);
		jsonw_array_open(&w, "locked_pcrs");
		for (uint32_t i = 0; i < d.locked_pcrs_len; i++)
			jsonw_uint(&w, NULL, d.locked_pcrs[i]);
		jsonw_array_close(&w);
		jsonw_string(&w, "digest", digest);
		jsonw_object_close(&w);
		jsonw_finish(&w);
	} else {
		printf("version: %u.%u.%u\nmodule_id: ", d.version_major, d.version_minor, d.version_patch);
		print_escaped(d.module_id, d.module_id_len);
		printf("\nmax_pcrs: %u\nlocked_pcrs:", d.max_pcrs);
		for (uint32_t i = 0; i < d.locked_pcrs_len; i++)
			printf(" %u", d.locked_pcrs[i]);
		printf("\ndigest: %s\n", digest);
	}
	return stdout_done(0);
}

/* -------------------------------------------------------------------- pcr */

static int cmd_pcr(int argc, char **argv)
{
	unsigned long index;
	uint8_t value[64];
	uint32_t len = sizeof(value);
	char hex[2 * sizeof(value) + 1];
	ErrorCode rc;
	bool lock = false;

	if (want_help(argc, argv)) {
		fputs(usage_pcr, stdout);
		return 0;
	}
	if (argc < 3 || !parse_uint(argv[2], UINT16_MAX, &index))
		return usage_error(usage_pcr);
	const char *sub = argv[1];
	bool json = argc == 4 && !strcmp(argv[3], "--json");
	if (!strcmp(sub, "read") ? (argc != 3 && !json) : !strcmp(sub, "extend") ? argc != 4 : argc != 3)
		return usage_error(usage_pcr);
	if (strcmp(sub, "read") && strcmp(sub, "extend") && strcmp(sub, "lock") && strcmp(sub, "lock-range"))
		return usage_error(usage_pcr);
	uint8_t *data = NULL;
	size_t data_len = 0;
	int st = !strcmp(sub, "extend") ? value_arg("extend data", argv[3], true, &data, &data_len) : 0;
	if (st)
		return st;
	int fd = open_nsm();
	if (fd < 0)
		return 1;
	errno = 0;
	if (!strcmp(sub, "read"))
		rc = nsm_describe_pcr(fd, (uint16_t)index, &lock, value, &len);
	else if (!strcmp(sub, "extend"))
		rc = nsm_extend_pcr(fd, (uint16_t)index, data, (uint32_t)data_len, value, &len);
	else if (!strcmp(sub, "lock"))
		rc = nsm_lock_pcr(fd, (uint16_t)index);
	else
		rc = nsm_lock_pcrs(fd, (uint16_t)index);
	int err = errno;
	nsm_lib_exit(fd);
	free(data);
	if (rc != ERROR_CODE_SUCCESS) {
		char what[64];
		snprintf(what, sizeof(what), "%s PCR %lu", sub, index);
		return nsm_failed(what, rc, err);
	}
	if (!strcmp(sub, "read") && json) {
		struct jsonw w;
		jsonw_init(&w, stdout, true);
		jsonw_object_open(&w, NULL);
		jsonw_uint(&w, "index", index);
		jsonw_bool(&w, "locked", lock);
		jsonw_hex(&w, "value", value, len);
		jsonw_object_close(&w);
		jsonw_finish(&w);
	} else if (!strcmp(sub, "read")) {
		printf("%s%s\n", hex_encode(hex, value, len), lock ? " locked" : "");
	} else if (!strcmp(sub, "extend")) {
		printf("%s\n", hex_encode(hex, value, len));
	}
	return stdout_done(0);
}

/* --nonce HEX, --user-data HEX|@FILE, --public-key @FILE: the values attest
 * sends and verify expects. */
struct bindings {
	uint8_t *nonce, *user, *key;
	size_t nonce_len, user_len, key_len;
};

/* Option c ('n', 'u' or 'k') with its argument; 0, or the exit status after
 * printing (value_arg's). */
static int binding_arg(int c, const char *arg, struct bindings *b)
{
	if (c == 'k' && arg[0] != '@') {
		err_msg("bad --public-key '%s': expected @FILE", arg);
		return 2;
	}
	if (c == 'n')
		return value_arg("--nonce", arg, false, &b->nonce, &b->nonce_len);
	if (c == 'u')
		return value_arg("--user-data", arg, true, &b->user, &b->user_len);
	return value_arg("--public-key", arg, true, &b->key, &b->key_len);
}

static void bindings_free(struct bindings *b)
{
	free(b->nonce);
	free(b->user);
	free(b->key);
}

/* ----------------------------------------------------------------- attest */

static int cmd_attest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nonce", required_argument, 0, 'n' }, { "user-data", required_argument, 0, 'u' },
		{ "public-key", required_argument, 0, 'k' }, { "output", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct bindings b = { 0 };
	const char *out = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
		case 'u':
		case 'k': {
			int st = binding_arg(c, optarg, &b);
			if (st)
				return st;
			break;
		}
		case 'o': out = optarg; break;
		case 'h': fputs(usage_attest, stdout); return 0;
		default: return usage_error(usage_attest);
		}
	}
	if (optind != argc)
		return usage_error(usage_attest);
	if (!out && isatty(STDOUT_FILENO)) {
		err_msg("cannot write the document: standard output is a terminal (redirect it or use -o FILE)");
		return 2;
	}
	/* The verifier takes at most ATTDOC_FIELD_MAX bytes in each: a
	 * document with more would never verify. */
	const struct {
		const char *opt;
		size_t len;
	} sizes[] = { { "--nonce", b.nonce_len }, { "--user-data", b.user_len }, { "--public-key", b.key_len } };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i].len > ATTDOC_FIELD_MAX) {
			err_msg("bad %s: %zu bytes, at most %d", sizes[i].opt, sizes[i].len, ATTDOC_FIELD_MAX);
			return 2;
		}
	uint8_t *doc = malloc(DOC_MAX);
	if (!doc)
		return err_print(-ENOMEM, "get an attestation document"), 1;
	int fd = open_nsm();
	if (fd < 0)
		return 1;
	uint32_t doc_len = DOC_MAX;
	errno = 0;
	ErrorCode rc = nsm_get_attestation_doc(fd, b.user, (uint32_t)b.user_len, b.nonce, (uint32_t)b.nonce_len, b.key,
					       (uint32_t)b.key_len, doc, &doc_len);
	int err = errno;
	nsm_lib_exit(fd);
	if (rc != ERROR_CODE_SUCCESS)
		return nsm_failed("get an attestation document", rc, err);
	int e = out ? atomic_write_file(out, doc, doc_len, 0644) : write_all(STDOUT_FILENO, doc, doc_len);
	if (e < 0)
		return err_print(e, "write the document to %s", out ? out : "standard output"), 1;
	free(doc);
	bindings_free(&b);
	return 0;
}

/* ----------------------------------------------------------------- verify */

struct pem_sink {
	uint8_t *buf;
	size_t len;
};

static void pem_append(void *ctx, const void *data, size_t len)
{
	struct pem_sink *s = ctx;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
}

/* The DER bytes of a PEM file's first certificate, or a DER file's bytes. */
static int read_root(const char *path, uint8_t **der, size_t *der_len)
{
	uint8_t *buf;
	size_t len;
	int e = read_file(path, &buf, &len);
	if (e < 0)
		return e;
	if (len > 0 && buf[0] == 0x30) {
		*der = buf;
		*der_len = len;
		return 0;
	}
	/* Base64 shrinks: the DER is shorter than the PEM text. */
	struct pem_sink sink = { .buf = malloc(len + 1), .len = 0 };
	br_pem_decoder_context pc;
	size_t off = 0;
	bool in_cert = false;
	if (!sink.buf) {
		free(buf);
		return -ENOMEM;
	}
	br_pem_decoder_init(&pc);
	/* BearSSL raises END_OBJ only after a newline: feed one past the end. */
	buf[len++] = '\n';
	while (off < len) {
		off += br_pem_decoder_push(&pc, buf + off, len - off);
		int ev = br_pem_decoder_event(&pc);
		if (ev == BR_PEM_BEGIN_OBJ) {
			in_cert = !strcmp(br_pem_decoder_name(&pc), "CERTIFICATE");
			sink.len = 0;
			br_pem_decoder_setdest(&pc, in_cert ? pem_append : NULL, &sink);
		} else if (ev == BR_PEM_END_OBJ && in_cert && sink.len > 0) {
			free(buf);
			*der = sink.buf;
			*der_len = sink.len;
			return 0;
		} else if (ev == BR_PEM_ERROR) {
			break;
		}
	}
	free(buf);
	free(sink.buf);
	return -EINVAL;
}

/* A PEM file's first certificate, or a DER file as is, into der; it must
 * parse (x509.h), so that a bad file is named here rather than surfacing
 * as a bad_root verdict.  0, -errno from reading, -EINVAL when there is no
 * certificate, or x509_parse's -EBADMSG/-ENOTSUP. */
static int load_root(const char *path, uint8_t **der, size_t *der_len)
{
	struct x509_cert cert;
	int e = read_root(path, der, der_len);
	if (e == 0 && (e = x509_parse(*der, *der_len, &cert)) < 0)
		free(*der);
	return e;
}

/* RFC 3339 (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)) or Unix seconds. */
static bool parse_time_arg(const char *s, int64_t *ms)
{
	unsigned long secs;
	if (parse_uint(s, (unsigned long)INT64_MAX / 1000, &secs)) {
		*ms = (int64_t)secs * 1000;
		return true;
	}
	int y, mo, d, h, mi, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return false;
	const char *p = s + 19;
	int64_t frac_ms = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
		if (digits == 0)
			return false;
		for (; digits < 3; digits++)
			frac_ms *= 10;
	}
	int64_t off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, m = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5 || oh > 23 || om > 59)
			return false;
		off = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
		p += 6;
	} else {
		return false;
	}
	if (*p || !x509_valid_date(y, (unsigned)mo, (unsigned)d) || h > 23 || mi > 59 || sec > 60)
		return false;
	*ms = ((x509_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec) - off) * 1000 +
	      frac_ms;
	return true;
}

struct expect_pcr {
	unsigned index;
	uint8_t value[64];
	size_t len;
};

static void print_summary(const struct attdoc *doc, bool parsed, enum attdoc_status st, const char *reason)
{
	struct jsonw w;

	jsonw_init(&w, stdout, true);
	jsonw_object_open(&w, NULL);
	if (parsed) {
		jsonw_string_len(&w, "module_id", (const char *)doc->module_id.ptr, doc->module_id.len);
		jsonw_uint(&w, "timestamp", doc->timestamp_ms);
		jsonw_string(&w, "digest", "SHA384");
		jsonw_object_open(&w, "pcrs");
		for (unsigned i = 0; i < ATTDOC_MAX_PCRS; i++)
			if (doc->pcr_mask >> i & 1) {
				char key[4];
				snprintf(key, sizeof(key), "%u", i);
				jsonw_hex(&w, key, doc->pcrs[i].ptr, doc->pcrs[i].len);
			}
		jsonw_object_close(&w);
		const struct attdoc_bytes *opt[3] = { &doc->public_key, &doc->user_data, &doc->nonce };
		const char *names[3] = { "public_key", "user_data", "nonce" };
		for (int i = 0; i < 3; i++)
			if (opt[i]->ptr)
				jsonw_hex(&w, names[i], opt[i]->ptr, opt[i]->len);
			else
				jsonw_null(&w, names[i]);
	}
	jsonw_string(&w, "verdict", st == ATTDOC_OK ? "valid" : st == ATTDOC_UNSIGNED ? "unsigned" : "invalid");
	jsonw_string(&w, "status", attdoc_status_id(st));
	if (st == ATTDOC_OK)
		jsonw_null(&w, "reason");
	else
		jsonw_string(&w, "reason", reason);
	jsonw_object_close(&w);
	jsonw_finish(&w);
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, 0, 'r' },  { "at", required_argument, 0, 'a' },
		{ "pcr", required_argument, 0, 'p' },   { "nonce", required_argument, 0, 'n' },
		{ "user-data", required_argument, 0, 'u' }, { "public-key", required_argument, 0, 'k' },
		{ "help", no_argument, 0, 'h' },        { 0, 0, 0, 0 },
	};
	struct attdoc_verify_opts vo = { 0 };
	struct expect_pcr pcrs[ATTDOC_MAX_PCRS];
	size_t n_pcrs = 0;
	struct bindings b = { 0 };
	uint8_t *root = NULL;
	size_t root_len = 0;
	bool at_given = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': {
			free(root);
			int e = load_root(optarg, &root, &root_len);
			if (e == -EINVAL)
				err_msg("cannot use root %s: no PEM CERTIFICATE or DER certificate in it", optarg);
			else if (e == -EBADMSG)
				err_msg("cannot use root %s: the certificate is not well-formed DER", optarg);
			else if (e == -ENOTSUP)
				err_msg("cannot use root %s: the certificate is not ECDSA P-384 with SHA-384", optarg);
			else if (e < 0)
				err_print(e, "read root %s", optarg);
			if (e < 0)
				return 1;
			vo.root_der = root;
			vo.root_der_len = root_len;
			break;
		}
		case 'a':
			at_given = true;
			if (!strcmp(optarg, "document"))
				vo.at_document = true;
			else if (!parse_time_arg(optarg, &vo.at_ms)) {
				err_msg("bad --at '%s': expected RFC 3339 (2026-01-31T12:00:00Z), Unix seconds or 'document'",
					optarg);
				return 2;
			}
			break;
		case 'p': {
			char *eq = strchr(optarg, '=');
			unsigned long i;
			ssize_t n = -1;
			if (n_pcrs == ATTDOC_MAX_PCRS) {
				err_msg("bad --pcr '%s': too many --pcr (at most %d)", optarg, ATTDOC_MAX_PCRS);
				return 2;
			}
			if (eq) {
				*eq = 0;
				if (parse_uint(optarg, ATTDOC_MAX_PCRS - 1, &i)) {
					n = hex_decode(pcrs[n_pcrs].value, sizeof(pcrs[n_pcrs].value), eq + 1);
					pcrs[n_pcrs].index = (unsigned)i;
				}
				*eq = '=';
			}
			if (n <= 0) {
				err_msg("bad --pcr '%s': expected N=HEX with N in 0..31 and up to 64 bytes", optarg);
				return 2;
			}
			pcrs[n_pcrs++].len = (size_t)n;
			break;
		}
		case 'n':
		case 'u':
		case 'k': {
			int st = binding_arg(c, optarg, &b);
			if (st)
				return st;
			break;
		}
		case 'h': fputs(usage_verify, stdout); return 0;
		default: return usage_error(usage_verify);
		}
	}
	if (optind != argc - 1)
		return usage_error(usage_verify);
	const char *path = argv[optind];
	if (!at_given) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		vo.at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}

	uint8_t *buf;
	size_t len;
	int e = read_file(path, &buf, &len);
	if (e < 0) {
		err_print(e, "read document %s", path);
		return 1;
	}
	struct attdoc doc;
	struct attdoc_verify_info info = { .cert_index = -1 };
	char reason[256];
	enum attdoc_status st = attdoc_parse(buf, len, &doc);
	bool parsed = st == ATTDOC_OK;
	if (parsed)
		st = attdoc_verify(&doc, &vo, &info);
	snprintf(reason, sizeof(reason), "%s", attdoc_status_str(st));
	if (st == ATTDOC_BAD_FIELD && doc.bad_field)
		snprintf(reason, sizeof(reason), "%s: %s", doc.bad_field, attdoc_status_str(st));
	if (info.cert_index >= 0) {
		char which[32];
		if ((size_t)info.cert_index == doc.cabundle_len)
			snprintf(which, sizeof(which), "leaf certificate");
		else
			snprintf(which, sizeof(which), "cabundle[%d]", info.cert_index);
		snprintf(reason, sizeof(reason), "%s: %s", which, attdoc_status_str(st));
	}
	for (size_t i = 0; st == ATTDOC_OK && i < n_pcrs; i++)
		if ((st = attdoc_check_pcr(&doc, pcrs[i].index, pcrs[i].value, pcrs[i].len)) != ATTDOC_OK)
			snprintf(reason, sizeof(reason), "PCR%u differs from the expected value", pcrs[i].index);
	if (st == ATTDOC_OK && b.nonce && (st = attdoc_check_nonce(&doc, b.nonce, b.nonce_len)) != ATTDOC_OK)
		snprintf(reason, sizeof(reason), "%s", attdoc_status_str(st));
	if (st == ATTDOC_OK && b.user && (st = attdoc_check_user_data(&doc, b.user, b.user_len)) != ATTDOC_OK)
		snprintf(reason, sizeof(reason), "%s", attdoc_status_str(st));
	if (st == ATTDOC_OK && b.key && (st = attdoc_check_public_key(&doc, b.key, b.key_len)) != ATTDOC_OK)
		snprintf(reason, sizeof(reason), "%s", attdoc_status_str(st));
	print_summary(&doc, parsed, st, reason);
	free(buf);
	bindings_free(&b);
	free(root);
	return stdout_done(st == ATTDOC_OK ? 0 : 1);
}

int main(int argc, char **argv)
{
	err_set_prog(argv[0]);
	if (argc < 2)
		return usage_error(usage_main);
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(cmd, "random"))
		return cmd_random(argc - 1, argv + 1);
	if (!strcmp(cmd, "describe"))
		return cmd_describe(argc - 1, argv + 1);
	if (!strcmp(cmd, "pcr"))
		return cmd_pcr(argc - 1, argv + 1);
	if (!strcmp(cmd, "attest"))
		return cmd_attest(argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(argc - 1, argv + 1);
	err_msg("unknown command '%s' (see nsm --help)", cmd);
	return 2;
}
