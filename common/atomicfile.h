/*
 * atomicfile.h — write a file so that readers see the old one or the whole
 * new one, never a partial one: write "<path>.tmp.<pid>.<n>" in the same
 * directory (created exclusively: two writers of one path never share a
 * temp file, and a symlink planted there is not followed), fsync, rename
 * over <path>.
 *
 * What <path> already is decides where the bytes go:
 *   - nothing, or a regular file: the temp file and rename above;
 *   - a symlink to a regular file: the same, at the link's resolved target
 *     (the link stays a link);
 *   - a device, FIFO or socket (/dev/stdout on a pipe or tty, /dev/null):
 *     written in place, no temp file: renaming over it would replace the
 *     node itself.  Such output cannot be atomic;
 *   - a directory: -EISDIR; a dangling symlink: -ENOENT.
 *
 * Usage:  struct atomic_file af;
 *         if ((r = atomic_file_open(&af, path, 0644)) < 0) ...
 *         write(af.fd, ...) ...
 *         r = ok ? atomic_file_commit(&af) : (atomic_file_abort(&af), -EIO);
 * Every opened file MUST end in exactly one commit or abort.
 */
#ifndef CARVE_ATOMICFILE_H
#define CARVE_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

struct atomic_file {
	int fd;              /* write here; -1 after commit/abort */
	char path[4096];     /* final path (symlinks resolved) */
	char tmp[4096 + 32]; /* "<path>.tmp.<pid>.<n>"; "" when written in place */
};

/* Returns 0 or -errno (-ENAMETOOLONG for an over-long path). */
int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode);
/* fsync, close, rename (in place: close).  On failure the temp file is
 * removed.  0 or -errno. */
int atomic_file_commit(struct atomic_file *af);
/* Close and remove the temp file.  Safe to call on a committed file. */
void atomic_file_abort(struct atomic_file *af);

/* Writes all of buf to fd, retrying short writes and EINTR.  0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Writes a whole file atomically in one call.  0 or -errno. */
int atomic_write_file(const char *path, const void *buf, size_t len, mode_t mode);

#endif
