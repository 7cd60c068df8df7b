/* eiftool build — pack a kernel, its command line and ramdisks into an EIF. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "eif.h"
#include "eiftool.h"
#include "errors.h"
#include "hex.h"
#include "jsonr.h"
#include "jsonw.h"

static const char usage_build[] =
	"Usage: eiftool build --kernel FILE --cmdline STRING|@FILE --ramdisk FILE [--ramdisk FILE]...\n"
	"                     [--name NAME] [--version VERSION] [--metadata FILE.json]\n"
	"                     [--kernel-config FILE] [--arch x86_64|aarch64] -o OUT.eif\n"
	"\n"
	"Write an EIF (version 4; sections kernel, cmdline, metadata, ramdisks, in\n"
	"that order) to OUT.eif atomically, print the Measurements JSON\n"
	"`nitro-cli build-enclave` prints and save it as OUT.pcrs.json (OUT without\n"
	"its .eif suffix).  Every input is read once; PCR1 and the CRC come from the\n"
	"same pass, PCR2 is hashed on a second thread.\n"
	"\n"
	"  --kernel FILE         bzImage (x86_64) or Image (aarch64)\n"
	"  --cmdline STRING      kernel command line, stored without a NUL;\n"
	"  --cmdline @FILE       ... or read from FILE with surrounding whitespace\n"
	"                        trimmed (as nitro-cli trims its cmdline blob)\n"
	"  --ramdisk FILE        a cpio archive; repeat in order (ramdisk 0 is the\n"
	"                        bootstrap ramdisk measured by PCR1; up to 28)\n"
	"  --name NAME           ImageName in the metadata (default: the kernel's file name)\n"
	"  --version VERSION     ImageVersion in the metadata (default 1.0)\n"
	"  --metadata FILE.json  CustomMetadata: a JSON object of at most 4096 bytes\n"
	"  --kernel-config FILE  kernel .config whose third line gives OperatingSystem\n"
	"                        and KernelVersion (default: KERNEL.config if present)\n"
	"  --arch ARCH           x86_64 (default) or aarch64 (sets header flag 1)\n"
	"  -o, --output OUT.eif  output path\n"
	"\n"
	"The metadata is deterministic: BuildTime is $SOURCE_DATE_EPOCH (default 0)\n"
	"in RFC 3339, BuildTool \"carve-eiftool\", no host, user or path.\n";

/* nitro-cli's rule: words 1 and 3 of line 3, split on ' ', '/' and '-'. */
static void kernel_info(const char *config, char *os, size_t oscap, char *ver, size_t vercap)
{
	char *text;
	size_t len;
	snprintf(os, oscap, "Unknown");
	snprintf(ver, vercap, "Unknown");
	if (!config || read_small(config, 1 << 20, &text, &len) < 0)
		return;
	char *line = text;
	for (int i = 0; i < 2 && line; i++)
		line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
	if (line) {
		line[strcspn(line, "\n")] = '\0';
		char *word = line, *words[4] = {0};
		for (int i = 0; i < 4 && word; i++) {
			words[i] = word;
			size_t k = strcspn(word, " /-");
			word = word[k] ? word + k + 1 : NULL;
			words[i][k] = '\0';
		}
		if (words[1])
			snprintf(os, oscap, "%s", words[1]);
		if (words[3])
			snprintf(ver, vercap, "%s", words[3]);
	}
	free(text);
}

static int build_metadata(char **out, size_t *len, const char *name, const char *version,
			  const char *config, const char *custom, size_t custom_len)
{
	char os[128], kver[128], when[64];
	kernel_info(config, os, sizeof(os), kver, sizeof(kver));
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end = NULL;
	errno = 0;
	long long secs = sde && *sde ? strtoll(sde, &end, 10) : 0;
	/* Four-digit years only: RFC 3339 as nitro-cli prints it. */
	if (sde && *sde && (errno || *end || secs < 0 || secs > 253402300799LL))
		return -ERANGE;
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	FILE *f = open_memstream(out, len);
	if (!f)
		return -errno;
	struct jsonw w;
	jsonw_init(&w, f, false);
	jsonw_object_open(&w, NULL);
	jsonw_string(&w, "ImageName", name);
	jsonw_string(&w, "ImageVersion", version);
	jsonw_object_open(&w, "BuildMetadata");
	jsonw_string(&w, "BuildTime", when);
	jsonw_string(&w, "BuildTool", "carve-eiftool");
	jsonw_string(&w, "BuildToolVersion", CARVE_VERSION);
	jsonw_string(&w, "OperatingSystem", os);
	jsonw_string(&w, "KernelVersion", kver);
	jsonw_object_close(&w);
	jsonw_null(&w, "DockerInfo");
	int r = custom ? jsonr_emit(&w, "CustomMetadata", custom, custom_len) : 0;
	if (!custom)
		jsonw_null(&w, "CustomMetadata");
	jsonw_object_close(&w);
	fclose(f);
	return r;
}

static bool trim_char(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{"kernel", required_argument, NULL, 'k'},  {"cmdline", required_argument, NULL, 'c'},
		{"ramdisk", required_argument, NULL, 'r'}, {"name", required_argument, NULL, 'n'},
		{"version", required_argument, NULL, 'v'}, {"metadata", required_argument, NULL, 'm'},
		{"kernel-config", required_argument, NULL, 'K'},
		{"arch", required_argument, NULL, 'a'},    {"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},          {0},
	};
	const char *kernel = NULL, *cmdline = NULL, *name = NULL, *version = "1.0", *meta = NULL,
		   *config = NULL, *out = NULL;
	const char **ramdisks = calloc((size_t)argc, sizeof(*ramdisks));
	unsigned nr = 0;
	bool aarch64 = false;
	int c;
	if (!ramdisks)
		return EXIT_FAIL;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': kernel = optarg; break;
		case 'c': cmdline = optarg; break;
		case 'r': ramdisks[nr++] = optarg; break;
		case 'n': name = optarg; break;
		case 'v': version = optarg; break;
		case 'm': meta = optarg; break;
		case 'K': config = optarg; break;
		case 'o': out = optarg; break;
		case 'a':
			if (strcmp(optarg, "x86_64") && strcmp(optarg, "aarch64")) {
				err_msg("build: --arch %s: expected x86_64 or aarch64", optarg);
				return EXIT_USAGE;
			}
			aarch64 = !strcmp(optarg, "aarch64");
			break;
		case 'h': fputs(usage_build, stdout); return 0;
		default: fputs(usage_build, stderr); return EXIT_USAGE;
		}
	}
	const char *missing = !kernel ? "--kernel" : !cmdline ? "--cmdline" : !nr ? "--ramdisk"
			      : !out ? "-o" : NULL;
	if (missing || optind != argc || nr > EIF_MAX_SECTIONS - 4) {
		if (missing)
			err_msg("build: missing %s", missing);
		else if (optind != argc)
			err_msg("build: unexpected argument '%s'", argv[optind]);
		else
			err_msg("build: %u ramdisks (at most %u)", nr, EIF_MAX_SECTIONS - 4);
		fputs(usage_build, stderr);
		return EXIT_USAGE;
	}

	int code = 0, r;
	char *cmd = NULL, *custom = NULL, *md = NULL, autoconf[4096];
	size_t cmd_len, custom_len = 0, md_len = 0;
	if (cmdline[0] == '@') {
		if ((r = read_small(cmdline + 1, EIF_CMDLINE_MAX, &cmd, &cmd_len)) < 0) {
			err_print(r, "read cmdline %s", cmdline + 1);
			code = EXIT_INPUT;
			goto done;
		}
		char *s = cmd;
		while (cmd_len && trim_char(*s))
			s++, cmd_len--;
		while (cmd_len && trim_char(s[cmd_len - 1]))
			cmd_len--;
		memmove(cmd, s, cmd_len);
	} else {
		cmd = strdup(cmdline);
		cmd_len = strlen(cmdline);
	}
	if (meta) {
		if ((r = read_small(meta, 4096, &custom, &custom_len)) < 0) {
			err_print(r, "read metadata %s", meta);
			code = EXIT_INPUT;
			goto done;
		}
		size_t i = strspn(custom, " \t\r\n");
		if (jsonr_check(custom, custom_len) < 0 || custom[i] != '{') {
			err_msg("cannot read metadata %s: not a JSON object", meta);
			code = EXIT_INPUT;
			goto done;
		}
	}
	if (!config && snprintf(autoconf, sizeof(autoconf), "%s.config", kernel) < (int)sizeof(autoconf) &&
	    access(autoconf, R_OK) == 0)
		config = autoconf;
	if (config && access(config, R_OK) < 0) {
		err_print(-errno, "read kernel config %s", config);
		code = EXIT_INPUT;
		goto done;
	}
	if (!name) {
		const char *slash = strrchr(kernel, '/');
		name = slash ? slash + 1 : kernel;
	}
	if ((r = build_metadata(&md, &md_len, name, version, config, custom, custom_len)) == -ERANGE) {
		err_msg("SOURCE_DATE_EPOCH=%s is not a number of seconds from 0 to 253402300799",
			getenv("SOURCE_DATE_EPOCH"));
		code = EXIT_USAGE;
		goto done;
	} else if (r < 0) {
		err_print(r, "build metadata");
		code = EXIT_FAIL;
		goto done;
	}
	/* describe reads the section with the same limits: what it would
	 * refuse is never written.  (The cmdline needs no such check: @FILE is
	 * read with the reader's cap, and one argv string is at most 128 KiB.)
	 * Only --name and --version are unbounded, escaping can make them up to
	 * six times longer, and CustomMetadata is at most 4096 bytes. */
	if (md_len > EIF_METADATA_MAX) {
		err_msg("build: %s is too long: the metadata section would be %zu bytes (limit %u)",
			strlen(name) >= strlen(version) ? "--name" : "--version", md_len,
			EIF_METADATA_MAX);
		code = EXIT_USAGE;
		goto done;
	}
	if (jsonr_check(md, md_len) < 0) {
		err_msg("cannot use metadata %s: nested too deeply for the EIF's metadata section", meta);
		code = EXIT_INPUT;
		goto done;
	}

	struct eif_build b = {
		.kernel_path = kernel,
		.cmdline = (const uint8_t *)cmd,
		.cmdline_len = cmd_len,
		.metadata = (const uint8_t *)md,
		.metadata_len = md_len,
		.ramdisk_paths = ramdisks,
		.ramdisks = nr,
		.aarch64 = aarch64,
	};
	uint64_t total = 0;
	struct stat st;
	for (unsigned i = 0; i <= nr; i++)
		if (stat(i ? ramdisks[i - 1] : kernel, &st) == 0)
			total += (uint64_t)st.st_size;
	struct progress p;
	struct atomic_file af;
	struct eif_digests dg;
	const char *bad = NULL;
	char pcrs[4096 + 16];
	pcrs_path(pcrs, sizeof(pcrs), out);
	if ((r = atomic_file_open(&af, out, 0644)) < 0) {
		err_print(r, "create %s", out);
		code = EXIT_OUTPUT;
		goto done;
	}
	r = eif_write(af.fd, &b, &dg, &bad, show_progress, progress_for(total, &p, "building"));
	if (r < 0) {
		atomic_file_abort(&af);
		if (bad)
			err_print(r, "read %s", bad);
		else
			err_print(r, "write %s", out);
		code = bad ? EXIT_INPUT : EXIT_OUTPUT;
		goto done;
	}
	/* The PCR file first: a committed EIF always has its measurements. */
	if ((r = write_measurements_file(pcrs, &dg, NULL)) < 0) {
		atomic_file_abort(&af);
		err_print(r, "write %s", pcrs);
		code = EXIT_OUTPUT;
		goto done;
	}
	if ((r = atomic_file_commit(&af)) < 0) {
		unlink(pcrs);
		err_print(r, "write %s", out);
		code = EXIT_OUTPUT;
		goto done;
	}
	code = print_measurements_doc(&dg, NULL);
done:
	free(cmd);
	free(custom);
	free(md);
	free(ramdisks);
	return code;
}
