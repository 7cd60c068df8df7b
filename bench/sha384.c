/*
 * bench/sha384.c — SHA-384 throughput over one buffer, in process.
 *
 *   bench-sha384 FILE bearssl|openssl
 * Reads FILE into memory, hashes it 3 times, prints the best MB/s and the
 * digest (so the caller can check every implementation agrees).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hash.h>
#ifdef BENCH_WITH_OPENSSL
#include <openssl/evp.h>
#endif

#include "errors.h"
#include "hex.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hash_bearssl(const unsigned char *buf, size_t len, unsigned char out[48])
{
	br_sha384_context ctx;
	br_sha384_init(&ctx);
	br_sha384_update(&ctx, buf, len);
	br_sha384_out(&ctx, out);
}

#ifdef BENCH_WITH_OPENSSL
static void hash_openssl(const unsigned char *buf, size_t len, unsigned char out[48])
{
	unsigned int n = 48;
	EVP_Digest(buf, len, out, &n, EVP_sha384(), NULL);
}
#endif

int main(int argc, char **argv)
{
	err_set_prog(argv[0]);
	if (argc != 3) {
		err_msg("usage: bench-sha384 FILE bearssl|openssl");
		return 2;
	}
	void (*hash)(const unsigned char *, size_t, unsigned char *) = NULL;
	if (strcmp(argv[2], "bearssl") == 0)
		hash = hash_bearssl;
#ifdef BENCH_WITH_OPENSSL
	else if (strcmp(argv[2], "openssl") == 0)
		hash = hash_openssl;
#endif
	if (!hash) {
		err_msg("unknown implementation '%s'", argv[2]);
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_print(-errno, "open %s", argv[1]), 1;
	size_t len = (size_t)st.st_size;
	unsigned char *buf = malloc(len ? len : 1);
	if (!buf)
		return err_print(-ENOMEM, "allocate %zu bytes", len), 1;
	for (size_t off = 0; off < len;) {
		ssize_t n = read(fd, buf + off, len - off);
		if (n <= 0)
			return err_print(n < 0 ? -errno : -EIO, "read %s", argv[1]), 1;
		off += (size_t)n;
	}
	close(fd);
	unsigned char digest[48];
	double best = 1e30;
	for (int i = 0; i < 3; i++) {
		double t0 = now();
		hash(buf, len, digest);
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	char hex[97];
	printf("%.1f %s\n", len / best / 1e6, hex_encode(hex, digest, 48));
	free(buf);
	return 0;
}
