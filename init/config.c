/* config.c — see config.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

size_t cfg_count_lines(const char *buf, size_t len)
{
	size_t n = 0;
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

static long fail(struct cfg_error *err, size_t line, const char *reason)
{
	err->line = line;
	err->reason = reason;
	return -EINVAL;
}

/*
 * The framing shared by /cmd and /env: cut at each "\n", refuse NUL bytes
 * (they cannot pass through execve), NULL-terminate vec.
 */
static long split_lines(char *buf, size_t len, char **vec, struct cfg_error *err)
{
	size_t n = 0;
	char *p = buf, *end = buf + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl ? nl : end;
		if (memchr(p, '\0', (size_t)(stop - p)))
			return fail(err, n + 1, "line contains a NUL byte");
		vec[n++] = p;
		if (!nl) {
			/* The last line has no "\n": its terminator must come from
			 * somewhere, so the caller's buffer has one spare byte. */
			*end = '\0';
			break;
		}
		*nl = '\0';
		p = nl + 1;
	}
	vec[n] = NULL;
	return (long)n;
}

long cfg_parse_cmd(char *buf, size_t len, char **vec, struct cfg_error *err)
{
	long n = split_lines(buf, len, vec, err);
	if (n == 0)
		return fail(err, 1, "empty: there is no command to run");
	return n;
}

long cfg_parse_env(char *buf, size_t len, char **vec, struct cfg_error *err)
{
	long n = split_lines(buf, len, vec, err);
	for (long i = 0; i < n; i++) {
		const char *eq = strchr(vec[i], '=');
		if (!eq || eq == vec[i])
			return fail(err, (size_t)i + 1, "not KEY=VALUE");
	}
	return n;
}

const char *cfg_env_get(char *const *env, const char *key)
{
	size_t klen = strlen(key);
	for (; *env; env++)
		if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}

void cfg_defaults(struct init_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->rlimits[RLIMIT_NOFILE] = (struct cfg_rlimit){true, 65536, 65536};
	c->shutdown_grace_ms = 5000;
	c->heartbeat_budget_ms = 60000;
	c->on_exit = CFG_ON_EXIT_SHUTDOWN;
	c->restart_limit = 3;
}

/* Decimal without sign, leading "+" or overflow; at most max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int r = parse_u64(s, max, &v);
	if (r == 0 && v < min)
		r = -ERANGE;
	if (r == 0)
		*out = (uint32_t)v;
	return r;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

/* "N", "unlimited", or "SOFT:HARD" with either side "unlimited". */
static int parse_limit_value(const char *s, uint64_t *out)
{
	if (strcmp(s, "unlimited") == 0)
		return *out = UINT64_MAX, 0;
	return parse_u64(s, UINT64_MAX - 1, out);
}

static int parse_rlimit(char *s, struct cfg_rlimit *rl)
{
	char *colon = strchr(s, ':');
	uint64_t soft, hard;
	if (colon)
		*colon = '\0';
	if (parse_limit_value(s, &soft) < 0)
		return -EINVAL;
	if (!colon)
		hard = soft;
	else if (parse_limit_value(colon + 1, &hard) < 0)
		return -EINVAL;
	if (soft > hard)
		return -ERANGE;
	*rl = (struct cfg_rlimit){true, soft, hard};
	return 0;
}

/* "1,2,3": at most CFG_MAX_GROUPS gids. */
static int parse_groups(char *s, struct init_conf *c)
{
	c->ngroups = 0;
	for (;;) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		if (c->ngroups == CFG_MAX_GROUPS)
			return -ERANGE;
		if (parse_u32(s, 0, UINT32_MAX - 1, &c->groups[c->ngroups++]) < 0)
			return -EINVAL;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

/* RFC 1123 label characters and dots, 1..64 bytes (HOST_NAME_MAX). */
static bool valid_hostname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return false;
	return true;
}

static const char *const rlimit_names[CFG_NLIMITS] = {
	[RLIMIT_CPU] = "cpu",         [RLIMIT_FSIZE] = "fsize",
	[RLIMIT_DATA] = "data",       [RLIMIT_STACK] = "stack",
	[RLIMIT_CORE] = "core",       [RLIMIT_RSS] = "rss",
	[RLIMIT_NPROC] = "nproc",     [RLIMIT_NOFILE] = "nofile",
	[RLIMIT_MEMLOCK] = "memlock", [RLIMIT_AS] = "as",
	[RLIMIT_LOCKS] = "locks",     [RLIMIT_SIGPENDING] = "sigpending",
	[RLIMIT_MSGQUEUE] = "msgqueue", [RLIMIT_NICE] = "nice",
	[RLIMIT_RTPRIO] = "rtprio",   [RLIMIT_RTTIME] = "rttime",
};

enum key {
	K_WORKDIR, K_HOSTNAME, K_UID, K_GID, K_GROUPS, K_GRACE, K_HEARTBEAT,
	K_ON_EXIT, K_RESTART_LIMIT, K_CTTY, K_DEBUG, K_COUNT
};
static const char *const key_names[K_COUNT] = {
	[K_WORKDIR] = "workdir",
	[K_HOSTNAME] = "hostname",
	[K_UID] = "uid",
	[K_GID] = "gid",
	[K_GROUPS] = "groups",
	[K_GRACE] = "shutdown_grace_ms",
	[K_HEARTBEAT] = "heartbeat_budget_ms",
	[K_ON_EXIT] = "on_exit",
	[K_RESTART_LIMIT] = "restart_limit",
	[K_CTTY] = "console_ctty",
	[K_DEBUG] = "debug",
};

/* Bit index in the "seen" mask: plain keys, then one per rlimit. */
static int lookup_key(const char *key)
{
	for (int i = 0; i < K_COUNT; i++)
		if (strcmp(key, key_names[i]) == 0)
			return i;
	if (strncmp(key, "rlimit.", 7) == 0)
		for (int i = 0; i < CFG_NLIMITS; i++)
			if (strcmp(key + 7, rlimit_names[i]) == 0)
				return K_COUNT + i;
	return -1;
}

static const char *apply(struct init_conf *c, int key, char *v)
{
	int r = 0;
	switch (key) {
	case K_WORKDIR:
		if (v[0] != '/')
			return "workdir must be an absolute path";
		if (strlen(v) >= 4096)
			return "workdir is longer than PATH_MAX";
		c->workdir = v;
		return NULL;
	case K_HOSTNAME:
		if (!valid_hostname(v))
			return "hostname must be 1-64 of [A-Za-z0-9.-]";
		c->hostname = v;
		return NULL;
	case K_UID:
		r = parse_u32(v, 0, UINT32_MAX - 1, &c->uid);
		c->has_uid = true;
		break;
	case K_GID:
		r = parse_u32(v, 0, UINT32_MAX - 1, &c->gid);
		c->has_gid = true;
		break;
	case K_GROUPS:
		c->has_groups = true;
		if (*v == '\0') /* "groups =" drops every supplementary group */
			return c->ngroups = 0, NULL;
		r = parse_groups(v, c);
		break;
	case K_GRACE:
		r = parse_u32(v, 0, 600000, &c->shutdown_grace_ms);
		break;
	case K_HEARTBEAT:
		r = parse_u32(v, 1, 3600000, &c->heartbeat_budget_ms);
		break;
	case K_ON_EXIT:
		if (strcmp(v, "shutdown") == 0)
			c->on_exit = CFG_ON_EXIT_SHUTDOWN;
		else if (strcmp(v, "restart") == 0)
			c->on_exit = CFG_ON_EXIT_RESTART;
		else
			return "on_exit must be shutdown or restart";
		return NULL;
	case K_RESTART_LIMIT:
		r = parse_u32(v, 0, 1000000, &c->restart_limit);
		break;
	case K_CTTY:
	case K_DEBUG:
		if (parse_bool(v, key == K_CTTY ? &c->ctty : &c->debug) < 0)
			return key == K_CTTY ? "console_ctty must be yes or no" : "debug must be yes or no";
		return NULL;
	default:
		r = parse_rlimit(v, &c->rlimits[key - K_COUNT]);
		if (r == -ERANGE)
			return "rlimit soft value exceeds hard value";
		if (r < 0)
			return "rlimit must be N, unlimited or SOFT:HARD";
		return NULL;
	}
	if (r == -ERANGE)
		return "number out of range";
	if (r < 0)
		return "not a decimal number";
	return NULL;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Strips blanks (and a CR from a CRLF line end) on both sides, in place. */
static char *trim(char *s, char *end)
{
	while (s < end && is_space(*s))
		s++;
	while (end > s && (is_space(end[-1]) || end[-1] == '\r'))
		end--;
	*end = '\0';
	return s;
}

int cfg_parse_conf(char *buf, size_t len, struct init_conf *c, struct cfg_error *err)
{
	uint64_t seen = 0;
	char *p = buf, *end = buf + len;
	for (size_t line = 1; p < end; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl ? nl : end;
		if (memchr(p, '\0', (size_t)(stop - p)))
			return (int)fail(err, line, "line contains a NUL byte");
		char *s = trim(p, stop);
		p = stop + 1;
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq)
			return (int)fail(err, line, "expected key = value");
		char *key = trim(s, eq);
		char *val = trim(eq + 1, eq + 1 + strlen(eq + 1));
		int k = lookup_key(key);
		if (k < 0)
			return (int)fail(err, line, "unknown key");
		if (seen & (UINT64_C(1) << k))
			return (int)fail(err, line, "duplicate key");
		seen |= UINT64_C(1) << k;
		const char *why = apply(c, k, val);
		if (why)
			return (int)fail(err, line, why);
	}
	return 0;
}
