/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Persistent network namespaces, as `ip netns add` makes them but in
 * process: the calling thread unshares a new namespace, its
 * /proc/thread-self/ns/net is bind-mounted on a file of the store, and the
 * thread goes back to the namespace it came from. The mount keeps the
 * namespace alive without any process in it; unmounting it (and the last
 * process leaving) ends it, and with it the container ends of its veths.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/netif.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "network/network.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* In the new namespace: bring lo up and bind it on the file. */
static int bind_current(int dir_fd, const char *name, struct berth_error **err)
{
	int r = berth_loopback_up(err);
	if (r < 0)
		return r;
	_cleanup_free_ char *target = berth_xasprintf("/proc/self/fd/%d/%s", dir_fd, name);
	if (mount("/proc/thread-self/ns/net", target, NULL, MS_BIND, NULL) < 0)
		return berth_error_syscall(err, errno, "bind the network namespace on '%s'", name);
	return 0;
}

int berth_netns_create(int dir_fd, const char *name, struct berth_error **err)
{
	_cleanup_close_ int fd =
		openat(dir_fd, name, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return berth_error_syscall(err, errno, "create network namespace file '%s'", name);
	_cleanup_close_ int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		unlinkat(dir_fd, name, 0);
		return berth_error_syscall(err, errno, "open the current network namespace");
	}
	if (unshare(CLONE_NEWNET) < 0) {
		unlinkat(dir_fd, name, 0);
		return berth_error_syscall(err, errno, "create a network namespace");
	}
	int r = bind_current(dir_fd, name, err);
	/* the thread must go back whatever happened: later work is on the host's */
	if (setns(orig, CLONE_NEWNET) < 0)
		abort();
	if (r < 0) {
		_cleanup_free_ char *target = berth_xasprintf("/proc/self/fd/%d/%s", dir_fd, name);
		umount2(target, MNT_DETACH);
		unlinkat(dir_fd, name, 0);
	}
	return r;
}

bool berth_netns_is_mounted(int dir_fd, const char *name)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct statfs sf;
	return fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == NSFS_MAGIC;
}

int berth_netns_remove(int dir_fd, const char *name, struct berth_error **err)
{
	_cleanup_free_ char *target = berth_xasprintf("/proc/self/fd/%d/%s", dir_fd, name);
	/* a crash between mount and unlink may have left it mounted twice or not at all */
	while (berth_netns_is_mounted(dir_fd, name))
		if (umount2(target, MNT_DETACH) < 0)
			return berth_error_syscall(err, errno, "unmount network namespace '%s'",
						   name);
	if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove network namespace file '%s'", name);
	return 0;
}
