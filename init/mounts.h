/*
 * mounts.h — the file systems init sets up, before and after switch root.
 *
 * A mount point that already holds a mount (its st_dev differs from its
 * parent's) is left alone: "already mounted is fine" (issue 3).  Every
 * other failure is printed as "init: cannot mount <type> on <dir>: <why>"
 * (or the step's equivalent) and returned as a negative errno.
 */
#ifndef CARVE_INIT_MOUNTS_H
#define CARVE_INIT_MOUNTS_H

/* devtmpfs on /dev (nosuid, noexec), so the console and vsock exist. */
int mounts_dev(void);

/*
 * Makes dir (the customer ramdisk's /rootfs) the root, as AWS's init does:
 * bind-mount it onto itself, MS_MOVE it over "/", chroot(".").  A real
 * mount (not a plain chroot) keeps unshare(CLONE_NEWUSER) working.
 * Returns 1 when switched, 0 when dir does not exist (run from "/").
 */
int mounts_switch_root(const char *dir);

/*
 * Everything the app expects in its root: devtmpfs /dev; proc (nosuid,
 * nodev, noexec); sysfs; devpts on /dev/pts with /dev/ptmx; tmpfs /dev/shm
 * and /tmp (1777, nosuid, nodev, exec allowed) and /run (0755); cgroup2 on
 * /sys/fs/cgroup; /dev/fd and /dev/std{in,out,err} symlinks.
 */
int mounts_app(void);

#endif
