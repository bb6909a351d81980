/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store handle: opening a store (its layout), locks, and tmp/ with
 * its owned work entries. Blobs are blobs.c, index.json refs.c, what is
 * reachable reach.c, collection and the check gc.c.
 */
#include "store/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/fs.h"
#include "core/json.h"

static const char *const side_dirs[STORE_SIDE_DIRS] = {"layers", "containers", "volumes",
						       "cache",	 "tmp",	       "locks"};

const char *berth_store_root_path(const struct berth_store *s)
{
	return s->root;
}

int berth_store_root_fd(const struct berth_store *s)
{
	return s->root_fd;
}

int berth_store_dir_fd(const struct berth_store *s, const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(side_dirs); i++)
		if (strcmp(side_dirs[i], name) == 0)
			return s->side_fds[i];
	return -1;
}

int store_tmp_fd(const struct berth_store *s)
{
	return berth_store_dir_fd(s, "tmp");
}

/* open O_PATH, mkdirat first when it is not there yet (every command opens
 * the store: an existing store costs one call per folder); the store's own
 * folders, so a symlink there is refused. */
int store_open_subdir(int dfd, const char *name, struct berth_error **err)
{
	int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
			return berth_error_syscall(err, errno, "create '%s'", name);
		fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	return fd;
}

/* An exclusive or shared flock of locks/<name>; returns the fd that holds it. */
int store_lock_file(struct berth_store *s, const char *name, int op, struct berth_error **err)
{
	int lfd = berth_store_dir_fd(s, "locks");
	_cleanup_close_ int fd = openat(lfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open lock '%s'", name);
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return berth_error_syscall(err, errno, "lock '%s'", name);
	}
	return TAKE_FD(fd);
}

/*
 * Ownership of tmp/: each entry (a blob being written, a build's work dir)
 * is flocked exclusively through an fd of its maker for as long as it is in
 * use; the kernel drops the lock when that process dies, kill -9 included,
 * so an entry that can be locked is a crash's leftover and one that cannot
 * is in use. Entries are made and locked under a shared lock of
 * locks/tmp.lock and swept under an exclusive one, so a sweeper never sees
 * an entry between its creation and its lock.
 */
int store_tmp_own(struct berth_store *s, int fd, const char *name, struct berth_error **err)
{
	/* a new entry nobody else can see yet: the lock is free */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return berth_error_syscall(err, errno, "lock '%s/tmp/%s'", s->root, name);
	return 0;
}

/* Whether the entry opened as fd is owned by a live process; false when fd < 0. */
static bool tmp_in_use(int fd)
{
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return false;
	/* EWOULDBLOCK: its owner lives; any other failure: leave it alone too */
	return true;
}

/*
 * Goes through tmp/ under the exclusive tmp lock: entries in use are counted
 * in *ret_live, the others in *ret_dead and removed when remove is set (a
 * dead build's mounts below them detached first). Counts are added to.
 */
int store_tmp_scan(struct berth_store *s, bool remove, size_t *ret_dead, size_t *ret_live,
		   struct berth_error **err)
{
	int tfd = berth_store_dir_fd(s, "tmp");
	_cleanup_close_ int guard = store_lock_file(s, "tmp.lock", LOCK_EX, err);
	if (guard < 0)
		return guard;
	_cleanup_closedir_ DIR *dir = berth_opendir_at(tfd, ".");
	if (!dir)
		return berth_error_syscall(err, errno, "open '%s/tmp'", s->root);
	char base[PATH_MAX], proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
	ssize_t blen = readlink(proc, base, sizeof(base) - 1);
	base[blen > 0 ? blen : 0] = '\0';
	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_close_ int fd = openat(
			tfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (tmp_in_use(fd)) {
			(*ret_live)++;
			continue;
		}
		(*ret_dead)++;
		if (!remove)
			continue;
		struct stat st;
		if (blen > 0 && fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			_cleanup_free_ char *path = berth_xasprintf("%s/%s", base, de->d_name);
			berth_unmount_below(path);
		}
		(void)berth_rm_rf_at(tfd, de->d_name, NULL);
	}
	if (errno)
		return berth_error_syscall(err, errno, "read '%s/tmp'", s->root);
	return 0;
}

/*
 * Before this handle's first temp file: what crashed writers left in tmp/
 * goes (best effort; a failure only leaves it for the next one).
 */
void store_tmp_sweep_once(struct berth_store *s)
{
	if (atomic_exchange(&s->tmp_swept, true))
		return;
	size_t dead = 0, live = 0;
	(void)store_tmp_scan(s, true, &dead, &live, NULL);
}

int berth_store_tmp_dir_create(struct berth_store *s, const char *prefix, char **ret_name,
			       int *ret_fd, struct berth_error **err)
{
	store_tmp_sweep_once(s);
	_cleanup_close_ int guard = store_lock_file(s, "tmp.lock", LOCK_SH, err);
	if (guard < 0)
		return guard;
	char rnd[17];
	berth_random_hex(rnd, 8);
	_cleanup_free_ char *name = berth_xasprintf("%s%s", prefix, rnd);
	if (mkdirat(store_tmp_fd(s), name, 0700) < 0)
		return berth_error_syscall(err, errno, "create '%s/tmp/%s'", s->root, name);
	_cleanup_close_ int fd =
		openat(store_tmp_fd(s), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = fd < 0 ? berth_error_syscall(err, errno, "open '%s/tmp/%s'", s->root, name)
		       : store_tmp_own(s, fd, name, err);
	if (r < 0) {
		(void)unlinkat(store_tmp_fd(s), name, AT_REMOVEDIR);
		return r;
	}
	*ret_name = TAKE_PTR(name);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The store root's temp files (index.json, oci-layout): made only under the index lock. */
void store_root_sweep_once(struct berth_store *s)
{
	if (s->root_swept)
		return;
	s->root_swept = true;
	berth_remove_dead_atomic_temps(s->root_fd);
}

static const char empty_index[] =
	"{\"schemaVersion\":2,\"mediaType\":\"" BERTH_MEDIA_TYPE_OCI_INDEX "\",\"manifests\":[]}";
static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

static bool exists_at(int dfd, const char *name)
{
	struct stat st;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int init_layout(struct berth_store *s, struct berth_error **err)
{
	int r;
	if (exists_at(s->root_fd, "index.json") && exists_at(s->root_fd, "oci-layout"))
		return 0;
	/* first use: under the index lock, so two first opens cannot race a tag away */
	_cleanup_close_ int lock = store_lock_file(s, "index.lock", LOCK_EX, err);
	if (lock < 0)
		return lock;
	if (!exists_at(s->root_fd, "oci-layout")) {
		r = berth_write_file_atomic(s->root_fd, "oci-layout", oci_layout,
					    strlen(oci_layout), 0644, err);
		if (r < 0)
			return r;
	}
	if (!exists_at(s->root_fd, "index.json")) {
		r = berth_write_file_atomic(s->root_fd, "index.json", empty_index,
					    strlen(empty_index), 0644, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int berth_store_open(const char *root, struct berth_store **ret, struct berth_error **err)
{
	_cleanup_(berth_store_freep) struct berth_store *s = berth_xcalloc(1, sizeof(*s));
	_cleanup_close_ int blobs = -EBADF;
	int r;
	s->root = berth_xstrdup(root);
	s->root_fd = s->blobs_fd = s->gc_lock_fd = -EBADF;
	pthread_mutex_init(&s->gc_hold_lock, NULL);
	pthread_cond_init(&s->gc_hold_cond, NULL);
	for (size_t i = 0; i < ELEMENTSOF(side_dirs); i++)
		s->side_fds[i] = -EBADF;

	s->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0 && errno == ENOENT) {
		r = berth_mkdir_p(root, 0700, err);
		if (r < 0)
			goto fail;
		s->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->root_fd < 0) {
		r = berth_error_syscall(err, errno, "open");
		goto fail;
	}
	blobs = store_open_subdir(s->root_fd, "blobs", err);
	if (blobs < 0) {
		r = blobs;
		goto fail;
	}
	s->blobs_fd = store_open_subdir(blobs, "sha256", err);
	if (s->blobs_fd < 0) {
		r = s->blobs_fd;
		goto fail;
	}
	for (size_t i = 0; i < ELEMENTSOF(side_dirs); i++) {
		s->side_fds[i] = store_open_subdir(s->root_fd, side_dirs[i], err);
		if (s->side_fds[i] < 0) {
			r = s->side_fds[i];
			goto fail;
		}
	}
	r = init_layout(s, err);
	if (r < 0)
		goto fail;
	*ret = TAKE_PTR(s);
	return 0;
fail:
	berth_error_prefix(err, "store '%s'", root);
	return r;
}

void berth_store_free(struct berth_store *s)
{
	if (!s)
		return;
	berth_closep(&s->root_fd);
	berth_closep(&s->blobs_fd);
	berth_closep(&s->gc_lock_fd);
	pthread_mutex_destroy(&s->gc_hold_lock);
	pthread_cond_destroy(&s->gc_hold_cond);
	for (size_t i = 0; i < ELEMENTSOF(side_dirs); i++)
		berth_closep(&s->side_fds[i]);
	free(s->root);
	free(s);
}
