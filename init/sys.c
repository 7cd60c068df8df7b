/* sys.c — see sys.h. */
#include "sys.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int ms_until(uint64_t deadline)
{
	uint64_t now = now_ms();
	if (now >= deadline)
		return 0;
	return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

int sys_read_file(const char *path, char **buf, size_t *len)
{
	/* O_NONBLOCK: a FIFO in place of /cmd must fail below, not block. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0;
	char *b = NULL;
	size_t cap = 0, n = 0;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if (st.st_size > (64 << 20)) {
		r = -EFBIG;
		goto out;
	}
	cap = (size_t)st.st_size;
	/* mmap, not malloc: with no free() anywhere, musl links its small
	 * bump allocator instead of mallocng (a few KiB of init's 64). */
	b = mmap(NULL, cap + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED) {
		b = NULL;
		r = -ENOMEM;
		goto out;
	}
	while (n < cap) {
		ssize_t got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto out;
		}
		if (got == 0)
			break; /* shrank under us: take what is there */
		n += (size_t)got;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	if (b)
		munmap(b, cap + 1);
	close(fd);
	return r;
}

long sys_read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	int r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

int sys_poll1(int fd, short events, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	uint64_t deadline = now_ms() + (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms);
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r > 0)
			return p.revents;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
		if (timeout_ms >= 0) {
			uint64_t now = now_ms();
			timeout_ms = now >= deadline ? 0 : (int)(deadline - now);
		}
	}
}

int sys_mkdir(const char *path, unsigned mode)
{
	if (mkdir(path, (mode_t)mode) == 0)
		return 0;
	int e = errno;
	struct stat st;
	if (e == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -e;
}
