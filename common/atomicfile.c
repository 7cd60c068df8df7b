#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sets af->path to where the file's bytes belong and returns 1 when
 * path names a node that must be written in place, 0 for a regular file
 * (or none), or -errno. */
static int resolve_target(struct atomic_file *af, const char *path)
{
	struct stat lst, st;
	if (strlen(path) >= sizeof(af->path))
		return -ENAMETOOLONG;
	strcpy(af->path, path);
	if (lstat(path, &lst) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (stat(path, &st) < 0)
		return -errno; /* a dangling or looping symlink */
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return 1;
	if (S_ISLNK(lst.st_mode) && !realpath(path, af->path))
		return -errno;
	return 0;
}

int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode)
{
	af->fd = -1;
	af->tmp[0] = '\0';
	int r = resolve_target(af, path);
	if (r < 0)
		return r;
	if (r == 1) {
		af->fd = open(af->path, O_WRONLY | O_CLOEXEC);
		return af->fd < 0 ? -errno : 0;
	}
	/* A name left by a crashed writer with our pid is skipped. */
	for (unsigned n = 0; n < 100; n++) {
		snprintf(af->tmp, sizeof(af->tmp), "%s.tmp.%ld.%u", af->path, (long)getpid(), n);
		af->fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (af->fd >= 0 || errno != EEXIST)
			break;
	}
	return af->fd < 0 ? -errno : 0;
}

int atomic_file_commit(struct atomic_file *af)
{
	int r = 0;
	if (af->fd < 0)
		return -EBADF;
	if (!af->tmp[0]) {
		r = close(af->fd) < 0 ? -errno : 0;
		af->fd = -1;
		return r;
	}
	if (fsync(af->fd) < 0)
		r = -errno;
	if (close(af->fd) < 0 && r == 0)
		r = -errno;
	af->fd = -1;
	if (r == 0 && rename(af->tmp, af->path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(af->tmp);
	return r;
}

void atomic_file_abort(struct atomic_file *af)
{
	if (af->fd < 0)
		return;
	(void)close(af->fd);
	af->fd = -1;
	if (af->tmp[0])
		(void)unlink(af->tmp);
}

int write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomic_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	struct atomic_file af;
	int r = atomic_file_open(&af, path, mode);
	if (r < 0)
		return r;
	r = write_all(af.fd, buf, len);
	if (r < 0) {
		atomic_file_abort(&af);
		return r;
	}
	return atomic_file_commit(&af);
}
