/*
 * sys.h — small system helpers the init modules share.  All return 0 (or
 * a count) on success and a negative errno on failure; none print.
 */
#ifndef CARVE_INIT_SYS_H
#define CARVE_INIT_SYS_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t now_ms(void);
/* Milliseconds from now until deadline (a now_ms() value); 0 once passed. */
int ms_until(uint64_t deadline);

/*
 * Reads the whole regular file at path into a new buffer with one spare
 * byte past the end (set to NUL), as config.h's parsers require.  The
 * buffer is mmap'd; release it with munmap(*buf, *len + 1).  Files over 64 MiB give -EFBIG: config
 * never needs that much, and the ramfs holding it is the app's memory.
 */
int sys_read_file(const char *path, char **buf, size_t *len);

/* Reads up to cap-1 bytes of a small file (sysfs, procfs) into buf, NUL
 * terminated, trailing newline removed.  Returns the length. */
long sys_read_small(const char *path, char *buf, size_t cap);

/* poll() one fd for events with a timeout in ms (<0: forever), retrying
 * EINTR.  Returns the revents, 0 on timeout. */
int sys_poll1(int fd, short events, int timeout_ms);

/* mkdir that accepts an existing directory. */
int sys_mkdir(const char *path, unsigned mode);

#endif
