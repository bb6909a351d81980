/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The executor: a spec and a rootfs path become a process in new mount,
 * PID, UTS, IPC and cgroup namespaces (and network with --network none),
 * on a pivot_root'ed rootfs, with Docker's mounts, devices, masked paths,
 * capabilities, no_new_privs and seccomp. The rootfs comes prepared: a
 * detached mount from the caller's open_rootfs (an image's overlay, made
 * by layer/) attached in the new mount namespace, or the path as it is.
 *
 * The child is made with a fork-like clone (berth is single-threaded), so it
 * runs berth's own code up to execve; it cannot print, so it reports a
 * failure over a CLOEXEC pipe (EOF there means execve succeeded) and the
 * parent turns the report into the caller's error.
 */
#include "runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "core/netif.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/chase.h"
#include "core/cleanup.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/strv.h"
#include "runtime/internal.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum {
	REPORT_SETUP = BERTH_REPORT_SETUP,
	REPORT_EXEC = BERTH_REPORT_EXEC
};

#define child_fail berth_runtime_child_fail

_Noreturn void berth_runtime_child_fail(int fd, int kind, int code, const char *fmt, ...)
{
	struct berth_runtime_report rep = {.kind = kind, .code = code};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep.msg, sizeof(rep.msg), fmt, ap);
	va_end(ap);
	(void)!write(fd, &rep, sizeof(rep));
	if (kind == REPORT_EXEC)
		_exit(code == ENOENT ? 127 : 126);
	_exit(125);
}

ssize_t berth_runtime_read_report(int fd, struct berth_runtime_report *rep)
{
	ssize_t n;
	do
		n = read(fd, rep, sizeof(*rep));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*rep))
		rep->msg[sizeof(rep->msg) - 1] = '\0';
	return n;
}

int(berth_runtime_report_error)(const struct berth_runtime_report *rep,
				struct berth_runtime_result *ret_result, struct berth_error **err)
{
	int code = rep->code > 0 ? rep->code : EIO;
	if (rep->kind == REPORT_EXEC && ret_result)
		ret_result->exec_errno = code;
	return berth_error_set(err, code, "%s", rep->msg);
}

static _Noreturn void child_fail_err(int fd, struct berth_error *e)
{
	child_fail(fd, REPORT_SETUP, e ? e->code : EIO, "%s", berth_error_msg(e));
}

static const struct {
	const char *name;
	unsigned long flag;
	bool clear;
} mount_flags[] = {
	{"ro", MS_RDONLY, false},
	{"rw", MS_RDONLY, true},
	{"nosuid", MS_NOSUID, false},
	{"suid", MS_NOSUID, true},
	{"nodev", MS_NODEV, false},
	{"dev", MS_NODEV, true},
	{"noexec", MS_NOEXEC, false},
	{"exec", MS_NOEXEC, true},
	{"sync", MS_SYNCHRONOUS, false},
	{"async", MS_SYNCHRONOUS, true},
	{"dirsync", MS_DIRSYNC, false},
	{"noatime", MS_NOATIME, false},
	{"nodiratime", MS_NODIRATIME, false},
	{"relatime", MS_RELATIME, false},
	{"strictatime", MS_STRICTATIME, false},
	{"bind", MS_BIND, false},
	{"rbind", MS_BIND | MS_REC, false},
};

static const struct {
	const char *name;
	unsigned long flag;
} propagation[] = {
	{"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
	{"slave", MS_SLAVE},	       {"rslave", MS_SLAVE | MS_REC},
	{"shared", MS_SHARED},	       {"rshared", MS_SHARED | MS_REC},
	{"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct mount_opts {
	unsigned long flags;
	unsigned long prop;
	bool copyup;
	struct berth_buf data;
};

static void parse_mount_options(char *const *options, struct mount_opts *o)
{
	BERTH_STRV_FOREACH (opt, options) {
		bool known = false;
		for (size_t i = 0; i < ELEMENTSOF(mount_flags) && !known; i++) {
			if (strcmp(*opt, mount_flags[i].name) != 0)
				continue;
			if (mount_flags[i].clear)
				o->flags &= ~mount_flags[i].flag;
			else
				o->flags |= mount_flags[i].flag;
			known = true;
		}
		for (size_t i = 0; i < ELEMENTSOF(propagation) && !known; i++) {
			if (strcmp(*opt, propagation[i].name) == 0) {
				o->prop = propagation[i].flag;
				known = true;
			}
		}
		if (!known && strcmp(*opt, "berth.copyup") == 0) {
			o->copyup = true;
			known = true;
		}
		if (!known) {
			if (o->data.len)
				berth_buf_addch(&o->data, ',');
			berth_buf_addstr(&o->data, *opt);
		}
	}
}

static void mount_opts_release(struct mount_opts *o)
{
	berth_buf_release(&o->data);
}

static void fd_path(char out[64], int fd)
{
	snprintf(out, 64, "/proc/self/fd/%d", fd);
}

/*
 * Copies the tree at src (a directory of the container's rootfs) into dst
 * (an empty volume directory): the named-volume pre-fill. Nothing is
 * followed: symlinks are copied as links, special files are skipped.
 */
static int copy_tree(int src, int dst, int depth, struct berth_error **err)
{
	if (depth > 64)
		return berth_error_set(err, ELOOP, "volume pre-fill: tree too deep");
	_cleanup_closedir_ DIR *d = berth_opendir_at(src, ".");
	if (!d)
		return berth_error_syscall(err, errno, "volume pre-fill: open directory");
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return berth_error_syscall(err, errno, "volume pre-fill: stat '%s'",
						   de->d_name);
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(dst, de->d_name, st.st_mode & 07777) < 0 && errno != EEXIST)
				return berth_error_syscall(
					err, errno, "volume pre-fill: mkdir '%s'", de->d_name);
			_cleanup_close_ int s2 = openat(
				src, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int d2 = openat(
				dst, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				return berth_error_syscall(err, errno, "volume pre-fill: open '%s'",
							   de->d_name);
			int r = copy_tree(s2, d2, depth + 1, err);
			if (r < 0)
				return r;
			(void)!fchown(d2, st.st_uid, st.st_gid);
			(void)fchmod(d2, st.st_mode & 07777);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(src, de->d_name, target, sizeof(target) - 1);
			if (n < 0)
				return berth_error_syscall(
					err, errno, "volume pre-fill: readlink '%s'", de->d_name);
			target[n] = '\0';
			if (symlinkat(target, dst, de->d_name) < 0 && errno != EEXIST)
				return berth_error_syscall(
					err, errno, "volume pre-fill: symlink '%s'", de->d_name);
			(void)!fchownat(dst, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		} else if (S_ISREG(st.st_mode)) {
			_cleanup_close_ int in =
				openat(src, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			_cleanup_close_ int out =
				openat(dst, de->d_name,
				       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				       st.st_mode & 07777);
			if (in < 0 || out < 0)
				return berth_error_syscall(err, errno, "volume pre-fill: open '%s'",
							   de->d_name);
			char buf[65536];
			ssize_t n;
			while ((n = read(in, buf, sizeof(buf))) > 0) {
				int r = berth_write_all(out, buf, (size_t)n, err);
				if (r < 0)
					return r;
			}
			if (n < 0)
				return berth_error_syscall(err, errno, "volume pre-fill: read '%s'",
							   de->d_name);
			(void)!fchown(out, st.st_uid, st.st_gid);
			(void)fchmod(out, st.st_mode & 07777);
		}
	}
	return 0;
}

/*
 * The volume's root takes the owner and mode of the image directory it is
 * mounted on, as Docker's copyOwnership after its copy-up: an image that
 * prepares /data for its non-root USER gets a volume that user can write.
 */
static int copy_ownership(int src, int dst, struct berth_error **err)
{
	struct stat st;
	if (fstat(src, &st) < 0)
		return berth_error_syscall(err, errno, "volume pre-fill: stat the image directory");
	if (fchown(dst, st.st_uid, st.st_gid) < 0)
		return berth_error_syscall(err, errno, "volume pre-fill: chown the volume");
	if (fchmod(dst, st.st_mode & 07777) < 0)
		return berth_error_syscall(err, errno, "volume pre-fill: chmod the volume");
	return 0;
}

/*
 * Opens (creating when missing) the mount target dest inside root_fd. The
 * path is resolved in the root (a symlink in the image cannot send a mount
 * outside the rootfs); the fd is then used as /proc/self/fd/N for mount(2).
 */
static int open_target(int root_fd, const char *dest, bool is_dir, struct berth_error **err)
{
	int fd = berth_open_in_root(root_fd, dest, O_PATH, 0, NULL);
	if (fd >= 0)
		return fd;
	/*
	 * Missing: create it where the image's symlinks lead, resolved in the
	 * root as Docker does (/data -> /etc puts the mount on <rootfs>/etc).
	 */
	_cleanup_free_ char *resolved = NULL;
	int r = berth_chase_in_root(root_fd, dest, &resolved, err);
	if (r < 0)
		return r;
	dest = resolved;
	if (is_dir)
		return berth_mkdirs_in_root(root_fd, dest, 0755, err);
	_cleanup_free_ char *parent = berth_xstrdup(dest);
	char *slash = strrchr(parent, '/');
	const char *base = slash ? slash + 1 : parent;
	if (slash)
		*slash = '\0';
	if (!*base)
		return berth_error_set(err, EINVAL, "invalid mount destination '%s'", dest);
	_cleanup_close_ int pfd = berth_mkdirs_in_root(root_fd, slash ? parent : "/", 0755, err);
	if (pfd < 0)
		return pfd;
	_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_syscall(err, errno, "open parent of '%s'", dest);
	int f = openat(dfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f < 0)
		return berth_error_syscall(err, errno, "create mount point '%s'", dest);
	close(f);
	return berth_open_in_root(root_fd, dest, O_PATH, 0, err);
}

static void close_trees(int *trees, size_t n)
{
	for (size_t i = 0; trees && i < n; i++)
		berth_closep(&trees[i]);
	free(trees);
}

/*
 * Clones the mount tree of every mount that has a source fd, here in the
 * caller's mount namespace: open_tree() refuses a mount of another
 * namespace, which the child's copies of the caller's mounts are. The
 * detached copy gets the restrictions of the options here too (set, never
 * cleared: a read-only source stays read-only); the child only attaches it.
 * ret[i] is -EBADF for the mounts that go by path.
 */
static int clone_source_trees(const struct berth_spec *spec, int **ret, struct berth_error **err)
{
	int *trees = berth_xreallocarray(NULL, spec->n_mounts + 1, sizeof(*trees));
	for (size_t i = 0; i < spec->n_mounts; i++)
		trees[i] = -EBADF;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct berth_spec_mount *m = &spec->mounts[i];
		if (m->source_fd < 0)
			continue;
		__attribute__((cleanup(mount_opts_release))) struct mount_opts o = {
			.data = BERTH_BUF_INIT};
		parse_mount_options(m->options, &o);
		unsigned rec = (o.flags & MS_REC) ? AT_RECURSIVE : 0;
		trees[i] = open_tree(m->source_fd, "",
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
		if (trees[i] < 0) {
			int r = berth_error_syscall(err, errno, "clone bind mount source '%s'",
						    m->source);
			close_trees(trees, spec->n_mounts);
			return r;
		}
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
		if (o.flags & MS_RDONLY)
			attr.attr_set |= MOUNT_ATTR_RDONLY;
		if (o.flags & MS_NOEXEC)
			attr.attr_set |= MOUNT_ATTR_NOEXEC;
		if (o.flags & MS_NOATIME) {
			attr.attr_set |= MOUNT_ATTR_NOATIME;
			attr.attr_clr |= MOUNT_ATTR__ATIME;
		}
		if (mount_setattr(trees[i], "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0) {
			int r = berth_error_syscall(err, errno, "restrict bind mount of '%s'",
						    m->source);
			close_trees(trees, spec->n_mounts);
			return r;
		}
	}
	*ret = trees;
	return 0;
}

/* Attaches tree (a detached clone of the source) on the target fd. */
static int attach_tree(int tree, int tfd, const struct berth_spec_mount *m,
		       struct berth_error **err)
{
	if (move_mount(tree, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berth_error_syscall(err, errno, "mount bind '%s' on '%s'", m->source,
					   m->destination);
	return 0;
}

/* Mounts m; tree is its source's detached clone, or -EBADF when it goes by path. */
static int do_mount(int root_fd, const struct berth_spec_mount *m, int tree,
		    struct berth_error **err)
{
	__attribute__((cleanup(mount_opts_release))) struct mount_opts o = {.data = BERTH_BUF_INIT};
	parse_mount_options(m->options, &o);
	bool bind = strcmp(m->type, "bind") == 0 || (o.flags & MS_BIND) || tree >= 0;
	if (bind)
		o.flags |= MS_BIND;
	bool is_dir = true;
	if (bind) {
		struct stat st;
		if ((tree >= 0 ? fstat(tree, &st) : stat(m->source, &st)) < 0)
			return berth_error_syscall(err, errno, "bind mount source '%s'", m->source);
		is_dir = S_ISDIR(st.st_mode);
	}
	_cleanup_close_ int tfd = open_target(root_fd, m->destination, is_dir, err);
	if (tfd < 0)
		return berth_error_prefix(err, "mount '%s'", m->destination);
	char path[64];
	fd_path(path, tfd);
	if (bind && o.copyup && is_dir) {
		_cleanup_close_ int sfd =
			tree >= 0 ? openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				  : open(m->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int cfd = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd >= 0 && cfd >= 0 && berth_dir_is_empty(sfd) > 0) {
			int r = copy_tree(cfd, sfd, 0, err);
			if (r >= 0)
				r = copy_ownership(cfd, sfd, err);
			if (r < 0)
				return berth_error_prefix(err, "volume at '%s'", m->destination);
		}
	}
	unsigned long first = o.flags;
	if (bind)
		first = MS_BIND | (o.flags & MS_REC);
	if (tree >= 0) {
		int r = attach_tree(tree, tfd, m, err);
		if (r < 0)
			return r;
	} else if (mount(m->source, path, bind ? NULL : m->type, first,
			 o.data.len ? o.data.buf : NULL) < 0)
		return berth_error_syscall(err, errno, "mount %s '%s' on '%s'", m->type, m->source,
					   m->destination);
	if (bind && tree < 0) {
		/* a bind mount takes its flags only from a remount of the new mount */
		_cleanup_close_ int nfd =
			berth_open_in_root(root_fd, m->destination, O_PATH, 0, err);
		if (nfd < 0)
			return nfd;
		char npath[64];
		fd_path(npath, nfd);
		unsigned long fl = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV |
				   (o.flags & (MS_RDONLY | MS_NOEXEC | MS_NOATIME));
		if (mount(NULL, npath, NULL, fl, NULL) < 0)
			return berth_error_syscall(err, errno, "remount '%s'", m->destination);
	}
	if (o.prop) {
		_cleanup_close_ int nfd =
			berth_open_in_root(root_fd, m->destination, O_PATH, 0, err);
		if (nfd < 0)
			return nfd;
		char npath[64];
		fd_path(npath, nfd);
		if (mount(NULL, npath, NULL, o.prop, NULL) < 0)
			return berth_error_syscall(err, errno, "set propagation of '%s'",
						   m->destination);
	}
	return 0;
}

static int make_devices(int root_fd, bool terminal, struct berth_error **err)
{
	static const struct {
		const char *name;
		unsigned maj, min;
	} nodes[] = {
		{"null", 1, 3},	  {"zero", 1, 5},    {"full", 1, 7},
		{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
	};
	static const struct {
		const char *name, *target;
	} links[] = {
		{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
		{"ptmx", "pts/ptmx"},	       {"core", "/proc/kcore"},
	};
	_cleanup_close_ int dev =
		berth_open_in_root(root_fd, "/dev", O_RDONLY | O_DIRECTORY, 0, err);
	if (dev < 0)
		return dev;
	for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
		if (mknodat(dev, nodes[i].name, S_IFCHR | 0666,
			    makedev(nodes[i].maj, nodes[i].min)) < 0 &&
		    errno != EEXIST)
			return berth_error_syscall(err, errno, "mknod '/dev/%s'", nodes[i].name);
		/* the umask applied to mknod: set the mode the container expects */
		(void)!fchmodat(dev, nodes[i].name, 0666, 0);
	}
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		if (symlinkat(links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
			return berth_error_syscall(err, errno, "symlink '/dev/%s'", links[i].name);
	if (terminal) {
		int f = openat(dev, "console", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (f >= 0)
			close(f);
	}
	return 0;
}

/*
 * The spec's device nodes (--device): mknod with the host's numbers, mode and
 * owner, at a path resolved inside the rootfs. An existing non-directory
 * there is replaced, as Docker does.
 */
static int make_spec_devices(int root_fd, const struct berth_spec *spec, struct berth_error **err)
{
	for (size_t i = 0; i < spec->n_devices; i++) {
		const struct berth_spec_device *d = &spec->devices[i];
		_cleanup_free_ char *parent = berth_xstrdup(d->path);
		char *slash = strrchr(parent, '/');
		const char *base = slash ? slash + 1 : parent;
		if (slash)
			*slash = '\0';
		if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
			return berth_error_set(err, EINVAL, "invalid device path '%s'", d->path);
		_cleanup_close_ int pfd =
			berth_mkdirs_in_root(root_fd, *parent ? parent : "/", 0755, err);
		if (pfd < 0)
			return berth_error_prefix(err, "device '%s'", d->path);
		mode_t type = d->type == 'b' ? S_IFBLK : S_IFCHR;
		dev_t dev = makedev((unsigned)d->major, (unsigned)d->minor);
		if (mknodat(pfd, base, type | (d->file_mode & 07777), dev) < 0) {
			if (errno != EEXIST || unlinkat(pfd, base, 0) < 0 ||
			    mknodat(pfd, base, type | (d->file_mode & 07777), dev) < 0)
				return berth_error_syscall(err, errno, "mknod '%s'", d->path);
		}
		if (fchownat(pfd, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(pfd, base, d->file_mode & 07777, 0) < 0)
			return berth_error_syscall(err, errno, "set the owner and mode of '%s'",
						   d->path);
	}
	return 0;
}

/* After pivot_root: paths are the container's own procfs and sysfs. */
static void mask_paths(char *const *masked, char *const *readonly)
{
	BERTH_STRV_FOREACH (p, masked) {
		struct stat st;
		if (lstat(*p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			mount("tmpfs", *p, "tmpfs", MS_RDONLY, NULL);
		else
			mount("/dev/null", *p, NULL, MS_BIND, NULL);
	}
	BERTH_STRV_FOREACH (p, readonly) {
		if (mount(*p, *p, NULL, MS_BIND | MS_REC, NULL) < 0)
			continue;
		mount(NULL, *p, NULL,
		      MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{"RLIMIT_CPU", RLIMIT_CPU},	      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_DATA", RLIMIT_DATA},	      {"RLIMIT_STACK", RLIMIT_STACK},
	{"RLIMIT_CORE", RLIMIT_CORE},	      {"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_NPROC", RLIMIT_NPROC},	      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},	      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

/*
 * Only the limits the spec names are set: berth never raises a limit on its
 * own (a host whose root lacks CAP_SYS_RESOURCE refuses it). When the spec
 * asks for more than the hard limit allows, the error says which and why.
 */
static int set_rlimits(const struct berth_spec *spec, struct berth_error **err)
{
	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const struct berth_spec_rlimit *l = &spec->rlimits[i];
		size_t k;
		for (k = 0; k < ELEMENTSOF(rlimit_names); k++)
			if (strcmp(rlimit_names[k].name, l->type) == 0)
				break;
		if (k == ELEMENTSOF(rlimit_names))
			return berth_error_set(err, EINVAL, "unknown rlimit '%s'", l->type);
		struct rlimit cur, want = {.rlim_cur = l->soft, .rlim_max = l->hard};
		getrlimit(rlimit_names[k].resource, &cur);
		if (setrlimit(rlimit_names[k].resource, &want) < 0) {
			if (errno == EPERM)
				return berth_error_set(
					err, EPERM,
					"cannot set %s to %llu:%llu: above the hard limit %llu and "
					"berth lacks CAP_SYS_RESOURCE to raise it",
					l->type, (unsigned long long)l->soft,
					(unsigned long long)l->hard,
					(unsigned long long)cur.rlim_max);
			return berth_error_syscall(err, errno, "set %s", l->type);
		}
	}
	return 0;
}

char **berth_runtime_bounding_capabilities(void)
{
	char **caps = NULL;
	for (int c = 0; c < 64; c++) {
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
			continue;
		char *n = cap_to_name(c);
		if (!n)
			continue;
		char *up = berth_xstrdup(n);
		cap_free(n);
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		/* a capability newer than libcap has a number for a name: it cannot be kept */
		if (strncmp(up, "CAP_", 4) == 0)
			berth_strv_consume(&caps, up);
		else
			free(up);
	}
	return caps;
}

static int drop_privileges(const struct berth_spec *spec, uid_t uid, gid_t gid, const gid_t *groups,
			   size_t n_groups, struct berth_error **err)
{
	cap_value_t keep[64];
	size_t n_keep = 0;
	BERTH_STRV_FOREACH (c, spec->capabilities) {
		cap_value_t v;
		if (cap_from_name(*c, &v) < 0)
			return berth_error_set(err, EINVAL, "unknown capability '%s'", *c);
		if (n_keep < ELEMENTSOF(keep))
			keep[n_keep++] = v;
	}
	int last = cap_max_bits();
	for (int c = 0; c < last; c++) {
		bool k = false;
		for (size_t i = 0; i < n_keep; i++)
			k = k || keep[i] == c;
		if (!k && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return berth_error_syscall(err, errno, "drop capability %d", c);
	}
	if (setgroups(n_groups, groups) < 0)
		return berth_error_syscall(err, errno, "setgroups");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return berth_error_syscall(err, errno, "keep capabilities");
	if (setresgid(gid, gid, gid) < 0)
		return berth_error_syscall(err, errno, "setgid %u", (unsigned)gid);
	if (setresuid(uid, uid, uid) < 0)
		return berth_error_syscall(err, errno, "setuid %u", (unsigned)uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	cap_t caps = cap_init();
	if (n_keep) {
		cap_set_flag(caps, CAP_EFFECTIVE, (int)n_keep, keep, CAP_SET);
		cap_set_flag(caps, CAP_PERMITTED, (int)n_keep, keep, CAP_SET);
		cap_set_flag(caps, CAP_INHERITABLE, (int)n_keep, keep, CAP_SET);
	}
	int r = cap_set_proc(caps);
	cap_free(caps);
	if (r < 0)
		return berth_error_syscall(err, errno, "set capabilities");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (spec->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berth_error_syscall(err, errno, "set no_new_privs");
	return 0;
}

/* execvpe with the container's PATH (glibc's would use berth's own). */
static _Noreturn void exec_process(int report_fd, char *const *args, char *const *env)
{
	const char *cmd = args[0];
	if (strchr(cmd, '/')) {
		execve(cmd, args, env);
		int e = errno;
		child_fail(report_fd, REPORT_EXEC,
			   e == ENOENT	  ? ENOENT
			   : e == ENOEXEC ? EACCES
					  : e,
			   "exec '%s': %s", cmd, strerror(e));
	}
	const char *path = berth_env_get(env, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	int seen = ENOENT;
	const char *p = path;
	while (true) {
		const char *e = strchrnul(p, ':');
		char full[PATH_MAX];
		int n = snprintf(full, sizeof(full), "%.*s%s%s", (int)(e - p), p, e == p ? "" : "/",
				 cmd);
		if (n > 0 && (size_t)n < sizeof(full)) {
			execve(full, args, env);
			if (errno == EACCES || errno == ENOEXEC)
				seen = EACCES;
		}
		if (!*e)
			break;
		p = e + 1;
	}
	if (seen == ENOENT)
		child_fail(report_fd, REPORT_EXEC, ENOENT,
			   "exec '%s': executable file not found in $PATH", cmd);
	child_fail(report_fd, REPORT_EXEC, EACCES, "exec '%s': permission denied", cmd);
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

/*
 * The built-in init (--init): PID 1 of the container. It forwards every
 * catchable signal to the main process, reaps every zombie the kernel
 * reparents to it, and exits with the main process's exit code (128+N for
 * signal N) once that one is gone.
 */
static _Noreturn void init_loop(pid_t child)
{
	sigset_t all;
	sigfillset(&all);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == child)
				_exit(berth_runtime_exit_code(st));
	}
}

/*
 * The built-in init is a fork of berth that never execs: its command line
 * and environment would be berth's (its options, -e values, the caller's
 * environment), readable in the container at /proc/1/cmdline and
 * /proc/1/environ. Their places in memory come from /proc/self/stat
 * (arg_start, arg_end, env_start, env_end: fields 48 to 51), read before
 * pivot_root while the host's /proc is still there.
 */
struct proc_areas {
	unsigned long arg_start, arg_end, env_start, env_end;
};

static int read_proc_areas(struct proc_areas *ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = berth_read_file_at(AT_FDCWD, "/proc/self/stat", 1 << 12, &data, &len, err);
	if (r < 0)
		return r;
	/* the command name (field 2) may hold spaces and parentheses: skip past the last ')' */
	char *p = strrchr(data, ')');
	unsigned long v[4];
	int field = 2, got = 0;
	char *save = NULL;
	for (char *t = p ? strtok_r(p + 1, " \n", &save) : NULL; t && got < 4;
	     t = strtok_r(NULL, " \n", &save)) {
		field++;
		if (field >= 48 && field <= 51)
			v[got++] = strtoul(t, NULL, 10);
	}
	if (got != 4 || v[1] < v[0] || v[3] < v[2])
		return berth_error_set(err, EIO, "cannot find the arguments in /proc/self/stat");
	*ret = (struct proc_areas){v[0], v[1], v[2], v[3]};
	return 0;
}

/*
 * Overwrites them in place: the command line becomes "berth-init" (the area
 * cannot shrink without CAP_SYS_RESOURCE, so NULs follow) and the
 * environment NULs. Not dumpable, the init's memory (/proc/1/mem) and what
 * is left in it stay closed to the container's processes.
 */
static void scrub_init_identity(const struct proc_areas *a)
{
	static const char name[] = "berth-init";
	char *args = (char *)a->arg_start;
	size_t n = a->arg_end - a->arg_start;
	memset(args, 0, n);
	if (n > sizeof(name))
		memcpy(args, name, sizeof(name));
	memset((char *)a->env_start, 0, a->env_end - a->env_start);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

struct child_args {
	const struct berth_runtime_config *cfg;
	int sync_fd;
	int report_fd;
	int tty_slave;
	const char *tty_name; /* the slave's path in the host's /dev/pts */
	const int *trees;     /* per mount: its source's detached clone, or -EBADF */
	int rootfs_fd;	      /* the detached rootfs from cfg->open_rootfs, or -EBADF */
	int netns_fd;	      /* the network namespace to join, or -EBADF */
};

static _Noreturn void child_main(struct child_args *a)
{
	const struct berth_runtime_config *cfg = a->cfg;
	const struct berth_spec *spec = cfg->spec;
	struct berth_error *err = NULL;
	int rfd = a->report_fd;
	char c;

	if (read(a->sync_fd, &c, 1) != 1)
		_exit(125);
	close(a->sync_fd);
	if (a->netns_fd >= 0 && setns(a->netns_fd, CLONE_NEWNET) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "join network namespace '%s': %s",
			   spec->netns_path, strerror(errno));
	if (a->netns_fd >= 0)
		close(a->netns_fd);
	struct proc_areas areas = {0};
	if (cfg->init && read_proc_areas(&areas, &err) < 0)
		child_fail_err(rfd, err);
	if ((spec->namespaces & BERTH_NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "unshare cgroup namespace: %s",
			   strerror(errno));
	if (setsid() < 0)
		child_fail(rfd, REPORT_SETUP, errno, "setsid: %s", strerror(errno));
	if (a->tty_slave >= 0 && ioctl(a->tty_slave, TIOCSCTTY, 0) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "set controlling terminal: %s",
			   strerror(errno));

	/* our mounts must not reach the host; the host's unmounts may reach us */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "make / rslave: %s", strerror(errno));
	if (a->rootfs_fd >= 0) {
		if (move_mount(a->rootfs_fd, "", AT_FDCWD, spec->root_path,
			       MOVE_MOUNT_F_EMPTY_PATH) < 0)
			child_fail(rfd, REPORT_SETUP, errno, "attach the rootfs at '%s': %s",
				   spec->root_path, strerror(errno));
		close(a->rootfs_fd);
	} else if (mount(spec->root_path, spec->root_path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		child_fail(rfd, REPORT_SETUP, errno, "bind rootfs '%s': %s", spec->root_path,
			   strerror(errno));
	}
	int root_fd = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		child_fail(rfd, REPORT_SETUP, errno, "open rootfs '%s': %s", spec->root_path,
			   strerror(errno));

	uid_t uid = spec->uid;
	gid_t gid = spec->gid;
	gid_t *groups = (gid_t *)spec->additional_gids;
	size_t n_groups = spec->n_additional_gids;
	char **env = berth_strv_copy(spec->env);
	if (spec->username) {
		struct berth_user u;
		if (berth_user_resolve(root_fd, spec->username, &u, &err) < 0)
			child_fail_err(rfd, err);
		uid = u.uid, gid = u.gid, groups = u.groups, n_groups = u.n_groups;
		if (!berth_env_get(env, "HOME"))
			berth_strv_consume(&env, berth_xasprintf("HOME=%s", u.home));
	}
	if (!berth_env_get(env, "PATH"))
		berth_strv_push(&env, "PATH=" DEFAULT_PATH);

	umask(0);
	bool dev_tmpfs = false;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct berth_spec_mount *m = &spec->mounts[i];
		if (do_mount(root_fd, m, a->trees[i], &err) < 0)
			child_fail_err(rfd, err);
		if (strcmp(m->destination, "/dev") == 0)
			dev_tmpfs = strcmp(m->type, "tmpfs") == 0;
		if (dev_tmpfs && strcmp(m->destination, "/dev") == 0 &&
		    make_devices(root_fd, spec->terminal, &err) < 0)
			child_fail_err(rfd, err);
	}
	if (make_spec_devices(root_fd, spec, &err) < 0)
		child_fail_err(rfd, err);
	if (spec->terminal && dev_tmpfs) {
		int t = berth_open_in_root(root_fd, "/dev/console", O_PATH, 0, &err);
		if (t < 0)
			child_fail_err(rfd, err);
		char tp[64];
		fd_path(tp, t);
		/* by path: a bind source must be a mount of our own namespace */
		if (mount(a->tty_name, tp, NULL, MS_BIND, NULL) < 0)
			child_fail(rfd, REPORT_SETUP, errno, "bind /dev/console: %s",
				   strerror(errno));
		close(t);
	}
	umask(022);
	if (spec->cwd && strcmp(spec->cwd, "/") != 0) {
		int w = berth_mkdirs_in_root(root_fd, spec->cwd, 0755, &err);
		if (w < 0)
			child_fail_err(rfd, err);
		close(w);
	}

	if (fchdir(root_fd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail(rfd, REPORT_SETUP, errno, "pivot_root to '%s': %s", spec->root_path,
			   strerror(errno));
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		child_fail(rfd, REPORT_SETUP, errno, "detach the old root: %s", strerror(errno));
	close(root_fd);
	mask_paths(spec->masked_paths, spec->readonly_paths);
	if (spec->root_readonly &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "make the rootfs read-only: %s",
			   strerror(errno));
	if ((spec->namespaces & BERTH_NS_UTS) && spec->hostname &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "sethostname: %s", strerror(errno));
	if ((spec->namespaces & BERTH_NS_UTS) && spec->domainname &&
	    setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "setdomainname: %s", strerror(errno));
	if ((spec->namespaces & BERTH_NS_NETWORK) && !spec->netns_path &&
	    berth_loopback_up(&err) < 0)
		child_fail_err(rfd, err);
	if (set_rlimits(spec, &err) < 0)
		child_fail_err(rfd, err);
	/*
	 * Without no_new_privs only CAP_SYS_ADMIN may load a filter: it goes in
	 * before the capabilities are dropped (as runc does), and then the
	 * filter must allow what dropping them takes (Docker's does).
	 */
	bool seccomp_first = spec->seccomp && !spec->no_new_privileges;
	if (seccomp_first && berth_seccomp_apply(spec->seccomp, &err) < 0)
		child_fail_err(rfd, err);
	if (drop_privileges(spec, uid, gid, groups, n_groups, &err) < 0)
		child_fail_err(rfd, err);
	const char *cwd = spec->cwd ? spec->cwd : "/";
	if (chdir(cwd) < 0)
		child_fail(rfd, REPORT_SETUP, errno, "chdir to '%s': %s", cwd, strerror(errno));
	if (spec->seccomp && !seccomp_first && berth_seccomp_apply(spec->seccomp, &err) < 0)
		child_fail_err(rfd, err);

	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	if (cfg->init) {
		sigprocmask(SIG_SETMASK, &all, NULL);
		pid_t pid = fork();
		if (pid < 0)
			child_fail(rfd, REPORT_SETUP, errno, "fork the main process: %s",
				   strerror(errno));
		if (pid > 0) {
			/* it never execs: nothing of berth's (CLOEXEC or not) may stay open in it */
			syscall(SYS_close_range, 0, ~0U, 0);
			scrub_init_identity(&areas);
			init_loop(pid);
		}
	}
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* nothing of berth's may leak into the container */
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	exec_process(rfd, spec->args, env);
}

int berth_runtime_setup_stdio(const int stdio[3], int tty_slave)
{
	int fds[3];
	for (int i = 0; i < 3; i++) {
		int src = tty_slave >= 0 ? tty_slave : stdio[i];
		if (src < 0) {
			fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		} else {
			fds[i] = fcntl(src, F_DUPFD_CLOEXEC, 10);
		}
		if (fds[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) < 0)
			return -errno;
		close(fds[i]);
	}
	return 0;
}

int berth_runtime_exit_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 125;
}

int berth_runtime_start(const struct berth_runtime_config *cfg, struct berth_runtime_process *ret,
			struct berth_runtime_result *ret_result, struct berth_error **err)
{
	const struct berth_spec *spec = cfg->spec;
	struct berth_runtime_process p = {.pid = -1, .pidfd = -EBADF, .pty_master = -EBADF};
	_cleanup_close_ int sync_r = -EBADF, sync_w = -EBADF, rep_r = -EBADF, rep_w = -EBADF;
	_cleanup_close_ int slave = -EBADF, rootfs_fd = -EBADF, netns_fd = -EBADF;
	int pipes[2];
	char tty_name[128] = "";
	int *trees = NULL;
	int r;

	if (berth_strv_len(spec->args) == 0)
		return berth_error_set(err, EINVAL, "no command to run");
	if (!spec->root_path)
		return berth_error_set(err, EINVAL, "no rootfs path");
	if ((spec->namespaces & BERTH_NS_NETWORK) && spec->netns_path) {
		netns_fd = open(spec->netns_path, O_RDONLY | O_CLOEXEC);
		if (netns_fd < 0)
			return berth_error_syscall(err, errno, "open network namespace '%s'",
						   spec->netns_path);
	}
	if (cfg->open_rootfs) {
		rootfs_fd = cfg->open_rootfs(cfg->rootfs_ctx, err);
		if (rootfs_fd < 0) {
			berth_error_prefix(err, "rootfs");
			return rootfs_fd;
		}
	}
	r = clone_source_trees(spec, &trees, err);
	if (r < 0)
		return r;
	r = berth_cgroup_create(cfg->id, spec, &p.cgroup, err);
	if (r < 0) {
		close_trees(trees, spec->n_mounts);
		return r;
	}
	if (pipe2(pipes, O_CLOEXEC) < 0) {
		r = berth_error_syscall(err, errno, "pipe");
		goto fail;
	}
	sync_r = pipes[0], sync_w = pipes[1];
	if (pipe2(pipes, O_CLOEXEC) < 0) {
		r = berth_error_syscall(err, errno, "pipe");
		goto fail;
	}
	rep_r = pipes[0], rep_w = pipes[1];
	if (spec->terminal) {
		p.pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (p.pty_master < 0 || grantpt(p.pty_master) < 0 || unlockpt(p.pty_master) < 0) {
			r = berth_error_syscall(err, errno, "allocate a pseudo-terminal");
			goto fail;
		}
		if (ptsname_r(p.pty_master, tty_name, sizeof(tty_name)) != 0) {
			r = berth_error_syscall(err, errno, "ptsname");
			goto fail;
		}
		slave = open(tty_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (slave < 0) {
			r = berth_error_syscall(err, errno, "open '%s'", tty_name);
			goto fail;
		}
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(slave, TIOCSWINSZ, &ws);
	}

	unsigned long flags = SIGCHLD;
	if (spec->namespaces & BERTH_NS_MOUNT)
		flags |= CLONE_NEWNS;
	if (spec->namespaces & BERTH_NS_PID)
		flags |= CLONE_NEWPID;
	if (spec->namespaces & BERTH_NS_UTS)
		flags |= CLONE_NEWUTS;
	if (spec->namespaces & BERTH_NS_IPC)
		flags |= CLONE_NEWIPC;
	if ((spec->namespaces & BERTH_NS_NETWORK) && !spec->netns_path)
		flags |= CLONE_NEWNET;
	if (!(flags & CLONE_NEWNS)) {
		r = berth_error_set(err, ENOTSUP,
				    "a container without a mount namespace is not "
				    "supported");
		goto fail;
	}
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		r = berth_error_syscall(err, errno, "create the container's namespaces");
		goto fail;
	}
	if (pid == 0) {
		/* the container dies with its berth process (foreground) or monitor */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		/* signal dispositions of the caller must not stay in the container */
		for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
			signal(forwarded[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		close(sync_w);
		close(rep_r);
		if (p.pty_master >= 0)
			close(p.pty_master);
		if (berth_runtime_setup_stdio(cfg->stdio, slave) < 0)
			child_fail(rep_w, REPORT_SETUP, errno, "set up stdio: %s", strerror(errno));
		struct child_args a = {.cfg = cfg,
				       .sync_fd = sync_r,
				       .report_fd = rep_w,
				       .tty_slave = slave >= 0 ? 0 : -1,
				       .tty_name = tty_name,
				       .trees = trees,
				       .rootfs_fd = rootfs_fd,
				       .netns_fd = netns_fd};
		child_main(&a);
	}
	close_trees(TAKE_PTR(trees), spec->n_mounts);
	/* the child holds it until attached; not attached, it goes when the child does */
	close(TAKE_FD(rootfs_fd));
	p.pid = pid;
	close(TAKE_FD(sync_r));
	close(TAKE_FD(rep_w));
	close(TAKE_FD(slave));
	p.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p.pidfd < 0)
		p.pidfd = -EBADF;
	r = berth_cgroup_add_pid(&p.cgroup, pid, err);
	if (r < 0) {
		kill(pid, SIGKILL);
		goto fail;
	}
	if (write(sync_w, "g", 1) != 1) {
		r = berth_error_syscall(err, errno, "start the container");
		kill(pid, SIGKILL);
		goto fail;
	}
	struct berth_runtime_report rep;
	if (berth_runtime_read_report(rep_r, &rep) == (ssize_t)sizeof(rep)) {
		r = berth_runtime_report_error(&rep, ret_result, err);
		goto fail;
	}
	*ret = p;
	return 0;

fail:
	close_trees(trees, spec->n_mounts);
	if (p.pid > 0) {
		int st;
		while (waitpid(p.pid, &st, 0) < 0 && errno == EINTR)
			;
		if (ret_result)
			ret_result->exit_code = berth_runtime_exit_code(st);
		p.waited = true;
	}
	if (p.pidfd >= 0)
		close(p.pidfd);
	if (p.pty_master >= 0)
		close(p.pty_master);
	berth_cgroup_destroy(&p.cgroup, NULL);
	return r;
}

int berth_runtime_wait(struct berth_runtime_process *p, struct berth_error **err)
{
	if (!p->waited) {
		int st;
		while (waitpid(p->pid, &st, 0) < 0) {
			if (errno != EINTR)
				return berth_error_syscall(err, errno, "wait for the container");
		}
		p->status = st;
		p->waited = true;
	}
	return berth_runtime_exit_code(p->status);
}

int berth_runtime_kill(struct berth_runtime_process *p, int sig, struct berth_error **err)
{
	if (p->waited)
		return berth_error_set(err, ESRCH, "the container is not running");
	if (p->pidfd >= 0 ? syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0) < 0
			  : kill(p->pid, sig) < 0)
		return berth_error_syscall(err, errno, "send signal %d", sig);
	return 0;
}

int berth_runtime_process_release(struct berth_runtime_process *p, struct berth_error **err)
{
	if (p->pid > 0 && !p->waited) {
		berth_runtime_kill(p, SIGKILL, NULL);
		berth_runtime_wait(p, NULL);
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->pty_master >= 0)
		close(p->pty_master);
	p->pidfd = p->pty_master = -EBADF;
	return berth_cgroup_destroy(&p->cgroup, err);
}

static volatile sig_atomic_t fwd_pid;

static void forward_signal(int sig)
{
	if (fwd_pid > 0)
		kill((pid_t)fwd_pid, sig);
}

/* Copies between the caller's stdio and the pty until the process exits. */
static void proxy_pty(const int stdio[3], struct berth_runtime_process *p)
{
	int in = stdio[0], out = stdio[1] >= 0 ? stdio[1] : STDOUT_FILENO;
	char buf[8192];
	bool in_open = in >= 0;
	for (;;) {
		struct pollfd fds[3] = {
			{.fd = p->pty_master, .events = POLLIN},
			{.fd = p->pidfd, .events = POLLIN},
			{.fd = in_open ? in : -1, .events = POLLIN},
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (fds[0].revents & POLLIN) {
			ssize_t n = read(p->pty_master, buf, sizeof(buf));
			if (n > 0)
				berth_write_all(out, buf, (size_t)n, NULL);
		} else if (fds[0].revents & (POLLHUP | POLLERR)) {
			return;
		}
		if (fds[2].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(in, buf, sizeof(buf));
			if (n > 0)
				berth_write_all(p->pty_master, buf, (size_t)n, NULL);
			else
				in_open = false;
		}
		if (fds[1].revents & POLLIN) {
			/* drain what the process wrote before it exited */
			ssize_t n;
			while (poll(fds, 1, 0) > 0 && (fds[0].revents & POLLIN) &&
			       (n = read(p->pty_master, buf, sizeof(buf))) > 0)
				berth_write_all(out, buf, (size_t)n, NULL);
			return;
		}
	}
}

void berth_runtime_forward_begin(pid_t pid, struct berth_runtime_forward *f)
{
	_Static_assert(ELEMENTSOF(forwarded) == ELEMENTSOF(f->old), "one old action per signal");
	fwd_pid = pid;
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++) {
		struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
		sigemptyset(&sa.sa_mask);
		sigaction(forwarded[i], &sa, &f->old[i]);
	}
}

void berth_runtime_forward_end(struct berth_runtime_forward *f)
{
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaction(forwarded[i], &f->old[i], NULL);
	fwd_pid = 0;
}

int berth_runtime_attach(const int stdio[3], struct berth_runtime_process *p,
			 struct berth_runtime_result *ret_result, struct berth_error **err)
{
	struct berth_runtime_forward fwd;
	struct termios saved_tio;
	bool raw = false;
	int r;

	berth_runtime_forward_begin(p->pid, &fwd);
	if (p->pty_master >= 0) {
		if (stdio[0] >= 0 && tcgetattr(stdio[0], &saved_tio) == 0) {
			struct termios t = saved_tio;
			cfmakeraw(&t);
			raw = tcsetattr(stdio[0], TCSANOW, &t) == 0;
		}
		proxy_pty(stdio, p);
	}
	r = berth_runtime_wait(p, err);
	if (raw)
		tcsetattr(stdio[0], TCSANOW, &saved_tio);
	berth_runtime_forward_end(&fwd);
	if (r >= 0)
		ret_result->exit_code = r;
	int r2 = berth_runtime_process_release(p, r < 0 ? NULL : err);
	if (r < 0)
		return r;
	return r2 < 0 ? r2 : 0;
}

int berth_runtime_run(const struct berth_runtime_config *cfg,
		      struct berth_runtime_result *ret_result, struct berth_error **err)
{
	struct berth_runtime_process p;

	ret_result->exec_errno = 0;
	ret_result->exit_code = 125;
	int r = berth_runtime_start(cfg, &p, ret_result, err);
	if (r < 0)
		return r;
	return berth_runtime_attach(cfg->stdio, &p, ret_result, err);
}

int berth_runtime_set_rlimits(const struct berth_spec *spec, struct berth_error **err)
{
	return set_rlimits(spec, err);
}

int berth_runtime_drop_privileges(const struct berth_spec *spec, uid_t uid, gid_t gid,
				  const gid_t *groups, size_t n_groups, struct berth_error **err)
{
	return drop_privileges(spec, uid, gid, groups, n_groups, err);
}

_Noreturn void berth_runtime_exec_process(int report_fd, char *const *args, char *const *env)
{
	exec_process(report_fd, args, env);
}
