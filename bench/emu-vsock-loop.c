/*
 * emu-vsock-loop: carve-vsock's packet path alone, no VM.  A fake QEMU +
 * guest driver (emu/vsock/fakeguest.c) streams through the real backend to
 * a Unix socket and back; prints throughput and the backend's CPU per MiB.
 * Goal (issue 7): the packet path >= 1 GB/s, so the backend is never the
 * bottleneck of a TCG guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../emu/vsock/fakeguest.h"

#define CID 42
#define TO_HOST (1024ull << 20)
#define TO_GUEST (512ull << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	int field = 2;
	for (char *t = strtok(p + 1, " "); t; t = strtok(NULL, " ")) {
		if (++field == 14)
			ut = strtoull(t, NULL, 10);
		if (field == 15) {
			st = strtoull(t, NULL, 10);
			break;
		}
	}
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void die(const char *what)
{
	fprintf(stderr, "emu-vsock-loop: cannot %s\n", what);
	exit(1);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	char dir[] = "/tmp/emu-vsock-loop.XXXXXX", uds[64], vhost[64], port_path[80];
	if (!mkdtemp(dir))
		die("create a temporary directory");
	snprintf(uds, sizeof(uds), "%s/vsock", dir);
	snprintf(vhost, sizeof(vhost), "%s/vhost.sock", dir);
	snprintf(port_path, sizeof(port_path), "%s_7000", uds);
	const char *bin = getenv("CARVE_VSOCK") ? getenv("CARVE_VSOCK") : "build/bin/carve-vsock";
	pid_t backend = fork();
	if (backend == 0) {
		execl(bin, bin, "--socket", vhost, "--uds", uds, "--cid", "42", "--once", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 250 && access(vhost, F_OK) != 0; i++)
		usleep(20000);
	struct fakeguest g;
	if (fg_open(&g, vhost, 1) < 0)
		die("start the fake guest");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", port_path);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0)
		die("listen on the host port");
	struct vsock_hdr h = {.src_cid = CID, .dst_cid = 3, .src_port = 6000, .dst_port = 7000,
			      .type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_REQUEST, .buf_alloc = 256 * 1024};
	static uint8_t b[FG_TXBUF];
	struct vsock_hdr r;
	if (fg_send(&g, &h, NULL, 0) < 0 || fg_recv(&g, &r, b, sizeof(b), 3000) < 0 ||
	    r.op != VSOCK_OP_RESPONSE)
		die("connect the guest to the host");
	int hs = accept(l, NULL, NULL);
	pid_t sink = fork();
	if (sink == 0) { /* host side: swallow TO_HOST bytes, then send TO_GUEST */
		static uint8_t rb[1 << 16];
		unsigned long long got = 0;
		while (got < TO_HOST) {
			ssize_t n = read(hs, rb, sizeof(rb));
			if (n <= 0)
				_exit(1);
			got += (unsigned long long)n;
		}
		memset(rb, 0x5a, sizeof(rb));
		for (unsigned long long off = 0; off < TO_GUEST; off += sizeof(rb))
			if (write(hs, rb, sizeof(rb)) != (ssize_t)sizeof(rb))
				_exit(2);
		_exit(0);
	}
	close(hs);
	memset(b, 0xa5, sizeof(b));

	/* guest -> host in 64 KiB packets, within credit */
	uint32_t alloc = r.buf_alloc, fwd = r.fwd_cnt, tx = 0;
	double cpu0 = cpu_seconds(backend), t0 = now();
	h.op = VSOCK_OP_RW;
	for (unsigned long long sent = 0; sent < TO_HOST;) {
		uint32_t credit = vsock_credit(alloc, tx, fwd);
		if (credit == 0) {
			if (fg_recv(&g, &r, b, sizeof(b), 5000) < 0)
				die("receive a credit update");
			fwd = r.fwd_cnt;
			continue;
		}
		uint32_t k = credit < 65536 ? credit : 65536;
		h.len = k;
		if (fg_send(&g, &h, b, k) < 0)
			die("send on tx");
		sent += k;
		tx += k;
	}
	double t1 = now(), cpu1 = cpu_seconds(backend);

	/* host -> guest into 4 KiB rx buffers, crediting as Linux does */
	unsigned long long got = 0;
	uint32_t consumed = 0, announced = 0;
	while (got < TO_GUEST) {
		int n = fg_recv(&g, &r, b, sizeof(b), 5000);
		if (n < 0)
			die("receive on rx");
		if (r.op != VSOCK_OP_RW)
			continue;
		got += (unsigned)n;
		consumed += (uint32_t)n;
		if (consumed - announced >= 64 * 1024) {
			struct vsock_hdr cu = h;
			cu.op = VSOCK_OP_CREDIT_UPDATE;
			cu.len = 0;
			cu.fwd_cnt = consumed;
			if (fg_send(&g, &cu, NULL, 0) < 0)
				die("send a credit update");
			announced = consumed;
		}
	}
	double t2 = now(), cpu2 = cpu_seconds(backend);
	int st;
	waitpid(sink, &st, 0);
	fg_close(&g);
	waitpid(backend, &st, 0);
	unlink(port_path);
	rmdir(dir);

	double mib_h = (double)TO_HOST / (1 << 20), mib_g = (double)TO_GUEST / (1 << 20);
	printf("emu-vsock-loop\tguest->host stream (64 KiB packets)\t%.0f\tMB/s\tgoal >= 1000\n",
	       (double)TO_HOST / (t1 - t0) / 1e6);
	printf("emu-vsock-loop\tbackend CPU, guest->host\t%.0f\tus/MiB\tbackend alone\n",
	       (cpu1 - cpu0) / mib_h * 1e6);
	printf("emu-vsock-loop\tpacket path per backend CPU second, guest->host\t%.0f\tMB/s\tgoal >= 1000\n",
	       (double)TO_HOST / (cpu1 - cpu0 > 0 ? cpu1 - cpu0 : 1e-9) / 1e6);
	printf("emu-vsock-loop\thost->guest stream (4 KiB rx buffers)\t%.0f\tMB/s\tgoal >= 1000\n",
	       (double)TO_GUEST / (t2 - t1) / 1e6);
	printf("emu-vsock-loop\tbackend CPU, host->guest\t%.0f\tus/MiB\tbackend alone\n",
	       (cpu2 - cpu1) / mib_g * 1e6);
	printf("emu-vsock-loop\tpacket path per backend CPU second, host->guest\t%.0f\tMB/s\tgoal >= 1000\n",
	       (double)TO_GUEST / (cpu2 - cpu1 > 0 ? cpu2 - cpu1 : 1e-9) / 1e6);
	return 0;
}
