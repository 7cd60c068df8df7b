/*
 * nsm-soft — serve the software NSM (nsm_soft.h) on a Unix socket, so that
 * libnsm programs (the `nsm` tool, enclave apps built for the host) run
 * against it with NSM_DEVICE=<socket>.  Clients are served one at a time.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "errors.h"
#include "hex.h"
#include "nsm_soft.h"

static const char usage[] =
	"usage: nsm-soft --socket PATH [--module-id ID] [--time MS] [--pcr N=HEX]...\n"
	"                [--key KEY.der --cert LEAF.der --cabundle CA.der...]\n"
	"\n"
	"Serve a software Nitro Secure Module on the Unix SOCK_SEQPACKET socket PATH\n"
	"(created atomically: it appears once the server accepts connections).\n"
	"Point libnsm at it with NSM_DEVICE=PATH.\n"
	"\n"
	"  --socket PATH     where to listen (an existing socket there is replaced)\n"
	"  --module-id ID    module_id reported (default i-0000000000000000-enc0000000000000000)\n"
	"  --time MS         fixed document timestamp, Unix milliseconds (default: the clock)\n"
	"  --pcr N=HEX       boot value of locked PCR N (0-15), 48 bytes of hex\n"
	"  --key FILE        P-384 private key, DER (SEC1 or PKCS#8): sign documents ES384\n"
	"  --cert FILE       leaf certificate, DER (with --key)\n"
	"  --cabundle FILE   CA certificate, DER, root first; repeat for each\n"
	"Without --key, documents are unsigned as QEMU's virtual NSM makes them.\n";

#define MAX_FILE (64 * 1024)

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(MAX_FILE + 1); /* +1 to see a file that is too large */
	if (!f || !buf) {
		err_print(-errno, "read %s", path);
		exit(2);
	}
	*len = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f) || *len > MAX_FILE) {
		err_msg("cannot read %s: unreadable or larger than %d bytes", path, MAX_FILE);
		exit(2);
	}
	fclose(f);
	return buf;
}

/* Decimal digits from s up to the first `stop` (or NUL), nothing else:
 * strtoull alone takes "" or "=..." for 0 and skips signs and spaces. */
static bool parse_decimal(const char *s, char stop, unsigned long long *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == stop;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, 0, 's' }, { "module-id", required_argument, 0, 'm' },
		{ "time", required_argument, 0, 't' },   { "pcr", required_argument, 0, 'p' },
		{ "key", required_argument, 0, 'k' },    { "cert", required_argument, 0, 'c' },
		{ "cabundle", required_argument, 0, 'b' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	static struct nsm_soft s;
	uint8_t boot[16][NSM_SOFT_PCR_LEN] = { { 0 } };
	const char *sock = NULL, *module_id = "i-0000000000000000-enc0000000000000000", *key = NULL;
	uint64_t time_ms = 0;
	const uint8_t *cert = NULL;
	size_t cert_len = 0, n_ca = 0, ca_len[NSM_SOFT_MAX_CABUNDLE];
	const uint8_t *ca[NSM_SOFT_MAX_CABUNDLE];
	int c;

	err_set_prog(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'm': module_id = optarg; break;
		case 't': {
			unsigned long long ms;
			/* 0 would mean "use the clock", the opposite of --time. */
			if (!parse_decimal(optarg, 0, &ms) || ms == 0) {
				err_msg("bad --time %s: expected Unix milliseconds, at least 1", optarg);
				return 2;
			}
			time_ms = ms;
			break;
		}
		case 'k': key = optarg; break;
		case 'c': cert = slurp(optarg, &cert_len); break;
		case 'b':
			if (n_ca == NSM_SOFT_MAX_CABUNDLE) {
				err_msg("cannot add %s: at most %d --cabundle", optarg, NSM_SOFT_MAX_CABUNDLE);
				return 2;
			}
			ca[n_ca] = slurp(optarg, &ca_len[n_ca]);
			n_ca++;
			break;
		case 'p': {
			unsigned long long i;
			if (!parse_decimal(optarg, '=', &i) || i > 15 ||
			    hex_decode(boot[i], NSM_SOFT_PCR_LEN, strchr(optarg, '=') + 1) != NSM_SOFT_PCR_LEN) {
				err_msg("bad --pcr %s: expected N=HEX with N in 0..15 and 48 bytes of hex", optarg);
				return 2;
			}
			break;
		}
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!sock || optind != argc || (key && (!cert || n_ca == 0))) {
		fputs(usage, stderr);
		return 2;
	}
	nsm_soft_init(&s, module_id, boot);
	s.fixed_time_ms = time_ms;
	if (key) {
		size_t len;
		uint8_t *der = slurp(key, &len);
		if (nsm_soft_set_key(&s, der, len) < 0) {
			err_msg("cannot use key %s: not a DER P-384 private key", key);
			return 2;
		}
		s.cert = cert;
		s.cert_len = cert_len;
		for (size_t i = 0; i < n_ca; i++) {
			s.cabundle[i] = ca[i];
			s.cabundle_len[i] = ca_len[i];
		}
		s.n_cabundle = n_ca;
	}

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock) + 5 > sizeof(sa.sun_path)) {
		err_msg("cannot listen on %s: path too long", sock);
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.tmp", sock);
	unlink(sa.sun_path);
	int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0 ||
	    rename(sa.sun_path, sock) < 0) {
		err_print(-errno, "listen on %s", sock);
		return 1;
	}
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			err_print(-errno, "accept on %s", sock);
			return 1;
		}
		int e = nsm_soft_serve(&s, fd);
		if (e < 0 && e != -ECONNRESET && e != -EPIPE)
			err_print(e, "serve a client on %s", sock);
		close(fd);
	}
}
