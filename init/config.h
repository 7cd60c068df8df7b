/*
 * config.h — parsers for what the measured ramdisk tells init to do.
 *
 *   /cmd        nitro-cli's format: one argv element per line, each ended by
 *               "\n"; no quoting, no escapes.  An empty line is an empty
 *               argument.  A missing final "\n" is accepted.  "\r" is data
 *               (nitro-cli never writes one, AWS's init keeps it).
 *   /env        nitro-cli's format: one "KEY=VALUE" per line, same framing.
 *               VALUE may hold "=", spaces and any UTF-8.
 *   /init.conf  ours (init/README.md): "key = value" lines, "#" comment
 *               lines, blank lines, "\r\n" accepted.
 *
 * Pure functions over a caller's buffer: nothing here touches the system,
 * so the host unit tests and the fuzzers run the very code PID 1 runs.
 * Parsers split the buffer in place (each "\n" becomes NUL) and hand back
 * pointers into it; the buffer MUST outlive the results and MUST have one
 * writable byte past len (buf[len]) for the last line's terminator.  On error the
 * buffer's contents are unspecified and *err says which line and why.
 */
#ifndef CARVE_INIT_CONFIG_H
#define CARVE_INIT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a parse failed: 1-based line number and a static reason. */
struct cfg_error {
	size_t line;
	const char *reason;
};

/*
 * Number of lines in buf[0..len): the count of "\n" plus one when the last
 * line has no "\n".  0 for an empty buffer.
 */
size_t cfg_count_lines(const char *buf, size_t len);

/*
 * Splits /cmd.  vec MUST hold cfg_count_lines(buf, len) + 1 pointers; it
 * receives the arguments and a terminating NULL.  Returns the argument
 * count, or -EINVAL (a line holds a NUL byte, or the file is empty: there
 * is no command to run).
 */
long cfg_parse_cmd(char *buf, size_t len, char **vec, struct cfg_error *err);

/*
 * Splits /env like cfg_parse_cmd, and requires every line to be KEY=VALUE
 * with a non-empty KEY free of "=".  An empty file gives 0 entries.
 */
long cfg_parse_env(char *buf, size_t len, char **vec, struct cfg_error *err);

/* The value of KEY in a NULL-terminated "KEY=VALUE" vector, or NULL. */
const char *cfg_env_get(char *const *env, const char *key);

#define CFG_MAX_GROUPS 64
/* Linux's RLIM_NLIMITS: resources are 0..15 on every architecture. */
#define CFG_NLIMITS 16

enum cfg_on_exit {
	CFG_ON_EXIT_SHUTDOWN, /* end the VM with the app's status (AWS) */
	CFG_ON_EXIT_RESTART,  /* run it again, up to restart_limit times */
};

struct cfg_rlimit {
	bool set;
	uint64_t soft;     /* UINT64_MAX = unlimited (RLIM_INFINITY) */
	uint64_t hard;
};

/* /init.conf, after cfg_defaults() and cfg_parse_conf(). */
struct init_conf {
	const char *workdir;       /* NULL: "/" */
	const char *hostname;      /* NULL: leave the kernel's */
	bool has_uid, has_gid, has_groups;
	uint32_t uid, gid;
	uint32_t groups[CFG_MAX_GROUPS];
	size_t ngroups;
	struct cfg_rlimit rlimits[CFG_NLIMITS]; /* indexed by RLIMIT_* */
	uint32_t shutdown_grace_ms;
	uint32_t heartbeat_budget_ms;
	enum cfg_on_exit on_exit;
	uint32_t restart_limit;
	bool ctty;                  /* console as the app's controlling tty */
	bool debug;
};

/* Fills c with the behaviour of a missing /init.conf. */
void cfg_defaults(struct init_conf *c);

/*
 * Parses /init.conf into c (which cfg_defaults() MUST have filled).  Returns
 * 0 or -EINVAL with *err set: unknown key, duplicate key, missing "=", value
 * out of range or malformed, NUL byte.
 */
int cfg_parse_conf(char *buf, size_t len, struct init_conf *c, struct cfg_error *err);

#endif
