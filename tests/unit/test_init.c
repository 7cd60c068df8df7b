/*
 * Unit tests for init's pure code: the /cmd, /env and /init.conf parsers
 * (including hostile inputs), exit-status mapping, signal names and the
 * backoff schedule.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "../../init/config.h"
#include "../../init/status.h"

/* A parser input: a heap copy with the spare byte config.h requires, so
 * ASan catches any read or write past it. */
struct input {
	char *buf;
	size_t len;
	char **vec;
};

static struct input input(const char *bytes, size_t len)
{
	struct input in = {malloc(len + 1), len, NULL};
	assert_non_null(in.buf);
	memcpy(in.buf, bytes, len);
	in.buf[len] = 'X'; /* the parser must overwrite or ignore it */
	in.vec = calloc(cfg_count_lines(in.buf, len) + 1, sizeof(char *));
	assert_non_null(in.vec);
	return in;
}
#define INPUT(lit) input(lit, sizeof(lit) - 1)

static void input_free(struct input *in)
{
	free(in->buf);
	free(in->vec);
}

static void test_count_lines(void **state)
{
	(void)state;
	assert_int_equal(cfg_count_lines("", 0), 0);
	assert_int_equal(cfg_count_lines("a", 1), 1);
	assert_int_equal(cfg_count_lines("a\n", 2), 1);
	assert_int_equal(cfg_count_lines("a\nb", 3), 2);
	assert_int_equal(cfg_count_lines("\n\n", 2), 2);
}

static void test_cmd_nitro_format(void **state)
{
	(void)state;
	struct cfg_error e;
	struct input in = INPUT("/bin/hello.sh\n--flag=a b\n\nünï\n");
	assert_int_equal(cfg_parse_cmd(in.buf, in.len, in.vec, &e), 4);
	assert_string_equal(in.vec[0], "/bin/hello.sh");
	assert_string_equal(in.vec[1], "--flag=a b");
	assert_string_equal(in.vec[2], ""); /* an empty argument is kept */
	assert_string_equal(in.vec[3], "ünï");
	assert_null(in.vec[4]);
	input_free(&in);
}

static void test_cmd_missing_newline(void **state)
{
	(void)state;
	struct cfg_error e;
	struct input in = INPUT("sh\n-c\necho hi");
	assert_int_equal(cfg_parse_cmd(in.buf, in.len, in.vec, &e), 3);
	assert_string_equal(in.vec[2], "echo hi");
	assert_null(in.vec[3]);
	input_free(&in);
}

static void test_cmd_empty(void **state)
{
	(void)state;
	struct cfg_error e = {0, NULL};
	struct input in = input("", 0);
	assert_int_equal(cfg_parse_cmd(in.buf, in.len, in.vec, &e), -EINVAL);
	assert_int_equal(e.line, 1);
	assert_string_equal(e.reason, "empty: there is no command to run");
	input_free(&in);
}

static void test_cmd_nul_byte(void **state)
{
	(void)state;
	struct cfg_error e = {0, NULL};
	struct input in = INPUT("ok\nbad\0arg\n");
	assert_int_equal(cfg_parse_cmd(in.buf, in.len, in.vec, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.reason, "line contains a NUL byte");
	input_free(&in);
}

static void test_cmd_crlf_is_data(void **state)
{
	(void)state;
	struct cfg_error e;
	/* nitro-cli never writes "\r"; AWS's init keeps it, so do we. */
	struct input in = INPUT("app\r\narg\r\n");
	assert_int_equal(cfg_parse_cmd(in.buf, in.len, in.vec, &e), 2);
	assert_string_equal(in.vec[0], "app\r");
	assert_string_equal(in.vec[1], "arg\r");
	input_free(&in);
}

static void test_cmd_one_mib_line(void **state)
{
	(void)state;
	struct cfg_error e;
	size_t n = 1 << 20;
	char *big = malloc(n + 2);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\n';
	big[n + 1] = 'b';
	struct input in = input(big, n + 2);
	free(big);
	assert_int_equal(cfg_parse_cmd(in.buf, in.len, in.vec, &e), 2);
	assert_int_equal(strlen(in.vec[0]), n);
	assert_string_equal(in.vec[1], "b");
	input_free(&in);
}

static void test_env(void **state)
{
	(void)state;
	struct cfg_error e;
	struct input in = INPUT("PATH=/usr/local/bin:/bin\nHELLO=Hello from the enclave side!\n"
				"EQ=a=b==c\nEMPTY=\n");
	assert_int_equal(cfg_parse_env(in.buf, in.len, in.vec, &e), 4);
	assert_string_equal(cfg_env_get(in.vec, "HELLO"), "Hello from the enclave side!");
	assert_string_equal(cfg_env_get(in.vec, "EQ"), "a=b==c");
	assert_string_equal(cfg_env_get(in.vec, "EMPTY"), "");
	assert_string_equal(cfg_env_get(in.vec, "PATH"), "/usr/local/bin:/bin");
	assert_null(cfg_env_get(in.vec, "PAT"));
	assert_null(cfg_env_get(in.vec, "HELLO=Hello"));
	input_free(&in);
}

static void test_env_empty_file(void **state)
{
	(void)state;
	struct cfg_error e;
	struct input in = input("", 0);
	assert_int_equal(cfg_parse_env(in.buf, in.len, in.vec, &e), 0);
	assert_null(in.vec[0]);
	input_free(&in);
}

static void test_env_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t len, line;
		const char *reason;
	} cases[] = {
		{"A=1\nNOEQUALS\n", 13, 2, "not KEY=VALUE"},
		{"=value\n", 7, 1, "not KEY=VALUE"},
		{"A=1\n\nB=2\n", 9, 2, "not KEY=VALUE"},
		{"A=1\nB=x\0y", 9, 2, "line contains a NUL byte"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cfg_error e = {0, NULL};
		struct input in = input(cases[i].text, cases[i].len);
		assert_int_equal(cfg_parse_env(in.buf, in.len, in.vec, &e), -EINVAL);
		assert_int_equal(e.line, cases[i].line);
		assert_string_equal(e.reason, cases[i].reason);
		input_free(&in);
	}
}

static void test_conf_defaults(void **state)
{
	(void)state;
	struct init_conf c;
	cfg_defaults(&c);
	assert_null(c.workdir);
	assert_null(c.hostname);
	assert_false(c.has_uid || c.has_gid || c.has_groups);
	assert_true(c.rlimits[RLIMIT_NOFILE].set);
	assert_int_equal(c.rlimits[RLIMIT_NOFILE].soft, 65536);
	assert_int_equal(c.rlimits[RLIMIT_NOFILE].hard, 65536);
	assert_false(c.rlimits[RLIMIT_CORE].set);
	assert_int_equal(c.shutdown_grace_ms, 5000);
	assert_int_equal(c.heartbeat_budget_ms, 60000);
	assert_int_equal(c.on_exit, CFG_ON_EXIT_SHUTDOWN);
	assert_false(c.ctty);
	assert_false(c.debug);
}

static void test_conf_full(void **state)
{
	(void)state;
	struct init_conf c;
	struct cfg_error e = {0, NULL};
	struct input in = INPUT("# carve init.conf\r\n"
				"\n"
				"workdir = /srv/app dir\r\n"
				"uid=1000\n"
				"  gid =\t1001  \n"
				"groups = 10,20,30\n"
				"rlimit.nofile = 1024:4096\n"
				"rlimit.core = unlimited\n"
				"rlimit.stack = 8388608:unlimited\n"
				"hostname = enclave-1.example\n"
				"shutdown_grace_ms = 250\n"
				"heartbeat_budget_ms = 3000\n"
				"on_exit = restart\n"
				"restart_limit = 7\n"
				"console_ctty = on\n"
				"debug = yes");
	cfg_defaults(&c);
	assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), 0);
	assert_string_equal(c.workdir, "/srv/app dir");
	assert_true(c.has_uid && c.has_gid && c.has_groups);
	assert_int_equal(c.uid, 1000);
	assert_int_equal(c.gid, 1001);
	assert_int_equal(c.ngroups, 3);
	assert_int_equal(c.groups[2], 30);
	assert_int_equal(c.rlimits[RLIMIT_NOFILE].soft, 1024);
	assert_int_equal(c.rlimits[RLIMIT_NOFILE].hard, 4096);
	assert_true(c.rlimits[RLIMIT_CORE].set);
	assert_true(c.rlimits[RLIMIT_CORE].soft == UINT64_MAX && c.rlimits[RLIMIT_CORE].hard == UINT64_MAX);
	assert_true(c.rlimits[RLIMIT_STACK].hard == UINT64_MAX);
	assert_int_equal(c.rlimits[RLIMIT_STACK].soft, 8388608);
	assert_string_equal(c.hostname, "enclave-1.example");
	assert_int_equal(c.shutdown_grace_ms, 250);
	assert_int_equal(c.heartbeat_budget_ms, 3000);
	assert_int_equal(c.on_exit, CFG_ON_EXIT_RESTART);
	assert_int_equal(c.restart_limit, 7);
	assert_true(c.ctty);
	assert_true(c.debug);
	input_free(&in);
}

static void test_conf_empty_and_comments(void **state)
{
	(void)state;
	struct init_conf c, d;
	struct cfg_error e;
	cfg_defaults(&c);
	cfg_defaults(&d);
	struct input in = input("", 0);
	assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), 0);
	input_free(&in);
	in = INPUT("\n   \n# only = comments\n\t\r\n");
	assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	input_free(&in);
}

static void test_conf_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t line;
		const char *reason;
	} cases[] = {
		{"debug = yes\nnonsense\n", 2, "expected key = value"},
		{"colour = blue\n", 1, "unknown key"},
		{"rlimit.bogus = 1\n", 1, "unknown key"},
		{"rlimit. = 1\n", 1, "unknown key"},
		{"uid = 1\nuid = 2\n", 2, "duplicate key"},
		{"rlimit.nofile = 1\n#\nrlimit.nofile = 2\n", 3, "duplicate key"},
		{"uid = -1\n", 1, "not a decimal number"},
		{"uid = 4294967295\n", 1, "number out of range"},
		{"uid = 99999999999999999999999\n", 1, "number out of range"},
		{"uid =\n", 1, "not a decimal number"},
		{"uid = 0x10\n", 1, "not a decimal number"},
		{"gid = +5\n", 1, "not a decimal number"},
		{"heartbeat_budget_ms = 0\n", 1, "number out of range"},
		{"shutdown_grace_ms = 600001\n", 1, "number out of range"},
		{"workdir = relative/dir\n", 1, "workdir must be an absolute path"},
		{"hostname = bad_name\n", 1, "hostname must be 1-64 of [A-Za-z0-9.-]"},
		{"hostname =\n", 1, "hostname must be 1-64 of [A-Za-z0-9.-]"},
		{"on_exit = reboot\n", 1, "on_exit must be shutdown or restart"},
		{"debug = maybe\n", 1, "debug must be yes or no"},
		{"console_ctty = 2\n", 1, "console_ctty must be yes or no"},
		{"rlimit.nofile = 10:5\n", 1, "rlimit soft value exceeds hard value"},
		{"rlimit.nofile = 10:\n", 1, "rlimit must be N, unlimited or SOFT:HARD"},
		{"rlimit.nofile = lots\n", 1, "rlimit must be N, unlimited or SOFT:HARD"},
		{"groups = 1,,2\n", 1, "not a decimal number"},
		{"= value\n", 1, "unknown key"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct init_conf c;
		struct cfg_error e = {0, NULL};
		struct input in = input(cases[i].text, strlen(cases[i].text));
		cfg_defaults(&c);
		assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), -EINVAL);
		assert_int_equal(e.line, cases[i].line);
		assert_string_equal(e.reason, cases[i].reason);
		input_free(&in);
	}
}

static void test_conf_nul_and_huge(void **state)
{
	(void)state;
	struct init_conf c;
	struct cfg_error e = {0, NULL};
	struct input in = INPUT("debug = yes\nwork\0dir = /x\n");
	cfg_defaults(&c);
	assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.reason, "line contains a NUL byte");
	input_free(&in);

	/* A 1 MiB value: parsed, then refused by the key's own bound. */
	size_t n = 1 << 20;
	char *big = malloc(n + 16);
	assert_non_null(big);
	memcpy(big, "workdir = /", 11);
	memset(big + 11, 'd', n);
	in = input(big, n + 11);
	free(big);
	cfg_defaults(&c);
	assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), -EINVAL);
	assert_string_equal(e.reason, "workdir is longer than PATH_MAX");
	input_free(&in);
}

static void test_conf_groups_limits(void **state)
{
	(void)state;
	char text[1024] = "groups = 0";
	struct init_conf c;
	struct cfg_error e;
	for (int i = 1; i < CFG_MAX_GROUPS; i++)
		sprintf(text + strlen(text), ",%d", i);
	struct input in = input(text, strlen(text));
	cfg_defaults(&c);
	assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), 0);
	assert_int_equal(c.ngroups, CFG_MAX_GROUPS);
	input_free(&in);
	strcat(text, ",64");
	in = input(text, strlen(text));
	assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), -EINVAL);
	assert_string_equal(e.reason, "number out of range");
	input_free(&in);
	in = INPUT("groups =\n");
	cfg_defaults(&c);
	assert_int_equal(cfg_parse_conf(in.buf, in.len, &c, &e), 0);
	assert_true(c.has_groups);
	assert_int_equal(c.ngroups, 0);
	input_free(&in);
}

static void test_status_mapping(void **state)
{
	(void)state;
	/* Build wait statuses the way the kernel encodes them. */
	for (int code = 0; code < 256; code++)
		assert_int_equal(status_from_wait(code << 8), code);
	for (int sig = 1; sig < 65; sig++) {
		if (sig == SIGSTOP) /* 0x137f would read as "stopped" */
			continue;
		assert_int_equal(status_from_wait(sig), 128 + sig);
		assert_int_equal(status_from_wait(sig | 0x80), 128 + sig); /* core dumped */
	}
	assert_int_equal(status_from_wait(0x137f), 255); /* stopped: not an end */
}

static void test_signame(void **state)
{
	(void)state;
	char b[STATUS_SIGNAME_SIZE];
	assert_string_equal(status_signame(SIGKILL, b), "SIGKILL");
	assert_string_equal(status_signame(SIGSEGV, b), "SIGSEGV");
	assert_string_equal(status_signame(SIGTERM, b), "SIGTERM");
	assert_string_equal(status_signame(SIGWINCH, b), "SIGWINCH");
	assert_string_equal(status_signame(SIGSYS, b), "SIGSYS");
	assert_string_equal(status_signame(32, b), "SIGRTMIN+0");
	assert_string_equal(status_signame(64, b), "SIGRTMIN+32");
	assert_string_equal(status_signame(0, b), "SIG?");
	assert_string_equal(status_signame(65, b), "SIG?");
}

static void test_backoff(void **state)
{
	(void)state;
	static const unsigned expect[] = {0, 10, 20, 40, 80, 160, 320, 640, 1000, 1000};
	for (unsigned i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		assert_int_equal(backoff_ms(i), expect[i]);
	assert_int_equal(backoff_ms(31), 1000);
	assert_int_equal(backoff_ms(32), 1000);
	assert_int_equal(backoff_ms(~0u), 1000);
	/* A 60 s budget allows about 60 tries once the pauses reach 1 s,
	 * never an unbounded loop. */
	unsigned total = 0, tries = 0;
	while (total < 60000)
		total += backoff_ms(++tries);
	assert_in_range(tries, 60, 70);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_lines),
		cmocka_unit_test(test_cmd_nitro_format),
		cmocka_unit_test(test_cmd_missing_newline),
		cmocka_unit_test(test_cmd_empty),
		cmocka_unit_test(test_cmd_nul_byte),
		cmocka_unit_test(test_cmd_crlf_is_data),
		cmocka_unit_test(test_cmd_one_mib_line),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_env_empty_file),
		cmocka_unit_test(test_env_malformed),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_full),
		cmocka_unit_test(test_conf_empty_and_comments),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_conf_nul_and_huge),
		cmocka_unit_test(test_conf_groups_limits),
		cmocka_unit_test(test_status_mapping),
		cmocka_unit_test(test_signame),
		cmocka_unit_test(test_backoff),
	};
	return cmocka_run_group_tests_name("init", tests, NULL, NULL);
}
