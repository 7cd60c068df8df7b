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

int err_print(int err, const char *what_fmt, ...)
{
	int saved = errno;
	va_list ap;
	fprintf(stderr, "%s: cannot ", prog_name);
	va_start(ap, what_fmt);
	vfprintf(stderr, what_fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(-err));
	errno = saved;
	return err;
}

void err_msg(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	errno = saved;
}
