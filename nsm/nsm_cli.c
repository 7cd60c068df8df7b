/*
 * nsm_cli.c — the pieces the nsm tool's commands share (nsm_cli.h).
 */
#include "nsm_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "hex.h"

int usage_error(const char *text)
{
	fputs(text, stderr);
	return 2;
}

bool want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return -errno;
	uint8_t *buf = malloc(NSM_CLI_MAX_INPUT + 2); /* +1 to detect overflow, +1 for load_root */
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(buf, 1, NSM_CLI_MAX_INPUT + 1, f);
	int e = ferror(f) ? -EIO : n > NSM_CLI_MAX_INPUT ? -EFBIG : 0;
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

int value_arg(const char *opt, const char *arg, bool file_ok, uint8_t **out, size_t *len)
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

bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max || s[0] == '-')
		return false;
	*out = v;
	return true;
}

/* The end of every command that prints: output that never arrived (a full
 * disk, a closed pipe) is a failure, whatever the command found. */
int stdout_done(int status)
{
	int e = fflush(stdout) == 0 ? 0 : -errno;
	if (e == 0 && ferror(stdout)) /* an earlier write failed; errno still says why */
		e = errno ? -errno : -EIO;
	if (e == 0)
		return status;
	err_print(e, "write standard output");
	return 1;
}

int binding_arg(int c, const char *arg, struct bindings *b)
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

void bindings_free(struct bindings *b)
{
	free(b->nonce);
	free(b->user);
	free(b->key);
}
