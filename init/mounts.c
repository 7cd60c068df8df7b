/* mounts.c — see mounts.h. */
#include "mounts.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

/* True when path is already a mount point (or a mount's root). */
static int is_mountpoint(const char *path)
{
	char parent[64];
	struct stat a, b;
	size_t n = strlen(path);
	if (n + 4 > sizeof(parent))
		return 0;
	memcpy(parent, path, n);
	memcpy(parent + n, "/..", 4);
	if (stat(path, &a) < 0 || stat(parent, &b) < 0)
		return 0;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

struct mnt {
	const char *type;
	const char *dir;
	unsigned long flags;
	const char *data;
};

static int do_mount(const struct mnt *m)
{
	int r = sys_mkdir(m->dir, 0755);
	if (r < 0) {
		log_fail2("cannot create mount point", m->dir, r);
		return r;
	}
	if (is_mountpoint(m->dir))
		return 0;
	if (mount(m->type, m->dir, m->type, m->flags, m->data) == 0 || errno == EBUSY)
		return 0;
	r = -errno;
	struct logline l;
	log_begin(&l);
	log_str(&l, "cannot mount ");
	log_str(&l, m->type);
	log_str(&l, " on ");
	log_str(&l, m->dir);
	log_str(&l, ": ");
	log_str(&l, strerror(-r));
	log_end(&l);
	return r;
}

static const struct mnt dev_mount = {"devtmpfs", "/dev", MS_NOSUID | MS_NOEXEC, "mode=0755"};

int mounts_dev(void)
{
	return do_mount(&dev_mount);
}

int mounts_switch_root(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	const char *step;
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		step = "bind-mount";
	else if (chdir(dir) < 0)
		step = "enter";
	else if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		step = "move to / the root";
	else if (chroot(".") < 0)
		step = "chroot into";
	else if (chdir("/") < 0)
		step = "enter the new root";
	else
		return 1;
	int r = -errno;
	struct logline l;
	log_begin(&l);
	log_str(&l, "cannot switch root: ");
	log_str(&l, step);
	log_str(&l, " ");
	log_str(&l, dir);
	log_str(&l, ": ");
	log_str(&l, strerror(-r));
	log_end(&l);
	return r;
}

#define NOSDE (MS_NOSUID | MS_NODEV | MS_NOEXEC)
static const struct mnt app_mounts[] = {
	{"proc", "/proc", NOSDE, NULL},
	{"sysfs", "/sys", NOSDE, NULL},
	/* ptmxmode: devtmpfs's /dev/ptmx node opens this (the initial)
	 * instance, so the pts/ptmx mode is what applies. */
	{"devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666"},
	/* /tmp and /dev/shm allow exec: JNI and JIT runtimes extract code
	 * there (AWS's noexec broke them, init.md §6). */
	{"tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777"},
	{"tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "mode=1777"},
	{"tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755"},
	{"cgroup2", "/sys/fs/cgroup", NOSDE, NULL},
};

static const char *const dev_links[][2] = {
	{"/proc/self/fd", "/dev/fd"},
	{"/proc/self/fd/0", "/dev/stdin"},
	{"/proc/self/fd/1", "/dev/stdout"},
	{"/proc/self/fd/2", "/dev/stderr"},
	{"pts/ptmx", "/dev/ptmx"}, /* only when devtmpfs lacks the node */
};

int mounts_app(void)
{
	int r = mounts_dev();
	for (size_t i = 0; r == 0 && i < sizeof(app_mounts) / sizeof(app_mounts[0]); i++)
		r = do_mount(&app_mounts[i]);
	for (size_t i = 0; r == 0 && i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		if (symlink(dev_links[i][0], dev_links[i][1]) == 0 || errno == EEXIST)
			continue;
		r = -errno;
		log_fail2("cannot create symlink", dev_links[i][1], r);
	}
	return r;
}
