/*
 * errors.h — the one way a carve program reports a failure.
 *
 * Library code returns 0 or a negative errno and never prints.  A program's
 * edge prints once:   "<tool>: cannot <what>: <reason>"
 * where <reason> is strerror(-err) or a specific message.
 */
#ifndef CARVE_ERRORS_H
#define CARVE_ERRORS_H

/* Sets the tool name printed before every message (argv[0]'s basename). */
void err_set_prog(const char *argv0);

/* The tool name set above ("carve" until set). */
const char *err_prog(void);

/*
 * Prints "<tool>: cannot <what>: strerror(-err)" to stderr.  err MUST be a
 * negative errno.  Preserves errno.  Returns err.
 */
int err_print(int err, const char *what_fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prints "<tool>: <message>" to stderr (usage errors, specific reasons).
 * Preserves errno.
 */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
