/*
 * nsm — talk to the Nitro Secure Module and verify attestation documents.
 * Static musl build for enclaves (build/enclave/nsm), host build for
 * verification and for the software NSM (build/bin/nsm).
 *
 * Exit status: 0 success (verify: the document is valid); 1 failure: the
 * command line is right but the work failed (an NSM error, a file that
 * cannot be read or holds no usable certificate, standard output that
 * cannot be written; verify: the document is not valid); 2 usage error:
 * the command line is wrong (unknown command or option, a missing or
 * malformed argument, a value out of range).  nsm verify is in
 * nsm_cli_verify.c, what the commands share in nsm_cli.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "errors.h"
#include "hex.h"
#include "jsonw.h"
#include "nsm.h"
#include "nsm_attest.h"
#include "nsm_cli.h"
#include "nsm_proto.h"

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
