/* log.c — see log.h. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void log_str(struct logline *l, const char *s)
{
	size_t room = LOG_LINE_MAX - 1 - l->len; /* keep one byte for "\n" */
	size_t n = strlen(s);
	if (n > room) {
		memcpy(l->buf + l->len, s, room);
		l->len = LOG_LINE_MAX - 1;
		memcpy(l->buf + l->len - 3, "...", 3);
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void log_u64(struct logline *l, uint64_t v)
{
	char tmp[21];
	char *p = tmp + sizeof(tmp) - 1;
	*p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	log_str(l, p);
}

void log_begin(struct logline *l)
{
	l->len = 0;
	log_str(l, "init: ");
}

void log_end(struct logline *l)
{
	int saved = errno;
	l->buf[l->len++] = '\n';
	const char *p = l->buf;
	size_t n = l->len;
	while (n > 0) {
		ssize_t w = write(2, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* no console: nowhere left to say so */
		p += w;
		n -= (size_t)w;
	}
	errno = saved;
}

void log_fail2(const char *what, const char *object, int err)
{
	struct logline l;
	log_begin(&l);
	log_str(&l, what);
	if (object) {
		log_str(&l, " ");
		log_str(&l, object);
	}
	log_str(&l, ": ");
	log_str(&l, strerror(-err));
	log_end(&l);
}

void log_fail(const char *what, int err)
{
	log_fail2(what, NULL, err);
}

void log_msg2(const char *a, const char *b)
{
	struct logline l;
	log_begin(&l);
	log_str(&l, a);
	log_str(&l, b);
	log_end(&l);
}

static struct {
	bool on;
	int kmsg; /* /dev/kmsg, or -1 */
} dbg = {false, -1};

static void print_event(const char *what)
{
	struct logline l;
	if (dbg.kmsg >= 0) {
		/* "<5>": notice, the level a message needs to reach the
		 * console at the kernel's default loglevel. */
		l.len = 0;
		log_str(&l, "<5>init: ");
		log_str(&l, what);
		if (write(dbg.kmsg, l.buf, l.len) >= 0)
			return;
	}
	/* "[%5lu.%06lu] init: %s" by hand. */
	struct timespec at;
	char num[7];
	clock_gettime(CLOCK_MONOTONIC, &at);
	l.len = 0;
	log_str(&l, "[");
	uint64_t sec = (uint64_t)at.tv_sec;
	for (uint64_t v = sec / 10, w = 1; w < 5; v /= 10, w++)
		if (!v)
			log_str(&l, " ");
	log_u64(&l, sec);
	log_str(&l, ".");
	uint64_t us = (uint64_t)at.tv_nsec / 1000;
	for (int i = 5; i >= 0; i--, us /= 10)
		num[i] = (char)('0' + us % 10);
	num[6] = '\0';
	log_str(&l, num);
	log_str(&l, "] init: ");
	log_str(&l, what);
	log_end(&l);
}

void log_set_debug(bool on)
{
	dbg.on = on;
	if (on && dbg.kmsg < 0)
		dbg.kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
}

bool log_debugging(void)
{
	return dbg.on;
}

void log_event(const char *event)
{
	if (dbg.on)
		print_event(event);
}
