/* SPDX-License-Identifier: Apache-2.0 */
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/strv.h"

#define MAX_SYMLINKS 40

static bool force_fallback;
static uint64_t fallback_walks;

void berth_fs_force_fallback(bool on)
{
	force_fallback = on;
}

uint64_t berth_fs_fallback_walks(void)
{
	return __atomic_load_n(&fallback_walks, __ATOMIC_RELAXED);
}

enum walk_mode {
	WALK_IN_ROOT,
	WALK_BENEATH
};

/*
 * The fallback resolver. It keeps a stack of O_PATH fds from the root down
 * to the current directory, so ".." pops the stack instead of asking the
 * kernel for a parent (which a concurrent rename could move outside). Every
 * component is opened with O_NOFOLLOW; a symlink's text is read and spliced
 * in front of the rest of the path, with an absolute target restarting at
 * the root (clamped) or failing (beneath). Nothing is ever resolved by the
 * kernel across a symlink, so no link can lead outside the root.
 */
struct walk {
	int *stack;
	size_t depth; /* stack[0] is the root */
	size_t alloc;
};

static void walk_release(struct walk *w)
{
	for (size_t i = 1; i <= w->depth; i++)
		close(w->stack[i]);
	free(w->stack);
}

static int walk_top(struct walk *w)
{
	return w->stack[w->depth];
}

static void walk_push(struct walk *w, int fd)
{
	if (w->depth + 2 > w->alloc) {
		w->alloc = w->alloc ? w->alloc * 2 : 16;
		w->stack = berth_xreallocarray(w->stack, w->alloc, sizeof(int));
	}
	w->stack[++w->depth] = fd;
}

static void walk_to_root(struct walk *w)
{
	while (w->depth > 0)
		close(w->stack[w->depth--]);
}

/* One step of the walk: the path being resolved (for messages), the open
 * flags, and what is left to resolve. */
struct walk_step {
	const char *path;
	int flags;
	mode_t mode;
	enum walk_mode m;
	struct berth_buf todo;
	int links; /* symlinks followed so far */
};

static void walk_step_release(struct walk_step *ws)
{
	berth_buf_release(&ws->todo);
}

/* Takes the next component off the front of todo: *ret_last when nothing
 * follows it, *ret_trailing_slash when a '/' did. */
static char *walk_next_component(struct berth_buf *todo, bool *ret_last, bool *ret_trailing_slash)
{
	size_t i = 0;
	while (i < todo->len && todo->buf[i] == '/')
		i++;
	size_t j = i;
	while (j < todo->len && todo->buf[j] != '/')
		j++;
	char *comp = berth_xstrndup(todo->buf + i, j - i);
	size_t k = j;
	while (k < todo->len && todo->buf[k] == '/')
		k++;
	*ret_last = k >= todo->len;
	*ret_trailing_slash = j < todo->len;
	memmove(todo->buf, todo->buf + k, todo->len - k);
	berth_buf_setlen(todo, todo->len - k);
	return comp;
}

/* The directory the walk stands in, opened with the caller's flags. */
static int walk_open_here(struct walk *w, const struct walk_step *ws, struct berth_error **err)
{
	int r = openat(walk_top(w), ".", (ws->flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
	if (r < 0)
		return berth_error_syscall(err, errno, "open '%s'", ws->path);
	return r;
}

/* "..": pops the stack; at the root it stays (in root) or fails (beneath). */
static int walk_up(struct walk *w, const struct walk_step *ws, struct berth_error **err)
{
	if (w->depth > 0) {
		close(w->stack[w->depth--]);
		return 0;
	}
	if (ws->m == WALK_BENEATH)
		return berth_error_set(err, EXDEV, "'%s' leads outside its root", ws->path);
	return 0;
}

/* Splices the target of symlink comp in front of what is left to resolve;
 * an absolute target restarts at the root (in root) or fails (beneath). */
static int walk_follow_symlink(struct walk *w, struct walk_step *ws, const char *comp,
			       bool trailing_slash, struct berth_error **err)
{
	if (++ws->links > MAX_SYMLINKS)
		return berth_error_syscall(err, ELOOP, "open '%s'", ws->path);
	char target[PATH_MAX + 1];
	ssize_t n = readlinkat(walk_top(w), comp, target, PATH_MAX);
	if (n < 0)
		return berth_error_syscall(err, errno, "readlink '%s'", ws->path);
	target[n] = '\0';
	if (target[0] == '/') {
		if (ws->m == WALK_BENEATH)
			return berth_error_set(err, EXDEV,
					       "'%s' leads outside its root through "
					       "symlink '%s' -> '%s'",
					       ws->path, comp, target);
		walk_to_root(w);
	}
	_cleanup_buf_ struct berth_buf next = BERTH_BUF_INIT;
	berth_buf_addstr(&next, target);
	if (ws->todo.len || trailing_slash) {
		berth_buf_addch(&next, '/');
		berth_buf_add(&next, ws->todo.buf, ws->todo.len);
	}
	berth_buf_release(&ws->todo);
	ws->todo = next;
	berth_buf_init(&next, 0);
	if (ws->todo.len == 0)
		return berth_error_syscall(err, ENOENT, "open '%s'", ws->path);
	return 0;
}

/* The last component, found as fd (an O_PATH fd, taken) with st: opened as
 * the caller asked. */
static int walk_open_last(struct walk *w, const struct walk_step *ws, int fd, const struct stat *st,
			  const char *comp, bool trailing_slash, struct berth_error **err)
{
	_cleanup_close_ int pfd = fd;
	int flags = ws->flags;
	if (S_ISLNK(st->st_mode)) {
		/* O_PATH|O_NOFOLLOW names the link itself, as open(2) does */
		if (flags & O_PATH)
			return TAKE_FD(pfd);
		return berth_error_syscall(err, ELOOP, "open '%s'", ws->path);
	}
	if ((flags & O_PATH) && !(flags & O_DIRECTORY))
		return TAKE_FD(pfd);
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return berth_error_syscall(err, EEXIST, "open '%s'", ws->path);
	if (trailing_slash && !S_ISDIR(st->st_mode))
		return berth_error_syscall(err, ENOTDIR, "open '%s'", ws->path);
	/* reopen the resolved inode itself, never the name again */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	int r = open(proc, (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
	if (r < 0 && errno == ENOENT)
		r = openat(walk_top(w), comp, (flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC);
	if (r < 0)
		return berth_error_syscall(err, errno, "open '%s'", ws->path);
	return r;
}

/* Resolves one component comp in the directory the walk stands in: 1 with
 * *ret_fd the result (the last component), 0 to go on, <0 an error. */
static int walk_component(struct walk *w, struct walk_step *ws, const char *comp, bool last,
			  bool trailing_slash, int *ret_fd, struct berth_error **err)
{
	int flags = ws->flags;
	int fd = openat(walk_top(w), comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && last && (flags & O_CREAT)) {
			*ret_fd =
				openat(walk_top(w), comp, flags | O_NOFOLLOW | O_CLOEXEC, ws->mode);
			if (*ret_fd < 0)
				return berth_error_syscall(err, errno, "open '%s'", ws->path);
			return 1;
		}
		return berth_error_syscall(err, errno, "open '%s'", ws->path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = berth_error_syscall(err, errno, "stat '%s'", ws->path);
		close(fd);
		return r;
	}
	if (S_ISLNK(st.st_mode) && (!last || trailing_slash || !(flags & O_NOFOLLOW))) {
		close(fd);
		return walk_follow_symlink(w, ws, comp, trailing_slash, err);
	}
	if (last) {
		*ret_fd = walk_open_last(w, ws, fd, &st, comp, trailing_slash, err);
		return *ret_fd < 0 ? *ret_fd : 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		close(fd);
		return berth_error_syscall(err, ENOTDIR, "open '%s'", ws->path);
	}
	walk_push(w, fd);
	return 0;
}

static int fallback_open(int root_fd, const char *path, int flags, mode_t mode, enum walk_mode m,
			 struct berth_error **err)
{
	_cleanup_(walk_release) struct walk w = {0};
	_cleanup_(walk_step_release) struct walk_step ws = {path, flags,	  mode,
							    m,	  BERTH_BUF_INIT, 0};

	__atomic_fetch_add(&fallback_walks, 1, __ATOMIC_RELAXED);
	w.alloc = 16;
	w.stack = berth_xcalloc(w.alloc, sizeof(int));
	w.stack[0] = root_fd; /* borrowed, never closed */
	berth_buf_addstr(&ws.todo, path);

	if (ws.todo.buf[0] == '/' && m == WALK_BENEATH)
		return berth_error_set(err, EXDEV, "'%s' is an absolute path", path);
	for (;;) {
		bool last, trailing_slash;
		_cleanup_free_ char *comp = walk_next_component(&ws.todo, &last, &trailing_slash);
		int r;
		if (comp[0] == '\0' || strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			r = strcmp(comp, "..") == 0 ? walk_up(&w, &ws, err) : 0;
			if (r < 0)
				return r;
			if (last)
				return walk_open_here(&w, &ws, err);
			continue;
		}
		int fd = -EBADF;
		r = walk_component(&w, &ws, comp, last, trailing_slash, &fd, err);
		if (r != 0)
			return r < 0 ? r : fd;
	}
}

static int openat2_or_fallback(int dir_fd, const char *path, int flags, mode_t mode,
			       enum walk_mode m, struct berth_error **err)
{
	if (!force_fallback) {
		struct open_how how = {
			.flags = (uint64_t)(flags | O_CLOEXEC),
			.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
			.resolve = RESOLVE_NO_MAGICLINKS |
				   (m == WALK_IN_ROOT ? RESOLVE_IN_ROOT : RESOLVE_BENEATH),
		};
		const char *p = *path ? path : ".";
		for (int tries = 0; tries < 8; tries++) {
			long fd = syscall(SYS_openat2, dir_fd, p, &how, sizeof(how));
			if (fd >= 0)
				return (int)fd;
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOSYS || errno == EPERM)
				break;
			if (errno == EXDEV)
				return berth_error_set(err, EXDEV, "'%s' leads outside its root",
						       path);
			return berth_error_syscall(err, errno, "open '%s'", path);
		}
		if (errno != ENOSYS && errno != EPERM && errno != EAGAIN && errno != EINTR)
			return berth_error_syscall(err, errno, "open '%s'", path);
	}
	return fallback_open(dir_fd, path, flags, mode, m, err);
}

int berth_open_in_root(int root_fd, const char *path, int flags, mode_t mode,
		       struct berth_error **err)
{
	return openat2_or_fallback(root_fd, path, flags, mode, WALK_IN_ROOT, err);
}

int berth_open_beneath(int dir_fd, const char *path, int flags, mode_t mode,
		       struct berth_error **err)
{
	return openat2_or_fallback(dir_fd, path, flags, mode, WALK_BENEATH, err);
}

int berth_mkdirs_in_root(int root_fd, const char *path, mode_t mode, struct berth_error **err)
{
	_cleanup_close_ int cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_buf_ struct berth_buf done = BERTH_BUF_INIT;
	if (cur < 0)
		return berth_error_syscall(err, errno, "open root");

	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		_cleanup_free_ char *comp = berth_xstrndup(p, (size_t)(e - p));
		p = e;
		if (done.len)
			berth_buf_addch(&done, '/');
		berth_buf_addstr(&done, comp);

		/*
		 * Resolve what exists so far from the root each time: a symlink
		 * planted as a parent is then clamped into the root, not followed
		 * out of it.
		 */
		int fd = berth_open_in_root(root_fd, done.buf, O_PATH | O_DIRECTORY, 0, NULL);
		if (fd >= 0) {
			close(cur);
			cur = fd;
			continue;
		}
		if (strcmp(comp, "..") == 0 || strcmp(comp, ".") == 0)
			return berth_error_set(err, EINVAL, "invalid path '%s'", path);
		if (mkdirat(cur, comp, mode) < 0 && errno != EEXIST)
			return berth_error_syscall(err, errno, "mkdir '%s'", done.buf);
		fd = berth_open_in_root(root_fd, done.buf, O_PATH | O_DIRECTORY, 0, err);
		if (fd < 0)
			return fd;
		close(cur);
		cur = fd;
	}
	return TAKE_FD(cur);
}

int berth_verify_path(const char *path, struct berth_error **err)
{
	size_t total = strlen(path);
	if (total == 0)
		return berth_error_set(err, EINVAL, "empty path");
	if (total >= PATH_MAX)
		return berth_error_set(err, ENAMETOOLONG, "path '%.64s...' is too long (%zu bytes)",
				       path, total);
	const char *p = path;
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 0)
			return berth_error_set(err, EINVAL, "path '%s' has an empty component",
					       path);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return berth_error_set(err, EXDEV, "path '%s' has a '%.*s' component", path,
					       (int)n, p);
		if (n > NAME_MAX)
			return berth_error_set(err, ENAMETOOLONG,
					       "path '%.64s...' has a component over %d bytes",
					       path, NAME_MAX);
		p = *e ? e + 1 : e;
		if (*e && !*p)
			break; /* one trailing slash is allowed */
	}
	return 0;
}

int berth_mkdir_p(const char *path, mode_t mode, struct berth_error **err)
{
	_cleanup_free_ char *copy = berth_xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return berth_error_syscall(err, errno, "mkdir '%s'", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "mkdir '%s'", copy);
	return 0;
}

int berth_mkdir_open(const char *parent, const char *name, struct berth_error **err)
{
	_cleanup_free_ char *p = berth_xasprintf("%s/%s", parent, name);
	int r = berth_mkdir_p(p, 0700, err);
	if (r < 0)
		return r;
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", p);
	return fd;
}

void berth_remove_dead_atomic_temps(int dfd)
{
	_cleanup_closedir_ DIR *dir = berth_opendir_at(dfd, ".");
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir)))
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			(void)unlinkat(dfd, de->d_name, 0);
}

void berth_random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[64];
	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	size_t got = 0;
	while (got < nbytes) {
		ssize_t n = getrandom(raw + got, nbytes - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
}

int berth_write_all(int fd, const void *data, size_t len, struct berth_error **err)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_syscall(err, errno, "write");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int berth_fsync_dir(int dir_fd, struct berth_error **err)
{
	/* an O_PATH fd cannot be synced: open the directory itself for that */
	_cleanup_close_ int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open directory");
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		return berth_error_syscall(err, errno, "fsync directory");
	return 0;
}

int berth_write_file_temp(int dir_fd, const char *name, const void *data, size_t len, mode_t mode,
			  bool durable, char **ret_tmp, struct stat *ret_st,
			  struct berth_error **err)
{
	char rnd[17];
	berth_random_hex(rnd, 8);
	_cleanup_free_ char *tmp = berth_xasprintf(".tmp-%s", rnd);
	_cleanup_close_ int fd =
		openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	int r;
	if (fd < 0)
		return berth_error_syscall(err, errno, "create '%s'", name);
	r = berth_write_all(fd, data, len, err);
	if (r < 0)
		goto fail;
	if (fchmod(fd, mode) < 0 || (durable && fsync(fd) < 0) ||
	    (ret_st && fstat(fd, ret_st) < 0)) {
		r = berth_error_syscall(err, errno, "write '%s'", name);
		goto fail;
	}
	*ret_tmp = TAKE_PTR(tmp);
	return 0;
fail:
	unlinkat(dir_fd, tmp, 0);
	berth_error_prefix(err, "write '%s'", name);
	return r;
}

int berth_write_file_commit(int dir_fd, const char *tmp, const char *name, bool durable,
			    struct berth_error **err)
{
	if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
		int r = berth_error_syscall(err, errno, "rename to '%s'", name);
		unlinkat(dir_fd, tmp, 0);
		berth_error_prefix(err, "write '%s'", name);
		return r;
	}
	return durable ? berth_fsync_dir(dir_fd, err) : 0;
}

/* A temp file renamed over name; with durable, both the file and the directory synced. */
int berth_write_file_renamed(int dir_fd, const char *name, const void *data, size_t len,
			     mode_t mode, bool durable, struct stat *ret_st,
			     struct berth_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int r = berth_write_file_temp(dir_fd, name, data, len, mode, durable, &tmp, ret_st, err);
	if (r < 0)
		return r;
	return berth_write_file_commit(dir_fd, tmp, name, durable, err);
}

int berth_write_file_atomic(int dir_fd, const char *name, const void *data, size_t len, mode_t mode,
			    struct berth_error **err)
{
	return berth_write_file_renamed(dir_fd, name, data, len, mode, true, NULL, err);
}

int berth_write_file_replace(int dir_fd, const char *name, const void *data, size_t len,
			     mode_t mode, struct berth_error **err)
{
	return berth_write_file_renamed(dir_fd, name, data, len, mode, false, NULL, err);
}

int berth_read_fd(int fd, size_t max, char **ret, size_t *ret_len, struct berth_error **err)
{
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	for (;;) {
		berth_buf_grow(&b, 65536);
		ssize_t n = read(fd, b.buf + b.len, b.alloc - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_syscall(err, errno, "read");
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max)
			return berth_error_set(err, E2BIG, "file is larger than %zu bytes", max);
		berth_buf_setlen(&b, b.len + (size_t)n);
	}
	*ret = berth_buf_detach(&b, ret_len);
	return 0;
}

int berth_read_file_at(int dir_fd, const char *name, size_t max, char **ret, size_t *ret_len,
		       struct berth_error **err)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	int r = berth_read_fd(fd, max, ret, ret_len, err);
	if (r < 0)
		return berth_error_prefix(err, "read '%s'", name);
	return 0;
}

DIR *berth_opendir_at(int dir_fd, const char *path)
{
	int fd = openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

int berth_dir_is_empty(int dir_fd)
{
	_cleanup_closedir_ DIR *d = berth_opendir_at(dir_fd, ".");
	if (!d)
		return -errno;
	struct dirent *de;
	while ((errno = 0, de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			return 0;
	return errno ? -errno : 1;
}

static int rm_rf_children(int dfd, dev_t dev, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return berth_error_syscall(err, errno, "opendir");
	}
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return berth_error_syscall(err, errno, "stat '%s'", de->d_name);
		}
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev)
				return berth_error_set(err, EBUSY, "'%s' is a mount point",
						       de->d_name);
			int c = openat(dirfd(d), de->d_name,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (c < 0 && errno == ENOENT)
				continue; /* another remover's */
			if (c < 0)
				return berth_error_syscall(err, errno, "open '%s'", de->d_name);
			int r = rm_rf_children(c, dev, err);
			if (r < 0)
				return berth_error_prefix(err, "%s", de->d_name);
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				return berth_error_syscall(err, errno, "rmdir '%s'", de->d_name);
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			return berth_error_syscall(err, errno, "unlink '%s'", de->d_name);
		}
	}
	if (errno)
		return berth_error_syscall(err, errno, "readdir");
	return 0;
}

/* dir_fd/name opened as a directory, if it is still the one st describes. */
static int open_dir_as_stat(int dir_fd, const char *name, const struct stat *st,
			    struct berth_error **err)
{
	int c = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	struct stat cst;
	if (fstat(c, &cst) < 0 || cst.st_dev != st->st_dev || cst.st_ino != st->st_ino) {
		close(c);
		return berth_error_set(err, EBUSY, "'%s' changed while being removed", name);
	}
	return c;
}

int berth_rm_rf_at(int dir_fd, const char *name, struct berth_error **err)
{
	struct stat st;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return berth_error_syscall(err, errno, "stat '%s'", name);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
			return berth_error_syscall(err, errno, "unlink '%s'", name);
		return 0;
	}
	/*
	 * One walk: a directory that is still being written to is not empty
	 * at the end (ENOTEMPTY), and that is the caller's ordering to fix,
	 * not a race to retry. A container's monitor writes nothing after
	 * the record that says it exited (container/summary.c).
	 */
	int c = open_dir_as_stat(dir_fd, name, &st, err);
	if (c == -ENOENT) {
		berth_error_free(err); /* removed meanwhile: by another remover */
		return 0;
	}
	if (c < 0)
		return c;
	if (rm_rf_children(c, st.st_dev, err) < 0)
		return berth_error_prefix(err, "remove '%s'", name);
	if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "rmdir '%s'", name);
	return 0;
}

void berth_unmount_below(const char *dir)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_strv_free_ char **targets = NULL;
	size_t n = strlen(dir);
	char line[4096];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mp[4096];
		/* id parent major:minor root mount-point ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		if (strncmp(mp, dir, n) == 0 && mp[n] == '/')
			berth_strv_push(&targets, mp);
	}
	berth_strv_sort(targets);
	for (size_t i = berth_strv_len(targets); i > 0; i--)
		(void)umount2(targets[i - 1], MNT_DETACH);
}
