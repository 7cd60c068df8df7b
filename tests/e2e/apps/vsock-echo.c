/*
 * vsock-echo — in-enclave echo server for tests/e2e/emu-vsock.sh.
 * Usage: vsock-echo PORT COUNT
 * Accepts COUNT stream connections on vsock PORT; each is served by its
 * own child that echoes every byte until EOF, then closes.  Exits 0 once
 * every connection ended cleanly, 1 otherwise.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockaddr_vm.h"

static int echo(int fd)
{
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno != EINTR)
				return 1;
			if (w > 0)
				off += w;
		}
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vsock-echo PORT COUNT\n");
		return 2;
	}
	unsigned port = (unsigned)strtoul(argv[1], NULL, 10), count = (unsigned)strtoul(argv[2], NULL, 10);
	int l = socket(AF_VSOCK, SOCK_STREAM, 0);
	struct sockaddr_vm_ a = {.family = AF_VSOCK, .port = port, .cid = 0xFFFFFFFFu};
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0) {
		printf("vsock-echo: cannot listen on vsock port %u: %s\n", port, strerror(errno));
		return 1;
	}
	printf("vsock-echo: listening on port %u for %u connections\n", port, count);
	fflush(stdout);
	for (unsigned i = 0; i < count; i++) {
		int fd = accept(l, NULL, NULL);
		if (fd < 0) {
			printf("vsock-echo: accept: %s\n", strerror(errno));
			return 1;
		}
		pid_t p = fork();
		if (p == 0) {
			close(l);
			_exit(echo(fd));
		}
		close(fd);
	}
	int bad = 0, st;
	while (wait(&st) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	printf("vsock-echo: served %u connections%s\n", count, bad ? ", some failed" : "");
	return bad;
}
