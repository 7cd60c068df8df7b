/*
 * nsm_cli_verify.c — nsm verify: an attestation document checked against
 * AWS's root (or --root), at a time, and against expected values.
 */
#include <bearssl_pem.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "hex.h"
#include "jsonw.h"
#include "nsm_attest.h"
#include "nsm_cli.h"
#include "x509.h"

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

int cmd_verify(int argc, char **argv)
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
