/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's mounts, for the executor (linux.c, child.c): the spec's
 * mount options, the detached clones of bind sources made in the caller's
 * namespace, each mount on its target in the new rootfs (with the
 * named-volume pre-fill), the device nodes of a tmpfs /dev and the masked
 * and read-only paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/chase.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/strv.h"
#include "runtime/internal.h"

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

void berth_runtime_close_trees(int *trees, size_t n)
{
	for (size_t i = 0; trees && i < n; i++)
		berth_closep(&trees[i]);
	free(trees);
}

/*
 * Reads every mount's options, so that an unknown word fails before
 * anything is made (the error names it and the destination), and clones
 * the mount tree of every mount that has a source fd, here in the caller's
 * mount namespace: open_tree() refuses a mount of another namespace, which
 * the child's copies of the caller's mounts are. The detached copy gets the
 * restrictions of the options here too (set, never cleared: a read-only
 * source stays read-only); the child only attaches it. ret[i] is -EBADF for
 * the mounts that go by path.
 */
int berth_runtime_clone_source_trees(const struct berth_spec *spec, int **ret,
				     struct berth_error **err)
{
	int *trees = berth_xreallocarray(NULL, spec->n_mounts + 1, sizeof(*trees));
	for (size_t i = 0; i < spec->n_mounts; i++)
		trees[i] = -EBADF;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct berth_spec_mount *m = &spec->mounts[i];
		__attribute__((
			cleanup(berth_runtime_mount_opts_release))) struct berth_mount_opts o =
			BERTH_MOUNT_OPTS_INIT;
		int r = berth_runtime_mount_opts_parse(m->options, &o, err);
		if (r < 0) {
			berth_runtime_close_trees(trees, spec->n_mounts);
			return berth_error_prefix(err, "mount '%s'", m->destination);
		}
		if (m->source_fd < 0)
			continue;
		unsigned rec = (o.flags & MS_REC) ? AT_RECURSIVE : 0;
		trees[i] = open_tree(m->source_fd, "",
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
		if (o.flags & MS_RDONLY)
			attr.attr_set |= MOUNT_ATTR_RDONLY;
		if (o.flags & MS_NOEXEC)
			attr.attr_set |= MOUNT_ATTR_NOEXEC;
		if (o.flags & MS_NOATIME) {
			attr.attr_set |= MOUNT_ATTR_NOATIME;
			attr.attr_clr |= MOUNT_ATTR__ATIME;
		}
		if (trees[i] < 0 ||
		    mount_setattr(trees[i], "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0) {
			r = berth_error_syscall(err, errno, "clone bind mount source '%s'",
						m->source);
			berth_runtime_close_trees(trees, spec->n_mounts);
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

#define BIND_FLAGS  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

/*
 * A bind mount ignores the flags of its first mount(2): they come from a
 * remount of the new mount (npath), as runc does, when the options ask for
 * any. What the options leave alone of ro, nosuid, nodev and noexec is kept
 * from the bind as it is (a user namespace may not clear what its source
 * has locked); the kernel keeps the atime mode when none is asked.
 */
static int remount_bind(int nfd, const char *npath, const struct berth_mount_opts *o,
			const struct berth_spec_mount *m, struct berth_error **err)
{
	if (!((o->flags | o->cleared) & (BIND_FLAGS | ATIME_FLAGS)))
		return 0;
	static const struct {
		unsigned long st, ms;
	} keep[] = {
		{ST_RDONLY, MS_RDONLY},
		{ST_NOSUID, MS_NOSUID},
		{ST_NODEV, MS_NODEV},
		{ST_NOEXEC, MS_NOEXEC},
	};
	struct statvfs sv;
	if (fstatvfs(nfd, &sv) < 0)
		return berth_error_syscall(err, errno, "remount '%s'", m->destination);
	unsigned long fl = MS_REMOUNT | MS_BIND | (o->flags & (BIND_FLAGS | ATIME_FLAGS));
	for (size_t i = 0; i < ELEMENTSOF(keep); i++)
		if ((sv.f_flag & keep[i].st) && !(o->cleared & keep[i].ms))
			fl |= keep[i].ms;
	if (mount(NULL, npath, NULL, fl, NULL) < 0)
		return berth_error_syscall(err, errno, "remount '%s'", m->destination);
	return 0;
}

/*
 * What follows the mount on its new root (nfd): the bind's remount, the
 * tmpfs copy-up from the directory it covers (under), the propagation and
 * the recursive attributes.
 */
static int finish_mount(int root_fd, const struct berth_spec_mount *m,
			const struct berth_mount_opts *o, bool bind, int under,
			struct berth_error **err)
{
	_cleanup_close_ int nfd = berth_open_in_root(root_fd, m->destination, O_PATH, 0, err);
	if (nfd < 0)
		return nfd;
	char npath[64];
	fd_path(npath, nfd);
	int r = bind ? remount_bind(nfd, npath, o, m, err) : 0;
	if (r < 0)
		return r;
	if (under >= 0) {
		_cleanup_close_ int dfd = openat(nfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return berth_error_syscall(err, errno, "tmpcopyup '%s'", m->destination);
		r = copy_tree(under, dfd, 0, err);
		if (r < 0)
			return berth_error_prefix(err, "tmpcopyup '%s'", m->destination);
	}
	if (o->prop && mount(NULL, npath, NULL, o->prop, NULL) < 0)
		return berth_error_syscall(err, errno, "set propagation of '%s'", m->destination);
	struct mount_attr attr = {.attr_set = o->rec_set, .attr_clr = o->rec_clr};
	if ((attr.attr_set || attr.attr_clr) &&
	    mount_setattr(nfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return berth_error_syscall(err, errno, "set the recursive options of '%s'",
					   m->destination);
	return 0;
}

/* The named-volume pre-fill: an empty bind source gets the image's directory (cfd). */
static int copy_up_volume(int tree, int tfd, const struct berth_spec_mount *m,
			  struct berth_error **err)
{
	_cleanup_close_ int sfd = tree >= 0 ? openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
					    : open(m->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int cfd = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0 || cfd < 0 || berth_dir_is_empty(sfd) <= 0)
		return 0;
	int r = copy_tree(cfd, sfd, 0, err);
	if (r >= 0)
		r = copy_ownership(cfd, sfd, err);
	if (r < 0)
		return berth_error_prefix(err, "volume at '%s'", m->destination);
	return 0;
}

/* Mounts m; tree is its source's detached clone, or -EBADF when it goes by path. */
static int do_mount(int root_fd, const struct berth_spec_mount *m, int tree,
		    struct berth_error **err)
{
	__attribute__((cleanup(berth_runtime_mount_opts_release))) struct berth_mount_opts o =
		BERTH_MOUNT_OPTS_INIT;
	int r = berth_runtime_mount_opts_parse(m->options, &o, err);
	if (r < 0)
		return berth_error_prefix(err, "mount '%s'", m->destination);
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
		r = copy_up_volume(tree, tfd, m, err);
		if (r < 0)
			return r;
	}
	/* the directory the tmpfs covers, opened before it is covered */
	_cleanup_close_ int under = -EBADF;
	if (o.tmpcopyup && strcmp(m->type, "tmpfs") == 0) {
		under = openat(tfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (under < 0)
			return berth_error_syscall(err, errno, "tmpcopyup '%s'", m->destination);
	}
	unsigned long first = o.flags;
	if (bind)
		first = MS_BIND | (o.flags & MS_REC);
	if (tree >= 0)
		r = attach_tree(tree, tfd, m, err);
	else if (strcmp(m->type, "cgroup") == 0)
		r = berth_runtime_mount_cgroup(root_fd, m->destination, path, o.flags, err);
	else if (mount(m->source, path, bind ? NULL : m->type, first,
		       o.data.len ? o.data.buf : NULL) < 0)
		r = berth_error_syscall(err, errno, "mount %s '%s' on '%s'", m->type, m->source,
					m->destination);
	if (r < 0)
		return r;
	return finish_mount(root_fd, m, &o, bind && tree < 0, under, err);
}

/*
 * In a user namespace mknod is refused: the host's node is bind-mounted on
 * an empty file instead (as runc does), from the host's /dev that our mount
 * namespace still shows before pivot_root, onto the file opened in the
 * container's /dev by fd.
 */
static int bind_host_node(int dev, const char *name, struct berth_error **err)
{
	char host[64];
	snprintf(host, sizeof(host), "/dev/%s", name);
	_cleanup_close_ int f =
		openat(dev, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (f < 0)
		return berth_error_syscall(err, errno, "create '/dev/%s'", name);
	_cleanup_close_ int tree = open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0 ||
	    move_mount(tree, "", f, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berth_error_syscall(err, errno, "bind the host's '%s'", host);
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
		int r = 0;
		if (mknodat(dev, nodes[i].name, S_IFCHR | 0666,
			    makedev(nodes[i].maj, nodes[i].min)) < 0 &&
		    errno != EEXIST)
			r = errno == EPERM ? bind_host_node(dev, nodes[i].name, err)
					   : berth_error_syscall(err, errno, "mknod '/dev/%s'",
								 nodes[i].name);
		if (r < 0)
			return r;
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
void berth_runtime_mask_paths(char *const *masked, char *const *readonly)
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

/*
 * The mounts of the spec in order; a tmpfs /dev gets the default device
 * nodes as soon as it is mounted (later mounts may go under it), and with a
 * terminal its /dev/console is the pty slave.
 */
int berth_runtime_setup_mounts(int root_fd, const struct berth_spec *spec, const int *trees,
			       const char *tty_name, struct berth_error **err)
{
	bool dev_tmpfs = false;
	int r;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct berth_spec_mount *m = &spec->mounts[i];
		r = do_mount(root_fd, m, trees[i], err);
		if (r < 0)
			return r;
		if (strcmp(m->destination, "/dev") == 0)
			dev_tmpfs = strcmp(m->type, "tmpfs") == 0;
		if (dev_tmpfs && strcmp(m->destination, "/dev") == 0) {
			r = make_devices(root_fd, spec->terminal, err);
			if (r < 0)
				return r;
		}
	}
	r = make_spec_devices(root_fd, spec, err);
	if (r < 0)
		return r;
	if (spec->terminal && dev_tmpfs) {
		_cleanup_close_ int t = berth_open_in_root(root_fd, "/dev/console", O_PATH, 0, err);
		if (t < 0)
			return t;
		char tp[64];
		fd_path(tp, t);
		/* by path: a bind source must be a mount of our own namespace */
		if (mount(tty_name, tp, NULL, MS_BIND, NULL) < 0)
			return berth_error_syscall(err, errno, "bind /dev/console");
	}
	return 0;
}
