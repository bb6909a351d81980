/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The namespaces of a container: the new ones it gets and the existing
 * ones it joins (linux.namespaces[].path).
 *
 * Every path is opened and checked (NS_GET_NSTYPE) in the parent, so a
 * wrong path fails with its name before anything is made, and the child
 * only ever setns()es fds. The PID and time namespaces apply to a
 * process's children only: the parent enters the ones to join (or, for
 * time, a new one) around the clone and goes back to its own right after.
 * The other kinds are joined by the child, the user namespace first: the
 * namespaces it joins after it, and the new ones it then unshares, are
 * those its capabilities in that user namespace reach.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/nsfs.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "runtime/internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The kinds the child joins, in order: user first, mount last (it changes our root). */
static const unsigned child_join_order[] = {
	BERTH_NS_USER,	  BERTH_NS_IPC,	   BERTH_NS_UTS,
	BERTH_NS_NETWORK, BERTH_NS_CGROUP, BERTH_NS_MOUNT,
};

/* Kinds a process gets new by clone, or, once it has joined a user namespace, by unshare. */
static const unsigned unshareable[] = {
	BERTH_NS_MOUNT,
	BERTH_NS_UTS,
	BERTH_NS_IPC,
	BERTH_NS_NETWORK,
};

static bool joins(const struct berth_spec *spec, unsigned flag)
{
	return (spec->namespaces & flag) && berth_spec_ns_path(spec, flag);
}

static bool makes_new(const struct berth_spec *spec, unsigned flag)
{
	return (spec->namespaces & flag) && !berth_spec_ns_path(spec, flag);
}

void berth_runtime_close_namespaces(int fds[BERTH_NS_KINDS])
{
	for (size_t i = 0; i < BERTH_NS_KINDS; i++)
		berth_closep(&fds[i]);
}

static int open_namespace(const char *path, unsigned flag, int *ret, struct berth_error **err)
{
	const char *kind = berth_ns_name(flag);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open %s namespace '%s'", kind, path);
	int type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 && (errno == ENOTTY || errno == EINVAL))
		return berth_error_set(err, EINVAL, "'%s' is not a namespace", path);
	if (type < 0)
		return berth_error_syscall(err, errno, "read the type of namespace '%s'", path);
	if ((unsigned long)type != berth_ns_clone_flag(flag))
		return berth_error_set(err, EINVAL, "'%s' is not a %s namespace", path, kind);
	*ret = TAKE_FD(fd);
	return 0;
}

int berth_runtime_open_namespaces(const struct berth_spec *spec, int fds[BERTH_NS_KINDS],
				  struct berth_error **err)
{
	for (size_t i = 0; i < BERTH_NS_KINDS; i++)
		fds[i] = -EBADF;
	for (size_t i = 0; i < BERTH_NS_KINDS; i++) {
		unsigned flag = 1u << i;
		if (!joins(spec, flag))
			continue;
		int r = open_namespace(berth_spec_ns_path(spec, flag), flag, &fds[i], err);
		if (r < 0) {
			berth_runtime_close_namespaces(fds);
			return r;
		}
	}
	return 0;
}

int berth_runtime_clone_flags(const struct berth_spec *spec, unsigned long *ret,
			      struct berth_error **err)
{
	unsigned long flags = SIGCHLD;
	bool user_joined = joins(spec, BERTH_NS_USER);

	if (!(spec->namespaces & BERTH_NS_MOUNT))
		return berth_error_set(err, ENOTSUP,
				       "a container without a mount namespace is not supported");
	if (makes_new(spec, BERTH_NS_USER))
		flags |= CLONE_NEWUSER;
	if (makes_new(spec, BERTH_NS_PID)) {
		if (user_joined)
			return berth_error_set(err, ENOTSUP,
					       "a new pid namespace in a joined user namespace is "
					       "not supported");
		flags |= CLONE_NEWPID;
	}
	for (size_t i = 0; i < ELEMENTSOF(unshareable) && !user_joined; i++)
		if (makes_new(spec, unshareable[i]))
			flags |= berth_ns_clone_flag(unshareable[i]);
	*ret = flags;
	return 0;
}

int berth_runtime_ns_for_child_enter(const struct berth_spec *spec, const int fds[BERTH_NS_KINDS],
				     int saved[2], struct berth_error **err)
{
	saved[0] = saved[1] = -EBADF;
	if (joins(spec, BERTH_NS_PID)) {
		saved[0] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (saved[0] < 0)
			return berth_error_syscall(err, errno, "open /proc/self/ns/pid");
		if (setns(fds[berth_ns_index(BERTH_NS_PID)], CLONE_NEWPID) < 0) {
			int r = berth_error_syscall(err, errno, "join pid namespace '%s'",
						    berth_spec_ns_path(spec, BERTH_NS_PID));
			berth_runtime_ns_for_child_leave(saved);
			return r;
		}
	}
	if (!(spec->namespaces & BERTH_NS_TIME))
		return 0;
	berth_cgroup_warm_end(); /* setns(CLONE_NEWTIME) wants a single thread */
	saved[1] = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
	int r = saved[1] < 0 ? berth_error_syscall(err, errno,
						   "open /proc/self/ns/time: is there a time "
						   "namespace in this kernel")
			     : 0;
	if (r >= 0 && joins(spec, BERTH_NS_TIME) &&
	    setns(fds[berth_ns_index(BERTH_NS_TIME)], CLONE_NEWTIME) < 0)
		r = berth_error_syscall(err, errno, "join time namespace '%s'",
					berth_spec_ns_path(spec, BERTH_NS_TIME));
	if (r >= 0 && makes_new(spec, BERTH_NS_TIME) && unshare(CLONE_NEWTIME) < 0)
		r = berth_error_syscall(err, errno, "unshare time namespace");
	if (r < 0)
		berth_runtime_ns_for_child_leave(saved);
	return r;
}

void berth_runtime_ns_for_child_leave(int saved[2])
{
	/* back to our own: these are the namespaces we are in, always allowed */
	if (saved[0] >= 0)
		(void)setns(saved[0], CLONE_NEWPID);
	if (saved[1] >= 0)
		(void)setns(saved[1], CLONE_NEWTIME);
	berth_closep(&saved[0]);
	berth_closep(&saved[1]);
}

int berth_runtime_join_namespaces(const struct berth_spec *spec, int fds[BERTH_NS_KINDS],
				  struct berth_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(child_join_order); i++) {
		unsigned flag = child_join_order[i];
		int *fd = &fds[berth_ns_index(flag)];
		if (*fd < 0)
			continue;
		if (setns(*fd, (int)berth_ns_clone_flag(flag)) < 0)
			return berth_error_syscall(err, errno, "join %s namespace '%s'",
						   berth_ns_name(flag),
						   berth_spec_ns_path(spec, flag));
		berth_closep(fd);
	}
	/*
	 * Root of the user namespace from here on: files we make need an owner
	 * mapped in it (EOVERFLOW otherwise); the process's own ids come later.
	 */
	if ((spec->namespaces & BERTH_NS_USER) && berth_runtime_set_ids(0, 0) < 0)
		return berth_error_syscall(err, errno,
					   "become root of the user namespace (is 0 mapped?)");
	if (!joins(spec, BERTH_NS_USER))
		return 0;
	/* made after the user namespace so that it owns them */
	unsigned long flags = 0;
	for (size_t i = 0; i < ELEMENTSOF(unshareable); i++)
		if (makes_new(spec, unshareable[i]))
			flags |= berth_ns_clone_flag(unshareable[i]);
	if (flags && unshare((int)flags) < 0)
		return berth_error_syscall(err, errno, "unshare namespaces");
	return 0;
}

static int write_idmap(pid_t pid, const char *file, const struct berth_spec_idmap *m, size_t n,
		       struct berth_error **err)
{
	_cleanup_(berth_buf_releasep) struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		berth_buf_addf(&b, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id,
			       m[i].host_id, m[i].size);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	/* the kernel takes a map in one write only */
	if (fd < 0 || write(fd, b.buf, b.len) != (ssize_t)b.len)
		return berth_error_syscall(err, errno, "write %s of the container's user namespace",
					   file);
	return 0;
}

int berth_runtime_write_idmaps(const struct berth_spec *spec, pid_t pid, struct berth_error **err)
{
	if (!makes_new(spec, BERTH_NS_USER))
		return 0;
	int r = write_idmap(pid, "uid_map", spec->uid_mappings, spec->n_uid_mappings, err);
	if (r >= 0)
		r = write_idmap(pid, "gid_map", spec->gid_mappings, spec->n_gid_mappings, err);
	return r;
}
