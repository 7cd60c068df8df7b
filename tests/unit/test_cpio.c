/* Unit tests for rootfs/cpio: exact newc bytes, ordering, parents, hard
 * links, normalised trees, and the errors the writer promises. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpio.h"

/* Writes the list to a memory buffer through a pipe-free temp file. */
static size_t write_list(struct cpio_list *l, uint32_t mtime, uint8_t *out, size_t cap, int *err)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	*err = cpio_list_write(l, fileno(f), mtime);
	rewind(f);
	size_t n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

static void test_exact_bytes(void **state)
{
	(void)state;
	struct cpio_list l;
	uint8_t buf[4096];
	int err;
	cpio_list_init(&l);
	assert_int_equal(cpio_list_add_data(&l, "d/f", "hi", 2, 0644, 0, 0), 0);
	size_t n = write_list(&l, 0, buf, sizeof(buf), &err);
	assert_int_equal(err, 0);
	assert_int_equal(n, 512);
	/* The parent "d" is added (0755, nlink 2) and sorted first. */
	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
	 * rdevmajor, rdevminor, namesize, check, name. */
	static const char e1[] = "070701" "00000001" "000041ED" "00000000" "00000000" "00000002"
				 "00000000" "00000000" "00000000" "00000000" "00000000" "00000000"
				 "00000002" "00000000" "d";
	static const char e2[] = "070701" "00000002" "000081A4" "00000000" "00000000" "00000001"
				 "00000000" "00000002" "00000000" "00000000" "00000000" "00000000"
				 "00000004" "00000000" "d/f";
	static const char tr[] = "070701" "00000000" "00000000" "00000000" "00000000" "00000001"
				 "00000000" "00000000" "00000000" "00000000" "00000000" "00000000"
				 "0000000B" "00000000" "TRAILER!!!";
	assert_memory_equal(buf, e1, sizeof(e1)); /* includes the name's NUL */
	assert_memory_equal(buf + 112, e2, sizeof(e2));
	assert_memory_equal(buf + 112 + 116, "hi\0\0", 4);
	assert_memory_equal(buf + 232, tr, sizeof(tr));
	for (size_t i = 232 + sizeof(tr); i < n; i++)
		assert_int_equal(buf[i], 0);
	cpio_list_free(&l);
}

static void test_order_mtime_and_hardlinks(void **state)
{
	(void)state;
	struct cpio_list l;
	static uint8_t buf[8192];
	int err;
	cpio_list_init(&l);
	/* Added out of order; "a-b" sorts before "a/..." bytewise. */
	assert_int_equal(cpio_list_add_hardlink(&l, "z", "a/x"), 0);
	assert_int_equal(cpio_list_add_data(&l, "a/x", "DATA", 4, 0755, 5, 6), 0);
	assert_int_equal(cpio_list_add_symlink(&l, "a-b", "a/x", 0, 0), 0);
	assert_int_equal(cpio_list_add_node(&l, "dev/console", 'c', 0600, 0, 0, 5, 1), 0);
	size_t n = write_list(&l, 0x12345678, buf, sizeof(buf), &err);
	assert_int_equal(err, 0);
	const char *want[] = {"a", "a-b", "a/x", "dev", "dev/console", "z", "TRAILER!!!"};
	size_t off = 0;
	for (size_t i = 0; i < 7; i++) {
		char field[9] = {0};
		assert_true(off + 110 <= n);
		assert_memory_equal(buf + off, "070701", 6);
		memcpy(field, buf + off + 94, 8);
		size_t namesize = strtoul(field, NULL, 16);
		memcpy(field, buf + off + 54, 8);
		size_t filesize = strtoul(field, NULL, 16);
		assert_string_equal((char *)buf + off + 110, want[i]);
		if (i < 6)
			assert_memory_equal(buf + off + 46, "12345678", 8); /* mtime */
		memcpy(field, buf + off + 6, 8);
		unsigned long ino = strtoul(field, NULL, 16);
		memcpy(field, buf + off + 38, 8);
		unsigned long nlink = strtoul(field, NULL, 16);
		if (i == 2 || i == 5) {
			/* a/x and z share inode 3 and nlink 2; the data goes with the last. */
			assert_int_equal(ino, 3);
			assert_int_equal(nlink, 2);
			assert_int_equal(filesize, i == 5 ? 4 : 0);
		}
		if (i == 4) {
			assert_memory_equal(buf + off + 78, "0000000500000001", 16); /* rdev 5:1 */
			assert_memory_equal(buf + off + 62, "0000000000000000", 16); /* dev 0:0 */
		}
		off += (110 + namesize + 3) & ~3u;
		off += (filesize + 3) & ~3u;
	}
	assert_int_equal(n % 512, 0);
	cpio_list_free(&l);
}

static void test_errors(void **state)
{
	(void)state;
	struct cpio_list l;
	uint8_t buf[2048];
	int err;

	cpio_list_init(&l);
	assert_int_equal(cpio_list_add_dir(&l, "a/../b", 0755, 0, 0), -EINVAL);
	assert_int_equal(cpio_list_add_dir(&l, "", 0755, 0, 0), -EINVAL);
	assert_int_equal(cpio_list_add_node(&l, "x", 'q', 0600, 0, 0, 1, 1), -EINVAL);
	assert_int_equal(cpio_list_add_file(&l, "x", "/nonexistent/carve", 0644, 0, 0), -ENOENT);
	assert_string_equal(cpio_list_error(&l), "/nonexistent/carve");
	cpio_list_free(&l);

	cpio_list_init(&l);
	cpio_list_add_dir(&l, "x", 0755, 0, 0);
	cpio_list_add_dir(&l, "/x/", 0700, 0, 0);
	write_list(&l, 0, buf, sizeof(buf), &err);
	assert_int_equal(err, -EEXIST);
	assert_string_equal(cpio_list_error(&l), "x");
	cpio_list_free(&l);

	cpio_list_init(&l);
	cpio_list_add_data(&l, "f", "", 0, 0644, 0, 0);
	cpio_list_add_data(&l, "f/g", "", 0, 0644, 0, 0);
	write_list(&l, 0, buf, sizeof(buf), &err);
	assert_int_equal(err, -ENOTDIR);
	cpio_list_free(&l);

	cpio_list_init(&l);
	cpio_list_add_hardlink(&l, "h", "missing");
	write_list(&l, 0, buf, sizeof(buf), &err);
	assert_int_equal(err, -ENOENT);
	assert_string_equal(cpio_list_error(&l), "h");
	cpio_list_free(&l);

	/* A failed write is the output's fault, not the entry being written
	 * (big enough to be written while its entry is): no entry is named. */
	static const uint8_t zeros[200000];
	cpio_list_init(&l);
	cpio_list_add_data(&l, "f", zeros, sizeof(zeros), 0644, 0, 0);
	int ro = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	assert_int_equal(cpio_list_write(&l, ro, 0), -EBADF);
	assert_string_equal(cpio_list_error(&l), "");
	close(ro);
	cpio_list_free(&l);

	/* newc cannot describe 4 GiB: rejected up front (sparse, nothing read). */
	char path[] = "/tmp/carve-cpio-big-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)CPIO_MAX_FILE_SIZE + 1), 0);
	close(fd);
	cpio_list_init(&l);
	assert_int_equal(cpio_list_add_file(&l, "big", path, 0644, 0, 0), -EFBIG);
	cpio_list_free(&l);
	unlink(path);
}

/* Same tree content under different modes (umask), with a name that is a
 * hard link in one round and a copy in the other, gives the same bytes. */
static void test_tree_normalised(void **state)
{
	(void)state;
	static uint8_t a[4096], b[4096];
	size_t na = 0, nb = 0;
	for (int round = 0; round < 2; round++) {
		char dir[] = "/tmp/carve-cpio-tree-XXXXXX", p[256];
		assert_non_null(mkdtemp(dir));
		snprintf(p, sizeof(p), "%s/sub", dir);
		assert_int_equal(mkdir(p, round ? 0700 : 0775), 0);
		snprintf(p, sizeof(p), "%s/sub/run", dir);
		int fd = open(p, O_WRONLY | O_CREAT, round ? 0700 : 0775);
		assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
		close(fd);
		snprintf(p, sizeof(p), "%s/data", dir);
		fd = open(p, O_WRONLY | O_CREAT, round ? 0600 : 0664);
		close(fd);
		char l2[256];
		snprintf(l2, sizeof(l2), "%s/data2", dir);
		if (round)
			assert_int_equal(link(p, l2), 0);
		else
			close(open(l2, O_WRONLY | O_CREAT, 0664));
		snprintf(p, sizeof(p), "%s/fifo", dir);
		assert_int_equal(mkfifo(p, round ? 0600 : 0664), 0);
		struct cpio_list l;
		int err;
		cpio_list_init(&l);
		assert_int_equal(cpio_list_add_tree(&l, dir, "rootfs"), 0);
		size_t n = write_list(&l, 0, round ? b : a, sizeof(a), &err);
		assert_int_equal(err, 0);
		*(round ? &nb : &na) = n;
		cpio_list_free(&l);
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	/* Files 0644 / 0755, dirs 0755: "000081A4" and "000081ED" appear. */
	assert_non_null(memmem(a, na, "000081ED", 8));
	assert_non_null(memmem(a, na, "000081A4", 8));
	assert_null(memmem(a, na, "000041C0", 8)); /* no 0700 dir leaked */
	assert_non_null(memmem(a, na, "000011A4", 8)); /* the FIFO, 0644 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_order_mtime_and_hardlinks),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_tree_normalised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
