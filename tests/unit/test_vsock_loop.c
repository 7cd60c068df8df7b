/* carve-vsock end to end without QEMU: a fake QEMU + guest driver
 * (emu/vsock/fakeguest.c) talks to the real backend binary over its
 * vhost-user socket and shared memory; host sides are Unix sockets. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../emu/vsock/fakeguest.h"

#define CID 42
#define GUEST_BUF (256u * 1024)

static char dir[32], uds[48], vhost[64], status_path[64];
static pid_t backend;
static struct fakeguest g;

/* Runs the backend on the vhost-user socket sock and the base path base,
 * with the options in extra (NULL-terminated, at most 10), and waits until
 * sock is there. */
static pid_t start_backend(const char *sock, const char *base, const char *const *extra)
{
	const char *bin = getenv("CARVE_VSOCK") ? getenv("CARVE_VSOCK") : CARVE_VSOCK_BIN;
	const char *argv[16] = {bin, "--socket", sock, "--uds", base};
	for (unsigned i = 0; extra[i] && i < 10; i++)
		argv[5 + i] = extra[i];
	pid_t p = fork();
	if (p == 0) {
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 250 && access(sock, F_OK) != 0; i++)
		usleep(20000);
	return p;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_vsock.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(uds, sizeof(uds), "%s/vsock", dir);
	snprintf(vhost, sizeof(vhost), "%s/vhost.sock", dir);
	snprintf(status_path, sizeof(status_path), "%s/status", dir);
	const char *opts[] = {"--cid", "42", "--status-file", status_path, "--once", "--verbose", NULL};
	backend = start_backend(vhost, uds, opts);
	return fg_open(&g, vhost, 1) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fg_close(&g);
	int st = 0;
	/* --once: it exits when "QEMU" hangs up; a hung backend fails the suite. */
	pid_t w = 0;
	for (int i = 0; i < 200 && (w = waitpid(backend, &st, WNOHANG)) == 0; i++)
		usleep(10000);
	if (w == 0) {
		kill(backend, SIGKILL);
		waitpid(backend, &st, 0);
		fprintf(stderr, "# carve-vsock did not exit after the disconnect\n");
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static struct vsock_hdr pkt(uint16_t op, uint32_t sport, uint64_t dcid, uint32_t dport)
{
	return (struct vsock_hdr){.src_cid = CID, .dst_cid = dcid, .src_port = sport, .dst_port = dport,
				  .type = VSOCK_TYPE_STREAM, .op = op, .buf_alloc = GUEST_BUF};
}

static void expect(uint16_t op, uint32_t dport, struct vsock_hdr *h, uint8_t *buf, size_t cap)
{
	int n = fg_recv(&g, h, buf, cap, 3000);
	assert_true(n >= 0);
	assert_int_equal(h->op, op);
	assert_int_equal(h->dst_cid, CID);
	assert_int_equal(h->dst_port, dport);
}

/* The guest opens a stream from port sport to the parent's (CID 3) port
 * dport: *h is left as the request, for further packets on the stream, and
 * *r holds the backend's RESPONSE. */
static void open_stream(uint32_t sport, uint32_t dport, struct vsock_hdr *h, struct vsock_hdr *r)
{
	uint8_t none[16];
	*h = pkt(VSOCK_OP_REQUEST, sport, 3, dport);
	assert_int_equal(fg_send(&g, h, NULL, 0), 0);
	expect(VSOCK_OP_RESPONSE, sport, r, none, sizeof(none));
}

/* The guest closes its stream h: SHUTDOWN RCV|SEND, as Linux's close() sends. */
static void guest_closes(struct vsock_hdr *h)
{
	h->op = VSOCK_OP_SHUTDOWN;
	h->len = 0;
	h->flags = VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
	assert_int_equal(fg_send(&g, h, NULL, 0), 0);
}

static void test_config_cid(void **state)
{
	(void)state;
	assert_int_equal(g.cid, CID);
}

static void test_heartbeat_builtin(void **state)
{
	(void)state;
	struct vsock_hdr h, r;
	uint8_t b[16], hb = 0xB7;
	open_stream(5000, 9000, &h, &r);
	assert_int_equal(r.src_cid, 3);
	assert_int_equal(r.src_port, 9000);
	h.op = VSOCK_OP_RW;
	h.len = 1;
	assert_int_equal(fg_send(&g, &h, &hb, 1), 0);
	expect(VSOCK_OP_RW, 5000, &r, b, sizeof(b));
	assert_int_equal(r.len, 1);
	assert_int_equal(b[0], 0xB7);
	guest_closes(&h);
	expect(VSOCK_OP_RST, 5000, &r, b, sizeof(b));
}

/* A guest that sends far more than one heartbeat byte gets back no more
 * than the responder holds (16), and the backend stays sound (the rest of
 * the suite runs on it; under `make asan` an overflow would abort). */
static void test_heartbeat_flood(void **state)
{
	(void)state;
	struct vsock_hdr h, r;
	uint8_t flood[200], b[256];
	memset(flood, 0xB7, sizeof(flood));
	open_stream(5003, 9000, &h, &r);
	h.op = VSOCK_OP_RW;
	h.len = sizeof(flood);
	assert_int_equal(fg_send(&g, &h, flood, sizeof(flood)), 0);
	expect(VSOCK_OP_RW, 5003, &r, b, sizeof(b));
	assert_int_equal(r.len, 16);
	assert_memory_equal(b, flood, 16);
	guest_closes(&h);
	expect(VSOCK_OP_RST, 5003, &r, b, sizeof(b));
}

static void test_refused_gets_rst(void **state)
{
	(void)state;
	struct vsock_hdr h = pkt(VSOCK_OP_REQUEST, 5001, 3, 1234), r;
	uint8_t b[16];
	assert_int_equal(fg_send(&g, &h, NULL, 0), 0);
	expect(VSOCK_OP_RST, 5001, &r, b, sizeof(b));
	assert_int_equal(r.src_port, 1234);
	/* data for a connection that does not exist: RST too */
	h.op = VSOCK_OP_RW;
	h.len = 2;
	assert_int_equal(fg_send(&g, &h, "xy", 2), 0);
	expect(VSOCK_OP_RST, 5001, &r, b, sizeof(b));
	/* a sibling CID is not routed anywhere */
	h = pkt(VSOCK_OP_REQUEST, 5002, 77, 9000);
	assert_int_equal(fg_send(&g, &h, NULL, 0), 0);
	expect(VSOCK_OP_RST, 5002, &r, b, sizeof(b));
}

/* Host-side sockets wait at most this long in accept(), read() or write():
 * a reply the backend never sends fails the test instead of hanging it. */
#define HOST_IO_TIMEOUT_S 10

static int with_deadline(int fd)
{
	struct timeval tv = {.tv_sec = HOST_IO_TIMEOUT_S};
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

/* The host listens on "<uds>_port", where guest streams to port go. */
static int listen_port(uint32_t port)
{
	int fd = with_deadline(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s_%u", uds, port);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void unlisten_port(int l, uint32_t port)
{
	char path[64];
	snprintf(path, sizeof(path), "%s_%u", uds, port);
	close(l);
	unlink(path);
}

/* open_stream() to a port the host listens on with l: the host's end. */
static int open_host_stream(int l, uint32_t sport, uint32_t dport, struct vsock_hdr *h, struct vsock_hdr *r)
{
	open_stream(sport, dport, h, r);
	return with_deadline(accept(l, NULL, NULL));
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 12));
}

/* Sends total bytes of pattern() on the guest's stream h within the
 * credit the device grants (its RESPONSE resp, then CREDIT_UPDATEs), as
 * Linux does. */
static void send_within_credit(struct vsock_hdr *h, const struct vsock_hdr *resp, size_t total)
{
	static uint8_t b[FG_TXBUF];
	struct vsock_hdr r;
	uint32_t alloc = resp->buf_alloc, fwd = resp->fwd_cnt, tx = 0;
	h->op = VSOCK_OP_RW;
	for (size_t sent = 0; sent < total;) {
		uint32_t credit = vsock_credit(alloc, tx, fwd);
		if (credit == 0) { /* wait for a CREDIT_UPDATE */
			expect(VSOCK_OP_CREDIT_UPDATE, h->src_port, &r, b, sizeof(b));
			fwd = r.fwd_cnt;
			continue;
		}
		uint32_t k = credit < 60000 ? credit : 60000;
		if (k > total - sent)
			k = (uint32_t)(total - sent);
		for (uint32_t i = 0; i < k; i++)
			b[i] = pattern(sent + i);
		h->len = k;
		assert_int_equal(fg_send(&g, h, b, k), 0);
		sent += k;
		tx += k;
	}
}

/* Like expect(), past the CREDIT_UPDATEs a device may send at any time. */
static void expect_past_credit(uint16_t op, uint32_t dport, struct vsock_hdr *r, uint8_t *buf, size_t cap)
{
	for (int i = 0; i <= FG_QSIZE; i++) {
		assert_true(fg_recv(&g, r, buf, cap, 3000) >= 0);
		if (r->op != VSOCK_OP_CREDIT_UPDATE)
			break;
	}
	assert_int_equal(r->op, op);
	assert_int_equal(r->dst_port, dport);
}

/* The built-in responders hold the guest to the credit they granted: a
 * guest that sends past it (here one packet, queued with the rest before a
 * single kick) is reset instead of being copied from. */
static void test_builtin_credit_enforced(void **state)
{
	(void)state;
	static uint8_t big[64 * 1024];
	struct vsock_hdr h, r;
	uint8_t b[16];
	memset(big, '7', sizeof(big));
	open_stream(5020, 9001, &h, &r);
	h.op = VSOCK_OP_RW;
	h.len = sizeof(big);
	for (uint32_t i = 0; i <= r.buf_alloc / sizeof(big); i++)
		assert_int_equal(fg_queue(&g, &h, big, sizeof(big)), 0);
	fg_kick_tx(&g);
	expect(VSOCK_OP_RST, 5020, &r, b, sizeof(b));
}

/* ... and give credit back as they consume: a guest keeping to its credit
 * streams more than one buffer's worth to the status receiver. */
static void test_builtin_grants_credit(void **state)
{
	(void)state;
	struct vsock_hdr h, r;
	uint8_t b[16];
	open_stream(5021, 9001, &h, &r);
	send_within_credit(&h, &r, 2 * (size_t)r.buf_alloc);
	guest_closes(&h);
	expect_past_credit(VSOCK_OP_RST, 5021, &r, b, sizeof(b));
}

/* One kick with a full tx ring: the device takes part of it, serves rx (a
 * CREDIT_UPDATE answers the CREDIT_REQUESTs so far) and comes back for the
 * rest by itself, so a guest republishing entries cannot keep it there. */
static void test_tx_batch_bounded(void **state)
{
	(void)state;
	struct vsock_hdr h, r;
	uint8_t b[16], hb = 0xB7;
	open_stream(5030, 9000, &h, &r);
	h.op = VSOCK_OP_CREDIT_REQUEST;
	for (int i = 0; i < FG_QSIZE; i++)
		assert_int_equal(fg_queue(&g, &h, NULL, 0), 0);
	fg_kick_tx(&g);
	expect(VSOCK_OP_CREDIT_UPDATE, 5030, &r, b, sizeof(b));
	expect(VSOCK_OP_CREDIT_UPDATE, 5030, &r, b, sizeof(b));
	h.op = VSOCK_OP_RW;
	h.len = 1;
	assert_int_equal(fg_send(&g, &h, &hb, 1), 0);
	expect_past_credit(VSOCK_OP_RW, 5030, &r, b, sizeof(b));
	assert_int_equal(b[0], 0xB7);
	guest_closes(&h);
	expect(VSOCK_OP_RST, 5030, &r, b, sizeof(b));
}

/* Guest -> host 4 MiB within credit, host -> guest 2 MiB written while the
 * guest does not read (the rx ring fills; nothing may be lost), then EOF. */
static void test_stream_both_ways(void **state)
{
	(void)state;
	int l = listen_port(7000);
	struct vsock_hdr h, r;
	static uint8_t b[FG_TXBUF];
	int hs = open_host_stream(l, 6000, 7000, &h, &r);

	/* host side reader in a child: checks the pattern, then writes 2 MiB back and closes */
	pid_t child = fork();
	if (child == 0) {
		static uint8_t rb[65536];
		size_t got = 0;
		while (got < (4u << 20)) {
			ssize_t n = read(hs, rb, sizeof(rb));
			if (n <= 0)
				_exit(1);
			for (ssize_t i = 0; i < n; i++)
				if (rb[i] != pattern(got + (size_t)i))
					_exit(2);
			got += (size_t)n;
		}
		for (size_t off = 0; off < (2u << 20); off += sizeof(rb)) {
			for (size_t i = 0; i < sizeof(rb); i++)
				rb[i] = pattern(off + i + 12345);
			if (write(hs, rb, sizeof(rb)) != (ssize_t)sizeof(rb))
				_exit(3);
		}
		_exit(0);
	}
	close(hs);
	send_within_credit(&h, &r, 4u << 20);
	/* let the host write 2 MiB while we read nothing (ring holds 1 MiB) */
	usleep(300000);
	size_t got = 0;
	uint32_t fwd = 0;
	for (;;) {
		int n = fg_recv(&g, &r, b, sizeof(b), 5000);
		assert_true(n >= 0);
		if (r.op == VSOCK_OP_CREDIT_UPDATE)
			continue;
		if (r.op == VSOCK_OP_SHUTDOWN) {
			assert_int_equal(r.flags & VSOCK_SHUTDOWN_SEND, VSOCK_SHUTDOWN_SEND);
			break;
		}
		if (r.op != VSOCK_OP_CREDIT_REQUEST) { /* the device ran out of credit: answer it */
			assert_int_equal(r.op, VSOCK_OP_RW);
			for (int i = 0; i < n; i++)
				assert_int_equal(b[i], pattern(got + (size_t)i + 12345));
			got += (size_t)n;
			fwd += (uint32_t)n;
		}
		/* consume and tell the device, as Linux does */
		struct vsock_hdr cu = pkt(VSOCK_OP_CREDIT_UPDATE, 6000, 3, 7000);
		cu.fwd_cnt = fwd;
		assert_int_equal(fg_send(&g, &cu, NULL, 0), 0);
	}
	assert_int_equal(got, 2u << 20);
	int st;
	waitpid(child, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	guest_closes(&h);
	expect_past_credit(VSOCK_OP_RST, 6000, &r, b, sizeof(b));
	unlisten_port(l, 7000);
}

/* The host closes its end of the guest's stream h (port sport): the guest
 * sees SHUTDOWN and answers RST, as Linux does; the stream is gone. */
static void host_closes(int hs, struct vsock_hdr *h)
{
	struct vsock_hdr r;
	uint8_t b[16];
	close(hs);
	expect(VSOCK_OP_SHUTDOWN, h->src_port, &r, b, sizeof(b));
	h->op = VSOCK_OP_RST;
	h->len = 0;
	assert_int_equal(fg_send(&g, h, NULL, 0), 0);
}

/* A host server that speaks first: the guest's REQUEST carries its credit,
 * so the greeting reaches the guest before the guest sends anything. */
static void test_server_speaks_first(void **state)
{
	(void)state;
	int l = listen_port(7200);
	struct vsock_hdr h, r;
	uint8_t b[64];
	int hs = open_host_stream(l, 6200, 7200, &h, &r);
	assert_int_equal(write(hs, "220 ready\n", 10), 10);
	expect(VSOCK_OP_RW, 6200, &r, b, sizeof(b));
	assert_int_equal(r.len, 10);
	assert_memory_equal(b, "220 ready\n", 10);
	host_closes(hs, &h);
	unlisten_port(l, 7200);
}

/* A guest that offers no buffer (buf_alloc 0) is asked for credit once
 * host data waits, and only once: its "still 0" answer is not asked again;
 * the data goes when credit comes. */
static void test_credit_request_once(void **state)
{
	(void)state;
	int l = listen_port(7300);
	struct vsock_hdr h = pkt(VSOCK_OP_REQUEST, 6300, 3, 7300), r;
	uint8_t b[64];
	h.buf_alloc = 0;
	assert_int_equal(fg_send(&g, &h, NULL, 0), 0);
	expect(VSOCK_OP_RESPONSE, 6300, &r, b, sizeof(b));
	int hs = with_deadline(accept(l, NULL, NULL));
	assert_int_equal(write(hs, "x", 1), 1);
	expect(VSOCK_OP_CREDIT_REQUEST, 6300, &r, b, sizeof(b));
	h.op = VSOCK_OP_CREDIT_UPDATE;
	assert_int_equal(fg_send(&g, &h, NULL, 0), 0);
	h.buf_alloc = 4096;
	assert_int_equal(fg_send(&g, &h, NULL, 0), 0);
	expect(VSOCK_OP_RW, 6300, &r, b, sizeof(b));
	assert_int_equal(r.len, 1);
	assert_int_equal(b[0], 'x');
	host_closes(hs, &h);
	unlisten_port(l, 7300);
}

/* rx buffers with room for the header only cannot carry host data: each
 * takes a CREDIT_UPDATE (the backend neither holds one nor spins over it),
 * and the data, neither lost nor turned into an EOF, comes in the first
 * buffer that has room. */
static void test_header_only_rx_buffers(void **state)
{
	(void)state;
	int l = listen_port(7400);
	struct vsock_hdr h, r;
	uint8_t b[64];
	int hs = open_host_stream(l, 6400, 7400, &h, &r);
	fg_set_rx_buf_len(&g, VSOCK_HDR_SIZE);
	assert_int_equal(write(hs, "data", 4), 4);
	expect(VSOCK_OP_CREDIT_UPDATE, 6400, &r, b, sizeof(b));
	assert_int_equal(r.len, 0);
	fg_set_rx_buf_len(&g, FG_RXBUF);
	/* Buffers the device took while they were short may still come back. */
	expect_past_credit(VSOCK_OP_RW, 6400, &r, b, sizeof(b));
	assert_int_equal(r.len, 4);
	assert_memory_equal(b, "data", 4);
	host_closes(hs, &h);
	unlisten_port(l, 7400);
}

/* A host client on the backend's base path that has sent line. */
static int host_client(const char *base, const char *line)
{
	int s = with_deadline(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", base);
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(write(s, line, strlen(line)), (ssize_t)strlen(line));
	return s;
}

/* A malformed CONNECT line is answered with ERROR and the client closed. */
static void expect_line_refused(const char *base)
{
	int s = host_client(base, "HELLO\n");
	char e[64] = {0};
	assert_true(read(s, e, sizeof(e) - 1) > 0);
	assert_memory_equal(e, "ERROR", 5);
	close(s);
}

/* A host that closes takes nothing more: SHUTDOWN RCV|SEND, as Linux's
 * close() sends.  A host that only shuts its write side: SHUTDOWN SEND, and
 * the guest's bytes still reach it. */
static void test_host_close_shutdown_flags(void **state)
{
	(void)state;
	int l = listen_port(7500);
	struct vsock_hdr h, r;
	uint8_t b[16];
	int hs = open_host_stream(l, 6500, 7500, &h, &r);
	close(hs);
	expect(VSOCK_OP_SHUTDOWN, 6500, &r, b, sizeof(b));
	assert_int_equal(r.flags, VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
	h.op = VSOCK_OP_RST;
	assert_int_equal(fg_send(&g, &h, NULL, 0), 0);

	hs = open_host_stream(l, 6501, 7500, &h, &r);
	assert_int_equal(shutdown(hs, SHUT_WR), 0);
	expect(VSOCK_OP_SHUTDOWN, 6501, &r, b, sizeof(b));
	assert_int_equal(r.flags, VSOCK_SHUTDOWN_SEND);
	h.op = VSOCK_OP_RW;
	h.len = 2;
	assert_int_equal(fg_send(&g, &h, "ab", 2), 0);
	assert_int_equal(read(hs, b, 2), 2);
	assert_memory_equal(b, "ab", 2);
	guest_closes(&h);
	expect(VSOCK_OP_RST, 6501, &r, b, sizeof(b));
	assert_int_equal(read(hs, b, 1), 0);
	close(hs);
	unlisten_port(l, 7500);
}

static void test_host_connect_line(void **state)
{
	(void)state;
	int s = host_client(uds, "CONNECT 5555\n");
	struct vsock_hdr r;
	uint8_t b[64];
	expect(VSOCK_OP_REQUEST, 5555, &r, b, sizeof(b));
	assert_int_equal(r.src_cid, 3);
	struct vsock_hdr h = pkt(VSOCK_OP_RESPONSE, 5555, 3, r.src_port);
	assert_int_equal(fg_send(&g, &h, NULL, 0), 0);
	char ok[16] = {0};
	assert_int_equal(read(s, ok, 8), 8);
	assert_string_equal(ok, "OK 5555\n");
	assert_int_equal(write(s, "hi", 2), 2);
	expect(VSOCK_OP_RW, 5555, &r, b, sizeof(b));
	assert_memory_equal(b, "hi", 2);
	/* guest resets: the host sees EOF */
	h.op = VSOCK_OP_RST;
	assert_int_equal(fg_send(&g, &h, NULL, 0), 0);
	assert_int_equal(read(s, ok, 1), 0);
	close(s);
	expect_line_refused(uds);
}

/* A host client that connects before QEMU does waits: once the guest's
 * rings run, its REQUEST goes out and the stream works. */
static void test_host_client_before_qemu(void **state)
{
	(void)state;
	char sock[64], base[64];
	snprintf(sock, sizeof(sock), "%s/vhost3.sock", dir);
	snprintf(base, sizeof(base), "%s/vsock3", dir);
	const char *once[] = {"--once", NULL}; /* gone with our end of its socket */
	pid_t p = start_backend(sock, base, once);
	int s = host_client(base, "CONNECT 5000\n");
	/* Clients are accepted in order: this answer means s was accepted too. */
	expect_line_refused(base);
	struct fakeguest g2;
	assert_int_equal(fg_open(&g2, sock, 1), 0);
	struct vsock_hdr r;
	uint8_t b[16];
	assert_true(fg_recv(&g2, &r, b, sizeof(b), 3000) >= 0);
	assert_int_equal(r.op, VSOCK_OP_REQUEST);
	assert_int_equal(r.dst_port, 5000);
	struct vsock_hdr h = {.src_cid = g2.cid, .dst_cid = r.src_cid, .src_port = 5000,
			      .dst_port = r.src_port, .type = VSOCK_TYPE_STREAM,
			      .op = VSOCK_OP_RESPONSE, .buf_alloc = GUEST_BUF};
	assert_int_equal(fg_send(&g2, &h, NULL, 0), 0);
	char ok[16] = {0};
	assert_int_equal(read(s, ok, 8), 8);
	assert_string_equal(ok, "OK 5000\n");
	close(s);
	fg_close(&g2);
	int st;
	waitpid(p, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_exit_status(void **state)
{
	(void)state;
	struct vsock_hdr h, r;
	open_stream(5010, 9001, &h, &r);
	h.op = VSOCK_OP_RW;
	/* One status per stream: the second line is not taken. */
	h.len = 8;
	assert_int_equal(fg_send(&g, &h, "137\n200\n", 8), 0);
	char got[8] = {0};
	for (int i = 0; i < 100; i++) {
		FILE *f = fopen(status_path, "r");
		if (f) {
			size_t n = fread(got, 1, sizeof(got) - 1, f);
			fclose(f);
			if (n)
				break;
		}
		usleep(10000);
	}
	assert_string_equal(got, "137\n");
}

/* A guest reset (rings stopped) drops every stream: the host sees EOF; after
 * the restart new streams work. */
static void test_guest_reset(void **state)
{
	(void)state;
	int l = listen_port(7100);
	struct vsock_hdr h, r;
	uint8_t b[64];
	int hs = open_host_stream(l, 6100, 7100, &h, &r);
	assert_int_equal(fg_stop(&g), 0);
	assert_int_equal(read(hs, b, 1), 0); /* EOF: the backend dropped it */
	close(hs);
	assert_int_equal(fg_start(&g), 0);
	hs = open_host_stream(l, 6101, 7100, &h, &r);
	h.op = VSOCK_OP_RW;
	h.len = 3;
	assert_int_equal(fg_send(&g, &h, "abc", 3), 0);
	assert_int_equal(read(hs, b, 3), 3);
	assert_memory_equal(b, "abc", 3);
	close(hs);
	unlisten_port(l, 7100);
}

/* QEMU restarts: without --once the backend serves the next connection
 * with fresh state; SIGTERM ends it with status 0. */
static void test_qemu_reconnect(void **state)
{
	(void)state;
	char sock[64], base[64];
	snprintf(sock, sizeof(sock), "%s/vhost2.sock", dir);
	snprintf(base, sizeof(base), "%s/vsock2", dir);
	const char *none[] = {NULL};
	pid_t p = start_backend(sock, base, none);
	for (int round = 0; round < 2; round++) {
		struct fakeguest g2;
		assert_int_equal(fg_open(&g2, sock, round), 0);
		assert_int_equal(g2.cid, 16); /* the default */
		struct vsock_hdr h = {.src_cid = 16, .dst_cid = 3, .src_port = 5000, .dst_port = 9000,
				      .type = VSOCK_TYPE_STREAM, .op = VSOCK_OP_REQUEST, .buf_alloc = 4096}, r;
		uint8_t b[8];
		assert_int_equal(fg_send(&g2, &h, NULL, 0), 0);
		assert_true(fg_recv(&g2, &r, b, sizeof(b), 3000) >= 0);
		assert_int_equal(r.op, VSOCK_OP_RESPONSE);
		fg_close(&g2);
	}
	kill(p, SIGTERM);
	int st;
	waitpid(p, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_not_equal(access(sock, F_OK), 0); /* removed on exit */
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_cid),
		cmocka_unit_test(test_heartbeat_builtin),
		cmocka_unit_test(test_heartbeat_flood),
		cmocka_unit_test(test_builtin_credit_enforced),
		cmocka_unit_test(test_builtin_grants_credit),
		cmocka_unit_test(test_tx_batch_bounded),
		cmocka_unit_test(test_refused_gets_rst),
		cmocka_unit_test(test_stream_both_ways),
		cmocka_unit_test(test_server_speaks_first),
		cmocka_unit_test(test_credit_request_once),
		cmocka_unit_test(test_header_only_rx_buffers),
		cmocka_unit_test(test_host_close_shutdown_flags),
		cmocka_unit_test(test_host_connect_line),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_guest_reset),
		cmocka_unit_test(test_qemu_reconnect),
		cmocka_unit_test(test_host_client_before_qemu),
	};
	return cmocka_run_group_tests_name("vsock_loop", tests, setup, teardown);
}
