/* Every nsm.h function against the software NSM (nsm/nsm_soft.h) over the
 * socket transport: results, AWS's length rules, truncation, invalid
 * arguments, transport errors, a shared fd across threads. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include <bearssl_hash.h>

#include "nsm.h"
#include "nsm_attest.h"
#include "nsm_soft.h"

struct fixture {
	struct nsm_soft soft;
	int fd;      /* libnsm's end */
	int peer;    /* the server's end */
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct fixture *f = arg;
	nsm_soft_serve(&f->soft, f->peer);
	return NULL;
}

static uint8_t boot_pcrs[16][48];

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sv[2];
	for (int i = 0; i < 16; i++)
		memset(boot_pcrs[i], i, 48);
	nsm_soft_init(&f->soft, "i-0123456789abcdef0-enc0123456789abcdef", boot_pcrs);
	f->soft.fixed_time_ms = 1700000000000ULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	f->fd = sv[0];
	f->peer = sv[1];
	if (pthread_create(&f->thread, NULL, serve, f) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nsm_lib_exit(f->fd);
	pthread_join(f->thread, NULL);
	close(f->peer);
	free(f);
	return 0;
}

static void test_get_random(void **state)
{
	struct fixture *f = *state;
	uint8_t a[300] = { 0 }, b[300] = { 0 };
	uintptr_t n = sizeof(a);

	/* Success with fewer bytes than asked: the NSM gives 256 (as AWS). */
	assert_int_equal(nsm_get_random(f->fd, a, &n), ERROR_CODE_SUCCESS);
	assert_int_equal(n, 256);
	n = 16;
	assert_int_equal(nsm_get_random(f->fd, b, &n), ERROR_CODE_SUCCESS);
	assert_int_equal(n, 16);
	assert_memory_not_equal(a, b, 16);
	/* AWS's argument rules. */
	n = 0;
	assert_int_equal(nsm_get_random(f->fd, a, &n), ERROR_CODE_INVALID_ARGUMENT);
	n = 8;
	assert_int_equal(nsm_get_random(f->fd, NULL, &n), ERROR_CODE_INVALID_ARGUMENT);
	assert_int_equal(nsm_get_random(f->fd, a, NULL), ERROR_CODE_INVALID_ARGUMENT);
	assert_int_equal(nsm_get_random(-1, a, &n), ERROR_CODE_INVALID_ARGUMENT);
}

static void test_describe_and_extend_pcr(void **state)
{
	struct fixture *f = *state;
	uint8_t v[64], expect[48];
	uint32_t len = sizeof(v);
	bool lock = false;

	assert_int_equal(nsm_describe_pcr(f->fd, 3, &lock, v, &len), ERROR_CODE_SUCCESS);
	assert_true(lock);
	assert_int_equal(len, 48);
	assert_memory_equal(v, boot_pcrs[3], 48);

	/* extend = SHA384(old || data) */
	br_sha384_context h;
	uint8_t zero[48] = { 0 };
	br_sha384_init(&h);
	br_sha384_update(&h, zero, 48);
	br_sha384_update(&h, "abc", 3);
	br_sha384_out(&h, expect);
	len = sizeof(v);
	assert_int_equal(nsm_extend_pcr(f->fd, 16, (const uint8_t *)"abc", 3, v, &len), ERROR_CODE_SUCCESS);
	assert_int_equal(len, 48);
	assert_memory_equal(v, expect, 48);
	len = sizeof(v);
	assert_int_equal(nsm_describe_pcr(f->fd, 16, &lock, v, &len), ERROR_CODE_SUCCESS);
	assert_false(lock);
	assert_memory_equal(v, expect, 48);
	/* Empty data is allowed (non-NULL pointer), NULL is not. */
	len = sizeof(v);
	assert_int_equal(nsm_extend_pcr(f->fd, 17, (const uint8_t *)"", 0, v, &len), ERROR_CODE_SUCCESS);
	len = sizeof(v);
	assert_int_equal(nsm_extend_pcr(f->fd, 17, NULL, 0, v, &len), ERROR_CODE_INVALID_ARGUMENT);

	/* Truncation: lock is written, the value is cut, BUFFER_TOO_SMALL. */
	lock = false;
	len = 10;
	memset(v, 0xee, sizeof(v));
	assert_int_equal(nsm_describe_pcr(f->fd, 3, &lock, v, &len), ERROR_CODE_BUFFER_TOO_SMALL);
	assert_true(lock);
	assert_int_equal(len, 10);
	assert_memory_equal(v, boot_pcrs[3], 10);
	assert_int_equal(v[10], 0xee);
	/* NULL buffer with capacity 0: AWS's *len = 0, BUFFER_TOO_SMALL. */
	len = 0;
	assert_int_equal(nsm_describe_pcr(f->fd, 3, &lock, NULL, &len), ERROR_CODE_BUFFER_TOO_SMALL);
	assert_int_equal(len, 0);
	/* carve's checks where AWS has undefined behaviour. */
	len = 48;
	assert_int_equal(nsm_describe_pcr(f->fd, 3, &lock, NULL, &len), ERROR_CODE_INVALID_ARGUMENT);
	assert_int_equal(nsm_describe_pcr(f->fd, 3, NULL, v, &len), ERROR_CODE_INVALID_ARGUMENT);
	assert_int_equal(nsm_describe_pcr(f->fd, 3, &lock, v, NULL), ERROR_CODE_INVALID_ARGUMENT);
	assert_int_equal(nsm_extend_pcr(f->fd, 16, (const uint8_t *)"a", 1, v, NULL), ERROR_CODE_INVALID_ARGUMENT);

	/* Failures of libnsm's own say why in errno. */
	assert_int_equal(errno, EINVAL);
	len = 10;
	errno = 0;
	assert_int_equal(nsm_describe_pcr(f->fd, 3, &lock, v, &len), ERROR_CODE_BUFFER_TOO_SMALL);
	assert_int_equal(errno, ENOBUFS);

	/* Device errors: the NSM answered, errno is left alone. */
	len = sizeof(v);
	errno = ESRCH;
	assert_int_equal(nsm_describe_pcr(f->fd, 32, &lock, v, &len), ERROR_CODE_INVALID_INDEX);
	assert_int_equal(errno, ESRCH);
	len = sizeof(v);
	assert_int_equal(nsm_extend_pcr(f->fd, 32, (const uint8_t *)"a", 1, v, &len), ERROR_CODE_INVALID_INDEX);
	len = sizeof(v);
	assert_int_equal(nsm_extend_pcr(f->fd, 0, (const uint8_t *)"a", 1, v, &len), ERROR_CODE_READ_ONLY_INDEX);
	/* A request over 4 KiB never reaches the NSM. */
	static uint8_t big[5000];
	len = sizeof(v);
	assert_int_equal(nsm_extend_pcr(f->fd, 16, big, sizeof(big), v, &len), ERROR_CODE_INPUT_TOO_LARGE);
	assert_int_equal(errno, EMSGSIZE);
}

static void test_lock(void **state)
{
	struct fixture *f = *state;
	uint8_t v[48];
	uint32_t len = sizeof(v);
	bool lock;

	assert_int_equal(nsm_lock_pcr(f->fd, 20), ERROR_CODE_SUCCESS);
	assert_int_equal(nsm_lock_pcr(f->fd, 20), ERROR_CODE_READ_ONLY_INDEX);
	assert_int_equal(nsm_lock_pcr(f->fd, 32), ERROR_CODE_INVALID_INDEX);
	assert_int_equal(nsm_extend_pcr(f->fd, 20, (const uint8_t *)"x", 1, v, &len), ERROR_CODE_READ_ONLY_INDEX);
	assert_int_equal(nsm_lock_pcrs(f->fd, 33), ERROR_CODE_INVALID_INDEX);
	assert_int_equal(nsm_lock_pcrs(f->fd, 18), ERROR_CODE_SUCCESS);
	len = sizeof(v);
	assert_int_equal(nsm_describe_pcr(f->fd, 17, &lock, v, &len), ERROR_CODE_SUCCESS);
	assert_true(lock);
	len = sizeof(v);
	assert_int_equal(nsm_describe_pcr(f->fd, 18, &lock, v, &len), ERROR_CODE_SUCCESS);
	assert_false(lock);
	assert_int_equal(nsm_lock_pcr(-1, 1), ERROR_CODE_INVALID_ARGUMENT);
	assert_int_equal(nsm_lock_pcrs(-1, 1), ERROR_CODE_INVALID_ARGUMENT);

	NsmDescription d;
	assert_int_equal(nsm_get_description(f->fd, &d), ERROR_CODE_SUCCESS);
	assert_int_equal(d.locked_pcrs_len, 19); /* 0..17 and 20 */
	assert_int_equal(d.locked_pcrs[18], 20);
}

static void test_get_description(void **state)
{
	struct fixture *f = *state;
	NsmDescription d;

	memset(&d, 0xff, sizeof(d));
	assert_int_equal(nsm_get_description(f->fd, &d), ERROR_CODE_SUCCESS);
	assert_int_equal(d.version_major, 1);
	assert_int_equal(d.version_minor, 0);
	assert_int_equal(d.version_patch, 0);
	assert_int_equal(d.module_id_len, strlen(f->soft.module_id));
	assert_string_equal((const char *)d.module_id, f->soft.module_id);
	assert_int_equal(d.max_pcrs, 32);
	assert_int_equal(d.locked_pcrs_len, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(d.locked_pcrs[i], i);
	assert_int_equal(d.digest, DIGEST_SHA384);
	assert_int_equal(nsm_get_description(f->fd, NULL), ERROR_CODE_INVALID_ARGUMENT);

	/* module_id longer than 99 bytes: truncated, NUL-terminated (AWS). */
	memset(f->soft.module_id, 'm', sizeof(f->soft.module_id) - 1);
	f->soft.module_id[sizeof(f->soft.module_id) - 1] = 0;
	assert_int_equal(nsm_get_description(f->fd, &d), ERROR_CODE_SUCCESS);
	assert_int_equal(d.module_id_len, 99);
	assert_int_equal(d.module_id[98], 'm');
	assert_int_equal(d.module_id[99], 0);
}

static void test_attestation(void **state)
{
	struct fixture *f = *state;
	static uint8_t doc[16384];
	uint32_t len = sizeof(doc);
	struct attdoc a;

	assert_int_equal(nsm_get_attestation_doc(f->fd, (const uint8_t *)"ud", 2, (const uint8_t *)"", 0, NULL, 0, doc,
						 &len),
			 ERROR_CODE_SUCCESS);
	assert_int_equal(attdoc_parse(doc, len, &a), ATTDOC_OK);
	/* No key configured: QEMU's unsigned class, never valid. */
	assert_true(a.is_unsigned);
	struct attdoc_verify_opts o = { .at_document = true };
	assert_int_equal(attdoc_verify(&a, &o, NULL), ATTDOC_UNSIGNED);
	assert_int_equal(a.timestamp_ms, 1700000000000ULL);
	assert_int_equal(attdoc_check_user_data(&a, (const uint8_t *)"ud", 2), ATTDOC_OK);
	assert_int_equal(attdoc_check_nonce(&a, (const uint8_t *)"", 0), ATTDOC_OK); /* empty, present */
	assert_null(a.public_key.ptr);
	assert_int_equal(attdoc_check_public_key(&a, (const uint8_t *)"", 0), ATTDOC_PUBLIC_KEY_MISMATCH);
	assert_int_equal(a.pcr_mask, 0xffff);
	assert_memory_equal(a.pcrs[5].ptr, boot_pcrs[5], 48);

	/* Truncated output. */
	uint32_t small = 100;
	assert_int_equal(nsm_get_attestation_doc(f->fd, NULL, 0, NULL, 0, NULL, 0, doc, &small),
			 ERROR_CODE_BUFFER_TOO_SMALL);
	assert_int_equal(small, 100);
	/* A length without data, a missing length pointer. */
	len = sizeof(doc);
	assert_int_equal(nsm_get_attestation_doc(f->fd, NULL, 3, NULL, 0, NULL, 0, doc, &len),
			 ERROR_CODE_INVALID_ARGUMENT);
	assert_int_equal(nsm_get_attestation_doc(f->fd, NULL, 0, NULL, 0, NULL, 0, doc, NULL),
			 ERROR_CODE_INVALID_ARGUMENT);
	/* Three 1500-byte fields exceed the 4 KiB request. */
	static uint8_t field[1500];
	len = sizeof(doc);
	assert_int_equal(nsm_get_attestation_doc(f->fd, field, sizeof(field), field, sizeof(field), field,
						 sizeof(field), doc, &len),
			 ERROR_CODE_INPUT_TOO_LARGE);
}

static void *hammer(void *arg)
{
	int fd = *(int *)arg;
	for (int i = 0; i < 100; i++) {
		uint8_t buf[48];
		uint32_t len = sizeof(buf);
		bool lock;
		uintptr_t n = 32;
		if (nsm_get_random(fd, buf, &n) != ERROR_CODE_SUCCESS || n != 32)
			return (void *)1;
		/* A reply meant for another thread would have the wrong shape. */
		if (nsm_describe_pcr(fd, 2, &lock, buf, &len) != ERROR_CODE_SUCCESS || !lock ||
		    memcmp(buf, boot_pcrs[2], 48))
			return (void *)1;
	}
	return NULL;
}

static void test_shared_fd_threads(void **state)
{
	struct fixture *f = *state;
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &f->fd), 0);
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		assert_null(r);
	}
}

/* A peer that answers every request with fixed bytes. */
struct liar {
	int fd;
	const uint8_t *reply;
	size_t len;
};

static void *lie(void *arg)
{
	struct liar *l = arg;
	uint8_t buf[4096];
	struct msghdr msg = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	char ctrl[CMSG_SPACE(sizeof(int))];
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctrl;
	msg.msg_controllen = sizeof(ctrl);
	if (recvmsg(l->fd, &msg, 0) <= 0)
		return NULL;
	int reply_fd;
	memcpy(&reply_fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	if (l->len)
		send(reply_fd, l->reply, l->len, 0);
	close(reply_fd);
	return NULL;
}

/* nsm_get_random against a liar; *err = errno after the call, which was
 * made with errno = ESRCH (nothing libnsm sets). */
static ErrorCode random_from_liar(const uint8_t *reply, size_t len, int *err)
{
	int sv[2];
	pthread_t t;
	uint8_t buf[32];
	uintptr_t n = sizeof(buf);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	struct liar l = { sv[1], reply, len };
	pthread_create(&t, NULL, lie, &l);
	errno = ESRCH;
	ErrorCode rc = nsm_get_random(sv[0], buf, &n);
	*err = errno;
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);
	return rc;
}

static void test_transport_errors(void **state)
{
	(void)state;
	uint8_t buf[32];
	uintptr_t n = sizeof(buf);

	int err;

	/* Garbage, wrong variants and unknown error names: INVALID_RESPONSE
	 * with errno EBADMSG; the NSM's own "InvalidResponse" leaves errno
	 * alone (nsm.h); no reply at all (the channel closed): INTERNAL_ERROR
	 * with the transport's errno. */
	assert_int_equal(random_from_liar((const uint8_t *)"\xff\xff", 2, &err), ERROR_CODE_INVALID_RESPONSE);
	assert_int_equal(err, EBADMSG);
	assert_int_equal(random_from_liar((const uint8_t *)"\x67LockPCR", 8, &err), ERROR_CODE_INVALID_RESPONSE);
	assert_int_equal(err, EBADMSG);
	assert_int_equal(random_from_liar((const uint8_t *)"\xa1\x65" "Error\x6bNoSuchError", 19, &err),
			 ERROR_CODE_INVALID_RESPONSE);
	assert_int_equal(err, EBADMSG);
	assert_int_equal(random_from_liar((const uint8_t *)"\xa1\x65" "Error\x6f" "InvalidResponse", 23, &err),
			 ERROR_CODE_INVALID_RESPONSE);
	assert_int_equal(err, ESRCH);
	assert_int_equal(random_from_liar(NULL, 0, &err), ERROR_CODE_INTERNAL_ERROR);
	assert_int_equal(err, ECONNRESET);
	/* Not an NSM: the ioctl fails with ENOTTY => INTERNAL_ERROR, errno ENOTTY. */
	int fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	errno = 0;
	assert_int_equal(nsm_get_random(fd, buf, &n), ERROR_CODE_INTERNAL_ERROR);
	assert_int_equal(errno, ENOTTY);
	close(fd);
	/* A closed fd. */
	assert_int_equal(nsm_get_random(fd, buf, &n), ERROR_CODE_INTERNAL_ERROR);
	assert_int_equal(errno, EBADF);
}

static void *accept_and_serve(void *arg)
{
	struct fixture *f = arg;
	int c = accept(f->peer, NULL, NULL);
	if (c >= 0) {
		nsm_soft_serve(&f->soft, c);
		close(c);
	}
	return NULL;
}

static void test_lib_init(void **state)
{
	(void)state;
	char dir[] = "/tmp/nsm-test-XXXXXX", path[64];
	struct fixture f;
	pthread_t t;

	/* No device: -1 with errno. */
	setenv("NSM_DEVICE", "/nonexistent/nsm", 1);
	errno = 0;
	assert_int_equal(nsm_lib_init(), -1);
	assert_int_equal(errno, ENOENT);

	/* NSM_DEVICE naming a socket: the software NSM behind it. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nsm.sock", dir);
	nsm_soft_init(&f.soft, "i-sock-enc", NULL);
	f.peer = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(f.peer, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f.peer, 1), 0);
	pthread_create(&t, NULL, accept_and_serve, &f);
	setenv("NSM_DEVICE", path, 1);
	int32_t fd = nsm_lib_init();
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	NsmDescription d;
	assert_int_equal(nsm_get_description(fd, &d), ERROR_CODE_SUCCESS);
	assert_string_equal((const char *)d.module_id, "i-sock-enc");
	nsm_lib_exit(fd);
	pthread_join(t, NULL);
	close(f.peer);
	unlink(path);
	rmdir(dir);
	unsetenv("NSM_DEVICE");
	nsm_lib_exit(-1); /* harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_random, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe_and_extend_pcr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_description, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attestation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_fd_threads, setup, teardown),
		cmocka_unit_test(test_transport_errors),
		cmocka_unit_test(test_lib_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
