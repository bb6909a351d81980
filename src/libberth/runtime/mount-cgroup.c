/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime-spec's mount of type "cgroup" (podman and dockerd put one on
 * /sys/fs/cgroup), as runc does it: a cgroup2 mount on a pure cgroup v2
 * host; on a v1 or hybrid host a tmpfs holding each of the host's
 * hierarchies (the mounts below the host's /sys/fs/cgroup) under its own
 * name, mounted anew with its own options. A plain "cgroup" mount there
 * would ask for a hierarchy of every controller, which the kernel refuses
 * (EBUSY) while the host's hierarchies hold them. A new mount of a
 * hierarchy is rooted at the cgroup namespace's root when the container has
 * one of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "runtime/internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* the flags of the spec's options that a new mount of a hierarchy takes */
#define CGROUP_MOUNT_FLAGS                                                                         \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_NOATIME |                 \
	 MS_STRICTATIME | MS_NODIRATIME)

/*
 * One hierarchy of the host from a /proc/self/mountinfo line: its name
 * below /sys/fs/cgroup, its type (cgroup or cgroup2) and its super options
 * without rw/ro (the controllers, name=..., xattr). 0 when the line is not
 * one, 1 when it is.
 */
static int parse_hierarchy(char *line, char **name, char **type, char *opts, size_t opts_size)
{
	char *save = NULL, *tok, *mountpoint = NULL;
	int field = 0;
	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), field++) {
		if (field == 4)
			mountpoint = tok;
		if (strcmp(tok, "-") == 0)
			break;
	}
	static const char prefix[] = "/sys/fs/cgroup/";
	if (!tok || !mountpoint || strncmp(mountpoint, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	*name = mountpoint + sizeof(prefix) - 1;
	/* one level below, and no escaped (\040...) or odd name */
	if (!**name || strpbrk(*name, "/\\") || strcmp(*name, "..") == 0 || strcmp(*name, ".") == 0)
		return 0;
	*type = strtok_r(NULL, " \n", &save);
	char *source = strtok_r(NULL, " \n", &save);
	char *super = strtok_r(NULL, " \n", &save);
	if (!*type || !source || !super ||
	    (strcmp(*type, "cgroup") != 0 && strcmp(*type, "cgroup2") != 0))
		return 0;
	opts[0] = '\0';
	char *s2 = NULL;
	for (char *o = strtok_r(super, ",", &s2); o; o = strtok_r(NULL, ",", &s2)) {
		if (strcmp(o, "rw") == 0 || strcmp(o, "ro") == 0)
			continue;
		size_t len = strlen(opts);
		snprintf(opts + len, opts_size - len, "%s%s", len ? "," : "", o);
	}
	return 1;
}

/* Mounts the hierarchy `name` anew in the directory cg_fd (the tmpfs). */
static int mount_hierarchy(int cg_fd, const char *name, const char *type, const char *opts,
			   unsigned long flags, struct berth_error **err)
{
	if (mkdirat(cg_fd, name, 0555) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "mkdir '/sys/fs/cgroup/%s'", name);
	_cleanup_close_ int fd = openat(cg_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '/sys/fs/cgroup/%s'", name);
	_cleanup_free_ char *path = berth_xasprintf("/proc/self/fd/%d", fd);
	if (mount(type, path, type, flags, *opts ? opts : NULL) < 0)
		return berth_error_syscall(err, errno, "mount %s '%s' (%s)", type, name, opts);
	return 0;
}

/* The tmpfs and each of the host's hierarchies in it. */
static int mount_v1(int root_fd, const char *dest, const char *path, unsigned long flags,
		    struct berth_error **err)
{
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return berth_error_syscall(err, errno, "mount tmpfs on '%s'", dest);
	_cleanup_close_ int cg_fd =
		berth_open_in_root(root_fd, dest, O_RDONLY | O_DIRECTORY, 0, err);
	if (cg_fd < 0)
		return cg_fd;
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return berth_error_syscall(err, errno, "open /proc/self/mountinfo");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *name, *type, opts[256];
		if (parse_hierarchy(line, &name, &type, opts, sizeof(opts)) <= 0)
			continue;
		int r = mount_hierarchy(cg_fd, name, type, opts, flags, err);
		if (r < 0)
			return r;
	}
	if (flags & MS_RDONLY) {
		_cleanup_free_ char *p = berth_xasprintf("/proc/self/fd/%d", cg_fd);
		if (mount(NULL, p, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=755") < 0)
			return berth_error_syscall(err, errno, "remount '%s' read-only", dest);
	}
	return 0;
}

int berth_runtime_mount_cgroup(int root_fd, const char *dest, const char *path, unsigned long flags,
			       struct berth_error **err)
{
	struct statfs sfs;
	flags &= CGROUP_MOUNT_FLAGS;
	if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
		if (mount("cgroup2", path, "cgroup2", flags, NULL) < 0)
			return berth_error_syscall(err, errno, "mount cgroup2 on '%s'", dest);
		return 0;
	}
	return mount_v1(root_fd, dest, path, flags, err);
}
