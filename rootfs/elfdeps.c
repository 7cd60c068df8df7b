/*
 * elfdeps — list what a dynamically linked ELF needs at run time, as mkcpio
 * spec lines: its interpreter and every DT_NEEDED library, found the way the
 * dynamic loader finds them, each with the chain of symlinks (including
 * symlinked directories such as Debian's /lib -> usr/lib) that leads to it.
 * A static ELF needs nothing and gives no lines.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "atomicfile.h"
#include "elf.h"
#include "errors.h"

enum { EXIT_USAGE = 2, EXIT_INPUT = 3, EXIT_UNRESOLVED = 4, EXIT_OUTPUT = 5 };

static const char usage[] =
	"Usage: elfdeps [--prefix DIR] [--sysroot ROOT] [--list] [--exe-dir DIR]\n"
	"               [--ld-path-out FILE] ELF\n"
	"\n"
	"Print, as mkcpio spec lines (`file`/`slink`), everything the dynamic\n"
	"loader will open to start ELF: its PT_INTERP and, recursively, every\n"
	"DT_NEEDED library, each with the symlinks on its path.  Libraries are\n"
	"searched as ld.so does: DT_RPATH (of the object, then of the executable;\n"
	"only when the object has no DT_RUNPATH), DT_RUNPATH, the directories of\n"
	"/etc/ld.so.conf (include lines followed, with wildcards in the last\n"
	"component only; for a musl\n"
	"interpreter /etc/ld-musl-ARCH.path instead), then the default\n"
	"directories (/lib/TRIPLET /usr/lib/TRIPLET /lib64 /usr/lib64 /lib /usr/lib;\n"
	"musl: /lib /usr/local/lib /usr/lib).  $ORIGIN is expanded; a candidate\n"
	"of the wrong ELF class or machine is skipped, as ld.so skips it.\n"
	"LD_LIBRARY_PATH is ignored: the host's environment must not leak in.\n"
	"A static ELF prints nothing.\n"
	"\n"
	"  --prefix DIR     archive directory the paths go under (default rootfs)\n"
	"  --sysroot ROOT   resolve inside ROOT instead of / (paths printed as seen\n"
	"                   from inside ROOT); symlinks, absolute ones too, and ..\n"
	"                   never lead out of ROOT (needs Linux 5.6: openat2)\n"
	"  --list           print the resolved paths, one per line, instead\n"
	"  --exe-dir DIR    the directory ELF will run from in the image (eif/mkeif:\n"
	"                   /); a library found only through the executable's\n"
	"                   $ORIGIN is then an error when DIR is not where ELF is\n"
	"  --ld-path-out FILE  write there the LD_LIBRARY_PATH the image needs\n"
	"                   (directories libraries were found in through ld.so.conf,\n"
	"                   or /lib64 and /usr/lib64 for glibc: the image has no\n"
	"                   ld.so.cache), ':'-separated; empty when none is needed\n"
	"\n"
	"Exit status: 0 listed; 2 usage; 3 ELF or a library missing, unreadable,\n"
	"not an ELF file, malformed or beyond elfdeps' caps (1024 program headers,\n"
	"256 DT_NEEDED entries); 4 a library cannot be found (named, with the\n"
	"object that needs it); 5 the list or the --ld-path-out file could not be\n"
	"written (that file is written atomically).  Paths with blanks or newlines\n"
	"are refused (the spec format is blank-separated).\n";

struct strs {
	char **v;
	size_t n, cap;
};

static bool strs_has(const struct strs *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return true;
	return false;
}

static int strs_add(struct strs *s, const char *x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		char **v = reallocarray(s->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(x)))
		return -ENOMEM;
	s->n++;
	return 0;
}

static void strs_free(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct ctx {
	const char *sysroot; /* "" for / */
	int root_fd;         /* --sysroot's directory, or -1 */
	const char *prefix;
	bool list, musl;
	uint8_t elf_class;
	uint16_t machine;
	struct strs conf_dirs;  /* ld.so.conf / ld-musl path */
	struct file_id *conf_read; /* configuration files already read */
	size_t n_conf_read;
	struct strs emitted;    /* in-root paths already printed */
	struct strs queue;      /* in-root paths of ELF objects to scan */
	struct strs env_dirs;   /* where libraries were found that the enclave's
				   loader will not search by itself */
	bool exe_origin_hit;    /* a library came through the executable's $ORIGIN */
	const char *exe_dir_in_image; /* --exe-dir, or NULL */
	const char *exe_rpath;  /* the executable's DT_RPATH (no DT_RUNPATH) */
	char *exe_rpath_store;
	char exe_dir[PATH_MAX];
};

static void host_path(const struct ctx *c, char *out, size_t cap, const char *p)
{
	snprintf(out, cap, "%s%s", c->sysroot, p);
}

/*
 * Opens the in-root path p as the image's loader would: under --sysroot,
 * every symlink (absolute ones too) and ".." resolve inside ROOT, never on
 * the host.  The fd, or -errno.
 */
static int open_in_root(const struct ctx *c, const char *p, int flags)
{
	if (c->root_fd < 0) {
		int fd = open(p, flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT};
	long fd = syscall(SYS_openat2, c->root_fd, p, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---------------------------------------------------------- ld.so.conf */

static int read_conf(struct ctx *c, const char *path, int depth);

/*
 * Reads, in name order, the files an include line names: the in-root
 * pattern pat, wildcards in its last component only (what ld.so.conf
 * files use; glob() cannot be kept inside a sysroot).
 */
static int include_conf(struct ctx *c, const char *pat, int depth)
{
	const char *slash = strrchr(pat, '/');
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", slash == pat ? 1 : (int)(slash - pat), pat);
	int fd = open_in_root(c, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return 0; /* like a glob without matches */
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	struct strs names = {0};
	int r = 0;
	for (struct dirent *de; r == 0 && (de = readdir(d));)
		if (fnmatch(slash + 1, de->d_name, FNM_PERIOD) == 0)
			r = strs_add(&names, de->d_name);
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; r == 0 && i < names.n; i++) {
		char path[PATH_MAX];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", slash == pat ? "" : dir,
				     names.v[i]) < sizeof(path))
			r = read_conf(c, path, depth + 1);
	}
	strs_free(&names);
	return r;
}

static int conf_line(struct ctx *c, char *line, int depth)
{
	line[strcspn(line, "#\n")] = '\0';
	char *p = line + strspn(line, " \t");
	if (!strncmp(p, "include", 7) && (p[7] == ' ' || p[7] == '\t')) {
		char *pat = p + 8 + strspn(p + 8, " \t"), full[PATH_MAX];
		pat[strcspn(pat, " \t")] = '\0';
		/* Relative includes are relative to /etc. */
		snprintf(full, sizeof(full), "%s%s", pat[0] == '/' ? "" : "/etc/", pat);
		return include_conf(c, full, depth);
	}
	/* Entries are separated by blanks, ':' or ','. */
	for (char *save, *d = strtok_r(p, " \t:,", &save); d; d = strtok_r(NULL, " \t:,", &save))
		if (d[0] == '/' && !strs_has(&c->conf_dirs, d) && strs_add(&c->conf_dirs, d) < 0)
			return -ENOMEM;
	return 0;
}

/* 1 if the open file fd was read before, else 0 and it is noted; -errno. */
static int conf_seen(struct ctx *c, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	for (size_t i = 0; i < c->n_conf_read; i++)
		if (c->conf_read[i].dev == st.st_dev && c->conf_read[i].ino == st.st_ino)
			return 1;
	struct file_id *v = reallocarray(c->conf_read, c->n_conf_read + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->conf_read = v;
	c->conf_read[c->n_conf_read++] = (struct file_id){st.st_dev, st.st_ino};
	return 0;
}

static int read_conf(struct ctx *c, const char *path, int depth)
{
	char *line = NULL;
	size_t cap = 0;
	if (depth > 8)
		return 0;
	int fd = open_in_root(c, path, O_RDONLY);
	if (fd < 0)
		return 0; /* absent configuration: the defaults still apply */
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	/* Each file once: files that include each other (a glob matching its
	 * own file is enough) would otherwise be read once for every path
	 * through the include graph, exponentially many. */
	int r = conf_seen(c, fileno(f));
	if (r != 0) {
		fclose(f);
		return r < 0 ? r : 0;
	}
	while (r == 0 && getline(&line, &cap, f) >= 0)
		r = conf_line(c, line, depth);
	free(line);
	fclose(f);
	return r;
}

/* ---------------------------------------------------------- emission */

static int bad_path(const char *p)
{
	if (strpbrk(p, " \t\n\r")) {
		err_msg("cannot package %s: the path contains a blank or newline", p);
		return -EINVAL;
	}
	return 0;
}

/*
 * Emits the in-root path p the way the kernel resolves it: every symlink met
 * (also on directories) becomes an slink line and resolution continues at
 * its target; the final regular file becomes a file line.  Returns 0, or
 * -ENOENT / -ELOOP / -EINVAL; *final gets the resolved in-root path.
 */
static int emit_path(struct ctx *c, const char *p, char *final, size_t final_cap)
{
	char cur[PATH_MAX], rest[PATH_MAX], host[PATH_MAX], target[PATH_MAX];
	snprintf(rest, sizeof(rest), "%s", p);
	cur[0] = '\0';
	for (int hops = 0; hops < 40;) {
		char *s = rest;
		while (*s == '/')
			s++;
		if (!*s) {
			host_path(c, host, sizeof(host), cur);
			struct stat st;
			if (stat(host, &st) < 0)
				return -errno;
			if (!S_ISREG(st.st_mode))
				return -EINVAL;
			snprintf(final, final_cap, "%s", cur);
			if (strs_has(&c->emitted, cur))
				return 0;
			int r = bad_path(cur);
			if (r < 0 || (r = strs_add(&c->emitted, cur)) < 0)
				return r;
			if (c->list)
				printf("%s\n", cur);
			else
				printf("file %s%s %s %s 0 0\n", c->prefix, cur, host,
				       st.st_mode & 0111 ? "0755" : "0644");
			return 0;
		}
		size_t n = strcspn(s, "/");
		char comp[NAME_MAX + 1];
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, s, n);
		comp[n] = '\0';
		memmove(rest, s + n, strlen(s + n) + 1);
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(cur, '/');
			if (slash)
				*slash = '\0';
			continue;
		}
		char next[PATH_MAX];
		if ((size_t)snprintf(next, sizeof(next), "%s/%s", cur, comp) >= sizeof(next))
			return -ENAMETOOLONG;
		host_path(c, host, sizeof(host), next);
		struct stat st;
		if (lstat(host, &st) < 0)
			return -errno;
		if (!S_ISLNK(st.st_mode)) {
			strcpy(cur, next);
			continue;
		}
		ssize_t tl = readlink(host, target, sizeof(target) - 1);
		if (tl < 0)
			return -errno;
		target[tl] = '\0';
		if (!strs_has(&c->emitted, next)) {
			int r = bad_path(next);
			if (r == 0)
				r = bad_path(target);
			if (r < 0 || (r = strs_add(&c->emitted, next)) < 0)
				return r;
			if (c->list)
				printf("%s -> %s\n", next, target);
			else
				printf("slink %s%s %s 0 0\n", c->prefix, next, target);
		}
		/* Continue at the target, then whatever followed this component;
		 * a relative target is relative to the symlink's directory, cur. */
		char joined[PATH_MAX];
		if ((size_t)snprintf(joined, sizeof(joined), "%s%s%s", target[0] == '/' ? "" : "/",
				     target, rest) >= sizeof(joined))
			return -ENAMETOOLONG;
		strcpy(rest, joined);
		if (target[0] == '/')
			cur[0] = '\0';
		hops++;
	}
	return -ELOOP;
}

/* ---------------------------------------------------------- search */

/* Whether the in-root path is an ELF the loader would accept for this app. */
static bool usable(struct ctx *c, const char *p)
{
	int fd = open_in_root(c, p, O_RDONLY);
	if (fd < 0)
		return false;
	struct elf_info e;
	const char *why;
	bool ok = elf_read(fd, &e, &why) == 0;
	close(fd);
	if (ok) {
		ok = e.elf_class == c->elf_class && e.machine == c->machine;
		elf_info_free(&e);
	}
	return ok;
}

/* Tries every directory of a ':'-separated list; $ORIGIN = origin, the
 * executable's directory when exe_origin (then a hit through it is noted). */
static bool search_list(struct ctx *c, const char *list, const char *origin, bool exe_origin,
			const char *name, char *out, size_t cap)
{
	char buf[PATH_MAX];
	if (!list)
		return false;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char dir[PATH_MAX];
		const char *o = strstr(d, "$ORIGIN") ? "$ORIGIN" : strstr(d, "${ORIGIN}") ? "${ORIGIN}" : NULL;
		if (o) {
			const char *at = strstr(d, o);
			snprintf(dir, sizeof(dir), "%.*s%s%s", (int)(at - d), d, origin, at + strlen(o));
		} else {
			snprintf(dir, sizeof(dir), "%s", d);
		}
		if ((size_t)snprintf(out, cap, "%s/%s", dir, name) < cap && usable(c, out)) {
			c->exe_origin_hit = o && exe_origin;
			return true;
		}
	}
	return false;
}

/* The directories the loaders search by themselves, without ld.so.cache
 * (which the image does not have, nor musl's path file): Debian's glibc
 * loader (`ld.so --help`; not /lib64 or /usr/lib64) and musl's. */
static const char glibc_own_dirs[] = "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:"
				     "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:/lib:/usr/lib";
static const char musl_dirs[] = "/lib:/usr/local/lib:/usr/lib";

static bool in_list(const char *list, const char *dir, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ":");
		if (n == len && !strncmp(p, dir, len))
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* Notes the directory of a library found where the image's loader will
 * not look by itself (for LD_LIBRARY_PATH). */
static int note_env_dir(struct ctx *c, const char *found)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(found, '/');
	size_t len = slash ? (size_t)(slash - found) : 0;
	if (in_list(c->musl ? musl_dirs : glibc_own_dirs, found, len))
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)len, found);
	return strs_has(&c->env_dirs, dir) ? 0 : strs_add(&c->env_dirs, dir);
}

/* 0 with the in-root path in out; -ENOENT; -EXDEV when found only through
 * the executable's $ORIGIN, which points elsewhere in the enclave. */
static int resolve(struct ctx *c, const struct elf_info *obj, bool is_exe, const char *origin,
		   const char *name, char *out, size_t cap)
{
	if (strchr(name, '/')) {
		snprintf(out, cap, "%s", name);
		return usable(c, out) ? 0 : -ENOENT;
	}
	c->exe_origin_hit = false;
	if ((!obj->runpath && (search_list(c, obj->rpath, origin, is_exe, name, out, cap) ||
			       search_list(c, c->exe_rpath, c->exe_dir, true, name, out, cap))) ||
	    search_list(c, obj->runpath, origin, is_exe, name, out, cap))
		return c->exe_origin_hit && c->exe_dir_in_image && strcmp(c->exe_dir_in_image, c->exe_dir)
			       ? -EXDEV
			       : 0;
	for (size_t i = 0; i < c->conf_dirs.n; i++)
		if (search_list(c, c->conf_dirs.v[i], origin, false, name, out, cap))
			return note_env_dir(c, out);
	static const char glibc_dirs[] = "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:"
					 "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:"
					 "/lib64:/usr/lib64:/lib:/usr/lib";
	if (!search_list(c, c->musl ? musl_dirs : glibc_dirs, origin, false, name, out, cap))
		return -ENOENT;
	return note_env_dir(c, out); /* /lib64, /usr/lib64 */
}

/*
 * Reads the ELF open at fd (or -errno from opening it) for app (lib: the
 * library's in-root path, NULL for app itself); closes fd.  0, or the exit
 * code after saying what is wrong.
 */
static int read_elf(int fd, const char *app, const char *lib, struct elf_info *e)
{
	const char *why = NULL;
	int r = fd < 0 ? fd : elf_read(fd, e, &why);
	if (fd >= 0)
		close(fd);
	if (r == 0)
		return 0;
	char what[PATH_MAX + 16] = "";
	if (lib)
		snprintf(what, sizeof(what), "library %s: ", lib);
	if (r == -ENOEXEC)
		err_msg("cannot package %s: %snot an ELF file", app, what);
	else if (r == -EBADMSG)
		err_msg("cannot package %s: %smalformed ELF: %s", app, what, why);
	else if (r == -E2BIG)
		err_msg("cannot package %s: %s%s (elfdeps' limit)", app, what, why);
	else if (lib)
		err_print(r, "package %s: read library %s", app, lib);
	else
		err_print(r, "read %s", app);
	return EXIT_INPUT;
}

/* The LD_LIBRARY_PATH file: the directories ':'-separated and a newline,
 * or empty.  0 or -errno. */
static int write_ld_path(const char *path, const struct strs *dirs)
{
	struct atomic_file af;
	int r = atomic_file_open(&af, path, 0644);
	for (size_t i = 0; r == 0 && i < dirs->n; i++)
		if ((r = write_all(af.fd, ":", i > 0)) == 0)
			r = write_all(af.fd, dirs->v[i], strlen(dirs->v[i]));
	if (r == 0 && dirs->n)
		r = write_all(af.fd, "\n", 1);
	if (r < 0) {
		atomic_file_abort(&af);
		return r;
	}
	return atomic_file_commit(&af);
}

static void dirname_of(const char *p, char *out, size_t cap)
{
	const char *slash = strrchr(p, '/');
	snprintf(out, cap, "%.*s", slash ? (int)(slash - p) : 0, p);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"prefix", required_argument, NULL, 'p'}, {"sysroot", required_argument, NULL, 's'},
		{"list", no_argument, NULL, 'l'},         {"help", no_argument, NULL, 'h'},
		{"exe-dir", required_argument, NULL, 'e'}, {"ld-path-out", required_argument, NULL, 'o'},
		{0}};
	const char *ld_path_out = NULL;
	struct ctx c = {.sysroot = "", .root_fd = -1, .prefix = "rootfs"};
	int opt;
	err_set_prog(argv[0]);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': c.prefix = optarg; break;
		case 's': c.sysroot = optarg; break;
		case 'l': c.list = true; break;
		case 'e': c.exe_dir_in_image = optarg; break;
		case 'o': ld_path_out = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		err_msg("expected exactly one ELF");
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *app = argv[optind];
	if (c.sysroot[0]) {
		int r = (c.root_fd = open(c.sysroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ? -errno : 0;
		int probe = r ? r : open_in_root(&c, ".", O_RDONLY | O_DIRECTORY);
		if (probe < 0) {
			/* Without openat2, paths would be resolved on the host: refuse. */
			err_print(probe, "use --sysroot %s", c.sysroot);
			if (c.root_fd >= 0)
				close(c.root_fd);
			return EXIT_USAGE;
		}
		close(probe);
	}
	struct elf_info exe;
	int fd = open(app, O_RDONLY | O_CLOEXEC);
	int code = read_elf(fd < 0 ? -errno : fd, app, NULL, &exe), r;
	if (code)
		return code;
	if (!exe.interp)
		goto done; /* static (or static-pie): nothing to add */
	c.elf_class = exe.elf_class;
	c.machine = exe.machine;
	c.musl = strstr(exe.interp, "ld-musl") != NULL;
	if (!exe.runpath && exe.rpath)
		c.exe_rpath = c.exe_rpath_store = strdup(exe.rpath);
	char real[PATH_MAX];
	if (!realpath(app, real)) {
		err_print(-errno, "resolve %s", app);
		code = EXIT_INPUT;
		goto done;
	}
	dirname_of(real, c.exe_dir, sizeof(c.exe_dir));
	/* $ORIGIN is a path inside the root the app will see. */
	char rroot[PATH_MAX];
	size_t rl;
	if (c.sysroot[0] && realpath(c.sysroot, rroot) && (rl = strlen(rroot)) > 1 &&
	    !strncmp(c.exe_dir, rroot, rl) && (c.exe_dir[rl] == '/' || !c.exe_dir[rl]))
		memmove(c.exe_dir, c.exe_dir + rl, strlen(c.exe_dir + rl) + 1);
	if (c.musl) {
		char pathfile[PATH_MAX];
		const char *arch = strrchr(exe.interp, '-');
		snprintf(pathfile, sizeof(pathfile), "/etc/ld-musl%.*s.path",
			 arch ? (int)(strstr(arch, ".so") ? strstr(arch, ".so") - arch : 0) : 0, arch ? arch : "");
		r = read_conf(&c, pathfile, 0);
	} else {
		r = read_conf(&c, "/etc/ld.so.conf", 0);
	}
	if (r < 0) {
		err_print(r, "package %s: read the loader's configuration", app);
		code = EXIT_INPUT;
		goto done;
	}
	char final[PATH_MAX];
	if ((r = emit_path(&c, exe.interp, final, sizeof(final))) < 0) {
		err_print(r, "package %s: interpreter %s", app, exe.interp);
		code = EXIT_UNRESOLVED;
		goto done;
	}
	/* Breadth-first over the executable, then every library found. */
	struct strs needed_by = {0};
	for (size_t qi = 0; code == 0; qi++) {
		struct elf_info obj;
		char origin[PATH_MAX];
		const char *who;
		if (qi == 0) {
			obj = exe;
			snprintf(origin, sizeof(origin), "%s", c.exe_dir);
			who = app;
		} else if (qi - 1 < c.queue.n) {
			who = c.queue.v[qi - 1];
			if ((code = read_elf(open_in_root(&c, who, O_RDONLY), app, who, &obj)) != 0)
				break;
			dirname_of(who, origin, sizeof(origin));
		} else {
			break;
		}
		for (unsigned i = 0; i < obj.n_needed && code == 0; i++) {
			char found[PATH_MAX];
			if (strs_has(&needed_by, obj.needed[i]))
				continue;
			r = resolve(&c, &obj, qi == 0, origin, obj.needed[i], found, sizeof(found));
			if (r == -EXDEV) {
				err_msg("cannot package %s: library %s is found through $ORIGIN of the "
					"executable (%s), but the app runs from / in the enclave; package "
					"the app's directory instead, with --cmd",
					app, found, who);
				code = EXIT_UNRESOLVED;
			} else if (r == -ENOMEM) {
				err_print(r, "package %s", app);
				code = EXIT_INPUT;
			} else if (r < 0) {
				err_msg("cannot package %s: library %s (needed by %s) not found in "
					"RPATH/RUNPATH, ld.so.conf or the default directories",
					app, obj.needed[i], who);
				code = EXIT_UNRESOLVED;
			} else if ((r = emit_path(&c, found, final, sizeof(final))) < 0) {
				err_print(r, "package %s: library %s", app, found);
				code = r == -EINVAL ? EXIT_INPUT : EXIT_UNRESOLVED;
			} else if (strs_add(&needed_by, obj.needed[i]) < 0 ||
				   (!strs_has(&c.queue, final) && strs_add(&c.queue, final) < 0)) {
				code = EXIT_INPUT;
			}
		}
		if (qi > 0)
			elf_info_free(&obj);
	}
	strs_free(&needed_by);
done:
	if (code == 0 && ld_path_out && (r = write_ld_path(ld_path_out, &c.env_dirs)) < 0) {
		err_print(r, "write %s", ld_path_out);
		code = EXIT_OUTPUT;
	}
	elf_info_free(&exe);
	strs_free(&c.conf_dirs);
	free(c.conf_read);
	if (c.root_fd >= 0)
		close(c.root_fd);
	strs_free(&c.emitted);
	strs_free(&c.queue);
	strs_free(&c.env_dirs);
	free(c.exe_rpath_store);
	if (code == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
		err_print(-EIO, "write the list");
		code = EXIT_OUTPUT;
	}
	return code;
}
