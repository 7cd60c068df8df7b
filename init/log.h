/*
 * log.h — init's console lines, without stdio.
 *
 * Every line is assembled in a fixed buffer and written with one write(2)
 * to fd 2 (the console once console_setup() ran), so lines from init never
 * interleave mid-line with the app's output.  Over-long lines are cut and
 * end in "...".  Nothing here allocates; everything preserves errno.
 *
 * Format of failures (HACKING.md, issue 3): "init: <what failed>: <reason>".
 */
#ifndef CARVE_INIT_LOG_H
#define CARVE_INIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_LINE_MAX 512

struct logline {
	size_t len;
	char buf[LOG_LINE_MAX];
};

/* Starts a line with "init: " (or the debug timestamp, see log_debug). */
void log_begin(struct logline *l);
void log_str(struct logline *l, const char *s);
void log_u64(struct logline *l, uint64_t v);
/* Appends "\n" and writes the line to fd 2. */
void log_end(struct logline *l);

/* One-call forms.  log_fail prints "init: <what>: <strerror(-err)>"; err
 * MUST be a negative errno.  log_msg2 prints "init: <a><b>". */
void log_fail(const char *what, int err);
void log_fail2(const char *what, const char *object, int err);
void log_msg2(const char *a, const char *b);

/*
 * Debug mode (debug = yes in /init.conf): each boot step is written to
 * /dev/kmsg as "init: <event>", so the kernel stamps it with the same clock
 * as its own "Run /init as init process" line and the console shows both
 * on one time line (bench/init-boot.sh reads them).  Without /dev/kmsg the
 * line goes to the console as "[   s.uuuuuu] init: <event>" with
 * CLOCK_MONOTONIC.  Off: log_event does nothing.
 */
void log_set_debug(bool on);
bool log_debugging(void);
void log_event(const char *event);

#endif
