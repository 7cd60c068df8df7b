#include "errors.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The only process-wide state in common/: set once by main(). */
static const char *prog_name = "carve";

void err_set_prog(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	if (argv0)
		prog_name = slash ? slash + 1 : argv0;
}

const char *err_prog(void)
{
	return prog_name;
}

/* "<tool>: <prefix><formatted><suffix>\n" on stderr, errno preserved. */
static void report(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
	int saved = errno;
	fprintf(stderr, "%s: %s", prog_name, prefix);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "%s%s\n", suffix ? ": " : "", suffix ? suffix : "");
	errno = saved;
}

int err_print(int err, const char *what_fmt, ...)
{
	va_list ap;
	va_start(ap, what_fmt);
	report("cannot ", strerror(-err), what_fmt, ap);
	va_end(ap);
	return err;
}

void err_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report("", NULL, fmt, ap);
	va_end(ap);
}
