/* entropy.c — see entropy.h. */
#include "entropy.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kabi.h"
#include "log.h"
#include "nsm.h"
#include "sys.h"

#define SEED_BYTES 256 /* the most one NSM GetRandom returns */
#define SEED_TRIES 4   /* short replies are allowed; loop a little */

/* Fills buf from the NSM; returns the byte count or -errno. */
static long nsm_fill(uint8_t *buf, size_t cap)
{
	int32_t fd = nsm_lib_init();
	if (fd < 0)
		return -errno;
	size_t have = 0;
	for (int i = 0; i < SEED_TRIES && have < cap; i++) {
		uintptr_t len = cap - have;
		if (nsm_get_random(fd, buf + have, &len) != ERROR_CODE_SUCCESS)
			break;
		have += len;
	}
	nsm_lib_exit(fd);
	return have ? (long)have : -EIO;
}

static int credit(const uint8_t *bytes, size_t n)
{
	struct {
		struct kabi_rand_pool_info info;
		uint8_t buf[SEED_BYTES];
	} req;
	req.info.entropy_count = (int)(n * 8);
	req.info.buf_size = (int)n;
	memcpy(req.buf, bytes, n);
	int fd = open("/dev/random", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = ioctl(fd, KABI_RNDADDENTROPY, &req) < 0 ? -errno : 0;
	close(fd);
	explicit_bzero(&req, sizeof(req));
	return r;
}

long entropy_seed(void)
{
	uint8_t seed[SEED_BYTES];
	if (access("/dev/nsm", F_OK) < 0)
		return 0;
	long n = nsm_fill(seed, sizeof(seed));
	if (n < 0) {
		log_fail("cannot read random bytes from /dev/nsm", (int)n);
		return n;
	}
	int r = credit(seed, (size_t)n);
	explicit_bzero(seed, sizeof(seed));
	if (r < 0) {
		log_fail("cannot add entropy (RNDADDENTROPY)", r);
		return r;
	}
	return n;
}

void entropy_report(long credited)
{
	char rng[64];
	if (sys_read_small("/sys/class/misc/hw_random/rng_current", rng, sizeof(rng)) < 0)
		strcpy(rng, "none");
	struct logline l;
	log_begin(&l);
	log_str(&l, "entropy: ");
	if (credited > 0) {
		log_u64(&l, (uint64_t)credited);
		log_str(&l, " bytes from the NSM credited");
	} else {
		log_str(&l, "no /dev/nsm, nothing credited");
	}
	log_str(&l, "; hwrng ");
	log_str(&l, rng);
	log_end(&l);
}
