/*
 * cpio.h — a deterministic "newc" (070701) cpio writer.
 *
 * The archive depends only on the entries given, never on the host: the
 * caller collects entries in a cpio_list (any order), cpio_list_write()
 * sorts them by path bytewise (so a directory always precedes its
 * children), adds missing parent directories (0755, root), assigns inode
 * numbers 1, 2, ... in that order, sets every mtime to one caller-given
 * value, writes dev = 0:0, check = 0, and ends with "TRAILER!!!" padded to a
 * 512-byte multiple (what GNU cpio and linuxkit produce).
 *
 * Hard links: entries created with cpio_list_add_hardlink() share the
 * target's inode and nlink; the data goes with the last of them in path
 * order and the others have size 0 (GNU cpio's convention, which both GNU
 * cpio and the kernel's initramfs unpacker extract correctly).
 *
 * File contents are streamed from their source path at write time in
 * fixed-size chunks (no whole-file loads).  newc sizes are 32-bit: a file of
 * 4 GiB or more is rejected with -EFBIG, a file whose size changes while it
 * is read with -EIO.
 *
 * Ownership: the list owns copies of every string passed in.  Not thread
 * safe; no global state.  Functions return 0 or a negative errno; on error
 * cpio_list_error() names the entry at fault (for the tool's message), or
 * is "" when the fault is not an entry's (out of memory, or writing to the
 * output fd failed).
 */
#ifndef CARVE_CPIO_H
#define CARVE_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CPIO_MAX_PATH 4095
/* newc's c_filesize is 8 hex digits. */
#define CPIO_MAX_FILE_SIZE 0xffffffffULL
/* Directory levels cpio_list_add_tree() descends below its root. */
#define CPIO_MAX_TREE_DEPTH 128

struct cpio_entry;

struct cpio_list {
	struct cpio_entry *v;
	size_t n, cap;
	char err_path[CPIO_MAX_PATH + 1]; /* entry named in the last error, "" if none */
};

void cpio_list_init(struct cpio_list *l);
void cpio_list_free(struct cpio_list *l);

/*
 * Paths are archive paths without a leading "/" ("rootfs/bin/app");
 * a leading "./" or "/" is stripped, "." ".." and empty components are
 * -EINVAL.  mode holds permission bits only (07777).  A path added twice
 * makes cpio_list_write() fail with -EEXIST; a non-directory used as a
 * parent with -ENOTDIR; a hard link to a missing or non-regular entry with
 * -ENOENT / -EINVAL.
 */
int cpio_list_add_dir(struct cpio_list *l, const char *path, mode_t mode, uid_t uid, gid_t gid);
/* Regular file whose bytes are read from src (a host path) at write time. */
int cpio_list_add_file(struct cpio_list *l, const char *path, const char *src, mode_t mode,
		       uid_t uid, gid_t gid);
/* Regular file with inline bytes (copied). */
int cpio_list_add_data(struct cpio_list *l, const char *path, const void *data, size_t len,
		       mode_t mode, uid_t uid, gid_t gid);
int cpio_list_add_symlink(struct cpio_list *l, const char *path, const char *target, uid_t uid,
			  gid_t gid);
/* type is 'c', 'b' or 'p' (fifo; major/minor ignored). */
int cpio_list_add_node(struct cpio_list *l, const char *path, char type, mode_t mode, uid_t uid,
		       gid_t gid, unsigned major, unsigned minor);
/* A hard link to the regular file already added at target. */
int cpio_list_add_hardlink(struct cpio_list *l, const char *path, const char *target);

/*
 * Adds everything under the host directory dir (not dir itself) below the
 * archive prefix (may be "" for the root).  Modes are normalised so that
 * umask and checkout state do not leak into the bytes: directories 0755,
 * files, FIFOs and device nodes 0755 if any execute bit is set else 0644,
 * symlinks 0777; uid/gid 0.  Hard links are not kept (each name becomes a
 * file of its own, so trees that differ only in shared inodes, as after
 * cp -al, give the same bytes); device nodes keep major/minor;
 * sockets are -EINVAL; a directory more than CPIO_MAX_TREE_DEPTH levels
 * below dir is -ELOOP (as is a symlink loop at dir itself).
 */
int cpio_list_add_tree(struct cpio_list *l, const char *dir, const char *prefix);

/* Writes the archive to fd (sequential writes only).  mtime is used for all.
 * A failed write to fd leaves cpio_list_error() "": the output is at fault. */
int cpio_list_write(struct cpio_list *l, int fd, uint32_t mtime);

const char *cpio_list_error(const struct cpio_list *l);

#endif
