/* SPDX-License-Identifier: Apache-2.0 */
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

/* ---- blobs ---- */

#define BLOB_WRITEBACK_CHUNK (8u << 20)

/*
 * Writers keep the shared gc lock until the store is freed or the last hold
 * ends: see store.h. In one process the lock is one open file, so the
 * holds of threads are counted here and a gc of this process waits for
 * the other threads' holds as an exclusive flock waits for other
 * processes' shared ones (store_gc_exclusive_begin). A handler's _begin
 * and _done run on its thread: thread_holds is what this thread holds.
 */
static _Thread_local unsigned thread_holds;

static int open_gc_shared(struct berth_store *s, struct berth_error **err)
{
	if (s->gc_lock_fd >= 0)
		return 0;
	int fd = store_lock_file(s, "gc.lock", LOCK_SH, err);
	if (fd < 0)
		return fd;
	s->gc_lock_fd = fd;
	return 0;
}

static int hold_gc_shared(struct berth_store *s, bool count, struct berth_error **err)
{
	pthread_mutex_lock(&s->gc_hold_lock);
	/* a new operation waits for a gc of this process to end (not one in flight:
	 * the gc waits for it) */
	while (count && thread_holds == 0 && s->gc_running > 0)
		pthread_cond_wait(&s->gc_hold_cond, &s->gc_hold_lock);
	int r = open_gc_shared(s, err);
	if (r >= 0 && count) {
		s->gc_holds++;
		thread_holds++;
	}
	pthread_mutex_unlock(&s->gc_hold_lock);
	return r;
}

int berth_store_writes_begin(struct berth_store *s, struct berth_error **err)
{
	return hold_gc_shared(s, true, err);
}

void berth_store_writes_done(struct berth_store *s)
{
	pthread_mutex_lock(&s->gc_hold_lock);
	if (s->gc_holds > 0)
		s->gc_holds--;
	if (thread_holds > 0)
		thread_holds--;
	if (s->gc_holds == 0)
		berth_closep(&s->gc_lock_fd);
	pthread_cond_broadcast(&s->gc_hold_cond);
	pthread_mutex_unlock(&s->gc_hold_lock);
}

int store_gc_exclusive_begin(struct berth_store *s, struct berth_error **err)
{
	pthread_mutex_lock(&s->gc_hold_lock);
	bool opened = s->gc_lock_fd < 0;
	int r = open_gc_shared(s, err);
	if (r < 0) {
		pthread_mutex_unlock(&s->gc_hold_lock);
		return r;
	}
	if (opened)
		s->gc_opened = true;
	/* the gc's own hold keeps the fd open; this thread's holds do not count */
	s->gc_holds++;
	s->gc_exempt += thread_holds + 1;
	s->gc_running++;
	while (s->gc_holds > s->gc_exempt)
		pthread_cond_wait(&s->gc_hold_cond, &s->gc_hold_lock);
	int fd = s->gc_lock_fd;
	pthread_mutex_unlock(&s->gc_hold_lock);
	/* converts this process's shared lock: waits for the other processes' */
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			r = berth_error_syscall(err, errno, "lock 'gc.lock'");
			store_gc_exclusive_end(s);
			return r;
		}
	return 0;
}

void store_gc_exclusive_end(struct berth_store *s)
{
	pthread_mutex_lock(&s->gc_hold_lock);
	s->gc_holds--;
	s->gc_exempt -= thread_holds + 1;
	if (--s->gc_running == 0) {
		/* back to what this handle had before: shared, or nothing */
		if (s->gc_opened && s->gc_holds == 0) {
			berth_closep(&s->gc_lock_fd);
		} else {
			flock(s->gc_lock_fd, LOCK_SH);
		}
		s->gc_opened = false;
	}
	pthread_cond_broadcast(&s->gc_hold_cond);
	pthread_mutex_unlock(&s->gc_hold_lock);
}

int berth_store_blob_begin(struct berth_store *s, struct berth_blob_writer **ret,
			   struct berth_error **err)
{
	int r = hold_gc_shared(s, false, err);
	if (r < 0)
		return r;
	store_tmp_sweep_once(s);
	_cleanup_close_ int guard = store_lock_file(s, "tmp.lock", LOCK_SH, err);
	if (guard < 0)
		return guard;
	struct berth_blob_writer *w = berth_xcalloc(1, sizeof(*w));
	char rnd[17];
	berth_random_hex(rnd, 8);
	snprintf(w->tmp_name, sizeof(w->tmp_name), "blob-%s", rnd);
	w->fd = openat(store_tmp_fd(s), w->tmp_name,
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	r = w->fd < 0 ? berth_error_syscall(err, errno, "create a temp blob in '%s/tmp'", s->root)
		      : store_tmp_own(s, w->fd, w->tmp_name, err);
	if (r < 0) {
		if (w->fd >= 0) {
			close(w->fd);
			unlinkat(store_tmp_fd(s), w->tmp_name, 0);
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
	if (w->hashed)
		return berth_error_set(err, EINVAL,
				       "write blob: written after its digest was taken");
	int r = berth_write_all(w->fd, data, len, err);
	if (r < 0)
		return berth_error_prefix(err, "write blob");
	berth_sha256_update(w->hash, data, len);
	w->size += len;
	/*
	 * The writeback of a big blob starts while it is written, not when the
	 * commit's fsync asks for all of it at once: the disk works while the
	 * rest is produced, the fsync waits for the tail only, and no backlog
	 * of dirty pages builds up to slow down everybody else's writes.
	 */
	if (w->size - w->flushed >= BLOB_WRITEBACK_CHUNK) {
		(void)sync_file_range(w->fd, (off_t)w->flushed, (off_t)(w->size - w->flushed),
				      SYNC_FILE_RANGE_WRITE);
		w->flushed = w->size;
	}
	return 0;
}

void berth_blob_writer_digest(struct berth_blob_writer *w, struct berth_digest *ret)
{
	if (!w->hashed)
		berth_sha256_final(w->hash, &w->digest);
	w->hashed = true;
	*ret = w->digest;
}

int berth_blob_writer_sink(void *ctx, const void *data, size_t len, struct berth_error **err)
{
	return berth_blob_writer_write(ctx, data, len, err);
}

uint64_t berth_blob_writer_size(const struct berth_blob_writer *w)
{
	return w->size;
}

int berth_blob_writer_open_read(const struct berth_blob_writer *w, struct berth_error **err)
{
	int fd = openat(store_tmp_fd(w->s), w->tmp_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_syscall(err, errno, "open temp blob '%s'", w->tmp_name);
	return fd;
}

void berth_blob_writer_abort(struct berth_blob_writer *w)
{
	if (!w)
		return;
	berth_closep(&w->fd);
	unlinkat(store_tmp_fd(w->s), w->tmp_name, 0);
	berth_sha256_free(w->hash);
	free(w);
}

/* The digest of what w wrote, into *ret; EBADMSG when expected says otherwise. */
static int writer_digest(struct berth_blob_writer *w, const struct berth_digest *expected,
			 struct berth_digest *ret, struct berth_error **err)
{
	char want[BERTH_DIGEST_STRLEN + 1], got[BERTH_DIGEST_STRLEN + 1];
	berth_blob_writer_digest(w, ret);
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
	if (renameat(store_tmp_fd(w->s), w->tmp_name, w->s->blobs_fd, hex) < 0)
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

/* The index of the pending blob d in b, or -1; b->lock held. */
static ssize_t batch_find(struct berth_blob_batch *b, const struct berth_digest *d)
{
	char hex[65];
	berth_digest_hex(d, hex);
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->items[i].hex, hex) == 0)
			return (ssize_t)i;
	return -1;
}

bool berth_blob_batch_has(struct berth_blob_batch *b, const struct berth_digest *d)
{
	pthread_mutex_lock(&b->lock);
	bool found = batch_find(b, d) >= 0;
	pthread_mutex_unlock(&b->lock);
	return found;
}

int berth_blob_batch_open(struct berth_blob_batch *b, const struct berth_digest *d,
			  struct berth_error **err)
{
	pthread_mutex_lock(&b->lock);
	ssize_t i = batch_find(b, d);
	int fd = -ENOENT;
	if (i >= 0) {
		/* the temp file itself, whatever its name: a new open file description */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", b->items[i].fd);
		fd = open(proc, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = berth_error_syscall(err, errno, "open pending blob '%s'",
						 b->items[i].hex);
	}
	pthread_mutex_unlock(&b->lock);
	return fd;
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
		if (renameat(store_tmp_fd(b->s), p->tmp_name, b->s->blobs_fd, p->hex) < 0)
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
			unlinkat(store_tmp_fd(b->s), b->items[i].tmp_name, 0);
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
