/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cp` between a container and the host, as Docker's `docker cp`
 * (cli/command/container/cp.go over pkg/archive's CopyInfo rules): the
 * container's filesystem is its running root (/proc/PID/root, volumes
 * included) or, stopped, its overlay mounted again from its upper dir.
 * Every path inside the container is resolved in its root (openat2
 * RESOLVE_IN_ROOT or the walk that gives the same answers), and everything
 * below is reached with O_NOFOLLOW fds: a symlink in the container never
 * leads outside it. Only directories, regular files and symlinks are
 * copied (a device node or fifo of a container has no business on the
 * host); the tar of `cp CONTAINER:SRC -` has what the layer writer stores.
 */
#include "container/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/internal.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/chase.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/strv.h"
#include "layer/layer.h"

#define CP_MAX_DEPTH 256

/* One side of a copy: a root to resolve paths in, and how to name it in errors. */
struct cp_side {
	int root_fd;
	const char *container; /* NULL on the host */
};

/* SRC resolved: the directory holding it and its name there. */
struct cp_src {
	int dir_fd;    /* O_RDONLY|O_DIRECTORY */
	char *name;    /* in dir_fd; "." for the root itself */
	char *as;      /* the name it takes below an existing destination directory */
	bool contents; /* "SRC/." (or the root): the directory's contents */
	struct stat st;
};

static void cp_src_release(struct cp_src *s)
{
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->name);
	free(s->as);
}

/* What the copy does to ownership. */
struct cp_copy {
	bool keep_owner;
	uid_t uid;
	gid_t gid;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * path without ".", empty components and "..", the last applied lexically
 * and clamped at the root (as the kernel in a chroot for a path without
 * symlinks): relative to the root, "" for the root itself. A ".." is never
 * handed to openat below a resolved directory fd.
 */
static char *normalize(const char *path)
{
	_cleanup_strv_free_ char **kept = NULL;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && strncmp(p, "..", 2) == 0)
			berth_strv_pop(kept);
		else if (n > 0 && !(n == 1 && *p == '.'))
			berth_strv_consume(&kept, berth_xstrndup(p, n));
		p += n + (p[n] == '/');
	}
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	BERTH_STRV_FOREACH (k, kept)
		berth_buf_addf(&b, "%s%s", b.len ? "/" : "", *k);
	return berth_buf_detach(&b, NULL);
}

/* Splits a normalized path into its parent ("." for the root) and last name. */
static void split_last(const char *norm, char **ret_parent, char **ret_name)
{
	const char *slash = strrchr(norm, '/');
	*ret_parent = slash ? berth_xstrndup(norm, (size_t)(slash - norm)) : berth_xstrdup(".");
	*ret_name = berth_xstrdup(slash ? slash + 1 : norm);
}

static int no_such_path(const struct cp_side *side, const char *path, struct berth_error **err)
{
	if (side->container)
		return berth_error_set(err, ENOENT, "no such container:path: %s:%s",
				       side->container, path);
	return berth_error_set(err, ENOENT, "lstat %s: no such file or directory", path);
}

/*
 * The source as Docker's CopyInfoSourcePath: a symlink is copied as a link
 * unless follow (-L) or a trailing "/" says to follow it; "SRC/." copies
 * the directory's contents.
 */
static int resolve_src(const struct cp_side *side, const char *path, bool follow,
		       struct cp_src *ret, struct berth_error **err)
{
	bool contents = ends_with(path, "/.") || strcmp(path, ".") == 0;
	bool must_dir = contents || ends_with(path, "/");
	_cleanup_free_ char *norm = normalize(path);
	if (!*norm)
		contents = must_dir = true;
	ret->as = berth_xstrdup(strrchr(norm, '/') ? strrchr(norm, '/') + 1 : norm);
	ret->contents = contents;
	if ((follow || must_dir) && *norm) {
		_cleanup_free_ char *resolved = NULL;
		int r = berth_chase_in_root(side->root_fd, norm, &resolved, err);
		if (r < 0)
			return r;
		free(norm);
		norm = normalize(resolved);
	}
	_cleanup_free_ char *parent = NULL;
	split_last(*norm ? norm : ".", &parent, &ret->name);
	ret->dir_fd = berth_open_in_root(side->root_fd, parent, O_RDONLY | O_DIRECTORY, 0, NULL);
	if (ret->dir_fd < 0 || fstatat(ret->dir_fd, ret->name, &ret->st, AT_SYMLINK_NOFOLLOW) < 0)
		return no_such_path(side, path, err);
	if (must_dir && !S_ISDIR(ret->st.st_mode))
		return berth_error_set(err, ENOTDIR, "'%s': not a directory", path);
	return 0;
}

static int set_owner_mode_times(const struct cp_copy *c, int fd, const struct stat *st,
				const char *name, struct berth_error **err)
{
	uid_t uid = c->keep_owner ? st->st_uid : c->uid;
	gid_t gid = c->keep_owner ? st->st_gid : c->gid;
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	/* chown first: it clears the set-id bits the chmod then restores */
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 ||
	    futimens(fd, times) < 0)
		return berth_error_syscall(err, errno, "set the owner, mode and times of '%s'",
					   name);
	return 0;
}

static int copy_contents(const struct cp_copy *c, int src_dir, int dst_dir, int depth,
			 struct berth_error **err);

static int copy_dir(const struct cp_copy *c, int sdir, const char *sname, const struct stat *st,
		    int ddir, const char *dname, int depth, struct berth_error **err)
{
	struct stat dt;
	bool exists = fstatat(ddir, dname, &dt, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && !S_ISDIR(dt.st_mode))
		return berth_error_set(err, EEXIST,
				       "cannot overwrite non-directory '%s' with directory '%s'",
				       dname, sname);
	if (!exists && mkdirat(ddir, dname, 0700) < 0)
		return berth_error_syscall(err, errno, "mkdir '%s'", dname);
	_cleanup_close_ int s =
		openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0)
		return berth_error_syscall(err, errno, "open '%s'", sname);
	_cleanup_close_ int d =
		openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return berth_error_syscall(err, errno, "open '%s'", dname);
	int r = copy_contents(c, s, d, depth + 1, err);
	if (r < 0)
		return r;
	return set_owner_mode_times(c, d, st, dname, err);
}

static int copy_file(const struct cp_copy *c, int sdir, const char *sname, int ddir,
		     const char *dname, struct berth_error **err)
{
	/* O_NONBLOCK, then fstat: a file swapped for a fifo since the stat never blocks */
	_cleanup_close_ int in =
		openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0)
		return berth_error_syscall(err, errno, "open '%s'", sname);
	if (!S_ISREG(st.st_mode))
		return 0;
	_cleanup_close_ int out =
		openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return berth_error_syscall(err, errno, "create '%s'", dname);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		int r = berth_write_all(out, buf, (size_t)n, err);
		if (r < 0)
			return berth_error_prefix(err, "write '%s'", dname);
	}
	if (n < 0)
		return berth_error_syscall(err, errno, "read '%s'", sname);
	return set_owner_mode_times(c, out, &st, dname, err);
}

static int copy_symlink(const struct cp_copy *c, int sdir, const char *sname, const struct stat *st,
			int ddir, const char *dname, struct berth_error **err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
	if (n < 0)
		return berth_error_syscall(err, errno, "readlink '%s'", sname);
	target[n] = '\0';
	if (symlinkat(target, ddir, dname) < 0)
		return berth_error_syscall(err, errno, "symlink '%s'", dname);
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	if (fchownat(ddir, dname, c->keep_owner ? st->st_uid : c->uid,
		     c->keep_owner ? st->st_gid : c->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    utimensat(ddir, dname, times, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_syscall(err, errno, "set the owner and times of '%s'", dname);
	return 0;
}

/*
 * Copies sdir/sname to ddir/dname as Docker's extraction does: a directory
 * merges into an existing one, anything else replaces an existing
 * non-directory; a directory and a non-directory never replace each other.
 */
static int copy_node(const struct cp_copy *c, int sdir, const char *sname, int ddir,
		     const char *dname, int depth, struct berth_error **err)
{
	if (depth > CP_MAX_DEPTH)
		return berth_error_set(err, ELOOP, "'%s': tree too deep", sname);
	struct stat st, dt;
	if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_syscall(err, errno, "stat '%s'", sname);
	if (S_ISDIR(st.st_mode))
		return copy_dir(c, sdir, sname, &st, ddir, dname, depth, err);
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return 0;
	if (fstatat(ddir, dname, &dt, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(dt.st_mode))
			return berth_error_set(
				err, EISDIR,
				"cannot overwrite directory '%s' with non-directory '%s'", dname,
				sname);
		if (unlinkat(ddir, dname, 0) < 0)
			return berth_error_syscall(err, errno, "replace '%s'", dname);
	}
	if (S_ISLNK(st.st_mode))
		return copy_symlink(c, sdir, sname, &st, ddir, dname, err);
	return copy_file(c, sdir, sname, ddir, dname, err);
}

static int copy_contents(const struct cp_copy *c, int src_dir, int dst_dir, int depth,
			 struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(src_dir, ".");
	if (!d)
		return berth_error_syscall(err, errno, "read a directory");
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = copy_node(c, src_dir, de->d_name, dst_dir, de->d_name, depth, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Where the copy goes: into dir_fd as name, or (name NULL) merged into dir_fd itself. */
struct cp_dest {
	int dir_fd;
	char *name;
};

static void cp_dest_release(struct cp_dest *d)
{
	if (d->dir_fd >= 0)
		close(d->dir_fd);
	free(d->name);
}

/* The directory that holds norm's target, resolved in the root, and its last name. */
static int open_dest_parent(const struct cp_side *side, const char *norm, const char *path,
			    struct cp_dest *ret, struct berth_error **err)
{
	_cleanup_free_ char *resolved = NULL, *clean = NULL, *parent = NULL;
	int r = berth_chase_in_root(side->root_fd, norm, &resolved, err);
	if (r < 0)
		return r;
	clean = normalize(resolved);
	if (!*clean)
		return berth_error_set(err, EISDIR, "cannot copy onto the root directory");
	split_last(clean, &parent, &ret->name);
	ret->dir_fd = berth_open_in_root(side->root_fd, parent, O_RDONLY | O_DIRECTORY, 0, NULL);
	if (ret->dir_fd < 0)
		return berth_error_set(err, ENOENT, "'%s': no such directory", path);
	return 0;
}

/*
 * The destination as Docker's PrepareArchiveCopy: an existing directory
 * receives SRC (or its contents); an existing file is replaced by a file
 * SRC; a missing path is created from SRC unless it ends with "/" for a
 * file SRC ("no such directory"). Symlinks in DEST are followed, in the root.
 */
static int resolve_dest(const struct cp_side *side, const char *path, const struct cp_src *src,
			struct cp_dest *ret, struct berth_error **err)
{
	bool asserts_dir = ends_with(path, "/") || ends_with(path, "/.");
	bool src_dir = S_ISDIR(src->st.st_mode);
	_cleanup_free_ char *norm = normalize(path);
	_cleanup_close_ int fd = berth_open_in_root(side->root_fd, *norm ? norm : ".",
						    O_RDONLY | O_DIRECTORY, 0, NULL);
	if (fd >= 0) {
		ret->dir_fd = TAKE_FD(fd);
		ret->name = src->contents ? NULL : berth_xstrdup(src->as);
		return 0;
	}
	if (fd == -ENOTDIR) {
		if (src_dir)
			return berth_error_set(err, ENOTDIR,
					       "cannot copy a directory onto file '%s'", path);
		return open_dest_parent(side, norm, path, ret, err);
	}
	if (fd != -ENOENT)
		return berth_error_set(err, -fd, "open '%s': %s", path, strerror(-fd));
	if (!src_dir && asserts_dir)
		return berth_error_set(err, ENOENT, "'%s': no such directory", path);
	return open_dest_parent(side, norm, path, ret, err);
}

/* Copies src (on side from) to path on side to, with Docker's rules. */
static int cp_between(const struct cp_side *from, const char *src_path, const struct cp_side *to,
		      const char *dest_path, const struct berth_cp_options *o,
		      const struct cp_copy *c, struct berth_error **err)
{
	_cleanup_(cp_src_release) struct cp_src src = {.dir_fd = -EBADF};
	int r = resolve_src(from, src_path, o->follow_link, &src, err);
	if (r < 0)
		return r;
	_cleanup_(cp_dest_release) struct cp_dest dst = {.dir_fd = -EBADF};
	r = resolve_dest(to, dest_path, &src, &dst, err);
	if (r < 0)
		return r;
	if (dst.name)
		return copy_node(c, src.dir_fd, src.name, dst.dir_fd, dst.name, 0, err);
	_cleanup_close_ int s =
		openat(src.dir_fd, src.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0)
		return berth_error_syscall(err, errno, "open '%s'", src_path);
	return copy_contents(c, s, dst.dir_fd, 0, err);
}

/* ---- the container's root ---- */

struct cp_container {
	char *id;
	int root_fd;
};

static void cp_container_release(struct cp_container *c)
{
	free(c->id);
	if (c->root_fd >= 0)
		close(c->root_fd);
}

/*
 * A running container's root as its processes see it (its mounts and
 * volumes in place); a stopped one's overlay of its image layers and
 * upper dir, mounted detached and writable, so what cp writes is the
 * container's next start.
 */
static int open_container(struct berth_store *store, const char *what, struct cp_container *ret,
			  struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_json_ json_t *st = NULL;
	int r = berth_container_find(store, what, &ret->id, err);
	if (r >= 0)
		r = berth_container_inspect(store, ret->id, &st, err);
	if (r < 0)
		return r;
	json_t *state = json_object_get(st, "State");
	json_int_t pid = json_integer_value(json_object_get(state, "Pid"));
	if (json_is_true(json_object_get(state, "Running")) && pid > 0) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/%lld/root", (long long)pid);
		ret->root_fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ret->root_fd < 0)
			return berth_error_syscall(err, errno, "open the root of container '%s'",
						   what);
		return 0;
	}
	_cleanup_strv_free_ char **lower = berth_container_state_lowerdirs(st);
	_cleanup_free_ char *upper = berth_xasprintf("%s/containers/%s/upper", store_root, ret->id);
	_cleanup_free_ char *work = berth_xasprintf("%s/containers/%s/work", store_root, ret->id);
	ret->root_fd = berth_overlay_open(lower, upper, work, 0, err);
	if (ret->root_fd < 0)
		return berth_error_prefix(err, "mount the filesystem of container '%s'", what);
	return 0;
}

/* The host's "/" and its current directory: host paths resolve as the kernel does. */
static int open_host(const char *path, char **ret_abs, struct berth_error **err)
{
	if (path[0] == '/') {
		*ret_abs = berth_xstrdup(path);
	} else {
		_cleanup_free_ char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return berth_error_syscall(err, errno, "getcwd");
		*ret_abs = berth_xasprintf("%s/%s", cwd, path);
	}
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '/'");
	return fd;
}

int berth_container_cp_from(struct berth_store *store, const char *what, const char *src,
			    const char *host_dest, const struct berth_cp_options *o,
			    struct berth_error **err)
{
	_cleanup_(cp_container_release) struct cp_container ctr = {.root_fd = -EBADF};
	int r = open_container(store, what, &ctr, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dest = NULL;
	_cleanup_close_ int host = open_host(host_dest, &dest, err);
	if (host < 0)
		return host;
	struct cp_side from = {.root_fd = ctr.root_fd, .container = what};
	struct cp_side to = {.root_fd = host};
	/* Docker: files copied to the host belong to the user who ran cp, unless -a */
	struct cp_copy c = {.keep_owner = o->archive, .uid = geteuid(), .gid = getegid()};
	return cp_between(&from, src, &to, dest, o, &c, err);
}

int berth_container_cp_to(struct berth_store *store, const char *what, const char *host_src,
			  const char *dest, const struct berth_cp_options *o,
			  struct berth_error **err)
{
	_cleanup_(cp_container_release) struct cp_container ctr = {.root_fd = -EBADF};
	_cleanup_free_ char *src = NULL;
	_cleanup_close_ int host = open_host(host_src, &src, err);
	if (host < 0)
		return host;
	int r = open_container(store, what, &ctr, err);
	if (r < 0)
		return r;
	struct cp_side from = {.root_fd = host};
	struct cp_side to = {.root_fd = ctr.root_fd, .container = what};
	/* Docker: files copied into a container belong to its root, unless -a */
	struct cp_copy c = {.keep_owner = o->archive};
	return cp_between(&from, src, &to, dest, o, &c, err);
}

/* The container what and src_path resolved in it (resolve_src's rules). */
static int open_src(struct berth_store *store, const char *what, const char *src_path, bool follow,
		    struct cp_container *ctr, struct cp_src *src, struct berth_error **err)
{
	int r = open_container(store, what, ctr, err);
	if (r < 0)
		return r;
	struct cp_side from = {.root_fd = ctr->root_fd, .container = what};
	return resolve_src(&from, src_path, follow, src, err);
}

int berth_container_cp_tar_out(struct berth_store *store, const char *what, const char *src_path,
			       const struct berth_cp_options *o, int out_fd,
			       struct berth_error **err)
{
	_cleanup_(cp_container_release) struct cp_container ctr = {.root_fd = -EBADF};
	_cleanup_(cp_src_release) struct cp_src src = {.dir_fd = -EBADF};
	int r = open_src(store, what, src_path, o->follow_link, &ctr, &src, err);
	if (r < 0)
		return r;
	/* SRC/.: "./name" entries, as Docker's, which docker cp renames to its DEST */
	struct berth_layer_write_options wo = {.compression = BERTH_LAYER_UNCOMPRESSED,
					       .name_prefix = src.contents ? "./" : NULL};
	_cleanup_(berth_layer_writer_freep) struct berth_layer_writer *w = NULL;
	int fd = out_fd;
	r = berth_layer_writer_new(&wo, berth_layer_sink_fd, &fd, &w, err);
	if (r < 0)
		return r;
	if (src.contents) {
		_cleanup_close_ int d = openat(src.dir_fd, src.name,
					       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (d < 0)
			return berth_error_syscall(err, errno, "open '%s'", src_path);
		r = berth_layer_writer_add_tree(w, d, "", err);
	} else {
		struct berth_layer_entry e = {.src_dir_fd = src.dir_fd,
					      .src_path = src.name,
					      .dest = src.as,
					      .nofollow = true};
		r = berth_layer_writer_add_entries(w, &e, 1, err);
	}
	struct berth_layer_info info;
	if (r >= 0)
		r = berth_layer_writer_finish(w, &info, err);
	return r < 0 ? berth_error_prefix(err, "copy '%s:%s'", what, src_path) : 0;
}

int berth_container_cp_stat(struct berth_store *store, const char *what, const char *src_path,
			    struct berth_cp_stat *ret, struct berth_error **err)
{
	_cleanup_(cp_container_release) struct cp_container ctr = {.root_fd = -EBADF};
	_cleanup_(cp_src_release) struct cp_src src = {.dir_fd = -EBADF};
	int r = open_src(store, what, src_path, false, &ctr, &src, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *target = NULL;
	if (S_ISLNK(src.st.st_mode)) {
		_cleanup_free_ char *norm = normalize(src_path);
		r = berth_chase_in_root(ctr.root_fd, norm, &target, err);
		if (r < 0)
			return r;
	}
	*ret = (struct berth_cp_stat){.name = berth_xstrdup(*src.as ? src.as : "/"),
				      .st = src.st,
				      .link_target = TAKE_PTR(target)};
	return 0;
}

void berth_cp_stat_release(struct berth_cp_stat *s)
{
	free(s->name);
	free(s->link_target);
	*s = (struct berth_cp_stat){0};
}

int berth_container_cp_tar_in(struct berth_store *store, const char *what, int in_fd,
			      const char *dest, const struct berth_cp_options *o,
			      struct berth_error **err)
{
	const char *store_root = berth_store_root_path(store);
	_cleanup_(cp_container_release) struct cp_container ctr = {.root_fd = -EBADF};
	int r = open_container(store, what, &ctr, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *norm = normalize(dest);
	_cleanup_close_ int dst = berth_open_in_root(ctr.root_fd, *norm ? norm : ".",
						     O_RDONLY | O_DIRECTORY, 0, NULL);
	if (dst < 0)
		return berth_error_set(err, ENOTDIR, "destination \"%s:%s\" must be a directory",
				       what, dest);
	/* the archive is hostile: unpacked by the layer rules into a directory of the store first */
	_cleanup_free_ char *tmp =
		berth_xasprintf("%s/containers/%s/cp-XXXXXX", store_root, ctr.id);
	if (!mkdtemp(tmp))
		return berth_error_syscall(err, errno, "make a directory for the archive");
	_cleanup_close_ int tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		r = berth_error_syscall(err, errno, "open '%s'", tmp);
	struct berth_layer_extract_options xo = {.set_owner = !o->archive};
	if (r >= 0)
		r = berth_layer_extract(in_fd, tfd, &xo, err);
	struct cp_copy c = {.keep_owner = true};
	if (r >= 0)
		r = copy_contents(&c, tfd, dst, 0, err);
	_cleanup_error_ struct berth_error *rm_err = NULL;
	(void)berth_rm_rf_at(AT_FDCWD, tmp, &rm_err);
	return r < 0 ? berth_error_prefix(err, "copy to '%s:%s'", what, dest) : 0;
}
