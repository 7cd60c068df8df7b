/*
 * nsm_cli.h — what the nsm tool's commands (nsm_main.c, nsm_cli_verify.c)
 * share: option values, input files, the end of output.  Functions that
 * return an exit status have printed the one message that goes with it
 * (as "nsm: ...", common/errors.h); the statuses are nsm --help's: 1 the
 * work failed, 2 a usage error.
 */
#ifndef CARVE_NSM_CLI_H
#define CARVE_NSM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest file read_file takes (documents, @FILE values, roots). */
#define NSM_CLI_MAX_INPUT (64 * 1024)

/* Prints text (a usage) on stderr; returns 2. */
int usage_error(const char *text);
/* Whether argv[1..] holds --help or -h. */
bool want_help(int argc, char **argv);
/* Reads a whole file (or stdin for "-") into a malloc'ed buffer with one
 * spare byte after the data.  0, or -errno (-EFBIG past
 * NSM_CLI_MAX_INPUT); prints nothing. */
int read_file(const char *path, uint8_t **out, size_t *len);
/* HEX, or @FILE when file_ok, into a malloc'ed buffer.  0, or after
 * printing the exit status: 1 when the file cannot be read, 2 when the
 * argument is not hex. */
int value_arg(const char *opt, const char *arg, bool file_ok, uint8_t **out, size_t *len);
/* A decimal number 0..max with nothing around it. */
bool parse_uint(const char *s, unsigned long max, unsigned long *out);
/* The end of every command that prints: returns status, or 1 after the
 * message when standard output could not be written. */
int stdout_done(int status);

/* --nonce HEX, --user-data HEX|@FILE, --public-key @FILE: the values attest
 * sends and verify expects. */
struct bindings {
	uint8_t *nonce, *user, *key;
	size_t nonce_len, user_len, key_len;
};

/* Option c ('n', 'u' or 'k') with its argument; 0, or the exit status after
 * printing (value_arg's). */
int binding_arg(int c, const char *arg, struct bindings *b);
void bindings_free(struct bindings *b);

/* nsm verify (nsm_cli_verify.c); argv[0] is "verify".  The exit status. */
int cmd_verify(int argc, char **argv);

#endif
