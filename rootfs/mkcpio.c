/* mkcpio — write a deterministic newc cpio archive from trees and a spec. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "cpio.h"
#include "errors.h"

enum { EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_OUTPUT = 4 };

static const char usage[] =
	"Usage: mkcpio [--tree DIR[=PREFIX]]... [--spec FILE]... [--mtime SECONDS] -o OUT\n"
	"\n"
	"Write a deterministic newc (070701) cpio archive: entries sorted by path,\n"
	"inode numbers 1, 2, ... in that order, every mtime the same, uid/gid 0\n"
	"unless a spec line says otherwise, no host device numbers, missing parent\n"
	"directories added as 0755, TRAILER!!! and padding to 512 bytes.  The same\n"
	"inputs give the same bytes on any host, at any time, under any umask.\n"
	"\n"
	"  --tree DIR[=PREFIX]  add everything below DIR under PREFIX (default the\n"
	"                       archive root).  Modes are normalised: directories\n"
	"                       0755, files, FIFOs and device nodes 0755 if\n"
	"                       executable else 0644, owner 0:0; device numbers are\n"
	"                       kept; hard links are not (each name is a file of\n"
	"                       its own; spec lines can make links); at most 128\n"
	"                       directory levels below DIR.\n"
	"  --spec FILE          add the entries listed in FILE ('-' = stdin), one per\n"
	"                       line, fields separated by blanks, '#' starts a comment:\n"
	"                         dir PATH MODE UID GID\n"
	"                         file PATH SOURCE MODE UID GID\n"
	"                         slink PATH TARGET UID GID\n"
	"                         nod PATH MODE UID GID c|b|p MAJOR MINOR\n"
	"                         hardlink PATH TARGET-PATH\n"
	"                       MODE is octal permission bits; SOURCE a host file\n"
	"                       streamed at write time.\n"
	"  --mtime SECONDS      mtime of every entry (default $SOURCE_DATE_EPOCH, else 0)\n"
	"  -o, --output OUT     the archive, written atomically (OUT.tmp, rename)\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 written; 2 usage error; 3 bad input (unreadable or missing\n"
	"file, malformed spec line, duplicate path, file of 4 GiB or more, which\n"
	"newc cannot hold, tree too deep); 4 the output could not be written.\n"
	"Nothing is left at OUT on failure.\n";
_Static_assert(CPIO_MAX_TREE_DEPTH == 128, "the usage text names the depth limit");

static int parse_u32(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, base);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* One spec line; returns 0, -EINVAL for a malformed line, or the add's error. */
static int spec_line(struct cpio_list *l, char *line)
{
	char *f[9];
	int n = 0;
	for (char *save, *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 9)
			return -EINVAL;
		f[n++] = t;
	}
	if (n == 0)
		return 0;
	unsigned long mode, uid, gid, maj, min;
	const char *k = f[0];
	if (!strcmp(k, "dir") && n == 5 && !parse_u32(f[2], 8, 07777, &mode) &&
	    !parse_u32(f[3], 10, UINT_MAX, &uid) && !parse_u32(f[4], 10, UINT_MAX, &gid))
		return cpio_list_add_dir(l, f[1], mode, uid, gid);
	if (!strcmp(k, "file") && n == 6 && !parse_u32(f[3], 8, 07777, &mode) &&
	    !parse_u32(f[4], 10, UINT_MAX, &uid) && !parse_u32(f[5], 10, UINT_MAX, &gid))
		return cpio_list_add_file(l, f[1], f[2], mode, uid, gid);
	if (!strcmp(k, "slink") && n == 5 && !parse_u32(f[3], 10, UINT_MAX, &uid) &&
	    !parse_u32(f[4], 10, UINT_MAX, &gid))
		return cpio_list_add_symlink(l, f[1], f[2], uid, gid);
	if (!strcmp(k, "nod") && n == 8 && !parse_u32(f[2], 8, 07777, &mode) &&
	    !parse_u32(f[3], 10, UINT_MAX, &uid) && !parse_u32(f[4], 10, UINT_MAX, &gid) &&
	    strlen(f[5]) == 1 && !parse_u32(f[6], 10, 4095, &maj) &&
	    !parse_u32(f[7], 10, 1048575, &min))
		return cpio_list_add_node(l, f[1], f[5][0], mode, uid, gid, maj, min);
	if (!strcmp(k, "hardlink") && n == 3)
		return cpio_list_add_hardlink(l, f[1], f[2]);
	return -EINVAL;
}

static int read_spec(struct cpio_list *l, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return err_print(-errno, "read spec %s", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int r = 0;
	while (r == 0 && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			r = -EINVAL;
		} else {
			line[strcspn(line, "#\r\n")] = '\0';
			r = spec_line(l, line);
		}
		if (r == -EINVAL && !cpio_list_error(l)[0])
			err_msg("%s:%u: malformed spec line", path, lineno);
		else if (r < 0)
			err_print(r, "add %s (%s:%u)", cpio_list_error(l), path, lineno);
	}
	if (r == 0 && ferror(f))
		r = err_print(-EIO, "read spec %s", path);
	free(line);
	if (f != stdin)
		fclose(f);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"tree", required_argument, NULL, 't'}, {"spec", required_argument, NULL, 's'},
		{"mtime", required_argument, NULL, 'm'}, {"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},       {0},
	};
	err_set_prog(argv[0]);
	struct cpio_list l;
	cpio_list_init(&l);
	const char *out = NULL, *sde = getenv("SOURCE_DATE_EPOCH");
	unsigned long mtime = 0;
	if (sde && *sde && parse_u32(sde, 10, UINT32_MAX, &mtime) < 0) {
		err_msg("SOURCE_DATE_EPOCH=%s is not a number of seconds below 2^32", sde);
		return EXIT_USAGE;
	}
	int c, r = 0;
	/* Inputs are collected first so that --help and usage errors win. */
	const char **trees = calloc((size_t)argc, sizeof(*trees));
	const char **specs = calloc((size_t)argc, sizeof(*specs));
	size_t ntrees = 0, nspecs = 0;
	if (!trees || !specs)
		return err_print(-ENOMEM, "start"), EXIT_INPUT;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': trees[ntrees++] = optarg; break;
		case 's': specs[nspecs++] = optarg; break;
		case 'm':
			if (parse_u32(optarg, 10, UINT32_MAX, &mtime) < 0) {
				err_msg("--mtime %s: not a number of seconds below 2^32", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o': out = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (!out || optind != argc || (ntrees == 0 && nspecs == 0)) {
		err_msg(!out ? "missing -o OUT" : optind != argc ? "unexpected argument '%s'"
								 : "nothing to archive: give --tree or --spec",
			optind < argc ? argv[optind] : "");
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; r == 0 && i < ntrees; i++) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", trees[i]);
		char *eq = strchr(dir, '=');
		if (eq)
			*eq = '\0';
		if ((r = cpio_list_add_tree(&l, dir, eq ? eq + 1 : "")) == -ELOOP)
			err_msg("cannot add tree %s: %s: more than %d levels of directories or symbolic "
				"links", trees[i], cpio_list_error(&l), CPIO_MAX_TREE_DEPTH);
		else if (r < 0)
			err_print(r, "add tree %s: %s", trees[i], cpio_list_error(&l));
	}
	for (size_t i = 0; r == 0 && i < nspecs; i++)
		r = read_spec(&l, specs[i]);
	if (r < 0) {
		cpio_list_free(&l);
		return EXIT_INPUT;
	}
	struct atomic_file af;
	if ((r = atomic_file_open(&af, out, 0644)) < 0) {
		err_print(r, "create %s", out);
		cpio_list_free(&l);
		return EXIT_OUTPUT;
	}
	r = cpio_list_write(&l, af.fd, (uint32_t)mtime);
	int code = 0;
	if (r < 0) {
		atomic_file_abort(&af);
		if (cpio_list_error(&l)[0]) {
			if (r == -EFBIG)
				err_msg("cannot archive %s: 4 GiB or larger (newc sizes are 32-bit)",
					cpio_list_error(&l));
			else if (r == -EEXIST)
				err_msg("cannot archive %s: path given twice", cpio_list_error(&l));
			else
				err_print(r, "archive %s", cpio_list_error(&l));
			code = EXIT_INPUT;
		} else {
			err_print(r, "write %s", out);
			code = EXIT_OUTPUT;
		}
	} else if ((r = atomic_file_commit(&af)) < 0) {
		err_print(r, "write %s", out);
		code = EXIT_OUTPUT;
	}
	cpio_list_free(&l);
	free(trees);
	free(specs);
	return code;
}
