/* SPDX-License-Identifier: Apache-2.0 */
#include "store/store.h"

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

/* Manifests and indexes are small; anything bigger is not one. */
#define MAX_INDEX_SIZE	  (64u << 20)
#define MAX_MANIFEST_SIZE (8u << 20)

static const char *const side_dirs[] = {"layers", "containers", "volumes", "cache", "tmp", "locks"};

struct berth_store {
	char *root;
	int root_fd;  /* O_PATH|O_DIRECTORY */
	int blobs_fd; /* blobs/sha256 */
	int side_fds[ELEMENTSOF(side_dirs)];
	int gc_lock_fd;	       /* shared flock held once this process writes blobs */
	atomic_bool tmp_swept; /* this handle swept tmp/ before its first temp file */
	bool root_swept; /* ... and the store root's temp files before its first index write */
};

struct berth_blob_writer {
	struct berth_store *s;
	int fd;
	char tmp_name[40];
	struct berth_sha256 *hash;
	uint64_t size;
};

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

static int tmp_fd(const struct berth_store *s)
{
	return berth_store_dir_fd(s, "tmp");
}

/* mkdirat + open O_PATH; the store's own folders, so a symlink there is refused. */
static int open_subdir(int dfd, const char *name, struct berth_error **err)
{
	if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
		return berth_error_syscall(err, errno, "create '%s'", name);
	int fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open '%s'", name);
	return fd;
}

/* An exclusive or shared flock of locks/<name>; returns the fd that holds it. */
static int lock_file(struct berth_store *s, const char *name, int op, struct berth_error **err)
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
static int tmp_own(struct berth_store *s, int fd, const char *name, struct berth_error **err)
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
static int tmp_scan(struct berth_store *s, bool remove, size_t *ret_dead, size_t *ret_live,
		    struct berth_error **err)
{
	int tfd = berth_store_dir_fd(s, "tmp");
	_cleanup_close_ int guard = lock_file(s, "tmp.lock", LOCK_EX, err);
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
static void tmp_sweep_once(struct berth_store *s)
{
	if (atomic_exchange(&s->tmp_swept, true))
		return;
	size_t dead = 0, live = 0;
	(void)tmp_scan(s, true, &dead, &live, NULL);
}

int berth_store_tmp_dir_create(struct berth_store *s, const char *prefix, char **ret_name,
			       int *ret_fd, struct berth_error **err)
{
	tmp_sweep_once(s);
	_cleanup_close_ int guard = lock_file(s, "tmp.lock", LOCK_SH, err);
	if (guard < 0)
		return guard;
	char rnd[17];
	berth_random_hex(rnd, 8);
	_cleanup_free_ char *name = berth_xasprintf("%s%s", prefix, rnd);
	if (mkdirat(tmp_fd(s), name, 0700) < 0)
		return berth_error_syscall(err, errno, "create '%s/tmp/%s'", s->root, name);
	_cleanup_close_ int fd =
		openat(tmp_fd(s), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = fd < 0 ? berth_error_syscall(err, errno, "open '%s/tmp/%s'", s->root, name)
		       : tmp_own(s, fd, name, err);
	if (r < 0) {
		(void)unlinkat(tmp_fd(s), name, AT_REMOVEDIR);
		return r;
	}
	*ret_name = TAKE_PTR(name);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * Removes the ".tmp-*" files berth_write_file_atomic left in dfd; only
 * called under the lock that every writer of dfd holds, so any seen is a
 * crashed writer's.
 */
static void remove_dead_atomic_temps(int dfd)
{
	_cleanup_closedir_ DIR *dir = berth_opendir_at(dfd, ".");
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir)))
		if (strncmp(de->d_name, ".tmp-", 5) == 0)
			(void)unlinkat(dfd, de->d_name, 0);
}

/* The store root's temp files (index.json, oci-layout): made only under the index lock. */
static void root_sweep_once(struct berth_store *s)
{
	if (s->root_swept)
		return;
	s->root_swept = true;
	remove_dead_atomic_temps(s->root_fd);
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
	_cleanup_close_ int lock = lock_file(s, "index.lock", LOCK_EX, err);
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
	for (size_t i = 0; i < ELEMENTSOF(side_dirs); i++)
		s->side_fds[i] = -EBADF;

	r = berth_mkdir_p(root, 0700, err);
	if (r < 0)
		goto fail;
	s->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0) {
		r = berth_error_syscall(err, errno, "open");
		goto fail;
	}
	blobs = open_subdir(s->root_fd, "blobs", err);
	if (blobs < 0) {
		r = blobs;
		goto fail;
	}
	s->blobs_fd = open_subdir(blobs, "sha256", err);
	if (s->blobs_fd < 0) {
		r = s->blobs_fd;
		goto fail;
	}
	for (size_t i = 0; i < ELEMENTSOF(side_dirs); i++) {
		s->side_fds[i] = open_subdir(s->root_fd, side_dirs[i], err);
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
	for (size_t i = 0; i < ELEMENTSOF(side_dirs); i++)
		berth_closep(&s->side_fds[i]);
	free(s->root);
	free(s);
}

/* ---- blobs ---- */

/* Writers keep the shared gc lock until the store is freed: see store.h. */
static int hold_gc_shared(struct berth_store *s, struct berth_error **err)
{
	if (s->gc_lock_fd >= 0)
		return 0;
	int fd = lock_file(s, "gc.lock", LOCK_SH, err);
	if (fd < 0)
		return fd;
	s->gc_lock_fd = fd;
	return 0;
}

void berth_store_writes_done(struct berth_store *s)
{
	berth_closep(&s->gc_lock_fd);
}

int berth_store_blob_begin(struct berth_store *s, struct berth_blob_writer **ret,
			   struct berth_error **err)
{
	int r = hold_gc_shared(s, err);
	if (r < 0)
		return r;
	tmp_sweep_once(s);
	_cleanup_close_ int guard = lock_file(s, "tmp.lock", LOCK_SH, err);
	if (guard < 0)
		return guard;
	struct berth_blob_writer *w = berth_xcalloc(1, sizeof(*w));
	char rnd[17];
	berth_random_hex(rnd, 8);
	snprintf(w->tmp_name, sizeof(w->tmp_name), "blob-%s", rnd);
	w->fd = openat(tmp_fd(s), w->tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0644);
	r = w->fd < 0 ? berth_error_syscall(err, errno, "create a temp blob in '%s/tmp'", s->root)
		      : tmp_own(s, w->fd, w->tmp_name, err);
	if (r < 0) {
		if (w->fd >= 0) {
			close(w->fd);
			unlinkat(tmp_fd(s), w->tmp_name, 0);
		}
		free(w);
		return r;
	}
	w->s = s;
	w->hash = berth_sha256_new();
	*ret = w;
	return 0;
}

int berth_blob_writer_write(struct berth_blob_writer *w, const void *data, size_t len,
			    struct berth_error **err)
{
	int r = berth_write_all(w->fd, data, len, err);
	if (r < 0)
		return berth_error_prefix(err, "write blob");
	berth_sha256_update(w->hash, data, len);
	w->size += len;
	return 0;
}

int berth_blob_writer_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	return berth_blob_writer_write(ctx, data, len, err);
}

uint64_t berth_blob_writer_size(const struct berth_blob_writer *w)
{
	return w->size;
}

void berth_blob_writer_abort(struct berth_blob_writer *w)
{
	if (!w)
		return;
	berth_closep(&w->fd);
	unlinkat(tmp_fd(w->s), w->tmp_name, 0);
	berth_sha256_free(w->hash);
	free(w);
}

/* The digest of what w wrote, into *ret; EBADMSG when expected says otherwise. */
static int writer_digest(struct berth_blob_writer *w, const struct berth_digest *expected,
			 struct berth_digest *ret, struct berth_error **err)
{
	char want[BERTH_DIGEST_STRLEN + 1], got[BERTH_DIGEST_STRLEN + 1];
	berth_sha256_final(w->hash, ret);
	if (expected && !berth_digest_eq(expected, ret))
		return berth_error_set(err, EBADMSG,
				       "blob digest mismatch: expected '%s', got '%s' (%llu bytes)",
				       berth_digest_fmt(expected, want), berth_digest_fmt(ret, got),
				       (unsigned long long)w->size);
	return 0;
}

int berth_blob_writer_commit(struct berth_blob_writer *writer, const struct berth_digest *expected,
			     struct berth_digest *ret_digest, uint64_t *ret_size,
			     struct berth_error **err)
{
	/* freed (and its temp file removed unless renamed) on every return */
	_cleanup_(berth_blob_writer_abortp) struct berth_blob_writer *w = writer;
	struct berth_digest d;
	char hex[65];
	int r = writer_digest(w, expected, &d, err);
	if (r < 0)
		return r;
	if (fsync(w->fd) < 0)
		return berth_error_syscall(err, errno, "fsync blob");
	berth_digest_hex(&d, hex);
	if (renameat(tmp_fd(w->s), w->tmp_name, w->s->blobs_fd, hex) < 0)
		return berth_error_syscall(err, errno, "rename blob to '%s'", hex);
	/* renamed: nothing left for abort to unlink */
	w->tmp_name[0] = '\0';
	r = berth_fsync_dir(w->s->blobs_fd, err);
	if (r < 0)
		return r;
	if (ret_digest)
		*ret_digest = d;
	if (ret_size)
		*ret_size = w->size;
	return 0;
}

struct pending_blob {
	int fd;
	char tmp_name[40];
	char hex[65];
};

struct berth_blob_batch {
	struct berth_store *s;
	pthread_mutex_t lock;
	struct pending_blob *items;
	size_t n, cap;
};

struct berth_blob_batch *berth_blob_batch_new(struct berth_store *s)
{
	struct berth_blob_batch *b = berth_xcalloc(1, sizeof(*b));
	b->s = s;
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

int berth_blob_batch_add(struct berth_blob_batch *b, struct berth_blob_writer *writer,
			 const struct berth_digest *expected, struct berth_digest *ret_digest,
			 uint64_t *ret_size, struct berth_error **err)
{
	/* the writer is consumed whatever happens */
	_cleanup_(berth_blob_writer_abortp) struct berth_blob_writer *w = writer;
	struct berth_digest d;
	int r = writer_digest(w, expected, &d, err);
	if (r < 0)
		return r;
	/* start the writeback now; _commit waits for it */
	(void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	pthread_mutex_lock(&b->lock);
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->items = berth_xreallocarray(b->items, b->cap, sizeof(*b->items));
	}
	struct pending_blob *p = &b->items[b->n++];
	p->fd = TAKE_FD(w->fd);
	memcpy(p->tmp_name, w->tmp_name, sizeof(p->tmp_name));
	berth_digest_hex(&d, p->hex);
	pthread_mutex_unlock(&b->lock);
	/* the temp file now belongs to the batch */
	w->tmp_name[0] = '\0';
	if (ret_digest)
		*ret_digest = d;
	if (ret_size)
		*ret_size = w->size;
	return 0;
}

int berth_blob_batch_commit(struct berth_blob_batch *b, struct berth_error **err)
{
	pthread_mutex_lock(&b->lock);
	int r = 0;
	for (size_t i = 0; i < b->n && r >= 0; i++)
		if (fsync(b->items[i].fd) < 0)
			r = berth_error_syscall(err, errno, "fsync blob");
	for (size_t i = 0; i < b->n && r >= 0; i++) {
		struct pending_blob *p = &b->items[i];
		if (renameat(tmp_fd(b->s), p->tmp_name, b->s->blobs_fd, p->hex) < 0)
			r = berth_error_syscall(err, errno, "rename blob to '%s'", p->hex);
		else
			p->tmp_name[0] = '\0';
	}
	if (r >= 0 && b->n > 0)
		r = berth_fsync_dir(b->s->blobs_fd, err);
	if (r >= 0) {
		for (size_t i = 0; i < b->n; i++)
			berth_closep(&b->items[i].fd);
		b->n = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return r;
}

void berth_blob_batch_free(struct berth_blob_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		berth_closep(&b->items[i].fd);
		if (b->items[i].tmp_name[0])
			unlinkat(tmp_fd(b->s), b->items[i].tmp_name, 0);
	}
	free(b->items);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

int berth_store_blob_put(struct berth_store *s, const void *data, size_t len,
			 struct berth_digest *ret, struct berth_error **err)
{
	struct berth_blob_writer *w = NULL;
	int r = berth_store_blob_begin(s, &w, err);
	if (r < 0)
		return r;
	r = berth_blob_writer_write(w, data, len, err);
	if (r < 0) {
		berth_blob_writer_abort(w);
		return r;
	}
	return berth_blob_writer_commit(w, NULL, ret, NULL, err);
}

int berth_store_blob_open(struct berth_store *s, const struct berth_digest *d, int *ret_fd,
			  uint64_t *ret_size, struct berth_error **err)
{
	char hex[65], name[BERTH_DIGEST_STRLEN + 1];
	struct stat st;
	_cleanup_close_ int fd =
		openat(s->blobs_fd, berth_digest_hex(d, hex), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open blob '%s'", berth_digest_fmt(d, name));
	if (fstat(fd, &st) < 0)
		return berth_error_syscall(err, errno, "stat blob '%s'", berth_digest_fmt(d, name));
	if (!S_ISREG(st.st_mode))
		return berth_error_set(err, EBADMSG, "blob '%s' is not a regular file",
				       berth_digest_fmt(d, name));
	if (ret_size)
		*ret_size = (uint64_t)st.st_size;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

bool berth_store_blob_exists(struct berth_store *s, const struct berth_digest *d)
{
	char hex[65];
	struct stat st;
	return fstatat(s->blobs_fd, berth_digest_hex(d, hex), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode);
}

int berth_store_blob_size(struct berth_store *s, const struct berth_digest *d, uint64_t *ret,
			  struct berth_error **err)
{
	char hex[65], name[BERTH_DIGEST_STRLEN + 1];
	struct stat st;
	if (fstatat(s->blobs_fd, berth_digest_hex(d, hex), &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_syscall(err, errno, "stat blob '%s'", berth_digest_fmt(d, name));
	*ret = (uint64_t)st.st_size;
	return 0;
}

int berth_store_blob_read(struct berth_store *s, const struct berth_digest *d, size_t max,
			  char **ret, size_t *ret_len, struct berth_error **err)
{
	char name[BERTH_DIGEST_STRLEN + 1];
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *data = NULL;
	size_t len;
	struct berth_digest got;
	int r = berth_store_blob_open(s, d, &fd, NULL, err);
	if (r < 0)
		return r;
	r = berth_read_fd(fd, max, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "read blob '%s'", berth_digest_fmt(d, name));
	berth_digest_of(data, len, &got);
	if (!berth_digest_eq(&got, d))
		return berth_error_set(err, EBADMSG, "blob '%s' is corrupt: its bytes do not match",
				       berth_digest_fmt(d, name));
	*ret = TAKE_PTR(data);
	if (ret_len)
		*ret_len = len;
	return 0;
}

/* ---- index.json ---- */

static int index_load(struct berth_store *s, json_t **ret, struct berth_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	_cleanup_json_ json_t *j = NULL;
	json_t *m;
	int r = berth_read_file_at(s->root_fd, "index.json", MAX_INDEX_SIZE, &data, &len, err);
	if (r < 0)
		return berth_error_prefix(err, "store '%s'", s->root);
	r = berth_json_parse(data, len, "index.json", &j, err);
	if (r < 0)
		return berth_error_prefix(err, "store '%s'", s->root);
	if (!json_is_object(j))
		return berth_error_set(err, EBADMSG, "store '%s': index.json is not an object",
				       s->root);
	m = json_object_get(j, "manifests");
	if (!m) {
		json_object_set_new(j, "manifests", json_array());
	} else if (!json_is_array(m)) {
		return berth_error_set(err, EBADMSG,
				       "store '%s': index.json: 'manifests' is not an array",
				       s->root);
	}
	*ret = TAKE_PTR(j);
	return 0;
}

static int index_save(struct berth_store *s, json_t *j, struct berth_error **err)
{
	size_t len;
	_cleanup_free_ char *data = berth_json_dump(j, &len);
	int r = berth_write_file_atomic(s->root_fd, "index.json", data, len, 0644, err);
	if (r < 0)
		return berth_error_prefix(err, "store '%s'", s->root);
	return 0;
}

static const char *entry_name(json_t *e)
{
	json_t *a = json_object_get(e, "annotations");
	json_t *n = a ? json_object_get(a, BERTH_REF_NAME_ANNOTATION) : NULL;
	return json_is_string(n) ? json_string_value(n) : NULL;
}

/* Parses one index entry; entries berth cannot read are skipped (-EBADMSG). */
static int entry_parse(json_t *e, struct berth_store_ref *ret, struct berth_error **err)
{
	const char *mt = NULL, *dg = NULL;
	int64_t size = 0;
	int r;
	if (!json_is_object(e))
		return berth_error_set(err, EBADMSG, "index.json: an entry is not an object");
	r = berth_json_get_string(e, "digest", true, &dg, err);
	if (r < 0)
		return r;
	r = berth_json_get_int(e, "size", true, &size, err);
	if (r < 0)
		return r;
	if (size < 0)
		return berth_error_set(err, EBADMSG, "index.json: negative size");
	r = berth_json_get_string(e, "mediaType", false, &mt, err);
	if (r < 0 && r != -ENOENT)
		return r;
	memset(ret, 0, sizeof(*ret));
	r = berth_digest_parse(dg, &ret->digest, err);
	if (r < 0)
		return r;
	ret->size = (uint64_t)size;
	ret->media_type = berth_xstrdup(mt ? mt : "");
	const char *name = entry_name(e);
	ret->name = name ? berth_xstrdup(name) : NULL;
	return 0;
}

void berth_store_ref_release(struct berth_store_ref *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->media_type);
	r->name = r->media_type = NULL;
}

void berth_store_refs_free(struct berth_store_refs *refs)
{
	if (!refs)
		return;
	for (size_t i = 0; i < refs->n; i++)
		berth_store_ref_release(&refs->items[i]);
	free(refs->items);
	free(refs);
}

int berth_store_ref_list(struct berth_store *s, struct berth_store_refs **ret,
			 struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = index_load(s, &j, err);
	if (r < 0)
		return r;
	json_t *m = json_object_get(j, "manifests");
	_cleanup_(berth_store_refs_freep) struct berth_store_refs *refs =
		berth_xcalloc(1, sizeof(*refs));
	refs->items = berth_xcalloc(json_array_size(m) + 1, sizeof(*refs->items));
	size_t i;
	json_t *e;
	json_array_foreach (m, i, e) {
		struct berth_error *e2 = NULL;
		if (entry_parse(e, &refs->items[refs->n], &e2) < 0) {
			/* an entry we cannot read (another tool's) is not ours to show */
			berth_error_free(&e2);
			continue;
		}
		refs->n++;
	}
	*ret = TAKE_PTR(refs);
	return 0;
}

int berth_store_ref_resolve(struct berth_store *s, const char *name, struct berth_store_ref *ret,
			    struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = index_load(s, &j, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(j, "manifests"), i, e) {
		const char *n = entry_name(e);
		if (!n || strcmp(n, name) != 0)
			continue;
		struct berth_store_ref ref;
		r = entry_parse(e, &ref, err);
		if (r < 0)
			return berth_error_prefix(err, "reference '%s'", name);
		if (ret)
			*ret = ref;
		else
			berth_store_ref_release(&ref);
		return 0;
	}
	return berth_error_set(err, ENOENT, "reference '%s' not found", name);
}

typedef int (*index_edit_fn)(json_t *manifests, void *ctx, struct berth_error **err);

/*
 * Read-modify-write of index.json under the exclusive index lock. edit
 * returns > 0 when it changed something (then the index is rewritten).
 */
static int index_modify(struct berth_store *s, index_edit_fn edit, void *ctx,
			struct berth_error **err)
{
	_cleanup_close_ int lock = lock_file(s, "index.lock", LOCK_EX, err);
	if (lock < 0)
		return lock;
	root_sweep_once(s);
	_cleanup_json_ json_t *j = NULL;
	int r = index_load(s, &j, err);
	if (r < 0)
		return r;
	int changed = edit(json_object_get(j, "manifests"), ctx, err);
	if (changed <= 0)
		return changed;
	r = index_save(s, j, err);
	if (r < 0)
		return r;
	return changed;
}

static bool entry_has_digest(json_t *e, const char *digest)
{
	json_t *d = json_object_get(e, "digest");
	return json_is_string(d) && strcmp(json_string_value(d), digest) == 0;
}

static size_t count_digest(json_t *m, const char *digest)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach (m, i, e)
		if (entry_has_digest(e, digest))
			n++;
	return n;
}

static json_t *make_entry(const char *media_type, const char *digest, uint64_t size,
			  const char *name)
{
	json_t *e = json_object();
	json_object_set_new(e, "mediaType", json_string(media_type));
	json_object_set_new(e, "digest", json_string(digest));
	json_object_set_new(e, "size", json_integer((json_int_t)size));
	if (name) {
		json_t *a = json_object();
		json_object_set_new(a, BERTH_REF_NAME_ANNOTATION, json_string(name));
		json_object_set_new(e, "annotations", a);
	}
	return e;
}

/* Drops the name of entry i; the entry goes when keep is false or another one has its digest. */
static void untag_entry(json_t *m, size_t i, bool keep)
{
	json_t *e = json_array_get(m, i);
	const char *dg = json_string_value(json_object_get(e, "digest"));
	if (!keep || !dg || count_digest(m, dg) > 1) {
		json_array_remove(m, i);
		return;
	}
	json_t *a = json_object_get(e, "annotations");
	json_object_del(a, BERTH_REF_NAME_ANNOTATION);
	if (json_object_size(a) == 0)
		json_object_del(e, "annotations");
}

static ssize_t find_name(json_t *m, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach (m, i, e) {
		const char *n = entry_name(e);
		if (n && strcmp(n, name) == 0)
			return (ssize_t)i;
	}
	return -1;
}

struct set_ctx {
	const char *name;
	const char *media_type;
	const char *digest;
	uint64_t size;
};

static int edit_set(json_t *m, void *ctx, struct berth_error **err)
{
	struct set_ctx *c = ctx;
	ssize_t i = find_name(m, c->name);
	if (i >= 0) {
		json_t *e = json_array_get(m, (size_t)i);
		if (entry_has_digest(e, c->digest))
			return 0; /* already so */
		untag_entry(m, (size_t)i, true);
	}
	/* an untagged entry of this image is replaced by the tagged one */
	size_t k;
	json_t *e;
	json_array_foreach (m, k, e) {
		if (entry_has_digest(e, c->digest) && !entry_name(e)) {
			json_array_remove(m, k);
			break;
		}
	}
	json_array_append_new(m, make_entry(c->media_type, c->digest, c->size, c->name));
	return 1;
}

static int check_name(const char *name, struct berth_error **err)
{
	if (!name || !*name)
		return berth_error_set(err, EINVAL, "empty reference name");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return berth_error_set(err, EINVAL,
					       "reference name has a control character");
	return 0;
}

int berth_store_ref_set(struct berth_store *s, const char *name, const char *media_type,
			const struct berth_digest *digest, uint64_t size, struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	int r = check_name(name, err);
	if (r < 0)
		return r;
	berth_digest_fmt(digest, dg);
	if (!berth_store_blob_exists(s, digest))
		return berth_error_set(err, ENOENT, "tag '%s': manifest '%s' is not in the store",
				       name, dg);
	struct set_ctx c = {name, media_type, dg, size};
	r = index_modify(s, edit_set, &c, err);
	if (r < 0)
		return berth_error_prefix(err, "tag '%s'", name);
	return 0;
}

static int edit_add(json_t *m, void *ctx, struct berth_error **err)
{
	struct set_ctx *c = ctx;
	if (count_digest(m, c->digest) > 0)
		return 0;
	json_array_append_new(m, make_entry(c->media_type, c->digest, c->size, NULL));
	return 1;
}

int berth_store_image_add(struct berth_store *s, const char *media_type,
			  const struct berth_digest *digest, uint64_t size,
			  struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	berth_digest_fmt(digest, dg);
	if (!berth_store_blob_exists(s, digest))
		return berth_error_set(err, ENOENT, "manifest '%s' is not in the store", dg);
	struct set_ctx c = {NULL, media_type, dg, size};
	int r = index_modify(s, edit_add, &c, err);
	return r < 0 ? r : 0;
}

struct remove_ctx {
	const char *name;
	bool keep;
};

static int edit_remove(json_t *m, void *ctx, struct berth_error **err)
{
	struct remove_ctx *c = ctx;
	ssize_t i = find_name(m, c->name);
	if (i < 0)
		return berth_error_set(err, ENOENT, "reference '%s' not found", c->name);
	untag_entry(m, (size_t)i, c->keep);
	return 1;
}

int berth_store_ref_remove(struct berth_store *s, const char *name, bool keep_untagged,
			   struct berth_error **err)
{
	struct remove_ctx c = {name, keep_untagged};
	int r = index_modify(s, edit_remove, &c, err);
	return r < 0 ? r : 0;
}

static int edit_remove_digest(json_t *m, void *ctx, struct berth_error **err)
{
	const char *dg = ctx;
	int n = 0;
	for (size_t i = json_array_size(m); i-- > 0;) {
		if (entry_has_digest(json_array_get(m, i), dg)) {
			json_array_remove(m, i);
			n++;
		}
	}
	if (n == 0)
		return berth_error_set(err, ENOENT, "image '%s' not found", dg);
	return n;
}

int berth_store_image_remove(struct berth_store *s, const struct berth_digest *d,
			     struct berth_error **err)
{
	char dg[BERTH_DIGEST_STRLEN + 1];
	int r = index_modify(s, edit_remove_digest, berth_digest_fmt(d, dg), err);
	return r < 0 ? r : 0;
}

static int edit_remove_untagged(json_t *m, void *ctx, struct berth_error **err)
{
	int n = 0;
	for (size_t i = json_array_size(m); i-- > 0;) {
		if (!entry_name(json_array_get(m, i))) {
			json_array_remove(m, i);
			n++;
		}
	}
	return n;
}

int berth_store_remove_untagged(struct berth_store *s, struct berth_error **err)
{
	return index_modify(s, edit_remove_untagged, NULL, err);
}

/* ---- reachability, gc, check ---- */

/* A sorted set of digests. */
struct digest_set {
	struct berth_digest *d;
	size_t n, alloc;
};

static void set_release(struct digest_set *s)
{
	free(s->d);
	s->d = NULL;
	s->n = s->alloc = 0;
}

static ssize_t set_find(const struct digest_set *s, const struct berth_digest *d, size_t *ins)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->d[mid].bytes, d->bytes, sizeof(d->bytes));
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ins)
		*ins = lo;
	return -1;
}

/* Adds d; false when it was there already. */
static bool set_add(struct digest_set *s, const struct berth_digest *d)
{
	size_t at = 0;
	if (set_find(s, d, &at) >= 0)
		return false;
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->d = berth_xreallocarray(s->d, s->alloc, sizeof(*s->d));
	}
	memmove(&s->d[at + 1], &s->d[at], (s->n - at) * sizeof(*s->d));
	s->d[at] = *d;
	s->n++;
	return true;
}

struct walk {
	struct berth_store *s;
	struct digest_set seen;
	const struct berth_store_problem_cb *cb;
	size_t problems;
};

static void problem(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct walk *w, const char *fmt, ...)
{
	w->problems++;
	if (!w->cb || !w->cb->problem)
		return;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	berth_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	w->cb->problem(w->cb->ctx, b.buf);
}

static void walk_descriptor(struct walk *w, json_t *desc, const char *from, bool required,
			    int depth);

/* Marks the blobs a manifest or index refers to. */
static void walk_document(struct walk *w, const struct berth_digest *d, const char *name, int depth)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	_cleanup_json_ json_t *j = NULL;
	struct berth_error *e = NULL;
	if (berth_store_blob_read(w->s, d, MAX_MANIFEST_SIZE, &data, &len, &e) < 0 ||
	    berth_json_parse(data, len, name, &j, &e) < 0) {
		problem(w, "%s", berth_error_msg(e));
		berth_error_free(&e);
		return;
	}
	json_t *c = json_object_get(j, "config");
	if (c)
		walk_descriptor(w, c, name, true, depth + 1);
	size_t i;
	json_t *x;
	json_array_foreach (json_object_get(j, "layers"), i, x)
		walk_descriptor(w, x, name, true, depth + 1);
	/* an index's children may be absent: a pull fetches one platform */
	json_array_foreach (json_object_get(j, "manifests"), i, x)
		walk_descriptor(w, x, name, false, depth + 1);
}

static bool is_document_type(const char *mt)
{
	return mt && (strstr(mt, "manifest") || strstr(mt, "image.index"));
}

static void walk_descriptor(struct walk *w, json_t *desc, const char *from, bool required,
			    int depth)
{
	struct berth_digest d;
	struct berth_error *e = NULL;
	const char *dg = json_string_value(json_object_get(desc, "digest"));
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	json_t *sz = json_object_get(desc, "size");
	json_t *urls = json_object_get(desc, "urls");
	char name[BERTH_DIGEST_STRLEN + 1];
	if (depth > 8) {
		problem(w, "%s: manifests nested too deep", from);
		return;
	}
	if (!dg || berth_digest_parse(dg, &d, &e) < 0) {
		problem(w, "%s: a descriptor has no valid digest", from);
		berth_error_free(&e);
		return;
	}
	berth_digest_fmt(&d, name);
	if (!set_add(&w->seen, &d))
		return;
	if (!berth_store_blob_exists(w->s, &d)) {
		/* foreign layers (with urls) are fetched elsewhere */
		if (required && !json_is_array(urls))
			problem(w, "%s: blob '%s' is missing", from, name);
		return;
	}
	uint64_t size = 0;
	if (berth_store_blob_size(w->s, &d, &size, &e) == 0 && json_is_integer(sz) &&
	    (uint64_t)json_integer_value(sz) != size)
		problem(w, "%s: blob '%s' has %llu bytes, its descriptor says %lld", from, name,
			(unsigned long long)size, (long long)json_integer_value(sz));
	berth_error_free(&e);
	if (is_document_type(mt))
		walk_document(w, &d, name, depth);
}

static void walk_roots(struct walk *w);

static int walk_index(struct walk *w, struct berth_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	int r = index_load(w->s, &j, err);
	if (r < 0)
		return r;
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(j, "manifests"), i, e) {
		const char *n = entry_name(e);
		_cleanup_free_ char *from =
			berth_xasprintf("index.json entry '%s'", n ? n : "<none>");
		json_t *mt = json_object_get(e, "mediaType");
		/* entries are manifests or indexes even when mediaType is missing */
		if (!mt)
			json_object_set_new(
				e, "mediaType",
				json_string("application/vnd.oci.image.manifest.v1+json"));
		walk_descriptor(w, e, from, true, 0);
	}
	walk_roots(w);
	return 0;
}

/* ---- gc roots other subsystems hold (cache/gc-roots/<owner>) ---- */

static int valid_owner(const char *owner, struct berth_error **err)
{
	size_t n = strlen(owner);
	if (n == 0 || n > 64 || owner[0] == '.')
		return berth_error_set(err, EINVAL, "invalid gc root owner '%s'", owner);
	for (const char *p = owner; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_' || *p == '.'))
			return berth_error_set(err, EINVAL, "invalid gc root owner '%s'", owner);
	return 0;
}

static int roots_dir(struct berth_store *s, bool create, struct berth_error **err)
{
	int cache = berth_store_dir_fd(s, "cache");
	if (create)
		return open_subdir(cache, "gc-roots", err);
	int fd = openat(cache, "gc-roots", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

int berth_store_gc_root_set(struct berth_store *s, const char *owner,
			    const struct berth_store_ref *roots, size_t n, struct berth_error **err)
{
	int r = valid_owner(owner, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = roots_dir(s, true, err);
	if (dfd < 0)
		return dfd;
	_cleanup_buf_ struct berth_buf b = BERTH_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		char d[BERTH_DIGEST_STRLEN + 1];
		const char *mt = roots[i].media_type && *roots[i].media_type
					 ? roots[i].media_type
					 : "application/octet-stream";
		berth_buf_addf(&b, "%s %s\n", berth_digest_fmt(&roots[i].digest, d), mt);
	}
	/* under the gc lock, so a running collection sees the old or the new roots whole */
	_cleanup_close_ int lock = lock_file(s, "roots.lock", LOCK_EX, err);
	if (lock < 0)
		return lock;
	remove_dead_atomic_temps(dfd);
	return berth_write_file_atomic(dfd, owner, b.buf, b.len, 0644, err);
}

int berth_store_gc_root_remove(struct berth_store *s, const char *owner, struct berth_error **err)
{
	int r = valid_owner(owner, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = roots_dir(s, false, NULL);
	if (dfd < 0)
		return 0;
	if (unlinkat(dfd, owner, 0) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove gc root '%s'", owner);
	return 0;
}

/* Marks what every roots file names (a manifest or index is walked). */
static void walk_roots(struct walk *w)
{
	_cleanup_close_ int dfd = roots_dir(w->s, false, NULL);
	if (dfd < 0)
		return;
	_cleanup_close_ int lock = lock_file(w->s, "roots.lock", LOCK_SH, NULL);
	(void)lock; /* held while the roots are read */
	_cleanup_closedir_ DIR *dir = berth_opendir_at(dfd, ".");
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *data = NULL;
		size_t len;
		if (berth_read_file_at(dfd, de->d_name, 1u << 20, &data, &len, NULL) < 0)
			continue;
		_cleanup_free_ char *from = berth_xasprintf("gc root '%s'", de->d_name);
		for (char *line = data, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			char *sp = strchr(line, ' ');
			if (sp)
				*sp++ = '\0';
			_cleanup_json_ json_t *desc = json_object();
			json_object_set_new(desc, "digest", json_string(line));
			json_object_set_new(desc, "mediaType",
					    json_string(sp ? sp : "application/octet-stream"));
			/* a root whose blob is gone is the owner's business, not a problem */
			struct berth_digest d;
			if (berth_digest_parse(line, &d, NULL) < 0 ||
			    !berth_store_blob_exists(w->s, &d))
				continue;
			walk_descriptor(w, desc, from, false, 0);
		}
	}
}

typedef int (*blob_fn)(struct berth_store *s, const char *name, const struct berth_digest *d,
		       void *ctx, struct berth_error **err);

/* Calls fn for every file of blobs/sha256 (d NULL when the name is not a digest). */
static int foreach_blob(struct berth_store *s, blob_fn fn, void *ctx, struct berth_error **err)
{
	_cleanup_closedir_ DIR *dir = berth_opendir_at(s->blobs_fd, ".");
	if (!dir)
		return berth_error_syscall(err, errno, "open '%s/blobs/sha256'", s->root);
	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct berth_digest d;
		struct berth_error *e = NULL;
		bool ok = berth_digest_parse_hex(de->d_name, &d, &e) >= 0;
		berth_error_free(&e);
		int r = fn(s, de->d_name, ok ? &d : NULL, ctx, err);
		if (r < 0)
			return r;
	}
	if (errno)
		return berth_error_syscall(err, errno, "read '%s/blobs/sha256'", s->root);
	return 0;
}

struct gc_ctx {
	struct digest_set *live;
	struct berth_store_gc_result *res;
};

static int gc_blob(struct berth_store *s, const char *name, const struct berth_digest *d, void *ctx,
		   struct berth_error **err)
{
	struct gc_ctx *c = ctx;
	struct stat st;
	if (d && set_find(c->live, d, NULL) >= 0)
		return 0;
	if (!d && name[0] != '.')
		return 0; /* not ours: leave foreign files alone */
	if (fstatat(s->blobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (unlinkat(s->blobs_fd, name, 0) < 0 && errno != ENOENT)
		return berth_error_syscall(err, errno, "remove blob '%s'", name);
	if (d) {
		c->res->blobs_removed++;
		c->res->bytes_removed += (uint64_t)st.st_size;
	} else {
		c->res->temps_removed++;
	}
	return 0;
}

/*
 * Takes the gc lock exclusively for the duration of fn. The shared lock this
 * process may hold is on the same open file, so flock converts it instead of
 * waiting on ourselves; the conversion is not atomic (flock(2)), which is
 * fine: no blob of ours is in flight while we collect.
 */
static int with_gc_lock(struct berth_store *s, int *ret_fd, struct berth_error **err)
{
	if (s->gc_lock_fd >= 0) {
		while (flock(s->gc_lock_fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return berth_error_syscall(err, errno, "lock 'gc.lock'");
		*ret_fd = -EBADF;
		return 0;
	}
	int fd = lock_file(s, "gc.lock", LOCK_EX, err);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

static void release_gc_lock(struct berth_store *s, int fd)
{
	if (fd >= 0)
		close(fd);
	else if (s->gc_lock_fd >= 0)
		flock(s->gc_lock_fd, LOCK_SH);
}

int berth_store_gc(struct berth_store *s, const struct berth_digest *extra_roots, size_t n_roots,
		   struct berth_store_gc_result *ret, struct berth_error **err)
{
	struct berth_store_gc_result res = {0};
	struct walk w = {.s = s};
	int lfd = -EBADF;
	int r = with_gc_lock(s, &lfd, err);
	if (r < 0)
		return r;
	/* the index lock too, so no tag is set to a blob we are about to remove */
	_cleanup_close_ int ilock = lock_file(s, "index.lock", LOCK_EX, err);
	if (ilock < 0) {
		r = ilock;
		goto out;
	}
	r = walk_index(&w, err);
	if (r < 0)
		goto out;
	if (w.problems > 0) {
		/* an unreadable manifest hides what it refers to: do not guess */
		r = berth_error_set(err, EBADMSG,
				    "store '%s' has %zu problems; run 'berth system check'",
				    s->root, w.problems);
		goto out;
	}
	for (size_t i = 0; i < n_roots; i++)
		set_add(&w.seen, &extra_roots[i]);
	struct gc_ctx c = {&w.seen, &res};
	r = foreach_blob(s, gc_blob, &c, err);
	if (r < 0)
		goto out;
	size_t live = 0;
	r = tmp_scan(s, true, &res.temps_removed, &live, err);
	if (r < 0)
		goto out;
	r = berth_fsync_dir(s->blobs_fd, err);
out:
	release_gc_lock(s, lfd);
	set_release(&w.seen);
	if (r >= 0 && ret)
		*ret = res;
	return r;
}

struct check_ctx {
	struct walk *w;
	struct berth_store_check_result *res;
	bool repair;
};

static int check_blob(struct berth_store *s, const char *name, const struct berth_digest *d,
		      void *ctx, struct berth_error **err)
{
	struct check_ctx *c = ctx;
	struct berth_digest got;
	uint64_t size = 0;
	struct berth_error *e = NULL;
	if (!d) {
		problem(c->w, "blobs/sha256/%s: not a blob name%s", name,
			c->repair ? " (removed)" : "");
		c->res->temps++;
		if (c->repair)
			berth_rm_rf_at(s->blobs_fd, name, NULL);
		return 0;
	}
	_cleanup_close_ int fd = -EBADF;
	if (berth_store_blob_open(s, d, &fd, NULL, &e) < 0 ||
	    berth_digest_fd(fd, &got, &size, &e) < 0) {
		problem(c->w, "blobs/sha256/%s: %s", name, berth_error_msg(e));
		berth_error_free(&e);
		return 0;
	}
	c->res->blobs++;
	c->res->bytes += size;
	if (!berth_digest_eq(&got, d)) {
		problem(c->w, "blob 'sha256:%s' is corrupt: its bytes do not match its digest%s",
			name, c->repair ? " (removed)" : "");
		if (c->repair)
			unlinkat(s->blobs_fd, name, 0);
		return 0;
	}
	if (set_find(&c->w->seen, d, NULL) < 0) {
		/* orphans are not errors (gc removes them) but are counted */
		c->res->orphans++;
		if (c->repair)
			unlinkat(s->blobs_fd, name, 0);
	}
	return 0;
}

static int check_layout_file(struct berth_store *s, struct walk *w)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	_cleanup_json_ json_t *j = NULL;
	struct berth_error *e = NULL;
	if (berth_read_file_at(s->root_fd, "oci-layout", 4096, &data, &len, &e) < 0 ||
	    berth_json_parse(data, len, "oci-layout", &j, &e) < 0) {
		problem(w, "oci-layout: %s", berth_error_msg(e));
		berth_error_free(&e);
		return 0;
	}
	const char *v = json_string_value(json_object_get(j, "imageLayoutVersion"));
	if (!v)
		problem(w, "oci-layout: no imageLayoutVersion");
	return 0;
}

static int edit_drop_missing(json_t *m, void *ctx, struct berth_error **err)
{
	struct berth_store *s = ctx;
	int n = 0;
	for (size_t i = json_array_size(m); i-- > 0;) {
		struct berth_digest d;
		struct berth_error *e = NULL;
		const char *dg = json_string_value(json_object_get(json_array_get(m, i), "digest"));
		if (!dg || berth_digest_parse(dg, &d, &e) < 0 || !berth_store_blob_exists(s, &d)) {
			json_array_remove(m, i);
			n++;
		}
		berth_error_free(&e);
	}
	return n;
}

int berth_store_check(struct berth_store *s, bool repair, const struct berth_store_problem_cb *cb,
		      struct berth_store_check_result *ret, struct berth_error **err)
{
	struct berth_store_check_result res = {0};
	struct walk w = {.s = s, .cb = cb};
	int lfd = -EBADF;
	/* exclusive: a partial write of a running writer is not a problem */
	int r = with_gc_lock(s, &lfd, err);
	if (r < 0)
		return r;
	check_layout_file(s, &w);
	/* an unreadable index is a problem to report, not a failure of the check */
	struct berth_error *werr = NULL;
	if (walk_index(&w, &werr) < 0) {
		problem(&w, "%s", berth_error_msg(werr));
		berth_error_free(&werr);
	}
	struct check_ctx c = {&w, &res, repair};
	r = foreach_blob(s, check_blob, &c, err);
	if (r < 0)
		goto out;
	/*
	 * A crash's partial writes are counted, not problems: nothing refers
	 * to them and the next write removes them (as gc does orphans). What a
	 * live process owns is in use.
	 */
	r = tmp_scan(s, repair, &res.temps, &res.temps_live, err);
	if (r < 0)
		goto out;
	if (repair) {
		r = index_modify(s, edit_drop_missing, s, err);
		if (r < 0)
			goto out;
	}
	res.problems = w.problems;
	r = 0;
out:
	release_gc_lock(s, lfd);
	set_release(&w.seen);
	if (r >= 0 && ret)
		*ret = res;
	return r;
}

static int usage_blob(struct berth_store *s, const char *name, const struct berth_digest *d,
		      void *ctx, struct berth_error **err)
{
	uint64_t *acc = ctx;
	struct stat st;
	if (!d || fstatat(s->blobs_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	acc[0]++;
	acc[1] += (uint64_t)st.st_size;
	return 0;
}

int berth_store_blob_usage(struct berth_store *s, size_t *ret_count, uint64_t *ret_bytes,
			   struct berth_error **err)
{
	uint64_t acc[2] = {0, 0};
	int r = foreach_blob(s, usage_blob, acc, err);
	if (r < 0)
		return r;
	if (ret_count)
		*ret_count = (size_t)acc[0];
	if (ret_bytes)
		*ret_bytes = acc[1];
	return 0;
}
