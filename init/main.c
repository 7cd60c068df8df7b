/*
 * main.c — carve's init: PID 1 of a Nitro Enclave (issue 3, init/README.md).
 *
 * Two phases (catatonit): until the app runs, any failure prints
 * "init: <what failed>: <reason>" and ends the VM; once it runs, init only
 * reaps, forwards and waits.  PID 1 never returns from main: every path
 * ends in shutdown_vm().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "entropy.h"
#include "log.h"
#include "mounts.h"
#include "net.h"
#include "prep.h"
#include "shutdown.h"
#include "status.h"
#include "supervise.h"
#include "sys.h"
#include "vsock.h"

#ifndef CARVE_VERSION
#define CARVE_VERSION "unknown"
#endif

static const char usage[] =
	"Usage: init [--help | --version]\n"
	"\n"
	"carve's PID 1 for AWS Nitro Enclaves.  The kernel runs it as /init from\n"
	"the bootstrap ramdisk; it takes no options there (words the kernel passes\n"
	"from its command line are ignored).  It mounts /dev, sends the heartbeat\n"
	"(vsock CID 3 port 9000, 0xB7), seeds the RNG from /dev/nsm, reads /cmd,\n"
	"/env and the optional /init.conf, switches root into /rootfs, mounts\n"
	"/proc, /sys, /dev/pts, /dev/shm, /tmp, /run and cgroup2, brings lo up,\n"
	"runs the app, reaps orphans and forwards signals, then reports the app's\n"
	"status (vsock CID 3 port 9001, \"<status>\\n\") and ends the VM.\n"
	"\n"
	"Outside PID 1 it only answers these options:\n"
	"  --help     print this text\n"
	"  --version  print the version\n"
	"\n"
	"/init.conf keys (see init/README.md): workdir, uid, gid, groups,\n"
	"rlimit.<name>, hostname, shutdown_grace_ms, heartbeat_budget_ms,\n"
	"on_exit, restart_limit, console_ctty, debug.\n";

static void put(int fd, const char *s)
{
	(void)!write(fd, s, strlen(s));
}

/* Not PID 1: answer --help/--version, refuse everything else. */
static int not_pid1(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		put(1, usage);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		put(1, "init (carve) " CARVE_VERSION "\n");
		return 0;
	}
	if (argc >= 2 && argv[1][0] == '-') {
		put(2, "init: unknown option ");
		put(2, argv[1]);
		put(2, "\nTry 'init --help'.\n");
		return 2;
	}
	put(2, "init: refusing to run: not PID 1 (the kernel starts init as /init)\n");
	return 1;
}

/* fds 0-2 on /dev/console, else /dev/null (s6-linux-init's order).  No
 * controlling tty for PID 1: the console is the app's.  Opened without
 * O_CLOEXEC: when the kernel found no /dev/console in the initramfs
 * (nitro-cli's bootstrap ramdisk has none) fds 0-2 start closed, the open
 * returns 0, and that fd is the app's stdin. */
static void console_setup(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return; /* totally in the dark: keep going, errors are still fatal */
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i); /* dup2 clears FD_CLOEXEC on 0..2 */
	if (fd > 2)
		close(fd);
}

/* Everything the measured ramdisk says, read before switch root. */
struct boot_config {
	struct init_conf conf;
	char **argv, **envp;
	char *bufs[3];
	const char *failed_file; /* set when a file could not be used: */
	int err;                 /* unreadable (negative errno), or */
	struct cfg_error where;  /* malformed (where.reason is set) */
};

static const char default_path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static void read_config(struct boot_config *bc)
{
	size_t len;
	cfg_defaults(&bc->conf);
	int r = sys_read_file("/init.conf", &bc->bufs[0], &len);
	if (r == 0 && cfg_parse_conf(bc->bufs[0], len, &bc->conf, &bc->where) < 0) {
		cfg_defaults(&bc->conf); /* the heartbeat still uses a sane budget */
		bc->failed_file = "/init.conf";
		bc->err = -EINVAL;
		return;
	}
	if (r < 0 && r != -ENOENT) {
		bc->failed_file = "/init.conf";
		bc->err = r;
		return;
	}
	r = sys_read_file("/cmd", &bc->bufs[1], &len);
	if (r < 0) {
		bc->failed_file = "/cmd";
		bc->err = r;
		return;
	}
	bc->argv = malloc((cfg_count_lines(bc->bufs[1], len) + 1) * sizeof(char *));
	if (!bc->argv || cfg_parse_cmd(bc->bufs[1], len, bc->argv, &bc->where) < 0) {
		bc->failed_file = "/cmd";
		bc->err = bc->argv ? -EINVAL : -ENOMEM;
		return;
	}
	/* No /env at all reads as an empty one: nothing but the PATH. */
	int er = sys_read_file("/env", &bc->bufs[2], &len);
	if (er == -ENOENT) {
		static char none[1];
		bc->bufs[2] = none;
		len = 0;
	} else if (er < 0) {
		bc->failed_file = "/env";
		bc->err = er;
		return;
	}
	/* +2: the terminator and a PATH when /env has none. */
	bc->envp = malloc((cfg_count_lines(bc->bufs[2], len) + 2) * sizeof(char *));
	long n = bc->envp ? cfg_parse_env(bc->bufs[2], len, bc->envp, &bc->where) : -ENOMEM;
	if (n < 0) {
		bc->failed_file = "/env";
		bc->err = bc->envp ? -EINVAL : -ENOMEM;
		return;
	}
	if (!cfg_env_get(bc->envp, "PATH")) {
		bc->envp[n] = (char *)default_path;
		bc->envp[n + 1] = NULL;
	}
}

static void print_config_error(const struct boot_config *bc)
{
	struct logline l;
	log_begin(&l);
	if (bc->where.reason) {
		log_str(&l, bc->failed_file);
		log_str(&l, ":");
		log_u64(&l, bc->where.line);
		log_str(&l, ": ");
		log_str(&l, bc->where.reason);
	} else {
		log_str(&l, "cannot read ");
		log_str(&l, bc->failed_file);
		log_str(&l, ": ");
		log_str(&l, strerror(-bc->err));
	}
	log_end(&l);
}

static void print_heartbeat_error(const struct heartbeat *hb)
{
	struct logline l;
	log_begin(&l);
	log_str(&l, "heartbeat to the parent (vsock CID 3 port 9000) failed after ");
	log_u64(&l, hb->attempts);
	log_str(&l, hb->attempts == 1 ? " attempt in " : " attempts in ");
	log_u64(&l, now_ms() - hb->start_ms);
	log_str(&l, " ms: ");
	log_str(&l, strerror(-hb->err));
	if (hb->reply >= 0) {
		static const char hex[] = "0123456789abcdef";
		char b[5] = {'0', 'x', hex[hb->reply >> 4], hex[hb->reply & 15], 0};
		log_str(&l, " (answer ");
		log_str(&l, b);
		log_str(&l, ", expected 0xb7)");
	}
	log_end(&l);
}

static void print_app_end(int ws, int status)
{
	struct logline l;
	char sig[STATUS_SIGNAME_SIZE];
	log_begin(&l);
	if (WIFSIGNALED(ws)) {
		log_str(&l, "app killed by signal ");
		log_str(&l, status_signame(status - 128, sig));
		log_str(&l, " (status ");
		log_u64(&l, (uint64_t)status);
		log_str(&l, ")");
	} else {
		log_str(&l, "app exited with status ");
		log_u64(&l, (uint64_t)status);
	}
	log_end(&l);
}

int main(int argc, char **argv)
{
	if (getpid() != 1)
		return not_pid1(argc, argv);

	/* Kernel-supplied environment (cmdline words with "=") is not init's
	 * configuration; libnsm must not see e.g. NSM_DEVICE from there. */
	clearenv();
	umask(022);
	(void)chdir("/");
	/* A failure here resurfaces (printed, fatal) in mounts_app(). */
	(void)mounts_dev();
	console_setup();
	struct sup sup = {.sfd = -1};
	int r = sup_signals(&sup);
	if (r < 0) {
		log_fail("cannot set up signal handling", r);
		shutdown_vm(-1, 0, -1);
	}
	(void)reboot(RB_DISABLE_CAD);

	/* The child starts first: its work is the longest of what runs
	 * beside init's.  The connect request travels while the config is
	 * read. */
	struct prep prep;
	prep_start(&prep);
	struct heartbeat hb;
	hb_start(&hb);

	static struct boot_config bc;
	read_config(&bc);
	log_set_debug(bc.conf.debug);
	log_event("config read");

	hb_send(&hb);
	log_event(hb.fd >= 0 ? "heartbeat sent" : "heartbeat not sent, retrying later");

	if (!bc.failed_file) {
		r = mounts_switch_root("/rootfs");
		log_event(r == 1 ? "switched root to /rootfs" : "running from /");
		if (r >= 0)
			r = mounts_app();
		log_event("mounted");
	}
	/* Even a broken config gets the heartbeat answered first: nitro-cli
	 * then reports the enclave as started and its console (with the
	 * error below) can be attached, instead of a 3-minute boot timeout.
	 * The answer has usually arrived while init mounted. */
	int hb_err = hb_complete(&hb, bc.conf.heartbeat_budget_ms);
	if (hb_err == 0)
		log_event("heartbeat answered");
	long seeded = prep_finish(&prep);
	log_event("entropy seeded, lo up");
	if (r >= 0 && seeded < 0)
		r = (int)seeded;
	if (r >= 0 && !bc.failed_file) {
		entropy_report(seeded);
		if (bc.conf.hostname)
			r = net_set_hostname(bc.conf.hostname);
	}
	if (bc.failed_file)
		print_config_error(&bc);
	if (hb_err < 0)
		print_heartbeat_error(&hb);
	/* Any failing step above has printed why. */
	if (hb_err < 0 || bc.failed_file || r < 0)
		shutdown_vm(sup.sfd, 0, -1);

	struct app app = {.argv = bc.argv, .envp = bc.envp, .conf = &bc.conf};
	int status = 0;
	for (unsigned runs = 0;; runs++) {
		pid_t pid = sup_launch(&sup, &app);
		if (pid < 0) {
			log_fail("cannot start the app: fork", pid);
			shutdown_vm(sup.sfd, bc.conf.shutdown_grace_ms, -1);
		}
		log_event("app started");
		int ws = sup_wait(&sup, pid);
		status = status_from_wait(ws);
		print_app_end(ws, status);
		if (bc.conf.on_exit != CFG_ON_EXIT_RESTART || runs >= bc.conf.restart_limit)
			break;
		struct logline l;
		log_begin(&l);
		log_str(&l, "restarting the app (restart ");
		log_u64(&l, runs + 1);
		log_str(&l, " of ");
		log_u64(&l, bc.conf.restart_limit);
		log_str(&l, ")");
		log_end(&l);
		(void)sys_poll1(-1, 0, (int)backoff_ms(runs + 1));
	}
	shutdown_vm(sup.sfd, bc.conf.shutdown_grace_ms, status);
}
