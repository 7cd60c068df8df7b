/*
 * probe — the in-VM test app for init's e2e matrix (tests/e2e/init-matrix.sh).
 * Static musl; what it does is chosen by argv[1].  Every line it prints
 * starts with "probe: " so the matrix can grep the console for it.
 *
 *   exit N          exit with status N
 *   kill SIG        kill itself with SIGKILL or SIGSEGV (by name)
 *   zombies N       leave N orphaned zombies to init, then check that none
 *                   remain (exit 0) or report how many do (exit 1)
 *   forward [SIG]...  for each of TERM (the default), INT, HUP: send it to
 *                   init (kill(1, SIG)) and wait until init forwards it to
 *                   the app; the handler's line says it came, then exit 0
 *   daemon [stubborn] leave a child with a SIGTERM handler, exit 7; init's
 *                   shutdown SIGTERM makes the child print and exit, or
 *                   (stubborn) go on, saying every 50 ms how long it has
 *                   outlived the SIGTERM, until init's SIGKILL
 *   tmpexec         copy itself into /tmp and /dev/shm and run the copies
 *   lo              check lo is up with 127.0.0.1/8 and a TCP round trip works
 *   random          read 32 bytes from /dev/random without blocking
 *   env             print argv and the environment
 *   id              print uid, gid, groups, cwd, RLIMIT_NOFILE, hostname
 *   groups          print uid, gid and the supplementary group list
 *   mounts          check /proc, /sys, /dev/pts, /dev/shm, /tmp, /run and
 *                   cgroup2 are mounted and /tmp is not noexec
 *   ctty            say whether the app has a controlling tty (/dev/tty)
 *   stdio           say whether fds 0, 1 and 2 are open; the exit status
 *                   has bit N set when fd N is closed
 *   parent PORT     print the kernel command line, connect to the parent
 *                   (CID 3) on vsock PORT, send "hello from cid <own CID>\n"
 *                   and print the line the parent answers
 *   first-output    print one line to the console and to /dev/kmsg (so the
 *                   kernel timestamps it; bench/init-boot.sh) and exit 0
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sockaddr_vm.h"

extern char **environ;

static int fail(const char *what)
{
	printf("probe: FAIL %s: %s\n", what, strerror(errno));
	return 1;
}

static int count_zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], buf[512];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		char *rp = strrchr(buf, ')');
		if (rp && rp[1] == ' ' && rp[2] == 'Z')
			n++;
	}
	closedir(d);
	return n;
}

static int zombies(int n)
{
	pid_t mid = fork();
	if (mid < 0)
		return fail("fork");
	if (mid == 0) {
		for (int i = 0; i < n; i++) {
			pid_t p = fork();
			if (p == 0)
				_exit(0);
			if (p < 0)
				_exit(2);
		}
		_exit(0); /* the grandchildren are init's now */
	}
	int ws;
	waitpid(mid, &ws, 0);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		printf("probe: FAIL could not fork %d children\n", n);
		return 1;
	}
	int left = -1;
	for (int i = 0; i < 100; i++) { /* up to 10 s for init to reap */
		left = count_zombies();
		if (left == 0)
			break;
		usleep(100000);
	}
	printf("probe: made %d orphans, zombies left %d\n", n, left);
	return left == 0 ? 0 : 1;
}

static volatile sig_atomic_t got_term;
static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static volatile sig_atomic_t got_sig;
static void on_sig(int sig)
{
	got_sig = sig;
}

static int forward(int nsigs, char **names)
{
	static const struct { const char *name; int sig; } known[] = {
		{"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP}};
	char *term[] = {"TERM"};
	if (nsigs == 0) {
		nsigs = 1;
		names = term;
	}
	alarm(30);
	for (int i = 0; i < nsigs; i++) {
		int sig = 0;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (!strcmp(names[i], known[k].name))
				sig = known[k].sig;
		if (!sig) {
			printf("probe: FAIL unknown signal %s\n", names[i]);
			return 64;
		}
		got_sig = 0;
		signal(sig, on_sig);
		pid_t p = fork();
		if (p == 0) {
			signal(sig, SIG_IGN); /* the group gets it too */
			kill(1, sig);
			_exit(0);
		}
		while (got_sig != sig)
			pause();
		waitpid(p, NULL, 0);
		printf("probe: caught SIG%s forwarded by init\n", names[i]);
	}
	fflush(stdout);
	return 0;
}

static void daemon_term(int sig)
{
	static const char msg[] = "probe: daemon caught SIGTERM at shutdown\n";
	(void)sig;
	(void)!write(1, msg, sizeof(msg) - 1);
	_exit(0);
}

static int daemon_mode(bool stubborn)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return fail("pipe");
	pid_t p = fork();
	if (p == 0) {
		/* A real daemon: its own session, so the app's exit (the
		 * console session leader's) does not SIGHUP it. */
		setsid();
		signal(SIGTERM, stubborn ? on_term : daemon_term);
		close(pfd[0]);
		(void)!write(pfd[1], "r", 1);
		while (!got_term)
			pause();
		/* Only the stubborn one gets here: how long it outlives the
		 * SIGTERM shows when init's SIGKILL came. */
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			usleep(50000);
			clock_gettime(CLOCK_MONOTONIC, &t);
			printf("probe: daemon alive %ld ms after SIGTERM\n",
			       (long)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000));
		}
	}
	char c;
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		return fail("daemon handshake");
	printf("probe: leaving daemon %d behind, exiting 7\n", (int)p);
	fflush(stdout);
	return 7;
}

static int run_copy(const char *dir)
{
	char path[64];
	snprintf(path, sizeof(path), "%s/probe-copy", dir);
	int in = open("/proc/self/exe", O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		return fail("copy /proc/self/exe");
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return fail("write copy");
	close(in);
	close(out);
	pid_t p = fork();
	if (p == 0) {
		execl(path, path, "exit", "0", (char *)NULL);
		_exit(errno == EACCES ? 126 : 127);
	}
	int ws;
	waitpid(p, &ws, 0);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		printf("probe: FAIL %s is not executable (status %d)\n", dir, WEXITSTATUS(ws));
		return 1;
	}
	printf("probe: %s is executable\n", dir);
	return 0;
}

static int lo_check(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return fail("SIOCGIFFLAGS lo");
	if (!(ifr.ifr_flags & IFF_UP)) {
		printf("probe: FAIL lo is down\n");
		return 1;
	}
	if (ioctl(s, SIOCGIFADDR, &ifr) < 0)
		return fail("SIOCGIFADDR lo");
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, addr, sizeof(addr));
	if (ioctl(s, SIOCGIFNETMASK, &ifr) < 0)
		return fail("SIOCGIFNETMASK lo");
	int prefix = __builtin_popcount(((struct sockaddr_in *)&ifr.ifr_netmask)->sin_addr.s_addr);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &sl) < 0)
		return fail("listen on 127.0.0.1");
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return fail("connect to 127.0.0.1");
	int v6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	const char *v6state = v6 < 0 ? "no IPv6" :
		bind(v6, (struct sockaddr *)&s6, sizeof(s6)) == 0 ? "::1 bound" : "::1 missing";
	printf("probe: lo up with %s/%d, TCP round trip ok, %s\n", addr, prefix, v6state);
	return strcmp(addr, "127.0.0.1") == 0 && prefix == 8 ? 0 : 1;
}

static int random_check(void)
{
	unsigned char b[32];
	int fd = open("/dev/random", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fail("open /dev/random");
	ssize_t n = read(fd, b, sizeof(b));
	if (n != (ssize_t)sizeof(b))
		return fail("read 32 bytes from /dev/random (non-blocking)");
	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b))
		return fail("getrandom(GRND_NONBLOCK)");
	printf("probe: read 32 bytes from /dev/random without blocking\n");
	return 0;
}

static int print_env(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		printf("probe: argv[%d]=%s\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		printf("probe: env %s\n", *e);
	return 0;
}

static int print_id(void)
{
	char cwd[256], host[65];
	gid_t g[64];
	int ng = getgroups(64, g);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	gethostname(host, sizeof(host));
	printf("probe: uid=%d gid=%d ngroups=%d cwd=%s nofile=%llu:%llu hostname=%s\n",
	       (int)getuid(), (int)getgid(), ng, getcwd(cwd, sizeof(cwd)) ? cwd : "?",
	       (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max, host);
	return 0;
}

static int print_groups(void)
{
	gid_t g[64];
	int ng = getgroups(64, g);
	char list[64 * 12] = "";
	for (int i = 0, o = 0; i < ng; i++)
		o += snprintf(list + o, sizeof(list) - (size_t)o, "%s%d", i ? "," : "", (int)g[i]);
	printf("probe: uid=%d gid=%d groups=%s\n", (int)getuid(), (int)getgid(), list);
	return ng < 0;
}

static int parent_hello(unsigned port)
{
	char line[512];
	FILE *f = fopen("/proc/cmdline", "r");
	if (!f || !fgets(line, sizeof(line), f))
		return fail("read /proc/cmdline");
	fclose(f);
	printf("probe: cmdline %s", line);
	/* A connected socket's own address says VMADDR_CID_ANY: ask the device. */
	unsigned cid;
	int dev = open("/dev/vsock", O_RDONLY);
	if (dev < 0 || ioctl(dev, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) < 0)
		return fail("IOCTL_VM_SOCKETS_GET_LOCAL_CID");
	int s = socket(AF_VSOCK, SOCK_STREAM, 0);
	struct sockaddr_vm_ a = {.family = AF_VSOCK, .port = port, .cid = 3};
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("connect to the parent");
	int n = snprintf(line, sizeof(line), "hello from cid %u\n", cid);
	if (write(s, line, (size_t)n) != n)
		return fail("write to the parent");
	size_t got = 0;
	ssize_t r;
	while (got < sizeof(line) - 1 && (r = read(s, line + got, 1)) == 1 && line[got] != '\n')
		got++;
	line[got] = '\0';
	printf("probe: parent answered '%s'\n", line);
	return 0;
}

static int mounts_check(void)
{
	static const char *const want[][2] = {
		{"/proc", "proc"}, {"/sys", "sysfs"}, {"/dev", "devtmpfs"},
		{"/dev/pts", "devpts"}, {"/dev/shm", "tmpfs"}, {"/tmp", "tmpfs"},
		{"/run", "tmpfs"}, {"/sys/fs/cgroup", "cgroup2"},
	};
	FILE *f = fopen("/proc/mounts", "r");
	if (!f)
		return fail("open /proc/mounts");
	char dev[256], dir[256], type[64], opts[512];
	int found[8] = {0}, bad = 0;
	while (fscanf(f, "%255s %255s %63s %511s %*d %*d", dev, dir, type, opts) == 4)
		for (int i = 0; i < 8; i++)
			if (!strcmp(dir, want[i][0]) && !strcmp(type, want[i][1])) {
				found[i] = 1;
				if ((i == 4 || i == 5) && strstr(opts, "noexec"))
					bad = 1;
			}
	fclose(f);
	for (int i = 0; i < 8; i++)
		if (!found[i]) {
			printf("probe: FAIL %s (%s) not mounted\n", want[i][0], want[i][1]);
			bad = 1;
		}
	if (!bad)
		printf("probe: all mounts present\n");
	return bad;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "first-output")) { /* before any other work */
		static const char line[] = "probe: first output\n";
		int k = open("/dev/kmsg", O_WRONLY);
		(void)!write(1, line, sizeof(line) - 1);
		return k >= 0 && write(k, "<5>" "probe: first output", 23) == 23 ? 0 : 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *arg = argc > 2 ? argv[2] : "0";
	if (!strcmp(mode, "exit")) {
		printf("probe: exiting with %d\n", atoi(arg));
		return atoi(arg);
	}
	if (!strcmp(mode, "kill")) {
		int sig = !strcmp(arg, "SEGV") ? SIGSEGV : SIGKILL;
		printf("probe: killing myself with SIG%s\n", arg);
		fflush(stdout);
		signal(sig, SIG_DFL);
		kill(getpid(), sig);
		return 99;
	}
	if (!strcmp(mode, "signal-init")) {
		/* Fault signals sent to PID 1 are not faults in init. */
		static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGABRT};
		for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
			kill(1, faults[i]);
		usleep(200000);
		printf("probe: init still runs after kill -SEGV/-BUS/-ILL/-ABRT 1\n");
		return 7;
	}
	if (!strcmp(mode, "zombies"))
		return zombies(atoi(arg));
	if (!strcmp(mode, "forward"))
		return forward(argc - 2, argv + 2);
	if (!strcmp(mode, "daemon"))
		return daemon_mode(argc > 2 && !strcmp(argv[2], "stubborn"));
	if (!strcmp(mode, "tmpexec"))
		return run_copy("/tmp") | run_copy("/dev/shm");
	if (!strcmp(mode, "lo"))
		return lo_check();
	if (!strcmp(mode, "random"))
		return random_check();
	if (!strcmp(mode, "env"))
		return print_env(argc, argv);
	if (!strcmp(mode, "id"))
		return print_id();
	if (!strcmp(mode, "parent"))
		return parent_hello((unsigned)atoi(arg));
	if (!strcmp(mode, "groups"))
		return print_groups();
	if (!strcmp(mode, "mounts"))
		return mounts_check();
	if (!strcmp(mode, "stdio")) {
		int closed = 0;
		for (int fd = 0; fd < 3; fd++)
			if (fcntl(fd, F_GETFD) < 0)
				closed |= 1 << fd;
		printf("probe: stdin %s, stdout %s, stderr %s\n", closed & 1 ? "closed" : "open",
		       closed & 2 ? "closed" : "open", closed & 4 ? "closed" : "open");
		return closed;
	}
	if (!strcmp(mode, "ctty")) {
		int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
		printf("probe: controlling tty %s\n", fd >= 0 ? "yes" : "no");
		fflush(stdout);
		tcdrain(1); /* this line must not be lost in the exit hangup */
		return 0;
	}
	printf("probe: unknown mode '%s'\n", mode);
	return 64;
}
