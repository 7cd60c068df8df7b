#include "cpio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "atomicfile.h"

enum kind { K_DIR, K_FILE, K_DATA, K_SYMLINK, K_NODE, K_HARDLINK };

struct cpio_entry {
	char *path;
	enum kind kind;
	mode_t mode; /* with S_IF* type bits */
	uid_t uid;
	gid_t gid;
	char *src;     /* K_FILE: host path; K_SYMLINK: target; K_HARDLINK: archive path */
	uint8_t *data; /* K_DATA */
	size_t len;    /* K_DATA */
	unsigned rmajor, rminor;
	/* Filled by cpio_list_write(). */
	size_t root;   /* index of the regular file a hard link resolves to */
	uint32_t ino, nlink;
	bool holds_data;
	bool data_given; /* on a root: some member already carries the data */
};

void cpio_list_init(struct cpio_list *l)
{
	memset(l, 0, sizeof(*l));
}

void cpio_list_free(struct cpio_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].src);
		free(l->v[i].data);
	}
	free(l->v);
	cpio_list_init(l);
}

const char *cpio_list_error(const struct cpio_list *l)
{
	return l->err_path;
}

static int fail(struct cpio_list *l, const char *path, int err)
{
	size_t n = strnlen(path, sizeof(l->err_path) - 1);
	memcpy(l->err_path, path, n);
	l->err_path[n] = '\0';
	return err;
}

/* Strips "./" and "/" prefixes and rejects empty, "." and ".." components. */
static int normalize(const char *in, char **out)
{
	while (in[0] == '/' || (in[0] == '.' && in[1] == '/'))
		in += in[0] == '/' ? 1 : 2;
	size_t n = strlen(in);
	while (n > 0 && in[n - 1] == '/')
		n--;
	if (n == 0 || n > CPIO_MAX_PATH)
		return -EINVAL;
	for (const char *c = in; c < in + n;) {
		const char *e = memchr(c, '/', (size_t)(in + n - c));
		size_t cl = e ? (size_t)(e - c) : (size_t)(in + n - c);
		if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.'))
			return -EINVAL;
		c += cl + 1;
	}
	*out = strndup(in, n);
	return *out ? 0 : -ENOMEM;
}

static int push(struct cpio_list *l, const char *path, enum kind kind, mode_t mode, uid_t uid,
		gid_t gid, struct cpio_entry **out)
{
	char *p;
	int r = normalize(path, &p);
	if (r < 0)
		return fail(l, path, r);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct cpio_entry *v = reallocarray(l->v, cap, sizeof(*v));
		if (!v) {
			free(p);
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	struct cpio_entry *e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->path = p;
	e->kind = kind;
	e->mode = mode;
	e->uid = uid;
	e->gid = gid;
	*out = e;
	return 0;
}

static int push_str(struct cpio_list *l, struct cpio_entry *e, const char *s)
{
	e->src = strdup(s);
	if (e->src)
		return 0;
	free(e->path);
	l->n--;
	return -ENOMEM;
}

int cpio_list_add_dir(struct cpio_list *l, const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct cpio_entry *e;
	return push(l, path, K_DIR, S_IFDIR | (mode & 07777), uid, gid, &e);
}

int cpio_list_add_file(struct cpio_list *l, const char *path, const char *src, mode_t mode,
		       uid_t uid, gid_t gid)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return fail(l, src, -errno);
	if (!S_ISREG(st.st_mode))
		return fail(l, src, -EINVAL);
	if ((uint64_t)st.st_size > CPIO_MAX_FILE_SIZE)
		return fail(l, src, -EFBIG);
	struct cpio_entry *e;
	int r = push(l, path, K_FILE, S_IFREG | (mode & 07777), uid, gid, &e);
	return r < 0 ? r : push_str(l, e, src);
}

int cpio_list_add_data(struct cpio_list *l, const char *path, const void *data, size_t len,
		       mode_t mode, uid_t uid, gid_t gid)
{
	if (len > CPIO_MAX_FILE_SIZE)
		return fail(l, path, -EFBIG);
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	struct cpio_entry *e;
	int r = push(l, path, K_DATA, S_IFREG | (mode & 07777), uid, gid, &e);
	if (r < 0) {
		free(copy);
		return r;
	}
	e->data = copy;
	e->len = len;
	return 0;
}

int cpio_list_add_symlink(struct cpio_list *l, const char *path, const char *target, uid_t uid,
			  gid_t gid)
{
	if (target[0] == '\0' || strlen(target) > CPIO_MAX_PATH)
		return fail(l, path, -EINVAL);
	struct cpio_entry *e;
	int r = push(l, path, K_SYMLINK, S_IFLNK | 0777, uid, gid, &e);
	return r < 0 ? r : push_str(l, e, target);
}

int cpio_list_add_node(struct cpio_list *l, const char *path, char type, mode_t mode, uid_t uid,
		       gid_t gid, unsigned major, unsigned minor)
{
	mode_t t = type == 'c' ? S_IFCHR : type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : 0;
	if (!t)
		return fail(l, path, -EINVAL);
	struct cpio_entry *e;
	int r = push(l, path, K_NODE, t | (mode & 07777), uid, gid, &e);
	if (r == 0 && t != S_IFIFO) {
		e->rmajor = major;
		e->rminor = minor;
	}
	return r;
}

int cpio_list_add_hardlink(struct cpio_list *l, const char *path, const char *target)
{
	char *t;
	int r = normalize(target, &t);
	if (r < 0)
		return fail(l, target, r);
	struct cpio_entry *e;
	r = push(l, path, K_HARDLINK, 0, 0, 0, &e);
	if (r < 0) {
		free(t);
		return r;
	}
	e->src = t;
	return 0;
}

/* ------------------------------------------------------------ tree input */

static int join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s%s%s", a, a[0] ? "/" : "", b);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Tree modes carry no umask: 0755 if any execute bit is set, else 0644. */
static mode_t norm_mode(mode_t m)
{
	return m & 0111 ? 0755 : 0644;
}

/* depth: levels below the tree's root.  Each level holds a DIR and about
 * 12 KiB of stack, so the depth is capped well inside both limits. */
static int walk_dir(struct cpio_list *l, const char *hdir, const char *prefix, unsigned depth)
{
	if (depth > CPIO_MAX_TREE_DEPTH)
		return fail(l, hdir, -ELOOP);
	DIR *d = opendir(hdir);
	if (!d)
		return fail(l, hdir, -errno);
	int r = 0;
	struct dirent *de;
	errno = 0;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char hpath[4096], apath[CPIO_MAX_PATH + 1];
		struct stat st;
		if ((r = join(hpath, sizeof(hpath), hdir, de->d_name)) < 0 ||
		    (r = join(apath, sizeof(apath), prefix, de->d_name)) < 0) {
			r = fail(l, hdir, r);
			break;
		}
		if (lstat(hpath, &st) < 0) {
			r = fail(l, hpath, -errno);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			r = cpio_list_add_dir(l, apath, 0755, 0, 0);
			if (r == 0)
				r = walk_dir(l, hpath, apath, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			/* Host hard links are not kept: whether a checkout or a
			 * copy (cp -a vs cp -al) shares inodes must not change the
			 * bytes.  Each name is a file of its own. */
			r = cpio_list_add_file(l, apath, hpath, norm_mode(st.st_mode), 0, 0);
		} else if (S_ISLNK(st.st_mode)) {
			char target[CPIO_MAX_PATH + 1];
			ssize_t n = readlink(hpath, target, sizeof(target));
			if (n < 0 || (size_t)n >= sizeof(target)) {
				r = fail(l, hpath, n < 0 ? -errno : -ENAMETOOLONG);
				break;
			}
			target[n] = '\0';
			r = cpio_list_add_symlink(l, apath, target, 0, 0);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
			char t = S_ISCHR(st.st_mode) ? 'c' : S_ISBLK(st.st_mode) ? 'b' : 'p';
			r = cpio_list_add_node(l, apath, t, norm_mode(st.st_mode), 0, 0,
					       major(st.st_rdev), minor(st.st_rdev));
		} else {
			r = fail(l, hpath, -EINVAL);
		}
		errno = 0;
	}
	if (r == 0 && errno)
		r = fail(l, hdir, -errno);
	closedir(d);
	return r;
}

int cpio_list_add_tree(struct cpio_list *l, const char *dir, const char *prefix)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return fail(l, dir, -errno);
	if (!S_ISDIR(st.st_mode))
		return fail(l, dir, -ENOTDIR);
	return walk_dir(l, dir, prefix, 0);
}

/* ------------------------------------------------------------ writing */

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct cpio_entry *)a)->path, ((const struct cpio_entry *)b)->path);
}

/* Looks path up in the first n entries, which MUST be sorted. */
static struct cpio_entry *find(struct cpio_list *l, size_t n, const char *path)
{
	struct cpio_entry key = {.path = (char *)path};
	return bsearch(&key, l->v, n, sizeof(key), cmp_entry);
}

/* Adds a 0755 root-owned directory for every missing parent; keeps l sorted. */
static int add_parents(struct cpio_list *l)
{
	size_t n = l->n;
	for (size_t i = 0; i < n; i++) {
		char buf[CPIO_MAX_PATH + 1];
		strcpy(buf, l->v[i].path);
		for (char *s = strchr(buf, '/'); s; s = strchr(s + 1, '/')) {
			*s = '\0';
			struct cpio_entry *p = find(l, n, buf);
			bool pending = false;
			for (size_t j = n; !p && j < l->n; j++)
				pending = pending || !strcmp(l->v[j].path, buf);
			if (p && p->kind != K_DIR)
				return fail(l, buf, -ENOTDIR);
			if (!p && !pending) {
				int r = cpio_list_add_dir(l, buf, 0755, 0, 0);
				if (r < 0)
					return r;
			}
			*s = '/';
		}
	}
	qsort(l->v, l->n, sizeof(*l->v), cmp_entry);
	return 0;
}

static int link_groups(struct cpio_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct cpio_entry *e = &l->v[i];
		e->root = i;
		e->nlink = e->kind == K_DIR ? 2 : 1;
		if (e->kind != K_HARDLINK)
			continue;
		struct cpio_entry *t = find(l, l->n, e->src);
		if (!t)
			return fail(l, e->path, -ENOENT);
		if (t->kind != K_FILE && t->kind != K_DATA)
			return fail(l, e->path, -EINVAL);
		e->root = (size_t)(t - l->v);
		e->mode = t->mode;
		e->uid = t->uid;
		e->gid = t->gid;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == K_HARDLINK)
			l->v[l->v[i].root].nlink++;
	uint32_t ino = 1;
	for (size_t i = 0; i < l->n; i++) {
		struct cpio_entry *e = &l->v[i], *root = &l->v[e->root];
		if (root->ino == 0)
			root->ino = ino++;
		e->ino = root->ino;
		e->nlink = root->nlink;
	}
	/* The last member of a group in archive order carries the data. */
	for (size_t i = l->n; i-- > 0;) {
		struct cpio_entry *root = &l->v[l->v[i].root];
		if ((root->kind == K_FILE || root->kind == K_DATA) && !root->data_given) {
			root->data_given = true;
			l->v[i].holds_data = true;
		}
	}
	return 0;
}

struct out {
	int fd;
	uint8_t buf[1 << 16];
	size_t used;
	uint64_t total;
	bool write_failed; /* the error came from fd, not from an entry */
};

static int out_flush(struct out *o)
{
	int r = write_all(o->fd, o->buf, o->used);
	o->used = 0;
	o->write_failed = r < 0;
	return r;
}

static int out_put(struct out *o, const void *p, size_t len)
{
	const uint8_t *b = p;
	while (len > 0) {
		if (o->used == sizeof(o->buf)) {
			int r = out_flush(o);
			if (r < 0)
				return r;
		}
		size_t k = sizeof(o->buf) - o->used;
		k = k < len ? k : len;
		memcpy(o->buf + o->used, b, k);
		o->used += k;
		o->total += k;
		b += k;
		len -= k;
	}
	return 0;
}

static int out_pad(struct out *o, unsigned align)
{
	static const uint8_t zeros[512];
	size_t pad = (size_t)((align - o->total % align) % align);
	return out_put(o, zeros, pad);
}

/* Streams exactly size bytes of src; the file changing size is -EIO. */
static int out_file(struct out *o, const char *src, uint64_t size)
{
	int fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = 0;
	uint64_t left = size;
	for (;;) {
		if (o->used == sizeof(o->buf) && (r = out_flush(o)) < 0)
			break;
		size_t want = sizeof(o->buf) - o->used;
		/* One extra byte is read at the end to notice a file that grew. */
		if (left < want)
			want = (size_t)left + (left == 0);
		ssize_t n = read(fd, o->buf + o->used, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if ((uint64_t)n > left || (n == 0 && left > 0)) {
			r = -EIO;
			break;
		}
		if (n == 0)
			break;
		o->used += (size_t)n;
		o->total += (uint64_t)n;
		left -= (uint64_t)n;
	}
	close(fd);
	return r;
}

static int put_header(struct out *o, const struct cpio_entry *e, uint32_t mtime, uint64_t size,
		      const char *name)
{
	char h[128];
	size_t namesize = strlen(name) + 1;
	snprintf(h, sizeof(h),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", e->ino,
		 (unsigned)e->mode, (unsigned)e->uid, (unsigned)e->gid, e->nlink, mtime,
		 (unsigned)size, 0u, 0u, e->rmajor, e->rminor, (unsigned)namesize, 0u);
	int r = out_put(o, h, 110);
	if (r == 0)
		r = out_put(o, name, namesize);
	return r < 0 ? r : out_pad(o, 4);
}

static int put_entry(struct out *o, const struct cpio_list *l, const struct cpio_entry *e,
		     uint32_t mtime)
{
	const struct cpio_entry *root = &l->v[e->root];
	uint64_t size = 0;
	if (e->holds_data && root->kind == K_DATA)
		size = root->len;
	else if (e->kind == K_SYMLINK)
		size = strlen(e->src);
	else if (e->holds_data) {
		struct stat st;
		if (stat(root->src, &st) < 0)
			return -errno;
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		if ((uint64_t)st.st_size > CPIO_MAX_FILE_SIZE)
			return -EFBIG;
		size = (uint64_t)st.st_size;
	}
	int r = put_header(o, e, mtime, size, e->path);
	if (r < 0 || size == 0)
		return r;
	if (e->kind == K_SYMLINK)
		r = out_put(o, e->src, size);
	else if (root->kind == K_DATA)
		r = out_put(o, root->data, size);
	else
		r = out_file(o, root->src, size);
	return r < 0 ? r : out_pad(o, 4);
}

int cpio_list_write(struct cpio_list *l, int fd, uint32_t mtime)
{
	l->err_path[0] = '\0';
	qsort(l->v, l->n, sizeof(*l->v), cmp_entry);
	for (size_t i = 1; i < l->n; i++)
		if (!strcmp(l->v[i - 1].path, l->v[i].path))
			return fail(l, l->v[i].path, -EEXIST);
	int r = add_parents(l);
	if (r == 0)
		r = link_groups(l);
	if (r < 0)
		return r;
	struct out *o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->fd = fd;
	o->used = 0;
	o->total = 0;
	o->write_failed = false;
	for (size_t i = 0; i < l->n && r == 0; i++) {
		r = put_entry(o, l, &l->v[i], mtime);
		if (r < 0 && !o->write_failed) {
			const struct cpio_entry *root = &l->v[l->v[i].root];
			fail(l, root->kind == K_FILE ? root->src : l->v[i].path, r);
		}
	}
	if (r == 0) {
		static const struct cpio_entry trailer = {.nlink = 1};
		r = put_header(o, &trailer, 0, 0, "TRAILER!!!");
	}
	if (r == 0)
		r = out_pad(o, 512);
	if (r == 0)
		r = out_flush(o);
	free(o);
	return r;
}
